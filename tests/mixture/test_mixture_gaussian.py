"""Multivariate Gaussians: log-density vs scipy, sampling, covariance forms, ellipses."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import multivariate_normal

from lecture_code.mixture import (
    ellipse, from_full, log_density, precision_cholesky, sample_gaussian, to_full)
from lecture_code.mixture._steps import log_gaussian_prob


def _spd(rng, d):
    A = rng.normal(size=(d, d))
    return A @ A.T + 0.5 * np.eye(d)


@settings(deadline=None, max_examples=40)
@given(seed=st.integers(0, 10_000), d=st.integers(1, 5))
def test_log_density_matches_scipy(seed, d):
    rng = np.random.default_rng(seed)
    mean, cov, X = rng.normal(size=d), _spd(rng, d), rng.normal(size=(20, d)) * 3
    np.testing.assert_allclose(log_density(X, mean, cov),
                               multivariate_normal(mean, cov).logpdf(X).reshape(-1), rtol=1e-10)


def test_log_density_stable_far_out_and_diag_forms():
    lp = log_density(np.array([[1e4, 0.0]]), np.zeros(2), np.eye(2) * 1e-4)
    assert np.isfinite(lp).all() and lp[0] < -1e11
    X = np.random.default_rng(0).normal(size=(5, 3))
    np.testing.assert_allclose(log_density(X, np.zeros(3), np.array([1.0, 2.0, 3.0])),
                               multivariate_normal(np.zeros(3), np.diag([1.0, 2, 3])).logpdf(X))
    np.testing.assert_allclose(log_density(X, np.zeros(3), 2.0),
                               multivariate_normal(np.zeros(3), 2 * np.eye(3)).logpdf(X))


@pytest.mark.parametrize("ct", ["full", "tied", "diag", "spherical"])
def test_log_gaussian_prob_all_forms_match_scipy(ct):
    rng = np.random.default_rng(1)
    d, K = 3, 2
    full = np.stack([_spd(rng, d) for _ in range(K)])
    cov = from_full(full, ct)
    means, X = rng.normal(size=(K, d)), rng.normal(size=(10, d))
    lp = log_gaussian_prob(X, means, precision_cholesky(cov, ct), ct)
    expanded = to_full(cov, ct, n_components=K, n_features=d)
    for k in range(K):
        np.testing.assert_allclose(lp[:, k], multivariate_normal(means[k], expanded[k]).logpdf(X),
                                   rtol=1e-10)


def test_conversions_roundtrip():
    C = np.array([[[2.0, 0.5], [0.5, 1.0]], [[4.0, 0.0], [0.0, 2.0]]])
    np.testing.assert_allclose(from_full(C, "tied"), C.mean(0))
    np.testing.assert_allclose(from_full(C, "diag"), [[2.0, 1.0], [4.0, 2.0]])
    np.testing.assert_allclose(from_full(C, "spherical"), [1.5, 3.0])
    for ct in ["full", "diag", "spherical"]:
        c = from_full(C, ct)
        np.testing.assert_allclose(from_full(to_full(c, ct, 2, 2), ct), c)
    assert to_full(C.mean(0), "tied", n_components=3).shape == (3, 2, 2)
    with pytest.raises(ValueError, match="Unknown covariance_type"):
        from_full(C, "round")
    with pytest.raises(ValueError, match="n_features"):
        to_full(np.array([1.0]), "spherical")
    with pytest.raises(ValueError, match=r"\(K, D, D\)"):
        from_full(np.eye(2), "diag")


def test_sampling_moments():
    cov = np.array([[2.0, 0.8], [0.8, 1.0]])
    X = sample_gaussian([1.0, -1.0], cov, 200_000, random_state=0)
    np.testing.assert_allclose(X.mean(0), [1, -1], atol=0.02)
    np.testing.assert_allclose(np.cov(X.T), cov, atol=0.03)
    np.testing.assert_array_equal(X[:5], sample_gaussian([1.0, -1.0], cov, 200_000, 0)[:5])


def test_ellipse_geometry():
    c, s = np.cos(np.pi / 6), np.sin(np.pi / 6)
    R = np.array([[c, -s], [s, c]])
    cov = R @ np.diag([9.0, 1.0]) @ R.T
    w, h, a = ellipse(cov, n_std=2)
    assert (w, h) == pytest.approx((12.0, 4.0))
    assert a % 180 == pytest.approx(30.0)
    with pytest.raises(ValueError, match=r"\(2, 2\)"):
        ellipse(np.eye(3))
    with pytest.raises(ValueError, match="negative eigenvalue"):
        ellipse([[1.0, 0.0], [0.0, -1.0]])


def test_errors():
    with pytest.raises(ValueError, match="not symmetric positive definite"):
        log_density(np.zeros((1, 2)), np.zeros(2), [[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(ValueError, match="mean must have shape"):
        log_density(np.zeros((1, 2)), np.zeros(3), np.eye(2))
    with pytest.raises(ValueError, match="cov must have shape"):
        log_density(np.zeros((1, 2)), np.zeros(2), np.eye(3))
    with pytest.raises(ValueError, match="increase reg_covar"):
        precision_cholesky(np.zeros((1, 2, 2)), "full")
    with pytest.raises(ValueError, match="increase reg_covar"):
        precision_cholesky(np.array([0.0]), "spherical")
