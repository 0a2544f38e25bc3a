"""`court-blacklist`'s defaults: the fitted history's regime of 2018, in daily steps.

`court-blacklist-history` (weekly steps, 2013-10 to 2024-12) takes the posterior
medians of `make calibrate` (docs/calibration.md). `court-blacklist` (one year,
daily steps) is the same regime in the year 2018; every value it takes from the
history is derived here, in one place, from

- the stored calibration (``tests/experiments/data/court-blacklist-history-calibration.json``:
  the posterior medians and the posterior predictive check), and
- the history preset's other values (not fitted) and its schedules' values in 2018.

**The conversion.** The history's rates are probabilities per week; a daily one is
taken as ``p / 7`` (first order). It keeps the expected number of events a week
(blocked purchases, acts) exactly; for a hazard it is below the exact
``1 - (1 - p)^(1/7)`` by about ``3 p / 7`` relatively: under 0.5 % at the largest
(the exit hazard, about 0.01 a week), far inside the posterior intervals. Costs per step
are divided by 7 too, the pressure on fulfilment is multiplied by 7 (so that
``pressure x cost`` per step, the factor restrictions put on repayment, is the
history's), and durations and latencies are multiplied by 7. The expected cost of
a listing (stay x cost a step), which deters the acts that lead to it, is then the
history's.

**The year.** 2018: fulfilment before credit repair (``values[0]``, to 2018), the
flight attempt rate of the formalised passenger bans (``values[1]``, from
2018-01-01), the 2016 memorandum's costs, and the courts' detection at the mean
over 2018 of the history's line (0.786 on 2018-01-01 to 0.9 on 2019-01-01: a
constant, so that the preset's parameters do not change from step to step).

**The initial stock** is the model's, not the observed figure: the history's
posterior predictive median of the listed share at 2017-12-31 (target
``listed_end_2017`` of the check). No calibration claim rests on it.

After a new ``make calibrate``, ``python -m scslab.scenario.court_defaults``
prints every value with its arithmetic; copy them into
``src/scslab/scenario/presets/court-blacklist.yaml`` (the test
``tests/scenario/test_court_defaults.py`` fails, naming each value, until they agree).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from scslab.scenario.loading import load_scenario
from scslab.scenario.paths import get_at, set_at, split_path
from scslab.scenario.schedules import Schedule

DAYS = 7  # days in one step of court-blacklist-history
YEAR = 2018
HISTORY = "court-blacklist-history"
STOCK_TARGET = "listed_end_2017"  # the check's listed share at 2017-12-31
#: the stored calibration, relative to the repository's root
STORED = Path("tests/experiments/data/court-blacklist-history-calibration.json")

# the history's fitted parameters (the targets file's paths)
DEBT = "params.acts[0].rate"
FULFIL = "params.sanctions.lists[0].fulfilment_rate"
FLIGHTS = "params.sanctions.domains[0].attempt_rate"
TRAINS = "params.sanctions.domains[1].attempt_rate"


@dataclass(frozen=True)
class Derived:
    """One value of `court-blacklist`: its key path, the value and how it was reached."""

    path: str
    value: float
    how: str
    posterior: bool  # from the calibration (a posterior median or predictive median)


def medians(calibration: Mapping[str, Any]) -> dict[str, float]:
    """``{parameter path: weighted posterior median}`` of a stored calibration."""
    return {str(r["parameter"]): float(r["median"]) for r in calibration["summary"]}


def _at(data: Any, path: str) -> Any:
    return get_at(data, split_path(path))


def _schedule_value(scn: Any, path: str, day: date) -> float:
    """The value of a (possibly scheduled) parameter of `scn` in force on `day`."""
    given = scn.schedules.get(path)
    if given is None:
        return float(_at(scn.to_dict(), path))
    sched = Schedule.model_validate(given)
    pos = sched.positions(scn.calendar)
    x = scn.calendar.step_of(day)
    if sched.interpolate == "linear":
        return float(np.interp(x, pos, sched.values))
    return float(sched.values[max(int(np.searchsorted(pos, x, side="right")) - 1, 0)])


def derive(calibration: Mapping[str, Any], history: Any | None = None) -> list[Derived]:
    """Every value `court-blacklist` takes from the history, from `calibration`.

    `history` is the loaded `court-blacklist-history` (the preset by default); its
    fitted values are replaced by `calibration`'s medians before anything is read.
    """
    med = medians(calibration)
    if history is None:
        history = load_scenario(HISTORY)
    data = history.to_dict()
    for path, value in med.items():
        set_at(data, split_path(path), value)
    scn = load_scenario(data)
    start, end = date(YEAR, 1, 1), date(YEAR + 1, 1, 1)
    year = [start + timedelta(days=i) for i in range((end - start).days)]
    stock = next(r for r in calibration["check"] if r["target"] == STOCK_TARGET)

    def fit(path: str, of: str, what: str) -> Derived:
        week = med[of]
        return Derived(path, week / DAYS, f"{what}: posterior median {week:.4g} a week / 7", True)

    def fixed(path: str, of: str, what: str, factor: float) -> Derived:
        week = _schedule_value(scn, of, start)
        when = f" on {start}" if of in scn.schedules else ""
        op = " / 7" if factor < 1 else (" x 7" if factor > 1 else " (no unit of time)")
        return Derived(path, week * factor, f"{what}: {week:.4g}{when}{op}", False)

    src = "params.surveillance.sources[0]"
    lst = "params.sanctions.lists[0]"
    doms = [d["name"] for d in data["params"]["sanctions"]["domains"]]
    out = [
        fit(DEBT, DEBT, "debt default (history acts[0].rate)"),
        fit(f"{lst}.fulfilment_rate", f"{FULFIL}.values[0]", "fulfilment to 2018"),
        fit(FLIGHTS, f"{FLIGHTS}.values[1]", "flight attempts from 2018"),
        fit(TRAINS, TRAINS, "train attempts"),
        Derived(
            f"{lst}.initial_share",
            float(stock["median"]),
            f"posterior predictive median of listed_share_adults at {stock['date']}",
            True,
        ),
        fixed("params.acts[1].rate", "params.acts[1].rate", "fraud (not fitted)", 1 / DAYS),
        Derived(
            f"{src}.detection_prob",
            float(np.mean([_schedule_value(scn, f"{src}.detection_prob", d) for d in year])),
            "detection: the mean over 2018 of the history's schedule, from "
            f"{_schedule_value(scn, f'{src}.detection_prob', start):.4g} on {start} to "
            f"{_schedule_value(scn, f'{src}.detection_prob', end):.4g} on {end}",
            False,
        ),
        fixed(f"{src}.latency", f"{src}.latency", "latency in weeks", DAYS),
        fixed(f"{lst}.duration", f"{lst}.duration", "duration in weeks", DAYS),
        fixed(f"{lst}.pressure", f"{lst}.pressure", "pressure", DAYS),
        fixed(f"{lst}.appeal_rate", f"{lst}.appeal_rate", "appeals", 1 / DAYS),
    ]
    for i, name in enumerate(doms):
        of = f"params.sanctions.domains[{i}].cost"
        out.append(fixed(of, of, f"{name} cost a week", 1 / DAYS))
    return out


def load_calibration(path: str | Path = STORED) -> dict[str, Any]:
    """The stored calibration (``scslab.experiments.calibrate``'s export)."""
    return dict(json.loads(Path(path).read_text(encoding="utf-8")))


def shown(value: float) -> str:
    """`value` as the preset writes it: three significant figures (whole numbers whole)."""
    if float(value).is_integer():
        return f"{int(value)}"
    return f"{float(f'{value:.3g}'):g}"


def main(argv: Sequence[str] | None = None) -> int:
    """Print `court-blacklist`'s derived values, each with its arithmetic."""
    ap = argparse.ArgumentParser(
        prog="python -m scslab.scenario.court_defaults",
        description="court-blacklist's values from court-blacklist-history's calibration",
    )
    ap.add_argument("calibration", nargs="?", default=str(STORED), help="stored calibration JSON")
    args = ap.parse_args(argv)
    try:
        derived = derive(load_calibration(args.calibration))
    except (OSError, ValueError, KeyError, StopIteration) as exc:
        print(f"cannot read {args.calibration}: {exc!r}", file=sys.stderr)
        return 2
    for d in derived:
        tag = " [from the posterior]" if d.posterior else ""
        print(f"{d.path} = {shown(d.value)}    # {d.how}{tag}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
