"""The `cpkb` command line: build, check, query and export the knowledge base."""

from __future__ import annotations

import csv
import gc
import io
import json
import re
import sys
import time
from pathlib import Path

import click

from cpkb import __version__
from cpkb.settings import SETTINGS, SettingError, format_bytes, load_settings

STORE_OPTIONS = [
    click.option("--kb", "kb_dir", type=click.Path(file_okay=False, exists=True), default=None,
                 help="Folder of knowledge sources to use instead of the bundled ones (setting kb_dir)."),
    click.option("--store", "store_dir", type=click.Path(file_okay=False), default=None,
                 help="Folder of the embedded store (setting store_dir)."),
    click.option("--endpoint", default=None, help="URL of a SPARQL 1.1 query endpoint to use instead."),
    click.option("--store-mode", type=click.Choice(["memory", "disk"]), default=None,
                 help="Embedded store kept in memory or queried on disk (setting store_mode)."),
]


def store_options(func):
    for option in reversed(STORE_OPTIONS):
        func = option(func)
    return func


def _settings(kb_dir=None, store_dir=None, endpoint=None, store_mode=None) -> dict:
    try:
        return load_settings(kb_dir=kb_dir, store_dir=store_dir, endpoint=endpoint, store_mode=store_mode)
    except SettingError as exc:
        _fail(f"bad setting: {exc} See `cpkb settings`.")


def _open_knowledge(settings: dict):
    """The store (built first when needed, its report on stderr; opened when first used) and the knowledge the
    engine reads from it (kept next to an embedded store, so that a start needs no reading of the graph)."""
    from cpkb.diagnostics.knowledge_cache import knowledge_of
    from cpkb.kb.errors import SourceError
    from cpkb.kb.store import StoreError

    try:
        knowledge, store = knowledge_of(settings, on_build=lambda r: click.echo("\n".join(r.lines()), err=True))
        return store, knowledge
    except (SourceError, StoreError) as exc:
        _fail(str(exc))


def _fail(message: str) -> None:
    click.secho(message, fg="red", err=True)
    sys.exit(1)


@click.group()
@click.version_option(__version__, prog_name="cpkb")
def main() -> None:
    """CPKB: cleaner-production audit knowledge base and diagnostic engine (清洁生产审核知识库与诊断引擎)."""


@main.command()
@store_options
def build(kb_dir, store_dir, endpoint, store_mode) -> None:
    """Compile ontology + knowledge sources into the store and print what was loaded."""
    from cpkb.kb.build import build as run_build
    from cpkb.kb.errors import SourceError
    from cpkb.kb.store import StoreError

    try:
        report = run_build(_settings(kb_dir, store_dir, endpoint, store_mode))
    except SourceError as exc:
        _fail(str(exc))
    except StoreError as exc:
        _fail(f"cannot load the store: {exc}")
    for line in report.lines():
        click.echo(line)


@main.command()
@click.option("--no-owl", is_flag=True, help="Skip the OWL consistency check (HermiT needs Java).")
@click.option("--kb", "kb_dir", type=click.Path(file_okay=False, exists=True), default=None,
              help="Folder of knowledge sources to check instead of the bundled ones.")
@click.option("--store", "store_dir", is_flag=False, flag_value="", default=None, metavar="[DIR]",
              help="Check the built store instead (DIR, or store_dir when no DIR is given): manifest, size and "
                   "SHA-256, source version, and every quad against a fresh compilation of the sources.")
