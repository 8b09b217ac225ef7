"""Build the student edition: the chapters with their solutions removed (``make student``).

    python tools/make_student.py                      # book/*.ipynb -> _build/student/
    python tools/make_student.py --out DIR            # somewhere else
    python tools/make_student.py --check              # only check the exercise structure

Each chapter notebook is copied with

* every cell tagged ``solution`` removed (the ``solution-start`` and ``solution-end`` cells
  and the reference solution between them),
* all outputs and execution counts cleared (and any saved widget state dropped),
* the sphinx-exercise markers turned into plain Markdown (``### Exercise: Title``), since
  JupyterLab and Colab do not know the ``{exercise-start}`` directive,
* a first cell that installs ``lecture_code`` when it is missing (in Colab),
* the hidden cells (tagged ``remove-cell``: the asserts of the book's claims) removed,
* every figure's caption (kept by the book in cell metadata) shown under it as
  "**Figure N.** ..."; the static copy of a widget's initial figure dropped (the widget shows
  it), its caption put under the widget,
* what JupyterLab's MyST renderer cannot resolve written out: ``{cite}`` as author and year
  (from references.bib), ``{numref}`` as "Figure N", ``{ref}`` to another chapter as its
  title and to a page outside the edition as a link into the built book (``course.book_url``
  in _config.yml), ``{py:...}`` roles as code, ``make lab`` as JupyterLab.

The stubs (``raise NotImplementedError("Exercise: ...")``) and the checker cells stay, so a
student who runs a chapter top to bottom sees "not implemented yet" under every exercise.
Beside the notebooks the folder holds what Binder and a local install need: ``lecture_code``
itself, ``pyproject.toml``, a ``requirements.txt`` with Binder's lean exact pins
(binder/requirements.txt, with ``-e .``), ``runtime.txt``, the licences and a README for
students (how the exercises work, installing on Linux, macOS and Windows, Binder, Colab,
handing in, the link to the worked solutions).

Before it writes anything the tool checks each chapter's exercises (see
:func:`exercise_problems`): every exercise has a solution, every cell of a solution is tagged
``solution``, every stub has a checker and every solution asserts that its checker passes. A
problem stops the build with a message that says what to fix.
"""
from __future__ import annotations

import argparse
import copy
import json
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "_build" / "student"
MARKER = ".student-edition"   # marks a folder this tool wrote (and may therefore replace)
SOLUTION_TAG = "solution"
ROLE_KEY = "student_edition"   # cell metadata key: "setup", "stub" or "checker"
RUNTIME_PACKAGES = ("numpy", "scipy", "scikit-learn", "matplotlib", "ipywidgets", "ipykernel",
                    "ipython", "jupyterlab", "jupyterlab-myst")
NOT_IMPLEMENTED = "not implemented yet"   # what a checker prints for an unfinished stub
HIDDEN_TAG = "remove-cell"   # the book's hidden cells (asserts of its claims): not for students
WIDGET_CALL = re.compile(r"^\s*(\w+)\s*\(", re.MULTILINE)
WIDGET_IMPORT = re.compile(r"from\s+lecture_code\.widgets(?:\.\w+)?\s+import\s+(\([^)]*\)|[^\n#]+)")

_FENCE = r"(?P<fence>`{3,}|:{3,})"
EXERCISE_START = re.compile(_FENCE + r"\{exercise-start\}[ \t]*(?P<title>[^\n]*)\n"
                            r"(?P<options>(?:[ \t]*:[\w-]+:[^\n]*\n)*)"
                            r"[ \t]*(?P=fence)[ \t]*(?:\n|$)")
EXERCISE_END = re.compile(_FENCE + r"\{exercise-end\}[^\n]*\n[ \t]*(?P=fence)[ \t]*(?:\n|$)")
EXERCISE_PLAIN = re.compile(r"(?:`{3,}|:{3,})\{exercise\}")
SOLUTION_START = re.compile(r"(?:`{3,}|:{3,})\{solution-start\}[ \t]*(?P<label>\S*)")
SOLUTION_END = re.compile(r"(?:`{3,}|:{3,})\{solution-end\}")
SOLUTION_PLAIN = re.compile(r"(?:`{3,}|:{3,})\{solution\}[ \t]*(?P<label>\S*)")
LABEL_OPTION = re.compile(r"^[ \t]*:label:[ \t]*(\S+)", re.MULTILINE)
STUB = re.compile(r"raise\s+NotImplementedError\b")
CHECKER_CALL = re.compile(r"\b(check_\w+)\s*\(")
ASSERTED_CHECK = re.compile(r"\bassert\s+(check_\w+)\s*\(")


