"""The posterior medians of court-blacklist-history at 10,000 and at 100,000 people.

docs/calibration.md: the fitted shares at the calibration's size and at 10x agree
within their intervals. Runs each size with R replicates (seeds spawned from the
preset's root seed) and prints each fitted and held-out figure's mean and range.

    .venv/bin/python benchmarks/calibration_scale.py --replicates 3
"""

import argparse
import time

import numpy as np

import scslab
from scslab.experiments.calibrate import load_targets, run_rows, target_values

TARGETS = "src/scslab/scenario/targets/court-blacklist-history.yaml"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--replicates", type=int, default=3)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    args = ap.parse_args()
    targets, _ = load_targets(TARGETS)
    base = scslab.load_scenario("court-blacklist-history")
    cal = base.calendar
    where = {
        o.name: (o.measure, (o.date - cal.start).days // cal.days_per_step)
        for o in targets.observations
    }
    obs = {o.name: targets.value(o) for o in targets.observations}
    res = {}
    for size in args.sizes:
        scn = scslab.load_scenario("court-blacklist-history", {"params.population.size": size})
        vals = []
        t0 = time.perf_counter()
        for r in range(args.replicates):
            vals.append(target_values(run_rows(scn, r), where))
        res[size] = vals
        print(f"{size} people: {args.replicates} runs in {time.perf_counter() - t0:.0f} s")
    heads = [f"{s:,} people: mean (min - max)" for s in args.sizes]
    print("figure | observed | " + " | ".join(heads))
    for o in targets.observations:
        cells = []
        for size in args.sizes:
            v = np.array([x[o.name] for x in res[size]])
            cells.append(f"{v.mean():.4g} ({v.min():.4g} - {v.max():.4g})")
        print(f"{o.name} ({o.role}) | {obs[o.name]:.4g} | " + " | ".join(cells))


if __name__ == "__main__":
    main()
