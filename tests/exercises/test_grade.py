"""The grader (python -m lecture_code.exercises.grade): registry, rows, and hostile notebooks.

The quick tests need no kernel. Those marked ``notebooks`` execute notebooks: a chapter of the
book gets full marks, its student edition zero ("not implemented yet"), and notebooks that
loop forever, have a syntax error, lost their checker cells or write files are graded
without hanging, with a reason in every row.
"""
from __future__ import annotations

import copy
import csv
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lecture_code.exercises import grade
from tools import make_student

ROOT = Path(__file__).resolve().parents[2]
CHAPTER = "02_dual_numbers"        # a short chapter with three exercises


def test_registry_matches_the_book():
    assert grade.scan_book(ROOT / "book") == grade.REGISTRY, (
        "lecture_code/exercises/registry.py is out of date: run "
        "`python -m lecture_code.exercises.grade --write-registry book/`")
    assert sum(len(v) for v in grade.REGISTRY.values()) >= 41


def test_registry_source_round_trips():
    namespace = {}
    exec(grade.registry_source(grade.REGISTRY), namespace)
    assert {c: [grade.ExerciseSpec(*s) for s in v]
            for c, v in namespace["EXERCISES"].items()} == grade.REGISTRY


def test_chapter_is_recognised_by_name_or_by_content():
    assert grade.chapter_of(Path("bob_11_em.ipynb"), None) == "11_em"
    nb = {"cells": [{"cell_type": "code", "source": "check_e_step(e_step)", "metadata": {}}]}
    assert grade.chapter_of(Path("homework.ipynb"), nb) == "11_em"
    assert grade.chapter_of(Path("homework.ipynb"), {"cells": []}) is None


def test_unreadable_and_unknown_notebooks_get_a_row_with_the_reason(tmp_path):
    broken = tmp_path / "02_dual_numbers.ipynb"
    broken.write_text("{ not json", encoding="utf-8")
    unknown = tmp_path / "notes.ipynb"
    unknown.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4,
                                   "nbformat_minor": 5}), encoding="utf-8")
    rows = grade.grade_paths([tmp_path])
    assert [r.feedback.split(":")[0] for r in rows] == ["cannot read the notebook",
                                                         "not a chapter of the book with exercises"]


def test_parallel_grading_keeps_the_order(tmp_path):
    names = [f"{i}-02_dual_numbers.ipynb" for i in range(4)]
    for name in names:
        (tmp_path / name).write_text("{ not json", encoding="utf-8")
    rows = grade.grade_paths([tmp_path / n for n in names], jobs=3)
    assert [Path(r.notebook).name for r in rows] == names
    with pytest.raises(ValueError, match="jobs must be at least 1"):
        grade.grade_paths([], jobs=0)


def test_command_line_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        grade.main(["/no/such/notebook.ipynb"])
    assert exc.value.code == 2 and "no such file" in capsys.readouterr().err


# --- executing notebooks ---------------------------------------------------------------------

def _student_notebook(name: str) -> dict:
    nb = json.loads((ROOT / "book" / f"{name}.ipynb").read_text(encoding="utf-8"))
    return make_student.student_notebook(nb, make_student.setup_cell_source(
        make_student.repository_url()))


def _cell_index(nb: dict, role: str, contains: str) -> int:
    return next(i for i, c in enumerate(nb["cells"])
                if c["metadata"].get(make_student.ROLE_KEY) == role
                and contains in "".join(c["source"]))


def _write(nb: dict, path: Path) -> Path:
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def _run_cli(paths, cwd, *extra) -> tuple[list[dict], float]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "lecture_code.exercises.grade", *map(str, paths),
                           *extra], cwd=cwd, capture_output=True, text=True, timeout=900,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-2000:]
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert list(rows[0]) == grade.HEADER
    return rows, time.perf_counter() - start


