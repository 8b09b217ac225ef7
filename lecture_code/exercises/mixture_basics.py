"""Checkers for the exercises of the first three clustering chapters.

Introduced in the chapters *Multivariate Gaussians* (``check_gaussian_logpdf``,
``check_sample_from_precision``, ``check_covariance_from_axes``), *Mixtures and the generative
story* (``check_sample_mixture``, ``check_supervised_mle``, ``check_responsibilities``) and
*The marginal likelihood* (``check_logsumexp``, ``check_mixture_loglik``,
``check_fit_two_means``).

Each checker runs the student's function on a few inputs, compares with a reference solution
and returns a result that is truthy when everything matches and renders as a short report in a
notebook. It never raises because of the student's code: an exception, an unfinished stub
(``NotImplementedError``), a wrong shape or a NaN all become a message saying which input
failed, what was expected, what came back, and a hint. Known typical mistakes (dividing by
``N - 1``, forgetting to transpose a Cholesky factor, a naive determinant that underflows,
responsibilities that are not normalised) get their own, specific hint.

Example
-------
>>> import numpy as np
>>> def logsumexp(a):
...     raise NotImplementedError("Exercise: implement logsumexp")
>>> result = check_logsumexp(logsumexp)
>>> bool(result), "not implemented yet" in str(result)
(False, True)
"""
from __future__ import annotations

import numpy as np
from scipy.special import logsumexp as _logsumexp

from lecture_code.exercises.core import Case, as_float_array, check
from lecture_code.mixture import (
    e_step, log_density, log_gaussian_prob, m_step, precision_cholesky)
from lecture_code.mixture.gradient import marginal_log_likelihood

__all__ = [
    "check_gaussian_logpdf",
    "check_sample_from_precision",
    "check_covariance_from_axes",
    "check_sample_mixture",
    "check_supervised_mle",
    "check_responsibilities",
    "check_logsumexp",
    "check_mixture_loglik",
    "check_fit_two_means",
]


# ---------------------------------------------------------------------------------------
# Reference solutions (scipy/numpy only) and test inputs
# ---------------------------------------------------------------------------------------
def _spd(rng, D, scale=1.0):
    A = rng.normal(size=(D, D))
    return scale * (A @ A.T + 0.5 * np.eye(D))


def _ref_logpdf(X, mean, cov):
    return log_density(X, mean, cov)


def _ref_log_joint(X, weights, means, covs):
    U = precision_cholesky(np.asarray(covs, dtype=float), "full")
    return log_gaussian_prob(np.asarray(X, dtype=float), np.asarray(means, dtype=float), U,
                             "full") + np.log(weights)


def _ref_e_step(X, weights, means, covs):
    """(responsibilities (N, K), total log-likelihood) from lecture_code.mixture.e_step."""
    X = np.asarray(X, dtype=float)
    U = precision_cholesky(np.asarray(covs, dtype=float), "full")
    mean_ll, log_resp = e_step(X, np.asarray(weights, dtype=float),
                               np.asarray(means, dtype=float), U, "full")
    return np.exp(log_resp), mean_ll * len(X)


def _ref_responsibilities(X, weights, means, covs):
    return _ref_e_step(X, weights, means, covs)[0]


def _ref_supervised_mle(X, y, K):
    # The M-step with 0/1 responsibilities and no regularisation is the supervised MLE.
    return m_step(np.asarray(X, dtype=float), np.eye(K)[y], 0.0, "full")


def _ref_fit_two_means(x, mu, step, n_steps):
    # The gradient of the mean log-likelihood of ½N(μ₁,1) + ½N(μ₂,1), in closed form
    # (responsibility-weighted residuals), for checking the students' AD-based version.
    x = np.asarray(x, dtype=float)
    mu = np.asarray(mu, dtype=float).copy()
    for _ in range(n_steps):
        log_a = -0.5 * (x - mu[0]) ** 2
        log_b = -0.5 * (x - mu[1]) ** 2
        r = np.exp(log_a - np.logaddexp(log_a, log_b))
        mu = mu + step * np.array([np.mean(r * (x - mu[0])), np.mean((1 - r) * (x - mu[1]))])
    return mu


