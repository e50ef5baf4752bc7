"""The built Knowledge kept next to the embedded store, so that `cpkb diagnose` starts without reading the graph.

Reading the store into a Knowledge (a CONSTRUCT of every triple into rdflib, then load_knowledge) takes seconds;
unpickling the built object takes a fraction of that. The cache file is named by a key made of the store build's
checksum (the SHA-256 of its N-Quads in the manifest, which every `cpkb build` writes anew) and of the code that
shapes a Knowledge, so a rebuilt store or changed code never meets an old file: it simply is not found, is
built again and replaces the old one. A file that cannot be read is set aside the same way.
"""

from __future__ import annotations

import gc
import hashlib
import pickle
import sys
import threading
from pathlib import Path
from typing import Any, Callable

from cpkb import __version__
from cpkb.kb.build import NQUADS_FILE, ensure_store, open_store
from cpkb.kb.store import Store
from cpkb.kb.store_files import StoreDamaged, atomic_write, read_manifest

from .knowledge import Knowledge, knowledge_for
from .names import matcher_for

CACHE_DIR = "knowledge-cache"
# the modules whose code decides what a pickled Knowledge holds: a change to any of them is a new key
_SHAPING = ("diagnostics/knowledge.py", "diagnostics/knowledge_model.py", "diagnostics/compact_graph.py",
            "kb/formula.py", "diagnostics/names.py", "diagnostics/name_opposites.py")
_ROOT = Path(__file__).resolve().parents[1]


def code_stamp() -> str:
    """The package version, Python's and a hash of the modules that shape a Knowledge."""
    digest = hashlib.sha256(f"{__version__} {sys.version} {pickle.HIGHEST_PROTOCOL}".encode())
    for name in _SHAPING:
        digest.update((_ROOT / name).read_bytes())
    return digest.hexdigest()


def cache_path(store_dir: Path, manifest: dict[str, Any]) -> Path:
    """Where the Knowledge of this store build is kept (the folder's name says what it is)."""
    build = manifest["files"][NQUADS_FILE]["sha256"]
    key = hashlib.sha256(f"{build} {manifest.get('version')} {code_stamp()}".encode()).hexdigest()[:32]
    return Path(store_dir) / CACHE_DIR / f"knowledge-{key}.pickle"


def read_cached(path: Path) -> Knowledge | None:
    """The Knowledge kept at path, or None when there is none or it cannot be read (it is then built again)."""
    enabled = gc.isenabled()
    gc.disable()   # unpickling makes ~10^5 containers and no cycles: the collector would only rescan them
    try:
        with open(path, "rb") as handle:
            found = pickle.load(handle)
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001 - a truncated or foreign file is no Knowledge: built again, then replaced
        return None
    finally:
        if enabled:
            gc.enable()
    return found if isinstance(found, Knowledge) else None


def write_cached(path: Path, kb: Knowledge) -> None:
    """Keeps kb at path (written whole or not at all) and removes the files of older builds."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, pickle.dumps(kb, protocol=pickle.HIGHEST_PROTOCOL))
        for old in path.parent.glob("knowledge-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        pass   # a read-only store folder: every start reads the store, as before the cache


class LazyStore:
    """The store, opened on first use: a diagnosis served from the cache never needs it (an HTML report does)."""

    def __init__(self, opener: Callable[[], Store]):
        self._opener, self._store, self._lock = opener, None, threading.Lock()

    def opened(self) -> Store:
        with self._lock:
            if self._store is None:
                self._store = self._opener()
            return self._store

    def __getattr__(self, name: str):
        return getattr(self.opened(), name)


def knowledge_of(settings: dict[str, Any], on_build=None) -> tuple[Knowledge, Store]:
    """The knowledge of the settings' store and the store (opened when first used). An embedded store is built
    first when missing or stale (on_build gets the report); its Knowledge comes from the cache when one was kept
    for this very build, else it is read from the store and kept. A remote endpoint is always read."""
    if settings.get("endpoint"):
        store = open_store(settings, on_build=on_build)
        return knowledge_for(store), store
    ensure_store(settings, on_build=on_build)
    store_dir = Path(settings["store_dir"])
    store = LazyStore(lambda: open_store(settings))
    try:
        manifest = read_manifest(store_dir)
    except StoreDamaged:   # changed since ensure_store: read the store, which rebuilds or says why not
        return knowledge_for(store.opened()), store
    path = cache_path(store_dir, manifest)
    kb = read_cached(path)
    if kb is None:
        kb = knowledge_for(store.opened())
        matcher_for(kb)   # kept with it: every survey's names are resolved through it
        if _same_build(store_dir, manifest):   # a build that finished meanwhile must not be filed under this one
            write_cached(path, kb)
    return kb, store


def _same_build(store_dir: Path, manifest: dict[str, Any]) -> bool:
    try:
        return read_manifest(store_dir)["files"] == manifest["files"]
    except StoreDamaged:
        return False
