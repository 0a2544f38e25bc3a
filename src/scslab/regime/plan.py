"""Constants derived from the parameters once per run (never stored in `State`).

A `Plan` is a pure function of the parameters, so a run resumed from a
checkpoint rebuilds exactly the same one. Its fields carry the schema's names
(``surveillance.sources[*].false_record_rate`` is ``Plan.false_record_rate``,
``ambiguity.level`` is ``Plan.ambiguity_level``, ``sanctions.lists[*].appeal_rate``
is ``Plan.list_appeal_rate``), and `make_plan` builds it one mechanism at a time
(``_acts``, ``_surveillance``, ``_domains``, ``_scoring``, ``_lists``, ...), so a
parameter can be followed by its name from the YAML to the kernel and the measures.
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
    """What the mechanisms need, derived from `RegimeParams` (schema names)."""

    # switches: each mechanism's `enabled`
    behaviour: bool
    surveillance: bool
    integration: bool
    scoring: bool
    sanctions: bool
    discourse: bool
    preemption: bool
    ambiguity: bool
    abroad: bool
    incentives: bool
    participation: bool
    legitimacy: bool
    covers: bool  # some mechanism needs coverage drawn
    # acts[*]
    n_kinds: int
    act_names: list[str]
    speech: int  # index of the act of kind "speech"
    rate: NDArray[np.float64]
    gain: NDArray[np.float64]
    gravity: NDArray[np.float64]
    unlawful: NDArray[np.bool_]
    disfavoured: NDArray[np.bool_]
    act_domain_bit: NDArray[np.uint8]  # 0 when the act names no domain
    triggers: NDArray[np.bool_]  # kinds whose record can lead to a blacklisting (lawful too)
    # ambiguity
    ambiguity_level: float  # ambiguity.level, 0 when ambiguity is off
    ambiguity_kind: NDArray[np.float64]  # per act kind: the level where its rules are vague, else 0
    ambiguity_firm: float  # the level for firms' compliance (0 when ambiguity.acts lists kinds)
    prior_detection: float
    prior_cost: float
    # perception: the true chances and costs people would know at ambiguity 0
    p_table: NDArray[np.float32]  # (groups, kinds, 256): true detection chance by coverage byte
    p_even: bool  # every group has the same p_table (read through `p_detect`)
    record_cost: NDArray[np.float64]  # (kinds,): true expected cost of a record
    family_cost: float  # expected cost on the family of a detected post abroad
    firm_detection_prob: float  # surveillance.firm_detection_prob, 0 when surveillance is off
    firm_cost: float  # expected cost of a firm's violation
    # surveillance.sources[*]
    n_sources: int
    sees: NDArray[np.bool_]  # (sources, kinds), speech only when discourse is on
    detection_prob: NDArray[np.float64]  # (groups, sources): x the group's detection_visibility
    false_record_rate: NDArray[np.float64]  # (groups, sources): x false_record_visibility
    false_record_rate_max: NDArray[np.float64]  # (sources,): the largest over groups
    false_record_even: bool  # every group has the same false-record rates
    latency: NDArray[np.int64]
    # scoring
    deductions: NDArray[np.float32]  # (kinds,): scoring.deductions by act kind
    band_min_score: NDArray[np.float64]  # ascending (worst first) for searchsorted
    band_names: list[str]
    # sanctions.lists[*] and memoranda
    n_lists: int
    list_names: list[str]
    list_black: NDArray[np.bool_]  # kind == "black"
    list_domain_mask: NDArray[np.uint8]  # the domains its memoranda impose
    list_entry_acts: NDArray[np.bool_]  # (lists, kinds)
    list_entry_grade: NDArray[np.int64]  # grade index (0 = best) or -1
    list_entry_firm_rating: NDArray[np.int64]  # 0..3 or -1
    list_duration: NDArray[np.int64]
    list_fulfilment_rate: NDArray[np.float64]
    list_pressure: NDArray[np.float64]
    list_appeal_rate: NDArray[np.float64]
    list_appeal_success_true: NDArray[np.float64]
    list_appeal_success_false: NDArray[np.float64]
    list_benefit: NDArray[np.float64]
    list_initial_share: NDArray[np.float64]  # share of adults listed at init (blacklists)
    list_exit_hazard: NDArray[np.float64]  # daily exit hazard of a guilty person's own listing
    list_stay: NDArray[np.float64]  # (lists, 2): expected stay on a true / a false basis
    # sanctions.domains[*]
    domain_names: list[str]
    domain_cost: NDArray[np.float64]
    domain_attempt_rate: NDArray[np.float64]
    spill_household: int  # mask of the domains with spill "household"
    spill_children: int  # mask of the domains with spill "children"
    mask_cost: NDArray[np.float64]  # (256,): daily cost of a domain mask
    preemption_domain_mask: int  # preemption.domains
    family_domain_mask: int  # abroad.family_domains
    association_services: bool  # abroad.association_services (abroad on): membership by choice
    # members' reports of ties: abroad.association_detection, 0 unless services and discourse on
    association_detection: float
    # incentives, participation
    perk_at_stake: NDArray[np.float64]  # (kinds,): perks a record would forfeit, if redlisted
    participation_bit: int  # coverage bit of participation.source (0: none)
    # firms that act and suffer (``firms``; all inert while it is off)
    firms: bool  # firms.enabled
    firm_sector_violation: NDArray[np.float64]  # (sectors,): population.firms.sectors[*].violation
    firm_sanction_rating: int  # firms.sanction_rating, 0 (A) .. 3 (D)
    firm_daily_cost: float  # procurement + loan + inspection cost, per person of a firm per step
    firm_sanction_share: float  # share of the way to the sanction rating one record takes
    employee_domain_mask: int  # firms.employee_domains


def _mask(names: list[str], domains: list[str]) -> int:
    m = 0
    for d in names:
        m |= 1 << domains.index(d)
    return m


Part = dict[str, Any]


def _switches(p: Any) -> Part:
    """Each mechanism's ``enabled``; ``covers`` when some mechanism needs coverage drawn."""
    surv, disc, abroad = p.surveillance.enabled, p.discourse.enabled, p.abroad.enabled
    return {
        "behaviour": bool(p.behaviour.enabled),
        "surveillance": bool(surv),
        "integration": bool(p.integration.enabled),
        "scoring": bool(p.scoring.enabled),
        "sanctions": bool(p.sanctions.enabled),
        "discourse": bool(disc),
        "preemption": bool(p.preemption.enabled),
        "ambiguity": bool(p.ambiguity.enabled),
        "abroad": bool(abroad),
        "incentives": bool(p.incentives.enabled),
        "participation": bool(p.participation.enabled),
        "legitimacy": bool(p.legitimacy.enabled),
        "covers": bool(surv or disc or abroad),
    }


