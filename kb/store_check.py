"""`cpkb check --store`: is the built store intact, and does it hold exactly what the sources compile to?

Three checks, each reported with its place: the manifest and the N-Quads file agree (size, SHA-256); the
store was built from the current source version; and its quads equal a fresh compilation's, graph by graph.
Quads without blank nodes are compared as sets; the blank-node part of each graph (effect ranges, lists)
is compared up to renaming of the blank nodes (rdflib's canonical form), since labels differ per build.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph
from rdflib.compare import isomorphic

from .build import DISK_DIR, NQUADS_FILE, kb_dir_of
from .compile import compile_kb, source_version
from .store_files import StoreDamaged, read_manifest, verified_bytes

_SHOWN = 5  # differing quads quoted per graph


def _split(quads) -> tuple[set[str], dict[str, list[str]]]:
    """Plain quads as N-Quads lines, and per graph the N-Triples lines that involve a blank node."""
    plain: set[str] = set()
    blank: dict[str, list[str]] = defaultdict(list)
    for quad in quads:
        graph = str(quad.graph_name)
        line = f"{quad.subject} {quad.predicate} {quad.object}"
        if isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode):
            blank[graph].append(line + " .")
        else:
            plain.add(f"{line} {graph} .")
    return plain, blank


def _same_blank_part(built: list[str], compiled: list[str]) -> bool:
    if len(built) != len(compiled):
        return False
    if not built:
        return True
    return isomorphic(Graph().parse(data="\n".join(built), format="nt"),
                      Graph().parse(data="\n".join(compiled), format="nt"))


def check_store(settings: dict[str, Any], kb_dir: Path | None = None) -> tuple[list[str], dict[str, Any]]:
    """(problems, figures) of the embedded store in settings' store_dir against the sources in kb_dir."""
    store_dir = Path(settings["store_dir"])
    kb_dir = kb_dir or kb_dir_of(settings)
    try:
        manifest = read_manifest(store_dir)
        data = verified_bytes(store_dir, NQUADS_FILE, manifest)
    except StoreDamaged as exc:
        return [f"damaged: {exc}. Run `cpkb build` to rebuild it."], {}
    problems: list[str] = []
    version = source_version(kb_dir)
    if manifest.get("version") != version:
        problems.append(f"{store_dir / 'manifest.json'}: built from sources {manifest.get('version')}, the sources in "
                        f"{kb_dir} are {version}. Run `cpkb build`.")
    built_plain, built_blank = _split(ox.parse(data, format=ox.RdfFormat.N_QUADS))
    compiled = compile_kb(kb_dir)
    fresh = compiled.dataset.serialize(format="nquads", encoding="utf-8")
    fresh_plain, fresh_blank = _split(ox.parse(fresh, format=ox.RdfFormat.N_QUADS))
    missing, extra = sorted(fresh_plain - built_plain), sorted(built_plain - fresh_plain)
    if missing:
        problems.append(f"{len(missing)} quad(s) of the sources are missing from the store, e.g. "
                        + "; ".join(missing[:_SHOWN]))
    if extra:
        problems.append(f"{len(extra)} quad(s) in the store are not in the sources, e.g. " + "; ".join(extra[:_SHOWN]))
    for graph in sorted(set(built_blank) | set(fresh_blank)):
        if not _same_blank_part(built_blank.get(graph, []), fresh_blank.get(graph, [])):
            problems.append(f"graph {graph}: its blank-node statements differ from the sources "
                            f"({len(built_blank.get(graph, []))} in the store, {len(fresh_blank.get(graph, []))} compiled)")
    if settings.get("store_mode") == "disk":
        disk = store_dir / DISK_DIR
        if not disk.is_dir():
            problems.append(f"{disk} is missing (store_mode=disk). Run `cpkb build --store-mode disk`.")
        else:
            quads = len(ox.Store.read_only(str(disk)))
            if quads != manifest.get("triples"):
                problems.append(f"{disk} holds {quads} quads; the manifest says {manifest.get('triples')}.")
    figures = {"quads": len(built_plain) + sum(map(len, built_blank.values())), "version": manifest.get("version"),
               "bytes": len(data)}
    return problems, figures
