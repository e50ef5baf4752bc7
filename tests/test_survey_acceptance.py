"""Surveys as audit teams write them (issue 8): places as regions, per-year units, percent, name maps, one pass."""

from __future__ import annotations

import pytest

from cpkb.diagnostics.engine import diagnose
from cpkb.diagnostics.survey import SurveyError

from diagnose_support import knowledge, read, real_store


def survey(scope: dict | None = None, **enterprise) -> dict:
    return {"cpkb_survey": 1, "scope": {"sector": "电镀", **(scope or {})},
            "enterprises": [{"id": "E1", "processes": [{"process": "水洗", "techniques": ["单槽清洗"]}], **enterprise}]}


@pytest.mark.parametrize("written, region, basin", [
    ("浙江省嘉兴市", "yrd", None), ("嘉善县", "yrd", None), ("邯郸", "jjj", None), ("苏州市", "yrd", "yangtze"),
    ("西安市", "fenwei", "yellow-river"), ("深圳市宝安区", "prd", None), ("成都", "chengyu", "yangtze"),
])
def test_a_city_or_county_as_region_resolves_to_its_key_region_and_basin_and_says_so(written, region, basin):
    found = read(survey({"region": written}))
    assert not found.problems
    assert (found.scope.get("region") or "").endswith(f"/{region}")
    assert (found.scope.get("basin") or "").endswith(f"/{basin}") if basin else "basin" not in found.scope
    assert found.scope["place"]["written"] == written
    said = [w for w in found.warnings if w.place == "scope.region"]
    # the English note names the file; the Chinese one names the knowledge base, never a repository path
    assert said and "regions.yaml" in said[0].message
    assert "知识库" in said[0].zh and "regions.yaml" not in said[0].zh


def test_a_place_outside_every_key_region_is_kept_as_written():
    found = read(survey({"region": "黑龙江省哈尔滨市"}))
    assert not found.problems and "region" not in found.scope
    assert found.scope["region_written"] == "黑龙江省哈尔滨市"


@pytest.mark.parametrize("scope, region, basin", [
    ({"region": "黄河流域"}, None, "yellow-river"), ({"basin": "京津冀"}, "jjj", None),
    ({"region": "黄河流域", "basin": "黄河"}, None, "yellow-river"),
    ({"region": "黄河流域", "basin": "京津冀"}, "jjj", "yellow-river"),      # the two fields swapped
])
def test_a_basin_written_as_the_region_or_the_reverse_is_read_as_what_it_is_and_says_so(scope, region, basin):
    found = read(survey(scope))
    assert not found.problems
    assert (found.scope.get("region") or "").endswith(f"/{region}") if region else "region" not in found.scope
    assert (found.scope.get("basin") or "").endswith(f"/{basin}") if basin else "basin" not in found.scope
    crossed = [k for k, v in scope.items() if v in ("黄河流域", "京津冀")]
    for key in crossed:
        (said,) = [w for w in found.warnings if w.place == f"scope.{key}"]
        assert "已按" in said.zh and not any(c.isascii() and c.isalpha() for c in said.zh)


def test_a_basin_written_as_the_region_yields_to_a_different_basin_field():
    found = read(survey({"region": "黄河流域", "basin": "长江流域"}))
    assert found.scope["basin"].endswith("/yangtze") and found.scope["region_written"] == "黄河流域"
    (said,) = [w for w in found.warnings if w.place == "scope.region"]
    assert "按原文保留" in said.zh


@pytest.mark.parametrize("unit, value, expected", [("m2/a", 120000, 120000), ("万m2", 12, 120000),
                                                   ("万m2/年", 12, 120000), ("万平方米/a", 12, 120000)])
def test_per_year_output_units_are_understood_and_echoed(unit, value, expected):
    found = read(survey(output={"product": "汽车五金件（挂镀锌）", "value": value, "unit": unit}))
    assert not found.problems, found.problems
    assert found.enterprises[0].output == pytest.approx(expected)
    assert found.enterprises[0].products == ["汽车五金件（挂镀锌）"]      # free text, no warning
    assert not [w for w in found.warnings if "product" in w.place]
    (understood,) = found.units_understood
    assert understood["written"] == unit and understood["places"] == ["enterprises[0].output.unit"]


@pytest.mark.parametrize("unit, value, expected", [("升/平米", 34, 34), ("升每平方米", 34, 34), ("立方米/万平米", 0.5, 0.05)])
def test_a_ratio_of_named_units_is_read_side_by_side(unit, value, expected):
    found = read(survey(indicators=[{"indicator": "单位产品每次清洗取水量", "value": value, "unit": unit}]))
    assert not found.problems, [p.as_dict() for p in found.problems]
    ((number, _),) = next(iter(found.enterprises[0].indicators.values()))
    assert number == pytest.approx(expected)


def test_suggestions_for_an_unknown_indicator_take_its_unit():
    # kWh/m² of electricity per area is no water per rinse (L/m²), however alike the names look
    found = read(survey(indicators=[{"indicator": "单位面积耗电", "value": 12, "unit": "kWh/m2"}]))
    rows = {r["name"]: r for r in found.unresolved}
    water = "https://w3id.org/cpkb/id/electroplating/indicator/rinse-water-per-rinse"
    assert water not in {s["iri"] for s in rows["单位面积耗电"]["suggestions"]}
    assert rows["单位面积耗电"]["enterprise_ids"] == ["E1"]


