"""General figures for Gaussians and Gaussian mixtures (matplotlib).

Introduced in the chapter *Multivariate Gaussians* and reused by every clustering chapter
(*Mixtures and the generative story*, *The marginal likelihood*, and the EM, k-means and
scikit-learn chapters, whose EM-specific figures live in :mod:`lecture_code.plotting.em`).

Every helper draws on a matplotlib ``Axes`` it is given (or creates one) and returns what it
drew, so a notebook cell composes one figure from several helpers::

    fig, ax = plt.subplots()
    scatter_responsibilities(ax, X, resp)
    draw_mixture(ax, weights, means, covariances)

Covariances are always full ``(D, D)`` matrices here (``(K, D, D)`` for a mixture); convert
the other covariance forms with :func:`lecture_code.mixture.gaussian.to_full` first. Ellipse
geometry and densities come from :mod:`lecture_code.mixture.gaussian`.

Example
-------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> import numpy as np
>>> fig, ax = plt.subplots()
>>> patches = draw_gaussian(ax, [0.0, 0.0], [[2.0, 0.8], [0.8, 1.0]], n_std=(1, 2))
>>> len(patches)
2
>>> plt.close(fig)
"""
from __future__ import annotations

from typing import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import to_rgb
from matplotlib.patches import Ellipse

from lecture_code.mixture.gaussian import ellipse, log_density
from lecture_code.plotting._style import COLORS, figure_size

__all__ = [
    "COMPONENT_COLORS",
    "as_points_2d",
    "component_colors",
    "draw_gaussian",
    "draw_mixture",
    "density_grid",
    "plot_density",
    "scatter_labels",
    "scatter_responsibilities",
    "label_faithful_axes",
    "plot_covariance_gallery",
    "covariance_from_correlation",
    "plot_gaussian_2d",
    "plot_likelihood_surface",
    "plot_loglik_curves",
]

#: The colours of mixture components 0, 1, 2, ... (the colour-blind-safe Okabe–Ito palette
#: of :mod:`lecture_code.plotting._style`, yellow last: it is faint on white).
COMPONENT_COLORS = (COLORS["blue"], COLORS["orange"], COLORS["green"], COLORS["red"],
                    COLORS["purple"], COLORS["sky"], COLORS["black"], COLORS["yellow"])


def component_colors(n_components: int) -> np.ndarray:
    """RGB colours (an ``(n_components, 3)`` array) for mixture components.

    Introduced in the chapter *Multivariate Gaussians*. Component ``k`` always gets the same
    colour in every figure of the book.

    >>> component_colors(2).shape
    (2, 3)
    """
    n_components = int(n_components)
    if n_components < 1:
        raise ValueError(f"n_components must be at least 1, got {n_components}.")
    return np.array([to_rgb(COMPONENT_COLORS[k % len(COMPONENT_COLORS)])
                     for k in range(n_components)])


def _as_cov(cov, name="cov") -> np.ndarray:
    cov = np.asarray(cov, dtype=float)
    if cov.shape != (2, 2):
        raise ValueError(f"{name} must be a 2x2 covariance matrix for a 2-D figure, got shape "
                         f"{cov.shape}. Plot two coordinates at a time (cov[np.ix_(i, i)]).")
    if not np.all(np.isfinite(cov)):
        raise ValueError(f"{name} contains NaN or inf: {cov.tolist()}.")
    if not np.allclose(cov, cov.T):
        raise ValueError(f"{name} must be symmetric, got {cov.tolist()}.")
    if np.linalg.eigvalsh(cov)[0] < -1e-12 * max(1.0, float(np.abs(cov).max())):
        raise ValueError(f"{name} must be positive semi-definite, but it has a negative "
                         f"eigenvalue: {cov.tolist()}. Check how the covariance was built.")
    return cov


def _ax(ax):
    if ax is None:
        _, ax = plt.subplots()
    return ax


