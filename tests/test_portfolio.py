"""The measure portfolio under a budget: the HiGHS optimum equals brute force on small instances, and a plan over
a small knowledge base keeps to the budget, prerequisites and alternatives, and says what 100万元 more buys."""

from __future__ import annotations

import itertools
import random
from types import SimpleNamespace

import pytest

from cpkb.diagnostics.portfolio import Candidate, solve
from diagnose_support import feasible


def _fake_kb(measures: dict[str, dict]):
    return SimpleNamespace(measures={
        m: SimpleNamespace(replaces=spec.get("replaces", []), introduces=spec.get("introduces", [m + "-tech"]),
                           economics=SimpleNamespace(requires_measures=spec.get("requires", []), requires_techniques=[]))
        for m, spec in measures.items()})


def _objective(chosen, loads, weight):
    credited = {}
    for c in chosen:
        for p, (lo, hi) in c.cuts.items():
            key = (c.enterprise, p)
            credited[key] = credited.get(key, 0.0) + loads[p][c.enterprise] * (lo + hi) / 2
    return sum(weight[p] * min(v, loads[p][e]) for (e, p), v in credited.items())


@pytest.mark.parametrize("seed", range(12))
def test_optimum_equals_brute_force(seed):
    rng = random.Random(seed)
    measures = {"m1": {"replaces": ["old"]}, "m2": {"replaces": ["old"]}, "m3": {}, "m4": {"requires": ["m3"]}}
    kb = _fake_kb(measures)
    enterprises = [SimpleNamespace(id=e, techniques=set()) for e in ("A", "B")]
    loads = {p: {e.id: rng.uniform(1, 20) for e in enterprises} for p in ("vocs", "nox")}
    pool = []
    for m, e in itertools.product(measures, ("A", "B")):
        if rng.random() < 0.85:
            cost = rng.uniform(5, 60)
            cuts = {p: tuple(sorted((rng.uniform(0, 0.6), rng.uniform(0, 0.9)))) for p in ("vocs", "nox")
                    if rng.random() < 0.7}
            pool.append(Candidate(m, e, (cost * 0.6, cost), None, cuts))
    weight = {"vocs": 1.0 / sum(loads["vocs"].values()), "nox": 1.0 / sum(loads["nox"].values())}
    budget = rng.uniform(40, 150)
    best = max(_objective(list(subset), loads, weight)
               for n in range(len(pool) + 1) for subset in itertools.combinations(pool, n)
               if feasible(kb, subset, budget, enterprises))
    chosen = solve(kb, pool, loads, weight, budget, enterprises)
    assert feasible(kb, chosen, budget, enterprises)
    assert _objective(chosen, loads, weight) == pytest.approx(best, rel=1e-6, abs=1e-9)


def test_an_enterprise_that_has_the_prerequisite_needs_no_second_one():
    kb = _fake_kb({"m3": {}, "m4": {"requires": ["m3"]}})
    enterprises = [SimpleNamespace(id="A", techniques={"m3-tech"})]
    pool = [Candidate("m4", "A", (5, 10), None, {"vocs": (0.5, 0.5)})]
    assert [c.key for c in solve(kb, pool, {"vocs": {"A": 4.0}}, {"vocs": 1.0}, 10, enterprises)] == [("m4", "A")]
    enterprises[0].techniques = set()
    assert solve(kb, pool, {"vocs": {"A": 4.0}}, {"vocs": 1.0}, 10, enterprises) == []


MEASURES = """
  - id: capture-a
    label: {zh: 槽边收集方案甲, en: capture option A}
    definition: {zh: 收集。, en: Capture.}
    sources: [{doc: demo-standard}]
    addresses: [high-rinse-water]
    processes: [rinsing]
    cost: high
    route: technology
    introduces: [countercurrent-rinse]
    replaces: [single-tank-rinse]
    investment: {range: [10, 20], basis: per-enterprise, sources: [{doc: demo-standard, clause: 附录B}]}
    effects:
      - {pollutant: vocs, change: [-60, -40], sources: [{doc: demo-standard}]}
  - id: capture-b
    label: {zh: 槽边收集方案乙, en: capture option B}
    definition: {zh: 收集。, en: Capture.}
    sources: [{doc: demo-standard}]
    addresses: [high-rinse-water]
    processes: [rinsing]
    cost: high
    route: technology
    replaces: [single-tank-rinse]
    investment: {range: [30, 50], basis: per-enterprise, sources: [{doc: demo-standard, clause: 附录B}]}
    effects:
      - {pollutant: vocs, change: [-90, -70], sources: [{doc: demo-standard}]}
  - id: polish
    label: {zh: 深度处理, en: polishing}
    definition: {zh: 深度。, en: Polishing.}
    sources: [{doc: demo-standard}]
    addresses: [high-rinse-water]
    processes: [rinsing]
    cost: high
    route: technology
    requires: [capture-a]
    investment: {range: [5, 8], basis: per-enterprise, sources: [{doc: demo-standard, clause: 附录B}]}
    effects:
      - {pollutant: vocs, change: [-50, -50], sources: [{doc: demo-standard}]}
"""


