"""Shared by the browser tests: Debian's chromium, its flags, what counts as local."""

from __future__ import annotations

import socket
from pathlib import Path
from urllib.parse import urlparse

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NO_CHROMIUM = "needs /usr/bin/chromium (.ci/run installs it: apt-get install chromium)"
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
