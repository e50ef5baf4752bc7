"""What audit teams really type in a survey's cells, read as a demanding user expects (issue 8 follow-up): blank
figures are silence, text values (未检出, <0.5, 约43亿kWh, 2.8万t/a, 2×5000t/d) keep their unit and multiplier,
ppm becomes mg/m³ where the molar mass is known, free-text choices with qualifiers match, the discharge route is
read from an emission's place, idle and other-sector records do not count in the prevalence, and consumptions
listed among the materials feed the formulas that need them. The blind surveys are used unchanged."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
import yaml

from diagnose_support import EXAMPLES, read

BLIND = Path(__file__).resolve().parent / "data" / "blind"


def _raw(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=None)
def blind(name: str):
    """A blind survey read as written: examples/NAME.yaml or tests/data/blind/NAME.yaml."""
    path = EXAMPLES / f"{name}.yaml"
    return read(_raw(path if path.exists() else BLIND / f"{name}.yaml"))


def survey(sector: str = "电镀", **enterprise) -> dict:
    return {"cpkb_survey": 1, "scope": {"sector": sector}, "enterprises": [{"id": "E1", **enterprise}]}


def _warned(found, place: str, word: str = "") -> list:
    return [w for w in found.warnings if w.place.startswith(place) and word in (w.message + (w.zh or ""))]


# ---------------------------------------------------------------------- 1. a blank figure is silence

@pytest.mark.parametrize("line", [
    {"emissions": [{"pollutant": "COD", "value": "", "unit": "mg/L"}]},
    {"emissions": [{"pollutant": "COD", "value": None, "unit": "mg/L"}]},
    {"indicators": [{"indicator": "镍利用率", "value": " "}]},
    {"output": {"product": "五金件", "value": ""}},
])
def test_a_blank_figure_is_warned_at_its_place_and_skipped(line):
    found = read(survey(**line))
    assert not found.problems, [str(p) for p in found.problems]
    (kind,) = line
    place = f"enterprises[0].{kind}" + ("" if kind == "output" else "[0]") + ".value"
    (warning,) = _warned(found, place, "silence")
    assert "未填数值" in warning.zh
    ent = found.enterprises[0]
    assert not ent.emissions and not ent.indicators and ent.output is None


def test_the_blind_packaging_survey_is_no_longer_refused_for_a_blank_ozone_figure():
    found = blind("packaging_printing_longgang_messy")
    assert not found.problems, [str(p) for p in found.problems]
    assert _warned(found, "enterprises[4].emissions[1].value", "silence")


# ---------------------------------------------------------------------- 2. text values teams write

@pytest.mark.parametrize("written, value, unit, note", [
    ("未检出", 0.0, None, "below"), ("ND", 0.0, None, "below"), ("N.D.(0.5 mg/L)", 0.5, "mg/L", "below"),
    ("<0.5", 0.5, None, "below"), ("＜0.5 mg/m3", 0.5, "mg/m3", "below"), ("未检出（<0.05）", 0.05, None, "below"),
    ("约43亿kWh", 43.0, "亿kWh", None), ("2.8万t/a", 2.8, "万t/a", None), ("1.9万", 19000.0, None, None),
    ("5.8亿", 5.8e8, None, None), ("2×5000t/d", 10000.0, "t/d", "count"), ("3 x 130 t/h", 390.0, "t/h", "count"),
])
def test_text_values_are_read_with_their_unit_multiplier_and_kind(written, value, unit, note):
    from cpkb.diagnostics.quantities import read_quantity

    found = read_quantity(written)
    assert (found.value, found.unit, found.note) == (pytest.approx(value), unit, note)


def test_a_figure_with_its_unit_in_the_cell_uses_that_unit_everywhere():
    from diagnose_support import knowledge

    found = read(survey(materials=[{"material": "锌板", "value": "2.8万t/a"}],
                        emissions=[{"pollutant": "COD", "value": "2.8万t/a"}], facts={"年清洗用水量": "2.8万m3/a"}))
    alone = read(survey(materials=[{"material": "锌板", "value": "1.9万", "unit": "t/a"}]))
    assert not found.problems and not alone.problems, [str(p) for p in found.problems + alone.problems]
    ent, units = found.enterprises[0], found.units
    amounts = [units.conversion(m["unit"], "t/a").apply(m["value"]) for e in (ent, alone.enterprises[0])
               for m in e.materials.values()]
    assert amounts == [pytest.approx(28000), pytest.approx(19000)]          # never 2.8 or 1.9
    (cod,) = ent.emissions
    assert units.conversion(cod["unit"], "t/a").apply(cod["value"]) == pytest.approx(28000)
    kb = knowledge()
    rinse = next(iri for iri, f in kb.facts.items() if f["key"] == "annual-rinse-water")
    assert ent.facts[rinse] == pytest.approx(28000)


def test_a_count_of_units_is_multiplied_and_warned():
    found = read(survey("水泥", facts={"生产线规模": "2×5000t/d"}))
    (warning,) = _warned(found, "enterprises[0].facts.生产线规模", "2 × 5000 = 10000")
    assert "2×5000=10000" in warning.zh


def test_below_the_detection_limit_is_read_as_such_and_compared_as_such():
    """<0.004 under a limit of 0.2 is met; <0.5 over it cannot be judged; 未检出 alone is below an unknown limit."""
    from cpkb.diagnostics.engine import diagnose

    from diagnose_support import real_store

    raw = survey(output={"product": "五金件", "value": 10, "unit": "万m2"},
                 emissions=[{"pollutant": "六价铬", "value": "<0.004", "unit": "mg/L", "process": "车间排口"},
                            {"pollutant": "总铬", "value": "<5", "unit": "mg/L", "process": "车间排口"},
                            {"pollutant": "总镍", "value": "未检出", "unit": "mg/L", "process": "车间排口"}])
    raw["scope"]["year"] = 2024
    found = read(raw)
    assert not found.problems, [str(p) for p in found.problems]
    assert [e.get("below_detection") for e in found.enterprises[0].emissions] == [True, True, True]
    assert [e["detection_limit"] for e in found.enterprises[0].emissions] == [0.004, 5, None]
    assert len(_warned(found, "enterprises[0].emissions", "detection limit")) == 3
    checks = {c["subject"].rsplit("/", 1)[-1]: c for s in diagnose(found, real_store())["compliance"]["sets"]
              for c in s["checks"]}
    assert checks["cr6"]["below_detection"] and not checks["cr6"]["exceeded"] and "undetermined" not in checks["cr6"]
    assert not checks["cr-total"]["exceeded"] and "检出限" in checks["cr-total"]["undetermined"]["zh"]
    assert not checks["ni"]["exceeded"]


# ---------------------------------------------------------------------- 3. ppm for a gas

def test_ppm_of_a_gas_with_a_known_molar_mass_becomes_mg_per_m3_and_is_warned():
    found = read(survey(emissions=[{"pollutant": "NOx", "value": 210, "unit": "ppm", "o2_ref_pct": 10},
                                   {"pollutant": "SO2", "value": "35ppm"}]))
    assert not found.problems, [str(p) for p in found.problems]
    nox, so2 = found.enterprises[0].emissions
    assert (nox["unit"], nox["value"]) == ("mg/m3", pytest.approx(210 * 46.01 / 22.4))
    assert (so2["unit"], so2["value"]) == ("mg/m3", pytest.approx(35 * 64.06 / 22.4))
    (warning,) = _warned(found, "enterprises[0].emissions[0].unit", "22.4")
    assert "NO2" in warning.message and "mg/m³" in warning.zh


def test_ppm_of_a_mixture_is_kept_and_said_not_compared():
    found = read(survey(emissions=[{"pollutant": "VOCs", "value": 80, "unit": "ppm"}]))
    assert not found.problems
    (em,) = found.enterprises[0].emissions
    assert em["unit"] == "ppm"
    (warning,) = _warned(found, "enterprises[0].emissions[0].unit", "not compared")
    assert "摩尔质量" in warning.zh


# ---------------------------------------------------------------------- 4. free-text choices with qualifiers

@pytest.mark.parametrize("written, choice", [
    ("间接排放（纳管，园区污水处理厂，协议限值COD 500 mg/L、SS 400 mg/L）", "indirect"),
    ("直排岷江（有排污口论证）", "direct"), ("厂内处理后直排（岷江），在线监测已联网", "direct"),
])
def test_a_choice_written_with_qualifiers_is_matched_and_warned(written, choice):
    from cpkb.diagnostics.choices import match_choice
    from cpkb.diagnostics.knowledge import normalise

    names = {normalise(n): c for n, c in (("直接排放", "direct"), ("直排", "direct"), ("间接排放", "indirect"),
                                          ("纳管", "indirect"))}
    assert match_choice(written, names).choices == (choice,)
    assert match_choice("釜式蒸馏（间歇）", {normalise("釜式蒸馏"): "batch", normalise("连续精馏"): "cont"}).choices \
        == ("batch",)
    assert match_choice("未纳管", names) is None          # a negated answer is not the answer


def test_the_blind_papermaking_survey_reads_its_discharge_routes_with_qualifiers():
    found = blind("papermaking_leshan_messy")
    kb = found.knowledge
    route = next(iri for iri, f in kb.facts.items() if f["key"] == "discharge-route"
                 and kb.sector_of.get(iri, "").endswith("/papermaking"))
    ents = {e.id: e for e in found.enterprises}
    assert ents["E12"].facts[route] == ("indirect",) and ents["E01"].facts[route] == ("direct",)
    (warning,) = _warned(found, "enterprises[11].facts.排放去向", "read as the answer")
    assert "间接排放" in warning.zh


# ---------------------------------------------------------------------- 5. discharge route from an emission's place

def test_the_discharge_route_written_where_a_figure_was_measured_answers_the_route_facts():
    kb_facts = {}
    direct = read(survey("印染", emissions=[{"pollutant": "COD", "value": 60, "unit": "mg/L", "process": "直排口（太浦河）"}]))
    indirect = read(survey("印染", emissions=[{"pollutant": "COD", "value": 300, "unit": "mg/L",
                                               "process": "总排口（间接排放至园区污水厂）"}]))
    air = read(survey("印染", emissions=[{"pollutant": "颗粒物", "value": 20, "unit": "mg/m3", "process": "定型机直排"}]))
    kb = direct.knowledge
    for key in ("discharge-route", "discharges-to-sewer"):
        kb_facts[key] = next(iri for iri, f in kb.facts.items() if f["key"] == key
                             and kb.sector_of.get(iri, "").endswith("/printing-dyeing"))
    assert not direct.problems and not indirect.problems
    assert direct.enterprises[0].facts[kb_facts["discharge-route"]] == ("direct",)
    assert direct.enterprises[0].facts[kb_facts["discharges-to-sewer"]] is False
    assert direct.enterprises[0].emissions[0]["point"] == "total-outlet"
    assert indirect.enterprises[0].facts[kb_facts["discharge-route"]] == ("other-indirect",)
    assert indirect.enterprises[0].facts[kb_facts["discharges-to-sewer"]] is True
    assert _warned(indirect, "enterprises[0].emissions[0].process", "read as the answer")
    assert not set(kb_facts.values()) & set(air.enterprises[0].facts)     # 直排 of exhaust is no discharge route


def test_an_enterprise_answer_wins_over_the_route_read_from_a_place():
    found = read(survey("印染", emissions=[{"pollutant": "COD", "value": 60, "unit": "mg/L", "process": "直排口"}],
                        facts={"废水排放去向": "纳管"}))
    kb = found.knowledge
    route, sewer = (next(iri for iri, f in kb.facts.items() if f["key"] == key
                         and kb.sector_of.get(iri, "").endswith("/printing-dyeing"))
                    for key in ("discharge-route", "discharges-to-sewer"))
    # 纳管 says indirect but not which plant (municipal: the direct limits; park dyeing plant; other): the sewer
    # question is answered, the route's choice is not guessed, and the outlet's 直排 does not override the answer
    assert found.enterprises[0].facts[sewer] is True
    assert route not in found.enterprises[0].facts
    assert _warned(found, "enterprises[0].facts.废水排放去向", "several such answers")


def test_the_blind_chemical_api_survey_answers_its_discharge_route_from_the_sewer_outlets():
    found = blind("chemical_api_linhai_messy")
    kb = found.knowledge
    route = next(iri for iri, f in kb.facts.items() if f["key"] == "discharge-route"
                 and kb.sector_of.get(iri, "").endswith("/chemical-api"))
    answered = {e.id for e in found.enterprises if e.facts.get(route) == ("indirect",)}
    assert len(answered) >= 6


# ---------------------------------------------------------------------- 6. idle and other-sector records

SET_APART = {"energy": {"E08": "idle", "E13": "other_sector"}, "coking": {"K06": "idle", "K07": "other_sector"},
             "nonferrous": {"N09": "idle", "N10": "other_sector"}, "petrochemical": {"P06": "idle"},
             "packaging_printing_longgang_messy": {"E11": "idle"}}


@pytest.mark.parametrize("name", sorted(SET_APART))
def test_idle_and_other_sector_records_of_the_blind_surveys_are_set_apart_and_warned(name):
    found = blind(name)
    apart = {e.id: sorted(e.set_apart) for e in found.enterprises if e.set_apart}
    for ident, reason in SET_APART[name].items():
        assert reason in apart.get(ident, []), (ident, apart)
        assert any(w.enterprise == ident and "not counted" in w.message and "不计入" in w.zh for w in found.warnings)


def test_set_apart_records_do_not_count_in_prevalence_or_key_issues():
    from cpkb.diagnostics.engine import diagnose

    from diagnose_support import real_store

    found = blind("packaging_printing_longgang_messy")
    result = diagnose(found, real_store())
    apart = {e.id for e in found.enterprises if e.set_apart}
    counted = len(found.enterprises) - len(apart)
    assert apart == {"E11"}
    for issue in result["key_issues"] + result["other_findings"]:
        assert issue["prevalence"]["enterprises"] == pytest.approx(issue.get("counted", issue["count"]) / counted,
                                                                   abs=1e-4)
        assert issue.get("not_counted", []) == sorted(set(issue.get("not_counted", [])) & apart)
        if issue["key_issue"]:
            assert not (set(issue["enterprises"]) & apart) - set(issue["veto_enterprises"])


# ---------------------------------------------------------------------- 7. consumptions listed among the materials

def test_consumptions_listed_among_materials_feed_the_formulas_that_need_them():
    from cpkb.diagnostics.engine import diagnose

    from diagnose_support import real_store

    found = read(survey("造纸", output={"product": "瓦楞原纸", "value": 10, "unit": "万t"},
                        materials=[{"material": "外购电", "value": 3000, "unit": "万kWh"},
                                   {"material": "新鲜水（地表水）", "value": "120万m3/a"},
                                   {"material": "蒸汽（园区集中供汽）", "value": 20, "unit": "万t/a"}]))
    assert not found.problems, [str(p) for p in found.problems]
    kb = found.knowledge
    facts = {kb.facts[iri]["key"]: v for iri, v in found.enterprises[0].facts.items()}
    assert facts["annual-electricity"] == pytest.approx(3e7)
    assert facts["annual-fresh-water"] == pytest.approx(1.2e6)
    assert facts["annual-steam-use"] == pytest.approx(2e5)
    assert len(_warned(found, "enterprises[0].materials", "for the formulas")) == 3
    derived = {d["target"].rsplit("/", 1)[-1]: d["value"] for d in diagnose(found, real_store())["derived_values"]}
    assert derived["power-per-t"] == pytest.approx(300) and derived["water-intake"] == pytest.approx(12)


def test_a_team_answer_is_never_replaced_and_raw_materials_are_not_consumptions():
    found = read(survey("造纸", materials=[{"material": "电", "value": 3000, "unit": "万kWh"}],
                        facts={"年用电量": "2500万kWh"}))
    kb = found.knowledge
    facts = {kb.facts[iri]["key"]: v for iri, v in found.enterprises[0].facts.items()}
    assert facts["annual-electricity"] == pytest.approx(2.5e7)
    coating = read(survey("工业涂装", materials=[{"material": "水性漆", "value": 210, "unit": "t/a"}]))
    assert not coating.enterprises[0].facts


# ---------------------------------------------------------------------- every blind survey gets in

@pytest.mark.parametrize("name", ["energy", "coking", "nonferrous", "petrochemical", "packaging_printing_longgang_messy",
                                  "agri_food_suihua_messy", "cement_chizhou_messy", "chemical_api_linhai_messy",
                                  "electroplating_county_messy", "industrial_coating_yongkang_messy",
                                  "papermaking_leshan_messy", "printing_dyeing_wujiang_messy", "steel_wuan_messy"])
def test_every_blind_survey_reads_without_an_error(name):
    found = blind(name)
    assert not found.problems, [str(p) for p in found.problems]
    assert all(w.zh and w.message for w in found.warnings)


def test_the_readers_and_the_template_do_not_import_one_another_in_a_cycle():
    """survey.py → workbook.py → template.py, each only one way; the tables they share are in survey_format.py."""
    import ast

    folder = Path(__file__).resolve().parent.parent / "diagnostics"
    modules = ("survey", "workbook", "template", "survey_format")
    edges = {}
    for name in modules:
        tree = ast.parse((folder / f"{name}.py").read_text(encoding="utf-8"))
        edges[name] = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level == 1
                       and node.module in modules}
    assert edges["survey_format"] == set() and "workbook" not in edges["template"] | edges["survey_format"]
    assert "survey" not in edges["workbook"] | edges["template"]


def test_a_note_in_brackets_after_the_unit_is_not_part_of_the_unit():
    """The 临海 team wrote 2400 t（财务采购台账：二氯甲烷980+甲醇720+丙酮700）: 2400 t, the bracket is their note."""
    from cpkb.diagnostics.quantities import read_quantity

    found = read_quantity("2400 t（财务采购台账：二氯甲烷980+甲醇720+丙酮700）")
    assert (found.value, found.unit) == (2400.0, "t")
    assert read_quantity("35 mg/m3（折算）").unit == "mg/m3"
    assert read_quantity("未检出（<0.5）").detection_limit == 0.5


# ---------------------------------------------------------------------- 8. count and size inside equipment names

def _processes(sector: str, *techniques: str, facts: dict | None = None):
    found = read(survey(sector, processes=[{"process": "锅炉" if sector == "能源" else "炼焦",
                                            "techniques": list(techniques)}], facts=facts or {}))
    assert not found.problems, [str(p) for p in found.problems]
    kb = found.knowledge
    ent = found.enterprises[0]
    return found, {kb.label(t)["zh"] for t in ent.techniques}, {kb.facts[i]["key"]: v for i, v in ent.facts.items()}


@pytest.mark.parametrize("written, remainder", [
    ("3×130t/h循环流化床锅炉", "循环流化床锅炉"), ("2×42孔捣固焦炉", "捣固焦炉"), ("B12MW背压机", "背压机"),
    ("4.3m顶装焦炉", "顶装焦炉"), ("2×600MW超临界机组", "超临界机组"), ("Φ2.6×13m球磨×2（开路）", "球磨(开路)"),
    ("燃煤有机热载体炉2.8MW", "燃煤有机热载体炉"), ("360m2烧结机×2", "烧结机"),
])
def test_the_count_and_size_of_units_are_read_off_an_equipment_name(written, remainder):
    from cpkb.diagnostics.sized_names import sized_name

    assert sized_name(written).name == remainder
    assert sized_name("1760圆网多缸纸机").name == "1760圆网多缸纸机"      # a bare number is part of the name
    assert not sized_name("130t/h").read and not sized_name("每小时35蒸吨以下燃煤锅炉").read


def test_equipment_written_with_count_and_size_resolves_and_fills_the_size_facts():
    found, techniques, facts = _processes("能源", "3×130t/h循环流化床锅炉", "1×75t/h循环流化床锅炉", "2×600MW超临界机组",
                                          "3×58MW链条热水锅炉")
    assert {"循环流化床锅炉", "超临界机组", "链条炉排锅炉"} <= techniques
    assert facts["boiler-capacity"] == 75            # the smallest boiler written, as the fact asks
    assert facts["unit-capacity"] == 600             # 58 MW of a hot-water boiler is no generating unit's size
    (read_as,) = _warned(found, "enterprises[0].processes[0].techniques[0]", "read as")
    assert "3 台" in read_as.zh and "130 t/h" in read_as.zh
    (kept,) = _warned(found, "enterprises[0].processes[0].techniques[3]", "kept with the record")
    assert "58 MW" in kept.zh                         # never lost silently
    _, techniques, facts = _processes("焦化", "2×42孔4.3m顶装焦炉（JN43-80）")
    assert techniques == {"顶装煤"} and facts["coke-chamber-height"] == pytest.approx(4.3)


def test_the_enterprise_own_answer_wins_over_a_size_read_off_a_name():
    found, _, facts = _processes("能源", "3×130t/h循环流化床锅炉", facts={"锅炉额定蒸发量": 35})
    assert facts["boiler-capacity"] == 35
    assert _warned(found, "enterprises[0].processes[0].techniques[0]", "is not used for it")


# ---------------------------------------------------------------------- 9. names joined with + ＋ /

def test_each_part_of_a_joined_name_resolves_and_an_unknown_part_warns():
    found, techniques, _ = _processes("能源", "SCR＋湿法脱硫", "布袋+湿电", "低氮燃烧/某某新工艺")
    assert {"选择性催化还原（SCR）", "石灰石-石膏湿法脱硫", "袋式除尘器", "湿式电除尘器"} <= techniques
    (warning,) = _warned(found, "enterprises[0].processes[0].techniques[2]", "read as 2 techniques")
    assert "某某新工艺" in warning.zh
    assert any(row["name"] == "某某新工艺" for row in found.unresolved)
    _, techniques, _ = _processes("包装印刷", "RTO/RCO")
    assert {"蓄热式热力氧化（RTO）", "催化燃烧（CO/RCO）"} <= techniques
    from cpkb.diagnostics.sized_names import joined_parts

    assert joined_parts("2.8万t/a") == ["2.8万t/a"] and joined_parts("130t/h锅炉") == ["130t/h锅炉"]


# ---------------------------------------------------------------------- 10. a figure at a place no limit knows

def _compliance(raw: dict):
    from cpkb.diagnostics.engine import diagnose

    from diagnose_support import real_store

    raw["scope"]["year"] = 2024
    found = read(raw)
    assert not found.problems, [str(p) for p in found.problems]
    return found, diagnose(found, real_store())["compliance"]["sets"]


def test_a_figure_at_an_unknown_place_is_judged_against_no_limit_and_said_so():
    found, sets = _compliance(survey("焦化", emissions=[
        {"pollutant": "NOx", "value": 265, "unit": "mg/m3", "process": "尾气锅炉烟气（某某自备）"},
        {"pollutant": "NOx", "value": 900, "unit": "mg/m3", "point": "排气筒"}]))
    assert found.enterprises[0].emissions[0]["place_unknown"] == "尾气锅炉烟气（某某自备）"
    measured = {c["measured"] for s in sets for c in s["checks"]}
    assert 265 not in measured and 900 in measured       # the stack figure is still judged
    unplaced = [u for s in sets for u in s["place_unknown"]]
    assert unplaced and {u["measured"] for u in unplaced} == {265}
    assert unplaced[0]["why"]["zh"].startswith("排放位置“尾气锅炉烟气（某某自备）”未知") and "not judged" in unplaced[0]["why"]["en"]
    per_set = [len(s["place_unknown"]) for s in sets if s["place_unknown"]]
    assert max(per_set) == 1                              # said once per figure and set, not once per limit


# ---------------------------------------------------------------------- 11. the in-plant monitoring point

@pytest.mark.parametrize("place", ["厂区内无组织（车间外1m，1h均值）", "车间门外（厂区内监控点）", "厂内监控点"])
def test_the_in_plant_point_is_its_own_place_and_meets_the_gb37822_annex_limit(place):
    found, sets = _compliance(survey("包装印刷", emissions=[{"pollutant": "非甲烷总烃", "value": 15.3, "unit": "mg/m3",
                                                             "process": place}]))
    (em,) = found.enterprises[0].emissions
    assert em["point"] == "in-plant" and "place_unknown" not in em
    checks = [c for s in sets for c in s["checks"]]
    assert checks and all(c["point"] == "in-plant" for c in checks)    # never a stack or boundary limit
    assert any(c["exceeded"] and c["limit_value"] == 10 and c["document"].endswith("gb-37822-2019") for c in checks)
    boundary = read(survey("包装印刷", emissions=[{"pollutant": "非甲烷总烃", "value": 2, "unit": "mg/m3",
                                                  "process": "厂界下风向"}])).enterprises[0].emissions[0]
    assert boundary["point"] == "boundary"


# ---------------------------------------------------------------------- 12. combined pollutants

def test_combined_pollutants_resolve_to_what_the_standards_use_and_benzene_series_is_its_own():
    from cpkb.diagnostics.names import matcher_for

    from diagnose_support import knowledge

    kb = knowledge()
    matcher = matcher_for(kb)
    key = lambda name: (matcher.resolve("pollutant", name) or "").rsplit("/", 1)[-1]  # noqa: E731
    assert key("苯系物") == "benzene-series" and key("苯") == "benzene"       # never silently benzene
    assert key("总烃") == "thc" and key("非甲烷总烃") == "nmhc" and key("VOCs") == "vocs"
    found, sets = _compliance(survey("包装印刷", emissions=[
        {"pollutant": "VOCs", "value": 95, "unit": "mg/m3", "point": "排气筒"},
        {"pollutant": "苯系物", "value": 44, "unit": "mg/m3", "point": "排气筒"},
        {"pollutant": "VOCs", "value": 86, "unit": "t/a"}]))
    checks = [c for s in sets for c in s["checks"]]
    as_nmhc = [c for c in checks if c["subject"].endswith("/nmhc") and c["measured"] == 95]
    assert as_nmhc and all("以非甲烷总烃计" in c["measured_as"]["zh"] for c in as_nmhc)
    assert not [c for c in checks if c["measured"] == 44]      # no limit of 苯系物 was read: never benzene's
    assert not [c for c in checks if c["measured"] == 86]      # a load is no concentration


# ---------------------------------------------------------------------- 13. g/kWh: coal equivalent or pollutant

def test_g_per_kwh_is_read_by_the_indicator_or_column_it_belongs_to_and_warned_where_nothing_tells():
    found = read(survey("能源", indicators=[{"indicator": "供电标煤耗", "value": 312, "unit": "g/kWh"},
                                             {"indicator": "单位发电量二氧化硫排放量", "value": 0.12, "unit": "g/kWh"}],
                        emissions=[{"pollutant": "SO2", "value": 0.12, "unit": "g/kWh"}],
                        materials=[{"material": "燃煤", "value": 300, "unit": "g/kWh"}]))
    assert not found.problems, [str(p) for p in found.problems]
    ent = found.enterprises[0]
    assert sorted(v[0][0] for v in ent.indicators.values()) == [pytest.approx(0.12), pytest.approx(312)]
    assert _warned(found, "enterprises[0].indicators[0].unit", "read as gce/kWh")
    assert _warned(found, "enterprises[0].indicators[1].unit", "read as g污染物/kWh")
    (em,) = ent.emissions
    assert em["unit"] == "g污染物/kWh"
    (warning,) = _warned(found, "enterprises[0].materials[0].unit", "nothing here tells")
    assert "无从判断" in warning.zh


# ---------------------------------------------------------------------- 14. molar masses are knowledge

def test_molar_masses_are_read_from_the_knowledge_base_with_their_source():
    from rdflib import URIRef

    from cpkb.diagnostics.concentration import molar_mass
    from cpkb.kb.namespaces import CPKB

    from diagnose_support import knowledge

    kb = knowledge()
    nox = next(i for i in kb.kinds if i.endswith("/pollutant/nox"))
    assert molar_mass(kb, nox) == (pytest.approx(46.01), "NO2")
    assert molar_mass(kb, next(i for i in kb.kinds if i.endswith("/pollutant/vocs"))) is None
    assert float(kb.graph.value(URIRef(nox), CPKB.molarMass)) == pytest.approx(46.01)   # compiled into the store
    assert not (Path(__file__).resolve().parent.parent / "diagnostics" / "molar_masses.json").exists()


# ---------------------------------------------------------------------- 15. the VOCs-ledger fact by its other names

@pytest.mark.parametrize("key", ["has_solvent_ledger", "溶剂台账", "溶剂台账/VOCs台账", "VOCs台账"])
def test_the_solvent_ledger_names_answer_the_vocs_ledger_fact(key):
    found = read(survey("包装印刷", facts={key: "否"}))
    kb = found.knowledge
    assert {kb.facts[i]["key"]: v for i, v in found.enterprises[0].facts.items()}.get("has-vocs-ledger") is False
    assert not any(row["name"] == key for row in found.unresolved)
