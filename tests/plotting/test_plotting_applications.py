"""Tests for the figure helpers of the chapter *Applications and discussion*."""
import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lecture_code.plotting import applications as pa  # noqa: E402


def test_decision_boundary_draws_regions_boundary_and_points(ax):
    X = np.array([[-1.0, 0.0], [-0.5, 1.0], [1.0, 0.0], [0.5, -1.0]])
    boundary = pa.plot_decision_boundary(ax, lambda P: P[:, 0], X, [0, 0, 1, 1],
                                         resolution=30, title="t")
    assert boundary.levels.tolist() == [0.0]
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == ["class 0", "class 1"]
    assert ax.get_title() == "t"
    assert ax.xaxis.label.get_fontsize() >= 10


@pytest.mark.parametrize("X, labels, scores, match", [
    (np.ones((3, 3)), [0, 1, 0], lambda P: P[:, 0], r"\(n, 2\)"),
    (np.ones((3, 2)), [0, 1], lambda P: P[:, 0], "one entry per point"),
    (np.array([[0.0, 0.0], [1.0, 1.0]]), [0, 1], lambda P: P, "one number per point"),
])
def test_decision_boundary_bad_input(ax, X, labels, scores, match):
    with pytest.raises(ValueError, match=match):
        pa.plot_decision_boundary(ax, scores, X, labels, resolution=5)


def test_loss_curve(ax):
    line = pa.plot_loss_curve(ax, [0.7, 0.3, 0.1])
    assert line.get_xdata().tolist() == [0, 1, 2]
    assert ax.get_yscale() == "log"


@pytest.mark.parametrize("losses", [[], [[1.0]], [1.0, np.nan]])
def test_loss_curve_bad_input(ax, losses):
    with pytest.raises(ValueError, match="losses"):
        pa.plot_loss_curve(ax, losses)
