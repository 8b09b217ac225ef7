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


def _block_log_prob(Xb, X2b, means, prec_chol, P_terms, covariance_type, out):
    """Weighted log-probabilities of one block into ``out`` (B, K), without the constants."""
    if covariance_type in ("full", "tied"):
        for k in range(means.shape[0]):
            U = prec_chol[k] if covariance_type == "full" else prec_chol
            y = Xb @ U
            y -= P_terms[k]
            y *= y
            np.sum(y, axis=1, out=out[:, k])
    elif covariance_type == "diag":
        P, MP, c = P_terms
        np.matmul(X2b, P.T, out=out)
        out -= 2.0 * (Xb @ MP.T)
        out += c
    else:
        P, M, c = P_terms
        np.matmul(Xb, M.T, out=out)
        out *= -2.0
        out += X2b[:, None]
        out *= P
        out += c
    return out


def fused_em_step(X, weights, means, prec_chol, covariance_type, reg_covar, block=BLOCK_ROWS,
                  X2=None):
    """One EM iteration in a single pass over X in row blocks: (mean log-likelihood, w, μ, Σ).

    Introduced in the chapter *EM at scale* (the fast path of ``GaussianMixture.fit``). Per block
    of rows it computes the log-densities with one matmul per component, a hand-written logsumexp
    over the K columns, and accumulates the sufficient statistics N_k, Σ r x, Σ r x xᵀ, so that no
    N × K array is ever stored. Equal to ``e_step`` followed by ``m_step`` up to rounding.

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
    full_like = ct in ("full", "tied")
    const = _log_det(prec_chol, ct, d) - 0.5 * d * _LOG_2PI + np.log(weights)
    if full_like:
        terms = [means[k] @ (prec_chol[k] if ct == "full" else prec_chol) for k in range(K)]
    elif ct == "diag":
        P = prec_chol ** 2
        terms = (P, means * P, np.sum(means ** 2 * P, 1))
    else:
        P = prec_chol ** 2
        terms = (P, means, np.sum(means ** 2, 1) * P)
    if X2 is None and not full_like:
        X2 = X * X if ct == "diag" else np.einsum("ij,ij->i", X, X)
    nk = np.zeros(K)
    sx = np.zeros((K, d))
    sxx = np.zeros((K, d, d)) if ct == "full" else (np.zeros((d, d)) if ct == "tied" else np.zeros((K, d)))
    total = 0.0
    buf = np.empty((min(block, n), K))
    mx = np.empty(min(block, n))
    for start in range(0, n, block):
        Xb = X[start:start + block]
        b = Xb.shape[0]
        lp = buf[:b]
        _block_log_prob(Xb, None if full_like else X2[start:start + block], means, prec_chol,
                        terms, ct, lp)
        lp *= -0.5
        lp += const
        m = np.max(lp, axis=1, out=mx[:b])
        lp -= m[:, None]
        np.exp(lp, out=lp)
        s = lp.sum(axis=1)
        lp /= s[:, None]                      # responsibilities of this block
        total += float(np.log(s).sum() + m.sum())
        nk += lp.sum(axis=0)
        sx += lp.T @ Xb
        if ct == "full":
            for k in range(K):
                sxx[k] += (Xb.T * lp[:, k]) @ Xb
        elif ct == "tied":
            sxx += Xb.T @ Xb
        else:
            sxx += lp.T @ X2[start:start + block] if ct == "diag" else lp.T @ (Xb * Xb)
    nk += _EPS10
    new_means = sx / nk[:, None]
    if ct == "full":
        cov = sxx / nk[:, None, None] - new_means[:, :, None] * new_means[:, None, :]
        idx = np.arange(d)
        cov[:, idx, idx] += reg_covar
    elif ct == "tied":
        cov = (sxx - (nk * new_means.T) @ new_means) / nk.sum()
        cov.flat[:: d + 1] += reg_covar
    else:
        cov = sxx / nk[:, None] - new_means ** 2 + reg_covar
        if ct == "spherical":
            cov = cov.mean(axis=1)
    return total / n, nk / nk.sum(), new_means, cov


def precisions_from_cholesky(prec_chol, covariance_type):
    """Precision matrices from their Cholesky factors (U Uᵀ), or 1/σ² for diag/spherical.

    Introduced in the chapter *Gaussian mixtures in scikit-learn*.

    >>> precisions_from_cholesky(np.array([0.5]), "spherical").tolist()
    [0.25]
    """
    if covariance_type == "full":
        return np.einsum("kij,klj->kil", prec_chol, prec_chol)
    if covariance_type == "tied":
        return prec_chol @ prec_chol.T
    return prec_chol ** 2


__all__ += ["precisions_from_cholesky", "precision_cholesky"]
