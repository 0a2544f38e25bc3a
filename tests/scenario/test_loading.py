from __future__ import annotations

import string
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from scslab.errors import ScenarioError
from scslab.scenario import load_scenario, scenario_class


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


GOOD = """\
name: mine
model: epstein
steps: 10
seed: 4
params:
  width: 20
  height: 20
  legitimacy: 0.8
"""


def test_loads_file_and_preset_defaults(tmp_path):
    scn = load_scenario(write(tmp_path, GOOD))
    assert scn.name == "mine" and scn.steps == 10 and scn.seed == 4
    assert scn.params.width == 20 and scn.params.legitimacy == 0.8
    assert scn.params.cop_vision == 7.0  # schema default
    with pytest.raises(ValidationError):  # frozen
        scn.params.width = 3  # type: ignore[misc]


def test_overrides_are_typed_by_schema(tmp_path):
    scn = load_scenario(
        write(tmp_path, GOOD),
        ["params.legitimacy=0.7", "params.movement=false", "name=123", "params.max_jail_term=null"],
    )
    assert scn.params.legitimacy == 0.7
    assert scn.params.movement is False
    assert scn.name == "123"  # a str field keeps the text
    assert scn.params.max_jail_term is None


def test_overrides_create_nested_mappings(tmp_path):
    scn = load_scenario(
        write(tmp_path, GOOD),
        ["params.legitimacy_schedule.mode=jump", "params.legitimacy_schedule.target=0.5"],
    )
    assert scn.params.legitimacy_schedule.target == 0.5


def test_mapping_overrides_and_digest_changes(tmp_path):
    a = load_scenario(write(tmp_path, GOOD))
    b = load_scenario(write(tmp_path, GOOD), {"params.legitimacy": 0.7})
    assert b.params.legitimacy == 0.7
    assert a.digest() != b.digest()
    assert a.digest() == load_scenario(a.to_dict()).digest()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            GOOD.replace("legitimacy: 0.8", "legitimacy: 1.4"),
            "params.legitimacy must be in [0, 1]; got 1.4 (FILE:8)",
        ),
        (
            GOOD.replace("width: 20", "widht: 20"),
            "unknown key 'widht' in params; did you mean 'width'?",
        ),
        (
            GOOD.replace("width: 20", "width: twenty"),
            "params.width must be a whole number in [1, 100000]; got 'twenty' (FILE:6)",
        ),
        (
            GOOD + "  arrest_formula: flor\n",
            "params.arrest_formula must be one of 'exact', 'floor', 'round'; got 'flor'; "
            "did you mean 'floor'?",
        ),
        (
            GOOD.replace("model: epstein", "model: epstien"),
            "unknown model 'epstien'; did you mean 'epstein'?",
        ),
        (GOOD.replace("model: epstein\n", ""), "has no 'model' key"),
        (GOOD.replace("name: mine\n", ""), "name is required"),
        (GOOD.replace("steps: 10", "steps: 0"), "steps must be in [1, 10000000]; got 0 (FILE:3)"),
        (GOOD + "  movement: maybe\n", "params.movement must be true or false; got 'maybe'"),
        (
            GOOD + "  citizen_density: 0.99\n  cop_density: 0.05\n",
            "citizen_density + cop_density must be <= 1",
        ),
        (GOOD.replace("params:\n", "params: 3\nx:\n"), "params must be a mapping"),
        (
            GOOD + "colect_every: 2\n",
            "unknown key 'colect_every' in the top level; did you mean 'collect_every'?",
        ),
    ],
)
def test_errors_name_field_range_value_and_line(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    assert expected.replace("FILE", str(path)) in str(exc.value)


def test_missing_file(tmp_path):
    with pytest.raises(ScenarioError, match="scenario file .*nope.yaml' not found"):
        load_scenario(tmp_path / "nope.yaml")


def test_folder_is_not_a_file(tmp_path):
    with pytest.raises(ScenarioError, match="is a folder"):
        load_scenario(tmp_path)


def test_not_yaml(tmp_path):
    with pytest.raises(ScenarioError, match=r"s.yaml:2 is not valid YAML: mapping values"):
        load_scenario(write(tmp_path, "name: a\nmodel: epstein: x\nsteps: 3\n"))


@pytest.mark.parametrize(("text", "what"), [("- a\n- b\n", "list"), ("just text\n", "str")])
def test_yaml_not_a_mapping(tmp_path, text, what):
    with pytest.raises(ScenarioError, match=f"mapping .* at the top level; got a {what}"):
        load_scenario(write(tmp_path, text))


def test_empty_file(tmp_path):
    with pytest.raises(ScenarioError, match="is empty"):
        load_scenario(write(tmp_path, ""))


def test_unknown_preset_suggests():
    with pytest.raises(ScenarioError, match="did you mean 'epstein'"):
        load_scenario("epstien")


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ("params.width", "expected key.path=value"),
        ("=3", "expected key.path=value"),
        ("params..width=3", "expected key.path=value"),
        ("params.widht=3", "unknown key 'widht' in params; did you mean 'width'?"),
        ("params.width.x=3", "params.width is not a mapping"),
        (
            "params.legitimacy=2",
            "params.legitimacy must be in [0, 1]; got 2 (--set params.legitimacy=2)",
        ),
        ("params.legitimacy=high", "params.legitimacy must be a number in [0, 1]; got 'high'"),
    ],
)
def test_bad_overrides(tmp_path, item, expected):
    with pytest.raises(ScenarioError) as exc:
        load_scenario(write(tmp_path, GOOD), [item])
    assert expected in str(exc.value)


