"""The SPARQL query page in a real headless Chromium: YASGUI runs a query against /sparql, labels appear beside
IRIs, the gallery loads an example, autocompletion offers the knowledge base's classes, the pivot view counts,
a share link reopens the query, and no request leaves the server's origin (CSP errors would show in the log)."""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.browser


def _wait(predicate, timeout: float = 15.0, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except Exception:  # the element is being redrawn
            value = None
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {message}")


def _open(browser, url: str) -> None:
    browser.get_log("browser")  # the driver is shared: drain what earlier tests' pages logged
    browser.execute_script("window.localStorage && window.localStorage.clear()") if browser.current_url.startswith(
        "http") else None
    browser.get(url)
    _wait(lambda: browser.execute_script("return !!window.cpkbYasgui"), message="YASGUI on the page")


def _run(browser, query: str) -> None:
    browser.execute_script("var q = window.cpkbYasgui.getTab().getYasqe(); q.setValue(arguments[0]); q.query();",
                           query)


def test_yasgui_runs_a_query_with_labels_in_chinese(browser, live_server, screenshot):
    from selenium.webdriver.common.by import By

    _open(browser, live_server + "/sparql?lang=zh")
    assert browser.find_element(By.ID, "sparql-query").is_displayed() is False  # the plain editor gave way
    _run(browser, "SELECT ?sector WHERE { ?sector a cpkb:Sector } ORDER BY ?sector")
    cells = _wait(lambda: browser.find_elements(By.CSS_SELECTOR, "#yasgui .yasr_results a.cpkb-labelled"),
                  message="labelled IRIs in the results table")
    labels = {e.text for e in browser.find_elements(By.CSS_SELECTOR, "#yasgui .yasr_results span.label")}
    assert "电镀" in labels and "造纸" in labels, labels
    assert len(cells) >= 13
    tabs = {e.text.strip().splitlines()[-1] for e in browser.find_elements(By.CSS_SELECTOR, "#yasgui .yasr_btnGroup .yasr_btn")}
    assert {"表格", "原始响应", "透视表"} <= tabs, tabs
    assert browser.find_element(By.CSS_SELECTOR, "#yasgui .tabPanel, #yasgui .tabsList").is_displayed()
    words = browser.find_element(By.ID, "yasgui").text
    assert "条结果" in words and "Showing" not in words and "Page size" not in words, words
    screenshot(browser, "sparql-yasgui-zh")
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors  # no CSP violation, no request to another origin, no script error


def test_gallery_pivot_and_share_link(browser, live_server):
    from selenium.webdriver.common.by import By

    _open(browser, live_server + "/sparql?lang=zh")
    browser.find_element(By.CSS_SELECTOR, "a.example").click()
    _wait(lambda: browser.find_elements(By.CSS_SELECTOR, "#yasgui .yasr_results table"), message="example answered")
    _run(browser, "SELECT ?kind ?x WHERE { VALUES ?kind { cpkb:Process cpkb:Measure } ?x a ?kind }")
    _wait(lambda: browser.find_elements(By.CSS_SELECTOR, "#yasgui .yasr_results a.cpkb-labelled"), message="rows")
    browser.execute_script("window.cpkbYasgui.getTab().getYasr().selectPlugin('pivot')")
    pivot = _wait(lambda: browser.find_element(By.CSS_SELECTOR, "#yasgui .cpkb-pivot table"), message="pivot table")
    counts = {row.find_elements(By.TAG_NAME, "td")[0].text: int(row.find_elements(By.TAG_NAME, "td")[1].text)
              for row in pivot.find_elements(By.CSS_SELECTOR, "tbody tr")}
    expected = browser.execute_script("return window.cpkbYasgui.getTab().getYasr().results.getBindings().length")
    assert set(counts) == {"cpkb:Process", "cpkb:Measure"} and sum(counts.values()) == expected
    link = browser.execute_script("return window.cpkbYasgui.getTab().getShareableLink()")
    assert "VALUES" in link.replace("+", " ") or "VALUES" in __import__("urllib.parse").parse.unquote_plus(link)
    browser.execute_script("window.localStorage.clear()")
    browser.get(link)
    _wait(lambda: browser.execute_script("return !!window.cpkbYasgui"), message="YASGUI from the share link")
    query = browser.execute_script("return window.cpkbYasgui.getTab().getYasqe().getValue()")
    assert "VALUES ?kind" in query


def test_autocompletion_offers_the_knowledge_base_classes(browser, live_server):
    _open(browser, live_server + "/sparql?lang=en")
    vocabulary = browser.execute_script(
        "return fetch(document.getElementById('sparql-page').dataset.vocabulary).then(r => r.json())")
    assert "https://w3id.org/cpkb/def/Measure" in vocabulary["classes"]
    assert "http://www.w3.org/2004/02/skos/core#prefLabel" in vocabulary["properties"]
    hints = browser.execute_async_script("""
        var done = arguments[arguments.length - 1];
        var yasqe = window.cpkbYasgui.getTab().getYasqe();
        yasqe.setValue('PREFIX cpkb: <https://w3id.org/cpkb/def/>\\nSELECT * WHERE { ?x a cpkb:Meas');
        yasqe.focus();
        yasqe.getDoc().setCursor({line: 1, ch: 1000});
        var completer = yasqe.autocompleters['cpkb-class'];
        completer.getHints(yasqe.getCompleteToken()).then(function (h) { done(h.map(function (x) { return x.text; })); },
                                                          function (e) { done(['error: ' + e]); });
    """)
    assert "cpkb:Measure" in hints, hints
