"""Turns a diagnosis result (the JSON of diagnostics/README.md) into an HTML page, an XLSX workbook and a DOCX
audit report. Charts are inline SVG (HTML) and shaded table cells (DOCX), so Chinese text renders with the
reader's own fonts and nothing needs a CJK font on the machine that writes the report.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import orjson
from jinja2 import Environment, select_autoescape

from .report_model import MODEL_HEADING, effect_text, model_tables
from .xlsx_text import append_text_safe

ROUTES = {
    "materials-energy": ("原辅材料和能源替代", "raw material and energy substitution"),
    "technology": ("技术工艺改造", "technology and process change"),
    "equipment": ("设备维护和更新", "equipment maintenance and renewal"),
    "process-control": ("过程优化控制", "process optimisation and control"),
    "product": ("产品更换或改进", "product change or improvement"),
    "waste-reuse": ("废弃物回收利用和循环使用", "waste recovery and reuse"),
    "management": ("加强管理", "better management"),
    "staff": ("员工素质提高", "staff skills"),
}
CATEGORIES = {
    "water-use": ("水资源消耗", "water use"), "water-pollution": ("水污染", "water pollution"),
    "energy-use": ("能源消耗", "energy use"), "management": ("管理", "management"),
    "material-efficiency": ("物料利用", "material efficiency"), "toxic-substances": ("有毒有害物质", "toxic substances"),
    "air-pollution": ("大气污染", "air pollution"), "solid-waste": ("固体废物", "solid waste"),
}
COST = {"low": ("无/低费", "no/low cost"), "high": ("中/高费", "medium/high cost")}
SEVERITY = {"high": ("高", "high"), "medium": ("中", "medium"), "low": ("低", "low")}
CLASSES = {"I": ("Ⅰ级 领先", "level I"), "II": ("Ⅱ级 先进", "level II"), "III": ("Ⅲ级 一般", "level III"),
           "below III": ("未达Ⅲ级", "below level III"), "not rated": ("无法评级", "not rated"), None: ("无法评级", "not rated")}


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


def _num(x: Any) -> str:
    if isinstance(x, float):
        return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"  # never 3.5e+05 in a report
    return "—" if x is None else str(x)


def _vocab(store, table: dict) -> dict[str, tuple[str, str]]:
    """Key -> (zh, en) for routes and categories: the store's labels where it has them, the built-in ones else."""
    out = dict(table)
    if store is None:
        return out
    from rdflib.namespace import SKOS

    from cpkb.kb.namespaces import CPKB

    from .knowledge import knowledge_for

    graph = knowledge_for(store).graph
    for key in table:
        for s in graph.subjects(CPKB.key, None):
            if str(graph.value(s, CPKB.key)) == key:
                labels = {lit.language: str(lit) for lit in graph.objects(s, SKOS.prefLabel)}
                if labels.get("zh"):
                    out[key] = (labels["zh"], labels.get("en", table[key][1]))
                break
    return out


def _context(result: dict, store=None) -> dict:
    scope = result.get("scope", {})
    problem_labels = {i["problem"]: i["labels"] for i in result.get("key_issues", []) + result.get("other_findings", [])}
    systems = result.get("indicator_assessment", {}).get("systems", [])
    indicator_labels = {i["indicator"]: i["labels"] for s in systems for i in s["indicators"]}
    measures = {r["measure"]: r for r in result.get("recommendations", [])}
    return {
        "r": result, "scope": scope, "routes": _vocab(store, ROUTES) if store is not None else ROUTES,
        "categories": CATEGORIES, "cost": COST, "severity": SEVERITY, "classes": CLASSES,
        "problem_labels": problem_labels, "indicator_labels": indicator_labels, "measures": measures,
        "generated": _now(), "pct": _pct, "num": _num,
        "low": [measures[m] for m in result.get("schemes", {}).get("low_cost", []) if m in measures],
        "high": [measures[m] for m in result.get("schemes", {}).get("high_cost", []) if m in measures],
        "title": scope.get("title") or f"{scope.get('sector_label', {}).get('zh', '')}清洁生产整体审核诊断报告",
    }


# ---------------------------------------------------------------------- charts (SVG)

