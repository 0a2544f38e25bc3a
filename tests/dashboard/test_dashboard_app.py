"""The dashboard's session object, driven without a browser or a server."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml

pytest.importorskip("panel")
pytestmark = pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")

from scslab.dashboard import is_loopback  # noqa: E402
from scslab.dashboard.app import Dashboard, create_app, default_label, scenario_sources  # noqa: E402
from scslab.scenario import load_scenario  # noqa: E402

SMALL = "name: small\nmodel: epstein\nsteps: 50\nseed: 3\nparams:\n  width: 16\n  height: 16\n"


@pytest.fixture
def board(tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    return Dashboard({"small": str(path), **scenario_sources()}, initial="small")


def run(coro):
    """Run a coroutine to its end, also when this thread already has a running loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def points(board):
    return len(board.source.data["step"])


def test_sources_start_with_the_whole_system():
    sources = scenario_sources()
    assert sources[default_label(sources)] == "full-regime"
    assert create_app(sources) is not None


def test_step_streams_and_reset_clears(board):
    assert points(board) == 1
    run(board._advance(3))
    assert points(board) == 4
    assert board.source.data["step"] == [0.0, 1.0, 2.0, 3.0]
    assert "step **3** of 50" in board.status.object
    board.reset()
    assert points(board) == 1


def test_a_lever_restarts_the_run_with_the_new_value(board):
    run(board._advance(2))
    board.widgets["params.legitimacy"].value = 0.5
    assert board.scenario.params.legitimacy == 0.5
    assert points(board) == 1 and not board.error.visible
    exported = board._export().getvalue()
    scn = load_scenario(yaml.safe_load(exported))
    assert scn.params.legitimacy == 0.5 and scn.params.width == 16
    assert "params.legitimacy=0.5" in exported  # the header says what changed


def test_out_of_range_value_is_refused_with_the_schema_message(board):
    widget = board.widgets["params.legitimacy"]
    widget.value = 1.4
    assert board.error.visible
    assert board.error.object == "params.legitimacy must be in [0, 1]; got 1.4"
    assert widget.value == pytest.approx(0.82) and widget.end == 1.0
    assert board.scenario.params.legitimacy == pytest.approx(0.82)
    widget.value = 0.6  # a good value clears the message
    assert not board.error.visible


def test_regime_runs_both_worlds_and_shows_people(board):
    label = next(k for k, v in board.sources.items() if v == "court-blacklist")
    board.preset.value = label
    assert board.sim.base is not None
    assert len(board.pictures.objects) == 2  # with and without the system, side by side
    assert set(board.picture_sources["base"].data["state"]) <= {"free", "abroad"}
    assert "params.discourse.propaganda" in board.widgets
    assert board.widgets["params.discourse.propaganda"].disabled  # off in this preset
    assert {"sanctioned_share", "sanctioned_share__base"} <= set(board.source.data)


def held_step(board):
    """Make the next `advance` of the board's simulation wait until released.

    Returns (started, release): set when the worker has begun, and the gate.
    """
    sim = board.sim
    started, release = threading.Event(), threading.Event()
    advance = sim.advance

    def held(*args):
        started.set()
        assert release.wait(30)
        return advance(*args)

    sim.advance = held
    return started, release


def test_a_reset_streams_the_new_rows_in_one_assignment(board, monkeypatch):
    run(board._advance(3))
    streamed = []
    monkeypatch.setattr(type(board.source), "stream", lambda src, data: streamed.append(data))
    board.reset()
    # Panel may serialise a callback's events after it returns: an assignment and a
    # stream of the same row in one callback would show step 0 twice on the page.
    assert streamed == []
    assert board.source.data["step"] == [0.0]
    assert "step **0** of 50 (paused)" in board.status.object


def test_a_step_in_flight_at_a_pause_is_cancelled_and_streams_nothing(board):
    board._set_running(True)
    started, release = held_step(board)
    with ThreadPoolExecutor(1) as pool:
        ticking = pool.submit(asyncio.run, board._advance(3, tick=True))
        assert started.wait(30)
        board._toggle()  # Pause, while the tick's step is in flight
        assert "(paused)" in board.status.object
        release.set()
        ticking.result(timeout=30)
    assert board.source.data["step"] == [0.0]  # nothing streamed after the pause
    assert board.sim.step == 0  # the cancelled work stopped before its first step
    board._step_once()  # stepping on goes on from where the page is, every step once
    assert board.source.data["step"] == [0.0, 1.0]
    assert "step **1** of 50 (paused)" in board.status.object


def test_a_step_in_flight_at_a_reset_streams_nothing(board):
    started, release = held_step(board)
    old = board.sim
    with ThreadPoolExecutor(1) as pool:
        stepping = pool.submit(asyncio.run, board._advance(3))
        assert started.wait(30)
        board.reset()
        release.set()
        stepping.result(timeout=30)
    assert board.sim is not old
    assert board.source.data["step"] == [0.0]
    assert "step **0** of 50" in board.status.object


def test_a_closed_session_drops_its_simulation(board):
    board.close()
    run(board._advance(3))
    assert board.sim is None


def test_loopback():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4")
