"""The knowledge graph as the engine reads it after the Knowledge is built: read-only, and cheap to pickle.

rdflib's Graph unpickles as slowly as it is built (every term is rebuilt, every index refilled), which made a
cached Knowledge no faster than reading the store again. This index keeps terms as plain text (an IRI as its
string, a blank node as "_:id", a literal as (text, language, datatype)) and makes rdflib terms only for what a
diagnosis looks up, once each. It answers the part of Graph's API the engine, the reader and the web use, in
Graph's own order (objects of a subject and predicate, and subjects of a predicate and object, in the order the
triples were added).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

Encoded = str | tuple[str, str | None, str | None]


def _encode(term: Node) -> Encoded:
    if isinstance(term, Literal):
        return (str(term), term.language, str(term.datatype) if term.datatype is not None else None)
    if isinstance(term, BNode):
        return "_:" + str(term)
    return str(term)


class CompactGraph:
    """Triples indexed by subject and predicate (and, made on first need, by predicate and object)."""

    def __init__(self, graph: Graph, dropped: Iterable[Node] = ()):
        """The triples of an rdflib Graph but those of the dropped predicates, in the Graph's orders."""
        self._dropped = frozenset(map(str, dropped))
        self._spo: dict[str, dict[str, list[Encoded]]] = {}
        self._pos: dict[str, dict[Encoded, list[str]]] = {}
        self._terms: dict[Encoded, Node] = {}
        shared: dict[Encoded, Encoded] = {}   # one object per distinct text: pickle writes each once
        one = lambda term: shared.setdefault(_encode(term), _encode(term))  # noqa: E731
        predicates = {}
        for s in graph.subjects(unique=True):
            kept = self._spo[one(s)] = {}
            for p, o in graph.predicate_objects(s):
                if str(p) not in self._dropped:
                    kept.setdefault(one(p), []).append(one(o))
                    predicates[one(p)] = p
        for name, p in predicates.items():   # Graph.subjects(p, o) lists subjects in the order they were added
            by_object = self._pos[name] = {}
            for s, o in graph.subject_objects(p):
                by_object.setdefault(one(o), []).append(one(s))
        self._size = sum(len(objects) for predicates_ in self._spo.values() for objects in predicates_.values())

    # pickled as the two indexes of plain text; the rdflib terms are made again on demand
    def __getstate__(self) -> dict:
        return {"spo": self._spo, "pos": self._pos, "size": self._size, "dropped": self._dropped}

    def __setstate__(self, state: dict) -> None:
        self._spo, self._pos, self._size, self._terms = state["spo"], state["pos"], state["size"], {}
        self._dropped = state["dropped"]

    def _kept(self, predicate: Node) -> str:
        """The predicate as a key; a dropped one is refused, so that no reader takes its absence for an answer."""
        name = str(predicate)
        if name in self._dropped:
            raise LookupError(f"{name} is not kept in the engine's graph (knowledge.DROPPED): read it while the "
                              "Knowledge is built (load_knowledge), not from kb.graph")
        return name

    def __len__(self) -> int:
        return self._size

    def _term(self, encoded: Encoded) -> Node:
        found = self._terms.get(encoded)
        if found is None:
            if type(encoded) is tuple:
                text, lang, datatype = encoded
                found = Literal(text, lang=lang) if lang else \
                    Literal(text, datatype=URIRef(datatype) if datatype else None)
            elif encoded.startswith("_:"):
                found = BNode(encoded[2:])
            else:
                found = URIRef(encoded)
            self._terms[encoded] = found
        return found

    def objects(self, subject: Node | None = None, predicate: Node | None = None) -> Iterator[Node]:
        if subject is None or predicate is None:
            yield from (o for _, _, o in self.triples((subject, predicate, None)))
            return
        for encoded in self._spo.get(_encode(subject), {}).get(self._kept(predicate), ()):
            yield self._term(encoded)

    def subjects(self, predicate: Node | None = None, object: Node | None = None,  # noqa: A002
                 unique: bool = False) -> Iterator[Node]:
        if predicate is None or object is None:
            seen = set()   # as Graph.subjects: a subject of several triples comes again, unless unique
            for s, _, _ in self.triples((None, predicate, object)):
                if not unique or s not in seen:
                    seen.add(s)
                    yield s
            return
        for encoded in self._pos.get(self._kept(predicate), {}).get(_encode(object), ()):
            yield self._term(encoded)

    def subject_objects(self, predicate: Node) -> Iterator[tuple[Node, Node]]:
        for s, _, o in self.triples((None, predicate, None)):
            yield s, o

    def value(self, subject: Node | None = None, predicate: Node | None = None,
              object: Node | None = None, default=None, any: bool = True):  # noqa: A002 - Graph.value's names
        """The first object of subject and predicate (or subject of predicate and object), as Graph.value gives."""
        if subject is None and object is None or predicate is None:
            raise ValueError("CompactGraph.value needs a predicate and a subject or an object")
        found = self.objects(subject, predicate) if object is None else self.subjects(predicate, object)
        return next(found, default)

    def __contains__(self, triple: tuple[Node, Node, Node]) -> bool:
        s, p, o = triple
        return _encode(o) in self._spo.get(_encode(s), {}).get(self._kept(p), ())

    def triples(self, pattern: tuple[Node | None, Node | None, Node | None]) -> Iterator[tuple[Node, Node, Node]]:
        s, p, o = pattern
        if p is None and self._dropped:
            raise LookupError("the engine's graph does not keep every predicate (knowledge.DROPPED): name one")
        if s is not None:
            for pred, objects in self._spo.get(_encode(s), {}).items():
                if p is None or pred == self._kept(p):
                    for encoded in objects:
                        if o is None or encoded == _encode(o):
                            yield s, self._term(pred), self._term(encoded)
            return
        if p is not None:
            for encoded_o, subjects in self._pos.get(self._kept(p), {}).items():
                if o is None or encoded_o == _encode(o):
                    for encoded_s in subjects:
                        yield self._term(encoded_s), p, self._term(encoded_o)
            return
        for encoded_s, predicates in self._spo.items():
            for pred, objects in predicates.items():
                for encoded in objects:
                    if o is None or encoded == _encode(o):
                        yield self._term(encoded_s), self._term(pred), self._term(encoded)

    def __iter__(self) -> Iterator[tuple[Node, Node, Node]]:
        return self.triples((None, None, None))

    def transitive_objects(self, subject: Node, predicate: Node) -> Iterator[Node]:
        """The subject, then what it reaches through the predicate, each once (Graph.transitive_objects)."""
        yield from self._walk(subject, lambda node: self.objects(node, predicate))

    def transitive_subjects(self, predicate: Node, object: Node) -> Iterator[Node]:  # noqa: A002
        """The object, then what reaches it through the predicate, each once (Graph.transitive_subjects)."""
        yield from self._walk(object, lambda node: self.subjects(predicate, node))

    @staticmethod
    def _walk(start: Node, step) -> Iterator[Node]:
        seen: set[Node] = set()
        pending = [start]
        while pending:
            node = pending.pop()
            if node in seen:
                continue
            seen.add(node)
            yield node
            pending.extend(reversed(list(step(node))))
