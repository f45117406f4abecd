"""Benchmarks: ``python -m bench.run [--scales district,region,large]``.

Prints, per scale (N utilities × 36 months, one settlement each, two consumer groups):
- Google Sheets requests per full read and per save (the adapter, through a real gspread client
  over the in-process Sheets API) next to the common tab-by-tab ``get_all_values`` baseline;
- parse time of the batchGet payload as a ratio to ``json.loads`` of the same payload (the
  unavoidable cost of receiving it);
- read time of the SQLite store as a ratio to a bare ``SELECT *`` of the same rows.
Ratios are measured in one run; absolute seconds are printed for context only.
"""

from __future__ import annotations

import argparse
import json
import resource
import sqlite3
import tempfile
import time
from contextlib import closing
from pathlib import Path

import gspread

from bench import datasets
from lib.store.server_secrets import ServerSecrets
from lib.store.sheets_http import RetryingHTTPClient, RetryPolicy
from lib.store.sheets_store import SheetsStore
from tests.support.fake_sheets import FakeSheetsAPI


def timed(fn, repeat: int = 3):
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def sheets_requests(rows: dict[str, list[list]]) -> dict:
    api = FakeSheetsAPI()
    key = api.create()
    client = gspread.Client(auth=None, session=api.session(), http_client=RetryingHTTPClient)
    client.http_client.policy = RetryPolicy()
    store = SheetsStore(key, client, secrets=ServerSecrets(None, datasets.SIGNING_KEY))
    store.bootstrap()
    book = api.spreadsheets[key]
    for t in store.schema:
        if t.key in rows:
            book.by_title(t.title).rows = [list(t.titles)] + [list(r) for r in rows[t.key]]
    store.invalidate()
    api.log.clear()
    store.read_all()
    per_read = api.requests_made()
    api.log.clear()
    store.save({"audit": [{"event_id": "bench", "entity": "x", "record_key": "k", "action": "a"}]}, "bench@x")
    per_save = api.requests_made()
    api.log.clear()
    # The usual Streamlit + gspread pattern: open the spreadsheet and read each worksheet on its own.
    for t in store.schema:
        client.open_by_key(key).worksheet(t.title).get_all_values()
    baseline = api.requests_made()
    return {"read": per_read, "save": per_save, "baseline": baseline}


def run_scale(name: str, participants: int) -> dict:
    data = datasets.frames(participants)
    rows = datasets.all_cells(data)
    n_rows = sum(len(r) for r in rows.values())
    cells = datasets.cell_count(rows)
    out = {"scale": name, "participants": participants, "rows": n_rows, "cells": cells}

    fits = cells <= datasets.SHEETS_CELL_LIMIT
    out["fits_sheets"] = fits
    if fits:
        out.update(sheets_requests(rows))

    body, tables = datasets.payload(rows)
    text = json.dumps(body, ensure_ascii=False)
    t_json, _ = timed(lambda: json.loads(text), 1 if participants > 1000 else 3)

    def parse():  # a new store each time: a store that has read these very cells does not type them again
        parser = SheetsStore("bench", gspread.Client(auth=None, session=FakeSheetsAPI().session()),
                             secrets=ServerSecrets(None, datasets.SIGNING_KEY))
        return parser.parse_payload(json.loads(text), tables)

    t_parse, snap = timed(parse, 1 if participants > 1000 else 3)
    assert not snap.problems, snap.problems[:3]
    out["parse_s"], out["json_s"] = t_parse, t_json

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite"
        sqlite_store = datasets.load_sqlite(path, rows)

        def bare():
            with closing(sqlite3.connect(path)) as con:
                return [con.execute(f'SELECT * FROM "{t}"').fetchall() for t in rows]

        t_bare, _ = timed(bare, 1 if participants > 1000 else 3)
        # a fresh store each time: a store that has read before only fetches rows appended since
        t_read, snap = timed(lambda: type(sqlite_store)(path)._read(), 1 if participants > 1000 else 3)
        assert len(snap.all_versions("monthly_reports")) == len(rows["monthly_reports"])
        out["sqlite_s"], out["bare_s"] = t_read, t_bare
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def report(results: list[dict]) -> str:
    lines = [
        "| scale | utilities | rows | cells | Sheets requests / full read (baseline) | requests / save | "
        "payload parse ÷ json.loads | SQLite read ÷ bare SELECT | seconds: parse / SQLite read | peak RSS, MB |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        if r["fits_sheets"]:
            reqs = f"{r['read']} ({r['baseline']}, ×{r['baseline'] / r['read']:.0f})"
            save = str(r["save"])
        else:
            reqs = save = "over the 10 M cell limit of one spreadsheet"
        lines.append(
            f"| {r['scale']} | {r['participants']} | {r['rows']:,} | {r['cells']:,} | {reqs} | {save} | "
            f"×{r['parse_s'] / r['json_s']:.1f} | ×{r['sqlite_s'] / r['bare_s']:.1f} | "
            f"{r['parse_s']:.2f} / {r['sqlite_s']:.2f} | {r['peak_mb']:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default=",".join(datasets.SCALES))
    args = parser.parse_args()
    results = []
    for name in args.scales.split(","):
        result = run_scale(name, datasets.SCALES[name])
        results.append(result)
        print(f"{name}: {result}", flush=True)
    print()
    print(report(results))


if __name__ == "__main__":
    main()
