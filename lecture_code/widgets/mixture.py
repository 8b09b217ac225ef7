"""An interactive explorer of a 2-D Gaussian.

Introduced in the chapter *Multivariate Gaussians*: sliders for the two standard deviations
σ₁, σ₂ and the correlation ρ redraw the density contours, the 1- and 2-sigma ellipses and
the principal axes of

    Σ = [[σ₁²,     ρσ₁σ₂],
         [ρσ₁σ₂,   σ₂²  ]].

The figure itself is :func:`lecture_code.plotting.mixture.plot_gaussian_2d`. The explorer is
a :class:`lecture_code.widgets.frames.FrameExplorer`: live ipywidgets in a running notebook,
pre-rendered frames in the static book.

Example
-------
>>> import contextlib, io, matplotlib
>>> matplotlib.use("Agg")
>>> with contextlib.redirect_stdout(io.StringIO()):  # outside a notebook it prints escapes
...     w = gaussian_explorer(sigma1=1.5, sigma2=0.7, rho=0.6)
>>> sorted(c.description for c in w.widget.children if hasattr(c, "value"))[:3]
['rho', 'sigma1', 'sigma2']
"""
from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from lecture_code.plotting.mixture import plot_gaussian_2d
from lecture_code.widgets.frames import FrameExplorer

__all__ = ["gaussian_explorer"]

STATIC_SIGMAS = (0.7, 1.5)
STATIC_RHOS = (-0.9, -0.6, -0.3, 0.0, 0.3, 0.6, 0.9)


def _with(values, value):
    """``values`` with its entry nearest to ``value`` replaced by ``value`` (sorted)."""
    values = list(values)
    values[int(np.argmin([abs(v - value) for v in values]))] = value
    return sorted(values)


def gaussian_explorer(sigma1: float = 1.5, sigma2: float = 0.7, rho: float = 0.6,
                      lim: float = 4.0):
    """Sliders for σ₁, σ₂ and ρ that redraw a 2-D Gaussian's contours.

    Introduced in the chapter *Multivariate Gaussians*. Returns a
    :class:`~lecture_code.widgets.frames.FrameExplorer`: display it in a notebook (it is the
    last expression of a cell). The correlation slider stops at ±0.95 because at ±1 the
    covariance matrix is singular and the density does not exist. The static version offers
    σ₁, σ₂ in ``STATIC_SIGMAS`` and ρ in ``STATIC_RHOS``, the value nearest to each initial
    value replaced by it.

    >>> import contextlib, io, matplotlib; matplotlib.use("Agg")
    >>> with contextlib.redirect_stdout(io.StringIO()):
    ...     w = gaussian_explorer()
    >>> w.widget.kwargs["rho"], len(w.values["rho"])
    (0.6, 7)
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

    def alt(sigma1, sigma2, rho):
        cov = np.array([[sigma1**2, rho * sigma1 * sigma2], [rho * sigma1 * sigma2, sigma2**2]])
        values, vectors = np.linalg.eigh(cov)
        angle = np.degrees(np.arctan2(vectors[1, 1], vectors[0, 1])) % 180
        return (f"Density contours of a centred 2-D Gaussian with sigma1 = {sigma1:.2f}, "
                f"sigma2 = {sigma2:.2f} and rho = {rho:.2f}, with its 1- and 2-sigma ellipses "
                f"and principal axes: eigenvalues {values[1]:.2f} and {values[0]:.2f}, the "
                f"long axis at {angle:.0f} degrees to the x1 axis.")

    style = {"description_width": "initial"}
    sliders = {
        "sigma1": widgets.FloatSlider(value=sigma1, min=0.2, max=2.5, step=0.05,
                                      description="sigma1", style=style),
        "sigma2": widgets.FloatSlider(value=sigma2, min=0.2, max=2.5, step=0.05,
                                      description="sigma2", style=style),
        "rho": widgets.FloatSlider(value=rho, min=-0.95, max=0.95, step=0.05,
                                   description="rho", style=style),
    }
    frames = {"sigma1": _with(STATIC_SIGMAS, sigma1), "sigma2": _with(STATIC_SIGMAS, sigma2),
              "rho": _with(STATIC_RHOS, rho)}
    # 100 dpi: the 5-inch square figure is shown at 500 px, its labels at about 9 px or more.
    return FrameExplorer(draw, sliders, frames, alt=alt, dpi=100)
