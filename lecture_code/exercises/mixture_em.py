"""Checkers for the exercises of the chapter *The EM algorithm*.

Introduced in the chapter *The EM algorithm*: ``check_e_step`` (responsibilities and the
log-likelihood, in log space), ``check_m_step`` (weights, means and covariances from
responsibilities), ``check_covariance_update`` (the derived M-step for one covariance),
``check_means_only_step`` (one iteration of the lecture's 1-D means-only EM) and
``check_run_em`` (the EM loop, whose log-likelihood never decreases).

Each checker compares the student's function with the reference steps of
:mod:`lecture_code.mixture` (``e_step``, ``m_step``, ``means_only_em``) and says *which*
output is wrong and how: responsibilities whose rows do not sum to 1 or that are transposed,
weights that do not sum to 1, means that were not divided by the soft counts, covariances that
are not symmetric or divide by N instead of N_k, a log-likelihood that is a mean instead of a
sum, NaN from densities that underflowed. It never raises because of the student's code.

Example
-------
>>> def e_step(X, weights, means, covs):
...     raise NotImplementedError("Exercise: implement e_step")
>>> result = check_e_step(e_step)
>>> bool(result), "not implemented yet" in str(result)
(False, True)
"""
from __future__ import annotations

import numpy as np

from lecture_code.exercises.core import Case, as_float_array, check, compare_values
from lecture_code.exercises.mixture_basics import _ref_e_step
from lecture_code.mixture import m_step, means_only_em

__all__ = ["check_e_step", "check_m_step", "check_covariance_update", "check_means_only_step",
           "check_run_em"]


# ---------------------------------------------------------------------------------------
# Reference solutions (built on lecture_code.mixture) and test inputs
# ---------------------------------------------------------------------------------------
def _ref_m_step(X, resp):
    """(weights, means, covs) from lecture_code.mixture.m_step, full, no regularisation."""
    return m_step(np.asarray(X, dtype=float), np.asarray(resp, dtype=float), 0.0, "full")


def _ref_means_only_step(x, mu, sigma):
    return means_only_em(x, mu, n_iter=1, sigma=sigma)["means"][1]


def _ref_run_em(X, weights, means, covs, n_iter):
    logliks = []
    for _ in range(n_iter):
        resp, ll = _ref_e_step(X, weights, means, covs)
        logliks.append(ll)
        weights, means, covs = _ref_m_step(X, resp)
    return weights, means, covs, np.array(logliks)


def _spd(rng, D, scale=1.0):
    A = rng.normal(size=(D, D))
    return scale * (A @ A.T + 0.5 * np.eye(D))


def _mixture_case(seed, N, D, K, far=False):
    rng = np.random.default_rng(seed)
    weights = rng.dirichlet(np.full(K, 3.0))
    means = rng.normal(scale=3.0, size=(K, D))
    covs = np.array([_spd(rng, D, 0.5) for _ in range(K)])
    X = rng.normal(scale=3.0, size=(N, D))
    if far:
        X[:2] = 60.0  # every density underflows to 0 here: needs log space
    return X, weights, means, covs


def _pair(got, names):
    """None if ``got`` is a tuple/list of len(names), else a message naming the outputs."""
    n = len(names)
    if isinstance(got, (tuple, list)) and len(got) == n:
        return None
    what = f"{type(got).__name__}" + (f" of length {len(got)}" if isinstance(got, (tuple, list))
                                      else "")
    return f"return {n} things, ({', '.join(names)}); got {what}."


# ---------------------------------------------------------------------------------------
# The E-step
# ---------------------------------------------------------------------------------------
def _e_step_cases():
    cases = []
    for seed, (N, D, K, far) in enumerate([(6, 2, 2, False), (8, 2, 3, False),
                                           (5, 3, 2, False), (7, 1, 3, False),
                                           (6, 2, 3, True)]):
        X, w, m, c = _mixture_case(60 + seed, N, D, K, far)
        label = f"N = {N}, D = {D}, K = {K}" + (" (two points far from every component)"
                                                if far else "")
        hint = ("far from every component each density exp(log N) underflows to 0, so the "
                "ratio is 0/0 = NaN and log(0) = -inf: keep the log-joint "
                "log π_k + log N(x_n | μ_k, Σ_k) and normalise with logsumexp over k.") \
            if far else None
        cases.append(Case((X, w, m, c), _ref_e_step(X, w, m, c), label=label, hint=hint))
    return cases