def _mixture_case(seed, N, D, K, far=False):
    rng = np.random.default_rng(seed)
    weights = rng.dirichlet(np.full(K, 3.0))
    means = rng.normal(scale=3.0, size=(K, D))
    covs = np.array([_spd(rng, D, 0.5) for _ in range(K)])
    X = rng.normal(scale=3.0, size=(N, D))
    if far:
        X[:2] = 60.0  # densities underflow to 0 here: needs log space
    return X, weights, means, covs


# ---------------------------------------------------------------------------------------
# Multivariate Gaussians
# ---------------------------------------------------------------------------------------
def _gaussian_cases():
    cases = []
    for seed, (N, D) in enumerate([(5, 1), (6, 2), (4, 3)]):
        rng = np.random.default_rng(seed)
        X = rng.normal(size=(N, D))
        mean, cov = rng.normal(size=D), _spd(rng, D)
        cases.append(Case((X, mean, cov), _ref_logpdf(X, mean, cov),
                          label=f"{N} points in D = {D}"))
    D = 400
    X = np.zeros((2, D))
    X[1, 0] = 0.1
    mean, cov = np.zeros(D), 0.01 * np.eye(D)
    cases.append(Case((X, mean, cov), _ref_logpdf(X, mean, cov),
                      label="D = 400 with cov = 0.01 I (det(cov) = 1e-800 underflows to 0)",
                      hint="det(cov) underflows to 0 here, so log(det(cov)) is -inf: take the "
                           "log-determinant from the Cholesky factor instead of det."))
    return cases


def check_gaussian_logpdf(gaussian_logpdf):
    """Check ``gaussian_logpdf(X, mean, cov) -> (N,)`` log-densities (Cholesky exercise).

    Introduced in the chapter *Multivariate Gaussians*.

    A wrong attempt and the feedback it gets (the first lines):

    >>> def gaussian_logpdf(X, mean, cov):
    ...     return np.zeros(len(X))
    >>> print(check_gaussian_logpdf(gaussian_logpdf))  # doctest: +ELLIPSIS
    [FAIL] gaussian_logpdf: 4 of 4 cases fail.
      - 5 points in D = 1: returned [0. 0. 0. 0. 0.], expected [-1.325903 -1.368647 -1.330928 -1.328234 -1.496201] (largest difference 1.5 at index (4,))....
    """
    return check(gaussian_logpdf, _gaussian_cases(), name="gaussian_logpdf",
                 rtol=1e-7, atol=1e-8, diagnose=_diagnose_logpdf,
                 hint="factor cov = L Lᵀ; then the quadratic form is ‖z‖² with L z = x − mean (a "
                      "triangular solve), and log det(cov) comes from the diagonal of L.")


def _diagnose_logpdf(case, got):
    X, mean, cov = case.args
    expected = np.asarray(case.expected)
    got = np.asarray(got, dtype=float)
    if got.shape != expected.shape:
        return None
    D = X.shape[1]
    if not np.all(np.isfinite(got)):
        sign, logdet = np.linalg.slogdet(cov)
        det = np.linalg.det(cov)
        if sign > 0 and np.isfinite(logdet) and (det == 0 or not np.isfinite(det)):
            return (f"det(cov) is {det} here: it {'underflows' if det == 0 else 'overflows'} "
                    "in floating point although log det(cov) is a finite "
                    f"{logdet:.4g}. Never form det(cov): take log det from the Cholesky "
                    "factor (2·Σ log L_ii) or from np.linalg.slogdet.")
        return ("some values are inf or NaN: look for a quantity that overflows or "
                "underflows before you take its log (a determinant, an exp).")
    diff = got - expected
    if np.allclose(diff, diff[0]) and abs(diff[0]) > 1e-6:
        if np.isclose(diff[0], 0.5 * D * np.log(2 * np.pi)):
            return "every value is off by D/2·log(2π): the normalising constant is missing."
        if np.isclose(diff[0], 0.5 * np.linalg.slogdet(cov)[1]):
            return "every value is off by ½ log det(cov): the -Σ log L_ii term is missing."
        if np.isclose(diff[0], -0.5 * np.linalg.slogdet(cov)[1]):
            return ("every value is off by -½ log det(cov): Σ log L_ii already is ½ log det; "
                    "do not multiply it by 2 here (or use ½ of 2·Σ log L_ii).")
        return ("every value is off by the same constant: the quadratic form is right, check "
                "the constant terms (-D/2 log 2π and -Σ log L_ii).")
    return None


