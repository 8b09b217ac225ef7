"""Source transformation on a few screens: derivative programs written from a function's text.

Introduced in the chapter *Three ways to build AD*. :func:`source_transform` reads a Python
function with ``ast``, walks its syntax tree and *writes a new Python function* that
computes the derivative alongside the value; ``.source`` is that program, printable.

The language is small on purpose: assignments (also ``+=``), ``+ - * / **``, unary minus,
numbers, the elementary functions of the rules table (``sin``, ``math.sin`` or ``np.sin``,
...), ``for i in range(<constant>)`` loops and one ``return`` at the end. Anything else
raises :class:`~lecture_code.autodiff.source.SourceTransformError` naming the construct and
its line; the full transformer, :mod:`lecture_code.autodiff.source`, handles more (branches,
``*args``, cached specialisations).

* ``mode="forward"`` (tangents): every elementary operation ``t = g(a, b)`` is followed by
  ``t_dot = ∂g/∂a · a_dot + ∂g/∂b · b_dot``; loops stay loops.
* ``mode="reverse"`` (adjoints): loops are *unrolled* (their bounds are constants), every
  assignment gets a fresh name so that no value is overwritten, and the reverse sweep walks
  the operations backwards with ``a_bar += t_bar · ∂g/∂a``.

No derivative formula is written here: each local derivative is the rule's partial from
:data:`lecture_code.autodiff.rules.RULES`, evaluated on symbolic expressions
(:class:`lecture_code.autodiff._symbolic.Sym`) so that it prints as code.

Example
-------
>>> def f(x1, x2):
...     return x1 * x2 + math.sin(x1)
>>> print(source_transform(f, mode="reverse").source)
def f_bar(x1, x2, y_bar=1.0):
    t1 = x1 * x2
    t2 = math.sin(x1)
    y = t1 + t2
    t1_bar = y_bar
    t2_bar = y_bar
    x1_bar = t2_bar * math.cos(x1)
    x1_bar += t1_bar * x2
    x2_bar = t1_bar * x1
    return y, (x1_bar, x2_bar)
"""
from __future__ import annotations

import ast
import inspect
import math
import numbers
import textwrap

import numpy as np

from .._symbolic import Sym
from ..rules import RULES, DomainError, rule_for
from ..source import SourceTransformError

__all__ = ["source_transform", "Generated"]

_BINOPS = {ast.Add: "add", ast.Sub: "subtract", ast.Mult: "multiply", ast.Div: "divide",
           ast.Pow: "power"}
_SYM_KIND = {"add": "add", "subtract": "sub", "multiply": "mul", "divide": "div", "power": "pow"}
_NAMES = {ast.If: "'if' statements", ast.While: "'while' loops", ast.Compare: "comparisons",
          ast.Subscript: "indexing", ast.List: "lists", ast.Tuple: "tuples"}


