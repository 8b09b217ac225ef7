"""Automatic differentiation, built up chapter by chapter (numpy and the standard library only)."""

from .reverse import Variable, logsumexp, unbroadcast, vjp  # noqa: E402,F401  (reverse mode)
from .transforms import grad, value_and_grad  # noqa: E402,F401  (transformations)
