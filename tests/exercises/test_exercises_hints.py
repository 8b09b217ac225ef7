"""Staged hints across the book: every checker's worked hint exists and never prints the solution.

Issue 10: the first failing report names what is wrong; the worked hint appears on request
(``result.hint()``) or after repeated failures, and it says how to get there, not the
solution. This test compares each worked hint with the code of the exercise's solution cell.
"""
import importlib
import json
import re
from pathlib import Path

import pytest

from lecture_code.exercises._registry import EXERCISES
from lecture_code.exercises.core import reset_hint_counts

BOOK = Path(__file__).resolve().parents[2] / "book"
ENTRIES = [(stem, *entry) for stem, entries in EXERCISES.items() for entry in entries]


def _solution_code(stem, label):
    cells = json.loads((BOOK / f"{stem}.ipynb").read_text(encoding="utf-8"))["cells"]
    code, inside = [], False
    for cell in cells:
        source = "".join(cell["source"])
        if re.search(r"\{solution-start\}\s+" + re.escape(label) + r"\b", source):
            inside = True
        elif inside and "{solution-end}" in source:
            break
        elif inside and cell["cell_type"] == "code":
            code.append(source)
    assert code, f"no solution code for {label} in {stem}"
    return "\n".join(code)


def _statements(code):
    """The solution's substantive lines (no def, assert, import, comment or short line)."""
    for line in code.splitlines():
        line = line.strip()
        if (len(line) >= 16 and not line.startswith(("def ", "assert ", "import ", "from ", "#",
                                                     "print(", "for ", "raise "))):
            yield re.sub(r"\s+", "", line)


@pytest.mark.parametrize("stem, label, title, module, checker, function", ENTRIES,
                         ids=[e[1] for e in ENTRIES])
def test_worked_hint_exists_and_does_not_print_the_solution(stem, label, title, module,
                                                            checker, function):
    reset_hint_counts()

    def stub(*args, **kwargs):
        raise NotImplementedError("Exercise: not yet")

    result = getattr(importlib.import_module(module), checker)(stub)
    hint = str(result.hint())
    assert result.worked_hint, f"{checker} has no worked hint"
    assert "return " not in hint, f"{checker}'s worked hint contains code: {hint}"
    compact = re.sub(r"\s+", "", hint)
    for statement in _statements(_solution_code(stem, label)):
        assert statement not in compact, (
            f"{checker}'s worked hint prints a line of the solution ({statement}): {hint}")
    reset_hint_counts()
