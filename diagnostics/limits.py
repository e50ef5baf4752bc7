"""The bounds on the work one survey may cause, read from the declared settings (cpkb/settings.py).

Whatever a survey holds, reading it costs at most these: nesting depth, unit text, sheet rows,
enterprises and text length (survey text quoted back in messages is cut further by shown()).
"""

from __future__ import annotations

import reprlib
from dataclasses import dataclass, fields
from typing import Any

from cpkb.settings import load_settings


@dataclass(frozen=True)
class SurveyLimits:
    max_yaml_depth: int = 64
    max_unit_chars: int = 64
    max_unit_exponent: int = 12
    unit_cache_entries: int = 4096
    max_xlsx_uncompressed_bytes: int = 200 * 1024 * 1024
    max_xlsx_compression_ratio: float = 200.0
    max_sheet_rows: int = 200000
    max_enterprises: int = 50000
    max_name_chars: int = 300

    @classmethod
    def from_settings(cls, settings: dict[str, Any] | None = None) -> "SurveyLimits":
        """The limits of these settings (the environment's when None); unknown keys are ignored."""
        settings = settings if settings is not None else load_settings()
        return cls(**{f.name: type(f.default)(settings[f.name]) for f in fields(cls) if f.name in settings})


def shown(value: Any, limit: int = 120) -> str:
    """repr() of survey text for a message, cut to about `limit` characters, so that a 3-million-character
    name never becomes a 3 MB error (reprlib: containers are cut before they are printed whole)."""
    if isinstance(value, str) and len(value) > limit:
        return repr(value[:limit]) + f"… ({len(value):,} characters)"
    if isinstance(value, (bytes, bytearray)):
        return f"<{len(value):,} bytes>"
    cut = reprlib.Repr()
    cut.maxstring = cut.maxother = max(8, limit)
    cut.maxlist = cut.maxtuple = cut.maxdict = cut.maxset = cut.maxfrozenset = 6
    cut.maxlevel = 3
    text = cut.repr(value)
    return text if len(text) <= limit else text[:limit] + "…"
