"""Tests for the figure helpers of the first AD chapters (lecture_code.plotting.autodiff)."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lecture_code.plotting import autodiff as pa  # noqa: E402


def test_difference_errors_draws_one_line_per_kind_and_masks_zeros(ax):
    hs = np.logspace(-12, -1, 12)
    errs = {"forward": 3 * hs, "central": np.where(hs > 1e-6, hs**2, 0.0)}
    lines = pa.plot_difference_errors(ax, hs, errs, optimal={"central": 1e-6})
    assert [l.get_label() for l in lines] == ["forward", "central"]
    y = lines[1].get_ydata()
    assert np.isnan(y[hs <= 1e-6]).all() and (y[hs > 1e-6] > 0).all()
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()


def test_difference_errors_rejects_bad_input(ax):
    with pytest.raises(ValueError, match="positive step sizes"):
        pa.plot_difference_errors(ax, [0.0, 1.0], {"forward": [1.0, 1.0]})
    with pytest.raises(ValueError, match="one error per step size"):
        pa.plot_difference_errors(ax, [1e-3, 1e-2], {"forward": [1.0]})


def test_mark_h_and_secants(ax):
    assert pa.mark_h(ax, 1e-4).get_xdata()[0] == 1e-4
    with pytest.raises(ValueError, match="h must be positive"):
        pa.mark_h(ax, 0.0)
    lines = pa.plot_secants(ax, lambda t: t**3, 1.0, 0.1, df=3.0,
                            slopes={"forward": 3.31, "central": 3.01})
    assert len(lines) == 4
    assert "tangent" in lines[1].get_label()
    # the central secant passes through (x - h, f(x - h)) and (x + h, f(x + h))
    x, y = lines[3].get_data()
    assert np.allclose(np.interp([0.9, 1.1], x, y), [0.729, 1.331], atol=1e-3)
    with pytest.raises(ValueError, match="h must be positive"):
        pa.plot_secants(ax, np.sin, 0.0, -1.0, df=1.0, slopes={})


def test_residuals_function_and_timings(ax):
    lines = pa.plot_residuals(ax, {"exact": [1.0, 0.1, 0.0], "forward": [1, 0.5, 0.25]})
    assert np.isnan(lines[0].get_ydata()[2])
    assert ax.get_yscale() == "log"
    fig, ax2 = plt.subplots()
    xs = np.linspace(0, 1, 5)
    assert len(pa.plot_function_and_derivative(ax2, xs, xs**2, 2 * xs)) == 2
    with pytest.raises(ValueError, match="same shape"):
        pa.plot_function_and_derivative(ax2, xs, xs[:3], xs)
    bars = pa.plot_timings(ax2, {"a": 1e-6, "b": 3e-6}, unit="µs")
    assert np.allclose([b.get_width() for b in bars], [1.0, 3.0])
    with pytest.raises(ValueError, match="unit must be one of"):
        pa.plot_timings(ax2, {"a": 1.0}, unit="minutes")
    plt.close(fig)


def test_difference_explorer_figure():
    fig = pa.plot_difference_explorer(lambda t: t**3, 1.0, 1e-3, df=3.0)
    assert len(fig.axes) == 2
    assert "h = 1.0e-03" in " ".join(l.get_label() for l in fig.axes[1].get_lines())
    with pytest.raises(ValueError, match="h must be positive"):
        pa.plot_difference_explorer(np.sin, 1.0, 0.0, df=np.cos(1.0))
    with pytest.raises(ValueError, match="kind must be one of"):
        pa.plot_difference_explorer(np.sin, 1.0, 1e-3, df=np.cos(1.0), kinds=("sideways",))
    plt.close("all")
