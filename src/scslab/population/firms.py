"""Synthetic firms: a legal representative and employees drawn from the people."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from scslab.population.people import ABROAD, CHILD


def make_firms(
    firms: Any, flags: NDArray[np.uint8], rng: np.random.Generator
) -> dict[str, NDArray[Any]]:
    """Draw firms: ``firm_rep`` (int32, a home adult per firm) and ``employer`` per person.

    ``employer`` is -1 for people without one; each adult at home is employed with
    probability ``employment_share`` by a firm drawn uniformly.
    """
    n = flags.size
    home_adult = np.flatnonzero((flags & (CHILD | ABROAD)) == 0).astype(np.int32)
    n_firms = int(round(float(firms.per_person) * n))
    if home_adult.size == 0:
        n_firms = 0
    rep = (
        home_adult[rng.integers(0, home_adult.size, size=n_firms)]
        if n_firms
        else np.empty(0, np.int32)
    )
    employer = np.full(n, -1, dtype=np.int32)
    if n_firms:
        hired = home_adult[rng.random(home_adult.size) < float(firms.employment_share)]
        employer[hired] = rng.integers(0, n_firms, size=hired.size, dtype=np.int32)
    return {"firm_rep": rep.astype(np.int32), "employer": employer}
