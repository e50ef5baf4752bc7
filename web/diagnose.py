"""The diagnosis pages: upload a survey (or pick an example), read the report, download it.

The web tier stays stateless: the report page carries the diagnosis result in its download forms, and a
download re-renders that result (JSON, XLSX, DOCX) without keeping anything on the server.
"""

from __future__ import annotations

import atexit
import base64
import functools
import hashlib
import hmac
import json
import re
from pathlib import Path
from types import SimpleNamespace

from flask import Blueprint, Response, abort, current_app, render_template, request, send_from_directory, session, url_for
from markupsafe import Markup

from cpkb.diagnostics import charts, report
from cpkb.diagnostics.report_content import POTENTIAL_HEADING, build_report, causes_by_problem
from cpkb.diagnostics.template import sector_template
from cpkb.settings import format_bytes

from .diagnose_start import RETRY_AFTER_LOADING_S, DiagnoserSlot, StillLoading
from .i18n import UI, pick, request_language, ui_text
from .index import ID_BASE, get_index, href_of
from .render import negotiate, to_json_response
from .security import check_csrf, same_secret
from .store_handle import get_store

bp = Blueprint("diagnose", __name__)

SURVEY_SUFFIXES = (".xlsx", ".json", ".yaml", ".yml", ".csv")
LEVEL_ORDER = ["I", "II", "III", "below III", "not rated"]


def sign(result_json: str) -> str:
    """HMAC of a result as the page carries it, so a download renders only what this server diagnosed."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, result_json.encode("utf-8"), hashlib.sha256).hexdigest()


def _examples_dir() -> Path:
    configured = current_app.config["CPKB"].get("examples_dir")
    return Path(configured) if configured else Path(__file__).resolve().parents[1] / "examples"


def examples() -> list[str]:
    folder = _examples_dir()
    if not folder.is_dir():
        return []
    # *.expected.yaml hold an audit team's own findings for comparison, not surveys: never offered as one
    return sorted(p.name for p in folder.iterdir() if p.suffix.lower() in SURVEY_SUFFIXES and p.is_file()
                  and not p.name.endswith(".expected.yaml"))


def _form_data(errors=None, message=None, chosen: str | None = None) -> dict:
    index, lang = get_index(), request_language()
    sectors = [{"sector": index.term(s, lang), "key": s[len(ID_BASE):],
                "href": url_for("diagnose.template", sector=s[len(ID_BASE):])}
               for s in index.by_kind.get("Sector", []) if sum(index.sector_counts.get(s, {}).values())]
    return {"examples": examples(), "templates": sectors,
            "errors": errors or [], "message": message, "chosen": chosen or "",
            "max_upload_bytes": int(current_app.config["CPKB"]["max_upload_bytes"]),
            "upload_limit": format_bytes(int(current_app.config["CPKB"]["max_upload_bytes"]))}


def _wants_json() -> bool:
    return request.path.endswith(".json") or negotiate(["html", "json"]) == "json"


@bp.route("/diagnose", methods=["GET"])
@bp.route("/diagnose.json", methods=["GET"])
def form():
    start_diagnoser()  # a visitor of the form is about to upload: the workers load the knowledge meanwhile
    data = _form_data()
    if _wants_json():
        return to_json_response(data)
    return render_template("diagnose/form.html", d=data)


IGNORE = "__ignore__"


def _names_view(survey, upload: tuple[bytes, str]) -> dict:
    """The confirmation table: each unresolved name with its suggestions, and the survey carried back."""
    lang = request_language()
    data, filename = upload
    return {"rows": [{"name": r["name"], "kind": r["kind"], "kind_label": r["kind_label"][lang],
                      "enterprises": r["enterprises"], "enterprise_ids": r.get("enterprise_ids", [])[:8],
                      "places": [{"path": p, "said": place_words(p, lang)} for p in r["places"][:3]],
                      "count": r["count"],
                      "suggestions": [{"iri": s["iri"], "label": s["label"][lang], "score": s["score"]}
                                      for s in r["suggestions"]]} for r in survey.unresolved],
            "survey_b64": base64.b64encode(data).decode("ascii"), "filename": filename,
            "exclude_invalid": bool(request.form.get("exclude_invalid"))}


_SECTION_WORDS = {
    "scope": ("调查范围", "scope"), "facts": ("调查问题", "question"), "indicators": ("指标", "indicator"),
    "materials": ("原辅材料", "material"), "processes": ("工序", "process"), "techniques": ("工艺/装备", "technique"),
    "emissions": ("排放", "emission"), "output": ("产量", "output"), "streams": ("物流", "stream"),
    "names": ("名称对照", "name map"), "properties": ("物料属性", "property"),
}


def place_words(path: str, lang: str) -> str:
    """A survey place said in words for the page (`enterprises[1].materials[3].material` → 第2家企业 · 原辅材料第4项);
    the path itself stays in the page as the cell's title, for finding it in the file."""
    zh = lang == "zh"
    cell = re.search(r"\s*\(([^()]*)\)$", path)   # an XLSX cell appended by the reader, e.g. (企业!B3)
    words = []
    for part in (path[:cell.start()] if cell else path).split("."):
        m = re.fullmatch(r"([A-Za-z_]+)\[(\d+)\]", part)
        name, index = (m.group(1), int(m.group(2)) + 1) if m else (part, None)
        if name == "enterprises" and index:
            words.append(f"第{index}家企业" if zh else f"enterprise {index}")
        elif name in _SECTION_WORDS:
            said = _SECTION_WORDS[name][0 if zh else 1]
            words.append(f"{said}第{index}项" if zh and index else f"{said} {index}" if index else said)
        elif words and words[-1].startswith(("调查问题", "question")):
            words.append(f"「{part}」" if zh else f"“{part}”")
    if cell:
        words.append(cell.group(1))
    return " · ".join(words) or path


