"""Checkers for the exercises of the chapters *Forward and reverse mode*, *Jacobians and
Hessians* and *Applications and discussion*.

Introduced in the chapter *Forward and reverse mode* (``check_adjoint_sweep``,
``check_backward``, ``check_softmax_vjp``, ``check_matvec_vjp``), used in *Jacobians and Hessians*
(``check_sparse_jacobian``, ``check_cheapest_chain``, ``check_newton_direction``) and
*Applications and discussion* (``check_newton_system``, ``check_newton_minimise``,
``check_implicit_euler_step``).

The checkers do not depend on the AD library: they build their test functions, Jacobians and
Hessians by hand, so a student's answer is compared with an independent reference. Each
returns a result that is truthy when everything matches and renders as a short report. It
never raises because of the student's code: an unfinished stub, an exception, a wrong shape
or value, a NaN all become a message naming the input, expected against got, and a hint;
typical mistakes (``J·ȳ`` instead of ``Jᵀȳ``, a forgotten branch of the adjoint sum, an
explicit Euler step instead of an implicit one) get their own hint.

Example
-------
>>> def adjoint_sweep(x1, x2):
...     raise NotImplementedError("Exercise: implement adjoint_sweep")
>>> result = check_adjoint_sweep(adjoint_sweep)
>>> bool(result), "not implemented yet" in str(result)
(False, True)
"""
from __future__ import annotations

import math

import numpy as np

from lecture_code.exercises.core import Case, as_float_array, check

__all__ = [
    "check_adjoint_sweep",
    "check_backward",
    "check_softmax_vjp",
    "check_matvec_vjp",
    "check_sparse_jacobian",
    "check_cheapest_chain",
    "check_newton_direction",
    "check_newton_system",
    "check_newton_minimise",
    "check_implicit_euler_step",
]


def _compare_arrays(rtol, atol=1e-12, names=None):
    """A compare function for answers that are an array or a tuple of arrays."""
    def compare(case, got):
        expected = case.expected
        many = isinstance(expected, tuple)
        parts_e = expected if many else (expected,)
        if many:
            if not isinstance(got, (tuple, list)) or len(got) != len(parts_e):
                return (f"expected a tuple of {len(parts_e)} values "
                        f"({', '.join(names or [])}), got {type(got).__name__}.")
            parts_g = tuple(got)
        else:
            parts_g = (got,)
        for k, (g, e) in enumerate(zip(parts_g, parts_e)):
            name = names[k] if names else "the result"
            e = np.asarray(e, dtype=float)
            g = as_float_array(g)
            if g is None:
                return f"{name} is not a number or an array of numbers."
            if g.shape != e.shape:
                return f"{name} has shape {g.shape}, expected {e.shape}."
            if not np.all(np.isfinite(g)):
                return f"{name} contains NaN or inf: {g}."
            if not np.allclose(g, e, rtol=rtol, atol=atol):
                return (f"{name} is {np.array2string(g, precision=6)}, expected "
                        f"{np.array2string(e, precision=6)}.")
        return None
    return compare


# ---------------------------------------------------------------------------------------
# Forward and reverse mode
# ---------------------------------------------------------------------------------------
def _lecture_f(x1, x2):
    return x1 * x2 + math.sin(x1)


def check_adjoint_sweep(adjoint_sweep):
    """Check ``adjoint_sweep(x1, x2) -> (f, x1_bar, x2_bar)`` for ``f = x1·x2 + sin(x1)``.

    Introduced in the chapter *Forward and reverse mode*: a forward pass computes
    ``w3 = w1·w2``, ``w4 = sin(w1)``, ``w5 = w3 + w4``; the reverse pass seeds ``w̄5 = 1`` and
    accumulates ``w̄1 = w̄3·w2 + w̄4·cos(w1)``, ``w̄2 = w̄3·w1``.

    A wrong attempt and the feedback it gets (the first lines):

    >>> def adjoint_sweep(x1, x2):
    ...     return 0.0, 0.0, 0.0
    >>> print(check_adjoint_sweep(adjoint_sweep))  # doctest: +ELLIPSIS
    [FAIL] adjoint_sweep: 4 of 4 cases fail.
      - (x1, x2) = (1.5, 0.5): f is 0., expected 1.747495....
    """
    cases = [Case((x1, x2), (_lecture_f(x1, x2), x2 + math.cos(x1), x1),
                  label=f"(x1, x2) = ({x1}, {x2})")
             for x1, x2 in [(1.5, 0.5), (0.0, 2.0), (-2.0, 3.0), (3.0, -1.0)]]
    return check(adjoint_sweep, cases, name="adjoint_sweep",
                 compare=_compare_arrays(1e-12, names=["f", "x1_bar", "x2_bar"]),
                 diagnose=_diagnose_adjoint,
                 hint="seed the output's adjoint with 1 and walk the lines backwards; each line "
                      "adds its adjoint times the local partial derivative into the adjoints of "
                      "its inputs, and w1 is used twice.")


