"""Helpers of the SPARQL endpoint tests: a built mini store, the app on a real loopback socket."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

DATA = Path(__file__).parent / "data"


def mini_settings(tmp: Path, **overrides) -> dict:
    """Settings on a fresh copy of the tiny knowledge base, its embedded store built."""
    from cpkb.kb.build import build
    from cpkb.settings import load_settings

    kb = tmp / "kb"
    if not kb.exists():
        shutil.copytree(DATA / "mini_kb", kb)
    settings = load_settings(kb_dir=str(kb), store_dir=str(tmp / "store"), endpoint="", store_mode="memory")
    settings.update({"query_timeout_s": 5.0, "sparql_workers": 2})
    settings.update(overrides)
    if not settings.get("endpoint"):
        build(settings)
    return settings


def load_remote(base_url: str, settings: dict) -> dict:
    """Load the settings' knowledge base into a real `oxigraph serve` and point the settings at it."""
    from cpkb.kb.build import build

    remote = dict(settings, endpoint=f"{base_url}/query")
    build(remote)
    return remote


@contextmanager
def serving(app, threads: int = 8):
    """The app on waitress on a free loopback port; yields its base URL; stops the workers after."""
    from waitress.server import create_server

    from cpkb.web.sparql import close_executor

    server = create_server(app, host="127.0.0.1", port=0, threads=threads, ident="cpkb-test")
    def run():
        try:
            server.run()
        except (OSError, ValueError):  # the socket closed under the loop at shutdown
            pass

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.effective_port}"
    try:
        yield url
    finally:
        server.close()
        close_executor(app)


class SourceAddressAdapter:
    """A requests transport adapter whose connections leave from a given loopback address (another client)."""

    def __new__(cls, address: str):
        from requests.adapters import HTTPAdapter

        class _Adapter(HTTPAdapter):
            def init_poolmanager(self, *args, **kwargs):
                kwargs["source_address"] = (address, 0)
                super().init_poolmanager(*args, **kwargs)

        return _Adapter()


class Listener:
    """A TCP listener on 127.0.0.1 that records every connection made to it (it must stay untouched)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def _run(self):
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        time.sleep(0.3)  # leave time for a late connection to show up
        self._stop = True
        self._thread.join(2)
        self.sock.close()