class StudentEditionError(Exception):
    """The chapters cannot be turned into a student edition; the message says why."""


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _tags(cell: dict) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


@dataclass
class Exercise:
    """One exercise of a notebook as found by :func:`scan_exercises`."""

    label: str | None
    start: int                      # index of the exercise-start (or exercise) cell
    end: int | None = None          # index of the exercise-end cell
    stubs: list[int] = field(default_factory=list)
    checkers: dict[int, list[str]] = field(default_factory=dict)   # cell -> checker names


@dataclass
class Solution:
    """One solution block: its label and the indices of its cells."""

    label: str
    cells: list[int] = field(default_factory=list)
    closed: bool = False


def scan_exercises(cells: list[dict]) -> tuple[list[Exercise], list[Solution], list[str]]:
    """Find the exercises and solutions of a notebook's cells, and any structural problem.

    Returns ``(exercises, solutions, problems)``; cells are named by their index.
    """
    exercises: list[Exercise] = []
    solutions: list[Solution] = []
    problems: list[str] = []
    current: Exercise | None = None
    solution: Solution | None = None
    loose: list[tuple[int, list[str]]] = []   # code cells asserting a checker, outside blocks
    for i, cell in enumerate(cells):
        text, tagged = _source(cell), SOLUTION_TAG in _tags(cell)
        markdown = cell.get("cell_type") == "markdown"
        if markdown and (m := SOLUTION_START.search(text)):
            if solution is not None:
                problems.append(f"cell {i}: a solution-start inside the solution of "
                                f"{solution.label!r} (cell {solution.cells[0]}): close that one "
                                "with a solution-end cell first.")
            if current is not None:
                problems.append(f"cell {i}: a solution-start inside the exercise started in cell "
                                f"{current.start}: end the exercise with an exercise-end cell "
                                "first.")
            solution = Solution(m.group("label"), [i])
            solutions.append(solution)
            if not m.group("label"):
                problems.append(f"cell {i}: a solution-start without the label of its exercise: "
                                "write ```{solution-start} ex-...```.")
        elif solution is not None:
            solution.cells.append(i)
        elif markdown and (m := SOLUTION_PLAIN.search(text)):
            solutions.append(Solution(m.group("label"), [i], closed=True))
        if solutions and solutions[-1].cells[-1] == i:   # a cell of a solution
            owner = solutions[-1]
            if not tagged:
                problems.append(f"cell {i} is part of the solution of {owner.label!r} but is not "
                                f"tagged {SOLUTION_TAG!r}: tag every cell from solution-start to "
                                "solution-end, or the student edition shows it.")
            if solution is not None and markdown and SOLUTION_END.search(text):
                solution.closed, solution = True, None
            continue
        if markdown and SOLUTION_END.search(text):
            problems.append(f"cell {i}: a solution-end without a solution-start before it.")
        if tagged:
            problems.append(f"cell {i} is tagged {SOLUTION_TAG!r} but is not inside a solution "
                            "block: move it between solution-start and solution-end cells, or "
                            "remove the tag.")
        if markdown and (m := EXERCISE_START.search(text)):
            if current is not None:
                problems.append(f"cell {i}: an exercise-start inside the exercise started in cell "
                                f"{current.start}: close that one with an exercise-end cell.")
            label = LABEL_OPTION.search(m.group("options"))
            current = Exercise(label.group(1) if label else None, i)
            exercises.append(current)
            if not label:
                problems.append(f"cell {i}: an exercise without a :label: option; its solution "
                                "refers to it by that label.")
        elif markdown and EXERCISE_PLAIN.search(text):
            label = LABEL_OPTION.search(text)
            exercises.append(Exercise(label.group(1) if label else None, i, end=i))
            if not label:
                problems.append(f"cell {i}: an exercise without a :label: option; its solution "
                                "refers to it by that label.")
        elif markdown and EXERCISE_END.search(text):
            if current is None:
                problems.append(f"cell {i}: an exercise-end without an exercise-start before it.")
            else:
                current.end, current = i, None
        elif cell.get("cell_type") == "code":
            if current is not None:
                if STUB.search(text):
                    current.stubs.append(i)
                if names := CHECKER_CALL.findall(text):
                    current.checkers[i] = names
            elif names := ASSERTED_CHECK.findall(text):
                loose.append((i, names))
    exercise_checkers = {n for e in exercises for names in e.checkers.values() for n in names}
    for i, names in loose:
        if exercise_checkers.intersection(names):
            problems.append(f"cell {i} asserts an exercise's checker outside any exercise or "
                            "solution (a reference solution?): put it between solution-start "
                            f"and solution-end cells tagged {SOLUTION_TAG!r}.")
    if current is not None:
        problems.append(f"cell {current.start}: the exercise {current.label!r} has no "
                        "exercise-end cell.")
    if solution is not None:
        problems.append(f"cell {solution.cells[0]}: the solution of {solution.label!r} has no "
                        "solution-end cell.")
    return exercises, solutions, problems


