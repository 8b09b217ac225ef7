"""Reverse-mode automatic differentiation on a tape (chapter *Forward and reverse mode*).

While the function runs, every operation on a :class:`Variable` appends one *node* to a
:class:`Tape`: which earlier nodes it read (its parents) and how to send an adjoint back to
each of them. The backward pass walks the tape once, from the output to the inputs, and
accumulates ``parent_bar += local_vjp(node_bar)`` (the chain rule, one edge at a time).

Two kinds of node share the tape and the backward loop:

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

The primitive is :func:`vjp`; ``grad``, ``jacrev`` and ``hessian`` are built on it in
:mod:`lecture_code.autodiff.transforms`.

>>> import numpy as np
>>> value, pullback = vjp(lambda x: np.sum(np.sin(x) * x**2), np.array([1.0, 2.0]))
>>> bar, = pullback(1.0)
>>> x = np.array([1.0, 2.0])
>>> bool(np.allclose(bar, np.cos(x) * x**2 + 2 * x * np.sin(x)))
True
"""
from __future__ import annotations

import dis
import math
import numbers
import operator
import sys
import types

import numpy as np

from ._arraylike import ArrayMethods
from . import rules
from .rules import RULES, UFUNC_RULES, DomainError, check_domain, primal_value

__all__ = ["Variable", "Tape", "Node", "vjp", "value_and_grad", "unbroadcast", "logsumexp",
           "FUNCTIONS", "register"]


# ---------------------------------------------------------------------------------------
# The tape
# ---------------------------------------------------------------------------------------
class _Finished:
    """Stands in for the node list of a finished tape: recording onto it is an error."""

    __slots__ = ()

    def __len__(self):
        return 0

    def append(self, node):
        raise ValueError(
            "this Variable belongs to a reverse-mode recording that has already finished "
            "(the vjp/grad call that created it has returned). Variables are only valid "
            "inside the function being differentiated: don't keep them in globals or "
            "lists between calls, or use one call's Variables in another call.")


_FINISHED = _Finished()

#: Reverse-mode versions of numpy's non-elementwise functions, by numpy function
#: (``FUNCTIONS[np.sum]``; ``FUNCTIONS[operator.getitem]`` for indexing). The tape only owns
#: the table: :mod:`lecture_code.autodiff.numpy_vjps` fills it with :func:`register`, as
#: autograd's ``defvjp`` does, so this module does not import that one.
FUNCTIONS: dict = {}


def register(*funcs):
    """Decorator: the function it decorates computes ``funcs`` on Variables and records them.

    >>> @register(np.cbrt)
    ... def _cbrt(x):
    ...     raise TypeError("not yet")
    >>> FUNCTIONS.pop(np.cbrt) is _cbrt
    True
    """
    def decorate(impl):
        for f in funcs:
            FUNCTIONS[f] = impl
        return impl
    return decorate

#: The tapes that are recording now, outermost first (nested calls give higher derivatives).
_ACTIVE: list = []


class Tape:
    """The record of one reverse-mode evaluation (chapter *Forward and reverse mode*).

    ``nodes[i]`` is how node ``i`` was computed: ``None`` for an input, a flat tuple
    ``(parent, partial, ...)`` for a scalar node, or a :class:`Node`. ``level`` is the
    nesting depth (0 for the outermost recording).

    >>> tape = Tape()
    >>> x = tape.input(3.0)
    >>> y = x * x + 1.0
    >>> tape.finish()
    >>> tape.backward(y.index, 1.0)[x.index]
    6.0
    """

    __slots__ = ("nodes", "recorded", "level", "owned")

    def __init__(self):
        self.nodes = []
        self.recorded = self.nodes
        self.level = len(_ACTIVE)
        self.owned = set()
        _ACTIVE.append(self)

    def input(self, value) -> "Variable":
        """A new input (leaf) variable with the given value."""
        return _variable(value, self, None)

    def finish(self) -> None:
        """Stop recording: later operations on this tape's Variables raise ``ValueError``."""
        self.recorded = self.nodes if self.nodes is not _FINISHED else self.recorded
        self.nodes = _FINISHED
        if self in _ACTIVE:
            _ACTIVE.remove(self)

    def backward(self, index: int, bar) -> list:
        """Propagate the adjoint ``bar`` of node ``index`` back to every node before it.

        Returns the list of adjoints by node index (``None`` where nothing arrived).
        Afterwards ``self.owned`` holds the indices whose adjoint array this pass allocated
        (the others may be arrays of the tape or of the caller, which must not be changed).
        """
        nodes = self.recorded
        grads = [None] * (index + 1)
        grads[index] = bar
        owned = set()                            # adjoint arrays this loop allocated
        for i in range(index, -1, -1):
            g = grads[i]
            if g is None:
                continue
            node = nodes[i]
            if node is None:                     # an input: keep its adjoint
                continue
            grads[i] = None                      # free intermediate adjoints early
            if type(node) is tuple:              # scalar node: (parent, partial, ...)
                p = node[0]
                old = grads[p]
                grads[p] = g * node[1] if old is None else old + g * node[1]
                if len(node) == 4:
                    p = node[2]
                    old = grads[p]
                    grads[p] = g * node[3] if old is None else old + g * node[3]
            else:                                # general node: one VJP per parent
                for p, pullback in zip(node.parents, node.vjps):
                    contribution = pullback(g)
                    old = grads[p]
                    if old is None:
                        if _fresh(contribution):
                            owned.add(p)
                        grads[p] = contribution
                    elif p in owned and _addable(old, contribution):
                        np.add(old, contribution, out=old)    # accumulate in place
                    elif _fresh(contribution) and _addable(contribution, old):
                        np.add(contribution, old, out=contribution)
                        grads[p] = contribution
                        owned.add(p)
                    else:
                        grads[p] = total = old + contribution
                        if type(total) is np.ndarray:
                            owned.add(p)
        self.owned = owned
        return grads


