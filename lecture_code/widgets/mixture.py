"""An interactive explorer of a 2-D Gaussian (ipywidgets).

Introduced in the chapter *Multivariate Gaussians*: sliders for the two standard deviations
σ₁, σ₂ and the correlation ρ redraw the density contours, the 1- and 2-sigma ellipses and
the principal axes of

    Σ = [[σ₁²,     ρσ₁σ₂],
         [ρσ₁σ₂,   σ₂²  ]].

The figure itself is :func:`lecture_code.plotting.mixture.plot_gaussian_2d`, so the static
book shows exactly what the widget's initial state shows.

Example
-------
>>> import contextlib, io, matplotlib
>>> matplotlib.use("Agg")
>>> with contextlib.redirect_stdout(io.StringIO()):  # outside a notebook it prints escapes
...     w = gaussian_explorer(sigma1=1.5, sigma2=0.7, rho=0.6)
>>> sorted(c.description for c in w.children if hasattr(c, "value"))[:3]
['rho', 'sigma1', 'sigma2']
"""
from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt

from lecture_code.plotting.mixture import plot_gaussian_2d
from lecture_code.widgets._figure import image_interactive

__all__ = ["gaussian_explorer"]


def gaussian_explorer(sigma1: float = 1.5, sigma2: float = 0.7, rho: float = 0.6,
                      lim: float = 4.0):
    """A widget with sliders for σ₁, σ₂ and ρ that redraws a 2-D Gaussian's contours.

    Introduced in the chapter *Multivariate Gaussians*. Returns an ``ipywidgets.interactive``
    object: display it in a notebook (it is the last expression of a cell). The correlation
    slider stops at ±0.95 because at ±1 the covariance matrix is singular and the density
    does not exist.

    >>> import contextlib, io, matplotlib; matplotlib.use("Agg")
    >>> with contextlib.redirect_stdout(io.StringIO()):
    ...     w = gaussian_explorer()
    >>> w.kwargs["rho"]
    0.6
    """
    for name, value in (("sigma1", sigma1), ("sigma2", sigma2)):
        if not 0.2 <= value <= 2.5:
            raise ValueError(f"{name} must be between 0.2 and 2.5 (the slider's range), got "
                             f"{value}.")
    if not -0.95 <= rho <= 0.95:
        raise ValueError(f"rho must be between -0.95 and 0.95, got {rho}: at |rho| = 1 the "
                         "covariance is singular and the Gaussian has no density.")

    def draw(sigma1, sigma2, rho):
        fig, ax = plt.subplots(figsize=(5, 5))
        plot_gaussian_2d(ax, sigma1, sigma2, rho, lim=lim)
        return fig

    style = {"description_width": "initial"}
    return image_interactive(
        draw,
        sigma1=widgets.FloatSlider(value=sigma1, min=0.2, max=2.5, step=0.05,
                                   description="sigma1", style=style),
        sigma2=widgets.FloatSlider(value=sigma2, min=0.2, max=2.5, step=0.05,
                                   description="sigma2", style=style),
        rho=widgets.FloatSlider(value=rho, min=-0.95, max=0.95, step=0.05,
                                description="rho", style=style),
    )
