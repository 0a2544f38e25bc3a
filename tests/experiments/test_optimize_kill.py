"""A real ``scslab optimize`` process killed with SIGKILL mid-search loses no evaluation.

The rerun of the same command does only the missing runs, and the stored
candidates, their objectives and the chosen policy equal an unbroken search's.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time

import pytest

from scslab.experiments.optimize import make_plan, optimize
from scslab.results.sweepdb import SweepDB
from scslab.scenario import load_scenario

pytest.importorskip("optuna")
pytestmark = pytest.mark.slow

SETS = ["params.n=3000"]
STEPS = 40
LEVERS = ["params.initial.tolerance=0:1", "params.initial.severity=0.01:2"]
OBJECTIVE = "political_cost@mean + punishment_cost@mean"
BUDGET, REPLICATES = 16, 3


def command(out) -> list[str]:
    cmd = [sys.executable, "-m", "scslab", "optimize", "dissent-uniform-b2"]
    for s in SETS:
        cmd += ["--set", s]
    for lever in LEVERS:
        cmd += ["--lever", lever]
    return [
        *cmd,
        *f"--steps {STEPS} --budget {BUDGET} --replicates {REPLICATES} --workers 2".split(),
        *["--objective", OBJECTIVE, "--verbose", "--quiet", "--out", str(out)],
    ]


def stored(out):
    with SweepDB(out / "results.duckdb", read_only=True) as db:
        _, runs = db.query("SELECT count(*) FROM runs")
        return db.trials(), runs[0][0]


def test_sigkill_mid_search_then_rerun_equals_an_unbroken_search(tmp_path):
    out = tmp_path / "killed"
    proc = subprocess.Popen(
        command(out),
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    seen = 0
    deadline = time.monotonic() + 120
    while seen < 6 and time.monotonic() < deadline:  # a batch and a half told
        try:
            if lines.get(timeout=1).startswith("trial "):
                seen += 1
        except queue.Empty:
            assert proc.poll() is None, "the search ended before it could be killed"
    assert seen == 6
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()

    trials, runs = stored(out)
    assert 6 <= len(trials) < BUDGET
    assert runs >= 6 * REPLICATES
    assert [t["trial"] for t in trials] == list(range(len(trials)))

    rerun = subprocess.run(command(out), capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    trials_after, runs_after = stored(out)
    assert runs_after == BUDGET * REPLICATES + REPLICATES  # + the start's runs
    assert trials_after[: len(trials)] == trials  # nothing stored was lost or changed

    base = load_scenario("dissent-uniform-b2", [*SETS, f"steps={STEPS}"])
    plan = make_plan(base, LEVERS, OBJECTIVE, budget=BUDGET, replicates=REPLICATES)
    whole = optimize(plan, tmp_path / "whole", workers=1)
    assert trials_after == stored(tmp_path / "whole")[0]
    assert (out / "best.yaml").read_text() == (tmp_path / "whole" / "best.yaml").read_text()
    assert whole.best is not None
