"""The readable automatic differentiation of the book: each idea in one short module.

Introduced in the chapters *Three ways to build AD* (:mod:`~lecture_code.autodiff.simple.source`, source transformation)
and *Forward and reverse mode* (:mod:`~lecture_code.autodiff.simple.reverse`, a scalar reverse mode). These modules are
what the chapters show whole; the fast library, :mod:`lecture_code.autodiff`, does the same
work faster and more generally, and the tests check that the two agree.

>>> from lecture_code.autodiff.simple import Value, grad, sin
>>> grad(lambda x: x * sin(x))(0.0)
(0.0,)
"""
from .reverse import Value, grad, sin, cos, exp, log, tanh, sqrt  # noqa: F401
from . import source  # noqa: F401