def _addable(old, contribution):
    return (type(old) is np.ndarray and isinstance(contribution, (np.ndarray, float))
            and np.shape(contribution) in (old.shape, ()))


def _fresh(a):
    """Is ``a`` a new float array that nothing else refers to, so safe to add into in place?

    A VJP's result usually is (``g * cos(x)``); but it may also be ``g`` itself, a view of
    it, or a value of the forward pass, which other adjoints or the tape still hold. The
    reference count tells them apart: 3 = the caller's variable, this argument and
    ``getrefcount``'s own (as numpy does to reuse temporaries).
    """
    return (type(a) is np.ndarray and a.base is None and a.dtype == np.float64
            and a.flags.writeable and sys.getrefcount(a) <= 3)


class Node:
    """A general tape node: parent indices and one VJP function ``bar -> parent_bar`` each.

    Chapter *Forward and reverse mode*.

    >>> Node((0,), (lambda g: 2 * g,)).vjps[0](1.5)
    3.0
    """

    __slots__ = ("parents", "vjps")

    def __init__(self, parents, vjps):
        self.parents = parents
        self.vjps = vjps


# ---------------------------------------------------------------------------------------
# The variable type
# ---------------------------------------------------------------------------------------
def _variable(value, tape, node):
    """Append ``node`` to ``tape`` and return the Variable that holds its output value."""
    nodes = tape.nodes
    out = _new(Variable)
    out.value = value
    out.tape = tape
    out.index = len(nodes)
    nodes.append(node)
    return out


_new = object.__new__


def find_tape(args):
    """The tape that records an operation on ``args`` (``None`` if no Variable among them).

    Variables of an enclosing (outer) recording are constants for an inner one; Variables
    of a finished recording are an error.
    """
    tape = None
    for a in args:
        if type(a) is Variable:
            t = a.tape
            if tape is None:
                tape = t
            elif t is not tape:
                tape = _innermost(tape, t)
    return tape


def _innermost(t1, t2):
    for t in (t1, t2):
        if t.nodes is _FINISHED:
            t.nodes.append(None)                 # raises the "finished recording" error
    return t1 if t1.level > t2.level else t2


def value_of(x, tape):
    """``x``'s value if it is a Variable of ``tape``; otherwise ``x`` itself (a constant)."""
    return x.value if type(x) is Variable and x.tape is tape else x


def record(tape, value, pairs):
    """Record ``value`` as computed from ``pairs = [(variable, vjp), ...]`` and return it.

    Only variables of ``tape`` become parents (others are constants at this level).
    Used by :mod:`numpy_vjps` to define new primitives.
    """
    parents, vjps = [], []
    for var, pullback in pairs:
        if type(var) is Variable and var.tape is tape and pullback is not None:
            parents.append(var.index)
            vjps.append(pullback)
    if not parents:
        return value
    return _variable(value, tape, Node(tuple(parents), tuple(vjps)))


def _shape(x):
    shape = getattr(x, "shape", None)
    return tuple(shape) if shape is not None else np.shape(x)


