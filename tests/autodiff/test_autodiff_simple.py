"""The readable AD of ``lecture_code.autodiff.simple`` agrees with the fast library (issue 11).

Hypothesis writes random scalar programs as Python source text -- assignments that reuse and
overwrite names, ``for i in range(<constant>)`` loops that read the counter, ``+ - * / **``
and ``sin cos exp log tanh sqrt`` (arguments of ``log``, ``sqrt`` and denominators guarded to
stay positive) -- and differentiates each one six ways: ``simple.reverse.grad`` (a ``Value``
graph), ``simple.source`` forward (one tangent per input) and reverse, the fast reverse mode
``lecture_code.autodiff.grad``, forward mode ``jacfwd`` and the full source transformer
``lecture_code.autodiff.source.source_transform``. All must agree to 1e-12 relative.
The rest pins the size limits (code lines, without docstrings, comments and blank lines),
the generated programs and every error message.
"""
import ast
import io
import math
import tokenize
import types
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lecture_code.autodiff import DomainError, grad, jacfwd
from lecture_code.autodiff import source as full_source
from lecture_code.autodiff import simple
from lecture_code.autodiff.simple import reverse as simple_reverse
from lecture_code.autodiff.simple.source import source_transform
from lecture_code.autodiff.source import SourceTransformError

SIMPLE = Path(simple.__file__).parent
RTOL = 1e-12
UNARY = ["sin", "cos", "exp", "log", "tanh", "sqrt"]
SETTINGS = settings(deadline=None, max_examples=60, derandomize=True)


# ---------------------------------------------------------------------------------------
# Random programs as source text
# ---------------------------------------------------------------------------------------
def expressions(names):
    leaves = st.sampled_from(names) | st.sampled_from(["0.5", "1.5", "2.0", "-0.75"])

    def extend(children):
        positive = children.map(lambda e: f"(0.5 + {e} * {e})")
        return (st.tuples(children, st.sampled_from("+-*"), children).map(
                    lambda t: f"({t[0]} {t[1]} {t[2]})")
                | st.tuples(children, positive).map(lambda t: f"({t[0]} / {t[1]})")
                | st.tuples(children, st.sampled_from(["2", "3"])).map(
                    lambda t: f"{t[0]} ** {t[1]}")
                | st.tuples(st.sampled_from(["sin", "cos", "tanh"]), children).map(
                    lambda t: f"math.{t[0]}({t[1]})")
                | st.tuples(st.sampled_from(["log", "sqrt"]), positive).map(
                    lambda t: f"math.{t[0]}({t[1]})")
                | children.map(lambda e: f"math.exp(math.tanh({e}))")
                | children.map(lambda e: f"-{e}"))
    return st.recursive(leaves, extend, max_leaves=6)


@st.composite
def programs(draw):
    n = draw(st.integers(1, 3))
    params = [f"x{k + 1}" for k in range(n)]
    names, lines = list(params), []
    for k in range(draw(st.integers(0, 3))):
        target = draw(st.sampled_from(names + [f"v{k}"]))
        lines.append(f"    {target} = {draw(expressions(names))}")
        names = sorted(set(names) | {target})
    if draw(st.booleans()):                      # a loop that reads its counter
        count = draw(st.integers(0, 4))
        acc = draw(st.sampled_from(names))
        body = draw(expressions(names + ["i"]))
        op = draw(st.sampled_from(["+", "*"]))
        lines += [f"    for i in range({count}):",
                  f"        {acc} {op}= math.tanh(0.1 * i * {body})"]
    lines.append(f"    return {draw(expressions(names))}")
    point = draw(st.lists(st.floats(-2, 2), min_size=n, max_size=n))
    return f"def f({', '.join(params)}):\n" + "\n".join(lines) + "\n", point


def function(text, math_module):
    namespace = {"math": math_module}
    exec(text, namespace)
    return namespace["f"]


SIMPLE_MATH = types.SimpleNamespace(**{name: getattr(simple_reverse, name) for name in UNARY})
NUMPY_MATH = types.SimpleNamespace(**{name: getattr(np, name) for name in UNARY})


