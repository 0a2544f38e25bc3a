"""Parameters of the social credit regime model (model ``regime``).

The society (``population``, ``acts``, ``behaviour``) and the regime's
mechanisms (``surveillance`` ... ``abroad``), each with its own ``enabled``
switch. `counterfactual` switches every regime mechanism off and keeps the
society and the seed: the baseline of ``scslab run --baseline``.

Defaults and their sources are listed in ``docs/model.md``.
"""

from __future__ import annotations

import builtins
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from scslab.errors import did_you_mean
from scslab.scenario.params.common import StrictModel

ActKind = Literal["economic", "administrative", "civic", "disfavoured", "speech"]
DOMAIN_NAMES = ("travel", "finance", "employment", "schooling", "licences", "shaming")
FIRM_RATINGS = ("A", "B", "C", "D")
MAX_SOURCES = 7  # one bit of the per-person coverage byte is kept for associations abroad
MAX_DOMAINS = 8  # restriction domains are a bitmask in one byte per person
MAX_LISTS = 16


def _unknown(what: str, name: str, known: list[str], path: str) -> ValueError:
    return ValueError(
        f"{path} names {what} {name!r}, which is not configured{did_you_mean(name, known)} "
        f"({what}s: {', '.join(known) or 'none'})"
    )


# ---------------------------------------------------------------- the society
class GroupParams(StrictModel):
    """A group of people (for example a majority, a minority, rural migrants)."""

    name: str = Field(description="group name (used in measure names: sanctioned_share_<name>)")
    share: float = Field(ge=0, le=1, description="share of households in this group")
    hardship: float = Field(
        0.3, ge=0, le=1, description="mean hardship h in [0,1] (Beta-distributed per person)"
    )
    income: float = Field(1.0, ge=0, le=1000, description="mean income per step (income units)")
    visibility: float = Field(
        1.0, ge=0, le=10, description="multiplier on every source's coverage of this group"
    )
    detection_visibility: float = Field(
        1.0,
        ge=0,
        le=100,
        description="multiplier on every source's detection_prob for this group's acts "
        "(capped at 1): biased detection, even by sources that cover everybody",
    )
    false_record_visibility: float = Field(
        1.0,
        ge=0,
        le=100,
        description="multiplier on every source's false_record_rate for this group's members: "
        "biased false records",
    )


def _default_groups() -> list[GroupParams]:
    return [
        GroupParams(name="majority", share=0.8, hardship=0.25, income=1.0, visibility=1.0),
        GroupParams(name="minority", share=0.1, hardship=0.4, income=0.8, visibility=1.5),
        GroupParams(name="migrant", share=0.1, hardship=0.45, income=0.7, visibility=0.8),
    ]


class NetworkParams(StrictModel):
    """The social network (friends, colleagues); household ties are added as cliques."""

    kind: Literal["small_world", "sbm"] = Field(
        "sbm", description="small_world (Watts-Strogatz) or sbm (stochastic blocks by group)"
    )
    mean_degree: int = Field(
        10, ge=0, le=200, description="mean number of non-family ties per person (even)"
    )
    rewire: float = Field(0.1, ge=0, le=1, description="small_world: rewiring probability")
    homophily: float = Field(
        0.7, ge=0, le=1, description="sbm: probability a tie stays within the group"
    )


class SectorParams(StrictModel):
    """A sector of firms, with its own propensity to break rules (used while ``firms`` is on)."""

    name: str = Field(description="sector name")
    share: float = Field(ge=0, le=1, description="share of firms in this sector")
    violation: float = Field(
        1.0,
        ge=0,
        le=100,
        description="multiplier on behaviour.firm_violation_rate for its firms (illustrative)",
    )


def _default_sectors() -> list[SectorParams]:
    return [
        SectorParams(name="manufacturing", share=0.3, violation=1.2),
        SectorParams(name="construction", share=0.1, violation=1.4),
        SectorParams(name="trade", share=0.35, violation=1.0),
        SectorParams(name="services", share=0.25, violation=0.7),
    ]


class FirmParams(StrictModel):
    """Firms, each with a legal representative, a sector, a size and employees."""

    per_person: float = Field(0.03, ge=0, le=1, description="firms per person")
    employment_share: float = Field(
        0.5, ge=0, le=1, description="share of adults at home employed by a firm"
    )
    size_sigma: float = Field(
        1.0,
        ge=0,
        le=5,
        description="sd of the log of a firm's size weight (log-normal); employees are drawn "
        "in proportion to it (illustrative)",
    )
    sectors: list[SectorParams] = Field(
        default_factory=_default_sectors,
        min_length=1,
        max_length=255,
        description="sectors of firms (shares and violation multipliers illustrative)",
    )

    @model_validator(mode="after")
    def _sectors_ok(self) -> FirmParams:
        names = [s.name for s in self.sectors]
        if len(set(names)) != len(names):
            raise ValueError("population.firms.sectors: names must be unique")
        total = sum(s.share for s in self.sectors)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"population.firms.sectors[*].share must sum to 1; got {total:g}")
        return self


