"""Multivariate Gaussians: log-density through Cholesky factors, sampling, covariance forms, ellipses.

Introduced in the chapter *Multivariate Gaussians*. Covariances come in scikit-learn's four forms
for K components in D dimensions:

* ``"full"``: (K, D, D), one matrix per component;
* ``"tied"``: (D, D), one matrix shared by all components;
* ``"diag"``: (K, D), the diagonals;
* ``"spherical"``: (K,), one variance per component (Σ = σ² I).
"""
from __future__ import annotations

import numpy as np
from scipy.linalg import cholesky, solve_triangular

__all__ = [
    "COVARIANCE_TYPES", "log_density", "sample_gaussian", "to_full", "from_full",
    "precision_cholesky", "ellipse", "check_covariance_type",
]

COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")
_LOG_2PI = float(np.log(2 * np.pi))

ILL_DEFINED = (
    "Fitting the mixture model failed because some components have ill-defined empirical "
    "covariance (for instance caused by singleton or collapsed samples). Try to decrease the "
    "number of components, increase reg_covar, or scale the input data."
)


def check_covariance_type(covariance_type):
    """Raise a clear ValueError unless ``covariance_type`` is one of the four forms.

    Introduced in the chapter *Multivariate Gaussians*.

    >>> check_covariance_type("diag")
    'diag'
    """
    if covariance_type not in COVARIANCE_TYPES:
        raise ValueError(
            f"Unknown covariance_type {covariance_type!r}; use one of {COVARIANCE_TYPES}.")
    return covariance_type


def _real_array(a, name, finite=True):
    """``a`` as a float array; a ValueError naming ``name`` if it is complex, not numeric, or
    (with ``finite``) holds NaN or infinity."""
    arr = np.asarray(a)
    if arr.dtype.kind == "c":
        raise ValueError(f"{name} is complex; pass real numbers (e.g. {name}.real if the "
                         "imaginary parts are zero).")
    try:
        arr = arr.astype(float, copy=False)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an array of real numbers; got {a!r:.60}.") from None
    if finite and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinity; pass finite numbers only.")
    return arr


def _check_count(n, name, minimum=0):
    """An integer ≥ ``minimum`` (bools and floats such as 2.5 are refused), as int."""
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {n!r}.")
    return int(n)


def _symmetric(S):
    """Symmetric up to rounding, relative to the largest entry (eigen-decompositions leave
    off-diagonal zeros of order 1e-17 that are not exactly mirrored)."""
    return np.allclose(S, S.T, rtol=1e-10, atol=1e-12 * float(np.abs(S).max(initial=0.0)))


def _chol_lower(S, what="cov"):
    if not _symmetric(S):
        raise ValueError(f"{what} must be symmetric; got {S.tolist()!s:.80}. Use ({what} + "
                         f"{what}.T) / 2 if the asymmetry is rounding.")
    try:
        return cholesky(S, lower=True)
    except np.linalg.LinAlgError:
        raise ValueError(f"{what} is not symmetric positive definite (its Cholesky "
                         "factorisation failed); check its eigenvalues.") from None


def log_density(X, mean, cov):
    """Log-density of N(mean, cov) at each row of X, via the Cholesky factor L of cov.

    Introduced in the chapter *Multivariate Gaussians*. With Σ = L Lᵀ and z = L⁻¹(x − μ),
    log N(x | μ, Σ) = −½ (D log 2π + ‖z‖²) − Σᵢ log Lᵢᵢ; stable, never forms Σ⁻¹ or det Σ.
    ``cov`` may be a (D, D) matrix, a (D,) diagonal or a scalar variance.

    >>> import numpy as np
    >>> float(np.round(log_density(np.zeros((1, 2)), np.zeros(2), np.eye(2))[0], 6))
    -1.837877
    """
    X = _real_array(X, "X")
    if X.ndim > 2:
        raise ValueError(f"X must be one point (D,) or a matrix of rows (N, D); got shape "
                         f"{X.shape}. Reshape it with X.reshape(-1, D).")
    X = np.atleast_2d(X)
    mean = _real_array(mean, "mean")
    D = X.shape[1]
    if mean.shape != (D,):
        raise ValueError(f"mean must have shape ({D},) to match X; got {mean.shape}.")
    cov = _real_array(cov, "cov")
    if cov.ndim < 2 and cov.shape not in ((), (D,)):
        raise ValueError(f"cov must have shape ({D}, {D}), ({D},) or be a scalar; got "
                         f"{cov.shape}.")
    if cov.ndim < 2:
        cov = np.diag(np.broadcast_to(cov, (D,)))
    if cov.shape != (D, D):
        raise ValueError(f"cov must have shape ({D}, {D}); got {cov.shape}.")
    L = _chol_lower(cov)
    z = solve_triangular(L, (X - mean).T, lower=True)
    return -0.5 * (D * _LOG_2PI + np.sum(z * z, axis=0)) - np.sum(np.log(np.diag(L)))


