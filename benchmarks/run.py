"""Agent-steps per second: scslab's Epstein kernel next to Mesa 3.3.1's bundled model.

Both run Mesa's defaults (the ``epstein-mesa`` preset: citizens 0.7, cops 0.074,
vision 7 von Neumann, legitimacy 0.8, jail U{0..1000}, Mesa's schedule
``activation: random_sequential``) on square tori sized for the requested number
of agents (the 1k size is Mesa's own 40x40 grid). Agents are citizens + cops.
scslab's synchronous kernel (``activation: synchronous``, the other presets'
schedule) is timed on the same grids for comparison.

What is timed: steps only. Initialisation (scslab's ``model.init``, Mesa's
constructor) is reported apart; the first step of each repeat is a warm-up
(Mesa builds its neighbourhood caches in it, scslab its scratch arrays) and is
not counted. scslab's step is ``model.step`` + ``model.metrics`` (what the
runner does per step); Mesa's is ``model.step()`` as shipped (agents, counts and
its DataCollector). Throughput = agents x steps / seconds, median over repeats.

Usage::

    .venv/bin/python benchmarks/run.py                 # 1e3 .. 1e7 agents
    .venv/bin/python benchmarks/run.py --quick         # 1e3 and 1e4 only, fewer steps
    .venv/bin/python benchmarks/run.py --sizes 1e3,1e6 --json bench.json
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from scslab.engine import Streams, estimate_bytes
from scslab.scenario import kernel, load_scenario

PRESET = "epstein-mesa"
DENSITY = 0.7 + 0.074  # agents per cell on Mesa's defaults
DEFAULT_SIZES = (1e3, 1e4, 1e5, 1e6, 1e7)
QUICK_SIZES = (1e3, 1e4)
#: Largest size at which Mesa runs by default (it takes ~2 s a step at 1e4 agents).
MESA_MAX = 1e4
SEED = 1


@dataclass
class Plan:
    steps: int  # timed steps per repeat (after one warm-up step)
    repeats: int


def scslab_plan(agents: float, quick: bool) -> Plan:
    if agents <= 2e3:
        return Plan(50 if quick else 200, 3 if quick else 5)
    if agents <= 2e4:
        return Plan(30 if quick else 100, 3 if quick else 5)
    if agents <= 2e5:
        return Plan(50, 3)
    if agents <= 2e6:
        return Plan(20, 3)
    return Plan(5, 1)


def mesa_plan(agents: float, quick: bool) -> Plan:
    if agents <= 2e3:
        return Plan(10 if quick else 30, 1 if quick else 3)
    if agents <= 2e4:  # Mesa's step time varies by a third from run to run here: 3 repeats
        return Plan(2 if quick else 10, 1 if quick else 3)
    return Plan(2 if quick else 4, 1)


def side_for(agents: float) -> int:
    """Side of the square torus: Mesa's 40 for ~1e3 agents, else sqrt(agents / density)."""
    return 40 if agents <= 2e3 else round(math.sqrt(agents / DENSITY))


@dataclass
class Timing:
    agents: int
    init_s: float
    step_s: float  # median over repeats of the mean timed step, wall clock
    cpu_step_s: float  # the same in CPU time of this process (robust to a busy machine)
    steps: int
    repeats: int

    @property
    def rate(self) -> float:
        return self.agents / self.step_s

    @property
    def cpu_rate(self) -> float:
        return self.agents / self.cpu_step_s


