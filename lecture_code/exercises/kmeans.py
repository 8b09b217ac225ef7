"""Checkers for the exercises of the chapter *Hard assignments: k-means*.

Introduced in the chapter *Hard assignments: k-means*: ``check_assign_labels`` (the hard
E-step), ``check_update_centers`` (the M-step, including an empty cluster),
``check_soft_kmeans`` (EM with a shared spherical σ, stable as σ → 0),
``check_kmeans_objective`` (the objective J, with which the checker shows that Lloyd's
steps never increase it) and ``check_dsquared_probabilities`` (the k-means++ sampling
weights).

Each checker runs the student's function on a few inputs, compares with the library's
reference (:func:`lecture_code.mixture.hard_e_step`, :func:`~lecture_code.mixture.hard_m_step`,
:func:`~lecture_code.mixture.em_to_kmeans`) and never raises because of the student's code.
Typical mistakes get their own hint: the farthest instead of the nearest center, labels
counted from 1, sums not divided by counts, a NaN center for an empty cluster, an underflowing
``exp`` for small σ, probabilities that do not sum to one.

Example
-------
>>> import numpy as np
>>> def assign_labels(X, centers):
...     raise NotImplementedError("Exercise: implement assign_labels")
>>> result = check_assign_labels(assign_labels)
>>> bool(result), "not implemented yet" in str(result)
(False, True)
"""
from __future__ import annotations

import numpy as np

from lecture_code.exercises.core import Case, as_float_array, check
from lecture_code.mixture import em_to_kmeans, hard_e_step, hard_m_step

__all__ = ["check_assign_labels", "check_update_centers", "check_soft_kmeans",
           "check_kmeans_objective", "check_dsquared_probabilities"]


def _sq_dists(X, centers):
    return ((np.asarray(X)[:, None, :] - np.asarray(centers)[None]) ** 2).sum(axis=2)


# ---------------------------------------------------------------------------------------
# The hard E-step
# ---------------------------------------------------------------------------------------
def _assign_cases():
    cases = [Case((np.array([[0.0], [4.0], [9.0], [-3.0]]), np.array([[1.0], [8.0]])),
                  label="4 points on a line, centers at 1 and 8")]
    for seed, (N, D, K) in enumerate([(20, 2, 3), (15, 3, 4)]):
        rng = np.random.default_rng(seed)
        cases.append(Case((rng.normal(size=(N, D)) * 3, rng.normal(size=(K, D)) * 3),
                          label=f"{N} random points in D = {D}, K = {K}"))
    # nearest in squared Euclidean distance, but not in the Manhattan (L1) distance
    cases.append(Case((np.array([[0.0, 0.0]]), np.array([[1.5, 1.5], [0.0, 2.5]])),
                      label="x = (0, 0), centers (1.5, 1.5) and (0, 2.5)"))
    return [Case(c.args, hard_e_step(*c.args), label=c.label) for c in cases]


def check_assign_labels(assign_labels):
    """Check ``assign_labels(X, centers) -> (N,)`` indices of the nearest centers.

    Introduced in the chapter *Hard assignments: k-means*.

    A wrong attempt and the feedback it gets (the first lines):

    >>> def assign_labels(X, centers):
    ...     return np.zeros(len(X), dtype=int)
    >>> print(check_assign_labels(assign_labels))  # doctest: +ELLIPSIS
    [FAIL] assign_labels: 3 of 4 cases fail.
      - 4 points on a line, centers at 1 and 8: returned [0. 0. 0. 0.], expected [0 0 1 0] (largest difference 1 at index (2,))....
    """
    return check(assign_labels, _assign_cases(), name="assign_labels", rtol=0, atol=0,
                 diagnose=_diagnose_assign,
                 hint="compute all N·K squared distances at once as an (N, K) array "
                      "(broadcasting), then pick the nearest center in each row.")


