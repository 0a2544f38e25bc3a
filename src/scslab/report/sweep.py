"""Figures and text for a sweep folder (``DIR/results.duckdb``).

Each chosen measure (its value at a run's last collected step) is drawn
against each varied parameter: the mean over replicates as a line and the
range over replicates as a band; the baseline arm, when the sweep has one,
dashed. Sensitivity indices (table ``indices``) become bars.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from scslab.errors import StoreError, did_you_mean
from scslab.report import plot
from scslab.report.plot import WITH, WITHOUT, Figure
from scslab.report.words import (
    Words,
    first_sentences,
    join,
    number,
    sentence,
)

#: Columns of ``runs`` that are not varied paths.
RUN_COLUMNS = {
    "run_id",
    "point",
    "replicate",
    "baseline",
    "seed_entropy",
    "seed_spawn_key",
    "status",
    "error",
    "wall_time_s",
    "worker",
    "manifest",
}
#: Above this many distinct values a parameter was sampled, not gridded: scatter.
MAX_LEVELS = 25
#: Lines per panel for combinations of the other varied parameters.
MAX_COMBOS = 5
#: Default number of measures drawn when none is chosen.
DEFAULT_MEASURES = 6


@dataclass
class SweepData:
    path: Path
    meta: dict[str, Any]
    finals: pl.DataFrame  # one row per ok run: varied values, replicate, baseline, metrics
    varied: list[str]
    metrics: list[str]
    indices: pl.DataFrame | None = None
    failed: int = 0
    total: int = 0
    steps: dict[str, Any] = field(default_factory=dict)

    @property
    def model(self) -> str:
        scn = self.meta.get("scenario")
        return str(scn.get("model", "?")) if isinstance(scn, dict) else "?"

    @cached_property
    def words(self) -> Words:
        """Labels and shares of this model's measures, from its declarations."""
        return Words.of(self.model)

    @property
    def has_baseline(self) -> bool:
        return bool(self.finals.height and self.finals["baseline"].any())

    def arm(self, baseline: bool) -> pl.DataFrame:
        return self.finals.filter(pl.col("baseline") == baseline)


def read_sweep(path: Path) -> SweepData:
    """Read a sweep's DuckDB file: final values of every finished run, and indices."""
    from scslab.results.sweepdb import SweepDB, db_path, quote

    with SweepDB(db_path(path), read_only=True) as db:
        meta = db.meta()
        tables = db.tables()
        if "runs" not in tables:
            raise StoreError(f"{str(path)!r} holds no runs yet; run the sweep first")
        names, _ = db.query("SELECT * FROM runs LIMIT 0")
        varied = [c for c in names if c not in RUN_COLUMNS]
        _, counts = db.query("SELECT count(*), count(*) FILTER (WHERE status <> 'ok') FROM runs")
        total, failed = int(counts[0][0]), int(counts[0][1])
        metrics = db.metric_columns() if "metrics" in tables else []
        if metrics:
            sel = ", ".join(
                [
                    *(f"r.{quote(v)}" for v in varied),
                    "r.run_id",
                    "r.replicate",
                    "r.baseline",
                    "m.step",
                    *(f"m.{quote(c)}" for c in metrics),
                ]
            )
            cols, rows = db.query(
                f"SELECT {sel} FROM runs r JOIN metrics m USING (run_id) "
                "JOIN (SELECT run_id, max(step) AS last FROM metrics GROUP BY run_id) l "
                "ON l.run_id = r.run_id AND m.step = l.last "
                "WHERE r.status = 'ok' ORDER BY r.run_id"
            )
            finals = _frame(cols, rows)
        else:
            finals = pl.DataFrame({"run_id": [], "replicate": [], "baseline": []})
        indices = None
        if "indices" in tables:
            cols, rows = db.query(
                "SELECT method, measure, param, param2, statistic, value FROM indices"
            )
            indices = _frame(cols, rows)
    return SweepData(
        path=path,
        meta=meta,
        finals=finals,
        varied=varied,
        metrics=metrics,
        indices=indices,
        failed=failed,
        total=total,
    )


