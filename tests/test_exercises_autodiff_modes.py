"""Tests for the checkers of the AD chapters 5-7 (lecture_code.exercises.autodiff_modes)."""
import math

import numpy as np
import pytest

from lecture_code.exercises import autodiff_modes as am


def _stub(*args, **kwargs):
    raise NotImplementedError("Exercise: implement it")


def _assert_fails_with(result, *fragments):
    assert not result
    text = str(result)
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in report:\n{text}"


# --- reference solutions, as in the chapters --------------------------------------------
def adjoint_sweep(x1, x2):
    w3, w4 = x1 * x2, math.sin(x1)
    w5 = w3 + w4
    w5_bar = 1.0
    w3_bar, w4_bar = w5_bar, w5_bar
    return w5, w3_bar * x2 + w4_bar * math.cos(x1), w3_bar * x1


def _topological(output, seen=None):
    """Depth-first post-order (with ``seen=None``: no visited set, nodes may repeat)."""
    order = []

    def visit(node):
        if seen is not None:
            if id(node) in seen:
                return
            seen.add(id(node))
        for parent, _ in node.parents:
            visit(parent)
        order.append(node)
    visit(output)
    return order


def backward(output):
    order = _topological(output, set())
    output.grad = 1.0
    for node in reversed(order):
        for parent, local in node.parents:
            parent.grad += node.grad * local


def softmax_vjp(x, out, out_bar):
    return out * (out_bar - out_bar @ out)


def matvec_vjp(A, x, y_bar):
    return np.outer(y_bar, x), A.T @ y_bar


def jacobian_from_jvps(jvp_at, n):
    return np.column_stack([jvp_at(e) for e in np.eye(n)])


def jacobian_from_vjps(vjp_at, m):
    return np.vstack([vjp_at(e) for e in np.eye(m)])


def hvp(grad_f, x, v, jvp):
    return jvp(grad_f, x, v)[1]


def newton_system(F, J, x0, tol=1e-10, max_iter=50):
    x = np.array(x0, dtype=float)
    for _ in range(max_iter):
        if np.linalg.norm(F(x)) <= tol:
            return x
        x = x - np.linalg.solve(J(x), F(x))
    raise RuntimeError("no convergence")


def newton_minimise(grad, hess, x0, tol=1e-10, max_iter=100):
    x = np.array(x0, dtype=float)
    for _ in range(max_iter):
        g = grad(x)
        if np.linalg.norm(g) <= tol:
            return x
        x = x - np.linalg.solve(hess(x), g)
    raise RuntimeError("no convergence")


def implicit_euler_step(f, jac, t, y, h):
    z = np.array(y, dtype=float)
    for _ in range(50):
        G = z - y - h * f(t + h, z)
        if np.linalg.norm(G) <= 1e-12 * max(1.0, np.linalg.norm(z)):
            break
        z = z - np.linalg.solve(np.eye(len(z)) - h * jac(t + h, z), G)
    return z


CHECKS = [
    (am.check_adjoint_sweep, adjoint_sweep),
    (am.check_backward, backward),
    (am.check_softmax_vjp, softmax_vjp),
    (am.check_matvec_vjp, matvec_vjp),
    (am.check_jacobian_from_jvps, jacobian_from_jvps),
    (am.check_jacobian_from_vjps, jacobian_from_vjps),
    (am.check_hvp, hvp),
    (am.check_newton_system, newton_system),
    (am.check_newton_minimise, newton_minimise),
    (am.check_implicit_euler_step, implicit_euler_step),
]


@pytest.mark.parametrize("checker, solution", CHECKS, ids=[c.__name__ for c, _ in CHECKS])
def test_reference_solution_passes(checker, solution):
    assert checker(solution)


@pytest.mark.parametrize("checker", [c for c, _ in CHECKS], ids=[c.__name__ for c, _ in CHECKS])
def test_stub_is_not_implemented_yet(checker):
    _assert_fails_with(checker(_stub), "not implemented yet")


@pytest.mark.parametrize("checker", [c for c, _ in CHECKS], ids=[c.__name__ for c, _ in CHECKS])
def test_exception_and_nan_never_escape(checker):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("oops")

    assert not checker(broken)
    assert not checker(lambda *args, **kwargs: float("nan"))


# --- typical mistakes get a specific hint ----------------------------------------------
def test_adjoint_missing_branch():
    _assert_fails_with(am.check_adjoint_sweep(lambda x1, x2: (x1 * x2 + math.sin(x1), x2, x1)),
                       "SUM")


def test_adjoint_swapped():
    _assert_fails_with(am.check_adjoint_sweep(
        lambda x1, x2: (x1 * x2 + math.sin(x1), x1, x2 + math.cos(x1))), "swapped")


def test_softmax_diagonal_only():
    _assert_fails_with(am.check_softmax_vjp(lambda x, s, ybar: s * (1 - s) * ybar),
                       "diagonal")


