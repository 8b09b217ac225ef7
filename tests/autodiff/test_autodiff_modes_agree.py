"""Every AD mode gives the same derivatives (issue 3): property tests over random programs.

Hypothesis builds random compositions of the primitives of ``lecture_code.autodiff.rules``
(unary and binary rules, with Python operators and numpy ufuncs, constants of both kinds),
as scalar functions of 1-3 variables and as numpy-array functions (elementwise rules,
broadcasting, reductions, ``logsumexp``, ``matmul``, transposes and indexing). Each program is
differentiated by every mode -- dual numbers (``derivative``, multi-component duals,
``jvp``, ``jacfwd``), reverse mode (``reverse.tape_vjp``, ``grad``, ``value_and_grad``,
``jacrev``), the evaluation trace's forward and reverse sweeps, and forward-over-reverse
``hessian``/``hvp`` -- and the results must agree to 1e-10 relative to each other and with
central differences to a tolerance that suits them.

Domains: arguments of rules with a ``Rule.domain`` are wrapped in a guard built from other
rules (``0.5 + x²`` before ``log``, ``0.9·tanh(x)`` before ``arcsin``), and a plain-float
evaluation screens out programs that overflow, sit at a kink (``abs``, ``max``, ``floor``,
...) or raise a domain error (the screen uses ``rules.check_domain``). The last part tests
perturbation confusion, Jacobian shapes and the error messages of every mode.
"""
import math
import operator

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lecture_code.autodiff import reverse
from lecture_code.autodiff.dual import Dual, derivative, gradient_forward
from lecture_code.autodiff.finite_diff import difference_jacobian, optimal_step
from lecture_code.autodiff.reverse import logsumexp
from lecture_code.autodiff.rules import RULES, DomainError, check_domain
from lecture_code.autodiff.trace import trace
from lecture_code.autodiff.transforms import (grad, hessian, hvp, jacfwd, jacrev, jvp,
                                              value_and_grad, vjp)

SETTINGS = settings(deadline=None, max_examples=50, derandomize=True)
FEW = settings(deadline=None, max_examples=25, derandomize=True)

AD_RTOL = 1e-10          # modes against each other
FD_RTOL = 2e-6           # against central differences (relative to the derivative's scale)
BIG = 1e3                # screen: |values| and |local partials| stay below this
MARGIN = 1e-2            # screen: distance from a kink / a tie
STEEP = 1e2              # compare with central differences only below this slope:
#                          near a pole (tan(tan(x))) their truncation error is large

UNARY = sorted(name for name, rule in RULES.items() if rule.nargs == 1)
BINARY = sorted(name for name, rule in RULES.items()
                if rule.nargs == 2 and name != "true_divide")
OPERATORS = {"add": operator.add, "subtract": operator.sub, "multiply": operator.mul,
             "divide": operator.truediv, "power": operator.pow}
UNARY_OPERATORS = {"negative": operator.neg, "absolute": abs, "positive": operator.pos}

# Which guard keeps a rule's argument inside its domain (and off its singular points).
POSITIVE = {"log", "log2", "log10", "sqrt", "cbrt", "reciprocal"}
ABOVE_ONE = {"arccosh"}
UNIT = {"arcsin", "arccos", "arctanh"}
ABOVE_MINUS_ONE = {"log1p"}
#: Kinks: where the derivative jumps, as a distance function of the argument(s).
KINKS = {
    "absolute": lambda x: np.abs(x),
    "sign": lambda x: np.abs(x),
    "floor": lambda x: np.abs(x - np.round(x)),
    "ceil": lambda x: np.abs(x - np.round(x)),
    "rint": lambda x: np.abs(np.abs(x - np.floor(x)) - 0.5),
    "maximum": lambda x, y: np.abs(x - y),
    "minimum": lambda x, y: np.abs(x - y),
    "hypot": lambda x, y: np.hypot(x, y),
    # atan2(y, x) jumps by 2π across y = 0 for x < 0 (and is singular at the origin)
    "arctan2": lambda y, x: np.minimum(np.where(x < MARGIN, np.abs(y), np.inf), np.hypot(y, x)),
}


def _c(v):
    return ("c", v)


def guard(name, child):
    """``child`` composed with rules that map any real number into ``name``'s domain."""
    if name in POSITIVE:
        return ("b", "add", _c(0.5), ("u", "square", child, "ufunc"), "op")
    if name in ABOVE_ONE:
        return ("b", "add", _c(1.5), ("u", "square", child, "ufunc"), "ufunc")
    if name in UNIT:
        return ("b", "multiply", _c(0.9), ("u", "tanh", child, "ufunc"), "op")
    if name in ABOVE_MINUS_ONE:
        return ("b", "subtract", ("u", "square", child, "ufunc"), _c(0.5), "op")
    return child


