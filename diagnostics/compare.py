"""Before and after (评估/验收): two rounds of the same audit scope diagnosed with the same knowledge, compared the
way review experts read them — per enterprise and indicator the change of level, the key issues resolved and
remaining, the measures the second round shows implemented, and the reductions realised against those expected.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from .engine import diagnose
from .potential import annual_load
from .survey import Enterprise, Survey, SurveyError, SurveyProblem
from .survey_format import SCOPE_ZH

COMPARISON_VERSION = 1
_RANK = {"I": 0, "II": 1, "III": 2, "below III": 3, None: 4}
_LEVEL_ZH = {"I": "Ⅰ级", "II": "Ⅱ级", "III": "Ⅲ级", "below III": "未达Ⅲ级", "n/a": "不适用", None: "未评级"}


def compare(baseline: Survey, after: Survey, store=None, settings: dict | None = None,
            exclude_invalid: bool = False) -> dict[str, Any]:
    """Diagnose both rounds and compare them. Raises SurveyError when the rounds are not of one sector."""
    if baseline.scope.get("sector") != after.scope.get("sector"):
        raise SurveyError([SurveyProblem("scope.sector", "两轮调查的行业不同，无法对比；请用同一行业的调查表。 / The two "
                                                         "rounds are of different sectors: compare rounds of one sector.")])
    before = diagnose(baseline, store, settings, exclude_invalid=exclude_invalid)
    later = diagnose(after, store, settings, exclude_invalid=exclude_invalid)
    kb = baseline.knowledge
    ents_before = {e.id: e for e in baseline.enterprises if e.id not in baseline.invalid_ids}
    ents_after = {e.id: e for e in after.enterprises if e.id not in after.invalid_ids}
    both = sorted(ents_before.keys() & ents_after.keys())
    implemented = implemented_measures(kb, before, ents_before, ents_after)
    result = {
        "cpkb_comparison": COMPARISON_VERSION,
        "kb_version": before["kb_version"],
        "scope": {"baseline": before["scope"], "after": later["scope"], "warnings": _scope_warnings(baseline, after)},
        "enterprises": {"both": both, "baseline_only": sorted(ents_before.keys() - ents_after.keys()),
                        "after_only": sorted(ents_after.keys() - ents_before.keys())},
        "levels": level_changes(before, later, both),
        "key_issues": issue_changes(before, later, both),
        "implemented_measures": implemented,
        "reductions": realised_reductions(kb, baseline, after, ents_before, ents_after, both, implemented),
        "baseline": before, "after": later,
    }
    return {"conclusion": comparison_conclusion(result), **result}


def _scope_warnings(baseline: Survey, after: Survey) -> list[dict]:
    out = []
    for key in ("pilot_type", "region", "basin", "park"):
        if baseline.scope.get(key) != after.scope.get(key):
            out.append({"place": f"scope.{key}", "message": f"两轮调查的{SCOPE_ZH[key]}不同（{baseline.scope.get(key)} → "
                        f"{after.scope.get(key)}），对比只在同一范围内有意义。 / {key} differs between the rounds."})
    return out


def level_changes(before: dict, later: dict, both: list[str]) -> list[dict]:
    """Per enterprise and indicator system: the class and each indicator's value and level in both rounds."""
    rows_after = {(r["enterprise"], r["system"]): r for r in later["indicator_assessment"]["enterprises"]}
    out = []
    for row in before["indicator_assessment"]["enterprises"]:
        other = rows_after.get((row["enterprise"], row["system"]))
        if row["enterprise"] not in both or other is None:
            continue
        values_after = {i["indicator"]: i for i in other["indicators"]}
        indicators = [{"indicator": i["indicator"], "value_before": i["value"], "level_before": i["level"],
                       "value_after": values_after.get(i["indicator"], {}).get("value"),
                       "level_after": values_after.get(i["indicator"], {}).get("level")} for i in row["indicators"]]
        out.append({"enterprise": row["enterprise"], "system": row["system"], "class_before": row["class"],
                    "class_after": other["class"], "change": _direction(row["class"], other["class"]),
                    "provisional": bool(row.get("provisional") or other.get("provisional")),
                    "indicators": indicators})
    return out


def _direction(old: str | None, new: str | None) -> str:
    if old is None or new is None:
        return "not-comparable"
    return "improved" if _RANK[new] < _RANK[old] else "declined" if _RANK[new] > _RANK[old] else "unchanged"


