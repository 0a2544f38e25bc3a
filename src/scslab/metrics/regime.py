"""Measures of the regime model: pure functions of `State` (see ``docs/metrics.md``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from scslab.engine import State
from scslab.engine.describe import Category, Description, Lever, Measure
from scslab.regime.abroad import foreign_measures
from scslab.regime.authority import preemption_threshold, speech_penalty, window_cost
from scslab.regime.tables import (
    BASIS_FALSE,
    BASIS_NAMES,
    BASIS_TRUE,
    ORIG_PREEMPT,
    ORIG_RED,
    SANCTIONED,
    unique_ints,
)

if TYPE_CHECKING:
    from scslab.metrics._census import Census

# The people are counted by `scslab.metrics._census` (numba), imported on first use as
# `regime.fused` is: importing the kernel loads no compiler.


def ratio(num: float | np.integer[Any], den: float | np.integer[Any], empty: float) -> float:
    """``num / den``, or `empty` when ``den == 0``."""
    return float(num) / float(den) if den else float(empty)


#: The fewest sanctioned people each of the two extreme groups must have for
#: `disparate_impact` and its interval to have a value (else NaN).
DI_MIN_EVENTS = 10
#: Level of the interval of `disparate_impact`.
DI_LEVEL = 0.95


def group_rates(
    sanctioned: NDArray[np.bool_], group: NDArray[Any], hh_start: NDArray[Any], n_groups: int
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """Per group: (sanctioned people, people, variance of the log of the sanctioned share).

    The variance is the cluster-robust (linearisation) variance of a ratio
    estimator with households as clusters, ``H/(H-1) sum_h (y_h - p m_h)^2 / M^2``,
    divided by ``p^2``: sanctions spill over within a household, so its members
    are not independent draws. With households of one it is Katz's
    ``1/c - 1/n`` (up to ``H/(H-1)``). A group lives in whole households.
    `hh_start` runs from 0 to n (every person in one household).
    """
    from scslab.metrics._census import count_groups  # numba: on first use

    return _group_variance(count_groups(sanctioned, group, hh_start, n_groups))


def _group_variance(
    by_group: dict[str, NDArray[np.int64]],
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """`group_rates` from the per-group sums of one pass over the households (`_census`).

    With y_h the sanctioned members of household h and m_h its members,
    ``sum_h (y_h - p m_h)^2 = sum y_h^2 - 2 p sum y_h m_h + p^2 sum m_h^2``; the three
    sums are integers, summed exactly, as a float64 ``bincount`` of them would be.
    """
    counts = by_group["sanctioned"]
    sizes = by_group["people"]
    n_hh = by_group["households"]
    y2, ym, m2 = (by_group[row].astype(np.float64) for row in ("y2", "ym", "m2"))
    p = np.divide(counts, sizes, out=np.zeros(counts.size), where=sizes > 0)
    ss = np.maximum(y2 - 2.0 * p * ym + p**2 * m2, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        var_p = n_hh / np.maximum(n_hh - 1, 1) * ss / np.maximum(sizes, 1) ** 2
        var_log = np.where(counts > 0, var_p / np.maximum(p, 1e-300) ** 2, np.inf)
    return counts, sizes, var_log


def disparate_impact(
    counts: NDArray[Any],
    sizes: NDArray[Any],
    var_log: NDArray[Any] | None = None,
    *,
    min_events: int = DI_MIN_EVENTS,
    level: float = DI_LEVEL,
) -> tuple[float, float, float]:
    """Highest over lowest group sanctioned share, with a simultaneous interval.

    Returns ``(ratio, lo, hi)``. The two groups are picked after the fact (the
    highest and the lowest share), so the interval is Katz's log interval for a
    ratio of two proportions, ``exp(log r +- z sqrt(v_hi + v_lo))``, at the
    Bonferroni level over every pair of groups (``z = Phi^-1(1 - (1-level) /
    (2 m))``, m = G(G-1)/2): with at least `level` probability every pairwise
    interval covers its true ratio, so the chosen pair's does. `var_log` are the
    variances of the log shares (default Katz's ``1/c - 1/n``; see `group_rates`
    for the household-clustered one). The ratio itself is biased upward by the
    choice (at least 1 by construction); read the interval, not the point.
    NaN (all three) when fewer than two groups have members or either of the two
    groups compared has fewer than `min_events` sanctioned people.

    Examples
    --------
    >>> r, lo, hi = disparate_impact(np.array([40, 20]), np.array([1000, 1000]))
    >>> round(r, 2), round(lo, 2), round(hi, 2)
    (2.0, 1.18, 3.4)
    >>> disparate_impact(np.array([40, 9]), np.array([1000, 1000]))
    (nan, nan, nan)
    """
    from scipy.special import ndtri

    nan = (float("nan"), float("nan"), float("nan"))
    counts = np.asarray(counts, dtype=np.float64)
    sizes = np.asarray(sizes, dtype=np.float64)
    live = np.flatnonzero(sizes > 0)
    if live.size < 2:
        return nan
    rates = counts[live] / sizes[live]
    hi_g, lo_g = live[np.argmax(rates)], live[np.argmin(rates)]
    if min(counts[lo_g], counts[hi_g]) < min_events:
        return nan
    if var_log is None:
        var_log = np.divide(1.0, counts, out=np.full(counts.size, np.inf), where=counts > 0)
        var_log = var_log - 1.0 / np.maximum(sizes, 1.0)
    r = (counts[hi_g] / sizes[hi_g]) / (counts[lo_g] / sizes[lo_g])
    pairs = live.size * (live.size - 1) / 2
    z = float(ndtri(1.0 - (1.0 - level) / (2.0 * pairs)))
    half = z * float(np.sqrt(max(var_log[hi_g] + var_log[lo_g], 0.0)))
    return float(r), float(r * np.exp(-half)), float(r * np.exp(half))


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

    # the people, counted in a few compiled loops (no temporary of n entries)
    t = int(state.step)
    groups = state.params.population.groups
    firm_on = state.firm_sanc_until >= t  # firms under a sanction of their own now
    from scslab.metrics._census import census, tally  # numba: on first use

    cen = census(state, firm_on, len(groups))
    tot = cen.totals

    # dissent
    n_adult = tot["adults"]
    out["dissent_private"] = ratio(tot["private_adults"], n_adult, 0.0)
    out["dissent_public"] = ratio(tot["public_adults"], n_adult, 0.0)
    out["approval"] = float(tot["approve_adults"]) / max(n_adult, 1)
    out["participation_share"] = float(state.part_share)
    out["falsification_gap"] = ratio(tot["gap_adults"], n_adult, 0.0)
    out[f"acts_{plan.act_names[plan.speech]}"] = out["dissent_public"]
    out["diaspora_dissent_public"] = ratio(tot["abroad_speakers"], int(state.n_abroad), 0.0)
    out["association_share"] = ratio(int(state.n_members), int(state.n_abroad), 0.0)

    # sanctions
    n_sanc = tot["sanctioned"]
    live = state.ls_origin != ORIG_RED
    person = state.ls_person[live]
    basis = state.ls_basis[live]
    # wrongly sanctioned: sanctioned with no row in force on a true record (`rightly`)
    rightly = unique_ints(person[basis == BASIS_TRUE])
    out["sanctioned_share"] = n_sanc / n
    n_wrong = n_sanc - np.count_nonzero((state.sanc[rightly] & SANCTIONED) != 0)
    out["wrongly_sanctioned_share"] = ratio(n_wrong, n_sanc, 0.0)
    for b, name in enumerate(BASIS_NAMES, start=BASIS_FALSE):
        on_b = unique_ints(person[basis == b])
        wrong_b = ((state.sanc[on_b] & SANCTIONED) != 0) & ~np.isin(
            on_b, rightly, assume_unique=True
        )
        out[f"wrongly_sanctioned_{name}"] = ratio(np.count_nonzero(wrong_b), n_sanc, 0.0)
    out["restriction_person_days"] = float(state.c_person_days) / n
    out["family_sanctioned"] = float(tot["family"]) / n
    out["amplification"] = ratio(state.c_domains_imposed, state.c_trigger_recorded, 0.0)
    out["state_precision"] = ratio(state.c_records_correct, state.c_records, 1.0)
    out["state_recall"] = ratio(state.c_unlawful_recorded, state.c_unlawful_acts, 0.0)
    counts, sizes, var_log = _group_variance(cen.by_group)
    for g, grp in enumerate(groups):
        out[f"sanctioned_share_{grp.name}"] = ratio(counts[g], sizes[g], 0.0)
    di, di_lo, di_hi = disparate_impact(counts, sizes, var_log)
    out["disparate_impact"] = di
    out["disparate_impact_lo"] = di_lo
    out["disparate_impact_hi"] = di_hi
    pre_rows = state.ls_origin == ORIG_PREEMPT
    pre_people = unique_ints(state.ls_person[pre_rows])
    pre_guilty = unique_ints(state.ls_person[pre_rows & ~state.ls_innocent])
    out["preempted"] = pre_people.size / n
    out["preempted_innocent_share"] = ratio(pre_people.size - pre_guilty.size, pre_people.size, 0.0)
    out["listed_share_adults"] = float(tot["own"]) / adults
    out["ever_listed_share_adults"] = tot["ever"] / adults
    out["new_listings_per_adult"] = float(state.c_listings) / adults
    out["blocked_per_listed_year"] = ratio(365.0 * state.c_blocked, state.c_own_days, 0.0)
    out["redlisted_share"] = float(tot["red"]) / n
    out["cross_context_share"] = ratio(state.c_cross_days, state.c_row_days, 0.0)
    out["disproportion"] = ratio(state.c_cost, state.c_gravity, 0.0)
    # events in the run so far
    out["paid_under_pressure"] = float(state.c_fulfilled)
    out["appeals_won"] = float(state.c_appeals_won)
    out["posts_detected"] = float(state.c_posts_detected)
    out["posts_deleted"] = float(state.c_posts_deleted)
    out["diaspora_detected"] = float(state.c_diaspora_detected)
    out["family_pressured"] = float(state.c_family_pressured)
    out["association_reports"] = float(state.c_association_reports)
    out["preempted_count"] = float(state.c_preempted)
    out["firm_listed"] = float(state.c_firm_listed)
    # share restricted in each domain: people by restriction mask, then per bit
    by_mask = cen.restr
    masks = np.arange(by_mask.size)
    for d, name in enumerate(plan.domain_names):
        out[f"restricted_{name}"] = float(by_mask[(masks >> d) & 1 == 1].sum()) / n

    # grades and firms
    grades = cen.grade
    for i, name in enumerate(plan.band_names):
        out[f"grade_{name}"] = float(grades[i]) / n
    n_f = max(int(state.firm_rep.size), 1)
    out["firm_compliance"] = 1.0 - float(state.s_firm_viol) / n_f
    ratings = tally(state.firm_rating)  # no int64 copy of the ratings
    for i, name in enumerate(("A", "B", "C", "D")):
        out[f"firm_rating_{name}"] = float(ratings[i]) / n_f
    out.update(firm_measures(state, cen))

    # the authority: its cost over the last window (its own view) and its levers now
    if state.auth_has_cost:
        political, enforcement, cost = state.auth_political, state.auth_enforcement, state.auth_cost
    else:  # before the first window ends: the steps so far
        political, enforcement, cost = window_cost(state, plan, int(state.step))
    out["authority_cost"] = float(cost)
    out["authority_political_cost"] = float(political)
    out["authority_enforcement_cost"] = float(enforcement)
    out["authority_coverage_scale"] = float(state.auth_coverage)
    # with its mechanism off: 1 (nobody is flagged), 0 (nobody is fined)
    out["authority_preemption_threshold"] = preemption_threshold(state) if plan.preemption else 1.0
    out["authority_speech_penalty"] = speech_penalty(state) if plan.discourse else 0.0
    out["authority_moves_kept"] = float(state.auth_kept_moves)

    # the problem it solves: harm to others (days of mean income), with and without
    adult_days = max(int(state.n_home_adults), 1) * max(int(state.step), 1)
    out["harm_to_others"] = state.c_harm / adult_days
    out["harm_prevented"] = (state.c_harm_base - state.c_harm) / adult_days
    out["debts_repaid"] = float(state.c_debts_repaid)
    out["debts_repaid_value"] = state.c_debts_value / adult_days
    out["foreign_firm_compliance"], out["foreign_firms_excluded"] = foreign_measures(state)

    # welfare per person this step: income + gains - restriction costs + benefits (redlists,
    # associations' services) - fines
    # - the harm of this step's unlawful acts to their victims (days of mean income)
    out["welfare"] = (
        state.income_mean
        + (
            state.s_gain
            - state.s_cost
            + state.s_benefit
            + state.s_services
            - state.s_penalty
            - state.s_harm * state.income_mean
            - state.s_firm_cost
        )
        / n
    )
    out.update(history_measures(state, plan))
    return out


# --------------------------------------------------------------------------- firms (issue 10 §4)
#: The fewest sanctioned firms for the interval of `firms_wrongly_sanctioned_share` (else NaN).
FIRM_MIN_EVENTS = 10


def wilson(k: int, m: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval of the proportion ``k / m`` (95 % at the default `z`).

    Examples
    --------
    >>> lo, hi = wilson(5, 20)
    >>> round(lo, 3), round(hi, 3)
    (0.112, 0.469)
    """
    if m <= 0:
        return float("nan"), float("nan")
    p = k / m
    den = 1.0 + z * z / m
    mid = (p + z * z / (2 * m)) / den
    half = z * float(np.sqrt(p * (1 - p) / m + z * z / (4 * m * m))) / den
    return max(0.0, mid - half), min(1.0, mid + half)


