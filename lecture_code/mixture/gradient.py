"""Fitting a Gaussian mixture by gradient ascent on the marginal log-likelihood.

Introduced in the chapter *The marginal likelihood*. It ties the two halves of the book
together: the objective is written in plain numpy, and its gradient comes from the book's own
reverse-mode automatic differentiation (:mod:`lecture_code.autodiff.reverse`), not from a
hand-derived formula.

Gradient ascent needs *unconstrained* parameters, but a mixture's parameters are
constrained (weights on the simplex, covariances positive definite). So we optimise

* ``logits`` (K,): the weights are ``softmax(logits)``, positive and summing to one;
* ``means`` (K, D): unconstrained already;
* ``log_diag`` (K, D) and ``off`` (K, D, D): the Cholesky factor of each *precision*
  matrix, ``U = strict_upper(off) + diag(exp(log_diag))``, so that ``Σ⁻¹ = U Uᵀ`` is positive
  definite for any real numbers (scikit-learn's ``precisions_cholesky_`` convention).

With ``U`` the log-density needs no inverse and no determinant routine:
``log N(x | μ, Σ) = -D/2 log 2π + Σᵢ log_diag[i] - ½ ‖(x - μ) U‖²``.

The optimiser works on standardised data (each coordinate scaled to mean 0, variance 1, so one
step size suits all parameters); parameters and log-likelihoods are reported in the original
units.

Example
-------
>>> from lecture_code.datasets import load_faithful
>>> X = load_faithful()
>>> fit = GradientAscentGMM(n_components=2, max_iter=300, random_state=0).fit(X)
>>> round(fit.log_likelihood_, 1)
-1130.3
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp as _logsumexp

from lecture_code.mixture._steps import log_gaussian_prob
from lecture_code.mixture.em import check_data
from lecture_code.mixture.gaussian import precision_cholesky

__all__ = [
    "UnconstrainedParams",
    "to_unconstrained",
    "from_unconstrained",
    "mixture_log_likelihood",
    "log_likelihood_and_grad",
    "marginal_log_likelihood",
    "mixture_log_density",
    "two_means_log_likelihood",
    "GradientAscentGMM",
]

_LOG_2PI = float(np.log(2.0 * np.pi))


@dataclass
class UnconstrainedParams:
    """The unconstrained parameters of a Gaussian mixture (see the module docstring).

    Introduced in the chapter *The marginal likelihood*. Shapes: ``logits`` (K,), ``means``
    (K, D), ``log_diag`` (K, D), ``off`` (K, D, D) (only its strict upper triangle is used).

    >>> p = to_unconstrained([0.5, 0.5], [[0.0], [1.0]], [[[1.0]], [[4.0]]])
    >>> p.log_diag.round(3).tolist()
    [[0.0], [-0.693]]
    """

    logits: np.ndarray
    means: np.ndarray
    log_diag: np.ndarray
    off: np.ndarray

    def as_tuple(self):
        """The four arrays in the order ``(logits, means, log_diag, off)``.

        >>> len(to_unconstrained([1.0], [[0.0]], [[[1.0]]]).as_tuple())
        4
        """
        return (self.logits, self.means, self.log_diag, self.off)


def _check_mixture(weights, means, covariances):
    weights = np.asarray(weights, dtype=float)
    means = np.asarray(means, dtype=float)
    covariances = np.asarray(covariances, dtype=float)
    if means.ndim != 2:
        raise ValueError(f"means must be a (K, D) array, got shape {means.shape}.")
    K, D = means.shape
    if weights.shape != (K,) or covariances.shape != (K, D, D):
        raise ValueError(f"expected weights (K,) = ({K},) and full covariances (K, D, D) = "
                         f"({K}, {D}, {D}), got {weights.shape} and {covariances.shape}.")
    if np.any(weights <= 0) or not np.isclose(weights.sum(), 1.0):
        raise ValueError(f"weights must be positive and sum to 1, got {weights.tolist()}.")
    return weights, means, covariances


def to_unconstrained(weights, means, covariances) -> UnconstrainedParams:
    """Map mixture parameters (weights, means, full covariances) to unconstrained ones.

    Introduced in the chapter *The marginal likelihood*. Inverse of
    :func:`from_unconstrained`. Raises ``ValueError`` if a covariance is not positive
    definite.

    >>> w, m, c = from_unconstrained(to_unconstrained([0.3, 0.7], [[0, 0], [1, 1]],
    ...                                               [np.eye(2), [[2, 1], [1, 2]]]))
    >>> np.allclose(w, [0.3, 0.7]) and np.allclose(c[1], [[2, 1], [1, 2]])
    True
    """
    weights, means, covariances = _check_mixture(weights, means, covariances)
    try:
        U = precision_cholesky(covariances, "full")  # upper triangular, U Uᵀ = Σ⁻¹
    except ValueError:
        raise ValueError("every covariance must be symmetric positive definite; at least one "
                         "is not (check its eigenvalues, or add a small multiple of the "
                         "identity).") from None
    log_diag = np.log(np.diagonal(U, axis1=1, axis2=2))
    off = np.triu(U, 1)
    logits = np.log(weights) - np.log(weights).mean()
    return UnconstrainedParams(logits, means.copy(), log_diag, off)


def from_unconstrained(params: UnconstrainedParams):
    """Map unconstrained parameters back to ``(weights, means, covariances)``.

    Introduced in the chapter *The marginal likelihood*.

    >>> p = UnconstrainedParams(np.zeros(2), np.zeros((2, 1)), np.zeros((2, 1)),
    ...                         np.zeros((2, 1, 1)))
    >>> [a.tolist() for a in from_unconstrained(p)]
    [[0.5, 0.5], [[0.0], [0.0]], [[[1.0]], [[1.0]]]]
    """
    logits = np.asarray(params.logits, dtype=float)
    weights = np.exp(logits - logits.max())
    weights /= weights.sum()
    means = np.asarray(params.means, dtype=float).copy()
    K, D = means.shape
    covariances = np.empty((K, D, D))
    for k in range(K):
        U = np.triu(np.asarray(params.off[k], dtype=float), 1) + np.diag(np.exp(params.log_diag[k]))
        covariances[k] = np.linalg.inv(U @ U.T)
        covariances[k] = 0.5 * (covariances[k] + covariances[k].T)
    return weights, means, covariances


def mixture_log_likelihood(logits, means, log_diag, off, X):
    """The marginal log-likelihood ``Σₙ log Σₖ πₖ N(xₙ | μₖ, Σₖ)`` in unconstrained parameters.

    Introduced in the chapter *The marginal likelihood*. Written with numpy operations only, so
    it accepts plain arrays and the reverse-mode variables of :mod:`lecture_code.autodiff`
    (which is how :func:`log_likelihood_and_grad` differentiates it).

    >>> X = np.array([[0.0], [1.0]])
    >>> ll = mixture_log_likelihood(np.zeros(1), np.zeros((1, 1)), np.zeros((1, 1)),
    ...                             np.zeros((1, 1, 1)), X)
    >>> bool(np.isclose(ll, -np.log(2 * np.pi) - 0.5))
    True
    """
    from lecture_code.autodiff import logsumexp

    X = np.asarray(X, dtype=float)
    K, D = len(log_diag), X.shape[1]
    strict_upper = np.triu(np.ones((D, D)), 1)
    eye = np.eye(D)
    columns = []
    for k in range(K):
        U = off[k] * strict_upper + np.reshape(np.exp(log_diag[k]), (1, D)) * eye
        y = X @ U - np.reshape(means[k], (1, D)) @ U
        columns.append(np.sum(log_diag[k]) - 0.5 * np.sum(y * y, axis=1))
    log_dens = np.stack(columns, axis=1) - 0.5 * D * _LOG_2PI
    log_weights = logits - logsumexp(logits)
    return np.sum(logsumexp(log_dens + np.reshape(log_weights, (1, K)), axis=1))


def mixture_log_density(X, weights, means, covariances) -> np.ndarray:
    """The mixture's log-density ``log p(xₙ) = log Σₖ πₖ N(xₙ | μₖ, Σₖ)`` of each row of ``X``.

    Introduced in the chapter *Mixtures and the generative story*: the mixture density in log
    space, with full ``(K, D, D)`` covariances, computed with
    :func:`lecture_code.mixture.log_gaussian_prob` and a log-sum-exp over the components.

    >>> float(np.exp(mixture_log_density([[0.0]], [0.5, 0.5], [[-1.0], [1.0]],
    ...                                  [[[1.0]], [[1.0]]])[0])).__round__(6)
    0.241971
    """
    X = check_data(X)
    weights, means, covariances = _check_mixture(weights, means, covariances)
    if means.shape[1] != X.shape[1]:
        raise ValueError(f"X has {X.shape[1]} features but the means have {means.shape[1]}.")
    U = precision_cholesky(covariances, "full")
    return _logsumexp(log_gaussian_prob(X, means, U, "full") + np.log(weights), axis=1)


def marginal_log_likelihood(X, weights, means, covariances) -> float:
    """The marginal log-likelihood ``Σₙ log Σₖ πₖ N(xₙ | μₖ, Σₖ)`` of data ``X`` (N, D).

    Introduced in the chapter *The marginal likelihood*: the sum of
    :func:`mixture_log_density` over the rows, the number that EM and gradient ascent
    maximise (the same as :func:`mixture_log_likelihood` in unconstrained parameters).

    >>> round(marginal_log_likelihood([[0.0]], [1.0], [[0.0]], [[[1.0]]]), 6)
    -0.918939
    """
    return float(np.sum(mixture_log_density(X, weights, means, covariances)))


def two_means_log_likelihood(x, mu1, mu2, sigma: float = 1.0) -> np.ndarray:
    """Log-likelihood of 1-D data under ``½ N(μ₁, σ²) + ½ N(μ₂, σ²)``, for many (μ₁, μ₂).

    Introduced in the chapter *The marginal likelihood* to draw the likelihood landscape of
    the lecture's means-only model (K = 2, known σ, uniform prior). ``mu1`` and ``mu2``
    broadcast against each other (e.g. a grid from ``np.meshgrid``); the result has their
    broadcast shape.

    >>> x = np.array([-2.0, 2.0])
    >>> ll = two_means_log_likelihood(x, np.array([-2.0, 2.0]), np.array([2.0, -2.0]))
    >>> bool(np.isclose(ll[0], ll[1]))    # swapping the labels changes nothing
    True
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 1 or len(x) == 0 or not np.all(np.isfinite(x)):
        raise ValueError(f"x must be a non-empty 1-D array of finite numbers, got shape "
                         f"{x.shape}.")
    if not sigma > 0:
        raise ValueError(f"sigma must be positive, got {sigma}.")
    mu1, mu2 = np.broadcast_arrays(np.asarray(mu1, dtype=float), np.asarray(mu2, dtype=float))
    const = np.log(0.5) - 0.5 * _LOG_2PI - np.log(sigma)
    a = const - 0.5 * ((x - mu1[..., None]) / sigma) ** 2
    b = const - 0.5 * ((x - mu2[..., None]) / sigma) ** 2
    return np.logaddexp(a, b).sum(axis=-1)


