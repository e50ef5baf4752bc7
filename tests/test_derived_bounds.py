"""A derived quantity that only bounds its target (`bound: lower`): water per rinse stage is at most the water per
rinse, since a counter-current cascade counts as one rinse. A reported figure below half of that floor cannot be
right: it is queried, kept as reported, and not scored; a figure above the floor is left alone, and the bound never
fills in a missing figure (the audit team's E07: 6 L/m² reported, 96,000 m³ of rinse water for 600,000 m², 4 stages)."""

from __future__ import annotations

import pytest

from test_electroplating_v2 import ent, run

RINSE = "https://w3id.org/cpkb/id/electroplating/indicator/rinse-water-per-rinse"


def plant(eid: str, reported: float | None, water_m3: float = 96000, stages: int = 4) -> dict:
    extra = {"indicators": [{"indicator": "单位产品每次清洗取水量", "value": reported, "unit": "L/m2"}]} \
        if reported is not None else {}
    return ent(eid, {"年清洗用水量": water_m3, "清洗级数": stages}, output=600000,
               processes=[{"process": "水洗", "techniques": ["单槽清洗"], "complete": True}], **extra)


def _assessment(result: dict, eid: str) -> dict:
    return next(e for e in result["indicator_assessment"]["enterprises"] if e["enterprise"] == eid)


@pytest.fixture(scope="module")
def result() -> dict:
    # by hand: 96,000 m³/a ÷ 600,000 m²/a ÷ 4 = 0.04 m³/m² = 40 L/m² at least per rinse
    return run([plant("E07", 6.0), plant("OK", 45.0), plant("NONE", None)])


def test_a_figure_below_the_floor_is_queried_with_both_figures(result):
    warned = [w for w in result["warnings"] if "至少为" in w["message"]]
    assert [w["enterprise"] for w in warned] == ["E07"]
    message = warned[0]["message"]
    assert "填报6 L/m²" in message and "清洗级数4" in message and "推算至少为40 L/m²" in message
    assert "（年清洗用水量 ÷ 年产量 ÷ 清洗级数）" in message and "give at least 40 L/m²" in message
    assert "清洗级数4 1" not in message   # a count is shown without a unit


def test_the_contradicted_figure_is_not_scored(result):
    e07 = _assessment(result, "E07")
    assert RINSE not in {i["indicator"] for i in e07["indicators"]}
    why = {m["indicator"]: m for m in e07["basis"]["missing"]}
    assert why[RINSE]["reason"] == "contradicted" and "矛盾" in why[RINSE]["zh"]
    ok = _assessment(result, "OK")
    assert [i["value"] for i in ok["indicators"] if i["indicator"] == RINSE] == [45.0]


def test_a_bound_never_fills_in_a_missing_figure(result):
    assert RINSE not in {i["indicator"] for i in _assessment(result, "NONE")["indicators"]}


def test_a_bound_needs_a_target_and_a_known_kind(tmp_path):
    import shutil
    from pathlib import Path

    from cpkb.kb.compile import compile_kb
    from cpkb.kb.errors import SourceError

    kb = tmp_path / "kb"
    shutil.copytree(Path(__file__).parent / "data" / "v2_kb", kb)
    demo = kb / "sectors" / "demo.yaml"
    text = demo.read_text(encoding="utf-8")
    assert "\nderived:\n" in text
    demo.write_text(text.replace("\nderived:\n", "\nderived:\n  - id: odd-bound\n    label: {zh: 界限, en: bound}\n"
                                 "    definition: {zh: 测试。, en: test.}\n    sources: [{doc: demo-standard}]\n"
                                 "    bound: sideways\n    formula: a\n    inputs: {a: {value: 1}}\n    unit: percent\n", 1),
                    encoding="utf-8")
    with pytest.raises(SourceError) as err:
        compile_kb(kb)
    text = str(err.value)
    assert "odd-bound" in text and "`bound` is lower" in text


ZINC = "https://w3id.org/cpkb/id/electroplating/indicator/zn-utilisation"


