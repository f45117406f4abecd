"""Reads and saves of one process on PostgreSQL against SQLite, same data, same run (issue 28):
``python -m bench.postgres_reads [--scales region,large] [--saves 20]``.

Per scale (the generated districts of ``bench.datasets``, copied into PostgreSQL with ``lib.store.copying``):
- **cold read** — a new store object with no typed copy on this machine: every row fetched and typed
  (a server's first page after its first start);
- **warm start** — a new store object with the typed copy present (a restarted server, a second process);
- **rerun** — ``read_all`` again with nothing changed (every page run does it: SQLite checks the file's
  stamp, PostgreSQL asks one row of ``_stamp``);
- **after another's save** — ``read_all`` after another store object appended one save (only the new rows);
- **save** — ``access.write`` of one new meeting (the decision's tabs read fresh under the lock, audit
  row in the same save): p50 and p95 of ``--saves`` saves.
Each figure is wall seconds, best of the repeats for reads; PostgreSQL is printed with its ratio to SQLite.
The PostgreSQL server is a throwaway cluster on this machine with the server's default durability.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench import datasets


def timed(fn, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        at = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - at)
    return best


def figures(make, other, repeat: int, saves: int) -> dict:
    """``make(fresh_local)`` -> a new store object (typed copy in a new folder if ``fresh_local``)."""
    from lib.auth.access import User, write

    out = {"cold": timed(lambda: make(True).read_all(), repeat)}
    first = make(False)
    first.read_all()
    first.typed_copy.wait(600)
    out["warm"] = timed(lambda: make(False).read_all(), repeat)
    store = make(False)
    store.read_all()
    out["rerun"] = timed(store.read_all, 5)
    user = User("bench@x", "Координатор", "coordinator")
    latencies = []
    for n in range(saves):
        meeting = {"meeting_id": f"bench-{time.monotonic_ns()}-{n}", "number": str(n), "date": dt.date(2024, 12, 27)}
        other.read_all()
        write(other, user, {"meetings": [meeting]}, expect={"meetings": {(meeting["meeting_id"],): None}})  # another process
        at = time.perf_counter()
        store.read_all()
        latencies.append(("after", time.perf_counter() - at))
        at = time.perf_counter()
        write(store, user, {"meetings": [{**meeting, "meeting_id": meeting["meeting_id"] + "-own"}]},
              expect={"meetings": {(meeting["meeting_id"] + "-own",): None}})
        latencies.append(("save", time.perf_counter() - at))
    after = sorted(x for k, x in latencies if k == "after")
    saved = sorted(x for k, x in latencies if k == "save")
    out["after_save"] = statistics.median(after)
    out["save_p50"], out["save_p95"] = statistics.median(saved), saved[int(0.95 * (len(saved) - 1))]
    return out


def run_scale(name: str, participants: int, cluster, saves: int) -> dict:
    from lib.store.copying import copy_store
    from lib.store.postgres_store import PostgresStore
    from lib.store.sqlite_store import SQLiteStore

    rows = datasets.all_cells(datasets.frames(participants))
    repeat = 1 if participants > 1000 else 3
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        folder = Path(tmp)
        path = folder / "bench.sqlite"
        datasets.load_sqlite(path, rows)
        url = cluster.new_database("reads")
        copy_store(SQLiteStore(path), PostgresStore(url, local_dir=folder / "copying"), progress=lambda _: None)
        count = [0]

        def fresh_dir() -> Path:
            count[0] += 1
            return folder / f"local-{count[0]}"

        def make_sqlite(fresh: bool):
            if fresh:
                shutil.rmtree(folder / ".bench.sqlite.typed", ignore_errors=True)
            return SQLiteStore(path)

        def make_pg(fresh: bool):
            return PostgresStore(url, local_dir=fresh_dir() if fresh else folder / "pg-local")

        sqlite = figures(make_sqlite, SQLiteStore(path), repeat, saves)
        pg = figures(make_pg, PostgresStore(url, local_dir=folder / "other"), repeat, saves)
    return {"scale": name, "rows": sum(len(r) for r in rows.values()), "sqlite": sqlite, "postgresql": pg}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="region")
    parser.add_argument("--saves", type=int, default=20)
    args = parser.parse_args()
    from tests.support.postgres import start_cluster

    cluster = start_cluster(fast=False)
    try:
        results = [run_scale(s, datasets.SCALES[s], cluster, args.saves) for s in args.scales.split(",")]
    finally:
        cluster.stop()
    names = {"cold": "холодное чтение", "warm": "старт с типизированной копией", "rerun": "повторный прогон (без изменений)",
             "after_save": "чтение после чужого сохранения", "save_p50": "сохранение p50", "save_p95": "сохранение p95"}
    for r in results:
        print(f"\n{r['scale']}: строк {r['rows']}")
        print("| что | SQLite, с | PostgreSQL, с | PostgreSQL / SQLite |")
        print("|---|---|---|---|")
        for key, title in names.items():
            a, b = r["sqlite"][key], r["postgresql"][key]
            print(f"| {title} | {a:.4f} | {b:.4f} | ×{b / a:.2f} |")


if __name__ == "__main__":
    main()
