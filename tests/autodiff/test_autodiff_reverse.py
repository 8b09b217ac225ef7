"""Central-difference checks shared by the reverse-mode tests."""
import numpy as np

from lecture_code.autodiff.reverse import tape_vjp


def numeric_vjp(f, args, out_bar, eps=1e-6):
    """``out_barᵀ J`` for every argument of ``f`` by central differences."""
    bars = []
    for i, a in enumerate(args):
        a = np.asarray(a, dtype=float)
        bar = np.zeros(a.shape)
        for j in np.ndindex(a.shape):
            up, down = a.copy(), a.copy()
            up[j] += eps
            down[j] -= eps
            fu = f(*_replace(args, i, up))
            fd = f(*_replace(args, i, down))
            bar[j] = np.sum(out_bar * (np.asarray(fu) - np.asarray(fd))) / (2 * eps)
        bars.append(bar)
    return bars


def _replace(args, i, value):
    args = list(args)
    args[i] = float(value) if value.ndim == 0 and isinstance(args[i], float) else value
    return args


def check_vjp(f, *args, rtol=1e-5, atol=1e-6, seed=0):
    """Reverse mode's VJP equals central differences, for a random output adjoint."""
    value, pullback = tape_vjp(f, *args)
    expected_value = f(*args)
    np.testing.assert_allclose(value, expected_value, rtol=1e-12, atol=1e-12)
    rng = np.random.default_rng(seed)
    shape = np.shape(value)
    out_bar = rng.normal(size=shape) if shape else 1.0
    bars = pullback(out_bar)
    expected = numeric_vjp(f, args, out_bar)
    assert len(bars) == len(args)
    for bar, exp, arg in zip(bars, expected, args):
        assert np.shape(bar) == np.shape(arg)
        if isinstance(arg, float):
            assert type(bar) is float
        np.testing.assert_allclose(bar, exp, rtol=rtol, atol=atol)
    return bars


# ---------------------------------------------------------------------------------------
# Core tests: the tape, scalars, every elementwise rule, broadcasting.
# ---------------------------------------------------------------------------------------
import math  # noqa: E402

import pytest  # noqa: E402
from hypothesis import given, settings, strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

from lecture_code.autodiff import value_and_grad  # noqa: E402
from lecture_code.autodiff.reverse import Tape, Variable, unbroadcast  # noqa: E402
from lecture_code.autodiff.rules import RULES, DomainError  # noqa: E402

UNARY = sorted(name for name, r in RULES.items() if r.nargs == 1)
BINARY = sorted({r.name for r in RULES.values() if r.nargs == 2})


def _unary_point(name, rng, size=None):
    low, high = (1.5, 3.0) if name == "arccosh" else (0.2, 0.45)
    return rng.uniform(low, high, size=size)


@pytest.mark.parametrize("name", UNARY)
def test_unary_rule_on_floats_matches_central_differences(name):
    rule = RULES[name]
    x = float(_unary_point(name, np.random.default_rng(1)))
    bar, = check_vjp(lambda x: rule.fn(x), x)
    assert type(bar) is float


@pytest.mark.parametrize("name", UNARY)
def test_unary_rule_on_arrays_matches_central_differences(name):
    rule = RULES[name]
    x = _unary_point(name, np.random.default_rng(2), size=(2, 3))
    check_vjp(lambda x: rule.fn(x) * x, x)


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("kind", ["float", "array"])
def test_binary_rule_matches_central_differences(name, kind):
    rng = np.random.default_rng(3)
    size = None if kind == "float" else (4,)
    x = rng.uniform(0.3, 0.9, size=size)
    y = x + rng.choice([-0.2, 0.2], size=size)     # max/min: no ties
    if kind == "float":
        x, y = float(x), float(y)
    fn = RULES[name].fn
    check_vjp(lambda x, y: fn(x, y), x, y)
    check_vjp(lambda x: fn(x, 0.7), x)
    check_vjp(lambda y: fn(0.6, y), y)


def test_operators_and_reflected_operators():
    f = lambda x, y: (x + 2) * (3 - y) / (x - y ** 2) + 2 ** x + 1 / y - abs(-x) + (+y) - (-x)  # noqa: E731,E501
    check_vjp(f, 0.7, 1.3)
    check_vjp(f, np.array([0.7, 0.2]), np.array([1.3, 1.9]))
    check_vjp(lambda x: 2.0 * x * 3 + x ** 2.5 + 4 / x, 1.3)