def _precision_cases():
    cases = []
    for seed, D in enumerate([1, 2, 3]):
        rng = np.random.default_rng(10 + seed)
        mean, precision = rng.normal(size=D), _spd(rng, D)
        z = rng.normal(size=(6, D))
        cases.append(Case((mean, precision, z), label=f"6 standard normal draws in D = {D}"))
    return cases


def _fit_transform(mean, z, got):
    """The matrix A with got ≈ mean + z Aᵀ (least squares), and the relative residual."""
    At, *_ = np.linalg.lstsq(z, got - mean, rcond=None)
    residual = np.linalg.norm(z @ At - (got - mean)) / max(1.0, np.linalg.norm(got - mean))
    return At.T, residual


def _compare_precision_sample(case, got):
    mean, precision, z = case.args
    got = as_float_array(got)
    if got is None:
        return "the result should be an (N, D) array of samples."
    if got.shape != z.shape:
        return f"the result has shape {got.shape}, expected {z.shape} (one sample per row of z)."
    if not np.all(np.isfinite(got)):
        return "the result contains NaN or inf."
    A, residual = _fit_transform(mean, z, got)
    if residual > 1e-8:
        return ("the samples are not mean + (a fixed matrix) applied to each row of z: the "
                "transformation must be linear in z, the same for every row.")
    target = np.linalg.inv(precision)
    if not np.allclose(A @ A.T, target, rtol=1e-8, atol=1e-10):
        return (f"your samples have covariance A Aᵀ = {np.array2string(A @ A.T, precision=4)}, "
                f"expected precision⁻¹ = {np.array2string(target, precision=4)}.")
    return None


def check_sample_from_precision(sample_from_precision):
    """Check ``sample_from_precision(mean, precision, z) -> (N, D)``: draws of N(mean, Λ⁻¹)
    from standard normal rows ``z``, given the precision Λ (not the covariance).

    Introduced in the chapter *Multivariate Gaussians*. Any answer ``mean + z Aᵀ`` with
    ``A Aᵀ = Λ⁻¹`` is right (the factor is not unique); the checker recovers ``A`` from the
    samples and recognises the usual slips: the precision's own Cholesky factor (which gives
    covariance Λ), the wrong transpose of its inverse, a missing mean.

    A wrong attempt and the feedback it gets (the first lines):

    >>> def sample_from_precision(mean, precision, z):
    ...     return mean + z @ np.linalg.cholesky(precision).T
    >>> print(check_sample_from_precision(sample_from_precision))  # doctest: +ELLIPSIS
    [FAIL] sample_from_precision: ...
        Hint: you used the precision like a covariance...
    """
    return check(sample_from_precision, _precision_cases(), name="sample_from_precision",
                 compare=_compare_precision_sample, diagnose=_diagnose_precision_sample,
                 hint="with Λ = L Lᵀ (Cholesky of the PRECISION), x = μ + L⁻ᵀ z has "
                      "covariance L⁻ᵀ L⁻¹ = (L Lᵀ)⁻¹ = Λ⁻¹. Apply L⁻ᵀ by a triangular solve "
                      "(scipy.linalg.solve_triangular with lower=True, trans='T'), "
                      "one column per draw.")


def _diagnose_precision_sample(case, got):
    mean, precision, z = case.args
    got = as_float_array(got)
    if got is None or got.shape != z.shape:
        return None
    L = np.linalg.cholesky(precision)
    A, residual = _fit_transform(mean, z, got)
    if residual > 1e-8:
        A0, residual0 = _fit_transform(np.zeros_like(mean), z, got)
        if residual0 <= 1e-8:
            return "the mean is missing: add mean to every row."
        return None
    if np.allclose(A @ A.T, precision):
        return ("you used the precision like a covariance: its Cholesky factor L gives "
                "covariance L Lᵀ = Λ, but the samples need covariance Λ⁻¹.")
    Linv = np.linalg.inv(L)
    if np.allclose(A, Linv):
        return ("you applied L⁻¹; the covariance is then L⁻¹L⁻ᵀ = (LᵀL)⁻¹, which is not "
                "(L Lᵀ)⁻¹ = Λ⁻¹. Apply the transpose L⁻ᵀ instead.")
    if np.allclose(A, precision) or np.allclose(A, np.linalg.inv(precision)):
        return ("you multiplied by a covariance or precision matrix itself; the samples "
                "need a FACTOR A with A Aᵀ = Λ⁻¹.")
    return None


