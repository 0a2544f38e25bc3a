"""Constants derived from the parameters once per run (never stored in `State`).

A `Plan` is a pure function of the parameters, so a run resumed from a
checkpoint rebuilds exactly the same one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

FIRM_RATINGS = ("A", "B", "C", "D")
ASSOC_BIT = 7  # coverage bit of associations abroad


def expected_duration(duration: int, exit_rate: float) -> float:
    """Mean steps on a list capped at `duration` with a daily exit probability."""
    if exit_rate <= 0:
        return float(duration)
    return float((1.0 - (1.0 - exit_rate) ** duration) / exit_rate)


def exit_hazard(
    fulfil: float, pressure: float, daily_cost: float, appeal: float, success_true: float
) -> float:
    """Daily probability that a guilty person's own listing ends before its term.

    Fulfilment ``fulfil (1 + pressure * daily_cost)`` or a won appeal
    ``appeal * success_true``, drawn independently as `sanctions.exits` does.
    """
    paid = min(1.0, fulfil * (1.0 + pressure * daily_cost))
    won = min(1.0, appeal * success_true)
    return float(1.0 - (1.0 - paid) * (1.0 - won))


def p_detect(plan: Plan, group: NDArray[Any], k: int, cover: NDArray[Any]) -> NDArray[np.float32]:
    """True chance that a source records an act of kind `k`, per person (group, coverage byte)."""
    if plan.p_even:
        return plan.p_table[0, k][cover]
    return plan.p_table[group, k, cover]


@dataclass
class Plan:
    """What the mechanisms need, derived from `RegimeParams`."""

    # switches
    behaviour: bool
    surveillance: bool
    integration: bool
    scoring: bool
    sanctions: bool
    discourse: bool
    preemption: bool
    ambiguity: bool
    abroad: bool
    covers: bool  # some mechanism needs coverage drawn
    # acts
    n_kinds: int
    act_names: list[str]
    speech: int
    rate: NDArray[np.float64]
    gain: NDArray[np.float64]
    gravity: NDArray[np.float64]
    unlawful: NDArray[np.bool_]
    disfavoured: NDArray[np.bool_]
    act_domain_bit: NDArray[np.uint8]  # 0 when the act names no domain
    triggers: NDArray[np.bool_]  # kinds whose record can lead to a blacklisting (lawful too)
    # perception
    a: float
    p_star: float
    c_star: float
    p_table: NDArray[np.float32]  # (groups, kinds, 256): true detection chance by coverage byte
    p_even: bool  # every group has the same p_table (read through `p_detect`)
    cost: NDArray[np.float64]  # (kinds,): true expected cost of a record
    family_cost: float  # expected cost on the family of a detected post abroad
    firm_p: float
    firm_cost: float
    # sources
    n_sources: int
    sees: NDArray[np.bool_]  # (sources, kinds), speech only when discourse is on
    q: NDArray[np.float64]  # (groups, sources): detection_prob x the group's detection_visibility
    f: NDArray[np.float64]  # (groups, sources): false_record_rate x false_record_visibility
    f_max: NDArray[np.float64]  # (sources,): the largest false-record rate over groups
    f_even: bool  # every group has the same false-record rates
    latency: NDArray[np.int64]
    # scoring
    deduction: NDArray[np.float32]
    band_min: NDArray[np.float64]  # ascending (worst first) for searchsorted
    band_names: list[str]
    # lists and domains
    n_lists: int
    list_black: NDArray[np.bool_]
    list_mask: NDArray[np.uint8]
    list_entry_acts: NDArray[np.bool_]  # (lists, kinds)
    list_entry_grade: NDArray[np.int64]  # grade index (0 = best) or -1
    list_firm_rating: NDArray[np.int64]  # 0..3 or -1
    list_duration: NDArray[np.int64]
    list_fulfil: NDArray[np.float64]
    list_pressure: NDArray[np.float64]
    list_appeal: NDArray[np.float64]
    list_success_true: NDArray[np.float64]
    list_success_false: NDArray[np.float64]
    list_benefit: NDArray[np.float64]
    list_initial: NDArray[np.float64]  # share of adults listed at init (the stock)
    list_exit: NDArray[np.float64]  # daily exit hazard of a guilty person's own listing
    list_stay: NDArray[np.float64]  # (lists, 2): expected stay on a true / a false basis
    list_names: list[str]
    domain_names: list[str]
    domain_cost: NDArray[np.float64]
    domain_attempt: NDArray[np.float64]
    spill_household: int
    spill_children: int
    mask_cost: NDArray[np.float64]  # (256,): daily cost of a domain mask
    preempt_mask: int
    family_mask: int


def _mask(names: list[str], domains: list[str]) -> int:
    m = 0
    for d in names:
        m |= 1 << domains.index(d)
    return m


def make_plan(p: Any) -> Plan:
    """Derive a `Plan` from `RegimeParams` (read by attribute only)."""
    acts = list(p.acts)
    k = len(acts)
    names = [a.name for a in acts]
    speech = next(i for i, a in enumerate(acts) if a.kind == "speech")
    domains = [d.name for d in p.sanctions.domains]
    surv, disc, abroad = p.surveillance.enabled, p.discourse.enabled, p.abroad.enabled
    a = float(p.ambiguity.level) if p.ambiguity.enabled else 0.0

    sources = list(p.surveillance.sources)
    s_n = len(sources)
    sees = np.zeros((s_n, k), dtype=bool)
    for i, s in enumerate(sources):
        for nm in s.sees:
            j = names.index(nm)
            # acts are watched when surveillance is on; speech when discourse is on
            sees[i, j] = disc if j == speech else surv
    groups = list(p.population.groups)
    det_vis = np.array([g.detection_visibility for g in groups], dtype=np.float64)
    false_vis = np.array([g.false_record_visibility for g in groups], dtype=np.float64)
    q1 = np.array([s.detection_prob for s in sources], dtype=np.float64)
    f1 = np.array([s.false_record_rate for s in sources], dtype=np.float64)
    q = np.minimum(1.0, det_vis[:, None] * q1[None, :])
    f = np.minimum(1.0, false_vis[:, None] * f1[None, :])
    latency = np.array([s.latency for s in sources], dtype=np.int64)

    masks = np.arange(256)
    miss = np.ones((len(groups), k, 256), dtype=np.float64)
    for i in range(s_n):
        covered = (masks >> i) & 1 == 1
        for j in range(k):
            if sees[i, j]:
                miss[:, j, covered] *= 1.0 - q[:, i : i + 1]
    if abroad and disc:
        covered = (masks >> ASSOC_BIT) & 1 == 1
        miss[:, speech, covered] *= 1.0 - float(p.abroad.association_detection)
    p_table = (1.0 - miss).astype(np.float32)

    # domains
    d_cost = np.array([d.cost for d in p.sanctions.domains], dtype=np.float64)
    d_attempt = np.array([d.attempt_rate for d in p.sanctions.domains], dtype=np.float64)
    spill_h = _mask([d.name for d in p.sanctions.domains if d.spill == "household"], domains)
    spill_c = _mask([d.name for d in p.sanctions.domains if d.spill == "children"], domains)
    mask_cost = np.zeros(256, dtype=np.float64)
    for b in range(len(domains)):
        mask_cost[(masks >> b) & 1 == 1] += d_cost[b]

    # lists
    lists = list(p.sanctions.lists)
    n_l = len(lists)
    band_names = [b.name for b in p.scoring.bands]
    lmask = np.zeros(n_l, dtype=np.uint8)
    for m in p.sanctions.memoranda:
        li = [x.name for x in lists].index(m.list)
        lmask[li] |= np.uint8(_mask(list(m.domains), domains))
    entry_acts = np.zeros((n_l, k), dtype=bool)
    for li, lst in enumerate(lists):
        for nm in lst.entry_acts:
            entry_acts[li, names.index(nm)] = True
    entry_grade = np.array(
        [band_names.index(x.entry_grade) if x.entry_grade else -1 for x in lists], dtype=np.int64
    )
    firm_rating = np.array(
        [FIRM_RATINGS.index(x.entry_firm_rating) if x.entry_firm_rating else -1 for x in lists],
        dtype=np.int64,
    )
    black = np.array([x.kind == "black" for x in lists], dtype=bool)
    duration = np.array([x.duration for x in lists], dtype=np.int64)
    fulfil = np.array([x.fulfilment_rate for x in lists], dtype=np.float64)
    appeal = np.array([x.appeal_rate for x in lists], dtype=np.float64)
    exit_rate = np.array(
        [
            exit_hazard(x.fulfilment_rate, x.pressure, mask_cost[lmask[li]], x.appeal_rate,
                        x.appeal_success_true)
            for li, x in enumerate(lists)
        ],
        dtype=np.float64,
    )  # fmt: skip

    list_stay = np.zeros((n_l, 2), dtype=np.float64)
    for li, x in enumerate(lists):
        cost_day = mask_cost[lmask[li]]
        for col, success in enumerate((x.appeal_success_true, x.appeal_success_false)):
            h = exit_hazard(x.fulfilment_rate, x.pressure, cost_day, x.appeal_rate, success)
            list_stay[li, col] = expected_duration(int(duration[li]), h)

    # deductions and bands
    deduction = np.zeros(k, dtype=np.float32)
    for nm, pts in p.scoring.deductions.items():
        deduction[names.index(nm)] = pts
    band_min = np.array([b.min_score for b in p.scoring.bands], dtype=np.float64)[::-1].copy()

    triggers = np.zeros(k, dtype=bool)
    for li in range(n_l):
        if black[li]:
            triggers |= entry_acts[li]
            if entry_grade[li] >= 0:
                triggers |= deduction > 0

    # the true expected cost of a record of each kind (what a fully informed person fears)
    cost = np.zeros(k, dtype=np.float64)
    if p.sanctions.enabled and p.integration.enabled:
        for li in range(n_l):
            if not black[li]:
                continue
            stay = expected_duration(int(duration[li]), float(exit_rate[li]))
            listing_cost = stay * mask_cost[lmask[li]]
            share = entry_acts[li].astype(np.float64)
            if entry_grade[li] >= 0 and p.scoring.enabled:
                # points to lose before reaching the entry grade (its upper bound)
                g = int(entry_grade[li])
                top = p.scoring.bands[g - 1].min_score if g > 0 else np.inf
                gap = max(float(p.scoring.base) - float(top), 1.0)
                share = np.maximum(share, np.minimum(1.0, deduction / gap))
            cost += share * listing_cost
    if disc:
        cost[speech] += float(p.discourse.penalty)
    family_cost = 0.0
    fam_mask = _mask(list(p.abroad.family_domains), domains)
    if abroad and disc:
        family_cost = (
            float(p.abroad.family_pressure) * p.abroad.family_duration * mask_cost[fam_mask]
        )

    firm_p = float(p.surveillance.firm_detection_prob) if surv else 0.0
    firm_cost = 0.0
    if p.sanctions.enabled and p.scoring.enabled and surv:
        gap = max(float(p.scoring.firm_base - p.scoring.firm_bands[2]), 1.0)
        share = min(1.0, float(p.scoring.firm_deduction) / gap)
        for li in range(n_l):
            if firm_rating[li] >= 0:
                firm_cost += share * float(duration[li]) * mask_cost[lmask[li]]

    covers = surv or disc or abroad
    return Plan(
        behaviour=bool(p.behaviour.enabled),
        surveillance=bool(surv),
        integration=bool(p.integration.enabled),
        scoring=bool(p.scoring.enabled),
        sanctions=bool(p.sanctions.enabled),
        discourse=bool(disc),
        preemption=bool(p.preemption.enabled),
        ambiguity=bool(p.ambiguity.enabled),
        abroad=bool(abroad),
        covers=bool(covers),
        n_kinds=k,
        act_names=names,
        speech=speech,
        rate=np.array([x.rate for x in acts], dtype=np.float64),
        gain=np.array([x.gain for x in acts], dtype=np.float64),
        gravity=np.array([x.gravity for x in acts], dtype=np.float64),
        unlawful=np.array([x.unlawful for x in acts], dtype=bool),
        disfavoured=np.array([x.kind == "disfavoured" for x in acts], dtype=bool),
        act_domain_bit=np.array(
            [(1 << domains.index(x.domain)) if x.domain else 0 for x in acts], dtype=np.uint8
        ),
        triggers=triggers,
        a=a,
        p_star=float(p.ambiguity.prior_detection),
        c_star=float(p.ambiguity.prior_cost),
        p_table=p_table,
        p_even=bool(np.all(p_table == p_table[:1])),
        cost=cost,
        family_cost=float(family_cost),
        firm_p=firm_p,
        firm_cost=float(firm_cost),
        n_sources=s_n,
        sees=sees,
        q=q,
        f=f,
        f_max=f.max(axis=0) if len(groups) else f1,
        f_even=bool(np.all(f == f[:1])),
        latency=latency,
        deduction=deduction,
        band_min=band_min,
        band_names=band_names,
        n_lists=n_l,
        list_black=black,
        list_mask=lmask,
        list_entry_acts=entry_acts,
        list_entry_grade=entry_grade,
        list_firm_rating=firm_rating,
        list_duration=duration,
        list_fulfil=fulfil,
        list_pressure=np.array([x.pressure for x in lists], dtype=np.float64),
        list_appeal=appeal,
        list_success_true=np.array([x.appeal_success_true for x in lists], dtype=np.float64),
        list_success_false=np.array([x.appeal_success_false for x in lists], dtype=np.float64),
        list_benefit=np.array([x.benefit for x in lists], dtype=np.float64),
        list_initial=np.array(
            [x.initial_share if x.kind == "black" else 0.0 for x in lists], dtype=np.float64
        ),
        list_exit=exit_rate,
        list_stay=list_stay,
        list_names=[x.name for x in lists],
        domain_names=domains,
        domain_cost=d_cost,
        domain_attempt=d_attempt,
        spill_household=spill_h,
        spill_children=spill_c,
        mask_cost=mask_cost,
        preempt_mask=_mask(list(p.preemption.domains), domains),
        family_mask=fam_mask,
    )
