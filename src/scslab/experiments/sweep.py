"""Run a design's points, with replicates, into one DuckDB file; resumable.

Run ids and seeds
-----------------
With P points, R replicates and A arms (A = 2 with a baseline, else 1), run
``(p, r, arm)`` has id ``(p * R + r) * A + arm`` and the seed material
``{"entropy": root_seed, "spawn_key": [p * R + r]}`` (``[r]`` with common
random numbers across points). A run's random numbers depend on nothing
else: not on the number of workers, the executor or the order of completion.
The baseline arm of a run shares its seed (common random numbers).

Crash safety
------------
Each finished run is committed in one transaction; a rerun of the same
command skips runs already in the database (failed ones too, unless
``retry_failed``) and does only the missing ones.
"""

from __future__ import annotations

import socket
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scslab._version import __version__
from scslab.errors import RunError, ScenarioError
from scslab.experiments.executors import Pool, open_pool
from scslab.experiments.grid import Design, scenario_at
from scslab.experiments.worker import Outcome, Task, execute
from scslab.results.sweepdb import DB_FILE, RunRow, SweepDB
from scslab.scenario import Scenario, model_entry
from scslab.scenario.registry import baseline_of


@dataclass(frozen=True)
class RunSpec:
    """One run of a sweep: where it sits in the design and its seed."""

    run_id: int
    point: int
    replicate: int
    baseline: bool
    run_index: int


@dataclass
class Plan:
    """A sweep to do: base scenario, design, replicates, arms.

    Attributes
    ----------
    scenario : Scenario
        The base scenario (with ``--set``, ``--steps`` and ``--seed`` applied);
        its seed is the root of every run's seed.
    design : Design
        The points.
    replicates : int
        Runs per point, each with its own seed.
    baseline : bool
        Also run the model's counterfactual of every run, on the same seed.
    common_random_numbers : bool
        Replicate r of every point uses the same seed (spawn key ``[r]``).
    """

    scenario: Scenario
    design: Design
    replicates: int = 1
    baseline: bool = False
    common_random_numbers: bool = False

    def __post_init__(self) -> None:
        self._base_data = self.scenario.to_dict()
        if self.replicates < 1:
            raise ScenarioError(f"--replicates must be a whole number >= 1; got {self.replicates}")
        if self.baseline:
            baseline_of(self.scenario)  # no counterfactual -> error before any run

    @property
    def arms(self) -> int:
        return 2 if self.baseline else 1

    @property
    def total(self) -> int:
        return len(self.design) * self.replicates * self.arms

    def spec(self) -> dict[str, Any]:
        """What a rerun must match (besides the scenario)."""
        return {
            **self.design.spec,
            "replicates": self.replicates,
            "baseline": self.baseline,
            "common_random_numbers": self.common_random_numbers,
        }

    def runs(self, skip: set[int] | frozenset[int] = frozenset()) -> Iterator[RunSpec]:
        """Every run in id order, lazily, leaving out the ids in `skip`."""
        R, A = self.replicates, self.arms
        for p in range(len(self.design)):
            for r in range(R):
                index = p * R + r
                for arm in range(A):
                    run_id = index * A + arm
                    if run_id in skip:
                        continue
                    seed_index = r if self.common_random_numbers else index
                    yield RunSpec(run_id, p, r, arm == 1, seed_index)

    def scenario_of(self, spec: RunSpec) -> Scenario:
        scn = scenario_at(self._base_data, self.design.overrides(spec.point))
        if spec.baseline:
            scn = baseline_of(scn)
        return scn


