"""Parameters of Epstein's (2002) civil-violence model (model ``epstein``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from scslab.scenario.params.common import Schedule, StrictModel

#: Jail terms are int32 in the kernel (drawn up to max_jail_term + 1).
MAX_JAIL_TERM = 1_000_000_000
#: Cells are int32 in the kernel, and so are the cells of the grid padded by the
#: reach of vision (at most 4 times as many, with width, height <= 100,000 and
#: vision <= 1000): a grid of at most 2^30 cells keeps every one below 2^31.
MAX_CELLS = 1 << 30


class EpsteinParams(StrictModel):
    """Epstein, J. M. (2002). Modeling civil violence. PNAS 99 suppl. 3, 7243-7250."""

    width: int = Field(
        40, ge=1, le=100_000, description="grid width (torus); width x height <= 2^30 cells"
    )
    height: int = Field(
        40, ge=1, le=100_000, description="grid height (torus); width x height <= 2^30 cells"
    )
    citizen_density: float = Field(0.7, ge=0, le=1, description="citizens per cell")
    cop_density: float = Field(0.04, ge=0, le=1, description="cops per cell")
    citizen_vision: float = Field(7.0, gt=0, le=1000, description="citizen vision radius, cells")
    cop_vision: float = Field(7.0, gt=0, le=1000, description="cop vision radius, cells")
    neighbourhood: Literal["moore", "von_neumann", "euclidean"] = Field(
        "von_neumann",
        description=(
            "shape of vision: moore (square), von_neumann (|dx|+|dy| <= v, Epstein's "
            "lateral vision, Mesa), euclidean (disk, NetLogo's in-radius)"
        ),
    )
    legitimacy: float = Field(0.82, ge=0, le=1, description="government legitimacy L")
    legitimacy_schedule: Schedule | None = Field(
        None, description="optional change of legitimacy during the run"
    )
    cop_density_schedule: Schedule | None = Field(
        None, description="optional change of cop density during the run"
    )
    max_jail_term: int | None = Field(
        30,
        ge=0,
        le=MAX_JAIL_TERM,
        description=(
            "jail term ~ U{0..max_jail_term} steps (terms are int32 in the kernel); null = infinite"
        ),
    )
    active_threshold: float = Field(0.1, ge=0, le=1, description="threshold T: active if G-N > T")
    arrest_prob_constant: float = Field(2.3, gt=0, le=100, description="k in P = 1-exp(-k C/A)")
    arrest_formula: Literal["exact", "floor", "round"] = Field(
        "floor", description="C/A as printed (exact), floor(C/A) (NetLogo), round(C/A) (Mesa)"
    )
    movement: bool = Field(True, description="agents move to a random empty cell within vision")
    jailed_stay_on_cell: bool = Field(
        False, description="jailed citizens keep their cell (Mesa) or leave the grid (Epstein)"
    )
    activation: Literal["synchronous", "random_sequential"] = Field(
        "synchronous",
        description=(
            "synchronous: each phase (jail, decisions, arrests, movement) for everyone at "
            "once; random_sequential: Mesa's schedule, every agent in a fresh random order "
            "each step, each acting on the grid as the agents before it left it"
        ),
    )
    placement: Literal["exact", "per_cell"] = Field(
        "exact",
        description=(
            "exact: round(density * cells) citizens and cops on random cells; per_cell: "
            "each cell independently a citizen, a cop or empty with the densities as "
            "probabilities (Mesa)"
        ),
    )

    @model_validator(mode="after")
    def _densities_fit(self) -> EpsteinParams:
        cells = self.width * self.height
        if cells > MAX_CELLS:
            raise ValueError(
                f"width x height must be at most {MAX_CELLS:,} cells (2^30: positions are "
                f"int32 in the kernel); got {self.width} x {self.height} = {cells:,}"
            )
        if self.citizen_density + self.cop_density > 1:
            raise ValueError(
                "citizen_density + cop_density must be <= 1 (one agent per cell); "
                f"got {self.citizen_density} + {self.cop_density} = "
                f"{self.citizen_density + self.cop_density:g}"
            )
        return self