def check_e_step(e_step_fn):
    """Check ``e_step(X, weights, means, covs) -> (resp, loglik)``.

    Introduced in the chapter *The EM algorithm*. ``resp`` is the ``(N, K)`` matrix of
    responsibilities γ_nk = π_k N(x_n | μ_k, Σ_k) / Σ_j π_j N(x_n | μ_j, Σ_j) and ``loglik``
    the total log-likelihood Σ_n log Σ_k π_k N(x_n | μ_k, Σ_k), both computed in log space
    (one case has points so far away that every density underflows to 0).

    A wrong attempt and the feedback it gets (the first lines):

    >>> def e_step(X, weights, means, covs):
    ...     K = len(weights)
    ...     return np.full((len(X), K), 1 / K), 0.0
    >>> print(check_e_step(e_step))  # doctest: +ELLIPSIS
    [FAIL] e_step: 5 of 5 cases fail.
      - N = 6, D = 2, K = 2: resp: returned [[0.5 0.5]...
    """
    return check(e_step_fn, _e_step_cases(), name="e_step", compare=_compare_e_step,
                 hint="compute the joint log-densities log π_k + log N(x_n | μ_k, Σ_k) for all (n,"
                      " k), normalise each row in log space; the log-likelihood is the sum of the "
                      "row normalisers.")


def _compare_e_step(case, got):
    message = _pair(got, ["resp", "loglik"])
    if message:
        return message
    resp, ll = got
    X, w, m, c = case.args
    ref_resp, ref_ll = case.expected
    R = as_float_array(resp)
    if R is None:
        return f"resp should be an array of numbers, got {type(resp).__name__}."
    if R.shape != ref_resp.shape:
        if R.shape == ref_resp.T.shape:
            return (f"resp has shape {R.shape}, the transpose of the expected {ref_resp.shape}: "
                    "return one row per point and one column per component.")
        return f"resp has shape {R.shape}, expected (N, K) = {ref_resp.shape}."
    if not np.all(np.isfinite(R)):
        return ("resp contains NaN or inf: the densities underflowed to 0 (0/0). Work with "
                "logs: subtract logsumexp over the components instead of dividing by a sum.")
    rows = R.sum(axis=1)
    if not np.allclose(rows, 1.0, atol=1e-8):
        return (f"the rows of resp sum to {np.round(rows[:4], 4).tolist()}…, not 1: each row is "
                "a distribution over the components, so normalise over k (axis=1).")
    message = compare_values(R, ref_resp, rtol=1e-6, atol=1e-9, what="resp")
    if message:
        unweighted, _ = _ref_e_step(X, np.full(len(w), 1 / len(w)), m, c)
        if np.allclose(R, unweighted, atol=1e-9) and not np.allclose(w, w[0]):
            return message + " The weights π_k are missing: add log π_k to the log-densities."
        return message
    L = as_float_array(ll)
    if L is None or L.size != 1:
        return ("loglik should be a single number (the sum over all points), got "
                f"{type(ll).__name__}" + (f" of shape {L.shape}" if L is not None else "") + ".")
    L = float(L.reshape(()))
    message = compare_values(L, float(ref_ll), rtol=1e-8, atol=1e-8, what="loglik")
    if message:
        if np.isclose(L, ref_ll / len(X), rtol=1e-8):
            return message + " That is the mean over the points; the log-likelihood is the sum."
        if not np.isfinite(L):
            return message + (" A density underflowed: use logsumexp over k, not "
                              "log(sum(exp(...))).")
    return message


# ---------------------------------------------------------------------------------------
# The M-step
# ---------------------------------------------------------------------------------------
def _m_step_cases():
    cases = []
    for seed, (N, D, K, kind) in enumerate([(8, 2, 2, "soft"), (12, 2, 3, "soft"),
                                            (10, 3, 2, "soft"), (9, 2, 3, "one-hot")]):
        rng = np.random.default_rng(70 + seed)
        X = rng.normal(scale=2.0, size=(N, D)) + np.arange(D)
        if kind == "soft":
            resp = rng.dirichlet(np.full(K, 1.5), size=N)
            label = f"N = {N}, D = {D}, K = {K}, soft responsibilities"
        else:
            resp = np.eye(K)[np.arange(N) % K]
            label = f"N = {N}, D = {D}, K = {K}, 0/1 responsibilities (known labels)"
        cases.append(Case((X, resp), _ref_m_step(X, resp), label=label))
    return cases