def check(no_owl: bool, kb_dir, store_dir) -> None:
    """SHACL validation, dangling references and OWL consistency (HermiT); exit 1 with a readable list.

    With --store: whether the built store is intact and holds exactly what the sources compile to."""
    if store_dir is not None:
        _check_store(_settings(kb_dir, store_dir or None))
        return
    from cpkb.kb.build import kb_dir_of
    from cpkb.kb.compile import compile_kb
    from cpkb.kb.errors import SourceError
    from cpkb.kb.checks import check_owl, check_references, check_shacl, union_graph

    try:
        compiled = compile_kb(kb_dir_of(_settings(kb_dir)))
    except SourceError as exc:
        _fail(str(exc))
    graph = union_graph(compiled)
    findings = []
    steps = [("SHACL shapes", check_shacl), ("references", check_references)]
    if not no_owl:
        steps.append(("OWL consistency (HermiT)", check_owl))
    for name, run in steps:
        started = time.perf_counter()
        found = run(compiled, graph)
        status = "ok" if not found else f"{len(found)} problem(s)"
        click.echo(f"{name:<28} {status:<16} {time.perf_counter() - started:6.2f} s")
        findings.extend(found)
    if findings:
        click.echo("")
        for finding in findings:
            click.echo(f"  {finding}")
        _fail(f"\ncpkb check: {len(findings)} problem(s) in knowledge base {compiled.version}.")
    click.echo(f"cpkb check: knowledge base {compiled.version} passes ({len(graph)} triples).")


def _check_store(settings: dict) -> None:
    from cpkb.kb.errors import SourceError
    from cpkb.kb.store_check import check_store

    if settings.get("endpoint"):
        _fail("cpkb check --store checks the embedded store; a remote endpoint is checked by its own server.")
    started = time.perf_counter()
    try:
        problems, figures = check_store(settings)
    except SourceError as exc:
        _fail(str(exc))
    where = settings["store_dir"]
    if problems:
        for problem in problems:
            click.echo(f"  {problem}")
        _fail(f"cpkb check --store: {len(problems)} problem(s) in the store at {where}.")
    click.echo(f"cpkb check --store: the store at {where} is intact and matches the sources "
               f"({figures['quads']} quads, {figures['bytes']:,} bytes, {figures['version']}; "
               f"{time.perf_counter() - started:.2f} s).")


_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE|INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY)\b",
                   re.IGNORECASE)
_UPDATES = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY"}
_DECLS = re.compile(r"(PREFIX\s+[\w.-]*:\s*<[^>]*>|BASE\s*<[^>]*>)", re.IGNORECASE)