def check_covariance_from_axes(covariance_from_axes):
    """Check ``covariance_from_axes(angle_degrees, stds) -> (2, 2)`` covariance.

    Introduced in the chapter *Multivariate Gaussians*.

    A wrong attempt and the feedback it gets (the first lines):

    >>> def covariance_from_axes(angle_degrees, stds):
    ...     return np.eye(2)
    >>> print(check_covariance_from_axes(covariance_from_axes))  # doctest: +ELLIPSIS
    [FAIL] covariance_from_axes: 4 of 4 cases fail.
      - angle = 0.0°, stds = (2.0, 1.0): returned [[1. 0.]...
    """
    cases = []
    for angle, stds in [(0.0, (2.0, 1.0)), (30.0, (2.0, 0.6)), (90.0, (1.5, 0.5)),
                        (-45.0, (1.0, 0.2))]:
        t = np.radians(angle)
        V = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
        cases.append(Case((angle, stds), V @ np.diag(np.square(stds)) @ V.T,
                          label=f"angle = {angle}°, stds = {stds}"))
    return check(covariance_from_axes, cases, name="covariance_from_axes", rtol=1e-9,
                 atol=1e-9, diagnose=_diagnose_axes,
                 hint="the axes are the eigenvectors of Σ and the standard deviations the square "
                      "roots of its eigenvalues: build Σ from a rotation by the angle (in radians)"
                      " and a diagonal matrix.")


def _diagnose_axes(case, got):
    angle, stds = case.args
    got = np.asarray(got, dtype=float)
    if got.shape != (2, 2):
        return None
    t = np.radians(angle)
    V = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    if np.allclose(got, V @ np.diag(stds) @ V.T):
        return "the eigenvalues are the variances: square the standard deviations."
    if np.allclose(got, V.T @ np.diag(np.square(stds)) @ V) and angle % 90:
        return "the ellipse turned the wrong way: use V diag(stds²) Vᵀ, not Vᵀ diag(stds²) V."
    tr = float(angle)  # the angle used as if it were in radians
    Vr = np.array([[np.cos(tr), -np.sin(tr)], [np.sin(tr), np.cos(tr)]])
    if angle % 360 and np.allclose(got, Vr @ np.diag(np.square(stds)) @ Vr.T):
        return "the angle is in degrees: convert it with np.radians(angle) before cos/sin."
    return None


# ---------------------------------------------------------------------------------------
# Mixtures and the generative story
# ---------------------------------------------------------------------------------------
_SAMPLE_MODEL = (np.array([0.6, 0.3, 0.1]),
                 np.array([[0.0, 0.0], [5.0, 0.0], [0.0, 5.0]]),
                 np.array([[[1.0, 0.5], [0.5, 1.0]], [[0.5, 0.0], [0.0, 2.0]],
                           [[0.3, 0.0], [0.0, 0.3]]]))


def check_sample_mixture(sample_mixture, n: int = 20_000):
    """Check ``sample_mixture(weights, means, covs, n, rng) -> (X, y)`` statistically.

    Introduced in the chapter *Mixtures and the generative story*. Draws ``n`` points with a
    seeded generator and compares label proportions, per-component means and covariances with
    the model (tolerances of about five standard errors, so a correct sampler passes).

    A wrong attempt and the feedback it gets (the first lines):

    >>> def sample_mixture(weights, means, covs, n, rng):
    ...     return rng.multivariate_normal(means[0], covs[0], size=n), np.zeros(n, dtype=int)
    >>> print(check_sample_mixture(sample_mixture))  # doctest: +ELLIPSIS
    [FAIL] sample_mixture: 1 of 1 case fails.
      - 20000 draws from a 3-component mixture in 2-D (seed 0): label proportions [1. 0. 0.] do not match the weights [0.6 0.3 0.1]....
    """
    weights, means, covs = _SAMPLE_MODEL

    def run(weights, means, covs, n, seed):
        return sample_mixture(weights, means, covs, n, np.random.default_rng(seed))

    case = Case((weights, means, covs, n, 0), None,
                label=f"{n} draws from a 3-component mixture in 2-D (seed 0)")
    return check(run, [case], name="sample_mixture", compare=_compare_sample_mixture,
                 hint="sample in two stages, as the generative model does: first each point's "
                      "component from the weights, then the point from that component's Gaussian.")


