"""Languages of the browser: which one a request wants, the one fallback order, and the UI strings.

One rule everywhere, for UI strings and knowledge-base labels alike: the requested language, then the
other configured languages in the order of the `languages` setting, then any language at all. A text
shown in a language other than the requested one is marked (`fallback`), and templates draw a badge.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from flask import current_app, g, request
from markupsafe import Markup, escape

LANG_COOKIE = "cpkb_lang"
LANG_NAMES = {"zh": "中文", "en": "English"}
# a text's language as a label in the page's language (LANG_NAMES is the switcher: each name in its own language)
LANG_LABELS = {"zh": {"zh": "中文", "en": "Chinese"}, "en": {"zh": "英文", "en": "English"}}


def configured_languages() -> list[str]:
    """The configured languages in fallback order; the first is the default."""
    raw = current_app.config["CPKB"].get("languages", "zh,en")
    langs = [code.strip() for code in str(raw).split(",") if code.strip()]
    return langs or ["zh", "en"]


def request_language() -> str:
    """The language of this request: ?lang=, then the cookie of the switch, then Accept-Language."""
    if "ui_lang" in g:
        return g.ui_lang
    langs = configured_languages()
    chosen = None
    for candidate in (request.args.get("lang"), request.cookies.get(LANG_COOKIE)):
        if candidate in langs:
            chosen = candidate
            break
    if chosen is None:
        chosen = request.accept_languages.best_match(langs) or langs[0]
    g.ui_lang = chosen
    return chosen


def fallback_order(lang: str) -> list[str]:
    """Requested language first, then the other configured ones in their order."""
    return [lang] + [code for code in configured_languages() if code != lang]


@dataclass(frozen=True)
class Picked:
    """A text chosen for a language: the text, the language it is really in, and whether that is a fallback."""

    text: str
    lang: str
    fallback: bool

    def as_json(self) -> dict:
        return {"text": self.text, "lang": self.lang, "fallback": self.fallback}


def pick(texts: Mapping[str, str] | None, lang: str, default: str = "") -> Picked:
    """The text for `lang` by the one fallback order: requested → other configured → any (sorted, stable)."""
    if texts:
        for code in fallback_order(lang):
            if texts.get(code):
                return Picked(texts[code], code, code != lang)
        for code in sorted(texts):
            if texts[code]:  # an untagged text is language-neutral (codes, symbols): no badge
                return Picked(texts[code], code, bool(code) and code != lang)
    return Picked(default, lang, False)


def badge(picked_lang: str, fallback: bool) -> Markup:
    """The small visible mark of a text shown in a fallback language."""
    if not fallback:
        return Markup("")
    code = escape(picked_lang or "?")
    title = escape(ui_text("fallback_title"))
    return Markup(f'<span class="fb" title="{title}">{code.upper() if code else "?"}</span>')


def render_text(value) -> Markup:
    """A picked text (Picked or its JSON form) as HTML: the text in its language, plus the badge."""
    if value is None:
        return Markup("")
    if isinstance(value, Picked):
        text, lang, fallback = value.text, value.lang, value.fallback
    elif isinstance(value, dict):
        text, lang, fallback = value.get("text", ""), value.get("lang", ""), value.get("fallback", False)
    else:
        return escape(value)
    if fallback:
        return Markup(f'<span lang="{escape(lang)}">{escape(text)}</span>') + badge(lang, True)
    return escape(text)


def ui_text(key: str) -> str:
    """A UI string in the request's language, by the same fallback order (the key itself as last resort)."""
    return pick(UI.get(key), request_language(), default=key).text


def ui_picked(key: str) -> Markup:
    """A UI string with the fallback badge when it is not in the requested language."""
    return render_text(pick(UI.get(key), request_language(), default=key))


