"""Gas concentrations written as a volume fraction (ppm, ppmv, µmol/mol) turned into the mass concentration that
standards state limits in: mg/m³ = ppm × M / 22.4 at standard conditions, with M the pollutant's molar mass
(diagnostics/molar_masses.json); ppm of a pollutant in water is mg/L."""

from __future__ import annotations

import functools
import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from rdflib import URIRef

from cpkb.kb.namespaces import CPKB

from .knowledge import Knowledge

_VOLUME_FRACTION = {"ppm", "ppmv", "ppm(v)", "ppmvol", "ppm(vol)", "µmol/mol", "μmol/mol", "umol/mol", "ml/m3",
                    "ml/m³", "cm3/m3", "百万分之一"}


@dataclass(frozen=True)
class Converted:
    value: float | None          # None: not converted (no molar mass known)
    unit: str | None
    factor: float | None = None
    formula: str | None = None   # the compound the molar mass is of (NO2 for nitrogen oxides)
    medium: str | None = None


def is_volume_fraction(unit: object) -> bool:
    """Whether a written unit is ppm or another volume fraction (µmol/mol, mL/m³)."""
    if not isinstance(unit, str):
        return False
    text = unicodedata.normalize("NFKC", unit).strip().casefold().replace(" ", "").replace("（", "(").replace("）", ")")
    return text in _VOLUME_FRACTION


@functools.lru_cache(maxsize=1)
def _table() -> dict:
    return json.loads((Path(__file__).with_name("molar_masses.json")).read_text(encoding="utf-8"))


def from_ppm(kb: Knowledge, pollutant: str, value: float) -> Converted:
    """A ppm figure of `pollutant` as mg/m³ (gas, molar mass known) or mg/L (water); value None when neither."""
    medium = str(kb.graph.value(URIRef(pollutant), CPKB.medium) or "")
    key = str(kb.graph.value(URIRef(pollutant), CPKB.key) or pollutant.rsplit("/", 1)[-1])
    if medium == "water":
        return Converted(value, "mg/L", 1.0, None, medium)
    table = _table()
    found = table["molar_mass_g_per_mol"].get(key)
    if found is None:
        return Converted(None, None, None, None, medium or None)
    factor = found["value"] / table["molar_volume_l_per_mol"]
    return Converted(value * factor, "mg/m3", factor, found["formula"], medium or "air")
