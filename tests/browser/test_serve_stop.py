"""`kill` on `cpkb serve` (SIGTERM) stops its query workers too: a worker busy with a query that never ends was left
running, orphaned, after the server had gone (found when the load benchmark's attack kept two cores busy for hours)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

JSON = {"Accept": "application/sparql-results+json"}
EXPLOSION = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def _workers_of(store_dir: Path, parent: int | None = None) -> list[int]:
    """Live SPARQL workers on this store; only the children of `parent` when given (other tests' apps share it)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
            state, ppid = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[:2]
        except OSError:
            continue
        ppid = int(ppid) if parent else None
        if b"sparql_worker" in command and str(store_dir).encode() in command and state != "Z" and ppid == parent:
            found.append(int(pid))
    return found


def test_sigterm_stops_the_workers_even_mid_query(real_store_dir):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = dict(os.environ, CPKB_STORE_DIR=str(real_store_dir), CPKB_ENDPOINT="", CPKB_STORE_MODE="memory")
    server = subprocess.Popen([str(Path(sys.executable).parent / "cpkb"), "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/sparql"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if requests.get(url, params={"query": "ASK {}"}, headers=JSON, timeout=5).ok:
                    break
            except requests.RequestException:
                time.sleep(0.3)
        threading.Thread(target=lambda: requests.get(url, params={"query": EXPLOSION}, headers=JSON, timeout=60),
                         daemon=True).start()
        time.sleep(1.0)
        workers = _workers_of(real_store_dir, server.pid)
        assert workers
    finally:
        server.terminate()
        server.wait(30)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and set(workers) & set(_workers_of(real_store_dir)):
        time.sleep(0.2)
    assert not set(workers) & set(_workers_of(real_store_dir))