class PopulationParams(StrictModel):
    """The synthetic people: groups, households, the diaspora, firms, the network."""

    size: int = Field(20_000, ge=10, le=200_000_000, description="number of people")
    groups: list[GroupParams] = Field(
        default_factory=_default_groups, min_length=1, max_length=255, description="groups"
    )
    household_size: float = Field(
        2.62, ge=1, le=20, description="mean household size (1 + Poisson)"
    )
    children_share: float = Field(
        0.18, ge=0, le=0.9, description="share of people who are children (never act)"
    )
    diaspora_share: float = Field(
        0.03, ge=0, le=0.5, description="share of people living abroad, with family at home"
    )
    dissent_hardship_shift: float = Field(
        1.0, ge=0, le=1, description="how far grievance h(1-L) pulls private dissent toward 1"
    )
    firms: FirmParams = Field(default_factory=FirmParams, description="firms")
    network: NetworkParams = Field(default_factory=NetworkParams, description="social network")

    @model_validator(mode="after")
    def _groups_ok(self) -> PopulationParams:
        names = [g.name for g in self.groups]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"population.groups: names must be unique; {dup[0]!r} repeats")
        total = sum(g.share for g in self.groups)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(
                f"population.groups[*].share must sum to 1; got {total:g} "
                f"({' + '.join(f'{g.share:g}' for g in self.groups)}). "
                "Scale the shares so that they add up to 1"
            )
        if self.network.mean_degree >= self.size:
            raise ValueError(
                f"population.network.mean_degree ({self.network.mean_degree}) must be smaller "
                f"than population.size ({self.size})"
            )
        if self.network.mean_degree % 2:
            raise ValueError(
                f"population.network.mean_degree must be even (each tie has two ends); got "
                f"{self.network.mean_degree}. Try {self.network.mean_degree + 1}"
            )
        return self


class ActParams(StrictModel):
    """A kind of act that people may commit."""

    name: str = Field(description="act name (measure acts_<name>)")
    kind: ActKind = Field(description="economic, administrative, civic, disfavoured or speech")
    unlawful: bool = Field(
        True, description="unlawful acts qualify for sanctions; lawful ones never truly do"
    )
    rate: float = Field(
        1e-4, ge=0, le=0.2, description="baseline probability per adult per step, lambda"
    )
    gain: float = Field(1.0, ge=0, le=1000, description="gain G of the act (income units)")
    gravity: float = Field(
        1.0, gt=0, le=1e6, description="how grave the act is (income units), for disproportion"
    )
    domain: str | None = Field(
        None, description="restriction domain where the act arises (null: none of them)"
    )
    harm: float = Field(
        0.0,
        ge=0,
        le=1e6,
        description="cost of one act to others (a creditor, a fraud victim), in days of mean "
        "income; 0 for lawful acts (measures harm_to_others, harm_prevented)",
    )

    @model_validator(mode="after")
    def _lawful_harmless(self) -> ActParams:
        if not self.unlawful and self.harm > 0:
            raise ValueError(
                f"act {self.name!r} is lawful (unlawful: false) but has harm {self.harm:g}; "
                "only unlawful acts harm others here: set harm to 0 or unlawful to true"
            )
        return self


def _default_acts() -> list[ActParams]:
    return [
        ActParams(name="debt_default", kind="economic", rate=1.8e-5, gain=2.0, gravity=30.0,
                  domain="finance", harm=30.0),
        ActParams(name="fraud", kind="economic", rate=3e-6, gain=5.0, gravity=100.0,
                  domain="finance", harm=100.0),
        ActParams(name="admin_violation", kind="administrative", rate=3e-4, gain=0.5,
                  gravity=2.0, domain="licences", harm=1.0),
        ActParams(name="traffic_violation", kind="civic", rate=1e-3, gain=0.2, gravity=0.5,
                  domain="travel", harm=0.2),
        ActParams(name="petition", kind="disfavoured", unlawful=False, rate=2e-4, gain=1.0,
                  gravity=1.0),
        ActParams(name="dissent", kind="speech", unlawful=False, rate=0.0, gain=0.0,
                  gravity=1.0),
    ]  # fmt: skip


class BehaviourParams(StrictModel):
    """How people choose acts and public dissent, and how firms choose to comply."""

    enabled: bool = Field(True, description="off: nobody acts or speaks (isolates false records)")
    beta: float = Field(
        0.1, ge=0, le=100, description="choice sharpness beta in sigma(beta(G-rpC))"
    )
    kappa: float = Field(
        0.5, ge=0, le=1, description="weight of the share of sanctioned neighbours in p-hat"
    )
    opportunism_sigma: float = Field(
        0.5, ge=0, le=3, description="sd of log opportunism o (log-normal with mean 1)"
    )
    opportunism_max: float = Field(
        5.0, ge=1, le=100, description="opportunism is capped here (bounds the thinning)"
    )
    legitimacy: float = Field(
        0.7,
        ge=0,
        le=1,
        description="mean of each adult's own legitimacy L0_i ~ Beta (grievance h(1-L)); "
        "with legitimacy_concentration 3.5, 0.7 makes approval (share with L0 > 1/2) ~0.80, "
        "Kostka (2019): set, not an output",
    )
    legitimacy_concentration: float = Field(
        3.5,
        ge=0,
        le=1e4,
        description="concentration of L0_i ~ Beta(legitimacy x c, (1 - legitimacy) x c); "
        "0: everybody at the mean",
    )
    dissent_a: float = Field(2.0, gt=0, le=100, description="private dissent ~ Beta(a, b) ...")
    dissent_b: float = Field(5.0, gt=0, le=100, description="... before the grievance shift")
    private_cut: float = Field(
        0.5, ge=0, le=1, description="a person dissents privately when d > private_cut"
    )
    w_expressive: float = Field(1.0, ge=0, le=100, description="Kuran: weight of honesty w_e")
    w_reputational: float = Field(
        0.6, ge=0, le=100, description="Kuran: weight of the share seen speaking w_r"
    )
    threshold_mean: float = Field(
        0.75, ge=-10, le=10, description="Kuran threshold theta ~ Normal(mean, sd)"
    )
    threshold_sd: float = Field(0.2, ge=0, le=10, description="sd of theta")
    firm_violation_rate: float = Field(
        0.002, ge=0, le=1, description="baseline probability a firm violates a rule per step"
    )
    firm_gain: float = Field(5.0, ge=0, le=1000, description="a firm's gain from a violation")
    firm_beta: float = Field(0.05, ge=0, le=100, description="firms' choice sharpness")


