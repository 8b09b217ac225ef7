"""Interactive explorers for the first automatic-differentiation chapters.

Introduced in the chapter *Why derivatives, and why not divided differences*: sliders for the
point ``x`` and the step ``log10(h)`` redraw the forward and central secants of a function
beside its tangent, and the error of both divided differences against ``h`` with the current
step marked. The figure is :func:`lecture_code.plotting.autodiff.plot_difference_explorer`.
The explorer is a :class:`lecture_code.widgets.frames.FrameExplorer`: live ipywidgets in a
running notebook, pre-rendered frames in the static book.

Example
-------
>>> import contextlib, io, matplotlib
>>> matplotlib.use("Agg")
>>> with contextlib.redirect_stdout(io.StringIO()):  # outside a notebook it prints escapes
...     w = difference_explorer(x=1.0, log10_h=-3.0)
>>> sorted(c.description for c in w.widget.children if hasattr(c, "value"))
['log10 h', 'x']
"""
from __future__ import annotations

from typing import Callable

import ipywidgets as widgets

from lecture_code.plotting.autodiff import plot_difference_explorer
from lecture_code.widgets.frames import FrameExplorer

__all__ = ["difference_explorer"]


def _cube(x):
    return x**3


def _cube_slope(x):
    return 3 * x**2


def difference_explorer(f: Callable = _cube, fprime: Callable = _cube_slope, *,
                        x: float = 1.0, log10_h: float = -1.0,
                        x_range: tuple = (0.2, 3.0), static_x=None):
    """Sliders for ``x`` and ``log10(h)`` showing the divided differences of ``f``.

    Introduced in the chapter *Why derivatives, and why not divided differences*. ``f`` is a
    scalar function (default ``x**3``, the lecture's example) and ``fprime`` its exact
    derivative (used for the tangent and the errors). ``log10_h`` runs from -15 to -0.5.
    Returns a :class:`~lecture_code.widgets.frames.FrameExplorer`: display it as the last
    expression of a notebook cell. Its static version offers ``log10_h`` = -15, -13, ..., -1
    (and the initial value) at the points ``static_x`` (default: ``x`` and the end of
    ``x_range``).

    >>> import contextlib, io, matplotlib; matplotlib.use("Agg")
    >>> with contextlib.redirect_stdout(io.StringIO()):
    ...     w = difference_explorer()
    >>> w.widget.kwargs["log10_h"], w.values["x"]
    (-1.0, [1.0, 3.0])
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

    def alt(x, log10_h):
        h = 10.0 ** log10_h
        forward = abs((f(x + h) - f(x)) / h - fprime(x))
        central = abs((f(x + h) - f(x - h)) / (2 * h) - fprime(x))
        return (f"Left: the forward and central secants of f at x = {x:.2f} with step "
                f"h = {h:.0e}, beside the tangent. Right: the error of both divided "
                f"differences against h on log scales, with this h marked: forward error "
                f"{forward:.1e}, central error {central:.1e}.")

    style = {"description_width": "initial"}
    sliders = {
        "x": widgets.FloatSlider(value=x, min=lo, max=hi, step=0.05, description="x",
                                 style=style, continuous_update=False),
        "log10_h": widgets.FloatSlider(value=log10_h, min=-15.0, max=-0.5, step=0.25,
                                       description="log10 h", style=style,
                                       continuous_update=False),
    }
    if static_x is None:
        static_x = (x, hi) if x != hi else (lo, x)
    static_h = sorted({float(v) for v in range(-15, 0, 2)} | {float(log10_h)})
    return FrameExplorer(draw, sliders, {"x": sorted(static_x), "log10_h": static_h}, alt=alt)
