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
        from scslab.results.store import clear_replicates

        out = Path(out)
        prepare_out_dir(out, force=force)
        clear_replicates(out)
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


@dataclass
class ReplicatedResult(RunResult):
    """What ``run(..., replicates=R)`` gives: R runs of one scenario and their summary.

    Replicate i runs with the seed material ``{"entropy": seed, "spawn_key": [i]}``,
    as replicate i of a one-point ``scslab sweep`` (and its baseline shares that
    seed: common random numbers).

    Attributes
    ----------
    metrics : polars.DataFrame
        The per-step mean over the replicates (NaN-aware), so that code reading a
        single run's metrics reads the replicates' mean.
    summary : polars.DataFrame
        Mean and 95 % interval (Student t over replicates) per step and measure:
        ``step, measure, n, mean, sd, half_width, lo, hi`` (see
        `scslab.results.intervals`). ``n`` counts the replicates where the measure
        has a value.
    replicates : list of RunResult
        Each replicate's metrics and manifest (no final state: R states could
        fill the memory); with a baseline, each has its own ``baseline``.
    difference_summary : polars.DataFrame, optional
        With a baseline: the same table for replicate i minus its baseline, so
        the interval is paired (common random numbers).
    baseline : ReplicatedResult, optional
        With a baseline: the baseline's mean, summary and replicates.
    """

    replicates: list[RunResult] = field(default_factory=list, repr=False)
    summary: pl.DataFrame = field(default_factory=pl.DataFrame, repr=False)
    difference_summary: pl.DataFrame | None = field(default=None, repr=False)

    @property
    def replicate_metrics(self) -> pl.DataFrame:
        """Every replicate's metrics in one frame, with a leading ``replicate`` column."""
        from scslab.results.intervals import replicate_frame

        return replicate_frame([r.metrics for r in self.replicates])

    def final(self) -> dict[str, dict[str, Any]]:
        """``{measure: summary row}`` at the last collected step."""
        from scslab.results.intervals import final

        return final(self.summary)

    def difference(self) -> pl.DataFrame:
        """The per-step mean of the paired differences (needs a baseline)."""
        from scslab.results.intervals import means

        if self.difference_summary is None:
            raise RunError("this result has no baseline; run with baseline=True")
        return means(self.difference_summary)

    def save(self, out: str | Path, *, force: bool = False) -> dict[str, Path]:
        """Write the replicates, the summaries and the mean, ``out/run.json`` last.

        ``out/replicates/<i>/`` is replicate i as a run folder (with its own
        ``baseline/`` and ``difference.parquet`` when there is a baseline);
        ``out/metrics.parquet`` holds the mean over replicates,
        ``out/summary.parquet`` the mean and interval per step and measure; with
        a baseline, ``out/baseline/`` holds the baseline's mean and summary and
        ``out/difference_summary.parquet`` the paired difference's.
        """
        from scslab.results import prepare_out_dir, write_run
        from scslab.results.store import (
            DIFFERENCE_SUMMARY_FILE,
            SUMMARY_FILE,
            clear_replicates,
            replicate_dir,
            write_frame,
        )

        out = Path(out)
        prepare_out_dir(out, force=force)
        clear_replicates(out, keep=len(self.replicates))
        for i, rep in enumerate(self.replicates):
            rep.save(replicate_dir(out, i), force=True)
        paths: dict[str, Path] = {}
        if self.baseline is not None and isinstance(self.baseline, ReplicatedResult):
            bdir = out / BASELINE_DIR
            write_run(bdir, self.baseline.metrics, self.baseline.manifest)
            write_frame(bdir / SUMMARY_FILE, self.baseline.summary)
            paths["baseline"] = bdir
            paths["difference"] = write_frame(out / DIFFERENCE_FILE, self.difference())
            if self.difference_summary is not None:
                paths["difference_summary"] = write_frame(
                    out / DIFFERENCE_SUMMARY_FILE, self.difference_summary
                )
        paths["summary"] = write_frame(out / SUMMARY_FILE, self.summary)
        paths["replicates"] = replicate_dir(out, 0).parent
        paths.update(write_run(out, self.metrics, self.manifest))
        return paths


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


