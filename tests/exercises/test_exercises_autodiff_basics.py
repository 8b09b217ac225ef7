"""Tests for the checkers of the AD chapters 1-4 (lecture_code.exercises.autodiff_basics)."""
import math

import numpy as np
import pytest

from lecture_code.exercises import autodiff_basics as ab


def _stub(*args, **kwargs):
    raise NotImplementedError("Exercise: implement it")


def _report(result):
    return str(result)


def _assert_fails_with(result, *fragments):
    assert not result
    text = _report(result)
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in report:\n{text}"


# --- reference solutions, as in the chapters --------------------------------------------
def newton(f, fprime, x0, tol=1e-12, max_iter=50):
    x = float(x0)
    for _ in range(max_iter):
        fx = f(x)
        if abs(fx) <= tol:
            return x
        slope = fprime(x)
        if slope == 0:
            raise ZeroDivisionError("flat tangent")
        x = x - fx / slope
    raise RuntimeError("no convergence")


def central_diff(f, x):
    h = np.finfo(float).eps ** (1 / 3) * max(1.0, abs(x))
    return (f(x + h) - f(x - h)) / (2 * h)


def optimal_forward_step(f_value, second_derivative):
    return np.sqrt(2 * np.finfo(float).eps * abs(f_value) / abs(second_derivative))


def dual_div(a, b):
    return a[0] / b[0], (a[1] * b[0] - a[0] * b[1]) / b[0] ** 2


def dual_program(x1, x2, dx1, dx2):
    w3, dw3 = x1 * x2, dx1 * x2 + x1 * dx2
    w4, dw4 = math.sin(w3), math.cos(w3) * dw3
    w5, dw5 = math.exp(x1), math.exp(x1) * dx1
    return w4 + w5, dw4 + dw5


def tangent_sweep(graph, values, tangents):
    from lecture_code.autodiff.rules import RULES
    values, tangents = dict(values), dict(tangents)
    for name, op, inputs in graph:
        rule, args = RULES[op], [values[i] for i in inputs]
        values[name] = rule.fn(*args)
        tangents[name] = sum(p(*args, values[name]) * tangents[i]
                             for p, i in zip(rule.partials, inputs))
    return tangents


def d_horner(x, dx):
    y, dy = 0.0, 0.0
    for c in (2.0, -3.0, 0.5, 1.0):
        dy = dy * x + y * dx
        y = y * x + c
    return y, dy


# --- chapter 1 ---------------------------------------------------------------------------
def test_newton():
    assert ab.check_newton(newton)
    _assert_fails_with(ab.check_newton(_stub), "not implemented yet")
    # forgetting to update x returns x0
    _assert_fails_with(ab.check_newton(lambda f, df, x0, **kw: x0), "did you update x")

    def wrong_sign(f, fprime, x0, tol=1e-12, max_iter=50):
        return x0 + f(x0) / fprime(x0)
    _assert_fails_with(ab.check_newton(wrong_sign), "wrong sign")

    def no_guard(f, fprime, x0, tol=1e-12, max_iter=50):
        x = x0
        for _ in range(max_iter):
            if abs(f(x)) <= tol:
                return x
            x = x - f(x) / fprime(x) if fprime(x) else x
        return x
    _assert_fails_with(ab.check_newton(no_guard), "ZeroDivisionError")


def test_central_difference():
    assert ab.check_central_difference(central_diff)
    _assert_fails_with(ab.check_central_difference(_stub), "not implemented yet")
    # a forward difference is recognised
    fwd = lambda f, x: (f(x + 1e-8 * max(1, abs(x))) - f(x)) / (1e-8 * max(1, abs(x)))
    _assert_fails_with(ab.check_central_difference(fwd), "forward difference")
    # a fixed step fails at large x with the scaling hint
    fixed = lambda f, x: (f(x + 6e-6) - f(x - 6e-6)) / 1.2e-5
    _assert_fails_with(ab.check_central_difference(fixed), "max(1, |x|)")
    # dividing by h instead of 2h
    half = lambda f, x: (f(x + 1e-5) - f(x - 1e-5)) / 1e-5
    _assert_fails_with(ab.check_central_difference(half), "divide by 2h")


