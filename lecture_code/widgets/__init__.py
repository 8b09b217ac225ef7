"""Interactive explorers (ipywidgets) for the book's chapters.

Each module builds widgets for one group of chapters and returns them; a notebook displays
the widget as the last expression of a cell. In the static HTML book each widget's initial
state is also shown as a static figure drawn by the same :mod:`lecture_code.plotting` helper.

``lecture_code.widgets.autodiff``
    The divided-difference explorer (chapter *Why derivatives, and why not divided
    differences*).
``lecture_code.widgets.mixture``
    The 2-D Gaussian explorer (chapter *Multivariate Gaussians*).
``lecture_code.widgets.em``
    A slider that steps through the iterations of an EM run (chapter *The EM algorithm*).

The core subpackages (``lecture_code.autodiff``, ``lecture_code.mixture``) never import this
package; importing it imports nothing heavy (import the submodules you need).
"""
