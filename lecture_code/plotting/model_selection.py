"""Figures for the chapter *Mixtures in practice with scikit-learn*.

Introduced in the chapter *Mixtures in practice with scikit-learn*: the four covariance types
fitted to the same data as a 2×2 grid of panels (:func:`plot_covariance_types`), the BIC/AIC
curve over the number of components (:func:`plot_information_criteria`) and the uncertainty
of soft assignments (:func:`plot_uncertainty`).

The helpers take *fitted mixtures* by duck typing: any object with ``weights_``, ``means_``,
``covariances_`` and ``covariance_type`` (scikit-learn's ``GaussianMixture`` or
:class:`lecture_code.mixture.GaussianMixture`). Ellipses are drawn with
:func:`lecture_code.plotting.mixture.draw_mixture` after expanding the covariances with
:func:`lecture_code.mixture.gaussian.to_full`.

Example
-------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> fig, ax = plt.subplots()
>>> plot_information_criteria(ax, [1, 2, 3], bic=[10.0, 7.0, 8.0], aic=[9.0, 6.0, 5.5])
{'BIC': 2, 'AIC': 3}
>>> plt.close(fig)
"""
from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from lecture_code.mixture.gaussian import COVARIANCE_TYPES, to_full
from lecture_code.plotting._style import COLORS, figure_size
from lecture_code.plotting.mixture import as_points_2d, draw_mixture, scatter_labels

__all__ = ["full_covariances", "plot_covariance_types", "plot_information_criteria",
           "plot_uncertainty"]


def full_covariances(model) -> np.ndarray:
    """The ``(K, D, D)`` full covariance matrices of a fitted mixture of any covariance type.

    Introduced in the chapter *Mixtures in practice with scikit-learn*. ``model`` is a fitted
    scikit-learn or :class:`lecture_code.mixture.GaussianMixture`.

    >>> from lecture_code.mixture import GaussianMixture
    >>> X = np.array([[0.0, 0.0], [1.0, 0.5], [5.0, 5.0], [6.0, 4.0]])
    >>> gm = GaussianMixture(2, covariance_type="spherical", random_state=0).fit(X)
    >>> full_covariances(gm).shape
    (2, 2, 2)
    """
    for attribute in ("weights_", "means_", "covariances_", "covariance_type"):
        if not hasattr(model, attribute):
            raise ValueError(f"expected a fitted Gaussian mixture (with weights_, means_, "
                             f"covariances_ and covariance_type), got a "
                             f"{type(model).__name__} without {attribute}: call fit(X) first.")
    K, D = np.shape(model.means_)
    return to_full(model.covariances_, model.covariance_type, n_components=K, n_features=D)


def plot_covariance_types(X, models: Mapping[str, object], *, xlabel: str = "$x_1$",
                          ylabel: str = "$x_2$", n_std: Sequence[float] = (1, 2)):
    """One panel per covariance type: the data coloured by ``predict`` and each fit's ellipses.

    Introduced in the chapter *Mixtures in practice with scikit-learn* (the four covariance
    types on Old Faithful). ``models`` maps a covariance type (``"full"``, ``"tied"``,
    ``"diag"``, ``"spherical"``) to a mixture fitted to ``X``; four models give a 2×2 grid.
    Each title shows the type, the total log-likelihood and the BIC; each panel shows the data
    and every ellipse whole, and the spherical panel has equal axis scales (its circles are
    drawn as circles). Returns ``(fig, axes)`` with ``axes`` a flat array in the order of
    ``models``.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from lecture_code.mixture import GaussianMixture
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(0, 1, (30, 2)), rng.normal(5, 1, (30, 2))])
    >>> models = {ct: GaussianMixture(2, covariance_type=ct, random_state=0).fit(X)
    ...           for ct in ("full", "tied", "diag", "spherical")}
    >>> fig, axes = plot_covariance_types(X, models)
    >>> [ax.get_title().split(":")[0] for ax in axes]
    ['full', 'tied', 'diag', 'spherical']
    >>> plt.close(fig)
    """
    X = as_points_2d(X, rows="n_samples")
    if not models:
        raise ValueError("models is empty: give a dict {covariance_type: fitted mixture}.")
    for name, model in models.items():
        if name not in COVARIANCE_TYPES:
            raise ValueError(f"unknown covariance type {name!r} as a key of models; use "
                             f"{COVARIANCE_TYPES}.")
        if getattr(model, "covariance_type", name) != name:
            raise ValueError(f"models[{name!r}] was fitted with covariance_type="
                             f"{model.covariance_type!r}: the key must match it.")
    n = len(models)
    rows, cols = (2, 2) if n == 4 else (1, n)
    fig, axes = plt.subplots(rows, cols, figsize=figure_size(cols, rows, panel_aspect=0.85),
                             constrained_layout=True, squeeze=False)
    axes = axes.ravel()
    for ax, (name, model) in zip(axes, models.items()):
        covs = full_covariances(model)
        if covs.shape[1:] != (2, 2):
            raise ValueError(f"models[{name!r}] has {covs.shape[1]} features; the figure "
                             "needs 2-D data.")
        scatter_labels(ax, X, model.predict(X), s=10, alpha=0.5, legend=False)
        draw_mixture(ax, model.weights_, model.means_, covs, n_std=n_std)
        loglik = model.score(X) * len(X)
        ax.set_title(f"{name}: log-likelihood {loglik:.1f}\nBIC {model.bic(X):.1f}")
        ax.legend(loc="upper left", framealpha=0.8)
        reach = max(n_std) * np.sqrt(covs[:, [0, 1], [0, 1]])       # half-widths of the boxes
        lo = np.minimum(X.min(axis=0), (model.means_ - reach).min(axis=0))
        hi = np.maximum(X.max(axis=0), (model.means_ + reach).max(axis=0))
        if name == "spherical":   # equal scales: the limits follow from the data box
            ax.update_datalim(np.array([lo, hi]))
            ax.autoscale_view()
            ax.set_aspect("equal", adjustable="datalim")
        else:
            pad = 0.05 * (hi - lo)
            ax.set_xlim(lo[0] - pad[0], hi[0] + pad[0])
            ax.set_ylim(lo[1] - pad[1], hi[1] + pad[1])
    for ax in axes[-cols:]:
        ax.set_xlabel(xlabel)
    for ax in axes[::cols]:
        ax.set_ylabel(ylabel)
    return fig, axes


