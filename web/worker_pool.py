"""A pool of worker processes that each answer one job at a time, under a hard time limit.

Used for SPARQL queries (web/sparql_worker.py) and survey diagnoses (web/diagnose_worker.py): the work that
one request can make unbounded runs outside the web process. A request borrows an idle worker, sends its
job and waits at most timeout_s; a worker that overruns, dies (a memory limit, a crash) or breaks its pipe
is killed and replaced in the background while the other workers go on serving.

Workers are plain subprocesses (`python -c "from MODULE import main; main()" SOURCE_JSON`), not
multiprocessing's spawn: spawn re-imports the parent's main module, which under a WSGI server or a script
is not ours to guard. The worker's main() reads jobs from stdin and answers on its original stdout, both
as multiprocessing Connections; its first message is ("ready", info) or ("failed", detail).
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import queue
import select
import struct
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection

log = logging.getLogger(__name__)


def worker_main(serve) -> None:
    """The body of a worker's main(): serve(jobs in, answers out, source) over the pipes the pool set up.

    Jobs arrive on stdin; answers leave on the original stdout, and anything printed by accident is sent
    to stderr instead so that it never corrupts the answer pipe."""
    from multiprocessing.connection import Connection

    out_fd = os.dup(1)
    os.dup2(2, 1)
    source = json.loads(sys.argv[1])
    serve(Connection(os.dup(0), writable=False), Connection(out_fd, readable=False), source)


def answer_jobs(conn_in, conn, handle, last: tuple[str, ...] = ()) -> None:
    """A worker's loop: handle(job) for each job until the pipe closes or a None job arrives; stop after an
    answer whose first item is in `last` (the pool replaces the worker, see WorkerPool.retire_on)."""
    inbox = Inbox(conn_in.fileno())
    while True:
        try:
            job = pickle.loads(inbox.read())
        except (EOFError, OSError):
            return
        if job is None:
            return
        answer = handle(job)
        try:
            send_message(conn.fileno(), _dumps(answer))
        except (OSError, ValueError):
            return
        if isinstance(answer, tuple) and answer and answer[0] in last:
            return


class Inbox:
    """Messages in multiprocessing.Connection's framing (a 4-byte big-endian length, or -1 and 8 bytes, then the
    bytes) read from a pipe in as few reads as possible: Connection.recv_bytes reads the length and the message
    apart, and every read lets go of the GIL (a thread switch in a busy web process)."""

    def __init__(self, fd: int):
        self.fd = fd
        self._buffer = bytearray()

    def _frame(self) -> tuple[int, int] | None:
        """(header length, message length) once the header is in the buffer."""
        if len(self._buffer) < 4:
            return None
        (size,) = struct.unpack_from("!i", self._buffer)
        if size != -1:
            return 4, size
        return (12, struct.unpack_from("!Q", self._buffer, 4)[0]) if len(self._buffer) >= 12 else None

    def ready(self) -> bool:
        """A whole message is already buffered."""
        frame = self._frame()
        return frame is not None and len(self._buffer) >= sum(frame)

    def read(self) -> bytes:
        """The next message; EOFError when the pipe closed first."""
        while True:
            frame = self._frame()
            if frame is not None and len(self._buffer) >= sum(frame):
                head, size = frame
                message = bytes(self._buffer[head:head + size])
                del self._buffer[:head + size]
                return message
            chunk = os.read(self.fd, max(65536, sum(frame) - len(self._buffer) if frame else 0))
            if not chunk:
                raise EOFError
            self._buffer += chunk


def send_message(fd: int, message: bytes) -> None:
    """One message in Connection's framing, header and bytes in one system call: Connection.send_bytes writes a
    message past 16 KiB in two, and the reader may wake (a thread switch in the web process) between them."""
    size = len(message)
    header = struct.pack("!i", size) if size <= 0x7FFFFFFF else struct.pack("!iQ", -1, size)
    written = os.writev(fd, [header, message])
    if written < len(header) + size:  # a partial write (a signal): the rest the plain way
        rest = memoryview(header + message)[written:]
        while rest:
            rest = rest[os.write(fd, rest):]


def _dumps(obj) -> bytes:
    """A message for the pipe: plain pickle (what Connection.recv reads too), without the ForkingPickler and
    BytesIO that Connection.send makes for every message."""
    return pickle.dumps(obj, pickle.HIGHEST_PROTOCOL)


def encode(job) -> bytes:
    """A job as the pipe carries it (WorkerPool.start sends it)."""
    return _dumps(job)


class WorkerProblem(Exception):
    """A job that got no answer; `kind` is busy, timeout or died."""

    def __init__(self, kind: str, message: str, elapsed_s: float = 0.0):
        super().__init__(message)
        self.kind = kind
        self.elapsed_s = elapsed_s


class Worker:
    """One worker process and the pipes to it."""

    def __init__(self, module: str, source: dict, start_timeout_s: float):
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", f"from {module} import main; main()", json.dumps(source)],
                stdin=to_child_r, stdout=from_child_w, close_fds=True)
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        self.conn_out = Connection(to_child_w, readable=False)
        self.conn = Connection(from_child_r, writable=False)
        if not self.conn.poll(start_timeout_s):
            self.kill()
            raise RuntimeError(f"the worker {module} did not start within {start_timeout_s:g} s "
                               "(setting worker_start_timeout_s)")
        try:
            status, detail = self.conn.recv()
        except (EOFError, OSError):
            self.kill()
            raise RuntimeError(f"the worker {module} exited while starting") from None
        if status != "ready":
            self.kill()
            raise RuntimeError(f"the worker {module} could not start: {detail}")
        self.info = detail
        # one poll object per worker: Connection.poll builds a selector on every call
        self._poller = select.poll()
        self._poller.register(self.conn.fileno(), select.POLLIN)
        self._inbox = Inbox(self.conn.fileno())

    def send(self, job) -> None:
        self.conn_out.send_bytes(_dumps(job))

    def send_message(self, message: bytes) -> None:
        """A job already encoded (encode)."""
        send_message(self.conn_out.fileno(), message)

    def reply(self, timeout_s: float):
        """The worker's answer, or None when none came within timeout_s (EOFError/OSError when it died)."""
        if not self._inbox.ready() and not self._poller.poll(max(0, int(timeout_s * 1000))):
            return None
        return pickle.loads(self._inbox.read())

    def kill(self) -> None:
        try:
            self.process.kill()
            self.process.wait(5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        for conn in (self.conn_out, self.conn):
            try:
                conn.close()
            except OSError:
                pass


class WorkerPool:
    """`size` workers running `module`, each answering one job at a time."""

    def __init__(self, module: str, source: dict, size: int, start_timeout_s: float, name: str = "worker",
                 retire_on: tuple[str, ...] = (), on_replaced=None):
        self.module = module
        self.on_replaced = on_replaced  # called when a replacement worker is in service (the fair shares count it)
        self.retire_on = retire_on  # replies (by first item) after which the worker is replaced, e.g. "memory"
        self.source = source
        self.size = max(1, size)
        self.name = name
        self.start_timeout_s = start_timeout_s
        self._idle: queue.SimpleQueue[Worker] = queue.SimpleQueue()  # C-level: Queue's Conditions cost per job
        self._all: set[Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self.info: dict = {}
        self.kills = 0
        first = [threading.Thread(target=self._add, daemon=True) for _ in range(self.size)]
        for thread in first:
            thread.start()
        for thread in first:
            thread.join()
        if not self._all:
            raise RuntimeError(f"no {name} process could start")

    def _add(self, replacement: bool = False) -> None:
        try:
            worker = Worker(self.module, self.source, self.start_timeout_s)
        except (RuntimeError, OSError) as exc:
            log.error("%s process failed to start: %s", self.name, exc)
            return
        with self._lock:
            if self._closed:
                worker.kill()
                return
            self._all.add(worker)
            self.info = worker.info
        self._idle.put(worker)
        if replacement and self.on_replaced is not None:
            self.on_replaced()

    def _replace(self, worker: Worker) -> None:
        with self._lock:
            self._all.discard(worker)
            self.kills += 1
        worker.kill()
        if not self._closed:
            threading.Thread(target=self._add, args=(True,), daemon=True, name=f"cpkb-{self.name}-respawn").start()

    def run(self, job, timeout_s: float, wait_s: float | None = None):
        """The worker's reply to one job; WorkerProblem busy (no worker free within wait_s, default timeout_s),
        timeout (no reply within timeout_s: the worker is killed) or died (it exited or broke its pipe). After
        timeout or died the worker is out of service until its replacement has started (on_replaced)."""
        return self.finish(self.start(encode(job), timeout_s if wait_s is None else wait_s), timeout_s)

    def start(self, message: bytes, wait_s: float, nowait: bool = False) -> tuple[Worker, float] | None:
        """Send a job (encode(job)) to an idle worker, waiting at most wait_s for one: the ticket for finish(), or
        None when nowait and none is idle; WorkerProblem busy or died (the pipe broke: the worker is replaced)."""
        try:
            worker = self._idle.get_nowait() if nowait else self._idle.get(timeout=wait_s)
        except queue.Empty:
            if nowait:
                return None
            raise WorkerProblem("busy", f"all {self.size} {self.name} processes are busy") from None
        started = time.monotonic()
        try:
            worker.send_message(message)
        except (OSError, ValueError):
            self._replace(worker)
            raise WorkerProblem("died", f"the {self.name} process stopped unexpectedly") from None
        return worker, started

    def finish(self, ticket: tuple[Worker, float], timeout_s: float):
        """The reply to the job start() sent, within timeout_s of sending it (see run)."""
        worker, started = ticket
        try:
            reply = worker.reply(max(0.0, started + timeout_s - time.monotonic()))
        except (OSError, EOFError, ValueError, pickle.UnpicklingError):
            self._replace(worker)
            raise WorkerProblem("died", f"the {self.name} process stopped unexpectedly",
                                time.monotonic() - started) from None
        if reply is None:
            self._replace(worker)
            raise WorkerProblem("timeout", f"the job ran longer than {timeout_s:g} s and was stopped",
                                time.monotonic() - started)
        if isinstance(reply, tuple) and reply and reply[0] in self.retire_on:
            self._replace(worker)
        else:
            self._idle.put(worker)
        return reply

    def alive(self) -> int:
        with self._lock:
            return len(self._all)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            try:
                worker.send(None)
            except (OSError, ValueError):
                pass
            worker.kill()
