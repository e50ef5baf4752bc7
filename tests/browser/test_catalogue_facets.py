"""The measure catalogue's process and problem filters name the sector beside each value: several sectors have a
process or problem of the same name (备料, 废水处理), and a list of bare duplicates cannot be told apart."""

from __future__ import annotations

import collections
import re


def _facet_items(page: str, facet: str) -> list[tuple[str, str]]:
    box = re.search(rf'data-facet="{facet}">(.*?)</fieldset>', page, re.S).group(1)
    return re.findall(r'<span class="fv">(.*?)</span>(?: <span class="fv-sector">(.*?)</span>)?', box)


def test_same_named_processes_and_problems_are_told_apart_by_their_sector(real_app):
    client = real_app.test_client()
    for lang in ("zh", "en"):
        page = client.get(f"/measures?lang={lang}").get_data(as_text=True)
        for facet in ("process", "problem"):
            items = _facet_items(page, facet)
            labels = collections.Counter(label for label, _ in items)
            assert any(n > 1 for n in labels.values()), facet           # the case exists in the knowledge base
            assert all(sector for _, sector in items), facet            # every value names its sector
            assert len(set(items)) == len(items), facet                 # and no two read the same
    zh = client.get("/measures?lang=zh").get_data(as_text=True)
    assert ("备料", "造纸") in _facet_items(zh, "process")
    assert not any(sector for _, sector in _facet_items(zh, "cost"))   # facets of shared vocabularies stay plain
