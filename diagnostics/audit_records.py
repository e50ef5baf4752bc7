"""Per-enterprise audit records (一企一档): one short document per diagnosed enterprise — its level, the limits it
meets or exceeds, the problems found with their evidence, the schemes that apply with their cost class, expected
effects and economics, and what is still to be confirmed on site. The pilot notice deems every enterprise of an
accepted sector, park or regional pilot to have completed an audit, so each needs a record of its own.

`records_zip(result)` gives them in bulk: a ZIP with one Word document per enterprise and one workbook listing
them all. Built from the diagnosis result only (like every report), with labels, never identifiers."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from .report_content import (LEVEL_SHORT, Chapter, Column, Report, _Builder, _pick, beijing_time, number, percent)
from .report_model import effect_text

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')
COST = {"low": ("无/低费", "no/low cost"), "medium": ("中费", "medium cost"), "high": ("中/高费", "medium/high cost")}


def _cost(rec: dict, lang: str) -> str:
    zh, en = COST.get(rec.get("cost_class") or "", (rec.get("cost_class") or "—",) * 2)
    return zh if lang == "zh" else en


class _Record(_Builder):
    """The blocks of one enterprise's record, on the diagnosis report's builder (its labels and words)."""

    def __init__(self, result: dict, lang: str):
        super().__init__(result, lang)
        self.assessment = {e["enterprise"]: e for e in (result.get("indicator_assessment") or {}).get("enterprises", [])}

    def record(self, enterprise: dict) -> Report:
        eid, name = enterprise["id"], enterprise.get("name") or ""
        self.table_no = {}
        found = self._findings(eid)
        schemes = [r for r in self.r.get("recommendations", []) if eid in (r.get("applies_to") or [])]
        checks = [(s, c) for s in (self.r.get("compliance") or {}).get("sets", []) for c in s.get("checks", [])
                  if c.get("enterprise") == eid]
        a = self.assessment.get(eid) or {}
        level = LEVEL_SHORT.get(a.get("class"), LEVEL_SHORT[None])[0 if self.lang == "zh" else 1]
        over = [c for _, c in checks if c.get("exceeded")]
        key = sum(1 for issue, _ in found if issue.get("key_issue"))
        veto = sum(1 for issue, _ in found if issue.get("veto"))
        low = sum(1 for r in schemes if r.get("cost_class") == "low")
        summary = self.tr(
            f"清洁生产水平：{level}{'（暂定）' if a.get('provisional') else ''}。发现问题 {len(found)} 项（其中行业关键共性问题 "
            f"{key} 项、淘汰类否决项 {veto} 项）；限值核查 {len(checks)} 项，超标 {len(over)} 项；适用方案 {len(schemes)} 项"
            f"（无/低费 {low} 项、中/高费 {len(schemes) - low} 项）。",
            f"Level: {level}{' (provisional)' if a.get('provisional') else ''}. {len(found)} problems found ({key} key "
            f"issues of the sector, {veto} veto items); {len(checks)} limit checks, {len(over)} exceeded; "
            f"{len(schemes)} options apply ({low} no/low cost, {len(schemes) - low} medium/high cost).")
        out, unit, total = enterprise.get("output"), self.scope.get("output_unit") or "", self.scope.get("total_output")
        facts = [(self.t("enterprise_id"), eid), (self.t("name"), name or "—"), (self.t("sector"), self.sector()),
                 (self.tr("审核名称", "audit"), self.scope.get("title") or "—"),
                 (self.t("output"), f"{number(out)} {unit}".strip() + (f"（{percent(out / total)}）" if out and total else "")
                  if out is not None else "—"),
                 (self.t("class"), level), (self.t("diagnosed_at"), beijing_time(self.r.get("generated_at"))),
                 (self.t("kb_version"), str(self.r.get("kb_version") or "—"))]
        chapters = [c for c in (self._level(eid, a), self._limits(checks), self._problems(found),
                                self._schemes(eid, schemes), self._to_confirm(eid)) if c.blocks]
        title = self.tr(f"{eid} {name} 清洁生产审核记录（一企一档）", f"{eid} {name}: cleaner-production audit record")
        footer = self.tr("本记录由 CPKB 依据整体审核诊断结果生成，须经审核组现场核实后签认。",
                         "Written by CPKB from the sector-wide diagnosis; the audit team confirms it on site before signing.")
        return Report(self.lang, title, facts, self.tr("审核结论", "Findings in brief"), [summary], chapters, [], footer)

    def _findings(self, eid: str) -> list[tuple[dict, list[str]]]:
        found = []
        for issue in self.r.get("key_issues", []) + self.r.get("other_findings", []):
            texts: list[str] = []
            for ev in issue.get("evidence", []):
                text = self.plain(_pick(ev.get("explanation"), self.lang))
                if ev.get("enterprise") == eid and text not in texts:
                    texts.append(text)
            if texts:
                found.append((issue, texts))
        return found

    def _level(self, eid: str, a: dict) -> Chapter:
        ch = Chapter("level", self.tr("一、清洁生产水平评价", "1. Cleaner-production level"))
        rows = [[self.label(i["indicator"]), i.get("value"), (self.indicators.get(i["indicator"]) or {}).get("unit") or "—",
                 LEVEL_SHORT.get(i.get("level"), (i.get("level"), i.get("level")))[0 if self.lang == "zh" else 1]]
                for i in a.get("indicators") or []]
        if rows:
            ch.add("table", self.table("1", self.tr("指标评价", "Indicators"), [
                Column(self.t("indicator")), Column(self.t("value"), None, "num"), Column(self.t("unit")),
                Column(self.t("reached"))], rows))
        else:
            ch.add("p", self.tr("本行业评价指标体系的基准值尚未录入知识库，或本企业未填报指标，暂不能评级。",
                                "Not graded: the sector's benchmark values are not in the knowledge base yet, or the "
                                "enterprise reported no indicator."))
        return ch

    def _limits(self, checks: list[tuple[dict, dict]]) -> Chapter:
        ch = Chapter("limits", self.tr("二、排放限值核查", "2. Emission limits"))
        rows = [[_pick(c.get("subject_labels"), self.lang), _pick(s.get("labels"), self.lang), c.get("measured"),
                 c.get("compared"), c.get("limit_value"), c.get("unit") or "—",
                 self.tr("超标", "over") if c.get("exceeded") else self.tr("达标", "within"),
                 _pick(c.get("o2"), self.lang) or "—"] for s, c in checks]
        if rows:
            ch.add("table", self.table("2", self.tr("逐项比对", "Each figure against its limit"), [
                Column(self.tr("对象", "subject")), Column(self.tr("限值要求", "requirement")),
                Column(self.tr("实测值", "measured"), None, "num"), Column(self.tr("折算后数值", "figure compared"), None, "num"),
                Column(self.tr("限值", "limit"), None, "range"), Column(self.t("unit")), Column(self.tr("结论", "result")),
                Column(self.tr("折算说明", "normalisation"))], rows))
        return ch

    def _problems(self, found: list[tuple[dict, list[str]]]) -> Chapter:
        ch = Chapter("problems", self.tr("三、存在的问题", "3. Problems found"))
        if not found:
            ch.add("p", self.tr("未发现问题。", "No problem found."))
            return ch
        joiner = "" if self.lang == "zh" else " "
        rows = [[self.label(issue["problem"]) + (self.t("veto_tag") if issue.get("veto") else ""),
                 self.t("yes") if issue.get("key_issue") else self.t("no_"), joiner.join(texts)] for issue, texts in found]
        ch.add("table", self.table("3", self.tr("问题及诊断依据", "Problems and their evidence"), [
            Column(self.t("problem")), Column(self.tr("行业关键共性问题", "key issue of the sector")),
            Column(self.t("cause"))], rows))
        return ch

    def _schemes(self, eid: str, schemes: list[dict]) -> Chapter:
        ch = Chapter("schemes", self.tr("四、适用的清洁生产方案及预期效果", "4. Options that apply and their expected effects"))
        sep = "；" if self.lang == "zh" else "; "
        own = {issue["problem"] for issue, _ in self._findings(eid)}
        rows = []
        for rec in sorted(schemes, key=lambda r: (r.get("cost_class") != "low", -(r.get("score") or 0))):
            effects = sep.join(effect_text(e) if self.lang == "zh" else _effect_en(e) for e in rec.get("expected_effects") or [])
            rows.append([self.label(rec["measure"]), _cost(rec, self.lang),
                         sep.join(self.label(p) for p in rec.get("problems") or [] if p in own) or "—", effects or "—",
                         self._economics(rec)])
        if rows:
            ch.add("table", self.table("4", self.tr("方案清单", "Options"), [
                Column(self.t("measure")), Column(self.t("cost")), Column(self.t("addresses")),
                Column(self.tr("预期效果", "expected effects")), Column(self.tr("投资与回收期", "investment and payback"))], rows))
        else:
            ch.add("p", self.tr("本企业没有适用的推荐方案。", "No recommended option applies to this enterprise."))
        return ch

    def _economics(self, rec: dict) -> str:
        """Investment per its basis (每条生产线, 每家企业 …) and the payback, as the knowledge base gives them."""
        econ = rec.get("economics") or {}
        parts = []
        inv = econ.get("investment_10k_yuan") or {}
        foreign = econ.get("investment_unconverted") or {}
        if inv.get("per_basis"):
            basis = _pick(inv.get("basis_labels"), self.lang)
            parts.append(self.tr(f"投资 {_span(inv['per_basis'])} 万元（{basis}）",
                                 f"investment {_span(inv['per_basis'])} ×10⁴ yuan ({basis})"))
            if inv.get("converted_from"):
                parts.append(_pick(inv.get("text"), self.lang))
        elif foreign.get("per_basis"):   # left in the source's currency: no exchange rate set
            basis = _pick(foreign.get("basis_labels"), self.lang)
            name = _pick(foreign.get("currency_labels"), self.lang)
            year = foreign.get("year")
            parts.append(self.tr(f"投资 {_span(foreign['per_basis'])} 万{name}（{basis}"
                                 f"{f'，{year} 年价格' if year else ''}，未换算：未设置汇率）",
                                 f"investment {_span(foreign['per_basis'])} ×10⁴ {foreign.get('currency')} ({basis}"
                                 f"{f', {year} prices' if year else ''}; not converted: no exchange rate set)"))
        pay = (econ.get("payback_years") or {}).get("range")
        if pay and pay[0] is not None:
            parts.append(self.tr(f"回收期 {_span(pay) if pay[1] is not None else number(pay[0]) + ' 以上'} 年",
                                 f"payback {_span(pay) if pay[1] is not None else number(pay[0]) + '+'} years"))
        return ("，" if self.lang == "zh" else ", ").join(parts) or self.tr("知识库无经济数据", "no economics in the knowledge base")

    def _to_confirm(self, eid: str) -> Chapter:
        ch = Chapter("confirm", self.tr("五、待现场核实", "5. To be confirmed on site"))
        items = []
        for item in self.r.get("unconfirmed", []):
            if any(ev.get("enterprise") == eid for ev in item.get("evidence", [])):
                items.append(self.tr(f"{self.label(item.get('problem'))}（所依据的工艺清单未声明完整）",
                                     f"{self.label(item.get('problem'))} (rests on a technique list not declared complete)"))
        for rec in self.r.get("recommendations", []):
            if eid in (rec.get("prerequisite_unconfirmed") or []):
                items.append(self.tr(f"方案“{self.label(rec['measure'])}”的适用条件", f"the prerequisite of "
                                     f"“{self.label(rec['measure'])}”"))
        ch.add("bullets", items)
        return ch


def _span(value: Any) -> str:
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return number(value[0]) if value[0] == value[1] else f"{number(value[0])}–{number(value[1])}"
    return number(value)


def _effect_en(e: dict) -> str:
    text = e.get("text") or {}
    if text.get("en"):
        return text["en"]
    pct = e.get("change_pct") or [None, None]
    return f"{(e.get('labels') or {}).get('en', '')} {number(pct[0])}…{number(pct[1])}%"


def enterprise_records(result: dict, lang: str = "zh") -> list[tuple[dict, Report]]:
    """Each diagnosed enterprise with the content of its record, in the survey's order."""
    builder = _Record(result, lang)
    return [(e, builder.record(e)) for e in result.get("enterprises") or [] if isinstance(e, dict)]


