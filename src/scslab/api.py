"""The Python entry point: ``scslab.run(scenario, steps=..., seed=...) -> RunResult``."""

from __future__ import annotations

import os
import platform
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from scslab._version import __version__
from scslab.engine import (
    Checkpoint,
    State,
    Streams,
    estimate_bytes,
    seed_material,
    seed_sequence,
    simulate,
)
from scslab.errors import RunError
from scslab.scenario import Scenario, kernel, load_scenario
from scslab.scenario.registry import baseline_of

ProgressFn = Callable[[int, int], None]


@dataclass
class RunResult:
    """What one run gives: a metrics table, the manifest and the final state.

    Attributes
    ----------
    metrics : polars.DataFrame
        One row per collected step: ``step``, ``date`` (with a calendar) and
        one column per metric.
    manifest : dict
        The scenario as resolved, its hash, the seed material, versions, steps
        and wall time: enough to replay the run.
    state : State
        The final state (numpy arrays), for further analysis.
    """

    scenario: Scenario
    metrics: pl.DataFrame
    manifest: dict[str, Any]
    state: State | None = field(default=None, repr=False)
    baseline: RunResult | None = field(default=None, repr=False)

    def difference(self) -> pl.DataFrame:
        """Each metric minus its baseline counterpart, step by step (needs a baseline)."""
        if self.baseline is None:
            raise RunError("this result has no baseline; run with baseline=True")
        return difference(self.metrics, self.baseline.metrics)

    def save(self, out: str | Path, *, force: bool = False) -> dict[str, Path]:
        """Write ``out/metrics.parquet`` and ``out/run.json``.

        With a baseline, also ``out/baseline/`` and ``out/difference.parquet``.
        """
        from scslab.results import atomic_path, prepare_out_dir, write_run

        out = Path(out)
        prepare_out_dir(out, force=force)
        paths = write_run(out, self.metrics, self.manifest)
        if self.baseline is not None:
            base = write_run(out / BASELINE_DIR, self.baseline.metrics, self.baseline.manifest)
            paths["baseline"] = base["metrics"].parent
            paths["difference"] = out / DIFFERENCE_FILE
            with atomic_path(paths["difference"]) as tmp:
                self.difference().write_parquet(tmp)
        return paths


BASELINE_DIR = "baseline"
DIFFERENCE_FILE = "difference.parquet"


def difference(metrics: pl.DataFrame, baseline: pl.DataFrame) -> pl.DataFrame:
    """``metrics - baseline`` for every metric both have, joined on ``step``."""
    keys = ["step", "date"] if "date" in metrics.columns else ["step"]
    common = [c for c in metrics.columns if c not in keys and c in baseline.columns]
    joined = metrics.select([*keys, *common]).join(
        baseline.select(["step", *common]), on="step", how="inner", suffix="__base"
    )
    return joined.select(*keys, *[(pl.col(c) - pl.col(f"{c}__base")).alias(c) for c in common])


