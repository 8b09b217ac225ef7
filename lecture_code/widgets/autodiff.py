"""Interactive explorers for the first automatic-differentiation chapters (ipywidgets).

Introduced in the chapter *Why derivatives, and why not divided differences*: sliders for the
point ``x`` and the step ``log10(h)`` redraw the forward and central secants of a function
beside its tangent, and the error of both divided differences against ``h`` with the current
step marked. The figure is :func:`lecture_code.plotting.autodiff.plot_difference_explorer`,
so the static book shows exactly the widget's initial state.

Example
-------
>>> import contextlib, io, matplotlib
>>> matplotlib.use("Agg")
>>> with contextlib.redirect_stdout(io.StringIO()):  # outside a notebook it prints escapes
...     w = difference_explorer(x=1.0, log10_h=-3.0)
>>> sorted(c.description for c in w.children if hasattr(c, "value"))
['log10 h', 'x']
"""
from __future__ import annotations

from typing import Callable

import ipywidgets as widgets

from lecture_code.plotting.autodiff import plot_difference_explorer
from lecture_code.widgets._figure import image_interactive

__all__ = ["difference_explorer"]


def _cube(x):
    return x**3


def _cube_slope(x):
    return 3 * x**2


def difference_explorer(f: Callable = _cube, fprime: Callable = _cube_slope, *,
                        x: float = 1.0, log10_h: float = -1.0,
                        x_range: tuple = (0.2, 3.0)):
    """A widget with sliders for ``x`` and ``log10(h)`` showing divided differences of ``f``.

    Introduced in the chapter *Why derivatives, and why not divided differences*. ``f`` is a
    scalar function (default ``x**3``, the lecture's example) and ``fprime`` its exact
    derivative (used for the tangent and the errors). ``log10_h`` runs from -15 to -0.5.
    Returns an ``ipywidgets.interactive`` object: display it as the last expression of a
    notebook cell.

    >>> import contextlib, io, matplotlib; matplotlib.use("Agg")
    >>> with contextlib.redirect_stdout(io.StringIO()):
    ...     w = difference_explorer()
    >>> w.kwargs["log10_h"]
    -1.0
    """
    if not callable(f) or not callable(fprime):
        raise TypeError("f and fprime must be functions of one float, e.g. "
                        "difference_explorer(np.sin, np.cos).")
    lo, hi = x_range
    if not lo < hi:
        raise ValueError(f"x_range must be (low, high) with low < high, got {x_range}.")
    if not lo <= x <= hi:
        raise ValueError(f"x = {x} is outside the slider's range {x_range}; pass x_range.")
    if not -15.0 <= log10_h <= -0.5:
        raise ValueError(f"log10_h must be between -15 and -0.5 (h from 1e-15 to 0.3), got "
                         f"{log10_h}.")

    def draw(x, log10_h):
        return plot_difference_explorer(f, x, 10.0 ** log10_h, df=fprime(x))

    style = {"description_width": "initial"}
    return image_interactive(
        draw,
        x=widgets.FloatSlider(value=x, min=lo, max=hi, step=0.05, description="x",
                              style=style, continuous_update=False),
        log10_h=widgets.FloatSlider(value=log10_h, min=-15.0, max=-0.5, step=0.25,
                                    description="log10 h", style=style,
                                    continuous_update=False),
    )
