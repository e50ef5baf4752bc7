"""The SPARQL 1.1 Protocol of /sparql, with SPARQLWrapper and plain HTTP, on both backends."""

from __future__ import annotations

import io
import json

import pytest
import requests
from rdflib import Graph, URIRef
from rdflib.query import Result
from SPARQLWrapper import CSV, JSON, POST, TURTLE, XML, SPARQLWrapper

from cpkb.web.app import create_app

from sparql_support import load_remote, mini_settings, serving

DEMO = "https://w3id.org/cpkb/id/demo"
DEMO_GRAPH = "https://w3id.org/cpkb/graph/sector/demo"
SECTORS = "SELECT ?s ?label WHERE { ?s a cpkb:Sector ; skos:prefLabel ?label } ORDER BY ?label"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module", params=["embedded", "remote"])
def url(request, tmp_path_factory):
    settings = mini_settings(tmp_path_factory.mktemp("proto"))
    if request.param == "remote":
        settings = load_remote(request.getfixturevalue("oxigraph_server"), settings)
    app = create_app({"CPKB": settings})
    with serving(app) as base:
        yield f"{base}/sparql"


# ---------------------------------------------------------------------- SPARQLWrapper

@pytest.mark.parametrize("method", ["GET", POST])
def test_sparqlwrapper_select_ask_construct(url, method):
    wrapper = SPARQLWrapper(url)
    wrapper.setMethod(method)
    wrapper.setQuery(SECTORS)
    wrapper.setReturnFormat(JSON)
    rows = wrapper.queryAndConvert()["results"]["bindings"]
    assert {r["s"]["value"] for r in rows} == {DEMO}
    wrapper.setReturnFormat(XML)
    xml = wrapper.queryAndConvert()
    assert xml.getElementsByTagName("uri")[0].firstChild.data == DEMO
    wrapper.setReturnFormat(CSV)
    assert DEMO.encode() in wrapper.queryAndConvert()
    wrapper.setQuery("ASK { <%s> a cpkb:Sector }" % DEMO)
    wrapper.setReturnFormat(JSON)
    assert wrapper.queryAndConvert()["boolean"] is True
    wrapper.setQuery("CONSTRUCT WHERE { <%s> a ?type ; skos:prefLabel ?l }" % DEMO)
    wrapper.setReturnFormat(TURTLE)
    graph = Graph().parse(data=wrapper.queryAndConvert(), format="turtle")
    assert (URIRef(DEMO), None, None) in graph


def test_sparqlwrapper_describe(url):
    wrapper = SPARQLWrapper(url)
    wrapper.setQuery(f"DESCRIBE <{DEMO}>")
    wrapper.setReturnFormat(XML)
    graph = wrapper.queryAndConvert()
    assert len(graph) > 5


# ---------------------------------------------------------------------- plain HTTP

