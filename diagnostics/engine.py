"""The diagnosis of a sector survey: rules per enterprise, shared key issues (关键共性问题), indicator scores,
recommended measures grouped into no/low-cost and medium/high-cost schemes, with the evidence for each.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from itertools import compress
from operator import itemgetter
from typing import Any, Callable

from rdflib import URIRef
from rdflib.namespace import RDF

from cpkb import __version__
from cpkb.kb.namespaces import CPKB
from cpkb.kb.store import Store

from .batch import TRUE, UNKNOWN, FALSE, BatchConditions
from .conditions import ConditionCompiler
from .conclusion import write_conclusion
from .effects import expected_effects
from .model_sections import model_sections
from .prepare import prepare
from .explain import explain
from .knowledge import Knowledge
from .scoring import EnterpriseScore, SystemScorer
from .enterprise_model import judged_sector
from .survey import Enterprise, Survey, SurveyError
from .potential import heavy_metal_potential, loads_kept, reduction_potential
from .sewer_plant import by_route
from .eligibility import eligibility
from .portfolio import budget_steps
from .hw_plans import facilities_for_hw_plans
from .shared_infra import (facilities_for_emitters, facilities_from_symbiosis, networks_from_symbiosis,
                           shared_infrastructure)
from .symbiosis import find_symbiosis
from .units import UnitConverter

RESULT_VERSION = 1
SEVERITY_WEIGHT = {"high": 3, "medium": 2, "low": 1}


def diagnose(survey: Survey, store: Store | None = None, settings: dict[str, Any] | None = None,
             exclude_invalid: bool = False, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Diagnose a validated survey. Raises SurveyError when it has errors, unless exclude_invalid sets the
    enterprises with errors aside (they are listed in `excluded`)."""
    settings = settings or {}
    threshold = float(settings.get("key_issue_prevalence", 0.3))
    min_count = int(settings.get("key_issue_min_enterprises", 2))
    if survey.problems and not exclude_invalid:
        raise SurveyError(survey.problems)
    invalid = survey.invalid_ids
    general = [p for p in survey.problems if not p.enterprise]
    if any(p.fatal for p in general):
        raise SurveyError(survey.problems)
    enterprises = [e for e in survey.enterprises if e.id not in invalid]
    if not enterprises:
        raise SurveyError(survey.problems or [])
    kb = survey.knowledge
    sector = survey.scope["sector"]
    compiler = prepare(kb, survey, enterprises, sector, float(settings.get("contradiction_ratio", 10.0)))  # context, derived values, variants, limits (model v2)
    # one batch evaluator for the rules and the measures' prerequisites: each enterprise's signature is made once
    batch = BatchConditions(ConditionCompiler(kb, survey.units), enterprises)
    findings, tentative, not_evaluated = evaluate_rules(kb, survey, enterprises, sector, progress, batch)
    # idle, output-less and other-sector records are diagnosed but not counted in the sector's figures
    total_output = sum(e.output or 0.0 for e in enterprises if not e.set_apart)
    # one enterprise's survey has nothing to share: there a finding in every diagnosed enterprise is enough
    issues = aggregate(kb, findings, enterprises, total_output, threshold, min(min_count, max(len(enterprises), 1)))
    # a finding that rests only on a technique missing from an incomplete list is for a site visit to verify; a
    # plant idle the whole year has nothing running to verify, so it gets none (its confirmed findings stay)
    idle = {e.id for e in enterprises if "idle" in e.set_apart}
    tentative = {problem: [f for f in found if f.get("enterprise") not in idle] for problem, found in tentative.items()}
    unconfirmed = unconfirmed_findings(kb, {p: f for p, f in tentative.items() if f}, issues)
    key = [i for i in issues if i["key_issue"]]
    scores = assess(kb, enterprises, sector)
    shared = measure_batch(kb, survey, enterprises, batch)
    recommendations, rejected = recommend(kb, survey, key, enterprises, sector, shared)
    others = [i for i in issues if not i["key_issue"]]
    _measures_for_findings(kb, survey, others, enterprises, sector, shared)
    result = {
        "cpkb_diagnosis": RESULT_VERSION,
        "kb_version": kb.version,
        "engine_version": __version__,
        "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "scope": _scope(kb, survey, enterprises, total_output, invalid),
        "enterprises": [{"id": e.id, "name": e.name, "output": e.output, "output_unit": e.output_unit}
                        for e in enterprises],
        "settings": {"key_issue_prevalence": threshold, "key_issue_min_enterprises": min_count},
        "excluded": _excluded(survey, invalid),
        "key_issues": key,
        "other_findings": others,
        "unconfirmed": unconfirmed,
        "recommendations": recommendations,
        "not_recommended": rejected,
        "schemes": {
            "low_cost": [r["measure"] for r in recommendations if r["cost_class"] == "low"],
            "high_cost": [r["measure"] for r in recommendations if r["cost_class"] == "high"],
        },
        "indicator_assessment": scores,
        **_pilot_sections(kb, survey, enterprises, recommendations),
        **model_sections(kb, survey, enterprises, sector, compiler, recommendations, settings),
        "rules_not_evaluated": not_evaluated,
        "unresolved": survey.unresolved,
        "units_understood": survey.units_understood,
        "names_applied": survey.names_applied,
        "warnings": [w.as_dict() for w in survey.warnings] + contradiction_warnings(kb, enterprises)
        + other_sector_warnings(kb, sector, enterprises) + floor_warnings(enterprises)
        + _set_aside_notes(general, invalid),
    }
    unplaced = (result.get("compliance") or {}).get("local_unplaced")
    if unplaced:   # local standards of the sector exist but the survey's place is unknown: said once
        result["warnings"].append({"place": "scope.region", "message": unplaced["en"], "enterprise": None,
                                   "messages": unplaced})
    # the conclusion opens the result: a reader of the JSON meets it first, as in every report
    return {"conclusion": write_conclusion(result), **result}