def sample_gaussian(mean, cov, n_samples=1, random_state=None):
    """Draw ``n_samples`` rows from N(mean, cov) as mean + z Lᵀ with z standard normal.

    Introduced in the chapter *Multivariate Gaussians*.

    >>> sample_gaussian([0.0, 0.0], [[1.0, 0.5], [0.5, 1.0]], 3, random_state=0).shape
    (3, 2)
    """
    mean = _real_array(mean, "mean")
    if mean.ndim != 1:
        raise ValueError(f"mean must be one point of shape (D,); got shape {mean.shape}.")
    cov = _real_array(cov, "cov")
    D = mean.shape[0]
    if cov.ndim < 2 and cov.shape not in ((), (D,)):
        raise ValueError(f"cov must have shape ({D}, {D}), ({D},) or be a scalar; got "
                         f"{cov.shape}.")
    if cov.ndim < 2:
        cov = np.diag(np.broadcast_to(cov, (D,)))
    if cov.shape != (D, D):
        raise ValueError(f"cov must have shape ({D}, {D}) to match mean; got {cov.shape}.")
    n_samples = _check_count(n_samples, "n_samples")
    L = _chol_lower(cov)
    rng = np.random.default_rng(random_state)
    return mean + rng.standard_normal((n_samples, D)) @ L.T


def to_full(covariances, covariance_type, n_components=None, n_features=None):
    """Expand covariances of any form to a (K, D, D) stack of full matrices.

    Introduced in the chapter *Multivariate Gaussians*. ``n_features`` is needed for
    ``"spherical"``; ``n_components`` for ``"tied"`` (default 1).

    >>> to_full(np.array([1.0, 4.0]), "spherical", n_features=2)[1].tolist()
    [[4.0, 0.0], [0.0, 4.0]]
    """
    check_covariance_type(covariance_type)
    c = _real_array(covariances, "covariances", finite=False)
    ndim = {"full": 3, "tied": 2, "diag": 2, "spherical": 1}[covariance_type]
    if c.ndim != ndim or (ndim == 3 and c.shape[1] != c.shape[2]) or (
            covariance_type == "tied" and c.shape[0] != c.shape[1]):
        form = {"full": "(K, D, D)", "tied": "(D, D)", "diag": "(K, D)", "spherical": "(K,)"}
        raise ValueError(f"covariances for covariance_type={covariance_type!r} must have shape "
                         f"{form[covariance_type]}; got {c.shape}.")
    if covariance_type == "full":
        return c.copy()
    if covariance_type == "tied":
        K = 1 if n_components is None else _check_count(n_components, "n_components", 1)
        return np.repeat(c[None], K, axis=0)
    if covariance_type == "diag":
        return np.stack([np.diag(row) for row in c])
    if n_features is None:
        raise ValueError("to_full of spherical covariances needs n_features.")
    n_features = _check_count(n_features, "n_features", 1)
    return c[:, None, None] * np.eye(n_features)