def firm_measures(state: State, cen: Census | None = None) -> dict[str, float]:
    """Firms' own sanctions (``firms``), their wrongful share, their cost, their employees.

    A firm's sanction is in force in step t while ``firm_sanc_until > t``; the
    measures at ``state.step`` count those in force in the step just run
    (``firm_sanc_until >= state.step``), as the listing rows do; it was sanctioned
    wrongly when its true records alone did not reach the sanction rating when it
    was sanctioned (``firm_sanc_true`` false). Employees: people whose
    ``employer`` is a firm (home adults). `cen`: the people's counts of `measure`
    (counted here when not given).
    """
    t = int(state.step)
    n_f = int(state.firm_rep.size)
    on = state.firm_sanc_until >= t  # in force in the step just run (as the listing rows)
    n_on = int(np.count_nonzero(on))
    wrong = int(np.count_nonzero(on & ~state.firm_sanc_true))
    if cen is None:
        from scslab.metrics._census import census  # numba: on first use

        cen = census(state, on, len(state.params.population.groups))
    tot = cen.totals
    n_emp = tot["employed"]
    lo, hi = wilson(wrong, n_on) if n_on >= FIRM_MIN_EVENTS else (float("nan"), float("nan"))
    return {
        "firms_sanctioned_share": ratio(n_on, n_f, 0.0),
        "firms_wrongly_sanctioned_share": ratio(wrong, n_on, 0.0),
        "firms_wrongly_sanctioned_lo": lo,
        "firms_wrongly_sanctioned_hi": hi,
        "firm_sanction_cost": ratio(state.c_firm_cost, n_f * t, 0.0),
        "employees_affected_share": ratio(tot["affected"], n_emp, 0.0),
        "employees_restricted_share": ratio(tot["employee_restricted"], n_emp, 0.0),
    }


