"""A slider that steps through the iterations of an EM run.

Introduced in the chapter *The EM algorithm*: an integer slider over the recorded states of
``GaussianMixture(keep_history=True).fit(X).history_`` redraws the points coloured by their
responsibilities, each component's ellipses, and the log-likelihood curve with the current
iteration marked. The figure itself is :func:`lecture_code.plotting.em.plot_em_iteration`.
The explorer is a :class:`lecture_code.widgets.frames.FrameExplorer`: live ipywidgets in a
running notebook, pre-rendered frames in the static book.

Example
-------
>>> import contextlib, io, matplotlib
>>> matplotlib.use("Agg")
>>> import numpy as np
>>> st = {"weights": np.array([1.0]), "means": np.zeros((1, 2)),
...       "covariances": np.array([np.eye(2)]), "log_likelihood": -2.0}
>>> with contextlib.redirect_stdout(io.StringIO()):  # outside a notebook it prints escapes
...     w = em_stepper(np.zeros((3, 2)), [st, st, st])
>>> w.widget.children[0].max
2
"""
from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from lecture_code.plotting.em import plot_em_iteration
from lecture_code.widgets.frames import FrameExplorer

__all__ = ["em_stepper", "static_iterations"]


def static_iterations(n_states: int, count: int = 16) -> list[int]:
    """The iterations the static page offers: all if at most ``count``, else the first half
    of ``count`` one by one and the rest spread evenly up to the last.

    Introduced in the chapter *The EM algorithm*.

    >>> static_iterations(5)
    [0, 1, 2, 3, 4]
    >>> static_iterations(41)
    [0, 1, 2, 3, 4, 5, 6, 7, 11, 15, 19, 24, 28, 32, 36, 40]
    """
    if n_states <= count:
        return list(range(n_states))
    head = count // 2
    tail = np.linspace(head - 1, n_states - 1, count - head + 1).round().astype(int)[1:]
    return list(range(head)) + [int(t) for t in tail]


def em_stepper(X, history, *, iteration: int = 0, covariance_type: str = "full",
               xlabel: str = "$x_1$", ylabel: str = "$x_2$", figsize=(11, 4.3)):
    """An ``IntSlider`` over the states of an EM run; each move redraws that iteration.

    Introduced in the chapter *The EM algorithm*. ``history`` is the ``history_`` of a
    ``GaussianMixture`` fitted with ``keep_history=True`` (or any list of such states),
    ``covariance_type`` the model's. Returns a
    :class:`~lecture_code.widgets.frames.FrameExplorer`: display it in a notebook (the last
    expression of a cell). The static version offers the iterations of
    :func:`static_iterations` (and the initial one).

    >>> import contextlib, io, matplotlib; matplotlib.use("Agg")
    >>> import numpy as np
    >>> st = {"weights": np.array([1.0]), "means": np.zeros((1, 2)),
    ...       "covariances": np.array([np.eye(2)]), "log_likelihood": -2.0}
    >>> with contextlib.redirect_stdout(io.StringIO()):
    ...     w = em_stepper(np.zeros((3, 2)), [st, st], iteration=1)
    >>> w.widget.kwargs["iteration"]
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
    n_points = len(X)

    def draw(iteration):
        fig, axes = plt.subplots(1, 2, figsize=figsize, constrained_layout=True)
        plot_em_iteration(axes, X, history, iteration, covariance_type=covariance_type,
                          xlabel=xlabel, ylabel=ylabel)
        return fig

    def alt(iteration):
        what = "the start" if iteration == 0 else f"iteration {iteration}"
        total = history[iteration]["log_likelihood"] * n_points
        return (f"The EM run at {what} of {len(history) - 1}. Left: the points coloured by "
                f"their responsibilities, with each component's ellipses. Right: the "
                f"log-likelihood per iteration with this one marked, at {total:.1f}.")

    slider = widgets.IntSlider(value=int(iteration), min=0, max=len(history) - 1, step=1,
                               description="iteration", style={"description_width": "initial"},
                               continuous_update=False)
    frames = sorted(set(static_iterations(len(history))) | {int(iteration)})
    return FrameExplorer(draw, {"iteration": slider}, {"iteration": frames}, alt=alt)
