"""Every 'chapter *Title*' named in a lecture_code docstring is a chapter of the book.

Docstrings say which chapter introduces a function; this keeps those names in step with the
chapters' titles (the first '# ' heading of each notebook in the toc).
"""
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CITE = re.compile(r"[Cc]hapters?\s+\*([^*]+)\*")


def chapter_titles():
    titles = set()
    for nb_path in sorted((ROOT / "book").glob("*.ipynb")):
        for cell in json.loads(nb_path.read_text())["cells"]:
            m = re.search(r"^# (.+)$", "".join(cell["source"]), re.M)
            if cell["cell_type"] == "markdown" and m:
                titles.add(m.group(1).strip())
                break
    return titles


def cited_chapters():
    for path in sorted((ROOT / "lecture_code").rglob("*.py")):
        for m in CITE.finditer(path.read_text()):
            yield path.relative_to(ROOT), " ".join(m.group(1).split())


def test_there_are_chapters_and_citations():
    assert len(chapter_titles()) >= 13
    assert sum(1 for _ in cited_chapters()) > 100


@pytest.mark.parametrize("path, title", sorted(set(cited_chapters())))
def test_docstring_names_an_existing_chapter(path, title):
    assert title in chapter_titles(), (
        f"{path} cites the chapter *{title}*, which is not the title of any chapter in "
        f"book/; titles are: {sorted(chapter_titles())}")
