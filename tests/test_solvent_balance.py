"""The VOCs solvent balance line by line, recomputed by hand: each material line's annual amount × its own VOCs
content (% as a mass fraction; g/L ÷ the line's density; a thinner's or cleaning solvent's typical 100 % where the
survey gives none), less the removals recorded — an upper bound when none is recorded; not computable when a paint
line has no content; the solvent floor beside a reported or measured load, which is kept."""

from __future__ import annotations

import functools

import pytest

from diagnose_support import read, real_store

VOCS = "https://w3id.org/cpkb/id/pollutant/vocs"


def _line(material: str, t: float, *props) -> dict:
    return {"material": material, "value": t, "unit": "t/a", "properties": list(props)}


PAINT = [_line("溶剂型油漆", 30, {"property": "VOCs质量分数", "value": 45, "unit": "%"}),
         # 500 g/L at 1.25 g/cm³ (1250 g/L) is 40 % by mass
         _line("溶剂型油漆", 10, {"property": "VOC含量", "value": 500, "unit": "g/L"},
               {"property": "密度", "value": 1.25, "unit": "g/cm3"}),
         _line("稀释剂", 10),                      # no content: the knowledge base's typical 100 %
         _line("粉末涂料", 5)]                     # no VOCs content, not a VOCs material: not counted

SURVEY = {"cpkb_survey": 1, "scope": {"sector": "工业涂装", "pilot_type": "region", "region": "浙江省湖州市"},
          "enterprises": [
              {"id": "A", "materials": PAINT},                                       # no removal recorded
              {"id": "B", "materials": PAINT, "facts": {"年溶剂回收量": 5, "年VOCs治理去除量": 2.5}},
              {"id": "C", "materials": [_line("溶剂型油漆", 20), _line("稀释剂", 15)],  # paint content unknown
               "emissions": [{"pollutant": "VOCs", "value": 4, "unit": "t/a"}]},
              {"id": "D", "output": {"product": "实木家具", "value": 5, "unit": "万m2"},   # the wood factor needs the product
               "materials": [_line("溶剂型油漆", 10, {"property": "VOC含量", "value": 500, "unit": "g/L"})]},
              {"id": "E", "materials": PAINT,                                         # measured: 50 mg/m³ × 20 000 × 2000
               "emissions": [{"pollutant": "NMHC", "value": 50, "unit": "mg/m3", "point": "stack",
                              "flow": 20000, "hours_per_year": 2000}]}]}


@functools.lru_cache(maxsize=1)
def run():
    from cpkb.diagnostics.engine import diagnose

    survey = read(SURVEY)
    assert not survey.problems, [p.as_dict() for p in survey.problems]
    return diagnose(survey, real_store(), {})


def rows() -> dict[str, dict]:
    p = next(p for p in run()["reduction_potential"]["pollutants"] if p["pollutant"] == VOCS)
    return {b["enterprise"]: b for b in p["baseline"]}


LINES_IN = 30 * 0.45 + 10 * 500 / 1250 + 10 * 1.0     # 13.5 + 4 + 10 = 27.5 t/a


def test_balance_sums_each_line_by_its_own_content_and_is_an_upper_bound_without_removals():
    a = rows()["A"]
    assert a["how"] == "balance" and a["t_per_a"] == pytest.approx(LINES_IN)
    assert a["bound"] == "upper"
    assert "上限" in a["notes"][0]["zh"] and "年溶剂回收量" in a["notes"][0]["zh"]
    assert "知识库典型值" in a["lines"]["zh"] and "粉末" not in a["lines"]["zh"]


def test_recorded_removals_are_subtracted_and_the_bound_goes():
    b = rows()["B"]
    assert b["how"] == "balance" and b["t_per_a"] == pytest.approx(LINES_IN - 5 - 2.5)
    assert "bound" not in b


def test_a_paint_without_content_makes_the_balance_not_computable_and_the_thinner_a_floor():
    c = rows()["C"]
    assert c["how"] == "reported" and c["t_per_a"] == pytest.approx(4)     # the figure is kept
    assert "balance" not in c
    zh = " ".join(n["zh"] for n in c["notes"])
    assert "不可计算" in zh and "溶剂型油漆" in zh
    assert c["lower_bound"]["t_per_a"] == pytest.approx(15)               # thinner 15 t × 100 %
    warned = [w for w in run()["warnings"] if w.get("enterprise") == "C" and "下限" in w["message"]]
    assert len(warned) == 1 and "15 t/a" in warned[0]["messages"]["zh"]


def test_g_per_litre_without_density_is_not_converted():
    # 500 g/L of an unknown density is no mass fraction: no balance; the paint's emission factor estimates instead
    d = rows()["D"]
    assert d["how"] == "estimated" and "balance" not in d
    assert any("不可计算" in n["zh"] and "溶剂型油漆" in n["zh"] for n in d["notes"])


def test_measurement_first_balance_beside_and_floor():
    e = rows()["E"]
    measured = 50 * 20000 * 2000 / 1e9                                      # 2.0 t/a
    assert e["how"] == "measured" and e["t_per_a"] == pytest.approx(measured)
    assert e["balance"]["t_per_a"] == pytest.approx(LINES_IN) and e["balance"]["bound"] == "upper"
    assert e["lower_bound"]["t_per_a"] == pytest.approx(10)               # thinner alone passes 2.0 t/a
    p = next(p for p in run()["reduction_potential"]["pollutants"] if p["pollutant"] == VOCS)
    total = sum(r["t_per_a"] for r in rows().values())
    assert p["with_solvent_floors_t_per_a"] == pytest.approx(total + (15 - 4) + (10 - measured))

