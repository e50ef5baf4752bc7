"""Fuzzes every survey reader, the engine and every report writer with mutated surveys, and prints what it saw.

    python benchmarks/fuzz_surveys.py                  # 10,000 inputs, 2 processes, seed 1
    python benchmarks/fuzz_surveys.py -n 500 --jobs 1  # a quick look
    python benchmarks/fuzz_surveys.py --seed 7 --show 5

Seeds: the example survey (first enterprises) as JSON, YAML, CSV and XLSX, plus the nasty corpus of
tests/nasty_surveys.py. Mutations, chosen at random per input:
- structure: delete, duplicate, wrap, retype or deeply nest any part of the survey tree;
- value: numbers made huge, tiny, negative, non-finite, text; text made long, empty, control characters,
  formulas (=HYPERLINK…), other scripts; units made towers (10**10**7), long or nonsense;
- YAML tags: !!binary, !!set, !!omap, !!timestamp, !!python/object, custom tags, anchors and aliases,
  merge keys, deep flow nesting, huge integers;
- zip: flipped bytes, cuts, lying sizes, dropped or duplicated parts, stored instead of deflated;
- XML: DOCTYPEs and entities, cuts, bad numbers, shared strings out of range, rows at 1,048,576,
  unclosed or foreign elements, invalid UTF-8 in a sheet;
- CSV: shuffled, cut or padded rows, huge fields, bad quoting, other encodings.
Each input goes through parse_document, the survey reader, diagnose (exclude_invalid on) and, when a result
comes out, to_json, to_html, to_xlsx and to_docx; the result is checked against diagnostics/result.schema.json
and for non-finite numbers. An outcome is a placed error (SurveyError whose every problem has a place and a
message in Chinese and English), a valid result, or a crash (anything else, a schema failure, a problem
without place). The process's data size (RLIMIT_DATA) is capped at its start-up size + 1 GiB, so an input needing
more is a crash (MemoryError) too.

Times are wall-clock on whatever else the machine runs; the reading + diagnosis time is also printed on its own,
since XLSX/DOCX/HTML rendering of a valid result costs seconds on a loaded machine whatever the survey holds.

Prints: inputs tried, placed errors, results, crashes (with the first lines of each kind), the slowest and the
largest inputs (largest: the biggest rise of the process's peak memory, so later small rises are hidden by
earlier large ones — the cap above is the hard check).
"""

from __future__ import annotations

import argparse
import copy
import json
import multiprocessing
import random
import resource
import signal
import sys
import time
import traceback
import zlib
from collections import Counter
from pathlib import Path

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import nasty_surveys  # noqa: E402  (tests/nasty_surveys.py: the corpus and its zip helpers)

