"""State: a struct of arrays, one array per attribute, one row per agent."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray


class State:
    """The whole state of a run as named numpy arrays.

    Attributes are numpy arrays (0-d for scalars). Two names are reserved:
    ``step`` (steps completed, an int) and ``params`` (the model's validated
    parameters, never saved in a checkpoint: it comes back from the scenario).

    Examples
    --------
    >>> s = State(params=None, x=np.zeros(3))
    >>> s.step, s.x.shape
    (0, (3,))
    """

    _reserved = ("step", "params")

    def __init__(self, params: Any = None, step: int = 0, **arrays: Any) -> None:
        self.params = params
        self.step = step
        for name, value in arrays.items():
            setattr(self, name, value)

    def __getattr__(self, name: str) -> Any:  # only called when missing: for mypy
        raise AttributeError(f"State has no field {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:  # fields are dynamic: for mypy
        object.__setattr__(self, name, value)

    def fields(self) -> dict[str, NDArray[Any]]:
        """Every saved field as a numpy array (scalars become 0-d arrays)."""
        return {k: np.asarray(v) for k, v in vars(self).items() if k not in self._reserved}

    def python_scalars(self) -> list[str]:
        """Names of fields held as Python scalars (restored as such, for NumPy's promotion)."""
        return [
            k
            for k, v in vars(self).items()
            if k not in self._reserved and isinstance(v, bool | int | float)
        ]

    @classmethod
    def from_fields(
        cls,
        fields: dict[str, NDArray[Any]],
        params: Any,
        step: int,
        python_scalars: list[str] | tuple[str, ...] = (),
    ) -> State:
        """Rebuild a state from `fields` (as saved in a checkpoint)."""
        values: dict[str, Any] = {
            k: (np.asarray(v).item() if k in python_scalars else np.array(v))
            for k, v in fields.items()
        }
        return cls(params=params, step=step, **values)

    def nbytes(self) -> int:
        """Bytes held by the state's arrays."""
        return int(sum(np.asarray(v).nbytes for v in self.fields().values()))