# ---------------------------------------------------------------- the regime
class SourceParams(StrictModel):
    """A data source: government records, courts, banks and platforms, cameras."""

    name: str = Field(description="source name")
    sees: list[str] = Field(description="act names this source can record")
    coverage: float = Field(
        1.0, ge=0, le=1, description="share of people covered (times the group's visibility)"
    )
    detection_prob: float = Field(
        0.5, ge=0, le=1, description="probability a covered act is recorded"
    )
    false_record_rate: float = Field(
        0.0, ge=0, le=0.01, description="false records per covered person, per act kind, per step"
    )
    latency: int = Field(0, ge=0, le=3650, description="steps before a record reaches the state")


def _default_sources() -> list[SourceParams]:
    return [
        SourceParams(name="courts", sees=["debt_default", "fraud"], coverage=1.0,
                     detection_prob=0.9, false_record_rate=2e-7, latency=30),
        SourceParams(name="banks_platforms", sees=["debt_default", "fraud"], coverage=0.7,
                     detection_prob=0.5, false_record_rate=5e-7, latency=1),
        SourceParams(name="government_records", sees=["admin_violation", "petition"],
                     coverage=1.0, detection_prob=0.5, false_record_rate=1e-6, latency=7),
        SourceParams(name="cameras", sees=["traffic_violation"], coverage=0.4,
                     detection_prob=0.3, false_record_rate=5e-6, latency=0),
        SourceParams(name="speech_platforms", sees=["dissent"], coverage=0.8,
                     detection_prob=0.05, false_record_rate=0.0, latency=0),
    ]  # fmt: skip


class SurveillanceParams(StrictModel):
    """Data sources that record acts (true ones and false ones)."""

    enabled: bool = Field(False, description="switch the mechanism on")
    sources: list[SourceParams] = Field(
        default_factory=_default_sources, max_length=MAX_SOURCES, description="data sources"
    )
    firm_detection_prob: float = Field(
        0.3, ge=0, le=1, description="probability a regulator records a firm's violation"
    )
    firm_false_record_rate: float = Field(
        1e-5, ge=0, le=0.01, description="false records per firm per step"
    )


class IntegrationParams(StrictModel):
    """Linking records to people: the state's view."""

    enabled: bool = Field(False, description="off: records stay in their silos (no state view)")
    linkage_accuracy: float = Field(
        0.99, ge=0, le=1, description="probability a record lands on the right person"
    )


class BandParams(StrictModel):
    name: str = Field(description="grade name")
    min_score: float = Field(ge=-1e9, le=1e9, description="lowest score of this grade")


def _rongcheng_bands() -> list[BandParams]:
    return [
        BandParams(name="AAA", min_score=1050),
        BandParams(name="AA", min_score=1030),
        BandParams(name="A", min_score=960),
        BandParams(name="B", min_score=850),
        BandParams(name="C", min_score=600),
        BandParams(name="D", min_score=-1e9),
    ]


def _default_deductions() -> dict[str, float]:
    return {
        "debt_default": 100.0,
        "fraud": 150.0,
        "admin_violation": 20.0,
        "traffic_violation": 5.0,
        "dissent": 0.0,
        "petition": 0.0,
    }


class ScoringParams(StrictModel):
    """Points from a base, deductions per record, rewards, repair; firm ratings."""

    enabled: bool = Field(False, description="switch the mechanism on")
    base: float = Field(1000, ge=0, le=1e6, description="score of a clean record")
    deductions: dict[str, Annotated[float, Field(ge=-1e6, le=1e6)]] = Field(
        default_factory=_default_deductions,
        description="points deducted per record, by act name (float32 in the kernel); "
        "one act's with --set params.scoring.deductions.fraud=200",
        json_schema_extra={"keys_from": "params.acts[*].name"},
    )
    record_ttl: int = Field(
        365, ge=1, le=100_000, description="a clean spell this long repairs the record"
    )
    reward_rate: float = Field(
        0.002, ge=0, le=1, description="probability per step of a rewarded good deed"
    )
    reward_points: float = Field(10, ge=0, le=1e4, description="points per good deed")
    max_bonus: float = Field(100, ge=0, le=1e5, description="cap on reward points held")
    bands: list[BandParams] = Field(
        default_factory=_rongcheng_bands,
        min_length=1,
        max_length=32,
        description="grades from best to worst, each with its lowest score",
    )
    firm_base: float = Field(100, ge=0, le=1e6, description="a firm's clean score")
    firm_deduction: float = Field(15, ge=0, le=1e6, description="points per firm record")
    firm_bands: list[Annotated[float, Field(ge=-1e9, le=1e9)]] = Field(
        [90, 70, 40],
        min_length=3,
        max_length=3,
        description="lowest firm score of A, B and C (below the last: D)",
    )

    @model_validator(mode="after")
    def _bands_descend(self) -> ScoringParams:
        mins = [b.min_score for b in self.bands]
        if any(a <= b for a, b in zip(mins, mins[1:], strict=False)):
            raise ValueError(
                "scoring.bands must go from best to worst with strictly falling min_score; "
                f"got {mins}"
            )
        names = [b.name for b in self.bands]
        if len(set(names)) != len(names):
            raise ValueError("scoring.bands: grade names must be unique")
        fb = self.firm_bands
        if not fb[0] > fb[1] > fb[2]:
            raise ValueError(f"scoring.firm_bands must fall strictly (A > B > C); got {fb}")
        return self


