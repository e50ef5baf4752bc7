"""Builds the store from the knowledge sources, and opens it (building it first when missing or stale)."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .compile import KB_DIR, compile_kb, source_version
from .store import OxigraphStore, RemoteStore, Store

NQUADS_FILE = "cpkb.nq"
MANIFEST_FILE = "manifest.json"
DISK_DIR = "oxigraph"


_PLURALS = {"Process": "processes", "ResourceType": "resource types", "SourceDocument": "source documents"}


@dataclass
class BuildReport:
    """What `cpkb build` loaded, where, and how long it took."""

    version: str
    target: str
    triples: int
    counts: dict[str, int] = field(default_factory=dict)
    compile_s: float = 0.0
    load_s: float = 0.0

    def lines(self) -> list[str]:
        counts = ", ".join(f"{n} {_PLURALS.get(k, k.lower() + 's') if n != 1 else k.lower()}"
                           for k, n in self.counts.items())
        return [
            f"CPKB knowledge base {self.version}",
            f"  loaded {self.triples} triples into {self.target}",
            f"  {counts}",
            f"  compiled in {self.compile_s:.2f} s, loaded in {self.load_s:.2f} s",
        ]


def remote_store(settings: dict[str, Any]) -> RemoteStore:
    return RemoteStore(settings["endpoint"], settings.get("update_endpoint") or None,
                       settings.get("gsp_endpoint") or None, float(settings.get("remote_timeout_s", 30)))


def kb_dir_of(settings: dict[str, Any]) -> Path:
    """The knowledge source folder the settings name (the bundled one by default)."""
    return Path(settings.get("kb_dir") or KB_DIR)


def build(settings: dict[str, Any], kb_dir: Path | None = None) -> BuildReport:
    """Compile the sources and load them into the configured store (remote endpoint or store_dir)."""
    kb_dir = kb_dir or kb_dir_of(settings)
    started = time.perf_counter()
    compiled = compile_kb(kb_dir)
    compiled_at = time.perf_counter()
    if settings.get("endpoint"):
        store = remote_store(settings)
        triples = store.replace_all(compiled.dataset)
        target = store.description
    else:
        store_dir = Path(settings["store_dir"])
        store_dir.mkdir(parents=True, exist_ok=True)
        data = compiled.dataset.serialize(format="nquads", encoding="utf-8")
        (store_dir / NQUADS_FILE).write_bytes(data)
        if settings.get("store_mode") == "disk":
            disk = OxigraphStore(store_dir / DISK_DIR)
            triples = disk.load_nquads(data)
            disk.close()
            target = disk.description
        else:
            triples = compiled.triple_count()
            target = f"embedded store at {store_dir}"
    report = BuildReport(compiled.version, target, triples, compiled.counts,
                         compiled_at - started, time.perf_counter() - compiled_at)
    if not settings.get("endpoint"):
        (Path(settings["store_dir"]) / MANIFEST_FILE).write_text(
            json.dumps(asdict(report), ensure_ascii=False, indent=2), encoding="utf-8")
    return report


def store_is_current(settings: dict[str, Any], kb_dir: Path | None = None) -> bool:
    """True when store_dir holds a build of exactly the current sources."""
    kb_dir = kb_dir or kb_dir_of(settings)
    manifest = Path(settings["store_dir"]) / MANIFEST_FILE
    if not manifest.exists() or not (Path(settings["store_dir"]) / NQUADS_FILE).exists():
        return False
    try:
        built = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if settings.get("store_mode") == "disk" and not (Path(settings["store_dir"]) / DISK_DIR).exists():
        return False
    return built.get("version") == source_version(kb_dir)


def open_store(settings: dict[str, Any], kb_dir: Path | None = None, on_build=None) -> Store:
    """The store the settings name; the embedded one is (re)built first when missing or stale.

    on_build, when given, receives the BuildReport of a build done here (the CLI prints it).
    """
    if settings.get("endpoint"):
        return remote_store(settings)
    if not store_is_current(settings, kb_dir):
        report = build(settings, kb_dir)
        if on_build:
            on_build(report)
    store_dir = Path(settings["store_dir"])
    if settings.get("store_mode") == "disk":
        return OxigraphStore(store_dir / DISK_DIR, read_only=True)
    store = OxigraphStore()
    store.load_nquads((store_dir / NQUADS_FILE).read_bytes())
    return store
