"""Parameters of the dissent-and-self-censorship game (model ``dissent-game``)."""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationInfo, field_validator

from scslab.scenario.params.common import StrictModel

Random = Literal["random"]

#: Bounds of the initial policy values (severity: the kernel's floor of 1e-9).
_RANGES = {"tolerance": (0.0, 1.0), "severity": (1e-9, 1e6), "surveillance": (0.0, 1.0)}


class InitialAuthority(StrictModel):
    """The authority's policy in round 0: each value fixed, or ``random`` (uniform on [0, 1]).

    ``random`` draws a fresh value per run, as the paper's runs do (severity too:
    uniform on [0, 1], raised to 1e-9 if lower).
    """

    tolerance: Annotated[float, Field(ge=0, le=1)] | Random = Field(
        "random", description="initial tolerance τ in [0, 1], or random"
    )
    severity: Annotated[float, Field(ge=1e-9, le=1e6)] | Random = Field(
        "random", description="initial severity ψ (>= 1e-9), or random"
    )
    surveillance: Annotated[float, Field(ge=0, le=1)] | Random = Field(
        "random", description="initial surveillance ν in [0, 1], or random"
    )

    @field_validator("tolerance", "severity", "surveillance", mode="before")
    @classmethod
    def _number_or_random(cls, value: Any, info: ValidationInfo) -> Any:
        # one clear message instead of one per member of the union
        lo, hi = _RANGES[str(info.field_name)]
        if value == "random":
            return value
        wanted = f"must be a number in [{lo:g}, {hi:g}] or 'random'; got {value!r}"
        if isinstance(value, bool):
            raise ValueError(wanted)
        try:
            x = float(value)
        except (TypeError, ValueError):
            raise ValueError(wanted) from None
        if not (math.isfinite(x) and lo <= x <= hi):
            raise ValueError(wanted)
        return x


class DissentGameParams(StrictModel):
    """Daymude, Axelrod & Forrest (2025), Strategic analysis of dissent and self-censorship.

    arXiv:2509.03731. Individuals act their utility-maximising dissent in closed
    form; the authority adapts its tolerance, severity and surveillance by
    random-mutation hill climbing on ``adamancy·Σ actions + Σ punishments``.
    """

    n: int = Field(10_000, ge=1, le=100_000_000, description="individuals")
    punishment: Literal["uniform", "proportional"] = Field(
        "uniform",
        description=(
            "uniform: a seen act above tolerance costs ψ; proportional: it costs ψ·(a - τ)"
        ),
    )
    mean_desire: float = Field(
        0.25,
        gt=0,
        lt=0.5,
        description="mean desired dissent δ̄ (exponential truncated to [0, 1] with this mean)",
    )
    mean_boldness: float = Field(
        2.0, gt=0, le=1000, description="mean boldness β̄ (exponential with this mean)"
    )
    adamancy: float = Field(
        1.0,
        ge=0,
        le=1e6,
        description="α: weight of the dissent expressed in the authority's cost",
    )
    step_radius: float = Field(
        0.05, gt=0, le=10, description="ε: a mutated policy value moves by at most this"
    )
    initial: InitialAuthority = Field(
        default_factory=InitialAuthority,
        description="the authority's policy in round 0 (tolerance, severity, surveillance)",
    )