def time_scslab(side: int, plan: Plan, activation: str = "random_sequential") -> Timing:
    scenario = load_scenario(
        PRESET,
        {"params.width": side, "params.height": side, "params.activation": activation},
    )
    model = kernel(scenario.model)
    inits, steps, cpu = [], [], []
    agents = 0
    for rep in range(plan.repeats):
        streams = Streams(np.random.SeedSequence(SEED + rep))
        t0 = time.perf_counter()
        state = model.init(scenario, streams)
        inits.append(time.perf_counter() - t0)
        agents = int(state.citizen_pos.size + np.count_nonzero(state.cop_pos >= 0))
        model.step(state, streams)  # warm-up
        state.step += 1
        model.metrics(state)
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(plan.steps):
            model.step(state, streams)
            state.step += 1
            model.metrics(state)
        steps.append((time.perf_counter() - t0) / plan.steps)
        cpu.append((time.process_time() - c0) / plan.steps)
        del state
    return _median_timing(agents, inits, steps, cpu, plan)


def _median_timing(
    agents: int, inits: list[float], steps: list[float], cpu: list[float], plan: Plan
) -> Timing:
    """Medians over the repeats."""
    return Timing(
        agents,
        statistics.median(inits),
        statistics.median(steps),
        statistics.median(cpu),
        plan.steps,
        plan.repeats,
    )


def time_mesa(side: int, plan: Plan) -> Timing | None:
    try:
        from mesa.examples.advanced.epstein_civil_violence.model import EpsteinCivilViolence
    except ImportError:
        return None
    inits, steps, cpu = [], [], []
    agents = 0
    for rep in range(plan.repeats):
        t0 = time.perf_counter()
        model = EpsteinCivilViolence(width=side, height=side, seed=SEED + rep)
        inits.append(time.perf_counter() - t0)
        agents = len(model.agents)
        model.step()  # warm-up: builds the neighbourhood caches
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(plan.steps):
            model.step()
        steps.append((time.perf_counter() - t0) / plan.steps)
        cpu.append((time.process_time() - c0) / plan.steps)
        del model
    return _median_timing(agents, inits, steps, cpu, plan)


def scslab_peak_mib(side: int) -> float:
    """Peak memory traced (numpy arrays included) over init + 2 steps, in MiB."""
    scenario = load_scenario(PRESET, {"params.width": side, "params.height": side})
    model = kernel(scenario.model)
    streams = Streams(np.random.SeedSequence(SEED))
    tracemalloc.start()
    try:
        state = model.init(scenario, streams)
        for _ in range(2):
            model.step(state, streams)
            state.step += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def max_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux


