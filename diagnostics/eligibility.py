"""Eligibility of a pilot against the conditions of the innovation-pilot notice (环办科财函〔2023〕79号, as the
conditions are summarised in kb/shared/facts.yaml): each condition met, not met or unknown, with the survey fact it
rests on and the enterprises concerned. Nothing is assumed: an unanswered question is `unknown`, never met."""

from __future__ import annotations

from dataclasses import dataclass

from .knowledge import Knowledge
from .survey import Enterprise, Survey

FACT = "https://w3id.org/cpkb/id/fact/"


@dataclass(frozen=True)
class Condition:
    key: str
    zh: str
    en: str
    facts: tuple[str, ...]        # fact ids that must all hold (a fact with `bad` True must be false)
    per_enterprise: bool
    pilot_types: tuple[str, ...] = ("sector", "park", "region", "basin")
    bad: bool = False             # the fact states a disqualifying event (a violation)


CONDITIONS = (
    Condition("no-major-violation", "近三年无重大环境违法行为", "no major environmental violation in three years",
              ("major-env-violation-3y",), True, bad=True),
    Condition("cp-staff-rules-funds", "具备清洁生产工作人员、制度和资金保障",
              "staff, rules and funds for cleaner production", ("has-cp-manager", "has-cp-rules", "has-cp-funds"), True),
    Condition("park-boundary-body", "园区边界清晰并设有管理机构", "a park with a clear boundary and a management body",
              ("park-boundary-defined", "park-management-body"), False, ("park",)),
    Condition("park-one-city", "园区位于同一地级市", "the park lies within one prefecture-level city",
              ("park-in-one-city",), False, ("park",)),
    Condition("own-pollutants", "自选特征污染物已列入地方重点任务", "self-chosen pollutants are in local priority tasks",
              ("own-pollutants-in-local-tasks",), False, ("region", "basin")),
)


def _judge(facts: dict, cond: Condition) -> str:
    values = [facts.get(FACT + f) for f in cond.facts]
    if any(isinstance(v, bool) and v == cond.bad for v in values):
        return "not-met"
    if any(not isinstance(v, bool) for v in values):
        return "unknown"
    return "met"


def eligibility(kb: Knowledge, survey: Survey, enterprises: list[Enterprise]) -> dict:
    """Each condition that applies to the survey's pilot type, judged on the survey's own answers."""
    pilot = survey.scope.get("pilot_type") or "sector"
    scope_facts = survey.scope.get("facts") or {}
    rows = []
    for cond in CONDITIONS:
        if pilot not in cond.pilot_types or any(FACT + f not in kb.facts for f in cond.facts):
            continue   # a knowledge base without the condition's questions cannot judge it
        basis = [{"fact": FACT + f, "labels": kb.label(FACT + f)} for f in cond.facts]
        if cond.per_enterprise:
            by = {"met": [], "not-met": [], "unknown": []}
            for ent in enterprises:
                by[_judge(ent.facts, cond)].append(ent.id)
            status = "not-met" if by["not-met"] else "unknown" if by["unknown"] else "met"
            rows.append({"condition": cond.key, "labels": {"zh": cond.zh, "en": cond.en}, "status": status,
                         "enterprises": by, "basis": basis})
        else:
            rows.append({"condition": cond.key, "labels": {"zh": cond.zh, "en": cond.en},
                         "status": _judge(scope_facts, cond), "enterprises": None, "basis": basis})
    worst = "not-met" if any(r["status"] == "not-met" for r in rows) else \
        "unknown" if any(r["status"] == "unknown" for r in rows) else "met"
    return {"status": worst, "conditions": rows, "summary": _summary(rows, worst)}


_WORDS = {"met": ("符合", "met"), "not-met": ("不符合", "not met"), "unknown": ("待确认", "unknown")}


def _summary(rows: list[dict], worst: str) -> dict[str, str]:
    zh = [f"试点申报条件：{_WORDS[worst][0]}。"]
    en = [f"Pilot conditions: {_WORDS[worst][1]}."]
    for r in rows:
        if r["status"] == "met":
            continue
        who = r["enterprises"] or {}
        ids = who.get("not-met") or who.get("unknown") or []
        zh.append(f"{r['labels']['zh']}：{_WORDS[r['status']][0]}" + (f"（{'、'.join(ids)}）" if ids else "")
                  + f"，依据“{'”“'.join(b['labels']['zh'] for b in r['basis'])}”。")
        en.append(f"{r['labels']['en']}: {_WORDS[r['status']][1]}" + (f" ({', '.join(ids)})" if ids else "")
                  + f", on {', '.join(b['labels']['en'] for b in r['basis'])}.")
    return {"zh": "".join(zh), "en": " ".join(en)}
