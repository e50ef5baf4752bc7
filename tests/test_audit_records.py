"""Per-enterprise audit records (一企一档, issue 13): one Word document per diagnosed enterprise, in bulk as a ZIP
with an index workbook; each record's figures recounted here from the diagnosis result itself."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from cpkb.cli import main
from cpkb.diagnostics.audit_records import enterprise_records, file_name, records_zip
from cpkb.diagnostics.engine import diagnose

from diagnose_support import example_raw, read, real_store
from test_reports import all_text, kb_code_words


@pytest.fixture(scope="module")
def result():
    return diagnose(read(example_raw()), real_store())


@pytest.fixture(scope="module")
def archive(result):
    return zipfile.ZipFile(io.BytesIO(records_zip(result, "zh")))


def _problems_of(result: dict, eid: str) -> set[str]:
    return {i["problem"] for i in result["key_issues"] + result["other_findings"]
            if any(ev.get("enterprise") == eid for ev in i.get("evidence", []))}


def test_one_record_per_enterprise_and_an_index(result, archive):
    names = archive.namelist()
    documents = [n for n in names if n.endswith(".docx")]
    assert len(documents) == len(result["enterprises"]) == 18
    index = load_workbook(io.BytesIO(archive.read("00_目录.xlsx"))).active
    rows = list(index.iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in rows] == [e["id"] for e in result["enterprises"]]
    assert [r[5] for r in rows] == documents


def test_each_record_counts_what_the_result_says_of_its_enterprise(result):
    for enterprise, record in enterprise_records(result, "zh"):
        eid = enterprise["id"]
        problems = _problems_of(result, eid)
        schemes = [r for r in result["recommendations"] if eid in r["applies_to"]]
        low = sum(1 for r in schemes if r["cost_class"] == "low")
        assert f"发现问题 {len(problems)} 项" in record.summary[0]
        assert f"适用方案 {len(schemes)} 项（无/低费 {low} 项、中/高费 {len(schemes) - low} 项）" in record.summary[0]
        tables = [b.value for ch in record.chapters for b in ch.blocks if b.kind == "table"]
        listed = next((t.rows for t in tables if t.caption.endswith("方案清单")), [])
        assert len(listed) == len(schemes)
        if problems:
            found = next(t.rows for t in tables if t.caption.endswith("问题及诊断依据"))
            assert len(found) == len(problems)


def test_a_record_in_word_is_chinese_and_names_no_identifier(result, archive):
    first = sorted(n for n in archive.namelist() if n.endswith(".docx"))[0]
    assert first == file_name(1, result["enterprises"][0], ".docx") and "金辉" in first
    text = "\n".join(all_text(docx.Document(io.BytesIO(archive.read(first)))))
    assert "清洁生产审核记录（一企一档）" in text and "某市金辉电镀有限公司" in text
    assert "一、清洁生产水平评价" in text and "四、适用的清洁生产方案及预期效果" in text
    assert "https://" not in text
    words = set(text.replace("（", " ").replace("）", " ").split())
    assert not words & kb_code_words()


def test_file_names_are_safe_for_any_system():
    name = file_name(7, {"id": "E/7", "name": 'a:b*c?"d<e>f|g\\h'}, ".docx")
    assert name.startswith("007_E_7_") and not set('/\\:*?"<>|') & set(name)


def test_cli_writes_the_records(tmp_path):
    from pathlib import Path

    out = tmp_path / "records.zip"
    example = Path(__file__).resolve().parents[1] / "examples" / "electroplating_cluster.json"
    run = CliRunner().invoke(main, ["diagnose", str(example), "--format", "records", "-o", str(out), "--quiet",
                                    "--lang", "zh"])
    assert run.exit_code == 0, run.output
    assert len([n for n in zipfile.ZipFile(out).namelist() if n.endswith(".docx")]) == 18
