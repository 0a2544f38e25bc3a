import numpy as np
import polars as pl
import pytest
from regime_support import same_on_common_columns, scenario, shared_society_of

import scslab
from scslab.engine import Streams, seed_material, seed_sequence, simulate
from scslab.errors import ScenarioError
from scslab.scenario import kernel, load_scenario
from scslab.scenario.params.regime import counterfactual
from scslab.scenario.registry import baseline_of

PRESETS = [
    "no-regime",
    "court-blacklist",
    "rongcheng-points",
    "discourse-control",
    "overseas-reach",
    "full-regime",
]


def test_determinism_for_a_seed(run_regime):
    a = run_regime(on="all", seed=5)
    b = run_regime(on="all", seed=5)
    c = run_regime(on="all", seed=6)
    assert a.metrics.equals(b.metrics)
    assert not a.metrics.equals(c.metrics)


def test_checkpoint_resume_is_bit_identical():
    scn = load_scenario(scenario(on="all", steps=40, seed=3))
    model = kernel("regime")
    full_state, full_rows = simulate(model, scn, Streams(seed_sequence(seed_material(3))), steps=40)
    saved = []
    simulate(
        model,
        scn,
        Streams(seed_sequence(seed_material(3))),
        steps=40,
        checkpoint_every=17,
        on_checkpoint=saved.append,
    )
    ckpt = saved[0]
    assert ckpt.step == 17
    state, rows = simulate(
        kernel("regime"), scn, Streams(seed_sequence(seed_material(3))), steps=40, resume=ckpt
    )
    assert pl.DataFrame(rows).equals(pl.DataFrame(full_rows))  # NaN equals NaN here
    for name, value in full_state.fields().items():
        np.testing.assert_array_equal(np.asarray(getattr(state, name)), value, err_msg=name)


@pytest.mark.parametrize(
    "preset", [p for p in PRESETS[1:] if p not in ("court-blacklist", "full-regime")]
)
def test_counterfactual_gives_exactly_no_regime(preset):
    scn = load_scenario(preset, {"steps": 60})
    base = scslab.run(counterfactual(scn))
    none = scslab.run(load_scenario("no-regime", {"steps": 60}))
    assert base.metrics.equals(none.metrics)
    assert baseline_of(scn).params == counterfactual(scn).params


def test_court_blacklist_baseline_is_the_shared_society_at_the_fitted_rates():
    """court-blacklist takes the history's debt-default and fraud rates (docs/presets.md).

    Its baseline is itself with the regime off: no-regime's society with those two
    rates (and its calendar), exactly, on every measure; it is not no-regime itself.
    """
    scn = load_scenario("court-blacklist", {"steps": 60})
    base = scslab.run(counterfactual(scn)).metrics
    assert baseline_of(scn).params == counterfactual(scn).params
    assert same_on_common_columns(base, scslab.run(shared_society_of(scn, 60)).metrics)
    plain = load_scenario("no-regime")
    rates = {a.name: a.rate for a in plain.params.acts}
    changed = {a.name for a in scn.params.acts if a.rate != rates[a.name]}
    assert changed == {"debt_default", "fraud"}
    assert not base["acts_debt_default"].equals(
        scslab.run(load_scenario("no-regime", {"steps": 60})).metrics["acts_debt_default"]
    )


def test_counterfactual_switches_every_mechanism_off_and_keeps_seed():
    scn = load_scenario("full-regime")
    cf = counterfactual(scn)
    assert cf.seed == scn.seed and cf.steps == scn.steps
    assert cf.params.population == scn.params.population
    assert cf.params.behaviour == scn.params.behaviour
    for m in (
        "surveillance",
        "integration",
        "scoring",
        "sanctions",
        "discourse",
        "preemption",
        "ambiguity",
        "abroad",
        "incentives",
        "participation",
        "legitimacy",
    ):
        assert getattr(scn.params, m).enabled is True, m
        assert getattr(cf.params, m).enabled is False


def test_memory_at_most_200_bytes_per_person_with_degree_10():
    scn = load_scenario(
        "full-regime",
        {"params.population.size": 50_000, "params.population.network.mean_degree": 10},
    )
    state = kernel("regime").init(scn, Streams(seed_sequence(seed_material(1))))
    per_person = state.nbytes() / 50_000
    assert per_person <= 200, per_person
    net = (state.net_indptr.nbytes + state.net_indices.nbytes) / 50_000
    assert 40 <= net <= 60  # 10 friends + ~2.4 family ties of 4 bytes, plus indptr


@pytest.mark.parametrize("preset", PRESETS)
def test_every_preset_runs_and_measures_stay_in_range(preset):
    r = scslab.run(preset, steps=30, overrides={"params.population.size": 5000})
    m = r.metrics
    shares = [
        c
        for c in m.columns
        if c.endswith("share")
        or (c.startswith(("grade_", "firm_")) and c not in ("firm_listed", "firm_sanction_cost"))
        or c
        in (
            "dissent_private",
            "dissent_public",
            "state_precision",
            "state_recall",
            "preempted",
            "falsification_gap",
        )
    ]
    for c in shares:
        assert m[c].min() >= 0 and m[c].max() <= 1, c
    di = m["disparate_impact"].to_numpy()
    lo, hi = m["disparate_impact_lo"].to_numpy(), m["disparate_impact_hi"].to_numpy()
    known = ~np.isnan(di)  # NaN: too few sanctioned people in a group compared
    assert (np.isnan(lo) == ~known).all() and (np.isnan(hi) == ~known).all()
    assert (
        (di[known] >= 1).all() and (lo[known] <= di[known]).all() and (di[known] <= hi[known]).all()
    )
    assert m.null_count().sum_horizontal().item() == 0
    free = [
        c
        for c in m.columns
        if m[c].dtype == pl.Float64
        and not c.startswith(
            ("disparate", "firms_wrongly_sanctioned_lo", "firms_wrongly_sanctioned_hi")
        )
    ]  # NaN below their minimum counts
    assert all(np.isfinite(m[c].to_numpy()).all() for c in free)


@pytest.mark.parametrize(
    ("override", "needle"),
    [
        (
            {
                "params.population.groups": [
                    {"name": "a", "share": 0.5},
                    {"name": "b", "share": 0.4},
                ]
            },
            "sum to 1",
        ),
        (
            {
                "params.sanctions.memoranda": [
                    {"name": "m", "list": "court_blaklist", "domains": ["travel"]}
                ]
            },
            "did you mean 'court_blacklist'",
        ),
        (
            {"params.surveillance.sources": [{"name": "s", "sees": ["jaywalking"]}]},
            "sources[0].sees",
        ),
        (
            {"params.surveillance.sources": [{"name": "s", "sees": ["fraud"], "coverage": 1.4}]},
            "must be in [0, 1]",
        ),
        ({"params.scoring.deductions": {"fruad": 3}}, "did you mean 'fraud'"),
        ({"params.preemption.domains": ["travle"]}, "did you mean 'travel'"),
        ({"params.population.network.mean_degree": 7}, "even"),
        ({"params.sanctions.lists": [{"name": "x"}]}, "no entry rule"),
    ],
)
def test_bad_input_is_caught_at_load_with_path_and_hint(override, needle):
    with pytest.raises(ScenarioError) as err:
        load_scenario("full-regime", override)
    assert needle in str(err.value)
    assert "params" in str(err.value)


def test_kernel_imports_no_pydantic_or_polars():
    import subprocess
    import sys

    code = (
        "import sys, scslab.regime.model, scslab.metrics.regime, scslab.population; "
        "bad = [m for m in ('pydantic', 'polars', 'yaml') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
