"""The people's counts of the measures (`scslab.metrics._census`) are the numpy expressions'.

`measure` counts the people in a few numba loops instead of ~20 numpy passes with
temporaries of n entries. Here every measure that reads the people is computed again
with the numpy expressions it had before (`_measure_numpy`, `_group_rates_numpy`),
on the state of a real run whose per-person fields, households and listing rows are
then scrambled, so that every branch is taken by many people: children, people
abroad, private and public dissent, legitimacy at exactly 1/2, every sanction bit,
several sanctioned people in one household, groups that differ within a household,
every restriction mask and grade, people without an employer, and a number of
people that is not a multiple of 8 (the scan for the sanctioned reads 8 at a time).
"""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pytest

from scslab.engine import Streams, seed_material, seed_sequence
from scslab.metrics._census import census, count_groups, tally
from scslab.metrics.regime import disparate_impact, group_rates, measure
from scslab.population.people import ABROAD, CHILD, PRIVATE
from scslab.regime.model import plan_for
from scslab.regime.tables import (
    BASIS_FALSE,
    BASIS_NAMES,
    BASIS_TRUE,
    DFAM,
    EMPLOYEE,
    EVER,
    FAMILY,
    LISTINGS,
    ORIG_RED,
    OWN,
    RED,
    SANCTIONED,
)
from scslab.scenario import kernel, load_scenario


def _run(size: int, steps: int, seed: int = 3):
    scn = load_scenario("full-regime", {"params.population.size": size, "seed": seed})
    model = kernel("regime")
    streams = Streams(seed_sequence(seed_material(seed)))
    state = model.init(scn, streams)
    for _ in range(steps):
        model.step(state, streams)
        state.step += 1
    return state


