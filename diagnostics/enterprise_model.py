"""What the model-v2 preparation adds to one enterprise before rules run (see diagnostics/prepare.py), and which
sector's knowledge judges it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class EnterpriseModel:
    context: dict[str, Any] = field(default_factory=dict)        # pilot_type, region, basin, in_park, …
    derived: dict[str, dict] = field(default_factory=dict)       # target IRI (or quantity IRI) -> how it was derived
    quantities: dict[str, float] = field(default_factory=dict)   # derived quantity IRI -> value in its unit
    variants: dict[str, dict] = field(default_factory=dict)      # indicator IRI -> {benchmarks, labels, variant}
    not_applicable: dict[str, dict] = field(default_factory=dict)   # indicator IRI -> reason {zh, en}
    not_scored: dict[str, dict] = field(default_factory=dict)       # indicator IRI -> reason {zh, en}
    compliance: list[dict] = field(default_factory=list)         # checks of measured values against limits
    unplaced: list[dict] = field(default_factory=list)   # figures at a place no limit can be matched to: not judged
    contradictions: list[dict] = field(default_factory=list)     # reported figures their siblings contradict
    lines: dict[str, Any] = field(default_factory=dict)          # pollutant -> LinesSum of its material lines
    beside: dict[str, dict] = field(default_factory=dict)        # target -> a balance computed beside a given figure
    floors: dict[str, dict] = field(default_factory=dict)        # pollutant -> solvent-use floor past the figure
    requirement_status: dict[str, dict] = field(default_factory=dict)   # set IRI -> {applies: bool|None, why}
    systems_not_applicable: set[str] = field(default_factory=set)   # indicator systems whose condition is false


def judged_sector(ent: Any, survey_sector: str | None) -> str | None:
    """The sector whose rules, limits and benchmarks judge the enterprise: its own when its `sector:` names another
    one of the knowledge base, none when it is of another sector the knowledge base does not know, else the survey's."""
    if "other_sector" in ent.set_apart:
        return ent.sector
    return survey_sector
