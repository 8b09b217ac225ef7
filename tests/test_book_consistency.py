"""The book's sources are consistent: _toc.yml and book/ agree, notebooks have no outputs,
the configuration keeps the promises of the README (forced execution, offline math, one URL).
"""
import json
import re
from pathlib import Path

import pytest

from tools.check_book import book_pages, duplicate_keys, source_problems, toc_files

ROOT = Path(__file__).resolve().parent.parent


def test_toc_and_book_agree_and_notebooks_are_clean():
    assert source_problems() == []


def test_a_key_given_twice_in_the_config_is_caught(tmp_path):
    """YAML keeps the last of two equal keys: two html_css_files lists would drop a stylesheet."""
    config = tmp_path / "_config.yml"
    config.write_text("sphinx:\n  config:\n    html_css_files: [a.css]\n"
                      "    html_js_files: [a.js]\n    html_css_files: [b.css]\n")
    (problem,) = duplicate_keys(config)
    assert "'html_css_files' is given twice" in problem and "line 5" in problem


def test_front_matter_comes_first():
    toc = toc_files()
    assert toc[:3] == ["book/intro", "book/notation", "book/plan"]
    assert set(book_pages()) == set(toc)


def test_checks_catch_problems(tmp_path):
    (tmp_path / "book").mkdir()
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n"
                                       "  - file: book/missing\n")
    (tmp_path / "book" / "intro.md").write_text("# Intro\n")
    (tmp_path / "book" / "orphan.md").write_text("# Orphan\n")
    nb = {"cells": [{"cell_type": "code", "source": "1", "metadata": {},
                     "execution_count": 1, "outputs": [{"output_type": "execute_result"}]}],
          "metadata": {"kernelspec": {"name": "julia"}}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "book" / "dirty.ipynb").write_text(json.dumps(nb))
    text = "\n".join(source_problems(tmp_path))
    for fragment in ["lists book/missing", "book/orphan is not in _toc.yml",
                     "book/dirty is not in _toc.yml", "stored with outputs", "kernelspec 'julia'"]:
        assert fragment in text, text


def test_checks_catch_long_code_lines_and_missing_alt_text(tmp_path):
    (tmp_path / "book").mkdir()
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/nb\n")
    cells = [{"cell_type": "code", "source": "x = 1  # " + "a" * 80, "metadata": {},
              "execution_count": None, "outputs": []},
             {"cell_type": "code", "source": "plt.subplots(figsize=(11, 4))",
              "execution_count": None,
              "outputs": [], "metadata": {"mystnb": {"figure": {"caption": "c", "name": "f"}}}}]
    nb = {"cells": cells, "metadata": {"kernelspec": {"name": "python3"}}, "nbformat": 4,
          "nbformat_minor": 5}
    (tmp_path / "book" / "nb.ipynb").write_text(json.dumps(nb))
    text = "\n".join(source_problems(tmp_path))
    assert "code cell 0: 1 line(s) longer than 80" in text, text
    assert "code cell 1: the figure 'f' has no alt text" in text, text
    assert "code cell 1: a figure 11 inches wide" in text, text


def _config():
    return (ROOT / "_config.yml").read_text(encoding="utf-8")


@pytest.mark.parametrize("setting", [
    r"execute_notebooks:\s*force", r"timeout:\s*\d+", r"allow_errors:\s*false",
    r"nb_execution_raise_on_error:\s*true", r"only_build_toc_files:\s*true",
    r"-\s*sphinx-mathjax-offline", r"-\s*sphinx_exercise", r"-\s*sphinx_togglebutton",
    r"binderhub_url:\s*https://mybinder.org", r"colab_url:", r"use_download_button:\s*true",
    r"references\.bib",
])
def test_config_keeps_its_promises(setting):
    assert re.search(setting, _config()), setting


def test_repository_url_is_set_in_one_place():
    urls = re.findall(r"https://github\.com/[\w.-]+/[\w.-]+", _config())
    assert len(urls) == 1


