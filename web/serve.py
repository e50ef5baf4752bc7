"""Runs the app on waitress for `cpkb serve`: a busy port is one clear line, not a traceback, and a request line
with raw UTF-8 (`GET /search?q=镀铬` as curl or a script may send it) is read instead of refused with 400.
"""

from __future__ import annotations

import errno
import threading
from urllib.parse import quote

_patched = threading.Lock()
_done = False


class ServeError(RuntimeError):
    """The server could not start; the message says why and what to do."""


def _percent_encode_raw_bytes(uri: bytes) -> bytes:
    """Bytes outside ASCII percent-encoded (RFC 3986 §2.1), the rest untouched: what a browser would have sent."""
    if uri.isascii():
        return uri
    return quote(uri, safe=bytes(range(0x21, 0x7F))).encode("ascii")


def tolerate_raw_utf8_uris() -> None:
    """Teach waitress's request-line parser to accept raw UTF-8 (it answers 400 "Bad URI" to any non-ASCII byte).

    waitress offers no option for this; its parser calls the module function split_uri, so that one function is
    wrapped, once per process: the request is then exactly the one a browser sends for the same address.
    """
    global _done
    with _patched:
        if _done:
            return
        from waitress import parser

        original = parser.split_uri

        def split_uri(uri: bytes):
            return original(_percent_encode_raw_bytes(uri))

        parser.split_uri = split_uri
        _done = True


def _stop_on_sigterm() -> None:
    """`kill` (SIGTERM, as service managers and scripts stop a server) ends the server like Ctrl+C, so that the
    atexit handlers stop the SPARQL and diagnosis workers: by default SIGTERM ends Python at once, and a worker
    busy with a query that never ends would then run on, orphaned, for good."""
    import signal

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, interrupt)


def run(app, host: str, port: int, threads: int, on_ready=None) -> None:
    """Serve until interrupted; ServeError when the address cannot be bound. on_ready() runs once listening."""
    from waitress.server import create_server

    tolerate_raw_utf8_uris()
    try:
        server = create_server(app, host=host, port=port, threads=threads, ident="cpkb")
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
    if on_ready:
        on_ready()
    _stop_on_sigterm()
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
