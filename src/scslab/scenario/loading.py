"""Read a scenario from YAML (or a preset), apply overrides, validate, explain errors."""

from __future__ import annotations

import math
import typing
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from scslab.errors import ScenarioError, did_you_mean
from scslab.scenario.introspect import field_bounds, model_of
from scslab.scenario.paths import (
    annotation_at,
    get_all,
    mapping_key,
    set_at,
    split_path,
    value_type,
)
from scslab.scenario.presets import preset_names, preset_path
from scslab.scenario.registry import MODELS, model_entry
from scslab.scenario.schedules import number_kind
from scslab.scenario.schema import Scenario, scenario_class
from scslab.scenario.yamlio import YamlSyntaxError, compose_yaml, construct_yaml, parse_yaml

Loc = tuple[str | int, ...]


# ---------------------------------------------------------------- YAML with lines
def _line_map(root: yaml.Node | None) -> dict[Loc, int]:
    """Map each key path of a composed YAML document to the 1-based line of its value."""
    lines: dict[Loc, int] = {}

    def walk(node: yaml.Node, loc: Loc) -> None:
        lines[loc] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    sub = (*loc, key.value)
                    walk(value, sub)
                    lines[sub] = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, (*loc, i))

    if root is not None:
        walk(root, ())  # compose_yaml bounds its size and depth
    return lines


def _read_yaml(text: str, origin: str) -> tuple[dict[str, Any], dict[Loc, int]]:
    """The scenario mapping of a YAML text and the line of each key path."""
    root = compose_yaml(text, origin)
    data = construct_yaml(root, origin)
    if data is None:
        raise ScenarioError(f"{origin} is empty; a scenario is a mapping with 'name' and 'model'")
    if not isinstance(data, dict):
        raise ScenarioError(
            f"{origin} must hold a mapping (key: value lines) at the top level; "
            f"got a {type(data).__name__}"
        )
    return data, _line_map(root)


def resolve_source(source: str | Path) -> tuple[str, str]:
    """Return (text, origin) for a path or a preset name."""
    path = Path(source)
    if path.is_file():
        try:
            return path.read_text(encoding="utf-8"), str(path)
        except (OSError, UnicodeDecodeError) as exc:
            raise ScenarioError(f"cannot read scenario file {str(path)!r}: {exc}") from None
    text = str(source)
    if path.exists():
        raise ScenarioError(f"{text!r} is a folder, not a scenario file")
    if text.endswith((".yaml", ".yml")) or "/" in text or "\\" in text:
        raise ScenarioError(f"scenario file {text!r} not found")
    if text in preset_names():
        p = preset_path(text)
        return p.read_text(encoding="utf-8"), f"preset {text}"
    names = preset_names()
    raise ScenarioError(
        f"{text!r} is neither a file nor a preset{did_you_mean(text, names)} "
        f"(presets: {', '.join(names)})"
    )


# ---------------------------------------------------------------- overrides
def parse_override(item: str) -> tuple[str, str]:
    """Split ``a.b.c=value`` into its path and raw value."""
    key, sep, raw = item.partition("=")
    key = key.strip()
    if not sep or not key or any(not part for part in key.split(".")):
        raise ScenarioError(
            f"--set {item!r}: expected key.path=value, for example params.legitimacy=0.7"
        )
    return key, raw


def _typed_value(annotation: Any, raw: str) -> Any:
    """Parse `raw` as YAML, except where the schema wants a string."""
    if annotation is str or not raw.strip():
        return raw
    try:
        return parse_yaml(raw, f"the value {raw!r}")
    except YamlSyntaxError:
        return raw


# ---------------------------------------------------------------- error messages
def _fmt(value: Any) -> str:
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return f"{value:g}"
    if isinstance(value, str):
        return repr(value)
    return repr(value) if not isinstance(value, int | float) else f"{value}"