def exercise_problems(cells: list[dict]) -> list[str]:
    """Everything that would make the student edition wrong, as messages saying what to fix.

    Checked: the exercise and solution markers pair up; every cell of a solution is tagged
    ``solution`` (and no other cell is); every exercise has a solution, and every solution
    belongs to an exercise; an exercise with a stub has a checker cell; a solution asserts
    each checker of its exercise (``assert check_x(x)``), so executing the chapter proves that
    the reference solution passes its checker.

    >>> md = lambda s, tags=(): {"cell_type": "markdown", "source": s,
    ...                          "metadata": {"tags": list(tags)}}
    >>> code = lambda s, tags=(): {"cell_type": "code", "source": s,
    ...                            "metadata": {"tags": list(tags)}}
    >>> cells = [md("```{exercise-start} Twice\\n:label: ex-twice\\n```"),
    ...          code("def twice(x):\\n    raise NotImplementedError('Exercise')"),
    ...          code("check_twice(twice)"), md("```{exercise-end}\\n```")]
    >>> exercise_problems(cells)
    ["the exercise 'ex-twice' (cell 0) has no solution: add solution-start ex-twice ... solution-end cells tagged 'solution' after it."]
    >>> cells += [md("```{solution-start} ex-twice\\n```", ["solution"]),
    ...           code("def twice(x):\\n    return 2 * x\\n\\nassert check_twice(twice)"),
    ...           md("```{solution-end}\\n```", ["solution"])]
    >>> exercise_problems(cells)
    ["cell 5 is part of the solution of 'ex-twice' but is not tagged 'solution': tag every cell from solution-start to solution-end, or the student edition shows it."]
    """
    exercises, solutions, problems = scan_exercises(cells)
    by_label: dict[str, list[Solution]] = {}
    for s in solutions:
        by_label.setdefault(s.label, []).append(s)
    labels = [e.label for e in exercises if e.label]
    for dup in sorted({lab for lab in labels if labels.count(lab) > 1}):
        problems.append(f"the label {dup!r} is used by more than one exercise.")
    for s in solutions:
        if s.label and s.label not in labels:
            problems.append(f"cell {s.cells[0]}: a solution of {s.label!r}, but no exercise has "
                            "that label.")
    for e in exercises:
        if e.label is None:
            continue
        mine = by_label.get(e.label, [])
        if not mine:
            problems.append(f"the exercise {e.label!r} (cell {e.start}) has no solution: add "
                            f"solution-start {e.label} ... solution-end cells tagged "
                            f"{SOLUTION_TAG!r} after it.")
            continue
        if e.stubs and not e.checkers:
            problems.append(f"the exercise {e.label!r} has a stub (cell {e.stubs[0]}) but no "
                            "checker cell: add a cell such as `check_...(your_function)` so the "
                            "student gets feedback.")
        asserted = {name for s in mine for i in s.cells if cells[i].get("cell_type") == "code"
                    for name in ASSERTED_CHECK.findall(_source(cells[i]))}
        for name in sorted({n for names in e.checkers.values() for n in names} - asserted):
            problems.append(f"the solution of {e.label!r} never asserts `{name}(...)`: end it "
                            f"with `assert {name}(...)` so the tests prove that the reference "
                            "solution passes its checker.")
    return problems


def _exercise_heading(match: re.Match) -> str:
    title = match.group("title").strip()
    return f"### Exercise: {title}\n" if title else "### Exercise\n"


