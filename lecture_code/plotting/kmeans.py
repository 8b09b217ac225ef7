"""Figures for the chapter *Hard assignments: k-means* (matplotlib).

Introduced in the chapter *Hard assignments: k-means*: Lloyd's iterations as a grid of
panels, the k-means objective per iteration, final objectives over many seeds (random against
k-means++ initialisation), responsibilities hardening as σ → 0, and k-means beside a Gaussian
mixture on data where k-means fails. The general scatter and ellipse helpers come from
:mod:`lecture_code.plotting.mixture`; nothing here computes a clustering.

Example
-------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> fig, ax = plt.subplots()
>>> plot_objective(ax, [10.0, 4.0, 3.5, 3.5]).get_ydata().tolist()
[10.0, 4.0, 3.5, 3.5]
>>> plt.close(fig)
"""
from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from scipy.optimize import linear_sum_assignment

from lecture_code.mixture.gaussian import to_full
from lecture_code.plotting._style import MAX_COLUMNS, figure_size
from lecture_code.plotting.mixture import (
    as_points_2d, component_colors, draw_mixture, scatter_labels, scatter_responsibilities)

__all__ = ["draw_centers", "align_labels", "plot_lloyd_iterations", "plot_objective",
           "plot_objective_by_seed", "plot_sigma_limit", "plot_kmeans_vs_mixture"]


def draw_centers(ax, centers, *, previous=None, colors=None, size: float = 200,
                 label: str | None = "centers"):
    """Mark cluster centers with large crosses (and arrows from ``previous`` centers).

    Introduced in the chapter *Hard assignments: k-means*. Center k has the colour of
    component k (:func:`lecture_code.plotting.mixture.component_colors`). Returns the
    scatter collection.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> draw_centers(ax, [[0, 0], [1, 1]], previous=[[0, 1], [1, 0]]).get_offsets().shape
    (2, 2)
    >>> plt.close(fig)
    """
    centers = as_points_2d(centers)
    colors = component_colors(len(centers)) if colors is None else colors
    if previous is not None:
        previous = as_points_2d(previous)
        if previous.shape != centers.shape:
            raise ValueError(f"previous must have the shape of centers {centers.shape}; got "
                             f"{previous.shape}.")
        # moves shorter than a marker are left out: the arrow would hide under the marker
        lim = ax.dataLim
        short = 0.04 * np.hypot(lim.width, lim.height) if lim.width > 0 else 0.0
        for p, c in zip(previous, centers):
            if np.any(p != c) and np.hypot(*(c - p)) > short:
                ax.annotate("", xy=c, xytext=p, zorder=8,
                            arrowprops=dict(arrowstyle="-|>", color="black", linewidth=1.3,
                                            mutation_scale=12, shrinkA=0,
                                            shrinkB=0.6 * np.sqrt(size)))
    return ax.scatter(centers[:, 0], centers[:, 1], marker="X", s=size, c=colors,
                      edgecolors="black", linewidths=1.5, zorder=7, label=label)


def align_labels(labels, reference):
    """Relabel clusters so that they overlap ``reference`` as much as possible (for colours).

    Introduced in the chapter *Hard assignments: k-means*. Cluster numbers are arbitrary;
    matching them to the true classes (Hungarian algorithm on the contingency table) makes
    cluster k and class k share a colour in a figure. Scores like the adjusted Rand index do
    not depend on it.

    >>> align_labels([1, 1, 0, 0, 2], [0, 0, 1, 1, 2]).tolist()
    [0, 0, 1, 1, 2]
    """
    labels, reference = np.asarray(labels), np.asarray(reference)
    if labels.shape != reference.shape or labels.ndim != 1:
        raise ValueError(f"labels and reference must be 1-D of the same length; got shapes "
                         f"{labels.shape} and {reference.shape}.")
    return _label_mapping(labels, reference, int(labels.max()) + 1)[labels]


def _label_mapping(labels, reference, n_labels):
    """mapping[k] = the reference class that cluster k is matched to (a permutation)."""
    n = max(n_labels, int(reference.max()) + 1)
    table = np.zeros((n, n))
    np.add.at(table, (labels, reference), 1)
    rows, cols = linear_sum_assignment(-table)
    mapping = np.empty(n, dtype=int)
    mapping[rows] = cols
    return mapping


