"""Each bomb of the nasty corpus is uploaded to a live server while another client keeps asking for pages and
small diagnoses: every answer to the other client comes within 1 s (issue 15). The bombs themselves get a
placed answer (422 with problems, or 200 with a result), never a 500 or a stalled server.

Two more uploads get past every reader check on purpose, with settings that switch the checks off, to
show the worker's own limits: a unit raised to the power 10**8 (time limit) and 600,000 enterprises
(memory limit).

    pytest -s tests/browser/test_diagnose_bombs.py   # prints the figures
"""

from __future__ import annotations

import gc
import json
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from nasty_surveys import CORPUS, id_only_enterprises, unit_tower  # noqa: E402

pytestmark = pytest.mark.slow
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "electroplating_cluster.json"
BUDGET_S = 1.0         # pages, SPARQL and small diagnoses while a bomb is refused
RESPAWN_BUDGET_S = 3.0  # small diagnoses while a killed worker is being replaced (it loads the knowledge)


def _serve(app):
    """The app on waitress, warmed up: the SPARQL and diagnosis workers started before anything is timed."""
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=8, ident="cpkb-bombs")
    threading.Thread(target=server.run, daemon=True).start()
    url = f"http://127.0.0.1:{server.effective_port}"
    requests.get(f"{url}/", timeout=120)
    requests.get(f"{url}/sparql", params={"query": "ASK {}"}, timeout=120,
                 headers={"Accept": "application/sparql-results+json"})
    from cpkb.web.diagnose import get_diagnoser

    with app.app_context():  # the workers load the knowledge (minutes on a loaded machine) before anything is timed
        get_diagnoser(wait_s=900)
    requests.post(f"{url}/api/diagnose?filename=s.json", data=EXAMPLE.read_bytes(), timeout=120)
    # The server shares pytest's process, whose heap holds every earlier test's objects: a full collection of it
    # took 1.2-2.8 s on a loaded machine and once landed inside a timed small diagnosis (CI, stop 23). `cpkb
    # serve` has a process of its own; frozen, pytest's heap no longer stands in for the server's.
    gc.collect()
    gc.freeze()
    return server, url


def _all_workers_up(app, timeout_s: float = 120.0) -> None:
    """Wait until a worker killed by the previous bomb has been replaced."""
    from cpkb.web.diagnose import get_diagnoser

    with app.app_context():
        diagnoser = get_diagnoser()
    deadline = time.monotonic() + timeout_s
    while diagnoser.workers_alive() < diagnoser.size and time.monotonic() < deadline:
        time.sleep(0.2)


@pytest.fixture(scope="module")
def bomb_server(real_store_dir):
    """The real knowledge base on waitress, with two diagnosis workers and a short time limit."""
    from cpkb.settings import load_settings
    from cpkb.web.app import create_app
    from cpkb.web.diagnose import close_diagnoser

    settings = load_settings(store_dir=str(real_store_dir), endpoint="", store_mode="memory", kb_dir="",
                             diagnose_workers=2, diagnose_timeout_s=8.0, diagnose_memory_mb=1024)
    app = create_app({"CPKB": settings})
    server, url = _serve(app)
    yield url, app
    close_diagnoser(app)
    server.close()


@pytest.fixture(scope="module")
def unguarded_server(real_store_dir):
    """The same with the reader's checks opened wide: only the workers' memory and time limits remain."""
    from cpkb.settings import load_settings
    from cpkb.web.app import create_app
    from cpkb.web.diagnose import close_diagnoser

    settings = load_settings(store_dir=str(real_store_dir), endpoint="", store_mode="memory", kb_dir="",
                             diagnose_workers=2, diagnose_timeout_s=5.0, diagnose_memory_mb=200,
                             max_enterprises=10_000_000, max_unit_exponent=10 ** 9)
    app = create_app({"CPKB": settings})
    server, url = _serve(app)
    yield url, app
    close_diagnoser(app)
    server.close()


