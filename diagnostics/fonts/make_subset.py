"""Makes CPKBSansSC-Regular.otf, the CJK font that CPKB's charts are drawn with (a developer's tool, not run at use).

A fresh machine has no CJK font, so the reports bring their own: a subset of Noto Sans CJK SC Regular (SIL OFL 1.1,
Debian package fonts-noto-cjk) holding the 3,755 common hanzi of GB 2312, every character that the knowledge base,
the templates and the code write, ASCII, and the symbols of units and levels (℃ m² Ⅰ Ⅱ Ⅲ ‰ ≤ …): 1.6 MB, where all
of GB 2312 would take 2.9 MB. Charts draw only the knowledge base's labels and the report's own words (enterprise
names, which may hold rarer characters, stay in the tables, rendered by the reader's fonts). The licence lets a
subset be shipped with software under a name of its own, so the family is renamed "CPKB Sans SC"; OFL.txt travels
beside it.

    apt-get install fonts-noto-cjk && pip install fonttools && python diagnostics/fonts/make_subset.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TARGET = HERE / "CPKBSansSC-Regular.otf"
FAMILY = "CPKB Sans SC"

# Unicode blocks a report may use beside hanzi: Latin, punctuation, super/subscripts (m², CO₂), letterlike (℃),
# number forms (Ⅰ–Ⅻ), arrows, mathematical operators, enclosed numbers (①), CJK symbols, full-width forms.
RANGES = [(0x20, 0x7E), (0xA0, 0xFF), (0x2010, 0x2044), (0x2070, 0x209F), (0x2100, 0x214F), (0x2160, 0x217F),
          (0x2190, 0x21FF), (0x2200, 0x22FF), (0x2460, 0x24FF), (0x25A0, 0x25FF), (0x3000, 0x303F), (0xFF01, 0xFF5E)]


def gb2312_hanzi() -> set[int]:
    """The 3,755 common hanzi of GB 2312 (level 1, rows 16–55), read from Python's own codec table."""
    found = set()
    for high in range(0xB0, 0xD8):
        for low in range(0xA1, 0xFF):
            try:
                found.add(ord(bytes([high, low]).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return found


def project_characters() -> set[int]:
    """Every non-ASCII character written in the knowledge base, the templates and the code."""
    chars = set()
    for folder, patterns in (("kb", ("*.yaml",)), ("web", ("*.py", "*.html", "*.rq")), ("diagnostics", ("*.py", "*.md")),
                             ("cpkb", ("*.py",)), ("examples", ("*.json", "*.csv"))):
        for pattern in patterns:
            for path in (ROOT / folder).rglob(pattern):
                chars.update(ord(c) for c in path.read_text(encoding="utf-8", errors="ignore") if ord(c) > 0x7F)
    return chars


def main() -> int:
    if not SOURCE.exists():
        print(f"{SOURCE} is missing: apt-get install fonts-noto-cjk", file=sys.stderr)
        return 1
    collection = TTCollection(str(SOURCE))
    font = next(f for f in collection.fonts if f["name"].getDebugName(1) == "Noto Sans CJK SC")
    wanted = gb2312_hanzi() | project_characters() | {c for lo, hi in RANGES for c in range(lo, hi + 1)}
    wanted &= set(font.getBestCmap())
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False  # charts are rasterised at print resolution; hints would double the size
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=wanted)
    subsetter.subset(font)
    for record in font["name"].names:  # a Modified Version under a name of its own (OFL §3)
        if record.nameID in (1, 4, 16):
            record.string = FAMILY if record.nameID != 4 else f"{FAMILY} Regular"
        elif record.nameID == 6:
            record.string = "CPKBSansSC-Regular"
        elif record.nameID == 3:
            record.string = f"{FAMILY} Regular subset of Noto Sans CJK SC"
    font["CFF "].cff.fontNames = ["CPKBSansSC-Regular"]
    font.save(str(TARGET))
    print(f"{TARGET.name}: {len(wanted)} characters, {TARGET.stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
