"""The fused kernels give, bit for bit, the numpy expressions they replace.

`behaviour.decide_speech` and `legitimacy.update` run as one numba pass over the
people (`scslab.regime.fused`); here each is checked against the vectorised numpy
formula (Kuran's rule with `behaviour.speech_risk`; the legitimacy update as it
was written with numpy) on states of real runs, with the per-person inputs then
scrambled so that every branch (no ties, redlisted, abroad, preempted, clipped
legitimacy, wrongly sanctioned) is taken by many people.
"""

from __future__ import annotations

import numpy as np
import pytest
from regime_support import advance, make_state

from scslab.models.kuran import speaks
from scslab.population.people import ABROAD, PRIVATE
from scslab.regime import behaviour, legitimacy
from scslab.regime.abroad import members_miss
from scslab.regime.model import plan_for
from scslab.regime.tables import PREEMPT, RED

VARIANTS = {
    "all": ({}, "all"),
    "ambiguity, no discourse": ({"behaviour": {"kappa": 0.5}}, ("ambiguity", "sanctions")),
    "ambiguity about other acts only": (
        {"ambiguity": {"acts": ["debt_default"]}, "behaviour": {"kappa": 0.5}},
        ("ambiguity", "discourse", "sanctions"),
    ),
    "abroad, member ties report": (
        {
            "abroad": {"association_services": True, "association_detection": 0.4},
            "population": {"diaspora_share": 0.2},
        },
        "all",
    ),
    "no risk": ({}, ()),
    "discourse, groups differ": (
        {"discourse": {"propaganda": 0.4}},
        ("discourse", "surveillance", "incentives", "scoring", "sanctions", "abroad"),
    ),
}


def _speech_numpy(state, plan):
    """`decide_speech` as numpy expressions (the code the kernel replaced)."""
    p = state.params.behaviour
    seen = np.divide(state.seen_n, np.maximum(state.deg, 1), dtype=np.float32)
    if plan.discourse and state.params.discourse.propaganda > 0:
        seen *= np.float32(1.0 - state.params.discourse.propaganda)
    out = speaks(
        state.dissent,
        seen,
        state.theta,
        float(p.w_expressive),
        float(p.w_reputational),
        risk=behaviour.speech_risk(state, plan),
    )
    if plan.preemption and state.params.preemption.incapacitate and state.ls_person.size:
        out &= (state.sanc & PREEMPT) == 0
    return out


def _scramble(state, seed):
    """Per-person inputs drawn afresh, so every branch of the kernels is taken."""
    rng = np.random.default_rng(seed)
    n = state.flags.size
    state.seen_n = rng.integers(0, 6, n).astype(np.uint16)
    state.sanc_n = rng.integers(0, 6, n).astype(np.uint16)
    state.deg = rng.integers(0, 8, n).astype(np.uint16)  # 0: no ties
    state.sanc |= (rng.random(n) < 0.2).astype(np.uint8) * RED
    state.sanc |= (rng.random(n) < 0.2).astype(np.uint8) * PREEMPT
    state.flags |= (rng.random(n) < 0.1).astype(np.uint8) * ABROAD
    state.cover = rng.integers(0, 256, n).astype(np.uint8)
    state.dissent = rng.random(n, dtype=np.float32)
    state.theta = (rng.standard_normal(n) * 0.3 + 0.5).astype(np.float32)


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_speech_kernel_is_the_numpy_rule(variant):
    params, on = VARIANTS[variant]
    model, state, streams = make_state(params, on=on, size=3000, seed=4)
    advance(model, state, streams, 15)
    plan = plan_for(state.params)
    if variant.startswith("abroad"):  # some people abroad have member ties
        assert members_miss(state, plan)[0].size > 10
    assert np.array_equal(behaviour.decide_speech(state, plan), _speech_numpy(state, plan))
    _scramble(state, 9)
    got, want = behaviour.decide_speech(state, plan), _speech_numpy(state, plan)
    assert np.array_equal(got, want)
    assert 0.05 < want.mean() < 0.95  # the scrambled inputs put people on both sides