def issue_changes(before: dict, later: dict, both: list[str]) -> list[dict]:
    """Per problem found in either round (among the enterprises of both rounds): resolved, remaining and new."""
    def found(result: dict) -> dict[str, tuple[dict, set[str]]]:
        return {i["problem"]: (i, set(i["enterprises"]) & set(both))
                for i in result["key_issues"] + result["other_findings"]}

    old, new = found(before), found(later)
    out = []
    for problem in sorted(old.keys() | new.keys()):
        issue, had = old.get(problem, (None, set()))
        issue_after, has = new.get(problem, (None, set()))
        if not had and not has:
            continue
        status = "resolved" if had and not has else "new" if has and not had else \
            "reduced" if len(has) < len(had) else "remaining"
        out.append({"problem": problem, "labels": (issue or issue_after)["labels"],
                    "key_issue_before": bool(issue and issue["key_issue"]),
                    "key_issue_after": bool(issue_after and issue_after["key_issue"]),
                    "status": status, "resolved_in": sorted(had - has), "remaining_in": sorted(had & has),
                    "new_in": sorted(has - had)})
    order = {"resolved": 0, "reduced": 1, "remaining": 2, "new": 3}
    out.sort(key=lambda i: (not i["key_issue_before"], order[i["status"]], i["problem"]))
    return out


def implemented_measures(kb, before: dict, ents_before: dict[str, Enterprise],
                         ents_after: dict[str, Enterprise]) -> list[dict]:
    """Measures recommended in the baseline whose techniques the second round shows in use. A measure that brings
    in no technique (management, training) cannot be seen in a survey: it is listed as not verifiable."""
    out = []
    for rec in before["recommendations"]:
        measure = kb.measures.get(rec["measure"])
        introduces = set(measure.introduces) if measure else set()
        done, pending = [], []
        for eid in rec["applies_to"]:
            if eid not in ents_after or not introduces:
                continue
            now, then = ents_after[eid].techniques, ents_before[eid].techniques
            (done if introduces & now and not introduces & then else pending).append(eid)
        out.append({"measure": rec["measure"], "labels": rec["labels"], "cost_class": rec["cost_class"],
                    "recommended_to": rec["applies_to"], "implemented_by": done, "not_yet": pending,
                    "verifiable": bool(introduces)})
    return out


def realised_reductions(kb, baseline: Survey, after: Survey, ents_before, ents_after, both: list[str],
                        implemented: list[dict]) -> list[dict]:
    """Per pollutant, over the enterprises reporting an emitted annual load in both rounds: the load before and
    after, the reduction realised, and the reduction the implemented measures were expected to bring."""
    def loads(survey: Survey, ents: dict[str, Enterprise]) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = defaultdict(dict)
        for eid in both:
            for em in ents[eid].emissions:
                load = annual_load(survey.units, em) if em["stage"] == "emitted" else None
                if load is not None:
                    out[em["pollutant"]][eid] = out[em["pollutant"]].get(eid, 0.0) + load
        return out

    old, new = loads(baseline, ents_before), loads(after, ents_after)
    done_by = defaultdict(list)      # enterprise -> measures it implemented
    for item in implemented:
        for eid in item["implemented_by"]:
            done_by[eid].append(kb.measures[item["measure"]])
    out = []
    for pollutant in sorted(old.keys() & new.keys()):
        ids = sorted(old[pollutant].keys() & new[pollutant].keys())
        if not ids:
            continue
        before_t = sum(old[pollutant][e] for e in ids)
        after_t = sum(new[pollutant][e] for e in ids)
        expected = [0.0, 0.0]
        for eid in ids:
            left = [1.0, 1.0]        # several measures on one enterprise combine on what remains
            for measure in done_by.get(eid, []):
                for eff in measure.effects:
                    if eff.target == pollutant and eff.mode == "relative" and eff.min_pct is not None:
                        left = [left[0] * (1 + eff.max_pct / 100), left[1] * (1 + eff.min_pct / 100)]
            expected = [expected[0] + old[pollutant][eid] * (1 - left[0]), expected[1] + old[pollutant][eid] * (1 - left[1])]
        out.append({"pollutant": pollutant, "labels": kb.label(pollutant), "enterprises": ids,
                    "before_t_per_a": round(before_t, 6), "after_t_per_a": round(after_t, 6),
                    "realised_t_per_a": round(before_t - after_t, 6),
                    "expected_t_per_a": sorted(round(x, 6) for x in expected)})
    return out


