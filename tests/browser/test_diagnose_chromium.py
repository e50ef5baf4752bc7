"""The diagnosis pages in a real headless Chromium: the example survey's report, a broken survey's placed errors."""

from __future__ import annotations

import json

import pytest

from test_browser_chromium import _wait

pytestmark = pytest.mark.browser

EXAMPLE = "electroplating_cluster.json"


@pytest.fixture(scope="module", autouse=True)
def diagnosis_workers_ready(real_app, live_server):
    """The app's diagnosis workers load the knowledge base on first use (half a minute alone, more inside a full
    test run); a survey posted before they are ready waits within Chromium's 30 s page-load budget, and a CI run
    timed out there once (the test passed alone). The page's own 'still loading' answer is tested elsewhere."""
    from cpkb.web.diagnose import _diagnoser_slot

    _diagnoser_slot(real_app).get(300)


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


def test_unresolved_names_are_confirmed_in_the_browser(browser, live_server, screenshot):
    """The audit team's messy survey stops at the name confirmation page, in Chinese, with a choice per name; the
    choices made in the page are what the diagnosis then applies."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    browser.get(live_server + "/diagnose?lang=zh")
    Select(browser.find_element(By.ID, "example")).select_by_value("electroplating_county_messy.yaml")
    browser.find_element(By.CSS_SELECTOR, "#diagnose-form button[type=submit]").click()
    rows = _wait(lambda: browser.find_elements(By.CSS_SELECTOR, "#unresolved-names tbody tr"), timeout=60,
                 message="the table of names to confirm")
    assert len(rows) >= 10
    page = browser.find_element(By.TAG_NAME, "main").text if browser.find_elements(By.TAG_NAME, "main") \
        else browser.find_element(By.TAG_NAME, "body").text
    assert "https://" not in page and "w3id" not in page          # labels only, never an IRI
    assert "enterprises[" not in page and "第2家企业 · 原辅材料" in page  # places said in words (the path is the title)
    screenshot(browser, "diagnose-names")
    chosen, ignored = None, None
    for row in rows:
        written = row.find_element(By.CSS_SELECTOR, "td").text.strip()
        select = Select(row.find_element(By.TAG_NAME, "select"))
        values = [o.get_attribute("value") for o in select.options]
        assert "" in values and "__ignore__" in values                # keep as written, ignore
        if chosen is None and values[0].startswith("https://"):
            select.select_by_index(0)                                   # the first suggestion
            chosen = (written, values[0], select.options[0].text)
        elif ignored is None:
            select.select_by_value("__ignore__")
            ignored = written
    assert chosen and ignored
    assert not any(o.text.startswith("http") for o in Select(rows[0].find_element(By.TAG_NAME, "select")).options)
    browser.find_element(By.CSS_SELECTOR, "#names-form button[type=submit]").click()
    try:
        _wait(lambda: browser.find_elements(By.CSS_SELECTOR, "#key-issues tr.key-issue"), timeout=120,
              message="the report after confirming names")
    finally:
        screenshot(browser, "diagnose-after-names")
    result = json.loads(browser.find_element(By.CSS_SELECTOR, "input[name=result]").get_attribute("value"))
    applied = {(a["name"], a["as"]) for a in result["names_applied"]}
    assert (chosen[0], chosen[1]) in applied, (chosen, sorted(applied)[:5])
    assert ignored not in {u["name"] for u in result["unresolved"]}


@pytest.mark.parametrize("example, captions", [
    ("packaging_printing_haimen_region.yaml",
     ["各企业基准排放量及其取得方式", "各方案削减量", "臭氧前体物分列与合计", "超标企业及限值以上排放量", "排放情景"]),
    ("papermaking_yiyang_basin.yaml", ["各企业基准排放量及其取得方式", "减排目标与削减潜力", "排放情景"]),
])
def test_region_and_basin_reports_show_their_tables_and_charts(browser, live_server, screenshot, example, captions):
    """The report page carries the regional / basin tables the downloads have, in Chinese, with the charts."""
    from selenium.webdriver.common.by import By

    from conftest import REPO

    browser.set_page_load_timeout(240)     # a 14-enterprise regional diagnosis on a loaded machine takes a while
    try:
        browser.get(live_server + "/diagnose?lang=zh")
        browser.find_element(By.ID, "survey").send_keys(str(REPO / "examples" / example))
        browser.find_element(By.CSS_SELECTOR, "#diagnose-form button[type=submit]").click()
    finally:
        browser.set_page_load_timeout(30)
    section = _wait(lambda: browser.find_elements(By.CSS_SELECTOR, "#reduction-potential"), timeout=60,
                    message="the reduction-potential section")[0]
    shown = [c.text for c in section.find_elements(By.CSS_SELECTOR, "table caption")]
    for caption in captions:
        assert any(caption in c for c in shown), (caption, shown)
    assert "本次跟踪的特征污染物" in section.text          # where the followed list came from
    assert "https://w3id.org" not in section.text and "_t_per_a" not in section.text
    assert browser.find_elements(By.CSS_SELECTOR, "#chart-potential svg .mark-rect path, #chart-potential svg path")
    screenshot(browser, "report-" + example.split(".")[0])
