"""IRIs of the CPKB vocabulary, its data and its named graphs, in one place."""

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

BASE = "https://w3id.org/cpkb/"
CPKB = Namespace(BASE + "def/")
ID = Namespace(BASE + "id/")
GRAPH = Namespace(BASE + "graph/")
QUDT = Namespace("http://qudt.org/schema/qudt/")

KB_IRI = ID["kb"]  # the knowledge base as a whole: carries its version

PREFIXES = {
    "cpkb": str(CPKB),
    "cpkbid": str(ID),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "qudt": str(QUDT),
}


def sparql_prefixes() -> str:
    """The PREFIX declarations every CPKB query may use, on one line with no line break after it, so that a
    parser's line numbers still point at the user's own lines."""
    return "".join(f"PREFIX {p}: <{iri}> " for p, iri in PREFIXES.items())
