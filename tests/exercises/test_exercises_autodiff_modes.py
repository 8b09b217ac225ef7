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


def newton_system(F, J, x0, tol=1e-10, max_iter=50):
    x = np.array(x0, dtype=float)
    for _ in range(max_iter):
        if np.linalg.norm(F(x)) <= tol:
            return x
        x = x - np.linalg.solve(J(x), F(x))
    raise RuntimeError("no convergence")


def newton_minimise(f, grad, hess, x0, tol=1e-10, max_iter=200):
    x = np.array(x0, dtype=float)
    for _ in range(max_iter):
        g = grad(x)
        if np.linalg.norm(g) <= tol:
            return x
        p = np.linalg.solve(hess(x), -g)
        if g @ p >= 0:
            p = -g
        t = 1.0
        while f(x + t * p) > f(x) + 1e-4 * t * (g @ p):
            t /= 2
        x = x + t * p
    raise RuntimeError("no convergence")


def pure_newton(f, grad, hess, x0, tol=1e-10, max_iter=200):
    x = np.array(x0, dtype=float)
    with np.errstate(all="ignore"):
        for _ in range(max_iter):
            g = grad(x)
            if not np.all(np.isfinite(g)) or np.linalg.norm(g) <= tol:
                return x
            x = x - np.linalg.solve(hess(x), g)
    return x


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


def test_newton_system_no_update():
    _assert_fails_with(am.check_newton_system(lambda F, J, x0, **kw: x0), "start came back")


def test_newton_minimise_pure_newton_is_diagnosed():
    result = am.check_newton_minimise(pure_newton)
    _assert_fails_with(result, "3 of 5 cases fail", "stationary point, but not a minimum",
                       "overshoots")


def test_newton_minimise_descent_fallback_without_line_search_still_fails():
    def no_backtracking(f, grad, hess, x0, tol=1e-10, max_iter=200):
        x = np.array(x0, dtype=float)
        with np.errstate(all="ignore"):
            for _ in range(max_iter):
                g = grad(x)
                if not np.all(np.isfinite(g)) or np.linalg.norm(g) <= tol:
                    break
                p = np.linalg.solve(hess(x), -g)
                x = x + (p if g @ p < 0 else -g)
        return x
    result = am.check_newton_minimise(no_backtracking)
    _assert_fails_with(result, "√(1 + x²)", "overshoots")


def test_newton_minimise_start_returned():
    _assert_fails_with(am.check_newton_minimise(lambda f, g, h, x0: x0), "start came back")


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


# ---------------------------------------------------------------------------------------
# Chapter 6: a sparse Jacobian by colouring, the cheapest bracketing, matrix-free Newton
# ---------------------------------------------------------------------------------------
def _sparse_jacobian(jvp_at, pattern):
    m, n = pattern.shape
    colour = np.full(n, -1)
    for j in range(n):
        taken = {colour[k] for k in range(j) if np.any(pattern[:, j] & pattern[:, k])}
        colour[j] = min(set(range(n)) - taken)
    J = np.zeros((m, n))
    for c in range(colour.max() + 1):
        compressed = jvp_at((colour == c).astype(float))
        for j in np.flatnonzero(colour == c):
            J[pattern[:, j], j] = compressed[pattern[:, j]]
    return J


def test_sparse_jacobian_solution_passes():
    result = am.check_sparse_jacobian(_sparse_jacobian)
    assert result, str(result)


def test_sparse_jacobian_slips_are_diagnosed():
    _assert_fails_with(am.check_sparse_jacobian(
        lambda jvp_at, p: np.column_stack([jvp_at(e) for e in np.eye(p.shape[1])])),
        "sweeps: a colouring of the columns needs only 3")
    _assert_fails_with(am.check_sparse_jacobian(
        lambda jvp_at, p: jvp_at(np.ones(p.shape[1]))[:, None] * p), "ALL columns at once")

    def unmasked(jvp_at, pattern):   # decompresses every row, not only the pattern's
        J = _sparse_jacobian(jvp_at, pattern)
        return np.where(pattern, J, 1.0)
    _assert_fails_with(am.check_sparse_jacobian(unmasked), "pattern is False")


def _cheapest_chain(dims):
    k = len(dims) - 1
    C = {(i, i): 0 for i in range(1, k + 1)}
    for length in range(1, k):
        for lo in range(1, k - length + 1):
            hi = lo + length
            C[lo, hi] = min(C[s + 1, hi] + C[lo, s] + dims[hi] * dims[s] * dims[lo - 1]
                            for s in range(lo, hi))
    return C[1, k]


def test_cheapest_chain_solution_passes_and_matches_the_chapter():
    result = am.check_cheapest_chain(_cheapest_chain)
    assert result, str(result)
    assert _cheapest_chain([10, 1, 10, 1, 10]) == 120


def test_cheapest_chain_slips_are_diagnosed():
    forward = lambda d: sum(d[i] * d[i - 1] * d[0] for i in range(2, len(d)))
    reverse = lambda d: sum(d[-1] * d[i] * d[i - 1] for i in range(1, len(d) - 1))
    _assert_fails_with(am.check_cheapest_chain(forward), "cost of forward mode")
    _assert_fails_with(am.check_cheapest_chain(reverse), "cost of reverse mode")
    _assert_fails_with(am.check_cheapest_chain(lambda d: min(forward(d), reverse(d))),
                       "cheaper of the two pure modes")


def _cg(hvp_at, g, tol=1e-12):
    p = np.zeros_like(g)
    r = -g.astype(float)
    d = r.copy()
    rr = r @ r
    for _ in range(len(g)):
        if np.sqrt(rr) <= tol * np.linalg.norm(g):
            break
        Hd = hvp_at(d)
        alpha = rr / (d @ Hd)
        p, r = p + alpha * d, r - alpha * Hd
        rr_new = r @ r
        d, rr = r + rr_new / rr * d, rr_new
    return p


def test_newton_direction_solution_passes():
    result = am.check_newton_direction(_cg)
    assert result, str(result)


def test_newton_direction_slips_are_diagnosed():
    _assert_fails_with(am.check_newton_direction(lambda hvp_at, g: -g), "steepest-descent")
    _assert_fails_with(am.check_newton_direction(lambda hvp_at, g: -_cg(hvp_at, g)),
                       "not H p = g")

    def form_the_hessian_twice(hvp_at, g):
        for e in np.eye(len(g)):
            hvp_at(e)
        return np.linalg.solve(np.column_stack([hvp_at(e) for e in np.eye(len(g))]), -g)
    _assert_fails_with(am.check_newton_direction(form_the_hessian_twice),
                       "Hessian-vector products")


@pytest.mark.parametrize("checker", ["check_sparse_jacobian", "check_cheapest_chain",
                                     "check_newton_direction"])
def test_chapter6_stubs_are_not_implemented_yet(checker):
    def stub(*args):
        raise NotImplementedError("Exercise: write it")
    assert "not implemented yet" in str(getattr(am, checker)(stub))
