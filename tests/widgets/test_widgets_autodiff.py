"""Tests for the divided-difference explorer widget (lecture_code.widgets.autodiff)."""
import contextlib
import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lecture_code.widgets.autodiff import difference_explorer  # noqa: E402


def _quiet(fn, *args, **kwargs):
    with contextlib.redirect_stdout(io.StringIO()):
        return fn(*args, **kwargs)


def test_widget_has_sliders_and_redraws():
    w = _quiet(difference_explorer, x=1.0, log10_h=-2.0)
    sliders = {c.description: c for c in w.widget.children if hasattr(c, "value")}
    assert set(sliders) == {"x", "log10 h"}
    assert sliders["log10 h"].min == -15.0
    _quiet(setattr, sliders["log10 h"], "value", -8.0)   # redraws without error
    assert w.widget.kwargs["log10_h"] == -8.0
    plt.close("all")


def test_widget_accepts_another_function():
    w = _quiet(difference_explorer, np.sin, np.cos, x=0.5, x_range=(-1.0, 1.0))
    assert w.widget.kwargs["x"] == 0.5
    assert w.values["x"] == [0.5, 1.0]   # the static frames: x and the end of the range
    plt.close("all")


@pytest.mark.parametrize("kwargs, match", [
    ({"x": 10.0}, "outside the slider's range"),
    ({"log10_h": 0.0}, "log10_h must be between"),
    ({"x_range": (2.0, 1.0)}, "low < high"),
    ({"f": 3.0}, "must be functions"),
])
def test_widget_rejects_bad_arguments(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        difference_explorer(**kwargs)


def test_static_frames_cover_the_steps_and_say_what_they_show():
    w = _quiet(difference_explorer, x=1.0, log10_h=-1.0)
    assert w.values == {"x": [1.0, 3.0], "log10_h": [-15.0, -13.0, -11.0, -9.0, -7.0, -5.0,
                                                     -3.0, -1.0]}
    # At h = 0.1 the forward difference of x**3 at 1 is 3.31: error 0.31 (alt text).
    assert "forward error 3.1e-01" in w.alt(x=1.0, log10_h=-1.0)
