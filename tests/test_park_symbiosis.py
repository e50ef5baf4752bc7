"""Park audits: exchanges between enterprises matched on quality and legal basis, each quantity promised once.

The example (examples/park_plating_cluster.yaml) is recomputed here by hand: a central steam plant, four plating
plants, the park's wastewater plant, a licensed acid-recovery works and a brick works without a licence."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import jsonschema
import pytest
import yaml

from cpkb.diagnostics.engine import diagnose

from diagnose_support import EXAMPLES, read, real_store

SCHEMA = json.loads((Path(__file__).resolve().parent.parent / "diagnostics" / "result.schema.json").read_text("utf-8"))
RAW = yaml.safe_load((EXAMPLES / "park_plating_cluster.yaml").read_text(encoding="utf-8"))


def run(raw: dict) -> dict:
    survey = read(raw)
    assert not survey.problems, [p.as_dict() for p in survey.problems]
    return diagnose(survey, real_store(), {})


@pytest.fixture(scope="module")
def park() -> dict:
    return run(RAW)


def pairs(result: dict, kind: str) -> dict[tuple[str, str, str], dict]:
    return {(m["from"], m["to"], m["offer"].rsplit("/", 1)[1]): m for m in result["symbiosis"][kind]}


def test_matches_meet_every_bound_and_use_each_quantity_once(park):
    got = {k: m["amount"] for k, m in pairs(park, "matches").items()}
    # steam 16,000 t/a at 0.8 MPa: P01 needs 6,500 and P02 4,200 at ≥ 0.4 MPa; P03 needs 1.2 MPa and 200 °C → refused
    assert got[("C01", "P01", "steam-low-pressure")] == 6500 and got[("C01", "P02", "steam-low-pressure")] == 4200
    # 5,200 GJ/a of 120 °C heat, largest demand first: P04 3,600 (55 °C), then P03 the 1,600 that is left of its 2,400
    assert got[("C01", "P04", "waste-heat-low")] == 3600 and got[("C01", "P03", "waste-heat-low")] == 1600
    # spent HCl: only P01's (42 g/L ≥ 30 free acid, 95 ≤ 130 g/L iron) goes to the licensed works; its coagulant to W01
    assert got[("P01", "R01", "spent-hcl-pickle-liquor")] == 620
    assert got[("R01", "W01", "coagulant")] == 260
    assert len(got) == 6
    streams = {(e["id"], s["resource"], s["direction"]): s["value"] for e in RAW["enterprises"] for s in e["streams"]}
    offered = {}
    for (src, _, _), m in pairs(park, "matches").items():
        offered[(src, m["offer_labels"]["zh"])] = offered.get((src, m["offer_labels"]["zh"]), 0) + m["amount"]
    assert offered[("C01", "低压蒸汽")] == 10700 <= streams[("C01", "低压蒸汽", "产出")]
    assert offered[("C01", "低温余热")] == 5200 == streams[("C01", "低温余热", "产出")]


def test_a_missing_quality_makes_a_pair_conditional_sized_on_what_is_left(park):
    pending = pairs(park, "conditional")
    acid = pending[("P04", "R01", "spent-hcl-pickle-liquor")]
    assert acid["amount"] == 300                        # R01 still needs 1,200 − 620 = 580; P04 offers 300
    assert [q["quality"].rsplit("/", 1)[1] for q in acid["qualities_unknown"]] == ["iron-content"]
    assert "待核实：供方未填铁离子含量（需不高于130 g/L）" in acid["conditions"]["zh"]
    assert pending[("P01", "C01", "condensate")]["amount"] == 5200   # its conductivity is not stated


def test_bounds_not_met_and_no_legal_basis_refuse_a_pair_with_the_reason(park):
    refused = pairs(park, "refused")
    p02 = refused[("P02", "R01", "spent-hcl-pickle-liquor")]
    assert {q["quality"].rsplit("/", 1)[1]: q["offer"] for q in p02["qualities_failed"]} == \
        {"free-acid": 18, "iron-content": 150}
    assert "不满足：游离酸浓度18，需不低于30 g/L" in p02["conditions"]["zh"]
    for src in ("P01", "P02", "P04"):                   # the brick works has neither licence nor exemption
        assert "既无经营许可证也不符合豁免条件" in refused[(src, "R02", "spent-hcl-pickle-liquor")]["conditions"]["zh"]
    steam = refused[("C01", "P03", "steam-low-pressure")]
    assert {q["labels"]["zh"] for q in steam["qualities_failed"]} == {"压力", "温度"}
    assert "氯离子" in refused[("W01", "C01", "reclaimed-water")]["conditions"]["zh"]   # 410 > 250 mg/L


def test_distances_come_from_the_sites_coordinates(park):
    m = pairs(park, "matches")[("C01", "P01", "steam-low-pressure")]
    # by hand (equirectangular, good to a metre over a kilometre): Δφ 0.0035°, Δλ 0.0061° at 27.79° N
    north = 0.0035 * math.pi / 180 * 6371
    east = 0.0061 * math.pi / 180 * 6371 * math.cos(math.radians(27.79))
    assert m["distance_km"] == pytest.approx(math.hypot(north, east), abs=0.01)
    assert "蒸汽管道" in m["connection"]["zh"]


def test_an_unknown_legal_basis_or_a_claimed_exemption_is_conditional():
    raw = copy.deepcopy(RAW)
    receiver = next(e for e in raw["enterprises"] if e["id"] == "R01")
    del receiver["facts"]["接收危险废物的依据"]
    unknown = run(raw)
    assert ("P01", "R01", "spent-hcl-pickle-liquor") in pairs(unknown, "conditional")
    assert "未填接收方接收危险废物的依据" in pairs(unknown, "conditional")[("P01", "R01", "spent-hcl-pickle-liquor")][
        "conditions"]["zh"]
    receiver["facts"]["接收危险废物的依据"] = "点对点定向利用"   # the annex's item 31 needs an approved provincial plan
    claimed = pairs(run(raw), "conditional")[("P01", "R01", "spent-hcl-pickle-liquor")]
    assert claimed["amount"] == 620 and "第31项" in claimed["hazardous"]["zh"]


def test_the_park_result_is_schema_valid_and_chinese_pages_carry_no_codes(park):
    jsonschema.validate(park, SCHEMA)
    for kind in ("matches", "conditional", "refused"):
        for m in park["symbiosis"][kind]:
            assert "at-least" not in m["conditions"]["zh"] and "at-most" not in m["conditions"]["zh"]
            assert "https://" not in m["conditions"]["zh"]


def test_the_park_flows_are_drawn_before_and_after_and_conserve_each_offer(park):
    from cpkb.diagnostics import charts
    from cpkb.diagnostics.report_content import park_flow_sets

    sets = {unit: (before, after, outside) for unit, before, after, outside in park_flow_sets(park["symbiosis"], "zh")}
    assert set(sets) == {"t/a", "GJ/a"}
    before, after, outside = sets["t/a"]
    steam_before = [f for f in before if f[0] == "C01" and f[3] == "低压蒸汽"]
    assert steam_before == [("C01", "去向未填", 16000, "低压蒸汽")]
    steam_after = {f[1]: f[2] for f in after if f[0] == "C01" and f[3] == "低压蒸汽" and f[2] > 0}
    assert steam_after == {"P01": 6500, "P02": 4200, "去向未填": 5300}          # 16,000 in all, before and after
    assert ("外购/新取", "R01", 580, "废盐酸酸洗液") in after                       # 1,200 needed, 620 from P01
    svg = charts.to_svg(charts.park_flows(after, outside, "资源"))
    assert "外购/新取" in svg and "P01" in svg and "<path" in svg
    assert charts.to_png(charts.park_flows(before, outside, "资源"))[:8] == b"\x89PNG\r\n\x1a\n"


def dyehouse(eid: str, coal: bool, nox_t: float | None = None) -> dict:
    ent = {"id": eid, "output": {"product": "棉机织物", "value": 3000, "unit": "万米"},
           "facts": {"自备燃煤锅炉": "是" if coal else "否", "是否在工业园区": "是"}}
    if nox_t is not None:
        ent["emissions"] = [{"pollutant": "NOx", "value": nox_t, "unit": "t/a"}]
    return ent


def test_a_park_measure_needed_by_several_enterprises_becomes_one_shared_facility():
    raw = {"cpkb_survey": 1, "scope": {"sector": "印染", "pilot_type": "park", "park": "某印染园区", "year": 2024},
           "enterprises": [dyehouse("D1", True, 12), dyehouse("D2", True, 8), dyehouse("D3", True),
                           dyehouse("D4", False)]}
    result = run(raw)
    facilities = {f["measure"].rsplit("/", 1)[1]: f for f in result["shared_infrastructure"]["facilities"]}
    steam = facilities["park-central-steam"]
    assert steam["serves"] == ["D1", "D2", "D3"]                      # D4 has no coal boiler of its own
    assert [b["problem"].rsplit("/", 1)[1] for b in steam["because"]] == ["own-coal-heating"]
    # 3 × 3,000万米 = 9,000万米 = 900,000 hundred metres, the sector's product unit
    assert steam["output_served"] == 900000 and "服务3家企业（D1、D2、D3）" in steam["summary"]["zh"]
    jsonschema.validate(result, SCHEMA)
    one = run({**raw, "enterprises": [dyehouse("D1", True), dyehouse("D4", False)]})
    assert "shared_infrastructure" not in one                         # one enterprise is not a shared facility


def test_pairs_rank_on_a_common_basis_not_the_demands_own_units():
    """One offer of 4 t/a low-pressure steam, two demands: 2 000 kg/a (2 t) and 3 t/a. Ranked on mass, the 3 t/a
    demand is served first and whole (3 t), the kg demand gets what is left (1 t = 1 000 kg); ranked on each
    demand's own number, 2 000 would have gone first and left the 3 t/a demand 2 t."""
    from cpkb.diagnostics.symbiosis import common_amount, find_symbiosis

    from diagnose_support import knowledge

    raw = {"cpkb_survey": 1, "scope": {"sector": "电镀", "pilot_type": "park"}, "enterprises": [
        {"id": "S", "streams": [{"direction": "产出", "resource": "低压蒸汽", "value": 4, "unit": "t/a"}]},
        {"id": "K", "streams": [{"direction": "需求", "resource": "低压蒸汽", "value": 2000, "unit": "kg/a"}]},
        {"id": "T", "streams": [{"direction": "需求", "resource": "低压蒸汽", "value": 3, "unit": "t/a"}]}]}
    survey = read(raw)
    assert not survey.problems, [p.as_dict() for p in survey.problems]
    assert common_amount(survey.units, 2000, "kg/a") == pytest.approx(2.0)
    assert common_amount(survey.units, 5, "TJ/a") == pytest.approx(5000.0)      # energy on GJ
    assert common_amount(survey.units, 1.2, "万m3/a") == pytest.approx(12000.0)  # volume on m³
    got = {m["to"]: m for m in find_symbiosis(knowledge(), survey, survey.enterprises)["matches"]}
    assert got["T"]["amount"] == pytest.approx(3) and got["K"]["amount"] == pytest.approx(1000)