class _Program:
    """What both modes share: parsing, checking, naming, and lowering expressions."""

    def __init__(self, f):
        try:
            text = f if isinstance(f, str) else inspect.getsource(f)
        except (OSError, TypeError):
            raise TypeError(f"source_transform cannot read the source of {f!r}: pass a "
                            "function defined with 'def' in a file or notebook cell, or "
                            "its source text.") from None
        self.first_line = 1 if isinstance(f, str) else inspect.getsourcelines(f)[1]
        self.lines = textwrap.dedent(text).splitlines()
        tree = ast.parse(textwrap.dedent(text))
        if not (len(tree.body) == 1 and isinstance(tree.body[0], ast.FunctionDef)):
            raise TypeError("source_transform needs one function defined with 'def'.")
        self.fdef = fdef = tree.body[0]
        self.name = fdef.name
        a = fdef.args
        if a.vararg or a.kwarg or a.kwonlyargs or a.defaults or a.posonlyargs:
            self.fail(fdef, "*args, keyword-only or default parameters")
        self.params = [p.arg for p in a.args]
        body = fdef.body
        if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]                                     # the docstring
        if not body or not isinstance(body[-1], ast.Return) or body[-1].value is None:
            self.fail(body[-1] if body else fdef, "a function that does not end in 'return'")
        self.body, self.result = body[:-1], body[-1].value
        self.used = {n.id for n in ast.walk(fdef) if isinstance(n, ast.Name)} | set(self.params)
        self.temps, self.defined = 0, set(self.params)
        for s in self.body:
            self.check(s)

    def fail(self, node, construct):
        line = self.lines[node.lineno - 1].strip()
        raise SourceTransformError(
            f"{construct} (line {node.lineno + self.first_line - 1} of {self.name}: `{line}`) "
            "are not supported by lecture_code.autodiff.simple.source, which handles "
            "straight-line code and 'for i in range(<constant>)' loops. Use the full "
            "transformer, lecture_code.autodiff.source.source_transform, or operator "
            "overloading (lecture_code.autodiff.grad).")

    def check(self, s):
        """Reject statements outside the language (expressions are checked as lowered)."""
        if isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0],
                                                                           ast.Name):
            return
        if isinstance(s, ast.AugAssign) and isinstance(s.target, ast.Name) \
                and type(s.op) in _BINOPS:
            return
        if isinstance(s, ast.For):
            r = s.iter
            if not (isinstance(s.target, ast.Name) and not s.orelse
                    and isinstance(r, ast.Call) and isinstance(r.func, ast.Name)
                    and r.func.id == "range" and not r.keywords and 1 <= len(r.args) <= 3
                    and all(isinstance(a, ast.Constant) and type(a.value) is int
                            for a in r.args)):
                self.fail(s, "'for' loops other than 'for i in range(<constant>)'")
            for t in s.body:
                self.check(t)
            return
        self.fail(s, _NAMES.get(type(s), f"'{type(s).__name__}' statements"))

    def fresh(self, base: str) -> str:
        """A name not taken: ``base``, ``base_1``, ... (temporaries: ``t1``, ``t2``, ...)."""
        k = 0
        while True:
            if base == "t":
                self.temps += 1
                name = f"t{self.temps}"
            else:
                name, k = (f"{base}_{k}" if k else base), k + 1
            clash = {name + "_dot", name + "_bar"} | ({name} if name != base else set())
            if name not in self.defined and not clash & self.used:
                self.defined.add(name)
                return name

    def lower(self, e, base=None) -> Sym:
        """``e`` as elementary operations (``self.op``), the last one named after ``base``."""
        if isinstance(e, ast.Constant) and isinstance(e.value, (int, float)) \
                and not isinstance(e.value, bool):
            return Sym.const(float(e.value))
        if isinstance(e, ast.Name):
            return self.leaf(e)
        if isinstance(e, ast.BinOp) and type(e.op) in _BINOPS:
            name, args = _BINOPS[type(e.op)], [self.lower(e.left), self.lower(e.right)]
        elif isinstance(e, ast.UnaryOp) and isinstance(e.op, (ast.USub, ast.UAdd)):
            name, args = ("negative" if isinstance(e.op, ast.USub) else "positive",
                          [self.lower(e.operand)])
        elif isinstance(e, ast.Call) and not e.keywords:
            name = self.rule_name(e.func)
            if RULES[name].nargs != len(e.args):
                self.fail(e, f"{name} with {len(e.args)} arguments")
            args = [self.lower(a) for a in e.args]
        else:
            return self.fail(e, _NAMES.get(type(e), f"'{type(e).__name__}' expressions"))
        if all(a.is_const() for a in args):                     # fold constants now
            return Sym.const(float(RULES[name].fn(*(a.value for a in args))))
        return self.op(RULES[name], args, self.name_for(base))

    def rule_name(self, func) -> str:
        ok = isinstance(func, ast.Name) or (isinstance(func, ast.Attribute) and isinstance(
            func.value, ast.Name) and func.value.id in ("math", "np", "numpy"))
        try:
            return rule_for(func.id if isinstance(func, ast.Name) else func.attr).name \
                if ok else self.fail(func, "calls of functions without a rule")
        except TypeError:
            return self.fail(func, f"calls of {ast.unparse(func)} (no derivative rule)")

    def statements(self, stmts):
        for s in stmts:
            if isinstance(s, ast.AugAssign):
                s = ast.Assign([s.target], ast.BinOp(s.target, s.op, s.value), lineno=s.lineno)
            if isinstance(s, ast.Assign):
                self.assign(s.targets[0].id, s.value)
            else:
                self.loop(s, range(*(a.value for a in s.iter.args)))