def check_m_step(m_step_fn):
    """Check ``m_step(X, resp) -> (weights, means, covs)`` with full covariances.

    Introduced in the chapter *The EM algorithm*: N_k = Σ_n γ_nk, π_k = N_k / N,
    μ_k = Σ_n γ_nk x_n / N_k, Σ_k = Σ_n γ_nk (x_n − μ_k)(x_n − μ_k)ᵀ / N_k; shapes (K,),
    (K, D), (K, D, D).

    A wrong attempt and the feedback it gets (the first lines):

    >>> def m_step(X, resp):
    ...     K, D = resp.shape[1], X.shape[1]
    ...     return np.full(K, 1 / K), np.zeros((K, D)), np.array([np.eye(D)] * K)
    >>> print(check_m_step(m_step))  # doctest: +ELLIPSIS
    [FAIL] m_step: 4 of 4 cases fail.
      - N = 8, D = 2, K = 2, soft responsibilities: weights: returned [0.5 0.5], expected [0.399148 0.600852] (largest difference 0.101 at index (0,)). π_k = N_k / N with N_k = Σ_n γ_nk (the column sums of resp)....
    """
    return check(m_step_fn, _m_step_cases(), name="m_step", compare=_compare_m_step,
                 hint="start from the soft counts N_k (column sums of resp); the weights, means "
                      "and covariances are the supervised estimates with every point counted with "
                      "weight γ_nk.")


def _compare_m_step(case, got):
    message = _pair(got, ["weights", "means", "covs"])
    if message:
        return message
    X, resp = case.args
    N, D = X.shape
    K = resp.shape[1]
    ref_w, ref_m, ref_c = case.expected
    nk = resp.sum(axis=0)
    arrays = [as_float_array(a) for a in got]
    for name, a, v in zip(["weights", "means", "covs"], arrays, got):
        if a is None:
            return f"{name} should be an array of numbers, got {type(v).__name__}."
    w, mu, cov = arrays
    # weights
    if w.shape != (K,):
        return f"weights has shape {w.shape}, expected (K,) = {(K,)}."
    if not np.all(np.isfinite(w)):
        return f"weights contains NaN or inf: {w}."
    if not np.isclose(w.sum(), 1.0, atol=1e-8):
        extra = (" They are the soft counts N_k: divide by N." if np.allclose(w, nk)
                 else " Divide the soft counts N_k = Σ_n γ_nk by N.")
        return f"the weights sum to {w.sum():.6g}, not 1.{extra}"
    message = compare_values(w, ref_w, rtol=1e-7, atol=1e-10, what="weights")
    if message:
        return message + " π_k = N_k / N with N_k = Σ_n γ_nk (the column sums of resp)."
    # means
    if mu.shape != (K, D):
        if mu.shape == (D, K):
            return (f"means has shape {mu.shape}, the transpose of (K, D) = {(K, D)}: one row "
                    "per component.")
        return f"means has shape {mu.shape}, expected (K, D) = {(K, D)}."
    message = compare_values(mu, ref_m, rtol=1e-7, atol=1e-10, what="means")
    if message:
        if np.allclose(mu, resp.T @ X):
            return message + " These are the weighted sums Σ_n γ_nk x_n: divide by N_k."
        if np.allclose(mu, resp.T @ X / N):
            return message + " You divided by N; divide component k's sum by N_k."
        if np.allclose(mu, np.broadcast_to(X.mean(axis=0), (K, D))):
            return message + " Every mean is the plain average: weight each point by γ_nk."
        return message
    # covariances
    if cov.shape != (K, D, D):
        if cov.shape == (D, D, K):
            return (f"covs has shape {cov.shape}; stack the matrices along the first axis: "
                    f"(K, D, D) = {(K, D, D)} (np.array([... for k in range(K)])).")
        return f"covs has shape {cov.shape}, expected (K, D, D) = {(K, D, D)}."
    if not np.all(np.isfinite(cov)):
        return "covs contains NaN or inf."
    asym = np.abs(cov - cov.transpose(0, 2, 1)).max()
    if asym > 1e-8 * max(1.0, np.abs(cov).max()):
        return (f"the covariances are not symmetric (largest |Σ - Σᵀ| = {asym:.3g}): use the "
                "outer products (x_n - μ_k)(x_n - μ_k)ᵀ, with the same vector, centred on the "
                "*new* mean μ_k, on both sides.")
    message = compare_values(cov, ref_c, rtol=1e-7, atol=1e-10, what="covs")
    if message:
        return message + _diagnose_covs(X, resp, ref_m, cov, ref_c, nk)
    return None


