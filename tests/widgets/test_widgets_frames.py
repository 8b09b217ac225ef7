"""Tests for lecture_code.widgets.frames: explorers live in a kernel and in the static page."""
import base64
import contextlib
import html
import io
import json
import re

import matplotlib

matplotlib.use("Agg")
import ipywidgets as widgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from lecture_code.widgets.frames import MAX_FRAMES, FrameExplorer  # noqa: E402

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def draw(a, b):
    fig, ax = plt.subplots(figsize=(1.5, 1.5))
    ax.plot([0, 1], [b, b + a])
    ax.set_ylim(-3, 3)
    return fig


def alt(a, b):
    return f"a line of slope {a} through ({0}, {b})"


def sliders(a=1.0, b=0):
    return {"a": widgets.FloatSlider(value=a, min=-2.0, max=2.0, step=0.5, description="slope"),
            "b": widgets.IntSlider(value=b, min=-1, max=1, description="intercept")}


def make(**kwargs):
    with contextlib.redirect_stdout(io.StringIO()):   # outside a notebook it prints escapes
        explorer = FrameExplorer(draw, sliders(**kwargs), {"a": [-1.0, 1.0, 2.0], "b": [-1, 0, 1]},
                                 alt=alt)
    plt.close("all")
    return explorer


def test_bundle_has_the_live_widget_and_the_static_page():
    explorer = make()
    bundle = explorer._repr_mimebundle_()
    assert bundle[WIDGET_VIEW]["model_id"] == explorer.widget.model_id
    assert bundle["text/html"].startswith('<div class="slider-frames"')
    plt.close("all")


def test_frames_are_the_grid_last_slider_fastest_all_different():
    frames = make().frames()
    assert [tuple(f["values"].values()) for f in frames][:4] == [
        (-1.0, -1), (-1.0, 0), (-1.0, 1), (1.0, -1)]
    assert len(frames) == 9
    assert len({f["png"] for f in frames}) == 9, "every state must draw a different image"
    assert all(f["png"].startswith(b"\x89PNG") for f in frames)
    assert frames[4]["alt"] == alt(1.0, 0)


def test_static_html_starts_at_the_initial_state_and_names_its_sliders():
    text = make(a=2.0, b=1).static_html()
    data = json.loads(re.search(r'<script type="application/json" class="slider-frames-data">'
                                r"(.*?)</script>", text).group(1))
    assert data["strides"] == [3, 1] and len(data["frames"]) == len(data["alts"]) == 9
    image = re.search(r'<img class="slider-frames-image" src="([^"]+)" alt="([^"]*)"', text)
    assert image.group(1) == data["frames"][8]           # a = 2.0, b = 1: the last frame
    assert html.unescape(image.group(2)) == alt(2.0, 1)
    base64.b64decode(image.group(1).split(",", 1)[1], validate=True)
    inputs = re.findall(r'<input type="range"[^>]*>', text)
    assert len(inputs) == 2
    assert 'aria-label="slope"' in inputs[0] and 'value="2"' in inputs[0]
    assert 'aria-label="intercept"' in inputs[1] and 'aria-valuetext="1"' in inputs[1]
    assert json.loads(html.unescape(re.search(r'data-readouts="([^"]*)"', inputs[0]).group(1))) \
        == ["-1.00", "1.00", "2.00"]


def test_ids_differ_between_explorers_with_different_frames():
    ids = {re.search(r'id="(slider-frames-[0-9a-f]+)"', e.static_html()).group(1)
           for e in (make(), make(a=2.0))}
    assert len(ids) == 1, "the same frames give the same id (reproducible builds)"
    with contextlib.redirect_stdout(io.StringIO()):
        other = FrameExplorer(draw, sliders(), {"a": [1.0, 2.0], "b": [0]}, alt=alt)
    assert re.search(r'id="(slider-frames-[0-9a-f]+)"', other.static_html()).group(1) not in ids
    plt.close("all")


@pytest.mark.parametrize("frames, match", [
    ({"b": [0], "a": [1.0]}, "same sliders, in the same order"),
    ({"a": [], "b": [0]}, "is empty"),
    ({"a": [0.5], "b": [0]}, "must contain the slider's initial value"),
    ({"a": [1.0, 5.0], "b": [0]}, "outside the slider's range"),
    ({"a": [1.0] + [-2 + 0.1 * k for k in range(MAX_FRAMES)], "b": [0]}, "more than MAX_FRAMES"),
])
def test_bad_frames_are_explained(frames, match):
    with pytest.raises(ValueError, match=match):
        FrameExplorer(draw, sliders(), frames, alt=alt)


def test_draw_and_alt_must_be_functions():
    with pytest.raises(TypeError, match="draw and alt must be functions"):
        FrameExplorer(draw, sliders(), {"a": [1.0], "b": [0]}, alt="a line")
