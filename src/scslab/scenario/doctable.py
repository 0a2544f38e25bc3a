"""Markdown tables of a model's parameters, generated from its schema so docs cannot drift.

``python -m scslab.scenario.doctable axelrod`` prints the table;
``python -m scslab.scenario.doctable axelrod --write docs/models/axelrod.md``
replaces the table between the markers ``<!-- params:begin -->`` and
``<!-- params:end -->`` in that file.
"""

from __future__ import annotations

import argparse
import math
import sys
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from scslab.errors import ScslabError
from scslab.scenario.loading import _bounds
from scslab.scenario.registry import params_class

BEGIN = "<!-- params:begin -->"
END = "<!-- params:end -->"

_NAMES = {int: "int", float: "float", bool: "bool", str: "text"}


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if annotation in _NAMES:
        return _NAMES[annotation]
    if origin is typing.Literal:
        return "one of " + ", ".join(f"`{a}`" for a in args)
    if origin is typing.Annotated:
        inner = _type_name(args[0])
        rng = _bounds(FieldInfo.from_annotation(annotation))
        return f"{inner} in {rng}" if rng else inner
    if origin in (typing.Union, types.UnionType):
        parts = [_type_name(a) for a in args if a is not type(None)]
        text = " or ".join(parts)
        return f"{text} or null" if type(None) in args else text
    if origin in (list, tuple, Sequence):
        return f"list of {_type_name(args[0])}" if args else "list"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"mapping ({annotation.__name__})"
    return str(annotation).replace("typing.", "")


def _default(info: FieldInfo) -> str:
    if info.is_required():
        return "required"
    value = info.get_default(call_default_factory=True)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return f"{value:g}" if abs(value) < 1e16 else repr(value)
    if isinstance(value, BaseModel):
        return "see below"
    return str(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def params_table(model_name: str) -> str:
    """The parameters of `model_name` as a Markdown table.

    Columns: name, type, default, range, description, one row per field in the
    order the schema declares them. Raises `ScenarioError` for an unknown model.

    Examples
    --------
    >>> print(params_table("granovetter").splitlines()[0])
    | name | type | default | range | description |
    """
    cls: type[BaseModel] = params_class(model_name)
    lines = [
        "| name | type | default | range | description |",
        "|---|---|---|---|---|",
    ]
    for name, info in cls.model_fields.items():
        rng = _bounds(info) or ""
        row = [
            f"`{name}`",
            _type_name(info.annotation),
            f"`{_default(info)}`",
            rng,
            info.description or "",
        ]
        lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
    return "\n".join(lines) + "\n"


def replace_between(text: str, block: str, begin: str, end: str) -> str:
    """`text` with what lies between the markers `begin` and `end` replaced by `block`."""
    head, sep, rest = text.partition(begin)
    _old, sep2, tail = rest.partition(end)
    if not sep or not sep2:
        raise ScslabError(f"markers {begin} and {end} not found")
    return f"{head}{begin}\n{block}{end}{tail}"


def replace_table(text: str, table: str) -> str:
    """`text` with the block between the parameter table's markers replaced by `table`."""
    return replace_between(text, table, BEGIN, END)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scslab.scenario.doctable",
        description="print a model's parameter table (Markdown)",
    )
    parser.add_argument("model", help="model name, for example axelrod")
    parser.add_argument(
        "--write", type=Path, metavar="FILE", help="replace the table between the markers in FILE"
    )
    args = parser.parse_args(argv)
    try:
        table = params_table(args.model)
        if args.write is None:
            sys.stdout.write(table)
        else:
            path: Path = args.write
            path.write_text(replace_table(path.read_text(encoding="utf-8"), table), "utf-8")
    except (ScslabError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
