"""Every chapter page of the built book has Binder, Colab and download buttons.

The check itself is ``launch_button_problems`` in tools/check_book.py, which `make test` runs
on the fresh build (``check_book.py html``). Here it is tested on a small fake build, and run on
_build/html when a build exists.
"""
import json
import re
from pathlib import Path

import pytest

from tools.check_book import launch_button_problems

ROOT = Path(__file__).resolve().parent.parent
REPO = "autodiff-clustering-redux/autodiff-clustering-redux"
BINDER = "https://mybinder.org/v2/gh/{repo}/main?urlpath=lab/tree/book/ch.ipynb"
COLAB = "https://colab.research.google.com/github/{repo}/blob/main/book/ch.ipynb"
DOWNLOAD = "../_sources/book/ch.ipynb"


def fake_book(tmp_path, links, repo_line=f"  url: https://github.com/{REPO}\n"):
    (tmp_path / "_config.yml").write_text(
        "title: t\nrepository:\n" + repo_line + "  branch: main\nlaunch_buttons:\n"
        "  binderhub_url: https://mybinder.org\n  colab_url: https://colab.research.google.com\n")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n"
                                       "  - file: book/ch\n")
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "intro.md").write_text("# Intro\n")
    (tmp_path / "book" / "ch.ipynb").write_text(json.dumps({"cells": []}))
    html = tmp_path / "_build" / "html" / "book"
    html.mkdir(parents=True)
    (html / "intro.html").write_text("<html>no buttons on a Markdown page</html>")
    anchors = "".join(f'<a href="{link.format(repo=REPO)}">x</a>' for link in links)
    (html / "ch.html").write_text(f"<html>{anchors}</html>")
    return tmp_path


def test_a_chapter_with_all_buttons_passes(tmp_path):
    assert launch_button_problems(fake_book(tmp_path, [BINDER, COLAB, DOWNLOAD])) == []


@pytest.mark.parametrize("links, missing", [
    ([COLAB, DOWNLOAD], "Binder"),
    ([BINDER, DOWNLOAD], "Colab"),
    ([BINDER, COLAB], "download"),
    ([], "Binder, Colab, download"),
])
def test_a_missing_button_is_reported(tmp_path, links, missing):
    problems = launch_button_problems(fake_book(tmp_path, links))
    assert problems == [f"book/ch.html has no {missing} launch button(s) for book/ch.ipynb: "
                        "check launch_buttons, repository and html in _config.yml."]


def test_buttons_must_point_at_the_configured_repository(tmp_path):
    root = fake_book(tmp_path, [BINDER, COLAB, DOWNLOAD],
                     repo_line="  url: https://github.com/a-fork/the-book  # a fork\n")
    assert "no Binder, Colab launch button(s)" in launch_button_problems(root)[0]


def test_a_repository_is_required(tmp_path):
    root = fake_book(tmp_path, [BINDER, COLAB, DOWNLOAD], repo_line="  url: ''\n")
    assert "no repository.url on GitHub" in launch_button_problems(root)[0]


@pytest.mark.skipif(not (ROOT / "_build" / "html" / "index.html").exists(),
                    reason="no built book in _build/html (make book)")
def test_the_built_book_has_launch_buttons_on_every_chapter():
    chapters = [p for p in (ROOT / "book").glob("*.ipynb")
                if (ROOT / "_build" / "html" / "book" / f"{p.stem}.html").exists()]
    if not chapters:
        pytest.skip("no chapter pages in _build/html")
    assert launch_button_problems() == []


def test_the_real_config_names_a_github_repository():
    from tools.check_book import _repository
    repo, branch = _repository(ROOT)
    config = (ROOT / "_config.yml").read_text(encoding="utf-8")
    assert re.fullmatch(r"[\w.-]+/[\w.-]+", repo) and f"https://github.com/{repo}" in config
    assert branch


def test_colab_users_are_told_how_to_install_lecture_code():
    """Colab opens a bare notebook: the preface shows the install line, with the URL of
    _config.yml (a MyST substitution of the same YAML anchor, so forks change one line)."""
    config = (ROOT / "_config.yml").read_text(encoding="utf-8")
    assert re.search(r"^\s+url:\s*&repository_url\s+https://github\.com/", config, re.MULTILINE)
    assert re.search(r"myst_substitutions:\s*\n\s+repository_url:\s*\*repository_url", config)
    preface = (ROOT / "book" / "intro.md").read_text(encoding="utf-8")
    assert "%pip install git+' + repository_url" in preface