def query_form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT, DESCRIBE or UPDATE: the form of a SPARQL request, ignoring prologue and comments."""
    body = _DECLS.sub(" ", text)
    body = "\n".join(line for line in body.splitlines() if not line.lstrip().startswith("#"))
    match = _FORM.search(body)
    form = match.group(1).upper() if match else "SELECT"
    return "UPDATE" if form in _UPDATES else form


def _cell(term) -> str:
    return "" if term is None else str(term)


def _table(variables: list[str], rows: list[dict]) -> str:
    cells = [[_cell(r.get(v)) for v in variables] for r in rows]
    widths = [max([len(v)] + [len(c[i]) for c in cells]) for i, v in enumerate(variables)]
    lines = ["  ".join(v.ljust(w) for v, w in zip(variables, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in cells]
    return "\n".join(lines) + f"\n({len(rows)} row{'s' if len(rows) != 1 else ''})"


@main.command()
@click.argument("query", required=False)
@click.option("-f", "--file", "query_file", type=click.Path(exists=True, dir_okay=False), help="Read the query from a .rq file.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@store_options
def query(query, query_file, fmt, kb_dir, store_dir, endpoint, store_mode) -> None:
    """Run a SPARQL query against the store (cpkb:, skos:, dcterms: … prefixes are predeclared)."""
    from cpkb.kb.build import open_store
    from cpkb.kb.errors import SourceError
    from cpkb.kb.store import QuerySyntaxError, StoreError

    if bool(query) == bool(query_file):
        _fail("give the query either as an argument or with -f FILE.rq (not both).")
    text = Path(query_file).read_text(encoding="utf-8") if query_file else query
    try:
        store = open_store(_settings(kb_dir, store_dir, endpoint, store_mode),
                           on_build=lambda r: click.echo("\n".join(r.lines()), err=True))
        form = query_form(text)
        if form == "UPDATE":
            _fail("cpkb query is read-only: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, DROP …) is not run. "
                  "Change the knowledge sources in kb/ and run `cpkb build`.")
        if form == "ASK":
            answer = store.ask(text)
            click.echo(json.dumps({"boolean": answer}) if fmt == "json" else str(answer).lower())
        elif form in ("CONSTRUCT", "DESCRIBE"):
            graph = store.construct(text)
            click.echo(graph.serialize(format="json-ld" if fmt == "json" else "turtle"))
        else:
            result = store.select(text)
            click.echo(_format_select(result, fmt))
    except QuerySyntaxError as exc:
        _fail(f"the query is not valid SPARQL: {exc}")
    except (StoreError, SourceError) as exc:
        _fail(str(exc))


def _json_term(term) -> dict:
    from rdflib import BNode, Literal

    if isinstance(term, Literal):
        found = {"type": "literal", "value": str(term)}
        if term.language:
            found["xml:lang"] = term.language
        elif term.datatype:
            found["datatype"] = str(term.datatype)
        return found
    return {"type": "bnode" if isinstance(term, BNode) else "uri", "value": str(term)}


def _format_select(result, fmt: str) -> str:
    if fmt == "json":  # the SPARQL 1.1 Query Results JSON Format, as the endpoint answers
        bindings = [{v: _json_term(r[v]) for v in result.variables if r.get(v) is not None} for r in result.rows]
        return json.dumps({"head": {"vars": result.variables}, "results": {"bindings": bindings}},
                          ensure_ascii=False, indent=2)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(result.variables)
        writer.writerows([[_cell(r.get(v)) for v in result.variables] for r in result.rows])
        return out.getvalue().rstrip("\n")
    return _table(result.variables, result.rows)


EXPORT_FORMATS = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "nq": "nquads", "trig": "trig"}


@main.command()
@click.option("--format", "fmt", type=click.Choice(list(EXPORT_FORMATS)), default="ttl", show_default=True,
              help="nq and trig keep one named graph per source file.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file instead of stdout.")
@store_options
def export(fmt, output, kb_dir, store_dir, endpoint, store_mode) -> None:
    """The whole graph, for loading elsewhere."""
    from rdflib import Dataset, URIRef

    from cpkb.kb.build import open_store
    from cpkb.kb.namespaces import PREFIXES
    from cpkb.kb.store import StoreError

    try:
        store = open_store(_settings(kb_dir, store_dir, endpoint, store_mode),
                           on_build=lambda r: click.echo("\n".join(r.lines()), err=True))
        if fmt in ("nq", "trig"):
            rows = store.select("SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }")
            data = Dataset()
            for r in rows:
                data.graph(URIRef(r["g"])).add((r["s"], r["p"], r["o"]))
            target = data
        else:
            target = store.construct("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    except StoreError as exc:
        _fail(str(exc))
    for prefix, iri in PREFIXES.items():
        target.bind(prefix, iri)
    text = target.serialize(format=EXPORT_FORMATS[fmt])
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int, help="Threads calling the app (granian's blocking threads).")
@store_options
def serve(host, port, threads, kb_dir, store_dir, endpoint, store_mode) -> None:
    """The web app (browser, SPARQL endpoint) on the granian server; builds the store when missing."""
    from cpkb.kb.build import ensure_store, open_store
    from cpkb.kb.errors import SourceError
    from cpkb.kb.store import StoreError
    from cpkb.web.app import create_app
    from cpkb.web.serve import ServeError, check_address, run

    settings = _settings(kb_dir, store_dir, endpoint, store_mode)
    try:
        check_address(host, port)  # before minutes of building, not after
    except ServeError as exc:
        _fail(str(exc))
    try:  # build when needed before listening: build errors are reported here, once
        _say_build_ahead(settings)
        ensure_store(settings, on_build=lambda r: click.echo("\n".join(r.lines())))
    except (SourceError, StoreError) as exc:
        _fail(str(exc))

    def make_app():  # in the serving process: the store is opened there, before the first visitor
        app = create_app({"CPKB": settings})
        store = app.extensions["cpkb_store"]["store"] = open_store(settings)
        click.echo(f"CPKB serving {store.description} on http://{host}:{port}/ (Ctrl+C to stop)")
        return app

    try:
        run(make_app, host, port, threads)
    except ServeError as exc:
        _fail(str(exc))


def _say_build_ahead(settings: dict) -> None:
    """A first start compiles the knowledge for a minute or more before listening: say so before, not after."""
    from cpkb.kb.build import store_problem

    if settings.get("endpoint"):
        return
    problem = store_problem(settings)
    if problem is not None:
        click.echo(f"building the knowledge store in {settings['store_dir']} ({problem}); this takes a minute "
                   "or more, the server listens when it is done …", err=True)


@main.command("settings")
def show_settings() -> None:
    """Every setting with its current value, default and meaning."""
    values = _settings()
    for setting in SETTINGS:
        click.echo(f"{setting.name:<22} {values[setting.name]!s:<40} {setting.help}")


PROGRESS_MIN_ENTERPRISES = 2000


@main.command()
@click.argument("survey", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["json", "html", "xlsx", "docx", "records"]), default="json",
              show_default=True, help="What to write: the JSON result, a report, or the per-enterprise audit records "
              "(一企一档: a ZIP with one Word document per enterprise and an index workbook).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file instead of stdout.")
@click.option("--exclude-invalid", is_flag=True,
              help="Set enterprises with errors aside and diagnose the rest (they are listed in the result).")
@click.option("--quiet", is_flag=True, help="No summary and no progress bar on stderr.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
              help="Language of the report (html, xlsx, docx) and of the summary on stderr (default: the locale's; "
                   "zh for a Chinese locale).")
@click.option("--names", "names_file", type=click.Path(exists=True, dir_okay=False),
              help="A name map (written by `cpkb names`, checked by you) applied to the survey's names.")
@store_options
def diagnose(survey, fmt, output, exclude_invalid, quiet, lang, names_file, kb_dir, store_dir, endpoint,
             store_mode) -> None:
    """Diagnose a survey file (.json, .yaml, .xlsx template, .csv); JSON to stdout by default."""
    from cpkb.diagnostics.engine import diagnose as run_diagnosis
    from cpkb.diagnostics.survey import SurveyError, SurveyReader, parse_document
    from cpkb.summary import default_language

    lang = lang or default_language()
    names = _read_names(names_file)

    if fmt in ("xlsx", "docx", "records") and not output and sys.stdout.isatty():
        _fail(f"--format {fmt} writes a binary file: give -o FILE.{'zip' if fmt == 'records' else fmt}.")
    settings = _settings(kb_dir, store_dir, endpoint, store_mode)
    store, knowledge = _open_knowledge(settings)
    size, limit = Path(survey).stat().st_size, int(settings["max_survey_file_bytes"])
    if size > limit:  # checked before reading: a survey is held in memory whole, ~30× its size as JSON
        _fail(f"{survey}：文件 {format_bytes(size)}，超过上限 {format_bytes(limit)}（设置 max_survey_file_bytes）。"
              f"请按企业拆分为多个调查表分别诊断，或设置 CPKB_MAX_SURVEY_FILE_BYTES 提高上限（约需 30 倍于文件的内存）。 / "
              f"{survey} is {format_bytes(size)}, over the limit of {format_bytes(limit)} (setting "
              f"max_survey_file_bytes): split it by enterprise, or raise CPKB_MAX_SURVEY_FILE_BYTES (reading needs "
              "about 30 times the file's size in memory).")
    data = Path(survey).read_bytes()
    bar = None
    # A survey becomes hundreds of thousands of small long-lived objects; CPython's cyclic collector would rescan
    # them again and again (a third of the run time at 10,000 enterprises). Nothing here builds cycles.
    gc.disable()
    try:
        raw, cells = parse_document(data, survey)
        parsed = SurveyReader(knowledge, cells, names).read(raw)
        del data, raw, cells  # the file and its parsed tree (7 MB per 1,000 enterprises) are not read again
        if not quiet and len(parsed.enterprises) > PROGRESS_MIN_ENTERPRISES:
            from tqdm import tqdm

            bar = tqdm(total=len(parsed.enterprises), unit="enterprise", file=sys.stderr, desc="rules")
        result = run_diagnosis(parsed, store, settings, exclude_invalid=exclude_invalid,
                               progress=bar.update if bar else None)
    except SurveyError as exc:
        if bar:
            bar.close()
        _report_problems(survey, exc.problems, exclude_invalid, lang)
    finally:
        gc.enable()
    if bar:
        bar.close()
    written = _write_result(result, fmt, output, lang, store)
    if written > int(settings["large_result_bytes"]):
        click.secho(f"注意：结果 {format_bytes(written)}，大部分是逐企业的证据；汇总看 --format docx 或 xlsx，"
                    "或按企业拆分调查表。 / Note: the result is "
                    f"{format_bytes(written)}, mostly per-enterprise evidence; for an overview write --format docx or "
                    "xlsx, or split the survey by enterprise.", fg="yellow", err=True)
    if not quiet:
        from cpkb.summary import default_language, summary

        click.echo(summary(result, lang or default_language()), err=True)
        if output:
            click.echo(f"wrote {output}", err=True)


def _write_result(result: dict, fmt: str, output: str | None, lang: str, store) -> int:
    """Writes the result or a report to the file or stdout; JSON is streamed piece by piece. Returns its size."""
    from cpkb.diagnostics import report

    target = open(output, "wb") if output else sys.stdout.buffer
    try:
        if fmt == "json":
            written = report.write_json(result, target, pretty=True)
        elif fmt == "records":
            from cpkb.diagnostics.audit_records import records_zip

            payload = records_zip(result, lang)
            target.write(payload)
            written = len(payload)
        else:
            payload = report.to_html(result, store, lang=lang).encode("utf-8") if fmt == "html" else \
                getattr(report, f"to_{fmt}")(result, lang=lang)
            target.write(payload)
            written = len(payload)
        if not output and fmt in ("json", "html"):
            target.write(b"\n")
    finally:
        if output:
            target.close()
        else:
            target.flush()
    return written


def _read_names(names_file: str | None):
    if not names_file:
        return None
    import yaml

    from cpkb.diagnostics.name_map import load_name_map

    try:
        return load_name_map(Path(names_file).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        _fail(f"{names_file}: not a readable name map (UTF-8 YAML): {exc}")


def _report_problems(survey: str, problems: list, exclude_invalid: bool, lang: str) -> None:
    """Every problem of the survey, placed, in the user's language; exits 1."""
    if lang == "zh":
        click.secho(f"{survey}：{len(problems)} 处问题，未作诊断" + ("" if exclude_invalid else
                    "（--exclude-invalid 可搁置有错误的企业和非致命的范围问题）") + "：", fg="red", err=True)
    else:
        click.secho(f"{survey}: {len(problems)} problem(s); nothing was diagnosed"
                    + ("" if exclude_invalid else " (--exclude-invalid sets enterprises with errors aside)") + ":",
                    fg="red", err=True)
    for problem in problems:
        click.echo(f"  {problem.show(lang)}", err=True)
    sys.exit(1)