def _probe(url: str, stop: threading.Event, seen: list) -> None:
    """The other client: a page, the SPARQL endpoint and a small diagnosis, round and round."""
    session = requests.Session()
    small = EXAMPLE.read_bytes()
    calls = [lambda: session.get(f"{url}/", timeout=10),
             lambda: session.get(f"{url}/sparql", params={"query": "ASK {}"}, timeout=10,
                                 headers={"Accept": "application/sparql-results+json"}),
             lambda: session.post(f"{url}/api/diagnose?filename=s.json", data=small, timeout=10,
                                  headers={"Content-Type": "application/json"})]
    turn = 0
    while not stop.is_set():
        started = time.perf_counter()
        response = calls[turn % len(calls)]()
        seen.append((time.perf_counter() - started, response.status_code, turn % len(calls)))
        turn += 1


def _upload(server, filename: str, data: bytes) -> tuple[float, requests.Response, list]:
    url, app = server
    _all_workers_up(app)
    stop, seen = threading.Event(), []
    prober = threading.Thread(target=_probe, args=(url, stop, seen))
    prober.start()
    time.sleep(0.2)
    started = time.perf_counter()
    response = requests.post(f"{url}/api/diagnose", params={"filename": filename}, data=data, timeout=120,
                             headers={"Content-Type": "application/octet-stream"})
    elapsed = time.perf_counter() - started
    time.sleep(0.3)
    stop.set()
    prober.join()
    return elapsed, response, seen


def _report(name: str, elapsed: float, response, seen: list) -> float:
    slowest = max(s for s, _, _ in seen)
    by_call = [max([s for s, _, call in seen if call == k] or [0]) * 1000 for k in range(3)]
    print(f"\n  {name:<36} {len(response.content):>6} B answer {response.status_code} in {elapsed:5.2f} s; "
          f"other client: {len(seen):>3} answers, slowest {slowest * 1000:5.0f} ms "
          f"(page {by_call[0]:.0f}, sparql {by_call[1]:.0f}, small diagnosis {by_call[2]:.0f})")
    return slowest


@pytest.mark.parametrize("name,filename,make", CORPUS, ids=[c[0] for c in CORPUS])
def test_a_bomb_never_stalls_another_client(bomb_server, name, filename, make):
    elapsed, response, seen = _upload(bomb_server, filename, make())
    slowest = _report(name, elapsed, response, seen)
    assert response.status_code in (200, 422), response.text[:300]
    if response.status_code == 422:
        errors = response.json()["errors"]
        assert errors and all(e["place"] and e["messages"]["zh"] and e["messages"]["en"] for e in errors)
    assert all(status == 200 for _, status, _ in seen), seen
    assert seen and slowest < BUDGET_S


def _within_budgets(seen: list) -> bool:
    pages = [s for s, _, call in seen if call != 2]
    diagnoses = [s for s, _, call in seen if call == 2]
    return max(pages) < BUDGET_S and max(diagnoses or [0]) < RESPAWN_BUDGET_S


def test_the_time_limit_stops_what_the_reader_let_through(unguarded_server):
    elapsed, response, seen = _upload(unguarded_server, "power.json", unit_tower("10**100000000"))
    _report("unit 10**100000000, checks off", elapsed, response, seen)
    assert response.status_code == 422
    assert "diagnose_timeout_s" in json.dumps(response.json(), ensure_ascii=False)
    assert elapsed < 5.0 + 3.0
    assert all(status == 200 for _, status, _ in seen) and _within_budgets(seen)


def test_the_memory_limit_stops_what_the_reader_let_through(unguarded_server):
    elapsed, response, seen = _upload(unguarded_server, "many.json", id_only_enterprises())
    _report("600,000 enterprises, checks off", elapsed, response, seen)
    assert response.status_code == 422
    body = json.dumps(response.json(), ensure_ascii=False)
    assert "diagnose_memory_mb" in body
    assert all(status == 200 for _, status, _ in seen) and _within_budgets(seen)


def test_workers_never_rescan_the_knowledge(bomb_server):
    """A full cyclic collection over the worker's knowledge took 0.8–1.8 s and landed inside small diagnoses (the
    other client waited past 1 s in CI); the worker freezes the knowledge once it is loaded."""
    from cpkb.web.diagnose import get_diagnoser

    _, app = bomb_server
    with app.app_context():
        info = get_diagnoser().pool.info
    # the knowledge is ~330,000 objects since the worker loads the cached, compact Knowledge (1.2 million with the
    # rdflib graph); without the freeze the count would be 0
    assert info["frozen_objects"] > 200_000, info
