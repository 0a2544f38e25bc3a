"""Legitimacy that moves, and private dissent that follows grievance.

Each adult's perceived legitimacy L_i starts at their own L0_i (``behaviour.legitimacy``
and ``legitimacy_concentration``, drawn at init) and moves each step
(docs/model.md, the ODD text of this mechanism):

    L += eta_p * propaganda * (1 - L) - eta_s * w_i / deg_i - eta_o * [i wrongly sanctioned]
         + rho * (L0_i - L)

clipped to [0, 1], where ``propaganda`` is ``discourse.propaganda`` while discourse
is on and w_i counts i's ties wrongly sanctioned now (kept incrementally, as
``sanc_n`` is). A person is wrongly sanctioned when sanctioned and no listing in
force rests on a true record (the standard of ``wrongly_sanctioned_share``).
Private dissent then follows grievance as in Epstein:
``d_i = base_i + shift * h_i * (1 - L_i) * (1 - base_i)``, and the PRIVATE flag is
``d_i > behaviour.private_cut``; public dissent (Kuran) reads ``d_i`` next step.
Deterministic: it draws no random numbers. Off, L stays at L0 and d as drawn.

Private dissent is kept incrementally: ``d_i -= g_i * dL_i`` with ``g_i = shift h_i
(1 - base_i)`` fixed at init (children: g = 0 and d = 0, never private).

Memory: ``legit`` float32 (4 B, always); while on, ``legit0`` and ``grief`` (g) float32,
``wrong_n`` uint16 and ``wrong`` bool: 11 B a person more. No float16: numpy computes it
in software, several times slower than float32 in a step.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from scslab.engine import State
from scslab.regime.plan import Plan
from scslab.regime.tables import BASIS_TRUE, ORIG_RED, SANCTIONED


def init_fields(plan: Plan, people: dict[str, Any], shift: float) -> dict[str, Any]:
    """The legitimacy state: ``legit`` always; the rest only while the mechanism is on.

    While on, children's private dissent is set to 0 (they never dissent privately and
    never speak, theta being infinite), so the PRIVATE flag needs no adult mask.
    """
    n = people["flags"].size
    legit = people["legit0"].astype(np.float32)
    if not plan.legitimacy:
        return {
            "legit": legit,
            "legit0": np.empty(0, np.float32),
            "grief": np.empty(0, np.float32),
            "wrong": np.zeros(0, bool),
            "wrong_n": np.zeros(0, np.uint16),
            "wrong_ties": 0,
        }
    from scslab.population import _draw_kernels as kern  # numba, on first use

    # grief = hardship shift (1 - base), 0 for children, whose dissent is set to 0
    grief = np.empty(n, np.float32)
    base = people["dissent_base"].astype(np.float32, copy=False)
    hardship = people["hardship"].astype(np.float32, copy=False)
    kern.grievance(hardship, base, np.float32(shift), people["flags"], grief, people["dissent"])
    return {
        "legit": legit,
        "legit0": people["legit0"].astype(np.float32, copy=True),
        "grief": grief,
        "wrong": np.zeros(n, bool),
        "wrong_n": np.zeros(n, np.uint16),
        "wrong_ties": 0,  # sum of wrong_n: the network term is skipped while it is 0
    }


def wrongly_sanctioned(state: State) -> NDArray[np.bool_]:
    """People sanctioned now none of whose listings in force rests on a true record."""
    bits = state.sanc & SANCTIONED
    sanctioned = np.not_equal(bits, 0, out=bits.view(bool))  # in place: one n-byte array
    live = (state.ls_origin != ORIG_RED) & (state.ls_basis == BASIS_TRUE)
    sanctioned[state.ls_person[live]] = False
    return sanctioned


def update(state: State, plan: Plan) -> None:
    """Move L one step; private dissent ``d -= g dL`` and the PRIVATE flag follow."""
    if not plan.legitimacy:
        return
    q = state.params.legitimacy
    from scslab.regime import fused  # numba: imported on first use, as in models.epstein

    # wrong := wrongly_sanctioned(state), wrong_n following, touching only who can change
    ties = fused.update_wrong(
        state.wrong,
        state.sanc,
        state.ls_person,
        state.ls_origin,
        state.ls_basis,
        state.net_indptr,
        state.net_indices,
        state.wrong_n,
    )
    state.wrong_ties = int(state.wrong_ties) + ties

    # one fused pass (`fused.legitimacy`), bit for bit the numpy expressions:
    #   d = (L0 - L) reversion + prop_effect propaganda (1 - L) - net_effect wrong_n / deg
    #       - own_effect wrong;  L = clip(L + d, 0, 1);  dissent += (L_old - L) grief
    prop = float(state.params.discourse.propaganda) if plan.discourse else 0.0
    fused.legitimacy(
        state,
        reversion=float(q.reversion),
        prop=float(q.propaganda_effect) * prop if prop > 0 and q.propaganda_effect > 0 else None,
        net=float(q.network_effect) if q.network_effect > 0 and state.wrong_ties > 0 else None,
        own=float(q.own_effect) if q.own_effect > 0 else None,
        cut=float(state.params.behaviour.private_cut),
    )
