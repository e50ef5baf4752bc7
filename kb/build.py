"""Builds the store from the knowledge sources, and opens it (building it first when missing or stale)."""

from __future__ import annotations

import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .compile import KB_DIR, compile_kb, source_version
from .store import OxigraphStore, RemoteStore, Store, StoreError
from .store_files import (MANIFEST_FILE, StoreDamaged, atomic_write, build_lock, read_manifest, remove_leftovers,
                          replace_folder, verified_bytes, write_manifest)

NQUADS_FILE = "cpkb.nq"
DISK_DIR = "oxigraph"


_PLURALS = {"Process": "processes", "ResourceType": "resource types", "SourceDocument": "source documents",
            "SharedMeasure": "shared measures", "MeasureLink": "shared-measure links"}


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
    """Compile the sources and load them into the configured store (remote endpoint or store_dir).

    The embedded store is written atomically under the folder's build lock: N-Quads (and the RocksDB copy)
    first, the manifest with their sizes and SHA-256 last (kb/store_files.py)."""
    kb_dir = kb_dir or kb_dir_of(settings)
    if settings.get("endpoint"):
        return _build_remote(settings, kb_dir)
    with _locked(settings):
        return _build_embedded(settings, kb_dir)


def _locked(settings: dict[str, Any]):
    try:
        return build_lock(Path(settings["store_dir"]), float(settings.get("build_lock_timeout_s", 600)))
    except OSError as exc:
        raise StoreError(f"cannot lock the store folder {settings['store_dir']}: {exc}") from None


def _build_remote(settings: dict[str, Any], kb_dir: Path) -> BuildReport:
    started = time.perf_counter()
    compiled = compile_kb(kb_dir)
    compiled_at = time.perf_counter()
    store = remote_store(settings)
    triples = store.replace_all(compiled.dataset)
    return BuildReport(compiled.version, store.description, triples, compiled.counts,
                       compiled_at - started, time.perf_counter() - compiled_at)


def _build_embedded(settings: dict[str, Any], kb_dir: Path) -> BuildReport:
    started = time.perf_counter()
    compiled = compile_kb(kb_dir)
    compiled_at = time.perf_counter()
    store_dir = Path(settings["store_dir"])
    data = compiled.dataset.serialize(format="nquads", encoding="utf-8")
    try:
        remove_leftovers(store_dir)  # of builds killed before their rename; we hold the lock
        atomic_write(store_dir / NQUADS_FILE, data)
        if settings.get("store_mode") == "disk":
            fresh = store_dir / f".{DISK_DIR}.new"
            shutil.rmtree(fresh, ignore_errors=True)
            disk = OxigraphStore(fresh)
            triples = disk.load_nquads(data)
            disk.close()
            del disk  # RocksDB releases its folder lock only when the store object is gone
            replace_folder(fresh, store_dir / DISK_DIR)
            target = f"embedded Oxigraph (on disk at {store_dir / DISK_DIR})"
        else:
            triples = compiled.triple_count()
            target = f"embedded store at {store_dir}"
        report = BuildReport(compiled.version, target, triples, compiled.counts,
                             compiled_at - started, time.perf_counter() - compiled_at)
        write_manifest(store_dir, asdict(report), {NQUADS_FILE: data})
    except OSError as exc:
        raise StoreError(f"cannot write the store in {store_dir}: {exc.strerror or exc}") from None
    return report


def store_problem(settings: dict[str, Any], kb_dir: Path | None = None) -> str | None:
    """Why store_dir cannot be served as a build of the current sources, or None when it can.

    Checks the manifest, the N-Quads file's size and SHA-256, the source version and (disk mode) the
    RocksDB folder; it reads the whole N-Quads file once (a few MB, a few milliseconds)."""
    store_dir = Path(settings["store_dir"])
    kb_dir = kb_dir or kb_dir_of(settings)
    try:
        manifest = read_manifest(store_dir)
        verified_bytes(store_dir, NQUADS_FILE, manifest)
    except StoreDamaged as exc:
        return str(exc)
    if settings.get("store_mode") == "disk" and not (store_dir / DISK_DIR).is_dir():
        return f"{store_dir / DISK_DIR} is missing"
    if manifest.get("version") != source_version(kb_dir):
        return f"it was built from other sources ({manifest.get('version')}) than those in {kb_dir}"
    return None


def store_is_current(settings: dict[str, Any], kb_dir: Path | None = None) -> bool:
    """True when store_dir holds an intact build of exactly the current sources."""
    return store_problem(settings, kb_dir) is None


def ensure_store(settings: dict[str, Any], kb_dir: Path | None = None, on_build=None) -> None:
    """(Re)build the embedded store when missing, stale or damaged, without opening it (see open_store)."""
    if settings.get("endpoint"):
        return
    kb_dir = kb_dir or kb_dir_of(settings)
    if store_problem(settings, kb_dir) is not None:
        with _locked(settings):
            problem = store_problem(settings, kb_dir)  # another process may have rebuilt it meanwhile
            if problem is not None:
                report = _rebuild(settings, kb_dir, problem)
                if on_build:
                    on_build(report)


def open_store(settings: dict[str, Any], kb_dir: Path | None = None, on_build=None) -> Store:
    """The store the settings name; the embedded one is (re)built first when missing, stale or damaged.

    on_build, when given, receives the BuildReport of a build done here (the CLI prints it). A store that
    is damaged and cannot be rebuilt (sources unreadable, folder not writable) raises StoreError naming
    both the damage and why the rebuild failed: never a silently empty or partial store.
    """
    if settings.get("endpoint"):
        return remote_store(settings)
    ensure_store(settings, kb_dir, on_build)
    store_dir = Path(settings["store_dir"])
    if settings.get("store_mode") == "disk":
        store = OxigraphStore(store_dir / DISK_DIR, read_only=True)
        expected = read_manifest(store_dir).get("triples")
        if store.triple_count() != expected:
            raise StoreError(f"the RocksDB store in {store_dir / DISK_DIR} holds {store.triple_count()} quads; its "
                             f"manifest says {expected}. Run `cpkb build --store-mode disk` to rebuild it.")
        return store
    try:
        data = verified_bytes(store_dir, NQUADS_FILE)
    except StoreDamaged as exc:  # changed between the check and the read: a concurrent build finished
        raise StoreError(f"the store in {store_dir} changed while it was opened ({exc}); try again.") from None
    store = OxigraphStore()
    store.load_nquads(data)
    return store


def _rebuild(settings: dict[str, Any], kb_dir: Path, problem: str) -> BuildReport:
    from .errors import SourceError

    try:
        return _build_embedded(settings, kb_dir)
    except (SourceError, StoreError, OSError) as exc:
        raise StoreError(f"the store in {settings['store_dir']} cannot be used: {problem}; and rebuilding it from "
                         f"{kb_dir} failed: {exc}. Fix the cause and run `cpkb build`.") from None
