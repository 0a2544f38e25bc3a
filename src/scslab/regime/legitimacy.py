"""Legitimacy that moves, and private dissent that follows grievance.

Each adult's perceived legitimacy L_i starts at their own L0_i (``behaviour.legitimacy``
and ``legitimacy_concentration``, drawn at init) and moves each step
(REGIME-MODEL.md, "The half that must act too"):

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

Memory: ``legit`` float32 (4 B, its steps are too small for float16), ``legit0``,
``hardship`` and ``dissent_base`` float16 (2 B each), ``wrong_n`` uint16, ``wrong``
bool: 13 B a person while on; ``legit`` alone (4 B) while off.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from scslab.engine import State
from scslab.population.network import neighbours_of
from scslab.population.people import CHILD, PRIVATE, private_dissent
from scslab.regime.plan import Plan
from scslab.regime.tables import BASIS_TRUE, ORIG_RED, SANCTIONED, count_into


def init_fields(plan: Plan, people: dict[str, Any]) -> dict[str, Any]:
    """The legitimacy state: ``legit`` always; the rest only while the mechanism is on."""
    n = people["flags"].size
    legit = people["legit0"].astype(np.float32)
    if not plan.legitimacy:
        return {
            "legit": legit,
            "legit0": np.empty(0, np.float16),
            "hardship": np.empty(0, np.float16),
            "dissent_base": np.empty(0, np.float16),
            "wrong": np.zeros(0, bool),
            "wrong_n": np.zeros(0, np.uint16),
        }
    return {
        "legit": legit,
        "legit0": people["legit0"].astype(np.float16),
        "hardship": people["hardship"].astype(np.float16),
        "dissent_base": people["dissent_base"].astype(np.float16),
        "wrong": np.zeros(n, bool),
        "wrong_n": np.zeros(n, np.uint16),
    }


def wrongly_sanctioned(state: State) -> NDArray[np.bool_]:
    """People sanctioned now none of whose listings in force rests on a true record."""
    sanctioned = (state.sanc & SANCTIONED) != 0
    live = (state.ls_origin != ORIG_RED) & (state.ls_basis == BASIS_TRUE)
    sanctioned[state.ls_person[live]] = False
    return sanctioned


def update(state: State, plan: Plan) -> None:
    """Move L one step; recompute private dissent and the PRIVATE flag of adults."""
    if not plan.legitimacy:
        return
    q = state.params.legitimacy
    wrong = wrongly_sanctioned(state)
    changed = np.flatnonzero(wrong != state.wrong)
    if changed.size:
        on = changed[wrong[changed]]
        off = changed[~wrong[changed]]
        count_into(state.wrong_n, neighbours_of(state.net_indptr, state.net_indices, on), +1)
        count_into(state.wrong_n, neighbours_of(state.net_indptr, state.net_indices, off), -1)
    state.wrong = wrong

    legit = state.legit
    one = np.float32(1.0)
    prop = float(state.params.discourse.propaganda) if plan.discourse else 0.0
    d = np.float32(float(q.reversion)) * (state.legit0.astype(np.float32) - legit)
    if prop > 0 and q.propaganda_effect > 0:
        d += np.float32(float(q.propaganda_effect) * prop) * (one - legit)
    if q.network_effect > 0:
        share = np.divide(state.wrong_n, np.maximum(state.deg, 1), dtype=np.float32)
        d -= np.float32(q.network_effect) * share
    if q.own_effect > 0:
        d -= np.float32(q.own_effect) * wrong
    legit += d
    np.clip(legit, np.float32(0.0), one, out=legit)

    shift = float(state.params.population.dissent_hardship_shift)
    state.dissent = private_dissent(state.dissent_base, state.hardship, legit, shift)
    adult = (state.flags & CHILD) == 0
    private = (state.dissent > np.float32(state.params.behaviour.private_cut)) & adult
    state.flags &= np.uint8(~PRIVATE & 0xFF)
    state.flags[private] |= PRIVATE
