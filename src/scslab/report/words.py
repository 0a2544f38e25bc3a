"""Names and numbers in words: labels of measures, formatting, trends.

Pure Python (no matplotlib), so the text of a report can be tested alone.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

#: Readable labels of the measures the models report; any other measure is
#: shown by its name with spaces for underscores.
LABELS: dict[str, str] = {
    # epstein
    "active": "active citizens",
    "quiet": "quiet citizens",
    "jailed": "jailed citizens",
    "cops": "cops",
    "legitimacy": "legitimacy",
    "mean_grievance": "mean grievance",
    # axelrod
    "mean_boldness": "mean boldness",
    "mean_vengefulness": "mean vengefulness",
    "established": "populations where the norm is established",
    "collapsed": "populations where the norm collapsed",
    # granovetter
    "rioters": "rioters",
    "rioter_share": "share rioting",
    "equilibrium": "equilibrium reached",
    # kuran
    "public_opposition": "public opposition",
    "private_opposition": "private opposition",
    # regime
    "sanctioned_share": "people sanctioned",
    "sanctioned_innocent_share": "sanctioned people who did nothing unlawful",
    "dissent_private": "private dissent",
    "dissent_public": "public dissent",
    "falsification_gap": "falsification gap (private minus public dissent)",
    "disfavoured_rate": "lawful but disfavoured acts",
    "restriction_person_days": "restriction person-days",
    "family_sanctioned": "people sanctioned through family ties",
    "amplification": "restrictions per recorded unlawful act",
    "state_precision": "state's precision (true records / records)",
    "state_recall": "state's recall (recorded acts / acts)",
    "disparate_impact": "disparate impact (highest / lowest group sanctioned share)",
    "preempted": "people restricted pre-emptively",
    "preempted_innocent_share": "pre-emptively restricted people who did nothing unlawful",
    "diaspora_dissent_public": "public dissent abroad",
    "firm_compliance": "firm compliance",
    "welfare": "welfare (income minus restriction costs plus benefits)",
    "cross_context_share": "restriction person-days outside the act's own domain",
    "disproportion": "cost per listing / gravity of the act",
    "listed_share_adults": "adults on a blacklist",
    "ever_listed_share_adults": "adults ever blacklisted",
    "new_listings_per_adult": "new listings per adult",
    "blocked_per_listed_year": "blocked attempts per listed person-year",
    "redlisted_share": "people on a redlist",
    "acts_dissent": "public dissent acts",
}

#: Measures known not to be shares (counts, ratios, money).
NOT_SHARES = {
    "active",
    "quiet",
    "jailed",
    "cops",
    "rioters",
    "restriction_person_days",
    "amplification",
    "disparate_impact",
    "welfare",
    "disproportion",
    "legitimacy",
    "mean_grievance",
    "mean_boldness",
    "mean_vengefulness",
    "equilibrium",
    "blocked_per_listed_year",
}

_SHARE_PATTERN = re.compile(
    r"(share|_rate$|precision|recall|gap|dissent|compliance|^established$|^collapsed$|"
    r"^preempted$|^family_sanctioned$|opposition|^restricted_|^grade_|^firm_rating_|per_adult$)"
)


def label(name: str) -> str:
    """A readable label for measure `name`."""
    if name in LABELS:
        return LABELS[name]
    return name.replace("_", " ")


def short_label(name: str) -> str:
    """A label without its parenthesised explanation (for axes)."""
    return label(name).split(" (")[0]


def is_share(name: str) -> bool:
    """Whether measure `name` is a share (shown as a percentage)."""
    if name in NOT_SHARES:
        return False
    return bool(_SHARE_PATTERN.search(name))


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


def fmt(name: str, value: float) -> str:
    """`value` of measure `name` in words: 12.3% for a share, else a number."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if is_share(name):
        pct = 100.0 * value
        if pct != 0 and abs(pct) < 1:
            return f"{pct:.2g}%"
        return f"{pct:.1f}%"
    return number(value)


def fmt_diff(name: str, delta: float) -> str:
    """A difference of measure `name`: percentage points for a share."""
    if delta is None or (isinstance(delta, float) and math.isnan(delta)):
        return "n/a"
    if is_share(name):
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


def compare(name: str, with_system: float, without: float | None) -> str:
    """'12.3% with the system and 0.0% without (+12.3 points)'."""
    if without is None:
        return fmt(name, with_system)
    return (
        f"{fmt(name, with_system)} with the system and {fmt(name, without)} without "
        f"({fmt_diff(name, with_system - without)})"
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
