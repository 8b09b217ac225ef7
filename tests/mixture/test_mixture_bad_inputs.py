"""Bad inputs to the mixture functions (not the estimator classes): each gets a ValueError whose
message names the argument, or the documented result (issue 12 §2 and §4).

Before the fixes, means_only_em with NaN init_means, sigma=inf or 1e-200 returned NaN arrays,
n_iter=-3 or 2.5 wrong shapes; log_density of 3-D X a transposed result; e_step with an
unknown covariance_type silently used "spherical"; precision_cholesky with an unknown type
silently used "diag"; sample_gaussian(n_samples=2.5) drew 2 rows; an asymmetric cov was
silently read from its lower triangle.
"""
import re

import numpy as np
import pytest

from lecture_code.mixture import (
    e_step, ellipse, fused_em_step, log_density, log_gaussian_prob, m_step, means_only_em,
    precision_cholesky, sample_gaussian, to_full)
from lecture_code.mixture.bound import lower_bound
from lecture_code.mixture.gaussian import from_full

NAN, INF = np.nan, np.inf
X2 = np.array([[0.0, 0.0], [1.0, 0.5], [3.0, 2.0]])
W = np.array([0.5, 0.5])
MU = np.array([[0.0, 0.0], [2.0, 1.0]])
PC = np.array([1.0, 2.0])                       # spherical precision Cholesky factors
X1 = [-2.0, -1.0, 1.0, 2.0]


def _moe(**kw):
    args = dict(x=X1, init_means=[-0.5, 0.5])
    args.update(kw)
    return means_only_em(**args)


