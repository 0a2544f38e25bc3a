"""Laws of the regime's headline measures: each moves the right way with the levers it declares.

One row per (measure, lever) pair that ``scslab.metrics.regime.DESCRIPTION``
declares, and a test that the table covers exactly those pairs. Each law runs
the two lever values on the same seeds (common random numbers) and compares
the measure's mean over the steps after the first, averaged over the seeds.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import numpy as np
import pytest
from regime_support import scenario

import scslab
from scslab.scenario import load_scenario
from scslab.scenario.registry import description

# rates raised so that listings happen in a small society (as in test_laws)
BUSY = {
    "debt_default": 5e-4,
    "fraud": 1e-4,
    "admin_violation": 2e-3,
    "traffic_violation": 3e-3,
}
ALL = "all"
CORE = ("surveillance", "integration", "sanctions")
SCORED = ("surveillance", "integration", "scoring", "sanctions")
ALIKE = [{"name": n, "share": 1 / 3, "hardship": 0.3, "income": 1.0} for n in ("a", "b", "c")]
COURT_ONLY = {
    "lists": [{"name": "court", "entry_acts": ["debt_default", "fraud"]}],
    "memoranda": [
        {"name": "finance_only", "list": "court", "domains": ["finance"]},
        {"name": "elsewhere", "list": "court", "domains": ["travel", "employment", "licences"]},
    ],
}
QUIET_SPEECH = {"penalty": 0.0, "deletion_prob": 0.0, "propaganda": 0.0}


def _harmless() -> list[dict[str, Any]]:
    from scslab.scenario.params.regime import _default_acts

    return [{**a.model_dump(), "rate": BUSY.get(a.name, a.rate), "harm": 0.0}
            for a in _default_acts()]  # fmt: skip


HARMLESS = _harmless()

#: (measure, lever, low, high, sign of the change from low to high, params, mechanisms, size, steps)
LAWS: list[tuple[Any, ...]] = [
    ("dissent_private", "params.behaviour.legitimacy", 0.3, 0.9, -1, {}, (), 5000, 5),
    ("dissent_public", "params.discourse.propaganda", 0.0, 0.9, -1,
     {"discourse": QUIET_SPEECH}, ("discourse",), 8000, 60),
    ("falsification_gap", "params.discourse.propaganda", 0.0, 0.9, +1,
     {"discourse": QUIET_SPEECH}, ("discourse",), 8000, 60),
    ("disfavoured_rate", "params.ambiguity.level", 0.0, 1.0, -1,
     {}, ("surveillance", "ambiguity"), 8000, 100),
    ("sanctioned_share", "params.surveillance.sources[*].coverage", 0.2, 1.0, +1,
     {}, CORE, 8000, 120),
    ("wrongly_sanctioned_share", "params.surveillance.sources[*].false_record_rate", 0.0, 1e-4,
     +1, {}, CORE, 8000, 120),
    ("restriction_person_days", "params.sanctions.memoranda[:n]", 0, 3, +1, {}, SCORED, 8000, 120),
    ("family_sanctioned", "params.sanctions.memoranda[:n]", 0, 1, +1, {}, SCORED, 8000, 120),
    ("amplification", "params.sanctions.memoranda[:n]", 1, 2, +1,
     {"sanctions": COURT_ONLY}, CORE, 8000, 120),
    ("cross_context_share", "params.sanctions.memoranda[:n]", 1, 2, +1,
     {"sanctions": COURT_ONLY}, CORE, 8000, 120),
    ("disproportion", "params.sanctions.domains[*].cost", 0.01, 0.2, +1, {}, SCORED, 8000, 120),
    ("state_precision", "params.surveillance.sources[*].false_record_rate", 1e-6, 1e-4, -1,
     {}, CORE, 8000, 60),
    ("state_recall", "params.surveillance.sources[*].detection_prob", 0.2, 0.9, +1,
     {}, CORE, 8000, 60),
    ("disparate_impact", "params.population.groups[1].detection_visibility", 1.0, 3.0, +1,
     {"population": {"groups": ALIKE}}, CORE, 40000, 120),
    ("preempted", "params.preemption.threshold", 0.3, 0.7, -1, {}, ALL, 8000, 120),
    ("preempted_innocent_share", "params.preemption.w_speech", 0.0, 6.0, +1,
     {"preemption": {"threshold": 0.1}}, ALL, 8000, 120),
    ("diaspora_dissent_public", "params.abroad.family_pressure", 0.0, 1.0, -1,
     {"population": {"diaspora_share": 0.1}}, ("discourse", "abroad", "integration"), 8000, 60),
    ("firm_compliance", "params.surveillance.firm_detection_prob", 0.05, 0.9, +1,
     {}, SCORED, 8000, 60),
    # restriction costs alone (acts harmless): with harm counted, deterrence can raise welfare
    ("welfare", "params.sanctions.domains[*].cost", 0.01, 0.5, -1,
     {"acts": HARMLESS}, SCORED, 8000, 120),
    ("approval", "params.surveillance.sources[*].false_record_rate", 0.0, 1e-4, -1,
     {}, CORE + ("legitimacy",), 8000, 120),
    ("participation_share", "params.participation.perk", 0.005, 0.03, +1,
     {}, ("participation",), 8000, 40),
    ("participation_share", "params.participation.exclusion_cost", 0.0, 0.3, +1,
     {}, ("participation",), 8000, 40),
    ("harm_to_others", "params.acts[0].harm", 10.0, 60.0, +1, {}, (), 8000, 30),
    ("harm_prevented", "params.surveillance.sources[*].coverage", 0.2, 1.0, +1,
     {}, CORE, 8000, 60),
    ("foreign_firm_compliance", "params.abroad.foreign_hazard", 0.005, 0.05, +1,
     {}, ("abroad",), 2000, 30),
]  # fmt: skip
SEEDS = (1, 2)

_TOKEN = re.compile(r"^(?P<key>\w+)(?:\[(?P<index>\*|:n|\d+)\])?$")


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Write `value` at a lever path of plain scenario data (``[*]`` each, ``[:n]`` the first n)."""
    parts = path.split(".")
    nodes: list[Any] = [data]
    for part in parts[:-1]:
        m = _TOKEN.match(part)
        assert m is not None, part
        nxt = []
        for node in nodes:
            child = node[m["key"]]
            if m["index"] == "*":
                nxt.extend(child)
            elif m["index"] is not None:
                nxt.append(child[int(m["index"])])
            else:
                nxt.append(child)
        nodes = nxt
    m = _TOKEN.match(parts[-1])
    assert m is not None
    for node in nodes:
        if m["index"] == "*":
            node[m["key"]] = [value] * len(node[m["key"]])
        elif m["index"] == ":n":
            node[m["key"]] = node[m["key"]][: int(value)]
        elif m["index"] is not None:
            node[m["key"]][int(m["index"])] = value
        else:
            node[m["key"]] = value


