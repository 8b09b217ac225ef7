"""Checkers for the exercises of the first four automatic-differentiation chapters.

Introduced in the chapters *Why derivatives, and why not divided differences*
(``check_newton``, ``check_central_difference``, ``check_optimal_forward_step``),
*Dual numbers* (``check_dual_div``, ``check_dual_inverse``, ``check_newton_dual``),
*Many variables and the chain rule* (``check_dual_program``, ``check_tangent_sweep``,
``check_gradient_one_pass``) and *Three ways to build AD* (``check_d_horner``,
``check_count_operations``, ``check_heron_sqrt``).

Each checker runs the student's function on a few inputs, compares with a reference and
returns a result that is truthy when everything matches and renders as a short report in a
notebook. It never raises because of the student's code: an exception, an unfinished stub
(``NotImplementedError``), a wrong value or a NaN all become a message saying which input
failed, what was expected, what came back, and a hint. Typical mistakes (a step that does not
scale with ``x``, a sign error in the quotient rule, ``sec`` instead of ``sec²``, a forgotten
tangent of the second input) get their own hint.

Example
-------
>>> def dual_div(a, b):
...     raise NotImplementedError("Exercise: implement dual_div")
>>> result = check_dual_div(dual_div)
>>> bool(result), "not implemented yet" in str(result)
(False, True)
"""
from __future__ import annotations

import ast
import inspect
import math
import textwrap

import numpy as np

from lecture_code.exercises.core import Case, as_float_array, check

__all__ = [
    "check_newton",
    "check_central_difference",
    "check_optimal_forward_step",
    "check_dual_div",
    "check_dual_inverse",
    "check_newton_dual",
    "check_dual_program",
    "check_tangent_sweep",
    "check_gradient_one_pass",
    "check_d_horner",
    "check_count_operations",
    "check_heron_sqrt",
    "LECTURE_GRAPH",
    "while_power",
]

_EPS = float(np.finfo(float).eps)


def _pair(got):
    """A student's (value, tangent) pair, or a Dual, as two floats (None if neither)."""
    if hasattr(got, "primal") and hasattr(got, "tangent"):
        return float(np.asarray(got.primal)), float(np.asarray(got.tangent))
    if isinstance(got, (tuple, list)) and len(got) == 2:
        return float(got[0]), float(got[1])
    return None


def _compare_pair(rtol):
    def compare(case, got):
        try:
            pair = _pair(got)
        except (TypeError, ValueError):
            pair = None
        if pair is None:
            return (f"expected a pair (value, tangent), got {type(got).__name__} "
                    f"{got!r:.60}.")
        expected = case.expected
        for part, g, e in zip(("value", "tangent"), pair, expected):
            if not np.isfinite(g):
                return f"the {part} is {g}: expected {e:.12g}."
            if abs(g - e) > rtol * max(1.0, abs(e)):
                return f"the {part} is {g:.12g}, expected {e:.12g}."
        return None
    return compare


# ---------------------------------------------------------------------------------------
# Why derivatives, and why not divided differences
# ---------------------------------------------------------------------------------------
_NEWTON_PROBLEMS = [
    ("x³ − 2 from x0 = 1", lambda x: x**3 - 2, lambda x: 3 * x**2, 1.0, 2 ** (1 / 3)),
    ("cos x − x from x0 = 1", lambda x: math.cos(x) - x, lambda x: -math.sin(x) - 1, 1.0,
     0.7390851332151607),
    ("eˣ − 3 from x0 = 0", lambda x: math.exp(x) - 3, math.exp, 0.0, math.log(3.0)),
]


def check_newton(newton):
    """Check ``newton(f, fprime, x0, tol=1e-12, max_iter=50) -> root``.

    Introduced in the chapter *Why derivatives, and why not divided differences*. Also checks
    that a flat tangent raises ``ZeroDivisionError`` and a hopeless start ``RuntimeError``.

    A wrong attempt and the feedback it gets (the first lines):

    >>> def newton(f, fprime, x0, tol=1e-12, max_iter=50):
    ...     return x0
    >>> print(check_newton(newton))  # doctest: +ELLIPSIS
    [FAIL] newton: 5 of 5 cases fail.
      - x³ − 2 from x0 = 1: returned 1.0, expected the root 1.2599210498948732....
    """
    cases = [Case((f, df, x0), root, label=label) for label, f, df, x0, root in _NEWTON_PROBLEMS]

    def flat(newton_fn):
        return _expect_raise(newton_fn, (lambda x: x**2 + 1, lambda x: 2 * x, 0.0),
                             ZeroDivisionError)

    def hopeless(newton_fn):
        return _expect_raise(newton_fn, (lambda x: x**2 + 1, lambda x: 2 * x, 0.5),
                             RuntimeError)

    cases.append(Case((flat,), "raised", label="x² + 1 from x0 = 0 (f'(0) = 0)",
                      hint="check `fprime(x) == 0` before dividing and raise "
                           "ZeroDivisionError with a message."))
    cases.append(Case((hopeless,), "raised", label="x² + 1 from x0 = 0.5 (no real root)",
                      hint="after max_iter iterations without |f(x)| <= tol, raise "
                           "RuntimeError."))

    def run(*args):
        if len(args) == 1:
            return args[0](newton)
        f, df, x0 = args
        return newton(f, df, x0)

    def compare(case, got):
        if case.expected == "raised":
            return None if got == "raised" else f"{got}."
        try:
            got = float(got)
        except (TypeError, ValueError):
            return f"expected a float root, got {type(got).__name__}."
        if not abs(got - case.expected) <= 1e-10 * max(1.0, abs(case.expected)):
            return f"returned {got!r}, expected the root {case.expected!r}."
        return None

    return check(run, cases, name="newton", compare=compare, diagnose=_diagnose_newton,
                 hint="replace f by its tangent line at x_k and take the zero of that line as the "
                      "next x; test |f(x)| against tol before each step.")


