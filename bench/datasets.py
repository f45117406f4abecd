"""Generated districts for benchmarks: N utilities, each serving its own settlement, 36 months, every one filed; the
users to save and sign in with (an executor per utility, a coordinator, a member of the commission)."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import numpy as np
import pandas as pd

from lib.core.schema import Schema, schema
from lib.demo.figures import Series, generate, months_between
from lib.store.database import quote as _q
from lib.store.sqlite_store import SQLiteStore

SCALES = {"district": 20, "region": 700, "large": 5000}
FIRST, LAST = "2022-01", "2024-12"  # 36 months
SHEETS_CELL_LIMIT = 10_000_000  # Google Sheets: at most 10 million cells per spreadsheet
SIGNING_KEY = "bench-signing-key"  # rows of the signed tabs carry signatures made with it (lib.store.signing)


BENCH_PASSWORD = "замер-пароль-2025"  # every bench user's password (one argon2id hash for all: hashing is slow by design)


def frames(participants: int, seed: int = 1, password_hash: str | None = None) -> dict[str, pd.DataFrame]:
    """A complete district: every utility serves its own settlement and files every month of the period, and has an
    executor («u00000@bench» for u00000); a coordinator (bench@x) and a member of the commission (commission@bench).
    ``password_hash``: the users' stored hash (``lib.auth.passwords.hash_password(BENCH_PASSWORD)``), for a bench that
    signs in through the browser; without it the users exist but cannot sign in with a password."""
    rng = np.random.default_rng(seed)
    series, supplied = [], []
    for i in range(participants):
        debt = float(rng.uniform(2_000, 60_000))
        resources = ("heating", "hot_water") if i % 3 else ("electricity",)
        supplied.append(";".join(resources))
        series.append(Series(f"u{i:05d}", f"s{i:05d}", "population", resources, round(debt, 3), 7.5))
        series.append(Series(f"u{i:05d}", f"s{i:05d}", "other", resources, round(debt / 4, 3), 2.5))
    out = generate(series, months_between(FIRST, LAST), seed)
    utilities = [f"u{i:05d}" for i in range(participants)]
    settlements = [f"s{i:05d}" for i in range(participants)]
    out["participants"] = pd.DataFrame(
        {"id": utilities + settlements,
         "name": [f"ООО «Организация {i}»" for i in range(participants)] + [f"МО «Поселение {i}»" for i in range(participants)],
         "kind": ["utility"] * participants + ["settlement"] * participants,
         "files_monthly": [True] * participants + [False] * participants,
         "serves": pd.Series(settlements + [None] * participants, dtype=object),  # empty cells stay empty (not «nan»)
         "resources": pd.Series(supplied + [None] * participants, dtype=object),
         "active": True}
    )
    out["users"] = pd.DataFrame(
        {"login": ["bench@x", "commission@bench", *(f"{u}@bench" for u in utilities)],
         "name": ["Координатор", "Член комиссии", *(f"Исполнитель {u}" for u in utilities)],
         "role": ["coordinator", "commission", *["executor"] * participants],
         "participant_id": pd.Series([None, None, *utilities], dtype=object),
         "password_hash": password_hash,
         "active": True})
    out["settings"] = pd.DataFrame({"key": ["plan_start", "plan_end", "baseline_month", "district_name"],
                                    "value": [FIRST, LAST, "2023-12", "Замерочный район"]})
    return out


def cells(table_key: str, frame: pd.DataFrame, sch: Schema | None = None) -> list[list]:
    """Rows of stored cells in schema order, converted column-wise (fast, for bulk loading)."""
    table = (sch or schema())[table_key]
    n = len(frame)
    columns = []
    for c in table.columns:
        if c.key == "saved_at":
            col = np.full(n, "2025-01-05T01:00:00+00:00", dtype=object)
        elif c.key == "saved_by":
            col = np.full(n, "bench@x", dtype=object)
        elif c.key == "save_id":
            if "month" in frame and "participant_id" in frame:
                col = (frame["participant_id"] + "-" + frame["month"]).to_numpy(object)
            else:
                col = np.full(n, "setup", dtype=object)
        elif c.key not in frame:
            col = np.full(n, None, dtype=object)
        elif c.type == "enum":
            col = frame[c.key].map(c.labels).to_numpy(object)
        elif c.type == "bool":
            col = np.where(frame[c.key].to_numpy(bool), "да", "нет").astype(object)
        else:
            col = frame[c.key].to_numpy(object)
        columns.append(col)
    rows = np.column_stack(columns).tolist() if n else []
    if table.signed and rows:  # the app signs the rows of the system tabs; a read checks every signature
        from lib.core.frames import cells_to_frame, frame_records
        from lib.store.signing import sign

        typed, _ = cells_to_frame(table, table.keys, rows, machine_rows=True)
        at = table.keys.index("signature")
        for row, record in zip(rows, frame_records(table, typed)):
            row[at] = sign(SIGNING_KEY.encode(), table, record)
    return rows


def all_cells(data: dict[str, pd.DataFrame]) -> dict[str, list[list]]:
    return {tab: cells(tab, frame) for tab, frame in data.items()}


def load_sqlite(path, rows: dict[str, list[list]]) -> SQLiteStore:
    store = SQLiteStore(path)
    with closing(sqlite3.connect(path)) as con:
        for tab, values in rows.items():
            table = store.schema[tab]
            cols = ", ".join(_q(k) for k in table.keys)
            con.executemany(f"INSERT INTO {_q(tab)} ({cols}) VALUES ({', '.join('?' * len(table.keys))})", values)
        con.commit()
    return store


def payload(rows: dict[str, list[list]]) -> tuple[dict, list]:
    """What one values:batchGet returns for these tabs (header row first), and the tables in order."""
    tables = list(schema())
    ranges = [{"range": f"'{t.title}'!A1:Z", "majorDimension": "ROWS",
               "values": [t.titles] + [["" if v is None else v for v in r] for r in rows.get(t.key, [])]} for t in tables]
    return {"valueRanges": ranges}, tables


def cell_count(rows: dict[str, list[list]]) -> int:
    return sum(len(r) * (len(r[0]) if r else 0) for r in rows.values())