@pytest.fixture(scope="module")
def plan_setup():
    import shutil
    import tempfile
    from pathlib import Path

    from cpkb.diagnostics.engine import diagnose
    from cpkb.diagnostics.knowledge import knowledge_for
    from cpkb.diagnostics.survey import SurveyReader
    from cpkb.kb.build import open_store
    from cpkb.settings import load_settings

    root = Path(tempfile.mkdtemp(prefix="cpkb-plan-"))
    kb = root / "kb"
    shutil.copytree(Path(__file__).parent / "data" / "v2_kb", kb)
    demo = kb / "sectors" / "demo.yaml"
    text = demo.read_text(encoding="utf-8")
    at = text.index("\nrules:")
    demo.write_text(text[:at] + MEASURES + text[at:], encoding="utf-8")
    store = open_store(load_settings(store_dir=str(root / "store"), endpoint="", store_mode="memory", kb_dir=str(kb)))
    plants = [{"id": eid, "output": {"product": "镀件", "value": 10000, "unit": "m2"},
               "processes": [{"process": "水洗", "techniques": ["单槽清洗"], "complete": True}],
               "indicators": [{"indicator": "单位产品每次清洗取水量", "value": 50, "unit": "L/m2"}],
               "facts": {"plating-type": "decorative"},
               "emissions": [{"pollutant": "VOCs", "value": load, "unit": "t/a"}]}
              for eid, load in (("A", 10.0), ("B", 5.0), ("C", 1.0))]
    raw = {"cpkb_survey": 1, "scope": {"sector": "demo", "pilot_type": "region", "region": "demo-region"},
           "enterprises": plants}
    survey = SurveyReader(knowledge_for(store)).read(raw)
    result = diagnose(survey, store)
    return survey, result


def test_plan_keeps_budget_prerequisites_and_alternatives(plan_setup):
    from cpkb.diagnostics.portfolio import plan

    survey, result = plan_setup
    assert {r["measure"].rsplit("/", 1)[-1] for r in result["recommendations"]} >= {"capture-a", "capture-b", "polish"}
    out = plan(survey.knowledge, survey, survey.enterprises, result["recommendations"], budget=60)
    chosen = {(c["measure"].rsplit("/", 1)[-1], c["enterprise"]) for c in out["chosen"]}
    assert out["investment_10k_yuan"][1] <= 60
    for eid in "ABC":
        assert not {("capture-a", eid), ("capture-b", eid)} <= chosen       # alternatives: one of them
        if ("polish", eid) in chosen:
            assert ("capture-a", eid) in chosen                          # polishing needs capture A
    vocs = next(p for p in out["reduction_t_per_a"] if p.endswith("/vocs"))
    low, high = out["reduction_t_per_a"][vocs]
    assert 0 < low <= high <= 16.0
    assert out["next_step"]["budget_10k_yuan"] == 160
    assert out["next_step"]["reduction_t_per_a"][vocs][1] >= high


def test_plan_by_hand_for_one_enterprise(plan_setup):
    """Budget 28 at enterprise A alone: capture A (20) + polish (8) removes 10 × (1 − 0.6 × 0.5)… by hand."""
    from cpkb.diagnostics.portfolio import plan

    survey, result = plan_setup
    only_a = [dict(r, applies_to=["A"]) for r in result["recommendations"]]
    out = plan(survey.knowledge, survey, survey.enterprises, only_a, budget=28)
    assert {c["measure"].rsplit("/", 1)[-1] for c in out["chosen"]} == {"capture-a", "polish"}
    vocs = next(iter(out["reduction_t_per_a"]))
    # low: 1 − (1 − 0.4)(1 − 0.5) = 0.7 → 7 t; high: 1 − (1 − 0.6)(1 − 0.5) = 0.8 → 8 t
    assert out["reduction_t_per_a"][vocs] == pytest.approx([7.0, 8.0])
    assert out["next_step"]["adds"] == [] or all(a["enterprise"] == "A" for a in out["next_step"]["adds"])


