"""A clear first suggestion keeps its opposites out of the list; an unsure one leaves the alternatives in.
Every name here is invented for the test (a small glazing and settling sector), none is taken from a name set."""

from __future__ import annotations

import pytest

SECTOR = """\
sector:
  id: glaze
  label: {zh: 施釉测试行业, en: Glazing test sector}
  definition: {zh: 测试。, en: For tests.}
  sources: [{doc: demo-standard}]
  code: [C9997]
  pilot_types: [sector]
processes:
  - id: glazing
    order: 1
    label: {zh: 施釉, en: glazing}
    definition: {zh: 施釉。, en: Glazing.}
    sources: [{doc: demo-standard}]
  - id: settling
    order: 2
    label: {zh: 沉淀, en: settling}
    definition: {zh: 沉淀。, en: Settling.}
    sources: [{doc: demo-standard}]
techniques:
  - {id: manual-glaze, processes: [glazing], status: common, label: {zh: 手工喷釉柜, en: manual glaze booth},
     definition: {zh: 手工。, en: Manual.}, sources: [{doc: demo-standard}]}
  - {id: robot-glaze, processes: [glazing], status: advanced, label: {zh: 机器人喷釉柜, en: robot glaze booth},
     definition: {zh: 机器人。, en: Robot.}, sources: [{doc: demo-standard}]}
  - {id: kiln-dip, processes: [glazing], status: common, label: {zh: 浸釉槽敞放晾干, en: dip tank left open},
     definition: {zh: 浸釉。, en: Dip.}, sources: [{doc: demo-standard}]}
  - {id: hood-dip, processes: [glazing], status: advanced, label: {zh: 浸釉槽集气干燥, en: dip tank with hood},
     definition: {zh: 集气。, en: Hood.}, sources: [{doc: demo-standard}]}
  - {id: open-pond, processes: [settling], status: common, label: {zh: 敞开式釉水沉淀池, en: open glaze settling pond},
     definition: {zh: 敞开。, en: Open.}, sources: [{doc: demo-standard}]}
  - {id: covered-pond, processes: [settling], status: advanced, label: {zh: 釉水沉淀池加盖回收, en: covered glaze pond},
     definition: {zh: 加盖。, en: Covered.}, sources: [{doc: demo-standard}]}
problems:
  - {id: glaze-loss, label: {zh: 釉料流失, en: glaze loss}, definition: {zh: 流失。, en: Loss.},
     sources: [{doc: demo-standard}], processes: [glazing], category: material-efficiency, cause: technology}
  - {id: pond-open, label: {zh: 沉淀池无组织散发, en: open pond emissions}, definition: {zh: 散发。, en: Emissions.},
     sources: [{doc: demo-standard}], processes: [settling], category: air-emissions, cause: equipment}
measures:
  - {id: hood-the-dip, label: {zh: 浸釉槽加集气, en: hood the dip tank}, definition: {zh: 改造。, en: Retrofit.},
     sources: [{doc: demo-standard}], addresses: [glaze-loss], processes: [glazing], cost: low,
     route: equipment, introduces: [hood-dip], replaces: [kiln-dip]}
  - {id: cover-the-pond, label: {zh: 沉淀池加盖, en: cover the pond}, definition: {zh: 加盖。, en: Cover.},
     sources: [{doc: demo-standard}], addresses: [pond-open], processes: [settling], cost: low,
     route: equipment, introduces: [covered-pond]}
rules:
  - {id: open-pond-in-use, label: {zh: 沉淀池敞开, en: pond left open}, definition: {zh: 检出。, en: Detects.},
     sources: [{doc: demo-standard}], problem: pond-open, severity: medium,
     when: {uses: {technique: open-pond}}}
"""


@pytest.fixture
def glaze(mini_kb, settings):
    (mini_kb / "sectors" / "glaze.yaml").write_text(SECTOR, encoding="utf-8")
    from cpkb.diagnostics.knowledge import knowledge_for
    from cpkb.diagnostics.names import matcher_for
    from cpkb.kb.build import open_store

    kb = knowledge_for(open_store(settings, mini_kb))
    sector = next(i for i, k in kb.kinds.items() if k == "sector" and i.endswith("/glaze"))
    matcher = matcher_for(kb)

    def shown(name: str) -> list[tuple[str, float]]:
        return [(s.label["zh"], s.score) for s in matcher.suggest("technique", name, sector)]

    return matcher, sector, shown


@pytest.mark.parametrize("a, b", [("单级沉降槽", "多级沉降槽"), ("全自动上釉线", "手工上釉线"), ("干式磨釉", "湿式磨釉"),
                                  ("釉浆池加盖", "釉浆池未加盖"), ("选择性催化焙烧", "选择性非催化焙烧"),
                                  ("直燃式烤釉炉", "间接式烤釉炉"), ("敞口釉浆池", "密闭釉浆池"),
                                  ("容积2米及以上釉磨", "容积小于2米釉磨"), ("窑气放散率", "窑气利用率")])
def test_names_that_are_the_same_words_but_for_a_polarity_pair_mirror_each_other(a, b):
    from cpkb.diagnostics.name_opposites import mirrored
    from cpkb.diagnostics.names import fold

    assert mirrored(fold(a), fold(b)) and mirrored(fold(b), fold(a))


@pytest.mark.parametrize("a, b", [("干式磨釉", "干式磨釉机"), ("多级沉降槽", "多级过滤槽"), ("手工上釉线", "手工施釉"),
                                  ("釉浆池", "釉浆回收池"), ("干式磨釉", "湿式研磨")])
def test_names_differing_in_more_than_a_polarity_pair_do_not_mirror(a, b):
    from cpkb.diagnostics.name_opposites import mirrored
    from cpkb.diagnostics.names import fold

    assert not mirrored(fold(a), fold(b))


def test_the_knowledge_base_sets_a_technique_against_its_replacement_and_a_practice_against_its_counterpart(glaze):
    matcher, _, _ = glaze
    iri = {matcher.kb.label(i)["zh"]: i for i in matcher.kb.kinds}
    assert matcher.concepts_opposed(iri["浸釉槽集气干燥"], iri["浸釉槽敞放晾干"])        # introduces / replaces
    assert matcher.concepts_opposed(iri["釉水沉淀池加盖回收"], iri["敞开式釉水沉淀池"])   # rule's practice / measure's
    assert matcher.concepts_opposed(iri["机器人喷釉柜"], iri["手工喷釉柜"])              # general polarity pair
    assert not matcher.concepts_opposed(iri["浸釉槽集气干燥"], iri["机器人喷釉柜"])


@pytest.mark.parametrize("name, opposite", [("浸釉槽集气干燥", "浸釉槽敞放晾干"), ("釉水沉淀池加盖回收", "敞开式釉水沉淀池"),
                                            ("机器人喷釉柜", "手工喷釉柜")])
def test_a_resolved_name_is_not_shown_beside_its_opposite(glaze, name, opposite):
    matcher, sector, shown = glaze
    assert matcher.resolve("technique", name, sector)
    labels = [label for label, _ in shown(name)]
    assert labels[0] == name and opposite not in labels
    # the opposite is close enough to be offered: only the rule keeps it out
    assert opposite in [s.label["zh"] for s in matcher._suggest("technique", name, sector, 5)]


def test_an_unsure_first_suggestion_leaves_its_opposite_in(glaze):
    _, _, shown = glaze
    found = shown("喷釉柜")
    assert found and found[0][1] - found[1][1] < 0.1   # neither is clearly meant
    labels = [label for label, _ in found]
    assert {"手工喷釉柜", "机器人喷釉柜"} <= set(labels)    # both equally close: the person chooses