def _excluded(survey: Survey, invalid: set[str]) -> list[dict]:
    """Each enterprise set aside with its problems: grouped in one pass (a scan of every problem per enterprise
    was quadratic in a survey with many bad records)."""
    by_enterprise: dict[str, list] = defaultdict(list)
    for p in survey.problems:
        if p.enterprise in invalid:
            by_enterprise[p.enterprise].append(p)
    return [{"enterprise": eid, "problems": [p.as_dict() for p in by_enterprise[eid]]} for eid in sorted(invalid)]


def _set_aside_notes(general: list, invalid: set[str]) -> list[dict]:
    """With exclude_invalid: scope problems that were set aside, and how many enterprises were."""
    notes = [{**p.as_dict(), "message": f"set aside (exclude_invalid): {p.message}",
              "messages": {"zh": f"已搁置（排除有误部分）：{p.zh or p.message}", "en": f"set aside (exclude_invalid): {p.message}"}}
             for p in general]
    if invalid:
        en = f"{len(invalid)} enterprise(s) with errors were set aside (exclude_invalid); see `excluded`."
        notes.append({"place": "enterprises", "message": en, "enterprise": None,
                      "messages": {"zh": f"{len(invalid)} 家有错误的企业已搁置，见“excluded”。", "en": en}})
    return notes


# how a computed figure is named: the value itself, or a bound of it (kb/README.md "Derived quantities")
_BOUND_WORDS = {None: ("为", ""), "lower": ("至少为", "at least "), "upper": ("至多为", "at most ")}


def contradiction_warnings(kb: Knowledge, enterprises: list[Enterprise]) -> list[dict]:
    """A reported figure that the enterprise's own sibling figures contradict (a declared formula gives a value
    `contradiction_ratio` times away): kept as reported, and queried by name and figures."""
    symbols = {u["pint"]: u["symbol"] for u in kb.units.values() if u.get("pint") and u.get("symbol")}
    out = []
    for ent in enterprises:
        for c in ent.model.contradictions:
            unit = c["unit"] or ""
            name = kb.label(c["target"]) if c["target"] else c["labels"]
            reported = [_input_shown(kb, symbols, ent, i) for i in c["inputs"] if i["source"] != "value"]
            taken = [_input_shown(kb, symbols, ent, i) for i in c["inputs"] if i["source"] == "value"]
            inputs_zh = "、".join(label["zh"] + value for label, value in reported)
            inputs_en = ", ".join(f"{label['en']} {value}" for label, value in reported)
            if taken:   # constants of the knowledge base are not the enterprise's figures
                inputs_zh += "（取" + "、".join(label["zh"] + value for label, value in taken) + "）"
                inputs_en += " (taking " + ", ".join(f"{label['en']} {value}" for label, value in taken) + ")"
            low, high = sorted((abs(c["reported"]), abs(c["computed"])))
            apart = f"{high / low:.0f}" if low else "∞"
            zh_kind, en_kind = _BOUND_WORDS[c.get("bound")]
            past_zh, past_en = ("；推算的下限已超过100%，所用数据至少有一项填错", "; the bound itself passes 100 %, so one "
                                "of the figures used is wrong") if c.get("bound") == "lower" and unit == "%" and \
                c["computed"] > 100 else ("", "")   # a share cannot pass 100 %
            out.append({"place": f"enterprises[{ent.index}]", "enterprise": ent.id,
                        "message": f"{name['zh']}：填报{c['reported']:.4g} {unit}，但按本企业填报的{inputs_zh}推算{zh_kind}"
                                   f"{c['computed']:.4g} {unit}（{c['formula_labels']['zh']}），相差约{apart}倍{past_zh}，请核实。 / "
                                   f"{name['en']}: reported {c['reported']:.4g} {unit}, but the enterprise's own "
                                   f"{inputs_en} give {en_kind}{c['computed']:.4g} {unit} ({c['formula_labels']['en']}): about "
                                   f"{apart} times apart{past_en}, please check."})
    return out


def floor_warnings(enterprises: list[Enterprise]) -> list[dict]:
    """Where the solvent use alone passes the reported or measured load (balance_notes.py): said on the enterprise."""
    return [{"place": f"enterprises[{ent.index}]", "enterprise": ent.id, "message": f"{f['zh']} / {f['en']}",
             "messages": {"zh": f["zh"], "en": f["en"]}}
            for ent in enterprises for f in ent.model.floors.values()]