def _diagnose_assign(case, got):
    X, centers = case.args
    got = as_float_array(got)
    if got is None:
        return None
    d = _sq_dists(X, centers)
    if got.shape == d.shape:
        return "you returned the (N, K) distances; return the index of the smallest in each row."
    if got.shape != (X.shape[0],):
        return None
    if np.array_equal(got, d.argmax(axis=1)):
        return "these are the farthest centers: use argmin, not argmax."
    if np.array_equal(got, case.expected + 1):
        return "the labels are counted from 1; Python counts from 0 (use argmin directly)."
    if np.array_equal(got, np.abs(X[:, None] - centers[None]).sum(axis=2).argmin(axis=1)):
        return ("this is the nearest center in the Manhattan distance Σ|x_i - μ_i|; k-means "
                "uses the squared Euclidean distance Σ(x_i - μ_i)².")
    return None


# ---------------------------------------------------------------------------------------
# The M-step, with empty clusters
# ---------------------------------------------------------------------------------------
def _update_cases():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(12, 2)) * 2
    C = rng.normal(size=(3, 2))
    cases = [Case((X, hard_e_step(X, C), C), label="12 points in D = 2, K = 3, no empty cluster")]
    X1 = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [6.0, 6.0], [8.0, 6.0]])
    C1 = np.array([[0.0, 0.0], [6.0, 6.0], [50.0, 50.0]])
    cases.append(Case((X1, hard_e_step(X1, C1), C1),
                      label="center 2 at (50, 50) has no points (an empty cluster)",
                      hint="cluster 2 is empty: it takes the point farthest from its own "
                           "center, here (8, 6) (distance² 4 from (6, 6)), and that point "
                           "leaves cluster 1."))
    X2 = np.array([[0.0], [1.0], [2.5], [10.0], [13.0]])
    C2 = np.array([[1.0], [40.0], [11.0], [-30.0]])
    cases.append(Case((X2, hard_e_step(X2, C2), C2),
                      label="two empty clusters (1 and 3)",
                      hint="with two empty clusters, the first empty one (lower index) takes "
                           "the farthest point, the second one the next farthest."))
    return [Case(c.args, hard_m_step(*c.args), label=c.label, hint=c.hint) for c in cases]


def check_update_centers(update_centers):
    """Check ``update_centers(X, labels, centers) -> (K, D)``, the M-step with empty clusters.

    Introduced in the chapter *Hard assignments: k-means*. An empty cluster must take the
    point farthest from its own current center, which leaves its old cluster (as
    :func:`lecture_code.mixture.hard_m_step` and scikit-learn).

    A wrong attempt and the feedback it gets (the first lines):

    >>> def update_centers(X, labels, centers):
    ...     return centers
    >>> print(check_update_centers(update_centers))  # doctest: +ELLIPSIS
    [FAIL] update_centers: 3 of 3 cases fail.
      - 12 points in D = 2, K = 3, no empty cluster: returned [[-0.182839  0.540525]...
    """
    return check(update_centers, _update_cases(), name="update_centers", rtol=1e-10,
                 atol=1e-12, diagnose=_diagnose_update,
                 hint="average the points of each cluster; an empty cluster takes the point "
                      "farthest from its own current center, and that point leaves its old cluster"
                      " before the averages are taken.")


def _diagnose_update(case, got):
    X, labels, centers = case.args
    got = as_float_array(got)
    if got is None or got.shape != centers.shape:
        return None
    K = centers.shape[0]
    counts = np.bincount(labels, minlength=K)
    empty = np.flatnonzero(counts == 0)
    sums = np.zeros_like(centers)
    np.add.at(sums, labels, X)
    full = counts > 0
    if empty.size and np.all(np.isnan(got[empty])):
        return (f"cluster(s) {empty.tolist()} have no points, so their mean is 0/0 = NaN. "
                "Give an empty cluster the point farthest from its own center instead.")
    if np.allclose(got[full], sums[full]) and not np.allclose(counts[full], 1):
        return "these are the sums of the assigned points; divide by the number of points."
    means = sums[full] / counts[full, None]
    if np.allclose(got[full], means) and empty.size:
        if np.allclose(got[empty], centers[empty]):
            return ("you left the empty cluster's center where it was: it will stay empty for "
                    "ever. Move it to the point farthest from its own center.")
        return ("the non-empty means are computed before the farthest point is moved: remove "
                "that point from its old cluster first, then average.")
    return None


