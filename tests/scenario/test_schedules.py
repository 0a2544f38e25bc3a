"""Calendars and schedules: loading, validation errors, interpolation, provenance."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scslab.errors import ScenarioError
from scslab.scenario import load_scenario, scenario_class
from scslab.scenario.schedules import Calendar, Schedule

RATE = "params.sanctions.lists[0].fulfilment_rate"

FILE = """\
name: growing
model: regime
steps: 800
calendar:
  start: 2013-10-01
  days_per_step: 1
params:
  population: {size: 500}
  sanctions:
    enabled: true
    memoranda: []
    lists:
      - name: court_blacklist
        entry_acts: [debt_default, fraud]
        fulfilment_rate:
          at: [2013-10-01, 2015-01-01]
          values: [0.001, 0.002]
          interpolate: linear
"""


def load_text(tmp_path, text, overrides=()):
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return load_scenario(path, overrides)


def error_of(tmp_path, text, overrides=()):
    with pytest.raises(ScenarioError) as info:
        load_text(tmp_path, text, overrides)
    return str(info.value)


# ---------------------------------------------------------------- calendar
def test_calendar_dates():
    cal = Calendar(start=date(2013, 10, 1), days_per_step=7)
    assert cal.date_of(0) == date(2013, 10, 1)
    assert cal.date_of(2) == date(2013, 10, 15)
    assert cal.step_of(date(2013, 10, 11)) == pytest.approx(10 / 7)


def test_a_scenario_without_calendar_keeps_its_plain_form():
    scn = load_scenario("epstein")
    assert scn.calendar is None
    assert "calendar" not in scn.to_dict()
    assert scn.schedules == {}
    assert scn.params_at(50) is scn.params


def test_calendar_is_read_from_a_file_and_kept_in_the_dict(tmp_path):
    scn = load_text(tmp_path, FILE)
    assert scn.calendar == Calendar(start=date(2013, 10, 1), days_per_step=1)
    assert scn.to_dict()["calendar"] == {"start": "2013-10-01", "days_per_step": 1}
    assert scn.date_of(92) == date(2014, 1, 1)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("  days_per_step: 0", "calendar.days_per_step must be in [1, 3660]; got 0 ("),
        ("  start: yesterday", "calendar.start must be a date (YYYY-MM-DD); got 'yesterday' ("),
        ("  days_per_stpe: 2", "unknown key 'days_per_stpe' in calendar; did you mean"),
    ],
)
def test_calendar_errors_name_field_allowed_got_and_line(tmp_path, line, expected):
    text = (
        FILE.replace("  days_per_step: 1", line)
        if "start" not in line
        else FILE.replace("  start: 2013-10-01", line)
    )
    msg = error_of(tmp_path, text)
    assert expected in msg
    assert "s.yaml:" in msg


def test_an_impossible_date_in_a_file_is_a_scenario_error(tmp_path):
    msg = error_of(tmp_path, FILE.replace("2013-10-01\n  days", "2013-13-01\n  days"))
    assert "impossible date" in msg and "s.yaml" in msg


def test_a_calendar_that_runs_past_year_9999_is_refused():
    with pytest.raises(ScenarioError, match="end after 9999-12-31"):
        load_scenario("epstein", ["calendar.start=9999-12-01", "steps=100"])


# ---------------------------------------------------------------- schedules: loading
def test_schedule_from_a_file_starts_at_its_value_at_step_0(tmp_path):
    scn = load_text(tmp_path, FILE)
    assert scn.params.sanctions.lists[0].fulfilment_rate == pytest.approx(0.001)
    assert scn.schedules == {
        RATE: {"at": ["2013-10-01", "2015-01-01"], "values": [0.001, 0.002],
               "interpolate": "linear"}
    }  # fmt: skip


def test_schedules_round_trip_through_the_dict_with_the_same_digest(tmp_path):
    scn = load_text(tmp_path, FILE)
    data = scn.to_dict()
    assert data["params"]["sanctions"]["lists"][0]["fulfilment_rate"]["values"] == [0.001, 0.002]
    again = scenario_class("regime").model_validate(data)
    assert again.schedules == scn.schedules
    assert again.digest() == scn.digest()
    assert load_scenario(data).digest() == scn.digest()
    plain = load_scenario(data, [f"{RATE}=0.001"])
    assert plain.digest() != scn.digest()


def test_schedule_by_set_in_flow_yaml():
    scn = load_scenario(
        "epstein", ["params.active_threshold={at: [0, 10], values: [0.1, 0.3], interpolate: step}"]
    )
    assert scn.schedules["params.active_threshold"]["values"] == [0.1, 0.3]


def test_set_one_point_of_a_schedule(tmp_path):
    scn = load_text(tmp_path, FILE, [f"{RATE}.values[1]=0.004", f"{RATE}.interpolate=step"])
    assert scn.schedules[RATE]["values"] == [0.001, 0.004]
    assert scn.schedules[RATE]["interpolate"] == "step"


def test_setting_a_point_of_a_plain_number_says_how_to_give_a_schedule():
    with pytest.raises(ScenarioError) as info:
        load_scenario("court-blacklist", [f"{RATE}.values[1]=0.004"])
    msg = str(info.value)
    held = load_scenario("court-blacklist").params.sanctions.lists[0].fulfilment_rate
    assert f"is {held!r} in this scenario, not a schedule" in msg
    assert "{at: [0, 100], values: [0.1, 0.2]}" in msg


def test_set_with_star_gives_every_entry_its_own_schedule():
    scn = load_scenario(
        "full-regime",
        [
            "params.sanctions.lists[*].appeal_rate={at: [0, 5], values: [0.001, 0.01]}",
            "params.sanctions.lists[1].appeal_rate.values[1]=0.02",
        ],
    )
    s = scn.schedules
    assert s["params.sanctions.lists[0].appeal_rate"]["values"] == [0.001, 0.01]
    assert s["params.sanctions.lists[1].appeal_rate"]["values"] == [0.001, 0.02]


# ---------------------------------------------------------------- interpolation
@pytest.mark.parametrize(
    ("interpolate", "expected"),
    [
        ("step", {0: 0.1, 9: 0.1, 10: 0.3, 15: 0.3, 19: 0.3, 20: 0.2, 99: 0.2}),
        ("linear", {0: 0.1, 5: 0.1, 10: 0.3, 15: 0.25, 19: 0.21, 20: 0.2, 99: 0.2}),
    ],
)
def test_interpolation_known_answers(interpolate, expected):
    sched = f"{{at: [5, 10, 20], values: [0.1, 0.3, 0.2], interpolate: {interpolate}}}"
    scn = load_scenario("epstein", [f"params.active_threshold={sched}"])
    if interpolate == "linear":
        expected[7] = 0.1 + 0.2 * 2 / 5
    for step, value in expected.items():
        assert scn.params_at(step).active_threshold == pytest.approx(value), step
    assert scn.params.active_threshold == pytest.approx(0.1)


def test_dates_become_steps_by_the_calendar():
    scn = load_scenario(
        "epstein",
        [
            "calendar={start: 2020-01-01, days_per_step: 7}",
            "params.active_threshold={at: [2020-01-01, 2020-01-15, 2020-01-18], "
            "values: [0.1, 0.2, 0.5]}",
        ],
    )
    # 2020-01-15 is step 2, 2020-01-18 step 17/7 = 2.43: in force from step 3
    got = [scn.params_at(s).active_threshold for s in range(5)]
    assert got == pytest.approx([0.1, 0.1, 0.2, 0.5, 0.5])


def test_a_date_before_the_start_is_in_force_from_step_0():
    scn = load_scenario(
        "epstein",
        [
            "calendar.start=2020-01-01",
            "params.active_threshold={at: [2019-06-01, 2020-01-03], values: [0.2, 0.4]}",
        ],
    )
    assert scn.params.active_threshold == pytest.approx(0.2)
    assert scn.params_at(2).active_threshold == pytest.approx(0.4)


def test_whole_number_parameter_keeps_whole_values():
    scn = load_scenario("epstein", ["params.max_jail_term={at: [0, 4], values: [30, 5]}"])
    assert scn.params.max_jail_term == 30 and isinstance(scn.params.max_jail_term, int)
    assert scn.params_at(4).max_jail_term == 5 and isinstance(scn.params_at(4).max_jail_term, int)


def test_same_values_give_the_same_params_object():
    scn = load_scenario("epstein", ["params.active_threshold={at: [0, 10], values: [0.1, 0.3]}"])
    assert scn.params_at(9) is scn.params
    p10 = scn.params_at(10)
    assert p10 is not scn.params
    assert scn.params_at(11) is p10
    assert p10.model_dump(exclude={"active_threshold"}) == scn.params.model_dump(
        exclude={"active_threshold"}
    )


def test_a_copied_scenario_resolves_against_its_own_params():
    """The regime's baseline is a model_copy: its schedules apply to its own params."""
    from scslab.scenario.registry import baseline_of

    scn = load_scenario("court-blacklist", [f"{RATE}={{at: [0, 3], values: [0.001, 0.01]}}"])
    base = baseline_of(scn)
    with_system = scn.params_at(3)
    without = base.params_at(3)
    assert with_system.sanctions.enabled and not without.sanctions.enabled
    assert without.sanctions.lists[0].fulfilment_rate == pytest.approx(0.01)