# --------------------------------------------------------------------------- history (issue 11)
def history_measures(state: State, plan: Any) -> dict[str, float]:
    """Annual flows of the blacklists and cumulative blocked purchases, per adult.

    The flows are counted over the trailing year: the last ``W = round(365 /
    days_per_step)`` steps (fewer at the start of a run: the steps so far, and
    0 at step 0), and annualised by ``365 / (steps counted x days_per_step)``:

    - ``new_listings_per_adult_year``: own blacklistings opened in the window;
    - ``exits_per_adult_year``: own blacklistings that ended in the window (expiry,
      fulfilment, won appeal), as listings opened minus the change of the stock of
      own listings, so the initial stock's exits count too;
    - ``fulfilled_per_adult_year``: own listings ended by fulfilment in the window.

    ``blocked_per_adult_{domain}``: blocked attempts (a refused ticket purchase) in
    each domain (``attempt_rate`` per restricted person per step), cumulative since
    step 0, per adult.
    """
    adults = max(int(state.n_adults), 1)
    ring = state.rate_ring
    t = int(state.step)
    width = ring.shape[1] - 1
    back = min(t, width)
    now = ring[:, t % ring.shape[1]]
    then = ring[:, (t - back) % ring.shape[1]]
    years = back * int(state.days_per_step) / 365.0
    listings, stock, fulfilled = (now - then).tolist()
    out = {
        "new_listings_per_adult_year": ratio(listings, adults * years, 0.0) if back else 0.0,
        "exits_per_adult_year": ratio(listings - stock, adults * years, 0.0) if back else 0.0,
        "fulfilled_per_adult_year": ratio(fulfilled, adults * years, 0.0) if back else 0.0,
    }
    for d, name in enumerate(plan.domain_names):
        out[f"blocked_per_adult_{name}"] = float(state.c_blocked_dom[d]) / adults
    return out


