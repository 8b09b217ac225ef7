"""Tests for lecture_code.plotting.mixture and lecture_code.widgets.mixture."""
import contextlib
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from lecture_code.plotting import mixture as pm  # noqa: E402


@settings(deadline=None, max_examples=30)
@given(angle=st.floats(-89, 89), a=st.floats(0.2, 5), b=st.floats(0.2, 5),
       n=st.sampled_from([1.0, 2.0, 3.0]))
def test_draw_gaussian_ellipse_matches_construction(angle, a, b, n):
    t = np.radians(angle)
    V = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    cov = V @ np.diag([a**2, b**2]) @ V.T
    fig, ax = plt.subplots()
    (patch,) = pm.draw_gaussian(ax, [0.0, 0.0], cov, n_std=(n,))
    plt.close(fig)
    assert patch.width == pytest.approx(2 * n * max(a, b), rel=1e-7)
    assert patch.height == pytest.approx(2 * n * min(a, b), rel=1e-7)
    if abs(a - b) > 1e-3:
        major = angle if a > b else angle + 90
        diff = (patch.angle - major) % 180
        assert min(diff, 180 - diff) < 1e-4


def test_ellipse_boundary_has_mahalanobis_distance_n(ax):
    cov = np.array([[2.0, 0.8], [0.8, 1.0]])
    (patch,) = pm.draw_gaussian(ax, [0.0, 0.0], cov, n_std=(2.0,))
    t = np.radians(patch.angle)
    for s in np.linspace(0, 2 * np.pi, 7):
        local = np.array([patch.width / 2 * np.cos(s), patch.height / 2 * np.sin(s)])
        point = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]]) @ local
        assert point @ np.linalg.solve(cov, point) == pytest.approx(4.0)


@pytest.mark.parametrize("cov, match", [
    (np.eye(3), "2x2"),
    ([[1.0, 0.5], [0.2, 1.0]], "symmetric"),
    ([[1.0, np.nan], [np.nan, 1.0]], "NaN"),
    ([[1.0, 2.0], [2.0, 1.0]], "positive semi-definite"),
])
def test_draw_gaussian_rejects_bad_covariances(ax, cov, match):
    with pytest.raises(ValueError, match=match):
        pm.draw_gaussian(ax, [0.0, 0.0], cov)


def test_draw_gaussian_adds_patches_and_axes(ax):
    patches = pm.draw_gaussian(ax, [1.0, 2.0], [[1.0, 0.3], [0.3, 0.5]], n_std=(1, 2, 3),
                               principal_axes=True, label="g")
    assert len(patches) == 3 and len(ax.patches) == 3
    assert patches[0].get_label() == "g"
    assert len(ax.texts) == 2  # two principal-axis arrows


def test_draw_gaussian_rejects_bad_mean(ax):
    with pytest.raises(ValueError, match="mean must have shape"):
        pm.draw_gaussian(ax, [0.0, 0.0, 0.0], np.eye(2))


def test_draw_mixture_one_colour_per_component(ax):
    drawn = pm.draw_mixture(ax, [0.2, 0.3, 0.5], np.zeros((3, 2)), np.array([np.eye(2)] * 3))
    colours = {tuple(p[0].get_edgecolor()[:3]) for p in drawn}
    assert len(drawn) == 3 and len(colours) == 3


def test_draw_mixture_shape_errors(ax):
    with pytest.raises(ValueError, match="full covariances"):
        pm.draw_mixture(ax, [0.5, 0.5], np.zeros((2, 2)), np.ones((2, 2)))


def test_density_grid_and_errors():
    xx, yy, z = pm.density_grid(lambda P: -np.sum(P**2, axis=1), (-1, 1), (-2, 2), n=11)
    assert z.shape == (11, 11) and z[5, 5] == 0.0
    assert yy[0, 0] == -2 and xx[0, -1] == 1
    with pytest.raises(ValueError, match="one value per point"):
        pm.density_grid(lambda P: P, (-1, 1), (-1, 1), n=3)


def test_plot_density_filled_and_log(ax):
    cs = pm.plot_density(ax, lambda P: -0.5 * np.sum(P**2, axis=1), (-2, 2), (-2, 2),
                         filled=True, log_scale=True, n=30)
    assert cs.filled and ax.get_xlim() == (-2, 2)


def test_scatter_labels_and_errors(ax):
    X = np.arange(12.0).reshape(6, 2)
    out = pm.scatter_labels(ax, X, [0, 0, 2, 2, 1, 1])
    assert len(out) == 3
    with pytest.raises(ValueError, match="one entry per point"):
        pm.scatter_labels(ax, X, [0, 1])
    with pytest.raises(ValueError, match=r"\(n_points, 2\)"):
        pm.scatter_labels(ax, np.zeros(5), [0] * 5)


