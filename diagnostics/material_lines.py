"""A pollutant carried in by the materials, line by line: each survey material line's annual amount times its own
content of the pollutant (a VOCs mass fraction in %, or g/L with the line's density), summed — the input side of a
solvent balance (kb/README.md "Derived quantities", input `lines`). A line of a listed material without a content
takes the knowledge base's typical value where a source gives one; else the sum is not computable and says which
lines lack a content, while the lines whose content is known still give a floor of the input."""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import URIRef
from rdflib.namespace import SKOS

from cpkb.kb.namespaces import CPKB

from .knowledge import Knowledge, derived
from .knowledge_model import FormulaInput
from .survey import Enterprise
from .units import UnitConverter, UnitProblem

WHOLE = 0.999   # a line at least this volatile is a solvent (thinner, cleaning solvent): its use alone is a floor


@dataclass
class LinesSum:
    total: float = 0.0                                   # t/a of the pollutant from the lines whose content is known
    lines: list[dict] = field(default_factory=list)      # each counted line: written, amount, fraction, how
    missing: list[str] = field(default_factory=list)     # lines of a listed material whose content is unknown
    foreign: bool = False                                # the record may be of another sector: not summed

    @property
    def solvent(self) -> float:
        """The pollutant in the wholly volatile lines alone (thinner, cleaning solvent)."""
        return sum(line["t_per_a"] for line in self.lines if line["fraction"] >= WHOLE)


def _read_tables(kb: Knowledge) -> dict:
    g = kb.graph
    content = {str(p): str(o) for p, o in g.subject_objects(CPKB.contentOf)}
    typical: dict[str, list[tuple[str, float, str]]] = {}
    for material, node in g.subject_objects(CPKB.hasTypical):
        unit = kb.units.get(str(g.value(node, CPKB.unit)), {}).get("pint")
        typical.setdefault(str(material), []).append(
            (str(g.value(node, CPKB.property)), float(g.value(node, CPKB.value)), unit))
    return {"content": content, "typical": typical}


def _tables(kb: Knowledge) -> dict:
    """Content properties (property -> pollutant) and typical values (material -> [(property, value, unit)]),
    read once per knowledge base."""
    return derived(kb, "_material_line_tables", _read_tables)


def _broader(kb: Knowledge, material: str | None) -> list[str]:
    """The material and every broader one (a typical value of 'thinner' holds for 天那水 resolved under it)."""
    if not material:
        return []
    return [str(m) for m in kb.graph.transitive_objects(URIRef(material), SKOS.broader)]


def _counted(kb: Knowledge, material: str | None, counted: tuple[str, ...]) -> bool:
    return bool(material) and bool(set(_broader(kb, material)) & set(counted))


def _fraction(units: UnitConverter, value: float, unit: str | None, density: tuple[float, str] | None) -> float | None:
    """A content as a mass fraction: % (or a bare fraction) as it is; g/L divided by the line's density."""
    try:
        return units.conversion(unit or "dimensionless", "dimensionless").apply(value)
    except (UnitProblem, ValueError):
        pass
    if density is None:
        return None
    try:
        per_litre = units.conversion(unit or "", "gram / liter").apply(value)
        dens = units.conversion(density[1], "gram / liter").apply(density[0])
    except (UnitProblem, ValueError):
        return None
    return per_litre / dens if dens > 0 else None


def _density(units: UnitConverter, values: list[tuple[str, float, str | None]], content: dict) -> tuple | None:
    """A density among a line's (or typical) values: a mass-per-volume property that is no pollutant's content."""
    for prop, value, unit in values:
        if prop in content or not unit:
            continue
        try:
            units.conversion(unit, "gram / liter")
        except (UnitProblem, ValueError):
            continue
        return value, unit
    return None


def line_content(kb: Knowledge, units: UnitConverter, line: dict, pollutant: str) -> tuple[float, str] | None:
    """The line's mass fraction of the pollutant and how it was obtained (survey / typical), or None."""
    tables = _tables(kb)
    own = [(p, v, u) for p, (v, u) in (line.get("properties") or {}).items()]
    typical = [t for m in _broader(kb, line.get("material")) for t in tables["typical"].get(m, [])]
    density = _density(units, own, tables["content"]) or _density(units, typical, tables["content"])
    for values, how in ((own, "survey"), (typical, "typical")):
        for prop, value, unit in values:
            if tables["content"].get(prop) == pollutant:
                fraction = _fraction(units, value, unit, density)
                if fraction is not None:
                    return fraction, how
    return None


def annual_tonnes(units: UnitConverter, value: float, unit: str, target: str) -> float | None:
    """A line's amount in the input's unit; a bare mass (t, kg) is read as the year's amount, as materials are."""
    for expr in (unit, f"({units.expression(unit)}) / year"):
        try:
            return units.conversion(expr, target).apply(value)
        except (UnitProblem, ValueError):
            continue
    return None


def foreign_record(ent: Enterprise) -> bool:
    """Most of the record's processes and techniques are not of the survey's sector (a paint maker in a coating
    survey): its materials may be feedstock that leaves in the product, not solvent used and evaporated."""
    foreign = [name for kind, name, _ in ent.unresolved if kind in ("process", "technique")]
    return len(foreign) >= 2 and len(foreign) > len(ent.processes) + len(ent.techniques)


def lines_sum(kb: Knowledge, units: UnitConverter, ent: Enterprise, inp: FormulaInput) -> LinesSum:
    """Σ amount × own content over the lines that state a content of the pollutant or name a listed material;
    nothing for a record that may be of another sector (said in its notes)."""
    out = LinesSum()
    for line in ent.consumptions:
        if line.get("value") is None or not line.get("unit"):
            continue
        found = line_content(kb, units, line, inp.lines_of)
        if found is None and not _counted(kb, line.get("material"), inp.counted):
            continue   # natural gas, powder coating, a resin: no content stated and not a VOCs material
        amount = annual_tonnes(units, line["value"], line["unit"], inp.unit_expr)
        if amount is None:
            if found is not None or _counted(kb, line.get("material"), inp.counted):
                out.missing.append(line["written"])   # a volume without a density is no mass
            continue
        if found is None:
            out.missing.append(line["written"])
            continue
        fraction, how = found
        out.total += amount * fraction
        out.lines.append({"written": line["written"], "amount": amount, "fraction": fraction, "how": how,
                          "t_per_a": amount * fraction, "place": line.get("place")})
    if (out.lines or out.missing) and foreign_record(ent):
        return LinesSum(foreign=True)
    return out


def lines_words(result: LinesSum, unit: str) -> dict[str, str]:
    """Each counted line written out: 天那水 22 t/a × 100 %（知识库典型值）."""
    taken = {"survey": ("", ""), "typical": ("（知识库典型值）", " (typical value of the knowledge base)")}
    zh = " + ".join(f"{ln['written']} {ln['amount']:g} {unit} × {ln['fraction'] * 100:g} %{taken[ln['how']][0]}"
                    for ln in result.lines)
    en = " + ".join(f"{ln['written']} {ln['amount']:g} {unit} × {ln['fraction'] * 100:g} %{taken[ln['how']][1]}"
                    for ln in result.lines)
    return {"zh": zh, "en": en}