def close(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = max(1.0, float(np.max(np.abs(a), initial=0.0)))
    return a.shape == b.shape and np.all(np.abs(a - b) <= RTOL * scale)


@SETTINGS
@given(programs())
def test_simple_modes_agree_with_the_fast_modes(case):
    text, point = case
    try:
        value = function(text, math)(*point)
    except (OverflowError, ValueError, ZeroDivisionError):
        assume(False)
    assume(math.isfinite(value) and abs(value) < 1e6)
    n = len(point)
    expected = grad(lambda x: function(text, NUMPY_MATH)(*x))(np.array(point, dtype=float))
    assume(np.all(np.abs(expected) < 1e6))
    results = {"simple.reverse.grad": simple.grad(function(text, SIMPLE_MATH))(*point)}
    reverse = source_transform(text, mode="reverse")
    results["simple.source reverse"] = reverse(*point)[1]
    forward = source_transform(text, mode="forward")
    results["simple.source forward"] = [forward(*point, *np.eye(n)[k])[1] for k in range(n)]
    results["jacfwd"] = jacfwd(lambda x: function(text, NUMPY_MATH)(*x))(
        np.array(point, dtype=float))
    results["source.source_transform"] = full_source.source_transform(
        text, mode="reverse")(*point)[1]
    assert reverse(*point)[0] == pytest.approx(value, rel=RTOL, abs=RTOL)
    for name, result in results.items():
        assert close(expected, result), (name, text, point, expected, result)


# ---------------------------------------------------------------------------------------
# Size: each module short enough to read whole in its chapter
# ---------------------------------------------------------------------------------------
def code_lines(path: Path) -> int:
    """Lines holding code: no docstrings, comments or blank lines."""
    text = path.read_text()
    docstrings = set()
    for node in ast.walk(ast.parse(text)):
        body = getattr(node, "body", None)
        if (isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and body
                and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            docstrings |= set(range(body[0].lineno, body[0].end_lineno + 1))
    lines = set()
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
            tokenize.DEDENT, tokenize.ENDMARKER}
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type not in skip:
            lines |= set(range(tok.start[0], tok.end[0] + 1))
    return len(lines - docstrings)


def test_code_line_counter_ignores_docstrings_and_comments(tmp_path):
    path = tmp_path / "m.py"
    path.write_text('"""Doc\nstring."""\n# comment\n\ndef f(x):\n    """Doc."""\n'
                    '    return (x +  # note\n            1)\n')
    assert code_lines(path) == 3


@pytest.mark.parametrize("name, limit", [("reverse.py", 120), ("source.py", 250)])
def test_simple_modules_fit_their_size_limits(name, limit):
    assert code_lines(SIMPLE / name) <= limit


# ---------------------------------------------------------------------------------------
# Reverse mode: behaviour and errors
# ---------------------------------------------------------------------------------------
def test_value_operators_take_numbers_on_either_side():
    x = simple.Value(2.0)
    ys = [x + 1, 1 + x, x - 1, 1 - x, x * 3, 3 * x, x / 4, 4 / x, x ** 3, 3 ** x, -x]
    expected = [1, 1, 1, -1, 3, 3, 0.25, -1.0, 12.0, 9 * math.log(3), -1]
    for y, d in zip(ys, expected):
        y.backward()
        assert x.grad == pytest.approx(d, rel=1e-15)


def test_backward_accumulates_over_shared_nodes_and_resets():
    x = simple.Value(3.0)
    a = x * x
    y = a + a * x                                   # a is used twice
    y.backward()
    y.backward()                                    # a second sweep starts from zero
    assert x.grad == pytest.approx(2 * 3 + 3 * 9)


def test_backward_handles_long_chains():
    x = simple.Value(1.0)
    y = x
    for _ in range(5000):                           # deeper than Python's recursion limit
        y = y * 1.0001
    y.backward()
    assert x.grad == pytest.approx(1.0001 ** 5000)


def test_reverse_domain_errors_match_the_fast_library():
    with pytest.raises(DomainError, match="log is only differentiable") as simple_err:
        simple.grad(lambda x: simple.log(x))(0.0)
    with pytest.raises(DomainError) as fast_err:
        grad(lambda x: np.log(x))(0.0)
    assert "log is only differentiable" in str(fast_err.value)   # the same rule's message
    with pytest.raises(DomainError, match="sqrt"):
        simple.grad(simple.sqrt)(-1.0)
    with pytest.raises(DomainError, match="division by zero"):
        simple.grad(lambda x: 1 / x)(0.0)
    with pytest.raises(DomainError):
        simple.grad(lambda x: x ** 0.5)(-1.0)


def test_reverse_type_errors_name_the_argument():
    with pytest.raises(TypeError, match="input 2 must be a real number"):
        simple.grad(lambda x, y: x * y)(1.0, "2")
    with pytest.raises(TypeError, match="must return one scalar Value.*list"):
        simple.grad(lambda x: [x, x])(1.0)
    with pytest.raises(TypeError, match=r"sin\(x\): x must be a real number"):
        simple.sin([1.0])
    with pytest.raises(TypeError):
        simple.Value(1.0) + "a"
    with pytest.raises(TypeError, match="Value\\(data\\) must be a real number"):
        simple.Value(None)
    assert simple.grad(lambda x, y: 3.0)(1.0, 2.0) == (0.0, 0.0)


# ---------------------------------------------------------------------------------------
# Source transformation: the generated programs and errors
# ---------------------------------------------------------------------------------------
def lecture_f(x1, x2):
    return x1 * x2 + math.sin(x1)


def test_forward_program_of_the_lecture_function_matches_the_full_transformer():
    df = source_transform(lecture_f)
    assert df.source == full_source.source_transform(lecture_f).source
    assert df(1.5, 0.5, 1.0, 0.0) == (1.5 * 0.5 + math.sin(1.5), 0.5 + math.cos(1.5))


def test_reverse_program_reads_old_values_after_overwrites():
    def f(x):
        y = x
        y = y * y
        y = math.exp(y)
        return y * x
    text = source_transform(f, mode="reverse").source
    assert "y_1 = math.exp(y)" in text and "y_2 = y_1 * x" in text
    value, (g,) = source_transform(f, mode="reverse")(0.5)
    assert g == pytest.approx(math.exp(0.25) * (1 + 2 * 0.25))
    assert source_transform(f)(0.5, 1.0)[1] == pytest.approx(g, rel=1e-15)


@pytest.mark.parametrize("body, construct", [
    ("    if x > 0:\n        x = -x\n    return x", "'if' statements"),
    ("    while x < 1:\n        x = x * 2\n    return x", "'while' loops"),
    ("    for i in range(int(x)):\n        x = x * 2\n    return x", "'for' loops other than"),
    ("    return max(x, 1.0)", "calls of max"),
    ("    return x[0]", "indexing"),
    ("    return x + a", "the name 'a' before it is assigned"),
    ("    s += x\n    return s", "the name 's' before it is assigned"),
    ("    for i in range(2):\n        return x\n    return x", "'Return' statements"),
    ("    y = 1.0", "does not end in 'return'"),
])
@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_unsupported_constructs_are_named_with_their_line(body, construct, mode):
    with pytest.raises(SourceTransformError, match=construct) as err:
        source_transform(f"def f(x):\n{body}\n", mode=mode)
    assert "line " in str(err.value) and "lecture_code.autodiff.source" in str(err.value)


def test_source_transform_errors():
    with pytest.raises(ValueError, match="mode must be"):
        source_transform(lecture_f, mode="sideways")
    with pytest.raises(TypeError, match="cannot read the source"):
        source_transform(print)
    with pytest.raises(SourceTransformError, match="default parameters"):
        source_transform("def f(x, n=3):\n    return x\n")
    df = source_transform("def f(x):\n    return math.log(x)\n", mode="reverse")
    with pytest.raises(DomainError, match="not defined at these inputs"):
        df(0.0)
    with pytest.raises(DomainError, match="not defined"):
        source_transform("def f(x):\n    return x ** 0.5\n")(-1.0, 1.0)
    with pytest.raises(TypeError, match="argument 1 must be a real number"):
        df("1")
