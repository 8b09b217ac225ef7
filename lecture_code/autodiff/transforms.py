"""Function transformations: derivative, grad, jvp, vjp, Jacobians, Hessians, gradient checks.

Introduced in the chapter *Jacobians and Hessians* (``derivative`` already in *Dual
numbers*). Forward-mode transformations push dual numbers through ``f`` (one sweep gives
a Jacobian *column* ``J·v``); reverse-mode ones use the tape of
:mod:`lecture_code.autodiff.reverse` (one sweep gives a *row* ``ȳᵀJ``):

=================  =========================================  ============================
transformation     result                                     sweeps
=================  =========================================  ============================
``jvp(f, x, v)``   ``(f(x), J·v)``                            1 forward
``vjp(f, x)``      ``(f(x), ȳ ↦ ȳᵀJ)``                        1 reverse per ``ȳ``
``jacfwd(f)(x)``   ``J``                                      ``n`` forward (columns)
``jacrev(f)(x)``   ``J``                                      ``m`` reverse (rows)
``grad(f)(x)``     ``∇f`` for scalar ``f``                    1 reverse
``hessian(f)(x)``  ``∇²f``                                    ``n`` forward over reverse
``hvp(f, x, v)``   ``∇²f·v``                                  1 forward over reverse
=================  =========================================  ============================

Example
-------
>>> import numpy as np
>>> def f(x):
...     return np.array([x[0] * x[1], np.sin(x[1])])
>>> jacfwd(f)(np.array([2.0, 0.0])).tolist()
[[0.0, 2.0], [0.0, 1.0]]
"""
from __future__ import annotations

import numbers

import numpy as np

from .dual import (Dual, _finish, _make, _shape, check_point, derivative, gradient_forward,
                   new_tag, primal_value, split)
from .finite_diff import difference_jacobian

__all__ = ["derivative", "gradient_forward", "jvp", "jacfwd", "grad", "value_and_grad", "vjp",
           "jacrev", "hessian", "hvp", "check_grads"]


def _check_function(f, who):
    if not callable(f):
        raise TypeError(f"{who} needs a function as its first argument, got "
                        f"{type(f).__name__}.")


def _float_array(x, who, name="x"):
    x = check_point(x, who)
    if isinstance(x, Dual) or not isinstance(x, (float, np.ndarray)):
        return x
    return np.asarray(x, dtype=float) if np.ndim(x) else float(x)


# ---------------------------------------------------------------------------------------
# forward mode
# ---------------------------------------------------------------------------------------
def jvp(f, x, v):
    """``(f(x), J(x)·v)``: the value and the directional derivative along ``v``, one pass.

    Introduced in the chapter *Jacobians and Hessians*: seeding ``x + v·d`` and running
    ``f`` once gives one *column* combination ``J·v`` of the Jacobian.

    >>> y, jv = jvp(lambda x: x**2, np.array([1.0, 2.0]), np.array([1.0, 1.0]))
    >>> y.tolist(), jv.tolist()
    ([1.0, 4.0], [2.0, 4.0])
    """
    _check_function(f, "jvp")
    x = _float_array(x, "jvp")
    v = _float_array(v, "jvp")
    if _shape(v) != _shape(x):
        raise ValueError(f"jvp needs a tangent v of the same shape as x: x has shape "
                         f"{_shape(x)}, v has shape {_shape(v)}.")
    if _shape(x) and not isinstance(v, Dual) and not isinstance(v, np.ndarray):
        v = np.full(_shape(x), v)
    tag = new_tag()
    y, tangent = split(f(_make(x, v, tag)), tag)
    return _finish(y), _finish(_zeros_like_output(tangent, y))


def _zeros_like_output(tangent, y):
    """A zero tangent (a constant output) gets the output's shape."""
    if np.ndim(tangent) == 0 and _shape(y) and not isinstance(tangent, Dual):
        return np.zeros(_shape(y)) + tangent
    return tangent


def jacfwd(f):
    """The Jacobian function of ``f``, by forward mode: one dual sweep per input (column).

    Introduced in the chapter *Jacobians and Hessians*. ``jacfwd(f)(x)`` has shape
    ``shape(f(x)) + shape(x)``; cheap when ``f`` has few inputs (``Rⁿ → Rᵐ``, small ``n``).

    >>> jacfwd(lambda x: np.array([x[0] * x[1], x[0] + x[1]]))(np.array([2.0, 3.0])).tolist()
    [[3.0, 2.0], [1.0, 1.0]]
    """
    _check_function(f, "jacfwd")

    def jacobian(x, *args):
        x = _float_array(x, "jacfwd")
        shape = _shape(x)
        n = int(np.prod(shape))
        columns, y = [], None
        eye = np.eye(n)
        for j in range(n):
            tag = new_tag()
            seed = eye[j].reshape(shape) if shape else 1.0
            y, tangent = split(f(_make(x, seed, tag), *args), tag)
            columns.append(_zeros_like_output(tangent, y))
        if n == 0:
            y = f(x, *args)
            return np.zeros(_shape(y) + shape)
        J = _stack_last(columns)
        return _finish(_reshape(J, _shape(J)[:-1] + shape))

    jacobian.__name__ = f"jacfwd_{getattr(f, '__name__', 'f')}"
    return jacobian


