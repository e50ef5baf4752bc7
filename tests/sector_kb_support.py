"""Checks every sector file must pass (issue 11), counted through SPARQL on the built knowledge base.

Each sector test calls these with its sector IRI and adds what is particular to the sector."""

from __future__ import annotations

from diagnose_support import real_store


def count(where: str) -> int:
    return int(real_store().select(f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {where} }}").rows[0]["n"])


def assert_sector_minimums(sector: str) -> None:
    """At least 10 processes, 25 techniques, 15 problems, 40 measures, 20 rules and 10 indicators."""
    for kind, least in (("Process", 10), ("Technique", 25), ("Problem", 15), ("Measure", 40), ("Rule", 20),
                        ("Indicator", 10)):
        assert count(f"?x a cpkb:{kind} ; cpkb:sector {sector}") >= least, kind


def process_orders(sector: str) -> list[int]:
    rows = real_store().select(f"SELECT ?o WHERE {{ ?p a cpkb:Process ; cpkb:sector {sector} ; cpkb:order ?o }}").rows
    return [int(r["o"]) for r in rows]


def loose_problems(sector: str) -> list:
    """Problems without a process, a rule that detects them or a measure that addresses them."""
    return real_store().select(f"""SELECT ?p WHERE {{ ?p a cpkb:Problem ; cpkb:sector {sector} .
        FILTER (NOT EXISTS {{ ?p cpkb:process ?proc }}
             || NOT EXISTS {{ ?r cpkb:detects ?p }} || NOT EXISTS {{ ?m cpkb:addresses ?p }}) }}""").rows


def measured_indicators(sector: str) -> int:
    return len(real_store().select(f"""SELECT ?i WHERE {{ ?i a cpkb:Indicator ; cpkb:sector {sector} ;
        cpkb:unit ?u ; cpkb:direction ?d }}""").rows)


def unsourced_or_unlabelled(sector: str) -> list:
    # a link to a shared measure takes its labels and sources from the shared measure
    return real_store().select(f"""SELECT ?x WHERE {{ ?x cpkb:sector {sector} .
        FILTER NOT EXISTS {{ ?x a cpkb:MeasureLink }}
        FILTER (NOT EXISTS {{ ?x dcterms:source ?s }}
             || NOT EXISTS {{ ?x skos:prefLabel ?zh FILTER(lang(?zh) = 'zh') }}
             || NOT EXISTS {{ ?x skos:prefLabel ?en FILTER(lang(?en) = 'en') }}) }}""").rows


def obsolete_labels(sector: str) -> set[str]:
    return {str(r["zh"]) for r in real_store().select(
        f"SELECT ?zh WHERE {{ ?t a cpkb:Technique ; cpkb:sector {sector} ; cpkb:status cpkb:StatusObsolete ; "
        "skos:prefLabel ?zh FILTER(lang(?zh)='zh') }").rows}


def obsolete_with_basis(sector: str) -> int:
    return len(real_store().select(f"""SELECT DISTINCT ?t WHERE {{ ?t a cpkb:Technique ; cpkb:sector {sector} ;
        cpkb:status cpkb:StatusObsolete ; cpkb:hasStatusBasis/cpkb:document ?d }}""").rows)


def max_limits(sector: str) -> dict[tuple[str, str], float]:
    rows = real_store().select(f"""SELECT ?set ?pol ?v WHERE {{ ?r a cpkb:RequirementSet ; cpkb:sector {sector} ;
        cpkb:key ?set ; cpkb:hasLimit ?l . ?l cpkb:pollutant/cpkb:key ?pol ; cpkb:maxValue ?v }}""").rows
    return {(str(r["set"]), str(r["pol"])): float(r["v"]) for r in rows}


def rules_with_condition(sector: str, condition_class: str) -> int:
    return count(f"?x a cpkb:Rule ; cpkb:sector {sector} ; cpkb:condition/(cpkb:operand*) ?c . "
                 f"?c a cpkb:{condition_class}")


def findings(result) -> dict:
    return {i["problem"]: set(i["enterprises"]) for i in result["key_issues"] + result["other_findings"]}