# ---------------------------------------------------------------------------------------
# Programs as data and one evaluator for every number type
# ---------------------------------------------------------------------------------------
def evaluate(expr, env, screen=None):
    """Run the program ``expr`` on ``env`` (floats, arrays, duals, Variables or tracers).

    ``screen(name, args, out)``, if given, sees every rule application (plain values only).
    """
    kind = expr[0]
    if kind == "x":
        return env[expr[1]]
    if kind == "c":
        return expr[1]
    if kind == "u":
        _, name, child, style = expr
        a = evaluate(child, env, screen)
        out = UNARY_OPERATORS[name](a) if style == "op" else RULES[name].fn(a)
        if screen:
            screen(name, (a,), out)
        return out
    if kind == "b":
        _, name, left, right, style = expr
        a, b = evaluate(left, env, screen), evaluate(right, env, screen)
        out = OPERATORS[name](a, b) if style == "op" else RULES[name].fn(a, b)
        if screen:
            screen(name, (a, b), out)
        return out
    if kind == "matmul":
        a, b = evaluate(expr[2], env, screen), evaluate(expr[3], env, screen)
        return a @ b if expr[1] == "op" else np.matmul(a, b)
    child = evaluate(expr[-1], env, screen)
    if kind == "sum":
        return np.sum(child, axis=expr[1])
    if kind == "mean":
        return np.mean(child, axis=expr[1])
    if kind == "max":
        if screen:
            screen("max", (child, expr[1]), None)
        return np.max(child, axis=expr[1])
    if kind == "lse":
        return logsumexp(child, axis=expr[1])
    if kind == "T":
        return child.T
    if kind == "index":
        return child[expr[1]]
    raise AssertionError(f"unknown node {kind}")


class Rejected(Exception):
    pass


def check_value(name, args, out):
    """The screen: reject programs at kinks, outside domains or with huge numbers."""
    if name == "max":
        v, axis = args
        top = np.max(v, axis=axis, keepdims=True)
        near = np.sum(np.abs(v - top) < MARGIN, axis=axis)
        if np.any(near > 1):
            raise Rejected("a near tie in max")
        return
    plain = [np.asarray(a, dtype=float) for a in args]
    rule = RULES[name]
    try:
        check_domain(rule, *plain)
    except DomainError:
        raise Rejected("outside the domain") from None
    if name in KINKS and np.any(KINKS[name](*plain) < MARGIN):
        raise Rejected("at a kink")
    with np.errstate(all="raise"):
        try:
            out = np.asarray(rule.fn(*plain), dtype=float)
            partials = [np.asarray(p(*plain, out), dtype=float) for p in rule.partials]
        except FloatingPointError:
            raise Rejected("overflow / invalid") from None
    for v in [out, *partials]:
        if not np.all(np.isfinite(v)) or np.any(np.abs(v) > BIG):
            raise Rejected("too large")


def pieces(expr, env):
    """Which smooth piece of each kinked rule the program is on at ``env`` (a list)."""
    found = []

    def record(name, args, out):
        plain = [np.asarray(a, dtype=float) for a in args[:1 if name == "max" else None]]
        if name in ("floor", "ceil", "rint"):
            found.append(np.asarray(out, dtype=float))
        elif name in ("absolute", "sign"):
            found.append(np.sign(plain[0]))
        elif name in ("maximum", "minimum"):
            found.append(plain[0] >= plain[1])
        elif name == "arctan2":
            found.append(np.where(plain[1] < 0, np.sign(plain[0]), 0.0))
        elif name == "max":
            found.append(np.argmax(plain[0], axis=args[1]))

    evaluate(expr, env, record)
    return found


def screened(expr, env, neighbours=()):
    """``expr``'s plain value at ``env``, or hypothesis rejects the example.

    Rejected: a domain error, overflow, a value or local partial above ``BIG``, a point
    within ``MARGIN`` of a kink, or a kink between ``env`` and one of its ``neighbours``
    (the points of the central-difference stencil, a little further out): a steep inner
    function can carry ``floor`` across a jump within the stencil, where differences see
    the jump and AD (rightly) the zero slope.
    """
    try:
        with np.errstate(all="raise"):
            value = evaluate(expr, env, check_value)
            here = pieces(expr, env)
            for near in neighbours:
                there = pieces(expr, near)
                assume(all(np.array_equal(a, b) for a, b in zip(here, there)))
    except (Rejected, FloatingPointError):
        assume(False)
    assume(np.all(np.isfinite(value)) and np.all(np.abs(value) < BIG))
    return value


def stencil(v, scale=4.0):
    """The points ``v ± scale·h·eᵢ`` around the vector ``v`` (``h``: the central step)."""
    h = scale * optimal_step("central") * np.maximum(1.0, np.abs(v))
    return [v + sign * h[i] * np.eye(v.size)[i] for i in range(v.size) for sign in (1, -1)]