def draw_gaussian(ax, mean, cov, *, n_std: Sequence[float] = (1, 2), color=COLORS["blue"],
                  alpha: float = 0.9, label: str | None = None, mark_mean: bool = True,
                  principal_axes: bool = False, linewidth: float = 1.8) -> list:
    """Draw the ``n_std``-sigma ellipses of a 2-D Gaussian (and its mean, optionally its axes).

    Introduced in the chapter *Multivariate Gaussians*. With ``principal_axes=True`` it also
    draws the eigenvectors scaled by the square roots of the eigenvalues (the standard
    deviations along the principal directions). Returns the ellipse patches.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> len(draw_gaussian(ax, [0, 0], [[1, 0], [0, 1]], n_std=(1, 2, 3)))
    3
    >>> plt.close(fig)
    """
    ax = _ax(ax)
    mean = np.asarray(mean, dtype=float)
    if mean.shape != (2,):
        raise ValueError(f"mean must have shape (2,) for a 2-D figure, got {mean.shape}.")
    cov = _as_cov(cov)
    patches = []
    for i, n in enumerate(np.atleast_1d(n_std)):
        width, height, angle = ellipse(cov, float(n))
        patch = Ellipse(mean, width, height, angle=angle, fill=False, edgecolor=color,
                        linewidth=linewidth, alpha=alpha * (1.0 if i == 0 else 0.6),
                        linestyle="-" if i == 0 else "--", zorder=4,
                        label=label if i == 0 else None)
        ax.add_patch(patch)
        patches.append(patch)
    if mark_mean:
        ax.plot(*mean, marker="X", markersize=9, color=color, markeredgecolor="black",
                linestyle="none", zorder=5)
    if principal_axes:
        values, vectors = np.linalg.eigh(cov)
        for value, vector in zip(values, vectors.T):
            tip = np.sqrt(max(value, 0.0)) * vector
            ax.annotate("", xy=mean + tip, xytext=mean,
                        arrowprops=dict(arrowstyle="->", color="black", linewidth=1.5))
    ax.update_datalim(np.array([mean - 3 * np.sqrt(np.diag(cov)),
                                mean + 3 * np.sqrt(np.diag(cov))]))
    ax.autoscale_view()
    return patches


def draw_mixture(ax, weights, means, covariances, *, n_std: Sequence[float] = (1, 2),
                 colors=None, labels: bool = True, linewidth_by_weight: bool = True) -> list:
    """Draw every component of a 2-D Gaussian mixture as ellipses, one colour per component.

    Introduced in the chapter *Mixtures and the generative story*. ``covariances`` are full
    ``(K, 2, 2)`` matrices. The line width grows with the weight πₖ, and the legend shows
    ``k: π = ...``. Returns the list of ellipse patches per component.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> out = draw_mixture(ax, [0.3, 0.7], [[0, 0], [3, 3]], [np.eye(2), np.eye(2)])
    >>> len(out), len(out[0])
    (2, 2)
    >>> plt.close(fig)
    """
    weights, means, covariances = _check_mixture(weights, means, covariances)
    ax = _ax(ax)
    colors = component_colors(len(weights)) if colors is None else colors
    drawn = []
    for k, (w, m, c) in enumerate(zip(weights, means, covariances)):
        lw = 1.0 + 3.0 * w if linewidth_by_weight else 1.8
        drawn.append(draw_gaussian(ax, m, c, n_std=n_std, color=colors[k], linewidth=lw,
                                   label=f"component {k}: $\\pi$ = {w:.2f}" if labels else None))
    return drawn


def _check_mixture(weights, means, covariances):
    weights = np.asarray(weights, dtype=float)
    means = np.asarray(means, dtype=float)
    covariances = np.asarray(covariances, dtype=float)
    if weights.ndim != 1 or means.shape != (len(weights), 2) or \
            covariances.shape != (len(weights), 2, 2):
        raise ValueError(
            "expected weights (K,), means (K, 2) and full covariances (K, 2, 2), got shapes "
            f"{weights.shape}, {means.shape}, {covariances.shape}. Convert spherical/diag/tied "
            "covariances to full (K, D, D) matrices first.")
    return weights, means, covariances


def density_grid(logpdf: Callable, xlim, ylim, n: int = 150):
    """Evaluate a 2-D log-density on an ``n × n`` grid; returns ``(xx, yy, log_density)``.

    Introduced in the chapter *Multivariate Gaussians*. ``logpdf`` takes an ``(M, 2)`` array
    of points and returns ``M`` log-densities.

    >>> xx, yy, z = density_grid(lambda P: -0.5 * (P ** 2).sum(axis=1), (-1, 1), (-1, 1), n=5)
    >>> z.shape, bool(z.max() == 0.0)
    ((5, 5), True)
    """
    xs = np.linspace(*xlim, n)
    ys = np.linspace(*ylim, n)
    xx, yy = np.meshgrid(xs, ys)
    points = np.column_stack([xx.ravel(), yy.ravel()])
    values = np.asarray(logpdf(points), dtype=float)
    if values.shape != (len(points),):
        raise ValueError(f"logpdf must return one value per point ({len(points)},), got "
                         f"shape {values.shape}.")
    return xx, yy, values.reshape(xx.shape)


