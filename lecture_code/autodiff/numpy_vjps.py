"""Vector-Jacobian products of numpy's non-elementwise functions (chapter *Jacobians and Hessians*).

Elementwise functions take their derivatives from :mod:`lecture_code.autodiff.rules`; this
module covers what has structure: reductions (``sum``, ``mean``, ``max``), linear algebra
(``matmul``, ``dot``), shape changes (``reshape``, ``transpose``), indexing and joining.
Each one computes its value on the plain values and records one VJP per input: a function
``g -> input_bar`` that is itself written with numpy functions, so it also works when the
values are dual numbers or Variables of an enclosing recording (higher derivatives).

Each implementation is registered in the tape's table ``reverse.FUNCTIONS`` (by numpy
function) with :func:`~lecture_code.autodiff.reverse.register`; ``Variable.__array_function__``
looks them up there. (The package imports this module, so the table is full whenever
``lecture_code.autodiff`` is imported.)

>>> import numpy as np
>>> from lecture_code.autodiff.reverse import tape_vjp
>>> _, pullback = tape_vjp(lambda A: np.sum(A @ np.array([1.0, 2.0])), np.eye(2))
>>> pullback(1.0)[0]
array([[1., 2.],
       [1., 2.]])
"""
from __future__ import annotations

import operator

import numpy as np

from ._tape import (FUNCTIONS, Variable, find_tape, record, register, unbroadcast, value_of,
                    _shape)
from .rules import primal_value

__all__ = ["FUNCTIONS", "getitem", "matmul"]

_implements = register


def _no_extras(name, **extras):
    used = [k for k, v in extras.items() if v is not None]
    if used:
        raise TypeError(f"np.{name} on a reverse-mode Variable does not support "
                        f"{', '.join(used)}=; call it without (assign the result instead of "
                        "out=).")


