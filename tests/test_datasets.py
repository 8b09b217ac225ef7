"""lecture_code.datasets: Old Faithful and synthetic mixtures."""
import numpy as np
import pytest

from lecture_code.datasets import load_faithful, make_mixture


def test_faithful():
    X, names = load_faithful(return_names=True)
    assert X.shape == (272, 2) and X.dtype == np.float64 and names == ("eruptions", "waiting")
    assert np.all(np.isfinite(X))
    np.testing.assert_allclose(X.mean(0), [3.4878, 70.8971], atol=1e-4)
    np.testing.assert_array_equal(load_faithful(), X)


def test_make_mixture_seeded_and_correct():
    means = [[0.0, 0.0], [10.0, 0.0]]
    covs = [np.eye(2), [[2.0, 0.5], [0.5, 1.0]]]
    X, y = make_mixture(20_000, means, covs, [0.25, 0.75], random_state=1)
    X2, y2 = make_mixture(20_000, means, covs, [0.25, 0.75], random_state=1)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert abs(np.mean(y == 1) - 0.75) < 0.02
    np.testing.assert_allclose(X[y == 1].mean(0), [10, 0], atol=0.05)
    np.testing.assert_allclose(np.cov(X[y == 1].T), covs[1], atol=0.06)


@pytest.mark.parametrize("kw, match", [
    (dict(means=[0.0, 1.0]), r"means must have shape \(K, D\)"),
    (dict(covariances=np.eye(2)), "covariances must have shape"),
    (dict(weights=[0.5, 0.6]), "summing to 1"),
    (dict(n_samples=0), "positive integer"),
    (dict(covariances=[np.eye(2), -np.eye(2)]), r"covariances\[1\] is not symmetric positive"),
])
def test_make_mixture_errors(kw, match):
    args = dict(n_samples=10, means=[[0.0, 0.0], [1.0, 1.0]], covariances=[np.eye(2)] * 2)
    args.update(kw)
    with pytest.raises(ValueError, match=match):
        make_mixture(**args)
