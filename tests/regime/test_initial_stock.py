"""The stock of a blacklist at step 0 (``sanctions.lists[*].initial_share``)."""

import numpy as np
import polars as pl
import pytest
from regime_support import advance, make_state, same_on_common_columns, scenario, shared_society_of

import scslab
from scslab.engine import Streams, seed_material, seed_sequence, simulate
from scslab.errors import ScenarioError
from scslab.population.people import ABROAD, CHILD
from scslab.regime import sanctions
from scslab.regime.model import plan_for
from scslab.regime.plan import exit_hazard
from scslab.regime.tables import ORIG_FAMILY, ORIG_OWN, OWN
from scslab.scenario import kernel, load_scenario
from scslab.scenario.params.regime import counterfactual

ON = ("surveillance", "integration", "sanctions")
DOMAINS = [
    {"name": "travel", "cost": 0.01, "attempt_rate": 0.0033},
    {"name": "finance", "cost": 0.02},
    {"name": "employment", "cost": 0.1},
    {"name": "schooling", "cost": 0.05, "spill": "children"},
    {"name": "licences", "cost": 0.05},
    {"name": "shaming", "cost": 0.02, "spill": "household"},
]


def court(share=0.02, **kw):
    """One court list (debt default, fraud) with a stock, bound to travel and finance."""
    lst = {
        "name": "court_blacklist",
        "entry_acts": ["debt_default", "fraud"],
        "duration": 3650,
        "fulfilment_rate": 0.00025,
        "pressure": 50.0,
        "appeal_rate": 0.002,
        "initial_share": share,
        **kw,
    }
    memo = [{"name": "m", "list": "court_blacklist", "domains": ["travel", "finance"]}]
    return {"sanctions": {"lists": [lst], "memoranda": memo, "domains": DOMAINS}}


def test_the_stock_lists_its_share_of_adults_at_step_zero_as_guilty_home_adults():
    _, st, _ = make_state(court(0.02), on=ON, size=20000)
    plan = plan_for(st.params)
    own = st.ls_origin == ORIG_OWN
    who = st.ls_person[own]
    assert who.size == round(0.02 * st.n_adults)
    assert np.unique(who).size == who.size
    assert not (st.flags[who] & (CHILD | ABROAD)).any()
    assert not st.ls_innocent[own].any()  # listed for an act before the run: guilty
    assert set(st.ls_cause[own].tolist()) <= {0, 1}  # debt_default or fraud
    assert (st.ls_cause[own] == 0).mean() > 0.6  # in proportion to the hazard of each
    until = st.ls_until[own]
    assert until.min() >= 1 and until.max() <= 3650
    # restrictions and status are in force from step 0 (metrics at init see them)
    assert (st.sanc[who] & OWN).all() and (st.restr[who] == plan.list_domain_mask[0]).all()
    assert (st.onlist[who] & 1).all()
    m = scslab.run(scenario(court(0.02), on=ON, size=20000, steps=1)).metrics
    assert m["listed_share_adults"][0] == pytest.approx(who.size / st.n_adults)
    assert m["new_listings_per_adult"][0] == 0.0


def test_the_stock_is_drawn_by_the_hazard_of_the_entry_acts():
    _, st, _ = make_state(court(0.05), on=ON, size=20000)
    who = st.ls_person[st.ls_origin == ORIG_OWN]
    adults = np.flatnonzero((st.flags & (CHILD | ABROAD)) == 0)
    # opportunism raises the hazard, risk aversion lowers it (deterrence)
    assert st.opp[who].mean() > st.opp[adults].mean() + 0.1
    assert st.risk[who].mean() < st.risk[adults].mean() - 0.05


def test_the_stock_spills_over_like_a_new_listing_and_keeps_the_family_innocent():
    p = court(0.05)
    p["sanctions"]["memoranda"][0]["domains"] = ["travel", "shaming"]
    _, st, _ = make_state(p, on=ON, size=10000)
    fam = st.ls_origin == ORIG_FAMILY
    assert fam.any() and st.ls_innocent[fam].all()
    own = st.ls_origin == ORIG_OWN
    # a family row ends with its episode's listing
    end = dict(zip(st.ls_episode[own].tolist(), st.ls_until[own].tolist(), strict=True))
    assert all(end[e] == u for e, u in zip(st.ls_episode[fam], st.ls_until[fam], strict=True))


def test_the_stock_is_outside_the_run_counters_of_listings():
    _, st, _ = make_state(court(0.02), on=ON, size=10000)
    assert st.c_listings == 0 and st.c_domains_imposed == 0
    assert st.c_cost == 0.0 and st.c_gravity == 0.0


@pytest.mark.parametrize(("duration", "hazard"), [(3650, 0.000725), (365, 0.01), (200, 0.0)])
def test_stationary_ages_follow_the_truncated_geometric_law(duration, hazard):
    rng = np.random.default_rng(4)
    age = sanctions.stationary_ages(rng, 200_000, duration, hazard)
    assert age.min() >= 0 and age.max() <= duration - 1
    a = np.arange(duration)
    w = (1.0 - hazard) ** a
    mean = float((a * w).sum() / w.sum())
    sd = float(np.sqrt((((a - mean) ** 2) * w).sum() / w.sum()))
    assert abs(age.mean() - mean) < 5 * sd / np.sqrt(age.size)


