"""Every operational setting of CPKB with its default and one line of help, in one table.

A setting is read from the environment as CPKB_<NAME in upper case> when set there; the CLI and the
web app pass explicit overrides on top. `cpkb settings` prints the table.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str


class SettingError(ValueError):
    """A setting with a value it cannot take; the message names the variable and what it accepts."""


# What each setting accepts beyond its type: a value outside these is an error, never a silent fallback.
ALLOWED: dict[str, dict[str, Any]] = {
    "store_mode": {"choices": ("memory", "disk")}, "remote_select_format": {"choices": ("tsv", "json")},
    "remote_timeout_s": {"above": 0}, "query_timeout_s": {"above": 0},
    "max_result_rows": {"minimum": 1}, "max_query_chars": {"minimum": 1}, "max_sparql_body_bytes": {"minimum": 1},
    "sparql_workers": {"minimum": 0}, "sparql_cache_entries": {"minimum": 0}, "sparql_cache_entry_bytes": {"minimum": 0},
    "sparql_kept_workers": {"minimum": 0}, "sparql_client_running": {"minimum": 0}, "sparql_client_queued": {"minimum": 0},
    "max_upload_bytes": {"minimum": 1},
    "key_issue_prevalence": {"above": 0, "maximum": 1, "hint": "a share between 0 and 1, e.g. 0.3 for 30 %"},
    "key_issue_min_enterprises": {"minimum": 1},
    "max_survey_file_bytes": {"minimum": 1}, "large_result_bytes": {"minimum": 1},
    "contradiction_ratio": {"above": 1, "hint": "a ratio above 1, e.g. 10 for an order of magnitude"},
    "page_cache_entries": {"minimum": 0}, "search_limit": {"minimum": 1}, "suggest_limit": {"minimum": 1},
    "search_max_chars": {"minimum": 1}, "measures_page_size": {"minimum": 1},
    "build_lock_timeout_s": {"above": 0},
    "max_yaml_depth": {"minimum": 2}, "max_unit_chars": {"minimum": 1}, "max_unit_exponent": {"minimum": 1},
    "unit_cache_entries": {"minimum": 0}, "max_xlsx_uncompressed_bytes": {"minimum": 1},
    "max_xlsx_compression_ratio": {"above": 1}, "max_sheet_rows": {"minimum": 1}, "max_enterprises": {"minimum": 1},
    "max_name_chars": {"minimum": 1},
    "diagnose_workers": {"minimum": 0}, "diagnose_timeout_s": {"above": 0}, "diagnose_memory_mb": {"minimum": 64},
    "worker_start_timeout_s": {"above": 0}, "diagnose_start_wait_s": {"minimum": 0},
    "discount_rate": {"minimum": 0, "maximum": 1, "hint": "a rate between 0 and 1, e.g. 0.08"},
    "equipment_life_years": {"minimum": 1, "hint": "whole years, e.g. 10"},
    "prices": {"pattern": r"\s*|[a-z0-9-]+\s*=\s*\d+(\.\d+)?(\s*,\s*[a-z0-9-]+\s*=\s*\d+(\.\d+)?)*",
               "hint": "consumption=price pairs separated by commas, e.g. fresh-water=4.2,electricity=0.75"},
    "exchange_rates": {"pattern": r"\s*|[A-Z]{3}\s*=\s*\d+(\.\d+)?(\s*,\s*[A-Z]{3}\s*=\s*\d+(\.\d+)?)*",
                       "hint": "ISO 4217 code=yuan per unit pairs separated by commas, e.g. EUR=7.8,USD=7.2"},
    "steam_enthalpy_gj_per_t": {"minimum": 0, "maximum": 5,
                                "hint": "GJ per tonne of your steam, e.g. 2.8; 0: not set"},
    "scenario_levels": {"pattern": r"\s*|(I|II|III)(\s*,\s*(I|II|III))*",
                        "hint": "levels separated by commas, e.g. II,I"},
}


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
    Setting("sparql_cache_entries", 256, "SPARQL answers kept per app for identical requests (same query text, dataset "
            "parameters, result format and endpoint IRI; the knowledge base is read-only while serving); 0 turns it off."),
    Setting("sparql_cache_entry_bytes", 256 * 1024, "Largest SPARQL answer kept by that cache, in bytes; larger ones are "
            "always computed afresh."),
    Setting("sparql_kept_workers", 1, "SPARQL workers kept, on top of sparql_workers, for clients with nothing running "
            "whose last query did not hit the time limit: others never take the last free worker."),
    Setting("sparql_client_running", 0, "SPARQL queries one client may run at once; 0: the workers less two, at least 1."),
    Setting("sparql_client_queued", 2, "SPARQL queries one client may have waiting beyond those; more get 429 with Retry-After."),
    Setting("sparql_client_header", "", "Request header naming the client for the SPARQL fair shares (its last address), "
            "e.g. X-Forwarded-For behind your own proxy; empty: the peer address."),
    Setting("sparql_cors_origin", "*", "Access-Control-Allow-Origin sent with SPARQL answers to GET; empty: no CORS."),
    Setting("remote_select_format", "tsv", "How SELECT results are asked of the remote store: tsv (streamed, cut at the "
            "row cap) or json (for servers whose TSV is not SPARQL's own, such as Virtuoso)."),
    Setting("remote_timeout_param", "", "Remote store's own query-timeout parameter, e.g. timeout={s} (Fuseki) or timeout={ms} (Virtuoso); empty: none."),
    Setting("max_upload_bytes", 10 * 1024 * 1024, "Largest survey upload or request body accepted, in bytes."),
    Setting("key_issue_prevalence", 0.3, "A problem found in at least this share of enterprises (or of output) is a key issue."),
    Setting("max_survey_file_bytes", 64 * 1024 * 1024, "Largest survey file `cpkb diagnose` reads, in bytes: a survey is held in memory whole (about 30 bytes per byte of JSON); split a larger one by enterprise."),
    Setting("large_result_bytes", 50 * 1024 * 1024, "`cpkb diagnose` warns when the result it writes is larger than this, in bytes (evidence grows with enterprises × rules)."),
    Setting("key_issue_min_enterprises", 2, "A key issue is also found in at least this many enterprises (veto items excepted): in a small survey one enterprise is no shared problem."),
    Setting("contradiction_ratio", 10.0, "A reported figure this many times above or below the one its sibling figures give "
            "(a declared formula) is warned about as a contradiction."),
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
    Setting("build_lock_timeout_s", 600.0, "Seconds a build waits for another build of the same store folder to finish."),
    # Bounded work per survey: every survey, whatever it holds, costs at most these (diagnostics/safe_load.py).
    Setting("max_yaml_depth", 64, "Deepest nesting of lists and mappings a YAML or JSON survey may have."),
    Setting("max_unit_chars", 64, "Longest unit text accepted in a survey (units are checked before pint parses them)."),
    Setting("max_unit_exponent", 12, "Largest power a unit may be raised to (m**3, 1/h**2); towers such as "
            "10**10**7 are always refused."),
    Setting("unit_cache_entries", 4096, "Unit conversions and dimensions kept per knowledge base, least recently "
            "used dropped first."),
    Setting("max_xlsx_uncompressed_bytes", 200 * 1024 * 1024, "Largest total size of an Excel survey once unzipped, "
            "checked before it is parsed."),
    Setting("max_xlsx_compression_ratio", 200.0, "Largest unzipped/zipped size ratio of any part of an Excel survey "
            "over 1 MB (zip bombs reach thousands)."),
    Setting("max_sheet_rows", 200000, "Rows read from one sheet of an Excel survey (or lines of a CSV) at most."),
    Setting("max_enterprises", 50000, "Enterprises one survey may hold (batch larger areas by county or park)."),
    Setting("max_name_chars", 300, "Longest text (a name, title, key or other value) a survey may hold in one field; "
            "survey text quoted back in messages is shorter still (40-200 characters, cut with …)."),
    Setting("diagnose_workers", 2, "Worker processes that read and diagnose uploaded surveys in the web app; "
            "0: in the request thread (tests only: no time or memory limit)."),
    Setting("diagnose_timeout_s", 60.0, "Seconds one diagnosis may take in the web app before its worker is stopped."),
    Setting("diagnose_memory_mb", 2048, "Memory one diagnosis worker may grow by beyond the knowledge base it holds, "
            "in MiB (an address-space limit, resource.setrlimit)."),
    Setting("worker_start_timeout_s", 300.0, "Seconds a diagnosis or SPARQL worker process may take to load the "
            "knowledge base and say it is ready; a worker not ready by then is stopped. Loading is slow on a busy "
            "machine: a diagnosis worker took 31 s alone, and two at once missed 60 s, under a load average of 6-9."),
    Setting("diagnose_start_wait_s", 30.0, "Seconds a diagnosis request waits for diagnosis workers that are still "
            "loading the knowledge base; past it the answer is 503 with Retry-After, saying the knowledge is loading."),
    Setting("prices", "", "Prices that value a measure's physical savings, as consumption-id=yuan per unit of that "
            "consumption's own unit (kb/shared/consumptions.yaml), e.g. fresh-water=4.2,electricity=0.75; a saving "
            "without a price stays physical and its payback is not derived."),
    Setting("exchange_rates", "", "Exchange rates that convert sourced costs given in another currency, as ISO 4217 "
            "code=yuan per unit, e.g. EUR=7.8,USD=7.2 (your own rates: CPKB has none built in); a cost in a currency "
            "without a rate is shown in that currency and its payback is not derived."),
    Setting("steam_enthalpy_gj_per_t", 0.0, "Heat per tonne of your steam, in GJ/t (e.g. 2.8; read it from steam tables "
            "at your steam's pressure and temperature), that turns a saving of steam in t/a into heat when the source gives no conversion of its "
            "own; 0: not set, such a saving stays in tonnes and is not valued."),
    Setting("discount_rate", 0.08, "Discount rate that annualises a measure's investment on the abatement cost curve "
            "(capital recovery factor), e.g. 0.08 for 8 %."),
    Setting("equipment_life_years", 10, "Years over which a measure's investment is annualised on the abatement cost curve."),
    Setting("scenario_levels", "II,I", "Levels of the scenarios 'bring every enterprise worse than level L to it' "
            "computed in each diagnosis (comma-separated); empty: no scenarios."),
    Setting("examples_dir", "", "Folder of example surveys offered on /diagnose; empty: examples/ of the checkout."),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def _coerce(setting: Setting, raw: str) -> Any:
    kind = type(setting.default)
    if kind is bool:
        return raw.lower() in ("1", "true", "yes", "on")
    try:
        return kind(raw)
    except ValueError:
        raise SettingError(f"CPKB_{setting.name.upper()}={raw!r}: expected {_describe(setting)}.") from None


def _describe(setting: Setting) -> str:
    rule = ALLOWED.get(setting.name, {})
    if "hint" in rule:
        return rule["hint"]
    if "choices" in rule:
        return "one of " + ", ".join(rule["choices"])
    kind = {int: "a whole number", float: "a number"}.get(type(setting.default), "a text")
    bounds = [f"> {rule['above']}" if "above" in rule else "", f"≥ {rule['minimum']}" if "minimum" in rule else "",
              f"≤ {rule['maximum']}" if "maximum" in rule else ""]
    return kind + (" " + " and ".join(b for b in bounds if b) if any(bounds) else "")


def _check(setting: Setting, value: Any, where: str) -> None:
    rule = ALLOWED.get(setting.name, {})
    ok = True
    if "pattern" in rule:
        ok = isinstance(value, str) and re.fullmatch(rule["pattern"], value) is not None
    elif "choices" in rule:
        ok = value in rule["choices"]
    elif rule:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) \
            and ("above" not in rule or value > rule["above"]) and ("minimum" not in rule or value >= rule["minimum"]) \
            and ("maximum" not in rule or value <= rule["maximum"])
    if not ok:
        raise SettingError(f"{where}={value!r}: expected {_describe(setting)}.")


def load_settings(**overrides: Any) -> dict[str, Any]:
    """Defaults, then CPKB_* environment variables, then the explicit overrides (None means 'not given')."""
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = os.environ.get(f"CPKB_{setting.name.upper()}")
        values[setting.name] = setting.default if raw is None else _coerce(setting, raw)
        if raw is not None:
            _check(setting, values[setting.name], f"CPKB_{setting.name.upper()}")
    for name, value in overrides.items():
        if name not in _BY_NAME:
            raise KeyError(f"unknown setting {name!r}; known: {', '.join(_BY_NAME)}")
        if value is not None:
            _check(_BY_NAME[name], value, f"setting {name}")
            values[name] = value
    return values


def format_bytes(size: int) -> str:
    """A byte count as people read it, one way everywhere (form, error page, command line): 10 MiB, 512 KiB."""
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= factor:
            value = size / factor
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{size} B"
