"""Reverse mode through numpy's non-elementwise functions: each checked by central differences."""
import numpy as np
import pytest
import scipy.special
from hypothesis import given, settings, strategies as st

from lecture_code.autodiff import logsumexp
from lecture_code.autodiff import value_and_grad
from lecture_code.autodiff.reverse import tape_vjp
from test_autodiff_reverse import check_vjp

RNG = np.random.default_rng(0)
X = RNG.normal(size=(3, 4))
X3 = RNG.normal(size=(2, 3, 4))


# --- reductions -------------------------------------------------------------------------
AXES = [None, 0, 1, -1, (0, 1)]


@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("fn", [np.sum, np.mean, np.max, np.amax, np.min, np.amin])
def test_reductions_over_axes(fn, axis, keepdims):
    check_vjp(lambda x: fn(x, axis=axis, keepdims=keepdims), X)


@pytest.mark.parametrize("method", ["sum", "mean", "max", "min"])
def test_reduction_methods(method):
    check_vjp(lambda x: getattr(x, method)(axis=1) * 2.0, X)
    check_vjp(lambda x: getattr(x, method)(), X)


def test_max_splits_the_adjoint_between_ties():
    _, g = value_and_grad(lambda x: np.max(x))(np.array([1.0, 3.0, 3.0]))
    np.testing.assert_array_equal(g, [0.0, 0.5, 0.5])
    check_vjp(lambda x, y: np.maximum(x, y), np.array([1.0, 4.0]), np.array([2.0, 3.0]))


def test_sum_over_3d_axes_tuple():
    check_vjp(lambda x: np.sum(x ** 2, axis=(0, 2), keepdims=True), X3)
    check_vjp(lambda x: np.mean(x, axis=(-1, 0)), X3)


# --- linear algebra ---------------------------------------------------------------------
MATMUL_SHAPES = [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,)),
                 ((2, 3, 4), (4, 5)), ((2, 3, 4), (1, 4, 5)), ((5,), (2, 5, 3)),
                 ((2, 1, 3, 4), (3, 4, 2))]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES)
def test_matmul_shapes(shapes):
    a, b = (RNG.normal(size=s) for s in shapes)
    check_vjp(lambda a, b: a @ b, a, b)
    check_vjp(lambda a, b: np.matmul(a, b), a, b)


def test_matmul_with_a_constant_on_either_side():
    A = RNG.normal(size=(3, 4))
    x = RNG.normal(size=4)
    check_vjp(lambda x: A @ x, x)
    check_vjp(lambda x: x @ A.T, x)
    check_vjp(lambda A: A @ x, A)


@pytest.mark.parametrize("shapes", [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)),
                                    ((4,), (4,)), ((), (3,))])
def test_dot(shapes):
    a, b = (RNG.normal(size=s) for s in shapes)
    check_vjp(lambda a, b: np.dot(a, b), a, b)
    check_vjp(lambda a: a.dot(b), a)


@pytest.mark.parametrize("shapes", [((4,), (4,)), ((3, 4), (4,)), ((3, 4), (2, 4)),
                                    ((4,), (2, 4)), ((), (3,))])
def test_inner(shapes):
    a, b = (RNG.normal(size=s) for s in shapes)
    check_vjp(lambda a, b: np.inner(a, b), a, b)


def test_outer_and_norm():
    a, b = RNG.normal(size=3), RNG.normal(size=4)
    check_vjp(lambda a, b: np.outer(a, b), a, b)
    check_vjp(lambda x: np.linalg.norm(x), X)
    check_vjp(lambda x: np.linalg.norm(x, axis=1), X)
    check_vjp(lambda x: np.linalg.norm(x, ord=2), a)


def test_dot_of_3d_arrays_and_spectral_norm_raise():
    with pytest.raises(TypeError, match="np.dot of arrays with more than 2 dimensions"):
        tape_vjp(lambda x: np.dot(x, x), X3)
    with pytest.raises(TypeError, match="np.linalg.norm with ord=1 is not supported"):
        tape_vjp(lambda x: np.linalg.norm(x, ord=1), X)


# --- shapes -----------------------------------------------------------------------------
SHAPE_OPS = {
    "transpose": lambda x: np.transpose(x) * X.T,
    "T": lambda x: x.T * X.T,
    "transpose_axes": lambda x: np.transpose(x[None], (2, 0, 1)),
    "method_transpose": lambda x: x.transpose(1, 0),
    "reshape": lambda x: np.reshape(x, (2, 6)) ** 2,
    "reshape_method": lambda x: x.reshape(4, 3) * 2.0,
    "reshape_method_tuple": lambda x: x.reshape((-1,)),
    "ravel": lambda x: np.ravel(x) * np.arange(12.0),
    "flatten": lambda x: x.flatten(),
    "squeeze": lambda x: np.squeeze(np.reshape(x, (1, 3, 1, 4)), axis=(0, 2)),
    "squeeze_method": lambda x: np.reshape(x, (3, 1, 4)).squeeze(),
    "expand_dims": lambda x: np.expand_dims(x, 1) * np.ones((3, 2, 4)),
    "swapaxes": lambda x: np.swapaxes(x, 0, 1),
    "broadcast_to": lambda x: np.broadcast_to(x[0], (5, 4)) * np.arange(5.0)[:, None],
    "atleast_2d": lambda x: np.atleast_2d(x[0]),
}