def log_likelihood_and_grad(params: UnconstrainedParams, X):
    """The log-likelihood and its gradient (one reverse sweep) in unconstrained parameters.

    Introduced in the chapter *The marginal likelihood*. Returns ``(value, grads)`` where
    ``grads`` is an :class:`UnconstrainedParams` of the same shapes holding the partial
    derivatives.

    >>> X = np.array([[0.0], [1.0]])
    >>> p = UnconstrainedParams(np.zeros(1), np.zeros((1, 1)), np.zeros((1, 1)),
    ...                         np.zeros((1, 1, 1)))
    >>> value, g = log_likelihood_and_grad(p, X)
    >>> float(g.means[0, 0])   # d/dμ Σ -(x-μ)²/2 = Σ (x - μ) = 1
    1.0
    """
    from lecture_code.autodiff.reverse import tape_vjp

    X = check_data(X)
    value, pullback = tape_vjp(lambda a, b, c, d: mixture_log_likelihood(a, b, c, d, X),
                               *params.as_tuple())
    bars = pullback(1.0)
    return float(value), UnconstrainedParams(*[np.asarray(b, dtype=float) for b in bars])


class GradientAscentGMM:
    """A Gaussian mixture (full covariances) fitted by gradient ascent with reverse-mode AD.

    Introduced in the chapter *The marginal likelihood*. The interface follows scikit-learn:
    ``fit(X)`` sets ``weights_``, ``means_``, ``covariances_`` (full, ``(K, D, D)``),
    ``log_likelihood_`` (the *total* log-likelihood of the training data), ``n_iter_``,
    ``converged_`` and ``history_``: one dict per iteration (the start included) with keys
    ``"log_likelihood"``, ``"weights"``, ``"means"``, ``"covariances"``.

    Parameters
    ----------
    n_components : number of components K.
    learning_rate : step size (on the mean log-likelihood of the standardised data).
    max_iter : number of gradient steps at most.
    tol : stop when the mean log-likelihood improves by less than ``tol`` in an iteration.
    optimizer : ``"adam"`` (default: steps scaled per parameter, robust) or ``"gradient"``
        (plain gradient ascent ``θ ← θ + η ∇ℓ(θ)``).
    means_init : optional (K, D) starting means; otherwise K distinct data points chosen at
        random (``random_state``). Covariances start at the data covariance, weights equal.
    random_state : seed (int) or ``numpy.random.Generator``.

    >>> from lecture_code.datasets import load_faithful
    >>> fit = GradientAscentGMM(2, max_iter=50, random_state=1).fit(load_faithful())
    >>> len(fit.history_) == fit.n_iter_ + 1
    True
    """

    def __init__(self, n_components: int = 1, *, learning_rate: float = 0.05,
                 max_iter: int = 300, tol: float = 1e-7, optimizer: str = "adam",
                 means_init=None, random_state=None):
        self.n_components = n_components
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.tol = tol
        self.optimizer = optimizer
        self.means_init = means_init
        self.random_state = random_state

    def _validate(self, X):
        X = check_data(X)
        K = self.n_components
        if not isinstance(K, (int, np.integer)) or K < 1:
            raise ValueError(f"n_components must be a positive integer, got {K!r}.")
        if K > len(X):
            raise ValueError(f"n_components={K} is more than the number of samples {len(X)}; "
                             "use fewer components.")
        if self.optimizer not in ("adam", "gradient"):
            raise ValueError(f"optimizer must be 'adam' or 'gradient', got {self.optimizer!r}.")
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be positive, got {self.learning_rate}.")
        if not isinstance(self.max_iter, (int, np.integer)) or self.max_iter < 0:
            raise ValueError(f"max_iter must be a non-negative integer, got {self.max_iter!r}.")
        if self.means_init is not None:
            means_init = np.asarray(self.means_init, dtype=float)
            if means_init.shape != (K, X.shape[1]):
                raise ValueError(f"means_init must have shape (n_components, n_features) = "
                                 f"({K}, {X.shape[1]}), got {means_init.shape}.")
        return X

    def fit(self, X):
        """Fit the mixture to ``X`` (n_samples, n_features); returns ``self``.

        >>> X = np.array([[0.0], [0.2], [5.0], [5.3]])
        >>> fit = GradientAscentGMM(2, means_init=[[0.0], [5.0]], max_iter=5).fit(X)
        >>> fit.means_.shape
        (2, 1)
        """
        X = self._validate(X)
        N, D = X.shape
        K = self.n_components
        center = X.mean(axis=0)
        scale = X.std(axis=0)
        scale[scale == 0] = 1.0
        Z = (X - center) / scale
        log_jacobian = N * np.sum(np.log(scale))  # ℓ(X) = ℓ(Z) - N Σ log scale

        rng = np.random.default_rng(self.random_state)
        if self.means_init is not None:
            means = (np.asarray(self.means_init, dtype=float) - center) / scale
        else:
            means = Z[rng.choice(N, size=K, replace=False)]
        cov = np.atleast_2d(np.cov(Z, rowvar=False, bias=True)) + 1e-6 * np.eye(D)
        params = to_unconstrained(np.full(K, 1.0 / K), means, np.repeat(cov[None], K, axis=0))

        def record(value, params):
            w, m, c = from_unconstrained(params)
            self.history_.append({
                "log_likelihood": value - log_jacobian,
                "weights": w,
                "means": center + m * scale,
                "covariances": c * np.outer(scale, scale),
            })

        self.history_ = []
        moments = [np.zeros_like(a) for a in params.as_tuple()]
        squares = [np.zeros_like(a) for a in params.as_tuple()]
        beta1, beta2, eps = 0.9, 0.999, 1e-8
        value, grads = log_likelihood_and_grad(params, Z)
        record(value, params)
        self.converged_ = False
        self.n_iter_ = 0
        for t in range(1, self.max_iter + 1):
            arrays = []
            for i, (p, g) in enumerate(zip(params.as_tuple(), grads.as_tuple())):
                g = g / N  # ascend the mean log-likelihood
                if self.optimizer == "adam":
                    moments[i] = beta1 * moments[i] + (1 - beta1) * g
                    squares[i] = beta2 * squares[i] + (1 - beta2) * g * g
                    step = (moments[i] / (1 - beta1 ** t)) / \
                        (np.sqrt(squares[i] / (1 - beta2 ** t)) + eps)
                else:
                    step = g
                arrays.append(p + self.learning_rate * step)
            params = UnconstrainedParams(*arrays)
            try:
                with np.errstate(over="raise", invalid="raise", divide="raise",
                                 under="ignore"):
                    new_value, grads = log_likelihood_and_grad(params, Z)
                    if not np.isfinite(new_value):
                        raise FloatingPointError
            except FloatingPointError:
                raise FloatingPointError(
                    f"the log-likelihood stopped being finite at iteration {t}: the step "
                    f"size learning_rate={self.learning_rate} is too large (or a component "
                    "collapsed onto a point). Use a smaller learning_rate.") from None
            record(new_value, params)
            self.n_iter_ = t
            improvement = (new_value - value) / N
            value = new_value
            if self.tol is not None and 0 <= improvement < self.tol:
                self.converged_ = True
                break

        last = self.history_[-1]
        self.weights_ = last["weights"]
        self.means_ = last["means"]
        self.covariances_ = last["covariances"]
        self.log_likelihood_ = float(last["log_likelihood"])
        return self

    def log_likelihood_curve(self) -> np.ndarray:
        """The total log-likelihood at the start and after every iteration.

        >>> X = np.array([[0.0], [0.2], [5.0], [5.3]])
        >>> fit = GradientAscentGMM(2, means_init=[[0.0], [5.0]], max_iter=3, tol=None).fit(X)
        >>> fit.log_likelihood_curve().shape
        (4,)
        """
        if not hasattr(self, "history_"):
            raise RuntimeError("this GradientAscentGMM is not fitted yet; call fit(X) first.")
        return np.array([h["log_likelihood"] for h in self.history_])
