import numpy as np
from regime_support import advance, make_state

from scslab.regime import discourse
from scslab.regime.model import plan_for


def test_detected_posts_are_recorded_and_some_deleted():
    _, st, streams = make_state(
        {"discourse": {"deletion_prob": 0.5}}, on=("discourse",), size=20_000
    )
    plan = plan_for(st.params)
    speaking = np.zeros(st.flags.size, bool)
    speaking[:5000] = True
    det, deleted = discourse.monitor(st, plan, streams["discourse"], speaking)
    covered = ((st.cover[:5000] >> 4) & 1).sum()
    assert abs(det.size - 0.05 * covered) < 4 * np.sqrt(0.05 * covered)
    assert set(deleted.tolist()) <= set(det.tolist())
    assert abs(deleted.size - 0.5 * det.size) < 4 * np.sqrt(0.25 * det.size) + 1
    assert st.pr_person.size == det.size and st.s_penalty == 5.0 * det.size


def test_deletion_hides_speech_from_the_network():
    seen = []
    for deletion in (0.0, 1.0):
        model, st, streams = make_state(
            {"discourse": {"deletion_prob": deletion, "penalty": 0.0, "propaganda": 0.0}},
            on=("discourse",),
            size=10_000,
        )
        advance(model, st, streams, 20)
        seen.append(int(st.seen_n.sum()))
        assert np.array_equal(st.visible, st.speaks) == (deletion == 0.0)
    assert seen[1] < seen[0]


def test_discourse_off_nothing_watched():
    model, st, streams = make_state(on=("surveillance", "integration"))
    advance(model, st, streams, 10)
    assert st.c_posts_detected == 0 and st.view[:, 5].sum() == 0