def plot_lloyd_iterations(X, history: Sequence[Mapping], steps: Sequence[int], *,
                          ncols: int = 3, xlabel: str = "$x_1$", ylabel: str = "$x_2$"):
    """One panel per entry ``history[t]`` of ``KMeans(keep_history=True).history_``.

    Introduced in the chapter *Hard assignments: k-means*. Each panel colours the points by
    their nearest center, marks the centers (with an arrow from the previous panel's centers)
    and shows the objective J in the title. Returns the figure.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> from lecture_code.mixture import KMeans
    >>> X = np.array([[0.0, 0], [0, 1], [5, 5], [5, 6]])
    >>> km = KMeans(2, init=np.array([[0.0, 0], [0, 1]]), keep_history=True).fit(X)
    >>> fig = plot_lloyd_iterations(X, km.history_, [0, 1])
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    X = as_points_2d(X)
    steps = list(steps)
    if not steps or min(steps) < 0 or max(steps) >= len(history):
        raise ValueError(f"steps must be indices into history (0 to {len(history) - 1}); "
                         f"got {steps}.")
    if not 1 <= ncols <= MAX_COLUMNS:
        raise ValueError(f"ncols must be between 1 and {MAX_COLUMNS} (panels in a row of the "
                         f"text column), got {ncols}.")
    nrows = -(-len(steps) // ncols)
    ncols = min(ncols, len(steps))
    fig, axes = plt.subplots(nrows, ncols, figsize=figure_size(ncols, nrows, panel_aspect=0.9),
                             sharex=True, sharey=True, constrained_layout=True, squeeze=False)
    for i, ax in enumerate(axes.flat):
        if i >= len(steps):
            ax.set_visible(False)
            continue
        t = steps[i]
        h = history[t]
        scatter_labels(ax, X, h["labels"], s=10, legend=False)
        prev = history[steps[i - 1]]["centers"] if i > 0 else None
        draw_centers(ax, h["centers"], previous=prev, label=None)
        ax.set_title(("start" if t == 0 else f"after iteration {t}") + f"\nJ = {h['inertia']:.1f}")
    fig.supxlabel(xlabel, fontsize="medium")   # once for the grid: narrow panels
    fig.supylabel(ylabel, fontsize="medium")
    return fig


def plot_objective(ax, values, *, label: str | None = None, xlabel: str = "iteration",
                   ylabel: str = "objective J (within-cluster sum of squares)", log: bool = False):
    """The k-means objective against the iteration (0 = the start); returns the line.

    Introduced in the chapter *Hard assignments: k-means*.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> fig, ax = plt.subplots()
    >>> len(plot_objective(ax, [3.0, 2.0, 1.0], label="run").get_xdata())
    3
    >>> plt.close(fig)
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"values must be a non-empty 1-D sequence; got shape {values.shape}.")
    (line,) = ax.plot(np.arange(values.size), values, marker="o", label=label)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if label is not None:
        ax.legend()
    return line


def plot_objective_by_seed(ax, results: Mapping[str, Sequence[float]], *,
                           best: float | None = None,
                           ylabel: str = "final objective J"):
    """Final objectives of many runs, sorted, one curve per initialisation method.

    Introduced in the chapter *Hard assignments: k-means*. The x-axis is the fraction of
    runs (0 = the best run, 1 = the worst), so a curve that stays low for longer is the
    better method; the mean of each method is a dashed line. Returns the list of lines.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> fig, ax = plt.subplots()
    >>> len(plot_objective_by_seed(ax, {"random": [3, 1, 2], "k-means++": [1, 1, 2]}, best=1))
    2
    >>> plt.close(fig)
    """
    if not results:
        raise ValueError("results must map a method name to its final objectives.")
    lines = []
    for k, (name, values) in enumerate(results.items()):
        values = np.sort(np.asarray(values, dtype=float))
        color = component_colors(k + 1)[k]
        frac = (np.arange(values.size) + 0.5) / values.size
        (line,) = ax.step(frac, values, where="mid", color=color, linewidth=2,
                          label=f"{name} (mean {values.mean():.0f})")
        ax.axhline(values.mean(), color=color, linestyle="--", linewidth=1)
        lines.append(line)
    if best is not None:
        ax.axhline(best, color="black", linestyle=":", label=f"best found ({best:.0f})")
    ax.set_xlabel("fraction of runs (sorted from best to worst)")
    ax.set_ylabel(ylabel)
    ax.legend()
    return lines