def _diagnose_adjoint(case, got):
    x1, x2 = case.args
    try:
        _, b1, b2 = (float(g) for g in got)
    except (TypeError, ValueError):
        return None
    if math.isclose(b1, x2) and not math.isclose(x2, x2 + math.cos(x1)):
        return ("x1_bar misses the sin branch: x1 feeds two nodes, so its adjoint is the "
                "SUM w̄3·w2 + w̄4·cos(w1).")
    if math.isclose(b1, math.cos(x1)) and not math.isclose(x2, 0.0):
        return "x1_bar misses the product branch: add w̄3·w2 to w̄4·cos(w1)."
    if math.isclose(b1, x1) and math.isclose(b2, x2 + math.cos(x1)):
        return "x1_bar and x2_bar are swapped."
    return None


# --- build-your-own reverse mode: backward(output) for lecture_code.autodiff.simple.Value ---
def _nodes(output):
    """Every node of the graph of ``output``, each once, in a fixed order (depth first)."""
    seen, nodes, stack = set(), [], [output]
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen.add(id(node))
            nodes.append(node)
            stack.extend(parent for parent, _ in reversed(node.parents))
    return nodes


def _adjoints(output):
    """∂output/∂node for every node of :func:`_nodes`, by the chain rule run *forwards*.

    Independent of any backward sweep: for each node n, d(output)/dn is propagated from n
    to the output through the parents' local derivatives (memoised recursion).
    """
    def tangent(node, seed, memo):
        if node is seed:
            return 1.0
        if id(node) not in memo:
            memo[id(node)] = sum(local * tangent(p, seed, memo) for p, local in node.parents)
        return memo[id(node)]
    return [tangent(output, n, {}) for n in _nodes(output)]


def _slip(output, slip):
    """The grads a backward pass with the classic ``slip`` leaves (on a fresh copy)."""
    import copy
    output = copy.deepcopy(output)
    for node in _nodes(output):
        node.grad = 0.0
    order = []

    def visit(node, seen):
        if seen is not None and id(node) in seen:
            return
        if seen is not None:
            seen.add(id(node))
        for parent, _ in node.parents:
            visit(parent, seen)
        order.append(node)
    visit(output, None if slip == "twice" else set())
    sweep = {"forward": order, "first-reached": _nodes(output)}.get(slip, order[::-1])
    if slip != "no seed":
        output.grad = 1.0
    for node in sweep:
        for parent, local in node.parents:
            if slip == "overwrite":
                parent.grad = node.grad * local
            else:
                parent.grad += node.grad * local
    return [n.grad for n in _nodes(output)]


_SLIPS = {
    "overwrite": "a node used twice keeps only ONE contribution: its adjoint is the SUM over "
                 "its uses, so accumulate with parent.grad += ..., do not overwrite with =.",
    "forward": "the sweep runs in the wrong order (inputs first): walk the topological order "
               "REVERSED, from the output back to the inputs.",
    "first-reached": "the sweep runs in the wrong order: a node is passed on before every "
                     "node that uses it has added its contribution. Sort the graph "
                     "topologically first and walk that order reversed.",
    "twice": "a node is visited twice: a node reached along two paths appears twice in your "
             "order, so its adjoint is passed on twice. Keep a set of visited nodes.",
    "no seed": "every grad is 0: seed the sweep with output.grad = 1.0.",
}


def _backward_graphs():
    from lecture_code.autodiff.simple import Value, sin
    x1, x2 = Value(1.5), Value(0.5)
    yield "the lecture's f = x1·x2 + sin(x1) at (1.5, 0.5)", x1 * x2 + sin(x1)
    x = Value(0.7)
    a = x * x
    b = sin(a)
    yield "a diamond: a = x·x, y = a·sin(a) + x at x = 0.7", a * b + x
    x = Value(1.2)
    y = x
    for _ in range(3):
        y = 0.5 * y * y + x
    yield "a chain that reuses x: y ← y²/2 + x three times, x = 1.2", y
    x = Value(2.0)
    yield "the output is the input: y = x", x


def check_backward(backward):
    """Check ``backward(output)``: fill in ``grad`` of every node of a Value graph.

    Introduced in the chapter *Forward and reverse mode*. ``output`` is a
    :class:`~lecture_code.autodiff.simple.reverse.Value`; each node has ``.grad`` and ``.parents``, a
    tuple of ``(parent, local_derivative)`` pairs. After ``backward(output)`` every node's
    ``grad`` must be ∂output/∂node. The checker recognises the classic slips: overwriting
    an adjoint instead of accumulating it, sweeping in the wrong order, visiting a node
    twice, forgetting the seed. A wrong attempt, which overwrites:

    >>> def backward(output):
    ...     output.grad = 1.0
    ...     stack = [output]
    ...     while stack:
    ...         node = stack.pop()
    ...         for parent, local in node.parents:
    ...             parent.grad = node.grad * local
    ...             stack.append(parent)
    >>> result = check_backward(backward)
    >>> bool(result), "accumulate with parent.grad +=" in str(result)
    (False, True)
    """
    cases = [Case((output,), _adjoints(output), label=label)
             for label, output in _backward_graphs()]

    def compare(case, got):
        grads = [n.grad for n in _nodes(case.args[0])]
        if not all(isinstance(g, (int, float)) for g in grads):
            return "every node's grad should be a number."
        wrong = [k for k, (g, e) in enumerate(zip(grads, case.expected))
                 if not math.isclose(g, e, rel_tol=1e-12, abs_tol=1e-12)]
        if not wrong:
            return None
        node = _nodes(case.args[0])[wrong[0]]
        return (f"{len(wrong)} of {len(grads)} nodes have a wrong grad, e.g. the node with "
                f"data {node.data:.6g}: grad {node.grad!r}, expected {case.expected[wrong[0]]!r}.")

    def diagnose(case, got):
        grads = [n.grad for n in _nodes(case.args[0])]
        for slip, message in _SLIPS.items():
            expected = _slip(case.args[0], slip)
            if expected != case.expected and all(
                    math.isclose(g, e, rel_tol=1e-12, abs_tol=1e-12)
                    for g, e in zip(grads, expected)):
                return message
        return None

    return check(backward, cases, name="backward", compare=compare, diagnose=diagnose,
                 hint="first order the nodes topologically (each after its parents, each "
                      "once), then seed the output with 1 and walk that order from the "
                      "output back, adding each node's adjoint times the local derivative "
                      "into its parents' adjoints.")