def test_optimal_forward_step():
    assert ab.check_optimal_forward_step(optimal_forward_step)
    _assert_fails_with(ab.check_optimal_forward_step(_stub), "not implemented yet")
    _assert_fails_with(ab.check_optimal_forward_step(lambda f, d: np.sqrt(np.finfo(float).eps)),
                       "order of magnitude")
    _assert_fails_with(ab.check_optimal_forward_step(
        lambda f, d: np.sqrt(np.finfo(float).eps * abs(f) / abs(d))), "factor √2")


def test_optimal_forward_step_hint_leads_to_the_checked_answer():
    """The worked hint's error model, minimised numerically, gives the step the checker wants
    (a hint with 2ε|f|/h once led students √2 away from it)."""
    from scipy.optimize import minimize_scalar

    hint = str(ab.check_optimal_forward_step(_stub).hint())
    assert "E(h) = |f''|·h/2 + ε|f|/h" in hint
    eps, fv, d2 = np.finfo(float).eps, 2.0, 6.0
    best = minimize_scalar(lambda t: abs(d2) * 10**t / 2 + eps * abs(fv) / 10**t,
                           bounds=(-12, -4), method="bounded", options={"xatol": 1e-10})
    assert np.isclose(10**best.x, optimal_forward_step(fv, d2), rtol=1e-6)


# --- chapter 2 ---------------------------------------------------------------------------
def test_dual_div():
    assert ab.check_dual_div(dual_div)
    _assert_fails_with(ab.check_dual_div(_stub), "not implemented yet")
    plus = lambda a, b: (a[0] / b[0], (a[1] * b[0] + a[0] * b[1]) / b[0] ** 2)
    _assert_fails_with(ab.check_dual_div(plus), "sign error")
    by_b = lambda a, b: (a[0] / b[0], (a[1] * b[0] - a[0] * b[1]) / b[0])
    _assert_fails_with(ab.check_dual_div(by_b), "divide by b²")
    _assert_fails_with(ab.check_dual_div(lambda a, b: a[0] / b[0]), "expected a pair")


def _dual_inverse(f, y, rule="divide"):
    from lecture_code.autodiff import Dual, derivative
    x = 0.0 if y.primal < 0 else min(y.primal, 3.0)
    for _ in range(100):
        x = x - (float(f(x)) - y.primal) / derivative(f, x)
    fp = derivative(f, x)
    tangent = {"divide": y.tangent / fp, "multiply": y.tangent * fp,
               "unchanged": y.tangent, "zero": 0.0}[rule]
    return Dual(x, tangent)


def test_dual_inverse():
    result = ab.check_dual_inverse(_dual_inverse)
    assert result, str(result)
    _assert_fails_with(ab.check_dual_inverse(_stub), "not implemented yet")
    _assert_fails_with(ab.check_dual_inverse(lambda f, y: _dual_inverse(f, y, "multiply")),
                       "you multiplied by f'(x)")
    _assert_fails_with(ab.check_dual_inverse(lambda f, y: _dual_inverse(f, y, "unchanged")),
                       "ẏ unchanged")
    _assert_fails_with(ab.check_dual_inverse(lambda f, y: _dual_inverse(f, y, "zero")),
                       "the tangent is 0")
    _assert_fails_with(ab.check_dual_inverse(lambda f, y: _dual_inverse(f, y).primal),
                       "return a Dual")


def test_dual_inverse_through_newton_on_duals_also_passes():
    # running Newton's method on dual numbers differentiates the iteration itself; at
    # convergence its tangent is the same ẏ / f'(x)
    from lecture_code.autodiff import derivative

    def on_duals(f, y):
        x = y * 0 + (0.0 if y.primal < 0 else min(y.primal, 3.0))
        for _ in range(100):
            x = x - (f(x) - y) / derivative(f, x.primal)
        return x
    result = ab.check_dual_inverse(on_duals)
    assert result, str(result)


def test_newton_dual():
    from lecture_code.autodiff import derivative

    def newton_dual(f, x0, tol=1e-12, max_iter=50):
        x = x0
        for _ in range(max_iter):
            fx = f(x)
            if abs(fx) <= tol:
                return x
            x = x - fx / derivative(f, x)
        raise RuntimeError("no convergence")

    assert ab.check_newton_dual(newton_dual)
    _assert_fails_with(ab.check_newton_dual(_stub), "not implemented yet")
    _assert_fails_with(ab.check_newton_dual(lambda f, x0, **kw: x0 + 0.1), "not a root")


