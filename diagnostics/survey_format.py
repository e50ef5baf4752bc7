"""The survey format shared by its readers (survey.py, workbook.py) and the template (template.py): the format
version, the fields each part of a survey may hold, the fixed choice values, and the problem and error types.

It imports nothing of the other survey modules, so each of them can build on it without importing the others.
"""

from __future__ import annotations

from dataclasses import dataclass

SURVEY_VERSION = 1
TOP_FIELDS = frozenset({"cpkb_survey", "scope", "names", "enterprises"})
SCOPE_FIELDS = ("title", "sector", "pilot_type", "region", "basin", "park", "year", "technique_lists_complete")
SCOPE_ZH = {"title": "标题", "sector": "行业", "pilot_type": "试点类型", "region": "区域", "basin": "流域",
            "park": "园区", "year": "年份", "technique_lists_complete": "技术清单完整"}
ENTERPRISE_FIELDS = frozenset({"id", "name", "output", "materials", "processes", "indicators", "emissions", "streams",
                               "facts"})
OUTPUT_FIELDS = frozenset({"product", "unit", "value"})
PROCESS_FIELDS = frozenset({"process", "techniques", "complete"})
INDICATOR_FIELDS = frozenset({"indicator", "process", "unit", "value"})
MATERIAL_FIELDS = frozenset({"material", "process", "properties", "unit", "value"})
PROPERTY_FIELDS = frozenset({"property", "unit", "value"})
EMISSION_FIELDS = frozenset({"o2_ref_pct", "o2_measured_pct", "point", "pollutant", "process", "stage", "unit",
                             "value", "fate"})   # fate: where the effluent goes (直排, 纳管), free text
# monitoring points an emission figure may state (the vocabulary of requirement limits, ontology MonitoringPoint)
EMISSION_POINTS = ("workshop-outlet", "total-outlet", "stack", "boundary", "process")
STREAM_FIELDS = frozenset({"direction", "resource", "value", "unit", "temperature_c", "process", "fate", "properties"})

PILOT_TYPES = ("sector", "park", "region", "basin")
STAGES = ("generated", "emitted")
DIRECTIONS = ("out", "in")


@dataclass(frozen=True)
class SurveyProblem:
    """One thing wrong in a survey: where (field path, or sheet and cell), what, and how to fix it — in English
    (`message`) and Chinese (`zh`; falls back to the English text where a reader gave none). `fatal`: nothing can
    be diagnosed while it stands (no sector, no enterprises); other problems without an enterprise are scope
    problems that `exclude_invalid` sets aside."""

    place: str
    message: str
    enterprise: str | None = None
    zh: str | None = None
    fatal: bool = False

    def text(self, lang: str = "en") -> str:
        return (self.zh or self.message) if lang == "zh" else self.message

    def as_dict(self) -> dict:
        return {"place": self.place, "message": self.message, "enterprise": self.enterprise,
                "messages": {"zh": self.zh or self.message, "en": self.message}}

    def __str__(self) -> str:
        return f"{self.place}: {self.message}"

    def show(self, lang: str = "en") -> str:
        return f"{self.place}: {self.text(lang)}"


class SurveyError(Exception):
    """A survey that cannot be diagnosed; `problems` lists every problem found, each placed."""

    def __init__(self, problems: list[SurveyProblem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the survey:\n" + "\n".join(f"  {p}" for p in problems))