def student_notebook(nb: dict, setup_source: str | None = None,
                     context: "Context | None" = None, stem: str = "") -> dict:
    """The student version of a notebook (as a dict in nbformat 4 layout); ``nb`` is unchanged.

    Raises :class:`StudentEditionError` if :func:`exercise_problems` finds anything. Code
    cells of exercises get the cell metadata ``student_edition: "stub"`` or ``"checker"``;
    ``setup_source``, if given, becomes a first code cell (``student_edition: "setup"``).
    Cells tagged ``remove-cell`` (the hidden asserts of the book's claims) are dropped. Every
    figure's caption, which the book keeps in cell metadata, is shown under it as
    "**Figure N.** ..." (numbered in the notebook); a static figure that repeats the initial
    state of the widget just before it is dropped and its caption goes under the widget.
    Markdown is rewritten where JupyterLab's MyST renderer cannot resolve it (see
    :func:`rewrite_markdown`; ``context`` and ``stem`` say which chapter this is).

    >>> nb = {"cells": [{"cell_type": "code", "source": "1 + 1", "metadata": {},
    ...                  "outputs": [{"output_type": "execute_result"}], "execution_count": 3}],
    ...       "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    >>> student_notebook(nb)["cells"][0]["outputs"]
    []
    """
    cells = nb.get("cells", [])
    problems = exercise_problems(cells)
    if problems:
        raise StudentEditionError("\n".join(problems))
    exercises, solutions, _ = scan_exercises(cells)
    roles = {i: "stub" for e in exercises for i in e.stubs}
    roles.update({i: "checker" for e in exercises for i in e.checkers})
    drop = {i for s in solutions for i in s.cells}
    drop |= {i for i, c in enumerate(cells) if HIDDEN_TAG in _tags(c)}
    context = context if context is not None else Context()
    figures = figure_plan(cells, drop)
    out = copy.deepcopy(nb)
    out.get("metadata", {}).pop("widgets", None)
    new_cells = []
    for i, cell in enumerate(copy.deepcopy(cells)):
        if i in drop or i in figures.replaced:
            continue
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
            if i in roles:
                cell.setdefault("metadata", {})[ROLE_KEY] = roles[i]
        elif cell.get("cell_type") == "markdown":
            text = EXERCISE_START.sub(_exercise_heading, _source(cell))
            text = EXERCISE_END.sub("", text).strip("\n")
            if not text.strip():
                continue   # an exercise-end cell and nothing else
            cell["source"] = rewrite_markdown(text, stem, figures.numbers, context)
        new_cells.append(cell)
        if i in figures.captions:
            number, caption, name = figures.captions[i]
            new_cells.append({"cell_type": "markdown", "id": f"student-caption-{number}",
                              "metadata": {ROLE_KEY: "caption"},
                              "source": f"**Figure {number}.** "
                                        + rewrite_markdown(caption, stem, figures.numbers,
                                                           context)})
    if setup_source:
        setup = {"cell_type": "code", "execution_count": None, "outputs": [],
                 "metadata": {ROLE_KEY: "setup"}, "source": setup_source}
        if "id" in (new_cells[0] if new_cells else {}):
            setup["id"] = "student-edition-setup"
        new_cells.insert(0, setup)
    out["cells"] = new_cells
    return out



@dataclass
class FigurePlan:
    """Where a notebook's figures go in the student edition (see :func:`figure_plan`)."""

    numbers: dict[str, int] = field(default_factory=dict)              # figure name -> N
    captions: dict[int, tuple[int, str, str]] = field(default_factory=dict)   # cell -> caption
    replaced: set[int] = field(default_factory=set)   # static copies of a widget's figure


def _figure(cell: dict) -> dict | None:
    fig = cell.get("metadata", {}).get("mystnb", {}).get("figure")
    return fig if cell.get("cell_type") == "code" and isinstance(fig, dict) else None


def figure_plan(cells: list[dict], drop: set[int] = frozenset()) -> FigurePlan:
    """Number the figures of a notebook and decide where each caption goes.

    A figure cell (``mystnb.figure`` metadata) right after a cell that displays a widget of
    ``lecture_code.widgets`` draws the widget's initial state a second time: the student
    edition drops it and puts its caption under the widget, which shows the same figure.

    >>> code = lambda s, **m: {"cell_type": "code", "source": s, "metadata": m}
    >>> cells = [code("from lecture_code.widgets.em import em_stepper"),
    ...          code("em_stepper(X, h)"),
    ...          code("plot(...)", mystnb={"figure": {"caption": "Start.", "name": "fig-a"}})]
    >>> plan = figure_plan(cells)
    >>> plan.numbers, plan.captions, plan.replaced
    ({'fig-a': 1}, {1: (1, 'Start.', 'fig-a')}, {2})
    """
    widgets = set()
    for cell in cells:
        if cell.get("cell_type") == "code":
            for names in WIDGET_IMPORT.findall(_source(cell)):
                widgets |= {n.strip() for n in names.replace("(", "").replace(")", "").split(",")}
    plan, previous = FigurePlan(), None
    for i, cell in enumerate(cells):
        if i in drop or cell.get("cell_type") != "code":
            continue
        fig = _figure(cell)
        if fig and fig.get("caption"):
            number = len(plan.numbers) + 1
            plan.numbers[fig.get("name") or f"figure-{number}"] = number
            shows_widget = previous is not None and any(
                name in widgets for name in WIDGET_CALL.findall(_source(cells[previous])))
            if shows_widget and previous not in plan.captions:
                plan.replaced.add(i)
                plan.captions[previous] = (number, fig["caption"], fig.get("name", ""))
            else:
                plan.captions[i] = (number, fig["caption"], fig.get("name", ""))
        previous = i
    return plan


