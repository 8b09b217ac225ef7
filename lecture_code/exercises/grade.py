"""Grade submitted notebooks with the book's checkers, for instructors.

Introduced in the preface (*How the exercises work*, *Grading submitted notebooks*)::

    python -m lecture_code.exercises.grade NOTEBOOK_OR_FOLDER... > grades.csv

Each notebook (a folder stands for every ``*.ipynb`` below it) is executed from the top in a
fresh kernel, in its own temporary directory and its own process, with a time limit; then
every exercise of its chapter is graded by the book's checker run on the student's function
(each check with its own time limit). The chapter is recognised from the file name (it
contains the chapter's name, e.g. ``alice-11_em.ipynb``) or else from the checkers and
functions the notebook uses. The CSV on stdout has one row per notebook and exercise:
``notebook, exercise, score, max, feedback`` (score 1 when every case of the checker passes,
0 otherwise; the feedback is the checker's report or the reason there is no grade: the
function is not defined, its cell raised an error, the notebook ran out of time...). The
command exits 0 whatever the students wrote; it exits 2 only when it is called wrongly.

Which exercises a chapter has, and which function each checker tests, comes from
``lecture_code.exercises._registry``, generated from the book's notebooks
(``python -m lecture_code.exercises.grade --write-registry book/``; a test keeps it in sync).

Isolation: a student's code runs in its own kernel, started in an empty temporary directory
(also its ``HOME``) that is deleted afterwards; the grades travel from the grading process to
this one over a pipe the kernel cannot write to, so nothing one student writes changes another
student's grade or the grader's files through the working directory. The kernel still runs
as your user: for submissions you do not trust, run the grader in a container or a virtual
machine (nbgrader's FAQ says it does not protect against unsafe code; Otter-Grader's ``otter
grade`` runs each submission in a Docker container). As in both, the checks run in the
student's kernel, so a student who sets out to patch the checkers in their own notebook can
fool their own grade; read the notebooks of surprising grades.

>>> rows = grade_paths([])
>>> rows
[]
>>> [e.checker for e in REGISTRY["11_em"]][:2]
['check_e_step', 'check_m_step']
"""
from __future__ import annotations

import argparse
import ast
import csv
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ExerciseSpec", "Row", "REGISTRY", "chapter_of", "grade_notebook", "grade_paths",
           "main", "scan_book", "scan_notebook"]

HEADER = ["notebook", "exercise", "score", "max", "feedback"]
TIME_LIMIT_S = 300.0      # the student's cells of one notebook, together
CHECK_TIMEOUT_S = 60.0    # one checker on the student's function
_EXERCISE_START = re.compile(r"(?:`{3,}|:{3,})\{exercise-start\}[ \t]*(?P<title>[^\n]*)\n"
                             r"(?P<options>(?:[ \t]*:[\w-]+:[^\n]*\n)*)")
_EXERCISE_END = re.compile(r"(?:`{3,}|:{3,})\{exercise-end\}")
_LABEL = re.compile(r"^[ \t]*:label:[ \t]*(\S+)", re.MULTILINE)


@dataclass(frozen=True)
class ExerciseSpec:
    """One gradable exercise: its label, the checker and its module, the function it tests.

    Introduced in the preface (*Grading submitted notebooks*).

    >>> ExerciseSpec("ex-em-estep", "The E-step", "lecture_code.exercises.mixture_em",
    ...              "check_e_step", "e_step").function
    'e_step'
    """

    label: str
    title: str
    module: str
    checker: str
    function: str


@dataclass(frozen=True)
class Row:
    """One line of the grades: notebook, exercise label, score, maximum, feedback.

    Introduced in the preface (*Grading submitted notebooks*).

    >>> Row("alice-11_em.ipynb", "ex-em-estep", 1, 1, "[PASS] e_step: all 5 cases pass.").score
    1
    """

    notebook: str
    exercise: str
    score: int
    max: int
    feedback: str


# --- the exercises of the book ---------------------------------------------------------------

