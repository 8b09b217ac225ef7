"""Function transformations built on reverse mode: ``grad`` and ``value_and_grad``.

Chapter *Forward and reverse mode*. Each transformation takes a function and returns a new
function, as JAX's and autograd's do; the work is one reverse sweep of
:func:`lecture_code.autodiff.reverse.vjp`.

>>> import numpy as np
>>> from lecture_code.autodiff.transforms import grad
>>> grad(lambda x: np.sum(np.sin(x) * x ** 2))(np.array([0.0, 1.0]))
array([0.        , 2.22324428])
"""
from __future__ import annotations

import functools

from . import reverse

__all__ = ["grad", "value_and_grad"]


def value_and_grad(f):
    """Return a function computing ``(f(x, ...), ∇ₓf(x, ...))`` with one reverse sweep.

    Chapter *Forward and reverse mode*. The gradient is with respect to the first argument;
    ``f`` must return a scalar (otherwise a ``ValueError`` says to use ``vjp``).

    >>> value_and_grad(lambda x: x * x + 3.0 * x)(2.0)
    (10.0, 7.0)
    """
    @functools.wraps(f)
    def wrapped(*args):
        if not args:
            raise TypeError("value_and_grad(f) needs at least one argument to differentiate "
                            "with respect to, e.g. value_and_grad(f)(x).")
        return reverse.value_and_grad(f, *args)
    return wrapped


def grad(f):
    """Return a function computing the gradient of scalar-valued ``f`` (reverse mode).

    Chapter *Forward and reverse mode*. ``grad(f)(x)`` has the shape of ``x``.

    >>> grad(lambda x: x ** 3)(2.0)
    12.0
    """
    vg = value_and_grad(f)

    @functools.wraps(f)
    def wrapped(*args):
        return vg(*args)[1]
    return wrapped
