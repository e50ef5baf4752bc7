"""The diagnosis pages in a real headless Chromium: the example survey's report, a broken survey's placed errors."""

from __future__ import annotations

import json

import pytest

from test_browser_chromium import _wait

pytestmark = pytest.mark.browser

EXAMPLE = "electroplating_cluster.json"


def test_upload_example_survey_shows_key_issues(browser, live_server, screenshot):
    from selenium.webdriver.common.by import By

    from conftest import REPO

    browser.get(live_server + "/diagnose?lang=zh")
    screenshot(browser, "diagnose-form")
    browser.find_element(By.ID, "survey").send_keys(str(REPO / "examples" / EXAMPLE))
    browser.find_element(By.CSS_SELECTOR, "#diagnose-form button[type=submit]").click()
    issues = _wait(lambda: browser.find_elements(By.CSS_SELECTOR, "#key-issues tr.key-issue"), timeout=30,
                   message="key issues of the report")
    names = [row.find_element(By.CSS_SELECTOR, "td.m a").text for row in issues]
    assert "清洗取水量偏高" in names
    # the Word report's Vega-Lite charts, drawn as SVG: bars are the paths of the rect marks
    assert browser.find_elements(By.CSS_SELECTOR, "#chart-prevalence svg .mark-rect path")
    assert browser.find_elements(By.CSS_SELECTOR, "#chart-levels svg .mark-rect path")
    screenshot(browser, "diagnose-report")


def test_upload_broken_survey_shows_placed_errors(browser, live_server, screenshot, tmp_path):
    from selenium.webdriver.common.by import By

    from conftest import REPO

    survey = json.loads((REPO / "examples" / EXAMPLE).read_text(encoding="utf-8"))
    survey["scope"]["sector"] = "电镀业务"                       # not a sector name
    survey["enterprises"][0]["processes"][0]["process"] = "除油污"  # not a process name
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(survey, ensure_ascii=False), encoding="utf-8")
    browser.get(live_server + "/diagnose?lang=zh")
    browser.find_element(By.ID, "survey").send_keys(str(broken))
    browser.find_element(By.CSS_SELECTOR, "#diagnose-form button[type=submit]").click()
    rows = _wait(lambda: browser.find_elements(By.CSS_SELECTOR, "#survey-errors tbody tr"), timeout=30,
                 message="the list of survey errors")
    places = [r.find_element(By.CSS_SELECTOR, "td.place").text for r in rows]
    assert "scope.sector" in places
    assert all(p.strip() for p in places), "every error has its place"
    screenshot(browser, "diagnose-errors")