def _frame(cols: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> pl.DataFrame:
    data = {c: [r[i] for r in rows] for i, c in enumerate(cols)}
    return pl.DataFrame(data, strict=False)


def choose_measures(data: SweepData, chosen: Sequence[str] | None) -> list[str]:
    """The measures to draw: those chosen (checked), else the headline ones the sweep has."""
    if chosen:
        out = []
        for name in chosen:
            metric = name.partition("@")[0]
            if metric not in data.metrics:
                raise StoreError(
                    f"--measure {name}: no metric {metric!r} in this sweep"
                    f"{did_you_mean(metric, data.metrics)} "
                    f"(metrics: {', '.join(data.metrics) or 'none'})"
                )
            out.append(metric)
        return list(dict.fromkeys(out))
    out = [m for m in data.words.desc.headline if m in data.metrics]
    if not out:
        out = data.metrics[:DEFAULT_MEASURES]
    return out[:DEFAULT_MEASURES]


# --------------------------------------------------------------------------- drawing
def _is_numeric(series: pl.Series) -> bool:
    return series.dtype.is_numeric() and series.dtype != pl.Boolean


def _grouped(df: pl.DataFrame, x: str, y: str) -> pl.DataFrame:
    return (
        df.filter(pl.col(y).is_not_null() & pl.col(y).is_not_nan())
        .group_by(x)
        .agg(
            pl.col(y).mean().alias("mean"),
            pl.col(y).min().alias("lo"),
            pl.col(y).max().alias("hi"),
            pl.len().alias("n"),
        )
        .sort(x)
    )


def _draw_panel(ax: Any, data: SweepData, x: str, y: str) -> dict[str, Any]:
    """Draw measure `y` against parameter `x`; return facts for the text."""
    ok = data.arm(False)
    facts: dict[str, Any] = {"x": x, "y": y}
    if ok.height == 0:
        return facts
    others = [v for v in data.varied if v != x]
    numeric = _is_numeric(ok[x])
    levels = ok[x].n_unique()
    if numeric and levels > MAX_LEVELS:
        ax.scatter(ok[x].to_numpy(), ok[y].to_numpy(), s=8, color=WITH, alpha=0.5, lw=0)
        xs = ok[x].to_numpy().astype(float)
        ys = ok[y].to_numpy().astype(float)
        edges = np.quantile(xs, np.linspace(0, 1, 11))
        idx = np.clip(np.searchsorted(edges, xs, side="right") - 1, 0, 9)
        mids = [float(xs[idx == k].mean()) for k in range(10) if np.any(idx == k)]
        means = [float(np.nanmean(ys[idx == k])) for k in range(10) if np.any(idx == k)]
        ax.plot(mids, means, color="#333333", lw=1.5, label="binned mean")
        facts.update(kind="scatter", xs=mids, ys=means, n=ok.height)
        if data.has_baseline:
            base = data.arm(True)
            ax.scatter(base[x].to_numpy(), base[y].to_numpy(), s=6, color=WITHOUT, alpha=0.4)
    else:
        combos = ok.select(others).unique(maintain_order=True) if others else None
        reps = 0
        if combos is not None and 1 < combos.height <= MAX_COMBOS:
            for i, row in enumerate(combos.iter_rows(named=True)):
                sub = ok
                for k, v in row.items():
                    sub = sub.filter(pl.col(k) == v)
                g = _grouped(sub, x, y)
                reps = max(reps, int(g["n"].max() or 0))
                color = plot.PALETTE[i % len(plot.PALETTE)]
                tag = ", ".join(f"{k.split('.')[-1]}={_val(v)}" for k, v in row.items())
                _band_line(ax, g, x, color, tag, numeric)
            facts["lines"] = others
            g = _grouped(ok, x, y)
        else:
            g = _grouped(ok, x, y)
            reps = int(g["n"].max() or 0) if g.height else 0
            _band_line(ax, g, x, WITH, "with the system" if data.has_baseline else None, numeric)
            if combos is not None and combos.height > 1:
                facts["averaged"] = others
        if data.has_baseline:
            gb = _grouped(data.arm(True), x, y)
            _band_line(ax, gb, x, WITHOUT, "without (baseline)", numeric, ls="--")
            facts["base"] = gb
        facts.update(kind="line", xs=g[x].to_list(), ys=g["mean"].to_list(), reps=reps)
    ax.set_xlabel(x)
    plot.title(ax, f"{data.words.short_label(y)} vs {x.split('.')[-1]}", width=48)
    if data.words.is_share(y):
        plot.percent_axis(ax)
    return facts


def _val(v: Any) -> str:
    return number(float(v)) if isinstance(v, int | float) and not isinstance(v, bool) else str(v)


def _band_line(
    ax: Any, g: pl.DataFrame, x: str, color: str, lab: str | None, numeric: bool, ls: str = "-"
) -> None:
    if g.height == 0:
        return
    xs: Any = g[x].to_numpy() if numeric else [str(v) for v in g[x].to_list()]
    ax.plot(xs, g["mean"].to_numpy(), color=color, lw=1.5, ls=ls, marker="o", ms=3, label=lab)
    if int(g["n"].max() or 0) > 1:
        ax.fill_between(xs, g["lo"].to_numpy(), g["hi"].to_numpy(), color=color, alpha=0.15, lw=0)
    if lab:
        ax.legend(loc="best")


def _describe(facts: dict[str, Any], words: Words) -> str:
    x, y = facts["x"], facts["y"]
    label, fmt = words.label, words.fmt
    xs, ys = facts.get("xs") or [], facts.get("ys") or []
    if len(xs) < 2:
        return ""
    lo_i = int(np.nanargmin(ys))
    hi_i = int(np.nanargmax(ys))
    first, last = ys[0], ys[-1]
    span = max(ys) - min(ys)
    scale = max(abs(max(ys)), abs(min(ys)), 1e-12)
    head = f"as {x} goes from {_val(xs[0])} to {_val(xs[-1])}, {label(y)}"
    if span <= 0.05 * scale:
        text = f"{head} hardly changes (about {fmt(y, float(np.nanmean(ys)))})"
    elif 0 < hi_i < len(ys) - 1 and ys[hi_i] - max(first, last) > 0.5 * span:
        text = (
            f"{head} rises from {fmt(y, first)} to a peak of {fmt(y, ys[hi_i])} at "
            f"{_val(xs[hi_i])}, then falls to {fmt(y, last)}"
        )
    elif 0 < lo_i < len(ys) - 1 and min(first, last) - ys[lo_i] > 0.5 * span:
        text = (
            f"{head} falls from {fmt(y, first)} to a low of {fmt(y, ys[lo_i])} at "
            f"{_val(xs[lo_i])}, then rises to {fmt(y, last)}"
        )
    else:
        verb = "rises" if last > first else "falls"
        text = f"{head} {verb} from {fmt(y, first)} to {fmt(y, last)}"
        jump = _largest_step(xs, ys)
        if jump is not None and abs(jump[2]) > 0.6 * span and len(xs) > 3:
            text += (
                f", most of it between {_val(jump[0])} and {_val(jump[1])} "
                f"({fmt(y, ys[xs.index(jump[0])])} to {fmt(y, ys[xs.index(jump[1])])})"
            )
    base = facts.get("base")
    if base is not None and base.height > 1:
        b0, b1 = base["mean"][0], base["mean"][-1]
        text += (
            f"; without the system, from {fmt(y, b0)} to {fmt(y, b1)}"
            if abs(b1 - b0) > 0.05 * max(abs(b0), abs(b1), 1e-12)
            else f"; without the system it stays near {fmt(y, float(base['mean'].mean()))}"
        )
    notes = []
    if facts.get("lines"):
        notes.append(f"averaged over {join(facts['lines'])}; the figure has a line for each")
    elif facts.get("averaged"):
        notes.append(f"averaged over {join(facts['averaged'])}")
    if facts.get("kind") == "line" and facts.get("reps", 0) > 1:
        notes.append(f"{facts['reps']} replicates per point; the bands span them")
    elif facts.get("kind") == "scatter":
        notes.append(f"binned mean of {facts['n']} sampled runs")
    if notes:
        text += " (" + "; ".join(notes) + ")"
    return sentence(text)


def _largest_step(xs: Sequence[Any], ys: Sequence[float]) -> tuple[Any, Any, float] | None:
    best = None
    for i in range(len(ys) - 1):
        d = ys[i + 1] - ys[i]
        if best is None or abs(d) > abs(best[2]):
            best = (xs[i], xs[i + 1], d)
    return best


def measure_figure(data: SweepData, measure: str) -> Figure | None:
    if not data.varied:
        return None
    fig, axes = plot.new_figure(len(data.varied), ncols=min(2, len(data.varied)), row_height=3.0)
    texts = []
    for ax, x in zip(axes, data.varied, strict=True):
        facts = _draw_panel(ax, data, x, measure)
        texts.append(_describe(facts, data.words))
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in measure)
    return Figure(
        f"sweep_{safe}",
        f"{sentence(data.words.label(measure))[:-1]} against the varied parameters",
        " ".join(t for t in texts if t),
        plot.to_png(fig),
        alt=f"{measure} at the last step against {', '.join(data.varied)}",
    )


