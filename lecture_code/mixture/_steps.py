"""The E-step and M-step of EM for Gaussian mixtures: the reference version the book shows,
and the fast blocked version used by :class:`~lecture_code.mixture.GaussianMixture.fit`.

Introduced in the chapter *The EM algorithm*. Both follow scikit-learn's conventions
(``precisions_cholesky_`` parametrisation, ``reg_covar`` added to the diagonal, ``10·eps`` added
to the soft counts) so that iterates agree with scikit-learn to rounding error.
"""
from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

from lecture_code.mixture.gaussian import _real_array, check_covariance_type, precision_cholesky

__all__ = ["log_gaussian_prob", "e_step", "m_step", "fused_em_step", "BLOCK_ROWS"]

_LOG_2PI = float(np.log(2 * np.pi))
_EPS10 = 10 * np.finfo(np.float64).eps
BLOCK_ROWS = 2 ** 14


def _check_X(X):
    X = _real_array(X, "X")
    if X.ndim != 2:
        raise ValueError(f"X must have shape (N, D); got {X.shape}. Use X.reshape(-1, 1) for "
                         "1-D data.")
    return X


def _check_params(X, means, prec_chol, covariance_type, weights=None):
    """Validated (means, prec_chol, weights) for data X (N, D); errors name the argument."""
    check_covariance_type(covariance_type)
    d = X.shape[1]
    means = _real_array(means, "means")
    if means.ndim != 2 or means.shape[1] != d or means.shape[0] < 1:
        raise ValueError(f"means must have shape (K, D) with D = {d}; got {means.shape}.")
    K = means.shape[0]
    prec_chol = _real_array(prec_chol, "prec_chol")
    shape = {"full": (K, d, d), "tied": (d, d), "diag": (K, d), "spherical": (K,)}[covariance_type]
    if prec_chol.shape != shape:
        raise ValueError(f"prec_chol for covariance_type={covariance_type!r} must have shape "
                         f"{shape}; got {prec_chol.shape}.")
    if covariance_type in ("full", "tied"):
        U = prec_chol.reshape(-1, d, d)
        if not (np.all(np.triu(U, 1) == 0) or np.all(np.tril(U, -1) == 0)):
            raise ValueError("prec_chol must be triangular Cholesky factors of the precisions "
                             "(use precision_cholesky(covariances, covariance_type)).")
        diag = np.diagonal(U, axis1=1, axis2=2)
    else:
        diag = prec_chol
    if np.any(diag <= 0):
        raise ValueError("prec_chol must have a positive diagonal (entries for diag/spherical); "
                         "use precision_cholesky(covariances, covariance_type).")
    if weights is not None:
        weights = _real_array(weights, "weights")
        if weights.shape != (K,) or np.any(weights < 0) or not np.isclose(weights.sum(), 1.0):
            raise ValueError(f"weights must be {K} non-negative numbers that sum to 1; got "
                             f"{weights}.")
    return means, prec_chol, weights


def _log_det(prec_chol, covariance_type, n_features):
    if covariance_type == "full":
        return np.log(np.diagonal(prec_chol, axis1=1, axis2=2)).sum(axis=1)
    if covariance_type == "tied":
        return np.log(np.diag(prec_chol)).sum()
    if covariance_type == "diag":
        return np.log(prec_chol).sum(axis=1)
    return n_features * np.log(prec_chol)


