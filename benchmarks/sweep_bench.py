"""Sweep benchmark: 2 local workers vs 1, and Dask's overhead per run.

1. A sweep of 8 equal runs (one Epstein scenario, 8 seeds) with ``--workers 1``
   (runs in the sweep's own process) and ``--workers 2`` (two local
   processes, their start included). Target: speed-up >= 1.8.
2. The same 8 runs on a Dask ``LocalCluster`` of 2 worker processes (its start
   timed apart) against 2 local processes: overhead per run. Also 40 runs of
   one step, where the overhead is nearly all there is. Target: <= 50 ms a run.

Every sweep writes its DuckDB file (in a temporary folder), as a user's would.
Runnable standalone (``python benchmarks/sweep_bench.py``) or as
``benchmarks.sweep_bench.main()``, which returns the numbers.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

SPEEDUP_TARGET = 1.8
OVERHEAD_TARGET_MS = 50.0


def _scenario(size: int, steps: int) -> Any:
    from scslab.scenario import load_scenario

    return load_scenario(
        {
            "name": "sweep-bench",
            "model": "epstein",
            "steps": steps,
            "seed": 2026,
            "collect_every": 10,
            "params": {"width": size, "height": size},
        }
    )


CPU: dict[str, float] = {}  # CPU seconds (this process and its children) of the last sweep


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _time_sweep(base: Any, runs: int, out: Path, **where: Any) -> float:
    from scslab.experiments import Plan, make_design, run_sweep

    plan = Plan(base, make_design([], base), replicates=runs)
    c0, t0 = _cpu(), time.perf_counter()
    summary = run_sweep(plan, out, **where)
    wall = time.perf_counter() - t0
    CPU["last"] = _cpu() - c0  # children are counted once they have exited (the pool's have)
    if summary.failed or summary.ok != runs:
        raise RuntimeError(f"benchmark sweep failed: {summary.failures[:1]}")
    return wall


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    """Run the benchmark, print a table, return the numbers."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=8, help="equal runs per sweep (default 8)")
    p.add_argument("--size", type=int, default=200, help="Epstein grid side (default 200)")
    p.add_argument("--steps", type=int, default=500, help="steps per run (default 500)")
    p.add_argument("--tiny-runs", type=int, default=40, help="one-step runs for the overhead")
    p.add_argument("--repeat", type=int, default=2, help="best of this many (default 2)")
    p.add_argument("--no-dask", action="store_true", help="skip the Dask part")
    args = p.parse_args(argv)

    base = _scenario(args.size, args.steps)
    tiny = _scenario(10, 1)
    import scslab

    scslab.run(_scenario(20, 2))  # warm caches (imports, JIT) before timing
    res: dict[str, float] = {"load_before": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory(prefix="sweep-bench-") as tmp:
        d = Path(tmp)
        one, two = [], []
        for i in range(max(1, args.repeat)):  # alternate, so both see the same machine
            one.append((_time_sweep(base, args.runs, d / f"w1-{i}", workers=1), CPU["last"]))
            two.append((_time_sweep(base, args.runs, d / f"w2-{i}", workers=2), CPU["last"]))
        (res["one_worker_s"], res["one_worker_cpu_s"]) = min(one)
        (res["two_workers_s"], res["two_workers_cpu_s"]) = min(two)
        res["speedup"] = res["one_worker_s"] / res["two_workers_s"]
        # CPU the two-worker sweep spent per CPU second of the one-worker sweep (1 = no
        # extra work), and the cores it got (CPU / wall): on a machine shared with other
        # work, it gets less than 2, and the wall-clock speed-up says more about the
        # machine than about the sweep.
        res["cpu_ratio"] = res["two_workers_cpu_s"] / res["one_worker_cpu_s"]
        res["cores_obtained"] = res["two_workers_cpu_s"] / res["two_workers_s"]
        res["run_s"] = res["one_worker_s"] / args.runs
        if not args.no_dask:
            res.update(_dask_part(base, tiny, args, d))
    res["load_after"] = os.getloadavg()[0]
    _print(res, args)
    return res


def _dask_part(base: Any, tiny: Any, args: argparse.Namespace, d: Path) -> dict[str, float]:
    import dask
    from distributed import LocalCluster

    from scslab.experiments.executors import DASK_MEMORY_SETTING

    out: dict[str, float] = {}
    t0 = time.perf_counter()
    with dask.config.set(DASK_MEMORY_SETTING):
        cluster = LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address=None,
        )  # fmt: skip
    out["dask_start_s"] = time.perf_counter() - t0
    try:
        addr = cluster.scheduler_address
        n = max(1, args.repeat)
        # warm the workers (imports, compiled code), as the local pool is by fork
        _time_sweep(tiny, 4, d / "warm", scheduler=addr)
        # the same equal runs, local processes and Dask, side by side (best of n)
        local = min(_time_sweep(base, args.runs, d / f"l8-{i}", workers=2) for i in range(n))
        dask_t = min(_time_sweep(base, args.runs, d / f"d8-{i}", scheduler=addr) for i in range(n))
        out["dask_equal_runs_s"] = dask_t
        out["local_equal_runs_s"] = local
        out["dask_overhead_equal_ms"] = (dask_t - local) / args.runs * 1000
        # one-step runs: per-run cost is nearly all overhead
        k = args.tiny_runs
        local = min(_time_sweep(tiny, k, d / f"lt-{i}", workers=2) for i in range(n))
        dask_t = min(_time_sweep(tiny, k, d / f"dt-{i}", scheduler=addr) for i in range(n))
        out["local_tiny_ms"] = local / k * 1000
        out["dask_tiny_ms"] = dask_t / k * 1000
        out["dask_overhead_tiny_ms"] = out["dask_tiny_ms"] - out["local_tiny_ms"]
    finally:
        cluster.close()
    return out


