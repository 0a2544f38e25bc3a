"""The static report: ``DIR/report.html`` and ``DIR/figures/*.png`` for a run or a sweep.

Importing this package imports no plotting library: matplotlib (Agg) is
loaded when a report is built.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["build_report"]


def build_report(path: str | Path, *, measures: Sequence[str] | None = None) -> Path:
    """Write the report of a run or sweep folder; return the path of ``report.html``.

    See `scslab.report.build.build_report`.
    """
    from scslab.report.build import build_report as _build

    return _build(path, measures=measures)
