"""Every example query of the gallery runs without error against the knowledge base."""

from __future__ import annotations

import warnings

import pytest

from cpkb.web.app import create_app
from cpkb.web.sparql import close_executor, load_examples

from sparql_support import mini_settings


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """The endpoint over the real (bundled) knowledge base; over the tiny one while the real one does not build."""
    from cpkb.kb.build import build
    from cpkb.kb.errors import SourceError
    from cpkb.settings import load_settings

    tmp = tmp_path_factory.mktemp("examples")
    settings = load_settings(kb_dir="", store_dir=str(tmp / "real-store"), endpoint="", store_mode="memory")
    settings["sparql_workers"] = 2
    try:
        build(settings)
    except SourceError as exc:
        warnings.warn(f"the bundled knowledge base does not build ({str(exc).splitlines()[0]}); "
                      "the example queries run against the test knowledge base instead")
        settings = mini_settings(tmp)
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
