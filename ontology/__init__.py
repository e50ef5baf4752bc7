"""The CPKB schema (TBox) and SHACL shapes; `kb/checks.py` runs them for `cpkb check`."""

from pathlib import Path

ONTOLOGY_DIR = Path(__file__).resolve().parent
SCHEMA_FILES = ("cpkb.ttl", "vocabularies.ttl")
SHAPES_FILE = ONTOLOGY_DIR / "shapes.ttl"
