"""CPU time of one metrics collection (`RegimeModel.metrics`) of a regime preset.

Run standalone (docs/benchmarks.md, "One metrics collection")::

    .venv/bin/python benchmarks/measures_bench.py --size 10000000
    .venv/bin/python benchmarks/measures_bench.py --size 1000000 --steps 4 --repeats 8

Builds the preset's society, runs `--steps` steps, then times `--repeats`
collections one after the other (the first imports `scipy.special` and loads the
compiled kernels) and prints their CPU and wall-clock seconds and how much the
process's peak resident memory (VmHWM) grew while they ran: the collections'
temporaries.
"""

from __future__ import annotations

import argparse
import time

from scslab.engine import Streams, seed_material, seed_sequence
from scslab.scenario import kernel, load_scenario


def _vmhwm() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM"):
                return int(line.split()[1]) * 1024
    return 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="full-regime")
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--steps", type=int, default=4, help="steps before the collections")
    ap.add_argument("--repeats", type=int, default=6, help="collections timed")
    a = ap.parse_args()
    scn = load_scenario(a.preset, {"params.population.size": a.size})
    model = kernel("regime")
    streams = Streams(seed_sequence(seed_material(scn.seed)))
    state = model.init(scn, streams)
    for _ in range(a.steps):
        model.step(state, streams)
        state.step += 1
    before = _vmhwm()
    cpu, wall = [], []
    for _ in range(a.repeats):
        c, w = time.process_time(), time.perf_counter()
        model.metrics(state)
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    grown = (_vmhwm() - before) / 2**20
    rows = int(state.ls_person.size)
    print(f"{a.preset}, {a.size:,} people, after {a.steps} steps ({rows:,} listing rows)")
    print("one collection, CPU s: " + ", ".join(f"{x:.4f}" for x in cpu))
    print("one collection, wall s: " + ", ".join(f"{x:.4f}" for x in wall))
    print(f"VmHWM grew by {grown:.0f} MiB during the collections")


if __name__ == "__main__":
    main()