def test_cli_plan_says_what_lacks_data_and_refuses_a_bad_budget(tmp_path):
    import json
    import subprocess
    import sys

    from diagnose_support import EXAMPLES

    survey = str(EXAMPLES / "electroplating_cluster.json")
    run = subprocess.run([sys.executable, "-m", "cpkb.cli", "plan", survey, "--budget", "500万元", "--lang", "zh",
                          "-o", str(tmp_path / "plan.json")], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    out = json.loads((tmp_path / "plan.json").read_text())
    assert out["budget_10k_yuan"] == 500 and out["investment_10k_yuan"][1] <= 500
    assert "预算500万元" in run.stderr
    assert out["without_data"] and "缺少投资或效果数据" in run.stderr   # electroplating has no scalable investments yet
    bad = subprocess.run([sys.executable, "-m", "cpkb.cli", "plan", survey, "--budget", "五百万"],
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode != 0 and "500万元" in bad.stderr and "Traceback" not in bad.stderr


def test_abatement_cost_curve_by_hand(plan_setup):
    """Capture A at enterprise A: investment 10–20 (mid 15) × CRF(8 %, 10 a) = 15 × 0.149029 = 2.2354 万元/a for
    10 t × 50 % = 5 t/a → 4,471 元/t; the curve is cheapest first and cumulative."""
    from cpkb.diagnostics.portfolio import plan

    survey, result = plan_setup
    out = plan(survey.knowledge, survey, survey.enterprises, result["recommendations"], budget=60)
    curve = out["abatement_cost_curve"]
    assert curve["capital_recovery_factor"] == pytest.approx(0.149029, abs=1e-6)
    steps = next(iter(curve["curves"].values()))
    step = next(s for s in steps if s["measure"].endswith("/capture-a") and s["enterprise"] == "A")
    assert step["t_per_a"] == pytest.approx(5.0) and step["yuan_per_t"] == pytest.approx(4470.88, abs=0.5)
    assert [s["yuan_per_t"] for s in steps] == sorted(s["yuan_per_t"] for s in steps)
    assert steps[-1]["cumulative_t_per_a"] == pytest.approx(sum(s["t_per_a"] for s in steps))


def test_a_regional_result_carries_the_portfolio_at_each_budget_for_the_slider(plan_setup):
    """The steps are each an optimum: within their budget, and never removing less as the budget grows."""
    from cpkb.diagnostics.report_content import build_report

    _, result = plan_setup
    steps = result["portfolio"]["steps"]
    assert len(steps) == 8
    vocs = next(iter(steps[-1]["reduction_t_per_a"]))
    highs = [s["reduction_t_per_a"].get(vocs, [0, 0])[1] for s in steps]
    assert all(s["investment_10k_yuan"][1] <= s["budget_10k_yuan"] + 1e-9 for s in steps)
    assert highs == sorted(highs) and highs[-1] <= 16.0
    curve = result["portfolio"]["abatement_cost_curve"]["curves"][vocs]
    assert [s["yuan_per_t"] for s in curve] == sorted(s["yuan_per_t"] for s in curve)
    report = build_report(result, "zh")
    captions = [c.caption for c in report.charts()]
    assert any("边际减排成本曲线" in c for c in captions)
    assert any(t.caption.endswith("不同预算下的最优方案组合（整数规划）") for t in report.tables())


def test_the_report_page_has_a_budget_slider_over_every_step(plan_setup, tmp_path):
    """Every step is on the page (readable without the script); the slider, hidden until the script runs, picks one."""
    import json
    import re

    from flask import render_template

    from cpkb.settings import load_settings
    from cpkb.web.app import create_app
    from cpkb.web.diagnose import report_view, sign

    _, result = plan_setup
    app = create_app({"CPKB": load_settings(store_dir=str(tmp_path / "s"), endpoint="", store_mode="memory",
                                            kb_dir=""), "TESTING": True})
    carried = json.dumps(result, ensure_ascii=False)
    with app.test_request_context("/diagnose?lang=zh", headers={"Accept-Language": "zh"}):
        page = render_template("diagnose/report.html", d=report_view(result), result_json=carried,
                               result_signature=sign(carried))
    assert "预算内方案组合" in page and "data-budget-steps" in page
    assert len(re.findall(r'class="budget-step" data-step="\d+"', page)) == len(result["portfolio"]["steps"])
    assert re.search(r'<label class="budget-slider" hidden>', page)
    assert "https://w3id.org" not in re.sub(r'href="[^"]*"', "", page.split('id="portfolio"')[1].split("</section>")[0])


def test_monte_carlo_interval_by_hand_and_seeded():
    """One measure removing 20…40 % of a 10 t/a load, drawn uniformly: p5 = 10 × (0.2 + 0.05 × 0.2) = 2.1,
    p50 = 3.0, p95 = 3.9 t/a (within sampling error); a second measure at the same enterprise combines on what
    remains, so the interval stays within the range _evaluate gives; the same seed gives the same figures."""
    from cpkb.diagnostics.portfolio import Candidate, _evaluate, monte_carlo

    vocs = "https://w3id.org/cpkb/id/pollutant/vocs"
    loads = {vocs: {"X": 10.0}}
    one = [Candidate("m1", "X", (1.0, 2.0), None, {vocs: (0.2, 0.4)})]
    got = monte_carlo(one, loads, 20000, seed=7)["reduction_t_per_a"][vocs]
    assert got["p5"] == pytest.approx(2.1, abs=0.03) and got["p50"] == pytest.approx(3.0, abs=0.03)
    assert got["p95"] == pytest.approx(3.9, abs=0.03)
    two = one + [Candidate("m2", "X", (1.0, 2.0), None, {vocs: (0.5, 0.5)})]
    low, high = _evaluate(None, two, loads)[vocs]                     # 10 × (1 − 0.8 × 0.5) = 6 … 10 × (1 − 0.6 × 0.5) = 7
    assert (low, high) == pytest.approx((6.0, 7.0))
    mc = monte_carlo(two, loads, 5000, seed=1)
    assert low <= mc["reduction_t_per_a"][vocs]["p5"] <= mc["reduction_t_per_a"][vocs]["p95"] <= high
    assert mc == monte_carlo(two, loads, 5000, seed=1) and mc != monte_carlo(two, loads, 5000, seed=2)
