"""Dual numbers: arithmetic, every rule, numpy protocols, tags for nesting, errors."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import lecture_code.autodiff as ad
from lecture_code.autodiff import Dual, DomainError, derivative, gradient_forward
from lecture_code.autodiff.dual import primal_value, split
from lecture_code.autodiff.finite_diff import central_difference
from lecture_code.autodiff.rules import RULES

SETTINGS = settings(deadline=None, max_examples=40)
NONSMOOTH = {"floor", "ceil", "rint", "sign", "absolute", "maximum", "minimum"}


def _point(name):
    """A point where the rule is defined and smooth."""
    return {"arccosh": 1.7, "arcsin": 0.3, "arccos": 0.3, "arctanh": 0.3}.get(name, 0.7)


# -- arithmetic ----------------------------------------------------------------------------
def test_lecture_arithmetic_and_repr():
    a, b = Dual(3.0, 1.0), Dual(2.0, 5.0)
    assert ((a * b).primal, (a * b).tangent) == (6.0, 17.0)
    assert ((a / b).primal, (a / b).tangent) == (1.5, (1 * 2 - 3 * 5) / 4)
    assert ((a - b).primal, (a - b).tangent) == (1.0, -4.0)
    assert repr(a + b) == "Dual(5.0 + 6.0·d)"
    assert repr(a / b) == "Dual(1.5 - 3.25·d)"
    assert str(-a) == "Dual(-3.0 - 1.0·d)"
    assert "d₇" in repr(Dual(1.0, 1.0, tag=7))
    assert "array" not in repr(Dual(np.ones(2), np.zeros(2)))


@pytest.mark.parametrize("other", [2, 2.0, np.float64(2.0), np.array(2.0)])
def test_mixed_operands_on_either_side(other):
    x = Dual(3.0, 1.0)
    for y, tangent in [(x + other, 1.0), (other + x, 1.0), (x - other, 1.0),
                       (other - x, -1.0), (x * other, 2.0), (other * x, 2.0),
                       (x / other, 0.5), (other / x, -2.0 / 9.0)]:
        assert isinstance(y, Dual)
        assert float(np.asarray(y.tangent)) == pytest.approx(tangent)


def test_powers():
    x = Dual(-2.0, 1.0)
    assert (x**3).primal == -8.0 and (x**3).tangent == 12.0          # negative base, int power
    assert (x**-1).tangent == pytest.approx(-0.25)
    assert (x**0).primal == 1.0 and (x**0).tangent == 0.0
    y = Dual(2.0, 1.0)
    assert (2.0**y).tangent == pytest.approx(4 * math.log(2))          # const ** dual
    assert (y**y).tangent == pytest.approx(4 * (math.log(2) + 1))      # dual ** dual
    assert (y**0.5).tangent == pytest.approx(0.5 / math.sqrt(2))
    assert derivative(lambda t: t**2.5, 4.0) == pytest.approx(2.5 * 4**1.5)


def test_comparisons_hash_bool_float():
    x = Dual(2.0, 1.0)
    assert x == 2.0 and x == Dual(2.0, 7.0) and x != 3.0
    assert x < 3 and x <= 2 and x > 1 and x >= 2.0 and not x > 2
    assert hash(x) == hash(2.0) and len({x, Dual(2.0, 0.0)}) == 1
    assert bool(Dual(0.0, 1.0)) is False
    assert float(Dual(2.5, 0.0)) == 2.5
    with pytest.raises(TypeError, match="would drop its derivative"):
        float(x)
    with pytest.raises(TypeError, match="would drop its derivative"):
        math.sin(x)
    with pytest.raises(TypeError, match="unhashable"):
        hash(Dual(np.ones(2), np.ones(2)))


def test_polynomial_gives_value_and_derivative():
    def P(t):
        return 2 * t**4 - 3 * t**2 + t - 5
    y = P(Dual(1.5, 1.0))
    assert y.primal == P(1.5)
    assert y.tangent == pytest.approx(8 * 1.5**3 - 6 * 1.5 + 1)
    assert P(Dual(1.5, 2.0)).tangent == 2 * y.tangent


# -- every rule ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(n for n in RULES if n != "true_divide"))
def test_every_rule_against_central_differences(name):
    rule = RULES[name]
    x0 = _point(name)
    if rule.nargs == 1:
        got = derivative(rule.fn, x0)
        via_function = derivative(getattr(ad, name), x0)
        want = 0.0 if name in {"floor", "ceil", "rint", "sign"} else \
            central_difference(rule.fn, x0, 1e-6)
        assert got == pytest.approx(want, rel=1e-7, abs=1e-8)
        assert via_function == got
    else:
        b0 = 1.3
        got_a = derivative(lambda t: rule.fn(t, b0), x0)
        got_b = derivative(lambda t: rule.fn(x0, t), b0)
        assert got_a == pytest.approx(central_difference(lambda t: rule.fn(t, b0), x0, 1e-6),
                                      rel=1e-7, abs=1e-8)
        assert got_b == pytest.approx(central_difference(lambda t: rule.fn(x0, t), b0, 1e-6),
                                      rel=1e-7, abs=1e-8)


@SETTINGS
@given(st.floats(0.1, 3.0))
def test_lecture_functions_hypothesis(x):
    f = lambda t: ad.sqrt(t) * ad.exp(-t) + ad.log(t) * ad.sin(t) / (2 + ad.cos(t)) \
        + ad.tanh(t) * ad.arctan(t) + abs(t - 1.0) ** 2 + ad.tan(t / 4)
    assert derivative(f, x) == pytest.approx(central_difference(f, x, 1e-6), rel=1e-6,
                                             abs=1e-7)


def test_functions_accept_floats_arrays_duals_and_variables():
    assert float(ad.sin(0.5)) == math.sin(0.5)
    np.testing.assert_array_equal(ad.sin(np.array([0.0, 1.0])), np.sin([0.0, 1.0]))
    assert isinstance(ad.sin(Dual(0.5, 1.0)), Dual)
    assert isinstance(np.sin(Dual(0.5, 1.0)), Dual)
    assert ad.grad(lambda t: ad.sin(t) * ad.exp(t))(0.0) == pytest.approx(1.0)
    with pytest.raises(TypeError, match="takes 1 argument"):
        ad.sin(1.0, 2.0)


# -- nesting -------------------------------------------------------------------------------
def test_perturbation_confusion_is_avoided():
    assert derivative(lambda x: x * derivative(lambda y: x + y, 1.0), 2.0) == 1.0
    assert derivative(lambda x: derivative(lambda y: x * y, 1.0), 2.0) == 1.0


@pytest.mark.parametrize("f, d2", [(np.sin, lambda x: -np.sin(x)),
                                   (np.exp, np.exp),
                                   (lambda t: t**4, lambda x: 12 * x**2),
                                   (np.log, lambda x: -1 / x**2),
                                   (np.tanh, lambda x: -2 * np.tanh(x) * (1 - np.tanh(x)**2))])
def test_nested_second_derivatives(f, d2):
    for x in (0.3, 1.1):
        assert derivative(lambda t: derivative(f, t), x) == pytest.approx(d2(x), rel=1e-12)


def test_third_derivative():
    assert derivative(lambda a: derivative(lambda b: derivative(np.sin, b), a), 0.4) == \
        pytest.approx(-math.cos(0.4), rel=1e-12)


# -- several infinitesimals ----------------------------------------------------------------
def test_vector_tangent_gives_gradient_in_one_pass():
    x1 = Dual(1.5, np.array([1.0, 0.0]))
    x2 = Dual(0.5, np.array([0.0, 1.0]))
    y = x1 * x2 + np.sin(x1)
    np.testing.assert_allclose(y.tangent, [0.5 + math.cos(1.5), 1.5], atol=1e-15)


def test_gradient_forward_on_scalar_and_array_code():
    def rosen_loop(x):
        s = 0.0
        for i in range(len(x) - 1):
            s = s + 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
        return s

    def rosen_array(x):
        return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)

    x = np.random.default_rng(1).normal(size=7)
    g1 = gradient_forward(rosen_loop, x)
    g2 = gradient_forward(rosen_array, x)
    g3 = gradient_forward(lambda v: np.sum(np.sin(v) * v), x)
    np.testing.assert_allclose(g1, ad.grad(rosen_array)(x), rtol=1e-12)
    np.testing.assert_allclose(g2, g1, rtol=1e-12)
    np.testing.assert_allclose(g3, np.cos(x) * x + np.sin(x), rtol=1e-12)
    with pytest.raises(ValueError, match="scalar output"):
        gradient_forward(lambda v: v * 2, x)


# -- array duals and numpy functions -------------------------------------------------------
def test_array_dual_numpy_functions():
    rng = np.random.default_rng(0)
    p, t = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    A = rng.normal(size=(4, 3))
    x = Dual(p, t)
    linear = [lambda z: np.sum(z, axis=0), lambda z: np.sum(z, axis=1, keepdims=True),
              lambda z: np.mean(z), lambda z: np.reshape(z, (4, 3)), lambda z: z.T,
              lambda z: np.transpose(z, (1, 0)), lambda z: np.swapaxes(z, 0, 1),
              lambda z: np.moveaxis(z, 0, -1), lambda z: np.expand_dims(z, 0),
              lambda z: np.squeeze(np.expand_dims(z, 0)),
              lambda z: np.broadcast_to(z, (2, 3, 4)), lambda z: np.concatenate([z, np.zeros((1, 4))]),
              lambda z: np.stack([np.zeros((3, 4)), z]), lambda z: np.cumsum(z, axis=1),
              lambda z: np.take(z, [0, 2], axis=1), lambda z: z[1:, ::2], lambda z: z[0],
              lambda z: np.where(p > 0, z, 2.0 * z), lambda z: z.sum(), lambda z: z.ravel(),
              lambda z: np.diagonal(z), lambda z: np.trace(z)]
    for f in linear:
        y = f(x)
        assert isinstance(y, Dual)
        np.testing.assert_allclose(y.primal, f(p))
        np.testing.assert_allclose(y.tangent, f(t) if f(t) is not None else 0)
    for f in [lambda z: z @ A, lambda z: np.dot(z, A), lambda z: np.matmul(A.T, z.T),
              lambda z: np.tensordot(z, A, axes=1), lambda z: np.einsum("ij,jk->ik", z, A),
              lambda z: np.outer(z[0], z[1]), lambda z: np.inner(z[0], z[1])]:
        y = f(x)
        eps = 1e-7
        fd = (f(p + eps * t) - f(p - eps * t)) / (2 * eps)
        np.testing.assert_allclose(y.primal, f(p))
        np.testing.assert_allclose(y.tangent, fd, rtol=1e-6, atol=1e-8)
    m = np.max(x, axis=1)
    np.testing.assert_allclose(m.primal, p.max(axis=1))
    np.testing.assert_allclose(m.tangent, t[np.arange(3), p.argmax(axis=1)])
    assert np.min(x).primal == p.min()
    assert x.shape == (3, 4) and x.ndim == 2 and len(x) == 3 and x.size == 12
    assert [row.primal.tolist() for row in x] == p.tolist()
    assert np.shape(x) == (3, 4)
    np.testing.assert_array_equal(x > 0, p > 0)


def test_zeros_like_setitem_and_add_at():
    x = Dual(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 1.0]))
    g = np.zeros_like(x)
    g[0] = x[2]
    np.add.at(g, [1, 1], x[0])
    np.testing.assert_array_equal(g.primal, [3.0, 2.0, 0.0])
    np.testing.assert_array_equal(g.tangent, [1.0, 2.0, 0.0])
    with pytest.raises(TypeError, match="plain array cannot hold a Dual"):
        np.add.at(np.zeros(3), [0], x[0])


def test_object_arrays_of_duals():
    y = np.array([Dual(1.0, 2.0, tag=5), 3.0, Dual(4.0, -1.0, tag=5)])
    value, tangent = split(y, 5)
    np.testing.assert_array_equal(value, [1.0, 3.0, 4.0])
    np.testing.assert_array_equal(tangent, [2.0, 0.0, -1.0])
    z = Dual(np.ones(3), np.ones(3)) + np.array([Dual(1.0, 1.0), 2.0, 3.0])
    np.testing.assert_array_equal(z.tangent, [2.0, 1.0, 1.0])


def test_derivative_of_vector_valued_function():
    out = derivative(lambda t: np.array([t, t**2, np.sin(t)]), 2.0)
    np.testing.assert_allclose(out, [1.0, 4.0, np.cos(2.0)])
    assert derivative(lambda t: 5.0, 1.0) == 0.0
    assert primal_value(Dual(Dual(2.0, 1.0), 3.0)) == 2.0


# -- errors --------------------------------------------------------------------------------
def test_domain_errors_never_nan():
    with pytest.raises(DomainError, match="log is only differentiable for positive"):
        derivative(np.log, 0.0)
    with pytest.raises(DomainError, match="log is only differentiable"):
        np.log(Dual(-1.0, 1.0))
    with pytest.raises(DomainError, match="sqrt is only differentiable"):
        derivative(ad.sqrt, 0.0)
    with pytest.raises(DomainError, match="division by zero"):
        Dual(1.0, 1.0) / 0.0
    with pytest.raises(DomainError, match="division by zero"):
        1.0 / Dual(0.0, 1.0)
    with pytest.raises(DomainError, match="arcsin is only differentiable for -1 < x < 1"):
        derivative(np.arcsin, 1.0)
    with pytest.raises(DomainError, match="negative base to a non-integer power"):
        Dual(-2.0, 1.0) ** 0.5
    with pytest.raises(DomainError, match="has no derivative at x = 0"):
        Dual(0.0, 1.0) ** 0.5
    with pytest.raises(DomainError, match="differentiated in the exponent y needs a positive base"):
        (-2.0) ** Dual(2.0, 1.0)
    with pytest.raises(DomainError, match="log is only differentiable"):
        np.log(Dual(np.array([1.0, 0.0]), np.ones(2)))


def test_unsupported_operations_name_themselves():
    x = Dual(np.ones(3), np.ones(3))
    with pytest.raises(TypeError, match="numpy.median is not supported for Dual numbers"):
        np.median(x)
    with pytest.raises(TypeError, match="numpy.fmod .* not supported"):
        np.fmod(x, 2.0)
    with pytest.raises(TypeError, match="out= or where="):
        np.sin(x, out=np.zeros(3))
    with pytest.raises(TypeError, match="scalar Dual cannot be indexed"):
        Dual(1.0, 1.0)[0]
    with pytest.raises(ValueError, match="tangent of the primal's shape"):
        Dual(np.ones(3), np.ones(2))
    with pytest.raises(TypeError, match="must be a real number"):
        Dual("a", 1.0)


def test_derivative_input_errors():
    with pytest.raises(TypeError, match="derivative needs a real number"):
        derivative(np.sin, "1.0")
    with pytest.raises(TypeError, match="derivative needs a real number"):
        derivative(np.sin, None)
    with pytest.raises(TypeError, match="use jacfwd, jvp or grad"):
        derivative(np.sin, np.ones(3))
    with pytest.raises(TypeError, match="needs a function"):
        derivative(1.0, np.sin)
    with pytest.raises(TypeError, match="not a number, an array or a dual"):
        derivative(lambda t: "text", 1.0)