def uses_variable(expr):
    if expr[0] == "x":
        return True
    return any(isinstance(e, tuple) and uses_variable(e) for e in expr[1:])


# ---------------------------------------------------------------------------------------
# Strategies: scalar programs of n variables
# ---------------------------------------------------------------------------------------
constants = st.sampled_from([0.5, 1.5, -0.75, 2.0, 3.0, np.float64(0.25), -1.25])


@st.composite
def scalar_program(draw, n, depth=4):
    if depth == 0 or draw(st.integers(0, 4)) == 0:
        if draw(st.integers(0, 5)) == 0:
            return _c(draw(constants))
        return ("x", draw(st.integers(0, n - 1)))
    if draw(st.booleans()):
        name = draw(st.sampled_from(UNARY))
        child = guard(name, draw(scalar_program(n, depth - 1)))
        style = "op" if name in UNARY_OPERATORS and draw(st.booleans()) else "ufunc"
        return ("u", name, child, style)
    name = draw(st.sampled_from(BINARY))
    left = draw(scalar_program(n, depth - 1))
    right = draw(scalar_program(n, depth - 1))
    style = "op" if name in OPERATORS and draw(st.booleans()) else "ufunc"
    if name == "divide":
        right = guard("log", right)                          # a positive denominator
    elif name == "power":
        if draw(st.booleans()):                              # x ** 2, x ** 3 (int constants)
            right, style = _c(draw(st.sampled_from([2, 3]))), "op"
        else:                                                # a positive base
            left = guard("log", left)
    return ("b", name, left, right, style)


points = st.floats(-2.0, 2.0, allow_nan=False).map(lambda v: round(v, 3))


def close(a, b, scale, rtol=AD_RTOL, what=""):
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float),
                               rtol=rtol, atol=rtol * scale, err_msg=what)


def scale_of(*arrays):
    return max([1.0] + [float(np.max(np.abs(np.asarray(a, dtype=float)), initial=0.0))
                        for a in arrays])


# ---------------------------------------------------------------------------------------
# Scalar programs: every mode agrees
# ---------------------------------------------------------------------------------------
@SETTINGS
@given(st.data())
def test_scalar_programs_every_mode_agrees(data):
    n = data.draw(st.integers(1, 3), label="n")
    expr = data.draw(scalar_program(n), label="program")
    assume(uses_variable(expr))
    xs = [data.draw(points, label=f"x{i}") for i in range(n)]
    value = screened(expr, xs, [list(p) for p in stencil(np.array(xs))])

    def f(*args):
        return evaluate(expr, args)

    def F(v):
        return evaluate(expr, list(v))

    x = np.array(xs)
    # reverse mode: the reference
    y, pullback = reverse.tape_vjp(f, *xs)
    g = np.array(pullback(1.0), dtype=float)
    scale = scale_of(g)
    close(y, value, scale_of(value), what="reverse-mode value")
    close(grad(f, argnums=tuple(range(n)))(*xs), g, scale, what="grad(argnums)")
    v2, g2 = value_and_grad(F)(x)
    close(g2, g, scale, what="value_and_grad on an array")
    close(v2, value, scale_of(value))
    # forward mode: one dual per input, all inputs in one multi-component dual, jvp, jacfwd
    one_at_a_time = [derivative(lambda t, i=i: f(*xs[:i], t, *xs[i + 1:]), xs[i])
                     for i in range(n)]
    close(one_at_a_time, g, scale, what="derivative, one input at a time")
    close(gradient_forward(F, x), g, scale, what="gradient_forward")
    u = np.linspace(1.0, -0.5, n)
    close(jvp(F, x, u)[1], g @ u, scale * scale_of(u), what="jvp")
    close(jacfwd(F)(x), g, scale, what="jacfwd")
    close(jacrev(F)(x), g, scale, what="jacrev")
    # the evaluation trace
    tr = trace(f, *xs)
    close(tr.value, value, scale_of(value), what="trace value")
    close(tr.reverse(1.0), g, scale, what="trace reverse sweep")
    close([tr.forward(tuple(np.eye(n)[i])) for i in range(n)], g, scale,
          what="trace forward sweeps")
    # central differences
    if scale < STEEP:
        close(difference_jacobian(F, x), g, scale, rtol=FD_RTOL, what="central differences")


