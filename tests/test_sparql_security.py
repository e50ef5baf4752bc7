"""Every attack on the public SPARQL endpoint is refused before it runs, on both backends."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from cpkb.web.app import create_app

from sparql_support import Listener, SourceAddressAdapter, load_remote, mini_settings, serving

KB_GRAPH = "https://w3id.org/cpkb/graph/sector/demo"


@pytest.fixture(scope="module", params=["embedded", "remote"])
def endpoint(request, tmp_path_factory):
    """(base URL of /sparql, settings) with a 1 s time limit and a 50-row cap."""
    settings = mini_settings(tmp_path_factory.mktemp("sec"), query_timeout_s=1.0, max_result_rows=50)
    if request.param == "remote":
        settings = load_remote(request.getfixturevalue("oxigraph_server"), settings)
    app = create_app({"CPKB": settings})
    with serving(app) as url:
        yield f"{url}/sparql", request.param


@pytest.fixture
def listener():
    lst = Listener()
    yield lst
    lst.close()
    assert lst.connections == 0, "the endpoint contacted a SERVICE/FROM target"


def ask(url, query, **params):
    return requests.post(url, data={"query": query, **params}, timeout=10)


@pytest.mark.parametrize("template", [
    "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ VALUES ?srv {{ <{url}> }} SERVICE ?srv {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ service <{url}> {{ ?s ?q ?r }} }} }} LIMIT 1",
    "ASK {{ {{ SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
    # a comment and an IRI look-alike around the keyword must not hide it
    "SELECT * WHERE {{ ?s ?p ?o FILTER(?s<?o)SERVICE#>\n<{url}> {{ ?a ?b ?c }} }}",
])
def test_service_is_refused_and_never_contacted(endpoint, listener, template):
    url, _ = endpoint
    response = ask(url, template.format(url=listener.url))
    assert response.status_code in (400, 403), response.text
    assert "SERVICE" in response.text


@pytest.mark.parametrize("update", [
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "DELETE WHERE { ?s ?p ?o }",
    "LOAD <{url}>",
    "LOAD SILENT <{url}> INTO GRAPH <urn:g>",
    "CLEAR ALL",
    "DROP GRAPH <https://w3id.org/cpkb/graph/sector/demo>",
    "PREFIX ex: <urn:x:> INSERT { ex:a ex:b ?o } WHERE { ?s ?p ?o }",
])
def test_updates_are_refused_with_a_reason(endpoint, listener, update):
    url, _ = endpoint
    text = update.replace("{url}", listener.url)
    for response in (ask(url, text),
                     requests.post(url, data={"update": text}, timeout=10),
                     requests.post(url, data=text.encode(), headers={"Content-Type": "application/sparql-update"},
                                   timeout=10),
                     requests.get(url, params={"query": text}, timeout=10)):
        assert response.status_code == 403, response.text
        assert "read-only" in response.text
    count = requests.get(url, params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "format": "json"},
                         timeout=10).json()
    assert int(count["results"]["bindings"][0]["n"]["value"]) > 1000  # nothing was dropped


@pytest.mark.parametrize("query", [
    "SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}",
    "SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "PREFIX evil: <{url}> SELECT * FROM evil:data WHERE {{ ?s ?p ?o }}",
    "BASE <{url}> SELECT * FROM <data.ttl> WHERE {{ ?s ?p ?o }}",
    "PREFIX : <{url}> SELECT * FROM:data WHERE {{ ?s ?p ?o }}",  # FROM glued to a prefixed name
    "CONSTRUCT {{ ?s ?p ?o }} FROM <http://example.org/remote.ttl> WHERE {{ ?s ?p ?o }}",
])
def test_foreign_graphs_in_the_query_are_empty_and_never_fetched(endpoint, listener, query):
    """A dataset graph the store does not hold is an empty graph (as in Oxigraph and the protocol's
    tests); nothing is fetched from it (the listener fixture fails the test on any connection)."""
    url, _ = endpoint
    response = ask(url, query.format(url=listener.url), format="json" if "SELECT" in query else "nt")
    assert response.status_code == 200, response.text
    if "SELECT" in query:
        assert response.json()["results"]["bindings"] == []
    else:
        assert response.text.strip() == ""


def test_foreign_graphs_as_protocol_parameters_are_empty_and_never_fetched(endpoint, listener):
    url, _ = endpoint
    for name in ("default-graph-uri", "named-graph-uri"):
        response = requests.get(url, params={"query": "ASK { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }",
                                             name: listener.url, "format": "json"}, timeout=10)
        assert response.status_code == 200, response.text
        assert response.json()["boolean"] is False


def test_local_graphs_are_accepted(endpoint):
    url, _ = endpoint
    query = f"SELECT (COUNT(*) AS ?n) FROM <{KB_GRAPH}> WHERE {{ ?s ?p ?o }}"
    response = ask(url, query, format="json")
    assert response.status_code == 200, response.text
    assert 0 < int(response.json()["results"]["bindings"][0]["n"]["value"]) < 1000  # one graph, not all


def test_row_cap_is_flagged_in_header_and_body(endpoint):
    url, _ = endpoint
    query = "SELECT * WHERE { ?s ?p ?o }"
    response = ask(url, query, format="json")
    assert response.status_code == 200
    assert response.headers["X-CPKB-Truncated"] == "true"
    data = response.json()
    assert data["truncated"] is True and data["max_result_rows"] == 50
    assert len(data["results"]["bindings"]) == 50
    xml = ask(url, query, format="xml")
    assert xml.headers["X-CPKB-Truncated"] == "true" and b"<!-- truncated" in xml.content
    assert xml.content.count(b"<result>") == 50
    csv = ask(url, query, format="csv")
    assert csv.headers["X-CPKB-Truncated"] == "true" and len(csv.text.strip().splitlines()) == 51
    turtle = ask(url, "CONSTRUCT WHERE { ?s ?p ?o }", format="ttl")
    assert turtle.headers["X-CPKB-Truncated"] == "true" and turtle.text.startswith("# truncated")
    jsonld = ask(url, "CONSTRUCT WHERE { ?s ?p ?o }", format="jsonld")
    assert jsonld.json()["truncated"] is True
    small = ask(url, "SELECT * WHERE { ?s ?p ?o } LIMIT 50", format="json")
    assert small.headers["X-CPKB-Truncated"] == "false" and "truncated" not in small.json()


def test_long_query_and_large_body_are_refused(endpoint):
    url, _ = endpoint
    long_query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 30000
    assert ask(url, long_query).status_code == 413
    big = b"query=" + b"x" * (300 * 1024)
    response = requests.post(url, data=big, headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=10)
    assert response.status_code == 413


def test_exploding_query_times_out_while_others_are_served(endpoint):
    url, backend = endpoint
    if backend == "embedded":  # never ends: the worker running it must be killed
        explosion = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    else:  # about 40 million rows of work: the server finishes it a few seconds later on its own
        values = " ".join(str(i) for i in range(20))
        explosion = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a ?b ?c . ?d ?e ?f . VALUES ?x {{ {values} }} }}"
    outcome = {}

    def slow():
        started = time.monotonic()
        response = ask(url, explosion)
        outcome["slow"] = (response.status_code, time.monotonic() - started, response.text)

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.2)
    quick_started = time.monotonic()
    # a query text of its own (the comment), so that the response cache cannot answer it instead of a worker
    # from another client (its own loopback address: the endpoint tells clients apart by address, and
    # holds each to its share of the workers)
    other = requests.Session()
    other.mount("http://", SourceAddressAdapter("127.0.0.5"))
    quick = other.get(url, params={"query": f"SELECT ?s WHERE {{ ?s a cpkb:Sector }} # {time.time()}",
                                   "format": "json"}, timeout=10)
    quick_elapsed = time.monotonic() - quick_started
    thread.join(15)
    assert quick.status_code == 200 and quick.json()["results"]["bindings"]
    assert quick_elapsed < 1.0
    status, elapsed, text = outcome["slow"]
    assert status in (503, 504), text
    assert "limit of 1 s" in text
    assert elapsed < 1.0 + 1.0
    # and the endpoint keeps answering afterwards (a fresh worker replaced the killed one)
    for n in range(4):
        again = other.get(url, params={"query": f"ASK {{ ?s ?p ?o }} # {n} {time.time()}", "format": "json"},
                          timeout=10)
        assert again.status_code == 200 and again.json()["boolean"] is True
        assert again.headers.get("X-CPKB-Cache") != "hit"