def _legitimacy_numpy(state, plan):
    """The move of `legitimacy.update` after the wrong counts, as numpy expressions."""
    q = state.params.legitimacy
    legit, one = state.legit, np.float32(1.0)
    prop = float(state.params.discourse.propaganda) if plan.discourse else 0.0
    d = np.subtract(state.legit0, legit)
    d *= np.float32(q.reversion)
    if prop > 0 and q.propaganda_effect > 0:
        d += np.float32(float(q.propaganda_effect) * prop) * (one - legit)
    if q.network_effect > 0 and state.wrong_ties > 0:
        share = np.divide(state.wrong_n, np.maximum(state.deg, 1), dtype=np.float32)
        share *= np.float32(q.network_effect)
        d -= share
    if q.own_effect > 0 and state.wrong.any():
        d -= np.float32(q.own_effect) * state.wrong
    old = legit.copy()
    legit += d
    np.clip(legit, np.float32(0.0), one, out=legit)
    old -= legit
    old *= state.grief
    state.dissent += old
    private = state.dissent > np.float32(state.params.behaviour.private_cut)
    state.flags &= np.uint8(~PRIVATE & 0xFF)
    state.flags |= private.view(np.uint8) << np.uint8(3)


@pytest.mark.parametrize("propaganda", [0.0, 0.5])
def test_legitimacy_kernel_is_the_numpy_update(propaganda):
    params = {
        "discourse": {"propaganda": propaganda},
        "legitimacy": {"own_effect": 0.3, "network_effect": 0.8, "propaganda_effect": 0.05},
    }
    states = []
    for _ in range(2):
        model, state, streams = make_state(params, on="all", size=3000, seed=5)
        advance(model, state, streams, 10)
        rng = np.random.default_rng(11)
        n = state.flags.size
        state.legit = rng.random(n, dtype=np.float32)
        state.legit[: n // 10] = 0.0  # the clip at both ends
        state.legit[n // 10 : n // 5] = 1.0
        state.wrong_n = rng.integers(0, 4, n).astype(np.uint16)
        state.deg = rng.integers(0, 6, n).astype(np.uint16)
        state.wrong_ties = int(state.wrong_n.sum())
        states.append(state)
    plan = plan_for(states[0].params)
    a, b = states
    # the kernel's update, after the same wrong counts the numpy update would see
    legitimacy.update(a, plan)
    b.wrong, b.wrong_n, b.wrong_ties = a.wrong.copy(), a.wrong_n.copy(), a.wrong_ties
    _legitimacy_numpy(b, plan)
    assert a.wrong.any() and (a.legit == 0).any()  # the clip at 0 taken
    for name in ("legit", "dissent", "flags"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name


# --------------------------------------------------------------------------- firms and lists


def test_expire_sorted_takes_the_records_searchsorted_would():
    """``expire_sorted`` removes exactly the records a binary search assigns, true ones first."""
    from scslab.regime.fused import expire_sorted

    rng = np.random.default_rng(12)
    for _ in range(20):
        records = rng.integers(0, 6, size=rng.integers(1, 400)).astype(np.uint8)
        records[rng.random(records.size) < 0.3] = 0
        true = (records * rng.random(records.size)).astype(np.uint8)
        total = int(records.sum())
        if total == 0:
            continue
        rec = np.sort(rng.choice(total, size=int(rng.integers(0, total + 1)), replace=False))
        ends = np.cumsum(records.astype(np.int64))
        firm = np.searchsorted(ends, rec, side="right")
        within = rec - (ends[firm] - records[firm])
        want_rec = records.astype(np.int64) - np.bincount(firm, minlength=records.size)
        gone_true = np.bincount(firm[within < true[firm]], minlength=records.size)
        want_true = true.astype(np.int64) - gone_true
        got_rec, got_true = records.copy(), true.copy()
        expire_sorted(got_rec, got_true, rec.astype(np.int64))
        np.testing.assert_array_equal(got_rec, want_rec)
        np.testing.assert_array_equal(got_true, want_true)
        assert (got_true <= got_rec).all()


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8])
def test_unique_ints_is_np_unique(dtype):
    """`unique_ints` and `union_ints` give np.unique's and np.union1d's arrays, dtype included."""
    from scslab.regime.tables import union_ints, unique_ints

    rng = np.random.default_rng(3)
    for size in (0, 1, 2, 5, 1000):
        a = rng.integers(0, 50, size=size).astype(dtype)
        b = rng.integers(0, 50, size=size // 2 + 1).astype(dtype)
        want = np.unique(a)
        for got in (unique_ints(a), unique_ints(a, bound=50)):  # by sorting, by marking
            assert got.dtype == want.dtype
            np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(union_ints(a, b), np.union1d(a, b))


def test_repair_clears_exactly_the_clean_records():
    """``fused.repair`` is flatnonzero((lr >= 0) & (lr <= limit)) and clears those people."""
    from scslab.regime.fused import repair

    rng = np.random.default_rng(5)
    lr = rng.integers(-1, 60, size=5000).astype(np.int32)
    view = rng.integers(1, 9, size=(lr.size, 3)).astype(np.uint8)  # per person, per kind
    pts = rng.random(lr.size).astype(np.float32)
    limit = 25
    want = np.flatnonzero((lr >= 0) & (lr <= limit))
    want_lr, want_view, want_pts = lr.copy(), view.copy(), pts.copy()
    want_lr[want], want_view[want], want_pts[want] = -1, 0, 0.0
    due = repair(lr, view, pts, limit)
    assert due.dtype == np.int64
    np.testing.assert_array_equal(due, want)
    np.testing.assert_array_equal(lr, want_lr)
    np.testing.assert_array_equal(view, want_view)
    np.testing.assert_array_equal(pts, want_pts)
    assert repair(lr, view, pts, limit).size == 0  # nothing left to clear


@pytest.mark.parametrize("with_base", [True, False])
def test_participate_is_the_numpy_expression(with_base):
    """``fused.participate``: part = privacy < pull; joiners get the bit in cover (and base)."""
    from scslab.regime.fused import participate

    rng = np.random.default_rng(6)
    privacy = rng.random(4000).astype(np.float32)
    privacy[rng.random(privacy.size) < 0.1] = np.inf
    part = rng.random(privacy.size) < 0.3
    cover = rng.integers(0, 256, size=privacy.size).astype(np.uint8)
    base = cover.copy() if with_base else np.empty(0, np.uint8)
    pull, bit = np.float32(0.45), 8
    now = privacy < pull
    joined = np.flatnonzero(now & ~part)
    want_cover = cover.copy()
    want_cover[joined] |= np.uint8(bit)
    n = participate(privacy, pull, part, cover, base, bit)
    assert n == int(now.sum())
    np.testing.assert_array_equal(part, now)
    np.testing.assert_array_equal(cover, want_cover)
    if with_base:
        np.testing.assert_array_equal(base, want_cover)


def _random_ties(n, seed):
    """A random symmetric network of `n` people: (adjacency, indptr int64, indices int32)."""
    from scipy import sparse

    adj = sparse.random(n, n, density=0.003, random_state=seed, format="csr")
    adj = ((adj + adj.T) > 0).astype(np.int8).tocsr()
    return adj, adj.indptr.astype(np.int64), adj.indices.astype(np.int32)


def _rebuild_numpy(sanc, restr, persons, origin, masks, n_domains, indptr, indices, sanc_n):
    """The numpy expressions `sanctions.rebuild` used before `fused.rebuild`."""
    from scslab.population.network import count_changes
    from scslab.regime.tables import EVER, ORIG_OWN, ORIGIN_BIT, OWN, SANCTIONED

    old = sanc.copy()
    restr.fill(0)
    sanc &= EVER
    for o, bit in enumerate(ORIGIN_BIT):
        sel = origin == o
        sanc[persons[sel]] |= bit
        if o == ORIG_OWN:
            sanc[persons[sel]] |= EVER
    for b in range(n_domains):
        sel = (masks >> b) & 1 == 1
        restr[persons[sel]] |= np.uint8(1 << b)
    count_changes(indptr, indices, sanc, old, sanc_n, mask=int(SANCTIONED))
    listed = np.unique(persons)
    counts = np.bincount(restr[listed], minlength=256).astype(np.int64)
    counts[0] += sanc.size - listed.size
    return counts, int(np.count_nonzero(sanc & OWN))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rebuild_is_the_numpy_expressions(seed):
    """``fused.rebuild`` gives the bits, restrictions, neighbour counts and tallies of before."""
    from scslab.regime.fused import rebuild
    from scslab.regime.tables import EVER, ORIGIN_BIT, SANCTIONED

    rng = np.random.default_rng(seed)
    n, n_domains = 3000, 5
    adj, indptr, indices = _random_ties(n, seed)

    def table(rows):
        persons = rng.integers(0, n, rows).astype(np.int32)  # repeats: several rows a person
        origin = rng.integers(0, ORIGIN_BIT.size, rows).astype(np.uint8)
        masks = rng.integers(0, 256, rows).astype(np.uint8)  # bits beyond the domains too
        return persons, origin, masks

    # a state as the previous rebuild left it, plus EVER here and there
    sanc = np.where(rng.random(n) < 0.2, EVER, 0).astype(np.uint8)
    restr = np.zeros(n, np.uint8)
    sanc_n = np.zeros(n, np.int32)
    _rebuild_numpy(sanc, restr, *table(400), n_domains, indptr, indices, sanc_n)
    on = (sanc & SANCTIONED) != 0
    assert (sanc_n == adj @ on.astype(np.int64)).all()  # the counts are the ties' tallies
    sanc[rng.integers(0, n, 30)] |= ORIGIN_BIT[3]  # a bit set outside the table is cleared
    new = table(500)
    ref = sanc.copy(), restr.copy(), sanc_n.copy()
    want = _rebuild_numpy(*ref[:2], *new, n_domains, indptr, indices, ref[2])
    got = rebuild(sanc, restr, *new, n_domains, indptr, indices, sanc_n)
    np.testing.assert_array_equal(sanc, ref[0])
    np.testing.assert_array_equal(restr, ref[1])
    np.testing.assert_array_equal(sanc_n, ref[2])
    np.testing.assert_array_equal(got[0], want[0])
    assert got[1] == want[1]


def test_risk_candidates_is_the_numpy_expression():
    """``fused.risk_candidates``: a record or a sanctioned tie, but the skipped flags and bits."""
    from scslab.population.people import ABROAD, CHILD
    from scslab.regime.fused import risk_candidates
    from scslab.regime.tables import PREEMPT

    rng = np.random.default_rng(9)
    n = 5000
    last_record = np.where(rng.random(n) < 0.2, rng.integers(0, 40, n), -1).astype(np.int32)
    sanc_n = np.where(rng.random(n) < 0.2, rng.integers(1, 4, n), 0).astype(np.uint16)
    flags = rng.integers(0, 256, n).astype(np.uint8)
    sanc = rng.integers(0, 256, n).astype(np.uint8)
    skip_flags, skip_sanc = int(CHILD | ABROAD), int(PREEMPT)
    want = np.flatnonzero(
        ((last_record >= 0) | (sanc_n > 0))
        & ((flags & skip_flags) == 0)
        & ((sanc & skip_sanc) == 0)
    )
    got = risk_candidates(last_record, sanc_n, flags, sanc, skip_flags, skip_sanc)
    assert got.dtype == np.int64 and want.size > 100
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("seed", [4, 5])
def test_update_wrong_is_wrongly_sanctioned_and_count_changes(seed):
    """``fused.update_wrong`` gives `wrongly_sanctioned`'s people and the ties' counts."""
    from types import SimpleNamespace

    from scslab.population.network import count_changes
    from scslab.regime.fused import update_wrong
    from scslab.regime.legitimacy import wrongly_sanctioned
    from scslab.regime.tables import ORIGIN_BIT

    rng = np.random.default_rng(seed)
    n, rows = 3000, 600
    adj, indptr, indices = _random_ties(n, seed)
    persons = rng.integers(0, n, rows).astype(np.int32)
    origin = rng.integers(0, ORIGIN_BIT.size, rows).astype(np.uint8)
    basis = rng.integers(0, 4, rows).astype(np.uint8)
    sanc = np.zeros(n, np.uint8)
    sanc[persons] |= ORIGIN_BIT[origin]
    sanc[rng.integers(0, n, 50)] |= 32  # EVER alone is no sanction
    wrong = rng.random(n) < 0.05  # last step's, some of them no longer sanctioned
    wrong_n = (adj @ wrong.astype(np.int64)).astype(np.uint16)
    state = SimpleNamespace(sanc=sanc.copy(), ls_person=persons, ls_origin=origin, ls_basis=basis)
    want = wrongly_sanctioned(state)
    want_n = wrong_n.copy()
    want_ties = count_changes(indptr, indices, want, wrong.copy(), want_n)
    ties = update_wrong(wrong, sanc, persons, origin, basis, indptr, indices, wrong_n)
    np.testing.assert_array_equal(wrong, want)
    np.testing.assert_array_equal(wrong_n, want_n)
    np.testing.assert_array_equal(sanc, state.sanc)  # the spare bit is cleared again
    assert ties == want_ties and want.sum() > 20