class DomainParams(StrictModel):
    """A restriction domain: what a listed person cannot do, and what it costs them."""

    name: str = Field(description="domain name")
    cost: float = Field(0.05, ge=0, le=1e4, description="cost per step to the restricted person")
    spill: Literal["none", "household", "children"] = Field(
        "none", description="who else the restriction reaches: nobody, the household, children"
    )
    attempt_rate: float = Field(
        0.0,
        ge=0,
        le=1,
        description="probability per step that a restricted person runs into it (a blocked "
        "ticket purchase, a refused application)",
    )


def _default_domains() -> list[DomainParams]:
    return [
        DomainParams(name="travel", cost=0.01, attempt_rate=0.003),
        DomainParams(name="finance", cost=0.02, attempt_rate=0.002),
        DomainParams(name="employment", cost=0.1),
        DomainParams(name="schooling", cost=0.05, spill="children"),
        DomainParams(name="licences", cost=0.05),
        DomainParams(name="shaming", cost=0.02, spill="household"),
    ]


class ListParams(StrictModel):
    """A blacklist or redlist with its entry rule, duration, removal and appeals."""

    name: str = Field(description="list name")
    kind: Literal["black", "red"] = Field("black", description="blacklist or redlist")
    entry_acts: list[str] = Field(
        default_factory=list, description="enter on a new record of any of these act kinds"
    )
    entry_grade: str | None = Field(
        None, description="blacklist: enter at this grade or worse; redlist: at it or better"
    )
    entry_firm_rating: Literal["A", "B", "C", "D"] | None = Field(
        None, description="list the legal representative of a firm rated this or worse"
    )
    duration: int = Field(365, ge=1, le=100_000, description="steps on the list at most")
    fulfilment_rate: float = Field(
        0.0, ge=0, le=1, description="probability per step of removal by fulfilment (repayment)"
    )
    pressure: float = Field(
        0.0, ge=0, le=1000, description="fulfilment grows by this factor per unit daily cost"
    )
    appeal_rate: float = Field(0.0, ge=0, le=1, description="probability per step of an appeal")
    appeal_success_true: float = Field(
        0.05, ge=0, le=1, description="success of an appeal against a true record"
    )
    appeal_success_false: float = Field(
        0.5, ge=0, le=1, description="success of an appeal against a false or mislinked record"
    )
    benefit: float = Field(0.0, ge=0, le=1e4, description="redlist: benefit per step")
    initial_share: float = Field(
        0.0,
        ge=0,
        le=1,
        description="blacklist: share of adults already listed at step 0, as if the list had "
        "been running for years (the stock; drawn by the hazard of the entry acts, recorded "
        "as guilty, with stationary remaining durations); needs sanctions on",
    )

    @model_validator(mode="after")
    def _has_rule(self) -> ListParams:
        if not (self.entry_acts or self.entry_grade or self.entry_firm_rating):
            raise ValueError(
                f"list {self.name!r} has no entry rule: give entry_acts, entry_grade or "
                "entry_firm_rating"
            )
        if self.kind == "red" and (self.entry_acts or self.entry_firm_rating):
            raise ValueError(
                f"redlist {self.name!r}: a redlist is entered by grade only (entry_grade)"
            )
        if self.initial_share > 0 and self.kind == "red":
            raise ValueError(
                f"redlist {self.name!r}: initial_share is the stock of a blacklist; a redlist "
                "has none (set initial_share to 0)"
            )
        if self.initial_share > 0 and not self.entry_acts:
            raise ValueError(
                f"list {self.name!r}: initial_share needs entry_acts (the stock is recorded as "
                "listed for one of them); lists entered by grade or firm rating have no stock"
            )
        return self


class MemorandumParams(StrictModel):
    """A joint-punishment memorandum: binds a list to restrictions in several domains."""

    name: str = Field(description="memorandum name")
    list: str = Field(description="the blacklist it binds")
    domains: builtins.list[str] = Field(min_length=1, description="restriction domains it imposes")


def _default_lists() -> list[ListParams]:
    return [
        ListParams(name="court_blacklist", entry_acts=["debt_default", "fraud"], duration=365,
                   fulfilment_rate=0.002, pressure=10.0, appeal_rate=0.002),
        ListParams(name="firm_blacklist", entry_firm_rating="D", duration=365,
                   appeal_rate=0.002),
        ListParams(name="low_grade", entry_grade="C", duration=180, appeal_rate=0.002),
        ListParams(name="redlist", kind="red", entry_grade="AA", duration=365, benefit=0.005),
    ]  # fmt: skip


def _default_memoranda() -> list[MemorandumParams]:
    return [
        MemorandumParams(name="debtors_2016", list="court_blacklist",
                         domains=["travel", "finance", "employment", "schooling", "licences",
                                  "shaming"]),
        MemorandumParams(name="firm_joint_punishment", list="firm_blacklist",
                         domains=["travel", "finance", "licences"]),
        MemorandumParams(name="grade_measures", list="low_grade",
                         domains=["employment", "licences"]),
    ]  # fmt: skip