def comparison_conclusion(result: dict) -> dict[str, str]:
    """A quotable paragraph: levels improved, key issues resolved and remaining, measures seen, loads realised."""
    levels = result["levels"]
    up = sum(1 for r in levels if r["change"] == "improved")
    down = sum(1 for r in levels if r["change"] == "declined")
    issues = [i for i in result["key_issues"] if i["key_issue_before"]]
    resolved = [i for i in issues if i["status"] == "resolved"]
    fewer = [i for i in issues if i["status"] == "reduced"]
    left = [i for i in issues if i["status"] == "remaining"]
    new_key = [i for i in result["key_issues"] if i["key_issue_after"] and not i["key_issue_before"]]
    seen = [m for m in result["implemented_measures"] if m["implemented_by"]]
    zh = [f"两轮均参加调查的企业{len(result['enterprises']['both'])}家：等级提升{up}家、下降{down}家。"]
    en = [f"{len(result['enterprises']['both'])} enterprise(s) took part in both rounds: {up} moved up a level, "
          f"{down} moved down."]
    fewer_zh = f"，涉及企业减少{len(fewer)}项（{'、'.join(i['labels']['zh'] for i in fewer)}）" if fewer else ""
    fewer_en = f", {len(fewer)} affect fewer enterprises ({', '.join(i['labels']['en'] for i in fewer)})" if fewer else ""
    zh.append(f"基准轮关键共性问题{len(issues)}项：已解决{len(resolved)}项{fewer_zh}，未见改善{len(left)}项"
              + (f"；新出现关键问题{len(new_key)}项" if new_key else "") + "。")
    en.append(f"Of {len(issues)} baseline key issue(s), {len(resolved)} are resolved{fewer_en}, {len(left)} show no "
              "change" + (f"; {len(new_key)} new key issue(s)" if new_key else "") + ".")
    zh.append(f"调查显示已实施推荐方案{len(seen)}项。")
    en.append(f"The second round shows {len(seen)} recommended measure(s) implemented.")
    moved = [r for r in result["reductions"] if r["realised_t_per_a"] or any(r["expected_t_per_a"])]
    for red in moved:
        low, high = red["expected_t_per_a"]
        zh.append(f"{red['labels']['zh']}排放量由{red['before_t_per_a']:g} t/a变为{red['after_t_per_a']:g} t/a"
                  f"（实际削减{red['realised_t_per_a']:g} t/a，已实施方案预期{low:g}–{high:g} t/a）。")
        en.append(f"{red['labels']['en']} went from {red['before_t_per_a']:g} to {red['after_t_per_a']:g} t/a "
                  f"(realised {red['realised_t_per_a']:g} t/a; expected from the measures implemented {low:g}–{high:g}).")
    if len(moved) < len(result["reductions"]):
        zh.append("其余填报污染物的排放量未变。")
        en.append("The other pollutants reported did not change.")
    return {"zh": "".join(zh), "en": " ".join(en)}


def comparison_xlsx(result: dict) -> bytes:
    """The comparison as a workbook a reviewer can filter: one sheet per table, Chinese headers."""
    import io

    from openpyxl import Workbook

    from .xlsx_text import append_text_safe

    base = {e["id"]: e.get("name") for e in result["baseline"]["enterprises"]}
    labels = {i["indicator"]: i["labels"]["zh"] for s in result["baseline"]["indicator_assessment"]["systems"]
              for i in s["indicators"]}
    book = Workbook()
    sheet = book.active
    sheet.title = "结论"
    sheet.append(["结论"])
    sheet.append([result["conclusion"]["zh"]])
    tables = {
        "等级变化": (["企业编号", "企业名称", "基准轮等级", "复查轮等级", "变化"],
                 [[r["enterprise"], base.get(r["enterprise"]), _LEVEL_ZH.get(r["class_before"]),
                   _LEVEL_ZH.get(r["class_after"]), _CHANGE_ZH[r["change"]]] for r in result["levels"]]),
        "指标变化": (["企业编号", "指标", "基准轮数值", "基准轮级别", "复查轮数值", "复查轮级别"],
                 [[r["enterprise"], labels.get(i["indicator"], i["indicator"]), i["value_before"],
                   _LEVEL_ZH.get(i["level_before"], i["level_before"]), i["value_after"],
                   _LEVEL_ZH.get(i["level_after"], i["level_after"])] for r in result["levels"] for i in r["indicators"]]),
        "问题变化": (["问题", "基准轮关键问题", "复查轮关键问题", "状态", "已解决企业", "仍存在企业", "新出现企业"],
                 [[i["labels"]["zh"], "是" if i["key_issue_before"] else "否", "是" if i["key_issue_after"] else "否",
                   _STATUS_ZH[i["status"]], "、".join(i["resolved_in"]), "、".join(i["remaining_in"]),
                   "、".join(i["new_in"])] for i in result["key_issues"]]),
        "方案实施": (["方案", "费用类别", "推荐企业", "已实施企业", "未实施企业", "可否从调查判断"],
                 [[m["labels"]["zh"], "无/低费" if m["cost_class"] == "low" else "中/高费", "、".join(m["recommended_to"]),
                   "、".join(m["implemented_by"]), "、".join(m["not_yet"]), "是" if m["verifiable"] else "否（管理类方案）"]
                  for m in result["implemented_measures"]]),
        "削减量": (["污染物", "基准轮排放量 t/a", "复查轮排放量 t/a", "实际削减 t/a", "预期削减下限 t/a", "预期削减上限 t/a"],
                [[r["labels"]["zh"], r["before_t_per_a"], r["after_t_per_a"], r["realised_t_per_a"],
                  *r["expected_t_per_a"]] for r in result["reductions"]]),
    }
    for title, (headers, rows) in tables.items():
        sheet = book.create_sheet(title)
        sheet.append(headers)
        for row in rows:
            append_text_safe(sheet, row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


_CHANGE_ZH = {"improved": "提升", "declined": "下降", "unchanged": "不变", "not-comparable": "无法比较"}
_STATUS_ZH = {"resolved": "已解决", "reduced": "减少", "remaining": "仍存在", "new": "新出现"}
