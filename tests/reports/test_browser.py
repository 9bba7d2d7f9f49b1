"""The trend chart in the real browser (headless Chromium): drawn, in Chinese, every point
and limit on the page, the flagged point's rule shown, nothing fetched from outside."""

from __future__ import annotations

import datetime as dt
import os
import shutil

import pytest
from django.utils import timezone

from tests.web.conftest import PASSWORD, build_world
from tests.web.test_browser import ARGS, CHROMIUM


@pytest.mark.browser
def test_chart_page_draws_values_limits_and_flags_in_chinese(live_server, transactional_db, fast_passwords, tmp_path):
    from playwright import sync_api as playwright

    from tests.reports.conftest import add_measurements

    if not shutil.which(CHROMIUM):
        reason = f"Chromium not found at {CHROMIUM}: install Debian's chromium (scripts/test.sh does as root)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    world = build_world()
    today = timezone.localdate()
    values = [0.3, -0.2, 0.1, -0.4, 0.2, 0.0, -0.1, 0.3, -0.3, 0.1, 0.2, -0.2, 3.5]  # the last far beyond 3σ
    add_measurements(world.ct_a, world.users["tech_a"], values, start=today - dt.timedelta(days=len(values) * 7), step_days=7)
    requested: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(locale="zh-CN", viewport={"width": 1200, "height": 900})
            page.on("request", lambda r: requested.append(r.url))
            page.goto(f"{live_server.url}/accounts/login/")
            page.fill("#id_username", "tech_a")
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{live_server.url}/")
            page.goto(f"{live_server.url}/devices/{world.ct_a.pk}/")
            page.click("text=趋势图与质控图")
            chart = page.locator("svg.trend-chart").first
            box = chart.bounding_box()
            assert box and box["width"] > 600 and box["height"] > 150  # drawn at a readable size
            assert chart.locator("circle.pt").count() + chart.locator("circle.flag").count() == len(values)
            assert chart.locator("circle.flag").count() >= 1
            assert chart.locator("line.crit-lo").count() == 1 and chart.locator("line.ucl").count() == 1
            text = page.inner_text("main")
            assert "趋势图与质控图" in text and "CT值" in text and "1 点超出 ±3σ 控制限" in text
            page.screenshot(path=str(tmp_path / "chart.png"), full_page=True)
        finally:
            browser.close()
    assert [u for u in requested if not u.startswith(live_server.url)] == []
