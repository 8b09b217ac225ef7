"""Measuring what a computation costs: its best wall-clock time and its peak memory.

Introduced in the chapter *Forward and reverse mode*, which measures the memory that reverse
mode spends on stored intermediates and the time of a gradient against the time of the
function; reused by *Jacobians and Hessians* (``jacfwd`` against ``jacrev``). Standard library
only (:mod:`time`, :mod:`tracemalloc`); numpy reports its array allocations to
``tracemalloc``, so array buffers are counted.

Example
-------
>>> import numpy as np
>>> peak_bytes(np.ones, 1000) >= 8000
True
>>> best_time(sum, range(10), repeat=2) > 0
True
"""
from __future__ import annotations

import time
import tracemalloc

__all__ = ["best_time", "peak_bytes"]


def _check_callable(fn, what):
    if not callable(fn):
        raise TypeError(f"{what} needs a function to call, got {type(fn).__name__}; "
                        "pass the function itself (e.g. grad(f)) and its arguments separately.")


def best_time(fn, *args, repeat: int = 5, number: int = 1) -> float:
    """The best (smallest) time in seconds of ``fn(*args)`` over ``repeat`` runs.

    Introduced in the chapter *Forward and reverse mode*. Each run calls ``fn`` ``number``
    times and the time is divided by ``number``; the minimum over runs is the least disturbed
    by other processes, which is what a ratio of two costs needs.

    >>> best_time(lambda: None, repeat=3, number=10) < 1.0
    True
    """
    _check_callable(fn, "best_time")
    if int(repeat) < 1 or int(number) < 1:
        raise ValueError(f"repeat and number must be at least 1, got repeat={repeat}, "
                         f"number={number}.")
    best = float("inf")
    for _ in range(int(repeat)):
        start = time.perf_counter()
        for _ in range(int(number)):
            fn(*args)
        best = min(best, (time.perf_counter() - start) / int(number))
    return best


def peak_bytes(fn, *args, warmup: bool = True) -> int:
    """The peak number of bytes allocated while ``fn(*args)`` runs (``tracemalloc``).

    Introduced in the chapter *Forward and reverse mode*: the peak includes every
    intermediate alive at the same time, so for reverse mode it counts the tape's stored
    values. Memory allocated before the call is not counted. With ``warmup`` (the default)
    ``fn`` runs once untraced first, so that one-time costs (imports, caches filled on a first
    call) do not count as the computation's memory. Raises ``RuntimeError`` if
    ``tracemalloc`` is already tracing (nested measurements would disturb each other).

    >>> import numpy as np
    >>> small, large = peak_bytes(np.zeros, 10), peak_bytes(np.zeros, 10**5)
    >>> large > 100 * small
    True
    """
    _check_callable(fn, "peak_bytes")
    if tracemalloc.is_tracing():
        raise RuntimeError("peak_bytes: tracemalloc is already tracing (a measurement is "
                           "running); stop it with tracemalloc.stop() before measuring again.")
    if warmup:
        fn(*args)
    tracemalloc.start()
    try:
        fn(*args)
        return int(tracemalloc.get_traced_memory()[1])
    finally:
        tracemalloc.stop()
