"""A real `scslab run` process killed with SIGKILL resumes to bit-identical metrics."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import polars as pl
import pytest

SCENARIO = """\
name: kill-me
model: epstein
steps: 400
seed: 11
params:
  width: 250
  height: 250
  arrest_formula: floor
"""


def scslab(*args: str) -> list[str]:
    return [sys.executable, "-m", "scslab.cli", *args]


@pytest.mark.slow
def test_sigkill_then_resume_equals_unbroken_run(tmp_path):
    scn = tmp_path / "s.yaml"
    scn.write_text(SCENARIO)
    part = tmp_path / "part"
    proc = subprocess.Popen(
        scslab("run", str(scn), "--out", str(part), "--checkpoint-every", "25", "--quiet"),
        start_new_session=True,
    )
    meta = part / "checkpoint" / "checkpoint.json"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if meta.exists() and json.loads(meta.read_text())["step"] >= 50:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the run ended before it could be killed; make it longer"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_at = json.loads(meta.read_text())["step"]
    assert 50 <= killed_at < 400
    assert not (part / "metrics.parquet").exists() and not (part / "run.json").exists()

    done = subprocess.run(
        scslab("run", "--resume", str(part), "--quiet"), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    full = tmp_path / "full"
    done = subprocess.run(
        scslab("run", str(scn), "--out", str(full), "--quiet"), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr

    a = pl.read_parquet(full / "metrics.parquet")
    b = pl.read_parquet(part / "metrics.parquet")
    assert a.height == 401
    assert a.equals(b), "resumed metrics differ from the unbroken run"
    manifest = json.loads((part / "run.json").read_text())
    assert manifest["resumed_from_step"] == killed_at
    assert manifest["scenario_hash"] == json.loads((full / "run.json").read_text())["scenario_hash"]
