"""k-means: parity with scikit-learn from the same centers, k-means++, EM → k-means as σ → 0."""
import numpy as np
import pytest
from sklearn.cluster import KMeans as SkKMeans
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from lecture_code.datasets import load_faithful, make_mixture
from lecture_code.mixture import KMeans, em_to_kmeans, hard_e_step, hard_m_step, kmeans_plusplus


def _blobs(seed=0, n=600, d=2, K=4):
    rng = np.random.default_rng(seed)
    return make_mixture(n, rng.normal(scale=3, size=(K, d)), np.stack([np.eye(d)] * K),
                        random_state=seed)[0]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("d, K", [(2, 3), (5, 6)])
def test_same_as_sklearn_from_same_centers(seed, d, K):
    X = _blobs(seed, d=d, K=K)
    init = X[np.random.default_rng(seed).choice(len(X), K, replace=False)]
    sk = SkKMeans(K, init=init, n_init=1, algorithm="lloyd").fit(X)
    ours = KMeans(K, init=init).fit(X)
    np.testing.assert_array_equal(ours.labels_, sk.labels_)
    np.testing.assert_allclose(ours.cluster_centers_, sk.cluster_centers_, rtol=1e-10, atol=1e-12)
    assert ours.inertia_ == pytest.approx(sk.inertia_, rel=1e-10)
    assert ours.n_iter_ == sk.n_iter_
    np.testing.assert_array_equal(ours.predict(X), sk.predict(X))


def test_faithful_and_n_init():
    X = load_faithful()
    ours = KMeans(2, n_init=5, random_state=0).fit(X)
    sk = SkKMeans(2, n_init=5, random_state=0).fit(X)
    assert ours.inertia_ == pytest.approx(sk.inertia_, rel=1e-9)
    np.testing.assert_array_equal(ours.fit_predict(X), ours.labels_)


def test_kmeans_plusplus_spreads_centers():
    X = np.vstack([np.zeros((50, 2)), np.full((50, 2), 10.0), np.full((50, 2), [0.0, 10.0])])
    X += np.random.default_rng(0).normal(scale=0.1, size=X.shape)
    for seed in range(5):
        c, idx = kmeans_plusplus(X, 3, random_state=seed)
        np.testing.assert_array_equal(c, X[idx])
        assert len({tuple(np.round(v, -1)) for v in c}) == 3
    with pytest.raises(ValueError, match="n_clusters"):
        kmeans_plusplus(X, 1000)


def test_duplicates_and_empty_cluster():
    X = np.vstack([np.zeros((5, 1)), np.ones((5, 1))])
    with pytest.warns(ConvergenceWarning, match=r"distinct clusters \(2\)"):
        km = KMeans(3, n_init=3, random_state=0).fit(X)
    assert np.all(np.isfinite(km.cluster_centers_)) and km.inertia_ == pytest.approx(0.0)
    # a center far from all data is relocated to a data point rather than becoming NaN
    km = KMeans(2, init=np.array([[0.5], [100.0]])).fit(np.array([[0.0], [0.2], [5.0]]))
    assert np.all(np.isfinite(km.cluster_centers_))


@pytest.mark.parametrize("kw, X, match", [
    (dict(n_clusters=0), [[0.0]], "'n_clusters' parameter"),
    (dict(n_clusters=3), [[0.0], [1.0]], "n_samples=2 should be >= n_clusters=3"),
    (dict(n_clusters=2, init="fancy"), [[0.0], [1.0]], "'init' parameter"),
    (dict(n_clusters=2, init=np.zeros((3, 1))), [[0.0], [1.0]], "init centers must have shape"),
    (dict(n_clusters=1), [0.0, 1.0], "reshape"),
    (dict(n_clusters=1), [[0.0], [np.nan]], "NaN"),
])
def test_errors(kw, X, match):
    with pytest.raises(ValueError, match=match):
        KMeans(**kw).fit(X)


def test_predict_unfitted():
    with pytest.raises(NotFittedError, match="not fitted"):
        KMeans(2).predict([[0.0]])


