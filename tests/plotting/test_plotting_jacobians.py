"""Tests for the figure helpers of the AD chapters 5-7 (lecture_code.plotting.jacobians)."""
import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lecture_code.plotting import jacobians as pj  # noqa: E402


def test_jacobian_sweeps_outlines_column_and_row(ax):
    J = np.arange(6.0).reshape(2, 3)
    image = pj.plot_jacobian_sweeps(ax, J, column=2, row=0)
    assert image.get_array().shape == (2, 3)
    assert len(ax.patches) == 2
    assert len(ax.texts) == 6
    assert ax.get_legend() is not None


@pytest.mark.parametrize("kwargs, match", [({"column": 3}, "column=3"), ({"row": -1}, "row=-1")])
def test_jacobian_sweeps_bad_index(ax, kwargs, match):
    with pytest.raises(ValueError, match=match):
        pj.plot_jacobian_sweeps(ax, np.ones((2, 3)), **kwargs)


def test_jacobian_sweeps_bad_shape(ax):
    with pytest.raises(ValueError, match="2-D"):
        pj.plot_jacobian_sweeps(ax, np.ones((2, 2, 2)))


def test_scaling_lines_and_log_axes(ax):
    lines = pj.plot_scaling(ax, [1, 10, 100], {"jacfwd": [1, 2, 3], "jacrev": [3, 2, 1]},
                            slopes=[1, 2])
    assert [line.get_label() for line in lines] == ["jacfwd", "jacrev"]
    assert lines[0].get_color() == pj.MODE_COLORS["jacfwd"]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert len(ax.lines) == 4


def test_scaling_length_mismatch(ax):
    with pytest.raises(ValueError, match="one value per size"):
        pj.plot_scaling(ax, [1, 2], {"x": [1, 2, 3]})


def test_rosenbrock_paths(ax):
    path = np.array([[-1.2, 1.0], [0.0, 0.0], [1.0, 1.0]])
    lines = pj.plot_rosenbrock_paths(ax, {"Newton": path})
    assert lines[0].get_label() == "Newton (2 iterations)"
    np.testing.assert_array_equal(lines[0].get_xdata(), path[:, 0])


def test_rosenbrock_paths_stride_keeps_count_and_end(ax):
    path = np.column_stack([np.linspace(-1, 1, 101), np.linspace(1, 1, 101)])
    (line,) = pj.plot_rosenbrock_paths(ax, {"gradient descent": path},
                                       strides={"gradient descent": 30})
    assert line.get_label() == "gradient descent (100 iterations)"
    assert line.get_xdata()[-1] == 1.0 and len(line.get_xdata()) == 5


def test_rosenbrock_paths_bad_stride(ax):
    with pytest.raises(ValueError, match="positive integer"):
        pj.plot_rosenbrock_paths(ax, {"a": np.ones((3, 2))}, strides={"a": 0})


def test_rosenbrock_paths_bad_shape(ax):
    with pytest.raises(ValueError, match=r"\(k, 2\)"):
        pj.plot_rosenbrock_paths(ax, {"bad": np.ones((3, 3))})


def test_curves(ax):
    t = np.linspace(0, 1, 4)
    lines = pj.plot_curves(ax, {"a": (t, t), "b": (t, 2 * t)},
                           styles={"a": "--"}, logy=True, ylim=(1e-3, 10))
    assert len(lines) == 2 and lines[0].get_linestyle() == "--"
    assert ax.get_ylim() == pytest.approx((1e-3, 10))


def test_curves_length_mismatch(ax):
    with pytest.raises(ValueError, match="one y per x"):
        pj.plot_curves(ax, {"a": ([0, 1], [0, 1, 2])})


def test_plot_scaling_writes_plain_tick_labels_on_a_short_log_axis(ax):
    """Ratios between 2 and 9 read "2, 3, 4, 6", not "2×10⁰": plain numbers under two decades,
    powers of ten over more."""
    pj.plot_scaling(ax, [1e3, 1e4, 1e5], {"ratio": [9.0, 3.0, 2.0]})
    ax.figure.canvas.draw()
    labels = [t.get_text() for t in ax.yaxis.get_ticklabels(which="both") if t.get_text()]
    assert labels and all("10^" not in s and "times" not in s for s in labels), labels
    ax.clear()
    pj.plot_scaling(ax, [1e3, 1e4, 1e5], {"bytes": [1e3, 1e5, 1e7]})
    ax.figure.canvas.draw()
    labels = [t.get_text() for t in ax.yaxis.get_ticklabels() if t.get_text()]
    assert any("10^" in s for s in labels), labels
