"""The numpy-array methods shared by :class:`~lecture_code.autodiff.dual.Dual` and
:class:`~lecture_code.autodiff.reverse.Variable`.

Both types take part in numpy's dispatch protocols (``__array_ufunc__``,
``__array_function__``), so every array method is just the numpy function applied to
``self``: ``x.sum(axis=0)`` is ``np.sum(x, axis=0)``, and the derivative comes from the
type's own rules for ``np.sum``. A subclass provides ``shape``; the rest is here, once.
Chapters *Dual numbers* and *Forward and reverse mode*.

>>> import numpy as np
>>> from lecture_code.autodiff.dual import Dual
>>> Dual(np.array([[1.0, 2.0], [3.0, 4.0]]), np.ones((2, 2))).sum(axis=0).tangent
array([2., 2.])
"""
from __future__ import annotations

import numpy as np

__all__ = ["ArrayMethods"]


class ArrayMethods:
    """Mixin: ``ndim``, ``size``, ``T``, ``len``, iteration and the usual array methods,
    each through the numpy function of the same name. Subclasses define ``shape`` and
    ``__getitem__``.

    >>> import numpy as np
    >>> from lecture_code.autodiff.dual import Dual
    >>> x = Dual(np.arange(6.0), np.ones(6))
    >>> x.reshape(2, 3).T.shape, x.ndim, x.size, len(x)
    ((3, 2), 1, 6, 6)
    """

    __slots__ = ()

    @property
    def ndim(self):
        """The number of dimensions (of the primal)."""
        return len(self.shape)

    @property
    def size(self):
        """The number of elements (of the primal)."""
        return int(np.prod(self.shape))

    @property
    def T(self):
        """The transpose."""
        return np.transpose(self)

    def __len__(self):
        if not self.shape:
            raise TypeError(f"len() of a 0-d (scalar) {type(self).__name__}")
        return self.shape[0]

    def __iter__(self):
        if not self.shape:
            raise TypeError(f"iteration over a 0-d (scalar) {type(self).__name__}: it is "
                            "not iterable")
        return (self[i] for i in range(self.shape[0]))

    # ``//`` and ``%`` go through numpy, whose rules refuse them (not differentiable) with a
    # clear TypeError
    def __floordiv__(self, other):
        return np.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return np.floor_divide(other, self)

    def __mod__(self, other):
        return np.remainder(self, other)

    def __rmod__(self, other):
        return np.remainder(other, self)

    def sum(self, axis=None, keepdims=False):
        """``np.sum``."""
        return np.sum(self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        """``np.mean``."""
        return np.mean(self, axis=axis, keepdims=keepdims)

    def max(self, axis=None, keepdims=False):
        """``np.max`` (the element is picked by its primal value)."""
        return np.max(self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, keepdims=False):
        """``np.min`` (the element is picked by its primal value)."""
        return np.min(self, axis=axis, keepdims=keepdims)

    def reshape(self, *shape):
        """``np.reshape``; ``x.reshape(2, 3)`` or ``x.reshape((2, 3))``."""
        return np.reshape(self, shape[0] if len(shape) == 1 else shape)

    def transpose(self, *axes):
        """``np.transpose``; ``x.transpose(1, 0)`` or ``x.transpose((1, 0))``."""
        return np.transpose(self, axes[0] if len(axes) == 1 else (axes or None))

    def ravel(self):
        """``np.ravel``."""
        return np.ravel(self)

    def flatten(self):
        """A flat version (``np.ravel``: these types never share memory with the caller)."""
        return np.ravel(self)

    def squeeze(self, axis=None):
        """``np.squeeze``."""
        return np.squeeze(self, axis=axis)

    def dot(self, other):
        """``np.dot`` of ``self`` and ``other``."""
        return np.dot(self, other)

    def clip(self, a_min=None, a_max=None):
        """``np.clip``."""
        return np.clip(self, a_min, a_max)
