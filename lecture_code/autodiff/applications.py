"""Two applications of the book's AD: training a small neural network, and an inverse problem.

Introduced in the chapter *Applications and discussion*.

* A **two-layer perceptron** ``s(x) = w₂·tanh(W₁ᵀx + b₁) + b₂`` for two classes, trained by
  gradient descent on the logistic loss ``mean(log(1 + exp(−y·s(x))))``, ``y = ±1``. The
  gradient with respect to all the weights (packed in one vector) comes from reverse mode,
  :func:`~lecture_code.autodiff.transforms.grad`, run on plain numpy code. :func:`train_mlp`.
* An **inverse problem**: estimate the parameters ``θ`` of an ODE ``y' = f(t, y, θ)`` from
  observations, by differentiating a loss of the implicit-Euler solution
  (:func:`lecture_code.autodiff.solvers.implicit_euler`) with respect to ``θ``.
  :func:`implicit_euler_gradient` runs reverse mode *through the solver*: each step solves
  ``G_k = z_k − z_{k−1} − h f(t_k, z_k, θ) = 0``, so the reverse sweep over the steps
  solves ``(I − h ∂f/∂y)ᵀ μ_k = ȳ_k + μ_{k+1}`` for the adjoint ``μ_k`` of step ``k`` and
  accumulates ``θ̄ += h (∂f/∂θ)ᵀ μ_k`` (the *discrete adjoint method*; the Newton
  iterations inside a step need not be recorded, the implicit function theorem gives their
  derivative). The chapter hands value and gradient to ``scipy.optimize.minimize``.

Example
-------
>>> import numpy as np
>>> X = np.array([[-1.0, 0.0], [-0.5, 0.2], [0.5, -0.1], [1.0, 0.3]])
>>> model = train_mlp(X, np.array([0, 0, 1, 1]), n_hidden=4, steps=200)
>>> model.accuracy(X, np.array([0, 0, 1, 1]))
1.0
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from .solvers import gradient_descent, implicit_euler
from .transforms import grad, jacfwd

__all__ = ["TrainedMLP", "mlp_init", "mlp_scores", "logistic_loss", "train_mlp",
           "implicit_euler_gradient"]


# ---------------------------------------------------------------------------------------
# A two-layer perceptron
# ---------------------------------------------------------------------------------------
def _shapes(n_in: int, n_hidden: int):
    return [(n_in, n_hidden), (n_hidden,), (n_hidden,), ()]


def _unpack(params, n_in: int, n_hidden: int):
    """``(W1, b1, w2, b2)`` as slices of the flat parameter vector (works on Variables)."""
    out, start = [], 0
    for shape in _shapes(n_in, n_hidden):
        size = int(np.prod(shape))
        out.append(params[start:start + size].reshape(shape) if shape else params[start])
        start += size
    return out


def _check_data(X, labels=None):
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D array (one row per point), got shape {X.shape}.")
    if labels is None:
        return X
    labels = np.asarray(labels)
    if labels.shape != (len(X),) or not np.isin(labels, (0, 1)).all():
        raise ValueError(f"labels must be {len(X)} class labels 0 or 1 (one per row of X), "
                         f"got {labels!r}.")
    return X, labels


def mlp_init(n_in: int, n_hidden: int, seed: int = 0) -> np.ndarray:
    """Random initial weights (scaled by ``1/√fan-in``, zero biases), as one flat vector.

    Chapter *Applications and discussion*.

    >>> mlp_init(2, 3).shape
    (13,)
    """
    if int(n_hidden) != n_hidden or n_hidden < 1 or int(n_in) != n_in or n_in < 1:
        raise ValueError(f"n_in and n_hidden must be positive integers, got {n_in!r}, "
                         f"{n_hidden!r}.")
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.normal(size=n_in * n_hidden) / np.sqrt(n_in),
                           np.zeros(n_hidden),
                           rng.normal(size=n_hidden) / np.sqrt(n_hidden), [0.0]])


def mlp_scores(params, X, n_hidden: int):
    """The scores ``s(x) = w₂·tanh(W₁ᵀx + b₁) + b₂`` of the rows of ``X`` (class 1 if > 0).

    Chapter *Applications and discussion*. Plain numpy, so reverse mode can run on it.

    >>> mlp_scores(np.zeros(13), np.ones((5, 2)), 3).tolist()
    [0.0, 0.0, 0.0, 0.0, 0.0]
    """
    W1, b1, w2, b2 = _unpack(params, X.shape[1], n_hidden)
    return np.tanh(X @ W1 + b1) @ w2 + b2


def logistic_loss(params, X, labels, n_hidden: int):
    """``mean(log(1 + exp(−y·s(x))))`` with ``y = 2·label − 1``: the loss the MLP is trained on.

    Chapter *Applications and discussion*. ``np.logaddexp(0, ·)`` keeps it finite for large
    scores.

    >>> round(float(logistic_loss(np.zeros(13), np.ones((2, 2)), np.array([0, 1]), 3)), 6)
    0.693147
    """
    signs = 2.0 * np.asarray(labels, dtype=float) - 1.0
    return np.mean(np.logaddexp(0.0, -signs * mlp_scores(params, X, n_hidden)))


@dataclass
class TrainedMLP:
    """A trained two-layer perceptron: its weights and the loss after every step.

    Chapter *Applications and discussion*. ``scores(X)``, ``predict(X)`` (labels 0/1) and
    ``accuracy(X, labels)`` evaluate it.

    >>> model = TrainedMLP(np.r_[1.0, 0.0, 0.0, 1.0, 0.0], n_hidden=1, losses=np.array([0.7]))
    >>> model.predict(np.array([[2.0, 0.0], [-2.0, 0.0]])).tolist()    # sign of tanh(x1)
    [1, 0]
    >>> model.accuracy([[2.0, 0.0], [-2.0, 0.0]], [1, 1])
    0.5
    """

    params: np.ndarray
    n_hidden: int
    losses: np.ndarray = field(repr=False)

    def scores(self, X):
        """The scores of the rows of ``X`` (positive: class 1)."""
        return mlp_scores(self.params, _check_data(X), self.n_hidden)

    def predict(self, X):
        """The predicted labels (0 or 1) of the rows of ``X``."""
        return (self.scores(X) > 0).astype(int)

    def accuracy(self, X, labels) -> float:
        """The fraction of the rows of ``X`` whose label is predicted correctly."""
        X, labels = _check_data(X, labels)
        return float(np.mean(self.predict(X) == labels))


def train_mlp(X, labels, n_hidden: int = 16, step: float = 1.0, steps: int = 2000,
              seed: int = 0) -> TrainedMLP:
    """Train a two-layer perceptron by gradient descent, the gradient by reverse mode.

    Chapter *Applications and discussion*. ``X`` is ``(n, d)``, ``labels`` are 0/1.
    :func:`~lecture_code.autodiff.solvers.gradient_descent` takes ``steps`` fixed steps of
    size ``step`` with ``grad(loss)`` from :mod:`lecture_code.autodiff`.

    >>> X = np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> model = train_mlp(X, [0, 1], n_hidden=2, steps=50)
    >>> bool(model.losses[-1] < model.losses[0]), model.predict(X).tolist()
    (True, [0, 1])
    """
    X, labels = _check_data(X, labels)
    if int(steps) != steps or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}.")

    def loss(params):
        return logistic_loss(params, X, labels, n_hidden)

    params, history = gradient_descent(grad(loss), mlp_init(X.shape[1], n_hidden, seed),
                                       step=step, tol=0.0, max_iter=int(steps),
                                       return_history=True)
    losses = np.array([float(loss(p)) for p in history])
    return TrainedMLP(params, n_hidden, losses)


# ---------------------------------------------------------------------------------------
# Inverse problems: reverse mode through implicit Euler
# ---------------------------------------------------------------------------------------
def implicit_euler_gradient(f, y0, theta, t_span, h, loss):
    """``(loss(ys), ∂loss/∂θ, (t, ys))`` for the implicit-Euler solution of ``y' = f(t, y, θ)``.

    Introduced in the chapter *Applications and discussion*. ``ys`` is the ``(steps + 1, n)``
    array from :func:`~lecture_code.autodiff.solvers.implicit_euler`; ``loss(ys)`` is a
    scalar (differentiated by reverse mode); ``θ`` a 1-D array. The gradient is that of the
    *discrete* solution (see the module docstring), with the Jacobians ``∂f/∂y`` and
    ``∂f/∂θ`` of every step from ``jacfwd``.

    >>> f = lambda t, y, th: -th[0] * y                  # y' = −k y: y_N = (1 + hk)^(−N)
    >>> value, g, _ = implicit_euler_gradient(f, [1.0], [2.0], (0.0, 1.0), 0.5,
    ...                                       lambda ys: ys[-1, 0])
    >>> round(value, 12), round(float(g[0]), 12)          # 1/4 and −2·0.5/2³
    (0.25, -0.125)
    """
    theta = np.asarray(theta, dtype=float)
    if theta.ndim != 1:
        raise ValueError(f"theta must be a 1-D array of parameters, got shape {theta.shape}.")
    t, ys = implicit_euler(lambda t, y: f(t, y, theta), y0, t_span, h)
    value = float(loss(ys))
    ys_bar = np.asarray(grad(loss)(ys), dtype=float)
    eye = np.eye(ys.shape[1])
    mu = np.zeros(ys.shape[1])                 # adjoint of the step after the current one
    theta_bar = np.zeros_like(theta)
    for k in range(len(t) - 1, 0, -1):         # the reverse sweep, one step at a time
        J_y = np.asarray(jacfwd(lambda y: f(t[k], y, theta))(ys[k]), dtype=float)
        J_theta = np.asarray(jacfwd(lambda th: f(t[k], ys[k], th))(theta), dtype=float)
        mu = np.linalg.solve((eye - h * J_y).T, ys_bar[k] + mu)
        theta_bar += h * J_theta.reshape(len(mu), len(theta)).T @ mu
    return value, theta_bar, (t, ys)