def _expect_raise(fn, args, error):
    try:
        fn(*args)
    except error:
        return "raised"
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - reported to the student
        return f"raised {type(exc).__name__} instead of {error.__name__}"
    return f"returned instead of raising {error.__name__}"


def _diagnose_newton(case, got):
    if len(case.args) != 3 or not isinstance(got, (int, float)):
        return None
    f, df, x0 = case.args
    if got == x0:
        return "the start x0 came back: did you update x inside the loop?"
    x1 = x0 - f(x0) / df(x0)
    if got == x1:
        return "that is the first Newton iterate: keep iterating until |f(x)| <= tol."
    if math.isclose(got, x0 + f(x0) / df(x0)):
        return "the step has the wrong sign: x_new = x - f(x) / f'(x)."
    return None


_CENTRAL_CASES = [
    ("x³ at x = 1", lambda x: x**3, 1.0, 3.0),
    ("sin at x = 0.3", math.sin, 0.3, math.cos(0.3)),
    ("exp at x = 2", math.exp, 2.0, math.exp(2.0)),
    ("log at x = 0.5", math.log, 0.5, 2.0),
    ("x³ at x = 1e6", lambda x: x**3, 1e6, 3e12),
    ("sqrt at x = 1e4", math.sqrt, 1e4, 0.005),
]


def check_central_difference(central_diff):
    """Check ``central_diff(f, x)``: a central difference with a well-chosen step.

    Introduced in the chapter *Why derivatives, and why not divided differences*. Each result
    must be within ``1e-9`` relative of the exact derivative (the best central difference
    reaches about ``1e-11``).

    A wrong attempt and the feedback it gets (the first lines):

    >>> def central_diff(f, x):
    ...     h = 1e-8
    ...     return (f(x + h) - f(x)) / h
    >>> print(check_central_difference(central_diff))  # doctest: +ELLIPSIS
    [FAIL] central_diff: 6 of 6 cases fail.
      - x³ at x = 1: returned 3.0000000039720476, expected 3.0.
        Hint: that is a forward difference (f(x + h) − f(x)) / h: ...
    """
    cases = []
    for label, f, x, exact in _CENTRAL_CASES:
        hint = None
        if abs(x) > 10:
            hint = ("at large |x| a fixed h is lost in rounding (x + h == x when h < ε|x|): "
                    "scale h with max(1, |x|).")
        cases.append(Case((f, x), exact, label=label, hint=hint))
    return check(central_diff, cases, name="central_diff", rtol=1e-9, atol=0.0,
                 diagnose=_diagnose_central,
                 hint="the truncation error of the central difference is O(h²) and its rounding "
                      "error O(ε/h): balance the two to choose h, and let h grow with |x| (a "
                      "relative step).")


def _diagnose_central(case, got):
    f, x = case.args
    try:
        got = float(got)
    except (TypeError, ValueError):
        return None
    for h in (1e-8 * max(1.0, abs(x)), math.sqrt(_EPS) * max(1.0, abs(x)), 1e-8, 1e-7):
        if x + h != x and got == (f(x + h) - f(x)) / h:
            return ("that is a forward difference (f(x + h) − f(x)) / h: the central one is "
                    "(f(x + h) − f(x − h)) / (2h) and allows a larger h.")
    for h in (1e-5, 1e-6, _EPS ** (1 / 3)):
        if x + h != x and got == (f(x + h) - f(x - h)) / h:
            return "you divided by h: the two points are 2h apart, divide by 2h."
    if abs(x) > 10 and math.isclose(got, 0.0, abs_tol=1e-300):
        return "0: x + h == x in floating point, so h is far too small for this x."
    return None


