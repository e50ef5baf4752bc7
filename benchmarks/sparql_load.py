"""Load test of the SPARQL endpoint: N concurrent clients for D seconds against `cpkb serve` and against a
raw `oxigraph serve` of the same data, both on loopback; prints throughput, p50/p99 and their ratio.

    python benchmarks/sparql_load.py [--clients 16] [--duration 30] [--kb DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

from cpkb.kb.namespaces import sparql_prefixes

# Typical researcher queries (the query page's kind): a short list, a join with labels, an aggregate, an ASK.
QUERIES = [
    "SELECT ?s ?label WHERE { ?s a cpkb:Sector ; skos:prefLabel ?label } LIMIT 60",
    "SELECT ?m ?label ?cost WHERE { ?m a cpkb:Measure ; skos:prefLabel ?label ; cpkb:costClass ?cost "
    "FILTER(LANG(?label) = 'en') } LIMIT 100",
    "SELECT ?sector (COUNT(DISTINCT ?p) AS ?problems) WHERE { ?p a cpkb:Problem ; cpkb:sector ?sector } "
    "GROUP BY ?sector ORDER BY DESC(?problems)",
    "ASK { ?m cpkb:addresses ?p . ?p cpkb:category cpkb:CategoryWaterUse }",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, params={"query": "ASK {}"}, headers={"Accept": "application/sparql-results+json"},
                            timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


def load(url: str, clients: int, duration: float, prefix: str) -> dict:
    """Each client loops over the queries (POST form, JSON results) until the time is up."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + duration

    def client(offset: int) -> None:
        session = requests.Session()
        mine, bad, i = [], 0, offset
        while time.monotonic() < stop_at:
            query = prefix + QUERIES[i % len(QUERIES)]
            i += 1
            started = time.perf_counter()
            try:
                response = session.post(url, data={"query": query},
                                        headers={"Accept": "application/sparql-results+json"}, timeout=30)
                ok = response.status_code == 200
            except requests.RequestException:
                ok = False
            if ok:
                mine.append(time.perf_counter() - started)
            else:
                bad += 1
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    latencies.sort()
    return {
        "requests": len(latencies), "errors": errors[0], "rps": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else float("nan"),
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))] if latencies else float("nan"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--kb", default="", help="knowledge source folder (default: the bundled one)")
    parser.add_argument("--threads", type=int, default=16, help="waitress threads of cpkb serve")
    args = parser.parse_args()
    oxigraph = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    tmp = Path(tempfile.mkdtemp(prefix="cpkb-sparql-load-"))
    env = dict(os.environ, CPKB_STORE_DIR=str(tmp / "store"), CPKB_ENDPOINT="")
    if args.kb:
        env["CPKB_KB_DIR"] = args.kb
    cpkb_bin = str(Path(sys.executable).parent / "cpkb")
    subprocess.run([cpkb_bin, "build"], env=env, check=True, stdout=subprocess.DEVNULL)
    nquads = tmp / "store" / "cpkb.nq"
    procs = []
    try:
        ox_port, cpkb_port = free_port(), free_port()
        # raw Oxigraph at its fastest: in memory, like CPKB's workers, loaded through its Graph Store endpoint
        procs.append(subprocess.Popen([oxigraph, "serve", "--bind", f"127.0.0.1:{ox_port}", "--union-default-graph"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        procs.append(subprocess.Popen([cpkb_bin, "serve", "--host", "127.0.0.1", "--port", str(cpkb_port),
                                       "--threads", str(args.threads)], env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        raw_url, cpkb_url = f"http://127.0.0.1:{ox_port}/query", f"http://127.0.0.1:{cpkb_port}/sparql"
        wait_ready(raw_url)
        requests.post(f"http://127.0.0.1:{ox_port}/store", data=nquads.read_bytes(),
                      headers={"Content-Type": "application/n-quads"}, timeout=120).raise_for_status()
        wait_ready(cpkb_url)
        prefix = sparql_prefixes()
        load(cpkb_url, args.clients, 2, "")  # warm-up: workers, caches
        load(raw_url, args.clients, 2, prefix)
        print(f"{args.clients} clients, {args.duration:g} s each, {len(QUERIES)} typical queries, "
              f"{nquads.stat().st_size // 1024} KiB of N-Quads, {os.cpu_count()} CPUs")
        results = {}
        for name, url, pre in (("raw oxigraph serve", raw_url, prefix), ("cpkb serve /sparql", cpkb_url, "")):
            results[name] = r = load(url, args.clients, args.duration, pre)
            print(f"  {name:<20} {r['rps']:8.1f} req/s   p50 {r['p50_ms']:7.1f} ms   p99 {r['p99_ms']:7.1f} ms   "
                  f"({r['requests']} ok, {r['errors']} errors)")
        ratio = results["cpkb serve /sparql"]["rps"] / results["raw oxigraph serve"]["rps"]
        print(f"  throughput ratio cpkb / raw oxigraph: {ratio:.2f} (goal >= 0.8)")
    finally:
        for proc in procs:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
