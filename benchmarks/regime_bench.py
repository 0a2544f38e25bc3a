"""Benchmark of the regime model: seconds per step, memory, random draws, bytes.

Run standalone::

    .venv/bin/python benchmarks/regime_bench.py                 # 1e6 x 365 and 1e7 x 30
    .venv/bin/python benchmarks/regime_bench.py --sizes 1000000 --steps 365
    .venv/bin/python benchmarks/regime_bench.py --sizes 10000000 --steps 30 --preset full-regime

For each size it builds the preset's society, runs the steps through the engine's
`simulate` (metrics collected every `--collect-every` steps, as a real run does),
and prints one row: people, steps, init seconds, seconds per step (all steps, and
steady state after a warm-up), person-steps per second, the state's bytes per
person (network separately), random draws per person-step (counted by wrapping
every stream), bytes allocated per person-step (tracemalloc, one step), and the
time extrapolated to 365 steps. Machine limits from ../shared/RECIPES.md:
~110 M float32 random draws/s and ~9 GB/s read on one core.
"""

from __future__ import annotations

import argparse
import gc
import resource
import time
import tracemalloc
from typing import Any

import numpy as np

from scslab.engine import Streams, seed_material, seed_sequence, simulate
from scslab.scenario import kernel, load_scenario

DRAWS_PER_S = 110e6  # RECIPES.md: single-threaded numpy, PCG64, float32
READ_BYTES_PER_S = 9e9  # RECIPES.md


class CountingGenerator:
    """A numpy Generator that counts the random numbers it returns."""

    def __init__(self, gen: np.random.Generator, counter: dict[str, int]) -> None:
        self._gen = gen
        self._counter = counter

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._gen, name)
        if not callable(attr):
            return attr

        def wrapped(*args: Any, **kwargs: Any) -> Any:
            out = attr(*args, **kwargs)
            self._counter["draws"] += int(np.size(out))
            return out

        return wrapped


class CountingStreams(Streams):
    def __init__(self, root: np.random.SeedSequence) -> None:
        super().__init__(root)
        self.counter = {"draws": 0}

    def __getitem__(self, name: str) -> Any:
        return CountingGenerator(super().__getitem__(name), self.counter)


def bench(preset: str, size: int, steps: int, collect_every: int, warmup: int) -> dict[str, Any]:
    scn = load_scenario(
        preset,
        {"params.population.size": size, "steps": steps, "collect_every": collect_every},
    )
    model = kernel("regime")
    gc.collect()
    streams = CountingStreams(seed_sequence(seed_material(scn.seed)))
    t0 = time.perf_counter()
    state = model.init(scn, streams)
    t_init = time.perf_counter() - t0
    state_bytes = state.nbytes()
    net_bytes = state.net_indptr.nbytes + state.net_indices.nbytes
    init_draws = streams.counter["draws"]

    stamps: list[float] = []
    # resume from a snapshot of the fresh state so that simulate skips init
    from scslab.engine import snapshot

    ckpt = snapshot(state, streams, [])
    del state
    gc.collect()
    streams.counter["draws"] = 0
    t0 = time.perf_counter()
    final, _rows = simulate(
        model,
        scn,
        streams,
        steps=steps - 1,
        collect_every=collect_every,
        resume=ckpt,
        on_step=lambda done, total: stamps.append(time.perf_counter()),
    )
    t_run = time.perf_counter() - t0
    run_steps = steps - 1
    draws = streams.counter["draws"]
    per_step = np.diff([t0, *stamps])
    steady = per_step[warmup:] if per_step.size > warmup + 1 else per_step

    # peak of the temporaries alive at once in one more step (tracemalloc)
    tracemalloc.start()
    model.step(final, streams)
    final.step += 1
    _cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    s_step = t_run / run_steps
    return {
        "preset": preset,
        "people": size,
        "steps": run_steps,
        "init_s": t_init,
        "s_per_step": s_step,
        "s_per_step_steady": float(steady.mean()),
        "person_steps_per_s": size / s_step,
        "bytes_per_person": state_bytes / size,
        "net_bytes_per_person": net_bytes / size,
        "peak_rss_gib": rss / 2**30,
        "draws_per_person_step": draws / (size * run_steps),
        "init_draws_per_person": init_draws / size,
        "peak_temp_bytes_per_person": peak / size,
        "extrapolated_365_s": t_init + 365 * s_step,
        "draw_floor_s_per_step": draws / run_steps / DRAWS_PER_S,
        "read_floor_s_per_step": peak / READ_BYTES_PER_S,
    }


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
    args = ap.parse_args()
    steps = args.steps * len(args.sizes) if len(args.steps) == 1 else args.steps
    rows = [
        bench(args.preset, n, s, args.collect_every, args.warmup)
        for n, s in zip(args.sizes, steps, strict=True)
    ]
    cols = [
        ("people", "{:>11,d}"), ("steps", "{:>5d}"), ("init_s", "{:>7.1f}"),
        ("s_per_step", "{:>10.4f}"), ("s_per_step_steady", "{:>17.4f}"),
        ("person_steps_per_s", "{:>18,.0f}"), ("bytes_per_person", "{:>16.1f}"),
        ("net_bytes_per_person", "{:>20.1f}"), ("peak_rss_gib", "{:>12.2f}"),
        ("draws_per_person_step", "{:>21.3f}"), ("peak_temp_bytes_per_person", "{:>27.1f}"),
        ("extrapolated_365_s", "{:>18.1f}"),
    ]  # fmt: skip
    print(f"preset {args.preset}; metrics collected every {args.collect_every} steps")
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
