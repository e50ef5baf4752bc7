"""The diagnostic engine: surveys in, diagnoses out."""