def svg_bars(items: list[tuple[str, float]], unit: str = "%", width: int = 640, max_value: float | None = None,
             threshold: float | None = None) -> str:
    """A horizontal bar chart as inline SVG; labels are text, so the viewer's fonts render Chinese."""
    from markupsafe import escape

    bar_h, gap, left, right = 20, 6, 230, 70
    height = len(items) * (bar_h + gap) + 10
    top = max_value or max([v for _, v in items] + [1e-9])
    scale = (width - left - right) / top
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'class="chart" font-family="system-ui, \'Noto Sans CJK SC\', \'Microsoft YaHei\', \'PingFang SC\', '
             f'\'WenQuanYi Micro Hei\', sans-serif" font-size="12">']
    for n, (label, value) in enumerate(items):
        y = 5 + n * (bar_h + gap)
        shown = f"{value * 100:.0f}%" if unit == "%" else _num(value)
        parts.append(f'<text x="{left - 6}" y="{y + 14}" text-anchor="end">{escape(label)}</text>'
                     f'<rect x="{left}" y="{y}" width="{max(value * scale, 0):.1f}" height="{bar_h}" fill="#3b73b9"/>'
                     f'<text x="{left + max(value * scale, 0) + 4:.1f}" y="{y + 14}">{escape(shown)}</text>')
    if threshold is not None:
        x = left + threshold * scale
        parts.append(f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height}" stroke="#c0392b" stroke-dasharray="4 3"/>')
    parts.append("</svg>")
    return "".join(parts)


