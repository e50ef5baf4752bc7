"""`cpkb serve` itself, started for real: what the app tests (on a test server) cannot show.

- `kill` (SIGTERM) stops the query workers too: a worker busy with a query that never ends was left running,
  orphaned, after the server had gone (found when the load benchmark's attack kept two cores busy for hours);
- a request line with raw UTF-8 (`GET /search?q=镀铬`, as curl or a script may send it) is read like the
  percent-encoded one a browser sends (a busy port: tests/browser/test_issue16_pages.py).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

JSON = {"Accept": "application/sparql-results+json"}
EXPLOSION = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
CPKB = str(Path(sys.executable).parent / "cpkb")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(store_dir: Path, port: int) -> subprocess.Popen:
    env = dict(os.environ, CPKB_STORE_DIR=str(store_dir), CPKB_ENDPOINT="", CPKB_STORE_MODE="memory")
    server = subprocess.Popen([CPKB, "serve", "--port", str(port)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if requests.get(f"http://127.0.0.1:{port}/sparql", params={"query": "ASK {}"}, headers=JSON,
                            timeout=5).ok:
                return server
        except requests.RequestException:
            time.sleep(0.3)
    server.kill()
    raise AssertionError(f"cpkb serve did not answer: {server.communicate()}")


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _live_workers(store_dir: Path) -> set[int]:
    """Live SPARQL workers on this store (other tests' apps share it, so callers intersect)."""
    found = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if b"sparql_worker" in command and str(store_dir).encode() in command and state != "Z":
            found.add(int(pid))
    return found


@pytest.fixture(scope="module")
def served(real_store_dir):
    port = _free_port()
    server = _start(real_store_dir, port)
    yield port
    server.terminate()
    server.wait(30)


def test_sigterm_stops_the_workers_even_mid_query(real_store_dir):
    port = _free_port()
    server = _start(real_store_dir, port)
    url = f"http://127.0.0.1:{port}/sparql"
    try:
        threading.Thread(target=lambda: requests.get(url, params={"query": EXPLOSION}, headers=JSON, timeout=60),
                         daemon=True).start()
        time.sleep(1.0)
        workers = _live_workers(real_store_dir) & _descendants(server.pid)
        assert workers
    finally:
        server.terminate()
        server.wait(30)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and workers & _live_workers(real_store_dir):
        time.sleep(0.2)
    assert not workers & _live_workers(real_store_dir)


def test_raw_utf8_request_line_is_read(served):
    with socket.create_connection(("127.0.0.1", served), timeout=30) as sock:
        sock.sendall("GET /search?q=镀铬 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode("utf-8"))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head[:200]
    assert "镀铬".encode() in body