def level(law: tuple[Any, ...], value: Any, seed: int) -> float:
    measure, lever, _lo, _hi, _sign, params, on, size, steps = law
    acts = {"acts": [{**a.model_dump(), "rate": BUSY.get(a.name, a.rate)} for a in _acts()]}
    base = load_scenario(scenario({**acts, **params}, on=on, size=size, steps=steps, seed=seed))
    data = copy.deepcopy(base.to_dict())
    set_path(data, lever, value)
    r = scslab.run(load_scenario(data))
    return float(np.nanmean(r.metrics[measure].to_numpy()[1:]))


def _acts() -> list[Any]:
    from scslab.scenario.params.regime import _default_acts

    return _default_acts()


def test_the_table_covers_every_declared_lever_of_every_headline_measure():
    declared = {
        (m.name, lever) for m in description("regime").measures if m.headline for lever in m.levers
    }
    assert declared == {(law[0], law[1]) for law in LAWS}


@pytest.mark.parametrize("law", LAWS, ids=[f"{law[0]}~{law[1].split('.')[-1]}" for law in LAWS])
def test_headline_measure_moves_the_right_way_with_its_lever(law):
    measure, lever, lo, hi, sign, *_ = law
    low = np.mean([level(law, lo, s) for s in SEEDS])
    high = np.mean([level(law, hi, s) for s in SEEDS])
    assert np.isfinite([low, high]).all(), (measure, low, high)
    assert sign * (high - low) > 0, f"{measure} with {lever} {lo} -> {hi}: {low} -> {high}"
