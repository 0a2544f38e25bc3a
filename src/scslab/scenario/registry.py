"""The models scslab knows: name, kernel class and parameter schema, imported lazily."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from scslab.errors import ScenarioError, did_you_mean


@dataclass(frozen=True)
class ModelEntry:
    name: str
    kernel: str  # "module:Class" of the simulation kernel
    params: str  # "module:Class" of the pydantic parameter schema
    summary: str
    # "module:function" mapping a Scenario to its counterfactual Scenario (the same
    # society with every regime mechanism off), or None: the model has none.
    baseline: str | None = None
    # Parameters the kernel reads only when a run starts, which therefore cannot
    # follow a schedule: (path pattern under params, why), e.g.
    # ("population", "builds the people from it when the run starts").
    fixed: tuple[tuple[str, str], ...] = ()


_AT_START = "reads it only when the run starts"
_DRAWN = "draws each person's traits from it when the run starts"
_GRADED = (
    "grades everyone from it when the run starts and regrades a person or firm only on a "
    "new record, so a change would reach only some of them"
)


MODELS: dict[str, ModelEntry] = {
    "epstein": ModelEntry(
        "epstein",
        "scslab.models.epstein:EpsteinCivilViolence",
        "scslab.scenario.params.epstein:EpsteinParams",
        "Epstein (2002) civil violence: citizens, cops, legitimacy, jail",
        fixed=(
            ("width", f"{_AT_START} (the grid)"),
            ("height", f"{_AT_START} (the grid)"),
            ("citizen_density", f"{_AT_START} (it places the citizens)"),
            ("cop_density", f"{_AT_START}; use cop_density_schedule to change it"),
            ("legitimacy", f"{_AT_START}; use legitimacy_schedule to change it"),
        ),
    ),
    "regime": ModelEntry(
        "regime",
        "scslab.regime.model:RegimeModel",
        "scslab.scenario.params.regime:RegimeParams",
        "A synthetic society under a social credit regime: surveillance, scores, lists, "
        "joint punishment, discourse control, preemption, reach abroad",
        baseline="scslab.scenario.params.regime:counterfactual",
        fixed=(
            (
                "population",
                "builds the people, households, firms and network from it when the run starts",
            ),
            ("behaviour.opportunism_sigma", _DRAWN),
            ("behaviour.opportunism_max", _DRAWN),
            ("behaviour.legitimacy", _DRAWN + " (private dissent)"),
            ("behaviour.dissent_a", _DRAWN),
            ("behaviour.dissent_b", _DRAWN),
            ("behaviour.private_cut", _DRAWN),
            ("behaviour.threshold_mean", _DRAWN),
            ("behaviour.threshold_sd", _DRAWN),
            (
                "surveillance.sources[*].coverage",
                "draws who each source covers when the run starts",
            ),
            ("abroad.platform_use", "draws who abroad uses the platforms when the run starts"),
            ("abroad.association_share", "draws the associations' members when the run starts"),
            ("sanctions.lists[*].initial_share", "lists the stock at step 0 only"),
            ("scoring.base", _GRADED),
            ("scoring.bands", _GRADED),
            ("scoring.firm_base", _GRADED),
            ("scoring.firm_deduction", _GRADED),
        ),
    ),
    "axelrod": ModelEntry(
        "axelrod",
        "scslab.models.axelrod:AxelrodNorms",
        "scslab.scenario.params.axelrod:AxelrodParams",
        "Axelrod (1986) norms and metanorms games, many populations at once",
        fixed=(
            ("population", f"{_AT_START} (array shapes)"),
            ("replicates", f"{_AT_START} (array shapes)"),
        ),
    ),
    "granovetter": ModelEntry(
        "granovetter",
        "scslab.models.granovetter:GranovetterThresholds",
        "scslab.scenario.params.granovetter:GranovetterParams",
        "Granovetter (1978) threshold cascades, optionally with friends weighted more",
        fixed=(
            ("n", f"{_AT_START} (the crowd)"),
            ("mean", f"{_AT_START} (it draws the thresholds)"),
            ("sd", f"{_AT_START} (it draws the thresholds)"),
            ("mean_degree", f"{_AT_START} (the network)"),
        ),
    ),
    "kuran": ModelEntry(
        "kuran",
        "scslab.models.kuran:KuranFalsification",
        "scslab.scenario.params.kuran:KuranParams",
        "Kuran preference falsification: hidden thresholds, sudden cascades",
        fixed=(
            ("n", f"{_AT_START} (the people)"),
            ("private_mean", f"{_AT_START} (it draws private preferences)"),
            ("private_sd", f"{_AT_START} (it draws private preferences)"),
            ("threshold_mean", f"{_AT_START} (it draws thresholds)"),
            ("threshold_sd", f"{_AT_START} (it draws thresholds)"),
            ("mean_degree", f"{_AT_START} (the network)"),
            ("range", f"{_AT_START} (the network)"),
        ),
    ),
    "dissent-game": ModelEntry(
        "dissent-game",
        "scslab.models.dissent_game:DissentGame",
        "scslab.scenario.params.dissent_game:DissentGameParams",
        "Daymude, Axelrod & Forrest (2025) dissent and self-censorship against an "
        "authority that adapts by hill climbing",
        fixed=(
            ("n", f"{_AT_START} (the individuals)"),
            ("mean_desire", f"{_AT_START} (it draws desired dissent)"),
            ("mean_boldness", f"{_AT_START} (it draws boldness)"),
            ("initial", f"{_AT_START} (the authority's first policy)"),
        ),
    ),
}


def _load(ref: str) -> Any:
    module, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module), attr)


def model_entry(name: str) -> ModelEntry:
    """The entry of model `name`, or a `ScenarioError` that suggests a close name."""
    try:
        return MODELS[name]
    except KeyError:
        raise ScenarioError(
            f"unknown model {name!r}{did_you_mean(name, MODELS)} "
            f"(known models: {', '.join(sorted(MODELS))})"
        ) from None


def params_class(name: str) -> Any:
    """The pydantic parameter schema of model `name`."""
    return _load(model_entry(name).params)


def kernel(name: str) -> Any:
    """A new instance of model `name`'s simulation kernel."""
    return _load(model_entry(name).kernel)()


def baseline_of(scenario: Any) -> Any:
    """The counterfactual of `scenario` (every regime mechanism off), for ``--baseline``.

    Raises `ScenarioError` when the scenario's model has no counterfactual.
    """
    entry = model_entry(scenario.model)
    if entry.baseline is None:
        with_baseline = sorted(m.name for m in MODELS.values() if m.baseline)
        raise ScenarioError(
            f"model {scenario.model!r} has no counterfactual for --baseline "
            f"(models with one: {', '.join(with_baseline) or 'none yet'})"
        )
    return _load(entry.baseline)(scenario)


def description(name: str) -> Any:
    """The `scslab.engine.describe.Description` of model `name`: measures, levers, pictures.

    A kernel that declares nothing gets `scslab.engine.describe.UNDESCRIBED` (every
    column shown by its name); every model scslab ships declares its measures (a
    test checks). Raises `ScenarioError` for an unknown model.
    """
    from scslab.engine.describe import UNDESCRIBED

    return getattr(_load(model_entry(name).kernel), "description", UNDESCRIBED)
