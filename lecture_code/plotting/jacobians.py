"""Figures for the chapters *Forward and reverse mode*, *Jacobians and Hessians* and
*Applications and discussion* (matplotlib).

Introduced in the chapter *Forward and reverse mode* (memory and cost against the input size)
and reused by *Jacobians and Hessians* (a Jacobian with the column of a forward sweep and the
row of a reverse sweep highlighted; ``jacfwd`` against ``jacrev`` timings) and *Applications
and discussion* (optimisation paths on Rosenbrock's contours, ODE solutions, derivatives of
noisy data).

Every helper draws on a matplotlib ``Axes`` it is given and returns what it drew; the numbers
come from :mod:`lecture_code.autodiff`, the helpers compute nothing but what a line needs.

Example
-------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> import numpy as np
>>> fig, ax = plt.subplots()
>>> image = plot_jacobian_sweeps(ax, np.arange(12.0).reshape(3, 4), column=1, row=2)
>>> image.get_array().shape
(3, 4)
>>> plt.close(fig)
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter

from lecture_code.plotting._style import COLORS, PALETTE

__all__ = [
    "MODE_COLORS",
    "plot_jacobian_sweeps",
    "plot_scaling",
    "plot_rosenbrock_paths",
    "plot_curves",
]

#: Colours of the two AD modes (and friends), used consistently across the three chapters.
MODE_COLORS = {"forward": COLORS["blue"], "jacfwd": COLORS["blue"], "reverse": COLORS["red"],
               "jacrev": COLORS["red"], "function": "black", "gradient descent": COLORS["blue"],
               "Newton": COLORS["red"], "implicit Euler": COLORS["blue"],
               "explicit Euler": COLORS["red"], "reference": "black"}


def _color(label: str, index: int):
    return MODE_COLORS.get(label, PALETTE[index % len(PALETTE)])


def plot_jacobian_sweeps(ax, jacobian, *, column: int | None = None, row: int | None = None,
                         annotate: bool = True, title: str | None = None):
    """Draw a Jacobian as a matrix with one column (forward sweep) and one row (reverse sweep)
    outlined.

    Introduced in the chapter *Jacobians and Hessians*: a forward sweep with the tangent
    ``ẋ = e_j`` gives column ``j`` of ``J``, a reverse sweep with the adjoint ``ȳ = e_i`` gives
    row ``i``. ``jacobian`` is an ``(m, n)`` array; ``annotate`` writes each entry in its
    cell. Returns the image.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = plot_jacobian_sweeps(ax, np.eye(3), column=0)
    >>> len(ax.patches)
    1
    >>> plt.close(fig)
    """
    J = np.atleast_2d(np.asarray(jacobian, dtype=float))
    if J.ndim != 2:
        raise ValueError(f"jacobian must be a 2-D (m, n) array, got shape {J.shape}.")
    m, n = J.shape
    if column is not None and not 0 <= column < n:
        raise ValueError(f"column={column} is outside the Jacobian's {n} columns.")
    if row is not None and not 0 <= row < m:
        raise ValueError(f"row={row} is outside the Jacobian's {m} rows.")
    limit = float(np.max(np.abs(J))) or 1.0
    image = ax.imshow(J, cmap="Greys", vmin=-limit, vmax=limit, alpha=0.35)
    if annotate:
        for i in range(m):
            for j in range(n):
                ax.text(j, i, f"{J[i, j]:.2g}", ha="center", va="center", fontsize=9)
    if column is not None:
        ax.add_patch(Rectangle((column - 0.5, -0.5), 1, m, fill=False, lw=3,
                               ec=MODE_COLORS["forward"],
                               label=f"forward sweep, ẋ = e{column + 1}: column J·ẋ"))
    if row is not None:
        ax.add_patch(Rectangle((-0.5, row - 0.5), n, 1, fill=False, lw=3, ls="--",
                               ec=MODE_COLORS["reverse"],
                               label=f"reverse sweep, ȳ = e{row + 1}: row ȳᵀJ"))
    ax.set_xticks(range(n), [f"x{j + 1}" for j in range(n)])
    ax.set_yticks(range(m), [f"y{i + 1}" for i in range(m)])
    ax.set_xlabel("input (column)")
    ax.set_ylabel("output (row)")
    ax.set_title(title or f"Jacobian J ({m} outputs × {n} inputs)")
    if column is not None or row is not None:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), fontsize=9)
    return image


def plot_scaling(ax, sizes: Sequence[float], series: Mapping[str, Sequence[float]], *,
                 xlabel: str = "input size n", ylabel: str = "time (s)",
                 title: str | None = None, loglog: bool = True, slopes: Sequence[int] = (),
                 variable: str = "n"):
    """Draw measurements (times, bytes, ratios) against a problem size, one line per label.

    Introduced in the chapter *Forward and reverse mode* (tape memory and the cost ratio
    against ``n``) and reused by *Jacobians and Hessians* (``jacfwd`` against ``jacrev``).
    ``series`` maps a label to one value per size. ``slopes`` adds dotted reference lines
    ``∝ n^k`` through the first point of the first series, labelled with ``variable`` (the
    name of the size on the x-axis, e.g. ``"K"``). Returns the drawn lines.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> lines = plot_scaling(ax, [10, 100], {"reverse": [1e-4, 1e-3]}, slopes=[1])
    >>> [line.get_label() for line in lines]
    ['reverse']
    >>> plt.close(fig)
    """
    sizes = np.asarray(sizes, dtype=float)
    lines = []
    for k, (label, values) in enumerate(series.items()):
        values = np.asarray(values, dtype=float)
        if values.shape != sizes.shape:
            raise ValueError(f"series {label!r} has {values.size} values for "
                             f"{sizes.size} sizes: give one value per size.")
        (line,) = ax.plot(sizes, values, "o-", color=_color(label, k), label=label)
        lines.append(line)
    if slopes and series:
        first = np.asarray(next(iter(series.values())), dtype=float)
        for k in slopes:
            ax.plot(sizes, first[0] * (sizes / sizes[0]) ** k, ":", color="grey",
                    label=f"∝ {variable}^{k}" if k != 1 else f"∝ {variable}")
    if loglog:
        ax.set_xscale("log")
        ax.set_yscale("log")
        values = np.concatenate([np.asarray(v, dtype=float) for v in series.values()] or [[1.0]])
        if values.max() < 100 * values.min():
            # under two decades matplotlib labels minor ticks "6×10⁰": write plain numbers,
            # at 1, 2, 3 and 5 times a power of ten (all nine would crowd each other)
            plain = FuncFormatter(lambda v, _: f"{v:g}" if v > 0 and f"{v:.0e}"[0] in "1235"
                                  and np.isclose(v, float(f"{v:.0e}")) else "")
            ax.yaxis.set_major_formatter(plain)
            ax.yaxis.set_minor_formatter(plain)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend()
    ax.grid(True, which="major", alpha=0.3)
    return lines


def _rosenbrock(x, y, a=1.0, b=100.0):
    return (a - x) ** 2 + b * (y - x * x) ** 2


def plot_rosenbrock_paths(ax, paths: Mapping[str, np.ndarray], *,
                          xlim=(-2.0, 2.0), ylim=(-1.0, 3.0), levels: int = 20,
                          strides: Mapping[str, int] | None = None,
                          title: str | None = None):
    """Draw optimisation paths on the log-spaced contours of Rosenbrock's function.

    Introduced in the chapter *Applications and discussion*: gradient descent creeping along
    the curved valley against Newton's method with the AD Hessian. ``paths`` maps a label to
    an ``(k, 2)`` array of iterates; the label's line shows the number of iterations.
    ``strides`` maps a label to ``s`` to draw only every ``s``-th iterate of a long path (the
    label still counts all of them). The minimum ``(1, 1)`` is marked with a star. Returns
    the path lines.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> lines = plot_rosenbrock_paths(ax, {"Newton": np.array([[-1.0, 1.0], [1.0, 1.0]])})
    >>> lines[0].get_label()
    'Newton (1 iterations)'
    >>> plt.close(fig)
    """
    xs = np.linspace(*xlim, 300)
    ys = np.linspace(*ylim, 300)
    X, Y = np.meshgrid(xs, ys)
    Z = _rosenbrock(X, Y)
    ax.contour(X, Y, Z, levels=np.logspace(-1, 3.5, levels), cmap="Greys", alpha=0.6,
               linewidths=0.8)
    strides = strides or {}
    lines = []
    for k, (label, path) in enumerate(paths.items()):
        path = np.asarray(path, dtype=float)
        if path.ndim != 2 or path.shape[1] != 2:
            raise ValueError(f"path {label!r} must be a (k, 2) array of iterates, "
                             f"got shape {path.shape}.")
        stride = int(strides.get(label, 1))
        if stride < 1:
            raise ValueError(f"stride for {label!r} must be a positive integer, got {stride}.")
        shown = path[::stride]
        if (len(path) - 1) % stride:
            shown = np.vstack([shown, path[-1:]])
        (line,) = ax.plot(shown[:, 0], shown[:, 1], ".-", color=_color(label, k), ms=4, lw=1.2,
                          label=f"{label} ({len(path) - 1} iterations)")
        ax.plot(*path[0], "o", color=_color(label, k), ms=7)
        lines.append(line)
    ax.plot(1.0, 1.0, "*", color="gold", mec="black", ms=14, label="minimum (1, 1)")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(title or "Rosenbrock's function: paths of the iterates")
    ax.legend(loc="lower left", framealpha=0.9)
    return lines


def plot_curves(ax, curves: Mapping[str, tuple], *, xlabel: str = "t", ylabel: str = "y",
                title: str | None = None, ylim=None, logy: bool = False, styles=None):
    """Draw several ``(x, y)`` curves with labels (ODE solutions, derivatives of data).

    Introduced in the chapter *Applications and discussion*. ``curves`` maps a label to a
    pair ``(x, y)``; ``styles`` optionally maps a label to a matplotlib format string.
    ``ylim`` clips the view (an explicit method that blows up stays on the plot until it
    leaves the window). Returns the lines.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> t = np.linspace(0, 1, 5)
    >>> [l.get_label() for l in plot_curves(ax, {"reference": (t, t**2)})]
    ['reference']
    >>> plt.close(fig)
    """
    styles = styles or {}
    lines = []
    for k, (label, (x, y)) in enumerate(curves.items()):
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        if x.shape[0] != y.shape[0]:
            raise ValueError(f"curve {label!r}: {x.shape[0]} x values but {y.shape[0]} "
                             "y values; give one y per x.")
        reference = label == "reference"   # thin and on top: it stays visible where they agree
        (line,) = ax.plot(x, y, styles.get(label, "-"), color=_color(label, k), label=label,
                          linewidth=1.3 if reference else 2.4, zorder=3 if reference else 2)
        lines.append(line)
    if logy:
        ax.set_yscale("log")
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend()
    return lines