def check_optimal_forward_step(optimal_forward_step):
    """Check ``optimal_forward_step(f_value, second_derivative) -> h*``.

    Introduced in the chapter *Why derivatives, and why not divided differences*: the
    minimiser of ``E(h) = h/2·|f''| + ε|f|/h`` is ``sqrt(2ε|f|/|f''|)``.

    A wrong attempt and the feedback it gets (the first lines):

    >>> def optimal_step(f_value, second_derivative):
    ...     return 1e-8
    >>> print(check_optimal_forward_step(optimal_step))  # doctest: +ELLIPSIS
    [FAIL] optimal_forward_step: 4 of 4 cases fail.
      - f(x) = 1, f''(x) = 6: returned 1e-08, expected 8.603189426505949e-09....
    """
    cases = [Case((fv, d2), math.sqrt(2 * _EPS * abs(fv) / abs(d2)),
                  label=f"f(x) = {fv:g}, f''(x) = {d2:g}")
             for fv, d2 in [(1.0, 6.0), (8.0, 12.0), (1e3, 1.0), (-2.0, -0.5)]]
    return check(optimal_forward_step, cases, name="optimal_forward_step", rtol=1e-9,
                 atol=0.0, diagnose=_diagnose_optimal,
                 hint="write the total error as truncation plus rounding, E(h) = |f''|·h/2 + "
                      "ε|f|/h, set E'(h) = 0 and solve for h.")


def _diagnose_optimal(case, got):
    fv, d2 = case.args
    try:
        got = float(got)
    except (TypeError, ValueError):
        return None
    if math.isclose(got, math.sqrt(_EPS)):
        return "√ε is the order of magnitude only: include the factor sqrt(2|f| / |f''|)."
    if math.isclose(got, math.sqrt(_EPS * abs(fv) / abs(d2))):
        return "a factor √2 is missing: the truncation term is h/2·|f''|."
    if np.isnan(got):
        return "NaN: take absolute values of f(x) and f''(x) before the square root."
    return None


# ---------------------------------------------------------------------------------------
# Dual numbers
# ---------------------------------------------------------------------------------------
def check_dual_div(dual_div):
    """Check ``dual_div(a, b)`` for dual numbers given as pairs ``(value, tangent)``.

    Introduced in the chapter *Dual numbers*: ``(a + ȧd) / (b + ḃd) = a/b + (ȧb − aḃ)/b² d``.

    A wrong attempt and the feedback it gets (the first lines):

    >>> def dual_div(a, b):
    ...     return a[0] / b[0], a[1] / b[1]
    >>> print(check_dual_div(dual_div))  # doctest: +ELLIPSIS
    [FAIL] dual_div: 4 of 4 cases fail.
      - a = (1.0, 1.0), b = (2.0, 0.0): your code raised ZeroDivisionError: float division by zero (in dual_div, line 2)....
    """
    cases = []
    for a, b in [((1.0, 1.0), (2.0, 0.0)), ((3.0, 0.0), (2.0, 1.0)), ((1.5, -2.0), (0.5, 3.0)),
                 ((-4.0, 0.25), (-8.0, 2.0))]:
        expected = (a[0] / b[0], (a[1] * b[0] - a[0] * b[1]) / b[0] ** 2)
        cases.append(Case((a, b), expected, label=f"a = {a}, b = {b}"))
    return check(dual_div, cases, name="dual_div", compare=_compare_pair(1e-12),
                 diagnose=_diagnose_div,
                 hint="multiply numerator and denominator by the conjugate b − ḃd and use d² = 0: "
                      "the denominator becomes the real number b², and the d part of the numerator"
                      " over b² is the tangent.")


def _diagnose_div(case, got):
    (a, da), (b, db) = case.args
    try:
        pair = _pair(got)
    except (TypeError, ValueError):
        return None
    if pair is None:
        return None
    t = pair[1]
    if math.isclose(t, (da * b + a * db) / b**2, abs_tol=1e-15) and a * db != 0:
        return "sign error: the quotient rule has a minus, ȧb − aḃ."
    if math.isclose(t, (da * b - a * db) / b, abs_tol=1e-15) and b != 1:
        return "divide by b², not by b."
    if math.isclose(t, da / db if db else math.inf):
        return "the tangent is not ȧ/ḃ: expand (a + ȧd)/(b + ḃd) with d² = 0."
    return None


def _inverse_problems():
    """(label, f built from the package's functions, f', its inverse, y values)."""
    from lecture_code.autodiff import exp, sin
    return [
        ("f = exp (the inverse is log)", exp, math.exp, math.log, (0.5, 2.0, 20.0)),
        ("f(x) = x³ + x", lambda x: x ** 3 + x, lambda x: 3 * x * x + 1, None, (2.0, -10.0)),
        ("f(x) = x + sin(x)/2", lambda x: x + sin(x) / 2, lambda x: 1 + math.cos(x) / 2, None,
         (0.3, 4.0)),
    ]


def _solve_inverse(fprime, f_float, y):
    x = 0.0 if y < 0 else min(y, 3.0)
    for _ in range(200):
        step = (f_float(x) - y) / fprime(x)
        x -= step
        if abs(step) <= 1e-15 * max(1.0, abs(x)):
            break
    return x