# --------------------------------------------------------------------------- declarations
_FALSE = "params.surveillance.sources[*].false_record_rate"
_COVER = "params.surveillance.sources[*].coverage"
_DETECT = "params.surveillance.sources[*].detection_prob"
_COST = "params.sanctions.domains[*].cost"
_MEMO = "params.sanctions.memoranda[:n]"
_LINK = "params.integration.linkage_accuracy"
_THRESH = "params.preemption.threshold"
_W_SPEECH = "params.preemption.w_speech"
_PROP = "params.discourse.propaganda"
_LEGIT = "params.behaviour.legitimacy"
_AMBIG = "params.ambiguity.level"
_DET_VIS = "params.population.groups[1].detection_visibility"
_ASSOC = "params.abroad.association_detection"
_PRESSURE = "params.abroad.family_pressure"
_FIRM_DET = "params.surveillance.firm_detection_prob"
_HARM = "params.acts[0].harm"
_FF_HAZARD = "params.abroad.foreign_hazard"
_SERVICE = "params.abroad.service_value"
_PERK = "params.participation.perk"
_EXCLUSION = "params.participation.exclusion_cost"
_FIRM_FALSE = "params.surveillance.firm_false_record_rate"
_FIRM_COST = "params.firms.procurement_cost"

_WRONG = (
    "a false record (no act), a true record linked to the wrong person, a record of a "
    "lawful act, spill-over from a relative's listing, a pre-emption, or pressure on the "
    "family of a dissenter abroad"
)

