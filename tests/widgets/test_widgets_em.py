"""Tests for lecture_code.widgets.em: the widget that steps through EM iterations."""
import contextlib
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lecture_code.datasets import load_faithful  # noqa: E402
from lecture_code.mixture import GaussianMixture  # noqa: E402
from lecture_code.widgets.em import em_stepper, static_iterations  # noqa: E402


@pytest.fixture(scope="module")
def fitted():
    X = load_faithful()
    gm = GaussianMixture(2, keep_history=True, random_state=0, tol=1e-6).fit(X)
    return X, gm


def _quiet(fn, *args, **kwargs):
    with contextlib.redirect_stdout(io.StringIO()):
        out = fn(*args, **kwargs)
    plt.close("all")
    return out


def test_slider_spans_the_history_and_redraws(fitted):
    X, gm = fitted
    w = _quiet(em_stepper, X, gm.history_, iteration=1)
    slider = w.widget.children[0]
    assert (slider.min, slider.max, slider.value) == (0, len(gm.history_) - 1, 1)
    assert slider.description == "iteration"
    assert w.values["iteration"] == static_iterations(len(gm.history_))
    assert "iteration 1 of" in w.alt(iteration=1)
    for value in (0, slider.max):
        with contextlib.redirect_stdout(io.StringIO()):
            slider.value = value
        assert w.widget.kwargs["iteration"] == value
        plt.close("all")


@pytest.mark.parametrize("kwargs, match", [
    (dict(iteration=-1), "iteration must be between 0 and"),
    (dict(iteration=10_000), "iteration must be between 0 and"),
])
def test_bad_iteration_is_explained(fitted, kwargs, match):
    X, gm = fitted
    with pytest.raises(ValueError, match=match):
        em_stepper(X, gm.history_, **kwargs)


def test_short_history_is_explained(fitted):
    X, gm = fitted
    with pytest.raises(ValueError, match="at least two states"):
        em_stepper(X, gm.history_[:1])


@pytest.mark.parametrize("n_states", [2, 16, 17, 41, 300])
def test_static_iterations_start_dense_and_end_at_the_last(n_states):
    its = static_iterations(n_states)
    assert its[0] == 0 and its[-1] == n_states - 1 and len(its) == min(n_states, 16)
    assert its == sorted(set(its))
    assert its[:8] == list(range(min(n_states, 8)))
