from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from browser_support import CHROMIUM, INSTALL_CHROMIUM, REQUIRE_BROWSER  # noqa: E402
from scslab.scenario.registry import MODELS, ModelEntry  # noqa: E402

MODELS.setdefault(
    "toy",
    ModelEntry(
        "toy",
        "toy:ToyModel",
        "toy:ToyParams",
        "random walkers (tests only)",
        baseline="toy:counterfactual",
    ),
)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


@pytest.fixture
def toy_scenario() -> dict:
    return {"name": "toy", "model": "toy", "steps": 20, "seed": 3, "params": {"n": 50}}


# ---------------------------------------------------------------- browser tests that skip
# Without Chromium the browser tests skip; that is said plainly at the end of the
# run (a skip line in the summary is easy to miss). Under .ci/run
# (SCSLAB_REQUIRE_BROWSER=1) a skipped browser test is a failure.
_BROWSER_SKIPPED: list[str] = []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and item.get_closest_marker("browser") is not None:
        if report.when == "setup" or call.when == "call":
            _BROWSER_SKIPPED.append(item.nodeid)
            if REQUIRE_BROWSER:
                report.outcome = "failed"
                report.longrepr = (
                    f"{item.nodeid}: a browser test skipped, and SCSLAB_REQUIRE_BROWSER is set "
                    f"(.ci/run sets it: the browser tests must run there). "
                    f"Chromium expected at {CHROMIUM}; install it with {INSTALL_CHROMIUM}"
                )


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter, exitstatus, config):
    yield  # after pytest's own summary: the last lines before the counts
    if not _BROWSER_SKIPPED or REQUIRE_BROWSER:
        return
    tr = terminalreporter
    tr.section("browser tests did not run", sep="=", yellow=True, bold=True)
    tr.line(
        f"THE BROWSER TESTS DID NOT RUN: {len(_BROWSER_SKIPPED)} tests that open the report "
        "and the dashboard in a real browser were skipped, because there is no Chromium "
        f"at {CHROMIUM}.",
        yellow=True,
        bold=True,
    )
    tr.line(f"To run them, install Chromium: {INSTALL_CHROMIUM}; then run make test again.")
    tr.line("(Playwright drives that system browser; no browser is downloaded.)")