def _acts(p: Any) -> Part:
    """``acts[*]``: names, rate, gain, gravity, unlawful, kind, domain."""
    acts = list(p.acts)
    domains = [d.name for d in p.sanctions.domains]
    return {
        "n_kinds": len(acts),
        "act_names": [a.name for a in acts],
        "speech": next(i for i, a in enumerate(acts) if a.kind == "speech"),
        "rate": np.array([x.rate for x in acts], dtype=np.float64),
        "gain": np.array([x.gain for x in acts], dtype=np.float64),
        "gravity": np.array([x.gravity for x in acts], dtype=np.float64),
        "unlawful": np.array([x.unlawful for x in acts], dtype=bool),
        "disfavoured": np.array([x.kind == "disfavoured" for x in acts], dtype=bool),
        "act_domain_bit": np.array(
            [(1 << domains.index(x.domain)) if x.domain else 0 for x in acts], dtype=np.uint8
        ),
    }


def _ambiguity(p: Any) -> Part:
    """``ambiguity.level`` (0 when switched off), by act kind and for firms; the priors.

    ``ambiguity.acts`` scopes the vagueness: null makes every act kind and firms'
    compliance vague; a list makes only those kinds vague (the others perceive
    their true chances and costs) and firms know their rules.
    """
    level = float(p.ambiguity.level) if p.ambiguity.enabled else 0.0
    scope = p.ambiguity.acts
    names = [a.name for a in p.acts]
    kind = np.array(
        [level if scope is None or name in scope else 0.0 for name in names], dtype=np.float64
    )
    return {
        "ambiguity_level": level,
        "ambiguity_kind": kind,
        "ambiguity_firm": level if scope is None else 0.0,
        "prior_detection": float(p.ambiguity.prior_detection),
        "prior_cost": float(p.ambiguity.prior_cost),
    }