def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _checker_modules() -> dict[str, str]:
    """checker name -> module, for every checker of lecture_code.exercises."""
    import importlib
    import pkgutil

    import lecture_code.exercises as exercises
    found = {}
    for info in pkgutil.iter_modules(exercises.__path__):
        if info.name in ("core", "grade", "_registry"):
            continue
        module = importlib.import_module(f"lecture_code.exercises.{info.name}")
        for name in getattr(module, "__all__", []):
            if name.startswith("check_"):
                found[name] = module.__name__
    return found


def _checker_calls(source: str) -> list[tuple[str, str]]:
    """``(checker, function)`` for each call ``check_x(function, ...)`` in a code cell."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    calls = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id.startswith("check_") and node.args
                and isinstance(node.args[0], ast.Name)):
            calls.append((node.func.id, node.args[0].id))
    return calls


def scan_notebook(nb: dict, modules: dict[str, str] | None = None) -> list[ExerciseSpec]:
    """The exercises of a book chapter (a notebook as a dict): each checker call in an exercise.

    Introduced in the preface (*Grading submitted notebooks*). Cells tagged ``solution`` are
    skipped (they assert the checker on the reference solution).

    >>> md = {"cell_type": "markdown", "metadata": {},
    ...       "source": "```{exercise-start} The E-step\\n:label: ex-e\\n```\\n"}
    >>> code = {"cell_type": "code", "metadata": {}, "source": "check_e_step(e_step)"}
    >>> end = {"cell_type": "markdown", "metadata": {}, "source": "```{exercise-end}\\n```"}
    >>> scan_notebook({"cells": [md, code, end]})[0].function
    'e_step'
    """
    modules = _checker_modules() if modules is None else modules
    specs, current = [], None
    for cell in nb.get("cells", []):
        text = _source(cell)
        if cell.get("cell_type") == "markdown":
            if m := _EXERCISE_START.search(text):
                label = _LABEL.search(m.group("options"))
                current = (label.group(1) if label else m.group("title").strip(),
                           m.group("title").strip())
            elif _EXERCISE_END.search(text):
                current = None
        elif (cell.get("cell_type") == "code" and current is not None
              and "solution" not in cell.get("metadata", {}).get("tags", [])):
            for checker, function in _checker_calls(text):
                if checker in modules:
                    specs.append(ExerciseSpec(current[0], current[1], modules[checker],
                                              checker, function))
    return specs


def scan_book(book: Path) -> dict[str, list[ExerciseSpec]]:
    """Chapter name (the notebook's stem) -> its exercises, for every notebook in ``book``.

    Introduced in the preface (*Grading submitted notebooks*); chapters without exercises
    are left out.
    """
    modules = _checker_modules()
    chapters = {}
    for path in sorted(Path(book).glob("*.ipynb")):
        specs = scan_notebook(json.loads(path.read_text(encoding="utf-8")), modules)
        if specs:
            chapters[path.stem] = specs
    return chapters


def registry_source(chapters: dict[str, list[ExerciseSpec]]) -> str:
    """The text of ``registry.py`` for ``chapters`` (see :func:`scan_book`)."""
    lines = ['"""The exercises of each chapter, for the grader (generated: do not edit).',
             "",
             "Introduced in the preface (*Grading submitted notebooks*). Each entry is",
             "(label, title, checker module, checker, function). Regenerate with",
             "``python -m lecture_code.exercises.grade --write-registry book/``; a test checks",
             "that it matches the notebooks in book/.",
             '"""',
             "",
             "EXERCISES = {"]
    for chapter, specs in chapters.items():
        lines.append(f"    {chapter!r}: [")
        for s in specs:
            lines.append(f"        ({s.label!r}, {s.title!r},")
            lines.append(f"         {s.module!r}, {s.checker!r}, {s.function!r}),")
        lines.append("    ],")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _load_registry() -> dict[str, list[ExerciseSpec]]:
    from lecture_code.exercises._registry import EXERCISES
    return {chapter: [ExerciseSpec(*spec) for spec in specs] for chapter, specs in EXERCISES.items()}


