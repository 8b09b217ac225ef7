"""Tests for the measurement helpers (lecture_code.autodiff.memory)."""
import tracemalloc

import numpy as np
import pytest

from lecture_code.autodiff.memory import best_time, peak_bytes


def test_peak_bytes_counts_numpy_arrays():
    small = peak_bytes(np.ones, 10)
    large = peak_bytes(np.ones, 10**6)
    assert large >= 8 * 10**6 > 100 * small


def test_peak_bytes_sees_intermediates_that_are_freed():
    def temporaries():
        total = 0.0
        for _ in range(3):
            total += float(np.sum(np.ones(10**5)))
        return total

    assert peak_bytes(temporaries) >= 8 * 10**5


def test_peak_bytes_stops_tracing_even_on_error():
    def broken():
        raise ZeroDivisionError("boom")

    with pytest.raises(ZeroDivisionError):
        peak_bytes(broken)
    assert not tracemalloc.is_tracing()


def test_peak_bytes_refuses_nested_tracing():
    tracemalloc.start()
    try:
        with pytest.raises(RuntimeError, match="already tracing"):
            peak_bytes(np.ones, 3)
    finally:
        tracemalloc.stop()


def test_best_time_is_positive_and_minimum():
    t = best_time(np.sum, np.ones(1000), repeat=3, number=5)
    assert 0 < t < 1


@pytest.mark.parametrize("fn", [peak_bytes, best_time])
def test_not_callable(fn):
    with pytest.raises(TypeError, match="needs a function"):
        fn(3.0)


def test_best_time_bad_repeat():
    with pytest.raises(ValueError, match="at least 1"):
        best_time(np.sum, [1], repeat=0)
