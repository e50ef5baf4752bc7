"""The written conclusion that opens every diagnosis (结论): a paragraph in Chinese and in English that a reviewer can
quote — who was diagnosed, at which level, the shared key issues one sentence each, what is proposed, and what the
diagnosis could not settle.
"""

from __future__ import annotations

from typing import Any

_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_LEVEL_ZH = {"I": "Ⅰ级", "II": "Ⅱ级", "III": "Ⅲ级", "below III": "未达Ⅲ级", "not rated": "未评级"}
_LEVEL_EN = {"I": "level I", "II": "level II", "III": "level III", "below III": "below level III",
             "not rated": "not rated"}
_SEVERITY_ZH = {"high": "严重", "medium": "较重", "low": "一般"}
_AUDIT_ZH = {"sector": "行业整体审核", "park": "园区整体审核", "region": "区域协同审核", "basin": "流域协同审核"}
_AUDIT_EN = {"sector": "sector-wide audit", "park": "park audit", "region": "regional co-audit",
             "basin": "basin co-audit"}


def _pct(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.0f}%"


def _mark(n: int) -> str:
    return _CIRCLED[n] if n < len(_CIRCLED) else f"({n + 1})"


def write_conclusion(result: dict[str, Any]) -> dict[str, str]:
    """The conclusion of a diagnosis result, built only from what the result itself says."""
    zh, en = [], []
    for part in (_who, _levels, _issues, _limits, _schemes, _scenarios, _open_questions):
        z, e = part(result)
        zh.extend(z)
        en.extend(e)
    return {"zh": "".join(zh), "en": " ".join(en)}


def _who(result: dict) -> tuple[list[str], list[str]]:
    scope = result["scope"]
    sector = scope.get("sector_label") or {}
    kind = scope.get("pilot_type") or "sector"
    zh = (f"本次{sector.get('zh', '')}{_AUDIT_ZH.get(kind, '审核')}共调查企业{scope['enterprises']}家，"
          f"完成诊断{scope['diagnosed']}家")
    en = (f"This {sector.get('en', '')} {_AUDIT_EN.get(kind, 'audit')} surveyed {scope['enterprises']} enterprise(s) "
          f"and diagnosed {scope['diagnosed']}")
    if scope.get("excluded"):
        zh += f"，{scope['excluded']}家因数据错误暂未纳入（见“剔除企业”）"
        en += f"; {scope['excluded']} were set aside for errors in their data (see `excluded`)"
    return [zh + "。"], [en + "."]


def _levels(result: dict) -> tuple[list[str], list[str]]:
    zh, en = [], []
    for system in result["indicator_assessment"]["systems"]:
        dist = {k: v for k, v in system["distribution"].items() if v}
        if not dist:
            continue
        name = system["labels"]
        zh.append(f"按《{name['zh'].strip('《》')}》评价：" + "、".join(f"{_LEVEL_ZH[k]}{v}家" for k, v in dist.items()))
        en.append(f"Against the {name['en']}: " + ", ".join(f"{_LEVEL_EN[k]} {v}" for k, v in dist.items()))
        rows = [e for e in result["indicator_assessment"]["enterprises"] if e["system"] == system["system"]]
        cover = max((e.get("coverage") or 0) for e in rows) if rows else 0
        if not cover and set(dist) == {"not rated"}:   # nothing to grade with: say so, not "provisional"
            zh[-1] += "（知识库尚无该体系可用的Ⅰ、Ⅱ、Ⅲ级基准值，未能评级）"
            en[-1] += " (the knowledge base holds no usable level I/II/III benchmark of this system: none is graded)"
        elif any(e.get("provisional") for e in rows):
            zh[-1] += f"（知识库仅收录该体系权重的{_pct(cover)}，等级为暂定）"
            en[-1] += f" (the knowledge base holds {_pct(cover)} of the system's weight at most: grades are provisional)"
        zh[-1] += "。"
        en[-1] += "."
    return zh, en


