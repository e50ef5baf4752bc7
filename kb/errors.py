"""Errors in knowledge sources, each placed at file, line and entry."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SourceProblem:
    """One thing wrong in a knowledge source file."""

    file: Path
    line: int | None
    entry: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}" + (f":{self.line}" if self.line else "")
        entry = f" [{self.entry}]" if self.entry else ""
        return f"{where}{entry}: {self.message}"


class SourceError(Exception):
    """Raised when knowledge sources have problems; carries every problem found, not just the first."""

    def __init__(self, problems: list[SourceProblem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the knowledge sources:\n" + "\n".join(f"  {p}" for p in problems))