def plot_information_criteria(ax, k_values, *, bic=None, aic=None, mark_best: bool = True,
                              title: str | None = None) -> dict:
    """BIC and/or AIC against the number of components, each minimum marked; lower is better.

    Introduced in the chapter *Mixtures in practice with scikit-learn* (choosing K). Returns
    ``{"BIC": K with the lowest BIC, "AIC": ...}`` for the criteria given.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> plot_information_criteria(ax, [1, 2, 3], bic=[5.0, 3.0, 4.0])
    {'BIC': 2}
    >>> plt.close(fig)
    """
    k_values = np.asarray(k_values)
    if k_values.ndim != 1 or k_values.size == 0:
        raise ValueError(f"k_values must be a non-empty 1-D sequence of component counts, got "
                         f"shape {k_values.shape}.")
    curves = {name: v for name, v in (("BIC", bic), ("AIC", aic)) if v is not None}
    if not curves:
        raise ValueError("give at least one of bic=... or aic=... (one value per K).")
    if ax is None:
        _, ax = plt.subplots()
    best = {}
    for (name, values), color in zip(curves.items(), (COLORS["blue"], COLORS["orange"])):
        values = np.asarray(values, dtype=float)
        if values.shape != k_values.shape:
            raise ValueError(f"{name.lower()} must have one value per K: {k_values.size} "
                             f"values expected, got shape {values.shape}.")
        if not np.all(np.isfinite(values)):
            raise ValueError(f"{name.lower()} contains NaN or inf: {values.tolist()}.")
        ax.plot(k_values, values, marker="o", color=color, label=name)
        i = int(np.argmin(values))
        best[name] = int(k_values[i])
        if mark_best:
            ax.plot(k_values[i], values[i], marker="*", markersize=18, color=color,
                    markeredgecolor="black", linestyle="none",
                    label=f"lowest {name}: K = {k_values[i]}")
    ax.set_xticks(k_values)
    ax.set_xlabel("number of components $K$")
    ax.set_ylabel("information criterion (lower is better)")
    ax.set_title(title or "choosing $K$")
    ax.legend()
    return best


def plot_uncertainty(ax, X, uncertainty, *, highlight=None, cmap: str = "viridis",
                     label: str = "entropy of the responsibilities (bits)", s: float = 16):
    """Scatter 2-D points coloured by an uncertainty score, with a colour bar.

    Introduced in the chapter *Mixtures in practice with scikit-learn* (the entropy of
    ``predict_proba`` rows). ``highlight`` is a boolean mask of points to ring in red (the
    uncertain ones). Returns the scatter collection.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> pc = plot_uncertainty(ax, np.zeros((3, 2)), [0.0, 0.5, 1.0],
    ...                       highlight=[False, False, True])
    >>> pc.get_array().tolist()
    [0.0, 0.5, 1.0]
    >>> plt.close(fig)
    """
    X = as_points_2d(X, rows="n_samples")
    uncertainty = np.asarray(uncertainty, dtype=float)
    if uncertainty.shape != (len(X),):
        raise ValueError(f"uncertainty must have one value per point ({len(X)},), got shape "
                         f"{uncertainty.shape}.")
    if not np.all(np.isfinite(uncertainty)):
        raise ValueError("uncertainty contains NaN or inf; for the entropy of responsibilities "
                         "use the convention 0 log 0 = 0 (e.g. scipy.special.entr).")
    if ax is None:
        _, ax = plt.subplots()
    pc = ax.scatter(X[:, 0], X[:, 1], c=uncertainty, cmap=cmap, s=s, vmin=0.0,
                    edgecolors="none")
    ax.figure.colorbar(pc, ax=ax, label=label)
    if highlight is not None:
        highlight = np.asarray(highlight, dtype=bool)
        if highlight.shape != (len(X),):
            raise ValueError(f"highlight must be a boolean mask with one entry per point "
                             f"({len(X)},), got shape {highlight.shape}.")
        ax.scatter(X[highlight, 0], X[highlight, 1], s=5 * s, facecolors="none",
                   edgecolors="crimson", linewidths=1.4,
                   label=f"uncertain points ({int(highlight.sum())})")
        ax.legend(loc="upper left")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    return pc
