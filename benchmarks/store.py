"""Store benchmark: build time, and median latency of typical knowledge-base queries on the embedded store,
in memory and on disk (RocksDB), with a plain rdflib graph for scale. Prints a table; asserts nothing.

    python benchmarks/store.py [--repeat 50]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from cpkb.kb.build import build, open_store
from cpkb.kb.namespaces import sparql_prefixes
from cpkb.settings import load_settings

QUERIES = {
    "label search (zh substring 逆流)": """
        SELECT ?c ?l WHERE { ?c skos:prefLabel|skos:altLabel ?l FILTER(CONTAINS(STR(?l), "逆流")) } LIMIT 50""",
    "measures for a problem": """
        SELECT ?m ?zh ?cost WHERE { ?m cpkb:addresses ?p ; skos:prefLabel ?zh ; cpkb:costClass/cpkb:key ?cost .
          ?p cpkb:key "single-tank-rinse" FILTER(lang(?zh)='zh') }""",
    "problems of a sector with counts": """
        SELECT ?p (COUNT(DISTINCT ?m) AS ?measures) (COUNT(DISTINCT ?r) AS ?rules) WHERE {
          ?p a cpkb:Problem ; cpkb:sector <https://w3id.org/cpkb/id/electroplating> .
          OPTIONAL { ?m cpkb:addresses ?p } OPTIONAL { ?r cpkb:detects ?p } } GROUP BY ?p ORDER BY DESC(?measures)""",
    "indicators with level benchmarks": """
        SELECT ?i ?level ?v WHERE { ?i a cpkb:Indicator ; cpkb:hasBenchmark ?b . ?b cpkb:level/cpkb:key ?level .
          OPTIONAL { ?b cpkb:value ?v } }""",
    "full scan: count triples": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
}


def median_ms(run, repeat: int) -> float:
    run()  # warm-up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="cpkb-bench-"))
    rows = []
    for mode in ("memory", "disk"):
        settings = load_settings(store_dir=str(tmp / mode), store_mode=mode, endpoint="", kb_dir="")
        report = build(settings)
        started = time.perf_counter()
        store = open_store(settings)
        open_s = time.perf_counter() - started
        rows.append((f"build ({mode})", f"{report.compile_s + report.load_s:.3f} s",
                     f"{report.triples} triples; open {open_s * 1000:.0f} ms"))
        for name, query in QUERIES.items():
            rows.append((f"{name} [{mode}]", f"{median_ms(lambda: store.select(query), args.repeat):.2f} ms", ""))
        store.close()
    rdf_graph = open_store(load_settings(store_dir=str(tmp / "memory"), endpoint="", kb_dir="")).construct(
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    for name, query in QUERIES.items():
        q = sparql_prefixes() + query
        rows.append((f"{name} [rdflib graph]", f"{median_ms(lambda: list(rdf_graph.query(q)), max(3, args.repeat // 10)):.2f} ms", ""))
    width = max(len(r[0]) for r in rows)
    print(f"{'what':<{width}}  {'median':>12}  note")
    for what, figure, note in rows:
        print(f"{what:<{width}}  {figure:>12}  {note}")
    print(f"(python {sys.version.split()[0]}, {args.repeat} repeats per query)")


if __name__ == "__main__":
    main()