def _surveillance(p: Any, acts: Part) -> Part:
    """``surveillance.sources[*]`` by group, and the true detection table by coverage byte."""
    k, speech, names = acts["n_kinds"], acts["speech"], acts["act_names"]
    surv, disc = p.surveillance.enabled, p.discourse.enabled
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

    masks = np.arange(256)
    miss = np.ones((len(groups), k, 256), dtype=np.float64)
    for i in range(s_n):
        covered = (masks >> i) & 1 == 1
        for j in range(k):
            if sees[i, j]:
                miss[:, j, covered] *= 1.0 - q[:, i : i + 1]
    if p.abroad.enabled and disc:
        covered = (masks >> ASSOC_BIT) & 1 == 1
        miss[:, speech, covered] *= 1.0 - float(p.abroad.association_detection)
    p_table = (1.0 - miss).astype(np.float32)
    return {
        "n_sources": s_n,
        "sees": sees,
        "detection_prob": q,
        "false_record_rate": f,
        "false_record_rate_max": f.max(axis=0) if len(groups) else f1,
        "false_record_even": bool(np.all(f == f[:1])),
        "latency": np.array([s.latency for s in sources], dtype=np.int64),
        "p_table": p_table,
        "p_even": bool(np.all(p_table == p_table[:1])),
        "firm_detection_prob": float(p.surveillance.firm_detection_prob) if surv else 0.0,
    }


def _domains(p: Any) -> Part:
    """``sanctions.domains[*]``: cost, attempt_rate, spill; the daily cost of each mask."""
    domains = [d.name for d in p.sanctions.domains]
    d_cost = np.array([d.cost for d in p.sanctions.domains], dtype=np.float64)
    masks = np.arange(256)
    mask_cost = np.zeros(256, dtype=np.float64)
    for b in range(len(domains)):
        mask_cost[(masks >> b) & 1 == 1] += d_cost[b]
    return {
        "domain_names": domains,
        "domain_cost": d_cost,
        "domain_attempt_rate": np.array(
            [d.attempt_rate for d in p.sanctions.domains], dtype=np.float64
        ),
        "spill_household": _mask(
            [d.name for d in p.sanctions.domains if d.spill == "household"], domains
        ),
        "spill_children": _mask(
            [d.name for d in p.sanctions.domains if d.spill == "children"], domains
        ),
        "mask_cost": mask_cost,
        "preemption_domain_mask": _mask(list(p.preemption.domains), domains),
    }


def _scoring(p: Any, acts: Part) -> Part:
    """``scoring.deductions`` by act kind and ``scoring.bands`` (worst first)."""
    deductions = np.zeros(acts["n_kinds"], dtype=np.float32)
    for nm, pts in p.scoring.deductions.items():
        deductions[acts["act_names"].index(nm)] = pts
    return {
        "deductions": deductions,
        "band_min_score": np.array([b.min_score for b in p.scoring.bands], dtype=np.float64)[
            ::-1
        ].copy(),
        "band_names": [b.name for b in p.scoring.bands],
    }


