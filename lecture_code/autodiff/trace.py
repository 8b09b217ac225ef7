"""Evaluation traces (Wengert lists) and computation graphs as data.

Introduced in the chapter *Many variables and the chain rule*, reused by *Three ways to
build AD* (the computation graph) and *Forward and reverse mode* (both sweeps on one graph).

:func:`trace` runs a Python function of scalars on *tracer* objects that record every
elementary operation, giving the lecture's evaluation trace: for
``f(x1, x2) = x1·x2 + sin(x1)``

    w1 = x1,  w2 = x2,  w3 = w1 · w2,  w4 = sin(w1),  w5 = w3 + w4.

The :class:`Trace` holds these entries (name, operation, inputs, value) and runs a forward
(tangent) sweep and a reverse (adjoint) sweep over them. Both sweeps take every local
derivative from :mod:`lecture_code.autodiff.rules`, and so does the *dual program* that
:meth:`Trace.dual_program` prints beside the original program. Tracers support arithmetic,
numpy ufuncs (``np.sin(x)``), the package's functions (``lecture_code.autodiff.sin``) and,
for functions defined in Python, the ``math`` module.

Example
-------
>>> import numpy as np
>>> tr = trace(lambda x1, x2: x1 * x2 + np.sin(x1), 1.5, 0.5)
>>> [e.definition for e in tr.entries]
['x1', 'x2', 'w1 · w2', 'sin(w1)', 'w3 + w4']
>>> round(tr.forward((1.0, 0.0)), 6), tuple(round(a, 6) for a in tr.reverse())
(0.570737, (0.570737, 1.5))
"""
from __future__ import annotations

import html
import inspect
import math
import numbers
import types
import unicodedata
from dataclasses import dataclass
from typing import Optional

import numpy as np

from ._symbolic import Sym, linear_combination
from .rules import MATH_NAMES, RULES, UFUNC_RULES, Rule, check_domain

__all__ = ["Entry", "GraphNode", "Trace", "Tracer", "trace"]

_DOT, _BAR = "\u0307", "\u0304"       # combining dot (ẇ) and macron (w̄)


@dataclass
class Entry:
    """One line ``name = op(inputs)`` of an evaluation trace, with what the sweeps computed.

    ``op`` is ``"input"`` for the independent variables and a rule name of
    :data:`lecture_code.autodiff.rules.RULES` otherwise; ``inputs`` names other entries or
    constants (``"c1"``). ``tangent`` and ``adjoint`` are ``None`` until a sweep has run.
    Chapter *Many variables and the chain rule*.

    >>> Entry("w1", "input", (), 1.5, definition="x1").value
    1.5
    """

    name: str
    op: str
    inputs: tuple
    value: float
    definition: str = ""
    tangent: Optional[float] = None
    adjoint: Optional[float] = None


@dataclass
class GraphNode:
    """A node of the computation graph: an entry of the trace or a constant.

    ``kind`` is ``"input"``, ``"op"`` or ``"const"``; ``depth`` is the layer for drawing
    (inputs 0, each operation one below its deepest input). Chapter *Three ways to build AD*.

    >>> GraphNode("c1", "const", "2", 2.0, 0).kind
    'const'
    """

    name: str
    kind: str
    label: str
    value: float
    depth: int
    tangent: Optional[float] = None
    adjoint: Optional[float] = None


def _is_scalar(x) -> bool:
    if isinstance(x, np.ndarray):
        return x.ndim == 0 and np.issubdtype(x.dtype, np.number)
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


