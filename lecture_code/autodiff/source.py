"""Source-code transformation: derivative programs written from a function's text (``ast``).

Introduced in the chapter *Three ways to build AD*. A source transformer is a small compiler:
it parses a Python function of scalars, walks its syntax tree and writes a *new* Python
function that computes each intermediate value together with its derivative, the way the
lecture's ``diff_function.c`` was generated from a C function. The generated code is plain
float arithmetic (no special number types at run time), and you can read it: ``.source``.

* :func:`source_transform` ``(f, mode="forward")`` writes the *tangent* program. Called with
  the inputs followed by their tangents it returns ``(value, tangent)``; for
  ``f(x1, x2) = x1*x2 + sin(x1)`` that is ``df(x1, x2, x1_dot, x2_dot)``. Control flow is kept:
  ``if``/``else`` and ``for`` loops over ``range`` appear in the generated code as written, with
  a tangent line beside every assignment (before it when the assignment overwrites one of its
  own inputs, as in ``y = y * x``, so that the tangent reads the old value).
* ``source_transform(f, mode="reverse")`` writes the *adjoint* program: a forward sweep that
  keeps every intermediate value, then a reverse sweep of adjoint lines. Called with the inputs
  (and optionally the seed ``y_bar=1.0``) it returns ``(value, (x1_bar, x2_bar, ...))``.
* :func:`gradient_program` ``(f)``: the gradient tuple by the reverse program.

Design of the reverse mode. Reverse mode needs the intermediate values in reverse order. The
transformer gets them by *unrolling*: when the function is called, the arguments that are not
differentiated (parameters with default values, the number of ``*args``) are known, so
``for`` loops over ``range`` (whose bounds must depend only on those) are run at generation
time and written out as straight-line code, and ``if`` tests on them are decided. (Numbers
become floats and squares products, ``t * t``, which Python computes faster.) Every
assignment then gets a fresh name (``total``, ``total_1``, ...), nothing is overwritten, and
the reverse sweep can read every value it needs. The generated code is compiled once per
distinct set of such arguments and cached. (Tools such as Tapenade instead keep the loop
and push overwritten values on a stack; unrolling is simpler and, for Python, faster.)
An ``if`` test on the differentiable inputs cannot be decided in advance: both branches are
written, the test's outcome is kept in a flag (``branch = x > 0.0``), a name assigned
differently in the two branches gets a fresh name in both (``z_3 = z_1`` / ``z_3 = z_2``), and
the reverse sweep tests the same flag.

Global and closure variables that the function reads (a coefficient ``A`` of its module) are
read when the transformed function is called, as the function itself reads them: change
``A`` and both give the new answer. A failure in the generated code (``log`` of 0, ...) is
reported with the line of the function it comes from, in its file, and the generated line.

Names in the generated code follow the book: the tangent of ``x`` is ``x_dot``, its adjoint
``x_bar``; temporaries for nested expressions are ``t1, t2, ...``. One statement per line.
Every local derivative is taken from :mod:`lecture_code.autodiff.rules` by evaluating the rule's
partials on symbolic expressions (:mod:`lecture_code.autodiff._symbolic`); no derivative
formula is written here.

The supported language: assignments (also ``+=`` and friends), ``+ - * / **`` and unary minus,
calls of the elementary functions of the rules table (``math.sin``, ``np.exp``, ``sqrt``
imported from ``math``, ``lecture_code.autodiff.tanh``, ``abs``, ``pow``), ``if``/``elif``/
``else``, ``for`` loops over ``range``, ``*args`` indexed by integers, ``len`` of it, and integer
arithmetic on loop counters. Anything else (``while``, recursion, calls of other functions,
lists, ...) raises :class:`SourceTransformError` naming the construct and its line: use
operator overloading (:class:`~lecture_code.autodiff.dual.Dual`, ``reverse``/``grad``), which
follows whatever Python the function runs.

Example
-------
>>> import math
>>> def f(x1, x2):
...     return x1 * x2 + math.sin(x1)
>>> df = source_transform(f)
>>> print(df.source)
def f_dot(x1, x2, x1_dot, x2_dot):
    t1 = x1 * x2
    t1_dot = x1_dot * x2 + x1 * x2_dot
    t2 = math.sin(x1)
    t2_dot = math.cos(x1) * x1_dot
    y = t1 + t2
    y_dot = t1_dot + t2_dot
    return y, y_dot
>>> value, tangent = df(1.5, 0.5, 1.0, 0.0)
>>> tangent == 0.5 + math.cos(1.5)
True
"""
from __future__ import annotations

import ast
import builtins
import inspect
import linecache
import math
import numbers
import textwrap
import types

import numpy as np

from . import functions as _functions
from ._symbolic import Sym, linear_combination
from .rules import MATH_NAMES, RULES, UFUNC_RULES, DomainError, Rule

__all__ = ["source_transform", "gradient_program", "Transformed", "SourceTransformError"]

_USE_OVERLOADING = ("Use operator overloading instead, which follows any Python the function "
                    "runs: lecture_code.autodiff.Dual / derivative (forward mode) or "
                    "lecture_code.autodiff.grad (reverse mode).")

#: Most elementary operations an unrolled reverse program may have.
MAX_UNROLLED_OPERATIONS = 200_000

_BINOPS = {ast.Add: "add", ast.Sub: "subtract", ast.Mult: "multiply", ast.Div: "divide",
           ast.Pow: "power"}
_STATIC_BINOPS = (ast.FloorDiv, ast.Mod)           # integer arithmetic on counters only
_SYM_KIND = {"add": "add", "subtract": "sub", "multiply": "mul", "divide": "div",
             "power": "pow"}
_BUILTIN_RULES = {builtins.abs: "absolute", builtins.pow: "power"}
_STATIC_BUILTINS = {builtins.range, builtins.len, builtins.int, builtins.float}

# What an unsupported node is called in error messages.
_CONSTRUCTS = {
    ast.While: "'while' loops", ast.Break: "'break'", ast.Continue: "'continue'",
    ast.FunctionDef: "nested function definitions", ast.Lambda: "lambda expressions",
    ast.AsyncFunctionDef: "nested function definitions", ast.ClassDef: "class definitions",
    ast.Try: "'try' statements", ast.With: "'with' statements", ast.Raise: "'raise'",
    ast.Assert: "'assert'", ast.Import: "imports", ast.ImportFrom: "imports",
    ast.Global: "'global'", ast.Nonlocal: "'nonlocal'", ast.Delete: "'del'",
    ast.List: "lists", ast.Tuple: "tuples", ast.Set: "sets", ast.Dict: "dictionaries",
    ast.ListComp: "list comprehensions", ast.SetComp: "set comprehensions",
    ast.DictComp: "dict comprehensions", ast.GeneratorExp: "generator expressions",
    ast.IfExp: "conditional expressions (a if c else b); use an if statement",
    ast.NamedExpr: "assignment expressions (:=)", ast.JoinedStr: "f-strings",
    ast.Starred: "starred arguments", ast.Await: "await", ast.Yield: "yield",
    ast.YieldFrom: "yield", ast.AnnAssign: "annotated assignments", ast.Slice: "slices",
}