def _value(rule, args) -> Sym:
    """The expression computing ``rule(*args)``, as written (``a * b``, ``math.sin(a)``)."""
    if rule.name in _SYM_KIND:
        return Sym(_SYM_KIND[rule.name], args)
    return Sym("neg", args) if rule.name == "negative" else Sym("call", args, rule.name)


def _text(e: Sym) -> str:
    return repr(float(e.value)) if e.is_const() else e.render()


class _Forward(_Program):
    """Tangent program: a ``_dot`` line beside every operation; loops stay loops."""

    def generate(self) -> str:
        self.out, self.indent, self.counters = [], "    ", set()
        self.statements(self.body)
        y = self.lower(self.result, "y")
        dots = ", ".join(p + "_dot" for p in self.params)
        return "\n".join([f"def {self.name}_dot({', '.join(self.params)}, {dots}):",
                          *self.out, f"    return {_text(y)}, {_text(self.dot(y))}"])

    def emit(self, line: str):
        self.out.append(self.indent + line)

    def dot(self, e: Sym) -> Sym:
        """The tangent of an atom: ``x_dot``, or 0 for constants and loop counters."""
        return Sym.var(e.value + "_dot") if e.kind == "var" and e.value not in \
            self.counters else Sym.const(0.0)

    def name_for(self, base):
        return base or self.fresh("t")

    def leaf(self, e):
        if e.id not in self.defined | self.counters:
            self.fail(e, f"the name '{e.id}' before it is assigned (or global names)")
        return Sym.var(e.id)

    def op(self, rule, args, target):
        terms = Sym.const(0.0)
        for k, (a, partial) in enumerate(zip(args, rule.partials)):
            if not self.dot(a).is_const():
                local = partial(*args, Sym.var("__out__"))
                term = self.dot(a) * local if k == 0 and rule.name == "multiply" \
                    else local * self.dot(a)
                terms = terms + term
        uses_out = "__out__" in terms.names()
        overwrites = any(a.kind == "var" and a.value == target for a in args)
        if overwrites and uses_out:           # compute into a temporary, then copy
            t = self.op(rule, args, self.fresh("t"))
            return self.copy(target, t)
        value = f"{target} = {_value(rule, args).render()}"
        tangent = f"{target}_dot = {_text(_substitute(terms, target))}"
        for line in ([tangent, value] if overwrites else [value, tangent]):
            self.emit(line)
        return Sym.var(target)

    def copy(self, target, atom):
        self.emit(f"{target} = {_text(atom)}")
        self.emit(f"{target}_dot = {_text(self.dot(atom))}")
        return Sym.var(target)

    def assign(self, target, value):
        if target in self.counters:
            self.fail(value, "assignments to a loop counter")
        atom = self.lower(value, target)
        if not (atom.kind == "var" and atom.value == target):
            self.copy(target, atom)
        self.defined.add(target)

    def loop(self, s, counts):
        self.counters.add(s.target.id)
        self.emit(f"for {s.target.id} in {ast.unparse(s.iter)}:")
        self.indent += "    "
        self.statements(s.body)
        self.indent = self.indent[:-4]


def _substitute(e: Sym, name: str) -> Sym:
    """``e`` with the placeholder ``__out__`` replaced by the variable ``name``."""
    if e.kind == "var" and e.value == "__out__":
        return Sym.var(name)
    if not e.args or e.kind in ("var", "const", "raw"):
        return e
    return Sym(e.kind, [_substitute(a, name) for a in e.args], e.value)


