"""The report of a calibration folder: posterior marginals, predictive bands, held-out check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from scslab.report import html
from scslab.report.plot import (
    PALETTE,
    WITH,
    Figure,
    new_figure,
    time_axis,
    title,
    to_png,
)


def is_calibration(path: Path) -> bool:
    from scslab.experiments.calibrate import CALIBRATION_FILE

    return (path / CALIBRATION_FILE).is_file() and (path / "results.duckdb").is_file()


def _tables(path: Path) -> dict[str, Any]:
    import duckdb
    import polars as pl

    con = duckdb.connect(str(path / "results.duckdb"), read_only=True)
    try:
        out = {}
        for name in (
            "parameters",
            "targets",
            "posterior",
            "summary",
            "generations",
            "predictive_series",
            "predictive_summary",
        ):
            cur = con.execute(f'SELECT * FROM "{name}"')
            cols = [d[0] for d in cur.description]
            out[name] = pl.DataFrame(cur.fetchall(), schema=cols, orient="row")
        return out
    finally:
        con.close()


def _marginals(t: dict[str, Any]) -> Figure:
    summary = t["summary"]
    post = t["posterior"]
    n = summary.height
    fig, axes = new_figure(n, ncols=min(3, n))
    w = post["weight"].to_numpy()
    for ax, row in zip(axes, summary.iter_rows(named=True), strict=False):
        vals = post[row["parameter"]].to_numpy()
        log = row["prior"] == "log-uniform"
        lo, hi = row["low"], row["high"]
        bins = np.geomspace(lo, hi, 25) if log else np.linspace(lo, hi, 25)
        ax.hist(vals, bins=bins, weights=w, color=WITH, alpha=0.7, density=True)
        if log:
            ax.set_xscale("log")
        for q, style in ((row["q05"], ":"), (row["median"], "-"), (row["q95"], ":")):
            ax.axvline(q, color="black", linestyle=style, linewidth=1)
        ax.set_xlim(lo, hi)
        ax.set_yticks([])
        title(ax, row["parameter"].removeprefix("params."), width=40)
    text = (
        "Weighted histogram of the last ABC-SMC population of each free parameter over its "
        "prior range (the x axis); solid line: weighted median, dotted: 5 % and 95 %."
    )
    return Figure("posterior", "Posterior marginals", text, to_png(fig))


def _bands(t: dict[str, Any]) -> Figure:
    import polars as pl

    series = t["predictive_series"]
    targets = t["targets"]
    measures = list(dict.fromkeys(targets["measure"].to_list()))
    fig, axes = new_figure(len(measures), ncols=min(2, len(measures)), row_height=3.0)
    handles: dict[str, Any] = {}
    for ax, m in zip(axes, measures, strict=False):
        s = series.filter(pl.col("measure") == m)
        if s.height:
            q = (
                s.group_by("date")
                .agg(
                    pl.col("value").quantile(0.05, "linear").alias("lo"),
                    pl.col("value").median().alias("mid"),
                    pl.col("value").quantile(0.95, "linear").alias("hi"),
                )
                .sort("date")
            )
            d = q["date"].to_list()
            handles["band"] = ax.fill_between(
                d, q["lo"].to_numpy(), q["hi"].to_numpy(), color=WITH, alpha=0.25, linewidth=0
            )
            (handles["median"],) = ax.plot(d, q["mid"].to_numpy(), color=WITH, linewidth=1.2)
        for row in targets.filter(pl.col("measure") == m).iter_rows(named=True):
            err = row["uncertainty"] * row["observed"]
            held = row["role"] == "held_out"
            h = ax.errorbar(
                [row["date"]],
                [row["observed"]],
                yerr=[err],
                fmt="o",
                color=PALETTE[2] if held else "black",
                mfc="white" if held else "black",
                capsize=3,
                markersize=5,
            )
            handles["held_out" if held else "fitted"] = h
        time_axis(ax, True)
        title(ax, m, width=45)
    labels = {
        "band": "90 % posterior predictive band",
        "median": "predictive median",
        "fitted": "observed, fitted (+- uncertainty)",
        "held_out": "observed, held out (not fitted)",
    }
    keys = [k for k in labels if k in handles]
    fig.legend(
        [handles[k] for k in keys], [labels[k] for k in keys], loc="outside lower center", ncols=2
    )
    text = (
        "Each target measure over time in the posterior predictive runs (the band holds 90 % "
        "of the runs at each date) against the observed figures per adult; hollow markers are "
        "held out of the fit."
    )
    return Figure("predictive", "Posterior predictive bands", text, to_png(fig))


def calibration_parts(path: Path) -> tuple[str, str, list[Figure], list[tuple[str, str, str]]]:
    from scslab.experiments.calibrate import CALIBRATION_FILE

    meta = json.loads((path / CALIBRATION_FILE).read_text(encoding="utf-8"))
    t = _tables(path)
    figures = [_marginals(t), _bands(t)]
    ps = t["predictive_summary"]
    held = ps.filter(ps["role"] == "held_out")
    inside = int(held["inside"].sum())
    fitted = ps.filter(ps["role"] == "fitted")
    summary = (
        f"ABC-SMC of {meta['scenario'].get('name', '')}: {meta.get('simulations', '?')} "
        f"simulations in {meta.get('generations', '?')} generations; "
        f"{int(fitted['inside'].sum())} of {fitted.height} fitted figures and {inside} of "
        f"{held.height} held-out figures fall inside their 90 % posterior predictive interval."
    )
    post_rows = [
        (
            r["parameter"],
            f"{r['median']:.4g}  [{r['q05']:.4g}, {r['q95']:.4g}]  "
            f"(prior {r['prior']} {r['low']:g} - {r['high']:g})",
        )
        for r in t["summary"].iter_rows(named=True)
    ]
    check = "".join(
        f"<tr><td>{html._e(r['target'])}</td><td>{html._e(r['role'])}</td>"
        f"<td>{html._e(r['date'])}</td><td>{r['observed']:.4g}</td>"
        f"<td>{r['q05']:.4g} - {r['q95']:.4g}</td><td>{r['median']:.4g}</td>"
        f"<td>{'inside' if r['inside'] else '<b>outside</b>'}</td></tr>"
        for r in ps.iter_rows(named=True)
    )
    check_html = (
        '<div class="table"><table><tr><th>figure</th><th>role</th><th>date</th>'
        "<th>observed per adult</th><th>90 % predictive</th><th>median</th><th></th></tr>"
        f"{check}</table></div>"
    )
    facts = [
        ("scenario hash (free parameters left out)", meta.get("scenario_hash", "")),
        ("targets hash", meta.get("targets_hash", "")),
        ("targets file", meta.get("targets_file", "")),
        ("settings", html.as_json(meta.get("settings", {}))),
        ("status", meta.get("status", "")),
        ("wall time of the fit", f"{meta.get('fit_wall_s', 0):.0f} s"),
        ("wall time of the predictive runs", f"{meta.get('predict_wall_s', 0):.0f} s"),
        ("command", " ".join(meta.get("command") or []) or "(Python API)"),
        (
            "adults assumed",
            f"{meta['targets']['population']['adults']:.4g}: "
            f"{meta['targets']['population']['assumption']}",
        ),
    ]
    sections = [
        ("posterior-table", "Posterior: median [5 %, 95 %]", html.table(post_rows)),
        ("check", "Observed figures against the 90 % predictive interval", check_html),
        ("calibration", "The calibration", html.table(facts)),
        ("scenario", "The scenario", html.code(html.as_yaml(meta.get("scenario", {})))),
    ]
    name = meta["scenario"].get("name", path.name)
    return f"scslab report: calibration of {name}", summary, figures, sections
