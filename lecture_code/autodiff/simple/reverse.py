"""Reverse mode in about a hundred lines of code: a scalar ``Value`` that remembers how it
was made.

Introduced in the chapter *Forward and reverse mode*, in the spirit of micrograd's
``engine.py``. Every arithmetic operation on :class:`Value` objects returns a new ``Value``
that keeps its *parents* (the operands) together with the *local derivatives*
``∂out/∂parent``. Those local derivatives are not written here: they come from the one table
of derivative rules, :data:`lecture_code.autodiff.rules.RULES`, that every mode of the book
uses (a rule's partials are functions ``partial(*args, out)``).

:meth:`Value.backward` then does the two things reverse mode is about:

1. order the graph *topologically* (every node after the nodes it was computed from), and
2. walk that order backwards, *accumulating* ``parent.grad += node.grad * local``.

This is the readable version. The fast one, :mod:`lecture_code.autodiff.reverse`, records
the same information on a flat tape; it is tested to agree with this one.

Example
-------
>>> x1, x2 = Value(1.5), Value(0.5)
>>> y = x1 * x2 + sin(x1)
>>> y.backward()
>>> x1.grad == 0.5 + math.cos(1.5), x2.grad
(True, 1.5)
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from ..rules import RULES, DomainError, check_domain

__all__ = ["Value", "grad", "sin", "cos", "exp", "log", "tanh", "sqrt"]

def _number(x, what: str) -> float:
    """``x`` as a float, or a TypeError naming ``what`` it was meant to be."""
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return float(x)
    raise TypeError(f"{what} must be a real number or a Value, got {type(x).__name__}.")


class Value:
    """A scalar that records the operation that produced it, for reverse mode.

    ``data`` is the number, ``grad`` the adjoint (filled in by :meth:`backward`),
    ``parents`` a tuple of ``(parent, local_derivative)`` pairs. Chapter *Forward and reverse
    mode*.

    >>> x = Value(3.0)
    >>> y = 2 * x ** 2 - x / 4
    >>> y.backward()
    >>> y.data, x.grad
    (17.25, 11.75)
    """

    __slots__ = ("data", "grad", "parents")

    def __init__(self, data, parents=()):
        self.data = _number(data, "Value(data)")
        self.grad = 0.0
        self.parents = tuple(parents)

    def __repr__(self):
        return f"Value(data={self.data!r}, grad={self.grad!r})"

    # Every operator is a rule of the table, applied by `apply` (below the class).
    def __add__(self, other):
        return apply("add", self, other)

    def __radd__(self, other):
        return apply("add", other, self)

    def __sub__(self, other):
        return apply("subtract", self, other)

    def __rsub__(self, other):
        return apply("subtract", other, self)

    def __mul__(self, other):
        return apply("multiply", self, other)

    def __rmul__(self, other):
        return apply("multiply", other, self)

    def __truediv__(self, other):
        return apply("divide", self, other)

    def __rtruediv__(self, other):
        return apply("divide", other, self)

    def __pow__(self, other):
        return apply("power", self, other)

    def __rpow__(self, other):
        return apply("power", other, self)

    def __neg__(self):
        return apply("negative", self)

    def backward(self):
        """Fill in ``grad`` of every node this value depends on (``self.grad`` is 1).

        >>> x = Value(2.0)
        >>> y = x * x + x          # x is used three times: its adjoints add up
        >>> y.backward()
        >>> x.grad
        5.0
        """
        # 1. Topological order: a node goes into `order` after all of its parents
        #    (depth-first, with an explicit stack so that long chains do not hit
        #    Python's recursion limit). `seen` makes sure each node is visited once.
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            node, parents_done = stack.pop()
            if parents_done:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((parent, False) for parent, _ in node.parents)
        # 2. Reverse sweep: from the output back to the inputs, accumulating adjoints.
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            for parent, local in node.parents:
                parent.grad += node.grad * local


def apply(name: str, *args) -> Value:
    """Apply the rule ``RULES[name]`` to Values and numbers; record the local derivatives.

    Chapter *Forward and reverse mode*. Raises :class:`~lecture_code.autodiff.rules.DomainError`
    where the derivative does not exist (``log`` of a non-positive number, ...).

    >>> y = apply("multiply", Value(3.0), 2.0)
    >>> y.data, [local for _, local in y.parents]
    (6.0, [2.0])
    """
    if not all(isinstance(a, (Value, numbers.Real)) for a in args):
        return NotImplemented                  # lets Python raise its usual TypeError
    rule = RULES[name]
    primals = [np.float64(a.data if isinstance(a, Value) else a) for a in args]
    active = [isinstance(a, Value) for a in args]      # x ** 2: only x is differentiated
    check_domain(rule, *primals, active=active)
    with np.errstate(all="ignore"):
        out = float(rule.fn(*primals))
        parents = [(a, float(partial(*primals, out)))     # partials only for Values
                   for a, partial in zip(args, rule.partials) if isinstance(a, Value)]
    if math.isnan(out) or any(math.isnan(local) for _, local in parents):
        raise DomainError(f"{name} is not differentiable at {', '.join(map(repr, primals))} "
                          "(e.g. a negative number to a fractional power).")
    return Value(out, parents)


def _unary(name: str):
    def function(x):
        if not isinstance(x, (Value, numbers.Real)):
            raise TypeError(f"{name}(x): x must be a real number or a Value, got "
                            f"{type(x).__name__}.")
        return apply(name, x)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = (f"``{name}(x)`` of a :class:`Value`, its derivative from "
                        f"``RULES[{name!r}]``. Chapter *Forward and reverse mode*.\n\n"
                        f"    >>> round({name}(Value(0.5)).data, 6) == round(math.{name}"
                        f"(0.5), 6)\n    True\n")
    return function


sin, cos, exp, log, tanh, sqrt = map(_unary, ["sin", "cos", "exp", "log", "tanh", "sqrt"])


def grad(f):
    """The gradient of a scalar function ``f`` of floats, by :meth:`Value.backward`.

    Chapter *Forward and reverse mode*. ``grad(f)(x1, ..., xn)`` calls ``f`` on ``Value``
    objects and returns the tuple ``(∂f/∂x1, ..., ∂f/∂xn)``.

    >>> def f(x1, x2):
    ...     return x1 * x2 + sin(x1)
    >>> grad(f)(1.5, 0.5) == (0.5 + math.cos(1.5), 1.5)
    True
    """
    def gradient(*xs):
        inputs = [Value(_number(x, f"grad({f.__name__}): input {i + 1}"))
                  for i, x in enumerate(xs)]
        out = f(*inputs)
        if isinstance(out, numbers.Real) and not isinstance(out, bool):
            return tuple(0.0 for _ in inputs)            # f does not depend on its inputs
        if not isinstance(out, Value):
            raise TypeError(f"grad({f.__name__}): f must return one scalar Value (computed "
                            f"from its inputs), got {type(out).__name__}.")
        out.backward()
        return tuple(x.grad for x in inputs)
    gradient.__name__ = f"grad_{getattr(f, '__name__', 'f')}"
    return gradient