def _issues(result: dict) -> tuple[list[str], list[str]]:
    key = sorted(result["key_issues"], key=lambda i: not i.get("veto"))  # veto items (淘汰类) first
    if not key:
        return _no_key_issue(result)
    zh = [f"识别出关键共性问题{len(key)}项："]
    en = [f"{len(key)} shared key issue(s) were found:"]
    for n, issue in enumerate(key):
        prev = issue["prevalence"]
        out_zh = f"、占产量{_pct(prev['output'])}" if prev.get("output") is not None else ""
        out_en = f", {_pct(prev['output'])} of output" if prev.get("output") is not None else ""
        vetoed = issue.get("veto_enterprises") or []
        veto_zh = f"，其中{'、'.join(vetoed)}使用淘汰类工艺，属否决项" if issue.get("veto") else ""
        veto_en = f"; {', '.join(vetoed)} use an eliminated technique (veto item)" if issue.get("veto") else ""
        zh.append(f"{_mark(n)}{issue['labels']['zh']}——{issue['count']}家企业（占企业数{_pct(prev['enterprises'])}"
                  f"{out_zh}），程度{_SEVERITY_ZH.get(issue['severity'], issue['severity'])}{veto_zh}"
                  + ("；" if n < len(key) - 1 else "。"))
        en.append(f"({n + 1}) {issue['labels']['en']} — {issue['count']} enterprise(s) "
                  f"({_pct(prev['enterprises'])} of enterprises{out_en}), severity {issue['severity']}{veto_en}"
                  + (";" if n < len(key) - 1 else "."))
    return zh, en


def _no_key_issue(result: dict) -> tuple[list[str], list[str]]:
    rated = [e for e in result["indicator_assessment"]["enterprises"] if e.get("class")]
    at_one = sum(1 for e in rated if e["class"] == "I")
    if rated and at_one * 2 > len(rated):
        return (["未发现关键共性问题——多数企业已达到Ⅰ级（国际清洁生产领先水平）。"],
                ["No shared key issue — most enterprises already reach level I (international leading level)."])
    threshold = _pct(result.get("settings", {}).get("key_issue_prevalence"))
    others = len(result.get("other_findings", []))
    zh = f"未发现达到共性阈值（企业数或产量占比{threshold}）的关键问题"
    en = f"No problem reaches the shared threshold ({threshold} of enterprises or output)"
    if others:
        zh += f"；{others}项个别问题见“其他发现”"
        en += f"; {others} problem(s) of single enterprises are listed under other findings"
    return [zh + "。"], [en + "."]


def _limits(result: dict) -> tuple[list[str], list[str]]:
    """Emission and discharge limits exceeded, per requirement set that binds someone."""
    zh, en = [], []
    for s in (result.get("compliance") or {}).get("sets", []):
        binds = len(s["enterprises"].get("applies", []))
        over = sorted({c["enterprise"] for c in s.get("exceeded", [])})
        if binds and over:
            zh.append(f"按{s['labels']['zh']}，{binds}家适用企业中{len(over)}家超标（{'、'.join(over[:8])}"
                      f"{'等' if len(over) > 8 else ''}）。")
            en.append(f"Against {s['labels']['en']}, {len(over)} of the {binds} enterprises it binds exceed a limit "
                      f"({', '.join(over[:8])}{' …' if len(over) > 8 else ''}).")
    return zh, en


def _scenarios(result: dict) -> tuple[list[str], list[str]]:
    """The figure every sector audit report quotes: what bringing everyone to a level would save."""
    zh, en = [], []
    for sc in result.get("scenarios") or []:
        if sc.get("enterprises_moved") and sc.get("total"):
            unit = sc.get("unit") or ""
            zh.append(f"若{sc['title']['zh']}，{sc['enterprises_moved']}家企业合计可节约{sc['saves_labels']['zh']}"
                      f"{sc['total']:g} {unit}。")
            en.append(f"If {sc['title']['en']}, {sc['enterprises_moved']} enterprise(s) would save "
                      f"{sc['total']:g} {unit} of {sc['saves_labels']['en']} in total.")
    return zh, en


def _schemes(result: dict) -> tuple[list[str], list[str]]:
    low, high = len(result["schemes"]["low_cost"]), len(result["schemes"]["high_cost"])
    if not low + high:
        return [], []
    return ([f"据此推荐无/低费方案{low}项、中/高费方案{high}项。"],
            [f"{low} no/low-cost and {high} medium/high-cost measure(s) are proposed."])


def _open_questions(result: dict) -> tuple[list[str], list[str]]:
    zh, en = [], []
    unconfirmed = result.get("unconfirmed") or []
    if unconfirmed:
        zh.append(f"另有{len(unconfirmed)}项问题仅因调查表未列出相关工艺而成立，列为待现场核实，不计入关键问题。")
        en.append(f"{len(unconfirmed)} more problem(s) rest only on techniques the survey did not list: to verify on "
                  "site, not counted as key issues.")
    unresolved = result.get("unresolved") or []
    if unresolved:
        zh.append(f"调查表中有{len(unresolved)}个名称未能识别（见“未识别名称”），依赖它们的规则未作评价。")
        en.append(f"{len(unresolved)} name(s) in the survey were not understood (see `unresolved`); the rules that "
                  "needed them were not evaluated.")
    return zh, en