_HTML = """<!doctype html>
<html lang="zh">
<head>
<meta charset="utf-8">
<title>{{ title }}</title>
<style>
body { font-family: system-ui, "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; margin: 2em auto;
       max-width: 1100px; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; } h2 { border-bottom: 2px solid #3b73b9; padding-bottom: .2em; margin-top: 1.6em; }
table { border-collapse: collapse; width: 100%; margin: .6em 0; font-size: .92em; }
th, td { border: 1px solid #bbb; padding: .25em .45em; vertical-align: top; text-align: left; }
th { background: #e8f0fa; } .en { color: #666; font-size: .9em; } .meta { color: #555; font-size: .9em; }
.banner { background: #fdecea; border: 1px solid #e0a39c; padding: .6em; } .num { text-align: right; }
details { margin: .3em 0; } @media print { details { display: block; } h2 { page-break-after: avoid; }
table { page-break-inside: auto; } tr { page-break-inside: avoid; } }
</style>
</head>
<body>
<h1>{{ title }}</h1>
<p class="meta">行业 sector: {{ scope.sector_label.zh if scope.sector_label else scope.sector }}
{% if scope.sector_label %}<span class="en">({{ scope.sector_label.en }})</span>{% endif %} ·
知识库版本 KB version: <b>{{ r.kb_version }}</b> · 引擎 engine {{ r.engine_version }} ·
诊断时间 diagnosed {{ r.generated_at }} · 报告生成 report generated {{ generated }}</p>
{% if r.excluded %}<p class="banner">有 {{ r.excluded|length }} 家企业因数据错误未参与诊断（见附录）。
<span class="en">{{ r.excluded|length }} enterprise(s) with errors were set aside (see the appendix).</span></p>{% endif %}

<h2>一、概况 <span class="en">Overview</span></h2>
<table>
<tr><th>调查企业 enterprises</th><td class="num">{{ scope.enterprises }}</td>
    <th>参与诊断 diagnosed</th><td class="num">{{ scope.diagnosed }}</td>
    <th>排除 excluded</th><td class="num">{{ scope.excluded }}</td></tr>
<tr><th>总产量 total output</th><td class="num">{{ num(scope.total_output) }} {{ scope.output_unit or '' }}</td>
    <th>年份 year</th><td>{{ scope.year or '—' }}</td>
    <th>试点类型 pilot type</th><td>{{ scope.pilot_type }}</td></tr>
<tr><th>区域/流域 region/basin</th><td colspan="3">{{ scope.region_label.zh if scope.region_label else '' }}
    {{ scope.basin_label.zh if scope.basin_label else '' }}</td><th>园区 park</th><td>{{ scope.park or '—' }}</td></tr>
</table>

<h2>二、现状：指标评价 <span class="en">Indicator assessment</span></h2>
{% for s in r.indicator_assessment.systems %}
<p>{{ s.labels.zh }} <span class="en">{{ s.labels.en }}</span></p>
{{ dist_svg[loop.index0]|safe }}
{% endfor %}
<table>
<tr><th>企业 enterprise</th><th>等级 class</th><th>Y<sub>Ⅰ</sub></th><th>Y<sub>Ⅱ</sub></th><th>Y<sub>Ⅲ</sub></th>
<th>覆盖 coverage</th><th>未达Ⅲ级的指标 indicators below III</th></tr>
{% for e in r.indicator_assessment.enterprises %}
<tr><td>{{ e.enterprise }}</td><td>{{ classes.get(e['class'], (e['class'], ''))[0] }}{% if e.provisional %}（暂定 provisional）{% endif %}</td>
<td class="num">{{ e.Y.I }}</td><td class="num">{{ e.Y.II }}</td><td class="num">{{ e.Y.III }}</td>
<td class="num">{{ pct(e.coverage) }}</td>
<td>{% for i in e.indicators if i.level == 'below III' %}{{ indicator_labels.get(i.indicator, {'zh': i.indicator}).zh }}
({{ num(i.value) }}){% if not loop.last %}、{% endif %}{% endfor %}</td></tr>
{% endfor %}
</table>

<h2>三、关键共性问题 <span class="en">Key issues shared across the sector</span></h2>
<p class="meta">问题在不少于 {{ pct(r.settings.key_issue_prevalence) }} 的企业（或产量）中出现即为关键共性问题。
<span class="en">A problem found in at least {{ pct(r.settings.key_issue_prevalence) }} of enterprises (or of output) is a key issue.</span></p>
{% if r.key_issues %}
{{ issues_svg|safe }}
<table>
<tr><th>#</th><th>问题 problem</th><th>类别 category</th><th>严重程度 severity</th><th>企业占比 share of enterprises</th>
<th>产量占比 share of output</th><th>企业 enterprises</th></tr>
{% for i in r.key_issues %}
<tr><td>{{ loop.index }}</td><td>{{ i.labels.zh }}{% if i.veto %} <strong>【淘汰类·否决项】</strong>{% endif %}<br><span class="en">{{ i.labels.en }}{% if i.veto %} (eliminated technique: veto item){% endif %}</span></td>
<td>{{ categories.get(i.category, (i.category, ''))[0] }}</td><td>{{ severity.get(i.severity, (i.severity,''))[0] }}</td>
<td class="num">{{ pct(i.prevalence.enterprises) }}</td><td class="num">{{ pct(i.prevalence.output) }}</td>
<td>{{ i.enterprises|join(', ') }}</td></tr>
{% endfor %}
</table>
<h3>证据 <span class="en">Evidence</span></h3>
{% for i in r.key_issues %}
<details open><summary>{{ i.labels.zh }} — {{ i.count }} 家企业 / enterprises</summary>
<table>{% for ev in i.evidence %}
<tr><td>{{ ev.enterprise }}</td><td>{{ ev.explanation.zh }}<br><span class="en">{{ ev.explanation.en }}</span></td></tr>
{% endfor %}</table></details>
{% endfor %}
{% else %}
<p>未发现关键共性问题。<span class="en">No key issue: no problem reaches the prevalence threshold.</span></p>
{% endif %}
{% if r.other_findings %}
<h3>其他发现 <span class="en">Other findings (below the threshold)</span></h3>
<table>{% for i in r.other_findings %}
<tr><td>{{ i.labels.zh }} <span class="en">{{ i.labels.en }}</span></td><td class="num">{{ pct(i.prevalence.enterprises) }}</td>
<td>{{ i.enterprises|join(', ') }}</td></tr>{% endfor %}</table>
{% endif %}

<h2>四、清洁生产方案 <span class="en">Cleaner-production schemes</span></h2>
{% for name, group in (('无/低费方案 no/low-cost scheme', low), ('中/高费方案 medium/high-cost scheme', high)) %}
<h3>{{ name }}</h3>
{% if group %}
<table>
<tr><th>排序 rank</th><th>方案 measure</th><th>途径 route</th><th>解决的问题 problems</th><th>适用企业 applies to</th>
<th>预期效果 expected effects</th></tr>
{% for m in group %}
<tr><td>{{ m.rank }}</td><td>{{ m.labels.zh }}<br><span class="en">{{ m.labels.en }}</span></td>
<td>{{ routes.get(m.route, (m.route, ''))[0] }}</td>
<td>{% for p in m.problems %}{{ problem_labels.get(p, {'zh': p}).zh }}{% if not loop.last %}、{% endif %}{% endfor %}</td>
<td>{{ m.applies_to|length }} 家: {{ m.applies_to|join(', ') }}{% if m.prerequisite_unconfirmed %}<br><span class="en">其中待核实适用条件 to be confirmed: {{ m.prerequisite_unconfirmed|join(', ') }}</span>{% endif %}</td>
<td>{% for e in m.expected_effects %}{{ effect_text(e) }}
{% if e.baseline_mean is defined %}（均值 {{ num(e.baseline_mean) }} → {% if e.expected_mean is sequence %}{{ num(e.expected_mean[0]) }}…{{ num(e.expected_mean[1]) }}{% else %}{{ num(e.expected_mean) }}{% endif %}）{% endif %}
{% if e.baseline_t_per_a is defined %}（{{ num(e.change_t_per_a[0]) }}…{{ num(e.change_t_per_a[1]) }} t/a）{% endif %}
{% if not e.verified %}<span class="en">[未核实 unverified]</span>{% endif %}<br>{% endfor %}</td></tr>
{% endfor %}
</table>
{% else %}<p>无 <span class="en">none</span></p>{% endif %}
{% endfor %}
{% if r.not_recommended %}
<h3>未推荐的候选方案 <span class="en">Candidates not recommended</span></h3>
<table>{% for m in r.not_recommended %}
<tr><td>{{ m.labels.zh }} <span class="en">{{ m.labels.en }}</span></td><td>{{ m.explanation.zh }}
<span class="en">{{ m.explanation.en }}</span></td></tr>{% endfor %}</table>
{% endif %}

{% if potential %}
<h2>五、减排潜力 <span class="en">Reduction potential</span></h2>
<table><tr><th>污染物 pollutant</th><th>填报企业 reported by</th><th>排放量 t/a</th><th>可削减 t/a (合并)</th><th>主要方案 main measures</th></tr>
{% for p in potential %}<tr><td>{{ p.labels.zh }} <span class="en">{{ p.labels.en }}</span></td><td class="num">{{ p.reported_by }}</td>
<td class="num">{{ num(p.baseline_t_per_a) }}</td><td class="num">{{ num(p.combined_reduction_t_per_a[0]) }}…{{ num(p.combined_reduction_t_per_a[1]) }}</td>
<td>{% for m in p.by_measure[:3] %}{{ m.labels.zh }}（{{ num(m.reduction_t_per_a[0]) }}…{{ num(m.reduction_t_per_a[1]) }}）{% if not loop.last %}；{% endif %}{% endfor %}</td></tr>{% endfor %}
</table><p class="meta">{{ r.reduction_potential.basis.zh }}</p>
{% endif %}
{% if symbiosis %}
<h2>六、园区共生机会 <span class="en">Park symbiosis</span></h2>
<table><tr><th>提供方 from</th><th>产出 offer</th><th>需求方 to</th><th>需求 demand</th><th>可匹配量 amount</th></tr>
{% for m in symbiosis %}<tr><td>{{ m['from'] }}</td><td>{{ m.offer_labels.zh }}{% if m.fate_today %}（现状：{{ m.fate_today }}）{% endif %}</td>
<td>{{ m.to }}</td><td>{{ m.demand_labels.zh }}</td><td class="num">{{ num(m.amount) }} {{ m.unit }}</td></tr>{% endfor %}
</table><p class="meta">{{ r.symbiosis.basis.zh }}</p>
{% endif %}

{% if model_tables %}<h2>{{ model_heading.zh }} <span class="en">{{ model_heading.en }}</span></h2>{% endif %}
{% for t in model_tables %}
<h3>{{ t.title.zh }} <span class="en">{{ t.title.en }}</span></h3>
<table><tr>{% for h in t.headers %}<th>{{ h }}</th>{% endfor %}</tr>
{% for row in t.rows %}<tr>{% for c in row %}<td>{{ c }}</td>{% endfor %}</tr>{% endfor %}</table>
{% for n in t.notes %}<p class="meta">{{ n }}</p>{% endfor %}
{% endfor %}

<h2>附录 <span class="en">Appendix</span></h2>
{% if r.excluded %}<h3>排除的企业 <span class="en">Excluded enterprises</span></h3>
<table>{% for x in r.excluded %}{% for p in x.problems %}
<tr><td>{{ x.enterprise }}</td><td>{{ p.place }}</td><td>{{ p.message }}</td></tr>{% endfor %}{% endfor %}</table>{% endif %}
{% if r.rules_not_evaluated %}<h3>因缺少数据未能评价的规则 <span class="en">Rules not evaluated for lack of data</span></h3>
<table>{% for x in r.rules_not_evaluated %}
<tr><td>{{ x.labels.zh }}</td><td>{{ x.missing|join(', ') }}</td><td>{{ x.enterprises|length }} 家 enterprises</td></tr>
{% endfor %}</table>{% endif %}
{% if r.warnings %}<h3>警告 <span class="en">Warnings</span></h3>
<table>{% for w in r.warnings %}<tr><td>{{ w.place }}</td><td>{{ w.message }}</td></tr>{% endfor %}</table>{% endif %}
<p class="meta">知识库版本 KB version {{ r.kb_version }} · 报告生成 generated {{ generated }} · CPKB</p>
</body>
</html>
"""

