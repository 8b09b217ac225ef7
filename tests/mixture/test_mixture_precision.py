"""Precision far from the origin (issue 12 §1): EM and k-means give the same answer for data
translated by up to 1e8 or rescaled, and match scikit-learn on tight clusters far apart."""
import warnings

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sklearn.cluster import KMeans as SkKMeans
from sklearn.mixture import GaussianMixture as SkGM

from lecture_code.mixture import (
    GaussianMixture, KMeans, e_step, fused_em_step, hard_e_step, kmeans_plusplus, m_step,
    precision_cholesky)
from lecture_code.mixture._steps import blocked_predict

TYPES = ["full", "tied", "diag", "spherical"]


def _repro():
    R = np.random.RandomState(0)
    return np.r_[R.randn(50, 1) * 1e-3 - 1e5, R.randn(50, 1) * 1e-3 + 1e5]


def _clusters(seed, separation, n=120, d=2, K=3):
    """K round clusters of unit width whose centres lie ~``separation`` apart."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(K, d)) * separation
    labels = np.arange(n) % K
    return centres[labels] + rng.normal(size=(n, d)), centres


def _start(X, centres, ct):
    K, d = centres.shape
    P = {"full": np.stack([np.eye(d)] * K), "tied": np.eye(d), "diag": np.ones((K, d)),
         "spherical": np.ones(K)}[ct]
    return dict(weights_init=np.full(K, 1 / K), means_init=centres + 0.3, precisions_init=P)


def _fit(X, ct, start, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")     # tol=0: runs max_iter and warns
        return GaussianMixture(len(start["means_init"]), covariance_type=ct, tol=0, max_iter=15,
                               **start, **kw).fit(X)


def _rel(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300)


def test_reproducer_matches_sklearn():
    X = _repro()
    ours, sk = GaussianMixture(2, random_state=0).fit(X), SkGM(2, random_state=0).fit(X)
    assert ours.converged_ and sk.converged_
    assert ours.lower_bound_ == pytest.approx(4.703911802, abs=1e-8)   # was 4.815
    assert ours.lower_bound_ == pytest.approx(sk.lower_bound_, rel=1e-9)
    assert ours.score(X) == pytest.approx(ours.lower_bound_, rel=1e-12)  # was 4.766
    o, s = np.argsort(ours.means_[:, 0]), np.argsort(sk.means_[:, 0])
    np.testing.assert_allclose(ours.covariances_.ravel()[o], sk.covariances_.ravel()[s], rtol=1e-6)
    np.testing.assert_allclose(ours.covariances_.ravel()[o], [2.2668e-6, 1.7518e-6], rtol=1e-4)
    np.testing.assert_allclose(ours.means_[o], sk.means_[s], rtol=1e-12)


@pytest.mark.parametrize("ct", TYPES)
def test_reproducer_same_start_every_type(ct):
    """From one start, the fit equals an exact reference EM (e_step/m_step, which centre on
    each mean); scikit-learn agrees for full, where it centres too (its diag/spherical/tied
    expand the quadratic and cancel here, so they are not the reference)."""
    X = _repro()
    start = {"weights_init": np.array([0.5, 0.5]), "means_init": np.array([[-1e5 + 1e-3], [1e5]]),
             "precisions_init": {"full": np.full((2, 1, 1), 1e5), "tied": np.full((1, 1), 1e5),
                                 "diag": np.full((2, 1), 1e5), "spherical": np.full(2, 1e5)}[ct]}
    ours = _fit(X, ct, start)
    w, mu = start["weights_init"], start["means_init"]
    pc = np.sqrt(start["precisions_init"])
    for _ in range(15):
        ll, log_resp = e_step(X, w, mu, pc, ct)
        w, mu, cov = m_step(X, np.exp(log_resp), 1e-6, ct)
        pc = precision_cholesky(cov, ct)
    assert ours.lower_bound_ == pytest.approx(ll, rel=1e-10)
    assert _rel(ours.covariances_, cov) < 1e-8
    assert _rel(ours.means_, mu) < 1e-14
    if ct == "full":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sk = SkGM(2, covariance_type=ct, tol=0, max_iter=15, **start).fit(X)
        assert _rel(ours.covariances_, sk.covariances_) < 1e-6
        assert ours.lower_bound_ == pytest.approx(sk.lower_bound_, rel=1e-8)


@pytest.mark.parametrize("data, K, sk_iter", [("repro", 3, 15), ("repro+point", 3, 2)])
def test_tiny_tol_converges_after_collapse(data, K, sk_iter):
    """A component collapses (on a cluster of 1e-3 width or a single point at 0) and EM still
    converges with tol=1e-10; before the fix the bound cancelled (ValueError: ill-defined)."""
    X = _repro() if data == "repro" else np.r_[_repro(), [[0.0]]]
    ours = GaussianMixture(K, random_state=0, tol=1e-10, max_iter=1000).fit(X)
    sk = SkGM(K, random_state=0, tol=1e-10, max_iter=1000).fit(X)
    assert ours.converged_ and sk.converged_ and sk.n_iter_ == sk_iter
    assert ours.n_iter_ < 5 * sk_iter    # own k-means start, not scikit-learn's
    assert ours.lower_bound_ == pytest.approx(sk.lower_bound_, rel=1e-9)
    # at the fixed point the bound no longer moves by more than rounding
    assert abs(ours.lower_bounds_[-1] - ours.lower_bounds_[-2]) < 1e-10


@pytest.mark.parametrize("ct", TYPES)
def test_exact_and_fast_paths_agree_on_everyday_data(ct):
    X, centres = _clusters(0, 5.0, n=500, d=3)
    w, mu = np.full(3, 1 / 3), centres + 0.3
    pc = precision_cholesky(m_step(X, np.full((500, 3), 1 / 3), 1e-6, ct)[2], ct)
    fast = fused_em_step(X, w, mu, pc, ct, 1e-6, exact=False)
    exact = fused_em_step(X, w, mu, pc, ct, 1e-6, exact=True, block=37)
    auto = fused_em_step(X, w, mu, pc, ct, 1e-6)
    ll, log_resp = e_step(X, w, mu, pc, ct)
    ref = m_step(X, np.exp(log_resp), 1e-6, ct)
    for out in (fast, exact, auto):
        assert out[0] == pytest.approx(ll, rel=1e-12)
        for a, b in zip(out[1:], ref):
            assert _rel(a, b) < 1e-10
    np.testing.assert_array_equal(blocked_predict(X, w, mu, pc, ct, block=50),
                                  (log_resp).argmax(axis=1))


@pytest.mark.parametrize("ct", TYPES)
def test_fast_path_would_cancel_so_the_step_switches(ct):
    """The expanded quadratic is wrong on the reproducer; the automatic step is not."""
    X = _repro()
    w, mu = np.array([0.5, 0.5]), np.array([[-1e5], [1e5]])
    cov = {"full": np.full((2, 1, 1), 1e-6), "tied": np.full((1, 1), 1e-6),
           "diag": np.full((2, 1), 1e-6), "spherical": np.full(2, 1e-6)}[ct]
    pc = precision_cholesky(cov, ct)
    ll, log_resp = e_step(X, w, mu, pc, ct)
    ref = m_step(X, np.exp(log_resp), 1e-6, ct)
    auto = fused_em_step(X, w, mu, pc, ct, 1e-6)
    assert auto[0] == pytest.approx(ll, rel=1e-12)
    assert _rel(auto[3], ref[2]) < 1e-9
    fast = fused_em_step(X, w, mu, pc, ct, 1e-6, exact=False)
    assert abs(fast[0] - ll) > 1e-3 or _rel(fast[3], ref[2]) > 1e-3
    np.testing.assert_array_equal(blocked_predict(X, w, mu, pc, ct, block=30),
                                  log_resp.argmax(axis=1))


offsets = st.tuples(st.floats(-1e8, 1e8), st.floats(-1e8, 1e8))


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 1000), offset=offsets, log_sep=st.floats(0.5, 5.0),
       ct=st.sampled_from(TYPES))
@example(seed=0, offset=(1e8, -3e7), log_sep=5.0, ct="full")
@example(seed=1, offset=(-1e8, 1e8), log_sep=4.5, ct="tied")
@example(seed=2, offset=(5e7, 0.0), log_sep=5.0, ct="diag")
@example(seed=3, offset=(0.0, 1e8), log_sep=4.0, ct="spherical")
def test_translation_leaves_em_unchanged(seed, offset, log_sep, ct):
    """Translate by up to 1e8: weights, covariances, precisions, bound unchanged (relative 1e-6),
    means move by the offset; clusters 3 to 1e5 widths apart."""
    X, centres = _clusters(seed, 10 ** log_sep)
    off = np.array(offset)
    a = _fit(X, ct, _start(X, centres, ct))
    start = _start(X, centres, ct)
    start["means_init"] = start["means_init"] + off
    b = _fit(X + off, ct, start)
    # the translated data are rounded to eps·|offset| ≤ 2.2e-8 (clusters of unit width)
    tol = 1e-6
    assert b.lower_bound_ == pytest.approx(a.lower_bound_, rel=tol, abs=tol)
    for name in ("weights_", "covariances_", "precisions_", "precisions_cholesky_"):
        assert _rel(getattr(b, name), getattr(a, name)) < tol, name
    assert np.max(np.abs((b.means_ - off) - a.means_)) < tol
    np.testing.assert_array_equal(b.predict(X + off), a.predict(X))


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 1000), log_scale=st.floats(-6, 6), ct=st.sampled_from(TYPES))
def test_scaling_rescales_em(seed, log_scale, ct):
    """X → cX (with reg_covar → c² reg_covar): means × c, covariances × c², bound − D log c."""
    X, centres = _clusters(seed, 8.0)
    c = 10.0 ** log_scale
    a = _fit(X, ct, _start(X, centres, ct))
    start = _start(X, centres, ct)
    start["means_init"] = start["means_init"] * c
    start["precisions_init"] = start["precisions_init"] / c ** 2
    b = _fit(X * c, ct, start, reg_covar=1e-6 * c ** 2)
    assert b.lower_bound_ + X.shape[1] * np.log(c) == pytest.approx(a.lower_bound_, rel=1e-9,
                                                                     abs=1e-9)
    assert _rel(b.means_ / c, a.means_) < 1e-9
    assert _rel(b.covariances_ / c ** 2, a.covariances_) < 1e-9
    assert _rel(b.weights_, a.weights_) < 1e-9


@pytest.mark.parametrize("offset, sizes_before_fix", [(1e6, [50, 10]), (1e7, [60, 0])])
def test_kmeans_far_from_origin_matches_sklearn(offset, sizes_before_fix):
    rng = np.random.RandomState(0)
    X = np.r_[rng.randn(30, 2) * 1e-3, rng.randn(30, 2) * 1e-3 + [0.01, 0]] + offset
    init = X[[0, 30]]
    ours = KMeans(2, init=init).fit(X)
    sk = SkKMeans(2, init=init, n_init=1).fit(X)
    assert np.bincount(ours.labels_).tolist() == [30, 30] != sizes_before_fix
    np.testing.assert_array_equal(ours.labels_, sk.labels_)
    np.testing.assert_allclose(ours.cluster_centers_, sk.cluster_centers_, rtol=1e-15, atol=1e-9)
    assert ours.inertia_ == pytest.approx(sk.inertia_, rel=1e-6)
    np.testing.assert_array_equal(ours.predict(X), sk.labels_)
    np.testing.assert_array_equal(hard_e_step(X, ours.cluster_centers_), sk.labels_)
    _, idx = kmeans_plusplus(X, 2, random_state=0)
    assert sorted(i // 30 for i in idx) == [0, 1]       # one seed in each cluster


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 1000), offset=offsets, log_scale=st.floats(-3, 3))
def test_translation_and_scale_leave_kmeans_unchanged(seed, offset, log_scale):
    X, centres = _clusters(seed, 6.0)
    off, c = np.array(offset), 10.0 ** log_scale
    a = KMeans(3, init=centres).fit(X)
    b = KMeans(3, init=centres * c + off).fit(X * c + off)
    np.testing.assert_array_equal(b.labels_, a.labels_)
    assert b.n_iter_ == a.n_iter_
    # translated data are rounded to eps·|offset|, i.e. eps·|offset|/c in units of the clusters
    tol = 1e-6 + 8 * np.finfo(float).eps * np.abs(off).max() / c
    assert np.max(np.abs((b.cluster_centers_ - off) / c - a.cluster_centers_)) < tol
    assert b.inertia_ / c ** 2 == pytest.approx(a.inertia_, rel=max(tol, 1e-9))
    sk = SkKMeans(3, init=centres * c + off, n_init=1).fit(X * c + off)
    np.testing.assert_array_equal(b.labels_, sk.labels_)
