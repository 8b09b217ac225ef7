"""Test functions with known derivatives, shared by the tests, the benchmarks and the book.

Chapter *Three ways to build AD* differentiates the Rosenbrock function written as a loop over
scalars (the form that source transformation, dual numbers and the tape all accept);
:func:`rosenbrock_gradient` is its closed-form gradient, the reference every mode is checked
against.

>>> rosenbrock(1.0, 1.0, 1.0), bool((rosenbrock_gradient([1.0, 1.0, 1.0]) == 0).all())
(0.0, True)
"""
from __future__ import annotations

import numpy as np

__all__ = ["rosenbrock", "rosenbrock_gradient"]


def rosenbrock(*x):
    """The Rosenbrock function of scalars, ``Σ 100 (x[i+1] − x[i]²)² + (1 − x[i])²``.

    Written as a ``for`` loop over ``range`` on plain Python numbers so that every AD
    technique of the book runs on the same code. Chapter *Three ways to build AD*.

    >>> rosenbrock(0.0, 0.0)
    1.0
    """
    total = 0.0
    for i in range(len(x) - 1):
        total = total + 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return total


def rosenbrock_gradient(x):
    """The exact gradient of :func:`rosenbrock` at the point ``x`` (a sequence), as an array.

    Chapter *Three ways to build AD*.

    >>> rosenbrock_gradient([0.0, 0.0]).tolist()
    [-2.0, 0.0]
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 1 or x.size < 2:
        raise ValueError(f"rosenbrock_gradient needs a point with at least 2 coordinates, "
                         f"got shape {x.shape}")
    g = np.zeros_like(x)
    g[:-1] = -400 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
    g[1:] += 200 * (x[1:] - x[:-1] ** 2)
    return g