def log_gaussian_prob(X, means, prec_chol, covariance_type):
    """log N(xₙ | μₖ, Σₖ) for every row n and component k, shape (N, K).

    Introduced in the chapter *The EM algorithm*. Uses the precision Cholesky factor U
    (U Uᵀ = Σ⁻¹): log N = −½(D log 2π + ‖(x − μ)U‖²) + log det U.

    >>> import numpy as np
    >>> lp = log_gaussian_prob(np.zeros((1, 2)), np.zeros((1, 2)), np.array([1.0]), "spherical")
    >>> float(np.round(lp[0, 0], 6))
    -1.837877
    """
    X = _check_X(X)
    means, prec_chol, _ = _check_params(X, means, prec_chol, covariance_type)
    n, d = X.shape
    K = means.shape[0]
    log_det = _log_det(prec_chol, covariance_type, d)
    out = np.empty((n, K))
    for k in range(K):
        diff = X - means[k]        # centre first: exact for data far from the origin
        if covariance_type in ("full", "tied"):
            y = diff @ (prec_chol[k] if covariance_type == "full" else prec_chol)
        else:
            y = diff * prec_chol[k]
        out[:, k] = np.einsum("ij,ij->i", y, y)
    return -0.5 * (d * _LOG_2PI + out) + log_det


def e_step(X, weights, means, prec_chol, covariance_type):
    """E-step: (mean log-likelihood, log-responsibilities (N, K)).

    Introduced in the chapter *The EM algorithm*: r_nk ∝ π_k N(x_n | μ_k, Σ_k).

    >>> import numpy as np
    >>> ll, log_resp = e_step(np.zeros((3, 1)), np.array([.5, .5]), np.array([[-1.], [1.]]),
    ...                       np.array([1., 1.]), "spherical")
    >>> np.exp(log_resp[0]).round(12).tolist()
    [0.5, 0.5]
    """
    X = _check_X(X)
    means, prec_chol, weights = _check_params(X, means, prec_chol, covariance_type, weights)
    with np.errstate(divide="ignore"):   # a weight of 0 gives log π = −inf, as scikit-learn
        wlp = log_gaussian_prob(X, means, prec_chol, covariance_type) + np.log(weights)
    norm = logsumexp(wlp, axis=1)
    return float(np.mean(norm)), wlp - norm[:, None]


def m_step(X, resp, reg_covar, covariance_type):
    """M-step: (weights, means, covariances) from responsibilities ``resp`` (N, K).

    Introduced in the chapter *The EM algorithm*: N_k = Σ_n r_nk, μ_k = Σ_n r_nk x_n / N_k,
    Σ_k = Σ_n r_nk (x_n − μ_k)(x_n − μ_k)ᵀ / N_k + reg_covar·I (in the requested form).

    >>> import numpy as np
    >>> w, mu, cov = m_step(np.array([[0.], [2.]]), np.ones((2, 1)), 0.0, "spherical")
    >>> w.tolist(), mu.round(12).tolist(), cov.round(12).tolist()
    ([1.0], [[1.0]], [1.0])
    """
    check_covariance_type(covariance_type)
    X = _check_X(X)
    resp = _real_array(resp, "resp")
    if resp.ndim != 2 or resp.shape[0] != X.shape[0] or resp.shape[1] < 1:
        raise ValueError(f"resp must have shape (N, K) with N = {X.shape[0]} rows of X; got "
                         f"{resp.shape}.")
    if np.any(resp < 0):
        raise ValueError("resp must be non-negative (responsibilities, e.g. np.exp(log_resp)).")
    if not (isinstance(reg_covar, (int, float, np.integer, np.floating))
            and np.isfinite(reg_covar) and reg_covar >= 0):
        raise ValueError(f"reg_covar must be a finite number >= 0; got {reg_covar!r}.")
    nk = resp.sum(axis=0) + _EPS10
    means = resp.T @ X / nk[:, None]
    n, d = X.shape
    K = len(nk)
    # scatter about each component's own mean (never E[xxᵀ] − μμᵀ, which cancels far from 0)
    scatter = np.empty((K, d, d)) if covariance_type in ("full", "tied") else np.empty((K, d))
    for k in range(K):
        diff = X - means[k]
        if covariance_type in ("full", "tied"):
            scatter[k] = (resp[:, k] * diff.T) @ diff
        else:
            scatter[k] = resp[:, k] @ (diff * diff)
    if covariance_type == "full":
        cov = scatter / nk[:, None, None]
        cov[:, np.arange(d), np.arange(d)] += reg_covar
    elif covariance_type == "tied":
        cov = scatter.sum(axis=0) / nk.sum()
        cov.flat[:: d + 1] += reg_covar
    else:
        cov = scatter / nk[:, None] + reg_covar
        if covariance_type == "spherical":
            cov = cov.mean(axis=1)
    return nk / nk.sum(), means, cov


