"""Per-sector figures of the knowledge base, counted through SPARQL on the built store (issues 10–12 ask for them
in the closing note): processes, techniques, problems, sector measures, the share of measures with economics,
indicators, indicators with at least one I/II/III value, rules, and the share of citations verified.

    python benchmarks/kb_figures.py            # the embedded store (built if missing)
"""

from __future__ import annotations

from cpkb.kb.build import open_store
from cpkb.settings import load_settings

PREFIX = ""  # the store adds the cpkb:, skos:, dcterms: prefixes


def _count(store, sector: str, where: str) -> int:
    q = f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {where} }}".replace("SECTOR", f"<{sector}>")
    return int(store.select(q).rows[0]["n"])


def figures(store, sector: str) -> dict[str, object]:
    c = lambda where: _count(store, sector, where)  # noqa: E731
    measures = c("?x a cpkb:Measure ; cpkb:sector SECTOR")
    econ = c("""?x a cpkb:Measure ; cpkb:sector SECTOR .
        { ?x cpkb:investment ?i } UNION { ?x cpkb:minPaybackYears ?p } UNION { ?x cpkb:opexChange ?o }""")
    priced = c("""?x a cpkb:Measure ; cpkb:sector SECTOR .
        { ?x cpkb:investment ?i } UNION { ?x cpkb:minPaybackYears ?p } UNION { ?x cpkb:opexChange ?o }
        UNION { ?x cpkb:hasSaving ?s }""")
    cited = c("?x cpkb:sector SECTOR ; ?p ?c . ?c a cpkb:Citation")
    verified = c("?x cpkb:sector SECTOR ; ?p ?c . ?c a cpkb:Citation ; cpkb:verified true")
    return {
        "processes": c("?x a cpkb:Process ; cpkb:sector SECTOR"),
        "techniques": c("?x a cpkb:Technique ; cpkb:sector SECTOR"),
        "problems": c("?x a cpkb:Problem ; cpkb:sector SECTOR"),
        "measures": measures,
        "with cost or payback": f"{econ} ({econ / measures:.1%})" if measures else "0",
        "… or a saving": f"{priced} ({priced / measures:.1%})" if measures else "0",
        "indicators": c("?x a cpkb:Indicator ; cpkb:sector SECTOR"),
        # a benchmark of the indicator itself or of one of its variants (steel: by route)
        "with a level value": c("?x a cpkb:Indicator ; cpkb:sector SECTOR ; (cpkb:hasBenchmark|(cpkb:hasVariant/cpkb:hasBenchmark)) ?b"),
        "rules": c("?x a cpkb:Rule ; cpkb:sector SECTOR"),
        "facts cited / verified": f"{cited} / {verified} ({verified / cited:.1%})" if cited else "0",
    }


def main() -> None:
    store = open_store(load_settings())
    sectors = store.select(PREFIX + "SELECT ?s ?k WHERE { ?s a cpkb:Sector ; cpkb:key ?k } ORDER BY ?k").rows
    rows = [(str(r["k"]), figures(store, str(r["s"]))) for r in sectors]
    heads = list(rows[0][1])
    print("| sector | " + " | ".join(heads) + " |")
    print("|---" * (len(heads) + 1) + "|")
    for key, fig in rows:
        print(f"| {key} | " + " | ".join(str(fig[h]) for h in heads) + " |")


if __name__ == "__main__":
    main()
