"""Tests of lecture_code.plotting.graphs (drawing computation graphs of traces)."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lecture_code.autodiff.trace import trace  # noqa: E402
from lecture_code.plotting.graphs import draw_graph, graph_layout  # noqa: E402


def f(x1, x2):
    return x1 * x2 + np.sin(x1)


def test_layout_layers_by_depth():
    tr = trace(f, 1.5, 0.5)
    pos = graph_layout(tr)
    assert set(pos) == {"w1", "w2", "w3", "w4", "w5"}
    assert pos["w1"][0] == pos["w2"][0] == 0.0
    assert pos["w3"][0] == pos["w4"][0] == 1.0
    assert pos["w5"] == (2.0, 0.0)
    # every edge goes from a lower to a higher layer
    assert all(pos[a][0] < pos[b][0] for a, b in tr.edges)


def test_layout_places_constants():
    tr = trace(lambda x: 2.0 * x**2 + x, 1.5)
    pos = graph_layout(tr)
    assert set(pos) == {n.name for n in tr.nodes}
    assert len(set(pos.values())) == len(pos)            # no two nodes on one spot


@pytest.mark.parametrize("show, mark, node", [("value", None, None),
                                              ("tangent", "\u0307", "w5"),     # df/dx1 at w5
                                              ("adjoint", "\u0304", "w1")])    # df/dx1 at w1
def test_draw_graph_shows_requested_quantity(show, mark, node):
    tr = trace(f, 1.5, 0.5)
    tr.forward((1.0, 0.0))
    tr.reverse()
    fig, ax = plt.subplots()
    assert draw_graph(tr, ax=ax, show=show) is ax
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == 5 and len(ax.patches) == len(tr.edges)
    if mark is None:
        assert all(len(t.splitlines()) == 2 for t in texts)
    else:
        assert all(len(t.splitlines()) == 3 for t in texts)
        text = next(t for t in texts if t.startswith(node))
        assert f"w{mark}{node[1:]} = 0.5707" in text    # x2 + cos(x1) at (1.5, 0.5)
    plt.close(fig)


def test_arrows_reverse_for_adjoints():
    tr = trace(f, 1.5, 0.5)
    tr.reverse()
    fig, (a, b) = plt.subplots(1, 2)
    draw_graph(tr, ax=a, show="value")
    draw_graph(tr, ax=b, show="adjoint")
    pos = graph_layout(tr)
    fwd = [p._posA_posB for p in a.patches]
    bwd = [p._posA_posB for p in b.patches]
    assert fwd == [[pos[s], pos[d]] for s, d in tr.edges]
    assert bwd == [[pos[d], pos[s]] for s, d in tr.edges]
    plt.close(fig)


def test_errors():
    tr = trace(f, 1.5, 0.5)
    with pytest.raises(ValueError, match="show must be one of"):
        draw_graph(tr, show="gradient")
    with pytest.raises(ValueError, match=r"run trace.forward\(seed\)"):
        draw_graph(tr, show="tangent")
    with pytest.raises(ValueError, match=r"run trace.reverse\(\)"):
        draw_graph(tr, show="adjoint")
    with pytest.raises(TypeError, match="needs a Trace"):
        draw_graph([1, 2, 3])
    plt.close("all")
