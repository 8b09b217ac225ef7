"""Tests of lecture_code.autodiff.source: source-code transformation (chapter 4).

Derivatives of the generated programs are checked against the tape-based reverse mode
(``transforms.grad``), the evaluation-trace tangent sweep (``trace``), closed forms and central
differences; unsupported Python must raise a clear error naming the construct and the line.
"""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from lecture_code.autodiff import transforms
from lecture_code.autodiff.examples import rosenbrock, rosenbrock_gradient
from lecture_code.autodiff.rules import RULES, DomainError
from lecture_code.autodiff.source import (MAX_UNROLLED_OPERATIONS, SourceTransformError,
                                          Transformed, gradient_program, source_transform)
from lecture_code.autodiff.trace import trace

SETTINGS = settings(deadline=None, max_examples=40)


def central(f, xs, i, h=1e-6):
    up = list(xs)
    down = list(xs)
    up[i] += h
    down[i] -= h
    return (f(*up) - f(*down)) / (2 * h)


def lecture_f(x1, x2):
    w3 = x1 * x2
    w4 = math.sin(x1)
    return w3 + w4


def power(x, n=5):
    y = 1.0
    for k in range(n):
        y = y * x
    return y




def branchy(x, y):
    if x > y:
        z = x * y
    elif x > 0:
        z = math.exp(x) - y
    else:
        z = y / (1.0 + x * x)
    return z * x


# ---------------------------------------------------------------------------------------
# known derivatives and the generated text
# ---------------------------------------------------------------------------------------
def test_lecture_example_forward():
    df = source_transform(lecture_f)
    assert isinstance(df, Transformed) and df.mode == "forward"
    assert df.original is lecture_f
    value, tangent = df(1.5, 0.5, 1.0, 0.0)
    assert value == lecture_f(1.5, 0.5)
    assert tangent == pytest.approx(0.5 + math.cos(1.5), rel=1e-15)
    assert df(1.5, 0.5, 0.0, 1.0)[1] == pytest.approx(1.5, rel=1e-15)
    assert df.source.splitlines() == [
        "def lecture_f_dot(x1, x2, x1_dot, x2_dot):",
        "    w3 = x1 * x2",
        "    w3_dot = x1_dot * x2 + x1 * x2_dot",
        "    w4 = math.sin(x1)",
        "    w4_dot = math.cos(x1) * x1_dot",
        "    y = w3 + w4",
        "    y_dot = w3_dot + w4_dot",
        "    return y, y_dot",
    ]
    compile(df.source, "<test>", "exec")


def test_lecture_example_reverse():
    df = source_transform(lecture_f, mode="reverse")
    value, (b1, b2) = df(1.5, 0.5)
    assert value == lecture_f(1.5, 0.5)
    assert b1 == pytest.approx(0.5 + math.cos(1.5), rel=1e-15)
    assert b2 == pytest.approx(1.5, rel=1e-15)
    assert df(1.5, 0.5, y_bar=2.0)[1] == pytest.approx((2 * b1, 2 * b2), rel=1e-15)
    text = df.source
    assert "# forward sweep" in text and "# reverse sweep" in text
    assert "x1_bar" in text and "x2_bar" in text and "math.cos(x1)" in text
    # one statement per line
    assert all(";" not in line for line in text.splitlines())


def test_power_keeps_the_loop_and_writes_the_tangent_first():
    dp = source_transform(power)
    lines = [line.strip() for line in dp.source.splitlines()]
    assert "for k in range(n):" in lines
    loop = lines.index("for k in range(n):")
    assert lines[loop + 1] == "y_dot = y_dot * x + y * x_dot"     # reads the old y
    assert lines[loop + 2] == "y = y * x"
    for x in (0.5, -1.5, 2.0):
        assert dp(x, 1.0) == pytest.approx((x ** 5, 5 * x ** 4), rel=1e-14)
        assert dp(x, 1.0, 3) == pytest.approx((x ** 3, 3 * x ** 2), rel=1e-14)
        assert dp(x, 1.0, n=2) == pytest.approx((x ** 2, 2 * x), rel=1e-14)


