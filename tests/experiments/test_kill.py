"""A real ``scslab sweep`` process killed with SIGKILL loses no finished run.

The sweep is killed once after some runs were committed and again at
arbitrary moments (while starting, while creating the database, mid-run);
after each kill the database opens; the final rerun does only the missing
runs, and the database equals that of an unbroken sweep.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time

import pytest
import yaml
from sweep_helpers import HERE, snapshot

from scslab.experiments import Plan, make_design, run_sweep
from scslab.results.sweepdb import SweepDB
from scslab.scenario import load_scenario

pytestmark = pytest.mark.slow

SCENARIO = {"name": "walk", "model": "toy", "steps": 60, "seed": 5, "params": {"n": 200_000}}
VARY = ["params.drift=0,0.1,0.2"]
REPLICATES = 8
TOTAL = 24


def command(scenario_file, out) -> list[str]:
    cmd = [sys.executable, str(HERE / "toy_cli.py"), "sweep", str(scenario_file)]
    for v in VARY:
        cmd += ["--vary", v]
    return [
        *cmd,
        *f"--replicates {REPLICATES} --workers 2 --verbose --quiet --out".split(),
        str(out),
    ]


def start(cmd) -> tuple[subprocess.Popen[str], queue.Queue[str]]:
    proc = subprocess.Popen(
        cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, start_new_session=True
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return proc, lines


def kill(proc: subprocess.Popen[str]) -> None:
    """SIGKILL the sweep process itself, then its orphaned workers."""
    try:
        os.kill(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def check_consistent(out) -> int:
    """The database opens; every recorded ok run has all its metric rows. Returns runs done."""
    db_file = out / "results.duckdb"
    if not db_file.exists():
        return 0
    with SweepDB(db_file, read_only=True) as db:
        tables = db.tables()
        if "runs" not in tables:
            return 0
        _, n = db.query("SELECT count(*) FROM runs")
        if "metrics" in tables:
            _, bad = db.query(
                "SELECT r.run_id, count(m.step) FROM runs r LEFT JOIN metrics m USING (run_id) "
                "WHERE r.status = 'ok' GROUP BY r.run_id HAVING count(m.step) <> ?",
                [SCENARIO["steps"] + 1],
            )
            assert bad == []
    return int(n[0][0])


def test_sigkill_at_any_moment_loses_no_finished_run(tmp_path):
    scenario_file = tmp_path / "walk.yaml"
    scenario_file.write_text(yaml.safe_dump(SCENARIO), encoding="utf-8")
    out = tmp_path / "sweep"
    cmd = command(scenario_file, out)

    # 1. kill once at least 4 runs are committed (a line is printed after each commit)
    proc, lines = start(cmd)
    committed = 0
    deadline = time.monotonic() + 60
    try:
        while committed < 4:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            m = re.search(r"\[(\d+)/24", line)
            if m:
                committed = int(m.group(1))
    finally:
        kill(proc)
    done = check_consistent(out)
    assert 4 <= done < TOTAL

    # 2. kill at arbitrary moments: while starting, while opening, mid-run
    for delay in (0.05, 0.8, 1.4, 1.9):
        proc, _ = start(cmd)
        time.sleep(delay)
        kill(proc)
        now = check_consistent(out)
        print("after kill at", delay, "runs done:", now)
        assert now >= done
        done = now

    # 3. the same command finishes the sweep, doing only the missing runs
    before = check_consistent(out)
    proc, lines = start(cmd)
    assert proc.wait(timeout=120) == 0
    text = "".join(lines.queue)
    assert f"{TOTAL} runs, {before} done before" in text
    assert len(re.findall(r"^run \d+ ok", text, flags=re.M)) == TOTAL - before

    # 4. equal to an unbroken sweep (run here, in this process)
    base = load_scenario(SCENARIO)
    whole = run_sweep(
        Plan(base, make_design(VARY, base), replicates=REPLICATES), tmp_path / "whole", workers=1
    )
    broken, unbroken = snapshot(out / "results.duckdb"), snapshot(whole.db)
    assert broken["runs"] == unbroken["runs"]
    assert broken["metrics"] == unbroken["metrics"]
    assert {k: v for k, v in broken["meta"].items()} == unbroken["meta"]
