"""Regenerates the workbook and CSV forms of the example survey from its JSON:

    python examples/make_workbook.py            # writes electroplating_cluster.xlsx and .csv next to the JSON
"""

from __future__ import annotations

import json
from pathlib import Path

from cpkb.diagnostics.workbook import write_survey_csv, write_survey_workbook
from cpkb.kb.build import open_store
from cpkb.settings import load_settings

HERE = Path(__file__).parent


def main() -> None:
    store = open_store(load_settings())
    for source in ("electroplating_cluster.json",):
        raw = json.loads((HERE / source).read_text(encoding="utf-8"))
        stem = HERE / Path(source).stem
        stem.with_suffix(".xlsx").write_bytes(write_survey_workbook(raw, store))
        stem.with_suffix(".csv").write_text(write_survey_csv(raw), encoding="utf-8")
        print(f"wrote {stem.with_suffix('.xlsx').name} and {stem.with_suffix('.csv').name}")


if __name__ == "__main__":
    main()