@dataclass
class Context:
    """What the Markdown rewriting needs to know about the whole book (see :func:`book_context`)."""

    figures: dict[str, tuple[str, int]] = field(default_factory=dict)  # name -> (stem, N)
    equations: dict[str, tuple[str, int]] = field(default_factory=dict)  # label -> (stem, N)
    titles: dict[str, str] = field(default_factory=dict)     # notebook stem -> chapter title
    labels: dict[str, tuple[str, str]] = field(default_factory=dict)   # label -> (page, title)
    citations: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (names, year)
    book_url: str = ""
    in_edition: set[str] = field(default_factory=set)        # stems of the edition's notebooks


# Display math in the order jupyterlab-myst numbers it: every $$...$$ block (labelled or not)
# and every bare amsmath environment.
DISPLAY_MATH = re.compile(r"\$\$[^$]+\$\$(?:[ \t]*\((?P<label>[\w-]+)\))?"
                          r"|\\begin\{(?P<env>align|equation|gather|multline)\*?\}.*?\\end\{(?P=env)\*?\}",
                          re.S)
ROLE = re.compile(r"\{(?P<role>[\w:]+)\}`(?P<body>[^`]*)`")
TEXT_TARGET = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", re.S)


def _authors(field_text: str) -> str:
    names = [n.strip() for n in re.split(r"\s+and\s+", " ".join(field_text.split())) if n.strip()]
    last = [n.split(",")[0].strip() if "," in n else n.split()[-1] for n in names]
    if len(last) > 2:
        return f"{last[0]} et al."
    return " and ".join(last)


def read_bibliography(path: Path) -> dict[str, tuple[str, str]]:
    """``key -> (authors as in a citation, year)`` from a BibTeX file (authors or editors).

    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = Path(d) / "r.bib"
    ...     _ = p.write_text("@book{k,\\n author = {Doe, Jane and Roe, R.},\\n year = {2001}\\n}")
    ...     read_bibliography(p)
    {'k': ('Doe and Roe', '2001')}
    """
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    entries = {}
    for m in re.finditer(r"@\w+\s*\{\s*([^,\s]+)\s*,(.*?)\n\}", text, re.S):
        body = m.group(2)
        who = re.search(r"\b(?:author|editor)\s*=\s*\{(.*?)\}\s*,?\s*\n", body, re.S)
        year = re.search(r"\byear\s*=\s*\{?(\d{4})", body)
        entries[m.group(1)] = (_authors(who.group(1)) if who else m.group(1),
                               year.group(1) if year else "n.d.")
    return entries


def book_url(root: Path = ROOT) -> str:
    """``course.book_url`` of _config.yml: the address of the built book (set there only)."""
    text = (root / "_config.yml").read_text(encoding="utf-8")
    block = re.search(r"^course:\s*\n((?:[ \t]+.*\n?)+)", text, re.MULTILINE)
    url = block and re.search(r"^\s+book_url:\s*[\"']?([^\s\"'#]+)", block.group(1), re.MULTILINE)
    if not url:
        raise StudentEditionError(f"{root / '_config.yml'} has no course.book_url: set it to the "
                                  "address of the built book (the student edition links there).")
    return url.group(1).rstrip("/") + "/"


def book_context(root: Path = ROOT, notebooks: list[Path] | None = None) -> Context:
    """Figures, chapter titles, labels and citations of the whole book, for the rewriting."""
    ctx = Context(citations=read_bibliography(root / "references.bib"), book_url=book_url(root))
    pages = sorted((root / "book").glob("*.ipynb")) + sorted((root / "book").glob("*.md"))
    for page in pages:
        stem = page.stem
        if page.suffix == ".ipynb":
            cells = json.loads(page.read_text(encoding="utf-8")).get("cells", [])
            texts = [_source(c) for c in cells if c.get("cell_type") == "markdown"]
            drop = {i for i, c in enumerate(cells) if HIDDEN_TAG in _tags(c)}
            drop |= {i for sol in scan_exercises(cells)[1] for i in sol.cells}
            for name, number in figure_plan(cells, drop).numbers.items():
                ctx.figures[name] = (stem, number)
            shown = "\n".join(_source(c) for i, c in enumerate(cells)
                              if i not in drop and c.get("cell_type") == "markdown")
            for number, m in enumerate(DISPLAY_MATH.finditer(shown), start=1):
                if m.group("label"):
                    ctx.equations[m.group("label")] = (stem, number)
        else:
            texts = [page.read_text(encoding="utf-8")]
        title = next((m.group(1).strip() for t in texts
                      for m in [re.search(r"^# (.+)$", t, re.M)] if m), stem)
        ctx.titles[stem] = title
        for t in texts:
            for label in re.findall(r"^\(([\w-]+)\)=\s*$", t, re.M):
                heading = re.search(r"^\(" + re.escape(label) + r"\)=\s*\n#+ (.+)$", t, re.M)
                ctx.labels[label] = (stem, heading.group(1).strip() if heading else title)
    ctx.in_edition = {Path(p).stem for p in (notebooks if notebooks is not None
                                             else (root / "book").glob("*.ipynb"))}
    return ctx


