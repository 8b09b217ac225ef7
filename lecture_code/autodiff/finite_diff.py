"""Divided differences: the derivative approximations that automatic differentiation replaces.

Introduced in the chapter *Why derivatives, and why not divided differences*. Three difference
quotients of ``f`` at ``x`` with step ``h``:

* forward   ``(f(x + h) - f(x)) / h``            truncation error O(h)
* backward  ``(f(x) - f(x - h)) / h``            truncation error O(h)
* central   ``(f(x + h) - f(x - h)) / (2 h)``    truncation error O(h²)

Each also suffers round-off error of order ``eps·|f(x)| / h``, so there is a best step:
about ``sqrt(eps)`` for one-sided differences and ``eps**(1/3)`` for the central one
(:func:`optimal_step`). :func:`difference_errors` returns the error over a range of steps,
the data of the lecture's log-log plot (plotting lives in :mod:`lecture_code.plotting`).

Example
-------
>>> def cube(x):
...     return x**3
>>> round(central_difference(cube, 1.0, 1e-3), 6)
3.000001
>>> hs = np.logspace(-12, -1, 12)
>>> err = difference_errors(cube, 1.0, hs, kind="forward", exact=3.0)
>>> err.shape
(12,)
"""
from __future__ import annotations

import numbers

import numpy as np

__all__ = ["forward_difference", "backward_difference", "central_difference",
           "difference", "difference_gradient", "difference_jacobian", "difference_errors",
           "optimal_step", "measured_optimal_step", "KINDS"]

#: The kinds of divided difference, by name.
KINDS = ("forward", "backward", "central")

_EPS = np.finfo(float).eps


def _check_kind(kind):
    if kind not in KINDS:
        raise ValueError(f"unknown kind of divided difference {kind!r}; "
                         f"use one of {', '.join(map(repr, KINDS))}.")


def _check_x(x, who):
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real):
        raise TypeError(f"{who} needs a real number x, got {x!r} ({type(x).__name__}); "
                        "for a function of a vector use difference_gradient or "
                        "difference_jacobian.")
    return float(x)


def _step(h, x, kind):
    """The step: ``h`` if given (must be positive), else the rule-of-thumb optimum scaled by |x|."""
    if h is None:
        return optimal_step(kind) * max(1.0, abs(x))
    if not np.isscalar(h) or not h > 0:
        raise ValueError(f"the step h must be a positive number, got {h!r}.")
    return float(h)


def forward_difference(f, x, h=None):
    """Forward difference ``(f(x + h) - f(x)) / h`` (error O(h)).

    Introduced in the chapter *Why derivatives, and why not divided differences*. Without ``h``
    the step is ``sqrt(eps)·max(1, |x|)``.

    >>> round(forward_difference(lambda t: t**2, 1.0, 1e-3), 6)
    2.001
    """
    x = _check_x(x, "forward_difference")
    h = _step(h, x, "forward")
    return (f(x + h) - f(x)) / h


def backward_difference(f, x, h=None):
    """Backward difference ``(f(x) - f(x - h)) / h`` (error O(h)).

    Introduced in the chapter *Why derivatives, and why not divided differences*.

    >>> round(backward_difference(lambda t: t**2, 1.0, 1e-3), 6)
    1.999
    """
    x = _check_x(x, "backward_difference")
    h = _step(h, x, "backward")
    return (f(x) - f(x - h)) / h


def central_difference(f, x, h=None):
    """Central difference ``(f(x + h) - f(x - h)) / (2h)`` (error O(h²)).

    Introduced in the chapter *Why derivatives, and why not divided differences*. Without ``h``
    the step is ``eps**(1/3)·max(1, |x|)``.

    >>> round(central_difference(lambda t: t**2, 1.0, 1e-3), 12)
    2.0
    """
    x = _check_x(x, "central_difference")
    h = _step(h, x, "central")
    return (f(x + h) - f(x - h)) / (2 * h)


_RULES = {"forward": forward_difference, "backward": backward_difference,
          "central": central_difference}


def difference(f, x, h=None, kind="central"):
    """The divided difference of the given ``kind`` ("forward", "backward" or "central").

    Introduced in the chapter *Why derivatives, and why not divided differences*.

    >>> difference(lambda t: 3 * t, 2.0, 0.5, kind="backward")
    3.0
    """
    _check_kind(kind)
    return _RULES[kind](f, x, h)


def _as_vector_point(x, who):
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{who} needs a real number or an array of real numbers, "
                        f"got {x!r} ({type(x).__name__}).")
    return np.array(arr, dtype=float)


def difference_jacobian(f, x, h=None, kind="central"):
    """The Jacobian of ``f`` at ``x`` by divided differences, one column per input component.

    Introduced in the chapter *Why derivatives, and why not divided differences* (and used by
    ``check_grads`` in *Jacobians and Hessians*). The result has shape ``shape(f(x)) +
    shape(x)``; the step of component ``i`` is scaled by ``max(1, |x_i|)``.

    >>> J = difference_jacobian(lambda v: np.array([v[0] * v[1], v[1]]), [2.0, 3.0])
    >>> np.round(J, 6).tolist()
    [[3.0, 2.0], [0.0, 1.0]]
    """
    _check_kind(kind)
    x = _as_vector_point(x, "difference_jacobian")
    flat = x.reshape(-1)
    f0 = None if kind == "central" else np.asarray(f(x), dtype=float)
    columns = []
    for i in range(flat.size):
        hi = _step(h, flat[i], kind)
        e = np.zeros_like(flat)
        e[i] = hi
        e = e.reshape(x.shape)
        if kind == "forward":
            col = (np.asarray(f(x + e), dtype=float) - f0) / hi
        elif kind == "backward":
            col = (f0 - np.asarray(f(x - e), dtype=float)) / hi
        else:
            col = (np.asarray(f(x + e), dtype=float)
                   - np.asarray(f(x - e), dtype=float)) / (2 * hi)
        columns.append(col)
    J = np.stack(columns, axis=-1)
    return J.reshape(J.shape[:-1] + x.shape)