def available_memory() -> int:
    """Bytes of memory available to a new allocation (MemAvailable), or 0 if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return 0


def check_memory(model: object, scenario: Scenario, available: int | None = None) -> int:
    """Refuse a run whose estimated memory exceeds what is available; return the estimate."""
    need = estimate_bytes(model, scenario)
    have = available_memory() if available is None else available
    if need and have and need > 0.9 * have:
        raise RunError(
            f"scenario {scenario.name!r} needs about {need / 2**30:.1f} GiB of memory; "
            f"{have / 2**30:.1f} GiB is available. Make the population smaller "
            "(for example with --set on its size parameters)"
        )
    return need


def versions() -> dict[str, str]:
    """Versions that a result depends on."""
    import scipy

    return {
        "scslab": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "polars": pl.__version__,
        "platform": platform.platform(),
    }


def make_manifest(
    scenario: Scenario,
    *,
    steps: int,
    seed: Mapping[str, Any],
    wall_time_s: float,
    started_at: str,
    resumed_from_step: int | None = None,
    estimated_bytes: int = 0,
) -> dict[str, Any]:
    """The run's provenance, as written to ``run.json``.

    The scenario holds its schedules where they were given; ``schedules`` lists
    them again by path (``{}`` without any).
    """
    return {
        "scenario": scenario.to_dict(),
        "schedules": scenario.schedules,
        "scenario_hash": scenario.digest(),
        "model": scenario.model,
        "seed": dict(seed),
        "steps": steps,
        "collect_every": scenario.collect_every,
        "versions": versions(),
        "started_at": started_at,
        "wall_time_s": round(wall_time_s, 6),
        "resumed_from_step": resumed_from_step,
        "estimated_bytes": estimated_bytes,
        "command": sys.argv if sys.argv and sys.argv[0].endswith("scslab") else None,
    }


def with_dates(metrics: pl.DataFrame, calendar: Any) -> pl.DataFrame:
    """`metrics` with a ``date`` column (Date) after ``step``, where the scenario has a calendar."""
    if calendar is None:
        return metrics
    days = pl.col("step") * calendar.days_per_step
    date = (pl.lit(calendar.start, dtype=pl.Date) + pl.duration(days=days)).alias("date")
    return metrics.with_columns(date).select("step", "date", pl.exclude("step", "date"))


def rows_to_frame(rows: list[dict[str, float]]) -> pl.DataFrame:
    """Metric rows as a tidy frame: ``step`` (Int64) and one Float64 column per metric."""
    if not rows:
        return pl.DataFrame({"step": pl.Series([], dtype=pl.Int64)})
    names = list(rows[0])
    data: dict[str, Any] = {n: [r.get(n, float("nan")) for r in rows] for n in names}
    frame = pl.DataFrame(data, schema={n: pl.Float64 for n in names})
    return frame.with_columns(pl.col("step").cast(pl.Int64))


def run(
    scenario: str | Path | Mapping[str, Any] | Scenario,
    *,
    steps: int | None = None,
    seed: int | None = None,
    overrides: Mapping[str, Any] | Iterable[str] = (),
    run_index: int | None = None,
    progress: ProgressFn | None = None,
    checkpoint_every: int | None = None,
    on_checkpoint: Callable[[Checkpoint, dict[str, Any]], None] | None = None,
    resume: tuple[Checkpoint, Mapping[str, Any]] | None = None,
    baseline: bool = False,
) -> RunResult:
    """Run a scenario and return its metrics and manifest.

    Parameters
    ----------
    scenario : str, Path, mapping or Scenario
        A preset name (``"epstein"``), a YAML path, a mapping or a loaded scenario.
    steps, seed : int, optional
        Override the scenario's ``steps`` and ``seed``.
    overrides : mapping or iterable of str
        ``{"params.legitimacy": 0.7}`` or ``["params.legitimacy=0.7"]``.
    run_index : int, optional
        Spawn key of this run within a sweep: runs with the same seed and
        different indices get independent streams.
    progress : callable, optional
        ``progress(done, total)`` after each step.
    checkpoint_every, on_checkpoint
        Offer a checkpoint every so many steps; `on_checkpoint` receives it with
        the metadata needed to resume (scenario, seed, steps).
    resume : (Checkpoint, metadata), optional
        Continue a run from a checkpoint; the metrics equal an unbroken run's.
    baseline : bool
        Also run the counterfactual (the same society with every regime
        mechanism off) on common random numbers: the same seed material. It is
        ``result.baseline``; ``result.difference()`` gives the effect.

    Examples
    --------
    >>> import scslab
    >>> r = scslab.run("epstein", steps=5, seed=1)
    >>> r.metrics.height, r.manifest["seed"]["entropy"]
    (6, 1)
    """
    extra: dict[str, Any] = {}
    if steps is not None:
        extra["steps"] = steps
    if seed is not None:
        extra["seed"] = seed
    if isinstance(scenario, Scenario):
        if overrides or extra:
            base = scenario.to_dict()
            scn = load_scenario(base, _merge_overrides(overrides, extra))
        else:
            scn = scenario
    else:
        scn = load_scenario(scenario, _merge_overrides(overrides, extra))

    counterfactual = baseline_of(scn) if baseline else None
    model = kernel(scn.model)
    need = check_memory(model, scn)
    if resume is not None:
        ckpt, meta = resume
        material = dict(meta["seed"])
        prior_wall = float(meta.get("wall_time_s", 0.0))
        started_at = str(meta.get("started_at", _now()))
    else:
        ckpt = None
        material = seed_material(scn.seed, run_index)
        prior_wall = 0.0
        started_at = _now()
    streams = Streams(seed_sequence(material))
    t0 = time.perf_counter()

    def checkpoint_cb(c: Checkpoint) -> None:
        if on_checkpoint is not None:
            on_checkpoint(
                c,
                {
                    "scenario": scn.to_dict(),
                    "seed": material,
                    "steps": scn.steps,
                    "started_at": started_at,
                    "wall_time_s": prior_wall + time.perf_counter() - t0,
                },
            )

    try:
        state, rows = simulate(
            model,
            scn,
            streams,
            steps=scn.steps,
            collect_every=scn.collect_every,
            resume=ckpt,
            on_step=progress,
            checkpoint_every=checkpoint_every,
            on_checkpoint=checkpoint_cb if on_checkpoint is not None else None,
        )
    except MemoryError:
        raise RunError(
            f"out of memory while running {scn.name!r}; make the population smaller"
        ) from None
    wall = prior_wall + time.perf_counter() - t0
    manifest = make_manifest(
        scn,
        steps=scn.steps,
        seed=material,
        wall_time_s=wall,
        started_at=started_at,
        resumed_from_step=ckpt.step if ckpt is not None else None,
        estimated_bytes=need,
    )
    metrics = with_dates(rows_to_frame(rows), scn.calendar)
    result = RunResult(scenario=scn, metrics=metrics, manifest=manifest, state=state)
    if counterfactual is not None:
        manifest["baseline"] = {"scenario_hash": counterfactual.digest(), "dir": BASELINE_DIR}
        # Same seed material: common random numbers for every mechanism both runs use.
        result.baseline = run(counterfactual, run_index=run_index)
    return result


def _merge_overrides(
    overrides: Mapping[str, Any] | Iterable[str], extra: Mapping[str, Any]
) -> Mapping[str, Any] | list[str]:
    if isinstance(overrides, Mapping):
        return {**overrides, **extra}
    # a malformed item is reported by load_scenario, which names it
    return [*overrides, *(f"{k}={v}" for k, v in extra.items())]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
