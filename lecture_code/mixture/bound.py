"""The lower bound of EM (Jensen's inequality) for a Gaussian mixture.

Introduced in the chapter *The EM algorithm*. For any responsibilities q (rows that are
probability distributions over the K components),

    ℓ(θ) = Σₙ log Σₖ πₖ N(xₙ | μₖ, Σₖ)
         ≥ Σₙ Σₖ qₙₖ [log πₖ + log N(xₙ | μₖ, Σₖ) − log qₙₖ] = 𝓛(q, θ),

with equality when q are the posterior responsibilities of θ. The E-step makes the bound
touch ℓ; the M-step maximises the bound over θ; so ℓ can never go down.
"""
from __future__ import annotations

import numpy as np
from scipy.special import xlogy

from lecture_code.mixture._steps import log_gaussian_prob
from lecture_code.mixture.gaussian import check_covariance_type, precision_cholesky

__all__ = ["lower_bound"]


def lower_bound(X, resp, weights, means, covariances, covariance_type="full") -> float:
    """The EM lower bound 𝓛(q, θ) = Σₙₖ qₙₖ (log πₖ + log N(xₙ | μₖ, Σₖ) − log qₙₖ).

    Introduced in the chapter *The EM algorithm*. ``resp`` is q, an (N, K) array whose rows
    are probabilities (0 log 0 counts as 0); ``weights``, ``means`` and ``covariances`` are θ,
    the covariances in the form ``covariance_type`` (as in ``GaussianMixture``). The bound
    never exceeds the log-likelihood ℓ(θ) and equals it when ``resp`` are θ's own
    responsibilities.

    >>> import numpy as np
    >>> from lecture_code.mixture.gradient import marginal_log_likelihood
    >>> X = np.array([[-1.0], [0.0], [2.0]])
    >>> w, mu, cov = np.array([0.5, 0.5]), np.array([[-1.0], [1.0]]), np.ones((2, 1, 1))
    >>> uniform = np.full((3, 2), 0.5)
    >>> bool(lower_bound(X, uniform, w, mu, cov) < marginal_log_likelihood(X, w, mu, cov))
    True
    """
    check_covariance_type(covariance_type)
    X = np.asarray(X, dtype=float)
    resp = np.asarray(resp, dtype=float)
    weights = np.asarray(weights, dtype=float)
    means = np.asarray(means, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"X must have shape (N, D); got {X.shape}. Use X.reshape(-1, 1) for "
                         "1-D data.")
    if means.ndim != 2 or means.shape[1] != X.shape[1]:
        raise ValueError(f"means must have shape (K, D) with D = {X.shape[1]}; got "
                         f"{means.shape}.")
    K = means.shape[0]
    if weights.shape != (K,) or np.any(weights < 0) or not np.isclose(weights.sum(), 1.0):
        raise ValueError(f"weights must be {K} non-negative numbers that sum to 1; got "
                         f"{weights}.")
    if resp.shape != (X.shape[0], K):
        raise ValueError(f"resp must have shape (N, K) = {(X.shape[0], K)}; got {resp.shape}.")
    if np.any(resp < 0) or not np.allclose(resp.sum(axis=1), 1.0):
        raise ValueError("each row of resp must be probabilities that sum to 1; normalise "
                         "with resp / resp.sum(axis=1, keepdims=True).")
    U = precision_cholesky(covariances, covariance_type)
    with np.errstate(divide="ignore"):
        log_joint = log_gaussian_prob(X, means, U, covariance_type) + np.log(weights)
    # q log(joint) with 0·(−inf) = 0 where a weight is 0 and nothing is assigned to it
    used = resp > 0
    return float(np.sum(resp[used] * log_joint[used]) - xlogy(resp, resp).sum())