@pytest.mark.notebooks
def test_book_chapter_gets_full_marks_and_student_edition_zero(tmp_path):
    student = _write(_student_notebook(CHAPTER), tmp_path / f"student-{CHAPTER}.ipynb")
    rows, _ = _run_cli([ROOT / "book" / f"{CHAPTER}.ipynb", student], tmp_path)
    book = [r for r in rows if r["notebook"].endswith(f"book/{CHAPTER}.ipynb")]
    handed_out = [r for r in rows if "student-" in r["notebook"]]
    n = len(grade.REGISTRY[CHAPTER])
    assert len(book) == len(handed_out) == n
    assert all(r["score"] == "1" and r["max"] == "1" for r in book), book
    assert all(r["score"] == "0" and "not implemented yet" in r["feedback"]
               for r in handed_out), handed_out


@pytest.mark.notebooks
def test_hostile_notebooks_are_graded_without_hanging(tmp_path):
    base = _student_notebook(CHAPTER)
    # 1. an endless loop at the top level of the first stub's cell
    looping = copy.deepcopy(base)
    looping["cells"][_cell_index(looping, "stub", "def dual_div")]["source"] = "while True:\n    pass\n"
    # 2. a syntax error in a stub, and a function that loops when the checker calls it
    broken = copy.deepcopy(base)
    broken["cells"][_cell_index(broken, "stub", "def dual_div")]["source"] = "def dual_div(a, b)\n    return a\n"
    broken["cells"][_cell_index(broken, "stub", "def dual_inverse")]["source"] = (
        "def dual_inverse(f, y):\n    while True:\n        pass\n")
    # 3. the checker cells deleted, one exercise solved; and files written around
    pruned = copy.deepcopy(base)
    pruned["cells"] = [c for c in pruned["cells"]
                       if c["metadata"].get(make_student.ROLE_KEY) != "checker"]
    pruned["cells"][_cell_index(pruned, "stub", "def dual_div")]["source"] = (
        "def dual_div(a, b):\n    return a[0] / b[0], (a[1] * b[0] - a[0] * b[1]) / b[0] ** 2\n"
        "open('written-by-a-student.txt', 'w').write('x')\n"
        "import os; open(os.path.expanduser('~/written-to-home.txt'), 'w').write('x')\n")
    folder = tmp_path / "submissions"
    folder.mkdir()
    for name, nb in [("looping", looping), ("broken", broken), ("pruned", pruned)]:
        _write(nb, folder / f"{name}-{CHAPTER}.ipynb")
    rows, seconds = _run_cli([folder], tmp_path, "--time-limit", "25", "--check-timeout", "10")
    print(f"\nthree hostile notebooks graded in {seconds:.0f} s")
    by = {(Path(r["notebook"]).name.split("-")[0], r["exercise"]): r for r in rows}
    labels = [s.label for s in grade.REGISTRY[CHAPTER]]
    assert len(rows) == 3 * len(labels)
    div, tan = labels[0], labels[1]
    assert "time limit" in by["looping", div]["feedback"], by["looping", div]
    assert "SyntaxError" in by["broken", div]["feedback"], by["broken", div]
    assert "did not finish within 10 s" in by["broken", tan]["feedback"], by["broken", tan]
    assert by["pruned", div]["score"] == "1", by["pruned", div]
    assert all(r["score"] == "0" for k, r in by.items() if k != ("pruned", div))
    assert all(r["feedback"] for r in rows)
    assert not (tmp_path / "written-by-a-student.txt").exists()
    assert not list(folder.glob("written-*")), "a student's file landed next to the submissions"
    assert not (Path.home() / "written-to-home.txt").exists()


@pytest.mark.notebooks
def test_the_whole_book_gets_full_marks(tmp_path):
    rows, seconds = _run_cli([ROOT / "book"], tmp_path, "--jobs", "2")
    print(f"\nthe whole book graded in {seconds:.0f} s (two notebooks at a time)")
    expected = sum(len(v) for v in grade.REGISTRY.values())
    graded = [r for r in rows if r["exercise"] != "-"]
    assert len(graded) == expected
    assert all(r["score"] == r["max"] == "1" for r in graded), \
        [r for r in graded if r["score"] != "1"]
