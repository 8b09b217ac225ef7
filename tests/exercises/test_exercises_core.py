"""Tests for the exercise-checking machinery (lecture_code.exercises.core)."""
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lecture_code.exercises import Case, CheckResult, check, compare_values
from lecture_code.exercises.core import reset_hint_counts


def square(x):
    return x * x


def stub(x):
    raise NotImplementedError("Exercise: write square")


def test_pass_is_truthy_and_says_so():
    result = check(square, [Case((2.0,), 4.0), Case((-3,), 9)])
    assert result and result.passed
    assert isinstance(result, CheckResult)
    assert "square: all 2 cases pass" in str(result)
    assert "all 2 cases pass" in result._repr_markdown_()


def test_stub_is_not_implemented_yet_and_stops_after_one_case():
    result = check(stub, [Case((2.0,), 4.0), Case((3.0,), 9.0)])
    assert not result
    assert "not implemented yet" in str(result)
    assert "Exercise: write square" in str(result)
    assert len(result.outcomes) == 1


def test_exception_in_student_code_is_reported_not_raised():
    def broken(x):
        return x / 0

    result = check(broken, [Case((1.0,), 1.0, label="x = 1", hint="do not divide")])
    text = str(result)
    assert not result
    assert "x = 1" in text and "ZeroDivisionError" in text and "line" in text
    assert "Hint: do not divide" in text


def test_wrong_value_shows_expected_and_got_and_hint():
    result = check(lambda x: x + 1, [Case((2,), 4, label="x = 2")], name="double",
                   hint="multiply by two", show_hint=True)
    text = str(result)
    assert "x = 2: returned 3, expected 4." in text
    assert "Hint: multiply by two" in text
    assert "**Hint:** multiply by two" in result._repr_markdown_()


def test_hints_are_staged_worked_hint_only_on_request_or_after_repeated_failures():
    reset_hint_counts()

    def wrong(x):
        return x + 1

    cases = [Case((2,), 4, label="x = 2", hint="x + 1 is not twice x")]
    first = check(wrong, cases, name="staged", hint="the worked hint")
    text = str(first)
    # the first failure says what is wrong, not how to write it
    assert "x = 2: returned 3, expected 4." in text and "x + 1 is not twice x" in text
    assert "the worked hint" not in text and "`.hint()`" in text
    assert "the worked hint" not in first._repr_markdown_()
    # ... but the student can ask for it
    assert first.hint() == "the worked hint" and repr(first.hint()) == "the worked hint"
    assert "the worked hint" in str(check(wrong, cases, name="staged", hint="the worked hint",
                                          show_hint=True))
    # the third failing run of the same checker shows it unasked
    third = check(wrong, cases, name="staged", hint="the worked hint")
    assert "Hint: the worked hint" in str(third)
    assert "**Hint:** the worked hint" in third._repr_markdown_()
    # another checker keeps its own count; a pass starts the count over
    assert "the worked hint" not in str(check(wrong, cases, name="other",
                                              hint="the worked hint"))
    assert check(lambda x: 2 * x, cases, name="staged", hint="the worked hint")
    assert "the worked hint" not in str(check(wrong, cases, name="staged",
                                              hint="the worked hint"))
    # an unfinished stub does not count as a failing attempt
    reset_hint_counts()
    for _ in range(3):
        check(stub, cases, name="staged", hint="the worked hint")
    assert "the worked hint" not in str(check(wrong, cases, name="staged",
                                              hint="the worked hint"))
    reset_hint_counts()


def test_a_checker_without_worked_hint_says_so():
    result = check(lambda x: x, [Case((2,), 4)], name="nohint")
    assert "no worked hint" in result.hint()
    assert "`.hint()`" not in str(result)


def test_returning_none_is_told_to_return_even_with_a_custom_compare():
    def compare(case, got):
        return None if isinstance(got, tuple) else f"expected a pair, got {type(got).__name__}."

    def forgot_return(x):
        x * 2

    result = check(forgot_return, [Case((2,), (4, 0))], compare=compare)
    assert "did you forget `return`?" in str(result) and "NoneType" not in str(result)
    result = check(forgot_return, [Case((2,), 4.0)])
    assert "did you forget `return`?" in str(result) and "shape ()" not in str(result)


def test_error_location_is_the_students_line_not_the_checkers():
    import lecture_code.exercises.autodiff_basics as ab

    def dual_inverse(f, y):
        value = y.primal
        return value[0]   # the student's bug: a float is not subscriptable

    text = str(ab.check_dual_inverse(dual_inverse))
    line = dual_inverse.__code__.co_firstlineno + 2
    assert f"(in dual_inverse, line {line})" in text, text
    assert "in run," not in text

    def uses_numpy(x):
        return np.linalg.inv(np.zeros((2, 2)))   # the error is raised inside NumPy

    text = str(check(uses_numpy, [Case((1.0,), 1.0)]))
    line = uses_numpy.__code__.co_firstlineno + 1
    assert f"(in uses_numpy, line {line})" in text, text