class SanctionsParams(StrictModel):
    """Blacklists, redlists, memoranda of joint punishment, restriction domains."""

    enabled: bool = Field(False, description="switch the mechanism on")
    lists: list[ListParams] = Field(
        default_factory=_default_lists, max_length=MAX_LISTS, description="lists"
    )
    memoranda: list[MemorandumParams] = Field(
        default_factory=_default_memoranda, description="joint-punishment memoranda"
    )
    domains: list[DomainParams] = Field(
        default_factory=_default_domains,
        min_length=1,
        max_length=MAX_DOMAINS,
        description="restriction domains",
    )


class DiscourseParams(StrictModel):
    """Monitoring of public speech, deletion, penalties for rumours, propaganda."""

    enabled: bool = Field(False, description="switch the mechanism on")
    deletion_prob: float = Field(
        0.8, ge=0, le=1, description="probability a detected post is deleted (unseen)"
    )
    penalty: float = Field(
        5.0, ge=0, le=1e4, description="cost of a detected 'rumour' to the speaker (fine, talk)"
    )
    propaganda: float = Field(
        0.3, ge=0, le=1, description="shrinks the share seen speaking: s <- (1-propaganda) s"
    )


class PreemptionParams(StrictModel):
    """A risk score over the state's view that restricts people before they act."""

    enabled: bool = Field(False, description="switch the mechanism on")
    bias: float = Field(-6.0, ge=-100, le=100, description="risk = sigma(bias + w . features)")
    w_records: float = Field(0.5, ge=0, le=100, description="weight of unlawful records held")
    w_speech: float = Field(1.5, ge=0, le=100, description="weight of speech records held")
    w_listed_neighbours: float = Field(
        4.0, ge=0, le=100, description="weight of the share of listed neighbours"
    )
    threshold: float = Field(0.5, ge=0, le=1, description="flag when risk >= threshold")
    duration: int = Field(30, ge=1, le=100_000, description="steps a preventive restriction lasts")
    domains: list[str] = Field(
        default_factory=lambda: ["travel"], min_length=1, description="domains restricted"
    )
    incapacitate: bool = Field(
        True, description="restricted people commit no act and cannot speak while flagged"
    )
    every: int = Field(7, ge=1, le=10_000, description="evaluate the risk model every k steps")


class AmbiguityParams(StrictModel):
    """How vaguely people know the rules: perceived risk drifts to a pessimistic prior."""

    enabled: bool = Field(False, description="switch the mechanism on")
    level: float = Field(0.3, ge=0, le=1, description="ambiguity a in [0, 1]")
    prior_detection: float = Field(0.5, ge=0, le=1, description="pessimistic prior p* of detection")
    prior_cost: float = Field(20.0, ge=0, le=1e6, description="pessimistic prior C* of sanction")
    acts: list[str] | None = Field(
        None,
        description=(
            "the act kinds whose rules are vague (null: every act kind and firms' "
            "compliance; a list: only those kinds, and firms know their rules)"
        ),
    )


class AbroadParams(StrictModel):
    """Reach abroad: platforms, associations, pressure on family at home."""

    enabled: bool = Field(False, description="switch the mechanism on")
    platform_use: float = Field(
        0.5, ge=0, le=1, description="share of the diaspora on domestic speech platforms"
    )
    association_share: float = Field(
        0.2,
        ge=0,
        le=1,
        description="share of the diaspora in associations that provide services, drawn at "
        "init (with association_services, people then join and leave by choice)",
    )
    association_detection: float = Field(
        0.05,
        ge=0,
        le=1,
        description="probability per step an association reports a member's public dissent "
        "(with association_services: also that a member reports a tie's abroad)",
    )
    family_pressure: float = Field(
        0.3, ge=0, le=1, description="probability a detected post abroad restricts family at home"
    )
    family_domains: list[str] = Field(
        default_factory=lambda: ["travel", "employment"],
        min_length=1,
        description="domains restricted for the family at home",
    )
    family_duration: int = Field(
        180, ge=1, le=100_000, description="steps the family is restricted"
    )
    foreign_firms: int = Field(
        44,
        ge=0,
        le=100_000,
        description="foreign firms in the home market told to comply or lose access (0: none; "
        "44: the foreign airlines warned by the civil aviation regulator in April 2018)",
    )
    foreign_demand_step: int = Field(
        0, ge=0, le=100_000, description="step at which the demand to comply is made"
    )
    foreign_deadline: int = Field(
        90,
        ge=1,
        le=100_000,
        description="steps after the demand by which a firm that has not complied loses access "
        "(the airlines: about three months, April to July 2018)",
    )
    foreign_hazard: float = Field(
        0.076,
        ge=0,
        le=1,
        description="daily probability of complying for a firm whose whole business is the "
        "home market; a firm with market stake s complies with foreign_hazard x s (calibrated: "
        "40 of 44 comply within 90 days at the default stakes)",
    )
    foreign_stake_a: float = Field(
        2.0, gt=0, le=100, description="market stake of a foreign firm ~ Beta(a, b) ..."
    )
    foreign_stake_b: float = Field(2.0, gt=0, le=100, description="... (illustrative)")
    association_services: bool = Field(
        False,
        description="associations offer services in exchange for reporting: people abroad "
        "join while service_value exceeds their expected cost of being watched, and members "
        "report the public dissent of their ties abroad (False: members drawn once at init, "
        "each association watching only its members)",
    )
    service_value: float = Field(
        0.03,
        ge=0,
        le=100,
        description="value of an association's services (papers, business contacts, "
        "community) to a member per step, in income units as sanctions.domains[*].cost "
        "(illustrative)",
    )
    membership_review: float = Field(
        0.02,
        ge=0,
        le=1,
        description="probability per step that a person abroad reconsiders membership "
        "(illustrative)",
    )


