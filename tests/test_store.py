"""Both store backends answer the same queries the same way: embedded Oxigraph and a real `oxigraph serve`."""

from __future__ import annotations

import pytest
from rdflib import Literal, URIRef

from cpkb.kb.build import build, open_store, store_is_current
from cpkb.kb.compile import compile_kb
from cpkb.kb.namespaces import CPKB, ID
from cpkb.kb.store import OxigraphStore, QuerySyntaxError, RemoteStore, StoreError

MEASURE = ID["demo/measure/adopt-countercurrent-rinse"]


@pytest.fixture(params=["memory", "disk", "remote"])
def loaded_store(request, mini_kb, tmp_path):
    """The mini knowledge base loaded into each backend."""
    if request.param == "remote":
        store = RemoteStore(request.getfixturevalue("oxigraph_server") + "/query")
    else:
        store = OxigraphStore(tmp_path / "disk" if request.param == "disk" else None)
    store.replace_all(compile_kb(mini_kb).dataset)
    yield store
    store.close()


def test_select_sees_every_named_graph_as_default(loaded_store):
    rows = loaded_store.select("SELECT ?m ?zh WHERE { ?m a cpkb:Measure ; skos:prefLabel ?zh FILTER(lang(?zh)='zh') }")
    assert rows.variables == ["m", "zh"]
    assert rows.rows == [{"m": MEASURE, "zh": Literal("改为多级逆流漂洗", lang="zh")}]


def test_ask_construct_and_count(loaded_store):
    assert loaded_store.ask("ASK { ?r cpkb:detects ?p }") is True
    assert loaded_store.ask("ASK { ?r cpkb:detects cpkb:Nothing }") is False
    graph = loaded_store.construct(f"CONSTRUCT {{ <{MEASURE}> ?p ?o }} WHERE {{ <{MEASURE}> ?p ?o }}")
    assert (MEASURE, CPKB.costClass, None) in graph
    assert loaded_store.triple_count() > 1000


def test_unbound_values_are_none(loaded_store):
    rows = loaded_store.select("SELECT ?m ?x WHERE { ?m a cpkb:Measure OPTIONAL { ?m cpkb:nothing ?x } }")
    assert rows.rows[0]["x"] is None


def test_bad_query_raises_syntax_error(loaded_store):
    with pytest.raises(QuerySyntaxError):
        loaded_store.select("SELECT WHERE { ?s ?p }")


def test_replace_all_drops_old_content(loaded_store, mini_kb):
    demo = mini_kb / "sectors/demo.yaml"
    demo.write_text(demo.read_text(encoding="utf-8").replace("改为多级逆流漂洗", "逆流改造"), encoding="utf-8")
    loaded_store.replace_all(compile_kb(mini_kb).dataset)
    labels = loaded_store.select(f"SELECT ?l WHERE {{ <{MEASURE}> skos:prefLabel ?l FILTER(lang(?l)='zh') }}")
    assert labels.values("l") == [Literal("逆流改造", lang="zh")]


def test_unreachable_remote_store_gives_a_clear_error():
    store = RemoteStore("http://127.0.0.1:9/query", timeout_s=2)
    with pytest.raises(StoreError, match="cannot reach"):
        store.select("SELECT * WHERE { ?s ?p ?o }")


def test_open_store_builds_when_missing_and_rebuilds_when_sources_change(settings, mini_kb):
    reports = []
    store = open_store(settings, mini_kb, on_build=reports.append)
    assert len(reports) == 1 and reports[0].counts["Measure"] == 1
    assert store_is_current(settings, mini_kb)
    open_store(settings, mini_kb, on_build=reports.append)
    assert len(reports) == 1  # current: not rebuilt
    demo = mini_kb / "sectors/demo.yaml"
    demo.write_text(demo.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert not store_is_current(settings, mini_kb)
    open_store(settings, mini_kb, on_build=reports.append)
    assert len(reports) == 2


def test_build_into_remote_endpoint(settings, mini_kb, oxigraph_server):
    report = build({**settings, "endpoint": oxigraph_server + "/query"}, mini_kb)
    assert report.target.startswith("remote SPARQL server")
    store = open_store({**settings, "endpoint": oxigraph_server + "/query"}, mini_kb)
    assert store.triple_count() == report.triples
