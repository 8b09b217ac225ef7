"""The student edition (``make student``, tools/make_student.py).

Fast tests (unit stage of ``make test``): every chapter's exercises are well formed (each has a
solution tagged ``solution``, a checker, and a solution that asserts its checker, so running
the chapter proves the reference solution passes), the structure check catches the mistakes
it is meant to catch, and the edition is written with the solutions and outputs removed.

Slow tests (marked ``notebooks``; the notebook stage of ``make test`` runs them): every
student notebook runs top to bottom in a fresh kernel without an error or stderr output, and
under every exercise the checker says "not implemented yet", never a pass.
"""
import json
import re
from pathlib import Path

import pytest

from tools.make_student import (HIDDEN_TAG, NOT_IMPLEMENTED, ROLE_KEY, SOLUTION_TAG,
                                StudentEditionError, book_context, book_url, build,
                                exercise_problems, main, repository_url, runtime_requirements,
                                student_notebook)

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "book").glob("*.ipynb"))
needs_chapters = pytest.mark.skipif(not CHAPTERS, reason="no chapters in book/ yet")


def _cells(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))["cells"]


def _text(cell):
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def md(source, tags=()):
    return {"cell_type": "markdown", "metadata": {"tags": list(tags)}, "source": source}


def code(source, tags=()):
    return {"cell_type": "code", "metadata": {"tags": list(tags)}, "source": source,
            "execution_count": None, "outputs": []}


def exercise(label="ex-twice", stub=True, checker=True):
    cells = [md(f"```{{exercise-start}} Twice\n:label: {label}\n```\n\nWrite `twice(x)`.")]
    if stub:
        cells.append(code("def twice(x):\n    # Your code here\n"
                          "    raise NotImplementedError('Exercise: implement twice')"))
    if checker:
        cells.append(code("check_twice(twice)"))
    return cells + [md("```{exercise-end}\n```")]


def solution(label="ex-twice", tags=(SOLUTION_TAG,), body_tags=(SOLUTION_TAG,),
             body="def twice(x):\n    return 2 * x\n\nassert check_twice(twice)"):
    return [md(f"```{{solution-start}} {label}\n:class: dropdown\n```", tags),
            code(body, body_tags), md("```{solution-end}\n```", tags)]


def notebook(cells):
    return {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                        "language": "python"}}}


GOOD = [md("# A chapter"), code("from lecture_code.exercises.core import Case, check\n"
                                "def check_twice(f):\n"
                                "    return check(f, [Case((2.0,), 4.0)], name='twice')")]
GOOD += exercise() + solution() + [md("## Summary")]


# --- the chapters -------------------------------------------------------------------------
@needs_chapters
@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_every_chapter_exercise_is_well_formed(path):
    assert exercise_problems(_cells(path)) == []


@needs_chapters
@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_every_stub_raises_not_implemented_with_a_message(path):
    """A stub's message is what the checker shows: it must say which exercise it is."""
    student = student_notebook(json.loads(path.read_text(encoding="utf-8")))
    stubs = [_text(c) for c in student["cells"] if c["metadata"].get(ROLE_KEY) == "stub"]
    for source in stubs:
        assert 'NotImplementedError("Exercise: ' in source or \
            "NotImplementedError('Exercise: " in source, source


# --- the structure check catches mistakes ------------------------------------------------
def test_a_good_notebook_has_no_problems():
    assert exercise_problems(GOOD) == []


