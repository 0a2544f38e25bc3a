"""Fingerprint of a few presets' runs, to check that a speed-up changed no result.

    .venv/bin/python benchmarks/same_results.py dump before.json   # on the old code
    .venv/bin/python benchmarks/same_results.py dump after.json    # on the new code
    .venv/bin/python benchmarks/same_results.py compare before.json after.json

`dump` runs each case below (metrics collected at every step, seed 7) and keeps
the metrics table as CSV and a SHA-1 of every array of the final state; `compare`
prints each metric or state array that differs and exits 1 if any does. The old
code can be run from a second checkout with ``PYTHONPATH=<checkout>/src``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys

import numpy as np

from scslab.api import run


def _people(n: int) -> dict[str, object]:
    return {"params.population.size": n}


def _grid(side: int, **params: object) -> dict[str, object]:
    return {"params.width": side, "params.height": side} | {
        f"params.{k}": v for k, v in params.items()
    }


#: (label, preset, overrides, steps); the Epstein cases cover Mesa's schedule with
#: many actives, jailed citizens off the grid, two shapes, life terms and schedules.
CASES = [
    ("full-regime", "full-regime", _people(20_000), 60),
    ("court-blacklist-history", "court-blacklist-history", _people(3_000), 120),
    ("firm-credit", "firm-credit", _people(5_000), 60),
    ("rongcheng-points", "rongcheng-points", _people(4_000), 40),
    ("adaptive-authority", "adaptive-authority", _people(4_000), 40),
    ("overseas-reach", "overseas-reach", _people(4_000), 40),
    ("epstein-mesa", "epstein-mesa", _grid(114), 120),
    ("epstein-mesa-unrest", "epstein-mesa", _grid(40, legitimacy=0.4, cop_density=0.03), 300),
    (
        "epstein-mesa-off-grid",
        "epstein-mesa",
        _grid(
            60,
            legitimacy=0.5,
            jailed_stay_on_cell=False,
            max_jail_term=5,
            neighbourhood="moore",
            cop_vision=3,
        ),
        200,
    ),
    ("epstein-mesa-life", "epstein-mesa", _grid(30, legitimacy=0.55, max_jail_term=None), 150),
    (
        "epstein-mesa-schedules",
        "epstein-mesa",
        _grid(
            40,
            legitimacy_schedule={"mode": "gradual", "start": 20, "target": 0.5, "rate": 0.01},
            cop_density_schedule={"mode": "gradual", "start": 30, "target": 0.03, "rate": 0.002},
        ),
        150,
    ),
]


def dump(path: str, only: str) -> None:
    out = {}
    for name, preset, extra, steps in CASES:
        if not name.startswith(only):
            continue
        overrides = extra | {"collect_every": 1}
        res = run(preset, steps=steps, overrides=overrides, seed=7)
        arrays = {}
        for key, value in sorted(vars(res.state).items()):
            if isinstance(value, np.ndarray):
                arrays[key] = hashlib.sha1(np.ascontiguousarray(value).tobytes()).hexdigest()
            elif isinstance(value, (bool, int, float)):
                arrays[key] = repr(value)
        out[name] = {"metrics": res.metrics.write_csv(), "state": arrays}
        print(f"{name}: {steps} steps", file=sys.stderr)
    with open(path, "w") as f:
        json.dump(out, f)


def compare(path_a: str, path_b: str) -> int:
    with open(path_a) as f:
        a = json.load(f)
    with open(path_b) as f:
        b = json.load(f)
    bad = 0
    for name in sorted(a.keys() & b.keys()):
        rows_a, rows_b = a[name]["metrics"].splitlines(), b[name]["metrics"].splitlines()
        header = rows_a[0].split(",")
        for i, (ra, rb) in enumerate(zip(rows_a, rows_b, strict=True)):
            if ra != rb:
                cols = [
                    h
                    for h, x, y in zip(header, ra.split(","), rb.split(","), strict=True)
                    if x != y
                ]
                print(f"{name}: metrics differ at row {i}: {', '.join(cols[:8])}")
                bad += 1
                break
        for key, value in a[name]["state"].items():
            if b[name]["state"].get(key) != value:
                print(f"{name}: state.{key} differs")
                bad += 1
    print("identical" if bad == 0 else f"{bad} differences")
    return 1 if bad else 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump")
    d.add_argument("out")
    d.add_argument("--only", default="", help="cases whose label starts with this")
    c = sub.add_parser("compare")
    c.add_argument("a")
    c.add_argument("b")
    args = ap.parse_args()
    if args.cmd == "dump":
        dump(args.out, args.only)
    else:
        sys.exit(compare(args.a, args.b))


if __name__ == "__main__":
    main()