@FEW
@given(st.data())
def test_scalar_programs_hessian_matches_differences_of_the_gradient(data):
    n = data.draw(st.integers(1, 3), label="n")
    expr = data.draw(scalar_program(n, depth=3), label="program")
    assume(uses_variable(expr))
    x = np.array([data.draw(points, label=f"x{i}") for i in range(n)])
    screened(expr, list(x), [list(p) for p in stencil(x)])

    def F(v):
        return evaluate(expr, list(v))

    H = hessian(F)(x)
    assert H.shape == (n, n)
    scale = scale_of(H)
    close(H, H.T, scale, what="symmetry")
    close(jacfwd(jacfwd(F))(x), H, scale, what="forward over forward")
    close(jacrev(grad(F))(x), H, scale, what="reverse over reverse")
    u = np.linspace(0.5, -1.0, n)
    close(hvp(F, x, u), H @ u, scale * scale_of(u), what="hvp")
    if scale < STEEP:
        close(difference_jacobian(grad(F), x), H, scale, rtol=1e-5, what="differences of grad")


# ---------------------------------------------------------------------------------------
# Array programs: shapes (), (3,), (3, 3); inputs X (3, 3) and y (3,)
# ---------------------------------------------------------------------------------------
S0, S1, S2 = (), (3,), (3, 3)
SMALLER = {S0: [S0], S1: [S0, S1], S2: [S0, S1, S2]}


@st.composite
def constant_of(draw, shape):
    if shape == S0:
        return _c(draw(constants))
    values = draw(st.lists(st.sampled_from([0.5, -1.0, 1.5, 2.0, -0.25]),
                           min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))
    return _c(np.array(values).reshape(shape))


@st.composite
def array_leaf(draw, shape):
    if draw(st.integers(0, 5)) == 0:
        return draw(constant_of(shape))
    if shape == S2:
        return ("x", "X")
    if shape == S1:
        return draw(st.sampled_from([("x", "y"), ("index", 1, ("x", "X")),
                                     ("index", (slice(None), 2), ("x", "X"))]))
    return draw(st.sampled_from([("index", 0, ("x", "y")), ("index", (1, 2), ("x", "X"))]))


@st.composite
def array_program(draw, shape, depth=4):
    if depth == 0 or draw(st.integers(0, 5)) == 0:
        return draw(array_leaf(shape))
    choice = draw(st.integers(0, 9))
    sub = lambda s: draw(array_program(s, depth - 1))  # noqa: E731
    if choice <= 2:                                          # elementwise unary
        name = draw(st.sampled_from(UNARY))
        style = "op" if name in UNARY_OPERATORS and draw(st.booleans()) else "ufunc"
        return ("u", name, guard(name, sub(shape)), style)
    if choice <= 5:                                          # elementwise binary, broadcast
        name = draw(st.sampled_from(BINARY))
        shapes = [shape, draw(st.sampled_from(SMALLER[shape]))]
        if draw(st.booleans()):
            shapes.reverse()
        left, right = sub(shapes[0]), sub(shapes[1])
        style = "op" if name in OPERATORS and draw(st.booleans()) else "ufunc"
        if name == "divide":
            right = guard("log", right)
        elif name == "power":
            if draw(st.booleans()):
                left = left if shapes[0] == shape else right
                right, style = _c(draw(st.sampled_from([2, 3]))), "op"
            else:
                left = guard("log", left)
        return ("b", name, left, right, style)
    if choice <= 7:                                          # reductions
        kind = draw(st.sampled_from(["sum", "mean", "max", "lse"]))
        if shape == S2:
            return ("T", sub(S2))
        if shape == S1:
            return (kind, draw(st.sampled_from([0, 1, -1])), sub(S2))
        return (kind, None, sub(draw(st.sampled_from([S1, S2]))))
    style = draw(st.sampled_from(["op", "fn"]))              # matmul
    if shape == S2:
        return ("matmul", style, sub(S2), sub(S2))
    if shape == S1:
        if draw(st.booleans()):
            return ("matmul", style, sub(S2), sub(S1))
        return ("matmul", style, sub(S1), sub(S2))
    if draw(st.booleans()):
        return ("matmul", style, sub(S1), sub(S1))
    return ("sum", None, ("index", [0, 2, 2], sub(S1)))     # repeated fancy indices


array_inputs = st.tuples(
    st.lists(points, min_size=9, max_size=9).map(lambda v: np.array(v).reshape(3, 3)),
    st.lists(points, min_size=3, max_size=3).map(np.array))


def unpack(v):
    """The 12-vector ``v`` as the program's inputs ``X`` (3, 3) and ``y`` (3,)."""
    return {"X": np.reshape(v[:9], (3, 3)), "y": v[9:]}


