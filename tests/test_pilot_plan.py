"""The pilot's own documents: eligibility against the notice's conditions, and the implementation-plan draft in the
seven sections of the notice's annex, pre-filled from the diagnosis with the parts needing judgement marked."""

from __future__ import annotations

import copy
import io
import subprocess
import sys

import pytest
import yaml

from cpkb.diagnostics.engine import diagnose

from diagnose_support import EXAMPLES, read, real_store

SECTIONS = ["一、试点对象基本概况", "二、试点基础", "三、试点工作目标", "四、试点工作内容", "五、特色及创新点", "六、实施计划",
            "七、预期产出成果及效益"]


def run(raw: dict) -> dict:
    return diagnose(read(raw), real_store(), {})


@pytest.fixture(scope="module")
def messy() -> dict:
    return run(yaml.safe_load((EXAMPLES / "electroplating_county_messy.yaml").read_text(encoding="utf-8")))


def _conditions(result: dict) -> dict:
    return {c["condition"]: c for c in result["eligibility"]["conditions"]}


def test_eligibility_is_judged_on_the_answers_and_unknown_is_never_met():
    raw = yaml.safe_load((EXAMPLES / "park_plating_cluster.yaml").read_text(encoding="utf-8"))
    raw["scope"]["facts"] = {"园区边界清晰": "是", "园区管委会": "是", "园区位于同一地级市": "是"}
    for ent in raw["enterprises"]:
        ent.setdefault("facts", {}).update({"近三年重大环境违法": "否", "清洁生产管理人员": "是", "清洁生产管理制度": "是",
                                           "清洁生产资金保障": "是"})
    raw["enterprises"][1]["facts"]["近三年重大环境违法"] = "是"       # P02
    del raw["enterprises"][2]["facts"]["清洁生产资金保障"]              # P03 did not answer
    found = run(raw)["eligibility"]
    cond = _conditions({"eligibility": found})
    assert cond["no-major-violation"]["status"] == "not-met"
    assert cond["no-major-violation"]["enterprises"]["not-met"] == ["P02"]
    assert cond["cp-staff-rules-funds"]["status"] == "unknown"
    assert cond["cp-staff-rules-funds"]["enterprises"]["unknown"] == ["P03"]
    assert cond["park-boundary-body"]["status"] == cond["park-one-city"]["status"] == "met"
    assert "own-pollutants" not in cond                                   # a regional condition, not a park one
    assert found["status"] == "not-met" and "P02" in found["summary"]["zh"]


def test_a_sector_survey_without_answers_is_unknown(messy):
    cond = _conditions(messy)
    assert set(cond) == {"no-major-violation", "cp-staff-rules-funds"}
    assert cond["no-major-violation"]["status"] == "unknown"
    # has_cp_manager is answered in the survey, the rules and funds are not: unknown, not met, for those who said yes
    assert cond["cp-staff-rules-funds"]["status"] == "not-met"          # five plants said they have no CP manager
    assert set(cond["cp-staff-rules-funds"]["enterprises"]["not-met"]) == {"E02", "E05", "E11", "E12", "E16"}


def test_the_plan_draft_has_the_seven_sections_targets_from_the_data_and_marked_gaps(messy):
    import docx

    from cpkb.diagnostics.pilot_plan import build_plan, plan_docx

    rep = build_plan(messy, None, "zh")
    assert [ch.title for ch in rep.chapters] == SECTIONS
    targets = next(b.value for b in rep.chapters[2].blocks if b.kind == "table")
    aspects = {row[0]: row[1] for row in targets.rows}
    below_ii = sorted(e["enterprise"] for e in messy["indicator_assessment"]["enterprises"]
                      if e["class"] in ("III", "below III"))
    assert aspects["清洁生产水平"].startswith(f"{len(below_ii)}家企业（{'、'.join(below_ii)}）")
    assert aspects["达标排放"] == "超标企业（E03、E16）全部稳定达标"
    document = docx.Document(io.BytesIO(plan_docx(messy, None, "zh")))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings[:7] == SECTIONS and "附：形式与内容自查表" in headings
    text = "\n".join(p.text for p in document.paragraphs)
    assert text.count("【需审核组填写】") >= 4 and "【需审核组确认】" in text
    section = document.sections[0]
    assert abs(section.page_width.cm - 21.0) < 0.2 and abs(section.page_height.cm - 29.7) < 0.2   # A4
    assert len(document.inline_shapes) >= 1                                                       # charts as images
    assert "https://" not in text and "below III" not in text


def test_cpkb_plan_writes_the_draft_without_a_budget_and_asks_for_one_for_json(tmp_path):
    out = tmp_path / "plan.docx"
    cmd = [sys.executable, "-m", "cpkb.cli", "plan", str(EXAMPLES / "electroplating_county_messy.yaml")]
    done = subprocess.run(cmd + ["-o", str(out), "--lang", "zh"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes()[:2] == b"PK"
    refused = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert refused.returncode != 0 and "--budget" in refused.stderr and "Traceback" not in refused.stderr
