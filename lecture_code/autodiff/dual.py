"""Dual numbers ``x + ẋd`` with ``d² = 0``: forward-mode AD by operator overloading.

Introduced in the chapter *Dual numbers*. Arithmetic on ``a + ȧd`` and ``b + ḃd`` drops the
``d²`` terms, so ``(a + ȧd)(b + ḃd) = ab + (ȧb + aḃ)d`` and in general
``f(x + ẋd) = f(x) + f'(x)ẋd``: evaluating a program on a dual number gives its value and its
directional derivative in one pass. Every derivative comes from the shared table
:mod:`lecture_code.autodiff.rules` (this module writes no derivative formula):
``tangent_out = Σ partial_i · tangent_i``.

What a :class:`Dual` can hold:

* ``primal`` and ``tangent`` floats (scalar code);
* a float ``primal`` with a vector ``tangent``: several infinitesimals ``d₁ … dₙ`` with
  ``dᵢdⱼ = 0``, so one pass gives a whole gradient (:func:`gradient_forward`);
* numpy arrays of the same shape (array code): numpy's ufuncs and the common numpy functions
  (``sum``, ``reshape``, ``matmul``, ``where``, ...) work on such duals;
* another ``Dual`` as primal/tangent (nested derivatives). Each derivative call makes a
  fresh *tag*, so the infinitesimals of nested calls are never confused.

Decisions: comparisons (``==``, ``<``, ...) and ``hash`` use the primal value only (so
branches follow the value); ``float(d)`` works only when the tangent is zero (otherwise it
would silently drop the derivative, as ``math.sin(d)`` would) and raises ``TypeError``.

Example
-------
>>> x = Dual(3.0, 1.0)
>>> x * x + 2 * x
Dual(15.0 + 8.0·d)
>>> derivative(lambda t: t**3, 2.0)
12.0
"""
from __future__ import annotations

import itertools
import math
import numbers
import operator

import numpy as np

from ._arraylike import ArrayMethods
from .rules import RULES, UFUNC_RULES, DomainError, check_domain, primal_value

__all__ = ["Dual", "derivative", "gradient_forward", "new_tag", "split", "primal_value",
           "DomainError"]

_tags = itertools.count(1)


def new_tag() -> int:
    """A fresh perturbation tag, larger than every tag made before.

    Introduced in the chapter *Dual numbers* (nested derivatives). A derivative call seeds
    its input with a new tag; an operation on duals of different tags treats the dual with
    the smaller (older, outer) tag as a constant, so inner and outer perturbations never mix.

    >>> new_tag() < new_tag()
    True
    """
    return next(_tags)


def _is_zero(t):
    if t is None:
        return True
    if isinstance(t, Dual):
        return _is_zero(t.primal) and _is_zero(t.tangent)
    return not np.any(t)


def _make(primal, tangent, tag):
    d = object.__new__(Dual)
    d.primal = primal
    d.tangent = tangent
    d.tag = tag
    return d


def _tag_of(x):
    return x.tag if isinstance(x, Dual) else -1


def _parts(x, tag):
    """``(primal, tangent)`` of ``x`` as seen by perturbation ``tag``; tangent None means 0."""
    if isinstance(x, Dual) and x.tag == tag:
        return x.primal, x.tangent
    return x, None


def _shape(x):
    while isinstance(x, Dual):
        x = x.primal
    return np.shape(x)


# Value functions for plain float primals: a rule's math function (the standard library is
# faster than numpy's ufuncs on floats), except floor and ceil, whose math versions return
# ints. Values only: derivatives always come from rules.py.
_FLOAT_FN = {name: rule.math_fn for name, rule in RULES.items()
             if rule.math_fn is not None and rule.nargs == 1 and name not in ("floor", "ceil")}
_FLOAT_FN.update(negative=operator.neg, positive=operator.pos)
_OPERATORS = {"add": operator.add, "subtract": operator.sub, "multiply": operator.mul,
              "divide": operator.truediv, "power": operator.pow}


def _unary(rule, x):
    tag, p, t = x.tag, x.primal, x.tangent
    if rule.domain is not None:
        if _shape(p):
            bad = _bad_points(rule, (p,), (True,))
            if bad is not None:
                return _outside_domain(rule, (p,), (t,), bad, tag)
        else:
            check_domain(rule, p)
    fast = _FLOAT_FN.get(rule.name) if type(p) is float else None
    out = fast(p) if fast is not None else rule.fn(p)
    return _make(out, rule.partials[0](p, out) * t, tag)


# Array code outside a rule's domain (``np.where(x > 0, np.log(x), 0.0)`` at x = -1): the
# value is numpy's; the tangent is 0 where the incoming tangent is 0 and NaN (a marker)
# where it is not, with the rule's message kept here under the perturbation's tag. If a
# marker survives to the output (no np.where masked it out), split() raises DomainError
# with that message; reverse mode does the same with the adjoint (see _tape.py).
_PENDING: dict = {}