def _compare_sample_mixture(case, got):
    weights, means, covs, n, _ = case.args
    if not (isinstance(got, tuple) and len(got) == 2):
        return f"expected a pair (X, y), got {type(got).__name__}."
    X, y = np.asarray(got[0], dtype=float), np.asarray(got[1])
    if X.shape != (n, 2) or y.shape != (n,):
        return f"expected X of shape ({n}, 2) and y of shape ({n},), got {X.shape} and {y.shape}."
    if not np.all(np.isfinite(X)):
        return "X contains NaN or inf."
    if not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= len(weights):
        return f"y must hold integer labels 0..{len(weights) - 1}, got values {np.unique(y)[:6]}."
    freq = np.bincount(y, minlength=len(weights)) / n
    if np.any(np.abs(freq - weights) > 5 * np.sqrt(weights * (1 - weights) / n)):
        if np.allclose(freq, 1 / len(weights), atol=0.02):
            return (f"the labels are uniform ({freq.round(3)}) but the weights are {weights}: "
                    "pass p=weights to rng.choice.")
        return f"label proportions {freq.round(3)} do not match the weights {weights}."
    for k in range(len(weights)):
        Xk = X[y == k]
        se = np.sqrt(np.diag(covs[k]) / len(Xk))
        if np.any(np.abs(Xk.mean(axis=0) - means[k]) > 6 * se + 1e-9):
            return (f"the points labelled {k} have mean {Xk.mean(axis=0).round(2)}, but "
                    f"component {k} has mean {means[k]}: X[i] must come from component y[i].")
        if np.abs(np.cov(Xk, rowvar=False) - covs[k]).max() > 0.15 * np.abs(covs[k]).max() + 0.05:
            return (f"the points labelled {k} have covariance "
                    f"{np.cov(Xk, rowvar=False).round(2).tolist()}, expected "
                    f"{covs[k].tolist()}.")
    return None


def check_supervised_mle(supervised_mle):
    """Check ``supervised_mle(X, y, K) -> (weights, means, covs)`` (closed-form MLE).

    Introduced in the chapter *Mixtures and the generative story*.

    A wrong attempt and the feedback it gets (the first lines):

    >>> def supervised_mle(X, y, K):
    ...     D = X.shape[1]
    ...     return np.full(K, 1 / K), np.zeros((K, D)), np.array([np.eye(D)] * K)
    >>> print(check_supervised_mle(supervised_mle))  # doctest: +ELLIPSIS
    [FAIL] supervised_mle: 3 of 3 cases fail.
      - N = 30, D = 2, K = 2: element 1 of the result: returned [[0. 0.]...
    """
    cases = []
    for seed, (N, D, K) in enumerate([(30, 2, 2), (60, 2, 3), (40, 3, 2)]):
        rng = np.random.default_rng(20 + seed)
        X = rng.normal(size=(N, D)) * 2
        y = np.sort(rng.permutation(np.arange(N) % K))  # every label present
        y = rng.permutation(y)
        cases.append(Case((X, y, K), _ref_supervised_mle(X, y, K),
                          label=f"N = {N}, D = {D}, K = {K}"))
    return check(supervised_mle, cases, name="supervised_mle", rtol=1e-9, atol=1e-10,
                 diagnose=_diagnose_mle,
                 hint="maximise the log-likelihood of each labelled group separately: each weight "
                      "is a fraction of the points, each mean and covariance those of the group "
                      "(dividing by the group's size).")


def _diagnose_mle(case, got):
    X, y, K = case.args
    if not (isinstance(got, (tuple, list)) and len(got) == 3):
        return "return three things: (weights, means, covs)."
    w, m, c = (np.asarray(a, dtype=float) for a in got)
    ref_w, ref_m, ref_c = case.expected
    if c.shape == ref_c.shape and np.allclose(w, ref_w) and np.allclose(m, ref_m):
        unbiased = np.array([np.cov(X[y == k], rowvar=False).reshape(ref_c.shape[1:])
                             for k in range(K)])
        if np.allclose(c, unbiased):
            return ("the covariances divide by N_k - 1 (np.cov's default). The maximum-"
                    "likelihood estimate divides by N_k: use np.cov(..., bias=True).")
        if np.allclose(c, ref_c * np.bincount(y, minlength=K)[:, None, None] / len(X)):
            return "each covariance must be divided by N_k, the count of its label, not by N."
    if w.shape == ref_w.shape and np.allclose(w, np.bincount(y, minlength=K)):
        return "the weights are counts; divide them by N so that they sum to 1."
    return None


