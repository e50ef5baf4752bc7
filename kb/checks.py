"""The checks of `cpkb check`: SHACL shapes, dangling references and OWL consistency (HermiT).

They live beside the compiler because they read what it produced (the dataset and where each entry came
from); the ontology package holds only the schema files they check against.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH

from cpkb.ontology import SHAPES_FILE

from .compile import CompiledKB
from .namespaces import BASE, CPKB, ID


@dataclass(frozen=True)
class Finding:
    """One failed check, placed at the source entry when it can be."""

    check: str      # shacl | references | owl
    where: str      # file:line [entry], or the IRI when no source location is known
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message} ({self.check})"


def union_graph(compiled: CompiledKB) -> Graph:
    """All named graphs of the compiled dataset as one graph."""
    graph = Graph()
    for g in compiled.dataset.graphs():
        for triple in g:
            graph.add(triple)
    return graph


def _place(compiled: CompiledKB, node: object) -> str:
    """file:line [entry] of the source entry a node belongs to (effects, benchmarks… belong to their entry)."""
    if isinstance(node, URIRef):
        base = URIRef(str(node).split("#", 1)[0])
        located = compiled.locations.get(base)
        if located:
            entry = str(base)[len(str(ID)):]
            line = f":{located.line}" if located.line else ""
            return f"{located.file.relative_to(located.file.parents[1])}{line} [{entry}]"
    return str(node)


def check_shacl(compiled: CompiledKB, graph: Graph | None = None) -> list[Finding]:
    """Validate against ontology/shapes.ttl; one finding per violation, named by file, entry and shape."""
    from pyshacl import validate

    graph = graph if graph is not None else union_graph(compiled)
    shapes = Graph().parse(SHAPES_FILE, format="turtle")
    conforms, results, _ = validate(graph, shacl_graph=shapes, inference="none", advanced=True,
                                    allow_warnings=True)
    if conforms:
        return []
    findings = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        message = results.value(result, SH.resultMessage)
        shape = results.value(result, SH.sourceShape)
        value = results.value(result, SH.value)
        path_text = _short(path) if path is not None else ""
        message = re.sub(r" on <[^>]*>->\S+", "", str(message))
        shape = shapes.value(None, SH.property, shape) or shape
        detail = f"{path_text}: {message}" if path_text else str(message)
        if value is not None and not str(message).startswith(("needs", "a ", "every")):
            detail += f" (value {value})"
        findings.append(Finding("shacl", _place(compiled, focus), f"{detail} [shape {_short(shape)}]"))
    return sorted(findings, key=str)


def _short(term: object) -> str:
    text = str(term)
    for prefix, ns in (("cpkb:", str(CPKB)), ("shape:", f"{BASE}shapes/"), ("skos:", "http://www.w3.org/2004/02/skos/core#"),
                       ("dcterms:", "http://purl.org/dc/terms/")):
        if text.startswith(ns):
            return prefix + text[len(ns):]
    return text


def check_references(compiled: CompiledKB, graph: Graph | None = None) -> list[Finding]:
    """Every CPKB IRI used as an object must be described, and every cpkb: term must exist in the ontology."""
    graph = graph if graph is not None else union_graph(compiled)
    typed = set(graph.subjects(RDF.type, None))
    findings = []
    for s, p, o in graph:
        if isinstance(o, URIRef) and str(o).startswith(str(ID)) and o not in typed:
            findings.append(Finding("references", _place(compiled, s), f"{_short(p)} points to {o}, which is not defined"))
        for term in (p, o):
            if isinstance(term, URIRef) and str(term).startswith(str(CPKB)) and (term, None, None) not in graph:
                findings.append(Finding("references", _place(compiled, s), f"{_short(term)} is not a term of the ontology"))
    return sorted(set(findings), key=str)


def check_owl(compiled: CompiledKB, graph: Graph | None = None) -> list[Finding]:
    """Run HermiT (through owlready2, needs Java) over ontology plus knowledge; report inconsistency."""
    import owlready2

    graph = graph if graph is not None else union_graph(compiled)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cpkb.nt"
        graph.serialize(path, format="nt", encoding="utf-8")
        world = owlready2.World()
        try:
            onto = world.get_ontology(path.as_uri()).load()
            with onto:
                owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError:
            return [Finding("owl", "ontology + knowledge", "HermiT finds the knowledge base inconsistent: an entry "
                            "belongs to two disjoint classes, or a property links entries of the wrong kinds "
                            "(domain/range). The SHACL and reference findings above usually name the entry.")]
        except (OSError, owlready2.base.OwlReadyError) as exc:
            return [Finding("owl", "reasoner", f"HermiT could not run: {exc}. Is Java (JRE ≥ 8) installed?")]
        unsat = list(world.inconsistent_classes())
        return [Finding("owl", _short(c.iri), "class is unsatisfiable (no individual can belong to it)") for c in unsat]


def java_available() -> bool:
    """True when a Java runtime is on PATH (HermiT needs one)."""
    return any((Path(d) / "java").exists() for d in os.environ.get("PATH", "").split(os.pathsep))
