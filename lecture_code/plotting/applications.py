"""Figures for the chapter *Applications and discussion*: a classifier and its training.

Introduced in the chapter *Applications and discussion* (the two-layer perceptron trained
with reverse mode on the two-moons data). Every helper draws on the matplotlib ``Axes`` it is
given and returns what it drew; the numbers come from :mod:`lecture_code.autodiff`. Sizes
follow the book's figure policy (:mod:`lecture_code.plotting._style`).

Example
-------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> import numpy as np
>>> fig, ax = plt.subplots()
>>> len(plot_loss_curve(ax, [0.7, 0.4, 0.2]).get_xdata())
3
>>> plt.close(fig)
"""
from __future__ import annotations

import numpy as np

from lecture_code.plotting._style import COLORS

__all__ = ["plot_decision_boundary", "plot_loss_curve"]

CLASS_COLORS = (COLORS["blue"], COLORS["orange"])


def plot_decision_boundary(ax, scores, X, labels, *, resolution: int = 200, margin: float = 0.5,
                           title: str | None = None):
    """Shade the two classes of a classifier, draw its boundary ``score = 0`` and the points.

    Introduced in the chapter *Applications and discussion*. ``scores(points)`` returns one
    score per row of an ``(m, 2)`` array (class 1 where positive); ``X`` is ``(n, 2)``,
    ``labels`` 0/1. The view extends ``margin`` beyond the points. Returns the contour set of
    the boundary.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> X = np.array([[-1.0, 0.0], [1.0, 0.0]])
    >>> boundary = plot_decision_boundary(ax, lambda P: P[:, 0], X, [0, 1], resolution=20)
    >>> len(ax.collections) >= 3
    True
    >>> plt.close(fig)
    """
    X = np.asarray(X, dtype=float)
    labels = np.asarray(labels)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must be an (n, 2) array of points in the plane, got shape "
                         f"{X.shape}.")
    if labels.shape != (len(X),):
        raise ValueError(f"labels must have one entry per point ({len(X)}), got shape "
                         f"{labels.shape}.")
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], resolution),
                         np.linspace(lo[1], hi[1], resolution))
    z = np.asarray(scores(np.column_stack([gx.ravel(), gy.ravel()])), dtype=float)
    if z.shape != (gx.size,):
        raise ValueError(f"scores must return one number per point, got shape {z.shape} for "
                         f"{gx.size} points.")
    z = z.reshape(gx.shape)
    ax.contourf(gx, gy, z, levels=[-np.inf, 0.0, np.inf], colors=CLASS_COLORS, alpha=0.18)
    boundary = ax.contour(gx, gy, z, levels=[0.0], colors="black", linewidths=1.5)
    for k, color in enumerate(CLASS_COLORS):
        ax.scatter(*X[labels == k].T, s=14, color=color, edgecolor="white", linewidth=0.4,
                   label=f"class {k}")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.legend(loc="best")
    if title:
        ax.set_title(title)
    return boundary


def plot_loss_curve(ax, losses, *, title: str | None = None, logy: bool = True):
    """The training loss against the step number (log scale by default).

    Introduced in the chapter *Applications and discussion*. Returns the line.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> plot_loss_curve(ax, [1.0, 0.5]).get_ydata().tolist()
    [1.0, 0.5]
    >>> plt.close(fig)
    """
    losses = np.asarray(losses, dtype=float)
    if losses.ndim != 1 or losses.size == 0 or not np.all(np.isfinite(losses)):
        raise ValueError("losses must be a non-empty 1-D sequence of finite numbers.")
    (line,) = ax.plot(np.arange(losses.size), losses, color=COLORS["red"])
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("gradient-descent step")
    ax.set_ylabel("training loss")
    ax.grid(True, which="both", alpha=0.3)
    if title:
        ax.set_title(title)
    return line