def _bad_points(rule, primals, active):
    """The mask of points of array arguments outside ``rule``'s domain, or None if none."""
    mask = getattr(rule.domain, "mask", None)
    if mask is None:                 # a plain domain function: check eagerly
        check_domain(rule, *primals, active=active)
        return None
    return mask(*primals, active=active)


def _outside_domain(rule, primals, tangents, bad, tag, active=(True,)):
    live = np.zeros(bad.shape, dtype=bool)
    for t in tangents:
        if t is not None:
            live |= bad & (np.asarray(primal_value(t)) != 0)
    if live.any():
        message = rule.domain(*[np.broadcast_to(primal_value(p), bad.shape)[live]
                                for p in primals], active=active)
        if tag == 0:                 # a dual made by hand: no derivative call reads it off
            raise DomainError(message)
        _PENDING.setdefault(tag, message)
    out = rule.fn(*primals)          # numpy's value (with numpy's own RuntimeWarning)
    tangent = None
    with np.errstate(all="ignore"):
        for i, t in enumerate(tangents):
            if t is not None:
                term = rule.partials[i](*primals, out) * t
                tangent = term if tangent is None else tangent + term
    tangent = np.where(bad, np.where(live, np.nan, 0.0), _fit(tangent, bad.shape))
    return _make(out, tangent, tag)


def _lift(x):
    """An object array of duals and numbers (what ``np.array([d1, d2])`` makes) as one dual."""
    if isinstance(x, np.ndarray) and x.dtype == object:
        return check_point(x, "a dual-number operation")
    return x


def _binary(rule, a, b):
    if type(a) is np.ndarray or type(b) is np.ndarray:
        if _several_infinitesimals(a) or _several_infinitesimals(b):
            return _elementwise(rule, a, b)
        a, b = _lift(a), _lift(b)
    ta, tb = _tag_of(a), _tag_of(b)
    tag = ta if ta >= tb else tb
    ap, at = _parts(a, tag)
    bp, bt = _parts(b, tag)
    if rule.domain is not None:
        active = (at is not None, bt is not None)
        if _shape(ap) or _shape(bp):
            bad = _bad_points(rule, (ap, bp), active)
            if bad is not None:
                return _outside_domain(rule, (ap, bp), (at, bt), bad, tag, active)
        else:
            check_domain(rule, ap, bp, active=active)
    op = _OPERATORS.get(rule.name)
    out = op(ap, bp) if op is not None else rule.fn(ap, bp)
    tangent = None
    if at is not None:
        tangent = rule.partials[0](ap, bp, out) * at
    if bt is not None:
        tb_ = rule.partials[1](ap, bp, out) * bt
        tangent = tb_ if tangent is None else tangent + tb_
    if type(out) is not float:
        tangent = _fit(tangent, _shape(out))
    return _make(out, tangent, tag)


def _fit(tangent, shape):
    """The tangent broadcast to an array output's shape (a scalar dual times an array)."""
    if not shape or _shape(tangent) == shape:
        return tangent
    if isinstance(tangent, (numbers.Number, np.ndarray, np.generic)):
        return np.broadcast_to(np.asarray(tangent, dtype=float), shape).copy()
    return np.broadcast_to(tangent, shape)


def _several_infinitesimals(x):
    """Is ``x`` a scalar dual with a vector tangent (as :func:`gradient_forward` makes)?"""
    return isinstance(x, Dual) and np.ndim(x.tangent) > 0 and not _shape(x)


def _flat(args):
    for a in args:
        if isinstance(a, (list, tuple)):
            yield from _flat(a)
        else:
            yield a


def _box(x):
    """``x`` in a 0-d object array, so numpy treats it as an opaque object."""
    box = np.empty((), dtype=object)
    box[()] = x
    return box


def _boxed(args):
    """``args`` with every scalar dual with several infinitesimals in a 0-d object array."""
    out = []
    for a in args:
        if isinstance(a, (list, tuple)):
            a = type(a)(_boxed(a))
        elif _several_infinitesimals(a):
            a = _box(a)
        out.append(a)
    return out


def _elementwise(rule, a, b):
    """``rule`` element by element: an object array of duals, like gradient_forward's input.

    A scalar dual with ``n`` infinitesimals meeting an array (``y[0] + np.ones(3)`` inside
    a function given to :func:`gradient_forward`) cannot become one array dual: its tangent
    already has a shape of its own. Each element gets its own dual instead.
    """
    return np.frompyfunc(rule.fn, 2, 1)(*(_box(x) if isinstance(x, Dual) else x
                                          for x in (a, b)))


