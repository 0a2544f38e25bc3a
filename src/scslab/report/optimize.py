"""The report of an ``scslab optimize`` folder: the optimiser's path, and who pays.

Two figures: the objective of every candidate in the order evaluated (95 %
interval over the replicates) with the best so far, and the model's declared
headline measures (plus those in the objective) under the starting scenario and
the chosen policy, each with its counterfactual when the model has one. A table
gives the chosen minus the start for each measure, paired on the seeds (the
runs share them), with its 95 % interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from scslab.report import html, plot
from scslab.report.plot import WITH, WITHOUT, Figure


@dataclass
class OptimizeData:
    path: Path
    meta: dict[str, Any]
    trials: list[dict[str, Any]]
    best: dict[str, Any] | None
    start: dict[str, Any] | None
    measures: list[str]
    labels: dict[str, str]
    shares: dict[str, bool]
    # arm name -> measure -> {replicate: value at the last step}
    arms: dict[str, dict[str, dict[int, float]]] = field(default_factory=dict)

    @property
    def model(self) -> str:
        scn = self.meta.get("scenario")
        return str(scn.get("model", "?")) if isinstance(scn, dict) else "?"


def is_optimize(path: Path) -> bool:
    """Whether the sweep folder `path` was written by ``scslab optimize``."""
    from scslab.results.sweepdb import DB_FILE, SweepDB

    with SweepDB(path / DB_FILE, read_only=True) as db:
        return bool(db.meta().get("kind") == "optimize")


def _measures_of(meta: dict[str, Any], known: Sequence[str]) -> tuple[list[str], Any]:
    """The headline measures the runs report, then the objective's, by the declarations."""
    from scslab.experiments.optimize import parse_objective

    model = meta.get("scenario", {}).get("model", "")
    try:
        from scslab.scenario.registry import description

        desc = description(model)
    except Exception:  # a model no longer registered, or one without declarations
        desc = None
    names = list(desc.headline) if desc is not None else []
    objective = meta.get("design", {}).get("objective", "")
    try:
        names += [m.metric for m in parse_objective(objective).measures]
    except Exception:
        pass
    seen: list[str] = []
    for n in names:
        if n in known and n not in seen:
            seen.append(n)
    return seen, desc


def read_optimize(path: Path) -> OptimizeData:
    from scslab.results.sweepdb import DB_FILE, SweepDB, quote

    with SweepDB(path / DB_FILE, read_only=True) as db:
        meta = db.meta()
        trials = db.trials()
        known = db.metric_columns()
        measures, desc = _measures_of(meta, known)
        best_trial = meta.get("best_trial")
        best = next((t for t in trials if t["trial"] == best_trial), None)
        arms: dict[str, dict[str, dict[int, float]]] = {}
        if measures:
            cols = ", ".join(f"arg_max(m.{quote(n)}, m.step)" for n in measures)
            wanted = [-1] + ([best_trial] if best_trial is not None else [])
            _, rows = db.query(
                f"SELECT r.point, r.baseline, r.replicate, {cols} FROM runs r JOIN metrics m "
                "USING (run_id) WHERE r.status = 'ok' AND list_contains(?, r.point) "
                "GROUP BY r.run_id, r.point, r.baseline, r.replicate",
                [wanted],
            )
            for row in rows:
                arm = ("start" if row[0] == -1 else "chosen") + (" baseline" if row[1] else "")
                for n, v in zip(measures, row[3:], strict=True):
                    if v is not None:
                        arms.setdefault(arm, {}).setdefault(n, {})[int(row[2])] = float(v)
    labels, shares = {}, {}
    for n in measures:
        m = desc.measure(n) if desc is not None else None
        labels[n] = m.label if m is not None else n
        shares[n] = bool(m.share) if m is not None else False
    return OptimizeData(path, meta, trials, best, meta.get("start"), measures, labels, shares, arms)


def _interval(values: Sequence[float]) -> tuple[float, float | None, float | None]:
    from scslab.experiments.optimize import interval

    if not values:
        return math.nan, None, None
    mean, low, high, _ = interval(values)
    return mean, low, high


def _fmt(value: float | None, share: bool = False, diff: bool = False) -> str:
    """A number; a share in percent, a difference of shares in percentage points."""
    if value is None or not math.isfinite(value):
        return "n/a"
    if share:
        return f"{100 * value:.3g}" + (" pp" if diff else "%")
    return f"{value:.4g}"