@main.command()
@click.argument("survey", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="The name map to write (default: stdout).")
@click.option("--names", "names_file", type=click.Path(exists=True, dir_okay=False),
              help="A name map already confirmed: only the names still unresolved are written.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None, help="Language of the labels written.")
@store_options
def names(survey, output, names_file, lang, kb_dir, store_dir, endpoint, store_mode) -> None:
    """Every name of a survey that matches nothing, with its closest knowledge-base names, as a name map to check
    and pass back with `cpkb diagnose SURVEY --names FILE`."""
    from cpkb.diagnostics.name_map import dump_name_map
    from cpkb.diagnostics.survey import SurveyError, SurveyReader, parse_document
    from cpkb.summary import default_language

    lang = lang or default_language()
    _, knowledge = _open_knowledge(_settings(kb_dir, store_dir, endpoint, store_mode))
    try:
        raw, cells = parse_document(Path(survey).read_bytes(), survey)
        parsed = SurveyReader(knowledge, cells, _read_names(names_file)).read(raw)
    except SurveyError as exc:
        _report_problems(survey, exc.problems, False, lang)
    text = dump_name_map(parsed.unresolved, lang)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo((f"已写出 {output}：{len(parsed.unresolved)} 个未识别的名称" if lang == "zh" else
                    f"wrote {output}: {len(parsed.unresolved)} unresolved name(s)"), err=True)
    else:
        click.echo(text)


@main.command()
@click.argument("baseline", type=click.Path(exists=True, dir_okay=False))
@click.argument("after", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["json", "xlsx"]), default="json", show_default=True,
              help="The comparison as JSON or as a workbook (one sheet per table).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file instead of stdout.")
