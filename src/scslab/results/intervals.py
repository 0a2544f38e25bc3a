"""Means and 95 % intervals over replicates: the tables ``scslab run --replicates`` writes.

A summary is a long table, one row per collected step and measure:

=============  =======  ==========================================================
column         type     meaning
=============  =======  ==========================================================
``step``       Int64    the collected step (then ``date``, with a calendar)
``measure``    Utf8     the metric's column name
``n``          Int64    replicates where the measure has a value (not NaN) there
``mean``       Float64  their mean
``sd``         Float64  their standard deviation (``ddof=1``; null when n < 2)
``half_width`` Float64  half-width of the 95 % interval (null when n < 2)
``lo``, ``hi`` Float64  ``mean -/+ half_width``
=============  =======  ==========================================================

The interval is Student's t over the replicates' values: ``mean ± t(0.975, n - 1)
× sd / sqrt(n)`` (`METHOD`). A measure that is null in some replicates (a ratio
withheld below its minimum count) is summarised over the replicates where it
exists, and ``n`` says how many. With a baseline, the difference is summarised
replicate by replicate (replicate i of both arms shares its seed: common random
numbers), so its interval is the paired one.

Pure numpy, scipy and polars; no I/O.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
import polars as pl

#: The interval's name, as written in ``run.json`` and the report.
METHOD = "Student t over replicates"
#: Its confidence level.
LEVEL = 0.95

SUMMARY_SCHEMA = {
    "step": pl.Int64,
    "measure": pl.Utf8,
    "n": pl.Int64,
    "mean": pl.Float64,
    "sd": pl.Float64,
    "half_width": pl.Float64,
    "lo": pl.Float64,
    "hi": pl.Float64,
}


def t_interval(values: np.ndarray, level: float = LEVEL) -> dict[str, np.ndarray]:
    """Mean and Student-t interval over axis 0, ignoring NaN.

    Parameters
    ----------
    values : ndarray
        Replicates along axis 0; any further axes are kept.
    level : float
        Confidence level.

    Returns
    -------
    dict of ndarray
        ``n``, ``mean``, ``sd``, ``half_width``, ``lo``, ``hi``: NaN where no
        replicate has a value (mean) or fewer than two have (the rest).
    """
    from scipy import stats

    x = np.asarray(values, dtype=float)
    n = np.sum(~np.isnan(x), axis=0)
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(x, axis=0)
        sd = np.nanstd(x, axis=0, ddof=1)
    two = n >= 2
    sd = np.where(two, sd, np.nan)
    t = np.full(np.shape(n), np.nan)
    t[two] = stats.t.ppf(0.5 + level / 2, n[two] - 1)
    half = t * sd / np.sqrt(np.where(two, n, 1))
    return {
        "n": n,
        "mean": mean,
        "sd": sd,
        "half_width": half,
        "lo": mean - half,
        "hi": mean + half,
    }


#: Columns of a metrics frame that say when, not what: never summarised.
KEYS = ("step", "date")


def stack(frames: Sequence[pl.DataFrame]) -> tuple[np.ndarray, list[str], pl.DataFrame]:
    """Replicates' metric frames as one array ``(replicate, step, measure)``.

    Returns the array, the measure names (the first frame's order, then any new
    ones) and the time keys (``step``, and ``date`` for a run with a calendar)
    of the first frame. Every frame must have the same steps; a measure that a
    frame lacks is NaN there.
    """
    if not frames:
        raise ValueError("no replicate to summarise")
    keys = frames[0].select([k for k in KEYS if k in frames[0].columns])
    steps = keys["step"].to_numpy()
    names: list[str] = []
    for f in frames:
        if not np.array_equal(f["step"].to_numpy(), steps):
            raise ValueError("replicates collected different steps; cannot summarise them")
        names.extend(c for c in f.columns if c not in KEYS and c not in names)
    arr = np.full((len(frames), steps.size, len(names)), np.nan)
    for i, f in enumerate(frames):
        for j, name in enumerate(names):
            if name in f.columns:
                arr[i, :, j] = f[name].cast(pl.Float64).fill_null(math.nan).to_numpy()
    return arr, names, keys


def summarise(frames: Sequence[pl.DataFrame], level: float = LEVEL) -> pl.DataFrame:
    """The summary table (see the module's docstring) of the replicates' metrics.

    A run with a calendar keeps its ``date`` column beside ``step``.
    """
    arr, names, keys = stack(frames)
    stats_ = t_interval(arr, level)
    n_steps, n_names = keys.height, len(names)
    data = {
        "step": np.repeat(keys["step"].to_numpy().astype(np.int64), n_names),
        "measure": np.tile(np.asarray(names, dtype=object), n_steps),
        **{k: v.reshape(-1) for k, v in stats_.items()},
    }
    frame = pl.DataFrame(data, schema=SUMMARY_SCHEMA)
    frame = frame.with_columns(pl.col(pl.Float64).fill_nan(None))
    if "date" in keys.columns:
        dates = keys["date"].gather(np.repeat(np.arange(n_steps), n_names))
        frame = frame.insert_column(1, dates)
    return frame


def means(summary: pl.DataFrame) -> pl.DataFrame:
    """The per-step means as a metrics frame (``step``, ``date`` if any, one column per measure)."""
    order = list(dict.fromkeys(summary["measure"].to_list()))
    index = [k for k in KEYS if k in summary.columns]
    wide = summary.pivot(on="measure", index=index, values="mean", sort_columns=False)
    return wide.select(*index, *order).sort("step").with_columns(pl.col(order).fill_null(math.nan))


def final(summary: pl.DataFrame) -> dict[str, dict[str, float | int | None]]:
    """``{measure: row}`` at the last collected step."""
    if summary.height == 0:
        return {}
    last = summary.filter(pl.col("step") == summary["step"].max())
    return {row["measure"]: row for row in last.to_dicts()}


def replicate_frame(frames: Sequence[pl.DataFrame]) -> pl.DataFrame:
    """The replicates' metrics in one frame, with a leading ``replicate`` column."""
    return pl.concat(
        [
            f.select(pl.lit(i, dtype=pl.Int64).alias("replicate"), pl.all())
            for i, f in enumerate(frames)
        ],
        how="diagonal",
    )


# ------------------------------------------------------------------ words
def _decimals(half_width: float) -> int:
    """Decimals that show the half-width to two significant digits."""
    return max(0, 1 - math.floor(math.log10(abs(half_width))))


def plus_minus(
    mean: float | None, half_width: float | None, *, scale: float = 1.0, signed: bool = False
) -> str:
    """``"0.1235 ± 0.0012"``: the mean to the precision of its half-width.

    `scale` multiplies both (100 for percentage points); `signed` writes a
    ``+`` before a positive mean (for a difference).
    """
    if mean is None or math.isnan(mean):
        return "n/a"
    m = mean * scale
    sign = "+" if signed and m > 0 else ""
    if half_width is None or math.isnan(half_width):
        return f"{m:{sign}.4g}"
    h = half_width * scale
    if h <= 1e-12 * max(abs(m), 1.0):  # no spread but rounding error: equal in every run
        m = 0.0 if abs(m) < 1e-12 else m  # a difference of equal values, up to rounding
        return f"{m:{'+' if signed and m > 0 else ''}.4g} ± 0"
    d = _decimals(h)
    if d > 9 or abs(h) >= 1e7:  # too many zeros or digits to read: scientific
        return f"{_no_minus_zero(f'{m:{sign}.3g}')} ± {h:.2g}"
    return f"{_no_minus_zero(f'{m:{sign}.{d}f}')} ± {h:.{d}f}"


def _no_minus_zero(text: str) -> str:
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def runs_note(n: int | None, total: int) -> str:
    """``"(5 runs)"``, or ``"(3 of 5 runs)"`` when the measure is null in some."""
    n = 0 if n is None else int(n)
    word = "run" if total == 1 else "runs"
    return f"({total} {word})" if n == total else f"({n} of {total} {word})"


def cell(
    row: dict[str, float | int | None] | None,
    total: int,
    *,
    always: bool = True,
    signed: bool = False,
) -> str:
    """One summary row as ``"value ± half-width (R runs)"``.

    With ``always=False`` the runs are named only when the measure is null in
    some of them (``"(3 of 5 runs)"``): for a table whose title names them.
    """
    if row is None:
        return "n/a"
    value = plus_minus(_f(row.get("mean")), _f(row.get("half_width")), signed=signed)
    n = _i(row.get("n"))
    if not always and n == total:
        return value
    return f"{value} {runs_note(n, total)}"


def _f(v: object) -> float | None:
    return None if v is None else float(v)  # type: ignore[arg-type]


def _i(v: object) -> int | None:
    return None if v is None else int(v)  # type: ignore[call-overload]
