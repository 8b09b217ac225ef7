"""Tests for lecture_code.autodiff.applications: the perceptron and the ODE inverse problem."""
import numpy as np
import pytest

from lecture_code.autodiff import grad, solvers
from lecture_code.autodiff.applications import (implicit_euler_gradient, logistic_loss,
                                                mlp_init, mlp_scores, train_mlp)


def _moons(n, seed):
    """Two interleaved half circles (the two-moons toy set), seeded."""
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0, np.pi, n)
    label = rng.integers(0, 2, n)
    X = np.where(label[:, None] == 0,
                 np.column_stack([np.cos(angle), np.sin(angle)]),
                 np.column_stack([1 - np.cos(angle), 0.5 - np.sin(angle)]))
    return X + 0.1 * rng.normal(size=X.shape), label


def test_mlp_gradient_matches_central_differences():
    X, labels = _moons(30, 0)
    params = mlp_init(2, 5, seed=1)
    g = grad(lambda p: logistic_loss(p, X, labels, 5))(params)
    eps = 1e-6
    for k in range(0, params.size, 3):
        e = np.zeros_like(params)
        e[k] = eps
        fd = (logistic_loss(params + e, X, labels, 5)
              - logistic_loss(params - e, X, labels, 5)) / (2 * eps)
        assert g[k] == pytest.approx(fd, rel=1e-6, abs=1e-9)


def test_mlp_scores_match_a_loop_over_hidden_units():
    params = mlp_init(2, 3, seed=2)
    X = np.array([[0.3, -0.2], [1.0, 2.0]])
    W1, b1, w2, b2 = params[:6].reshape(2, 3), params[6:9], params[9:12], params[12]
    expected = [sum(w2[j] * np.tanh(x @ W1[:, j] + b1[j]) for j in range(3)) + b2 for x in X]
    assert mlp_scores(params, X, 3) == pytest.approx(expected, rel=1e-14)


def test_train_mlp_separates_two_moons():
    X, labels = _moons(200, 3)
    model = train_mlp(X, labels, n_hidden=16, steps=1500)
    assert model.losses.shape == (1501,)
    assert model.losses[-1] < 0.2 * model.losses[0]
    X_test, labels_test = _moons(300, 4)
    assert model.accuracy(X_test, labels_test) >= 0.95


@pytest.mark.parametrize("kwargs, match", [
    ({"X": np.ones(4), "labels": [0, 1, 0, 1]}, "2-D"),
    ({"X": np.ones((4, 2)), "labels": [0, 1, 2, 1]}, "labels must be 4 class labels"),
    ({"X": np.ones((4, 2)), "labels": [0, 1]}, "labels must be 4"),
    ({"X": np.ones((2, 2)), "labels": [0, 1], "steps": 0}, "steps must be a positive"),
    ({"X": np.ones((2, 2)), "labels": [0, 1], "n_hidden": 0}, "positive integers"),
])
def test_train_mlp_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        train_mlp(**kwargs)


def _decay(t, y, theta):
    """y' = −k y² (second-order decay), k = exp(θ₀): nonlinear, so Newton does real work."""
    return -np.exp(theta[0]) * y * y


def test_implicit_euler_gradient_matches_differences_of_the_solver():
    data = np.linspace(0.9, 0.3, 21)

    def loss(ys):
        return 0.5 * np.sum((ys[:, 0] - data) ** 2)

    theta = np.array([0.2])
    value, g, (t, ys) = implicit_euler_gradient(_decay, [1.0], theta, (0.0, 2.0), 0.1, loss)
    eps = 1e-6

    def solved(th):
        return loss(solvers.implicit_euler(lambda t, y: _decay(t, y, th), [1.0], (0.0, 2.0),
                                           0.1)[1])
    fd = (solved(theta + eps) - solved(theta - eps)) / (2 * eps)
    assert value == pytest.approx(solved(theta), rel=1e-14)
    assert g[0] == pytest.approx(fd, rel=1e-6)
    assert ys.shape == (21, 1)


def test_implicit_euler_gradient_of_a_system_with_two_parameters():
    def f(t, y, theta):                       # y1' = −a y1, y2' = a y1 − b y2
        return np.array([-theta[0] * y[0], theta[0] * y[0] - theta[1] * y[1]])

    def loss(ys):
        return np.sum(ys[:, 1] ** 2) + ys[-1, 0]

    theta = np.array([1.3, 0.4])
    _, g, _ = implicit_euler_gradient(f, [1.0, 0.0], theta, (0.0, 1.0), 0.05, loss)
    for k in range(2):
        e = np.zeros(2)
        e[k] = 1e-6
        fd = (loss(solvers.implicit_euler(lambda t, y: f(t, y, theta + e), [1.0, 0.0],
                                          (0.0, 1.0), 0.05)[1])
              - loss(solvers.implicit_euler(lambda t, y: f(t, y, theta - e), [1.0, 0.0],
                                            (0.0, 1.0), 0.05)[1])) / 2e-6
        assert g[k] == pytest.approx(fd, rel=1e-6)


def test_implicit_euler_gradient_needs_a_parameter_vector():
    with pytest.raises(ValueError, match="theta must be a 1-D array"):
        implicit_euler_gradient(_decay, [1.0], 0.2, (0.0, 1.0), 0.1, lambda ys: ys[-1, 0])
