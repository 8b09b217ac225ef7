"""Checkers for the exercises of the chapter *Mixtures in practice with scikit-learn*.

Introduced in the chapter *Mixtures in practice with scikit-learn*: counting the free
parameters of a mixture (``check_n_parameters``), the BIC by hand from ``score()``
(``check_bic_by_hand``) and choosing the number of components with the BIC
(``check_select_k``).

Each checker runs the student's function on a few inputs and compares with the library: the
parameter count with the one implied by :meth:`lecture_code.mixture.GaussianMixture.bic`, the
BIC with ``model.bic(X)``, the chosen K with the known number of clusters of synthetic data.
It never raises because of the student's code; typical mistakes (K weights instead of K − 1,
D² entries for a symmetric matrix, the mean log-likelihood used as the total, AIC's 2p
instead of p log N, the highest BIC instead of the lowest) get their own hint.

Example
-------
>>> def n_parameters(n_components, n_features, covariance_type):
...     raise NotImplementedError("Exercise: count the parameters")
>>> "not implemented yet" in str(check_n_parameters(n_parameters))
True
"""
from __future__ import annotations

import numbers
from functools import lru_cache

import numpy as np

from lecture_code.datasets import make_mixture
from lecture_code.exercises.core import Case, check
from lecture_code.mixture import GaussianMixture

__all__ = ["check_n_parameters", "check_bic_by_hand", "check_select_k", "SELECT_K_SETTINGS"]

#: How ``select_k`` must fit each candidate (the checker's reference uses the same settings).
SELECT_K_SETTINGS = {"covariance_type": "full", "n_init": 2, "random_state": 0}


# ---------------------------------------------------------------------------------------
# Test data: well-separated synthetic mixtures with a known number of clusters
# ---------------------------------------------------------------------------------------
@lru_cache(maxsize=None)
def _blobs(seed: int, n_clusters: int, n_features: int, n_samples: int = 300,
           spread: float = 8.0):
    rng = np.random.default_rng(seed)
    means = rng.uniform(-spread, spread, size=(n_clusters, n_features))
    covs = []
    for _ in range(n_clusters):
        A = 0.5 * rng.normal(size=(n_features, n_features))
        covs.append(A @ A.T + 0.3 * np.eye(n_features))
    weights = rng.dirichlet(np.full(n_clusters, 5.0))
    X, _ = make_mixture(n_samples, means, np.array(covs), weights, random_state=seed)
    X.setflags(write=False)
    return X


# ---------------------------------------------------------------------------------------
# Counting parameters
# ---------------------------------------------------------------------------------------
@lru_cache(maxsize=None)
def _library_n_parameters(n_components: int, n_features: int, covariance_type: str) -> int:
    """The count the library's BIC uses: p = (BIC + 2 log L) / log N for a fitted model."""
    X = np.array(_blobs(100 + n_components * 10 + n_features, n_components, n_features))
    gm = GaussianMixture(n_components, covariance_type=covariance_type, max_iter=500,
                         random_state=0).fit(X)
    n = len(X)
    return int(round((gm.bic(X) + 2 * n * gm.score(X)) / np.log(n)))


_COUNT_CASES = [(2, 2, "full"), (2, 2, "tied"), (2, 2, "diag"), (2, 2, "spherical"),
                (3, 4, "full"), (3, 4, "tied"), (4, 3, "diag"), (4, 3, "spherical"),
                (1, 1, "full")]


