"""Runs the app on granian for `cpkb serve`: a busy port is one clear line, not a traceback.

granian (HTTP in Rust, the app called through WSGI) rather than a pure-Python server: on the SPARQL endpoint's
cached answers waitress spent ~300 µs of CPU per request in HTTP parsing and thread hand-offs, more than the answer
itself (benchmarks/sparql_load.py). granian also reads a request line with raw UTF-8 (`GET /search?q=镀铬` as curl
or a script may send it) as a browser's percent-encoded one.

granian serves from a worker process it forks: the app is made there (make_app), and the app's own SPARQL and
diagnosis workers are stopped when that process ends (on Ctrl+C or `kill`, which granian passes on to it).
"""

from __future__ import annotations

import errno
import socket
from typing import Callable


class ServeError(RuntimeError):
    """The server could not start; the message says why and what to do."""


def check_address(host: str, port: int) -> None:
    """ServeError with the fix when the address cannot be bound (granian would log a traceback and exit)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ServeError(f"端口 {port} 已被占用（{host}:{port}，也许另一个 cpkb serve 正在运行）：换一个端口，"
                                 f"例如 --port {port + 1}。 / Port {port} on {host} is in use (another cpkb serve?): "
                                 f"choose another, e.g. --port {port + 1}.") from None
            if exc.errno in (errno.EACCES, errno.EPERM):
                raise ServeError(f"无权监听端口 {port}：端口 1024 以下需要管理员权限，请换用如 --port 8000。 / "
                                 f"Not allowed to listen on port {port}: ports below 1024 need root; use e.g. "
                                 "--port 8000.") from None
            raise ServeError(f"无法监听 {host}:{port}（{exc.strerror or exc}）：检查 --host。 / "
                             f"Cannot listen on {host}:{port} ({exc.strerror or exc}): check --host.") from None


def _stop_workers_at_exit(app) -> None:
    """Stop the app's SPARQL and diagnosis workers when granian's worker process ends. multiprocessing ends its
    processes without running atexit handlers, but it does run its own finalizers."""
    from multiprocessing.util import Finalize

    from .diagnose import close_diagnoser
    from .sparql import close_executor

    def stop() -> None:
        close_executor(app)
        close_diagnoser(app)

    Finalize(app, stop, exitpriority=10)


def run(make_app: Callable[[], object], host: str, port: int, threads: int) -> None:
    """Serve until interrupted; ServeError when the address cannot be bound. make_app() runs in the serving
    process that granian forks."""
    from granian.constants import Interfaces
    from granian.server import Server

    check_address(host, port)  # again: the port may have been taken while the store was opened

    def load(_target: str):
        app = make_app()
        _stop_workers_at_exit(app)
        return app

    server = Server("cpkb", address=host, port=port, interface=Interfaces.WSGI, workers=1,
                    blocking_threads=threads, log_level="error")
    server.serve(target_loader=load)