def _axes(axis, ndim):
    """``axis`` (None, int or tuple) as a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    if not isinstance(axis, tuple):
        axis = (axis,)
    return tuple(sorted(a % ndim if ndim else a for a in axis))


def _kept_shape(shape, axis):
    axes = _axes(axis, len(shape))
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _broadcast_to(g, shape):
    if isinstance(g, (np.ndarray, np.generic, float, int, Variable)):
        return np.broadcast_to(g, shape)
    return g * np.ones(shape)                    # other value types (dual numbers)


# --- reductions --------------------------------------------------------------------------
@_implements(np.sum)
def _sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    _no_extras("sum", dtype=dtype, out=out, initial=initial, where=where)
    tape = find_tape((a,))
    v = value_of(a, tape)
    shape = _shape(v)
    kept = _kept_shape(shape, axis)

    def back(g):
        return _broadcast_to(np.reshape(g, kept), shape)
    return record(tape, np.sum(v, axis=axis, keepdims=keepdims), [(a, back)])


@_implements(np.mean)
def _mean(a, axis=None, dtype=None, out=None, keepdims=False, where=None):
    _no_extras("mean", dtype=dtype, out=out, where=where)
    shape = _shape(primal_value(a))
    count = int(np.prod([shape[i] for i in _axes(axis, len(shape))]))
    return _sum(a, axis=axis, keepdims=keepdims) / float(count)


def _extremum(fn, name):
    def impl(a, axis=None, out=None, keepdims=False, initial=None, where=None):
        _no_extras(name, out=out, initial=initial, where=where)
        tape = find_tape((a,))
        v = value_of(a, tape)
        kept = _kept_shape(_shape(v), axis)

        def back(g):
            # The adjoint goes to the arg-max; ties share it equally (as in autograd).
            p = np.asarray(primal_value(v))
            hit = 1.0 * (p == fn(p, axis=axis, keepdims=True))
            return np.reshape(g, kept) * (hit / np.sum(hit, axis=axis, keepdims=True))
        return record(tape, fn(v, axis=axis, keepdims=keepdims), [(a, back)])
    return impl


FUNCTIONS[np.max] = FUNCTIONS[np.amax] = _extremum(np.max, "max")
FUNCTIONS[np.min] = FUNCTIONS[np.amin] = _extremum(np.min, "min")


# --- linear algebra ----------------------------------------------------------------------
def _swap_last(x):
    return np.transpose(x) if len(_shape(x)) == 2 else np.swapaxes(x, -1, -2)


@register(np.matmul)
def matmul(a, b):
    """``a @ b`` recorded with its two VJPs ``g @ bᵀ`` and ``aᵀ @ g``.

    Introduced in the chapter *Jacobians and Hessians*.

    Follows ``np.matmul``: 1-D operands are promoted to a row (``a``) or column (``b``),
    leading dimensions broadcast.

    >>> from lecture_code.autodiff.reverse import tape_vjp
    >>> _, pullback = tape_vjp(lambda x: np.array([[1.0, 2.0], [3.0, 4.0]]) @ x, np.ones(2))
    >>> pullback(np.array([1.0, 0.0]))[0]
    array([1., 2.])
    """
    tape = find_tape((a, b))
    av, bv = value_of(a, tape), value_of(b, tape)
    out = np.matmul(av, bv)
    ashape, bshape = _shape(av), _shape(bv)
    A = av if len(ashape) > 1 else np.reshape(av, (1,) + ashape)
    B = bv if len(bshape) > 1 else np.reshape(bv, bshape + (1,))
    A_shape, B_shape = _shape(A), _shape(B)
    full = np.broadcast_shapes(A_shape[:-2], B_shape[:-2]) + (A_shape[-2], B_shape[-1])

    def back_a(g):
        dA = np.matmul(np.reshape(g, full), _swap_last(B))
        return np.reshape(unbroadcast(dA, A_shape), ashape)

    def back_b(g):
        dB = np.matmul(_swap_last(A), np.reshape(g, full))
        return np.reshape(unbroadcast(dB, B_shape), bshape)
    return record(tape, out, [(a, back_a), (b, back_b)])


def _ndim(x):
    return len(_shape(primal_value(x)))


@_implements(np.dot)
def _dot(a, b, out=None):
    _no_extras("dot", out=out)
    if _ndim(a) == 0 or _ndim(b) == 0:
        return a * b
    if _ndim(a) > 2 or _ndim(b) > 2:
        raise TypeError("np.dot of arrays with more than 2 dimensions is not supported by "
                        "lecture_code.autodiff's reverse mode; use np.matmul (@), which "
                        "broadcasts over leading dimensions.")
    return matmul(a, b)


@_implements(np.inner)
def _inner(a, b):
    if _ndim(a) == 0 or _ndim(b) == 0:
        return a * b
    if _ndim(a) > 2 or _ndim(b) > 2:
        raise TypeError("np.inner of arrays with more than 2 dimensions is not supported by "
                        "lecture_code.autodiff's reverse mode; use np.matmul (@).")
    return matmul(a, b if _ndim(b) == 1 else np.transpose(b))


@_implements(np.outer)
def _outer(a, b, out=None):
    _no_extras("outer", out=out)
    return np.reshape(a, (-1, 1)) * np.reshape(b, (1, -1))


@_implements(np.linalg.norm)
def _norm(x, ord=None, axis=None, keepdims=False):
    if ord not in (None, "fro") and not (ord == 2 and (_ndim(x) == 1 or _is_single(axis))):
        raise TypeError(f"np.linalg.norm with ord={ord!r} is not supported by "
                        "lecture_code.autodiff's reverse mode; only the Euclidean / "
                        "Frobenius norm (ord=None) is.")
    return np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims))


def _is_single(axis):
    return isinstance(axis, (int, np.integer))


# --- shapes ------------------------------------------------------------------------------
def _reshaped(a, compute):
    """A shape change: value ``compute(v)``, VJP: reshape the adjoint back."""
    tape = find_tape((a,))
    v = value_of(a, tape)
    shape = _shape(v)
    return record(tape, compute(v), [(a, lambda g: np.reshape(g, shape))])


@_implements(np.reshape)
def _reshape(a, shape=None, order="C", *, newshape=None, copy=None):
    shape = newshape if shape is None else shape
    if order != "C":
        raise TypeError("np.reshape on a reverse-mode Variable supports order='C' only.")
    return _reshaped(a, lambda v: np.reshape(v, shape))


@_implements(np.ravel)
def _ravel(a, order="C"):
    if order != "C":
        raise TypeError("np.ravel on a reverse-mode Variable supports order='C' only.")
    return _reshaped(a, lambda v: np.reshape(v, (-1,)))


@_implements(np.squeeze)
def _squeeze(a, axis=None):
    return _reshaped(a, lambda v: np.squeeze(v, axis=axis))


@_implements(np.expand_dims)
def _expand_dims(a, axis):
    return _reshaped(a, lambda v: np.expand_dims(v, axis))


@_implements(np.atleast_1d)
def _atleast_1d(*arys):
    out = [a if _ndim(a) >= 1 else np.reshape(a, (1,)) for a in arys]
    return out[0] if len(out) == 1 else out


@_implements(np.atleast_2d)
def _atleast_2d(*arys):
    out = [a if _ndim(a) >= 2 else np.reshape(a, (1, -1)) for a in arys]
    return out[0] if len(out) == 1 else out


@_implements(np.transpose)
def _transpose(a, axes=None):
    tape = find_tape((a,))
    v = value_of(a, tape)
    ndim = len(_shape(v))
    perm = tuple(range(ndim))[::-1] if axes is None else tuple(ax % ndim for ax in axes)
    inverse = tuple(int(i) for i in np.argsort(perm))
    return record(tape, np.transpose(v, perm), [(a, lambda g: np.transpose(g, inverse))])


@_implements(np.swapaxes)
def _swapaxes(a, axis1, axis2):
    perm = list(range(_ndim(a)))
    perm[axis1], perm[axis2] = perm[axis2], perm[axis1]
    return _transpose(a, perm)


@_implements(np.broadcast_to)
def _broadcast_to_impl(array, shape, subok=False):
    tape = find_tape((array,))
    v = value_of(array, tape)
    in_shape = _shape(v)
    return record(tape, np.broadcast_to(v, shape),
                  [(array, lambda g: unbroadcast(g, in_shape))])


# --- joining -----------------------------------------------------------------------------
@_implements(np.concatenate)
def _concatenate(arrays, axis=0, out=None, dtype=None, casting=None):
    _no_extras("concatenate", out=out, dtype=dtype, casting=casting)
    arrays = list(arrays)
    if axis is None:
        arrays, axis = [np.ravel(a) for a in arrays], 0
    tape = find_tape(arrays)
    values = [value_of(a, tape) for a in arrays]
    out_value = np.concatenate(values, axis=axis)
    axis = axis % len(_shape(out_value))
    pairs, start = [], 0
    for a, v in zip(arrays, values):
        stop = start + _shape(v)[axis]
        index = (slice(None),) * axis + (slice(start, stop),)
        pairs.append((a, lambda g, index=index: g[index]))
        start = stop
    return record(tape, out_value, pairs)


@_implements(np.stack)
def _stack(arrays, axis=0, out=None, dtype=None, casting=None):
    _no_extras("stack", out=out, dtype=dtype, casting=casting)
    arrays = list(arrays)
    ndim = _ndim(arrays[0]) + 1
    return _concatenate([np.expand_dims(a, axis % ndim) for a in arrays], axis=axis % ndim)


@_implements(np.hstack)
def _hstack(tup, dtype=None, casting=None):
    arrays = [np.atleast_1d(a) for a in tup]
    return _concatenate(arrays, axis=0 if _ndim(arrays[0]) == 1 else 1)


@_implements(np.vstack)
def _vstack(tup, dtype=None, casting=None):
    return _concatenate([np.atleast_2d(a) for a in tup], axis=0)


# --- selection ---------------------------------------------------------------------------
@_implements(np.where)
def _where(condition, x=None, y=None):
    condition = np.asarray(primal_value(condition))
    if x is None and y is None:
        return np.where(condition)
    tape = find_tape((x, y))
    xv, yv = value_of(x, tape), value_of(y, tape)
    out = np.where(condition, xv, yv)
    take = 1.0 * condition
    xshape, yshape = _shape(xv), _shape(yv)
    return record(tape, out, [(x, lambda g: unbroadcast(g * take, xshape)),
                              (y, lambda g: unbroadcast(g * (1.0 - take), yshape))])


@_implements(np.clip)
def _clip(a, a_min=None, a_max=None, out=None, **kwargs):
    _no_extras("clip", out=out)
    a_min = kwargs.pop("min", a_min)
    a_max = kwargs.pop("max", a_max)
    if a_min is not None:
        a = np.maximum(a, a_min)
    if a_max is not None:
        a = np.minimum(a, a_max)
    return a


def _is_basic(index):
    """True for indices without integer arrays (ints, slices, None, ..., boolean masks)."""
    parts = index if isinstance(index, tuple) else (index,)
    for part in parts:
        if part is None or part is Ellipsis or isinstance(part, (slice, int, np.integer)):
            continue
        if isinstance(part, np.ndarray) and part.dtype == bool and len(parts) == 1:
            continue
        return False
    return True


def _scatter(g, index, shape):
    """The adjoint of ``x[index]``: ``g`` placed (added, for repeated indices) at ``index``."""
    if type(g) is Variable:                      # reverse over reverse: record it too
        tape = g.tape
        return record(tape, _scatter(g.value, index, shape),
                      [(g, lambda h: h[index])])
    if not isinstance(g, (np.ndarray, np.generic, float, int)) and hasattr(
            type(g), "__array_function__"):
        if shape == ():                          # x[()] of a 0-d array: nothing to place
            return g
        z = np.zeros_like(g, shape=shape)       # dual numbers: a dual array of zeros
        if _is_basic(index):
            z[index] = g
        else:
            np.add.at(z, index, g)
        return z
    try:
        z = np.zeros(shape, dtype=np.result_type(g, np.float64))
    except TypeError:
        raise TypeError(f"indexing: the reverse pass cannot place adjoints of type "
                        f"{type(g).__name__} into an array.") from None
    if _is_basic(index):
        z[index] = g
    else:
        np.add.at(z, index, g)
    return z


def _plain_index(index):
    if isinstance(index, tuple):
        return tuple(_plain_index(i) for i in index)
    if type(index) is Variable:
        index = primal_value(index)
    if isinstance(index, list):
        index = np.asarray(index)
    return index


@register(operator.getitem)
def getitem(x, index):
    """``x[index]`` recorded: basic, integer-array and boolean indexing.

    Introduced in the chapter *Jacobians and Hessians*.

    >>> from lecture_code.autodiff.reverse import tape_vjp
    >>> _, pullback = tape_vjp(lambda x: x[[0, 0, 2]], np.zeros(3))
    >>> pullback(np.ones(3))[0]
    array([2., 0., 1.])
    """
    index = _plain_index(index)
    tape = find_tape((x,))
    v = value_of(x, tape)
    shape = _shape(v)
    return record(tape, v[index], [(x, lambda g: _scatter(g, index, shape))])


# --- constants: shape queries and *_like constructors -----------------------------------
@_implements(np.shape)
def _np_shape(a):
    return _shape(primal_value(a))


@_implements(np.ndim)
def _np_ndim(a):
    return _ndim(a)


@_implements(np.size)
def _np_size(a, axis=None):
    shape = _shape(primal_value(a))
    return int(np.prod(shape)) if axis is None else shape[axis]


def _like(fn):
    def impl(a, *args, **kwargs):
        return fn(np.asarray(primal_value(a)), *args, **kwargs)
    return impl


for _f in (np.zeros_like, np.ones_like, np.empty_like, np.full_like):
    FUNCTIONS[_f] = _like(_f)
