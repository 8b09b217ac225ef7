"""Function transformations: jvp, vjp, jacfwd, jacrev, grad, hessian, hvp, check_grads."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from lecture_code.autodiff import (check_grads, derivative, grad, hessian, hvp, jacfwd, jacrev,
                                   jvp, value_and_grad, vjp)
from lecture_code.autodiff.dual import primal_value
from lecture_code.autodiff.finite_diff import difference_jacobian


def f_lecture(x):
    x1, x2, x3 = x[0], x[1], x[2]
    return np.array([x1 * x2, np.sin(x2) + x3, np.exp(x1) * x3, x1 + x2 * x3])


def f_array(x):
    return np.tanh(np.array([[1.0, 2.0, -1.0], [0.5, 0.0, 3.0]]) @ x) * np.sum(x**2)


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


X = np.array([0.5, 1.0, -2.0])


@pytest.mark.parametrize("f", [f_lecture, f_array])
def test_jacobians_agree_with_each_other_and_differences(f):
    J = jacfwd(f)(X)
    np.testing.assert_allclose(jacrev(f)(X), J, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(difference_jacobian(f, X), J, rtol=1e-6, atol=1e-8)
    v = np.array([0.3, -1.0, 2.0])
    y, Jv = jvp(f, X, v)
    np.testing.assert_allclose(y, f(X))
    np.testing.assert_allclose(Jv, J @ v, rtol=1e-12)
    y2, pullback = vjp(f, X)
    u = np.arange(1.0, len(y) + 1)
    np.testing.assert_allclose(pullback(u), u @ J, rtol=1e-12)


def test_lecture_jacobian_exact():
    J_exact = np.array([[1.0, 0.5, 0.0], [0.0, np.cos(1.0), 1.0],
                        [-2 * np.exp(0.5), 0.0, np.exp(0.5)], [1.0, -2.0, 1.0]])
    np.testing.assert_allclose(jacfwd(f_lecture)(X), J_exact, atol=1e-14)


def test_scalar_inputs_and_outputs():
    assert jacfwd(np.sin)(0.3) == pytest.approx(np.cos(0.3))
    assert jacrev(np.sin)(0.3) == pytest.approx(np.cos(0.3))
    assert jvp(np.sin, 0.3, 2.0)[1] == pytest.approx(2 * np.cos(0.3))
    assert grad(lambda t: t**3)(2.0) == 12.0
    assert jacfwd(lambda t: np.array([t, t**2]))(3.0).tolist() == [1.0, 6.0]
    assert jacfwd(lambda v: np.sum(v))(np.ones(3)).tolist() == [1.0, 1.0, 1.0]
    assert jacfwd(lambda v: np.ones(2))(np.ones(3)).shape == (2, 3)


def test_grad_argnums_and_value_and_grad():
    def f(x, y, z):
        return np.sum(x * y) + z**2
    x, y = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    np.testing.assert_allclose(grad(f)(x, y, 5.0), y)
    np.testing.assert_allclose(grad(f, argnums=1)(x, y, 5.0), x)
    gx, gz = grad(f, argnums=(0, 2))(x, y, 5.0)
    np.testing.assert_allclose(gx, y)
    assert gz == 10.0
    value, g = value_and_grad(f, argnums=-1)(x, y, 5.0)
    assert value == 36.0 and g == 10.0
    with pytest.raises(ValueError, match="argnums=3 does not name one"):
        grad(f, argnums=3)(x, y, 5.0)


def test_vjp_several_inputs():
    y, pullback = vjp(lambda a, b: a * b, 2.0, 3.0)
    assert y == 6.0 and pullback(1.0) == (3.0, 2.0)


@settings(deadline=None, max_examples=25)
@given(st.lists(st.floats(-1.5, 1.5), min_size=2, max_size=5))
def test_hessian_and_hvp(xs):
    x = np.array(xs)
    H = hessian(rosenbrock)(x)
    g = grad(rosenbrock)
    H_fd = difference_jacobian(g, x)
    assert np.abs(H - H_fd).max() <= 1e-6 * max(1.0, np.abs(H).max())
    np.testing.assert_allclose(H, H.T, atol=1e-12)
    v = np.arange(1.0, len(x) + 1)
    np.testing.assert_allclose(hvp(rosenbrock, x, v), H @ v, rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(jacrev(g)(x), H, rtol=1e-10, atol=1e-9)   # reverse over reverse


def test_nested_derivative_through_grad():
    # d/dx [∂/∂y (x y²) at y = x] = d/dx 2x² = 4x (forward over reverse on scalars)
    assert derivative(lambda x: grad(lambda y: x * y**2)(x), 3.0) == pytest.approx(12.0)


def test_check_grads_passes_and_names_the_worst_component():
    assert check_grads(rosenbrock, np.array([0.3, -0.2, 1.1]))

    def bad(x):      # primal_value drops the dual part: forward mode misses 3·x[1]
        return np.sum(x**2) + 3 * primal_value(x[1])

    with pytest.raises(AssertionError, match=r"forward-mode gradient disagrees .* component "
                                             r"\(1,\): AD gives 3\.4"):
        check_grads(bad, np.array([0.3, 1.7, 1.1]), modes=("forward",))
    with pytest.raises(ValueError, match="scalar output"):
        check_grads(lambda x: x, np.ones(2))
    with pytest.raises(ValueError, match="unknown mode"):
        check_grads(rosenbrock, np.ones(2), modes=("sideways",))


def test_errors_that_teach():
    with pytest.raises(ValueError, match=r"grad needs a scalar output, got shape \(4,\); use"
                                         r" jacrev"):
        grad(f_lecture)(X)
    with pytest.raises(TypeError, match="grad needs a real number"):
        grad(np.sin)("x")
    with pytest.raises(TypeError, match="jvp needs a real number"):
        jvp(np.sin, None, 1.0)
    with pytest.raises(ValueError, match="same shape as x"):
        jvp(f_lecture, X, np.ones(2))
    with pytest.raises(TypeError, match="needs a function"):
        jacfwd(3.0)
    with pytest.raises(TypeError, match="needs the point"):
        grad(np.sin)()
    with pytest.raises(TypeError, match="vjp needs at least one input"):
        vjp(np.sin)
