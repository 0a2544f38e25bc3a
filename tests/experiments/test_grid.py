from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scslab.errors import ScenarioError
from scslab.experiments.grid import lhs_design, make_design, parse_axes, parse_sample


def test_list_and_linspace_make_a_full_grid(toy_base):
    d = make_design(["params.drift=0.1,0.2,0.5", "params.n=10:30:3"], toy_base)
    assert d.paths == ("params.drift", "params.n")
    assert len(d) == 9
    assert d.points[0] == (0.1, 10) and d.points[1] == (0.1, 20) and d.points[-1] == (0.5, 30)
    assert isinstance(d.points[0][1], int)
    assert d.spec["method"] == "grid"


def test_no_vary_is_one_point(toy_base):
    d = make_design([], toy_base)
    assert len(d) == 1 and d.points == [()]


def test_float_values_are_typed_by_the_schema(toy_base):
    d = make_design(["params.drift=0,1"], toy_base)
    assert d.points == [(0.0,), (1.0,)]
    assert all(isinstance(p[0], float) for p in d.points)


def test_linspace_ends_included(toy_base):
    d = make_design(["params.drift=0:1:11"], toy_base)
    values = [p[0] for p in d.points]
    assert values[0] == 0.0 and values[-1] == 1.0 and len(values) == 11


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("params.drift=0:1:x", ["--vary params.drift=0:1:x", "n in lo:hi:n", "'x'"]),
        ("params.drift=0:1:1", ["n in lo:hi:n must be a whole number >= 2"]),
        ("params.drift=a:1:3", ["--vary params.drift=a:1:3", "lo must be a number", "'a'"]),
        ("params.drift=1:0:3", ["lo must be less than hi"]),
        ("params.drift=0:1", ["a range lo:hi needs --sample lhs:N"]),
        (
            "params.drfit=0,1",
            ["--vary params.drfit=0,1", "unknown key 'drfit'", "did you mean 'drift'"],
        ),
        ("params.drift=0.1,,0.2", ["empty value"]),
        ("params.drift", ["expected PATH=VALUES"]),
        ("params.drift=", ["no values"]),
        ("params.drift=2", ["--vary params.drift=2", "params.drift must be in [-1, 1]; got 2"]),
        ("params.drift=0:2:3", ["--vary params.drift=0:2:3", "must be in [-1, 1]; got 2"]),
        ("params.n=0,10", ["--vary params.n=0,10", "params.n must be in [1,"]),
        ("params.n=1:10:3", ["whole number", "5.5", "choose n"]),
        ("params.n=1.5:10:4", ["lo and hi must be whole numbers"]),
        ("seed=1,2", ["'seed' cannot be varied", "--replicates"]),
        ("params=1,2", ["not a single value"]),
        ("params.drift=0.1,0.1", ["listed twice"]),
    ],
)
def test_grid_errors_name_the_argument(toy_base, spec, words):
    with pytest.raises(ScenarioError) as err:
        make_design([spec], toy_base)
    msg = str(err.value)
    for w in words:
        assert w in msg, (w, msg)
    assert "--set" not in msg


def test_same_path_twice_is_refused(toy_base):
    with pytest.raises(ScenarioError, match="already varied by --vary params.drift=0,1"):
        make_design(["params.drift=0,1", "params.drift=0.5"], toy_base)


def test_points_are_checked_as_whole_scenarios():
    from scslab.scenario import load_scenario

    base = load_scenario({"name": "e", "model": "epstein"})
    with pytest.raises(ScenarioError) as err:
        make_design(["params.citizen_density=0.5,0.9", "params.cop_density=0.04,0.2"], base)
    msg = str(err.value)
    assert "the point params.citizen_density=0.9, params.cop_density=0.2" in msg
    assert "citizen_density + cop_density must be <= 1" in msg


def test_lhs_is_seeded_by_the_root_and_stratified(toy_base):
    d1 = make_design(["params.drift=-0.5:0.5", "params.n=10:19"], toy_base, "lhs:10")
    d2 = make_design(["params.drift=-0.5:0.5", "params.n=10:19"], toy_base, "lhs:10")
    assert d1.points == d2.points
    drift = np.array([p[0] for p in d1.points])
    # one point in each tenth of the range
    assert sorted(np.floor((drift + 0.5) * 10).astype(int)) == list(range(10))
    # whole numbers 10..19, each once (10 strata over 10 whole values)
    assert sorted(p[1] for p in d1.points) == list(range(10, 20))
    other = load_other_seed(toy_base)
    d3 = make_design(["params.drift=-0.5:0.5", "params.n=10:19"], other, "lhs:10")
    assert d3.points != d1.points


