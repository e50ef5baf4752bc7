"""An indicator system's page carries its indicator table: each indicator under its first-level category with
unit, direction, weight, the limiting flag (限定性指标) and the level I/II/III values, or 未录入 with the reason the
knowledge base gives."""

from __future__ import annotations

import re


def _rows(page: str) -> dict[str, list[str]]:
    """Indicator label → the texts of its row's cells."""
    table = page[page.index('<section class="indicator-table">'):]
    table = table[:table.index("</section>")]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        cells = [re.sub(r"<[^>]+>|\s+", " ", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        if cells:
            rows[cells[0]] = cells
    return rows


def test_the_electroplating_system_lists_its_indicators_with_their_values(real_app):
    page = real_app.test_client().get("/id/electroplating/indicator-system/cpes-2015?lang=zh").get_data(as_text=True)
    assert "<h2>指标及基准值</h2>" in page and "限定性指标" in page and "Ⅰ级基准值" in page
    assert "资源消耗指标" in page and "一级指标权重 0.1" in page
    rows = _rows(page)
    rinse = next(cells for label, cells in rows.items() if label.startswith("单位产品每次清洗取水量"))
    assert rinse[1:] == ["升/平方米", "越低越好", "1", "是", "8", "24", "40"]
    silver = next(cells for label, cells in rows.items() if label.startswith("银利用率"))
    assert silver[3] == "组内分摊 0.8" and silver[5:] == ["98", "95", "90"]
    english = real_app.test_client().get("/id/electroplating/indicator-system/cpes-2015?lang=en").get_data(as_text=True)
    assert "Indicators and benchmark values" in english and "Limiting" in english and "限定性" not in english


def test_an_indicator_without_values_says_not_entered_and_why(real_app):
    page = real_app.test_client().get("/id/papermaking/indicator-system/pp-cpes?lang=zh").get_data(as_text=True)
    rows = _rows(page)
    cod = next(cells for label, cells in rows.items() if label.startswith("单位产品COD产生量"))
    assert cod[-1].startswith("未录入") and "未读到" in cod[-1]
