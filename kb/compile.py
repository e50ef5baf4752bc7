"""Compiles the YAML knowledge sources and the ontology into one RDF dataset, reporting every problem at once."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml
from rapidfuzz import process as fuzz_process
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, SKOS, XSD

from cpkb import __version__
from cpkb.ontology import ONTOLOGY_DIR, SCHEMA_FILES

from . import source_format as fmt
from .compile_model import ModelFields
from .errors import SourceError, SourceProblem
from .namespaces import CPKB, DCTERMS, GRAPH, ID, KB_IRI
from .yaml_source import LineDict, line_of, load_yaml

KB_DIR = Path(__file__).resolve().parent
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")
LANGS = ("zh", "en")
# level texts that only say the requirement was not read (原文未读到 / Not read): never a requirement to grade against
_PLACEHOLDER = re.compile(r"未读到|未读取|not read|to be entered|待补充|TBD", re.IGNORECASE)


@dataclass
class Located:
    """An entry found in the first pass: where it is and what IRI it gets."""

    iri: URIRef
    file: Path
    line: int | None


@dataclass
class CompiledKB:
    """The result of compiling: the dataset, where every entry came from, and counts."""

    dataset: Dataset
    version: str
    locations: dict[URIRef, Located]
    counts: dict[str, int] = field(default_factory=dict)

    def triple_count(self) -> int:
        return sum(len(g) for g in self.dataset.graphs() if len(g))


@dataclass
class _Ctx:
    """Where the compiler is: the file, its namespace (a sector id or None for shared) and the entry."""

    file: Path
    sector: str | None
    graph: Graph
    entry: str | None = None
    line: int | None = None
    data: Any = None           # the entry's own mapping, for fields checked against each other


class Compiler(ModelFields):
    """Two passes: index every entry's id and IRI, then emit triples resolving references."""

    def __init__(self, kb_dir: Path = KB_DIR, ontology_dir: Path = ONTOLOGY_DIR):
        self.kb_dir = Path(kb_dir)
        self.ontology_dir = Path(ontology_dir)
        self.problems: list[SourceProblem] = []
        self.index: dict[tuple[str | None, str], dict[str, Located]] = {}
        self.vocab: dict[str, dict[str, URIRef]] = {}
        self.dataset = Dataset()
        self.locations: dict[URIRef, Located] = {}
        self._deferred: list = []   # checks that need every file emitted (a fact's unit defined further down)

    # ------------------------------------------------------------------ entry points

    def compile(self) -> CompiledKB:
        schema = self._load_schema()
        files = self._source_files()
        docs = [(path, *load_yaml(path)) for path in files]
        for path, _, problems in docs:
            self.problems.extend(problems)
        parsed = [(p, d) for p, d, probs in docs if not probs]
        for path, data in parsed:
            self._index_file(path, data)
        for path, data in parsed:
            self._emit_file(path, data)
        for check in self._deferred:
            check()
        if self.problems:
            raise SourceError(self.problems)
        version = self._version(files)
        meta = self.dataset.graph(GRAPH["meta"])
        meta.add((KB_IRI, RDF.type, OWL.Ontology))
        meta.add((KB_IRI, OWL.versionInfo, Literal(version)))
        meta.add((KB_IRI, DCTERMS.hasVersion, Literal(__version__)))
        counts = self._counts(schema)
        return CompiledKB(self.dataset, version, self.locations, counts)

    def _load_schema(self) -> Graph:
        graph = self.dataset.graph(GRAPH["ontology"])
        for name in SCHEMA_FILES:
            graph.parse(self.ontology_dir / name, format="turtle")
        for concept, key in graph.subject_objects(CPKB.key):
            for cls in graph.objects(concept, RDF.type):
                if cls != SKOS.Concept:
                    self.vocab.setdefault(str(cls).rsplit("/", 1)[-1], {})[str(key)] = concept
        return graph

    def _source_files(self) -> list[Path]:
        return source_files(self.kb_dir)

    def _version(self, files: Iterable[Path]) -> str:
        return source_version(self.kb_dir, self.ontology_dir)

    def _counts(self, schema: Graph) -> dict[str, int]:
        counts: dict[str, int] = {}
        for cls in (CPKB.Sector, CPKB.Process, CPKB.Technique, CPKB.Problem, CPKB.Measure, CPKB.SharedMeasure,
                    CPKB.MeasureLink, CPKB.Indicator, CPKB.Rule, CPKB.Pollutant, CPKB.Region, CPKB.Basin,
                    CPKB.ResourceType, CPKB.SourceDocument):
            name = str(cls).rsplit("/", 1)[-1]
            counts[name] = len({q[0] for q in self.dataset.quads((None, RDF.type, cls, None))})
        return counts

    # ------------------------------------------------------------------ problems

    def _problem(self, ctx: _Ctx, message: str, line: int | None = None) -> None:
        self.problems.append(SourceProblem(ctx.file, line or ctx.line, ctx.entry, message))

    @staticmethod
    def _closest(word: str, choices: Iterable[str], limit: int = 3) -> str:
        found = [c for c, score, _ in fuzz_process.extract(word, list(choices), limit=limit) if score > 40]
        return f" Closest: {', '.join(found)}." if found else ""

    # ------------------------------------------------------------------ pass 1: index ids

    def _file_layout(self, path: Path, data: Any) -> tuple[str | None, dict[str, fmt.Kind]] | None:
        """The namespace of a file and the sections it may hold, or None after reporting why not."""
        ctx = _Ctx(path, None, Graph())
        if not isinstance(data, dict):
            self._problem(ctx, "the file must be a mapping of sections (e.g. `sector:`, `measures:`).", 1)
            return None
        if path.parent.name == "sectors":
            header = data.get("sector")
            if not isinstance(header, dict) or header.get("id") != path.stem:
                self._problem(ctx, f"a sector file needs a `sector:` mapping whose id is the file name ({path.stem!r}).",
                              line_of(header, 1))
                return None
            return path.stem, fmt.SECTOR_SECTIONS
        return None, fmt.SHARED_SECTIONS

    def _index_file(self, path: Path, data: Any) -> None:
        layout = self._file_layout(path, data)
        if layout is None:
            return
        sector, sections = layout
        ctx = _Ctx(path, sector, Graph())
        if sector:
            self._add_index(ctx, "sector", sector, data["sector"], ID[sector])
        for key, entries in data.items():
            if key == "sector" and sector:
                continue
            kind = sections.get(key)
            if kind is None:
                self._problem(ctx, f"unknown section {key!r}." + self._closest(key, sections), line_of(data, 1))
                continue
            if not isinstance(entries, list):
                self._problem(ctx, f"section {key!r} must be a list of entries (lines starting with '- ').",
                              line_of(data, 1))
                continue
            for entry in entries:
                self._index_entry(ctx, kind, entry)

    def _index_entry(self, ctx: _Ctx, kind: fmt.Kind, entry: Any) -> None:
        _default_link_id(kind, entry)
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            self._problem(ctx, f"each {kind.name} entry must be a mapping with an `id`.", line_of(entry))
            return
        iri = self._iri(ctx.sector, kind.name, entry["id"])
        self._add_index(ctx, kind.name, entry["id"], entry, iri)
        if kind.name == "indicator-system":
            for cat in entry.get("categories") or []:
                if not isinstance(cat, dict):
                    continue
                cat_iri = URIRef(f"{iri}/{cat.get('id')}")
                self._add_index(ctx, "indicator-category", f"{entry['id']}/{cat.get('id')}", cat, cat_iri)
                for ind in cat.get("indicators") or []:
                    if isinstance(ind, dict) and isinstance(ind.get("id"), str):
                        self._add_index(ctx, "indicator", ind["id"], ind,
                                        self._iri(ctx.sector, "indicator", ind["id"]))

    def _add_index(self, ctx: _Ctx, kind: str, ident: str, entry: Any, iri: URIRef) -> None:
        line = line_of(entry)
        if not ID_PATTERN.match(ident.split("/")[-1] or "-"):
            self._problem(ctx, f"id {ident!r} must be ASCII letters, digits and '-'.", line)
            return
        namespace = None if kind in fmt.SHARED_KINDS or (kind == "fact" and ctx.sector is None) else ctx.sector
        if kind == "sector":
            namespace = None
        table = self.index.setdefault((namespace, kind), {})
        if ident in table:
            first = table[ident]
            self._problem(ctx, f"duplicate {kind} id {ident!r}; first defined at {first.file.name}:{first.line}.", line)
            return
        table[ident] = Located(iri, ctx.file, line)
        self.locations[iri] = table[ident]

    @staticmethod
    def _iri(sector: str | None, kind: str, ident: str) -> URIRef:
        kind = fmt.IRI_NAMES.get(kind, kind)
        return ID[f"{sector}/{kind}/{ident}"] if sector else ID[f"{kind}/{ident}"]

    # ------------------------------------------------------------------ pass 2: emit triples

    def _emit_file(self, path: Path, data: Any) -> None:
        layout = self._file_layout(path, data) if isinstance(data, dict) else None
        if layout is None:
            return
        sector, sections = layout
        graph = self.dataset.graph(GRAPH[f"sector/{sector}" if sector else f"shared/{path.stem}"])
        ctx = _Ctx(path, sector, graph)
        if sector:
            self._emit_entry(ctx, fmt.SECTOR_HEADER, data["sector"], ID[sector])
        for key, entries in data.items():
            kind = sections.get(key)
            if kind is None or not isinstance(entries, list) or (key == "sector" and sector):
                continue
            for entry in entries:
                _default_link_id(kind, entry)
                if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                    self._emit_entry(ctx, kind, entry, self._iri(sector, kind.name, entry["id"]))

    def _emit_entry(self, parent: _Ctx, kind: fmt.Kind, entry: LineDict, iri: URIRef) -> None:
        ctx = _Ctx(parent.file, parent.sector, parent.graph, f"{kind.name} {entry.get('id')}", line_of(entry), entry)
        g = ctx.graph
        g.add((iri, RDF.type, kind.rdf_class))
        for cls in kind.extra_classes:
            g.add((iri, RDF.type, cls))
        g.add((iri, CPKB.key, Literal(str(entry["id"]))))
        if parent.sector and kind.name != "sector":
            g.add((iri, CPKB.sector, ID[parent.sector]))
        if kind.name == "measure-link":
            self._check_link(ctx, entry)
        if kind.name == "requirement":
            self._check_requirement(ctx, entry)
        self._emit_common(ctx, iri, entry, kind)
        for key, value in entry.items():
            if key in fmt.COMMON_KEYS:
                continue
            spec = kind.fields.get(key)
            if spec is None:
                allowed = [*fmt.COMMON_KEYS, *kind.fields]
                self._problem(ctx, f"unknown field {key!r} for a {kind.name}." + self._closest(key, allowed))
                continue
            self._emit_field(ctx, iri, key, spec, value)
        for key, spec in kind.fields.items():
            if spec.required and entry.get(key) in (None, "", []):
                self._problem(ctx, f"missing required field {key!r} of a {kind.name}.")

    def _check_link(self, ctx: _Ctx, entry: LineDict) -> None:
        """A link names the shared measure, never re-labels it, and does not sit beside a sector measure of the
        same id (that would be the copy the link replaces)."""
        copied = [k for k in ("label", "alt", "definition") if k in entry]
        if copied:
            self._problem(ctx, f"a shared-measure link takes its {', '.join(copied)} from kb/shared/measures.yaml; "
                          "write what is particular to the sector in `applicability` or `note`.")
        own = self.index.get((ctx.sector, "measure"), {}).get(str(entry.get("measure")))
        if own is not None:
            self._problem(ctx, f"the sector also defines a measure {entry.get('measure')!r} ({own.file.name}:{own.line}): "
                          "replace it by this link and keep its sector-specific detail as the link's note.")

    def _check_requirement(self, ctx: _Ctx, entry: LineDict) -> None:
        """A set has its limits, or says it has none because the standard's table was not read (with a note on
        why it is kept: a local standard that binds tells who is not judged by the national one)."""
        unread = entry.get("limits_read") is False
        if unread and entry.get("limits"):
            self._problem(ctx, "a set with `limits_read: false` lists no `limits`; remove one of the two.")
        elif unread and not entry.get("note"):
            self._problem(ctx, "a set with `limits_read: false` needs a `note` {zh, en} saying which table was not "
                          "read and where it was looked for.")
        elif not unread and entry.get("limits") in (None, "", []):
            self._problem(ctx, "missing required field 'limits' of a requirement; a standard whose table was not "
                          "read is written with `limits_read: false` and a note instead.")

    def _emit_common(self, ctx: _Ctx, iri: URIRef, entry: LineDict, kind: fmt.Kind) -> None:
        g = ctx.graph
        for lang, text in self._lang_map(ctx, entry.get("label"), "label").items():
            g.add((iri, SKOS.prefLabel, Literal(text, lang=lang)))
            if not kind.concept:
                g.add((iri, DCTERMS.title, Literal(text, lang=lang)))
        alt = entry.get("alt") or {}
        if not isinstance(alt, dict):
            self._problem(ctx, "`alt` must map languages to lists of names, e.g. {zh: [逆流漂洗], en: [counterflow rinse]}.")
            alt = {}
        for lang, names in alt.items():
            if lang not in LANGS:
                self._problem(ctx, f"`alt` language {lang!r} must be zh or en.")
                continue
            for name in names if isinstance(names, list) else [names]:
                g.add((iri, SKOS.altLabel, Literal(str(name), lang=lang)))
        for lang, text in self._lang_map(ctx, entry.get("definition"), "definition").items():
            g.add((iri, SKOS.definition, Literal(text, lang=lang)))
        for lang, text in self._lang_map(ctx, entry.get("note"), "note").items():
            g.add((iri, SKOS.note, Literal(text, lang=lang)))
        self._emit_sources(ctx, iri, entry.get("sources"))

    def _lang_map(self, ctx: _Ctx, value: Any, what: str) -> dict[str, str]:
        if value is None:
            return {}
        if not isinstance(value, dict) or not set(value) <= set(LANGS):
            self._problem(ctx, f"`{what}` must be a mapping {{zh: …, en: …}}.", line_of(value))
            return {}
        return {lang: str(text).strip() for lang, text in value.items() if text not in (None, "")}

    def _emit_sources(self, ctx: _Ctx, subject: URIRef, sources: Any) -> None:
        if sources is None:
            return
        if not isinstance(sources, list):
            self._problem(ctx, "`sources` must be a list of {doc: ID, clause: …, verified: …}.", line_of(sources))
            return
        for n, cite in enumerate(sources, 1):
            if isinstance(cite, str):
                cite = {"doc": cite}
            if not isinstance(cite, dict) or "doc" not in cite:
                self._problem(ctx, "each source needs `doc:` (an id of kb/shared/sources*.yaml).", line_of(cite))
                continue
            unknown = set(cite) - {"doc", "clause", "note", "verified"}
            if unknown:
                self._problem(ctx, f"unknown source field(s) {sorted(unknown)}; use doc, clause, note, verified.",
                              line_of(cite))
            doc = self._resolve(ctx, "source", cite["doc"], line_of(cite))
            if doc is None:
                continue
            node = URIRef(f"{subject}#cite-{n}") if "#" not in subject else URIRef(f"{subject}-cite-{n}")
            g = ctx.graph
            g.add((subject, DCTERMS.source, doc))
            g.add((subject, CPKB.citation, node))
            g.add((node, RDF.type, CPKB.Citation))
            g.add((node, CPKB.document, doc))
            if cite.get("clause") is not None:
                g.add((node, CPKB.clause, Literal(str(cite["clause"]))))
            if cite.get("note") is not None:
                g.add((node, SKOS.note, Literal(str(cite["note"]))))
            verified = cite.get("verified", True)
            if not isinstance(verified, bool):
                self._problem(ctx, "`verified` must be true or false.", line_of(cite))
            g.add((node, CPKB.verified, Literal(bool(verified))))

    # ------------------------------------------------------------------ fields

    def _emit_field(self, ctx: _Ctx, iri: URIRef, key: str, spec: fmt.Field, value: Any) -> None:
        if spec.how == "special":
            getattr(self, f"_special_{spec.target}")(ctx, iri, key, value)
            return
        if spec.how == "text":
            for lang, text in self._lang_map(ctx, value, key).items():
                ctx.graph.add((iri, spec.prop, Literal(text, lang=lang)))
            return
        values = value if isinstance(value, list) else [value]
        if not spec.many and isinstance(value, list):
            self._problem(ctx, f"`{key}` takes one value, not a list.")
            return
        for item in values:
            obj = self._field_value(ctx, key, spec, item)
            if obj is not None:
                ctx.graph.add((iri, spec.prop, obj))

    def _field_value(self, ctx: _Ctx, key: str, spec: fmt.Field, item: Any):
        if spec.how == "ref":
            return self._resolve(ctx, spec.target, item)
        if spec.how == "vocab":
            return self._vocab(ctx, spec.target, item, key)
        return self._literal(ctx, key, spec.how, item)

    def _literal(self, ctx: _Ctx, key: str, how: str, item: Any):
        try:
            if how == "int":
                if isinstance(item, bool) or not isinstance(item, int):
                    raise ValueError
                return Literal(item, datatype=XSD.integer)
            if how == "number":
                if isinstance(item, bool) or not isinstance(item, (int, float)):
                    raise ValueError
                return Literal(_decimal(item), datatype=XSD.decimal)
            if how == "bool":
                if not isinstance(item, bool):
                    raise ValueError
                return Literal(item)
            if how == "iri":
                if not isinstance(item, str) or not re.match(r"^https?://\S+$", item):
                    raise ValueError
                return URIRef(item)
            if item is None or isinstance(item, (dict, list)):
                raise ValueError
            return Literal(str(item))
        except ValueError:
            wanted = {"int": "a whole number", "number": "a number", "bool": "true or false",
                      "iri": "an http(s) IRI", "str": "a text"}[how]
            self._problem(ctx, f"`{key}` must be {wanted}, not {item!r}.")
            return None

    def _vocab(self, ctx: _Ctx, scheme: str, item: Any, key: str) -> URIRef | None:
        table = self.vocab.get(scheme, {})
        if str(item) in table:
            return table[str(item)]
        self._problem(ctx, f"`{key}` value {item!r} is not one of: {', '.join(table)}.")
        return None

    def _resolve(self, ctx: _Ctx, kind: str, ref: Any, line: int | None = None) -> URIRef | None:
        if not isinstance(ref, str) or not ref:
            self._problem(ctx, f"a {kind} reference must be an id, not {ref!r}.", line)
            return None
        if "/" in ref and kind not in fmt.SHARED_KINDS and kind != "sector":
            sector, ident = ref.split("/", 1)
            namespaces = [sector]
        else:
            ident = ref
            namespaces = [None] if kind in fmt.SHARED_KINDS or kind == "sector" else [ctx.sector]
            if kind == "fact":
                namespaces.append(None)
        for ns in namespaces:
            found = self.index.get((ns, kind), {}).get(ident)
            if found:
                return found.iri
        known = [i for ns in namespaces for i in self.index.get((ns, kind), {})]
        where = "kb/shared" if namespaces == [None] else f"sector {namespaces[0]!r}"
        self._problem(ctx, f"unknown {kind} {ref!r} (looked in {where}).{self._closest(ident, known)}", line)
        return None

    # ------------------------------------------------------------------ special fields

    def _special_datatype(self, ctx: _Ctx, iri: URIRef, key: str, value: Any) -> None:
        if value not in fmt.FACT_DATATYPES:
            self._problem(ctx, f"`datatype` must be one of {', '.join(fmt.FACT_DATATYPES)}.")
            return
        ctx.graph.add((iri, CPKB.datatype, Literal(value)))

    def _special_choices(self, ctx: _Ctx, iri: URIRef, key: str, value: Any) -> None:
        """Answers of a choice fact: plain ids, or {id, label, alt} so that a survey may answer in Chinese."""
        if not isinstance(value, list) or not value:
            self._problem(ctx, "`choices` must be a list of ids or of {id, label: {zh, en}, alt: …} mappings.")
            return
        for item in value:
            if isinstance(item, str):
                ctx.graph.add((iri, CPKB.choice, Literal(item)))
                continue
            if not isinstance(item, dict) or not isinstance(item.get("id"), str) or set(item) - {"id", "label", "alt"}:
                self._problem(ctx, f"choice {item!r} must be an id or a mapping with id, label and alt.", line_of(item))
                continue
            node = URIRef(f"{iri}#choice-{item['id']}")
            ctx.graph.add((iri, CPKB.choice, Literal(item["id"])))
            ctx.graph.add((iri, CPKB.hasChoice, node))
            ctx.graph.add((node, RDF.type, CPKB.Choice))
            ctx.graph.add((node, CPKB.key, Literal(item["id"])))
            for lang, text in self._lang_map(ctx, item.get("label"), "choice label").items():
                ctx.graph.add((node, SKOS.prefLabel, Literal(text, lang=lang)))
            for lang, names in (item.get("alt") or {}).items():
                for name in names if isinstance(names, list) else [names]:
                    ctx.graph.add((node, SKOS.altLabel, Literal(str(name), lang=lang)))

    def _special_payback(self, ctx: _Ctx, iri: URIRef, key: str, value: Any) -> None:
        pair = self._range(ctx, key, value)
        if pair:
            ctx.graph.add((iri, CPKB.minPaybackYears, Literal(_decimal(pair[0]), datatype=XSD.decimal)))
            ctx.graph.add((iri, CPKB.maxPaybackYears, Literal(_decimal(pair[1]), datatype=XSD.decimal)))

    def _range(self, ctx: _Ctx, key: str, value: Any, line: int | None = None) -> tuple[float, float] | None:
        ok = (isinstance(value, list) and len(value) == 2
              and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value))
        if not ok or value[0] > value[1]:
            self._problem(ctx, f"`{key}` must be a range [low, high] of two numbers with low ≤ high, not {value!r}.",
                          line)
            return None
        return float(value[0]), float(value[1])

    def _special_effects(self, ctx: _Ctx, iri: URIRef, key: str, value: Any) -> None:
        if not isinstance(value, list):
            self._problem(ctx, "`effects` must be a list.")
            return
        targets = {"indicator": CPKB.onIndicator, "pollutant": CPKB.onPollutant, "consumption": CPKB.onConsumption}
        for n, effect in enumerate(value, 1):
            line = line_of(effect)
            if not isinstance(effect, dict):
                self._problem(ctx, "each effect must be a mapping.", line)
                continue
            node = URIRef(f"{iri}#effect-{n}")
            g = ctx.graph
            on = [k for k in targets if k in effect]
            if len(on) != 1:
                self._problem(ctx, "an effect names exactly one of indicator, pollutant or consumption.", line)
                continue
            target = self._resolve(ctx, on[0], effect[on[0]], line)
            unknown = set(effect) - {*targets, "change", "basis", "sources", "note", "mode", "acts_on", "level",
                                     "amount", "unit"}
            if unknown:
                self._problem(ctx, f"unknown effect field(s) {sorted(unknown)}.", line)
            if target is None or not self._effect_v2(ctx, node, effect, on[0], line):
                continue
            g.add((iri, CPKB.hasEffect, node))
            g.add((node, RDF.type, CPKB.Effect))
            g.add((node, targets[on[0]], target))
            for lang, text in self._lang_map(ctx, effect.get("basis"), "basis").items():
                g.add((node, CPKB.basis, Literal(text, lang=lang)))
            for lang, text in self._lang_map(ctx, effect.get("note"), "note").items():
                g.add((node, SKOS.note, Literal(text, lang=lang)))
            self._emit_sources(ctx, node, effect.get("sources"))

    def _special_categories(self, ctx: _Ctx, iri: URIRef, key: str, value: Any) -> None:
        if not isinstance(value, list) or not value:
            self._problem(ctx, "`categories` must be a non-empty list of first-level indicators.")
            return
        system_id = ctx.entry.split(" ", 1)[1]
        for cat in value:
            if not isinstance(cat, dict) or not isinstance(cat.get("id"), str):
                self._problem(ctx, "each category must be a mapping with an `id`.", line_of(cat))
                continue
            cat_iri = URIRef(f"{iri}/{cat['id']}")
            sub = _Ctx(ctx.file, ctx.sector, ctx.graph, ctx.entry, ctx.line, cat)
            self._emit_entry(sub, fmt.CATEGORY, cat, cat_iri)
            ctx.graph.add((cat_iri, CPKB.indicatorSystem, iri))
            for ind in cat.get("indicators") or []:
                if isinstance(ind, dict) and isinstance(ind.get("id"), str):
                    ind_iri = self._iri(ctx.sector, "indicator", ind["id"])
                    self._emit_entry(sub, fmt.INDICATOR, ind, ind_iri)
                    ctx.graph.add((ind_iri, CPKB.indicatorSystem, iri))
                    ctx.graph.add((ind_iri, CPKB.indicatorCategory, cat_iri))
                    # measured by a number when it has benchmarks or a unit (benchmarks may be unknown)
                    has_numbers = "benchmarks" in ind or "unit" in ind
                    ctx.graph.add((ind_iri, CPKB.quantitative, Literal(has_numbers)))
                    if has_numbers and "direction" not in ind:
                        self._problem(sub, f"indicator {ind['id']!r} has benchmarks but no `direction` (lower/higher).",
                                      line_of(ind))
                else:
                    self._problem(sub, f"each indicator of {system_id} must be a mapping with an `id`.", line_of(ind))

    def _special_indicators(self, ctx: _Ctx, iri: URIRef, key: str, value: Any) -> None:
        if not isinstance(value, list) or not value:
            self._problem(ctx, "`indicators` must be a non-empty list.")
        # the indicators themselves are emitted by _special_categories, which knows the system

    def _benchmark_node(self, ctx: _Ctx, iri: URIRef, level: str) -> URIRef:
        node = URIRef(f"{iri}#level-{level}")
        ctx.graph.add((iri, CPKB.hasBenchmark, node))
        ctx.graph.add((node, RDF.type, CPKB.Benchmark))
        ctx.graph.add((node, CPKB.level, self.vocab["Level"][level]))
        return node

    def _special_benchmarks(self, ctx: _Ctx, iri: URIRef, key: str, value: Any) -> None:
        if isinstance(value, list):
            self._benchmark_variants(ctx, iri, value)
            return
        if not isinstance(value, dict) or not set(map(str, value)) <= set(fmt.LEVEL_KEYS):
            self._problem(ctx, "`benchmarks` must map levels I, II, III to numbers, e.g. {I: 8, II: 24, III: 40}.")
            return
        numbers = {}
        for level, number in value.items():
            if number is None:
                continue  # the source gives no value for this level
            if isinstance(number, bool) or not isinstance(number, (int, float)):
                self._problem(ctx, f"benchmark {level} must be a number, not {number!r}.")
                continue
            numbers[str(level)] = number
            node = self._benchmark_node(ctx, iri, str(level))
            ctx.graph.add((node, CPKB.value, Literal(_decimal(number), datatype=XSD.decimal)))
        self._check_monotonic(ctx, numbers)

    def _check_monotonic(self, ctx: _Ctx, numbers: dict[str, float]) -> None:
        ordered = [numbers[l] for l in fmt.LEVEL_KEYS if l in numbers]
        if len(ordered) > 1 and not (ordered == sorted(ordered) or ordered == sorted(ordered, reverse=True)):
            self._problem(ctx, f"benchmarks {numbers} are not ordered from level I to III.")

    def _special_levels(self, ctx: _Ctx, iri: URIRef, key: str, value: Any) -> None:
        if not isinstance(value, dict) or not set(map(str, value)) <= set(fmt.LEVEL_KEYS):
            self._problem(ctx, "`levels` must map I, II, III to {zh: …, en: …} requirement texts.")
            return
        for level, text in value.items():
            if _PLACEHOLDER.search(str(text)):   # a survey could be graded against an empty requirement
                self._problem(ctx, f"`levels.{level}` is a placeholder ({text}); a level text not read stays out: "
                                   "remove `levels` and say in `note` that the requirements were not read.")
                continue
            node = self._benchmark_node(ctx, iri, str(level))
            for lang, t in self._lang_map(ctx, text, f"levels.{level}").items():
                ctx.graph.add((node, CPKB.requirement, Literal(t, lang=lang)))

    def _special_condition(self, ctx: _Ctx, iri: URIRef, key: str, value: Any) -> None:
        root = URIRef(f"{iri}#{'when' if key == 'when' else 'applies'}")
        prop = CPKB.condition if key == "when" else CPKB.appliesWhen
        if self._condition(ctx, root, value, key):
            ctx.graph.add((iri, prop, root))
            text = yaml.safe_dump(_plain(value), allow_unicode=True, default_flow_style=True, width=10_000).strip()
            ctx.graph.add((root, CPKB.conditionText, Literal(text)))

    def _condition(self, ctx: _Ctx, node: URIRef, cond: Any, path: str) -> bool:
        """Emit one condition node; False (with a placed problem) when it is malformed."""
        line = line_of(cond)
        if not isinstance(cond, dict) or len(cond) != 1:
            self._problem(ctx, f"condition at `{path}` must have exactly one key of: "
                          f"{', '.join(fmt.CONDITION_CLASSES)}.", line)
            return False
        (op, arg), = cond.items()
        if op not in fmt.CONDITION_CLASSES:
            self._problem(ctx, f"unknown condition {op!r} at `{path}`." + self._closest(op, fmt.CONDITION_CLASSES), line)
            return False
        g = ctx.graph
        if op in ("all", "any"):
            if not isinstance(arg, list) or not arg:
                self._problem(ctx, f"`{op}` at `{path}` needs a non-empty list of conditions.", line)
                return False
            ok = True
            for n, sub in enumerate(arg, 1):
                child = URIRef(f"{node}-{n}")
                ok = self._condition(ctx, child, sub, f"{path}.{op}[{n - 1}]") and ok
                g.add((node, CPKB.operand, child))
            g.add((node, RDF.type, fmt.CONDITION_CLASSES[op]))
            return ok
        if op == "not":
            child = URIRef(f"{node}-1")
            g.add((node, RDF.type, CPKB.NotCondition))
            g.add((node, CPKB.operand, child))
            return self._condition(ctx, child, arg, f"{path}.not")
        if op in ("violates", "context", "quantity"):
            return self._v2_condition(ctx, node, op, arg, path, line)
        if op == "has_process":
            target = self._resolve(ctx, "process", arg, line)
            if target is None:
                return False
            g.add((node, RDF.type, CPKB.ProcessPresent))
            g.add((node, CPKB.inProcess, target))
            return True
        return self._leaf_condition(ctx, node, op, arg, path, line)

    def _leaf_condition(self, ctx: _Ctx, node: URIRef, op: str, arg: Any, path: str, line: int | None) -> bool:
        if not isinstance(arg, dict):
            self._problem(ctx, f"`{op}` at `{path}` needs a mapping of fields (see kb/README.md).", line)
            return False
        line = line_of(arg, line)
        allowed = {
            "uses": {"technique", "process"}, "lacks": {"technique", "process"},
            "indicator": {"indicator", "worse_than", "op", "value", "unit"},
            "fact": {"fact", "equals", "op", "value"},
            "material": {"material", "property", "op", "value", "unit"},
            "emission": {"pollutant", "op", "value", "unit", "stage"},
        }[op]
        unknown = set(arg) - allowed
        if unknown:
            self._problem(ctx, f"`{op}` at `{path}` has unknown field(s) {sorted(unknown)}; allowed: {sorted(allowed)}.",
                          line)
            return False
        g = ctx.graph
        ok = True

        def link(field: str, kind: str, prop, required: bool = False) -> None:
            nonlocal ok
            if field not in arg:
                if required:
                    self._problem(ctx, f"`{op}` at `{path}` needs `{field}`.", line)
                    ok = False
                return
            for ref in arg[field] if isinstance(arg[field], list) else [arg[field]]:
                target = self._resolve(ctx, kind, ref, line)
                ok = ok and target is not None
                if target is not None:
                    g.add((node, prop, target))

        if op in ("uses", "lacks"):
            g.add((node, RDF.type, CPKB.TechniqueInUse if op == "uses" else CPKB.TechniqueAbsent))
            link("technique", "technique", CPKB.technique, required=True)
            link("process", "process", CPKB.inProcess)
            return ok
        if op == "indicator":
            link("indicator", "indicator", CPKB.indicator, required=True)
            if "worse_than" in arg:
                g.add((node, RDF.type, CPKB.BenchmarkCondition))
                level = self._vocab(ctx, "Level", arg["worse_than"], "worse_than")
                if level is None:
                    return False
                g.add((node, CPKB.worseThanLevel, level))
                return ok
            g.add((node, RDF.type, CPKB.IndicatorThreshold))
            return self._comparison(ctx, node, op, arg, path, line, link) and ok
        if op == "fact":
            g.add((node, RDF.type, CPKB.FactCondition))
            link("fact", "fact", CPKB.fact, required=True)
            if "equals" in arg:
                g.add((node, CPKB.operator, Literal("=")))
                g.add((node, CPKB.expectedValue, Literal(arg["equals"])))
                return ok
            return self._comparison(ctx, node, op, arg, path, line, link) and ok
        if op == "material":
            g.add((node, RDF.type, CPKB.MaterialCondition))
            link("material", "material", CPKB.material, required=True)
            if "property" in arg or "op" in arg:
                link("property", "property", CPKB.property, required=True)
                return self._comparison(ctx, node, op, arg, path, line, link) and ok
            return ok
        g.add((node, RDF.type, CPKB.EmissionCondition))
        link("pollutant", "pollutant", CPKB.pollutant, required=True)
        stage = arg.get("stage", "emitted")
        if stage not in fmt.EMISSION_STAGES:
            self._problem(ctx, f"`stage` at `{path}` must be generated or emitted.", line)
            return False
        g.add((node, CPKB.emissionStage, Literal(stage)))
        return self._comparison(ctx, node, op, arg, path, line, link) and ok

    def _comparison(self, ctx: _Ctx, node: URIRef, op: str, arg: dict, path: str, line: int | None, link) -> bool:
        comparator, value = arg.get("op"), arg.get("value")
        if comparator not in fmt.OPERATORS:
            self._problem(ctx, f"`{op}` at `{path}` needs `op` (one of {' '.join(fmt.OPERATORS)}) and `value`.", line)
            return False
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self._problem(ctx, f"`value` at `{path}` must be a number, not {value!r}.", line)
            return False
        ctx.graph.add((node, CPKB.operator, Literal(comparator)))
        ctx.graph.add((node, CPKB.threshold, Literal(_decimal(value), datatype=XSD.decimal)))
        link("unit", "unit", CPKB.unit)
        return True


