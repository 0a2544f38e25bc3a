"""report.html opened in a real browser: every figure shows, nothing is fetched from elsewhere."""

from __future__ import annotations

import pytest
from report_synthetic import grid_sweep, regime_run

from browser_support import CHROMIUM, NO_CHROMIUM, is_local
from scslab.report import build_report

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM)]

IMAGES = """() => Array.from(document.images).map(i => ({
    ok: i.complete && i.naturalWidth > 0, width: i.naturalWidth, shown: i.clientWidth,
    file: i.dataset.file }))"""


@pytest.mark.parametrize("make", [regime_run, grid_sweep], ids=["run", "sweep"])
def test_report_shows_every_figure_offline(page, tmp_path, make):
    report = build_report(make(tmp_path / "out"))
    n_figures = len(list((report.parent / "figures").glob("*.png")))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(report.as_uri())
    page.wait_for_load_state("load")
    images = page.evaluate(IMAGES)
    assert len(images) == n_figures > 0
    assert all(i["ok"] for i in images), images  # no broken image
    assert all(i["shown"] <= 390 for i in images)  # scaled to the phone's width
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390  # no sideways page
    assert not [u for u in requests if not is_local(u)]
    assert page.locator("#summary").inner_text().startswith(("Scenario", "A sweep"))
    page.screenshot(path=tmp_path / "report-phone.png", full_page=True)