def unbroadcast(g, shape):
    """Sum the adjoint ``g`` down to ``shape``: the VJP of numpy broadcasting.

    Chapter *Forward and reverse mode* (as in autograd). If ``x`` of shape ``shape`` was
    broadcast in an operation, every copy of it sent back an adjoint; they add up.

    >>> unbroadcast(np.ones((4, 3)), (3,))
    array([4., 4., 4.])
    >>> unbroadcast(np.ones((4, 3)), (4, 1)).shape
    (4, 1)
    """
    gshape = _shape(g)
    if gshape == shape:
        return g
    extra = len(gshape) - len(shape)
    if extra > 0:
        g = np.sum(g, axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and gshape[extra + i] != 1)
    if axes:
        g = _sum_keepdims(g, axes)
    if extra < 0:                                # a scalar adjoint for an array input
        g = np.broadcast_to(g, shape)
    return g


def _sum_keepdims(g, axes):
    """``np.sum(g, axis=axes, keepdims=True)``, fast also over an inner axis of a float array.

    numpy reduces an inner axis followed by a short one (the ``(K, N, D)`` adjoint of
    ``means[:, None, :]``, D = 2) with an inner loop of length D, about 25 times slower
    than a matrix-vector product with a vector of ones, which gives the same sums.
    """
    if type(g) is np.ndarray and g.dtype == np.float64 and len(axes) == 1:
        axis = axes[0]
        shape = g.shape
        n, post = shape[axis], math.prod(shape[axis + 1:])
        if 1 < post <= 16 and n >= 256:
            rows = np.reshape(g, (math.prod(shape[:axis]), n, post))
            total = np.matmul(np.ones(n), rows)            # (pre, post)
            return np.reshape(total, shape[:axis] + (1,) + shape[axis + 1:])
    return np.sum(g, axis=axes, keepdims=True)


# --- elementwise rules: float versions (the same formulas, evaluated with math) ---------
def _fsign(x):
    return (x > 0) - (x < 0) + 0.0


def _fmaximum(x, y):
    return x if x >= y else y


def _fminimum(x, y):
    return x if x <= y else y


def _flogaddexp(x, y):
    m = x if x >= y else y
    return m + math.log1p(math.exp(-abs(x - y)))


class _FloatMath:
    """numpy's names mapped to Python-float functions, to evaluate ``rules`` on floats."""

    sin, cos, tan, exp, log, sqrt = math.sin, math.cos, math.tan, math.exp, math.log, math.sqrt
    arcsin, arccos, arctan = math.asin, math.acos, math.atan
    sinh, cosh, tanh = math.sinh, math.cosh, math.tanh
    arcsinh, arccosh, arctanh = math.asinh, math.acosh, math.atanh
    expm1, log1p, log2, log10, cbrt = math.expm1, math.log1p, math.log2, math.log10, math.cbrt
    arctan2, hypot = math.atan2, math.hypot
    absolute = abs = staticmethod(abs)
    sign = staticmethod(_fsign)
    maximum, minimum = staticmethod(_fmaximum), staticmethod(_fminimum)
    logaddexp = staticmethod(_flogaddexp)
    add, subtract, multiply = operator.add, operator.sub, operator.mul
    divide = true_divide = operator.truediv
    power = operator.pow
    negative, positive = operator.neg, operator.pos
    equal = operator.eq

    @staticmethod
    def exp2(x):
        return 2.0 ** x

    @staticmethod
    def square(x):
        return x * x

    @staticmethod
    def reciprocal(x):
        return 1.0 / x

    @staticmethod
    def floor(x):
        return float(math.floor(x))

    @staticmethod
    def ceil(x):
        return float(math.ceil(x))

    @staticmethod
    def rint(x):
        return float(round(x))

    @staticmethod
    def ones_like(x):
        return 1.0

    @staticmethod
    def zeros_like(x):
        return 0.0


_FLOAT_NS = dict(vars(rules))
_FLOAT_NS["np"] = _FloatMath
_FLOAT_NS["_sign"] = _fsign


def _on_floats(fn):
    """The same function (same code, so the same formula) with ``np`` meaning ``_FloatMath``."""
    return types.FunctionType(fn.__code__, _FLOAT_NS, fn.__name__, fn.__defaults__,
                              fn.__closure__)


class _FloatRule:
    """A rule prepared for the scalar path: value and partials as float functions."""

    __slots__ = ("rule", "fn", "partials", "constants")

    def __init__(self, rule):
        self.rule = rule
        self.fn = getattr(_FloatMath, rule.name)
        self.partials = tuple(_on_floats(p) for p in rule.partials)
        # Partials that do not depend on the arguments (add: 1, subtract: 1 and -1, sign: 0)
        # are evaluated once, so the scalar path does not multiply by ones.
        args = (1.0,) * (rule.nargs + 1)
        self.constants = (tuple(float(p(*args)) for p in self.partials)
                          if rule.constant else None)


