"""The CPKB schema (TBox), SHACL shapes and the checks run by `cpkb check`."""

from pathlib import Path

ONTOLOGY_DIR = Path(__file__).resolve().parent
SCHEMA_FILES = ("cpkb.ttl", "vocabularies.ttl")
SHAPES_FILE = ONTOLOGY_DIR / "shapes.ttl"