def test_overwriting_with_a_rule_that_uses_its_output():
    def f(x):
        y = x + 0.5
        y = math.exp(y)
        y = math.sqrt(y)
        return y
    df = source_transform(f)
    x = 0.3
    expected = math.exp((x + 0.5) / 2) / 2
    assert df(x, 1.0)[1] == pytest.approx(expected, rel=1e-14)
    assert source_transform(f, "reverse")(x)[1][0] == pytest.approx(expected, rel=1e-14)


def test_reverse_power_is_specialised_on_the_default_parameter():
    dp = source_transform(power, mode="reverse")
    assert dp(2.0) == (32.0, (80.0,))
    assert dp(2.0, 3) == (8.0, (12.0,))
    assert dp(2.0, n=3) == (8.0, (12.0,))
    assert dp.source_for(2.0, 2).count("y_") >= 2
    assert gradient_program(power)(1.5) == pytest.approx((5 * 1.5 ** 4,), rel=1e-14)


def test_rosenbrock_gradient_matches_the_closed_form():
    xs = [float(v) for v in np.random.default_rng(2).uniform(-1, 1, 100)]
    g = gradient_program(rosenbrock)
    np.testing.assert_allclose(g(*xs), rosenbrock_gradient(xs), rtol=1e-12, atol=1e-12)
    value, bars = source_transform(rosenbrock, "reverse")(*xs)
    assert value == pytest.approx(rosenbrock(*xs), rel=1e-14)
    # a different number of inputs gives another (cached) specialisation
    np.testing.assert_allclose(g(*xs[:3]), rosenbrock_gradient(xs[:3]), rtol=1e-12)
    assert g.source.startswith("def rosenbrock_bar(x_0, x_1, x_2,")
    assert len(g._cache) == 2


def test_rosenbrock_forward_with_star_args():
    xs = [0.3, -0.2, 0.9, 0.1]
    df = source_transform(rosenbrock)
    assert "for i in range(len(x) - 1):" in df.source
    exact = rosenbrock_gradient(xs)
    for i in range(len(xs)):
        seed = [0.0] * len(xs)
        seed[i] = 1.0
        value, tangent = df(*xs, *seed)
        assert value == pytest.approx(rosenbrock(*xs), rel=1e-14)
        assert tangent == pytest.approx(exact[i], rel=1e-12, abs=1e-12)


def test_reverse_source_before_a_star_args_call_explains_itself():
    g = gradient_program(rosenbrock)
    assert "generated when it is called" in g.source
    assert "x_0_bar" in g.source_for(1.0, 2.0)


def test_string_source_is_accepted():
    df = source_transform("def f(a, b):\n    return np.exp(a) * b\n")
    assert df(0.5, 2.0, 1.0, 0.0)[1] == pytest.approx(2 * math.exp(0.5), rel=1e-15)


def test_generated_names_do_not_clash_with_the_users():
    def f(x, x_dot):
        t1 = x * x_dot
        y = t1 + math.sin(x)
        y_bar = y * y
        return y_bar
    df = source_transform(f)
    xs = (0.4, 1.3)
    for i in range(2):
        seed = (1.0, 0.0) if i == 0 else (0.0, 1.0)
        assert df(*xs, *seed)[1] == pytest.approx(central(f, xs, i), rel=1e-8)
    bars = source_transform(f, "reverse")(*xs)[1]
    assert bars == pytest.approx([central(f, xs, i) for i in range(2)], rel=1e-8)


def test_augmented_and_tuple_assignment():
    def f(x, y):
        a, b = x * 2.0, y
        a += b
        a *= x
        a -= 1.0
        a /= y
        a **= 2
        return a
    xs = (0.7, 1.9)
    for mode in ("forward", "reverse"):
        df = source_transform(f, mode)
        if mode == "forward":
            got = [df(*xs, 1.0, 0.0)[1], df(*xs, 0.0, 1.0)[1]]
        else:
            got = list(df(*xs)[1])
        assert got == pytest.approx([central(f, xs, i) for i in range(2)], rel=1e-7, abs=1e-8)


def test_function_of_only_constants_gives_zero_derivatives():
    def f(x, n=2):
        return 3.0 * n
    assert source_transform(f)(1.0, 1.0) == (6.0, 0.0)
    assert source_transform(f, "reverse")(1.0) == (6.0, (0.0,))


def test_unused_input_and_returning_an_input():
    def f(x, y):
        return x
    assert source_transform(f, "reverse")(2.0, 3.0) == (2.0, (1.0, 0.0))
    assert source_transform(f)(2.0, 3.0, 0.5, 7.0) == (2.0, 0.5)