@pytest.mark.parametrize("cells, message", [
    (exercise(), r"'ex-twice' \(cell 0\) has no solution"),
    (exercise() + solution(body_tags=()), r"cell 5 is part of the solution of 'ex-twice' but is "
                                          r"not tagged 'solution'"),
    (exercise() + solution(tags=()), r"cell 4 is part of the solution .* not tagged"),
    (exercise() + [code("def twice(x):\n    return 2 * x\n\nassert check_twice(twice)")],
     r"cell 4 asserts an exercise's checker outside any exercise or solution"),
    (exercise() + solution() + [code("x = 1", [SOLUTION_TAG])],
     r"cell 7 is tagged 'solution' but is not inside a solution block"),
    (exercise(checker=False) + solution(body="def twice(x):\n    return 2 * x"),
     r"has a stub \(cell 1\) but no checker cell"),
    (exercise() + solution(body="def twice(x):\n    return 2 * x"),
     r"never asserts `check_twice\(...\)`"),
    (exercise() + solution(label="ex-other"), r"a solution of 'ex-other', but no exercise"),
    (exercise()[:-1] + solution(), r"a solution-start inside the exercise started in cell 0"),
    (exercise() + solution()[:-1], r"the solution of 'ex-twice' has no solution-end cell"),
    (exercise() + exercise() + solution(), r"'ex-twice' is used by more than one exercise"),
    ([md("```{exercise-end}\n```")], r"an exercise-end without an exercise-start"),
    ([md("```{exercise-start} Untitled\n```")] + solution(),
     r"an exercise without a :label: option"),
])
def test_structure_problems_are_found_and_explained(cells, message):
    problems = "\n".join(exercise_problems(cells))
    assert problems, "no problem found"
    assert re.search(message, problems), problems


def test_a_plain_solution_directive_must_be_tagged_too():
    cells = [md("```{exercise}\n:label: ex-think\nWhy?\n```"),
             md("```{solution} ex-think\nBecause.\n```")]
    assert "not tagged 'solution'" in "\n".join(exercise_problems(cells))
    cells[1]["metadata"]["tags"] = [SOLUTION_TAG]
    assert exercise_problems(cells) == []


def test_asserting_a_library_check_outside_exercises_is_fine():
    """``assert check_grads(...)`` in a chapter's prose checks is not an exercise solution."""
    assert exercise_problems(GOOD + [code("assert check_grads(f, x)", ["remove-cell"])]) == []


