"""Consumptions that audit teams list among the materials (新鲜水, 电, 蒸汽, 天然气) answering the sector's number
facts for the same consumption (年新鲜水取水量, 年用电量, 年蒸汽消耗量), which derived quantities and rules ask for.

A fact and a material line are the same consumption when their names, stripped of the words that only say "a
year's amount of" (年, 用量, 消耗量, 取水量 …), agree — directly, or through a consumption of the knowledge base
whose names they share (自来水 is 新鲜水). Fuels are matched by their own names only (天然气 to 年天然气用量): 燃料
covers coal, oil and gas, which no single fact adds up. Raw materials (paint, ink) are not read so: which of them
count towards a fact is the team's own answer."""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING

from .knowledge import Knowledge, normalise
from .units import UnitProblem

if TYPE_CHECKING:   # the reader imports this module; this one needs the reader's types only for annotations
    from .survey import Enterprise, SurveyReader

_PREFIX = re.compile(r"^(?:全年|年度|每年|年)")
_SUFFIX = re.compile(r"(?:消耗量|取用量|取水量|使用量|用量|耗量|总量|消耗|量|耗)$")
_LEADING = re.compile(r"^(?:用|耗|取用|消耗)")
_QUALIFIER = re.compile(r"[（(][^（()）]*[）)]")
# consumptions of one carrier each; fuel and comprehensive energy sum different carriers
_SINGLE = ("fresh-water", "pure-water", "electricity", "steam-heat", "compressed-air")
_WATER = ("fresh-water", "pure-water")
_LOCK = threading.Lock()


def core(name: str) -> str:
    """A consumption's name without the words that only make it a year's amount: 年用电量 → 电, 年新鲜水取水量 → 新鲜水."""
    text = normalise(_QUALIFIER.sub("", str(name)))
    text = _PREFIX.sub("", text)
    for _ in range(2):
        text = _SUFFIX.sub("", text)
    return _LEADING.sub("", text) if len(text) > 1 else text


def _names_by_iri(kb: Knowledge, kind: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for name, iris in kb.names.get(kind, {}).items():
        for iri in iris:
            if not name.startswith("http"):
                out.setdefault(iri, set()).add(name)
    for iri, labels in kb.labels.items():
        if iri in out:
            out[iri].update(normalise(v) for v in labels.as_dict().values() if v)
    return out


def fact_cores(kb: Knowledge, sector: str | None) -> dict[str, set[str]]:
    """Number facts of the sector (and shared ones) in an annual unit → the cores of their names."""
    with _LOCK:
        cache = getattr(kb, "_consumption_fact_cores", None)
        if cache is None:
            cache = kb._consumption_fact_cores = {}
        if sector in cache:
            return cache[sector]
    names = _names_by_iri(kb, "fact")
    found = {}
    for iri, fact in kb.facts.items():
        unit = fact.get("unit") or ""
        if fact["datatype"] != "number" or not unit.endswith("-per-a") or kb.sector_of.get(iri) not in (sector, None, ""):
            continue
        # a one-character core (电 of 年用电量) only from the fact's own label: 用水量 among the alternative names of
        # 年前处理用水量 is not all the water a plant takes
        cores = {c for c in (core(n) for n in names.get(iri, ())) if len(c) > 1} | {core(kb.label(iri)["zh"])}
        cores -= {""}
        if cores:
            found[iri] = cores
    with _LOCK:
        cache[sector] = found
    return found


def _consumption_cores(kb: Knowledge) -> dict[str, set[str]]:
    with _LOCK:
        found = getattr(kb, "_consumption_cores", None)
    if found is None:
        found = {iri: {core(n) for n in names} - {""} for iri, names in _names_by_iri(kb, "consumption").items()
                 if iri.rsplit("/", 1)[-1] in _SINGLE}
        with _LOCK:
            kb._consumption_cores = found
    return found


def consumption_facts(reader: "SurveyReader", ent: "Enterprise", own: set[str]) -> None:
    """Answer each number fact of the sector that a material line names the same consumption of, unless the
    enterprise answered it itself; lines of one fact add up; said where it was read."""
    if not ent.consumptions:
        return
    kb = reader.kb
    facts = fact_cores(kb, reader.sector)
    if not facts:
        return
    consumptions = _consumption_cores(kb)
    totals: dict[str, list] = {}
    for line in ent.consumptions:
        via = line.get("consumption")
        if not via or via.rsplit("/", 1)[-1] not in (*_SINGLE, "fuel"):
            continue   # a raw material (paint, ink) is not a consumption; its facts are the team's own to answer
        written = core(line["written"])
        shared = consumptions.get(via, set())
        for iri, cores in facts.items():
            if iri in own or not (written in cores or cores & shared):
                continue
            value = _in_fact_unit(reader, line, kb.facts[iri]["unit"], via)
            if value is None:
                continue
            totals.setdefault(iri, []).append((value, line))
    for iri, lines in totals.items():
        total = sum(v for v, _ in lines)
        ent.facts[iri] = total
        label = kb.label(iri)
        symbol = kb.units.get(kb.facts[iri]["unit"], {}).get("symbol") or ""
        written = "、".join(f"{line['written']} {line['value']:g} {line['unit']}" for _, line in lines)
        water = any(line.get("water_as_mass") for _, line in lines)
        reader.warn(lines[0][1]["place"].split(" (")[0],
                    f"{written} (materials) read as “{label['en']}” = {total:,.6g} {symbol}"
                    + (" (1 t of water = 1 m³)" if water else "") + ", for the formulas and rules that need it.",
                    f"原辅材料中的{written}按“{label['zh']}”= {total:,.6g} {symbol} 读取" + ("（水按 1 t = 1 m³）" if water else "")
                    + "，供需要它的公式和规则使用。")


def _in_fact_unit(reader: "SurveyReader", line: dict, unit_iri: str, via: str | None) -> float | None:
    """The line's amount in the fact's annual unit; a bare amount is a year's; water in t and m³ alike."""
    units = reader.units
    target = units.unit_expression(unit_iri)
    written = line.get("unit")
    if target is None or not isinstance(written, str) or not written.strip():
        return None
    expr = units.expression(written)
    tries = [(written, False), (f"({expr}) / year", False)]
    if via and via.rsplit("/", 1)[-1] in _WATER:   # 吨水 and m³ are used alike for water (kb note: 1 t = 1 m³)
        tries += [(f"({expr}) * meter**3 / tonne", True), (f"({expr}) * meter**3 / tonne / year", True),
                  (f"({expr}) * tonne / meter**3", True), (f"({expr}) * tonne / meter**3 / year", True)]
    for candidate, water in tries:
        try:
            value = units.conversion(candidate, target).apply(line["value"])
        except (UnitProblem, ValueError):
            continue
        if water:
            line["water_as_mass"] = True
        return value
    return None
