"""The one-screen summary `cpkb diagnose` prints on stderr: the written conclusion first, then the figures behind it,
in Chinese or English (the `--lang` option, else the locale)."""

from __future__ import annotations

import locale
import os

_SEVERITY = {"zh": {"high": "严重", "medium": "较重", "low": "一般"}, "en": {"high": "high", "medium": "medium", "low": "low"}}
_LEVEL = {"zh": {"I": "Ⅰ级", "II": "Ⅱ级", "III": "Ⅲ级", "below III": "未达Ⅲ级", "not rated": "未评级"},
          "en": {"I": "I", "II": "II", "III": "III", "below III": "below III", "not rated": "not rated"}}


def default_language() -> str:
    """zh when the locale (LC_ALL, LC_MESSAGES, LANG) is Chinese, else en."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        if os.environ.get(name):
            return "zh" if os.environ[name].lower().startswith("zh") else "en"
    found = locale.getlocale()[0] or ""
    return "zh" if found.lower().startswith("zh") else "en"


def summary(result: dict, lang: str = "zh") -> str:
    """Conclusion, key issues with prevalence, top recommendations, levels, potential, symbiosis, warnings."""
    zh = lang == "zh"
    lines = [result["conclusion"][lang], ""] if result.get("conclusion") else []
    key = sorted(result["key_issues"], key=lambda i: not i.get("veto"))
    lines.append((f"关键共性问题（{len(key)}项）：" if zh else f"key issues ({len(key)}):") if key
                 else ("无关键共性问题" if zh else "no key issues"))
    for issue in key[:8]:
        prev = issue["prevalence"]
        share = f"{prev['enterprises'] * 100:5.1f}%" + ("企业" if zh else " of enterprises")
        if prev["output"] is not None:
            share += f"，{prev['output'] * 100:5.1f}%产量" if zh else f", {prev['output'] * 100:5.1f}% of output"
        veto = ("，否决项" if zh else ", veto") if issue.get("veto") else ""
        lines.append(f"  {share}  [{_SEVERITY[lang].get(issue['severity'], issue['severity'])}{veto}]  "
                     f"{issue['labels'][lang]}")
    if len(key) > 8:
        lines.append(f"  …另有{len(key) - 8}项" if zh else f"  … and {len(key) - 8} more")
    if result.get("unconfirmed"):
        n = len(result["unconfirmed"])
        lines.append(f"待现场核实的问题：{n}项" if zh else f"to verify on site: {n} problem(s)")
    recs = result["recommendations"]
    if recs:
        lines.append(f"优先方案（共{len(recs)}项）：" if zh else f"top recommendations (of {len(recs)}):")
        for rec in recs[:6]:
            cost = ("无/低费" if rec["cost_class"] == "low" else "中/高费") if zh else \
                ("no/low cost" if rec["cost_class"] == "low" else "medium/high cost")
            count = f"{len(rec['applies_to'])}家企业" if zh else f"{len(rec['applies_to'])} enterprises"
            lines.append(f"  {rec['rank']:>2}. {rec['labels'][lang]}（{cost}，{count}）" if zh
                         else f"  {rec['rank']:>2}. {rec['labels'][lang]} ({cost}, {count})")
    for system in result["indicator_assessment"]["systems"]:
        dist = "、".join(f"{_LEVEL[lang][k]} {v}" for k, v in system["distribution"].items()) if zh else \
            ", ".join(f"{_LEVEL[lang][k]}: {v}" for k, v in system["distribution"].items())
        lines.append(f"等级分布（{system['labels'][lang]}，覆盖不全时为暂定）：{dist}" if zh
                     else f"levels ({system['labels'][lang]}, provisional where coverage < 100 %): {dist}")
    lines.extend(_pilot_lines(result, lang))
    lines.extend(_model_lines(result, lang))
    if result["warnings"]:
        n = len(result["warnings"])
        lines.append(f"提示{n}条，见结果中的 warnings" if zh else f"{n} warning(s); see `warnings` in the result")
    return "\n".join(lines)


def _pilot_lines(result: dict, lang: str) -> list[str]:
    zh, lines = lang == "zh", []
    for pollutant in (result.get("reduction_potential") or {}).get("pollutants", []):
        if pollutant["baseline_t_per_a"]:
            low, high = pollutant["combined_reduction_t_per_a"]
            if not high:
                lines.append(f"削减潜力 {pollutant['labels'][lang]}：暂无可量化的方案（基数 {pollutant['baseline_t_per_a']:g} t/a）"
                             if zh else f"reduction potential {pollutant['labels'][lang]}: no measure quantifies it "
                             f"(baseline {pollutant['baseline_t_per_a']:g} t/a)")
                continue
            lines.append(f"削减潜力 {pollutant['labels'][lang]}：{low:g}–{high:g} t/a（基数 {pollutant['baseline_t_per_a']:g} t/a，"
                         f"{pollutant['reported_by']}家企业填报）" if zh else
                         f"reduction potential {pollutant['labels'][lang]}: {low:g}–{high:g} of "
                         f"{pollutant['baseline_t_per_a']:g} t/a ({pollutant['reported_by']} enterprises reporting)")
    if "symbiosis" in result:
        matches = result["symbiosis"].get("matches", [])
        lines.append(f"共生匹配：{len(matches)}项" if zh else f"symbiosis: {len(matches)} exchange(s) found")
        lines.extend(f"  {m['from']} → {m['to']}: {m['offer_labels'][lang]} → {m['demand_labels'][lang]} "
                     f"{m['amount']:g} {m['unit']}" for m in matches[:5])
    return lines


def _model_lines(result: dict, lang: str) -> list[str]:
    """Model v2: limits exceeded per requirement set, and the scenario totals a sector report quotes."""
    zh, lines = lang == "zh", []
    for s in (result.get("compliance") or {}).get("sets", []):
        applies = len(s["enterprises"].get("applies", []))
        if not applies:
            continue
        over = sorted({c["enterprise"] for c in s["exceeded"]})
        lines.append(f"{s['labels'][lang]}：适用{applies}家，超标{len(over)}家" + (f"（{', '.join(over[:6])}）" if over else "")
                     if zh else f"{s['labels'][lang]}: binds {applies}, exceeded by {len(over)}"
                     + (f" ({', '.join(over[:6])})" if over else ""))
    for sc in result.get("scenarios") or []:
        if sc["enterprises_moved"]:
            lines.append(f"情景 {sc['title'][lang]}：{sc['enterprises_moved']}家企业，合计节约 {sc['total']:g} {sc['unit'] or ''}"
                         if zh else f"scenario {sc['title'][lang]}: {sc['enterprises_moved']} enterprise(s), "
                         f"saving {sc['total']:g} {sc['unit'] or ''} in total")
    return lines
