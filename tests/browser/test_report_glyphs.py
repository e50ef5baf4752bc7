"""Every report page in a real headless Chromium: a screenshot of each for reviewers, and no character on it that
no font of the machine (nor the project's own CJK font, which the page serves) can draw — a missing glyph is a box
(tofu) in the screenshot."""

from __future__ import annotations

import functools
import re
import subprocess
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from conftest import REPO
from test_diagnose_chromium import EXAMPLE

pytestmark = pytest.mark.browser

TEXT_JS = """
const parts = [document.title, document.body.innerText];
document.querySelectorAll('svg text, option').forEach(n => parts.push(n.textContent));
return parts.join('\\n');
"""


@functools.lru_cache(maxsize=1)
def drawable() -> set[int]:
    """Code points some installed font or the project's font has a glyph for."""
    from fontTools.ttLib import TTCollection, TTFont

    from cpkb.diagnostics import charts

    points = set(TTFont(str(charts.FONT_FILE))["cmap"].getBestCmap())
    files = subprocess.run(["fc-list", "--format", "%{file}\n"], capture_output=True, text=True).stdout.split()
    for file in sorted(set(files)):
        try:
            fonts = TTCollection(file, lazy=True).fonts if file.endswith((".ttc", ".otc")) else [TTFont(file, lazy=True)]
            for font in fonts:
                points |= set(font["cmap"].getBestCmap() or {})
        except Exception:  # a font fontTools cannot read is simply not counted
            continue
    return points


def assert_every_glyph_drawable(driver, name: str) -> None:
    text = driver.execute_script(TEXT_JS)
    missing = sorted({c for c in text if not c.isspace() and ord(c) > 0x7E and ord(c) not in drawable()})
    assert not missing, f"{name}: no font draws {''.join(missing)!r}"
    assert re.search(r"[\u4e00-\u9fff]", text), f"{name}: no Chinese text at all"


def _wait_for(driver, css: str) -> None:
    WebDriverWait(driver, 60).until(EC.presence_of_element_located((By.CSS_SELECTOR, css)))


def test_report_pages_show_no_missing_glyph(browser, live_server, screenshot):
    browser.get(f"{live_server}/diagnose")
    _wait_for(browser, "#diagnose-form")
    assert_every_glyph_drawable(browser, "form")
    screenshot(browser, "report-form")

    browser.find_element(By.CSS_SELECTOR, f"#example option[value='{EXAMPLE}']").click()
    browser.find_element(By.CSS_SELECTOR, "#diagnose-form button[type=submit]").click()
    _wait_for(browser, "#key-issues")
    assert_every_glyph_drawable(browser, "report")
    shot = screenshot(browser, "report-page")
    assert shot.stat().st_size > 20_000
    charts = browser.find_elements(By.CSS_SELECTOR, ".chart svg")
    assert len(charts) >= 3 and all(c.size["height"] > 40 for c in charts)
    # the buttons of the report head stand on one line: same top, same height ("新的诊断" was misaligned)
    boxes = [b.rect for b in browser.find_elements(By.CSS_SELECTOR, ".report-head .exports .button, "
                                                                    ".report-head .exports button")]
    assert len(boxes) == 6  # Word, 一企一档, Excel, HTML, JSON, new diagnosis
    assert max(b["y"] for b in boxes) - min(b["y"] for b in boxes) < 2
    assert max(b["height"] for b in boxes) - min(b["height"] for b in boxes) < 2

    browser.get(f"{live_server}/diagnose/guide")
    _wait_for(browser, "#survey-guide")
    assert_every_glyph_drawable(browser, "guide")
    screenshot(browser, "report-survey-guide")

    browser.get(f"{live_server}/diagnose?lang=en")
    _wait_for(browser, "#diagnose-form")
    browser.find_element(By.CSS_SELECTOR, "#example option[value='broken_survey.json']").click()
    browser.find_element(By.CSS_SELECTOR, "#diagnose-form button[type=submit]").click()
    _wait_for(browser, "#survey-errors")
    selected = browser.find_element(By.CSS_SELECTOR, "#example").get_attribute("value")
    assert selected == "broken_survey.json"                       # the choice survives the error
    assert_every_glyph_drawable(browser, "errors")
    screenshot(browser, "report-errors")


def test_downloaded_html_report_shows_no_missing_glyph(browser, live_server, screenshot, tmp_path):
    import requests

    body = (REPO / "examples" / EXAMPLE).read_bytes()
    response = requests.post(f"{live_server}/api/diagnose", params={"filename": EXAMPLE, "format": "html"},
                             data=body, headers={"Content-Type": "application/json"}, timeout=120)
    assert response.status_code == 200
    page = Path(tmp_path) / "report.html"
    page.write_bytes(response.content)
    browser.get(page.as_uri())
    _wait_for(browser, "#issues")
    assert_every_glyph_drawable(browser, "html report")
    screenshot(browser, "report-html-download")
