"""Conventions every AD mode shares where the derivative is not classical (issue 12 §3).

* ties of ``np.max``/``np.min``/``np.maximum``/``np.minimum``: the tied elements share the
  derivative equally (JAX's ``_reduce_chooser_jvp_rule`` and ``_balanced_eq``);
* ``logsumexp`` of all ``-inf``: value ``-inf`` (as scipy), slope 0 (JAX gives NaN; zero is
  the answer agreed in jax-ml/jax#6811);
* array code at points outside a rule's domain (``np.where(x > 0, np.log(x), 0.0)`` at
  ``x = -1``): the value is numpy's, with numpy's warning; a branch that ``np.where`` masks
  out contributes 0 to the derivative in every mode (autograd gives the same [-0, 0.5] here
  but NaN for a masked ``log`` or ``sqrt`` at 0; the ``jax.numpy.where`` docs warn of the same
  NaN); an unmasked bad point raises the rule's :class:`DomainError`. Scalar code raises at
  once (it branches with ``if``).
"""
import numpy as np
import pytest
from scipy.special import logsumexp as scipy_logsumexp

from lecture_code.autodiff import (DomainError, derivative, grad, gradient_forward, jacfwd,
                                   jacrev, jvp, logsumexp, vjp)

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


# --- array code outside a domain: numpy's value, masked branches do not poison -------------
WHERE_CASES = [
    # (function of an array x, x, gradient); autograd gives [-0, 0.5] for the first and NaN
    # for the masked log/sqrt at 0 (0 * inf); JAX documents the same NaN under jnp.where
    (lambda x: np.sum(np.where(x > 0, np.log(x), 0.0)), [-1.0, 2.0], [0.0, 0.5]),
    (lambda x: np.sum(np.where(x > 0, np.log(x), 0.0)), [0.0, 2.0], [0.0, 0.5]),
    (lambda x: np.sum(np.where(x > 0, np.sqrt(x), 0.0)), [0.0, 4.0], [0.0, 0.25]),
    (lambda x: np.sum(np.where(x != 0, 1.0 / x, 0.0)), [0.0, 2.0], [0.0, -0.25]),
    (lambda x: np.sum(np.where(x > 0, x ** 0.5, x)), [0.0, 4.0], [1.0, 0.25]),
    (lambda x: np.sum(np.where(np.abs(x) < 1, np.arcsin(x), 0.0)), [2.0, 0.0], [0.0, 1.0]),
]
ARRAY_MODES = {
    "grad": lambda f, x: grad(f)(x),
    "jacfwd": lambda f, x: jacfwd(f)(x),
    "jacrev": lambda f, x: jacrev(f)(x),
    "vjp": lambda f, x: vjp(f, x)[1](1.0),
    "jvp": lambda f, x: np.array([jvp(f, x, e)[1] for e in np.eye(x.size)]),
}


@pytest.mark.parametrize("mode", sorted(ARRAY_MODES))
@pytest.mark.parametrize("f, x, expected", WHERE_CASES)
def test_a_masked_branch_does_not_poison_the_derivative(mode, f, x, expected):
    with np.errstate(divide="ignore", invalid="ignore"):    # numpy's value warnings
        g = ARRAY_MODES[mode](f, np.array(x))
    assert np.array_equal(np.asarray(g, dtype=float), expected)


def test_the_value_of_array_code_is_numpys_with_its_warning():
    f = lambda x: np.sum(np.where(x > 0, np.log(x), 0.0))  # noqa: E731
    with pytest.warns(RuntimeWarning, match="invalid value encountered in log"):
        assert f(np.array([-1.0, 2.0])) == np.log(2.0)
    with pytest.warns(RuntimeWarning, match="invalid value encountered in log"):
        value, pullback = vjp(f, np.array([-1.0, 2.0]))
    assert value == np.log(2.0)


@pytest.mark.parametrize("mode", sorted(ARRAY_MODES))
def test_an_unmasked_bad_point_still_raises_the_rules_error(mode):
    with pytest.raises(DomainError, match="sqrt is only differentiable for positive inputs, "
                                          "got 0"):
        ARRAY_MODES[mode](lambda x: np.sum(np.sqrt(x)), np.array([1.0, 0.0]))
    with pytest.raises(DomainError, match="x\\*\\*0.5 has no derivative at x = 0"):
        ARRAY_MODES[mode](lambda x: np.sum(x ** 0.5), np.array([0.0, 1.0]))


def test_scalar_code_raises_at_once():
    # scalar code branches with if: a bad point is only reached when it is used
    with pytest.raises(DomainError, match="log is only differentiable"):
        grad(lambda x: np.where(x > 0, np.log(x), 0.0))(-1.0)
    with pytest.raises(DomainError, match="log is only differentiable"):
        derivative(lambda x: np.where(x > 0, np.log(x), 0.0), -1.0)
    assert grad(lambda x: np.log(x) if x > 0 else 0.0)(-1.0) == 0.0


def test_hessian_of_masked_array_code():
    from lecture_code.autodiff import hessian
    with np.errstate(invalid="ignore"):
        H = hessian(lambda x: np.sum(np.where(x > 0, np.log(x), 0.0)))(np.array([-1.0, 2.0]))
    assert np.array_equal(H, [[0.0, 0.0], [0.0, -0.25]])