# ---------------------------------------------------------------------------------------
# every rule of the table
# ---------------------------------------------------------------------------------------
_POINTS = {"arccosh": 1.7, "arcsin": 0.4, "arccos": 0.4, "arctanh": 0.4}
_SMOOTH_UNARY = [name for name, r in RULES.items()
                 if r.nargs == 1 and not r.constant and name not in ("true_divide",)]
_SMOOTH_BINARY = [name for name, r in RULES.items() if r.nargs == 2 and name != "true_divide"]


@pytest.mark.parametrize("name", _SMOOTH_UNARY)
def test_every_unary_rule(name):
    src = f"def f(x):\n    return np.{RULES[name].fn.__name__}(x * 1.0)\n"
    x = _POINTS.get(name, 0.6)
    f = source_transform(src).original
    expected = transforms.grad(f)(x)
    assert source_transform(src)(x, 1.0)[1] == pytest.approx(expected, rel=1e-12)
    assert source_transform(src, "reverse")(x)[1][0] == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(central(f, [x], 0), rel=1e-6)


@pytest.mark.parametrize("name", _SMOOTH_BINARY)
def test_every_binary_rule(name):
    src = f"def f(x, y):\n    return np.{RULES[name].fn.__name__}(x, y)\n"
    xs = (0.8, 1.7)
    f = source_transform(src).original
    expected = transforms.grad(f, argnums=(0, 1))(*xs)
    df = source_transform(src)
    assert [df(*xs, 1.0, 0.0)[1], df(*xs, 0.0, 1.0)[1]] == pytest.approx(expected, rel=1e-12)
    assert source_transform(src, "reverse")(*xs)[1] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("call, rule", [("math.asin(x)", "arcsin"), ("abs(x)", "absolute"),
                                        ("pow(x, 3)", "power"), ("sqrt(x)", "sqrt"),
                                        ("ad.tanh(x)", "tanh"), ("math.pi * x", None)])
def test_spellings_of_elementary_functions(call, rule):
    src = (f"import math\nfrom math import sqrt\nimport lecture_code.autodiff as ad\n"
           f"def f(x):\n    return {call}\n")
    df = source_transform(src)
    f = df.original
    x = -0.3 if rule == "absolute" else 0.45
    assert df(x, 1.0)[1] == pytest.approx(central(f, [x], 0), rel=1e-7)
    assert gradient_program(src)(x)[0] == pytest.approx(central(f, [x], 0), rel=1e-7)


# ---------------------------------------------------------------------------------------
# random straight-line programs
# ---------------------------------------------------------------------------------------
_TEMPLATES = [
    "{a} + {b}", "{a} - {b}", "{a} * {b}", "{a} / (1.5 + np.sin({b}))", "np.sin({a})",
    "np.cos({a})", "np.tanh({a})", "np.arctan({a})", "np.exp(np.sin({a}))",
    "np.sqrt(1.0 + {a} * {a})", "np.log(2.0 + np.cos({a}))", "{a} ** 2", "-{a}",
    "0.5 * {a} - {b}", "np.hypot({a}, 1.0 + {b} * {b})", "({a} + 2.0) ** 0.5 * {b}",
]


@st.composite
def programs(draw):
    n_inputs = draw(st.integers(1, 3))
    names = [f"x{i + 1}" for i in range(n_inputs)]
    lines = []
    for k in range(draw(st.integers(1, 7))):
        template = draw(st.sampled_from(_TEMPLATES))
        a, b = draw(st.sampled_from(names)), draw(st.sampled_from(names))
        if "** 0.5" in template:
            a = f"np.tanh({a})"                # keep a + 2 positive
        lines.append(f"    w{k + 1} = " + template.format(a=a, b=b))
        names.append(f"w{k + 1}")
    if draw(st.booleans()):                       # an if/else on the inputs
        a, b = draw(st.sampled_from(names)), draw(st.sampled_from(names))
        k = len(lines) + 1
        lines += [f"    if {a} > 0.3 * {b}:",
                  f"        w{k} = " + draw(st.sampled_from(_TEMPLATES)).format(a=a, b=b),
                  "    else:",
                  f"        w{k} = " + draw(st.sampled_from(_TEMPLATES)).format(a=b, b=a),
                  f"    w{k + 1} = w{k} * {names[-1]}"]
        names.append(f"w{k + 1}")
    lines.append(f"    return {names[-1]} * 1.0")
    src = f"def f({', '.join(names[:n_inputs])}):\n" + "\n".join(lines) + "\n"
    coordinate = st.floats(-1.5, 1.5).filter(lambda v: v == 0.0 or abs(v) > 1e-6)
    xs = draw(st.lists(coordinate, min_size=n_inputs, max_size=n_inputs))
    return src, xs


