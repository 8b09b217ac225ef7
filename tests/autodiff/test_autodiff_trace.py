"""Tests of lecture_code.autodiff.trace: evaluation traces, both sweeps, tables, graphs."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from lecture_code.autodiff import functions as F
from lecture_code.autodiff.rules import DomainError
from lecture_code.autodiff.trace import Trace, trace

SETTINGS = settings(deadline=None, max_examples=40)
finite = st.floats(-2.0, 2.0, allow_nan=False)


def lecture_f(x1, x2):
    return x1 * x2 + np.sin(x1)


def central(f, args, i, h=1e-6):
    up, down = list(args), list(args)
    up[i] += h
    down[i] -= h
    return (f(*up) - f(*down)) / (2 * h)


# ---- the lecture's example ---------------------------------------------------------------
def test_lecture_entries_values_tangents_adjoints():
    x1, x2 = 1.5, 0.5
    tr = trace(lecture_f, x1, x2)
    assert [e.name for e in tr.entries] == ["w1", "w2", "w3", "w4", "w5"]
    assert [e.op for e in tr.entries] == ["input", "input", "multiply", "sin", "add"]
    assert [e.inputs for e in tr.entries] == [(), (), ("w1", "w2"), ("w1",), ("w3", "w4")]
    assert [e.definition for e in tr.entries] == ["x1", "x2", "w1 · w2", "sin(w1)", "w3 + w4"]
    assert np.allclose([e.value for e in tr.entries],
                       [x1, x2, x1 * x2, math.sin(x1), x1 * x2 + math.sin(x1)], atol=0)
    assert tr.value == lecture_f(x1, x2)
    assert all(e.tangent is None and e.adjoint is None for e in tr.entries)
    assert tr.forward((1.0, 0.0)) == pytest.approx(x2 + math.cos(x1), abs=1e-15)
    assert np.allclose([e.tangent for e in tr.entries],
                       [1, 0, x2, math.cos(x1), x2 + math.cos(x1)], atol=1e-15)
    grad = tr.reverse(1.0)
    assert np.allclose(grad, [x2 + math.cos(x1), x1], atol=1e-15)
    assert np.allclose([e.adjoint for e in tr.entries],
                       [x2 + math.cos(x1), x1, 1, 1, 1], atol=1e-15)


def test_lecture_table_text_markdown_html():
    tr = trace(lecture_f, 1.5, 0.5)
    tr.forward((1.0, 0.0))
    tr.reverse()
    text = str(tr)
    lines = text.splitlines()
    assert lines[0].split() == ["w", "definition", "value", "tangent", "adjoint"]
    assert len(lines) == 7
    assert lines[4].startswith("w3  w1 · w2") and "0.75" in lines[4]
    assert "sin(w1)" in lines[5] and "0.99749499" in lines[5]
    assert repr(tr) == text
    md = tr.to_markdown()
    assert md.splitlines()[0] == "| w | definition | value | tangent | adjoint |"
    assert "| w4 | sin(w1) |" in md
    html = tr._repr_html_()
    assert html.startswith("<table>") and "<td>sin(w1)</td>" in html
    rows = tr.rows()
    assert rows[2] == {"w": "w3", "definition": "w1 · w2", "value": 0.75,
                       "tangent": 0.5, "adjoint": 1.0}


def test_lecture_dual_program():
    tr = trace(lecture_f, 1.5, 0.5)
    assert tr.original_program().splitlines() == [
        "w1 = x1", "w2 = x2", "w3 = w1 · w2", "w4 = sin(w1)", "w5 = w3 + w4"]
    assert tr.dual_lines() == ["ẇ1 = ẋ1", "ẇ2 = ẋ2", "ẇ3 = ẇ1·w2 + w1·ẇ2",
                               "ẇ4 = cos(w1)·ẇ1", "ẇ5 = ẇ3 + ẇ4"]
    program = tr.dual_program().splitlines()
    assert program[0].split() == ["original", "program", "dual", "program"]
    assert program[3].startswith("w3 = w1 · w2") and program[3].endswith("ẇ3 = ẇ1·w2 + w1·ẇ2")
    assert tr.adjoint_program().splitlines() == [
        "w̄5 = ȳ", "w̄3 += w̄5", "w̄4 += w̄5", "w̄1 += w̄4·cos(w1)", "w̄1 += w̄3·w2",
        "w̄2 += w̄3·w1"]


def test_graph_nodes_and_edges():
    tr = trace(lecture_f, 1.5, 0.5)
    tr.forward((0.0, 1.0))
    assert tr.edges == [("w1", "w3"), ("w2", "w3"), ("w1", "w4"), ("w3", "w5"), ("w4", "w5")]
    nodes = {n.name: n for n in tr.nodes}
    assert {k: n.depth for k, n in nodes.items()} == {"w1": 0, "w2": 0, "w3": 1, "w4": 1,
                                                      "w5": 2}
    assert nodes["w1"].kind == "input" and nodes["w3"].kind == "op"
    assert nodes["w5"].tangent == pytest.approx(1.5)
    assert nodes["w3"].label == "w1 · w2"


def test_constants_are_nodes():
    tr = trace(lambda x: 2 * x + x ** 2 - 2, 3.0)
    assert tr.constants == {"c1": 2.0}          # one node for the value 2
    assert [e.definition for e in tr.entries] == ["x", "2 · w1", "w1^2", "w2 + w3", "w4 − 2"]
    nodes = {n.name: n for n in tr.nodes}
    assert nodes["c1"].kind == "const" and nodes["c1"].label == "2"
    assert ("c1", "w2") in tr.edges
    assert tr.forward(1.0) == pytest.approx(2 + 6)
    assert tr.dual_lines()[2] == "ẇ3 = 2·w1·ẇ1"
    tr2 = trace(lambda x: x + 1.0 + 1, 1.0)      # float 1.0 and int 1 are shown as written
    assert [e.definition for e in tr2.entries][1:] == ["w1 + 1.0", "w2 + 1"]


def test_math_module_and_package_functions_are_traced():
    def with_math(x1, x2):
        w3 = x1 * x2
        w4 = math.sin(x1)
        return w3 + w4

    def with_package(x1, x2):
        return x1 * x2 + F.sin(x1)

    for fn in (with_math, with_package, lecture_f):
        tr = trace(fn, 1.5, 0.5)
        assert [e.op for e in tr.entries] == ["input", "input", "multiply", "sin", "add"]
        assert tr.value == pytest.approx(lecture_f(1.5, 0.5), abs=1e-15)


def test_numpy_scalar_inputs_and_branches():
    def relu_ish(x):
        if x > 0:
            return x * x
        return -x

    assert trace(relu_ish, np.float64(2.0)).forward(1.0) == 4.0
    tr = trace(relu_ish, -2.0)
    assert tr.forward(1.0) == -1.0 and [e.op for e in tr.entries] == ["input", "negative"]
    assert abs(trace(lambda x: abs(x), -3.0).forward(1.0) + 1.0) < 1e-15


# ---- sweeps against central differences and against each other ------------------------
PROGRAMS = [
    (lambda x, y: x * y + np.sin(x), ((-2, 2), (-2, 2))),
    (lambda x, y: np.exp(x / y) - y ** 2, ((-1, 1), (0.5, 2))),
    (lambda x, y: np.log(x) * np.cos(x * y), ((0.2, 2), (-2, 2))),
    (lambda x, y: np.tanh(x - 3 * y) / (1 + x * x) + np.sqrt(y), ((-2, 2), (0.3, 2))),
    (lambda x, y: np.hypot(x, y) + np.arctan2(y, x) - x ** 3, ((0.5, 2), (0.5, 2))),
]


@pytest.mark.parametrize("k", range(len(PROGRAMS)))
@SETTINGS
@given(u=st.floats(0, 1), v=st.floats(0, 1), s=finite, t=finite)
def test_sweeps_match_central_differences_and_each_other(k, u, v, s, t):
    f, ((a, b), (c, d)) = PROGRAMS[k]
    x, y = a + (b - a) * u, c + (d - c) * v
    tr = trace(f, x, y)
    assert tr.value == pytest.approx(float(f(x, y)), rel=1e-15, abs=1e-15)
    g = tr.reverse(1.0)
    fd = [central(f, (x, y), i) for i in range(2)]
    assert np.allclose(g, fd, rtol=1e-5, atol=1e-5)
    # forward along (s, t) equals the reverse gradient dotted with (s, t)
    assert tr.forward((s, t)) == pytest.approx(g[0] * s + g[1] * t, rel=1e-12, abs=1e-12)
    tr.reverse(2.5)
    assert np.allclose([e.adjoint for e in tr.entries[:2]], 2.5 * np.array(g), rtol=1e-13)


UNARY = ["sin", "cos", "exp", "tanh", "arctan", "sinh", "square"]


@SETTINGS
@given(ops=st.lists(st.sampled_from(UNARY + ["add", "multiply", "subtract"]),
                    min_size=1, max_size=8), x=st.floats(0.1, 0.9), y=st.floats(0.1, 0.9))
def test_random_straight_line_programs(ops, x, y):
    def program(a, b):
        # each step is squashed by tanh so that chains such as exp(exp(exp(...))) stay in
        # (-1, 1): no overflow, and slopes small enough for central differences
        vals = [a, b]
        for i, op in enumerate(ops):
            fn = getattr(np, op)
            if op in UNARY:
                vals.append(np.tanh(fn(vals[-1])))
            else:
                vals.append(np.tanh(fn(vals[-1], vals[-2 - i % 2])))
        return vals[-1] + 0.0 * a + 0.0 * b

    tr = trace(program, x, y)
    g = tr.reverse()
    fd = [central(program, (x, y), i) for i in range(2)]
    assert np.allclose(g, fd, rtol=1e-5, atol=1e-6)
    assert tr.forward((1.0, 0.0)) == pytest.approx(g[0], rel=1e-12, abs=1e-12)
    assert tr.forward((0.0, 1.0)) == pytest.approx(g[1], rel=1e-12, abs=1e-12)


# ---- errors ------------------------------------------------------------------------------
def test_domain_errors_at_record_time():
    with pytest.raises(DomainError, match="log is only differentiable for positive"):
        trace(lambda x: np.log(x), -1.0)
    with pytest.raises(DomainError, match="division by zero"):
        trace(lambda x, y: x / y, 1.0, 0.0)
    with pytest.raises(DomainError, match="sqrt"):
        trace(lambda x: math.sqrt(x), 0.0)


def test_bad_inputs_and_outputs():
    with pytest.raises(TypeError, match="needs a function"):
        trace(3.0, 1.0)
    with pytest.raises(ValueError, match="at least one input"):
        trace(lecture_f)
    with pytest.raises(TypeError, match="input 1 must be a real number"):
        trace(lambda x: x, np.ones(3))
    with pytest.raises(TypeError, match="input 1 must be a real number"):
        trace(lambda x: x, True)
    with pytest.raises(ValueError, match="does not depend on its inputs"):
        trace(lambda x: 3.0, 1.0)
    with pytest.raises(TypeError, match="one scalar output"):
        trace(lambda x: (x, x), 1.0)
    with pytest.raises(TypeError, match="scalar programs only"):
        trace(lambda x: x * np.ones(2), 1.0)
    with pytest.raises(TypeError, match="cannot convert the traced value w1 to float"):
        trace(lambda x: float(x), 1.0)
    with pytest.raises(TypeError, match="no derivative rule for numpy.fmod"):
        trace(lambda x: np.fmod(x, 2.0), 1.0)


def test_bad_seeds():
    tr = trace(lecture_f, 1.5, 0.5)
    with pytest.raises(ValueError, match="one tangent per input: 2 \\(x1, x2\\), got 1"):
        tr.forward(1.0)
    with pytest.raises(TypeError, match="tuple of 2 numbers"):
        tr.forward(("a", 1.0))
    with pytest.raises(ValueError, match="must be finite"):
        tr.forward((math.nan, 1.0))
    with pytest.raises(ValueError, match="finite number"):
        tr.reverse(math.inf)


def test_trace_is_plain_data():
    tr = trace(lecture_f, 1.5, 0.5)
    assert isinstance(tr, Trace)
    assert tr.input_names == ["x1", "x2"] and tr.output == "w5"
    assert trace(lambda *a: a[0] * a[1], 1.0, 2.0).input_names == ["x1", "x2"]