def test_rosenbrock_on_python_floats():
    def rosen(*xs):
        return sum(100 * (b - a ** 2) ** 2 + (1 - a) ** 2 for a, b in zip(xs[:-1], xs[1:]))
    xs = [0.3, -0.5, 1.2, 0.8]
    _, pullback = tape_vjp(rosen, *xs)
    bars = pullback(1.0)
    x = np.array(xs)
    expected = np.zeros(4)
    expected[:-1] += -400 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
    expected[1:] += 200 * (x[1:] - x[:-1] ** 2)
    np.testing.assert_allclose(bars, expected, rtol=1e-12)
    assert all(type(b) is float for b in bars)


def test_scalar_nodes_on_the_tape_are_lean_tuples():
    tape = Tape()
    x = tape.input(2.0)
    y = x * x + 1.0
    tape.finish()
    assert tape.recorded[y.index] == (y.index - 1, 1.0)
    assert tape.recorded[x.index] is None


def test_float_variable_with_arrays_and_numpy_scalars():
    a = np.array([1.0, 2.0, 3.0])
    check_vjp(lambda s: np.sum(s * a + np.float64(2.0) * s), 0.5)
    check_vjp(lambda s: np.sum(np.exp(s) * a), 0.5)


def test_integer_inputs_become_floats():
    value, pullback = tape_vjp(lambda x: x * x, 3)
    assert value == 9.0 and pullback(1.0) == (6.0,)
    value, pullback = tape_vjp(lambda x: np.sum(x * x), np.array([1, 2]))
    np.testing.assert_array_equal(pullback(1.0)[0], [2.0, 4.0])


def test_unused_and_constant_outputs_give_zero_adjoints():
    _, pullback = tape_vjp(lambda x, y: x * 2.0, 1.0, np.ones(3))
    bar_x, bar_y = pullback(1.0)
    assert bar_x == 2.0
    np.testing.assert_array_equal(bar_y, np.zeros(3))
    value, pullback = tape_vjp(lambda x: 5.0, 1.0)
    assert value == 5.0 and pullback(1.0) == (0.0,)


def test_pullback_can_be_called_for_every_row_of_the_jacobian():
    A = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    x = np.array([0.3, -0.2])
    _, pullback = tape_vjp(lambda x: np.tanh(A @ x), x)
    J = np.array([pullback(e)[0] for e in np.eye(3)])
    np.testing.assert_allclose(J, (1 - np.tanh(A @ x) ** 2)[:, None] * A, rtol=1e-12)


def test_gradient_arrays_are_writeable_and_contiguous():
    x = np.ones((3, 2))
    _, g = value_and_grad(lambda x: np.sum(x))(x)
    assert g.flags.writeable and g.flags.c_contiguous
    g[0, 0] = 5.0
    np.testing.assert_array_equal(x, np.ones((3, 2)))


def test_reverse_over_reverse_second_derivative():
    def dsin(x):
        return tape_vjp(np.sin, x)[1](1.0)[0]
    value, pullback = tape_vjp(dsin, 0.7)
    assert value == pytest.approx(math.cos(0.7))
    assert pullback(1.0)[0] == pytest.approx(-math.sin(0.7))


def test_reverse_over_reverse_on_arrays():
    def grad_f(x):
        return tape_vjp(lambda x: np.sum(x ** 3 * np.sin(x)), x)[1](1.0)[0]
    x = np.array([0.3, 1.1])
    _, pullback = tape_vjp(grad_f, x)
    hess_rows = np.array([pullback(e)[0] for e in np.eye(2)])
    d2 = 6 * x * np.sin(x) + 6 * x ** 2 * np.cos(x) - x ** 3 * np.sin(x)
    np.testing.assert_allclose(hess_rows, np.diag(d2), rtol=1e-10, atol=1e-12)


def test_outer_variables_are_constants_inside_an_inner_recording():
    def f(y):
        inner = tape_vjp(lambda x: x * y, 2.0)[1](1.0)[0]     # d(x*y)/dx = y
        return inner * y
    value, pullback = tape_vjp(f, 3.0)
    assert value == 9.0 and pullback(1.0) == (6.0,)


