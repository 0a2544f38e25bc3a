"""The regime model: the one place that fixes the order of the mechanisms.

One step (one day by default):

1. sanctions.exits      listings end: expiry, fulfilment, won appeals
1b. participation       home adults opt in or out of the voluntary parts
2. behaviour            people commit acts; firms comply or not
2b. abroad (members)    people abroad join or leave associations (services vs being watched)
3. behaviour (speech)   Kuran: who speaks in public, from last step's view
4. discourse + abroad   platforms detect speech, delete posts; members report ties; pressure family
5. network update       what each person's network saw (deleted posts unseen)
6. surveillance         true and false records enter the pending table
7. integration          due records are linked to people: the state's view
8. scoring              rewards, repair, grades; firm ratings
9. sanctions.enter      new listings by the entry rules (with spill-over)
10. preemption          the risk model flags people (every k steps)
11. sanctions.apply     restrictions rebuilt; the day's costs and counts
11b. legitimacy         L moves (wrongful sanctions seen, propaganda); private dissent follows
12. authority           every k steps: the state's cost from its own view; adapts if on

Random streams: ``population``, ``network``, ``firms``, ``coverage``,
``abroad_init``, ``initial_stock`` (the lists' stock) and ``authority_init`` at
init; ``behaviour``, ``surveillance``, ``integration``, ``scoring``, ``sanctions``,
``discourse``, ``abroad``, ``authority`` in a step. A stream is used only while
its mechanism is on, so the behaviour stream draws the same numbers with the regime and without it.
``firm_traits`` draws each firm's sector and size weight at init (always); while
``firms`` is on, ``firm_burn_in`` (init), ``firm_acts`` and ``firm_records`` (a
step) draw the firms' choices and records instead of the behaviour and
surveillance streams.
``participation_init`` draws the privacy costs at init while participation is on.
``associations`` draws membership reviews and members' reports while
``abroad.association_services`` is on.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scslab.engine import State, Streams
from scslab.metrics.regime import DESCRIPTION
from scslab.population.firms import make_firms
from scslab.population.network import build_network, chunk_rows, count_changes
from scslab.population.people import make_people
from scslab.regime import (
    abroad,
    authority,
    behaviour,
    discourse,
    firms,
    harm,
    incentives,
    integration,
    legitimacy,
    preemption,
    sanctions,
    scoring,
    surveillance,
)
from scslab.regime.plan import Plan, make_plan
from scslab.regime.tables import LISTINGS, ORIG_OWN, PENDING, empty_table, union_ints, unique_ints

NEVER = -(2**30)

_PLANS: list[tuple[Any, Plan]] = []


def plan_for(params: Any) -> Plan:
    """The `Plan` of `params`, cached for the last few parameter objects."""
    for p, plan in _PLANS:
        if p is params:
            return plan
    plan = make_plan(params)
    _PLANS.append((params, plan))
    del _PLANS[:-8]
    return plan


class RegimeModel:
    """A synthetic society under a social credit regime (see ``docs/model.md``)."""

    #: Its measures, levers and picture categories (``scslab.engine.describe``).
    description = DESCRIPTION
    #: The measures ``scslab run`` prints (every measure is in metrics.parquet).
    headline = DESCRIPTION.headline

    def init(self, scenario: Any, rng: Streams) -> State:
        from scslab.population import _draw_kernels as kern  # numba: imported on first use

        p = scenario.params
        plan = plan_for(p)
        people = make_people(p.population, p.behaviour, rng["population"])
        n = people["flags"].size
        if plan.abroad:
            abroad.draw_associations(
                people["flags"], p.abroad.association_share, rng["abroad_init"]
            )
        indptr, indices = build_network(
            p.population.network, people["group"], people["hh_start"], rng["network"]
        )
        firms_drawn = make_firms(
            p.population.firms, people["flags"], rng["firms"], rng["firm_traits"]
        )
        cover = surveillance.draw_coverage(
            p, plan, people["group"], people["flags"], rng["coverage"]
        )
        k = plan.n_kinds
        g0 = scoring.base_grade(p, plan)
        n_f = firms_drawn["firm_rep"].size
        n_adults, n_home_adults, n_abroad = kern.flag_counts(people["flags"])
        state = State(
            params=p,
            group=people["group"],
            flags=people["flags"],
            hh_start=people["hh_start"],
            risk=people["risk"],
            opp=people["opp"],
            dissent=people["dissent"],
            theta=people["theta"],
            net_indptr=indptr,
            net_indices=indices,
            deg=kern.degrees16(indptr),  # np.diff(indptr) as uint16
            employer=firms_drawn["employer"],
            firm_rep=firms_drawn["firm_rep"],
            firm_records=np.zeros(n_f, np.uint8),
            firm_true=np.zeros(n_f, np.uint8),
            firm_last_record=np.full(n_f, -1, np.int32),
            firm_rating=np.zeros(n_f, np.int8),
            cover=cover,
            speaks=np.zeros(n, bool),
            visible=np.zeros(n, bool),
            seen_n=np.zeros(n, np.uint16),
            sanc_n=np.zeros(n, np.uint16),
            view=np.zeros((n, k), np.uint8),
            pts_wrong=np.zeros((n, 3), np.float32),
            last_record=np.full(n, -1, np.int32),
            last_unlawful=np.full(n, NEVER, np.int32),
            deeds=np.zeros(n, np.uint8),
            grade=np.full(n, g0, np.int8),
            restr=np.zeros(n, np.uint8),
            sanc=np.zeros(n, np.uint8),
            onlist=np.zeros(n, np.uint16),
            restr_counts=np.zeros(256, np.int64),
            c_acts=np.zeros(k, np.int64),
            s_acts=np.zeros(k, np.int64),
            income_mean=float(people["income_mean"]),
            n_adults=int(n_adults),
            n_home_adults=int(n_home_adults),
            n_abroad=int(n_abroad),
            next_episode=0,
            ls_dirty=False,
            red_benefit=0.0,
            **legitimacy.init_fields(plan, people, float(p.population.dissent_hardship_shift)),
            **incentives.init_fields(p, plan, people["flags"], rng),
            **_zeroed_counters(),
            **authority.init_fields(p, plan),
            **abroad.init_fields(plan, people["flags"], indptr, indices),
            **firms.init_fields(firms_drawn),
        )
        for name, arr in authority.draw_coverage_scale(state, p, plan, rng).items():
            setattr(state, name, arr)
        for spec in (PENDING, LISTINGS):
            for col, arr in empty_table(spec).items():
                setattr(state, col, arr)
        # annual rates (metrics.regime.rates): the run's counts at the last year of steps
        cal = getattr(scenario, "calendar", None)
        state.days_per_step = int(cal.days_per_step) if cal is not None else 1
        state.c_blocked_dom = np.zeros(len(plan.domain_names), np.int64)
        state.rate_ring = np.zeros((len(RATE_COUNTS), rate_window(state) + 1), np.int64)
        abroad.init_foreign_firms(state, plan, rng["foreign_firms"])
        if plan.firms:  # firms start in their own steady state; their stock of listings
            firms.burn_in(state, plan, rng["firm_burn_in"])
        stock = plan.firms and firms.initial_stock(state, plan)
        if plan.sanctions and plan.list_initial_share.any():
            # the lists' stock at step 0 (only with sanctions on: the baseline has none)
            sanctions.initial_stock(state, plan, rng["initial_stock"])
            stock = True
        if stock:
            sanctions.rebuild(state, plan)
        record_rates(state, 0)
        return state

    def step(self, state: State, rng: Streams) -> None:
        plan = plan_for(state.params)
        # 1. listings end
        expunged = sanctions.exits(state, plan, rng["sanctions"])
        # 1b. participation
        incentives.participate(state, plan)
        # 2. acts and firms
        if plan.behaviour:
            before = harm.snapshot(rng["behaviour"])
            persons, kinds = behaviour.commit_acts(state, plan, rng["behaviour"])
            if plan.firms:  # firms that act: sector, size, the sanction they would bear
                violators = firms.violations(state, plan, rng["firm_acts"])
            else:
                violators = behaviour.firm_violations(state, plan, rng["behaviour"])
        else:
            persons = kinds = violators = np.empty(0, np.int64)
            before = None
        self._count_acts(state, plan, persons, kinds, violators)
        harm.count(state, plan, kinds, before)  # the harm to others, with and without
        # 2b. people abroad join or leave associations
        abroad.review_membership(state, plan, rng["associations"])
        # 3. public dissent (Kuran)
        speaking = behaviour.decide_speech(state, plan, out=state.speaks)  # in place
        # 4. discourse and reach abroad
        detected, deleted = discourse.monitor(state, plan, rng["discourse"], speaking)
        detected = abroad.member_reports(state, plan, rng["associations"], speaking, detected)
        abroad.pressure_family(state, plan, rng["abroad"], detected)
        abroad.foreign_firms_step(state, plan, rng["foreign_firms"])
        # 5. what networks see
        self._update_seen(state, speaking, deleted)
        state.speaks = speaking
        # 6. surveillance
        surveillance.record_acts(state, plan, rng["surveillance"], persons, kinds)
        surveillance.false_records(state, plan, rng["surveillance"])
        if plan.firms:
            firm_recs, firm_true = firms.record(state, plan, rng["firm_records"], violators)
        else:
            firm_recs, firm_true = surveillance.record_firms(
                state, plan, rng["surveillance"], violators
            )
        # 7. integration
        linked, lkinds, lbasis = integration.arrive(state, plan, rng["integration"])
        # 8. scoring
        graded = np.empty(0, np.int64)
        old_grade = np.empty(0, np.int8)
        firms_worse = np.empty(0, np.int64)
        if plan.scoring:
            rewarded = scoring.rewards(state, rng["scoring"])
            repaired = scoring.repair(state)
            graded = unique_ints(np.concatenate([linked, rewarded, repaired, expunged]))
            old_grade = scoring.rescore(state, plan, graded)
            if plan.firms:
                firms_worse = firms.rate(state, plan, rng["firm_records"], firm_recs, firm_true)
            else:
                firms_worse = scoring.rate_firms(state, firm_recs, firm_true)
        # 9. listings (firms: sanctioned themselves, their employees with spill-over)
        if plan.firms:
            firms_worse = union_ints(firms_worse, firms.sanction(state, plan))
        sanctions.enter(state, plan, linked, lkinds, graded, old_grade, firms_worse, lbasis)
        # 10. preemption
        preemption.flag(state, plan)
        # 11. restrictions and the day's accounts
        sanctions.apply(state, plan, rng["sanctions"])
        firms.costs(state, plan)
        record_rates(state, int(state.step) + 1)
        # 11b. legitimacy and grievance
        legitimacy.update(state, plan)
        # 12. the authority: its cost over a window; with adaptive on, it moves a lever
        authority.step(state, plan, rng)

    @staticmethod
    def _count_acts(
        state: State, plan: Plan, persons: np.ndarray, kinds: np.ndarray, violators: np.ndarray
    ) -> None:
        counts = np.bincount(kinds, minlength=plan.n_kinds).astype(np.int64)
        state.s_acts = counts
        state.c_acts = state.c_acts + counts
        unlawful = plan.unlawful[kinds]
        state.c_unlawful_acts += int(unlawful.sum())
        state.last_unlawful[persons[unlawful]] = int(state.step)
        state.s_gain = float(plan.gain[kinds].sum())
        state.s_firm_viol = int(violators.size)

    @staticmethod
    def _update_seen(state: State, speaking: np.ndarray, deleted: np.ndarray) -> None:
        """``visible`` becomes ``speaking`` but the deleted posts; ``seen_n`` follows.

        In place, with no temporary of n bytes: the deleted speakers are unmarked in
        `speaking` while `count_changes` syncs ``visible`` to it, then marked again.
        """
        was = speaking[deleted]
        speaking[deleted] = False
        count_changes(
            state.net_indptr, state.net_indices, speaking, state.visible, state.seen_n, sync=True
        )
        speaking[deleted] = was

    def metrics(self, state: State) -> dict[str, float]:
        from scslab.metrics.regime import measure

        return measure(state, plan_for(state.params))

    def estimate_bytes(self, scenario: Any) -> int:
        """Peak resident bytes of a run, on the safe side (within ~15 %; docs/benchmarks.md).

        The larger of the network build and a step, per person (`bytes_per_person`),
        plus the interpreter with scslab's imports (`BASE_BYTES`) and numba with the
        compiled kernels of the network build and the step (`NUMBA_BYTES`).
        """
        n = int(scenario.params.population.size)
        build, state = bytes_per_person(scenario.params)
        return int(BASE_BYTES + NUMBA_BYTES + n * max(build, state + STEP_TEMP_BYTES))


#: Resident bytes of ``scslab run`` before the model allocates (Python, numpy,
#: scipy, polars, pydantic): 107-110 MiB measured at 10^4 people; a fresh install
#: with every extra measured ~40 MB more at 10^6 and 3 x 10^6 (VmHWM), so 136 MiB.
BASE_BYTES = 136 * 2**20
#: numba (LLVM) and the cached kernels of `population.network.symmetric_csr` and
#: `regime.fused`, loaded on first use: peak of `scslab run full-regime` at 3 x 10^6
#: for 3 steps 798 MB against 662 MB without them (130 MiB more; VmHWM).
NUMBA_BYTES = 136 * 2**20
#: Temporaries of a step and of a metrics collection, per person, above the state.
#: The measures' temporaries (~23 B a person) used to set the peak (45 B here); they
#: count the people without arrays of the people's size now (`metrics._census`), and
#: the step's temporaries, which `scslab run` keeps for reuse (`engine.memory`), set it.
#: Peak of `scslab run full-regime` (VmHWM) over base + numba, per person: 121 B at
#: 10^6 (123 over 365 steps), 150 B at 3 x 10^6, 158 B at 10^7 (3 and 30 steps alike),
#: against a state of 139.3 B: 30 B puts the estimate 1.06-1.12 x the peak there
#: (docs/benchmarks.md, "The memory estimate").
STEP_TEMP_BYTES = 30.0


def bytes_per_person(params: Any) -> tuple[float, float]:
    """Bytes per person ``(build, state)``: at the peak of init, and in the state.

    ``build`` is the people plus `symmetric_csr` filling the network (the ties
    sent, the ties received, the CSR being filled and the chunks' temporaries);
    ``state`` is every field of `RegimeModel.init` (a test checks it against
    ``State.nbytes``), plus ~1 B for the tables of records and listings.
    """
    pop = params.population
    n = int(pop.size)
    half = pop.network.mean_degree // 2
    m = float(pop.household_size)
    # CSR entries per person: friends both ways, household 1 + Poisson(m - 1): E[s(s-1)]/E[s]
    ties = 2 * half + (m * m - 1.0) / m
    ptr = 4 if n * ties < 2**31 else 8
    people = 1 + 1 + 4 * 4 + 4 / m  # group, flags, four float32 traits, hh_start
    chunk = 300.0 * chunk_rows(n) / n
    build = people + 4 * half + 1 + 4 * half + 2 * ptr + 4 * ties + chunk
    firm = float(pop.firms.per_person) * (
        4 + 1 + 4 + 1 + 1  # rep, records, true records, last record, rating
        + 1 + 4 + 4 + 1  # sector, size, sanction's end, sanction's basis (regime.firms)
    )  # fmt: skip
    per_person_fields = (
        2  # deg
        + 4  # employer
        + 1  # cover
        + 1 + 1 + 2 + 2  # speaks, visible, seen_n, sanc_n
        + 4 + 4  # last_record, last_unlawful
        + 1 + 1 + 1 + 1 + 2  # deeds, grade, restr, sanc, onlist
        + 12  # pts_wrong: three float32
    )  # fmt: skip
    per_person_fields += 4  # legit (float32)
    if params.legitimacy.enabled:  # legit0, grief (float32), wrong, wrong_n
        per_person_fields += 4 + 4 + 1 + 2
    if params.participation.enabled:  # privacy (float32), part
        per_person_fields += 4 + 1
    if params.authority.adaptive and "coverage" in params.authority.levers:
        per_person_fields += 6  # cover_base, cover_extra (uint8), cover_u (float32)
    state = people + ptr + 4 * ties + per_person_fields + firm + len(params.acts) + 1.0
    if params.abroad.enabled and params.abroad.association_services:
        state += 6 * float(pop.diaspora_share)  # abroad_idx (int32), assoc_ties (uint16)
    return build, state


#: Run counters kept over the last year of steps, for the annual rates of the measures.
RATE_COUNTS = ("c_listings", "n_own_rows", "c_fulfilled")


def rate_window(state: State) -> int:
    """Steps in the trailing year of the annual rates: ``round(365 / days_per_step)``, >= 1."""
    return max(1, round(365 / int(state.days_per_step)))


def record_rates(state: State, step: int) -> None:
    """Put the counters of state `step` in its slot of the ring of the last year's counts."""
    ring = state.rate_ring
    own = int(np.count_nonzero(state.ls_origin == ORIG_OWN))
    values = (int(state.c_listings), own, int(state.c_fulfilled))
    ring[:, step % ring.shape[1]] = values


_COUNTERS = (
    "c_unlawful_acts",
    "c_unlawful_recorded",
    "c_trigger_recorded",
    "c_records",
    "c_records_correct",
    "c_domains_imposed",
    "c_listings",
    "c_person_days",
    "c_domain_days",
    "c_row_days",
    "c_cross_days",
    "c_blocked",
    "c_fulfilled",
    "c_appeals_won",
    "c_preempted",
    "c_posts_detected",
    "c_posts_deleted",
    "c_diaspora_detected",
    "c_firm_listed",
    "c_family_pressured",
    "s_firm_viol",
    "c_own_days",
    "n_own",
)
_STEP_VALUES = ("c_cost", "c_gravity", "s_gain", "s_cost", "s_benefit", "s_penalty")


def _zeroed_counters() -> dict[str, Any]:
    """Run counters (ints) and step values (floats), all zero: Python scalars in State."""
    return {
        **{name: 0 for name in _COUNTERS + harm.COUNTERS + firms.COUNTERS},
        **{name: 0.0 for name in _STEP_VALUES + harm.VALUES + firms.VALUES},
    }
