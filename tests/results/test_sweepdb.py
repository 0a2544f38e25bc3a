from __future__ import annotations

import subprocess
import sys

import duckdb
import numpy as np
import pytest

from scslab.errors import StoreError
from scslab.results.sweepdb import RunRow, SweepDB, differences

META = {"kind": "sweep", "scenario": {"params": {"a": 1}, "steps": 5}, "design": {"axes": []}}


def row(run_id: int, status: str = "ok", **values) -> RunRow:
    return RunRow(
        run_id=run_id,
        point=run_id,
        replicate=0,
        baseline=False,
        values=values,
        seed_entropy=3,
        seed_spawn_key=[run_id],
        status=status,
        error=None if status == "ok" else "ValueError: boom",
        wall_time_s=0.1,
        worker="host:1",
        manifest={"seed": {"entropy": 3, "spawn_key": [run_id]}},
    )


def cols(n: int = 3, **metrics):
    out = {"step": np.arange(n)}
    out.update({k: np.asarray(v, dtype=float) for k, v in metrics.items()})
    return out


def test_new_sweep_creates_tables_and_records_runs(tmp_path):
    with SweepDB(tmp_path / "r.duckdb") as db:
        assert db.start(META, {"params.a": "DOUBLE"}) is True
        db.record(row(0, **{"params.a": 0.5}), cols(x=[1, 2, 3]), ["params.a"])
        db.record(row(1, "failed", **{"params.a": 0.7}), None, ["params.a"])
        assert db.finished() == {0: "ok", 1: "failed"}
        names, rows = db.query('SELECT "params.a", step, x FROM results ORDER BY step')
        assert names == ["params.a", "step", "x"]
        assert rows == [(0.5, 0, 1.0), (0.5, 1, 2.0), (0.5, 2, 3.0)]
        _, err = db.query("SELECT error, seed_spawn_key FROM runs WHERE run_id = 1")
        assert err == [("ValueError: boom", [1])]


def test_metrics_are_stored_bit_for_bit(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=50) * 1e-300
    y = np.array([np.nan, np.inf, -0.0, 1 / 3, *rng.random(46)])
    with SweepDB(tmp_path / "r.duckdb") as db:
        db.start(META, {})
        db.record(row(0), cols(50, x=x, y=y))
        out = db.con.execute("SELECT x, y FROM metrics ORDER BY step").fetchnumpy()
    assert out["x"].tobytes() == x.tobytes()
    assert np.array_equal(out["y"], y, equal_nan=True)


def test_a_new_metric_widens_the_table(tmp_path):
    with SweepDB(tmp_path / "r.duckdb") as db:
        db.start(META, {})
        db.record(row(0), cols(x=[1, 2, 3]))
        db.record(row(1), cols(x=[1, 2, 3], z=[4, 5, 6]))
        assert db.metric_columns() == ["x", "z"]
        _, rows = db.query("SELECT run_id, z FROM metrics WHERE step = 0 ORDER BY run_id")
        assert rows == [(0, None), (1, 4.0)]


def test_a_failed_insert_leaves_nothing_behind(tmp_path):
    with SweepDB(tmp_path / "r.duckdb") as db:
        db.start(META, {})
        db.record(row(0), cols(x=[1, 2, 3]))
        with pytest.raises(duckdb.Error):
            db.record(row(0), cols(x=[9, 9, 9]))  # duplicate run id: the transaction rolls back
        _, n = db.query("SELECT count(*), sum(x) FROM metrics")
        assert n == [(3, 6.0)]
        db.record(row(1), cols(x=[1, 1, 1]))
        assert db.finished() == {0: "ok", 1: "ok"}


def test_forget_removes_runs_and_their_metrics(tmp_path):
    with SweepDB(tmp_path / "r.duckdb") as db:
        db.start(META, {})
        db.record(row(0), cols(x=[1, 2, 3]))
        db.record(row(1, "failed"), None)
        assert db.forget([1, 0]) == 2
        assert db.finished() == {}
        assert db.query("SELECT count(*) FROM metrics")[1] == [(0,)]


def test_reopening_with_another_scenario_says_what_differs(tmp_path):
    path = tmp_path / "r.duckdb"
    with SweepDB(path) as db:
        db.start(META, {})
    with SweepDB(path) as db:
        assert db.start(META, {}) is False
        changed = {**META, "scenario": {"params": {"a": 2}, "steps": 5}}
        with pytest.raises(StoreError) as err:
            db.start(changed, {})
    assert "holds a different sweep" in str(err.value)
    assert "scenario: params.a was 1, now 2" in str(err.value)


def test_differences_lists_paths():
    assert differences({"a": 1, "b": {"c": [1, 2]}}, {"a": 1, "b": {"c": [1, 3]}, "d": 0}) == [
        "b.c was [1, 2], now [1, 3]",
        "d was absent, now 0",
    ]


def test_a_database_in_use_gives_a_clear_error(tmp_path):
    path = tmp_path / "r.duckdb"
    with SweepDB(path) as db:
        db.start(META, {})
        code = f"import duckdb, time; c = duckdb.connect({str(path)!r}); print('ok', flush=True); time.sleep(30)"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ok"
        with pytest.raises(StoreError, match="open in another process.*still running"):
            SweepDB(path, read_only=True)
    finally:
        proc.kill()
        proc.wait()


def test_query_errors_are_store_errors(tmp_path):
    with SweepDB(tmp_path / "r.duckdb") as db:
        db.start(META, {})
        with pytest.raises(StoreError, match="query failed"):
            db.query("SELECT nope FROM runs")


def test_read_only_needs_the_file(tmp_path):
    with pytest.raises(StoreError, match="no sweep database"):
        SweepDB(tmp_path / "missing.duckdb", read_only=True)


def test_indices_are_replaced_per_method_and_measure(tmp_path):
    with SweepDB(tmp_path / "r.duckdb") as db:
        db.start(META, {})
        db.replace_indices("sobol", "x@last", [("a", None, "S1", 0.5)])
        db.replace_indices("sobol", "x@last", [("a", None, "S1", 0.6)])
        db.replace_indices("sobol", "x@mean", [("a", None, "S1", 0.1)])
        _, rows = db.query("SELECT measure, value FROM indices ORDER BY measure")
        assert rows == [("x@last", 0.6), ("x@mean", 0.1)]