def _bilinear(func, a, b, *args, **kwargs):
    """Product rule for a function linear in each of ``a`` and ``b`` (matmul, dot, outer)."""
    a, b = _lift(a), _lift(b)
    tag = max(_tag_of(a), _tag_of(b))
    ap, at = _parts(a, tag)
    bp, bt = _parts(b, tag)
    out = func(ap, bp, *args, **kwargs)
    tangent = None
    if at is not None:
        tangent = func(at, bp, *args, **kwargs)
    if bt is not None:
        t2 = func(ap, bt, *args, **kwargs)
        tangent = t2 if tangent is None else tangent + t2
    return _make(out, tangent, tag)


class Dual(ArrayMethods):
    """A dual number ``primal + tangent·d`` with ``d² = 0``.

    Introduced in the chapter *Dual numbers*. ``primal`` and ``tangent`` are floats, or
    arrays of the same shape, or a float primal with a vector tangent (one component per
    infinitesimal ``dᵢ``, ``dᵢdⱼ = 0``). ``tag`` identifies the perturbation (0 for duals made
    by hand; :func:`derivative` uses fresh tags). Supports ``+ − × ÷ **``, ``abs``, numpy's
    ufuncs (``np.sin(x)``) for every rule in :mod:`lecture_code.autodiff.rules`, the common
    numpy array functions, indexing and iteration. Comparisons use the primal.

    >>> a, b = Dual(3.0, 1.0), Dual(2.0, 5.0)
    >>> a * b
    Dual(6.0 + 17.0·d)
    >>> np.sin(Dual(0.0, 2.0))
    Dual(0.0 + 2.0·d)
    >>> Dual(np.array([1.0, 2.0]), np.array([1.0, 0.0])).sum()
    Dual(3.0 + 1.0·d)
    """

    __slots__ = ("primal", "tangent", "tag")

    def __init__(self, primal, tangent=0.0, tag=0):
        primal = _coerce(primal, "primal")
        tangent = _coerce(tangent, "tangent")
        pshape = _shape(primal)
        if pshape:
            tshape = _shape(tangent)
            if tshape == () and not isinstance(tangent, Dual):
                tangent = np.full(pshape, tangent)
            elif tshape != pshape:
                raise ValueError(
                    f"an array dual needs a tangent of the primal's shape {pshape}, got shape "
                    f"{tshape}. (Vector tangents, one component per infinitesimal, are for "
                    "scalar primals.)")
        self.primal = primal
        self.tangent = tangent
        self.tag = int(tag)

    # -- representation ------------------------------------------------------------------
    def __repr__(self):
        p, t = self.primal, self.tangent
        d = "d" if self.tag == 0 else f"d{_subscript(self.tag)}"
        if isinstance(p, float) and isinstance(t, (float, int, np.floating)):
            t = float(t)
            sign = "-" if t < 0 or (t == 0 and math.copysign(1.0, t) < 0) else "+"
            return f"Dual({_fmt(p)} {sign} {_fmt(abs(t))}·{d})"
        return f"Dual({_fmt(p)} + {_fmt(t)}·{d})"

    __str__ = __repr__

    # -- arithmetic ----------------------------------------------------------------------
    def __add__(self, other):
        return _binary(_ADD, self, other) if _ok(other) else NotImplemented

    def __radd__(self, other):
        return _binary(_ADD, other, self) if _ok(other) else NotImplemented

    def __sub__(self, other):
        return _binary(_SUB, self, other) if _ok(other) else NotImplemented

    def __rsub__(self, other):
        return _binary(_SUB, other, self) if _ok(other) else NotImplemented

    def __mul__(self, other):
        return _binary(_MUL, self, other) if _ok(other) else NotImplemented

    def __rmul__(self, other):
        return _binary(_MUL, other, self) if _ok(other) else NotImplemented

    def __truediv__(self, other):
        return _binary(_DIV, self, other) if _ok(other) else NotImplemented

    def __rtruediv__(self, other):
        return _binary(_DIV, other, self) if _ok(other) else NotImplemented

    def __pow__(self, other):
        return _binary(_POW, self, other) if _ok(other) else NotImplemented

    def __rpow__(self, other):
        return _binary(_POW, other, self) if _ok(other) else NotImplemented

    def __matmul__(self, other):
        return _bilinear(np.matmul, self, other) if _ok(other) else NotImplemented

    def __rmatmul__(self, other):
        return _bilinear(np.matmul, other, self) if _ok(other) else NotImplemented

    def __neg__(self):
        return _unary(_NEG, self)

    def __pos__(self):
        return _unary(_POS, self)

    def __abs__(self):
        return _unary(_ABS, self)

    # -- comparisons on the primal -------------------------------------------------------
    def __eq__(self, other):
        return primal_value(self) == primal_value(other)

    def __ne__(self, other):
        return primal_value(self) != primal_value(other)

    def __lt__(self, other):
        return primal_value(self) < primal_value(other)

    def __le__(self, other):
        return primal_value(self) <= primal_value(other)

    def __gt__(self, other):
        return primal_value(self) > primal_value(other)

    def __ge__(self, other):
        return primal_value(self) >= primal_value(other)

    def __hash__(self):
        value = primal_value(self)
        if np.ndim(value):
            raise TypeError("an array Dual is unhashable (like a numpy array).")
        return hash(float(value))

    def __bool__(self):
        return bool(primal_value(self))

    def __float__(self):
        if not _is_zero(self.tangent):
            raise TypeError(
                f"float() of {self!r} would drop its derivative. This happens when a dual "
                "number reaches a function that only takes floats, e.g. math.sin: use "
                "np.sin or lecture_code.autodiff.sin instead; use x.primal for the value.")
        return float(primal_value(self))

    # -- array protocol ------------------------------------------------------------------
    def __array__(self, dtype=None, copy=None):
        if not self.shape and dtype in (None, object):
            return _box(self)        # np.array([d1, d2]): an object array holding the duals
        raise TypeError(
            "a Dual was converted to a plain numpy array (np.asarray, np.array, or a library "
            "function that is not written with numpy's dispatch, e.g. "
            "scipy.special.logsumexp): that would drop its derivative. Use numpy functions "
            "directly (np.stack to build arrays), and lecture_code.autodiff.logsumexp for "
            "logsumexp.")

    @property
    def shape(self):
        """The primal's shape (``()`` for scalars)."""
        return _shape(self)

    @property
    def dtype(self):
        """The primal's dtype (float64) for an array dual; ``object`` for a scalar dual.

        A scalar dual is an element of numpy object arrays (``np.array([d1, d2])``, what
        :func:`gradient_forward` passes), and numpy casts reductions of those with their
        dtype: ``np.mean`` would turn the dual into a float and lose its tangent.
        """
        if not self.shape:
            return np.dtype(object)
        return np.asarray(primal_value(self)).dtype

    def __getitem__(self, index):
        if not self.shape:
            if isinstance(index, tuple) and index == ():
                return self                          # x[()], as for a 0-d numpy array
            raise TypeError("a scalar Dual cannot be indexed (its tangent components are "
                            "x.tangent[i]).")
        index = _plain_index(index)
        return _make(self.primal[index], self.tangent[index], self.tag)

    def __setitem__(self, index, value):
        index = _plain_index(index)
        if _tag_of(value) > self.tag:
            raise TypeError("cannot store a dual number of an inner derivative in an array "
                            "of an outer one; build a new array (np.where, np.concatenate).")
        vp, vt = _parts(value, self.tag)
        self.primal[index] = vp
        self.tangent[index] = 0.0 if vt is None else vt

    def copy(self):
        """A copy (of primal and tangent)."""
        return np.copy(self)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if any(_foreign(x) for x in inputs):
            return NotImplemented
        if kwargs.get("out") is not None or kwargs.get("where", True) is not True:
            raise TypeError(f"numpy.{ufunc.__name__} with out= or where= is not supported "
                            "for Dual numbers; assign the result instead.")
        kwargs.pop("out", None)
        if method == "__call__":
            rule = UFUNC_RULES.get(ufunc)
            if rule is not None and not kwargs:
                if len(inputs) == 1:
                    return _unary(rule, inputs[0])
                return _binary(rule, *inputs)
            if ufunc is np.matmul:
                return _bilinear(np.matmul, *inputs, **kwargs)
            if ufunc in _PRIMAL_UFUNCS:
                return ufunc(*[primal_value(x) for x in inputs], **kwargs)
        elif method == "reduce" and ufunc in _REDUCTIONS:
            return _REDUCTIONS[ufunc](*inputs, **kwargs)
        elif method == "at" and ufunc in (np.add, np.subtract):
            return _ufunc_at(ufunc, *inputs)
        raise TypeError(f"numpy.{ufunc.__name__} (method {method!r}) is not supported for "
                        "Dual numbers: it has no rule in lecture_code.autodiff.rules. "
                        f"Differentiable ufuncs: {', '.join(sorted(RULES))}.")

    def __array_function__(self, func, types, args, kwargs):
        impl = _HANDLED.get(func)
        if impl is None:
            raise TypeError(f"{_numpy_name(func)} is not supported for Dual numbers. "
                            f"Supported numpy functions: {', '.join(sorted(_HANDLED_NAMES))}.")
        if not all(issubclass(t, (Dual, np.ndarray)) for t in types):
            return NotImplemented
        if any(_several_infinitesimals(a) for a in _flat(args)):
            # gradient_forward's duals: numpy works on them as objects (np.sum(v[0]) is
            # v[0], np.stack([v[0], v[1]]) an object array), never on their tangents.
            return func(*_boxed(args), **kwargs)
        return impl(*args, **kwargs)