@SETTINGS
@given(st.sampled_from([S0, S1, S2]).flatmap(array_program), array_inputs, st.data())
def test_array_programs_jacobians_agree(expr, inputs, data):
    assume(uses_variable(expr))
    X, y = inputs
    v = np.concatenate([X.ravel(), y])
    value = np.asarray(screened(expr, {"X": X, "y": y}, [unpack(p) for p in stencil(v)]))

    def F(w):
        return evaluate(expr, unpack(w))

    J = jacrev(F)(v)
    assert J.shape == value.shape + (12,)
    scale = scale_of(J)
    close(jacfwd(F)(v), J, scale, what="jacfwd against jacrev")
    if scale < STEEP:
        close(difference_jacobian(F, v), J, scale, rtol=FD_RTOL, what="central differences")
    # one sweep each way, with a random output adjoint / input tangent
    u = np.asarray(data.draw(st.lists(points, min_size=value.size, max_size=value.size),
                             label="out_bar"), dtype=float).reshape(value.shape)
    w = np.asarray(data.draw(st.lists(points, min_size=12, max_size=12), label="tangent"))
    out, pullback = reverse.tape_vjp(lambda X, y: evaluate(expr, {"X": X, "y": y}), X, y)
    close(out, value, scale_of(value))
    Xbar, ybar = pullback(u if value.shape else float(u))
    assert Xbar.shape == (3, 3) and ybar.shape == (3,)
    uJ = np.tensordot(u, J, axes=u.ndim)
    close(np.concatenate([Xbar.ravel(), ybar]), uJ, scale * scale_of(u), what="reverse.tape_vjp")
    close(vjp(F, v)[1](u), uJ, scale * scale_of(u), what="transforms.vjp")
    close(jvp(F, v, w)[1], J @ w, scale * scale_of(w), what="jvp")

    def G(X, y):                                   # a scalar function: <u, f(X, y)>
        return np.sum(evaluate(expr, {"X": X, "y": y}) * u)

    gX, gy = grad(G, argnums=(0, 1))(X, y)
    close(np.concatenate([gX.ravel(), gy]), uJ, scale * scale_of(u), what="grad")


@FEW
@given(st.sampled_from([S0, S1]).flatmap(lambda s: array_program(s, 3)), array_inputs)
def test_array_programs_hessians_agree(expr, inputs):
    assume(uses_variable(expr))
    X, y = inputs
    v = np.concatenate([X.ravel(), y])
    screened(expr, {"X": X, "y": y}, [unpack(p) for p in stencil(v)])

    def G(w):
        return np.sum(evaluate(expr, unpack(w)))

    H = hessian(G)(v)
    assert H.shape == (12, 12)
    scale = scale_of(H)
    close(H, H.T, scale, what="symmetry")
    close(jacrev(grad(G))(v), H, scale, what="reverse over reverse")
    close(hvp(G, v, np.ones(12)), H.sum(axis=1), scale * 12, what="hvp")
    if scale < STEEP:
        close(difference_jacobian(grad(G), v), H, scale, rtol=1e-5, what="differences of grad")


# ---------------------------------------------------------------------------------------
# Regressions and fixed cases
# ---------------------------------------------------------------------------------------
def test_perturbation_confusion_is_avoided_in_every_nesting():
    assert derivative(lambda x: x * derivative(lambda y: x + y, 1.0), 2.0) == 1.0
    assert derivative(lambda x: x * derivative(lambda y: x * y, 1.0), 2.0) == 4.0
    assert grad(lambda x: x * grad(lambda y: x + y)(1.0))(2.0) == 1.0
    assert grad(lambda x: x * grad(lambda y: x * y)(1.0))(2.0) == 4.0
    assert derivative(lambda x: x * grad(lambda y: x * y)(1.0), 2.0) == 4.0
    # the inner function closes over the outer variable and is called twice
    assert derivative(lambda x: derivative(lambda y: x * y * y, 3.0)
                      + derivative(lambda y: x * y, 1.0), 1.0) == 7.0


@pytest.mark.parametrize("call", [
    lambda: grad(lambda x: x * derivative(lambda y: x + y, 1.0))(2.0),
    lambda: jacrev(lambda x: jvp(lambda y: x * y, np.ones(2), np.ones(2))[1])(np.ones(2)),
    lambda: grad(lambda x: gradient_forward(lambda v: x * v[0] * v[1], [1.0, 2.0])[0])(2.0),
    lambda: grad(lambda x: np.sum(jacfwd(lambda y: x * y)(np.ones(2))))(np.ones(2)),
])
def test_forward_mode_inside_reverse_mode_raises_instead_of_returning_zero(call):
    # Regression: these returned 0 (the dual inside the reverse-mode Variable was missed).
    with pytest.raises(NotImplementedError, match="nested inside a reverse-mode function"):
        call()