_FLOAT_RULES = {name: _FloatRule(rule) for name, rule in RULES.items()}
_FLOAT_RULES.update({rule.fn: _FLOAT_RULES[name] for name, rule in RULES.items()})


def _float_domain_error(rule, args, exc, active=None):
    check_domain(rule, *args, active=active)     # raises the rule's own message if it has one
    shown = ", ".join(f"{a:g}" for a in args)
    raise DomainError(f"{rule.name} or its derivative is not defined at {shown} "
                      f"({exc}). Check the input values.") from None


def _record_unary_float(fr, x, a):
    try:
        out = fr.fn(a)
        d = fr.constants[0] if fr.constants else fr.partials[0](a, out)
    except (ValueError, ZeroDivisionError, OverflowError) as exc:
        _float_domain_error(fr.rule, (a,), exc)
    if type(out) is not float:                   # e.g. a complex result of math
        _float_domain_error(fr.rule, (a,), "not a real number")
    if d == 0.0:
        return out
    return _variable(out, x.tape, (x.index, d))


def _record_binary_float(fr, x, y, a, b):
    """Scalar node for ``fr(a, b)`` where ``x``/``y`` are Variables or constants."""
    if fr is _POW and type(y) is Variable and a <= 0.0:
        # 0**y at y <= 0 evaluates without an exception but has no derivative in y.
        check_domain(fr.rule, a, b, active=(type(x) is Variable, True))
    try:
        out = fr.fn(a, b)
        if type(out) is not float:
            raise ValueError("not a real number")
        if fr.constants:
            da, db = fr.constants
        else:
            p = fr.partials
            da = p[0](a, b, out) if type(x) is Variable else 0.0
            db = p[1](a, b, out) if type(y) is Variable else 0.0
    except (ValueError, ZeroDivisionError, OverflowError) as exc:
        _float_domain_error(fr.rule, (a, b), exc, (type(x) is Variable, type(y) is Variable))
    if type(x) is Variable:
        if type(y) is Variable:
            return _variable(out, x.tape, (x.index, da, y.index, db))
        return _variable(out, x.tape, (x.index, da))
    return _variable(out, y.tape, (y.index, db))


def _scalar_const(c):
    return type(c) is float or (type(c) is int and -2**53 <= c <= 2**53)


def _binary(fr, x, y):
    """``fr(x, y)`` for a Variable among x, y: the scalar path if it can, else numpy."""
    if type(x) is Variable:
        a = x.value
        if type(y) is Variable:
            b = y.value
            if type(a) is float and type(b) is float and x.tape is y.tape:
                return _record_binary_float(fr, x, y, a, b)
        elif type(a) is float and _scalar_const(y):
            return _record_binary_float(fr, x, y, a, y)
    elif type(y.value) is float and _scalar_const(x):
        return _record_binary_float(fr, x, y, x, y.value)
    return apply_rule(fr.rule, (x, y))


def apply_rule(rule, args):
    """Apply an elementwise rule to ``args`` (Variables and constants) and record it."""
    tape = find_tape(args)
    values = [value_of(a, tape) for a in args]
    if all(type(v) is float for v in values):
        fr = _FLOAT_RULES[rule.name]
        if rule.nargs == 1:
            return _record_unary_float(fr, args[0], values[0])
        return _record_binary_float(fr, *args, *values)
    if rule.domain is not None:
        active = tuple(type(a) is Variable and a.tape is tape for a in args)
        mask = getattr(rule.domain, "mask", None)
        if mask is not None and any(_shape(v) for v in values):
            bad = mask(*values, active=active)
            if bad is not None:
                return _record_outside_domain(rule, args, values, active, bad, tape)
        else:
            check_domain(rule, *values, active=active)
    out = rule.fn(*values)
    if len(args) == 2 and args[0] is args[1] and type(args[0]) is Variable:
        # x * x, x + x: one VJP with the two partials added (one adjoint array, not two).
        return record(tape, out, [(args[0], _same_argument_vjp(rule, values, out))])
    pairs = []
    for i, a in enumerate(args):
        if type(a) is Variable and a.tape is tape:
            pairs.append((a, _rule_vjp(rule, i, values, out)))
    return record(tape, out, pairs)


def _record_outside_domain(rule, args, values, active, bad, tape):
    """Array code with points outside ``rule``'s domain: numpy's value, a checked VJP.

    The rule for array code (chapter *Forward and reverse mode*): the value is what numpy
    computes (with numpy's RuntimeWarning for a NaN). An adjoint of 0 at a bad point (the
    branch ``np.where`` did not take) sends back 0, so a masked branch does not poison the
    gradient; a nonzero adjoint there means the derivative is needed where it does not
    exist, and the backward pass raises the rule's :class:`DomainError`.
    """
    out = rule.fn(*values)
    pairs = [(a, _masked_vjp(rule, i, values, out, bad, active))
             for i, a in enumerate(args) if active[i]]
    return record(tape, out, pairs)


