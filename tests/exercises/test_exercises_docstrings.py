"""The checkers' docstrings show wrong attempts only; the correct solutions live here.

Issue 14: a checker's docstring (``check_e_step?`` in JupyterLab) must never show a
passing implementation. The examples that used to be there are kept below as tests, so every
checker stays tested with a correct solution, and ``test_no_docstring_example_passes``
runs every docstring example of every checker and fails if one of them passes.
"""
import doctest
import importlib
import math
import pkgutil

import numpy as np
import pytest

import lecture_code.exercises as exercises


def test_check_dual_div_accepts_a_correct_solution_module_example():
    from lecture_code.exercises.autodiff_basics import check_dual_div
    result = check_dual_div(lambda a, b: (a[0] / b[0], (a[1] * b[0] - a[0] * b[1]) / b[0]**2))
    assert result, str(result)


def test_check_newton_accepts_a_correct_solution():
    from lecture_code.exercises.autodiff_basics import check_newton
    def newton(f, fprime, x0, tol=1e-12, max_iter=50):
        x = x0
        for _ in range(max_iter):
            if abs(f(x)) <= tol:
                return x
            if fprime(x) == 0:
                raise ZeroDivisionError("flat tangent")
            x = x - f(x) / fprime(x)
        raise RuntimeError("no convergence")
    result = check_newton(newton)
    assert result, str(result)


def test_check_optimal_forward_step_accepts_a_correct_solution():
    from lecture_code.exercises.autodiff_basics import check_optimal_forward_step
    result = check_optimal_forward_step(
        lambda fv, d2: np.sqrt(2 * np.finfo(float).eps * abs(fv) / abs(d2)))
    assert result, str(result)


def test_check_dual_div_accepts_a_correct_solution():
    from lecture_code.exercises.autodiff_basics import check_dual_div
    result = check_dual_div(lambda a, b: (a[0] / b[0], (a[1] * b[0] - a[0] * b[1]) / b[0]**2))
    assert result, str(result)


def test_check_count_operations_accepts_a_correct_solution():
    from lecture_code.exercises.autodiff_basics import _reference_count, check_count_operations
    result = check_count_operations(_reference_count)
    assert result, str(result)


def test_check_adjoint_sweep_accepts_a_correct_solution_module_example():
    from lecture_code.exercises.autodiff_modes import check_adjoint_sweep
    result = check_adjoint_sweep(lambda x1, x2: (x1 * x2 + np.sin(x1), x2 + np.cos(x1), x1))
    assert result, str(result)


def test_check_adjoint_sweep_accepts_a_correct_solution():
    from lecture_code.exercises.autodiff_modes import check_adjoint_sweep
    result = check_adjoint_sweep(lambda x1, x2: (x1 * x2 + math.sin(x1),
                                             x2 + math.cos(x1), x1))
    assert result, str(result)


def test_check_softmax_vjp_accepts_a_correct_solution():
    from lecture_code.exercises.autodiff_modes import check_softmax_vjp
    result = check_softmax_vjp(lambda x, s, ybar: s * (ybar - ybar @ s))
    assert result, str(result)


def test_check_matvec_vjp_accepts_a_correct_solution():
    from lecture_code.exercises.autodiff_modes import check_matvec_vjp
    result = check_matvec_vjp(lambda A, x, ybar: (np.outer(ybar, x), A.T @ ybar))
    assert result, str(result)


def test_check_assign_labels_accepts_a_correct_solution_module_example():
    from lecture_code.exercises.kmeans import check_assign_labels
    result = check_assign_labels(
        lambda X, C: ((X[:, None, :] - C[None]) ** 2).sum(axis=2).argmin(axis=1))
    assert result, str(result)


def test_check_assign_labels_accepts_a_correct_solution():
    from lecture_code.exercises.kmeans import check_assign_labels
    result = check_assign_labels(lambda X, C: np.argmin(
        np.linalg.norm(X[:, None] - C[None], axis=2), axis=1))
    assert result, str(result)


def test_check_update_centers_accepts_a_correct_solution():
    from lecture_code.exercises.kmeans import check_update_centers
    from lecture_code.mixture import hard_m_step
    result = check_update_centers(hard_m_step)
    assert result, str(result)