def other_sector_warnings(kb: Knowledge, sector: str, enterprises: list[Enterprise]) -> list[dict]:
    """A record whose processes and techniques are mostly not of the survey's sector may belong to another one
    (a hot-dip galvanizer in a plating survey): said so, naming the sector its names belong to where known."""
    from .material_lines import foreign_record
    from .names import matcher_for

    matcher = matcher_for(kb)
    out = []
    for ent in enterprises:
        if not foreign_record(ent):
            continue
        foreign = [name for kind, name, _ in ent.unresolved if kind in ("process", "technique")]
        known = len(ent.processes) + len(ent.techniques)
        elsewhere = {kb.sector_of.get(iri) for kind, name, _ in ent.unresolved if kind in ("process", "technique")
                     for iri in [matcher.resolve(kind, name)] if iri and kb.sector_of.get(iri) not in (None, sector)}
        where_zh = "、".join(kb.label(s)["zh"] for s in sorted(elsewhere)) if elsewhere else ""
        where_en = ", ".join(kb.label(s)["en"] for s in sorted(elsewhere)) if elsewhere else ""
        names = "、".join(foreign[:5])
        out.append({"place": f"enterprises[{ent.index}]", "enterprise": ent.id,
                    "message": f"该记录的工序和工艺{len(foreign)}项不属于{kb.label(sector)['zh']}行业（{names}），仅{known}项可识别"
                               + (f"，与{where_zh}行业相符" if where_zh else "") + "：可能是其他行业的企业，请核实是否纳入本次审核。 / "
                               f"{len(foreign)} of this record's processes and techniques are not of {kb.label(sector)['en']} "
                               f"({', '.join(foreign[:5])}) against {known} recognised"
                               + (f"; they fit {where_en}" if where_en else "")
                               + ": it may belong to another sector — check whether it is in scope."})
    return out


def _input_shown(kb: Knowledge, symbols: dict[str, str], ent: Enterprise, given: dict) -> tuple[dict, str]:
    """A formula input as an auditor wrote it: the fact's or indicator's name, the value and the unit symbol."""
    if given["source"] == "output":
        return {"zh": "产量", "en": "output"}, f"{_number(given['value'])} {ent.output_unit or ''}/a"
    label = given.get("labels") or (kb.label(given["source"]) if given["source"] in kb.labels else
                                    {"zh": given["name"], "en": given["name"]})
    unit = "" if given["unit"] == "dimensionless" else symbols.get(given["unit"], given["unit"])  # a count has no unit
    return label, f"{_number(given['value'])} {unit}".strip()


def _number(value: float) -> str:
    """A figure as a reader writes it: 1500000, not 1.5e+06; at most four significant digits after the point."""
    return f"{value:,.0f}" if abs(value) >= 1e4 else f"{value:.4g}"


def _pilot_sections(kb: Knowledge, survey: Survey, enterprises: list[Enterprise], recommendations: list[dict]) -> dict:
    """What only regional/basin co-audits (reduction potential) and park audits (symbiosis) add."""
    sections = {"eligibility": eligibility(kb, survey, enterprises)}
    shared = shared_infrastructure(kb, survey, enterprises, recommendations)
    if shared["facilities"]:
        sections["shared_infrastructure"] = shared
    scope = survey.scope
    with loads_kept(survey, enterprises):   # the three read the same baselines: each pollutant's computed once
        if scope.get("pilot_type") in ("region", "basin") or scope.get("region") or scope.get("basin"):
            sections["reduction_potential"] = reduction_potential(kb, survey, enterprises, recommendations)
            by_route(kb, survey, enterprises, sections["reduction_potential"].get("pollutants", []))
            steps = budget_steps(kb, survey, enterprises, recommendations)
            if steps is not None:
                sections["portfolio"] = steps
        metals = heavy_metal_potential(kb, survey, enterprises, recommendations)
    if metals:
        sections["heavy_metals"] = metals
    if scope.get("pilot_type") == "park" or any(e.streams for e in enterprises):
        sections["symbiosis"] = find_symbiosis(kb, survey, enterprises)
        needed = (facilities_from_symbiosis(kb, sections["symbiosis"])
                  + networks_from_symbiosis(kb, survey.units, sections["symbiosis"])
                  + ((facilities_for_emitters(kb, survey, enterprises)
                      + facilities_for_hw_plans(kb, sections["symbiosis"])) if scope.get("pilot_type") == "park" else []))
        proposed = {f["measure"]: f for f in shared["facilities"]}
        for facility in needed:   # a measure already proposed for its problems gets the network as its part
            if facility["measure"] in proposed and "network" not in proposed[facility["measure"]]:
                proposed[facility["measure"]]["network"] = facility
            else:
                shared["facilities"].append(facility)
        if needed:
            sections["shared_infrastructure"] = shared
    return sections


