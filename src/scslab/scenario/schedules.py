"""Calendar time and schedules: a parameter whose value changes during a run.

A scenario may carry a ``calendar`` (a start date and the days one step
stands for); step ``s`` is then the date ``start + s * days_per_step``. Any
numeric parameter may be written as a schedule instead of a number::

    fulfilment_rate:
      at: [2013-10-01, 2019-01-01]   # steps (whole numbers) or dates (need a calendar)
      values: [0.001, 0.004]         # each checked against the parameter's own bounds
      interpolate: step              # step (default) or linear

The value in force at step ``s`` is, with ``step``, the value of the last
point at or before ``s``; with ``linear``, the straight line between the
points around ``s``. Before the first point the first value holds, after the
last point the last value. A date point counts as the step whose date it is
(``(date - start) / days_per_step``, not necessarily whole). The value in
force at step 0 is the one the model starts from (``scenario.params``); the
runner hands the model the value in force at step ``s`` for the step that
produces state ``s`` and for the metrics collected after it.

Only fields that hold a number can follow a schedule; a field a model reads
only when the run starts (the population's size, the network, the grid) is
refused, as the registry declares (`scslab.scenario.registry.ModelEntry.fixed`).
"""

from __future__ import annotations

import math
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field, TypeAdapter, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_core import InitErrorDetails, PydanticCustomError

from scslab.scenario.introspect import model_of
from scslab.scenario.params.common import StrictModel

Loc = tuple[str | int, ...]
SCHEDULE_KEYS = ("at", "values", "interpolate")
LAST_DATE = date(9999, 12, 31)


class Calendar(StrictModel):
    """Calendar time: step ``s`` is the date ``start + s * days_per_step``."""

    start: date = Field(description="date of step 0, the state before the first step (YYYY-MM-DD)")
    days_per_step: int = Field(1, ge=1, le=3660, description="days one step stands for")

    def date_of(self, step: int) -> date:
        """The date of step `step`."""
        return self.start + timedelta(days=int(step) * self.days_per_step)

    def step_of(self, day: date) -> float:
        """The step position of `day` (not necessarily whole)."""
        return (day - self.start).days / self.days_per_step

    def dates(self, steps: Sequence[int] | np.ndarray) -> list[date]:
        """The dates of `steps`."""
        return [self.date_of(int(s)) for s in steps]


class Schedule(StrictModel):
    """A parameter's values over the run: points (step or date, value), interpolated."""

    at: list[int | date] = Field(
        min_length=1,
        max_length=100_000,
        description="when each value takes effect: steps (whole numbers >= 0) or dates "
        "(YYYY-MM-DD, need a calendar); increasing",
    )
    values: list[float] = Field(
        min_length=1, max_length=100_000, description="the value at each point of 'at'"
    )
    interpolate: Literal["step", "linear"] = Field(
        "step", description="step: hold each value until the next point; linear: straight lines"
    )

    @field_validator("at", mode="before")
    @classmethod
    def _steps_or_dates(cls, raw: Any) -> Any:
        if not isinstance(raw, list):
            return raw
        out: list[Any] = []
        for i, item in enumerate(raw):
            value, problem = at_item(item)
            if problem:
                raise ValueError(f"at[{i}] {problem}")
            out.append(value)
        return out

    def positions(self, calendar: Calendar | None) -> np.ndarray:
        """Each point's step position (dates converted by `calendar`)."""
        pos = [
            calendar.step_of(a) if isinstance(a, date) and calendar is not None else float(a)  # type: ignore[arg-type]
            for a in self.at
        ]
        return np.asarray(pos, dtype=np.float64)

    def to_data(self) -> dict[str, Any]:
        """The schedule as plain data (dates as ISO text), as a scenario file holds it."""
        return self.model_dump(mode="json")


def at_item(item: Any) -> tuple[Any, str]:
    """``(step or date, "")`` for one point of ``at``, or ``(None, what is wrong)``."""
    wrong = f"must be a step (a whole number >= 0) or a date (YYYY-MM-DD); got {item!r}"
    if isinstance(item, bool) or not isinstance(item, int | float | str | date):
        return None, wrong
    if isinstance(item, float):
        if not (math.isfinite(item) and item == int(item)):
            return None, wrong
        item = int(item)
    if isinstance(item, int) and item < 0:
        return None, wrong
    if isinstance(item, str):
        try:
            return date.fromisoformat(item.strip()), ""
        except ValueError:
            return None, wrong
    return item, ""


# ---------------------------------------------------------------- the schema side
Kind = Literal["int", "float"]


