"""Model v2 fields of the knowledge sources (kb/README.md): economics and effects of measures, requirements
(limits), derived quantities, benchmark variants, weight rules, scenarios, technique status with its basis,
region/basin targets, and the `violates`, `context` and `quantity` conditions.

A mixin of the compiler: every method reports problems placed at file:line [entry] through `self._problem`
and emits RDF into the entry's graph, like the compiler's own special fields.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from functools import partial
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, SKOS, XSD

from . import source_format as fmt
from .formula import FormulaError, check_formula
from .place_names import resolve_place
from .namespaces import CPKB
from .yaml_source import line_of

LEVELS = ("I", "II", "III")


def _dec(value: float) -> Literal:
    text = format(value, "f").rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
    return Literal(text, datatype=XSD.decimal)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class ModelFields:
    """The special-field handlers of model v2; mixed into kb.compile.Compiler."""

    # ------------------------------------------------------------------ shared helpers

    def _check_keys(self, ctx, what: str, value: dict, allowed: set[str], line=None) -> bool:
        unknown = set(value) - allowed
        if unknown:
            self._problem(ctx, f"unknown field(s) {sorted(unknown)} in {what}; allowed: {sorted(allowed)}.",
                          line or line_of(value))
            return False
        return True

    def _date(self, ctx, key: str, value: Any, line=None) -> Literal | None:
        # xsd:dateTime, not xsd:date: HermiT accepts only the OWL 2 datatype map
        if isinstance(value, dt.date):
            return Literal(f"{value.isoformat()}T00:00:00", datatype=XSD.dateTime)
        if isinstance(value, int) and 1900 < value < 2200:  # a year alone: from its first day
            return Literal(f"{value}-01-01T00:00:00", datatype=XSD.dateTime)
        self._problem(ctx, f"`{key}` must be a date written YYYY-MM-DD (or a year), not {value!r}.", line)
        return None

    def _texts(self, ctx, node, prop, value: Any, what: str) -> None:
        for lang, text in self._lang_map(ctx, value, what).items():
            ctx.graph.add((node, prop, Literal(text, lang=lang)))

    def _range_or_value(self, ctx, node, item: dict, line, what: str, lo_prop=CPKB.minValue,
                        hi_prop=CPKB.maxValue) -> bool:
        """`value: x` or `range: [lo, hi]` of a mapping, as min/max (a single value sets both)."""
        if "range" in item:
            pair = self._range(ctx, f"{what}.range", item["range"], line)
            if pair is None:
                return False
        elif _number(item.get("value")):
            pair = (float(item["value"]), float(item["value"]))
        else:
            self._problem(ctx, f"{what} needs `value: number` or `range: [low, high]`.", line)
            return False
        ctx.graph.add((node, lo_prop, _dec(pair[0])))
        ctx.graph.add((node, hi_prop, _dec(pair[1])))
        return True

    # ------------------------------------------------------------------ (6) technique status with its basis

    def _special_status(self, ctx, iri: URIRef, key: str, value: Any) -> None:
        """`status: obsolete`, or a list of {status, document, clause, from, until, except, except_when, area,
        applies_when, sources, note}: which policy gives which status, where and since when."""
        if not isinstance(value, list):
            found = self._vocab(ctx, "TechniqueStatus", value, "status")
            if found is not None:
                ctx.graph.add((iri, CPKB.status, found))
            return
        if not value:
            self._problem(ctx, "`status` list is empty: give at least one {status, document, clause}.")
            return
        national = None
        for n, item in enumerate(value, 1):
            line = line_of(item)
            if not isinstance(item, dict):
                self._problem(ctx, "each `status` item is a mapping {status, document, clause, from, …}.", line)
                continue
            allowed = {"status", "document", "clause", "from", "until", "except", "except_when", "area",
                       "applies_when", "sources", "note"}
            self._check_keys(ctx, "a status item", item, allowed, line)
            node = URIRef(f"{iri}#status-{n}")
            g = ctx.graph
            status = self._vocab(ctx, "TechniqueStatus", item.get("status"), "status")
            doc = self._resolve(ctx, "source", item.get("document"), line) if "document" in item else None
            if "document" not in item:
                self._problem(ctx, "a `status` item needs the `document` that gives it (a source id).", line)
            if status is None:
                continue
            g.add((iri, CPKB.hasStatusBasis, node))
            g.add((node, RDF.type, CPKB.StatusAssertion))
            g.add((node, CPKB.status, status))
            if doc is not None:
                g.add((node, CPKB.document, doc))
            if item.get("clause") is not None:
                g.add((node, CPKB.clause, Literal(str(item["clause"]))))
            for k, prop in (("from", CPKB.validFrom), ("until", CPKB.validUntil)):
                if k in item:
                    date = self._date(ctx, k, item[k], line)
                    if date is not None:
                        g.add((node, prop, date))
            self._texts(ctx, node, CPKB.exception, item.get("except"), "except")
            self._texts(ctx, node, CPKB.areaText, item.get("area"), "area")
            self._texts(ctx, node, SKOS.note, item.get("note"), "note")
            for k, prop in (("except_when", CPKB.exceptWhen), ("applies_when", CPKB.appliesWhen)):
                if k in item:
                    root = URIRef(f"{node}-{k.replace('_', '-')}")
                    if self._condition(ctx, root, item[k], f"status[{n - 1}].{k}"):
                        g.add((node, prop, root))
            self._emit_sources(ctx, node, item.get("sources"))
            if national is None and "applies_when" not in item:
                national = status  # the status that holds everywhere: the technique's plain status
        # the plain status is the first one that holds without a local condition, else the first one
        first = national or self._vocab(ctx, "TechniqueStatus", value[0].get("status") if isinstance(value[0], dict)
                                        else None, "status")
        if first is not None:
            ctx.graph.add((iri, CPKB.status, first))

    # ------------------------------------------------------------------ (7) economics of measures

    def _special_money(self, ctx, iri: URIRef, key: str, value: Any) -> None:
        """investment (万元) and opex_change (万元/a): {range: [lo, hi], basis, sources, note}."""
        line = line_of(value)
        if not isinstance(value, dict):
            self._problem(ctx, f"`{key}` must be a mapping {{range: [low, high], basis: per-line, sources: […]}}.")
            return
        self._check_keys(ctx, f"`{key}`", value, {"range", "value", "basis", "sources", "note", "currency", "year",
                                                  "scale_by", "per"}, line)
        node = URIRef(f"{iri}#{key.replace('_', '-')}")
        g = ctx.graph
        if not self._range_or_value(ctx, node, value, line, f"`{key}`"):
            return
        basis = value.get("basis", "per-enterprise")
        if basis not in fmt.COST_BASES:
            self._problem(ctx, f"`{key}.basis` must be one of {', '.join(fmt.COST_BASES)}, not {basis!r}.", line)
            return
        currency = value.get("currency", "CNY")
        if currency not in fmt.CURRENCIES:
            self._problem(ctx, f"`{key}.currency` must be an ISO 4217 code of {', '.join(fmt.CURRENCIES)}, "
                          f"not {currency!r} (the figure is in 10^4 units of that currency, as the source gives it).",
                          line)
            return
        if key == "investment" and float(g.value(node, CPKB.minValue)) < 0:
            self._problem(ctx, "`investment` cannot be negative.", line)
        g.add((iri, CPKB.investment if key == "investment" else CPKB.opexChange, node))
        g.add((node, RDF.type, CPKB.CostItem))
        g.add((node, CPKB.costBasis, Literal(basis)))
        g.add((node, CPKB.currency, Literal(currency)))
        self._money_year(ctx, node, key, value, line)
        self._scale_by(ctx, node, key, value, basis, line)
        self._texts(ctx, node, SKOS.note, value.get("note"), "note")
        if not value.get("sources"):
            self._problem(ctx, f"`{key}` needs `sources` (the document that gives the figure).", line)
        self._emit_sources(ctx, node, value.get("sources"))

    def _money_year(self, ctx, node: URIRef, key: str, value: dict, line) -> None:
        """`year`: the price year of the source's figure (shown with it; never inflated)."""
        if "year" not in value:
            return
        year = value["year"]
        if isinstance(year, bool) or not isinstance(year, int) or not 1950 <= year <= 2100:
            self._problem(ctx, f"`{key}.year` must be the price year as a whole number (e.g. 2015), not {year!r}.", line)
            return
        ctx.graph.add((node, CPKB.priceYear, Literal(year, datatype=XSD.integer)))

    def _scale_by(self, ctx, node: URIRef, key: str, value: dict, basis: str, line) -> None:
        """`scale_by: FACT` (a capacity basis, or the activity basis, which requires it) and `per: UNIT` (the unit
        one figure is per: of the activity fact, or of the product for per-output)."""
        if basis == fmt.ACTIVITY_BASIS and "scale_by" not in value:
            self._problem(ctx, f"`{key}.basis: per-activity` needs `scale_by: FACT`, the survey fact whose figure "
                          "scales it (e.g. scale_by: exhaust-gas-flow, per: wan-m3-per-h for 万元 per 10⁴ m³/h of "
                          "gas treated; a count fact such as electrolytic-cells needs no `per`).", line)
            return
        if "per" in value and basis not in fmt.PER_UNIT_BASES:
            self._problem(ctx, f"`{key}.per` (the unit one figure is per) is only for the bases "
                          f"{', '.join(fmt.PER_UNIT_BASES)}, not {basis!r}.", line)
            return
        per = self._resolve(ctx, "unit", value["per"], line) if "per" in value else None
        if "per" in value and per is None:
            return
        if per is not None:
            ctx.graph.add((node, CPKB.basisUnit, per))
        if basis == "per-output" and per is not None and ctx.sector is not None:
            self._deferred.append(partial(self._check_output_per, replace(ctx), key, value["per"], line))
        if "scale_by" not in value:
            return
        if basis not in fmt.CAPACITY_BASIS_UNITS and basis != fmt.ACTIVITY_BASIS:
            self._problem(ctx, f"`{key}.scale_by` is only for the capacity bases "
                          f"{', '.join(fmt.CAPACITY_BASIS_UNITS)} and for per-activity, not {basis!r}.", line)
            return
        fact = self._resolve(ctx, "fact", value["scale_by"], line)
        if fact is not None:
            ctx.graph.add((node, CPKB.scaleBy, fact))
            if basis == fmt.ACTIVITY_BASIS:   # the fact's unit is known only once every file is emitted
                self._deferred.append(partial(self._check_activity_fact, replace(ctx), key, value, fact, line))

    def _check_activity_fact(self, ctx, key: str, value: dict, fact: URIRef, line) -> None:
        """The activity fact is a number; `per` is given exactly when it has a unit, and converts to that unit."""
        name = value["scale_by"]
        if str(self._graph_value(fact, CPKB.datatype) or "") != "number":
            self._problem(ctx, f"`{key}.scale_by: {name}` must name a number fact (a flow, a count, a tonnage); "
                          "it is not one.", line)
            return
        unit = self._graph_value(fact, CPKB.unit)
        if unit is None or self._unit_expression_of(unit) == "dimensionless":
            if "per" in value:
                self._problem(ctx, f"`{key}.per`: {name!r} is a count without a unit, so the figure is per one "
                              "counted; drop `per`.", line)
            return
        if "per" not in value:
            self._problem(ctx, f"`{key}` per-activity on {name!r} needs `per: UNIT`, the unit one figure is per "
                          f"(a unit of {self._graph_value(unit, CPKB.key) or unit}, e.g. wan-m3-per-h).", line)
            return
        self._check_convertible(ctx, key, value["per"], self._unit_expression_of(unit), f"the unit of {name!r}", line)

    def _check_output_per(self, ctx, key: str, per: str, line) -> None:
        self._check_convertible(ctx, key, per, self._product_unit(ctx), "the sector's product unit", line)

    def _check_convertible(self, ctx, key: str, per: str, target: str | None, what: str, line) -> None:
        source = self._unit_expression(per)
        if source is None or target is None:
            return
        try:
            self._unit_registry().Quantity(1, source).to(target)
        except Exception:  # noqa: BLE001 - pint raises several kinds for a unit of another dimension
            self._problem(ctx, f"`{key}.per: {per}` cannot be converted to {what} ({target}); give a unit of "
                          "the same kind.", line)

    def _special_savings(self, ctx, iri: URIRef, key: str, value: Any) -> None:
        """Physical savings per basis: [{consumption, range | value, unit, basis, sources}]; valued at the
        prices of the settings by the engine."""
        if not isinstance(value, list):
            self._problem(ctx, "`savings` must be a list of {consumption, range, unit, basis, sources}.")
            return
        for n, item in enumerate(value, 1):
            line = line_of(item)
            if not isinstance(item, dict):
                self._problem(ctx, "each saving is a mapping {consumption, range, unit, basis, sources}.", line)
                continue
            self._check_keys(ctx, "a saving", item, {"consumption", "range", "value", "unit", "basis", "sources",
                                                     "note", "enthalpy", "scale_by", "per"}, line)
            node = URIRef(f"{iri}#saving-{n}")
            target = self._resolve(ctx, "consumption", item.get("consumption"), line)
            unit = self._resolve(ctx, "unit", item.get("unit"), line)
            if target is None or unit is None or not self._range_or_value(ctx, node, item, line, "a saving"):
                continue
            basis = item.get("basis", "per-enterprise")
            if basis not in fmt.COST_BASES:
                self._problem(ctx, f"saving `basis` must be one of {', '.join(fmt.COST_BASES)}.", line)
                continue
            g = ctx.graph
            g.add((iri, CPKB.hasSaving, node))
            g.add((node, RDF.type, CPKB.Saving))
            g.add((node, CPKB.onConsumption, target))
            g.add((node, CPKB.unit, unit))
            g.add((node, CPKB.costBasis, Literal(basis)))
            self._scale_by(ctx, node, "saving", item, basis, line)
            if "enthalpy" in item:   # the source's own steam enthalpy, GJ per tonne, for a saving in t/a of steam
                if item.get("unit") != fmt.STEAM_MASS_UNIT:
                    self._problem(ctx, f"a saving's `enthalpy` (GJ per tonne of steam) goes only with unit "
                                  f"{fmt.STEAM_MASS_UNIT}.", line)
                elif not _number(item["enthalpy"]) or not 0.1 <= float(item["enthalpy"]) <= 5:
                    self._problem(ctx, "a saving's `enthalpy` is the source's GJ per tonne of steam, a number "
                                  f"between 0.1 and 5, not {item['enthalpy']!r}.", line)
                else:
                    g.add((node, CPKB.steamEnthalpy, _dec(float(item["enthalpy"]))))
            self._texts(ctx, node, SKOS.note, item.get("note"), "note")
            if not item.get("sources"):
                self._problem(ctx, "a saving needs `sources`.", line)
            self._emit_sources(ctx, node, item.get("sources"))

    def _special_requires(self, ctx, iri: URIRef, key: str, value: Any) -> None:
        """What must exist first: measure ids, or {technique: T} / {measure: M}."""
        for item in value if isinstance(value, list) else [value]:
            line = line_of(item)
            if isinstance(item, str):
                item = {"measure": item}
            kinds = ("measure", "shared_measure", "technique")
            if not isinstance(item, dict) or len(item) != 1 or next(iter(item)) not in kinds:
                self._problem(ctx, "`requires` items are measure ids or {technique: id} / {measure: id} / "
                              "{shared_measure: id}.", line)
                continue
            (kind, ref), = item.items()
            if kind == "shared_measure" or (kind == "measure" and ctx.sector is None):
                kind = "shared-measure"   # in kb/shared/measures.yaml a measure id is a shared measure
            target = self._resolve(ctx, kind, ref, line)
            if target is not None:
                ctx.graph.add((iri, CPKB.requiresTechnique if kind == "technique" else CPKB.requiresMeasure, target))

    def _effect_v2(self, ctx, node: URIRef, effect: dict, on: str, line) -> bool:
        """mode (relative | target | absolute) and acts_on (generated | emitted) of one effect."""
        g = ctx.graph
        mode = effect.get("mode", "target" if "level" in effect else "absolute" if "amount" in effect else "relative")
        if mode not in fmt.EFFECT_MODES:
            self._problem(ctx, f"effect `mode` must be one of {', '.join(fmt.EFFECT_MODES)}.", line)
            return False
        g.add((node, CPKB.effectMode, Literal(mode)))
        if "acts_on" in effect or on == "pollutant":
            acts = effect.get("acts_on", "emitted")
            if acts not in fmt.EMISSION_STAGES:
                self._problem(ctx, "effect `acts_on` must be generated or emitted.", line)
                return False
            g.add((node, CPKB.actsOn, Literal(acts)))
        if mode == "relative":
            pair = self._range(ctx, "change", effect.get("change"), line)
            if pair is None:
                return False
            g.add((node, CPKB.minChangePct, _dec(pair[0])))
            g.add((node, CPKB.maxChangePct, _dec(pair[1])))
            return True
        if mode == "target":
            if on != "indicator":
                self._problem(ctx, "an effect with `mode: target` acts on an indicator (bring it to a level).", line)
                return False
            level = self._vocab(ctx, "Level", effect.get("level"), "level")
            if level is None:
                return False
            g.add((node, CPKB.targetLevel, level))
            return True
        pair = self._range(ctx, "amount", effect.get("amount"), line)
        unit = self._resolve(ctx, "unit", effect.get("unit"), line)
        if pair is None or unit is None:
            return False
        g.add((node, CPKB.minAmount, _dec(pair[0])))
        g.add((node, CPKB.maxAmount, _dec(pair[1])))
        g.add((node, CPKB.unit, unit))
        return True

    # ------------------------------------------------------------------ (3) requirements (limits)

    def _special_applies_to(self, ctx, iri: URIRef, key: str, value: Any) -> None:
        """[new, existing] or [{enterprises: new, from: …, until: …}, …]."""
        for n, item in enumerate(value if isinstance(value, list) else [value], 1):
            line = line_of(item)
            if isinstance(item, str):
                item = {"enterprises": item}
            if not isinstance(item, dict) or item.get("enterprises") not in fmt.SOURCE_AGES:
                self._problem(ctx, "`applies_to` items are new | existing, or {enterprises: new|existing, from: "
                              "YYYY-MM-DD, until: YYYY-MM-DD}.", line)
                continue
            self._check_keys(ctx, "an applies_to item", item, {"enterprises", "from", "until"}, line)
            node = URIRef(f"{iri}#period-{n}")
            g = ctx.graph
            g.add((iri, CPKB.appliesTo, node))
            g.add((node, RDF.type, CPKB.ApplicabilityPeriod))
            g.add((node, CPKB.sourceAge, Literal(item["enterprises"])))
            for k, prop in (("from", CPKB.validFrom), ("until", CPKB.validUntil)):
                if k in item:
                    date = self._date(ctx, k, item[k], line)
                    if date is not None:
                        g.add((node, prop, date))

    def _special_places(self, ctx, iri: URIRef, key: str, value: Any) -> None:
        """`places: [浙江省, 江苏省无锡市]`: the provinces, cities or counties where a local standard binds, each
        checked against GB/T 2260 (kb/place_names.py) and kept with its division code."""
        if not isinstance(value, list) or not value:
            self._problem(ctx, "`places` is a non-empty list of provinces, cities or counties written in full, "
                          "e.g. [浙江省] or [江苏省无锡市, 江苏省常州市].", line_of(value))
            return
        for n, name in enumerate(value, 1):
            prefix, problem = resolve_place(name)
            if problem:
                self._problem(ctx, f"`places` item {n}: {problem}", line_of(value))
                continue
            node = URIRef(f"{iri}#place-{prefix}")
            ctx.graph.add((iri, CPKB.appliesInPlace, node))
            ctx.graph.add((node, RDF.type, CPKB.AdministrativePlace))
            ctx.graph.add((node, CPKB.placeName, Literal(name.strip(), lang="zh")))
            ctx.graph.add((node, CPKB.divisionCode, Literal(prefix)))

    def _special_limits(self, ctx, iri: URIRef, key: str, value: Any) -> None:
        """The limits of a requirement set: [{pollutant | quantity | indicator, where, value | range, unit,
        o2_ref_pct, averaging, process, clause, applies_when, note}]."""
        if not isinstance(value, list) or not value:
            self._problem(ctx, "`limits` must be a non-empty list of {pollutant, where, value, unit, …}.")
            return
        seen: set[str] = set()
        for n, item in enumerate(value, 1):
            line = line_of(item)
            if not isinstance(item, dict):
                self._problem(ctx, "each limit is a mapping {pollutant, where, value, unit, …}.", line)
                continue
            allowed = {"id", "pollutant", "quantity", "indicator", "where", "value", "range", "unit", "o2_ref_pct",
                       "averaging", "process", "clause", "applies_when", "note", "sources"}
            if not self._check_keys(ctx, "a limit", item, allowed, line):
                continue
            subjects = [k for k in ("pollutant", "quantity", "indicator") if k in item]
            if len(subjects) != 1:
                self._problem(ctx, "a limit names exactly one subject: pollutant, quantity (a derived quantity) or "
                              "indicator.", line)
                continue
            subject_kind = {"quantity": "derived"}.get(subjects[0], subjects[0])
            target = self._resolve(ctx, subject_kind, item[subjects[0]], line)
            ident = str(item.get("id") or f"{item.get(subjects[0])}-{n}")
            if ident in seen:
                self._problem(ctx, f"two limits of one set share the id {ident!r}; give `id:` to tell them apart.", line)
                continue
            seen.add(ident)
            node = URIRef(f"{iri}#limit-{ident}")
            g = ctx.graph
            unit = self._resolve(ctx, "unit", item.get("unit"), line) if "unit" in item else None
            if "unit" not in item and subjects[0] != "pollutant" or ("unit" not in item and "range" not in item):
                if "unit" not in item and not (subjects[0] == "pollutant" and "range" in item):
                    self._problem(ctx, "a limit needs its `unit` (a unit id, e.g. mg-per-L).", line)
                    continue
            if target is None or not self._range_or_value(ctx, node, item, line, "a limit"):
                continue
            g.add((iri, CPKB.hasLimit, node))
            g.add((node, RDF.type, CPKB.Requirement))
            g.add((node, CPKB.key, Literal(ident)))
            g.add((node, CPKB.requirementSet, iri))
            g.add((node, {"pollutant": CPKB.pollutant, "quantity": CPKB.quantity,
                          "indicator": CPKB.indicator}[subjects[0]], target))
            if unit is not None:
                g.add((node, CPKB.unit, unit))
            if "where" in item:
                point = self._vocab(ctx, "MonitoringPoint", item["where"], "where")
                if point is not None:
                    g.add((node, CPKB.monitoringPoint, point))
            else:
                self._problem(ctx, "a limit needs `where` (workshop-outlet, total-outlet, stack, boundary, "
                              "in-plant or process).", line)
            if "o2_ref_pct" in item:
                o2 = item["o2_ref_pct"]
                if not _number(o2) or not 0 <= o2 < 21:
                    self._problem(ctx, "`o2_ref_pct` is the reference oxygen content in %, from 0 to below 21.", line)
                else:
                    g.add((node, CPKB.o2RefPct, _dec(o2)))
            if "averaging" in item:
                avg = self._vocab(ctx, "Averaging", item["averaging"], "averaging")
                if avg is not None:
                    g.add((node, CPKB.averaging, avg))
            if "process" in item:
                proc = self._resolve(ctx, "process", item["process"], line)
                if proc is not None:
                    g.add((node, CPKB.inProcess, proc))
            if item.get("clause") is not None:
                g.add((node, CPKB.clause, Literal(str(item["clause"]))))
            if "applies_when" in item:
                root = URIRef(f"{node}-applies")
                if self._condition(ctx, root, item["applies_when"], f"limits[{n - 1}].applies_when"):
                    g.add((node, CPKB.appliesWhen, root))
            self._texts(ctx, node, SKOS.note, item.get("note"), "note")
            self._emit_sources(ctx, node, item.get("sources"))

    # ------------------------------------------------------------------ (4) derived quantities

    def _special_gives(self, ctx, iri: URIRef, key: str, value: Any) -> None:
        """What a derived quantity fills in when the survey lacks it: {indicator: I} | {fact: F} |
        {emission: {pollutant: X, stage: emitted}}."""
        line = line_of(value)
        if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) not in ("indicator", "fact", "emission"):
            self._problem(ctx, "`gives` is {indicator: id}, {fact: id} or {emission: {pollutant: id, stage: …}}.", line)
            return
        (kind, ref), = value.items()
        if kind == "emission":
            if not isinstance(ref, dict) or "pollutant" not in ref:
                self._problem(ctx, "`gives.emission` needs {pollutant: id, stage: generated|emitted}.", line)
                return
            target = self._resolve(ctx, "pollutant", ref["pollutant"], line)
            stage = ref.get("stage", "emitted")
            if stage not in fmt.EMISSION_STAGES:
                self._problem(ctx, "`gives.emission.stage` must be generated or emitted.", line)
                return
            if target is not None:
                ctx.graph.add((iri, CPKB.givesPollutant, target))
                ctx.graph.add((iri, CPKB.emissionStage, Literal(stage)))
            return
        target = self._resolve(ctx, kind, ref, line)
        if target is not None:
            ctx.graph.add((iri, CPKB.givesIndicator if kind == "indicator" else CPKB.givesFact, target))

    def _special_typical(self, ctx, iri: URIRef, key: str, value: Any) -> None:
        """`typical: [{property: P, value: n, unit: U, sources: […]}]`: a typical value of the material's property that
        a source gives (a thinner is wholly volatile); used only where the survey gives none, and shown as taken."""
        if not isinstance(value, list) or not value:
            self._problem(ctx, "`typical` is a list of {property: id, value: n, unit: id, sources: […]}.", line_of(value))
            return
        g = ctx.graph
        for n, item in enumerate(value, 1):
            line = line_of(item)
            if not isinstance(item, dict) or not {"property", "value", "unit", "sources"} <= set(item):
                self._problem(ctx, "each typical value needs property, value, unit and sources.", line)
                continue
            if not self._check_keys(ctx, "a typical value", item, {"property", "value", "unit", "sources", "note"}, line):
                continue
            prop, unit = self._resolve(ctx, "property", item["property"], line), self._resolve(ctx, "unit", item["unit"], line)
            if prop is None or unit is None:
                continue
            if not _number(item["value"]):
                self._problem(ctx, "a typical value's `value` must be a number.", line)
                continue
            node = URIRef(f"{iri}#typical-{n}")
            g.add((iri, CPKB.hasTypical, node))
            g.add((node, RDF.type, CPKB.TypicalValue))
            g.add((node, CPKB.property, prop))
            g.add((node, CPKB.value, _dec(item["value"])))
            g.add((node, CPKB.unit, unit))
            self._texts(ctx, node, SKOS.note, item.get("note"), "note")
            self._emit_sources(ctx, node, item["sources"])

    def _special_bound(self, ctx, iri: URIRef, key: str, value: Any) -> None:
        """`bound: lower | upper`: the formula gives a floor (or ceiling) of its target, not the target itself, so
        it never fills the target in; a reported figure past the bound by more than `tolerance` is queried."""
        entry = ctx.data or {}
        if value not in ("lower", "upper"):
            self._problem(ctx, "`bound` is lower (the formula gives at least the target) or upper (at most).", line_of(value))
            return
        if "gives" not in entry or "emission" in (entry.get("gives") or {}):
            self._problem(ctx, "a `bound` needs `gives: {indicator: I}` or `{fact: F}`: the figure it bounds.")
            return
        ctx.graph.add((iri, CPKB.bound, Literal(value)))

    def _special_inputs(self, ctx, iri: URIRef, key: str, value: Any) -> None:
        """Checked together with the formula (see _special_formula)."""
        if not isinstance(value, dict) or not value:
            self._problem(ctx, "`inputs` maps each name of the formula to {fact: F} | {indicator: I} | "
                          "{output: true} | {emission: {pollutant: X, stage: …}, unit: U} | {value: n, unit: U} | "
                          "{materials: {M: share, …}, unit: U}.")

    def _special_formula(self, ctx, iri: URIRef, key: str, value: Any) -> None:
        entry = ctx.data or {}
        inputs = entry.get("inputs")
        if not isinstance(value, str) or not isinstance(inputs, dict):
            if not isinstance(value, str):
                self._problem(ctx, "`formula` must be a text such as `volume / area / rinses`.")
            return
        g = ctx.graph
        units: dict[str, str] = {}
        ok = True
        for name, spec in inputs.items():
            line = line_of(spec)
            node = URIRef(f"{iri}#input-{name}")
            unit_expr = self._input(ctx, node, str(name), spec, line)
            if unit_expr is None:
                ok = False
                continue
            units[str(name)] = unit_expr
            g.add((iri, CPKB.hasInput, node))
        result_unit = self._unit_expression(entry.get("unit"))
        if not ok or result_unit is None:
            return
        try:
            check_formula(value, units, result_unit, self._unit_registry())
        except FormulaError as exc:
            self._problem(ctx, f"formula {value!r}: {exc}")
            return
        g.add((iri, CPKB.formula, Literal(value)))

    def _input(self, ctx, node: URIRef, name: str, spec: Any, line) -> str | None:
        """Emit one input of a formula; the pint expression of its unit, or None after a placed problem."""
        g = ctx.graph
        if not isinstance(spec, dict):
            self._problem(ctx, f"input {name!r} must be a mapping such as {{fact: annual-rinse-water}}.", line)
            return None
        if not name.isidentifier():
            self._problem(ctx, f"input name {name!r} must be a plain name (letters, digits, _).", line)
            return None
        g.add((node, RDF.type, CPKB.FormulaInput))
        g.add((node, CPKB.inputName, Literal(name)))
        if "label" in spec:   # how a constant or a sum of materials is named to readers
            label = spec["label"]
            if not isinstance(label, dict) or not {"zh", "en"} <= set(label):
                self._problem(ctx, f"input {name!r}: `label` is {{zh: …, en: …}}.", line)
                return None
            for lang in ("zh", "en"):
                g.add((node, SKOS.prefLabel, Literal(str(label[lang]), lang=lang)))
        explicit = self._unit_expression(spec["unit"]) if "unit" in spec else None
        if "unit" in spec:
            unit = self._resolve(ctx, "unit", spec["unit"], line)
            if unit is None:
                return None
            g.add((node, CPKB.unit, unit))
        kinds = [k for k in ("fact", "indicator", "output", "emission", "value", "materials", "lines") if k in spec]
        unknown = set(spec) - {"fact", "indicator", "output", "emission", "value", "materials", "lines", "unit",
                               "label", "if_absent"}
        if unknown:
            self._problem(ctx, f"input {name!r}: unknown field(s) {', '.join(sorted(map(str, unknown)))}.", line)
            return None
        if len(kinds) != 1:
            self._problem(ctx, f"input {name!r} takes exactly one of fact, indicator, output, emission, value, "
                          "materials, lines.", line)
            return None
        kind = kinds[0]
        if "if_absent" in spec:   # a removal the survey may not record: absent counts 0, the result an upper bound
            if spec["if_absent"] != "upper" or kind not in ("fact", "indicator"):
                self._problem(ctx, f"input {name!r}: `if_absent: upper` (an absent fact or indicator counts 0 and "
                              "makes the result an upper bound) is the only form.", line)
                return None
            g.add((node, CPKB.ifAbsent, Literal("upper")))
        if kind == "materials":
            return self._materials_input(ctx, node, name, spec, explicit, line)
        if kind == "lines":
            return self._lines_input(ctx, node, name, spec, explicit, line)
        if kind == "value":
            if not _number(spec["value"]):
                self._problem(ctx, f"input {name!r}: `value` must be a number.", line)
                return None
            g.add((node, CPKB.value, _dec(spec["value"])))
            return explicit or "dimensionless"
        if kind == "output":
            g.add((node, CPKB.fromOutput, Literal(True)))
            product_unit = self._product_unit(ctx)
            if explicit:
                return explicit
            if product_unit is None:
                self._problem(ctx, f"input {name!r}: the sector's product has no unit; give `unit:`.", line)
                return None
            return f"({product_unit}) / year"  # output is annual
        if kind == "emission":
            em = spec["emission"]
            if not isinstance(em, dict) or "pollutant" not in em or not explicit:
                self._problem(ctx, f"input {name!r}: an emission input is {{emission: {{pollutant: X, stage: …}}, "
                              "unit: U}} (the unit picks concentration or load).", line)
                return None
            target = self._resolve(ctx, "pollutant", em["pollutant"], line)
            if target is None:
                return None
            g.add((node, CPKB.pollutant, target))
            g.add((node, CPKB.emissionStage, Literal(em.get("stage", "emitted"))))
            return explicit
        target = self._resolve(ctx, kind, spec[kind], line)
        if target is None:
            return None
        g.add((node, CPKB.fact if kind == "fact" else CPKB.indicator, target))
        if explicit:
            return explicit
        unit = self._graph_value(target, CPKB.unit)
        if unit is None:
            if kind == "fact" and str(self._graph_value(target, CPKB.datatype) or "") == "number":
                return "dimensionless"
            self._problem(ctx, f"input {name!r}: {spec[kind]!r} has no unit; give `unit:`.", line)
            return None
        return self._unit_expression_of(unit)

    def _lines_input(self, ctx, node: URIRef, name: str, spec: dict, explicit: str | None, line) -> str | None:
        """`{lines: {of: P, materials: [M, …]}, unit: U}`: each survey material line's annual amount times its own
        content of pollutant P, summed; the materials listed (or narrower ones) must have a content, from the survey
        or a typical value of the knowledge base, else the sum is not computable."""
        spec_lines = spec["lines"]
        if not isinstance(spec_lines, dict) or set(spec_lines) != {"of", "materials"} or not explicit or \
                not isinstance(spec_lines["materials"], list) or not spec_lines["materials"]:
            self._problem(ctx, f"input {name!r}: a lines input is {{lines: {{of: pollutant, materials: [M, …]}}, "
                          "unit: U}, U a mass per year.", line)
            return None
        g = ctx.graph
        pollutant = self._resolve(ctx, "pollutant", spec_lines["of"], line)
        if pollutant is None:
            return None
        g.add((node, CPKB.linesOf, pollutant))
        for material in spec_lines["materials"]:
            target = self._resolve(ctx, "material", material, line)
            if target is None:
                return None
            g.add((node, CPKB.material, target))
        return explicit

    def _materials_input(self, ctx, node: URIRef, name: str, spec: dict, explicit: str | None, line) -> str | None:
        """`{materials: {M: share, …}, unit: U}`: the annual amounts of the materials bought, each times the share of
        it that counts (the zinc in zinc chloride), summed: a metal balance's input side."""
        parts = spec["materials"]
        if not isinstance(parts, dict) or not parts or not explicit:
            self._problem(ctx, f"input {name!r}: a materials input is {{materials: {{M: share, …}}, unit: U}}, each "
                          "share a number in (0, 1] (the part of the material that counts), U a mass per year.", line)
            return None
        g = ctx.graph
        for k, (material, share) in enumerate(parts.items(), 1):
            if not _number(share) or not 0 < float(share) <= 1:
                self._problem(ctx, f"input {name!r}: the share of {material!r} must be a number in (0, 1].", line)
                return None
            target = self._resolve(ctx, "material", material, line)
            if target is None:
                return None
            part = URIRef(f"{node}-part-{k}")
            g.add((node, CPKB.hasPart, part))
            g.add((part, RDF.type, CPKB.InputPart))
            g.add((part, CPKB.material, target))
            g.add((part, CPKB.share, _dec(share)))
        return explicit

    # ------------------------------------------------------------------ (1) benchmark variants, (2) weights, (8)

    def _benchmark_variants(self, ctx, iri: URIRef, value: list) -> None:
        """`benchmarks: [{applies_when, label, I, II, III}]`: the variant that fits an enterprise is used."""
        for n, item in enumerate(value, 1):
            line = line_of(item)
            if not isinstance(item, dict) or "applies_when" not in item:
                self._problem(ctx, "each benchmark variant is {applies_when: condition, label: {zh, en}, I, II, III}.",
                              line)
                continue
            self._check_keys(ctx, "a benchmark variant", item, {"applies_when", "label", "I", "II", "III", "note",
                                                                 "sources"}, line)
            node = URIRef(f"{iri}#variant-{n}")
            g = ctx.graph
            root = URIRef(f"{node}-when")
            if not self._condition(ctx, root, item["applies_when"], f"benchmarks[{n - 1}].applies_when"):
                continue
            g.add((iri, CPKB.hasVariant, node))
            g.add((node, RDF.type, CPKB.BenchmarkVariant))
            g.add((node, CPKB.appliesWhen, root))
            g.add((node, CPKB.order, Literal(n, datatype=XSD.integer)))
            self._texts(ctx, node, SKOS.prefLabel, item.get("label"), "label")
            if not item.get("label"):
                self._problem(ctx, "a benchmark variant needs a `label` {zh, en} saying which case it is.", line)
            numbers = {}
            for level in LEVELS:
                number = item.get(level)
                if number is None:
                    continue
                if not _number(number):
                    self._problem(ctx, f"benchmark {level} of a variant must be a number.", line)
                    continue
                numbers[level] = number
                bench = URIRef(f"{node}-level-{level}")
                g.add((node, CPKB.hasBenchmark, bench))
                g.add((bench, RDF.type, CPKB.Benchmark))
                g.add((bench, CPKB.level, self.vocab["Level"][level]))
                g.add((bench, CPKB.value, _dec(number)))
            if not numbers:
                self._problem(ctx, "a benchmark variant gives no level value.", line)
            self._check_monotonic(ctx, numbers)
            self._emit_sources(ctx, node, item.get("sources"))

    def _special_weight_rule(self, ctx, iri: URIRef, key: str, value: Any) -> None:
        """{split: 0.8, among: group}: the weight shared equally among the applicable indicators of the group
        (0.8/n); {split: 0.8, among: group, by: output-share}: shared by each indicator's product output share."""
        line = line_of(value)
        if not isinstance(value, dict) or not _number(value.get("split")) or not isinstance(value.get("among"), str):
            self._problem(ctx, "`weight_rule` is {split: 0.8, among: group-name} (optionally by: output-share).", line)
            return
        self._check_keys(ctx, "`weight_rule`", value, {"split", "among", "by"}, line)
        if not 0 < value["split"] <= 1:
            self._problem(ctx, "`weight_rule.split` is the group's share of its category, above 0 and at most 1.", line)
            return
        by = value.get("by", "equal")
        if by not in ("equal", "output-share"):
            self._problem(ctx, "`weight_rule.by` is equal or output-share.", line)
            return
        if by == "output-share" and "product" not in (ctx.data or {}):
            self._problem(ctx, "`weight_rule.by: output-share` needs the indicator's `product`.", line)
        g = ctx.graph
        g.add((iri, CPKB.weightSplit, _dec(value["split"])))
        g.add((iri, CPKB.weightGroup, Literal(value["among"])))
        g.add((iri, CPKB.weightBy, Literal(by)))

    def _special_scenario(self, ctx, iri: URIRef, key: str, value: Any) -> None:
        """{saves: {consumption | pollutant: id}, per: output | material: M, unit: U}: what bringing the
        indicator to a level saves, per enterprise; see diagnostics/scenarios.py for the formulas."""
        line = line_of(value)
        if not isinstance(value, dict) or not isinstance(value.get("saves"), dict):
            self._problem(ctx, "`scenario` is {saves: {consumption: id} | {pollutant: id}, per: output | "
                          "{material: id}, unit: U}.", line)
            return
        self._check_keys(ctx, "`scenario`", value, {"saves", "per", "times", "unit"}, line)
        g = ctx.graph
        saves = value["saves"]
        kinds = [k for k in ("consumption", "pollutant", "material") if k in saves]
        if len(kinds) != 1:
            self._problem(ctx, "`scenario.saves` names one consumption, pollutant or material.", line)
            return
        target = self._resolve(ctx, kinds[0], saves[kinds[0]], line)
        unit = self._resolve(ctx, "unit", value.get("unit"), line)
        per = value.get("per", "output")
        if target is None or unit is None:
            return
        node = URIRef(f"{iri}#scenario")
        g.add((iri, CPKB.hasScenario, node))
        g.add((node, RDF.type, CPKB.ScenarioBasis))
        g.add((node, CPKB.savesTarget, target))
        g.add((node, CPKB.unit, unit))
        if "times" in value:  # a multiplier of the intensity, e.g. rinses per part for water per m² per rinse
            times = value["times"]
            fact = self._resolve(ctx, "fact", times.get("fact") if isinstance(times, dict) else None, line)
            if fact is None:
                self._problem(ctx, "`scenario.times` is {fact: id} (a number the saving is multiplied by).", line)
            else:
                g.add((node, CPKB.timesFact, fact))
        if per == "output":
            g.add((node, CPKB.perOutput, Literal(True)))
        elif isinstance(per, dict) and "material" in per:
            material = self._resolve(ctx, "material", per["material"], line)
            if material is not None:
                g.add((node, CPKB.material, material))
        else:
            self._problem(ctx, "`scenario.per` is output or {material: id}.", line)

    # ------------------------------------------------------------------ (5) targets of regions and basins

    def _special_targets(self, ctx, iri: URIRef, key: str, value: Any) -> None:
        """[{pollutant, reduction_pct, baseline_year, by_year, sources, note}] of a region or basin."""
        if not isinstance(value, list):
            self._problem(ctx, "`targets` must be a list of {pollutant, reduction_pct, baseline_year, by_year, sources}.")
            return
        for n, item in enumerate(value, 1):
            line = line_of(item)
            if not isinstance(item, dict):
                self._problem(ctx, "each target is a mapping.", line)
                continue
            self._check_keys(ctx, "a target", item, {"pollutant", "reduction_pct", "baseline_year", "by_year",
                                                     "sources", "note"}, line)
            pollutant = self._resolve(ctx, "pollutant", item.get("pollutant"), line)
            if pollutant is None:
                continue
            node = URIRef(f"{iri}#target-{n}")
            g = ctx.graph
            g.add((iri, CPKB.hasTarget, node))
            g.add((node, RDF.type, CPKB.ReductionTarget))
            g.add((node, CPKB.pollutant, pollutant))
            if _number(item.get("reduction_pct")):
                g.add((node, CPKB.reductionPct, _dec(item["reduction_pct"])))
            for k, prop in (("baseline_year", CPKB.baselineYear), ("by_year", CPKB.byYear)):
                if isinstance(item.get(k), int):
                    g.add((node, prop, Literal(item[k], datatype=XSD.integer)))
            self._texts(ctx, node, SKOS.note, item.get("note"), "note")
            if not item.get("sources"):
                self._problem(ctx, "a target needs `sources` (the document and clause that set it).", line)
            self._emit_sources(ctx, node, item.get("sources"))

    # ------------------------------------------------------------------ conditions: violates, context, quantity

    def _v2_condition(self, ctx, node: URIRef, op: str, arg: Any, path: str, line) -> bool:
        g = ctx.graph
        if not isinstance(arg, dict):
            self._problem(ctx, f"`{op}` at `{path}` needs a mapping of fields (see kb/README.md).", line)
            return False
        line = line_of(arg, line)
        if op == "violates":
            if not self._check_keys(ctx, f"`violates` at `{path}`", arg, {"requirement", "pollutant", "quantity"}, line):
                return False
            target = self._resolve(ctx, "requirement", arg.get("requirement"), line)
            if target is None:
                return False
            g.add((node, RDF.type, CPKB.ViolatesCondition))
            g.add((node, CPKB.requirementSet, target))
            for ref in arg.get("pollutant", []) if isinstance(arg.get("pollutant"), list) else \
                    ([arg["pollutant"]] if "pollutant" in arg else []):
                found = self._resolve(ctx, "pollutant", ref, line)
                if found is None:
                    return False
                g.add((node, CPKB.pollutant, found))
            for ref in arg.get("quantity", []) if isinstance(arg.get("quantity"), list) else \
                    ([arg["quantity"]] if "quantity" in arg else []):
                found = self._resolve(ctx, "derived", ref, line)
                if found is None:
                    return False
                g.add((node, CPKB.quantity, found))
            return True
        if op == "context":
            if len(arg) != 1 or next(iter(arg)) not in fmt.CONTEXT_KEYS:
                self._problem(ctx, f"`context` at `{path}` tests one of {', '.join(fmt.CONTEXT_KEYS)}, "
                              "e.g. {context: {basin: yangtze}}.", line)
                return False
            (key, want), = arg.items()
            g.add((node, RDF.type, CPKB.ContextCondition))
            g.add((node, CPKB.contextKey, Literal(key)))
            if key in ("region", "basin"):
                for ref in want if isinstance(want, list) else [want]:
                    found = self._resolve(ctx, key, ref, line)
                    if found is None:
                        return False
                    g.add((node, CPKB.contextValue, found))
                return True
            if key == "pilot_type":
                for ref in want if isinstance(want, list) else [want]:
                    found = self._vocab(ctx, "PilotType", ref, "pilot_type")
                    if found is None:
                        return False
                    g.add((node, CPKB.contextValue, found))
                return True
            if key == "source_age":
                if want not in fmt.SOURCE_AGES:
                    self._problem(ctx, f"`context.source_age` at `{path}` is new or existing.", line)
                    return False
                g.add((node, CPKB.contextLiteral, Literal(want)))
                return True
            if not isinstance(want, bool):
                self._problem(ctx, f"`context.{key}` at `{path}` is true or false.", line)
                return False
            g.add((node, CPKB.contextLiteral, Literal(want)))
            return True
        # quantity: a derived quantity compared with a threshold
        if not self._check_keys(ctx, f"`quantity` at `{path}`", arg, {"quantity", "op", "value", "unit"}, line):
            return False
        target = self._resolve(ctx, "derived", arg.get("quantity"), line)
        if target is None:
            return False
        g.add((node, RDF.type, CPKB.QuantityCondition))
        g.add((node, CPKB.quantity, target))

        def link(field, kind, prop, required=False):
            if field in arg:
                found = self._resolve(ctx, kind, arg[field], line)
                if found is not None:
                    g.add((node, prop, found))

        return self._comparison(ctx, node, op, arg, path, line, link)

    # ------------------------------------------------------------------ units for formula checks

    def _unit_registry(self):
        if getattr(self, "_pint", None) is None:
            from .formula import registry_from_definitions

            definitions = [str(o) for _, _, o, _ in self.dataset.quads((None, CPKB.pintDefinition, None, None))]
            self._pint = registry_from_definitions(definitions)
        return self._pint

    def _graph_value(self, subject, prop):
        for _, _, o, _ in self.dataset.quads((subject, prop, None, None)):
            return o
        return None

    def _unit_expression_of(self, unit_iri) -> str | None:
        found = self._graph_value(unit_iri, CPKB.pintExpression)
        return str(found) if found is not None else None

    def _unit_expression(self, ref: Any) -> str | None:
        if not isinstance(ref, str):
            return None
        located = self.index.get((None, "unit"), {}).get(ref)
        return self._unit_expression_of(located.iri) if located else None

    def _product_unit(self, ctx) -> str | None:
        for (ns, kind), table in self.index.items():
            if ns == ctx.sector and kind == "product":
                for located in table.values():
                    unit = self._graph_value(located.iri, CPKB.productUnit)
                    if unit is not None:
                        return self._unit_expression_of(unit)
        return None