SCHEMA = json.loads((ROOT / "diagnostics" / "result.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)  # compiled once: validate() re-checks the schema each call
EXAMPLE = ROOT / "examples" / "electroplating_cluster.json"
PER_INPUT_LIMIT_S = 30        # an input still running after this is stopped and counted as a crash
MEMORY_HEADROOM = 1 << 30     # address space allowed beyond the start-up size


# ---------------------------------------------------------------------- seeds

def seeds(enterprises: int = 3) -> dict[str, object]:
    raw = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    raw["enterprises"] = raw["enterprises"][:enterprises]
    return raw


def to_bytes(raw, kind: str, store) -> bytes:
    from cpkb.diagnostics.workbook import write_survey_csv, write_survey_workbook

    if kind == "json":
        return json.dumps(raw, ensure_ascii=False).encode()
    if kind == "yaml":
        return yaml.safe_dump(raw, allow_unicode=True, sort_keys=False).encode()
    if kind == "csv":
        return write_survey_csv(raw).encode()
    return write_survey_workbook(raw, store)


# ---------------------------------------------------------------------- mutations

TEXTS = ["", " ", "\x00", "\u202e反转", "=HYPERLINK(\"http://x\",\"y\")", "+1", "-1", "@SUM(1)", "电" * 400,
         "a" * 5000, "🙂" * 50, "\ud7ff", "null", "true", "1e309", "NaN", "-inf", "0x10", "1,000,000", "约1200",
         "2024-01-01", "<b>x</b>", "'; DROP TABLE x;--", "\\", "{{7*7}}", "镀件", "水洗", "单槽清洗", "t/a"]
NUMBERS = [0, -1, 1e308, -1e308, 1e-320, 2 ** 63, 2 ** 64, -2 ** 63, 10 ** 30, 1e20, 1e21, 0.1, 12345678901234567890,
           float("inf"), float("-inf"), float("nan"), True, False, None, 3]
UNITS = ["10**10**7", "9**9**9", "(9**9)**9", "m**99", "m^2^3", "万m2", "t/a", "kg", "x" * 100, "m**1e9", "", "%",
         "1/0", "()", "m**-3", "mg/m3", "kgce/t", "℃", "万米/年", "[", "m*" * 20 + "m", "1e999 t"]


def _paths(node, path=()):
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, path + (index,))


def _set(root, path, value):
    if not path:
        return value
    parent = root
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return root


def _random_value(rng: random.Random, depth: int = 0):
    choice = rng.random()
    if choice < 0.35:
        return rng.choice(TEXTS)
    if choice < 0.65:
        return rng.choice(NUMBERS)
    if choice < 0.75 or depth > 3:
        return rng.choice(UNITS)
    if choice < 0.87:
        return [_random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {rng.choice(["value", "unit", "process", "x", "properties", "techniques", "id", ""]): _random_value(rng, depth + 1)
            for _ in range(rng.randint(0, 3))}


def mutate_structure(raw, rng: random.Random):
    raw = copy.deepcopy(raw)
    for _ in range(rng.randint(1, 4)):
        paths = list(_paths(raw))
        path, node = rng.choice(paths)
        action = rng.choice(["delete", "retype", "wrap", "duplicate", "nest", "empty"])
        if action == "delete" and path:
            parent = raw
            for step in path[:-1]:
                parent = parent[step]
            del parent[path[-1]]
        elif action == "retype":
            raw = _set(raw, path, _random_value(rng))
        elif action == "wrap":
            raw = _set(raw, path, [node] if rng.random() < 0.5 else {"value": node})
        elif action == "duplicate" and isinstance(node, list) and node:
            node.extend(copy.deepcopy(node) * rng.randint(1, 3))
        elif action == "nest":
            nested = node
            for _ in range(rng.choice([5, 60, 70, 300])):
                nested = [nested]
            raw = _set(raw, path, nested)
        elif action == "empty":
            raw = _set(raw, path, type(node)() if isinstance(node, (list, dict, str)) else None)
    return raw


def mutate_values(raw, rng: random.Random):
    raw = copy.deepcopy(raw)
    leaves = [(p, v) for p, v in _paths(raw) if not isinstance(v, (dict, list)) and p]
    for _ in range(rng.randint(1, 6)):
        path, value = rng.choice(leaves)
        key = path[-1]
        if key == "unit" or (isinstance(value, str) and rng.random() < 0.1):
            new = rng.choice(UNITS)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            new = rng.choice(NUMBERS + [value * 10 ** rng.randint(-30, 30), -value, str(value)])
        else:
            new = rng.choice(TEXTS + NUMBERS[:4])
        raw = _set(raw, path, new)
    return raw


YAML_INJECTIONS = [
    "!!binary aGVsbG8=", "!!set {a, b}", "!!omap [a: 1]", "!!pairs [a: 1]", "!!timestamp 2024-01-01",
    "!!python/object:os.system {}", "!custom x", "!!float .inf", "!!int 0x" + "f" * 300, "9" * 500, "&a x",
    "*undefined", "2024-05-01", "<<: {a: 1}", "[" * 80 + "]" * 80, "{a: [b: {c: [d]}]}", "? [a, b]\n  : c",
    "|\n  multi\n  line", "'unterminated", "\t tab", ".nan", "0o777", "1_000_000", "~",
]


def mutate_yaml(text: str, rng: random.Random) -> bytes:
    lines = text.splitlines()
    for _ in range(rng.randint(1, 3)):
        index = rng.randrange(len(lines))
        line = lines[index]
        if ": " in line and rng.random() < 0.8:
            key = line.split(": ", 1)[0]
            lines[index] = f"{key}: {rng.choice(YAML_INJECTIONS)}"
        elif rng.random() < 0.5:
            lines.insert(index, rng.choice(["anchor: &x [1, 2]", "alias: *x", "---", "%YAML 1.1", "bomb: &b [*b]"]))
        else:
            lines[index] = line[: rng.randrange(len(line) + 1)]
    if rng.random() < 0.05:
        lines = nasty_surveys.yaml_alias_bomb().decode().splitlines()
    return "\n".join(lines).encode()


def mutate_zip(data: bytes, rng: random.Random) -> bytes:
    choice = rng.random()
    blob = bytearray(data)
    if choice < 0.3:
        for _ in range(rng.randint(1, 20)):
            blob[rng.randrange(len(blob))] ^= rng.randrange(1, 256)
        return bytes(blob)
    if choice < 0.45:
        return bytes(blob[: rng.randrange(len(blob))])
    members = nasty_surveys._members_of(data)
    names = list(members)
    if choice < 0.6:
        del members[rng.choice(names)]
        return nasty_surveys._rebuilt(members, {})
    if choice < 0.75:  # a lying declared size
        name = rng.choice(names)
        raw = members[name]
        size = rng.choice([0, 1, len(raw) // 2, len(raw) * 1000, 2 ** 32 - 1])
        return nasty_surveys._rebuilt(members, {name: (nasty_surveys._deflate(raw), size, zlib.crc32(raw))})
    if choice < 0.85:
        name = rng.choice(names)
        members[name + "x"] = members[name]
        return nasty_surveys._rebuilt(members, {})
    return nasty_surveys.xlsx_zip_bomb(rng.choice([4, 64, 300]))


XML_EDITS = [
    lambda x, r: b'<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>' + x,
    lambda x, r: x[: r.randrange(len(x))],
    lambda x, r: x.replace(b"<v>", b"<v>1e9999", 3),
    lambda x, r: x.replace(b"<v>", b"<v>abc", 2),
    lambda x, r: x.replace(b't="inlineStr"><is><t>', b't="s"><v>99999</v><is><t>', 2),
    lambda x, r: x.replace(b"</sheetData>", b'<row r="1048576"><c r="A1048576"><v>1</v></c></row></sheetData>'),
    lambda x, r: x.replace(b"<row ", b"<row><foo>", 1),
    lambda x, r: x.replace(b"</t>", b"\xff\xfe</t>", 3),
    lambda x, r: x.replace(b'r="A', b'r="XFD', 5),
    lambda x, r: x.replace(b"<sheetData>", b"<sheetData>" + b"<row>" * 100),
    lambda x, r: x.replace(b'<dimension ref="', b'<dimension ref="A1:XFD1048576" x="'),
    lambda x, r: x.replace(b"</t>", b"=HYPERLINK(\"http://x\")</t>", 3),
]


def mutate_xml(data: bytes, rng: random.Random) -> bytes:
    members = nasty_surveys._members_of(data)
    sheets = [n for n in members if n.startswith("xl/worksheets/sheet")] + ["xl/workbook.xml", "[Content_Types].xml"]
    for _ in range(rng.randint(1, 2)):
        name = rng.choice(sheets)
        members[name] = rng.choice(XML_EDITS)(members[name], rng)
    return nasty_surveys._rebuilt(members, {})


def mutate_csv(text: str, rng: random.Random) -> bytes:
    lines = text.splitlines()
    for _ in range(rng.randint(1, 4)):
        index = rng.randrange(len(lines))
        choice = rng.random()
        if choice < 0.25:
            cells = lines[index].split(",")
            cells[rng.randrange(len(cells))] = rng.choice(TEXTS + [str(n) for n in NUMBERS] + UNITS)
            lines[index] = ",".join(cells)
        elif choice < 0.4:
            lines[index] = lines[index] + ',"' + "x" * rng.choice([10, 200000])
        elif choice < 0.55:
            lines.insert(index, ",".join(["enterprise", f"E{rng.randrange(10 ** 6)}"] + [""] * rng.randrange(3)))
        elif choice < 0.7:
            lines[index] = lines[index][: rng.randrange(len(lines[index]) + 1)]
        elif choice < 0.85:
            lines[index] = '"' + lines[index]
        else:
            lines = lines[:1] + rng.sample(lines[1:], len(lines) - 1)
    encoded = "\n".join(lines)
    return encoded.encode(rng.choice(["utf-8", "utf-8", "gb18030", "utf-16"]), "replace")


# ---------------------------------------------------------------------- one input

class _Stop(Exception):
    pass


def _alarm(signum, frame):
    raise _Stop()


def run_one(data: bytes, filename: str, store, settings, office: bool = True) -> tuple[str, str]:
    """('placed'|'result'|'crash', detail). office: also render XLSX and DOCX (about a second per result)."""
    from cpkb.diagnostics.engine import diagnose
    from cpkb.diagnostics.report import to_docx, to_html, to_json, to_xlsx
    from cpkb.diagnostics.survey import SurveyError, read_survey

    started = time.perf_counter()
    try:
        survey = read_survey(data, filename, store)
        result = diagnose(survey, store, settings, exclude_invalid=True)
    except SurveyError as error:
        _STATE["engine_s"] = time.perf_counter() - started
        bad = [p for p in error.problems if not (p.place and p.message and p.text("zh"))]
        if not error.problems or bad:
            return "crash", f"SurveyError with an unplaced problem: {bad[:1] or 'none'}"
        return "placed", error.problems[0].place
    except _Stop:
        return "crash", f"still running after {PER_INPUT_LIMIT_S} s"
    except Exception:  # noqa: BLE001 - what the harness looks for
        return "crash", traceback.format_exc(limit=-3)
    _STATE["engine_s"] = time.perf_counter() - started
    try:
        VALIDATOR.validate(result)
        if not nasty_surveys.all_finite(result):
            return "crash", "non-finite number in the result"
        json.dumps(result, allow_nan=False)
        for render in (to_json, to_html, to_xlsx, to_docx) if office else (to_json, to_html):
            render(result)
    except _Stop:
        return "crash", f"reports still running after {PER_INPUT_LIMIT_S} s"
    except Exception:  # noqa: BLE001
        return "crash", traceback.format_exc(limit=-3)
    return "result", ""


def make_input(rng: random.Random, forms: dict, raw) -> tuple[str, str, bytes]:
    kind = rng.choices(["structure", "value", "yaml", "zip", "xml", "csv", "corpus"], [25, 25, 15, 10, 12, 10, 3])[0]
    if kind == "structure":
        fmt = rng.choice(["json", "yaml"])
        mutated = mutate_structure(raw, rng)
        try:
            data = (json.dumps(mutated, ensure_ascii=False) if fmt == "json"
                    else yaml.safe_dump(mutated, allow_unicode=True)).encode()
        except RecursionError:  # PyYAML's dumper recurses: write the deep ones as JSON
            fmt, data = "json", json.dumps(mutated, ensure_ascii=False).encode()
        return kind, f"s.{fmt}", data
    if kind == "value":
        fmt = rng.choice(["json", "yaml", "json"])
        mutated = mutate_values(raw, rng)
        if fmt == "json":
            return kind, "s.json", json.dumps(mutated, ensure_ascii=False).encode()
        return kind, "s.yaml", yaml.safe_dump(mutated, allow_unicode=True).encode()
    if kind == "yaml":
        return kind, "s.yaml", mutate_yaml(forms["yaml"].decode(), rng)
    if kind == "zip":
        return kind, "s.xlsx", mutate_zip(forms["xlsx"], rng)
    if kind == "xml":
        return kind, "s.xlsx", mutate_xml(forms["xlsx"], rng)
    if kind == "csv":
        return kind, "s.csv", mutate_csv(forms["csv"].decode(), rng)
    name, filename, make = rng.choice(nasty_surveys.CORPUS)
    return kind, filename, make()


# ---------------------------------------------------------------------- the run

_STATE: dict = {}


def _init(store_dir: str, office_share: float) -> None:
    from cpkb.diagnostics.knowledge import knowledge_for
    from cpkb.kb.build import open_store
    from cpkb.settings import load_settings

    settings = load_settings(store_dir=store_dir, endpoint="", store_mode="memory", kb_dir="")
    store = open_store(settings)
    knowledge_for(store)
    raw = seeds()
    _STATE.update(store=store, settings=settings, raw=raw, office_share=office_share,
                  forms={kind: to_bytes(raw, kind, store) for kind in ("json", "yaml", "csv", "xlsx")})
    # RLIMIT_DATA, not RLIMIT_AS: the report writers' chart renderer (vl-convert, V8) reserves a large
    # address range it never touches and aborts when it cannot; DATA counts only memory actually writable.
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    current = _vm_bytes("VmData:")
    if current:
        resource.setrlimit(resource.RLIMIT_DATA, (current + MEMORY_HEADROOM, hard))
    signal.signal(signal.SIGALRM, _alarm)


def _vm_bytes(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1]) * 1024
    return 0


def _batch(args: tuple[int, int]) -> list[tuple]:
    seed, count = args
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        kind, filename, data = make_input(rng, _STATE["forms"], _STATE["raw"])
        office = rng.random() < _STATE["office_share"]
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        _STATE["engine_s"] = 0.0
        signal.alarm(PER_INPUT_LIMIT_S)
        try:
            outcome, detail = run_one(data, filename, _STATE["store"], _STATE["settings"], office)
        except MemoryError:
            outcome, detail = "crash", "MemoryError: over the 1 GiB headroom"
        except _Stop:
            outcome, detail = "crash", f"still running after {PER_INPUT_LIMIT_S} s"
        finally:
            signal.alarm(0)
        elapsed = time.perf_counter() - started
        grew = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024
        sample = data[:120] if outcome == "crash" else b""
        out.append((kind, filename, len(data), outcome, detail, elapsed, grew, sample, seed, office,
                    _STATE["engine_s"]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--inputs", type=int, default=10000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show", type=int, default=3, help="crashes shown per kind of failure")
    parser.add_argument("--store", default=None, help="store folder (default: a temporary one)")
    parser.add_argument("--office", type=float, default=0.15,
                        help="share of inputs whose result is also rendered as XLSX and DOCX (JSON, HTML, the schema "
                             "and the finiteness check run on every result)")
    args = parser.parse_args()

    import tempfile

    from cpkb.kb.build import build
    from cpkb.settings import load_settings

    store_dir = args.store or tempfile.mkdtemp(prefix="cpkb-fuzz-")
    build(load_settings(store_dir=store_dir, endpoint="", store_mode="memory", kb_dir=""))
    batch = 50
    batches = [(args.seed * 1_000_003 + k, min(batch, args.inputs - k * batch))
               for k in range((args.inputs + batch - 1) // batch)]
    started = time.perf_counter()
    rows: list[tuple] = []
    context = multiprocessing.get_context("fork")
    with context.Pool(args.jobs, initializer=_init, initargs=(store_dir, args.office), maxtasksperchild=20) as pool:
        for done in pool.imap_unordered(_batch, batches):
            rows.extend(done)
            if len(rows) % 1000 < batch:
                print(f"  … {len(rows):,} inputs, {sum(r[3] == 'crash' for r in rows)} crashes, "
                      f"{time.perf_counter() - started:.0f} s", flush=True)
    report(rows, args, time.perf_counter() - started)


def report(rows: list[tuple], args, wall_s: float) -> None:
    outcomes = Counter(r[3] for r in rows)
    by_kind = Counter((r[0], r[3]) for r in rows)
    print(f"\nfuzz_surveys: {len(rows):,} inputs in {wall_s:.0f} s ({args.jobs} processes, seed {args.seed})")
    print(f"  placed errors {outcomes['placed']:,}   valid results {outcomes['result']:,}   "
          f"crashes {outcomes['crash']:,}   (results also rendered as XLSX and DOCX: "
          f"{sum(r[3] == 'result' and r[9] for r in rows):,})")
    print("  by mutation:  " + "   ".join(
        f"{kind} {sum(v for (k, _), v in by_kind.items() if k == kind):,} "
        f"({by_kind[(kind, 'placed')]:,}/{by_kind[(kind, 'result')]:,}/{by_kind[(kind, 'crash')]:,})"
        for kind in ("structure", "value", "yaml", "zip", "xml", "csv", "corpus")) + "   (placed/result/crash)")
    slowest = sorted(rows, key=lambda r: -r[5])[:5]
    print("  slowest: " + "; ".join(f"{r[5]:.2f} s {r[0]} {r[1]} {r[2]:,} B → {r[3]}" for r in slowest))
    engine = sorted(rows, key=lambda r: -r[10])[:5]
    print("  slowest reading + diagnosis alone (what a survey controls; the rest is report rendering): "
          + "; ".join(f"{r[10]:.2f} s {r[0]} {r[1]} {r[2]:,} B" for r in engine)
          + f"; over 5 s: {sum(r[10] > 5 for r in rows)}")
    largest = sorted(rows, key=lambda r: -r[6])[:5]
    print("  largest rise of peak memory: " + "; ".join(f"{r[6] / 2 ** 20:.0f} MiB {r[0]} {r[1]} {r[2]:,} B"
                                                       for r in largest))
    print(f"  biggest input: {max(r[2] for r in rows):,} B; over 5 s: {sum(r[5] > 5 for r in rows)}; "
          f"peak memory of a fuzzing process: {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} MiB "
          f"(cap: start-up + {MEMORY_HEADROOM >> 20} MiB)")
    crashes = [r for r in rows if r[3] == "crash"]
    seen: Counter = Counter()
    for r in crashes:
        key = r[4].strip().splitlines()[-1][:120]
        seen[key] += 1
        if seen[key] <= args.show:
            print(f"\n  CRASH ({r[0]}, {r[1]}, batch seed {r[8]}): {r[4].strip()[-600:]}\n    input starts {r[7]!r}")
    if crashes:
        print("\n  crash kinds: " + "; ".join(f"{n}× {k}" for k, n in seen.most_common()))
    sys.exit(1 if crashes else 0)


if __name__ == "__main__":
    main()
