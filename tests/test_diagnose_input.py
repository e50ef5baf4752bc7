"""Bad input: every error type of shared/spec/survey.md gets a placed message (field path, or sheet!cell), never a
traceback; --exclude-invalid; warnings for implausible values and future years."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import subprocess
import sys

import pytest
from openpyxl import load_workbook

from cpkb.diagnostics.engine import diagnose
from cpkb.diagnostics.survey import SurveyError, read_survey
from cpkb.diagnostics.workbook import read_csv, read_workbook, write_survey_csv, write_survey_workbook

from diagnose_support import EXAMPLES, example_raw, knowledge, read, real_store


def minimal(**enterprise):
    return {"cpkb_survey": 1, "scope": {"sector": "电镀", "year": 2024},
            "enterprises": [{"id": "E1", "processes": [{"process": "水洗", "techniques": ["单槽清洗"]}], **enterprise}]}


def problems_of(raw, cells=None) -> dict[str, str]:
    survey = read(raw, cells)
    return {p.place: p.message for p in survey.problems}


CASES = [
    ("negative quantity", {"output": {"product": "镀件", "value": -3, "unit": "万m2"}},
     "enterprises[0].output.value", "negative quantity"),
    ("share over 100 %", {"indicators": [{"indicator": "镍利用率", "value": 120, "unit": "%"}]},
     "enterprises[0].indicators[0].value", "over 100 %"),
    ("wrong-dimension unit", {"indicators": [{"indicator": "单位产品每次清洗取水量", "value": 20, "unit": "kg/h"}]},
     "enterprises[0].indicators[0].unit", "wrong dimension"),
    ("unknown unit", {"indicators": [{"indicator": "单位产品每次清洗取水量", "value": 20, "unit": "blorp/m2"}]},
     "enterprises[0].indicators[0].unit", "unknown unit"),
    ("not a number", {"indicators": [{"indicator": "镍利用率", "value": "high", "unit": "%"}]},
     "enterprises[0].indicators[0].value", "expected a number"),
]


@pytest.mark.parametrize("name, enterprise, place, words", CASES, ids=[c[0] for c in CASES])
def test_each_error_type_is_placed_and_explained(name, enterprise, place, words):
    found = problems_of(minimal(**enterprise))
    assert place in found, found
    assert words in found[place]


NAME_CASES = [
    ("unknown pollutant", {"emissions": [{"pollutant": "总镍镍", "value": 1, "unit": "t/a"}]},
     "enterprises[0].emissions[0].pollutant", "pollutant", "总镍"),
    ("unknown process", {"processes": [{"process": "电渡"}]}, "enterprises[0].processes[0].process", "process", "电镀"),
]


@pytest.mark.parametrize("name, enterprise, place, kind, first", NAME_CASES, ids=[c[0] for c in NAME_CASES])
def test_unknown_names_are_warnings_kept_as_written_with_suggestions(name, enterprise, place, kind, first):
    survey = read(minimal(**enterprise))
    assert not survey.problems
    assert place in {w.place for w in survey.warnings}
    (row,) = [r for r in survey.unresolved if r["place" + "s"][0] == place]
    assert row["kind"] == kind and row["enterprises"] == 1 and row["count"] == 1
    assert row["suggestions"][0]["label"]["zh"] == first
    assert 0 < row["suggestions"][0]["score"] <= 1
    result = diagnose(survey, real_store())
    assert result["unresolved"] == survey.unresolved


def test_duplicate_enterprise_id():
    raw = minimal()
    raw["enterprises"].append({"id": "E1"})
    found = problems_of(raw)
    assert "duplicate enterprise id 'E1'" in found["enterprises[1].id"]


def test_every_problem_is_reported_at_once_and_nothing_is_diagnosed():
    raw = example_raw("broken_survey.json")
    survey = read(raw)
    places = {p.place for p in survey.problems}
    assert {"scope.year", "enterprises[0].output.value", "enterprises[1].indicators[0].value", "enterprises[2].id",
            "enterprises[4].indicators[0].unit"} <= places       # the scope and every enterprise, in one pass
    assert {"enterprises[3].processes[0].process", "enterprises[5].emissions[0].pollutant"} <= \
        {w.place for w in survey.warnings}                         # unknown names are warnings
    assert all(p.zh and p.zh != p.message for p in survey.problems)  # every message in Chinese too
    with pytest.raises(SurveyError) as exc:
        diagnose(survey, real_store())
    assert len(exc.value.problems) == len(survey.problems)


def test_exclude_invalid_sets_enterprises_aside_and_lists_them():
    survey = read(example_raw("broken_survey.json"))
    result = diagnose(survey, real_store(), exclude_invalid=True)
    excluded = {x["enterprise"] for x in result["excluded"]}
    assert excluded == {"B01", "B02", "B05"}
    assert result["scope"]["diagnosed"] == 4 and result["scope"]["excluded"] == 4  # records: both holders of the duplicate id
    assert "year" not in result["scope"]
    assert any(w["place"] == "scope.year" and "set aside" in w["message"] for w in result["warnings"])
    assert {r["name"] for r in result["unresolved"]} == {"电渡", "总镍镍"}
    assert all(x["problems"] and all(p["place"] and p["message"] for p in x["problems"]) for x in result["excluded"])
    assert any("set aside" in w["message"] for w in result["warnings"])
    assert {"G01", "G02"} <= {e["enterprise"] for e in result["indicator_assessment"]["enterprises"]}


def test_process_of_another_sector_is_a_warning_kept_as_written(mini_kb, settings):
    (mini_kb / "sectors" / "other.yaml").write_text("""\
