"""Figures of the book (matplotlib), one module per group of chapters.

Importing any of them applies the book's figure policy (:mod:`lecture_code.plotting._style`:
figures as wide as the text column, text at least 9 px as displayed, at most three panels in
a row, a colour-blind-safe palette).
"""
from lecture_code.plotting import _style  # noqa: F401  (applies the policy)
