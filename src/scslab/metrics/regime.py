"""Measures of the regime model: pure functions of `State` (see ``docs/metrics.md``)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from scslab.engine import State
from scslab.population.people import ABROAD, CHILD, PRIVATE
from scslab.regime.tables import (
    DFAM,
    EVER,
    FAMILY,
    ORIG_PREEMPT,
    ORIG_RED,
    OWN,
    RED,
    SANCTIONED,
)


def ratio(num: float | np.integer[Any], den: float | np.integer[Any], empty: float) -> float:
    """``num / den``, or `empty` when ``den == 0``."""
    return float(num) / float(den) if den else float(empty)


def disparate_impact(counts: NDArray[Any], sizes: NDArray[Any]) -> float:
    """Highest over lowest group rate, each with a continuity correction ``(c + 0.5) / (n + 1)``.

    Always finite; exactly 1 when nobody is sanctioned. The correction keeps a
    group with no sanctioned member from dividing by zero.

    Examples
    --------
    >>> disparate_impact(np.array([0, 0]), np.array([10, 30]))
    1.0
    >>> round(disparate_impact(np.array([10, 10]), np.array([100, 300])), 2)
    2.98
    """
    live = sizes > 0
    if not live.any() or counts[live].sum() == 0:
        return 1.0
    rates = (counts[live] + 0.5) / (sizes[live] + 1.0)
    return float(rates.max() / rates.min())


def falsification_gap(private: NDArray[np.bool_], public: NDArray[np.bool_]) -> float:
    """Share who dissent in private but not in public (preference falsification)."""
    if private.size == 0:
        return 0.0
    return float(np.count_nonzero(private & ~public)) / private.size


def measure(state: State, plan: Any) -> dict[str, float]:
    """Every measure of the regime model at the current step."""
    n = state.flags.size
    home_adults = max(int(state.n_home_adults), 1)
    adults = max(int(state.n_adults), 1)
    out: dict[str, float] = {}

    # acts
    for k, name in enumerate(plan.act_names):
        if k == plan.speech:
            continue
        out[f"acts_{name}"] = float(state.s_acts[k]) / home_adults
    out["disfavoured_rate"] = float(state.s_acts[plan.disfavoured].sum()) / home_adults

    # dissent
    adult = (state.flags & CHILD) == 0
    private = ((state.flags & PRIVATE) != 0)[adult]
    public = state.speaks[adult]
    out["dissent_private"] = float(private.mean()) if private.size else 0.0
    out["dissent_public"] = float(public.mean()) if public.size else 0.0
    out["falsification_gap"] = falsification_gap(private, public)
    out[f"acts_{plan.act_names[plan.speech]}"] = out["dissent_public"]
    abroad = (state.flags & ABROAD) != 0
    out["diaspora_dissent_public"] = ratio(
        np.count_nonzero(state.speaks & abroad), int(state.n_abroad), 0.0
    )

    # sanctions
    # "innocent": no true unlawful act in the window before the listing (rows keep it)
    sanctioned = (state.sanc & SANCTIONED) != 0
    n_sanc = int(np.count_nonzero(sanctioned))
    live = state.ls_origin != ORIG_RED
    guilty = np.zeros(n, dtype=bool)
    guilty[state.ls_person[live & ~state.ls_innocent]] = True
    out["sanctioned_share"] = n_sanc / n
    out["sanctioned_innocent_share"] = ratio(np.count_nonzero(sanctioned & ~guilty), n_sanc, 0.0)
    out["restriction_person_days"] = float(state.c_person_days) / n
    out["family_sanctioned"] = float(np.count_nonzero((state.sanc & (FAMILY | DFAM)) != 0)) / n
    out["amplification"] = ratio(state.c_domains_imposed, state.c_trigger_recorded, 0.0)
    out["state_precision"] = ratio(state.c_records_correct, state.c_records, 1.0)
    out["state_recall"] = ratio(state.c_unlawful_recorded, state.c_unlawful_acts, 1.0)
    sizes = np.bincount(state.group, minlength=len(state.params.population.groups))
    counts = np.bincount(state.group[sanctioned], minlength=sizes.size)
    for g, grp in enumerate(state.params.population.groups):
        out[f"sanctioned_share_{grp.name}"] = ratio(counts[g], sizes[g], 0.0)
    out["disparate_impact"] = disparate_impact(counts, sizes)
    pre_rows = state.ls_origin == ORIG_PREEMPT
    pre_people = np.unique(state.ls_person[pre_rows])
    pre_guilty = np.unique(state.ls_person[pre_rows & ~state.ls_innocent])
    out["preempted"] = pre_people.size / n
    out["preempted_innocent_share"] = ratio(pre_people.size - pre_guilty.size, pre_people.size, 0.0)
    own = (state.sanc & OWN) != 0
    out["listed_share_adults"] = float(np.count_nonzero(own)) / adults
    ever = int(np.count_nonzero((state.sanc & EVER) != 0))
    out["ever_listed_share_adults"] = ever / adults
    out["new_listings_per_adult"] = float(state.c_listings) / adults
    out["blocked_per_listed_year"] = ratio(365.0 * state.c_blocked, state.c_own_days, 0.0)
    out["redlisted_share"] = float(np.count_nonzero((state.sanc & RED) != 0)) / n
    out["cross_context_share"] = ratio(state.c_cross_days, state.c_row_days, 0.0)
    out["disproportion"] = ratio(state.c_cost, state.c_gravity, 0.0)
    # share restricted in each domain: one pass over the bitmask, then per bit
    by_mask = np.bincount(state.restr, minlength=256)
    masks = np.arange(by_mask.size)
    for d, name in enumerate(plan.domain_names):
        out[f"restricted_{name}"] = float(by_mask[(masks >> d) & 1 == 1].sum()) / n

    # grades and firms
    grades = np.bincount(state.grade.astype(np.int64), minlength=len(plan.band_names))
    for i, name in enumerate(plan.band_names):
        out[f"grade_{name}"] = float(grades[i]) / n
    n_f = max(int(state.firm_rep.size), 1)
    out["firm_compliance"] = 1.0 - float(state.s_firm_viol) / n_f
    ratings = np.bincount(state.firm_rating.astype(np.int64), minlength=4)
    for i, name in enumerate(("A", "B", "C", "D")):
        out[f"firm_rating_{name}"] = float(ratings[i]) / n_f

    # welfare per person this step: income + gains - restriction costs + benefits - fines
    out["welfare"] = (
        state.income_mean + (state.s_gain - state.s_cost + state.s_benefit - state.s_penalty) / n
    )
    return out
