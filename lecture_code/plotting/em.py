"""Figures of the EM algorithm (matplotlib).

Introduced in the chapter *The EM algorithm*: the lecture's means-only example (the fitted
densities and the means per iteration), one EM state (points coloured by their
responsibilities, each component's ellipses), the lecture's picture sequence (start and after
chosen iterations, as a grid of panels), the bound-and-likelihood slice that shows why an
iteration cannot go downhill, and the two-panel view the EM widget redraws.

A *state* is one entry of ``GaussianMixture(keep_history=True).fit(X).history_``: a dict with
``weights``, ``means``, ``covariances`` (in the model's ``covariance_type``) and
``log_likelihood`` (the mean per point). ``history_[0]`` is the start and ``history_[t]`` the
parameters after ``t`` iterations. General mixture figures live in
:mod:`lecture_code.plotting.mixture`.

Example
-------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> import numpy as np
>>> X = np.array([[0.0, 0.0], [0.2, 0.1], [3.0, 3.0], [3.1, 2.9]])
>>> state = {"weights": np.array([0.5, 0.5]), "means": np.array([[0.0, 0.0], [3.0, 3.0]]),
...          "covariances": np.array([np.eye(2), np.eye(2)]), "log_likelihood": -2.0}
>>> fig, ax = plt.subplots()
>>> plot_em_state(ax, X, state).shape
(4, 2)
>>> plt.close(fig)
"""
from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np

from lecture_code.mixture import e_step, precision_cholesky, to_full
from lecture_code.mixture.gaussian import check_covariance_type
from lecture_code.plotting._style import COLORS, MAX_COLUMNS, figure_size
from lecture_code.plotting.mixture import (
    COMPONENT_COLORS, as_points_2d, component_colors, draw_mixture, plot_loglik_curves, scatter_responsibilities)

__all__ = [
    "state_responsibilities",
    "plot_means_only_fit",
    "plot_means_trajectory",
    "plot_em_state",
    "plot_em_sequence",
    "plot_em_iteration",
    "plot_bound_slice",
]

_STATE_KEYS = ("weights", "means", "covariances")


def _check_state(state, n_features=None):
    if not isinstance(state, dict) or any(k not in state for k in _STATE_KEYS):
        raise ValueError("a state must be a dict with keys 'weights', 'means' and "
                         "'covariances', e.g. an entry of GaussianMixture(keep_history=True)"
                         ".fit(X).history_.")
    means = np.asarray(state["means"], dtype=float)
    if means.ndim != 2 or (n_features is not None and means.shape[1] != n_features):
        raise ValueError(f"the state's means must have shape (K, {n_features or 'D'}), got "
                         f"{means.shape}.")
    return means


def state_responsibilities(X, state, covariance_type: str = "full") -> np.ndarray:
    """The responsibilities (N, K) of every point under one EM state.

    Introduced in the chapter *The EM algorithm*: the colours of a panel are the
    responsibilities the next E-step computes from that state (via
    :func:`lecture_code.mixture.e_step`).

    >>> state = {"weights": np.array([0.5, 0.5]), "means": np.array([[-1.0], [1.0]]),
    ...          "covariances": np.array([1.0, 1.0])}
    >>> state_responsibilities(np.array([[0.0]]), state, "spherical").round(12).tolist()
    [[0.5, 0.5]]
    """
    check_covariance_type(covariance_type)
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"X must have shape (N, D), got {X.shape}.")
    means = _check_state(state, X.shape[1])
    U = precision_cholesky(np.asarray(state["covariances"], dtype=float), covariance_type)
    _, log_resp = e_step(X, np.asarray(state["weights"], dtype=float), means, U,
                         covariance_type)
    return np.exp(log_resp)


def _normal_pdf(grid, mu, sigma):
    return np.exp(-0.5 * ((grid - mu) / sigma) ** 2) / (np.sqrt(2 * np.pi) * sigma)