# ---------------------------------------------------------------- validation errors
@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        (
            "{at: [2013-10-01, 2015-01-01], values: [0.001, 1.5]}",
            f"{RATE}.values[1] must be in [0, 1]; got 1.5",
        ),
        (
            "{at: [2015-01-01, 2013-10-01], values: [0.001, 0.5]}",
            f"{RATE}.at must increase from point to point; got [2015-01-01, 2013-10-01]",
        ),
        (
            "{at: [0, 5], valus: [0.001, 0.5]}",
            f"{RATE}.valus is not a key of a schedule; did you mean 'values'?",
        ),
        (
            "{at: [0], values: [0.001, 0.5]}",
            f"{RATE} has 1 points in 'at' and 2 in 'values'; give one value per point",
        ),
        (
            "{at: [0, soon], values: [0.001, 0.5]}",
            f"{RATE}.at[1] must be a step (a whole number >= 0) or a date (YYYY-MM-DD); got 'soon'",
        ),
        (
            "{at: [0, -3], values: [0.001, 0.5]}",
            f"{RATE}.at[1] must be a step (a whole number >= 0)",
        ),
        (
            "{at: [0, 5], values: [0.001, much]}",
            f"{RATE}.values[1] must be a number; got 'much'",
        ),
        (
            "{at: [0, 5], values: [0.001, 0.5], interpolate: cubic}",
            f"{RATE}.interpolate must be 'step' or 'linear'; got 'cubic'",
        ),
        ("{values: [0.001]}", f"{RATE}.at is required in a schedule"),
    ],
)
def test_schedule_errors_name_path_allowed_got_and_line(tmp_path, schedule, expected):
    text = FILE.split("        fulfilment_rate:")[0] + f"        fulfilment_rate: {schedule}\n"
    msg = error_of(tmp_path, text)
    assert expected in msg
    assert "s.yaml:1" in msg  # the line of the schedule in the file


