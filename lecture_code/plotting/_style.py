"""The book's figure policy: figures as wide as the text column, text readable as shown.

Every module of :mod:`lecture_code.plotting` imports this module, which applies the policy
to matplotlib once (:func:`apply_style`):

* **Width.** The book's text column is about :data:`COLUMN_PX` = 670 CSS pixels wide at a
  1280-pixel desktop window. A figure is at most :data:`COLUMN_WIDTH` inches wide, so at
  :data:`DPI` its PNG is shown at ``COLUMN_PX / (COLUMN_WIDTH * DPI)`` of its pixel size
  (2/3: the extra pixels are for high-density screens and for the full-size view a reader
  gets by clicking a figure).
* **Text.** Every text of a figure is at least :data:`MIN_TEXT_PX` = 9 pixels high *as
  displayed* (font size × DPI / 72 × displayed width / image width), i.e. at least
  :data:`MIN_FONT_PT` points in a figure that fits the column.
* **Panels.** At most :data:`MAX_COLUMNS` = 3 panels in a row; :func:`figure_size` gives
  the size of a grid of panels that fills the column.
* **Colours.** The Okabe–Ito palette (:data:`PALETTE`), which stays distinguishable for the
  common forms of colour blindness, is matplotlib's default colour cycle; :data:`COLORS`
  names its colours for the helpers.

The test ``tests/plotting/test_plotting_policy.py`` renders the figure of every plotting helper's
example and checks the width and the smallest text as displayed.

>>> figure_size(2)[0] == COLUMN_WIDTH
True
>>> round(displayed_text_px(9.0, image_px=COLUMN_WIDTH * DPI), 1)
12.5
"""
from __future__ import annotations

import matplotlib as mpl

__all__ = ["COLUMN_PX", "DPI", "COLUMN_WIDTH", "MIN_TEXT_PX", "MIN_FONT_PT", "MAX_COLUMNS",
           "PALETTE", "COLORS", "figure_size", "displayed_text_px", "apply_style"]

#: Width of the book's text column in CSS pixels (sphinx-book-theme at a 1280-px window).
COLUMN_PX = 670
#: Resolution of the figures (dots per inch): 1.5 image pixels per displayed pixel.
DPI = 150
#: The widest a figure may be, in inches: it is then shown exactly as wide as the column.
COLUMN_WIDTH = COLUMN_PX / 100
#: The smallest text height a reader may be shown, in displayed pixels.
MIN_TEXT_PX = 9.0
#: The smallest font size in points that meets MIN_TEXT_PX in a column-wide figure.
MIN_FONT_PT = MIN_TEXT_PX * 72 / 100   # 6.5 pt
#: At most this many panels in a row.
MAX_COLUMNS = 3

#: The Okabe–Ito colour-blind-safe palette (Okabe & Ito 2008), in the order of the cycle.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
           "#000000")
#: The palette by name (``red`` is Okabe–Ito's vermillion, ``purple`` its reddish purple).
COLORS = {"blue": "#0072B2", "orange": "#E69F00", "green": "#009E73", "red": "#D55E00",
          "purple": "#CC79A7", "sky": "#56B4E9", "yellow": "#F0E442", "black": "#000000",
          "grey": "#777777"}

_RC = {
    "figure.figsize": (COLUMN_WIDTH, 4.0),
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "font.size": 10.0,
    "axes.titlesize": 10.5,
    "axes.labelsize": 10.0,
    "xtick.labelsize": 9.0,
    "ytick.labelsize": 9.0,
    "legend.fontsize": 9.0,
    "legend.title_fontsize": 9.0,
    "figure.titlesize": 11.0,
    "axes.prop_cycle": mpl.cycler(color=PALETTE),
}


def figure_size(ncols: int = 1, nrows: int = 1, *, panel_aspect: float = 0.8,
                width: float = COLUMN_WIDTH) -> tuple[float, float]:
    """``(width, height)`` in inches for ``nrows × ncols`` panels filling the text column.

    ``panel_aspect`` is a panel's height over its width; the height includes room for
    titles and labels. At most :data:`MAX_COLUMNS` panels fit in a row.

    >>> [round(x, 2) for x in figure_size(3)]
    [6.7, 2.39]
    >>> figure_size(4)
    Traceback (most recent call last):
    ...
    ValueError: ncols=4: at most 3 panels fit in a row of the text column; use more rows.
    """
    if not 1 <= int(ncols) <= MAX_COLUMNS:
        raise ValueError(f"ncols={ncols}: at most {MAX_COLUMNS} panels fit in a row of the "
                         "text column; use more rows.")
    if width > COLUMN_WIDTH + 1e-9:
        raise ValueError(f"width={width} is wider than the text column ({COLUMN_WIDTH} in).")
    panel = width / ncols
    return (width, nrows * (panel * panel_aspect + 0.6))


def displayed_text_px(font_pt: float, *, image_px: float, dpi: float = DPI,
                      column_px: float = COLUMN_PX) -> float:
    """Height in displayed pixels of a ``font_pt``-point text in an ``image_px``-wide PNG.

    The page shows an image at its pixel size, but at most ``column_px`` wide
    (``max-width: 100%``): the text shrinks with a wider image.

    >>> displayed_text_px(10, image_px=2 * 1005) < displayed_text_px(10, image_px=1005)
    True
    """
    shown_px = min(image_px, column_px)
    return font_pt * dpi / 72 * shown_px / image_px


def apply_style() -> None:
    """Set the policy's matplotlib defaults (size, resolution, fonts, colour cycle)."""
    mpl.rcParams.update(_RC)


apply_style()