def _softmax(x):
    e = np.exp(x - np.max(x))
    return e / e.sum()


def check_softmax_vjp(softmax_vjp):
    """Check ``softmax_vjp(x, out, out_bar) -> x_bar``, the VJP rule of ``softmax``.

    Introduced in the chapter *Forward and reverse mode*: with ``s = softmax(x)`` the
    Jacobian is ``diag(s) − s sᵀ``, so ``x̄ = s ⊙ (ȳ − ⟨ȳ, s⟩)``.

    A wrong attempt and the feedback it gets (the first lines):

    >>> def softmax_vjp(x, s, y_bar):
    ...     return y_bar
    >>> print(check_softmax_vjp(softmax_vjp))  # doctest: +ELLIPSIS
    [FAIL] softmax_vjp: 4 of 4 cases fail.
      - n = 2, random x and ȳ: the result is [-0.248362  0.420445], expected [-0.156293  0.156293]....
    """
    rng = np.random.default_rng(5)
    cases = []
    for n in (2, 3, 6):
        x = rng.normal(size=n)
        s = _softmax(x)
        ybar = rng.normal(size=n)
        J = np.diag(s) - np.outer(s, s)
        cases.append(Case((x, s, ybar), J.T @ ybar, label=f"n = {n}, random x and ȳ"))
    x = np.array([1.0, 2.0, 3.0])
    s = _softmax(x)
    cases.append(Case((x, s, np.ones(3)), np.zeros(3),
                      label="ȳ = (1, 1, 1) (softmax sums to 1, so x̄ = 0)"))
    return check(softmax_vjp, cases, name="softmax_vjp", compare=_compare_arrays(1e-10),
                 diagnose=_diagnose_softmax,
                 hint="differentiate s_i = exp(x_i)/Σ_j exp(x_j) to get the Jacobian in terms of "
                      "s, then multiply its transpose by ȳ without forming it.")


def _diagnose_softmax(case, got):
    x, s, ybar = case.args
    g = as_float_array(got)
    if g is None or g.shape != s.shape:
        return None
    if np.allclose(g, s * (1 - s) * ybar):
        return ("you used only the diagonal s(1 − s) of the Jacobian: every output depends "
                "on every input, so subtract s·⟨ȳ, s⟩.")
    if np.allclose(g, s * ybar):
        return "that is diag(s)·ȳ: the term − s sᵀȳ is missing."
    if np.allclose(g, ybar * s - s * s.sum()):
        return "the inner product must be ⟨ȳ, s⟩ = ybar @ s, not the sum of s."
    return None


def check_matvec_vjp(matvec_vjp):
    """Check ``matvec_vjp(A, x, y_bar) -> (A_bar, x_bar)`` for ``y = A @ x``.

    Introduced in the chapter *Forward and reverse mode*: ``Ā = ȳ xᵀ`` and ``x̄ = Aᵀȳ``
    (each adjoint has the shape of its variable).

    A wrong attempt and the feedback it gets (the first lines):

    >>> def matvec_vjp(A, x, y_bar):
    ...     return np.zeros_like(A), np.zeros_like(x)
    >>> print(check_matvec_vjp(matvec_vjp))  # doctest: +ELLIPSIS
    [FAIL] matvec_vjp: 3 of 3 cases fail.
      - A of shape (2, 2): A_bar is [[0. 0.]...
    """
    rng = np.random.default_rng(6)
    cases = []
    for m, n in [(2, 2), (3, 2), (2, 4)]:
        A = rng.normal(size=(m, n))
        x = rng.normal(size=n)
        ybar = rng.normal(size=m)
        cases.append(Case((A, x, ybar), (np.outer(ybar, x), A.T @ ybar),
                          label=f"A of shape ({m}, {n})"))
    return check(matvec_vjp, cases, name="matvec_vjp",
                 compare=_compare_arrays(1e-12, names=["A_bar", "x_bar"]),
                 diagnose=_diagnose_matvec,
                 hint="write y_i = Σ_j A_ij x_j and apply x̄ += ȳ_i ∂y_i/∂x and Ā += ȳ_i ∂y_i/∂A "
                      "to every entry; then write the sums as matrix products.")


