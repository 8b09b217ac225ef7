"""lecture_code: the code of the course book *Autodiff and Clustering Redux*.

Subpackages
-----------
``lecture_code.autodiff``
    Automatic differentiation: divided differences, dual numbers, evaluation traces,
    reverse mode on numpy arrays, source transformation, Jacobians and Hessians, Newton.
``lecture_code.mixture``
    Multivariate Gaussians, Gaussian mixtures fitted by EM (scikit-learn's API), k-means.
``lecture_code.datasets``
    The Old Faithful data (shipped with the package) and seeded synthetic mixtures.
``lecture_code.plotting``, ``lecture_code.widgets``, ``lecture_code.exercises``
    Figures, interactive explorers and exercise checkers for the book's chapters. The core
    subpackages above never import them.

Importing ``lecture_code`` itself imports nothing heavy.
"""

__version__ = "0.1.0"
