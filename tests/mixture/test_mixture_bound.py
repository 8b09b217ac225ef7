"""Tests for lecture_code.mixture.bound: the EM lower bound (Jensen's inequality)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lecture_code.mixture import e_step, m_step, precision_cholesky
from lecture_code.mixture.bound import lower_bound
from lecture_code.mixture.gradient import marginal_log_likelihood


def _model(seed, N=30, D=2, K=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(scale=2.0, size=(N, D))
    w = rng.dirichlet(np.ones(K))
    mu = rng.normal(scale=2.0, size=(K, D))
    A = rng.normal(size=(K, D, D))
    cov = A @ A.transpose(0, 2, 1) + 0.5 * np.eye(D)
    return rng, X, w, mu, cov


@settings(deadline=None, max_examples=30)
@given(seed=st.integers(0, 10_000))
def test_bound_below_loglik_and_tight_at_posterior(seed):
    rng, X, w, mu, cov = _model(seed)
    ll = marginal_log_likelihood(X, w, mu, cov)
    q = rng.dirichlet(np.ones(3), size=len(X))
    assert lower_bound(X, q, w, mu, cov) <= ll + 1e-9
    _, log_resp = e_step(X, w, mu, precision_cholesky(cov, "full"), "full")
    assert lower_bound(X, np.exp(log_resp), w, mu, cov) == pytest.approx(ll, rel=1e-10)


@settings(deadline=None, max_examples=20)
@given(seed=st.integers(0, 10_000))
def test_m_step_maximises_the_bound(seed):
    rng, X, w, mu, cov = _model(seed)
    q = rng.dirichlet(np.ones(3), size=len(X))
    w1, mu1, cov1 = m_step(X, q, 0.0, "full")
    best = lower_bound(X, q, w1, mu1, cov1)
    assert best >= lower_bound(X, q, w, mu, cov) - 1e-9
    for _ in range(3):    # small perturbations of the maximiser only lower the bound
        dmu = 1e-3 * rng.normal(size=mu1.shape)
        assert lower_bound(X, q, w1, mu1 + dmu, cov1) <= best + 1e-9


def test_other_covariance_forms_and_zero_responsibilities():
    X = np.array([[0.0, 1.0], [2.0, -1.0], [1.0, 0.0]])
    q = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    w, mu = np.array([0.5, 0.5]), np.array([[0.0, 0.0], [2.0, 0.0]])
    full = lower_bound(X, q, w, mu, np.array([np.eye(2), 2 * np.eye(2)]))
    assert lower_bound(X, q, w, mu, np.array([1.0, 2.0]), "spherical") == pytest.approx(full)
    assert lower_bound(X, q, w, mu, np.array([[1.0, 1.0], [2.0, 2.0]]), "diag") == \
        pytest.approx(full)
    zero_weight = lower_bound(X, np.array([[1.0, 0.0]] * 3), np.array([1.0, 0.0]), mu,
                              np.array([np.eye(2)] * 2))
    assert np.isfinite(zero_weight)


@pytest.mark.parametrize("kwargs, match", [
    (dict(X=np.zeros(3)), "X must have shape"),
    (dict(resp=np.full((3, 2), 0.7)), "row of resp must be probabilities"),
    (dict(resp=np.full((2, 3), 0.5)), r"resp must have shape \(N, K\)"),
    (dict(weights=np.array([0.7, 0.7])), "weights must be 2 non-negative numbers"),
    (dict(means=np.zeros((2, 3))), r"means must have shape \(K, D\)"),
    (dict(covariance_type="round"), "Unknown covariance_type"),
    (dict(covariances=np.array([[[1.0, 2.0], [2.0, 1.0]]] * 2)), "ill-defined"),
])
def test_bad_input_is_explained(kwargs, match):
    args = dict(X=np.zeros((3, 2)), resp=np.full((3, 2), 0.5), weights=np.array([0.5, 0.5]),
                means=np.zeros((2, 2)), covariances=np.array([np.eye(2)] * 2),
                covariance_type="full")
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        lower_bound(**args)
