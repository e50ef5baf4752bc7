"""Runs checked SPARQL queries under a hard time limit and a row cap, on either backend.

Embedded store: a small pool of worker processes (web/sparql_worker.py), each with its own in-memory copy
of the compiled store. A request borrows an idle worker, sends the query and waits at most
query_timeout_s; a worker that overruns is killed and replaced in the background, and the request gets
504 while the other workers go on serving. Remote store: the query is forwarded to the server's query URL
(never an update URL) with a deadline, and the answer is read as a stream and cut at the row cap.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import requests

from cpkb.kb.namespaces import PREFIXES

from . import sparql_worker
from .sparql_fair import FairShare
from .sparql_guard import CheckedQuery, Refused, check_query, refuse_extensions
from .worker_pool import WorkerPool, WorkerProblem, encode


@dataclass
class Answer:
    """A result ready to send: serialised bytes, their media type, and whether the row cap cut them."""

    body: bytes
    media_type: str
    truncated: bool
    count: int


def _job_answer(reply: tuple, timeout_s: float) -> Answer:
    kind = reply[0]
    if kind == "ok":
        return Answer(reply[1], reply[4], reply[2], reply[3])
    if kind == "form":
        raise Refused(406, sparql_worker.unacceptable(reply[1]))
    if kind == "syntax":
        raise Refused(400, f"Malformed query: {reply[1]}")
    if kind == "refused":
        raise Refused(reply[1], reply[2])
    raise Refused(400, f"The query could not be evaluated: {reply[1]}")


# ---------------------------------------------------------------------- embedded: worker processes

class SparqlWorkers:
    """The query workers (web/worker_pool.py running web/sparql_worker.py); pool problems become HTTP answers."""

    def __init__(self, source: dict, size: int, share: FairShare, start_timeout_s: float):
        self.share = share  # who may have a worker now (web/sparql_fair.py); the pool says which one
        self._slot_ids = itertools.count(size)
        self.pool = WorkerPool("cpkb.web.sparql_worker", source, size, start_timeout_s, name="SPARQL worker",
                               on_replaced=lambda: self.share.add_slot(next(self._slot_ids)))
        self.size = self.pool.size

    @property
    def info(self) -> dict:
        return self.pool.info

    def run(self, job: dict, timeout_s: float, client: str = "") -> Answer:
        """Run one job for a client within its fair share; Refused 429 (over its share), 503 (no worker
        freed up in time, or one died), 504 (the time limit passed)."""
        message = encode(job)  # here, not under the share's lock
        # the job goes to a worker as soon as a slot is granted, by the thread that freed it when this one waits
        slot, ticket = self.share.acquire_started(client, timeout_s,
                                                  lambda: self.pool.start(message, timeout_s, nowait=True))
        overran = False
        try:
            if isinstance(ticket, Exception):
                raise ticket
            if ticket is None:  # no idle worker at the grant (one still starting): wait for one here
                ticket = self.pool.start(message, timeout_s)
            reply = self.pool.finish(ticket, timeout_s)
        except WorkerProblem as problem:
            overran = problem.kind == "timeout"
            if problem.kind != "busy":
                # its worker was killed and is being replaced (seconds): the slot comes back with the new worker,
                # so that the shares never promise a worker the pool does not have
                slot = None
            raise self._refusal(problem, timeout_s) from None
        finally:
            self.share.release(client, slot, overran)
        return _job_answer(reply, timeout_s)

    def _refusal(self, problem: WorkerProblem, timeout_s: float) -> Refused:
        if problem.kind == "busy":
            return Refused(503, f"All {self.size} query workers are busy; try again in a few seconds.")
        if problem.kind == "died":
            return Refused(503, "The query worker stopped unexpectedly; the query was not answered. Try again.")
        return Refused(504, f"The query ran longer than the limit of {timeout_s:g} s and was stopped after "
                            f"{problem.elapsed_s:.1f} s. Narrow it (more specific patterns, LIMIT) and try again.")

    def close(self) -> None:
        self.pool.close()


def make_share(settings: dict[str, Any], slots: int) -> FairShare:
    """The fair-share rules of the settings over `slots` slots."""
    running = int(settings.get("sparql_client_running") or 0) or max(1, slots - 2)
    return FairShare(slots, kept=int(settings.get("sparql_kept_workers", 1)), running_per_client=running,
                     queued_per_client=int(settings.get("sparql_client_queued", 2)),
                     cooldown_s=float(settings["query_timeout_s"]))


class EmbeddedExecutor:
    """The embedded backend: queries go to the worker pool; the store's graphs are read from a worker."""

    def __init__(self, settings: dict[str, Any]):
        from cpkb.kb.build import DISK_DIR, NQUADS_FILE

        store_dir = Path(settings["store_dir"])
        if settings.get("store_mode") == "disk":
            source = {"rocksdb": str(store_dir / DISK_DIR)}
        else:
            source = {"nquads": str(store_dir / NQUADS_FILE)}
        source["prefixes"] = PREFIXES  # a job without its own "prefixes" uses these (not pickled with every query)
        size = int(settings.get("sparql_workers") or 0) or max(2, os.cpu_count() or 2)
        size += int(settings.get("sparql_kept_workers", 1))  # the kept worker comes on top
        self.pool = SparqlWorkers(source, size, make_share(settings, size),
                                  float(settings["worker_start_timeout_s"]))
        self.description = f"embedded Oxigraph, {self.pool.size} worker processes"

    def graphs(self) -> list[str]:
        return list(self.pool.info.get("graphs", []))

    def run(self, job: dict, timeout_s: float, client: str = "") -> Answer:
        return self.pool.run(job, timeout_s, client)

    def close(self) -> None:
        self.pool.close()


