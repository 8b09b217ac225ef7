"""The book as one PDF (``make pdf``, tools/make_pdf.py), checked by reading its text back.

Uses _build/pdf/book.pdf (and book.json) when ``make pdf`` wrote it after the last build of
the HTML, and otherwise prints it from the built HTML first (about a minute or two; headless Chromium,
like the other browser tests). Checks: every page of the table of contents is in the PDF,
in order, each starting on a page of its own and listed with that page number in the
contents; and no code line is clipped: no code block is wider than the printed column (in
the print layout, measured by make_pdf: book.json) and every word of every code cell the
HTML shows is in the text of its chapter (the print stylesheet wraps long lines).
"""
from __future__ import annotations

import json
import os
import re
import unicodedata
from pathlib import Path

import pytest

from tools.make_pdf import make_pdf, pdf_texts, squeeze, start_pages

from .book_site import ROOT, html_root, toc_pages

HIDDEN = {"remove-cell", "remove_cell", "remove-input", "remove_input"}


@pytest.fixture(scope="module")
def book_pdf(browser):
    html = html_root()
    if not (html / "index.html").is_file():
        pytest.fail(f"{html / 'index.html'} does not exist: build the book first.")
    pdf = html.parent / "pdf" / "book.pdf"
    if (not pdf.is_file() or not pdf.with_suffix(".json").is_file()
            or pdf.stat().st_mtime < (html / "index.html").stat().st_mtime):
        toc = Path(os.environ.get("BOOK_TOC", ROOT / "_toc.yml"))
        make_pdf(html, pdf, toc_root=toc.parent, browser=browser)
    return pdf, pdf_texts(pdf)


def titles() -> dict[str, str]:
    """Each toc page's title, from its built HTML's <h1>."""
    out = {}
    for name in toc_pages():
        text = (html_root() / f"{name}.html").read_text(encoding="utf-8")
        h1 = re.search(r"<h1[^>]*>(.*?)</h1>", text, re.S).group(1)
        out[name] = re.sub(r"\s+", " ", re.sub(r"<[^>]+>|¶|#", "", h1)).strip()
    return out


def chapter_ranges(texts: list[str]) -> dict[str, tuple[int, int]]:
    """Pages [first, end) of each toc page in the PDF (0-based), found by their titles."""
    starts = {name: page - 1 for name, page in start_pages(texts, titles()).items()}
    names = list(starts)
    return {n: (starts[n], starts[names[k + 1]] if k + 1 < len(names) else len(texts))
            for k, n in enumerate(names)}


def test_pdf_has_every_page_in_order_and_a_contents_page(book_pdf):
    pdf, texts = book_pdf
    assert pdf.stat().st_size > 100_000
    ranges = chapter_ranges(texts)
    missing = [n for n in toc_pages() if n not in ranges]
    assert not missing, f"{pdf}: no page starts with the title of {missing}"
    contents = next((t for t in texts[:5] if t.lstrip().startswith("Contents")), None)
    assert contents, "no table of contents in the first pages"
    lines = {" ".join(unicodedata.normalize("NFKC", line).split())
             for line in contents.splitlines()}
    for name, title in titles().items():
        number = ranges[name][0] + 1
        assert f"{title} {number}" in lines, \
            f"the contents do not list {title!r} at page {number}: {sorted(lines)}"
    assert re.search(rf"(?<!\d)2 / {len(texts)}(?!\d)", texts[1]), \
        "no page number (2 / total) in the footer of page 2"


def code_lines(name: str) -> list[str]:
    nb = ROOT / f"{name}.ipynb"
    if not nb.is_file():
        return []
    lines = []
    for cell in json.loads(nb.read_text(encoding="utf-8"))["cells"]:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if cell["cell_type"] == "code" and not tags & HIDDEN:
            lines += [line for line in "".join(cell["source"]).splitlines() if line.strip()]
    return lines


def test_no_code_block_is_wider_than_the_printed_column(book_pdf):
    pdf, _ = book_pdf
    report = json.loads(pdf.with_suffix(".json").read_text(encoding="utf-8"))
    assert not report["overflowing_code"], (
        f"{len(report['overflowing_code'])} code blocks are wider than the printed column, "
        "so cut off on paper (book/_static/print.css should wrap them), e.g.:\n  "
        + "\n  ".join(report["overflowing_code"][:8]))


@pytest.mark.parametrize("name", [n for n in toc_pages() if code_lines(n)])
def test_every_code_line_is_in_the_pdf_text(name, book_pdf):
    """Every word of every code line is in its chapter's text (the PDF's text keeps the words
    of a line, not always their order: pypdf may put a comment before the code it ends)."""
    _, texts = book_pdf
    first, end = chapter_ranges(texts)[name]
    text = squeeze("".join(texts[first:end]))
    missing = [line for line in code_lines(name)
               if not all(squeeze(word) in text for word in line.split())]
    assert not missing, (f"{len(missing)} code lines of {name} are not whole in the PDF "
                         "(clipped at the margin?), e.g.:\n  " + "\n  ".join(missing[:8]))