@SETTINGS
@given(programs())
def test_random_programs_against_other_modes(program):
    src, xs = program
    forward, reverse = source_transform(src), source_transform(src, "reverse")
    f = forward.original
    n = len(xs)
    reference = transforms.grad(f, argnums=tuple(range(n)))(*xs)
    value, bars = reverse(*xs)
    assert value == pytest.approx(f(*xs), rel=1e-12, abs=1e-300)
    np.testing.assert_allclose(bars, reference, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gradient_program(src)(*xs), reference, rtol=1e-10, atol=1e-12)
    tr = trace(f, *xs)
    for i in range(n):
        seed = [0.0] * n
        seed[i] = 1.0
        v, t = forward(*xs, *seed)
        assert v == pytest.approx(f(*xs), rel=1e-12, abs=1e-300)
        np.testing.assert_allclose(t, tr.forward(seed), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(t, reference[i], rtol=1e-10, atol=1e-12)
        scale = 1.0 + abs(t)
        if " if " not in src:                     # differences may cross the branch
            assert abs(t - central(f, xs, i)) < 1e-5 * scale
    # a random direction: the tangent is the gradient's dot product with it
    direction = [0.5, -1.0, 2.0][:n]
    np.testing.assert_allclose(forward(*xs, *direction)[1], np.dot(reference, direction),
                               rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------------------------------
# control flow
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("xs", [(2.0, 1.0), (0.5, 1.0), (-0.5, 1.0), (-0.5, -2.0)])
def test_if_elif_else_every_branch_forward(xs):
    df = source_transform(branchy)
    assert "if x > y:" in df.source and "else:" in df.source
    for i in range(2):
        seed = (1.0, 0.0) if i == 0 else (0.0, 1.0)
        value, tangent = df(*xs, *seed)
        assert value == branchy(*xs)
        assert tangent == pytest.approx(central(branchy, xs, i), rel=1e-7, abs=1e-9)


def test_return_inside_branches_forward():
    def f(x):
        if x > 0:
            return x * x
        return -x
    df = source_transform(f)
    assert df(3.0, 1.0) == (9.0, 6.0)
    assert df(-3.0, 1.0) == (3.0, -1.0)


def test_if_on_a_static_parameter_in_reverse_mode():
    def f(x, squared=True):
        if squared:
            y = x * x
        else:
            y = math.sin(x)
        return y
    g = gradient_program(f)
    assert g(3.0) == (6.0,)
    assert g(3.0, False) == pytest.approx((math.cos(3.0),), rel=1e-15)
    assert source_transform(f)(3.0, 1.0, False)[1] == pytest.approx(math.cos(3.0), rel=1e-15)


def test_nested_for_loops_with_counter_arithmetic():
    def f(x, y, n=3):
        s = 0.0
        for i in range(n):
            for j in range(i, n):
                s = s + x ** (i + 1) * math.cos(y * j) / (j + 1)
                if j % 2 == 0:
                    s = s * 0.9
        return s
    xs = (0.7, 0.3)
    expected = [central(f, xs, i) for i in range(2)]
    assert gradient_program(f)(*xs) == pytest.approx(expected, rel=1e-7)
    df = source_transform(f)
    assert [df(*xs, 1.0, 0.0)[1], df(*xs, 0.0, 1.0)[1]] == pytest.approx(expected, rel=1e-7)
    # the reverse program is straight-line: the loops are unrolled
    assert "for " not in gradient_program(f).source


def test_early_return_inside_a_loop_reverse():
    def f(x, n=10):
        y = x
        for k in range(n):
            y = y * x
            if k == 2:
                return y
        return -y
    assert gradient_program(f)(2.0) == (32.0,)


def test_loop_counter_used_as_a_number():
    def f(x, n=4):
        s = 0.0
        for k in range(1, n):
            s = s + k * x ** k
        return s
    x = 0.8
    exact = sum(k * k * x ** (k - 1) for k in range(1, 4))
    assert source_transform(f)(x, 1.0)[1] == pytest.approx(exact, rel=1e-14)
    assert gradient_program(f)(x)[0] == pytest.approx(exact, rel=1e-14)


# ---------------------------------------------------------------------------------------
# errors: unsupported Python
# ---------------------------------------------------------------------------------------
def while_loop(x):
    while x > 1.0:
        x = x / 2.0
    return x


def recursive(x):
    if x < 1.0:
        return x
    return recursive(x - 1.0) * x


def helper(x):
    return x * 2.0


def calls_unknown(x):
    return helper(x) + 1.0


def uses_a_list(x):
    a = [x, 2.0 * x]
    return a[0]


def uses_print(x):
    print(x)
    return x


def floor_divides(x):
    return x // 2.0


def undefined_name(x):
    return x * not_defined_anywhere  # noqa: F821


def range_of_input(x):
    s = 0.0
    for k in range(int(x)):
        s = s + x
    return s


def returns_a_tuple(x):
    return x, x


def no_return(x):
    y = x * 2.0  # noqa: F841


def swaps(x, y):
    x, y = y, x
    return x


def for_over_list(x):
    s = 0.0
    for c in (1.0, 2.0):
        s = s + c * x
    return s


def conditional_expression(x):
    return x if x > 0 else -x


def breaks(x):
    for k in range(3):
        break
    return x


def nested_def(x):
    def g(t):
        return t
    return g(x)


@pytest.mark.parametrize("f, pattern", [
    (while_loop, r"while_loop, line \d+ \(`while x > 1.0:`\): 'while' loops are not "
                 r"supported.*for k in range.*operator overloading.*Dual.*grad"),
    (recursive, r"recursive, line \d+ .*recursion \(recursive calls itself\).*operator "
                r"overloading"),
    (calls_unknown, r"the call of helper is not supported.*elementary functions.*Dual"),
    (uses_a_list, r"`a = \[x, 2.0 \* x\]`.*lists are not supported.*operator overloading"),
    (uses_print, r"expression statements \(here `print\(x\)`"),
    (for_over_list, r"for loops over anything but range\(...\) \(here `\(1.0, 2.0\)`\)"),
    (conditional_expression, r"conditional expressions.*use an if statement"),
    (breaks, r"'break' are not supported"),
    (nested_def, r"nested function definitions are not supported"),
    (returns_a_tuple, r"must return one scalar, not a tuple"),
    (no_return, r"returns nothing: it must `return`"),
    (swaps, r"assignments to anything but one plain name"),
])
def test_unsupported_constructs_raise_a_syntax_error_naming_them(f, pattern):
    for mode in ("forward", "reverse"):
        with pytest.raises(SourceTransformError, match=pattern) as info:
            source_transform(f, mode)
        assert isinstance(info.value, SyntaxError)
        assert info.value.lineno >= f.__code__.co_firstlineno


def test_lambda_is_rejected():
    with pytest.raises(SourceTransformError, match="lambda.*define the function with def"):
        source_transform(lambda x: x * x)


def test_other_errors_at_generation_time():
    with pytest.raises(SourceTransformError, match="operator FloorDiv is not differentiable"):
        source_transform(floor_divides)
    with pytest.raises(NameError, match="the name not_defined_anywhere is not defined"):
        source_transform(undefined_name)
    with pytest.raises(SourceTransformError, match="bounds of range\\(\\) must not depend"):
        source_transform(range_of_input)
    with pytest.raises(ValueError, match="mode must be 'forward' or 'reverse', got 'sideways'"):
        source_transform(power, mode="sideways")
    with pytest.raises(TypeError, match="needs a Python function .* got int"):
        source_transform(3)
    with pytest.raises(TypeError, match="math.sin takes 1 argument"):
        source_transform("def f(x):\n    return math.sin(x, x)\n")
    with pytest.raises(ValueError, match="exactly one `def`, got 2"):
        source_transform("def f(x):\n    return x\ndef g(x):\n    return x\n")
    with pytest.raises(SourceTransformError, match="not valid Python"):
        source_transform("def f(x)\n    return x\n")
    with pytest.raises(SourceTransformError, match=r"\*\*kw is not supported"):
        source_transform("def f(x, **kw):\n    return x\n")
    with pytest.raises(SourceTransformError, match="keyword-only parameter n needs a default"):
        source_transform("def f(x, *, n):\n    return x\n")
    with pytest.raises(SourceTransformError, match="no parameter without a default"):
        source_transform("def f(x=1.0):\n    return x\n")
    with pytest.raises(SourceTransformError, match=r"\*x must be the only differentiable"):
        source_transform("def f(a, *x):\n    return a\n")
    with pytest.raises(SourceTransformError, match="indexing .* of anything but the \\*args"):
        source_transform("def f(x):\n    return x[0]\n")
    with pytest.raises(SourceTransformError, match="slices are not supported"):
        source_transform("def f(*x):\n    return x[0:1]\n")
    with pytest.raises(SourceTransformError, match="the input tuple x cannot be reassigned"):
        source_transform("def f(*x):\n    x = 1.0\n    return 2.0\n")
    with pytest.raises(SourceTransformError, match="the constant 'a'"):
        source_transform("def f(x):\n    return x * 'a'\n")
    with pytest.raises(SourceTransformError, match="comparisons outside an if test"):
        source_transform("def f(x):\n    y = x > 0\n    return x\n")
    with pytest.raises(SourceTransformError, match="attribute `np.random`"):
        source_transform("def f(x):\n    return x * np.random\n")


def test_range_bound_depending_on_the_input():
    src = "def f(x, n=3):\n    s = x\n    for k in range(n):\n        s = s * x\n" \
          "    for k in range(len((s,))):\n        s = s\n    return s\n"
    with pytest.raises(SourceTransformError, match="tuples are not supported"):
        source_transform(src)
    src = "def f(x):\n    m = x * 2.0\n    s = 0.0\n    for k in range(m):\n" \
          "        s = s + x\n    return s\n"
    for mode in ("forward", "reverse"):
        with pytest.raises(SourceTransformError, match="bounds of range\\(\\) must not depend"):
            source_transform(src, mode)(1.0, 1.0) if mode == "forward" else \
                source_transform(src, mode)(1.0)


@pytest.mark.parametrize("xs", [(2.0, 1.0), (0.5, 1.0), (-0.5, 1.0), (-0.5, -2.0)])
def test_if_elif_else_every_branch_reverse(xs):
    df = source_transform(branchy, "reverse")
    text = df.source
    assert "branch = x > y" in text and text.count("if branch:") == 2
    assert "branch_1 = x > 0.0" in text and text.count("if branch_1:") == 2
    value, bars = df(*xs)
    assert value == branchy(*xs)
    assert bars == pytest.approx([central(branchy, xs, i) for i in range(2)], rel=1e-7,
                                 abs=1e-9)
    assert gradient_program(branchy)(*xs) == bars


def test_if_without_else_and_a_constant_on_one_path():
    def relu(x):
        y = 0.0
        if x > 0:
            y = x
        return y * 2.0
    g = gradient_program(relu)
    assert g(2.0) == (2.0,) and g(-1.0) == (0.0,)
    assert "y = 0.0" in g.source and "y = x" in g.source
    assert source_transform(relu)(-1.0, 1.0) == (0.0, 0.0)


def test_branch_tests_with_and_or_not_and_chains():
    def f(x, y):
        z = x * y
        if (x > 0 and not y > 1.0) or 0.0 < x * x < 0.25:
            z = z + np.sin(x)
        return z
    for xs in [(0.5, 0.5), (0.5, 2.0), (-0.3, 2.0), (-1.0, 2.0)]:
        expected = transforms.grad(f, argnums=(0, 1))(*xs)
        assert gradient_program(f)(*xs) == pytest.approx(expected, rel=1e-14)


def test_reverse_errors_with_branches_on_the_inputs():
    def returns_inside(x):
        if x > 0:
            return x
        return -x
    with pytest.raises(NotImplementedError, match=r"returns_inside, line \d+ \(`if x > 0:`\): "
                                                  r"in reverse mode a `return` inside an if"):
        gradient_program(returns_inside)
    def one_path(x):
        if x > 0:
            y = x
        return y
    with pytest.raises(NameError, match="y is not assigned on every path"):
        gradient_program(one_path)
    assert source_transform(one_path)(1.0, 1.0) == (1.0, 1.0)


def test_unrolling_limit(monkeypatch):
    import lecture_code.autodiff.source as source
    monkeypatch.setattr(source, "MAX_UNROLLED_OPERATIONS", 50)
    with pytest.raises(ValueError, match="more than 50 operations.*lecture_code.autodiff.grad"):
        gradient_program(rosenbrock)(*([0.5] * 20))
    assert MAX_UNROLLED_OPERATIONS > 10_000


# ---------------------------------------------------------------------------------------
# errors: bad input at call time
# ---------------------------------------------------------------------------------------
def test_domain_errors_name_the_generated_line():
    def f(x):
        return math.log(x)
    df = source_transform(f)
    with pytest.raises(DomainError, match=r"generated code failed at line 2, "
                                          r"`y = math.log\(x\)`: math domain error"):
        df(0.0, 1.0)
    with pytest.raises(DomainError, match="not defined at these inputs"):
        gradient_program(f)(-1.0)

    def g(x):
        return math.sqrt(x)
    with pytest.raises(DomainError, match=r"`y_dot = 0.5 / y \* x_dot`: float division"):
        source_transform(g)(0.0, 1.0)

    def h(x):
        return x ** 0.5
    with pytest.raises(DomainError, match="h or its derivative is not defined at these "
                                          "inputs.*fractional power"):
        source_transform(h)(-1.0, 1.0)
    with pytest.raises(DomainError, match="not defined"):
        gradient_program(h)(-1.0)
    with pytest.raises(DomainError, match="not defined"):
        gradient_program(h)(float("nan"))


def test_bad_arguments():
    df = source_transform(lecture_f)
    with pytest.raises(TypeError, match=r"takes the inputs followed by their tangents, "
                                        r"\(x1, x2, x1_dot, x2_dot\), got 2"):
        df(1.0, 2.0)
    with pytest.raises(TypeError, match="argument 1 must be a real number, got ndarray.*jvp"):
        df(np.ones(2), 1.0, 1.0, 0.0)
    g = gradient_program(lecture_f)
    with pytest.raises(TypeError, match="input 2 must be a real number, got str"):
        g(1.0, "2")
    with pytest.raises(TypeError, match=r"takes the arguments of lecture_f\(x1, x2\)"):
        g(1.0)
    with pytest.raises(TypeError, match="the seed y_bar 1 must be a real number"):
        source_transform(lecture_f, "reverse")(1.0, 2.0, y_bar=[1.0])
    with pytest.raises(TypeError, match="even number of arguments"):
        source_transform(rosenbrock)(1.0, 2.0, 3.0)
    with pytest.raises(TypeError, match="needs the point"):
        gradient_program(rosenbrock)()
    with pytest.raises(TypeError, match=r"unexpected keyword arguments \['n'\]"):
        gradient_program(rosenbrock)(1.0, 2.0, n=3)
    # numpy scalars and ints are numbers too
    assert g(np.float64(1.5), 2) == pytest.approx((2.0 + math.cos(1.5), 1.5), rel=1e-15)


def test_tracebacks_show_the_generated_code():
    import linecache
    df = source_transform(lecture_f)
    filename = df._filename
    assert linecache.getline(filename, 2).strip() == "w3 = x1 * x2"


def test_domain_error_in_a_cached_specialisation():
    def f(*x):
        s = 0.0
        for i in range(len(x)):
            s = s + math.log(x[i])
        return s
    g = gradient_program(f)
    assert g(1.0, 2.0) == (1.0, 0.5)
    assert g(1.0, 2.0, 4.0) == (1.0, 0.5, 0.25)
    with pytest.raises(DomainError, match=r"line \d+, `t\d+ = math.log\(x_1\)`"):
        g(1.0, 0.0)


GLOBAL_SCALE = 0.25


def test_globals_and_closure_variables_are_constants():
    scale = 3.0

    def f(x, n=2):
        s = 0.0
        for k in range(n):
            s = s + scale * x + GLOBAL_SCALE * x * x
        return s
    x = 1.5
    exact = 2 * (3.0 + 2 * 0.25 * x)
    assert source_transform(f)(x, 1.0)[1] == pytest.approx(exact, rel=1e-15)
    assert gradient_program(f)(x)[0] == pytest.approx(exact, rel=1e-15)
