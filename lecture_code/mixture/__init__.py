"""Gaussian mixtures, EM and k-means (numpy and scipy only)."""
