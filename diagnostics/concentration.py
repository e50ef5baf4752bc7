"""Gas concentrations written as a volume fraction (ppm, ppmv, µmol/mol) turned into the mass concentration that
standards state limits in: mg/m³ = ppm × M / 22.4 at standard conditions, with M the pollutant's molar mass as the
knowledge base gives it (kb/shared/pollutants.yaml `molar_mass`, of the formula `molar_mass_as`); ppm of a pollutant
in water is mg/L."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from rdflib import URIRef

from cpkb.kb.namespaces import CPKB

from .knowledge import Knowledge

# one mole of ideal gas at standard conditions (273.15 K, 101.325 kPa), the state Chinese standards refer
# concentrations to (标准状态)
MOLAR_VOLUME_L_PER_MOL = 22.4
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


def molar_mass(kb: Knowledge, pollutant: str) -> tuple[float, str] | None:
    """(g/mol, formula) of a pollutant as the knowledge base gives it; None for sums of compounds and particles."""
    node = URIRef(pollutant)
    value = kb.graph.value(node, CPKB.molarMass)
    if value is None:
        return None
    formula = kb.graph.value(node, CPKB.molarMassAs)
    return float(value), str(formula) if formula is not None else kb.label(pollutant)["en"]


def from_ppm(kb: Knowledge, pollutant: str, value: float) -> Converted:
    """A ppm figure of `pollutant` as mg/m³ (gas, molar mass known) or mg/L (water); value None when neither."""
    medium = str(kb.graph.value(URIRef(pollutant), CPKB.medium) or "")
    if medium == "water":
        return Converted(value, "mg/L", 1.0, None, medium)
    found = molar_mass(kb, pollutant)
    if found is None:
        return Converted(None, None, None, None, medium or None)
    factor = found[0] / MOLAR_VOLUME_L_PER_MOL
    return Converted(value * factor, "mg/m3", factor, found[1], medium or "air")
