"""Figures for the first automatic-differentiation chapters (matplotlib).

Introduced in the chapter *Why derivatives, and why not divided differences* (the error of
divided differences against the step ``h`` on log-log axes, secants against the tangent,
Newton's residuals) and reused by *Dual numbers* (a function beside its derivative) and
*Three ways to build AD* (time per call of each implementation).

Every helper draws on a matplotlib ``Axes`` it is given and returns what it drew, so a
notebook cell composes one figure from several helpers. The helpers take *data* (arrays of
errors, residuals, timings) computed by :mod:`lecture_code.autodiff`; they compute nothing
numerical themselves except what is needed to draw a line.

Example
-------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> import numpy as np
>>> hs = np.logspace(-12, -1, 12)
>>> fig, ax = plt.subplots()
>>> lines = plot_difference_errors(ax, hs, {"forward": 3 * hs + 1e-16 / hs})
>>> [line.get_label() for line in lines]
['forward']
>>> plt.close(fig)
"""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from lecture_code.plotting._style import COLORS, figure_size

__all__ = [
    "KIND_COLORS",
    "plot_difference_errors",
    "mark_h",
    "plot_secants",
    "plot_residuals",
    "plot_function_and_derivative",
    "plot_timings",
    "plot_difference_explorer",
]

#: Colours of the divided-difference kinds and of AD, used consistently across chapters.
KIND_COLORS = {"forward": COLORS["blue"], "backward": COLORS["green"],
               "central": COLORS["orange"], "AD": COLORS["red"], "dual": COLORS["red"],
               "exact": "black"}

_EPS = float(np.finfo(float).eps)


def _positive(values) -> np.ndarray:
    """Errors as floats with exact zeros masked (log axes cannot show 0)."""
    values = np.asarray(values, dtype=float)
    return np.where(values > 0, values, np.nan)


def plot_difference_errors(ax, hs, errors: Mapping[str, Sequence[float]], *,
                           optimal: Mapping[str, float] | None = None,
                           guides: bool = True, title: str | None = None):
    """Draw the absolute error of divided differences against the step ``h`` (log-log).

    Introduced in the chapter *Why derivatives, and why not divided differences*.
    ``errors`` maps a kind (``"forward"``, ``"backward"``, ``"central"``, or any label) to
    one error per step in ``hs``; exact zeros are left out (a log axis cannot show them).
    ``optimal`` maps a kind to its measured best step, marked with a dot on its curve.
    With ``guides=True`` dotted vertical lines show the theoretical optima
    ``√ε`` (forward/backward) and ``ε^(1/3)`` (central). Returns the error lines.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> hs = np.logspace(-10, -1, 10)
    >>> fig, ax = plt.subplots()
    >>> lines = plot_difference_errors(ax, hs, {"central": hs**2}, optimal={"central": 1e-10})
    >>> ax.get_xscale(), ax.get_yscale()
    ('log', 'log')
    >>> plt.close(fig)
    """
    hs = np.asarray(hs, dtype=float)
    if hs.ndim != 1 or np.any(hs <= 0):
        raise ValueError("hs must be a 1-D array of positive step sizes, e.g. "
                         "np.logspace(-15, -1, 60).")
    lines = []
    for kind, err in errors.items():
        err = np.asarray(err, dtype=float)
        if err.shape != hs.shape:
            raise ValueError(f"errors[{kind!r}] has shape {err.shape} but hs has shape "
                             f"{hs.shape}: give one error per step size.")
        (line,) = ax.loglog(hs, _positive(err), "--" if kind == "backward" else "-",
                            lw=1.8, label=kind, color=KIND_COLORS.get(kind))
        lines.append(line)
        if optimal is not None and kind in optimal:
            h_best = float(optimal[kind])
            i = int(np.argmin(np.abs(np.log(hs) - np.log(h_best))))
            ax.loglog([hs[i]], [_positive(err)[i]], "o", ms=7, color=line.get_color())
    if guides:
        for h0, text in ((np.sqrt(_EPS), r"$\sqrt{\varepsilon}$"),
                         (_EPS ** (1 / 3), r"$\varepsilon^{1/3}$")):
            ax.axvline(h0, color="gray", ls=":", lw=1)
            ax.annotate(text, (h0, 1), xycoords=("data", "axes fraction"),
                        xytext=(3, -14), textcoords="offset points", color="gray")
    ax.set_xlabel("step size $h$")
    ax.set_ylabel("absolute error")
    ax.set_title(title if title is not None else "Error of divided differences")
    ax.legend(loc="lower right")
    ax.grid(True, which="major", alpha=0.3)
    return lines