def check_dual_inverse(dual_inverse):
    """Check ``dual_inverse(f, y) -> Dual``: the x with f(x) = y, as a dual number, for a dual y.

    Introduced in the chapter *Dual numbers* (derivation exercise: the inverse function rule).
    ``f`` is built from the package's functions, so it accepts ``Dual`` inputs; ``y`` is a
    ``Dual`` with tangent ẏ. The value must solve f(x) = y.primal and the tangent must be
    ẋ = ẏ / f'(x), which follows from f(x + ẋd) = f(x) + f'(x)ẋd = y + ẏd.

    A wrong attempt and the feedback it gets (the first lines):

    >>> from lecture_code.autodiff import Dual, derivative
    >>> def dual_inverse(f, y):
    ...     x = y.primal
    ...     for _ in range(100):
    ...         x = x - (f(x) - y.primal) / derivative(f, x)
    ...     return Dual(x, y.tangent * derivative(f, x))
    >>> print(check_dual_inverse(dual_inverse))  # doctest: +ELLIPSIS
    [FAIL] dual_inverse: ...
        Hint: you multiplied by f'(x)...
    """
    from lecture_code.autodiff.dual import Dual

    cases = []
    for label, f, fprime, inverse, ys in _inverse_problems():
        f_float = (lambda g: (lambda x: float(np.asarray(getattr(g(x), "primal", g(x))))))(f)
        for y in ys:
            x = inverse(y) if inverse else _solve_inverse(fprime, f_float, y)
            for dy in (1.0, -2.5):
                cases.append(Case((f, y, dy), (x, dy / fprime(x)),
                                  label=f"{label}, y = {y} + {dy}·d"))

    def run(f, y, dy):
        return dual_inverse(f, Dual(y, dy))

    def diagnose(case, got):
        f, y, dy = case.args
        try:
            pair = _pair(got)
        except (TypeError, ValueError):
            return "return a Dual: x as the primal part, ẋ as the tangent."
        if pair is None:
            return "return a Dual: x as the primal part, ẋ as the tangent."
        x, t = pair
        x_true, t_true = case.expected
        if not math.isclose(x, x_true, rel_tol=1e-9, abs_tol=1e-12):
            return "the value does not solve f(x) = y: iterate Newton's method to convergence."
        fp = dy / t_true
        if math.isclose(t, dy * fp, rel_tol=1e-9):
            return ("you multiplied by f'(x); expand f(x + ẋd) = f(x) + f'(x)ẋd, set it equal "
                    "to y + ẏd and solve for ẋ.")
        if math.isclose(t, dy, rel_tol=1e-12) and not math.isclose(fp, 1.0):
            return "the tangent is ẏ unchanged: it must pass through the inverse's derivative."
        if t == 0.0:
            return ("the tangent is 0: the Newton iterations on plain floats carry no tangent; "
                    "attach it at the end with the rule you derived.")
        return None

    return check(run, cases, name="dual_inverse", compare=_compare_pair(1e-9),
                 diagnose=diagnose,
                 hint="solve f(x) = y.primal for x with Newton's method on floats, getting f'(x) "
                      "from derivative(f, x); then compare the d parts of both sides of f(x + ẋd) "
                      "= y + ẏd to find ẋ: your answer is the dual number with primal part x and "
                      "tangent ẋ.")

def check_newton_dual(newton_dual):
    """Check ``newton_dual(f, x0) -> root`` that gets ``f'`` from dual numbers.

    Introduced in the chapter *Dual numbers*. The test functions include one with a loop and
    an ``if``, written with :mod:`math`-free code that dual numbers can run.

    A wrong attempt and the feedback it gets (the first lines):

    >>> def newton_dual(f, x0, tol=1e-12, max_iter=50):
    ...     return x0
    >>> print(check_newton_dual(newton_dual))  # doctest: +ELLIPSIS
    [FAIL] newton_dual: 3 of 3 cases fail.
      - x³ − 2 from x0 = 1: f(root) = -1: that is not a root (|f| should be ≤ 1e-10)....
    """
    from lecture_code.autodiff import cos, sin

    def loopy(x):
        y = x
        for k in range(1, 4):
            y = y - 0.1 * k * sin(y) if y > 0 else y + 0.1 * k * cos(y)
        return y**3 - x - 1.0

    problems = [("x³ − 2 from x0 = 1", lambda x: x**3 - 2, 1.0),
                ("x⁵ + x − 3 from x0 = 1", lambda x: x**5 + x - 3, 1.0),
                ("a function with a loop and an if, from x0 = 2", loopy, 2.0)]
    cases = [Case((f, x0), None, label=label) for label, f, x0 in problems]

    def compare(case, got):
        f = case.args[0]
        try:
            value = float(f(float(got)))
        except (TypeError, ValueError):
            return f"expected a float root, got {type(got).__name__}."
        if not abs(value) <= 1e-10:
            return f"f(root) = {value:.3g}: that is not a root (|f| should be ≤ 1e-10)."
        return None

    return check(newton_dual, cases, name="newton_dual", compare=compare,
                 hint="Newton's step needs f'(x): get it from one dual evaluation of f (the "
                      "package's derivative) instead of a formula; stop when |f(x)| <= tol.")


