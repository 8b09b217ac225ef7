"""Interactive figures that are safe to execute headless (shared by the book's widgets).

Introduced with the widgets of the chapters *Why derivatives, and why not divided
differences*, *Multivariate Gaussians* and *The EM algorithm*.

``ipywidgets.interactive`` normally draws into an ``Output`` widget. When a notebook is
executed without a browser (jupyter-book, nbval, ``jupyter nbconvert --execute``, the grader),
nbclient imitates that ``Output`` widget and, for every output it captures, sends a
``comm_msg`` to the kernel on the *shell* channel, from the task that reads IOPub, while
another task is waiting on that same shell socket for the cell's ``execute_reply``. Now and
then the reply is then not seen until the cell's timeout (jupyter/nbclient#312): ch. 11 stalled
for the whole timeout in about one run in four. :func:`image_interactive` keeps the figure out
of the ``Output`` widget: it renders the figure to PNG and shows it in an ``ipywidgets.Image``,
whose state only ever travels from the kernel to the front end, so nothing is sent on the shell
channel while a cell runs. In JupyterLab the widget behaves as before; the built book stores
the PNG with the widget's state.

>>> import contextlib, io, matplotlib; matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> def draw(a):
...     fig, ax = plt.subplots()
...     ax.plot([0, 1], [0, a])
...     return fig
>>> open_before = plt.get_fignums()
>>> with contextlib.redirect_stdout(io.StringIO()):  # outside a notebook it prints escapes
...     w = image_interactive(draw, a=widgets.FloatSlider(value=1.0, min=0.0, max=2.0))
>>> w.children[-2].children[0].value[:4] == b"\\x89PNG"   # the picture, ready before display
True
>>> plt.get_fignums() == open_before   # its figure is closed: nothing left for the inline backend
True
"""
from __future__ import annotations

import io
from typing import Callable

import ipywidgets as widgets
import matplotlib.pyplot as plt

__all__ = ["image_interactive"]


def image_interactive(draw: Callable, **controls) -> widgets.interactive:
    """``ipywidgets.interactive(draw, **controls)``, with the figure shown as a PNG image.

    Introduced with the book's widgets (chapter *The EM algorithm* and others); see the module
    docstring for why. ``draw(**values)`` must *return* a matplotlib ``Figure`` (it is
    closed after rendering). The returned ``interactive`` has the controls first (as
    ``interactive`` orders them) and then a box holding the ``Image``; ``w.kwargs`` are the
    current values, as usual.
    """
    if not callable(draw):
        raise TypeError(f"draw must be a function returning a matplotlib Figure, got "
                        f"{type(draw).__name__}.")
    image = widgets.Image(format="png")

    def update(**values):
        fig = draw(**values)
        if not isinstance(fig, plt.Figure):
            plt.close("all")
            raise TypeError(f"draw must return a matplotlib Figure, got {type(fig).__name__}.")
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=fig.dpi, bbox_inches="tight")
        plt.close(fig)
        image.value = buffer.getvalue()

    w = widgets.interactive(update, **controls)
    # The Output widget stays (interactive needs it) but receives nothing; the image follows
    # the controls. A Box around it keeps ``children`` free of value-less controls.
    w.children = tuple(c for c in w.children if c is not w.out) + (widgets.Box([image]), w.out)
    return w