def mark_h(ax, h: float, *, label: str | None = None, color: str = COLORS["purple"]):
    """Mark one step size ``h`` on an error plot with a vertical line (the widget's slider).

    Introduced in the chapter *Why derivatives, and why not divided differences*.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> mark_h(ax, 1e-5).get_xdata()[0]
    1e-05
    >>> plt.close(fig)
    """
    if not h > 0:
        raise ValueError(f"h must be positive, got {h}.")
    return ax.axvline(h, color=color, lw=1.5, alpha=0.8,
                      label=label if label is not None else f"h = {h:.1e}")


def plot_secants(ax, f: Callable, x: float, h: float, *, df: float,
                 slopes: Mapping[str, float], width: float | None = None):
    """Draw ``f`` near ``x``, its tangent (slope ``df``) and secant lines with given slopes.

    Introduced in the chapter *Why derivatives, and why not divided differences*: the
    forward secant passes through ``(x, f(x))`` and ``(x + h, f(x + h))``, the backward one
    through ``x - h`` and ``x``, the central one through ``x - h`` and ``x + h``; all three
    approximate the tangent's slope. ``slopes`` maps a kind to its slope (computed by
    :mod:`lecture_code.autodiff.finite_diff`). Returns the drawn lines.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> lines = plot_secants(ax, lambda x: x**3, 1.0, 0.5, df=3.0,
    ...                      slopes={"forward": 4.75})
    >>> len(lines)
    3
    >>> plt.close(fig)
    """
    if not h > 0:
        raise ValueError(f"h must be positive, got {h}.")
    width = width if width is not None else max(3 * h, 0.5)
    grid = np.linspace(x - width, x + width, 200)
    lines = [ax.plot(grid, [f(t) for t in grid], color="black", lw=2, label="$f$")[0]]
    fx = f(x)
    lines.append(ax.plot(grid, fx + df * (grid - x), color=KIND_COLORS["exact"], ls="--",
                         lw=1.2, label=f"tangent, slope {df:.4g}")[0])
    anchors = {"forward": x, "backward": x, "central": x - h}
    for kind, slope in slopes.items():
        x0 = anchors.get(kind, x)
        y0 = f(x0) if kind == "central" else fx
        lines.append(ax.plot(grid, y0 + slope * (grid - x0), color=KIND_COLORS.get(kind),
                             lw=1.2, label=f"{kind} secant, slope {slope:.4g}")[0])
    for t in (x - h, x, x + h):
        ax.plot([t], [f(t)], "o", color="gray", ms=4)
    ax.set_xlim(grid[0], grid[-1])
    lo, hi = min(f(grid[0]), f(grid[-1])), max(f(grid[0]), f(grid[-1]))
    pad = 0.1 * (hi - lo + 1e-12)
    ax.set_ylim(lo - pad, hi + pad)
    ax.set_xlabel("$x$")
    ax.set_ylabel("$f(x)$")
    ax.set_title(f"Secants with $h$ = {h:.2g} at $x$ = {x:.3g}")
    ax.legend(loc="upper left")
    return lines


def plot_residuals(ax, histories: Mapping[str, Sequence[float]], *,
                   title: str = "Newton's method: residual per iteration"):
    """Draw ``|f(x_k)|`` against the iteration ``k`` for several runs (log scale).

    Introduced in the chapter *Why derivatives, and why not divided differences*, to compare
    Newton's method with an exact derivative and with a divided difference. Exact zeros
    (a residual of exactly 0.0) are left out. Returns the lines.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> lines = plot_residuals(ax, {"exact": [1.0, 1e-2, 1e-6, 1e-13]})
    >>> ax.get_yscale()
    'log'
    >>> plt.close(fig)
    """
    lines = []
    markers = "os^vD"
    for i, (label, res) in enumerate(histories.items()):
        res = np.abs(np.asarray(res, dtype=float))
        (line,) = ax.semilogy(np.arange(len(res)), _positive(res), "-" + markers[i % 5],
                              label=label, color=KIND_COLORS.get(label))
        lines.append(line)
    ax.set_xlabel("iteration $k$")
    ax.set_ylabel(r"$|f(x_k)|$")
    ax.set_title(title)
    ax.legend()
    ax.grid(True, alpha=0.3)
    return lines