def _lists(p: Any, acts: Part, domains: Part, scoring: Part) -> Part:
    """``sanctions.lists[*]`` and ``sanctions.memoranda``; exit hazards and expected stays."""
    names, mask_cost = acts["act_names"], domains["mask_cost"]
    lists = list(p.sanctions.lists)
    n_l = len(lists)
    band_names = scoring["band_names"]
    lmask = np.zeros(n_l, dtype=np.uint8)
    for m in p.sanctions.memoranda:
        li = [x.name for x in lists].index(m.list)
        lmask[li] |= np.uint8(_mask(list(m.domains), domains["domain_names"]))
    entry_acts = np.zeros((n_l, acts["n_kinds"]), dtype=bool)
    for li, lst in enumerate(lists):
        for nm in lst.entry_acts:
            entry_acts[li, names.index(nm)] = True
    entry_grade = np.array(
        [band_names.index(x.entry_grade) if x.entry_grade else -1 for x in lists], dtype=np.int64
    )
    black = np.array([x.kind == "black" for x in lists], dtype=bool)
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
            list_stay[li, col] = expected_duration(int(x.duration), h)

    triggers = np.zeros(acts["n_kinds"], dtype=bool)
    for li in range(n_l):
        if black[li]:
            triggers |= entry_acts[li]
            if entry_grade[li] >= 0:
                triggers |= scoring["deductions"] > 0
    return {
        "triggers": triggers,
        "n_lists": n_l,
        "list_names": [x.name for x in lists],
        "list_black": black,
        "list_domain_mask": lmask,
        "list_entry_acts": entry_acts,
        "list_entry_grade": entry_grade,
        "list_entry_firm_rating": np.array(
            [FIRM_RATINGS.index(x.entry_firm_rating) if x.entry_firm_rating else -1 for x in lists],
            dtype=np.int64,
        ),
        "list_duration": np.array([x.duration for x in lists], dtype=np.int64),
        "list_fulfilment_rate": np.array([x.fulfilment_rate for x in lists], dtype=np.float64),
        "list_pressure": np.array([x.pressure for x in lists], dtype=np.float64),
        "list_appeal_rate": np.array([x.appeal_rate for x in lists], dtype=np.float64),
        "list_appeal_success_true": np.array(
            [x.appeal_success_true for x in lists], dtype=np.float64
        ),
        "list_appeal_success_false": np.array(
            [x.appeal_success_false for x in lists], dtype=np.float64
        ),
        "list_benefit": np.array([x.benefit for x in lists], dtype=np.float64),
        "list_initial_share": np.array(
            [x.initial_share if x.kind == "black" else 0.0 for x in lists], dtype=np.float64
        ),
        "list_exit_hazard": exit_rate,
        "list_stay": list_stay,
    }


def _record_cost(p: Any, acts: Part, domains: Part, scoring: Part, lists: Part) -> Part:
    """The true expected cost of a record of each kind (what a fully informed person fears)."""
    k, speech = acts["n_kinds"], acts["speech"]
    mask_cost = domains["mask_cost"]
    cost = np.zeros(k, dtype=np.float64)
    if p.sanctions.enabled and p.integration.enabled:
        for li in range(lists["n_lists"]):
            if not lists["list_black"][li]:
                continue
            stay = expected_duration(
                int(lists["list_duration"][li]), float(lists["list_exit_hazard"][li])
            )
            listing_cost = stay * mask_cost[lists["list_domain_mask"][li]]
            share = lists["list_entry_acts"][li].astype(np.float64)
            g = int(lists["list_entry_grade"][li])
            if g >= 0 and p.scoring.enabled:
                # points to lose before reaching the entry grade (its upper bound)
                top = p.scoring.bands[g - 1].min_score if g > 0 else np.inf
                gap = max(float(p.scoring.base) - float(top), 1.0)
                share = np.maximum(share, np.minimum(1.0, scoring["deductions"] / gap))
            cost += share * listing_cost
    if p.discourse.enabled:
        cost[speech] += float(p.discourse.penalty)
    return {"record_cost": cost}


def _abroad(p: Any, domains: Part) -> Part:
    """``abroad.family_*``: the expected cost on the family of a detected post abroad.

    ``abroad.association_services``: membership by choice; ``association_detection``
    is the chance a member reports a tie's public post (0 with the services off, and
    without discourse: nothing to report; an association's report of its own member
    is in ``p_table`` by the coverage bit).
    """
    fam_mask = _mask(list(p.abroad.family_domains), domains["domain_names"])
    family_cost = 0.0
    if p.abroad.enabled and p.discourse.enabled:
        family_cost = (
            float(p.abroad.family_pressure)
            * p.abroad.family_duration
            * domains["mask_cost"][fam_mask]
        )
    services = bool(p.abroad.enabled and p.abroad.association_services)
    return {
        "family_cost": float(family_cost),
        "family_domain_mask": fam_mask,
        "association_services": services,
        "association_detection": (
            float(p.abroad.association_detection) if services and p.discourse.enabled else 0.0
        ),
    }