class SourceTransformError(SyntaxError):
    """The function uses Python that the source transformer cannot differentiate.

    The message names the construct, the function and the line, and suggests operator
    overloading instead. Chapter *Three ways to build AD*.

    >>> def f(x):
    ...     while x > 1.0:
    ...         x = x / 2
    ...     return x
    >>> source_transform(f)
    Traceback (most recent call last):
    ...
    lecture_code.autodiff.source.SourceTransformError: f, line 2 (`while x > 1.0:`): 'while' loops are not supported by source transformation. Rewrite the loop as `for k in range(n):`. Use operator overloading instead, which follows any Python the function runs: lecture_code.autodiff.Dual / derivative (forward mode) or lecture_code.autodiff.grad (reverse mode).
    """

    def __str__(self):
        return self.msg


# ---------------------------------------------------------------------------------------
# Reading the function
# ---------------------------------------------------------------------------------------
class _Namer:
    """Hands out names that clash with nothing in the user's function."""

    def __init__(self, taken):
        self.taken = set(taken)
        self._next = {}

    def fresh(self, base: str) -> str:
        if base not in self.taken:
            self.taken.add(base)
            return base
        k = self._next.get(base, 1)
        while f"{base}_{k}" in self.taken:
            k += 1
        self._next[base] = k + 1
        name = f"{base}_{k}"
        self.taken.add(name)
        return name

    def temp(self) -> str:
        k = self._next.get("", 1)
        while f"t{k}" in self.taken:
            k += 1
        self._next[""] = k + 1
        self.taken.add(f"t{k}")
        return f"t{k}"


class _AugAssignToAssign(ast.NodeTransformer):
    """``y += e`` becomes ``y = y + e``; ``a, b = e1, e2`` two assignments (same lines).

    The tuple form is split only when no right-hand side reads a name assigned on the left
    (``a, b = b, a`` needs a temporary and is rejected later with a clear message).
    """

    def visit_Assign(self, node):
        target, value = node.targets[0], node.value
        if (len(node.targets) == 1 and isinstance(target, ast.Tuple)
                and isinstance(value, ast.Tuple) and len(target.elts) == len(value.elts)
                and all(isinstance(t, ast.Name) for t in target.elts)):
            names = {t.id for t in target.elts}
            if not any(isinstance(n, ast.Name) and n.id in names
                       for v in value.elts for n in ast.walk(v)):
                return [ast.copy_location(ast.Assign([t], v), node)
                        for t, v in zip(target.elts, value.elts)]
        return node

    def visit_AugAssign(self, node):
        if not isinstance(node.target, ast.Name):
            return node
        load = ast.copy_location(ast.Name(node.target.id, ast.Load()), node.target)
        value = ast.copy_location(ast.BinOp(load, node.op, node.value), node)
        return ast.copy_location(ast.Assign([node.target], value), node)


