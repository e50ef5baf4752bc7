"""The audit report a sector audit team hands in: the DOCX of the example survey checked as a reviewer would (A4, the
chapters in order, the conclusion on page one, no code word of the knowledge base in Chinese text, a unit on every
number of a table, charts as images drawn with the shipped CJK font), the workbook, the page and the engine fixes the
reports rest on (veto first, heavy-metal totals, a minimum count for key issues, answers explained in words)."""

from __future__ import annotations

import io
import re
import zipfile

import docx
import pytest
from openpyxl import load_workbook

from cpkb.diagnostics import charts
from cpkb.diagnostics.engine import diagnose
from cpkb.diagnostics.report import to_docx, to_html, to_xlsx
from cpkb.diagnostics.report_content import beijing_time, build_report

from diagnose_support import example_raw, read, real_store

CHAPTERS_ZH = ["一、审核准备与范围", "二、行业现状与企业概况", "三、清洁生产水平评价", "四、关键共性问题及成因",
               "五、清洁生产方案", "六、方案效益预测", "七、结论与建议", "附件一 企业诊断结果（一企一档）", "附件二 数据说明"]
NUMBER = re.compile(r"^[-+]?\d[\d,]*(\.\d+)?(～[-+]?\d[\d,]*(\.\d+)?)?$")
UNIT_IN_HEADER = re.compile(r"[（(][^）)]+[）)]$")
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def result():
    return diagnose(read(example_raw()), real_store())


@pytest.fixture(scope="module")
def document(result):
    return docx.Document(io.BytesIO(to_docx(result)))


def kb_code_words() -> set[str]:
    """Every ASCII word the knowledge base uses as an identifier: IRI path segments and cpkb:key values."""
    store = real_store()
    words = set()
    rows = store.select("SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), 'https://w3id.org/cpkb/')) }")
    for iri in rows.values("s"):
        for part in re.split(r"[/#]", str(iri).split("w3id.org/cpkb/", 1)[-1]):
            words.add(part)
    words.update(str(k) for k in store.select("SELECT DISTINCT ?k WHERE { ?s cpkb:key ?k }").values("k"))
    return {w for w in words if len(w) >= 3 and re.fullmatch(r"[A-Za-z][A-Za-z0-9-]*", w)
            and w.lower() not in {"def", "cpkb"}}


def all_text(document) -> list[str]:
    texts = [p.text for p in document.paragraphs]
    texts += [c.text for t in document.tables for row in t.rows for c in row.cells]
    return texts


# ---------------------------------------------------------------------- DOCX

def test_docx_is_a4_with_the_chapters_in_order(document):
    section = document.sections[0]
    assert abs(section.page_width.cm - 21.0) < 0.05 and abs(section.page_height.cm - 29.7) < 0.05
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == CHAPTERS_ZH


def test_docx_conclusion_and_veto_on_page_one(result, document):
    first = []
    for p in document.paragraphs:
        if p.style.name == "Heading 1":
            break
        first.append(p.text)
    page_one = "\n".join(first)
    conclusion = (result.get("conclusion") or {}).get("zh")
    if conclusion:
        assert conclusion in page_one
    assert "结论摘要" in page_one or "诊断摘要" in page_one
    veto = [i for i in result["key_issues"] if i["veto"]]
    assert veto and result["key_issues"][0]["veto"]          # veto items first in the result and the report
    chapter4 = [p for p in document.paragraphs[[p.text for p in document.paragraphs].index(CHAPTERS_ZH[3]):]]
    issue_headings = [p.text for p in chapter4 if p.style.name == "Heading 2" and p.text.startswith("（")]
    assert issue_headings[0].endswith("【淘汰类·否决项】")


def test_docx_chinese_text_has_no_code_word_of_the_knowledge_base(document):
    codes = kb_code_words()
    assert {"electroplating", "nickel", "waste-reuse", "high"} <= codes  # the check knows the ids it looks for
    leaks = set()
    for text in all_text(document):
        if CJK.search(text):
            leaks |= {w for w in re.findall(r"[A-Za-z][A-Za-z0-9-]+", text) if w in codes}
    assert not leaks, f"identifiers in the Chinese report: {sorted(leaks)}"
    assert not any("https://w3id.org" in t for t in all_text(document))


def test_docx_every_number_in_a_table_has_its_unit(document):
    missing = []
    for table in document.tables:
        header = [c.text for c in table.rows[0].cells]
        unit_column = next((k for k, h in enumerate(header) if h in ("单位", "unit")), None)
        for row in table.rows[1:]:
            for k, cell in enumerate(row.cells):
                text = cell.text.strip()
                if not NUMBER.match(text) or header[k] in ("序号", "no."):
                    continue
                if UNIT_IN_HEADER.search(header[k]):
                    continue
                if unit_column is not None and row.cells[unit_column].text.strip() not in ("", "—"):
                    continue
                missing.append((header, header[k], text))
    assert not missing, missing[:5]