def _diagnose_matvec(case, got):
    A, x, ybar = case.args
    try:
        Abar, xbar = (np.asarray(g, dtype=float) for g in got)
    except (TypeError, ValueError):
        return None
    if Abar.shape == (A.shape[1], A.shape[0]) and np.allclose(Abar, np.outer(x, ybar)):
        return "A_bar is transposed: it must have A's shape, outer(ȳ, x), not outer(x, ȳ)."
    if A.shape[0] == A.shape[1] and xbar.shape == x.shape and np.allclose(xbar, A @ ybar):
        return "x_bar = A·ȳ is a forward (JVP) rule: the VJP needs the transpose, Aᵀȳ."
    return None


# ---------------------------------------------------------------------------------------
# Jacobians and Hessians: sparsity, the cheapest bracketing, matrix-free Newton
# ---------------------------------------------------------------------------------------
class _CountingProduct:
    """``v -> J @ v`` (a JVP, or an HVP when J is a Hessian) that counts its calls and checks
    the input size."""

    def __init__(self, J):
        self.J = J
        self.calls = 0

    def __call__(self, v):
        self.calls += 1
        v = np.asarray(v, dtype=float)
        if v.shape != (self.J.shape[1],):
            raise ValueError(f"the vector must have shape ({self.J.shape[1]},), got {v.shape}")
        return self.J @ v


def _greedy_colours(pattern):
    """Colours of the columns of a sparsity pattern: no two columns of one colour share a row."""
    pattern = np.asarray(pattern, dtype=bool)
    colours = np.full(pattern.shape[1], -1)
    for j in range(pattern.shape[1]):
        used = {colours[k] for k in range(j) if np.any(pattern[:, j] & pattern[:, k])}
        colours[j] = next(c for c in range(pattern.shape[1]) if c not in used)
    return colours


def _sparse_problems():
    """(label, J) pairs with structural zeros; the pattern is J != 0."""
    rng = np.random.default_rng(11)
    n = 8
    tri = np.diag(rng.uniform(1, 2, n)) + np.diag(rng.uniform(1, 2, n - 1), 1) \
        + np.diag(rng.uniform(1, 2, n - 1), -1)
    diag = np.diag(rng.uniform(1, 2, 6))
    band = sum(np.diag(rng.uniform(1, 2, 10 - abs(k)), k) for k in range(-2, 3))
    rect = np.zeros((5, 11))
    for i in range(5):
        rect[i, 2 * i:2 * i + 2] = rng.uniform(1, 2, 2)   # block rows, 2 columns each
    rect[:, 10] = rng.uniform(1, 2, 5)                     # plus a dense last column
    return [("a tridiagonal 8 × 8 Jacobian (3 sweeps are enough)", tri),
            ("a diagonal 6 × 6 Jacobian (1 sweep is enough)", diag),
            ("a 5-band 10 × 10 Jacobian (5 sweeps are enough)", band),
            ("a 5 × 11 block Jacobian with one dense column", rect)]


def check_sparse_jacobian(sparse_jacobian):
    """Check ``sparse_jacobian(jvp_at, pattern) -> J`` from few forward sweeps (colouring).

    Introduced in the chapter *Jacobians and Hessians*. ``pattern`` is a boolean ``(m, n)``
    array, True where J may be nonzero; ``jvp_at(v)`` returns ``J v`` and counts its calls.
    The answer must be the Jacobian and may use no more sweeps than a greedy colouring of the
    columns (columns that share no row get one colour, and one sweep per colour).

    A wrong attempt and the feedback it gets (the first lines):

    >>> def sparse_jacobian(jvp_at, pattern):
    ...     return jvp_at(np.ones(pattern.shape[1]))[:, None] * pattern
    >>> print(check_sparse_jacobian(sparse_jacobian))  # doctest: +ELLIPSIS
    [FAIL] sparse_jacobian: ...
        Hint: you pushed one seed through ALL columns at once...
    """
    calls = {}
    cases = [Case((J != 0, J), J, label=label) for label, J in _sparse_problems()]

    def run(pattern, J):
        product = _CountingProduct(J)
        result = sparse_jacobian(product, pattern)
        calls[J.shape, J.tobytes()] = product.calls
        return result

    base = _compare_arrays(1e-12)

    def compare(case, got):
        message = base(case, got)
        if message:
            return message
        pattern, J = case.args
        used = calls[J.shape, J.tobytes()]
        allowed = int(_greedy_colours(pattern).max()) + 1
        if used > allowed:
            return (f"the right matrix, but with {used} sweeps: a colouring of the columns "
                    f"needs only {allowed}.")
        return None

    def diagnose(case, got):
        pattern, J = case.args
        g = as_float_array(got)
        if g is None or g.shape != J.shape:
            return None
        if np.allclose(g, (J @ np.ones(J.shape[1]))[:, None] * pattern):
            return ("you pushed one seed through ALL columns at once: a row then holds the sum "
                    "of all its entries. Only columns that share no row may share a sweep.")
        if np.allclose(g * pattern, J) and not np.allclose(g, J):
            return ("the entries inside the pattern are right, but you also filled in "
                    "positions where the pattern is False: keep only the pattern's entries.")
        return None

    return check(run, cases, name="sparse_jacobian", compare=compare, diagnose=diagnose,
                 hint="colour the columns greedily: column j gets the smallest colour not "
                      "used by an earlier column that shares a row with it (pattern[:, j] & "
                      "pattern[:, k] has a True). Seed each colour with the sum of its unit "
                      "vectors; the compressed column then holds J[i, j] in every row i of "
                      "pattern[:, j].")


