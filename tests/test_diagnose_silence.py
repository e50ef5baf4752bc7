"""Silence is not evidence: a finding that rests only on a technique missing from a list is to be verified on site
(待现场核实) unless the survey declares that list complete; such findings make no key issue by themselves."""

from __future__ import annotations

from cpkb.diagnostics.engine import diagnose

from diagnose_support import read, real_store

EP = "https://w3id.org/cpkb/id/electroplating/"
NO_RECOVERY = EP + "problem/no-drag-out-recovery"
SINGLE_TANK = EP + "problem/single-tank-rinse"


def _plant(ident: str, complete=None) -> dict:
    processes = [{"process": "电镀", "techniques": ["碱性锌酸盐镀锌"]}, {"process": "水洗", "techniques": ["单槽清洗"]}]
    for entry in processes if complete is not None else ():
        entry["complete"] = complete
    return {"id": ident, "output": {"product": "镀件", "value": 10, "unit": "万m2"}, "processes": processes}


def _survey(*plants, **scope) -> dict:
    return {"cpkb_survey": 1, "scope": {"sector": "电镀", **scope}, "enterprises": list(plants)}


def test_absence_from_an_open_list_is_only_to_verify():
    result = diagnose(read(_survey(_plant("A"), _plant("B"))), real_store())
    assert NO_RECOVERY not in {i["problem"] for i in result["key_issues"] + result["other_findings"]}
    held = {u["problem"]: u for u in result["unconfirmed"]}
    assert held[NO_RECOVERY]["enterprises"] == ["A", "B"]
    assert "待现场核实" in held[NO_RECOVERY]["status"]["zh"]
    # a technique that is listed is evidence whatever the list says: single-tank rinsing stays a key issue
    assert SINGLE_TANK in {i["problem"] for i in result["key_issues"]}


def test_a_complete_list_makes_absence_evidence():
    result = diagnose(read(_survey(_plant("A", complete="是"), _plant("B", complete=True))), real_store())
    assert NO_RECOVERY in {i["problem"] for i in result["key_issues"]}
    assert NO_RECOVERY not in {u["problem"] for u in result["unconfirmed"]}


def test_scope_wide_declaration_and_mixed_enterprises():
    result = diagnose(read(_survey(_plant("A"), _plant("B"), technique_lists_complete=True)), real_store())
    assert NO_RECOVERY in {i["problem"] for i in result["key_issues"]}
    mixed = diagnose(read(_survey(_plant("A", complete=True), _plant("B"), _plant("C"))), real_store())
    found = {i["problem"]: i for i in mixed["key_issues"] + mixed["other_findings"]}
    assert found[NO_RECOVERY]["enterprises"] == ["A"]
    assert {u["problem"]: u["enterprises"] for u in mixed["unconfirmed"]}[NO_RECOVERY] == ["B", "C"]


def test_recovery_absent_needs_every_list_of_the_plant_complete():
    """The recovery techniques belong to a process the plant did not list: only complete lists everywhere say
    that it has none."""
    plant = _plant("A")
    plant["processes"][0]["complete"] = True          # plating complete, rinsing open
    result = diagnose(read(_survey(plant)), real_store())
    assert NO_RECOVERY in {u["problem"] for u in result["unconfirmed"]}


def test_complete_flag_must_be_yes_or_no():
    survey = read(_survey(_plant("A", complete="maybe")))
    assert [p.place for p in survey.problems] == ["enterprises[0].processes[0].complete",
                                                  "enterprises[0].processes[1].complete"]