_ENV = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
_TEMPLATE = _ENV.from_string(_HTML)


def to_json(result: dict, pretty: bool = False) -> bytes:
    """The result as UTF-8 JSON (orjson: a 10,000-enterprise result serialises in a fraction of json's time)."""
    return orjson.dumps(result, option=orjson.OPT_INDENT_2 if pretty else 0)


def to_html(result: dict, store=None) -> str:
    """A standalone, printable HTML report (autoescaped; charts as inline SVG)."""
    ctx = _context(result, store)
    threshold = result.get("settings", {}).get("key_issue_prevalence")
    ctx["issues_svg"] = svg_bars([(i["labels"]["zh"], i["prevalence"]["enterprises"]) for i in result.get("key_issues", [])],
                                 max_value=1.0, threshold=threshold)
    ctx["potential"] = [p for p in (result.get("reduction_potential") or {}).get("pollutants", []) if p["baseline_t_per_a"]]
    ctx["symbiosis"] = (result.get("symbiosis") or {}).get("matches", [])
    ctx["model_tables"], ctx["effect_text"] = model_tables(result), effect_text   # model v2 sections
    ctx["model_heading"] = MODEL_HEADING
    ctx["dist_svg"] = [svg_bars([(CLASSES[k][0], v) for k, v in s["distribution"].items()], unit="n")
                       for s in result.get("indicator_assessment", {}).get("systems", [])]
    return _TEMPLATE.render(**ctx)


