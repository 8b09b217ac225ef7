"""Conventions every AD mode shares where the derivative is not classical (issue 12 §3).

* ties of ``np.max``/``np.min``/``np.maximum``/``np.minimum``: the tied elements share the
  derivative equally (JAX's ``_reduce_chooser_jvp_rule`` and ``_balanced_eq``);
* ``logsumexp`` of all ``-inf``: value ``-inf`` (as scipy), slope 0 (JAX gives NaN; zero is
  the answer agreed in jax-ml/jax#6811);
"""
import numpy as np
import pytest
from scipy.special import logsumexp as scipy_logsumexp

from lecture_code.autodiff import (derivative, grad, gradient_forward, jacfwd, jacrev, jvp,
                                   logsumexp, vjp)

MODES = {
    "grad": lambda f, x: grad(f)(x),
    "jacfwd": lambda f, x: jacfwd(f)(x),
    "jacrev": lambda f, x: jacrev(f)(x),
    "jvp": lambda f, x: np.array([jvp(f, x, e)[1] for e in np.eye(x.size)]),
    "vjp": lambda f, x: vjp(f, x)[1](1.0),
}


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("f, x, expected", [
    (np.max, [1.0, 1.0], [0.5, 0.5]),
    (np.min, [2.0, 2.0, 2.0], [1 / 3, 1 / 3, 1 / 3]),
    (np.max, [3.0, 1.0, 3.0], [0.5, 0.0, 0.5]),
    (np.amax, [0.0, 5.0], [0.0, 1.0]),
    (lambda x: np.sum(np.max(x.reshape(2, 2), axis=1)), [1.0, 1.0, 0.0, 2.0],
     [0.5, 0.5, 0.0, 1.0]),
    (lambda x: np.maximum(x[0], x[1]), [1.0, 1.0], [0.5, 0.5]),
    (lambda x: np.minimum(x[0], x[1]), [1.0, 1.0], [0.5, 0.5]),
    (lambda x: np.sum(np.maximum(x, 0.0)), [0.0, 1.0, -1.0], [0.5, 1.0, 0.0]),
    (lambda x: logsumexp(x), [-np.inf, -np.inf], [0.0, 0.0]),
    (lambda x: logsumexp(x), [-np.inf, 0.0], [0.0, 1.0]),
    (lambda x: np.sum(logsumexp(x.reshape(2, 2), axis=1)), [-np.inf, -np.inf, 0.0, 0.0],
     [0.0, 0.0, 0.5, 0.5]),
])
def test_ties_and_empty_sums_have_one_convention_in_every_mode(mode, f, x, expected):
    g = MODES[mode](f, np.array(x))
    assert np.allclose(np.asarray(g, dtype=float).reshape(-1), expected, rtol=1e-12)


def test_scalar_ties_agree():
    assert derivative(lambda x: np.maximum(x, 1.0), 1.0) == 0.5
    assert grad(lambda x: np.maximum(x, 1.0))(1.0) == 0.5
    assert grad(lambda x: np.minimum(1.0, x))(1.0) == 0.5
    assert gradient_forward(lambda v: np.maximum(v[0], v[1]), [2.0, 2.0]).tolist() == [0.5, 0.5]


def test_logsumexp_value_of_all_minus_inf_is_scipys():
    x = np.array([-np.inf, -np.inf])
    assert logsumexp(x) == scipy_logsumexp(x) == -np.inf
    value, _ = vjp(logsumexp, x)
    assert value == -np.inf
    rows = np.array([[-np.inf, -np.inf], [0.0, 0.0]])
    assert np.array_equal(logsumexp(rows, axis=1), scipy_logsumexp(rows, axis=1))
