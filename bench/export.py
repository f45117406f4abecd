"""Export benchmark: ``python -m bench.export [--scales district,region,large]``.

Time to build the quarterly workbook from loaded tables, as a ratio to ``DataFrame.to_excel``
(engine openpyxl) writing the same cells without any formatting, measured in the same run.
Target (issue 7): region ≤ 3 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

TODAY = dt.date(2025, 1, 20)


def one(scale: str, path: Path) -> dict:
    from lib import export
    from lib.settings import read_settings
    from lib.store.sqlite_store import SQLiteStore

    snap = SQLiteStore(path).read_all()
    settings = read_settings(snap)
    period = export.parse_period("2024-Q4")
    start = time.perf_counter()
    data = export.build(snap, period, settings, TODAY)
    ours = time.perf_counter() - start
    wb = load_workbook(io.BytesIO(data))
    frames = {ws.title: pd.DataFrame([[c.value for c in r] for r in ws.iter_rows()]) for ws in wb.worksheets}
    cells = sum(f.size for f in frames.values())
    start = time.perf_counter()
    with pd.ExcelWriter(io.BytesIO(), engine="openpyxl") as writer:
        for title, frame in frames.items():
            frame.to_excel(writer, sheet_name=title, index=False, header=False)
    plain = time.perf_counter() - start
    return {"scale": scale, "cells": cells, "export_s": ours, "to_excel_s": plain, "ratio": ours / plain}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="district,region,large")
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one[0], Path(args.one[1]))))
        return
    results = []
    for scale in args.scales.split(","):
        path = Path(tempfile.mkdtemp()) / "bench.sqlite"
        subprocess.run([sys.executable, "-m", "bench.dashboard", "--prepare", scale, str(path)], check=True, capture_output=True)
        out = subprocess.run([sys.executable, "-m", "bench.export", "--one", scale, str(path)], check=True, capture_output=True, text=True)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(results[-1], flush=True)
    print()
    print("| scale | cells in the workbook | export, s | to_excel of the same cells, s | ratio |")
    print("|---|---|---|---|---|")
    for r in results:
        print(f"| {r['scale']} | {r['cells']:,} | {r['export_s']:.2f} | {r['to_excel_s']:.2f} | ×{r['ratio']:.1f} |")


if __name__ == "__main__":
    main()
