"""Energy (能源: thermal power, CHP and heating boilers): the sector's figures counted through SPARQL, and a small
survey diagnosed end to end."""

from __future__ import annotations

from diagnose_support import real_store
from sector_kb_support import count, obsolete_labels, obsolete_with_basis, process_orders, unsourced_or_unlabelled

EN = "<https://w3id.org/cpkb/id/energy>"
ENI = "https://w3id.org/cpkb/id/energy/"


def test_processes_are_in_production_order_and_every_route_is_modelled():
    orders = process_orders(EN)
    assert len(orders) == len(set(orders)) >= 10
    keys = {str(r["k"]) for r in real_store().select(
        f"SELECT ?k WHERE {{ ?p a cpkb:Process ; cpkb:sector {EN} ; cpkb:key ?k }}").rows}
    # coal-fired power and CHP (coal yard to heat network), heating boilers, gas combined cycle, the flue-gas train
    assert {"fuel-handling", "pulverising", "boiler-firing", "gas-turbine", "turbine-generator", "cooling",
            "water-treatment", "denox", "dust-removal", "fgd", "ash-handling", "wastewater-treatment",
            "heat-supply"} <= keys


def test_every_technique_has_a_status_and_the_eliminated_ones_are_there():
    assert count(f"?x a cpkb:Technique ; cpkb:sector {EN} FILTER NOT EXISTS {{ ?x cpkb:status ?s }}") == 0
    assert count(f"?x a cpkb:Technique ; cpkb:sector {EN}") >= 25
    assert {"单机10万千瓦及以下常规燃煤火电机组", "以发电为主的5万千瓦及以下燃油机组",
            "设计寿命期满的单机20万千瓦以下燃煤机组"} <= obsolete_labels(EN)
    # small coal boilers are eliminated where the air plans say so (built-up areas, key regions), restricted elsewhere
    assert count(f"<{ENI}technique/small-coal-boiler-tech> cpkb:hasStatusBasis ?x . ?x cpkb:status cpkb:StatusObsolete ; "
                 "cpkb:document ?d") >= 1
    assert count(f"?x a cpkb:Technique ; cpkb:sector {EN} ; cpkb:status cpkb:StatusAdvanced") >= 10
    assert obsolete_with_basis(EN) >= 3


def test_every_sector_entry_is_sourced_and_labelled_in_both_languages():
    assert unsourced_or_unlabelled(EN) == []