@dataclass
class Summary:
    """What a sweep did."""

    db: Path
    total: int
    skipped: int = 0
    ok: int = 0
    failed: int = 0
    failed_before: int = 0
    wall_time_s: float = 0.0
    where: str = ""
    failures: list[tuple[int, dict[str, Any], str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def failed_total(self) -> int:
        return self.failed + self.failed_before

    @property
    def ran(self) -> int:
        return self.ok + self.failed


ResultFn = Callable[[RunRow, int, int], None]  # (row, done, failed) after each run


def _row(plan: Plan, spec: RunSpec, outcome: Outcome) -> RunRow:
    seed = outcome.manifest.get("seed") or {
        "entropy": plan.scenario.seed,
        "spawn_key": [spec.run_index],
    }
    return RunRow(
        run_id=spec.run_id,
        point=spec.point,
        replicate=spec.replicate,
        baseline=spec.baseline,
        values=plan.design.overrides(spec.point),
        seed_entropy=int(seed["entropy"]),
        seed_spawn_key=[int(k) for k in seed["spawn_key"]],
        status=outcome.status,
        error=outcome.error,
        wall_time_s=outcome.wall_time_s,
        worker=f"{socket.gethostname()}:{outcome.worker_env.get('pid')}"
        if outcome.worker_env
        else None,
        manifest=outcome.manifest,
    )


def _died(plan: Plan, spec: RunSpec, why: str) -> Outcome:
    return Outcome(
        spec.run_id,
        "failed",
        why,
        0.0,
        {
            "scenario": plan.scenario_of(spec).to_dict(),
            "seed": {"entropy": plan.scenario.seed, "spawn_key": [spec.run_index]},
        },
    )


def meta_of(plan: Plan, command: Sequence[str] | None, kind: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "scenario": plan.scenario.to_dict(),
        "scenario_hash": plan.scenario.digest(),
        "design": plan.spec(),
        "command": list(command) if command is not None else None,
        "scslab_version": __version__,
        "total_runs": plan.total,
    }


def run_sweep(
    plan: Plan,
    out: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    retry_failed: bool = False,
    command: Sequence[str] | None = None,
    kind: str = "sweep",
    on_start: Callable[[int, int, int], None] | None = None,
    on_result: ResultFn | None = None,
    max_in_flight: int | None = None,
) -> Summary:
    """Run every missing run of `plan` and record it in ``out/results.duckdb``.

    Parameters
    ----------
    plan : Plan
        The sweep.
    out : path
        The sweep's folder (created if needed).
    workers : int, optional
        Local processes (default: the cores; 1 runs in this process).
    scheduler : str, optional
        A Dask scheduler address (``tcp://host:8786``) or ``local``.
    retry_failed : bool
        Redo runs recorded as failed.
    command : sequence of str, optional
        The command line, stored with the sweep.
    on_start : callable, optional
        ``on_start(total, done_before, failed_before)`` once the pending runs are known.
    on_result : callable, optional
        ``on_result(row, done, failed)`` after each run is committed.
    max_in_flight : int, optional
        Runs submitted and not yet recorded (default: twice the capacity).
        The parent holds the metrics of at most this many runs.

    Returns
    -------
    Summary

    Raises
    ------
    StoreError
        When `out` holds a different sweep (the message says what differs).
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise RunError(f"--out {str(out)!r} is a file; give a folder")
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    # Start the workers before the database opens (forked from a quiet parent).
    pool = open_pool(workers, scheduler)
    try:
        with SweepDB(out / DB_FILE) as db:
            varied = {a.path: a.column_type() for a in plan.design.axes}
            db.start(meta_of(plan, command, kind), varied, compare=("kind", "scenario", "design"))
            done = db.finished()
            if retry_failed:
                db.forget(k for k, v in done.items() if v != "ok")
                done = db.finished()
            failed_before = sum(1 for v in done.values() if v != "ok")
            summary = Summary(
                db=out / DB_FILE,
                total=plan.total,
                skipped=len(done),
                failed_before=failed_before,
                where=pool.description,
            )
            if on_start is not None:
                on_start(plan.total, len(done), failed_before)
            _loop(plan, db, pool, set(done), summary, on_result, max_in_flight)
    except BaseException:
        pool.close(cancel=True)
        raise
    pool.close()
    summary.wall_time_s = time.perf_counter() - t0
    return summary


def _loop(
    plan: Plan,
    db: SweepDB,
    pool: Pool,
    skip: set[int],
    summary: Summary,
    on_result: ResultFn | None,
    max_in_flight: int | None,
) -> None:
    entry = model_entry(plan.scenario.model)
    limit = max(1, max_in_flight or 2 * pool.capacity)
    pending: Iterator[RunSpec] = plan.runs(skip)
    # Runs that were in flight when a worker process died. Any of them may have
    # killed it, so each is run again alone: one that kills its worker alone is
    # the culprit and is recorded as failed; the others are unharmed.
    suspects: list[RunSpec] = []
    in_flight: dict[Future[Outcome], RunSpec] = {}
    isolated: set[int] = set()
    done_count = summary.skipped
    failed_count = summary.failed_before
    slow_env_seen = False
    paths = plan.design.paths

    def submit(spec: RunSpec) -> None:
        task = Task(spec.run_id, plan.scenario_of(spec).to_dict(), spec.run_index, entry)
        try:
            in_flight[pool.executor.submit(execute, task)] = spec
        except BrokenProcessPool:  # a worker died since the last wait
            suspects.append(spec)
            raise

    def fill() -> None:
        if suspects or isolated:  # one suspect at a time, nothing beside it
            if suspects and not in_flight:
                alone = suspects.pop(0)
                isolated.clear()
                isolated.add(alone.run_id)
                submit(alone)
            return
        while len(in_flight) < limit:
            spec = next(pending, None)
            if spec is None:
                return
            submit(spec)

    def record(spec: RunSpec, outcome: Outcome) -> None:
        nonlocal done_count, failed_count, slow_env_seen
        row = _row(plan, spec, outcome)
        db.record(row, outcome.columns, paths)
        done_count += 1
        if outcome.status == "ok":
            summary.ok += 1
        else:
            summary.failed += 1
            failed_count += 1
            if len(summary.failures) < 10:
                summary.failures.append((spec.run_id, dict(row.values), outcome.error or ""))
        trim = outcome.worker_env.get("MALLOC_TRIM_THRESHOLD_") if outcome.worker_env else None
        if trim is not None and not slow_env_seen:
            slow_env_seen = True
            summary.warnings.append(
                f"workers run with MALLOC_TRIM_THRESHOLD_={trim} (Dask's nanny sets it), which "
                "made numpy work about twice as slow here; start them with "
                "DASK_CONFIG=$(python -m scslab.experiments.executors) (see docs/experiments.md)"
            )
        if on_result is not None:
            on_result(row, done_count, failed_count)

    def on_broken() -> None:
        """A worker process died: the pool fails everything in flight; sort it out."""
        for fut, spec in list(in_flight.items()):
            del in_flight[fut]
            if fut.done() and fut.exception() is None:
                record(spec, fut.result())  # finished before the pool broke
            elif spec.run_id in isolated:  # it ran alone: it killed its worker
                why = (
                    "the worker process running it died (killed, out of memory, "
                    "or a crash in native code)"
                )
                record(spec, _died(plan, spec, why))
            else:
                suspects.append(spec)
        suspects.sort(key=lambda r: r.run_id)
        isolated.clear()
        if not pool.can_rebuild:
            raise RunError("a worker process died and the executor cannot be rebuilt")
        pool.rebuild()

    def refill() -> None:
        try:
            fill()
        except BrokenProcessPool:
            on_broken()
            fill()

    refill()
    while in_flight:
        finished, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
        broken = False
        for fut in [f for f in in_flight if f in finished]:  # in submission order
            exc = fut.exception()
            if isinstance(exc, BrokenProcessPool):
                broken = True  # handled below, with everything else in flight
                continue
            spec = in_flight.pop(fut)
            if exc is None:
                record(spec, fut.result())
            elif type(exc).__name__ == "KilledWorker":  # Dask gave up on this task
                record(spec, _died(plan, spec, f"the Dask workers running it died: {exc}"))
            else:
                raise RunError(
                    f"the executor failed ({type(exc).__name__}: {exc}); finished runs are "
                    "saved: run the same command again to continue"
                )
        if broken:
            on_broken()
        if not suspects and not in_flight:
            isolated.clear()
        refill()


def command_line() -> list[str]:
    """The command line of this process, as stored with a sweep."""
    return [Path(sys.argv[0]).name, *sys.argv[1:]] if sys.argv else []
