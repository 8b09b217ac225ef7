"""Tests for the checkers of the clustering chapters 8-10 (lecture_code.exercises.mixture_basics)."""
import numpy as np
from scipy.linalg import solve_triangular
import pytest
import scipy.linalg
from scipy.special import logsumexp as sp_logsumexp
from scipy.stats import multivariate_normal

from lecture_code.exercises import mixture_basics as mb


def _stub(*args, **kwargs):
    raise NotImplementedError("Exercise: implement it")


# --- reference solutions, as in the chapters ------------------------------------------
def gaussian_logpdf(X, mean, cov):
    X = np.atleast_2d(np.asarray(X, dtype=float))
    L = scipy.linalg.cholesky(cov, lower=True)
    z = scipy.linalg.solve_triangular(L, (X - mean).T, lower=True)
    return (-0.5 * X.shape[1] * np.log(2 * np.pi) - np.log(np.diag(L)).sum()
            - 0.5 * (z**2).sum(axis=0))


def sample_from_precision(mean, precision, z):
    L = np.linalg.cholesky(precision)
    return mean + solve_triangular(L, np.asarray(z).T, lower=True, trans="T").T


def sample_via_covariance(mean, precision, z):   # also right: another factor of the covariance
    return mean + z @ np.linalg.cholesky(np.linalg.inv(precision)).T


def covariance_from_axes(angle, stds):
    t = np.radians(angle)
    V = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    return V @ np.diag(np.square(stds)) @ V.T


def sample_mixture(weights, means, covs, n, rng):
    means = np.asarray(means, dtype=float)
    y = rng.choice(len(weights), size=n, p=weights)
    X = np.empty((n, means.shape[1]))
    for k in range(len(weights)):
        X[y == k] = rng.multivariate_normal(means[k], covs[k], size=int((y == k).sum()))
    return X, y


def supervised_mle(X, y, K):
    weights = np.array([(y == k).mean() for k in range(K)])
    means = np.array([X[y == k].mean(axis=0) for k in range(K)])
    covs = np.array([np.cov(X[y == k], rowvar=False, bias=True) for k in range(K)])
    return weights, means, covs


def responsibilities(X, weights, means, covs):
    lj = np.column_stack([np.log(w) + multivariate_normal(m, c).logpdf(X)
                          for w, m, c in zip(weights, means, covs)])
    return np.exp(lj - sp_logsumexp(lj, axis=1, keepdims=True))


def logsumexp(a):
    m = np.max(a)
    return m + np.log(np.sum(np.exp(a - m)))


def mixture_loglik(X, weights, means, covs):
    lj = np.column_stack([np.log(w) + multivariate_normal(m, c).logpdf(X)
                          for w, m, c in zip(weights, means, covs)])
    return float(sp_logsumexp(lj, axis=1).sum())


def fit_two_means(x, mu, step, n_steps):
    from lecture_code.autodiff import grad

    def mean_loglik(m):
        a = -0.5 * (x - m[0]) ** 2
        b = -0.5 * (x - m[1]) ** 2
        return np.sum(np.log(0.5 * np.exp(a) + 0.5 * np.exp(b))) / len(x)

    g = grad(mean_loglik)
    mu = np.asarray(mu, dtype=float)
    for _ in range(n_steps):
        mu = mu + step * g(mu)
    return mu


# --- typical wrong answers -------------------------------------------------------------
def logpdf_naive_det(X, mean, cov):
    X = np.atleast_2d(X)
    d = X - mean
    q = np.einsum("ni,ij,nj->n", d, np.linalg.inv(cov), d)
    with np.errstate(divide="ignore"):
        return -0.5 * X.shape[1] * np.log(2 * np.pi) - 0.5 * np.log(np.linalg.det(cov)) - 0.5 * q


def logpdf_no_constant(X, mean, cov):
    return gaussian_logpdf(X, mean, cov) + 0.5 * np.shape(X)[1] * np.log(2 * np.pi)


def sample_precision_as_covariance(mean, precision, z):
    return mean + z @ np.linalg.cholesky(precision).T


def sample_wrong_transpose(mean, precision, z):
    return mean + z @ np.linalg.inv(np.linalg.cholesky(precision)).T


def sample_no_mean(mean, precision, z):
    return sample_from_precision(np.zeros_like(mean), precision, z)


def axes_no_square(angle, stds):
    t = np.radians(angle)
    V = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    return V @ np.diag(stds) @ V.T


def axes_radians(angle, stds):
    return covariance_from_axes(np.degrees(angle), stds)


def sample_uniform_labels(weights, means, covs, n, rng):
    y = rng.choice(len(weights), size=n)
    X = np.array([rng.multivariate_normal(means[k], covs[k]) for k in y])
    return X, y


def sample_wrong_component(weights, means, covs, n, rng):
    y = rng.choice(len(weights), size=n, p=weights)
    X = np.array([rng.multivariate_normal(means[(k + 1) % len(weights)], covs[k]) for k in y])
    return X, y


def mle_unbiased(X, y, K):
    w, m, _ = supervised_mle(X, y, K)
    return w, m, np.array([np.cov(X[y == k], rowvar=False) for k in range(K)])


