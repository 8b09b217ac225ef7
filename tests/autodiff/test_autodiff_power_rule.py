"""Every AD mode agrees on ``x**y`` at its edge cases (issue 11 §3, issue 12 §3).

The power rule, with its domain, lives in :mod:`lecture_code.autodiff.rules`; forward mode,
reverse mode, the transformations and the source transformer all use it, so they must give
the same derivative, or all raise :class:`DomainError`, at ``0**y``, ``x**0``, a negative
base with an integer exponent, ``x**0.5`` at 0, and so on. The conventions are JAX's
(``_pow_jvp_lhs``/``_pow_jvp_rhs`` in ``jax/_src/lax/lax.py``): ``x**0`` has slope 0 also at
``x = 0``, and ``0**y`` has slope 0 in ``y`` for ``y > 0``.
"""
import math

import numpy as np
import pytest

from lecture_code.autodiff import (DomainError, derivative, grad, jacfwd, jacrev, jvp, vjp,
                                   value_and_grad)
from lecture_code.autodiff.source import source_transform
from lecture_code.autodiff.trace import trace

ERR = DomainError


def pow_in_x(x, y=2.0):
    return x ** y


def pow_in_y(y, x=2.0):
    return x ** y


def pow_xy(x, y):
    return x ** y


# (x, y, d/dx with y constant, d/dy with x constant); ERR where the derivative does not exist
CASES = [
    (0.0, 0.0, 0.0, ERR),          # x**0 is the constant 1; 0**y jumps at y = 0
    (2.0, 0.0, 0.0, math.log(2.0)),
    (-2.0, 0.0, 0.0, ERR),
    (0.0, 1.0, 1.0, 0.0),
    (0.0, 2.0, 0.0, 0.0),          # 0**y = 0 for y > 0: slope 0 in y
    (0.0, 3.0, 0.0, 0.0),
    (0.0, 0.5, ERR, 0.0),          # sqrt's infinite slope at 0
    (0.0, 1.5, 0.0, 0.0),
    (0.0, -1.0, ERR, ERR),         # 0**-1 is infinite
    (-2.0, 2.0, -4.0, ERR),        # negative base, integer exponent: fine in x only
    (-2.0, 3.0, 12.0, ERR),
    (-2.0, -1.0, -0.25, ERR),
    (-2.0, 0.5, ERR, ERR),         # not a real number
    (4.0, 0.5, 0.25, 2.0 * math.log(4.0)),
    (1.0, 5.0, 5.0, 0.0),
    (3.0, -2.0, -2.0 / 27.0, math.log(3.0) / 9.0),
]


def _modes_of_one_variable(f, source_f, other):
    """Every way of differentiating ``v -> f(v)`` at a point, by name."""
    def st_forward(v):
        return source_transform(source_f)(v, 1.0, **other)[1]

    def st_reverse(v):
        return source_transform(source_f, mode="reverse")(v, **other)[1][0]

    return {
        "derivative": lambda v: derivative(f, v),
        "grad": lambda v: grad(f)(v),
        "value_and_grad": lambda v: value_and_grad(f)(v)[1],
        "jacfwd": lambda v: jacfwd(f)(v),
        "jacrev": lambda v: jacrev(f)(v),
        "jvp": lambda v: jvp(f, v, 1.0)[1],
        "vjp": lambda v: vjp(f, v)[1](1.0),
        "trace": lambda v: trace(f, v).forward(1.0),
        "source forward": st_forward,
        "source reverse": st_reverse,
        "grad of array": lambda v: grad(lambda a: np.sum(f(a)))(np.array([v]))[0],
        "jacfwd of array": lambda v: jacfwd(lambda a: f(a))(np.array([v]))[0, 0],
        "jacrev of array": lambda v: jacrev(lambda a: f(a))(np.array([v]))[0, 0],
    }


MODES = sorted(_modes_of_one_variable(None, None, {}))


def _check(run, v, expected):
    if expected is ERR:
        # (array code computes numpy's value first, with numpy's warning for 0**-1 etc.)
        with pytest.raises(DomainError), np.errstate(divide="ignore", invalid="ignore"):
            run(v)
    else:
        assert float(run(v)) == pytest.approx(expected, rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("x, y, dx, dy", CASES)
def test_every_mode_agrees_on_the_derivative_in_the_base(mode, x, y, dx, dy):
    run = _modes_of_one_variable(lambda t: t ** y, pow_in_x, {"y": y})[mode]
    _check(run, x, dx)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("x, y, dx, dy", CASES)
def test_every_mode_agrees_on_the_derivative_in_the_exponent(mode, x, y, dx, dy):
    run = _modes_of_one_variable(lambda t: x ** t, pow_in_y, {"x": x})[mode]
    _check(run, y, dy)


@pytest.mark.parametrize("x, y, dx, dy", CASES)
def test_both_arguments_need_both_derivatives(x, y, dx, dy):
    """Differentiating in x and y at once needs both partials to exist."""
    runs = [lambda: grad(pow_xy, argnums=(0, 1))(x, y),
            lambda: source_transform(pow_xy, mode="reverse")(x, y)[1],
            lambda: (jvp(lambda v: v[0] ** v[1], np.array([x, y]), np.array([1.0, 0.0]))[1],
                     jvp(lambda v: v[0] ** v[1], np.array([x, y]), np.array([0.0, 1.0]))[1])]
    for run in runs:
        if dx is ERR or dy is ERR:
            with pytest.raises(DomainError):
                run()
        else:
            assert np.allclose(np.array(run(), dtype=float), [dx, dy], rtol=1e-12)


def test_integer_exponents_are_the_same_rule():
    assert derivative(lambda x: x ** 0, 0.0) == grad(lambda x: x ** 0)(0.0) == 0.0
    assert derivative(lambda x: x ** 2, -3.0) == grad(lambda x: x ** 2)(-3.0) == -6.0


# --- issue 12 §3: arguments that are not differentiated are not checked -------------------
def test_grad_does_not_check_the_arguments_it_does_not_differentiate():
    g = grad(lambda w, y: np.sum(w * np.sqrt(y)), 0)(np.ones(2), np.array([0.0, 4.0]))
    assert g.tolist() == [0.0, 2.0]
    assert grad(lambda x, n: x ** n)(-2.0, 2.0) == -4.0
    assert grad(lambda x, y: x ** y, 1)(0.0, 2.0) == 0.0
    assert grad(lambda x, y: x ** y, -1)(0.0, 2.0) == 0.0
    # the other argument reaches the function unchanged (an int stays an int)
    assert grad(lambda x, n: x ** n * (n + 1), 0)(2.0, 3) == 48.0
    # and is still checked when it is differentiated
    with pytest.raises(DomainError, match="sqrt is only differentiable"):
        grad(lambda w, y: np.sum(w * np.sqrt(y)), (0, 1))(np.ones(2), np.array([0.0, 4.0]))