def _diagnose_covs(X, resp, means, cov, ref_c, nk):
    N, D = X.shape
    K = len(nk)
    if np.allclose(cov, ref_c * nk[:, None, None] / N):
        return " You divided by N; divide component k's scatter by N_k."
    if np.allclose(cov, ref_c * nk[:, None, None]):
        return " Divide the weighted scatter Σ_n γ_nk (x_n - μ_k)(x_n - μ_k)ᵀ by N_k."
    if np.all(nk > 1) and np.allclose(cov, ref_c * (nk / (nk - 1))[:, None, None]):
        return " You divided by N_k - 1; the maximum-likelihood estimate divides by N_k."
    unweighted = np.array([(X - means[k]).T @ (X - means[k]) / N for k in range(K)])
    if np.allclose(cov, unweighted):
        return " The outer products must be weighted by the responsibilities γ_nk."
    squared = np.array([(resp[:, k] ** 2 * (X - means[k]).T) @ (X - means[k]) / nk[k]
                        for k in range(K)])
    if np.allclose(cov, squared):
        return (" γ_nk is squared: weight each outer product by γ_nk once, not both of its "
                "factors.")
    diag = np.einsum("kii->ki", ref_c)
    if np.allclose(cov, diag[:, :, None] * np.eye(D)):
        return " Only the diagonal is right: a full covariance has off-diagonal terms too."
    return ""


# ---------------------------------------------------------------------------------------
# The lecture's means-only EM
# ---------------------------------------------------------------------------------------
def check_means_only_step(means_only_step):
    """Check ``means_only_step(x, mu, sigma) -> array([μ₁, μ₂])``, one EM iteration.

    Introduced in the chapter *The EM algorithm*: the lecture's model, 1-D data, K = 2, known
    σ, equal weights ½. E-step γ_n1 = N(x_n|μ₁,σ²) / (N(x_n|μ₁,σ²) + N(x_n|μ₂,σ²)),
    γ_n2 = 1 − γ_n1; M-step μ_k = Σ_n γ_nk x_n / Σ_n γ_nk.

    A wrong attempt and the feedback it gets (the first lines):

    >>> def means_only_step(x, mu, sigma):
    ...     return mu
    >>> print(check_means_only_step(means_only_step))  # doctest: +ELLIPSIS
    [FAIL] means_only_step: 4 of 4 cases fail.
      - 60 points, μ = (-0.5, 0.5), σ = 1: returned [-0.5  0.5], expected [-1.672605  1.732355] (largest difference 1.23 at index (1,))....
    """
    rng = np.random.default_rng(80)
    x = np.concatenate([rng.normal(-2.0, 1.0, 30), rng.normal(2.0, 1.0, 30)])
    x_far = np.concatenate([x, [45.0, -45.0]])
    cases = []
    for data, mu, sigma, label, hint in [
            (x, (-0.5, 0.5), 1.0, "60 points, μ = (-0.5, 0.5), σ = 1", None),
            (x, (1.0, -3.0), 1.0, "60 points, μ = (1, -3), σ = 1", None),
            (x, (0.0, 0.2), 2.0, "60 points, μ = (0, 0.2), σ = 2",
             "σ is a parameter: the densities are exp(-(x - μ)² / (2σ²))."),
            (x_far, (-1.0, 1.0), 1.0, "62 points, two of them at ±45 (densities underflow)",
             "at x = 45 both densities underflow to 0 and the ratio is 0/0: compute "
             "γ from the log-densities, e.g. with np.logaddexp or scipy.special.logsumexp.")]:
        mu = np.array(mu)
        cases.append(Case((data, mu, sigma), _ref_means_only_step(data, mu, sigma),
                          label=label, hint=hint))
    return check(means_only_step, cases, name="means_only_step", rtol=1e-8, atol=1e-10,
                 diagnose=_diagnose_means_only,
                 hint="the responsibilities are a two-component Bayes rule with equal weights (a "
                      "logistic function of the difference of the two exponents); each new mean is"
                      " the responsibility-weighted average of the data.")