def rewrite_markdown(text: str, stem: str, numbers: dict[str, int], ctx: Context) -> str:
    """Markdown of the book rewritten for JupyterLab where its MyST renderer cannot resolve it.

    ``{numref}`` to a figure becomes "Figure N" (the numbers the edition prints under the
    figures; "Figure N of *Chapter*" for another chapter); ``{cite}`` becomes author–year text
    from references.bib; ``{ref}`` to another chapter becomes its title, to a page that is
    not in the edition a link into the built book; ``{py:...}`` roles become code; mentions of
    ``make lab`` (the book repository's command) become JupyterLab. Everything else
    (equations, ``{eq}`` within the notebook, admonitions, labels) is left to jupyterlab-myst;
    ``{eq}`` to another chapter becomes "equation (N) of *Chapter*".

    >>> ctx = Context(citations={"k": ("Doe and Roe", "2001")}, titles={"02_x": "Dual numbers"},
    ...               labels={"ch-x": ("02_x", "Dual numbers")}, figures={"fig-b": ("02_x", 3)},
    ...               in_edition={"02_x"})
    >>> rewrite_markdown("See {numref}`fig-a`, {numref}`fig-b` and {cite}`k`.", "01_y",
    ...                  {"fig-a": 2}, ctx)
    'See Figure 2, Figure 3 of *Dual numbers* and (Doe and Roe, 2001).'
    >>> rewrite_markdown("{ref}`ch-x` uses {py:func}`~lecture_code.autodiff.derivative`.",
    ...                  "01_y", {}, ctx)
    '*Dual numbers* uses `derivative`.'
    """
    def figure(label: str) -> str | None:
        if label in numbers:
            return str(numbers[label])
        if label in ctx.figures:
            other, n = ctx.figures[label]
            return f"{n} of *{ctx.titles.get(other, other)}*"
        return None

    def replace(m: re.Match) -> str:
        role, body = m.group("role"), m.group("body")
        explicit = TEXT_TARGET.match(body)
        text, target = (explicit.group("text"), explicit.group("target").strip()) if explicit \
            else (None, body.strip())
        if role == "numref":
            n = figure(target)
            if n is None:
                return m.group(0)
            return text.replace("%s", n).replace("{number}", n) if text else f"Figure {n}"
        if role.startswith("cite"):
            refs = [ctx.citations.get(k.strip(), (k.strip(), "n.d.")) for k in target.split(",")]
            if role in ("cite:t", "cite:ts"):
                return "; ".join(f"{who} ({year})" for who, year in refs)
            return "(" + "; ".join(f"{who}, {year}" for who, year in refs) + ")"
        if role == "ref":
            page, title = ctx.labels.get(target, (None, None))
            if page is None:
                return m.group(0)
            if page == stem:
                return m.group(0)   # inside this notebook: jupyterlab-myst resolves it
            shown = text or title
            if page in ctx.in_edition:
                return f"*{shown}*"
            anchor = "" if ctx.titles.get(page) == title else f"#{target}"
            return f"[{shown}]({ctx.book_url}book/{page}.html{anchor})"
        if role == "eq":
            other, n = ctx.equations.get(target, (stem, 0))
            if other == stem:
                return m.group(0)   # an equation of this notebook: jupyterlab-myst numbers it
            return f"equation ({n}) of *{ctx.titles.get(other, other)}*"
        if role.startswith("py:"):
            name = target.lstrip("~")
            shown = text or (name.split(".")[-1] if target.startswith("~") else name)
            return f"`{shown}`"
        return m.group(0)

    text = ROLE.sub(replace, text)
    text = re.sub(r"locally with `make lab`,? or (?:on|in) Binder", "here in JupyterLab, or in "
                  "Binder", text)
    return text.replace("`make lab`", "JupyterLab")


