"""A region's or basin's quantified reduction targets (kb/shared/regions.yaml `targets:`) set against the reduction
potential of the surveyed enterprises: the tonnes a target asks of their load, and whether the potential's range
reaches them. A target set for a whole area is not a quota of these enterprises; the comparison reads it as the
same share of their load, and says so."""

from __future__ import annotations

from .knowledge import Knowledge

# met: even the weaker end of the potential reaches the tonnes asked; range: only the stronger end does;
# short: not even the stronger end does
_VERDICT = {"met": ("潜力下限即可达到目标", "met even at the weaker end"),
            "range": ("仅潜力上限可达到目标", "met only at the stronger end"),
            "short": ("潜力不足以达到目标", "the potential falls short"),
            "no-load": ("无调查企业的排放量，无法比较", "no surveyed load to compare")}

BASIS = {"zh": "目标要求的削减量 = 调查企业基准排放量 × 目标削减比例。区域/流域目标针对整个区域或流域，不是对所调查企业的"
               "配额；此处按同一比例作用于调查企业的排放量，且以调查年份的排放量代替目标基准年的排放量。",
         "en": "Tonnes asked = the surveyed enterprises' baseline × the target's reduction share. An area's target is "
               "for the whole region or basin, not a quota of the surveyed enterprises; it is read here as the same "
               "share of their load, with the survey year's load standing for the target's base year."}


def _area(kb: Knowledge, scope: dict) -> tuple[str, dict] | None:
    for key, table in (("basin", kb.basins), ("region", kb.regions)):
        iri = scope.get(key)
        if iri and iri in table:
            return iri, table[iri]
    return None


def targets_against_potential(kb: Knowledge, scope: dict, rows: list[dict]) -> dict:
    """Per followed pollutant with a quantified target of the survey's basin (else region): the tonnes the target
    asks of the surveyed load, the potential's [weaker, stronger] reduction, the verdict and the gap. Says plainly
    when the survey names no area, or the knowledge base holds no target for it or for a pollutant."""
    found = _area(kb, scope)
    if found is None:
        return {"available": False, "basis": BASIS, "comparisons": [], "without_target": [],
                "message": {"zh": "调查未指明重点区域或流域，无目标可比。",
                            "en": "The survey names no key region or basin, so there is no target to compare with."}}
    iri, area = found
    name = kb.label(iri)
    targets = [t for t in area.get("targets") or [] if t.get("reduction_pct") is not None]
    if not targets:
        return {"available": False, "area": iri, "area_labels": name, "basis": BASIS, "comparisons": [],
                "without_target": [r["pollutant"] for r in rows],
                "message": {"zh": f"知识库中没有{name['zh']}的量化减排目标。",
                            "en": f"The knowledge base holds no quantified reduction target for the {name['en']}."}}
    comparisons, without = [], []
    for row in rows:
        mine = [t for t in targets if t["pollutant"] == row["pollutant"]]
        if not mine:
            without.append(row["pollutant"])
        comparisons += [_compare(kb, row, t) for t in mine]
    return {"available": True, "area": iri, "area_labels": name, "basis": BASIS, "comparisons": comparisons,
            "without_target": without,
            "without_target_labels": [kb.label(p) for p in without]}


def _compare(kb: Knowledge, row: dict, target: dict) -> dict:
    base = row["baseline_t_per_a"]
    asked = base * target["reduction_pct"] / 100
    weaker, stronger = row["combined_reduction_t_per_a"]
    verdict = "no-load" if base <= 0 else "met" if weaker >= asked else "range" if stronger >= asked else "short"
    zh, en = _VERDICT[verdict]
    return {"pollutant": row["pollutant"], "labels": row["labels"], "reduction_pct": target["reduction_pct"],
            "baseline_year": target.get("baseline_year"), "by_year": target.get("by_year"),
            "baseline_t_per_a": base, "asked_t_per_a": round(asked, 6),
            "potential_t_per_a": [weaker, stronger], "verdict": verdict, "verdict_labels": {"zh": zh, "en": en},
            "gap_t_per_a": round(max(asked - stronger, 0.0), 6),
            "estimated_share": row.get("estimated_share"),
            "sources": target.get("sources") or [], "verified": bool(target.get("verified")),
            **({"scope": target["scope"]} if target.get("scope") else {}),
            **({"note": target["note"]} if target.get("note") else {})}
