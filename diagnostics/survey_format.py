"""The survey format shared by its readers (survey.py, workbook.py) and the template (template.py): the format
version, the fields each part of a survey may hold, the fixed choice values, the layout of the workbook (one sheet
per list), and the problem and error types.

It imports nothing of the other survey modules, so each of them can build on it without importing the others.
"""

from __future__ import annotations

from dataclasses import dataclass

SURVEY_VERSION = 1
TOP_FIELDS = frozenset({"cpkb_survey", "scope", "names", "enterprises"})
SCOPE_FIELDS = ("title", "sector", "pilot_type", "region", "basin", "park", "year", "pollutants",
                "technique_lists_complete")
SCOPE_ZH = {"title": "标题", "sector": "行业", "pilot_type": "试点类型", "region": "区域", "basin": "流域",
            "park": "园区", "year": "年份", "pollutants": "特征污染物", "technique_lists_complete": "技术清单完整"}
ENTERPRISE_FIELDS = frozenset({"id", "name", "sector", "output", "materials", "processes", "indicators", "emissions",
                               "streams", "facts"})   # sector: an enterprise of another sector in a basin/park survey
OUTPUT_FIELDS = frozenset({"product", "unit", "value"})
PROCESS_FIELDS = frozenset({"process", "techniques", "complete"})
INDICATOR_FIELDS = frozenset({"indicator", "process", "unit", "value"})
MATERIAL_FIELDS = frozenset({"material", "process", "properties", "unit", "value", "note"})   # note: kept as written
PROPERTY_FIELDS = frozenset({"property", "unit", "value"})
EMISSION_FIELDS = frozenset({"o2_ref_pct", "o2_measured_pct", "point", "pollutant", "process", "stage", "unit",
                             "value", "fate"})   # fate: where the effluent goes (直排, 纳管), free text
# monitoring points an emission figure may state (the vocabulary of requirement limits, ontology MonitoringPoint)
EMISSION_POINTS = ("workshop-outlet", "total-outlet", "stack", "boundary", "in-plant", "process")
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


# ---------------------------------------------------------------------- the layout of the workbook
# (read by workbook.py, written by template.py: kept here so that neither imports the other for it)


@dataclass(frozen=True)
class Column:
    key: str            # field name of survey.md (or a reference column of the sheet)
    zh: str
    en: str
    kind: str = "text"  # text | number | any (numbers kept as numbers, text as text)
    list_name: str | None = None   # drop-down list of the template
    help: str = ""

    @property
    def header(self) -> str:
        return f"{self.zh} {self.en}"


@dataclass(frozen=True)
class Sheet:
    key: str
    zh: str
    en: str
    columns: tuple[Column, ...]
    help_zh: str = ""
    help_en: str = ""

    @property
    def title(self) -> str:
        return f"{self.zh} {self.en}"


ENT = Column("enterprise", "企业编号", "enterprise", list_name=None, help="the id of the enterprises sheet")
SCOPE = Sheet("scope", "范围", "scope", (Column("field", "字段", "field"), Column("value", "值", "value", "any")),
              "每行一项：标题、行业、试点类型、区域、流域、园区、年份；全调查共用的事实写作 facts.键名。",
              "One item per row: title, sector, pilot_type, region, basin, park, year; survey-wide facts as facts.KEY.")
