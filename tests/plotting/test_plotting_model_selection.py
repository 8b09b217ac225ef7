"""Tests for lecture_code.plotting.model_selection (figures of the scikit-learn chapter)."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from lecture_code.datasets import load_faithful  # noqa: E402
from lecture_code.mixture import COVARIANCE_TYPES, GaussianMixture  # noqa: E402
from lecture_code.plotting import model_selection as pms  # noqa: E402


@pytest.fixture(scope="module")
def faithful_models():
    X = load_faithful()
    return X, {ct: GaussianMixture(2, covariance_type=ct, n_init=2, random_state=0).fit(X)
               for ct in COVARIANCE_TYPES}


def test_full_covariances_expands_every_type(faithful_models):
    X, models = faithful_models
    for ct, gm in models.items():
        C = pms.full_covariances(gm)
        assert C.shape == (2, 2, 2)
        assert np.all(np.linalg.eigvalsh(C) > 0)
        if ct in ("diag", "spherical"):
            assert np.allclose(C[:, 0, 1], 0)
        if ct == "tied":
            assert np.allclose(C[0], C[1])
        if ct == "spherical":
            assert np.allclose(C[:, 0, 0], C[:, 1, 1])


def test_full_covariances_needs_a_fitted_model():
    with pytest.raises(ValueError, match="call fit"):
        pms.full_covariances(GaussianMixture(2))


def test_covariance_types_grid(faithful_models):
    X, models = faithful_models
    fig, axes = pms.plot_covariance_types(X, models, xlabel="duration", ylabel="waiting")
    try:
        assert axes.shape == (4,)
        assert [a.get_title().split(":")[0] for a in axes] == list(COVARIANCE_TYPES)
        assert "-1130.3" in axes[0].get_title() and "2322.2" in axes[0].get_title()
        assert axes[2].get_xlabel() == "duration" and axes[0].get_ylabel() == "waiting"
        assert all(len(a.patches) == 4 for a in axes)      # 2 components x (1, 2) sigma
    finally:
        plt.close(fig)


def test_covariance_types_row_for_fewer_models(faithful_models):
    X, models = faithful_models
    fig, axes = pms.plot_covariance_types(X, {"full": models["full"]})
    plt.close(fig)
    assert axes.shape == (1,)


@pytest.mark.parametrize("kwargs, match", [
    (dict(models={}), "models is empty"),
    (dict(models={"round": None}), "unknown covariance type"),
    (dict(models="mismatch"), "key must match"),
    (dict(X=np.zeros((5, 3))), r"\(n_samples, 2\)"),
])
def test_covariance_types_errors(faithful_models, kwargs, match):
    X, models = faithful_models
    if kwargs.get("models") == "mismatch":
        kwargs["models"] = {"full": models["diag"]}
    args = dict(X=X, models=models)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        pms.plot_covariance_types(args["X"], args["models"])
    plt.close("all")


@settings(deadline=None, max_examples=15)
@given(values=st.lists(st.integers(-10**4, 10**4), min_size=1, max_size=8))
def test_information_criteria_marks_the_minimum(values):
    fig, ax = plt.subplots()
    ks = np.arange(1, len(values) + 1)
    best = pms.plot_information_criteria(ax, ks, bic=values, aic=np.array(values) + 1.5)
    plt.close(fig)
    assert best["BIC"] == ks[int(np.argmin(values))] == best["AIC"]


def test_information_criteria_labels(ax):
    pms.plot_information_criteria(ax, [1, 2, 3], aic=[3.0, 1.0, 2.0], title="t")
    assert ax.get_title() == "t" and "lower is better" in ax.get_ylabel()
    assert "lowest AIC: K = 2" in [t.get_text() for t in ax.get_legend().get_texts()]


@pytest.mark.parametrize("kwargs, match", [
    (dict(k_values=[1, 2]), "at least one of bic"),
    (dict(k_values=[1, 2], bic=[1.0]), "one value per K"),
    (dict(k_values=[1, 2], bic=[1.0, np.nan]), "NaN"),
    (dict(k_values=[], bic=[]), "non-empty"),
])
def test_information_criteria_errors(ax, kwargs, match):
    with pytest.raises(ValueError, match=match):
        pms.plot_information_criteria(ax, **kwargs)


def test_uncertainty_scatter(ax):
    X = np.arange(8.0).reshape(4, 2)
    pc = pms.plot_uncertainty(ax, X, [0.0, 0.1, 0.9, 1.0], highlight=[0, 0, 1, 1])
    assert pc.get_array().tolist() == [0.0, 0.1, 0.9, 1.0]
    assert "uncertain points (2)" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert ax.get_xlabel() and ax.get_ylabel()


@pytest.mark.parametrize("kwargs, match", [
    (dict(uncertainty=[0.0, 1.0]), "one value per point"),
    (dict(uncertainty=[0.0, np.nan, 0.0]), "0 log 0 = 0"),
    (dict(uncertainty=[0.0, 0.5, 1.0], highlight=[True]), "boolean mask"),
])
def test_uncertainty_errors(ax, kwargs, match):
    with pytest.raises(ValueError, match=match):
        pms.plot_uncertainty(ax, np.zeros((3, 2)), **kwargs)


class _Fitted:
    """A stand-in for a fitted mixture: only the attributes the figures read."""

    def __init__(self, covariance_type, covariances, K, D):
        self.covariance_type = covariance_type
        self.covariances_ = covariances
        self.weights_ = np.full(K, 1.0 / K)
        self.means_ = np.zeros((K, D))


@settings(deadline=None, max_examples=40)
@given(K=st.integers(1, 4), D=st.integers(1, 4), seed=st.integers(0, 10**6),
       ct=st.sampled_from(COVARIANCE_TYPES))
def test_full_covariances_keep_the_variances(K, D, seed, ct):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(K, D, D))
    full = A @ A.transpose(0, 2, 1) + np.eye(D)
    cov = {"full": full, "tied": full[0], "diag": rng.uniform(0.1, 3, (K, D)),
           "spherical": rng.uniform(0.1, 3, K)}[ct]
    C = pms.full_covariances(_Fitted(ct, cov, K, D))
    assert C.shape == (K, D, D)
    assert np.allclose(C, C.transpose(0, 2, 1))
    expected_diag = {"full": np.diagonal(full, axis1=1, axis2=2),
                     "tied": np.broadcast_to(np.diag(full[0]), (K, D)),
                     "diag": cov, "spherical": np.repeat(np.asarray(cov)[:, None], D, 1)}[ct]
    assert np.allclose(np.diagonal(C, axis1=1, axis2=2), expected_diag)
