"""The Knowledge kept next to the embedded store (diagnostics/knowledge_cache.py): served only for the very build
it was made from, never stale after a rebuild, and the same as one read from the store."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from cpkb.diagnostics.knowledge import DROPPED, knowledge_for, load_knowledge
from cpkb.diagnostics.knowledge_cache import CACHE_DIR, knowledge_of
from cpkb.diagnostics.names import matcher_for
from cpkb.kb.build import build, open_store
from cpkb.kb.formula import compile_formula, registry_from_definitions
from rdflib import URIRef
from rdflib.namespace import SKOS


@pytest.fixture
def kb_settings(tmp_path, mini_kb):
    from cpkb.settings import load_settings

    return load_settings(kb_dir=str(mini_kb), store_dir=str(tmp_path / "store"), endpoint="", store_mode="memory")


def _sector_label(kb) -> str:
    (sector,) = [iri for iri, kind in kb.kinds.items() if kind == "sector"]
    return kb.label(sector)["zh"]


def _cached(settings) -> list[Path]:
    return sorted((Path(settings["store_dir"]) / CACHE_DIR).glob("knowledge-*.pickle"))


def test_a_warm_start_reads_no_store_and_a_rebuilt_store_is_never_served_stale(kb_settings, mini_kb):
    first, store = knowledge_of(kb_settings)
    assert _sector_label(first) == "示例行业"
    (kept,) = _cached(kb_settings)
    warm, lazy = knowledge_of(kb_settings)
    assert lazy._store is None, "a cached Knowledge must not open the store"
    assert _sector_label(warm) == "示例行业" and warm.version == first.version
    # the sources change: the next start rebuilds the store, and the Knowledge kept for the old build is not used
    demo = mini_kb / "sectors" / "demo.yaml"
    demo.write_text(demo.read_text(encoding="utf-8").replace("示例行业", "改过的行业", 1), encoding="utf-8")
    rebuilt = []
    fresh, _ = knowledge_of(kb_settings, on_build=rebuilt.append)
    assert len(rebuilt) == 1 and _sector_label(fresh) == "改过的行业"
    (now,) = _cached(kb_settings)
    assert now != kept, "the old build's file is replaced, not reused"
    # `cpkb build` run by hand (same sources again, then changed back): each build is its own key
    demo.write_text(demo.read_text(encoding="utf-8").replace("改过的行业", "示例行业", 1), encoding="utf-8")
    build(kb_settings, mini_kb)
    again, _ = knowledge_of(kb_settings)
    assert _sector_label(again) == "示例行业"


def test_an_unreadable_cache_file_is_built_again(kb_settings):
    knowledge_of(kb_settings)
    (kept,) = _cached(kb_settings)
    kept.write_bytes(b"not a pickle")
    kb, store = knowledge_of(kb_settings)
    assert store._store is not None and _sector_label(kb) == "示例行业"
    assert pickle.loads(kept.read_bytes()).version == kb.version


def test_the_kept_graph_answers_as_the_store_graph_in_its_order(kb_settings):
    store = open_store(kb_settings)
    graph = store.construct("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    kb = pickle.loads(pickle.dumps(load_knowledge(graph, "test")))
    dropped = set(map(str, DROPPED))
    kept = [(s, p, o) for s, p, o in graph if str(p) not in dropped]
    assert len(kb.graph) == len(kept) and len(kept) < len(graph)
    for s, p, o in kept:
        assert list(kb.graph.objects(s, p)) == list(graph.objects(s, p))
        assert list(kb.graph.subjects(p, o)) == list(graph.subjects(p, o))
        assert kb.graph.value(s, p) == graph.value(s, p) and (s, p, o) in kb.graph
    # a reader asking for what was dropped fails at once instead of finding nothing
    some = next(iter(kb.kinds))
    with pytest.raises(LookupError, match="not kept"):
        list(kb.graph.objects(URIRef(some), SKOS.altLabel))


def test_a_cached_knowledge_resolves_names_as_a_fresh_one(kb_settings):
    fresh = knowledge_for(open_store(kb_settings))
    knowledge_of(kb_settings)
    cached, _ = knowledge_of(kb_settings)
    for text in ("清洗", "多级逆流漂洗", "电镀"):
        assert matcher_for(cached).resolve("technique", text) == matcher_for(fresh).resolve("technique", text)
        assert matcher_for(cached).resolve("process", text) == matcher_for(fresh).resolve("process", text)


def test_a_compiled_formula_pickles_as_its_text_and_factor():
    registry = registry_from_definitions([])
    formula = compile_formula("a / b", {"a": "t", "b": "kg"}, "percent", registry)   # inputs in kg
    again = pickle.loads(pickle.dumps(formula))
    assert again.evaluate({"a": 3.0, "b": 4.0}) == formula.evaluate({"a": 3.0, "b": 4.0}) == 75.0
    assert again.text == formula.text and again.factor == formula.factor
