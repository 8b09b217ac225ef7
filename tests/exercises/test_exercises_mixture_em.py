"""Tests for the checkers of the chapter *The EM algorithm* (lecture_code.exercises.mixture_em)."""
import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.stats import multivariate_normal

from lecture_code.exercises import mixture_em as me


def _stub(*args, **kwargs):
    raise NotImplementedError("Exercise: implement it")


# --- reference solutions, as in the chapter --------------------------------------------
def e_step(X, weights, means, covs):
    log_joint = np.column_stack([np.log(w) + multivariate_normal(m, c).logpdf(X)
                                 for w, m, c in zip(weights, means, covs)])
    norm = logsumexp(log_joint, axis=1)
    return np.exp(log_joint - norm[:, None]), float(norm.sum())


def m_step(X, resp):
    nk = resp.sum(axis=0)
    means = resp.T @ X / nk[:, None]
    covs = np.array([(resp[:, k] * (X - means[k]).T) @ (X - means[k]) / nk[k]
                     for k in range(len(nk))])
    return nk / len(X), means, covs


def means_only_step(x, mu, sigma):
    d = -0.5 * ((x[:, None] - mu) / sigma) ** 2
    r = np.exp(d - logsumexp(d, axis=1, keepdims=True))
    return (r * x[:, None]).sum(axis=0) / r.sum(axis=0)


def run_em(X, weights, means, covs, n_iter):
    logliks = []
    for _ in range(n_iter):
        resp, ll = e_step(X, weights, means, covs)
        logliks.append(ll)
        weights, means, covs = m_step(X, resp)
    return weights, means, covs, logliks


CHECKERS = [(me.check_e_step, e_step), (me.check_m_step, m_step),
            (me.check_means_only_step, means_only_step), (me.check_run_em, run_em)]


@pytest.mark.parametrize("checker, solution", CHECKERS)
def test_reference_solution_passes(checker, solution):
    result = checker(solution)
    assert result, str(result)
    assert str(result).startswith("[PASS]")


@pytest.mark.parametrize("checker", [c for c, _ in CHECKERS])
def test_stub_is_not_implemented_yet(checker):
    result = checker(_stub)
    assert not result
    assert "not implemented yet" in str(result)
    assert "not implemented yet" in result._repr_markdown_()


@pytest.mark.parametrize("checker", [c for c, _ in CHECKERS])
def test_crash_and_garbage_are_reported_not_raised(checker):
    def crash(*args):
        raise ValueError("boom")

    assert "raised ValueError: boom" in str(checker(crash))
    assert not checker(lambda *args: None)
    assert not checker(lambda *args: "nonsense")


# --- the E-step ------------------------------------------------------------------------
def _report(checker, fn):
    result = checker(fn)
    assert not result
    return str(result)


def test_e_step_naive_densities_underflow():
    def naive(X, weights, means, covs):
        p = np.column_stack([w * multivariate_normal(m, c).pdf(X)
                             for w, m, c in zip(weights, means, covs)])
        with np.errstate(invalid="ignore", divide="ignore"):
            return p / p.sum(axis=1, keepdims=True), float(np.log(p.sum(axis=1)).sum())

    text = _report(me.check_e_step, naive)
    assert "far from every component" in text
    assert "NaN" in text and "logsumexp" in text


def test_e_step_transposed_and_unnormalised_and_unweighted():
    assert "transpose" in _report(me.check_e_step,
                                  lambda *a: (e_step(*a)[0].T, e_step(*a)[1]))
    text = _report(me.check_e_step, lambda *a: (2 * e_step(*a)[0], e_step(*a)[1]))
    assert "rows of resp sum to" in text and "not 1" in text

    def unweighted(X, weights, means, covs):
        return e_step(X, np.full(len(weights), 1 / len(weights)), means, covs)

    assert "weights π_k are missing" in _report(me.check_e_step, unweighted)


def test_e_step_loglik_mean_instead_of_sum_and_not_a_tuple():
    text = _report(me.check_e_step, lambda X, *a: (e_step(X, *a)[0], e_step(X, *a)[1] / len(X)))
    assert "loglik" in text and "mean over the points" in text
    assert "return 2 things, (resp, loglik)" in _report(me.check_e_step,
                                                        lambda *a: e_step(*a)[0])
    text = _report(me.check_e_step, lambda *a: (e_step(*a)[0], np.ones(3)))
    assert "loglik should be a single number" in text


# --- the M-step ------------------------------------------------------------------------
def test_m_step_weights_are_counts():
    def counts(X, resp):
        w, m, c = m_step(X, resp)
        return resp.sum(axis=0), m, c

    text = _report(me.check_m_step, counts)
    assert "weights sum to" in text and "divide by N" in text


def test_m_step_means_not_divided_and_transposed():
    def sums(X, resp):
        w, m, c = m_step(X, resp)
        return w, resp.T @ X, c

    assert "divide by N_k" in _report(me.check_m_step, sums)

    def transposed(X, resp):
        w, m, c = m_step(X, resp)
        return w, m.T, c

    assert "transpose of (K, D)" in _report(me.check_m_step, transposed)