def _diagnose_count(case, got):
    K, D, ct = case.args
    if not isinstance(got, (numbers.Number, np.number)):
        return None
    extra = got - case.expected
    per_cov = {"full": D * (D + 1) // 2, "tied": D * (D + 1) // 2, "diag": D, "spherical": 1}
    if extra == 1:
        return "one too many: the K weights sum to 1, so only K − 1 of them are free."
    if extra == -(K - 1) and K > 1:
        return "the weights are missing: they add K − 1 free parameters."
    if extra == -K * D:
        return "the means are missing: each of the K components has a D-dimensional mean."
    if ct in ("full", "tied") and extra == (K if ct == "full" else 1) * D * (D - 1) // 2 \
            and D > 1:
        return ("a covariance matrix is symmetric: only the D(D + 1)/2 entries on and above "
                "the diagonal are free, not all D².")
    if ct == "tied" and extra == (K - 1) * per_cov["tied"] and K > 1:
        return "'tied' means ONE covariance matrix shared by all K components, not K of them."
    if ct == "spherical" and extra == K * (D - 1) and D > 1:
        return "'spherical' has one variance per component (Σₖ = σₖ² I), not one per feature."
    if ct == "diag" and extra == K * D * (D - 1) // 2 and D > 1:
        return "'diag' has D variances per component and no covariances between features."
    return None


def check_n_parameters(n_parameters):
    """Check ``n_parameters(n_components, n_features, covariance_type) -> int``.

    Introduced in the chapter *Mixtures in practice with scikit-learn*. The expected count is
    the one the library's BIC uses (recovered from ``bic`` and ``score`` of a fitted model).

    A wrong attempt and the feedback it gets (the first lines):

    >>> def n_parameters(K, D, covariance_type):
    ...     return K * D * D
    >>> print(check_n_parameters(n_parameters))  # doctest: +ELLIPSIS
    [FAIL] n_parameters: 8 of 9 cases fail.
      - K = 2, D = 2, covariance_type = 'full': returned 8, expected 11....
    """
    cases = [Case((K, D, ct), _library_n_parameters(K, D, ct),
                  label=f"K = {K}, D = {D}, covariance_type = {ct!r}")
             for K, D, ct in _COUNT_CASES]
    return check(n_parameters, cases, name="n_parameters", rtol=0, atol=0,
                 diagnose=_diagnose_count,
                 hint="count three groups: K − 1 free weights, K·D mean entries, and the "
                      "covariance entries of the type (full: K·D(D+1)/2, tied: D(D+1)/2, "
                      "diag: K·D, spherical: K).")


# ---------------------------------------------------------------------------------------
# BIC by hand
# ---------------------------------------------------------------------------------------
@lru_cache(maxsize=None)
def _bic_models():
    from lecture_code.datasets import load_faithful
    faithful = load_faithful()
    faithful.setflags(write=False)
    specs = [(faithful, 2, "full", "Old Faithful, K = 2, full"),
             (faithful, 3, "spherical", "Old Faithful, K = 3, spherical"),
             (_blobs(7, 3, 2), 3, "tied", "300 synthetic points, K = 3, tied"),
             (_blobs(3, 4, 3), 2, "diag", "300 synthetic points in D = 3, K = 2, diag")]
    out = []
    for X, K, ct, label in specs:
        gm = GaussianMixture(K, covariance_type=ct, n_init=2, max_iter=500,
                             random_state=0).fit(X)
        out.append((gm, X, label))
    return out


def _diagnose_bic(case, got):
    model, X = case.args
    try:
        got = float(got)
    except (TypeError, ValueError):
        return None
    n = len(X)
    mean_ll = model.score(X)
    p = (model.bic(X) + 2 * n * mean_ll) / np.log(n)

    def close(value):
        return abs(got - value) <= 1e-6 * max(1.0, abs(value))

    if close(model.aic(X)):
        return "that is the AIC (penalty 2p); the BIC's penalty is p·log N."
    if close(-2 * mean_ll + p * np.log(n)):
        return ("score(X) is the MEAN log-likelihood per point: multiply it by N to get the "
                "total log-likelihood log L.")
    if close(2 * n * mean_ll - p * np.log(n)):
        return "the sign is flipped: BIC = −2 log L + p log N (lower is better)."
    if close(-2 * n * mean_ll + p * np.log10(n)):
        return "use the natural logarithm np.log(N), not log10."
    if close(-n * mean_ll + p * np.log(n)) or close(-n * mean_ll + 0.5 * p * np.log(n)):
        return "the factor 2 is missing: BIC = −2 log L + p log N."
    for wrong in (p + 1, p - 1):
        if close(-2 * n * mean_ll + wrong * np.log(n)):
            return (f"your parameter count is {int(round(wrong))}, the model has "
                    f"{int(round(p))} free parameters (weights: K − 1).")
    return None


def check_bic_by_hand(bic_by_hand):
    """Check ``bic_by_hand(model, X) -> float`` against the library's ``model.bic(X)``.

    Introduced in the chapter *Mixtures in practice with scikit-learn*. ``model`` is a fitted
    Gaussian mixture (scikit-learn's API: ``score``, ``means_``, ``covariance_type``).

    A wrong attempt and the feedback it gets (the first lines):

    >>> def bic_by_hand(model, X):
    ...     return -2 * model.score(X)
    >>> print(check_bic_by_hand(bic_by_hand))  # doctest: +ELLIPSIS
    [FAIL] bic_by_hand: 4 of 4 cases fail.
      - Old Faithful, K = 2, full: returned 8.310765189480124, expected 2322.1919542678497....
    """
    cases = [Case((gm, X), gm.bic(X), label=label) for gm, X, label in _bic_models()]
    return check(bic_by_hand, cases, name="bic_by_hand", rtol=1e-9, atol=1e-6,
                 diagnose=_diagnose_bic,
                 hint="model.score is the MEAN log-likelihood per point; the BIC needs the total "
                      "log-likelihood, times −2, plus a penalty of log N per free parameter.")


# ---------------------------------------------------------------------------------------
# Choosing K
# ---------------------------------------------------------------------------------------
_SELECT_CASES = [(6, 3, 2, "300 points in 2-D"), (3, 4, 3, "300 points in 3-D"),
                 (4, 2, 1, "300 points in 1-D")]
_K_VALUES = (1, 2, 3, 4, 5, 6)


def _select_label(n_clusters, text):
    return f"{text} from {n_clusters} clusters"


# The compare function sees a case by its label: map it back to the data set's recipe.
_SELECT_BY_LABEL = {_select_label(K, text): (seed, K, D) for seed, K, D, text in _SELECT_CASES}


@lru_cache(maxsize=None)
def _reference_bics(seed, n_clusters, n_features):
    X = np.array(_blobs(seed, n_clusters, n_features))
    return tuple(GaussianMixture(k, **SELECT_K_SETTINGS).fit(X).bic(X) for k in _K_VALUES)


def _compare_select(case, got):
    X, k_values = case.args
    true_k = case.expected
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return (f"return a pair (best_k, bics), got {type(got).__name__}"
                + (f" of length {len(got)}" if isinstance(got, (tuple, list)) else "") + ".")
    best_k, bics = got
    try:
        bics = np.asarray(bics, dtype=float)
    except (TypeError, ValueError):
        return f"bics should be a list of numbers, got {type(got[1]).__name__}."
    if bics.shape != (len(k_values),):
        return (f"bics should hold one BIC per candidate K ({len(k_values)} values for "
                f"k_values = {list(k_values)}), got shape {bics.shape}.")
    if not np.all(np.isfinite(bics)):
        return f"bics contains NaN or inf: {bics.round(2).tolist()}."
    if not isinstance(best_k, (numbers.Integral, np.integer)) or isinstance(best_k, bool):
        return f"best_k should be an integer number of components, got {best_k!r}."
    lowest = int(k_values[int(np.argmin(bics))])
    if int(best_k) != lowest:
        if int(best_k) == int(k_values[int(np.argmax(bics))]):
            return (f"best_k = {best_k} has the HIGHEST BIC; lower is better, so pick "
                    f"K = {lowest}.")
        return (f"best_k = {best_k}, but the lowest of your BIC values is at K = {lowest}: "
                "choose the K with the smallest BIC.")
    ref = _reference_bics(*_SELECT_BY_LABEL[case.label])
    i = list(k_values).index(true_k)
    if abs(bics[i] - ref[i]) > 2.0 + 1e-3 * abs(ref[i]):
        return (f"your BIC for K = {true_k} is {bics[i]:.2f}, expected about {ref[i]:.2f} "
                f"(GaussianMixture(K, covariance_type='full', n_init=2, random_state=0)).")
    if int(best_k) != true_k:
        return (f"best_k = {best_k}, but these data have {true_k} clusters (your BIC values: "
                f"{bics.round(1).tolist()}).")
    return None


def _diagnose_select(case, got):
    X, k_values = case.args
    try:
        bics = np.asarray(got[1], dtype=float)
    except (TypeError, ValueError, IndexError, KeyError):
        return None
    if bics.shape != (len(k_values),):
        return None
    n = len(X)
    models = [GaussianMixture(k, **SELECT_K_SETTINGS).fit(X) for k in k_values]
    aic = np.array([m.aic(X) for m in models])
    loglik = np.array([m.score(X) * n for m in models])
    if np.allclose(bics, aic, rtol=1e-3, atol=2.0):
        return "these are AIC values (penalty 2p): use model.bic(X)."
    if np.allclose(bics, -2 * loglik, rtol=1e-3, atol=2.0) or \
            np.allclose(bics, loglik, rtol=1e-3, atol=2.0):
        return ("these are (−2×) log-likelihoods without a penalty: they always improve with "
                "more components. Use model.bic(X).")
    return None


def check_select_k(select_k):
    """Check ``select_k(X, k_values) -> (best_k, bics)`` on data with a known number of clusters.

    Introduced in the chapter *Mixtures in practice with scikit-learn*. For each K in
    ``k_values`` the student fits ``GaussianMixture(K, covariance_type="full", n_init=2,
    random_state=0)`` (scikit-learn's or the book's), records its BIC, and returns the K with
    the lowest BIC together with the list of BIC values (the numerical justification).

    A wrong attempt and the feedback it gets (the first lines):

    >>> def select_k(X, k_values):
    ...     return k_values[0], []
    >>> print(check_select_k(select_k))  # doctest: +ELLIPSIS
    [FAIL] select_k: 3 of 3 cases fail.
      - 300 points in 2-D from 3 clusters: bics should hold one BIC per candidate K (6 values for k_values = [1, 2, 3, 4, 5, 6]), got shape (0,)....
    """
    cases = []
    for seed, K, D, label in _SELECT_CASES:
        cases.append(Case((np.array(_blobs(seed, K, D)), list(_K_VALUES)), K,
                          label=_select_label(K, label)))
    return check(select_k, cases, name="select_k", compare=_compare_select,
                 diagnose=_diagnose_select,
                 hint="fit one mixture for each K in the range, compare an information criterion "
                      "that penalises parameters, and keep the best K.")
