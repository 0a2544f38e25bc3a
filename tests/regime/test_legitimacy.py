"""Legitimacy that moves and grievance: laws, the calibration, known answers."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from regime_support import advance, make_state, scenario
from scipy import stats

import scslab
from scslab.population.people import CHILD, PRIVATE
from scslab.regime.legitimacy import wrongly_sanctioned
from scslab.scenario import load_scenario

CORE = ("surveillance", "integration", "sanctions")
BUSY = {"debt_default": 5e-4, "fraud": 1e-4}
QUIET_SPEECH = {"penalty": 0.0, "deletion_prob": 0.0, "propaganda": 0.0}


def _acts():
    from scslab.scenario.params.regime import _default_acts

    return [{**a.model_dump(), "rate": BUSY.get(a.name, a.rate)} for a in _default_acts()]


def _run(params, on, *, size=8000, steps=90, seed=1):
    return scslab.run(
        load_scenario(scenario(params, on=on, size=size, steps=steps, seed=seed))
    ).metrics


def _false(rate: float) -> dict:
    from scslab.scenario.params.regime import _default_sources

    return {"sources": [{**s.model_dump(), "false_record_rate": rate} for s in _default_sources()]}


def test_approval_at_the_defaults_is_the_kostka_calibration():
    """Set, not an output: L0 ~ Beta(0.7 x 3.5, 0.3 x 3.5) puts ~0.806 of adults above 1/2."""
    m = _run({}, (), size=40_000, steps=2)
    want = float(stats.beta.sf(0.5, 0.7 * 3.5, 0.3 * 3.5))
    assert want == pytest.approx(0.806, abs=1e-3)
    n_adults = 40_000 * (1 - 0.18)
    se = np.sqrt(want * (1 - want) / n_adults)
    assert abs(m["approval"][0] - want) < 4 * se
    assert 0.78 < m["approval"][0] < 0.83  # Kostka (2019): ~80 % approve


@pytest.mark.parametrize("seed", [1, 2])
def test_more_false_records_lower_approval_and_raise_private_and_public_dissent(seed):
    """Discourse off (no repression of speech): grievance reaches public dissent too."""
    on = CORE + ("legitimacy",)
    low = _run({"acts": _acts(), "surveillance": _false(0.0)}, on, seed=seed)
    high = _run({"acts": _acts(), "surveillance": _false(1e-4)}, on, seed=seed)

    def late(m, c):
        return float(np.mean(m[c].to_numpy()[45:]))

    assert late(high, "approval") < late(low, "approval")
    assert late(high, "dissent_private") > late(low, "dissent_private")
    assert late(high, "dissent_public") > late(low, "dissent_public")


def test_dissent_private_moves_during_a_run_with_legitimacy_on_only():
    params = {"acts": _acts(), "surveillance": _false(1e-4)}
    on = _run(params, CORE + ("legitimacy",), steps=60)["dissent_private"].to_numpy()
    off = _run(params, CORE, steps=60)["dissent_private"].to_numpy()
    assert np.ptp(on) > 0.002
    assert np.ptp(off) == 0.0


def test_propaganda_raises_approval():
    def approval(prop: float) -> float:
        params = {"discourse": {**QUIET_SPEECH, "propaganda": prop}}
        m = _run(params, ("discourse", "legitimacy"), steps=60)
        return float(m["approval"][-1])

    assert approval(0.9) > approval(0.0) + 0.02


def test_with_no_shock_legitimacy_stays_at_its_own_level():
    m = _run({}, ("legitimacy",), size=3000, steps=30)
    assert np.ptp(m["approval"].to_numpy()) == 0.0


def test_wrongful_sanctions_seen_are_counted_incrementally_and_lower_legitimacy():
    model, st, streams = make_state(
        {"acts": _acts(), "surveillance": _false(1e-4)}, on=CORE + ("legitimacy",), size=4000
    )
    n = st.flags.size
    adj = sp.csr_matrix((np.ones(st.net_indices.size), st.net_indices, st.net_indptr), (n, n))
    for _ in range(40):
        advance(model, st, streams, 1)
        wrong = wrongly_sanctioned(st)
        np.testing.assert_array_equal(st.wrong, wrong)
        np.testing.assert_array_equal(adj @ wrong.astype(float), st.wrong_n)
    hit = st.wrong | (st.wrong_n > 0)
    assert hit.any() and (~hit).any()
    drop = st.legit0.astype(np.float32) - st.legit
    assert drop[st.wrong].mean() > drop[~hit].mean() + 0.05
    # private dissent follows grievance: the flag is d > private_cut, adults only
    cut = np.float32(st.params.behaviour.private_cut)
    adult = (st.flags & CHILD) == 0
    np.testing.assert_array_equal((st.flags & PRIVATE) != 0, (st.dissent > cut) & adult)


def test_legitimacy_and_participation_state_is_small():
    """20 B a person while both are on (float32 L, L0, g, c; uint16 count; two bools)."""
    _, st, _ = make_state({}, on=("legitimacy", "participation"), size=1000)
    fields = ("legit", "legit0", "grief", "wrong", "wrong_n", "privacy", "part")
    per_person = sum(getattr(st, f).nbytes for f in fields) / st.flags.size
    assert per_person == 20.0
    from scslab.regime.model import bytes_per_person

    # the estimate's state term counts them (legit, 4 B, is there with the mechanism off)
    scn_on = load_scenario(scenario({}, on=("legitimacy", "participation"), size=1000))
    scn_off = load_scenario(scenario({}, on=(), size=1000))
    _, state_on = bytes_per_person(scn_on.params)
    _, state_off = bytes_per_person(scn_off.params)
    assert state_on - state_off == pytest.approx(16)


def test_private_dissent_kept_incrementally_equals_the_grievance_formula():
    model, st, streams = make_state(
        {"acts": _acts(), "surveillance": _false(1e-4), "discourse": {"propaganda": 0.5}},
        on=CORE + ("legitimacy", "discourse"),
        size=3000,
    )
    d0 = st.dissent.copy()
    l0 = st.legit.copy()
    advance(model, st, streams, 60)
    assert np.ptp(st.legit - l0) > 0.01
    np.testing.assert_allclose(st.dissent, d0 - st.grief * (st.legit - l0), atol=2e-5)
    assert np.all(st.dissent[(st.flags & CHILD) != 0] == 0.0)