def granovetter_classic(data: SweepData) -> Figure | None:
    """Granovetter (1978): the equilibrium number of rioters against the sd of thresholds."""
    x = "params.sd"
    if data.model != "granovetter" or x not in data.varied or "rioters" not in data.metrics:
        return None
    ok = data.arm(False)
    g = _grouped(ok, x, "rioters")
    if g.height < 2:
        return None
    fig, (ax,) = plot.new_figure(1, row_height=3.2)
    _band_line(ax, g, x, WITH, None, True)
    scn = data.meta.get("scenario", {})
    params = scn.get("params", {}) if isinstance(scn, dict) else {}
    n = params.get("n", 100)
    mean = params.get("mean", 25)
    ax.axhline(n / 2, color="#bbbbbb", lw=0.8, ls=":")
    ax.set_xlabel("standard deviation of thresholds (params.sd)")
    ax.set_ylabel("rioters at equilibrium")
    ax.set_title(f"Granovetter (1978): equilibrium vs sd (n={n}, mean={mean})")
    xs, ys = g[x].to_list(), g["mean"].to_list()
    cross = next((i for i in range(1, len(ys)) if ys[i - 1] < n / 2 <= ys[i]), None)
    text = (
        f"With sd {_val(xs[0])} the riot stops at {number(ys[0])} of {n}; with sd "
        f"{_val(xs[-1])} it reaches {number(ys[-1])}."
    )
    if cross is not None:
        text += (
            f" The equilibrium jumps past half the crowd between sd {_val(xs[cross - 1])} "
            f"({number(ys[cross - 1])} rioters) and {_val(xs[cross])} ({number(ys[cross])})."
        )
        if n == 100 and mean == 25:
            text += " Granovetter reports the jump near sd 12.2 for this crowd."
    return Figure(
        "granovetter_sd",
        "Granovetter: equilibrium vs sd",
        text,
        plot.to_png(fig),
        alt="equilibrium number of rioters against the sd of thresholds",
    )


