"""The embedded store's files on disk, written so that a crash never leaves a store that looks whole.

Every file is written to a temporary name in the same folder, flushed to disk (fsync) and renamed over the
old one, so a reader sees either the old file or the new one, never a part. The manifest is written last
and records each file's size and SHA-256: a store whose files do not match their manifest is damaged,
whatever the reason (a crash between the renames, a disk that filled up, a hand edit), and is rebuilt or
refused, never served. One build at a time per store folder: builders take an exclusive lock file.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

MANIFEST_FILE = "manifest.json"
LOCK_FILE = ".build.lock"
_CHUNK = 1 << 20


class StoreDamaged(Exception):
    """The store folder's files do not match their manifest; the message says which file and how."""


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync_dir(folder: Path) -> None:
    """Make a rename durable: the folder entry itself is flushed (a no-op where the OS cannot)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes) -> None:
    """Write data to path so that path holds either its old content or all of data, even after a crash."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def replace_folder(new: Path, target: Path) -> None:
    """Put a freshly written folder (e.g. a RocksDB store) in place of target; the old one is removed after."""
    old = target.with_name(f".{target.name}.old.{os.getpid()}")
    if target.exists():
        os.replace(target, old)
    os.replace(new, target)
    _fsync_dir(target.parent)
    shutil.rmtree(old, ignore_errors=True)


def remove_leftovers(folder: Path) -> None:
    """Delete what killed builds left behind (temporary files, half-written folders); call under the lock."""
    for path in Path(folder).glob(".*"):
        if path.name.endswith((".tmp", ".new")) or ".old." in path.name:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def write_manifest(folder: Path, report: dict[str, Any], files: dict[str, bytes]) -> None:
    """The manifest, written last: the build report plus each file's size and SHA-256."""
    manifest = dict(report)
    manifest["files"] = {name: {"bytes": len(data), "sha256": sha256_of(data)} for name, data in files.items()}
    atomic_write(Path(folder) / MANIFEST_FILE,
                 json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"))


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of a store folder; StoreDamaged when it is missing or unreadable."""
    path = Path(folder) / MANIFEST_FILE
    try:
        manifest = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise StoreDamaged(f"{path} is missing (no finished build)") from None
    except (OSError, ValueError) as exc:
        raise StoreDamaged(f"{path} cannot be read ({type(exc).__name__})") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise StoreDamaged(f"{path} lists no file sizes and checksums (written by an older cpkb)")
    return manifest


def _expected(manifest: dict[str, Any], folder: Path, name: str) -> tuple[int, str]:
    entry = manifest["files"].get(name)
    if not isinstance(entry, dict) or not isinstance(entry.get("bytes"), int) or not isinstance(entry.get("sha256"), str):
        raise StoreDamaged(f"{Path(folder) / MANIFEST_FILE} has no size and checksum for {name}")
    return entry["bytes"], entry["sha256"]


def verified_bytes(folder: Path, name: str, manifest: dict[str, Any] | None = None) -> bytes:
    """The content of one store file, checked against the manifest's size and SHA-256 (StoreDamaged if not)."""
    folder = Path(folder)
    manifest = manifest if manifest is not None else read_manifest(folder)
    size, digest = _expected(manifest, folder, name)
    path = folder / name
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise StoreDamaged(f"{path} is missing") from None
    except OSError as exc:
        raise StoreDamaged(f"{path} cannot be read ({exc.strerror or type(exc).__name__})") from None
    if len(data) != size:
        raise StoreDamaged(f"{path} holds {len(data):,} bytes; the manifest says {size:,} (cut short or replaced)")
    if sha256_of(data) != digest:
        raise StoreDamaged(f"{path} does not match the SHA-256 in the manifest (its content changed)")
    return data


@contextmanager
def build_lock(folder: Path, timeout_s: float = 600.0) -> Iterator[None]:
    """Hold the store folder's build lock (an exclusive flock); a second builder waits for the first.

    The lock is released by the kernel when the holder dies, so a killed build never blocks the next one.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    handle = open(folder / LOCK_FILE, "a+b")
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() > deadline:
                    raise TimeoutError(f"another cpkb build has held {folder / LOCK_FILE} for more than "
                                       f"{timeout_s:g} s; wait for it or stop it") from None
                time.sleep(0.05)
        yield
    finally:
        handle.close()  # closing releases the lock