def _chain_costs(dims):
    """(best, forward, reverse) multiplications for J = A_k ⋯ A_1, A_i of shape dims[i] × dims[i-1]."""
    k = len(dims) - 1
    best = {}

    def cost(lo, hi):   # the product A_hi ⋯ A_lo, 1 <= lo <= hi <= k
        if lo == hi:
            return 0
        if (lo, hi) not in best:
            best[lo, hi] = min(cost(s + 1, hi) + cost(lo, s) + dims[hi] * dims[s] * dims[lo - 1]
                               for s in range(lo, hi))
        return best[lo, hi]

    forward = sum(dims[i] * dims[i - 1] * dims[0] for i in range(2, k + 1))
    reverse = sum(dims[k] * dims[i] * dims[i - 1] for i in range(1, k))
    return cost(1, k), forward, reverse


def check_cheapest_chain(cheapest_chain):
    """Check ``cheapest_chain(dims) -> int``: the fewest multiplications for ``J = A_k ⋯ A_1``.

    Introduced in the chapter *Jacobians and Hessians* (mixed modes). ``A_i`` has shape
    ``dims[i] × dims[i-1]`` (so ``dims[0]`` is the number of inputs, ``dims[-1]`` of
    outputs), and a product of an ``a × b`` and a ``b × c`` matrix costs ``a·b·c``
    multiplications. The expected value comes from the matrix-chain recursion over all
    bracketings; the checker recognises the costs of the pure modes.

    A wrong attempt and the feedback it gets (the first lines):

    >>> def cheapest_chain(dims):
    ...     n = dims[0]
    ...     return sum(dims[i] * dims[i - 1] * n for i in range(2, len(dims)))
    >>> print(check_cheapest_chain(cheapest_chain))  # doctest: +ELLIPSIS
    [FAIL] cheapest_chain: ...
        Hint: that is the cost of forward mode...
    """
    chains = [([10, 1, 10, 1, 10], "the chapter's chain, widths 10, 1, 10, 1, 10"),
              ([3, 5], "a single matrix (nothing to multiply)"),
              ([100, 50, 2], "two matrices, R^100 -> R^50 -> R^2"),
              ([2, 50, 100, 1], "R^2 -> R^50 -> R^100 -> R^1"),
              ([1000, 20, 20, 20, 1], "a gradient: R^1000 -> ... -> R^1"),
              ([1, 20, 20, 20, 1000], "a tangent: R^1 -> ... -> R^1000"),
              ([5, 10, 3, 12, 5, 50, 6], "six matrices of mixed widths")]
    cases = [Case((list(d),), _chain_costs(d)[0], label=f"{label}: dims = {d}")
             for d, label in chains]

    def diagnose(case, got):
        dims = case.args[0]
        try:
            got = float(got)
        except (TypeError, ValueError):
            return None
        best, forward, reverse = _chain_costs(dims)
        if got == min(forward, reverse) != max(forward, reverse) and got != best:
            return ("the cheaper of the two pure modes, but not the best bracketing: a mixed "
                    "order can beat both.")
        if got == forward and forward != best:
            return ("that is the cost of forward mode, bracketing from the input side; the "
                    "best bracketing may be mixed.")
        if got == reverse and reverse != best:
            return ("that is the cost of reverse mode, bracketing from the output side; the "
                    "best bracketing may be mixed.")
        if got < best:
            return "fewer multiplications than any bracketing can need: check a·b·c per product."
        return None

    return check(cheapest_chain, cases, name="cheapest_chain", diagnose=diagnose,
                 hint="let C(lo, hi) be the cheapest cost of A_hi ⋯ A_lo. The last product "
                      "splits it into (A_hi ⋯ A_(s+1)) (A_s ⋯ A_lo) for some s, costing "
                      "C(s+1, hi) + C(lo, s) + dims[hi]·dims[s]·dims[lo-1]; take the minimum "
                      "over s and remember the answers (dynamic programming).")


def _newton_problems():
    """(label, H, g) of convex problems: the Newton direction solves H p = -g."""
    rng = np.random.default_rng(13)
    A = rng.normal(size=(6, 6))
    n = 12
    lap = 2 * np.eye(n) - np.eye(n, k=1) - np.eye(n, k=-1) + 0.1 * np.eye(n)
    return [("a 2 × 2 Hessian [[4, 1], [1, 3]]", np.array([[4.0, 1.0], [1.0, 3.0]]),
             np.array([1.0, 2.0])),
            ("a random 6 × 6 positive definite Hessian", A @ A.T + np.eye(6),
             rng.normal(size=6)),
            ("a 12 × 12 discrete Laplacian (+0.1 I)", lap, rng.normal(size=n))]


