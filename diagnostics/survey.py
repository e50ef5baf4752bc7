"""Reads a survey (shared/spec/survey.md) from JSON, YAML, an Excel workbook or CSV, validates it and resolves
every name against the knowledge base. Every problem is collected, each with its place; nothing raises a
traceback at the user.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

import orjson
import yaml
from rapidfuzz import process as fuzz_process

from cpkb.kb.store import Store

from .knowledge import LEVELS, Knowledge, knowledge_for, normalise
from .survey_format import (DIRECTIONS, EMISSION_FIELDS, ENTERPRISE_FIELDS, INDICATOR_FIELDS, MATERIAL_FIELDS,
                            OUTPUT_FIELDS, PILOT_TYPES, PROCESS_FIELDS, PROPERTY_FIELDS, SCOPE_FIELDS, STAGES,
                            STREAM_FIELDS, SURVEY_VERSION, TOP_FIELDS, SurveyError, SurveyProblem)
from .units import UnitConverter, UnitProblem, converter_for
from .workbook import read_csv, read_workbook

__all__ = ["SURVEY_VERSION", "Enterprise", "Survey", "SurveyError", "SurveyProblem", "SurveyReader", "level_name",
           "parse_document", "read_survey"]

_LEVEL_WORDS = {"i": "I", "1": "I", "ⅰ": "I", "ii": "II", "2": "II", "ⅱ": "II", "iii": "III", "3": "III", "ⅲ": "III",
                "none": None, "不达标": None, "below": None, "0": None}
_TRUE = {"true", "yes", "y", "1", "是", "有", "对"}
_FALSE = {"false", "no", "n", "0", "否", "无", "没有"}


@dataclass
class Enterprise:
    """One enterprise's facts, names resolved to IRIs and values converted to the knowledge base's units."""

    id: str
    index: int
    name: str | None = None
    output: float | None = None                              # in the sector product's unit, when convertible
    output_unit: str | None = None
    processes: dict[str, set[str]] = field(default_factory=dict)   # process IRI -> technique IRIs
    techniques: set[str] = field(default_factory=set)
    complete_processes: set[str] = field(default_factory=set)     # processes whose technique list is complete
    lists_complete: bool = False                                    # every technique list is complete (scope)
    indicators: dict[str, list[tuple[Any, str | None]]] = field(default_factory=dict)  # IRI -> [(value, process)]
    materials: dict[str, dict] = field(default_factory=dict)        # IRI -> {value, unit, properties{IRI: (v, unit)}}
    emissions: list[dict] = field(default_factory=list)
    streams: list[dict] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)             # fact IRI -> value
    warnings: list[str] = field(default_factory=list)


@dataclass
class Survey:
    scope: dict[str, Any]
    enterprises: list[Enterprise]
    problems: list[SurveyProblem]
    warnings: list[SurveyProblem]
    knowledge: Knowledge
    units: UnitConverter

    @property
    def invalid_ids(self) -> set[str]:
        return {p.enterprise for p in self.problems if p.enterprise}


# ---------------------------------------------------------------------- parsing

def parse_document(data: bytes, filename: str) -> tuple[Any, dict[str, str]]:
    """The raw survey mapping and a map from field paths to workbook cells (empty for JSON/YAML)."""
    suffix = PurePath(filename).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return read_workbook(data)
    if suffix == ".csv":
        return read_csv(data)
    if suffix not in (".json", ".yaml", ".yml"):
        raise SurveyError([SurveyProblem(filename, f"unsupported file type {suffix or '(none)'!r}: "
                                         "give a .json, .yaml, .xlsx (the cpkb template) or .csv survey.")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SurveyError([SurveyProblem(filename, "the file is not UTF-8 text; save it as UTF-8.")]) from None
    try:
        return (orjson.loads(text) if suffix == ".json" else yaml.safe_load(text)), {}
    except json.JSONDecodeError as exc:  # orjson's error is a json.JSONDecodeError, with line and column
        raise SurveyError([SurveyProblem(f"{filename}:{exc.lineno}:{exc.colno}", f"not valid JSON: {exc.msg}.")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{filename}:{mark.line + 1}" if mark else filename
        raise SurveyError([SurveyProblem(where, f"not valid YAML: {getattr(exc, 'problem', exc)}.")]) from None


def read_survey(data: bytes, filename: str, store: Store, knowledge: Knowledge | None = None) -> Survey:
    """Parse and validate a survey. Raises SurveyError only when nothing can be read (syntax, scope);
    enterprise-level problems are returned in Survey.problems so that the caller can set them aside."""
    raw, cells = parse_document(data, filename)
    knowledge = knowledge or knowledge_for(store)
    return SurveyReader(knowledge, cells).read(raw)


# ---------------------------------------------------------------------- validation

class SurveyReader:
    """Validates a raw survey mapping; collects problems instead of stopping at the first."""

    def __init__(self, knowledge: Knowledge, cells: dict[str, str] | None = None):
        self.kb = knowledge
        self.units = converter_for(knowledge)
        self.cells = cells or {}
        self.problems: list[SurveyProblem] = []
        self.warnings: list[SurveyProblem] = []
        self.sector: str | None = None
        self._resolved: dict[tuple[str, str, bool], set[str]] = {}  # (kind, name as written, sector only)
        self._enterprise: str | None = None
        self.scope_facts: dict[str, Any] = {}
        self.lists_complete = False
        self._single: dict[tuple, str] = {}

    # -- problems

    def _place(self, path: str) -> str:
        cell = self.cells.get(path)
        return f"{path} ({cell})" if cell else path

    def error(self, path: str, message: str) -> None:
        self.problems.append(SurveyProblem(self._place(path), message, self._enterprise))

    def warn(self, path: str, message: str) -> None:
        self.warnings.append(SurveyProblem(self._place(path), message, self._enterprise))

    # -- names

    def resolve(self, kind: str, name: Any, path: str, sector_only: bool = False) -> str | None:
        """IRI of a concept named by IRI, label or alternative name; an error listing the closest names if none."""
        if not isinstance(name, str) or not name.strip():
            self.error(path, f"expected the name of a {kind}, got {name!r}.")
            return None
        key = (kind, name, sector_only)
        known = self._single.get(key)  # names recur across enterprises: answer at once
        if known is not None:
            return known
        iris = self._resolved.get(key)
        if iris is None:
            iris = set(self.kb.names.get(kind, {}).get(normalise(name), ()))
            if sector_only and self.sector:
                iris = {i for i in iris if self.kb.sector_of.get(i) == self.sector}
            self._resolved[key] = iris
        if len(iris) == 1:
            self._single[key] = next(iter(iris))
            return self._single[key]
        if len(iris) > 1:
            choices = ", ".join(self.kb.display_names[kind][i] for i in sorted(iris))
            self.error(path, f"{kind} name {name!r} is ambiguous: it names {choices}. Use one of their IRIs.")
            return None
        self.error(path, f"unknown {kind} {name!r}.{self._closest(kind, name, sector_only)}")
        return None

    def _closest(self, kind: str, name: str, sector_only: bool) -> str:
        table = self.kb.display_names.get(kind, {})
        choices = {iri: shown for iri, shown in table.items()
                   if not sector_only or not self.sector or self.kb.sector_of.get(iri) == self.sector}
        if not choices:
            return f" The knowledge base has no {kind} for this sector yet."
        found = fuzz_process.extract(name, choices, limit=3)
        return " Closest known: " + "; ".join(shown for shown, _, _ in found) + "."

    # -- values

    def number(self, value: Any, path: str, allow_negative: bool = False) -> float | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            if isinstance(value, str):
                try:
                    value = float(value.replace(",", ""))
                except ValueError:
                    self.error(path, f"expected a number, got {value!r}.")
                    return None
            else:
                self.error(path, f"expected a number, got {value!r}.")
                return None
        if math.isnan(value) or math.isinf(value):
            self.error(path, f"expected a finite number, got {value!r}.")
            return None
        if value < 0 and not allow_negative:
            self.error(path, f"negative quantity {value!r}: survey quantities are ≥ 0 (survey.md, rules for bad input).")
            return None
        return float(value)

    def convert(self, value: float, unit: Any, target_unit_iri: str | None, path: str) -> float | None:
        """value in `unit` converted to the KB unit; errors for unknown units and wrong dimensions."""
        target = self.units.unit_expression(target_unit_iri)
        if target is None:
            return value
        if unit in (None, ""):
            self.warn(path, f"no unit given; taken as {self.kb.units[target_unit_iri]['symbol']}.")
            return value
        if not isinstance(unit, str):
            self.error(path + ".unit", f"expected a unit such as {self.kb.units[target_unit_iri]['symbol']!r}, got {unit!r}.")
            return None
        try:
            return self.units.conversion(unit, target).apply(value)
        except UnitProblem as exc:
            symbol = self.kb.units[target_unit_iri]["symbol"]
            self.error(path + ".unit", f"{exc}; use a unit convertible to {symbol} (survey.md: a unit of the wrong "
                                       "dimension is an error).")
            return None

    def check_unit(self, unit: Any, path: str) -> str | None:
        if not isinstance(unit, str) or not unit.strip():
            self.error(path, "a unit is required here (e.g. t/a, mg/m3, kg/t).")
            return None
        try:
            self.units.dimension_of(unit)
        except UnitProblem as exc:
            self.error(path, f"{exc}. Write it as the knowledge base does (see `cpkb query` on cpkb:Unit) "
                             "or in pint syntax, e.g. t/a, mg/m**3.")
            return None
        return unit

    # -- the survey

    def read(self, raw: Any) -> Survey:
        if not isinstance(raw, dict):
            raise SurveyError([SurveyProblem("(top level)", "a survey is a mapping with cpkb_survey, scope and "
                                             "enterprises (see shared/spec/survey.md).")])
        if raw.get("cpkb_survey") != SURVEY_VERSION:
            self.error("cpkb_survey", f"format version must be {SURVEY_VERSION}, got {raw.get('cpkb_survey')!r}.")
        unknown = set(raw) - TOP_FIELDS
        for key in sorted(unknown, key=str):
            self.error(str(key) if str(key).strip() else repr(key), "unknown top-level field; a survey has cpkb_survey, scope and enterprises.")
        scope = self.read_scope(raw.get("scope"))
        self.scope_facts = scope.get("facts", {})
        self.lists_complete = bool(scope.get("technique_lists_complete"))
        if self.problems:
            raise SurveyError(self.problems)
        enterprises = self.read_enterprises(raw.get("enterprises"))
        return Survey(scope, enterprises, self.problems, self.warnings, self.kb, self.units)

    def read_scope(self, raw: Any) -> dict[str, Any]:
        if not isinstance(raw, dict):
            self.error("scope", "required: a mapping with at least `sector`.")
            return {}
        scope: dict[str, Any] = {"title": raw.get("title")}
        self.sector = self.resolve("sector", raw.get("sector"), "scope.sector") if "sector" in raw else None
        if "sector" not in raw:
            self.error("scope.sector", "required: the sector of the survey, e.g. 电镀 or electroplating.")
        scope["sector"] = self.sector
        pilot = raw.get("pilot_type", "sector")
        if pilot not in PILOT_TYPES:
            iri = self.resolve("pilot_type", pilot, "scope.pilot_type")
            pilot = next((k for k in PILOT_TYPES if iri and iri.lower().endswith(k)), None) if iri else None
        scope["pilot_type"] = pilot
        for key in ("region", "basin"):
            if raw.get(key) not in (None, ""):
                scope[key] = self.resolve(key, raw[key], f"scope.{key}")
        scope["park"] = raw.get("park")
        if raw.get("year") is not None:
            year = raw["year"]
            if isinstance(year, bool) or not isinstance(year, int):
                self.error("scope.year", f"expected a year such as 2024, got {year!r}.")
            elif year > dt.date.today().year:
                self.warn("scope.year", f"year {year} is in the future.")
            scope["year"] = year
        scope["facts"] = {}
        facts = raw.get("facts") or {}
        if not isinstance(facts, dict):
            self.error("scope.facts", "survey-wide facts are a mapping of fact key to answer.")
        else:  # survey-wide answers hold for every enterprise that does not answer for itself
            holder = Enterprise("(scope)", -1)
            for key, value in facts.items():
                self.read_fact(holder, key, value, f"scope.facts.{key}")
            scope["facts"] = {iri: value for iri, value in holder.facts.items()}
        scope["technique_lists_complete"] = self.read_complete(raw.get("technique_lists_complete"),
                                                               "scope.technique_lists_complete")
        for key in sorted(set(raw) - {*SCOPE_FIELDS, "facts"}, key=str):
            self.error(f"scope.{key}", "unknown scope field; allowed: title, sector, pilot_type, region, basin, park, "
                                       "year, facts, technique_lists_complete.")
        return scope

    def read_enterprises(self, raw: Any) -> list[Enterprise]:
        if not isinstance(raw, list) or not raw:
            self._enterprise = None
            self.error("enterprises", "required: a list of at least one enterprise.")
            return []
        seen: dict[str, int] = {}
        out = []
        for i, item in enumerate(raw):
            path = f"enterprises[{i}]"
            self._enterprise = None
            if not isinstance(item, dict):
                self.error(path, "each enterprise is a mapping with at least `id`.")
                continue
            ident = item.get("id")
            if ident is None or (isinstance(ident, str) and not ident.strip()):
                self.error(f"{path}.id", "required: an id unique within the survey.")
                ident = f"#{i}"
            ident = str(ident)
            self._enterprise = ident
            if ident in seen:
                self.error(f"{path}.id", f"duplicate enterprise id {ident!r} (also enterprises[{seen[ident]}]).")
            seen.setdefault(ident, i)
            out.append(self.read_enterprise(item, ident, i, path))
        self._enterprise = None
        return out

    def read_enterprise(self, raw: dict, ident: str, index: int, path: str) -> Enterprise:
        ent = Enterprise(ident, index, raw.get("name"))
        for key in sorted(set(raw) - ENTERPRISE_FIELDS, key=str):
            self.error(f"{path}.{key}", f"unknown enterprise field; allowed: {', '.join(sorted(ENTERPRISE_FIELDS))}.")
        self.read_output(ent, raw.get("output"), f"{path}.output")
        for j, proc in enumerate(self._list(raw, "processes", path)):
            self.read_process(ent, proc, f"{path}.processes[{j}]")
        for j, ind in enumerate(self._list(raw, "indicators", path)):
            self.read_indicator(ent, ind, f"{path}.indicators[{j}]")
        for j, mat in enumerate(self._list(raw, "materials", path)):
            self.read_material(ent, mat, f"{path}.materials[{j}]")
        for j, em in enumerate(self._list(raw, "emissions", path)):
            self.read_emission(ent, em, f"{path}.emissions[{j}]")
        for j, st in enumerate(self._list(raw, "streams", path)):
            self.read_stream(ent, st, f"{path}.streams[{j}]")
        ent.facts.update(self.scope_facts)
        ent.lists_complete = self.lists_complete
        facts = raw.get("facts") or {}
        if not isinstance(facts, dict):
            self.error(f"{path}.facts", "facts are a mapping of fact key to answer, e.g. {has_cp_manager: true}.")
        else:
            for key, value in facts.items():
                self.read_fact(ent, key, value, f"{path}.facts.{key}")
        return ent

    def _list(self, raw: dict, key: str, path: str) -> list:
        value = raw.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(f"{path}.{key}", f"`{key}` is a list.")
            return []
        return value

    def _fields(self, item: Any, path: str, required: tuple[str, ...], allowed: frozenset[str]) -> bool:
        """Required fields present, no unknown ones; `allowed` includes the required fields."""
        if not isinstance(item, dict):
            self.error(path, f"expected a mapping with {', '.join(required)}.")
            return False
        ok = True
        for key in required:
            if item.get(key) in (None, ""):
                self.error(f"{path}.{key}", "required.")
                ok = False
        if item.keys() <= allowed:  # the usual case: nothing unknown
            return ok
        for key in sorted(set(item) - allowed, key=str):
            self.error(f"{path}.{key}", f"unknown field; allowed: {', '.join(sorted(allowed))}.")
        return ok

    def read_output(self, ent: Enterprise, raw: Any, path: str) -> None:
        if raw is None:
            return
        items = raw if isinstance(raw, list) else [raw]
        total = 0.0
        for j, item in enumerate(items):
            p = f"{path}[{j}]" if isinstance(raw, list) else path
            if not self._fields(item, p, ("value",), OUTPUT_FIELDS):
                continue
            value = self.number(item["value"], f"{p}.value")
            product = self.resolve("product", item["product"], f"{p}.product", sector_only=True) \
                if item.get("product") else None
            target = self.kb.products.get(product, {}).get("unit") if product else self._sector_product_unit()
            if value is None:
                continue
            if target and item.get("unit"):
                converted = self.convert(value, item["unit"], target, p)
                if converted is None:
                    continue
                value = converted
                ent.output_unit = self.kb.units[target]["symbol"]
            else:
                ent.output_unit = item.get("unit")
            total += value
        ent.output = total

    def _sector_product_unit(self) -> str | None:
        units = {p["unit"] for iri, p in self.kb.products.items() if self.kb.sector_of.get(iri) == self.sector and p["unit"]}
        return units.pop() if len(units) == 1 else None

    def read_process(self, ent: Enterprise, raw: Any, path: str) -> None:
        if not self._fields(raw, path, ("process",), PROCESS_FIELDS):
            return
        single = self._single  # names seen before resolve at once, without building their field path
        name = raw["process"]
        proc = (single.get(("process", name, False)) if isinstance(name, str) else None) \
            or self.resolve("process", name, f"{path}.process")
        if proc and self.kb.sector_of.get(proc) != self.sector:
            self.error(f"{path}.process", f"{raw['process']!r} is a process of another sector "
                                          f"({self.kb.label(self.kb.sector_of.get(proc, ''))['zh']}); "
                                          "a survey covers one sector (survey.md).")
            return
        techniques = raw.get("techniques") or []
        if not isinstance(techniques, list):
            techniques = [techniques]
        found = set()
        for k, name in enumerate(techniques):
            tech = single.get(("technique", name, True)) if isinstance(name, str) else None
            tech = tech or self.resolve("technique", name, f"{path}.techniques[{k}]", sector_only=True)
            if tech:
                found.add(tech)
                if proc and proc not in self.kb.technique_processes.get(tech, ()):
                    self.warn(f"{path}.techniques[{k}]", f"{name!r} is not listed for this process in the knowledge "
                                                         "base; it is kept and counted where rules look for it.")
        if proc:
            ent.processes.setdefault(proc, set()).update(found)
            ent.techniques.update(found)
            if self.read_complete(raw.get("complete"), f"{path}.complete"):
                ent.complete_processes.add(proc)

    def read_complete(self, value: Any, path: str) -> bool:
        """A 'this list names every technique in use' flag: absence from a complete list is evidence."""
        if value is None or isinstance(value, bool):
            return bool(value)
        if isinstance(value, str) and normalise(value) in _TRUE | _FALSE:
            return normalise(value) in _TRUE
        self.error(path, f"expected yes or no (是/否, true/false), got {value!r}: say whether this list names every "
                         "technique in use.")
        return False

    def read_indicator(self, ent: Enterprise, raw: Any, path: str) -> None:
        if not self._fields(raw, path, ("indicator", "value"), INDICATOR_FIELDS):
            return
        iri = self._single.get(("indicator", raw["indicator"], True)) if isinstance(raw["indicator"], str) else None
        iri = iri or self.resolve("indicator", raw["indicator"], f"{path}.indicator", sector_only=True)
        if iri is None:
            return
        ind = self.kb.indicators[iri]
        process = self.resolve("process", raw["process"], f"{path}.process") if raw.get("process") else None
        if not ind.quantitative:
            level = _LEVEL_WORDS.get(normalise(str(raw["value"])).replace("级", "").replace("level", ""), "?")
            if level == "?":
                self.error(f"{path}.value", "a qualitative indicator takes the level reached: I, II, III or none.")
                return
            ent.indicators.setdefault(iri, []).append((level, process))
            return
        value = self.number(raw["value"], f"{path}.value")
        if value is None:
            return
        value = self.convert(value, raw.get("unit"), ind.unit, path)
        if value is None:
            return
        if ind.unit and self.kb.units.get(ind.unit, {}).get("symbol") == "%" and value > 100:
            self.error(f"{path}.value", f"a share of {value:g} % is over 100 % (survey.md: shares over 100 % are errors).")
            return
        self._plausible(ind, value, path)
        ent.indicators.setdefault(iri, []).append((value, process))

    def _plausible(self, ind, value: float, path: str) -> None:
        values = [v for v in ind.benchmarks.values() if v > 0]
        if not values or value == 0:
            return
        if value > 10 * max(values) or value < min(values) / 10:
            self.warn(f"{path}.value", f"{value:g} is an order of magnitude off the benchmarks of "
                                       f"{ind.labels.zh} ({', '.join(f'{k}: {ind.benchmarks[k]:g}' for k in LEVELS if k in ind.benchmarks)}); "
                                       "check the value and its unit.")

    def read_material(self, ent: Enterprise, raw: Any, path: str) -> None:
        if not self._fields(raw, path, ("material",), MATERIAL_FIELDS):
            return
        iri = self.resolve("material", raw["material"], f"{path}.material", sector_only=True)
        value = self.number(raw["value"], f"{path}.value") if raw.get("value") is not None else None
        unit = self.check_unit(raw["unit"], f"{path}.unit") if raw.get("unit") else None
        props = {}
        for k, prop in enumerate(raw.get("properties") or []):
            p = f"{path}.properties[{k}]"
            if not self._fields(prop, p, ("property", "value"), PROPERTY_FIELDS):
                continue
            piri = self.resolve("property", prop["property"], f"{p}.property", sector_only=True)
            pval = self.number(prop["value"], f"{p}.value")
            if piri and pval is not None:
                props[piri] = (pval, prop.get("unit"))
        if iri:
            ent.materials[iri] = {"value": value, "unit": unit, "properties": props}

    def read_emission(self, ent: Enterprise, raw: Any, path: str) -> None:
        if not self._fields(raw, path, ("pollutant", "value", "unit"), EMISSION_FIELDS):
            return
        pollutant = self.resolve("pollutant", raw["pollutant"], f"{path}.pollutant")
        value = self.number(raw["value"], f"{path}.value")
        unit = self.check_unit(raw["unit"], f"{path}.unit")
        stage = raw.get("stage", "emitted")
        if stage not in STAGES:
            self.error(f"{path}.stage", "stage is generated (产生量) or emitted (排放量).")
            return
        if raw.get("o2_ref_pct") is not None:
            o2 = self.number(raw["o2_ref_pct"], f"{path}.o2_ref_pct")
            if o2 is not None and o2 > 21:
                self.error(f"{path}.o2_ref_pct", "reference oxygen content is a share of air, at most 21 %.")
        process = self.resolve("process", raw["process"], f"{path}.process") if raw.get("process") else None
        if pollutant and value is not None and unit:
            ent.emissions.append({"pollutant": pollutant, "value": value, "unit": unit, "stage": stage,
                                  "process": process})

    def read_stream(self, ent: Enterprise, raw: Any, path: str) -> None:
        if not self._fields(raw, path, ("direction", "resource", "value", "unit"), STREAM_FIELDS):
            return
        if raw["direction"] not in DIRECTIONS:
            self.error(f"{path}.direction", "direction is out (产出/余量) or in (需求).")
            return
        resource = self.resolve("resource", raw["resource"], f"{path}.resource")
        value = self.number(raw["value"], f"{path}.value")
        unit = self.check_unit(raw["unit"], f"{path}.unit")
        temp = self.number(raw["temperature_c"], f"{path}.temperature_c", allow_negative=True) \
            if raw.get("temperature_c") is not None else None
        if resource and "temperature_c" in self.kb.resources[resource]["needs"] and temp is None:
            self.warn(f"{path}.temperature_c", "this resource type needs a temperature to be matched.")
        if resource and value is not None and unit:
            ent.streams.append({"direction": raw["direction"], "resource": resource, "value": value, "unit": unit,
                                "temperature_c": temp, "fate": raw.get("fate"), "process": raw.get("process")})

    def read_fact(self, ent: Enterprise, key: Any, value: Any, path: str) -> None:
        iri = self.resolve("fact", str(key), path)
        if iri is None:
            return
        fact = self.kb.facts[iri]
        kind = fact["datatype"]
        if kind == "boolean":
            if isinstance(value, str) and normalise(value) in _TRUE | _FALSE:
                value = normalise(value) in _TRUE
            if not isinstance(value, bool):
                self.error(path, f"answer yes or no (true/false, 是/否), got {value!r}.")
                return
        elif kind == "number":
            value = self.number(value, path)
            if value is None:
                return
        elif kind == "choice":  # one choice, or several (a list, or text separated by 、 , ;)
            given = value if isinstance(value, list) else re.split(r"\s*[、,;，；]\s*", str(value).strip())
            chosen = [fact["choice_names"].get(normalise(str(v))) for v in given]
            if not given or None in chosen:
                self.error(path, f"answer one or more of {', '.join(fact['choices'])} (or their names), got {value!r}.")
                return
            value = tuple(sorted(set(chosen)))
        ent.facts[iri] = value


def level_name(level: str | None) -> str:
    return level if level in LEVELS else "below III"