def test_a_date_needs_a_calendar():
    with pytest.raises(ScenarioError) as info:
        load_scenario("full-regime", [f"{RATE}={{at: [0, 2016-01-01], values: [0.1, 0.2]}}"])
    msg = str(info.value)
    assert f"{RATE}.at[1] is a date (2016-01-01), which needs a calendar" in msg
    assert "calendar: {start: YYYY-MM-DD, days_per_step: 1}" in msg


def test_a_whole_number_parameter_refuses_linear():
    with pytest.raises(ScenarioError, match="must be 'step' for a whole-number parameter"):
        load_scenario("epstein", ["params.max_jail_term={at: [0, 4], values: [30, 5], "
                                  "interpolate: linear}"])  # fmt: skip


def test_a_whole_number_parameter_refuses_fractions():
    with pytest.raises(ScenarioError) as info:
        load_scenario("epstein", ["params.max_jail_term={at: [0, 4], values: [30, 5.5]}"])
    assert (
        "params.max_jail_term.values[1] must be a whole number in [0, 1000000000]; got 5.5"
        in str(info.value)
    )


@pytest.mark.parametrize(
    ("model", "path", "why"),
    [
        ("full-regime", "params.population.size", "builds the people"),
        ("full-regime", "params.behaviour.legitimacy", "draws each person's traits"),
        ("full-regime", "params.surveillance.sources[2].coverage", "draws who each source"),
        ("epstein", "params.legitimacy", "use legitimacy_schedule"),
        ("kuran-cascade", "params.n", "reads it only when the run starts"),
    ],
)
def test_a_parameter_read_only_at_the_start_refuses_a_schedule(model, path, why):
    with pytest.raises(ScenarioError) as info:
        load_scenario(model, [f"{path}={{at: [0, 5], values: [100, 200]}}"])
    msg = str(info.value)
    assert f"{path} cannot follow a schedule" in msg and why in msg
    assert msg.count("\n") == 0  # one message, not a second one about the value