class _Function:
    """The parsed function: its tree, parameters, globals, and error reporting."""

    def __init__(self, f):
        if isinstance(f, str):
            text = textwrap.dedent(f)
            namespace = {"math": math, "np": np}
            try:
                exec(compile(text, "<source_transform input>", "exec"), namespace)
            except SyntaxError as err:
                raise SourceTransformError(f"the source text is not valid Python: {err}") \
                    from None
            defs = [v for v in namespace.values() if isinstance(v, types.FunctionType)]
            if len(defs) != 1:
                raise ValueError("source_transform needs the text of exactly one `def`, got "
                                 f"{len(defs)} functions.")
            f, first_line = defs[0], 1
        elif isinstance(f, types.FunctionType):
            if f.__name__ == "<lambda>":
                raise SourceTransformError(
                    "source_transform reads the function's source text, which a lambda does "
                    "not have on its own: define the function with def.")
            try:
                text = textwrap.dedent(inspect.getsource(f))
            except (OSError, TypeError):
                raise SourceTransformError(
                    f"the source of {f.__name__} is not available (functions defined in the "
                    "interactive interpreter or by exec have none): define it in a file or a "
                    "notebook cell, or pass its source text as a string.") from None
            first_line = f.__code__.co_firstlineno
        else:
            raise TypeError(f"source_transform needs a Python function (def) or its source "
                            f"text, got {type(f).__name__}.")
        self.f, self.name, self.first_line = f, f.__name__, first_line
        self.lines = text.splitlines()
        module = ast.parse(text)
        tree = next(node for node in module.body if isinstance(node, ast.FunctionDef)
                    and node.name == self.name)
        self.tree = ast.fix_missing_locations(_AugAssignToAssign().visit(tree))
        self.globals = dict(f.__globals__)
        self.globals.update(inspect.getclosurevars(f).nonlocals)
        self._parameters()
        self.used = {n.id for n in ast.walk(self.tree) if isinstance(n, ast.Name)}
        self.used |= set(self.inputs) | set(self.static) | {self.name}
        self._free_variables()

    def _free_variables(self):
        """The global and closure variables holding data (not modules or functions) that the
        function reads: the generated code reads them when it is called, as the function
        does (:meth:`current`)."""
        f = self.f
        cells = dict(zip(f.__code__.co_freevars, f.__closure__ or ()))
        local = set(self.inputs) | set(self.static) | {self.varargs} | self._assigned()
        self.free, self._sources = [], []
        for name in sorted(self.used - local - {self.name}):
            if name in cells:
                source = cells[name]
            elif name in f.__globals__:
                source = f.__globals__
            else:
                continue
            value = self.globals.get(name)
            if isinstance(value, types.ModuleType) or callable(value):
                continue
            self.free.append(name)
            self._sources.append(source)

    def current(self) -> tuple:
        """The values of :attr:`free` now (raises NameError for a deleted global)."""
        values = []
        for name, source in zip(self.free, self._sources):
            try:
                values.append(source[name] if type(source) is dict else source.cell_contents)
            except (KeyError, ValueError):
                raise NameError(f"{self.name} reads {name!r}, which is no longer defined.") \
                    from None
        return tuple(values)

    def error(self, node, message, cls=SourceTransformError):
        """An exception naming the function, the line (of its file or cell) and its text."""
        line = getattr(node, "lineno", 1)
        text = self.lines[line - 1].strip() if line <= len(self.lines) else ""
        full = f"{self.name}, line {self.first_line + line - 1} (`{text}`): {message}"
        if cls is SourceTransformError:
            return SourceTransformError(
                full, (self.f.__code__.co_filename, self.first_line + line - 1,
                       getattr(node, "col_offset", 0) + 1, text))
        return cls(full)

    def _parameters(self):
        a = self.tree.args
        if a.kwarg is not None:
            raise self.error(self.tree, f"**{a.kwarg.arg} is not supported: name the "
                                        "parameters.")
        positional = a.posonlyargs + a.args
        n_plain = len(positional) - len(a.defaults)
        self.inputs = [p.arg for p in positional[:n_plain]]
        self.varargs = a.vararg.arg if a.vararg is not None else None
        if self.varargs and self.inputs:
            raise self.error(self.tree, f"*{self.varargs} must be the only differentiable "
                                        "parameter (write f(*x) and use x[0], x[1], ...).")
        if not self.inputs and not self.varargs:
            raise self.error(self.tree, "the function has no parameter without a default "
                                        "value, so nothing to differentiate (parameters with "
                                        "defaults are constants such as loop counts).")
        defaults = self.f.__defaults__ or ()
        self.static = {p.arg: d for p, d in zip(positional[n_plain:], defaults)}
        kwdefaults = self.f.__kwdefaults__ or {}
        for p in a.kwonlyargs:
            if p.arg not in kwdefaults:
                raise self.error(self.tree, f"keyword-only parameter {p.arg} needs a default "
                                            "value (it is not differentiated).")
            self.static[p.arg] = kwdefaults[p.arg]
        self.kwonly = {p.arg for p in a.kwonlyargs}

    # ---- what a name or a call refers to ------------------------------------------------
    def lookup(self, name):
        if name in self.globals:
            return self.globals[name]
        return getattr(builtins, name, None)

    def resolve(self, func):
        """The object a call's ``func`` refers to (``None`` if it cannot be resolved)."""
        if isinstance(func, ast.Name):
            return self.lookup(func.id)
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            return getattr(self.lookup(func.value.id), func.attr, None)
        return None

    def rule_of_call(self, node: ast.Call):
        """The rule for a call of an elementary function, or raise a clear error."""
        func = self.resolve(node.func)
        label = ast.unparse(node.func)
        if isinstance(node.func, ast.Name) and node.func.id == self.name:
            raise self.error(node, f"recursion ({label} calls itself) is not supported by "
                                   f"source transformation. {_USE_OVERLOADING}")
        if node.keywords:
            raise self.error(node, f"keyword arguments in the call of {label} are not "
                                   "supported.")
        rule = None
        if func is not None:
            name = getattr(func, "__name__", None)
            if getattr(math, str(name), None) is func and name in MATH_NAMES:
                rule = RULES[MATH_NAMES[name]]
            elif isinstance(func, np.ufunc) and func in UFUNC_RULES:
                rule = UFUNC_RULES[func]
            elif getattr(_functions, str(name), None) is func and name in RULES:
                rule = RULES[name]
            elif isinstance(func, types.BuiltinFunctionType) and func in _BUILTIN_RULES:
                rule = RULES[_BUILTIN_RULES[func]]
        if rule is None:
            raise self.error(node, f"the call of {label} is not supported: source "
                                   "transformation only knows the elementary functions of "
                                   "the rules table (math.sin, np.exp, sqrt, abs, pow, ...), "
                                   f"not arbitrary functions. {_USE_OVERLOADING}")
        if len(node.args) != rule.nargs:
            raise self.error(node, f"{label} takes {rule.nargs} argument(s), got "
                                   f"{len(node.args)}.", TypeError)
        return rule

    def is_static_call(self, node) -> bool:
        return isinstance(node, ast.Call) and self.resolve(node.func) in _STATIC_BUILTINS

    # ---- validation ---------------------------------------------------------------------
    def validate(self):
        body = self.tree.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]                                    # the docstring
        self.tree.body = body or [ast.Pass()]
        self._check_block(self.tree.body)
        if not any(isinstance(n, ast.Return) for n in ast.walk(self.tree)):
            raise self.error(self.tree, "the function returns nothing: it must `return` the "
                                        "scalar to differentiate.")

    def _unsupported(self, node, what=None):
        what = what or _CONSTRUCTS.get(type(node), f"the construct {type(node).__name__}")
        extra = " Rewrite the loop as `for k in range(n):`." if isinstance(node, ast.While) \
            else ""
        return self.error(node, f"{what} {'is' if what.startswith('the ') else 'are'} not "
                                f"supported by source transformation.{extra} "
                                f"{_USE_OVERLOADING}")

    def _check_block(self, stmts):
        for s in stmts:
            self._check_stmt(s)

    def _check_stmt(self, s):
        if isinstance(s, ast.Assign):
            if len(s.targets) != 1 or not isinstance(s.targets[0], ast.Name):
                raise self._unsupported(s, "assignments to anything but one plain name "
                                           "(tuple unpacking, subscripts, chains)")
            if s.targets[0].id == self.varargs:
                raise self.error(s, f"the input tuple {self.varargs} cannot be reassigned.")
            self._check_expr(s.value)
        elif isinstance(s, ast.AugAssign):
            raise self._unsupported(s, "augmented assignments to anything but a plain name")
        elif isinstance(s, ast.Return):
            if s.value is None:
                raise self.error(s, "`return` needs a value (the scalar to differentiate).")
            if isinstance(s.value, ast.Tuple):
                raise self.error(s, "the function must return one scalar, not a tuple "
                                    "(differentiate each output separately).")
            self._check_expr(s.value)
        elif isinstance(s, ast.If):
            self._check_expr(s.test, condition=True)
            self._check_block(s.body)
            self._check_block(s.orelse)
        elif isinstance(s, ast.For):
            it = s.iter
            if not (isinstance(it, ast.Call) and self.resolve(it.func) is builtins.range
                    and not it.keywords and 1 <= len(it.args) <= 3):
                raise self._unsupported(s, f"for loops over anything but range(...) "
                                           f"(here `{ast.unparse(it)}`)")
            if not isinstance(s.target, ast.Name):
                raise self._unsupported(s, "loop targets other than one name")
            if s.orelse:
                raise self._unsupported(s, "for ... else")
            for a in it.args:
                self._check_expr(a)
            self._check_block(s.body)
        elif isinstance(s, ast.Pass):
            pass
        elif isinstance(s, ast.Expr):
            raise self._unsupported(s, f"expression statements (here `{ast.unparse(s)}`; the "
                                       "transformer differentiates assignments and return)")
        else:
            raise self._unsupported(s)

    def _check_expr(self, e, condition=False):
        if isinstance(e, ast.Constant):
            if not isinstance(e.value, (int, float)) or isinstance(e.value, complex):
                raise self._unsupported(e, f"the constant {e.value!r} (only numbers)")
        elif isinstance(e, ast.Name):
            known = (e.id in self.inputs or e.id == self.varargs or e.id in self.static
                     or e.id in self._assigned() or e.id in self.globals
                     or hasattr(builtins, e.id))
            if not known:
                raise self.error(e, f"the name {e.id} is not defined.", NameError)
        elif isinstance(e, ast.BinOp):
            if not isinstance(e.op, tuple(_BINOPS) + _STATIC_BINOPS):
                raise self._unsupported(e, f"the operator {type(e.op).__name__}")
            self._check_expr(e.left, condition)
            self._check_expr(e.right, condition)
        elif isinstance(e, ast.UnaryOp):
            if isinstance(e.op, ast.Not) and not condition:
                raise self._unsupported(e, "`not` outside an if test")
            if isinstance(e.op, ast.Invert):
                raise self._unsupported(e, "the operator ~")
            self._check_expr(e.operand, condition)
        elif isinstance(e, ast.Call):
            if self.is_static_call(e):
                if e.keywords:
                    raise self.error(e, f"keyword arguments in {ast.unparse(e.func)}() are "
                                        "not supported.")
            else:
                self.rule_of_call(e)
            for a in e.args:
                self._check_expr(a, condition)
        elif isinstance(e, ast.Attribute):
            if not (isinstance(e.value, ast.Name)
                    and isinstance(self.lookup(e.value.id), types.ModuleType)
                    and isinstance(getattr(self.lookup(e.value.id), e.attr, None),
                                   (int, float))):
                raise self._unsupported(e, f"the attribute `{ast.unparse(e)}` (only module "
                                           "constants such as math.pi)")
        elif isinstance(e, ast.Subscript):
            if not (isinstance(e.value, ast.Name) and e.value.id == self.varargs):
                raise self._unsupported(e, f"indexing (`{ast.unparse(e)}`) of anything but "
                                           "the *args tuple: lists, arrays and other "
                                           "containers")
            if isinstance(e.slice, ast.Slice):
                raise self._unsupported(e.slice)
            self._check_expr(e.slice, condition)
        elif isinstance(e, (ast.Compare, ast.BoolOp)) and condition:
            for c in ast.iter_child_nodes(e):
                if isinstance(c, ast.expr):
                    self._check_expr(c, condition)
        elif isinstance(e, (ast.Compare, ast.BoolOp)):
            raise self._unsupported(e, "comparisons outside an if test")
        else:
            raise self._unsupported(e)

    def _assigned(self):
        if not hasattr(self, "_assigned_names"):
            self._assigned_names = {t.id for n in ast.walk(self.tree)
                                    for t in (n.targets if isinstance(n, ast.Assign) else
                                              [n.target] if isinstance(n, ast.For) else [])
                                    if isinstance(t, ast.Name)}
        return self._assigned_names

    def depends(self, node, active) -> bool:
        """Whether ``node`` reads a name in ``active`` (``len(x)`` does not count)."""
        if self.is_static_call(node) and self.resolve(node.func) is builtins.len:
            return False
        if isinstance(node, ast.Name):
            return node.id in active
        return any(self.depends(c, active) for c in ast.iter_child_nodes(node))


