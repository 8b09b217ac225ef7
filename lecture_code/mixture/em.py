"""EM for Gaussian mixtures: the lecture's 1-D means-only EM and a scikit-learn-compatible
``GaussianMixture``.

Introduced in the chapter *The EM algorithm* (means-only EM) and *Gaussian mixtures in
scikit-learn* (``GaussianMixture``).
"""
from __future__ import annotations

import numbers
import warnings

import numpy as np
from scipy.special import logsumexp
from sklearn.base import BaseEstimator, DensityMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from lecture_code.mixture._steps import (
    blocked_predict, e_step, fused_em_step, log_gaussian_prob, m_step, precisions_from_cholesky)
from lecture_code.mixture._validation import check_data, check_param_array, check_X
from lecture_code.mixture.gaussian import precision_cholesky
from lecture_code.mixture.kmeans import KMeans, kmeans_plusplus

# ConvergenceWarning is scikit-learn's own class, re-exported; check_data lives in _validation
__all__ = ["means_only_em", "GaussianMixture", "ConvergenceWarning", "check_data"]


def means_only_em(x, init_means, n_iter=10, sigma=1.0):
    """The lecture's EM for a 1-D mixture of two Gaussians with known σ and uniform prior.

    Introduced in the chapter *The EM algorithm*. Only the two means are learned:
    E-step r_n1 = N(x_n|μ₁,σ²) / (N(x_n|μ₁,σ²) + N(x_n|μ₂,σ²)); M-step μ_k = Σ r_nk x_n / Σ r_nk.

    Returns a dict with ``means`` (n_iter+1, 2) — the start and every iteration —,
    ``responsibilities`` (n_iter, N, 2) — from each E-step — and ``log_likelihood`` (n_iter+1,).

    >>> out = means_only_em([-2.0, -1.0, 1.0, 2.0], [-0.5, 0.5], n_iter=20)
    >>> np.round(out["means"][-1], 2).tolist()
    [-1.44, 1.44]
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"x must be 1-D data (one number per point); got shape {x.shape}.")
    if not np.all(np.isfinite(x)) or x.size == 0:
        raise ValueError("x must be a non-empty array of finite numbers.")
    mu = np.asarray(init_means, dtype=float)
    if mu.shape != (2,):
        raise ValueError(f"init_means must hold two numbers; got shape {mu.shape}.")
    if not np.all(np.isfinite(mu)):
        raise ValueError(f"init_means must be two finite numbers; got {mu.tolist()}.")
    if isinstance(n_iter, (bool, np.bool_)) or not isinstance(n_iter, numbers.Integral) or n_iter < 0:
        raise ValueError(f"n_iter must be an integer >= 0; got {n_iter!r}.")
    if not (isinstance(sigma, numbers.Real) and 0 < sigma < np.inf):
        raise ValueError(f"sigma must be a positive finite number; got {sigma!r}.")
    spread = float(np.ptp(np.r_[x, mu]))
    with np.errstate(over="ignore", under="ignore"):
        if sigma * sigma == 0 or not np.isfinite((spread / sigma) ** 2):
            raise ValueError(f"sigma={sigma!r} is too small for data spanning {spread:.3g}: "
                             "((x - mu) / sigma)**2 overflows. Rescale x or use a larger sigma.")
    means, resps, lls = [mu.copy()], [], []
    for _ in range(int(n_iter) + 1):
        logp = (-0.5 * ((x[:, None] - mu) / sigma) ** 2 - np.log(sigma) - 0.5 * np.log(2 * np.pi)
                + np.log(0.5))
        norm = logsumexp(logp, axis=1)
        lls.append(float(norm.sum()))
        if len(resps) == n_iter:
            break
        r = np.exp(logp - norm[:, None])
        resps.append(r)
        mu = (r * x[:, None]).sum(0) / np.maximum(r.sum(0), np.finfo(float).tiny)
        means.append(mu.copy())
    return {"means": np.array(means), "responsibilities": np.array(resps).reshape(len(resps), x.size, 2),
            "log_likelihood": np.array(lls)}


class GaussianMixture(DensityMixin, BaseEstimator):
    """Gaussian mixture fitted by EM, a scikit-learn estimator with its constructor and attributes.

    Introduced in the chapter *Mixtures in practice with scikit-learn*. From the same initial
    parameters it reproduces ``sklearn.mixture.GaussianMixture`` iterate by iterate (to rounding).
    ``fit`` uses the fast blocked step (:func:`~lecture_code.mixture._steps.fused_em_step`); the
    book's plain ``e_step``/``m_step`` give the same numbers. ``keep_history=True`` stores
    ``history_``: one dict per iteration (the start first) with ``weights``, ``means``,
    ``covariances`` and ``log_likelihood`` (mean per sample) of those parameters.

    The algorithm is the book's; the plumbing is scikit-learn's: it derives from
    ``BaseEstimator`` and ``DensityMixin``, so ``clone``, ``get_params``/``set_params``,
    ``Pipeline`` and ``GridSearchCV`` work; its parameters are checked against
    ``_parameter_constraints`` (the same as scikit-learn's) when ``fit`` starts, the data with
    ``validate_data``; an unfitted model raises ``NotFittedError`` and a run that hits
    ``max_iter`` warns with scikit-learn's ``ConvergenceWarning``.

    >>> from lecture_code.datasets import load_faithful
    >>> gm = GaussianMixture(2, n_init=5, random_state=0).fit(load_faithful())
    >>> round(gm.score(load_faithful()) * 272, 2)
    -1130.26
    >>> from sklearn.base import clone
    >>> clone(gm).get_params()["n_init"]
    5
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(numbers.Integral, 1, None, closed="left")],
        "covariance_type": [StrOptions({"full", "tied", "diag", "spherical"})],
        "tol": [Interval(numbers.Real, 0.0, None, closed="left")],   # excludes inf
        "reg_covar": [Interval(numbers.Real, 0.0, None, closed="left")],
        "max_iter": [Interval(numbers.Integral, 0, None, closed="left")],
        "n_init": [Interval(numbers.Integral, 1, None, closed="left")],
        "init_params": [StrOptions({"kmeans", "k-means++", "random", "random_from_data"})],
        "weights_init": ["array-like", None],
        "means_init": ["array-like", None],
        "precisions_init": ["array-like", None],
        "random_state": ["random_state"],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
        "verbose_interval": [Interval(numbers.Integral, 1, None, closed="left")],
        "keep_history": ["boolean"],
    }

    def __init__(self, n_components=1, *, covariance_type="full", tol=1e-3, reg_covar=1e-6,
                 max_iter=100, n_init=1, init_params="kmeans", weights_init=None,
                 means_init=None, precisions_init=None, random_state=None, warm_start=False,
                 verbose=0, verbose_interval=10, keep_history=False):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.tol = tol
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.weights_init = weights_init
        self.means_init = means_init
        self.precisions_init = precisions_init
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.verbose_interval = verbose_interval
        self.keep_history = keep_history

    # ----------------------------------------------------------------- checks
    def _check_parameters(self, X):
        """The checks that need the data: shapes and values of the ``*_init`` arrays.

        Returns their validated float copies (weights, means, precisions; None if not given).
        """
        K, d = self.n_components, X.shape[1]
        w = m = P = None
        if self.weights_init is not None:
            w = check_param_array(self.weights_init, "weights_init")
            if w.shape != (K,):
                raise ValueError(f"weights_init must have shape ({K},); got {w.shape}.")
            if np.any(w < 0) or np.any(w > 1):
                raise ValueError("weights_init must lie in [0, 1].")
            if not np.allclose(w.sum(), 1.0, rtol=0, atol=1e-6):
                raise ValueError(f"weights_init must sum to 1; they sum to {w.sum():.6f}. "
                                 "Normalise them with w / w.sum().")
        if self.means_init is not None:
            m = check_param_array(self.means_init, "means_init")
            if m.shape != (K, d):
                raise ValueError(f"means_init must have shape (n_components, n_features) = "
                                 f"{(K, d)}; got {m.shape}.")
        if self.precisions_init is not None:
            P = check_param_array(self.precisions_init, "precisions_init")
            self._check_precisions(P, K, d)
        return w, m, P

    def _check_precisions(self, P, K, d):
        ct = self.covariance_type
        shape = {"full": (K, d, d), "tied": (d, d), "diag": (K, d), "spherical": (K,)}[ct]
        if P.shape != shape:
            raise ValueError(f"precisions_init for covariance_type={ct!r} must have shape "
                             f"{shape}; got {P.shape}.")
        if ct in ("diag", "spherical"):
            if np.any(P <= 0):
                raise ValueError(f"precisions_init ({ct}) must be positive.")
            return
        for k, M in enumerate(P.reshape(-1, d, d)):
            if not np.allclose(M, M.T) or np.linalg.eigvalsh(M)[0] <= 0:
                raise ValueError(f"precisions_init[{k}] must be symmetric, positive-definite."
                                 if ct == "full" else
                                 "precisions_init must be symmetric, positive-definite.")

    # ----------------------------------------------------------------- init
    def _initialize_parameters(self, X, rng, inits):
        n, K = X.shape[0], self.n_components
        weights_init, means_init, precisions_init = inits
        if all(v is not None for v in inits):
            # fully specified start: nothing to estimate (scikit-learn would still run its
            # initialiser only to fill covariances_; here they are the inverse precisions)
            P = precisions_init
            self.covariances_ = (np.linalg.inv(P) if self.covariance_type in ("full", "tied")
                                 else 1.0 / P)
            self.weights_ = weights_init.copy()
            self.means_ = means_init.copy()
            self._set_precisions_init(P)
            return
        resp = np.zeros((n, K))
        if self.init_params == "kmeans":
            labels = KMeans(K, n_init=1, random_state=rng).fit(X).labels_
            resp[np.arange(n), labels] = 1
        elif self.init_params == "random":
            resp = rng.uniform(size=(n, K))
            resp /= resp.sum(axis=1)[:, None]
        elif self.init_params == "random_from_data":
            resp[rng.choice(n, size=K, replace=False), np.arange(K)] = 1
        else:
            _, idx = kmeans_plusplus(X, K, random_state=rng)
            resp[idx, np.arange(K)] = 1
        weights, means, cov = m_step(X, resp, self.reg_covar, self.covariance_type)
        self.weights_ = weights if weights_init is None else weights_init.copy()
        self.means_ = means if means_init is None else means_init.copy()
        self.covariances_ = cov
        if precisions_init is None:
            self.precisions_cholesky_ = precision_cholesky(cov, self.covariance_type)
            self.precisions_ = precisions_from_cholesky(self.precisions_cholesky_,
                                                        self.covariance_type)
        else:
            self._set_precisions_init(precisions_init)

    def _set_precisions_init(self, P):
        if self.covariance_type == "full":
            self.precisions_cholesky_ = np.stack([np.linalg.cholesky(p) for p in P])
        elif self.covariance_type == "tied":
            self.precisions_cholesky_ = np.linalg.cholesky(P)
        else:
            self.precisions_cholesky_ = np.sqrt(P)
        self.precisions_ = precisions_from_cholesky(self.precisions_cholesky_, self.covariance_type)

    def _get_parameters(self):
        return (self.weights_, self.means_, self.covariances_, self.precisions_cholesky_)

    def _set_parameters(self, params):
        self.weights_, self.means_, self.covariances_, self.precisions_cholesky_ = params
        self.precisions_ = precisions_from_cholesky(self.precisions_cholesky_, self.covariance_type)

    # ----------------------------------------------------------------- fit
    def fit(self, X, y=None):
        """Estimate the parameters with EM (best of ``n_init`` runs); returns self.

        Introduced in the chapter *Mixtures in practice with scikit-learn*.

        >>> X = np.array([[0.0], [0.1], [5.0], [5.1]])
        >>> GaussianMixture(2, random_state=0).fit(X).means_.ravel().round(2).tolist() in (
        ...     [0.05, 5.05], [5.05, 0.05])
        True
        """
        self.fit_predict(X, y)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_predict(self, X, y=None):
        """Fit, then return the component of each row (consistent with ``predict``).

        Introduced in the chapter *Mixtures in practice with scikit-learn*. The parameters are
        validated once here (scikit-learn's ``_parameter_constraints``), the data with
        ``validate_data`` (at least two rows, finite, real, dense), never inside the EM loop.

        >>> X = np.array([[0.0], [0.1], [5.0], [5.1]])
        >>> labels = GaussianMixture(2, random_state=0).fit_predict(X)
        >>> bool(labels[0] == labels[1] != labels[2] == labels[3])
        True
        """
        X = check_X(self, X, reset=True, min_samples=2)
        if X.shape[0] < self.n_components:
            raise ValueError(f"Expected n_samples >= n_components but got n_components = "
                             f"{self.n_components}, n_samples = {X.shape[0]}.")
        inits = self._check_parameters(X)
        do_init = not (self.warm_start and hasattr(self, "converged_"))
        n_init = self.n_init if do_init else 1
        rng = check_random_state(self.random_state)
        ct = self.covariance_type
        shift = X.mean(axis=0)
        span = np.maximum(X.max(axis=0) - shift, shift - X.min(axis=0))  # accuracy check
        max_lb, best, best_lbs, best_hist = -np.inf, None, [], None
        self.converged_ = False
        for init in range(n_init):
            if self.verbose:
                print(f"Initialization {init}")
            if do_init:
                self._initialize_parameters(X, rng, inits)
            lb = -np.inf if do_init else self.lower_bound_
            lbs, hist = [], []
            if self.max_iter == 0:
                params, n_iter, converged = self._get_parameters(), 0, False
            else:
                converged = False
                for n_iter in range(1, self.max_iter + 1):
                    prev = lb
                    before = self._get_parameters()
                    lb, w, mu, cov = fused_em_step(X, self.weights_, self.means_,
                                                   self.precisions_cholesky_, ct, self.reg_covar,
                                                   shift=shift, span=span, validate=False)
                    if self.keep_history:
                        hist.append(self._snapshot(before, lb))
                    self.weights_, self.means_, self.covariances_ = w, mu, cov
                    self.precisions_cholesky_ = precision_cholesky(cov, ct)
                    lbs.append(lb)
                    change = lb - prev
                    if self.verbose >= 2 and n_iter % self.verbose_interval == 0:
                        print(f"  Iteration {n_iter}\t change {change:.5g}")
                    if abs(change) < self.tol:
                        converged = True
                        break
                if self.verbose:
                    print(f"Initialization converged: {converged}\t lower bound {lb:.5g}")
                params = self._get_parameters()
            if self.keep_history:
                hist.append(self._snapshot(params, float(np.mean(self._score_samples(X, params)))))
            if lb > max_lb or max_lb == -np.inf or best is None:
                max_lb, best, best_n_iter, best_lbs, best_hist = lb, params, n_iter, lbs, hist
                self.converged_ = converged
        if not self.converged_ and self.max_iter > 0:
            warnings.warn("Best performing initialization did not converge. Try different init "
                          "parameters, or increase max_iter, tol, or check for degenerate data.",
                          ConvergenceWarning, stacklevel=2)
        self._set_parameters(best)
        self.n_iter_ = best_n_iter
        self.lower_bound_ = max_lb
        self.lower_bounds_ = best_lbs
        if self.keep_history:
            self.history_ = best_hist
        return blocked_predict(X, self.weights_, self.means_, self.precisions_cholesky_, ct)

    def _snapshot(self, params, ll):
        w, mu, cov, _ = params
        return {"weights": w.copy(), "means": mu.copy(), "covariances": cov.copy(),
                "log_likelihood": float(ll)}

    # ----------------------------------------------------------------- predict
    def _check_fitted(self, X):
        check_is_fitted(self)
        return check_X(self, X, reset=False)

    def _weighted_log_prob(self, X, params=None):
        w, mu, _, pc = params if params is not None else self._get_parameters()
        return log_gaussian_prob(X, mu, pc, self.covariance_type) + np.log(w)

    def _score_samples(self, X, params=None):
        return logsumexp(self._weighted_log_prob(X, params), axis=1)

    def score_samples(self, X):
        """Log-density log p(x) of each row under the fitted mixture.

        Introduced in the chapter *Mixtures in practice with scikit-learn*.

        >>> gm = GaussianMixture(1).fit(np.array([[0.0], [2.0]]))
        >>> gm.score_samples(np.array([[1.0]])).round(4).tolist()
        [-0.9189]
        """
        return self._score_samples(self._check_fitted(X))

    def score(self, X, y=None):
        """Mean log-likelihood per row.

        Introduced in the chapter *Mixtures in practice with scikit-learn*.

        >>> round(GaussianMixture(1).fit(np.array([[0.0], [2.0]])).score(np.array([[1.0]])), 4)
        -0.9189
        """
        return float(np.mean(self.score_samples(X)))

    def predict_proba(self, X):
        """Responsibilities p(z = k | x) of each row, shape (N, K).

        Introduced in the chapter *Mixtures in practice with scikit-learn*.

        >>> GaussianMixture(1).fit(np.array([[0.0], [2.0]])).predict_proba([[1.0]]).tolist()
        [[1.0]]
        """
        X = self._check_fitted(X)
        _, log_resp = e_step(X, self.weights_, self.means_, self.precisions_cholesky_,
                             self.covariance_type)
        return np.exp(log_resp)

    def predict(self, X):
        """Most responsible component of each row.

        Introduced in the chapter *Mixtures in practice with scikit-learn*.

        >>> GaussianMixture(1).fit(np.array([[0.0], [2.0]])).predict([[1.0]]).tolist()
        [0]
        """
        return self._weighted_log_prob(self._check_fitted(X)).argmax(axis=1)

    def sample(self, n_samples=1):
        """Draw ``n_samples`` points; returns (X, component labels), grouped by component.

        Introduced in the chapter *Mixtures in practice with scikit-learn*.

        >>> gm = GaussianMixture(1, random_state=0).fit(np.array([[0.0], [2.0]]))
        >>> [a.shape for a in gm.sample(5)]
        [(5, 1), (5,)]
        """
        check_is_fitted(self)
        if not isinstance(n_samples, numbers.Integral) or isinstance(n_samples, bool) or n_samples < 1:
            raise ValueError(f"n_samples must be a positive integer; got {n_samples!r}.")
        rng = check_random_state(self.random_state)
        counts = rng.multinomial(n_samples, self.weights_)
        ct, d = self.covariance_type, self.means_.shape[1]
        parts = []
        for k, (mean, c) in enumerate(zip(self.means_, counts)):
            if ct in ("full", "tied"):
                cov = self.covariances_[k] if ct == "full" else self.covariances_
                parts.append(rng.multivariate_normal(mean, cov, int(c)))
            else:
                parts.append(mean + rng.standard_normal((int(c), d)) * np.sqrt(self.covariances_[k]))
        labels = np.repeat(np.arange(len(counts)), counts)
        return np.vstack(parts), labels

    def _n_parameters(self):
        K, d = self.means_.shape
        cov = {"full": K * d * (d + 1) / 2, "tied": d * (d + 1) / 2, "diag": K * d,
               "spherical": K}[self.covariance_type]
        return int(cov + K * d + K - 1)

    def bic(self, X):
        """Bayesian information criterion, −2 log L + p log N (lower is better).

        Introduced in the chapter *Mixtures in practice with scikit-learn*.

        >>> round(GaussianMixture(1).fit(np.array([[0.0], [2.0]])).bic(np.array([[0.0], [2.0]])), 3)
        7.062
        """
        X = self._check_fitted(X)
        return float(-2 * self.score(X) * X.shape[0] + self._n_parameters() * np.log(X.shape[0]))

    def aic(self, X):
        """Akaike information criterion, −2 log L + 2p (lower is better).

        Introduced in the chapter *Mixtures in practice with scikit-learn*.

        >>> round(GaussianMixture(1).fit(np.array([[0.0], [2.0]])).aic(np.array([[0.0], [2.0]])), 3)
        9.676
        """
        X = self._check_fitted(X)
        return float(-2 * self.score(X) * X.shape[0] + 2 * self._n_parameters())
