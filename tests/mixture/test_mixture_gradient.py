"""Tests for lecture_code.mixture.gradient: GMM fitting by gradient ascent with reverse-mode AD."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import multivariate_normal
from sklearn.mixture import GaussianMixture as SkGaussianMixture

from lecture_code.datasets import load_faithful
from lecture_code.mixture.gradient import (
    GradientAscentGMM, UnconstrainedParams, from_unconstrained, log_likelihood_and_grad,
    marginal_log_likelihood, mixture_log_likelihood, to_unconstrained,
    two_means_log_likelihood)


def _random_mixture(rng, K, D):
    weights = rng.dirichlet(np.ones(K) * 2)
    means = rng.normal(size=(K, D))
    covs = []
    for _ in range(K):
        A = rng.normal(size=(D, D))
        covs.append(A @ A.T + 0.3 * np.eye(D))
    return weights, means, np.array(covs)


def _scipy_loglik(X, weights, means, covs):
    dens = sum(w * multivariate_normal(m, c).pdf(X) for w, m, c in zip(weights, means, covs))
    return float(np.log(dens).sum())


@settings(deadline=None, max_examples=25)
@given(seed=st.integers(0, 10_000), K=st.integers(1, 3), D=st.integers(1, 3))
def test_round_trip_and_value_match_scipy(seed, K, D):
    rng = np.random.default_rng(seed)
    weights, means, covs = _random_mixture(rng, K, D)
    params = to_unconstrained(weights, means, covs)
    w, m, c = from_unconstrained(params)
    assert np.allclose(w, weights) and np.allclose(m, means) and np.allclose(c, covs)
    X = rng.normal(size=(15, D))
    assert marginal_log_likelihood(X, weights, means, covs) == pytest.approx(
        _scipy_loglik(X, weights, means, covs), rel=1e-10)


def test_value_matches_scikit_learn_on_faithful():
    X = load_faithful()
    sk = SkGaussianMixture(2, n_init=5, random_state=0).fit(X)
    ours = marginal_log_likelihood(X, sk.weights_, sk.means_, sk.covariances_)
    assert ours == pytest.approx(sk.score(X) * len(X), rel=1e-12)
    assert ours == pytest.approx(-1130.264, abs=1e-3)
    params = to_unconstrained(sk.weights_, sk.means_, sk.covariances_)
    assert np.allclose(np.exp(params.log_diag),
                       [np.diag(u) for u in sk.precisions_cholesky_])


@settings(deadline=None, max_examples=15)
@given(seed=st.integers(0, 10_000), K=st.integers(1, 3), D=st.integers(1, 2))
def test_gradient_matches_central_differences(seed, K, D):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(12, D))
    params = to_unconstrained(*_random_mixture(rng, K, D))
    params.logits = params.logits + rng.normal(scale=0.3, size=K)
    value, grads = log_likelihood_and_grad(params, X)
    assert value == pytest.approx(float(mixture_log_likelihood(*params.as_tuple(), X)))
    h = 1e-6
    for name in ("logits", "means", "log_diag", "off"):
        p, g = getattr(params, name), getattr(grads, name)
        assert g.shape == p.shape
        for idx in np.ndindex(p.shape):
            plus, minus = p.copy(), p.copy()
            plus[idx] += h
            minus[idx] -= h
            args_plus = {**params.__dict__, name: plus}
            args_minus = {**params.__dict__, name: minus}
            fd = (mixture_log_likelihood(*UnconstrainedParams(**args_plus).as_tuple(), X)
                  - mixture_log_likelihood(*UnconstrainedParams(**args_minus).as_tuple(), X)
                  ) / (2 * h)
            assert g[idx] == pytest.approx(fd, rel=1e-5, abs=1e-6), (name, idx)
    # only the strict upper triangle of `off` is a parameter
    assert np.all(np.tril(grads.off) == 0)


def test_fit_reaches_em_optimum_on_faithful():
    X = load_faithful()
    fit = GradientAscentGMM(2, max_iter=500, tol=1e-8, random_state=0).fit(X)
    sk = SkGaussianMixture(2, n_init=5, random_state=0, tol=1e-8).fit(X)
    assert fit.log_likelihood_ == pytest.approx(sk.score(X) * len(X), abs=0.05)
    order = np.argsort(fit.means_[:, 0])
    sk_order = np.argsort(sk.means_[:, 0])
    assert np.allclose(fit.weights_[order], sk.weights_[sk_order], atol=2e-3)
    assert np.allclose(fit.means_[order], sk.means_[sk_order], rtol=2e-3)
    curve = fit.log_likelihood_curve()
    assert len(curve) == fit.n_iter_ + 1 == len(fit.history_)
    assert curve[-1] == fit.log_likelihood_ and curve[-1] > curve[0] + 50
    # the history's parameters reproduce its log-likelihoods
    h = fit.history_[3]
    assert marginal_log_likelihood(X, h["weights"], h["means"], h["covariances"]) == \
        pytest.approx(h["log_likelihood"], rel=1e-10)


def test_plain_gradient_ascent_increases_likelihood():
    X = load_faithful()
    fit = GradientAscentGMM(2, optimizer="gradient", learning_rate=0.05, max_iter=40, tol=None,
                            means_init=[[2.0, 55.0], [4.3, 80.0]]).fit(X)
    curve = fit.log_likelihood_curve()
    assert np.all(np.diff(curve) > -1e-9)  # small steps: monotone ascent
    assert fit.n_iter_ == 40 and not fit.converged_


def test_one_dimensional_data_and_means_init():
    x = np.r_[np.linspace(-3, -1, 20), np.linspace(1, 3, 20)][:, None]
    fit = GradientAscentGMM(2, means_init=[[-2.0], [2.0]], max_iter=200).fit(x)
    assert np.allclose(np.sort(fit.means_[:, 0]), [-2, 2], atol=0.05)


def test_two_means_log_likelihood_grid_and_symmetry():
    x = np.array([-2.0, -1.5, 2.0, 2.5])
    g = np.linspace(-3, 3, 7)
    m1, m2 = np.meshgrid(g, g)
    surface = two_means_log_likelihood(x, m1, m2)
    assert surface.shape == (7, 7)
    assert np.allclose(surface, surface.T)
    assert surface[2, 4] == pytest.approx(
        marginal_log_likelihood(x[:, None], [0.5, 0.5], [[g[4]], [g[2]]], [[[1.0]], [[1.0]]]))


@pytest.mark.parametrize("x, sigma, match", [
    (np.zeros((2, 2)), 1.0, "1-D array"),
    (np.array([np.nan]), 1.0, "finite"),
    (np.zeros(3), 0.0, "sigma must be positive"),
])
def test_two_means_errors(x, sigma, match):
    with pytest.raises(ValueError, match=match):
        two_means_log_likelihood(x, 0.0, 1.0, sigma)


@pytest.mark.parametrize("kwargs, X, match", [
    ({}, np.zeros(10), "reshape"),
    ({}, np.array([[np.nan, 1.0], [0.0, 1.0]]), "X contains NaN"),
    ({"n_components": 5}, np.zeros((3, 2)), "more than the number of samples"),
    ({"n_components": 0}, np.zeros((3, 2)), "positive integer"),
    ({"optimizer": "sgd"}, np.zeros((3, 2)), "optimizer must be"),
    ({"learning_rate": -1.0}, np.zeros((3, 2)), "learning_rate must be positive"),
    ({"max_iter": -1}, np.zeros((3, 2)), "max_iter"),
    ({"means_init": np.zeros((3, 2))}, np.zeros((3, 2)), "means_init must have shape"),
])
def test_fit_errors(kwargs, X, match):
    kwargs = {"n_components": 2, **kwargs}
    with pytest.raises(ValueError, match=match):
        GradientAscentGMM(**kwargs).fit(X)


def test_too_large_step_gives_clear_error():
    X = load_faithful()
    with pytest.raises(FloatingPointError, match="smaller learning_rate"):
        GradientAscentGMM(2, optimizer="gradient", learning_rate=1e4, max_iter=50,
                          random_state=0).fit(X)


def test_parameter_errors_and_unfitted():
    with pytest.raises(ValueError, match="sum to 1"):
        to_unconstrained([0.5, 0.6], np.zeros((2, 1)), np.ones((2, 1, 1)))
    with pytest.raises(ValueError, match="symmetric positive definite"):
        to_unconstrained([1.0], np.zeros((1, 2)), [[[1.0, 2.0], [2.0, 1.0]]])
    with pytest.raises(ValueError, match="full covariances"):
        to_unconstrained([1.0], np.zeros((1, 2)), np.ones((1, 2)))
    with pytest.raises(ValueError, match="features"):
        marginal_log_likelihood(np.zeros((3, 2)), [1.0], [[0.0]], [[[1.0]]])
    with pytest.raises(RuntimeError, match="not fitted"):
        GradientAscentGMM(2).log_likelihood_curve()
