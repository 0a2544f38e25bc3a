"""One root of randomness per run, one named stream per mechanism.

A stream's seed is derived from the run's `SeedSequence` and a stable hash of
the mechanism's name, never from the order in which streams are asked for, so
adding a mechanism does not shift the random numbers of the others, and a run
with and without one mechanism shares common random numbers.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np


def stream_key(name: str) -> int:
    """Stable 32-bit key of a stream name (CRC-32 of its UTF-8 bytes)."""
    return zlib.crc32(name.encode("utf-8"))


def seed_material(seed: int, run_index: int | None = None) -> dict[str, Any]:
    """The seed material of a run: enough to rebuild its `SeedSequence`."""
    spawn_key = [] if run_index is None else [int(run_index)]
    return {"entropy": int(seed), "spawn_key": spawn_key}


def seed_sequence(material: Mapping[str, Any]) -> np.random.SeedSequence:
    """Rebuild a `SeedSequence` from `seed_material`."""
    return np.random.SeedSequence(
        entropy=int(material["entropy"]), spawn_key=tuple(int(k) for k in material["spawn_key"])
    )


class Streams(Mapping[str, np.random.Generator]):
    """Named, independent random streams spawned from one `SeedSequence`.

    Parameters
    ----------
    root : numpy.random.SeedSequence
        The run's root. ``streams["movement"]`` is a PCG64 generator seeded by
        ``SeedSequence(root.entropy, spawn_key=root.spawn_key + (crc32("movement"),))``.

    Examples
    --------
    >>> s = Streams(np.random.SeedSequence(7))
    >>> a = s["arrest"].random()
    >>> b = Streams(np.random.SeedSequence(7))["arrest"].random()
    >>> a == b
    True
    """

    def __init__(self, root: np.random.SeedSequence) -> None:
        self.root = root
        self._gens: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        gen = self._gens.get(name)
        if gen is None:
            child = np.random.SeedSequence(
                entropy=self.root.entropy,
                spawn_key=tuple(self.root.spawn_key) + (stream_key(name),),
            )
            gen = np.random.Generator(np.random.PCG64(child))
            self._gens[name] = gen
        return gen

    def __iter__(self) -> Iterator[str]:
        return iter(self._gens)

    def __len__(self) -> int:
        return len(self._gens)

    def get_state(self) -> dict[str, dict[str, Any]]:
        """Bit-generator states of every stream used so far (JSON-serialisable)."""
        return {name: dict(gen.bit_generator.state) for name, gen in self._gens.items()}

    def set_state(self, states: Mapping[str, Mapping[str, Any]]) -> None:
        """Restore the states saved by `get_state`."""
        for name, st in states.items():
            self[name].bit_generator.state = dict(st)
