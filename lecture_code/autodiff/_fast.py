"""The fast path of reverse mode (chapter *Forward and reverse mode*).

:mod:`lecture_code.autodiff._tape` is the general tape, readable on its own; loading this
module makes it fast, in three ways:

* **float nodes**: when every value is a Python ``float``, a rule's partial derivatives are
  computed at record time with the ``math`` module (the same formulas as
  :mod:`lecture_code.autodiff.rules`, run on floats) and stored as a flat tuple
  ``(parent, partial, parent, partial)`` instead of a :class:`~._tape.Node` of closures;
* **generated operators**: ``+ - * / **`` of :class:`~._tape.Variable` are written out by
  one factory (:func:`_operator_methods`), compiled once at import time (as
  :func:`collections.namedtuple` does), so that the hot scalar case runs inline with no
  helper call: a few hundred nanoseconds per recorded operation;
* **in-place accumulation**: the backward pass adds array adjoints into arrays it
  allocated itself instead of allocating a new sum for every contribution.

The general versions stay in :mod:`._tape` (``PLAIN_BACKWARD`` and ``PLAIN_OPERATORS`` keep
what this module replaces), and the tests check that both give the same derivatives.

>>> from lecture_code.autodiff._tape import Tape
>>> tape = Tape()
>>> x = tape.input(3.0)
>>> y = x * x + 1.0
>>> tape.nodes[y.index]                     # a float node: (parent, partial)
(1, 1.0)
>>> tape.finish()
"""
from __future__ import annotations

import math
import operator
import sys
import types

import numpy as np

from . import _tape, rules
from ._tape import Tape, Variable, _new, _variable, apply_rule
from .rules import RULES, DomainError, check_domain

# ---------------------------------------------------------------------------------------
# Float nodes: the rules evaluated with math
# ---------------------------------------------------------------------------------------
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
    """numpy's names mapped to Python-float functions, to evaluate ``rules`` on floats.

    A rule's own ``math_fn`` (``math.sin`` for ``sin``) is added below; here are the float
    versions of the rest, and of the functions the partials call (``np.ones_like``, ...).
    """

    abs = staticmethod(abs)
    sign = staticmethod(_fsign)
    maximum, minimum = staticmethod(_fmaximum), staticmethod(_fminimum)
    logaddexp = staticmethod(_flogaddexp)
    add, subtract, multiply = operator.add, operator.sub, operator.mul
    divide = true_divide = operator.truediv
    power = operator.pow                         # not math.pow: (-8.0) ** (1/3) is complex
    negative, positive = operator.neg, operator.pos
    equal = operator.eq

    @staticmethod
    def square(x):
        return x * x

    @staticmethod
    def reciprocal(x):
        return 1.0 / x

    @staticmethod
    def floor(x):                                # math.floor returns an int
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


for _rule in RULES.values():
    if _rule.math_fn is not None and not hasattr(_FloatMath, _rule.name):
        setattr(_FloatMath, _rule.name, staticmethod(_rule.math_fn))


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
_POW = _FLOAT_RULES["power"]


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


# ---------------------------------------------------------------------------------------
# The generated operators
# ---------------------------------------------------------------------------------------
# The template of an operator with its reflected twin: float op float (both Variables of the
# same tape), float op number and number op float are recorded inline as float nodes; the
# rest goes to _binary (other tapes, arrays, dual numbers).
_INLINE = '''
def __{name}__(self, other):
    a = self.value
    if type(a) is float:
        t = type(other)
        if t is Variable:
            b = other.value
            if type(b) is float and other.tape is self.tape:
                out = a {op} b
                tape = self.tape
                nodes = tape.nodes
                v = _new(Variable)
                v.value, v.tape, v.index = out, tape, len(nodes)
                nodes.append((self.index, {da}, other.index, {db}))
                return v
        elif t is float or t is int:
            out = a {op} other
            tape = self.tape
            nodes = tape.nodes
            v = _new(Variable)
            v.value, v.tape, v.index = out, tape, len(nodes)
            nodes.append((self.index, {da_const}))
            return v
    return _binary({rule}, self, other)


def __r{name}__(self, other):
    a = self.value
    t = type(other)
    if type(a) is float and (t is float or t is int):
        out = other {op} a
        tape = self.tape
        nodes = tape.nodes
        v = _new(Variable)
        v.value, v.tape, v.index = out, tape, len(nodes)
        nodes.append((self.index, {db_const}))
        return v
    return _binary({rule}, other, self)
'''