# ---------------------------------------------------------------------------------------
# Many variables and the chain rule
# ---------------------------------------------------------------------------------------
def _g(x1, x2):
    """The exercise's function g(x1, x2) = sin(x1·x2) + exp(x1)."""
    return math.sin(x1 * x2) + math.exp(x1)


def _dg(x1, x2, dx1, dx2):
    return math.cos(x1 * x2) * (dx1 * x2 + x1 * dx2) + math.exp(x1) * dx1


def check_dual_program(dual_program):
    """Check ``dual_program(x1, x2, dx1, dx2) -> (value, tangent)`` for ``sin(x1·x2) + exp(x1)``.

    Introduced in the chapter *Many variables and the chain rule*: the student writes the
    dual program line by line (``w3 = w1 * w2``, ``dw3 = dw1 * w2 + w1 * dw2``, ...).

    A wrong attempt and the feedback it gets (the first lines):

    >>> def dual_program(x1, x2, dx1, dx2):
    ...     return 0.0, 0.0
    >>> print(check_dual_program(dual_program))  # doctest: +ELLIPSIS
    [FAIL] dual_program: 4 of 4 cases fail.
      - (x1, x2) = (1.0, 2.0), seed (ẋ1, ẋ2) = (1.0, 0.0): the value is 0, expected 3.62757925528....
    """
    cases = []
    for (x1, x2), (dx1, dx2) in [((1.0, 2.0), (1.0, 0.0)), ((1.0, 2.0), (0.0, 1.0)),
                                 ((0.5, -1.5), (1.0, 1.0)), ((-0.7, 0.3), (2.0, -3.0))]:
        cases.append(Case((x1, x2, dx1, dx2), (_g(x1, x2), _dg(x1, x2, dx1, dx2)),
                          label=f"(x1, x2) = ({x1}, {x2}), seed (ẋ1, ẋ2) = ({dx1}, {dx2})"))
    return check(dual_program, cases, name="dual_program", compare=_compare_pair(1e-12),
                 diagnose=_diagnose_dual_program,
                 hint="write one tangent line beside each value line: apply the rules table to "
                      "that line's operation, with the tangents of its inputs.")


def _diagnose_dual_program(case, got):
    x1, x2, dx1, dx2 = case.args
    try:
        pair = _pair(got)
    except (TypeError, ValueError):
        return None
    if pair is None:
        return None
    t = pair[1]
    if dx2 and math.isclose(t, _dg(x1, x2, dx1, 0.0)):
        return "the contribution of ẋ2 is missing: ẇ3 = ẇ1·w2 + w1·ẇ2 (product rule)."
    if dx1 and math.isclose(t, _dg(x1, x2, 0.0, dx2)):
        return "the contribution of ẋ1 is missing (check ẇ3 and the exp term)."
    if math.isclose(t, math.cos(x1 * x2) + math.exp(x1) * dx1):
        return "the chain rule for sin needs the inner tangent: ẇ4 = cos(w3)·ẇ3."
    return None


#: The lecture's evaluation trace of f(x1, x2) = x1·x2 + sin(x1) as plain data; each entry
#: is (name, rule name in lecture_code.autodiff.rules.RULES, input names).
LECTURE_GRAPH = [("w3", "multiply", ("w1", "w2")),
                 ("w4", "sin", ("w1",)),
                 ("w5", "add", ("w3", "w4"))]

_SWEEP_GRAPHS = {
    "x1·x2 + sin(x1)": LECTURE_GRAPH,
    "exp(x1 / x2) − x2²": [("w3", "divide", ("w1", "w2")), ("w4", "exp", ("w3",)),
                           ("w5", "square", ("w2",)), ("w6", "subtract", ("w4", "w5"))],
    "log(x1) · cos(x1·x2)": [("w3", "log", ("w1",)), ("w4", "multiply", ("w1", "w2")),
                             ("w5", "cos", ("w4",)), ("w6", "multiply", ("w3", "w5"))],
}


def _reference_sweep(graph, values, tangents):
    from lecture_code.autodiff.rules import RULES

    values, tangents = dict(values), dict(tangents)
    for name, op, inputs in graph:
        rule = RULES[op]
        args = [values[i] for i in inputs]
        out = float(rule.fn(*args))
        values[name] = out
        tangents[name] = sum(float(p(*args, out)) * tangents[i]
                             for p, i in zip(rule.partials, inputs))
    return tangents