def _precision_matrices(prec_chol, covariance_type, K, d):
    """The K precision matrices A = Σ⁻¹ as a (K, D, D) array (a broadcast view for tied)."""
    if covariance_type == "full":
        return np.einsum("kij,klj->kil", prec_chol, prec_chol)
    if covariance_type == "tied":
        return np.broadcast_to(prec_chol @ prec_chol.T, (K, d, d))
    if covariance_type == "diag":
        return np.einsum("ki,ij->kij", prec_chol ** 2, np.eye(d))
    return (prec_chol ** 2)[:, None, None] * np.eye(d)


def _quadratic_coefficients(weights, means, prec_chol, covariance_type, shift):
    """Coefficients W (p, K) with log(π_k N(x | μ_k, Σ_k)) = W[:, k] · features(x − shift).

    features(x) = [x_i x_j for i ≤ j] + [x_i] + [1]: expanding the quadratic form
    −½ (x − μ)ᵀ A (x − μ) with A = Σ⁻¹ makes the log-densities of all K components one matmul.
    """
    K, d = means.shape
    A = _precision_matrices(prec_chol, covariance_type, K, d)
    mu = means - shift
    i, j = np.triu_indices(d)
    W = np.empty((len(i) + d + 1, K))
    W[: len(i)] = np.where(i == j, -0.5, -1.0)[:, None] * A[:, i, j].T
    Amu = np.einsum("kij,kj->ki", A, mu)
    W[len(i): -1] = Amu.T
    W[-1] = (-0.5 * np.einsum("ki,ki->k", mu, Amu) + _log_det(prec_chol, covariance_type, d)
             - 0.5 * d * _LOG_2PI + np.log(weights))
    return W


def _features(Xb, shift, out):
    """Rows of ``out`` (p, B) := [x_i x_j (i ≤ j); x_i; 1] of the shifted block, no temporaries."""
    b, d = Xb.shape
    lin = out[-1 - d: -1]
    np.subtract(Xb.T, shift[:, None], out=lin)
    row = 0
    for i in range(d):
        np.multiply(lin[i:], lin[i], out=out[row: row + d - i])
        row += d - i
    out[-1] = 1.0
    return out


# The expanded quadratic of the fast path loses about eps·vᵀ|A|v in each log-density (v: how far
# the data and the means lie from the shift, A = Σ⁻¹), and the scatter accumulated about the
# shift loses eps·‖v‖²/λ_min(Σ) relative to Σ. Above this the exact path is used instead:
# tight clusters far apart (1e5 apart with σ = 1e-3 gives ~1; everyday data ~1e-13).
_EXPANSION_ERROR = 1e-10
_EPS = np.finfo(np.float64).eps
_DIRECT_BLOCK_ELEMENTS = 2 ** 18


def _span(X, shift):
    """Largest |x_i − shift_i| over the rows of X, per feature (D,)."""
    return np.maximum(X.max(axis=0) - shift, shift - X.min(axis=0))


def _expansion_is_accurate(means, prec_chol, covariance_type, shift, span):
    K, d = means.shape
    v = span + np.abs(means - shift)
    A = np.abs(_precision_matrices(prec_chol, covariance_type, K, d))
    return bool(np.all(_EPS * np.einsum("ki,kij,kj->k", v, A, v) <= _EXPANSION_ERROR))