def _numpy_name(func):
    """``numpy.linalg.inv`` for ``np.linalg.inv`` (private submodules left out)."""
    module = [p for p in (getattr(func, "__module__", None) or "").split(".")
              if p and not p.startswith("_")]
    if module[:1] != ["numpy"]:
        module = ["numpy"]
    return ".".join(module + [getattr(func, "__name__", repr(func))])


def _add_methods():
    """``d.sin()``, ``d.exp()``, ...: numpy's object arrays call these for ``np.sin(array)``."""
    for name, rule in RULES.items():
        if rule.nargs == 1 and not hasattr(Dual, name):
            def method(self, _rule=rule):
                return _unary(_rule, self)
            method.__name__ = name
            method.__doc__ = f"``np.{rule.fn.__name__}`` of the dual (for numpy object arrays)."
            setattr(Dual, name, method)


_add_methods()

_ADD, _SUB, _MUL, _DIV, _POW = (RULES[n] for n in ("add", "subtract", "multiply", "divide",
                                                   "power"))
_NEG, _POS, _ABS = RULES["negative"], RULES["positive"], RULES["absolute"]

_PRIMAL_UFUNCS = {np.equal, np.not_equal, np.less, np.less_equal, np.greater,
                  np.greater_equal, np.isfinite, np.isnan, np.isinf, np.signbit,
                  np.logical_and, np.logical_or, np.logical_not, np.logical_xor}

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _subscript(n):
    return str(n).translate(_SUBSCRIPTS)