def test_get_post_form_post_direct_agree(url):
    get = requests.get(url, params={"query": SECTORS}, headers={"Accept": "application/sparql-results+json"})
    form = requests.post(url, data={"query": SECTORS}, headers={"Accept": "application/sparql-results+json"})
    direct = requests.post(url, data=SECTORS.encode(), headers={
        "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
    assert get.status_code == form.status_code == direct.status_code == 200
    assert get.json() == form.json() == direct.json()
    assert get.headers["Content-Type"].startswith("application/sparql-results+json")
    assert get.headers["Access-Control-Allow-Origin"] == "*"  # CORS on for GET


@pytest.mark.parametrize("accept,format_,expected", [
    ("application/sparql-results+json", "json", "application/sparql-results+json"),
    ("application/json", "srj", "application/sparql-results+json"),
    ("application/sparql-results+xml", "xml", "application/sparql-results+xml"),
    ("text/csv", "csv", "text/csv"),
    ("text/tab-separated-values", "tsv", "text/tab-separated-values"),
    ("*/*", None, "application/sparql-results+json"),
])
def test_select_formats(url, accept, format_, expected):
    by_accept = requests.get(url, params={"query": SECTORS}, headers={"Accept": accept})
    assert by_accept.status_code == 200 and by_accept.headers["Content-Type"].startswith(expected)
    if format_:
        by_param = requests.get(url, params={"query": SECTORS, "format": format_}, headers={"Accept": "text/csv"})
        assert by_param.headers["Content-Type"].startswith(expected)
        assert by_param.content == by_accept.content
    fmt = {"application/sparql-results+json": "json", "application/sparql-results+xml": "xml",
           "text/csv": "csv", "text/tab-separated-values": "tsv"}[expected]
    result = Result.parse(io.BytesIO(by_accept.content), format=fmt)
    assert {str(row[0]) for row in result} == {DEMO}


@pytest.mark.parametrize("accept,rdflib_format", [
    ("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/ld+json", "json-ld"),
    ("application/rdf+xml", "xml"),
])
def test_construct_formats(url, accept, rdflib_format):
    query = f"CONSTRUCT {{ ?s skos:prefLabel ?l }} WHERE {{ ?s a cpkb:Sector ; skos:prefLabel ?l }}"
    response = requests.post(url, data={"query": query}, headers={"Accept": accept})
    assert response.status_code == 200 and response.headers["Content-Type"].startswith(accept)
    graph = Graph().parse(data=response.content, format=rdflib_format)
    assert len(graph) == 2 and (URIRef(DEMO), None, None) in graph


def test_malformed_query_is_400_with_the_parsers_message(url):
    response = requests.get(url, params={"query": "SELECT * WHERE { ?s ?p }"})
    assert response.status_code == 400
    assert "Malformed query" in response.text and "1:" in response.text  # where the parser stopped
    assert "Traceback" not in response.text and "/work" not in response.text


def test_406_lists_the_supported_types(url):
    response = requests.get(url, params={"query": SECTORS}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    for media in ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                  "text/tab-separated-values"):
        assert media in response.text
    graph = requests.get(url, params={"query": "CONSTRUCT WHERE { ?s ?p ?o }", "format": "csv"})
    assert graph.status_code == 406 and "text/turtle" in graph.text


def test_protocol_errors(url):
    assert requests.put(url, data="x").status_code == 405
    assert requests.delete(url).status_code == 405
    two = requests.get(url, params=[("query", "ASK {}"), ("query", "ASK {}")])
    assert two.status_code == 400
    wrong_type = requests.post(url, data="ASK {}", headers={"Content-Type": "text/plain"})
    assert wrong_type.status_code == 415
    utf16 = requests.post(url, data="ASK {}".encode("utf-16"),
                          headers={"Content-Type": "application/sparql-query; charset=UTF-16"})
    assert utf16.status_code == 415
    options = requests.options(url)
    assert options.status_code == 204 and options.headers["Access-Control-Allow-Origin"] == "*"


def test_dataset_parameters_on_local_graphs(url):
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    whole = requests.get(url, params={"query": count, "format": "json"}).json()
    one = requests.get(url, params={"query": count, "format": "json", "default-graph-uri": DEMO_GRAPH}).json()
    n_whole = int(whole["results"]["bindings"][0]["n"]["value"])
    n_one = int(one["results"]["bindings"][0]["n"]["value"])
    assert 0 < n_one < n_whole
    named = requests.post(url, data={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", "format": "json",
                                     "named-graph-uri": DEMO_GRAPH}).json()
    assert [b["g"]["value"] for b in named["results"]["bindings"]] == [DEMO_GRAPH]
    # the protocol's dataset wins over the query's own FROM
    both = requests.get(url, params={"query": "SELECT (COUNT(*) AS ?n) FROM <https://w3id.org/cpkb/graph/ontology> "
                                              "WHERE { ?s ?p ?o }", "format": "json", "default-graph-uri": DEMO_GRAPH})
    assert int(both.json()["results"]["bindings"][0]["n"]["value"]) == n_one


def test_service_description_with_void(url):
    response = requests.get(url, headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=response.text, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    void = "http://rdfs.org/ns/void#"
    assert (None, URIRef(sd + "supportedLanguage"), URIRef(sd + "SPARQL11Query")) in graph
    assert (None, URIRef(sd + "resultFormat"), URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON")) in graph
    names = {str(o) for o in graph.objects(None, URIRef(sd + "name"))}
    assert DEMO_GRAPH in names
    triples = [int(o) for o in graph.objects(URIRef(url + "#dataset"), URIRef(void + "triples"))]
    assert triples and triples[0] > 1000
    plain = requests.get(url)  # */*: a non-browser gets the description too
    assert plain.headers["Content-Type"].startswith("text/turtle")
    jsonld = requests.get(url, headers={"Accept": "application/ld+json"})
    assert jsonld.status_code == 200 and json.loads(jsonld.text)


def test_browser_gets_the_query_page(url):
    response = requests.get(url, headers={"Accept": BROWSER})
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
    page = response.text
    assert 'id="sparql-query"' in page and "PREFIX cpkb: &lt;https://w3id.org/cpkb/def/&gt;" in page
    assert "sparql/editor.js" in page and "<script>" not in page  # no inline script
    assert "yasgui/yasgui.min.js" in page and "sparql/yasgui-setup.js" in page
    assert "http://" not in page.split("<body")[0].replace("http://www.w3.org", "")  # nothing from a CDN
    assert page.count('class="example"') >= 6
    prefilled = requests.get(url, params={"query": SECTORS}, headers={"Accept": BROWSER})
    assert "ORDER BY ?label" in prefilled.text and 'data-run-now="true"' in prefilled.text
    base = url.rsplit("/sparql", 1)[0]
    js = requests.get(base + "/static/sparql/editor.js")
    css = requests.get(base + "/static/sparql/sparql.css")
    assert js.status_code == 200 and "X-CPKB-Truncated" in js.text
    assert css.status_code == 200
    bundle = requests.get(base + "/static/yasgui/yasgui.min.js")
    assert bundle.status_code == 200 and len(bundle.content) > 500_000  # built from npm, committed, served here
    vocabulary = requests.get(url + "/vocabulary").json()
    assert "https://w3id.org/cpkb/def/Sector" in vocabulary["classes"] and vocabulary["prefixes"]["cpkb"]


def test_download_and_labels(url):
    response = requests.post(url + "?download=1", data={"query": SECTORS, "format": "csv"})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="cpkb-result.csv"'
    labels = requests.post(url + "/labels", json={"iris": [DEMO, "https://w3id.org/cpkb/def/Sector", "bad iri>"]})
    assert labels.status_code == 200
    found = labels.json()["labels"]
    assert found[DEMO] == {"label": "示例行业", "lang": "zh", "fallback": False}
    assert "https://w3id.org/cpkb/def/Sector" in found


@pytest.mark.parametrize("query,expected", [
    (SECTORS, "application/sparql-results+json"), ("ASK { ?s ?p ?o }", "application/sparql-results+json"),
    ("CONSTRUCT { ?s a cpkb:Sector } WHERE { ?s a cpkb:Sector }", "text/turtle"),
])
def test_a_client_sending_no_accept_header_gets_the_protocol_default(url, query, expected):
    """`curl URL?query=…` sends Accept: */*, a bare HTTP client none at all: both get the SPARQL 1.1 default of
    their query form (results as JSON, graphs as Turtle), never the HTML page."""
    import http.client
    from urllib.parse import urlencode, urlsplit

    parts = urlsplit(url)
    for headers in ({}, {"Accept": "*/*", "User-Agent": "curl/8.5.0"}):
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        connection.putrequest("GET", f"{parts.path}?{urlencode({'query': query})}", skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        body = response.read()
        connection.close()
        assert response.status == 200 and response.getheader("Content-Type").startswith(expected), headers
        assert not body.lstrip().startswith(b"<!doctype"), headers