def test_requirements_are_exact_pins_and_install_the_package():
    lines = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines[-1] == "-e ."
    unpinned = [line for line in lines[:-1] if "==" not in line]
    assert unpinned == []
    names = {line.split("==")[0].lower() for line in lines[:-1]}
    for needed in ["jupyter-book", "numpy", "scipy", "matplotlib", "ipywidgets", "scikit-learn",
                   "nbval", "pytest", "pytest-xdist", "hypothesis", "sphinx-exercise",
                   "sphinx-togglebutton", "sphinx-mathjax-offline"]:
        assert needed in names, needed
    assert (ROOT / "runtime.txt").read_text().strip() == "python-3.11"


def test_bibliography_has_the_core_references():
    bib = (ROOT / "references.bib").read_text(encoding="utf-8")
    for key in ["griewank2008", "baydin2018", "bishop2006", "dempster1977", "azzalini1990"]:
        assert re.search(r"@\w+\{" + key + ",", bib), key


def test_notebook_step_fails_on_stderr_and_reports_times(tmp_path):
    """The nbval plugin of `make test` turns a warning in a notebook into a failure."""
    import subprocess
    import sys

    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1"),
                nbformat.v4.new_code_cell("import warnings; warnings.warn('careful')")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path = tmp_path / "noisy.ipynb"
    nbformat.write(nb, path)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "tools.nbval_report",
         "--nbval-lax", "--nbval-current-env", "-o", "filterwarnings=error", str(path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "wrote to stderr" in run.stdout and "UserWarning: careful" in run.stdout
    assert "notebook run times" in run.stdout and "1 passed" in run.stdout


def test_the_plan_names_every_chapter_by_its_title():
    """book/plan.md's tables give each chapter's number and title as the notebook has them."""
    import nbformat

    rows = re.findall(r"^\| (\d+) \| ([^|]+?) \|", (ROOT / "book" / "plan.md").read_text(),
                      re.M)
    titles = {}
    for nb in sorted((ROOT / "book").glob("[0-9][0-9]_*.ipynb")):
        cells = nbformat.read(nb, as_version=4).cells
        title = next(line for c in cells if c.cell_type == "markdown"
                     for line in c.source.splitlines() if line.startswith("# "))
        titles[str(int(nb.name[:2]))] = title[2:].strip()
    assert dict(rows) == titles


def test_every_citation_has_an_entry_in_references_bib():
    """references.bib parses, and every {cite} key of the book is one of its entries."""
    from pybtex.database import parse_file

    keys = set(parse_file(ROOT / "references.bib").entries)
    texts = [p.read_text(encoding="utf-8") for p in (ROOT / "book").glob("*.md")]
    texts += ["".join(c.get("source", [])) for nb in (ROOT / "book").glob("*.ipynb")
              for c in json.loads(nb.read_text(encoding="utf-8"))["cells"]]
    cited = {key.strip() for text in texts
             for group in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", text)
             for key in group.split(",")}
    assert cited and cited <= keys, f"cited but not in references.bib: {sorted(cited - keys)}"


def test_no_two_references_are_the_same_source():
    """One entry per source: two keys with the same URL or DOI split one citation in two."""
    from pybtex.database import parse_file

    seen = {}
    for key, entry in parse_file(ROOT / "references.bib").entries.items():
        for field in ("url", "doi"):
            value = entry.fields.get(field, "").strip().rstrip("/").lower()
            if value:
                assert value not in seen, f"{key} and {seen[value]} both cite {value}"
                seen[value] = key


def test_references_use_only_markup_the_bibliography_renders():
    """sphinxcontrib-bibtex prints \\texttt, maths and escaped braces literally in the
    bibliography: write those fields as plain text."""
    from pybtex.database import parse_file

    for key, entry in parse_file(ROOT / "references.bib").entries.items():
        for name, value in entry.fields.items():
            for bad in ("\\texttt", "$", "\\{", "\\}"):
                assert bad not in value, f"{key}.{name} contains {bad!r}: {value[:80]}"