def repository_url(root: Path = ROOT) -> str:
    """``repository.url`` of _config.yml (the one place the book's address is set)."""
    text = (root / "_config.yml").read_text(encoding="utf-8")
    block = re.search(r"^repository:\s*\n((?:[ \t]+.*\n?)+)", text, re.MULTILINE)
    url = block and re.search(r"^\s+url:\s*(?:&\S+\s+)?[\"']?([^\s\"'#]+)", block.group(1),
                              re.MULTILINE)
    if not url:
        raise StudentEditionError(f"{root / '_config.yml'} has no repository.url: set it to the "
                                  "book's Git repository (it is also used by the launch buttons).")
    return url.group(1)


def setup_cell_source(url: str) -> str:
    """The first cell of every student notebook: install lecture_code where it is missing."""
    return ("# Student edition. In Colab (or any Python without lecture_code) this installs the\n"
            "# book's package first; everywhere else it does nothing.\n"
            "try:\n"
            "    import lecture_code\n"
            "except ImportError:\n"
            f"    %pip install --quiet git+{url}\n")


def runtime_requirements(root: Path = ROOT) -> str:
    """requirements.txt of the student edition: Binder's lean exact pins (binder/requirements.txt).

    Only what reading and running the chapters needs (no book build or test stack); the
    packages of ``RUNTIME_PACKAGES`` must be among them.
    """
    source = root / "binder" / "requirements.txt"
    if not source.exists():
        raise StudentEditionError(f"{source} is missing: the student edition copies Binder's "
                                  "pins from it.")
    lines = [ln.strip() for ln in source.read_text(encoding="utf-8").splitlines()]
    pins = {m.group(1).lower().replace("_", "-"): ln for ln in lines
            if (m := re.match(r"^([A-Za-z0-9_.-]+)==\S+$", ln))}
    missing = [p for p in RUNTIME_PACKAGES if p not in pins]
    if missing:
        raise StudentEditionError(f"binder/requirements.txt has no exact pin for "
                                  f"{', '.join(missing)}: the student edition needs them.")
    header = ["# The student edition's environment (Binder, or `pip install -r requirements.txt`):",
              "# the exact versions the book was built with, only what the chapters need, and",
              "# lecture_code from this folder."]
    return "\n".join(header + [ln for ln in lines if ln and not ln.startswith("#")]) + "\n"


def exercises_section(root: Path = ROOT) -> str:
    """The preface's section *How the exercises work*, as plain Markdown."""
    text = (root / "book" / "intro.md").read_text(encoding="utf-8")
    m = re.search(r"^## How the exercises work\s*\n(.*?)(?=^## )", text, re.S | re.M)
    if not m:
        raise StudentEditionError("book/intro.md has no section '## How the exercises work': "
                                  "the student edition's README copies it.")
    body = m.group(1).strip()
    # The book folds a solution under each exercise; this edition has none (the README says
    # where they are).
    body = re.sub(r"\s*Each\s+exercise\s+has\s+a\s+worked\s+solution.*?try\s+first\.", "", body,
                  flags=re.S)
    return re.sub(r"\{ref\}`[^`]*`", "the book", body)


