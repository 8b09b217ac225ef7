"""GaussianMixture: parity with scikit-learn, reference vs fast step, history, errors, monotone EM."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning as SkConvergenceWarning
from sklearn.exceptions import NotFittedError
from sklearn.mixture import GaussianMixture as SkGM

from lecture_code.datasets import load_faithful, make_mixture
from lecture_code.mixture import (
    ConvergenceWarning, GaussianMixture, e_step, fused_em_step, m_step, means_only_em,
    precision_cholesky)

TYPES = ["full", "tied", "diag", "spherical"]


def _data(seed=0, n=300, d=2):
    rng = np.random.default_rng(seed)
    means = rng.normal(scale=4, size=(3, d))
    covs = np.stack([np.eye(d) * (0.5 + k) + 0.2 for k in range(3)])
    return make_mixture(n, means, covs, [0.3, 0.3, 0.4], random_state=seed)[0]


def _inits(X, ct, K=3, seed=1):
    rng = np.random.default_rng(seed)
    d = X.shape[1]
    means = X[rng.choice(len(X), K, replace=False)]
    P = {"full": np.stack([np.eye(d) * (0.5 + 0.1 * k) for k in range(K)]),
         "tied": np.eye(d) * 0.4, "diag": np.full((K, d), 0.3) + np.arange(K)[:, None] * 0.1,
         "spherical": 0.3 + 0.1 * np.arange(K)}[ct]
    return dict(weights_init=np.full(K, 1 / K), means_init=means, precisions_init=P)


def _rel(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300)


@pytest.mark.parametrize("ct", TYPES)
@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_parity_with_sklearn_every_iteration(ct, k):
    X = _data()
    kw = dict(n_components=3, covariance_type=ct, tol=0, max_iter=k, **_inits(X, ct))
    with pytest.warns(SkConvergenceWarning):
        sk = SkGM(**kw).fit(X)
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        ours = GaussianMixture(**kw).fit(X)
    for name in ["weights_", "means_", "covariances_", "precisions_", "precisions_cholesky_"]:
        assert _rel(getattr(ours, name), getattr(sk, name)) < 1e-8, name
    assert abs(ours.lower_bound_ - sk.lower_bound_) <= 1e-8 * abs(sk.lower_bound_)
    np.testing.assert_allclose(ours.lower_bounds_, sk.lower_bounds_, rtol=1e-8)
    assert ours.n_iter_ == sk.n_iter_ == k and ours.converged_ is False
    np.testing.assert_array_equal(ours.predict(X), sk.predict(X))
    np.testing.assert_allclose(ours.predict_proba(X), sk.predict_proba(X), atol=1e-8)
    np.testing.assert_allclose(ours.score_samples(X), sk.score_samples(X), rtol=1e-8)
    assert ours.bic(X) == pytest.approx(sk.bic(X), rel=1e-8)
    assert ours.aic(X) == pytest.approx(sk.aic(X), rel=1e-8)


@pytest.mark.parametrize("ct", TYPES)
def test_parity_to_convergence_10d(ct):
    X = _data(seed=3, n=400, d=5)
    kw = dict(n_components=3, covariance_type=ct, tol=1e-6, max_iter=500, **_inits(X, ct))
    sk, ours = SkGM(**kw).fit(X), GaussianMixture(**kw).fit(X)
    assert ours.converged_ and sk.converged_ and ours.n_iter_ == sk.n_iter_
    assert _rel(ours.means_, sk.means_) < 1e-7
    assert _rel(ours.covariances_, sk.covariances_) < 1e-7


REF = {"full": -1130.264, "tied": -1140.187, "diag": -1147.806, "spherical": -1709.529}


@pytest.mark.parametrize("ct", TYPES)
def test_old_faithful_reference_fit(ct):
    X = load_faithful()
    sk = SkGM(2, covariance_type=ct, n_init=5, random_state=0).fit(X)
    # same start as scikit-learn's best initialisation -> same fit
    kw = dict(weights_init=sk.weights_, means_init=sk.means_, precisions_init=sk.precisions_)
    gm = GaussianMixture(2, covariance_type=ct, **kw).fit(X)
    assert gm.score(X) * len(X) == pytest.approx(REF[ct], abs=2e-3)
    # and our own initialisation (own k-means) reaches the same optimum
    own = GaussianMixture(2, covariance_type=ct, n_init=5, random_state=0).fit(X)
    assert own.score(X) * len(X) == pytest.approx(REF[ct], abs=2e-2)
    if ct == "full":
        order = np.argsort(own.means_[:, 0])
        np.testing.assert_allclose(own.means_[order], [[2.037, 54.48], [4.290, 79.97]], atol=0.01)
        np.testing.assert_allclose(own.weights_[order], [0.356, 0.644], atol=0.001)
        assert own.bic(X) == pytest.approx(2322.192, abs=0.05)


@pytest.mark.parametrize("ct", TYPES)
def test_fused_step_equals_reference_steps(ct):
    X = _data(seed=5, n=1000, d=3)
    rng = np.random.default_rng(0)
    resp = rng.dirichlet(np.ones(3), size=len(X))
    w, mu, cov = m_step(X, resp, 1e-6, ct)
    pc = precision_cholesky(cov, ct)
    ll, log_resp = e_step(X, w, mu, pc, ct)
    w2, mu2, cov2 = m_step(X, np.exp(log_resp), 1e-6, ct)
    for block in [7, 128, 5000]:
        ll_f, wf, muf, covf = fused_em_step(X, w, mu, pc, ct, 1e-6, block=block)
        assert ll_f == pytest.approx(ll, rel=1e-12)
        np.testing.assert_allclose(wf, w2, rtol=1e-10)
        np.testing.assert_allclose(muf, mu2, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(covf, cov2, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("init", ["kmeans", "k-means++", "random", "random_from_data"])
def test_init_params_all_work(init):
    X = _data()
    gm = GaussianMixture(3, init_params=init, random_state=0, max_iter=300).fit(X)
    assert gm.converged_ and np.isfinite(gm.lower_bound_)
    sk = SkGM(3, init_params=init, random_state=0, max_iter=300).fit(X)
    assert gm.lower_bound_ == pytest.approx(sk.lower_bound_, abs=0.05)


def test_fit_predict_equals_predict_and_warm_start():
    X = _data()
    gm = GaussianMixture(3, random_state=0)
    np.testing.assert_array_equal(gm.fit_predict(X), gm.predict(X))
    warm = GaussianMixture(3, random_state=0, max_iter=2, warm_start=True, tol=0)
    with pytest.warns(ConvergenceWarning):
        warm.fit(X)
    lb = warm.lower_bound_
    with pytest.warns(ConvergenceWarning):
        warm.fit(X)
    assert warm.lower_bound_ >= lb


def test_history_start_then_every_iteration():
    X = load_faithful()
    gm = GaussianMixture(2, max_iter=20, tol=0, keep_history=True, random_state=0,
                         means_init=[[2.0, 80.0], [4.5, 55.0]])
    with pytest.warns(ConvergenceWarning):
        gm.fit(X)
    h = gm.history_
    assert len(h) == 21
    np.testing.assert_array_equal(h[0]["means"], [[2.0, 80.0], [4.5, 55.0]])
    np.testing.assert_allclose([e["log_likelihood"] for e in h[:-1]], gm.lower_bounds_)
    np.testing.assert_allclose(h[-1]["means"], gm.means_)
    assert h[-1]["log_likelihood"] == pytest.approx(gm.score(X))
    lls = [e["log_likelihood"] for e in h]
    assert np.all(np.diff(lls) >= -1e-12)


def test_sample_and_unfitted():
    gm = GaussianMixture(2, random_state=0)
    with pytest.raises(NotFittedError, match="not fitted"):
        gm.predict([[0.0]])
    gm.fit(load_faithful())
    Xs, ys = gm.sample(1000)
    assert Xs.shape == (1000, 2) and set(ys.tolist()) == {0, 1}
    with pytest.raises(ValueError, match="positive integer"):
        gm.sample(0)
    with pytest.raises(ValueError, match="features"):
        gm.predict([[0.0, 1.0, 2.0]])


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("X, match", [
    (np.arange(10.0), "reshape"),
    (np.array([[0.0, 1.0], [np.nan, 1.0], [2.0, 3.0]]), "Input X contains NaN"),
    (np.array([[0.0, 1.0], [np.inf, 1.0], [2.0, 3.0]]), "Input X contains infinity"),
    (np.zeros((2, 2, 2)), "X: Found array with dim 3"),
    (np.array([[0.0, 1.0], [1.0, 2.0]]), "n_samples >= n_components"),
])
def test_bad_data(X, match):
    with pytest.raises(ValueError, match=match):
        GaussianMixture(3).fit(X)


@pytest.mark.parametrize("kw, match", [
    (dict(covariance_type="banana"), "'covariance_type' parameter"),
    (dict(init_params="magic"), "'init_params' parameter"),
    (dict(n_components=0), "n_components"),
    (dict(tol=-1.0), "tol"),
    (dict(reg_covar=-1.0), "reg_covar"),
    (dict(max_iter=-1), "max_iter"),
    (dict(n_init=0), "n_init"),
    (dict(weights_init=[0.5, 0.6]), "sum to 1"),
    (dict(weights_init=[0.5, 0.3, 0.2]), r"shape \(2,\)"),
    (dict(means_init=[[0.0, 0.0]]), r"means_init must have shape"),
    (dict(precisions_init=np.eye(2)), "precisions_init for covariance_type='full'"),
    (dict(precisions_init=np.stack([np.eye(2), -np.eye(2)])), "positive-definite"),
    (dict(covariance_type="tied", precisions_init=np.array([[1.0, 2.0], [2.0, 1.0]])),
     "positive-definite"),
    (dict(covariance_type="diag", precisions_init=np.array([[1.0, 0.0], [1.0, 1.0]])),
     "positive"),
])
def test_bad_parameters(kw, match):
    kw = {"n_components": 2, **kw}
    with pytest.raises(ValueError, match=match):
        GaussianMixture(**kw).fit(load_faithful())


def test_collapsing_component_and_duplicates():
    # duplicated points: the component that collapses onto them stays positive definite
    X = np.vstack([np.zeros((50, 2)), np.random.default_rng(0).normal(5, 1, (50, 2))])
    gm = GaussianMixture(2, random_state=0).fit(X)
    assert np.all(np.isfinite(gm.covariances_)) and np.isfinite(gm.lower_bound_)
    assert np.min(np.linalg.eigvalsh(gm.covariances_)) >= 1e-6 * 0.99
    # without regularisation the Cholesky fails: clear message
    with pytest.raises(ValueError, match="increase reg_covar"):
        GaussianMixture(2, reg_covar=0.0, random_state=0).fit(X)


@pytest.mark.parametrize("ct", TYPES)
def test_empty_component_stays_finite_like_sklearn(ct):
    # a component far from all data gets no responsibility: documented behaviour (as sklearn):
    # its weight becomes ~0, its mean 0 and its covariance reg_covar (never NaN).
    X = _data()
    kw = dict(n_components=2, covariance_type=ct, tol=0, max_iter=3,
              means_init=np.vstack([X.mean(0), [1e3, 1e3]]), **{
                  k: v[:2] if k == "precisions_init" and ct != "tied" else v
                  for k, v in _inits(X, ct, K=2).items() if k == "precisions_init"})
    with pytest.warns(ConvergenceWarning):
        gm = GaussianMixture(**kw).fit(X)
    with pytest.warns(SkConvergenceWarning):
        sk = SkGM(**kw).fit(X)
    for a in [gm.weights_, gm.means_, gm.covariances_, gm.precisions_cholesky_]:
        assert np.all(np.isfinite(a))
    assert gm.weights_[1] < 1e-12
    np.testing.assert_allclose(gm.means_, sk.means_, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(gm.covariances_, sk.covariances_, rtol=1e-8)


@settings(deadline=None, max_examples=30)
@given(seed=st.integers(0, 10_000), ct=st.sampled_from(TYPES), K=st.integers(1, 4))
def test_log_likelihood_never_decreases(seed, ct, K):
    X = np.random.default_rng(seed).normal(size=(40, 2)) * [1.0, 3.0]
    gm = GaussianMixture(K, covariance_type=ct, tol=0, max_iter=15, random_state=seed,
                         init_params="random")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gm.fit(X)
    lbs = np.array(gm.lower_bounds_)
    assert np.all(np.diff(lbs) >= -1e-9 * np.abs(lbs[1:]))


# ------------------------------------------------------------------ means-only EM
def test_means_only_em_lecture():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(-2, 1, 200), rng.normal(2, 1, 200)])
    out = means_only_em(x, [-0.1, 0.1], n_iter=30)
    assert out["means"].shape == (31, 2) and out["responsibilities"].shape == (30, 400, 2)
    assert out["log_likelihood"].shape == (31,)
    assert np.all(np.diff(out["log_likelihood"]) >= -1e-9)
    np.testing.assert_allclose(out["responsibilities"].sum(-1), 1.0)
    np.testing.assert_allclose(out["means"][-1], [-2, 2], atol=0.2)
    # equals GaussianMixture's E-step with weights 1/2 and σ = 1
    r0 = out["responsibilities"][0]
    _, log_resp = e_step(x[:, None], np.array([.5, .5]), np.array([[-0.1], [0.1]]),
                         np.array([1.0, 1.0]), "spherical")
    np.testing.assert_allclose(r0, np.exp(log_resp))


@pytest.mark.parametrize("args, match", [
    (([[1.0]], [0, 1]), "1-D"), (([np.nan], [0, 1]), "finite"), (([1.0], [0, 1, 2]), "two"),
])
def test_means_only_em_errors(args, match):
    with pytest.raises(ValueError, match=match):
        means_only_em(*args)
    with pytest.raises(ValueError, match="sigma"):
        means_only_em([1.0], [0, 1], sigma=0)


def test_max_iter_zero_verbose_and_far_offset(capsys):
    X = load_faithful()
    gm = GaussianMixture(2, max_iter=0, random_state=0).fit(X)
    assert gm.n_iter_ == 0 and gm.converged_ is False and gm.lower_bound_ == -np.inf
    GaussianMixture(2, random_state=0, verbose=2, verbose_interval=1).fit(X)
    out = capsys.readouterr().out
    assert "Initialization 0" in out and "Iteration 1" in out and "converged: True" in out
    # data far from the origin: the blocked step (shifted features) keeps full accuracy
    Xo = X + 1e5
    kw = dict(n_components=2, tol=0, max_iter=5, means_init=[[2.0, 55.0], [4.3, 80.0]])
    kw["means_init"] = np.array(kw["means_init"]) + 1e5
    kw["precisions_init"] = np.stack([np.diag([4.0, 0.03]), np.diag([4.0, 0.03])])
    kw["weights_init"] = [0.4, 0.6]
    with pytest.warns(SkConvergenceWarning):
        sk = SkGM(**kw).fit(Xo)
    with pytest.warns(ConvergenceWarning):
        ours = GaussianMixture(**kw).fit(Xo)
    np.testing.assert_allclose(ours.covariances_, sk.covariances_, rtol=1e-6)
    np.testing.assert_allclose(ours.means_, sk.means_, rtol=1e-12)


@settings(deadline=None, max_examples=25)
@given(seed=st.integers(0, 10_000), ct=st.sampled_from(TYPES), d=st.integers(1, 4),
       block=st.integers(1, 64))
def test_fused_step_property(seed, ct, d, block):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(60, d)) * rng.uniform(0.5, 3, size=d) + rng.normal(scale=5, size=d)
    resp = rng.dirichlet(np.ones(3), size=len(X))
    w, mu, cov = m_step(X, resp, 1e-6, ct)
    pc = precision_cholesky(cov, ct)
    ll, log_resp = e_step(X, w, mu, pc, ct)
    ref = m_step(X, np.exp(log_resp), 1e-6, ct)
    ll_f, *fast = fused_em_step(X, w, mu, pc, ct, 1e-6, block=block)
    assert ll_f == pytest.approx(ll, rel=1e-10)
    for a, b in zip(fast, ref):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("ct", TYPES)
def test_sample_matches_sklearn(ct):
    X = _data()
    kw = dict(n_components=3, covariance_type=ct, random_state=0, max_iter=200, **_inits(X, ct))
    sk, ours = SkGM(**kw).fit(X), GaussianMixture(**kw).fit(X)
    Xs, ys = ours.sample(50)
    Xk, yk = sk.sample(50)
    np.testing.assert_array_equal(ys, yk)
    np.testing.assert_allclose(Xs, Xk, rtol=1e-6)
