"""Before and after (cpkb compare): a second round in which one plant adopted counter-current rinsing and a
recovery tank, cut its rinse water and nickel load, and another plant left the survey."""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import pytest

from cpkb.diagnostics.compare import compare, comparison_xlsx
from cpkb.diagnostics.survey import SurveyError

from diagnose_support import EXAMPLES, example_raw, read, real_store

EP = "https://w3id.org/cpkb/id/electroplating/"


def _after_round() -> dict:
    raw = copy.deepcopy(example_raw())
    e01 = raw["enterprises"][0]
    rinse = next(p for p in e01["processes"] if p["process"] == "水洗")
    rinse["techniques"] = ["多级逆流漂洗"]
    e01["processes"].append({"process": "回收", "techniques": ["回收槽"]})
    next(i for i in e01["indicators"] if i["indicator"] == "单位产品每次清洗取水量")["value"] = 6.0
    next(e for e in e01["emissions"] if e["pollutant"] == "总镍")["value"] = 0.05
    raw["enterprises"] = [e for e in raw["enterprises"] if e["id"] != "E18"]
    return raw


@pytest.fixture(scope="module")
def comparison():
    return compare(read(example_raw()), read(_after_round()), real_store())


def test_enterprises_matched_by_id(comparison):
    assert comparison["enterprises"]["baseline_only"] == ["E18"]
    assert comparison["enterprises"]["after_only"] == [] and len(comparison["enterprises"]["both"]) == 17


def test_level_and_indicator_change(comparison):
    row = next(r for r in comparison["levels"] if r["enterprise"] == "E01")
    water = next(i for i in row["indicators"] if i["indicator"] == EP + "indicator/rinse-water-per-rinse")
    assert (water["value_before"], water["value_after"]) == (47.0, 6.0)
    assert water["level_before"] == "below III" and water["level_after"] == "I"
    unchanged = next(r for r in comparison["levels"] if r["enterprise"] == "E02")
    assert unchanged["change"] in ("unchanged", "not-comparable")


def test_problems_resolved_for_the_plant_that_acted(comparison):
    single = next(i for i in comparison["key_issues"] if i["problem"] == EP + "problem/single-tank-rinse")
    assert "E01" in single["resolved_in"] and "E01" not in single["remaining_in"]
    assert single["status"] in ("reduced", "resolved")


def test_measures_seen_implemented(comparison):
    done = {m["measure"]: m for m in comparison["implemented_measures"]}
    assert "E01" in done[EP + "measure/adopt-countercurrent-rinse"]["implemented_by"]
    assert "E01" in done[EP + "measure/add-drag-out-tank"]["implemented_by"]
    training = [m for m in done.values() if not m["verifiable"]]
    assert all(not m["implemented_by"] for m in training)


def test_realised_reduction_recomputed_by_hand(comparison):
    nickel = next(r for r in comparison["reductions"] if r["pollutant"].endswith("/ni"))
    base = read(example_raw())
    by_hand = 0.0
    for ent in base.enterprises:
        if ent.id == "E18":
            continue
        by_hand += sum(e["value"] for e in ent.emissions if e["pollutant"].endswith("/ni") and e["stage"] == "emitted")
    assert nickel["before_t_per_a"] == pytest.approx(by_hand)
    assert nickel["realised_t_per_a"] == pytest.approx(0.112 - 0.05)
    assert nickel["after_t_per_a"] == pytest.approx(by_hand - 0.062)


def test_conclusion_and_workbook(comparison):
    assert comparison["conclusion"]["zh"].startswith("两轮均参加调查的企业17家")
    book = comparison_xlsx(comparison)
    from io import BytesIO

    from openpyxl import load_workbook

    sheets = load_workbook(BytesIO(book)).sheetnames
    assert sheets == ["结论", "等级变化", "指标变化", "问题变化", "方案实施", "削减量"]


def test_rounds_of_different_sectors_are_refused():
    other = _after_round()
    other["scope"]["sector"] = "印染"
    other["enterprises"] = [{"id": "X1"}]
    with pytest.raises(SurveyError) as caught:
        compare(read(example_raw()), read(other), real_store())
    assert caught.value.problems[0].place == "scope.sector"


def test_cli_compare(tmp_path):
    after = tmp_path / "after.json"
    after.write_text(json.dumps(_after_round(), ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "cmp.json"
    run = subprocess.run([sys.executable, "-m", "cpkb.cli", "compare", str(EXAMPLES / "electroplating_cluster.json"),
                          str(after), "--lang", "zh", "-o", str(out)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "两轮均参加调查的企业17家" in run.stderr
    assert json.loads(out.read_text())["cpkb_comparison"] == 1
