"""Playwright drives Debian's chromium for the report-in-a-browser test."""

from __future__ import annotations

import pytest

from browser_support import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}