@settings(deadline=None, max_examples=40)
@given(st.data())
def test_broadcasting_matches_central_differences(data):
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3,
                                                         max_side=3))
    rng = np.random.default_rng(data.draw(st.integers(0, 1000)))
    x = rng.uniform(0.5, 1.5, size=shapes.input_shapes[0])
    y = rng.uniform(0.5, 1.5, size=shapes.input_shapes[1])
    check_vjp(lambda x, y: x * y + x / y - y ** 2, x, y)


@settings(deadline=None, max_examples=30)
@given(hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=4),
                  elements=st.floats(-2, 2)))
def test_sum_sin_times_square_matches_formula(x):
    _, g = value_and_grad(lambda x: np.sum(np.sin(x) * x ** 2))(x)
    np.testing.assert_allclose(g, np.cos(x) * x ** 2 + 2 * x * np.sin(x), atol=1e-12)


def test_unbroadcast_sums_broadcast_dimensions():
    g = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(unbroadcast(g, (3, 1)), g.sum(axis=(0, 2))[:, None])
    np.testing.assert_array_equal(unbroadcast(g, ()), g.sum())
    assert unbroadcast(g, (2, 3, 4)) is g


def test_variable_reports_shape_and_repr():
    tape = Tape()
    x = Variable(np.zeros((2, 3)), tape)
    assert (x.shape, x.ndim, x.size, len(x)) == ((2, 3), 2, 6, 2)
    assert np.shape(x) == (2, 3) and np.ndim(x) == 2 and np.size(x) == 6
    assert "Variable" in repr(x)
    tape.finish()


def test_comparisons_use_values_and_allow_branching():
    def f(x):
        return x * x if x > 0 else -x
    assert tape_vjp(f, 2.0)[1](1.0) == (4.0,)
    assert tape_vjp(f, -2.0)[1](1.0) == (-1.0,)
    _, pullback = tape_vjp(lambda x: np.sum(np.where(x > 0, x, 0.0 * x)), np.array([-1.0, 2.0]))
    np.testing.assert_array_equal(pullback(1.0)[0], [0.0, 1.0])


# --- errors ----------------------------------------------------------------------------
def test_log_at_zero_raises_domain_error():
    with pytest.raises(DomainError, match="log is only differentiable for positive"):
        tape_vjp(np.log, 0.0)


def test_log_at_zero_in_array_code_raises_when_the_derivative_is_needed():
    # array code: numpy's value (and numpy's warning); the pullback raises only for an
    # adjoint that reaches the bad point, and sends 0 back from a zero adjoint there
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        value, pullback = tape_vjp(np.log, np.array([1.0, 0.0]))
    np.testing.assert_array_equal(value, [0.0, -np.inf])
    with pytest.raises(DomainError, match="log is only differentiable for positive inputs, "
                                          "got 0"):
        pullback(np.ones(2))
    np.testing.assert_array_equal(pullback(np.array([2.0, 0.0]))[0], [2.0, 0.0])


def test_float_domain_errors_are_clear():
    with pytest.raises(DomainError, match="division by zero"):
        tape_vjp(lambda x: 1.0 / x, 0.0)
    with pytest.raises(DomainError, match="sqrt is only differentiable"):
        tape_vjp(np.sqrt, 0.0)
    with pytest.raises(DomainError, match="negative base to a non-integer power"):
        tape_vjp(lambda x: x ** 0.5, -4.0)
    with pytest.raises(DomainError, match="arcsin is only differentiable"):
        tape_vjp(np.arcsin, 1.0)


def test_using_a_variable_after_its_recording_finished_raises():
    kept = []
    tape_vjp(lambda x: kept.append(x) or x * 2.0, 1.0)
    with pytest.raises(ValueError, match="recording that has already finished"):
        kept[0] * 3.0
    with pytest.raises(ValueError, match="recording that has already finished"):
        np.sin(kept[0])
    with pytest.raises(ValueError, match="recording that has already finished"):
        tape_vjp(lambda x: x * kept[0], 1.0)
    kept_array = []
    tape_vjp(lambda x: kept_array.append(x) or np.sum(x), np.ones(2))
    with pytest.raises(ValueError, match="recording that has already finished"):
        tape_vjp(lambda x: np.sum(x * kept_array[0]), np.ones(2))