def plot_density(ax, logpdf: Callable, xlim, ylim, *, n: int = 150, levels: int = 8,
                 filled: bool = False, cmap: str = "viridis", log_scale: bool = False):
    """Contours of a 2-D density given by its ``logpdf``; returns the contour set.

    Introduced in the chapter *Multivariate Gaussians*. Contours are of the density itself
    (or of the log-density with ``log_scale=True``, which shows the tails better).

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> cs = plot_density(ax, lambda P: -0.5 * (P ** 2).sum(axis=1), (-3, 3), (-3, 3))
    >>> plt.close(fig)
    """
    ax = _ax(ax)
    xx, yy, z = density_grid(logpdf, xlim, ylim, n)
    values = z if log_scale else np.exp(z)
    draw = ax.contourf if filled else ax.contour
    cs = draw(xx, yy, values, levels=levels, cmap=cmap)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    return cs


def scatter_labels(ax, X, labels, *, colors=None, s: float = 14, alpha: float = 0.8,
                   legend: bool = True, name: str = "cluster", **kwargs):
    """Scatter 2-D points coloured by a hard label (one colour per label value).

    Introduced in the chapter *Multivariate Gaussians*. Returns the list of path collections.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> len(scatter_labels(ax, np.zeros((4, 2)), [0, 1, 1, 0]))
    2
    >>> plt.close(fig)
    """
    X = as_points_2d(X)
    labels = np.asarray(labels)
    if labels.shape != (len(X),):
        raise ValueError(f"labels must have one entry per point ({len(X)},), got shape "
                         f"{labels.shape}.")
    ax = _ax(ax)
    values = np.unique(labels)
    colors = component_colors(int(values.max()) + 1 if values.size else 1) \
        if colors is None else colors
    out = []
    for v in values:
        mask = labels == v
        out.append(ax.scatter(X[mask, 0], X[mask, 1], s=s, alpha=alpha,
                              color=colors[int(v)], label=f"{name} {v}" if legend else None,
                              **kwargs))
    return out


def scatter_responsibilities(ax, X, resp, *, colors=None, s: float = 14, **kwargs):
    """Scatter 2-D points coloured by their responsibilities (soft assignments).

    Introduced in the chapter *Mixtures and the generative story*. A point's colour is the
    responsibility-weighted blend of the component colours, so a point that belongs half to
    blue and half to orange is drawn in between: uncertainty is visible.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> pc = scatter_responsibilities(ax, np.zeros((2, 2)), [[1.0, 0.0], [0.5, 0.5]])
    >>> pc.get_facecolors().shape
    (2, 4)
    >>> plt.close(fig)
    """
    X = as_points_2d(X)
    resp = np.asarray(resp, dtype=float)
    if resp.ndim != 2 or resp.shape[0] != len(X):
        raise ValueError(f"resp must have shape (n_points, n_components) = ({len(X)}, K), got "
                         f"{resp.shape}.")
    if not np.all(np.isfinite(resp)) or np.any(resp < -1e-9) or \
            not np.allclose(resp.sum(axis=1), 1.0, atol=1e-6):
        raise ValueError("each row of resp must be probabilities that sum to 1 (finite, "
                         "non-negative). Normalise with resp / resp.sum(axis=1, keepdims=True).")
    ax = _ax(ax)
    colors = component_colors(resp.shape[1]) if colors is None else np.asarray(colors)
    rgb = np.clip(resp, 0.0, 1.0) @ colors[:, :3]
    return ax.scatter(X[:, 0], X[:, 1], c=np.clip(rgb, 0, 1), s=s, **kwargs)