AuthorityLever = Literal["coverage", "threshold", "penalty"]
AUTHORITY_LEVERS: tuple[AuthorityLever, ...] = ("coverage", "threshold", "penalty")


class LeverRange(StrictModel):
    """Where the adaptive authority may move one lever, and how far at a time."""

    bounds: tuple[float, float] = Field(description="[lowest, highest] value the lever may take")
    radius: float = Field(gt=0, le=1e4, description="step radius epsilon of one move (+- radius)")

    @model_validator(mode="after")
    def _ordered(self) -> LeverRange:
        lo, hi = self.bounds
        if not lo <= hi:
            raise ValueError(f"bounds must be [lowest, highest]; got [{lo:g}, {hi:g}]")
        return self


class CoverageRange(LeverRange):
    """The coverage scale: 1 is every source's own coverage."""

    bounds: tuple[float, float] = Field((0.25, 2.0), description="[lowest, highest] scale")
    radius: float = Field(0.1, gt=0, le=1e4, description="step radius epsilon of one move")


class ThresholdRange(LeverRange):
    """The pre-emption threshold."""

    bounds: tuple[float, float] = Field((0.05, 0.95), description="[lowest, highest] threshold")
    radius: float = Field(0.05, gt=0, le=1e4, description="step radius epsilon of one move")


class PenaltyRange(LeverRange):
    """The speech penalty."""

    bounds: tuple[float, float] = Field((0.0, 100.0), description="[lowest, highest] penalty")
    radius: float = Field(10.0, gt=0, le=1e4, description="step radius epsilon of one move")


class AuthorityParams(StrictModel):
    """An authority that adapts its levers inside a run from its own view (hill climbing).

    Every ``every`` steps it totals its cost over the window (``alpha x`` public
    dissent as it sees it ``+ beta x`` enforcement ``+ gamma x`` approval lost);
    with ``adaptive`` on it keeps the last move only if the cost fell, then moves
    one lever by at most its radius (Daymude, Axelrod & Forrest 2025). The cost
    is measured with ``adaptive`` off too (a fixed policy's cost). Defaults are
    illustrative: no source gives a state's weights.
    """

    adaptive: bool = Field(False, description="switch the adaptation on (the levers move)")
    every: int = Field(7, ge=1, le=10_000, description="steps in a window between two decisions")
    levers: list[AuthorityLever] = Field(
        default_factory=lambda: list(AUTHORITY_LEVERS),
        description="levers it may move (one whose mechanism is off is never moved): "
        "coverage (surveillance/discourse), threshold (preemption), penalty (discourse)",
    )
    coverage: CoverageRange = Field(
        default_factory=CoverageRange,
        description="scale on every source's coverage (starts at 1: the sources' own)",
    )
    threshold: ThresholdRange = Field(
        default_factory=ThresholdRange,
        description="pre-emption threshold (starts at preemption.threshold)",
    )
    penalty: PenaltyRange = Field(
        default_factory=PenaltyRange,
        description="speech penalty (starts at discourse.penalty)",
    )
    alpha: float = Field(
        10.0, ge=0, le=1e9, description="weight of public dissent it sees (posts per person-step)"
    )
    beta: float = Field(
        1.0,
        ge=0,
        le=1e9,
        description="weight of enforcement (watching + sanctions per person-step)",
    )
    gamma: float = Field(
        0.0,
        ge=0,
        le=0,
        description="weight of 1 - approval; must be 0 until the model has an approval measure",
    )
    watch_cost: float = Field(
        1e-4, ge=0, le=1, description="cost of watching one person one step, in sanctions"
    )


class IncentivesParams(StrictModel):
    """Perks people would forfeit: the redlist's benefit enters the cost of an act or a post."""

    enabled: bool = Field(False, description="switch the mechanism on")
    perk_weight: float = Field(
        1.0,
        ge=0,
        le=1e4,
        description="weight people give to the perks an act would forfeit (redlist benefit x "
        "duration x the share of the redlist's margin the act's deduction takes x "
        "P(redlist) as they see it); illustrative",
    )


class ParticipationParams(StrictModel):
    """Opting into the system's voluntary parts (credit commitments, apps) for a perk.

    An adult at home takes part iff ``perk + exclusion_cost x share > c_i`` where
    ``share`` is last step's share of home adults taking part and ``c_i`` their
    privacy cost (log-normal). A participant is covered by ``source`` (none by
    default; ``full-regime`` names banks_platforms: credit commitments, apps). All
    defaults are illustrative.
    """

    enabled: bool = Field(False, description="switch the mechanism on")
    perk: float = Field(
        0.01, ge=0, le=1e4, description="perk b per step for taking part (income units)"
    )
    exclusion_cost: float = Field(
        0.1,
        ge=0,
        le=1e4,
        description="cost x per step of staying out when everybody takes part (lost access: "
        "services that come to require it); staying out costs x times the share taking part",
    )
    privacy_cost: float = Field(
        0.05, gt=0, le=1e4, description="median privacy cost c_i per step (log-normal)"
    )
    privacy_sigma: float = Field(1.0, ge=0, le=10, description="sd of log c_i")
    source: str | None = Field(
        None,
        description="the source that covers participants (checked while participation is "
        "on; their data once given is kept: a participant who leaves stays covered); null: "
        "none (the perk alone)",
    )