# ---------------------------------------------------------------------------------------
# Soft assignments with a shared spherical sigma
# ---------------------------------------------------------------------------------------
def _soft_cases():
    rng = np.random.default_rng(5)
    X = np.concatenate([rng.normal(size=(6, 2)) + c for c in ((0, 0), (5, 1), (1, 6))])
    C = X[[0, 6, 12]] + 0.3
    cases = []
    for sigma, n_iter in ((2.0, 1), (1.0, 3), (0.5, 5), (0.01, 1), (1e-3, 4)):
        expected = em_to_kmeans(X, C, [sigma], n_iter=n_iter)[0]["means"]
        hint = ("with σ this small (almost) every exp(-‖x - μ‖² / 2σ²) underflows to 0 and "
                "0/0 = NaN: compute the responsibilities in log space.") if sigma < 0.1 else None
        cases.append(Case((X, C, sigma, n_iter), expected,
                          label=f"18 points, K = 3, sigma = {sigma}, {n_iter} iteration(s)",
                          hint=hint))
    return cases


def check_soft_kmeans(soft_kmeans):
    """Check ``soft_kmeans(X, centers, sigma, n_iter) -> (K, D)`` centers after ``n_iter`` EM
    iterations with equal weights and a shared, fixed covariance σ²I, stable as σ → 0.

    Introduced in the chapter *Hard assignments: k-means*. The reference is
    :func:`lecture_code.mixture.em_to_kmeans`; for small σ the answer must equal Lloyd's
    centers.

    A wrong attempt and the feedback it gets (the first lines):

    >>> def soft_kmeans(X, centers, sigma, n_iter):
    ...     d = ((X[:, None, :] - centers[None]) ** 2).sum(axis=2)
    ...     r = np.exp(-d / (2 * sigma ** 2))
    ...     r = r / r.sum(axis=0)
    ...     return r.T @ X / r.sum(axis=0)[:, None]
    >>> print(check_soft_kmeans(soft_kmeans))  # doctest: +ELLIPSIS
    [FAIL] soft_kmeans: ...
        Hint: you normalised the columns...
    """
    return check(soft_kmeans, _soft_cases(), name="soft_kmeans", rtol=1e-7, atol=1e-10,
                 diagnose=_diagnose_soft,
                 hint="each iteration: exponents a_nk = -‖x_n - μ_k‖² / 2σ² as an (N, K) "
                      "array; responsibilities γ = exp(a - logsumexp(a, axis=1)) so that each "
                      "row sums to 1; then μ_k = Σ_n γ_nk x_n / Σ_n γ_nk. Repeat n_iter times.")


def _soft_step(X, mu, sigma, normalise_rows=True, divide=True, hard=False):
    a = -_sq_dists(X, mu) / (2 * sigma ** 2)
    if hard:
        r = np.eye(len(mu))[a.argmax(axis=1)]
    else:
        with np.errstate(all="ignore"):
            if normalise_rows:
                r = np.exp(a - a.max(axis=1, keepdims=True))
                r = r / r.sum(axis=1, keepdims=True)
            else:
                r = np.exp(a - a.max(axis=0, keepdims=True))
                r = r / r.sum(axis=0)
    nk = r.sum(axis=0)
    with np.errstate(all="ignore"):
        return r.T @ X / nk[:, None] if divide else r.T @ X


def _diagnose_soft(case, got):
    X, C, sigma, n_iter = case.args
    got = as_float_array(got)
    if got is None or got.shape != case.expected.shape:
        return None
    if np.any(np.isnan(got)):
        return None  # the case hint (log space) says it
    if n_iter > 1 and np.allclose(got, _soft_step(X, C, sigma)):
        return f"that is one iteration; the case asks for n_iter = {n_iter}."
    first = {}
    for key, kwargs, message in (
            ("cols", {"normalise_rows": False},
             "you normalised the columns of γ (over points); each ROW (each point's "
             "responsibilities over the K components) must sum to 1."),
            ("sums", {"divide": False}, "these are weighted sums: divide by the soft counts "
                                        "N_k = Σ_n γ_nk."),
            ("hard", {"hard": True}, "these are Lloyd's centers (hard assignments); for this σ "
                                     "the responsibilities are soft.")):
        first[key] = _soft_step(X, C, sigma, **kwargs)
        if n_iter == 1 and np.allclose(got, first[key], rtol=1e-7) and \
                not np.allclose(first[key], case.expected, rtol=1e-7):
            return message
    return None