#: ``a = b`` (joining the two branches of an if): the identity, whose partial is 1.
_COPY = RULES["positive"]


def _value_sym(rule: Rule, args, fast: bool = False) -> Sym:
    """The expression computing ``rule(*args)``, as the user wrote it (not simplified).

    With ``fast``, a square ``a ** 2`` is written ``a * a`` (Python computes it 2-3x faster).
    """
    if rule is _COPY:
        return args[0]
    if fast and rule.name == "power" and args[1].is_const(2):
        return Sym("mul", (args[0], args[0]))
    if rule.name in _SYM_KIND:
        return Sym(_SYM_KIND[rule.name], args)
    if rule.name == "negative":
        return Sym("neg", args)
    return Sym("call", args, rule.name)


def _render(expr: Sym) -> str:
    if expr.is_const():
        return repr(float(expr.value))
    return expr.render()


# ---------------------------------------------------------------------------------------
# Lowering expressions to elementary operations (shared by both modes)
# ---------------------------------------------------------------------------------------
class _Line(str):
    """A generated line that remembers the line of the user's function it comes from."""

    origin = None


def _text_with_origins(lines) -> str:
    """The program text; ``.origins[i]`` is the function's line behind generated line i+1."""
    text = _Line("\n".join(lines))
    text.origins = [getattr(line, "origin", None) for line in lines]
    return text


class _Writer:
    """Common part of the two generators: lines, names, and expression lowering."""

    def __init__(self, fn: _Function):
        self.fn = fn
        self.names = _Namer(fn.used)
        self.lines: list = []
        self.depth = 1
        self.origin = None               # the line of fn being translated

    def emit(self, text: str):
        line = _Line("    " * self.depth + text)
        line.origin = self.origin
        self.lines.append(line)

    def lower(self, node, target=None) -> Sym:
        """Emit the elementary operations of ``node``; return an atom holding its value.

        With ``target`` the last operation (or the copy) assigns to that name.
        """
        if not self.is_active(node):
            return self.assign_atom(target, self.static(node), node)
        if isinstance(node, ast.BinOp):
            if not isinstance(node.op, tuple(_BINOPS)):
                raise self.fn.error(node, f"the operator {type(node.op).__name__} is not "
                                          "differentiable (integer arithmetic is only allowed "
                                          "on loop counters and constants).")
            args = [self.lower(node.left), self.lower(node.right)]
            return self.op(RULES[_BINOPS[type(node.op)]], args, target, node)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.UAdd):
                return self.lower(node.operand, target)
            return self.op(RULES["negative"], [self.lower(node.operand)], target, node)
        if isinstance(node, ast.Call):
            rule = self.fn.rule_of_call(node)
            return self.op(rule, [self.lower(a) for a in node.args], target, node)
        if isinstance(node, (ast.Name, ast.Subscript)):
            return self.assign_atom(target, self.leaf(node), node)
        raise self.fn.error(node, f"cannot differentiate `{ast.unparse(node)}`.")  # pragma: no cover