def test_docx_charts_are_embedded_images(document):
    assert len(document.inline_shapes) >= 3
    names = [p.partname for p in document.part.package.parts if p.partname.startswith("/word/media/")]
    assert len(names) >= 3 and all(n.endswith(".png") for n in names)


def test_docx_tables_repeat_their_header_and_causes_are_not_duplicated(result, document):
    assert all(t.rows[0]._tr.xpath("./w:trPr/w:tblHeader") for t in document.tables[1:])
    issue = next(i for i in result["key_issues"] if len({e["enterprise"] for e in i["evidence"]}) < len(i["evidence"]))
    report = build_report(result, "zh")
    causes = next(b.value for ch in report.chapters for b in ch.blocks
                  if b.kind == "table" and b.value.key == "成因 " + issue["labels"]["zh"])
    listed = [e for row in causes.rows for e in row[0].split("、")]
    assert sorted(listed) == sorted(set(listed)) == sorted(issue["enterprises"])


def test_docx_in_english(result):
    document = docx.Document(io.BytesIO(to_docx(result, lang="en")))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings[0] == "1. Audit preparation and scope" and len(headings) == 9


def test_docx_from_a_restyled_template(result, tmp_path):
    from cpkb.diagnostics.report import TEMPLATE_DOCX

    restyled = docx.Document(str(TEMPLATE_DOCX))
    restyled.styles["Heading 1"].font.size = docx.shared.Pt(20)
    path = tmp_path / "ours.docx"
    restyled.save(str(path))
    document = docx.Document(io.BytesIO(to_docx(result, template=path)))
    assert document.styles["Heading 1"].font.size == docx.shared.Pt(20)
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 1"] == CHAPTERS_ZH


def test_chart_labels_are_covered_by_the_shipped_font(result):
    from fontTools.ttLib import TTFont

    cmap = set(TTFont(str(charts.FONT_FILE))["cmap"].getBestCmap())
    text = "".join(str(v) for c in build_report(result, "zh").charts() for row in c.spec["data"]["values"]
                   for v in row.values())
    assert text and not {ch for ch in text if ord(ch) not in cmap and not ch.isspace()}
    assert charts.FONT_FILE.stat().st_size < 2_000_000
    assert (charts.FONT_DIR / "OFL.txt").read_text().startswith("Copyright")


# ---------------------------------------------------------------------- XLSX and HTML

def test_xlsx_one_sheet_per_table_with_units_and_per_cent(result):
    book = load_workbook(io.BytesIO(to_xlsx(result)))
    report = build_report(result, "zh")
    tables = [b.value for ch in report.chapters + report.annexes[1:] for b in ch.blocks if b.kind == "table"]
    assert len(book.sheetnames) == 1 + len(tables) + 2          # summary, each table, the two annex tables
    issues = next(ws for ws in book.worksheets if ws.title.endswith("关键问题"))
    header = [c.value for c in issues[2]]
    share = header.index("企业占比（%）")
    cell = issues.cell(row=3, column=share + 1)
    assert cell.number_format == "0.0%" and 0 < cell.value <= 1
    assert "企业数（家）" in header
    potential = next(ws for ws in book.worksheets if ws.title.endswith("削减潜力"))
    assert "可削减量下限（t/a）" in [c.value for c in potential[2]]


def test_html_report_has_the_chapters_and_svg_charts(result):
    html = to_html(result, real_store())
    positions = [html.index(title) for title in CHAPTERS_ZH]
    assert positions == sorted(positions)
    assert html.count("<svg") >= 3 and "<script" not in html.lower()
    assert result["key_issues"][0]["labels"]["zh"] in html


# ---------------------------------------------------------------------- what the reports rest on

def test_heavy_metals_are_totalled(result):
    metals = result["heavy_metals"]
    names = {p["labels"]["zh"] for p in metals["pollutants"]}
    assert "总镍" in names
    assert metals["total"]["baseline_t_per_a"] == pytest.approx(sum(p["baseline_t_per_a"] for p in metals["pollutants"]))
    rows = [row for t in build_report(result, "zh").tables() if t.key == "重金属" for row in t.rows]
    assert rows[-1][0] == "重金属合计"


def test_reduction_chart_leaves_out_pollutants_without_reduction(result):
    chart = next(c for c in build_report(result, "zh").charts() if "可削减" in c.caption)
    shown = {v["pollutant"] for v in chart.spec["data"]["values"]}
    zero = {p["labels"]["zh"] for p in result["reduction_potential"]["pollutants"]
            if not any(p["combined_reduction_t_per_a"])}
    assert zero and not shown & zero


def test_a_key_issue_needs_a_minimum_count_of_enterprises():
    raw = example_raw()
    raw["enterprises"] = raw["enterprises"][:3]
    small = diagnose(read(raw), real_store(), {"key_issue_prevalence": 0.3, "key_issue_min_enterprises": 2})
    for issue in small["key_issues"]:
        assert issue["veto"] or issue["count"] >= 2
    assert any(i["count"] == 1 for i in small["other_findings"])
    assert small["settings"]["key_issue_min_enterprises"] == 2


