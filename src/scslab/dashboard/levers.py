"""The dashboard's levers and plots, read from each model's declarations.

A model's sliders are its ``Description.levers`` and its plots its
``Description.plotted`` (`scslab.engine.describe`); nothing here lists them.
No Panel here: the schema look-ups and the way lever values are written into a
scenario are plain Python, tested without a browser.

Paths
-----
``params.legitimacy``
    One value.
``params.surveillance.sources[*].coverage``
    The same value written into every element of a list; the lever shows the
    mean of the scenario's values.
``params.sanctions.memoranda[:n]``
    A count: keep the first ``n`` elements of the scenario's list.
"""

from __future__ import annotations

import copy
import re
import typing
from collections.abc import Mapping, Sequence
from typing import Any

from scslab.engine.describe import Lever
from scslab.errors import ScenarioError
from scslab.scenario.introspect import field_bounds, model_of


def _description(model: str) -> Any:
    from scslab.scenario.registry import description

    return description(model)


_TOKEN = re.compile(r"^(?P<key>[A-Za-z_][A-Za-z0-9_]*)(?P<index>\[(?:\*|:n|\d+)\])?$")


#: Plots shown when a model declares no headline measure: its first metrics.
MAX_DEFAULT_MEASURES = 4


def levers_for(model: str, scenario: Mapping[str, Any] | None = None) -> list[Lever]:
    """The declared levers of `model` whose paths exist in `scenario` (all when it is None)."""
    out = []
    for lever in _description(model).levers:
        if scenario is None:
            out.append(lever)
            continue
        try:
            if get_values(scenario, lever.path):
                out.append(lever)
        except (KeyError, IndexError, TypeError):
            continue
    return out


def measures_for(model: str, metric_names: Sequence[str]) -> list[str]:
    """The measures to plot: the model's declared plots where present, else the first metrics."""
    names = [m for m in _description(model).plotted if m in metric_names]
    if names:
        return names
    return [m for m in metric_names if m != "step"][:MAX_DEFAULT_MEASURES]


def _tokens(path: str) -> list[tuple[str, str | None]]:
    out = []
    for part in path.split("."):
        m = _TOKEN.match(part)
        if m is None:
            raise ValueError(f"bad lever path {path!r} (at {part!r})")
        out.append((m["key"], m["index"]))
    return out


def get_values(data: Mapping[str, Any], path: str) -> list[Any]:
    """Every value at `path` in plain scenario data (``[*]`` expands; ``[:n]`` gives the list)."""
    nodes: list[Any] = [data]
    for key, index in _tokens(path):
        nxt: list[Any] = []
        for node in nodes:
            value = node[key]
            if index is None or index == "[:n]":
                nxt.append(value)
            elif index == "[*]":
                nxt.extend(value)
            else:
                nxt.append(value[int(index[1:-1])])
        nodes = nxt
    return nodes


def current_value(data: Mapping[str, Any], lever: Lever) -> float | int | None:
    """The value a lever shows for scenario data: the value, the mean, or the count."""
    values = get_values(data, lever.path)
    if lever.is_count:
        return len(values[0]) if values else 0
    nums = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    if not nums:
        return None
    if len(nums) == 1:
        return nums[0]
    return sum(nums) / len(nums)


def set_value(data: dict[str, Any], lever: Lever, value: Any, base: Mapping[str, Any]) -> None:
    """Write a lever's value into `data` (in place); a count cuts `base`'s list."""
    tokens = _tokens(lever.path)
    if lever.is_count:
        key = tokens[-1][0]
        parents = _walk(data, tokens[:-1])
        originals = _walk(base, tokens[:-1])
        for parent, original in zip(parents, originals, strict=True):
            parent[key] = copy.deepcopy(list(original[key])[: int(value)])
        return
    key, index = tokens[-1]
    for parent in _walk(data, tokens[:-1]):
        if index is None:
            parent[key] = value
        elif index == "[*]":
            parent[key] = [value for _ in parent[key]]
        else:
            parent[key][int(index[1:-1])] = value


def _walk(data: Any, tokens: Sequence[tuple[str, str | None]]) -> list[Any]:
    nodes = [data]
    for key, index in tokens:
        nxt = []
        for node in nodes:
            value = node[key]
            if index is None:
                nxt.append(value)
            elif index == "[*]":
                nxt.extend(value)
            else:
                nxt.append(value[int(index[1:-1])])
        nodes = nxt
    return nodes