def _diagnose_means_only(case, got):
    x, mu, sigma = case.args
    got = as_float_array(got)
    if got is None or got.shape != (2,):
        return None
    ref = np.asarray(case.expected)
    if np.allclose(got, ref[::-1]):
        return "the two means are swapped: return [μ₁, μ₂] in the order of the input."
    d = -0.5 * ((x[:, None] - mu) / sigma) ** 2
    r = np.exp(d - np.logaddexp(d[:, :1], d[:, 1:]))
    if np.allclose(got, (r * x[:, None]).sum(axis=0)):
        return "these are Σ_n γ_nk x_n: divide by Σ_n γ_nk."
    if np.allclose(got, (r * x[:, None]).mean(axis=0)):
        return "you divided by N; divide by Σ_n γ_nk, the soft count of component k."
    hard = np.eye(2)[np.argmax(d, axis=1)]
    if np.all(hard.sum(0) > 0) and np.allclose(got, (hard * x[:, None]).sum(0) / hard.sum(0)):
        return ("these are hard assignments (k-means): weight every point by its soft "
                "responsibility instead.")
    return None


# ---------------------------------------------------------------------------------------
# The EM loop
# ---------------------------------------------------------------------------------------
def check_run_em(run_em):
    """Check ``run_em(X, weights, means, covs, n_iter) -> (weights, means, covs, logliks)``.

    Introduced in the chapter *The EM algorithm*. ``logliks`` has ``n_iter`` entries: the
    log-likelihood computed by each E-step, before its M-step. The checker also says when the
    curve goes down, which EM never does.

    A wrong attempt and the feedback it gets (the first lines):

    >>> def run_em(X, weights, means, covs, n_iter):
    ...     return weights, means, covs, np.zeros(n_iter)
    >>> print(check_run_em(run_em))  # doctest: +ELLIPSIS
    [FAIL] run_em: 3 of 3 cases fail.
      - N = 40, K = 2, 1 iteration(s): means: returned [[ 9.014787 -0.711973]...
    """
    cases = []
    for seed, (N, K, n_iter) in enumerate([(40, 2, 1), (40, 2, 5), (60, 3, 12)]):
        rng = np.random.default_rng(90 + seed)
        centres = rng.normal(scale=4.0, size=(K, 2))
        X = np.vstack([c + rng.normal(size=(N // K, 2)) for c in centres])
        w0 = np.full(K, 1.0 / K)
        m0 = X[rng.choice(len(X), K, replace=False)]
        c0 = np.array([np.eye(2)] * K)
        cases.append(Case((X, w0, m0, c0, n_iter), _ref_run_em(X, w0, m0, c0, n_iter),
                          label=f"N = {len(X)}, K = {K}, {n_iter} iteration(s)"))
    return check(run_em, cases, name="run_em", compare=_compare_run_em,
                 hint="alternate your E-step and M-step n_iter times, recording the log-likelihood"
                      " that each E-step computes before its M-step.")


def _compare_run_em(case, got):
    message = _pair(got, ["weights", "means", "covs", "logliks"])
    if message:
        return message
    n_iter = case.args[-1]
    lls = as_float_array(got[3])
    if lls is None or lls.ndim != 1:
        return "logliks should be a 1-D array (or list) with one number per iteration."
    if len(lls) != n_iter:
        return (f"logliks has {len(lls)} entries for n_iter = {n_iter}: record one "
                "log-likelihood per iteration, from its E-step.")
    if not np.all(np.isfinite(lls)):
        return "logliks contains NaN or inf."
    if np.any(np.diff(lls) < -1e-8):
        i = int(np.argmax(np.diff(lls) < -1e-8))
        return (f"the log-likelihood went down from iteration {i} to {i + 1} "
                f"({lls[i]:.6f} → {lls[i + 1]:.6f}); EM never does that: there is a bug "
                "in a step (check that the M-step uses the new responsibilities).")
    names = ["weights", "means", "covs", "logliks"]
    for name, g, e in zip(names, got, case.expected):
        message = compare_values(as_float_array(g), e, rtol=1e-6, atol=1e-8, what=name)
        if message:
            return message
    return None


# ---------------------------------------------------------------------------------------
# Deriving the covariance update
# ---------------------------------------------------------------------------------------
def _covariance_cases():
    cases = []
    for seed, (N, D) in enumerate([(8, 1), (12, 2), (10, 3)]):
        rng = np.random.default_rng(100 + seed)
        X = rng.normal(scale=2.0, size=(N, D)) + rng.normal(size=D)
        r = rng.uniform(0.05, 0.95, size=N)
        old_mean = rng.normal(size=D)
        cases.append(Case((X, r, old_mean), label=f"{N} points in D = {D}, soft r_n"))
    X = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 4.0], [10.0, 10.0]])
    cases.append(Case((X, np.array([1.0, 1.0, 1.0, 0.0]), np.array([5.0, 5.0])),
                      label="r = (1, 1, 1, 0): the last point does not belong"))
    out = []
    for c in cases:
        X, r, _ = c.args
        # the library's M-step, one component: responsibilities r, column 0
        cov = m_step(X, r[:, None], 0.0, "full")[2][0]
        out.append(Case(c.args, cov, label=c.label))
    return out


def check_covariance_update(covariance_update):
    """Check ``covariance_update(X, r, old_mean) -> (D, D)``, the derived M-step for Σ_k.

    Introduced in the chapter *The EM algorithm* (derivation exercise). ``r`` holds one
    component's responsibilities r_nk (shape ``(N,)``), ``old_mean`` its mean before this
    M-step. The answer is compared with the covariance of the library's M-step
    (:func:`lecture_code.mixture.m_step`, no regularisation); the checker also recognises
    the usual slips of the derivation: dividing by N instead of N_k, not centring, centring on
    the old mean instead of the new one.

    A wrong attempt and the feedback it gets (the first lines):

    >>> def covariance_update(X, r, old_mean):
    ...     diff = X - old_mean
    ...     return (r * diff.T) @ diff / r.sum()
    >>> print(check_covariance_update(covariance_update))  # doctest: +ELLIPSIS
    [FAIL] covariance_update: 4 of 4 cases fail.
    ...
        Hint: centred on old_mean: ...
    """
    return check(covariance_update, _covariance_cases(), name="covariance_update",
                 rtol=1e-9, atol=1e-12, diagnose=_diagnose_covariance_update,
                 hint="write Q(Σ) = Σ_n r_n [-½ log det Σ - ½ (x_n - μ)ᵀ Σ⁻¹ (x_n - μ)], "
                      "differentiate with respect to Σ⁻¹ (∂ log det A / ∂A = A⁻ᵀ, "
                      "∂ aᵀAa / ∂A = a aᵀ) and set the derivative to zero; μ is the "
                      "maximiser of Q in μ, found first.")


def _diagnose_covariance_update(case, got):
    X, r, old_mean = case.args
    got = as_float_array(got)
    D = X.shape[1]
    if got is None or got.shape != (D, D):
        return (f"Σ_k is a (D, D) = ({D}, {D}) matrix: a sum over n of r_n times an outer "
                "product.")
    nk = r.sum()
    new_mean = r @ X / nk

    def weighted(center, divisor):
        diff = X - center
        return (r * diff.T) @ diff / divisor

    slips = [
        (weighted(new_mean, len(X)), "divided by N: the derivative of Σ_n r_n log det Σ "
                                     "brings N_k = Σ_n r_n, not N."),
        (weighted(np.zeros(D), nk), "not centred: Σ_k is a sum of r_n (x_n - μ_k)(x_n - μ_k)ᵀ, "
                                    "not of r_n x_n x_nᵀ."),
        (weighted(old_mean, nk), "centred on old_mean: maximise over μ_k first; the "
                                 "covariance update uses the new mean Σ_n r_n x_n / N_k."),
        (weighted(new_mean, nk - 1), "divided by N_k − 1: the maximum-likelihood estimate "
                                     "divides by N_k (no Bessel correction)."),
        (weighted(new_mean, nk) * nk, "not divided by N_k."),
        (np.cov(X.T, aweights=None).reshape(D, D) if len(X) > 1 else None,
         "the unweighted covariance of all points: weight each term by r_n."),
    ]
    for ref, message in slips:
        if ref is not None and np.allclose(got, ref, rtol=1e-9, atol=1e-12):
            return message
    if not np.allclose(got, got.T):
        return "Σ_k must be symmetric: each term r_n (x_n - μ)(x_n - μ)ᵀ is."
    return None