def number_kind(annotation: Any) -> Kind | None:
    """``"int"`` or ``"float"`` for a field holding a number (``float | None`` too), else None."""
    if annotation is bool:
        return None
    if annotation is int:
        return "int"
    if annotation is float:
        return "float"
    if typing.get_origin(annotation) is typing.Annotated:
        return number_kind(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return number_kind(args[0])
    return None


def _is_mapping_field(annotation: Any) -> bool:
    """A field that holds one nested model (not a list of them)."""
    if typing.get_origin(annotation) in (list, tuple, dict):
        return False
    for arg in typing.get_args(annotation):
        if typing.get_origin(arg) in (list, tuple, dict):
            return False
    return model_of(annotation) is not None


def _is_model_list(annotation: Any) -> bool:
    from scslab.scenario.paths import item_type

    item = item_type(annotation)
    return item is not None and model_of(item) is not None


@dataclass
class Found:
    """A schedule found in scenario data, at `loc` (from the top of the scenario)."""

    loc: Loc
    info: FieldInfo
    kind: Kind
    raw: Any


def find_schedules(params_cls: type[BaseModel], data: Any, loc: Loc = ("params",)) -> list[Found]:
    """Every mapping given where `params_cls` wants a number, with its location."""
    found: list[Found] = []
    if not isinstance(data, Mapping):
        return found
    fields = params_cls.model_fields
    for key, value in data.items():
        info = fields.get(key) if isinstance(key, str) else None
        if info is None:
            continue  # an unknown key: the schema reports it
        here = (*loc, key)
        ann = info.annotation
        kind = number_kind(ann)
        if kind is not None and isinstance(value, Mapping):
            found.append(Found(here, info, kind, value))
        elif _is_mapping_field(ann) and isinstance(value, Mapping):
            sub = model_of(ann)
            assert sub is not None
            found.extend(find_schedules(sub, value, here))
        elif _is_model_list(ann) and isinstance(value, list):
            sub = model_of(ann)
            assert sub is not None
            for i, item in enumerate(value):
                found.extend(find_schedules(sub, item, (*here, i)))
    return found


def not_numbers(params_cls: type[BaseModel], data: Any, loc: Loc = ("params",)) -> list[Loc]:
    """Locations where a schedule (a mapping with 'at') is given for a field that is no number."""
    out: list[Loc] = []
    if not isinstance(data, Mapping):
        return out
    for key, value in data.items():
        info = params_cls.model_fields.get(key) if isinstance(key, str) else None
        if info is None:
            continue
        here = (*loc, key)
        ann = info.annotation
        if number_kind(ann) is not None:
            continue
        sub = model_of(ann)
        if isinstance(value, Mapping) and "at" in value:
            if not (_is_mapping_field(ann) and sub is not None and "at" in sub.model_fields):
                out.append(here)
                continue
        if sub is None:
            continue
        if _is_mapping_field(ann) and isinstance(value, Mapping):
            out.extend(not_numbers(sub, value, here))
        elif _is_model_list(ann) and isinstance(value, list):
            for i, item in enumerate(value):
                out.extend(not_numbers(sub, item, (*here, i)))
    return out


def _matches(pattern: Loc, loc: Loc) -> bool:
    return len(pattern) <= len(loc) and all(
        p == q or (p == "*" and isinstance(q, int)) for p, q in zip(pattern, loc, strict=False)
    )


def _error(loc: Loc, message: str) -> InitErrorDetails:
    """An error at `loc`; `message` reads after the path ("is ...", "must ...")."""
    return InitErrorDetails(
        type=PydanticCustomError("schedule", "{message}", {"message": message}),
        loc=loc,
        input=None,
    )


def _shown(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@dataclass
class Track:
    """One checked schedule: where it acts (under params), its points as step positions."""

    path: tuple[str | int, ...]  # under params
    kind: Kind
    positions: np.ndarray
    values: np.ndarray
    interpolate: str
    schedule: Schedule

    def value_at(self, step: int) -> float | int:
        """The value in force at `step`."""
        if self.interpolate == "linear":
            v = float(np.interp(float(step), self.positions, self.values))
        else:
            i = int(np.searchsorted(self.positions, float(step), side="right")) - 1
            v = float(self.values[max(i, 0)])
        return int(round(v)) if self.kind == "int" else v


@dataclass
class Timeline:
    """The scenario's schedules, resolved against its calendar."""

    tracks: list[Track]
    _start: tuple[float | int, ...] = field(default=(), repr=False)
    # the last result per base params object (a scenario and its baseline share
    # this timeline through model_copy and may be stepped in turn)
    _last: list[tuple[Any, tuple[Any, ...], Any]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._start = self.values_at(0)

    def values_at(self, step: int) -> tuple[float | int, ...]:
        return tuple(t.value_at(step) for t in self.tracks)

    def params_at(self, params: Any, step: int) -> Any:
        """`params` (the values at step 0) with every scheduled value as in force at `step`.

        The same object comes back while no value changes (`params` itself while
        every value is as at step 0), so caches keyed by the parameters'
        identity (the regime model's plan) are rebuilt only when a value changes.
        """
        values = self.values_at(step)
        if values == self._start:
            return params
        for i, (base, vals, out) in enumerate(self._last):
            if base is params:
                if vals == values:
                    return out
                del self._last[i]
                break
        out = params
        for track, v in zip(self.tracks, values, strict=True):
            out = replace_at(out, track.path, v)
        self._last.append((params, values, out))
        del self._last[:-4]
        return out

    def change_steps(self) -> list[int]:
        """Steps >= 1 at which some value may start to differ (for checking the whole)."""
        steps: set[int] = set()
        for t in self.tracks:
            for p in t.positions:
                steps.add(max(1, math.ceil(p)))
        return sorted(steps)

    def as_data(self) -> dict[str, dict[str, Any]]:
        """``{"params.path": schedule}`` as given (dates as ISO text)."""
        return {_shown(("params", *t.path)): t.schedule.to_data() for t in self.tracks}


def replace_at(obj: Any, path: Sequence[str | int], value: Any) -> Any:
    """A copy of `obj` (frozen pydantic models, lists) with `value` at `path`."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(head, int):
        items = list(obj)
        items[head] = replace_at(items[head], rest, value)
        return items
    return obj.model_copy(update={head: replace_at(getattr(obj, head), rest, value)})


def set_in_data(data: Any, loc: Loc, value: Any) -> None:
    node = data
    for part in loc[:-1]:
        node = node[part]
    node[loc[-1]] = value


def extract(
    data: dict[str, Any],
    params_cls: type[BaseModel],
    fixed: Mapping[str, str],
    model: str,
) -> tuple[dict[str, Any], list[tuple[Found, Schedule]], list[InitErrorDetails]]:
    """Take the schedules out of scenario data.

    Returns the data with each schedule replaced by its value at step 0, the
    schedules found (each parsed), and the errors (with their locations).
    """
    from scslab.scenario.paths import split_path

    params = data.get("params")
    found = find_schedules(params_cls, params)
    errors: list[InitErrorDetails] = []
    wrong = not_numbers(params_cls, params)
    if not found and not wrong:
        return data, [], errors
    data = _copy(data)
    for loc in wrong:
        errors.append(
            _error(
                loc,
                "is not a number, so it cannot follow a schedule (only numeric parameters "
                "can change during a run)",
            )
        )
        _drop(data, loc)
    calendar: Calendar | None = None
    raw_cal = data.get("calendar")
    if raw_cal is not None:
        try:
            calendar = Calendar.model_validate(raw_cal)
        except ValidationError:
            calendar = None  # the schema reports the calendar's own errors
    patterns = {split_path(p): why for p, why in fixed.items()}
    parsed: list[tuple[Found, Schedule]] = []
    for f in found:
        for pattern, why in patterns.items():
            if _matches(("params", *pattern), f.loc):
                errors.append(
                    _error(
                        f.loc,
                        f"cannot follow a schedule: the {model} model {why}; give one value",
                    )
                )
                break
        else:
            sched = _parse(f, calendar, raw_cal is not None, errors)
            dated = sched is not None and any(isinstance(a, date) for a in sched.at)
            if sched is not None and not (dated and calendar is None):
                parsed.append((f, sched))
                track = make_track(f, sched, calendar)
                set_in_data(data, f.loc, track.value_at(0))
                continue
        # leave the field to its default, so that the rest is still checked (a dated
        # schedule with a calendar in error: the schema reports the calendar)
        _drop(data, f.loc)
    return data, parsed, errors


def _drop(data: Any, loc: Loc) -> None:
    node = data
    for part in loc[:-1]:
        node = node[part]
    del node[loc[-1]]


def make_track(f: Found, sched: Schedule, calendar: Calendar | None) -> Track:
    return Track(
        path=f.loc[1:],
        kind=f.kind,
        positions=sched.positions(calendar),
        values=np.asarray(sched.values, dtype=np.float64),
        interpolate=sched.interpolate,
        schedule=sched,
    )


def _parse(
    f: Found, calendar: Calendar | None, has_calendar: bool, errors: list[InitErrorDetails]
) -> Schedule | None:
    raw = f.raw
    unknown = [k for k in raw if k not in SCHEDULE_KEYS]
    if unknown:
        from scslab.errors import did_you_mean

        key = str(unknown[0])
        errors.append(
            _error(
                (*f.loc, key),
                f"is not a key of a schedule{did_you_mean(key, SCHEDULE_KEYS)} "
                f"(keys: {', '.join(SCHEDULE_KEYS)}); a schedule is "
                "{at: [steps or dates], values: [numbers], interpolate: step or linear}",
            )
        )
        return None
    n_before = len(errors)
    if isinstance(raw.get("at"), list):
        for i, item in enumerate(raw["at"]):
            problem = at_item(item)[1]
            if problem:
                errors.append(_error((*f.loc, "at", i), problem))
        if len(errors) > n_before:
            return None
    try:
        sched = Schedule.model_validate(dict(raw))
    except ValidationError as exc:
        for err in exc.errors():
            loc = (*f.loc, *err["loc"])
            if err["type"] == "missing":
                errors.append(_error(loc, "is required in a schedule"))
            elif err["loc"][:1] == ("values",) and len(err["loc"]) == 2:
                errors.append(_error(loc, f"must be a number; got {err.get('input')!r}"))
            elif err["type"] == "literal_error":
                errors.append(_error(loc, f"must be 'step' or 'linear'; got {err.get('input')!r}"))
            elif err["type"] in {"too_short", "list_type"}:
                got = err.get("input")
                errors.append(_error(loc, f"must be a list of one or more; got {got!r}"))
            else:
                errors.append(_error(loc, f"{err['msg']}; got {err.get('input')!r}"))
        return None
    if len(sched.at) != len(sched.values):
        errors.append(
            _error(
                f.loc,
                f"has {len(sched.at)} points in 'at' and {len(sched.values)} in 'values'; "
                "give one value per point",
            )
        )
    dates = [i for i, a in enumerate(sched.at) if isinstance(a, date)]
    if dates and not has_calendar:
        i = dates[0]
        errors.append(
            _error(
                (*f.loc, "at", i),
                f"is a date ({sched.at[i]}), which needs a calendar: add "
                "'calendar: {start: YYYY-MM-DD, days_per_step: 1}' at the top level, or give "
                "steps",
            )
        )
    if f.kind == "int" and sched.interpolate == "linear":
        errors.append(
            _error(
                (*f.loc, "interpolate"),
                "must be 'step' for a whole-number parameter (a straight line between whole "
                "numbers passes through fractions); got 'linear'",
            )
        )
    # each value against the field's own type and bounds
    annotated: Any = typing.Annotated[(f.info.annotation, *f.info.metadata)]
    adapter: TypeAdapter[Any] = TypeAdapter(annotated)
    for i, v in enumerate(sched.values):
        raw_v = raw["values"][i] if isinstance(raw.get("values"), list) else v
        try:
            adapter.validate_python(raw_v)
        except ValidationError as exc:
            err = exc.errors()[0]
            errors.append(
                InitErrorDetails(
                    type=err["type"],
                    loc=(*f.loc, "values", i),
                    input=raw_v,
                    ctx=err.get("ctx", {}),
                )
            )
    if len(errors) == n_before and (calendar is not None or not dates):
        pos = sched.positions(calendar)
        if np.any(np.diff(pos) <= 0):
            shown = ", ".join(str(a) for a in sched.at)
            errors.append(
                _error(
                    (*f.loc, "at"),
                    f"must increase from point to point; got [{shown}]",
                )
            )
    return sched if len(errors) == n_before else None


def check_whole(
    params: Any, timeline: Timeline, calendar: Calendar | None
) -> list[InitErrorDetails]:
    """Validate the whole parameter set as in force at each step where a value changes.

    Catches rules across fields (two shares that must sum to at most 1). With
    ``linear``, the rule is checked at the points, which suffices for rules
    that are linear in the values.
    """
    cls = type(params)
    errors: list[InitErrorDetails] = []
    for step in timeline.change_steps():
        at = timeline.params_at(params, step)
        try:
            cls.model_validate(at.model_dump())
        except ValidationError as exc:
            when = f"step {step}"
            if calendar is not None:
                when += f" ({calendar.date_of(step).isoformat()})"
            for err in exc.errors():
                msg = str(err["msg"]).removeprefix("Value error, ")
                errors.append(
                    _error(
                        ("params", *err["loc"]),
                        f"breaks a rule with the scheduled values in force from {when}: {msg}",
                    )
                )
            break
    timeline._last.clear()
    return errors


def _copy(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _copy(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_copy(v) for v in obj]
    return obj
