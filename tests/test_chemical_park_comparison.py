"""A chemical park's co-audit survey as its consultancy wrote it (examples/chemical_park_huaihai.yaml, read
unchanged), against the findings the team wrote by hand before any tool run (….expected.yaml; comparison in
….comparison.md). Every quantity below is recomputed from the survey's own figures; every refusal is checked with
its reason, so that a change in reading (units, codes, permits, idle plants) or in matching shows here."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from cpkb.diagnostics.engine import diagnose

from diagnose_support import EXAMPLES, read, real_store

SCHEMA = json.loads((Path(__file__).resolve().parent.parent / "diagnostics" / "result.schema.json").read_text("utf-8"))
RAW = yaml.safe_load((EXAMPLES / "chemical_park_huaihai.yaml").read_text(encoding="utf-8"))
CODE = "https://w3id.org/cpkb/id/quality/hazardous-waste-code"
GRADE = "https://w3id.org/cpkb/id/quality/product-grade"


def ent(raw: dict, ident: str) -> dict:
    return next(e for e in raw["enterprises"] if e["id"] == ident)


@pytest.fixture(scope="module")
def survey():
    return read(copy.deepcopy(RAW))


@pytest.fixture(scope="module")
def park(survey) -> dict:
    assert not survey.problems, [p.as_dict() for p in survey.problems]
    return diagnose(survey, real_store(), {})


def pairs(result: dict, kind: str) -> dict[tuple[str, str, str], dict]:
    return {(m["from"], m["to"], m["offer"].rsplit("/", 1)[1]): m for m in result["symbiosis"][kind]}


def every_pair(result: dict) -> dict:
    return {**pairs(result, "matches"), **pairs(result, "conditional"), **pairs(result, "refused")}


def test_the_survey_is_read_as_written_units_codes_and_grades(survey):
    assert not survey.problems
    by_id = {e.id: e for e in survey.enterprises}
    heat = next(s for s in by_id["E01"].streams if s["unit"] == "万GJ/a")     # 95万GJ/a of condenser heat
    assert survey.units.conversion(heat["unit"], "GJ / year").apply(heat["value"]) == pytest.approx(950000)
    acid = next(s for s in by_id["E05"].streams if s["resource"].endswith("spent-sulfuric-acid"))
    assert acid["qualities"][CODE] == ("HW34 900-349-34", None)
    solvent = next(s for s in by_id["E14"].streams if s["direction"] == "out")   # written in lower case: hw06 …
    assert solvent["qualities"][CODE] == ("HW06 900-402-06", None)
    slag = next(s for s in by_id["E09"].streams if s["resource"].endswith("bf-slag"))   # 矿渣粉 (GB/T 18046)
    assert slag["qualities"][GRADE] == ("S95", None)   # a grade, not refused as a number


def test_a_malformed_code_names_its_place_and_the_format():
    raw = copy.deepcopy(RAW)
    ent(raw, "E02")["streams"][1]["properties"][4]["value"] = "HW34 261-058-06"
    problems = read(raw).problems
    assert [p.place for p in problems] == ["enterprises[1].streams[1].properties[4].value"]
    assert "末两位为06，与类别HW34不一致" in problems[0].zh and "HWnn" in problems[0].zh


def test_site_permit_and_status_keys(survey):
    by_id = {e.id: e for e in survey.enterprises}
    fact = "https://w3id.org/cpkb/id/fact/"
    assert (by_id["E01"].facts[fact + "latitude"], by_id["E01"].facts[fact + "longitude"]) == (34.5, 119.3)
    assert fact + "latitude" not in by_id["E04"].facts            # no coordinates taken: none invented
    assert by_id["E04"].hw_permit["scope"] == {"HW06": frozenset({"900-402-06", "900-404-06"})}
    assert by_id["E07"].hw_permit["number"] == "JSLYG0723OOD021"
    assert by_id["E02"].facts[fact + "hw-receipt-basis"] == ("none",)      # hw_permit_no: 无
    assert "idle" in by_id["E13"].set_apart and "idle" not in by_id["E12"].set_apart


def test_stream_hours_and_contracted_parts_are_read_from_the_teams_words(survey):
    by_id = {e.id: e for e in survey.enterprises}
    heat = next(s for s in by_id["E12"].streams if s["unit"] == "MW")          # remark: 年6000h
    assert (heat["hours"], heat["hours_how"]) == (6000, "remark")
    steam = next(s for s in by_id["E11"].streams if s["direction"] == "out" and s["unit"] == "t/h")   # 年运行约7200h
    assert steam["hours"] == 7200
    ash = next(s for s in by_id["E01"].streams if s["resource"].endswith("/fly-ash"))
    assert ash["committed"]["amount"] == pytest.approx(5.0) and ash["committed"]["how"] == "fate"   # 约5.0万t/a按年度合同
    hcl = next(s for s in by_id["E07"].streams if s["direction"] == "out")     # 全部外售…年度合同
    assert hcl["committed"]["amount"] == pytest.approx(4.0)
    slag = next(s for s in by_id["E03"].streams if s["resource"].endswith("/carbide-slag"))   # 约17万t/a…长期协议
    assert slag["committed"]["amount"] == pytest.approx(17)
    acid = next(s for s in by_id["E02"].streams if s["resource"].endswith("/spent-sulfuric-acid"))
    assert acid["committed"] is None                                           # a disposal fee is no contract of use


def test_a_contract_without_an_amount_is_warned_and_a_committed_key_is_checked():
    raw = copy.deepcopy(RAW)
    ent(raw, "E03")["streams"][0]["fate"] = "大部分按长期协议外售园区外"
    survey = read(raw)
    assert any(w.place == "enterprises[2].streams[0].fate" and "committed" in w.zh for w in survey.warnings)
    ent(raw, "E03")["streams"][0]["committed"] = "25万t/a"                     # more than the 20万t/a offered
    problems = read(raw).problems
    assert [p.place for p in problems] == ["enterprises[2].streams[0].committed"] and "大于" in problems[0].zh


def test_firm_matches_recomputed_by_hand(park):
    got = pairs(park, "matches")
    gypsum = got[("E01", "E09", "fgd-gypsum")]        # min(2.0, 4.5) 万t/a; 92.5 ≥ 85 %, 11 ≤ 12 %, 0.06 ≤ 0.1 %
    assert (gypsum["amount"], gypsum["unit"]) == (pytest.approx(2.0), "万t/a")
    assert {q["offer"] for q in gypsum["qualities_met"]} == {92.5, 11, 0.06}
    assert got[("E01", "E09", "bottom-ash")]["amount"] == pytest.approx(min(1.2, 0.8))
    ash = got[("E01", "E09", "fly-ash")]              # 6.9 − 5.0 under contract = 1.9万t/a offered
    assert ash["amount"] == pytest.approx(6.9 - 5.0)
    heat = got[("E06", "E12", "waste-heat-medium")]   # 88 °C ≥ 75 + 10 °C; 1.2 MW × 6000 h × 3.6 = 25 920 GJ/a
    assert (heat["amount"], heat["unit"]) == (pytest.approx(1.2), "MW")
    assert heat["per_year"] == {"amount": pytest.approx(1.2 * 6000 * 3.6), "unit": "GJ/a", "hours": 6000}
    assert heat["distance_km"] == pytest.approx(0.71, abs=0.01)
    curing = got[("E06", "E09", "waste-heat-medium")]  # 88 ≥ 55 + 10 °C; 0.8 MW × 7200 h × 3.6 = 20 736 GJ/a
    assert curing["per_year"]["amount"] == pytest.approx(0.8 * 7200 * 3.6)
    autoclave = got[("E06", "E09", "steam")]           # 3.82 ≥ 1.2 MPa, let down; 10 t/h × 7200 h
    assert (autoclave["amount"], autoclave["per_year"]["amount"]) == (pytest.approx(10), pytest.approx(72000))
    assert "压力3.82≥1.2 MPa（减压使用）" in autoclave["conditions"]["zh"]
    e14 = got[("E06", "E14", "steam")]                  # 3.82 MPa = 3820 ≥ 1600 kPa; 5 t/h × 8000 h
    assert e14["per_year"]["amount"] == pytest.approx(40000) and "3820≥1600 kPa" in e14["conditions"]["zh"]
    hydrogen = got[("E02", "E14", "hydrogen")]          # 720 t/a ÷ 0.08994 kg/Nm³ ≈ 800.5万Nm³/a ≤ 1700万
    assert (hydrogen["amount"], hydrogen["unit"]) == (pytest.approx(720), "t/a")
    assert hydrogen["in_offer_unit"]["amount"] == pytest.approx(720e3 / 0.08994 / 1e4, rel=1e-4)
    assert "0.08994 kg/Nm³" in hydrogen["conditions"]["zh"]
    left = {(o["enterprise"], o["resource"].rsplit("/", 1)[1]): o for o in park["symbiosis"]["unmatched_offers"]}
    assert left[("E06", "waste-heat-medium")]["amount_left"] == pytest.approx(28.8 - (25920 + 20736) / 1e4)


def test_conditional_pairs_say_what_decides_them(park):
    pending = pairs(park, "conditional")
    h2 = pending[("E02", "E05", "hydrogen")]           # O2 0.1 % = 1000 ppm > 10 ppm, 50 kPa < 1.2 MPa: purify
    assert h2["per_year"]["amount"] == pytest.approx(500 * 8000)
    assert {q["labels"]["zh"] for q in h2["treatment"]["qualities"]} == {"氧含量", "压力"}
    assert "须经催化脱氧、干燥和压缩" in h2["conditions"]["zh"] and not h2["qualities_failed"]
    vented = pending[("E11", "E05", "steam")]           # 1.6 ≥ 0.98 MPa; 3.5 t/h × 7200 h; E05 is on E01's net
    assert vented["per_year"]["amount"] == pytest.approx(25200) and "现由E01供应" in vented["conditions"]["zh"]
    hcl = pending[("E07", "E12", "by-product-hcl")]     # 31 ≥ 28 %; TOC not stated; the acid is all under contract
    assert hcl["amount"] == 2400 and hcl["from_committed"]["amount"] == pytest.approx(4.0)
    assert "TOC" in hcl["conditions"]["zh"] and "合同" in hcl["conditions"]["zh"]
    ash = pending[("E01", "E09", "fly-ash")]            # the contracted 5.0万t/a, only once the contract ends
    assert ash["amount"] == pytest.approx(5.0) and "合同至2025-12" in ash["conditions"]["zh"]
    slag = pending[("E03", "E01", "carbide-slag")]      # CaCO3 ≥ 90 % asked, Ca(OH)2 88 % offered: on moles of Ca
    ratio = (88 / 74.092) / (90 / 100.086)              # t of limestone one t of dry slag replaces (≈ 1.32)
    assert slag["amount"] == pytest.approx(1.3) and slag["in_offer_unit"]["amount"] == pytest.approx(1.3 / ratio, rel=1e-5)
    assert slag["in_offer_unit"]["amount"] <= 20 - 17                  # within the 3.0万t/a not under agreement
    assert "按钙当量替代" in slag["conditions"]["zh"] and "须经试验确认" in slag["conditions"]["zh"]
    gypsum = pending[("E05", "E09", "neutralisation-gypsum")]   # no data, not identified
    assert "鉴别" in gypsum["conditions"]["zh"] and len(gypsum["qualities_unknown"]) == 3
    assert {(e["from"], e["to"]) for e in park["symbiosis"]["existing"]} == {("E01", "E03"), ("E01", "E05")}


def test_hazardous_wastes_go_only_where_the_permit_covers_the_code(park):
    pending = pairs(park, "conditional")
    acid = pending[("E02", "E07", "spent-sulfuric-acid")]   # 2 800 t/a = 0.28万t/a; 261-058-34 in E07's permit
    assert acid["amount"] == pytest.approx(2800 / 10000) and acid["unit"] == "万t/a"
    assert "核准类别HW34（261-057-34、261-058-34、900-300-34、900-349-34）含该废物" in acid["hazardous"]["zh"]
    # E04 bounds 目标组分(甲苯/甲醇/乙酸乙酯) ≥ 85 %; E05 writes 甲苯含量 88 %, E14 甲醇含量 88 %: the member each names
    toluene, methanol = pairs(park, "matches")[("E05", "E04", "spent-solvent")], pending[("E14", "E04", "spent-solvent")]
    assert (toluene["amount"], methanol["amount"]) == (1800, 400) and 1800 + 400 <= 2500
    assert all("含该废物" in m["hazardous"]["zh"] for m in (toluene, methanol))
    for m, member in ((toluene, "甲苯含量"), (methanol, "甲醇含量")):
        target = next(q for q in m["qualities_met"] if q.get("member") == member)
        assert (target["offer"], target["demand"]) == (88, 85)
    assert [q["labels"]["zh"] for q in methanol["qualities_unknown"]] == ["卤代烃"]   # E14 states no halogens
    refused = pairs(park, "refused")
    dcm = refused[("E05", "E04", "spent-solvent")]          # 900-401-06 is not among 900-402-06, 900-404-06
    assert dcm["amount"] == 600 and "HW06 900-401-06" in dcm["hazardous"]["zh"] and "不含该废物" in dcm["hazardous"]["zh"]


def test_refusals_with_their_reasons(park):
    refused = pairs(park, "refused")
    nitration = refused[("E05", "E07", "spent-sulfuric-acid")]   # code in scope, but 三氯乙醛 0.3 % > 0 %
    assert [(q["labels"]["zh"], q["offer"]) for q in nitration["qualities_failed"]] == [("三氯乙醛", 0.3)]
    for to, chloride in (("E01", 250), ("E06", 250), ("E09", 500)):   # effluent Cl⁻ 1 900 mg/L
        failed = {q["labels"]["zh"]: (q["offer"], q["demand"]) for q in refused[("E10", to, "reclaimed-water")]["qualities_failed"]}
        assert failed["氯离子"] == (1900, chloride)
    low = refused[("E01", "E09", "waste-heat-low")]               # 38 °C < 55 + 10 °C
    assert [(q["offer"], q["demand"]) for q in low["qualities_failed"]] == [(38, 65)]
    for to, need in (("E09", 1.2), ("E14", 1600)):                # the 0.98 MPa network cannot be raised
        assert [q["demand"] for q in refused[("E01", to, "steam")]["qualities_failed"]] == [need]
    weak = refused[("E05", "E12", "by-product-hcl")]             # 20 < 28 %, TOC 1500 > 100 mg/L
    assert {q["offer"] for q in weak["qualities_failed"]} == {20, 1500}
    fly = refused[("E11", "E09", "incineration-fly-ash")]         # HW18 incinerator ash is not coal fly ash
    assert "不是粉煤灰" in fly["hazardous"]["zh"] and "HW18 772-003-18" in fly["hazardous"]["zh"]
    assert "不是高炉水渣" in refused[("E01", "E09", "bottom-ash")]["hazardous"]["zh"]   # not S95 slag powder
    for f, t, what in (("E05", "E08", "spent-solvent"), ("E12", "E10", "spent-hcl-pickle-liquor"),
                       ("E14", "E10", "spent-solvent")):           # no licence: only a point-to-point plan could
        assert "第31项" in refused[(f, t, what)]["hazardous"]["zh"]


def test_the_idle_plant_is_set_apart_and_said(park):
    apart = park["symbiosis"]["set_apart"]
    assert {a["enterprise"] for a in apart} == {"E13"}
    assert all("停产" in a["reason"]["zh"] for a in apart)
    assert not any("E13" in (f, t) for f, t, _ in every_pair(park))


def test_what_the_team_said_must_not_be_said(park):
    proposed = {**pairs(park, "matches"), **pairs(park, "conditional")}
    assert not any(f == "E11" and t == "E09" for f, t, _ in proposed)      # incinerator ash to the grinding station
    assert not any(f == "E01" and t in ("E09", "E14") and r == "steam" for f, t, r in proposed)   # 0.98 MPa
    hydrogen = [m for m in park["symbiosis"]["matches"] + park["symbiosis"]["conditional"] if m["from"] == "E02"
                and m["offer"].endswith("/hydrogen")]
    assert sum(m.get("in_offer_unit", m)["amount"] if m["unit"] == "t/a" else m["per_year"]["amount"] / 1e4
               for m in hydrogen) <= 1700                             # 万Nm³/a: E02 never gives more than it has
    firm_ash = sum(m["amount"] for m in park["symbiosis"]["matches"] if m["offer"].endswith("/fly-ash"))
    assert firm_ash <= 6.9 - 5.0                                      # the contracted 5.0万t/a is not offered
    assert not any(o["enterprise"] == "E07" for o in park["symbiosis"]["unmatched_offers"])   # all sold already
    assert not any(f == "E05" and t == "E09" for f, t, _ in pairs(park, "matches"))   # 中和石膏 never firm
    assert ("E05", "E07", "spent-sulfuric-acid") not in proposed          # nitration acid on the code alone
    assert not any(f == "E05" and t == "E08" for f, t, _ in proposed)     # spent toluene used unregenerated
    assert not any(t == "E10" for f, t, _ in proposed)                    # no permit, no approved plan
    assert not any(f == "E10" and t in ("E01", "E06") for f, t, _ in proposed)
    assert not any(f == "E03" and t == "E11" for f, t, _ in proposed)      # mercury catalyst is not burnt


def test_coded_ash_is_never_coal_fly_ash_and_an_exemption_is_checked():
    raw = copy.deepcopy(RAW)
    ent(raw, "E11")["streams"][1]["resource"] = "粉煤灰"                  # named like coal ash, coded HW18
    e10 = ent(raw, "E10")
    e10["facts"] = {"接收危险废物的依据": "点对点定向利用"}
    e10["streams"][3]["resource"] = "水处理混凝剂"
    result = diagnose(read(raw), real_store(), {})
    ash = pairs(result, "refused")[("E11", "E09", "fly-ash")]
    assert "HW18 772-003-18" in ash["hazardous"]["zh"] and "不是一般工业固体废物" in ash["hazardous"]["zh"]
    assert ("E11", "E09", "fly-ash") not in pairs(result, "matches")
    pickle = pairs(result, "conditional")[("E12", "E10", "spent-hcl-pickle-liquor")]
    assert "第31项" in pickle["hazardous"]["zh"] and "省级生态环境部门" in pickle["hazardous"]["zh"]


def test_the_reclaimed_water_plant_follows_from_the_refused_effluent(park):
    facilities = park["shared_infrastructure"]["facilities"]
    water = next(f for f in facilities if f["measure"].endswith("/park-water-reuse"))
    assert water["serves"] == ["E01", "E06", "E09"]                    # Cl⁻, TDS and COD miss their bounds
    assert water["demand_total"] == {"amount": 5000 + 1500 + 300, "unit": "m³/d"}


def test_pairs_to_several_receivers_become_one_shared_network(park):
    nets = {f["measure"].rsplit("/", 1)[1]: f for f in park["shared_infrastructure"]["facilities"] if "carried" in f}
    h2 = nets["park-hydrogen-network"]                  # S02: E02's hydrogen to E05 and E14, one purification
    assert (h2["suppliers"], h2["serves"]) == (["E02"], ["E05", "E14"])
    assert h2["carried"]["unit"] == "Nm³/a"
    assert h2["carried"]["firm"] == pytest.approx(720e3 / 0.08994, rel=1e-6)      # 720 t/a at 0.08994 kg/Nm³
    assert h2["carried"]["conditional"] == pytest.approx(500 * 8000)             # 500 Nm³/h × 8000 h, to purify
    assert h2["treatment"]["for"] == ["E05"] and "催化脱氧" in h2["summary"]["zh"]
    assert "E05的配对须经催化脱氧" in h2["because"][0]["labels"]["zh"]   # shown in the report's table too
    assert h2["carried"]["firm"] + h2["carried"]["conditional"] <= 1700e4        # never more than E02 vents
    steam = nets["park-central-steam"]                  # S03: E06's 3.82 MPa and E11's vented steam
    assert {"E09", "E14", "E05"} <= set(steam["serves"]) and set(steam["suppliers"]) == {"E06", "E11"}
    firm = {(p["from"], p["to"]): p["amount"] for p in steam["pairs"] if p["firm"]}
    assert (firm[("E06", "E09")], firm[("E06", "E14")]) == (pytest.approx(10 * 7200), pytest.approx(5 * 8000))
    # conditional pairs share what E06 has left after the firm ones and E11's 3.5 t/h × 7200 h: no tonne twice
    left = 25 * 8000 - sum(a for (f, _), a in firm.items() if f == "E06")
    assert steam["carried"]["conditional"] <= left + 3.5 * 7200 + 1e-6
    assert not any(w in f["summary"]["zh"] for f in nets.values() for w in ("https://", "park-"))


def test_schema_valid_and_chinese_without_internal_ids(park):
    jsonschema.validate(park, SCHEMA)
    for kind in ("matches", "conditional", "refused"):
        for m in park["symbiosis"][kind]:
            assert not any(w in m["conditions"]["zh"] for w in ("https://", "named:", "at-least", "at-most"))


def test_the_vocs_emitters_share_one_park_ldar_and_monitoring_item(park):
    """S05: E03, E04, E05, E08 and E14 give VOCs figures; one park item serves them, sized on the emitted loads the
    survey reports (E04 12 + E05 38 + E08 28 + E14 9 = 87 t/a), E03's generated 42 t/a beside it, never added."""
    item = next(f for f in park["shared_infrastructure"]["facilities"]
                if f["measure"].endswith("/park-vocs-ldar-management"))
    assert item["serves"] == ["E03", "E04", "E05", "E08", "E14"] and item["from_emitters"]
    vocs = item["scale"][0]
    assert vocs["t_per_a"] == pytest.approx(12 + 38 + 28 + 9)
    assert vocs["enterprises_with_data"] == ["E04", "E05", "E08", "E14"]
    assert (vocs["generated_only"], vocs["generated_only_t_per_a"]) == (["E03"], pytest.approx(42))
    assert "87 t/a" in item["summary"]["zh"] and "不另计减排量" in item["summary"]["zh"]


