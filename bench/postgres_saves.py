"""12 app processes × 50 saves at once, on PostgreSQL and on SQLite in the same run (issue 28):
``python -m bench.postgres_saves [--processes 12] [--saves 50]``.

Each process opens the store, reads the demo district once (its cold read), then saves 50 new meetings
one after another through the app's write path (``lib.auth.access.write``: the acting user checked, the
id required to be new, the audit row written in the same save), all processes starting together. Then
the store is read: every save must be there exactly once (its meeting and its audit row). Printed: the
wall time of all the saves, saves per second, each save's latency p50/p95 and the cold read, with
PostgreSQL as a ratio to SQLite. The PostgreSQL server is a throwaway cluster with the server's default
durability (fsync on), on the same machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from lib.core.config import PROJECT_ROOT

CLI_LOGIN = "coordinator@lensk.demo"


def one(url: str, go: str, who: int, saves: int) -> None:
    """One process: cold read, wait for the start, ``saves`` saves; prints its timings as JSON."""
    from lib.auth.access import User, write
    from lib.core.config import resolve
    from lib.store.factory import open_store
    from lib.store.port import StoreError

    user = User(CLI_LOGIN, "Беляев И.А.", "coordinator", "upr")
    store = open_store(url, resolve(env={"DEBT_LOCAL_DIR": str(Path(go).parent / "local")}, secrets={}))
    started = time.perf_counter()
    store.read_all()
    cold = time.perf_counter() - started
    print("ready", flush=True)
    while not Path(go).exists():
        time.sleep(0.002)
    latencies, refused = [], []
    for n in range(saves):
        meeting = {"meeting_id": f"bench-{who}-{n}", "number": f"{who}/{n}", "date": dt.date(2024, 12, 27)}
        at = time.perf_counter()
        try:
            write(store, user, {"meetings": [meeting]}, expect={"meetings": {(meeting["meeting_id"],): None}})
        except StoreError as err:  # refused (e.g. SQLite's lock waited for too long): must have left nothing behind
            refused.append({"id": meeting["meeting_id"], "error": str(err)[:200]})
            continue
        latencies.append(time.perf_counter() - at)
    print(json.dumps({"cold": cold, "latencies": latencies, "refused": refused}, ensure_ascii=False), flush=True)


def run(url: str, processes: int, saves: int, folder: Path) -> dict:
    go = folder / f"go-{time.monotonic_ns()}"
    procs = [subprocess.Popen([sys.executable, "-m", "bench.postgres_saves", "--one", url, str(go), str(i), str(saves)],
                              cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True) for i in range(processes)]
    for p in procs:
        assert p.stdout.readline().strip() == "ready"
    started = time.perf_counter()
    go.touch()
    results = [json.loads(p.stdout.readline()) for p in procs]
    wall = time.perf_counter() - started
    for p in procs:
        p.wait()
    from lib.core.config import resolve
    from lib.store.factory import open_store

    snap = open_store(url, resolve(env={"DEBT_LOCAL_DIR": str(folder / "local")}, secrets={})).read_all()
    meetings = Counter(i for i in snap.all_versions("meetings").meeting_id if i.startswith("bench-"))
    audit = Counter(k for k in snap.all_versions("audit").record_key if str(k).startswith("bench-"))
    refused = [r for res in results for r in res["refused"]]
    wanted = {f"bench-{w}-{n}" for w in range(processes) for n in range(saves)} - {r["id"] for r in refused}
    exactly_once = set(meetings) == wanted and set(meetings.values()) == {1} and set(audit) == wanted and set(audit.values()) == {1}
    latencies = sorted(x for r in results for x in r["latencies"])
    return {"wall": wall, "per_second": len(latencies) / wall, "p50": statistics.median(latencies),
            "p95": latencies[int(0.95 * (len(latencies) - 1))], "cold": max(r["cold"] for r in results),
            "exactly_once": exactly_once, "refused": len(refused),
            "why": sorted({r["error"].split(":")[-1].strip() for r in refused})[:3]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=12)
    parser.add_argument("--saves", type=int, default=50)
    args = parser.parse_args()
    from lib.demo import load_demo
    from lib.store.postgres_store import PostgresStore
    from lib.store.sqlite_store import SQLiteStore
    from tests.support.postgres import start_cluster

    cluster = start_cluster(fast=False)
    try:
        with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
            folder = Path(tmp)
            sqlite_url = f"sqlite:///{folder}/bench.sqlite"
            load_demo(SQLiteStore(folder / "bench.sqlite"))
            pg_url = cluster.new_database("bench")
            store = PostgresStore(pg_url, local_dir=folder / "local")
            load_demo(store)
            store.close()
            found = {}
            for name, url in (("SQLite", sqlite_url), ("PostgreSQL", pg_url)):
                found[name] = run(url, args.processes, args.saves, folder)
                print(name, json.dumps(found[name], ensure_ascii=False), flush=True)
    finally:
        cluster.stop()
    base = found["SQLite"]
    print(f"{args.processes} процессов × {args.saves} сохранений, демо-район")
    print("| хранилище | все сохранения, с | сохранений в секунду | p50, с | p95, с | холодное чтение, с | отказано | "
          "записанные — ровно один раз |")
    print("|---|---|---|---|---|---|---|---|")
    for name, r in found.items():
        ratio = "" if name == "SQLite" else (f" (×{r['wall'] / base['wall']:.2f})", f" (×{r['per_second'] / base['per_second']:.2f})",
                                             f" (×{r['p50'] / base['p50']:.2f})", f" (×{r['p95'] / base['p95']:.2f})",
                                             f" (×{r['cold'] / base['cold']:.2f})")
        ratio = ratio or ("",) * 5
        print(f"| {name} | {r['wall']:.1f}{ratio[0]} | {r['per_second']:.1f}{ratio[1]} | {r['p50']:.3f}{ratio[2]} | "
              f"{r['p95']:.3f}{ratio[3]} | {r['cold']:.2f}{ratio[4]} | {r['refused']} | {'да' if r['exactly_once'] else 'НЕТ'} |")
    for name, r in found.items():
        if r["refused"]:
            print(f"{name}: отказы — {'; '.join(r['why'])}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        one(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    else:
        main()