def _fmt(x):
    if isinstance(x, Dual):
        return repr(x)
    if isinstance(x, np.ndarray):
        return np.array2string(x, precision=6, separator=", ")
    return repr(float(x)) if isinstance(x, numbers.Real) else repr(x)


def _ok(x):
    """Can a Dual operate with ``x``? (Numbers, arrays, duals; not foreign AD objects.)"""
    return isinstance(x, (Dual, numbers.Number, np.ndarray, np.generic))


def _foreign(x):
    """Another array-like AD type (e.g. a reverse-mode variable) that handles ufuncs itself."""
    return (hasattr(type(x), "__array_ufunc__")
            and not isinstance(x, (Dual, np.ndarray, np.generic)))


def _coerce(x, what):
    if isinstance(x, Dual):
        return x
    if isinstance(x, bool) or isinstance(x, np.bool_):
        raise TypeError(f"a Dual's {what} must be a real number or array, got a bool.")
    if isinstance(x, numbers.Real):
        return float(x)
    if isinstance(x, (list, tuple, np.ndarray)):
        arr = np.asarray(x)
        if arr.dtype.kind in "iuf":
            return np.array(arr, dtype=float)
    if hasattr(x, "__array_ufunc__") and not isinstance(x, (np.ndarray, np.generic)):
        return x      # another AD type (e.g. a reverse-mode variable) nested in a dual
    raise TypeError(f"a Dual's {what} must be a real number, a numpy array of real numbers "
                    f"or a Dual, got {x!r} ({type(x).__name__}).")


def _plain_index(index):
    if isinstance(index, Dual):
        return primal_value(index)
    if isinstance(index, tuple):
        return tuple(primal_value(i) for i in index)
    return index


# ---------------------------------------------------------------------------------------
# numpy functions on array duals
# ---------------------------------------------------------------------------------------
_HANDLED: dict = {}
_HANDLED_NAMES: set = set()


def _implements(*funcs):
    def register(impl):
        for f in funcs:
            _HANDLED[f] = impl(f)
            _HANDLED_NAMES.add(f.__name__)
        return impl
    return register


@_implements(np.sum, np.mean, np.reshape, np.transpose, np.swapaxes, np.moveaxis,
             np.squeeze, np.expand_dims, np.broadcast_to, np.diagonal, np.trace, np.cumsum,
             np.take, np.ravel, np.flip, np.roll, np.repeat, np.tile, np.diff, np.copy,
             np.atleast_1d, np.atleast_2d, np.real, np.triu, np.tril, np.take_along_axis,
             np.diag, np.rot90, np.fliplr, np.flipud, np.array_split, np.split)
def _linear(func):
    """Functions linear in their first argument: apply to primal and tangent alike."""
    def impl(x, *args, **kwargs):
        if not isinstance(x, Dual):
            raise TypeError(f"numpy.{func.__name__} is supported for Dual numbers only as its "
                            "first argument.")
        if func in (np.array_split, np.split):
            ps = func(x.primal, *args, **kwargs)
            ts = func(x.tangent, *args, **kwargs)
            return [_make(p, t, x.tag) for p, t in zip(ps, ts)]
        return _make(func(x.primal, *args, **kwargs), func(x.tangent, *args, **kwargs), x.tag)
    return impl