def test_a_unit_of_the_wrong_dimension_is_still_an_error():
    found = read(survey(indicators=[{"indicator": "单位产品每次清洗取水量", "value": 20, "unit": "kWh/m2"}]))
    assert [p.place for p in found.problems] == ["enterprises[0].indicators[0].unit"]
    assert found.problems[0].zh and "kWh/m2" in found.problems[0].zh


def test_output_in_another_measure_is_kept_uncounted_with_a_warning():
    found = read(survey(output={"product": "热浸镀锌钢构件", "value": 1.2, "unit": "万t/a"}))
    assert not found.problems
    assert found.enterprises[0].output is None
    assert found.enterprises[0].output_written == [{"value": 1.2, "unit": "万t/a"}]
    assert any(w.place == "enterprises[0].output.unit" and "not counted" in w.message for w in found.warnings)


@pytest.mark.parametrize("value", ["9%", "9 %", 9, "9"])
def test_percent_written_any_way_reads_as_nine_per_cent(value):
    found = read(survey(indicators=[{"indicator": "镍利用率", "value": value}]))
    assert not found.problems
    ((number, _),) = next(iter(found.enterprises[0].indicators.values()))
    assert number == 9


def test_a_fraction_where_per_cent_is_expected_is_a_warning_naming_both_readings():
    found = read(survey(indicators=[{"indicator": "镍利用率", "value": 0.09, "unit": "%"}]))
    (warning,) = [w for w in found.warnings if w.place == "enterprises[0].indicators[0].value" and "fraction" in w.message]
    assert "0.09 %" in warning.message and "9 %" in warning.message
    assert "0.09%" in warning.zh and "9%" in warning.zh


def test_yes_no_answers_in_chinese_and_answers_not_understood_are_warnings():
    kb = knowledge()
    yes, odd = sorted(f["key"] for iri, f in kb.facts.items() if f["datatype"] == "boolean"
                      and kb.sector_of.get(iri, "/electroplating").endswith("/electroplating"))[:2]
    found = read(survey(facts={yes: "已设置", odd: "部分"}))
    assert not found.problems
    answers = {kb.facts[iri]["key"]: value for iri, value in found.enterprises[0].facts.items()}
    assert answers[yes] is True and odd not in answers
    assert any(w.place == f"enterprises[0].facts.{odd}" and "是/否" in w.zh for w in found.warnings)


def test_every_problem_in_one_pass_and_fatal_ones_refuse():
    raw = survey({"sector": "电渡", "year": "去年"}, output={"value": -1})
    with pytest.raises(SurveyError) as exc:
        read(raw)
    places = {p.place for p in exc.value.problems}
    assert {"scope.sector", "scope.year", "enterprises[0].output.value"} <= places
    assert next(p for p in exc.value.problems if p.place == "scope.sector").fatal


def test_a_name_map_resolves_a_name_once_for_the_whole_survey_and_ignore_leaves_it_out():
    raw = survey(processes=[{"process": "水洗", "techniques": ["倒流三道洗", "某某专利清洗"]}])
    first = read(raw)
    assert {r["name"] for r in first.unresolved} == {"倒流三道洗", "某某专利清洗"}
    raw["names"] = {"倒流三道洗": "多级逆流漂洗", "某某专利清洗": "忽略"}
    second = read(raw)
    assert not second.unresolved
    assert any(t.endswith("countercurrent-rinse-tech") for t in second.enterprises[0].techniques)
    applied = {a["name"]: a["as"] for a in second.names_applied}
    assert applied["某某专利清洗"] is None and applied["倒流三道洗"].endswith("countercurrent-rinse-tech")


def test_rules_that_need_a_name_kept_as_written_are_not_evaluated():
    raw = survey(processes=[{"process": "水洗", "techniques": ["某某专利清洗"]}])
    result = diagnose(read(raw), real_store())
    fired = {e["rule"] for i in result["key_issues"] + result["other_findings"] for e in i["evidence"]}
    not_evaluated = {r["rule"] for r in result["rules_not_evaluated"]}
    assert not_evaluated and not (fired & not_evaluated)
    assert result["unresolved"][0]["name"] == "某某专利清洗"


def test_opposite_qualifiers_are_never_offered_for_each_other_and_counts_do_not_hide_a_technique():
    """间歇/连续, 干熄/湿熄, 水性/溶剂型, 密闭/敞开 and 无碱回收/碱回收 exclude each other; "×2" or "3台" after equipment
    is a count, not another technique, while a size stays (it decides whether a unit is eliminated)."""
    from cpkb.diagnostics.names import opposed, variants

    for a, b in (("间歇蒸煮", "连续蒸煮或置换蒸煮"), ("干熄焦", "湿法熄焦"), ("水性油墨", "溶剂型油墨"),
                 ("封闭汽罩", "敞开式干燥部"), ("碱回收炉", "无碱回收"), ("无元素氯漂白", "含氯漂白（氯气或次氯酸盐）")):
        assert opposed(a, b) and opposed(b, a), (a, b)
    for a, b in (("连续蒸煮", "连续蒸煮或置换蒸煮"), ("干法熄焦", "干熄焦"), ("碱回收", "碱回收炉燃烧回收")):
        assert not opposed(a, b), (a, b)
    assert "烧结机" in variants("烧结机3台") and "转炉" in variants("转炉×2")
    assert all("360" in v for v in variants("360m2烧结机")[:1])
