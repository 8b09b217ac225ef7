"""Sliders that work both in a running notebook and in the static HTML book.

Introduced in the chapter *Why derivatives, and why not divided differences* (and used by
every explorer of the book): :class:`FrameExplorer` wraps a drawing function and its
sliders. Displayed in a notebook it offers two representations of itself:

* ``application/vnd.jupyter.widget-view+json``: the live ``ipywidgets.interactive``, which
  redraws the figure for any slider value. JupyterLab (also on Binder) shows it rather than
  the HTML: ``@jupyter-widgets/jupyterlab-manager`` registers its renderer with rank -10,
  and JupyterLab's HTML renderer has rank 50 (``@jupyterlab/rendermime``; the lowest rank
  wins);
* ``text/html``: the same sliders as native ``<input type="range">`` elements over a grid
  of frames pre-rendered as PNG images when the notebook runs, plus the alt text of each
  frame. The book's HTML build uses this one (``nb_mime_priority_overrides`` in
  ``_config.yml`` gives the widget view the priority ``null``, which myst-nb's
  ``get_mime_priority`` drops from the list it picks from), and
  ``book/_static/slider-frames.js`` swaps the image when a slider moves, so the explorer
  works in the static, offline page.

The static grid is the product of the values given for each slider (at most
:data:`MAX_FRAMES` frames, to keep the build fast and the page small); each slider's
initial value must be one of them.

Example
-------
>>> import contextlib, io, matplotlib; matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt, ipywidgets as widgets
>>> def draw(a):
...     fig, ax = plt.subplots(figsize=(2, 2))
...     ax.plot([0, 1], [0, a])
...     return fig
>>> with contextlib.redirect_stdout(io.StringIO()):  # outside a notebook it prints escapes
...     e = FrameExplorer(draw, {"a": widgets.FloatSlider(value=1.0, min=0.0, max=2.0)},
...                       {"a": [0.0, 1.0, 2.0]}, alt=lambda a: f"a line of slope {a}")
>>> html = e.static_html()
>>> html.count("data:image/png;base64,"), 'type="range"' in html  # the image + 3 frames
(4, True)
>>> plt.close("all")
"""
from __future__ import annotations

import base64
import hashlib
import html
import io
import itertools
import json
from typing import Callable, Mapping, Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt

from lecture_code.plotting._style import COLUMN_PX, COLUMN_WIDTH
from lecture_code.widgets._figure import image_interactive

__all__ = ["FrameExplorer", "MAX_FRAMES"]

#: The largest static grid :class:`FrameExplorer` renders (frames cost build time and page size).
MAX_FRAMES = 40

_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _png(fig, dpi: float) -> bytes:
    """The figure as a PNG with an adaptive 256-colour palette (a third of the RGBA size)."""
    from PIL import Image

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    buf.seek(0)
    with Image.open(buf) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    out = io.BytesIO()
    small.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _position(values, value):
    """The index of ``value`` in ``values`` (floats equal to 1e-9), or None."""
    for i, v in enumerate(values):
        if v == value or abs(v - value) <= 1e-9 * max(1.0, abs(value)):
            return i
    return None


def _readout(slider, value) -> str:
    fmt = getattr(slider, "readout_format", "")
    try:
        return format(value, fmt)
    except (TypeError, ValueError):
        return str(value)


