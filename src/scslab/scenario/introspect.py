"""Reading the schema itself: which model a field holds, and a field's bounds."""

from __future__ import annotations

import math
import typing
from dataclasses import dataclass
from typing import Any

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo


def model_of(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model an annotation holds (``M``, ``M | None``, ``list[M]``), or None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = model_of(arg)
        if found is not None:
            return found
    return None


def _fmt(value: Any) -> str:
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return f"{value:g}"
    return f"{value}"


@dataclass(frozen=True)
class Bounds:
    """A field's range from its ``Field(ge=, gt=, le=, lt=)``; None where unbounded."""

    lo: Any = None
    hi: Any = None
    lo_open: bool = False
    hi_open: bool = False

    def text(self) -> str | None:
        """``"[0, 1]"``, ``"(0, inf)"``…, or None for a field with no bounds."""
        if self.lo is None and self.hi is None:
            return None
        left = ("(" if self.lo_open else "[") + (_fmt(self.lo) if self.lo is not None else "-inf")
        right = (_fmt(self.hi) if self.hi is not None else "inf") + (")" if self.hi_open else "]")
        return f"{left}, {right}"


def field_bounds(info: FieldInfo | None) -> Bounds:
    """The bounds declared on a field (an empty `Bounds` for None)."""
    lo: Any = None
    hi: Any = None
    lo_open = hi_open = False
    for m in info.metadata if info is not None else ():
        if isinstance(m, annotated_types.Ge):
            lo, lo_open = m.ge, False
        elif isinstance(m, annotated_types.Gt):
            lo, lo_open = m.gt, True
        elif isinstance(m, annotated_types.Le):
            hi, hi_open = m.le, False
        elif isinstance(m, annotated_types.Lt):
            hi, hi_open = m.lt, True
    return Bounds(lo, hi, lo_open, hi_open)
