"""The result sections model v2 adds (diagnostics/README.md): compliance with limits, scenarios, technique
status with its basis, derived values, the targets of the region or basin, and the economics of measures."""

from __future__ import annotations

from .conditions import ConditionCompiler
from .economics import add_economics
from .knowledge import Knowledge
from .requirements import summarise
from .sewer_plant import agreement_set
from .scenarios import scenario_levels, scenarios
from .status import technique_status
from .survey import Enterprise, Survey


def model_sections(kb: Knowledge, survey: Survey, enterprises: list[Enterprise], sector: str,
                   compiler: ConditionCompiler, recommendations: list[dict], settings: dict) -> dict:
    add_economics(kb, survey.units, recommendations, enterprises, settings)
    compliance = summarise(kb, enterprises, sector)
    agreed = agreement_set(kb, survey, enterprises)
    if agreed:   # the survey's own sewer-connection agreement, beside the standards'
        compliance = {**compliance, "sets": [*compliance.get("sets", []), agreed]}
    sections = {
        "compliance": compliance,
        "scenarios": scenarios(kb, survey.units, enterprises, sector, scenario_levels(settings)),
        "technique_status": technique_status(kb, compiler, enterprises, sector),
        "derived_values": [{"enterprise": e.id, "target": target, **record}
                           for e in enterprises for target, record in sorted(e.model.derived.items())],
        "targets": _targets(kb, survey.scope) + [{"sector": sector, "area_labels": kb.label(sector), **t,
                                                   "pollutant_labels": kb.label(t["pollutant"])}
                                                  for t in kb.sector_targets.get(sector, [])],
    }
    return {key: value for key, value in sections.items() if value}


def _targets(kb: Knowledge, scope: dict) -> list[dict]:
    """The reduction targets of the survey's key region or basin, with their sources."""
    out = []
    for key, table in (("region", kb.regions), ("basin", kb.basins)):
        area = scope.get(key)
        for target in (table.get(area, {}).get("targets") or []) if area else []:
            out.append({key: area, "area_labels": kb.label(area), **target,
                        "pollutant_labels": kb.label(target["pollutant"])})
    return out