def _scatter_is_accurate(means, cov, covariance_type, shift, span):
    v2 = np.sum((span + np.abs(means - shift)) ** 2, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        if covariance_type in ("full", "tied"):
            lam = np.linalg.eigvalsh(cov)
            lam = lam[..., 0]
        else:
            lam = cov if covariance_type == "spherical" else cov.min(axis=1)
        err = _EPS * v2 / lam
    return bool(np.all((lam > 0) & (err <= _EXPANSION_ERROR)))


def _direct_log_prob(Xb, means, prec_chol, covariance_type, const, Y, Z, R):
    """Weighted log-densities (K, b) of a block from the centred columns Y[k] = (x − μ_k)ᵀ.

    Fills Y (K, D, b) with x − μ_k (one column per row of the block, so every operation runs
    along b) and R (K, b) with log π_k N(x | μ_k, Σ_k); Z (K, D, b) is scratch.
    """
    XT = Xb.T
    for k in range(len(means)):
        np.subtract(XT, means[k][:, None], out=Y[k])
    if covariance_type == "full":
        np.matmul(prec_chol.transpose(0, 2, 1), Y, out=Z)      # Uᵀ (x − μ)
    elif covariance_type == "tied":
        for k in range(len(means)):     # a broadcast matmul would bypass BLAS
            np.matmul(prec_chol.T, Y[k], out=Z[k])
    elif covariance_type == "diag":
        np.multiply(Y, prec_chol[:, :, None], out=Z)
    else:
        np.multiply(Y, prec_chol[:, None, None], out=Z)
    np.einsum("kdb,kdb->kb", Z, Z, out=R)
    R *= -0.5
    R += const[:, None]
    return R


def _direct_buffers(n, K, d, block):
    B = max(1, min(block, n, _DIRECT_BLOCK_ELEMENTS // (K * d)))
    return B, np.empty((K, d, B)), np.empty((K, d, B)), np.empty((K, B))


def _fast_pass(X, weights, means, prec_chol, ct, block, shift):
    """Single pass with expanded quadratic features about ``shift``: (Σ log p, N_k, Σ r y, Q)."""
    n, d = X.shape
    K = means.shape[0]
    W = _quadratic_coefficients(weights, means, prec_chol, ct, shift)
    WT = np.ascontiguousarray(W.T)
    p = W.shape[0]
    q = p - d - 1
    B = min(block, n)
    F = np.empty((p, B))
    R = np.empty((K, B))
    S = np.zeros((p, K))
    total = 0.0
    for start in range(0, n, block):
        Xb = X[start:start + block]
        b = Xb.shape[0]
        f = _features(Xb, shift, F[:, :b])
        r = np.matmul(WT, f, out=R[:, :b])     # weighted log-densities, (K, b)
        m = r.max(axis=0)                      # logsumexp over the K rows, by hand
        r -= m
        np.exp(r, out=r)
        s = r.sum(axis=0)
        total += float(np.log(s).sum() + m.sum())
        r /= s                                 # responsibilities of this block
        S += f @ r.T                           # sufficient statistics, (p, K)
    n_raw = S[-1]
    sx = S[q:-1].T                             # Σ r (x − shift), (K, d)
    i, j = np.triu_indices(d)
    Q = np.empty((K, d, d))                    # Σ r (x − shift)(x − shift)ᵀ
    Q[:, i, j] = S[:q].T
    Q[:, j, i] = S[:q].T
    return total, n_raw, sx, Q


def _direct_pass(X, weights, means, prec_chol, ct, block):
    """Single pass with x − μ_k formed per component (exact): (Σ log p, N_k, Σ r (x − μ_k), Q_k).

    Q_k is Σ r (x − μ_k)(x − μ_k)ᵀ for full/tied and its diagonal (K, D) for diag/spherical.
    """
    n, d = X.shape
    K = means.shape[0]
    B, Y, Z, R = _direct_buffers(n, K, d, block)
    const = _log_det(prec_chol, ct, d) - 0.5 * d * _LOG_2PI + np.log(weights)
    n_raw = np.zeros(K)
    sx = np.zeros((K, 1, d))
    full_scatter = ct in ("full", "tied")
    Q = np.zeros((K, d, d)) if full_scatter else np.zeros((K, 1, d))
    total = 0.0
    for start in range(0, n, B):
        Xb = X[start:start + B]
        b = Xb.shape[0]
        y, z = Y[:, :, :b], Z[:, :, :b]
        r = _direct_log_prob(Xb, means, prec_chol, ct, const, y, z, R[:, :b])
        m = r.max(axis=0)
        r -= m
        np.exp(r, out=r)
        s = r.sum(axis=0)
        total += float(np.log(s).sum() + m.sum())
        r /= s
        n_raw += r.sum(axis=1)
        sx += np.matmul(r[:, None, :], y.transpose(0, 2, 1))
        np.multiply(y, r[:, None, :], out=z)            # r (x − μ)
        if full_scatter:
            Q += np.matmul(z, y.transpose(0, 2, 1))
        else:
            Q += np.einsum("kdb,kdb->kd", z, y)[:, None, :]
    return total, n_raw, sx[:, 0, :], (Q if full_scatter else Q[:, 0, :])


def fused_em_step(X, weights, means, prec_chol, covariance_type, reg_covar, block=BLOCK_ROWS,
                  shift=None, span=None, exact=None, validate=True):
    """One EM iteration in a single pass over X in row blocks: (mean log-likelihood, w, μ, Σ).

    Introduced in the chapter *The EM algorithm* (the fast path of ``GaussianMixture.fit``). For
    each block of rows it builds the quadratic features f(x) = [x_i x_j, x_i, 1] (data shifted
    by ``shift``, default the mean of X), gets all K weighted log-densities with
    one matmul ``Wᵀ f``, normalises them with a hand-written logsumexp over the K rows, and
    accumulates the sufficient statistics N_k, Σ r x, Σ r x xᵀ with one more matmul ``f rᵀ``, so
    no N × K array is ever stored. Equal to ``e_step`` followed by ``m_step`` up to rounding.

    Expanding the quadratic cancels when tight clusters lie far from the shift (relative to
    their width). The step estimates that rounding error from ``span`` (the largest
    ``|x − shift|`` per feature, computed if not given) before and after the pass; when it
    could exceed 1e-10 it uses the exact path instead: x − μ_k formed for each component in the block
    and the scatter accumulated about each current mean (1.2–2× the time). ``exact=True`` or
    ``False`` forces one path. ``validate=False`` skips the argument checks (``fit``'s inner
    loop, whose arguments are checked once).

    >>> import numpy as np
    >>> X = np.array([[0.], [2.]])
    >>> ll, w, mu, cov = fused_em_step(X, np.array([1.]), np.array([[1.]]), np.array([1.]),
    ...                                "spherical", 0.0)
    >>> round(ll, 6), w.tolist(), mu.round(12).tolist(), cov.round(12).tolist()
    (-1.418939, [1.0], [[1.0]], [1.0])
    """
    if validate:
        X = _check_X(X)
        means, prec_chol, weights = _check_params(X, means, prec_chol, covariance_type, weights)
    n, d = X.shape
    ct = covariance_type
    shift = X.mean(axis=0) if shift is None else np.asarray(shift, dtype=float)
    if exact is None:
        span = _span(X, shift) if span is None else span
        exact = not _expansion_is_accurate(means, prec_chol, ct, shift, span)
    if not exact:
        total, n_raw, sx, Q = _fast_pass(X, weights, means, prec_chol, ct, block, shift)
        origin = np.broadcast_to(shift, means.shape)
        out = _finish(total, n_raw, sx, Q, origin, ct, reg_covar, n)
        if span is None or _scatter_is_accurate(out[2], out[3], ct, shift, span):
            return out
    total, n_raw, sx, Q = _direct_pass(X, weights, means, prec_chol, ct, block)
    return _finish(total, n_raw, sx, Q, means, ct, reg_covar, n)


def _finish(total, n_raw, sx, Q, origin, ct, reg_covar, n):
    """(mean log-likelihood, w, μ, Σ) from statistics about per-component origins (K, D).

    ``sx`` = Σ r (x − o_k), ``Q`` = Σ r (x − o_k)(x − o_k)ᵀ (or its diagonal for diag/spherical).
    """
    K, d = origin.shape
    nk = n_raw + _EPS10
    means = (sx + n_raw[:, None] * origin) / nk[:, None]
    mu = means - origin
    # Σ r (x − μ)(x − μ)ᵀ, exactly 0 for a component without responsibility
    if Q.ndim == 3:
        scatter = (Q - sx[:, :, None] * mu[:, None, :] - mu[:, :, None] * sx[:, None, :]
                   + n_raw[:, None, None] * mu[:, :, None] * mu[:, None, :])
    else:
        scatter = Q - 2.0 * sx * mu + n_raw[:, None] * mu * mu
    if ct == "full":
        cov = scatter / nk[:, None, None]
        idx = np.arange(d)
        cov[:, idx, idx] += reg_covar
    elif ct == "tied":
        cov = scatter.sum(axis=0) / nk.sum()
        cov.flat[:: d + 1] += reg_covar
    else:
        if scatter.ndim == 3:
            scatter = np.diagonal(scatter, axis1=1, axis2=2)
        cov = scatter / nk[:, None] + reg_covar
        if ct == "spherical":
            cov = cov.mean(axis=1)
    return total / n, nk / nk.sum(), means, cov


def blocked_predict(X, weights, means, prec_chol, covariance_type, block=BLOCK_ROWS):
    """Most responsible component of each row, computed block by block (no N × K array).

    Introduced in the chapter *The EM algorithm*; used at the end of ``GaussianMixture.fit``.
    Uses the expanded quadratic features when their rounding error is below 1e-10 (as
    :func:`fused_em_step`), else forms x − μ_k per component (exact far from the origin).

    >>> import numpy as np
    >>> blocked_predict(np.array([[0.], [3.]]), np.array([.5, .5]), np.array([[0.], [3.]]),
    ...                 np.array([1., 1.]), "spherical").tolist()
    [0, 1]
    """
    n, d = X.shape
    K = means.shape[0]
    labels = np.empty(n, dtype=np.intp)
    shift = X.mean(axis=0)
    if _expansion_is_accurate(means, prec_chol, covariance_type, shift, _span(X, shift)):
        WT = np.ascontiguousarray(_quadratic_coefficients(weights, means, prec_chol,
                                                          covariance_type, shift).T)
        F = np.empty((WT.shape[1], min(block, n)))
        for start in range(0, n, block):
            Xb = X[start:start + block]
            f = _features(Xb, shift, F[:, :Xb.shape[0]])
            labels[start:start + block] = (WT @ f).argmax(axis=0)
        return labels
    B, Y, Z, R = _direct_buffers(n, K, d, block)
    const = _log_det(prec_chol, covariance_type, d) - 0.5 * d * _LOG_2PI + np.log(weights)
    for start in range(0, n, B):
        Xb = X[start:start + B]
        b = Xb.shape[0]
        r = _direct_log_prob(Xb, means, prec_chol, covariance_type, const, Y[:, :, :b],
                             Z[:, :, :b], R[:, :b])
        labels[start:start + B] = r.argmax(axis=0)
    return labels


def precisions_from_cholesky(prec_chol, covariance_type):
    """Precision matrices from their Cholesky factors (U Uᵀ), or 1/σ² for diag/spherical.

    Introduced in the chapter *Mixtures in practice with scikit-learn*.

    >>> precisions_from_cholesky(np.array([0.5]), "spherical").tolist()
    [0.25]
    """
    if covariance_type == "full":
        return np.einsum("kij,klj->kil", prec_chol, prec_chol)
    if covariance_type == "tied":
        return prec_chol @ prec_chol.T
    return prec_chol ** 2


__all__ += ["precisions_from_cholesky", "precision_cholesky", "blocked_predict"]