REGISTRY: dict[str, list[ExerciseSpec]] = _load_registry()


def chapter_of(path: Path, nb: dict | None) -> str | None:
    """The chapter a submitted notebook belongs to, or ``None``.

    Introduced in the preface (*Grading submitted notebooks*): the chapter whose name the
    file name contains (the longest such name), else the chapter whose checkers and function
    names the notebook's code mentions most.

    >>> chapter_of(Path("alice-11_em.ipynb"), None)
    '11_em'
    """
    name = Path(path).name
    named = [c for c in REGISTRY if c in name]
    if named:
        return max(named, key=len)
    if not nb:
        return None
    code = "\n".join(_source(c) for c in nb.get("cells", []) if c.get("cell_type") == "code")
    words = set(re.findall(r"\b\w+\b", code))
    score = {c: sum((s.checker in words) + (s.function in words) for s in specs)
             for c, specs in REGISTRY.items()}
    best = max(score, key=score.get, default=None)
    return best if best is not None and score[best] > 0 else None


# --- executing one notebook (in a child process: python -m ... --worker) ---------------------

def _grading_cell(spec: ExerciseSpec, token: str) -> str:
    return (
        "import json as _grader_json\n"
        f"_grader_fn = globals().get({spec.function!r})\n"
        "if not callable(_grader_fn):\n"
        f"    print({token!r} + _grader_json.dumps({{'missing': True}}))\n"
        "else:\n"
        f"    from {spec.module} import {spec.checker} as _grader_check\n"
        "    _grader_result = _grader_check(_grader_fn)\n"
        f"    print({token!r} + _grader_json.dumps({{'passed': bool(_grader_result), "
        "'feedback': str(_grader_result)}))\n")


def _errors(cell) -> list[str]:
    return [f"{o.get('ename')}: {o.get('evalue')}" for o in cell.get("outputs", [])
            if o.get("output_type") == "error"]