def _masked_vjp(rule, i, values, out, bad, active):
    shape = _shape(values[i])
    partial = rule.partials[i]

    def back(g):
        live = bad & (np.asarray(primal_value(g)) != 0)
        if live.any():
            raise DomainError(rule.domain(*[np.broadcast_to(primal_value(v), bad.shape)[live]
                                            for v in values], active=active))
        with np.errstate(all="ignore"):
            contribution = g * partial(*values, out)
        return unbroadcast(np.where(bad, 0.0, contribution), shape)
    return back


def _same_argument_vjp(rule, values, out):
    """The VJP of ``f(x, x)``: ``g * (∂f/∂a + ∂f/∂b)``, both partials from the rule."""
    if rule.constant:
        d = float(sum(_FLOAT_RULES[rule.name].constants))
        return None if d == 0.0 else lambda g: g * d
    p0, p1 = rule.partials
    return lambda g: _times(g, p0(*values, out) + p1(*values, out), values, out)


def _rule_vjp(rule, i, values, out):
    shape = _shape(values[i])
    if rule.constant:
        d = float(_FLOAT_RULES[rule.name].constants[i])
        if d == 0.0:
            return None
        if d == 1.0:
            return lambda g: unbroadcast(g, shape)
        # scale after summing: on the (smaller) unbroadcast adjoint
        if d == -1.0:
            return lambda g: -unbroadcast(g, shape)
        return lambda g: unbroadcast(g, shape) * d
    partial = rule.partials[i]
    if not _reads_output(partial):
        out = None                               # don't keep the output alive on the tape
    return lambda g: unbroadcast(_times(g, partial(*values, out), values, out), shape)


def _reads_output(partial, _cache={}):
    """Does ``partial(*args, out)`` use ``out``? (``x * y``'s partials do not; ``exp``'s does.)

    A partial that does not lets the tape drop the output array once the forward pass no
    longer needs it, which saves memory (and the time to page in new memory) on big arrays.
    """
    if partial not in _cache:
        code = partial.__code__
        name = code.co_varnames[code.co_argcount - 1]
        _cache[partial] = any(ins.opname.startswith("LOAD") and ins.argval == name
                              for ins in dis.get_instructions(code))
    return _cache[partial]


def _times(g, d, values, out):
    """``g * d``; in place in ``d`` when the partial ``d`` is a new float array.

    A partial that is none of the rule's inputs and output (``cos(x)``, ``2 * x``) was just
    computed, so nobody else holds it: reusing its memory saves allocating (and
    page-faulting) another array the size of the data. If ``g`` is the adjoint 1 spread
    over an array (what ``sum`` sends back), ``g * d`` is ``d`` itself: no array at all.
    (The backward loop never writes into an adjoint it did not allocate, and ``vjp``
    copies such adjoints before handing them out.)
    """
    if type(d) is np.ndarray and _is_ones(g) and d.shape == g.shape:
        return d
    if (type(d) is np.ndarray and d.dtype == np.float64 and d is not out
            and all(d is not v for v in values)
            and (type(g) is float or type(g) is np.float64
                 or (type(g) is np.ndarray and g.shape == d.shape))):
        return np.multiply(d, g, out=d)
    return g * d


def _is_ones(g):
    """Is ``g`` the number 1 broadcast to an array (all strides 0)?"""
    return (type(g) is np.ndarray and g.dtype == np.float64 and g.size > 0
            and not any(g.strides) and g.flat[0] == 1.0)


# numpy ufuncs that are not differentiable but are fine to call: they return plain arrays.
_CONSTANT_UFUNCS = {
    np.greater, np.greater_equal, np.less, np.less_equal, np.equal, np.not_equal,
    np.isfinite, np.isinf, np.isnan, np.signbit, np.logical_and, np.logical_or,
    np.logical_not, np.logical_xor,
}


def _unsupported(name, what=""):
    return TypeError(
        f"{name} is not supported by lecture_code.autodiff's reverse mode: it has no "
        f"derivative rule here{what}. Write the computation with supported numpy functions "
        "(elementwise ufuncs, sum/mean/max/min, matmul/dot, reshape/transpose, indexing, "
        "concatenate/stack, where, logsumexp) or compute it outside the differentiated "
        "function.")


