"""Parameters of Granovetter's (1978) threshold model (model ``granovetter``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from scslab.scenario.params.common import StrictModel


class GranovetterParams(StrictModel):
    """Granovetter, M. (1978). Threshold models of collective behavior. AJS 83(6), 1420-1443.

    A threshold is the number of people who must riot before a person joins.
    Giving ``thresholds`` sets ``distribution`` to ``explicit`` and ``n`` to its
    length.
    """

    n: int = Field(100, ge=1, le=100_000_000, description="people in the crowd")
    distribution: Literal["uniform", "normal", "explicit"] = Field(
        "uniform",
        description=(
            "thresholds: uniform (one person at each of 0, 1, ..., n-1), normal "
            "(mean, sd; negatives set to 0), or explicit (the `thresholds` list)"
        ),
    )
    sampling: Literal["quantiles", "random"] = Field(
        "quantiles",
        description=(
            "quantiles: the crowd that matches the distribution exactly (uniform: "
            "0..n-1; normal: the quantiles at (i + 1/2) / n); random: n independent draws"
        ),
    )
    mean: float = Field(25.0, ge=-1e6, le=1e6, description="mean threshold, people (normal)")
    sd: float = Field(10.0, ge=0, le=1e6, description="standard deviation of thresholds (normal)")
    thresholds: list[Annotated[float, Field(ge=-1e9, le=1e9)]] | None = Field(
        None,
        min_length=1,
        max_length=1_000_000,
        description="explicit thresholds, people (negatives set to 0); sets n",
    )
    rounding: Literal["none", "round", "floor"] = Field(
        "none",
        description=(
            "thresholds to whole people before the run: none (a threshold of 12.3 "
            "needs 13 rioters), round (half to even), floor"
        ),
    )
    network: Literal["none", "random"] = Field(
        "none",
        description=(
            "none: everyone sees every rioter; random: random friendships, and a "
            "friend who riots counts friend_weight people"
        ),
    )
    mean_degree: float = Field(
        10.0, ge=0, le=10_000, description="mean number of friends (network: random)"
    )
    friend_weight: float = Field(
        2.0,
        ge=0,
        le=1_000,
        description="how many people a rioting friend counts as (network: random; 1 = no effect)",
    )

    @model_validator(mode="before")
    @classmethod
    def _explicit_sets_n(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("thresholds") is not None:
            data = dict(data)
            data.setdefault("distribution", "explicit")
            if isinstance(data["thresholds"], list):
                data.setdefault("n", len(data["thresholds"]))
        return data

    @model_validator(mode="after")
    def _explicit_is_consistent(self) -> GranovetterParams:
        if self.distribution == "explicit":
            if self.thresholds is None:
                raise ValueError("distribution 'explicit' needs a `thresholds` list")
            if self.n != len(self.thresholds):
                raise ValueError(
                    f"n must equal the length of thresholds ({len(self.thresholds)}); "
                    f"got {self.n} (leave n out to take it from the list)"
                )
        elif self.thresholds is not None:
            raise ValueError(
                "thresholds is given, so distribution must be 'explicit'; "
                f"got {self.distribution!r}"
            )
        return self
