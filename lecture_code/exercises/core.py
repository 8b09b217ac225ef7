"""Instant, specific feedback for exercises: run a student's function on cases and report.

Introduced in the preface (*How the exercises work*); every chapter's checker is built on it.

A checker is a list of :class:`Case` objects (the arguments, the expected answer, a label and
an optional hint) handed to :func:`check` together with the student's function. :func:`check`
never raises because of the student's code: an unfinished stub (``raise
NotImplementedError("Exercise: ...")``), an exception, a wrong type or shape, a NaN, a warning
all become a message that names the input, shows expected against got, and gives a hint. The
returned :class:`CheckResult` is truthy exactly when every case passes, prints as text and
renders as Markdown in a notebook.

Example
-------
>>> def square(x):
...     return x * x
>>> result = check(square, [Case((3,), 9), Case((-2.5,), 6.25)], name="square")
>>> bool(result)
True
>>> print(result)
[PASS] square: all 2 cases pass.
>>> def stub(x):
...     raise NotImplementedError("Exercise: write square")
>>> print(check(stub, [Case((3,), 9)], name="square"))
[TO DO] square: not implemented yet (Exercise: write square). Replace the `raise NotImplementedError(...)` line with your code and run the cell again.
"""
from __future__ import annotations

import copy
import math
import numbers
import os
import reprlib
import traceback
import warnings
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Sequence

import numpy as np

__all__ = ["Case", "CaseOutcome", "CheckResult", "WorkedHint", "as_float_array", "check",
           "compare_values", "reset_hint_counts"]

PASS, FAIL, ERROR, TODO = "pass", "fail", "error", "todo"
# Plain-text markers at the start of a report (emoji render as empty boxes without an emoji font).
MARK_PASS, MARK_TODO, MARK_FAIL = "[PASS]", "[TO DO]", "[FAIL]"
_MAX_SHOWN = 3  # failing cases listed in a report; the rest are counted
# Staged hints: a failing report names what is wrong (the case's message and the diagnosis of
# a typical slip); the checker's worked hint is shown only from this many failing runs of the
# same checker on (in one session), or at once when the student asks for it.
WORKED_HINT_AFTER = 3
_failed_runs: dict[str, int] = {}
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def reset_hint_counts() -> None:
    """Forget how often each checker has failed in this session (the staged hints start over).

    Preface, section *How the exercises work*.

    >>> reset_hint_counts()
    """
    _failed_runs.clear()


class WorkedHint(str):
    """The worked hint of a checker: a string that shows as plain text in a notebook.

    Preface, section *How the exercises work*; returned by :meth:`CheckResult.hint`.

    >>> WorkedHint("expand (a + ȧd)(b + ḃd) with d² = 0")
    expand (a + ȧd)(b + ḃd) with d² = 0
    """

    def __repr__(self) -> str:
        return str(self)

    def _repr_markdown_(self) -> str:
        return f"**Hint:** {self}"

_short = reprlib.Repr()
_short.maxstring = 60
_short.maxother = 60
_short.maxlist = _short.maxtuple = 6


def _show(value) -> str:
    """A short, readable rendering of a value for a report."""
    if isinstance(value, np.ndarray):
        text = np.array2string(value, precision=6, threshold=12, edgeitems=2)
        return text if len(text) <= 200 else text[:197] + "..."
    if isinstance(value, float):
        return repr(float(value))   # 1.5, not np.float64(1.5)
    if callable(value):
        return getattr(value, "__name__", "a function")
    return _short.repr(value)