def test_pairs_waiting_for_a_licence_gather_into_one_point_to_point_item(park):
    """S06: every hazardous-waste pair refused only because the receiver has no licence or exemption is listed in a
    park item asking the province for point-to-point plans; a pair that fails a quality bound is not; several
    offers to one demand are alternatives, the demand said once."""
    item = next(f for f in park["shared_infrastructure"]["facilities"] if f["measure"].endswith("/park-hw-point-to-point-plan"))
    listed = {(p["from"], p["to"], p["offer"].rsplit("/", 1)[1]) for p in item["pairs"]}
    assert {("E12", "E10", "spent-hcl-pickle-liquor"), ("E14", "E10", "spent-solvent"), ("E05", "E08", "spent-solvent")} <= listed
    assert ("E05", "E07", "spent-sulfuric-acid") not in listed        # fails on 三氯乙醛: a plan would not help
    flagged = [m for m in park["symbiosis"]["refused"] if m.get("point_to_point_plan")]
    assert len(item["pairs"]) == len(flagged)
    assert all("第31项" in m["hazardous"]["zh"] for m in flagged)
    dcm = [p for p in item["pairs"] if p["from"] == "E05" and p["to"] == "E10" and p["offer"].endswith("/spent-solvent")]
    assert sorted(p["amount"] for p in dcm) == [600, 1500]              # toluene and DCM: two wastes, two pairs
    zh = item["summary"]["zh"]
    assert "二氯甲烷含量 80 %" in zh                                     # the composition is shown, to be judged
    assert "其中9对的需方（E08、E10）未填品质要求" in zh
    assert zh.count("E10的水处理混凝剂（至多800 t/a）") == 1 and "之一替代或分担" in zh   # one demand, three offers
    assert "E12的废盐酸酸洗液（氯化亚铁 18 %、HCl 4 %、锌 2 %）" in zh
    assert {"E10", "E12", "E14"} <= set(item["serves"])
    assert not any(w in zh for w in ("https://", "park-", "spent"))


