"""The audit report as content, before any file format: the chapters of a sector audit report (审核准备与范围 →
行业现状与企业概况 → 清洁生产水平评价 → 关键共性问题及成因 → 清洁生产方案 → 方案效益预测 → 结论与建议) and the
per-enterprise annex, in one language, built from a diagnosis result.

The DOCX, XLSX and HTML writers (report.py) render the same content, so a table reads the same in Word and Excel and
the charts come from one Vega-Lite specification (charts.py). Every number keeps its unit (in the column header, or in
a unit column of the row); shares are per cent; times are Beijing time; veto items (淘汰类) come first; no identifier
of the knowledge base reaches the text — labels come from the result and from the ontology's vocabularies.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import charts

BEIJING = dt.timezone(dt.timedelta(hours=8))  # China keeps one zone and no daylight saving: a fixed offset is exact
LANGS = ("zh", "en")


# ---------------------------------------------------------------------- content types

@dataclass
class Column:
    """A table column: its title, the unit every number in it carries, and how its values are written."""
    title: str
    unit: str | None = None
    fmt: str = "text"     # text | int | num | pct (a share 0–1 written as per cent) | range (two numbers)

    def header(self, lang: str) -> str:
        if not self.unit:
            return self.title
        return f"{self.title}（{self.unit}）" if lang == "zh" else f"{self.title} ({self.unit})"


@dataclass
class Table:
    key: str              # short name, also the XLSX sheet's title
    caption: str
    columns: list[Column]
    rows: list[list[Any]]
    note: str | None = None


@dataclass
class Chart:
    key: str
    caption: str
    spec: dict


@dataclass
class Block:
    kind: str             # h2 | h3 | p | bullets | table | chart
    value: Any


@dataclass
class Chapter:
    key: str
    title: str
    blocks: list[Block] = field(default_factory=list)

    def add(self, kind: str, value: Any) -> None:
        if value not in (None, "", []):
            self.blocks.append(Block(kind, value))


@dataclass
class Report:
    lang: str
    title: str
    facts: list[tuple[str, str]]          # the cover's key figures
    summary_title: str
    summary: list[str]                    # the conclusion on page one
    chapters: list[Chapter]
    annexes: list[Chapter]
    footer: str

    def tables(self) -> list[Table]:
        return [b.value for ch in self.chapters + self.annexes for b in ch.blocks if b.kind == "table"]

    def charts(self) -> list[Chart]:
        return [b.value for ch in self.chapters + self.annexes for b in ch.blocks if b.kind == "chart"]

    def section(self, heading: str) -> list[Block]:
        """The blocks under one h2 heading, up to the next heading (for a page that shows one section)."""
        for ch in self.chapters:
            starts = [i for i, b in enumerate(ch.blocks) if b.kind == "h2" and b.value == heading]
            if starts:
                rest = ch.blocks[starts[0] + 1:]
                end = next((i for i, b in enumerate(rest) if b.kind in ("h1", "h2")), len(rest))
                return rest[:end]
        return []


# the heading of the regional / basin potential section, which the web report page shows on its own
POTENTIAL_HEADING = ("（一）区域/流域重点污染物削减潜力", "Reduction potential of the area's key pollutants")

# ---------------------------------------------------------------------- words

W = {
    "report": ("清洁生产整体审核诊断报告", "cleaner-production audit diagnosis report"),
    "ch_scope": ("一、审核准备与范围", "1. Audit preparation and scope"),
    "ch_status": ("二、行业现状与企业概况", "2. The sector and its enterprises"),
    "ch_level": ("三、清洁生产水平评价", "3. Cleaner-production level"),
    "ch_issues": ("四、关键共性问题及成因", "4. Key shared issues and their causes"),
    "ch_schemes": ("五、清洁生产方案", "5. Cleaner-production options"),
    "ch_benefits": ("六、方案效益预测", "6. Expected benefits"),
    "ch_conclusion": ("七、结论与建议", "7. Conclusions and recommendations"),
    "annex_enterprises": ("附件一 企业诊断结果（一企一档）", "Annex 1. Results per enterprise"),
    "annex_data": ("附件二 数据说明", "Annex 2. Notes on the data"),
    "summary": ("结论摘要", "Summary of conclusions"),
    "summary_generated": ("诊断摘要", "Diagnosis summary"),
    "enterprise": ("企业", "enterprise"), "enterprise_id": ("企业编号", "id"), "name": ("企业名称", "name"),
    "item": ("项目", "item"), "content": ("内容", "content"), "no": ("序号", "no."),
    "unit_ent": ("家", "enterprises"), "unit_pt": ("分", "points"), "unit_pct": ("%", "%"),
    "sector": ("行业", "sector"), "pilot_type": ("试点类型", "pilot type"), "region": ("区域", "region"),
    "basin": ("流域", "basin"), "park": ("园区", "park"), "year": ("审核年份", "audit year"),
    "surveyed": ("调查企业", "enterprises surveyed"), "diagnosed": ("参与诊断企业", "enterprises diagnosed"),
    "excluded": ("因数据错误未参与诊断", "set aside for data errors"), "total_output": ("合计产量", "total output"),
    "kb_version": ("知识库版本", "knowledge-base version"), "engine": ("诊断引擎版本", "engine version"),
    "diagnosed_at": ("诊断时间（北京时间）", "diagnosed at (Beijing time)"),
    "generated_at": ("报告生成时间（北京时间）", "report generated (Beijing time)"),
    "output": ("产量", "output"), "output_share": ("产量占比", "share of output"), "class": ("清洁生产水平", "level"),
    "level": ("等级", "level"), "count": ("企业数", "enterprises"), "share": ("占比", "share"),
    "share_ent": ("企业占比", "share of enterprises"),
    "indicator": ("指标", "indicator"), "unit": ("单位", "unit"), "value": ("数值", "value"),
    "reached": ("达到级别", "level reached"), "coverage": ("指标权重覆盖", "weight covered"),
    "below_iii": ("未达Ⅲ级的指标", "indicators below level III"), "limiting": ("限定性指标", "limiting"),
    "reported": ("填报企业", "enterprises reporting"), "mean": ("均值", "mean"),
    "bench": ("{}级基准值", "level {} benchmark"),
    "problem": ("问题", "problem"), "category": ("类别", "category"), "severity": ("严重程度", "severity"),
    "veto": ("否决项", "veto item"), "veto_tag": ("【淘汰类·否决项】", " [eliminated technique: veto item]"),
    "cause": ("成因（诊断依据）", "cause (evidence)"), "enterprises": ("涉及企业", "enterprises"),
    "measure": ("方案", "option"), "route": ("清洁生产途径", "route"), "addresses": ("解决的问题", "addresses"),
    "applies": ("适用企业数", "applies to"), "applies_ids": ("适用企业", "enterprises"),
    "to_confirm": ("适用条件待核实的企业", "prerequisite to be confirmed"), "cost": ("费用类别", "cost class"),
    "reason": ("原因", "reason"), "target": ("对象", "target"), "change": ("变化幅度", "change"),
    "now": ("现状", "today"), "after": ("实施后", "after"), "verified": ("出处已核实", "source verified"),
    "yes": ("是", "yes"), "no_": ("否", "no"), "pollutant": ("污染物", "pollutant"),
    "emission": ("年排放量", "annual emission"), "reduction": ("可削减量", "reduction"),
    "reduction_share": ("可削减比例", "reduction share"), "main_measures": ("主要方案", "main options"),
    "heavy_total": ("重金属合计", "heavy metals, total"), "none": ("无", "none"),
    "from": ("提供方", "from"), "offer": ("产出", "offer"), "to": ("需求方", "to"), "demand": ("需求", "demand"),
    "amount": ("可匹配量", "amount"), "fate": ("现状去向", "fate today"),
    "rule": ("诊断规则", "rule"), "missing": ("缺少的数据", "data missing"), "place": ("位置", "place"),
    "message": ("内容", "message"), "written": ("填写的单位", "unit written"), "read_as": ("按此理解", "read as"),
    "places": ("出现次数", "occurrences"), "name_written": ("填写的名称", "name written"),
    "kind": ("类型", "kind"), "suggestions": ("可能是", "did you mean"), "times": ("处", "places"),
}
MISSING = {"facts": ("事实问答", "facts"), "indicators": ("指标", "indicators"), "emissions": ("污染物排放", "emissions"),
           "materials": ("原辅材料", "materials"), "processes": ("工序与工艺", "processes"),
           "streams": ("资源流", "streams"), "output": ("产量", "output")}
LEVEL_WORDS = {"I": ("Ⅰ级（国际清洁生产领先水平）", "level I (international leading)"),
               "II": ("Ⅱ级（国内清洁生产先进水平）", "level II (national advanced)"),
               "III": ("Ⅲ级（国内清洁生产一般水平）", "level III (national general)"),
               "below III": ("未达Ⅲ级", "below level III"), "not rated": ("无法评级", "not rated")}
LEVEL_SHORT = {"I": ("Ⅰ级", "I"), "II": ("Ⅱ级", "II"), "III": ("Ⅲ级", "III"), "below III": ("未达Ⅲ级", "below III"),
               "not rated": ("无法评级", "not rated"), "n/a": ("—", "—"), None: ("无法评级", "not rated")}
_IRI = re.compile(r"https?://\S+")


def _w(key: str, lang: str) -> str:
    zh, en = W[key]
    return zh if lang == "zh" else en


def _pick(labels: dict | None, lang: str) -> str:
    labels = labels or {}
    return labels.get(lang) or labels.get("zh") or labels.get("en") or ""


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, dict[str, tuple[str, str]]]:
    """Scheme (class local name) -> key -> (zh, en) from the ontology's SKOS vocabularies: routes, cost classes,
    problem categories, severities, pilot types. Read from the packaged Turtle, so a report needs no store."""
    from rdflib import Graph, Literal
    from rdflib.namespace import RDF, SKOS

    from cpkb.kb.namespaces import CPKB

    graph = Graph().parse(Path(__file__).resolve().parents[1] / "ontology" / "vocabularies.ttl")
    out: dict[str, dict[str, tuple[str, str]]] = {}
    for concept, key in graph.subject_objects(CPKB.key):
        labels = {o.language: str(o) for o in graph.objects(concept, SKOS.prefLabel) if isinstance(o, Literal)}
        for kind in graph.objects(concept, RDF.type):
            if str(kind).startswith(str(CPKB)):
                out.setdefault(str(kind)[len(str(CPKB)):], {})[str(key)] = (labels.get("zh", ""), labels.get("en", ""))
    return out


def _voc(scheme: str, key: str | None, lang: str) -> str:
    pair = vocabulary().get(scheme, {}).get(key or "")
    if pair is None:
        return "—" if key is None else ("其他" if lang == "zh" else "other")
    return pair[0] if lang == "zh" else pair[1]


def beijing_time(iso: str | None) -> str:
    """An ISO 8601 time as Beijing time, written as a reader expects it (2025-06-01 14:03)."""
    if not iso:
        return "—"
    try:
        moment = dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


# ---------------------------------------------------------------------- numbers

def number(x: Any, digits: int = 3) -> str:
    """A number as a report writes it: thousands grouped, about `digits` significant figures, never 1e+05."""
    if x is None:
        return "—"
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return str(x)
    if isinstance(x, int) or float(x).is_integer() and abs(x) >= 1:
        return f"{int(round(x)):,}"
    size = abs(x)
    if size >= 1000:
        return f"{x:,.0f}"
    if size == 0:
        return "0"
    decimals = max(0, digits - 1 - int(_floor_log10(size)))
    text = f"{x:.{min(decimals, 6)}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _floor_log10(x: float) -> int:
    import math

    return math.floor(math.log10(x))


def percent(x: float | None, digits: int = 1) -> str:
    return "—" if x is None else f"{x * 100:.{digits}f}%"


def cell_text(value: Any, column: Column) -> str:
    """How a cell is written in Word and on the page (the workbook keeps numbers as numbers)."""
    if value is None or value == "":
        return "—"
    if column.fmt == "pct" and isinstance(value, (int, float)):
        return f"{value * 100:.1f}"
    if column.fmt == "range" and isinstance(value, (list, tuple)):
        return "～".join(number(v) for v in value)
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    return number(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)


def _signed_range(pair: list | None) -> str | None:
    """An effect range in per cent, e.g. [-70, -40] → '-70～-40'."""
    if not pair:
        return None
    low, high = pair
    return number(low) if low == high else f"{number(low)}～{number(high)}"


# ---------------------------------------------------------------------- the report

class _Builder:
    def __init__(self, result: dict, lang: str):
        if lang not in LANGS:
            raise ValueError(f"report language {lang!r}: choose zh or en")
        self.r, self.lang = result, lang
        self.scope = result.get("scope") or {}
        self.labels: dict[str, str] = {}          # IRI -> label, for anything the result names
        for item in result.get("key_issues", []) + result.get("other_findings", []):
            self.labels[item["problem"]] = _pick(item.get("labels"), lang)
        for rec in result.get("recommendations", []) + result.get("not_recommended", []):
            self.labels[rec["measure"]] = _pick(rec.get("labels"), lang)
        for rule in result.get("rules_not_evaluated", []):
            self.labels[rule["rule"]] = _pick(rule.get("labels"), lang)
        self.indicators: dict[str, dict] = {}
        for system in (result.get("indicator_assessment") or {}).get("systems", []):
            for ind in system.get("indicators", []):
                self.indicators[ind["indicator"]] = ind
                self.labels[ind["indicator"]] = _pick(ind.get("labels"), lang)
        self.names = {e["id"]: e.get("name") for e in result.get("enterprises") or [] if isinstance(e, dict)}
        self.table_no: dict[str, int] = {}

    # small helpers -----------------------------------------------------
    def t(self, key: str) -> str:
        return _w(key, self.lang)

    def tr(self, zh: str, en: str) -> str:
        return zh if self.lang == "zh" else en

    def label(self, iri: str | None) -> str:
        return self.labels.get(iri or "", "") or "—"

    def plain(self, text: str) -> str:
        """Text from the engine with any IRI written as its label (no identifier reaches the report)."""
        return _IRI.sub(lambda m: self.labels.get(m.group(0).rstrip("，。；,.;)）"), "—"), text or "")

    def ents(self, n: int) -> str:
        return f"{n} 家" if self.lang == "zh" else f"{n} enterprise{'s' if n != 1 else ''}"

    def table(self, chapter: str, caption: str, columns: list[Column], rows: list[list], note: str | None = None,
              key: str | None = None) -> Table:
        n = self.table_no[chapter] = self.table_no.get(chapter, 0) + 1
        prefix = f"表{chapter}-{n}" if self.lang == "zh" else f"Table {chapter}-{n}"
        return Table(key or caption, f"{prefix} {caption}", columns, rows, note)

    def chart(self, chapter: str, caption: str, spec: dict | None, name: str) -> Chart | None:
        if spec is None:
            return None
        n = self.table_no[f"fig{chapter}"] = self.table_no.get(f"fig{chapter}", 0) + 1
        prefix = f"图{chapter}-{n}" if self.lang == "zh" else f"Figure {chapter}-{n}"
        return Chart(name, f"{prefix} {caption}", spec)

    def sector(self) -> str:
        return _pick(self.scope.get("sector_label"), self.lang) or "—"

    def pilot(self) -> str:
        return _voc("PilotType", self.scope.get("pilot_type"), self.lang)

    def threshold(self) -> tuple[float, int]:
        s = self.r.get("settings") or {}
        return float(s.get("key_issue_prevalence", 0.3)), int(s.get("key_issue_min_enterprises", 1))

    def classes(self) -> dict[str, str | None]:
        return {e["enterprise"]: e.get("class") for e in (self.r.get("indicator_assessment") or {}).get("enterprises", [])}

    # the report ----------------------------------------------------------
    def build(self) -> Report:
        title = self.scope.get("title") or f"{self.sector()}{self.t('report')}"
        chapters = [self.ch_scope(), self.ch_status(), self.ch_level(), self.ch_issues(), self.ch_schemes(),
                    self.ch_benefits(), self.ch_conclusion()]
        annexes = [self.annex_enterprises(), self.annex_data()]
        conclusion = _pick(self.r.get("conclusion"), self.lang)
        summary = [conclusion] if conclusion else self.generated_summary()
        facts = [(self.t("sector"), self.sector()), (self.t("pilot_type"), self.pilot()),
                 (self.t("diagnosed"), self.ents(int(self.scope.get("diagnosed") or 0))),
                 (self.t("kb_version"), str(self.r.get("kb_version") or "—")),
                 (self.t("diagnosed_at"), beijing_time(self.r.get("generated_at")))]
        footer = self.tr(f"本报告由 CPKB {self.r.get('engine_version') or ''} 依据知识库版本 {self.r.get('kb_version')} 生成；"
                         f"生成时间 {beijing_time(dt.datetime.now(dt.timezone.utc).isoformat())}（北京时间）。",
                         f"Written by CPKB {self.r.get('engine_version') or ''} from knowledge-base version "
                         f"{self.r.get('kb_version')}; generated {beijing_time(dt.datetime.now(dt.timezone.utc).isoformat())} "
                         "(Beijing time).")
        return Report(self.lang, title, facts, self.t("summary") if conclusion else self.t("summary_generated"),
                      summary, chapters, annexes, footer)

    def generated_summary(self) -> list[str]:
        key = self.r.get("key_issues", [])
        veto = [i for i in key if i.get("veto")]
        low = len((self.r.get("schemes") or {}).get("low_cost", []))
        high = len((self.r.get("schemes") or {}).get("high_cost", []))
        dist = self._distribution()
        n = int(self.scope.get("diagnosed") or 0)
        level_text = "、".join(f"{LEVEL_SHORT[k][0]} {v} 家" for k, v in dist.items() if v) if self.lang == "zh" else \
            ", ".join(f"{LEVEL_SHORT[k][1]}: {v}" for k, v in dist.items() if v)
        out = [self.tr(
            f"本次对{self.sector()}行业 {n} 家企业开展整体审核诊断，识别关键共性问题 {len(key)} 项"
            f"（其中淘汰类否决项 {len(veto)} 项），提出无/低费方案 {low} 项、中/高费方案 {high} 项。"
            + (f"清洁生产水平评价：{level_text}（暂定）。" if level_text else ""),
            f"{n} enterprises of the {self.sector()} sector were diagnosed: {len(key)} key shared issue(s) "
            f"({len(veto)} veto item(s) from eliminated techniques), {low} no/low-cost and {high} medium/high-cost "
            "option(s)." + (f" Cleaner-production level (provisional): {level_text}." if level_text else ""))]
        if veto:
            out.append(self.tr(
                "否决项须优先整改：" + "；".join(f"{self.label(i['problem'])}（{'、'.join(i['enterprises'])}）" for i in veto) + "。",
                "Veto items to correct first: " + "; ".join(f"{self.label(i['problem'])} ({', '.join(i['enterprises'])})"
                                                           for i in veto) + "."))
        return out

    def _distribution(self) -> dict[str, int]:
        dist: dict[str, int] = {}
        for system in (self.r.get("indicator_assessment") or {}).get("systems", []):
            for level, count in (system.get("distribution") or {}).items():
                dist[level] = dist.get(level, 0) + int(count or 0)
        return dist

    # chapter 1 -----------------------------------------------------------
    def ch_scope(self) -> Chapter:
        ch = Chapter("scope", self.t("ch_scope"))
        share, min_count = self.threshold()
        s = self.scope
        ch.add("p", self.tr(
            f"本次审核为{self.sector()}行业{self.pilot()}，按清洁生产审核创新试点（环办科财函〔2022〕178号）的要求"
            f"开展。诊断以 CPKB 知识库（版本 {self.r.get('kb_version')}）收录的诊断规则、"
            "清洁生产评价指标体系和清洁生产方案为依据，对每家企业逐条判别，再汇总为行业的关键共性问题。"
            f"问题出现于不少于 {percent(share)} 的企业（或产量）且不少于 {min_count} 家企业时认定为关键共性问题；"
            "在用淘汰类工艺装备的，不论占比均列为否决项。",
            f"This is a {self.pilot()} audit of the {self.sector()} sector under 环办科财函〔2022〕178号. Each enterprise "
            f"is checked against the diagnostic rules, indicator systems and options of the CPKB knowledge base (version "
            f"{self.r.get('kb_version')}); the findings are then summed up into the sector's key shared issues. A problem "
            f"is a key issue when found in at least {percent(share)} of enterprises (or of output) and in at least "
            f"{min_count} enterprises; an eliminated technique in use is a veto item whatever its share."))
        unit = s.get("output_unit") or ""
        rows = [[self.t("sector"), self.sector()], [self.t("pilot_type"), self.pilot()]]
        if s.get("region"):
            rows.append([self.t("region"), _pick(s.get("region_label"), self.lang)])
        if s.get("basin"):
            rows.append([self.t("basin"), _pick(s.get("basin_label"), self.lang)])
        if s.get("park"):
            rows.append([self.t("park"), s["park"]])
        if s.get("year"):
            rows.append([self.t("year"), self.tr(f"{s['year']} 年", str(s["year"]))])
        rows += [[self.t("surveyed"), self.ents(int(s.get("enterprises") or 0))],
                 [self.t("diagnosed"), self.ents(int(s.get("diagnosed") or 0))]]
        if s.get("excluded"):
            rows.append([self.t("excluded"), self.ents(int(s["excluded"]))])
        if s.get("total_output") is not None:
            rows.append([self.t("total_output"), f"{number(s['total_output'])} {unit}".strip()])
        rows += [[self.t("kb_version"), str(self.r.get("kb_version") or "—")],
                 [self.t("engine"), str(self.r.get("engine_version") or "—")],
                 [self.t("diagnosed_at"), beijing_time(self.r.get("generated_at"))]]
        ch.add("table", self.table("1", self.tr("审核范围", "Scope"), [Column(self.t("item")), Column(self.t("content"))],
                                   rows, key=self.tr("审核范围", "scope")))
        self._eligibility(ch)
        self._targets(ch)
        self._data_quality(ch)
        return ch

    def _eligibility(self, ch: Chapter) -> None:
        found = self.r.get("eligibility") or {}
        if not found.get("conditions"):
            return
        words = {"met": self.tr("符合", "met"), "not-met": self.tr("不符合", "not met"), "unknown": self.tr("待确认", "unknown")}
        rows = []
        for c in found["conditions"]:
            who = c.get("enterprises") or {}
            rows.append([_pick(c["labels"], self.lang), words[c["status"]],
                         "、".join(who.get("not-met") or []) or "—", "、".join(who.get("unknown") or []) or "—",
                         self.tr("、", ", ").join(_pick(b["labels"], self.lang) for b in c["basis"])])
        ch.add("table", self.table("1", self.tr("试点申报条件", "Pilot conditions"), [
            Column(self.tr("条件", "condition")), Column(self.tr("结论", "status")),
            Column(self.tr("不符合的企业", "enterprises not meeting it")), Column(self.tr("待确认的企业", "enterprises unknown")),
            Column(self.tr("依据的调查问题", "survey questions it rests on"))], rows,
            note=_pick(found.get("summary"), self.lang), key=self.tr("申报条件", "eligibility")))

    def _targets(self, ch: Chapter) -> None:
        """The reduction targets of the survey's region or basin (model v2), with their sources' state."""
        targets = self.r.get("targets") or []
        if not targets:
            return
        ch.add("table", self.table("1", self.tr("区域/流域减排目标", "Reduction targets of the area"), [
            Column(self.tr("区域/流域", "area")), Column(self.t("pollutant")), Column(self.tr("削减比例", "reduction"), "%", "num"),
            Column(self.tr("基准年", "baseline year")), Column(self.tr("目标年", "target year")), Column(self.t("verified")),
            Column(self.tr("说明", "note"))],     # the note says when a figure is national, not the area's own
            [[_pick(t.get("area_labels"), self.lang), _pick(t.get("pollutant_labels"), self.lang), t.get("reduction_pct"),
              self._year(t.get("baseline_year")), self._year(t.get("by_year")),
              self.t("yes") if t.get("verified") else self.t("no_"), _pick(t.get("note"), self.lang)]
             for t in targets if isinstance(t, dict)],
            key=self.tr("减排目标", "targets")))

    def _year(self, year) -> str:
        return "—" if not year else self.tr(f"{year} 年", str(year))

    def _data_quality(self, ch: Chapter) -> None:
        unresolved = self.r.get("unresolved") or []
        if unresolved:
            ch.add("h2", self.tr("（一）未能识别的名称", "Names not recognised"))
            ch.add("p", self.tr("以下名称在知识库中没有对应条目，相关数据未参与判别，请核对后按建议的名称填写：",
                                "These names match no entry of the knowledge base, so their data took no part in the "
                                "diagnosis; check them and write one of the names suggested:"))
            ch.add("table", self.table("1", self.tr("未能识别的名称", "Names not recognised"), [
                Column(self.t("name_written")), Column(self.t("kind")), Column(self.t("places"), self.t("times"), "int"),
                Column(self.t("count"), self.t("unit_ent"), "int"), Column(self.t("suggestions"))],
                [[u.get("name"), u.get("kind"), len(u.get("places") or []), u.get("enterprises"),
                  "、".join(_pick(sg.get("label"), self.lang) for sg in u.get("suggestions") or [])]
                 for u in unresolved], key=self.tr("未识别名称", "names not recognised")))
        understood = self.r.get("units_understood") or []
        if understood:
            ch.add("h2", self.tr("（二）单位的理解", "How units were read"))
            ch.add("table", self.table("1", self.tr("单位的理解", "Units as read"), [
                Column(self.t("written")), Column(self.t("read_as")), Column(self.t("places"), self.t("times"), "int")],
                [[u.get("written"), u.get("as"), len(u.get("places") or [])] for u in understood],
                key=self.tr("单位理解", "units read")))

    # chapter 2 -----------------------------------------------------------
    def ch_status(self) -> Chapter:
        ch = Chapter("status", self.t("ch_status"))
        unit = self.scope.get("output_unit") or ""
        total = self.scope.get("total_output") or 0
        ents = [e for e in self.r.get("enterprises") or [] if isinstance(e, dict)]
        classes = self.classes()
        ch.add("p", self.tr(
            f"参与诊断的 {len(ents)} 家企业合计产量 {number(total)} {unit}。" if total else
            f"参与诊断的企业共 {len(ents)} 家，调查未填报产量。",
            f"The {len(ents)} enterprises diagnosed produce {number(total)} {unit} in all." if total else
            f"{len(ents)} enterprises were diagnosed; the survey gives no output."))
        rows = []
        for n, e in enumerate(ents, 1):
            out = e.get("output")
            rows.append([n, e["id"], e.get("name") or "—", out, (out / total) if out is not None and total else None,
                         LEVEL_SHORT.get(classes.get(e["id"]), LEVEL_SHORT[None])[0 if self.lang == "zh" else 1]])
        ch.add("table", self.table("2", self.tr("企业概况", "Enterprises"), [
            Column(self.t("no")), Column(self.t("enterprise_id")), Column(self.t("name")),
            Column(self.t("output"), unit or None, "num"), Column(self.t("output_share"), "%", "pct"),
            Column(self.t("class"))], rows, key=self.tr("企业概况", "enterprises")))
        self._compliance(ch)
        return ch

    def _compliance(self, ch: Chapter) -> None:
        """Limit requirements (限值要求) checked per enterprise, when the result carries them (model v2)."""
        sets = (self.r.get("compliance") or {}).get("sets") or []
        if not sets:
            return
        ch.add("h2", self.tr("（一）排放限值符合性", "Compliance with emission limits"))
        ch.add("p", self.plain(_pick((self.r.get("compliance") or {}).get("note"), self.lang)))
        unplaced = (self.r.get("compliance") or {}).get("local_unplaced")
        if unplaced:
            ch.add("p", self.plain(_pick(unplaced, self.lang)))
        sep = "、" if self.lang == "zh" else ", "
        summary = []
        for item in sets:
            status = item.get("enterprises") or {}
            document = " ".join(x for x in (item.get("document_number"),
                                            _pick(item.get("document_labels"), self.lang)) if x) or "—"
            if item.get("local"):   # a local standard is named as such: 浙江省地方标准 DB33/2146-2018：title
                title = _pick(item.get("document_labels"), self.lang) or ""
                document = f"{_pick(item['local'], self.lang)}{'：' if self.lang == 'zh' else ': '}{title}"
            summary.append([_pick(item.get("labels"), self.lang), document,
                            item.get("clause") or "—", len(status.get("applies", [])), len(item.get("exceeded", [])),
                            sep.join(sorted({c["enterprise"] for c in item.get("exceeded", [])})) or "—",
                            _pick(item.get("limits_note"), self.lang) if item.get("limits_read") is False
                            else sep.join(item.get("not_measured", [])) or "—"])
        ch.add("table", self.table("2", self.tr("限值要求与超标情况", "Limits and exceedances"), [
            Column(self.tr("限值要求", "requirement")), Column(self.tr("依据", "document")), Column(self.tr("条款", "clause")),
            Column(self.tr("适用企业", "enterprises bound"), self.t("unit_ent"), "int"),
            Column(self.tr("超标次数", "exceedances"), self.tr("次", "times"), "int"),
            Column(self.tr("超标企业", "enterprises over the limit")), Column(self.tr("未填报数据的企业", "not measured"))],
            summary, key=self.tr("限值要求", "limits")))
        rows = []
        for item in sets:
            for c in item.get("checks", []):
                limit = c.get("limit_value")
                how = "；".join(x for x in (_pick(c.get("o2"), self.lang),
                                             (c.get("derived") or {}).get("formula") or "") if x)
                rows.append([c.get("enterprise"), _pick(c.get("subject_labels"), self.lang),
                             _pick(item.get("labels"), self.lang), c.get("measured"), c.get("compared"), limit,
                             c.get("unit") or "—", self._verdict(c), how or "—"])
            for u in item.get("place_unknown", []):   # a figure at a place no limit can be matched to
                rows.append([u.get("enterprise"), _pick(u.get("subject_labels"), self.lang), _pick(item.get("labels"), self.lang),
                             u.get("measured"), None, None, u.get("measured_unit") or "—",
                             self.tr("位置未知，未判断", "place unknown, not judged"), _pick(u.get("why"), self.lang)])
        if rows:
            ch.add("table", self.table("2", self.tr("逐项比对", "Each figure against its limit"), [
                Column(self.t("enterprise")), Column(self.tr("对象", "subject")), Column(self.tr("限值要求", "requirement")),
                Column(self.tr("实测值", "measured"), None, "num"), Column(self.tr("折算后数值", "figure compared"), None, "num"),
                Column(self.tr("限值", "limit"), None, "range"), Column(self.t("unit")), Column(self.tr("结论", "result")),
                Column(self.tr("折算与推算", "normalisation"))], rows, key=self.tr("限值比对", "limit checks")))

    def _verdict(self, c: dict) -> str:
        """超标 / 达标, and where several standards judge one figure, which limit binds (从严执行)."""
        word = self.tr("超标", "over") if c.get("exceeded") else self.tr("达标", "within")
        if c.get("binding") is True:
            return word + self.tr("（从严执行此限值）", " (the stricter limit, binding)")
        stricter = c.get("stricter")
        if stricter:
            return word + self.tr(f"（另有更严限值{stricter['limit_value']:g}：{_pick(stricter['labels'], 'zh')}）",
                                  f" (a stricter limit {stricter['limit_value']:g} binds: {_pick(stricter['labels'], 'en')})")
        return word

    # chapter 3 -----------------------------------------------------------
    def ch_level(self) -> Chapter:
        ch = Chapter("level", self.t("ch_level"))
        assessment = self.r.get("indicator_assessment") or {}
        systems = assessment.get("systems", [])
        if not systems:
            ch.add("p", self.tr("知识库中没有该行业的评价指标体系，未作水平评价。",
                                "The knowledge base holds no indicator system of this sector: no level was assessed."))
            return ch
        for system in systems:
            dist = system.get("distribution") or {}
            total = sum(dist.values()) or 1
            ch.add("p", self.tr(
                f"按《{_pick(system.get('labels'), 'zh')}》对企业逐项评价（各级为累计：达到Ⅰ级即同时满足Ⅱ、Ⅲ级）。"
                "知识库尚未收录该指标体系的全部指标，评价结果为暂定，覆盖比例见表中“指标权重覆盖”。",
                f"Enterprises rated against {_pick(system.get('labels'), 'en')} (levels are cumulative). The knowledge "
                "base holds only part of the system's indicators, so the classes are provisional (see 'weight covered')."))
            levels = [k for k in ("I", "II", "III", "below III", "not rated") if k in dist]
            ch.add("chart", self.chart("3", self.tr("清洁生产水平分布", "Cleaner-production levels"), charts.level_distribution(
                [(LEVEL_SHORT[k][0 if self.lang == "zh" else 1], dist[k]) for k in levels],
                self.tr("企业数（家）", "enterprises")), "levels"))
            ch.add("table", self.table("3", self.tr("清洁生产水平分布", "Levels"), [
                Column(self.t("level")), Column(self.t("count"), self.t("unit_ent"), "int"),
                Column(self.t("share"), "%", "pct")],
                [[LEVEL_WORDS[k][0 if self.lang == "zh" else 1], dist[k], dist[k] / total] for k in levels],
                key=self.tr("水平分布", "levels")))
            ch.add("table", self.indicator_statistics(system, assessment.get("enterprises", [])))
        rows = []
        for e in assessment.get("enterprises", []):
            cls = LEVEL_SHORT.get(e.get("class"), LEVEL_SHORT[None])[0 if self.lang == "zh" else 1]
            if e.get("provisional"):
                cls += self.tr("（暂定）", " (provisional)")
            below = [self.label(i["indicator"]) for i in e.get("indicators", []) if i.get("level") == "below III"]
            y = e.get("Y") or {}
            rows.append([e["enterprise"], cls, y.get("I"), y.get("II"), y.get("III"), e.get("coverage"),
                         "、".join(below) if self.lang == "zh" else ", ".join(below)])
        ch.add("table", self.table("3", self.tr("企业评价结果", "Results per enterprise"), [
            Column(self.t("enterprise")), Column(self.t("class")), Column("Y_Ⅰ", self.t("unit_pt"), "num"),
            Column("Y_Ⅱ", self.t("unit_pt"), "num"), Column("Y_Ⅲ", self.t("unit_pt"), "num"),
            Column(self.t("coverage"), "%", "pct"), Column(self.t("below_iii"))], rows,
            key=self.tr("企业评价", "enterprise levels")))
        self._grade_basis(ch)
        return ch

    def _grade_basis(self, ch: Chapter) -> None:
        """What each enterprise's grade rests on and what is missing (model v2)."""
        rows = []
        sep = "；" if self.lang == "zh" else "; "
        reasons = {"no-value": ("无数值", "no value"), "no-variant": ("无适用分档", "no variant applies"),
                   "contradicted": ("与本企业其他数据矛盾", "contradicted by the enterprise's own figures"),
                   "not-applicable": ("不适用", "not applicable"),
                   "level-iii-unknown": ("未达已录入的基准值且Ⅲ级值未录入，不计分",
                                         "misses the recorded benchmarks and level III is not recorded: not scored")}
        for e in (self.r.get("indicator_assessment") or {}).get("enterprises", []):
            basis = e.get("basis")
            if not basis:
                continue
            rests = sep.join(f"{_pick(c.get('labels'), self.lang)}（{'、'.join(self.label(i) for i in c.get('indicators', []))}）"
                             for c in basis.get("categories", []))
            missing = sep.join(f"{self.label(m.get('indicator'))}：{reasons.get(m.get('reason'), (m.get('reason'),) * 2)[0 if self.lang == 'zh' else 1]}"
                               for m in basis.get("missing", []))
            rows.append([e["enterprise"], e.get("coverage"), rests or "—", missing or "—",
                         self.plain(_pick(basis.get("note"), self.lang)) or "—"])
        if rows:
            ch.add("table", self.table("3", self.tr("评级依据与缺失说明", "What each grade rests on"), [
                Column(self.t("enterprise")), Column(self.t("coverage"), "%", "pct"),
                Column(self.tr("依据的指标", "rests on")), Column(self.tr("缺失及原因", "missing")), Column(self.tr("说明", "note"))],
                rows, key=self.tr("评级依据", "grade basis")))

    def indicator_statistics(self, system: dict, enterprises: list[dict]) -> Table:
        """Per indicator: benchmarks, how many enterprises reported it, their mean and how many miss level III."""
        values: dict[str, list] = {}
        below: dict[str, int] = {}
        for e in enterprises:
            if e.get("system") not in (None, system.get("system")):
                continue
            for i in e.get("indicators", []):
                values.setdefault(i["indicator"], []).append(i.get("value"))
                below[i["indicator"]] = below.get(i["indicator"], 0) + (i.get("level") == "below III")
        rows = []
        for ind in system.get("indicators", []):
            got = values.get(ind["indicator"], [])
            numbers = [v for v in got if isinstance(v, (int, float)) and not isinstance(v, bool)]
            bench = ind.get("benchmarks") or {}
            rows.append([_pick(ind.get("labels"), self.lang), ind.get("unit") or "—",
                         self.t("yes") if ind.get("limiting") else self.t("no_"),
                         *[bench.get(k) if not isinstance(bench.get(k), dict) else None for k in ("I", "II", "III")],
                         len(got), (sum(numbers) / len(numbers)) if numbers else None, below.get(ind["indicator"], 0)])
        return self.table("3", self.tr("评价指标与企业填报情况", "Indicators and what enterprises reported"), [
            Column(self.t("indicator")), Column(self.t("unit")), Column(self.t("limiting")),
            Column(self.t("bench").format("Ⅰ" if self.lang == "zh" else "I"), None, "num"),
            Column(self.t("bench").format("Ⅱ" if self.lang == "zh" else "II"), None, "num"),
            Column(self.t("bench").format("Ⅲ" if self.lang == "zh" else "III"), None, "num"),
            Column(self.t("reported"), self.t("unit_ent"), "int"), Column(self.t("mean"), None, "num"),
            Column(self.tr("未达Ⅲ级企业", "below level III"), self.t("unit_ent"), "int")], rows,
            key=self.tr("指标统计", "indicators"))

    # chapter 4 -----------------------------------------------------------
    def ch_issues(self) -> Chapter:
        ch = Chapter("issues", self.t("ch_issues"))
        key = self.r.get("key_issues", [])
        share, min_count = self.threshold()
        veto = [i for i in key if i.get("veto")]
        if not key:
            ch.add("p", self.tr("未发现达到认定条件的关键共性问题。", "No problem meets the conditions of a key issue."))
        else:
            ch.add("p", self.tr(
                f"共识别关键共性问题 {len(key)} 项，其中淘汰类否决项 {len(veto)} 项（列于最前）。"
                f"认定条件：出现于不少于 {percent(share)} 的企业或产量，且不少于 {min_count} 家企业。",
                f"{len(key)} key issue(s), {len(veto)} of them veto items (listed first). A key issue is found in at "
                f"least {percent(share)} of enterprises or output and in at least {min_count} enterprises."))
            ch.add("chart", self.chart("4", self.tr("关键共性问题的企业占比与产量占比", "Key issues: share of enterprises and of output"),
                                       charts.issue_prevalence(
                [(self.label(i["problem"]), i["prevalence"]["enterprises"], i["prevalence"].get("output")) for i in key],
                share, self.t("share_ent"), self.t("output_share"), self.tr("占比", "share")), "prevalence"))
            ch.add("table", self.issue_table("4", key, self.tr("关键共性问题", "Key issues"), self.tr("关键问题", "key issues")))
            for n, issue in enumerate(key, 1):
                head = f"（{_cn_number(n)}）{self.label(issue['problem'])}" if self.lang == "zh" else \
                    f"4.{n} {self.label(issue['problem'])}"
                ch.add("h2", head + (self.t("veto_tag") if issue.get("veto") else ""))
                ch.add("p", self.tr(
                    f"涉及 {issue['count']} 家企业（企业占比 {percent(issue['prevalence']['enterprises'])}"
                    + (f"，产量占比 {percent(issue['prevalence']['output'])}" if issue["prevalence"].get("output") is not None else "")
                    + f"）；严重程度：{_voc('Severity', issue.get('severity'), 'zh')}。成因如下（同一成因的企业合并列出）：",
                    f"Found in {issue['count']} enterprise(s) ({percent(issue['prevalence']['enterprises'])} of enterprises"
                    + (f", {percent(issue['prevalence']['output'])} of output" if issue["prevalence"].get("output") is not None else "")
                    + f"); severity {_voc('Severity', issue.get('severity'), 'en')}. Causes (enterprises with the same "
                      "cause listed together):"))
                ch.add("table", self.cause_table("4", issue))
        self._technique_status(ch)
        other = self.r.get("other_findings", [])
        if other:
            ch.add("h2", self.tr("其他发现（未达认定条件，供企业自查）", "Other findings (below the conditions; for each enterprise to check)"))
            ch.add("table", self.issue_table("4", other, self.tr("其他发现", "Other findings"), self.tr("其他发现", "other findings")))
            self._finding_measures(ch, other)
        unconfirmed = self.r.get("unconfirmed") or []
        if unconfirmed:
            ch.add("h2", self.tr("待现场核实的发现", "Findings to be confirmed on site"))
            ch.add("p", self.tr("以下发现仅依据调查未列出的工艺作出，而调查未声明其工艺清单完整，须现场核实：",
                                "These findings rest only on a technique missing from a list the survey did not declare "
                                "complete: confirm them on site."))
            sep = "、" if self.lang == "zh" else ", "
            rows = [[self.label(u.get("problem")) if u.get("problem") in self.labels else _pick(u.get("labels"), self.lang),
                     sep.join(ents), text] for u in unconfirmed if isinstance(u, dict) for ents, text in self.causes(u)]
            ch.add("table", self.table("4", self.tr("待现场核实的发现", "To confirm on site"), [
                Column(self.t("problem")), Column(self.t("enterprises")), Column(self.t("cause"))], rows,
                key=self.tr("待现场核实", "to confirm")))
        return ch

    def _finding_measures(self, ch: Chapter, findings: list[dict]) -> None:
        """The measures each enterprise can take for its own findings (the sector schemes cover the key issues)."""
        sep = "、" if self.lang == "zh" else ", "
        rows = [[self.label(f["problem"]), _pick(m.get("labels"), self.lang),
                 self.tr("无/低费", "no/low cost") if m.get("cost_class") == "low" else self.tr("中/高费", "medium/high cost"),
                 sep.join(m.get("applies_to", []))]
                for f in findings for m in f.get("measures") or []]
        if rows:
            ch.add("table", self.table("4", self.tr("其他发现的可选方案", "Measures for the other findings"), [
                Column(self.t("problem")), Column(self.tr("方案", "Measure")), Column(self.tr("费用类别", "Cost class")),
                Column(self.t("enterprises"))], rows, key=self.tr("其他发现的方案", "measures for other findings")))

    def _technique_status(self, ch: Chapter) -> None:
        """Each technique in use with a policy status (淘汰类, 限制类 …) and the basis of that status (model v2)."""
        from .report_model import APPLIES, STATUS

        status_en = {"obsolete": "eliminated", "restricted": "restricted", "common": "common", "advanced": "advanced"}
        rows = []
        for t in self.r.get("technique_status") or []:
            for b in t.get("bases", []):
                where = "；".join(f"{APPLIES.get(k, k) if self.lang == 'zh' else k}：{'、'.join(v)}"
                                 for k, v in (b.get("enterprises") or {}).items())
                rows.append([_pick(t.get("labels"), self.lang),
                             STATUS.get(b.get("status"), "—") if self.lang == "zh" else status_en.get(b.get("status"), "—"),
                             f"{_pick(b.get('document_labels'), self.lang)} {b.get('clause') or ''}".strip() or "—",
                             b.get("from") or "—", _pick(b.get("exception"), self.lang) or "—",
                             _pick(b.get("area"), self.lang) or self.tr("全国", "nationwide"), where or "—",
                             self.t("yes") if b.get("verified") else self.t("no_")])
        if rows:
            ch.add("h2", self.tr("在用工艺的政策状态及其依据", "Policy status of the techniques in use"))
            ch.add("table", self.table("4", self.tr("工艺状态及其依据", "Technique status and its basis"), [
                Column(self.tr("工艺装备", "technique")), Column(self.tr("状态", "status")), Column(self.tr("依据", "basis")),
                Column(self.tr("起始", "from")), Column(self.tr("除外", "exception")), Column(self.tr("地域", "area")),
                Column(self.t("enterprises")), Column(self.t("verified"))], rows, key=self.tr("工艺状态", "technique status")))

    def issue_table(self, chapter: str, issues: list[dict], caption: str, key: str) -> Table:
        rows = [[n, self.label(i["problem"]), _voc("ProblemCategory", i.get("category"), self.lang),
                 _voc("Severity", i.get("severity"), self.lang), i.get("count"), i["prevalence"]["enterprises"],
                 i["prevalence"].get("output"), self.t("yes") if i.get("veto") else self.t("no_"),
                 "、".join(i.get("enterprises", [])) if self.lang == "zh" else ", ".join(i.get("enterprises", []))]
                for n, i in enumerate(issues, 1)]
        return self.table(chapter, caption, [
            Column(self.t("no")), Column(self.t("problem")), Column(self.t("category")), Column(self.t("severity")),
            Column(self.t("count"), self.t("unit_ent"), "int"), Column(self.t("share_ent"), "%", "pct"),
            Column(self.t("output_share"), "%", "pct"), Column(self.t("veto")), Column(self.t("enterprises"))],
            rows, key=key)

    def causes(self, issue: dict) -> list[tuple[list[str], str]]:
        """(enterprises, cause) with one sentence per rule an enterprise matched, identical causes merged."""
        per_enterprise: dict[str, list[str]] = {}
        for ev in issue.get("evidence", []):
            text = self.plain(_pick(ev.get("explanation"), self.lang))
            found = per_enterprise.setdefault(ev["enterprise"], [])
            if text and text not in found:
                found.append(text)
        grouped: dict[str, list[str]] = {}
        for ent, texts in per_enterprise.items():
            grouped.setdefault(("" if self.lang == "zh" else " ").join(texts), []).append(ent)
        return [(ents, text) for text, ents in grouped.items()]

    def cause_table(self, chapter: str, issue: dict) -> Table:
        sep = "、" if self.lang == "zh" else ", "
        return self.table(chapter, self.tr(f"{self.label(issue['problem'])}的成因", f"Causes: {self.label(issue['problem'])}"),
                          [Column(self.t("enterprises")), Column(self.t("cause"))],
                          [[sep.join(ents), text] for ents, text in self.causes(issue)],
                          key=self.tr("成因", "causes") + " " + self.label(issue["problem"]))

    # chapter 5 -----------------------------------------------------------
    def ch_schemes(self) -> Chapter:
        ch = Chapter("schemes", self.t("ch_schemes"))
        recs = {r["measure"]: r for r in self.r.get("recommendations", [])}
        schemes = self.r.get("schemes") or {}
        ch.add("p", self.tr(
            "针对关键共性问题，从知识库的清洁生产方案中选出适用于受影响企业的方案，按严重程度与可实施企业比例排序；"
            "无/低费方案可在审核过程中边审边改，中/高费方案须进行技术、环境和经济可行性分析。",
            "For the key issues, the knowledge base's options that apply to the enterprises affected, ranked by severity "
            "and by the share of enterprises that can carry them out; no/low-cost options can be carried out during the "
            "audit, medium/high-cost ones need a technical, environmental and economic feasibility study."))
        for heading, name in ((self.tr("（一）无/低费方案", "5.1 No/low-cost options"), "low_cost"),
                              (self.tr("（二）中/高费方案", "5.2 Medium/high-cost options"), "high_cost")):
            ch.add("h2", heading)
            group = [recs[m] for m in schemes.get(name, []) if m in recs]
            if not group:
                ch.add("p", self.t("none") + self.tr("。", "."))
                continue
            sep = "、" if self.lang == "zh" else ", "
            rows = [[n, self.label(m["measure"]), _voc("Route", m.get("route"), self.lang),
                     sep.join(self.label(p) for p in m.get("problems", [])), len(m.get("applies_to", [])),
                     sep.join(m.get("applies_to", [])), sep.join(m.get("prerequisite_unconfirmed", [])) or "—"]
                    for n, m in enumerate(group, 1)]
            ch.add("table", self.table("5", heading.split("）")[-1].split(" ", 1)[-1], [
                Column(self.t("no")), Column(self.t("measure")), Column(self.t("route")), Column(self.t("addresses")),
                Column(self.t("applies"), self.t("unit_ent"), "int"), Column(self.t("applies_ids")),
                Column(self.t("to_confirm"))], rows, key=heading.split("）")[-1].split(" ", 1)[-1]))
        rejected = self.r.get("not_recommended", [])
        if rejected:
            ch.add("h2", self.tr("（三）未推荐的候选方案", "5.3 Candidates not recommended"))
            ch.add("table", self.table("5", self.tr("未推荐的候选方案", "Not recommended"), [
                Column(self.t("measure")), Column(self.t("cost")), Column(self.t("reason"))],
                [[self.label(m["measure"]), _voc("CostClass", m.get("cost_class"), self.lang),
                  self.plain(_pick(m.get("explanation"), self.lang))] for m in rejected],
                key=self.tr("未推荐方案", "not recommended")))
        return ch

    # chapter 6 -----------------------------------------------------------
    def ch_benefits(self) -> Chapter:
        ch = Chapter("benefits", self.t("ch_benefits"))
        ch.add("p", self.tr(
            "方案效益按知识库所载各方案的效果区间和企业填报的现状数据估算，为区间值；标注“否”的效果区间出自尚未逐条核对原文的资料，"
            "仅供方案筛选，须经可行性分析确认。",
            "Benefits are estimated from each option's effect range in the knowledge base and the enterprises' reported "
            "figures, as ranges; effects marked 'no' rest on sources not yet checked against the original text and serve "
            "to screen options only, pending the feasibility study."))
        rows = []
        for m in self.r.get("recommendations", []):
            for e in m.get("expected_effects", []):
                unit, now, after = "—", None, None
                if "baseline_mean" in e and isinstance(e.get("expected_mean"), list):
                    unit = (self.indicators.get(e.get("target")) or {}).get("unit") or "—"
                    now, after = e["baseline_mean"], e.get("expected_mean")
                elif "baseline_t_per_a" in e and isinstance(e.get("change_t_per_a"), list):
                    unit, now = "t/a", e["baseline_t_per_a"]
                    change = e["change_t_per_a"]
                    after = sorted([now + change[0], now + change[1]])
                change = _signed_range(e.get("change_pct")) or _pick(e.get("text"), self.lang) or None
                rows.append([self.label(m["measure"]), _pick(e.get("labels"), self.lang),
                             change, now, after, unit, e.get("enterprises"),
                             self.t("yes") if e.get("verified") else self.t("no_")])
        if rows:
            ch.add("table", self.table("6", self.tr("方案预期效果", "Expected effects of the options"), [
                Column(self.t("measure")), Column(self.t("target")), Column(self.t("change"), "%"),
                Column(self.t("now"), None, "num"), Column(self.t("after"), None, "range"), Column(self.t("unit")),
                Column(self.t("applies"), self.t("unit_ent"), "int"), Column(self.t("verified"))], rows,
                key=self.tr("预期效果", "effects")))
        self._potential(ch)
        self._heavy_metals(ch)
        self._economics(ch)
        self._symbiosis(ch)
        self._shared_infrastructure(ch)
        self._portfolio(ch)
        return ch

    def _potential(self, ch: Chapter) -> None:
        potential = (self.r.get("reduction_potential") or {}).get("pollutants", [])
        if not potential:
            return
        ch.add("h2", self.tr(*POTENTIAL_HEADING))
        followed = (self.r.get("reduction_potential") or {}).get("followed")
        if followed:
            ch.add("p", _pick(followed.get("summary"), self.lang))
        reducible = [p for p in potential if p.get("baseline_t_per_a") and any(p.get("combined_reduction_t_per_a") or [])]
        ch.add("chart", self.chart("6", self.tr("重点污染物可削减量", "Reduction of the key pollutants"), charts.reduction_ranges(
            [(_pick(p.get("labels"), self.lang), *p["combined_reduction_t_per_a"]) for p in reducible],
            self.tr("可削减量（t/a）", "reduction (t/a)")), "potential"))
        sep = "；" if self.lang == "zh" else "; "
        rows = []
        for p in potential:
            # every route counts (reported, measured, balance, derived, estimated): a baseline made only of
            # estimates is still a baseline, and the estimate columns exist for that case
            reported = sum(p.get(f"{how}_by") or 0 for how in self._HOW)
            main = sep.join(_pick(m.get("labels"), self.lang) for m in p.get("by_measure", [])[:3]
                            if any(m.get("reduction_t_per_a") or []))
            share = p.get("estimated_share")
            rows.append([_pick(p.get("labels"), self.lang), reported, p.get("baseline_t_per_a") if reported else None,
                         p.get("estimated_t_per_a") if reported else None,
                         share * 100 if reported and share is not None else None,
                         p.get("estimated_from_materials_t_per_a") if reported else None,
                         p.get("combined_reduction_t_per_a") if reported else None,
                         p.get("combined_reduction_share"), main or self.tr("无适用方案", "no option applies")])
        ch.add("table", self.table("6", self.tr("重点污染物削减潜力", "Reduction potential"), [
            Column(self.t("pollutant")), Column(self.tr("有基准排放量的企业", "enterprises with a baseline load"),
                                                self.t("unit_ent"), "int"),
            Column(self.t("emission"), "t/a", "num"),
            Column(self.tr("其中系数估算", "of which estimated"), "t/a", "num"),
            Column(self.tr("估算份额", "estimated share"), "%", "num"),
            Column(self.tr("其中按物料用量估算", "of which from materials used"), "t/a", "num"),
            Column(self.t("reduction"), "t/a", "range"),
            Column(self.t("reduction_share"), "%", "range"), Column(self.t("main_measures"))],
            [r[:7] + [[x * 100 for x in r[7]] if r[7] else None] + r[8:] for r in rows],
            note=self.plain(_pick((self.r.get("reduction_potential") or {}).get("basis"), self.lang)),
            key=self.tr("削减潜力", "reduction potential")))
        self._baseline(ch, potential)
        self._against_targets(ch)
        self._load_scenarios(ch)

    def _against_targets(self, ch: Chapter) -> None:
        """The area's quantified targets against the potential, or a plain sentence that there are none."""
        found = (self.r.get("reduction_potential") or {}).get("against_targets")
        if not found:
            return
        if not found.get("comparisons"):
            ch.add("p", _pick(found.get("message"), self.lang) or self.tr("知识库中没有量化减排目标。",
                                                                          "No quantified target in the knowledge base."))
            return
        rows = [[_pick(c.get("labels"), self.lang), c["reduction_pct"],
                 f"{c.get('baseline_year') or '—'}→{c.get('by_year') or '—'}", c["baseline_t_per_a"], c["asked_t_per_a"],
                 c["potential_t_per_a"], _pick(c.get("verdict_labels"), self.lang), c["gap_t_per_a"] or None,
                 self.t("yes") if c.get("verified") else self.tr("否（待核对原文）", "no (to check)")]
                for c in found["comparisons"]]
        missing = "、".join(_pick(x, self.lang) for x in found.get("without_target_labels") or [])
        note = _pick(found.get("basis"), self.lang) + (
            self.tr(f"以下污染物知识库中没有目标：{missing}。", f" No target in the knowledge base for: {missing}.")
            if missing else "")
        ch.add("table", self.table("6", self.tr(f"{_pick(found.get('area_labels'), self.lang)}减排目标与削减潜力",
                                                f"Targets of the {_pick(found.get('area_labels'), self.lang)} against the potential"), [
            Column(self.t("pollutant")), Column(self.tr("目标削减比例", "target cut"), "%", "num"),
            Column(self.tr("基准年→目标年", "base → target year")), Column(self.t("emission"), "t/a", "num"),
            Column(self.tr("目标要求削减量", "tonnes asked"), "t/a", "num"), Column(self.t("reduction"), "t/a", "range"),
            Column(self.tr("结论", "verdict")), Column(self.tr("缺口", "gap"), "t/a", "num"),
            Column(self.tr("来源已核实", "source checked"))], rows, note=note,
            key=self.tr("区域/流域目标", "area targets")))

    _HOW = {"reported": ("填报", "reported"), "measured": ("实测法", "measured"), "balance": ("物料衡算", "mass balance"),
            "derived": ("公式推算", "derived"), "estimated": ("系数估算", "estimated")}

    def _baseline(self, ch: Chapter, potential: list[dict]) -> None:
        """The baseline per enterprise with how it was obtained, the measures in sequence and O3 precursors."""
        rows, seq = [], []
        for p in potential:
            for b in p.get("baseline") or []:
                rows.append([b["enterprise"], _pick(p.get("labels"), self.lang), b["t_per_a"],
                             self.tr(*self._HOW.get(b["how"], (b["how"], b["how"]))),
                             self.plain(_pick(b.get("formula_labels"), self.lang) or b.get("formula") or "—"),
                             b.get("reduction_t_per_a"), (b.get("balance") or {}).get("t_per_a"),
                             (b.get("lower_bound") or {}).get("t_per_a"),
                             " ".join(_pick(n, self.lang) for n in b.get("notes") or []) or "—"])
            for m in p.get("by_measure") or []:
                seq.append([_pick(p.get("labels"), self.lang), _pick(m.get("labels"), self.lang), len(m.get("enterprises") or []),
                            m.get("reduction_alone_t_per_a"), *(m.get("reduction_t_per_a") or [None, None]),
                            len(m.get("alternative_to") or {})])
        if rows:
            ch.add("table", self.table("6", self.tr("各企业基准排放量及其取得方式", "Baseline per enterprise and how it was obtained"), [
                Column(self.t("enterprise")),
                Column(self.t("pollutant")), Column(self.t("emission"), "t/a", "num"),
                Column(self.tr("取得方式", "obtained by")), Column(self.tr("算式", "calculation")),
                Column(self.t("reduction"), "t/a", "range"),
                Column(self.tr("物料衡算（对照）", "mass balance (beside)"), "t/a", "num"),
                Column(self.tr("溶剂用量下限", "solvent floor"), "t/a", "num"), Column(self.tr("说明", "notes"))], rows,
                note=self.tr("估算份额见上表；“可削减量”为各方案依次作用后的合计。有监测或填报值时以其为准"
                             "（排污许可管理办法第36条），物料衡算列于其旁；溶剂用量下限只作核查，不替换填报值。",
                             "The estimated share is in the table above; the reduction is all measures in sequence. "
                             "A measured or reported figure comes first (permit rules art. 36), the balance beside it; "
                             "the solvent floor is a check and never replaces the figure."),
                key=self.tr("基准排放量", "baseline")))
        self._by_process(ch, potential)
        if seq:
            ch.add("table", self.table("6", self.tr("各方案削减量（按推荐次序作用于剩余排放量）",
                                                    "Reduction per measure (in recommended order, on what is left)"), [
                Column(self.t("pollutant")), Column(self.t("measure")), Column(self.t("applies"), self.t("unit_ent"), "int"),
                Column(self.tr("单独实施", "alone"), "t/a", "range"),
                Column(self.tr("依次实施（效果取弱端）", "in sequence, weaker effects"), "t/a", "num"),
                Column(self.tr("依次实施（效果取强端）", "in sequence, stronger effects"), "t/a", "num"),
                Column(self.tr("作为替代方案未计", "not counted as alternative"), self.t("unit_ent"), "int")], seq,
                note=self.tr("“依次实施”两栏各自之和等于合计削减量的两端，同一吨不重复计算；效果取强端时前面的方案削减更多，"
                             "后面的方案可削减的剩余量因而更少。",
                             "Each in-sequence column adds up to one end of the combined reduction, no tonne counted "
                             "twice; with the stronger effects the measures before leave less, so a later one may remove less."),
                key=self.tr("逐项削减", "per measure")))
        o3 = (self.r.get("reduction_potential") or {}).get("o3_precursors")
        if o3:
            rows = [[_pick(x.get("labels"), self.lang), x["baseline_t_per_a"], x["combined_reduction_t_per_a"]]
                    for x in o3["pollutants"]]
            rows.append([self.tr("合计（VOCs+NOx）", "total (VOCs + NOx)"), o3["baseline_t_per_a"], o3["combined_reduction_t_per_a"]])
            ch.add("table", self.table("6", self.tr("臭氧前体物分列与合计", "O3 precursors apart and together"), [
                Column(self.t("pollutant")), Column(self.t("emission"), "t/a", "num"), Column(self.t("reduction"), "t/a", "range")],
                rows, note=self.plain(_pick(o3.get("basis"), self.lang)), key=self.tr("臭氧前体物", "O3 precursors")))

    def _by_process(self, ch: Chapter, potential: list[dict]) -> None:
        """Baseline and reduction per process or outlet, where the enterprises' reported loads name them."""
        rows = [[b["enterprise"], _pick(p.get("labels"), self.lang), _pick(part.get("labels"), self.lang),
                 part["t_per_a"], part.get("reduction_t_per_a")]
                for p in potential for b in p.get("baseline") or [] for part in b.get("by_process") or []]
        if not rows:
            return
        ch.add("table", self.table("6", self.tr("按工序（排口）分列的基准排放量与削减量", "Baseline and reduction by process or outlet"), [
            Column(self.t("enterprise")), Column(self.t("pollutant")), Column(self.tr("工序或排口", "process or outlet")),
            Column(self.t("emission"), "t/a", "num"), Column(self.t("reduction"), "t/a", "range")], rows,
            note=self.tr("限定工序的方案只作用于这些工序的排放量；工序不明的部分仍计入，是上限。",
                         "A measure tied to processes acts only on their part; a part of unknown process still counts "
                         "(an upper bound)."),
            key=self.tr("分工序排放量", "by process")))

    def _load_scenarios(self, ch: Chapter) -> None:
        found = (self.r.get("reduction_potential") or {}).get("load_scenarios") or {}
        if found.get("exceedances"):
            ch.add("table", self.table("6", self.tr("超标企业及限值以上排放量", "Enterprises over a limit and the load above it"), [
                Column(self.tr("企业", "enterprise")), Column(self.t("pollutant")), Column(self.tr("限值要求", "requirement")),
                Column(self.tr("限值", "limit"), None, "num"), Column(self.tr("折算浓度", "compared"), None, "num"),
                Column(self.t("unit")), Column(self.t("emission"), "t/a", "num"),
                Column(self.tr("限值以上排放量", "load above the limit"), "t/a", "num")],
                [[e["enterprise"], _pick(e.get("labels"), self.lang), _pick(e.get("requirement_labels"), self.lang),
                  e["limit_value"], e["compared"], e.get("unit") or "—", e["t_per_a"], e["above_t_per_a"]]
                 for e in found["exceedances"]],
                note=_pick(found.get("formula"), self.lang) + self.tr("；", "; ") + _pick(found.get("basis"), self.lang),
                key=self.tr("超标排放量", "load above limits")))
        scenarios = found.get("scenarios") or []
        if scenarios:
            ch.add("table", self.table("6", self.tr("排放情景：全部企业达到限值、Ⅱ级或超低排放", "Emission scenarios: limit, level II, ultra-low"), [
                Column(self.tr("情景", "scenario")), Column(self.t("pollutant")), Column(self.t("reduction"), "t/a", "num"),
                Column(self.tr("需改进企业", "enterprises to improve"), self.t("unit_ent"), "int"),
                Column(self.tr("已达到的企业", "already there"), self.t("unit_ent"), "int"),
                Column(self.tr("缺数据企业", "without data"), self.t("unit_ent"), "int"), Column(self.tr("说明", "note"))],
                [[_pick(s.get("title"), self.lang), _pick(s.get("labels"), self.lang), s.get("reduction_t_per_a"),
                  s.get("enterprises_moved"), len(s.get("enterprises_at_target") or []),
                  len(s.get("enterprises_without_data") or []), _pick(s.get("reason"), self.lang) or "—"]
                 for s in scenarios], key=self.tr("排放情景", "emission scenarios")))

    def _heavy_metals(self, ch: Chapter) -> None:
        metals = self.r.get("heavy_metals")
        if not metals:
            return
        ch.add("h2", self.tr("（二）重金属削减量", "Heavy metals"))
        rows = [[_pick(p.get("labels"), self.lang), p.get("reported_by"), p.get("baseline_t_per_a"),
                 p.get("combined_reduction_t_per_a"),
                 [x * 100 for x in p["combined_reduction_share"]] if p.get("combined_reduction_share") else None]
                for p in metals.get("pollutants", [])]
        total = metals.get("total") or {}
        rows.append([self.t("heavy_total"), None, total.get("baseline_t_per_a"), total.get("combined_reduction_t_per_a"),
                     [x * 100 for x in total["combined_reduction_share"]] if total.get("combined_reduction_share") else None])
        ch.add("table", self.table("6", self.tr("重金属年排放量与可削减量", "Heavy metals: emission and reduction"), [
            Column(self.t("pollutant")), Column(self.t("reported"), self.t("unit_ent"), "int"),
            Column(self.t("emission"), "t/a", "num"), Column(self.t("reduction"), "t/a", "range"),
            Column(self.t("reduction_share"), "%", "range")], rows,
            note=self.plain(_pick(metals.get("basis"), self.lang)), key=self.tr("重金属", "heavy metals")))

    def _economics(self, ch: Chapter) -> None:
        """Investment, running cost, savings and payback of the options, and the level scenarios (model v2)."""
        rows = []
        for m in self.r.get("recommendations", []):
            e = m.get("economics")
            if not e:
                continue
            payback = e.get("payback_years") or {}
            notes = [_pick(payback, self.lang)] + [
                _pick(block.get(part), self.lang) for key in ("investment_10k_yuan", "investment_unconverted",
                                                              "opex_change_10k_yuan_per_a", "opex_change_unconverted")
                for block in [e.get(key) or {}] for part in ("text", "not_scaled") if block.get(part)] + [
                _pick(s.get(part), self.lang) for s in e.get("savings", []) for part in ("not_scaled", "steam")
                if s.get(part)]
            rows.append([self.label(m["measure"]), (e.get("investment_10k_yuan") or {}).get("total"),
                         (e.get("opex_change_10k_yuan_per_a") or {}).get("total"), e.get("savings_10k_yuan_per_a"),
                         payback.get("range"), self.plain(("；" if self.lang == "zh" else "; ").join(
                             n for n in notes if n)) or "—"])
        if rows:
            ch.add("h2", self.tr("（三）经济效益", "Economics of the options"))
            ch.add("table", self.table("6", self.tr("方案经济效益", "Economics of the options"), [
                Column(self.t("measure")), Column(self.tr("投资", "investment"), self.tr("万元", "10⁴ CNY"), "range"),
                Column(self.tr("运行费用变化", "running cost change"), self.tr("万元/年", "10⁴ CNY/a"), "range"),
                Column(self.tr("年节约", "annual saving"), self.tr("万元/年", "10⁴ CNY/a"), "range"),
                Column(self.tr("投资回收期", "payback"), self.tr("年", "years"), "range"),
                Column(self.tr("依据", "basis"))], rows, key=self.tr("经济效益", "economics")))
        scenarios = self.r.get("scenarios") or []
        if scenarios:
            ch.add("h2", self.tr("（四）达标情景", "Level scenarios"))
            ch.add("table", self.table("6", self.tr("全部企业达到某一级别时的节约量", "Savings if every enterprise reached a level"), [
                Column(self.tr("情景", "scenario")), Column(self.tr("节约对象", "saves")), Column(self.tr("节约量", "saving"), None, "num"),
                Column(self.t("unit")), Column(self.tr("需改进企业", "enterprises to improve"), self.t("unit_ent"), "int"),
                Column(self.tr("已达到的企业", "already there"), self.t("unit_ent"), "int"),
                Column(self.tr("缺数据企业", "without data"), self.t("unit_ent"), "int")],
                [[_pick(s.get("title"), self.lang), _pick(s.get("saves_labels"), self.lang), s.get("total"),
                  s.get("unit") or "—", s.get("enterprises_moved"), s.get("enterprises_at_level"),
                  len(s.get("enterprises_without_data") or [])] for s in scenarios if isinstance(s, dict)],
                key=self.tr("达标情景", "scenarios")))

    def _portfolio(self, ch: Chapter) -> None:
        found = self.r.get("portfolio") or {}
        lacking = found.get("without_data") or []
        if lacking:
            reason = {"no-cost": self.tr("缺少可按企业折算的投资", "no investment that scales to the enterprise"),
                      "no-effect": self.tr("缺少对所跟踪污染物的量化效果", "no quantified effect on the pollutants followed")}
            ch.add("table", self.table("6", self.tr("未能进入方案组合和边际减排成本曲线的方案", "Measures left out of the portfolio and the cost curve"), [
                Column(self.t("measure")), Column(self.tr("缺少的数据", "lacking"))],
                [[_pick(w.get("labels"), self.lang), reason.get(w.get("reason"), w.get("reason") or "—")] for w in lacking],
                note=_pick(found.get("note"), self.lang) or None, key=self.tr("缺数据方案", "measures lacking data")))
        if not found.get("steps"):
            return
        labels = found.get("pollutant_labels") or {}
        pollutants = sorted({p for s in found["steps"] for p in s["reduction_t_per_a"]})
        ch.add("h2", self.tr("（七）预算内方案组合", "Measure portfolio by budget"))
        ch.add("table", self.table("6", self.tr("不同预算下的最优方案组合（整数规划）", "The best portfolio at each budget (integer programme)"),
            [Column(self.tr("预算", "budget"), self.tr("万元", "10k yuan"), "num"),
             Column(self.tr("投资", "investment"), self.tr("万元", "10k yuan"), "range"),
             Column(self.tr("方案数", "measures"), None, "int")]
            + [Column(self.tr(f"削减{_pick(labels.get(p), self.lang)}", f"{_pick(labels.get(p), self.lang)} removed"), "t/a", "range")
               for p in pollutants],
            [[s["budget_10k_yuan"], s["investment_10k_yuan"], len(s["chosen"])]
             + [s["reduction_t_per_a"].get(p) for p in pollutants] for s in found["steps"]],
            note=self.tr("每档预算单独求解最优组合（投资按区间上限计，满足前置条件和互斥替代）；缺少投资或效果数据的方案未参与：",
                         "Each budget solved on its own (investment at the top of its range, prerequisites and "
                         "alternatives respected); measures without cost or effect data are left out: ")
            + (self.tr("、", ", ").join(_pick(w.get("labels"), self.lang) for w in found.get("without_data") or []) or "—"),
            key=self.tr("方案组合", "portfolio")))
        for pollutant, steps in ((found.get("abatement_cost_curve") or {}).get("curves") or {}).items():
            named = [{**s, "label": f"{s['enterprise']} {_pick(s.get('labels'), self.lang)}"} for s in steps]
            ch.add("chart", self.chart("6", self.tr(f"{_pick(labels.get(pollutant), self.lang)}边际减排成本曲线",
                                                    f"Marginal abatement cost curve, {_pick(labels.get(pollutant), self.lang)}"),
                                       charts.abatement_cost_curve(named, self.tr("累计削减量（t/a）", "removed (t/a)"),
                                                                   self.tr("单位削减成本（元/t）", "cost (yuan/t)")),
                                       f"macc-{pollutant.rsplit('/', 1)[-1]}"))

    def _shared_infrastructure(self, ch: Chapter) -> None:
        found = self.r.get("shared_infrastructure") or {}
        if not found.get("facilities"):
            return
        ch.add("h2", self.tr("（六）共享基础设施", "Shared infrastructure"))
        ch.add("table", self.table("6", self.tr("建议共建共享的设施", "Facilities to build and share"), [
            Column(self.tr("共享设施", "facility")), Column(self.tr("服务企业", "serves")),
            Column(self.tr("针对的问题", "because of")), Column(self.tr("规模依据", "scale"))],
            [[_pick(f["labels"], self.lang), self.tr("、", ", ").join(f["serves"]),
              self.tr("、", ", ").join(_pick(b["labels"], self.lang) for b in f["because"]),
              self.tr("；", "; ").join(f"{_pick(x['labels'], self.lang)} {number(x['t_per_a'])} t/a" for x in f["scale"])
              or (self._carried(f["carried"]) if f.get("carried") else
                  self.tr(f"{len(f['pairs'])}对", f"{len(f['pairs'])} pairs") if f.get("pairs") else
                  f"{number(f['output_served'])} {f.get('output_unit') or ''}".strip() if f.get("output_served") else
                  f"{number(f['demand_total']['amount'])} {f['demand_total']['unit']}" if f.get("demand_total") else "—")]
             for f in found["facilities"]],
            note=self.plain(_pick(found.get("basis"), self.lang)), key=self.tr("共享设施", "shared facilities")))

    def _carried(self, carried: dict) -> str:
        """A network's size: its firm pairs, and what its conditional pairs may add."""
        firm = f"{number(carried['firm'])} {carried['unit']}"
        if not carried.get("conditional"):
            return firm
        return self.tr(f"确定{firm}，另加待核实最多{number(carried['conditional'])} {carried['unit']}",
                       f"{firm} firm, plus at most {number(carried['conditional'])} {carried['unit']} conditional")

    def _symbiosis(self, ch: Chapter) -> None:
        found = self.r.get("symbiosis") or {}
        matches, pending, refused = (found.get(k) or [] for k in ("matches", "conditional", "refused"))
        if not (matches or pending or refused):
            return
        ch.add("h2", self.tr("（五）园区共生机会", "Park symbiosis"))
        columns = [Column(self.t("from")), Column(self.t("offer")), Column(self.t("to")), Column(self.t("demand")),
                   Column(self.t("amount"), None, "num"), Column(self.t("unit")),
                   Column(self.tr("距离", "distance"), "km", "num"), Column(self.tr("品质与合规", "quality and legal basis"))]

        def rows(items: list, extra) -> list:
            return [[m["from"], _pick(m.get("offer_labels"), self.lang), m["to"], _pick(m.get("demand_labels"), self.lang),
                     m.get("amount"), m.get("unit") or "—", m.get("distance_km"), _pick(m.get("conditions"), self.lang),
                     *extra(m)] for m in items]
        for n, (unit, before, after, outside) in enumerate(park_flow_sets(found, self.lang), 1):
            for stage, when, flows in (("before", self.tr("现状", "today"), before),
                                       ("after", self.tr("实施建议链接后", "with the proposed links"), after)):
                ch.add("chart", self.chart("6", self.tr(f"园区物质与能量流（{unit}）：{when}", f"Park flows ({unit}): {when}"),
                                           charts.park_flows(flows, outside, self.tr("资源", "resource")),
                                           f"park-flows-{n}-{stage}"))
        if matches:
            ch.add("table", self.table("6", self.tr("园区共生机会（品质满足需求）", "Exchanges between enterprises (qualities met)"),
                columns + [Column(self.tr("节约", "saving"))],
                rows(matches, lambda m: [_pick(m.get("saving"), self.lang) or "—"]),
                note=self.plain(_pick(found.get("basis"), self.lang)), key=self.tr("园区共生", "symbiosis")))
        if pending:
            ch.add("table", self.table("6", self.tr("待核实的共生机会", "Exchanges to confirm"), columns,
                rows(pending, lambda m: []), key=self.tr("待核实共生", "symbiosis to confirm")))
        if refused:
            ch.add("table", self.table("6", self.tr("不成立的交换及原因", "Exchanges ruled out, and why"), columns,
                rows(refused, lambda m: []), key=self.tr("不成立的交换", "exchanges ruled out")))

    # chapter 7 -----------------------------------------------------------
    def ch_conclusion(self) -> Chapter:
        ch = Chapter("conclusion", self.t("ch_conclusion"))
        conclusion = _pick(self.r.get("conclusion"), self.lang)
        for text in ([conclusion] if conclusion else self.generated_summary()):
            ch.add("p", text)
        bullets = []
        recs = {r["measure"]: r for r in self.r.get("recommendations", [])}
        for issue in self.r.get("key_issues", []):
            if issue.get("veto"):
                fixes = [self.label(m) for m, r in recs.items() if issue["problem"] in r.get("problems", [])]
                bullets.append(self.tr(
                    f"立即淘汰：{'、'.join(issue['enterprises'])} 在用的{self.label(issue['problem'])}属于淘汰类，是审核评估的否决项"
                    + (f"，建议实施{'、'.join(fixes)}。" if fixes else "。"),
                    f"Eliminate at once: {self.label(issue['problem'])} at {', '.join(issue['enterprises'])} is an "
                    "eliminated technique, a veto item of audit review" + (f"; carry out {', '.join(fixes)}." if fixes else ".")))
        schemes = self.r.get("schemes") or {}
        low = [self.label(m) for m in schemes.get("low_cost", [])[:5]]
        high = [self.label(m) for m in schemes.get("high_cost", [])[:5]]
        if low:
            bullets.append(self.tr(f"审核期间优先实施无/低费方案：{'、'.join(low)}。",
                                   f"Carry out the no/low-cost options during the audit: {', '.join(low)}."))
        if high:
            bullets.append(self.tr(f"对中/高费方案开展可行性分析：{'、'.join(high)}。",
                                   f"Study the feasibility of the medium/high-cost options: {', '.join(high)}."))
        gaps = self.r.get("rules_not_evaluated") or []
        if gaps:
            missing = sorted({m for g in gaps for m in g.get("missing", [])})
            bullets.append(self.tr(
                f"补充调查数据：{len(gaps)} 条诊断规则因缺少数据（{'、'.join(MISSING.get(m, (m, m))[0] for m in missing)}）未能判别，见附件二。",
                f"Complete the survey: {len(gaps)} rule(s) could not be decided for lack of data "
                f"({', '.join(MISSING.get(m, (m, m))[1] for m in missing)}); see Annex 2."))
        ch.add("bullets", bullets)
        return ch

    # annexes -------------------------------------------------------------
    def annex_enterprises(self) -> Chapter:
        ch = Chapter("annex-enterprises", self.t("annex_enterprises"))
        assessment = {e["enterprise"]: e for e in (self.r.get("indicator_assessment") or {}).get("enterprises", [])}
        findings: dict[str, list[tuple[dict, list[str]]]] = {}
        for issue in self.r.get("key_issues", []) + self.r.get("other_findings", []):
            texts: dict[str, list[str]] = {}
            for ev in issue.get("evidence", []):
                text = self.plain(_pick(ev.get("explanation"), self.lang))
                if text not in texts.setdefault(ev["enterprise"], []):
                    texts[ev["enterprise"]].append(text)
            for ent, found in texts.items():
                findings.setdefault(ent, []).append((issue, found))
        measures: dict[str, list[str]] = {}
        for rec in self.r.get("recommendations", []):
            for ent in rec.get("applies_to", []):
                measures.setdefault(ent, []).append(self.label(rec["measure"]))
        unit = self.scope.get("output_unit") or ""
        total = self.scope.get("total_output") or 0
        for e in self.r.get("enterprises") or []:
            if not isinstance(e, dict):
                continue
            eid = e["id"]
            ch.add("h2", f"{eid} {e.get('name') or ''}".strip())
            a = assessment.get(eid) or {}
            cls = LEVEL_SHORT.get(a.get("class"), LEVEL_SHORT[None])[0 if self.lang == "zh" else 1]
            out = e.get("output")
            ch.add("p", self.tr(
                (f"产量 {number(out)} {unit}（占合计 {percent(out / total)}）；" if out is not None and total else "")
                + f"清洁生产水平：{cls}" + ("（暂定）" if a.get("provisional") else "") + "。",
                (f"Output {number(out)} {unit} ({percent(out / total)} of the total); " if out is not None and total else "")
                + f"level: {cls}" + (" (provisional)" if a.get("provisional") else "") + "."))
            if a.get("indicators"):
                rows = [[self.label(i["indicator"]), i.get("value"),
                         (self.indicators.get(i["indicator"]) or {}).get("unit") or "—",
                         LEVEL_SHORT.get(i.get("level"), (i.get("level"), i.get("level")))[0 if self.lang == "zh" else 1]]
                        for i in a["indicators"]]
                ch.add("table", self.table("A", self.tr(f"{eid} 指标评价", f"{eid} indicators"), [
                    Column(self.t("indicator")), Column(self.t("value"), None, "num"), Column(self.t("unit")),
                    Column(self.t("reached"))], rows, key=f"{eid} " + self.tr("指标", "indicators")))
            found = findings.get(eid, [])
            if found:
                rows = [[self.label(issue["problem"]) + (self.t("veto_tag") if issue.get("veto") else ""),
                         self.t("yes") if issue.get("key_issue") else self.t("no_"),
                         ("" if self.lang == "zh" else " ").join(texts)] for issue, texts in found]
                ch.add("table", self.table("A", self.tr(f"{eid} 存在的问题", f"{eid} problems found"), [
                    Column(self.t("problem")), Column(self.tr("关键共性问题", "key issue")), Column(self.t("cause"))],
                    rows, key=f"{eid} " + self.tr("问题", "problems")))
            else:
                ch.add("p", self.tr("未发现问题。", "No problem found."))
            if measures.get(eid):
                ch.add("p", self.tr("适用方案：", "Options that apply: ") + ("、" if self.lang == "zh" else ", ").join(measures[eid])
                       + self.tr("。", "."))
        return ch

    def annex_data(self) -> Chapter:
        ch = Chapter("annex-data", self.t("annex_data"))
        excluded = self.r.get("excluded") or []
        if excluded:
            ch.add("h2", self.tr("未参与诊断的企业", "Enterprises set aside"))
            ch.add("table", self.table("B", self.tr("因数据错误未参与诊断的企业", "Set aside for data errors"), [
                Column(self.t("enterprise")), Column(self.t("place")), Column(self.t("message"))],
                [[x.get("enterprise"), p.get("place"), self.plain(p.get("message"))] for x in excluded
                 for p in x.get("problems", [])], key=self.tr("排除企业", "set aside")))
        gaps = self.r.get("rules_not_evaluated") or []
        if gaps:
            ch.add("h2", self.tr("因缺少数据未能判别的规则", "Rules not decided for lack of data"))
            sep = "、" if self.lang == "zh" else ", "
            ch.add("table", self.table("B", self.tr("未能判别的规则", "Rules not decided"), [
                Column(self.t("rule")), Column(self.t("missing")), Column(self.t("count"), self.t("unit_ent"), "int")],
                [[self.label(g["rule"]), sep.join(MISSING.get(m, (m, m))[0 if self.lang == "zh" else 1]
                                                  for m in g.get("missing", [])), len(g.get("enterprises", []))]
                 for g in gaps], key=self.tr("未判别规则", "rules not decided")))
        derived = self.r.get("derived_values") or []
        if derived:
            ch.add("h2", self.tr("按公式推算的数值", "Values derived by formula"))
            ch.add("table", self.table("B", self.tr("推算值", "Derived values"), [
                Column(self.t("enterprise")), Column(self.tr("对象", "target")), Column(self.t("value"), None, "num"),
                Column(self.t("unit")), Column(self.tr("公式", "formula")), Column(self.tr("输入", "inputs"))],
                [[d.get("enterprise"), self.label(d.get("target")) if d.get("target") in self.labels else _pick(d.get("labels"), self.lang),
                  d.get("value"), d.get("unit") or "—",
                  # the formula in words and its inputs by their labels: a formula's variable names are code
                  _pick(d.get("formula_labels"), self.lang) or d.get("formula") or "—",
                  "；".join(f"{_pick(i.get('labels'), self.lang) or self.labels.get(str(i.get('source') or '')) or i.get('name')}"
                           f"={number(i.get('value'))}" for i in d.get("inputs", []))]
                 for d in derived if isinstance(d, dict)], key=self.tr("推算值", "derived values")))
        warnings = self.r.get("warnings") or []
        if warnings:
            ch.add("h2", self.tr("数据警告", "Warnings"))
            ch.add("table", self.table("B", self.tr("数据警告", "Warnings"), [
                Column(self.t("place")), Column(self.t("enterprise")), Column(self.t("message"))],
                [[w.get("place"), w.get("enterprise") or "—", self.plain(w.get("message"))] for w in warnings
                 if isinstance(w, dict)], key=self.tr("警告", "warnings")))
        if not ch.blocks:
            ch.add("p", self.tr("全部企业参与诊断，全部规则均已判别，无数据警告。",
                                "Every enterprise was diagnosed, every rule decided, no warning."))
        return ch


