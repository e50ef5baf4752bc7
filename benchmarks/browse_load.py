"""Browse-page load benchmark: `cpkb serve` (waitress) on a free loopback port, N concurrent keep-alive clients
hitting each browse page for a bounded time; prints p50 / p99 latency and throughput per page. Asserts nothing.

    python benchmarks/browse_load.py [--clients 16] [--seconds 4] [--no-page-cache] [--store DIR]

The target the browser is held to: p99 <= 50 ms per page with 16 concurrent clients. Run it with and without
the page cache (--no-page-cache) to see both the steady state and the cost of drawing a page.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

PAGES = {
    "home": "/",
    "sector": "/id/electroplating",
    "measure": "/id/electroplating/measure/adopt-countercurrent-rinse",
    "indicator": "/id/electroplating/indicator/rinse-water-per-rinse",
    "pollutant": "/id/pollutant/ni",
    "search 逆流": "/search?q=" + quote("逆流"),
    "search rinse": "/search?q=rinse",
    "suggest 逆": "/search/suggest?q=" + quote("逆"),
    "measures": "/measures",
    "measures filtered": "/measures?cost=low&route=process-control&sort=effect",
    "measures JSON": "/measures.json?cost=high",
    "measure Turtle": "/id/electroplating/measure/adopt-countercurrent-rinse.ttl",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int, store_dir: str, page_cache: bool, threads: int) -> subprocess.Popen:
    env = dict(os.environ, CPKB_PAGE_CACHE_ENTRIES="2048" if page_cache else "0")
    proc = subprocess.Popen([sys.executable, "-m", "cpkb.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--threads", str(threads), "--store", store_dir],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start:\n" + proc.stdout.read().decode(errors="replace"))


def load(port: int, path: str, clients: int, seconds: float) -> tuple[list[float], int]:
    """`clients` threads, each with its own keep-alive connection, GET `path` until the time is up."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client() -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine: list[float] = []
        bad = 0
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Accept-Language": "zh-CN"})
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    bad += 1
            except OSError:
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                continue
            mine.append(time.perf_counter() - started)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=4.0, help="load time per page (bounded run)")
    parser.add_argument("--threads", type=int, default=16, help="waitress worker threads")
    parser.add_argument("--no-page-cache", action="store_true", help="draw every page anew (page_cache_entries=0)")
    parser.add_argument("--store", default=None, help="store folder (default: a temporary one, built first)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        store_dir = args.store or str(Path(tmp) / "store")
        port = free_port()
        proc = start_server(port, store_dir, not args.no_page_cache, args.threads)
        try:
            for path in PAGES.values():  # warm up: index, templates, page cache
                load(port, path, 1, 0.2)
            print(f"{args.clients} concurrent clients, {args.seconds:g} s per page, waitress {args.threads} threads, "
                  f"page cache {'off' if args.no_page_cache else 'on'}")
            print(f"{'page':<20} {'requests':>8} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8} {'errors':>6}  ok<=50ms")
            for name, path in PAGES.items():
                latencies, errors = load(port, path, args.clients, args.seconds)
                p50, p99 = percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000
                print(f"{name:<20} {len(latencies):>8} {p50:>8.1f} {p99:>8.1f} {len(latencies) / args.seconds:>8.0f} "
                      f"{errors:>6}  {'yes' if p99 <= 50 else 'NO'}")
        finally:
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == "__main__":
    main()
