"""Print the regime presets' measures as a Markdown table, with 95 % intervals.

Each cell is the mean over the replicates at the last collected step ± the half-width
of a 95 % Student-t interval over them (replicate i runs with the seed a sweep
derives: ``scslab run PRESET --replicates R``). With ``--baseline``, a second table
gives the paired difference from each preset's baseline (the same society with every
mechanism off, common random numbers). Not a test: the figures in docs/presets.md
and the closing notes are printed by this script, so anyone can rerun them::

    .venv/bin/python benchmarks/preset_headlines.py --replicates 5 --baseline
    .venv/bin/python benchmarks/preset_headlines.py --presets full-regime \
        --size 100000 --measures harm_prevented approval participation_share
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

PRESETS = (
    "no-regime",
    "court-blacklist",
    "rongcheng-points",
    "discourse-control",
    "overseas-reach",
    "full-regime",
)


def main(argv: list[str] | None = None) -> int:
    import scslab
    from scslab.results.intervals import cell, final
    from scslab.scenario.registry import description

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--presets", nargs="+", default=list(PRESETS))
    ap.add_argument("--replicates", type=int, default=5)
    ap.add_argument("--size", type=int, default=None, help="people (default: the preset's)")
    ap.add_argument("--steps", type=int, default=None, help="steps (default: the preset's)")
    ap.add_argument("--measures", nargs="+", default=None, help="default: the headline ones")
    ap.add_argument("--extra", nargs="+", default=[], help="measures after the headline ones")
    ap.add_argument("--baseline", action="store_true", help="also the paired differences")
    args = ap.parse_args(argv)

    desc = description("regime")
    measures = (args.measures or list(desc.headline)) + list(args.extra)
    finals: dict[str, dict[str, Any]] = {}
    diffs: dict[str, dict[str, Any]] = {}
    for preset in args.presets:
        over = {} if args.size is None else {"params.population.size": args.size}
        t0 = time.perf_counter()
        r = scslab.run(
            preset,
            steps=args.steps,
            overrides=over,
            replicates=args.replicates,
            baseline=args.baseline,
        )
        finals[preset] = r.final()
        if args.baseline and r.difference_summary is not None:
            diffs[preset] = final(r.difference_summary)
        print(f"{preset}: {time.perf_counter() - t0:.0f} s", file=sys.stderr)

    def table(values: dict[str, dict[str, Any]], title: str) -> None:
        print(f"\n{title}\n")
        print("| measure | " + " | ".join(f"`{p}`" for p in values) + " |")
        print("|---|" + "---|" * len(values))
        for m in measures:
            cells = [cell(values[p].get(m), args.replicates, always=False) for p in values]
            print(f"| `{m}` | " + " | ".join(cells) + " |")

    table(finals, f"Values at the last step ({args.replicates} replicates, mean ± 95 % half-width)")
    if diffs:
        table(diffs, "Paired difference from the baseline at the last step")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