def check_tangent_sweep(tangent_sweep):
    """Check ``tangent_sweep(graph, values, tangents) -> dict`` of the tangents of every node.

    Introduced in the chapter *Many variables and the chain rule*. ``graph`` is a list of
    ``(name, rule_name, input_names)`` in evaluation order (like :data:`LECTURE_GRAPH`);
    ``values`` and ``tangents`` map the input names (``"w1"``, ``"w2"``) to floats. The
    student computes each node's value with ``RULES[rule_name].fn`` and its tangent with the
    rule's partials: ``ẇ = Σ_i ∂w/∂input_i · ẇ_input_i``.

    A wrong attempt and the feedback it gets (the first lines):

    >>> def tangent_sweep(graph, values, tangents):
    ...     return dict(tangents)
    >>> print(check_tangent_sweep(tangent_sweep))  # doctest: +ELLIPSIS
    [FAIL] tangent_sweep: 6 of 6 cases fail.
      - x1·x2 + sin(x1) at (x1, x2) = (1.5, 0.5), seed (1.0, 0.0): the tangent of w3 is missing from the returned dict....
    """
    cases = []
    for label, graph in _SWEEP_GRAPHS.items():
        for x, dx in [((1.5, 0.5), (1.0, 0.0)), ((0.7, 2.0), (0.5, -1.0))]:
            values, tangents = {"w1": x[0], "w2": x[1]}, {"w1": dx[0], "w2": dx[1]}
            cases.append(Case((graph, values, tangents),
                              _reference_sweep(graph, values, tangents),
                              label=f"{label} at (x1, x2) = {x}, seed {dx}"))

    def compare(case, got):
        if not isinstance(got, dict):
            return f"expected a dict mapping node names to tangents, got {type(got).__name__}."
        for name, expected in case.expected.items():
            if name not in got:
                return f"the tangent of {name} is missing from the returned dict."
            try:
                value = float(got[name])
            except (TypeError, ValueError):
                return f"the tangent of {name} is {got[name]!r:.40}, not a number."
            if not abs(value - expected) <= 1e-12 * max(1.0, abs(expected)):
                op = next((f"{o}{tuple(i)}" for n, o, i in case.args[0] if n == name), "input")
                return (f"ẇ for {name} = {op} is {value:.12g}, expected {expected:.12g} "
                        "(the earlier nodes are right).")
        return None

    return check(tangent_sweep, cases, name="tangent_sweep", compare=compare,
                 hint="visit the nodes in order; for each, the value is the rule's function of the"
                      " input values, and the tangent sums each input's tangent times the rule's "
                      "partial derivative for that input.")


def check_gradient_one_pass(gradient_one_pass):
    """Check ``gradient_one_pass(f, x) -> ∇f(x)`` with ONE evaluation of ``f`` (vector mode).

    Introduced in the chapter *Many variables and the chain rule*. ``f`` takes its inputs as
    separate arguments, ``f(*x)``; the student seeds input ``i`` with a ``Dual`` whose tangent
    is the unit vector ``e_i`` (an array), so one pass carries all ``n`` directional
    derivatives. The checker counts the calls of ``f``.

    A wrong attempt and the feedback it gets (the first lines):

    >>> from lecture_code.autodiff import Dual
    >>> def gradient_one_pass(f, x):
    ...     return f(*[Dual(xi, 1.0) for xi in x]).tangent
    >>> print(check_gradient_one_pass(gradient_one_pass))  # doctest: +ELLIPSIS
    [FAIL] gradient_one_pass: ...
        Hint: a single number is ONE directional derivative...
    """
    from lecture_code.autodiff import exp, sin, sqrt

    problems = [
        ("x1·x2 + sin(x1)", lambda a, b: a * b + sin(a),
         lambda a, b: (b + math.cos(a), a), (1.0, 2.0)),
        ("sin(x1·x2) + exp(x1)", lambda a, b: sin(a * b) + exp(a),
         lambda a, b: (math.cos(a * b) * b + math.exp(a), math.cos(a * b) * a), (0.5, -1.5)),
        ("x1·x2·x3 − x3²", lambda a, b, c: a * b * c - c * c,
         lambda a, b, c: (b * c, a * c, a * b - 2 * c), (1.0, 2.0, 3.0)),
        ("√(x1² + ... + x5²)", lambda *x: sqrt(sum(xi * xi for xi in x)),
         lambda *x: tuple(xi / math.sqrt(sum(t * t for t in x)) for xi in x),
         (1.0, -2.0, 0.5, 3.0, 1.5)),
    ]
    calls = {}
    cases = []
    for label, f, grad, x in problems:
        cases.append(Case((f, list(x)), np.array(grad(*x)), label=f"{label} at x = {x}"))

    def run(f, x):
        count = [0]

        def counted(*args):
            count[0] += 1
            return f(*args)
        result = gradient_one_pass(counted, x)
        calls[id(f)] = count[0]
        return result

    def compare(case, got):
        from lecture_code.exercises.core import compare_values
        message = compare_values(as_float_array(got) if as_float_array(got) is not None
                                 else got, case.expected, 1e-12, 1e-12)
        if message:
            return message
        used = calls.get(id(case.args[0]), 1)
        if used != 1:
            return (f"the right gradient, but f was evaluated {used} times: one pass with "
                    "vector tangents is enough.")
        return None

    def diagnose(case, got):
        f, x = case.args
        if hasattr(got, "tangent"):
            return "you returned the Dual output itself: the gradient is its .tangent."
        g = as_float_array(got)
        if g is not None and g.ndim == 0:
            return ("a single number is ONE directional derivative (the sum of the partials "
                    "if every tangent is 1). Give input i the tangent e_i, the i-th unit "
                    "VECTOR, and the output's tangent is the whole gradient.")
        return None

    return check(run, cases, name="gradient_one_pass", compare=compare, diagnose=diagnose,
                 hint="the rules of the table are linear in the tangents, so a tangent can be "
                      "an array: seed x[i] as Dual(x[i], np.eye(n)[i]), call f once, and read "
                      "the output's tangent (an array of n partial derivatives).")


