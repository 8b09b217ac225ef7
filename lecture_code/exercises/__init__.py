"""Exercise checkers: instant, specific feedback on a student's function.

Introduced in the preface (*How the exercises work*). :mod:`lecture_code.exercises.core` holds
the machinery (:class:`Case`, :func:`check`, :class:`CheckResult`); the chapter modules
(``autodiff_basics``, ``autodiff_modes``, ``mixture_basics``) hold the checkers themselves.

>>> from lecture_code.exercises import Case, check
>>> bool(check(lambda x: 2 * x, [Case((1.5,), 3.0)]))
True
"""
from lecture_code.exercises.core import Case, CaseOutcome, CheckResult, check, compare_values

__all__ = ["Case", "CaseOutcome", "CheckResult", "check", "compare_values"]
