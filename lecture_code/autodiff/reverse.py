"""Reverse-mode automatic differentiation on a tape (chapter *Forward and reverse mode*).

While the function runs, every operation on a :class:`Variable` appends one *node* to a
:class:`Tape`: which earlier nodes it read (its parents) and how to send an adjoint back to
each of them. The backward pass walks the tape once, from the output to the inputs, and
accumulates ``parent_bar += local_vjp(node_bar)`` (the chain rule, one edge at a time).

The code is in two modules behind this one: ``_tape.py``, the tape, its nodes and the general
:class:`Variable` with a plain backward pass; and ``_fast.py``, the fast path (float nodes,
generated operators, in-place accumulation of adjoints), which importing this module switches
on. Two kinds of node share the tape and the backward loop:

* **scalar nodes**, when every value is a Python ``float``: the local partial derivatives
  are numbers, computed at record time from :mod:`lecture_code.autodiff.rules` (evaluated
  with the ``math`` module), and stored as a flat tuple ``(parent, partial, parent,
  partial)``. This is the lean path for scalar code (about as cheap as micrograd);
* **general nodes** (:class:`Node`), for numpy arrays and any other value type (dual
  numbers, or the variables of an enclosing recording, which is how higher derivatives
  compose): one vector-Jacobian product function per parent, ``bar -> parent_bar``.

Students write plain numpy. numpy hands every call on a :class:`Variable` to its
``__array_ufunc__`` (elementwise functions, whose derivatives come from ``rules.UFUNC_RULES``)
or ``__array_function__`` (``np.sum``, ``np.matmul``, ``np.reshape``, ... whose VJPs live in
:mod:`lecture_code.autodiff.numpy_vjps`).

The primitive is :func:`tape_vjp`; ``vjp``, ``grad``, ``value_and_grad``, ``jacrev`` and
``hessian`` are built on it in :mod:`lecture_code.autodiff.transforms`.

>>> import numpy as np
>>> value, pullback = tape_vjp(lambda x: np.sum(np.sin(x) * x**2), np.array([1.0, 2.0]))
>>> bar, = pullback(1.0)
>>> x = np.array([1.0, 2.0])
>>> bool(np.allclose(bar, np.cos(x) * x**2 + 2 * x * np.sin(x)))
True
"""
from __future__ import annotations

import numbers

import numpy as np

from . import _fast  # noqa: F401  (switches on the fast path: float nodes, operators)
from ._tape import (FUNCTIONS, Node, Tape, Variable, find_tape, record,  # noqa: F401
                    register, unbroadcast, value_of, _shape)
from .rules import primal_value

__all__ = ["Variable", "Tape", "Node", "tape_vjp", "unbroadcast", "logsumexp", "FUNCTIONS",
           "register"]


# ---------------------------------------------------------------------------------------
# The primitive: tape_vjp
# ---------------------------------------------------------------------------------------
def _as_input(x, position):
    if type(x) is float or isinstance(x, np.ndarray) and x.dtype == np.float64:
        return x
    if isinstance(x, (bool, np.bool_)) or (isinstance(x, np.ndarray) and x.dtype == bool):
        raise TypeError(f"tape_vjp: argument {position} is a boolean; differentiate with respect "
                        "to float values.")
    if isinstance(x, numbers.Real) and not isinstance(x, np.generic):
        return float(x)
    if isinstance(x, np.generic) and np.issubdtype(x.dtype, np.floating | np.integer):
        return float(x)
    if isinstance(x, np.ndarray):
        if np.issubdtype(x.dtype, np.integer) or np.issubdtype(x.dtype, np.floating):
            return x.astype(float)
        raise TypeError(f"tape_vjp: argument {position} has dtype {x.dtype}; reverse mode "
                        "differentiates real float arrays. Convert it with x.astype(float).")
    if isinstance(x, (list, tuple, dict, str, complex)):
        raise TypeError(f"tape_vjp: argument {position} is a {type(x).__name__}; pass a float or "
                        "a numpy array (e.g. np.asarray(x, dtype=float)).")
    return x                                     # dual numbers, outer Variables, ...