def _scope(kb: Knowledge, survey: Survey, enterprises: list[Enterprise], total_output: float, invalid) -> dict:
    scope = dict(survey.scope)
    for key in ("sector", "region", "basin"):
        if scope.get(key):
            scope[f"{key}_label"] = kb.label(scope[key])
    scope.update(enterprises=len(survey.enterprises), diagnosed=len(enterprises),
                 excluded=len(survey.enterprises) - len(enterprises),  # records, not ids: duplicate ids both go
                 total_output=round(total_output, 6), output_unit=next((e.output_unit for e in enterprises
                                                                      if e.output_unit), None))
    return scope


# ---------------------------------------------------------------------- rules

def evaluate_rules(kb: Knowledge, survey: Survey, enterprises: list[Enterprise], sector: str,
                   progress: Callable[[int], None] | None = None, batch: BatchConditions | None = None):
    """Every rule of each enterprise's sector over it — the survey's sector, or in a survey of several sectors the
    enterprise's own (judged_sector; none for an other sector the knowledge base does not know): findings per
    problem, findings that rest only on a technique missing from a list not declared complete (to verify on site,
    待现场核实), rules not evaluated. `batch`: the diagnosis's BatchConditions over these enterprises (or more)."""
    if batch is None:
        batch = BatchConditions(ConditionCompiler(kb, survey.units), enterprises)
    groups: dict[str | None, list[Enterprise]] = defaultdict(list)
    for ent in enterprises:
        groups[judged_sector(ent, sector)].append(ent)
    if set(groups) == {sector}:
        return _sector_rules(kb, survey, enterprises, sector, batch, progress)
    findings: dict[str, list[dict]] = defaultdict(list)
    tentative: dict[str, list[dict]] = defaultdict(list)
    not_evaluated: list[dict] = []
    order = {e.id: e.index for e in enterprises}
    for own, group in groups.items():
        if own is None:   # of an unknown other sector: no sector's rules judge it (said by the survey reader)
            if progress:
                progress(len(group))
            continue
        found, assumed, unknown = _sector_rules(kb, survey, group, own, batch, progress)
        for into, part in ((findings, found), (tentative, assumed)):
            for problem, rows in part.items():
                into[problem].extend(rows)
        not_evaluated.extend(unknown)
    for part in (findings, tentative):   # survey order within a problem shared by two sectors' rules
        for rows in part.values():
            rows.sort(key=lambda f: order.get(f["enterprise"], 0))
    return dict(findings), dict(tentative), sorted(not_evaluated, key=itemgetter("rule"))


def _sector_rules(kb: Knowledge, survey: Survey, enterprises: list[Enterprise], sector: str, batch: BatchConditions,
                  progress: Callable[[int], None] | None = None):
    """evaluate_rules for enterprises of one sector."""
    compiler = batch.compiler
    strict = ConditionCompiler(kb, survey.units, strict=True)
    rules = [(r, compiler.compile(r.condition)) for r in kb.rules if r.sector == sector]
    findings: dict[str, list[dict]] = defaultdict(list)
    tentative: dict[str, list[dict]] = defaultdict(list)
    unknown: dict[str, list[str]] = defaultdict(list)
    memo: dict = {}
    # each rule's fields bound once, not looked up per enterprise; evidence stays in survey order.
    # Only rules that look at technique lists can rest on silence: only they are judged a second time, strictly.
    plan = [(rule, cond.evaluate, strict.compile(rule.condition).evaluate if "processes" in cond.needs else None,
             findings[rule.problem].append, tentative[rule.problem].append, unknown[rule.iri].append, rule.iri,
             rule.severity) for rule, cond in rules]
    # a rule that reads only the signature and some facts has the same evidence (one list, shared by the findings,
    # which no one changes) for equal signatures and answers: built once per distinct input, not per enterprise
    reads = [batch.inputs_of(rule.condition) for rule, *_ in plan]
    shared: dict[tuple, tuple] = {}
    every = batch.rows(enterprises)
    ids, signatures = batch.ids, batch.signatures
    for n in range(0, len(enterprises), _BATCH):
        chunk = enterprises[n:n + _BATCH]
        rows = every[n:n + _BATCH]
        hits = []
        for k, (rule, evaluate, *_, undecided, _iri, _severity) in enumerate(plan):
            values = batch.judge(rule.condition, evaluate, rows)
            for i in compress(range(len(values)), map(FALSE.__ne__, values)):   # most answers are false
                if values[i] == TRUE:
                    hits.append((i, k))
                else:
                    undecided(ids[rows[i]])
        hits.sort()   # survey order, then the rules' order: as if each enterprise were judged in turn
        for i, k in hits:
            ent = chunk[i]
            rule, evaluate, confirm, found, assumed, _, iri, severity = plan[k]
            key = _evidence_key(batch, k, rows[i], reads[k])
            outcome = shared.get(key) if key is not None else None
            if outcome is None:
                _, evidence = evaluate(ent)   # the closure builds the evidence; the batch only said it holds
                outcome = (evidence, explain(kb, rule, evidence, memo), confirm is None or bool(confirm(ent)[0]))
                if key is not None:
                    shared[key] = outcome
            evidence, explanation, confirmed = outcome
            finding = {"enterprise": ent.id, "rule": iri, "severity": severity, "facts": evidence,
                       "explanation": explanation}
            if confirmed:
                found(finding)
            else:
                assumed(finding)
        if progress:
            progress(len(chunk))
    findings = {problem: found for problem, found in findings.items() if found}
    tentative = {problem: found for problem, found in tentative.items() if found}
    unknown = {iri: ids for iri, ids in unknown.items() if ids}
    needs = {r.iri: sorted(c.needs) for r, c in rules}
    not_evaluated = [{"rule": iri, "labels": kb.label(iri), "enterprises": ids, "missing": needs[iri]}
                     for iri, ids in sorted(unknown.items())]
    return findings, tentative, not_evaluated


