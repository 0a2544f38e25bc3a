"""What to simulate: the scenario schema, YAML loading, overrides and presets."""

from scslab.scenario.loading import load_scenario, parse_override
from scslab.scenario.presets import list_presets, preset_names, preset_path
from scslab.scenario.registry import MODELS, kernel, model_entry, params_class
from scslab.scenario.schema import Scenario, json_schema, scenario_class
from scslab.scenario.yamlio import parse_yaml

__all__ = [
    "MODELS",
    "Scenario",
    "json_schema",
    "kernel",
    "list_presets",
    "load_scenario",
    "model_entry",
    "params_class",
    "parse_yaml",
    "parse_override",
    "preset_names",
    "preset_path",
    "scenario_class",
]