@pytest.mark.parametrize("n, m", [(1, 1), (1, 4), (3, 1), (3, 2), (2, 5)])
def test_jacobian_shapes_from_rn_to_rm(n, m):
    A = np.arange(1.0, m * n + 1).reshape(m, n)
    x = np.linspace(0.2, 0.9, n)

    def f(x):
        return A @ np.sin(x)

    expected = A * np.cos(x)
    for jac in (jacfwd(f), jacrev(f)):
        J = jac(x)
        assert J.shape == (m, n)
        close(J, expected, scale_of(expected))
    close(difference_jacobian(f, x), expected, scale_of(expected), rtol=1e-7)
    assert jacfwd(lambda X: X.sum(axis=1) * 2.0)(np.ones((2, 3))).shape == (2, 2, 3)
    assert jacrev(lambda X: X.sum(axis=1) * 2.0)(np.ones((2, 3))).shape == (2, 2, 3)
    assert derivative(lambda t: np.array([t] * m) * A[:, 0], 0.5).shape == (m,)


def test_gradient_forward_duals_meeting_arrays_and_numpy_functions():
    # Regressions: np.sum of a scalar dual with several infinitesimals summed its tangent
    # components (a silently wrong gradient); such a dual times an array gave a tangent of
    # the wrong shape; np.stack of them made an array dual with a mismatched tangent.
    x = np.arange(3.0)
    close(gradient_forward(lambda v: np.sum(v[0] * 2.0), x), [2.0, 0.0, 0.0], 1.0)
    close(gradient_forward(lambda v: np.mean(v[1]), x), [0.0, 1.0, 0.0], 1.0)
    # Regression: np.mean of an object array of duals cast the mean with Dual.dtype.
    close(gradient_forward(lambda v: np.mean(v * v), x), 2 * x / 3, 1.0)
    assert derivative(lambda t: np.mean(np.array([t, t * t])), 2.0) == 2.5
    close(gradient_forward(lambda v: np.reshape(v[1], (1,)).sum(), x), [0.0, 1.0, 0.0], 1.0)

    def f(v):
        return np.sum(np.logaddexp(np.stack([v[0], v[2]]), v[1]) * np.array([1.0, 5.0])
                      + np.ones(2) * v[0])

    close(gradient_forward(f, x), jacrev(f)(x), 10.0)


def test_logsumexp_of_an_object_array_of_duals():
    # Regression: np.isfinite failed inside logsumexp on what gradient_forward passes.
    v = np.array([0.1, 0.7, -0.3, 1.2])
    g = gradient_forward(lambda w: np.sum(logsumexp(np.reshape(w, (2, 2)), axis=0)), v)
    close(g, jacrev(lambda w: np.sum(logsumexp(np.reshape(w, (2, 2)), axis=0)))(v), 1.0)


def test_hessian_of_a_full_logsumexp():
    # Regression: logsumexp returned out[()] and a scalar Dual could not be indexed by ().
    X = np.array([[0.0, 1.0], [2.0, -1.0]])
    p = np.exp(X.ravel()) / np.exp(X).sum()
    expected = np.diag(p) - np.outer(p, p)
    H = hessian(lambda x: logsumexp(np.reshape(x, (2, 2))))(X.ravel())
    close(H, expected, 1.0)
    assert Dual(2.0, 1.0)[()] == 2.0
    # Regression: the reverse pass of y[()] could not place a dual adjoint into shape ().
    H = hessian(lambda y: abs(abs(logsumexp(y))))(np.zeros(3))
    close(H, np.eye(3) / 3 - 1 / 9, 1.0)


# ---------------------------------------------------------------------------------------
# Errors: every mode explains itself
# ---------------------------------------------------------------------------------------
def _scalar_modes():
    return {
        "derivative": lambda f, x: derivative(f, x),
        "grad": lambda f, x: grad(f)(x),
        "jvp": lambda f, x: jvp(f, x, 1.0),
        "jacfwd": lambda f, x: jacfwd(f)(x),
        "jacrev": lambda f, x: jacrev(f)(x),
        "hessian": lambda f, x: hessian(f)(x),
        "trace": lambda f, x: trace(f, x).forward(1.0),
    }


BAD = [
    (np.log, 0.0, "log is only differentiable for positive inputs, got 0"),
    (np.log, -1.0, "log is only differentiable for positive inputs, got -1"),
    (np.sqrt, 0.0, "sqrt is only differentiable for positive inputs, got 0"),
    (np.sqrt, -4.0, "sqrt is only differentiable for positive inputs, got -4"),
    (lambda x: 1.0 / x, 0.0, "division by zero"),
    (lambda x: (x + 1.0) / (x - 2.0), 2.0, "division by zero"),
    (np.arccosh, 1.0, "arccosh is only differentiable for x > 1"),
]


@pytest.mark.parametrize("mode", sorted(_scalar_modes()))
@pytest.mark.parametrize("f, x, message", BAD)
def test_every_scalar_mode_raises_the_rules_domain_error(mode, f, x, message):
    with pytest.raises(DomainError, match=message):
        _scalar_modes()[mode](f, x)