def _numpy_name(func):
    module = getattr(func, "__module__", None) or "numpy"
    module = "np" + module[len("numpy"):] if module.startswith("numpy") else module
    module = module.replace("._core.fromnumeric", "").replace("._core.multiarray", "")
    module = module.replace("._core.numeric", "").replace("._core.shape_base", "")
    return f"{module}.{getattr(func, '__name__', func)}"


class Variable(ArrayMethods):
    """A value recorded on a reverse-mode tape (chapter *Forward and reverse mode*).

    Holds ``value`` (a float, an ndarray, or a dual number / outer Variable when
    derivatives are nested), the ``tape`` it lives on and its node ``index``. Use it like
    the value: arithmetic, numpy functions, indexing, ``.shape``, ``len``, iteration.

    >>> tape = Tape()
    >>> x = tape.input(np.array([1.0, 2.0, 3.0]))
    >>> y = np.sum(x[1:] * 2.0)
    >>> y.value
    np.float64(10.0)
    >>> tape.finish()
    >>> tape.backward(y.index, 1.0)[x.index]
    array([0., 2., 2.])
    """

    __slots__ = ("value", "tape", "index")
    __array_priority__ = 100.0

    def __init__(self, value, tape: Tape):
        self.value = value
        self.tape = tape
        self.index = len(tape.nodes)
        tape.nodes.append(None)

    def __repr__(self):
        return f"Variable({self.value!r})"

    # --- arithmetic (scalar fast path first, else the general rule) --------------------
    # The four hot operators take the scalar path inline (no helper calls): this is what
    # keeps scalar code at a few hundred nanoseconds per operation. The partials are the
    # constants / functions of rules.py (see _FloatRule); anything else goes to _binary.
    def __add__(self, other):
        a = self.value
        if type(a) is float:
            t = type(other)
            if t is Variable:
                b = other.value
                if type(b) is float and other.tape is self.tape:
                    tape = self.tape
                    nodes = tape.nodes
                    v = _new(Variable)
                    v.value, v.tape, v.index = a + b, tape, len(nodes)
                    nodes.append((self.index, _ADD_DA, other.index, _ADD_DB))
                    return v
            elif t is float or t is int:
                tape = self.tape
                nodes = tape.nodes
                v = _new(Variable)
                v.value, v.tape, v.index = a + other, tape, len(nodes)
                nodes.append((self.index, _ADD_DA))
                return v
        return _binary(_ADD, self, other)

    def __radd__(self, other):
        a = self.value
        t = type(other)
        if type(a) is float and (t is float or t is int):
            tape = self.tape
            nodes = tape.nodes
            v = _new(Variable)
            v.value, v.tape, v.index = other + a, tape, len(nodes)
            nodes.append((self.index, _ADD_DB))
            return v
        return _binary(_ADD, other, self)

    def __sub__(self, other):
        a = self.value
        if type(a) is float:
            t = type(other)
            if t is Variable:
                b = other.value
                if type(b) is float and other.tape is self.tape:
                    tape = self.tape
                    nodes = tape.nodes
                    v = _new(Variable)
                    v.value, v.tape, v.index = a - b, tape, len(nodes)
                    nodes.append((self.index, _SUB_DA, other.index, _SUB_DB))
                    return v
            elif t is float or t is int:
                tape = self.tape
                nodes = tape.nodes
                v = _new(Variable)
                v.value, v.tape, v.index = a - other, tape, len(nodes)
                nodes.append((self.index, _SUB_DA))
                return v
        return _binary(_SUB, self, other)

    def __rsub__(self, other):
        a = self.value
        t = type(other)
        if type(a) is float and (t is float or t is int):
            tape = self.tape
            nodes = tape.nodes
            v = _new(Variable)
            v.value, v.tape, v.index = other - a, tape, len(nodes)
            nodes.append((self.index, _SUB_DB))
            return v
        return _binary(_SUB, other, self)

    def __mul__(self, other):
        a = self.value
        if type(a) is float:
            t = type(other)
            if t is Variable:
                b = other.value
                if type(b) is float and other.tape is self.tape:
                    out = a * b
                    tape = self.tape
                    nodes = tape.nodes
                    v = _new(Variable)
                    v.value, v.tape, v.index = out, tape, len(nodes)
                    nodes.append((self.index, _MUL_DA(a, b, out),
                                  other.index, _MUL_DB(a, b, out)))
                    return v
            elif t is float or t is int:
                out = a * other
                tape = self.tape
                nodes = tape.nodes
                v = _new(Variable)
                v.value, v.tape, v.index = out, tape, len(nodes)
                nodes.append((self.index, _MUL_DA(a, other, out)))
                return v
        return _binary(_MUL, self, other)

    def __rmul__(self, other):
        a = self.value
        t = type(other)
        if type(a) is float and (t is float or t is int):
            out = other * a
            tape = self.tape
            nodes = tape.nodes
            v = _new(Variable)
            v.value, v.tape, v.index = out, tape, len(nodes)
            nodes.append((self.index, _MUL_DB(other, a, out)))
            return v
        return _binary(_MUL, other, self)

    def __truediv__(self, other):
        return _binary(_DIV, self, other)

    def __rtruediv__(self, other):
        return _binary(_DIV, other, self)

    def __pow__(self, other):
        a = self.value
        t = type(other)
        if type(a) is float and (t is float or t is int):
            try:
                out = a ** other
                d = _POW_DA(a, other, out)
            except (ZeroDivisionError, OverflowError):
                return _binary(_POW, self, other)      # raises the domain error
            if type(out) is float:                     # (not complex, as (-8.0) ** (1/3))
                tape = self.tape
                nodes = tape.nodes
                v = _new(Variable)
                v.value, v.tape, v.index = out, tape, len(nodes)
                nodes.append((self.index, d))
                return v
        return _binary(_POW, self, other)

    def __rpow__(self, other):
        return _binary(_POW, other, self)

    def __neg__(self):
        if type(self.value) is float:
            return _variable(-self.value, self.tape, (self.index, _NEG_D))
        return apply_rule(RULES["negative"], (self,))

    def __pos__(self):
        return self

    def __abs__(self):
        return apply_rule(RULES["absolute"], (self,))

    def __floordiv__(self, other):                 # not differentiable: a clear TypeError
        return np.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return np.floor_divide(other, self)

    def __mod__(self, other):
        return np.remainder(self, other)

    def __rmod__(self, other):
        return np.remainder(other, self)

    def __matmul__(self, other):
        return np.matmul(self, other)

    def __rmatmul__(self, other):
        return np.matmul(other, self)

    # --- comparisons look at values only (no derivative) --------------------------------
    def __lt__(self, other):
        return self.value < _plain(other)

    def __le__(self, other):
        return self.value <= _plain(other)

    def __gt__(self, other):
        return self.value > _plain(other)

    def __ge__(self, other):
        return self.value >= _plain(other)

    def __eq__(self, other):
        return self.value == _plain(other)

    def __ne__(self, other):
        return self.value != _plain(other)

    __hash__ = object.__hash__

    def __bool__(self):
        return bool(self.value)

    def __float__(self):
        raise TypeError(
            "float() (or a math-module function such as math.sin) was called on a "
            "reverse-mode Variable: that would drop its derivative. Use numpy functions "
            "(np.sin, np.exp, ...) on it instead.")

    def __array__(self, dtype=None, copy=None):
        if _shape(self.value) == () and dtype in (None, object):
            # np.array([x, y]) of scalar Variables: an object array holding them, which
            # numpy's elementwise functions and vjp's output handling understand.
            box = np.empty((), dtype=object)
            box[()] = self
            return box
        raise TypeError(
            "a reverse-mode Variable was converted to a plain numpy array (np.asarray, "
            "np.array, or a library function that is not written with numpy's dispatch, "
            "e.g. scipy.special.logsumexp): that would drop its derivative. Use numpy "
            "functions directly (np.stack to build arrays), and "
            "lecture_code.autodiff.logsumexp for logsumexp.")

    # --- shape and container protocol --------------------------------------------------
    @property
    def primal(self):
        """The value (so that code which unwraps dual numbers also unwraps Variables)."""
        return self.value

    @property
    def shape(self):
        return _shape(self.value)

    @property
    def dtype(self):
        return np.result_type(primal_value(self.value))

    def __getitem__(self, index):
        return FUNCTIONS[operator.getitem](self, index)

    # --- numpy dispatch ---------------------------------------------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        name = f"np.{ufunc.__name__}"
        if method != "__call__":
            raise _unsupported(f"{name}.{method}")
        if kwargs:
            raise TypeError(
                f"{name} was called on a reverse-mode Variable with the keyword(s) "
                f"{', '.join(sorted(kwargs))}: reverse mode supports plain calls only "
                "(no out=, where=, dtype=). Assign the result instead of using out=.")
        rule = UFUNC_RULES.get(ufunc)
        if rule is not None:
            return apply_rule(rule, inputs)
        if ufunc is np.matmul:
            return FUNCTIONS[np.matmul](*inputs)
        if ufunc in _CONSTANT_UFUNCS:
            return ufunc(*(_plain(x) for x in inputs))
        raise _unsupported(name)

    def __array_function__(self, func, types, args, kwargs):
        impl = FUNCTIONS.get(func)
        if impl is None:
            raise _unsupported(_numpy_name(func))
        return impl(*args, **kwargs)