def student_readme(url: str, notebooks: list[str], solutions_url: str = "",
                   exercises: str = "") -> str:
    """The README of the student edition."""
    listing = "\n".join(f"- `{name}`" for name in notebooks) or "- (no chapters yet)"
    solutions_url = solutions_url or url
    return f"""# Autodiff and Clustering Redux: student edition

These are the chapters of the course book *Autodiff and Clustering Redux* as Jupyter
notebooks, with the solutions of the exercises removed. Everything else is there: the text,
the code, the figures (run the cells to draw them) and, for every exercise, a *stub* to
complete and a *checker* cell that tests it. The worked solutions are in the book itself:
<{solutions_url}>.

## How the exercises work

{exercises}

Run each chapter from the top (*Run → Run All Cells* works: unfinished exercises just say
*not implemented yet*). In this edition the solutions are not folded under the exercises;
look them up in the book (<{solutions_url}>) once you have tried.

## Opening the notebooks

**On your computer.** Install Python 3.11, then, in this folder:

- Linux and macOS:

  ```bash
  python3 -m venv .venv
  .venv/bin/python -m pip install -r requirements.txt
  .venv/bin/jupyter lab
  ```

- Windows (Command Prompt or PowerShell):

  ```bat
  py -3.11 -m venv .venv
  .venv\\Scripts\\python -m pip install -r requirements.txt
  .venv\\Scripts\\jupyter lab
  ```

`requirements.txt` pins the versions the book was built with (only what the chapters need,
with `jupyterlab-myst`, which renders the chapters' equations, cross-references and boxes in
JupyterLab) and installs `lecture_code`, the book's package, from the `lecture_code/` folder
here.

**In Binder.** Put this folder in a public Git repository and open it at
<https://mybinder.org>: Binder reads `requirements.txt` and `runtime.txt` and starts
JupyterLab with everything installed.

**In Google Colab.** Upload a notebook (*File → Upload notebook*). Colab does not have
`lecture_code`; the first cell of every notebook installs it when it is missing, which amounts
to running

```python
%pip install git+{url}
```

Run that cell first (it takes a few seconds, and does nothing where `lecture_code` is
already installed). Colab shows the chapters' MyST markup (labels, cross-references) as plain
text.

## Handing in

Save the notebook with your answers and hand it in under its chapter's name (for example
`11_em.ipynb`, or `yourname-11_em.ipynb`). Your instructor grades it with

```bash
python -m lecture_code.exercises.grade SUBMISSIONS_FOLDER > grades.csv
```

which runs the notebook from the top in a fresh kernel and runs the same checkers you see
here: what the checkers say in your notebook is what the grade says. Make sure the notebook
runs from the top (*Kernel → Restart Kernel and Run All Cells*) before you hand it in; a
cell that never finishes stops the notebook at the time limit.

## Contents

{listing}

`lecture_code/` is the book's package (MIT licence, `LICENSE`); the text of the chapters is
under CC BY 4.0 (`LICENSE-TEXT`).
"""


def build(out: Path = DEFAULT_OUT, notebooks: list[Path] | None = None,
          root: Path = ROOT) -> list[Path]:
    """Write the student edition into ``out`` and return the paths of its notebooks.

    ``notebooks`` defaults to every ``book/*.ipynb`` under ``root``. ``out`` is replaced if
    an earlier run wrote it; an unrelated non-empty folder is never touched.
    """
    out = Path(out)
    notebooks = sorted((root / "book").glob("*.ipynb")) if notebooks is None else list(notebooks)
    url = repository_url(root)
    context = book_context(root, notebooks)
    problems, converted = [], []
    for path in notebooks:
        try:
            nb = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            problems.append(f"{path}: cannot be read as a notebook ({exc}).")
            continue
        try:
            converted.append((Path(path).name, student_notebook(
                nb, setup_cell_source(url), context=context, stem=Path(path).stem)))
        except StudentEditionError as exc:
            problems += [f"{Path(path).name}: {line}" for line in str(exc).splitlines()]
    if problems:
        raise StudentEditionError("the student edition was not written; fix these first:\n"
                                  + "\n".join(f"  - {p}" for p in problems))
    requirements = runtime_requirements(root)
    if out.exists():
        if not (out / MARKER).exists() and any(out.iterdir()):
            raise StudentEditionError(f"{out} exists and was not written by this tool; choose "
                                      "another --out, or empty that folder yourself.")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / MARKER).write_text("Written by tools/make_student.py; replaced on every run.\n")
    written = []
    for name, nb in converted:
        (out / name).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n",
                                encoding="utf-8")
        written.append(out / name)
    (out / "README.md").write_text(student_readme(url, [n for n, _ in converted],
                                                  context.book_url, exercises_section(root)),
                                   encoding="utf-8")
    (out / "requirements.txt").write_text(requirements, encoding="utf-8")
    for name in ("pyproject.toml", "runtime.txt", "LICENSE", "LICENSE-TEXT"):
        if (root / name).exists():
            shutil.copy2(root / name, out / name)
    shutil.copytree(root / "lecture_code", out / "lecture_code",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="output folder (default: _build/student)")
    parser.add_argument("--check", action="store_true",
                        help="only check the exercises' structure, write nothing")
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to convert (default: book/*.ipynb)")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted((ROOT / "book").glob("*.ipynb"))
    try:
        if args.check:
            problems = []
            for path in notebooks:
                cells = json.loads(Path(path).read_text(encoding="utf-8")).get("cells", [])
                problems += [f"{Path(path).name}: {p}" for p in exercise_problems(cells)]
            if problems:
                raise StudentEditionError("\n".join(f"  - {p}" for p in problems))
            print(f"make_student: the exercises of {len(notebooks)} notebook(s) are consistent.")
            return 0
        written = build(args.out, notebooks)
    except StudentEditionError as exc:
        print(f"make_student: {exc}", file=sys.stderr)
        return 1
    where = args.out.resolve()
    print(f"make_student: wrote {len(written)} notebook(s) without solutions to {where}/ "
          f"(see {where / 'README.md'}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