sector:
  id: other
  label: {zh: 另一行业, en: Other sector}
  definition: {zh: 测试。, en: For tests.}
  sources: [{doc: demo-standard}]
  code: [C9998]
  pilot_types: [sector]
processes:
  - id: kiln
    order: 1
    label: {zh: 窑炉, en: kiln}
    definition: {zh: 窑。, en: Kiln.}
    sources: [{doc: demo-standard}]
""", encoding="utf-8")
    from cpkb.diagnostics.knowledge import knowledge_for
    from cpkb.diagnostics.survey import SurveyReader
    from cpkb.kb.build import open_store

    kb = knowledge_for(open_store(settings, mini_kb))
    raw = {"cpkb_survey": 1, "scope": {"sector": "示例行业"},
           "enterprises": [{"id": "E1", "processes": [{"process": "窑炉"}, {"process": "水洗"}]}]}
    survey = SurveyReader(kb).read(raw)
    assert not survey.problems
    assert [r["name"] for r in survey.unresolved] == ["窑炉"]
    assert survey.enterprises[0].unresolved == [("process", "窑炉", None)]


def test_implausible_value_and_future_year_are_warnings_not_errors():
    raw = minimal(indicators=[{"indicator": "单位产品每次清洗取水量", "value": 900, "unit": "L/m2"}])
    raw["scope"]["year"] = dt.date.today().year + 2
    survey = read(raw)
    assert not survey.problems
    warned = {w.place: w.message for w in survey.warnings}
    assert "order of magnitude" in warned["enterprises[0].indicators[0].value"]
    assert "future" in warned["scope.year"]
    result = diagnose(survey, real_store())
    assert {"scope.year", "enterprises[0].indicators[0].value"} <= {w["place"] for w in result["warnings"]}


def test_missing_optional_data_is_reported_as_rules_not_evaluated():
    result = diagnose(read(minimal()), real_store())
    assert result["rules_not_evaluated"]
    assert all(r["enterprises"] == ["E1"] and r["missing"] for r in result["rules_not_evaluated"])


def test_syntax_errors_are_placed():
    with pytest.raises(SurveyError) as exc:
        read_survey(b'{"cpkb_survey": 1,', "s.json", real_store())
    assert exc.value.problems[0].place.startswith("s.json:1:")
    with pytest.raises(SurveyError):
        read_survey(b"PK\x03\x04 not really", "s.xlsx", real_store())
    with pytest.raises(SurveyError):
        read_survey(b"x", "s.txt", real_store())


# ---------------------------------------------------------------------- workbook and CSV: errors point at cells

def _broken_workbook() -> bytes:
    data = write_survey_workbook(example_raw("broken_survey.json"), real_store())
    return data


def test_workbook_errors_point_at_sheet_and_cell():
    raw, cells = read_workbook(_broken_workbook())
    found = problems_of(raw, cells)
    by_path = {place.split(" (")[0]: place for place in found}
    assert by_path["enterprises[0].output.value"].endswith("(产量 output!C2)")
    assert by_path["enterprises[1].indicators[0].value"].endswith("(指标 indicators!C3)")
    assert by_path["enterprises[2].id"].endswith("(企业 enterprises!A4)")
    assert by_path["enterprises[4].indicators[0].unit"].endswith("(指标 indicators!D4)")
    survey = read(raw, cells)
    warned = {w.place.split(" (")[0]: w.place for w in survey.warnings}
    assert warned["enterprises[3].processes[0].process"].endswith("(工序与工艺 processes!B5)")
    assert warned["enterprises[5].emissions[0].pollutant"].endswith("(污染物 emissions!B2)")


def test_workbook_headers_in_either_language_and_shape_errors():
    book = load_workbook(io.BytesIO(write_survey_workbook(minimal(), real_store())))
    ws = book["指标 indicators"]
    ws["A1"], ws["B1"], ws["C1"], ws["D1"] = "enterprise", "指标", "Value", "单位"
    ws.append(["E1", "镍利用率", 120, "%"])
    ws.append(["E9", "镍利用率", 90, "%"])          # an enterprise that is not on the enterprises sheet
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(SurveyError) as exc:
        read_workbook(out.getvalue())
    assert [p.place for p in exc.value.problems] == ["指标 indicators!A3"]
    del ws["A3"]
    ws.delete_rows(3)
    out = io.BytesIO()
    book.save(out)
    raw, cells = read_workbook(out.getvalue())
    assert raw["enterprises"][0]["indicators"] == [{"indicator": "镍利用率", "value": 120, "unit": "%"}]
    assert "over 100 %" in problems_of(raw, cells)["enterprises[0].indicators[0].value (指标 indicators!C2)"]


def test_csv_errors_point_at_rows():
    raw, cells = read_csv(write_survey_csv(example_raw("broken_survey.json")).encode("utf-8"))
    found = problems_of(raw, cells)
    negative = next(place for place in found if place.startswith("enterprises[0].output.value"))
    assert negative.endswith("value)") and "row " in negative
    with pytest.raises(SurveyError) as exc:
        read_csv("section,enterprise,name,value\nindicator,E9,镍利用率,1\nbogus,E1,x,1\n".encode())
    assert {p.place for p in exc.value.problems} == {"row 2, enterprise", "row 3, section"}


# ---------------------------------------------------------------------- the command line

def _cli(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cpkb.cli", *args], capture_output=True, text=True, cwd=cwd,
                          env={**__import__("os").environ, "CPKB_STORE_DIR": str(real_store_dir()),
                               "CPKB_ENDPOINT": "", "CPKB_STORE_MODE": "memory"})


def real_store_dir():
    real_store()
    import glob
    import tempfile
    return sorted(glob.glob(f"{tempfile.gettempdir()}/cpkb-diag-store-*"), key=lambda p: __import__("os").path.getmtime(p))[-1]


def test_cli_bad_input_exits_1_with_the_placed_list_and_no_traceback():
    run = _cli("diagnose", str(EXAMPLES / "broken_survey.json"))
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert "enterprises[2].id: duplicate enterprise id 'B02'" in run.stderr
    assert "scope.year: expected a year" in run.stderr
    assert run.stdout == ""


def test_cli_exclude_invalid_and_summary(tmp_path):
    run = _cli("diagnose", str(EXAMPLES / "broken_survey.json"), "--exclude-invalid", "--lang", "en", "-o",
               str(tmp_path / "r.json"))
    assert run.returncode == 0, run.stderr
    result = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert len(result["excluded"]) == 3
    assert "surveyed 8 enterprise(s) and diagnosed 4; 4 were set aside" in run.stderr
    assert "key issues" in run.stderr


def test_cli_template_unknown_sector_is_a_clear_error(tmp_path):
    run = _cli("template", "--sector", "电渡", "-o", str(tmp_path / "t.xlsx"))
    assert run.returncode == 1 and "unknown sector" in run.stderr and "电镀" in run.stderr
    assert "Traceback" not in run.stderr


def test_names_of_the_wrong_type_are_placed_errors_not_tracebacks():
    raw = {"cpkb_survey": 1, "scope": {"sector": "电镀"}, "enterprises": [
        {"id": "A", "processes": [{"process": ["水洗"], "techniques": [["单槽清洗"], {"a": 1}]}],
         "indicators": [{"indicator": ["锌利用率"], "value": 80, "unit": "%"}],
         "materials": [{"material": {"x": 1}}], "emissions": [{"pollutant": 3, "value": 1, "unit": "t/a"}]}]}
    survey = read(raw)
    places = {p.place for p in survey.problems}
    assert {"enterprises[0].processes[0].process", "enterprises[0].indicators[0].indicator",
            "enterprises[0].materials[0].material", "enterprises[0].emissions[0].pollutant"} <= places