def _read_upload() -> tuple[bytes, str] | None:
    """The survey of this request: an uploaded file, an example by name, the survey carried back by the name
    confirmation step, or a raw body with ?filename=."""
    carried = request.form.get("survey_b64")
    if carried:
        try:
            return base64.b64decode(carried, validate=True), Path(request.form.get("filename") or "survey.json").name
        except ValueError:
            abort(400)
    upload = request.files.get("survey")
    if upload is not None and upload.filename:
        return upload.read(), Path(upload.filename).name
    example = request.form.get("example") or request.args.get("example")
    if example:
        if example not in examples():
            abort(404)
        return (_examples_dir() / example).read_bytes(), example
    if request.mimetype not in ("multipart/form-data", "application/x-www-form-urlencoded") and request.data:
        return request.get_data(), request.args.get("filename") or _filename_for(request.mimetype)
    return None


def _filename_for(mimetype: str) -> str:
    return {"application/json": "survey.json", "application/x-yaml": "survey.yaml", "application/yaml": "survey.yaml",
            "text/csv": "survey.csv"}.get(mimetype, "survey.xlsx")


def _names_chosen() -> list[dict] | None:
    """The name map of the confirmation step: for each name the concept chosen, 忽略, or nothing (kept)."""
    if not request.form.get("names_confirmed"):
        return None
    chosen = []
    for key, written in request.form.items():
        if not key.startswith("name_"):
            continue
        use = request.form.get("use_" + key[5:], "")
        if use:
            chosen.append({"name": written, "kind": request.form.get("kind_" + key[5:]) or None,
                           "use": None if use == IGNORE else use})
    return chosen


_EXTENSION = "cpkb_diagnoser"
NO_WORKER = "diagnosis workers did not start"  # the 503 for a pool that could not start (vs. all workers busy)
LOADING = "diagnosis workers loading"  # the 503 while the workers still load the knowledge base


def _diagnoser_slot(app) -> DiagnoserSlot:
    slot = app.extensions.get(_EXTENSION)
    if slot is None:
        def prepare() -> None:  # the store is built when missing, before the workers open it
            with app.app_context():
                get_store()

        slot = app.extensions.setdefault(_EXTENSION, DiagnoserSlot(app.config["CPKB"], prepare))
        atexit.register(slot.close)
    return slot


def start_diagnoser(app=None) -> None:
    """Begin loading the diagnosis workers in the background (a visitor of the upload form will want them)."""
    _diagnoser_slot(app or current_app._get_current_object()).start()


