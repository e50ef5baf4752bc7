"""The response cache and the thin request path of /sparql: same answers, same headers, nothing cached that
should not be."""

from __future__ import annotations

import time

import pytest
import requests

from cpkb.web.app import create_app

from sparql_support import mini_settings, serving

SECTORS = "SELECT ?s ?label WHERE { ?s a cpkb:Sector ; skos:prefLabel ?label } ORDER BY ?label"
JSON = {"Accept": "application/sparql-results+json"}
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
SECURITY = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options")


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    settings = mini_settings(tmp_path_factory.mktemp("cache"), query_timeout_s=1.0, max_result_rows=3)
    app = create_app({"CPKB": settings})
    with serving(app) as base:
        yield f"{base}/sparql"


@pytest.fixture(scope="module")
def uncached_url(tmp_path_factory):
    settings = mini_settings(tmp_path_factory.mktemp("nocache"), sparql_cache_entries=0)
    app = create_app({"CPKB": settings})
    with serving(app) as base:
        yield f"{base}/sparql"


def _unique(query: str) -> str:
    return f"{query} # {time.time_ns()}"


def test_identical_requests_are_answered_from_the_cache(url):
    query = _unique(SECTORS)
    first = requests.post(url, data={"query": query}, headers=JSON, timeout=10)
    second = requests.post(url, data={"query": query}, headers=JSON, timeout=10)
    by_get = requests.get(url, params={"query": query}, headers=JSON, timeout=10)
    assert first.status_code == second.status_code == by_get.status_code == 200
    assert first.headers["X-CPKB-Cache"] == "miss"
    assert second.headers["X-CPKB-Cache"] == "hit" and by_get.headers["X-CPKB-Cache"] == "hit"
    assert first.content == second.content == by_get.content
    for name in ("Content-Type", "X-CPKB-Truncated", "X-CPKB-Result-Count", "Vary"):
        assert first.headers[name] == second.headers[name]
    assert by_get.headers["Access-Control-Allow-Origin"] == "*" and "Access-Control-Allow-Origin" not in second.headers


def test_the_key_holds_format_dataset_and_endpoint_iri(url):
    query = _unique(SECTORS)
    assert requests.get(url, params={"query": query}, headers=JSON, timeout=10).headers["X-CPKB-Cache"] == "miss"
    csv = requests.get(url, params={"query": query, "format": "csv"}, timeout=10)
    assert csv.headers["X-CPKB-Cache"] == "miss" and csv.headers["Content-Type"].startswith("text/csv")
    dataset = requests.get(url, params={"query": query, "default-graph-uri": "https://w3id.org/cpkb/graph/none"},
                           headers=JSON, timeout=10)
    assert dataset.headers["X-CPKB-Cache"] == "miss" and dataset.json()["results"]["bindings"] == []
    # relative IRIs resolve against the endpoint's IRI, which comes from the Host header
    relative = _unique("SELECT ?x WHERE { BIND(<thing> AS ?x) }")
    one = requests.get(url, params={"query": relative}, headers={**JSON, "Host": "one.example"}, timeout=10)
    two = requests.get(url, params={"query": relative}, headers={**JSON, "Host": "two.example"}, timeout=10)
    assert one.json()["results"]["bindings"][0]["x"]["value"] == "http://one.example/thing"
    assert two.headers["X-CPKB-Cache"] == "miss"
    assert two.json()["results"]["bindings"][0]["x"]["value"] == "http://two.example/thing"


