import numpy as np
from regime_support import advance, make_state

from scslab.population.network import neighbours_of
from scslab.regime.tables import BASIS_MISLINKED

SRC = [
    {
        "name": "s",
        "sees": ["traffic_violation"],
        "coverage": 1.0,
        "detection_prob": 1.0,
        "latency": 0,
    }
]


def test_perfect_linkage_puts_every_record_on_its_person():
    model, st, streams = make_state(
        {"surveillance": {"sources": SRC}, "integration": {"linkage_accuracy": 1.0}},
        on=("surveillance", "integration"),
        size=10_000,
    )
    advance(model, st, streams, 30)
    assert st.c_records > 50 and st.c_records == st.c_records_correct
    assert st.view[:, 3].sum() == st.c_records


def test_mislinked_records_land_on_a_neighbour():
    from scslab.regime import integration
    from scslab.regime.model import plan_for

    model, st, streams = make_state(
        {"surveillance": {"sources": SRC}, "integration": {"linkage_accuracy": 0.0}},
        on=("surveillance", "integration"),
        size=5_000,
    )
    people = np.array([10, 20, 30], dtype=np.int32)
    st.pr_person = people
    st.pr_kind = np.full(3, 3, np.uint8)
    st.pr_true = np.ones(3, bool)
    st.pr_due = np.zeros(3, np.int32)
    linked, kinds, basis = integration.arrive(st, plan_for(st.params), streams["integration"])
    assert (basis == BASIS_MISLINKED).all()
    for p, q in zip(people, linked, strict=True):
        assert q in neighbours_of(st.net_indptr, st.net_indices, np.array([p]))
    assert st.pr_person.size == 0


def test_integration_off_records_stay_in_silos():
    model, st, streams = make_state(
        {"surveillance": {"sources": SRC}}, on=("surveillance",), size=5_000
    )
    advance(model, st, streams, 20)
    assert st.view.sum() == 0 and st.c_records == 0
