from __future__ import annotations

import math

from scslab.engine.describe import Description, Measure
from scslab.report.words import Words, compare, fmt, fmt_diff, join, number, trend

#: A declaration made up for these tests: a share, a count and a family.
DESC = Description(
    measures=(
        Measure("caught", "people caught (by the police)", "share of people", "…", share=True),
        Measure("arrests", "arrests", "people", "…"),
        Measure("acts_{kind}", "{kind} acts", "acts per person", "…", share=True),
    )
)
W = Words(DESC)


def test_shares_are_percentages_and_counts_are_numbers():
    assert fmt(0.123, share=True) == "12.3%"
    assert fmt(0.0012, share=True) == "0.12%"
    assert fmt(12.0, share=False) == "12"
    assert fmt(0.98765, share=False) == "0.988"
    assert fmt(math.nan, share=True) == "n/a"
    assert number(1234567.0) == "1,234,567"


def test_differences_and_comparisons():
    assert fmt_diff(0.05, share=True) == "+5.0 points"
    assert fmt_diff(-3.0, share=False) == "-3"
    assert compare(0.1, 0.2, share=True) == "10.0% with the system and 20.0% without (-10.0 points)"
    assert compare(4.0, None, share=False) == "4"


def test_words_read_labels_and_shares_from_the_declaration():
    assert W.label("caught") == "people caught (by the police)"
    assert W.short_label("caught") == "people caught"
    assert W.fmt("caught", 0.5) == "50.0%"
    assert W.fmt("arrests", 0.5) == "0.5"
    assert W.fmt_diff("caught", 0.01) == "+1.0 point"
    assert W.label("acts_petition") == "petition acts" and W.is_share("acts_petition")
    # an undeclared column: its name, as a number
    assert W.label("unknown_metric") == "unknown metric"
    assert not W.is_share("unknown_share")
    assert W.fmt("unknown_share", 0.5) == "0.5"


def test_words_of_a_model_come_from_its_kernel():
    w = Words.of("kuran")
    assert w.is_share("public_opposition") and w.label("public_opposition") == "public opposition"
    assert not Words.of("epstein").is_share("active")
    assert Words.of("no-such-model").label("x_y") == "x y"


def test_trend_and_join():
    assert trend([1, 2, 3]) == "rises"
    assert trend([3, 2, 1]) == "falls"
    assert trend([1, 1.01, 1]) == "stays about level"
    assert trend([0, 5, 0.5]) == "rises, then falls"
    assert join(["a", "b", "c"]) == "a, b and c"
