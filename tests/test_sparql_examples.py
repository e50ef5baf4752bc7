"""Every example query of the gallery runs without error against the knowledge base."""

from __future__ import annotations

import pytest

from cpkb.web.app import create_app
from cpkb.web.sparql import close_executor, load_examples



@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """The endpoint over the real (bundled) knowledge base: the gallery answers questions about it."""
    from cpkb.kb.build import build
    from cpkb.settings import load_settings

    tmp = tmp_path_factory.mktemp("examples")
    settings = load_settings(kb_dir="", store_dir=str(tmp / "real-store"), endpoint="", store_mode="memory")
    settings["sparql_workers"] = 2
    build(settings)
    app = create_app({"CPKB": settings})
    with app.test_client() as test_client:
        yield test_client
    close_executor(app)


EXAMPLES = load_examples()


def test_the_gallery_has_titled_examples():
    assert len(EXAMPLES) >= 6
    for example in EXAMPLES:
        assert example.title and example.description and "SELECT" in example.query


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_example_runs(client, example):
    response = client.post("/sparql", data={"query": example.query, "format": "json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    data = response.get_json()
    assert data["head"]["vars"] and "bindings" in data["results"]
    assert response.headers["X-CPKB-Truncated"] == "false"
    if example.needs_sector and not _sector_has_measures(client, example.needs_sector):
        pytest.skip(f"{example.name} answers once the {example.needs_sector} sector has its measures "
                    "(a later issue); it runs, and returns nothing yet")
    assert data["results"]["bindings"], f"{example.name} answers nothing: the question or the knowledge is wrong"


def _sector_has_measures(client, sector: str) -> bool:
    ask = f'ASK {{ ?m a cpkb:Measure ; cpkb:sector/cpkb:key "{sector}" }}'
    return client.post("/sparql", data={"query": ask, "format": "json"}).get_json()["boolean"]


# ---------------------------------------------------------------------- each answer against an independent count

from rdflib import Literal, URIRef  # noqa: E402
from rdflib.namespace import RDF, SKOS  # noqa: E402

from cpkb.kb.namespaces import CPKB  # noqa: E402


@pytest.fixture(scope="module")
def graph(client):
    """The whole knowledge base as an rdflib graph, counted with plain Python below (no SPARQL logic)."""
    from cpkb.kb.build import open_store

    settings = client.application.config["CPKB"]
    return open_store(settings).construct("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")


def _rows(client, name: str) -> list[dict]:
    example = next(e for e in EXAMPLES if e.name == name)
    data = client.post("/sparql", data={"query": example.query, "format": "json"}).get_json()
    return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]


def _zh(graph, node) -> str:
    return next((str(o) for o in graph.objects(node, SKOS.prefLabel) if o.language == "zh"), "")


def _key(graph, node) -> str:
    return str(graph.value(node, CPKB.key) or "")


def test_01_vocs_measures(client, graph):
    expected = set()
    for measure in graph.subjects(RDF.type, CPKB.Measure):
        if _key(graph, graph.value(measure, CPKB.sector)) != "packaging-printing":
            continue
        for effect in graph.objects(measure, CPKB.hasEffect):
            if any("voc" in _key(graph, p).lower() for p in graph.objects(effect, CPKB.onPollutant)):
                expected.add(str(measure))
    assert {r["measure"] for r in _rows(client, "01-vocs-measures-packaging-printing")} == expected


def test_02_water_problems_per_sector(client, graph):
    expected: dict[str, set] = {}
    for problem in graph.subjects(CPKB.category, CPKB.CategoryWaterUse):
        if (problem, RDF.type, CPKB.Problem) in graph:
            for sector in graph.objects(problem, CPKB.sector):
                expected.setdefault(str(sector), set()).add(problem)
    got = {r["sector"]: int(r["waterProblems"]) for r in _rows(client, "02-sectors-most-water-problems")}
    assert got == {s: len(p) for s, p in expected.items()} and got


def test_03_limiting_indicators(client, graph):
    expected = {str(i) for i in graph.subjects(CPKB.limiting, Literal(True))
                if (i, RDF.type, CPKB.Indicator) in graph and graph.value(i, CPKB.sector) is not None}
    assert {r["indicator"] for r in _rows(client, "03-limiting-indicator-benchmarks")} == expected and expected


def test_04_obsolete_techniques(client, graph):
    expected = {str(t) for status in (CPKB.StatusObsolete, CPKB.StatusRestricted)
                for t in graph.subjects(CPKB.status, status) if (t, RDF.type, CPKB.Technique) in graph}
    assert {r["technique"] for r in _rows(client, "04-obsolete-techniques-replacements")} == expected and expected


def test_05_low_cost_measures(client, graph):
    expected = {}
    for measure in graph.subjects(CPKB.costClass, CPKB.LowCost):
        problems = set(graph.objects(measure, CPKB.addresses))
        if problems and graph.value(measure, CPKB.route) is not None and graph.value(measure, CPKB.sector) is not None:
            expected[_zh(graph, measure)] = len(problems)
    got = {r["measureLabel"]: int(r["problems"]) for r in _rows(client, "05-low-cost-measures-by-route")}
    assert got == expected and got


def test_06_heavy_metal_measures(client, graph):
    expected = set()
    for pollutant in graph.subjects(CPKB.role, CPKB.RoleFirstClass):
        for effect in graph.subjects(CPKB.onPollutant, pollutant):
            for measure in graph.subjects(CPKB.hasEffect, effect):
                expected.add((str(pollutant), str(measure)))
    got = {(r["pollutant"], r["measure"]) for r in _rows(client, "06-heavy-metal-measures")}
    assert got == expected and got


def test_07_unverified_sources_per_sector(client, graph):
    cited: dict[str, set] = {}
    unverified: dict[str, set] = {}
    for entry, sector in graph.subject_objects(CPKB.sector):
        citations = list(graph.objects(entry, CPKB.citation))
        if not citations:
            continue
        cited.setdefault(str(sector), set()).add(entry)
        if any(graph.value(c, CPKB.verified) == Literal(False) for c in citations):
            unverified.setdefault(str(sector), set()).add(entry)
    got = {r["sector"]: (int(r["unverified"]), int(r["cited"])) for r in _rows(client, "07-unverified-sources-per-sector")}
    assert got == {s: (len(unverified.get(s, ())), len(e)) for s, e in cited.items()}
    assert any(u for u, _ in got.values()), "some entries rest on unverified sources: the query must see them"


def test_08_region_key_pollutants_by_label(client, graph):
    rows = {r["area"]: r for r in _rows(client, "08-region-key-pollutants")}
    for kind in (CPKB.Region, CPKB.Basin):
        for area in graph.subjects(RDF.type, kind):
            row = rows[str(area)]
            pollutants = {_zh(graph, p) for p in graph.objects(area, CPKB.keyPollutant)}
            assert set(filter(None, row.get("keyPollutants", "").split("、"))) == pollutants
            assert row["areaLabel"] == _zh(graph, area)
            assert not any(_key(graph, p) in row.get("keyPollutants", "") for p in graph.objects(area, CPKB.keyPollutant)
                           if _key(graph, p).isascii() and len(_key(graph, p)) > 2)


def test_query_page_speaks_the_page_language(client):
    """The introduction and the gallery in Chinese on the Chinese page, in English on the English one."""
    zh = client.get("/sparql?lang=zh", headers={"Accept": "text/html"}).get_data(as_text=True)
    en = client.get("/sparql?lang=en", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "只读 SPARQL 1.1 查询" in zh and "Read-only SPARQL 1.1" not in zh
    assert "Read-only SPARQL 1.1" in en and "只读 SPARQL 1.1 查询" not in en
    for example in EXAMPLES:
        if example.title_zh:
            assert f">{example.title_zh}</a>" in zh
            assert example.description_zh in zh
            assert f">{example.title.split(' · ')[0]}</a>" in en