# ---------------------------------------------------------------------------------------
# Three ways to build AD
# ---------------------------------------------------------------------------------------
_HORNER = (2.0, -3.0, 0.5, 1.0)


def _horner(x):
    y = 0.0
    for c in _HORNER:
        y = y * x + c
    return y


def _d_horner(x, dx):
    y, dy = 0.0, 0.0
    for c in _HORNER:
        y, dy = y * x + c, dy * x + y * dx
    return y, dy


def check_d_horner(d_horner):
    """Check ``d_horner(x, dx) -> (y, dy)``, hand-written forward-mode source of ``horner``.

    Introduced in the chapter *Three ways to build AD*. ``horner(x)`` evaluates
    ``2x³ − 3x² + 0.5x + 1`` with a loop over the coefficients ``(2, −3, 0.5, 1)``.

    A wrong attempt and the feedback it gets (the first lines):

    >>> def d_horner(x, dx):
    ...     return 0.0, 0.0
    >>> print(check_d_horner(d_horner))  # doctest: +ELLIPSIS
    [FAIL] d_horner: 4 of 4 cases fail.
      - x = 0.0, ẋ = 1.0: the value is 0, expected 1....
    """
    cases = [Case((x, dx), _d_horner(x, dx), label=f"x = {x}, ẋ = {dx}")
             for x, dx in [(0.0, 1.0), (1.0, 1.0), (2.0, 1.0), (-1.5, 2.0)]]
    return check(d_horner, cases, name="d_horner", compare=_compare_pair(1e-12),
                 diagnose=_diagnose_horner,
                 hint="differentiate the loop body with the product rule, and compute the new "
                      "tangent BEFORE the value it reads is overwritten.")


def _diagnose_horner(case, got):
    x, dx = case.args
    try:
        pair = _pair(got)
    except (TypeError, ValueError):
        return None
    if pair is None:
        return None
    y, dy = 0.0, 0.0
    for c in _HORNER:
        y = y * x + c
        dy = dy * x + y * dx
    if math.isclose(pair[1], dy) and not math.isclose(dy, case.expected[1]):
        return ("dy uses the NEW y: in source transformation the tangent line must read the "
                "old value, so put it before y is overwritten (or use a temporary).")
    return None


class _Counter:
    """A reference operation counter (the checker's own answer)."""

    count = 0

    def __init__(self, value):
        self.value = value

    def _op(self, other, fn):
        _Counter.count += 1
        other = other.value if isinstance(other, _Counter) else other
        return _Counter(fn(self.value, other))

    def __add__(self, other):
        return self._op(other, lambda a, b: a + b)

    def __radd__(self, other):
        return self._op(other, lambda a, b: b + a)

    def __sub__(self, other):
        return self._op(other, lambda a, b: a - b)

    def __rsub__(self, other):
        return self._op(other, lambda a, b: b - a)

    def __mul__(self, other):
        return self._op(other, lambda a, b: a * b)

    def __rmul__(self, other):
        return self._op(other, lambda a, b: b * a)

    def __truediv__(self, other):
        return self._op(other, lambda a, b: a / b)

    def __rtruediv__(self, other):
        return self._op(other, lambda a, b: b / a)

    def __lt__(self, other):
        return self.value < (other.value if isinstance(other, _Counter) else other)

    def __gt__(self, other):
        return self.value > (other.value if isinstance(other, _Counter) else other)


def _reference_count(f, x):
    _Counter.count = 0
    f(_Counter(x))
    return _Counter.count


def _collatz_like(x):
    steps = 0
    while x > 1.0:
        x = x / 2 if steps % 2 == 0 else x - 0.5
        steps += 1
    return x


_COUNT_PROBLEMS = [
    ("x·x + 3·x − 1", lambda x: x * x + 3 * x - 1, 2.0),
    ("1 / (1 + x)", lambda x: 1 / (1 + x), 0.5),
    ("x³ by a loop of 10 multiplications", lambda x: _loop_mul(x, 10), 1.1),
    ("a while loop whose length depends on x = 40", _collatz_like, 40.0),
    ("the same while loop at x = 3", _collatz_like, 3.0),
]


def _loop_mul(x, n):
    y = 1.0
    for _ in range(n):
        y = y * x
    return y