class Tracer:
    """A scalar that records each operation applied to it in a :class:`Trace`.

    Created by :func:`trace`; arithmetic, comparisons (on the values, so ``if`` works and
    the trace records the branch taken) and numpy ufuncs are supported.
    Chapter *Many variables and the chain rule*.

    >>> tr = trace(lambda x: 2 * x, 3.0)
    >>> tr.entries[-1].definition
    '2 · w1'
    """

    __slots__ = ("_trace", "name", "value")
    __array_priority__ = 1000

    def __init__(self, trace_: "Trace", name: str, value: float):
        self._trace, self.name, self.value = trace_, name, value

    def __repr__(self):
        return f"Tracer({self.name} = {self.value!r})"

    def _op(self, ufunc, *args):
        return self._trace._record(UFUNC_RULES[ufunc], args)

    def __add__(self, o): return self._op(np.add, self, o)
    def __radd__(self, o): return self._op(np.add, o, self)
    def __sub__(self, o): return self._op(np.subtract, self, o)
    def __rsub__(self, o): return self._op(np.subtract, o, self)
    def __mul__(self, o): return self._op(np.multiply, self, o)
    def __rmul__(self, o): return self._op(np.multiply, o, self)
    def __truediv__(self, o): return self._op(np.divide, self, o)
    def __rtruediv__(self, o): return self._op(np.divide, o, self)
    def __pow__(self, o): return self._op(np.power, self, o)
    def __rpow__(self, o): return self._op(np.power, o, self)
    def __neg__(self): return self._op(np.negative, self)
    def __pos__(self): return self
    def __abs__(self): return self._op(np.absolute, self)

    def _v(self, o):
        return o.value if isinstance(o, Tracer) else o

    def __lt__(self, o): return self.value < self._v(o)
    def __le__(self, o): return self.value <= self._v(o)
    def __gt__(self, o): return self.value > self._v(o)
    def __ge__(self, o): return self.value >= self._v(o)
    def __eq__(self, o): return self.value == self._v(o)
    def __ne__(self, o): return self.value != self._v(o)
    def __bool__(self): return bool(self.value)
    __hash__ = object.__hash__

    def __float__(self):
        raise TypeError(
            f"cannot convert the traced value {self.name} to float: the trace would lose "
            "its dependence on the inputs. Use numpy ufuncs (np.sin), the functions of "
            "lecture_code.autodiff, or the math module inside a function defined with def.")

    __int__ = __index__ = __float__

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method != "__call__" or kwargs:
            raise TypeError(f"trace supports plain calls of numpy ufuncs, not {ufunc.__name__}."
                            f"{method} or keyword arguments")
        if ufunc not in UFUNC_RULES:
            raise TypeError(f"no derivative rule for numpy.{ufunc.__name__}: it cannot be "
                            f"traced. Supported: {', '.join(sorted(RULES))}.")
        return self._trace._record(UFUNC_RULES[ufunc], inputs)


class _TracingMath:
    """Stands in for the ``math`` module while a function is traced."""

    def __getattr__(self, name):
        target = getattr(math, name)
        if name in MATH_NAMES and name != "pow":
            return _math_wrapper(target, RULES[MATH_NAMES[name]])
        if name == "pow":
            return _math_wrapper(target, RULES["power"])
        return target


def _math_wrapper(fn, rule: Rule):
    def wrapper(*args):
        if any(isinstance(a, Tracer) for a in args):
            tr = next(a for a in args if isinstance(a, Tracer))._trace
            return tr._record(rule, args)
        return fn(*args)
    wrapper.__name__ = fn.__name__
    return wrapper


def _with_traced_math(f):
    """``f`` with its global ``math`` (and names imported from it) traced, if any."""
    if not isinstance(f, types.FunctionType):
        return f
    replace = {}
    for name, val in f.__globals__.items():
        if val is math:
            replace[name] = _TracingMath()
        elif (isinstance(val, types.BuiltinFunctionType) and val.__name__ in MATH_NAMES
              and getattr(math, val.__name__, None) is val):
            replace[name] = getattr(_TracingMath(), val.__name__)
    if not replace:
        return f
    g = dict(f.__globals__)
    g.update(replace)
    return types.FunctionType(f.__code__, g, f.__name__, f.__defaults__, f.__closure__)


def _input_names(f, n):
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        params = []
    simple = [p.name for p in params
              if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(simple) >= n and not any(p.kind == p.VAR_POSITIONAL for p in params[:n]):
        return simple[:n]
    return [f"x{i + 1}" for i in range(n)]


def _display_width(text: str) -> int:
    return sum(1 for ch in text if not unicodedata.combining(ch))


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _display_width(text))


def _fmt(v) -> str:
    return "" if v is None else f"{v:.8g}"


_SYM_KIND = {"add": "add", "subtract": "sub", "multiply": "mul", "divide": "div",
             "power": "pow"}