# ---------------------------------------------------------------------- XLSX

def _sheet(book, title: str, headers: list[str], rows: list[list[Any]]):
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = book.create_sheet(title)
    append_text_safe(ws, headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for row in rows:
        append_text_safe(ws, [_cellable(v) for v in row])
    for c, head in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(c)].width = max(12, min(60, len(head) * 1.5))
    ws.freeze_panes = "A2"
    return ws


def _cellable(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    return value


def to_xlsx(result: dict) -> bytes:
    """A workbook: overview, key issues, enterprise scores, recommendations, evidence (headers zh + en)."""
    from openpyxl import Workbook

    ctx = _context(result)
    book = Workbook()
    book.remove(book.active)
    scope = result.get("scope", {})
    _sheet(book, "概况 overview", ["项目 item", "值 value"], [
        ["标题 title", ctx["title"]], ["行业 sector", scope.get("sector_label", {}).get("zh") or scope.get("sector")],
        ["企业 enterprises", scope.get("enterprises")], ["参与诊断 diagnosed", scope.get("diagnosed")],
        ["排除 excluded", scope.get("excluded")], ["总产量 total output", scope.get("total_output")],
        ["产量单位 output unit", scope.get("output_unit")],
        ["知识库版本 KB version", result.get("kb_version")], ["引擎版本 engine version", result.get("engine_version")],
        ["诊断时间 diagnosed at", result.get("generated_at")], ["报告生成 generated at", ctx["generated"]],
        ["关键问题阈值 key-issue threshold", result.get("settings", {}).get("key_issue_prevalence")],
    ])
    issues = [(True, i) for i in result.get("key_issues", [])] + [(False, i) for i in result.get("other_findings", [])]
    _sheet(book, "关键问题 key issues",
           ["关键问题 key issue", "问题 problem", "Problem", "IRI", "类别 category", "严重程度 severity",
            "企业占比 share of enterprises", "产量占比 share of output", "企业数 count", "企业 enterprises"],
           [["是 yes" if key else "否 no", i["labels"]["zh"], i["labels"]["en"], i["problem"],
             CATEGORIES.get(i["category"], (i["category"],))[0], i["severity"], i["prevalence"]["enterprises"],
             i["prevalence"]["output"], i["count"], i["enterprises"]] for key, i in issues])
    labels = ctx["indicator_labels"]
    rows = []
    for e in result.get("indicator_assessment", {}).get("enterprises", []):
        below = [labels.get(i["indicator"], {"zh": i["indicator"]})["zh"] for i in e["indicators"]
                 if i["level"] == "below III"]
        rows.append([e["enterprise"], CLASSES.get(e["class"], (e["class"],))[0] + ("（暂定）" if e.get("provisional") else ""),
                     e["Y"]["I"], e["Y"]["II"],
                     e["Y"]["III"], e["coverage"], below, "; ".join(e["reasons"])])
    _sheet(book, "企业评分 enterprise scores", ["企业 enterprise", "等级 class", "Y_I", "Y_II", "Y_III",
                                               "覆盖 coverage", "未达Ⅲ级 below III", "说明 reasons"], rows)
    rows = []
    for r in result.get("recommendations", []):
        effects = [effect_text(e) for e in r["expected_effects"]]
        rows.append([r["rank"], r["labels"]["zh"], r["labels"]["en"], r["measure"], COST.get(r["cost_class"],
                     (r["cost_class"],))[0], ROUTES.get(r["route"], (r["route"],))[0],
                     [ctx["problem_labels"].get(p, {"zh": p})["zh"] for p in r["problems"]], len(r["applies_to"]),
                     r["applies_to"], effects])
    for r in result.get("not_recommended", []):
        rows.append(["—", r["labels"]["zh"], r["labels"]["en"], r["measure"], COST.get(r["cost_class"],
                     (r["cost_class"],))[0], ROUTES.get(r["route"], (r["route"],))[0],
                     [ctx["problem_labels"].get(p, {"zh": p})["zh"] for p in r["problems"]], 0, [],
                     [f"未推荐 not recommended: {r['explanation']['zh']}"]])
    _sheet(book, "方案 recommendations", ["排序 rank", "方案 measure", "Measure", "IRI", "费用 cost", "途径 route",
                                         "问题 problems", "适用企业数 count", "适用企业 applies to",
                                         "预期效果 expected effects"], rows)
    if result.get("reduction_potential"):
        _sheet(book, "减排潜力 reduction potential",
               ["污染物 pollutant", "Pollutant", "填报企业 reported by", "未填报 not reported", "排放量 baseline t/a",
                "合并削减下限 combined low t/a", "合并削减上限 combined high t/a", "方案 measure", "方案削减 t/a"],
               [[p["labels"]["zh"], p["labels"]["en"], p["reported_by"], p["not_reported_by"], p["baseline_t_per_a"],
                 p["combined_reduction_t_per_a"][0], p["combined_reduction_t_per_a"][1], m["labels"]["zh"] if m else "",
                 m["reduction_t_per_a"] if m else ""]
                for p in result["reduction_potential"]["pollutants"] for m in (p["by_measure"] or [None])])
    if result.get("symbiosis"):
        _sheet(book, "园区共生 symbiosis", ["提供方 from", "产出 offer", "需求方 to", "需求 demand", "数量 amount",
                                          "单位 unit", "现状去向 fate today"],
               [[m["from"], m["offer_labels"]["zh"], m["to"], m["demand_labels"]["zh"], m["amount"], m["unit"],
                 m["fate_today"]] for m in result["symbiosis"]["matches"]])
    for table in model_tables(result):  # model v2: limits, scenarios, economics, status, derived values, basis
        _sheet(book, table.sheet, table.headers,
               table.rows + [[note] for note in table.notes])
    rows = [[i["labels"]["zh"], ev["enterprise"], ev["rule"], ev["explanation"]["zh"], ev["explanation"]["en"]]
            for _, i in issues for ev in i["evidence"]]
    _sheet(book, "证据 evidence", ["问题 problem", "企业 enterprise", "规则 rule", "说明", "explanation"], rows)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---------------------------------------------------------------------- DOCX

def _east_asian(run_or_style, font: str = "SimSun") -> None:
    """Chinese text needs w:eastAsia set, or Word falls back to a Latin font that has no CJK glyphs."""
    from docx.oxml.ns import qn

    rpr = run_or_style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), font)