def test_a_field_that_is_no_number_refuses_a_schedule():
    with pytest.raises(ScenarioError) as info:
        load_scenario("full-regime", ["params.sanctions.enabled={at: [0, 5], values: [0, 1]}"])
    msg = str(info.value)
    assert "params.sanctions.enabled is not a number, so it cannot follow a schedule" in msg
    assert msg.count("\n") == 0


def test_rules_across_fields_are_checked_with_the_values_in_force():
    with pytest.raises(ScenarioError) as info:
        load_scenario(
            "kuran-cascade",
            ["params.w_reputational={at: [0, 5], values: [1, 0]}"],
        )
    msg = str(info.value)
    assert "with the scheduled values in force from step 5" in msg
    assert "revolutionary_thresholds need w_reputational > 0" in msg


def test_schedule_errors_and_other_errors_are_reported_together(tmp_path):
    text = FILE.replace("steps: 800", "steps: -1").replace("0.002]", "2.0]")
    msg = error_of(tmp_path, text)
    assert "steps must be in [1, 10000000]; got -1" in msg
    assert f"{RATE}.values[1] must be in [0, 1]; got 2" in msg


def test_the_schedule_model_reads_iso_dates_from_text():
    s = Schedule.model_validate({"at": ["2014-01-01", 5], "values": [1, 2]})
    assert s.at == [date(2014, 1, 1), 5]
    assert s.to_data()["at"] == ["2014-01-01", 5]


def test_json_schema_lets_a_number_be_a_schedule():
    from scslab.scenario import json_schema

    defs = json_schema()["$defs"]
    rate = defs["ListParams"]["properties"]["fulfilment_rate"]
    assert {"$ref": "#/$defs/ParamSchedule"} in rate["anyOf"]
    assert {"maximum": 1, "minimum": 0, "type": "number"} in rate["anyOf"]
    assert set(defs["ParamSchedule"]["properties"]) == {"at", "values", "interpolate"}
    assert "calendar" in defs["RegimeScenario"]["properties"]
    # Epstein's own legitimacy_schedule keeps its own definition
    assert set(defs["Schedule"]["properties"]) == {"mode", "start", "target", "rate"}


def test_a_wrong_calendar_is_reported_once_not_again_as_the_dated_schedule():
    with pytest.raises(ScenarioError) as info:
        load_scenario("epstein", ["calendar=5", "params.active_threshold={at: [2020-01-05], "
                                                "values: [0.2]}"])  # fmt: skip
    assert str(info.value).startswith("calendar must be a mapping (key: value lines); got 5")
    assert "\n" not in str(info.value)


def test_a_scenario_and_its_baseline_stepped_in_turn_keep_their_params_objects():
    from scslab.scenario.registry import baseline_of

    scn = load_scenario("court-blacklist", [f"{RATE}={{at: [0, 3], values: [0.001, 0.01]}}"])
    base = baseline_of(scn)
    a, b = scn.params_at(3), base.params_at(3)
    assert scn.params_at(4) is a and base.params_at(4) is b


@given(
    points=st.lists(
        st.tuples(st.integers(0, 500), st.floats(0, 1, allow_nan=False)), min_size=1, max_size=6
    ),
    step=st.integers(0, 600),
    linear=st.booleans(),
)
@settings(max_examples=60, deadline=None)
def test_the_value_in_force_follows_its_definition(points, step, linear):
    """Step: the value of the last point at or before the step (the first before it);
    linear: between the values of the points around the step."""
    points = sorted(dict(points).items())
    at, values = [a for a, _ in points], [v for _, v in points]
    mode = "linear" if linear else "step"
    sched = {"at": at, "values": values, "interpolate": mode}
    scn = load_scenario("epstein", {"params.active_threshold": sched})
    got = scn.params_at(step).active_threshold
    before = [v for a, v in points if a <= step]
    after = [v for a, v in points if a >= step]
    if not linear:
        assert got == (before[-1] if before else values[0])
    else:
        lo = before[-1] if before else values[0]
        hi = after[0] if after else values[-1]
        assert min(lo, hi) - 1e-12 <= got <= max(lo, hi) + 1e-12
        if step in at:
            assert got == pytest.approx(values[at.index(step)])