@dataclass(frozen=True)
class Case:
    """One input of a checker: positional ``args``, the ``expected`` answer, a label, a hint.

    Introduced in the preface (*How the exercises work*). ``args`` is a tuple of positional
    arguments (a non-tuple is taken as the single argument); ``kwargs`` are keyword arguments.
    ``label`` names the case in a report (default: the arguments); ``hint`` is shown, before
    the checker's general hint, when this case fails. ``expected`` may be ``None`` when the
    checker uses its own ``compare`` function or a ``reference``.

    >>> Case((1.0, 2.0), 3.0, label="x = 1, y = 2").args
    (1.0, 2.0)
    >>> Case(5, 25).args
    (5,)
    """

    args: tuple = ()
    expected: Any = None
    label: str | None = None
    hint: str | None = None
    kwargs: dict = field(default_factory=dict)

    def __post_init__(self):
        if not isinstance(self.args, tuple):
            object.__setattr__(self, "args", (self.args,))
        if not isinstance(self.kwargs, dict):
            raise TypeError(f"Case kwargs must be a dict of keyword arguments, got "
                            f"{type(self.kwargs).__name__}.")

    def describe(self) -> str:
        """The label, or the arguments written as a call.

        >>> Case((1, 2)).describe()
        'inputs (1, 2)'
        """
        if self.label:
            return self.label
        parts = [_show(a) for a in self.args]
        parts += [f"{k}={_show(v)}" for k, v in self.kwargs.items()]
        return f"inputs ({', '.join(parts)})"


@dataclass(frozen=True)
class CaseOutcome:
    """What happened on one case: ``status`` is ``"pass"``, ``"fail"``, ``"error"`` or ``"todo"``.

    Introduced in the preface (*How the exercises work*); produced by :func:`check`.

    >>> CaseOutcome("x = 1", "fail", "returned 2, expected 1.").status
    'fail'
    """

    label: str
    status: str
    message: str = ""
    hint: str | None = None
    notes: tuple = ()

    def __bool__(self) -> bool:
        return self.status == PASS


class CheckResult:
    """The report of :func:`check`: truthy when every case passed; text and Markdown views.

    Introduced in the preface (*How the exercises work*). ``outcomes`` holds one
    :class:`CaseOutcome` per case; ``failures`` those that did not pass.

    >>> r = check(abs, [Case((-1,), 1), Case((2,), 3, label="x = 2")], name="abs")
    >>> bool(r), len(r.failures)
    (False, 1)
    >>> print(r)
    [FAIL] abs: 1 of 2 cases fails.
      - x = 2: returned 2, expected 3.
    """

    def __init__(self, name: str, outcomes: Sequence[CaseOutcome], hint: str | None = None,
                 show_hint: bool = True):
        self.name = name
        self.outcomes = list(outcomes)
        self.worked_hint = hint
        self.show_hint = show_hint

    def hint(self) -> WorkedHint:
        """The checker's worked hint (asked for explicitly; it never contains the solution).

        >>> r = check(abs, [Case((2,), 3)], name="f", hint="think about the sign")
        >>> r.hint()
        think about the sign
        """
        if not self.worked_hint:
            return WorkedHint(f"{self.name} has no worked hint beyond the messages above.")
        return WorkedHint(self.worked_hint)

    @property
    def passed(self) -> bool:
        """True when there is at least one case and every case passed."""
        return bool(self.outcomes) and all(self.outcomes)

    @property
    def failures(self) -> list[CaseOutcome]:
        """The outcomes that did not pass."""
        return [o for o in self.outcomes if not o]

    def __bool__(self) -> bool:
        return self.passed

    def _lines(self, bullet: str, code: Callable[[str], str]) -> list[str]:
        n = len(self.outcomes)
        if not self.outcomes:
            return [f"{MARK_FAIL} {self.name}: the checker has no cases (this is a bug in the checker)."]
        if self.passed:
            return [f"{MARK_PASS} {self.name}: " + (f"all {n} cases pass." if n > 1 else "the case passes.")]
        todo = [o for o in self.outcomes if o.status == TODO]
        if todo:
            return [f"{MARK_TODO} {self.name}: not implemented yet ({todo[0].message}). Replace the "
                    f"{code('raise NotImplementedError(...)')} line with your code and run "
                    "the cell again."]
        failures = self.failures
        verb = "fails" if len(failures) == 1 else "fail"
        lines = [f"{MARK_FAIL} {self.name}: {len(failures)} of {n} case{'s' if n != 1 else ''} {verb}."]
        hints_shown = set()
        for o in failures[:_MAX_SHOWN]:
            lines.append(f"{bullet}{o.label}: {o.message}")
            for note in o.notes:
                lines.append(f"    {note}")
            if o.hint and o.hint not in hints_shown:
                hints_shown.add(o.hint)
                lines.append(f"    Hint: {o.hint}")
        if len(failures) > _MAX_SHOWN:
            lines.append(f"{bullet}... and {len(failures) - _MAX_SHOWN} more failing "
                         "case(s); fix the ones above first.")
        if self.worked_hint and self.worked_hint not in hints_shown:
            if self.show_hint:
                lines.append(f"Hint: {self.worked_hint}")
            else:
                lines.append(f"Stuck? {code('.hint()')} on this result shows a worked hint "
                             f"(it also appears after {WORKED_HINT_AFTER} failing runs).")
        return lines

    def __str__(self) -> str:
        return "\n".join(self._lines("  - ", lambda s: f"`{s}`"))

    def __repr__(self) -> str:
        return str(self)

    def _repr_markdown_(self) -> str:
        lines = self._lines("- ", lambda s: f"`{s}`")
        head, rest = lines[0], lines[1:]
        body = []
        for line in rest:
            if line.startswith("    "):
                body.append("  " + line.strip())   # nested under the bullet
            elif line.startswith("Hint: "):
                body.append("\n**Hint:** " + line[len("Hint: "):])
            else:
                body.append(line)
        return "\n".join([f"**{head}**", ""] + body)