# ---------------------------------------------------------------------------------------
# k-means++ sampling weights
# ---------------------------------------------------------------------------------------
def _ref_dsquared(X, chosen):
    d = _sq_dists(X, chosen).min(axis=1)
    return d / d.sum()


def _dsquared_cases():
    X = np.array([[0.0], [1.0], [3.0], [10.0]])
    cases = [Case((X, np.array([[0.0]])), label="x = 0, 1, 3, 10 with the center 0 chosen"),
             Case((X, np.array([[0.0], [10.0]])), label="x = 0, 1, 3, 10, centers 0 and 10")]
    rng = np.random.default_rng(7)
    Y = rng.normal(size=(30, 2)) * 3
    cases.append(Case((Y, Y[[4, 17, 22]]), label="30 points in D = 2, three centers chosen"))
    return [Case(c.args, _ref_dsquared(*c.args), label=c.label) for c in cases]


def check_dsquared_probabilities(dsquared_probabilities):
    """Check ``dsquared_probabilities(X, chosen) -> (N,)``: k-means++ picks point n next with
    probability D(x_n)² / Σ_m D(x_m)², D = distance to the nearest chosen center.

    Introduced in the chapter *Hard assignments: k-means*.

    A wrong attempt and the feedback it gets (the first lines):

    >>> def dsquared_probabilities(X, chosen):
    ...     return np.full(len(X), 1 / len(X))
    >>> print(check_dsquared_probabilities(dsquared_probabilities))  # doctest: +ELLIPSIS
    [FAIL] dsquared_probabilities: 3 of 3 cases fail.
      - x = 0, 1, 3, 10 with the center 0 chosen: returned [0.25 0.25 0.25 0.25], expected [0.       0.009091 0.081818 0.909091] (largest difference 0.659 at index (3,))....
    """
    return check(dsquared_probabilities, _dsquared_cases(), name="dsquared_probabilities",
                 rtol=1e-9, atol=1e-12, diagnose=_diagnose_dsquared,
                 hint="D(x_n) is the distance from x_n to its nearest chosen center; the "
                      "probabilities are proportional to D(x_n)².")


def _diagnose_dsquared(case, got):
    X, chosen = case.args
    got = as_float_array(got)
    if got is None or got.shape != case.expected.shape:
        return None
    d = _sq_dists(X, chosen)
    if not np.isclose(got.sum(), 1.0):
        return f"the probabilities sum to {got.sum():.4g}; divide by their total."
    near = np.sqrt(d.min(axis=1))
    if np.allclose(got, near / near.sum()):
        return "you used the distance D(x), not its square D(x)²."
    far = d.max(axis=1)
    if np.allclose(got, far / far.sum()):
        return "use the distance to the NEAREST chosen center (min over centers), not the farthest."
    tot = d.sum(axis=1)
    if np.allclose(got, tot / tot.sum()):
        return "use the distance to the nearest chosen center (min over centers), not the sum."
    return None


# ---------------------------------------------------------------------------------------
# Why Lloyd's algorithm terminates (derivation exercise)
# ---------------------------------------------------------------------------------------
def _ref_objective(X, labels, centers):
    return float(((np.asarray(X) - np.asarray(centers)[np.asarray(labels)]) ** 2).sum())


def _objective_cases():
    X = np.array([[0.0, 0.0], [1.0, 0.0], [4.0, 4.0], [5.0, 3.0]])
    C = np.array([[0.5, 0.0], [4.5, 3.5]])
    cases = [Case((X, np.array([0, 0, 1, 1]), C), label="4 points, each with its nearest center"),
             Case((X, np.array([1, 0, 1, 0]), C),
                  label="4 points with labels that are NOT the nearest centers")]
    for seed, (N, D, K) in enumerate([(15, 2, 3), (9, 3, 4)]):
        rng = np.random.default_rng(20 + seed)
        cases.append(Case((rng.normal(size=(N, D)) * 2, rng.integers(0, K, size=N),
                           rng.normal(size=(K, D))),
                          label=f"{N} random points in D = {D}, K = {K}, random labels"))
    return [Case(c.args, _ref_objective(*c.args), label=c.label) for c in cases]


