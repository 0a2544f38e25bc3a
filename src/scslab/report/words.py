"""Names and numbers in words: labels of measures, formatting, trends.

Labels and whether a measure is a share come from the model's declarations
(`scslab.engine.describe`), through `Words`. Pure Python (no matplotlib), so the
text of a report can be tested alone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scslab.engine.describe import UNDESCRIBED, Description


@dataclass(frozen=True)
class Words:
    """A model's measures in words: labels and shares from its declaration.

    Every label and every share-or-not comes from the model's `Description`
    (``scslab.scenario.registry.description``); an undeclared column is shown by
    its name, as a number.

    Examples
    --------
    >>> w = Words.of("kuran")
    >>> w.label("public_opposition"), w.fmt("public_opposition", 0.25)
    ('public opposition', '25.0%')
    """

    desc: Description

    @classmethod
    def of(cls, model: str) -> Words:
        """The words of model `model`; a model scslab does not know declares nothing."""
        from scslab.errors import ScenarioError
        from scslab.scenario.registry import description

        try:
            return cls(description(model))
        except ScenarioError:
            return cls(UNDESCRIBED)

    def label(self, name: str) -> str:
        """The declared label of measure `name` (its name with spaces if undeclared)."""
        return self.desc.label(name)

    def short_label(self, name: str) -> str:
        """The label without its parenthesised explanation (for axes)."""
        return self.label(name).split(" (")[0]

    def is_share(self, name: str) -> bool:
        """Whether measure `name` is declared a share (shown as a percentage)."""
        return bool(self.desc.is_share(name))

    def fmt(self, name: str, value: float | None) -> str:
        """`value` of measure `name` in words: 12.3% for a share, else a number."""
        return fmt(value, share=self.is_share(name))

    def fmt_diff(self, name: str, delta: float | None) -> str:
        """A difference of measure `name`: percentage points for a share."""
        return fmt_diff(delta, share=self.is_share(name))

    def compare(self, name: str, with_system: float, without: float | None) -> str:
        """'12.3% with the system and 0.0% without (+12.3 points)'."""
        return compare(with_system, without, share=self.is_share(name))


def number(value: float) -> str:
    """A number in a sentence: whole numbers plainly, others to 3 significant digits."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if math.isinf(value):
        return "infinite" if value > 0 else "minus infinity"
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def fmt(value: float | None, *, share: bool) -> str:
    """`value` in words: 12.3% for a share, else a number."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if share:
        pct = 100.0 * value
        if pct != 0 and abs(pct) < 1:
            return f"{pct:.2g}%"
        return f"{pct:.1f}%"
    return number(value)


def fmt_diff(delta: float | None, *, share: bool) -> str:
    """A difference in words: percentage points for a share, else a signed number."""
    if delta is None or (isinstance(delta, float) and math.isnan(delta)):
        return "n/a"
    if share:
        pts = 100.0 * delta
        unit = "point" if abs(pts) == 1 else "points"
        if pts != 0 and abs(pts) < 1:
            return f"{pts:+.2g} {unit}"
        return f"{pts:+.1f} {unit}"
    return ("+" if delta > 0 else "") + number(delta)


def trend(values: Sequence[float], rel_tol: float = 0.05) -> str:
    """'rises', 'falls', 'stays about level' or 'rises, then falls' for a series."""
    xs = [v for v in values if v is not None and not math.isnan(v)]
    if len(xs) < 2:
        return "stays about level"
    first, last = xs[0], xs[-1]
    lo, hi = min(xs), max(xs)
    span = hi - lo
    scale = max(abs(first), abs(last), abs(hi), abs(lo), 1e-12)
    if span <= rel_tol * scale:
        return "stays about level"
    peak = xs.index(hi)
    trough = xs.index(lo)
    if 0 < peak < len(xs) - 1 and hi - max(first, last) > 0.5 * span:
        return "rises, then falls"
    if 0 < trough < len(xs) - 1 and min(first, last) - lo > 0.5 * span:
        return "falls, then rises"
    return "rises" if last > first else "falls"


def compare(with_system: float, without: float | None, *, share: bool) -> str:
    """'12.3% with the system and 0.0% without (+12.3 points)'."""
    if without is None:
        return fmt(with_system, share=share)
    return (
        f"{fmt(with_system, share=share)} with the system and {fmt(without, share=share)} "
        f"without ({fmt_diff(with_system - without, share=share)})"
    )


def join(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = [i for i in items if i]
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def sentence(text: str) -> str:
    """Capitalise the first letter and end with a full stop."""
    text = text.strip()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def first_sentences(text: str, n: int) -> str:
    """The first `n` sentences of `text` (split at '. ')."""
    parts = text.split(". ")
    out = ". ".join(parts[:n]).strip()
    return out if out.endswith(".") or not out else out + "."