def _shade(cell, color: str) -> None:
    from docx.oxml.ns import qn

    tcpr = cell._tc.get_or_add_tcPr()
    shd = tcpr.makeelement(qn("w:shd"), {qn("w:val"): "clear", qn("w:color"): "auto", qn("w:fill"): color})
    tcpr.append(shd)


def docx_bars(doc, items: list[tuple[str, float]], percent: bool = True, cells: int = 20) -> None:
    """A bar chart drawn as a table of shaded cells: label | bar | value. Text stays text, so Chinese renders."""
    from docx.shared import Cm, Pt

    top = max([v for _, v in items] + [1e-9]) if not percent else 1.0
    table = doc.add_table(rows=0, cols=cells + 2)
    table.autofit = False
    for label, value in items:
        row = table.add_row().cells
        row[0].text = label
        row[0].width = Cm(5.5)
        filled = round(cells * value / top)
        for k in range(cells):
            row[k + 1].width = Cm(0.45)
            if k < filled:
                _shade(row[k + 1], "3B73B9")
        row[-1].text = f"{value * 100:.0f}%" if percent else _num(value)
        row[-1].width = Cm(1.8)
        for cell in (row[0], row[-1]):
            for p in cell.paragraphs:
                for run in p.runs:
                    run.font.size = Pt(9)


def _table(doc, headers: list[str], rows: list[list[Any]]) -> None:
    from docx.shared import Pt

    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, head in zip(table.rows[0].cells, headers):
        cell.text = head
        for run in cell.paragraphs[0].runs:
            run.font.bold = True
            run.font.size = Pt(9)
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row):
            cell.text = "" if value is None else str(_cellable(value))
            for run in cell.paragraphs[0].runs:
                run.font.size = Pt(9)