def as_float_array(got):
    """A student's answer as a float array, or ``None`` if it cannot be one.

    For ``diagnose`` functions, which look inside an answer to say what is wrong with it and
    must never raise on it. Preface, section *How the exercises work*.

    >>> as_float_array([1, 2]), as_float_array("a string")
    (array([1., 2.]), None)
    """
    try:
        return np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return None


def _is_number(x) -> bool:
    return isinstance(x, (numbers.Number, np.number)) and not isinstance(x, (bool, np.bool_))


def _at(what: str) -> str:
    """'returned' for the whole result, 'element 1 of the result: returned' for a part."""
    return "returned" if what == "the result" else f"{what}: returned"


def compare_values(got, expected, rtol: float = 1e-7, atol: float = 1e-10,
                   what: str = "the result") -> str | None:
    """Compare an answer with the expected value; ``None`` if they match, else a message.

    Introduced in the preface (*How the exercises work*); the default comparison of
    :func:`check`. Numbers and arrays are compared with ``rtol``/``atol`` after checking type,
    shape and finiteness; tuples and lists element by element; dicts key by key; anything else
    with ``==``.

    >>> compare_values(0.1 + 0.2, 0.3) is None
    True
    >>> compare_values([1.0, 2.0], (1.0, 2.5))
    'element 1 of the result: returned 2.0, expected 2.5.'
    >>> compare_values(np.zeros(3), np.zeros((3, 1)))
    'the result has shape (3,), expected (3, 1).'
    """
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            kind = "tuple" if isinstance(expected, tuple) else "list"
            got_len = f" of length {len(got)}" if isinstance(got, (tuple, list)) else ""
            return (f"{what} should be a {kind} of {len(expected)} values, got "
                    f"{type(got).__name__}{got_len}: {_show(got)}.")
        for i, (g, e) in enumerate(zip(got, expected)):
            msg = compare_values(g, e, rtol, atol, what=f"element {i} of {what}")
            if msg:
                return msg
        return None
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return f"{what} should be a dict, got {type(got).__name__}: {_show(got)}."
        if set(got) != set(expected):
            return f"{what} has keys {sorted(map(str, got))}, expected {sorted(map(str, expected))}."
        for key in expected:
            msg = compare_values(got[key], expected[key], rtol, atol, what=f"{what}[{key!r}]")
            if msg:
                return msg
        return None
    if isinstance(expected, np.ndarray) and expected.dtype.kind in "biufc" or _is_number(expected):
        return _compare_numeric(got, expected, rtol, atol, what)
    try:
        equal = bool(got == expected)
    except Exception:  # noqa: BLE001 - an odd __eq__ in the student's object
        equal = False
    if not equal:
        return f"{_at(what)} {_show(got)}, expected {_show(expected)}."
    return None