@pytest.mark.parametrize("name", sorted(SHAPE_OPS))
def test_shape_functions(name):
    check_vjp(SHAPE_OPS[name], X)


# --- indexing ---------------------------------------------------------------------------
INDEXING = {
    "int": lambda x: x[1],
    "negative_int": lambda x: x[-1, 2],
    "slice": lambda x: x[1:, ::2],
    "negative_step": lambda x: x[::-1, 1:3],
    "newaxis_ellipsis": lambda x: x[None, ..., 1],
    "int_array_with_repeats": lambda x: x[[0, 2, 2, 0]],
    "int_arrays_pair": lambda x: x[np.array([0, 1, 1]), np.array([3, 3, 0])],
    "mixed_slice_and_array": lambda x: x[:, [1, 1, 3]],
    "boolean_mask": lambda x: x[x > 0],
    "boolean_rows": lambda x: x[np.array([True, False, True])],
    "variable_index": lambda x: x[np.argmax(np.sum(x.value if False else X, axis=1))],
}


@pytest.mark.parametrize("name", sorted(INDEXING))
def test_indexing(name):
    check_vjp(INDEXING[name], X)


def test_iterating_over_rows_and_len():
    def f(x):
        total = 0.0
        for row in x:
            total = total + np.sum(row ** 2) * len(x)
        return total
    check_vjp(f, X)


def test_iterating_over_a_vector_of_floats():
    check_vjp(lambda x: sum(xi * xi for xi in x), np.array([1.0, 2.0, 3.0]))


def test_scalar_variables_cannot_be_iterated():
    with pytest.raises(TypeError, match="iteration over a 0-d"):
        tape_vjp(lambda x: list(x), 1.0)
    with pytest.raises(TypeError, match="len.. of a 0-d"):
        tape_vjp(lambda x: len(x), 1.0)


@settings(deadline=None, max_examples=30)
@given(st.lists(st.integers(-3, 2), min_size=1, max_size=6), st.integers(0, 100))
def test_integer_array_indexing_adds_repeated_adjoints(index, seed):
    x = np.random.default_rng(seed).normal(size=3)
    _, pullback = tape_vjp(lambda x: x[index], x)
    out_bar = np.arange(1.0, len(index) + 1)
    expected = np.zeros(3)
    np.add.at(expected, index, out_bar)
    np.testing.assert_array_equal(pullback(out_bar)[0], expected)


# --- joining, selection -----------------------------------------------------------------
def test_concatenate_and_stack():
    a, b = RNG.normal(size=(2, 3)), RNG.normal(size=(4, 3))
    check_vjp(lambda a, b: np.concatenate([a, b]), a, b)
    check_vjp(lambda a, b: np.concatenate([a.T, b.T, a.T], axis=1), a, b)
    check_vjp(lambda a, b: np.concatenate((a, b), axis=None), a, b)
    check_vjp(lambda a: np.concatenate([a, X[:2, :3]], axis=-1), a)
    c = RNG.normal(size=(2, 3))
    check_vjp(lambda a, c: np.stack([a, c, a]), a, c)
    check_vjp(lambda a, c: np.stack([a, c], axis=-1), a, c)


def test_hstack_and_vstack():
    a, b = RNG.normal(size=3), RNG.normal(size=2)
    check_vjp(lambda a, b: np.hstack([a, b, a]), a, b)
    check_vjp(lambda a: np.vstack([a, a * 2.0]), a)
    A, B = RNG.normal(size=(2, 3)), RNG.normal(size=(2, 2))
    check_vjp(lambda A, B: np.hstack((A, B)), A, B)
    check_vjp(lambda A: np.vstack((A, X[:1, :3])), A)


def test_stack_of_scalar_variables():
    check_vjp(lambda x, y: np.stack([x * y, x + y]), 0.3, 0.8)


def test_where_and_clip():
    x, y = RNG.normal(size=(3, 4)), RNG.normal(size=4)
    check_vjp(lambda x, y: np.where(x > 0, x * 2.0, y), x, y)
    check_vjp(lambda x: np.where(x > 0, 1.0, x ** 2), x)
    check_vjp(lambda x: np.clip(x, -0.5, 0.5), x)
    check_vjp(lambda x: x.clip(-0.5), x)
    assert np.where(np.array([True, False]))[0].tolist() == [0]