# --- the student notebook -----------------------------------------------------------------
def test_student_notebook_drops_solutions_outputs_and_markers():
    nb = notebook(GOOD)
    nb["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "hi"}]
    nb["cells"][1]["execution_count"] = 7
    nb["metadata"]["widgets"] = {"state": {}}
    before = json.dumps(nb)
    out = student_notebook(nb, setup_source="# setup")
    assert json.dumps(nb) == before, "the input notebook was modified"
    texts = [_text(c) for c in out["cells"]]
    assert not any(SOLUTION_TAG in c["metadata"].get("tags", []) for c in out["cells"])
    assert not any("solution" in t for t in texts)
    assert not any("{exercise-" in t for t in texts)
    assert "### Exercise: Twice\n\nWrite `twice(x)`." in texts
    assert all(c.get("outputs") == [] and c.get("execution_count") is None
               for c in out["cells"] if c["cell_type"] == "code")
    assert "widgets" not in out["metadata"]
    roles = [c["metadata"].get(ROLE_KEY) for c in out["cells"]]
    assert roles == ["setup", None, None, None, "stub", "checker", None]


def test_student_notebook_refuses_a_broken_chapter():
    with pytest.raises(StudentEditionError, match=r"'ex-twice' \(cell 0\) has no solution"):
        student_notebook(notebook(exercise()))


# --- building the edition -----------------------------------------------------------------
def test_build_writes_the_edition(tmp_path):
    src = tmp_path / "ch.ipynb"
    src.write_text(json.dumps(notebook(GOOD)))
    out = tmp_path / "student"
    written = build(out, [src])
    assert written == [out / "ch.ipynb"]
    for name in ["README.md", "requirements.txt", "runtime.txt", "pyproject.toml", "LICENSE",
                 "lecture_code/__init__.py", "lecture_code/exercises/core.py"]:
        assert (out / name).exists(), name
    assert not list(out.rglob("__pycache__"))
    url = repository_url()
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert f"%pip install git+{url}" in readme and "`ch.ipynb`" in readme
    assert "mybinder.org" in readme and NOT_IMPLEMENTED in readme
    requirements = (out / "requirements.txt").read_text().splitlines()
    assert requirements[-1] == "-e ."
    assert all("==" in line for line in requirements if line and not line.startswith(("#", "-")))
    setup = _text(json.loads((out / "ch.ipynb").read_text())["cells"][0])
    assert f"%pip install --quiet git+{url}" in setup and "import lecture_code" in setup
    # a second run replaces the first
    build(out, [src])
    assert sorted(p.name for p in out.glob("*.ipynb")) == ["ch.ipynb"]


def test_build_never_overwrites_a_foreign_folder(tmp_path):
    src = tmp_path / "ch.ipynb"
    src.write_text(json.dumps(notebook(GOOD)))
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("precious")
    with pytest.raises(StudentEditionError, match="was not written by this tool"):
        build(foreign, [src])
    assert (foreign / "notes.txt").read_text() == "precious"


def test_build_reports_every_broken_notebook_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.ipynb"
    bad.write_text(json.dumps(notebook(exercise())))
    junk = tmp_path / "junk.ipynb"
    junk.write_text("{not json")
    out = tmp_path / "student"
    with pytest.raises(StudentEditionError,
                       match=r"(?s)not written; fix these first.*bad.ipynb: the exercise "
                             r"'ex-twice'.*junk.ipynb: cannot be read"):
        build(out, [bad, junk])
    assert not out.exists()


def test_command_line(tmp_path, capsys):
    src = tmp_path / "ch.ipynb"
    src.write_text(json.dumps(notebook(GOOD)))
    assert main(["--check", str(src)]) == 0
    assert main(["--out", str(tmp_path / "s"), str(src)]) == 0
    assert "wrote 1 notebook(s)" in capsys.readouterr().out
    src.write_text(json.dumps(notebook(exercise())))
    assert main(["--check", str(src)]) == 1
    assert "has no solution" in capsys.readouterr().err


# --- what the edition's chapters show (issue 14: what a student sees in JupyterLab) --------
@pytest.fixture(scope="module")
def chapters():
    context = book_context(ROOT)
    return {p.stem: student_notebook(json.loads(p.read_text(encoding="utf-8")), "# setup",
                                     context=context, stem=p.stem) for p in CHAPTERS}


@needs_chapters
def test_no_hidden_cells_reach_the_students(chapters):
    book_hidden = sum(HIDDEN_TAG in c["metadata"].get("tags", []) for p in CHAPTERS
                      for c in _cells(p))
    assert book_hidden > 0, "the book has no hidden cells: this test would prove nothing"
    for name, nb in chapters.items():
        tags = {t for c in nb["cells"] for t in c["metadata"].get("tags", [])}
        assert HIDDEN_TAG not in tags, f"{name}: a hidden ({HIDDEN_TAG}) cell is shown"


@needs_chapters
def test_no_reference_jupyterlab_cannot_resolve(chapters):
    """No citation, figure number, role or page link that points at nothing in JupyterLab."""
    for name, nb in chapters.items():
        markdown = "\n".join(_text(c) for c in nb["cells"] if c["cell_type"] == "markdown")
        left = re.findall(r"\{(?:numref|cite[:\w]*|py:\w+|doc)\}`[^`]*`", markdown)
        assert not left, f"{name}: unresolved in JupyterLab: {left[:5]}"
        own = set(re.findall(r"^\(([\w-]+)\)=", markdown, re.M))
        refs = [r for r in re.findall(r"\{ref\}`(?:[^`<]*<)?([^`>]+)>?`", markdown) if r not in own]
        assert not refs, f"{name}: references to labels outside the notebook: {refs[:5]}"
        equations = set(re.findall(r"\$\$[ \t]*\(([\w-]+)\)", markdown))
        eqs = [e for e in re.findall(r"\{eq\}`([^`]+)`", markdown) if e not in equations]
        assert not eqs, f"{name}: {{eq}} references to equations of other chapters: {eqs[:5]}"
        assert "make lab" not in markdown, f"{name} mentions `make lab`, which it does not have"
        for number in re.findall(r"\bFigure (\d+)(?! of)", markdown):
            assert f"**Figure {number}.**" in markdown, f"{name}: Figure {number} has no caption"


@needs_chapters
def test_each_widget_figure_is_shown_once(chapters):
    widget_chapters = [p.stem for p in CHAPTERS if "lecture_code.widgets" in p.read_text()]
    assert widget_chapters, "no chapter shows a widget: this test would prove nothing"
    for name in widget_chapters:
        cells = chapters[name]["cells"]
        for i, cell in enumerate(cells[:-1]):
            if cell["cell_type"] == "code" and re.search(
                    r"^\s*(em_stepper|gaussian_explorer|difference_explorer)\(", _text(cell), re.M):
                # a static copy's caption, if the book had one, goes under the widget
                after = cells[i + 1]
                nxt = cells[i + 2] if after["metadata"].get(ROLE_KEY) == "caption" else after
                assert "figure" not in nxt["metadata"].get("mystnb", {}), \
                    f"{name}: the widget's figure is drawn a second time after it"


def test_the_edition_takes_binders_pins_and_the_book_url():
    text = runtime_requirements()
    binder = (ROOT / "binder" / "requirements.txt").read_text(encoding="utf-8")
    pins = [ln for ln in text.splitlines() if "==" in ln]
    assert pins and all(ln in binder.splitlines() for ln in pins)
    assert "jupyterlab-myst" in text.replace("_", "-") and "jupyter-book" not in text
    assert book_url().startswith("https://") and book_url().endswith("/")


def test_the_readme_explains_the_exercises_windows_and_handing_in(tmp_path):
    src = tmp_path / "ch.ipynb"
    src.write_text(json.dumps(notebook(GOOD)))
    build(tmp_path / "s", [src])
    readme = (tmp_path / "s" / "README.md").read_text(encoding="utf-8")
    assert "## How the exercises work" in readme and "[TO DO]" in readme
    assert "py -3.11 -m venv .venv" in readme and ".venv\\Scripts\\python" in readme
    assert book_url() in readme and "make lab" not in readme and "*Solution*" not in readme
    assert "lecture_code.exercises.grade" in readme


# --- executing the student edition (slow: the notebook stage of `make test`) -------------
@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    out = tmp_path_factory.mktemp("student") / "edition"
    build(out)
    return out


@pytest.mark.notebooks
@needs_chapters
@pytest.mark.parametrize("name", [p.name for p in CHAPTERS])
def test_student_notebook_runs_and_every_checker_says_not_implemented(edition, name,
                                                                      monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    # The unit tests set MPLBACKEND=Agg; a kernel must keep its inline backend.
    monkeypatch.delenv("MPLBACKEND", raising=False)
    nb = nbformat.read(edition / name, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(edition)}})
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as exc:
        pytest.fail(f"the student edition of {name} does not run (does a cell after an "
                    f"exercise use a name only its solution defines?):\n{exc}")
    stderr = ["".join(o.get("text", "")) for c in nb.cells if c.cell_type == "code"
              for o in c.outputs if o.get("output_type") == "stream" and o.get("name") == "stderr"]
    assert stderr == [], f"{name} wrote to stderr:\n" + "\n".join(stderr)
    checkers = [c for c in nb.cells if c.metadata.get(ROLE_KEY) == "checker"]
    stubs = [c for c in nb.cells if c.metadata.get(ROLE_KEY) == "stub"]
    assert checkers or not stubs, f"{name}: stubs without checker cells"
    for cell in checkers:
        shown = json.dumps([o.get("data", o.get("text", "")) for o in cell.outputs],
                           ensure_ascii=False)
        assert NOT_IMPLEMENTED in shown, (
            f"{name}: the checker cell {_text(cell)!r} did not say {NOT_IMPLEMENTED!r} for the "
            f"unfinished stub; it showed {shown[:300]}")
        assert "[PASS]" not in shown, f"{name}: {_text(cell)!r} passes an unfinished stub: {shown}"



def test_the_tools_examples_run():
    import doctest

    import tools.make_student
    assert doctest.testmod(tools.make_student).failed == 0