def check_responsibilities(responsibilities):
    """Check ``responsibilities(X, weights, means, covs) -> (N, K)`` posterior probabilities.

    Introduced in the chapter *Mixtures and the generative story*.

    A wrong attempt and the feedback it gets (the first lines):

    >>> def responsibilities(X, weights, means, covs):
    ...     return np.full((len(X), len(weights)), 1 / len(weights))
    >>> print(check_responsibilities(responsibilities))  # doctest: +ELLIPSIS
    [FAIL] responsibilities: 4 of 4 cases fail.
      - N = 6, D = 2, K = 2: returned [[0.5 0.5]...
    """
    cases = []
    for seed, (N, D, K, far) in enumerate([(6, 2, 2, False), (8, 2, 3, False),
                                           (5, 3, 2, False), (6, 2, 3, True)]):
        X, w, m, c = _mixture_case(30 + seed, N, D, K, far)
        label = f"N = {N}, D = {D}, K = {K}" + (" (two points far from every component)"
                                                if far else "")
        cases.append(Case((X, w, m, c), _ref_responsibilities(X, w, m, c), label=label,
                          hint=("far from every component the densities underflow to 0 and "
                                "the ratio is 0/0: normalise in log space with logsumexp.")
                          if far else None))
    return check(responsibilities, cases, name="responsibilities", rtol=1e-6, atol=1e-9,
                 diagnose=_diagnose_resp,
                 hint="apply Bayes' rule to each point; compute the joint log-densities of all (n,"
                      " k) and normalise each row in log space.")


def _diagnose_resp(case, got):
    got = np.asarray(got, dtype=float)
    expected = np.asarray(case.expected)
    if got.shape == expected.T.shape and got.shape != expected.shape:
        return f"shape {got.shape} is transposed: return one row per point, shape {expected.shape}."
    if got.shape != expected.shape or not np.all(np.isfinite(got)):
        return None
    X, w, m, c = case.args
    rows = got.sum(axis=1)
    if not np.allclose(rows, 1.0):
        return (f"the rows sum to {rows.round(3)[:4]}…, not 1: divide by the sum over the "
                "components (subtract logsumexp in log space).")
    unweighted = _ref_responsibilities(X, np.full(len(w), 1 / len(w)), m, c)
    if np.allclose(got, unweighted) and not np.allclose(w, w[0]):
        return "the weights π_k are missing: multiply each density by π_k (add log π_k)."
    return None


# ---------------------------------------------------------------------------------------
# The marginal likelihood
# ---------------------------------------------------------------------------------------
def check_logsumexp(logsumexp):
    """Check ``logsumexp(a) -> float`` on ordinary, very negative and very positive inputs.

    Introduced in the chapter *The marginal likelihood*.

    A wrong attempt and the feedback it gets (the first lines):

    >>> def logsumexp(a):
    ...     return float(np.max(a))
    >>> print(check_logsumexp(logsumexp))  # doctest: +ELLIPSIS
    [FAIL] logsumexp: 3 of 5 cases fail.
      - a = [0, 1, 2]: returned 2.0, expected 2.40760596444438....
    """
    inputs = [
        (np.array([0.0, 1.0, 2.0]), "a = [0, 1, 2]", None),
        (np.array([-3.5]), "a single element", None),
        (np.array([-1000.0, -1001.0, -1002.0]), "a = [-1000, -1001, -1002]",
         "exp(-1000) underflows to 0 and log(0) = -inf: subtract the maximum first."),
        (np.array([1000.0, 1000.0]), "a = [1000, 1000]",
         "exp(1000) overflows to inf: subtract the maximum first."),
        (np.array([-np.inf, 0.0]), "a = [-inf, 0] (a zero-weight term)", None),
    ]
    cases = [Case((a,), float(_logsumexp(a)), label=label, hint=hint)
             for a, label, hint in inputs]
    return check(logsumexp, cases, name="logsumexp", rtol=1e-12, atol=1e-12,
                 hint="factor out the largest term: log Σ exp(a_i) = m + log Σ exp(a_i − m) holds "
                      "for any m, and with m = max a_i no term overflows.")


