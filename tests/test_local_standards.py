"""Province-scoped (local) emission standards (kb/README.md "Local standards"): a requirement set with `places`
binds the enterprises of the survey's province, city or county, beside the national sets, and the stricter limit of
a figure binds. Figures below are the surveys' own, compared by hand with the limits read in the standards:
DB44/2367-2022 Table 1 (NMHC 80, benzene series 40 mg/m³) and Table 3 (in-plant NMHC 6 mg/m³ as a 1-hour mean),
GB 37822-2019 Annex A (in-plant NMHC 10 mg/m³)."""

from __future__ import annotations

import dataclasses
import functools
import shutil
from pathlib import Path

import pytest
import yaml

from cpkb.diagnostics.engine import diagnose
from cpkb.diagnostics.report_content import build_report
from cpkb.kb.compile import compile_kb
from cpkb.kb.errors import SourceError

from diagnose_support import EXAMPLES, read, real_store

COATING = "https://w3id.org/cpkb/id/industrial-coating/requirement/"
V2_KB = Path(__file__).parent / "data" / "v2_kb"


def _run(raw: dict) -> dict:
    survey = read(raw)
    assert not survey.problems, [p.as_dict() for p in survey.problems]
    return diagnose(survey, real_store(), {})


@functools.lru_cache(maxsize=1)
def huzhou() -> dict:
    return _run(yaml.safe_load((EXAMPLES / "industrial_coating_huzhou_region.yaml").read_text(encoding="utf-8")))


def coaters(region: str) -> dict:
    """Two metal-parts coaters, existing sources, in the place given."""
    def stack(value: float, pollutant: str = "NMHC", point: str = "outlet") -> dict:
        return {"pollutant": pollutant, "value": value, "unit": "mg/m3", "point": point}
    return {"cpkb_survey": 1,
            "scope": {"sector": "工业涂装", "pilot_type": "sector", "region": region, "year": 2024,
                      "facts": {"涂装对象类别": "其他金属制品", "source-age": "existing"}},
            "enterprises": [
                {"id": "G1", "processes": [{"process": "喷涂", "techniques": []}],
                 "emissions": [stack(94), stack(52), stack(24, "苯系物"), stack(8, point="厂区内")]},
                {"id": "G2", "processes": [{"process": "喷涂", "techniques": []}], "emissions": [stack(60)]}]}


def sets_of(result: dict) -> dict[str, dict]:
    return {s["requirement"].removeprefix(COATING): s for s in result["compliance"]["sets"]}


def test_huzhou_coaters_are_bound_by_the_zhejiang_standard_named_in_chinese():
    sets = sets_of(huzhou())
    db33 = sets["db33-2146-coating"]
    assert len(db33["enterprises"]["applies"]) == 15 and db33["document_number"] == "DB33/2146-2018"
    assert db33["local"]["zh"] == "浙江省地方标准 DB33/2146-2018" and db33["local"]["places"] == ["浙江省"]
    # its table was not read: nothing is judged against it, and it says so instead of "not measured"
    assert db33["limits_read"] is False and db33["checks"] == [] and db33["not_measured"] == []
    assert "未读到" in db33["limits_note"]["zh"]
    # GB 16297 does not cross the local standard: not applicable, the reason names the local document
    gb16297 = sets["gb16297-table2-coating"]
    assert set(gb16297["enterprises"]["not_applicable"]) >= {"E01", "E02", "E06"}
    assert "DB33/2146-2018" in gb16297["reasons"]["E01"]["zh"]
    # so E01's DA002 (NMHC 94 mg/m³) is judged by no stack limit, rather than by the national one
    assert not [c for s in sets.values() for c in s["checks"] if c["enterprise"] == "E01" and c["point"] == "stack"]


def test_a_guangdong_survey_is_judged_by_db44_2367_and_the_stricter_limit_binds():
    result = _run(coaters("广东省佛山市"))
    sets = sets_of(result)
    table1 = sets["db44-2367-table1"]
    assert table1["local"]["zh"] == "广东省地方标准 DB44/2367-2022"
    got = {(c["enterprise"], c["measured"]): c["exceeded"] for c in table1["checks"]}
    # NMHC against 80 mg/m³: 94 over, 52 and 60 within; benzene series 24 against 40 within
    assert got == {("G1", 94): True, ("G1", 52): False, ("G1", 24): False, ("G2", 60): False}
    assert {c["enterprise"] for c in table1["exceeded"]} == {"G1"}
    # in-plant NMHC 8 mg/m³: within GB 37822's 10, over DB44/2367's 6 — the local limit binds and both are reported
    national = next(c for c in sets["gb37822-inplant"]["checks"] if c["enterprise"] == "G1")
    local = next(c for c in sets["db44-2367-fugitive"]["checks"] if c["enterprise"] == "G1")
    assert (national["limit_value"], national["exceeded"], national["binding"]) == (10, False, False)
    assert (local["limit_value"], local["exceeded"], local["binding"]) == (6, True, True)
    assert national["stricter"]["requirement"].endswith("db44-2367-fugitive")
    assert "gb16297-table2-coating" not in {k for k, s in sets.items() if s["enterprises"].get("applies")}
    # the Chinese report names the local standard by place and document, and says which limit binds
    text = "\n".join(_texts(build_report(result, "zh")))
    assert "广东省地方标准 DB44/2367-2022：广东省 固定污染源挥发性有机物综合排放标准" in text
    assert "超标（从严执行此限值）" in text and "达标（另有更严限值6：" in text
    assert "db44-2367" not in text   # no internal id on the Chinese page