class Trace:
    """An evaluation trace: the entries ``w1 … wn`` of one run of a function, as data.

    Build one with :func:`trace`. :meth:`forward` and :meth:`reverse` run the two sweeps and
    store ``tangent`` / ``adjoint`` on every entry; :attr:`nodes` and :attr:`edges` give the
    computation graph (constants included) for drawing; printing shows a table with the
    columns w, definition, value, tangent, adjoint (``str``, :meth:`to_markdown`,
    ``_repr_html_``). Chapter *Many variables and the chain rule*.

    >>> tr = trace(lambda x: x * x + 1.0, 3.0)
    >>> tr.forward(1.0), tr.reverse(1.0)
    (6.0, (6.0,))
    >>> print(tr.original_program())
    w1 = x
    w2 = w1 · w1
    w3 = w2 + 1.0
    """

    def __init__(self, input_names):
        self.input_names = list(input_names)
        self.entries: list[Entry] = []
        self.constants: dict = {}       # name -> value
        self.output: Optional[str] = None
        self._index: dict = {}          # entry name -> position
        self._ops: dict = {}            # entry name -> Rule
        self._shown: dict = {}          # constant name -> the number as written (int/float)

    # ---- recording --------------------------------------------------------------------
    def _new_entry(self, op, inputs, value, definition, rule=None) -> Tracer:
        name = f"w{len(self.entries) + 1}"
        self._index[name] = len(self.entries)
        self.entries.append(Entry(name, op, tuple(inputs), value, definition))
        if rule is not None:
            self._ops[name] = rule
        return Tracer(self, name, value)

    def _constant(self, value) -> str:
        shown = value.item() if isinstance(value, (np.generic, np.ndarray)) else value
        shown = int(shown) if isinstance(shown, numbers.Integral) else float(shown)
        for name, v in self._shown.items():
            if type(v) is type(shown) and v == shown and str(v) == str(shown):
                return name
        name = f"c{len(self.constants) + 1}"
        self.constants[name] = float(shown)
        self._shown[name] = shown
        return name

    def _record(self, rule: Rule, args) -> Tracer:
        names, values = [], []
        for a in args:
            if isinstance(a, Tracer):
                if a._trace is not self:
                    raise ValueError("a value from another trace was mixed into this one")
                names.append(a.name)
                values.append(a.value)
            elif _is_scalar(a):
                names.append(self._constant(a))
                values.append(float(a))
            else:
                raise TypeError(
                    f"trace records scalar programs only, but {rule.name} got a "
                    f"{type(a).__name__}; pass Python floats (or numpy scalars).")
        check_domain(rule, *values, active=tuple(isinstance(a, Tracer) for a in args))
        with np.errstate(all="raise"):
            try:
                value = float(rule.fn(*values))
            except FloatingPointError as err:
                raise ValueError(f"{rule.name}{tuple(values)} failed: {err}") from None
        return self._new_entry(rule.name, names, value, self._definition(rule, names), rule)

    def _sym(self, name: str) -> Sym:
        if name in self.constants:
            return Sym.const(self._shown[name])
        return Sym.var(name)

    def _definition(self, rule: Rule, names) -> str:
        args = [self._sym(n) for n in names]
        if rule.name in _SYM_KIND:
            expr = Sym(_SYM_KIND[rule.name], args)
        elif rule.name == "negative":
            expr = Sym("neg", args)
        else:
            expr = Sym("call", args, rule.name)
        return expr.render("spaced")

    # ---- sweeps -----------------------------------------------------------------------
    def _partials(self, entry: Entry) -> list:
        """``[(input name, ∂entry/∂input), ...]`` from the rule (constants skipped)."""
        rule = self._ops[entry.name]
        args = [self.constants[n] if n in self.constants else self.entries[self._index[n]].value
                for n in entry.inputs]
        return [(n, float(p(*args, entry.value)))
                for n, p in zip(entry.inputs, rule.partials) if n not in self.constants]

    def forward(self, seed=1.0) -> float:
        """Tangent sweep for the seed ``(ẋ1, …, ẋn)``; stores ``tangent``, returns the output's.

        A single number is accepted as the seed of a one-input trace.

        >>> trace(lambda x: x ** 3, 2.0).forward(1.0)
        12.0
        """
        seed = self._seed(seed)
        for entry in self.entries:
            if entry.op == "input":
                entry.tangent = seed[self.input_names.index(entry.definition)]
                continue
            entry.tangent = math.fsum(p * self.entries[self._index[n]].tangent
                                      for n, p in self._partials(entry))
        return self.entries[self._index[self.output]].tangent

    def reverse(self, ybar: float = 1.0) -> tuple:
        """Adjoint sweep for the seed ``ȳ``; stores ``adjoint``, returns the inputs' adjoints.

        >>> trace(lambda x, y: x * y, 2.0, 5.0).reverse(1.0)
        (5.0, 2.0)
        """
        if not _is_scalar(ybar) or not math.isfinite(float(ybar)):
            raise ValueError(f"the reverse seed ȳ must be a finite number, got {ybar!r}")
        for entry in self.entries:
            entry.adjoint = 0.0
        self.entries[self._index[self.output]].adjoint = float(ybar)
        for entry in reversed(self.entries):
            if entry.op == "input":
                continue
            for n, p in self._partials(entry):
                self.entries[self._index[n]].adjoint += entry.adjoint * p
        return tuple(e.adjoint for e in self.entries if e.op == "input")

    def _seed(self, seed) -> list:
        n = len(self.input_names)
        if _is_scalar(seed):
            seed = (seed,)
        try:
            seed = [float(s) for s in seed]
        except (TypeError, ValueError):
            raise TypeError(f"the seed must be a tuple of {n} numbers (ẋ1, …), got {seed!r}") \
                from None
        if len(seed) != n:
            raise ValueError(f"the seed needs one tangent per input: {n} "
                             f"({', '.join(self.input_names)}), got {len(seed)}")
        if not all(math.isfinite(s) for s in seed):
            raise ValueError(f"the seed must be finite, got {seed}")
        return seed

    # ---- programs ---------------------------------------------------------------------
    @property
    def value(self) -> float:
        """The function's value (the output entry's value)."""
        return self.entries[self._index[self.output]].value

    def original_program(self) -> str:
        """The trace as code: one line ``wi = definition`` per entry."""
        return "\n".join(f"{e.name} = {e.definition}" for e in self.entries)

    def _dot(self, name):
        return Sym.var(name[0] + _DOT + name[1:])

    def _bar(self, name):
        return Sym.var(name[0] + _BAR + name[1:])

    def dual_lines(self) -> list:
        """The dual program, ``ẇi = Σ ∂φi/∂wj · ẇj``, generated symbolically from the rules."""
        lines = []
        for e in self.entries:
            if e.op == "input":
                lines.append(f"{self._dot(e.name).value} = {self._dot(e.definition).value}")
                continue
            rule = self._ops[e.name]
            args = [self._sym(n) for n in e.inputs]
            terms = []
            for i, (n, p) in enumerate(zip(e.inputs, rule.partials)):
                if n in self.constants:
                    continue
                coef = p(*args, Sym.var(e.name))
                first = coef.kind == "var" and any(
                    coef.value == m for m in e.inputs[i + 1:])
                terms.append((coef, self._dot(n), first))
            lines.append(f"{self._dot(e.name).value} = "
                         f"{linear_combination(terms).render('pretty')}")
        return [unicodedata.normalize("NFC", line) for line in lines]

    def dual_program(self) -> str:
        """The original program beside the dual program, as the lecture shows them.

        >>> import numpy as np
        >>> print(trace(lambda x1, x2: x1 * x2 + np.sin(x1), 1.5, 0.5).dual_program())
        original program    dual program
        w1 = x1             ẇ1 = ẋ1
        w2 = x2             ẇ2 = ẋ2
        w3 = w1 · w2        ẇ3 = ẇ1·w2 + w1·ẇ2
        w4 = sin(w1)        ẇ4 = cos(w1)·ẇ1
        w5 = w3 + w4        ẇ5 = ẇ3 + ẇ4
        """
        left = ["original program"] + self.original_program().splitlines()
        right = ["dual program"] + self.dual_lines()
        width = max(_display_width(s) for s in left) + 4
        return "\n".join(_pad(a, width) + b for a, b in zip(left, right))

    def adjoint_program(self) -> str:
        """The adjoint program: ``w̄n = ȳ``, then ``w̄j += w̄i · ∂φi/∂wj`` in reverse order.

        >>> print(trace(lambda x: x * x, 3.0).adjoint_program())
        w̄2 = ȳ
        w̄1 += w̄2·(w1 + w1)
        """
        lines = [f"{self._bar(self.output).value} = ȳ"]
        for e in reversed(self.entries):
            if e.op == "input":
                continue
            rule = self._ops[e.name]
            args = [self._sym(n) for n in e.inputs]
            grouped: dict = {}
            for n, p in zip(e.inputs, rule.partials):
                if n not in self.constants:
                    grouped[n] = grouped.get(n, Sym.const(0)) + p(*args, Sym.var(e.name))
            for n, coef in grouped.items():
                term, op = self._bar(e.name) * coef, "+="
                if term.kind == "neg":
                    term, op = term.args[0], "−="
                lines.append(f"{self._bar(n).value} {op} {term.render('pretty')}")
        return unicodedata.normalize("NFC", "\n".join(lines))

    # ---- tables -----------------------------------------------------------------------
    _COLUMNS = ("w", "definition", "value", "tangent", "adjoint")

    def rows(self) -> list:
        """The table as plain data: one dict per entry with the five columns."""
        return [{"w": e.name, "definition": e.definition, "value": e.value,
                 "tangent": e.tangent, "adjoint": e.adjoint} for e in self.entries]

    def _cells(self):
        return [[r["w"], r["definition"], _fmt(r["value"]), _fmt(r["tangent"]),
                 _fmt(r["adjoint"])] for r in self.rows()]

    def __str__(self) -> str:
        cells = [list(self._COLUMNS)] + self._cells()
        widths = [max(_display_width(row[j]) for row in cells) for j in range(5)]
        lines = ["  ".join(_pad(c, w) for c, w in zip(row, widths)).rstrip() for row in cells]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def to_markdown(self) -> str:
        """The table as Markdown (for ``IPython.display.Markdown``)."""
        lines = ["| " + " | ".join(self._COLUMNS) + " |", "|" + "---|" * 5]
        for row in self._cells():
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in row) + " |")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{c}</th>" for c in self._COLUMNS)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                       for row in self._cells())
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    # ---- graph ------------------------------------------------------------------------
    @property
    def edges(self) -> list:
        """``(source, target)`` pairs, one per input of each operation."""
        return [(n, e.name) for e in self.entries for n in e.inputs]

    @property
    def nodes(self) -> list:
        """The graph's nodes (:class:`GraphNode`): entries and constants, with a depth."""
        depth = {}
        for e in self.entries:
            depth[e.name] = 1 + max((depth[n] for n in e.inputs if n in depth), default=-1)
        nodes = []
        for name, v in self.constants.items():
            consumers = [depth[e.name] for e in self.entries if name in e.inputs]
            nodes.append(GraphNode(name, "const", self._sym(name).render(), v,
                                   max(min(consumers) - 1, 0)))
        for e in self.entries:
            nodes.append(GraphNode(e.name, "input" if e.op == "input" else "op",
                                   e.definition, e.value, depth[e.name], e.tangent, e.adjoint))
        return nodes


