"""Times a whole diagnosis (read JSON, validate, prepare, rules, scoring, aggregation, reduction potential and the
other pilot sections, JSON out) on generated surveys of 1,000, 10,000 and 100,000 enterprises, and prints per-stage
times (wall clock and CPU), enterprises per second and memory, and under each run what the diagnosis found (key issues, measures,
unresolved names, warnings), so that each workload is seen to exercise what it is meant to.

    python benchmarks/diagnose.py                        # electroplating: 1k, 10k, 100k
    python benchmarks/diagnose.py 1000 10000             # chosen sizes
    python benchmarks/diagnose.py 10000 --profile        # one size, with a cProfile of the run
    python benchmarks/diagnose.py 10000 --calls          # and each stage's count of function calls (deterministic)
    python benchmarks/diagnose.py 2000 --workload all    # every workload: electroplating, messy names, each sector

Workloads (--workload, repeatable; `all` runs each):
- electroplating: the enterprises of examples/electroplating_cluster.json, values jittered, so that every rule,
  scoring path and recommendation sees realistic variety;
- unresolved: the same with names no knowledge holds (processes, techniques, facts) and unknown fields, so that
  the unresolved-name table and the warnings are built at scale;
- one per sector that has a messy example survey (examples/<sector>_*_messy.yaml, read, never changed): its
  enterprises jittered the same way, with the example's own name map and scope.

Each size runs in a child process of its own, so that the memory printed is that run's: RSS before the survey
is generated and at its peak (the knowledge base loaded by the parent is counted in both), and the growth per
1,000 enterprises, which stays flat when memory is linear. The survey cap max_enterprises (50,000) is raised for
the benchmark's own runs only. Target (issue 14): 10,000 enterprises of one sector in ≤ 1 s, 100,000 in ≤ 10 s.
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import gc
import json
import os
import pstats
import random
import resource
import sys
import time
from pathlib import Path

from cpkb.diagnostics.engine import _pilot_sections, _scope, aggregate, assess, evaluate_rules, recommend
from cpkb.diagnostics.engine import diagnose
from cpkb.diagnostics.knowledge import knowledge_for
from cpkb.diagnostics.limits import SurveyLimits
from cpkb.diagnostics.model_sections import model_sections
from cpkb.diagnostics.prepare import prepare
from cpkb.diagnostics.report import to_json
from cpkb.diagnostics.safe_load import load_yaml
from cpkb.diagnostics.survey import SurveyReader, parse_document
from cpkb.kb.build import open_store
from cpkb.settings import load_settings

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXAMPLE = EXAMPLES / "electroplating_cluster.json"
STAGES = ["read JSON", "validate", "prepare", "rules", "scoring", "aggregate+recommend", "potential+pilot",
          "model v2 sections", "JSON out"]


def _jitter(ent: dict, rng: random.Random) -> None:
    """Numbers of an enterprise scaled by ±25 % (output by ×0.5–2, emissions by ×0.5–1.5); text kept as written."""
    def scaled(item: dict, low: float, high: float) -> None:
        value = item.get("value")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            jittered = value * rng.uniform(low, high)
            item["value"] = round(min(jittered, 100.0) if item.get("unit") == "%" else jittered, 4)
    outputs = ent.get("output")
    for out in outputs if isinstance(outputs, list) else [outputs]:
        if isinstance(out, dict):
            scaled(out, 0.5, 2.0)
    for key, low, high in (("indicators", 0.75, 1.25), ("materials", 0.75, 1.25), ("emissions", 0.5, 1.5)):
        items = ent.get(key)
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict):
                scaled(item, low, high)
    facts = ent.get("facts")
    for key, value in list(facts.items()) if isinstance(facts, dict) else []:
        if isinstance(value, bool) and rng.random() < 0.2:
            facts[key] = not value


def _unresolved(ent: dict, i: int) -> None:
    """Names no knowledge base holds, and a field no survey has: each a warning and a row of `unresolved`."""
    for proc in ent.get("processes", [])[:1]:
        proc["process"] = f"自定工序{i % 40}"
        proc["techniques"] = [*proc.get("techniques", []), f"自研装置{i % 25}"]
    ent.setdefault("facts", {})[f"自定问题{i % 30}"] = True
    ent["备用栏"] = "—"


def generate(n: int, workload: str = "electroplating", seed: int = 7) -> bytes:
    """A survey of n enterprises of a workload (see the module's help), drawn from its example's and jittered."""
    if workload in ("electroplating", "unresolved"):
        base = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    else:
        path = EXAMPLES / f"{workload}.yaml"
        base = load_yaml(path.read_text(encoding="utf-8"), path.name, SurveyLimits())
    rng = random.Random(seed)
    templates = base["enterprises"]
    enterprises = []
    for i in range(n):
        ent = copy.deepcopy(templates[rng.randrange(len(templates))])
        ent["id"] = f"E{i:06d}"
        ent["name"] = f"企业{i}"
        _jitter(ent, rng)
        if workload == "unresolved" and i % 3 == 0:
            _unresolved(ent, i)
        enterprises.append(ent)
    return json.dumps({**base, "enterprises": enterprises}, ensure_ascii=False).encode("utf-8")


def workloads() -> list[str]:
    """Every workload: electroplating, unresolved, and the messy example of each sector."""
    return ["electroplating", "unresolved"] + sorted(p.stem for p in EXAMPLES.glob("*_messy.yaml"))


def run(data: bytes, store, settings, count_calls: bool = False) -> tuple[dict[str, float], dict[str, float], str]:
    """Per-stage seconds of one diagnosis, wall clock and this process's CPU time (the latter barely moves with
    the machine's load), the stages as diagnose() runs them (enterprises with errors set aside, as `cpkb diagnose
    --exclude-invalid` does), and what it found (_summary). With count_calls, each stage also runs under a
    cProfile.Profile of its own and cpu["calls <stage>"] is its total of function calls (the CPU times are then
    the profiled ones, larger than a plain run's)."""
    times: dict[str, float] = {}
    cpu: dict[str, float] = {}
    calls: dict[str, int] = {}
    clock = [time.perf_counter(), time.process_time()]
    counter = [cProfile.Profile() if count_calls else None]
    if counter[0]:
        counter[0].enable()

    def stage(name: str) -> None:   # the time since the previous stage ended
        wall, used = time.perf_counter(), time.process_time()
        if counter[0]:   # the stage's function calls: a figure the machine's load cannot move
            counter[0].disable()
            calls[name] = pstats.Stats(counter[0]).total_calls
            counter[0] = cProfile.Profile()
        times[name], cpu[name] = wall - clock[0], used - clock[1]
        clock[:] = [time.perf_counter(), time.process_time()]
        if counter[0]:
            counter[0].enable()

    raw, cells = parse_document(data, "bench.json", SurveyLimits.from_settings(settings))
    stage("read JSON")
    kb = knowledge_for(store)
    survey = SurveyReader(kb, cells).read(raw)
    del raw, cells   # as `cpkb diagnose` does: the parsed tree is not kept while diagnosing
    assert not any(p.fatal for p in survey.problems), survey.problems[:3]
    stage("validate")
    invalid = survey.invalid_ids
    enterprises = [e for e in survey.enterprises if e.id not in invalid]
    sector = survey.scope["sector"]
    compiler = prepare(kb, survey, enterprises, sector)   # model v2: context, derived values, variants, limits
    stage("prepare")
    findings, _, _ = evaluate_rules(kb, survey, enterprises, sector)
    stage("rules")
    assess(kb, enterprises, sector)
    stage("scoring")
    total = sum(e.output or 0.0 for e in enterprises)
    issues = aggregate(kb, findings, enterprises, total, float(settings["key_issue_prevalence"]))
    recommendations, _ = recommend(kb, survey, [i for i in issues if i["key_issue"]], enterprises, sector)
    _scope(kb, survey, enterprises, total, set())
    stage("aggregate+recommend")
    _pilot_sections(kb, survey, enterprises, recommendations)   # eligibility, reduction potential, heavy metals, portfolio
    stage("potential+pilot")
    model_sections(kb, survey, enterprises, sector, compiler, recommendations, settings)
    stage("model v2 sections")
    # the staged run's results go before the whole diagnosis runs again, so that the peak memory is one diagnosis's
    del compiler, findings, issues, recommendations, enterprises
    result = diagnose(survey, store, settings, exclude_invalid=True)
    stage("(diagnose once more)")
    to_json(result)
    stage("JSON out")
    if counter[0]:
        counter[0].disable()
        cpu.update({f"calls {name}": float(count) for name, count in calls.items()})
    return times, cpu, _summary(result)


def _summary(result: dict) -> str:
    """What the diagnosis found, so that a workload is seen to exercise what it is meant to (names kept as
    written, warnings, findings, measures)."""
    scope = result["scope"]
    return (f"{scope.get('sector')}: {scope['diagnosed']:,} diagnosed, {len(result['key_issues'])} key issues, "
            f"{len(result['other_findings'])} other findings, {len(result['recommendations'])} measures, "
            f"{len(result['unresolved'])} unresolved names, {len(result['warnings']):,} warnings"
            + (", reduction potential" if "reduction_potential" in result else "")
            + (", heavy metals" if "heavy_metals" in result else ""))


def _rss_mb() -> float:
    """This process's resident memory now (Linux /proc), in MB."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def measure(n: int, workload: str, store, settings, profile: bool, count_calls: bool = False) -> dict:
    """One run of n enterprises in a child process: its stage times and memory (RSS before and at the peak)."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:   # the child: generate, run, report, exit without tearing anything down
        os.close(reader)
        try:
            before = _rss_mb()
            data = generate(n, workload)
            profiler = cProfile.Profile() if profile else None
            if profiler:
                profiler.enable()
            gc.disable()  # as `cpkb diagnose` does: no cyclic-GC rescans of the survey's objects
            times, cpu, summary = run(data, store, settings, count_calls)
            if profiler:
                profiler.disable()
                pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(30)
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3   # kB on Linux
            report = {"times": times, "cpu": cpu, "rss_before": before, "rss_peak": peak, "summary": summary}
        except BaseException as exc:  # noqa: BLE001 - said by the parent, which goes on with the next run
            report = {"error": f"{type(exc).__name__}: {exc}"[:300]}
        os.write(writer, json.dumps(report).encode())
        os.close(writer)
        os._exit(0)
    os.close(writer)
    chunks = []
    while chunk := os.read(reader, 65536):
        chunks.append(chunk)
    os.close(reader)
    os.waitpid(pid, 0)
    return json.loads(b"".join(chunks) or b'{"error": "the run died"}')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000, 100000])
    parser.add_argument("--workload", action="append", choices=["all", *workloads()],
                        help="what to diagnose (default: electroplating); repeat it, or `all`")
    counting = parser.add_mutually_exclusive_group()   # one cProfile at a time: a stage's own would mute --profile's
    counting.add_argument("--profile", action="store_true", help="cProfile the run of the first size")
    counting.add_argument("--calls", action="store_true",
                        help="count each stage's function calls (cProfile; deterministic, unlike the times) and "
                             "print them and the calls per enterprise under the run")
    args = parser.parse_args()
    chosen = workloads() if "all" in (args.workload or []) else (args.workload or ["electroplating"])
    settings = load_settings()
    settings["max_enterprises"] = max([int(settings["max_enterprises"]), *args.sizes])   # this benchmark's only
    store = open_store(settings)
    SurveyReader(knowledge_for(store))  # the unit registry is built once per knowledge base, not per survey
    print(f"{'workload':<38} {'enterprises':>11} " + " ".join(f"{s:>20}" for s in STAGES)
          + f" {'total s':>9} {'CPU s':>9} {'ent/s':>9} {'RSS MB':>8} {'peak MB':>8} {'MB/1k ent':>9}")
    for workload in chosen:
        for n in args.sizes:
            found = measure(n, workload, store, settings, args.profile, args.calls)
            args.profile = False
            if "error" in found:
                print(f"{workload:<38} {n:>11,} failed: {found['error']}", flush=True)
                continue
            times, cpu = found["times"], found["cpu"]
            total, total_cpu = sum(times[s] for s in STAGES), sum(cpu[s] for s in STAGES)
            growth = found["rss_peak"] - found["rss_before"]
            print(f"{workload:<38} {n:>11,} " + " ".join(f"{times[s]:>9.3f}/{cpu[s]:>8.3f}s" for s in STAGES)
                  + f" {total:>9.3f} {total_cpu:>9.3f} {n / total:>9,.0f} {found['rss_before']:>8,.0f}"
                  f" {found['rss_peak']:>8,.0f} {growth / n * 1000:>9.1f}", flush=True)
            print(f"{'':<38} {'':>11} {found['summary']}; diagnose() whole, after read and validate: "
                  f"{times['(diagnose once more)']:.3f} s (CPU {cpu['(diagnose once more)']:.3f} s)", flush=True)
            if args.calls:
                print(f"{'':<38} {'calls (per enterprise)':>11} " + " ".join(
                    f"{cpu['calls ' + s]:>12,.0f} ({cpu['calls ' + s] / n:>5.0f})" for s in STAGES), flush=True)
    print("Each stage: wall/CPU seconds (CPU: time.process_time() of the run's process, which the machine's load "
          "barely changes). total = the sum of the stage columns (the second diagnose() call is not counted); RSS MB: before the "
          f"survey is generated, peak MB: the run's peak, MB/1k ent: their difference per 1,000 enterprises. "
          f"Load average: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")


if __name__ == "__main__":
    main()
