"""The dashboard on a phone: the levers fold away, the plots take the width."""

from __future__ import annotations

import pytest

from browser_support import CHROMIUM, NO_CHROMIUM, is_local

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM)]

PHONE = {"width": 390, "height": 844}
READY = (
    "() => window.Bokeh && window.Bokeh.documents.length > 0 && "
    "window.Bokeh.documents[0].get_model_by_name('series') !== null"
)
POINTS = "() => window.Bokeh.documents[0].get_model_by_name('series').data.step.length"


def open_at(page, server, size):
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.set_viewport_size(size)
    page.goto(server.url)
    page.wait_for_function(READY, timeout=60_000)
    page.locator(".bk-Canvas").first.wait_for(timeout=30_000)
    return requests


def canvases_fit(page, width: int) -> list[dict]:
    boxes = [b for b in (c.bounding_box() for c in page.locator(".bk-Canvas").all()) if b]
    assert boxes, "no plot drawn"
    return [b for b in boxes if b["x"] < 0 or b["x"] + b["width"] > width + 0.5]


def test_on_a_phone_the_levers_fold_away_and_the_plots_fit(page, server, tmp_path):
    requests = open_at(page, server, PHONE)
    sidebar = page.locator("#sidebar")
    run = page.get_by_role("button", name="Run")
    # folded away at first: the plots have the page
    assert not sidebar.is_visible() and not run.is_visible()
    main = page.locator("#main").bounding_box()
    assert main["x"] == 0 and main["width"] == PHONE["width"]
    assert canvases_fit(page, PHONE["width"]) == []  # every plot within the screen
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=tmp_path / "dashboard-phone.png", full_page=True)
    # the menu button opens the levers over the page, within the screen (a tap while
    # the drawer slides is ignored, as Bootstrap does: wait for the slide to end)
    page.locator("#sidebar-toggle").click()
    page.locator("#sidebar.collapse.show").wait_for(timeout=10_000)
    run.wait_for(state="visible", timeout=10_000)
    lever = page.locator(".scslab-lever").first
    lever.wait_for(state="visible")
    box = lever.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=tmp_path / "dashboard-phone-levers.png")
    # run from the drawer, fold it away again, and the plots go on updating
    run.click()
    page.locator("#sidebar-toggle").click()
    page.locator("#sidebar.collapse:not(.show)").wait_for(state="attached", timeout=10_000)
    sidebar.wait_for(state="hidden", timeout=10_000)
    page.wait_for_function(f"() => ({POINTS})() >= 5", timeout=60_000)
    assert canvases_fit(page, PHONE["width"]) == []
    assert not [u for u in requests if not is_local(u)]


def test_on_a_wide_screen_the_levers_show_beside_the_plots(page, server):
    open_at(page, server, {"width": 1280, "height": 900})
    assert page.get_by_role("button", name="Run").is_visible()
    side = page.locator("#sidebar").bounding_box()
    main = page.locator("#main").bounding_box()
    assert side["width"] > 300 and main["x"] >= side["x"] + side["width"] - 1
    assert canvases_fit(page, 1280) == []
