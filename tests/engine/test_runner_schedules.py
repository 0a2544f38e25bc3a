"""The runner hands the model the scheduled values in force; resume and sweeps keep working."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

import scslab
from scslab.engine import Streams, seed_material, seed_sequence, simulate
from scslab.scenario import kernel, load_scenario

RATE = "params.sanctions.lists[0].fulfilment_rate"
SMALL = ["params.population.size=1500", "collect_every=1"]


class Spy:
    """A kernel that records the parameter value each step and each collection sees."""

    def __init__(self, inner, name):
        self.inner, self.name = inner, name
        self.stepped, self.measured = [], []

    def init(self, scenario, rng):
        return self.inner.init(scenario, rng)

    def step(self, state, rng):
        self.stepped.append((state.step + 1, getattr(state.params, self.name)))
        self.inner.step(state, rng)

    def metrics(self, state):
        self.measured.append((state.step, getattr(state.params, self.name)))
        return self.inner.metrics(state)


def run_spy(scn, **kw):
    spy = Spy(kernel(scn.model), "sanction")
    simulate(spy, scn, Streams(seed_sequence(seed_material(scn.seed))), steps=scn.steps, **kw)
    return spy


def test_each_step_sees_the_value_in_force_at_its_step():
    scn = load_scenario(
        "kuran-cascade",
        ["steps=8", "params.sanction={at: [3, 6], values: [0.0, 0.4], interpolate: linear}"],
    )
    spy = run_spy(scn)
    expected = {s: min(max((s - 3) / 3 * 0.4, 0.0), 0.4) for s in range(9)}
    assert [s for s, _ in spy.stepped] == list(range(1, 9))
    for s, v in spy.stepped + spy.measured:
        assert v == pytest.approx(expected[s]), s


def test_a_run_without_schedules_hands_over_the_scenario_params():
    scn = load_scenario("kuran-cascade", ["steps=3"])
    spy = Spy(kernel(scn.model), "sanction")
    state, _ = simulate(spy, scn, Streams(seed_sequence(seed_material(scn.seed))), steps=scn.steps)
    assert state.params is scn.params


def test_the_regime_plan_is_rebuilt_only_when_a_value_changes(monkeypatch):
    import scslab.regime.model as rm

    calls = []
    real = rm.make_plan
    monkeypatch.setattr(rm, "make_plan", lambda p: calls.append(p) or real(p))
    scn = load_scenario(
        "court-blacklist",
        [*SMALL, "steps=12", f"{RATE}={{at: [0, 5, 9], values: [0.0, 0.1, 0.2]}}"],
    )
    scslab.run(scn)
    rates = [p.sanctions.lists[0].fulfilment_rate for p in calls]
    assert rates == pytest.approx([0.0, 0.1, 0.2])


def test_date_column_beside_step():
    r = scslab.run(
        "court-blacklist",
        overrides=[
            *SMALL,
            "steps=10",
            "collect_every=5",
            "calendar={start: 2016-02-27, days_per_step: 2}",
        ],
    )
    assert r.metrics.columns[:2] == ["step", "date"]
    assert r.metrics.schema["date"] == pl.Date
    assert r.metrics["date"].to_list() == [date(2016, 2, 27), date(2016, 3, 8), date(2016, 3, 18)]


def test_baseline_difference_keeps_the_dates():
    r = scslab.run(
        "court-blacklist",
        overrides=[*SMALL, "steps=4", "calendar.start=2013-10-01"],
        baseline=True,
    )
    diff = r.difference()
    assert diff.columns[:2] == ["step", "date"]
    assert diff["date"].to_list() == r.metrics["date"].to_list()
    assert r.baseline.metrics["date"].to_list() == r.metrics["date"].to_list()


def test_run_json_records_the_schedules_as_given(tmp_path):
    sched = "{at: [2013-10-01, 2013-10-05], values: [0.0, 0.3]}"
    r = scslab.run(
        "court-blacklist",
        overrides=[*SMALL, "steps=6", "calendar.start=2013-10-01", f"{RATE}={sched}"],
    )
    given = {"at": ["2013-10-01", "2013-10-05"], "values": [0.0, 0.3], "interpolate": "step"}
    assert r.manifest["schedules"] == {RATE: given}
    assert r.manifest["scenario"]["params"]["sanctions"]["lists"][0]["fulfilment_rate"] == given
    r.save(tmp_path / "out")
    again = scslab.run(
        __import__("json").loads((tmp_path / "out" / "run.json").read_text())["scenario"]
    )
    assert again.metrics.equals(r.metrics)


def test_resume_across_a_scheduled_change_is_bit_identical(tmp_path):
    from scslab.results.checkpoint import load_checkpoint, save_checkpoint

    overrides = [
        *SMALL,
        "steps=30",
        "calendar.start=2013-10-01",
        "params.sanctions.lists[0].initial_share=0.05",
        f"{RATE}={{at: [2013-10-01, 2013-10-21], values: [0.0, 0.2]}}",
        "params.sanctions.domains[0].attempt_rate={at: [0, 10, 25], values: [0, 0.3, 0.1], "
        "interpolate: linear}",
    ]
    unbroken = scslab.run("court-blacklist", overrides=overrides)
    out = tmp_path / "part"

    def keep(ckpt, meta):
        if ckpt.step == 15:
            save_checkpoint(out, ckpt, meta)

    scslab.run("court-blacklist", overrides=overrides, checkpoint_every=5, on_checkpoint=keep)
    ckpt, meta = load_checkpoint(out)
    assert ckpt.step == 15
    resumed = scslab.run(meta["scenario"], resume=(ckpt, meta))
    assert resumed.metrics.equals(unbroken.metrics)
    assert resumed.manifest["scenario_hash"] == unbroken.manifest["scenario_hash"]
    # the change did act: fewer people listed at the end than with the rate held at 0
    held = scslab.run("court-blacklist", overrides=[*overrides[:-2], f"{RATE}=0.0"])
    assert unbroken.metrics["listed_share_adults"][-1] < held.metrics["listed_share_adults"][-1]


def test_sweep_over_a_point_of_a_schedule(tmp_path):
    from scslab.experiments import Plan, make_design, run_sweep
    from scslab.results.sweepdb import SweepDB, db_path

    base = load_scenario(
        "court-blacklist",
        [
            *SMALL,
            "steps=20",
            "collect_every=10",
            "calendar.start=2013-10-01",
            "params.sanctions.lists[0].initial_share=0.05",
            f"{RATE}={{at: [0, 5], values: [0.0, 0.1]}}",
        ],
    )
    design = make_design([f"{RATE}.values[1]=0.0,0.3"], base)
    run_sweep(Plan(base, design, replicates=1), tmp_path / "sw", workers=1)
    with SweepDB(db_path(tmp_path / "sw"), read_only=True) as db:
        cols, rows = db.query(
            f'SELECT "{RATE}.values[1]", step, date, listed_share_adults FROM results '
            "WHERE step = 20 ORDER BY 1"
        )
        assert "date" not in db.metric_columns()
    assert [r[0] for r in rows] == [0.0, 0.3]
    assert all(r[2] == date(2013, 10, 21) for r in rows)
    assert rows[1][3] < rows[0][3]  # more fulfilment, fewer listed


def test_cli_resume_of_a_scheduled_dated_run_equals_the_unbroken_run(tmp_path):
    from scslab.cli import main
    from scslab.results import read_run
    from scslab.results.checkpoint import save_checkpoint

    overrides = [
        *SMALL,
        "steps=20",
        "calendar.start=2013-10-01",
        "params.sanctions.lists[0].initial_share=0.05",
        f"{RATE}={{at: [2013-10-01, 2013-10-15], values: [0.0, 0.3]}}",
    ]
    sets = [a for o in overrides for a in ("--set", o)]
    assert main(["run", "court-blacklist", *sets, "--out", str(tmp_path / "full"), "--quiet"]) == 0
    part = tmp_path / "part"

    def keep(ckpt, meta):
        if ckpt.step == 10:
            save_checkpoint(part, ckpt, meta)

    scslab.run("court-blacklist", overrides=overrides, checkpoint_every=5, on_checkpoint=keep)
    assert main(["run", "--resume", str(part), "--quiet"]) == 0
    full, full_manifest = read_run(tmp_path / "full")
    resumed, manifest = read_run(part)
    assert resumed.equals(full)
    assert resumed["date"][-1] == date(2013, 10, 21)
    assert manifest["schedules"] == full_manifest["schedules"] != {}
    assert manifest["resumed_from_step"] == 10
