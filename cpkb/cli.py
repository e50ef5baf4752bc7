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
from cpkb.settings import SETTINGS, SettingError, load_settings

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
def check(no_owl: bool, kb_dir) -> None:
    """SHACL validation, dangling references and OWL consistency (HermiT); exit 1 with a readable list."""
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
@click.option("--threads", default=8, show_default=True, type=int, help="Worker threads of the WSGI server.")
@store_options
def serve(host, port, threads, kb_dir, store_dir, endpoint, store_mode) -> None:
    """The web app (browser, SPARQL endpoint) on the waitress WSGI server; builds the store when missing."""
    from waitress import serve as waitress_serve

    from cpkb.kb.build import open_store
    from cpkb.kb.errors import SourceError
    from cpkb.kb.store import StoreError
    from cpkb.web.app import create_app

    settings = _settings(kb_dir, store_dir, endpoint, store_mode)
    try:  # open (and if needed build) before listening, so the first visitor does not wait
        store = open_store(settings, on_build=lambda r: click.echo("\n".join(r.lines())))
    except (SourceError, StoreError) as exc:
        _fail(str(exc))
    app = create_app({"CPKB": settings})
    app.extensions["cpkb_store"]["store"] = store
    click.echo(f"CPKB serving {store.description} on http://{host}:{port}/ (Ctrl+C to stop)")
    waitress_serve(app, host=host, port=port, threads=threads, ident="cpkb")


@main.command("settings")
def show_settings() -> None:
    """Every setting with its current value, default and meaning."""
    values = _settings()
    for setting in SETTINGS:
        click.echo(f"{setting.name:<22} {values[setting.name]!s:<40} {setting.help}")


PROGRESS_MIN_ENTERPRISES = 2000


@main.command()
@click.argument("survey", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["json", "html", "xlsx", "docx"]), default="json",
              show_default=True, help="What to write: the JSON result or a report.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file instead of stdout.")
@click.option("--exclude-invalid", is_flag=True,
              help="Set enterprises with errors aside and diagnose the rest (they are listed in the result).")
@click.option("--quiet", is_flag=True, help="No summary and no progress bar on stderr.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
              help="Language of the summary on stderr (default: the locale's; zh for a Chinese locale).")
@store_options
def diagnose(survey, fmt, output, exclude_invalid, quiet, lang, kb_dir, store_dir, endpoint, store_mode) -> None:
    """Diagnose a survey file (.json, .yaml, .xlsx template, .csv); JSON to stdout by default."""
    from cpkb.diagnostics.engine import diagnose as run_diagnosis
    from cpkb.diagnostics.knowledge import knowledge_for
    from cpkb.diagnostics.survey import SurveyError, SurveyReader, parse_document
    from cpkb.kb.build import open_store
    from cpkb.kb.errors import SourceError
    from cpkb.kb.store import StoreError

    if fmt in ("xlsx", "docx") and not output and sys.stdout.isatty():
        _fail(f"--format {fmt} writes a binary file: give -o FILE.{fmt}.")
    settings = _settings(kb_dir, store_dir, endpoint, store_mode)
    try:
        store = open_store(settings, on_build=lambda r: click.echo("\n".join(r.lines()), err=True))
        knowledge = knowledge_for(store)
    except (SourceError, StoreError) as exc:
        _fail(str(exc))
    data = Path(survey).read_bytes()  # the user's own file: no upload limit (max_upload_bytes is the web's)
    bar = None
    # A survey becomes hundreds of thousands of small long-lived objects; CPython's cyclic collector would rescan
    # them again and again (a third of the run time at 10,000 enterprises). Nothing here builds cycles.
    gc.disable()
    try:
        raw, cells = parse_document(data, survey)
        parsed = SurveyReader(knowledge, cells).read(raw)
        if not quiet and len(parsed.enterprises) > PROGRESS_MIN_ENTERPRISES:
            from tqdm import tqdm

            bar = tqdm(total=len(parsed.enterprises), unit="enterprise", file=sys.stderr, desc="rules")
        result = run_diagnosis(parsed, store, settings, exclude_invalid=exclude_invalid,
                               progress=bar.update if bar else None)
    except SurveyError as exc:
        if bar:
            bar.close()
        click.secho(f"{survey}: {len(exc.problems)} problem(s); nothing was diagnosed"
                    + ("" if exclude_invalid else " (--exclude-invalid sets enterprises with errors aside)") + ":",
                    fg="red", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    finally:
        gc.enable()
    if bar:
        bar.close()
    if fmt == "json":
        from cpkb.diagnostics.report import to_json

        payload: bytes = to_json(result, pretty=True)
    elif fmt == "html":
        from cpkb.diagnostics.report import to_html

        payload = to_html(result, store).encode("utf-8")
    elif fmt == "xlsx":
        from cpkb.diagnostics.report import to_xlsx

        payload = to_xlsx(result)
    else:
        from cpkb.diagnostics.report import to_docx

        payload = to_docx(result)
    if output:
        Path(output).write_bytes(payload)
    else:
        sys.stdout.buffer.write(payload)
        if fmt in ("json", "html"):
            sys.stdout.buffer.write(b"\n")
        sys.stdout.flush()
    if not quiet:
        from cpkb.summary import default_language, summary

        click.echo(summary(result, lang or default_language()), err=True)
        if output:
            click.echo(f"wrote {output}", err=True)


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