# UI strings. A missing translation falls back like any label and shows the badge.
UI: dict[str, dict[str, str]] = {
    "site_name": {"zh": "清洁生产审核知识库", "en": "Cleaner-Production Audit Knowledge Base"},
    "site_short": {"zh": "CPKB", "en": "CPKB"},
    "nav_home": {"zh": "首页", "en": "Home"},
    "nav_search": {"zh": "检索", "en": "Search"},
    "nav_measures": {"zh": "方案目录", "en": "Measures"},
    "nav_diagnose": {"zh": "诊断", "en": "Diagnosis"},
    "nav_sparql": {"zh": "SPARQL", "en": "SPARQL"},
    "nav_browse": {"zh": "分类浏览", "en": "Browse"},
    "language": {"zh": "语言", "en": "Language"},
    "fallback_title": {"zh": "该文本无所选语言版本，显示的是其他语言", "en": "Not available in the chosen language; shown in another"},
    "search_placeholder": {"zh": "检索工序、方案、问题、指标、污染物……", "en": "Search processes, measures, problems, indicators, pollutants…"},
    "search_button": {"zh": "检索", "en": "Search"},
    "home_intro": {"zh": "面向重点行业整体审核、工业园区审核和重点区域/流域协同审核的清洁生产知识库：行业工序、常见问题、清洁生产方案、评价指标与诊断规则，中英双语，可链接、可查询。",
                   "en": "A knowledge base for whole-sector, industrial-park and regional / river-basin cleaner-production audits: processes, typical problems, cleaner-production measures, evaluation indicators and diagnostic rules, in Chinese and English, linkable and queryable."},
    "sectors": {"zh": "重点行业", "en": "Priority sectors"},
    "pilot_types": {"zh": "三类试点审核", "en": "The three kinds of pilot audits"},
    "entry_points": {"zh": "从这里开始", "en": "Start here"},
    "ep_measures": {"zh": "按行业、工序、污染物、费用和途径筛选清洁生产方案，导出 CSV / Excel。", "en": "Filter cleaner-production measures by sector, process, pollutant, cost and route; export CSV / Excel."},
    "ep_diagnose": {"zh": "上传企业调查表，得到关键共性问题、评价等级和方案建议。", "en": "Upload an enterprise survey and get key shared issues, evaluation levels and recommended measures."},
    "sparql_title": {"zh": "SPARQL 查询", "en": "SPARQL query"},
    "sparql_run": {"zh": "运行", "en": "Run"},
    "sparql_download": {"zh": "下载：", "en": "Download:"},
    "sparql_examples": {"zh": "示例查询", "en": "Example queries"},
    "ep_sparql": {"zh": "用 SPARQL 查询整个知识图谱。", "en": "Query the whole knowledge graph with SPARQL."},
    "ep_browse": {"zh": "按类别浏览全部条目：污染物、区域、流域、标准文件……", "en": "Browse all entries by type: pollutants, regions, basins, source documents…"},
    "processes": {"zh": "工序", "en": "processes"},
    "problems": {"zh": "问题", "en": "problems"},
    "measures": {"zh": "方案", "en": "measures"},
    "techniques": {"zh": "工艺装备", "en": "techniques"},
    "indicators": {"zh": "指标", "en": "indicators"},
    "rules": {"zh": "规则", "en": "rules"},
    "no_content_yet": {"zh": "尚在编写", "en": "being written"},
    "regions_basins": {"zh": "重点区域与流域", "en": "Key regions and basins"},
    "labels": {"zh": "名称", "en": "Labels"},
    "pref_label": {"zh": "名称", "en": "Preferred label"},
    "alt_labels": {"zh": "别名", "en": "Also called"},
    "definition": {"zh": "定义", "en": "Definition"},
    "note": {"zh": "说明", "en": "Note"},
    "properties": {"zh": "属性与关系", "en": "Properties and relations"},
    "referenced_by": {"zh": "被引用", "en": "Referenced by"},
    "sources": {"zh": "来源", "en": "Sources"},
    "clause": {"zh": "条款", "en": "clause"},
    "unverified": {"zh": "待核实", "en": "to be verified"},
    "downloads": {"zh": "下载", "en": "Download"},
    "iri": {"zh": "标识（IRI）", "en": "Identifier (IRI)"},
    "iri_hint": {"zh": "本条目的公开标识，可在 SPARQL 查询和引用中使用。", "en": "This entry's public identifier, for SPARQL queries and citations."},
    "name_in": {"zh": "{language}名称", "en": "{language} name"},
    "effects": {"zh": "预期效果", "en": "Expected effects"},
    "effect_unrecorded": {"zh": "尚无量化数据", "en": "not quantified yet"},
    "effect_on": {"zh": "作用对象", "en": "On"},
    "change": {"zh": "变化幅度", "en": "Change"},
    "basis": {"zh": "基准", "en": "Basis"},
    "cost_class": {"zh": "费用类别", "en": "Cost class"},
    "route": {"zh": "清洁生产途径", "en": "Route"},
    "applicability": {"zh": "适用性", "en": "Applicability"},
    "cross_media": {"zh": "跨介质影响", "en": "Cross-media effects"},
    "payback": {"zh": "投资回收期", "en": "Payback"},
    "to_level": {"zh": "达到", "en": "brought to"},
    "acts_on_generated": {"zh": "作用于产生量", "en": "acts on what is generated"},
    "acts_on_emitted": {"zh": "作用于排放量", "en": "acts on what is emitted"},
    "economics": {"zh": "投资、运行费用与前提", "en": "Investment, running cost and prerequisites"},
    "economics_item": {"zh": "项目", "en": "Item"},
    "econ_investment": {"zh": "投资", "en": "Investment"},
    "econ_opex_change": {"zh": "运行费用变化", "en": "Change of running cost"},
    "econ_saving": {"zh": "节约", "en": "Saving of"},
    "econ_requires": {"zh": "前提（须先具备）", "en": "Requires first"},
    "wan_yuan": {"zh": "万元", "en": "10⁴ yuan"},
    "wan_yuan_per_a": {"zh": "万元/年", "en": "10⁴ yuan/a"},
    "years": {"zh": "年", "en": "years"},
    "applies_when": {"zh": "适用条件", "en": "Applies when"},
    "rules_leading": {"zh": "引出本方案的诊断规则", "en": "Diagnostic rules that lead to this measure"},
    "via_problem": {"zh": "经由问题", "en": "via problem"},
    "severity": {"zh": "严重程度", "en": "Severity"},
    "condition": {"zh": "判定条件", "en": "Condition"},
    "benchmarks": {"zh": "基准值", "en": "Benchmarks"},
    "level": {"zh": "等级", "en": "Level"},
    "value": {"zh": "数值", "en": "Value"},
    "requirement": {"zh": "要求", "en": "Requirement"},
    "yes_word": {"zh": "是", "en": "yes"},
    "no_word": {"zh": "否", "en": "no"},
    "unit": {"zh": "单位", "en": "Unit"},
    "process_chain": {"zh": "生产工序（按生产顺序）", "en": "Processes in production order"},
    "no_processes": {"zh": "该行业的工序尚未录入。", "en": "The processes of this sector have not been entered yet."},
    "other_entries": {"zh": "本行业的其他条目", "en": "Other entries of this sector"},
    "search_title": {"zh": "检索", "en": "Search"},
    "results_for": {"zh": "检索结果", "en": "Results for"},
    "no_results": {"zh": "没有找到匹配的条目。", "en": "No entries match."},
    "matched_in": {"zh": "匹配于", "en": "matched in"},
    "field_label": {"zh": "名称", "en": "label"},
    "field_alt": {"zh": "别名", "en": "alternative name"},
    "field_definition": {"zh": "定义", "en": "definition"},
    "truncated": {"zh": "结果过多，仅显示前若干条；请细化检索词。", "en": "Too many results; only the first are shown. Refine the query."},
    "catalogue_title": {"zh": "清洁生产方案目录", "en": "Cleaner-production measure catalogue"},
    "catalogue_intro": {"zh": "按分面筛选方案；每个分面后的数字是加上该条件后的方案数。", "en": "Filter measures by facets; the number after each value is how many measures you get by adding it."},
    "facet_sector": {"zh": "行业", "en": "Sector"},
    "facet_process": {"zh": "工序", "en": "Process"},
    "facet_problem": {"zh": "问题", "en": "Problem"},
    "facet_pollutant": {"zh": "污染物", "en": "Pollutant"},
    "facet_cost": {"zh": "费用类别", "en": "Cost class"},
    "facet_route": {"zh": "途径", "en": "Route"},
    "apply_filters": {"zh": "筛选", "en": "Apply"},
    "clear_filters": {"zh": "清除筛选", "en": "Clear filters"},
    "measure": {"zh": "方案", "en": "Measure"},
    "sector": {"zh": "行业", "en": "Sector"},
    "shared_measure": {"zh": "跨行业通用", "en": "cross-sector"},
    "and_more": {"zh": "等 N 个行业", "en": "and others (N sectors)"},
    "process": {"zh": "工序", "en": "Process"},
    "addresses": {"zh": "解决问题", "en": "Addresses"},
    "pollutants": {"zh": "污染物", "en": "Pollutants"},
    "n_measures": {"zh": "条方案", "en": "measures"},
    "export_csv": {"zh": "导出 CSV", "en": "Export CSV"},
    "export_xlsx": {"zh": "导出 Excel", "en": "Export Excel"},
    "sort_by": {"zh": "排序", "en": "Sort by"},
    "browse_title": {"zh": "分类浏览", "en": "Browse by type"},
    "entries": {"zh": "条目", "en": "entries"},
    "not_found": {"zh": "未找到", "en": "Not found"},
    "not_found_text": {"zh": "知识库中没有这个地址的条目。", "en": "The knowledge base has no entry at this address."},
    "error": {"zh": "出错了", "en": "Something went wrong"},
    "error_text": {"zh": "服务器处理请求时出错。", "en": "The server could not handle the request."},
    "bad_request": {"zh": "请求无效", "en": "Bad request"},
    "result_unsigned": {"zh": "下载的诊断结果不是本服务器生成的（或已过期），请重新诊断。",
                        "en": "The result to download was not produced by this server (or has expired): run the diagnosis again."},
    "csrf_failed": {"zh": "表单已过期或来源不明，请刷新页面后重试。", "en": "The form has expired or did not come from this site; reload the page and try again."},
    "too_large": {"zh": "上传文件过大", "en": "Upload too large"},
    "too_large_text": {"zh": "上传文件超过允许的大小：", "en": "The upload exceeds the allowed size:"},
    "diagnose_title": {"zh": "清洁生产诊断", "en": "Cleaner-production diagnosis"},
    "diagnose_intro": {"zh": "上传一个行业、园区或区域的企业调查表（xlsx / json / yaml / csv），或选择示例，得到关键共性问题、企业评价等级和分类方案。",
                       "en": "Upload the enterprise survey of a sector, park or region (xlsx / json / yaml / csv), or pick an example, and get the key shared issues, enterprise levels and the schemes."},
    "survey_file": {"zh": "调查表文件", "en": "Survey file"},
    "or_example": {"zh": "或选择示例", "en": "or pick an example"},
    "none": {"zh": "（无）", "en": "(none)"},
    "exclude_invalid": {"zh": "跳过有错误的企业，诊断其余企业", "en": "Skip enterprises with errors and diagnose the rest"},
    "run_diagnosis": {"zh": "开始诊断", "en": "Run diagnosis"},
    "templates": {"zh": "调查表模板", "en": "Survey templates"},
    "template_for": {"zh": "下载模板", "en": "Download template"},
    "diagnosis_busy": {"zh": "所有诊断进程都在忙，请几秒钟后重试。", "en": "Every diagnosis worker is busy; try again in a few seconds."},
    "diagnosis_loading": {"zh": "知识库仍在加载：诊断进程正在读取知识库（首次启动或服务器繁忙时需要半分钟到几分钟）。"
                                "请约 {seconds} 秒后重试（刷新本页即重新提交）。",
                          "en": "The knowledge base is still loading: the diagnosis workers are reading it (half a "
                                "minute to a few minutes on a first start or a busy server). Try again in about "
                                "{seconds} s (reloading this page submits again)."},
    "diagnosis_no_worker": {"zh": "诊断进程未能启动（服务器负载过高或内存不足），已记录在服务器日志中。请一两分钟后重试；"
                                  "仍不行请管理员查看日志。",
                            "en": "No diagnosis worker could start (the server is overloaded or short of memory); "
                                  "the server log has the cause. Try again in a minute or two; if it persists, "
                                  "ask the administrator to read the log."},
    "survey_errors": {"zh": "调查表有错误，未能诊断", "en": "The survey has errors and was not diagnosed"},
    "confirm_names": {"zh": "确认未识别的名称", "en": "Confirm the names not recognised"},
    "confirm_names_intro": {"zh": "以下名称在知识库中没有完全对应的概念。请为每个名称选择对应的知识库名称，或选择“忽略”；保留原文的名称会列入报告的“未识别名称”，依赖它的规则不作判断。",
                            "en": "These names match no concept of the knowledge base exactly. Pick the knowledge-base name each means, or ignore it; a name kept as written is listed in the report and the rules that need it are not evaluated."},
    "written_name": {"zh": "调查表中的写法", "en": "As written"},
    "name_kind": {"zh": "类别", "en": "Kind"},
    "written_where": {"zh": "位置", "en": "Where"},
    "enterprise_count": {"zh": "企业数", "en": "Enterprises"},
    "means": {"zh": "对应知识库名称", "en": "Means"},
    "keep_as_written": {"zh": "保留原文（不识别）", "en": "keep as written (not recognised)"},
    "ignore_name": {"zh": "忽略", "en": "ignore"},
    "continue_diagnosis": {"zh": "按所选名称诊断", "en": "Diagnose with these names"},
    "place": {"zh": "位置", "en": "Place"},
    "message": {"zh": "问题", "en": "Problem"},
    "no_file": {"zh": "请选择一个文件或示例（接口：multipart 字段 survey 或 example，或请求体加 ?filename=）。", "en": "Choose a file or an example (API: multipart field survey or example, or the raw body with ?filename=)."},
    "report_title": {"zh": "诊断报告", "en": "Diagnosis report"},
    "scope": {"zh": "诊断范围", "en": "Scope"},
    "key_issues": {"zh": "关键共性问题", "en": "Key shared issues"},
    "prevalence": {"zh": "发生率", "en": "Prevalence"},
    "of_enterprises": {"zh": "企业占比", "en": "of enterprises"},
    "of_output": {"zh": "产量占比", "en": "of output"},
    "evidence": {"zh": "证据", "en": "Evidence"},
    "enterprise": {"zh": "企业", "en": "Enterprise"},
    "rule": {"zh": "规则", "en": "Rule"},
    "facts": {"zh": "事实", "en": "Facts"},
    "recommendations": {"zh": "推荐方案", "en": "Recommended measures"},
    "schemes": {"zh": "分类方案", "en": "Schemes"},
    "applies_to": {"zh": "适用企业", "en": "Applies to"},
    "indicator_assessment": {"zh": "企业评价等级", "en": "Enterprise levels"},
    "composite": {"zh": "综合指数", "en": "Composite index"},
    "class": {"zh": "等级", "en": "Class"},
    "level_distribution": {"zh": "等级分布", "en": "Distribution of levels"},
    "issue_prevalence_chart": {"zh": "关键问题发生率", "en": "Prevalence of key issues"},
    "reduction_potential": {"zh": "减排潜力", "en": "Reduction potential"},
    "symbiosis": {"zh": "园区共生机会", "en": "Park symbiosis opportunities"},
    "portfolio": {"zh": "预算内方案组合", "en": "Measure portfolio by budget"},
    "portfolio_note": {"zh": "每档预算单独求解最优组合（整数规划，投资按区间上限计）；拖动滑块查看不同预算。",
                       "en": "Each budget is solved on its own (integer programme, investment at the top of its range); move the slider to compare."},
    "budget": {"zh": "预算", "en": "Budget"},
    "investment": {"zh": "投资", "en": "Investment"},
    "symbiosis_conditional": {"zh": "待核实的共生机会", "en": "Exchanges to confirm"},
    "symbiosis_refused": {"zh": "不成立的交换及原因", "en": "Exchanges ruled out, and why"},
    "distance": {"zh": "距离", "en": "Distance"},
    "quality_legal": {"zh": "品质与合规", "en": "Quality and legal basis"},
    "saving": {"zh": "节约", "en": "Saving"},
    "veto": {"zh": "淘汰类·否决项", "en": "eliminated: veto item"},
    "to_confirm": {"zh": "待核实", "en": "to confirm"},
    "provisional": {"zh": "暂定", "en": "provisional"},
    "from_enterprise": {"zh": "提供方", "en": "From"},
    "to_enterprise": {"zh": "需求方", "en": "To"},
    "offer": {"zh": "产出资源", "en": "Offer"},
    "demand": {"zh": "需求资源", "en": "Demand"},
    "amount": {"zh": "可匹配量", "en": "Amount"},
    "warnings": {"zh": "提示", "en": "Warnings"},
    "excluded": {"zh": "被跳过的企业", "en": "Excluded enterprises"},
    "download_json": {"zh": "下载 JSON", "en": "Download JSON"},
    "download_xlsx": {"zh": "下载 Excel", "en": "Download Excel"},
    "download_docx": {"zh": "下载 Word", "en": "Download Word"},
    "download_records": {"zh": "下载一企一档", "en": "Download per-enterprise records (one Word file each)"},
    "download_html": {"zh": "下载网页版", "en": "Download HTML"},
    "survey_guide": {"zh": "调查表说明", "en": "Survey guide"},
    "did_you_mean": {"zh": "您是不是要找：", "en": "Did you mean:"},
    "list_sep": {"zh": "、", "en": ", "},
    "n_enterprises_of": {"zh": "{n} 家", "en": "{n} enterprises"},
    "points": {"zh": "分", "en": "points"},
    "survey_guide_link": {"zh": "如何填写调查表：调查表说明", "en": "How to fill in a survey: the survey guide"},
    "evidence_of": {"zh": "成因（{n} 家企业）", "en": "causes ({n} enterprises)"},
    "heavy_metals": {"zh": "重金属削减量", "en": "Heavy metals"},
    "pollutant": {"zh": "污染物", "en": "pollutant"},
    "baseline": {"zh": "年排放量", "en": "annual emission"},
    "reduction": {"zh": "可削减量", "en": "reduction"},
    "heavy_total": {"zh": "重金属合计", "en": "heavy metals, total"},
    "conclusion": {"zh": "结论摘要", "en": "Conclusion"},
    "unconfirmed": {"zh": "待现场核实的发现", "en": "Findings to confirm on site"},
    "kb_version": {"zh": "知识库版本", "en": "Knowledge base version"},
    "not_rated": {"zh": "未达级", "en": "below III"},
    "footer": {"zh": "CPKB 清洁生产审核知识库 · 数据依 CC BY 4.0 · 每个条目均标注来源", "en": "CPKB cleaner-production audit knowledge base · data under CC BY 4.0 · every entry cites its sources"},
    "indicator_table": {"zh": "指标及基准值", "en": "Indicators and benchmark values"},
    "col_indicator": {"zh": "二级指标", "en": "Indicator"},
    "col_unit": {"zh": "单位", "en": "Unit"},
    "col_direction": {"zh": "优化方向", "en": "Better when"},
    "col_weight": {"zh": "权重", "en": "Weight"},
    "col_limiting": {"zh": "限定性指标", "en": "Limiting"},
    "col_level_I": {"zh": "Ⅰ级基准值", "en": "Level I"},
    "col_level_II": {"zh": "Ⅱ级基准值", "en": "Level II"},
    "col_level_III": {"zh": "Ⅲ级基准值", "en": "Level III"},
    "category_weight": {"zh": "一级指标权重", "en": "category weight"},
    "no_category": {"zh": "未归入一级指标", "en": "Not in a category"},
    "qualitative": {"zh": "定性", "en": "qualitative"},
    "not_entered": {"zh": "未录入", "en": "not entered"},
    "no_reason_given": {"zh": "知识库未说明原因。", "en": "The knowledge base gives no reason."},
    "weight_split": {"zh": "组内分摊 {split}", "en": "{split} shared in its group"},
    "or_word": {"zh": "或", "en": " or "},
    "main_nav": {"zh": "主导航", "en": "Main"},
    "breadcrumbs": {"zh": "当前位置", "en": "Breadcrumbs"},
    "skip_to_content": {"zh": "跳到正文", "en": "Skip to content"},
    "home": {"zh": "首页", "en": "Home"},
    "also_json": {"zh": "本页 JSON", "en": "This page as JSON"},
    "type": {"zh": "类型", "en": "Type"},
    "count": {"zh": "数量", "en": "Count"},
    "kind_Other_": {"zh": "其他", "en": "other"},
    "kind_Class_": {"zh": "类", "en": "class"},
    "kind_Property_": {"zh": "属性", "en": "property"},
    "sev_high": {"zh": "高", "en": "high"},
    "sev_medium": {"zh": "中", "en": "medium"},
    "sev_low": {"zh": "低", "en": "low"},
    "scheme_low_cost": {"zh": "无/低费方案", "en": "No/low-cost options"},
    "scheme_high_cost": {"zh": "中/高费方案", "en": "Medium/high-cost options"},
    "other_findings": {"zh": "其他发现（未达关键问题阈值）", "en": "Other findings (below the key-issue threshold)"},
    "measure_for_finding": {"zh": "可采用的方案：", "en": "Measure: "},
    "pilot_type": {"zh": "试点类型", "en": "Pilot type"},
    "region": {"zh": "区域", "en": "Region"},
    "basin_l": {"zh": "流域", "en": "Basin"},
    "park": {"zh": "园区", "en": "Park"},
    "year": {"zh": "年份", "en": "Year"},
    "n_enterprises": {"zh": "企业数", "en": "Enterprises"},
    "n_diagnosed": {"zh": "已诊断", "en": "Diagnosed"},
    "upload_limit": {"zh": "文件大小上限", "en": "Size limit"},
    "new_diagnosis": {"zh": "新的诊断", "en": "New diagnosis"},
    "coverage": {"zh": "指标覆盖率", "en": "coverage"},
    "top_hit": {"zh": "最佳匹配", "en": "Best match"},
}