def _evidence_key(batch: BatchConditions, k: int, row: int, facts: tuple[str, ...] | None) -> tuple | None:
    """Rule number, signature and fact answers: what the evidence of a rule reading only those depends on."""
    if facts is None:
        return None
    answers = batch.answers_key(row, facts) if facts else ()
    return None if answers is None else (k, batch.signatures[row], answers)


_BATCH = 1000   # enterprises judged together: large enough to share work, small enough for a progress bar


def unconfirmed_findings(kb: Knowledge, tentative: dict[str, list[dict]], issues: list[dict]) -> list[dict]:
    """Findings that hold only if a technique the survey did not list is really absent: one entry per problem,
    without the enterprises for which the same problem is already confirmed by other evidence."""
    confirmed = {i["problem"]: set(i["enterprises"]) for i in issues}
    out = []
    for problem, found in sorted(tentative.items()):
        evidence = [f for f in found if f["enterprise"] not in confirmed.get(problem, set())]
        if not evidence:
            continue
        p = kb.problems.get(problem)
        ids = sorted({f["enterprise"] for f in evidence})
        out.append({"problem": problem, "labels": kb.label(problem), "category": p.category if p else None,
                    "enterprises": ids, "count": len(ids), "evidence": evidence,
                    "status": {"zh": "待现场核实：调查表未声明技术清单完整，仅凭未列出某项技术不能认定。",
                               "en": "to verify on site: the survey does not declare the technique list complete, "
                                     "so a technique missing from it is not proof of absence."}})
    return out


def aggregate(kb: Knowledge, findings: dict[str, list[dict]], enterprises: list[Enterprise], total_output: float,
              threshold: float, min_count: int = 2) -> list[dict]:
    """Prevalence of each problem found, as a share of enterprises and of output; a key issue reaches the threshold
    share and is found in at least `min_count` enterprises (a share alone would make every finding of a survey of
    three enterprises "shared"); veto items (淘汰类) first."""
    output = {e.id: e.output or 0.0 for e in enterprises}
    # records set apart (idle the whole year, no output, another sector: survey.py) do not count in the prevalence
    counted = {e.id for e in enterprises if not e.set_apart} or {e.id for e in enterprises}
    # a share of output needs every counted output in the product's unit: outputs in 万把, 件 or t beside m² do not
    # add up, and a share of the part that does is no share of the whole (None: not computable, said in the report)
    if any(not e.output and e.output_written for e in enterprises if e.id in counted):
        total_output = 0.0
    min_count = min(min_count, len(counted))
    veto_capable = _rules_using_obsolete_techniques(kb)
    issues = []
    for problem, found in findings.items():
        every = set(map(_ENTERPRISE, found))
        ids = sorted(every & counted)
        share = len(ids) / len(counted)
        out_share = (sum(output[i] for i in ids) / total_output) if total_output else None
        # each severity once, in the order first met: max keeps the first of equals, as over every finding
        severity = max(dict.fromkeys(map(_SEVERITY, found)), key=lambda s: SEVERITY_WEIGHT.get(s, 0))
        p = kb.problems.get(problem)
        # An eliminated (淘汰类) technique in use is a veto item of audit review (评估/验收): a key issue
        # whatever its prevalence, so that its substitution measure is always proposed.
        # The veto belongs to the enterprises using the eliminated technique, not to all that share the problem
        # (cyanide gold plating is exempt where cyanide zinc is eliminated).
        veto_ids = sorted({f["enterprise"] for f in found if f["rule"] in veto_capable
                           for fact in f["facts"] if fact.get("test") == "uses" for t in fact["techniques"]
                           if kb.technique_status.get(t) == "obsolete"}) \
            if not veto_capable.isdisjoint(map(_RULE, found)) else []
        veto = bool(veto_ids)
        key = veto or (len(ids) >= min_count and (share >= threshold or (out_share is not None and out_share >= threshold)))
        # a shared key issue is the counted enterprises' (and an eliminated technique standing is a veto even in an
        # idle plant); a finding below it stays every enterprise's own, set apart or not
        listed = sorted(set(ids) | set(veto_ids)) if key else sorted(every)
        issues.append({
            "problem": problem, "labels": kb.label(problem), "category": p.category if p else None,
            "processes": p.processes if p else [], "severity": severity,
            "prevalence": {"enterprises": round(share, 4), "output": round(out_share, 4) if out_share is not None else None},
            "count": len(listed), "enterprises": listed,
            # records set apart: listed where the finding is theirs, but out of the prevalence (`counted` of them)
            **({"not_counted": sorted(every - counted), "counted": len(ids)} if every - counted else {}),
            "key_issue": key,
            "veto": veto, "veto_enterprises": veto_ids,
            "evidence": found,
        })
    issues.sort(key=lambda i: (not i["veto"], -SEVERITY_WEIGHT.get(i["severity"], 0) * i["prevalence"]["enterprises"],
                               i["problem"]))
    return issues


