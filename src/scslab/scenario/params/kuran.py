"""Parameters of Kuran's preference-falsification model (model ``kuran``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from scslab.scenario.params.common import StrictModel

Share = Annotated[float, Field(ge=0, le=1)]


class KuranParams(StrictModel):
    """Kuran, T. (1989, 1991, 1995): private truths, public lies; after Makowsky & Rubin (2013).

    Person i opposes in public when ``w_e·d_i + w_r·ŝ_i - sanction >= θ_i``
    (``w_e`` = ``w_expressive`` + ``w_intrinsic`` / n). Giving ``private`` or
    ``revolutionary_thresholds`` sets ``n`` to the list's length.
    """

    n: int = Field(1000, ge=1, le=100_000_000, description="people")
    private_mean: float = Field(
        0.7, ge=0, le=1, description="mean private opposition d_i (normal, clipped to [0, 1])"
    )
    private_sd: float = Field(0.2, ge=0, le=10, description="standard deviation of d_i")
    private: list[Share] | None = Field(
        None,
        min_length=1,
        max_length=1_000_000,
        description="explicit private opposition d_i of each person (instead of drawing them)",
    )
    threshold_mean: float = Field(
        1.1, ge=-100, le=100, description="mean expression threshold θ_i (normal, hidden)"
    )
    threshold_sd: float = Field(0.3, ge=0, le=100, description="standard deviation of θ_i")
    revolutionary_thresholds: list[Annotated[float, Field(ge=-1, le=2)]] | None = Field(
        None,
        min_length=1,
        max_length=1_000_000,
        description=(
            "explicit revolutionary thresholds: the seen share of public opposition at "
            "which each person speaks (sets θ_i; needs w_reputational > 0)"
        ),
    )
    w_expressive: float = Field(
        1.0, ge=0, le=100, description="expressive utility: weight of private opposition d_i"
    )
    w_reputational: float = Field(
        0.9, ge=0, le=100, description="reputational utility: weight of the seen share ŝ_i"
    )
    w_intrinsic: float = Field(
        1.0,
        ge=0,
        le=1e6,
        description=(
            "intrinsic utility of the outcome; one voice moves it by 1/n, so it adds w/n to w_e"
        ),
    )
    sanction: float = Field(
        0.0, ge=0, le=100, description="expected cost of opposing in public (the regime's risk)"
    )
    network: Literal["complete", "ring"] = Field(
        "complete",
        description=(
            "complete: everyone sees the whole society's public opposition; ring: "
            "people on a ring see their ties, which reach as far as `range` allows"
        ),
    )
    mean_degree: int = Field(10, ge=2, le=10_000, description="ties per person (ring; even)")
    range: float = Field(
        0.0,
        ge=0,
        le=1,
        description=(
            "how far ties reach (ring): 0 = the nearest mean_degree/2 on each side; "
            "1 = anywhere on the ring (ties go to distinct people up to "
            "range·(n-1)/2 places away)"
        ),
    )
    centralisation: float = Field(
        0.0,
        ge=0,
        le=1,
        description=(
            "weight of the central broadcaster in the seen share: "
            "ŝ_i = (1 - c)·local_i + c·broadcast_share"
        ),
    )
    broadcast_share: float = Field(
        0.0,
        ge=0,
        le=1,
        description="the share of opposition the centre broadcasts (0: it speaks for the regime)",
    )
    update_share: float = Field(
        1.0,
        gt=0,
        le=1,
        description="share of people who revise their stance each round (1 = all at once, Kuran)",
    )

    @model_validator(mode="before")
    @classmethod
    def _lists_set_n(cls, data: Any) -> Any:
        if isinstance(data, dict) and "n" not in data:
            for key in ("private", "revolutionary_thresholds"):
                if isinstance(data.get(key), list):
                    return {**data, "n": len(data[key])}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> KuranParams:
        for key in ("private", "revolutionary_thresholds"):
            values = getattr(self, key)
            if values is not None and len(values) != self.n:
                raise ValueError(
                    f"{key} must have n = {self.n} entries; got {len(values)} "
                    "(leave n out to take it from the list)"
                )
        if self.revolutionary_thresholds is not None and self.w_reputational == 0:
            raise ValueError("revolutionary_thresholds need w_reputational > 0; got 0")
        if self.network == "ring":
            if self.mean_degree % 2:
                raise ValueError(f"mean_degree must be even on a ring; got {self.mean_degree}")
            if self.mean_degree >= self.n:
                raise ValueError(
                    f"mean_degree must be below n ({self.n}) on a ring; got {self.mean_degree}"
                )
        return self