def check_count_operations(count_operations):
    """Check ``count_operations(f, x) -> int``: arithmetic operations ``f`` performs at ``x``.

    Introduced in the chapter *Three ways to build AD*: the student builds a tiny
    operator-overloading class (``__add__``, ``__radd__``, ``__sub__``, ``__rsub__``,
    ``__mul__``, ``__rmul__``, ``__truediv__``, ``__rtruediv__`` counting one each, and
    ``__lt__``/``__gt__`` comparing values without counting). Programs include loops whose
    length depends on ``x``, which operator overloading follows at run time.

    A wrong attempt and the feedback it gets (the first lines):

    >>> def count_operations(f, x):
    ...     return 0
    >>> print(check_count_operations(count_operations))  # doctest: +ELLIPSIS
    [FAIL] count_operations: 5 of 5 cases fail.
      - x·x + 3·x − 1: counted 0 operations, expected 4....
    """
    cases = [Case((f, x), _reference_count(f, x), label=label) for label, f, x in _COUNT_PROBLEMS]

    def compare(case, got):
        if isinstance(got, bool) or not isinstance(got, (int, np.integer)):
            return f"expected an int (the number of operations), got {type(got).__name__}."
        if got != case.expected:
            return f"counted {got} operations, expected {case.expected}."
        return None

    return check(count_operations, cases, name="count_operations", compare=compare,
                 hint="count one operation in each arithmetic method (both the normal and the "
                      "reflected one, e.g. 3 * x calls __rmul__); comparisons do not count; "
                      "reset the counter at the start of count_operations.")


def while_power(x, n=5):
    """``x**n`` computed with a ``while`` loop (source transformation rejects ``while``).

    Introduced in the chapter *Three ways to build AD*, where ``source_transform`` rejects it
    and operator overloading differentiates it.

    >>> while_power(2.0)
    32.0
    """
    y, k = 1.0, 0
    while k < n:
        y = y * x
        k = k + 1
    return y


def check_heron_sqrt(heron_sqrt):
    """Check ``heron_sqrt(x)``: Heron's iteration for √x, written so that source
    transformation accepts it (a ``for`` loop with a derived number of steps, no ``while``).

    Introduced in the chapter *Three ways to build AD*. For x in [0.25, 4] the value must be
    √x and the derivative that :func:`lecture_code.autodiff.source.source_transform` writes
    for the student's code must be 1/(2√x), both to about 1e-14 relative.

    A wrong attempt and the feedback it gets (the first lines):

    >>> def heron_sqrt(x):
    ...     y = (1.0 + x) / 2
    ...     for k in range(3):
    ...         y = (y + x / y) / 2
    ...     return y
    >>> print(check_heron_sqrt(heron_sqrt))  # doctest: +ELLIPSIS
    [FAIL] heron_sqrt: ...
        Hint: not converged yet...
    """
    from lecture_code.autodiff.source import SourceTransformError, source_transform

    def run(x):
        if getattr(heron_sqrt, "__name__", "") == "<lambda>":
            return "a lambda"
        tree = ast.parse(textwrap.dedent(inspect.getsource(heron_sqrt)))
        if any(isinstance(node, ast.While) for node in ast.walk(tree)):
            return "still has a while loop"
        value = heron_sqrt(x)
        try:
            transformed = source_transform(heron_sqrt)
        except SourceTransformError as exc:
            return f"not transformable: {exc}"
        out = transformed(x, 1.0)
        return float(value), float(out[1])

    cases = [Case((x,), (math.sqrt(x), 0.5 / math.sqrt(x)), label=f"x = {x}")
             for x in (0.25, 0.5, 1.0, 2.0, 3.0, 4.0)]

    def compare(case, got):
        if got == "still has a while loop":
            return ("the function still contains a while loop, which the source transformer "
                    "rejects: iterate a fixed number of times, `for k in range(N):`.")
        if got == "a lambda":
            return "define the function with def (source transformation reads its source)."
        if isinstance(got, str) and got.startswith("not transformable"):
            return f"source_transform rejects it ({got[len('not transformable: '):]})."
        return _compare_pair(2e-14)(case, got)

    def diagnose(case, got):
        (x,) = case.args
        try:
            pair = _pair(got)
        except (TypeError, ValueError):
            return None
        if pair is None:
            return None
        value, slope = pair
        if not math.isclose(value, math.sqrt(x), rel_tol=2e-14):
            return ("not converged yet: how many steps does the worst x in [0.25, 4] need? "
                    "Derive how the relative error e_k = y_k/√x − 1 shrinks from one step to "
                    "the next, and start from the worst e_0.")
        return None

    return check(run, cases, name="heron_sqrt", compare=compare, diagnose=diagnose,
                 hint="with y_k = √x (1 + e_k), one step gives e_(k+1) = e_k² / (2(1 + e_k)); "
                      "from y_0 = (1 + x)/2 the worst case on [0.25, 4] is e_0 = 0.25 at "
                      "both ends. Count the steps until e_k is below 1e-16, and loop that "
                      "many times with for k in range(N).")
