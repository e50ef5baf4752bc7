"""The browser in a real headless Chromium: home, language switch, search → measure, catalogue filter + CSV."""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.browser


def _wait(predicate, timeout: float = 10.0, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {message}")


def test_home_and_language_switch(browser, live_server, screenshot):
    from selenium.webdriver.common.by import By

    browser.delete_all_cookies()
    browser.get(live_server + "/")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh"
    assert "清洁生产审核知识库" in browser.find_element(By.TAG_NAME, "h1").text
    sectors = browser.find_elements(By.CSS_SELECTOR, ".sectors .card h3 a")
    assert any(a.text == "电镀" for a in sectors)
    screenshot(browser, "home-zh")

    browser.find_element(By.CSS_SELECTOR, ".langs a[data-lang='en']").click()
    _wait(lambda: browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en", message="English page")
    assert "Cleaner-Production Audit Knowledge Base" in browser.find_element(By.TAG_NAME, "h1").text
    assert any(a.text == "electroplating" for a in browser.find_elements(By.CSS_SELECTOR, ".sectors .card h3 a"))
    # the switch is remembered (cookie): a page opened without ?lang= stays English
    browser.get(live_server + "/measures")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    screenshot(browser, "measures-en")
    browser.get(live_server + "/?lang=zh")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh"


def test_search_countercurrent_and_reach_measure(browser, live_server, screenshot):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(live_server + "/?lang=zh")
    box = browser.find_element(By.CSS_SELECTOR, ".big-search input[name=q]")
    box.send_keys("逆流")
    # autocomplete offers entries while typing
    suggestions = _wait(lambda: browser.find_elements(By.CSS_SELECTOR, ".big-search .suggest li a"),
                        message="autocomplete suggestions")
    assert any("逆流" in s.text for s in suggestions)
    screenshot(browser, "autocomplete")
    box.send_keys(Keys.ENTER)  # no suggestion is selected: the form submits
    _wait(lambda: "/search" in browser.current_url, message="search page")
    groups = _wait(lambda: browser.find_elements(By.CSS_SELECTOR, ".result-group"), message="results grouped by type")
    assert browser.find_element(By.CSS_SELECTOR, ".big-search input[name=q]").get_attribute("value") == "逆流"
    screenshot(browser, "search-countercurrent")
    measure_group = browser.find_element(By.ID, "g-Measure")
    # the counter-current retrofit, which the knowledge base gives effects for (not every measure has a figure)
    link = next(a for a in measure_group.find_elements(By.CSS_SELECTOR, "ol.results li h3 a")
                if "改单槽清洗为多级逆流漂洗" in a.text)
    name = link.text
    link.click()
    _wait(lambda: "/measure/" in browser.current_url, message="measure page")
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith(name.rstrip())
    page = browser.find_element(By.TAG_NAME, "main").text
    assert "预期效果" in page and "费用类别" in page
    screenshot(browser, "measure")
    # the sector page from the breadcrumbs
    browser.find_element(By.CSS_SELECTOR, ".crumbs li:nth-child(2) a").click()
    _wait(lambda: browser.find_elements(By.CSS_SELECTOR, "ol.chain li"), message="process chain")
    screenshot(browser, "sector")


def test_catalogue_filter_and_csv_export(browser, live_server, screenshot):
    from selenium.webdriver.common.by import By

    browser.get(live_server + "/measures?lang=zh")
    total = int(browser.find_element(By.ID, "measure-count").text)
    assert total > 5
    low = browser.find_element(By.CSS_SELECTOR, "fieldset[data-facet=cost] input[value=low]")
    expected = int(low.find_element(By.XPATH, "..").find_element(By.CSS_SELECTOR, ".count").text)
    low.click()  # the script submits on change
    _wait(lambda: "cost=low" in browser.current_url, message="filtered catalogue")
    count = int(browser.find_element(By.ID, "measure-count").text)
    assert count == expected and 0 < count < total
    rows = browser.find_elements(By.CSS_SELECTOR, "table.measures tbody tr")
    from cpkb.settings import SETTINGS

    page = next(int(x.default) for x in SETTINGS if x.name == "measures_page_size")
    assert len(rows) == min(count, page)          # the catalogue pages; the CSV below holds every row
    assert all("无/低费" in r.find_element(By.CSS_SELECTOR, ".tag.cost").text for r in rows)
    screenshot(browser, "measures-filtered")

    href = browser.find_element(By.ID, "export-csv").get_attribute("href")
    assert "cost=low" in href
    browser.find_element(By.ID, "export-csv").click()
    csv_file = _wait(lambda: [p for p in browser.downloads.glob("*.csv")], message="CSV download")[0]
    _wait(lambda: csv_file.stat().st_size > 0 and not list(browser.downloads.glob("*.crdownload")),
          message="CSV written")
    lines = csv_file.read_text(encoding="utf-8-sig").strip().splitlines()
    assert len(lines) == count + 1
    assert lines[0].startswith("IRI,")
