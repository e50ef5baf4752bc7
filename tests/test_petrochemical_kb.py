"""Petrochemicals and chemicals (石化化工): petroleum refining and the ethylene route, counted through SPARQL, and a small
survey diagnosed end to end."""

from __future__ import annotations

from diagnose_support import real_store
from sector_kb_support import count, obsolete_labels, obsolete_with_basis, process_orders, unsourced_or_unlabelled

PC = "<https://w3id.org/cpkb/id/petrochemical>"
PCI = "https://w3id.org/cpkb/id/petrochemical/"


def test_processes_are_in_production_order_and_the_key_units_are_modelled():
    orders = process_orders(PC)
    assert len(orders) == len(set(orders)) >= 10
    keys = {str(r["k"]) for r in real_store().select(
        f"SELECT ?k WHERE {{ ?p a cpkb:Process ; cpkb:sector {PC} ; cpkb:key ?k }}").rows}
    # the refinery route from tankage to utilities, and the steam-cracking route of basic petrochemicals
    assert {"storage-tanks", "crude-distillation", "desalting", "fcc", "hydrotreating", "hydrocracking",
            "catalytic-reforming", "delayed-coking", "sulfur-recovery", "sour-water-stripping", "steam-cracking",
            "loading", "equipment-components", "process-vents", "flare", "process-heaters", "cooling-water",
            "steam-power-system", "wastewater-treatment"} <= keys


def test_every_technique_has_a_status_and_the_eliminated_ones_are_there_with_their_basis():
    assert count(f"?x a cpkb:Technique ; cpkb:sector {PC}") >= 25
    assert count(f"?x a cpkb:Technique ; cpkb:sector {PC} FILTER NOT EXISTS {{ ?x cpkb:status ?s }}") == 0
    assert {"200万吨/年及以下常减压装置", "明火加热釜式蒸馏装置", "废旧橡胶和塑料土法炼油"} <= obsolete_labels(PC)
    assert obsolete_with_basis(PC) >= 4
    assert count(f"?x a cpkb:Technique ; cpkb:sector {PC} ; cpkb:status cpkb:StatusAdvanced") >= 10
    assert count(f"?x a cpkb:Technique ; cpkb:sector {PC} ; cpkb:status cpkb:StatusRestricted") >= 3


def test_every_sector_entry_is_sourced_and_labelled_in_both_languages():
    assert unsourced_or_unlabelled(PC) == []
