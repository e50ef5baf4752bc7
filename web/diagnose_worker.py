"""Survey diagnoses of the web app, each in a worker process with a memory and a time limit.

A survey is untrusted input: however well the reader bounds its work (diagnostics/safe_load.py), a hole
found later must cost one worker, not the server. Each worker holds the store and the knowledge already
built (so a diagnosis starts at once), caps its own address space with resource.setrlimit at what it holds
after start-up plus diagnose_memory_mb, and is killed by the pool when a diagnosis outlives
diagnose_timeout_s (web/worker_pool.py). Other users' requests are answered by the other workers and by the
web process, which never parses a survey itself.

Replies: ("ok", result), ("problems", [problem dicts]), ("confirm", unresolved names to confirm first), ("memory", None) (the worker then exits and is
replaced), ("error", exception type name; the traceback goes to the worker's stderr, i.e. the server log).
"""

from __future__ import annotations

import gc
import os
import sys
import traceback
from typing import Any

MODULE = "cpkb.web.diagnose_worker"


# ---------------------------------------------------------------------- in the worker process

def _address_space_bytes() -> int:
    """This process's current virtual size (VmSize), or 0 where /proc is missing."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def limit_memory(extra_mb: int) -> int:
    """Cap this process's address space at what it holds now plus extra_mb MiB; the cap in bytes (0: none set).

    RLIMIT_AS rather than RLIMIT_DATA: it also counts memory that C libraries (libyaml, zlib, lxml, pint's
    big integers) map outside Python's heap. A MemoryError is the worst that can follow."""
    try:
        import resource
    except ImportError:  # not a POSIX system: the time limit still holds
        return 0
    current = _address_space_bytes()
    if not current:
        return 0
    cap = current + int(extra_mb) * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    return cap


def diagnose_job(job: dict, store, knowledge, settings: dict[str, Any]) -> tuple:
    """Read and diagnose one survey; the reply tuple (see the module docstring)."""
    from cpkb.diagnostics.engine import diagnose
    from cpkb.diagnostics.limits import SurveyLimits
    from cpkb.diagnostics.survey import SurveyError, SurveyReader, parse_document

    try:
        raw, cells = parse_document(job.pop("data"), job["filename"], SurveyLimits.from_settings(settings))
        survey = SurveyReader(knowledge, cells, job.get("names")).read(raw)
        del raw, cells  # the upload's parsed tree (7 MB per 1,000 enterprises) counts against the memory cap no more
        exclude_invalid = bool(job.get("exclude_invalid"))
        errors_first = survey.problems and not exclude_invalid  # errors stop the diagnosis anyway: show them first
        if job.get("confirm") and survey.unresolved and not errors_first:
            return ("confirm", survey.unresolved)  # names a person confirms before the diagnosis runs
        return ("ok", diagnose(survey, store, settings, exclude_invalid=exclude_invalid))
    except SurveyError as error:
        return ("problems", [p.as_dict() for p in error.problems])
    except MemoryError:
        return ("memory", None)
    except Exception as exc:  # a bug of ours: logged by the worker, reported as a type name only
        traceback.print_exc(file=sys.stderr)
        return ("error", type(exc).__name__)


def _warm(knowledge) -> None:
    """What a first diagnosis would otherwise build inside some visitor's request: the name matcher, the place index
    and the engine's modules (importing them took 0.26 s, a cold worker's first small diagnosis 0.64 s against 0.1 s
    warm)."""
    import cpkb.diagnostics.engine  # noqa: F401
    import cpkb.diagnostics.survey  # noqa: F401
    from cpkb.diagnostics.names import matcher_for
    from cpkb.diagnostics.places import places_for

    matcher_for(knowledge)
    places_for(knowledge)


def serve(conn_in, conn, source: dict) -> None:
    """The worker's loop: open the store and the knowledge, cap memory, say ready, answer jobs."""
    from cpkb.diagnostics.knowledge import knowledge_for
    from cpkb.diagnostics.limits import SurveyLimits
    from cpkb.diagnostics.units import converter_for
    from cpkb.kb.build import open_store

    from .worker_pool import answer_jobs

    settings = source["settings"]
    os.nice(5)  # starting up and diagnosing yield the CPU to the web process serving everyone's pages
    try:
        store = open_store(settings)
        knowledge = knowledge_for(store)
        converter_for(knowledge, SurveyLimits.from_settings(settings))  # pint's registry, built once per worker
        _warm(knowledge)   # the name matcher and place index, so that the first small survey is not the slow one
        # The knowledge is ~330,000 objects (1.2 million before it was cached without the rdflib graph) that live as
        # long as the worker. Left to the cyclic collector, every full collection rescans them all (0.8 s here with
        # the graph, 1.8 s on a loaded CI machine), and one lands inside
        # some small diagnosis; frozen, they are never scanned again.
        gc.collect()
        gc.freeze()
        cap = limit_memory(int(settings["diagnose_memory_mb"]))
    except Exception as exc:  # report and leave: the pool logs it
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", {"memory_cap_bytes": cap, "pid": os.getpid(), "frozen_objects": gc.get_freeze_count()}))
    # a worker that ran out of memory may hold fragments of it: it stops, and the pool starts a fresh one
    answer_jobs(conn_in, conn, lambda job: diagnose_job(job, store, knowledge, settings), last=("memory",))


def main() -> None:
    """Entry point of the worker process (web/worker_pool.py starts it)."""
    from .worker_pool import worker_main

    worker_main(serve)


# ---------------------------------------------------------------------- in the web process

class Diagnoser:
    """The web app's way to diagnose an upload: worker processes (diagnose_workers ≥ 1) or, for tests that
    need no isolation, the request thread (diagnose_workers = 0: no memory or time limit)."""

    def __init__(self, settings: dict[str, Any]):
        self.settings = dict(settings)
        self.timeout_s = float(settings["diagnose_timeout_s"])
        size = int(settings["diagnose_workers"])
        self.pool = None
        self.size = size
        if size > 0:
            from .worker_pool import WorkerPool

            self.pool = WorkerPool(MODULE, {"settings": self.settings}, size,
                                   float(settings["worker_start_timeout_s"]), name="diagnosis worker",
                                   retire_on=("memory",))

    def run(self, data: bytes, filename: str, exclude_invalid: bool, store=None, names: list | None = None,
            confirm: bool = False) -> tuple:
        """The reply for one survey, or ("busy"|"timeout"|"died", detail) when the pool gave none. names: the name
        map a person confirmed; confirm: stop at ("confirm", unresolved) when names are unresolved."""
        job = {"data": data, "filename": filename, "exclude_invalid": exclude_invalid, "names": names,
               "confirm": confirm}
        if self.pool is None:
            from cpkb.diagnostics.knowledge import knowledge_for

            return diagnose_job(job, store, knowledge_for(store), self.settings)
        from .worker_pool import WorkerProblem

        try:
            return self.pool.run(job, self.timeout_s)
        except WorkerProblem as problem:
            return (problem.kind, str(problem))

    def workers_alive(self) -> int:
        """Worker processes running now (one killed by a limit is replaced within seconds)."""
        return self.pool.alive() if self.pool is not None else 0

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
