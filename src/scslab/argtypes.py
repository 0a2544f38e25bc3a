"""Argument types shared by the CLI's commands."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def int_at_least(flag: str, low: int) -> Callable[[str], int]:
    """An argparse type: a whole number >= `low`, with a message that says so."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if value < low:
            raise argparse.ArgumentTypeError(f"must be a whole number >= {low}; got {text!r}")
        return value

    parse.__name__ = flag
    return parse