def get_diagnoser(wait_s: float | None = None):
    """The app's Diagnoser (worker processes with memory and time limits), started on first use; StillLoading
    when it is not ready within wait_s (default: the setting diagnose_start_wait_s)."""
    app = current_app._get_current_object()
    if wait_s is None:
        wait_s = float(app.config["CPKB"]["diagnose_start_wait_s"])
    return _diagnoser_slot(app).get(wait_s)


def close_diagnoser(app) -> None:
    """Stop the app's diagnosis workers (tests and shutdown); the next use starts new ones."""
    slot = app.extensions.pop(_EXTENSION, None)
    if slot is not None:
        slot.close()


def _warning_text(warning, lang: str):
    """A report warning in the page's language: the reader writes each in both (`messages`); `message` alone
    is English and carries the fallback badge on a Chinese page."""
    if not isinstance(warning, dict):
        return {"text": str(warning), "lang": "", "fallback": False}
    if warning.get("messages"):
        return pick(warning["messages"], lang)
    if not warning.get("message"):
        return _labels(warning, None, lang)
    return pick({"en": str(warning["message"])}, lang)


def _bound_problem(kind: str, filename: str) -> dict:
    """The placed problem shown when a diagnosis hit a bound of the worker rather than an error of the survey."""
    settings = current_app.config["CPKB"]
    texts = {
        "timeout": (f"the diagnosis took longer than {float(settings['diagnose_timeout_s']):g} s (setting "
                    "diagnose_timeout_s) and was stopped. Split the survey, e.g. by county or park.",
                    f"诊断超过 {float(settings['diagnose_timeout_s']):g} 秒（设置 diagnose_timeout_s）被中止。"
                    "请按县区或园区拆分调查表。"),
        "memory": (f"the diagnosis needed more than {int(settings['diagnose_memory_mb'])} MiB of memory (setting "
                   "diagnose_memory_mb) and was stopped. Split the survey, e.g. by county or park.",
                   f"诊断所需内存超过 {int(settings['diagnose_memory_mb'])} MiB（设置 diagnose_memory_mb）被中止。"
                   "请按县区或园区拆分调查表。"),
        "died": (f"the diagnosis of this file stopped its worker: it needed more than the "
                 f"{int(settings['diagnose_memory_mb'])} MiB of memory allowed (setting diagnose_memory_mb) or "
                 "crashed it; the failure was logged. Split the survey or check the file.",
                 f"诊断此文件时工作进程中止：所需内存超过允许的 {int(settings['diagnose_memory_mb'])} MiB"
                 "（设置 diagnose_memory_mb）或进程崩溃，已记录日志。请拆分调查表或检查文件。"),
        "error": ("the diagnosis failed on this file; the failure was logged. Check the file or try again.",
                  "诊断此文件时出错，已记录日志。请检查文件后重试。"),
    }
    en, zh = texts[kind]
    return {"place": filename, "message": en, "enterprise": None, "messages": {"zh": zh, "en": en}}


def _shown(problem: dict) -> dict:
    """A problem as the page or API shows it: `message` in the request language, both kept in `messages`."""
    messages = problem.get("messages") or {"zh": problem.get("message"), "en": problem.get("message")}
    lang = request_language()
    return {**problem, "message": messages.get(lang) or problem.get("message"), "messages": messages}


def _run(upload: tuple[bytes, str], exclude_invalid: bool, confirm: bool = False):
    """(result, None, None) on success, (None, problems, None) when the survey has errors or hit a bound, and
    (None, None, unresolved) when `confirm` asks a person to confirm the unresolved names first. The survey is
    read and diagnosed in a worker process (web/diagnose_worker.py)."""
    data, filename = upload
    confirm = confirm and not request.form.get("names_confirmed")
    try:
        diagnoser = get_diagnoser()
    except StillLoading:  # the knowledge is still loading (a first start on a busy machine): say so and when to retry
        abort(503, description=LOADING)
    except RuntimeError as exc:  # no worker started (a loaded or memory-short server): say so, not a bare 500
        current_app.logger.error("diagnosis workers did not start: %s", exc)
        abort(503, description=NO_WORKER)
    kind, detail = diagnoser.run(data, filename, exclude_invalid, store=get_store(), names=_names_chosen(),
                                       confirm=confirm)
    if kind == "ok":
        return detail, None, None
    if kind == "confirm":
        return None, None, SimpleNamespace(unresolved=detail)
    if kind == "problems":
        return None, [_shown(p) for p in detail], None
    if kind == "busy":
        abort(503, description="diagnosis workers busy")
    if kind in ("error", "died"):
        current_app.logger.error("diagnosis of %s failed in its worker: %s", filename, detail)
    return None, [_shown(_bound_problem(kind, filename))], None


