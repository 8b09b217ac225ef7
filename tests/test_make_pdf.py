"""Unit tests of tools/make_pdf.py's helpers (the PDF itself: tests/browser/test_pdf.py)."""
from tools.check_book import toc_files
from tools.make_pdf import ROOT, squeeze, start_pages, toc_parts


def test_squeeze_ignores_line_breaks_and_ligatures():
    assert squeeze("Auto\ufb00 and\n Clustering") == "AutoffandClustering"


def test_start_pages_search_after_the_contents_and_in_order():
    texts = ["Book title\nContents?", "Contents\nBook title 3\nNext 4", "Book title\ntext",
             "Next\ntext that mentions Book title", "Book title again"]
    assert start_pages(texts, {"a": "Book title", "b": "Next"}) == {"a": 3, "b": 4}
    assert start_pages(texts, {"b": "Next", "a": "Book title"}) == {"b": 4, "a": 5}
    assert start_pages(texts, {"c": "Missing"}) == {}


def test_toc_parts_list_every_toc_page_once_in_order():
    parts = toc_parts(ROOT)
    assert parts[0]["caption"] == "" and len(parts[0]["files"]) == 1
    assert [f for p in parts for f in p["files"]] == toc_files(ROOT)
    assert all(p["caption"] for p in parts[1:])