def switched_off(data: Mapping[str, Any], lever: Lever) -> bool:
    """Whether the lever's mechanism is off in `data`."""
    if lever.switch is None:
        return False
    try:
        values = get_values(data, lever.switch)
    except (KeyError, IndexError, TypeError):
        return False
    return not all(bool(v) for v in values)


# --------------------------------------------------------------------------- schema
def _is_int(annotation: Any) -> bool:
    if annotation is int:
        return True
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    return bool(args) and all(a is int for a in args)


def schema_bounds(
    model: str, lever: Lever, data: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The lever's range from the scenario schema: ``lo``, ``hi``, ``integer``, ``nullable``.

    A count's range is 0 .. the length of the list in `data` (the preset's).
    """
    from scslab.scenario import scenario_class

    if lever.is_count:
        hi = len(get_values(data, lever.path)[0]) if data is not None else 0
        return {"lo": 0, "hi": hi, "integer": True, "nullable": False}
    current: Any = scenario_class(model)
    info = None
    for key, _index in _tokens(lever.path):
        cls = model_of(current)
        if cls is None or key not in cls.model_fields:
            raise ScenarioError(f"lever path {lever.path!r}: no key {key!r} in the schema")
        info = cls.model_fields[key]
        current = info.annotation
    assert info is not None
    b = field_bounds(info)
    lo, hi, lo_open, hi_open = b.lo, b.hi, b.lo_open, b.hi_open
    nullable = type(None) in typing.get_args(info.annotation)
    return {
        "lo": lo,
        "hi": hi,
        "lo_open": lo_open,
        "hi_open": hi_open,
        "integer": _is_int(info.annotation),
        "nullable": nullable,
    }


def slider_range(model: str, lever: Lever, data: Mapping[str, Any]) -> tuple[float, float, bool]:
    """The slider's (start, end, integer): the soft range clipped to the schema's bounds."""
    b = schema_bounds(model, lever, data)
    lo = b["lo"] if b["lo"] is not None else min(0.0, *(lever.soft or (0.0,)))
    hi = b["hi"]
    if hi is None:
        hi = lever.soft[1] if lever.soft else max(1.0, 2 * abs(current_value(data, lever) or 1))
    if lever.soft is not None:
        lo = max(lo, lever.soft[0])
        hi = min(hi, lever.soft[1])
    value = current_value(data, lever)
    if isinstance(value, int | float):
        lo, hi = min(lo, value), max(hi, value)
    if b["integer"]:
        return int(lo), int(hi), True
    return float(lo), float(hi), False


def apply_levers(
    base: Mapping[str, Any], values: Mapping[str, Any], model: str | None = None
) -> Any:
    """A validated `Scenario`: `base` (plain data) with each lever's value written in.

    Raises
    ------
    ScenarioError
        With the schema's message (field, allowed range, value) when a value is refused.
    """
    model = model or str(base.get("model"))
    data = copy.deepcopy(dict(base))
    by_path = {lever.path: lever for lever in _description(model).levers}
    try:
        return _apply(base, values, model, data, by_path)
    except ScenarioError as exc:
        raise ScenarioError(_fold_wildcards(str(exc), values)) from None


def _fold_wildcards(message: str, values: Mapping[str, Any]) -> str:
    """One line for a value refused in every element of a list: ``sources[*].coverage``."""
    lines = message.splitlines()
    for path in values:
        if "[*]" not in path:
            continue
        pattern = re.compile(re.escape(path).replace(re.escape("[*]"), r"\[\d+\]"))
        lines = [pattern.sub(path, line) for line in lines]
    return "\n".join(dict.fromkeys(lines))


def _apply(
    base: Mapping[str, Any],
    values: Mapping[str, Any],
    model: str,
    data: dict[str, Any],
    by_path: Mapping[str, Lever],
) -> Any:
    from scslab.scenario import load_scenario

    for path, value in values.items():
        lever = by_path.get(path) or Lever(path, path)
        if lever.is_count:
            hi = len(get_values(base, path)[0])
            if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
                raise ScenarioError(
                    f"{path.removesuffix('[:n]')}: the number to keep must be a "
                    f"whole number in [0, {hi}]; got {value!r}"
                )
            if not 0 <= value <= hi:
                raise ScenarioError(
                    f"{path.removesuffix('[:n]')}: the number to keep must be in "
                    f"[0, {hi}]; got {int(value)}"
                )
        set_value(data, lever, value, base)
    return load_scenario(data)
