"""Every operational setting of CPKB with its default and one line of help, in one table.

A setting is read from the environment as CPKB_<NAME in upper case> when set there; the CLI and the
web app pass explicit overrides on top. `cpkb settings` prints the table.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str


def _default_store_dir() -> str:
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return str(Path(data_home) / "cpkb" / "store")


SETTINGS: tuple[Setting, ...] = (
    Setting("kb_dir", "", "Folder of knowledge sources (shared/ and sectors/) to compile; empty: the bundled ones."),
    Setting("store_dir", _default_store_dir(), "Folder of the embedded store (compiled N-Quads, manifest, RocksDB files)."),
    Setting("store_mode", "memory", "memory: load the compiled N-Quads into RAM at start (fast scans); "
            "disk: query the RocksDB store in store_dir (less RAM, 3-10x slower scans, see benchmarks/store.py)."),
    Setting("endpoint", "", "URL of a SPARQL 1.1 query endpoint to use instead of the embedded store."),
    Setting("update_endpoint", "", "SPARQL update URL of the remote store (default: endpoint with /query -> /update)."),
    Setting("gsp_endpoint", "", "Graph Store Protocol URL of the remote store (default: endpoint with /query -> /store)."),
    Setting("remote_timeout_s", 30.0, "Seconds to wait for the remote SPARQL server before giving up."),
    Setting("query_timeout_s", 10.0, "Hard limit on one SPARQL query of the public endpoint, in seconds."),
    Setting("max_result_rows", 10000, "Rows a SPARQL SELECT returns at most; a cut result is flagged truncated."),
    Setting("max_query_chars", 20000, "Longest SPARQL query text accepted."),
    Setting("max_sparql_body_bytes", 256 * 1024, "Largest request body the SPARQL endpoint reads (POST form or query), in bytes."),
    Setting("sparql_workers", 0, "Worker processes answering SPARQL queries on the embedded store; 0: one per CPU, at least 2."),
    Setting("sparql_cors_origin", "*", "Access-Control-Allow-Origin sent with SPARQL answers to GET; empty: no CORS."),
    Setting("remote_timeout_param", "", "Remote store's own query-timeout parameter, e.g. timeout={s} (Fuseki) or timeout={ms} (Virtuoso); empty: none."),
    Setting("max_upload_bytes", 10 * 1024 * 1024, "Largest survey upload or request body accepted, in bytes."),
    Setting("key_issue_prevalence", 0.3, "A problem found in at least this share of enterprises (or of output) is a key issue."),
    Setting("languages", "zh,en", "Label languages in fallback order: the first is the default."),
    Setting("secret_key", "", "Key that signs the web session cookie (CSRF tokens, language); empty: random per process "
            "(set it when running several processes)."),
    Setting("content_security_policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
            "Content-Security-Policy header of every web response (assets are served by the app, none from a CDN)."),
    Setting("page_cache_entries", 2048, "Rendered browse pages kept per app (the knowledge base is read-only while "
            "serving); 0 turns the cache off."),
    Setting("search_limit", 200, "Search results shown at most on the search page; a cut list says so."),
    Setting("suggest_limit", 10, "Autocomplete suggestions returned at most."),
    Setting("search_max_chars", 200, "Longest search query accepted."),
    Setting("measures_page_size", 100, "Measures shown per catalogue page (exports hold the whole filtered list)."),
    Setting("examples_dir", "", "Folder of example surveys offered on /diagnose; empty: examples/ of the checkout."),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def _coerce(setting: Setting, raw: str) -> Any:
    kind = type(setting.default)
    if kind is bool:
        return raw.lower() in ("1", "true", "yes", "on")
    return kind(raw)


def load_settings(**overrides: Any) -> dict[str, Any]:
    """Defaults, then CPKB_* environment variables, then the explicit overrides (None means 'not given')."""
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = os.environ.get(f"CPKB_{setting.name.upper()}")
        values[setting.name] = setting.default if raw is None else _coerce(setting, raw)
    for name, value in overrides.items():
        if name not in _BY_NAME:
            raise KeyError(f"unknown setting {name!r}; known: {', '.join(_BY_NAME)}")
        if value is not None:
            values[name] = value
    return values
