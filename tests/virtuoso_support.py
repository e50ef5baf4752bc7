"""A throwaway Virtuoso (Debian's virtuoso-opensource) on loopback ports, for the second-server tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

INI = """[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CaseMode = 2
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = .
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {db}
ServerThreads = 10
MaxClientConnections = 10
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 60
MaxQueryCostEstimationTime = 0
"""
# The test server's anonymous SPARQL user may write (the Graph Store loads through it); a real deployment
# loads with an authenticated account instead (see web/README.md).
GRANTS = ['GRANT SPARQL_UPDATE TO "SPARQL";', "DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7);"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def remote_settings(base: str) -> dict:
    """CPKB's settings for a Virtuoso at base: its query, update and Graph Store URLs, its own timeout
    parameter (milliseconds) and SELECT results as JSON (its TSV writes IRIs as quoted strings)."""
    return {"endpoint": f"{base}/sparql", "update_endpoint": f"{base}/sparql",
            "gsp_endpoint": f"{base}/sparql-graph-crud", "remote_timeout_param": "timeout={ms}",
            "remote_select_format": "json"}


@contextmanager
def virtuoso(folder: Path):
    """Start virtuoso-t on free loopback ports with a fresh database in folder; yields its base URL."""
    binary = shutil.which("virtuoso-t")
    isql = shutil.which("isql-vt")
    if binary is None or isql is None:
        reason = "Virtuoso is not installed (Debian: apt-get install virtuoso-opensource)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + "; CI must run the second-server tests")
        pytest.skip(reason)
    folder.mkdir(parents=True, exist_ok=True)
    sql_port, http_port = _free_port(), _free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(INI.format(db=folder, sql_port=sql_port, http_port=http_port), encoding="utf-8")
    log = open(folder / "stdout.log", "wb")
    proc = subprocess.Popen([binary, "-c", str(ini), "+foreground"], cwd=folder, stdout=log,
                            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{http_port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(f"{base}/sparql", params={"query": "ASK {}"}, timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Virtuoso did not start: {(folder / 'virtuoso.log').read_text(errors='replace')[-2000:]}")
            time.sleep(0.5)
        for grant in GRANTS:
            subprocess.run([isql, f"127.0.0.1:{sql_port}", "dba", "dba", f"exec={grant}"], check=True,
                           capture_output=True, timeout=60)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