class LegitimacyParams(StrictModel):
    """Each adult's perceived legitimacy L_i moves; private dissent follows grievance h(1 - L).

    Per step: ``L += propaganda_effect x discourse.propaganda x (1 - L)
    - network_effect x (wrongly sanctioned ties / ties) - own_effect x [i wrongly
    sanctioned] + reversion x (L0_i - L)``, clipped to [0, 1]. Rates are illustrative.
    """

    enabled: bool = Field(False, description="switch the mechanism on")
    propaganda_effect: float = Field(
        0.01, ge=0, le=1, description="rise per step per unit of discourse.propaganda, x (1 - L)"
    )
    network_effect: float = Field(
        0.05, ge=0, le=1, description="fall per step per unit share of ties wrongly sanctioned"
    )
    own_effect: float = Field(
        0.02, ge=0, le=1, description="fall per step while the person is wrongly sanctioned"
    )
    reversion: float = Field(
        0.01, ge=0, le=1, description="share of the gap to the person's own L0 closed per step"
    )


class FirmsParams(StrictModel):
    """Firms that act and suffer: sectors and sizes in their choices, sanctions on the firm itself.

    A firm is sanctioned when its rating reaches ``sanction_rating`` (not already
    sanctioned; scoring and sanctions on) for ``sanction_duration`` steps: it is
    barred from public procurement, refused loans and inspected more (its
    violations are recorded with ``firm_detection_prob x inspection_factor``),
    each at a cost per person of the firm (its representative and employees) per
    step. Its legal representative is listed by the lists' ``entry_firm_rating``
    (as without this mechanism); with ``employee_spill`` its employees are
    restricted in ``employee_domains`` while it is sanctioned. A firm weighs the
    expected cost of a sanction in its choice to break a rule. Records expire one
    by one (mean life ``scoring.record_ttl``) and the firms start from their own
    steady state (``burn_in``). Costs are illustrative (docs/model.md, "Firms").
    """

    enabled: bool = Field(False, description="switch the mechanism on")
    sanction_rating: Literal["A", "B", "C", "D"] = Field(
        "D", description="a firm rated this or worse is sanctioned itself"
    )
    sanction_duration: int = Field(
        365, ge=1, le=100_000, description="steps a firm's sanction lasts"
    )
    procurement_cost: float = Field(
        0.02,
        ge=0,
        le=1e4,
        description="cost of the ban from public procurement, per person of the firm per step "
        "(income units; illustrative)",
    )
    loan_cost: float = Field(
        0.02,
        ge=0,
        le=1e4,
        description="cost of refused loans, per person of the firm per step (illustrative)",
    )
    inspection_cost: float = Field(
        0.01,
        ge=0,
        le=1e4,
        description="cost of the added inspections, per person of the firm per step (illustrative)",
    )
    inspection_factor: float = Field(
        1.5,
        ge=1,
        le=100,
        description="a sanctioned firm's violations are recorded with firm_detection_prob x "
        "this (capped at 1): more inspections (illustrative)",
    )
    employee_spill: bool = Field(
        False, description="restrict the employees of a sanctioned firm (the employer field)"
    )
    employee_domains: list[str] = Field(
        default_factory=lambda: ["employment"],
        min_length=1,
        description="domains restricted for the employees of a sanctioned firm",
    )
    burn_in: int = Field(
        730,
        ge=0,
        le=100_000,
        description="steps of the firms' own dynamics run at init (from Poisson records at "
        "their unsanctioned rates), so ratings start in their steady state",
    )


class MeasureParams(StrictModel):
    """Settings of the measures."""

    innocence_window: int = Field(
        365, ge=1, le=100_000, description="innocent: no true unlawful act in this many steps"
    )