def _compare_numeric(got, expected, rtol, atol, what):
    expected_arr = np.asarray(expected)
    scalar = expected_arr.ndim == 0
    if got is None:
        return f"{what} is None: did you forget `return`?"
    try:
        got_arr = np.asarray(got, dtype=complex if expected_arr.dtype.kind == "c" else float)
    except (TypeError, ValueError):
        kind = "a number" if scalar else "an array of numbers"
        return f"{what} should be {kind}, got {type(got).__name__}: {_show(got)}."
    if got_arr.shape != expected_arr.shape:
        if scalar:
            return f"{what} should be a single number, got an array of shape {got_arr.shape}."
        return f"{what} has shape {got_arr.shape}, expected {expected_arr.shape}."
    got_bad, exp_bad = ~np.isfinite(got_arr), ~np.isfinite(expected_arr)
    if np.any(got_bad & ~exp_bad):
        return (f"{what} contains NaN or inf where a finite value is expected: "
                f"{_show(got_arr if not scalar else got_arr.item())}.")
    if not np.allclose(got_arr, expected_arr, rtol=rtol, atol=atol, equal_nan=True):
        if scalar:
            shown = got if _is_number(got) else got_arr.item()
            return (f"{_at(what)} {_show(shown)}, expected "
                    f"{_show(expected_arr.item())}.")
        with np.errstate(invalid="ignore"):
            diff = np.abs(got_arr - expected_arr)
        diff = np.where(np.isnan(diff), np.inf, diff)
        where = np.unravel_index(int(np.argmax(diff)), diff.shape)
        return (f"{_at(what)} {_show(got_arr)}, expected {_show(expected_arr)} "
                f"(largest difference {diff[where]:.3g} at index {tuple(int(i) for i in where)}).")
    return None


def _is_library_file(filename: str) -> bool:
    """True for this package's files and installed/standard-library modules."""
    path = os.path.abspath(filename) if filename and not filename.startswith("<") else ""
    if not path:
        return False
    if path.startswith(_PACKAGE_DIR + os.sep):
        return True
    return any(part in path.split(os.sep) for part in ("site-packages", "dist-packages")) or \
        path.startswith(os.path.dirname(os.__file__) + os.sep)


def _student_frame(exc: BaseException) -> str:
    """'in fn, line N' of the innermost frame of the student's code (not of lecture_code,
    NumPy or the standard library), to point at the student's line that failed."""
    frames = traceback.extract_tb(exc.__traceback__)
    own = [f for f in frames if not _is_library_file(f.filename)]
    if not own:
        return ""
    last = own[-1]
    return f" (in {last.name}, line {last.lineno})"


def _call_quietly(fn, *args, **kwargs):
    """Call a checker helper (compare/diagnose); its own crash must not hide the report."""
    try:
        return fn(*args, **kwargs), None
    except Exception as exc:  # noqa: BLE001
        return None, exc