def load_other_seed(base):
    from scslab.scenario import load_scenario

    return load_scenario(base.to_dict(), {"seed": base.seed + 1})


@pytest.mark.parametrize(
    ("sample", "specs", "words"),
    [
        ("lhs", ["params.drift=0:1"], ["--sample lhs", "lhs:N"]),
        ("lhs:0", ["params.drift=0:1"], ["N a whole number >= 1"]),
        ("grid:4", ["params.drift=0:1"], ["expected lhs:N"]),
        ("lhs:4", ["params.drift=0,1"], ["--vary params.drift=0,1", "give a range lo:hi"]),
        ("lhs:4", ["params.drift=0:1:3"], ["give a range lo:hi"]),
        ("lhs:4", [], ["at least one --vary"]),
    ],
)
def test_sample_errors(toy_base, sample, specs, words):
    with pytest.raises(ScenarioError) as err:
        make_design(specs, toy_base, sample)
    for w in words:
        assert w in str(err.value)


def test_parse_sample():
    assert parse_sample("lhs:200") == ("lhs", 200)
    assert parse_sample(None) is None


@settings(max_examples=40, deadline=None)
@given(
    lo=st.floats(-1, 0.9, allow_nan=False),
    width=st.floats(0.01, 1, allow_nan=False),
    n=st.integers(1, 40),
    seed=st.integers(0, 2**32),
)
def test_lhs_stays_in_range(toy_base, lo, width, n, seed):
    hi = min(1.0, lo + width)
    if not lo < hi:
        return
    axes = parse_axes([f"params.drift={lo!r}:{hi!r}"], toy_base, ranges="range")
    d = lhs_design(axes, n, seed)
    assert len(d) == n
    assert all(lo <= p[0] <= hi for p in d.points)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=20))
def test_any_spec_gives_a_design_or_a_scenario_error(toy_base, text):
    try:
        make_design([f"params.drift={text}"], toy_base)
    except ScenarioError as exc:
        assert "--vary params.drift=" in str(exc)


@pytest.fixture(scope="module")
def regime_base():
    from scslab.scenario import load_scenario

    return load_scenario("full-regime")  # five sources


def test_a_path_can_index_a_list(regime_base):
    from scslab.experiments.grid import get_at, scenario_at, split_path

    every = "params.surveillance.sources[*].false_record_rate"
    d = make_design([f"{every}=1e-7,1e-5"], regime_base)
    assert d.paths == (every,) and [p[0] for p in d.points] == [1e-7, 1e-5]
    scn = scenario_at(regime_base.to_dict(), d.overrides(1)).to_dict()
    assert {s["false_record_rate"] for s in scn["params"]["surveillance"]["sources"]} == {1e-5}
    one = "params.surveillance.sources[1].false_record_rate"
    scn = scenario_at(regime_base.to_dict(), {one: 3e-6}).to_dict()
    rates = [s["false_record_rate"] for s in scn["params"]["surveillance"]["sources"]]
    assert rates[1] == 3e-6 and rates[0] != 3e-6
    assert get_at(scn, split_path(one)) == 3e-6


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("params.surveillance.sources[9].coverage=0.5", ["has 5 entries", "[9] is out of range"]),
        ("params.surveillance.sources[0].coverag=0.5", ["unknown key 'coverag'", "'coverage'"]),
        ("params.surveillance.enabled[0]=true", ["is not a list"]),
        ("params.surveillance.sources[*].false_record_rate=0.5", ["must be in [0, 0.01]"]),
        ("params.surveillance.sources[x].coverage=0.5", ["is not a key"]),
    ],
)
def test_indexed_path_errors(regime_base, spec, words):
    with pytest.raises(ScenarioError) as err:
        make_design([spec], regime_base)
    assert str(err.value).startswith(f"--vary {spec}: ")
    for w in words:
        assert w in str(err.value)
