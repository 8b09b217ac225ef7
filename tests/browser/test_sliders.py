"""The book's explorers in the built, static page (lecture_code.widgets.frames).

Every chapter that shows an explorer has it once, as native range inputs over pre-rendered
frames (not the saved ipywidget, whose figure cannot change without a kernel); moving each
slider with the keyboard shows another figure: the image's source, its alt text and the
slider's readout change. Each slider has an accessible name and each frame alt text. See
conftest.py for how to run these tests.
"""
from __future__ import annotations

import ast
import json
import re

import pytest

from .book_site import ROOT, screenshot_path, toc_pages

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
EXPLORERS = ("difference_explorer", "gaussian_explorer", "em_stepper", "FrameExplorer")


def explorer_cells(name: str) -> int:
    """How many code cells of toc page ``name`` end by displaying an explorer."""
    nb = ROOT / f"{name}.ipynb"
    if not nb.is_file():
        return 0
    cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
    def makes_explorer(node) -> bool:
        return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in EXPLORERS)

    count = 0
    for cell in cells:
        if cell["cell_type"] == "code":
            body = ast.parse("".join(cell["source"])).body
            # names bound to an explorer in this cell: `e = difference_explorer(...)`, then `e`
            bound = {t.id for node in body if isinstance(node, ast.Assign)
                     and makes_explorer(node.value) for t in node.targets
                     if isinstance(t, ast.Name)}
            last = body[-1] if body else None     # a call may span several lines
            count += isinstance(last, ast.Expr) and (
                makes_explorer(last.value)
                or isinstance(last.value, ast.Name) and last.value.id in bound)
    return count


def explorer_pages() -> list[str]:
    return [name for name in toc_pages() if explorer_cells(name)]


def test_the_book_has_explorers():
    assert len(explorer_pages()) >= 3, "the chapters on divided differences, Gaussians and EM " \
        f"each show an explorer; found them in {explorer_pages()}"


def test_every_page_with_an_explorer_is_found(server):
    """The built pages that show an explorer are exactly the ones the notebooks' cells name,
    so a cell written another way cannot drop its page from the tests below."""
    built = [name for name in toc_pages() if '<div class="slider-frames"' in
             (server.root / f"{name}.html").read_text(encoding="utf-8")]
    assert built == explorer_pages()


@pytest.mark.parametrize("name", explorer_pages())
def test_each_explorer_is_shown_once_and_static(name, server):
    text = (server.root / f"{name}.html").read_text(encoding="utf-8")
    shown = len(re.findall(r'<div class="slider-frames"', text))
    assert shown == explorer_cells(name), (
        f"{name}: {explorer_cells(name)} explorer cells but {shown} static explorers in the page")
    assert WIDGET_VIEW not in text, (
        f"{name}: a widget view is rendered too (nb_mime_priority_overrides in _config.yml "
        "should drop it from the HTML builds): the explorer would be shown twice")
    assert "slider-frames.js" in text, f"{name} does not load _static/slider-frames.js"


STATE_JS = r"""box => ({
    src: box.querySelector('img.slider-frames-image').getAttribute('src'),
    alt: box.querySelector('img.slider-frames-image').getAttribute('alt'),
    readouts: [...box.querySelectorAll('output')].map(o => o.textContent),
    names: [...box.querySelectorAll('input[type=range]')].map(i =>
        i.getAttribute('aria-label') || (i.labels[0] && i.labels[0].textContent) || ''),
    valuetexts: [...box.querySelectorAll('input[type=range]')].map(i =>
        i.getAttribute('aria-valuetext')),
})"""


@pytest.mark.parametrize("name", explorer_pages())
def test_moving_each_slider_changes_the_figure(name, visit):
    v = visit(name)
    page = v.page
    boxes = page.locator("div.slider-frames")
    assert boxes.count() == explorer_cells(name)
    for b in range(boxes.count()):
        box = boxes.nth(b)
        box.scroll_into_view_if_needed()
        state = box.evaluate(STATE_JS)
        assert state["src"].startswith("data:image/png;base64,")
        assert len(state["alt"]) > 40 and not re.search(r"\.(png|svg|jpe?g)\b", state["alt"]), \
            f"the explorer's image needs alt text saying what it shows, got {state['alt']!r}"
        assert all(n.strip() for n in state["names"]), f"a slider has no accessible name: {state}"
        inputs = box.locator('input[type="range"]')
        assert inputs.count() >= 1
        for k in range(inputs.count()):
            slider = inputs.nth(k)
            at_end = slider.input_value() == slider.get_attribute("max")
            slider.focus()
            page.keyboard.press("Home" if at_end else "End")
            moved = box.evaluate(STATE_JS)
            label = state["names"][k]
            assert moved["src"] != state["src"], f"{name}: moving {label!r} left the figure as it was"
            assert moved["alt"] != state["alt"], f"{name}: moving {label!r} left the alt text"
            assert moved["readouts"][k] != state["readouts"][k], \
                f"{name}: moving {label!r} left its readout at {state['readouts'][k]}"
            assert moved["valuetexts"][k] == moved["readouts"][k]
            page.keyboard.press("ArrowLeft" if not at_end else "ArrowRight")
            stepped = box.evaluate(STATE_JS)
            assert stepped["src"] != moved["src"], f"{name}: one step of {label!r} changed nothing"
            state = stepped
        box.screenshot(path=screenshot_path(f"{name}-explorer-{b}"))
    assert not v.problems, f"{v.url}:\n  " + "\n  ".join(v.problems)
