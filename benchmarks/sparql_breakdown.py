"""Where a new SPARQL query's CPU time goes, measured inside each process (no HTTP server, no load generator).

    python benchmarks/sparql_breakdown.py [--queries 2000]

The query is benchmarks/sparql_load.py's "new literal" one (a 60-row SELECT, a literal never sent before,
SPARQL JSON asked), in three layers:

- **Oxigraph alone**: pyoxigraph parses it, evaluates it and writes SPARQL JSON: what raw `oxigraph serve`
  does besides HTTP, the floor of any front;
- **the query worker**: web/sparql_worker.execute, by step (the check's shortcut, Oxigraph, the row count);
- **the web process**: the app's WSGI callable called directly with the request's environ, real workers
  behind it; its own CPU per request by stage (each function's own time, its callees' taken out).

CPU is thread CPU time (time.thread_time_ns / process_time_ns): other work on the machine lengthens it only
through caches and scheduling, so the figures of one run add up; sparql_load.py's CPU per request adds what
lies outside Python (granian's HTTP, the kernel's side of the pipes).
"""

from __future__ import annotations

import argparse
import functools
import io
import os
import sys
import time
import urllib.parse
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from sparql_load import NEW_LITERAL  # noqa: E402  (the same query as the load test)


class Spans:
    """Own CPU time per label of wrapped functions (a callee's time is taken out of its caller's)."""

    def __init__(self):
        self.own: Counter = Counter()
        self._stack: list[list] = []

    def wrap(self, owner, name: str, label: str) -> None:
        inner = getattr(owner, name)
        spans = self

        @functools.wraps(inner)
        def timed(*args, **kwargs):
            frame = [time.thread_time_ns(), 0]
            spans._stack.append(frame)
            try:
                return inner(*args, **kwargs)
            finally:
                spans._stack.pop()
                elapsed = time.thread_time_ns() - frame[0]
                spans.own[label] += elapsed - frame[1]
                if spans._stack:
                    spans._stack[-1][1] += elapsed

        setattr(owner, name, timed)


def _cpu_per_call(fn, count: int) -> float:
    """µs of process CPU per call of fn(i), i new each time."""
    for i in range(50):
        fn(-i - 1)
    started = time.process_time_ns()
    for i in range(count):
        fn(i)
    return (time.process_time_ns() - started) / count / 1000


def oxigraph_and_worker(store_dir: Path, count: int) -> list[tuple[str, float]]:
    """The Oxigraph floor and the worker's steps, in µs per query."""
    import pyoxigraph as ox

    from cpkb.kb.namespaces import PREFIXES, sparql_prefixes
    from cpkb.web import sparql_worker
    from cpkb.web.sparql_guard import plain_query

    store = sparql_worker.open_data({"nquads": str(store_dir / "cpkb.nq")})
    prefix = sparql_prefixes()
    run = int(time.time())

    def text(i: int) -> str:
        return prefix + NEW_LITERAL.format(literal=f"b{run}-{i}")

    json_format = ox.QueryResultsFormat.JSON
    options = {"prefixes": PREFIXES, "base_iri": "http://127.0.0.1:8000/sparql", "use_default_graph_as_union": True}
    job = {"results_type": "application/sparql-results+json", "graph_type": None, "max_rows": 10000,
           "default_graphs": None, "named_graphs": None, "base_iri": options["base_iri"]}
    body = store.query(text(0), **options).serialize(format=json_format)
    rows = [
        ("Oxigraph: a trivial ASK (fixed cost of one query)",
         _cpu_per_call(lambda i: store.query(f'ASK {{ FILTER("{i}" != "") }}').serialize(format=json_format), count)),
        ("Oxigraph: parse only", _cpu_per_call(lambda i: store.query(text(i), **options), count)),
        ("Oxigraph: parse, evaluate, write JSON (the floor)",
         _cpu_per_call(lambda i: store.query(text(i), **options).serialize(format=json_format), count)),
        ("worker: execute() whole", _cpu_per_call(
            lambda i: sparql_worker.execute(store, dict(job, query=text(i)), PREFIXES), count)),
        ("worker: the check's shortcut (plain_query)", _cpu_per_call(lambda i: plain_query(text(i)), count)),
        ("worker: counting the rows (json_rows)", _cpu_per_call(lambda i: sparql_worker.json_rows(body), count)),
    ]
    return rows


