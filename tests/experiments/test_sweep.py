from __future__ import annotations

from concurrent.futures import Executor

import pytest
from sweep_helpers import snapshot

from scslab.errors import ScenarioError, StoreError
from scslab.experiments import Plan, make_design, run_sweep
from scslab.experiments.executors import InlineExecutor, Pool
from scslab.results.sweepdb import SweepDB
from scslab.scenario import load_scenario

GRID = ["params.drift=0,0.3", "params.n=20,30"]


def plan_of(base, specs=GRID, **kw) -> Plan:
    return Plan(base, make_design(specs, base), **kw)


def test_results_do_not_depend_on_the_number_of_workers(toy_base, tmp_path):
    one = run_sweep(plan_of(toy_base, replicates=3), tmp_path / "one", workers=1)
    two = run_sweep(plan_of(toy_base, replicates=3), tmp_path / "two", workers=2)
    assert (one.ok, two.ok, one.failed, two.failed) == (12, 12, 0, 0)
    assert snapshot(one.db) == snapshot(two.db)


def test_runs_table_holds_ids_values_and_seeds(toy_base, tmp_path):
    s = run_sweep(plan_of(toy_base, replicates=2), tmp_path / "s", workers=1)
    with SweepDB(s.db, read_only=True) as db:
        names, rows = db.query(
            'SELECT run_id, point, replicate, "params.drift", "params.n", seed_entropy, '
            "seed_spawn_key, status FROM runs ORDER BY run_id"
        )
        assert rows[0] == (0, 0, 0, 0.0, 20, 11, [0], "ok")
        assert rows[3] == (3, 1, 1, 0.0, 30, 11, [3], "ok")
        assert rows[7] == (7, 3, 1, 0.3, 30, 11, [7], "ok")
        # one metrics row per step and run, same as scslab.run with that run index
        from scslab import api

        direct = api.run(load_scenario(toy_base.to_dict(), {"params.n": 30}), run_index=3)
        _, m = db.query("SELECT step, mean, sd, total FROM metrics WHERE run_id = 3 ORDER BY step")
        assert m == [tuple(r.values()) for r in direct.metrics.iter_rows(named=True)]


def test_a_rerun_does_only_the_missing_runs(toy_base, tmp_path):
    out = tmp_path / "s"
    plan = plan_of(toy_base, replicates=3)

    class Stop(Exception):
        pass

    def stop_after_five(row, done, failed):
        if done == 5:
            raise Stop

    with pytest.raises(Stop):
        run_sweep(plan, out, workers=1, on_result=stop_after_five)
    again = run_sweep(plan, out, workers=2)
    assert (again.skipped, again.ran, again.ok) == (5, 7, 7)
    assert run_sweep(plan, out, workers=2).ran == 0
    whole = run_sweep(plan, tmp_path / "whole", workers=1)
    assert snapshot(again.db) == snapshot(whole.db)


def test_a_failing_run_is_recorded_and_the_rest_go_on(toy_base, tmp_path):
    plan = plan_of(toy_base, ["params.fail_at_step=3,100", "params.drift=0,0.1"], replicates=2)
    s = run_sweep(plan, tmp_path / "s", workers=2)
    assert (s.total, s.ok, s.failed) == (8, 4, 4)
    assert all("toy failure at step 3" in f[2] for f in s.failures)
    with SweepDB(s.db, read_only=True) as db:
        _, rows = db.query(
            'SELECT "params.fail_at_step", status, error, manifest IS NOT NULL FROM runs '
            "WHERE status = 'failed' ORDER BY run_id"
        )
        assert len(rows) == 4
        assert all(r[0] == 3 and r[2] == "ValueError: toy failure at step 3" and r[3] for r in rows)
        _, n = db.query("SELECT count(DISTINCT run_id) FROM metrics")
        assert n == [(4,)]
    rerun = run_sweep(plan, tmp_path / "s", workers=1)
    assert (rerun.ran, rerun.failed_total) == (0, 4)
    retried = run_sweep(plan, tmp_path / "s", workers=1, retry_failed=True)
    assert (retried.skipped, retried.ran, retried.failed) == (4, 4, 4)


def test_baseline_runs_share_the_seed_of_their_run(toy_base, tmp_path):
    plan = plan_of(toy_base, ["params.drift=0.2,0.4"], replicates=2, baseline=True)
    s = run_sweep(plan, tmp_path / "s", workers=1)
    assert s.total == 8 and s.ok == 8
    with SweepDB(s.db, read_only=True) as db:
        _, rows = db.query(
            'SELECT run_id, point, replicate, baseline, "params.drift", seed_spawn_key, '
            "manifest->>'$.scenario.params.drift' FROM runs ORDER BY run_id"
        )
    assert rows[0] == (0, 0, 0, False, 0.2, [0], "0.2")
    assert rows[1] == (1, 0, 0, True, 0.2, [0], "0.0")  # the toy's counterfactual: no drift
    assert rows[7] == (7, 1, 1, True, 0.4, [3], "0.0")
    with SweepDB(s.db, read_only=True) as db:
        _, same = db.query(
            "SELECT count(*) FROM metrics a JOIN metrics b ON a.step = b.step "
            "AND b.run_id = a.run_id + 1 WHERE a.run_id % 2 = 0 AND a.step = 0 AND a.mean = b.mean"
        )
    assert same == [(4,)]  # step 0 (before any drift) is identical: common random numbers


