"""Bundled scenarios: a preset name works wherever a scenario path does."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scslab.errors import ScenarioError, did_you_mean
from scslab.scenario.yamlio import parse_yaml

PRESET_DIR = Path(__file__).parent / "presets"


@dataclass(frozen=True)
class PresetInfo:
    name: str
    model: str
    summary: str
    path: Path


def preset_names() -> list[str]:
    """Names of the bundled presets, sorted."""
    return sorted(p.stem for p in PRESET_DIR.glob("*.yaml"))


def preset_path(name: str) -> Path:
    """Path of preset `name`, or a `ScenarioError` that suggests a close name."""
    path = PRESET_DIR / f"{name}.yaml"
    if not path.is_file():
        names = preset_names()
        raise ScenarioError(
            f"unknown preset {name!r}{did_you_mean(name, names)} "
            f"(presets: {', '.join(names)}; or give a path to a .yaml file)"
        )
    return path


def list_presets() -> list[PresetInfo]:
    """Every bundled preset with its model and the first line of its description."""
    out = []
    for name in preset_names():
        path = PRESET_DIR / f"{name}.yaml"
        data = parse_yaml(path.read_text(encoding="utf-8"), f"preset {name}") or {}
        summary = str(data.get("description", "")).strip().splitlines()
        out.append(
            PresetInfo(name, str(data.get("model", "?")), summary[0] if summary else "", path)
        )
    return out