def to_docx(result: dict) -> bytes:
    """A DOCX audit report: 概况 → 现状与主要问题 → 共性问题 → 方案 (无/低费, 中/高费) → 预期效益."""
    from docx import Document
    from docx.shared import Pt

    ctx = _context(result)
    scope = result.get("scope", {})
    doc = Document()
    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3", "Table Grid"):
        try:
            _east_asian(doc.styles[name])
        except KeyError:
            pass
    doc.styles["Normal"].font.size = Pt(10.5)
    doc.add_heading(ctx["title"], 0)
    doc.add_paragraph(f"知识库版本 KB version：{result.get('kb_version')}；引擎 engine {result.get('engine_version')}；"
                      f"诊断时间 {result.get('generated_at')}；报告生成 {ctx['generated']}")
    if result.get("excluded"):
        doc.add_paragraph(f"注意：{len(result['excluded'])} 家企业因数据错误未参与诊断，见附录。")

    doc.add_heading("一、概况", 1)
    sector = scope.get("sector_label", {}).get("zh") or scope.get("sector")
    doc.add_paragraph(
        f"本次为{sector}行业整体审核诊断，共调查企业 {scope.get('enterprises')} 家，参与诊断 {scope.get('diagnosed')} 家"
        f"{'，排除 %s 家' % scope.get('excluded') if scope.get('excluded') else ''}；合计产量 {_num(scope.get('total_output'))} "
        f"{scope.get('output_unit') or ''}。" + (f"审核年份 {scope['year']}。" if scope.get("year") else "")
        + (f"园区：{scope['park']}。" if scope.get("park") else ""))

    doc.add_heading("二、现状与主要问题", 1)
    doc.add_heading("（一）清洁生产水平评价", 2)
    for s in result.get("indicator_assessment", {}).get("systems", []):
        dist = s["distribution"]
        total = sum(dist.values()) or 1
        doc.add_paragraph(f"按《{s['labels']['zh']}》评价，各等级企业数：" + "，".join(
            f"{CLASSES[k][0]} {v} 家" for k, v in dist.items()) + "。")
        docx_bars(doc, [(CLASSES[k][0], v / total) for k, v in dist.items()])
    labels = ctx["indicator_labels"]
    _table(doc, ["企业", "等级", "Y_Ⅰ", "Y_Ⅱ", "Y_Ⅲ", "未达Ⅲ级的指标"],
           [[e["enterprise"], CLASSES.get(e["class"], (e["class"],))[0] + ("（暂定）" if e.get("provisional") else ""), e["Y"]["I"], e["Y"]["II"], e["Y"]["III"],
             "、".join(labels.get(i["indicator"], {"zh": i["indicator"]})["zh"] for i in e["indicators"]
                      if i["level"] == "below III")] for e in result.get("indicator_assessment", {}).get("enterprises", [])])
    if result.get("other_findings"):
        doc.add_heading("（二）个别企业存在的问题", 2)
        _table(doc, ["问题", "企业占比", "企业"], [[i["labels"]["zh"], _pct(i["prevalence"]["enterprises"]),
                                              i["enterprises"]] for i in result["other_findings"]])

    doc.add_heading("三、关键共性问题", 1)
    key = result.get("key_issues", [])
    if key:
        doc.add_paragraph(f"问题在不少于 {_pct(result.get('settings', {}).get('key_issue_prevalence'))} 的企业或产量中出现即认定为"
                          f"关键共性问题，共 {len(key)} 项：")
        docx_bars(doc, [(i["labels"]["zh"], i["prevalence"]["enterprises"]) for i in key])
        _table(doc, ["问题", "类别", "严重程度", "企业占比", "产量占比", "企业"],
               [[i["labels"]["zh"], CATEGORIES.get(i["category"], (i["category"],))[0],
                 SEVERITY.get(i["severity"], (i["severity"],))[0], _pct(i["prevalence"]["enterprises"]),
                 _pct(i["prevalence"]["output"]), i["enterprises"]] for i in key])
        for i in key:
            doc.add_heading(i["labels"]["zh"] + ("（淘汰类，否决项）" if i.get("veto") else ""), 3)
            for ev in i["evidence"][:20]:
                doc.add_paragraph(f"{ev['enterprise']}：{ev['explanation']['zh']}", style="List Bullet")
            if len(i["evidence"]) > 20:
                doc.add_paragraph(f"……另有 {len(i['evidence']) - 20} 条证据见 XLSX 证据表。")
    else:
        doc.add_paragraph("未发现达到阈值的关键共性问题。")

    doc.add_heading("四、清洁生产方案", 1)
    for title, group in (("（一）无/低费方案", ctx["low"]), ("（二）中/高费方案", ctx["high"])):
        doc.add_heading(title, 2)
        if not group:
            doc.add_paragraph("无。")
            continue
        _table(doc, ["排序", "方案", "途径", "解决的问题", "适用企业"],
               [[m["rank"], m["labels"]["zh"], ROUTES.get(m["route"], (m["route"],))[0],
                 "、".join(ctx["problem_labels"].get(p, {"zh": p})["zh"] for p in m["problems"]),
                 f"{len(m['applies_to'])} 家：{', '.join(m['applies_to'])}"] for m in group])
    if result.get("not_recommended"):
        doc.add_heading("（三）未推荐的候选方案", 2)
        _table(doc, ["方案", "原因"], [[m["labels"]["zh"], m["explanation"]["zh"]] for m in result["not_recommended"]])

    doc.add_heading("五、预期效益", 1)
    rows = []
    for m in result.get("recommendations", []):
        for e in m["expected_effects"]:
            amount = ""
            if "baseline_mean" in e and isinstance(e["expected_mean"], list):
                amount = f"均值 {_num(e['baseline_mean'])} → {_num(e['expected_mean'][0])}…{_num(e['expected_mean'][1])}"
            elif "baseline_mean" in e:
                amount = f"均值 {_num(e['baseline_mean'])} → {_num(e['expected_mean'])}"
            elif "baseline_t_per_a" in e:
                amount = f"{_num(e['change_t_per_a'][0])}…{_num(e['change_t_per_a'][1])} t/a（基数 {_num(e['baseline_t_per_a'])}）"
            rows.append([m["labels"]["zh"], e["labels"]["zh"], effect_text(e), amount,
                         e["enterprises"], "是" if e["verified"] else "否（文献/经验范围）"])
    if rows:
        _table(doc, ["方案", "对象", "变化幅度", "折算", "企业数", "已核实"], rows)
    else:
        doc.add_paragraph("无。")

    potential = [p for p in (result.get("reduction_potential") or {}).get("pollutants", []) if p["baseline_t_per_a"]]
    if potential:
        doc.add_heading("（一）区域/流域减排潜力", 2)
        _table(doc, ["污染物", "填报企业", "排放量 t/a", "合并可削减 t/a", "主要方案"],
               [[p["labels"]["zh"], p["reported_by"], _num(p["baseline_t_per_a"]),
                 f"{_num(p['combined_reduction_t_per_a'][0])}…{_num(p['combined_reduction_t_per_a'][1])}",
                 "；".join(m["labels"]["zh"] for m in p["by_measure"][:3])] for p in potential])
        doc.add_paragraph(result["reduction_potential"]["basis"]["zh"])
    matches = (result.get("symbiosis") or {}).get("matches", [])
    if matches:
        doc.add_heading("（二）园区共生机会", 2)
        _table(doc, ["提供方", "产出", "需求方", "需求", "可匹配量"],
               [[m["from"], m["offer_labels"]["zh"], m["to"], m["demand_labels"]["zh"], f"{_num(m['amount'])} {m['unit']}"]
                for m in matches])
        doc.add_paragraph(result["symbiosis"]["basis"]["zh"])

    tables = model_tables(result)  # model v2: limits, scenarios, economics, status, derived values, basis
    if tables:
        doc.add_heading("六、" + MODEL_HEADING["zh"], 1)
    for n, table in enumerate(tables, 1):
        doc.add_heading(f"（{'一二三四五六七八九'[n - 1]}）{table.title['zh']}", 2)
        _table(doc, table.headers, table.rows)
        for note in table.notes:
            doc.add_paragraph(note)

    doc.add_heading("附录", 1)
    if result.get("excluded"):
        _table(doc, ["企业", "位置", "问题"], [[x["enterprise"], p["place"], p["message"]]
                                           for x in result["excluded"] for p in x["problems"]])
    if result.get("rules_not_evaluated"):
        doc.add_paragraph("因缺少数据未能评价的规则：")
        _table(doc, ["规则", "缺少", "企业数"], [[x["labels"]["zh"], x["missing"], len(x["enterprises"])]
                                           for x in result["rules_not_evaluated"]])
    if result.get("warnings"):
        doc.add_paragraph("警告：")
        _table(doc, ["位置", "内容"], [[w["place"], w["message"]] for w in result["warnings"]])
    doc.add_paragraph(f"本报告由 CPKB 生成；知识库版本 {result.get('kb_version')}；生成时间 {ctx['generated']}。")
    for p in doc.paragraphs:
        for run in p.runs:
            _east_asian(run)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