# ---------------------------------------------------------------------------------------
# Forward mode: the tangent program, with the control flow kept
# ---------------------------------------------------------------------------------------
class _Forward(_Writer):
    def __init__(self, fn: _Function):
        super().__init__(fn)
        self.active = self._activity()
        order = dict.fromkeys([*fn.inputs, *([fn.varargs] if fn.varargs else []),
                               *sorted(self.active)])
        self.dot = {n: self.names.fresh(f"{n}_dot") for n in order}
        self.tangent = {}          # rendered atom -> its tangent (Sym)

    def _activity(self) -> set:
        """Names whose value depends on the inputs anywhere in the function (a fixed point)."""
        fn = self.fn
        active = set(fn.inputs) | ({fn.varargs} if fn.varargs else set())
        assigns = [(n.targets[0].id, n.value) for n in ast.walk(fn.tree)
                   if isinstance(n, ast.Assign)]
        changed = True
        while changed:
            changed = False
            for name, value in assigns:
                if name not in active and fn.depends(value, active):
                    active.add(name)
                    changed = True
        return active

    def is_active(self, node) -> bool:
        return self.fn.depends(node, self.active)

    def static(self, node) -> Sym:
        if isinstance(node, ast.Constant):
            return Sym.const(node.value)
        atomic = isinstance(node, (ast.Name, ast.Attribute, ast.Call, ast.Subscript))
        return Sym.raw(ast.unparse(node), atomic)

    def leaf(self, node) -> Sym:
        if isinstance(node, ast.Name):
            sym = Sym.var(node.id)
            self.tangent[node.id] = Sym.var(self.dot[node.id])
        else:                                               # x[i] of the *args tuple
            index = ast.unparse(node.slice)
            sym = Sym.raw(f"{node.value.id}[{index}]")
            self.tangent[sym.render()] = Sym.raw(f"{self.dot[node.value.id]}[{index}]")
        return sym

    def tangent_of(self, atom: Sym):
        return None if atom.kind == "const" else self.tangent.get(atom.render())

    def assign_atom(self, target, atom: Sym, node) -> Sym:
        if target is None or (atom.kind == "var" and atom.value == target):
            return atom
        self.emit(f"{target} = {atom.render()}")
        if target in self.active:
            t = self.tangent_of(atom)
            self.emit(f"{self.dot[target]} = {_render(t) if t is not None else '0.0'}")
            self.tangent[target] = Sym.var(self.dot[target])
        return Sym.var(target)

    def op(self, rule: Rule, args, target, node) -> Sym:
        name = target or self.names.temp()
        dot = self.dot[name] if name in self.dot else self.names.fresh(f"{name}_dot")
        value = _value_sym(rule, args)
        overwrites = any(a.kind == "var" and a.value == name for a in args)
        out = value if overwrites else Sym.var(name)
        terms = []
        names = [a.render() for a in args]
        for i, (a, partial) in enumerate(zip(args, rule.partials)):
            t = self.tangent_of(a)
            if t is not None:
                coef = partial(*args, out)
                first = coef.kind in ("var", "raw") and coef.render() in names[i + 1:]
                terms.append((coef, t, first))
        tangent_line = f"{dot} = {_render(linear_combination(terms))}"
        if overwrites:                  # the tangent must read the old value: write it first
            self.emit(tangent_line)
        self.emit(f"{name} = {value.render()}")
        if not overwrites:
            self.emit(tangent_line)
        self.tangent[name] = Sym.var(dot)
        return Sym.var(name)

    # ---- statements -----------------------------------------------------------------------
    def block(self, stmts):
        start = len(self.lines)
        for s in stmts:
            self.stmt(s)
        if len(self.lines) == start:
            self.emit("pass")

    def stmt(self, s):
        self.origin = s.lineno
        if isinstance(s, ast.Assign):
            target = s.targets[0].id
            if target in self.active:
                self.lower(s.value, target)
            else:
                self.emit(ast.unparse(s))
        elif isinstance(s, ast.Return):
            if not self.is_active(s.value):
                self.emit(f"return {ast.unparse(s.value)}, 0.0")
                return
            atom = self.lower(s.value, None if isinstance(s.value, (ast.Name, ast.Subscript))
                              else self.names.fresh("y"))
            self.emit(f"return {atom.render()}, {_render(self.tangent_of(atom))}")
        elif isinstance(s, ast.If):
            self.emit(f"if {ast.unparse(s.test)}:")
            self.depth += 1
            self.block(s.body)
            self.depth -= 1
            if s.orelse:
                self.emit("else:")
                self.depth += 1
                self.block(s.orelse)
                self.depth -= 1
        elif isinstance(s, ast.For):
            if self.is_active(s.iter):
                raise self.fn.error(s, "the bounds of range() must not depend on the "
                                       "differentiable inputs.")
            self.emit(f"for {s.target.id} in {ast.unparse(s.iter)}:")
            self.depth += 1
            if s.target.id in self.active:
                self.emit(f"{self.dot[s.target.id]} = 0.0")
            self.block(s.body)
            self.depth -= 1
        else:                                               # pass
            self.emit("pass")

    def program(self) -> tuple:
        fn = self.fn
        name = f"{fn.name}_dot"
        if fn.varargs:
            params = [fn.varargs, self.dot[fn.varargs]]
        else:
            params = fn.inputs + [self.dot[n] for n in fn.inputs]
        statics = []
        for p, default in fn.static.items():
            if p in fn.kwonly and "*" not in statics:
                statics.append("*")
            statics.append(f"{p}={default!r}")
        self.block(fn.tree.body)
        header = f"def {name}({', '.join(params + statics)}):"
        return name, _text_with_origins([header] + self.lines)


# ---------------------------------------------------------------------------------------
# Reverse mode: unrolled forward sweep (every value kept), then the adjoint sweep
# ---------------------------------------------------------------------------------------
def _walk(tape):
    """The operations of a tape, including those inside its if blocks."""
    for entry in tape:
        if entry[0] == "if":
            for arm in entry[2:]:
                yield from _walk(arm)
        else:
            yield entry


class _Return(Exception):
    def __init__(self, atom):
        self.atom = atom