def _worker(path: str, chapter: str, time_limit: float, check_timeout: float) -> dict:
    """Execute the notebook and its grading cells; return the outcome of each exercise."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    specs = REGISTRY[chapter]
    nb = nbformat.read(path, as_version=4)
    work = Path(tempfile.mkdtemp(prefix="grade-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JPY_", "JUPYTER_RUNTIME"))}
    env.update(HOME=str(work), IPYTHONDIR=str(work / ".ipython"), MPLBACKEND="Agg",
               PYTHONHASHSEED="0")
    client = NotebookClient(nb, timeout=int(time_limit), allow_errors=True,
                            interrupt_on_timeout=True, kernel_name="python3",
                            store_widget_state=False, record_timing=False,
                            resources={"metadata": {"path": str(work)}})
    notes: list[str] = []
    outcome: dict = {}
    token = "GRADE-" + secrets.token_hex(8) + ":"
    killed = threading.Event()
    try:
        with client.setup_kernel(cwd=str(work), env=env):
            kernel = getattr(client.km, "provisioner", None)
            process = getattr(kernel, "process", None)

            def kill():   # the last resort: a kernel that ignores interrupts
                killed.set()
                if process is not None and process.poll() is None:
                    process.kill()
            watchdog = threading.Timer(time_limit + check_timeout * len(specs) + 30, kill)
            watchdog.daemon = True
            watchdog.start()
            deadline = time.monotonic() + time_limit
            code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
            for i in code_cells:
                left = deadline - time.monotonic()
                if left <= 1:
                    notes.append(f"the notebook reached its time limit of {time_limit:.0f} s "
                                 f"before code cell {code_cells.index(i) + 1} of "
                                 f"{len(code_cells)}; the later cells did not run.")
                    break
                client.timeout = max(1, int(left))
                client.execute_cell(nb.cells[i], i)
                if any(o.get("ename") == "KeyboardInterrupt" for o in nb.cells[i].outputs) \
                        and time.monotonic() >= deadline - 1:
                    notes.append(f"code cell {code_cells.index(i) + 1} was still running when "
                                 f"the notebook reached its time limit of {time_limit:.0f} s "
                                 "(an endless loop?); the later cells did not run.")
                    break
            errors = {}
            for i in code_cells:
                for err in _errors(nb.cells[i]):
                    errors.setdefault(i, err)
            for spec in specs:
                cell = nbformat.v4.new_code_cell(_grading_cell(spec, token))
                nb.cells.append(cell)
                client.timeout = int(check_timeout)
                start = time.monotonic()
                client.execute_cell(cell, len(nb.cells) - 1)
                text = "".join(o.get("text", "") for o in cell.outputs
                               if o.get("output_type") == "stream")
                line = next((ln for ln in text.splitlines() if ln.startswith(token)), None)
                if line is not None:
                    outcome[spec.label] = json.loads(line[len(token):])
                elif time.monotonic() - start >= check_timeout - 1:
                    outcome[spec.label] = {"error": f"the check did not finish within "
                                                    f"{check_timeout:.0f} s (an endless loop?)"}
                else:
                    outcome[spec.label] = {"error": "the check could not run: "
                                                    + "; ".join(_errors(cell) or ["no output"])}
                if killed.is_set():
                    break
            watchdog.cancel()
            cell_errors = [f"code cell {code_cells.index(i) + 1} raised {e}"
                           for i, e in errors.items()]
    except DeadKernelError:
        notes.append("the kernel died (it ran out of memory, or was stopped after ignoring the "
                     "time limit).")
        cell_errors = []
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"outcome": outcome, "notes": notes, "cell_errors": cell_errors}


# --- grading ----------------------------------------------------------------------------------

def _one_line(text: str) -> str:
    return " ".join(line.strip() for line in str(text).splitlines() if line.strip())


def _rows_for(name: str, specs: list[ExerciseSpec], result: dict) -> list[Row]:
    rows = []
    notes, errors = result.get("notes", []), result.get("cell_errors", [])
    for spec in specs:
        got = result.get("outcome", {}).get(spec.label)
        if got is None:
            reason = " ".join(notes) or "the exercise was not graded."
            rows.append(Row(name, spec.label, 0, 1, f"{spec.checker}: not graded: {reason}"))
        elif got.get("missing"):
            why = f"`{spec.function}` is not defined after running the notebook"
            context = notes + errors[:1]
            rows.append(Row(name, spec.label, 0, 1, f"{spec.checker}: {why}"
                            + (f" ({'; '.join(context)})" if context else "") + "."))
        elif "error" in got:
            rows.append(Row(name, spec.label, 0, 1, f"{spec.checker}: {got['error']}"))
        else:
            rows.append(Row(name, spec.label, int(bool(got.get("passed"))), 1,
                            _one_line(got.get("feedback", ""))))
    return rows


def grade_notebook(path: Path, *, time_limit: float = TIME_LIMIT_S,
                   check_timeout: float = CHECK_TIMEOUT_S) -> list[Row]:
    """The rows of one submitted notebook (never raises because of the notebook).

    Introduced in the preface (*Grading submitted notebooks*). The notebook runs in a child
    process (see the module docstring); ``time_limit`` bounds its cells together,
    ``check_timeout`` each checker.

    >>> grade_notebook(Path("no-such-notebook.ipynb"))[0].feedback[:24]
    'cannot read the notebook'
    """
    path = Path(path)
    name = str(path)
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return [Row(name, "-", 0, 0, f"cannot read the notebook: {_one_line(exc)}")]
    chapter = chapter_of(path, nb)
    if chapter is None:
        return [Row(name, "-", 0, 0, "not a chapter of the book with exercises: name the file "
                                     "after its chapter (e.g. 11_em.ipynb)")]
    specs = REGISTRY[chapter]
    hard_limit = time_limit + check_timeout * len(specs) + 120
    try:
        done = subprocess.run(
            [sys.executable, "-m", "lecture_code.exercises.grade", "--worker", str(path),
             chapter, str(time_limit), str(check_timeout)],
            capture_output=True, text=True, timeout=hard_limit, stdin=subprocess.DEVNULL)
        lines = done.stdout.strip().splitlines()
        result = json.loads(lines[-1]) if done.returncode == 0 and lines else {
            "notes": [f"the grader could not execute it: {_one_line(done.stderr[-500:])}"]}
    except subprocess.TimeoutExpired:
        result = {"notes": [f"it did not finish within {hard_limit:.0f} s"]}
    return _rows_for(name, specs, result)


def _notebooks(paths) -> list[Path]:
    found = []
    for p in map(Path, paths):
        if p.is_dir():
            found += sorted(q for q in p.rglob("*.ipynb") if ".ipynb_checkpoints" not in q.parts)
        else:
            found.append(p)
    return found


def grade_paths(paths, *, jobs: int = 1, **limits) -> list[Row]:
    """Rows for every notebook in ``paths`` (notebooks or folders), in order.

    Introduced in the preface (*Grading submitted notebooks*). ``jobs`` notebooks are graded
    at a time (each in its own process and kernel); the rows keep the order of the notebooks.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = (Path(folder) / "notes.ipynb").write_text("{ not a notebook")
    ...     [row.feedback[:26] for row in grade_paths([folder])]
    ['cannot read the notebook: ']
    """
    notebooks = _notebooks(paths)
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}.")
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        graded = list(pool.map(lambda nb: grade_notebook(nb, **limits), notebooks))
    return [row for rows in graded for row in rows]


def main(argv: list[str] | None = None) -> int:
    """The command line: ``python -m lecture_code.exercises.grade NOTEBOOK_OR_FOLDER...``.

    Introduced in the preface (*Grading submitted notebooks*). Returns the exit status: 0,
    whatever the notebooks hold; misuse (no path, a path that does not exist) exits with 2.

    >>> main(["--help"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    SystemExit: 0
    """
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        path, chapter, time_limit, check_timeout = argv[1:5]
        result = _worker(path, chapter, float(time_limit), float(check_timeout))
        print(json.dumps(result))
        return 0
    parser = argparse.ArgumentParser(
        prog="python -m lecture_code.exercises.grade",
        description="Grade submitted notebooks with the book's checkers; CSV on stdout.")
    parser.add_argument("paths", nargs="*", metavar="NOTEBOOK_OR_FOLDER")
    parser.add_argument("--time-limit", type=float, default=TIME_LIMIT_S,
                        help="seconds for all cells of one notebook (default %(default)s)")
    parser.add_argument("--check-timeout", type=float, default=CHECK_TIMEOUT_S,
                        help="seconds for one checker (default %(default)s)")
    parser.add_argument("--jobs", "-j", type=int, default=1,
                        help="notebooks graded at the same time (default %(default)s)")
    parser.add_argument("--write-registry", metavar="BOOK_DIR",
                        help="regenerate lecture_code/exercises/_registry.py from a book folder")
    args = parser.parse_args(argv)
    if args.write_registry:
        target = Path(__file__).with_name("_registry.py")
        target.write_text(registry_source(scan_book(Path(args.write_registry))), encoding="utf-8")
        print(f"wrote {target}", file=sys.stderr)
        return 0
    if not args.paths:
        parser.error("give at least one notebook or folder")
    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        parser.error(f"no such file or folder: {', '.join(missing)}")
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    writer = csv.writer(sys.stdout)
    writer.writerow(HEADER)
    if args.jobs == 1:   # rows appear as each notebook is graded
        for nb in _notebooks(args.paths):
            for row in grade_notebook(nb, time_limit=args.time_limit,
                                      check_timeout=args.check_timeout):
                writer.writerow([row.notebook, row.exercise, row.score, row.max, row.feedback])
            sys.stdout.flush()
        return 0
    for row in grade_paths(args.paths, jobs=args.jobs, time_limit=args.time_limit,
                           check_timeout=args.check_timeout):
        writer.writerow([row.notebook, row.exercise, row.score, row.max, row.feedback])
    return 0


if __name__ == "__main__":
    sys.exit(main())