def _default_link_id(kind: fmt.Kind, entry: Any) -> None:
    """A shared-measure link is written `- measure: ID`; its id is the shared measure's unless it gives one."""
    if kind.name == "measure-link" and isinstance(entry, dict) and "id" not in entry \
            and isinstance(entry.get("measure"), str):
        entry["id"] = entry["measure"]


def _decimal(value: float) -> str:
    """A number as xsd:decimal lexical form (no exponent)."""
    return format(value, "f").rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def _plain(value: Any) -> Any:
    """LineDicts back to plain dicts so YAML can dump a condition."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def source_files(kb_dir: Path = KB_DIR) -> list[Path]:
    """The knowledge source files in compile order: shared vocabularies first, then sectors."""
    kb_dir = Path(kb_dir)
    return sorted((kb_dir / "shared").glob("*.yaml")) + sorted((kb_dir / "sectors").glob("*.yaml"))


def source_version(kb_dir: Path = KB_DIR, ontology_dir: Path = ONTOLOGY_DIR) -> str:
    """The knowledge base version: package version plus a hash of every source file.

    A store built from other sources has another version, so a stale store is detected at start.
    """
    digest = hashlib.sha256()
    for path in [*(Path(ontology_dir) / n for n in SCHEMA_FILES), *source_files(kb_dir)]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:12]}"


def compile_kb(kb_dir: Path = KB_DIR, ontology_dir: Path = ONTOLOGY_DIR) -> CompiledKB:
    """Compile the knowledge sources; raises SourceError listing every problem found."""
    return Compiler(kb_dir, ontology_dir).compile()
