"""What a Chinese consultant sees in a real headless Chromium: the indicator table of an indicator system, the
sector beside same-named catalogue filters, a concept page's labelled English name and IRI box, and no code in
the rendered text (what the browser draws, after CSS and script)."""

from __future__ import annotations

import pytest

from test_chinese_pages import SLUG

pytestmark = pytest.mark.browser


def test_the_indicator_table_and_the_iri_box_in_a_real_browser(browser, live_server, screenshot):
    from selenium.webdriver.common.by import By

    browser.get(live_server + "/id/electroplating/indicator-system/cpes-2015?lang=zh")
    table = browser.find_element(By.CSS_SELECTOR, "section.indicator-table table")
    headers = [th.text for th in table.find_elements(By.CSS_SELECTOR, "thead th")]
    assert headers == ["二级指标", "单位", "优化方向", "权重", "限定性指标", "Ⅰ级基准值", "Ⅱ级基准值", "Ⅲ级基准值"]
    row = next(tr for tr in table.find_elements(By.CSS_SELECTOR, "tbody tr")
               if tr.text.startswith("单位产品每次清洗取水量"))
    assert [td.text for td in row.find_elements(By.TAG_NAME, "td")][1:] == ["升/平方米", "越低越好", "1", "是", "8", "24", "40"]
    iri_box = browser.find_element(By.CSS_SELECTOR, "aside .box.iri")
    assert iri_box.find_element(By.TAG_NAME, "h2").text == "标识（IRI）"
    assert "https://w3id.org/cpkb/id/electroplating/indicator-system/cpes-2015" in iri_box.text
    head = browser.find_element(By.CSS_SELECTOR, "header.concept-head").text
    assert "英文名称" in head and "https://" not in head
    body = browser.find_element(By.TAG_NAME, "main").text
    assert not [t for t in SLUG.findall(body) if "w3id" not in t], SLUG.findall(body)
    screenshot(browser, "indicator-system-zh")


def test_same_named_filters_show_their_sector_in_a_real_browser(browser, live_server, screenshot):
    from selenium.webdriver.common.by import By

    browser.get(live_server + "/measures?lang=zh")
    items = [(label.find_element(By.CSS_SELECTOR, ".fv").text, label.find_element(By.CSS_SELECTOR, ".fv-sector").text)
             for label in browser.find_elements(By.CSS_SELECTOR, "fieldset[data-facet='process'] label")]
    names = [name for name, _ in items]
    shared = {name for name in names if names.count(name) > 1}
    assert shared                                              # several sectors have a process of that name …
    assert all(sector for _, sector in items)                  # … so each value shows its sector,
    assert len(set(items)) == len(items)                       # and no two read the same
    screenshot(browser, "measures-facets-zh")