def test_baseline_needs_a_model_with_a_counterfactual(tmp_path, crashy):
    base = load_scenario({"name": "c", "model": "crashy", "steps": 2})
    with pytest.raises(ScenarioError, match="no counterfactual"):
        Plan(base, make_design([], base), baseline=True)


def test_common_random_numbers_use_the_replicate_as_spawn_key(toy_base, tmp_path):
    plan = plan_of(toy_base, ["params.drift=0,0.5"], replicates=2, common_random_numbers=True)
    s = run_sweep(plan, tmp_path / "s", workers=1)
    with SweepDB(s.db, read_only=True) as db:
        _, rows = db.query("SELECT run_id, seed_spawn_key FROM runs ORDER BY run_id")
    assert rows == [(0, [0]), (1, [1]), (2, [0]), (3, [1])]


def test_a_changed_grid_or_scenario_is_refused(toy_base, tmp_path):
    out = tmp_path / "s"
    run_sweep(plan_of(toy_base), out, workers=1)
    with pytest.raises(StoreError) as err:
        run_sweep(plan_of(toy_base, ["params.drift=0,0.4", "params.n=20,30"]), out, workers=1)
    assert "design: axes.params.drift.values was [0.0, 0.3], now [0.0, 0.4]" in str(err.value)
    other = load_scenario(toy_base.to_dict(), {"steps": 16})
    with pytest.raises(StoreError, match="scenario: steps was 15, now 16"):
        run_sweep(plan_of(other), out, workers=1)
    with pytest.raises(StoreError, match="replicates was 1, now 2"):
        run_sweep(plan_of(toy_base, replicates=2), out, workers=1)


def test_out_must_be_a_folder(toy_base, tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(Exception, match="is a file"):
        run_sweep(plan_of(toy_base), f, workers=1)


def test_the_parent_holds_a_bounded_number_of_runs(toy_base, tmp_path, monkeypatch):
    state = {"submitted": 0, "recorded": 0, "most": 0}

    class Counting(InlineExecutor):
        def submit(self, fn, /, *args, **kwargs):
            state["submitted"] += 1
            state["most"] = max(state["most"], state["submitted"] - state["recorded"])
            return super().submit(fn, *args, **kwargs)

    def fake_pool(workers=None, scheduler=None):
        return Pool(Counting(), 1, "counting")

    def count(row, done, failed):
        state["recorded"] += 1

    monkeypatch.setattr("scslab.experiments.sweep.open_pool", fake_pool)
    run_sweep(plan_of(toy_base, replicates=5), tmp_path / "s", on_result=count, max_in_flight=3)
    assert state["submitted"] == 20 and state["most"] == 3


def test_a_dead_worker_process_fails_only_its_run(tmp_path, crashy):
    base = load_scenario({"name": "c", "model": "crashy", "steps": 3, "seed": 1})
    # crashing runs interleaved with good ones, several in flight at once
    plan = Plan(base, make_design(["params.n=5,6,7", "params.crash=false,true"], base))
    s = run_sweep(plan, tmp_path / "s", workers=2, max_in_flight=3)
    assert (s.ok, s.failed) == (3, 3)
    with SweepDB(s.db, read_only=True) as db:
        _, rows = db.query('SELECT "params.crash", status, error FROM runs ORDER BY run_id')
    assert [r[1] for r in rows] == ["ok", "failed"] * 3
    assert all("worker process running it died" in r[2] for r in rows if r[0])
    # the good runs are those a run alone gives, whatever crashed beside them
    from scslab import api

    with SweepDB(s.db, read_only=True) as db:
        for run_id in (0, 2, 4):
            scn = plan.scenario_of(next(r for r in plan.runs() if r.run_id == run_id))
            want = api.run(scn, run_index=run_id).metrics["mean"].to_list()
            _, got = db.query("SELECT mean FROM metrics WHERE run_id = ? ORDER BY step", [run_id])
            assert [g[0] for g in got] == want


def test_slow_malloc_setting_on_workers_is_reported(toy_base, tmp_path, monkeypatch):
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    s = run_sweep(plan_of(toy_base), tmp_path / "s", workers=1)
    assert any("MALLOC_TRIM_THRESHOLD_=65536" in w and "DASK_CONFIG" in w for w in s.warnings)


def test_executor_interface_is_concurrent_futures():
    assert issubclass(InlineExecutor, Executor)