def check_newton_direction(newton_direction):
    """Check ``newton_direction(hvp_at, g) -> p`` solving ``H p = -g`` with Hessian-vector
    products only (conjugate gradients), in at most ``n`` products.

    Introduced in the chapter *Jacobians and Hessians*. ``hvp_at(v)`` returns ``H v`` and
    counts its calls; ``H`` is symmetric positive definite and never formed.

    A wrong attempt and the feedback it gets (the first lines):

    >>> def newton_direction(hvp_at, g):
    ...     return -g
    >>> print(check_newton_direction(newton_direction))  # doctest: +ELLIPSIS
    [FAIL] newton_direction: ...
        Hint: that is the steepest-descent direction -g...
    """
    calls = {}
    cases = [Case((H, g), np.linalg.solve(H, -g), label=label)
             for label, H, g in _newton_problems()]

    def run(H, g):
        product = _CountingProduct(H)
        result = newton_direction(product, g)
        calls[H.shape] = product.calls
        return result

    base = _compare_arrays(1e-7, 1e-9)

    def compare(case, got):
        message = base(case, got)
        if message:
            return message
        H, g = case.args
        n = len(g)
        if calls[H.shape] > n + 1:
            return (f"the right direction, but with {calls[H.shape]} Hessian-vector products: "
                    f"conjugate gradients needs at most n = {n} (+1 for a residual check).")
        return None

    def diagnose(case, got):
        H, g = case.args
        p = as_float_array(got)
        if p is None or p.shape != g.shape:
            return None
        if np.allclose(p, -g):
            return ("that is the steepest-descent direction -g; the Newton direction solves "
                    "H p = -g.")
        if np.allclose(p, np.linalg.solve(H, g), rtol=1e-7):
            return "sign: the Newton direction solves H p = -g, not H p = g."
        if np.allclose(p, -H @ g):
            return "you multiplied by H; the Newton direction needs H⁻¹ (solve, not multiply)."
        residual = np.linalg.norm(H @ p + g) / np.linalg.norm(g)
        if residual < 0.5:
            return (f"close but not converged (relative residual {residual:.1e}): keep "
                    "iterating until the residual is below ~1e-10 of |g| or n steps are done.")
        return None

    return check(run, cases, name="newton_direction", compare=compare, diagnose=diagnose,
                 hint="conjugate gradients for H p = b with b = -g: start p = 0, r = b, d = r; "
                      "each step needs ONE product Hd; α = rᵀr / dᵀHd moves p and r, and the "
                      "next direction is r plus (new rᵀr / old rᵀr) times d. Stop when |r| is "
                      "tiny.")


# ---------------------------------------------------------------------------------------
# Applications and discussion
# ---------------------------------------------------------------------------------------
def _systems():
    def F1(x):  # circle x² + y² = 4 meets the parabola y = x²
        return np.array([x[0] ** 2 + x[1] ** 2 - 4.0, x[1] - x[0] ** 2])

    def J1(x):
        return np.array([[2 * x[0], 2 * x[1]], [-2 * x[0], 1.0]])

    def F2(x):
        return np.array([np.exp(x[0]) - x[1], x[0] + x[1] + x[2] - 3.0, x[2] ** 3 - x[0]])

    def J2(x):
        return np.array([[np.exp(x[0]), -1.0, 0.0], [1.0, 1.0, 1.0],
                         [-1.0, 0.0, 3 * x[2] ** 2]])

    return [("circle ∩ parabola from (1, 1)", F1, J1, np.array([1.0, 1.0])),
            ("a 3 × 3 system from (0.5, 1, 1)", F2, J2, np.array([0.5, 1.0, 1.0]))]


def check_newton_system(newton_system):
    """Check ``newton_system(F, J, x0, tol=1e-10, max_iter=50) -> root``.

    Introduced in the chapter *Applications and discussion*: ``x ← x − J(x)⁻¹F(x)`` (solve a
    linear system, never invert), until ``‖F(x)‖ ≤ tol``.

    A wrong attempt and the feedback it gets (the first lines):

    >>> def newton_system(F, J, x0, tol=1e-10, max_iter=50):
    ...     return np.array(x0, dtype=float)
    >>> print(check_newton_system(newton_system))  # doctest: +ELLIPSIS
    [FAIL] newton_system: 2 of 2 cases fail.
      - circle ∩ parabola from (1, 1): ‖F(x)‖ = 2 at the returned x = [1. 1.]: not a root....
    """
    cases = [Case((F, J, x0), None, label=label) for label, F, J, x0 in _systems()]

    def run(F, J, x0):
        return newton_system(F, J, x0.copy())

    def compare(case, got):
        F, _, x0 = case.args
        x = as_float_array(got)
        if x is None or x.shape != x0.shape:
            return f"expected a root of shape {x0.shape}, got {got!r:.60}."
        residual = float(np.linalg.norm(F(x)))
        if not residual <= 1e-8:
            return f"‖F(x)‖ = {residual:.3g} at the returned x = {x}: not a root."
        return None

    def diagnose(case, got):
        F, J, x0 = case.args
        x = as_float_array(got)
        if x is not None and x.shape == x0.shape and np.allclose(x, x0):
            return "the start came back: update x inside the loop."
        return None

    return check(run, cases, name="newton_system", compare=compare, diagnose=diagnose,
                 hint="linearise F at x with its Jacobian and solve the linear system for the step"
                      " that makes the linearisation zero (solve, do not invert); stop when ‖F(x)‖"
                      " <= tol.")