# x ** c for a number c, inline; the exceptions and complex results of math (0.0 ** -1,
# (-8.0) ** (1/3)) go to _binary, which raises the rule's domain error.
_INLINE_POWER = '''
def __{name}__(self, other):
    a = self.value
    t = type(other)
    if type(a) is float and (t is float or t is int):
        try:
            out = a {op} other
            d = {da_const}
        except (ZeroDivisionError, OverflowError):
            return _binary({rule}, self, other)
        if type(out) is float:
            tape = self.tape
            nodes = tape.nodes
            v = _new(Variable)
            v.value, v.tape, v.index = out, tape, len(nodes)
            nodes.append((self.index, d))
            return v
    return _binary({rule}, self, other)


def __r{name}__(self, other):
    return _binary({rule}, other, self)
'''

_DELEGATE = '''
def __{name}__(self, other):
    return _binary({rule}, self, other)


def __r{name}__(self, other):
    return _binary({rule}, other, self)
'''

#: The operators with a scalar fast path: method name, Python operator, rule name, template.
OPERATORS = (("add", "+", "add", _INLINE), ("sub", "-", "subtract", _INLINE),
             ("mul", "*", "multiply", _INLINE), ("truediv", "/", "divide", _DELEGATE),
             ("pow", "**", "power", _INLINE_POWER))


def _partial_code(fr, i, args):
    """The code of partial ``i`` of a float rule: its constant's name, or a call."""
    name = f"_d{i}_{fr.rule.name}"
    return name if fr.constants else f"{name}({args}, out)"


def _operator_source(name, op, rule_name, template):
    """The source of ``__name__`` and ``__rname__`` for one operator."""
    fr = _FLOAT_RULES[rule_name]
    return template.format(
        name=name, op=op, rule=f"_rule_{rule_name}",
        da=_partial_code(fr, 0, "a, b"), db=_partial_code(fr, 1, "a, b"),
        da_const=_partial_code(fr, 0, "a, other"), db_const=_partial_code(fr, 1, "other, a"))


def _operator_methods():
    """Compile the operators of :data:`OPERATORS` once; returns ``{method name: function}``."""
    namespace = {"Variable": Variable, "_new": _new, "_binary": _binary}
    for _, _, rule_name, _ in OPERATORS:
        fr = _FLOAT_RULES[rule_name]
        namespace[f"_rule_{rule_name}"] = fr
        for i, d in enumerate(fr.constants or fr.partials):
            namespace[f"_d{i}_{rule_name}"] = d
    source = "\n".join(_operator_source(*spec) for spec in OPERATORS)
    exec(compile(source, "<lecture_code.autodiff._fast operators>", "exec"), namespace)
    return {f"__{r}{name}__": namespace[f"__{r}{name}__"]
            for name, *_ in OPERATORS for r in ("", "r")}


_NEG_D = _FLOAT_RULES["negative"].constants[0]


def _neg(self):
    if type(self.value) is float:
        return _variable(-self.value, self.tape, (self.index, _NEG_D))
    return apply_rule(RULES["negative"], (self,))


def _apply_float(rule, args, values):
    """The float path of :func:`~._tape.apply_rule`: every value is a Python float."""
    fr = _FLOAT_RULES[rule.name]
    if rule.nargs == 1:
        return _record_unary_float(fr, args[0], values[0])
    return _record_binary_float(fr, *args, *values)


# ---------------------------------------------------------------------------------------
# In-place accumulation in the backward pass
# ---------------------------------------------------------------------------------------
def _backward_in_place(self, index: int, bar) -> list:
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


#: The plain backward pass and operators of :mod:`._tape`, which this module replaces (kept
#: so that the tests can run the plain tape against the fast one).
PLAIN_BACKWARD = Tape.backward
_METHODS = dict(_operator_methods(), __neg__=_neg)
PLAIN_OPERATORS = {name: Variable.__dict__[name] for name in _METHODS}

for _name, _method in _METHODS.items():
    setattr(Variable, _name, _method)
Tape.backward = _backward_in_place
_tape.FLOAT_PATH = _apply_float
