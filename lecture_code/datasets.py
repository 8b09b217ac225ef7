"""Datasets for the book: Old Faithful (shipped as package data) and seeded synthetic mixtures.

Introduced in the chapter *Mixtures and the generative story*.
"""
from __future__ import annotations

import csv
import io
from importlib import resources

import numpy as np

__all__ = ["load_faithful", "make_mixture"]

FAITHFUL_COLUMNS = ("eruptions", "waiting")


def load_faithful(return_names: bool = False):
    """Load the Old Faithful geyser data: 272 eruptions × (duration [min], waiting time [min]).

    Introduced in the chapter *Mixtures and the generative story*. The data are R's
    ``datasets::faithful``, whose source is W. Härdle (1991), *Smoothing Techniques with
    Implementation in S*; A. Azzalini and A. W. Bowman (1990), "A look at some data on the Old
    Faithful geyser", Applied Statistics 39, 357–365, analyse a more complete version.
    Provenance in ``lecture_code/data/README.md``. The file is package data read with
    :mod:`importlib.resources`, so no download is ever needed.

    Parameters
    ----------
    return_names : bool
        If True return ``(X, names)`` with the column names ``("eruptions", "waiting")``.

    Examples
    --------
    >>> X = load_faithful()
    >>> X.shape, X.dtype
    ((272, 2), dtype('float64'))
    >>> X, names = load_faithful(return_names=True)
    >>> names
    ('eruptions', 'waiting')
    >>> X[0].tolist()
    [3.6, 79.0]
    """
    text = resources.files("lecture_code").joinpath("data/faithful.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    names = tuple(rows[0])
    X = np.array([[float(v) for v in row] for row in rows[1:] if row], dtype=np.float64)
    return (X, names) if return_names else X


def make_mixture(n_samples, means, covariances, weights=None, random_state=None):
    """Draw ``n_samples`` points from a Gaussian mixture; return ``(X, labels)``.

    Introduced in the chapter *Mixtures and the generative story*.

    Parameters
    ----------
    n_samples : int
    means : array (K, D)
    covariances : array (K, D, D) of symmetric positive-definite matrices
    weights : array (K,), non-negative and summing to 1 (default: uniform)
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    X : (n_samples, D) float array, labels : (n_samples,) int array of the true components.

    Examples
    --------
    >>> X, y = make_mixture(500, [[0, 0], [5, 5]], [np.eye(2), np.eye(2)], random_state=0)
    >>> X.shape, y.shape, sorted(set(y.tolist()))
    ((500, 2), (500,), [0, 1])
    """
    means = np.asarray(means, dtype=float)
    covariances = np.asarray(covariances, dtype=float)
    if means.ndim != 2:
        raise ValueError(f"means must have shape (K, D); got shape {means.shape}.")
    K, D = means.shape
    if covariances.shape != (K, D, D):
        raise ValueError(f"covariances must have shape (K, D, D) = {(K, D, D)}; got {covariances.shape}.")
    if weights is None:
        weights = np.full(K, 1.0 / K)
    weights = np.asarray(weights, dtype=float)
    if weights.shape != (K,) or np.any(weights < 0) or not np.isclose(weights.sum(), 1.0):
        raise ValueError("weights must be K non-negative numbers summing to 1.")
    if int(n_samples) != n_samples or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer; got {n_samples!r}.")
    rng = np.random.default_rng(random_state)
    labels = rng.choice(K, size=int(n_samples), p=weights)
    X = np.empty((int(n_samples), D))
    for k in range(K):
        try:
            L = np.linalg.cholesky(covariances[k])
        except np.linalg.LinAlgError:
            raise ValueError(f"covariances[{k}] is not symmetric positive definite.") from None
        idx = labels == k
        X[idx] = means[k] + rng.standard_normal((int(idx.sum()), D)) @ L.T
    return X, labels
