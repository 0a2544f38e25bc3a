"""The scenario: what to simulate. One frozen pydantic class per model."""

from __future__ import annotations

import hashlib
import json
import typing
from functools import cache
from typing import Annotated, Any, Literal, Union

from pydantic import (
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    TypeAdapter,
    ValidationError,
    create_model,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError
from pydantic_core.core_schema import ErrorType

from scslab.scenario.params.common import MAX_STEPS, StrictModel
from scslab.scenario.registry import MODELS, params_class
from scslab.scenario.schedules import (
    LAST_DATE,
    Calendar,
    Timeline,
    check_whole,
    extract,
    make_track,
    set_in_data,
)


class Scenario(StrictModel):
    """Top level of every scenario file.

    Subclassed per model (`scenario_class`): ``model`` becomes that model's
    name and ``params`` its parameter schema.
    """

    name: str = Field(description="short name of the scenario")
    model: str = Field(description="which model runs it (see `scslab schema`)")
    description: str = Field("", description="what the scenario is and where it comes from")
    steps: int = Field(100, ge=1, le=MAX_STEPS, description="steps to run")
    seed: int = Field(
        0, ge=0, le=2**63 - 1, description="root seed of the run (an int64 in result stores)"
    )
    collect_every: int = Field(
        1, ge=1, le=MAX_STEPS, description="collect metrics every this many steps"
    )
    calendar: Calendar | None = Field(
        None,
        description="calendar time: the date of step 0 and the days one step stands for "
        "(metrics gain a date column; schedules may give dates)",
    )
    params: StrictModel = Field(description="the model's own parameters")

    # The schedules given in `params` (see scslab.scenario.schedules); `params`
    # itself holds each scheduled value as in force at step 0.
    _timeline: Timeline | None = PrivateAttr(default=None)

    @model_validator(mode="wrap")
    @classmethod
    def _schedules(cls, data: Any, handler: ModelWrapValidatorHandler[Scenario]) -> Scenario:
        if not isinstance(data, dict) or not isinstance(data.get("params"), dict):
            return handler(data)
        params_cls = cls.model_fields["params"].annotation
        model = data.get("model")
        entry = MODELS.get(model) if isinstance(model, str) else None
        fixed = dict(entry.fixed) if entry is not None else {}
        clean, found, errors = extract(data, params_cls, fixed, str(model))  # type: ignore[arg-type]
        if not found and not errors:
            return handler(clean)  # `data`, or with a schedule left out (its calendar is wrong)
        try:
            scenario = handler(clean)
        except ValidationError as exc:
            raise _combined(cls, errors, exc) from None
        if errors:
            raise _combined(cls, errors, None)
        timeline = Timeline([make_track(f, s, scenario.calendar) for f, s in found])
        whole = check_whole(scenario.params, timeline, scenario.calendar)
        if whole:
            raise _combined(cls, whole, None)
        scenario._timeline = timeline
        return scenario

    @model_validator(mode="after")
    def _calendar_fits(self) -> Scenario:
        cal = self.calendar
        if cal is not None and (LAST_DATE - cal.start).days < self.steps * cal.days_per_step:
            raise ValueError(
                f"calendar: {self.steps} steps of {cal.days_per_step} days from "
                f"{cal.start.isoformat()} end after {LAST_DATE.isoformat()}; "
                "fewer steps or an earlier start"
            )
        return self

    @property
    def schedules(self) -> dict[str, dict[str, Any]]:
        """``{"params.path": schedule}``, each as given; empty without schedules."""
        return self._timeline.as_data() if self._timeline is not None else {}

    def params_at(self, step: int) -> Any:
        """The parameters in force at `step` (``params`` itself without schedules).

        The same object comes back while no scheduled value changes.
        """
        if self._timeline is None:
            return self.params
        return self._timeline.params_at(self.params, step)

    def date_of(self, step: int) -> Any:
        """The date of `step` (a `datetime.date`), or None without a calendar."""
        return self.calendar.date_of(step) if self.calendar is not None else None

    def to_dict(self) -> dict[str, Any]:
        """The scenario as plain data (what YAML and run.json hold), schedules as given."""
        data = self.model_dump(mode="json")
        if data.get("calendar") is None:
            data.pop("calendar", None)
        if self._timeline is not None:
            for track in self._timeline.tracks:
                set_in_data(data, ("params", *track.path), track.schedule.to_data())
        return data

    def digest(self) -> str:
        """SHA-256 of the scenario's canonical JSON: equal scenarios, equal hash."""
        canon = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canon.encode("utf-8")).hexdigest()


def _combined(
    cls: type[Scenario], errors: list[InitErrorDetails], exc: ValidationError | None
) -> ValidationError:
    """One `ValidationError` with the schedules' errors and the schema's."""
    details = list(errors)
    known = _error_types()
    for err in exc.errors() if exc is not None else ():
        kind: Any = err["type"]
        ctx = err.get("ctx", {})
        if kind not in known:  # a custom error type: keep its message
            kind, ctx = PydanticCustomError(kind, "{message}", {"message": err["msg"]}), {}
        details.append(InitErrorDetails(type=kind, loc=err["loc"], input=err.get("input"), ctx=ctx))
    return ValidationError.from_exception_data(cls.__name__, details)


@cache
def _error_types() -> frozenset[str]:
    return frozenset(typing.get_args(ErrorType))


@cache
def scenario_class(model: str) -> type[Scenario]:
    """The scenario class of `model`: ``model`` fixed, ``params`` typed."""
    params = params_class(model)
    tag: Any = Literal[model]
    cls: type[Scenario] = create_model(
        f"{params.__name__.removesuffix('Params')}Scenario",
        __base__=Scenario,
        model=(tag, Field(description=MODELS[model].summary)),
        params=(params, Field(default_factory=params, description=params.__doc__ or "")),
    )
    return cls


_NUMBER = ("number", "integer")


def _allow_schedules(schema: dict[str, Any]) -> None:
    """Let every number under ``params`` be a schedule too (for editor completion)."""
    from scslab.scenario.schedules import Schedule

    defs = schema.setdefault("$defs", {})
    ref = {"$ref": "#/$defs/ParamSchedule"}
    for name, node in list(defs.items()):
        if name.endswith("Scenario") or name in ("Calendar", "Schedule"):
            continue
        for prop in node.get("properties", {}).values():
            if prop.get("type") in _NUMBER:
                keep = {
                    k: prop.pop(k) for k in list(prop) if k in ("default", "description", "title")
                }
                prop_copy = dict(prop)
                prop.clear()
                prop.update(keep, anyOf=[prop_copy, ref])
            elif any(o.get("type") in _NUMBER for o in prop.get("anyOf", [])):
                prop["anyOf"].append(ref)
    defs["ParamSchedule"] = Schedule.model_json_schema()


def json_schema() -> dict[str, Any]:
    """JSON Schema of a scenario file, one branch per model (for editor completion)."""
    classes = tuple(scenario_class(m) for m in sorted(MODELS))
    union: Any = classes[0] if len(classes) == 1 else Union[classes]  # noqa: UP007
    tagged: Any = Annotated[union, Field(discriminator="model")]
    adapter: TypeAdapter[Any] = TypeAdapter(tagged)
    schema = adapter.json_schema()
    _allow_schedules(schema)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "scslab scenario"
    return schema