@bp.errorhandler(503)
def _busy(exc):
    """Every diagnosis worker is taken, or none could start: say so and when to retry (other pages keep answering)."""
    key, retry_after = {NO_WORKER: ("diagnosis_no_worker", 60), LOADING: ("diagnosis_loading", RETRY_AFTER_LOADING_S)
                        }.get(exc.description, ("diagnosis_busy", 5))
    text = ui_text(key).format(seconds=retry_after)
    if request.endpoint == "diagnose.api":
        response = to_json_response({"error": text}, 503)
    else:
        response = Response(render_template("diagnose/form.html", d=_form_data(message=text)), 503)
    response.headers["Retry-After"] = str(retry_after)
    return response


@bp.route("/diagnose", methods=["POST"])
def submit():
    """The form: upload or example → the report page, or the form again with the placed errors."""
    check_csrf()
    upload = _read_upload()
    if upload is None:
        return render_template("diagnose/form.html", d=_form_data(message=ui_text("no_file"))), 400
    chosen = request.form.get("example") or None
    result, problems, unconfirmed = _run(upload, bool(request.form.get("exclude_invalid")), confirm=True)
    if problems is not None:
        return render_template("diagnose/form.html", d=_form_data(errors=problems, chosen=chosen)), 422
    if unconfirmed is not None:   # names the knowledge base does not know: a person picks, then the diagnosis runs
        return render_template("diagnose/names.html", d=_names_view(unconfirmed, upload), IGNORE=IGNORE)
    carried = json.dumps(result, ensure_ascii=False)
    return render_template("diagnose/report.html", d=report_view(result), result_json=carried,
                           result_signature=sign(carried))


@bp.route("/api/diagnose", methods=["POST"])
def api():
    """The JSON result of a survey (multipart field `survey`, `example`, or the raw body with ?filename=).

    ?format=html|xlsx|docx returns the report in that form instead. Errors: 422 with the placed problems.
    A request from a browser session of this site (it carries the session cookie) needs the CSRF token.
    """
    if current_app.config.get("SESSION_COOKIE_NAME", "session") in request.cookies:
        check_csrf()
    upload = _read_upload()
    if upload is None:
        return to_json_response({"error": ui_text("no_file")}, 400)
    exclude = (request.form.get("exclude_invalid") or request.args.get("exclude_invalid") or "").lower() in (
        "1", "true", "yes", "on")
    result, problems, _ = _run(upload, exclude)
    if problems is not None:
        return to_json_response({"error": ui_text("survey_errors"), "errors": problems}, 422)
    fmt = request.args.get("format") or request.form.get("format") or "json"
    return _export(result, fmt)


@bp.route("/diagnose/export", methods=["POST"])
def export():
    """Download a report shown on the page: the result travels back in the form, nothing is kept server-side."""
    check_csrf()
    carried = request.form.get("result") or ""
    if not same_secret(sign(carried), request.form.get("signature") or ""):
        abort(400, description="signature")
    return _export(json.loads(carried), request.form.get("format", "json"))


