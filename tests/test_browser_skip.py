"""Without Chromium the browser tests skip, and the end of the run says so plainly;
under .ci/run (SCSLAB_REQUIRE_BROWSER=1) such a skip fails the run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).parent


def run_browser_tests(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SCSLAB_")}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(TESTS / "report" / "test_report_browser.py"),
            "-q",
            "-p",
            "no:randomly",
            "-p",
            "no:cacheprovider",
        ],  # fmt: skip
        capture_output=True,
        text=True,
        env={**clean, "SCSLAB_CHROMIUM": str(tmp_path / "no-chromium"), **env},
        cwd=TESTS.parent,
        timeout=300,
    )


def test_without_chromium_the_end_of_the_run_says_the_browser_tests_did_not_run(tmp_path):
    proc = run_browser_tests(tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    tail = proc.stdout.strip().splitlines()[-4:]
    assert tail[0].startswith("THE BROWSER TESTS DID NOT RUN: 2 tests")
    assert "apt-get install chromium" in tail[1]
    assert tail[-1].startswith("2 skipped")


def test_under_ci_a_skipped_browser_test_fails_the_run(tmp_path):
    proc = run_browser_tests(tmp_path, SCSLAB_REQUIRE_BROWSER="1")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "a browser test skipped, and SCSLAB_REQUIRE_BROWSER is set" in proc.stdout
    assert "2 errors" in proc.stdout.splitlines()[-1]
    assert "DID NOT RUN" not in proc.stdout  # the failure says it instead
