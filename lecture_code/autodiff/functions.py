"""Elementary functions that work on floats, arrays, dual numbers and reverse-mode variables.

Introduced in the chapter *Dual numbers*. One function per rule of
:mod:`lecture_code.autodiff.rules` (``sin``, ``cos``, ``exp``, ``log``, ``sqrt``, ``tanh``,
``arctan``, ``absolute``, ``power``, ``hypot``, ...), generated from the table. Each just calls
the rule's numpy ufunc, so numpy dispatches it to whatever it is given: a float gives a float,
an array an array, a :class:`~lecture_code.autodiff.dual.Dual` a dual (via
``Dual.__array_ufunc__``) and a reverse-mode variable a variable. Use these (or ``np.sin``)
instead of ``math.sin``, which only takes floats.

The functions (``__all__``, in the order of the rules table): ``negative``, ``positive``,
``exp``, ``expm1``, ``exp2``, ``log``, ``log2``, ``log10``, ``log1p``, ``sqrt``, ``cbrt``,
``square``, ``reciprocal``, ``sin``, ``cos``, ``tan``, ``arcsin``, ``arccos``, ``arctan``,
``sinh``, ``cosh``, ``tanh``, ``arcsinh``, ``arccosh``, ``arctanh``, ``absolute``, ``sign``,
``floor``, ``ceil``, ``rint``, ``add``, ``subtract``, ``multiply``, ``divide``, ``power``,
``maximum``, ``minimum``, ``arctan2``, ``hypot``, ``logaddexp``, and ``abs_`` (``absolute``).
They are made by a loop over the table; the explicit ``__all__`` below names each one, so
that editors, ``from lecture_code.autodiff.functions import sin`` and the API page find them
(a test checks that it lists every rule).

Example
-------
>>> from lecture_code.autodiff.dual import Dual
>>> sin(Dual(0.0, 1.0))
Dual(0.0 + 1.0·d)
>>> float(exp(0.0))
1.0
"""
from __future__ import annotations

import numpy as np

from .rules import RULES

__all__ = [
    "negative", "positive", "exp", "expm1", "exp2", "log", "log2", "log10", "log1p", "sqrt",
    "cbrt", "square", "reciprocal", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh",
    "cosh", "tanh", "arcsinh", "arccosh", "arctanh", "absolute", "sign", "floor", "ceil",
    "rint", "add", "subtract", "multiply", "divide", "power", "maximum", "minimum", "arctan2",
    "hypot", "logaddexp", "abs_",
]

# A point inside each rule's domain, for the generated doctests.
_SAMPLE = {"arccosh": (1.5,), "arcsin": (0.5,), "arccos": (0.5,), "arctanh": (0.5,)}


def _make_function(rule):
    ufunc = rule.fn
    args = _SAMPLE.get(rule.name, (0.5,) * rule.nargs if rule.nargs == 1 else (0.5, 1.5))
    call = f"{rule.name}({', '.join(map(repr, args))})"
    names = ", ".join("xy"[: rule.nargs])

    def function(*inputs):
        if len(inputs) != rule.nargs:
            raise TypeError(f"{rule.name}() takes {rule.nargs} argument"
                            f"{'s' if rule.nargs > 1 else ''} ({names}), got {len(inputs)}.")
        return ufunc(*inputs)

    function.__name__ = function.__qualname__ = rule.name
    function.__doc__ = (
        f"``{rule.name}({names})``: the elementwise function ${rule.latex}$ on floats, arrays, "
        "dual numbers and reverse-mode variables.\n\n"
        "Introduced in the chapter *Dual numbers*; generated from its rule in "
        f"``lecture_code.autodiff.rules`` (it calls ``numpy.{ufunc.__name__}``).\n\n"
        f">>> bool(np.allclose({call}, np.{ufunc.__name__}({', '.join(map(repr, args))})))\n"
        "True\n")
    return function


for _name, _rule in RULES.items():
    if _name == "true_divide":
        continue
    globals()[_name] = _make_function(_rule)

#: ``abs`` under its numpy name (``absolute``); Python's ``abs(d)`` also works on duals.
abs_ = globals()["absolute"]
del _name, _rule