def _field_at(cls: type[BaseModel], loc: Loc) -> tuple[FieldInfo | None, type[BaseModel] | None]:
    """The FieldInfo at `loc` and the model class that holds it."""
    model: type[BaseModel] | None = cls
    info: FieldInfo | None = None
    holder: type[BaseModel] | None = None
    for part in loc:
        if isinstance(part, int):
            if info is not None:
                inner = [a for a in typing.get_args(info.annotation) if a is not type(None)]
                model = model_of(inner[0]) if inner else None
            continue
        if part == "values" and info is not None and number_kind(info.annotation):
            return info, holder  # a schedule's point values: the field's own bounds
        if info is not None and model is None and value_type(info.annotation) is not None:
            # a key of a mapping-valued field: the bounds of its values
            return FieldInfo.from_annotation(value_type(info.annotation)), holder
        if model is None or part not in model.model_fields:
            return None, model
        info = model.model_fields[part]
        holder = model
        model = model_of(info.annotation)
        if part == loc[-1]:
            return info, holder
    return info, None


def _bounds(info: FieldInfo | None) -> str | None:
    return field_bounds(info).text()


def _literal_choices(info: FieldInfo | None) -> list[str]:
    if info is None:
        return []
    ann = info.annotation
    args = typing.get_args(ann)
    if typing.get_origin(ann) is typing.Literal:
        return [str(a) for a in args]
    for arg in args:
        if typing.get_origin(arg) is typing.Literal:
            return [str(a) for a in typing.get_args(arg)]
    return []


