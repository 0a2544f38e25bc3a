"""The synthetic society: people, households, the diaspora, firms and the network.

Everything here is generated from parameters and a seed; no data about real
people is ever read. Functions return numpy arrays and read the parameters by
attribute only (no pydantic import), so the kernel stays numpy + scipy.
"""

from scslab.population.firms import make_firms
from scslab.population.network import (
    build_network,
    neighbours_of,
    sbm,
    small_world,
    symmetric_csr,
)
from scslab.population.people import (
    ABROAD,
    ASSOC,
    CHILD,
    PRIVATE,
    household_of,
    make_people,
)

__all__ = [
    "ABROAD",
    "ASSOC",
    "CHILD",
    "PRIVATE",
    "build_network",
    "household_of",
    "make_firms",
    "make_people",
    "neighbours_of",
    "sbm",
    "small_world",
    "symmetric_csr",
]