def _with_interval(
    t: tuple[float, float | None, float | None], share: bool = False, diff: bool = False
) -> str:
    mean, low, high = t
    if low is None or high is None:
        return _fmt(mean, share, diff)
    return f"{_fmt(mean, share, diff)} [{_fmt(low, share, diff)}, {_fmt(high, share, diff)}]"


def paired(data: OptimizeData, a: str, b: str, measure: str) -> tuple[float, Any, Any]:
    """Arm `a` minus arm `b` for `measure`, paired by replicate (same seeds)."""
    x, y = data.arms.get(a, {}).get(measure, {}), data.arms.get(b, {}).get(measure, {})
    common = sorted(set(x) & set(y))
    return _interval([x[r] - y[r] for r in common])


def path_figure(data: OptimizeData) -> Figure | None:
    ok = [t for t in data.trials if t["status"] == "ok"]
    if not ok:
        return None
    fig, (ax,) = plot.new_figure(1, row_height=3.2)
    x = np.array([t["trial"] for t in ok])
    y = np.array([t["mean"] for t in ok])
    lo = np.array([t["low"] if t["low"] is not None else t["mean"] for t in ok])
    hi = np.array([t["high"] if t["high"] is not None else t["mean"] for t in ok])
    ax.errorbar(
        x,
        y,
        yerr=[y - lo, hi - y],
        fmt="o",
        ms=3,
        color=WITHOUT,
        alpha=0.6,
        elinewidth=0.8,
        label="candidate (mean, 95% interval)",
    )
    trials = [t["trial"] for t in data.trials]
    best = [t["best_so_far"] for t in data.trials]
    ax.step(
        trials,
        [np.nan if b is None else b for b in best],
        where="post",
        color=WITH,
        label="best so far",
    )
    start = data.start
    if start and start.get("mean") is not None:
        ax.axhline(start["mean"], color="#1f78b4", ls="--", lw=1, label="starting scenario")
        if start.get("low") is not None:
            ax.axhspan(start["low"], start["high"], color="#1f78b4", alpha=0.12, lw=0)
    ax.set_xlabel("candidate (in the order evaluated)")
    objective = data.meta.get("design", {}).get("objective", "")
    ax.set_ylabel("objective (lower is better)")
    plot.title(ax, f"objective: {objective}", width=90)
    ax.legend(loc="upper right")
    first, last = ok[0], data.best
    text = (
        f"{len(data.trials)} candidates ({len(ok)} evaluated), "
        f"{data.meta.get('design', {}).get('replicates', '?')} replicates each. "
    )
    if last is not None:
        text += (
            f"The first candidate scored {first['mean']:.4g}; the best, candidate "
            f"{last['trial']}, {last['mean']:.4g}"
        )
        if start and start.get("mean") is not None:
            text += f"; the starting scenario {start['mean']:.4g}"
        text += "."
    return Figure(
        "optimizer-path",
        "The optimiser's path",
        text,
        plot.to_png(fig),
        alt="objective of each candidate, with the best so far",
    )


ARMS = (
    ("start", "start", "#1f78b4"),
    ("chosen", "chosen", WITH),
    ("start baseline", "start, system off", WITHOUT),
    ("chosen baseline", "chosen, system off", "#999999"),
)


def policy_figure(data: OptimizeData) -> Figure | None:
    if not data.measures or "chosen" not in data.arms:
        return None
    fig, axes = plot.new_figure(len(data.measures), row_height=2.4)
    present = [a for a in ARMS if a[0] in data.arms]
    for ax, name in zip(axes, data.measures, strict=True):
        for i, (arm, _label, colour) in enumerate(present):
            vals = list(data.arms[arm].get(name, {}).values())
            if not vals:
                continue
            mean, low, high = _interval(vals)
            err = [[mean - low], [high - mean]] if low is not None and high is not None else None
            ax.errorbar([i], [mean], yerr=err, fmt="o", color=colour, capsize=3)
        ax.set_xticks(
            range(len(present)), [a[1] for a in present], rotation=20, ha="right", fontsize=7
        )
        ax.set_xlim(-0.5, len(present) - 0.5)
        if data.shares.get(name):
            plot.percent_axis(ax)
        plot.title(ax, f"{data.labels[name]} (at the last step)")
    rows = []
    for name in data.measures:
        d = paired(data, "chosen", "start", name)
        rows.append(f"{data.labels[name]} {_with_interval(d, data.shares[name], True)}")
    text = (
        "Each measure at the last step, mean and 95% interval over the replicates, under the "
        "starting scenario and the chosen policy (and each with the system switched off, "
        "where the model has a counterfactual). Chosen minus start, paired on the seeds: "
        + "; ".join(rows)
        + "."
    )
    return Figure(
        "policy-vs-start",
        "The chosen policy against the start: what it does to the people",
        text,
        plot.to_png(fig),
        alt="headline measures under the starting scenario and the chosen policy",
    )


