"""Load test of the SPARQL endpoint: N concurrent clients for D seconds against `cpkb serve` and against a
raw `oxigraph serve` of the same data, both on loopback; prints throughput, p50/p99 and their ratio.

    python benchmarks/sparql_load.py [--clients 16] [--duration 30] [--rounds 3] [--kb DIR]

Fairness: every server gets the same query texts (the prefixes written out, as a client of raw Oxigraph must),
the same clients and the same total time; the time is cut into rounds that take turns (the order rotating),
so that a load on the machine from elsewhere falls on all servers alike. The queries repeat, so CPKB's
response cache (setting sparql_cache_entries) answers most of them after the first round: the benchmark
measures `cpkb serve` twice, with the cache as configured and with it off, and says how many answers came
from the cache (header X-CPKB-Cache).
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
    cached = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + duration

    def client(offset: int) -> None:
        session = requests.Session()
        mine, bad, hits, i = [], 0, 0, offset
        while time.monotonic() < stop_at:
            query = prefix + QUERIES[i % len(QUERIES)]
            i += 1
            started = time.perf_counter()
            try:
                response = session.post(url, data={"query": query},
                                        headers={"Accept": "application/sparql-results+json"}, timeout=30)
                ok = response.status_code == 200
                hits += response.headers.get("X-CPKB-Cache") == "hit"
            except requests.RequestException:
                ok = False
            if ok:
                mine.append(time.perf_counter() - started)
            else:
                bad += 1
        with lock:
            latencies.extend(mine)
            errors[0] += bad
            cached[0] += hits

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    return {"latencies": latencies, "errors": errors[0], "cached": cached[0], "elapsed": elapsed}


def summary(runs: list[dict]) -> dict:
    """Throughput over all rounds of one server, and its latency percentiles."""
    latencies = sorted(x for run in runs for x in run["latencies"])
    elapsed = sum(run["elapsed"] for run in runs)
    return {
        "requests": len(latencies), "errors": sum(run["errors"] for run in runs),
        "cached": sum(run["cached"] for run in runs), "rps": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else float("nan"),
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))] if latencies else float("nan"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load on each server")
    parser.add_argument("--rounds", type=int, default=3, help="turns the servers take within that time")
    parser.add_argument("--kb", default="", help="knowledge source folder (default: the bundled one)")
    parser.add_argument("--threads", type=int, default=8, help="waitress threads of cpkb serve (its default: 8)")
    parser.add_argument("--cache-entries", type=int, default=None,
                        help="sparql_cache_entries of the cached cpkb server (default: the setting's default)")
    args = parser.parse_args()
    from cpkb.settings import load_settings

    cache_entries = args.cache_entries if args.cache_entries is not None else load_settings()["sparql_cache_entries"]
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
        ox_port = free_port()
        # raw Oxigraph at its fastest: in memory, like CPKB's workers, loaded through its Graph Store endpoint
        procs.append(subprocess.Popen([oxigraph, "serve", "--bind", f"127.0.0.1:{ox_port}", "--union-default-graph"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        servers = {"raw oxigraph serve": f"http://127.0.0.1:{ox_port}/query"}
        cpkb_servers = {f"cpkb, cache {cache_entries}": cache_entries}
        if cache_entries:
            cpkb_servers["cpkb, cache off"] = 0
        for name, entries in cpkb_servers.items():
            port = free_port()
            procs.append(subprocess.Popen([cpkb_bin, "serve", "--host", "127.0.0.1", "--port", str(port),
                                           "--threads", str(args.threads)],
                                          env=dict(env, CPKB_SPARQL_CACHE_ENTRIES=str(entries)),
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            servers[name] = f"http://127.0.0.1:{port}/sparql"
        raw_url = servers["raw oxigraph serve"]
        wait_ready(raw_url)
        requests.post(raw_url.replace("/query", "/store"), data=nquads.read_bytes(),
                      headers={"Content-Type": "application/n-quads"}, timeout=120).raise_for_status()
        for url in servers.values():
            wait_ready(url)
        prefix = sparql_prefixes()  # the same text for every server
        for url in servers.values():
            load(url, args.clients, 2, prefix)  # warm-up: workers, caches, connections
        print(f"{args.clients} clients, {args.duration:g} s on each server in {args.rounds} rounds, "
              f"{len(QUERIES)} typical queries (POST, SPARQL JSON), {nquads.stat().st_size // 1024} KiB of N-Quads, "
              f"{os.cpu_count()} CPUs, cpkb serve --threads {args.threads}")
        runs: dict[str, list[dict]] = {name: [] for name in servers}
        names = list(servers)
        for round_no in range(args.rounds):
            for name in names[round_no % len(names):] + names[: round_no % len(names)]:
                runs[name].append(load(servers[name], args.clients, args.duration / args.rounds, prefix))
        results = {name: summary(r) for name, r in runs.items()}
        for name, r in results.items():
            note = f", {r['cached']} from the response cache" if name != "raw oxigraph serve" else ""
            print(f"  {name:<20} {r['rps']:8.1f} req/s   p50 {r['p50_ms']:7.1f} ms   p99 {r['p99_ms']:7.1f} ms   "
                  f"({r['requests']} ok, {r['errors']} errors{note})")
        raw_rps = results["raw oxigraph serve"]["rps"]
        for name in cpkb_servers:
            print(f"  throughput ratio {name} / raw oxigraph: {results[name]['rps'] / raw_rps:.2f} (goal >= 0.8)")
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