class _Reverse(_Writer):
    def __init__(self, fn: _Function, statics: dict, n_varargs: int):
        super().__init__(fn)
        # every value gets a fresh name: only the inputs and the modules are taken
        self.names = _Namer({*fn.inputs, "math", "np", fn.name})
        self.env: dict = {}             # name -> Sym var holding its current (active) value
        self.values: dict = dict(statics)   # name -> static Python value
        self.tape: list = []            # (name, rule, args) of every operation
        self.origin_of: dict = {}       # name of an operation -> line of fn it comes from
        self.params: list = []
        self.elements: list = []
        if fn.varargs:
            self.elements = [Sym.var(self.names.fresh(f"{fn.varargs}_{i}"))
                             for i in range(n_varargs)]
            self.params = [e.value for e in self.elements]
        for p in fn.inputs:
            self.env[p] = Sym.var(p)
            self.params.append(p)
        self._compiled: dict = {}

    def active_names(self) -> set:
        return set(self.env) | ({self.fn.varargs} if self.fn.varargs else set())

    def is_active(self, node) -> bool:
        return self.fn.depends(node, self.active_names())

    def evaluate(self, node):
        """The value of an expression that does not depend on the inputs."""
        code = self._compiled.get(id(node))
        if code is None:
            code = compile(ast.Expression(body=node), "<static>", "eval")
            self._compiled[id(node)] = code
        local = dict(self.values)
        if self.fn.varargs:
            local[self.fn.varargs] = self.elements
        try:
            return eval(code, self.fn.globals, local)
        except NameError as err:
            raise self.fn.error(node, f"{err.name} is not assigned on every path through the "
                                      "if statements before this line.", NameError) from None

    def static(self, node) -> Sym:
        value = self.evaluate(node)
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise self.fn.error(node, f"`{ast.unparse(node)}` is not a number.", TypeError)
        return Sym.const(float(value))        # float arithmetic only: 2.0 * x, not 2 * x

    def leaf(self, node) -> Sym:
        if isinstance(node, ast.Name):
            if node.id not in self.env:
                raise self.fn.error(node, f"{node.id} is not assigned on every path through "
                                          "the if statements before this line.", NameError)
            return self.env[node.id]
        index = self.evaluate(node.slice)
        if not isinstance(index, numbers.Integral):
            raise self.fn.error(node, "the index must be an integer.", TypeError)
        if not -len(self.elements) <= index < len(self.elements):
            raise self.fn.error(node, f"index {index} is out of range for "
                                      f"{len(self.elements)} inputs.", IndexError)
        return self.elements[index]

    def assign_atom(self, target, atom: Sym, node) -> Sym:
        if target is None:
            return atom
        if atom.kind == "const":
            self.values[target] = atom.value
            self.env.pop(target, None)
        else:
            self.env[target] = atom
            self.values.pop(target, None)
        return atom

    def op(self, rule: Rule, args, target, node) -> Sym:
        if len(self.tape) >= MAX_UNROLLED_OPERATIONS:
            raise self.fn.error(node, f"the unrolled program has more than "
                                      f"{MAX_UNROLLED_OPERATIONS} operations. Use "
                                      "lecture_code.autodiff.grad for long loops.", ValueError)
        name = self.names.fresh(target) if target else self.names.temp()
        self.emit(f"{name} = {_value_sym(rule, args, fast=True).render()}")
        self.tape.append((name, rule, args))
        self.origin_of[name] = self.origin
        atom = Sym.var(name)
        if target:
            self.assign_atom(target, atom, node)
        return atom

    # ---- statements (run at generation time) ---------------------------------------------
    def block(self, stmts):
        for s in stmts:
            self.stmt(s)

    def stmt(self, s):
        self.origin = s.lineno
        if isinstance(s, ast.Assign):
            self.lower(s.value, s.targets[0].id)
        elif isinstance(s, ast.Return):
            target = None if isinstance(s.value, (ast.Name, ast.Subscript)) else "y"
            raise _Return(self.lower(s.value, target))
        elif isinstance(s, ast.If):
            if self.is_active(s.test):
                self.branch(s)
            else:
                self.block(s.body if self.evaluate(s.test) else s.orelse)
        elif isinstance(s, ast.For):
            if self.is_active(s.iter):
                raise self.fn.error(s, "the bounds of range() must not depend on the "
                                       "differentiable inputs.")
            for k in self.evaluate(s.iter):
                self.values[s.target.id] = k
                self.env.pop(s.target.id, None)
                self.block(s.body)

    # ---- if tests on the inputs: both branches are written, joined by copies -----------
    def _condition(self, node):
        """The test with its arithmetic lowered to operations (an ast for unparsing)."""
        if isinstance(node, ast.BoolOp):
            return ast.BoolOp(node.op, [self._condition(v) for v in node.values])
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return ast.UnaryOp(ast.Not(), self._condition(node.operand))
        if isinstance(node, ast.Compare):
            return ast.Compare(self._condition(node.left), node.ops,
                               [self._condition(c) for c in node.comparators])
        atom = self.lower(node)
        return ast.Constant(atom.value) if atom.is_const() else ast.Name(atom.render())

    def branch(self, s: ast.If):
        """Write ``if flag: ... else: ...``; names that differ get a fresh name in both."""
        flag = self.names.fresh("branch")
        self.emit(f"{flag} = {ast.unparse(self._condition(s.test))}")
        before = (self.env, self.values, self.lines, self.tape)
        arms = []
        self.depth += 1
        for body in (s.body, s.orelse):
            self.env, self.values, self.lines, self.tape = \
                dict(before[0]), dict(before[1]), [], []
            try:
                self.block(body)
            except _Return:
                raise self.fn.error(s, "in reverse mode a `return` inside an if on the inputs "
                                       "is not supported: assign the result to a name in "
                                       "both branches and return it after the if.",
                                    NotImplementedError) from None
            arms.append((self.env, self.values, self.lines, self.tape))
        env, values = {}, {}
        for name in sorted({n for arm in arms for n in (*arm[0], *arm[1])}):
            if all(name in arm[1] for arm in arms) and arms[0][1][name] == arms[1][1][name]:
                values[name] = arms[0][1][name]    # the same constant on both paths
                continue
            atoms = [arm[0][name] if name in arm[0] else
                     Sym.const(arm[1][name]) if name in arm[1] else None for arm in arms]
            if any(a is None for a in atoms):
                continue                           # assigned on one path only: undefined
            if atoms[0].key() == atoms[1].key():
                env[name] = atoms[0]
                continue
            joined = self.names.fresh(name)
            for atom, (_, _, lines, tape) in zip(atoms, arms):
                lines.append("    " * self.depth + f"{joined} = {_render(atom)}")
                tape.append((joined, _COPY, [atom]))
            env[name] = Sym.var(joined)
        self.depth -= 1
        self.env, self.values, self.lines, self.tape = env, values, before[2], before[3]
        self.emit(f"if {flag}:")
        self.lines.extend(arms[0][2] or ["    " * (self.depth + 1) + "pass"])
        if arms[1][2]:
            self.emit("else:")
            self.lines.extend(arms[1][2])
        self.tape.append(("if", flag, arms[0][3], arms[1][3]))

    def _adjoints(self, output: Sym, seed: str) -> dict:
        """Emit the reverse sweep; return each variable's adjoint (a name, or ``-name``).

        An adjoint that is a plain copy or negation of another (``t2_bar = t3_bar``,
        ``x_bar = -t4_bar``) is not given a line of its own: it is used where it is needed.
        """
        adj, owned = {}, set()
        if output.kind == "var":
            adj[output.value] = Sym.var(seed)

        def accumulate(var, term):
            if var not in adj:
                if term.kind == "var" or (term.kind == "neg" and term.args[0].kind == "var"):
                    adj[var] = term
                    return
                name = self.names.fresh(f"{var}_bar")
                self.emit(f"{name} = {_render(term)}")
            elif var not in owned:
                name = self.names.fresh(f"{var}_bar")
                self.emit(f"{name} = {_render(adj[var] + term)}")
            else:
                name = adj[var].value
                if term.kind == "neg":
                    self.emit(f"{name} -= {_render(term.args[0])}")
                else:
                    self.emit(f"{name} += {_render(term)}")
            adj[var] = Sym.var(name)
            owned.add(var)

        def own(var):
            """Give ``var`` an adjoint variable of its own (before an if block)."""
            if var in owned:
                return
            name = self.names.fresh(f"{var}_bar")
            self.emit(f"{name} = {_render(adj[var]) if var in adj else '0.0'}")
            adj[var] = Sym.var(name)
            owned.add(var)

        def sweep(tape):
            for entry in reversed(tape):
                if entry[0] == "if":
                    _, flag, *arms = entry
                    inside = {e[0] for arm in arms for e in _walk(arm)}
                    for var in sorted({a.value for arm in arms for e in _walk(arm)
                                       for a in e[2] if a.kind == "var"} - inside):
                        own(var)               # contributions from both arms add up in it
                    for keyword, arm in zip(("if", "else"), arms):
                        self.emit(f"if {flag}:" if keyword == "if" else "else:")
                        self.depth += 1
                        start = len(self.lines)
                        sweep(arm)
                        self.depth -= 1
                        if len(self.lines) == start:
                            if keyword == "else":
                                self.lines.pop()        # no else needed
                            else:
                                self.lines.append("    " * (self.depth + 1) + "pass")
                    continue
                name, rule, args = entry
                if name not in adj:
                    continue
                self.origin = self.origin_of.get(name)
                grouped: dict = {}
                for a, partial in zip(args, rule.partials):
                    if a.kind == "var":
                        grouped[a.value] = grouped.get(a.value, Sym.const(0)) + \
                            partial(*args, Sym.var(name))
                for var, coef in grouped.items():
                    accumulate(var, adj[name] * coef)

        sweep(self.tape)
        bars = []
        for p in self.params:
            if p not in adj:
                bars.append("0.0")
            elif p in owned:
                bars.append(adj[p].value)
            else:
                bars.append(self.names.fresh(f"{p}_bar"))
                self.emit(f"{bars[-1]} = {_render(adj[p])}")
        return bars

    def program(self) -> tuple:
        fn = self.fn
        name = f"{fn.name}_bar"
        try:
            self.block(fn.tree.body)
            raise self.fn.error(fn.tree.body[-1], "the function ends without `return`.",
                                ValueError)
        except _Return as r:
            output = r.atom
        seed = self.names.fresh(f"{output.value}_bar" if output.kind == "var" else "y_bar")
        body = self.lines
        self.lines = []
        bars = self._adjoints(output, seed)
        value = _render(output)
        tuple_text = f"({bars[0]},)" if len(bars) == 1 else f"({', '.join(bars)})"
        header = f"def {name}({', '.join(self.params + [f'{seed}=1.0'])}):"
        lines = [header, "    # forward sweep", *body, "    # reverse sweep", *self.lines,
                 f"    return {value}, {tuple_text}"]
        return name, _text_with_origins(lines)


