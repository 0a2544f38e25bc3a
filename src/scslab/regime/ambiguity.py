"""Ambiguity: how well people know the rules.

With ambiguity ``a`` in [0, 1], a person's estimates move from the truth toward
a pessimistic prior (docs/model.md):

    p_hat = (1 - a) p + a p*        C_hat = (1 - a) C + a C*

so at ``a = 0`` people know the rules exactly, and toward ``a = 1`` they also
fear acts that are never punished (C = 0 for a lawful act): the chilling of
lawful conduct. The mechanism has no state and draws no random numbers; `Plan.ambiguity_level`
is 0 when it is switched off.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray


def perceived_detection(
    p_true: NDArray[np.float32] | float, a: float, p_star: float
) -> NDArray[np.float32] | float:
    """``(1 - a) p + a p*`` (float32 when `p_true` is an array)."""
    if a == 0.0:
        return p_true
    if isinstance(p_true, np.ndarray):
        return p_true * np.float32(1.0 - a) + np.float32(a * p_star)
    return (1.0 - a) * float(p_true) + a * p_star


def perceived_cost(cost: Any, a: float, c_star: float) -> Any:
    """``(1 - a) C + a C*``."""
    if a == 0.0:
        return cost
    return (1.0 - a) * cost + a * c_star