def _stack_last(items):
    if any(isinstance(c, Dual) for c in items):
        return np.stack([c if isinstance(c, Dual) else np.asarray(c, dtype=float)
                         for c in items], axis=-1)
    return np.stack([np.asarray(c, dtype=float) for c in items], axis=-1)


def _reshape(a, shape):
    return np.reshape(a, shape)


# ---------------------------------------------------------------------------------------
# reverse mode (reverse.py; the tape itself lives in _tape.py)
# ---------------------------------------------------------------------------------------
def _reverse_vjp(f, *args):
    try:
        from . import reverse
    except ImportError as err:      # pragma: no cover - reverse.py is part of the package
        raise ImportError("reverse mode needs lecture_code.autodiff.reverse, which failed to "
                          f"import: {err}") from err
    return reverse.tape_vjp(f, *args)


def _as_tuple(bars):
    return bars if isinstance(bars, tuple) else (bars,)


def vjp(f, *args):
    """``(f(x), pullback)`` with ``pullback(ȳ) = ȳᵀ·J(x)``: one reverse sweep per call.

    Introduced in the chapter *Jacobians and Hessians*. With one input, ``pullback`` returns
    the input's adjoint; with several, a tuple of adjoints.

    >>> y, pullback = vjp(lambda x: x * np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    >>> pullback(np.array([1.0, 1.0])).tolist()
    [1.0, 2.0]
    """
    _check_function(f, "vjp")
    if not args:
        raise TypeError("vjp needs at least one input: vjp(f, x).")
    args = tuple(_float_array(a, "vjp") for a in args)
    value, pullback = _reverse_vjp(f, *args)
    single = len(args) == 1

    def pull(out_bar):
        bars = _as_tuple(pullback(out_bar))
        bars = tuple(_finish(b) for b in bars)
        return bars[0] if single else bars

    return _finish(value), pull


def _argnums_tuple(argnums, nargs, who):
    nums = (argnums,) if isinstance(argnums, numbers.Integral) else tuple(argnums)
    if not nums:
        raise ValueError(f"{who}: argnums=() names no argument to differentiate; pass an int "
                         "or a tuple of ints, e.g. argnums=0.")
    for i in nums:
        if isinstance(i, (bool, np.bool_)) or not isinstance(i, numbers.Integral) \
                or not -nargs <= i < nargs:
            raise ValueError(f"{who}: argnums={argnums!r} does not name one of the function's "
                             f"{nargs} positional argument(s).")
    return nums


def value_and_grad(f, argnums=0):
    """A function returning ``(f(*args), gradient)`` of a scalar ``f``, by one reverse sweep.

    Introduced in the chapter *Forward and reverse mode*. ``argnums`` (an int or a tuple of
    ints, as in JAX) chooses the argument(s) to differentiate; with a tuple the gradient is a
    tuple. The other arguments reach ``f`` unchanged, as constants: nothing is recorded or
    domain-checked in them (``sqrt`` of a fixed 0 is fine when it is not differentiated).

    >>> value_and_grad(lambda x, y: x * y, argnums=(0, 1))(2.0, 5.0)
    (10.0, (5.0, 2.0))
    """
    _check_function(f, "value_and_grad")

    def value_and_gradient(*args):
        if not args:
            raise TypeError("the gradient function needs the point: grad(f)(x).")
        nums = _argnums_tuple(argnums, len(args), "grad")
        # Only the arguments in argnums are recorded; the others reach f unchanged, as
        # constants (as in JAX), so nothing is checked or differentiated in them.
        nums = tuple(i % len(args) for i in nums)
        wrt = sorted(set(nums))
        fixed = list(args)

        def f_of_wrt(*values):
            full = list(fixed)
            for i, v in zip(wrt, values):
                full[i] = v
            return f(*full)

        diff_args = tuple(_float_array(args[i], "grad") for i in wrt)
        value, pullback = _reverse_vjp(f_of_wrt, *diff_args)
        shape = _shape(value)
        if shape:
            raise ValueError(f"grad needs a scalar output, got shape {shape}; use jacrev, "
                             "jacfwd or vjp for functions with vector outputs.")
        if not isinstance(value, (Dual, numbers.Number, np.ndarray, np.generic)) and \
                not hasattr(type(value), "__array_ufunc__"):
            raise TypeError(f"grad needs a function returning a number, got "
                            f"{type(value).__name__}.")
        bars = dict(zip(wrt, _as_tuple(pullback(1.0))))
        bars = tuple(_finish(bars[i]) for i in nums)
        out = bars[0] if isinstance(argnums, numbers.Integral) else bars
        return _finish(value), out

    return value_and_gradient