def plot_sigma_limit(X, results: Sequence[Mapping], *, xlabel: str = "$x_1$",
                     ylabel: str = "$x_2$"):
    """One panel per σ of :func:`lecture_code.mixture.em_to_kmeans`: points coloured by
    their responsibilities, the EM means marked.

    Introduced in the chapter *Hard assignments: k-means*. As σ shrinks the blended colours
    of uncertain points turn into the pure colours of hard assignments. Returns the figure.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> from lecture_code.mixture import em_to_kmeans
    >>> X = np.array([[0.0, 0], [1, 0], [4, 0]])
    >>> fig = plot_sigma_limit(X, em_to_kmeans(X, X[[0, 2]], [1.0, 0.1]))
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    X = as_points_2d(X)
    if not results:
        raise ValueError("results must be the non-empty list returned by em_to_kmeans.")
    if len(results) > MAX_COLUMNS:
        raise ValueError(f"give at most {MAX_COLUMNS} results (panels in a row of the text "
                         f"column), got {len(results)}.")
    fig, axes = plt.subplots(1, len(results), figsize=figure_size(len(results)),
                             sharex=True, sharey=True, constrained_layout=True, squeeze=False)
    for ax, r in zip(axes[0], results):
        scatter_responsibilities(ax, X, r["responsibilities"], s=12)
        draw_centers(ax, r["means"], label=None)
        ax.set_title(f"$\\sigma$ = {r['sigma']:g}")
        ax.set_xlabel(xlabel)
    axes[0, 0].set_ylabel(ylabel)
    return fig


def plot_kmeans_vs_mixture(X, kmeans, mixture, *, truth=None, scores=None,
                           title: str | None = None, n_grid: int = 200):
    """Two panels: the k-means partition (left) and the Gaussian-mixture one (right).

    Introduced in the chapter *Hard assignments: k-means*. ``kmeans`` and ``mixture`` are
    fitted estimators (``predict``; ``cluster_centers_``; ``weights_``, ``means_``,
    ``covariances_``, ``covariance_type``). The background shows each model's regions (straight
    Voronoi boundaries for k-means, curved ones for the mixture); with ``truth`` the cluster
    colours are matched to the true classes; ``scores`` = (k-means, mixture) adjusted Rand
    indices for the titles. Returns the figure.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> from lecture_code.mixture import GaussianMixture, KMeans
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(0, 1, (30, 2)), rng.normal(6, 1, (30, 2))])
    >>> fig = plot_kmeans_vs_mixture(X, KMeans(2, random_state=0).fit(X),
    ...                              GaussianMixture(2, random_state=0).fit(X), n_grid=20)
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    X = as_points_2d(X)
    if scores is not None and len(scores) != 2:
        raise ValueError("scores must be a pair (k-means score, mixture score).")
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.08 * (hi - lo)
    xs = np.linspace(lo[0] - pad[0], hi[0] + pad[0], n_grid)
    ys = np.linspace(lo[1] - pad[1], hi[1] + pad[1], n_grid)
    xx, yy = np.meshgrid(xs, ys)
    grid = np.column_stack([xx.ravel(), yy.ravel()])
    fig, axes = plt.subplots(1, 2, figsize=figure_size(2, panel_aspect=0.9), sharex=True, sharey=True,
                             constrained_layout=True)
    K = len(kmeans.cluster_centers_)
    for i, (ax, model, name) in enumerate(zip(axes, (kmeans, mixture),
                                              ("k-means", "Gaussian mixture"))):
        labels, regions = model.predict(X), model.predict(grid)
        mapping = (np.arange(K) if truth is None
                   else _label_mapping(labels, np.asarray(truth), K))
        colors = component_colors(len(mapping))
        ax.contourf(xx, yy, mapping[regions].reshape(xx.shape),
                    levels=np.arange(len(mapping) + 1) - 0.5,
                    colors=[tuple(c) for c in colors], alpha=0.12)
        scatter_labels(ax, X, mapping[labels], colors=colors, s=9, legend=False)
        if i == 0:
            draw_centers(ax, kmeans.cluster_centers_, colors=colors[mapping[:K]], label=None)
        else:
            cov = to_full(mixture.covariances_, mixture.covariance_type, K, X.shape[1])
            draw_mixture(ax, mixture.weights_, mixture.means_, cov, n_std=(2,), labels=False,
                         colors=colors[mapping[:K]])
        score = "" if scores is None else f"\nadjusted Rand index {scores[i]:.2f}"
        ax.set_title(name + score)
        ax.set_xlabel("$x_1$")
        ax.set_xlim(xs[0], xs[-1])
        ax.set_ylim(ys[0], ys[-1])
    axes[0].set_ylabel("$x_2$")
    if title:
        fig.suptitle(title)
    return fig