_ENTERPRISE, _SEVERITY, _RULE = itemgetter("enterprise"), itemgetter("severity"), itemgetter("rule")


def _rules_using_obsolete_techniques(kb: Knowledge) -> set[str]:
    """Rules for which using an eliminated technique is enough to fire: only their findings can be veto items."""
    obsolete = {URIRef(t) for t, status in kb.technique_status.items() if status == "obsolete"}
    found = set()
    for rule in kb.rules:
        pending = [rule.condition]  # only where using the technique is enough: the root, or alternatives of it
        while pending:
            node = pending.pop()
            if set(kb.graph.objects(node, CPKB.technique)) & obsolete and \
                    (node, RDF.type, CPKB.TechniqueInUse) in kb.graph:
                found.add(rule.iri)
                break
            if (node, RDF.type, CPKB.AnyOf) in kb.graph:
                pending.extend(kb.graph.objects(node, CPKB.operand))
    return found


# ---------------------------------------------------------------------- scores

def assess(kb: Knowledge, enterprises: list[Enterprise], sector: str) -> dict:
    """Per enterprise the level of each indicator, Y_I/Y_II/Y_III and the class, per indicator system: the systems
    of the survey's sector for its enterprises, then those of the other sectors for theirs (judged_sector)."""
    judged = {e.id: judged_sector(e, sector) for e in enterprises}
    order = [sector] + sorted({s for s in judged.values() if s and s != sector})
    systems: dict[str, list] = defaultdict(list)
    for ind in kb.indicators.values():
        if ind.sector in order:
            systems[ind.system].append(ind)
    out = {"systems": [], "enterprises": []}
    for system, indicators in sorted(systems.items(), key=lambda kv: (order.index(kv[1][0].sector), kv[0])):
        graded = [e for e in enterprises if judged[e.id] == indicators[0].sector
                  and system not in e.model.systems_not_applicable]
        if not graded:   # a system of the sector that fits none of the enterprises (flat glass in a cement survey)
            continue
        indicators.sort(key=lambda i: (i.category, i.iri))
        out["systems"].append({"system": system, "labels": _system_labels(kb, system),
                               "indicators": [{"indicator": i.iri, "labels": kb.label(i.iri), "limiting": i.limiting,
                                               "unit": kb.units.get(i.unit, {}).get("symbol") if i.unit else None,
                                               "benchmarks": i.benchmarks, "category": i.category_labels.as_dict(),
                                               "variants": [{"labels": v.labels, "benchmarks": v.benchmarks}
                                                            for v in i.rules.variants],
                                               "category_weight": i.category_weight, "weight": i.weight}
                                              for i in indicators]})
        distribution = {"I": 0, "II": 0, "III": 0, "below III": 0, "not rated": 0}
        scorer = SystemScorer(indicators)
        for ent in graded:
            score = scorer.score(ent.indicators, ent.model)
            _say_unscorable(kb, scorer, ent, score)
            if not ent.output:  # per-unit-product figures mean nothing without production: not graded, and said so
                score.grade = None
                score.reasons.append("产量缺失或为零，不评定等级 / output missing or zero: not graded")
            distribution[score.grade or "not rated"] += 1
            out["enterprises"].append(_score_dict(kb, system, ent, score))
        out["systems"][-1]["distribution"] = distribution
    return out


def _say_unscorable(kb: Knowledge, scorer: SystemScorer, ent: Enterprise, score: EnterpriseScore) -> None:
    """An enterprise not rated although it gave values of the system's indicators: those indicators have no level
    I/II/III benchmark in the knowledge base (no readable source gave one), which is said rather than left as
    'no value' (a reader would otherwise look for a name or unit the engine missed)."""
    given = [i for i in scorer.unscorable if i in ent.indicators]
    if score.grade is not None or not given:
        return
    zh = "、".join(kb.label(i)["zh"] for i in given)
    en = ", ".join(kb.label(i)["en"] for i in given)
    score.reasons.append(f"已填的{zh}在知识库中没有Ⅰ/Ⅱ/Ⅲ级基准值（未读到给出基准值的来源），不能据此评级 / the values given "
                         f"for {en} have no level I/II/III benchmark in the knowledge base (no source giving one was "
                         "read): they cannot rate the enterprise")


def _system_labels(kb: Knowledge, system: str) -> dict[str, str]:
    """Indicator systems are not in the name index; their labels come from the graph."""
    from rdflib import URIRef

    from .knowledge import _labels

    return kb.labels[system].as_dict() if system in kb.labels else _labels(kb.graph, URIRef(system)).as_dict()


