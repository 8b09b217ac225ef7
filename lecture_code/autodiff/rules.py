"""The one table of derivative rules that every AD mode in this package uses.

Introduced in the chapter *Dual numbers*; reused by forward mode (``dual``), reverse mode
(``reverse``), evaluation traces (``trace``) and source transformation (``source``).

Each elementwise primitive is a :class:`Rule`: the numpy ufunc that computes the value, and
one *partial derivative* per argument. A partial is a function ``partial(*args, out)`` of the
primal arguments and the primal output ``out`` that returns the local derivative
``∂out/∂arg`` (``lambda x, out: np.cos(x)`` for ``sin``).
Partials are written with numpy ufuncs only (``np.cos(x)``, ``x * y``), so the same rule
works on floats, on arrays, on dual numbers and on reverse-mode variables (which is what
makes higher derivatives work), and on the symbolic expressions that the source
transformer uses to print derivative code.

How each mode uses a rule, for ``out = f(a, b)``:

* forward (tangents):  ``out_dot = partial_a * a_dot + partial_b * b_dot``
* reverse (adjoints):  ``a_bar += out_bar * partial_a``;  ``b_bar += out_bar * partial_b``

A rule may carry a ``domain`` (a :class:`Domain`): which points have no derivative (``log``
of a non-positive number; for ``x**y`` it depends on which arguments are differentiated),
with a message for them. Every mode uses it, and only for the arguments it differentiates:

* scalar code (floats, 0-d values): the mode raises :class:`DomainError` with the message at
  the operation (scalar code branches with ``if``, so a bad point it reaches is used);
* array code: the value is numpy's (NaN or inf, with numpy's own ``RuntimeWarning``), and the
  derivative is checked where it is needed. A bad element whose incoming tangent (forward)
  or adjoint (reverse) is 0 contributes 0: a branch that ``np.where(x > 0, np.log(x), 0.0)``
  masks out does not poison the gradient (autograd and JAX give NaN there when ``x = 0``).
  A bad element the output depends on raises the rule's :class:`DomainError`.

Conventions where the derivative is not classical, the same in every mode and JAX's:
``x**0`` has slope 0 also at ``x = 0``; ``0**y`` has slope 0 in ``y`` for ``y > 0``; at a
tie, ``maximum``/``minimum`` give each argument half the slope (and ``np.max`` of an array
shares it equally among the tied elements).

Example
-------
>>> import numpy as np
>>> from lecture_code.autodiff.rules import RULES
>>> rule = RULES["sin"]
>>> x = 0.5
>>> out = rule.fn(x)
>>> float(rule.partials[0](x, out)) == float(np.cos(0.5))
True
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

__all__ = ["Rule", "RULES", "UFUNC_RULES", "DomainError", "Domain", "check_domain",
           "rule_for", "primal_value"]


class DomainError(ValueError):
    """A derivative was requested where it does not exist (e.g. ``log`` at 0).

    Raised by every AD mode with a message that names the function, the offending value and
    what to do instead.
    """


@dataclass(frozen=True)
class Rule:
    """A differentiable elementwise primitive: its value function and its partials."""

    name: str
    fn: Callable
    partials: tuple
    domain: Optional[Callable] = None
    latex: str = ""
    #: True when the partials do not depend on the arguments (add, subtract, negative,
    #: sign, ...): a mode may evaluate them once and skip multiplying by ones and zeros.
    constant: bool = False
    #: The same function in the standard library's ``math`` module (``math.sin`` for
    #: ``sin``), or None if it has none: scalar code calls it (faster than a ufunc on a
    #: float), and the tracer and the source transformer recognise it.
    math_fn: Optional[Callable] = None

    @property
    def nargs(self) -> int:
        return len(self.partials)


def primal_value(x):
    """The plain number or array inside ``x``: every layer of dual numbers and reverse-mode
    variables removed (anything else is returned as it is).

    Introduced in the chapter *Dual numbers*. The package's one helper for this: a dual
    number's ``primal`` and a variable's ``primal`` (its value) are followed to the bottom.

    >>> from lecture_code.autodiff.dual import Dual
    >>> primal_value(Dual(Dual(2.0, 1.0), 3.0))
    2.0
    """
    while hasattr(x, "primal"):
        x = x.primal
    return x


def _value(x):
    """The primal value of x as a float or an ndarray (for domain checks only)."""
    return np.asarray(primal_value(x), dtype=float)


class Domain:
    """Where a rule's derivative exists: a mask of the bad points and a message for them.

    ``bad(*values, active)`` returns a boolean mask (broadcast over the arguments) of the
    points where the derivative does not exist; ``message(*first, active)`` explains the
    first of them (``first`` are the argument values there). Calling a ``Domain`` on the
    arguments (floats, arrays, dual numbers, variables) returns that message, or None where
    every point is fine: this is what :func:`check_domain` and every AD mode use.
    ``active`` (one bool per argument, all True when None) says which arguments are being
    differentiated.
    """

    def __init__(self, bad, message):
        self.bad, self.message = bad, message

    def mask(self, *args, active=None):
        """The boolean mask (of the broadcast shape) of the points without a derivative, or
        None when there is none."""
        values = [_value(a) for a in args]
        bad = np.asarray(self.bad(*values, active=active))
        if not bad.any():
            return None
        return np.broadcast_to(bad, np.broadcast_shapes(*(np.shape(v) for v in values)))

    def __call__(self, *args, active=None):
        values = [_value(a) for a in args]
        bad = np.asarray(self.bad(*values, active=active))
        if not bad.any():
            return None
        bad = np.broadcast_to(bad, np.broadcast_shapes(*(np.shape(v) for v in values)))
        first = [float(np.broadcast_to(v, bad.shape)[bad].flat[0]) if bad.ndim else float(v)
                 for v in values]
        return self.message(*first, active=active)


def _unary_domain(bad, message):
    return Domain(lambda v, active=None: bad(v), lambda v, active=None: message(f"{v:g}"))


_log_domain = _unary_domain(
    lambda v: v <= 0,
    lambda got: (f"log is only differentiable for positive inputs, got {got}. "
                 "Shift or clip the input (e.g. log(x + eps)) or work with log-parameters."))

_log1p_domain = _unary_domain(
    lambda v: v <= -1,
    lambda got: (f"log1p is only differentiable for inputs above -1, got {got}. "
                 "Keep 1 + x positive (e.g. log1p(x) for x > -1 only)."))

_cbrt_domain = _unary_domain(
    lambda v: v == 0,
    lambda got: ("cbrt is only differentiable away from 0: its slope 1/(3·cbrt(x)²) is "
                 "infinite there. Keep x away from 0."))

_sqrt_domain = _unary_domain(
    lambda v: v <= 0,
    lambda got: (f"sqrt is only differentiable for positive inputs, got {got} "
                 "(its slope 1/(2*sqrt(x)) is infinite at 0 and it is undefined below). "
                 "Use sqrt(x + eps) or a parametrisation that keeps x > 0."))

_DIVISION_BY_ZERO = ("division by zero: the denominator is 0, so neither the quotient nor its "
                     "derivative exists. Check the denominator before dividing.")

_div_domain = Domain(lambda x, y, active=None: y == 0,
                     lambda x, y, active=None: _DIVISION_BY_ZERO)

_reciprocal_domain = _unary_domain(lambda v: v == 0, lambda got: _DIVISION_BY_ZERO)


def _unit_interval_domain(name):
    return _unary_domain(lambda v: np.abs(v) >= 1,
                         lambda got: f"{name} is only differentiable for -1 < x < 1, got {got}.")


_arccosh_domain = _unary_domain(
    lambda v: v <= 1, lambda got: f"arccosh is only differentiable for x > 1, got {got}.")


def _power_bad(x, y, active=None):
    """Where ``x**y`` has no derivative, for the arguments being differentiated.

    Differentiating in the base ``x`` needs a real value and a finite slope
    ``y·x**(y-1)``: no negative base to a non-integer power, and at ``x = 0`` only
    ``y = 0`` (``x**0`` is the constant 1) or ``y >= 1``. Differentiating in the exponent
    ``y`` (slope ``x**y·log(x)``) needs ``x > 0``, or ``x = 0`` with ``y > 0`` (``0**y = 0``
    there, slope 0). A constant negative base with an integer exponent is fine in ``x``.
    """
    x_active, y_active = (True, True) if active is None else active
    bad = np.zeros((), dtype=bool)
    if x_active and np.ndim(y) == 0:      # a constant exponent (x**2): decide it once
        p = float(y)
        if p != round(p):
            bad = bad | (x < 0)
        if p < 1 and p != 0:
            bad = bad | (x == 0)
    elif x_active:
        bad = bad | ((x < 0) & (y != np.round(y))) | ((x == 0) & (y < 1) & (y != 0))
    if y_active:
        bad = bad | (x < 0) | ((x == 0) & (y <= 0))
    return bad


def _power_message(x, y, active=None):
    x_active = True if active is None else active[0]
    if x_active and x < 0 and y != round(y):
        return (f"a negative base to a non-integer power is not a real number: {x:g}**{y:g}. "
                "Use an integer exponent or a positive base.")
    if x_active and x == 0 and y < 1 and y != 0:
        return (f"x**{y:g} has no derivative at x = 0 (its slope is infinite there). Keep x "
                "away from 0, e.g. (x + eps)**p.")
    return (f"x**y differentiated in the exponent y needs a positive base x (the derivative "
            f"in y is x**y·log(x)), got x = {x:g}, y = {y:g}. Use a positive base, or keep "
            "the exponent a constant.")


_power_domain = Domain(_power_bad, _power_message)


def _sign(x):
    return np.sign(x)


# ---------------------------------------------------------------------------------------
# The table. Partials take (args..., out). Keep them to numpy ufuncs and arithmetic.
# ---------------------------------------------------------------------------------------
_rules = [
    # unary
    Rule("negative", np.negative, (lambda x, out: -np.ones_like(x),), latex=r"-x", constant=True),
    Rule("positive", np.positive, (lambda x, out: np.ones_like(x),), latex=r"+x", constant=True),
    Rule("exp", np.exp, (lambda x, out: out,), latex=r"e^x", math_fn=math.exp),
    Rule("expm1", np.expm1, (lambda x, out: out + 1,), latex=r"e^x - 1", math_fn=math.expm1),
    Rule("exp2", np.exp2, (lambda x, out: out * np.log(2.0),), latex=r"2^x", math_fn=math.exp2),
    Rule("log", np.log, (lambda x, out: 1 / x,), _log_domain, r"\log x", math_fn=math.log),
    Rule("log2", np.log2, (lambda x, out: 1 / (x * np.log(2.0)),), _log_domain, r"\log_2 x",
         math_fn=math.log2),
    Rule("log10", np.log10, (lambda x, out: 1 / (x * np.log(10.0)),), _log_domain, r"\log_{10} x",
         math_fn=math.log10),
    Rule("log1p", np.log1p, (lambda x, out: 1 / (1 + x),), _log1p_domain, r"\log(1+x)",
         math_fn=math.log1p),
    Rule("sqrt", np.sqrt, (lambda x, out: 0.5 / out,), _sqrt_domain, r"\sqrt{x}",
         math_fn=math.sqrt),
    Rule("cbrt", np.cbrt, (lambda x, out: 1 / (3 * out * out),), _cbrt_domain, r"\sqrt[3]{x}",
         math_fn=math.cbrt),
    Rule("square", np.square, (lambda x, out: 2 * x,), latex=r"x^2"),
    Rule("reciprocal", np.reciprocal, (lambda x, out: -(out * out),), _reciprocal_domain, r"1/x"),
    Rule("sin", np.sin, (lambda x, out: np.cos(x),), latex=r"\sin x", math_fn=math.sin),
    Rule("cos", np.cos, (lambda x, out: -np.sin(x),), latex=r"\cos x", math_fn=math.cos),
    Rule("tan", np.tan, (lambda x, out: 1 + out * out,), latex=r"\tan x", math_fn=math.tan),
    Rule("arcsin", np.arcsin, (lambda x, out: 1 / np.sqrt(1 - x * x),),
         _unit_interval_domain("arcsin"), r"\arcsin x", math_fn=math.asin),
    Rule("arccos", np.arccos, (lambda x, out: -1 / np.sqrt(1 - x * x),),
         _unit_interval_domain("arccos"), r"\arccos x", math_fn=math.acos),
    Rule("arctan", np.arctan, (lambda x, out: 1 / (1 + x * x),), latex=r"\arctan x",
         math_fn=math.atan),
    Rule("sinh", np.sinh, (lambda x, out: np.cosh(x),), latex=r"\sinh x", math_fn=math.sinh),
    Rule("cosh", np.cosh, (lambda x, out: np.sinh(x),), latex=r"\cosh x", math_fn=math.cosh),
    Rule("tanh", np.tanh, (lambda x, out: 1 - out * out,), latex=r"\tanh x", math_fn=math.tanh),
    Rule("arcsinh", np.arcsinh, (lambda x, out: 1 / np.sqrt(x * x + 1),),
         latex=r"\operatorname{arsinh} x", math_fn=math.asinh),
    Rule("arccosh", np.arccosh, (lambda x, out: 1 / np.sqrt(x * x - 1),), _arccosh_domain,
         r"\operatorname{arcosh} x", math_fn=math.acosh),
    Rule("arctanh", np.arctanh, (lambda x, out: 1 / (1 - x * x),),
         _unit_interval_domain("arctanh"), r"\operatorname{artanh} x", math_fn=math.atanh),
    Rule("absolute", np.absolute, (lambda x, out: _sign(x),), latex=r"|x|", math_fn=math.fabs),
    Rule("sign", np.sign, (lambda x, out: np.zeros_like(x),),
         latex=r"\operatorname{sign} x", constant=True),
    Rule("floor", np.floor, (lambda x, out: np.zeros_like(x),),
         latex=r"\lfloor x \rfloor", constant=True, math_fn=math.floor),
    Rule("ceil", np.ceil, (lambda x, out: np.zeros_like(x),),
         latex=r"\lceil x \rceil", constant=True, math_fn=math.ceil),
    Rule("rint", np.rint, (lambda x, out: np.zeros_like(x),),
         latex=r"\operatorname{round} x", constant=True),
    # binary
    Rule("add", np.add, (lambda x, y, out: np.ones_like(x), lambda x, y, out: np.ones_like(y)),
         latex=r"x + y", constant=True),
    Rule("subtract", np.subtract,
         (lambda x, y, out: np.ones_like(x), lambda x, y, out: -np.ones_like(y)), latex=r"x - y",
         constant=True),
    Rule("multiply", np.multiply, (lambda x, y, out: y, lambda x, y, out: x), latex=r"x y"),
    Rule("divide", np.divide, (lambda x, y, out: 1 / y, lambda x, y, out: -out / y),
         _div_domain, r"x / y"),
    # x**0 is the constant 1 (slope 0 also at x = 0), and 0**y = 0 for y > 0 (slope 0 in y):
    # the (· == 0) terms only move the evaluation point where the factor in front is 0
    # (JAX's rule does the same); elsewhere they add 0.
    Rule("power", np.power,
         (lambda x, y, out: y * x ** (y - 1 + (y == 0)),
          lambda x, y, out: out * np.log(x + (x == 0) * (y > 0))),
         _power_domain, r"x^y", math_fn=math.pow),
    # At a tie each argument gets half the slope (JAX's convention, as for np.max of an
    # array, whose tied elements share the derivative equally in every mode).
    Rule("maximum", np.maximum,
         (lambda x, y, out: 1.0 * (x > y) + 0.5 * np.equal(x, y),
          lambda x, y, out: 1.0 * (x < y) + 0.5 * np.equal(x, y)), latex=r"\max(x, y)"),
    Rule("minimum", np.minimum,
         (lambda x, y, out: 1.0 * (x < y) + 0.5 * np.equal(x, y),
          lambda x, y, out: 1.0 * (x > y) + 0.5 * np.equal(x, y)), latex=r"\min(x, y)"),
    Rule("arctan2", np.arctan2,
         (lambda x, y, out: y / (x * x + y * y), lambda x, y, out: -x / (x * x + y * y)),
         latex=r"\operatorname{atan2}(x, y)", math_fn=math.atan2),
    Rule("hypot", np.hypot, (lambda x, y, out: x / out, lambda x, y, out: y / out),
         latex=r"\sqrt{x^2 + y^2}", math_fn=math.hypot),
    Rule("logaddexp", np.logaddexp,
         (lambda x, y, out: np.exp(x - out), lambda x, y, out: np.exp(y - out)),
         latex=r"\log(e^x + e^y)"),
]

#: Every rule by name (``RULES["sin"]``).
RULES: dict[str, Rule] = {r.name: r for r in _rules}
RULES["true_divide"] = RULES["divide"]

#: Every rule by its numpy ufunc (``UFUNC_RULES[np.sin]``), for ``__array_ufunc__``.
UFUNC_RULES: dict = {r.fn: r for r in _rules}

#: The rule of each of the standard library's math functions that has one, by the math
#: name (``MATH_NAMES["asin"] == "arcsin"``), read off the rules' ``math_fn``.
MATH_NAMES = {r.math_fn.__name__: r.name for r in _rules if r.math_fn is not None}


def rule_for(name_or_ufunc) -> Rule:
    """Look a rule up by name (``"sin"``), math name (``"asin"``) or numpy ufunc.

    Raises ``TypeError`` naming the function when there is no rule for it.

    >>> import numpy as np
    >>> rule_for(np.sin).name, rule_for("asin").name
    ('sin', 'arcsin')
    """
    if isinstance(name_or_ufunc, str):
        key = MATH_NAMES.get(name_or_ufunc, name_or_ufunc)
        if key in RULES:
            return RULES[key]
    elif name_or_ufunc in UFUNC_RULES:
        return UFUNC_RULES[name_or_ufunc]
    name = getattr(name_or_ufunc, "__name__", name_or_ufunc)
    raise TypeError(
        f"no derivative rule for {name!r}: lecture_code.autodiff does not differentiate it. "
        f"Supported elementwise functions: {', '.join(sorted(RULES))}.")


def check_domain(rule: Rule, *args, active=None) -> None:
    """Raise :class:`DomainError` if ``rule``'s derivative does not exist at ``args``.

    ``active`` (one bool per argument, all True when None) says which arguments are being
    differentiated: ``x**y`` needs ``x > 0`` only when ``y`` is (every mode passes it, so
    every mode agrees on where a derivative exists).

    >>> check_domain(RULES["log"], 0.0)
    Traceback (most recent call last):
    ...
    lecture_code.autodiff.rules.DomainError: log is only differentiable for positive inputs, got 0. Shift or clip the input (e.g. log(x + eps)) or work with log-parameters.
    """
    if rule.domain is not None:
        message = rule.domain(*args, active=active)
        if message:
            raise DomainError(message)
