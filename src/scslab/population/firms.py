"""Synthetic firms: a legal representative, a sector, a size and employees drawn from the people."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray


def firm_traits(firms: Any, n_firms: int, rng: np.random.Generator) -> dict[str, NDArray[Any]]:
    """Each firm's sector (uint8, by ``sectors[*].share``) and size weight (log-normal).

    The weight ``w ~ LogNormal(0, size_sigma)`` sets the share of the employees a
    firm gets (`make_firms`); drawn on its own stream (``firm_traits``), so the
    draws of the ``firms`` stream that place representatives stay as they were.
    """
    shares = np.array([s.share for s in firms.sectors], dtype=np.float64)
    sector = np.searchsorted(np.cumsum(shares / shares.sum()), rng.random(n_firms), side="right")
    sector = np.minimum(sector, shares.size - 1).astype(np.uint8)
    weight = rng.lognormal(0.0, float(firms.size_sigma), size=n_firms)
    return {"firm_sector": sector, "firm_weight": weight}


def make_firms(
    firms: Any,
    flags: NDArray[np.uint8],
    rng: np.random.Generator,
    traits_rng: np.random.Generator | None = None,
) -> dict[str, NDArray[Any]]:
    """Draw firms: representatives, employers, sectors and sizes.

    ``firm_rep`` (int32, a home adult per firm), ``employer`` per person,
    ``firm_sector`` (uint8) and ``firm_size`` (int32: its employees) per firm.

    ``employer`` is -1 for people without one; each adult at home is employed with
    probability ``employment_share`` by a firm drawn in proportion to the firms' size
    weights (`firm_traits`, from `traits_rng`; without it, every weight is 1: uniform).
    ``firm_size`` counts the employees each firm got, so firm sizes are log-normal
    mixed with Poisson noise.
    """
    from scslab.population import _draw_kernels as kern  # numba, on first use

    n = flags.size
    home_adult = kern.home_adults(flags)
    n_firms = int(round(float(firms.per_person) * n))
    if home_adult.size == 0:
        n_firms = 0
    rep = (
        home_adult[rng.integers(0, home_adult.size, size=n_firms)]
        if n_firms
        else np.empty(0, np.int32)
    )
    if traits_rng is not None:
        traits = firm_traits(firms, n_firms, traits_rng)
    else:
        traits = {"firm_sector": np.zeros(n_firms, np.uint8), "firm_weight": np.ones(n_firms)}
    employer = np.full(n, -1, dtype=np.int32)
    size = np.zeros(n_firms, np.int32)
    if n_firms:
        # who is hired (u < share), then by whom: searchsorted(cum, u' cum[-1], "right"),
        # found from a table of buckets of the cumulative weights (one per firm)
        share = float(firms.employment_share)
        u_hire = rng.random(home_adult.size)
        u_pick = rng.random(kern.count_below(u_hire, share))
        cum = np.cumsum(traits["firm_weight"])
        first = kern.cdf_buckets(cum, n_firms)
        kern.hire(home_adult, u_hire, share, cum, u_pick, first, employer, size)
    return {
        "firm_rep": rep.astype(np.int32, copy=False),
        "employer": employer,
        "firm_sector": traits["firm_sector"],
        "firm_size": size,
    }