def test_a_licensed_or_exempt_receiver_needs_no_plan():
    raw = copy.deepcopy(RAW)
    e10, e08 = ent(raw, "E10"), ent(raw, "E08")
    e10["facts"].update({"hw_permit_no": "JSLYG-TEST-01", "hw_permit_scope": "HW34（314-001-34）利用 1000 t/a"})
    e08["facts"].pop("hw_permit_no")
    e08["facts"]["接收危险废物的依据"] = "点对点定向利用"
    result = diagnose(read(raw), real_store(), {})
    proposed = {**pairs(result, "matches"), **pairs(result, "conditional")}
    assert ("E12", "E10", "spent-hcl-pickle-liquor") in proposed          # licensed for HW34 314-001-34
    exempt = [m for m in result["symbiosis"]["conditional"] if m["to"] == "E08"]
    assert exempt and all("接收方申明符合豁免条件" in m["hazardous"]["zh"] for m in exempt)
    flagged = {(m["from"], m["to"], m["offer"].rsplit("/", 1)[1]) for m in result["symbiosis"]["refused"]
               if m.get("point_to_point_plan")}
    assert ("E12", "E10", "spent-hcl-pickle-liquor") not in flagged and not any(t == "E08" for _, t, _ in flagged)
    outside = pairs(result, "refused")[("E14", "E10", "spent-solvent")]    # HW06 is outside E10's HW34 licence:
    assert "不含该废物" in outside["hazardous"]["zh"] and ("E14", "E10", "spent-solvent") not in flagged   # refused