MEASURES: tuple[Measure, ...] = (
    Measure(
        "dissent_private",
        "private dissent",
        "share of adults",
        "adults whose private dissent d exceeds behaviour.private_cut / adults, now. "
        "d = base + hardship x (1 - L) x (1 - base) (Epstein's grievance): with legitimacy "
        "off L stays at each adult's own L0 and d as drawn at initialisation (the same in a "
        "run and its baseline); with legitimacy on d follows L (wrongful sanctions seen or "
        "suffered lower L, propaganda raises it)",
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
        levers=(_PROP,),
    ),
    Measure(
        "falsification_gap",
        "falsification gap (private but not public dissent)",
        "share of adults",
        "adults who dissent in private but do not speak in public this step / adults "
        "(Kuran's preference falsification)",
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
        "people under any sanction now (an own listing, spill-over from a relative's "
        "listing, a pre-emption, pressure on the family of a dissenter abroad, an "
        "employer's sanction with firms.employee_spill; not redlists) / people",
        share=True,
        headline=True,
        levers=(_COVER,),
    ),
    Measure(
        "wrongly_sanctioned_share",
        "sanctioned people with no sanction resting on a true record",
        "share of sanctioned people",
        "sanctioned people none of whose sanctions in force rests on a true record, on the "
        "right person, of an unlawful act that the sanction punishes (every sanction rests "
        f"on {_WRONG}) / sanctioned people, now (0 when nobody is sanctioned). A listing by "
        "grade rests on a true record when the person's true records of unlawful acts alone "
        "reach the grade; a listing by firm rating, when the firm's true records alone "
        "reach the rating; the initial stock is listed on true records",
        share=True,
        headline=True,
        levers=(_FALSE,),
    ),
    Measure(
        "wrongly_sanctioned_{basis}",
        "wrongly sanctioned on basis {basis}",
        "share of sanctioned people",
        "wrongly sanctioned people (see wrongly_sanctioned_share) with at least one "
        "sanction in force on that basis (false_record, mislinked, lawful_act, family, "
        "preemption, diaspora_family, employer: an employee of a sanctioned firm) / "
        "sanctioned people, now. A person sanctioned on two "
        "wrongful bases counts in both, so the family can sum to more than "
        "wrongly_sanctioned_share",
        share=True,
    ),
    Measure(
        "restriction_person_days",
        "restriction person-days",
        "person-days per person",
        "sum over the steps so far of the people with at least one restricted domain / "
        "people (cumulative; the initial stock included)",
        headline=True,
        levers=(_MEMO,),
    ),
    Measure(
        "family_sanctioned",
        "people sanctioned through family ties",
        "share of people",
        "people restricted through family now (spill-over from a relative's listing, or "
        "pressure on the family of a dissenter abroad) / people",
        share=True,
        headline=True,
        levers=(_MEMO,),
    ),
    Measure(
        "amplification",
        "restriction domains per recorded triggering act",
        "domains per recorded act",
        "restriction domains imposed by the own listings opened in the run on a person's "
        "record or grade, and by their spill-over rows (not pre-emption, not pressure on "
        "family abroad, not listings by firm rating) / acts recorded by at least one source "
        "of the kinds that can lead to a blacklisting (entry acts and acts with a "
        "deduction, lawful ones such as speech included), both cumulative",
        headline=True,
        levers=(_MEMO,),
    ),
    Measure(
        "cross_context_share",
        "restriction domain-days outside the act's own domain",
        "share of restriction domain-days",
        "restriction domain-days (one per person, per restricted domain, per step; every "
        "sanction in force, the initial stock included) in domains other than the domain "
        "of the act that triggered them / all restriction domain-days, cumulative. "
        "Pre-emptions and pressure on family abroad have no act in a domain: all their "
        "days count as cross-context. EU AI Act Art. 5(1)(c), detrimental treatment in "
        "unrelated contexts",
        share=True,
        headline=True,
        levers=(_MEMO,),
    ),
    Measure(
        "disproportion",
        "expected cost of a listing per unit of gravity of its act",
        "cost per unit of gravity",
        "sum over listings opened in the run of their expected cost (the daily cost of "
        "every row's domains, spill-over included, times the expected stay on the list: "
        "the duration shortened by fulfilment and appeals, Plan.list_stay) and over "
        "pressure on families abroad (family rows' cost times family_duration) / sum of "
        "the gravity of the acts they punish, once per listing or per pressured dissenter "
        "(ratio of sums, cumulative). Pre-emptions (no act) and the initial stock are "
        "left out. EU AI Act Art. 5(1)(c), treatment disproportionate to the behaviour",
        headline=True,
        levers=(_COST,),
    ),
    Measure(
        "state_precision",
        "state's precision (true records on the right person / linked records)",
        "share of linked records",
        "records linked to a person that are true and on the right person / records "
        "linked, cumulative (1 when no record has been linked: the baseline's value)",
        share=True,
        headline=True,
        levers=(_FALSE,),
    ),
    Measure(
        "state_recall",
        "state's recall (unlawful acts recorded for the state / unlawful acts)",
        "share of unlawful acts",
        "unlawful acts recorded by at least one source while integration is on (records "
        "that reach the state's view) / unlawful acts, cumulative (0 when integration is "
        "off, in the baseline, or before any unlawful act)",
        share=True,
        headline=True,
        levers=(_DETECT,),
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
        "highest group sanctioned share / lowest, now. The two groups are picked after the "
        "fact, so the ratio is at least 1 by construction: read it with its interval "
        f"(disparate_impact_lo, _hi). NaN when either group compared has fewer than "
        f"{DI_MIN_EVENTS} sanctioned people or only one group has members",
        headline=True,
        levers=(_DET_VIS,),
    ),
    Measure(
        "disparate_impact_lo",
        "disparate impact, lower bound",
        "ratio of shares",
        "lower end of a 95 % interval of disparate_impact: Katz's log interval for a ratio "
        "of two proportions, with household-clustered variances, at the Bonferroni level "
        "over every pair of groups (the pair was chosen after the fact). NaN as "
        "disparate_impact",
    ),
    Measure(
        "disparate_impact_hi",
        "disparate impact, upper bound",
        "ratio of shares",
        "upper end of the interval of disparate_impact_lo",
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
        "pre-empted people with no unlawful act in the window",
        "share of pre-empted people",
        "people under a preventive restriction now who committed no unlawful act in the "
        "measures.innocence_window steps before they were flagged / people under one (0 "
        "when none). Every pre-emption is wrongful by wrongly_sanctioned_share's standard; "
        "this says whether the risk model at least flags people who break the law",
        share=True,
        headline=True,
        levers=(_W_SPEECH,),
    ),
    Measure(
        "diaspora_dissent_public",
        "public dissent abroad",
        "share of people abroad",
        "people abroad who speak in public this step / people abroad",
        share=True,
        headline=True,
        levers=(_PRESSURE,),
    ),
    Measure(
        "association_share",
        "members of associations abroad",
        "share of people abroad",
        "people abroad who are members of an association that provides services (and "
        "reports) / people abroad, now (0 with nobody abroad or abroad off). Drawn at init "
        "(abroad.association_share); with abroad.association_services people join while "
        "the services (abroad.service_value) are worth more than being watched costs them",
        share=True,
        levers=(_SERVICE,),
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
        "adults ever on a blacklist in their own name during the run (the initial stock "
        "included) / adults",
        share=True,
    ),
    Measure(
        "new_listings_per_adult",
        "new listings per adult",
        "listings per adult",
        "own blacklistings in the run so far / adults (the initial stock not counted: 0 at step 0)",
        share=True,
    ),
    Measure(
        "blocked_per_listed_year",
        "blocked attempts per listed person-year",
        "attempts per person-year",
        "blocked attempts of any restricted person x 365 / person-days on a blacklist in "
        "one's own name, cumulative",
    ),
    Measure(
        "redlisted_share",
        "people on a redlist",
        "share of people",
        "people on a redlist now / people",
        share=True,
    ),
    Measure(
        "paid_under_pressure",
        "listings ended by fulfilment",
        "listings",
        "own listings ended by fulfilment (a debt repaid, a judgment carried out) in the "
        "run so far, whatever their basis: a false record can be paid off too. Cumulative; "
        "per-step counts are the differences between collected steps",
    ),
    Measure(
        "appeals_won",
        "appeals won",
        "listings",
        "own listings ended by a won appeal in the run so far (cumulative)",
    ),
    Measure(
        "posts_detected",
        "posts detected",
        "posts",
        "speakers detected by speech platforms or associations abroad, one per speaker per "
        "step, in the run so far (cumulative)",
    ),
    Measure(
        "posts_deleted",
        "posts deleted",
        "posts",
        "detected posts deleted (unseen by the speaker's network) in the run so far (cumulative)",
    ),
    Measure(
        "diaspora_detected",
        "dissenters abroad detected",
        "posts",
        "detected posts of people abroad, one per speaker per step, in the run so far (cumulative)",
    ),
    Measure(
        "association_reports",
        "reports by associations abroad",
        "reports",
        "reports of public posts abroad filed by associations and their members in the run "
        "so far: an association's report of its member (one per member per step) and, with "
        "abroad.association_services, the members' report of a tie abroad (one per speaker "
        "per step, however many member ties saw the post). Cumulative; per-step counts are "
        "the differences between collected steps",
        levers=(_SERVICE, _ASSOC),
    ),
    Measure(
        "family_pressured",
        "relatives at home restricted for a dissenter abroad",
        "people",
        "people at home restricted because a relative abroad was detected speaking, counted "
        "each time it happens, in the run so far (cumulative)",
    ),
    Measure(
        "preempted_count",
        "pre-emptions",
        "people",
        "people flagged by the risk model in the run so far, counted each time (cumulative)",
    ),
    Measure(
        "firm_listed",
        "people listed through a firm's rating",
        "people",
        "legal representatives blacklisted because their firm reached the list's rating, in "
        "the run so far (cumulative)",
    ),
    Measure(
        "restricted_{domain}",
        "people restricted in {domain}",
        "share of people",
        "people restricted in that domain now, for any reason / people",
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
        levers=(_FIRM_DET,),
    ),
    Measure(
        "harm_to_others",
        "harm of unlawful acts to others",
        "days of mean income per home adult-day",
        "sum over the unlawful acts committed so far of their act kind's harm "
        "(acts[*].harm: the cost to a creditor, a fraud victim, in days of mean income) / "
        "(home adults x steps so far); 0 at step 0. The problem the system claims to solve",
        headline=True,
        levers=(_HARM,),
    ),
    Measure(
        "harm_prevented",
        "harm prevented (against the baseline)",
        "days of mean income per home adult-day",
        "(harm the same society would have suffered without the system - harm_to_others's "
        "sum) / (home adults x steps so far), cumulative. The acts without the system are "
        "known exactly in the run: the baseline draws the same candidates and uniforms "
        "(common random numbers) and accepts every home adult candidate with o_i/o_max, so "
        "this equals minus the paired difference of harm_to_others that scslab run "
        "--baseline writes; its interval over replicates is the paired one",
        headline=True,
        levers=(_COVER,),
    ),
    Measure(
        "debts_repaid",
        "debts repaid under pressure",
        "listings",
        "own listings ended by fulfilment that rest on a true record of an act that harms "
        "others (acts[*].harm > 0: a debt, a judgment), in the run so far (the initial "
        "stock included; cumulative). paid_under_pressure counts every fulfilment, false "
        "records too",
    ),
    Measure(
        "debts_repaid_value",
        "value of debts repaid under pressure",
        "days of mean income per home adult-day",
        "sum of the harm of the acts behind debts_repaid (what their victims recover) / "
        "(home adults x steps so far), cumulative",
    ),
    Measure(
        "foreign_firm_compliance",
        "foreign firms that complied",
        "share of foreign firms",
        "foreign firms in the home market that have complied with the demand "
        "(abroad.foreign_demand_step) / foreign firms, now (0 with none, or with abroad off). "
        "The airlines case: 40 of 44 within about three months",
        share=True,
        headline=True,
        levers=(_FF_HAZARD,),
    ),
    Measure(
        "foreign_firms_excluded",
        "foreign firms that lost access",
        "share of foreign firms",
        "foreign firms that have not complied abroad.foreign_deadline steps after the demand "
        "(they lose access to the home market) / foreign firms, now (0 before the deadline)",
        share=True,
    ),
    Measure(
        "welfare",
        "welfare (income minus restriction costs and harm to others, plus benefits)",
        "income units per person per step",
        "mean income + (gains from acts - restriction costs + redlist benefits + associations' "
        "services to members abroad - speech fines - harm of this step's unlawful acts to "
        "others x mean income) / people (see the notes on the regime model's measures)",
        headline=True,
        levers=(_COST,),
    ),
    Measure(
        "approval",
        "approval of the system",
        "share of adults",
        "adults whose perceived legitimacy L exceeds 1/2 / adults, now. At the defaults the "
        "own legitimacy L0 ~ Beta(0.7 x 3.5, 0.3 x 3.5) is SET so that about 0.80 approve "
        "with no regime (Kostka 2019, online respondents): an input calibration, not an "
        "output; the output is how it moves (legitimacy on: wrongful sanctions suffered or "
        "seen among ties lower L, propaganda raises it, each L reverts to its L0)",
        share=True,
        headline=True,
        levers=(_FALSE,),
        topic="legitimacy",
    ),
    Measure(
        "participation_share",
        "taking part in the voluntary parts",
        "share of home adults",
        "home adults taking part this step (perk + exclusion_cost x last step's share > "
        "their privacy cost c_i) / home adults; 0 with participation off",
        share=True,
        headline=True,
        levers=(_PERK, _EXCLUSION),
        topic="participation",
    ),
    Measure(
        "authority_cost",
        "the authority's cost (its own view)",
        "cost per person per step",
        "authority.alpha x authority_political_cost + authority.beta x "
        "authority_enforcement_cost, over the last window of authority.every steps that "
        "ended (before the first: over the steps so far; 0 at step 0): the cost the "
        "adaptive authority compares; measured for a fixed policy too",
        topic="the authority's cost",
    ),
    Measure(
        "authority_political_cost",
        "public dissent as the authority sees it",
        "detected posts per person per step",
        "posts detected in the last window / (people x authority.every) / the coverage "
        "scale in force (the state corrects for its own watching; posts it missed are "
        "not in it). Before the first window ends: over the steps so far",
        topic="the authority's cost",
    ),
    Measure(
        "authority_enforcement_cost",
        "enforcement cost",
        "sanctions per person per step",
        "authority.watch_cost x the coverage scale (0 with no source on) + sanctions the "
        "state imposed in the last window (new blacklistings, pre-emptions, families "
        "pressured, fines on detected posts while the speech penalty is positive) / "
        "(people x authority.every). Before the first window ends: over the steps so far",
        topic="the authority's cost",
    ),
    Measure(
        "authority_coverage_scale",
        "coverage scale",
        "x the sources' coverage",
        "the scale on every surveillance source's coverage in force now (1 unless "
        "authority.adaptive moves it)",
    ),
    Measure(
        "authority_preemption_threshold",
        "pre-emption threshold in force",
        "risk score",
        "the pre-emption threshold in force now: preemption.threshold, or the adaptive "
        "authority's current value; 1 with pre-emption off (nobody is flagged)",
    ),
    Measure(
        "authority_speech_penalty",
        "speech penalty in force",
        "cost per detected post",
        "the speech penalty in force now: discourse.penalty, or the adaptive authority's "
        "current value; 0 with discourse off (nobody is fined)",
    ),
    Measure(
        "authority_moves_kept",
        "moves the authority kept",
        "moves",
        "moves of a lever the adaptive authority kept (its cost fell), from the start of "
        "the run (0 with a fixed policy)",
    ),
)

