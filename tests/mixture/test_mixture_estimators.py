"""GaussianMixture and KMeans are real scikit-learn estimators: checks, clone, pipelines, bad input.

scikit-learn's own ``parametrize_with_checks`` runs every estimator check on both (none is
expected to fail: scikit-learn's own KMeans fails only the sample-weight checks, and ours has
no ``sample_weight``). The table of bad inputs lists what used to be accepted or gave a cryptic
error; each must now be refused with a message that names the offending argument.
"""
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.cluster import KMeans as SkKMeans
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.mixture import GaussianMixture as SkGM
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks
from threadpoolctl import threadpool_limits

import lecture_code.mixture as lm
import lecture_code.mixture.em as em_module
from lecture_code.datasets import load_faithful
from lecture_code.mixture import GaussianMixture, KMeans

TYPES = ["full", "tied", "diag", "spherical"]


@pytest.fixture(autouse=True)
def one_blas_thread():
    # small data: one thread is fastest, and threads spinning on a shared machine are slow
    with threadpool_limits(1):
        yield


def _bic_score(estimator, X):
    return -estimator.bic(X)


def _data(seed=0, n=60):
    rng = np.random.default_rng(seed)
    return np.vstack([rng.normal(0, 1, (n // 2, 2)), rng.normal(6, 1, (n - n // 2, 2))])


# ------------------------------------------------------------------ scikit-learn's checks
@parametrize_with_checks([
    GaussianMixture(), GaussianMixture(covariance_type="diag", n_init=2, keep_history=True),
    KMeans(), KMeans(init="random", n_init="auto", keep_history=True),
])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_sklearn_kmeans_fails_only_checks_ours_does_not_run():
    """The allowance for expected failures is not needed: scikit-learn's KMeans fails only checks
    of ``sample_weight``, which our KMeans does not take (so they are not run on it)."""
    from sklearn.utils.estimator_checks import check_estimator
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = check_estimator(SkKMeans(), on_fail=None)
        ours = check_estimator(KMeans(), on_fail=None)
    failed = {r["check_name"] for r in theirs if r["status"] == "failed"}
    assert failed <= {"check_sample_weight_equivalence_on_dense_data",
                      "check_sample_weight_equivalence_on_sparse_data"}
    assert not {r["check_name"] for r in ours} & failed
    assert all(r["status"] != "failed" for r in ours)


# ------------------------------------------------------------------ plumbing
def test_clone_get_params_set_params():
    means = np.array([[0.0, 0.0], [6.0, 6.0]])
    gm = GaussianMixture(2, covariance_type="tied", means_init=means, random_state=3,
                         keep_history=True)
    params = gm.get_params()
    assert params["covariance_type"] == "tied" and params["keep_history"] is True
    twin = clone(gm)
    assert twin is not gm and twin.get_params()["random_state"] == 3
    np.testing.assert_array_equal(twin.means_init, means)
    assert gm.set_params(n_components=3, tol=1e-5) is gm and gm.n_components == 3
    with pytest.raises(ValueError, match="Invalid parameter 'banana'"):
        gm.set_params(banana=1)
    # a fitted model clones to an unfitted one with the same settings
    fitted = GaussianMixture(2, random_state=0).fit(_data())
    with pytest.raises(NotFittedError):
        clone(fitted).predict(_data())
    km = KMeans(3, init="random", n_init=4, random_state=1)
    assert clone(km).get_params() == km.get_params()
    assert km.set_params(n_clusters=2).n_clusters == 2
    assert "GaussianMixture(covariance_type='tied'" in repr(GaussianMixture(covariance_type="tied"))


def test_init_only_stores_parameters():
    # invalid values are accepted by the constructor and refused by fit (scikit-learn's rule)
    gm = GaussianMixture(n_components=-1, tol="x")
    assert gm.n_components == -1 and not hasattr(gm, "n_features_in_")
    with pytest.raises(ValueError, match="'n_components' parameter of GaussianMixture"):
        gm.fit(_data())


def test_pipeline_with_standard_scaler():
    X = load_faithful()
    pipe = Pipeline([("scale", StandardScaler()),
                     ("gm", GaussianMixture(2, n_init=3, random_state=0))]).fit(X)
    Z = StandardScaler().fit_transform(X)
    direct = GaussianMixture(2, n_init=3, random_state=0).fit(Z)
    np.testing.assert_allclose(pipe["gm"].means_, direct.means_, rtol=1e-12)
    np.testing.assert_array_equal(pipe.predict(X), direct.predict(Z))
    assert pipe.score(X) == pytest.approx(direct.score(Z), rel=1e-12)
    # KMeans is a transformer too: distances to the centers, with feature names
    km_pipe = make_pipeline(StandardScaler(), KMeans(2, n_init=3, random_state=0)).fit(X)
    D = km_pipe.transform(X)
    assert D.shape == (len(X), 2)
    np.testing.assert_array_equal(D.argmin(axis=1), km_pipe.predict(X))
    assert km_pipe.get_feature_names_out().tolist() == ["kmeans0", "kmeans1"]


def test_grid_search_with_bic_score():
    X = load_faithful()
    grid = {"n_components": [1, 2, 3], "covariance_type": TYPES}
    everything = [(np.arange(len(X)), np.arange(len(X)))]   # fit and score on all the data
    search = GridSearchCV(GaussianMixture(n_init=2, random_state=0), grid,
                          scoring=_bic_score, cv=everything).fit(X)
    bics = {(k, ct): GaussianMixture(k, covariance_type=ct, n_init=2, random_state=0).fit(X).bic(X)
            for k in grid["n_components"] for ct in TYPES}
    best = min(bics, key=bics.get)
    assert search.best_params_ == {"n_components": best[0], "covariance_type": best[1]}
    assert search.best_params_ == {"n_components": 2, "covariance_type": "full"}
    assert search.best_score_ == pytest.approx(-bics[best], rel=1e-12)
    assert search.best_estimator_.bic(X) == pytest.approx(bics[best], rel=1e-12)
    # scikit-learn's GaussianMixture in the same search chooses the same model
    theirs = GridSearchCV(SkGM(n_init=2, random_state=0), grid, scoring=_bic_score,
                          cv=everything).fit(X)
    assert theirs.best_params_ == search.best_params_
    assert theirs.best_score_ == pytest.approx(search.best_score_, abs=0.05)
    # KMeans in a grid search with its own score (minus the inertia) and default 5-fold CV
    km = GridSearchCV(KMeans(n_init=2, random_state=0), {"n_clusters": [1, 2]}).fit(X)
    assert km.best_params_ == {"n_clusters": 2}


def test_validation_happens_once_per_fit(monkeypatch):
    calls = []
    original = em_module.check_X
    monkeypatch.setattr(em_module, "check_X", lambda *a, **k: calls.append(1) or original(*a, **k))
    X = _data()
    for max_iter in (1, 40):
        calls.clear()
        gm = GaussianMixture(2, tol=0, max_iter=max_iter, n_init=3, random_state=0)
        with pytest.warns(ConvergenceWarning):
            gm.fit(X)
        assert len(calls) == 1 and gm.n_iter_ == max_iter


def test_same_warning_and_errors_as_sklearn():
    assert lm.ConvergenceWarning is ConvergenceWarning
    X = _data()
    for est in (GaussianMixture(2), KMeans(2)):
        for method in ("predict", "score"):
            with pytest.raises(NotFittedError, match="is not fitted yet"):
                getattr(est, method)(X)
    with pytest.raises(NotFittedError):
        GaussianMixture(2).sample(3)
    with pytest.raises(NotFittedError):
        KMeans(2).transform(X)
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        GaussianMixture(2, max_iter=1, random_state=0).fit(X)


@pytest.mark.parametrize("ct", TYPES)
def test_parity_with_sklearn_from_the_same_start(ct):
    X = load_faithful()
    sk = SkGM(2, covariance_type=ct, n_init=3, random_state=0).fit(X)
    start = dict(weights_init=np.full(2, 0.5), means_init=X[[0, 1]],
                 precisions_init=sk.precisions_, covariance_type=ct, tol=1e-10, max_iter=1000)
    ours, theirs = GaussianMixture(2, **start).fit(X), SkGM(2, **start).fit(X)
    assert ours.n_iter_ == theirs.n_iter_
    for name in ("weights_", "means_", "covariances_", "precisions_cholesky_"):
        np.testing.assert_allclose(getattr(ours, name), getattr(theirs, name), rtol=1e-11,
                                   atol=1e-13, err_msg=name)
    np.testing.assert_allclose(ours.score_samples(X), theirs.score_samples(X), rtol=1e-11)


def test_kmeans_api_matches_sklearn():
    X = _data(3, n=200)
    init = X[[0, 150, 20]]
    ours = KMeans(3, init=init).fit(X)
    theirs = SkKMeans(3, init=init, n_init=1).fit(X)
    np.testing.assert_allclose(ours.transform(X), theirs.transform(X), rtol=1e-10, atol=1e-12)
    assert ours.score(X) == pytest.approx(theirs.score(X), rel=1e-10)
    np.testing.assert_allclose(ours.fit_transform(X), theirs.fit_transform(X), rtol=1e-10,
                               atol=1e-12)
    # explicit centers with n_init > 1: one run and scikit-learn's RuntimeWarning
    with pytest.warns(RuntimeWarning, match="performing only one init"):
        KMeans(3, init=init, n_init=4).fit(X)
    # a callable init, as in scikit-learn
    seen = {}

    def first_rows(X, n_clusters, random_state):
        seen["rng"] = random_state
        return X[:n_clusters]

    km = KMeans(3, init=first_rows, n_init=1, random_state=0).fit(X)
    assert isinstance(seen["rng"], np.random.RandomState)
    assert km.inertia_ == pytest.approx(KMeans(3, init=X[:3]).fit(X).inertia_)
    # n_init="auto": one run for k-means++, ten for "random" (as scikit-learn)
    best_random = KMeans(3, init="random", n_init="auto", random_state=0).fit(X).inertia_
    assert best_random == pytest.approx(KMeans(3, init="random", n_init=10,
                                               random_state=0).fit(X).inertia_)


# ------------------------------------------------------------------ bad input, table-driven
_X = _data()
_BAD_FIT = [
    # (id, estimator, X, exception, regex that names the argument)
    ("complex X", GaussianMixture(2), _X + 1j, ValueError, r"^X is complex"),
    ("complex X km", KMeans(2), _X + 1j, ValueError, r"^X is complex"),
    ("complex list X", GaussianMixture(1), [[1 + 1j], [2.0]], ValueError, r"^X is complex"),
    ("zero features", GaussianMixture(2), np.zeros((20, 0)), ValueError,
     r"^X: Found array with 0 feature\(s\)"),
    ("zero features km", KMeans(2), np.zeros((20, 0)), ValueError,
     r"^X: Found array with 0 feature\(s\)"),
    ("zero samples", GaussianMixture(1), np.zeros((0, 2)), ValueError,
     r"^X: Found array with 0 sample\(s\)"),
    ("one sample", GaussianMixture(1), np.zeros((1, 2)), ValueError,
     r"^X: Found array with 1 sample\(s\)"),
    ("1-D X", GaussianMixture(1), np.arange(5.0), ValueError, r"^X: Expected 2D array"),
    ("3-D X", KMeans(1), np.zeros((2, 2, 2)), ValueError, r"^X: Found array with dim 3"),
    ("strings", GaussianMixture(1), [["a"], ["b"]], ValueError, r"^X: could not convert"),
    ("sparse", GaussianMixture(2), sp.csr_matrix(_X), TypeError,
     r"Sparse data was passed for X, but dense data is required"),
    ("sparse km", KMeans(2), sp.csr_matrix(_X), TypeError,
     r"Sparse data was passed for X, but dense data is required"),
    ("NaN in X", KMeans(2), np.where(_X > 5, np.nan, _X), ValueError, r"Input X contains NaN"),
    ("inf in X", GaussianMixture(2), np.where(_X > 5, np.inf, _X), ValueError,
     r"Input X contains infinity"),
    ("NaN in init", KMeans(2, init=np.array([[np.nan, 0.0], [6.0, 6.0]])), _X, ValueError,
     r"Input init contains NaN"),
    ("inf in init", KMeans(2, init=np.array([[np.inf, 0.0], [6.0, 6.0]])), _X, ValueError,
     r"Input init contains infinity"),
    ("NaN from callable init", KMeans(2, init=lambda X, k, random_state: np.full((k, 2), np.nan)),
     _X, ValueError, r"Input init\(X\) contains NaN"),
    ("init shape", KMeans(2, init=np.zeros((3, 2))), _X, ValueError,
     r"init centers must have shape \(n_clusters, n_features\) = \(2, 2\); got \(3, 2\)"),
    ("n_init=0", KMeans(2, n_init=0), _X, ValueError, r"'n_init' parameter of KMeans"),
    ("n_init=0 gm", GaussianMixture(2, n_init=0), _X, ValueError,
     r"'n_init' parameter of GaussianMixture"),
    ("Generator random_state", GaussianMixture(2, random_state=np.random.default_rng(0)), _X,
     ValueError, r"'random_state' parameter of GaussianMixture"),
    ("str random_state", GaussianMixture(2, random_state="abc"), _X, ValueError,
     r"'random_state' parameter of GaussianMixture"),
    ("Generator random_state km", KMeans(2, random_state=np.random.default_rng(0)), _X,
     ValueError, r"'random_state' parameter of KMeans"),
    ("str random_state km", KMeans(2, random_state="abc"), _X, ValueError,
     r"'random_state' parameter of KMeans"),
    ("tol=inf", GaussianMixture(2, tol=np.inf), _X, ValueError, r"'tol' parameter of Gaussian"),
    ("tol<0", GaussianMixture(2, tol=-1e-3), _X, ValueError, r"'tol' parameter of Gaussian"),
    ("tol=nan", GaussianMixture(2, tol=np.nan), _X, ValueError, r"'tol' parameter of Gaussian"),
    ("tol=inf km", KMeans(2, tol=np.inf), _X, ValueError, r"'tol' parameter of KMeans"),
    ("tol<0 km", KMeans(2, tol=-1.0), _X, ValueError, r"'tol' parameter of KMeans"),
    ("max_iter=0 km", KMeans(2, max_iter=0), _X, ValueError, r"'max_iter' parameter of KMeans"),
    ("max_iter=2.5", GaussianMixture(2, max_iter=2.5), _X, ValueError,
     r"'max_iter' parameter of GaussianMixture"),
    ("reg_covar<0", GaussianMixture(2, reg_covar=-1.0), _X, ValueError, r"'reg_covar' parameter"),
    ("keep_history='yes'", KMeans(2, keep_history="yes"), _X, ValueError,
     r"'keep_history' parameter of KMeans"),
    ("warm_start=None", GaussianMixture(2, warm_start=None), _X, ValueError,
     r"'warm_start' parameter"),
    ("NaN in means_init", GaussianMixture(2, means_init=[[np.nan, 0.0], [6.0, 6.0]]), _X,
     ValueError, r"Input means_init contains NaN"),
    ("inf in means_init", GaussianMixture(2, means_init=[[np.inf, 0.0], [6.0, 6.0]]), _X,
     ValueError, r"Input means_init contains infinity"),
    ("complex means_init", GaussianMixture(2, means_init=[[1j, 0.0], [6.0, 6.0]]), _X,
     ValueError, r"^means_init is complex"),
    ("NaN in weights_init", GaussianMixture(2, weights_init=[np.nan, 0.5]), _X, ValueError,
     r"Input weights_init contains NaN"),
    ("inf in weights_init", GaussianMixture(2, weights_init=[np.inf, 0.5]), _X, ValueError,
     r"Input weights_init contains infinity"),
    ("NaN in precisions_init", GaussianMixture(2, precisions_init=np.full((2, 2, 2), np.nan)), _X,
     ValueError, r"Input precisions_init contains NaN"),
    ("inf in precisions_init",
     GaussianMixture(2, covariance_type="spherical", precisions_init=[np.inf, 1.0]), _X,
     ValueError, r"Input precisions_init contains infinity"),
    ("str weights_init", GaussianMixture(2, weights_init="ab"), _X, ValueError,
     r"'weights_init' parameter of GaussianMixture"),
    ("more components than samples", GaussianMixture(30), _X[:20], ValueError,
     r"n_samples >= n_components but got n_components = 30, n_samples = 20"),
    ("more clusters than samples", KMeans(30), _X[:20], ValueError,
     r"n_samples=20 should be >= n_clusters=30"),
]


@pytest.mark.parametrize("estimator, X, exc, match",
                         [case[1:] for case in _BAD_FIT], ids=[case[0] for case in _BAD_FIT])
def test_bad_fit_input_is_refused_naming_the_argument(estimator, X, exc, match):
    with pytest.raises(exc, match=match):
        clone(estimator).fit(X)


def test_invalid_parameter_errors_are_value_errors_too():
    # scikit-learn's InvalidParameterError derives from ValueError and TypeError
    from sklearn.utils._param_validation import InvalidParameterError
    with pytest.raises(InvalidParameterError, match="Got inf instead"):
        GaussianMixture(tol=np.inf).fit(_X)


_GM = GaussianMixture(2, random_state=0).fit(_X)
_KM = KMeans(2, random_state=0).fit(_X)


@pytest.mark.parametrize("estimator, method", [
    (_GM, "predict"), (_GM, "predict_proba"), (_GM, "score_samples"), (_GM, "score"),
    (_GM, "bic"), (_GM, "aic"), (_KM, "predict"), (_KM, "transform"), (_KM, "score")])
def test_wrong_number_of_features_after_fit(estimator, method):
    with pytest.raises(ValueError, match="X has 3 features, but .* is expecting 2 features"):
        getattr(estimator, method)(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="^X: Expected 2D array"):
        getattr(estimator, method)(np.zeros(2))
    with pytest.raises(ValueError, match="^X is complex"):
        getattr(estimator, method)(np.zeros((4, 2)) + 1j)
    with pytest.raises(TypeError, match="Sparse data was passed for X"):
        getattr(estimator, method)(sp.csr_matrix(np.zeros((4, 2))))


@pytest.mark.parametrize("n_samples", [0, -1, 2.5, True])
def test_sample_needs_a_positive_integer(n_samples):
    with pytest.raises(ValueError, match="n_samples must be a positive integer"):
        _GM.sample(n_samples)


def test_no_import_cycle_between_em_and_kmeans():
    """Validation lives in _validation.py, which imports nothing of the package; kmeans.py does
    not import em.py (em.py imports kmeans.py for its k-means initialisation)."""
    import ast
    from pathlib import Path

    def package_imports(module):
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        return {node.module for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module
                and node.module.startswith("lecture_code")} | {
            alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
            for alias in node.names if alias.name.startswith("lecture_code")}

    import lecture_code.mixture._validation as validation
    import lecture_code.mixture.kmeans as kmeans
    assert package_imports(validation) == set()
    assert "lecture_code.mixture.em" not in package_imports(kmeans)
    assert "lecture_code.mixture.kmeans" in package_imports(em_module)
