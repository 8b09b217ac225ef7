"""k-means as hard-assignment EM (Lloyd's algorithm), k-means++ seeding, and the σ → 0 limit of EM.

Introduced in the chapter *Hard assignments: k-means*.
"""
from __future__ import annotations

import numbers

import numpy as np
from scipy.special import logsumexp

from lecture_code.mixture.em import check_data

__all__ = ["KMeans", "kmeans_plusplus", "em_to_kmeans", "hard_e_step", "hard_m_step"]


def _rng(random_state):
    if isinstance(random_state, np.random.RandomState):
        return random_state
    return np.random.RandomState(random_state)


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


class KMeans:
    """k-means by Lloyd's algorithm (hard-assignment EM), with scikit-learn's interface.

    Introduced in the chapter *Hard assignments: k-means*. Assign each point to its
    nearest center (E-step with responsibilities 0/1), move each center to the mean of its points
    (M-step); stop when the labels no longer change or the centers move less than
    ``tol × mean feature variance`` (squared). An empty cluster receives the point farthest
    from its center (:func:`hard_m_step`, as scikit-learn). Best of ``n_init`` runs by inertia.
    ``keep_history=True`` stores ``history_``: one dict per iteration (the start first, the
    final centers last) with ``centers``, ``labels`` (nearest center) and ``inertia`` of them.

    >>> X = np.array([[0.0], [0.2], [5.0], [5.2]])
    >>> km = KMeans(2, init=np.array([[0.0], [5.0]])).fit(X)
    >>> km.cluster_centers_.ravel().round(12).tolist(), km.labels_.tolist(), round(km.inertia_, 6)
    ([0.1, 5.1], [0, 0, 1, 1], 0.04)
    """

    def __init__(self, n_clusters=8, *, init="k-means++", n_init=1, max_iter=300, tol=1e-4,
                 random_state=None, keep_history=False):
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.keep_history = keep_history

    def _init_centers(self, X, rng):
        if isinstance(self.init, str):
            if self.init == "k-means++":
                return kmeans_plusplus(X, self.n_clusters, rng)[0]
            if self.init == "random":
                return X[rng.choice(X.shape[0], self.n_clusters, replace=False)].copy()
            raise ValueError(f"Unknown init {self.init!r}; use 'k-means++', 'random' or an array.")
        c = np.asarray(self.init, dtype=float)
        if c.shape != (self.n_clusters, X.shape[1]):
            raise ValueError(f"init centers must have shape {(self.n_clusters, X.shape[1])}; "
                             f"got {c.shape}.")
        return c.copy()

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

    def fit(self, X, y=None):
        """Run Lloyd's algorithm ``n_init`` times and keep the lowest inertia; returns self.

        Introduced in the chapter *Hard assignments: k-means*.

        >>> KMeans(1).fit(np.array([[1.0], [3.0]])).cluster_centers_.tolist()
        [[2.0]]
        """
        X = check_data(X)
        K = self.n_clusters
        if not isinstance(K, numbers.Integral) or K < 1:
            raise ValueError(f"n_clusters must be a positive integer; got {K!r}.")
        if X.shape[0] < K:
            raise ValueError(f"n_samples={X.shape[0]} should be >= n_clusters={K}.")
        if not isinstance(self.max_iter, numbers.Integral) or self.max_iter < 1:
            raise ValueError(f"max_iter must be a positive integer; got {self.max_iter!r}.")
        rng = _rng(self.random_state)
        tol = float(np.mean(np.var(X, axis=0))) * self.tol
        best = None
        n_init = self.n_init if isinstance(self.init, str) else 1
        # work in coordinates centred on the data mean (as scikit-learn): exact distances far
        # from the origin; centers are shifted back at the end of _lloyd
        offset, Xc = _centred(X)
        for _ in range(n_init):
            init = self._init_centers(Xc, rng) if isinstance(self.init, str) else (
                self._init_centers(X, rng) - offset)
            res = self._lloyd(Xc, init, tol, offset)
            if best is None or res[2] < best[2]:
                best = res
        self.cluster_centers_, self.labels_, self.inertia_, self.n_iter_ = best[:4]
        if self.keep_history:
            self.history_ = best[4]
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
        if not hasattr(self, "cluster_centers_"):
            raise RuntimeError("This KMeans is not fitted yet; call fit(X) first.")
        X = check_data(X)
        if X.shape[1] != self.cluster_centers_.shape[1]:
            raise ValueError(f"X has {X.shape[1]} features, but KMeans was fitted with "
                             f"{self.cluster_centers_.shape[1]}.")
        _, Xc, cc = _centred(X, self.cluster_centers_)
        return _sq_dists(Xc, cc).argmin(axis=1)


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
