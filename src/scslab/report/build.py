"""Write ``DIR/report.html`` and ``DIR/figures/*.png`` for a run or a sweep folder."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scslab._version import __version__
from scslab.errors import StoreError
from scslab.report import html
from scslab.report.plot import Figure

REPORT_FILE = "report.html"
FIGURES_DIR = "figures"


def kind_of(path: Path) -> str:
    """'run', 'sweep' or 'calibration', or a `StoreError` that says what the folder lacks."""
    from scslab.results.store import MANIFEST_FILE
    from scslab.results.sweepdb import DB_FILE

    if not path.exists():
        raise StoreError(f"{str(path)!r} does not exist; give a run or sweep folder")
    if not path.is_dir():
        raise StoreError(f"{str(path)!r} is not a folder; give a run or sweep folder")
    from scslab.report.calibration import is_calibration

    if is_calibration(path):
        return "calibration"
    if (path / DB_FILE).is_file():
        return "sweep"
    if (path / MANIFEST_FILE).is_file():
        return "run"
    raise StoreError(
        f"{str(path)!r} is neither a run folder (it has no {MANIFEST_FILE}) nor a sweep "
        f"folder (no {DB_FILE}); give the --out folder of `scslab run` or `scslab sweep`"
    )


def build_report(path: str | Path, *, measures: Sequence[str] | None = None) -> Path:
    """Write the report of a run or sweep folder; return the path of ``report.html``.

    Parameters
    ----------
    path : str or Path
        A run folder (``metrics.parquet`` + ``run.json``, optionally ``baseline/``)
        or a sweep folder (``results.duckdb``).
    measures : sequence of str, optional
        For a sweep: the measures to draw against each varied parameter
        (default: the headline measures the sweep has).
    """
    path = Path(path)
    kind = kind_of(path)
    if kind == "run":
        title, summary, figures, sections = _run_parts(path)
    elif kind == "calibration":
        from scslab.report.calibration import calibration_parts

        title, summary, figures, sections = calibration_parts(path)
    elif _is_optimize(path):
        from scslab.report.optimize import optimize_parts

        title, summary, figures, sections = optimize_parts(path)
    else:
        title, summary, figures, sections = _sweep_parts(path, measures)
    _write_figures(path / FIGURES_DIR, figures)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    footer = (
        f"Made by scslab {__version__} on {when}. Every person in these figures is "
        "synthetic: the society is generated, not observed. The figures are also in "
        f"{FIGURES_DIR}/ beside this file."
    )
    text = html.page(
        title=title, summary=summary, figures=figures, sections=sections, footer=footer
    )
    from scslab.results.store import atomic_path

    out = path / REPORT_FILE
    with atomic_path(out) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return out


def _is_optimize(path: Path) -> bool:
    from scslab.report.optimize import is_optimize

    return is_optimize(path)


def _write_figures(folder: Path, figures: Sequence[Figure]) -> None:
    from scslab.results.store import atomic_path

    folder.mkdir(parents=True, exist_ok=True)
    names = {f"{f.name}.png" for f in figures}
    for old in folder.glob("*.png"):
        if old.name not in names:
            old.unlink()
    for f in figures:
        with atomic_path(folder / f"{f.name}.png") as tmp:
            tmp.write_bytes(f.png)


def _run_parts(path: Path) -> tuple[str, str, list[Figure], list[tuple[str, str, str]]]:
    from scslab.report.run import read_run_folder, run_figures, run_summary

    data = read_run_folder(path)
    figures = run_figures(data)
    summary = run_summary(data, figures)
    m = data.manifest
    name = data.scenario.get("name", path.name)
    facts: list[tuple[str, Any]] = [
        ("model", data.model),
        ("scenario hash", m.get("scenario_hash", "")),
        ("seed", html.as_json(m.get("seed", {}))),
        ("steps", m.get("steps", "")),
        ("collected every", m.get("collect_every", "")),
        ("started", m.get("started_at", "")),
        ("wall time", f"{m.get('wall_time_s', 0):.3f} s"),
        ("command", " ".join(m["command"]) if m.get("command") else "(Python API)"),
        ("baseline", "baseline/ (same seed)" if data.baseline is not None else "none"),
    ]
    for key, value in (m.get("versions") or {}).items():
        facts.append((f"version of {key}", value))
    sections = [
        (
            "scenario",
            "The scenario as run",
            '<p class="note">Save this as a .yaml file and pass it to <code>scslab run</code> '
            "to run it again (with the seed below it replays exactly).</p>"
            + html.code(html.as_yaml(data.scenario)),
        ),
        ("manifest", "Manifest", html.table(facts)),
    ]
    if data.baseline_manifest is not None:
        sections.append(
            (
                "baseline",
                "The counterfactual (baseline) as run",
                html.code(html.as_yaml(data.baseline_manifest.get("scenario", {}))),
            )
        )
    return f"scslab report: {name}", summary, figures, sections


def _sweep_parts(
    path: Path, measures: Sequence[str] | None
) -> tuple[str, str, list[Figure], list[tuple[str, str, str]]]:
    from scslab.report.sweep import choose_measures, read_sweep, sweep_figures, sweep_summary

    data = read_sweep(path)
    chosen = choose_measures(data, measures)
    figures = sweep_figures(data, chosen)
    summary = sweep_summary(data, chosen, figures)
    meta = data.meta
    scn = meta.get("scenario", {})
    name = scn.get("name", path.name) if isinstance(scn, dict) else path.name
    facts: list[tuple[str, Any]] = [
        ("kind", meta.get("kind", "sweep")),
        ("model", data.model),
        ("scenario hash", meta.get("scenario_hash", "")),
        ("runs", f"{data.total} ({data.failed} failed)"),
        ("varied", ", ".join(data.varied) or "nothing"),
        ("measures drawn", ", ".join(chosen) or "none"),
        ("command", " ".join(meta["command"]) if meta.get("command") else ""),
        ("scslab version", meta.get("scslab_version", "")),
    ]
    sections = [
        ("design", "The design", html.code(html.as_json(meta.get("design", {})))),
        ("scenario", "The base scenario", html.code(html.as_yaml(scn))),
        ("manifest", "The sweep", html.table(facts)),
    ]
    return f"scslab report: sweep of {name}", summary, figures, sections