def zinc_plant(eid: str, reported: float, anodes_t: float, unit: str = "t/a") -> dict:
    return ent(eid, {"镀种": "锌"}, output=100000,
               processes=[{"process": "镀锌", "techniques": ["钾盐镀锌"]}],
               materials=[{"material": "锌板", "value": anodes_t, "unit": unit},
                          {"material": "氯化锌", "value": 1.0, "unit": unit}],
               indicators=[{"indicator": "锌利用率", "value": reported, "unit": "%"}])


def test_the_zinc_balance_queries_a_utilisation_its_own_area_and_zinc_cannot_give():
    # by hand: 100,000 m² × 5 µm × 7,200 kg/m³ = 3,600 kg deposited at least; zinc bought 4 t + 1 t × 0.480 = 4.48 t,
    # so utilisation ≥ 80.4 %: 30 % is below half of it, 85 % is not; a bare "t" is a year's purchase
    result = run([zinc_plant("LOW", 30, 4), zinc_plant("FINE", 85, 4), zinc_plant("BARE", 30, 4, unit="t")])
    warned = {w["enterprise"]: w["message"] for w in result["warnings"] if w["message"].startswith("锌利用率：填报")}
    assert set(warned) == {"LOW", "BARE"}
    assert "推算至少为80.36 %" in warned["LOW"] and "购入锌量4.48 t/a" in warned["LOW"]
    assert "（取" in warned["LOW"] and "最薄镀锌层厚度5 μm" in warned["LOW"]   # constants are not the plant's figures
    assert "thickness" not in warned["LOW"].split(" / ")[0]                   # no input name on the Chinese side
    assert "超过100%" not in warned["LOW"]
    low = _assessment(result, "LOW")
    assert ZINC not in {i["indicator"] for i in low["indicators"]}
    assert [i["value"] for i in _assessment(result, "FINE")["indicators"] if i["indicator"] == ZINC] == [85.0]


@pytest.mark.parametrize("materials, says", [
    ("{materials: {no-such-material: 1}, unit: t-per-a}", "no-such-material"),
    ("{materials: {zinc-anode: 1.5}, unit: t-per-a}", "must be a number in (0, 1]"),
    ("{materials: {zinc-anode: 1}}", "a materials input is"),
    ("{materials: {zinc-anode: 1}, unit: t-per-a, shares: 2}", "unknown field(s) shares"),
])
def test_a_materials_input_is_checked_where_it_is_written(tmp_path, materials, says):
    import shutil
    from pathlib import Path

    from cpkb.kb.compile import compile_kb
    from cpkb.kb.errors import SourceError

    kb = tmp_path / "kb"
    shutil.copytree(Path(__file__).parent.parent / "kb", kb, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    ep = kb / "sectors" / "electroplating.yaml"
    text = ep.read_text(encoding="utf-8")
    start = text.index("      zinc_bought:\n")
    end = text.index("    unit: percent", start)
    ep.write_text(text[:start] + f"      zinc_bought: {materials}\n" + text[end:], encoding="utf-8")
    with pytest.raises(SourceError) as err:
        compile_kb(kb)
    assert "zn-utilisation-floor" in str(err.value) and says in str(err.value)


def test_two_lines_of_the_same_material_add_up_and_are_said():
    # 锌板 4 t + 锌锭 2,000 kg are both zinc anodes: 6 t, not the last line alone; a line in area cannot be added
    result = run([ent("A", {}, output=100000, materials=[
        {"material": "锌板", "value": 4, "unit": "t/a"}, {"material": "锌锭", "value": 2000, "unit": "kg/a"},
        {"material": "锌球", "value": 1, "unit": "万m2"}],
        indicators=[{"indicator": "锌利用率", "value": 20, "unit": "%"}])])
    said = [w["messages"]["zh"] for w in result["warnings"] if w.get("enterprise") == "A" and "同一种原料" in
            w.get("messages", {}).get("zh", "")]
    assert len(said) == 2 and "已相加" in said[0] and "只采用前一行" in said[1]
    balance = next(w["message"] for w in result["warnings"] if w["message"].startswith("锌利用率：填报"))
    assert "购入锌量6 t/a" in balance   # 3,600 kg ÷ 6 t = 60 % at least; 20 % is below half of it