def tape_vjp(f, *args):
    """Run ``f(*args)`` on a tape; return its value and the pullback ``out_bar -> arg bars``.

    Chapter *Forward and reverse mode*. ``pullback(out_bar)`` returns a tuple with one
    adjoint per argument, of the argument's shape (a float for a float argument): the
    vector-Jacobian product ``out_barᵀ J``. It can be called many times (``jacrev`` calls it
    once per output component). This is the tape's primitive; the function for users is
    :func:`lecture_code.autodiff.vjp`, built on it, whose pullback returns the adjoint itself
    for one argument.

    >>> value, pullback = tape_vjp(lambda x, y: x * y + np.sin(x), 2.0, 3.0)
    >>> value == 6.0 + float(np.sin(2.0))
    True
    >>> pullback(1.0) == (3.0 + float(np.cos(2.0)), 2.0)
    True
    """
    if not callable(f):
        raise TypeError(f"tape_vjp: the first argument must be a function, got {type(f).__name__}.")
    values = [_as_input(x, i) for i, x in enumerate(args)]
    tape = Tape()
    try:
        inputs = [Variable(v, tape) for v in values]
        out = f(*inputs)
        if isinstance(out, np.ndarray) and out.dtype == object:
            out = _pack(out, tape)               # np.array([x * y, x + y]) of Variables
    finally:
        tape.finish()
    if isinstance(out, (tuple, list)):
        raise TypeError("tape_vjp: the function returned a tuple/list; return one float or array "
                        "(stack several outputs with np.stack).")
    constant = not (type(out) is Variable and out.tape is tape)
    value = out if constant else out.value
    if type(value) is Variable and value.tape is tape:
        raise ValueError("tape_vjp: internal error: nested value on the same tape")
    out_shape = _shape(value)
    array_inputs = [i for i, v in enumerate(values) if isinstance(v, np.ndarray)]

    def pullback(out_bar):
        if _shape(out_bar) != out_shape:
            raise ValueError(f"pullback: out_bar has shape {_shape(out_bar)} but the "
                             f"function's output has shape {out_shape}; pass an adjoint of "
                             "the output's shape (1.0 for a scalar output).")
        if constant:
            grads = [None] * len(values)
        else:
            grads = tape.backward(out.index, out_bar)
            for i in array_inputs:
                if i < len(grads) and i not in tape.owned and type(grads[i]) is np.ndarray:
                    grads[i] = np.array(grads[i])    # not an array of the tape or the caller
        return tuple(_finish_bar(grads[i] if i < len(grads) else None, v)
                     for i, v in enumerate(values))

    return value, pullback


def _pack(array, tape):
    """An object array of scalar Variables (and constants) as one array Variable."""
    items = array.ravel().tolist()
    value = np.array([primal_value(v) if type(v) is Variable and v.tape is tape else v
                      for v in items], dtype=float).reshape(array.shape)
    shape = array.shape
    pairs = [(v, lambda g, i=i: np.reshape(g, (-1,))[i]) for i, v in enumerate(items)]
    return record(tape, value, pairs) if shape else items[0]


def _finish_bar(bar, value):
    """An adjoint in the argument's type: float for float, a contiguous array for arrays."""
    if bar is None:
        return 0.0 if type(value) is float else np.zeros(_shape(value))
    if type(value) is float:
        return float(bar) if isinstance(bar, (float, np.generic, np.ndarray)) else bar
    if isinstance(value, np.ndarray):
        if isinstance(bar, np.ndarray):
            if bar.shape != value.shape:
                bar = np.broadcast_to(bar, value.shape)
            if not bar.flags.c_contiguous or not bar.flags.writeable:
                bar = np.array(bar)
            return bar
        if isinstance(bar, (float, np.generic)):
            return np.full(value.shape, float(bar))
    return bar


# ---------------------------------------------------------------------------------------
# logsumexp
# ---------------------------------------------------------------------------------------
def logsumexp(x, axis=None, keepdims=False):
    """``log(sum(exp(x), axis))`` without overflow; works on floats, arrays and Variables.

    Chapter *The marginal likelihood* (responsibilities are normalised with it). Same
    semantics as ``scipy.special.logsumexp(x, axis, keepdims=keepdims)``. The shift by the
    maximum is a constant, so the derivative is ``softmax(x)`` along ``axis``. Where every
    term is ``-inf`` (or there are none) the value is ``-inf``, as scipy's, and the slope is 0
    in every mode (JAX gives NaN there; jax-ml/jax#6811 agrees that 0 is the right answer).

    >>> float(logsumexp(np.array([1000.0, 1000.0])))
    1000.6931471805599
    >>> _, pullback = tape_vjp(lambda x: logsumexp(x), np.array([0.0, np.log(3.0)]))
    >>> pullback(1.0)[0]
    array([0.25, 0.75])
    """
    p = primal_value(x)
    if isinstance(p, np.ndarray) and p.dtype == object:    # np.array of dual numbers
        p = np.array([primal_value(v) for v in p.flat], dtype=float).reshape(p.shape)
    m = np.max(p, axis=axis, keepdims=True, initial=-np.inf)     # (-inf for empty sums)
    finite = np.isfinite(m)
    if finite.all():
        out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    else:
        m = np.where(finite, m, 0.0)
        s = np.sum(np.exp(x - m), axis=axis, keepdims=True)
        # Where every term is exp(-inf) = 0 the value is -inf, as scipy's, and the slope 0
        # (the log is taken of 1 there, so no log(0) reaches the derivative; JAX gives NaN,
        # see jax-ml/jax#6811, where zero was agreed to be the right answer).
        empty = primal_value(s) == 0
        out = np.where(empty, -np.inf, np.log(s + 1.0 * empty) + m)
    if not keepdims:
        out = np.squeeze(out, axis=axis)
    if type(x) is float or isinstance(x, np.generic):
        return float(out)
    if isinstance(out, (np.ndarray, Variable)) and _shape(out) == ():
        return out[()]                            # a numpy scalar, as scipy returns
    return out