def plot_function_and_derivative(ax, xs, values, derivatives, *, name: str = "f",
                                 title: str | None = None):
    """Draw a function and its derivative (e.g. computed with dual numbers) on one axes.

    Introduced in the chapter *Dual numbers*. Returns the two lines.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> xs = np.linspace(0, 3, 5)
    >>> fig, ax = plt.subplots()
    >>> [l.get_label() for l in plot_function_and_derivative(ax, xs, xs**2, 2 * xs)]
    ['$f(x)$', "$f'(x)$"]
    >>> plt.close(fig)
    """
    xs, values, derivatives = (np.asarray(a, dtype=float) for a in (xs, values, derivatives))
    if not xs.shape == values.shape == derivatives.shape:
        raise ValueError(f"xs, values and derivatives must have the same shape, got "
                         f"{xs.shape}, {values.shape} and {derivatives.shape}.")
    l1 = ax.plot(xs, values, color="black", lw=2, label=f"${name}(x)$")[0]
    l2 = ax.plot(xs, derivatives, color=KIND_COLORS["dual"], lw=1.8, label=f"${name}'(x)$")[0]
    ax.axhline(0, color="gray", lw=0.8)
    ax.set_xlabel("$x$")
    ax.set_ylabel("value")
    ax.set_title(title if title is not None else f"${name}$ and its derivative")
    ax.legend()
    return [l1, l2]


def plot_timings(ax, seconds: Mapping[str, float], *, unit: str = "µs",
                 title: str = "Time per call"):
    """Draw a horizontal bar per implementation with its time per call.

    Introduced in the chapter *Three ways to build AD*. ``seconds`` maps a label to a time
    in seconds; bars are drawn in microseconds (``unit="µs"``) or milliseconds (``"ms"``)
    and annotated with their value. Returns the bar container.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> len(plot_timings(ax, {"plain": 1e-6, "dual": 5e-6}))
    2
    >>> plt.close(fig)
    """
    scale = {"µs": 1e6, "ms": 1e3, "s": 1.0}
    if unit not in scale:
        raise ValueError(f"unit must be one of {sorted(scale)}, got {unit!r}.")
    labels = list(seconds)
    values = np.array([seconds[k] for k in labels], dtype=float) * scale[unit]
    bars = ax.barh(labels, values, color=[f"C{i % 8}" for i in range(len(labels))])
    for bar, v in zip(bars, values):
        ax.annotate(f"{v:.3g} {unit}", (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                    xytext=(3, 0), textcoords="offset points", va="center")
    ax.invert_yaxis()
    ax.set_xlabel(f"time per call ({unit})")
    ax.set_title(title)
    ax.set_xlim(0, 1.25 * values.max())
    return bars



def plot_difference_explorer(f: Callable, x: float, h: float, *, df: float,
                             hs=None, kinds: Sequence[str] = ("forward", "central")):
    """The divided-difference explorer's figure: secants at ``x`` (left), error vs ``h`` (right).

    Introduced in the chapter *Why derivatives, and why not divided differences*; it is the
    figure that :func:`lecture_code.widgets.autodiff.difference_explorer` redraws when a
    slider moves. ``df`` is the exact derivative ``f'(x)``; the divided differences come from
    :mod:`lecture_code.autodiff.finite_diff`. Returns the figure.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig = plot_difference_explorer(lambda t: t**3, 1.0, 0.1, df=3.0)
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    from lecture_code.autodiff import finite_diff as fd

    if not h > 0:
        raise ValueError(f"h must be positive, got {h}.")
    hs = np.logspace(-15, -1, 141) if hs is None else np.asarray(hs, dtype=float)
    slopes = {kind: _difference(fd, kind, f, x, h) for kind in kinds}
    errors = {kind: fd.difference_errors(f, x, hs, kind=kind, exact=df) for kind in kinds}
    fig, (left, right) = plt.subplots(1, 2, figsize=figure_size(2, panel_aspect=0.9))
    plot_secants(left, f, x, h, df=df, slopes=slopes)
    plot_difference_errors(right, hs, errors, guides=True,
                           title=f"Error against $h$ at $x$ = {x:.3g}")
    mark_h(right, h)
    right.legend(loc="lower right")
    fig.tight_layout()
    return fig


def _difference(fd, kind, f, x, h):
    """The divided difference of the given kind, from :mod:`lecture_code.autodiff.finite_diff`."""
    rules = {"forward": fd.forward_difference, "backward": fd.backward_difference,
             "central": fd.central_difference}
    if kind not in rules:
        raise ValueError(f"kind must be one of {sorted(rules)}, got {kind!r}.")
    return float(rules[kind](f, x, h))
