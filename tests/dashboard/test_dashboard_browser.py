"""The dashboard in a real headless browser (Debian chromium driven by Playwright)."""

from __future__ import annotations

import re
import time

import pytest
import yaml

from browser_support import CHROMIUM, NO_CHROMIUM, is_local
from scslab.scenario import load_scenario

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM)]

SERIES = "() => window.Bokeh.documents[0].get_model_by_name('series').data"


@pytest.fixture
def dash(page, server, tmp_path):
    """The dashboard open in a fresh page; fails the test on any request to another host."""
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(server.url)
    page.get_by_role("button", name="Run").wait_for(timeout=60_000)
    page.wait_for_function(
        "() => window.Bokeh && window.Bokeh.documents.length > 0 && "
        "window.Bokeh.documents[0].get_model_by_name('series') !== null"
    )
    page.shots = tmp_path  # type: ignore[attr-defined]
    yield page
    foreign = [u for u in requests if not is_local(u)]
    assert not foreign, f"requests to other hosts: {foreign}"
    assert server.poll() is None, server.log_path.read_text()


def points(page) -> int:
    return page.evaluate(f"() => ({SERIES})().step.length")


def steps(page) -> list[int]:
    return page.evaluate(f"() => Array.from(({SERIES})().step)")


def status(page) -> str:
    return page.locator(".scslab-status p").inner_text()


def wait_shown(page, text: str, timeout: float = 30.0) -> int:
    """Wait until the status line contains `text` and the plots hold the steps it names.

    Panel may send the status line ahead of the points streamed in the same callback:
    this waits for both. Returns the number of points.
    """
    deadline = time.monotonic() + timeout
    while True:
        line = status(page)
        named = re.search(r"step (\d+) of", line)
        n = points(page)
        if text in line and named and n == int(named.group(1)) + 1:
            return n
        assert time.monotonic() < deadline, f"status {line!r} with {n} points"
        page.wait_for_timeout(50)  # poll again


def wait_points(page, at_least: int, timeout: float = 30_000) -> None:
    page.wait_for_function(f"() => ({SERIES})().step.length >= {at_least}", timeout=timeout)


def lever(page, index: int = 0):
    return page.locator(".scslab-lever").nth(index)


def export(page, tmp_path):
    with page.expect_download() as info:
        page.get_by_role("button", name="Export scenario YAML").click()
    path = tmp_path / "exported.yaml"
    info.value.save_as(path)
    return path


def test_loads_with_plots_levers_and_picture(dash):
    assert points(dash) == 1  # step 0
    assert dash.locator(".scslab-lever").count() >= 4
    people = dash.evaluate(
        "() => window.Bokeh.documents[0].get_model_by_name('picture-with').data.state"
    )
    assert len(people) > 100 and set(people) <= {"quiet", "active", "jailed"}
    assert dash.locator(".scslab-status p").inner_text() == "step 0 of 400 (paused)"
    dash.screenshot(path=dash.shots / "loaded.png", full_page=True)


def test_run_streams_points_the_plot_changes_and_reset_clears(dash):
    plot = dash.locator(".bk-Figure").first
    before = plot.screenshot(path=dash.shots / "plot-before.png")
    dash.get_by_role("button", name="Run").click()
    wait_points(dash, 25)
    dash.get_by_role("button", name="Pause").click()
    # The server has paused once it says so; a step still in flight then streams nothing.
    n = wait_shown(dash, "(paused)")
    dash.get_by_role("button", name="Run").wait_for()
    assert steps(dash) == list(range(n))  # every step once, in order
    dash.wait_for_timeout(600)  # (an absence has no event to wait for)
    assert points(dash) == n  # paused: nothing more streams
    assert status(dash) == f"step {n - 1} of 400 (paused)"
    after = plot.screenshot(path=dash.shots / "plot-after.png")
    assert after != before
    dash.screenshot(path=dash.shots / "running.png", full_page=True)
    dash.get_by_role("button", name="Reset").click()
    assert wait_shown(dash, "step 0 of 400") == 1
    assert steps(dash) == [0]
    dash.get_by_role("button", name="Step").click()
    assert wait_shown(dash, "step 1 of 400") == 2
    assert steps(dash) == [0, 1]


def test_slider_moves_and_the_exported_yaml_loads(dash, tmp_path):
    legit = lever(dash, 0)
    assert legit.locator("input").input_value() == "0.75"
    legit.locator(".noUi-handle").focus()
    for _ in range(5):
        legit.locator(".noUi-handle").press("ArrowLeft")
    box = legit.locator("input")
    dash.wait_for_function("(box) => parseFloat(box.value) < 0.75", arg=box.element_handle())
    shown = float(box.input_value())
    # The export says what the server has: export until the last key press has reached it.
    deadline = time.monotonic() + 30
    while (scn := load_scenario(export(dash, tmp_path))).params.legitimacy != pytest.approx(shown):
        assert time.monotonic() < deadline, f"the server kept {scn.params.legitimacy}, not {shown}"
        shown = float(box.input_value())
    assert scn.params.width == 24 and scn.name == "epstein-small"
    # The run restarted with the new value: it streams again from step 0.
    assert wait_shown(dash, "step 0 of 400") == 1
    assert steps(dash) == [0]
    text = (tmp_path / "exported.yaml").read_text()
    assert yaml.safe_load(text)["params"]["legitimacy"] == pytest.approx(shown)


def test_out_of_range_value_is_refused_with_the_schema_message(dash, tmp_path):
    box = lever(dash, 0).locator("input")
    box.fill("1.4")
    box.press("Enter")
    error = dash.locator(".scslab-error")
    error.get_by_text("params.legitimacy must be in [0, 1]; got 1.4").wait_for(timeout=10_000)
    dash.screenshot(path=dash.shots / "refused.png", full_page=True)
    assert load_scenario(export(dash, tmp_path)).params.legitimacy == pytest.approx(0.75)


def test_server_survives_a_browser_that_disconnects_mid_run(browser, server, dash):
    other = browser.new_context()
    gone = other.new_page()
    gone.goto(server.url)
    gone.get_by_role("button", name="Run").wait_for(timeout=60_000)
    gone.get_by_role("button", name="Run").click()
    gone.wait_for_timeout(1000)
    other.close()  # mid-run
    # The first page (its own session) still works, and so does a new one.
    dash.get_by_role("button", name="Run").click()
    wait_points(dash, 10)
    assert server.poll() is None


def test_one_busy_session_does_not_freeze_another(browser, server, dash):
    dash.get_by_role("button", name="Run").click()  # session A runs
    ctx = browser.new_context()
    b = ctx.new_page()
    b.goto(server.url)
    b.get_by_role("button", name="Run").wait_for(timeout=60_000)
    b.wait_for_function(
        "() => window.Bokeh.documents.length > 0 && "
        "window.Bokeh.documents[0].get_model_by_name('series') !== null"
    )
    assert b.evaluate(f"() => ({SERIES})().step.length") == 1  # B has its own simulation
    b.get_by_role("button", name="Step").click()
    b.wait_for_function(f"() => ({SERIES})().step.length === 2", timeout=10_000)
    wait_points(dash, 20)  # A went on meanwhile
    ctx.close()