def _rosen_grad(x):
    return np.array([-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2),
                     200 * (x[1] - x[0] ** 2)])


def _rosen_hess(x):
    return np.array([[2 - 400 * (x[1] - 3 * x[0] ** 2), -400 * x[0]],
                     [-400 * x[0], 200.0]])


def _minimise_problems():
    """(label, f, grad, hess, x0): pure Newton fails on all but the first two."""
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    b = np.array([1.0, -1.0])

    def well(x):       # f = Σ x_i⁴/4 − x_1²/2 + x_2² (a double well in x_1)
        return x[0] ** 4 / 4 - x[0] ** 2 / 2 + np.sum(x[1:] ** 2)

    def well_grad(x):
        return np.concatenate([[x[0] ** 3 - x[0]], 2 * x[1:]])

    def well_hess(x):
        H = 2 * np.eye(len(x))
        H[0, 0] = 3 * x[0] ** 2 - 1
        return H

    return [
        ("a quadratic ½xᵀAx − bᵀx (one Newton step is exact)",
         lambda x: 0.5 * x @ A @ x - b @ x, lambda x: A @ x - b, lambda x: A,
         np.array([5.0, 5.0])),
        ("Rosenbrock from (−1.2, 1)", lambda x: 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2,
         _rosen_grad, _rosen_hess, np.array([-1.2, 1.0])),
        ("f = x⁴/4 − x²/2 from x = 0.3, where f'' < 0 (pure Newton climbs to the maximum 0)",
         well, well_grad, well_hess, np.array([0.3])),
        ("f = x⁴/4 − x²/2 + y² from (0.3, 1) (pure Newton stops at the saddle (0, 0))",
         well, well_grad, well_hess, np.array([0.3, 1.0])),
        ("f = √(1 + x²) from x = 1.5 (convex, but pure Newton maps x to −x³ and diverges)",
         lambda x: np.sqrt(1 + x[0] ** 2), lambda x: x / np.sqrt(1 + x ** 2),
         lambda x: np.array([[(1 + x[0] ** 2) ** -1.5]]), np.array([1.5])),
    ]


def check_newton_minimise(newton_minimise):
    """Check ``newton_minimise(f, grad, hess, x0, tol=1e-10, max_iter=200) -> x``, a
    safeguarded Newton method that finds a local MINIMUM (not a maximum or a saddle).

    Introduced in the chapter *Applications and discussion*. The answer must have
    ``‖∇f(x)‖ <= 1e-8``, a positive definite Hessian and ``f(x) <= f(x0)``; on three of the
    five problems the pure Newton iteration ``x ← x − H⁻¹∇f`` fails (it climbs to a maximum,
    stops at a saddle, or diverges).

    A wrong attempt and the feedback it gets (the first lines):

    >>> def newton_minimise(f, grad, hess, x0, tol=1e-10, max_iter=200):
    ...     x = np.array(x0, dtype=float)
    ...     for _ in range(max_iter):
    ...         if np.linalg.norm(grad(x)) <= tol:
    ...             break
    ...         x = x - np.linalg.solve(hess(x), grad(x))
    ...     return x
    >>> print(check_newton_minimise(newton_minimise))  # doctest: +ELLIPSIS
    [FAIL] newton_minimise: 3 of 5 cases fail.
    ...
        Hint: your x is a stationary point, but not a minimum...
    """
    overshoot = ("the full Newton step overshoots here and each step makes it worse: accept "
                 "a step only if it lowers f, and shorten it (backtracking) until it does.")
    cases = [Case((f, g, H, x0), label=label, hint=overshoot if "diverges" in label else None)
             for label, f, g, H, x0 in _minimise_problems()]

    def run(f, grad, hess, x0):
        return newton_minimise(f, grad, hess, x0.copy())

    def compare(case, got):
        f, grad, hess, x0 = case.args
        x = as_float_array(got)
        if x is None or x.shape != x0.shape:
            shape = None if x is None else x.shape
            return f"expected a point of shape {x0.shape}, got {shape}."
        if not np.all(np.isfinite(x)):
            return f"the result is {x}: the iteration blew up."
        gnorm = float(np.linalg.norm(grad(x)))
        if not gnorm <= 1e-8:
            return f"‖∇f‖ = {gnorm:.3g} at your x = {x}: not a stationary point."
        lam = float(np.linalg.eigvalsh(np.atleast_2d(hess(x))).min())
        if lam <= 0:
            return (f"x = {np.array2string(x, precision=6)} has ∇f = 0 but the Hessian's "
                    f"smallest eigenvalue is {lam:.3g}: not a minimum.")
        if f(x) > f(x0) + 1e-12:
            return f"f went up: f(x0) = {f(x0):.6g}, f(x) = {f(x):.6g}."
        return None

    def diagnose(case, got):
        f, grad, hess, x0 = case.args
        x = as_float_array(got)
        if x is None or x.shape != x0.shape:
            return None
        if np.allclose(x, x0):
            return "the start came back: update x inside the loop."
        if not np.all(np.isfinite(x)) or np.linalg.norm(x) > 1e3:
            return case.hint or ("the iteration ran away: accept a step only if it "
                                 "lowers f, and shorten it (backtracking) until it does.")
        if np.linalg.norm(grad(x)) <= 1e-8 and \
                np.linalg.eigvalsh(np.atleast_2d(hess(x))).min() <= 0:
            return ("your x is a stationary point, but not a minimum: where H is not "
                    "positive definite the Newton direction p = −H⁻¹∇f can point uphill "
                    "(∇fᵀp > 0). Use p only if it is a descent direction; otherwise fall "
                    "back to one that is.")
        return None

    return check(run, cases, name="newton_minimise", compare=compare, diagnose=diagnose,
                 hint="in each iteration: p = solve(hess(x), -grad(x)); if p is not a "
                      "descent direction (grad(x) @ p >= 0), use p = -grad(x); then halve "
                      "t from 1 until f(x + t p) <= f(x) + 1e-4 t grad(x) @ p (Armijo), and "
                      "move to x + t p. Stop when ‖grad(x)‖ <= tol.")


