"""Matplotlib helpers shared by the report's figures (Agg, no pyplot, no global state)."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("Agg", force=False)

from matplotlib.figure import Figure as MplFigure  # noqa: E402

#: Colours: the world with the system, the world without it, and groups.
WITH = "#b2182b"
WITHOUT = "#4d4d4d"
PALETTE = [
    "#1b9e77",
    "#d95f02",
    "#7570b3",
    "#e7298a",
    "#66a61e",
    "#e6ab02",
    "#a6761d",
    "#1f78b4",
    "#666666",
]
DPI = 110
WIDTH = 7.5  # inches: 825 px at DPI, readable when a phone scales it down

_RC = {
    "font.size": 9,
    "axes.titlesize": 9.5,
    "axes.labelsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.25,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
}


@dataclass
class Figure:
    """One figure of a report: a file stem, a title, computed text and the PNG bytes."""

    name: str
    title: str
    text: str
    png: bytes
    alt: str = ""


def new_figure(
    n_panels: int = 1, *, ncols: int | None = None, row_height: float = 2.7, width: float = WIDTH
) -> tuple[MplFigure, list[Any]]:
    """A figure with `n_panels` axes in a grid (at most 3 columns)."""
    ncols = ncols or min(3, max(1, n_panels))
    nrows = max(1, math.ceil(n_panels / ncols))
    with matplotlib.rc_context(_RC):
        fig = MplFigure(figsize=(width, row_height * nrows + 0.4), layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=False).ravel().tolist()
    for ax in axes[n_panels:]:
        ax.set_visible(False)
    for ax in axes[:n_panels]:
        _style(ax)
    return fig, axes[:n_panels]


def _style(ax: Any) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(True, alpha=0.25)
    ax.tick_params(labelsize=8)
    ax.title.set_fontsize(9.5)


def title(ax: Any, text: str, width: int = 32) -> None:
    """A panel title, wrapped so that neighbouring titles never overlap."""
    import textwrap

    ax.set_title(textwrap.fill(text, width), fontsize=9)


def percent_axis(ax: Any) -> None:
    """Show a share axis in percent."""
    from matplotlib.ticker import FuncFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{100 * v:.6g}%"))


def to_png(fig: MplFigure) -> bytes:
    """The figure as PNG bytes (no metadata that changes between runs)."""
    buf = io.BytesIO()
    with matplotlib.rc_context(_RC):
        fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def legend_below(fig: MplFigure, handles: list[Any], labels: list[str]) -> None:
    """One legend for the whole figure, under it."""
    if handles:
        fig.legend(handles, labels, loc="outside lower center", ncols=min(4, len(labels)))


def time_axis(ax: Any, dated: bool) -> None:
    """Label a time axis: concise dates for a run with a calendar, else steps."""
    if not dated:
        ax.set_xlabel("step")
        return
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.set_xlabel("date")


def band(ax: Any, x: Any, lo: Any, hi: Any, *, color: str, alpha: float = 0.18) -> None:
    """Shade an interval around a line (a run with replicates: the 95 % interval per step).

    Steps where the interval is undefined (NaN: fewer than two replicates with
    a value) are left unshaded.
    """
    import numpy as np

    lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    ok = ~(np.isnan(lo) | np.isnan(hi))
    ax.fill_between(x, lo, hi, where=ok, color=color, alpha=alpha, lw=0, interpolate=False)


def band_handle(color: str, alpha: float = 0.18) -> Any:
    """A legend entry for `band`."""
    from matplotlib.patches import Patch

    return Patch(facecolor=color, alpha=alpha, lw=0)