def plot_means_only_fit(ax, x, means_history, iterations: Sequence[int], *,
                        sigma: float = 1.0, bins: int = 30):
    """Histogram of 1-D data with the two-Gaussian mixture at several EM iterations.

    Introduced in the chapter *The EM algorithm* for the lecture's means-only model
    (K = 2, known σ, weights ½). ``means_history`` is the ``(T + 1, 2)`` array of
    :func:`lecture_code.mixture.means_only_em`; each chosen iteration is drawn as the mixture
    density ½N(μ₁, σ²) + ½N(μ₂, σ²), one colour of the palette per iteration. Returns the
    lines.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> fig, ax = plt.subplots()
    >>> len(plot_means_only_fit(ax, [-1.0, 1.0], [[-0.5, 0.5], [-1.0, 1.0]], [0, 1]))
    2
    >>> plt.close(fig)
    """
    x = np.asarray(x, dtype=float)
    means_history = np.asarray(means_history, dtype=float)
    if x.ndim != 1 or means_history.ndim != 2 or means_history.shape[1] != 2:
        raise ValueError(f"expected 1-D data and a (T + 1, 2) history of means, got shapes "
                         f"{x.shape} and {means_history.shape}.")
    iterations = [int(t) for t in iterations]
    if not iterations or min(iterations) < 0 or max(iterations) >= len(means_history):
        raise ValueError(f"iterations must be between 0 and {len(means_history) - 1} (the "
                         f"history has {len(means_history)} entries), got {iterations}.")
    ax.hist(x, bins=bins, density=True, color="lightgray", edgecolor="white", label="data")
    pad = 3 * sigma
    grid = np.linspace(min(x.min(), means_history.min()) - pad,
                       max(x.max(), means_history.max()) + pad, 400)
    shades = [COMPONENT_COLORS[i % len(COMPONENT_COLORS)] for i in range(len(iterations))]
    lines = []
    for color, t in zip(shades, iterations):
        mu = means_history[t]
        density = 0.5 * _normal_pdf(grid, mu[0], sigma) + 0.5 * _normal_pdf(grid, mu[1], sigma)
        (line,) = ax.plot(grid, density, color=color, linewidth=2,
                          label="start" if t == 0 else f"iteration {t}")
        lines.append(line)
    ax.set_xlabel("$x$")
    ax.set_ylabel("density")
    ax.legend()
    return lines


def plot_means_trajectory(ax, means_history, *, true_means=None):
    """The two means of the means-only EM against the iteration number.

    Introduced in the chapter *The EM algorithm*. ``means_history`` is ``(T + 1, 2)``
    (row 0 the start); ``true_means`` (optional) are drawn as dotted lines. Returns the lines.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> fig, ax = plt.subplots()
    >>> len(plot_means_trajectory(ax, [[-0.5, 0.5], [-1.0, 1.0]], true_means=[-2, 2]))
    2
    >>> plt.close(fig)
    """
    means_history = np.asarray(means_history, dtype=float)
    if means_history.ndim != 2 or means_history.shape[1] != 2:
        raise ValueError(f"means_history must have shape (T + 1, 2), got "
                         f"{means_history.shape}.")
    colors = component_colors(2)
    steps = np.arange(len(means_history))
    lines = []
    for k in range(2):
        (line,) = ax.plot(steps, means_history[:, k], marker="o", color=colors[k],
                          label=f"$\\mu_{k + 1}$")
        lines.append(line)
        if true_means is not None:
            ax.axhline(np.asarray(true_means, dtype=float)[k], color=colors[k], linestyle=":",
                       label=f"true $\\mu_{k + 1}$")
    ax.set_xlabel("iteration")
    ax.set_ylabel("mean")
    ax.legend()
    return lines


def plot_em_state(ax, X, state, *, covariance_type: str = "full", title: str | None = None,
                  n_std=(1, 2), s: float = 12):
    """One EM state on 2-D data: responsibility-coloured points and each component's ellipses.

    Introduced in the chapter *The EM algorithm* (the panels of the lecture's picture
    sequence). Returns the responsibilities used for the colours.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> fig, ax = plt.subplots()
    >>> st = {"weights": [1.0], "means": [[0.0, 0.0]], "covariances": [np.eye(2)]}
    >>> float(plot_em_state(ax, np.zeros((3, 2)), st, title="start").sum())
    3.0
    >>> plt.close(fig)
    """
    X = as_points_2d(X, rows="N")
    resp = state_responsibilities(X, state, covariance_type)
    K = resp.shape[1]
    covs = to_full(np.asarray(state["covariances"], dtype=float), covariance_type,
                   n_components=K, n_features=2)
    scatter_responsibilities(ax, X, resp, s=s)
    draw_mixture(ax, state["weights"], state["means"], covs, n_std=n_std, labels=False)
    if title is not None:
        ax.set_title(title)
    return resp


