"""Browser fixtures: Playwright drives Debian's chromium (no browser download)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from browser_support import CHROMIUM, CHROMIUM_ARGS, free_port


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


SMALL = """name: epstein-small
model: epstein
description: a small Epstein society for the browser tests
steps: 400
seed: 3
params:
  width: 24
  height: 24
  legitimacy: 0.75
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`scslab serve` in its own process group, on a free loopback port."""
    folder = tmp_path_factory.mktemp("serve")
    scenario = folder / "small.yaml"
    scenario.write_text(SMALL)
    port = free_port()
    log = open(folder / "server.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "scslab", "serve", "--port", str(port), "--scenario", str(scenario)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            log.close()
            raise RuntimeError(
                f"scslab serve did not start:\n{(folder / 'server.log').read_text()}"
            )
        time.sleep(0.3)
    proc.url = url  # type: ignore[attr-defined]
    proc.log_path = folder / "server.log"  # type: ignore[attr-defined]
    yield proc
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
    log.close()
