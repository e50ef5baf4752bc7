"""Load test of the SPARQL endpoint against raw `oxigraph serve` on the same data, in the same run.

    python benchmarks/sparql_load.py [--clients 8] [--duration 20] [--rounds 2] [--attack 30] [--profile]

Workloads (a 60-row SELECT over the knowledge base, POST form, SPARQL JSON results):

- **same query**: every client repeats one query text (CPKB answers it from its response cache);
- **new literal**: every request carries a literal never sent before, so no cache can answer it and
  CPKB reads, checks and runs each one;
- **attack**: two clients loop exploding queries (four connections each) while a third sends simple
  queries; prints the third client's median and worst latency, and what the attackers got (504, 429…).

The load generator must not be the bottleneck: `wrk` (C, one event loop per thread; Debian package
`wrk`) runs the throughput workloads, one thread and one keep-alive connection per client, each client
naming itself in a header that CPKB is told to read (`sparql_client_header`), so that the fair shares
see eight clients, as they would see eight users. Without wrk, lean keep-alive clients (http.client, one
per process) take its place. The servers take turns in rounds (the order rotating) so that load from
elsewhere on the machine falls on all alike; the ratios compare figures of the same run.
`--profile` samples `cpkb serve` with py-spy during the new-literal workload and prints where its time goes.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import requests

from cpkb.kb.namespaces import sparql_prefixes

QUERY = "SELECT ?s ?label WHERE { ?s a cpkb:Measure ; skos:prefLabel ?label } LIMIT 60"
NEW_LITERAL = ("SELECT ?s ?label WHERE {{ ?s a cpkb:Measure ; skos:prefLabel ?label "
               "FILTER(STR(?label) != \"{literal}\") }} LIMIT 60")
EXPLOSION = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
CLIENT_HEADER = "X-CPKB-Bench-Client"

WRK_SCRIPT = r"""
local counter = 0
local threads = {}
function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  prefix = args[1]
  mode = args[2]