def test_the_stock_leaves_at_the_modelled_rate():
    """Behaviour off (no new listings): the stock decays with the exit hazard.

    The duration is long enough that nothing expires, so after T steps a share
    (1 - x)^T remains, x = fulfilment (1 + pressure * cost) + appeal * success.
    """
    p = court(0.05, duration=100_000, fulfilment_rate=0.002)
    p["behaviour"] = {"enabled": False}
    p["surveillance"] = {"sources": [{"name": "courts", "sees": ["debt_default", "fraud"]}]}
    model, st, streams = make_state(p, on=ON, size=20000)
    n0 = int((st.ls_origin == ORIG_OWN).sum())
    advance(model, st, streams, 100)
    x = exit_hazard(0.002, 50.0, 0.03, 0.002, 0.05)
    assert float(plan_for(st.params).list_exit_hazard[0]) == pytest.approx(x)
    left = int((st.ls_origin == ORIG_OWN).sum())
    want = n0 * (1 - x) ** 100
    sd = np.sqrt(n0 * (1 - x) ** 100 * (1 - (1 - x) ** 100))
    assert abs(left - want) < 4 * sd, (left, want, sd)
    assert st.c_fulfilled + st.c_appeals_won == n0 - left


def test_no_coverage_or_no_integration_means_no_stock():
    zero = court(0.05)
    zero["surveillance"] = {
        "sources": [{"name": "courts", "sees": ["debt_default", "fraud"], "coverage": 0.0}]
    }
    _, st, _ = make_state(zero, on=ON, size=5000)
    assert st.ls_person.size == 0 and not st.sanc.any()
    _, st, _ = make_state(court(0.05), on=("surveillance", "sanctions"), size=5000)
    assert st.ls_person.size == 0 and not st.sanc.any()


def test_the_stock_shifts_no_other_stream():
    """With kappa = 0 listed neighbours do not deter, so acts must be exactly the same."""
    kw = {"on": ON, "size": 8000, "steps": 60}
    no_fear = {"behaviour": {"kappa": 0.0}}
    with_stock = scslab.run(scenario({**court(0.03), **no_fear}, **kw))
    without = scslab.run(scenario({**court(0.0), **no_fear}, **kw))
    acts = [c for c in with_stock.metrics.columns if c.startswith("acts_")]
    assert with_stock.metrics.select(acts).equals(without.metrics.select(acts))
    for f in ("cover", "opp", "risk", "net_indices", "employer"):
        np.testing.assert_array_equal(getattr(with_stock.state, f), getattr(without.state, f))
    assert (
        with_stock.metrics["listed_share_adults"][-1] > without.metrics["listed_share_adults"][-1]
    )


def test_a_stock_is_deterministic_and_resumes_bit_identically():
    scn = load_scenario(scenario({**court(0.03)}, on="all", steps=40, seed=3))
    model = kernel("regime")
    full_state, full_rows = simulate(model, scn, Streams(seed_sequence(seed_material(3))), steps=40)
    again, again_rows = simulate(model, scn, Streams(seed_sequence(seed_material(3))), steps=40)
    assert pl.DataFrame(again_rows).equals(pl.DataFrame(full_rows))  # NaN equals NaN here
    saved = []
    simulate(
        model,
        scn,
        Streams(seed_sequence(seed_material(3))),
        steps=40,
        checkpoint_every=17,
        on_checkpoint=saved.append,
    )
    state, rows = simulate(
        kernel("regime"), scn, Streams(seed_sequence(seed_material(3))), steps=40, resume=saved[0]
    )
    assert pl.DataFrame(rows).equals(pl.DataFrame(full_rows))
    for name, value in full_state.fields().items():
        np.testing.assert_array_equal(np.asarray(getattr(state, name)), value, err_msg=name)


def test_the_baseline_of_a_preset_with_a_stock_has_none():
    scn = load_scenario("court-blacklist", {"steps": 20})
    assert scn.params.sanctions.lists[0].initial_share > 0
    base = scslab.run(counterfactual(scn))
    none = scslab.run(shared_society_of(scn, 20))  # no-regime at court-blacklist's act rates
    assert same_on_common_columns(base.metrics, none.metrics)
    assert base.state.ls_person.size == 0


@pytest.mark.parametrize(
    ("lists", "needle"),
    [
        (
            [{"name": "r", "kind": "red", "entry_grade": "AA", "initial_share": 0.01}],
            "a redlist has none",
        ),
        ([{"name": "g", "entry_grade": "C", "initial_share": 0.01}], "needs entry_acts"),
        (
            [{"name": "k", "entry_acts": ["petition"], "initial_share": 0.01}],
            "needs an unlawful act in entry_acts",
        ),
        ([{"name": "c", "entry_acts": ["fraud"], "initial_share": 1.5}], "must be in [0, 1]"),
    ],
)
def test_bad_initial_share_is_caught_at_load(lists, needle):
    with pytest.raises(ScenarioError) as err:
        load_scenario(
            "full-regime", {"params.sanctions.lists": lists, "params.sanctions.memoranda": []}
        )
    assert needle in str(err.value)
    assert "initial_share" in str(err.value) or "lists" in str(err.value)