def web_process(count: int) -> tuple[float, list[tuple[str, float]]]:
    """The web process's own CPU per new query (thread CPU of the calling thread) and its stages."""
    from cpkb.kb.namespaces import sparql_prefixes
    from cpkb.web import sparql, sparql_exec, sparql_fair, worker_pool
    from cpkb.web.app import create_app

    app = create_app({"CPKB": {"sparql_client_header": "X-Bench-Client"}})
    spans = Spans()
    stages = [
        (sparql, "_read_request", "reading the request (form body, percent-decoding, parameters)"),
        (sparql, "_negotiate", "negotiation, endpoint IRI, cache keys"),
        (sparql, "_endpoint_iri", "negotiation, endpoint IRI, cache keys"),
        (sparql, "_raw_key", "negotiation, endpoint IRI, cache keys"),
        (sparql.AnswerCache, "get", "answer cache (look-ups, keeping the answer)"),
        (sparql.AnswerCache, "put", "answer cache (look-ups, keeping the answer)"),
        (sparql.AnswerCache, "sent", "answer cache (look-ups, keeping the answer)"),
        (sparql_fair.FairShare, "acquire_started", "fair share (acquire, release)"),
        (sparql_fair.FairShare, "release", "fair share (acquire, release)"),
        (sparql_exec, "encode", "pipe: pickling the job"),
        (worker_pool.WorkerPool, "start", "pipe: taking a worker, writing the job"),
        (worker_pool.Worker, "reply", "pipe: waiting (poll), reading and unpickling the answer"),
        (sparql_exec, "_job_answer", "building the response (status, headers, truncation flag)"),
        (sparql, "_answer_parts", "building the response (status, headers, truncation flag)"),
    ]
    for owner, name, label in stages:  # (LeanRequest stays unwrapped: the endpoint checks isinstance against it)
        spans.wrap(owner, name, label)
    spans.wrap(app, "wsgi_app", "the rest of the thin path (dispatch, the query's checks of length, glue)")
    prefix = sparql_prefixes()
    run = int(time.time())

    def environ(i: int) -> dict:
        query = prefix + NEW_LITERAL.format(literal=f"w{run}-{i}")
        body = ("query=" + urllib.parse.quote(query, safe="")).encode()
        return {"REQUEST_METHOD": "POST", "PATH_INFO": "/sparql", "QUERY_STRING": "", "SCRIPT_NAME": "",
                "CONTENT_TYPE": "application/x-www-form-urlencoded", "CONTENT_LENGTH": str(len(body)),
                "wsgi.input": io.BytesIO(body), "HTTP_ACCEPT": "application/sparql-results+json",
                "HTTP_HOST": "127.0.0.1:8000", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000",
                "wsgi.url_scheme": "http", "REMOTE_ADDR": "127.0.0.1", "HTTP_X_BENCH_CLIENT": "one",
                "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.errors": sys.stderr}

    statuses = []

    def start_response(status, headers):
        statuses.append(status)

    try:
        for i in range(3):  # the first request starts the workers (Flask's route)
            b"".join(app.wsgi_app(environ(-i - 1), start_response))
        requests = [environ(i) for i in range(count)]
        spans.own.clear()
        started = time.thread_time_ns()
        for env in requests:
            b"".join(app.wsgi_app(env, start_response))
        total = (time.thread_time_ns() - started) / count / 1000
    finally:
        sparql.close_executor(app)
    if any(not s.startswith("200") for s in statuses):
        raise SystemExit(f"not every request was answered: {sorted(set(statuses))}")
    return total, sorted(((label, ns / count / 1000) for label, ns in spans.own.items()), key=lambda kv: -kv[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=2000, help="queries per measurement")
    args = parser.parse_args()
    from cpkb.kb.build import ensure_store
    from cpkb.settings import load_settings

    settings = load_settings()
    ensure_store(settings)
    print(f"load average {os.getloadavg()[0]:.1f}; {args.queries} new-literal queries per figure; µs of CPU per query")
    for label, micros in oxigraph_and_worker(Path(settings["store_dir"]), args.queries):
        print(f"  {micros:7.1f}  {label}")
    total, stages = web_process(args.queries)
    print(f"  {total:7.1f}  web process, Python (the app called directly; real workers), of which:")
    for label, micros in stages:
        print(f"  {micros:7.1f}      {label}")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