def mle_counts(X, y, K):
    _, m, c = supervised_mle(X, y, K)
    return np.bincount(y, minlength=K).astype(float), m, c


def resp_naive(X, weights, means, covs):
    dens = np.column_stack([w * multivariate_normal(m, c).pdf(X)
                            for w, m, c in zip(weights, means, covs)])
    with np.errstate(invalid="ignore"):
        return dens / dens.sum(axis=1, keepdims=True)


def resp_unnormalised(X, weights, means, covs):
    return np.column_stack([w * multivariate_normal(m, c).pdf(X)
                            for w, m, c in zip(weights, means, covs)])


def resp_transposed(X, weights, means, covs):
    return responsibilities(X, weights, means, covs).T


def logsumexp_naive(a):
    with np.errstate(over="ignore", divide="ignore"):
        return np.log(np.sum(np.exp(a)))


def loglik_mean(X, weights, means, covs):
    return mixture_loglik(X, weights, means, covs) / len(X)


def loglik_sum_of_logs(X, weights, means, covs):
    return float(sum((np.log(w) + multivariate_normal(m, c).logpdf(X)).sum()
                     for w, m, c in zip(weights, means, covs)))


def two_means_downhill(x, mu, step, n_steps):
    return fit_two_means(x, mu, -step, n_steps)


def two_means_raises(x, mu, step, n_steps):
    raise ValueError("oops, a bug")


CASES = [
    # checker, reference, [(wrong answer, expected phrase in the message), ...]
    (mb.check_gaussian_logpdf, gaussian_logpdf,
     [(logpdf_naive_det, "underflows"), (logpdf_no_constant, "normalising constant")]),
    (mb.check_sample_from_precision, sample_from_precision,
     [(sample_precision_as_covariance, "precision like a covariance"),
      (sample_wrong_transpose, "transpose L⁻ᵀ"), (sample_no_mean, "mean is missing")]),
    (mb.check_covariance_from_axes, covariance_from_axes,
     [(axes_no_square, "square the standard deviations"), (axes_radians, "degrees")]),
    (mb.check_sample_mixture, sample_mixture,
     [(sample_uniform_labels, "p=weights"), (sample_wrong_component, "component y[i]")]),
    (mb.check_supervised_mle, supervised_mle,
     [(mle_unbiased, "N_k - 1"), (mle_counts, "divide them by N")]),
    (mb.check_responsibilities, responsibilities,
     [(resp_naive, "log space"), (resp_unnormalised, "sum to"), (resp_transposed, "transposed")]),
    (mb.check_logsumexp, logsumexp, [(logsumexp_naive, "subtract the maximum")]),
    (mb.check_mixture_loglik, mixture_loglik,
     [(loglik_mean, "mean over points"), (loglik_sum_of_logs, "log of a sum")]),
    (mb.check_fit_two_means, fit_two_means,
     [(two_means_downhill, "downhill"), (two_means_raises, "ValueError")]),
]


@pytest.mark.parametrize("checker, reference, wrongs", CASES,
                         ids=[c[0].__name__ for c in CASES])
def test_reference_passes(checker, reference, wrongs):
    result = checker(reference)
    assert result, str(result)


@pytest.mark.parametrize("checker, reference, wrongs", CASES,
                         ids=[c[0].__name__ for c in CASES])
def test_stub_is_not_implemented_yet(checker, reference, wrongs):
    result = checker(_stub)
    assert not result
    assert "not implemented yet" in str(result).lower()


@pytest.mark.parametrize("checker, wrong, phrase",
                         [(c[0], w, p) for c in CASES for w, p in c[2]],
                         ids=[f"{c[0].__name__}-{w.__name__}" for c in CASES for w, _ in c[2]])
def test_typical_mistake_gets_specific_message(checker, wrong, phrase):
    result = checker(wrong)
    assert not result
    assert phrase in str(result), str(result)


def test_wrong_shape_and_nan_do_not_raise():
    assert not mb.check_responsibilities(lambda X, w, m, c: np.zeros(3))
    assert not mb.check_logsumexp(lambda a: float("nan"))
    assert not mb.check_supervised_mle(lambda X, y, K: None)
    assert not mb.check_sample_mixture(lambda *a: "nonsense")


def test_logpdf_with_det_that_underflows_is_told_to_use_slogdet_not_a_constant():
    from lecture_code.exercises.mixture_basics import check_gaussian_logpdf

    def gaussian_logpdf(X, mean, cov):   # right formula, but det(cov) underflows to 0
        D = len(mean)
        diff = X - mean
        quad = np.einsum("nd,de,ne->n", diff, np.linalg.inv(cov), diff)
        return -0.5 * (D * np.log(2 * np.pi) + np.log(np.linalg.det(cov)) + quad)

    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text = str(check_gaussian_logpdf(gaussian_logpdf))
    assert "1 of 4 cases fails" in text, text
    assert "same constant" not in text
    assert "underflows" in text and "slogdet" in text


def test_sample_from_precision_accepts_any_factor_of_the_covariance():
    assert mb.check_sample_from_precision(sample_via_covariance)
