"""Intervals in a run's report: bands on the figures, ``mean ± half-width`` in the text.

A run folder written by ``scslab run --replicates R`` holds ``summary.parquet``
(and, with a baseline, ``baseline/summary.parquet`` and
``difference_summary.parquet``): the mean and 95 % interval of every measure at
every collected step over the R replicates (`scslab.results.intervals`). Its
``metrics.parquet`` is the per-step mean, so the report's lines are the means;
this module adds the band around each line and quotes every final value as
``mean ± half-width``, the difference as the paired interval.

A run folder without ``summary.parquet`` (one seed) is reported as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from scslab.report import plot
from scslab.report.words import Words, join, sentence
from scslab.results.intervals import LEVEL, METHOD, final, plus_minus, runs_note

#: At most this many measures quoted in the note under a figure.
MAX_QUOTED = 8

Row = dict[str, Any]


@dataclass
class Intervals:
    """The summaries of a run with replicates, and what the report has quoted.

    Attributes
    ----------
    total : int
        The number of replicates R.
    summary, baseline, difference : polars.DataFrame
        The summary tables (``step, measure, n, mean, sd, half_width, lo, hi``)
        of the run, its baseline and the paired difference (the last two None
        without a baseline).
    quoted : set of str
        Measures whose interval the text has given already.
    """

    total: int
    summary: pl.DataFrame
    baseline: pl.DataFrame | None = None
    difference: pl.DataFrame | None = None
    quoted: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._final = final(self.summary)
        self._base = final(self.baseline) if self.baseline is not None else {}
        self._diff = final(self.difference) if self.difference is not None else {}

    # ------------------------------------------------------------ reading
    @classmethod
    def read(cls, path: Path, manifest: dict[str, Any]) -> Intervals | None:
        """The intervals of run folder `path`, or None for a run of one seed."""
        from scslab.results.store import (
            DIFFERENCE_SUMMARY_FILE,
            SUMMARY_FILE,
            read_summary,
        )

        summary = read_summary(path)
        if summary is None:
            return None
        reps = manifest.get("replicates")
        total = int(reps.get("count", 0)) if isinstance(reps, dict) else 0
        if not total and summary.height:
            total = int(summary["n"].max() or 0)
        return cls(
            total=total,
            summary=summary,
            baseline=read_summary(path / "baseline", SUMMARY_FILE),
            difference=read_summary(path, DIFFERENCE_SUMMARY_FILE),
        )

    def _table(self, arm: str) -> pl.DataFrame | None:
        return {"with": self.summary, "without": self.baseline, "difference": self.difference}[arm]

    def row(self, name: str, arm: str = "with") -> Row | None:
        """The summary row of `name` at the last step: arm "with", "without" or "difference"."""
        return {"with": self._final, "without": self._base, "difference": self._diff}[arm].get(name)

    # ------------------------------------------------------------ figures
    def band(
        self, ax: Any, name: str, *, color: str, arm: str = "with", share: bool = False
    ) -> bool:
        """Shade the interval of `name` around its line; False when there is none.

        A share's band is drawn within [0, 1] (the t-interval itself, in
        ``summary.parquet``, is not clipped).
        """
        table = self._table(arm)
        if table is None:
            return False
        rows = table.filter(pl.col("measure") == name).sort("step")
        if rows.height == 0:
            return False
        lo = rows["lo"].fill_null(np.nan).to_numpy().astype(float)
        hi = rows["hi"].fill_null(np.nan).to_numpy().astype(float)
        if np.all(np.isnan(lo)):
            return False
        if share:
            lo, hi = np.clip(lo, 0.0, 1.0), np.clip(hi, 0.0, 1.0)
        x = (
            rows["date"].to_numpy().astype("datetime64[D]")
            if "date" in rows.columns
            else rows["step"].to_numpy()
        )
        plot.band(ax, x, lo, hi, color=color)
        return True

    # ------------------------------------------------------------ words
    def quote(self, words: Words, name: str, arm: str = "with") -> str:
        """``"12.3% ± 0.4 points"``, ``"+1.2 ± 0.3 points"`` (a difference) or ``"0.52 ± 0.03"``."""
        return quote(words, name, self.row(name, arm), self.total, signed=arm == "difference")

    def describe(self, words: Words, name: str) -> str:
        """The final value of `name` with its interval, the baseline's and the difference's."""
        self.quoted.add(name)
        return f"{words.label(name)} ends at {self._with_without(words, name, ' and ')}"

    def _with_without(self, words: Words, name: str, sep: str) -> str:
        """``X ± x with the system and Y ± y without (difference D ± d, paired)``."""
        text = self.quote(words, name)
        base = self.row(name, "without")
        if base is None:
            return text
        if _nil(base, self.total):  # the mechanism is off: the difference is the value
            return f"{text} with the system{sep}0 without"
        return (
            f"{text} with the system{sep}{self.quote(words, name, 'without')} without "
            f"(difference {self.quote(words, name, 'difference')}, paired)"
        )

    def note(self, words: Words, names: list[str], step: int) -> str:
        """A sentence with the intervals of `names` not quoted yet (empty if none)."""
        todo = [n for n in names if n not in self.quoted and self.row(n) is not None]
        if not todo:
            return ""
        shown = todo[:MAX_QUOTED]
        self.quoted.update(shown)
        parts = [f"{words.label(n)} {self._with_without(words, n, ', ')}" for n in shown]
        text = f"At step {step}, over {self.total} runs (mean ± half-width): {join(parts)}"
        if len(todo) > len(shown):
            text += f"; the other {len(todo) - len(shown)} are in summary.parquet"
        return " " + sentence(text)

    @property
    def legend(self) -> str:
        """The legend entry of the bands."""
        return f"{LEVEL:.0%} interval ({self.total} runs)"

    def lead(self) -> str:
        """The sentence of the report's summary that says how to read the numbers."""
        text = (
            f" Each figure shows the mean of {self.total} runs (replicates whose seeds derive "
            f"from that root seed, as in a sweep) with its {LEVEL:.0%} interval ({METHOD}) "
            "as a band, and the text quotes every final value as mean ± half-width"
        )
        if self.difference is not None:
            text += (
                "; replicate i of the system and of its counterfactual share a seed, so each "
                "difference has the paired interval"
            )
        return text + "."


