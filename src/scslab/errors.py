"""One hierarchy of errors: every mistake a user can make is a `ScslabError`.

The CLI prints the message of a `ScslabError` and exits with status 2; anything
else is a bug and keeps its traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class ScslabError(Exception):
    """Base of every error that scslab raises on purpose."""


class ScenarioError(ScslabError, ValueError):
    """A scenario, preset name or override that cannot be used."""


class RunError(ScslabError, RuntimeError):
    """A run that cannot start or continue (memory, checkpoint, output folder)."""


class StoreError(ScslabError, OSError):
    """Results that cannot be written or read."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ``"; did you mean 'x'?"`` for the closest choice, or ``""``."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""
