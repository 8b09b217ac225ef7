"""Divided differences: values, error orders, optimal steps, gradients, and error messages."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from lecture_code.autodiff import finite_diff as fd

EPS = np.finfo(float).eps


def cube(x):
    return x**3


@pytest.mark.parametrize("h", [1e-1, 1e-2, 1e-3])
def test_truncation_errors_of_x_cubed_match_taylor(h):
    # f(x) = x³ at 1: forward error 3h + h², backward −3h + h², central h² exactly
    assert fd.forward_difference(cube, 1.0, h) - 3 == pytest.approx(3 * h + h**2, abs=1e-9)
    assert fd.backward_difference(cube, 1.0, h) - 3 == pytest.approx(-3 * h + h**2, abs=1e-9)
    assert fd.central_difference(cube, 1.0, h) - 3 == pytest.approx(h**2, abs=1e-9)
    assert fd.difference(cube, 1.0, h, kind="central") == fd.central_difference(cube, 1.0, h)


def test_default_steps_are_near_optimal():
    assert abs(fd.forward_difference(np.sin, 1.0) - np.cos(1.0)) < 1e-7
    assert abs(fd.central_difference(np.sin, 1.0) - np.cos(1.0)) < 1e-10


def test_error_curve_has_the_lecture_shape():
    hs = np.logspace(-15, -1, 141)
    err = {k: fd.difference_errors(cube, 1.0, hs, kind=k, exact=3.0) for k in fd.KINDS}
    for k in fd.KINDS:
        assert err[k].shape == hs.shape
    best = {k: hs[np.argmin(e)] for k, e in err.items()}
    # measured optima within a factor ~30 of sqrt(eps) and eps^(1/3)
    assert abs(np.log10(best["forward"] / np.sqrt(EPS))) < 1.5
    assert abs(np.log10(best["central"] / EPS ** (1 / 3))) < 1.5
    # truncation region: slope 1 (one-sided) and 2 (central) on log-log axes
    big = hs > 1e-3
    slope_f = np.polyfit(np.log10(hs[big]), np.log10(err["forward"][big]), 1)[0]
    slope_c = np.polyfit(np.log10(hs[big]), np.log10(err["central"][big]), 1)[0]
    assert slope_f == pytest.approx(1.0, abs=0.1)
    assert slope_c == pytest.approx(2.0, abs=0.1)
    # round-off region: the error rises as h shrinks
    assert err["forward"][0] > 1e-2 and err["central"][0] > 1e-2
    assert err["central"].min() < err["forward"].min() / 100


def test_exact_may_be_a_function():
    hs = [1e-2, 1e-3]
    a = fd.difference_errors(np.sin, 0.3, hs, kind="forward", exact=np.cos)
    b = fd.difference_errors(np.sin, 0.3, hs, kind="forward", exact=np.cos(0.3))
    np.testing.assert_array_equal(a, b)


def test_optimal_step_theory_and_measurement():
    assert fd.optimal_step("forward") == pytest.approx(2 * np.sqrt(EPS))
    assert fd.optimal_step("central") == pytest.approx((3 * EPS) ** (1 / 3))
    assert fd.optimal_step("backward", f_value=1.0, derivative=6.0) == pytest.approx(
        2 * np.sqrt(EPS / 6))
    h, err = fd.measured_optimal_step(cube, 1.0, np.logspace(-15, -1, 141), "forward", 3.0)
    theory = fd.optimal_step("forward", f_value=1.0, derivative=6.0)
    assert abs(np.log10(h / theory)) < 1.0
    assert 1e-10 < err < 1e-7


@settings(deadline=None, max_examples=30)
@given(st.lists(st.floats(-2, 2), min_size=1, max_size=4))
def test_gradient_and_jacobian(xs):
    x = np.array(xs)
    g = fd.difference_gradient(lambda v: np.sum(np.sin(v) * v), x)
    np.testing.assert_allclose(g, np.cos(x) * x + np.sin(x), atol=1e-8)
    J = fd.difference_jacobian(lambda v: np.sin(v), x, kind="forward")
    np.testing.assert_allclose(J, np.diag(np.cos(x)), atol=1e-6)
    J = fd.difference_jacobian(lambda v: v**2, x, kind="backward")
    np.testing.assert_allclose(J, np.diag(2 * x), atol=1e-6)


def test_errors_are_clear():
    with pytest.raises(ValueError, match="unknown kind of divided difference 'sideways'"):
        fd.difference(cube, 1.0, 0.1, kind="sideways")
    with pytest.raises(ValueError, match="step h must be a positive number"):
        fd.forward_difference(cube, 1.0, 0.0)
    with pytest.raises(TypeError, match="needs a real number x"):
        fd.central_difference(cube, "1.0", 0.1)
    with pytest.raises(TypeError, match="needs a real number x"):
        fd.central_difference(cube, np.array([1.0, 2.0]), 0.1)
    with pytest.raises(TypeError, match="needs the exact derivative"):
        fd.difference_errors(cube, 1.0, [0.1])
    with pytest.raises(ValueError, match="every step in hs must be positive"):
        fd.difference_errors(cube, 1.0, [0.1, -1.0], exact=3.0)
    with pytest.raises(ValueError, match="scalar output"):
        fd.difference_gradient(lambda v: v, [1.0, 2.0])
    with pytest.raises(TypeError, match="array of real numbers"):
        fd.difference_jacobian(lambda v: v, ["a"])
    with pytest.raises(ValueError, match="nonzero"):
        fd.optimal_step("central", f_value=1.0, derivative=0.0)


@pytest.mark.parametrize("kind, calls", [("forward", lambda n: n + 2),
                                         ("central", lambda n: 2 * n + 1)])
def test_difference_gradient_costs_what_its_docstring_says(kind, calls):
    """One call for the shape check, then n + 1 (one-sided) or 2n (central)."""
    count = []
    for n in (1, 3, 10):
        def f(v):
            count.append(1)
            return np.sum(v ** 2)
        count.clear()
        fd.difference_gradient(f, np.ones(n), kind=kind)
        assert len(count) == calls(n)
