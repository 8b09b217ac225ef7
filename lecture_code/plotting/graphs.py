"""Drawing computation graphs recorded by :func:`lecture_code.autodiff.trace.trace`.

Introduced in the chapter *Many variables and the chain rule* and reused in *Three ways
to build AD* (the graph with its values) and *Forward and reverse mode* (tangents flowing
forward, adjoints flowing backward). The graph itself is data
(:attr:`~lecture_code.autodiff.trace.Trace.nodes`, :attr:`~lecture_code.autodiff.trace.Trace.edges`);
this module only lays it out in layers and draws it with matplotlib.

Example
-------
>>> import numpy as np, matplotlib
>>> matplotlib.use("Agg")
>>> from lecture_code.autodiff.trace import trace
>>> tr = trace(lambda x1, x2: x1 * x2 + np.sin(x1), 1.5, 0.5)
>>> ax = draw_graph(tr, show="value")
>>> sorted(t.get_text().split("\\n")[0] for t in ax.texts)[:2]
['w1 = x1', 'w2 = x2']
"""
from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch

from lecture_code.plotting._style import COLORS, COLUMN_WIDTH

__all__ = ["graph_layout", "draw_graph"]

SHOW = ("value", "tangent", "adjoint")
_COLORS = {"input": "#d8e8f6", "op": "#fdf0d5", "const": "#eeeeee"}
_DOT, _BAR = "\u0307", "\u0304"       # combining dot (ẇ) and macron (w̄)
_FLOW = {"value": "0.35", "tangent": COLORS["blue"], "adjoint": COLORS["red"]}


def graph_layout(trace) -> dict:
    """Positions ``{node name: (x, y)}``: layer by depth from left to right, spread vertically.

    Nodes of one depth share a column; within it they keep the order of the trace, centred on
    ``y = 0``. Chapter *Many variables and the chain rule*.

    >>> from lecture_code.autodiff.trace import trace
    >>> pos = graph_layout(trace(lambda a, b: a * b, 2.0, 3.0))
    >>> pos["w1"], pos["w2"], pos["w3"]
    ((0.0, 0.5), (0.0, -0.5), (1.0, 0.0))
    """
    layers: dict[int, list[str]] = {}
    for node in trace.nodes:
        layers.setdefault(node.depth, []).append(node.name)
    pos = {}
    for depth, names in layers.items():
        n = len(names)
        for i, name in enumerate(names):
            pos[name] = (float(depth), (n - 1) / 2 - i)
    return pos


def _fmt(v) -> str:
    return f"{v:.4g}"


def _mark(name: str, mark: str) -> str:
    """``w3`` with a combining dot or bar on its letter: ``ẇ3``, ``w̄3``."""
    return name[:1] + mark + name[1:]


def _node_text(node, show: str) -> str:
    if node.kind == "const":
        return node.label
    lines = [f"{node.name} = {node.label}", f"{node.name} = {_fmt(node.value)}"]
    if show == "tangent":
        lines.append(f"{_mark(node.name, _DOT)} = {_fmt(node.tangent)}")
    elif show == "adjoint":
        lines.append(f"{_mark(node.name, _BAR)} = {_fmt(node.adjoint)}")
    return "\n".join(lines)


def draw_graph(trace, ax=None, show: str = "value", fontsize: float = 10):
    """Draw the computation graph of a :class:`~lecture_code.autodiff.trace.Trace`.

    Each operation is a box with its definition (``w3 = w1 · w2``) and value; with
    ``show="tangent"`` (after ``trace.forward(seed)``) it also shows the tangent ẇ and the
    arrows run forward in blue; with ``show="adjoint"`` (after ``trace.reverse()``) it shows
    the adjoint w̄ and the arrows run backward, from each operation to its inputs, in red.
    Returns the axes. Chapter *Many variables and the chain rule*.

    >>> import numpy as np, matplotlib
    >>> matplotlib.use("Agg")
    >>> from lecture_code.autodiff.trace import trace
    >>> tr = trace(lambda x1, x2: x1 * x2 + np.sin(x1), 1.5, 0.5)
    >>> _ = tr.reverse()
    >>> ax = draw_graph(tr, show="adjoint")
    >>> any("w\u03041 = 0.5707" in t.get_text() for t in ax.texts)
    True
    """
    if show not in SHOW:
        raise ValueError(f"show must be one of {SHOW}, got {show!r}")
    if not hasattr(trace, "nodes") or not hasattr(trace, "edges"):
        raise TypeError("draw_graph needs a Trace from lecture_code.autodiff.trace.trace(f, "
                        f"*args), got {type(trace).__name__}")
    nodes = trace.nodes
    if show == "tangent" and any(n.kind != "const" and n.tangent is None for n in nodes):
        raise ValueError("the trace has no tangents yet: run trace.forward(seed) before "
                         "draw_graph(trace, show='tangent')")
    if show == "adjoint" and any(n.kind != "const" and n.adjoint is None for n in nodes):
        raise ValueError("the trace has no adjoints yet: run trace.reverse() before "
                         "draw_graph(trace, show='adjoint')")
    if ax is None:
        _, ax = plt.subplots(figsize=(COLUMN_WIDTH, 3.8))
    pos = graph_layout(trace)
    boxes = {}
    for node in nodes:
        x, y = pos[node.name]
        boxes[node.name] = ax.text(
            x, y, _node_text(node, show), ha="center", va="center", fontsize=fontsize,
            zorder=3, bbox=dict(boxstyle="round,pad=0.4", fc=_COLORS[node.kind], ec="0.3"))
    color = _FLOW[show]
    for src, dst in trace.edges:
        start, end = (dst, src) if show == "adjoint" else (src, dst)
        ax.add_patch(FancyArrowPatch(
            posA=pos[start], posB=pos[end], patchA=boxes[start].get_bbox_patch(),
            patchB=boxes[end].get_bbox_patch(), arrowstyle="-|>", mutation_scale=14,
            color=color, lw=1.4, zorder=4, shrinkA=2, shrinkB=2))
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - 0.8, max(ys) + 0.8)
    ax.set_axis_off()
    return ax