def check(student_fn: Callable, cases: Sequence[Case], *, name: str | None = None,
          reference: Callable | None = None,
          compare: Callable[[Case, Any], str | None] | None = None,
          diagnose: Callable[[Case, Any], str | None] | None = None,
          rtol: float = 1e-7, atol: float = 1e-10, hint: str | None = None,
          show_hint: bool = False) -> CheckResult:
    """Run ``student_fn`` on every case and return a :class:`CheckResult`; never raises for it.

    Introduced in the preface (*How the exercises work*).

    Parameters
    ----------
    student_fn : the student's function, called as ``student_fn(*case.args, **case.kwargs)``
        on a deep copy of the arguments (so an in-place edit cannot spoil later cases).
    cases : the :class:`Case` objects.
    name : the exercise's name in the report (default: the function's name).
    reference : a reference solution; if given, each case's expected value is
        ``reference(*args, **kwargs)`` (any ``expected`` in the case is replaced).
    compare : ``compare(case, got) -> None | message``, replacing the default
        :func:`compare_values` with ``rtol``/``atol``.
    diagnose : ``diagnose(case, got) -> None | hint``, called when a returned value is wrong,
        to recognise a typical mistake; its hint comes first.
    rtol, atol : tolerances of the default comparison.
    hint : the worked hint. Hints are staged: a failing report names what is wrong (the
        messages, and a ``diagnose`` or case hint for a typical slip) and gives no code; the
        worked hint is shown from the ``WORKED_HINT_AFTER``-th failing run of the same checker
        in a session on, or at once with ``show_hint=True`` or ``result.hint()``. A worked
        hint says how to get there, never the solution itself.
    show_hint : show the worked hint under a failing report now.

    Returns
    -------
    CheckResult : truthy if every case passed. A ``NotImplementedError`` (the stub convention
    ``raise NotImplementedError("Exercise: ...")``) is reported as "not implemented yet".
    Warnings raised by the student's code are caught and listed as notes of the case.

    >>> check(lambda x: x ** 2, [Case((3.0,), None)], reference=lambda x: x * x).passed
    True
    >>> print(check(lambda x: [x], [Case((1.0,), 1.0, label="x = 1")], name="f"))
    [FAIL] f: 1 of 1 case fails.
      - x = 1: the result should be a single number, got an array of shape (1,).
    """
    if not callable(student_fn):
        raise TypeError(f"check() needs the function to test, got {type(student_fn).__name__}: "
                        "pass the function itself, e.g. check(my_fn, cases), not my_fn().")
    cases = list(cases)
    if not cases or not all(isinstance(c, Case) for c in cases):
        raise ValueError("check() needs a non-empty list of Case objects, e.g. "
                         "[Case((2.0,), 4.0)].")
    name = name or getattr(student_fn, "__name__", "your function")
    outcomes = []
    for case in cases:
        if reference is not None:
            expected = reference(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
            case = replace(case, expected=expected)
        outcomes.append(_run_case(student_fn, case, compare, diagnose, rtol, atol))
        if outcomes[-1].status == TODO:
            break  # a stub: one message is enough
    result = CheckResult(name, outcomes, hint=hint)
    if result.passed:
        _failed_runs.pop(name, None)
    elif not any(o.status == TODO for o in outcomes):
        _failed_runs[name] = _failed_runs.get(name, 0) + 1
    result.show_hint = show_hint or _failed_runs.get(name, 0) >= WORKED_HINT_AFTER
    return result


def _run_case(student_fn, case, compare, diagnose, rtol, atol) -> CaseOutcome:
    label = case.describe()
    # The student works on a copy, and compare/diagnose see that same copy (so a checker may
    # recognise its arguments by identity); an in-place edit cannot spoil the next case.
    case = replace(case, args=copy.deepcopy(case.args), kwargs=copy.deepcopy(case.kwargs))
    args, kwargs = case.args, case.kwargs
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            got = student_fn(*args, **kwargs)
        except NotImplementedError as exc:
            return CaseOutcome(label, TODO, str(exc) or "NotImplementedError")
        except Exception as exc:  # noqa: BLE001 - the student's error is the report
            return CaseOutcome(label, ERROR,
                               f"your code raised {type(exc).__name__}: {exc}{_student_frame(exc)}.",
                               hint=case.hint)
    notes = tuple(f"(your code warned: {w.category.__name__}: {w.message})"
                  for w in caught[:2])
    if compare is not None:
        message, crash = _call_quietly(compare, case, got)
        if crash is not None:
            message = (f"the result could not be checked ({type(crash).__name__}: {crash}); "
                       f"you returned {type(got).__name__}: {_show(got)}.")
    else:
        message = compare_values(got, case.expected, rtol, atol)
    if not message:
        return CaseOutcome(label, PASS, notes=notes)
    if got is None and any(t in message for t in ("NoneType", "None:", "shape ()", "got None")):
        # the comparison tripped over a missing value: say why it is missing
        return CaseOutcome(label, FAIL, "your function returned None: did you forget `return`?",
                           notes=notes)
    specific = None
    if diagnose is not None:
        specific, _ = _call_quietly(diagnose, case, got)
    return CaseOutcome(label, FAIL, message, hint=specific or case.hint, notes=notes)
