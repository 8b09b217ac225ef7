"""Tests for lecture_code.plotting.kmeans (figures of the k-means chapter)."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from sklearn.metrics import adjusted_rand_score  # noqa: E402

from lecture_code.datasets import make_mixture  # noqa: E402
from lecture_code.mixture import GaussianMixture, KMeans, em_to_kmeans  # noqa: E402
from lecture_code.plotting import kmeans as pk  # noqa: E402


@pytest.fixture(scope="module")
def blobs():
    means = np.array([[0.0, 0.0], [6.0, 0.0], [0.0, 6.0]])
    return make_mixture(150, means, np.stack([np.eye(2)] * 3), random_state=0)


@settings(deadline=None, max_examples=40)
@given(st.lists(st.integers(0, 3), min_size=1, max_size=30), st.permutations(range(4)))
def test_align_labels_undoes_a_permutation(truth, perm):
    truth = np.array(truth)
    relabelled = np.array(perm)[truth]
    aligned = pk.align_labels(relabelled, truth)
    np.testing.assert_array_equal(aligned, truth)
    assert adjusted_rand_score(truth, aligned) == pytest.approx(
        adjusted_rand_score(truth, relabelled))


def test_align_labels_errors():
    with pytest.raises(ValueError, match="same length"):
        pk.align_labels([0, 1], [0, 1, 1])


def test_draw_centers_and_arrows(ax):
    sc = pk.draw_centers(ax, [[0, 0], [2, 2]], previous=[[1, 0], [2, 2]])
    np.testing.assert_array_equal(sc.get_offsets(), [[0, 0], [2, 2]])
    assert len(ax.texts) == 1                      # one arrow: the second center did not move
    with pytest.raises(ValueError, match="shape of centers"):
        pk.draw_centers(ax, [[0, 0]], previous=[[0, 0], [1, 1]])
    with pytest.raises(ValueError, match=r"\(n_points, 2\)"):
        pk.draw_centers(ax, [0, 0])


def test_lloyd_iterations_panels(blobs):
    X, _ = blobs
    km = KMeans(3, init=X[:3], keep_history=True).fit(X)
    steps = list(range(len(km.history_)))[:4]
    fig = pk.plot_lloyd_iterations(X, km.history_, steps, ncols=3)
    visible = [a for a in fig.axes if a.get_visible()]
    assert len(visible) == len(steps)
    assert visible[0].get_title().startswith("start\nJ = ")
    assert visible[1].get_title().startswith("after iteration 1")
    assert fig.get_supylabel() == "$x_2$" and fig.get_supxlabel() == "$x_1$"
    plt.close(fig)
    with pytest.raises(ValueError, match="indices into history"):
        pk.plot_lloyd_iterations(X, km.history_, [len(km.history_)])


def test_objective_plots(ax):
    line = pk.plot_objective(ax, [5.0, 3.0, 2.0], label="run", log=True)
    assert ax.get_yscale() == "log" and ax.get_xlabel() == "iteration"
    assert line.get_label() == "run"
    with pytest.raises(ValueError, match="non-empty 1-D"):
        pk.plot_objective(ax, [])


def test_objective_by_seed(ax):
    lines = pk.plot_objective_by_seed(ax, {"random": [3.0, 1.0, 2.0], "k-means++": [1.0, 1.0]},
                                      best=1.0)
    assert len(lines) == 2
    np.testing.assert_array_equal(lines[0].get_ydata(), [1.0, 2.0, 3.0])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "random (mean 2)" in labels and "best found (1)" in labels
    with pytest.raises(ValueError, match="map a method name"):
        pk.plot_objective_by_seed(ax, {})


def test_sigma_limit(blobs):
    X, _ = blobs
    out = em_to_kmeans(X, X[:3], [2.0, 0.1])
    fig = pk.plot_sigma_limit(X, out)
    assert [a.get_title() for a in fig.axes] == [r"$\sigma$ = 2", r"$\sigma$ = 0.1"]
    plt.close(fig)
    with pytest.raises(ValueError, match="non-empty list"):
        pk.plot_sigma_limit(X, [])


@pytest.mark.parametrize("covariance_type", ["full", "spherical"])
def test_kmeans_vs_mixture(blobs, covariance_type):
    X, y = blobs
    km = KMeans(3, random_state=0).fit(X)
    gm = GaussianMixture(3, covariance_type=covariance_type, random_state=0).fit(X)
    fig = pk.plot_kmeans_vs_mixture(X, km, gm, truth=y, scores=(0.5, 0.9), title="t",
                                    n_grid=30)
    left, right = fig.axes
    assert left.get_title() == "k-means\nadjusted Rand index 0.50"
    assert right.get_title().startswith("Gaussian mixture")
    assert len(right.patches) == 3                  # one 2-sigma ellipse per component
    plt.close(fig)
    with pytest.raises(ValueError, match="pair"):
        pk.plot_kmeans_vs_mixture(X, km, gm, scores=(1.0,))