def _vdp(mu):
    def f(t, y):
        return np.array([y[1], mu * (1 - y[0] ** 2) * y[1] - y[0]])

    def jac(t, y):
        return np.array([[0.0, 1.0], [-2 * mu * y[0] * y[1] - 1, mu * (1 - y[0] ** 2)]])

    return f, jac


def _implicit_reference(f, jac, t, y, h):
    z = y.copy()
    for _ in range(100):
        r = z - y - h * f(t + h, z)
        if np.linalg.norm(r) < 1e-14 * max(1.0, np.linalg.norm(z)):
            break
        z = z - np.linalg.solve(np.eye(len(y)) - h * jac(t + h, z), r)
    return z


def check_implicit_euler_step(implicit_euler_step):
    """Check ``implicit_euler_step(f, jac, t, y, h) -> y_next`` (Newton on the implicit
    equation).

    Introduced in the chapter *Applications and discussion*: ``y_next`` solves
    ``G(z) = z − y − h f(t + h, z) = 0``, whose Jacobian is ``I − h·jac(t + h, z)``.

    A wrong attempt and the feedback it gets (the first lines):

    >>> def implicit_euler_step(f, jac, t, y, h):
    ...     return y + h * f(t, y)
    >>> print(check_implicit_euler_step(implicit_euler_step))  # doctest: +ELLIPSIS
    [FAIL] implicit_euler_step: 3 of 3 cases fail.
      - linear y' = Ly, L = diag(−1000, −0.5), h = 0.01: the result is [-9.     0.995], expected [0.090909 0.995025]....
    """
    L = np.array([[-1000.0, 0.0], [0.0, -0.5]])
    cases = [Case((lambda t, y: L @ y, lambda t, y: L, 0.0, np.array([1.0, 1.0]), 0.01),
                  np.linalg.solve(np.eye(2) + 0.01 * np.diag([1000.0, 0.5]), [1.0, 1.0]),
                  label="linear y' = Ly, L = diag(−1000, −0.5), h = 0.01")]
    for mu, y, h in [(10.0, np.array([2.0, 0.0]), 0.05), (1000.0, np.array([1.5, -0.2]), 0.01)]:
        f, jac = _vdp(mu)
        cases.append(Case((f, jac, 0.0, y, h), _implicit_reference(f, jac, 0.0, y, h),
                          label=f"van der Pol, μ = {mu:g}, y = {tuple(y)}, h = {h}"))

    def run(f, jac, t, y, h):
        return implicit_euler_step(f, jac, t, y.copy(), h)

    def diagnose(case, got):
        f, jac, t, y, h = case.args
        z = as_float_array(got)
        if z is None or z.shape != y.shape:
            return None
        if np.allclose(z, y + h * f(t, y)):
            return ("that is an EXPLICIT Euler step y + h f(t, y): solve "
                    "z = y + h f(t + h, z) for z instead.")
        z1 = y - np.linalg.solve(np.eye(len(y)) - h * jac(t + h, y), -h * f(t + h, y))
        if np.allclose(z, z1) and not np.allclose(z1, case.expected):
            return "one Newton iteration is not enough here: iterate until G(z) ≈ 0."
        return None

    return check(run, cases, name="implicit_euler_step", compare=_compare_arrays(1e-8, 1e-10),
                 diagnose=diagnose,
                 hint="the implicit step solves the equation z = y + h f(t + h, z) for z: write it"
                      " as G(z) = 0, start at z = y and use Newton's method with the Jacobian of "
                      "G.")
