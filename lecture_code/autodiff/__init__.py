"""Automatic differentiation, built up chapter by chapter (numpy and the standard library only)."""