def test_m_step_covariances_not_symmetric_divided_by_n_or_wrong_shape():
    def asymmetric(X, resp):
        w, m, c = m_step(X, resp)
        c = c.copy()
        c[:, 0, 1] += 0.1
        return w, m, c

    assert "not symmetric" in _report(me.check_m_step, asymmetric)

    def by_n(X, resp):
        w, m, c = m_step(X, resp)
        return w, m, c * resp.sum(axis=0)[:, None, None] / len(X)

    assert "You divided by N; divide component k's scatter by N_k" in _report(me.check_m_step,
                                                                              by_n)

    def stacked_last(X, resp):
        w, m, c = m_step(X, resp)
        return w, m, np.moveaxis(c, 0, -1)

    assert "stack the matrices along the first axis" in _report(me.check_m_step, stacked_last)

    def unweighted(X, resp):
        w, m, _ = m_step(X, resp)
        return w, m, np.array([(X - mk).T @ (X - mk) / len(X) for mk in m])

    assert "weighted by the responsibilities" in _report(me.check_m_step, unweighted)

    def both_factors(X, resp):
        w, m, _ = m_step(X, resp)
        covs = []
        for k in range(len(w)):
            weighted = resp[:, k] * (X - m[k]).T
            covs.append(weighted @ weighted.T / resp[:, k].sum())
        return w, m, np.array(covs)

    assert "γ_nk is squared" in _report(me.check_m_step, both_factors)


# --- means-only EM and the loop ---------------------------------------------------------
def test_means_only_typical_mistakes():
    def unnormalised(x, mu, sigma):
        d = -0.5 * ((x[:, None] - mu) / sigma) ** 2
        r = np.exp(d - logsumexp(d, axis=1, keepdims=True))
        return (r * x[:, None]).sum(axis=0)

    assert "divide by Σ_n γ_nk" in _report(me.check_means_only_step, unnormalised)
    assert "swapped" in _report(me.check_means_only_step,
                                lambda x, mu, s: means_only_step(x, mu, s)[::-1])

    def hard(x, mu, sigma):
        lab = np.argmin(np.abs(x[:, None] - mu), axis=1)
        return np.array([x[lab == k].mean() for k in range(2)])

    assert "hard assignments" in _report(me.check_means_only_step, hard)


def test_means_only_naive_underflow_gets_the_specific_hint():
    def naive(x, mu, sigma):
        p = np.exp(-0.5 * ((x[:, None] - mu) / sigma) ** 2)
        with np.errstate(invalid="ignore"):
            r = p / p.sum(axis=1, keepdims=True)
        return (r * x[:, None]).sum(axis=0) / r.sum(axis=0)

    text = _report(me.check_means_only_step, naive)
    assert "±45" in text and "0/0" in text
    assert "1 of 4 cases fails" in text


def test_run_em_off_by_one_and_decreasing():
    def extra(X, w, m, c, n_iter):
        return run_em(X, w, m, c, n_iter + 1)

    assert "entries for n_iter" in _report(me.check_run_em, extra)

    def inflated(X, weights, means, covs, n_iter):
        # bug: every other M-step inflates the covariances by half
        logliks = []
        for i in range(n_iter):
            resp, ll = e_step(X, weights, means, covs)
            logliks.append(ll)
            weights, means, covs = m_step(X, resp)
            covs = covs * (1 + 0.5 * (i % 2))
        return weights, means, covs, logliks

    text = _report(me.check_run_em, inflated)
    assert "went down from iteration 1 to 2" in text and "EM never does that" in text


# ---------------------------------------------------------------------------------------
# The derived covariance update (derivation exercise)
# ---------------------------------------------------------------------------------------
def _cov_update(X, r, old_mean, center="new", divide="nk"):
    nk = r.sum()
    mean = {"new": r @ X / nk, "old": old_mean, "zero": np.zeros(X.shape[1])}[center]
    diff = X - mean
    return (r * diff.T) @ diff / {"nk": nk, "n": len(X)}[divide]


def test_covariance_update_solution_passes():
    from lecture_code.exercises.mixture_em import check_covariance_update
    result = check_covariance_update(_cov_update)
    assert result, str(result)


@pytest.mark.parametrize("kwargs, fragment", [
    ({"divide": "n"}, "divided by N:"),
    ({"center": "zero"}, "not centred"),
    ({"center": "old"}, "centred on old_mean"),
])
def test_covariance_update_slips_are_diagnosed(kwargs, fragment):
    from lecture_code.exercises.mixture_em import check_covariance_update
    result = check_covariance_update(lambda X, r, m: _cov_update(X, r, m, **kwargs))
    assert not result and fragment in str(result), str(result)


def test_covariance_update_stub_is_not_implemented_yet():
    from lecture_code.exercises.mixture_em import check_covariance_update

    def covariance_update(X, r, old_mean):
        raise NotImplementedError("Exercise: derive covariance_update")
    assert "not implemented yet" in str(check_covariance_update(covariance_update))