def from_full(covariances, covariance_type):
    """Project a (K, D, D) stack of covariances onto a simpler form.

    Introduced in the chapter *Multivariate Gaussians*. ``"tied"`` averages the matrices,
    ``"diag"`` keeps the diagonals, ``"spherical"`` the mean of each diagonal.

    >>> C = np.array([[[1.0, 0.3], [0.3, 3.0]]])
    >>> from_full(C, "diag").tolist(), from_full(C, "spherical").tolist()
    ([[1.0, 3.0]], [2.0])
    """
    check_covariance_type(covariance_type)
    C = _real_array(covariances, "covariances", finite=False)
    if C.ndim != 3 or C.shape[1] != C.shape[2]:
        raise ValueError(f"Expected a (K, D, D) stack of covariances; got shape {C.shape}.")
    diag = np.diagonal(C, axis1=1, axis2=2)
    return {"full": lambda: C.copy(), "tied": lambda: C.mean(axis=0),
            "diag": lambda: diag.copy(), "spherical": lambda: diag.mean(axis=1)}[covariance_type]()


def precision_cholesky(covariances, covariance_type):
    """scikit-learn's ``precisions_cholesky_``: U with U Uᵀ = Σ⁻¹ (upper for full/tied), or 1/σ.

    Introduced in the chapter *Mixtures in practice with scikit-learn*. Raises a ValueError
    telling the user to increase ``reg_covar`` when a covariance is not positive definite.

    >>> precision_cholesky(np.array([4.0]), "spherical").tolist()
    [0.5]
    """
    check_covariance_type(covariance_type)
    c = _real_array(covariances, "covariances", finite=False)
    ndim = {"full": 3, "tied": 2, "diag": 2, "spherical": 1}[covariance_type]
    if c.ndim != ndim or (ndim >= 2 and covariance_type != "diag" and c.shape[-1] != c.shape[-2]):
        form = {"full": "(K, D, D)", "tied": "(D, D)", "diag": "(K, D)", "spherical": "(K,)"}
        raise ValueError(f"covariances for covariance_type={covariance_type!r} must have shape "
                         f"{form[covariance_type]}; got {c.shape}.")
    if not np.all(np.isfinite(c)):
        raise ValueError("covariances contain NaN or infinity; pass finite covariances.")
    if covariance_type in ("full", "tied"):
        stack = c if covariance_type == "full" else c[None]
        out = np.empty_like(stack)
        D = stack.shape[-1]
        for k, S in enumerate(stack):
            try:
                L = cholesky(S, lower=True)
            except np.linalg.LinAlgError:
                raise ValueError(ILL_DEFINED) from None
            out[k] = solve_triangular(L, np.eye(D), lower=True).T
        return out if covariance_type == "full" else out[0]
    if np.any(c <= 0.0) or not np.all(np.isfinite(c)):
        raise ValueError(ILL_DEFINED)
    return 1.0 / np.sqrt(c)


def ellipse(cov, n_std=1.0):
    """Geometry of the n-sigma contour of a 2-D Gaussian: (width, height, angle in degrees).

    Introduced in the chapter *Multivariate Gaussians*. Width and height are the full axis
    lengths 2·n_std·√λ from the eigen-decomposition of ``cov`` (width along the largest
    eigenvalue); the angle is that axis' direction from the x-axis (matplotlib's Ellipse).

    >>> w, h, a = ellipse([[4.0, 0.0], [0.0, 1.0]], n_std=1)
    >>> (round(w, 6), round(h, 6), round(a % 180, 6))
    (4.0, 2.0, 0.0)
    """
    cov = _real_array(cov, "cov")
    if cov.shape != (2, 2):
        raise ValueError(f"ellipse needs a (2, 2) covariance; got shape {cov.shape}.")
    if not _symmetric(cov):
        raise ValueError(f"cov must be symmetric; got {cov.tolist()}.")
    if not (isinstance(n_std, (int, float, np.integer, np.floating)) and np.isfinite(n_std)
            and n_std > 0):
        raise ValueError(f"n_std must be a positive finite number; got {n_std!r}.")
    vals, vecs = np.linalg.eigh(cov)
    if vals[0] < 0:
        raise ValueError("cov must be positive semi-definite (it has a negative eigenvalue).")
    width, height = 2 * n_std * np.sqrt(vals[::-1])
    angle = float(np.degrees(np.arctan2(vecs[1, 1], vecs[0, 1])))
    return float(width), float(height), angle