def _score_dict(kb: Knowledge, system: str, ent: Enterprise, score: EnterpriseScore) -> dict:
    return {
        "enterprise": ent.id, "system": system, "class": score.grade,
        "Y": {"I": score.indices["I"], "II": score.indices["II"], "III": score.indices["III"]},
        "coverage": score.coverage, "provisional": score.provisional,
        "indicators": [{"indicator": s.indicator, "value": s.value, "level": s.level if s.level else "below III",
                        "limiting": s.limiting, "weight": round(s.weight, 4),
                        **({"variant": s.variant} if s.variant else {}),
                        **({"derived": True, "formula": s.derived} if s.derived else {})} for s in score.indicators],
        "missing": score.missing, "reasons": score.reasons, "basis": score.basis,
    }


# ---------------------------------------------------------------------- recommendations

def measure_batch(kb: Knowledge, survey: Survey, enterprises: list[Enterprise],
                  batch: BatchConditions | None = None) -> tuple[BatchConditions, dict]:
    """The batch evaluator of prerequisites and each enterprise's row (by id): made once for both calls of
    recommend (key issues, then the other findings), so that a prerequisite judged for one is not judged again;
    `batch`: the one the rules used, when the caller has it."""
    if batch is None:
        batch = BatchConditions(ConditionCompiler(kb, survey.units), enterprises)
    rows = batch.rows(enterprises)
    return batch, dict(zip(map(batch.ids.__getitem__, rows), rows))


def recommend(kb: Knowledge, survey: Survey, key_issues: list[dict], enterprises: list[Enterprise], sector: str,
              shared: tuple[BatchConditions, dict] | None = None):
    """Measures addressing the key issues, for the enterprises they apply to; and why candidates were not chosen.
    `shared`: measure_batch() of the same enterprises, when the caller recommends more than once."""
    batch, rows = shared or measure_batch(kb, survey, enterprises)
    by_id = dict(zip(rows, map(batch.enterprises.__getitem__, rows.values())))
    in_order = sorted(rows)
    affected = {i["problem"]: set(i["enterprises"]) for i in key_issues}
    severity = {i["problem"]: SEVERITY_WEIGHT.get(i["severity"], 1) for i in key_issues}
    chosen, rejected = [], []
    # measures of the same problems have the same target rows, and their ids (read once: an enterprise's record
    # lies far from the next one in memory, and reading its id anew for each of a hundred measures cost more than
    # judging its prerequisite)
    target_rows: dict[tuple[str, ...], tuple[list, list[str]]] = {}
    # an enterprise of another sector in a basin or park survey is given its own sector's measures
    sectors = {sector} | {s for e in enterprises if (s := judged_sector(e, sector))}
    for measure in sorted(kb.measures.values(), key=lambda m: m.iri):
        problems = [p for p in measure.addresses if p in affected]
        if measure.sector not in sectors or not problems:
            continue
        found = target_rows.get(tuple(problems))
        if found is None:
            targets = set().union(*(affected[p] for p in problems))
            ids = _in_order(targets, in_order, rows)
            found = target_rows[tuple(problems)] = ([rows[eid] for eid in ids], ids)
        applies, unconfirmed, reasons = _applicable(kb, batch, measure, problems, *found)
        entry = {"measure": measure.iri, "labels": kb.label(measure.iri), "problems": problems,
                 "cost_class": measure.cost, "route": measure.route, "sources": measure.sources,
                 "applicability": measure.applicability.as_dict()}
        if measure.shared:  # the sector's link to a measure of kb/shared/measures.yaml
            entry["shared_measure"] = measure.shared
            entry["scale"] = measure.scale
            if measure.note is not None:
                entry["note"] = measure.note.as_dict()
        if not applies:
            code = max(reasons, key=lambda k: len(reasons[k]))
            rejected.append({**entry, "reason": code, "explanation": _REJECTION[code], "enterprises": dict(reasons)})
            continue
        # the ranking counts only enterprises known to qualify; applies is in id order, so this one is too
        doubtful = set(unconfirmed)
        confirmed = [e for e in applies if e not in doubtful] if doubtful else applies
        known = set(confirmed)
        score = sum(severity[p] * len(affected[p] & known) for p in problems) / len(enterprises)
        chosen.append({**entry, "applies_to": applies, "prerequisite_unconfirmed": unconfirmed,
                       "not_applicable": dict(reasons), "score": round(score, 4),
                       # amounts only over enterprises known to qualify: unconfirmed ones are to be checked first
                       "expected_effects": _effects(kb, survey.units, measure, [by_id[e] for e in confirmed])})
    chosen.sort(key=lambda r: (-r["score"], r["cost_class"] != "low", r["measure"]))
    for rank, rec in enumerate(chosen, 1):
        rec["rank"] = rank
    return chosen, rejected


def _in_order(targets: set[str], in_order: list[str], rows: dict) -> list[str]:
    """The ids of the target enterprises in order: a filter of the sorted ids where the targets are many."""
    if len(targets) * 8 > len(in_order) and targets.issubset(rows):
        return [eid for eid in in_order if eid in targets]
    return sorted(targets)


