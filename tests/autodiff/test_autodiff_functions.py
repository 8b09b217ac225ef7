"""lecture_code.autodiff.functions: one function per rule, every one named in ``__all__``."""
import numpy as np

import lecture_code.autodiff as ad
from lecture_code.autodiff import functions
from lecture_code.autodiff.rules import RULES


def test_all_lists_one_function_per_rule():
    rules = [name for name in RULES if name != "true_divide"]
    assert functions.__all__ == rules + ["abs_"]
    for name in rules:
        f = getattr(functions, name)
        assert f.__name__ == name and getattr(ad, name) is f
        assert f"``{name}``" in functions.__doc__


def test_a_function_calls_its_rules_ufunc():
    assert functions.hypot(3.0, 4.0) == np.hypot(3.0, 4.0) == 5.0
    assert functions.abs_ is functions.absolute