@_implements(np.concatenate, np.stack, np.vstack, np.hstack, np.column_stack)
def _sequence(func):
    """Functions linear in a sequence of arrays (concatenate, stack)."""
    def impl(arrays, *args, **kwargs):
        arrays = list(arrays)
        tag = max(_tag_of(a) for a in arrays)
        parts = [_parts(a, tag) for a in arrays]
        primal = func([p for p, _ in parts], *args, **kwargs)
        tangent = func([np.zeros(_shape(p)) if t is None else t for p, t in parts],
                       *args, **kwargs)
        return _make(primal, tangent, tag)
    return impl


@_implements(np.where)
def _where(func):
    def impl(condition, x=None, y=None):
        if x is None or y is None:
            raise TypeError("numpy.where with one argument is not supported for Dual "
                            "numbers; use np.nonzero(d.primal).")
        cond = primal_value(condition)
        tag = max(_tag_of(x), _tag_of(y))
        xp, xt = _parts(x, tag)
        yp, yt = _parts(y, tag)
        return _make(func(cond, xp, yp),
                     func(cond, 0.0 if xt is None else xt, 0.0 if yt is None else yt), tag)
    return impl


@_implements(np.dot, np.matmul, np.inner, np.outer, np.tensordot, np.vdot, np.kron,
             np.cross)
def _bilinear_function(func):
    def impl(a, b, *args, **kwargs):
        return _bilinear(func, a, b, *args, **kwargs)
    return impl


@_implements(np.einsum)
def _einsum(func):
    def impl(subscripts, *operands, **kwargs):
        tag = max(_tag_of(x) for x in operands)
        parts = [_parts(x, tag) for x in operands]
        primals = [p for p, _ in parts]
        primal = func(subscripts, *primals, **kwargs)
        tangent = None
        for i, (_, t) in enumerate(parts):
            if t is not None:
                term = func(subscripts, *primals[:i], t, *primals[i + 1:], **kwargs)
                tangent = term if tangent is None else tangent + term
        return _make(primal, tangent, tag)
    return impl


def _pick_along(x, index_fn, axis, keepdims):
    """max/min of x along ``axis``: the value at the chosen index; the tangent is the mean of
    the tangents of every element that ties for the extremum (JAX's convention, and what
    reverse mode sends back: one convention for ties in every mode)."""
    value = np.asarray(primal_value(x))
    idx = index_fn(value, axis=axis)
    if axis is None:
        top = value.reshape(-1)[idx]
        primal = x.primal[np.unravel_index(int(idx), value.shape)]
    else:
        idx = np.expand_dims(idx, axis)
        top = np.take_along_axis(value, idx, axis)
        primal = np.take_along_axis(x.primal, idx, axis)
        if not keepdims:
            primal = np.squeeze(primal, axis=axis)
    hit = (value == top) | (np.isnan(top) & (value != value))
    weights = hit / np.sum(hit, axis=axis, keepdims=True)
    tangent = np.sum(x.tangent * weights, axis=axis, keepdims=keepdims)
    if axis is None and keepdims:
        primal = np.reshape(primal, (1,) * value.ndim)
    return _make(primal, tangent, x.tag)


@_implements(np.max, np.amax)
def _max(func):
    def impl(x, axis=None, keepdims=False):
        return _pick_along(x, np.argmax, axis, keepdims)
    return impl


@_implements(np.min, np.amin)
def _min(func):
    def impl(x, axis=None, keepdims=False):
        return _pick_along(x, np.argmin, axis, keepdims)
    return impl


@_implements(np.sort)
def _sort(func):
    def impl(x, axis=-1):
        value = np.asarray(primal_value(x))
        idx = np.argsort(value, axis=axis)
        return _make(np.take_along_axis(x.primal, idx, axis),
                     np.take_along_axis(x.tangent, idx, axis), x.tag)
    return impl


@_implements(np.zeros_like, np.ones_like, np.empty_like, np.full_like)
def _constant_like(func):
    """Constant arrays shaped like a dual: a dual with zero tangent (so it can accumulate)."""
    def impl(x, *args, **kwargs):
        primal = func(np.asarray(primal_value(x)), *args, **kwargs)
        if np.ndim(primal) == 0:
            return float(primal)
        return _make(np.asarray(primal, dtype=float), np.zeros(primal.shape), x.tag)
    return impl


@_implements(np.shape, np.ndim, np.size, np.argmax, np.argmin, np.argsort, np.nonzero,
             np.any, np.all, np.allclose,
             np.isclose, np.array_equal, np.count_nonzero)
def _on_value(func):
    """Functions of the value only (shapes, indices, tests): they see the primal."""
    def impl(*args, **kwargs):
        return func(*[primal_value(a) for a in args], **kwargs)
    return impl


def _reduce_add(x, axis=0, keepdims=False, **kwargs):
    return np.sum(x, axis=axis, keepdims=keepdims, **kwargs)


