"""Discourse control: monitoring of public speech, deletion, penalties, propaganda.

Speech platforms are the sources whose ``sees`` names the speech act; while this
mechanism is on they record public dissent like any other act (a "rumour"
record). A detected post is deleted with ``deletion_prob``: deleted speech is
not seen by the speaker's network this step, which lowers the reputational
pull on others. Each detected post costs the speaker ``penalty`` (a fine, a
"talk" with the police), which also enters the perceived cost of speaking.
Propaganda shrinks the share of dissenters people think they see
(``s <- (1 - propaganda) s``, applied in `behaviour.decide_speech`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from scslab.engine import State
from scslab.population.people import ABROAD
from scslab.regime.authority import speech_penalty
from scslab.regime.plan import Plan
from scslab.regime.surveillance import record_speech


def monitor(
    state: State, plan: Plan, rng: np.random.Generator, speaking: NDArray[np.bool_]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Detect and delete posts; return (detected speakers, deleted speakers)."""
    empty = np.empty(0, np.int64)
    state.s_penalty = 0.0
    if not plan.discourse:
        return empty, empty
    speakers = np.flatnonzero(speaking)
    detected = record_speech(state, plan, rng, speakers)
    p = state.params.discourse
    deleted = detected[rng.random(detected.size) < float(p.deletion_prob)]
    state.s_penalty = speech_penalty(state) * detected.size  # the authority's while it adapts
    state.c_posts_detected += int(detected.size)
    state.c_posts_deleted += int(deleted.size)
    if plan.triggers[plan.speech]:  # speech that can list someone (at home) for amplification
        home = detected[(state.flags[detected] & ABROAD) == 0]
        state.c_trigger_recorded += int(home.size)
    return detected, deleted
