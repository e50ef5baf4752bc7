"""A survey as an audit team really types it (examples/electroplating_county_messy.yaml, written by an auditor who
had not seen CPKB): it diagnoses as written, lists what it did not understand, and the name map round-trips."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import yaml

from cpkb.diagnostics.engine import diagnose

from diagnose_support import EXAMPLES, read, real_store

MESSY = EXAMPLES / "electroplating_county_messy.yaml"


def test_the_messy_survey_diagnoses_without_a_single_substitution():
    raw = yaml.safe_load(MESSY.read_text(encoding="utf-8"))
    survey = read(raw)
    assert not survey.problems, [str(p) for p in survey.problems]
    result = diagnose(survey, real_store())
    assert result["scope"]["diagnosed"] == len(raw["enterprises"]) >= 15
    assert result["key_issues"] and result["recommendations"]
    # what it did not understand is listed, each with places, enterprises and ranked suggestions
    assert result["unresolved"]
    for row in result["unresolved"]:
        assert row["places"] and row["count"] >= 1 and row["kind"]
        assert [s["score"] for s in row["suggestions"]] == sorted((s["score"] for s in row["suggestions"]), reverse=True)
    # the city written as region resolves to its key region, and says so
    assert result["scope"]["region"].endswith("/yrd") and result["scope"]["place"]["written"] == raw["scope"]["region"]
    # every per-year output unit is echoed as understood
    assert any(u["as"].endswith("(per year)") for u in result["units_understood"])
    # the survey's own names: section was applied
    assert {a["name"] for a in result["names_applied"]} <= set(raw["names"])


def _cli(*args: str, cwd=None) -> subprocess.CompletedProcess:
    from test_diagnose_input import real_store_dir

    return subprocess.run([sys.executable, "-m", "cpkb.cli", *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, "CPKB_STORE_DIR": str(real_store_dir()), "CPKB_ENDPOINT": "",
                               "CPKB_STORE_MODE": "memory"})


def test_cpkb_names_writes_a_map_that_diagnose_applies(tmp_path):
    target = tmp_path / "names.yaml"
    run = _cli("names", str(MESSY), "-o", str(target), "--lang", "zh")
    assert run.returncode == 0, run.stderr
    written = yaml.safe_load(target.read_text(encoding="utf-8"))
    entries = written["names"]
    assert entries and all({"name", "kind", "use", "suggestions"} <= e.keys() for e in entries)
    # the user confirms the proposals (first suggestions scoring ≥ 0.85) and ignores the rest
    assert any(e["use"] for e in entries)
    for entry in entries:
        entry["use"] = entry["use"] or "忽略"
    target.write_text(yaml.safe_dump(written, allow_unicode=True), encoding="utf-8")
    run = _cli("diagnose", str(MESSY), "--names", str(target), "--quiet", "-o", str(tmp_path / "r.json"))
    assert run.returncode == 0, run.stderr
    result = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert not result["unresolved"]
    assert len(result["names_applied"]) >= len(entries)


def test_problems_are_printed_in_the_language_asked(tmp_path):
    run = _cli("diagnose", str(EXAMPLES / "broken_survey.json"), "--lang", "zh")
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "处问题，未作诊断" in run.stderr and "企业编号 'B02' 重复" in run.stderr