def test_pairs_of_a_piped_resource_to_several_receivers_become_one_network():
    """Hydrogen offered by one enterprise, needed by two: one network from it to both, sized on the two pairs (t/a
    and Nm³/h both on normal m³ a year); with one receiver there is a pair, not a network."""
    from cpkb.diagnostics.shared_infra import networks_from_symbiosis
    from cpkb.diagnostics.symbiosis import find_symbiosis

    from diagnose_support import knowledge

    raw = {"cpkb_survey": 1, "scope": {"sector": "化工", "pilot_type": "park"}, "enterprises": [
        {"id": "S", "streams": [{"direction": "产出", "resource": "氢气", "value": 500, "unit": "万Nm3/a"}]},
        {"id": "A", "streams": [{"direction": "需求", "resource": "氢气", "value": 90, "unit": "t/a"}]},
        {"id": "B", "streams": [{"direction": "需求", "resource": "氢气", "value": 100, "unit": "Nm3/h",
                                 "hours": 6000}]}]}
    survey = read(raw)
    assert not survey.problems, [p.as_dict() for p in survey.problems]
    found = networks_from_symbiosis(knowledge(), survey.units, find_symbiosis(knowledge(), survey, survey.enterprises))
    assert [f["measure"].rsplit("/", 1)[1] for f in found] == ["park-hydrogen-network"]
    net = found[0]
    assert (net["suppliers"], net["serves"], net["carried"]["unit"]) == (["S"], ["A", "B"], "Nm³/a")
    assert net["carried"]["firm"] == pytest.approx(90e3 / 0.08994 + 100 * 6000, rel=1e-6)
    assert "另加待核实" not in net["summary"]["zh"] and "服务2家企业（A、B）" in net["summary"]["zh"]
    alone = read({**raw, "enterprises": raw["enterprises"][:2]})
    assert networks_from_symbiosis(knowledge(), alone.units, find_symbiosis(knowledge(), alone, alone.enterprises)) == []