def test_matvec_forward_rule_instead_of_transpose():
    _assert_fails_with(am.check_matvec_vjp(lambda A, x, ybar: (np.outer(ybar, x), A @ ybar)),
                       "transpose")


def test_matvec_transposed_A_bar():
    _assert_fails_with(am.check_matvec_vjp(lambda A, x, ybar: (np.outer(x, ybar), A.T @ ybar)),
                       "A_bar is transposed")


def test_jacobian_from_jvps_transposed():
    _assert_fails_with(am.check_jacobian_from_jvps(
        lambda jvp_at, n: np.vstack([jvp_at(e) for e in np.eye(n)])), "COLUMN")


def test_jacobian_from_vjps_transposed():
    _assert_fails_with(am.check_jacobian_from_vjps(
        lambda vjp_at, m: np.column_stack([vjp_at(e) for e in np.eye(m)])), "ROW")


def test_jacobian_too_many_sweeps():
    def wasteful(jvp_at, n):
        for e in np.eye(n):
            jvp_at(e)
        return jacobian_from_jvps(jvp_at, n)

    _assert_fails_with(am.check_jacobian_from_jvps(wasteful), "sweeps")


def test_jacobian_wrong_tangent_size():
    _assert_fails_with(am.check_jacobian_from_jvps(
        lambda jvp_at, n: np.column_stack([jvp_at(e) for e in np.eye(n + 1)])), "shape")


def test_hvp_returns_gradient():
    _assert_fails_with(am.check_hvp(lambda grad_f, x, v, jvp: jvp(grad_f, x, v)[0]),
                       "gradient itself")


def test_newton_system_no_update():
    _assert_fails_with(am.check_newton_system(lambda F, J, x0, **kw: x0), "start came back")


def test_newton_minimise_wrong_sign_and_single_step():
    def ascent(grad, hess, x0):
        return x0 + np.linalg.solve(hess(x0), grad(x0))

    def one_step(grad, hess, x0):
        return x0 - np.linalg.solve(hess(x0), grad(x0))

    _assert_fails_with(am.check_newton_minimise(ascent), "wrong sign")
    _assert_fails_with(am.check_newton_minimise(one_step), "one Newton step")


def test_implicit_euler_explicit_step():
    _assert_fails_with(am.check_implicit_euler_step(lambda f, jac, t, y, h: y + h * f(t, y)),
                       "EXPLICIT")


def test_implicit_euler_single_newton_iteration():
    def once(f, jac, t, y, h):
        G = -h * f(t + h, y)
        return y - np.linalg.solve(np.eye(len(y)) - h * jac(t + h, y), G)

    _assert_fails_with(am.check_implicit_euler_step(once), "one Newton iteration")


# --- build-your-own backward: each classic slip is named ------------------------------------
def _sweep(order, output, accumulate=True, seed=True):
    if seed:
        output.grad = 1.0
    for node in order:
        for parent, local in node.parents:
            if accumulate:
                parent.grad += node.grad * local
            else:
                parent.grad = node.grad * local


def test_backward_overwrite_is_diagnosed():
    def overwrite(output):
        _sweep(reversed(_topological(output, set())), output, accumulate=False)
    _assert_fails_with(am.check_backward(overwrite), "SUM over its uses", "+=")


def test_backward_forward_order_is_diagnosed():
    def forward_order(output):
        _sweep(_topological(output, set()), output)
    _assert_fails_with(am.check_backward(forward_order), "wrong order (inputs first)")


def test_backward_breadth_first_without_sorting_is_diagnosed():
    def breadth_first(output):
        queue, seen = [output], {id(output)}
        output.grad = 1.0
        while queue:
            node = queue.pop(0)
            for parent, local in node.parents:
                parent.grad += node.grad * local
                if id(parent) not in seen:
                    seen.add(id(parent))
                    queue.append(parent)
    _assert_fails_with(am.check_backward(breadth_first), "wrong order",
                       "every node that uses it")


def test_backward_visiting_twice_is_diagnosed():
    def twice(output):
        _sweep(reversed(_topological(output, None)), output)
    _assert_fails_with(am.check_backward(twice), "visited twice", "set of visited nodes")


def test_backward_missing_seed_is_diagnosed():
    def no_seed(output):
        _sweep(reversed(_topological(output, set())), output, seed=False)
    _assert_fails_with(am.check_backward(no_seed), "output.grad = 1.0")


def test_backward_reference_agrees_with_value_backward():
    from lecture_code.autodiff.simple import Value
    for _, output in am._backward_graphs():
        output.backward()
        assert [n.grad for n in am._nodes(output)] == pytest.approx(am._adjoints(output),
                                                                    rel=1e-14)
    assert Value  # the graphs are built from the simple Value class


def test_backward_checker_report_does_not_show_the_solution():
    text = str(am.check_backward(lambda output: None))
    assert "wrong grad" in text and "+=" not in text and "def " not in text