def trace(f, *args) -> Trace:
    """Record ``f(*args)`` as an evaluation trace (a Wengert list).

    ``args`` are the real scalars to evaluate at; ``f`` must return one scalar that depends
    on them. Chapter *Many variables and the chain rule*.

    >>> import numpy as np
    >>> tr = trace(lambda x1, x2: x1 * x2 + np.sin(x1), 1.5, 0.5)
    >>> print(tr)
    w   definition  value       tangent  adjoint
    --  ----------  ----------  -------  -------
    w1  x1          1.5
    w2  x2          0.5
    w3  w1 · w2     0.75
    w4  sin(w1)     0.99749499
    w5  w3 + w4     1.747495
    """
    if not callable(f):
        raise TypeError(f"trace needs a function as its first argument, got {type(f).__name__}")
    if not args:
        raise ValueError("trace needs at least one input value: trace(f, x1, x2, ...)")
    for i, a in enumerate(args):
        if not _is_scalar(a):
            raise TypeError(f"trace records scalar programs: input {i + 1} must be a real "
                            f"number, got {type(a).__name__}")
    tr = Trace(_input_names(f, len(args)))
    tracers = [tr._new_entry("input", (), float(a), name)
               for a, name in zip(args, tr.input_names)]
    out = _with_traced_math(f)(*tracers)
    if isinstance(out, Tracer):
        tr.output = out.name
    elif _is_scalar(out):
        raise ValueError("the output of f does not depend on its inputs (it returned the "
                         f"constant {out!r}); there is nothing to differentiate.")
    else:
        raise TypeError(f"trace records functions with one scalar output; f returned "
                        f"{type(out).__name__}")
    return tr
