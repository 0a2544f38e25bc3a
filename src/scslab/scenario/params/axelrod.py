"""Parameters of Axelrod's (1986) norms and metanorms games (model ``axelrod``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from scslab.scenario.params.common import StrictModel


class AxelrodParams(StrictModel):
    """Axelrod, R. (1986). An evolutionary approach to norms. APSR 80(4), 1095-1111.

    One step is one generation; the paper's 100 generations are the scenario's
    ``steps``. Payoffs are given as magnitudes: a defector gains ``temptation``,
    the others lose ``hurt``, a punished agent loses ``punishment``, a punisher
    loses ``enforcement_cost``.
    """

    population: int = Field(20, ge=2, le=10_000, description="agents per population (paper: 20)")
    replicates: int = Field(
        100,
        ge=1,
        le=1_000_000,
        description="independent populations run side by side as one array",
    )
    opportunities: int = Field(
        4, ge=1, le=1_000, description="chances to defect per agent and generation (paper: 4)"
    )
    metanorms: bool = Field(
        False, description="play the metanorms game: non-punishers can be punished too"
    )
    temptation: float = Field(3.0, ge=0, le=1_000, description="T: a defector's gain (paper: 3)")
    hurt: float = Field(
        1.0, ge=0, le=1_000, description="H: what a defection costs every other agent (paper: 1)"
    )
    punishment: float = Field(
        9.0, ge=0, le=1_000, description="P: what a punished defector pays (paper: 9)"
    )
    enforcement_cost: float = Field(
        2.0, ge=0, le=1_000, description="E: what punishing costs the punisher (paper: 2)"
    )
    metapunishment: float = Field(
        9.0, ge=0, le=1_000, description="MP: what a metapunished non-punisher pays (paper: 9)"
    )
    metaenforcement_cost: float = Field(
        2.0, ge=0, le=1_000, description="ME: what metapunishing costs (paper: 2)"
    )
    selection_sd: float = Field(
        1.0,
        ge=0,
        le=10,
        description=(
            "k of the selection rule: score >= mean + k sd gives 2 offspring, "
            "score <= mean - k sd gives 0, else 1 (paper: 1)"
        ),
    )
    mutation_rate: float = Field(
        0.01, ge=0, le=1, description="chance that each of the 6 gene bits flips (paper: 0.01)"
    )
    refill: Literal["resample_offspring", "random_newcomers", "roulette"] = Field(
        "resample_offspring",
        description=(
            "how the next generation is brought to exactly `population`: "
            "resample_offspring (drop random offspring, or copy random offspring), "
            "random_newcomers (drop random offspring, or add agents with random genes), "
            "roulette (ignore the sd rule; draw parents with chance proportional to "
            "score - min score)"
        ),
    )