# ---- the list's history (issue 11; metrics.regime.history_measures, docs/calibration.md)
_YEAR = (
    "over the trailing year: the last round(365 / days_per_step) steps (the steps so far "
    "early in a run; 0 at step 0), annualised by 365 / (steps counted x days_per_step)"
)
HISTORY_MEASURES: tuple[Measure, ...] = (
    Measure(
        "new_listings_per_adult_year",
        "new listings per adult-year",
        "listings per adult per year",
        f"own blacklistings opened {_YEAR} / adults",
        share=True,
    ),
    Measure(
        "exits_per_adult_year",
        "listings ended per adult-year",
        "listings per adult per year",
        "own blacklistings that ended (expiry, fulfilment, won appeal; the initial stock's "
        f"too) {_YEAR} / adults: listings opened minus the change of the stock of own "
        "listings",
        share=True,
    ),
    Measure(
        "fulfilled_per_adult_year",
        "listings paid off per adult-year",
        "listings per adult per year",
        f"own listings ended by fulfilment (paid under pressure) {_YEAR} / adults",
        share=True,
    ),
    Measure(
        "blocked_per_adult_{domain}",
        "blocked attempts in {domain} per adult",
        "attempts per adult",
        "attempts blocked in the domain (a refused ticket purchase; attempt_rate per "
        "restricted person per step) since step 0 / adults, cumulative",
    ),
)
MEASURES = MEASURES + HISTORY_MEASURES