def _lloyd_certificate(kmeans_objective):
    """Run Lloyd's algorithm and evaluate the student's J after every half-step.

    Returns None if J never increases and a change of labels always lowers J strictly, else
    a message naming the step that broke it.
    """
    for seed in range(3):
        rng = np.random.default_rng(40 + seed)
        X = np.concatenate([rng.normal(size=(10, 2)) + shift for shift in ((0, 0), (4, 1), (1, 5))])
        centers = X[rng.choice(len(X), size=3, replace=False)]
        labels = hard_e_step(X, centers)
        J = float(kmeans_objective(X, labels, centers))
        for it in range(1, 3 ** len(X)):
            centers = hard_m_step(X, labels, centers)
            J_update = float(kmeans_objective(X, labels, centers))
            new_labels = hard_e_step(X, centers)
            J_assign = float(kmeans_objective(X, new_labels, centers))
            if J_update > J + 1e-9 * max(1.0, J) or J_assign > J_update + 1e-9 * max(1.0, J):
                return (f"on Lloyd run {seed}, iteration {it}, your J went up "
                        f"({J:.6g} -> {J_update:.6g} -> {J_assign:.6g}).")
            if np.array_equal(new_labels, labels):
                break
            labels, J = new_labels, J_assign
    return None


def check_kmeans_objective(kmeans_objective):
    """Check ``kmeans_objective(X, labels, centers) -> float``, the k-means objective J.

    Introduced in the chapter *Hard assignments: k-means* (derivation exercise: why Lloyd's
    algorithm terminates). J = Σ_n ‖x_n − μ_{labels[n]}‖² for *any* labels, not only the
    nearest ones. When the values are right, the checker runs Lloyd's algorithm
    (:func:`lecture_code.mixture.hard_e_step`, :func:`~lecture_code.mixture.hard_m_step`) and
    checks with your J that neither half-step increases it.

    A wrong attempt and the feedback it gets (the first lines):

    >>> def kmeans_objective(X, labels, centers):
    ...     d = ((X[:, None, :] - centers[None]) ** 2).sum(axis=2)
    ...     return d.min(axis=1).sum()
    >>> print(check_kmeans_objective(kmeans_objective))  # doctest: +ELLIPSIS
    [FAIL] kmeans_objective: ...
        Hint: you measured each point to its nearest center, ignoring the labels...
    """
    cases = _objective_cases()
    cases.append(Case((), None, label="Lloyd's algorithm evaluated with your J"))

    def run(*args):
        if not args:
            return _lloyd_certificate(kmeans_objective)
        return kmeans_objective(*args)

    def compare(case, got):
        if not case.args:
            return got   # the certificate: None, or what went wrong
        from lecture_code.exercises.core import compare_values
        return compare_values(got, case.expected, rtol=1e-10, atol=1e-12)

    return check(run, cases, name="kmeans_objective", compare=compare,
                 diagnose=_diagnose_objective,
                 hint="J adds, over all points, the squared distance from x_n to the center "
                      "of its own cluster, centers[labels[n]]: index the centers with the "
                      "labels, subtract, square, sum.")


def _diagnose_objective(case, got):
    if not case.args:
        return None
    X, labels, centers = case.args
    try:
        got = float(got)
    except (TypeError, ValueError):
        return None
    d = _sq_dists(X, centers)
    own = d[np.arange(len(X)), labels]
    for wrong, message in (
            (d.min(axis=1).sum(), "you measured each point to its nearest center, ignoring "
                                  "the labels. The termination argument needs J(labels, "
                                  "centers) for any labels: the assignment step is what "
                                  "makes them the nearest."),
            (np.sqrt(own).sum(), "you summed distances ‖x_n − μ‖; J sums their squares "
                                 "(the mean minimises squared distances, not distances)."),
            (own.mean(), "you averaged over the points; J is the sum."),
            (d.sum(), "you summed the distances to every center; each point counts only with "
                      "its own center.")):
        if np.isclose(got, wrong, rtol=1e-10) and not np.isclose(wrong, case.expected):
            return message
    return None