def _nil(row: Row, total: int) -> bool:
    """0 in every replicate."""
    return row.get("mean") == 0 and row.get("sd") in (0, None) and row.get("n") == total


def quote(words: Words, name: str, row: Row | None, total: int, *, signed: bool = False) -> str:
    """One summary row in words: a share in percent (its half-width in points)."""
    if row is None or row.get("mean") is None:
        return "n/a"
    share = words.is_share(name)
    hw = row.get("half_width")
    text = plus_minus(
        float(row["mean"]),
        None if hw is None else float(hw),
        scale=100.0 if share else 1.0,
        signed=signed,
    )
    if share:
        mean, sep, half = text.partition(" ± ")
        if signed:
            text = f"{mean}{' ± ' + half if sep else ''} points"
        else:
            text = f"{mean}%" + (f" ± {half} points" if sep else "")
    n = row.get("n")
    if n is not None and int(n) != total:
        text += f" {runs_note(int(n), total)}"
    return text


def band(data: Any, ax: Any, name: str, color: str, arm: str = "with") -> None:
    """For a figure that draws its own lines: the band of `name` when the run has replicates."""
    iv = getattr(data, "intervals", None)
    if iv is not None:
        iv.band(ax, name, color=color, arm=arm, share=data.words.is_share(name))


def yerr(data: Any, names: list[str]) -> list[list[float]] | None:
    """Error bars of `names` at the last step (below, above), None for a run of one seed.

    A share's bar stays within [0, 1], as its band does.
    """
    iv = getattr(data, "intervals", None)
    if iv is None:
        return None
    below, above = [], []
    for n in names:
        row = iv.row(n) or {}
        mean, lo, hi = row.get("mean"), row.get("lo"), row.get("hi")
        if mean is None or lo is None or hi is None:
            below.append(0.0)
            above.append(0.0)
            continue
        if data.words.is_share(n):
            lo, hi = max(lo, 0.0), min(hi, 1.0)
        below.append(max(float(mean) - float(lo), 0.0))
        above.append(max(float(hi) - float(mean), 0.0))
    return [below, above]