@pytest.mark.parametrize("mode", ["grad", "jacfwd", "jacrev", "hessian"])
def test_array_modes_raise_domain_errors_naming_the_value(mode):
    run = {"grad": lambda f, x: grad(f)(x), "jacfwd": lambda f, x: jacfwd(f)(x),
           "jacrev": lambda f, x: jacrev(f)(x), "hessian": lambda f, x: hessian(f)(x)}[mode]
    with pytest.raises(DomainError, match="log is only differentiable for positive inputs, "
                                          "got -2"), \
            pytest.warns(RuntimeWarning, match="invalid value encountered in log"):
        run(lambda x: np.sum(np.log(x)), np.array([1.0, -2.0, 3.0]))
    with pytest.raises(DomainError, match="sqrt is only differentiable"):
        run(lambda x: np.sum(np.sqrt(x)), np.array([1.0, 0.0]))
    with pytest.raises(DomainError, match="division by zero"), \
            pytest.warns(RuntimeWarning, match="divide by zero"):
        run(lambda x: np.sum(1.0 / x), np.array([1.0, 0.0]))


def test_every_domain_rule_raises_in_every_mode_outside_its_domain():
    outside = {"log": 0.0, "log2": -1.0, "log10": 0.0, "log1p": -1.0, "sqrt": -1.0,
               "cbrt": 0.0, "reciprocal": 0.0, "arcsin": 1.0, "arccos": -1.5,
               "arctanh": 1.0, "arccosh": 0.5}
    assert set(outside) == {n for n, r in RULES.items() if r.domain and r.nargs == 1}
    for name, x in outside.items():
        ufunc = RULES[name].fn
        for mode, run in _scalar_modes().items():
            message = {"log2": "log is only", "log10": "log is only",
                       "reciprocal": "division by zero"}.get(name, f"{name} is only")
            with pytest.raises(DomainError, match=message):
                run(ufunc, x)


@pytest.mark.parametrize("call", [
    lambda: grad(lambda x: x * 2.0)(np.ones(3)),
    lambda: grad(lambda x, y: np.stack([x, y]), argnums=(0, 1))(1.0, 2.0),
    lambda: hessian(lambda x: x * x)(np.ones(2)),
    lambda: value_and_grad(lambda x: np.sin(x))(np.ones(2)),
])
def test_grad_of_a_non_scalar_output_says_to_use_a_jacobian(call):
    with pytest.raises(ValueError, match=r"grad needs a scalar output, got shape \((2|3),\); "
                                         r"use jacrev, jacfwd or vjp"):
        call()


def test_gradient_forward_of_a_non_scalar_output_raises():
    with pytest.raises(ValueError, match=r"gradient_forward needs a scalar output, got shape "
                                         r"\(2,\); use jacfwd"):
        gradient_forward(lambda v: v * 2.0, np.ones(2))


@pytest.mark.parametrize("func, name", [
    (np.median, "median"), (np.cumprod, "cumprod"), (np.linalg.inv, "linalg.inv"),
    (np.linalg.det, "linalg.det"), (np.fft.fft, "fft.fft"),
])
def test_unsupported_numpy_functions_are_named_by_every_mode(func, name):
    def f(x):
        return np.sum(func(x))

    x = np.eye(2) + 0.5
    with pytest.raises(TypeError, match=rf"np\.{name} is not supported by "
                                        r"lecture_code\.autodiff's reverse mode"):
        grad(f)(x)
    with pytest.raises(TypeError, match=rf"numpy\.{name} is not supported for Dual numbers"):
        jacfwd(f)(x)
    with pytest.raises(TypeError, match=rf"np\.{name} is not supported"):
        hessian(f)(x)


def test_unsupported_ufuncs_are_named_by_every_mode():
    with pytest.raises(TypeError, match=r"np\.fmod is not supported by lecture_code"):
        grad(lambda x: np.sum(np.fmod(x, 2.0)))(np.ones(2))
    with pytest.raises(TypeError, match=r"numpy\.fmod .*not supported for Dual numbers"):
        jacfwd(lambda x: np.fmod(x, 2.0))(np.ones(2))
    with pytest.raises(TypeError, match=r"no derivative rule for numpy\.fmod"):
        trace(lambda x: np.fmod(x, 2.0), 1.0)


def test_mixing_recordings_raises():
    kept = []
    grad(lambda x: kept.append(x) or x * x)(1.0)
    with pytest.raises(ValueError, match="recording that has already finished"):
        grad(lambda x: x * kept[0])(2.0)
    with pytest.raises(ValueError, match="recording that has already finished"):
        derivative(lambda t: t * kept[0], 2.0)
    with pytest.raises(ValueError, match="recording that has already finished"):
        jacfwd(lambda x: x * kept[0])(np.ones(2))
    tracers = []
    trace(lambda x: tracers.append(x) or x * 2.0, 1.0)
    with pytest.raises(ValueError, match="a value from another trace was mixed into this one"):
        trace(lambda x: x * tracers[0], 3.0)