class _Reverse(_Program):
    """Adjoint program: unrolled forward sweep with fresh names, then the reverse sweep."""

    def generate(self) -> str:
        self.env = {p: Sym.var(p) for p in self.params}       # user name -> current atom
        self.out, self.tape = [], []
        self.statements(self.body)
        y = self.lower(self.result, "y")
        seed = f"{y.value}_bar" if y.kind == "var" else "y_bar"
        bars = {y.value} if y.kind == "var" else set()           # adjoints written so far
        for target, rule, args in reversed(self.tape):
            if target not in bars:
                continue                                       # does not reach the output
            for a, partial in zip(args, rule.partials):
                term = Sym.var(target + "_bar") * partial(*args, Sym.var(target))
                if a.kind == "var" and not term.is_const(0):
                    op = "+=" if a.value in bars else "="
                    self.out.append(f"    {a.value}_bar {op} {_text(term)}")
                    bars.add(a.value)
        zeros = [f"    {p}_bar = 0.0" for p in self.params if p not in bars]
        grads = "".join(f"{p}_bar, " for p in self.params)
        header = f"def {self.name}_bar({', '.join(self.params)}, {seed}=1.0):"
        return "\n".join([header, *self.out, *zeros,
                          f"    return {_text(y)}, ({grads.rstrip(', ')}{',' * (len(self.params) == 1)})"])

    def name_for(self, base):
        return self.fresh(base or "t")

    def leaf(self, e):
        if e.id not in self.env:
            self.fail(e, f"the name '{e.id}' before it is assigned (or global names)")
        return self.env[e.id]

    def op(self, rule, args, target):
        self.out.append(f"    {target} = {_value(rule, args).render()}")
        self.tape.append((target, rule, args))
        return Sym.var(target)

    def assign(self, target, value):
        self.env[target] = self.lower(value, target)

    def loop(self, s, counts):
        for i in counts:                          # unrolled: the counter is a constant
            self.env[s.target.id] = Sym.const(float(i))
            self.statements(s.body)


class Generated:
    """A derivative program written by :func:`source_transform`; call it, print ``.source``.

    Chapter *Three ways to build AD*. Errors of the generated code (``math.log(0.0)``,
    division by zero) are raised as :class:`~lecture_code.autodiff.rules.DomainError`.

    >>> def f(x):
    ...     return x * x
    >>> source_transform(f, mode="reverse")(3.0)
    (9.0, (6.0,))
    """

    def __init__(self, f, mode: str):
        if mode not in ("forward", "reverse"):
            raise ValueError(f"mode must be 'forward' or 'reverse', got {mode!r}.")
        program = (_Forward if mode == "forward" else _Reverse)(f)
        self.source, self.mode = program.generate(), mode
        namespace = {"math": math, "np": np}
        exec(compile(self.source, f"<simple.source {program.name}>", "exec"), namespace)
        self._fn = namespace[f"{program.name}_{'dot' if mode == 'forward' else 'bar'}"]

    def __call__(self, *args):
        for i, a in enumerate(args):
            if not isinstance(a, numbers.Real) or isinstance(a, bool):
                raise TypeError(f"{self._fn.__name__}: argument {i + 1} must be a real number.")
        try:
            value, derivative = self._fn(*map(float, args))
        except (ZeroDivisionError, ValueError, OverflowError) as err:
            raise DomainError(f"{self._fn.__name__}: {err} -- the function or its derivative "
                              "is not defined at these inputs.") from None
        if any(isinstance(v, complex) or v != v for v in [value, *np.atleast_1d(derivative)]):
            raise DomainError(f"{self._fn.__name__}: the function or its derivative is not "
                              "defined at these inputs (e.g. (-1) ** 0.5).")
        return value, derivative


def source_transform(f, mode: str = "forward") -> Generated:
    """Write the derivative program of ``f`` (a ``def`` or its source text).

    Chapter *Three ways to build AD*. ``mode="forward"``: ``df(x1, ..., x1_dot, ...)``
    returns ``(value, tangent)``; ``mode="reverse"``: ``df(x1, ..., y_bar=1.0)`` returns
    ``(value, (x1_bar, ...))``.

    >>> def power(x):
    ...     y = 1.0
    ...     for k in range(3):
    ...         y = y * x
    ...     return y
    >>> df = source_transform(power)
    >>> print(df.source)
    def power_dot(x, x_dot):
        y = 1.0
        y_dot = 0.0
        for k in range(3):
            y_dot = y_dot * x + y * x_dot
            y = y * x
        return y, y_dot
    >>> df(2.0, 1.0)
    (8.0, 12.0)
    """
    return Generated(f, mode)