def test_em_to_kmeans_limit():
    X = _blobs(3, K=3)
    init = X[:3].copy()
    out = em_to_kmeans(X, init, [5.0, 1.0, 0.1, 1e-3], n_iter=4)
    km = KMeans(3, init=init, max_iter=4, tol=0).fit(X)
    last = out[-1]
    prev = KMeans(3, init=init, max_iter=3, tol=0).fit(X).cluster_centers_
    hard = np.eye(3)[np.argmin(((X[:, None] - prev) ** 2).sum(-1), axis=1)]
    np.testing.assert_allclose(last["responsibilities"], hard, atol=1e-8)
    np.testing.assert_allclose(last["means"], km.cluster_centers_, atol=1e-8)
    # responsibilities become harder as sigma decreases
    ent = [-(o["responsibilities"] * np.log(o["responsibilities"] + 1e-300)).sum() for o in out]
    assert all(a >= b for a, b in zip(ent, ent[1:]))
    with pytest.raises(ValueError, match="positive"):
        em_to_kmeans(X, init, [0.0])
    with pytest.raises(ValueError, match="centers must have shape"):
        em_to_kmeans(X, init[:, :1], [1.0])


@pytest.mark.parametrize("max_iter", [1, 2, 300])
def test_empty_cluster_same_as_sklearn(max_iter):
    # the third center is far from all data: its cluster is empty after the first E-step
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 1, (30, 2)), rng.normal(8, 1, (30, 2))])
    init = np.array([[0.0, 0.0], [8.0, 8.0], [100.0, 100.0]])
    sk = SkKMeans(3, init=init, n_init=1, algorithm="lloyd", max_iter=max_iter).fit(X)
    ours = KMeans(3, init=init, max_iter=max_iter).fit(X)
    np.testing.assert_allclose(ours.cluster_centers_, sk.cluster_centers_, rtol=1e-10, atol=1e-12)
    assert ours.inertia_ == pytest.approx(sk.inertia_, rel=1e-10)


def test_hard_steps():
    X = np.array([[0.0], [1.0], [10.0], [11.0]])
    assert hard_e_step(X, [[0.5], [10.5]]).tolist() == [0, 0, 1, 1]
    np.testing.assert_allclose(hard_m_step(X, np.array([0, 0, 1, 1]), [[0.0], [9.0]]),
                               [[0.5], [10.5]])
    # clusters 1 and 2 are empty: the farthest points from center 1.0 (11, then 10) move there
    new = hard_m_step(X, np.array([0, 0, 0, 0]), [[1.0], [50.0], [60.0]])
    np.testing.assert_allclose(new, [[0.5], [11.0], [10.0]])
    # all points on their centers: an empty cluster goes to the largest cluster's center
    np.testing.assert_allclose(hard_m_step(np.zeros((3, 1)), np.zeros(3, int), [[0.0], [5.0]]),
                               [[0.0], [0.0]])
    with pytest.raises(ValueError, match="labels must be 4 integers in"):
        hard_m_step(X, np.array([0, 0, 2, 1]), [[0.0], [9.0]])
    with pytest.raises(ValueError, match="labels must be 4 integers in"):
        hard_m_step(X, np.array([0.0, 0, 1, 1]), [[0.0], [9.0]])
    with pytest.raises(ValueError, match="centers must have shape"):
        hard_e_step(X, [0.0, 1.0])


def test_history_objective_never_increases():
    X = _blobs(4, K=5)
    km = KMeans(5, init="random", random_state=0, keep_history=True, tol=0).fit(X)
    J = [h["inertia"] for h in km.history_]
    assert len(J) == km.n_iter_ + 1 and J[-1] == pytest.approx(km.inertia_)
    assert np.all(np.diff(J) <= 1e-9 * J[0])
    np.testing.assert_array_equal(km.history_[-1]["centers"], km.cluster_centers_)
    assert not hasattr(KMeans(2).fit(X), "history_")