# ---------------------------------------------------------------- the whole
class RegimeParams(StrictModel):
    """A synthetic society under a configurable social credit regime (see docs/model.md)."""

    population: PopulationParams = Field(default_factory=PopulationParams, description="people")
    acts: list[ActParams] = Field(
        default_factory=_default_acts, min_length=1, max_length=32, description="act kinds"
    )
    behaviour: BehaviourParams = Field(default_factory=BehaviourParams, description="behaviour")
    surveillance: SurveillanceParams = Field(
        default_factory=SurveillanceParams, description="data sources"
    )
    integration: IntegrationParams = Field(
        default_factory=IntegrationParams, description="record linkage"
    )
    scoring: ScoringParams = Field(default_factory=ScoringParams, description="scores, grades")
    sanctions: SanctionsParams = Field(default_factory=SanctionsParams, description="lists")
    discourse: DiscourseParams = Field(default_factory=DiscourseParams, description="speech")
    preemption: PreemptionParams = Field(default_factory=PreemptionParams, description="risk")
    ambiguity: AmbiguityParams = Field(default_factory=AmbiguityParams, description="vagueness")
    abroad: AbroadParams = Field(default_factory=AbroadParams, description="diaspora")
    incentives: IncentivesParams = Field(
        default_factory=IncentivesParams, description="perks in decisions"
    )
    participation: ParticipationParams = Field(
        default_factory=ParticipationParams, description="opting in"
    )
    legitimacy: LegitimacyParams = Field(
        default_factory=LegitimacyParams, description="legitimacy that moves"
    )
    authority: AuthorityParams = Field(
        default_factory=AuthorityParams, description="an authority that adapts"
    )
    firms: FirmsParams = Field(default_factory=FirmsParams, description="firms that act and suffer")
    measures: MeasureParams = Field(default_factory=MeasureParams, description="measures")

    @model_validator(mode="after")
    def _consistent(self) -> RegimeParams:
        acts = [a.name for a in self.acts]
        for i, a in enumerate(acts):
            if acts.index(a) != i:
                raise ValueError(f"acts[{i}].name {a!r} repeats; act names must be unique")
        speech = [a.name for a in self.acts if a.kind == "speech"]
        if len(speech) != 1:
            raise ValueError(
                f"acts must hold exactly one act of kind 'speech' (public dissent); got "
                f"{len(speech)}{': ' + ', '.join(speech) if speech else ''}"
            )
        domains = [d.name for d in self.sanctions.domains]
        if len(set(domains)) != len(domains):
            raise ValueError("sanctions.domains: names must be unique")
        for i, act in enumerate(self.acts):
            if act.domain is not None and act.domain not in domains:
                raise _unknown("domain", act.domain, domains, f"acts[{i}].domain")
        sources = self.surveillance.sources
        snames = [s.name for s in sources]
        if len(set(snames)) != len(snames):
            raise ValueError("surveillance.sources: names must be unique")
        for i, s in enumerate(sources):
            for a in s.sees:
                if a not in acts:
                    raise _unknown("act", a, acts, f"surveillance.sources[{i}].sees")
        for a in self.ambiguity.acts or []:
            if a not in acts:
                raise _unknown("act", a, acts, "ambiguity.acts")
        for a in self.scoring.deductions:
            if a not in acts:
                raise _unknown("act", a, acts, "scoring.deductions")
        grades = [b.name for b in self.scoring.bands]
        lists = [x.name for x in self.sanctions.lists]
        if len(set(lists)) != len(lists):
            raise ValueError("sanctions.lists: names must be unique")
        for i, lst in enumerate(self.sanctions.lists):
            for a in lst.entry_acts:
                if a not in acts:
                    raise _unknown("act", a, acts, f"sanctions.lists[{i}].entry_acts")
            if lst.entry_grade is not None and lst.entry_grade not in grades:
                raise _unknown(
                    "grade", lst.entry_grade, grades, f"sanctions.lists[{i}].entry_grade"
                )
            lawful = [a.name for a in self.acts if a.name in lst.entry_acts and not a.unlawful]
            if lst.initial_share > 0 and len(lawful) == len(lst.entry_acts):
                raise ValueError(
                    f"sanctions.lists[{i}].initial_share ({lst.initial_share:g}) needs an "
                    f"unlawful act in entry_acts: the stock is recorded as guilty of one; "
                    f"{', '.join(lawful)} {'is' if len(lawful) == 1 else 'are'} lawful"
                )
        for i, m in enumerate(self.sanctions.memoranda):
            if m.list not in lists:
                raise _unknown("list", m.list, lists, f"sanctions.memoranda[{i}].list")
            if self.sanctions.lists[lists.index(m.list)].kind == "red":
                raise ValueError(
                    f"sanctions.memoranda[{i}].list {m.list!r} is a redlist; memoranda bind "
                    "blacklists to restrictions (a redlist gives its benefit directly)"
                )
            for d in m.domains:
                if d not in domains:
                    raise _unknown("domain", d, domains, f"sanctions.memoranda[{i}].domains")
        for d in self.preemption.domains:
            if d not in domains:
                raise _unknown("domain", d, domains, "preemption.domains")
        for d in self.abroad.family_domains:
            if d not in domains:
                raise _unknown("domain", d, domains, "abroad.family_domains")
        for d in self.firms.employee_domains:
            if d not in domains:
                raise _unknown("domain", d, domains, "firms.employee_domains")
        src = self.participation.source
        if self.participation.enabled and src is not None and src not in snames:
            raise _unknown("source", src, snames, "participation.source")
        if self.authority.adaptive:
            starts = (
                ("coverage", 1.0, "the sources' own coverage (scale 1)"),
                ("threshold", self.preemption.threshold, "preemption.threshold"),
                ("penalty", self.discourse.penalty, "discourse.penalty"),
            )
            for name, start, what in starts:
                lo, hi = getattr(self.authority, name).bounds
                if name in self.authority.levers and not lo <= start <= hi:
                    raise ValueError(
                        f"authority.{name}.bounds [{lo:g}, {hi:g}] must contain the lever's "
                        f"starting value, {what} = {start:g}"
                    )
        return self


REGIME_MECHANISMS = (
    "surveillance",
    "integration",
    "scoring",
    "sanctions",
    "discourse",
    "preemption",
    "ambiguity",
    "abroad",
    "incentives",
    "participation",
    "legitimacy",
)


def counterfactual(scenario: Any) -> Any:
    """The same society, seed and steps with every regime mechanism switched off.

    ``behaviour`` is the society itself and stays as it is. Both runs share the
    seed, so they draw common random numbers (one stream per mechanism).
    """
    params = scenario.params
    update = {
        m: getattr(params, m).model_copy(update={"enabled": False}) for m in REGIME_MECHANISMS
    }
    update["authority"] = params.authority.model_copy(update={"adaptive": False})
    new_params = params.model_copy(update=update)
    return scenario.model_copy(update={"params": new_params, "name": f"{scenario.name} (baseline)"})
