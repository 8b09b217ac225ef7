"""Symbolic expressions that the derivative rules can be evaluated on, to *print* derivatives.

Introduced in the chapter *Three ways to build AD* (source transformation) and used by the
chapter *Many variables and the chain rule* to print the dual program. The partials in
:mod:`lecture_code.autodiff.rules` are written with numpy ufuncs and arithmetic, so calling a
partial on :class:`Sym` objects (which implement arithmetic, ``__array_ufunc__`` and the two
array functions the rules use, ``np.ones_like`` and ``np.zeros_like``) builds the expression
of the derivative instead of its value. No derivative formula is written here: the rules
table stays the single source of truth.

Expressions simplify trivially as they are built (``x * 1 -> x``, ``x + 0 -> x``, constants
fold), so the printed code reads like hand-written code.

Example
-------
>>> import numpy as np
>>> from lecture_code.autodiff.rules import RULES
>>> x, y = Sym.var("x"), Sym.var("y")
>>> RULES["sin"].partials[0](x, np.sin(x)).render()
'math.cos(x)'
>>> RULES["power"].partials[0](x, Sym.const(3), x ** 3).render()
'3 * x ** 2'
>>> (RULES["multiply"].partials[0](x, y, x * y) * Sym.var("dx")).render("pretty")
'y·dx'
"""
from __future__ import annotations

import math
import operator

import numpy as np

from .rules import UFUNC_RULES, RULES

__all__ = ["Sym"]

# Binding strength of each kind of expression (higher binds tighter).
_PREC = {"add": 10, "sub": 10, "mul": 20, "div": 20, "neg": 30, "pow": 40}
_ATOM = 100
_PY_OPS = {"add": " + ", "sub": " - ", "mul": " * ", "div": " / ", "pow": " ** "}
_PRETTY_OPS = {"add": " + ", "sub": " − ", "mul": "·", "div": "/", "pow": "^"}
_FOLD = {"add": operator.add, "sub": operator.sub, "mul": operator.mul,
         "div": operator.truediv, "pow": operator.pow}
_UFUNC_ARITH = {np.add: "add", np.subtract: "sub", np.multiply: "mul", np.divide: "div",
                np.power: "pow"}
_UFUNC_CMP = {np.greater_equal: ">=", np.greater: ">", np.less_equal: "<=", np.less: "<",
              np.equal: "=="}
_CMP_FOLD = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt,
             "==": operator.eq}