def _group_rates_numpy(sanctioned, group, hh_start, n_groups):
    """`group_rates` as it was written with numpy (searchsorted, unique, bincount)."""
    starts = np.asarray(hh_start, dtype=np.int64)
    sizes_h = starts[1:] - starts[:-1]
    g_h = group[starts[:-1]].astype(np.int64)
    who = np.flatnonzero(sanctioned)
    counts = np.bincount(group[who].astype(np.int64), minlength=n_groups)
    sizes = np.bincount(group, minlength=n_groups)
    n_hh = np.bincount(g_h, minlength=n_groups)
    p = np.divide(counts, sizes, out=np.zeros(n_groups), where=sizes > 0)
    hh, y_h = np.unique(np.searchsorted(starts, who, side="right") - 1, return_counts=True)
    m_h = sizes_h[hh].astype(np.float64)
    y2 = np.bincount(g_h[hh], weights=y_h.astype(np.float64) ** 2, minlength=n_groups)
    ym = np.bincount(g_h[hh], weights=y_h * m_h, minlength=n_groups)
    m2 = np.bincount(g_h, weights=sizes_h.astype(np.float64) ** 2, minlength=n_groups)
    ss = np.maximum(y2 - 2.0 * p * ym + p**2 * m2, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        var_p = n_hh / np.maximum(n_hh - 1, 1) * ss / np.maximum(sizes, 1) ** 2
        var_log = np.where(counts > 0, var_p / np.maximum(p, 1e-300) ** 2, np.inf)
    return counts, sizes, var_log


def _measure_numpy(state, plan):
    """The measures that read the people, as `measure` computed them with numpy."""
    n = state.flags.size
    adults = max(int(state.n_adults), 1)
    out = {}
    adult = (state.flags & CHILD) == 0
    private = ((state.flags & PRIVATE) != 0)[adult]
    public = state.speaks[adult]
    out["dissent_private"] = float(private.mean()) if private.size else 0.0
    out["dissent_public"] = float(public.mean()) if public.size else 0.0
    legit = state.legit[adult]
    out["approval"] = float(np.count_nonzero(legit > np.float32(0.5))) / max(legit.size, 1)
    out["falsification_gap"] = float(np.count_nonzero(private & ~public)) / private.size
    abroad = (state.flags & ABROAD) != 0
    n_abroad = int(state.n_abroad)
    out["diaspora_dissent_public"] = np.count_nonzero(state.speaks & abroad) / n_abroad
    sanctioned = (state.sanc & SANCTIONED) != 0
    n_sanc = int(np.count_nonzero(sanctioned))
    live = state.ls_origin != ORIG_RED
    person = state.ls_person[live]
    basis = state.ls_basis[live]
    rightly = np.zeros(n, dtype=bool)
    rightly[person[basis == BASIS_TRUE]] = True
    wrongly = sanctioned & ~rightly
    out["sanctioned_share"] = n_sanc / n
    out["wrongly_sanctioned_share"] = float(np.count_nonzero(wrongly)) / n_sanc
    for b, name in enumerate(BASIS_NAMES, start=BASIS_FALSE):
        on_b = np.unique(person[basis == b])
        out[f"wrongly_sanctioned_{name}"] = float(np.count_nonzero(wrongly[on_b])) / n_sanc
    out["family_sanctioned"] = float(np.count_nonzero((state.sanc & (FAMILY | DFAM)) != 0)) / n
    groups = state.params.population.groups
    counts, sizes, var_log = _group_rates_numpy(
        sanctioned, state.group, state.hh_start, len(groups)
    )
    for g, grp in enumerate(groups):
        out[f"sanctioned_share_{grp.name}"] = float(counts[g]) / float(sizes[g])
    di = disparate_impact(counts, sizes, var_log)
    out["disparate_impact"], out["disparate_impact_lo"], out["disparate_impact_hi"] = di
    out["listed_share_adults"] = float(np.count_nonzero((state.sanc & OWN) != 0)) / adults
    out["ever_listed_share_adults"] = int(np.count_nonzero((state.sanc & EVER) != 0)) / adults
    out["redlisted_share"] = float(np.count_nonzero((state.sanc & RED) != 0)) / n
    by_mask = np.bincount(state.restr, minlength=256)
    masks = np.arange(by_mask.size)
    for d, name in enumerate(plan.domain_names):
        out[f"restricted_{name}"] = float(by_mask[(masks >> d) & 1 == 1].sum()) / n
    grades = np.bincount(state.grade.astype(np.int64), minlength=len(plan.band_names))
    for i, name in enumerate(plan.band_names):
        out[f"grade_{name}"] = float(grades[i]) / n
    on = state.firm_sanc_until >= int(state.step)
    employed = state.employer >= 0
    n_emp = int(np.count_nonzero(employed))
    mark = np.zeros(on.size + 1, bool)
    mark[: on.size] = on
    out["employees_affected_share"] = np.count_nonzero(mark[state.employer]) / n_emp
    out["employees_restricted_share"] = np.count_nonzero((state.sanc & EMPLOYEE) != 0) / n_emp
    return out


def _households(rng, n):
    """Household starts from 0 to n: sizes 1 to 12, many of 1."""
    sizes = np.minimum(rng.geometric(0.35, n), 12)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    starts = starts[starts < n]
    return np.append(starts, n).astype(np.int32)


def _scramble(state, seed):
    rng = np.random.default_rng(seed)
    n = state.flags.size
    u8 = np.uint8
    state.flags = rng.integers(0, 256, n).astype(u8)  # every bit: CHILD, ABROAD, PRIVATE ...
    state.n_abroad = int(np.count_nonzero(state.flags & ABROAD))
    state.speaks = rng.random(n) < 0.4
    state.legit = rng.random(n, dtype=np.float32)
    state.legit[rng.random(n) < 0.1] = np.float32(0.5)  # the boundary, not approval
    bits = rng.random((n, 8)) < np.array([0.08, 0.05, 0.03, 0.1, 0.02, 0.2, 0.04, 0.1])
    state.sanc = np.packbits(bits, axis=1, bitorder="little").ravel()
    state.restr = np.where(rng.random(n) < 0.6, 0, rng.integers(1, 256, n)).astype(u8)
    state.grade = rng.integers(0, 6, n).astype(np.int8)
    state.group = rng.integers(0, 3, n).astype(u8)  # groups differ within households
    state.hh_start = _households(rng, n)
    n_f = state.firm_sanc_until.size
    state.employer = rng.integers(-1, n_f, n).astype(np.int32)
    t = int(state.step)
    state.firm_sanc_until = rng.integers(t - 3, t + 3, n_f).astype(np.int32)
    rows = 2 * n // 3
    table = {
        "ls_person": rng.integers(0, n, rows),
        "ls_origin": rng.integers(0, 6, rows),
        "ls_basis": rng.integers(0, len(BASIS_NAMES) + 1, rows),
        "ls_innocent": rng.random(rows) < 0.5,
    }
    for col, dtype in LISTINGS.items():
        arr = table[col] if col in table else np.zeros(rows)
        setattr(state, col, np.asarray(arr).astype(dtype))


def _same(a, b):
    return a == b or (math.isnan(a) and math.isnan(b))


def test_measures_are_the_numpy_expressions_on_a_scrambled_state():
    state = _run(4003, 6)
    plan = plan_for(state.params)
    for seed in (None, 7, 8):  # the run's own state, then two scrambles
        if seed is not None:
            _scramble(state, seed)
        want = _measure_numpy(state, plan)
        got = measure(state, plan)
        for key, value in want.items():
            assert _same(got[key], float(value)), (seed, key, got[key], value)
    # the scrambled state took the branches it was built for
    assert state.flags.size % 8 != 0
    assert not math.isnan(got["disparate_impact"])
    assert 0 < got["wrongly_sanctioned_share"] < 1 and 0 < got["approval"] < 1
    sizes = np.diff(state.hh_start)
    assert (sizes == 1).any() and sizes.max() >= 8


def test_census_counts_are_the_bincounts():
    state = _run(3001, 3)
    _scramble(state, 5)
    on = state.firm_sanc_until >= int(state.step)
    cen = census(state, on, 3)
    assert np.array_equal(cen.restr, np.bincount(state.restr, minlength=256))
    assert np.array_equal(cen.grade, np.bincount(state.grade.astype(np.int64), minlength=256))
    ratings = np.random.default_rng(1).integers(0, 4, 1001).astype(np.int8)
    assert np.array_equal(tally(ratings), np.bincount(ratings, minlength=256))
    sizes, first = np.diff(state.hh_start), state.group[state.hh_start[:-1]]
    assert np.array_equal(cen.by_group["people"], np.bincount(state.group, minlength=3))
    assert np.array_equal(cen.by_group["households"], np.bincount(first, minlength=3))
    assert np.array_equal(cen.by_group["m2"], np.bincount(first, weights=sizes**2).astype(int))
    sanctioned = (state.sanc & SANCTIONED) != 0
    assert cen.totals["sanctioned"] == np.count_nonzero(sanctioned)
    assert np.array_equal(cen.by_group["sanctioned"], np.bincount(state.group[sanctioned]))
    adult = (state.flags & CHILD) == 0
    assert cen.totals["adults"] == np.count_nonzero(adult)
    employed = state.employer >= 0
    assert cen.totals["employed"] == np.count_nonzero(employed)
    assert cen.totals["affected"] == np.count_nonzero(on[state.employer[employed]])


@pytest.mark.parametrize("dtype", [np.uint8, np.int64])
@pytest.mark.parametrize("share", [0.0, 0.004, 0.3, 1.0])
def test_group_rates_is_the_numpy_formula(dtype, share):
    rng = np.random.default_rng(int(share * 1000))
    n = 5005
    hh = _households(rng, n)
    group = np.repeat(rng.integers(0, 4, hh.size - 1), np.diff(hh)).astype(dtype)
    group[rng.random(n) < 0.05] = 2  # a few people apart from their household's group
    sanctioned = rng.random(n) < share
    sanctioned[hh[10] : hh[12]] = share > 0  # whole households sanctioned together
    for hh_start in (hh, hh.astype(np.int64)):
        got = group_rates(sanctioned, group, hh_start, 4)
        want = _group_rates_numpy(sanctioned, group, hh_start, 4)
        for a, b in zip(got, want, strict=True):
            assert a.dtype == b.dtype and np.array_equal(a, b)


def test_group_rates_refuses_households_that_miss_people():
    with pytest.raises(ValueError, match="households must cover"):
        count_groups(np.zeros(10, bool), np.zeros(10, np.uint8), np.array([0, 4, 9]), 1)


def test_measure_allocates_no_array_of_the_people():
    """The peak of the arrays `measure` allocates is far below one byte a person."""
    state = _run(200_000, 3)
    plan = plan_for(state.params)
    measure(state, plan)  # imports, kernels loaded
    tracemalloc.start()
    measure(state, plan)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < state.flags.size // 4, peak