# ---------------------------------------------------------------------------------------
# The callable
# ---------------------------------------------------------------------------------------
_ORIGINS: dict = {}      # generated file name -> the function's line behind each line


def _compile(name: str, text: str, namespace: dict, tag: str):
    filename = f"<source_transform {tag} {name} #{len(_ORIGINS) + 1}>"
    _ORIGINS[filename] = getattr(text, "origins", None)
    text = str(text)
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    exec(compile(text, filename, "exec"), namespace)
    return namespace[name], filename


_FLOAT = {float}


def _is_number(a) -> bool:
    return (type(a) is float or (isinstance(a, numbers.Real) and not isinstance(a, bool))
            or (isinstance(a, np.ndarray) and a.ndim == 0 and a.dtype.kind in "if"))


class Transformed:
    """A derivative program generated by :func:`source_transform` (or :func:`gradient_program`).

    Call it like the generated function; ``.source`` is the generated Python code, ``.mode``
    ``"forward"`` or ``"reverse"``, ``.original`` the function it was made from. In reverse
    mode the code is generated for the values of the arguments that are not differentiated
    (see the module docstring); :meth:`source_for` shows the code for given arguments.
    Chapter *Three ways to build AD*.

    >>> def f(x):
    ...     return x * x
    >>> source_transform(f, mode="reverse")(3.0)
    (9.0, (6.0,))
    """

    def __init__(self, f, mode: str = "forward", output: str = "both"):
        if mode not in ("forward", "reverse"):
            raise ValueError(f"mode must be 'forward' or 'reverse', got {mode!r}.")
        self.mode, self._output = mode, output
        self._fn = _Function(f)
        self._fn.validate()
        self.original = self._fn.f
        self.__name__ = f"{self._fn.name}_{'dot' if mode == 'forward' else 'bar'}"
        self.__doc__ = f"Generated by source_transform({self._fn.name}, mode={mode!r})."
        self._cache: dict = {}
        self._source = self._filename = None
        self._by_count: dict = {}
        self._n_forward = -1 if mode == "reverse" or self._fn.varargs else \
            2 * len(self._fn.inputs)
        self._signature = inspect.signature(self.original)
        namespace = dict(self._fn.globals, math=math, np=np)
        self._namespace = namespace
        self._free_values = self._fn.current()
        if mode == "forward":
            name, self._source = _Forward(self._fn).program()
            self._call, self._filename = _compile(name, self._source, namespace, mode)
        elif not self._fn.varargs:
            self._specialise(dict(self._fn.static), 0)

    @property
    def source(self) -> str:
        """The generated code (in reverse mode, for the last arguments it was called with)."""
        if self._source is None:
            return (f"# the reverse program of {self._fn.name} is generated when it is "
                    f"called (it depends on the number of *{self._fn.varargs} inputs): call "
                    "it, or use .source_for(*args).")
        return self._source

    def source_for(self, *args, **kwargs) -> str:
        """The generated code for these arguments (reverse mode: unrolled for them).

        >>> def f(*x):
        ...     s = 0.0
        ...     for i in range(len(x)):
        ...         s = s + x[i] * x[i]
        ...     return s
        >>> print(source_transform(f, mode="reverse").source_for(1.0, 2.0))
        def f_bar(x_0, x_1, s_1_bar=1.0):
            # forward sweep
            t1 = x_0 * x_0
            s = 0.0 + t1
            t2 = x_1 * x_1
            s_1 = s + t2
            # reverse sweep
            x_1_bar = s_1_bar * (x_1 + x_1)
            x_0_bar = s_1_bar * (x_0 + x_0)
            return s_1, (x_0_bar, x_1_bar)
        """
        if self.mode == "forward":
            return self._source
        statics, inputs = self._split(args, kwargs)
        return self._specialise(statics, len(inputs))[1]

    def _split(self, args, kwargs):
        """(static values, differentiable inputs) of a reverse-mode call."""
        fn = self._fn
        if fn.varargs:
            statics = dict(fn.static)
            unknown = set(kwargs) - set(statics)
            if unknown:
                raise TypeError(f"{self.__name__} got unexpected keyword arguments "
                                f"{sorted(unknown)}.")
            statics.update(kwargs)
            return statics, args
        try:
            bound = self._signature.bind(*args, **kwargs)
        except TypeError as err:
            raise TypeError(f"{self.__name__} takes the arguments of {fn.name}"
                            f"{self._signature}: {err}") from None
        bound.apply_defaults()
        statics = {k: bound.arguments[k] for k in fn.static}
        return statics, tuple(bound.arguments[k] for k in fn.inputs)

    def _specialise(self, statics: dict, n_varargs: int):
        try:
            key = (n_varargs, tuple(sorted(statics.items())))
            hash(key)
        except TypeError:
            key = None
        if key is not None and key in self._cache:
            entry = self._cache[key]
        else:
            name, text = _Reverse(self._fn, statics, n_varargs).program()
            fn, filename = _compile(name, text, dict(self._namespace), "reverse")
            entry = (fn, text, filename)
            if key is not None:
                self._cache[key] = entry
        self._call, self._source, self._filename = entry
        if not self._fn.static:           # then the number of inputs picks the program
            self._by_count[n_varargs or len(self._fn.inputs)] = entry[0]
        return entry[0], entry[1]

    def __repr__(self):
        return f"<source_transform({self._fn.name}, mode={self.mode!r})>"

    def _check_inputs(self, values, what):
        if set(map(type, values)) <= _FLOAT:
            return
        for i, a in enumerate(values):
            if type(a) is not float and not _is_number(a):
                raise TypeError(
                    f"{self.__name__}: {what} {i + 1} must be a real number, got "
                    f"{type(a).__name__}. The generated code works on Python floats; for "
                    "arrays use lecture_code.autodiff.jvp / grad.")

    def _follow_free_variables(self):
        """Globals and closure variables are read at call time, as by the function itself:
        when one has changed, the forward program sees the new value and the reverse
        programs (which fold such values in when they unroll) are generated again."""
        values = self._fn.current()
        if all(_same(a, b) for a, b in zip(values, self._free_values)):
            return
        self._free_values = values
        changed = dict(zip(self._fn.free, values))
        self._fn.globals.update(changed)
        self._namespace.update(changed)
        if self.mode == "reverse":
            self._cache.clear()
            self._by_count.clear()
            if not self._fn.varargs:
                self._specialise(dict(self._fn.static), 0)

    def __call__(self, *args, **kwargs):
        if self._fn.free:
            self._follow_free_variables()
        try:
            if (len(args) == self._n_forward and not kwargs
                    and set(map(type, args)) <= _FLOAT):      # the common case, kept cheap
                return self._finish(self._call(*args))
            if self.mode == "forward":
                return self._forward(args, kwargs)
            return self._reverse(args, kwargs)
        except (ZeroDivisionError, ValueError, OverflowError) as err:
            where = _raised_in(err)
            if isinstance(err, DomainError) or where is None:
                raise
            raise DomainError(
                f"{self._user_line(where)}the generated code failed at line {where[0]}, "
                f"`{where[1]}`: {err}. The function or its derivative is not defined at "
                "these inputs (division by zero, log or sqrt of a non-positive number, "
                "...).") from None

    def _user_line(self, where) -> str:
        """``f (file, line n: `text`): `` for the line of f behind a generated line."""
        fn = self._fn
        origins = _ORIGINS.get(where[2]) or []
        line = origins[where[0] - 1] if where[0] <= len(origins) else None
        if line is None:
            return f"{fn.name}: "
        text = fn.lines[line - 1].strip() if line <= len(fn.lines) else ""
        filename = fn.f.__code__.co_filename
        return f"{fn.name} ({filename}, line {fn.first_line + line - 1}: `{text}`): "

    def _forward(self, args, kwargs):
        fn = self._fn
        n_inputs = len(fn.inputs)
        if fn.varargs:
            if len(args) % 2:
                raise TypeError(f"{self.__name__} takes the inputs followed by their "
                                f"tangents (an even number of arguments), got {len(args)}.")
            n = len(args) // 2
            self._check_inputs(args, "argument")
            return self._finish(self._call(args[:n], args[n:], **kwargs))
        if len(args) < 2 * n_inputs:
            names = fn.inputs + [f"{p}_dot" for p in fn.inputs]
            raise TypeError(f"{self.__name__} takes the inputs followed by their tangents, "
                            f"({', '.join(names)}), got {len(args)} argument(s).")
        self._check_inputs(args[:2 * n_inputs], "argument")
        return self._finish(self._call(*args, **kwargs))

    def _reverse(self, args, kwargs):
        fast = not kwargs and self._by_count.get(len(args))
        if fast and set(map(type, args)) <= _FLOAT:       # the common case, kept cheap
            value, bars = self._finish(fast(*args, 1.0))
            return bars if self._output == "grad" else (value, bars)
        seed = kwargs.pop("y_bar", 1.0)
        statics, inputs = self._split(args, kwargs)
        if not inputs:
            raise TypeError(f"{self.__name__} needs the point: {self.__name__}(x1, ...).")
        self._check_inputs(inputs, "input")
        self._check_inputs((seed,), "the seed y_bar")
        call = self._call if (not self._fn.varargs and not self._fn.static) else \
            self._specialise(statics, len(inputs) if self._fn.varargs else 0)[0]
        value, bars = self._finish(call(*inputs, seed))
        return bars if self._output == "grad" else (value, bars)

    def _finish(self, result):
        value, derivative = result
        check = value + (sum(derivative) if type(derivative) is tuple else derivative)
        if type(check) is complex or check != check:
            raise DomainError(
                f"{self.original.__name__} or its derivative is not defined at these inputs "
                f"(got value {value!r}, derivative {derivative!r}); e.g. a negative number "
                "to a fractional power, or a NaN input.")
        return result


