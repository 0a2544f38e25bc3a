"""Sweeps on Dask give the same database as local processes.

Two clusters: an in-process `LocalCluster`, and a real ``dask scheduler`` with
``dask worker`` processes on 127.0.0.1 started (and stopped) by the test.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sweep_helpers import HERE, TESTS, free_port, snapshot

from scslab.experiments import Plan, make_design, run_sweep
from scslab.experiments.executors import DASK_CONFIG_FILE

pytest.importorskip("distributed")

pytestmark = pytest.mark.slow


def plan_of(base) -> Plan:
    return Plan(base, make_design(["params.drift=0,0.2,0.4"], base), replicates=3)


@pytest.fixture(scope="module")
def local_result(tmp_path_factory, toy_base):
    out = tmp_path_factory.mktemp("local")
    return snapshot(run_sweep(plan_of(toy_base), out, workers=1).db)


def test_local_cluster_gives_the_same_database(toy_base, tmp_path, local_result):
    s = run_sweep(plan_of(toy_base), tmp_path / "d", scheduler="local", workers=2)
    assert s.ok == 9 and "local Dask cluster of 2 processes" in s.where
    assert s.warnings == []  # MALLOC_TRIM_THRESHOLD_ is not set on the workers
    assert snapshot(s.db) == local_result


def _start(cmd: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        cmd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


@pytest.fixture
def loopback_cluster():
    """``dask scheduler`` and ``dask worker`` (2 processes, 1 thread each) on 127.0.0.1."""
    from distributed import Client

    dask = str(Path(sys.executable).parent / "dask")
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(TESTS), str(HERE)]),
        "DASK_CONFIG": str(DASK_CONFIG_FILE),
    }
    scheduler = f"scheduler --host 127.0.0.1 --port {port} --no-dashboard"
    worker = f"worker {address} --host 127.0.0.1 --nworkers 2 --nthreads 1 --no-dashboard"
    procs = [_start([dask, *scheduler.split()], env)]
    try:
        procs.append(_start([dask, *worker.split()], env))
        deadline = time.monotonic() + 60
        while True:
            try:
                with Client(address, timeout="2s") as client:
                    client.wait_for_workers(2, timeout=60)
                    break
            except (OSError, TimeoutError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        yield address
    finally:
        for p in reversed(procs):
            _stop(p)


def test_real_scheduler_and_workers_give_the_same_database(
    toy_base, tmp_path, local_result, loopback_cluster
):
    from distributed import Client

    s = run_sweep(plan_of(toy_base), tmp_path / "d", scheduler=loopback_cluster)
    assert s.ok == 9 and s.where.startswith(f"Dask at {loopback_cluster} (2 threads)")
    assert s.warnings == []
    assert snapshot(s.db) == local_result
    with Client(loopback_cluster) as client:
        env = client.run(os.environ.get, "MALLOC_TRIM_THRESHOLD_")
    assert len(env) == 2 and set(env.values()) == {None}
    # a rerun against the cluster finds nothing to do
    assert run_sweep(plan_of(toy_base), tmp_path / "d", scheduler=loopback_cluster).ran == 0


def test_dask_would_set_the_slow_malloc_setting_by_default():
    """The control: without scslab's setting, Dask's nanny sets MALLOC_TRIM_THRESHOLD_."""
    import dask
    import yaml

    assert dask.config.get("distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_") == 65536
    shipped = yaml.safe_load(DASK_CONFIG_FILE.read_text(encoding="utf-8"))
    assert shipped["distributed"]["nanny"]["pre-spawn-environ"] == {"MALLOC_TRIM_THRESHOLD_": None}
