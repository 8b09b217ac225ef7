"""The figure policy (lecture_code.plotting._style) holds for every plotting helper.

Every public function of every module of lecture_code.plotting is exercised by its docstring
example; each figure those examples draw is rendered as the book renders it (PNG at the
policy's DPI, tight bounding box) and must (1) be at most the text column wide, so the page
does not shrink it, and (2) have no text smaller than 9 px as displayed: the smallest font
size x the displayed width / the image width, in pixels.
"""
from __future__ import annotations

import doctest
import functools
import importlib
import io
import pkgutil
import struct

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.text import Text  # noqa: E402

import lecture_code.plotting as plotting  # noqa: E402
from lecture_code.plotting import _style  # noqa: E402

MODULES = sorted(m.name for m in pkgutil.iter_modules(plotting.__path__)
                 if not m.name.startswith("_"))


def png_width(fig) -> int:
    """Pixel width of the figure saved as the notebook's inline backend saves it."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=_style.DPI, bbox_inches="tight")
    return struct.unpack(">I", buffer.getvalue()[16:20])[0]


def smallest_text(fig) -> tuple[float, str]:
    """(font size in points, text) of the smallest visible, non-empty text of ``fig``."""
    fig.canvas.draw()
    sizes = []
    for text in fig.findobj(Text):
        if text.get_visible() and text.get_text().strip() and text.axes is None or (
                text.get_visible() and text.get_text().strip() and text.axes.get_visible()):
            sizes.append((text.get_fontsize(), text.get_text()))
    return min(sizes) if sizes else (float("inf"), "")


def figures_of_examples(module_name):
    """Run the module's doctests; return (figures drawn, names of public functions called)."""
    module = importlib.import_module(f"lecture_code.plotting.{module_name}")
    called, figures = set(), []
    public = [n for n in getattr(module, "__all__", []) if callable(getattr(module, n))
              and getattr(getattr(module, n), "__module__", None) == module.__name__]
    originals = {n: getattr(module, n) for n in public}

    def wrap(name, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            called.add(name)
            return fn(*args, **kwargs)
        return wrapper

    real_close = plt.close

    def close(fig=None):
        figs = [fig] if fig is not None and not isinstance(fig, str) else [plt.gcf()]
        figures.extend(f for f in figs if hasattr(f, "savefig") and f not in figures)

    try:
        for n, fn in originals.items():
            setattr(module, n, wrap(n, fn))
        plt.close = close
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
        for test in doctest.DocTestFinder().find(module, module.__name__):
            runner.run(test, out=lambda s: None)
            figures.extend(plt.figure(num) for num in plt.get_fignums()
                           if plt.figure(num) not in figures)
        assert runner.failures == 0, f"{module_name}: a docstring example failed"
    finally:
        plt.close = real_close
        for n, fn in originals.items():
            setattr(module, n, fn)
    return figures, called, public


@pytest.mark.parametrize("module_name", MODULES)
def test_every_helper_figure_is_readable_as_displayed(module_name):
    figures, called, public = figures_of_examples(module_name)
    try:
        assert set(public) <= called, (
            f"{module_name}: no docstring example calls {sorted(set(public) - called)}, so "
            "the figure policy is not checked for them: add an example.")
        assert figures, f"{module_name}: its examples draw no figure"
        problems = []
        for fig in figures:
            width = png_width(fig)
            size, text = smallest_text(fig)
            shown = _style.displayed_text_px(size, image_px=width)
            if shown < _style.MIN_TEXT_PX:
                problems.append(f"text {text!r} is {size:g} pt in a {width}-px-wide image: "
                                f"{shown:.1f} px as displayed (< {_style.MIN_TEXT_PX} px)")
            if fig.get_figwidth() > _style.COLUMN_WIDTH + 1e-9:
                problems.append(f"a figure is {fig.get_figwidth():g} in wide, wider than the "
                                f"text column ({_style.COLUMN_WIDTH} in)")
        assert not problems, f"{module_name}:\n  " + "\n  ".join(problems)
    finally:
        for fig in figures:
            plt.close(fig)


def test_the_measure_catches_a_wide_figure():
    """A 15-inch figure with 9-pt ticks is shrunk to the column: its text falls below 9 px."""
    fig, ax = plt.subplots(figsize=(15, 4))
    ax.plot([0, 1], [0, 1])
    size, _ = smallest_text(fig)
    assert _style.displayed_text_px(size, image_px=png_width(fig)) < _style.MIN_TEXT_PX
    plt.close(fig)


def test_at_most_three_panels_a_row():
    with pytest.raises(ValueError, match="at most 3 panels"):
        _style.figure_size(4)
    assert _style.figure_size(3)[0] == _style.COLUMN_WIDTH


def test_the_source_check_uses_the_policy_width():
    """tools/check_book.py (no matplotlib) checks notebook figsizes against the same width."""
    from tools.check_book import MAX_FIGURE_WIDTH

    assert MAX_FIGURE_WIDTH == _style.COLUMN_WIDTH
