"""Checks that a change meant only to make diagnosis faster leaves its results unchanged: runs `cpkb diagnose` on
every example survey (examples/*.yaml, *.json, *.csv, *.xlsx; not the *.expected.yaml answers) and on a generated
electroplating survey of 300 jittered enterprises (benchmarks/diagnose.py, fixed seed), and keeps its exit code and JSON
output with the run's own stamps (generated_at, kb_version, engine_version) taken out.

    python benchmarks/same_output.py save /tmp/before      # on the code before the change
    python benchmarks/same_output.py compare /tmp/before   # after it: exit 1, naming each survey that differs

Both runs must use the same store (CPKB_STORE_DIR), built from the same knowledge.
"""

from __future__ import annotations

import argparse
import difflib
import gc
import json
import os
import sys
from pathlib import Path

from click.testing import CliRunner

from cpkb.cli import main as cli
from diagnose import generate   # benchmarks/ is on sys.path when this script runs

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
STAMPS = ("generated_at", "kb_version", "engine_version")


def surveys(folder: Path) -> list[Path]:
    """The example surveys in name order, then the generated one (written into `folder`)."""
    found = [p for ext in ("yaml", "json", "csv", "xlsx") for p in EXAMPLES.glob(f"*.{ext}")]
    generated = folder / "generated_300.json"
    generated.write_bytes(generate(300, seed=11))
    return sorted(p for p in found if not p.name.endswith(".expected.yaml")) + [generated]


def diagnosis(path: Path) -> str:
    """Exit code and result of `cpkb diagnose --quiet` on one survey, as stable text."""
    outcome = CliRunner().invoke(cli, ["diagnose", "--quiet", str(path)])
    text = outcome.stdout
    try:
        result = json.loads(text)
    except ValueError:
        return f"exit {outcome.exit_code}\n{text}{outcome.stderr if outcome.stderr_bytes is not None else ''}"
    for key in STAMPS:
        result.pop(key, None)
    return f"exit {outcome.exit_code}\n" + json.dumps(result, ensure_ascii=False, indent=1, sort_keys=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=("save", "compare"))
    parser.add_argument("folder", type=Path)
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    differ = []
    for path in surveys(args.folder):
        now = diagnosis(path)
        gc.collect()   # `cpkb diagnose` turns the collector off while it runs: free each run's cycles here
        kept = args.folder / f"{path.name}.out"
        if args.action == "save":
            kept.write_text(now, encoding="utf-8")
            print(f"saved {path.name}", flush=True)
            continue
        if not kept.exists():
            print(f"{path.name}: no saved output in {args.folder}; run `save` first", file=sys.stderr)
            differ.append(path.name)
            continue
        before = kept.read_text(encoding="utf-8")
        if before == now:
            print(f"same {path.name}", flush=True)
            continue
        differ.append(path.name)
        diff = difflib.unified_diff(before.splitlines(), now.splitlines(), "before", "after", lineterm="", n=1)
        print(f"DIFFERENT {path.name}:\n" + "\n".join(list(diff)[:40]), flush=True)
    if differ:
        print(f"{len(differ)} survey(s) diagnosed differently: {', '.join(differ)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)   # tearing down the knowledge graphs of every run takes minutes and tells nothing
