"""Widget cells never stall headless execution (issue 14, §5; jupyter/nbclient#312).

nbclient imitates an ``Output`` widget and sends a ``comm_msg`` on the shell channel for every
output the widget captures, from the task that reads IOPub, while the task waiting for the
cell's ``execute_reply`` polls the same socket; now and then the reply is not seen until the
cell's timeout (ch. 11 stalled in about one run in four). The book's widgets therefore show
their figure as an ``Image`` (:mod:`lecture_code.widgets._figure`) and nothing goes through an
``Output`` widget. These tests execute widget cells under nbclient and count what nbclient
sends to the kernel while cells run: it must be nothing.
"""
from __future__ import annotations

import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient import output_widget

ROOT = Path(__file__).resolve().parents[2]


def _execute(nb, monkeypatch, timeout):
    """Execute ``nb`` with nbclient; return the comm messages nbclient sent to the kernel."""
    sent = []
    original = output_widget.OutputWidget.send

    def counting(self, *args, **kwargs):
        sent.append(self.comm_id)
        return original(self, *args, **kwargs)
    monkeypatch.setattr(output_widget.OutputWidget, "send", counting)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT / "book")}})
    client.execute()
    return sent, client


WIDGET_CELL = """\
import matplotlib.pyplot as plt
import numpy as np
from lecture_code.datasets import load_faithful
from lecture_code.mixture import GaussianMixture
from lecture_code.widgets.em import em_stepper
X = load_faithful()
gm = GaussianMixture(2, keep_history=True, random_state=0, max_iter=5).fit(X)
em_stepper(X, gm.history_, iteration=0)
"""

OUTPUT_WIDGET_CELL = """\
import ipywidgets as widgets
import matplotlib.pyplot as plt
def draw(a):
    plt.plot([0, 1], [0, a])
    plt.show()
widgets.interactive(draw, a=widgets.FloatSlider(value=1.0, min=0.0, max=2.0))
"""


@pytest.mark.notebooks
def test_the_book_widgets_send_nothing_to_the_kernel(monkeypatch):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(WIDGET_CELL)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    sent, client = _execute(nb, monkeypatch, timeout=60)
    assert sent == [], f"nbclient sent {len(sent)} comm messages on the shell channel"
    models = [s.get("_model_name") for s in client.widget_state.values()]
    assert "ImageModel" in models, f"no Image widget in the executed state: {models}"
    image = next(k for k, s in client.widget_state.items() if s.get("_model_name") == "ImageModel")
    assert client.widget_buffers.get(image), "the Image widget has no picture (no buffer)"


@pytest.mark.notebooks
def test_an_output_widget_would_send_to_the_kernel(monkeypatch):
    """The counter sees the mechanism of the stall: a plain ``interactive`` figure does send."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(OUTPUT_WIDGET_CELL)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    sent, _ = _execute(nb, monkeypatch, timeout=60)
    assert sent, "a figure drawn into an Output widget should make nbclient send comm messages"


@pytest.mark.notebooks
def test_chapter_11_executes_repeatedly_without_stalling(monkeypatch):
    """Four fresh executions of ch. 11 with a short cell timeout (a stall would hit it)."""
    path = ROOT / "book" / "11_em.ipynb"
    times = []
    for _ in range(4):
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        sent, _ = _execute(nb, monkeypatch, timeout=30)
        times.append(time.perf_counter() - start)
        assert sent == [], f"executing ch. 11 made nbclient send {len(sent)} comm messages"
    print(f"\nch. 11 executed 4 times: {', '.join(f'{t:.1f} s' for t in times)}")