def test_like_constructors_give_constants():
    _, pullback = tape_vjp(lambda x: np.sum(x * np.ones_like(x) + np.zeros_like(x)), X)
    np.testing.assert_array_equal(pullback(1.0)[0], np.ones_like(X))


def test_object_arrays_of_float_variables_use_rule_methods():
    def f(x, y):
        return np.sum(np.sin(np.array([x, y * x])))
    check_vjp(f, 0.3, 0.7)


# --- logsumexp --------------------------------------------------------------------------
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_logsumexp_matches_scipy_and_its_gradient_is_softmax(axis, keepdims):
    x = X * 50.0
    expected = scipy.special.logsumexp(x, axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(logsumexp(x, axis=axis, keepdims=keepdims), expected)
    value, pullback = tape_vjp(lambda x: logsumexp(x, axis=axis, keepdims=keepdims), X)
    np.testing.assert_allclose(value, scipy.special.logsumexp(X, axis, keepdims=keepdims))
    check_vjp(lambda x: logsumexp(x, axis=axis, keepdims=keepdims), X)


def test_logsumexp_on_floats_and_infinities():
    assert logsumexp(1000.0) == 1000.0
    assert type(logsumexp(1.5)) is float
    assert type(logsumexp(np.array([1.0, 2.0]))) is np.float64
    assert logsumexp(np.array([-np.inf, -np.inf])) == -np.inf
    np.testing.assert_allclose(logsumexp(np.array([[0.0, -np.inf]]), axis=1), [0.0])
    _, g = value_and_grad(lambda x: logsumexp(x))(np.array([0.0, -np.inf]))
    np.testing.assert_array_equal(g, [1.0, 0.0])


def test_scipy_logsumexp_on_a_variable_raises_a_clear_type_error():
    with pytest.raises(TypeError, match="lecture_code.autodiff.logsumexp"):
        tape_vjp(lambda x: scipy.special.logsumexp(x), X)


# --- errors -----------------------------------------------------------------------------
def test_unsupported_numpy_function_names_itself():
    with pytest.raises(TypeError, match=r"np\.fft\.fft is not supported by lecture_code"):
        tape_vjp(lambda x: np.fft.fft(x), np.ones(4))
    with pytest.raises(TypeError, match=r"np\.linalg\.det is not supported"):
        tape_vjp(lambda x: np.linalg.det(x), np.eye(2))
    with pytest.raises(TypeError, match=r"np\.cumsum is not supported"):
        tape_vjp(lambda x: np.cumsum(x), np.ones(4))


def test_unsupported_keywords_raise():
    with pytest.raises(TypeError, match="np.sum .* does not support out="):
        tape_vjp(lambda x: np.sum(x, out=np.empty(())), np.ones(4))
    with pytest.raises(TypeError, match="order='C' only"):
        tape_vjp(lambda x: np.reshape(x, (2, 2), order="F"), np.ones(4))


# --- a GMM negative log-likelihood (the benchmark's function) ---------------------------
def gmm_nll(means, lower, log_diag, log_weights, X):
    K, D = means.shape
    L = lower * np.tril(np.ones((D, D)), -1) + np.exp(log_diag)[:, :, None] * np.eye(D)
    z = (X[None, :, :] - means[:, None, :]) @ L
    log_pi = log_weights - logsumexp(log_weights)
    logp = (log_pi[:, None] + np.sum(log_diag, axis=1)[:, None]
            - 0.5 * np.sum(z * z, axis=2) - 0.5 * D * np.log(2 * np.pi))
    return -np.sum(logsumexp(logp, axis=0))


def test_gmm_negative_log_likelihood_gradient():
    rng = np.random.default_rng(5)
    K, D, N = 3, 2, 20
    X = rng.normal(size=(N, D))
    params = (rng.normal(size=(K, D)), rng.normal(size=(K, D, D)),
              0.3 * rng.normal(size=(K, D)), rng.normal(size=K))
    check_vjp(lambda *p: gmm_nll(*p, X), *params, rtol=1e-5, atol=1e-5)
    # the value equals scipy's mixture density
    from scipy.stats import multivariate_normal
    means, lower, log_diag, log_weights = params
    dens = 0.0
    weights = np.exp(log_weights) / np.exp(log_weights).sum()
    for k in range(K):
        L = np.tril(lower[k], -1) + np.diag(np.exp(log_diag[k]))
        cov = np.linalg.inv(L @ L.T)
        dens = dens + weights[k] * multivariate_normal(means[k], cov).pdf(X)
    np.testing.assert_allclose(gmm_nll(*params, X), -np.sum(np.log(dens)), rtol=1e-10)


def test_vector_output_built_with_np_array():
    def f(x, y):
        return np.array([x * y, np.sin(x), 2.0])
    check_vjp(f, 0.3, 0.7)
    check_vjp(lambda x: np.array([[x[0] * x[1], x[1]], [x[0], 1.0]]), np.array([0.3, 0.7]))
