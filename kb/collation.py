"""Sort keys for labels as a Chinese reader expects them: Chinese by pinyin (电镀 diàn dù before 镀铬 dù gè),
Latin text case-blind, numbers in a label compared as numbers.

Code-point order puts 电镀 (U+7535) after 镀铬 (U+9540) only by accident of the Unicode table; pypinyin gives each
character its reading, which is the order of Chinese dictionaries and indexes.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

_PARTS = re.compile(r"(\d+(?:\.\d+)?)")


@lru_cache(maxsize=65536)
def collation_key(text: str) -> tuple:
    """A key that sorts labels in pinyin order (tones 1–4 after the syllable), Latin letters case-blind.

    Each piece is (0, number) or (1, text), so a label mixing digits and words never compares an int with a str.
    """
    if not text:
        return ()
    spelled = " ".join(lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True, errors="default"))
    key = []
    for part in _PARTS.split(spelled.casefold()):
        part = part.strip()
        if not part:
            continue
        if part[0].isdigit() and _PARTS.fullmatch(part):
            key.append((0, float(part), ""))
        else:
            key.append((1, 0.0, part))
    return tuple(key) + ((2, 0.0, text),)  # the text itself breaks ties between homophones deterministically
