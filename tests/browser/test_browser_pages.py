"""The browser through Flask's test client on the tiny knowledge base: negotiation, JSON, languages, search,
security headers and CSRF."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import SKOS

MEASURE = "/id/demo/measure/adopt-countercurrent-rinse"
MEASURE_IRI = "https://w3id.org/cpkb/id/demo/measure/adopt-countercurrent-rinse"


# ---------------------------------------------------------------------- linked data

@pytest.mark.parametrize("accept, mimetype, fmt", [
    ("text/turtle", "text/turtle", "turtle"),
    ("application/ld+json", "application/ld+json", "json-ld"),
    ("application/n-triples", "application/n-triples", "nt"),
])
def test_concept_content_negotiation_gives_the_entry_with_its_fragments(client, accept, mimetype, fmt):
    response = client.get(MEASURE, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == mimetype
    graph = Graph().parse(data=response.get_data(as_text=True), format=fmt)
    assert (URIRef(MEASURE_IRI), SKOS.prefLabel, None) in graph
    subjects = {str(s) for s in graph.subjects()}
    assert MEASURE_IRI + "#effect-1" in subjects and MEASURE_IRI + "#cite-1" in subjects
    assert all(s.startswith(MEASURE_IRI) for s in subjects), "only the entry and its own fragment nodes"


def test_concept_html_by_default_with_alternate_links(client):
    response = client.get(MEASURE, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.mimetype == "text/html"
    links = ",".join(response.headers.getlist("Link"))
    for suffix, mimetype in (("ttl", "text/turtle"), ("jsonld", "application/ld+json"), ("nt", "application/n-triples")):
        assert f'<{MEASURE}.{suffix}>; rel="alternate"; type="{mimetype}"' in links
    assert client.get(MEASURE + ".ttl").mimetype == "text/turtle"
    assert "Accept" in response.headers["Vary"]


def test_fragment_nodes_have_no_page_of_their_own_and_unknown_ids_are_404(client):
    assert client.get("/id/demo/measure/nothing-like-this").status_code == 404
    assert client.get("/id/demo/measure/nothing-like-this.json").get_json()["status"] == 404


def test_measure_page_shows_effects_cost_route_rules_and_relations_both_ways(client):
    data = client.get(MEASURE + ".json").get_json()
    m = data["measure"]
    assert (m["effects"][0]["min"], m["effects"][0]["max"]) == (-95.0, -80.0)
    assert m["cost"]["iri"].endswith("LowCost") and m["route"]["iri"].endswith("RouteTechnology")
    assert [r["rule"]["href"] for r in m["rules"]] == ["/id/demo/rule/single-tank-rinse-in-use"]
    assert m["applies_when"]["params"][0]["values"][0]["term"]["href"] == "/id/demo/process/rinsing"
    # and the other direction: the problem's page lists the measure under "addressed by"-like incoming links
    problem = client.get("/id/demo/problem/high-rinse-water.json").get_json()
    incoming = {g["property"]["iri"].rsplit("/", 1)[-1]: [s["href"] for s in g["subjects"]] for g in problem["incoming"]}
    assert incoming["addresses"] == [MEASURE]
    assert incoming["detects"] == ["/id/demo/rule/single-tank-rinse-in-use"]


def test_sector_page_lists_processes_in_production_order(client):
    data = client.get("/id/demo.json").get_json()
    assert [p["process"]["href"] for p in data["sector"]["processes"]] == ["/id/demo/process/plating",
                                                                          "/id/demo/process/rinsing"]
    rinsing = data["sector"]["processes"][1]
    assert [m["href"] for m in rinsing["measures"]] == [MEASURE]


# ---------------------------------------------------------------------- JSON variants of every page

@pytest.mark.parametrize("path", ["/", "/search?q=rinse", "/measures", "/types/", "/types/Measure", MEASURE, "/diagnose"])
def test_every_page_also_answers_json_by_suffix_and_by_accept(client, path):
    base, _, query = path.partition("?")
    suffixed = (base + "index.json" if base.endswith("/") else base + ".json") + ("?" + query if query else "")
    by_suffix = client.get(suffixed)
    by_accept = client.get(path, headers={"Accept": "application/json"})
    assert by_suffix.mimetype == by_accept.mimetype == "application/json"
    assert by_suffix.get_json() == by_accept.get_json()
    html = client.get(path, headers={"Accept": "text/html"})
    assert html.mimetype == "text/html"


# ---------------------------------------------------------------------- languages

def test_language_from_accept_language_query_and_cookie(client):
    en = client.get("/index.json", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_json()
    assert en["sectors"][0]["sector"]["label"] == {"text": "Demo sector", "lang": "en", "fallback": False}
    zh = client.get("/index.json", headers={"Accept-Language": "zh-CN"}).get_json()
    assert zh["sectors"][0]["sector"]["label"]["text"] == "示例行业"
    # the switch: ?lang= sets a cookie that later requests follow, over Accept-Language
    response = client.get("/?lang=en", headers={"Accept-Language": "zh-CN"})
    assert "cpkb_lang=en" in response.headers["Set-Cookie"]
    later = client.get("/index.json", headers={"Accept-Language": "zh-CN"}).get_json()
    assert later["sectors"][0]["sector"]["label"]["text"] == "Demo sector"
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)


def test_label_missing_in_requested_language_falls_back_with_a_badge(mini_kb, settings):
    from cpkb.web.app import create_app

    # give the pollutant an English-only alternative and drop its English label: English falls back to Chinese
    path = mini_kb / "shared" / "vocab.yaml"
    text = path.read_text(encoding="utf-8").replace("label: {zh: 镍, en: nickel}", "label: {zh: 镍, en: ''}")
    path.write_text(text, encoding="utf-8")
    app = create_app({"CPKB": {**settings, "kb_dir": str(mini_kb)}, "TESTING": True})
    client = app.test_client()
    data = client.get("/id/pollutant/ni.json?lang=en").get_json()
    assert data["label"] == {"text": "镍", "lang": "zh", "fallback": True}
    html = client.get("/id/pollutant/ni?lang=en").get_data(as_text=True)
    assert re.search(r'<h1><span lang="zh">镍</span><span class="fb"[^>]*>ZH</span></h1>', html)
    # in Chinese, nothing falls back and no badge is drawn
    html_zh = client.get("/id/pollutant/ni?lang=zh").get_data(as_text=True)
    assert "<h1>镍</h1>" in html_zh and 'class="fb"' not in html_zh.split("<h1>")[1].split("</h1>")[0]


def test_pick_follows_one_order_requested_other_any(app):
    from cpkb.web.i18n import pick

    with app.test_request_context("/"):
        assert pick({"zh": "甲", "en": "A"}, "en").text == "A"
        assert pick({"zh": "甲"}, "en").as_json() == {"text": "甲", "lang": "zh", "fallback": True}
        assert pick({"fr": "a"}, "zh").as_json() == {"text": "a", "lang": "fr", "fallback": True}
        assert pick({"": "x", "en": "y"}, "zh").text == "y"
        assert pick({}, "zh", default="d").text == "d"


# ---------------------------------------------------------------------- search

def test_search_chinese_substring_english_words_and_ranking(client):
    zh = client.get("/search.json?q=逆流").get_json()
    hrefs = [r["entry"]["href"] for g in zh["groups"] for r in g["results"]]
    assert set(hrefs) == {"/id/demo/technique/countercurrent-rinse", MEASURE}
    assert {g["kind"] for g in zh["groups"]} == {"Technique", "Measure"}
    # English words in any order, each a word prefix
    en = client.get("/search.json?q=rinsing counter").get_json()
    assert MEASURE in [r["entry"]["href"] for g in en["groups"] for r in g["results"]]
    # an exact label comes first, before labels that merely contain the words
    exact = client.get("/search.json?q=plating&lang=en").get_json()
    assert exact["top_hit"]["entry"]["href"] == "/id/demo/process/plating"
    # alternative names and definitions are searched too
    alt = client.get("/search.json?q=总镍").get_json()
    assert alt["top_hit"]["entry"]["href"] == "/id/pollutant/ni" and alt["top_hit"]["matched_in"] == "alt"
    by_definition = client.get("/search.json?q=compounds").get_json()
    assert by_definition["groups"][0]["results"][0]["matched_in"] == "definition"
    assert client.get("/search.json?q=zzzzqqq").get_json()["count"] == 0


def test_search_ranks_exact_label_before_prefix_and_substring(app):
    from cpkb.web.index import get_index

    with app.test_request_context("/"):
        hits, truncated = get_index().search("水洗", 10)
    assert hits[0]["iri"] == "https://w3id.org/cpkb/id/demo/process/rinsing" and hits[0]["tier"] == 0
    assert [h["tier"] for h in hits] == sorted(h["tier"] for h in hits)
    assert truncated is False


def test_autocomplete_and_search_limits(mini_kb, settings):
    from cpkb.web.app import create_app

    app = create_app({"CPKB": {**settings, "kb_dir": str(mini_kb), "suggest_limit": 1, "search_limit": 1},
                      "TESTING": True})
    client = app.test_client()
    suggest = client.get("/search/suggest?q=逆流").get_json()
    assert len(suggest["suggestions"]) == 1 and suggest["truncated"] is True
    assert set(suggest["suggestions"][0]) >= {"href", "label", "kind_label"}
    page = client.get("/search.json?q=逆流").get_json()
    assert page["truncated"] is True and page["count"] == 1


# ---------------------------------------------------------------------- catalogue

def test_catalogue_facets_counts_and_exports(client):
    data = client.get("/measures.json").get_json()
    facets = {f["facet"]: {v["key"]: v["count"] for v in f["values"]} for f in data["facets"]}
    assert facets["cost"] == {"low": 1} and facets["route"] == {"technology": 1}
    assert facets["process"] == {"demo/process/rinsing": 1}
    assert facets["problem"] == {"demo/problem/high-rinse-water": 1}
    none = client.get("/measures.json?cost=high").get_json()
    assert none["count"] == 0 and none["measures"] == []
    # the filtered list exports as CSV and XLSX with the same rows
    rows = list(csv.reader(io.StringIO(client.get("/measures.csv?cost=low").data.decode("utf-8-sig"))))
    assert rows[1][0] == MEASURE_IRI and rows[1][1] == "改为多级逆流漂洗"
    assert len(list(csv.reader(io.StringIO(client.get("/measures.csv?cost=high").data.decode("utf-8-sig"))))) == 1
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(client.get("/measures.xlsx?lang=en").data))
    sheet = book.active
    assert sheet.cell(row=2, column=1).value == MEASURE_IRI and sheet.cell(row=1, column=2).value == "measure (Chinese)"


# ---------------------------------------------------------------------- security

def test_security_headers_and_escaping(client):
    response = client.get("/search?q=<script>alert(1)</script>")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    body = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    # nothing is loaded from another host
    assert not re.search(r'(src|href)="(https?:)?//(?!w3id\.org)', body)


def test_forms_reject_posts_without_the_csrf_token(client):
    page = client.get("/diagnose").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/diagnose", data={"example": "x.json"}).status_code == 400
    assert client.post("/diagnose", data={"example": "x.json", "csrf_token": "forged"}).status_code == 400
    assert client.post("/diagnose/export", data={"result": "{}", "format": "json"}).status_code == 400
    # with the token the request gets past the check (and fails later for its own reason: no such example)
    assert client.post("/diagnose", data={"example": "x.json", "csrf_token": token}).status_code in (404, 503)


def test_upload_size_limit(mini_kb, settings):
    from cpkb.web.app import create_app

    app = create_app({"CPKB": {**settings, "kb_dir": str(mini_kb), "max_upload_bytes": 1000}, "TESTING": True})
    response = app.test_client().post("/api/diagnose?filename=s.json", data=b"x" * 5000,
                                      content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["status"] == 413


def test_static_assets_are_served_by_the_app(client):
    assert client.get("/static/css/cpkb.css").status_code == 200
    assert client.get("/static/js/cpkb.js").status_code == 200


def test_catalogue_refuses_unknown_facet_values_and_exports_by_format_parameter(client):
    bad = client.get("/measures?cost=bogus", headers={"Accept": "application/json"})
    assert bad.status_code == 400 and "bogus" in bad.get_json()["message"]
    csv_body = client.get("/measures?format=csv")
    assert csv_body.status_code == 200 and csv_body.mimetype == "text/csv"


def test_every_ui_key_used_by_a_template_exists():
    import re
    from pathlib import Path

    from cpkb.web.i18n import UI

    templates = Path(__file__).resolve().parents[2] / "web" / "templates"
    used = {key for path in templates.rglob("*.html")
            for key in re.findall(r"""[\s({]_\(\s*['"]([\w-]+)['"]\s*\)""", path.read_text(encoding="utf-8"))}
    assert used and not used - set(UI), sorted(used - set(UI))