BAD = [
    # (id, call, message fragment naming the argument)
    ("moe init_means NaN", lambda: _moe(init_means=[NAN, 0.5]), "init_means"),
    ("moe init_means inf", lambda: _moe(init_means=[-INF, 0.5]), "init_means"),
    ("moe init_means 3", lambda: _moe(init_means=[0, 1, 2]), "init_means"),
    ("moe sigma inf", lambda: _moe(sigma=INF), "sigma"),
    ("moe sigma nan", lambda: _moe(sigma=NAN), "sigma"),
    ("moe sigma 1e-200", lambda: _moe(sigma=1e-200), "sigma"),
    ("moe sigma 0", lambda: _moe(sigma=0.0), "sigma"),
    ("moe sigma -1", lambda: _moe(sigma=-1.0), "sigma"),
    ("moe sigma str", lambda: _moe(sigma="1"), "sigma"),
    ("moe n_iter -3", lambda: _moe(n_iter=-3), "n_iter"),
    ("moe n_iter 2.5", lambda: _moe(n_iter=2.5), "n_iter"),
    ("moe n_iter True", lambda: _moe(n_iter=True), "n_iter"),
    ("moe x NaN", lambda: _moe(x=[0.0, NAN]), "x"),
    ("moe x empty", lambda: _moe(x=[]), "x"),
    ("moe x 2-D", lambda: _moe(x=[[1.0, 2.0]]), "x"),
    ("log_density X 3-D", lambda: log_density(np.zeros((2, 3, 2)), np.zeros(2), np.eye(2)), "X"),
    ("log_density X NaN", lambda: log_density([[0.0, NAN]], np.zeros(2), np.eye(2)), "X"),
    ("log_density X complex", lambda: log_density([[1j, 0]], np.zeros(2), np.eye(2)), "X"),
    ("log_density mean NaN", lambda: log_density(X2, [NAN, 0], np.eye(2)), "mean"),
    ("log_density mean inf", lambda: log_density(X2, [INF, 0], np.eye(2)), "mean"),
    ("log_density mean shape", lambda: log_density(X2, np.zeros(3), np.eye(2)), "mean"),
    ("log_density cov inf", lambda: log_density(X2, np.zeros(2), [[INF, 0], [0, 1]]), "cov"),
    ("log_density cov asym", lambda: log_density(X2, np.zeros(2), [[1, 0.5], [0, 1]]), "cov"),
    ("log_density cov not PD", lambda: log_density(X2, np.zeros(2), [[1, 2], [2, 1]]), "cov"),
    ("log_density cov shape", lambda: log_density(X2, np.zeros(2), np.ones(3)), "cov"),
    ("log_density cov str", lambda: log_density(X2, np.zeros(2), "eye"), "cov"),
    ("sample n_samples 2.5", lambda: sample_gaussian([0.0], 1.0, 2.5), "n_samples"),
    ("sample n_samples -1", lambda: sample_gaussian([0.0], 1.0, -1), "n_samples"),
    ("sample mean NaN", lambda: sample_gaussian([NAN], 1.0, 2), "mean"),
    ("sample mean 2-D", lambda: sample_gaussian([[0.0]], 1.0, 2), "mean"),
    ("sample cov shape", lambda: sample_gaussian([0.0, 0.0], np.eye(3), 2), "cov"),
    ("sample cov asym", lambda: sample_gaussian([0.0, 0.0], [[1, 1], [0, 1]], 2), "cov"),
    ("to_full diag 1-D", lambda: to_full(np.ones(3), "diag"), "covariances"),
    ("to_full tied n_components 0", lambda: to_full(np.eye(2), "tied", n_components=0),
     "n_components"),
    ("to_full spherical n_features 1.5", lambda: to_full(np.ones(2), "spherical", n_features=1.5),
     "n_features"),
    ("from_full complex", lambda: from_full(np.eye(2)[None] * 1j, "diag"), "covariances"),
    ("precision_cholesky unknown type", lambda: precision_cholesky(np.ones((2, 2)), "diagonal"),
     "covariance_type"),
    ("precision_cholesky full NaN", lambda: precision_cholesky(np.full((1, 2, 2), NAN), "full"),
     "covariances"),
    ("precision_cholesky full shape", lambda: precision_cholesky(np.eye(2), "full"),
     "covariances"),
    ("precision_cholesky spherical 2-D", lambda: precision_cholesky(np.ones((2, 2)), "spherical"),
     "covariances"),
    ("ellipse cov NaN", lambda: ellipse([[NAN, 0], [0, 1]]), "cov"),
    ("ellipse cov asym", lambda: ellipse([[1, 0.5], [0, 1]]), "cov"),
    ("ellipse n_std -1", lambda: ellipse(np.eye(2), n_std=-1), "n_std"),
    ("ellipse n_std nan", lambda: ellipse(np.eye(2), n_std=NAN), "n_std"),
    ("e_step unknown type", lambda: e_step(X2, W, MU, PC, "sphere"), "covariance_type"),
    ("e_step X 1-D", lambda: e_step(np.zeros(3), W, MU, PC, "spherical"), "X"),
    ("e_step X NaN", lambda: e_step(np.r_[X2, [[NAN, 0]]], W, MU, PC, "spherical"), "X"),
    ("e_step weights sum", lambda: e_step(X2, [0.5, 0.6], MU, PC, "spherical"), "weights"),
    ("e_step weights negative", lambda: e_step(X2, [1.5, -0.5], MU, PC, "spherical"), "weights"),
    ("e_step means NaN", lambda: e_step(X2, W, [[NAN, 0], [1, 1]], PC, "spherical"), "means"),
    ("e_step means D", lambda: e_step(X2, W, np.zeros((2, 3)), PC, "spherical"), "means"),
    ("e_step prec_chol shape", lambda: e_step(X2, W, MU, np.ones((2, 2)), "spherical"),
     "prec_chol"),
    ("e_step prec_chol 0", lambda: e_step(X2, W, MU, np.array([1.0, 0.0]), "spherical"),
     "prec_chol"),
    ("e_step prec_chol inf", lambda: e_step(X2, W, MU, np.array([1.0, INF]), "spherical"),
     "prec_chol"),
    ("e_step full not triangular", lambda: e_step(X2, W, MU, np.ones((2, 2, 2)) + np.eye(2),
                                                   "full"), "prec_chol"),
    ("log_gaussian_prob unknown type", lambda: log_gaussian_prob(X2, MU, PC, "round"),
     "covariance_type"),
    ("log_gaussian_prob tied shape", lambda: log_gaussian_prob(X2, MU, np.eye(3), "tied"),
     "prec_chol"),
    ("m_step resp rows", lambda: m_step(X2, np.ones((2, 2)) / 2, 1e-6, "full"), "resp"),
    ("m_step resp negative", lambda: m_step(X2, np.array([[1.5, -0.5]] * 3), 1e-6, "full"),
     "resp"),
    ("m_step resp NaN", lambda: m_step(X2, np.full((3, 2), NAN), 1e-6, "full"), "resp"),
    ("m_step reg_covar -1", lambda: m_step(X2, np.ones((3, 2)) / 2, -1.0, "full"), "reg_covar"),
    ("m_step reg_covar inf", lambda: m_step(X2, np.ones((3, 2)) / 2, INF, "full"), "reg_covar"),
    ("m_step unknown type", lambda: m_step(X2, np.ones((3, 2)) / 2, 1e-6, "ful"),
     "covariance_type"),
    ("m_step X 3-D", lambda: m_step(X2[None], np.ones((3, 2)) / 2, 1e-6, "full"), "X"),
    ("fused unknown type", lambda: fused_em_step(X2, W, MU, PC, "sph", 1e-6), "covariance_type"),
    ("fused prec_chol shape", lambda: fused_em_step(X2, W, MU, np.ones(3), "spherical", 1e-6),
     "prec_chol"),
    ("lower_bound X NaN", lambda: lower_bound(np.r_[X2, [[NAN, 0]]], np.ones((4, 2)) / 2, W, MU,
                                              np.ones(2), "spherical"), "X"),
    ("lower_bound means inf", lambda: lower_bound(X2, np.ones((3, 2)) / 2, W,
                                                  [[INF, 0], [1, 1]], np.ones(2), "spherical"),
     "means"),
    ("lower_bound covariances NaN", lambda: lower_bound(X2, np.ones((3, 2)) / 2, W, MU,
                                                        np.array([1.0, NAN]), "spherical"),
     "covariances"),
]