def grad(f, argnums=0):
    """The gradient function of a scalar ``f``, by reverse mode (one sweep).

    Introduced in the chapter *Forward and reverse mode*. ``grad(f)(x)`` has the shape of
    ``x``; a non-scalar output raises ``ValueError`` (use :func:`jacrev`).

    >>> grad(lambda x: np.sum(x**2))(np.array([1.0, 2.0])).tolist()
    [2.0, 4.0]
    """
    _check_function(f, "grad")
    vg = value_and_grad(f, argnums)

    def gradient(*args):
        return vg(*args)[1]

    gradient.__name__ = f"grad_{getattr(f, '__name__', 'f')}"
    return gradient


def jacrev(f):
    """The Jacobian function of ``f``, by reverse mode: one sweep per output (row).

    Introduced in the chapter *Jacobians and Hessians*; cheap when ``f`` has few outputs.

    >>> jacrev(lambda x: np.array([x[0] * x[1], x[0] + x[1]]))(np.array([2.0, 3.0])).tolist()
    [[3.0, 2.0], [1.0, 1.0]]
    """
    _check_function(f, "jacrev")

    def jacobian(x, *args):
        x = _float_array(x, "jacrev")
        value, pull = vjp(lambda u: f(u, *args), x)
        out_shape = _shape(value)
        m = int(np.prod(out_shape))
        eye = np.eye(m)
        rows = [pull(eye[i].reshape(out_shape) if out_shape else 1.0) for i in range(m)]
        if m == 0:
            return np.zeros(out_shape + _shape(x))
        J = np.stack([np.asarray(r, dtype=float) if isinstance(r, (float, np.ndarray)) else r
                      for r in rows])
        return _finish(np.reshape(J, out_shape + _shape(x)))

    jacobian.__name__ = f"jacrev_{getattr(f, '__name__', 'f')}"
    return jacobian


def hessian(f):
    """The Hessian function of a scalar ``f``: forward mode over reverse mode.

    Introduced in the chapter *Jacobians and Hessians*: ``jacfwd(grad(f))``, one dual sweep
    per input through the reverse-mode gradient.

    >>> hessian(lambda x: x[0] ** 2 * x[1])(np.array([1.0, 3.0])).tolist()
    [[6.0, 2.0], [2.0, 0.0]]
    """
    _check_function(f, "hessian")
    H = jacfwd(grad(f))
    H.__name__ = f"hessian_{getattr(f, '__name__', 'f')}"
    return H


def hvp(f, x, v):
    """The Hessian-vector product ``∇²f(x)·v`` in one forward-over-reverse sweep.

    Introduced in the chapter *Jacobians and Hessians*: ``jvp(grad(f), x, v)``, without
    forming the Hessian.

    >>> hvp(lambda x: np.sum(x**3), np.array([1.0, 2.0]), np.array([1.0, 1.0])).tolist()
    [6.0, 12.0]
    """
    _check_function(f, "hvp")
    return jvp(grad(f), x, v)[1]


# ---------------------------------------------------------------------------------------
# checking gradients
# ---------------------------------------------------------------------------------------
def check_grads(f, x, rtol=1e-6, atol=1e-8, modes=("forward", "reverse")):
    """Check AD gradients of a scalar ``f`` at ``x`` against central differences.

    Introduced in the chapter *Jacobians and Hessians*. ``modes`` are "forward"
    (:func:`gradient_forward`, one pass with vector tangents) and "reverse" (:func:`grad`).
    Raises ``AssertionError`` naming the mode and the worst component on a mismatch; returns
    ``True`` otherwise.

    >>> check_grads(lambda x: np.sum(np.sin(x) * x), np.array([0.5, 1.0]))
    True
    """
    _check_function(f, "check_grads")
    x = _float_array(x, "check_grads")
    x_arr = np.asarray(primal_value(x), dtype=float)
    reference = difference_jacobian(f, x_arr, kind="central")
    if reference.shape != x_arr.shape:
        raise ValueError(f"check_grads needs a scalar output, got shape "
                         f"{reference.shape[:reference.ndim - x_arr.ndim]}; check jacfwd "
                         "against difference_jacobian instead.")
    compute = {"forward": lambda: gradient_forward(f, x_arr),
               "reverse": lambda: grad(f)(x_arr)}
    for mode in modes:
        if mode not in compute:
            raise ValueError(f"unknown mode {mode!r}; use 'forward' and/or 'reverse'.")
        got = np.asarray(compute[mode](), dtype=float).reshape(x_arr.shape)
        err = np.abs(got - reference) - rtol * np.abs(reference)
        if (err > atol).any() or not np.isfinite(got).all():
            flat = np.where(np.isfinite(got), err, np.inf).reshape(-1)
            i = int(np.argmax(flat))
            idx = tuple(int(k) for k in np.unravel_index(i, x_arr.shape)) if x_arr.ndim else ()
            raise AssertionError(
                f"{mode}-mode gradient disagrees with central differences at component "
                f"{idx if idx else 'x'}: AD gives {float(got.reshape(-1)[i])!r}, central "
                f"difference {float(reference.reshape(-1)[i])!r} (rtol={rtol}, atol={atol}). "
                "Check the "
                "derivative rules used at that component, or the function's smoothness "
                "there.")
    return True


_ = derivative  # re-exported from dual