def test_every_error_reported_at_once(tmp_path):
    text = GOOD.replace("legitimacy: 0.8", "legitimacy: 2") + "  cop_vision: -1\n"
    with pytest.raises(ScenarioError) as exc:
        load_scenario(write(tmp_path, text))
    msg = str(exc.value)
    assert "params.legitimacy" in msg and "params.cop_vision must be in (0, 1000]" in msg


# --------------------------------------------------------------- property: invalid -> ScenarioError
FIELDS = scenario_class("epstein").model_fields["params"].annotation.model_fields
NUMERIC = {name: f for name, f in FIELDS.items() if f.annotation in (int, float)}


def _bounds(field):
    lo = hi = None
    for m in field.metadata:
        lo = getattr(m, "ge", getattr(m, "gt", lo))
        hi = getattr(m, "le", getattr(m, "lt", hi))
    return lo, hi


@st.composite
def invalid_scenarios(draw):
    base = yaml.safe_load(GOOD)
    kind = draw(st.sampled_from(["out_of_range", "wrong_type", "unknown_key", "bad_top"]))
    if kind == "out_of_range":
        name = draw(st.sampled_from(sorted(NUMERIC)))
        lo, hi = _bounds(NUMERIC[name])
        side = draw(st.sampled_from([s for s, b in (("lo", lo), ("hi", hi)) if b is not None]))
        delta = draw(st.floats(min_value=1e-3, max_value=1e6))
        value = (lo - delta) if side == "lo" else (hi + delta)
        if NUMERIC[name].annotation is int:
            value = int(value) - 1 if side == "lo" else int(value) + 1
        base["params"][name] = value
    elif kind == "wrong_type":
        name = draw(st.sampled_from(sorted(FIELDS)))
        base["params"][name] = draw(st.sampled_from([[1, 2], {"a": 1}, "not-a-value"]))
    elif kind == "unknown_key":
        key = draw(st.text(string.ascii_lowercase + "_", min_size=1, max_size=12))
        if key in FIELDS:
            key += "_x"
        base["params"][key] = 1
    else:
        field = draw(st.sampled_from(["steps", "seed", "collect_every"]))
        base[field] = draw(st.sampled_from([-1, 0.5, "x", None])) if field != "seed" else -5
        if field == "seed":
            base[field] = draw(st.integers(max_value=-1))
    return base


def _refused_with_a_message(data):
    with pytest.raises(ScenarioError) as exc:
        load_scenario(data)
    assert str(exc.value)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(invalid_scenarios())
def test_invalid_scenarios_always_raise_scenario_error(data):
    _refused_with_a_message(data)