def _plain(x):
    """The value of a Variable (from any tape); anything else unchanged."""
    while type(x) is Variable:
        x = x.value
    return x


_ADD, _SUB, _MUL, _DIV, _POW = (_FLOAT_RULES[n] for n in
                                ("add", "subtract", "multiply", "divide", "power"))
_ADD_DA, _ADD_DB = _ADD.constants
_SUB_DA, _SUB_DB = _SUB.constants
_MUL_DA, _MUL_DB = _MUL.partials
_POW_DA = _POW.partials[0]
_NEG_D = _FLOAT_RULES["negative"].constants[0]


def _add_rule_methods():
    """``x.sin()``, ``x.exp()``, ...: what numpy calls on object arrays of Variables."""
    for name, rule in RULES.items():
        if rule.nargs == 1 and not hasattr(Variable, name):
            setattr(Variable, name, lambda self, _r=rule: apply_rule(_r, (self,)))


_add_rule_methods()


# ---------------------------------------------------------------------------------------
# The primitive: vjp
# ---------------------------------------------------------------------------------------
def _as_input(x, position):
    if type(x) is float or isinstance(x, np.ndarray) and x.dtype == np.float64:
        return x
    if isinstance(x, (bool, np.bool_)) or (isinstance(x, np.ndarray) and x.dtype == bool):
        raise TypeError(f"vjp: argument {position} is a boolean; differentiate with respect "
                        "to float values.")
    if isinstance(x, numbers.Real) and not isinstance(x, np.generic):
        return float(x)
    if isinstance(x, np.generic) and np.issubdtype(x.dtype, np.floating | np.integer):
        return float(x)
    if isinstance(x, np.ndarray):
        if np.issubdtype(x.dtype, np.integer) or np.issubdtype(x.dtype, np.floating):
            return x.astype(float)
        raise TypeError(f"vjp: argument {position} has dtype {x.dtype}; reverse mode "
                        "differentiates real float arrays. Convert it with x.astype(float).")
    if isinstance(x, (list, tuple, dict, str, complex)):
        raise TypeError(f"vjp: argument {position} is a {type(x).__name__}; pass a float or "
                        "a numpy array (e.g. np.asarray(x, dtype=float)).")
    return x                                     # dual numbers, outer Variables, ...


