from __future__ import annotations

import math

from scslab.report.words import compare, fmt, fmt_diff, is_share, join, label, number, trend


def test_shares_are_percentages_and_counts_are_numbers():
    assert is_share("sanctioned_share") and is_share("state_precision")
    assert is_share("dissent_public") and is_share("falsification_gap")
    assert not is_share("active") and not is_share("restriction_person_days")
    assert fmt("sanctioned_share", 0.123) == "12.3%"
    assert fmt("sanctioned_share", 0.0012) == "0.12%"
    assert fmt("active", 12.0) == "12"
    assert fmt("welfare", 0.98765) == "0.988"
    assert fmt("active", math.nan) == "n/a"
    assert number(1234567.0) == "1,234,567"


def test_differences_and_comparisons():
    assert fmt_diff("sanctioned_share", 0.05) == "+5.0 points"
    assert fmt_diff("active", -3.0) == "-3"
    assert (
        compare("dissent_public", 0.1, 0.2)
        == "10.0% with the system and 20.0% without (-10.0 points)"
    )
    assert compare("active", 4.0, None) == "4"


def test_trend_and_join_and_labels():
    assert trend([1, 2, 3]) == "rises"
    assert trend([3, 2, 1]) == "falls"
    assert trend([1, 1.01, 1]) == "stays about level"
    assert trend([0, 5, 0.5]) == "rises, then falls"
    assert join(["a", "b", "c"]) == "a, b and c"
    assert label("unknown_metric") == "unknown metric"
