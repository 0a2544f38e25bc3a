"""Measures of the regime model: pure functions of `State` (see ``docs/metrics.md``)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from scslab.engine import State
from scslab.engine.describe import Category, Description, Lever, Measure
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


# --------------------------------------------------------------------------- declarations
_FALSE = "params.surveillance.sources[*].false_record_rate"
_COVER = "params.surveillance.sources[*].coverage"
_DETECT = "params.surveillance.sources[*].detection_prob"
_COST = "params.sanctions.domains[*].cost"
_MEMO = "params.sanctions.memoranda[:n]"
_LINK = "params.integration.linkage_accuracy"
_THRESH = "params.preemption.threshold"
_PROP = "params.discourse.propaganda"
_LEGIT = "params.behaviour.legitimacy"
_AMBIG = "params.ambiguity.level"
_VIS = "params.population.groups[*].visibility"
_ASSOC = "params.abroad.association_detection"
_PRESSURE = "params.abroad.family_pressure"

MEASURES: tuple[Measure, ...] = (
    Measure(
        "dissent_private",
        "private dissent",
        "share of adults",
        "adults with private dissent d > behaviour.private_cut / adults; fixed at "
        "initialisation (the regime never changes it)",
        share=True,
        headline=True,
        levers=(_LEGIT,),
    ),
    Measure(
        "dissent_public",
        "public dissent",
        "share of adults",
        "adults who speak in public this step / adults",
        share=True,
        headline=True,
        levers=(_PROP, _LEGIT),
    ),
    Measure(
        "falsification_gap",
        "falsification gap (private minus public dissent)",
        "share of adults",
        "adults who dissent in private but not in public this step / adults (Kuran's "
        "preference falsification)",
        share=True,
        headline=True,
        levers=(_PROP,),
    ),
    Measure(
        "disfavoured_rate",
        "lawful but disfavoured acts",
        "acts per home adult",
        "acts of the kinds marked disfavoured this step / home adults: the chilling of lawful acts",
        share=True,
        headline=True,
        levers=(_AMBIG,),
    ),
    Measure(
        "acts_{kind}",
        "{kind} acts",
        "acts per home adult",
        "acts of that kind this step / home adults (the speech act: = dissent_public)",
        share=True,
    ),
    Measure(
        "sanctioned_share",
        "people sanctioned",
        "share of people",
        "people under any sanction now (own listing, family spill-over, pre-emption, "
        "family of a dissenter abroad; not redlists) / people",
        share=True,
        headline=True,
        levers=(_COVER, _MEMO),
    ),
    Measure(
        "sanctioned_innocent_share",
        "sanctioned people who did nothing unlawful",
        "share of sanctioned people",
        "sanctioned people none of whose rows in force is of a person with a true unlawful "
        "act in the innocence window / sanctioned people (0 when none)",
        share=True,
        headline=True,
        levers=(_FALSE,),
    ),
    Measure(
        "restriction_person_days",
        "restriction person-days",
        "person-days per person",
        "sum over steps of people with at least one restricted domain / people (cumulative)",
        headline=True,
        levers=(_MEMO,),
    ),
    Measure(
        "family_sanctioned",
        "people sanctioned through family ties",
        "share of people",
        "people restricted through family (spill-over or family pressure) now / people",
        share=True,
        headline=True,
        levers=(_MEMO, _PRESSURE),
    ),
    Measure(
        "amplification",
        "restrictions per recorded unlawful act",
        "domains per recorded act",
        "restriction domains imposed by rows of listings opened in the run (cumulative) / "
        "recorded unlawful acts of kinds that can lead to a blacklisting (cumulative)",
        headline=True,
        levers=(_MEMO,),
    ),
    Measure(
        "cross_context_share",
        "restriction person-days outside the act's own domain",
        "share of restriction domain-days",
        "restriction domain-days in domains other than the domain of the act that triggered "
        "them / all restriction domain-days (cumulative) - EU AI Act Art. 5(1)(c)",
        share=True,
        headline=True,
        levers=(_MEMO,),
    ),
    Measure(
        "disproportion",
        "cost per listing / gravity of the act",
        "cost per unit of gravity",
        "planned cost of listings opened in the run / gravity of their triggering acts "
        "(ratio of sums, cumulative) - EU AI Act Art. 5(1)(c)",
        headline=True,
        levers=(_COST,),
    ),
    Measure(
        "state_precision",
        "state's precision (true records / records)",
        "share of linked records",
        "linked records that are true and on the right person / linked records "
        "(cumulative; 1 when none)",
        share=True,
        headline=True,
        levers=(_FALSE, _LINK),
    ),
    Measure(
        "state_recall",
        "state's recall (recorded acts / acts)",
        "share of unlawful acts",
        "unlawful acts recorded by at least one source / unlawful acts (cumulative; 1 when none)",
        share=True,
        headline=True,
        levers=(_DETECT, _COVER),
    ),
    Measure(
        "sanctioned_share_{group}",
        "people sanctioned in group {group}",
        "share of the group",
        "sanctioned members of the group now / members",
        share=True,
    ),
    Measure(
        "disparate_impact",
        "disparate impact (highest / lowest group sanctioned share)",
        "ratio of shares",
        "highest over lowest group sanctioned share, each (c + 1/2) / (n + 1)",
        headline=True,
        levers=(_VIS,),
    ),
    Measure(
        "preempted",
        "people restricted pre-emptively",
        "share of people",
        "people under a preventive restriction now / people",
        share=True,
        headline=True,
        levers=(_THRESH,),
    ),
    Measure(
        "preempted_innocent_share",
        "pre-emptively restricted people who did nothing unlawful",
        "share of pre-empted people",
        "pre-empted people whose pre-emption row is innocent / pre-empted people (0 when none)",
        share=True,
        headline=True,
        levers=(_THRESH,),
    ),
    Measure(
        "diaspora_dissent_public",
        "public dissent abroad",
        "share of people abroad",
        "people abroad who speak in public this step / people abroad",
        share=True,
        headline=True,
        levers=(_ASSOC, _PRESSURE),
    ),
    Measure(
        "listed_share_adults",
        "adults on a blacklist",
        "share of adults",
        "adults on a blacklist in their own name now / adults (the initial stock included)",
        share=True,
    ),
    Measure(
        "ever_listed_share_adults",
        "adults ever blacklisted",
        "share of adults",
        "adults ever on a blacklist in their own name during the run / adults",
        share=True,
    ),
    Measure(
        "new_listings_per_adult",
        "new listings per adult",
        "listings per adult",
        "own blacklistings in the run so far / adults (the initial stock not counted)",
        share=True,
    ),
    Measure(
        "blocked_per_listed_year",
        "blocked attempts per listed person-year",
        "attempts per person-year",
        "blocked attempts x 365 / person-days on a blacklist in one's own name (cumulative)",
    ),
    Measure(
        "redlisted_share",
        "people on a redlist",
        "share of people",
        "people on a redlist now / people",
        share=True,
    ),
    Measure(
        "restricted_{domain}",
        "people restricted in {domain}",
        "share of people",
        "people restricted in that domain now (any reason) / people",
        share=True,
    ),
    Measure(
        "grade_{band}",
        "people at grade {band}",
        "share of people",
        "people at that grade now / people (the bands sum to 1)",
        share=True,
    ),
    Measure(
        "firm_rating_{rating}",
        "firms rated {rating}",
        "share of firms",
        "firms at that rating now / firms",
        share=True,
    ),
    Measure(
        "firm_compliance",
        "firm compliance",
        "share of firms",
        "1 - firms that violated a regulation this step / firms",
        share=True,
        headline=True,
        levers=(_COVER,),
    ),
    Measure(
        "welfare",
        "welfare (income minus restriction costs plus benefits)",
        "income units per person per step",
        "mean income + (gains from acts - restriction costs + redlist benefits - speech "
        "fines) this step / people",
        headline=True,
        levers=(_COST,),
    ),
)

LEVERS: tuple[Lever, ...] = (
    Lever("surveillance coverage", _COVER, switch="params.surveillance.enabled"),
    Lever("false-record rate", _FALSE, soft=(0.0, 0.0001), switch="params.surveillance.enabled"),
    Lever(
        "penalty severity (daily cost)", _COST, soft=(0.0, 1.0), switch="params.sanctions.enabled"
    ),
    Lever("number of memoranda", _MEMO, switch="params.sanctions.enabled"),
    Lever("ambiguity of the rules", _AMBIG, switch="params.ambiguity.enabled"),
    Lever("propaganda", _PROP, switch="params.discourse.enabled"),
    Lever("pre-emption threshold", _THRESH, switch="params.preemption.enabled"),
    Lever("diaspora monitoring", _ASSOC, switch="params.abroad.enabled"),
    Lever("pressure on family at home", _PRESSURE, switch="params.abroad.enabled"),
    Lever("legitimacy", _LEGIT),
)

PICTURES: tuple[Category, ...] = (
    Category("free", "free", "#9ecae1"),
    Category("listed", "on a blacklist in their own name", "#fd8d3c"),
    Category("restricted", "restricted without a listing of their own", "#d7301f"),
    Category("abroad", "abroad", "#6a51a3"),
)

#: The regime model's measures, levers and picture categories (docs/metrics.md is
#: generated from this).
DESCRIPTION = Description(
    measures=MEASURES,
    levers=LEVERS,
    pictures=PICTURES,
    plots=("sanctioned_share", "dissent_public", "falsification_gap", "state_precision"),
)