def test_scatter_responsibilities_blends_colours(ax):
    resp = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    pc = pm.scatter_responsibilities(ax, np.zeros((3, 2)), resp)
    colours = pc.get_facecolors()[:, :3]
    c = pm.component_colors(2)
    assert np.allclose(colours[0], c[0]) and np.allclose(colours[1], c[1])
    assert np.allclose(colours[2], c.mean(axis=0))


@pytest.mark.parametrize("resp, match", [
    (np.ones((2, 2)), "sum to 1"),
    (np.array([[np.nan, 1.0], [0.5, 0.5]]), "sum to 1"),
    (np.ones(2), "shape"),
])
def test_scatter_responsibilities_errors(ax, resp, match):
    with pytest.raises(ValueError, match=match):
        pm.scatter_responsibilities(ax, np.zeros((2, 2)), resp)


def test_component_colors():
    assert pm.component_colors(12).shape == (12, 3)
    with pytest.raises(ValueError, match="at least 1"):
        pm.component_colors(0)


def test_covariance_gallery_and_errors():
    fig, axes = pm.plot_covariance_gallery([np.eye(2), np.diag([2.0, 0.5]),
                                            [[1.0, 0.5], [0.5, 1.0]]], ["a", "b", "c"])
    assert [a.get_title() for a in axes] == ["a", "b", "c"]
    plt.close(fig)
    with pytest.raises(ValueError, match="one title per covariance"):
        pm.plot_covariance_gallery([np.eye(2)], ["a", "b"])


def test_covariance_from_correlation_and_errors():
    cov = pm.covariance_from_correlation(1.5, 0.5, -0.4)
    assert np.allclose(cov, [[2.25, -0.3], [-0.3, 0.25]])
    with pytest.raises(ValueError, match="positive"):
        pm.covariance_from_correlation(0.0, 1.0, 0.0)
    with pytest.raises(ValueError, match="-1 < rho < 1"):
        pm.covariance_from_correlation(1.0, 1.0, 1.0)


def test_plot_gaussian_2d_title_has_eigenvalues(ax):
    pm.plot_gaussian_2d(ax, 2.0, 1.0, 0.0)
    assert "4.00, 1.00" in ax.get_title()


def test_likelihood_surface_and_errors(ax):
    g = np.linspace(-1, 1, 7)
    pm.plot_likelihood_surface(ax, g, g, -np.add.outer(g**2, g**2), maxima=[(0, 0)],
                               floor=-1.0)
    assert ax.get_xlabel() == r"$\mu_1$"
    with pytest.raises(ValueError, match="values must have shape"):
        pm.plot_likelihood_surface(ax, g, g[:3], np.zeros((7, 7)))


def test_loglik_curves_and_errors(ax):
    lines = pm.plot_loglik_curves(ax, [[1, 2, 3], [0, 1]], labels=["a", "b"], reference=3.5)
    assert len(lines) == 2 and len(ax.lines) == 3
    with pytest.raises(ValueError, match="one label per curve"):
        pm.plot_loglik_curves(ax, [[1, 2]], labels=["a", "b"])


def test_label_faithful_axes(ax):
    pm.label_faithful_axes(ax, "t")
    assert ax.get_title() == "t" and "waiting" in ax.get_ylabel()


def test_gaussian_explorer_widget():
    from lecture_code.widgets.mixture import gaussian_explorer

    with contextlib.redirect_stdout(io.StringIO()):
        w = gaussian_explorer(sigma1=1.0, sigma2=0.5, rho=-0.3)
        sliders = {c.description: c for c in w.widget.children if hasattr(c, "value")}
        assert sliders["rho"].value == -0.3
        assert -0.3 in w.values["rho"] and 1.0 in w.values["sigma1"]   # the static grid
        assert sliders["rho"].min == -0.95 and sliders["rho"].max == 0.95
        sliders["rho"].value = 0.5  # redraws without error
    plt.close("all")


@pytest.mark.parametrize("kwargs, match", [
    ({"sigma1": 0.0}, "sigma1 must be between"),
    ({"rho": 1.0}, "singular"),
])
def test_gaussian_explorer_errors(kwargs, match):
    from lecture_code.widgets.mixture import gaussian_explorer

    with pytest.raises(ValueError, match=match):
        gaussian_explorer(**kwargs)