@pytest.mark.slow
@settings(max_examples=2500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(invalid_scenarios())
def test_invalid_scenarios_always_raise_scenario_error_many(data):
    """The same property over 2,500 examples (the slow suite)."""
    _refused_with_a_message(data)


# --------------------------------------------------------------- indexed paths
def test_set_reaches_into_lists_left_to_defaults():
    scn = load_scenario("full-regime", ["params.surveillance.sources[*].coverage=0.25"])
    assert {s.coverage for s in scn.params.surveillance.sources} == {0.25}
    one = load_scenario("full-regime", ["params.surveillance.sources[1].coverage=0.5"])
    covs = [s.coverage for s in one.params.surveillance.sources]
    base = [s.coverage for s in load_scenario("full-regime").params.surveillance.sources]
    assert covs[1] == 0.5 and covs[:1] + covs[2:] == base[:1] + base[2:]


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        (
            "params.surveillance.sources[*].coverage=1.5",
            "params.surveillance.sources[0].coverage must be in [0, 1]; got 1.5 "
            "(--set params.surveillance.sources[*].coverage=1.5)",
        ),
        ("params.surveillance.sources[99].coverage=0.5", "[99] is out of range"),
        ("params.surveillance.sourcs[0].coverage=0.5", "did you mean 'sources'?"),
        ("params.surveillance[0].coverage=0.5", "params.surveillance is not a list"),
    ],
)
def test_bad_indexed_overrides(item, expected):
    with pytest.raises(ScenarioError) as exc:
        load_scenario("full-regime", [item])
    assert expected in str(exc.value)


# ---------------------------------------------------------------- keys of a mapping
def test_set_reaches_one_key_of_a_mapping_valued_parameter():
    """--set params.scoring.deductions.fraud=200 changes that key and keeps the others."""
    plain = load_scenario("full-regime").params.scoring.deductions
    scn = load_scenario("full-regime", ["params.scoring.deductions.fraud=200"])
    assert scn.params.scoring.deductions == {**plain, "fraud": 200.0}
    # from a mapping of overrides, a key the scenario's mapping lacks but its acts name
    hist = load_scenario("court-blacklist-history")
    assert "dissent" not in hist.params.scoring.deductions
    scn = load_scenario("court-blacklist-history", {"params.scoring.deductions.dissent": 5})
    assert scn.params.scoring.deductions == {**hist.params.scoring.deductions, "dissent": 5.0}


def test_an_unknown_key_of_a_mapping_names_the_allowed_keys():
    with pytest.raises(ScenarioError) as info:
        load_scenario("full-regime", ["params.scoring.deductions.frud=200"])
    msg = str(info.value)
    assert msg.startswith("--set params.scoring.deductions.frud=200: unknown key 'frud'")
    assert "did you mean 'fraud'?" in msg
    assert (
        "(keys: debt_default, fraud, admin_violation, traffic_violation, petition, dissent" in msg
    )


def test_a_key_of_a_mapping_is_validated_as_any_value():
    with pytest.raises(ScenarioError) as info:
        load_scenario("full-regime", ["params.scoring.deductions.fraud=abc"])
    assert str(info.value) == (
        "params.scoring.deductions.fraud must be a number in [-1e+06, 1e+06]; got 'abc' "
        "(--set params.scoring.deductions.fraud=abc)"
    )
    with pytest.raises(ScenarioError, match=r"must be in \[-1e\+06, 1e\+06\]; got 2e\+06"):
        load_scenario("full-regime", {"params.scoring.deductions.fraud": 2e6})
    with pytest.raises(ScenarioError, match="deductions.fraud is not a mapping; it has no key 'x'"):
        load_scenario("full-regime", ["params.scoring.deductions.fraud.x=1"])


def test_the_cli_refuses_an_unknown_mapping_key_with_status_2(tmp_path, capsys):
    from scslab.cli import main

    out = tmp_path / "run"
    code = main(
        ["run", "full-regime", "--set", "params.scoring.deductions.frud=1", "--out", str(out)]
    )
    assert code == 2
    assert "unknown key 'frud' in params.scoring.deductions" in capsys.readouterr().err
    assert not out.exists()


def test_a_sweep_varies_one_key_of_a_mapping():
    from scslab.experiments import Plan, make_design

    base = load_scenario("full-regime", ["params.population.size=2000"])
    plan = Plan(base, make_design(["params.scoring.deductions.fraud=100,300"], base))
    got = [plan.scenario_of(s).params.scoring.deductions for s in plan.runs()]
    assert [d["fraud"] for d in got] == [100.0, 300.0]
    assert all(d["debt_default"] == base.params.scoring.deductions["debt_default"] for d in got)