def _reduce_max(x, axis=0, keepdims=False):
    return _pick_along(x, np.argmax, axis, keepdims)


def _reduce_min(x, axis=0, keepdims=False):
    return _pick_along(x, np.argmin, axis, keepdims)


_REDUCTIONS = {np.add: _reduce_add, np.maximum: _reduce_max, np.minimum: _reduce_min}


def _ufunc_at(ufunc, target, index, values=None):
    if not isinstance(target, Dual):
        raise TypeError(f"numpy.{ufunc.__name__}.at into a plain array cannot hold a Dual "
                        "number; start from a dual array, e.g. np.zeros_like(x) of a dual x.")
    if _tag_of(values) > target.tag:
        raise TypeError(f"numpy.{ufunc.__name__}.at: cannot add a dual of an inner "
                        "derivative into an array of an outer one.")
    index = _plain_index(index)
    vp, vt = _parts(values, target.tag)
    ufunc.at(target.primal, index, vp)
    if vt is not None:
        ufunc.at(target.tangent, index, vt)


# ---------------------------------------------------------------------------------------
# Seeding and reading off derivatives
# ---------------------------------------------------------------------------------------
def split(y, tag):
    """``(value, tangent)`` of an output ``y`` for the perturbation ``tag``.

    Introduced in the chapter *Dual numbers*. Accepts a dual, a number, an array, or a
    (nested) list/tuple/object array of duals and numbers (what ``np.array([d1, d2])``
    makes); parts that do not depend on ``tag`` get a zero tangent. Raises
    :class:`DomainError` if the tangent depends on a point of array code where a derivative
    does not exist (an element that no ``np.where`` masked out).

    >>> split(Dual(2.0, 3.0, tag=7), 7)
    (2.0, 3.0)
    >>> split(np.array([Dual(1.0, 2.0, tag=7), 5.0], dtype=object), 7)
    (array([1., 5.]), array([2., 0.]))
    """
    message = _PENDING.pop(tag, None)
    value, tangent = _split(y, tag)
    if message is not None:
        try:
            poisoned = np.isnan(np.asarray(primal_value(tangent), dtype=float)).any()
        except (TypeError, ValueError):
            poisoned = True
        if poisoned:
            raise DomainError(message)
    return value, tangent


def _split(y, tag):
    if isinstance(y, Dual):
        if y.tag == tag:
            return y.primal, y.tangent
        return y, 0.0
    if isinstance(y, (list, tuple)) or (isinstance(y, np.ndarray) and y.dtype == object):
        arr = np.empty(len(y), dtype=object) if not isinstance(y, np.ndarray) else y
        if not isinstance(y, np.ndarray):
            for i, v in enumerate(y):
                arr[i] = v
        flat = [_split(v, tag) for v in arr.reshape(-1)]
        primals = _assemble([p for p, _ in flat], arr.shape)
        tangents = [t for _, t in flat]
        comp = np.broadcast_shapes(*[_shape(t) for t in tangents]) if tangents else ()
        tangents = _assemble([t if _shape(t) == comp else _broadcast(t, comp)
                              for t in tangents], arr.shape)
        return primals, tangents
    if isinstance(y, (numbers.Number, np.ndarray, np.generic)):
        return y, (0.0 if np.ndim(y) == 0 else np.zeros(np.shape(y)))
    if hasattr(y, "__array_ufunc__"):
        if _holds_tag(y, tag):
            raise NotImplementedError(
                "forward mode (derivative, jvp, jacfwd, gradient_forward) was nested inside "
                "a reverse-mode function (grad, vjp, jacrev, hessian's inner gradient): its "
                f"result is a {type(y).__name__} holding dual numbers, whose tangent reverse "
                "mode cannot differentiate. Nest the other way round (forward over reverse, "
                "as hessian = jacfwd(grad(f)) does) or use grad/jacrev for the inner "
                "derivative too.")
        return y, 0.0
    raise TypeError(f"the function returned {type(y).__name__}, which is not a number, an "
                    "array or a dual number; return a float or a numpy array.")


def _holds_tag(y, tag):
    """Does the foreign AD value ``y`` (a reverse-mode Variable) wrap a dual of ``tag``?"""
    while not isinstance(y, Dual):
        if not hasattr(y, "primal"):
            return False
        y = y.primal
    while isinstance(y, Dual):
        if y.tag == tag:
            return True
        y = y.primal
    return False


def _broadcast(t, shape):
    if isinstance(t, Dual):
        return np.broadcast_to(t, shape) if shape else t
    return np.broadcast_to(np.asarray(t, dtype=float), shape)


