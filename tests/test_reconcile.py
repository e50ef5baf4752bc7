"""`/reconcile` speaks the W3C Entity Reconciliation Service API 0.2: every answer validates against the protocol's
own JSON Schemas (tests/data/reconciliation-0.2), and the answers are the right concepts."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

SCHEMAS = Path(__file__).parent / "data" / "reconciliation-0.2"


def _validator(name: str) -> Draft7Validator:
    registry = Registry()
    for path in SCHEMAS.glob("*.json"):
        schema = json.loads(path.read_text(encoding="utf-8"))
        registry = registry.with_resource(schema["$id"], Resource.from_contents(schema, default_specification=DRAFT7))
    return Draft7Validator(json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8")), registry=registry)


@pytest.fixture(scope="module")
def client():
    from cpkb.settings import load_settings
    from cpkb.web.app import create_app

    settings = load_settings(store_dir=tempfile.mkdtemp(prefix="cpkb-reconcile-"), endpoint="", store_mode="memory",
                             kb_dir="")
    return create_app({"CPKB": settings, "TESTING": True}).test_client()


def test_manifest_validates_and_offers_the_types(client):
    manifest = client.get("/reconcile").get_json()
    _validator("manifest").validate(manifest)
    assert {t["id"] for t in manifest["defaultTypes"]} == {"process", "technique", "indicator", "material", "measure"}
    assert "{{id}}" in manifest["preview"]["url"]


def test_a_batch_of_queries_validates_and_matches_by_type(client):
    queries = {"q0": {"query": "氰化镀锌", "type": "technique"},
               "q1": {"query": "高铬彩色钝化", "type": "technique", "limit": 3},
               "q2": {"query": "锌的利用率", "type": "indicator"},
               "q3": {"query": "脱脂", "type": "process", "properties": [{"pid": "sector", "v": "电镀"}]},
               "q4": {"query": "电镀污泥资源化", "type": ["measure", "technique"]}}
    _validator("reconciliation-query-batch").validate(queries)
    for method in ("get", "post"):
        call = getattr(client, method)
        answer = call("/reconcile", query_string={"queries": json.dumps(queries)}) if method == "get" else \
            call("/reconcile", data={"queries": json.dumps(queries)})
        result = answer.get_json()
        _validator("reconciliation-result-batch").validate(result)
        assert set(result) == set(queries)
        first = result["q0"]["result"][0]
        assert first["id"].endswith("/cyanide-zinc-tech") and first["match"] is True
        names = [c["name"] for c in result["q1"]["result"]]
        assert names[0] == "高浓度六价铬钝化" and "无铬钝化" not in names and "三价铬钝化" not in names
        assert result["q2"]["result"][0]["id"].endswith("/zn-utilisation")
        assert result["q3"]["result"][0]["id"].endswith("/process/degreasing")


def test_suggest_and_preview(client):
    answer = client.get("/reconcile/suggest/entity", query_string={"prefix": "逆流", "type": "technique"}).get_json()
    _validator("suggest-entities-response").validate(answer)
    assert any(r["id"].endswith("/countercurrent-rinse-tech") for r in answer["result"])
    iri = answer["result"][0]["id"]
    page = client.get("/reconcile/preview", query_string={"id": iri})
    assert page.status_code == 200 and "<b>" in page.get_data(as_text=True)
    assert client.get("/reconcile/preview", query_string={"id": "nope"}).status_code == 404


def test_bad_queries_are_clear_400s(client):
    for bad in ("{not json", json.dumps(["x"]), json.dumps({"q0": {"type": "technique"}})):
        answer = client.get("/reconcile", query_string={"queries": bad})
        assert answer.status_code == 400 and answer.get_json()["error"]