def test_check_dsquared_probabilities_accepts_a_correct_solution():
    from lecture_code.exercises.kmeans import check_dsquared_probabilities
    def ref(X, chosen):
        d = ((X[:, None] - chosen[None]) ** 2).sum(-1).min(1)
        return d / d.sum()
    result = check_dsquared_probabilities(ref)
    assert result, str(result)


def test_check_logsumexp_accepts_a_correct_solution_module_example():
    from lecture_code.exercises.mixture_basics import check_logsumexp
    result = check_logsumexp(lambda a: float(np.max(a) + np.log(np.sum(np.exp(a - np.max(a))))))
    assert result, str(result)


def test_check_gaussian_logpdf_accepts_a_correct_solution():
    from lecture_code.exercises.mixture_basics import check_gaussian_logpdf
    from scipy.stats import multivariate_normal
    result = check_gaussian_logpdf(lambda X, m, c: multivariate_normal(m, c).logpdf(X)
                               .reshape(-1))
    assert result, str(result)


def test_check_sample_mixture_accepts_a_correct_solution():
    from lecture_code.exercises.mixture_basics import check_sample_mixture
    def ref(weights, means, covs, n, rng):
        y = rng.choice(len(weights), size=n, p=weights)
        X = np.array([rng.multivariate_normal(means[k], covs[k]) for k in y])
        return X, y
    result = check_sample_mixture(ref, n=3000)
    assert result, str(result)


def test_check_supervised_mle_accepts_a_correct_solution():
    from lecture_code.exercises.mixture_basics import check_supervised_mle
    def ref(X, y, K):
        w = np.array([np.mean(y == k) for k in range(K)])
        m = np.array([X[y == k].mean(axis=0) for k in range(K)])
        c = np.array([np.cov(X[y == k], rowvar=False, bias=True) for k in range(K)])
        return w, m, c
    result = check_supervised_mle(ref)
    assert result, str(result)


def test_check_responsibilities_accepts_a_correct_solution():
    from lecture_code.exercises.mixture_basics import check_responsibilities
    from scipy.special import logsumexp
    from scipy.stats import multivariate_normal
    def ref(X, w, m, c):
        lj = np.column_stack([np.log(wk) + multivariate_normal(mk, ck).logpdf(X)
                              for wk, mk, ck in zip(w, m, c)])
        return np.exp(lj - logsumexp(lj, axis=1, keepdims=True))
    result = check_responsibilities(ref)
    assert result, str(result)


def test_check_logsumexp_accepts_a_correct_solution():
    from lecture_code.exercises.mixture_basics import check_logsumexp
    from scipy.special import logsumexp as ref
    result = check_logsumexp(lambda a: float(ref(a)))
    assert result, str(result)


def test_check_mixture_loglik_accepts_a_correct_solution():
    from lecture_code.exercises.mixture_basics import check_mixture_loglik
    from scipy.special import logsumexp
    from scipy.stats import multivariate_normal
    def ref(X, w, m, c):
        lj = np.column_stack([np.log(wk) + multivariate_normal(mk, ck).logpdf(X)
                              for wk, mk, ck in zip(w, m, c)])
        return logsumexp(lj, axis=1).sum()
    result = check_mixture_loglik(ref)
    assert result, str(result)


def test_check_fit_two_means_accepts_a_correct_solution():
    from lecture_code.exercises.mixture_basics import _ref_fit_two_means, check_fit_two_means
    result = check_fit_two_means(_ref_fit_two_means)
    assert result, str(result)


def test_check_e_step_accepts_a_correct_solution_module_example():
    from lecture_code.exercises.mixture_em import _ref_e_step, check_e_step
    result = check_e_step(_ref_e_step)
    assert result, str(result)


def test_check_e_step_accepts_a_correct_solution():
    from lecture_code.exercises.mixture_em import check_e_step
    from scipy.special import logsumexp
    from scipy.stats import multivariate_normal
    def e(X, w, m, c):
        lj = np.column_stack([np.log(wk) + multivariate_normal(mk, ck).logpdf(X)
                              for wk, mk, ck in zip(w, m, c)])
        norm = logsumexp(lj, axis=1, keepdims=True)
        return np.exp(lj - norm), float(norm.sum())
    result = check_e_step(e)
    assert result, str(result)