def _texts(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [t for v in node.values() for t in _texts(v)]
    if isinstance(node, (list, tuple)):
        return [t for v in node for t in _texts(v)]
    if dataclasses.is_dataclass(node):
        return [t for f in dataclasses.fields(node) for t in _texts(getattr(node, f.name))]
    return []


def test_a_guangdong_furniture_maker_is_judged_by_its_sector_standard_not_the_integrated_one():
    raw = coaters("广东省东莞市")
    raw["scope"]["facts"]["涂装对象类别"] = "木质家具"
    raw["enterprises"][1]["emissions"].append({"pollutant": "VOCs", "value": 35, "unit": "mg/m3", "point": "outlet"})
    sets = sets_of(_run(raw))
    # DB44/814-2010 Table 1, period II: total VOCs 30 mg/m³ — G2's 35 is over; NMHC figures are not total VOCs
    furniture = sets["db44-814-furniture"]
    assert [(c["enterprise"], c["measured"], c["exceeded"]) for c in furniture["checks"]] == [("G2", 35, True)]
    # DB44/2367 defers to the sector standard (its chapter 1 note): not applicable, so NMHC 94 is judged by no 80
    assert sets["db44-2367-table1"]["enterprises"] == {"not_applicable": ["G1", "G2"]}
    assert sets["db44-816-vehicle"]["enterprises"] == {"not_applicable": ["G1", "G2"]}


def test_a_jiangsu_survey_is_not_judged_by_zhejiang_or_guangdong_standards():
    sets = sets_of(_run(coaters("江苏省苏州市")))
    for key in ("db33-2146-coating", "db44-2367-table1", "db44-2367-fugitive", "db44-814-furniture"):
        assert sets[key]["enterprises"] == {"not_applicable": ["G1", "G2"]}, key
        assert sets[key]["checks"] == []
    assert "江苏省苏州市" in sets["db33-2146-coating"]["reasons"]["G1"]["zh"]
    # the national in-plant limit still judges G1's 8 mg/m³ (within 10), with no local limit beside it
    national = next(c for c in sets["gb37822-inplant"]["checks"] if c["enterprise"] == "G1")
    assert national["exceeded"] is False and "binding" not in national


def test_an_unplaced_survey_keeps_the_national_standards_and_says_so():
    result = _run(coaters("长三角"))
    sets = sets_of(result)
    assert sets["db33-2146-coating"]["enterprises"] == {"unknown": ["G1", "G2"]}
    assert "scope.region" in sets["db33-2146-coating"]["reasons"]["G1"]["zh"]
    assert sets["gb37822-inplant"]["enterprises"]["applies"] == ["G1", "G2"]
    # GB 16297 is not set aside for a local standard nobody placed: only the survey's own answer can do that
    assert "地方标准" not in str(sets["gb16297-table2-coating"]["reasons"])
    warning = next(w for w in result["warnings"] if "地方" in w.get("messages", {}).get("zh", ""))
    assert warning["place"] == "scope.region" and "国家标准" in warning["messages"]["zh"]


@pytest.mark.parametrize("places, message", [
    ("[太湖流域]", "not a division of GB/T 2260"),
    ("[朝阳区]", "names 2 divisions"),
    ("[浙江省苏州市]", "is not inside"),
    ("浙江省", "non-empty list"),
])
def test_the_compiler_refuses_a_malformed_place_scope(tmp_path, places, message):
    kb = tmp_path / "kb"
    shutil.copytree(V2_KB, kb)
    boiler = kb / "sectors" / "boiler.yaml"
    text = boiler.read_text(encoding="utf-8")
    boiler.write_text(text.replace("    regions: [demo-region]\n", f"    regions: [demo-region]\n    places: {places}\n", 1),
                      encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        compile_kb(kb)
    problem = next(p for p in caught.value.problems if message in p.message)
    assert problem.file.name == "boiler.yaml" and problem.line and problem.entry


def test_a_well_written_place_compiles_to_its_division_code(tmp_path):
    kb = tmp_path / "kb"
    shutil.copytree(V2_KB, kb)
    boiler = kb / "sectors" / "boiler.yaml"
    text = boiler.read_text(encoding="utf-8")
    boiler.write_text(text.replace("    regions: [demo-region]\n",
                                   "    regions: [demo-region]\n    places: [浙江省湖州市长兴县, 江苏省]\n", 1), encoding="utf-8")
    from cpkb.kb.checks import union_graph
    from cpkb.kb.namespaces import CPKB

    codes = {str(o) for o in union_graph(compile_kb(kb)).objects(None, CPKB.divisionCode)}
    assert codes == {"330522", "32"}


def test_a_set_without_read_limits_needs_its_note(tmp_path):
    kb = tmp_path / "kb"
    shutil.copytree(V2_KB, kb)
    boiler = kb / "sectors" / "boiler.yaml"
    text = boiler.read_text(encoding="utf-8")
    boiler.write_text(text.replace("    regions: [demo-region]\n", "    regions: [demo-region]\n    limits_read: false\n", 1),
                      encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        compile_kb(kb)
    assert any("lists no `limits`" in p.message for p in caught.value.problems)
