"""The E-step and M-step of EM for Gaussian mixtures: the reference version the book shows,
and the fast blocked version used by :class:`~lecture_code.mixture.GaussianMixture.fit`.

Introduced in the chapter *The EM algorithm*. Both follow scikit-learn's conventions
(``precisions_cholesky_`` parametrisation, ``reg_covar`` added to the diagonal, ``10·eps`` added
to the soft counts) so that iterates agree with scikit-learn to rounding error.
"""
from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

from lecture_code.mixture.gaussian import precision_cholesky

__all__ = ["log_gaussian_prob", "e_step", "m_step", "fused_em_step", "BLOCK_ROWS"]

_LOG_2PI = float(np.log(2 * np.pi))
_EPS10 = 10 * np.finfo(np.float64).eps
BLOCK_ROWS = 2 ** 14


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
    n, d = X.shape
    K = means.shape[0]
    log_det = _log_det(prec_chol, covariance_type, d)
    if covariance_type in ("full", "tied"):
        out = np.empty((n, K))
        for k in range(K):
            U = prec_chol[k] if covariance_type == "full" else prec_chol
            y = X @ U - means[k] @ U
            out[:, k] = np.sum(y * y, axis=1)
    elif covariance_type == "diag":
        P = prec_chol ** 2
        out = (np.sum(means ** 2 * P, 1) - 2.0 * X @ (means * P).T + (X ** 2) @ P.T)
    else:
        P = prec_chol ** 2
        out = (np.sum(means ** 2, 1) * P - 2 * (X @ means.T) * P
               + np.outer(np.einsum("ij,ij->i", X, X), P))
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
    nk = resp.sum(axis=0) + _EPS10
    means = resp.T @ X / nk[:, None]
    n, d = X.shape
    if covariance_type == "full":
        cov = np.empty((len(nk), d, d))
        for k in range(len(nk)):
            diff = X - means[k]
            cov[k] = (resp[:, k] * diff.T) @ diff / nk[k]
            cov[k].flat[:: d + 1] += reg_covar
    elif covariance_type == "tied":
        cov = (X.T @ X - (nk * means.T) @ means) / nk.sum()
        cov.flat[:: d + 1] += reg_covar
    else:
        cov = resp.T @ (X * X) / nk[:, None] - means ** 2 + reg_covar
        if covariance_type == "spherical":
            cov = cov.mean(axis=1)
    return nk / nk.sum(), means, cov


def _quadratic_coefficients(weights, means, prec_chol, covariance_type, shift):
    """Coefficients W (p, K) with log(π_k N(x | μ_k, Σ_k)) = W[:, k] · features(x − shift).

    features(x) = [x_i x_j for i ≤ j] + [x_i] + [1]: expanding the quadratic form
    −½ (x − μ)ᵀ A (x − μ) with A = Σ⁻¹ makes the log-densities of all K components one matmul.
    """
    K, d = means.shape
    if covariance_type == "full":
        A = np.einsum("kij,klj->kil", prec_chol, prec_chol)
    elif covariance_type == "tied":
        A = np.broadcast_to(prec_chol @ prec_chol.T, (K, d, d))
    elif covariance_type == "diag":
        A = np.einsum("ki,ij->kij", prec_chol ** 2, np.eye(d))
    else:
        A = (prec_chol ** 2)[:, None, None] * np.eye(d)
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


def fused_em_step(X, weights, means, prec_chol, covariance_type, reg_covar, block=BLOCK_ROWS,
                  shift=None):
    """One EM iteration in a single pass over X in row blocks: (mean log-likelihood, w, μ, Σ).

    Introduced in the chapter *The EM algorithm* (the fast path of ``GaussianMixture.fit``). For
    each block of rows it builds the quadratic features f(x) = [x_i x_j, x_i, 1] (data shifted
    by ``shift``, default the mean of X, for accuracy), gets all K weighted log-densities with
    one matmul ``Wᵀ f``, normalises them with a hand-written logsumexp over the K rows, and
    accumulates the sufficient statistics N_k, Σ r x, Σ r x xᵀ with one more matmul ``f rᵀ``, so
    no N × K array is ever stored. Equal to ``e_step`` followed by ``m_step`` up to rounding.

    >>> import numpy as np
    >>> X = np.array([[0.], [2.]])
    >>> ll, w, mu, cov = fused_em_step(X, np.array([1.]), np.array([[1.]]), np.array([1.]),
    ...                                "spherical", 0.0)
    >>> round(ll, 6), w.tolist(), mu.round(12).tolist(), cov.round(12).tolist()
    (-1.418939, [1.0], [[1.0]], [1.0])
    """
    n, d = X.shape
    K = means.shape[0]
    ct = covariance_type
    shift = X.mean(axis=0) if shift is None else np.asarray(shift, dtype=float)
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
    nk = n_raw + _EPS10
    sx = S[q:-1].T                             # Σ r (x − shift), (K, d)
    means = (sx + n_raw[:, None] * shift) / nk[:, None]
    mu = means - shift
    i, j = np.triu_indices(d)
    Q = np.empty((K, d, d))                    # Σ r (x − shift)(x − shift)ᵀ
    Q[:, i, j] = S[:q].T
    Q[:, j, i] = S[:q].T
    # Σ r (x − μ)(x − μ)ᵀ, exactly 0 for a component without responsibility
    scatter = (Q - sx[:, :, None] * mu[:, None, :] - mu[:, :, None] * sx[:, None, :]
               + n_raw[:, None, None] * mu[:, :, None] * mu[:, None, :])
    if ct == "full":
        cov = scatter / nk[:, None, None]
        idx = np.arange(d)
        cov[:, idx, idx] += reg_covar
    elif ct == "tied":
        cov = scatter.sum(axis=0) / nk.sum()
        cov.flat[:: d + 1] += reg_covar
    else:
        cov = np.diagonal(scatter, axis1=1, axis2=2) / nk[:, None] + reg_covar
        if ct == "spherical":
            cov = cov.mean(axis=1)
    return total / n, nk / nk.sum(), means, cov


def blocked_predict(X, weights, means, prec_chol, covariance_type, block=BLOCK_ROWS):
    """Most responsible component of each row, computed block by block (no N × K array).

    Introduced in the chapter *The EM algorithm*; used at the end of ``GaussianMixture.fit``.

    >>> import numpy as np
    >>> blocked_predict(np.array([[0.], [3.]]), np.array([.5, .5]), np.array([[0.], [3.]]),
    ...                 np.array([1., 1.]), "spherical").tolist()
    [0, 1]
    """
    n, d = X.shape
    shift = X.mean(axis=0)
    WT = np.ascontiguousarray(_quadratic_coefficients(weights, means, prec_chol,
                                                      covariance_type, shift).T)
    F = np.empty((WT.shape[1], min(block, n)))
    labels = np.empty(n, dtype=np.intp)
    for start in range(0, n, block):
        Xb = X[start:start + block]
        f = _features(Xb, shift, F[:, :Xb.shape[0]])
        labels[start:start + block] = (WT @ f).argmax(axis=0)
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
