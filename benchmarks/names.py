"""How well CPKB understands the names audit teams write: unaided resolution and suggestion accuracy.

    python benchmarks/names.py [FILE.yaml ...] [--verbose]

Name sets live in benchmarks/names/<sector>/*.yaml (default: all of them), each a list of
`{name, kind, means, expect}` where `expect` is the concept id (or IRI) the name means, or `none`; an entry may
list `opposites` (ids never to be offered). Per kind and in total it prints: resolved unaided (right / wrong),
top-1 and top-3 accuracy (a name resolved unaided counts as its first suggestion), names meaning nothing left
unresolved, and suggestions among the first three that say the opposite of what was meant (无铬 for 高铬).
The target for a sector: unaided-or-first ≥ 85 %, opposites 0.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent


def _knowledge():
    from cpkb.diagnostics.knowledge import knowledge_for
    from cpkb.kb.build import open_store
    from cpkb.settings import load_settings

    store = open_store(load_settings(store_dir=tempfile.mkdtemp(prefix="cpkb-names-"), endpoint="",
                                     store_mode="memory", kb_dir=""))
    return knowledge_for(store)


class Judge:
    """Answers as the survey reader would, for each kind of name."""

    def __init__(self, kb, sector_key: str):
        from cpkb.diagnostics.names import matcher_for, opposed
        from cpkb.diagnostics.places import places_for
        from cpkb.diagnostics.quantities import per_year

        self.kb, self.matcher, self.places, self.per_year, self.opposed = kb, matcher_for(kb), places_for(kb), \
            per_year, opposed
        self.sector = next((i for i, k in kb.kinds.items() if k == "sector" and i.rsplit("/", 1)[-1] == sector_key),
                           None)
        self._written: set[str] | None = None
        if self.sector is None:
            sys.exit(f"no sector {sector_key!r} in the knowledge base")

    def iri(self, kind: str, ident: str) -> str | None:
        if ident in self.kb.kinds:
            return ident
        found = [i for i in self.kb.kinds if i.rsplit("/", 1)[-1] == ident and self.kb.sector_of.get(i) in (self.sector, None)]
        return found[0] if len(found) == 1 else (found and next((i for i in found if f"/{kind}/" in i), found[0])) or None

    def read_as(self, kind: str, name: str) -> str:
        """The name the survey reader resolves: for a technique that does not resolve as written, the name without
        the count and size of its units (2×65孔焦炉 is 焦炉, survey.py `_sized`); otherwise the name as written."""
        from cpkb.diagnostics.sized_names import sized_name

        if kind != "technique" or self.matcher.resolve(kind, name, self.sector):
            return name
        sized = sized_name(name)
        return sized.name if sized.read and self.matcher.resolve(kind, sized.name, self.sector) else name

    def answer(self, kind: str, name: str) -> tuple[str | None, list[str]]:
        """(IRI resolved unaided or None, IRIs suggested in order) for the name as written: the reader's reading
        without figures (`read_as`) gives the technique plus a size fact (5.5m捣固: 捣固 and 炭化室高度 5.5 m), which a
        one-concept answer cannot score."""
        sector = None if kind in ("pollutant", "region", "basin", "unit") else self.sector
        hit = self.matcher.resolve_any(kind, name, sector)
        if hit is None and kind in ("region", "basin"):
            place = self.places.locate(name)
            found = place and (place.region if kind == "region" else place.basin)
            hit = (kind, found) if found else None
        if hit is None and kind == "unit" and self.per_year(name):
            base = self.matcher.resolve("unit", self.per_year(name))
            hit = ("unit", base) if base else None
        suggested = [s.iri for s in self.matcher.suggest(kind, name, sector, limit=5)]
        return (hit[1] if hit else None), suggested

    def written_in_kb(self, name: str) -> bool:
        """The name is, letter for letter (case and width folded), a label or alternative name of some concept."""
        if self._written is None:
            from cpkb.diagnostics.knowledge import normalise

            self._normalise = normalise
            self._written = {normalise(n) for iri in self.kb.labels for n in self.names_of(iri)}
        return self._normalise(name) in self._written

    def names_of(self, iri: str) -> list[str]:
        labels = self.kb.labels.get(iri)
        return [n for n in ((labels.zh, labels.en) if labels else ()) if n] + list(self.kb.alt_names.get(iri, ()))


# a name set named after part of a sector (the audit team wrote for cement plants) is judged in that sector's file
SECTOR_OF_SET = {"cement": "building-materials"}


def evaluate(path: Path, verbose: bool) -> dict[str, dict[str, int]]:
    sector_key = SECTOR_OF_SET.get(path.parent.name, path.parent.name)
    judge = Judge(KB, sector_key)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for entry in yaml.safe_load(path.read_text(encoding="utf-8")):
        kind, name = entry["kind"], str(entry["name"])
        expects = entry.get("expect", "none")
        expects = [str(e) for e in expects] if isinstance(expects, list) else [str(expects)]
        resolved, suggested = judge.answer(kind, name)
        ranked = ([resolved] if resolved else []) + [s for s in suggested if s != resolved]
        c = counts[kind]
        c["names"] += 1
        # a name written exactly as a label or alternative name of the knowledge base says nothing of the matcher:
        # counted apart (`seen`), so that the figure on the other names shows how far the matching generalises;
        # judged on the name as the reader reads it (2×65孔焦炉 is 焦炉 written with its count and size)
        seen = judge.written_in_kb(judge.read_as(kind, name))
        c["seen"] += seen
        if expects == ["none"]:
            c["none"] += 1
            c["none_kept"] += resolved is None
            if resolved is not None and verbose:
                print(f"  resolved a name meaning nothing: {kind} {name!r} -> {KB.label(resolved)['zh']}")
            continue
        targets = [t for t in (judge.iri(kind, e) for e in expects) if t]
        if not targets:
            print(f"  {path.name}: expected concept {expects!r} of {name!r} is not in the knowledge base", file=sys.stderr)
        target = targets[0] if targets else None
        c["meant"] += 1
        c["unaided"] += resolved in targets
        c["wrong_unaided"] += resolved is not None and resolved not in targets
        c["top1"] += bool(ranked) and ranked[0] in targets
        c["top3"] += any(t in ranked[:3] for t in targets)
        if not seen:
            c["unseen_meant"] += 1
            c["unseen_top1"] += bool(ranked) and ranked[0] in targets
        opposite_ids = {judge.iri(kind, o) for o in entry.get("opposites", [])}
        meant_names = judge.names_of(target) if target else []
        opposites = [s for s in ranked[:3] if s not in targets and (
            s in opposite_ids or any(judge.opposed(a, b) for a in [name, *meant_names[:2]] for b in judge.names_of(s)[:2]))]
        c["opposites"] += len(opposites)
        if verbose and (not ranked or ranked[0] not in targets or opposites):
            shown = ", ".join(KB.label(s)["zh"] for s in ranked[:3]) or "—"
            print(f"  miss {kind:9} {name!r:28} meant {KB.label(target)['zh'] if target else expect!r:16} "
                  f"{'resolved' if resolved else 'suggested'}: {shown}" + (f"  OPPOSITE {opposites}" if opposites else ""))
    return counts


def _pct(n: int, d: int) -> str:
    return f"{100 * n / d:5.1f} %" if d else "    —  "


def report(counts: dict[str, dict[str, int]], title: str) -> None:
    print(f"\n{title}")
    print(f"{'kind':11} {'names':>5} {'unaided':>8} {'wrong':>5} {'top-1':>8} {'top-3':>8} {'none kept':>9} {'opp.':>4}")
    total: dict[str, int] = defaultdict(int)
    for kind, c in sorted(counts.items()):
        for k, v in c.items():
            total[k] += v
        print(f"{kind:11} {c['names']:5d} {_pct(c['unaided'], c['meant']):>8} {c['wrong_unaided']:5d} "
              f"{_pct(c['top1'], c['meant']):>8} {_pct(c['top3'], c['meant']):>8} "
              f"{_pct(c['none_kept'], c['none']):>9} {c['opposites']:4d}")
    print(f"{'all':11} {total['names']:5d} {_pct(total['unaided'], total['meant']):>8} {total['wrong_unaided']:5d} "
          f"{_pct(total['top1'], total['meant']):>8} {_pct(total['top3'], total['meant']):>8} "
          f"{_pct(total['none_kept'], total['none']):>9} {total['opposites']:4d}")
    print(f"resolved unaided or right first suggestion: {_pct(total['top1'], total['meant']).strip()} of "
          f"{total['meant']} names that mean a concept (target ≥ 85 %); opposites in the first three: "
          f"{total['opposites']} (target 0)")
    print(f"names written exactly as in the knowledge base: {total['seen']} of {total['names']}; on the other "
          f"{total['unseen_meant']} names that mean a concept, resolved or right first: "
          f"{_pct(total['unseen_top1'], total['unseen_meant']).strip()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--verbose", "-v", action="store_true", help="list every miss")
    args = parser.parse_args()
    files = args.files or sorted((HERE / "names").glob("*/*.yaml"))
    global KB
    KB = _knowledge()
    for path in files:
        report(evaluate(path, args.verbose), f"{path.parent.name}/{path.name}")


KB = None

if __name__ == "__main__":
    main()
