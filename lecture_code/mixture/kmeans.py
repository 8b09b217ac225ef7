"""k-means as hard-assignment EM (Lloyd's algorithm), k-means++ seeding, and the σ → 0 limit of EM.

Introduced in the chapter *Hard assignments: k-means*.
"""
from __future__ import annotations

import numbers
import warnings
from numbers import Integral, Real

import numpy as np
from scipy.spatial.distance import cdist
from scipy.special import logsumexp
from sklearn.base import (
    BaseEstimator, ClassNamePrefixFeaturesOutMixin, ClusterMixin, TransformerMixin, _fit_context)
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from lecture_code.mixture._validation import check_data, check_param_array, check_X

__all__ = ["KMeans", "kmeans_plusplus", "em_to_kmeans", "hard_e_step", "hard_m_step"]


def _rng(random_state):
    return check_random_state(random_state)


def _sq_dists(X, centers):
    # expanded ‖x‖² − 2 x·c + ‖c‖²: one matmul, but it cancels unless X is centred (see _centred)
    d = (np.einsum("ij,ij->i", X, X)[:, None] - 2 * X @ centers.T
         + np.einsum("ij,ij->i", centers, centers)[None, :])
    return np.maximum(d, 0.0, out=d)


def _centred(X, *centers):
    """X − m and each centers − m, with m the mean of X: squared distances without cancellation.

    Two clusters 0.01 apart at 1e7 (UTM metres) lose every digit in ‖x‖² − 2 x·c + ‖c‖²
    unless the coordinates are shifted first, as scikit-learn's KMeans.fit does.
    """
    m = X.mean(axis=0)
    return (m, X - m) + tuple(np.asarray(c, dtype=float) - m for c in centers)


def _snapshot(X, centers, labels, offset=0.0):
    return {"centers": centers + offset, "labels": labels.copy(),
            "inertia": float(((X - centers[labels]) ** 2).sum())}


def hard_e_step(X, centers):
    """The hard E-step of k-means: the index of the nearest center of each row, shape (N,).

    Introduced in the chapter *Hard assignments: k-means*: r_nk = 1 for k = argmin_j ‖x_n − μ_j‖²
    (ties go to the lower index).

    >>> hard_e_step(np.array([[0.0], [4.0], [9.0]]), np.array([[1.0], [8.0]])).tolist()
    [0, 0, 1]
    """
    X = check_data(X)
    centers = _check_centers(centers, X.shape[1])
    _, Xc, cc = _centred(X, centers)
    return _sq_dists(Xc, cc).argmin(axis=1)


def hard_m_step(X, labels, centers):
    """The M-step of k-means: each center moves to the mean of its points, shape (K, D).

    Introduced in the chapter *Hard assignments: k-means*. An empty cluster k (no label equals
    k) takes, as in scikit-learn, the point farthest from its own current center
    ``centers[labels[n]]``: that point leaves its old cluster and becomes the new center of k
    (with several empty clusters, the j-th empty one takes the j-th farthest point). A cluster
    still empty after that (all points on their centers) goes to the center of the largest one.

    >>> X = np.array([[0.0], [1.0], [10.0]])
    >>> hard_m_step(X, np.array([0, 0, 0]), np.array([[0.0], [50.0]])).tolist()
    [[0.5], [10.0]]
    """
    X = check_data(X)
    centers = _check_centers(centers, X.shape[1])
    K = centers.shape[0]
    labels = np.asarray(labels)
    if labels.shape != (X.shape[0],) or labels.dtype.kind not in "iu" or (
            labels.size and (labels.min() < 0 or labels.max() >= K)):
        raise ValueError(f"labels must be {X.shape[0]} integers in [0, {K}); got "
                         f"shape {labels.shape}, dtype {labels.dtype}.")
    return _m_step(X, labels, centers)


def _m_step(X, labels, centers):
    K = centers.shape[0]
    counts = np.bincount(labels, minlength=K).astype(float)
    new = np.zeros_like(centers)
    np.add.at(new, labels, X)
    empty = np.flatnonzero(counts == 0)
    if empty.size:
        dist = ((X - centers[labels]) ** 2).sum(axis=1)
        if dist.max() > 0:
            far = np.argsort(-dist, kind="stable")[: empty.size]
            for k, n in zip(empty, far):
                new[labels[n]] -= X[n]
                counts[labels[n]] -= 1
                new[k] = X[n]
                counts[k] = 1
    full = counts > 0
    new[full] /= counts[full, None]
    new[~full] = new[np.argmax(counts)]
    return new