def as_points_2d(X, rows: str = "n_points"):
    """``X`` as a float array of 2-D points, or a ``ValueError`` that names the shape it had.

    Every 2-D clustering figure checks its data with this; ``rows`` is the name the message
    gives the first axis (``"n_samples"`` in the scikit-learn chapter). Chapter
    *Mixtures and the generative story*.

    >>> as_points_2d([[0, 1], [2, 3]]).dtype
    dtype('float64')
    >>> as_points_2d(np.zeros((5, 3)))
    Traceback (most recent call last):
    ...
    ValueError: X must be an (n_points, 2) array for a 2-D figure, got shape (5, 3).
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must be an ({rows}, 2) array for a 2-D figure, got shape "
                         f"{X.shape}.")
    return X


def label_faithful_axes(ax, title: str | None = None):
    """Label the axes of an Old Faithful figure (eruption duration against waiting time).

    Introduced in the chapter *Mixtures and the generative story*.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> label_faithful_axes(ax, "Old Faithful").get_xlabel()
    'eruption duration (minutes)'
    >>> plt.close(fig)
    """
    ax.set_xlabel("eruption duration (minutes)")
    ax.set_ylabel("waiting time to next eruption (minutes)")
    if title:
        ax.set_title(title)
    return ax


def plot_covariance_gallery(covariances: Sequence, titles: Sequence[str], *, mean=(0.0, 0.0),
                            lim: float = 3.5, n_std=(1, 2), principal_axes: bool = True):
    """One panel per covariance matrix: density contours, sigma ellipses and principal axes.

    Introduced in the chapter *Multivariate Gaussians* for Σ ∝ I, diagonal and full
    covariances side by side. Returns ``(fig, axes)``.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, axes = plot_covariance_gallery([np.eye(2), np.diag([2.0, 0.5])], ["a", "b"])
    >>> len(axes)
    2
    >>> plt.close(fig)
    """
    if len(covariances) != len(titles) or len(covariances) == 0:
        raise ValueError(f"give one title per covariance (got {len(covariances)} covariances "
                         f"and {len(titles)} titles).")
    mean = np.asarray(mean, dtype=float)
    fig, axes = plt.subplots(1, len(covariances), figsize=figure_size(len(covariances), panel_aspect=1.0),
                             sharex=True, sharey=True, constrained_layout=True)
    axes = np.atleast_1d(axes)
    for ax, cov, title in zip(axes, covariances, titles):
        cov = _as_cov(cov)
        plot_density(ax, lambda P, cov=cov: log_density(P, mean, cov),
                     (mean[0] - lim, mean[0] + lim),
                     (mean[1] - lim, mean[1] + lim), levels=6, filled=True, cmap="Blues")
        draw_gaussian(ax, mean, cov, n_std=n_std, color=COLORS["red"],
                      principal_axes=principal_axes, mark_mean=False)
        ax.set_xlim(mean[0] - lim, mean[0] + lim)
        ax.set_ylim(mean[1] - lim, mean[1] + lim)
        ax.set_aspect("equal")
        ax.set_title(title)
        ax.set_xlabel("$x_1$")
    axes[0].set_ylabel("$x_2$")
    return fig, axes


def covariance_from_correlation(sigma1: float, sigma2: float, rho: float) -> np.ndarray:
    """The 2×2 covariance with standard deviations σ₁, σ₂ and correlation ρ.

    Introduced in the chapter *Multivariate Gaussians* (and its widget).

    >>> covariance_from_correlation(2.0, 1.0, 0.5).tolist()
    [[4.0, 1.0], [1.0, 1.0]]
    """
    if sigma1 <= 0 or sigma2 <= 0:
        raise ValueError(f"standard deviations must be positive, got sigma1={sigma1}, "
                         f"sigma2={sigma2}.")
    if not -1 < rho < 1:
        raise ValueError(f"the correlation must satisfy -1 < rho < 1, got {rho} (at ±1 the "
                         "covariance is singular).")
    c = rho * sigma1 * sigma2
    return np.array([[sigma1 ** 2, c], [c, sigma2 ** 2]])


def plot_gaussian_2d(ax, sigma1: float, sigma2: float, rho: float, *, mean=(0.0, 0.0),
                     lim: float = 4.0):
    """A centred 2-D Gaussian given by σ₁, σ₂, ρ: contours, ellipses, principal axes.

    Introduced in the chapter *Multivariate Gaussians*; it is the picture the widget
    :func:`lecture_code.widgets.mixture.gaussian_explorer` redraws. The title shows Σ and its
    eigenvalues. Returns the covariance matrix.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> plot_gaussian_2d(ax, 1.0, 1.0, 0.0).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    >>> plt.close(fig)
    """
    ax = _ax(ax)
    cov = covariance_from_correlation(sigma1, sigma2, rho)
    mean = np.asarray(mean, dtype=float)
    plot_density(ax, lambda P: log_density(P, mean, cov),
                 (mean[0] - lim, mean[0] + lim), (mean[1] - lim, mean[1] + lim),
                 levels=6, filled=True, cmap="Blues")
    draw_gaussian(ax, mean, cov, n_std=(1, 2), color=COLORS["red"], principal_axes=True,
                  mark_mean=False)
    ax.set_xlim(mean[0] - lim, mean[0] + lim)
    ax.set_ylim(mean[1] - lim, mean[1] + lim)
    ax.set_aspect("equal")
    values = np.linalg.eigvalsh(cov)
    ax.set_title(f"$\\Sigma$ = [[{cov[0, 0]:.2f}, {cov[0, 1]:.2f}], "
                 f"[{cov[1, 0]:.2f}, {cov[1, 1]:.2f}]]\n"
                 f"eigenvalues {values[1]:.2f}, {values[0]:.2f}", fontsize=10)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    return cov


def plot_likelihood_surface(ax, grid_x, grid_y, values, *, levels: int = 30,
                            maxima=None, xlabel: str = r"$\mu_1$", ylabel: str = r"$\mu_2$",
                            colorbar: bool = True, floor: float | None = None):
    """Filled contours of a log-likelihood over a 2-D parameter grid, maxima marked.

    Introduced in the chapter *The marginal likelihood* (the likelihood over two means, with
    its two symmetric maxima). ``values[i, j]`` is the log-likelihood at
    ``(grid_x[j], grid_y[i])``. ``maxima`` is a list of ``(x, y)`` points to mark; ``floor``
    clips very low values so the interesting region gets the colours. Returns the contour set.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> g = np.linspace(-1, 1, 5)
    >>> fig, ax = plt.subplots()
    >>> cs = plot_likelihood_surface(ax, g, g, -np.add.outer(g ** 2, g ** 2), maxima=[(0, 0)])
    >>> plt.close(fig)
    """
    grid_x = np.asarray(grid_x, dtype=float)
    grid_y = np.asarray(grid_y, dtype=float)
    values = np.asarray(values, dtype=float)
    if values.shape != (len(grid_y), len(grid_x)):
        raise ValueError(f"values must have shape (len(grid_y), len(grid_x)) = "
                         f"({len(grid_y)}, {len(grid_x)}), got {values.shape}.")
    ax = _ax(ax)
    shown = values if floor is None else np.maximum(values, floor)
    cs = ax.contourf(grid_x, grid_y, shown, levels=levels, cmap="viridis")
    ax.contour(grid_x, grid_y, shown, levels=levels, colors="white", linewidths=0.3, alpha=0.5)
    if maxima is not None:
        maxima = np.atleast_2d(np.asarray(maxima, dtype=float))
        ax.plot(maxima[:, 0], maxima[:, 1], "r*", markersize=14, markeredgecolor="white",
                linestyle="none", label="maxima")
        ax.legend(loc="upper left")
    if colorbar:
        ax.figure.colorbar(cs, ax=ax, label="log-likelihood")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return cs


def plot_loglik_curves(ax, curves: Sequence, *, labels: Sequence[str] | None = None,
                       reference: float | None = None, reference_label: str = "reference",
                       xlabel: str = "iteration", ylabel: str = "log-likelihood"):
    """Log-likelihood against iteration for one or several runs (optionally a reference line).

    Introduced in the chapter *The marginal likelihood* (gradient ascent from several
    starts); reused for EM. Returns the list of lines.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> len(plot_loglik_curves(ax, [[-3, -2, -1.5], [-4, -3]], reference=-1.0))
    2
    >>> plt.close(fig)
    """
    ax = _ax(ax)
    if labels is not None and len(labels) != len(curves):
        raise ValueError(f"give one label per curve ({len(curves)} curves, {len(labels)} "
                         "labels).")
    lines = []
    for i, curve in enumerate(curves):
        curve = np.asarray(curve, dtype=float)
        (line,) = ax.plot(np.arange(len(curve)), curve,
                          label=None if labels is None else labels[i])
        lines.append(line)
    if reference is not None:
        ax.axhline(reference, color="black", linestyle=":", label=reference_label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if labels is not None or reference is not None:
        ax.legend()
    return lines
