"""A widget that steps through the iterations of an EM run (ipywidgets).

Introduced in the chapter *The EM algorithm*: an integer slider over the recorded states of
``GaussianMixture(keep_history=True).fit(X).history_`` redraws the points coloured by their
responsibilities, each component's ellipses, and the log-likelihood curve with the current
iteration marked. The figure itself is :func:`lecture_code.plotting.em.plot_em_iteration`, so
the static book shows exactly what the widget's initial state shows.

Example
-------
>>> import contextlib, io, matplotlib
>>> matplotlib.use("Agg")
>>> import numpy as np
>>> st = {"weights": np.array([1.0]), "means": np.zeros((1, 2)),
...       "covariances": np.array([np.eye(2)]), "log_likelihood": -2.0}
>>> with contextlib.redirect_stdout(io.StringIO()):  # outside a notebook it prints escapes
...     w = em_stepper(np.zeros((3, 2)), [st, st, st])
>>> w.children[0].max
2
"""
from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt

from lecture_code.plotting.em import plot_em_iteration
from lecture_code.widgets._figure import image_interactive

__all__ = ["em_stepper"]


def em_stepper(X, history, *, iteration: int = 0, covariance_type: str = "full",
               xlabel: str = "$x_1$", ylabel: str = "$x_2$", figsize=(11, 4.3)):
    """An ``IntSlider`` over the states of an EM run; each move redraws that iteration.

    Introduced in the chapter *The EM algorithm*. ``history`` is the ``history_`` of a
    ``GaussianMixture`` fitted with ``keep_history=True`` (or any list of such states),
    ``covariance_type`` the model's. Returns an ``ipywidgets.interactive`` whose figure is a PNG image (safe to execute
    headless, see :mod:`lecture_code.widgets._figure`): display it in a notebook (the last
    expression of a cell).

    >>> import contextlib, io, matplotlib; matplotlib.use("Agg")
    >>> import numpy as np
    >>> st = {"weights": np.array([1.0]), "means": np.zeros((1, 2)),
    ...       "covariances": np.array([np.eye(2)]), "log_likelihood": -2.0}
    >>> with contextlib.redirect_stdout(io.StringIO()):
    ...     w = em_stepper(np.zeros((3, 2)), [st, st], iteration=1)
    >>> w.kwargs["iteration"]
    1
    """
    history = list(history)
    if len(history) < 2:
        raise ValueError(f"history must hold at least two states (the start and one "
                         f"iteration), got {len(history)}: fit with keep_history=True and "
                         "max_iter >= 1.")
    if not 0 <= int(iteration) < len(history):
        raise ValueError(f"iteration must be between 0 and {len(history) - 1} (the slider's "
                         f"range), got {iteration}.")

    def draw(iteration):
        fig, axes = plt.subplots(1, 2, figsize=figsize, constrained_layout=True)
        plot_em_iteration(axes, X, history, iteration, covariance_type=covariance_type,
                          xlabel=xlabel, ylabel=ylabel)
        return fig

    return image_interactive(
        draw,
        iteration=widgets.IntSlider(value=int(iteration), min=0, max=len(history) - 1, step=1,
                                    description="iteration",
                                    style={"description_width": "initial"},
                                    continuous_update=False),
    )