#: The main statistic of each method, by which parameters are ranked.
MAIN_STATISTIC = {"sobol": "ST", "morris": "mu_star"}


def sensitivity_figures(data: SweepData) -> list[Figure]:
    idx = data.indices
    if idx is None or idx.height == 0:
        return []
    out = []
    first = idx.filter(pl.col("param2").is_null())
    for (method, measure), sub in first.group_by(["method", "measure"], maintain_order=True):
        stats = [
            s
            for s in dict.fromkeys(sub["statistic"].to_list())
            if not str(s).endswith("_conf") and s != "mu"
        ]
        params = list(dict.fromkeys(sub["param"].to_list()))
        if not stats or not params:
            continue
        fig, (ax,) = plot.new_figure(1, row_height=max(2.4, 0.45 * len(params) * len(stats) + 1))
        height = 0.8 / len(stats)
        values: dict[str, dict[str, float]] = {}
        for k, stat in enumerate(stats):
            vals, errs = [], []
            for p in params:
                v = sub.filter((pl.col("param") == p) & (pl.col("statistic") == stat))["value"]
                e = sub.filter((pl.col("param") == p) & (pl.col("statistic") == f"{stat}_conf"))[
                    "value"
                ]
                vals.append(float(v[0]) if v.len() else math.nan)
                errs.append(float(e[0]) if e.len() else 0.0)
            values[stat] = dict(zip(params, vals, strict=True))
            pos = np.arange(len(params)) + (k - (len(stats) - 1) / 2) * height
            ax.barh(
                pos,
                vals,
                height=height,
                xerr=errs,
                color=plot.PALETTE[k % 9],
                label=stat,
                capsize=2,
            )
        ax.set_yticks(np.arange(len(params)), params)
        ax.invert_yaxis()
        ax.axvline(0, color="#999999", lw=0.6)
        ax.set_title(f"{method} indices of {measure}")
        ax.legend(loc="lower right")
        main = MAIN_STATISTIC.get(str(method), stats[0])
        if main not in values:
            main = stats[0]
        ranked = sorted(values[main].items(), key=lambda kv: -abs(kv[1]) if kv[1] == kv[1] else 0)
        text = (
            f"For {measure} ({method}), the parameters rank by {main} as: "
            + join(f"{p} ({number(v)})" for p, v in ranked)
            + "."
        )
        if method == "sobol" and "S1" in values and "ST" in values:
            inter = [
                p
                for p in params
                if values["ST"][p] - values["S1"][p] > max(0.1, 0.5 * values["ST"][p])
            ]
            if inter:
                text += f" {join(inter)} act{'s' if len(inter) == 1 else ''} mostly through interactions (ST well above S1)."  # noqa: E501
        safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in f"{method}_{measure}")
        out.append(
            Figure(
                f"indices_{safe}",
                f"Sensitivity of {measure} ({method})",
                text,
                plot.to_png(fig),
                alt=f"{method} sensitivity indices of {measure}",
            )
        )
    return out