def _print(res: dict[str, float], args: argparse.Namespace) -> None:
    cpu = os.cpu_count()
    print(f"## Sweeps ({args.runs} equal Epstein runs: {args.size}x{args.size}, "
          f"{args.steps} steps; {cpu} CPUs)")  # fmt: skip
    print(f"load average before/after      {res['load_before']:8.2f} / {res['load_after']:.2f}")
    print(f"one run                        {res['run_s']:8.2f} s")
    print(f"--workers 1 (this process)     {res['one_worker_s']:8.2f} s")
    print(f"--workers 2 (local processes)  {res['two_workers_s']:8.2f} s")
    ok = "meets" if res["speedup"] >= SPEEDUP_TARGET else "MISSES"
    print(f"speed-up 2 vs 1                {res['speedup']:8.2f} x   ({ok} >= {SPEEDUP_TARGET})")
    print(f"CPU, 2 workers / 1 worker      {res['cpu_ratio']:8.2f}     (1 = no extra work)")
    print(f"cores the 2 workers got        {res['cores_obtained']:8.2f}     (CPU s / wall s)")
    if "dask_start_s" in res:
        print(f"Dask LocalCluster start        {res['dask_start_s']:8.2f} s   (once, not counted)")
        print(f"{args.runs} runs, 2 local processes   {res['local_equal_runs_s']:8.2f} s")
        print(f"{args.runs} runs, Dask 2 workers      {res['dask_equal_runs_s']:8.2f} s")
        print(f"difference, equal runs         {res['dask_overhead_equal_ms']:8.1f} ms/run (noisy)")
        print(f"{args.tiny_runs} one-step runs: local     {res['local_tiny_ms']:8.1f} ms/run")
        print(f"{args.tiny_runs} one-step runs: Dask      {res['dask_tiny_ms']:8.1f} ms/run")
        ok = "meets" if res["dask_overhead_tiny_ms"] <= OVERHEAD_TARGET_MS else "MISSES"
        print(
            f"Dask overhead, one-step runs   {res['dask_overhead_tiny_ms']:8.1f} ms/run "
            f"({ok} <= {OVERHEAD_TARGET_MS:g})"
        )


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    main()