def test_answers_of_choice_facts_are_explained_in_words(result):
    texts = [e["explanation"]["zh"] for i in result["key_issues"] + result["other_findings"] for e in i["evidence"]]
    assert any("镀种" in t for t in texts)
    assert not [t for t in texts if re.search(r"[a-z]{3,}", t)]


def test_beijing_time():
    assert beijing_time("2025-06-01T06:03:00+00:00") == "2025-06-01 14:03"


# ---------------------------------------------------------------------- the command line

def _cli(args, env=None):
    from click.testing import CliRunner

    from cpkb.cli import main

    real_store()
    import glob
    import tempfile

    folder = sorted(glob.glob(f"{tempfile.gettempdir()}/cpkb-diag-store-*"))[-1]
    return CliRunner().invoke(main, [*args, "--store", folder, "--store-mode", "memory"], env=env or {})


def test_cli_refuses_a_survey_over_the_declared_size_limit(tmp_path):
    from diagnose_support import EXAMPLES

    run = _cli(["diagnose", str(EXAMPLES / "electroplating_cluster.json")], env={"CPKB_MAX_SURVEY_FILE_BYTES": "1000"})
    assert run.exit_code == 1 and "Traceback" not in run.output
    assert "超过上限 1000 B" in run.output and "max_survey_file_bytes" in run.output


def test_cli_streams_json_and_warns_about_a_large_result(tmp_path):
    from diagnose_support import EXAMPLES

    out = tmp_path / "r.json"
    run = _cli(["diagnose", str(EXAMPLES / "electroplating_cluster.json"), "-o", str(out)],
               env={"CPKB_LARGE_RESULT_BYTES": "1000"})
    assert run.exit_code == 0, run.output
    import json as json_lib

    assert json_lib.loads(out.read_bytes())["key_issues"]
    assert "注意：结果" in run.output
    run = _cli(["diagnose", str(EXAMPLES / "electroplating_cluster.json"), "--format", "docx", "--lang", "en",
                "-o", str(tmp_path / "r.docx")])
    assert run.exit_code == 0, run.output
    headings = [p.text for p in docx.Document(str(tmp_path / "r.docx")).paragraphs if p.style.name == "Heading 1"]
    assert headings[0] == "1. Audit preparation and scope"


def test_sections_of_other_work_are_rendered_when_present(result):
    """compliance, scenarios, economics (model v2), unresolved names and units understood (survey reader):
    rendered as chapters' tables with their units whenever a result carries them."""
    import copy

    extended = copy.deepcopy(result)
    extended["compliance"] = {"note": {"zh": "限值与基准值分开判断。", "en": "Limits apart from benchmarks."}, "sets": [{
        "requirement": "https://w3id.org/cpkb/id/x/req", "labels": {"zh": "电镀污染物排放标准表2", "en": "GB 21900 table 2"},
        "document_labels": {"zh": "GB 21900-2008", "en": "GB 21900-2008"}, "clause": "表2",
        "enterprises": {"applies": ["E01", "E02"]}, "not_measured": ["E02"],
        "checks": [{"enterprise": "E01", "subject_labels": {"zh": "总镍", "en": "total nickel"}, "compared": 0.7,
                    "limit_value": 0.5, "unit": "mg/L", "exceeded": True}],
        "exceeded": [{"enterprise": "E01"}]}]}
    extended["scenarios"] = [{"title": {"zh": "全部企业清洗取水量达到Ⅱ级", "en": "all at level II"},
                              "saves_labels": {"zh": "新鲜水", "en": "fresh water"}, "total": 12345.6, "unit": "m³/a",
                              "enterprises_moved": 12, "enterprises_at_level": 6, "enterprises_without_data": []}]
    extended["recommendations"][0]["economics"] = {
        "investment_10k_yuan": {"total": [10.0, 30.0]}, "savings_10k_yuan_per_a": [4.0, 8.0],
        "payback_years": {"range": [1.3, 7.5], "zh": "按设定价格推算", "en": "derived"}}
    extended["unresolved"] = [{"name": "单槽溢流洗", "kind": "technique", "places": ["enterprises[0].processes[2]"],
                               "enterprises": 1, "suggestions": [{"iri": "x", "label": {"zh": "单槽清洗", "en": "single"},
                                                                  "score": 0.8}]}]
    extended["units_understood"] = [{"written": "万平米", "as": "10⁴ m²", "places": ["a", "b"]}]
    document = docx.Document(io.BytesIO(to_docx(extended)))
    text = "\n".join(all_text(document))
    for expected in ("排放限值符合性", "超标", "经济效益", "达标情景", "12,346", "未能识别的名称", "单槽清洗",
                     "单位的理解", "万平米"):
        assert expected in text, expected
    test_docx_every_number_in_a_table_has_its_unit(document)
    book = load_workbook(io.BytesIO(to_xlsx(extended)))
    assert any(name.endswith("经济效益") for name in book.sheetnames)
