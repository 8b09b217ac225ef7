"""Tests for lecture_code.plotting.em: the figures of the chapter *The EM algorithm*."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Ellipse  # noqa: E402

from lecture_code.datasets import make_mixture  # noqa: E402
from lecture_code.mixture import GaussianMixture, means_only_em  # noqa: E402
from lecture_code.plotting import em as pe  # noqa: E402


@pytest.fixture(scope="module")
def run():
    X, _ = make_mixture(120, [[0.0, 0.0], [4.0, 4.0]], [np.eye(2), np.eye(2)],
                        random_state=0)
    gm = GaussianMixture(2, keep_history=True, max_iter=100, tol=1e-10, random_state=0,
                         init_params="random_from_data").fit(X)
    assert gm.converged_ and len(gm.history_) > 10
    return X, gm


def test_state_responsibilities_match_predict_proba(run):
    X, gm = run
    resp = pe.state_responsibilities(X, gm.history_[-1])
    assert np.allclose(resp, gm.predict_proba(X), atol=1e-10)


@pytest.mark.parametrize("ct", ["full", "tied", "diag", "spherical"])
def test_every_covariance_form_draws(ct, ax):
    X, _ = make_mixture(60, [[0.0, 0.0], [3.0, 3.0]], [np.eye(2), np.eye(2)], random_state=1)
    gm = GaussianMixture(2, covariance_type=ct, keep_history=True, random_state=0).fit(X)
    resp = pe.plot_em_state(ax, X, gm.history_[1], covariance_type=ct, title="one")
    assert resp.shape == (60, 2) and np.allclose(resp.sum(axis=1), 1)
    assert sum(isinstance(p, Ellipse) for p in ax.patches) == 4
    assert ax.get_title() == "one"


def test_sequence_grid_titles_and_hidden_panels(run):
    X, gm = run
    fig, axes = pe.plot_em_sequence(X, gm.history_, iterations=(0, 1, 2, 5, 10), ncols=3,
                                    xlabel="a", ylabel="b")
    try:
        assert axes.shape == (2, 3)
        assert axes[0, 0].get_title().startswith("start\nlog-likelihood")
        ll = gm.history_[5]["log_likelihood"] * len(X)
        assert axes[1, 0].get_title() == f"after iteration 5\nlog-likelihood {ll:.1f}"
        assert not axes[1, 2].get_visible()
        assert fig.get_supxlabel() == "a" and fig.get_supylabel() == "b"
    finally:
        plt.close(fig)


def test_iteration_view_marks_the_current_iteration(run):
    X, gm = run
    fig, axes = plt.subplots(1, 2)
    try:
        pe.plot_em_iteration(axes, X, gm.history_, 2)
        curve = np.array([h["log_likelihood"] for h in gm.history_]) * len(X)
        marker = axes[1].lines[1]
        assert marker.get_xdata()[0] == 2 and marker.get_ydata()[0] == pytest.approx(curve[2])
        assert np.allclose(axes[1].lines[0].get_ydata(), curve)
    finally:
        plt.close(fig)


def test_means_only_figures(ax):
    x = np.array([-2.0, -1.5, 1.0, 2.5])
    out = means_only_em(x, [-0.5, 0.5], n_iter=4)
    lines = pe.plot_means_only_fit(ax, x, out["means"], [0, 4], sigma=1.0)
    assert [line.get_label() for line in lines] == ["start", "iteration 4"]
    grid, density = lines[1].get_xdata(), lines[1].get_ydata()
    assert np.sum(density) * (grid[1] - grid[0]) == pytest.approx(1.0, abs=1e-3)
    fig, ax2 = plt.subplots()
    try:
        lines = pe.plot_means_trajectory(ax2, out["means"], true_means=[-2, 2])
        assert np.allclose(lines[0].get_ydata(), out["means"][:, 0])
    finally:
        plt.close(fig)


def test_bound_slice(ax):
    t = np.linspace(-1, 2, 31)
    lines = pe.plot_bound_slice(ax, t, -(t - 1.5) ** 2, -(t - 1) ** 2 - 0.25)
    assert len(lines) == 2 and ax.get_ylabel() == "log-likelihood"


@pytest.mark.parametrize("call, match", [
    (lambda ax, X, h: pe.plot_em_sequence(X, h, iterations=(0, 999)), "iterations must lie"),
    (lambda ax, X, h: pe.plot_em_sequence(X, h, (0, 1), ncols=0), "ncols must be"),
    (lambda ax, X, h: pe.plot_em_state(ax, X[:, :1], h[0]), r"X must be an \(N, 2\)"),
    (lambda ax, X, h: pe.plot_em_state(ax, X, {"means": [[0, 0]]}), "a state must be a dict"),
    (lambda ax, X, h: pe.state_responsibilities(X, h[0], "round"), "Unknown covariance_type"),
    (lambda ax, X, h: pe.plot_em_iteration((ax, ax), X, h, -1), "iteration must be between"),
    (lambda ax, X, h: pe.plot_em_iteration(
        (ax, ax), X, [{k: v for k, v in s.items() if k != "log_likelihood"} for s in h], 0),
     "needs a 'log_likelihood'"),
    (lambda ax, X, h: pe.plot_means_only_fit(ax, X[:, 0], np.zeros((3, 2)), [5]),
     "iterations must be between 0 and 2"),
    (lambda ax, X, h: pe.plot_means_trajectory(ax, np.zeros(3)), r"shape \(T \+ 1, 2\)"),
    (lambda ax, X, h: pe.plot_bound_slice(ax, [0, 1], [0, 1], [0]), "same length"),
])
def test_bad_input_is_explained(run, ax, call, match):
    X, gm = run
    with pytest.raises(ValueError, match=match):
        call(ax, X, gm.history_)


@pytest.mark.parametrize("iteration", [0, 3])
def test_iteration_marker_is_always_in_view(run, iteration):
    X, gm = run
    fig, axes = plt.subplots(1, 2)
    try:
        pe.plot_em_iteration(axes, X, gm.history_, iteration)
        low, high = axes[1].get_ylim()
        value = gm.history_[iteration]["log_likelihood"] * len(X)
        assert low < value < high
    finally:
        plt.close(fig)