def comparison_table(data: OptimizeData) -> str:
    """Rows: measures; columns: start, chosen, chosen - start, and against the baselines."""
    baseline = "start baseline" in data.arms
    head = ["measure (last step)", "start", "chosen", "chosen - start"]
    if baseline:
        head += ["start - system off", "chosen - system off"]
    body = []
    for n in data.measures:
        share = data.shares[n]
        cells = [
            data.labels[n],
            _with_interval(_interval(list(data.arms.get("start", {}).get(n, {}).values())), share),
            _with_interval(_interval(list(data.arms.get("chosen", {}).get(n, {}).values())), share),
            _with_interval(paired(data, "chosen", "start", n), share, True),
        ]
        if baseline:
            cells += [
                _with_interval(paired(data, "start", "start baseline", n), share, True),
                _with_interval(paired(data, "chosen", "chosen baseline", n), share, True),
            ]
        body.append(cells)
    e = html._e
    rows = "<tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr>"
    rows += "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in body)
    return (
        '<p class="note">Mean [95% interval] over the replicates; differences are paired on '
        "the seeds (the same random society under each policy); pp: percentage points.</p>"
        f'<div class="table"><table>{rows}</table></div>'
    )


def optimize_summary(data: OptimizeData) -> str:
    objective = data.meta.get("design", {}).get("objective", "")
    if data.best is None:
        return f"No candidate could be evaluated for the objective {objective}."
    policy = ", ".join(f"{k} = {_fmt(v)}" for k, v in data.best["values"].items())
    text = (
        f"A state minimising {objective} over "
        f"{', '.join(data.meta.get('design', {}).get('paths', []))} would choose {policy} "
        f"(objective {data.best['mean']:.4g}"
    )
    if data.start and data.start.get("mean") is not None:
        text += f", against {data.start['mean']:.4g} for the starting scenario"
    text += ")."
    changes = []
    for n in data.measures:
        mean, low, high = paired(data, "chosen", "start", n)
        if math.isfinite(mean) and low is not None and high is not None and (low > 0 or high < 0):
            changes.append(
                f"{data.labels[n]} {'rises' if mean > 0 else 'falls'} by "
                f"{_fmt(abs(mean), data.shares[n], True)}"
            )
    if changes:
        text += (
            " Who pays: against the start, " + "; ".join(changes) + " (95% intervals exclude 0)."
        )
    elif data.measures:
        text += " No headline measure differs from the start beyond its 95% interval."
    return text


def optimize_parts(path: Path) -> tuple[str, str, list[Figure], list[tuple[str, str, str]]]:
    data = read_optimize(path)
    figures = [f for f in (path_figure(data), policy_figure(data)) if f is not None]
    meta = data.meta
    scn = meta.get("scenario", {})
    name = scn.get("name", path.name) if isinstance(scn, dict) else path.name
    lever_rows: list[tuple[str, Any]] = []
    for p, bounds in meta.get("design", {}).get("levers", {}).items():
        from scslab.scenario.paths import get_at, split_path

        try:
            was = get_at(scn, split_path(p))
        except Exception:
            was = "?"
        chosen = data.best["values"].get(p) if data.best else None
        lever_rows.append(
            (p, f"range {bounds[0]:g} to {bounds[1]:g}; start {was}; chosen {_fmt(chosen)}")
        )
    facts: list[tuple[str, Any]] = [
        ("kind", "optimize (Optuna TPE)"),
        ("model", data.model),
        ("objective", meta.get("design", {}).get("objective", "")),
        ("candidates", len(data.trials)),
        ("replicates", meta.get("design", {}).get("replicates", "")),
        ("scenario hash", meta.get("scenario_hash", "")),
        ("command", " ".join(meta["command"]) if meta.get("command") else ""),
        ("Optuna version", meta.get("optuna_version", "")),
        ("scslab version", meta.get("scslab_version", "")),
    ]
    sections = [
        ("levers", "The levers: start and chosen", html.table(lever_rows)),
        ("who-pays", "Who pays: the chosen policy against the start", comparison_table(data)),
        ("scenario", "The starting scenario", html.code(html.as_yaml(scn))),
        ("manifest", "The search", html.table(facts)),
    ]
    return f"scslab report: optimizing {name}", optimize_summary(data), figures, sections