def mem_available() -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def machine() -> dict[str, Any]:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        import mesa

        mesa_version = str(mesa.__version__)
    except ImportError:
        mesa_version = "not installed"
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "mesa": mesa_version,
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def parse_sizes(text: str) -> list[float]:
    try:
        sizes = [float(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise SystemExit(f"--sizes: expected numbers like 1e3,1e6; got {text!r}") from None
    if not sizes or any(s < 1 for s in sizes):
        raise SystemExit(f"--sizes: expected positive numbers; got {text!r}")
    return sorted(sizes)


def fmt_rate(x: float | None) -> str:
    if x is None:
        return "-"
    exp = int(math.floor(math.log10(x))) if x > 0 else 0
    return f"{x / 10**exp:.2f}e{exp}"


def render(rows: list[dict[str, Any]], info: dict[str, Any]) -> None:
    headers = [
        "agents",
        "grid",
        "scslab init s",
        "scslab ms/step",
        "scslab agent-steps/s",
        "Mesa init s",
        "Mesa ms/step",
        "Mesa agent-steps/s",
        "ratio",
        "ratio, CPU time",
        "synchronous agent-steps/s",
        "synchronous ratio",
        "scslab peak MiB",
    ]
    cells = []
    for r in rows:
        m = r["mesa"]
        cells.append(
            [
                f"{r['agents']:,}",
                r["grid"],
                f"{r['scslab']['init_s']:.3f}",
                f"{1e3 * r['scslab']['step_s']:.2f}",
                fmt_rate(r["scslab"]["rate"]),
                f"{m['init_s']:.2f}" if m else "-",
                f"{1e3 * m['step_s']:.0f}" if m else "-",
                fmt_rate(m["rate"]) if m else "-",
                f"{r['ratio']:.0f}x" if r["ratio"] else "-",
                f"{r['cpu_ratio']:.0f}x" if r["cpu_ratio"] else "-",
                fmt_rate(r["synchronous"]["rate"]),
                f"{r['sync_ratio']:.0f}x" if r["sync_ratio"] else "-",
                f"{r['scslab_peak_mib']:,.1f}",
            ]
        )
    title = (
        f"Epstein civil violence ({PRESET}), {info['cpu']}, {info['nproc']} cores, "
        f"Python {info['python']}, numpy {info['numpy']}, Mesa {info['mesa']}"
    )
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        print(title)
        widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
        print("  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True)))
        for c in cells:
            print("  ".join(v.rjust(w) for v, w in zip(c, widths, strict=True)))
        return
    table = Table(title=title)
    for h in headers:
        table.add_column(h, justify="right")
    for c in cells:
        table.add_row(*c)
    Console(width=None if sys.stdout.isatty() else 200).print(table)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="1e3 and 1e4 agents only, fewer steps")
    ap.add_argument("--sizes", help="comma-separated agent counts, e.g. 1e3,1e4,1e6")
    ap.add_argument("--mesa-max", type=float, default=MESA_MAX, help="largest size Mesa runs at")
    ap.add_argument("--no-mesa", action="store_true", help="scslab only")
    ap.add_argument("--json", type=Path, metavar="PATH", help="also write the table as JSON")
    args = ap.parse_args(argv)

    sizes = (
        parse_sizes(args.sizes)
        if args.sizes
        else list(QUICK_SIZES if args.quick else DEFAULT_SIZES)
    )
    info = machine()
    print(
        f"machine: {info['cpu']}, {info['nproc']} cores, {info['memory_gib']} GiB; "
        f"load average at start {info['loadavg_at_start']}",
        file=sys.stderr,
    )
    rows: list[dict[str, Any]] = []
    for size in sizes:
        side = side_for(size)
        scenario = load_scenario(PRESET, {"params.width": side, "params.height": side})
        need = estimate_bytes(kernel(scenario.model), scenario)
        avail = mem_available()
        if avail and need > 0.8 * avail:
            print(
                f"skip {size:g} agents: needs ~{need / 2**30:.1f} GiB, "
                f"{avail / 2**30:.1f} GiB available",
                file=sys.stderr,
            )
            continue
        print(f"{size:g} agents: {side}x{side}, scslab ...", file=sys.stderr, flush=True)
        ours = time_scslab(side, scslab_plan(size, args.quick))
        print(f"{size:g} agents: scslab synchronous ...", file=sys.stderr, flush=True)
        sync = time_scslab(side, scslab_plan(size, args.quick), "synchronous")
        theirs = None
        if not args.no_mesa and size <= args.mesa_max:
            print(f"{size:g} agents: Mesa ...", file=sys.stderr, flush=True)
            theirs = time_mesa(side, mesa_plan(size, args.quick))
        row = {
            "size": size,
            "agents": ours.agents,
            "grid": f"{side}x{side}",
            "scslab": {**asdict(ours), "rate": ours.rate, "cpu_rate": ours.cpu_rate},
            "mesa": (
                {**asdict(theirs), "rate": theirs.rate, "cpu_rate": theirs.cpu_rate}
                if theirs
                else None
            ),
            "ratio": ours.rate / theirs.rate if theirs else None,
            "cpu_ratio": ours.cpu_rate / theirs.cpu_rate if theirs else None,
            "synchronous": {**asdict(sync), "rate": sync.rate, "cpu_rate": sync.cpu_rate},
            "sync_ratio": sync.rate / theirs.rate if theirs else None,
            "scslab_peak_mib": scslab_peak_mib(side),
            "process_max_rss_gib": max_rss_gib(),
            "estimated_gib": need / 2**30,
        }
        rows.append(row)
    render(rows, info)
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "rows": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
