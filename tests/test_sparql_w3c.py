"""The W3C SPARQL 1.1 tests through /sparql: at least what raw Oxigraph passes, and never a 500."""

from __future__ import annotations

import os

import pytest
import requests

from cpkb.kb.store import OxigraphStore
from cpkb.settings import load_settings
from cpkb.web.app import create_app

import w3c_sparql as w3c
from sparql_support import serving


@pytest.fixture(scope="module")
def suite():
    if not w3c.SUITE.exists():
        reason = f"the W3C SPARQL 1.1 test data is not at {w3c.SUITE}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " (CI must run these tests)")
        pytest.skip(reason)
    return w3c


def test_w3c_sparql11_through_the_endpoint(suite, tmp_path, capsys):
    tests = suite.evaluation_tests()
    protocol, protocol_graphs, absent, not_applicable = suite.protocol_tests()
    assert len(tests) > 150 and len(protocol) > 15
    store = suite.build_dataset(tests, protocol_graphs)
    held = {g.value for g in store.named_graphs()}
    assert absent and not set(absent) & held, "the graphs the protocol tests name without data must be absent"
    store_dir = tmp_path / "store"
    store_dir.mkdir()
    store.dump(str(store_dir / "cpkb.nq"), format=suite.ox.RdfFormat.N_QUADS)
    settings = load_settings(store_dir=str(store_dir), endpoint="", store_mode="memory")
    settings.update({"query_timeout_s": 10.0, "sparql_workers": 2})
    app = create_app({"CPKB": settings})
    app.extensions["cpkb_store"]["store"] = OxigraphStore()  # the workers read store_dir; no KB build here

    cpkb, raw, proto = suite.Outcome(), suite.Outcome(), suite.Outcome()
    with serving(app) as base, requests.Session() as session:
        for test in tests:
            ok, status = suite.run_endpoint(session, f"{base}/sparql", test)
            cpkb.add(test.category, ok, test.name)
            cpkb.statuses.append(status)
            raw.add(test.category, suite.run_raw(test), test.name)
        for test in protocol:
            ok, codes = suite.run_protocol(session, base, test)
            proto.add("protocol", ok, test.name)
            proto.statuses.extend(codes)

    with capsys.disabled():
        print("\nW3C SPARQL 1.1 through /sparql (CPKB) vs raw pyoxigraph:")
        print(f"  {'category':<15} {'CPKB':>9} {'raw':>9}")
        for category in suite.CATEGORIES:
            print(f"  {category:<15} {cpkb.passed.get(category, 0):>4}/{cpkb.total.get(category, 0):<4}"
                  f" {raw.passed.get(category, 0):>4}/{raw.total.get(category, 0):<4}")
        print(f"  {'all':<15} {sum(cpkb.passed.values()):>4}/{sum(cpkb.total.values()):<4}"
              f" {sum(raw.passed.values()):>4}/{sum(raw.total.values()):<4}"
              f"  ({cpkb.rate:.1%} vs {raw.rate:.1%})")
        print(f"  protocol (read-only query tests) {sum(proto.passed.values())}/{sum(proto.total.values())}, "
              f"{len(absent)} dataset graphs named without data answered as empty graphs; "
              f"{not_applicable} update tests not applicable (updates are refused with 403)")
        print(f"  CPKB misses: {', '.join(cpkb.failures) or 'none'}")
        print(f"  raw misses:  {', '.join(raw.failures) or 'none'}")
        print(f"  protocol misses: {', '.join(proto.failures) or 'none'}")
    assert 500 not in cpkb.statuses + proto.statuses
    assert not set(cpkb.failures) - set(raw.failures), "CPKB fails a test that raw Oxigraph passes"
    assert cpkb.rate >= raw.rate
    assert proto.failures == [], proto.failures