def test_check_means_only_step_accepts_a_correct_solution():
    from lecture_code.exercises.mixture_em import check_means_only_step
    def step(x, mu, sigma):
        d = -0.5 * ((x[:, None] - mu) / sigma) ** 2
        r = np.exp(d - np.logaddexp(d[:, :1], d[:, 1:]))
        return (r * x[:, None]).sum(axis=0) / r.sum(axis=0)
    result = check_means_only_step(step)
    assert result, str(result)


def test_check_run_em_accepts_a_correct_solution():
    from lecture_code.exercises.mixture_em import _ref_run_em, check_run_em
    result = check_run_em(_ref_run_em)
    assert result, str(result)


def test_check_bic_by_hand_accepts_a_correct_solution():
    from lecture_code.exercises.model_selection import check_bic_by_hand
    result = check_bic_by_hand(lambda model, X: model.bic(X))
    assert result, str(result)


def test_check_select_k_accepts_a_correct_solution():
    from lecture_code.exercises.model_selection import check_select_k
    from lecture_code.mixture import GaussianMixture
    def select_k(X, k_values):
        bics = [GaussianMixture(k, n_init=2, random_state=0).fit(X).bic(X) for k in k_values]
        return int(k_values[int(np.argmin(bics))]), bics
    result = check_select_k(select_k)
    assert result, str(result)


# --- the rule: no docstring example of an exercise module passes a checker --------------
_MODULES = [importlib.import_module(f"lecture_code.exercises.{m.name}")
            for m in pkgutil.iter_modules(exercises.__path__) if m.name not in ("core", "grade") and not m.name.startswith("_")]
_CHECKERS = [(mod, name) for mod in _MODULES
             for name in getattr(mod, "__all__", []) if name.startswith("check_")]


def _run_examples(mod, obj, name):
    """Run the doctest examples of ``obj``'s docstring; return the results of every checker call."""
    calls = []
    globs = dict(vars(mod))
    for checker_name in [n for _, n in _CHECKERS if _ is mod]:
        checker = getattr(mod, checker_name)

        def recording(*args, _checker=checker, _name=checker_name, **kwargs):
            result = _checker(*args, **kwargs)
            calls.append((_name, result))
            return result
        globs[checker_name] = recording
    test = doctest.DocTestParser().get_doctest(obj.__doc__ or "", globs, name, mod.__file__, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test, out=lambda text: None)
    assert runner.failures == 0, f"{name}: a docstring example does not run as written"
    return calls


@pytest.mark.parametrize("mod, name", _CHECKERS, ids=[n for _, n in _CHECKERS])
def test_no_docstring_example_passes(mod, name):
    """A checker's docstring shows a wrong attempt and its feedback, never a passing one."""
    calls = _run_examples(mod, getattr(mod, name), name)
    assert any(called == name for called, _ in calls), \
        f"{name}: the docstring should show a wrong attempt checked by {name}"
    passing = [called for called, result in calls if result]
    assert not passing, f"{name}: a docstring example passes {passing}: it shows a solution"


@pytest.mark.parametrize("mod", _MODULES, ids=[m.__name__ for m in _MODULES])
def test_no_module_docstring_example_passes(mod):
    calls = _run_examples(mod, mod, mod.__name__)
    assert not [called for called, result in calls if result], \
        f"{mod.__name__}: a module docstring example passes a checker: it shows a solution"


def test_the_rule_sees_every_checker():
    """The parametrisation is not empty and finds the chapters' checkers (it cannot fail vacuously)."""
    names = {n for _, n in _CHECKERS}
    assert len(names) >= 41 and {"check_e_step", "check_newton", "check_select_k"} <= names


def test_the_rule_catches_a_leak():
    """A docstring with a passing example is reported (the rule itself can fail)."""
    from lecture_code.exercises import mixture_basics as mb

    def check_logsumexp_leaky(fn):
        """>>> from scipy.special import logsumexp as ref
        >>> bool(check_logsumexp(lambda a: float(ref(a))))
        True
        """
        return mb.check_logsumexp(fn)
    calls = _run_examples(mb, check_logsumexp_leaky, "leaky")
    assert [r for _, r in calls if r]