@pytest.mark.parametrize("got, fragment", [
    (np.zeros(3), "shape (3,), expected (2,)"),
    (np.array([np.nan, 1.0]), "NaN or inf"),
    (None, "forget `return`"),
    ("two numbers", "should be an array of numbers"),
    (np.array([1.0, 2.5]), "largest difference 0.5 at index (1,)"),
])
def test_array_mistakes_get_specific_messages(got, fragment):
    result = check(lambda: got, [Case((), np.array([1.0, 2.0]))], name="f")
    assert not result
    assert fragment in str(result), str(result)


def test_tuples_are_compared_elementwise():
    assert check(lambda: (1.0, np.ones(2)), [Case((), (1.0, np.ones(2)))])
    result = check(lambda: (1.0,), [Case((), (1.0, 2.0))])
    assert "tuple of 2 values" in str(result)
    result = check(lambda: (1.0, 3.0), [Case((), (1.0, 2.0))])
    assert "element 1 of the result: returned 3.0, expected 2.0" in str(result)


def test_dicts_and_other_values():
    assert compare_values({"a": 1.0}, {"a": 1.0 + 1e-12}) is None
    assert "keys" in compare_values({"b": 1.0}, {"a": 1.0})
    assert compare_values("yes", "yes") is None
    assert "returned 'no'" in compare_values("no", "yes")
    assert compare_values(True, True) is None


def test_tolerances_are_used():
    assert check(lambda: 1.001, [Case((), 1.0)], rtol=1e-2)
    assert not check(lambda: 1.001, [Case((), 1.0)], rtol=1e-6)
    assert check(lambda: 1e-9, [Case((), 0.0)], atol=1e-8)


def test_reference_supplies_expected_values():
    assert check(square, [Case((x,)) for x in (1.0, 2.0)], reference=lambda x: x ** 2)
    result = check(lambda x: x ** 3, [Case((2.0,))], reference=lambda x: x ** 2)
    assert "returned 8.0, expected 4.0" in str(result)


def test_custom_compare_and_diagnose():
    def compare(case, got):
        return None if got == case.expected else f"got {got}."

    def diagnose(case, got):
        return "you returned the input" if got == case.args[0] else None

    result = check(lambda x: x, [Case((2,), 4)], compare=compare, diagnose=diagnose,
                   hint="general hint", show_hint=True)
    text = str(result)
    assert "got 2." in text and "you returned the input" in text and "general hint" in text


def test_crashing_compare_or_diagnose_does_not_raise():
    def compare(case, got):
        return np.asarray(got, dtype=float).sum()  # fails on a string

    def diagnose(case, got):
        raise RuntimeError("checker bug")

    result = check(lambda: "nonsense", [Case((), 1.0)], compare=compare, diagnose=diagnose)
    assert not result and "could not be checked" in str(result)
    result = check(lambda: 2.0, [Case((), 1.0)], diagnose=diagnose)
    assert not result and "returned 2.0" in str(result)


def test_student_cannot_mutate_the_cases():
    x = np.ones(3)

    def inplace(a):
        a *= 2
        return a

    check(inplace, [Case((x,), 2 * np.ones(3))] * 2)
    assert np.array_equal(x, np.ones(3))


def test_compare_and_diagnose_see_the_arguments_the_student_got():
    seen = []

    def compare(case, got):
        return None if got is case.args[0] else "not the same object"

    assert check(lambda a: seen.append(a) or a, [Case((np.ones(2),))], compare=compare)


def test_warnings_are_caught_and_noted():
    def noisy(x):
        warnings.warn("careful", RuntimeWarning)
        return x

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = check(noisy, [Case((1.0,), 2.0)])
    assert "RuntimeWarning: careful" in str(result)


def test_many_failures_are_summarised():
    result = check(lambda x: 0, [Case((i,), i + 1) for i in range(6)])
    text = str(result)
    assert "6 of 6 cases fail" in text and "3 more failing" in text
    assert text.count("\n  - ") == 4


def test_case_normalises_args_and_describes_itself():
    assert Case(3, 9).args == (3,)
    assert Case((1, 2), kwargs={"k": 3}).describe() == "inputs (1, 2, k=3)"
    with pytest.raises(TypeError, match="kwargs must be a dict"):
        Case((1,), kwargs=[1])


def test_bad_checker_input_raises_clearly():
    with pytest.raises(TypeError, match="needs the function to test"):
        check(square(2.0), [Case((1.0,), 1.0)])
    with pytest.raises(ValueError, match="non-empty list of Case"):
        check(square, [])
    with pytest.raises(ValueError, match="non-empty list of Case"):
        check(square, [(1.0, 1.0)])


@settings(deadline=None, max_examples=50)
@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=5))
def test_correct_answer_always_passes_and_perturbed_fails(xs):
    cases = [Case((x,), x * x) for x in xs]
    assert check(square, cases)
    assert not check(lambda x: x * x * (1 + 1e-5) + 1.0, cases)


@settings(deadline=None, max_examples=50)
@given(st.one_of(st.none(), st.text(max_size=5), st.floats(allow_nan=True),
                 st.lists(st.integers(), max_size=3), st.just(object())))
def test_never_raises_on_arbitrary_answers(answer):
    result = check(lambda: answer, [Case((), np.array([1.0, math.pi]))])
    assert not result
    assert str(result) and result._repr_markdown_()