def vjp(f, *args):
    """Run ``f(*args)`` on a tape; return its value and the pullback ``out_bar -> arg bars``.

    Chapter *Forward and reverse mode*. ``pullback(out_bar)`` returns a tuple with one
    adjoint per argument, of the argument's shape (a float for a float argument): the
    vector-Jacobian product ``out_barᵀ J``. It can be called many times (``jacrev`` calls it
    once per output component).

    >>> value, pullback = vjp(lambda x, y: x * y + np.sin(x), 2.0, 3.0)
    >>> value == 6.0 + float(np.sin(2.0))
    True
    >>> pullback(1.0) == (3.0 + float(np.cos(2.0)), 2.0)
    True
    """
    if not callable(f):
        raise TypeError(f"vjp: the first argument must be a function, got {type(f).__name__}.")
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
        raise TypeError("vjp: the function returned a tuple/list; return one float or array "
                        "(stack several outputs with np.stack).")
    constant = not (type(out) is Variable and out.tape is tape)
    value = out if constant else out.value
    if type(value) is Variable and value.tape is tape:
        raise ValueError("vjp: internal error: nested value on the same tape")
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
    value = np.array([_plain(v) if type(v) is Variable and v.tape is tape else v
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


def value_and_grad(f, *args):
    """``f(*args)`` and its gradient with respect to the first argument (reverse mode).

    Chapter *Forward and reverse mode*. ``f`` must return a scalar.

    >>> value_and_grad(lambda x: np.sum(x ** 2), np.array([1.0, 2.0]))
    (np.float64(5.0), array([2., 4.]))
    """
    value, pullback = vjp(f, *args)
    if _shape(value) != ():
        raise ValueError(f"value_and_grad: the function must return a scalar, got shape "
                         f"{_shape(value)}. Use vjp (or jacrev) for non-scalar outputs, or "
                         "reduce the output with np.sum.")
    one = 1.0 if not isinstance(value, np.ndarray) else np.ones(())
    return value, pullback(one)[0]


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
    >>> _, pullback = vjp(lambda x: logsumexp(x), np.array([0.0, np.log(3.0)]))
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