def difference_gradient(f, x, h=None, kind="central"):
    """The gradient of a scalar function ``f`` at ``x`` by divided differences.

    Introduced in the chapter *Why derivatives, and why not divided differences*. For ``n``
    inputs it evaluates ``f`` once to check that the output is a scalar, then ``n + 1``
    (one-sided) or ``2n`` (central) times, as :func:`difference_jacobian` does: a cost that
    grows with ``n``, which reverse mode avoids.

    >>> np.round(difference_gradient(lambda v: v[0] ** 2 + 3 * v[1], [1.0, 5.0]), 6).tolist()
    [2.0, 3.0]
    """
    x = _as_vector_point(x, "difference_gradient")
    y = np.asarray(f(x))
    if y.ndim != 0:
        raise ValueError(f"difference_gradient needs a function with a scalar output, got "
                         f"shape {y.shape}; use difference_jacobian.")
    return difference_jacobian(f, x, h, kind)


def difference_errors(f, x, hs, kind="central", exact=None):
    """Absolute error ``|D_h f(x) - f'(x)|`` of a divided difference for each step in ``hs``.

    Introduced in the chapter *Why derivatives, and why not divided differences*: plotted on
    log-log axes against ``h``, the truncation error falls with ``h`` while the round-off error
    rises. ``exact`` is the exact derivative ``f'(x)``, as a number or as a function of ``x``.
    Returns an array shaped like ``hs``.

    >>> err = difference_errors(lambda t: t**3, 1.0, [1e-1, 1e-2], kind="central", exact=3.0)
    >>> np.round(err, 8).tolist()
    [0.01, 0.0001]
    """
    _check_kind(kind)
    x = _check_x(x, "difference_errors")
    if exact is None:
        raise TypeError("difference_errors needs the exact derivative: pass exact=f'(x) "
                        "(a number, or a function of x).")
    slope = float(exact(x)) if callable(exact) else float(exact)
    hs = np.asarray(hs, dtype=float)
    if hs.size and not (hs > 0).all():
        raise ValueError("every step in hs must be positive.")
    rule = _RULES[kind]
    approx = np.array([rule(f, x, float(h)) for h in hs.reshape(-1)], dtype=float)
    return np.abs(approx - slope).reshape(hs.shape)


def optimal_step(kind="forward", f_value=1.0, derivative=1.0):
    """The step that minimises truncation plus round-off error, in theory.

    Introduced in the chapter *Why derivatives, and why not divided differences*. With round-off
    ``eps·|f|/h`` in each evaluation, the total error of a one-sided difference is about
    ``h|f''|/2 + 2 eps|f|/h``, minimised at ``h* = 2 sqrt(eps |f| / |f''|)``; for the central
    difference it is ``h²|f'''|/6 + eps|f|/h``, minimised at ``h* = (3 eps |f| /
    |f'''|)**(1/3)``. Here ``derivative`` is ``f''(x)`` (one-sided) or ``f'''(x)`` (central).
    With the defaults this is ``2·sqrt(eps) ≈ 3e-8`` and ``(3 eps)**(1/3) ≈ 9e-6``: the orders
    ``sqrt(eps)`` and ``eps**(1/3)`` of the rules of thumb.

    >>> f"{optimal_step('forward'):.1e}", f"{optimal_step('central'):.1e}"
    ('3.0e-08', '8.7e-06')
    """
    _check_kind(kind)
    f_value, derivative = abs(float(f_value)), abs(float(derivative))
    if derivative == 0 or f_value == 0:
        raise ValueError("optimal_step needs nonzero |f(x)| and |derivative|: with either "
                         "zero one of the two errors vanishes and there is no best step.")
    if kind == "central":
        return float((3 * _EPS * f_value / derivative) ** (1 / 3))
    return float(2 * np.sqrt(_EPS * f_value / derivative))


def measured_optimal_step(f, x, hs, kind="central", exact=None):
    """The step in ``hs`` with the smallest measured error, and that error: ``(h, error)``.

    Introduced in the chapter *Why derivatives, and why not divided differences*, to compare
    with :func:`optimal_step`.

    >>> h, err = measured_optimal_step(lambda t: t**3, 1.0, np.logspace(-12, -1, 45),
    ...                                kind="central", exact=3.0)
    >>> 1e-7 < h < 1e-3 and err < 1e-8
    True
    """
    hs = np.asarray(hs, dtype=float)
    errors = difference_errors(f, x, hs, kind=kind, exact=exact)
    i = int(np.argmin(errors))
    return float(hs.reshape(-1)[i]), float(errors.reshape(-1)[i])
