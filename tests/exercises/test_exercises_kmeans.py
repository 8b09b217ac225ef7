"""Tests for the checkers of the k-means chapter (lecture_code.exercises.kmeans)."""
import numpy as np
import pytest
from scipy.special import logsumexp

from lecture_code.exercises import kmeans as ek
from lecture_code.mixture import hard_m_step


def _stub(*args, **kwargs):
    raise NotImplementedError("Exercise: implement it")


# --- reference solutions, as in the chapter -------------------------------------------
def assign_labels(X, centers):
    d = ((X[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
    return d.argmin(axis=1)


def update_centers(X, labels, centers):
    K = len(centers)
    sums = np.zeros_like(centers, dtype=float)
    np.add.at(sums, labels, X)
    counts = np.bincount(labels, minlength=K).astype(float)
    empty = np.flatnonzero(counts == 0)
    far = np.argsort(-((X - centers[labels]) ** 2).sum(axis=1), kind="stable")
    for k, n in zip(empty, far):
        sums[labels[n]] -= X[n]
        counts[labels[n]] -= 1
        sums[k], counts[k] = X[n], 1
    return sums / counts[:, None]


def soft_assign(X, centers, sigma):
    a = -((X[:, None, :] - centers[None]) ** 2).sum(axis=2) / (2 * sigma ** 2)
    return np.exp(a - logsumexp(a, axis=1, keepdims=True))


def soft_kmeans(X, centers, sigma, n_iter):
    mu = centers.copy()
    for _ in range(n_iter):
        r = soft_assign(X, mu, sigma)
        mu = r.T @ X / r.sum(axis=0)[:, None]
    return mu


def dsquared_probabilities(X, chosen):
    d = ((X[:, None, :] - chosen[None]) ** 2).sum(axis=2).min(axis=1)
    return d / d.sum()


CHECKERS = [(ek.check_assign_labels, assign_labels),
            (ek.check_update_centers, update_centers),
            (ek.check_soft_kmeans, soft_kmeans),
            (ek.check_dsquared_probabilities, dsquared_probabilities)]


@pytest.mark.parametrize("checker, solution", CHECKERS)
def test_reference_solution_passes(checker, solution):
    result = checker(solution)
    assert result, str(result)
    assert str(result).startswith("[PASS]")


@pytest.mark.parametrize("checker, solution", CHECKERS)
def test_stub_is_not_implemented_yet(checker, solution):
    result = checker(_stub)
    assert not result
    assert "not implemented yet" in str(result)
    assert "not implemented yet" in result._repr_markdown_()


@pytest.mark.parametrize("checker, solution", CHECKERS)
def test_exception_and_none_are_reported(checker, solution):
    def broken(*args):
        return [][1]
    text = str(checker(broken))
    assert "raised IndexError" in text
    assert "forget `return`" in str(checker(lambda *a: None))


def test_library_m_step_passes():
    assert ek.check_update_centers(hard_m_step)


# --- typical mistakes get specific hints ------------------------------------------------
def test_assign_argmax():
    text = str(ek.check_assign_labels(
        lambda X, C: ((X[:, None] - C[None]) ** 2).sum(-1).argmax(1)))
    assert "use argmin, not argmax" in text


def test_assign_distances_returned():
    text = str(ek.check_assign_labels(lambda X, C: ((X[:, None] - C[None]) ** 2).sum(-1)))
    assert "(N, K) distances" in text


def test_assign_one_based():
    assert "counted from 1" in str(ek.check_assign_labels(lambda X, C: assign_labels(X, C) + 1))


def test_assign_manhattan():
    text = str(ek.check_assign_labels(
        lambda X, C: np.abs(X[:, None] - C[None]).sum(-1).argmin(1)))
    assert "Manhattan" in text and "x = (0, 0)" in text


def test_update_empty_cluster_nan():
    def naive(X, labels, centers):
        with np.errstate(invalid="ignore"):
            return np.array([X[labels == k].mean(axis=0) if np.any(labels == k)
                             else np.full(X.shape[1], np.nan) for k in range(len(centers))])
    text = str(ek.check_update_centers(naive))
    assert "empty cluster" in text and "0/0 = NaN" in text
    assert "12 points" not in text          # the case without an empty cluster passes


def test_update_keeps_old_center():
    def keep(X, labels, centers):
        return np.array([X[labels == k].mean(axis=0) if np.any(labels == k) else centers[k]
                         for k in range(len(centers))])
    assert "left the empty cluster's center where it was" in str(ek.check_update_centers(keep))


def test_update_does_not_remove_moved_point():
    def no_remove(X, labels, centers):
        new = np.array([X[labels == k].mean(axis=0) if np.any(labels == k) else centers[k]
                        for k in range(len(centers))])
        far = np.argsort(-((X - centers[labels]) ** 2).sum(axis=1), kind="stable")
        for k, n in zip(np.flatnonzero(np.bincount(labels, minlength=len(centers)) == 0), far):
            new[k] = X[n]
        return new
    text = str(ek.check_update_centers(no_remove))
    assert "remove that point from its old cluster first" in text


def test_update_sums_not_means():
    def sums(X, labels, centers):
        out = np.zeros_like(centers)
        np.add.at(out, labels, X)
        return out
    assert "divide by the number of points" in str(ek.check_update_centers(sums))


def test_soft_kmeans_naive_underflows():
    def naive(X, C, sigma, n_iter):
        mu = C.copy()
        with np.errstate(invalid="ignore", divide="ignore", under="ignore"):
            for _ in range(n_iter):
                a = np.exp(-((X[:, None] - mu[None]) ** 2).sum(-1) / (2 * sigma ** 2))
                r = a / a.sum(axis=1, keepdims=True)
                mu = r.T @ X / r.sum(axis=0)[:, None]
        return mu
    result = ek.check_soft_kmeans(naive)
    text = str(result)
    assert not result and "sigma = 0.01" in text and "underflows" in text
    assert "sigma = 2.0" not in text


def _one_step_wrong(kind):
    def wrong(X, C, sigma, n_iter):
        r = soft_assign(X, C, sigma)
        if kind == "cols":
            a = -((X[:, None] - C[None]) ** 2).sum(-1) / (2 * sigma ** 2)
            r = np.exp(a - logsumexp(a, axis=0, keepdims=True))
        if kind == "hard":
            r = np.eye(len(C))[r.argmax(axis=1)]
        return r.T @ X if kind == "sums" else r.T @ X / r.sum(axis=0)[:, None]
    return wrong


@pytest.mark.parametrize("wrong, phrase", [
    (_one_step_wrong("cols"), "normalised the columns"),
    (_one_step_wrong("sums"), "weighted sums"),
    (_one_step_wrong("hard"), "Lloyd's centers"),
    (lambda X, C, s, n: soft_kmeans(X, C, s, 1), "that is one iteration"),
])
def test_soft_kmeans_typical_mistakes(wrong, phrase):
    result = ek.check_soft_kmeans(wrong)
    assert not result and phrase in str(result), str(result)


def test_soft_kmeans_tends_to_lloyd_as_sigma_goes_to_zero():
    X, C = ek._soft_cases()[0].args[:2]
    from lecture_code.mixture import hard_e_step
    mu = C.copy()
    for _ in range(4):
        mu = hard_m_step(X, hard_e_step(X, mu), mu)
    assert np.allclose(soft_kmeans(X, C, 1e-3, 4), mu)


@pytest.mark.parametrize("wrong, phrase", [
    (lambda X, c: np.sqrt(((X[:, None] - c[None]) ** 2).sum(-1).min(1))
     / np.sqrt(((X[:, None] - c[None]) ** 2).sum(-1).min(1)).sum(), "not its square"),
    (lambda X, c: ((X[:, None] - c[None]) ** 2).sum(-1).min(1), "divide by their total"),
    (lambda X, c: ((X[:, None] - c[None]) ** 2).sum(-1).sum(1)
     / ((X[:, None] - c[None]) ** 2).sum(), "not the sum"),
])
def test_dsquared_typical_mistakes(wrong, phrase):
    assert phrase in str(ek.check_dsquared_probabilities(wrong))


# ---------------------------------------------------------------------------------------
# Why Lloyd's algorithm terminates (derivation exercise)
# ---------------------------------------------------------------------------------------
def _objective(X, labels, centers):
    return float(((X - centers[labels]) ** 2).sum())


def test_kmeans_objective_solution_passes_including_the_lloyd_certificate():
    from lecture_code.exercises.kmeans import check_kmeans_objective
    result = check_kmeans_objective(_objective)
    assert result, str(result)
    assert "Lloyd" in result.outcomes[-1].label and result.outcomes[-1]


def _sq(X, centers):
    return ((X[:, None, :] - centers[None]) ** 2).sum(axis=2)


@pytest.mark.parametrize("wrong, fragment", [
    (lambda X, l, C: _sq(X, C).min(axis=1).sum(), "nearest center, ignoring the labels"),
    (lambda X, l, C: np.sqrt(((X - C[l]) ** 2).sum(axis=1)).sum(), "sums their squares"),
    (lambda X, l, C: ((X - C[l]) ** 2).sum(axis=1).mean(), "J is the sum"),
    (lambda X, l, C: _sq(X, C).sum(), "every center"),
])
def test_kmeans_objective_slips_are_diagnosed(wrong, fragment):
    from lecture_code.exercises.kmeans import check_kmeans_objective
    result = check_kmeans_objective(wrong)
    assert not result and fragment in str(result), str(result)


def test_kmeans_objective_certificate_catches_a_j_that_goes_up():
    from lecture_code.exercises.kmeans import _lloyd_certificate
    assert _lloyd_certificate(_objective) is None
    # a "J" that grows as the centers move towards the data: Lloyd makes it go up
    message = _lloyd_certificate(lambda X, l, C: -_objective(X, l, C))
    assert message and "went up" in message


def test_kmeans_objective_stub_is_not_implemented_yet():
    from lecture_code.exercises.kmeans import check_kmeans_objective

    def kmeans_objective(X, labels, centers):
        raise NotImplementedError("Exercise: implement kmeans_objective")
    assert "not implemented yet" in str(check_kmeans_objective(kmeans_objective))