def check_mixture_loglik(mixture_loglik):
    """Check ``mixture_loglik(X, weights, means, covs) -> float``, the marginal log-likelihood.

    Introduced in the chapter *The marginal likelihood*.

    A wrong attempt and the feedback it gets (the first lines):

    >>> def mixture_loglik(X, weights, means, covs):
    ...     return 0.0
    >>> print(check_mixture_loglik(mixture_loglik))  # doctest: +ELLIPSIS
    [FAIL] mixture_loglik: 3 of 3 cases fail.
      - N = 10, D = 1, K = 2: returned 0.0, expected -42.02820258637614....
    """
    cases = []
    for seed, (N, D, K, far) in enumerate([(10, 1, 2, False), (20, 2, 3, False),
                                           (15, 2, 2, True)]):
        X, w, m, c = _mixture_case(40 + seed, N, D, K, far)
        label = f"N = {N}, D = {D}, K = {K}" + (" (two points far from every component)"
                                                if far else "")
        cases.append(Case((X, w, m, c), marginal_log_likelihood(X, w, m, c), label=label,
                          hint="the densities underflow here: use logsumexp over the "
                               "components instead of log(sum(exp(...)))." if far else None))
    return check(mixture_loglik, cases, name="mixture_loglik", rtol=1e-8, atol=1e-8,
                 diagnose=_diagnose_loglik,
                 hint="the log-likelihood is a sum over points of the log of a sum over "
                      "components; compute the inner log-sum with logsumexp of the joint "
                      "log-densities.")


def _diagnose_loglik(case, got):
    try:
        got = float(np.asarray(got, dtype=float).reshape(()))
    except (TypeError, ValueError):
        return "return one number (the sum over all points), not an array."
    X, w, m, c = case.args
    log_joint = _ref_log_joint(X, w, m, c)
    if np.isclose(got, float(log_joint.max(axis=1).sum())):
        return "you took the max over components; the marginal sums them (logsumexp)."
    if np.isclose(got, float(_logsumexp(log_joint, axis=1).mean())):
        return "that is the mean over points; the log-likelihood is the sum."
    if np.isclose(got, float(log_joint.sum())):
        return "log of a sum is not the sum of logs: use logsumexp over the components."
    return None


def check_fit_two_means(fit_two_means):
    """Check ``fit_two_means(x, mu, step, n_steps) -> array([mu1, mu2])`` (gradient ascent).

    Introduced in the chapter *The marginal likelihood*. The reference uses the closed-form
    gradient of the mean log-likelihood, so any correct AD-based solution agrees with it.

    A wrong attempt and the feedback it gets (the first lines):

    >>> def fit_two_means(x, mu, step, n_steps):
    ...     return np.asarray(mu, dtype=float)
    >>> print(check_fit_two_means(fit_two_means))  # doctest: +ELLIPSIS
    [FAIL] fit_two_means: 3 of 3 cases fail.
      - 100 points, start (-1.0, 1.0), step 0.5, 1 steps: returned [-1.  1.], expected [-1.221166  1.44283 ] (largest difference 0.443 at index (1,))....
    """
    rng = np.random.default_rng(50)
    x = np.concatenate([rng.normal(-2.0, 1.0, 40), rng.normal(2.5, 1.0, 60)])
    cases = [Case((x, np.array(mu), step, n), _ref_fit_two_means(x, mu, step, n),
                  label=f"100 points, start {mu}, step {step}, {n} steps")
             for mu, step, n in [((-1.0, 1.0), 0.5, 1), ((-1.0, 1.0), 0.5, 30),
                                 ((0.5, 0.0), 1.0, 20)]]
    return check(fit_two_means, cases, name="fit_two_means", rtol=1e-6, atol=1e-8,
                 diagnose=_diagnose_two_means,
                 hint="take n_steps of gradient ascent on the mean log-likelihood of the two "
                      "means, with its gradient from the package's grad.")


def _diagnose_two_means(case, got):
    x, mu, step, n = case.args
    got = np.asarray(got, dtype=float)
    if got.shape != (2,):
        return None
    if np.allclose(got, _ref_fit_two_means(x, mu, -step, n)):
        return "you went downhill: gradient *ascent* adds step * gradient."
    if n > 1 and np.allclose(got, _ref_fit_two_means(x, mu, step, n - 1)):
        return f"you took {n - 1} steps instead of {n}."
    if np.allclose(got, _ref_fit_two_means(x, mu, step * len(x), n), rtol=1e-5):
        return "use the *mean* log-likelihood (divide the sum by N), not the sum."
    return None