_FIRM_SANC = (
    "a firm is sanctioned itself (firms on, with scoring and sanctions) for "
    "firms.sanction_duration steps once it is rated firms.sanction_rating or worse"
)
FIRM_MEASURES: tuple[Measure, ...] = (
    Measure(
        "firms_sanctioned_share",
        "firms under a sanction of their own",
        "share of firms",
        f"firms under a sanction of their own now / firms ({_FIRM_SANC}; 0 with firms off)",
        share=True,
        levers=(_FIRM_DET,),
        topic="firms",
    ),
    Measure(
        "firms_wrongly_sanctioned_share",
        "sanctioned firms whose true records would not reach the rating",
        "share of sanctioned firms",
        "firms under a sanction of their own now whose true records (detected violations, "
        "not false records) alone did not reach firms.sanction_rating when they were "
        "sanctioned / firms under a sanction of their own now (0 when none)",
        share=True,
        levers=(_FIRM_FALSE,),
        topic="firms",
    ),
    Measure(
        "firms_wrongly_sanctioned_{bound}",
        "firms_wrongly_sanctioned_share's 95 % interval, {bound}",
        "share of sanctioned firms",
        "Wilson score interval (95 %) of firms_wrongly_sanctioned_share over the firms "
        "sanctioned now (lo, hi); NaN when fewer than 10 firms are sanctioned",
        share=True,
    ),
    Measure(
        "firm_sanction_cost",
        "cost of firms' own sanctions per firm-day",
        "income units per firm-day",
        "sum over the steps so far of the daily cost of every firm under sanction "
        "((employees + 1) x (firms.procurement_cost + loan_cost + inspection_cost): the "
        "procurement ban, refused loans, added inspections) / (firms x steps so far); "
        "0 at step 0. Subtracted from welfare in the step it is borne",
        levers=(_FIRM_COST,),
        topic="firms",
    ),
    Measure(
        "employees_affected_share",
        "employees of sanctioned firms",
        "share of employed people",
        "people whose employer is under a sanction of its own now / people with an "
        "employer (restricted or not)",
        share=True,
        topic="firms",
    ),
    Measure(
        "employees_restricted_share",
        "employees restricted through their employer",
        "share of employed people",
        "people restricted now because their employer is under sanction (firms."
        "employee_spill on: firms.employee_domains until the firm's sanction ends) / people "
        "with an employer; 0 with employee_spill off",
        share=True,
        topic="firms",
    ),
)
MEASURES = MEASURES + FIRM_MEASURES

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
    Lever("harm of a debt default", _HARM, soft=(0.0, 100.0)),
    Lever("foreign firms' compliance hazard", _FF_HAZARD, switch="params.abroad.enabled"),
    Lever(
        "associations' services (value to a member)",
        _SERVICE,
        soft=(0.0, 0.3),
        switch="params.abroad.association_services",
    ),
    Lever("participation perk", _PERK, switch="params.participation.enabled"),
    Lever("cost of staying out", _EXCLUSION, switch="params.participation.enabled"),
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

