"""Gaussian mixtures, EM and k-means (NumPy, SciPy and scikit-learn's estimator plumbing)."""
from lecture_code.mixture._steps import e_step, fused_em_step, log_gaussian_prob, m_step
from lecture_code.mixture.em import ConvergenceWarning, GaussianMixture, means_only_em
from lecture_code.mixture.gaussian import (
    COVARIANCE_TYPES, ellipse, from_full, log_density, precision_cholesky, sample_gaussian, to_full)
from lecture_code.mixture.kmeans import (
    KMeans, em_to_kmeans, hard_e_step, hard_m_step, kmeans_plusplus)

__all__ = [
    "GaussianMixture", "ConvergenceWarning", "means_only_em", "KMeans", "kmeans_plusplus",
    "em_to_kmeans", "hard_e_step", "hard_m_step", "log_density", "sample_gaussian", "to_full",
    "from_full", "precision_cholesky", "ellipse", "COVARIANCE_TYPES", "e_step", "m_step", "fused_em_step",
    "log_gaussian_prob",
]