def _assemble(items, shape):
    """Stack scalars/arrays (or duals) into one array; duals become a dual array."""
    if any(isinstance(v, Dual) for v in items):
        tag = max(_tag_of(v) for v in items)
        parts = [_parts(v, tag) for v in items]
        primal = _assemble([p for p, _ in parts], shape)
        tangent = _assemble([np.zeros(_shape(p)) if t is None else t for p, t in parts],
                            shape)
        return _make(primal, tangent, tag)
    if any(not isinstance(v, (numbers.Number, np.ndarray, np.generic)) for v in items):
        out = np.empty(len(items), dtype=object)
        for i, v in enumerate(items):
            out[i] = v
        return out.reshape(shape)   # foreign AD objects stay an object array
    arr = np.array([np.asarray(v, dtype=float) for v in items], dtype=float)
    return arr.reshape(tuple(shape) + arr.shape[1:])


def _finish(t):
    """A derivative as the user sees it: float for scalars, array otherwise (duals stay)."""
    if isinstance(t, Dual) or (isinstance(t, np.ndarray) and t.dtype == object) \
            or _foreign(t):
        return t
    if np.ndim(t) == 0:
        return float(t) if isinstance(t, (numbers.Number, np.generic, np.ndarray)) else t
    return np.asarray(t, dtype=float)


def check_point(x, who):
    """Check that ``x`` is something to differentiate at: a real number, a real array or a dual.

    Introduced in the chapter *Dual numbers*; raises ``TypeError`` naming the caller.

    >>> check_point(2, "derivative")
    2.0
    """
    if isinstance(x, Dual):
        return x
    if isinstance(x, (bool, np.bool_)):
        raise TypeError(f"{who} needs a real number or array to differentiate at, got a bool.")
    if isinstance(x, numbers.Real):
        return float(x)
    if isinstance(x, (np.ndarray, list, tuple)):
        arr = np.asarray(x)
        if arr.dtype.kind in "iuf":
            return np.array(arr, dtype=float)
        if arr.dtype == object and all(isinstance(v, (Dual, numbers.Real))
                                       for v in arr.reshape(-1)):
            return _assemble(list(arr.reshape(-1)), arr.shape)
    elif hasattr(x, "__array_ufunc__") and not isinstance(x, np.generic):
        return x     # another AD type (reverse-mode variable), for nested derivatives
    raise TypeError(f"{who} needs a real number or a numpy array of real numbers, got "
                    f"{x!r} ({type(x).__name__}).")


def derivative(f, x):
    """``f'(x)`` for ``f: R → R`` (a float) or ``f: R → Rᵐ`` (an array), by one dual pass.

    Introduced in the chapter *Dual numbers*. Evaluates ``f(x + 1·d)`` with a fresh tag and
    reads off the ``d`` part, so nested calls (derivatives of functions that call
    ``derivative``) are right.

    >>> derivative(lambda x: x**3, 2.0)
    12.0
    >>> derivative(lambda x: x * derivative(lambda y: x + y, 1.0), 2.0)
    1.0
    >>> derivative(lambda x: np.array([x, x**2]), 3.0).tolist()
    [1.0, 6.0]
    """
    if not callable(f):
        raise TypeError(f"derivative needs a function as its first argument, got "
                        f"{type(f).__name__}; call derivative(f, x).")
    x = check_point(x, "derivative")
    if _shape(x):
        raise TypeError(f"derivative differentiates a function of one real number, but x has "
                        f"shape {_shape(x)}; use jacfwd, jvp or grad for functions of arrays.")
    tag = new_tag()
    _, tangent = split(f(_make(x, 1.0, tag)), tag)
    return _finish(tangent)


def gradient_forward(f, x):
    """Gradient of ``f: Rⁿ → R`` in ONE forward pass, with ``n`` infinitesimals ``dᵢdⱼ = 0``.

    Introduced in the chapter *Dual numbers* (several variables). Each input ``x[i]`` becomes
    the dual ``x[i] + eᵢ·d`` (a float primal with a vector tangent); ``f`` receives them as a
    numpy object array, so scalar code (``x[0] * x[1]``, loops over ``x``) and elementwise
    array code both work. Each operation then carries an n-vector of tangents.

    >>> gradient_forward(lambda v: v[0] * v[1] + np.sin(v[0]), [0.0, 2.0]).tolist()
    [3.0, 0.0]
    """
    x = check_point(x, "gradient_forward")
    arr = np.asarray(x, dtype=float)
    n = arr.size
    tag = new_tag()
    eye = np.eye(n)
    duals = np.empty(arr.shape, dtype=object)
    flat = duals.reshape(-1)
    for i, v in enumerate(arr.reshape(-1)):
        flat[i] = _make(float(v), eye[i], tag)
    y, tangent = split(f(duals), tag)
    if _shape(y):
        raise ValueError(f"gradient_forward needs a scalar output, got shape {_shape(y)}; "
                         "use jacfwd for vector outputs.")
    tangent = np.broadcast_to(np.asarray(tangent, dtype=float), (n,))
    return np.array(tangent).reshape(arr.shape)