end
local function escape(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end
QUERY = [==[__QUERY__]==]
NEW_LITERAL = [==[__NEW_LITERAL__]==]
request = function()
  counter = counter + 1
  local q
  if mode == "new" then
    q = NEW_LITERAL:gsub("{literal}", "n" .. id .. "-" .. counter .. "-" .. os.time())
  else
    q = QUERY
  end
  local body = "query=" .. escape(prefix .. q)
  return wrk.format("POST", nil, {["Content-Type"] = "application/x-www-form-urlencoded",
    ["Accept"] = "application/sparql-results+json", ["__HEADER__"] = "client-" .. id}, body)
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(url: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.post(url, data={"query": "ASK {}"}, headers={"Accept": "application/sparql-results+json"},
                             timeout=5).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{url} did not come up")


# ---------------------------------------------------------------------- the load generators

def run_wrk(url: str, clients: int, duration: float, prefix: str, mode: str, script: Path) -> dict:
    """wrk with one thread and one connection per client; its figures."""
    out = subprocess.run(["wrk", "-t", str(clients), "-c", str(clients), "-d", f"{max(1, round(duration))}s",
                          "--latency", "-s", str(script), url, "--", prefix, mode],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)

    def pct(p: str) -> float:
        found = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not found:
            return float("nan")
        return float(found.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[found.group(2)]

    return {"rps": rps, "requests": total, "bad": int(bad.group(1)) if bad else 0,
            "socket_errors": sum(map(int, errors.groups())) if errors else 0,
            "p50_ms": pct("50"), "p99_ms": pct("99")}


def _lean_client(args: tuple) -> tuple[int, int, list[float]]:
    """One keep-alive client process: requests until the time is up; (ok, bad, latencies)."""
    url, prefix, mode, duration, number = args
    parsed = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json",
               CLIENT_HEADER: f"client-{number}"}
    ok = bad = counter = 0
    latencies = []
    stop_at = time.monotonic() + duration
    while time.monotonic() < stop_at:
        counter += 1
        query = NEW_LITERAL.format(literal=f"n{number}-{counter}-{time.time()}") if mode == "new" else QUERY
        body = urllib.parse.urlencode({"query": prefix + query})
        started = time.perf_counter()
        conn.request("POST", parsed.path, body, headers)
        response = conn.getresponse()
        response.read()
        latencies.append(time.perf_counter() - started)
        if response.status == 200:
            ok += 1
        else:
            bad += 1
    return ok, bad, latencies


def run_lean(url: str, clients: int, duration: float, prefix: str, mode: str, _script=None) -> dict:
    """The same load from lean keep-alive clients, one process each (when wrk is not installed)."""
    with multiprocessing.get_context("fork").Pool(clients) as pool:
        began = time.monotonic()
        results = pool.map(_lean_client, [(url, prefix, mode, duration, n) for n in range(clients)])
        elapsed = time.monotonic() - began
    latencies = sorted(x for _, _, lat in results for x in lat)
    ok = sum(r[0] for r in results)
    return {"rps": (ok + sum(r[1] for r in results)) / elapsed, "requests": len(latencies),
            "bad": sum(r[1] for r in results), "socket_errors": 0,
            "p50_ms": 1000 * statistics.median(latencies), "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))]}


# ---------------------------------------------------------------------- the attack

class _Client:
    def __init__(self, url: str, address: str):
        parsed = urllib.parse.urlparse(url)
        self.parsed, self.address = parsed, address
        self.conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60, source_address=(address, 0))

    def ask(self, query: str) -> tuple[int, float]:
        body = urllib.parse.urlencode({"query": query})
        started = time.monotonic()
        try:
            self.conn.request("POST", self.parsed.path, body, {"Content-Type": "application/x-www-form-urlencoded",
                                                                "Accept": "application/sparql-results+json"})
            response = self.conn.getresponse()
            response.read()
            return response.status, time.monotonic() - started
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.parsed.hostname, self.parsed.port, timeout=60,
                                                   source_address=(self.address, 0))
            return 0, time.monotonic() - started


def attack(url: str, duration: float, prefix: str) -> dict:
    """Two attackers (four connections each, own loopback addresses) and one victim; the victim's latencies."""
    stop = threading.Event()
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def attacker(address: str) -> None:
        client = _Client(url, address)
        while not stop.is_set():
            status, _ = client.ask(f"{EXPLOSION} # {time.time()}")
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
            if status == 429:
                time.sleep(0.05)

    threads = [threading.Thread(target=attacker, args=(a,), daemon=True)
               for a in ["127.0.0.2"] * 4 + ["127.0.0.3"] * 4]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    victim = _Client(url, "127.0.0.4")
    answers = []
    until = time.monotonic() + duration
    while time.monotonic() < until:
        answers.append(victim.ask(f"{prefix}{NEW_LITERAL.format(literal=time.time())}"))
        time.sleep(0.05)
    stop.set()
    latencies = sorted(elapsed for _, elapsed in answers)
    return {"answers": len(answers), "ok": sum(1 for s, _ in answers if s == 200),
            "p50_ms": 1000 * statistics.median(latencies), "max_ms": 1000 * latencies[-1],
            "over_1s": sum(1 for x in latencies if x > 1.0), "attackers": dict(sorted(statuses.items()))}


# ---------------------------------------------------------------------- CPU accounting

_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of one process (Linux /proc), 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


def _descendants(pid: int) -> list[int]:
    """The processes started by pid, at any depth: cpkb serve's SPARQL and diagnosis workers."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        kids = parents.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def _is_worker(pid: int) -> bool:
    """A SPARQL or diagnosis worker (web/worker_pool.py), as opposed to the processes serving HTTP."""
    try:
        return b"_worker import main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def serving_process(pid: int) -> int:
    """The process that runs the app: granian's forked worker under cpkb serve (pid itself if there is none)."""
    return next((p for p in _descendants(pid) if not _is_worker(p)), pid)


def cpu_split(pid: int):
    """A snapshot; calling its result later gives (front s, workers s) spent since, for the server at pid: the
    front is granian's supervisor and serving process, the workers are the query and diagnosis processes."""
    before = {p: _cpu_s(p) for p in [pid] + _descendants(pid)}

    def since() -> tuple[float, float]:
        now = {p: _cpu_s(p) for p in [pid] + _descendants(pid)}
        spent = {p: now[p] - before.get(p, 0.0) for p in now}
        workers = sum(t for p, t in spent.items() if _is_worker(p))
        return sum(spent.values()) - workers, workers
    return since


# ---------------------------------------------------------------------- profile

def profile(pid: int, seconds: float) -> str:
    """py-spy's view of the server process during the new-literal load: the top functions by own time."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        return "py-spy is not installed (pip install py-spy) — no profile"
    raw = subprocess.run([spy, "record", "--pid", str(pid), "--duration", str(int(seconds)), "--format", "raw",
                          "--output", "/dev/stdout", "--nonblocking", "--threads"],
                         capture_output=True, text=True)
    own: dict[str, int] = {}
    total = 0
    for line in raw.stdout.splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit() or not stack:
            continue
        frames = stack.split(";")
        total += int(count)
        leaf = next((f for f in reversed(frames) if "(" in f), frames[-1])
        module = re.sub(r".*\((.*?)(?::\d+)?\)$", r"\1", leaf)
        key = _area(module, leaf)
        own[key] = own.get(key, 0) + int(count)
    if not total:
        return "py-spy recorded nothing (" + raw.stderr.strip()[:200] + ")"
    return "\n".join(f"    {100 * n / total:5.1f} %  {name}" for name, n in
                     sorted(own.items(), key=lambda kv: -kv[1])[:12])


def _area(module: str, leaf: str) -> str:
    if "waitress" in module:
        return "waitress (HTTP parsing, sockets, task queue)"
    if "werkzeug" in module or "flask" in module:
        return "werkzeug/flask (request and response objects)"
    if "multiprocessing/connection" in module or "pickle" in module:
        return "pipe to the worker (pickle, send, wait)"
    if "threading" in module or "queue" in module:
        return "idle threads waiting (threading)"
    if "/web/sparql" in module:
        return "cpkb web/sparql*.py"
    if "selectors" in module or "socket" in module:
        return "sockets (select, send, recv)"
    return module.rsplit("/", 1)[-1] or leaf


# ---------------------------------------------------------------------- main

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of each workload on each server")
    parser.add_argument("--rounds", type=int, default=2, help="turns the servers take within that time")
    parser.add_argument("--attack", type=float, default=30.0, help="seconds of the attack workload (0: none)")
    parser.add_argument("--threads", type=int, default=8, help="threads of cpkb serve calling the app (its default: 8)")
    parser.add_argument("--kb", default="", help="knowledge source folder (default: the bundled one)")
    parser.add_argument("--lean", action="store_true", help="use the lean Python clients even if wrk is installed")
    parser.add_argument("--profile", action="store_true", help="sample cpkb serve with py-spy (new-literal load)")
    args = parser.parse_args()

    use_wrk = bool(shutil.which("wrk")) and not args.lean
    generator = run_wrk if use_wrk else run_lean
    oxigraph = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    cpkb_bin = str(Path(sys.executable).parent / "cpkb")
    tmp = Path(tempfile.mkdtemp(prefix="cpkb-sparql-load-"))
    env = dict(os.environ, CPKB_STORE_DIR=str(tmp / "store"), CPKB_ENDPOINT="")
    if args.kb:
        env["CPKB_KB_DIR"] = args.kb
    subprocess.run([cpkb_bin, "build"], env=env, check=True, stdout=subprocess.DEVNULL)
    nquads = tmp / "store" / "cpkb.nq"
    script = tmp / "load.lua"
    script.write_text(WRK_SCRIPT.replace("__QUERY__", QUERY).replace("__NEW_LITERAL__", NEW_LITERAL)
                      .replace("__HEADER__", CLIENT_HEADER), encoding="utf-8")
    procs = []
    try:
        ox_port, cpkb_port = free_port(), free_port()
        raw = subprocess.Popen([oxigraph, "serve", "--bind", f"127.0.0.1:{ox_port}", "--union-default-graph"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(raw)
        cpkb = subprocess.Popen([cpkb_bin, "serve", "--host", "127.0.0.1", "--port", str(cpkb_port),
                                 "--threads", str(args.threads)],
                                env=dict(env, CPKB_SPARQL_CLIENT_HEADER=CLIENT_HEADER),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(cpkb)
        servers = {"raw oxigraph serve": f"http://127.0.0.1:{ox_port}/query",
                   "cpkb serve": f"http://127.0.0.1:{cpkb_port}/sparql"}
        wait_ready(servers["raw oxigraph serve"])
        requests.post(f"http://127.0.0.1:{ox_port}/store", data=nquads.read_bytes(),
                      headers={"Content-Type": "application/n-quads"}, timeout=120).raise_for_status()
        wait_ready(servers["cpkb serve"])
        prefix = sparql_prefixes()  # the same query text for every server
        check = requests.post(servers["raw oxigraph serve"], data={"query": prefix + QUERY},
                              headers={"Accept": "application/sparql-results+json"}, timeout=30).json()
        rows = len(check["results"]["bindings"])
        for url in servers.values():  # warm-up: workers, caches, connections
            generator(url, args.clients, 2, prefix, "same", script)
        print(f"{args.clients} clients ({'wrk, one thread and connection each' if use_wrk else 'lean Python clients, one process each'}), "
              f"{args.duration:g} s per workload and server in {args.rounds} rounds; a {rows}-row SELECT, POST form, "
              f"SPARQL JSON; {nquads.stat().st_size // 1024} KiB of N-Quads; {os.cpu_count()} CPUs; "
              f"load average {os.getloadavg()[0]:.1f} at the start; cpkb serve (granian) --threads {args.threads}")
        names = list(servers)
        for mode, title in (("same", "same query"), ("new", "new literal each time")):
            runs: dict[str, list[dict]] = {name: [] for name in names}
            spent = [0.0, 0.0]
            raw_spent = 0.0
            for round_no in range(args.rounds):
                for name in names[round_no % 2:] + names[: round_no % 2]:
                    since, raw_before = cpu_split(cpkb.pid), _cpu_s(raw.pid)
                    runs[name].append(generator(servers[name], args.clients, args.duration / args.rounds, prefix,
                                                mode, script))
                    if name == "cpkb serve":
                        front, workers = since()
                        spent = [spent[0] + front, spent[1] + workers]
                    else:
                        raw_spent += _cpu_s(raw.pid) - raw_before
            print(f"\n  {title}:")
            figures = {}
            for name in names:
                r = runs[name]
                rps = statistics.mean(x["rps"] for x in r)
                figures[name] = rps
                spread = ", ".join(f"{x['rps']:.0f}" for x in r)
                print(f"    {name:<20} {rps:8.1f} req/s  (rounds: {spread})   "
                      f"p50 {statistics.mean(x['p50_ms'] for x in r):6.2f} ms   p99 {statistics.mean(x['p99_ms'] for x in r):7.2f} ms   "
                      f"{sum(x['requests'] for x in r)} requests, {sum(x['bad'] for x in r)} not 200, "
                      f"{sum(x['socket_errors'] for x in r)} socket errors")
            served = sum(x["requests"] for x in runs["cpkb serve"])
            raw_served = sum(x["requests"] for x in runs["raw oxigraph serve"])
            print(f"    CPU per request: cpkb serve web process {1e6 * spent[0] / served:.0f} µs + query workers "
                  f"{1e6 * spent[1] / served:.0f} µs; raw oxigraph serve {1e6 * raw_spent / raw_served:.0f} µs "
                  f"(its process; the load generator aside)")
            goal = 0.7 if mode == "same" else 0.3
            print(f"    ratio cpkb / raw oxigraph: {figures['cpkb serve'] / figures['raw oxigraph serve']:.2f}"
                  f" (goal >= {goal})")
            if mode == "new" and args.profile:
                worker = threading.Thread(target=generator, args=(servers["cpkb serve"], args.clients, 12, prefix,
                                                                  "new", script))
                worker.start()
                time.sleep(1)
                print("    where cpkb serve's own process spends its time (py-spy, 10 s, all threads):")
                print(profile(serving_process(cpkb.pid), 10))
                worker.join()
        if args.attack:
            print(f"\n  attack on cpkb serve ({args.attack:g} s; two clients loop exploding queries on four "
                  "connections each, a third sends a new simple query every 50 ms):")
            a = attack(servers["cpkb serve"], args.attack, prefix)
            print(f"    victim: {a['ok']}/{a['answers']} answered, median {a['p50_ms']:.1f} ms, max {a['max_ms']:.1f} ms, "
                  f"{a['over_1s']} over 1 s (goal: median <= 50 ms, none over 1 s)")
            print(f"    attackers' answers by status: {a['attackers']}")
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
