"""Key paths into a scenario: ``params.surveillance.sources[1].coverage``.

A path is keys joined by dots; a key may be indexed as ``key[2]`` (one entry of
a list) or ``key[*]`` (every entry). Used by ``--set`` (scslab run), ``--vary``
and ``--param`` (sweeps) and the dashboard's levers.
"""

from __future__ import annotations

import copy
import functools
import re
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from scslab.errors import ScenarioError, did_you_mean
from scslab.scenario.introspect import model_of
from scslab.scenario.schedules import SCHEDULE_KEYS, number_kind

Part = str | int  # a key, a list index, or "*" (every entry)

_SEGMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)((?:\[(?:\d+|\*)\])*)$")


@functools.lru_cache(maxsize=256)
def split_path(path: str) -> tuple[Part, ...]:
    """``a.b[2].c`` -> ("a", "b", 2, "c"); ``b[*]`` gives "*"."""
    parts: list[Part] = []
    for seg in path.split("."):
        m = _SEGMENT.match(seg.strip())
        if not m:
            raise ScenarioError(
                f"{seg!r} is not a key (letters, digits, _), optionally indexed as key[2] or key[*]"
            )
        parts.append(m.group(1))
        for idx in re.findall(r"\[(\d+|\*)\]", m.group(2)):
            parts.append("*" if idx == "*" else int(idx))
    return tuple(parts)


def shown(parts: Sequence[Part]) -> str:
    out = ""
    for p in parts:
        if isinstance(p, int) or p == "*":
            out += f"[{p}]"
        else:
            out += f".{p}" if out else str(p)
    return out or "the top level"


def item_type(annotation: Any) -> Any:
    """The element type of ``list[X]`` (or ``list[X] | None``), or None."""
    if typing.get_origin(annotation) in (list, tuple):
        args = typing.get_args(annotation)
        return args[0] if args else Any
    for arg in typing.get_args(annotation):
        if typing.get_origin(arg) in (list, tuple):
            return item_type(arg)
    return None


def value_type(annotation: Any) -> Any:
    """The value type of ``dict[str, V]`` (or ``dict[str, V] | None``), or None."""
    if typing.get_origin(annotation) is dict:
        args = typing.get_args(annotation)
        return args[1] if len(args) == 2 else Any
    for arg in typing.get_args(annotation):
        if typing.get_origin(arg) is dict:
            return value_type(arg)
    return None


@dataclass(frozen=True)
class MappingKey:
    """A path that names a key of a mapping-valued parameter (``scoring.deductions.fraud``).

    `depth` is the key's index in the path; `keys_from` the path of the names the
    key must be one of (the field's ``json_schema_extra["keys_from"]``, such as
    ``params.acts[*].name``), or "" when any key is allowed.
    """

    depth: int
    keys_from: str


def mapping_key(cls: type[BaseModel], parts: Sequence[Part]) -> MappingKey | None:
    """Where `parts` goes into a mapping-valued field, if it does (see `MappingKey`)."""
    current: Any = cls
    info: FieldInfo | None = None
    for depth, part in enumerate(parts):
        if isinstance(part, int) or part == "*":
            current = item_type(current)
            if current is None:
                return None
            continue
        if model_of(current) is None and value_type(current) is not None:
            extra = info.json_schema_extra if info is not None else None
            keys = extra.get("keys_from", "") if isinstance(extra, dict) else ""
            return MappingKey(depth, str(keys))
        model = model_of(current)
        if model is None or part not in model.model_fields:
            return None
        info = model.model_fields[part]
        current = info.annotation
    return None


def annotation_at(cls: type[BaseModel], parts: Sequence[Part]) -> Any:
    """The schema's annotation at `parts`, or a `ScenarioError` that suggests a key.

    A key of a mapping-valued field (``params.scoring.deductions.fraud``) has the
    mapping's value type; which keys are allowed is checked on the data
    (`mapping_key`).
    """
    current: Any = cls
    for depth, part in enumerate(parts):
        if isinstance(part, int) or part == "*":
            item = item_type(current)
            if item is None:
                raise ScenarioError(f"{shown(parts[:depth])} is not a list; it has no [{part}]")
            current = item
            continue
        if model_of(current) is None and value_type(current) is not None:
            current = value_type(current)  # a key of a mapping: its value's type
            if typing.get_origin(current) is typing.Annotated:
                current = typing.get_args(current)[0]  # its bounds: checked on validation
            continue
        model = model_of(current)
        if model is None and number_kind(current) is not None and part in SCHEDULE_KEYS:
            # inside a schedule given for a number: params.x.values[1], params.x.at[0]
            current = {
                "values": list[current],
                "at": list[int],
                "interpolate": typing.Literal["step", "linear"],
            }[str(part)]
            continue
        if model is None:
            raise ScenarioError(f"{shown(parts[:depth])} is not a mapping; it has no key {part!r}")
        fields = model.model_fields
        if part not in fields:
            raise ScenarioError(
                f"unknown key {part!r} in {shown(parts[:depth])}"
                f"{did_you_mean(str(part), fields)} (keys: {', '.join(fields)})"
            )
        current = fields[part].annotation
    return current


def set_at(data: dict[str, Any], parts: Sequence[Part], value: Any) -> None:
    """Set `value` at `parts` in plain scenario data (lists indexed, "*" = every entry)."""

    def walk(node: Any, i: int) -> None:
        part, last = parts[i], i == len(parts) - 1
        if isinstance(part, int) or part == "*":
            if not isinstance(node, list):
                raise ScenarioError(f"{shown(parts[:i])} is not a list in this scenario")
            if isinstance(part, int) and part >= len(node):
                raise ScenarioError(
                    f"{shown(parts[:i])} has {len(node)} entries in this scenario; "
                    f"[{part}] is out of range (the first is [0])"
                )
            indices = range(len(node)) if isinstance(part, str) else [part]
            for j in indices:
                if last:
                    node[j] = copy.deepcopy(value)  # entries must not share a mutable value
                else:
                    walk(node[j], i + 1)
            return
        if last:
            node[part] = copy.deepcopy(value)  # entries must not share a mutable value
            return
        child = node.get(part)
        if child is not None and not isinstance(child, dict | list):
            nxt = parts[i + 1]
            hint = (
                f"; give the whole schedule, for example {shown(parts[: i + 1])}="
                "{at: [0, 100], values: [0.1, 0.2]}"
                if nxt in SCHEDULE_KEYS
                else ""
            )
            raise ScenarioError(
                f"{shown(parts[: i + 1])} is {child!r} in this scenario, not a "
                f"{'schedule' if hint else 'mapping'}, so it has no {nxt!r}{hint}"
            )
        if child is None:
            child = {}
            node[part] = child
        walk(child, i + 1)

    walk(data, 0)


def get_at(data: Any, parts: Sequence[Part]) -> Any:
    """The value at `parts` (the first entry's for "*")."""
    node = data
    for part in parts:
        node = node[0 if part == "*" else part]
    return node


def get_all(data: Any, parts: Sequence[Part]) -> list[Any]:
    """Every value at `parts` ("*": each entry), skipping entries that lack the key."""
    nodes = [data]
    for part in parts:
        nxt: list[Any] = []
        for node in nodes:
            if part == "*" and isinstance(node, list):
                nxt.extend(node)
            elif isinstance(part, int) and isinstance(node, list) and part < len(node):
                nxt.append(node[part])
            elif isinstance(part, str) and isinstance(node, dict) and part in node:
                nxt.append(node[part])
        nodes = nxt
    return nodes