def _same(a, b):
    """Is ``a`` still ``b``? (Numbers and strings by value, anything else by identity.)"""
    return a is b or (type(a) is type(b) and isinstance(a, (numbers.Number, str))
                      and a == b)


def _raised_in(err):
    """``(line, text)`` of the generated code that raised ``err`` (None if it did not)."""
    tb, where = err.__traceback__, None
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.startswith("<source_transform "):
            where = (tb.tb_lineno, linecache.getline(filename, tb.tb_lineno).strip(),
                     filename)
        tb = tb.tb_next
    return where


def source_transform(f, mode: str = "forward") -> Transformed:
    """Generate the derivative program of ``f`` from its source text.

    Introduced in the chapter *Three ways to build AD*. ``f`` is a function of scalars
    defined with ``def`` (or its source text) using the subset of Python described in the
    module docstring; parameters with default values are constants (not differentiated).

    ``mode="forward"``: ``df(x1, ..., xn, x1_dot, ..., xn_dot)`` returns ``(value, tangent)``,
    the directional derivative along the tangents. ``mode="reverse"``: ``df(x1, ..., xn,
    y_bar=1.0)`` returns ``(value, (x1_bar, ..., xn_bar))``, the gradient times ``y_bar``.

    >>> def power(x, n=3):
    ...     y = 1.0
    ...     for k in range(n):
    ...         y = y * x
    ...     return y
    >>> dpower = source_transform(power)
    >>> print(dpower.source)
    def power_dot(x, x_dot, n=3):
        y = 1.0
        y_dot = 0.0
        for k in range(n):
            y_dot = y_dot * x + y * x_dot
            y = y * x
        return y, y_dot
    >>> dpower(2.0, 1.0)
    (8.0, 12.0)
    >>> source_transform(power, mode="reverse")(2.0)
    (8.0, (12.0,))
    """
    return Transformed(f, mode)


def gradient_program(f) -> Transformed:
    """The gradient function of ``f`` by the generated reverse program: a tuple of partials.

    Introduced in the chapter *Three ways to build AD*. ``gradient_program(f)(x1, ...)``
    returns ``(∂f/∂x1, ..., ∂f/∂xn)``; for ``f(*x)`` one partial per input. ``.source`` shows
    the generated code. (Not to be confused with :func:`lecture_code.autodiff.grad`, reverse
    mode by operator overloading, whose gradient has the shape of the argument.)

    >>> def rosenbrock(*x):
    ...     total = 0.0
    ...     for i in range(len(x) - 1):
    ...         total = total + 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    ...     return total
    >>> gradient_program(rosenbrock)(1.0, 2.0)
    (-400.0, 200.0)
    """
    return Transformed(f, "reverse", output="grad")