def _applicable(kb: Knowledge, batch: BatchConditions, measure, problems: list[str], rows: list, row_ids: list[str]):
    """The enterprises a measure applies to (by id), those whose prerequisite the survey cannot confirm, and the
    others by reason. The technique and process tests are made once per signature (batch.py). `row_ids`: the
    rows' enterprise ids, in row order."""
    # The enterprise must run one of the processes where the measure or the problem it addresses sits
    # (a drag-out tank goes after a plating bath the enterprise runs, even if it has no recovery step yet).
    relevant = set(measure.processes) | {proc for p in problems for proc in kb.problems[p].processes}
    introduces = frozenset(measure.introduces)
    signatures = list(map(batch.signatures.__getitem__, rows))
    first = dict(zip(reversed(signatures), reversed(rows)))   # each signature's first row (C loops, no Python one)
    settled: dict[int, str | None] = {}   # per signature: the reason it cannot apply, None when its prerequisite decides
    for signature, row in first.items():
        ent = batch.enterprises[row]
        settled[signature] = "already-in-use" if introduces and introduces <= ent.techniques else \
            "process-absent" if relevant and ent.processes and relevant.isdisjoint(ent.processes) else None
    if not any(settled.values()):   # the usual case: every enterprise's prerequisite decides
        pending, ids, reasons = rows, row_ids, {}
    else:
        codes = list(map(settled.__getitem__, signatures))
        open_ = [code is None for code in codes]
        pending, ids = list(compress(rows, open_)), list(compress(row_ids, open_))
        reasons = {}   # by reason, each in row order; the reasons in the order they first occur (below)
        for eid, code in zip(row_ids, codes):
            if code is not None:
                reasons.setdefault(code, []).append(eid)
    values = _prerequisite(batch, measure, pending)
    applies = list(compress(ids, map(FALSE.__ne__, values)))
    # the survey lacks the facts its prerequisite needs: to be checked
    unconfirmed = list(compress(ids, map(UNKNOWN.__eq__, values)))
    if len(applies) < len(ids):
        failed = list(compress(ids, map(FALSE.__eq__, values)))
        if not reasons:
            reasons = {"prerequisite-missing": failed}
        else:   # placed among the other reasons where its first enterprise stands
            position = {eid: n for n, eid in enumerate(row_ids)}
            reasons = dict(sorted({**reasons, "prerequisite-missing": failed}.items(),
                                  key=lambda item: position[item[1][0]]))
    return applies, unconfirmed, reasons


def _prerequisite(batch: BatchConditions, measure, rows: list) -> list[int]:
    """Whether each row meets the measure's prerequisite, in three values; a linked shared measure must meet the
    sector's prerequisite and the shared one (false wins, then unknown)."""
    met = [TRUE] * len(rows)
    for node in (measure.applies_when, measure.also_when):
        if node is not None and rows:
            met = list(map(min, met, batch.judge(node, batch.compiler.compile(node).evaluate, rows)))
    return met


def _measures_for_findings(kb: Knowledge, survey: Survey, findings: list[dict], enterprises: list[Enterprise],
                           sector: str, shared: tuple[BatchConditions, dict] | None = None) -> None:
    """A finding below the key-issue threshold is the enterprise's own to fix: each gets the measures that address
    it and apply to the enterprises concerned (the same checks as the sector schemes), for its audit record."""
    if not findings:
        return
    chosen, _ = recommend(kb, survey, findings, enterprises, sector, shared)
    for finding in findings:
        concerned = set(finding["enterprises"])   # a set: membership per enterprise, not a scan of the list
        finding["measures"] = [
            {"measure": r["measure"], "labels": r["labels"], "cost_class": r["cost_class"], "route": r["route"],
             "applies_to": [e for e in r["applies_to"] if e in concerned],
             "prerequisite_unconfirmed": [e for e in r["prerequisite_unconfirmed"] if e in concerned]}
            for r in chosen if finding["problem"] in r["problems"]]
        finding["measures"] = [m for m in finding["measures"] if m["applies_to"]]


def _both(first, second):
    """Two prerequisites that must both hold, in three values: false wins, then unknown (None), then true."""
    if first is None:
        return second

    def check(ent):
        a, b = first(ent)[0], second(ent)[0]
        return (False if False in (a, b) else None if None in (a, b) else True,)
    return check


_REJECTION = {
    "already-in-use": {"zh": "相关企业已采用该方案引入的工艺。", "en": "the enterprises concerned already use the technique it introduces."},
    "process-absent": {"zh": "相关企业没有该方案适用的工序。", "en": "the enterprises concerned do not run the process it applies to."},
    "prerequisite-missing": {"zh": "相关企业不满足该方案的适用条件。", "en": "the enterprises concerned do not meet its prerequisites."},
}


def _effects(kb: Knowledge, units: UnitConverter, measure, enterprises: list[Enterprise]) -> list[dict]:
    """Each effect, with the enterprises' current total where the survey gives it (pollutant loads in t/a,
    indicator averages), so that the range becomes an amount (diagnostics/effects.py, by mode)."""
    return expected_effects(kb, units, measure, enterprises)