def _data_limits(X, margin=0.1):
    """(low, high) corners of a box around the points, never of zero size."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = margin * (hi - lo)
    pad = np.where(pad > 0, pad, 1.0)
    return lo - pad, hi + pad


def _iteration_title(t, state, n_points):
    head = "start" if t == 0 else f"after iteration {t}"
    if "log_likelihood" in state:
        return f"{head}\nlog-likelihood {state['log_likelihood'] * n_points:.1f}"
    return head


def plot_em_sequence(X, history, iterations: Sequence[int] = (0, 1, 2, 3, 4, 5, 6, 20), *,
                     covariance_type: str = "full", ncols: int = MAX_COLUMNS,
                     xlabel: str = "$x_1$", ylabel: str = "$x_2$", panel_aspect: float = 0.85):
    """The lecture's picture sequence: one panel per chosen iteration of an EM run.

    Introduced in the chapter *The EM algorithm*. ``history`` is ``GaussianMixture``'s
    ``history_`` (``keep_history=True``); panel titles give the iteration and the total
    log-likelihood. All panels share the axes of the data; the figure fills the text column
    with at most three panels a row. Returns ``(fig, axes)``.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> st = {"weights": [1.0], "means": [[0.0, 0.0]], "covariances": [np.eye(2)],
    ...       "log_likelihood": -2.0}
    >>> fig, axes = plot_em_sequence(np.zeros((3, 2)), [st, st], iterations=(0, 1), ncols=2)
    >>> axes.shape
    (1, 2)
    >>> plt.close(fig)
    """
    X = np.asarray(X, dtype=float)
    history = list(history)
    iterations = [int(t) for t in iterations]
    if not iterations or min(iterations) < 0 or max(iterations) >= len(history):
        raise ValueError(f"iterations must lie between 0 and {len(history) - 1}: the history "
                         f"has {len(history)} states (did EM stop early? lower tol), got "
                         f"{iterations}.")
    if not 1 <= ncols <= MAX_COLUMNS:
        raise ValueError(f"ncols must be between 1 and {MAX_COLUMNS} (panels in a row of the "
                         f"text column), got {ncols}.")
    nrows = -(-len(iterations) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=figure_size(ncols, nrows,
                                                               panel_aspect=panel_aspect),
                             sharex=True, sharey=True, constrained_layout=True, squeeze=False)
    lo, hi = _data_limits(X)
    for ax, t in zip(axes.flat, iterations):
        plot_em_state(ax, X, history[t], covariance_type=covariance_type,
                      title=_iteration_title(t, history[t], len(X)), n_std=(1,), s=8)
        ax.set_xlim(lo[0], hi[0])
        ax.set_ylim(lo[1], hi[1])
    for ax in axes.flat[len(iterations):]:
        ax.set_visible(False)
    fig.supxlabel(xlabel, fontsize="medium")   # once for the grid: narrow panels
    fig.supylabel(ylabel, fontsize="medium")
    return fig, axes


def plot_em_iteration(axes, X, history, iteration: int, *, covariance_type: str = "full",
                      xlabel: str = "$x_1$", ylabel: str = "$x_2$"):
    """Two panels for one iteration of an EM run: the state, and the log-likelihood so far.

    Introduced in the chapter *The EM algorithm*; it is what the widget
    :func:`lecture_code.widgets.em.em_stepper` redraws when its slider moves. ``axes`` is a
    pair of matplotlib Axes. Returns the responsibilities of the state.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> st = {"weights": [1.0], "means": [[0.0, 0.0]], "covariances": [np.eye(2)],
    ...       "log_likelihood": -2.0}
    >>> fig, axes = plt.subplots(1, 2)
    >>> plot_em_iteration(axes, np.zeros((2, 2)), [st, st], 1).shape
    (2, 1)
    >>> plt.close(fig)
    """
    X = np.asarray(X, dtype=float)
    history = list(history)
    if not 0 <= int(iteration) < len(history):
        raise ValueError(f"iteration must be between 0 and {len(history) - 1}, got "
                         f"{iteration}.")
    t = int(iteration)
    if any("log_likelihood" not in h for h in history):
        raise ValueError("every state needs a 'log_likelihood' (fit with keep_history=True).")
    ax_state, ax_curve = axes
    resp = plot_em_state(ax_state, X, history[t], covariance_type=covariance_type,
                         title=_iteration_title(t, history[t], len(X)))
    lo, hi = _data_limits(X)
    ax_state.set_xlim(lo[0], hi[0])
    ax_state.set_ylim(lo[1], hi[1])
    ax_state.set_xlabel(xlabel)
    ax_state.set_ylabel(ylabel)
    curve = np.array([h["log_likelihood"] for h in history]) * len(X)
    plot_loglik_curves(ax_curve, [curve], labels=["EM"])
    ax_curve.plot([t], [curve[t]], "o", color=COLORS["red"], markersize=9,
                  label=f"iteration {t}")
    ax_curve.legend(loc="lower right")
    ax_curve.set_title("log-likelihood per iteration")
    # the first iterations can be far below the rest: keep the interesting range in view
    low = min(np.percentile(curve, 5), curve[t])
    room = curve.max() - low + 1.0
    ax_curve.set_ylim(low - 0.1 * room, curve.max() + 0.05 * room)
    return resp


def plot_bound_slice(ax, t, loglik, bound, *, t_new: float = 1.0,
                     xlabel: str = r"$t$ along $\theta_{\mathrm{old}} + t\,(\theta_{\mathrm{new}}"
                                   r" - \theta_{\mathrm{old}})$"):
    """The log-likelihood ℓ and EM's lower bound 𝓛(q, ·) along a line through parameter space.

    Introduced in the chapter *The EM algorithm* (why an iteration cannot go downhill).
    ``loglik`` and ``bound`` are their values at the points ``t`` of the line θ_old +
    t (θ_new − θ_old): the bound touches ℓ at t = 0 (the E-step) and is highest at t = 1
    (the M-step), where ℓ is at least as high again. Returns the two lines.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> fig, ax = plt.subplots()
    >>> t = np.linspace(-1, 2, 7)
    >>> len(plot_bound_slice(ax, t, -(t - 1.5) ** 2, -(t - 1) ** 2 - 0.5 * t))
    2
    >>> plt.close(fig)
    """
    t = np.asarray(t, dtype=float)
    loglik = np.asarray(loglik, dtype=float)
    bound = np.asarray(bound, dtype=float)
    if not (t.ndim == 1 and loglik.shape == t.shape == bound.shape):
        raise ValueError(f"t, loglik and bound must be 1-D arrays of the same length, got "
                         f"shapes {t.shape}, {loglik.shape}, {bound.shape}.")
    (l1,) = ax.plot(t, loglik, color=COLORS["blue"], linewidth=2.2,
                    label=r"log-likelihood $\ell(\theta)$")
    (l2,) = ax.plot(t, bound, color=COLORS["orange"], linewidth=2, linestyle="--",
                    label=r"lower bound $\mathcal{L}(q_{\mathrm{old}}, \theta)$")
    for where, name, color in ((0.0, r"$\theta_{\mathrm{old}}$", "black"),
                               (t_new, r"$\theta_{\mathrm{new}}$", COLORS["red"])):
        ax.axvline(where, color=color, linestyle=":", linewidth=1)
        ax.plot([where], [np.interp(where, t, loglik)], "o", color=color)
        ax.annotate(name, (where, np.interp(where, t, loglik)), textcoords="offset points",
                    xytext=(6, 8), color=color)
    ax.plot([t_new], [np.interp(t_new, t, bound)], "o", color=COLORS["orange"])
    ax.set_xlabel(xlabel)
    ax.set_ylabel("log-likelihood")
    ax.legend(loc="lower center")
    return [l1, l2]