def _export(result: dict, fmt: str) -> Response:
    if fmt == "json":
        response = to_json_response(result)
        if request.endpoint != "diagnose.api":
            response.headers["Content-Disposition"] = "attachment; filename=cpkb-diagnosis.json"
        return response
    if fmt not in ("html", "xlsx", "docx", "records"):
        abort(400, description=f"format {fmt!r} is not one of json, html, xlsx, docx, records")
    lang = request.values.get("lang") or request_language()
    lang = lang if lang in ("zh", "en") else "zh"
    if fmt == "records":  # 一企一档: one Word document per enterprise, in bulk
        from cpkb.diagnostics.audit_records import records_zip

        response = Response(records_zip(result, lang), mimetype="application/zip")
        response.headers["Content-Disposition"] = "attachment; filename=cpkb-audit-records.zip"
        return response
    body = report.to_html(result, lang=lang).encode("utf-8") if fmt == "html" else getattr(report, f"to_{fmt}")(result, lang=lang)
    mimetypes = {"html": "text/html",  # a standalone file with its own styles: downloaded, not shown under the CSP
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
    response = Response(body, mimetype=mimetypes[fmt] + ("; charset=utf-8" if fmt == "html" else ""))
    response.headers["Content-Disposition"] = f"attachment; filename=cpkb-diagnosis.{fmt}"
    return response


@functools.lru_cache(maxsize=4)
def _guide_html(lang: str) -> Markup:
    """The survey guide shipped with the engine (diagnostics/survey_guide.zh.md; the English specification
    diagnostics/survey.md), as HTML. Markdown's raw HTML is off: the page shows the text, never markup from it."""
    from markdown_it import MarkdownIt

    folder = Path(report.__file__).resolve().parent
    source = folder / ("survey_guide.zh.md" if lang == "zh" else "survey.md")
    return Markup(MarkdownIt("commonmark", {"html": False}).enable("table").render(source.read_text(encoding="utf-8")))


@bp.route("/diagnose/guide")
@bp.route("/diagnose/guide.json")
def guide():
    """调查表说明: how to fill in a survey and the template, in Chinese (the English specification for ?lang=en)."""
    lang = "zh" if request_language() == "zh" else "en"
    body = _guide_html(lang)
    if _wants_json():
        return to_json_response({"lang": lang, "html": str(body)})
    return render_template("diagnose/guide.html", body=body, d=_form_data())


@bp.route("/fonts/<name>")
def font(name: str):
    """The CJK font the charts are drawn with (a subset of Noto Sans CJK SC, SIL OFL 1.1), so that a machine
    without Chinese fonts still shows every label; the page's CSS names it after the system's own fonts."""
    if name not in (charts.FONT_FILE.name, "OFL.txt"):
        abort(404)
    return send_from_directory(charts.FONT_DIR, name, max_age=30 * 24 * 3600)


@bp.route("/diagnose/template/<sector>.xlsx")
def template(sector: str):
    """The Excel survey template of one sector, with the knowledge base's names as drop-down lists."""
    iri = ID_BASE + sector
    if get_index().kind(iri) != "Sector":
        abort(404)
    body = sector_template(get_store(), iri)
    response = Response(body, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Content-Disposition"] = f"attachment; filename=cpkb-survey-{sector}.xlsx"
    return response


# ---------------------------------------------------------------------- the report as the page shows it

def _labels(labels: dict | None, iri: str | None, lang: str) -> dict:
    if labels:
        return pick(labels, lang).as_json()
    if iri:
        return get_index().label(iri, lang).as_json()
    return pick({}, lang).as_json()


def _link(iri: str | None, labels: dict | None, lang: str) -> dict | None:
    if not iri and not labels:
        return None
    index = get_index()
    if iri and index.has(iri) and not labels:
        return index.term(iri, lang)
    return {"iri": iri, "href": href_of(iri) if iri else None, "label": _labels(labels, iri, lang), "kind": None}


def _level_label(level: str | None, lang: str) -> str:
    if level in (None, "not rated"):
        return "–"
    if level == "below III":
        return pick(UI["not_rated"], lang).text
    return level


def _pilot_type(key: str | None, lang: str) -> dict | None:
    index = get_index()
    for iri in index.by_kind.get("PilotType", []):
        if index.key(iri) == key:
            return index.term(iri, lang)
    return {"iri": None, "href": None, "label": {"text": key, "lang": lang, "fallback": False}} if key else None


def _potential_section(content) -> dict | None:
    """The regional / basin tables of the report (baseline by route, by process, measures in sequence, targets,
    O3 precursors, load above the limits, scenarios) as the downloads have them; the chart is shown with the others."""
    heading = POTENTIAL_HEADING[0] if content.lang == "zh" else POTENTIAL_HEADING[1]
    blocks = [{"kind": "p", "text": b.value} if b.kind == "p" else {"kind": "table", "html": report.table_html(b.value, content.lang)}
              for b in content.section(heading) if b.kind in ("p", "table")]
    return {"heading": heading, "blocks": blocks} if blocks else None


def report_view(result: dict) -> dict:
    """What the report page shows, from the engine's JSON result (labels in the request language)."""
    lang = request_language()
    scope = result.get("scope", {})

    content = build_report(result, lang if lang in ("zh", "en") else "en")
    builder_causes = causes_by_problem(result, content.lang)

    def issue_view(issue: dict) -> dict:
        prevalence = issue.get("prevalence", {})
        return {
            "problem": _link(issue.get("problem"), issue.get("labels"), lang),
            "severity": issue.get("severity"), "count": issue.get("count"), "veto": bool(issue.get("veto")),
            "severity_label": pick(UI.get(f"sev_{issue.get('severity')}", {}), lang, issue.get("severity") or "").text,
            "share_enterprises": prevalence.get("enterprises"), "share_output": prevalence.get("output"),
            # one line per cause, the enterprises sharing it together: never the same sentence twice
            "causes": builder_causes.get(issue.get("problem"), []),
            # an other finding's own measures, for the enterprises concerned (key issues have the schemes)
            "measures": [{"measure": _link(m.get("measure"), m.get("labels"), lang),
                          "cost": pick(UI["scheme_low_cost" if m.get("cost_class") == "low" else "scheme_high_cost"],
                                       lang, "").text,
                          "applies_to": m.get("applies_to", [])} for m in issue.get("measures") or []],
        }

    indicator_units = {i["indicator"]: i.get("unit") for sy in (result.get("indicator_assessment") or {}).get("systems", [])
                       for i in sy.get("indicators", [])}

    def effect_view(e: dict) -> dict:
        view = {"target": _link(e.get("target"), e.get("labels"), lang), "change": e.get("change_pct"),
                "text": ((e.get("text") or {}).get(lang) or (e.get("text") or {}).get("zh"))
                if e.get("mode") in ("target", "absolute") else None,
                "verified": e.get("verified", True), "unit": None, "now": None, "after": None}
        if "baseline_mean" in e and isinstance(e.get("expected_mean"), list):  # an indicator's mean, in its unit
            view.update(unit=indicator_units.get(e.get("target")), now=e["baseline_mean"], after=e.get("expected_mean"))
        elif "baseline_t_per_a" in e and isinstance(e.get("change_t_per_a"), list):
            change = e["change_t_per_a"]
            view.update(unit="t/a", now=e["baseline_t_per_a"],
                        after=sorted([e["baseline_t_per_a"] + change[0], e["baseline_t_per_a"] + change[1]]))
        return view

    def measure_view(rec: dict) -> dict:
        return {
            "measure": _link(rec.get("measure"), rec.get("labels"), lang),
            "problems": [_link(p if isinstance(p, str) else p.get("problem"),
                               None if isinstance(p, str) else p.get("labels"), lang) for p in rec.get("problems", [])],
            "cost": rec.get("cost_class"), "route": rec.get("route"),
            "applies_to": rec.get("applies_to", []), "unconfirmed": rec.get("prerequisite_unconfirmed", []),
            "effects": [effect_view(e) for e in rec.get("expected_effects", [])],
        }

    recommendations = {r.get("measure"): r for r in result.get("recommendations", [])}
    schemes = {}
    for name, items in (result.get("schemes") or {}).items():
        rows = []
        for item in items:
            rec = recommendations.get(item) if isinstance(item, str) else item
            if rec:
                rows.append(measure_view(rec))
        schemes[name] = rows
    assessment = result.get("indicator_assessment") or {}
    names = {e["id"]: e.get("name") for e in result.get("enterprises") or [] if isinstance(e, dict) and "id" in e}
    enterprises = [{"enterprise": e.get("enterprise"), "name": names.get(e.get("enterprise")), "class": e.get("class"),
                    "class_label": _level_label(e.get("class"), lang), "Y": e.get("Y") or {},
                    "coverage": e.get("coverage"), "provisional": e.get("provisional")}
                   for e in assessment.get("enterprises", [])]
    distribution: dict[str, int] = {}
    for system in assessment.get("systems", []):
        for level, count in (system.get("distribution") or {}).items():
            distribution[level] = distribution.get(level, 0) + int(count or 0)
    if not distribution:
        for e in enterprises:
            distribution[e["class"] or "not rated"] = distribution.get(e["class"] or "not rated", 0) + 1
    levels = [{"level": lv, "label": _level_label(lv, lang) if lv != "not rated" else "–", "count": distribution.get(lv, 0)}
              for lv in LEVEL_ORDER if lv in distribution]
    potential = []
    for row in (result.get("reduction_potential") or {}).get("pollutants", []):
        low, high = row.get("combined_reduction_t_per_a") or (0, 0)
        if row.get("baseline_t_per_a"):
            potential.append({"pollutant": _link(row.get("pollutant"), row.get("labels"), lang),
                              "low": low, "high": high, "unit": "t/a", "baseline": row["baseline_t_per_a"]})
    metals = result.get("heavy_metals") or {}
    heavy = [{"pollutant": _link(row.get("pollutant"), row.get("labels"), lang), "baseline": row["baseline_t_per_a"],
              "low": row["combined_reduction_t_per_a"][0], "high": row["combined_reduction_t_per_a"][1], "unit": "t/a"}
             for row in metals.get("pollutants", [])]
    if heavy:
        total = metals["total"]
        heavy.append({"pollutant": None, "total": True, "baseline": total["baseline_t_per_a"], "unit": "t/a",
                      "low": total["combined_reduction_t_per_a"][0], "high": total["combined_reduction_t_per_a"][1]})
    folio = result.get("portfolio") or {}
    folio_labels = folio.get("pollutant_labels") or {}
    portfolio = [{"budget": st["budget_10k_yuan"], "investment": st["investment_10k_yuan"],
                  "reductions": [{"pollutant": _link(p, folio_labels.get(p), lang), "low": lo, "high": hi}
                                 for p, (lo, hi) in sorted(st["reduction_t_per_a"].items())],
                  "chosen": [{"enterprise": c["enterprise"], "measure": _link(c["measure"], c.get("labels"), lang),
                              "investment": c["investment_10k_yuan"]} for c in st["chosen"]]}
                 for st in folio.get("steps") or []]
    found = result.get("symbiosis") or {}
    symbiosis = {kind: [{"from": m["from"], "to": m["to"],
                         "offer": _link(m["offer"], m.get("offer_labels"), lang),
                         "demand": _link(m["demand"], m.get("demand_labels"), lang),
                         "amount": m["amount"], "unit": m["unit"], "fate": m.get("fate_today"),
                         "distance": m.get("distance_km"), "conditions": (m.get("conditions") or {}).get(lang),
                         "saving": (m.get("saving") or {}).get(lang)}
                        for m in found.get(kind) or []]
                 for kind in ("matches", "conditional", "refused")}
    return {
        "title": scope.get("title") or ui_text("report_title"),
        "scope": {
            "sector": _link(scope.get("sector"), scope.get("sector_label"), lang),
            "pilot_type": _pilot_type(scope.get("pilot_type"), lang),
            "region": _link(scope.get("region"), scope.get("region_label"), lang) if scope.get("region") else None,
            "basin": _link(scope.get("basin"), scope.get("basin_label"), lang) if scope.get("basin") else None,
            "park": scope.get("park"), "year": scope.get("year"),
            "enterprises": scope.get("enterprises"), "diagnosed": scope.get("diagnosed"),
            "excluded": scope.get("excluded"),
        },
        "key_issues": [issue_view(i) for i in result.get("key_issues", [])],
        "other_findings": [issue_view(i) for i in result.get("other_findings", [])],
        "recommendations": [measure_view(r) for r in result.get("recommendations", [])],
        "schemes": schemes,
        "enterprises": enterprises, "levels": levels, "level_max": max([lv["count"] for lv in levels] + [1]),
        "reduction_potential": potential, "heavy_metals": heavy,
        "potential_section": _potential_section(content),
        "symbiosis": symbiosis, "portfolio": portfolio,
        # the same Vega-Lite charts as the Word report, drawn as SVG
        "charts": [{"key": c.key, "caption": c.caption.split(" ", 1)[-1], "svg": Markup(report.chart_svg(c))}
                   for c in content.charts()],
        "conclusion": content.summary, "conclusion_title": content.summary_title,
        "unconfirmed": [{"problem": _link(u.get("problem"), u.get("labels"), lang), "enterprises": u.get("enterprises", [])}
                        for u in result.get("unconfirmed") or [] if isinstance(u, dict)],
        "warnings": [_warning_text(w, lang) for w in result.get("warnings", [])],
        "excluded": result.get("excluded", []),
        "kb_version": result.get("kb_version"),
    }