def loc_str(loc: Iterable[str | int]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the scenario"


def explain(cls: type[BaseModel], err: Mapping[str, Any]) -> str:
    """One sentence for one pydantic error: path, what is allowed, what it got."""
    loc: Loc = tuple(err["loc"])
    path = loc_str(loc)
    kind = err["type"]
    got = err.get("input")
    info, holder = _field_at(cls, loc)
    if kind == "extra_forbidden":
        key = str(loc[-1])
        parent = loc_str(loc[:-1]) if loc[:-1] else "the top level"
        container: type[BaseModel] | None = cls
        if loc[:-1]:
            pinfo, _ = _field_at(cls, loc[:-1])
            container = model_of(pinfo.annotation) if pinfo is not None else None
        keys = list(container.model_fields) if container is not None else []
        allowed = f" (keys: {', '.join(keys)})" if keys else ""
        return f"unknown key {key!r} in {parent}{did_you_mean(key, keys)}{allowed}"
    if kind == "missing":
        return f"{path} is required"
    if kind == "schedule":  # scslab.scenario.schedules: the message reads after the path
        return f"{path} {err['msg']}"
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        rng = _bounds(info) or err["msg"]
        return f"{path} must be in {rng}; got {_fmt(got)}"
    if kind == "literal_error":
        choices = _literal_choices(info)
        hint = did_you_mean(str(got), choices) if isinstance(got, str) else ""
        return f"{path} must be one of {', '.join(repr(c) for c in choices)}; got {_fmt(got)}{hint}"
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        rng = _bounds(info)
        extra = f" in {rng}" if rng else ""
        return f"{path} must be a whole number{extra}; got {_fmt(got)}"
    if kind in {"float_parsing", "float_type", "finite_number"}:
        rng = _bounds(info)
        extra = f" in {rng}" if rng else ""
        return f"{path} must be a number{extra}; got {_fmt(got)}"
    if kind.startswith("date_"):
        return f"{path} must be a date (YYYY-MM-DD); got {_fmt(got)}"
    if kind in {"bool_parsing", "bool_type"}:
        return f"{path} must be true or false; got {_fmt(got)}"
    if kind in {"string_type"}:
        return f"{path} must be text; got {_fmt(got)}"
    if kind in {"model_type", "dict_type", "model_attributes_type"}:
        return f"{path} must be a mapping (key: value lines); got {_fmt(got)}"
    if kind in {"list_type", "tuple_type"}:
        return f"{path} must be a list; got {_fmt(got)}"
    if kind == "value_error":
        msg = str(err["msg"]).removeprefix("Value error, ")
        return f"{path}: {msg}" if loc else msg
    return f"{path}: {err['msg']}; got {_fmt(got)}"


# ---------------------------------------------------------------- the entry point
def load_scenario(
    source: str | Path | Mapping[str, Any],
    overrides: Mapping[str, Any] | Iterable[str] = (),
) -> Scenario:
    """Load, override and validate a scenario.

    Parameters
    ----------
    source : str, Path or mapping
        A preset name, a path to a YAML file, or the scenario as a mapping.
    overrides : mapping or iterable of str
        ``{"params.legitimacy": 0.7}`` or ``["params.legitimacy=0.7"]``; values
        given as strings are typed by the schema. A key may index a list:
        ``params.surveillance.sources[1].coverage`` (one entry) or
        ``params.surveillance.sources[*].coverage`` (every entry).

    Raises
    ------
    ScenarioError
        With every problem found, each naming the field, what is allowed, what
        it got, and the file and line where known.
    """
    lines: dict[Loc, int] = {}
    if isinstance(source, Mapping):
        data: dict[str, Any] = dict(source)
        origin = "scenario"
    else:
        text, origin = resolve_source(source)
        data, lines = _read_yaml(text, origin)
    data = _deep_copy(data)

    items: list[tuple[str, Any, str]] = []  # (path, value or raw, as shown)
    if isinstance(overrides, Mapping):
        items = [(k, v, f"{k}={v}") for k, v in overrides.items()]
    else:
        for item in overrides:
            key, raw = parse_override(item)
            items.append((key, raw, item))

    model = data.get("model")
    for key, value, _shown in items:
        if key == "model":
            model = value
    if model is None:
        raise ScenarioError(
            f"{origin} has no 'model' key (known models: {', '.join(sorted(MODELS))})"
        )
    if not isinstance(model, str):
        raise ScenarioError(f"model must be a model name; got {_fmt(model)}")
    model_entry(model)  # unknown model -> did you mean
    cls = scenario_class(model)

    set_locs: dict[Loc, str] = {}
    if any("[" in key or _into_mapping(cls, key) for key, _, _ in items):
        # An indexed path reaches into lists that the file may leave to the
        # schema's defaults, a key path into a mapping (scoring.deductions.fraud)
        # into a mapping it may leave to them: set it on the scenario as resolved.
        try:
            data = cls.model_validate(data).to_dict()
        except ValidationError:
            pass  # reported below, with the file's lines
    for key, value, shown in items:
        try:
            parts = split_path(key)
            annotation = annotation_at(cls, parts)
            _check_mapping_key(cls, data, parts)
            typed = _typed_value(annotation, value) if isinstance(value, str) else value
            set_at(data, parts, typed)
        except ScenarioError as exc:
            raise ScenarioError(f"--set {shown}: {exc}") from None
        set_locs[parts] = shown

    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        msgs = []
        for err in exc.errors():
            msg = explain(cls, err)
            msgs.append(msg + _where(tuple(err["loc"]), origin, lines, set_locs))
        raise ScenarioError("\n".join(msgs)) from None


def _into_mapping(cls: type[BaseModel], key: str) -> bool:
    """Whether the key path `key` names a key of a mapping-valued parameter."""
    try:
        return mapping_key(cls, split_path(key)) is not None
    except ScenarioError:
        return False  # a malformed path: reported with its --set below


def _check_mapping_key(cls: type[BaseModel], data: Mapping[str, Any], parts: Loc) -> None:
    """Refuse a key of a mapping-valued parameter that is not one of its allowed keys.

    The keys allowed are the names the field declares (``keys_from``, such as the
    acts' names for ``scoring.deductions``), as this scenario configures them.
    """
    where = mapping_key(cls, parts)
    if where is None or not where.keys_from or len(parts) <= where.depth:
        return
    key = str(parts[where.depth])
    allowed = [str(k) for k in get_all(data, split_path(where.keys_from))]
    if key not in allowed:
        field = loc_str(parts[: where.depth])
        raise ScenarioError(
            f"unknown key {key!r} in {field}{did_you_mean(key, allowed)} "
            f"(keys: {', '.join(allowed) or 'none'}: the names in {where.keys_from})"
        )


def _where(loc: Loc, origin: str, lines: Mapping[Loc, int], set_locs: Mapping[Loc, str]) -> str:
    def covers(path: Loc) -> bool:  # path (with "*" for any index) is a prefix of loc
        return len(path) <= len(loc) and all(
            p == q or (p == "*" and isinstance(q, int)) for p, q in zip(path, loc, strict=False)
        )

    for path in sorted(set_locs, key=len, reverse=True):
        if covers(path):
            return f" (--set {set_locs[path]})"
    for n in range(len(loc), 0, -1):
        if loc[:n] in lines:
            return f" ({origin}:{lines[loc[:n]]})"
    return f" ({origin})" if origin != "scenario" else ""


def _deep_copy(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _deep_copy(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_deep_copy(v) for v in obj]
    return obj