@pytest.mark.parametrize("call, fragment", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_input_gets_a_clear_error(call, fragment):
    """The message starts with the argument's name (or says 'Unknown <name>')."""
    with pytest.raises(ValueError) as info:
        call()
    assert re.match(rf"(Unknown )?{fragment}\b", str(info.value)), str(info.value)


def test_catalogue_size():
    assert len(BAD) >= 30


# edge inputs that are valid: the documented result
def test_means_only_em_zero_iterations_and_tiny_but_safe_sigma():
    out = _moe(n_iter=0)
    assert out["means"].shape == (1, 2) and out["responsibilities"].shape == (0, 4, 2)
    assert out["log_likelihood"].shape == (1,)
    out = _moe(n_iter=np.int64(3), sigma=1e-3)         # numpy integers are integers
    assert out["means"].shape == (4, 2) and np.all(np.isfinite(out["means"]))
    np.testing.assert_allclose(out["responsibilities"].sum(-1), 1.0)


def test_log_density_accepts_one_point_and_scalar_or_diagonal_cov():
    full = log_density(X2, np.zeros(2), np.diag([2.0, 3.0]))
    np.testing.assert_allclose(log_density(X2, np.zeros(2), [2.0, 3.0]), full)
    assert log_density(X2[1], np.zeros(2), 2.0).shape == (1,)
    np.testing.assert_allclose(log_density(X2[1], np.zeros(2), 2.0),
                               log_density(X2[1:2], np.zeros(2), 2.0 * np.eye(2)))


def test_sample_zero_rows_and_weight_zero_component():
    assert sample_gaussian([0.0, 1.0], 1.0, 0).shape == (0, 2)
    # a component of weight 0 gets responsibility 0 and log-likelihood stays finite
    ll, log_resp = e_step(X2, np.array([1.0, 0.0]), MU, PC, "spherical")
    assert np.isfinite(ll) and np.all(np.exp(log_resp[:, 1]) == 0)
    # m_step from that: the empty component keeps a defined (regularised) covariance
    w, mu, cov = m_step(X2, np.exp(log_resp), 1e-6, "spherical")
    assert w[1] == pytest.approx(0.0, abs=1e-12) and np.all(np.isfinite(cov))