def test_float_and_math_functions_on_variables_raise():
    with pytest.raises(TypeError, match="math-module function"):
        tape_vjp(math.sin, 1.0)
    with pytest.raises(TypeError, match="converted to a plain numpy array"):
        tape_vjp(lambda x: np.asarray(x), np.ones(2))


def test_bad_arguments_and_outputs_raise():
    with pytest.raises(TypeError, match="pass a float or a numpy array"):
        tape_vjp(lambda x: x, [1.0, 2.0])
    with pytest.raises(TypeError, match="boolean"):
        tape_vjp(lambda x: x, True)
    with pytest.raises(TypeError, match="dtype complex128"):
        tape_vjp(lambda x: x, np.ones(2, dtype=complex))
    with pytest.raises(TypeError, match="must be a function"):
        tape_vjp(3.0, 1.0)
    with pytest.raises(TypeError, match="returned a tuple"):
        tape_vjp(lambda x: (x, x), 1.0)
    _, pullback = tape_vjp(lambda x: x * 2.0, np.ones(3))
    with pytest.raises(ValueError, match=r"out_bar has shape \(\) but .* shape \(3,\)"):
        pullback(1.0)
    with pytest.raises(ValueError, match="needs a scalar output"):
        value_and_grad(lambda x: x * 2.0)(np.ones(3))


def test_unsupported_ufuncs_and_keywords_raise_type_errors():
    with pytest.raises(TypeError, match="np.floor_divide is not supported by lecture_code"):
        tape_vjp(lambda x: x // 2.0, np.ones(2))
    with pytest.raises(TypeError, match=r"np.add.reduce is not supported"):
        tape_vjp(np.add.reduce, np.ones(2))
    with pytest.raises(TypeError, match="keyword.*out"):
        tape_vjp(lambda x: np.sin(x, out=np.empty(2)), np.ones(2))


# --- the fast path (lecture_code.autodiff._fast) against the plain tape (_tape) -----------
PLAIN_CASES = [
    (lambda x: np.sum(np.sin(x) * x ** 2 + x * x), (np.linspace(0.1, 2.0, 7),)),
    (lambda x, y: np.sum(np.exp(x[:, None] * y) / (1.0 + y ** 2) - x[:, None]),
     (np.array([0.3, -0.5]), np.array([1.0, 2.0, 0.5]))),
    (lambda x, y: x * y + np.sin(x) / y - 2.0 ** x + x ** 2 - (-x) * 3 + 1 / y - 4 - y,
     (2.0, 3.0)),
    (lambda *x: sum(100.0 * (b - a ** 2) ** 2 + (1 - a) ** 2 for a, b in zip(x, x[1:])),
     (0.5, -0.3, 1.2, 0.8)),
]


def test_the_fast_path_agrees_with_the_plain_tape(monkeypatch):
    """Float nodes, generated operators and in-place accumulation change no derivative."""
    from lecture_code.autodiff import _fast, _tape
    fast = [tape_vjp(f, *args)[1](1.0) for f, args in PLAIN_CASES]
    for name, method in _fast.PLAIN_OPERATORS.items():
        monkeypatch.setattr(_tape.Variable, name, method)
    monkeypatch.setattr(_tape.Tape, "backward", _fast.PLAIN_BACKWARD)
    monkeypatch.setattr(_tape, "FLOAT_PATH", None)
    tape = Tape()
    out = tape.input(2.0) * 3.0
    assert type(tape.nodes[out.index]) is _tape.Node          # the plain tape is in use
    tape.finish()
    plain = [tape_vjp(f, *args)[1](1.0) for f, args in PLAIN_CASES]
    for got, expected in zip(fast, plain):
        for g, e in zip(got, expected):
            np.testing.assert_allclose(g, e, rtol=1e-14, atol=0)


def test_generated_operators_record_float_nodes():
    tape = Tape()
    x, y = tape.input(2.0), tape.input(3.0)
    nodes = [(x + y).index, (x - 1).index, (2 * x).index, (x ** 3).index, (1.0 - y).index]
    tape.finish()
    assert all(type(tape.recorded[i]) is tuple for i in nodes)
    assert tape.recorded[nodes[3]] == (0, 12.0)          # d(x**3)/dx = 3 x**2 at 2