# --- chapter 3 ---------------------------------------------------------------------------
def test_dual_program():
    assert ab.check_dual_program(dual_program)
    _assert_fails_with(ab.check_dual_program(_stub), "not implemented yet")

    def no_dx2(x1, x2, dx1, dx2):
        return dual_program(x1, x2, dx1, 0.0)
    _assert_fails_with(ab.check_dual_program(no_dx2), "ẋ2 is missing")


def test_tangent_sweep():
    assert ab.check_tangent_sweep(tangent_sweep)
    _assert_fails_with(ab.check_tangent_sweep(_stub), "not implemented yet")

    def forgets_seed_of_second_input(graph, values, tangents):
        return tangent_sweep(graph, values, {**tangents, "w2": 0.0})
    _assert_fails_with(ab.check_tangent_sweep(forgets_seed_of_second_input), "ẇ for w")
    _assert_fails_with(ab.check_tangent_sweep(lambda g, v, t: [1.0]), "expected a dict")
    assert ab.LECTURE_GRAPH[0] == ("w3", "multiply", ("w1", "w2"))


def test_gradient_one_pass():
    from lecture_code.autodiff.dual import Dual

    def gradient_one_pass(f, x):
        n = len(x)
        return f(*[Dual(xi, e) for xi, e in zip(x, np.eye(n))]).tangent

    result = ab.check_gradient_one_pass(gradient_one_pass)
    assert result, str(result)
    _assert_fails_with(ab.check_gradient_one_pass(_stub), "not implemented yet")

    def n_passes(f, x):   # right, but one pass per input
        n = len(x)
        return np.array([f(*[Dual(xi, float(i == j)) for i, xi in enumerate(x)]).tangent
                         for j in range(n)])
    _assert_fails_with(ab.check_gradient_one_pass(n_passes), "evaluated 2 times")

    def all_ones(f, x):
        return f(*[Dual(xi, 1.0) for xi in x]).tangent
    _assert_fails_with(ab.check_gradient_one_pass(all_ones), "ONE directional derivative")

    def the_dual(f, x):
        return f(*[Dual(xi, e) for xi, e in zip(x, np.eye(len(x)))])
    _assert_fails_with(ab.check_gradient_one_pass(the_dual), ".tangent")


# --- chapter 4 ---------------------------------------------------------------------------
def test_d_horner():
    assert ab.check_d_horner(d_horner)
    _assert_fails_with(ab.check_d_horner(_stub), "not implemented yet")

    def wrong_order(x, dx):
        y, dy = 0.0, 0.0
        for c in (2.0, -3.0, 0.5, 1.0):
            y = y * x + c
            dy = dy * x + y * dx
        return y, dy
    _assert_fails_with(ab.check_d_horner(wrong_order), "NEW y")


def test_count_operations():
    assert ab.check_count_operations(ab._reference_count)
    _assert_fails_with(ab.check_count_operations(_stub), "not implemented yet")
    _assert_fails_with(ab.check_count_operations(lambda f, x: 3), "operations, expected")
    _assert_fails_with(ab.check_count_operations(lambda f, x: 3.0), "expected an int")


def heron_sqrt(x):
    y = (1.0 + x) / 2
    for k in range(5):
        y = (y + x / y) / 2
    return y


def heron_too_short(x):
    y = (1.0 + x) / 2
    for k in range(3):
        y = (y + x / y) / 2
    return y


def heron_while(x):
    y = (1.0 + x) / 2
    while abs(y * y - x) > 1e-15 * x:
        y = (y + x / y) / 2
    return y


def heron_break(x):
    y = (1.0 + x) / 2
    for k in range(60):
        y = (y + x / y) / 2
        if abs(y * y - x) <= 1e-15 * x:
            break
    return y


def test_while_power_and_heron_sqrt():
    assert ab.while_power(1.5) == 1.5**5
    result = ab.check_heron_sqrt(heron_sqrt)
    assert result, str(result)
    _assert_fails_with(ab.check_heron_sqrt(_stub), "not implemented yet")
    _assert_fails_with(ab.check_heron_sqrt(heron_while), "still contains a while")
    _assert_fails_with(ab.check_heron_sqrt(heron_too_short), "not converged yet")
    _assert_fails_with(ab.check_heron_sqrt(heron_break), "source_transform rejects it",
                       "break")
    _assert_fails_with(ab.check_heron_sqrt(lambda x: x ** 0.5), "define the function with def")