def _firms(p: Any, domains: Part, lists: Part) -> Part:
    """The true expected cost of a firm's violation (its rating falling to a listed one)."""
    firm_cost = 0.0
    if p.sanctions.enabled and p.scoring.enabled and p.surveillance.enabled:
        gap = max(float(p.scoring.firm_base - p.scoring.firm_bands[2]), 1.0)
        share = min(1.0, float(p.scoring.firm_deduction) / gap)
        for li in range(lists["n_lists"]):
            if lists["list_entry_firm_rating"][li] >= 0:
                firm_cost += (
                    share
                    * float(lists["list_duration"][li])
                    * domains["mask_cost"][lists["list_domain_mask"][li]]
                )
    return {"firm_cost": float(firm_cost)}


def _incentives(p: Any, scoring: Part, lists: Part) -> Part:
    """``incentives``: the perks a record of each kind forfeits; ``participation.source``'s bit.

    For each redlist: ``benefit x duration x min(1, deduction / margin)``, the margin
    being the points a redlisted person holds above the redlist's entry grade at most
    (``base + max_bonus - min_score``): the share of the redlist's standing a record
    takes away. Summed over redlists, times ``incentives.perk_weight``. People weigh it
    by P(redlist) as they see it (`incentives.perk_factor`).
    """
    perk = np.zeros(scoring["deductions"].size, dtype=np.float64)
    if p.incentives.enabled and p.scoring.enabled and p.sanctions.enabled:
        top = float(p.scoring.base) + float(p.scoring.max_bonus)
        for li in range(lists["n_lists"]):
            g = int(lists["list_entry_grade"][li])
            if lists["list_black"][li] or g < 0:
                continue
            margin = max(top - float(p.scoring.bands[g].min_score), 1.0)
            share = np.minimum(1.0, scoring["deductions"].astype(np.float64) / margin)
            perk += lists["list_benefit"][li] * float(lists["list_duration"][li]) * share
        perk *= float(p.incentives.perk_weight)
    bit = 0
    src = p.participation.source
    if p.participation.enabled and src is not None:
        bit = 1 << [s.name for s in p.surveillance.sources].index(src)
    return {"perk_at_stake": perk, "participation_bit": bit}


def _firm_mechanism(p: Any, domains: Part) -> Part:
    """``firms``: sector propensities, the sanction rating and its daily cost per person.

    ``firm_sanction_share`` is the share of the points between a clean score and
    the sanction rating (the lowest score of the rating above it) that one record
    deducts, at most 1: the chance a firm weighs that a record brings the sanction.
    """
    f = p.firms
    r = FIRM_RATINGS.index(f.sanction_rating)
    sc = p.scoring
    if r == 0:
        share = 1.0
    else:
        gap = max(float(sc.firm_base) - float(sc.firm_bands[r - 1]), 1.0)
        share = min(1.0, float(sc.firm_deduction) / gap)
    return {
        "firms": bool(f.enabled),
        "firm_sector_violation": np.array(
            [s.violation for s in p.population.firms.sectors], dtype=np.float64
        ),
        "firm_sanction_rating": r,
        "firm_daily_cost": float(f.procurement_cost + f.loan_cost + f.inspection_cost),
        "firm_sanction_share": float(share),
        "employee_domain_mask": _mask(list(f.employee_domains), domains["domain_names"]),
    }


def make_plan(p: Any) -> Plan:
    """Derive a `Plan` from `RegimeParams` (read by attribute only), one part per mechanism."""
    acts = _acts(p)
    domains = _domains(p)
    scoring = _scoring(p, acts)
    lists = _lists(p, acts, domains, scoring)
    return Plan(
        **_switches(p),
        **acts,
        **_ambiguity(p),
        **_surveillance(p, acts),
        **domains,
        **scoring,
        **lists,
        **_record_cost(p, acts, domains, scoring, lists),
        **_abroad(p, domains),
        **_firms(p, domains, lists),
        **_incentives(p, scoring, lists),
        **_firm_mechanism(p, domains),
    )