def check_memory(
    model: object,
    scenario: Scenario,
    available: int | None = None,
    baseline: Scenario | None = None,
) -> int:
    """Refuse a run whose estimated memory exceeds what is available; return the estimate.

    With a `baseline` the estimate is the larger of the two runs': `run` frees the
    baseline's state before the run itself starts, so only one model is alive at once.
    """
    need = estimate_bytes(model, scenario)
    if baseline is not None:
        need = max(need, estimate_bytes(model, baseline))
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
    replicates: int | None = None,
    workers: int | None = None,
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
        ``result.baseline``; ``result.difference()`` gives the effect. It runs
        first and keeps no final state (``result.baseline.state`` is None), so
        that one model at a time is in memory; `progress` then counts the
        steps of both runs.
    replicates : int, optional
        Run R seeds derived from the root seed, as a sweep derives them
        (replicate i has spawn key ``[i]``), and return a `ReplicatedResult`:
        every replicate's metrics, their mean, and a mean and 95 % interval per
        step and measure (with `baseline`, also a paired interval of the
        difference). Not with `checkpoint_every`, `resume` or `run_index`.
    workers : int, optional
        With `replicates`: run them in this many spawned local processes (each
        runs the sweep's worker); default 1, in this process. The results do
        not depend on it.

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

    if replicates is not None:
        if resume is not None or checkpoint_every is not None or on_checkpoint is not None:
            raise RunError(
                "replicates runs several seeds and keeps no checkpoint; "
                "give replicates, or checkpoint_every/resume, not both"
            )
        if run_index is not None:
            raise RunError("replicates derives each replicate's seed; give no run_index with it")
        return run_replicates(
            scn, replicates, baseline=baseline, workers=workers, progress=progress
        )
    if workers is not None:
        raise RunError("workers runs replicates in parallel; give replicates with it")
    counterfactual = baseline_of(scn) if baseline else None
    model = kernel(scn.model)
    need = check_memory(model, scn, baseline=counterfactual)
    base_result: RunResult | None = None
    if counterfactual is not None:
        # The baseline first, its final state dropped: the two models are never alive
        # at once, so a run with a baseline peaks as one run does (check_memory).
        def base_progress(n: int, total: int) -> None:
            if progress is not None:
                progress(n, total + scn.steps)

        base_result = run(counterfactual, run_index=run_index, progress=base_progress)
        base_result.state = None
        progress = _offset(progress, counterfactual.steps, counterfactual.steps)
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
        result.baseline = base_result
    return result


def _offset(progress: ProgressFn | None, done: int, extra: int) -> ProgressFn | None:
    """`progress` for a run that follows `done` steps already reported (of `extra` more)."""
    if progress is None:
        return None
    inner = progress

    def shifted(n: int, total: int) -> None:
        inner(done + n, total + extra)

    return shifted


def run_replicates(
    scn: Scenario,
    replicates: int,
    *,
    baseline: bool = False,
    workers: int | None = None,
    progress: ProgressFn | None = None,
) -> ReplicatedResult:
    """Run `replicates` seeds of `scn` (see `run`); each seed as a sweep derives it."""
    from scslab.experiments.grid import grid_design
    from scslab.experiments.sweep import Plan
    from scslab.results.intervals import LEVEL, METHOD, means, summarise

    if isinstance(replicates, bool) or not isinstance(replicates, int) or replicates < 1:
        raise RunError(f"replicates must be a whole number >= 1; got {replicates!r}")
    if workers is not None and (
        isinstance(workers, bool) or not isinstance(workers, int) or workers < 1
    ):
        raise RunError(f"workers must be a whole number >= 1; got {workers!r}")
    # A one-point sweep: its runs carry the seeds (spawn keys) a sweep gives them.
    plan = Plan(scn, grid_design([]), replicates=replicates, baseline=baseline)
    model = kernel(scn.model)
    parallel = min(workers or 1, plan.total)
    need = check_memory(model, scn)
    have = available_memory()
    if parallel > 1 and need and have and parallel * need > 0.9 * have:
        raise RunError(
            f"{parallel} workers running {scn.name!r} at once need about "
            f"{parallel * need / 2**30:.1f} GiB of memory; {have / 2**30:.1f} GiB is "
            "available. Give fewer --workers"
        )
    started_at = _now()
    t0 = time.perf_counter()
    specs = list(plan.runs())  # replicate i, then its baseline: seed spawn key [i] for both
    if parallel > 1:
        done = _runs_in_pool(plan, specs, parallel, progress)
    else:
        done = {}
        total = len(specs) * scn.steps
        for k, spec in enumerate(specs):

            def step_done(n: int, _total: int, offset: int = k * scn.steps) -> None:
                if progress is not None:
                    progress(offset + n, total)

            one = run(plan.scenario_of(spec), run_index=spec.run_index, progress=step_done)
            one.state = None  # R final states could fill the memory
            done[spec.run_id] = one
    reps = _pair(specs, done)
    wall = time.perf_counter() - t0

    def manifest_of(s: Scenario, runs: list[RunResult], summary_file: str) -> dict[str, Any]:
        man = make_manifest(
            s,
            steps=s.steps,
            seed={"entropy": s.seed, "spawn_keys": [r.manifest["seed"]["spawn_key"] for r in runs]},
            wall_time_s=wall,
            started_at=started_at,
            estimated_bytes=need,
        )
        man["replicates"] = {
            "count": len(runs),
            "dir": "replicates",
            "seeds": "replicate i has seed material {entropy: seed, spawn_key: [i]}, as in a sweep",
            "metrics": "metrics.parquet holds the per-step mean over the replicates (NaN-aware)",
            "interval": {"method": METHOD, "level": LEVEL, "file": summary_file},
            "workers": parallel,
        }
        return man

    summary = summarise([r.metrics for r in reps])
    result = ReplicatedResult(
        scenario=scn,
        metrics=means(summary),
        manifest=manifest_of(scn, reps, "summary.parquet"),
        replicates=reps,
        summary=summary,
    )
    if baseline:
        bases = [r.baseline for r in reps if r.baseline is not None]
        bsummary = summarise([b.metrics for b in bases])
        cf = bases[0].scenario
        result.baseline = ReplicatedResult(
            scenario=cf,
            metrics=means(bsummary),
            manifest=manifest_of(cf, bases, "summary.parquet"),
            replicates=bases,
            summary=bsummary,
        )
        result.difference_summary = summarise(
            [difference(r.metrics, b.metrics) for r, b in zip(reps, bases, strict=True)]
        )
        result.manifest["baseline"] = {"scenario_hash": cf.digest(), "dir": BASELINE_DIR}
        result.manifest["replicates"]["difference"] = {
            "method": f"{METHOD}, paired: replicate i minus its baseline (same seed)",
            "level": LEVEL,
            "file": "difference_summary.parquet",
        }
    return result


def _runs_in_pool(
    plan: Any, specs: list[Any], workers: int, progress: ProgressFn | None
) -> dict[int, RunResult]:
    """The runs `specs` of `plan` in `workers` local processes (the sweep's worker).

    The processes are spawned, not forked: this process may already run the
    threads of polars or matplotlib, and a child forked while one of them holds
    a lock can hang (a sweep forks its workers before it starts any thread).
    """
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from scslab.experiments.executors import Pool
    from scslab.experiments.worker import Task, execute
    from scslab.scenario import model_entry

    entry = model_entry(plan.scenario.model)
    scenarios = {s.run_id: plan.scenario_of(s) for s in specs}
    done: dict[int, RunResult] = {}
    executor = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"))
    pool = Pool(executor, workers, f"{workers} local processes")
    try:
        futures = {
            pool.executor.submit(
                execute, Task(s.run_id, scenarios[s.run_id].to_dict(), s.run_index, entry)
            ): s
            for s in specs
        }
        for k, fut in enumerate(as_completed(futures), start=1):
            spec, outcome = futures[fut], fut.result()
            if outcome.status != "ok" or outcome.columns is None:
                arm = " (baseline)" if spec.baseline else ""
                raise RunError(f"replicate {spec.replicate}{arm} failed: {outcome.error}")
            metrics = pl.DataFrame(outcome.columns)
            done[spec.run_id] = RunResult(scenarios[spec.run_id], metrics, outcome.manifest)
            if progress is not None:
                progress(k * plan.scenario.steps, len(specs) * plan.scenario.steps)
    except BaseException:
        pool.close(cancel=True)
        raise
    pool.close()
    return done


def _pair(specs: list[Any], done: dict[int, RunResult]) -> list[RunResult]:
    """The replicates in order, each with its baseline (the run after it) attached."""
    reps: list[RunResult] = []
    for s in specs:
        if s.baseline:
            rep = reps[-1]
            rep.baseline = done[s.run_id]
            rep.manifest["baseline"] = {
                "scenario_hash": rep.baseline.scenario.digest(),
                "dir": BASELINE_DIR,
            }
        else:
            reps.append(done[s.run_id])
    return reps


def _merge_overrides(
    overrides: Mapping[str, Any] | Iterable[str], extra: Mapping[str, Any]
) -> Mapping[str, Any] | list[str]:
    if isinstance(overrides, Mapping):
        return {**overrides, **extra}
    # a malformed item is reported by load_scenario, which names it
    return [*overrides, *(f"{k}={v}" for k, v in extra.items())]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
