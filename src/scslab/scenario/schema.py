"""The scenario: what to simulate. One frozen pydantic class per model."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from typing import Annotated, Any, Literal, Union

from pydantic import Field, TypeAdapter, create_model

from scslab.scenario.params.common import StrictModel
from scslab.scenario.registry import MODELS, params_class


class Scenario(StrictModel):
    """Top level of every scenario file.

    Subclassed per model (`scenario_class`): ``model`` becomes that model's
    name and ``params`` its parameter schema.
    """

    name: str = Field(description="short name of the scenario")
    model: str = Field(description="which model runs it (see `scslab schema`)")
    description: str = Field("", description="what the scenario is and where it comes from")
    steps: int = Field(100, ge=1, le=10_000_000, description="steps to run")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="root seed of the run")
    collect_every: int = Field(1, ge=1, description="collect metrics every this many steps")
    params: StrictModel = Field(description="the model's own parameters")

    def to_dict(self) -> dict[str, Any]:
        """The scenario as plain data (what YAML and run.json hold)."""
        return self.model_dump(mode="json")

    def digest(self) -> str:
        """SHA-256 of the scenario's canonical JSON: equal scenarios, equal hash."""
        canon = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canon.encode("utf-8")).hexdigest()


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


def json_schema() -> dict[str, Any]:
    """JSON Schema of a scenario file, one branch per model (for editor completion)."""
    classes = tuple(scenario_class(m) for m in sorted(MODELS))
    union: Any = classes[0] if len(classes) == 1 else Union[classes]  # noqa: UP007
    tagged: Any = Annotated[union, Field(discriminator="model")]
    adapter: TypeAdapter[Any] = TypeAdapter(tagged)
    schema = adapter.json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "scslab scenario"
    return schema
