"""Input validation for the mixture estimators and functions, built on scikit-learn's.

Introduced in the chapter *Mixtures in practice with scikit-learn*. The checks themselves are
scikit-learn's (:func:`sklearn.utils.check_array`, :func:`sklearn.utils.validation.validate_data`);
this module only makes every message name the argument it is about, so that ``X: Found array
with 0 feature(s) …`` or ``Input means_init contains NaN.`` tells the reader what to fix. It
imports nothing from :mod:`lecture_code.mixture`, so ``em`` and ``kmeans`` can both use it.
"""
from __future__ import annotations

import re

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array
from sklearn.utils.validation import validate_data

__all__ = ["check_data", "check_X", "check_param_array"]


def _reject_complex(value, name):
    if sp.issparse(value):
        return   # refused by check_array with its own message naming the argument
    try:
        is_complex = np.iscomplexobj(value)
    except Exception:   # noqa: BLE001 -- anything numpy cannot read is left to check_array
        return
    if is_complex:
        raise ValueError(f"{name} is complex; the mixture code needs real numbers (Complex data "
                         f"not supported). Pass {name}.real, np.abs({name}), or the real and "
                         "imaginary parts as separate columns.")


def _named(err, name):
    """Re-raise scikit-learn's ValueError/TypeError with ``name`` in front if it is not named."""
    msg = str(err)
    if type(err) not in (ValueError, TypeError) or re.search(rf"(?<!\w){re.escape(name)}(?!\w)", msg):
        return err
    return type(err)(f"{name}: {msg}")


def check_data(X, min_samples=1, name="X"):
    """Validate a data matrix with scikit-learn's ``check_array``: 2-D, finite, real floats.

    Introduced in the chapter *Mixtures in practice with scikit-learn*. Dense arrays only
    (sparse input, complex numbers, NaN/inf, 1-D or 3-D arrays and arrays without rows or
    columns are refused with a message that names ``name``); returns a float64 array.

    >>> check_data([[1, 2], [3, 4]]).dtype
    dtype('float64')
    >>> check_data([1.0, 2.0])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: X: Expected 2D array, got 1D array instead:...
    """
    _reject_complex(X, name)
    try:
        return check_array(X, accept_sparse=False, dtype=np.float64, ensure_min_samples=min_samples,
                           input_name=name)
    except (ValueError, TypeError) as err:
        raise _named(err, name) from None


def check_X(estimator, X, *, reset, min_samples=1):
    """``validate_data(estimator, X, …)`` for the mixture estimators, with ``X`` named.

    Introduced in the chapter *Mixtures in practice with scikit-learn*. With ``reset=True``
    (in ``fit``) it records ``n_features_in_``; with ``reset=False`` (in ``predict`` …) it
    checks that ``X`` has that many features. Returns a float64 array.

    >>> from sklearn.base import BaseEstimator
    >>> est = BaseEstimator()
    >>> check_X(est, [[1.0, 2.0], [3.0, 4.0]], reset=True).shape, est.n_features_in_
    ((2, 2), 2)
    >>> check_X(est, [[1.0]], reset=False)
    Traceback (most recent call last):
    ...
    ValueError: X has 1 features, but BaseEstimator is expecting 2 features as input.
    """
    _reject_complex(X, "X")
    try:
        return validate_data(estimator, X, reset=reset, accept_sparse=False, dtype=np.float64,
                             ensure_min_samples=min_samples)
    except (ValueError, TypeError) as err:
        raise _named(err, "X") from None


def check_param_array(value, name):
    """Validate an array-valued parameter (``means_init``, ``init`` …): finite real floats.

    Introduced in the chapter *Mixtures in practice with scikit-learn*. Any shape is accepted
    (the caller checks it); NaN, inf, complex or non-numeric entries are refused with a
    message naming ``name``.

    >>> check_param_array([0.5, 0.5], "weights_init").tolist()
    [0.5, 0.5]
    >>> check_param_array([[0.0, np.nan]], "means_init")
    Traceback (most recent call last):
    ...
    ValueError: Input means_init contains NaN.
    """
    _reject_complex(value, name)
    try:
        return check_array(value, accept_sparse=False, dtype=np.float64, ensure_2d=False,
                           allow_nd=True, ensure_min_samples=0, ensure_min_features=0,
                           input_name=name, copy=True)
    except (ValueError, TypeError) as err:
        raise _named(err, name) from None
