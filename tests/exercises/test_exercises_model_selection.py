"""Tests for the checkers of the chapter *Mixtures in practice with scikit-learn*."""
import numpy as np
import pytest

from lecture_code.exercises import model_selection as ms
from lecture_code.mixture import GaussianMixture


# ----------------------------------------------------------------- reference solutions
def n_parameters(K, D, covariance_type):
    cov = {"full": K * D * (D + 1) // 2, "tied": D * (D + 1) // 2, "diag": K * D,
           "spherical": K}[covariance_type]
    return cov + K * D + K - 1


def bic_by_hand(model, X):
    n = len(X)
    K, D = model.means_.shape
    return -2 * n * model.score(X) + n_parameters(K, D, model.covariance_type) * np.log(n)


def select_k(X, k_values):
    bics = [GaussianMixture(k, **ms.SELECT_K_SETTINGS).fit(X).bic(X) for k in k_values]
    return int(k_values[int(np.argmin(bics))]), bics


def stub(*args):
    raise NotImplementedError("Exercise: do it")


# ----------------------------------------------------------------- n_parameters
def test_n_parameters_reference_passes_and_matches_library():
    assert ms.check_n_parameters(n_parameters)
    for K, D, ct in ms._COUNT_CASES:
        assert ms._library_n_parameters(K, D, ct) == n_parameters(K, D, ct)


def test_n_parameters_faithful_table():
    assert [n_parameters(2, 2, ct) for ct in ("full", "tied", "diag", "spherical")] == \
        [11, 8, 9, 7]


def test_n_parameters_stub_is_not_implemented():
    result = ms.check_n_parameters(stub)
    assert not result and "not implemented yet" in str(result)


@pytest.mark.parametrize("wrong, fragment", [
    (lambda K, D, ct: n_parameters(K, D, ct) + 1, "only K − 1 of them are free"),
    (lambda K, D, ct: n_parameters(K, D, ct) - (K - 1), "weights are missing"),
    (lambda K, D, ct: n_parameters(K, D, ct) - K * D, "means are missing"),
    (lambda K, D, ct: n_parameters(K, D, ct) + (K * D * (D - 1) // 2 if ct == "full" else 0),
     "symmetric"),
    (lambda K, D, ct: n_parameters(K, D, ct) + ((K - 1) * D * (D + 1) // 2 if ct == "tied"
                                                else 0), "ONE covariance matrix"),
    (lambda K, D, ct: n_parameters(K, D, ct) + (K * (D - 1) if ct == "spherical" else 0),
     "one variance per component"),
])
def test_n_parameters_typical_mistakes_get_specific_hints(wrong, fragment):
    result = ms.check_n_parameters(wrong)
    assert not result
    assert fragment in str(result), str(result)


def test_n_parameters_exception_and_none_are_reported():
    assert "raised KeyError" in str(ms.check_n_parameters(lambda K, D, ct: {}[ct]))
    assert "did you forget `return`" in str(ms.check_n_parameters(lambda K, D, ct: None))


# ----------------------------------------------------------------- bic_by_hand
def test_bic_reference_passes_and_stub_is_todo():
    assert ms.check_bic_by_hand(bic_by_hand)
    assert "not implemented yet" in str(ms.check_bic_by_hand(stub))


def test_bic_library_agrees_with_scikit_learn_on_faithful():
    sklearn_mixture = pytest.importorskip("sklearn.mixture")
    gm, X, _ = ms._bic_models()[0]
    sk = sklearn_mixture.GaussianMixture(2, n_init=2, max_iter=500, random_state=0).fit(X)
    assert bic_by_hand(sk, X) == pytest.approx(sk.bic(X), rel=1e-12)
    assert gm.bic(X) == pytest.approx(sk.bic(X), rel=1e-8)


@pytest.mark.parametrize("wrong, fragment", [
    (lambda m, X: m.aic(X), "that is the AIC"),
    (lambda m, X: bic_by_hand(m, X) - 2 * (len(X) - 1) * -m.score(X), "MEAN log-likelihood"),
    (lambda m, X: -bic_by_hand(m, X), "sign is flipped"),
    (lambda m, X: bic_by_hand(m, X) + np.log(len(X)), "parameter count"),
    (lambda m, X: bic_by_hand(m, X) - n_parameters(*m.means_.shape, m.covariance_type)
     * (np.log(len(X)) - np.log10(len(X))), "natural logarithm"),
])
def test_bic_typical_mistakes_get_specific_hints(wrong, fragment):
    result = ms.check_bic_by_hand(wrong)
    assert not result
    assert fragment in str(result), str(result)


# ----------------------------------------------------------------- select_k
def test_select_k_reference_passes_and_stub_is_todo():
    assert ms.check_select_k(select_k)
    assert "not implemented yet" in str(ms.check_select_k(stub))


def test_select_k_true_cluster_counts_are_what_bic_recovers():
    for seed, K, D, _ in ms._SELECT_CASES:
        bics = ms._reference_bics(seed, K, D)
        assert ms._K_VALUES[int(np.argmin(bics))] == K


def test_select_k_highest_bic_is_caught():
    def highest(X, k_values):
        k, bics = select_k(X, k_values)
        return int(k_values[int(np.argmax(bics))]), bics
    result = ms.check_select_k(highest)
    assert not result and "HIGHEST BIC" in str(result)


def test_select_k_aic_is_diagnosed():
    def with_aic(X, k_values):
        aics = [GaussianMixture(k, **ms.SELECT_K_SETTINGS).fit(X).aic(X) for k in k_values]
        return int(k_values[int(np.argmin(aics))]), aics
    result = ms.check_select_k(with_aic)
    assert not result and "AIC" in str(result), str(result)


@pytest.mark.parametrize("got, fragment", [
    (3, "return a pair (best_k, bics)"),
    ((3, [1.0, 2.0]), "one BIC per candidate K"),
    ((2.5, [5.0, 1.0, 2.0, 3.0, 4.0, 6.0]), "should be an integer"),
    ((1, [np.nan] * 6), "NaN"),
    ((1, [5.0, 1.0, 2.0, 3.0, 4.0, 6.0]), "lowest of your BIC values is at K = 2"),
])
def test_select_k_malformed_answers_get_specific_messages(got, fragment):
    result = ms.check_select_k(lambda X, k_values: got)
    assert not result and fragment in str(result), str(result)