class Sym:
    """A symbolic scalar expression (a small tree) that prints as Python or as maths.

    Build leaves with :meth:`var`, :meth:`const` and :meth:`raw`; combine them with Python
    arithmetic and numpy ufuncs. Chapter *Three ways to build AD*.

    >>> x = Sym.var("x")
    >>> (2 * x + 0).render(), (x * 1 - 0).render(), (-(-x)).render()
    ('2 * x', 'x', 'x')
    >>> np.cos(x).render("pretty")
    'cos(x)'
    """

    __slots__ = ("kind", "args", "value")
    __array_priority__ = 1000

    def __init__(self, kind, args=(), value=None):
        self.kind, self.args, self.value = kind, tuple(args), value

    # ---- leaves --------------------------------------------------------------------
    @classmethod
    def var(cls, name: str) -> "Sym":
        """A named variable (printed as its name)."""
        return cls("var", value=name)

    @classmethod
    def const(cls, value) -> "Sym":
        """A numeric constant (folded with other constants)."""
        if isinstance(value, (bool, np.bool_)):
            value = int(value)
        if isinstance(value, np.generic) or (isinstance(value, np.ndarray) and value.ndim == 0):
            value = value.item()
        return cls("const", value=value)

    @classmethod
    def raw(cls, text: str, atomic: bool = True) -> "Sym":
        """Verbatim source text (parenthesised when not ``atomic`` and it needs to be)."""
        return cls("raw", value=text, args=() if atomic else (None,))

    # ---- queries -------------------------------------------------------------------
    def is_const(self, value=None) -> bool:
        """Whether this is a constant (equal to ``value`` if given)."""
        return self.kind == "const" and (value is None or self.value == value)

    def names(self) -> set:
        """The variable names the expression reads."""
        if self.kind == "var":
            return {self.value}
        out = set()
        for a in self.args:
            if isinstance(a, Sym):
                out |= a.names()
        return out

    def key(self) -> str:
        """A canonical text, for comparing expressions."""
        return self.render()

    # ---- printing ------------------------------------------------------------------
    def _prec(self) -> int:
        if self.kind == "const":
            return _PREC["neg"] if self.value < 0 else _ATOM
        if self.kind == "raw":
            return 0 if self.args else _ATOM
        return _PREC.get(self.kind, _ATOM)

    def render(self, style: str = "python") -> str:
        """The expression as Python source (``style="python"``) or as maths.

        ``"pretty"`` writes products as ``a·b`` and calls by rule name (``cos(x)``);
        ``"spaced"`` is the same with ``a · b``.
        """
        k = self.kind
        if k == "var" or k == "raw":
            return self.value
        if k == "const":
            v = self.value
            return repr(float(v)) if isinstance(v, float) else str(v)
        if k == "neg":
            return "-" + self._child(self.args[0], _PREC["neg"], style)
        if k in _PY_OPS:
            ops = _PY_OPS if style == "python" else _PRETTY_OPS
            if style == "spaced":
                ops = dict(_PRETTY_OPS, mul=" · ")
            a, b = self.args
            p = _PREC[k]
            if k == "pow":     # right-associative, binds tighter than unary minus
                return (self._child(a, p + 1, style) + ops[k]
                        + self._child(b, p if style == "python" else p + 1, style))
            return self._child(a, p, style) + ops[k] + self._child(b, p + 1, style)
        if k == "cmp":
            a, b = self.args
            return f"({a.render(style)} {self.value} {b.render(style)})"
        if k == "call":
            inner = ", ".join(a.render(style) for a in self.args)
            if style != "python":
                return f"{self.value}({inner})"
            rule = RULES[self.value]      # math.sin(x) for fast scalar code, else np.*
            if rule.math_fn is not None and rule.nargs == 1 and rule.name != "absolute":
                return f"math.{rule.math_fn.__name__}({inner})"
            return f"np.{rule.fn.__name__}({inner})"
        raise AssertionError(k)  # pragma: no cover

    @staticmethod
    def _child(c: "Sym", min_prec: int, style: str) -> str:
        text = c.render(style)
        return f"({text})" if c._prec() < min_prec else text

    def __repr__(self) -> str:
        return f"Sym({self.render()!r})"

    def __bool__(self):
        raise TypeError("a symbolic expression has no truth value (branch on the primal values)")

    # ---- building, with trivial simplification --------------------------------------
    @staticmethod
    def wrap(x) -> "Sym":
        """``x`` as a :class:`Sym` (numbers become constants)."""
        if isinstance(x, Sym):
            return x
        if isinstance(x, (int, float, np.generic)) or (isinstance(x, np.ndarray) and x.ndim == 0):
            return Sym.const(x)
        raise TypeError(f"cannot use {type(x).__name__} in a symbolic expression")

    @classmethod
    def binary(cls, kind: str, a, b) -> "Sym":
        """``a <kind> b`` for kind in add, sub, mul, div, pow, simplified."""
        a, b = cls.wrap(a), cls.wrap(b)
        if a.is_const() and b.is_const():
            try:
                return cls.const(_FOLD[kind](a.value, b.value))
            except (ZeroDivisionError, OverflowError, ValueError):
                pass
        if kind == "add":
            if a.is_const(0):
                return b
            if b.is_const(0):
                return a
            if b.kind == "neg":
                return cls.binary("sub", a, b.args[0])
            if b.is_const() and b.value < 0:
                return cls.binary("sub", a, -b.value)
        elif kind == "sub":
            if b.is_const(0):
                return a
            if a.is_const(0):
                return -b
            if b.kind == "neg":
                return cls.binary("add", a, b.args[0])
        elif kind == "mul":
            if a.is_const(0) or b.is_const(0):
                return cls.const(0)
            if a.is_const(1):
                return b
            if b.is_const(1):
                return a
            if a.is_const(-1):
                return -b
            if b.is_const(-1):
                return -a
            if a.kind == "neg":
                return -cls.binary("mul", a.args[0], b)
            if b.kind == "neg":
                return -cls.binary("mul", a, b.args[0])
        elif kind == "div":
            if b.is_const(1):
                return a
            if a.kind == "neg":
                return -cls.binary("div", a.args[0], b)
        elif kind == "pow":
            if b.is_const(1):
                return a
            if b.is_const(0):
                return cls.const(1)
        return cls(kind, (a, b))

    def __neg__(self):
        if self.is_const():
            return Sym.const(-self.value)
        if self.kind == "neg":
            return self.args[0]
        if self.kind == "sub":
            return Sym.binary("sub", self.args[1], self.args[0])
        return Sym("neg", (self,))

    def __pos__(self):
        return self

    def __add__(self, o):
        return Sym.binary("add", self, o)

    def __radd__(self, o):
        return Sym.binary("add", o, self)

    def __sub__(self, o):
        return Sym.binary("sub", self, o)

    def __rsub__(self, o):
        return Sym.binary("sub", o, self)

    def __mul__(self, o):
        return Sym.binary("mul", self, o)

    def __rmul__(self, o):
        return Sym.binary("mul", o, self)

    def __truediv__(self, o):
        return Sym.binary("div", self, o)

    def __rtruediv__(self, o):
        return Sym.binary("div", o, self)

    def __pow__(self, o):
        return Sym.binary("pow", self, o)

    def __rpow__(self, o):
        return Sym.binary("pow", o, self)

    def _cmp(self, op, o):
        o = Sym.wrap(o)
        if self.is_const() and o.is_const():             # constants fold (to 0 or 1)
            return Sym.const(int(_CMP_FOLD[op](self.value, o.value)))
        return Sym("cmp", (self, o), op)

    def __ge__(self, o):
        return self._cmp(">=", o)

    def __gt__(self, o):
        return self._cmp(">", o)

    def __le__(self, o):
        return self._cmp("<=", o)

    def __lt__(self, o):
        return self._cmp("<", o)

    def __eq__(self, o):
        # ``y == 0`` in a rule builds the test; two expressions compare by identity (as
        # before), so lists of expressions still work.
        if isinstance(o, (int, float)) and not isinstance(o, bool):
            return self._cmp("==", o)
        return self is o

    def __ne__(self, o):
        return not self.__eq__(o) if isinstance(o, Sym) else NotImplemented

    __hash__ = None

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method != "__call__" or kwargs:
            return NotImplemented
        args = [Sym.wrap(a) for a in inputs]
        if ufunc in _UFUNC_ARITH:
            return Sym.binary(_UFUNC_ARITH[ufunc], *args)
        if ufunc in _UFUNC_CMP:
            return args[0]._cmp(_UFUNC_CMP[ufunc], args[1])
        if ufunc is np.negative:
            return -args[0]
        if ufunc is np.positive:
            return args[0]
        rule = UFUNC_RULES.get(ufunc)
        if rule is None:
            return NotImplemented
        if all(a.is_const() for a in args):
            with np.errstate(all="ignore"):
                value = float(rule.fn(*[a.value for a in args]))
            if math.isfinite(value):        # else keep the call: it fails when it runs
                return Sym.const(value)
        return Sym("call", args, rule.name)

    def __array_function__(self, func, types, args, kwargs):
        if func is np.ones_like:
            return Sym.const(1)
        if func is np.zeros_like:
            return Sym.const(0)
        return NotImplemented


def linear_combination(terms) -> Sym:
    """``Σ coefficient·factor`` over ``(coefficient, factor)`` pairs, simplified.

    The factor (a tangent such as ``dx``) goes after its coefficient, except when the
    coefficient is the variable that stands *before* it in a product: that reads as the
    product rule is written (``dx1 * x2 + x1 * dx2``). Chapter *Three ways to build AD*.

    >>> x1, x2, dx1, dx2 = (Sym.var(n) for n in ("x1", "x2", "dx1", "dx2"))
    >>> linear_combination([(x2, dx1, True), (x1, dx2, False)]).render()
    'dx1 * x2 + x1 * dx2'
    """
    total = Sym.const(0)
    for coef, factor, factor_first in terms:
        term = factor * coef if factor_first else coef * factor
        total = total + term
    return total
