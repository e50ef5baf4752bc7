"""Chinese pages carry no internal code: a crawl of every page kind of the browser (concept pages of each class,
type lists, the catalogue, indicator systems, the upload form, a report, the SPARQL page, error pages) fails on a
Latin token that is a code — an id slug (water-balance-test, target-1), a bare code value (air, equal, number), a
blank-node hash, an English accessibility label.

What may stay Latin, and is cut out before the check: text marked as another language (lang="en": English names,
fallback texts with their badge), code and preformatted text (queries, formulas, the IRI), a source's clause as the
source writes it, URLs and file names."""

from __future__ import annotations

import html
import re

import pytest

SLUG = re.compile(r"(?<![\w./-])[a-z][a-z0-9]*(?:[-_][a-z0-9]+)+(?![\w/-]|\.\w)")
HEX = re.compile(r"\b[0-9a-f]{16,}\b")
BARE_CODE = re.compile(r'<span class="lit">([a-z][a-z _-]*)</span>')
LATIN_ATTR = re.compile(r'(?:aria-label|title|placeholder|alt)="([A-Za-z][A-Za-z _-]*)"')
EXEMPT = re.compile(r"<(script|style|code|pre|textarea|option)\b.*?</\1>|<span class=\"clause\">.*?</span>", re.S)
OTHER_LANG = re.compile(r'<(\w+)\b[^>]*\blang="(?!zh)[a-z]{2}[^"]*"[^>]*>.*?</\1>', re.S)
SAMPLE = 4  # entries of each kind crawled, evenly spaced in IRI order
URL_OR_FILE = re.compile(r"\b(?:https?://\S+|[\w.-]+\.(?:org|com|cn|net|gov|int|edu|yaml|json|csv|xlsx|md)\b\S*)")


def code_tokens(page: str) -> list[str]:
    """The code tokens a Chinese reader would see on this page (text and accessibility labels)."""
    found = [f"attr:{m}" for m in LATIN_ATTR.findall(page)]
    body = page.split("<body", 1)[-1]
    body = OTHER_LANG.sub(" ", EXEMPT.sub(" ", body))
    found += [f"lit:{m}" for m in BARE_CODE.findall(body)]
    text = URL_OR_FILE.sub(" ", html.unescape(re.sub(r"<[^>]+>", " ", body)))
    found += SLUG.findall(text) + HEX.findall(text)
    return found


def test_the_detector_finds_the_codes_it_is_meant_to_find():
    page = ('<body><nav aria-label="breadcrumbs"></nav><a href="/x#target-1">target-1</a><span class="lit">air</span>'
            '<td>ac411af092fa92a606ff841aab056eae</td><p lang="en">water-balance test</p><code>a-b</code>'
            '<span class="clause">条款 4 utilities (sub-systems)</span> climate-policy-watcher.org 造纸</body>')
    assert code_tokens(page) == ["attr:breadcrumbs", "lit:air", "target-1", "ac411af092fa92a606ff841aab056eae"]


@pytest.fixture(scope="module")
def zh_client(real_store_dir):
    from cpkb.settings import load_settings
    from cpkb.web.app import create_app

    settings = load_settings(store_dir=str(real_store_dir), endpoint="", store_mode="memory", kb_dir="",
                             diagnose_workers=0)
    return create_app({"CPKB": settings}).test_client()


def _pages(client) -> list[str]:
    """SAMPLE entries of every kind, each kind's list, and every other page kind."""
    from cpkb.web.index import get_index, href_of

    pages = ["/", "/types/", "/measures", "/measures?sector=papermaking&cost=low", "/diagnose", "/sparql",
             "/search?q=电镀", "/search?q=逆流漂冼", "/id/papermaking/no-such-entry", "/types/NoSuchKind",
             "/id/electroplating/indicator-system/cpes-2015"]
    with client.application.app_context():
        index = get_index()
        for kind, members in sorted(index.by_kind.items()):
            pages.append(f"/types/{kind}")
            pages += sorted({href_of(m) for m in members[::max(1, len(members) // SAMPLE)]})
    return pages


def test_no_code_reaches_a_chinese_page(zh_client):
    offenders = {}
    pages = _pages(zh_client)
    for path in pages:
        response = zh_client.get(path, headers={"Accept-Language": "zh-CN", "Accept": "text/html"})
        assert response.status_code in (200, 404), (path, response.status_code)
        tokens = code_tokens(response.get_data(as_text=True))
        if tokens:
            offenders[path] = sorted(set(tokens))[:8]
    assert len(pages) > 100
    assert not offenders, offenders


def test_no_code_reaches_a_chinese_report(zh_client):
    page = zh_client.get("/diagnose?lang=zh").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    report = zh_client.post("/diagnose?lang=zh", data={"csrf_token": token, "example": "electroplating_cluster.json"})
    assert report.status_code == 200
    assert not code_tokens(report.get_data(as_text=True))


def test_a_concept_page_labels_its_english_name_and_keeps_its_iri_aside(client):
    zh = client.get("/id/demo/problem/high-rinse-water?lang=zh").get_data(as_text=True)
    head = zh[zh.index('<header class="concept-head">'):zh.index("</header>", zh.index('class="concept-head"'))]
    assert re.search(r'<span class="muted">英文名称</span> <span lang="en">[^<]+</span>', head)
    assert "https://w3id.org/cpkb/id/demo/problem/high-rinse-water" not in head    # the IRI is out of the way …
    aside = zh[zh.index('<aside class="col-side">'):]
    assert "<h2>标识（IRI）</h2>" in aside                                          # … labelled, and kept
    assert "<code>https://w3id.org/cpkb/id/demo/problem/high-rinse-water</code>" in aside
    en = client.get("/id/demo/problem/high-rinse-water?lang=en").get_data(as_text=True)
    assert "Chinese name" in en and "Identifier (IRI)" in en and "英文名称" not in en


def test_a_sector_link_to_a_shared_measure_is_named_by_the_measure_and_sector(zh_client):
    page = zh_client.get("/id/papermaking/process/raw-material-preparation?lang=zh").get_data(as_text=True)
    assert ">雨污分流和初期雨水收集（造纸）</a>" in page and ">rain-sewage-separation<" not in page


def test_every_code_of_the_knowledge_format_has_its_names():
    """A code added to a closed list of the format (kb/source_format.py) without names in web/code_labels.yaml
    would reach the pages as written."""
    from cpkb.kb import source_format as fmt
    from cpkb.web.code_labels import code_labels

    lists = {"costBasis": fmt.COST_BASES, "datatype": fmt.FACT_DATATYPES, "emissionStage": fmt.EMISSION_STAGES,
             "actsOn": fmt.EMISSION_STAGES, "effectMode": fmt.EFFECT_MODES, "sourceAge": fmt.SOURCE_AGES,
             "contextKey": fmt.CONTEXT_KEYS}
    missing = [(prop, code) for prop, codes in lists.items() for code in codes
               if not (code_labels(f"https://w3id.org/cpkb/def/{prop}", code) or {}).keys() >= {"zh", "en"}]
    assert not missing


def test_every_code_written_in_the_knowledge_base_has_its_names(zh_client):
    from rdflib import Literal

    from cpkb.web.code_labels import code_labels, is_code_property
    from cpkb.web.index import get_index

    with zh_client.application.app_context():
        index = get_index()
        missing = {(p.rsplit("/", 1)[-1], str(o)) for props in index.out.values() for p, objs in props.items()
                   if is_code_property(p) for o in objs
                   if isinstance(o, Literal) and not o.language and not code_labels(p, str(o))}
    assert not missing
