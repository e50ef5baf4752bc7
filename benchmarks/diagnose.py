"""Times a whole diagnosis (read JSON, validate, rules, scoring, aggregation, JSON out) on generated electroplating
surveys of 1,000, 10,000 and 100,000 enterprises, and prints per-stage times and enterprises per second.

    python benchmarks/diagnose.py                 # 1k, 10k, 100k
    python benchmarks/diagnose.py 10000 --profile # one size, with a cProfile of the run

The surveys mix the enterprises of examples/electroplating_cluster.json with their values jittered, so that every
rule, scoring path and recommendation sees realistic variety. Target: 10,000 enterprises in ≤ 2 s on 2 cores.
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import gc
import json
import pstats
import random
import sys
import time
from pathlib import Path

from cpkb.diagnostics.engine import _scope, aggregate, assess, evaluate_rules, recommend
from cpkb.diagnostics.engine import diagnose
from cpkb.diagnostics.knowledge import knowledge_for
from cpkb.diagnostics.model_sections import model_sections
from cpkb.diagnostics.prepare import prepare
from cpkb.diagnostics.report import to_json
from cpkb.diagnostics.survey import SurveyReader, parse_document
from cpkb.kb.build import open_store
from cpkb.settings import load_settings

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "electroplating_cluster.json"


def generate(n: int, seed: int = 7) -> bytes:
    """A survey of n enterprises drawn from the example's, values jittered by ±25 %."""
    base = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    rng = random.Random(seed)
    templates = base["enterprises"]
    enterprises = []
    for i in range(n):
        ent = copy.deepcopy(templates[rng.randrange(len(templates))])
        ent["id"] = f"E{i:06d}"
        ent["name"] = f"企业{i}"
        if isinstance(ent.get("output"), dict):
            ent["output"]["value"] = round(ent["output"]["value"] * rng.uniform(0.5, 2.0), 2)
        for ind in ent.get("indicators", []):
            if isinstance(ind["value"], (int, float)):
                jittered = ind["value"] * rng.uniform(0.75, 1.25)
                ind["value"] = round(min(jittered, 100.0) if ind.get("unit") == "%" else jittered, 2)
        for em in ent.get("emissions", []):
            em["value"] = round(em["value"] * rng.uniform(0.5, 1.5), 4)
        for key, value in list(ent.get("facts", {}).items()):
            if isinstance(value, bool) and rng.random() < 0.2:
                ent["facts"][key] = not value
        enterprises.append(ent)
    return json.dumps({**base, "enterprises": enterprises}, ensure_ascii=False).encode("utf-8")


def run(data: bytes, store, settings) -> dict[str, float]:
    """Per-stage seconds of one diagnosis, the stages as diagnose() runs them."""
    times = {}
    t = time.perf_counter()
    raw, cells = parse_document(data, "bench.json")
    times["read JSON"] = time.perf_counter() - t
    t = time.perf_counter()
    kb = knowledge_for(store)
    survey = SurveyReader(kb, cells).read(raw)
    assert not survey.problems, survey.problems[:3]
    times["validate"] = time.perf_counter() - t
    enterprises, sector = survey.enterprises, survey.scope["sector"]
    t = time.perf_counter()
    compiler = prepare(kb, survey, enterprises, sector)   # model v2: context, derived values, variants, limits
    times["prepare"] = time.perf_counter() - t
    t = time.perf_counter()
    findings, _, _ = evaluate_rules(kb, survey, enterprises, sector)
    times["rules"] = time.perf_counter() - t
    t = time.perf_counter()
    assess(kb, enterprises, sector)
    times["scoring"] = time.perf_counter() - t
    t = time.perf_counter()
    total = sum(e.output or 0.0 for e in enterprises)
    issues = aggregate(kb, findings, enterprises, total, float(settings["key_issue_prevalence"]))
    recommendations, _ = recommend(kb, survey, [i for i in issues if i["key_issue"]], enterprises, sector)
    _scope(kb, survey, enterprises, total, set())
    times["aggregate+recommend"] = time.perf_counter() - t
    t = time.perf_counter()
    model_sections(kb, survey, enterprises, sector, compiler, recommendations, settings)
    times["model v2 sections"] = time.perf_counter() - t
    t = time.perf_counter()
    result = diagnose(survey, store, settings)
    times["(diagnose once more)"] = time.perf_counter() - t
    t = time.perf_counter()
    to_json(result)
    times["JSON out"] = time.perf_counter() - t
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000, 100000])
    parser.add_argument("--profile", action="store_true", help="cProfile the run of the first size")
    args = parser.parse_args()
    settings = load_settings()
    store = open_store(settings)
    knowledge_for(store)
    SurveyReader(knowledge_for(store))  # the unit registry is built once per knowledge base, not per survey
    stages = ["read JSON", "validate", "prepare", "rules", "scoring", "aggregate+recommend", "model v2 sections",
              "JSON out"]
    print(f"{'enterprises':>11} " + " ".join(f"{s:>20}" for s in stages) + f" {'total s':>9} {'ent/s':>9}")
    for n in args.sizes:
        data = generate(n)
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
        gc.disable()  # as `cpkb diagnose` does: no cyclic-GC rescans of the survey's objects
        times = run(data, store, settings)
        gc.enable()
        if args.profile:
            profiler.disable()
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(30)
            args.profile = False
        total = sum(times[s] for s in stages)
        print(f"{n:>11,} " + " ".join(f"{times[s]:>19.3f}s" for s in stages) + f" {total:>9.3f} {n / total:>9,.0f}",
              flush=True)
    print("total = read JSON + validate + rules + scoring + aggregate+recommend + JSON out "
          "(the second diagnose() call is not counted)")


if __name__ == "__main__":
    main()