class FrameExplorer:
    """Sliders over a figure: a live ipywidget in a kernel, pre-rendered frames in HTML.

    Introduced in the chapter *Why derivatives, and why not divided differences*.
    ``draw(**values)`` draws one state and returns its matplotlib figure (it must not show
    it). ``sliders`` maps each argument of ``draw`` to its ``ipywidgets`` slider (the live
    version; its ``description`` names the slider and its ``value`` is the initial state).
    ``frames`` maps the same names to the values the static page offers (each slider's
    initial value among them; at most :data:`MAX_FRAMES` combinations in all). ``alt(**values)``
    says in words what a frame shows: the text of the image for readers who cannot see it.
    ``dpi`` sets the resolution of the static frames: by default a figure as wide as the text
    column is rendered at the column's pixel width, so its text keeps the size the figure
    policy of :mod:`lecture_code.plotting._style` asks for (at least 9 px).

    Display the object as the last expression of a notebook cell. ``widget`` is the
    live ``ipywidgets.interactive``, :meth:`static_html` the static version.

    >>> import contextlib, io, matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, ipywidgets as widgets
    >>> def draw(n):
    ...     fig, ax = plt.subplots(figsize=(2, 2)); ax.plot(range(n)); return fig
    >>> with contextlib.redirect_stdout(io.StringIO()):
    ...     e = FrameExplorer(draw, {"n": widgets.IntSlider(value=2, min=1, max=4)},
    ...                       {"n": [1, 2, 3, 4]}, alt=lambda n: f"{n} points on a line")
    >>> [f["alt"] for f in e.frames()][:2]
    ['1 points on a line', '2 points on a line']
    >>> plt.close("all")
    """

    def __init__(self, draw: Callable, sliders: Mapping[str, widgets.ValueWidget],
                 frames: Mapping[str, Sequence], *, alt: Callable[..., str],
                 dpi: float = COLUMN_PX / COLUMN_WIDTH):
        if not callable(draw) or not callable(alt):
            raise TypeError("draw and alt must be functions of the slider values: draw returns "
                            "a matplotlib figure, alt a sentence describing it.")
        if list(sliders) != list(frames):
            raise ValueError(f"frames must give values for the same sliders, in the same order: "
                             f"sliders {list(sliders)}, frames {list(frames)}.")
        count = 1
        for name, values in frames.items():
            values = list(values)
            slider = sliders[name]
            if not values:
                raise ValueError(f"frames[{name!r}] is empty: give the values the static page "
                                 "offers for this slider.")
            if _position(values, slider.value) is None:
                raise ValueError(f"frames[{name!r}] must contain the slider's initial value "
                                 f"{slider.value!r}, got {values}.")
            outside = [v for v in values if not slider.min <= v <= slider.max]
            if outside:
                raise ValueError(f"frames[{name!r}] has values outside the slider's range "
                                 f"[{slider.min}, {slider.max}]: {outside}.")
            count *= len(values)
        if count > MAX_FRAMES:
            raise ValueError(f"the static grid has {count} frames, more than MAX_FRAMES = "
                             f"{MAX_FRAMES}: offer fewer values per slider.")
        self.draw, self.sliders, self.alt, self.dpi = draw, dict(sliders), alt, dpi
        self.values = {name: list(values) for name, values in frames.items()}

        #: The live explorer: an ``ipywidgets.interactive`` that redraws on every move, its
        #: figure shown as a PNG image (safe to execute headless, see
        #: :mod:`lecture_code.widgets._figure`).
        self.widget = image_interactive(self.draw, **self.sliders)

    def frames(self) -> list[dict]:
        """Every frame of the static grid (sliders in order, the last one varying fastest):
        dicts with the slider ``values``, the ``png`` bytes and the ``alt`` text."""
        out = []
        names = list(self.values)
        for combo in itertools.product(*self.values.values()):
            values = dict(zip(names, combo))
            out.append({"values": values, "png": _png(self.draw(**values), self.dpi),
                        "alt": self.alt(**values)})
        return out

    def static_html(self) -> str:
        """The static explorer: range inputs, the initial frame and every frame as data."""
        frames = self.frames()
        uris = ["data:image/png;base64," + base64.b64encode(f["png"]).decode("ascii")
                for f in frames]
        # Ids from the content: unique on a page, also when pages are joined (the PDF).
        uid = "slider-frames-" + hashlib.sha1("".join(uris).encode()).hexdigest()[:10]
        alts = [f["alt"] for f in frames]
        start = [_position(self.values[n], s.value) for n, s in self.sliders.items()]
        strides, stride = [], 1
        for values in reversed(list(self.values.values())):
            strides.insert(0, stride)
            stride *= len(values)
        first = sum(i * s for i, s in zip(start, strides))
        controls = []
        for k, (name, slider) in enumerate(self.sliders.items()):
            readouts = [_readout(slider, v) for v in self.values[name]]
            label = slider.description or name
            controls.append(
                f'<label class="slider-frames-control" for="{uid}-{k}">'
                f'<span class="slider-frames-name">{html.escape(label)}</span></label>'
                f'<input type="range" id="{uid}-{k}" min="0" max="{len(readouts) - 1}" '
                f'step="1" value="{start[k]}" aria-label="{html.escape(label)}" '
                f'aria-valuetext="{html.escape(readouts[start[k]])}" '
                f'data-readouts="{html.escape(json.dumps(readouts))}">'
                f'<output class="slider-frames-readout" for="{uid}-{k}">'
                f'{html.escape(readouts[start[k]])}</output>')
        these, they = (("the sliders step", "they take") if len(self.sliders) > 1 else
                       ("the slider steps", "it takes"))
        data = json.dumps({"strides": strides, "frames": uris, "alts": alts})
        return (
            f'<div class="slider-frames" id="{uid}">'
            f'<div class="slider-frames-controls">{"".join(controls)}</div>'
            f'<img class="slider-frames-image" src="{uris[first]}" '
            f'alt="{html.escape(alts[first], quote=True)}">'
            f'<script type="application/json" class="slider-frames-data">'
            f'{data.replace("</", "<" + chr(92) + "/")}</script>'
            f'<p class="slider-frames-note">In this page {these} through {len(frames)} '
            f'pre-rendered states; in a running notebook (JupyterLab or Binder) {they} any '
            f'value.</p></div>')

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = dict(self.widget._repr_mimebundle_())
        bundle["text/html"] = self.static_html()
        return bundle
