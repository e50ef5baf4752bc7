"""The model-v2 sections of a diagnosis as plain tables, for every report format (HTML, XLSX, DOCX): limits
checked (with O₂ normalisation said), scenarios, economics of the recommended measures, technique status with its
basis, derived values with their formulas, targets, and what each grade rests on. Labels only: no IRI reaches a
Chinese page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

STATUS = {"obsolete": "淘汰类", "restricted": "限制类", "common": "常规", "advanced": "先进/鼓励类"}
APPLIES = {"applies": "适用", "excepted": "属例外", "other-area": "不在适用地域", "not-in-force": "未生效/已失效",
           "unknown": "待核实"}
MODEL_HEADING = {"zh": "达标核查、情景测算与评级依据", "en": "Limits, scenarios, economics and the basis of grades"}
REASON = {"no-value": "无数值", "no-variant": "无适用分档", "not-applicable": "不适用", "contradicted": "与本企业其他数据矛盾",
          "level-iii-unknown": "未达已录入的基准值且Ⅲ级值未录入，不计分"}


@dataclass
class Table:
    title: dict[str, str]
    headers: list[str]
    rows: list[list[Any]]
    notes: list[str] = field(default_factory=list)
    sheet: str = ""           # the worksheet name (≤ 31 characters, no : / ? * [ ])


def _n(x: Any) -> str:
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return format(round(float(x), 4), "f").rstrip("0").rstrip(".") or "0"
    return "" if x is None else str(x)


def _range(pair) -> str:
    if not pair:
        return ""
    return _n(pair[0]) if pair[0] == pair[1] else f"{_n(pair[0])}…{_n(pair[1])}"


def effect_text(e: dict) -> str:
    """One line per expected effect, whatever its mode (older results carry only change_pct)."""
    if e.get("text"):
        return e["text"]["zh"]
    pct = e.get("change_pct") or [None, None]
    return f"{e['labels']['zh']} {_n(pct[0])}…{_n(pct[1])}%"


def model_tables(result: dict) -> list[Table]:
    labels = _indicator_labels(result)
    tables = [t for t in (_compliance(result), _scenarios(result), _economics(result), _status(result),
                          _derived(result, labels), _targets(result), _basis(result, labels)) if t and t.rows]
    return tables


def _indicator_labels(result: dict) -> dict[str, str]:
    out = {}
    for system in (result.get("indicator_assessment") or {}).get("systems", []):
        for ind in system["indicators"]:
            out[ind["indicator"]] = ind["labels"]["zh"]
    return out


def _compliance(result: dict) -> Table | None:
    comp = result.get("compliance")
    if not comp:
        return None
    rows, notes = [], []
    for s in comp["sets"]:
        for c in s["checks"]:
            o2 = c.get("o2", {}).get("zh", "")
            derived = f"推算值 = {c['derived'].get('formula_labels', {}).get('zh', c['derived']['formula'])}" if c.get("derived") else ""
            limit = _range(c["limit_value"]) if isinstance(c["limit_value"], list) else _n(c["limit_value"])
            rows.append([c["enterprise"], s["labels"]["zh"], c["subject_labels"]["zh"], _n(c["measured"]),
                         _n(c["compared"]), f"{limit} {c.get('unit') or ''}".strip(), c.get("clause") or "",
                         ("超标" if c["exceeded"] else "达标") + _binding_zh(c), "；".join(x for x in (o2, derived) if x),
                         "是" if c.get("verified") else "否（待核对原文）"])
        for u in s.get("place_unknown", []):
            rows.append([u["enterprise"], s["labels"]["zh"], u["subject_labels"]["zh"], _n(u["measured"]), "", "", "",
                         "位置未知，未判断", u["why"]["zh"], ""])
        unknown = s["enterprises"].get("unknown", [])
        if unknown:
            notes.append(f"{s['labels']['zh']}：{len(unknown)}家企业是否适用未知（{'；'.join(sorted({r['zh'] for r in s['reasons'].values()}))}）")
        if s.get("not_measured"):
            notes.append(f"{s['labels']['zh']}：{len(s['not_measured'])}家适用企业未填报相应监测值")
        if s.get("local"):
            notes.append(f"{s['labels']['zh']}：{s['local']['zh']}，适用{len(s['enterprises'].get('applies', []))}家"
                         + (f"；{s['limits_note']['zh']}" if s.get("limits_read") is False else ""))
    if comp.get("local_unplaced"):
        notes.append(comp["local_unplaced"]["zh"])
    notes.append(comp["note"]["zh"])
    return Table({"zh": "排放限值核查", "en": "Limits checked"},
                 ["企业 enterprise", "限值要求 requirement", "项目 item", "实测 measured", "比较值 compared",
                  "限值 limit", "条款 clause", "结论 result", "折算与推算 normalisation", "已核实 verified"], rows, notes, sheet="限值核查 limits")


def _binding_zh(check: dict) -> str:
    """Where several standards judge one figure: which limit binds (从严执行)."""
    if check.get("binding") is True:
        return "（从严执行此限值）"
    if check.get("stricter"):
        return f"（另有更严限值{check['stricter']['limit_value']:g}：{check['stricter']['labels']['zh']}）"
    return ""


def _scenarios(result: dict) -> Table | None:
    rows = []
    for s in result.get("scenarios") or []:
        for e in s["enterprises"]:
            rows.append([s["title"]["zh"], e["enterprise"], _n(e["value"]), _n(e["benchmark"]),
                         (e.get("variant") or {}).get("zh", ""), _n(e["saving"]), s["unit"] or "", ""])
        rows.append([s["title"]["zh"], "合计 total", "", "", "", _n(s["total"]), s["unit"] or "",
                     f"{s['formula']['zh']}；已达该级{s['enterprises_at_level']}家，缺数据{len(s['enterprises_without_data'])}家"])
    return Table({"zh": "情景：达到指定级别的节约量", "en": "Scenarios: savings when every enterprise reaches a level"},
                 ["情景 scenario", "企业 enterprise", "现值 value", "基准值 benchmark", "分档 variant", "节约量 saving",
                  "单位 unit", "说明 note"], rows, sheet="情景 scenarios")


def _economics(result: dict) -> Table | None:
    rows = []
    for r in result.get("recommendations") or []:
        econ = r.get("economics")
        if not econ:
            continue
        inv = econ.get("investment_10k_yuan") or {}
        opex = econ.get("opex_change_10k_yuan_per_a") or {}
        saving = "；".join(f"{s['labels']['zh']} {_range(s['total']) or _range(s['per_basis']) + '（' + s['basis_labels']['zh'] + '）'} {s['unit'] or ''}"
                          for s in econ.get("savings", []))
        pay = econ.get("payback_years") or {}
        payback = (_range(pay.get("range")) + ("（按设定价格推算）" if pay.get("derived") else "（来源给出）")) if pay.get("range") \
            else (pay.get("zh") or "")
        requires = "；".join(f"{q['labels']['zh']}（{'已推荐' if q.get('recommended') else '未推荐'}，缺{len(q['missing'])}家）"
                            for q in econ.get("requires", []))
        # a cost left in the source's currency (no exchange rate) or converted at the set rate: said in its cell
        foreign_inv = (econ.get("investment_unconverted") or {}).get("text") or {}
        foreign_opex = (econ.get("opex_change_unconverted") or {}).get("text") or {}
        converted = (inv.get("text") or {}).get("zh") if inv.get("converted_from") else None
        inv_cell = _range(inv.get("total")) or (_range(inv.get("per_basis")) + f"（{inv['basis_labels']['zh']}）" if inv else "")
        rows.append([r["labels"]["zh"], "；".join(x for x in (inv_cell, converted, foreign_inv.get("zh")) if x),
                     (_range(opex.get("total")) if opex else "") or foreign_opex.get("zh") or "", saving, _range(econ.get("savings_10k_yuan_per_a")), payback, requires])
    return Table({"zh": "方案经济性与前提", "en": "Economics and prerequisites of measures"},
                 ["方案 measure", "投资 万元", "运行费用变化 万元/a", "节约量 savings", "节约额 万元/a", "回收期 年", "前提 requires"], rows, sheet="方案经济性 economics")


def _status(result: dict) -> Table | None:
    rows = []
    for t in result.get("technique_status") or []:
        for b in t["bases"]:
            doc = (b.get("document_labels") or {}).get("zh", "")
            where = "；".join(f"{APPLIES.get(k, k)}：{', '.join(v)}" for k, v in b["enterprises"].items())
            rows.append([t["labels"]["zh"], STATUS.get(b["status"], b["status"]), f"{doc} {b.get('clause') or ''}".strip(),
                         b.get("from") or "", (b.get("exception") or {}).get("zh", ""), (b.get("area") or {}).get("zh", "全国"),
                         where, "是" if b.get("verified") else "否（待核对原文）"])
    return Table({"zh": "工艺状态及其依据", "en": "Technique status and its basis"},
                 ["工艺 technique", "状态 status", "依据 basis", "起始 from", "除外 exception", "地域 area", "企业 enterprises",
                  "已核实 verified"], rows, sheet="工艺状态 technique status")


def _derived(result: dict, labels: dict[str, str]) -> Table | None:
    rows = [[d["enterprise"], labels.get(d["target"]) or d["labels"]["zh"], _n(d["value"]), d.get("unit") or "",
             d.get("formula_labels", {}).get("zh", d["formula"]), "；".join(f"{_n(i['value'])}" for i in d.get("inputs", []))]
            for d in result.get("derived_values") or []]
    return Table({"zh": "推算值（按公式计算）", "en": "Derived values (computed by formula)"},
                 ["企业 enterprise", "对象 target", "推算值 value", "单位 unit", "公式 formula", "输入 inputs"], rows, sheet="推算值 derived values")


def _targets(result: dict) -> Table | None:
    rows = [[t["area_labels"]["zh"], t["pollutant_labels"]["zh"], _n(t.get("reduction_pct")), t.get("baseline_year") or "",
             t.get("by_year") or "", "是" if t.get("verified") else "否（待核对原文）",
             (t.get("note") or {}).get("zh", "")] for t in result.get("targets") or []]
    return Table({"zh": "减排目标", "en": "Reduction targets"},
                 ["区域/流域/行业 area", "污染物 pollutant", "削减比例 %", "基准年", "目标年", "已核实 verified", "说明 note"],
                 rows, sheet="减排目标 targets")


def _basis(result: dict, labels: dict[str, str]) -> Table | None:
    rows = []
    for e in (result.get("indicator_assessment") or {}).get("enterprises", []):
        basis = e.get("basis")
        if not basis:
            continue
        rests = "；".join(f"{(c.get('labels') or {}).get('zh', '')}（{'、'.join(labels.get(i, '') for i in c['indicators'])}）"
                         for c in basis["categories"])
        missing = "；".join(f"{labels.get(m['indicator'], '')}：{REASON.get(m['reason'], m['reason'])}" for m in basis["missing"])
        rows.append([e["enterprise"], _n(e["coverage"]), rests, missing, basis["note"]["zh"]])
    return Table({"zh": "评级依据与缺失说明", "en": "What each grade rests on"},
                 ["企业 enterprise", "覆盖 coverage", "依据的一级/二级指标 rests on", "缺失及原因 missing", "说明 note"], rows, sheet="评级依据 grade basis")