# ---------------------------------------------------------------------- remote server

ABSENT_GRAPH = "urn:x-cpkb:absent-graph:"  # stands for a dataset graph the remote server does not hold


class RemoteExecutor:
    """A remote SPARQL 1.1 server: queries forwarded with a deadline; updates are never sent."""

    def __init__(self, settings: dict[str, Any]):
        self.query_url = settings["endpoint"]
        self.timeout_param = settings.get("remote_timeout_param") or ""
        # SELECT results as TSV (streamed and cut at the row cap) unless the server's TSV is not SPARQL's own
        # (Virtuoso writes IRIs as quoted strings there): then as SPARQL JSON
        first = ("application/sparql-results+json" if settings.get("remote_select_format") == "json"
                 else "text/tab-separated-values")
        self.accept = f"{first}, application/n-triples;q=0.9, application/sparql-results+json;q=0.8"
        self.description = f"remote SPARQL server at {self.query_url}"
        slots = int(settings.get("sparql_workers") or 0) or max(2, os.cpu_count() or 2)
        self.share = make_share(settings, slots + int(settings.get("sparql_kept_workers", 1)))
        self._local = threading.local()
        self._graphs: list[str] | None = None
        # on the query's first line, so that the server's error positions keep the user's line numbers
        self._prefix_text = " ".join(f"PREFIX {p}: <{iri}>" for p, iri in PREFIXES.items()) + " "

    def _session(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
        return self._local.session

    def graphs(self) -> list[str]:
        if self._graphs is None:
            query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"
            job = {"query": query, "prefixes": {}, "results_type": "text/tab-separated-values", "max_rows": 100000}
            try:
                answer = self._forward(job, check_query(query), 30.0)
                rows = answer.body.decode("utf-8").splitlines()[1:]
                self._graphs = [r.strip()[1:-1] for r in rows if r.startswith("<")]
            except Refused:
                return []
        return self._graphs

    def run(self, job: dict, timeout_s: float, client: str = "") -> Answer:
        """Check the query here (there is no worker process), then forward it within the client's share."""
        checked = check_query(job["query"], tuple(job.get("prefixes", PREFIXES).items()))
        refuse_extensions(checked)
        slot = self.share.acquire(client, timeout_s)
        overran = False
        try:
            return self._forward(job, checked, timeout_s)
        except Refused as refused:
            overran = refused.status == 504
            raise
        finally:
            self.share.release(client, slot, overran)

    def _dataset(self, job: dict, checked: CheckedQuery) -> tuple[list[str], list[str]] | None:
        """The dataset as protocol parameters: the protocol's own, else the query's FROM clauses. A graph the
        server does not hold becomes an IRI no server fetches, so that it stays an empty graph."""
        default, named = job.get("default_graphs"), job.get("named_graphs")
        if default is None and named is None:
            if not checked.has_dataset:
                return None
            default, named = list(checked.from_graphs), list(checked.from_named_graphs)
        known = set(self.graphs())

        def held(iris: list[str]) -> list[str]:
            return [iri if iri in known else f"{ABSENT_GRAPH}{n}" for n, iri in enumerate(iris)]

        return held(default or []), held(named or [])

    def _forward(self, job: dict, checked: CheckedQuery, timeout_s: float) -> Answer:
        params: list[tuple[str, str]] = []
        dataset = self._dataset(job, checked)
        text = job["query"]
        if dataset is not None:
            # the protocol's parameters override FROM (SPARQL 1.1 Protocol §2.1.4); the clauses are cut
            # out as well, for servers that would read them
            text = checked.without_dataset()
            params += [("default-graph-uri", iri) for iri in dataset[0]]
            params += [("named-graph-uri", iri) for iri in dataset[1]]
        if self.timeout_param:
            name, _, unit = self.timeout_param.partition("=")
            value = timeout_s * 1000 if unit.strip() == "{ms}" else timeout_s
            params.append((name, f"{value:g}"))
        base = f"BASE <{job['base_iri']}> " if job.get("base_iri") else ""  # BASE first: SPARQL 1.0 servers need it
        accept = self.accept
        deadline = time.monotonic() + timeout_s
        try:
            response = self._session().post(
                self.query_url, params=params, data={"query": base + self._prefix_text + text},
                headers={"Accept": accept}, timeout=(5, timeout_s), stream=True)
        except requests.Timeout:
            raise Refused(504, f"The query ran longer than the limit of {timeout_s:g} s and was abandoned.") from None
        except requests.RequestException:
            raise Refused(503, "The SPARQL server behind this endpoint cannot be reached; try again later.") from None
        try:
            if response.status_code == 400:
                message = response.text.strip()[:500] or "the server rejected the query"
                raise Refused(400, f"Malformed query: {message}")
            if response.status_code >= 300:
                raise Refused(502, f"The SPARQL server behind this endpoint answered {response.status_code}.")
            if response.headers.get("X-SQL-State") == "S1TAT":
                # Virtuoso's "anytime query": at its time limit it answers 200 with what it found so far
                raise Refused(504, f"The query ran longer than the limit of {timeout_s:g} s; the server stopped "
                                   "it and its partial answer is not passed on. Narrow it and try again.")
            kind = response.headers.get("Content-Type", "").split(";")[0].strip()
            return self._convert(response, kind, job, deadline, timeout_s)
        finally:
            response.close()

    def _read_lines(self, response, limit: int, deadline: float, timeout_s: float) -> tuple[bytes, bool]:
        chunks, lines = [], 0
        try:
            for chunk in response.iter_content(65536):
                chunks.append(chunk)
                lines += chunk.count(b"\n")
                if lines > limit:
                    return sparql_worker.cut_lines(b"".join(chunks), limit), True
                if time.monotonic() > deadline:
                    raise Refused(504, f"The query ran longer than the limit of {timeout_s:g} s and was abandoned.")
        except requests.RequestException:
            raise Refused(504, f"The query ran longer than the limit of {timeout_s:g} s and was abandoned.") from None
        return b"".join(chunks), False

    def _convert(self, response, kind: str, job: dict, deadline: float, timeout_s: float) -> Answer:
        max_rows = int(job["max_rows"])
        results_type, graph_type = job.get("results_type"), job.get("graph_type")
        if kind == "text/tab-separated-values":
            if not results_type:
                raise Refused(406, sparql_worker.unacceptable("SELECT"))
            tsv, truncated = self._read_lines(response, max_rows + 1, deadline, timeout_s)
            if tsv.strip() in (b"true", b"false"):  # a boolean sent as TSV
                result = ox.parse_query_results(tsv.strip(), format=ox.QueryResultsFormat.TSV)
                return Answer(result.serialize(format=sparql_worker.RESULTS_FORMATS[results_type]),
                              results_type, False, 1)
            body = self._safe(lambda: sparql_worker.reserialize_rows(tsv, results_type))
            return Answer(body, results_type, truncated, tsv.count(b"\n") - 1)
        if kind == "application/n-triples":
            if not graph_type:
                raise Refused(406, sparql_worker.unacceptable("CONSTRUCT"))
            nt, truncated = self._read_lines(response, max_rows, deadline, timeout_s)
            body = self._safe(lambda: sparql_worker.reserialize_triples(nt, graph_type, PREFIXES))
            return Answer(body, graph_type, truncated, nt.count(b"\n"))
        if kind in ("application/sparql-results+json", "application/json"):
            if not results_type:
                raise Refused(406, sparql_worker.unacceptable("SELECT"))
            data, _ = self._read_lines(response, 10**9, deadline, timeout_s)
            result = self._safe(lambda: ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON))
            if isinstance(result, ox.QueryBoolean):
                return Answer(result.serialize(format=sparql_worker.RESULTS_FORMATS[results_type]),
                              results_type, False, 1)
            tsv, count = self._safe(lambda: _solutions_tsv(result, max_rows + 1))
            truncated = count > max_rows
            if truncated:
                tsv = sparql_worker.cut_lines(tsv, max_rows + 1)
            body = self._safe(lambda: sparql_worker.reserialize_rows(tsv, results_type))
            return Answer(body, results_type, truncated, min(count, max_rows))
        raise Refused(502, f"The SPARQL server behind this endpoint answered in an unexpected format ({kind or 'none'}).")

    @staticmethod
    def _safe(convert):
        try:
            return convert()
        except (SyntaxError, ValueError, OSError):
            raise Refused(502, "The SPARQL server behind this endpoint sent a result that could not be read.") from None

    def close(self) -> None:
        pass


def _solutions_tsv(solutions, limit: int) -> tuple[bytes, int]:
    """At most `limit` solutions as SPARQL TSV (a term's str() is its N-Triples form, as TSV writes it)."""
    names = [v.value for v in solutions.variables]
    lines = ["\t".join("?" + n for n in names)]
    count = 0
    for solution in solutions:
        if count == limit:
            break
        lines.append("\t".join(str(solution[n]) if solution[n] is not None else "" for n in names))
        count += 1
    return ("\n".join(lines) + "\n").encode("utf-8"), count


def make_executor(settings: dict[str, Any]):
    """The executor the settings name: remote when an endpoint URL is set, embedded otherwise."""
    if settings.get("endpoint"):
        return RemoteExecutor(settings)
    return EmbeddedExecutor(settings)