def _check_centers(centers, n_features):
    centers = np.asarray(centers, dtype=float)
    if centers.ndim != 2 or centers.shape[1] != n_features or centers.shape[0] < 1:
        raise ValueError(f"centers must have shape (K, {n_features}); got {centers.shape}.")
    return centers


def kmeans_plusplus(X, n_clusters, random_state=None, n_local_trials=None):
    """Greedy k-means++ seeding: (centers (K, D), indices (K,)) of rows of X.

    Introduced in the chapter *Hard assignments: k-means*. The first center is a
    uniformly drawn row; each next one is the best of ``2 + log K`` candidates drawn with
    probability ∝ squared distance to the nearest chosen center (as scikit-learn).

    >>> X = np.array([[0.0, 0], [0, 1], [10, 0], [10, 1]])
    >>> c, idx = kmeans_plusplus(X, 2, random_state=0)
    >>> sorted(set(c[:, 0].tolist()))
    [0.0, 10.0]
    """
    X = check_data(X)
    n = X.shape[0]
    if not isinstance(n_clusters, numbers.Integral) or not 1 <= n_clusters <= n:
        raise ValueError(f"n_clusters must be an integer in [1, n_samples={n}]; got {n_clusters!r}.")
    rng = _rng(random_state)
    trials = n_local_trials or 2 + int(np.log(n_clusters))
    X0, X = X, _centred(X)[1]
    idx = [int(rng.randint(n))]
    closest = _sq_dists(X, X[idx])[:, 0]
    for _ in range(1, n_clusters):
        pot = closest.sum()
        if pot <= 0:   # all points coincide with chosen centers: pick any unused row
            cand = np.array([i for i in range(n) if i not in idx][:1])
        else:
            cand = np.searchsorted(np.cumsum(closest), rng.uniform(size=trials) * pot)
            cand = np.minimum(cand, n - 1)
        d = np.minimum(closest[None, :], _sq_dists(X, X[cand]).T)
        best = int(np.argmin(d.sum(axis=1)))
        idx.append(int(cand[best]))
        closest = d[best]
    idx = np.array(idx)
    return X0[idx].copy(), idx