#: Notes on the regime's measures, for docs/metrics.md ("Notes on the regime model's
#: measures"): what the tables cannot say in a cell.
NOTES = """\
"Adults" excludes children; "home adults" also excludes the diaspora. Every measure
has a counterpart in the baseline run (`--baseline`: the same society, seed and steps
with every regime mechanism off); the effect of the regime is the difference. In the
baseline every sanction, record and grade measure is 0, `state_precision` is 1 (no
record linked), `state_recall` 0 (no record reaches a state), `disparate_impact` and
its interval NaN (nobody sanctioned), grades all at the base grade.

**Wrongful sanctions.** Each row of the listings table carries its basis
(`ls_basis`, model.md §1.2): a true record, on the right person, of an unlawful act
that the sanction punishes; or a false record, a true record linked to the wrong
person, a record of a lawful act (speech, a petition), spill-over from a relative's
listing, a pre-emption, pressure on the family of a dissenter abroad.
`wrongly_sanctioned_share` counts the sanctioned people none of whose rows in force
rests on a true record. It judges the sanction, not the person: a person listed on a
false fraud record is wrongly sanctioned even if they once ran a red light. (The
former `sanctioned_innocent_share` judged the person and so understated wrongful
sanctions; it is gone.) `preempted_innocent_share` keeps the person-based reading for
pre-emptions only.

**Disparate impact.** `disparate_impact` is the highest group sanctioned share over
the lowest. Picking the two extreme groups after the fact makes it at least 1 even
for groups alike in every respect, so read its interval: Katz's log interval for a
ratio of two proportions (Katz et al. 1978), `exp(log r ± z sqrt(v_hi + v_lo))`, at
the Bonferroni level over the G(G-1)/2 pairs of groups (three groups: z = 2.394 for
95 %): with at least 95 % probability every pairwise interval covers its true ratio,
so the chosen pair's does. The variance of each log share is household-clustered
(sanctions spill over within a household: a ratio estimator with households as
clusters; it is Katz's 1/c - 1/n for households of one). The interval does not allow
for contagion through the network (pre-emption reads listed neighbours; seen
sanctions deter), so it can cover a little less than it claims in runs where that
matters (model.md gives the coverage measured). All three are NaN when either
group compared has fewer than 10 sanctioned people or only one group has members.

**Event counts** (`paid_under_pressure`, `appeals_won`, `posts_detected`,
`posts_deleted`, `diaspora_detected`, `family_pressured`, `association_reports`,
`preempted_count`, `firm_listed`) are cumulative from the start of the run, so no event between two
collected steps is lost; the events of a step are the difference of two rows.

Per-step rates (`acts_*`, `disfavoured_rate`, `firm_compliance`, `welfare`) are noisy
at small sizes: compare means over steps. Cumulative ratios (`amplification`,
`state_precision`, `state_recall`, `cross_context_share`, `disproportion`,
`restriction_person_days`) are from the start of the run.

**The initial stock** (`sanctions.lists[*].initial_share`, model.md §3.1) is on its
lists from step 0 and rests on true records. It counts wherever a measure reads the
rows in force or their days: `sanctioned_share`, `wrongly_sanctioned_share` (its
spill-over rows are wrongful), `listed_share_adults`, `restriction_person_days`,
`blocked_per_listed_year`, `cross_context_share` (its rows name the entry act they
were listed for), `welfare`. It does not count in the measures per listing made in
the run (`new_listings_per_adult`, `amplification`, `disproportion`): the records and
acts that put the stock on the list predate the run, and the denominators of those
measures count only the run's acts.

**What `welfare` counts.** Income and the gains of the acts people commit (lawful or
not) are private benefits. Restriction costs are the daily costs of the domains
restricted (`sanctions.domains[*].cost`). Redlist benefits are counted at face value,
and their funding is not charged to anyone; so are the services associations abroad
give their members with `abroad.association_services` (`abroad.service_value` per
member per step). Speech fines are the cost of a detected
post (`discourse.penalty`). The harm unlawful acts do to others (`acts[*].harm`, in
days of mean income, so times the mean income) is subtracted in the step it is done:
deterrence raises welfare by the harm it prevents (`harm_prevented`), and a debt
repaid under pressure is not added back (it moves money from debtor to creditor).
Left out: the expressive cost of falsified preferences (`falsification_gap` measures
it separately), fear, the cost of running the system and the funding of perks (each
would lower the system's welfare). The sign of the
difference from the baseline is therefore a property of the costs and benefits
assumed, not a finding about the system: see presets.md, "Welfare with and without
the system".
"""