def test_several_vocs_emitters_in_a_park_get_one_park_vocs_item():
    """Two printers of a park report VOCs (2.5 t/a; 60 mg/m³ NMHC × 10 000 m³/h × 3 000 h = 1.8 t/a): one park item
    (园区VOCs统一监测与LDAR管理) serves both, sized 4.3 t/a; a park of one emitter gets none, nor does a regional
    survey."""
    def printer(eid, emissions, facts=None):
        return {"id": eid, "output": {"product": "纸包装印刷品", "value": 1000, "unit": "t"}, "emissions": emissions,
                **({"facts": facts} if facts else {})}
    raw = {"cpkb_survey": 1, "scope": {"sector": "包装印刷", "pilot_type": "park", "park": "某印刷园区", "year": 2024},
           "enterprises": [printer("P1", [{"pollutant": "VOCs", "value": 2.5, "unit": "t/a"}]),
                           printer("P2", [{"pollutant": "非甲烷总烃", "value": 60, "unit": "mg/m3"}],
                                   {"标干排气量": 10000, "年运行小时数": 3000}),
                           printer("P3", [])]}
    result = run(raw)
    item = next(f for f in result["shared_infrastructure"]["facilities"]
                if f["measure"].endswith("/park-vocs-ldar-management"))
    assert item["serves"] == ["P1", "P2"]
    assert item["scale"][0]["t_per_a"] == pytest.approx(2.5 + 60 * 10000 * 3000 / 1e9)
    jsonschema.validate(result, SCHEMA)
    one = run({**raw, "enterprises": raw["enterprises"][:1] + raw["enterprises"][2:]})
    assert not any(f["measure"].endswith("/park-vocs-ldar-management")
                   for f in (one.get("shared_infrastructure") or {}).get("facilities", []))
    region = run({**raw, "scope": {**raw["scope"], "pilot_type": "region", "region": "浙江省温州市"}})
    assert not any(f["measure"].endswith("/park-vocs-ldar-management")
                   for f in (region.get("shared_infrastructure") or {}).get("facilities", []))


def test_a_park_vocs_item_without_any_load_writes_no_zero_tonnes():
    """Two printers give only a VOCs concentration and no flow: the park item still serves both (they emit VOCs),
    but no load can be computed, so its scale is empty and its summary names VOCs without a "0 t/a"."""
    raw = {"cpkb_survey": 1, "scope": {"sector": "包装印刷", "pilot_type": "park", "park": "某印刷园区", "year": 2024},
           "enterprises": [{"id": eid, "output": {"product": "纸包装印刷品", "value": 1000, "unit": "t"},
                            "emissions": [{"pollutant": "VOCs", "value": 40, "unit": "mg/m3"}]} for eid in ("P1", "P2")]}
    result = run(raw)
    item = next(f for f in result["shared_infrastructure"]["facilities"]
                if f["measure"].endswith("/park-vocs-ldar-management"))
    assert item["serves"] == ["P1", "P2"] and item["scale"] == []
    assert "挥发性有机物" in item["summary"]["zh"] and "0 t/a" not in item["summary"]["zh"]
    jsonschema.validate(result, SCHEMA)
