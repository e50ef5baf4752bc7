"""Model-v2 preparation of each enterprise before the rules run (kb/README.md "Model v2").

In this order, because each step may use the ones before it: the audit context (scope and facts), derived
quantities (formulas fill in indicators, facts and emissions the survey lacks), which indicators apply and
which benchmark variant fits, and the checks of measured values against the limits of requirement sets.
"""

from __future__ import annotations

from typing import Any

from .conditions import ConditionCompiler
from .derived import Conversions, derive
from .knowledge import Knowledge
from .requirements import check_limits
from .enterprise_model import judged_sector
from .survey import Enterprise, Survey

FACT_CONTEXT = {"in_park": "in-industrial-park", "special_limit_area": "special-limit-area",
                "source_age": "source-age"}


def prepare(kb: Knowledge, survey: Survey, enterprises: list[Enterprise], sector: str,
            contradiction_ratio: float = 10.0) -> ConditionCompiler:
    """Fill every enterprise's `model`; returns the condition compiler it used (rules may reuse its cache)."""
    compiler = ConditionCompiler(kb, survey.units)
    fact_iris = _context_facts(kb)
    memo = Conversions(survey.units)   # the conversions of the whole survey, each looked up once
    of_sector: dict[str | None, tuple[list, list, list]] = {}   # each by its own sector's formulas, indicators, systems
    for ent in enterprises:
        own = judged_sector(ent, sector)
        if own not in of_sector:
            of_sector[own] = _sector_model(kb, own)
        derived, indicators, systems = of_sector[own]
        ent.model.context = context_of(survey.scope, ent, fact_iris)
        derive(kb, survey.units, ent, derived, contradiction_ratio, memo)
        _indicator_rules(compiler, ent, indicators)
        _system_conditions(ent, systems)
        ent.model.compliance = check_limits(kb, survey, ent, sector, compiler)
    return compiler


def _sector_model(kb: Knowledge, sector: str | None) -> tuple[list, list, list]:
    """A sector's formulas (with the shared ones), its indicators that have variants or a condition, and its
    indicator systems with a scope; a record of an unknown other sector gets the shared formulas only."""
    derived = [d for d in kb.derived.values() if d.sector == "" or (sector and d.sector == sector)]
    indicators = [i for i in kb.indicators.values() if sector and i.sector == sector
                  and (i.rules.variants or i.rules.applies_when is not None)]
    systems = sorted({(i.system, kb.system_scopes[i.system]) for i in kb.indicators.values()
                      if sector and i.sector == sector and i.system in kb.system_scopes})
    return derived, indicators, systems


def _system_conditions(ent: Enterprise, systems: list) -> None:
    """The systems of its sector that do not grade the enterprise: those of other products or processes (a glass
    system for a cement works) and, once one system is established as its own, those only unknown (a plain 熔炼 at
    a smelter whose product is cathode copper). With no system established, unknown ones grade it, as before."""
    outcomes = {system: _in_scope(ent, *scope) for system, scope in systems}
    established = True in outcomes.values()
    for system, outcome in outcomes.items():
        if outcome is False or (established and outcome is None):
            ent.model.systems_not_applicable.add(system)


def _in_scope(ent: Enterprise, products: frozenset, processes: frozenset, general: frozenset) -> bool | None:
    """The product decides when every product written was recognised (indicator systems are per product) and none
    is only a broader product of the system's (白砂糖 is 食糖, made from cane or beet); else a process of the system
    run decides, and an enterprise whose processes are all recognised and none of them is out; unknown otherwise."""
    if products.intersection(ent.product_iris):
        return True
    if products and ent.products and len(ent.product_iris) >= len(ent.products) \
            and not general.intersection(ent.product_iris):
        return False
    if processes.intersection(ent.processes):
        return True
    if ent.processes and not ent.has_unresolved_process():
        return False
    return None


def _context_facts(kb: Knowledge) -> dict[str, str]:
    """context key -> fact IRI, for the shared facts that carry context (absent facts are simply unknown)."""
    by_key = {f["key"]: iri for iri, f in kb.facts.items()}
    return {ctx: by_key[key] for ctx, key in FACT_CONTEXT.items() if key in by_key}


def context_of(scope: dict[str, Any], ent: Enterprise, fact_iris: dict[str, str]) -> dict[str, Any]:
    """The enterprise's audit context: pilot type, region and basin from the scope; park membership, special-limit
    area and new/existing from its facts, else the scope's facts; the survey year."""
    context: dict[str, Any] = {"pilot_type": scope.get("pilot_type"), "region": scope.get("region"),
                               "basin": scope.get("basin"), "year": scope.get("year"),
                               "place_code": (scope.get("place") or {}).get("code"),
                               "place_name": (scope.get("place") or {}).get("as")}
    scope_facts = scope.get("facts") or {}
    for key, iri in fact_iris.items():
        value = ent.facts.get(iri, scope_facts.get(iri))
        if isinstance(value, tuple):  # a choice fact answered once: its only choice
            value = value[0] if len(value) == 1 else None
        context[key] = value
    if context.get("in_park") is None and scope.get("park") and scope.get("pilot_type") == "park":
        context["in_park"] = True   # a park audit's enterprises are in the park unless they say otherwise
    return context


_NO_VARIANT = {"zh": "没有适合该企业的基准值分档（或判断分档所需的数据缺失），不评分",
               "en": "no benchmark variant fits this enterprise (or the facts that choose one are missing): not scored"}


def _indicator_rules(compiler: ConditionCompiler, ent: Enterprise, indicators) -> None:
    model = ent.model
    for ind in indicators:
        rules = ind.rules
        if rules.applies_when is not None:
            applies, _ = compiler.compile(rules.applies_when).evaluate(ent)
            if applies is False:
                model.not_applicable[ind.iri] = {"zh": "不适用于该企业（适用条件不满足）",
                                                 "en": "does not apply to this enterprise (its condition is false)"}
                continue
            if applies is None and ind.iri not in ent.indicators:
                model.not_applicable[ind.iri] = {"zh": "是否适用未知（判断所需的数据缺失）",
                                                 "en": "whether it applies is unknown (the facts it needs are missing)"}
                continue
        if not rules.variants:
            continue
        chosen = None
        for variant in rules.variants:
            fits, _ = compiler.compile(variant.condition).evaluate(ent)
            if fits:
                chosen = variant
                break
        if chosen is None:
            model.not_scored[ind.iri] = dict(_NO_VARIANT)
        else:
            model.variants[ind.iri] = {"benchmarks": dict(chosen.benchmarks), "labels": chosen.labels,
                                       "variant": chosen.order}
