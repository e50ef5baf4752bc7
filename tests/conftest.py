"""Shared fixtures: a tiny knowledge base, store settings on temporary folders, a real `oxigraph serve`."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

DATA = Path(__file__).parent / "data"

# A test's first diagnosis waits for the diagnosis workers to load the knowledge (minutes on a loaded CI machine)
# instead of being told to come back (503); tests of that answer pass a short diagnose_start_wait_s themselves.
os.environ.setdefault("CPKB_DIAGNOSE_START_WAIT_S", "900")


@pytest.fixture
def mini_kb(tmp_path: Path) -> Path:
    """A copy of the tiny test knowledge base that a test may edit."""
    target = tmp_path / "kb"
    shutil.copytree(DATA / "mini_kb", target)
    return target


@pytest.fixture
def cpkb(mini_kb, tmp_path, monkeypatch):
    """Run `cpkb ARGS…` with the mini knowledge base and a temporary store; returns the click result."""
    monkeypatch.setenv("CPKB_KB_DIR", str(mini_kb))
    monkeypatch.setenv("CPKB_STORE_DIR", str(tmp_path / "store"))
    monkeypatch.delenv("CPKB_ENDPOINT", raising=False)
    from click.testing import CliRunner

    from cpkb.cli import main

    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, list(args), catch_exceptions=False)

    return run


@pytest.fixture
def settings(tmp_path: Path) -> dict:
    from cpkb.settings import load_settings

    return load_settings(store_dir=str(tmp_path / "store"), endpoint="", store_mode="memory")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory):
    """A real `oxigraph serve` on a free loopback port (in memory, union default graph); yields its base URL."""
    # the test extra installs it beside this Python, which need not be on PATH (venv not activated)
    binary = shutil.which("oxigraph") or shutil.which("oxigraph", path=str(Path(sys.executable).parent))
    if binary is None:
        pytest.fail("the `oxigraph` command is missing: install the test extra (pip install -e '.[test]')")
    port = _free_port()
    log = tmp_path_factory.mktemp("oxigraph") / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([binary, "serve", "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
                                stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/query", params={"query": "ASK {}"}, timeout=1).ok:
                break
        except requests.RequestException:
            time.sleep(0.1)
    else:
        proc.terminate()
        pytest.fail(f"oxigraph serve did not start on port {port}: {log.read_text()}")
    yield base
    proc.terminate()
    proc.wait(timeout=10)