def test_math_module_functions_on_ad_values_say_what_to_use():
    with pytest.raises(TypeError, match="use np.sin or lecture_code.autodiff.sin"):
        derivative(math.sin, 1.0)
    with pytest.raises(TypeError, match="Use numpy functions"):
        grad(math.sin)(1.0)
    with pytest.raises(TypeError, match="Use numpy functions"):
        hessian(lambda x: math.exp(x[0]))(np.ones(1))


def test_dual_rejects_foreign_values():
    with pytest.raises(TypeError, match="must be a real number"):
        Dual("1.0", 1.0)


# ---------------------------------------------------------------------------------------
# The fast paths of the reverse pass (benchmark work) give the same numbers
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("g_shape, shape", [((3, 1000, 2), (3, 1, 2)), ((4, 300, 5), (1, 300, 5)),
                                            ((2, 500, 3), (500, 1)), ((5, 400), (1,)),
                                            ((3, 400, 2), (3, 400, 1))])
def test_unbroadcast_sums_like_numpy(g_shape, shape):
    g = np.random.default_rng(0).normal(size=g_shape)
    expected = np.sum(g, axis=tuple(range(len(g_shape) - len(shape))))
    expected = np.sum(expected, axis=tuple(i for i, n in enumerate(shape) if n == 1),
                      keepdims=True)
    got = reverse.unbroadcast(g, shape)
    assert got.shape == shape
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    assert not np.shares_memory(got, g)
    # ... also on a strided (transposed) adjoint
    gt = np.ascontiguousarray(np.swapaxes(g, 0, -1)).swapaxes(0, -1)
    np.testing.assert_allclose(reverse.unbroadcast(gt, shape), expected, rtol=1e-12,
                               atol=1e-12)


@pytest.mark.parametrize("f", [
    lambda x: np.sum(x * x), lambda x: np.sum(x + x), lambda x: np.sum(np.hypot(x, x)),
    lambda x: np.sum(x / (x * x + 1.0)), lambda x: np.sum(x ** x),
    lambda x: np.sum(np.logaddexp(x, x) * np.maximum(x, x)),
])
def test_a_variable_in_both_arguments_of_a_rule(f):
    x = np.array([0.5, 1.25, 2.0])
    g = grad(f)(x)
    close(g, jacfwd(f)(x), scale_of(g))
    close(difference_jacobian(f, x), g, scale_of(g), rtol=1e-7)
    assert grad(lambda x: np.sum(x - x))(x).tolist() == [0.0, 0.0, 0.0]


def test_in_place_accumulation_never_changes_shared_arrays():
    x = np.array([0.3, -1.2, 2.0, 0.7])
    out_bar = np.array([1.0, -2.0, 0.5, 3.0])
    kept = out_bar.copy()

    def f(x):
        a = np.sin(x) * x                      # x reaches a through two paths
        b = a + a * 2.0 + np.exp(x)            # a's adjoint goes to two parents
        return b * np.cos(x) + x               # an identity path: the adjoint itself

    y, pullback = reverse.tape_vjp(f, x)
    first = pullback(out_bar)[0]
    second = pullback(out_bar)[0]              # the tape is reusable: same result
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(out_bar, kept)
    J = jacfwd(f)(x)
    close(first, out_bar @ J, scale_of(J) * 3)
    close(jacrev(f)(x), J, scale_of(J))


def test_gradients_never_alias_the_tape_or_the_callers_arrays():
    c = np.array([1.0, 2.0, 3.0])
    x = np.array([0.5, -0.5, 1.5])
    _, pullback = reverse.tape_vjp(lambda x: np.sum(x * c), x)
    g = pullback(1.0)[0]
    assert not np.shares_memory(g, c)
    g *= 10.0                                   # the caller owns what it gets
    np.testing.assert_array_equal(c, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(pullback(1.0)[0], c)
    # an adjoint of 1 passes the forward values through unmultiplied: still copies
    _, pullback = reverse.tape_vjp(lambda x: np.sum(np.sin(x) * x ** 2), x)
    first = pullback(1.0)[0]
    first[:] = 0.0
    close(pullback(1.0)[0], np.cos(x) * x ** 2 + 2 * x * np.sin(x), 10.0)
    u = np.array([1.0, -1.0, 2.0])
    _, pullback = reverse.tape_vjp(lambda x, y: x + y, x, x.copy())
    gx, gy = pullback(u)
    assert not np.shares_memory(gx, u) and not np.shares_memory(gx, gy)