@click.option("--exclude-invalid", is_flag=True, help="Set enterprises with errors aside in both rounds.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None, help="Language of the conclusion on stderr.")
@store_options
def compare(baseline, after, fmt, output, exclude_invalid, lang, kb_dir, store_dir, endpoint, store_mode) -> None:
    """Before and after: two rounds of the same scope (评估/验收) — levels, key issues, measures, reductions."""
    from cpkb.diagnostics.compare import compare as run_compare, comparison_xlsx
    from cpkb.diagnostics.report import to_json
    from cpkb.diagnostics.survey import SurveyError, SurveyReader, parse_document
    from cpkb.summary import default_language

    if fmt == "xlsx" and not output and sys.stdout.isatty():
        _fail("--format xlsx writes a binary file: give -o FILE.xlsx.")
    settings = _settings(kb_dir, store_dir, endpoint, store_mode)
    store, knowledge = _open_knowledge(settings)
    rounds = []
    for path in (baseline, after):
        try:
            raw, cells = parse_document(Path(path).read_bytes(), path)
            rounds.append(SurveyReader(knowledge, cells).read(raw))
        except SurveyError as exc:
            _fail(f"{path}: " + "\n  ".join(str(p) for p in exc.problems))
    try:
        result = run_compare(*rounds, store, settings, exclude_invalid=exclude_invalid)
    except SurveyError as exc:
        _fail("\n".join(str(p) for p in exc.problems)
              + ("" if exclude_invalid else "\n(--exclude-invalid sets enterprises with errors aside)"))
    payload = to_json(result, pretty=True) if fmt == "json" else comparison_xlsx(result)
    if output:
        Path(output).write_bytes(payload)
    else:
        sys.stdout.buffer.write(payload)
        sys.stdout.flush()
    click.echo(result["conclusion"][lang or default_language()], err=True)


def _budget(text: str) -> float:
    """A budget in 万元: '500', '500万元', '500万' or '5000000元'."""
    import re

    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(万元|万|元)?\s*", text or "")
    if not found:
        raise click.BadParameter(f"{text!r}: write the budget in 万元, e.g. 500 or 500万元 (or 5000000元).")
    value = float(found.group(1))
    return value / 1e4 if found.group(2) == "元" else value


@main.command()
@click.argument("survey", type=click.Path(exists=True, dir_okay=False))
@click.option("--budget", default=None, help="The investment budget, in 万元 (500, 500万元) or 元 (5000000元); "
              "required for the JSON portfolio, optional for the plan draft (-o plan.docx).")
@click.option("--payback", type=float, default=None, help="Leave out measures whose payback is surely longer (years).")
@click.option("--weights", default="", help="Weight per tonne of each pollutant, e.g. 'VOCs=1,NOx=2' "
              "(default: each pollutant by the share of its total removed).")
@click.option("--step", type=float, default=100.0, show_default=True, help="What the next STEP 万元 would add.")
@click.option("--monte-carlo", "draws", type=click.IntRange(0, 1_000_000), default=0, show_default=True,
              help="Also a Monte-Carlo interval of the reduction over this many draws (0: off).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the Monte-Carlo draws.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the JSON here instead of stdout.")
@click.option("--exclude-invalid", is_flag=True, help="Set enterprises with errors aside.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None, help="Language of the summary on stderr.")
@store_options
def plan(survey, budget, payback, weights, step, draws, seed, output, exclude_invalid, lang, kb_dir, store_dir,
         endpoint, store_mode) -> None:
    """The measure portfolio under a budget (JSON), or with -o PLAN.docx the pilot's implementation-plan draft in
    the seven sections of the notice's annex (with the portfolio when --budget is given)."""
    from cpkb.diagnostics.engine import diagnose as run_diagnosis
    from cpkb.diagnostics.knowledge import normalise
    from cpkb.diagnostics.portfolio import plan as make_plan, plan_summary
    from cpkb.diagnostics.report import to_json
    from cpkb.diagnostics.survey import SurveyError, SurveyReader, parse_document
    from cpkb.summary import default_language

    draft = bool(output) and output.lower().endswith(".docx")
    if budget is None and not draft:
        _fail("--budget is required for the portfolio (or write the plan draft with -o plan.docx).")
    money = _budget(budget) if budget is not None else None
    settings = _settings(kb_dir, store_dir, endpoint, store_mode)
    store, knowledge = _open_knowledge(settings)
    chosen_weights = {}
    for pair in filter(None, (p.strip() for p in weights.split(","))):
        name, _, value = pair.partition("=")
        iris = knowledge.names.get("pollutant", {}).get(normalise(name))
        if not iris or not value.replace(".", "", 1).isdigit():
            _fail(f"--weights {pair!r}: write a pollutant name and a number, e.g. VOCs=1 (unknown: {name!r}).")
        chosen_weights[sorted(iris)[0]] = float(value)
    try:
        raw, cells = parse_document(Path(survey).read_bytes(), survey)
        parsed = SurveyReader(knowledge, cells).read(raw)
        result = run_diagnosis(parsed, store, settings, exclude_invalid=exclude_invalid)
    except SurveyError as exc:
        _fail(f"{survey}: " + "\n  ".join(str(p) for p in exc.problems))
    diagnosed = [e for e in parsed.enterprises if e.id not in parsed.invalid_ids]
    portfolio = make_plan(knowledge, parsed, diagnosed, result["recommendations"], money, payback,
                          chosen_weights or None, settings, step, draws, seed) if money is not None else None
    if draft:
        from cpkb.diagnostics.pilot_plan import plan_docx

        Path(output).write_bytes(plan_docx(result, portfolio, lang or default_language()))
        click.echo(f"wrote {output}", err=True)
        return
    payload = to_json(portfolio, pretty=True)
    if output:
        Path(output).write_bytes(payload)
    else:
        sys.stdout.buffer.write(payload + b"\n")
    click.echo(plan_summary(knowledge, portfolio, lang or default_language()), err=True)


@main.command()
@click.option("--sector", required=True, help="The sector, by Chinese or English name or IRI (e.g. 电镀).")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="The .xlsx file to write (default: cpkb-template-<sector>.xlsx in the current folder).")
@store_options
def template(sector, output, kb_dir, store_dir, endpoint, store_mode) -> None:
    """The Excel survey template of one sector, with drop-down lists from the knowledge base."""
    from cpkb.diagnostics.knowledge import knowledge_for
    from cpkb.diagnostics.template import UnknownSector, resolve_sector, sector_template
    from cpkb.kb.build import open_store
    from cpkb.kb.errors import SourceError
    from cpkb.kb.store import StoreError

    try:
        store = open_store(_settings(kb_dir, store_dir, endpoint, store_mode),
                           on_build=lambda r: click.echo("\n".join(r.lines()), err=True))
        kb = knowledge_for(store)
        iri = resolve_sector(kb, sector)
        data = sector_template(store, iri)
    except UnknownSector as exc:
        _fail(str(exc))
    except (SourceError, StoreError) as exc:
        _fail(str(exc))
    if not kb.of_sector("process", iri):
        click.secho(f"warning: the knowledge base has no processes, techniques or indicators for "
                    f"{kb.labels[iri].zh} / {kb.labels[iri].en} yet, so the template's drop-down lists are empty.",
                    fg="yellow", err=True)
    target = output or f"cpkb-template-{kb.labels[iri].en.replace(' ', '-').replace('/', '-')}.xlsx"
    Path(target).write_bytes(data)
    click.echo(f"wrote {target} ({kb.labels[iri].zh} / {kb.labels[iri].en}, knowledge base {kb.version})", err=True)


if __name__ == "__main__":
    main()
