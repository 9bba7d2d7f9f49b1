"""One real browser session (headless Chromium): a technologist logs in, records an
out-of-range room temperature, and sees the item turn to 不合格 on the device page."""

from __future__ import annotations

import os
import shutil

import pytest

from .conftest import PASSWORD, build_world

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]


@pytest.mark.browser
def test_technologist_records_out_of_range_temperature_and_sees_fail_in_chinese(live_server, transactional_db, fast_passwords):
    from playwright import sync_api as playwright  # a test extra: its absence is a failure, not a skip

    if not shutil.which(CHROMIUM):
        reason = f"Chromium not found at {CHROMIUM}: install Debian's chromium (scripts/test.sh does as root)"
        if os.environ.get("CI"):
            pytest.fail(reason)  # CI installs it, so a missing browser there is a broken set-up
        pytest.skip(reason)
    world = build_world()
    requested: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(locale="zh-CN")
            page.on("request", lambda r: requested.append(r.url))
            page.goto(f"{live_server.url}/accounts/login/")
            assert page.locator("html").get_attribute("lang") == "zh-hans"
            page.fill("#id_username", "tech_a")
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{live_server.url}/")
            assert "工作台" in page.inner_text("h1")

            page.click("text=CT-a")
            row = page.locator("tr#item-CT-EQ-ENV-T")
            assert "缺少证据" in row.inner_text()

            page.click("text=录入日常记录")
            page.fill("#id_temperature_c", "30")
            page.fill("#id_humidity_percent", "50")
            page.click("button:has-text('保存')")
            page.wait_for_url(f"{live_server.url}/devices/{world.ct_a.pk}/")
            assert "已记录" in page.inner_text(".messages")
            row = page.locator("tr#item-CT-EQ-ENV-T")
            assert row.locator("[data-verdict]").get_attribute("data-verdict") == "fail"
            text = row.inner_text()
            assert "不合格" in text and "30" in text
        finally:
            browser.close()
    outside = [u for u in requested if not u.startswith(live_server.url)]
    assert outside == []  # every asset is served locally