class KMeans(ClassNamePrefixFeaturesOutMixin, TransformerMixin, ClusterMixin, BaseEstimator):
    """k-means by Lloyd's algorithm (hard-assignment EM), a scikit-learn estimator.

    Introduced in the chapter *Hard assignments: k-means*. Assign each point to its
    nearest center (E-step with responsibilities 0/1), move each center to the mean of its points
    (M-step); stop when the labels no longer change or the centers move less than
    ``tol × mean feature variance`` (squared). An empty cluster receives the point farthest
    from its center (:func:`hard_m_step`, as scikit-learn). Best of ``n_init`` runs by inertia.
    ``keep_history=True`` stores ``history_``: one dict per iteration (the start first, the
    final centers last) with ``centers``, ``labels`` (nearest center) and ``inertia`` of them.

    The plumbing is scikit-learn's (``BaseEstimator``, ``ClusterMixin``, ``TransformerMixin``;
    parameters checked against ``_parameter_constraints`` when ``fit`` starts), so ``clone``,
    ``Pipeline`` and ``GridSearchCV`` work. As in scikit-learn, ``init`` is ``"k-means++"``,
    ``"random"``, an array of centers or a callable ``init(X, n_clusters, random_state)``;
    ``n_init="auto"`` means 1 for ``"k-means++"`` and arrays, 10 otherwise (the default here is
    1); ``transform`` gives the distances to the centers and ``score`` minus the inertia.
    Fewer distinct clusters than ``n_clusters`` warn with ``ConvergenceWarning``.

    >>> X = np.array([[0.0], [0.2], [5.0], [5.2]])
    >>> km = KMeans(2, init=np.array([[0.0], [5.0]])).fit(X)
    >>> km.cluster_centers_.ravel().round(12).tolist(), km.labels_.tolist(), round(km.inertia_, 6)
    ([0.1, 5.1], [0, 0, 1, 1], 0.04)
    """

    _parameter_constraints: dict = {
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
        "init": [StrOptions({"k-means++", "random"}), callable, "array-like"],
        "n_init": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],   # excludes inf
        "random_state": ["random_state"],
        "keep_history": ["boolean"],
    }

    def __init__(self, n_clusters=8, *, init="k-means++", n_init=1, max_iter=300, tol=1e-4,
                 random_state=None, keep_history=False):
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.keep_history = keep_history

    def _check_init(self, X):
        """The number of runs and, for an array ``init``, the validated centers."""
        n_init = self.n_init
        if n_init == "auto":
            n_init = 10 if callable(self.init) or (isinstance(self.init, str)
                                                  and self.init == "random") else 1
        if isinstance(self.init, str) or callable(self.init):
            return n_init, None
        centers = self._check_centers_shape(check_param_array(self.init, "init"), X, "init")
        if n_init != 1:
            warnings.warn(f"Explicit initial center position passed: performing only one init "
                          f"in KMeans instead of n_init={n_init}.", RuntimeWarning, stacklevel=3)
        return 1, centers

    def _check_centers_shape(self, centers, X, name):
        if centers.shape != (self.n_clusters, X.shape[1]):
            raise ValueError(f"{name} centers must have shape (n_clusters, n_features) = "
                             f"{(self.n_clusters, X.shape[1])}; got {centers.shape}.")
        return centers

    def _init_centers(self, X, rng, centers=None):
        if centers is not None:
            return centers.copy()
        if callable(self.init):
            c = check_param_array(self.init(X, self.n_clusters, random_state=rng), "init(X)")
            return self._check_centers_shape(c, X, "init(X)")
        if self.init == "k-means++":
            return kmeans_plusplus(X, self.n_clusters, rng)[0]
        return X[rng.choice(X.shape[0], self.n_clusters, replace=False)].copy()

    def _lloyd(self, X, centers, tol, offset=0.0):
        labels_old = None
        strict = False
        history = []
        for i in range(self.max_iter):
            d = _sq_dists(X, centers)
            labels = d.argmin(axis=1)
            if self.keep_history:
                history.append(_snapshot(X, centers, labels, offset))
            new = _m_step(X, labels, centers)
            shift = ((new - centers) ** 2).sum()
            centers = new
            if labels_old is not None and np.array_equal(labels, labels_old):
                strict = True
                break
            if shift <= tol:
                break
            labels_old = labels
        if not strict:
            labels = _sq_dists(X, centers).argmin(axis=1)
        inertia = float(((X - centers[labels]) ** 2).sum())
        if self.keep_history:
            history.append(_snapshot(X, centers, labels, offset))
        return centers + offset, labels, inertia, i + 1, history

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Run Lloyd's algorithm ``n_init`` times and keep the lowest inertia; returns self.

        Introduced in the chapter *Hard assignments: k-means*. Parameters and data are
        validated once, before the first iteration.

        >>> KMeans(1).fit(np.array([[1.0], [3.0]])).cluster_centers_.tolist()
        [[2.0]]
        """
        X = check_X(self, X, reset=True)
        K = self.n_clusters
        if X.shape[0] < K:
            raise ValueError(f"n_samples={X.shape[0]} should be >= n_clusters={K}.")
        n_init, init_centers = self._check_init(X)
        rng = check_random_state(self.random_state)
        tol = float(np.mean(np.var(X, axis=0))) * self.tol
        best = None
        # work in coordinates centred on the data mean (as scikit-learn): exact distances far
        # from the origin; centers are shifted back at the end of _lloyd. As in scikit-learn, a
        # callable init receives the centred data.
        offset, Xc = _centred(X)
        for _ in range(n_init):
            init = (init_centers - offset if init_centers is not None
                    else self._init_centers(Xc, rng))
            res = self._lloyd(Xc, init, tol, offset)
            if best is None or res[2] < best[2]:
                best = res
        self.cluster_centers_, self.labels_, self.inertia_, self.n_iter_ = best[:4]
        self._n_features_out = K
        if self.keep_history:
            self.history_ = best[4]
        distinct = len(np.unique(self.labels_))
        if distinct < K:
            warnings.warn(f"Number of distinct clusters ({distinct}) found smaller than "
                          f"n_clusters ({K}). Possibly due to duplicate points in X.",
                          ConvergenceWarning, stacklevel=2)
        return self

    def fit_predict(self, X, y=None):
        """Fit and return ``labels_``.

        Introduced in the chapter *Hard assignments: k-means*.

        >>> KMeans(2, init=np.array([[0.0], [9.0]])).fit_predict([[0.0], [1.0], [9.0]]).tolist()
        [0, 0, 1]
        """
        return self.fit(X).labels_

    def predict(self, X):
        """Index of the nearest center for each row.

        Introduced in the chapter *Hard assignments: k-means*.

        >>> km = KMeans(2, init=np.array([[0.0], [9.0]])).fit([[0.0], [1.0], [9.0]])
        >>> km.predict([[8.0]]).tolist()
        [1]
        """
        check_is_fitted(self)
        return self._nearest(check_X(self, X, reset=False))

    def _nearest(self, X):
        _, Xc, cc = _centred(X, self.cluster_centers_)
        return _sq_dists(Xc, cc).argmin(axis=1)

    def transform(self, X):
        """Euclidean distance of each row to each center, shape (N, n_clusters).

        Introduced in the chapter *Hard assignments: k-means* (as scikit-learn's
        ``KMeans.transform``; computed from the differences, so exact far from the origin).

        >>> km = KMeans(2, init=np.array([[0.0], [9.0]])).fit([[0.0], [1.0], [9.0]])
        >>> km.transform([[3.0]]).tolist()
        [[2.5, 6.0]]
        """
        check_is_fitted(self)
        return cdist(check_X(self, X, reset=False), self.cluster_centers_)

    def fit_transform(self, X, y=None):
        """Fit, then return the distances of the rows of X to the centers.

        Introduced in the chapter *Hard assignments: k-means*.

        >>> KMeans(1).fit_transform([[1.0], [3.0]]).tolist()
        [[1.0], [1.0]]
        """
        return self.fit(X).transform(X)

    def score(self, X, y=None):
        """Minus the k-means objective of X: −Σₙ ‖xₙ − nearest center‖² (higher is better).

        Introduced in the chapter *Hard assignments: k-means* (as scikit-learn's ``score``).

        >>> KMeans(1).fit([[1.0], [3.0]]).score([[0.0], [2.0]])
        -4.0
        """
        check_is_fitted(self)
        X = check_X(self, X, reset=False)
        labels = self._nearest(X)
        return -float(((X - self.cluster_centers_[labels]) ** 2).sum())


def em_to_kmeans(X, centers, sigmas, n_iter=1):
    """EM with equal weights and a shared, fixed spherical σ, for each σ in ``sigmas``.

    Introduced in the chapter *Hard assignments: k-means*. Starting from ``centers``
    it runs ``n_iter`` EM iterations (soft assignments r_nk ∝ exp(−‖x_n − μ_k‖² / 2σ²), then
    means); as σ → 0 the responsibilities become the 0/1 nearest-center assignment and the means
    become those of ``n_iter`` Lloyd iterations of k-means. Returns a list of dicts with
    ``sigma``, ``responsibilities`` (N, K) of the last E-step and ``means`` (K, D).

    >>> X = np.array([[0.0], [1.0], [4.0]])
    >>> out = em_to_kmeans(X, np.array([[0.0], [4.0]]), [10.0, 0.01])
    >>> out[-1]["responsibilities"].round(3).tolist()
    [[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]
    """
    X = check_data(X)
    centers = np.asarray(centers, dtype=float)
    if centers.ndim != 2 or centers.shape[1] != X.shape[1]:
        raise ValueError(f"centers must have shape (K, {X.shape[1]}); got {centers.shape}.")
    offset, X, centers = _centred(X, centers)
    out = []
    for s in sigmas:
        if not s > 0:
            raise ValueError(f"Every sigma must be positive; got {s!r}.")
        mu = centers.copy()
        for _ in range(int(n_iter)):
            logit = -_sq_dists(X, mu) / (2 * s * s)
            r = np.exp(logit - logsumexp(logit, axis=1)[:, None])
            nk = r.sum(axis=0)
            mu = np.where(nk[:, None] > 0, r.T @ X / np.maximum(nk, np.finfo(float).tiny)[:, None], mu)
        out.append({"sigma": float(s), "responsibilities": r, "means": mu + offset})
    return out