def sweep_figures(data: SweepData, measures: Sequence[str]) -> list[Figure]:
    out: list[Figure] = []
    classic = granovetter_classic(data)
    if classic is not None:
        out.append(classic)
    for m in measures:
        fig = measure_figure(data, m)
        if fig is not None:
            out.append(fig)
    out.extend(sensitivity_figures(data))
    return out


def _last_date(scn: Any) -> str:
    """`` (step N, YYYY-MM-DD)`` for a scenario with a calendar, else nothing."""
    cal = scn.get("calendar") if isinstance(scn, dict) else None
    if not isinstance(cal, dict) or "start" not in cal:
        return ""
    from datetime import date, timedelta

    steps = int(scn.get("steps", 0))
    try:
        day = date.fromisoformat(str(cal["start"]))
        day += timedelta(days=steps * int(cal.get("days_per_step", 1)))
    except (ValueError, OverflowError):
        return ""
    return f" (step {steps}, {day.isoformat()})"


def sweep_summary(data: SweepData, measures: Sequence[str], figures: Sequence[Figure]) -> str:
    scn = data.meta.get("scenario", {})
    name = scn.get("name", data.path.name) if isinstance(scn, dict) else data.path.name
    ok = data.arm(False)
    reps = int(ok["replicate"].n_unique()) if ok.height else 0
    kind = data.meta.get("kind", "sweep")
    text = (
        f"A {kind} of scenario {name!r} (model {data.model}): {data.total} runs, "
        f"{data.total - data.failed} finished"
        + (f", {data.failed} failed" if data.failed else "")
        + f"; varied: {join(data.varied) or 'nothing'}; {reps} replicate"
        + ("s" if reps != 1 else "")
        + " per point"
        + (", each with its baseline on the same random numbers" if data.has_baseline else "")
        + f". Each figure shows a measure's value at the last step of each run{_last_date(scn)}. "
    )
    text += " ".join(first_sentences(f.text, 1) for f in figures[:2])
    return text
