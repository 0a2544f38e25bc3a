"""Benchmark of the regime model: seconds per step, memory, random draws, bytes.

Run standalone::

    .venv/bin/python benchmarks/regime_bench.py                 # 1e6 x 365 and 1e7 x 30
    .venv/bin/python benchmarks/regime_bench.py --sizes 1000000 --steps 365
    .venv/bin/python benchmarks/regime_bench.py --sizes 100000000 --steps 5 --preset full-regime

Each size runs in a fresh interpreter (so that its peak memory is its own) and
is skipped, with a message, when `estimate_bytes` says it does not fit in the
memory available. It builds the preset's society, runs the steps as the engine's
`simulate` does (metrics collected every `--collect-every` steps), and prints
one row: people, steps, init seconds, seconds per step (all steps, and steady
state after a warm-up), person-steps per second, the state's bytes per person
(network separately), the process's peak resident memory (GiB and bytes per
person, the interpreter included) and `estimate_bytes` over it, random draws per
person-step (counted by wrapping every stream), bytes allocated per person-step
(tracemalloc, one step), and the time extrapolated to 365 steps (init + 365 x
s/step, metrics included as collected in the run). It also gives the CPU time of
the first step, of the later steps and of one metrics collection, each apart, and
from them a second extrapolation (init + first step + 364 later steps + a metrics
collection every `--collect-every` steps): in a short run the first step (the
initial speech cascade) and the last step's metrics weigh more than in a year.
Times are wall-clock and, where other processes share the cores, also this
process's CPU time (numpy is single-threaded: on an idle core they agree).
Machine limits (measured on the benchmark machine with numpy, docs/benchmarks.md):
~110 M float32 random draws/s and ~9 GB/s read on one core.
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from typing import Any

import numpy as np

from scslab.api import available_memory
from scslab.engine import Streams, seed_material, seed_sequence
from scslab.engine.memory import reuse_freed_memory
from scslab.scenario import kernel, load_scenario

DRAWS_PER_S = 110e6  # measured: single-threaded numpy, PCG64, float32
READ_BYTES_PER_S = 9e9  # measured: single-threaded numpy


class CountingGenerator:
    """A numpy Generator that counts the random numbers it returns."""

    def __init__(self, gen: np.random.Generator, counter: dict[str, int]) -> None:
        self._gen = gen
        self._counter = counter

    def __getattr__(self, name: str) -> Any:
        if name in ("_gen", "_counter"):  # not set yet (copy.deepcopy builds a bare object)
            raise AttributeError(name)
        attr = getattr(self._gen, name)
        if not callable(attr):
            return attr

        def wrapped(*args: Any, **kwargs: Any) -> Any:
            out = attr(*args, **kwargs)
            self._counter["draws"] += int(np.size(out))
            return out

        return wrapped

    def __deepcopy__(self, memo: dict[int, Any]) -> CountingGenerator:
        """A copy of the stream that counts into the same counter (`harm.snapshot`)."""
        return CountingGenerator(copy.deepcopy(self._gen, memo), self._counter)


class CountingStreams(Streams):
    def __init__(self, root: np.random.SeedSequence) -> None:
        super().__init__(root)
        self.counter = {"draws": 0}

    def __getitem__(self, name: str) -> Any:
        return CountingGenerator(super().__getitem__(name), self.counter)


def bench(preset: str, size: int, steps: int, collect_every: int, warmup: int) -> dict[str, Any]:
    """One row, measured in this process (`main` gives each size a fresh one)."""
    scn = load_scenario(
        preset,
        {"params.population.size": size, "steps": steps, "collect_every": collect_every},
    )
    model = kernel("regime")
    estimate = model.estimate_bytes(scn)
    gc.collect()
    base_rss = _maxrss()
    streams = CountingStreams(seed_sequence(seed_material(scn.seed)))
    t0, c0 = time.perf_counter(), time.process_time()
    state = model.init(scn, streams)
    t_init, c_init = time.perf_counter() - t0, time.process_time() - c0
    init_rss = _maxrss()
    state_bytes = state.nbytes()
    net_bytes = state.net_indptr.nbytes + state.net_indices.nbytes
    init_draws = streams.counter["draws"]

    # the steps as `simulate` runs them (metrics every `collect_every` steps), without
    # a snapshot of the state: at 10^8 people a copy would not fit in memory
    streams.counter["draws"] = 0
    run_steps = steps - 1
    stamps = [time.perf_counter()]
    c0 = time.process_time()
    step_cpu: list[float] = []  # CPU s of each step, its metrics apart
    metrics_cpu: list[float] = []  # CPU s of each metrics collection
    for _ in range(run_steps):
        c1 = time.process_time()
        model.step(state, streams)
        state.step += 1
        step_cpu.append(time.process_time() - c1)
        if state.step % collect_every == 0 or state.step == run_steps:
            c1 = time.process_time()
            model.metrics(state)
            metrics_cpu.append(time.process_time() - c1)
        stamps.append(time.perf_counter())
    t_run, c_run = stamps[-1] - stamps[0], time.process_time() - c0
    draws = streams.counter["draws"]
    per_step = np.diff(stamps)
    steady = per_step[warmup:] if per_step.size > warmup + 1 else per_step

    # peak of the temporaries alive at once in one more step (tracemalloc)
    tracemalloc.start()
    model.step(state, streams)
    state.step += 1
    _cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = _maxrss()

    s_step = t_run / run_steps
    return {
        "preset": preset,
        "people": size,
        "steps": run_steps,
        "init_s": t_init,
        "init_cpu_s": c_init,
        "s_per_step": s_step,
        "cpu_s_per_step": c_run / run_steps,
        "s_per_step_steady": float(steady.mean()),
        "person_steps_per_s": size / s_step,
        "bytes_per_person": state_bytes / size,
        "net_bytes_per_person": net_bytes / size,
        "peak_rss_gib": rss / 2**30,
        "peak_rss_bytes_per_person": rss / size,
        "init_peak_rss_bytes_per_person": (init_rss - base_rss) / size,
        "estimate_over_peak": estimate / rss,
        "draws_per_person_step": draws / (size * run_steps),
        "init_draws_per_person": init_draws / size,
        "peak_temp_bytes_per_person": peak / size,
        "extrapolated_365_s": t_init + 365 * s_step,
        "extrapolated_365_cpu_s": c_init + 365 * c_run / run_steps,
        "cpu_s_first_step": step_cpu[0],
        "cpu_s_per_later_step": float(np.mean(step_cpu[1:])) if run_steps > 1 else step_cpu[0],
        "metrics_cpu_s": float(np.mean(metrics_cpu)),
        # init + 365 steps (the first as measured, the others at the later steps' mean) +
        # a metrics collection every `collect_every` steps: what `simulate` would spend
        "extrapolated_365_cpu_s_split": c_init
        + step_cpu[0]
        + 364 * (float(np.mean(step_cpu[1:])) if run_steps > 1 else step_cpu[0])
        + -(-365 // collect_every) * float(np.mean(metrics_cpu)),
        "draw_floor_s_per_step": draws / run_steps / DRAWS_PER_S,
        "read_floor_s_per_step": peak / READ_BYTES_PER_S,
    }


def _maxrss() -> int:
    """Peak resident bytes of this process so far (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def bench_in_child(
    preset: str, size: int, steps: int, collect_every: int, warmup: int, no_reuse: bool = False
) -> dict[str, Any]:
    """`bench` in a fresh interpreter, so that its peak memory is this size's alone."""
    argv = [sys.executable, __file__, "--preset", preset, "--sizes", str(size)]
    argv += ["--steps", str(steps), "--collect-every", str(collect_every)]
    argv += ["--warmup", str(warmup), "--child"] + (["--no-reuse"] if no_reuse else [])
    done = subprocess.run(argv, capture_output=True, text=True, check=True)
    row: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="full-regime")
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    ap.add_argument(
        "--steps",
        type=int,
        nargs="+",
        default=[365, 30],
        help="steps per size (one value for all, or one per size)",
    )
    ap.add_argument("--collect-every", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument(
        "--no-reuse",
        action="store_true",
        help="leave glibc's malloc as it is (`scslab run` keeps freed memory for reuse: "
        "scslab.engine.memory.reuse_freed_memory)",
    )
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    steps = args.steps * len(args.sizes) if len(args.steps) == 1 else args.steps
    if args.child:  # one size, measured in this process: the row as JSON
        if not args.no_reuse:
            reuse_freed_memory()  # as `scslab run` does
        row = bench(args.preset, args.sizes[0], steps[0], args.collect_every, args.warmup)
        print(json.dumps(row))
        return
    rows = []
    for n, s in zip(args.sizes, steps, strict=True):
        scn = load_scenario(args.preset, {"params.population.size": n})
        need, have = kernel("regime").estimate_bytes(scn), available_memory()
        if have and need > 0.9 * have:
            print(
                f"{n:,} people skipped: the run needs about {need / 2**30:.1f} GiB, "
                f"{have / 2**30:.1f} GiB is available",
                file=sys.stderr,
            )
            continue
        rows.append(
            bench_in_child(args.preset, n, s, args.collect_every, args.warmup, args.no_reuse)
        )
        print(f"{n:,} people done", file=sys.stderr, flush=True)
    if not rows:
        return
    cols = [
        ("people", "{:>11,d}"), ("steps", "{:>5d}"), ("init_s", "{:>7.1f}"),
        ("init_cpu_s", "{:>10.1f}"), ("s_per_step", "{:>10.4f}"),
        ("cpu_s_per_step", "{:>14.4f}"), ("s_per_step_steady", "{:>17.4f}"),
        ("person_steps_per_s", "{:>18,.0f}"), ("bytes_per_person", "{:>16.1f}"),
        ("net_bytes_per_person", "{:>20.1f}"), ("peak_rss_gib", "{:>12.2f}"),
        ("peak_rss_bytes_per_person", "{:>25.1f}"), ("estimate_over_peak", "{:>18.3f}"),
        ("draws_per_person_step", "{:>21.3f}"), ("peak_temp_bytes_per_person", "{:>27.1f}"),
        ("extrapolated_365_s", "{:>18.1f}"), ("extrapolated_365_cpu_s", "{:>22.1f}"),
        ("cpu_s_first_step", "{:>16.4f}"), ("cpu_s_per_later_step", "{:>20.4f}"),
        ("metrics_cpu_s", "{:>13.3f}"), ("extrapolated_365_cpu_s_split", "{:>28.1f}"),
    ]  # fmt: skip
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"preset {args.preset}; metrics collected every {args.collect_every} steps; "
        f"load average {load:.1f} at the end (cpu_s: this process's CPU time)"
    )
    print(" ".join(f"{name:>{len(fmt.format(rows[0][name]))}}" for name, fmt in cols))
    for r in rows:
        print(" ".join(fmt.format(r[name]) for name, fmt in cols))
    print()
    for r in rows:
        print(
            f"{r['people']:,} people: {r['draws_per_person_step']:.3f} draws/person-step -> "
            f"{r['draw_floor_s_per_step'] * 1e3:.1f} ms/step at 110 M draws/s "
            f"({100 * r['draw_floor_s_per_step'] / r['s_per_step']:.1f} % of the step); "
            f"{r['peak_temp_bytes_per_person']:.0f} B peak temporaries/person -> "
            f"{r['read_floor_s_per_step'] * 1e3:.1f} ms/step at 9 GB/s "
            f"({100 * r['read_floor_s_per_step'] / r['s_per_step']:.1f} % of the step)"
        )


if __name__ == "__main__":
    main()
