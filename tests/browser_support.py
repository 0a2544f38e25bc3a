"""Shared by the browser tests: Debian's chromium, its flags, what counts as local."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from urllib.parse import urlparse

# SCSLAB_CHROMIUM names another browser binary (or a missing one, to see the skip).
CHROMIUM = Path(os.environ.get("SCSLAB_CHROMIUM", "/usr/bin/chromium"))
# Set by .ci/run: a browser test that skips there is a failure.
REQUIRE_BROWSER = os.environ.get("SCSLAB_REQUIRE_BROWSER", "") not in ("", "0")
INSTALL_CHROMIUM = "sudo apt-get install chromium (Debian, Ubuntu; .ci/run does this)"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NO_CHROMIUM = f"needs Chromium at {CHROMIUM}: {INSTALL_CHROMIUM}"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def is_local(url: str) -> bool:
    """Whether a request stays on this machine (data:, blob: of a local page, file:, loopback)."""
    parsed = urlparse(url)
    if parsed.scheme in ("data", "about", "file"):
        return True
    if parsed.scheme == "blob":
        return is_local(url[len("blob:") :])
    return parsed.hostname in LOCAL_HOSTS


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