def _cn_number(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n <= 10:
        return "十" if n == 10 else digits[n]
    if n < 20:
        return "十" + digits[n - 10]
    return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")


def causes_by_problem(result: dict, lang: str = "zh") -> dict[str, list[dict]]:
    """Problem IRI -> [{enterprises, text}]: each finding's causes as the report lists them (one line per cause,
    the enterprises sharing it together), for pages that show them without the whole report."""
    builder = _Builder(result, lang)
    return {issue["problem"]: [{"enterprises": ents, "text": text} for ents, text in builder.causes(issue)]
            for issue in result.get("key_issues", []) + result.get("other_findings", []) + (result.get("unconfirmed") or [])
            if isinstance(issue, dict) and issue.get("problem")}


def build_report(result: dict, lang: str = "zh") -> Report:
    """The report's content in one language (zh or en) from a diagnosis result."""
    return _Builder(result, lang).build()



_BOUGHT = {"zh": "外购/新取", "en": "bought or drawn"}
_NO_FATE = {"zh": "去向未填", "en": "fate not given"}


def park_flow_sets(found: dict, lang: str) -> list[tuple[str, list, list, set[str]]]:
    """Per unit, the park's flows today (each offer to its fate, each demand from outside) and with the proposed
    links (matched amounts between enterprises, what is left to its fate or from outside), for a Sankey diagram;
    with the nodes that are not enterprises. Units in which nothing is exchanged are left out."""
    left_out = {(r["enterprise"], r["resource"]): r["amount_left"] for r in found.get("unmatched_offers") or []}
    taken: dict[tuple, float] = {}
    before: dict[str, list] = {}
    after: dict[str, list] = {}
    outside = {_BOUGHT[lang]}
    for m in found.get("matches") or []:
        after.setdefault(m["unit"], []).append((m["from"], m["to"], m["amount"], _pick(m["offer_labels"], lang)))
        taken[(m["to"], m["demand"])] = taken.get((m["to"], m["demand"]), 0.0) + m["amount"]
    for st in found.get("streams") or []:
        label, unit, key = _pick(st["labels"], lang), st["unit"], (st["enterprise"], st["resource"])
        if st["direction"] == "out":
            fate = st.get("fate") or _NO_FATE[lang]
            outside.add(fate)
            before.setdefault(unit, []).append((st["enterprise"], fate, st["amount"], label))
            after.setdefault(unit, []).append((st["enterprise"], fate, left_out.get(key, 0.0), label))
        else:
            before.setdefault(unit, []).append((_BOUGHT[lang], st["enterprise"], st["amount"], label))
            after.setdefault(unit, []).append((_BOUGHT[lang], st["enterprise"],
                                               max(0.0, st["amount"] - taken.get(key, 0.0)), label))
    return [(unit, flows, after[unit], outside) for unit, flows in before.items()
            if any(m["unit"] == unit for m in found.get("matches") or [])]
