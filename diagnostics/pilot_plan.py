"""The pilot's implementation-plan draft (试点实施方案草稿) in the seven sections of the notice's annex:
试点对象基本概况 → 试点基础 → 试点工作目标 → 试点工作内容 → 特色及创新点 → 实施计划 → 预期产出成果及效益,
pre-filled from a diagnosis (and, when a budget is given, its measure portfolio), with the parts that need the
team's judgement marked 【需审核组填写】, and a self-check against what the expert review weighs.

Targets are derived, never invented: enterprises below level II are to reach it, enterprises over a limit are to
comply, and pollutant targets are the low end of the reduction the recommended measures are expected to give.
"""

from __future__ import annotations

from . import charts
from .report_content import Chapter, Column, Report, Table, Chart, _pick, number, percent

HUMAN = {"zh": "【需审核组填写】", "en": "[for the audit team to write]"}
CHECK = {"zh": "【需审核组确认】", "en": "[for the audit team to confirm]"}
LEVEL_ORDER = ("I", "II", "III", "below III", None)
PRIORITY_SECTORS = 13


class _Plan:
    def __init__(self, result: dict, portfolio: dict | None, lang: str):
        self.r, self.p, self.lang = result, portfolio, lang
        self.scope = result.get("scope") or {}
        self.n: dict[str, int] = {}

    def tr(self, zh: str, en: str) -> str:
        return zh if self.lang == "zh" else en

    def table(self, ch: str, caption: str, columns: list[Column], rows: list[list], note: str | None = None) -> Table:
        k = self.n[ch] = self.n.get(ch, 0) + 1
        return Table(caption, f"{self.tr('表', 'Table ')}{ch}-{k} {caption}", columns, rows, note)

    def chart(self, ch: str, caption: str, spec: dict | None) -> Chart | None:
        if spec is None:
            return None
        k = self.n["fig" + ch] = self.n.get("fig" + ch, 0) + 1
        return Chart(caption, f"{self.tr('图', 'Figure ')}{ch}-{k} {caption}", spec)

    def label(self, labels: dict | None) -> str:
        return _pick(labels, self.lang) or "—"

    # ------------------------------------------------------------------ the seven sections

    def overview(self) -> Chapter:
        ch = Chapter("overview", self.tr("一、试点对象基本概况", "1. The pilot's subject"))
        s = self.scope
        rows = [[self.tr("试点类型", "pilot type"), self.pilot()], [self.tr("行业", "sector"), self.label(s.get("sector_label"))]]
        for key, zh, en in (("region_label", "区域", "region"), ("park", "园区", "park"), ("year", "数据年份", "data year")):
            if s.get(key):
                rows.append([self.tr(zh, en), self.label(s[key]) if isinstance(s[key], dict) else str(s[key])])
        rows.append([self.tr("调查企业", "enterprises surveyed"), str(s.get("enterprises") or 0)])
        if s.get("total_output") is not None:
            rows.append([self.tr("合计产量", "total output"), f"{number(s['total_output'])} {s.get('output_unit') or ''}".strip()])
        ch.add("table", self.table("1", self.tr("试点对象", "Subject of the pilot"),
                                   [Column(self.tr("项目", "item")), Column(self.tr("内容", "content"))], rows))
        levels = {e["enterprise"]: e.get("class") for e in (self.r.get("indicator_assessment") or {}).get("enterprises", [])}
        ch.add("table", self.table("1", self.tr("试点企业名单", "Enterprises of the pilot"),
                                   [Column(self.tr("编号", "id")), Column(self.tr("名称", "name")),
                                    Column(self.tr("年产量", "annual output"), None, "num"), Column(self.tr("单位", "unit")),
                                    Column(self.tr("清洁生产水平（暂定）", "level (provisional)"))],
                                   [[e["id"], e.get("name") or "—", e.get("output"), e.get("output_unit") or "—",
                                     self.level(levels.get(e["id"]))] for e in self.r.get("enterprises", [])]))
        ch.add("p", self.tr(f"{HUMAN['zh']}园区（区域）产业结构、主要产品、在全省（市）同行业中的地位。",
                            f"{HUMAN['en']} The area's industry, main products and standing in the province or city."))
        return ch

    def basis(self) -> Chapter:
        ch = Chapter("basis", self.tr("二、试点基础", "2. Groundwork"))
        found = self.r.get("eligibility") or {}
        words = {"met": self.tr("符合", "met"), "not-met": self.tr("不符合", "not met"), "unknown": self.tr("待确认", "unknown")}
        rows = [[self.label(c["labels"]), words[c["status"]],
                 "、".join((c.get("enterprises") or {}).get("not-met") or []) or "—",
                 "、".join((c.get("enterprises") or {}).get("unknown") or []) or "—",
                 self.tr("、", ", ").join(self.label(b["labels"]) for b in c["basis"])] for c in found.get("conditions", [])]
        if rows:
            ch.add("table", self.table("2", self.tr("试点申报条件自查", "Pilot conditions"), [
                Column(self.tr("条件", "condition")), Column(self.tr("结论", "status")),
                Column(self.tr("不符合的企业", "not met by")), Column(self.tr("待确认的企业", "unknown for")),
                Column(self.tr("依据的调查问题", "survey questions"))], rows, note=self.label(found.get("summary"))))
        counts = self.level_counts()
        ch.add("p", self.tr(
            "现状清洁生产水平（按评价指标体系，暂定）：" + "，".join(f"{self.level(k)}{v}家" for k, v in counts.items() if v) + "。",
            "Current level (indicator system, provisional): " + ", ".join(f"{self.level(k)} {v}" for k, v in counts.items() if v) + "."))
        ch.add("chart", self.chart("2", self.tr("企业清洁生产水平分布（现状）", "Enterprises by level today"),
                                   charts.level_distribution([(self.level(k), v) for k, v in counts.items() if v],
                                                             self.tr("企业数", "enterprises"))))
        conclusion = self.label(self.r.get("conclusion"))
        if conclusion != "—":
            ch.add("p", self.tr("整体诊断结论：", "Diagnosis: ") + conclusion)
        ch.add("p", self.tr(f"{HUMAN['zh']}已开展的清洁生产审核、管理制度、资金和技术支撑单位等工作基础。",
                            f"{HUMAN['en']} Audits already done, rules, funds and technical support."))
        return ch

    def targets(self) -> Chapter:
        ch = Chapter("targets", self.tr("三、试点工作目标", "3. Targets"))
        rows = []
        below = [e["enterprise"] for e in (self.r.get("indicator_assessment") or {}).get("enterprises", [])
                 if e.get("class") in ("III", "below III")]
        if below:
            rows.append([self.tr("清洁生产水平", "cleaner-production level"),
                         self.tr(f"{len(below)}家企业（{'、'.join(below)}）达到Ⅱ级（国内清洁生产先进水平）",
                                 f"{len(below)} enterprise(s) ({', '.join(below)}) reach level II"),
                         self.tr("按评价指标体系现状评价，Ⅲ级及以下的企业", "enterprises at level III or below today")])
        over = sorted({c["enterprise"] for s in (self.r.get("compliance") or {}).get("sets", [])
                       for c in s.get("checks") or [] if c.get("exceeded")})
        if over:
            rows.append([self.tr("达标排放", "compliance"),
                         self.tr(f"超标企业（{'、'.join(over)}）全部稳定达标", f"the enterprises over a limit ({', '.join(over)}) comply"),
                         self.tr("排放标准限值（含基准氧含量折算）", "emission limits (after O₂ normalisation)")])
        for row in (self.r.get("reduction_potential") or {}).get("pollutants", []):
            low, high = row.get("combined_reduction_t_per_a") or (0, 0)
            if high:
                rows.append([self.tr("污染物减排", "pollutant reduction"),
                             self.tr(f"{self.label(row.get('labels'))}削减不少于{number(low)} t/a（测算范围{number(low)}～{number(high)} t/a，"
                                     f"现状{number(row.get('baseline_t_per_a'))} t/a）",
                                     f"{self.label(row.get('labels'))} cut by at least {number(low)} t/a (estimate {number(low)}–"
                                     f"{number(high)}, baseline {number(row.get('baseline_t_per_a'))} t/a)"),
                             self.tr("推荐方案的预期效果区间下限", "the low end of the recommended measures' effects")])
        for s in self.r.get("scenarios") or []:
            if s.get("total"):
                rows.append([self.tr("资源能源节约", "savings"),
                             self.tr(f"{self.label(s.get('saves_labels'))}节约约{number(s['total'])} {s.get('unit') or ''}",
                                     f"save about {number(s['total'])} {s.get('unit') or ''} of {self.label(s.get('saves_labels'))}"),
                             self.label(s.get("title"))])
        if self.p:
            for pol, (low, high) in (self.p.get("reduction_t_per_a") or {}).items():
                rows.append([self.tr("预算内方案组合", "portfolio within budget"),
                             self.tr(f"削减{pol.rsplit('/', 1)[-1]} {number(low)}～{number(high)} t/a",
                                     f"cut {pol.rsplit('/', 1)[-1]} by {number(low)}–{number(high)} t/a"),
                             self.tr(f"预算{number(self.p.get('budget_10k_yuan'))}万元的最优组合",
                                     f"the best set within {number(self.p.get('budget_10k_yuan'))} (10k yuan)")])
        ch.add("p", self.tr(f"以下目标由诊断结果推算，是建议值，{CHECK['zh']}。",
                            f"These targets are derived from the diagnosis as proposals, {CHECK['en']}."))
        ch.add("table", self.table("3", self.tr("试点工作目标（建议）", "Proposed targets"), [
            Column(self.tr("方面", "aspect")), Column(self.tr("目标", "target")), Column(self.tr("推算依据", "derived from"))],
            rows or [[self.tr("—", "—"), self.tr("诊断结果不足以推算目标", "the diagnosis gives no target"), "—"]]))
        return ch

    def content(self) -> Chapter:
        ch = Chapter("content", self.tr("四、试点工作内容", "4. Work"))
        issues = self.r.get("key_issues") or []
        ch.add("table", self.table("4", self.tr("行业（园区、区域）关键共性问题", "Key shared issues"), [
            Column(self.tr("问题", "issue")), Column(self.tr("涉及企业", "enterprises")),
            Column(self.tr("企业占比", "share of enterprises"), "%", "pct"), Column(self.tr("否决项", "veto"))],
            [[self.label(i.get("labels")), "、".join(i.get("enterprises") or []), (i.get("prevalence") or {}).get("enterprises"),
              self.tr("是", "yes") if i.get("veto") else "—"] for i in issues]))
        recs = self.r.get("recommendations") or []
        classes = {"low": self.tr("无/低费", "no/low cost"), "medium": self.tr("中/高费", "medium/high cost"),
                   "high": self.tr("中/高费", "medium/high cost")}
        ch.add("table", self.table("4", self.tr("清洁生产方案", "Cleaner-production options"), [
            Column(self.tr("方案", "option")), Column(self.tr("类别", "class")), Column(self.tr("适用企业", "for")),
            Column(self.tr("投资", "investment"), self.tr("万元", "10k yuan"), "range")],
            [[self.label(r.get("labels")), classes.get(str(r.get("cost_class") or ""), "—"),
              "、".join(r.get("applies_to") or []), self.investment(r)] for r in recs[:40]]))
        if self.p and self.p.get("chosen"):
            ch.add("table", self.table("4", self.tr("预算内方案组合（整数规划求解）", "Portfolio within the budget (integer programme)"), [
                Column(self.tr("企业", "enterprise")), Column(self.tr("方案", "option")),
                Column(self.tr("投资", "investment"), self.tr("万元", "10k yuan"), "range")],
                [[c["enterprise"], self.label(c.get("labels")), c.get("investment_10k_yuan")] for c in self.p["chosen"]]))
        links = (self.r.get("symbiosis") or {}).get("matches") or []
        if links:
            ch.add("table", self.table("4", self.tr("企业间资源交换（园区共生）", "Exchanges between enterprises"), [
                Column(self.tr("提供方", "from")), Column(self.tr("接收方", "to")), Column(self.tr("资源", "resource")),
                Column(self.tr("数量", "amount"), None, "num"), Column(self.tr("单位", "unit"))],
                [[m["from"], m["to"], self.label(m.get("offer_labels")), m["amount"], m["unit"]] for m in links]))
        ch.add("p", self.tr(f"{HUMAN['zh']}各项工作的组织方式、技术路线和责任单位。",
                            f"{HUMAN['en']} How each part is organised, its technical route and who is responsible."))
        return ch

    def novelty(self) -> Chapter:
        ch = Chapter("novelty", self.tr("五、特色及创新点", "5. What is new"))
        n = self.scope.get("enterprises") or 0
        drafted = [self.tr(f"以{n}家企业为整体开展诊断，识别{len(self.r.get('key_issues') or [])}项关键共性问题，"
                           "形成行业共性方案，避免逐家重复审核。",
                           f"A single diagnosis of {n} enterprises found {len(self.r.get('key_issues') or [])} shared issues "
                           "and one set of options, instead of repeating single-enterprise audits."),
                   self.tr("诊断依据结构化知识库（评价指标体系、排放标准、可行技术）逐条判别，结论可追溯到条款。",
                           "Each finding rests on a structured knowledge base (indicator systems, standards, feasible "
                           "techniques) and can be traced to its clause.")]
        if (self.r.get("symbiosis") or {}).get("matches"):
            drafted.append(self.tr(f"识别企业间资源交换{len(self.r['symbiosis']['matches'])}项（按品质和合规条件匹配）。",
                                   f"{len(self.r['symbiosis']['matches'])} exchanges between enterprises, matched on "
                                   "quality and legal basis."))
        ch.add("p", self.tr(f"以下为草拟要点，{CHECK['zh']}并补充：", f"Drafted points, {CHECK['en']} and complete:"))
        ch.add("bullets", drafted)
        ch.add("p", self.tr(f"{HUMAN['zh']}可复制、可推广的模式和管理规范。", f"{HUMAN['en']} What others can copy."))
        return ch

    def schedule(self) -> Chapter:
        ch = Chapter("schedule", self.tr("六、实施计划", "6. Schedule"))
        stages = [("审核准备与动员", "preparation", "第1月", "month 1"),
                  ("整体诊断与现场核实（含待核实事项）", "diagnosis and site checks", "第2–3月", "months 2–3"),
                  ("方案制定、筛选与可行性分析", "options and feasibility", "第4–5月", "months 4–5"),
                  ("无/低费方案实施", "no/low-cost options", "第3–8月", "months 3–8"),
                  ("中/高费方案实施与效果验证", "medium/high-cost options and their results", "第6–11月", "months 6–11"),
                  ("总结、评估与验收", "report, evaluation and acceptance", "第12月", "month 12")]
        ch.add("p", self.tr(f"试点期按1年安排（环办科财函〔2023〕79号所定期限），各阶段时间{CHECK['zh']}。",
                            f"A one-year pilot (the period of 环办科财函〔2023〕79号); stage dates {CHECK['en']}."))
        ch.add("table", self.table("6", self.tr("实施进度安排（草拟）", "Draft schedule"), [
            Column(self.tr("阶段", "stage")), Column(self.tr("时间", "when")), Column(self.tr("责任单位", "responsible"))],
            [[self.tr(zh, en), self.tr(wzh, wen), HUMAN[self.lang]] for zh, en, wzh, wen in stages]))
        return ch

    def outcomes(self) -> Chapter:
        ch = Chapter("outcomes", self.tr("七、预期产出成果及效益", "7. Expected results and benefits"))
        n = self.scope.get("enterprises") or 0
        ch.add("bullets", [
            self.tr("行业（园区、区域）清洁生产整体审核报告1份", "one whole-sector (park, region) audit report"),
            self.tr(f"一企一档审核记录{n}份（试点通过评估的，范围内单个企业视同开展一次清洁生产审核）",
                    f"{n} per-enterprise audit records (in an accepted pilot each enterprise counts as audited)"),
            self.tr(f"清洁生产方案清单{len(self.r.get('recommendations') or [])}项", f"{len(self.r.get('recommendations') or [])} options")])
        rows = []
        for row in (self.r.get("reduction_potential") or {}).get("pollutants", []):
            low, high = row.get("combined_reduction_t_per_a") or (0, 0)
            base = row.get("baseline_t_per_a") or 0
            rows.append([self.label(row.get("labels")), base, [low, high],
                         (row.get("estimated_t_per_a") or 0) / base if base else None])
        if rows:
            ch.add("table", self.table("7", self.tr("预期减排效益", "Expected reductions"), [
                Column(self.tr("污染物", "pollutant")), Column(self.tr("现状", "baseline"), "t/a", "num"),
                Column(self.tr("可削减量", "reduction"), "t/a", "range"),
                Column(self.tr("估算占比", "estimated share"), None, "pct")], rows))
        if self.p:
            invest = self.p.get("investment_10k_yuan") or [0, 0]
            ch.add("p", self.tr(f"预算内方案组合投资{number(invest[0])}～{number(invest[1])}万元。",
                                f"The portfolio costs {number(invest[0])}–{number(invest[1])} (10k yuan)."))
        ch.add("p", self.tr(f"{HUMAN['zh']}经济效益和社会效益的说明。", f"{HUMAN['en']} Economic and social benefits."))
        return ch

    def self_check(self) -> Chapter:
        ch = Chapter("check", self.tr("附：形式与内容自查表", "Annex: self-check"))
        elig = (self.r.get("eligibility") or {}).get("status")
        has_targets = bool((self.r.get("reduction_potential") or {}).get("pollutants")) or bool(self.r.get("scenarios"))
        coverage = [e.get("coverage") for e in (self.r.get("indicator_assessment") or {}).get("enterprises", [])
                    if e.get("coverage") is not None]
        rows = [
            [self.tr("符合性", "conformity"), self.tr("试点类型与重点行业", "pilot type and priority sector"),
             self.tr("已填", "given") if self.scope.get("pilot_type") and self.scope.get("sector") else self.tr("缺", "missing")],
            [self.tr("符合性", "conformity"), self.tr("申报条件", "pilot conditions"),
             {"met": self.tr("符合", "met"), "not-met": self.tr("不符合", "not met")}.get(elig, self.tr("待确认", "unknown"))],
            [self.tr("合理性与科学性", "soundness"), self.tr("目标由诊断数据推算", "targets derived from the data"),
             self.tr("是", "yes") if has_targets else self.tr("数据不足", "too little data")],
            [self.tr("合理性与科学性", "soundness"), self.tr("评价指标覆盖权重（中位数）", "indicator weight covered (median)"),
             percent(sorted(coverage)[len(coverage) // 2]) if coverage else "—"],
            [self.tr("创新性与可复制性", "novelty"), self.tr("特色及创新点", "what is new"), HUMAN[self.lang]],
            [self.tr("形式要件", "form"), self.tr("七部分齐全、A4、图表", "seven sections, A4, tables and charts"),
             self.tr("已生成，待审核组补全标注部分", "drafted; the marked parts are for the team")]]
        ch.add("table", self.table("A", self.tr("按专家评审要点自查", "Against what the review weighs"), [
            Column(self.tr("评审要点", "review point")), Column(self.tr("检查项", "item")), Column(self.tr("结果", "result"))], rows))
        return ch

    # ------------------------------------------------------------------ helpers

    def pilot(self) -> str:
        return {"sector": self.tr("重点行业清洁生产整体审核", "whole-sector audit"),
                "park": self.tr("工业园区（产业集群）整体审核", "park audit"),
                "region": self.tr("重点区域清洁生产协同审核", "regional co-audit"),
                "basin": self.tr("重点流域清洁生产协同审核", "basin co-audit")}.get(self.scope.get("pilot_type") or "sector", "—")

    @staticmethod
    def investment(rec: dict) -> list | None:
        found = (rec.get("economics") or {}).get("investment_10k_yuan")
        return found.get("total") if isinstance(found, dict) else found

    def level(self, key: str | None) -> str:
        return {"I": "Ⅰ级", "II": "Ⅱ级", "III": "Ⅲ级", "below III": self.tr("未达Ⅲ级", "below III")}.get(
            key or "", self.tr("未评级", "not rated"))

    def level_counts(self) -> dict:
        counts = {k: 0 for k in LEVEL_ORDER}
        for e in (self.r.get("indicator_assessment") or {}).get("enterprises", []):
            counts[e.get("class") if e.get("class") in counts else None] += 1
        return counts

    def build(self) -> Report:
        title = (self.scope.get("title") or self.tr("清洁生产审核创新试点", "Cleaner-production audit pilot"))
        facts = [(self.tr("试点类型", "pilot type"), self.pilot()),
                 (self.tr("行业", "sector"), self.label(self.scope.get("sector_label"))),
                 (self.tr("企业数", "enterprises"), str(self.scope.get("enterprises") or 0))]
        note = self.tr(f"本草稿由CPKB根据整体诊断结果生成；标注{HUMAN['zh']}和{CHECK['zh']}的部分须由审核组补充或确认后方可上报。",
                       f"Drafted by CPKB from the diagnosis; the parts marked {HUMAN['en']} or {CHECK['en']} must be "
                       "completed or confirmed by the audit team before submission.")
        chapters = [self.overview(), self.basis(), self.targets(), self.content(), self.novelty(), self.schedule(),
                    self.outcomes()]
        return Report(self.lang, title, facts, self.tr("说明", "Note"), [note], chapters, [self.self_check()],
                      self.tr("CPKB 清洁生产审核创新试点实施方案（草稿）", "CPKB pilot implementation plan (draft)"))


def build_plan(result: dict, portfolio: dict | None = None, lang: str = "zh") -> Report:
    """The implementation-plan draft's content in one language."""
    return _Plan(result, portfolio, lang).build()


def plan_docx(result: dict, portfolio: dict | None = None, lang: str = "zh") -> bytes:
    from .report import report_docx

    rep = build_plan(result, portfolio, lang)
    subtitle = "清洁生产审核创新试点实施方案（草稿）" if lang == "zh" else "Implementation plan of the pilot (draft)"
    return report_docx(rep, subtitle, lang)


def plan_sections(rep: Report) -> list[str]:
    return [ch.title for ch in rep.chapters]