SHEETS: tuple[Sheet, ...] = (
    SCOPE,
    Sheet("enterprises", "企业", "enterprises",
          (Column("id", "企业编号", "id", "any"), Column("name", "企业名称", "name")),
          "每家企业一行，编号在本调查内唯一。", "One row per enterprise; ids unique within the survey."),
    Sheet("output", "产量", "output",
          (ENT, Column("product", "产品", "product", list_name="product"), Column("value", "数值", "value", "number"),
           Column("unit", "单位", "unit", list_name="unit")),
          "主要产品年产量；一家企业多种产品时写多行。", "Annual output of the main product; several rows for several products."),
    Sheet("materials", "原辅材料", "materials",
          (ENT, Column("material", "材料", "material", list_name="material"), Column("value", "数值", "value", "number"),
           Column("unit", "单位", "unit", list_name="unit"), Column("process", "工序", "process", list_name="process")),
          "原辅材料及能源年用量。", "Raw and auxiliary materials and fuels per year."),
    Sheet("material_properties", "材料属性", "material properties",
          (ENT, Column("material", "材料", "material", list_name="material"),
           Column("material_process", "材料所在工序", "material process", list_name="process"),
           Column("property", "属性", "property", list_name="property"), Column("value", "数值", "value", "number"),
           Column("unit", "单位", "unit", list_name="unit")),
          "材料的属性；按企业编号、材料（和工序）对应到原辅材料表中的一行。",
          "Properties of a material, matched to the materials row of the same enterprise, material (and process)."),
    Sheet("processes", "工序与工艺", "processes",
          (ENT, Column("process", "工序", "process", list_name="process"),
           Column("techniques", "工艺装备", "techniques", list_name="technique",
                  help="several separated by 、 ; or ,"),
           Column("complete", "清单完整", "complete", "any", list_name="yesno",
                  help="是 = this row names every technique in use in the process")),
          "每家企业每个工序一行；在用工艺/装备用 、 ; 或 , 分隔。“清单完整”填“是”表示已列出该工序在用的全部"
          "工艺装备（未列出即为未采用）；不填则未列出的工艺只作“待现场核实”。",
          "One row per enterprise and process; techniques in use separated by 、 ; or ,. Answer 'complete' yes when the "
          "row names every technique in use (what is not listed is not used); otherwise findings resting on a "
          "missing technique are only 'to verify on site'."),
    Sheet("indicators", "指标", "indicators",
          (ENT, Column("indicator", "指标", "indicator", list_name="indicator"), Column("value", "数值", "value", "any"),
           Column("unit", "单位", "unit", list_name="unit"), Column("process", "工序", "process", list_name="process")),
          "评价指标实测值；定性指标填达到的级别 I、II、III 或 none。",
          "Measured indicator values; a qualitative indicator takes the level reached: I, II, III or none."),
    Sheet("emissions", "污染物", "emissions",
          (ENT, Column("pollutant", "污染物", "pollutant", list_name="pollutant"),
           Column("value", "数值", "value", "number"), Column("unit", "单位", "unit", list_name="unit"),
           Column("stage", "环节", "stage", list_name="stage", help="generated 产生量 | emitted 排放量"),
           Column("process", "工序或排口", "process", list_name="process"),
           Column("o2_ref_pct", "基准氧含量%", "o2_ref_pct", "number"),
           Column("o2_measured_pct", "实测氧含量%", "o2_measured_pct", "number"),
           Column("point", "监控位置", "point",
                  help="workshop-outlet 车间排口 | total-outlet 总排口 | stack 排气筒 | boundary 厂界 | "
                       "in-plant 厂区内监控点"),
           Column("fate", "去向", "fate", help="where the effluent goes: 直排 | 纳管 / 间接排放")),
          "污染物年产生量或排放量、浓度或单位产品产生量。", "Annual loads, concentrations or factors per unit product."),
    Sheet("streams", "资源流", "streams",
          (ENT, Column("direction", "方向", "direction", list_name="direction", help="out 产出 | in 需求"),
           Column("resource", "资源", "resource", list_name="resource"), Column("value", "数值", "value", "number"),
           Column("unit", "单位", "unit", list_name="unit"), Column("temperature_c", "温度℃", "temperature_c", "number"),
           Column("process", "工序", "process", list_name="process"), Column("fate", "去向", "fate")),
          "园区审核：企业产出的余热、副产物和需要的资源。", "Park audits: resources out of and into the enterprise."),
    Sheet("stream_properties", "资源流属性", "stream properties",
          (ENT, Column("direction", "方向", "direction", list_name="direction"),
           Column("resource", "资源", "resource", list_name="resource"),
           Column("stream_process", "资源流所在工序", "stream process", list_name="process"),
           Column("property", "属性", "property", list_name="property"), Column("value", "数值", "value", "number"),
           Column("unit", "单位", "unit", list_name="unit")),
          "资源流的品质；按企业编号、方向、资源（和工序）对应到资源流表中的一行。",
          "Quality of a stream, matched to the streams row of the same enterprise, direction, resource (and process)."),
    Sheet("facts", "事实", "facts",
          (ENT, Column("fact", "事实", "fact", list_name="fact"), Column("value", "回答", "value", "any")),
          "规则需要的事实，每家企业每个事实一行：是/否、数值或选项。",
          "Facts rules ask for, one row per enterprise and fact: yes/no, a number or a choice."),
)
SHEET_BY_KEY = {s.key: s for s in SHEETS}