def test_a_cut_answer_stays_flagged_when_cached(url):
    query = _unique("SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
    for expected in ("miss", "hit"):
        response = requests.post(url, data={"query": query}, headers=JSON, timeout=10)
        assert response.headers["X-CPKB-Cache"] == expected
        assert response.headers["X-CPKB-Truncated"] == "true" and response.json()["truncated"] is True
        assert len(response.json()["results"]["bindings"]) == 3


def test_refusals_and_timeouts_are_not_cached(url):
    explosion = _unique("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }")
    for _ in range(2):
        response = requests.post(url, data={"query": explosion}, timeout=10)
        assert response.status_code in (503, 504) and "X-CPKB-Cache" not in response.headers
    for _ in range(2):
        response = requests.post(url, data={"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"},
                                 timeout=10)
        assert response.status_code == 403 and "X-CPKB-Cache" not in response.headers


def test_cache_off(uncached_url):
    query = _unique(SECTORS)
    answers = [requests.get(uncached_url, params={"query": query}, headers=JSON, timeout=10) for _ in range(2)]
    assert all(a.status_code == 200 and "X-CPKB-Cache" not in a.headers for a in answers)
    assert answers[0].content == answers[1].content


def test_thin_path_sends_the_same_security_headers_as_flask(url):
    requests.get(url, params={"query": "ASK {}"}, headers=JSON, timeout=10)  # the workers are up
    page = requests.get(url, headers={"Accept": BROWSER}, timeout=10)  # the page: Flask's route
    answer = requests.get(url, params={"query": _unique(SECTORS)}, headers=JSON, timeout=10)  # the thin path
    refused = requests.post(url, data={"query": "LOAD <http://example.org/>"}, timeout=10)  # thin path, refused
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    for name in SECURITY:
        shown = page.headers[name]
        if name == "Content-Security-Policy":  # the query page lets YASGUI set style attributes; scripts stay 'self'
            assert "script-src 'self';" in shown and "unsafe-inline' " not in shown.split("style-src")[0]
            shown = shown.replace(" 'unsafe-inline'", "")
        assert shown == answer.headers[name] == refused.headers[name], name
    assert refused.status_code == 403


def test_a_posted_body_still_reaches_the_page(url):
    """A browser's POST goes on to Flask's route after the thin path looked at it: the body must survive."""
    requests.get(url, params={"query": "ASK {}"}, headers=JSON, timeout=10)
    query = _unique("SELECT ?marker_in_page WHERE { ?marker_in_page a cpkb:Sector }")
    page = requests.post(url, data={"query": query}, headers={"Accept": BROWSER}, timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "marker_in_page" in page.text
    description = requests.post(url, data={"format": "ttl"}, timeout=10)  # no query: the service description
    assert description.status_code == 200 and "sparql-service-description" in description.text


def test_a_request_repeated_byte_for_byte_gets_the_response_already_sent(url):
    """From the third identical request on, the answer is the kept response itself (no request parsing at all):
    same status, headers and body as the second; anything the answer depends on still changes it."""
    query = _unique(SECTORS)
    answers = [requests.post(url, data={"query": query}, headers=JSON, timeout=10) for _ in range(4)]
    assert [a.headers["X-CPKB-Cache"] for a in answers] == ["miss", "hit", "hit", "hit"]
    for later in answers[2:]:
        assert later.status_code == 200 and later.content == answers[1].content
        assert {k: v for k, v in later.headers.items() if k != "Date"} == \
            {k: v for k, v in answers[1].headers.items() if k != "Date"}
    by_get = [requests.get(url, params={"query": query}, headers=JSON, timeout=10) for _ in range(2)]
    assert all(a.headers["Access-Control-Allow-Origin"] == "*" for a in by_get)  # GET has CORS, POST has not
    xml = [requests.post(url, data={"query": query}, timeout=10,
                         headers={"Accept": "application/sparql-results+xml"}) for _ in range(3)]
    assert all(a.headers["Content-Type"].startswith("application/sparql-results+xml") for a in xml)
    host = url.split("//")[1].split("/")[0]
    other_host = url.replace(host, host.replace("127.0.0.1", "localhost"))
    base_query = _unique("SELECT ?x WHERE { BIND(<rel> AS ?x) }")
    iris = {requests.post(u, data={"query": base_query}, headers=JSON, timeout=10).json()["results"]["bindings"][0]
            ["x"]["value"] for u in (url, url, url, other_host, other_host, other_host)}
    assert iris == {url.rsplit("/", 1)[0] + "/rel", other_host.rsplit("/", 1)[0] + "/rel"}