def file_name(n: int, enterprise: dict, suffix: str) -> str:
    """A file name every system accepts: number, id and name, without path or reserved characters."""
    stem = _UNSAFE.sub("_", f"{n:03d}_{enterprise['id']}_{enterprise.get('name') or ''}".strip("_ "))[:80]
    return f"{stem}{suffix}"


def records_zip(result: dict, lang: str = "zh") -> bytes:
    """All records in one ZIP: a Word document per enterprise and a workbook that lists them."""
    from openpyxl import Workbook

    from .report import report_docx

    records = enterprise_records(result, lang)
    buffer = io.BytesIO()
    book = Workbook()
    sheet = book.active
    sheet.title = "一企一档" if lang == "zh" else "records"
    sheet.append(["序号", "企业编号", "企业名称", "清洁生产水平", "审核结论", "文件"] if lang == "zh" else
                 ["no.", "id", "name", "level", "findings", "file"])
    subtitle = "一企一档" if lang == "zh" else "audit record"
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for n, (enterprise, report) in enumerate(records, 1):
            name = file_name(n, enterprise, ".docx")
            archive.writestr(name, report_docx(report, subtitle, lang))
            level = dict(report.facts).get("清洁生产水平" if lang == "zh" else "level", "")
            sheet.append([n, enterprise["id"], enterprise.get("name") or "", level, report.summary[0], name])
        listing = io.BytesIO()
        book.save(listing)
        archive.writestr("00_目录.xlsx" if lang == "zh" else "00_index.xlsx", listing.getvalue())
    return buffer.getvalue()
