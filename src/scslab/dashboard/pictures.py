"""A picture of the society: where a sample of people are, and what state each is in.

One function per model (`PICTURES`, keyed by the scenario's model name) maps
the state to ``x``, ``y`` and a category name for each sampled person, and says
how many people the state holds. The categories, their labels and colours are
the model's declared ``Description.pictures`` (`scslab.engine.describe`); a
test checks that every category a picture draws is declared. A model without a
picture function or without declared categories shows none. No Panel here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from scslab.engine import State

Picture = dict[str, Any]
PictureFn = Callable[[State, np.ndarray, "tuple[np.ndarray, np.ndarray] | None"], Picture]


def _epstein_size(state: State) -> int:
    return int(state.citizen_pos.size)


def _regime_size(state: State) -> int:
    return int(state.group.size)


def _epstein(state: State, idx: np.ndarray, last: tuple[np.ndarray, np.ndarray] | None) -> Picture:
    width = int(state.params.width)
    pos = state.citizen_pos[idx].astype(np.int64)
    on = pos >= 0
    x = np.where(on, pos % width, 0).astype(float)
    y = np.where(on, pos // width, 0).astype(float)
    if last is not None:  # jailed citizens who left the grid stay where they were seen
        x = np.where(on, x, last[0])
        y = np.where(on, y, last[1])
    labels = np.where(
        state.jailed[idx], "jailed", np.where(state.active[idx], "active", "quiet")
    ).astype(object)
    return {"x": x, "y": y, "state": labels, "xlabel": "grid x", "ylabel": "grid y"}


def _regime(state: State, idx: np.ndarray, last: tuple[np.ndarray, np.ndarray] | None) -> Picture:
    """Each sampled person is free, listed, restricted or abroad.

    Listed: on a blacklist in their own name. Restricted: restrictions in force
    without a listing of their own (family spill-over, pre-emption, a relative
    abroad who spoke out). Abroad: the diaspora.
    """
    abroad_bit, own_bit = _regime_bits()
    flags = np.asarray(state.flags)[idx]
    abroad = (flags & abroad_bit) != 0
    sanc = np.asarray(getattr(state, "sanc", np.zeros(len(flags), np.uint8)))[idx]
    listed = (sanc & own_bit) != 0
    restricted = np.asarray(getattr(state, "restr", np.zeros(len(flags), np.uint8)))[idx] != 0
    labels = np.where(
        abroad,
        "abroad",
        np.where(listed, "listed", np.where(restricted, "restricted", "free")),
    ).astype(object)
    if last is not None:
        x, y = last
    else:
        x, y = _regime_map(state, idx, abroad)
    return {"x": x, "y": y, "state": labels, "xlabel": "", "ylabel": ""}


def _regime_bits() -> tuple[int, int]:
    """The ``flags`` bit of people abroad and the ``sanc`` bit of an own listing."""
    from scslab.population.people import ABROAD
    from scslab.regime.tables import OWN

    return int(ABROAD), int(OWN)


def _regime_map(state: State, idx: np.ndarray, abroad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A stylised map: groups are regions, households clusters, the diaspora a strip.

    Each group gets a band of the home square; a household's spot comes from its
    id; people abroad are placed in a strip to the right of the square.
    """
    rng = np.random.default_rng(12345)
    group = np.asarray(state.group)[idx].astype(np.int64)
    n_groups = int(np.asarray(state.group).max()) + 1 if np.asarray(state.group).size else 1
    hh_start = getattr(state, "hh_start", None)
    if hh_start is not None and np.asarray(hh_start).size:
        household = np.searchsorted(np.asarray(hh_start), idx, side="right") - 1
    else:
        household = idx
    # A household's spot comes from its id: the same for every member.
    hx = _hash01(household, 1)
    hy = _hash01(household, 2)
    band = 1.0 / max(n_groups, 1)
    x = hx + rng.normal(0, 0.006, idx.size)
    y = (group + 0.05 + 0.9 * hy) * band + rng.normal(0, 0.004, idx.size)
    x = np.where(abroad, 1.12 + 0.25 * _hash01(idx, 3), x)
    y = np.where(abroad, _hash01(idx, 4), y)
    return x, y


def _hash01(values: np.ndarray, salt: int) -> np.ndarray:
    """A reproducible number in [0, 1) per value (splitmix64)."""
    z = np.asarray(values, dtype=np.uint64) + np.uint64(0x9E3779B97F4A7C15 * salt % 2**64)
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) / float(2**53)


#: Model name -> (people in a state, the picture of sampled people).
PICTURES: dict[str, tuple[Callable[[State], int], PictureFn]] = {
    "epstein": (_epstein_size, _epstein),
    "regime": (_regime_size, _regime),
}


def _categories(model: str) -> tuple[Any, ...]:
    from scslab.scenario.registry import description

    return tuple(description(model).pictures)


def population_size(model: str, state: State) -> int | None:
    """How many people a state of `model` holds, for a model with a picture; else None."""
    entry = PICTURES.get(model)
    if entry is None or not _categories(model):
        return None
    return entry[0](state)


def picture_of(
    model: str, state: State, idx: np.ndarray, last: tuple[np.ndarray, np.ndarray] | None = None
) -> Picture | None:
    """The picture of the sampled people `idx`, or None for a model without one.

    ``state`` holds each person's category name; ``colors`` and ``labels`` map each
    declared category to its colour and label, in the declared order (the first is
    the unremarkable one).
    """
    entry = PICTURES.get(model)
    categories = _categories(model)
    if entry is None or not categories:
        return None
    pic = entry[1](state, idx, last)
    pic["colors"] = {c.name: c.colour for c in categories}
    pic["labels"] = {c.name: c.label for c in categories}
    return pic
