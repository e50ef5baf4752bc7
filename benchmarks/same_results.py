"""Writes the diagnosis JSON of every example survey (and of a generated electroplating survey of a few hundred
jittered enterprises) to a folder, with the fields that change from run to run blanked; run it before and after a
change that must not alter results, then compare the folders:

    python benchmarks/same_results.py /tmp/before          # on the old code
    python benchmarks/same_results.py /tmp/after           # on the new code
    python benchmarks/same_results.py --compare /tmp/before /tmp/after

The JSON is what `cpkb diagnose` writes (report.write_json, pretty); only generated_at, engine_version and
kb_version are blanked.
"""

from __future__ import annotations

import argparse
import gc
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VARYING = ("generated_at", "engine_version", "kb_version")


def surveys() -> list[tuple[str, bytes]]:
    """Every example survey the diagnosis accepts (messy ones with exclude_invalid), and a generated one."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from diagnose import generate

    found = [(p.name, p.read_bytes()) for p in sorted((ROOT / "examples").iterdir())
             if p.suffix in (".yaml", ".json", ".csv") and not p.name.endswith(".expected.yaml")]
    return found + [("generated_300.json", generate(300, seed=11))]


def write_all(folder: Path) -> None:
    from cpkb.diagnostics.engine import diagnose
    from cpkb.diagnostics.knowledge import knowledge_for
    from cpkb.diagnostics.report import write_json
    from cpkb.diagnostics.survey import SurveyError, SurveyReader, parse_document
    from cpkb.kb.build import open_store
    from cpkb.settings import load_settings

    settings = load_settings()
    store = open_store(settings)
    kb = knowledge_for(store)
    folder.mkdir(parents=True, exist_ok=True)
    gc.disable()
    for name, data in surveys():
        try:
            raw, cells = parse_document(data, name)
            result = diagnose(SurveyReader(kb, cells).read(raw), store, settings, exclude_invalid=True)
        except SurveyError as exc:
            (folder / f"{name}.out").write_text(f"SurveyError: {[p.as_dict() for p in exc.problems]!r}\n")
            continue
        for key in VARYING:
            result[key] = None
        out = io.BytesIO()
        write_json(result, out, pretty=True)
        (folder / f"{name}.out").write_bytes(out.getvalue())
        print(name, len(out.getvalue()), file=sys.stderr)


def compare(before: Path, after: Path) -> int:
    """Lists the files that differ or are missing on one side; 0 when all are byte-identical."""
    names = sorted({p.name for p in before.iterdir()} | {p.name for p in after.iterdir()})
    bad = 0
    for name in names:
        a, b = before / name, after / name
        if not (a.exists() and b.exists()) or a.read_bytes() != b.read_bytes():
            bad += 1
            print(f"DIFFERS: {name}")
    print(f"{len(names) - bad} of {len(names)} identical")
    return 1 if bad else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--compare", action="store_true", help="compare two folders written before")
    args = parser.parse_args()
    if args.compare:
        sys.exit(compare(*args.folders))
    write_all(args.folders[0])


if __name__ == "__main__":
    main()
