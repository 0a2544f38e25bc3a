"""The engine: state, random streams and the step loop. Knows no model; no I/O."""

from scslab.engine.model import Model, estimate_bytes
from scslab.engine.rng import Streams, seed_material, seed_sequence
from scslab.engine.runner import Checkpoint, restore, simulate, snapshot
from scslab.engine.state import State

__all__ = [
    "Checkpoint",
    "Model",
    "State",
    "Streams",
    "estimate_bytes",
    "restore",
    "seed_material",
    "seed_sequence",
    "simulate",
    "snapshot",
]
