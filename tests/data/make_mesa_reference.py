"""Write the Mesa 3.3.1 reference that ``tests/models/test_epstein_vs_mesa.py`` compares with.

Runs Mesa's bundled Epstein model (``mesa.examples.advanced.epstein_civil_violence``,
its defaults: 40x40 torus, citizens 0.7, cops 0.074, vision 7, jail U{0..1000},
threshold 0.1, k 2.3) at legitimacy 0.7 and 0.8 for seeds 0-99, 100 steps each,
and writes one row per run: the numbers of citizens and cops, the means over
steps 50-100 (inclusive; the counts after each ``model.step()``) of the jailed
share (``ARRESTED / citizens``) and the active share (``ACTIVE / citizens``), and
the counts ``ARRESTED`` and ``ACTIVE`` after steps 1 and 2.

Usage (about 25 minutes on one free core; Mesa is needed: ``pip install 'scslab[dev]'``)::

    .venv/bin/python tests/data/make_mesa_reference.py [--jobs 2] [--out PATH]
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import mesa
from mesa.discrete_space.cell import Cell
from mesa.examples.advanced.epstein_civil_violence.agents import Cop
from mesa.examples.advanced.epstein_civil_violence.model import EpsteinCivilViolence

ORIGINAL_IS_EMPTY = Cell.is_empty
LEGITIMACIES = (0.7, 0.8)
SEEDS = range(100)
STEPS = 100
WINDOW = (50, 100)  # inclusive
OUT = Path(__file__).with_name("epstein_mesa_reference.csv")
FIELDS = [
    "legitimacy",
    "seed",
    "citizens",
    "cops",
    "jailed_share",
    "active_share",
    "jailed_1",
    "active_1",
    "jailed_2",
    "active_2",
]


def fast_is_empty() -> None:
    """Make ``Cell.is_empty`` read the agent list instead of copying it (same answer).

    Mesa 3.3.1's ``is_empty`` is ``len(self.agents) == 0`` where ``agents`` returns a
    copy of the cell's list; the model asks it for 112 cells per agent and step, which
    is about half of its run time. ``not self._agents`` answers the same without the
    copy and draws no random number, so the runs are the same (``--check`` shows it).
    """
    Cell.is_empty = property(lambda self: not self._agents)  # type: ignore[assignment,method-assign]


def series(legitimacy: float, seed: int, steps: int) -> list[tuple[int, int]]:
    """(ARRESTED, ACTIVE) after each step."""
    model = EpsteinCivilViolence(legitimacy=legitimacy, seed=seed)
    model.datacollector.collect = lambda _model: None
    out = []
    for _ in range(steps):
        model.step()
        out.append((model.ARRESTED, model.ACTIVE))
    return out


def run(legitimacy: float, seed: int) -> dict[str, float]:
    fast_is_empty()
    model = EpsteinCivilViolence(legitimacy=legitimacy, seed=seed)
    # The DataCollector draws no random numbers; skipping it only saves time.
    model.datacollector.collect = lambda _model: None
    citizens = model.ACTIVE + model.QUIET + model.ARRESTED
    cops = len(model.agents_by_type[Cop])
    lo, hi = WINDOW
    jailed = active = 0.0
    early: dict[str, float] = {}
    for step in range(1, STEPS + 1):
        model.step()
        if step <= 2:
            early[f"jailed_{step}"] = model.ARRESTED
            early[f"active_{step}"] = model.ACTIVE
        if lo <= step <= hi:
            jailed += model.ARRESTED
            active += model.ACTIVE
    n = hi - lo + 1
    return {
        "legitimacy": legitimacy,
        "seed": seed,
        "citizens": citizens,
        "cops": cops,
        "jailed_share": jailed / n / citizens,
        "active_share": active / n / citizens,
        **early,
    }


def _fmt(row: dict[str, float]) -> dict[str, str]:
    return {
        "legitimacy": f"{row['legitimacy']:g}",
        "seed": str(int(row["seed"])),
        "citizens": str(int(row["citizens"])),
        "cops": str(int(row["cops"])),
        "jailed_share": f"{row['jailed_share']:.8f}",
        "active_share": f"{row['active_share']:.8f}",
        **{k: str(int(row[k])) for k in FIELDS[6:]},
    }


def _run(args: tuple[float, int]) -> dict[str, float]:
    return run(*args)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--jobs", type=int, default=1, help="worker processes")
    ap.add_argument(
        "--check",
        type=int,
        metavar="STEPS",
        help="only check that Mesa with and without fast_is_empty gives the same runs",
    )
    args = ap.parse_args(argv)
    if mesa.__version__ != "3.3.1":
        raise SystemExit(f"the reference is Mesa 3.3.1's; this is Mesa {mesa.__version__}")
    if args.check:
        for legitimacy in LEGITIMACIES:
            plain = series(legitimacy, 0, args.check)
            fast_is_empty()
            fast = series(legitimacy, 0, args.check)
            Cell.is_empty = ORIGINAL_IS_EMPTY  # type: ignore[method-assign]
            print(f"legitimacy {legitimacy}, seed 0: same runs: {plain == fast}; {fast[-1]}")
            if plain != fast:
                return 1
        return 0
    # rows are appended to a partial file as runs finish, so that a rerun resumes; runs
    # already in the output are kept (delete it to start afresh)
    partial = args.out.with_suffix(".partial")
    done: dict[tuple[float, int], dict[str, str]] = {}
    for path in (args.out, partial):  # runs already in the output or the partial file
        if path.exists():
            with path.open(newline="") as f:
                for r in csv.DictReader(f):
                    done[(float(r["legitimacy"]), int(r["seed"]))] = r
    runs = [(lg, seed) for seed in SEEDS for lg in LEGITIMACIES if (lg, seed) not in done]
    t0 = time.perf_counter()
    new = not partial.exists()
    with partial.open("a", newline="") as f, Pool(args.jobs) as pool:
        writer = csv.DictWriter(f, FIELDS, lineterminator="\n")
        if new:
            writer.writeheader()
        for row in pool.imap_unordered(_run, runs):
            line = _fmt(row)
            writer.writerow(line)
            f.flush()
            done[(row["legitimacy"], int(row["seed"]))] = line
            print(
                f"legitimacy {row['legitimacy']} seed {row['seed']}: "
                f"{len(done)} of {len(LEGITIMACIES) * len(SEEDS)} runs, "
                f"{time.perf_counter() - t0:.0f} s",
                file=sys.stderr,
                flush=True,
            )
    tmp = args.out.with_suffix(".tmp")
    with tmp.open("w", newline="") as f:
        writer = csv.DictWriter(f, FIELDS, lineterminator="\n")
        writer.writeheader()
        for key in sorted(done):
            writer.writerow(done[key])
    tmp.replace(args.out)
    partial.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
