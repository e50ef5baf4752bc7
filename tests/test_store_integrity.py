"""The embedded store is written atomically and checked when opened: a crash, a cut file or a concurrent
build never leaves a store that serves less than the sources hold (issue 15)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from cpkb.kb.build import NQUADS_FILE, build, open_store, store_problem
from cpkb.kb.store import StoreError
from cpkb.kb.store_files import MANIFEST_FILE, build_lock, sha256_of


def _built(settings, mini_kb):
    report = build(settings, mini_kb)
    return Path(settings["store_dir"]), report


@pytest.mark.parametrize("damage", ["empty", "cut_at_line", "cut_mid_line", "flipped_byte", "no_manifest",
                                    "old_manifest"])
def test_a_damaged_store_is_rebuilt_not_served(settings, mini_kb, damage):
    store_dir, report = _built(settings, mini_kb)
    nq = store_dir / NQUADS_FILE
    data = nq.read_bytes()
    if damage == "empty":
        nq.write_bytes(b"")
    elif damage == "cut_at_line":
        nq.write_bytes(data[: data.index(b"\n", len(data) // 2) + 1])
    elif damage == "cut_mid_line":
        nq.write_bytes(data[: len(data) // 2 + 7])
    elif damage == "flipped_byte":
        middle = len(data) // 2
        nq.write_bytes(data[:middle] + bytes([data[middle] ^ 1]) + data[middle + 1:])
    elif damage == "no_manifest":
        (store_dir / MANIFEST_FILE).unlink()
    else:  # a manifest from before checksums
        manifest = json.loads((store_dir / MANIFEST_FILE).read_text())
        del manifest["files"]
        (store_dir / MANIFEST_FILE).write_text(json.dumps(manifest))
    assert store_problem(settings, mini_kb) is not None
    rebuilt = []
    store = open_store(settings, mini_kb, on_build=rebuilt.append)
    assert len(rebuilt) == 1
    assert store.triple_count() == report.triples
    assert store_problem(settings, mini_kb) is None


def test_a_damaged_store_that_cannot_be_rebuilt_stops_with_a_clear_error(settings, mini_kb):
    store_dir, _ = _built(settings, mini_kb)
    (store_dir / NQUADS_FILE).write_bytes(b"")
    (mini_kb / "sectors" / "demo.yaml").write_text("sector: [unclosed\n", encoding="utf-8")
    with pytest.raises(StoreError) as caught:
        open_store(settings, mini_kb)
    message = str(caught.value)
    assert "holds 0 bytes" in message and "rebuilding it" in message and "cpkb build" in message


def test_the_manifest_records_size_and_sha256_of_the_data(settings, mini_kb):
    store_dir, report = _built(settings, mini_kb)
    manifest = json.loads((store_dir / MANIFEST_FILE).read_text())
    data = (store_dir / NQUADS_FILE).read_bytes()
    assert manifest["files"][NQUADS_FILE] == {"bytes": len(data), "sha256": sha256_of(data)}
    assert manifest["triples"] == report.triples
    assert not [p for p in store_dir.iterdir() if p.name.endswith(".tmp")]  # no temporary file left behind


def test_sigkill_during_builds_never_leaves_a_store_that_passes_its_check(settings, mini_kb, tmp_path):
    """Kill `cpkb build` at different moments; whatever is left either passes the check and holds every
    quad, or fails it (and would be rebuilt): never a short store that looks whole."""
    store_dir, report = _built(settings, mini_kb)
    env = {**os.environ, "CPKB_STORE_DIR": str(store_dir), "CPKB_KB_DIR": str(mini_kb), "CPKB_ENDPOINT": ""}
    code = ("import sys, time; from cpkb.cli import main; main(['build'])")
    for delay in (0.6, 0.9, 1.2, 1.5, 2.0):
        # the sources change each round, so every build writes different bytes than the last
        demo = mini_kb / "sectors" / "demo.yaml"
        demo.write_text(demo.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        problem = store_problem(settings, mini_kb)
        data = (store_dir / NQUADS_FILE).read_bytes()
        if problem is None or "other sources" in problem:  # intact files: they hold the whole build
            store = ox.Store()
            store.bulk_load(data, format=ox.RdfFormat.N_QUADS)
            assert len(store) == json.loads((store_dir / MANIFEST_FILE).read_text())["triples"]
        assert open_store(settings, mini_kb).triple_count() >= report.triples


def test_a_second_build_waits_for_the_first(settings, mini_kb):
    store_dir, _ = _built(settings, mini_kb)
    done = threading.Event()
    with build_lock(store_dir):
        worker = threading.Thread(target=lambda: (build(settings, mini_kb), done.set()))
        worker.start()
        time.sleep(0.5)
        assert not done.is_set()  # blocked on the lock
    worker.join(30)
    assert done.is_set()
    assert store_problem(settings, mini_kb) is None


def test_disk_mode_builds_a_fresh_rocksdb_folder_and_swaps_it_in(settings, mini_kb):
    disk = {**settings, "store_mode": "disk"}
    first = build(disk, mini_kb)
    second = build(disk, mini_kb)  # replaces the folder built before
    store = open_store(disk, mini_kb)
    assert store.triple_count() == first.triples == second.triples
    store_dir = Path(settings["store_dir"])
    assert not [p for p in store_dir.iterdir() if ".old." in p.name or p.name.endswith(".new")]


def test_check_store_passes_on_a_fresh_build(cpkb):
    assert cpkb("build").exit_code == 0
    result = cpkb("check", "--store")
    assert result.exit_code == 0, result.output
    assert "intact and matches the sources" in result.output


def test_check_store_finds_a_damaged_file(cpkb, tmp_path):
    cpkb("build")
    nq = tmp_path / "store" / NQUADS_FILE
    nq.write_bytes(nq.read_bytes()[:100])
    result = cpkb("check", "--store")
    assert result.exit_code == 1
    assert "holds 100 bytes" in result.output and "cpkb build" in result.output


def test_check_store_finds_quads_that_differ_from_the_sources(cpkb, tmp_path):
    """A store whose files match their manifest but not the sources (edited and re-hashed by hand)."""
    cpkb("build")
    store_dir = tmp_path / "store"
    nq = store_dir / NQUADS_FILE
    data = nq.read_bytes().replace("改为多级逆流漂洗".encode(), "改为单级漂洗".encode())
    nq.write_bytes(data)
    manifest = json.loads((store_dir / MANIFEST_FILE).read_text())
    manifest["files"][NQUADS_FILE] = {"bytes": len(data), "sha256": sha256_of(data)}
    (store_dir / MANIFEST_FILE).write_text(json.dumps(manifest))
    result = cpkb("check", "--store")
    assert result.exit_code == 1
    assert "missing from the store" in result.output and "not in the sources" in result.output
    assert "改为单级漂洗" in result.output


def test_check_store_with_a_folder_argument(cpkb, tmp_path):
    other = tmp_path / "elsewhere"
    assert cpkb("build", "--store", str(other)).exit_code == 0
    assert cpkb("check", "--store", str(other)).exit_code == 0
    assert cpkb("check", "--store", str(tmp_path / "empty")).exit_code == 1
