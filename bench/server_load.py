"""People at once on one or two ``streamlit run`` processes, with light clients instead of browsers (issue 28,
item 4): ``python -m bench.server_load [--scales region] [--pages-scales region,large] [--stores sqlite,postgresql] [--people 12]
[--repeat 3]``.

Why light clients: ``bench.browser_pages`` opens a Chromium tab per person on the server's own 2 cores, so it
measures 12 renderers as much as the server. Here each person is ``bench.light_clients.Client``: Streamlit's own
protocol over its websocket (a run requested with ``BackMsg.rerun_script``, timed until ``script_finished``),
signed in through the app's login form and its cookie route. A run counts only if the page drew to its end
(«Свод» and its last section «Качество данных» in the deltas).

Per scale the district (``bench.datasets``, complete, every user's password ``BENCH_PASSWORD``) is loaded into a
SQLite file with its typed copy written (a server start of a district in use), then:

- **people at once** (``--scales``): three server processes on the same store: A serves all ``--people``; B and C
  half each. Each process is warmed by one «Свод» (its figures computed, like a server in use). Every person
  signs in (executors of different utilities), lands on «Обзор»; then at one moment all of them ask for «Свод»
  (on A; then on B and C together): each person's wait, median and maximum; and each process's CPU seconds
  (``/proc/<pid>/stat``) during the wave, per page view. A and B+C in turn, ``--repeat`` times, in one run.
- **pages** (``--pages-scales``): on a freshly started process the first «Свод» (cold), then ``--reruns``
  reruns of it (p50 / p95), ``--repeat`` fresh processes; the stores in turn.

``--stores sqlite,postgresql``: the same on the district copied into a throwaway PostgreSQL cluster (server's
default durability), PostgreSQL's figures with their ratio to SQLite's in the same run.

Also ``--same-login N``: N sessions sign in as the same login at one moment (the sign-in throttle's case).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench import datasets
from bench.browser_pages import COORDINATOR, Server, prepare
from bench.light_clients import Client

SUMMARY = "/dashboard"
START = "Комиссия по задолженности за ЖКУ"  # the title of «Обзор», where a person lands after signing in
DRAWN = ("Свод", "Качество данных")  # the title and the last section: the page ran to its end
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


BUSY = ("import time\nwall, cpu = time.perf_counter(), time.process_time()\nwhile time.perf_counter() - wall < {s}: pass\n"
        "print((time.process_time() - cpu) / (time.perf_counter() - wall))")


def free_cores(seconds: float = 1.5) -> float:
    """What two busy processes get of the machine's cores right now (2,0 on a quiet 2-core machine): the share of
    the machine that two server processes could have had at that moment."""
    import subprocess

    busy = [subprocess.Popen([sys.executable, "-c", BUSY.format(s=seconds)], stdout=subprocess.PIPE, text=True) for _ in range(2)]
    return round(sum(float(b.communicate()[0]) for b in busy), 2)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def person(server: Server, login: str) -> Client:
    client = Client(server.address)
    await client.sign_in(login, datasets.BENCH_PASSWORD)
    await client.run("/", expect=(START,))
    return client


async def warm(server: Server) -> float:
    client = await person(server, COORDINATOR)
    took = (await client.run(SUMMARY, expect=DRAWN)).seconds
    await client.close()
    return took


async def wave(groups: list[tuple[Server, list[Client]]]) -> dict:
    """Every client of every group asks for «Свод» at the same moment; their waits and the servers' CPU."""
    for _, clients in groups:  # back to «Обзор» first, one after another (not timed)
        for client in clients:
            await client.run("/", expect=(START,))
    before = {server.proc.pid: cpu_seconds(server.proc.pid) for server, _ in groups}
    mine, load = time.process_time(), os.getloadavg()[0]
    runs = await asyncio.gather(*(client.run(SUMMARY, expect=DRAWN) for _, clients in groups for client in clients))
    waits = [r.seconds for r in runs]
    cpu = {pid: cpu_seconds(pid) - at for pid, at in before.items()}
    views = sum(len(clients) for _, clients in groups)
    return {"median_s": statistics.median(waits), "max_s": max(waits), "waits": [round(w, 2) for w in waits],
            "cpu_per_view_s": sum(cpu.values()) / views, "cpu_by_process_s": [round(c, 2) for c in cpu.values()],
            # a process's CPU over the wave's wall time: ≈ 1 means it ran on one core all the time (its interpreter lock)
            "cores_by_process": [round(c / max(waits), 2) for c in cpu.values()],
            "clients_cpu_s": round(time.process_time() - mine, 2), "load_before": round(load, 1)}


async def at_once(url: str, folder: Path, people: int, repeat: int, utilities: int) -> dict:
    servers = [Server(url, folder, name) for name in ("one", "two-b", "two-c")]
    clients: list[Client] = []
    try:
        warmed = [await warm(server) for server in servers]
        one = [await person(servers[0], f"u{i % utilities:05d}@bench") for i in range(people)]
        two = [await person(servers[1 + i % 2], f"u{(people + i) % utilities:05d}@bench") for i in range(people)]
        clients = one + two
        print(f"{people} signed in on each side; warm «Свод»: {[round(w, 2) for w in warmed]}", file=sys.stderr, flush=True)
        waves = {"one": [], "two": []}
        for n in range(repeat):
            cores = free_cores()
            waves["one"].append({**await wave([(servers[0], one)]), "free_cores": cores})
            waves["two"].append({**await wave([(servers[1], two[0::2]), (servers[2], two[1::2])]), "free_cores": free_cores()})
            print(f"repeat {n + 1}: one {json.dumps(waves['one'][-1])}\n          two {json.dumps(waves['two'][-1])}",
                  file=sys.stderr, flush=True)
        return {"people": people, "warm_summary_s": warmed, **waves}
    finally:
        for client in clients:
            await client.close()
        for server in servers:
            server.stop()


def memory_mb(pid: int) -> tuple[float, float]:
    """The process's peak resident memory since its start and its resident memory now, MB (/proc/<pid>/status)."""
    kb = {line.split(":")[0]: int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
          if line.startswith(("VmHWM", "VmRSS"))}
    return kb["VmHWM"] / 1024, kb["VmRSS"] / 1024


async def cold_and_reruns(url: str, folder: Path, reruns: int, name: str) -> tuple[float, list[float], dict]:
    """A freshly started process: its first «Свод», then ``reruns`` reruns of it; the server process's peak memory
    after the first page and after the reruns, and its resident memory after each (a real server, not AppTest)."""
    server = Server(url, folder, name)
    try:
        client = await person(server, COORDINATOR)
        cold = (await client.run(SUMMARY, expect=DRAWN)).seconds
        peak_first, _ = memory_mb(server.proc.pid)
        again, resident = [], []
        for _ in range(reruns):
            again.append((await client.run(SUMMARY, expect=DRAWN)).seconds)
            resident.append(memory_mb(server.proc.pid)[1])
        await client.close()
        return cold, again, {"peak_first_mb": peak_first, "peak_mb": memory_mb(server.proc.pid)[0], "resident_mb": resident}
    finally:
        server.stop()


async def pages(stores: dict[str, tuple[str, Path]], reruns: int, repeat: int) -> dict:
    """Per store: cold «Свод» on ``repeat`` fresh processes and the reruns after each; the stores in turn (sqlite,
    postgresql, sqlite, …) so that a burst of load on the shared machine hits both."""
    found = {kind: {"cold_s": [], "again": [], "memory": []} for kind in stores}
    for n in range(repeat):
        for kind, (url, folder) in stores.items():
            cold, again, memory = await cold_and_reruns(url, folder, reruns, f"pages-{kind}-{n}")
            found[kind]["cold_s"].append(cold)
            found[kind]["again"] += again
            found[kind]["memory"].append(memory)
            print(f"{kind} {n + 1}: cold {cold:.2f} s, memory {json.dumps(memory)}", file=sys.stderr, flush=True)
    return {kind: {"cold_s": r["cold_s"], "rerun_p50_s": statistics.median(r["again"]), "rerun_p95_s": p95(r["again"]),
                   "reruns": len(r["again"]), "peak_mb": [m["peak_mb"] for m in r["memory"]],
                   "peak_first_mb": [m["peak_first_mb"] for m in r["memory"]]} for kind, r in found.items()}


async def same_login(url: str, folder: Path, sessions: int) -> dict:
    """``sessions`` people sign in as one login at one moment; how many got in, and what the others were told."""
    server = Server(url, folder, "same-login")
    try:
        clients = [Client(server.address) for _ in range(sessions)]
        started = time.perf_counter()
        outcomes = await asyncio.gather(*(c.sign_in(COORDINATOR, datasets.BENCH_PASSWORD) for c in clients), return_exceptions=True)
        took = time.perf_counter() - started
        for client in clients:
            await client.close()
        refused = [str(o)[:300] for o in outcomes if isinstance(o, BaseException)]
        return {"sessions": sessions, "signed_in": sessions - len(refused), "seconds": took, "refused": refused}
    finally:
        server.stop()


def report(scale: str, result: dict) -> str:
    lines = [f"{scale}, {result['people']} people: wait median / max, s; server CPU s per page view; cores the servers used "
             "during the wave (CPU ÷ wall) and what two busy processes got just before",
             "| repeat | one process | two processes | two ÷ one (max) | CPU per view: one / two | cores used: one / two | "
             "free cores before: one / two |", "|---|---|---|---|---|---|---|"]
    for n, (one, two) in enumerate(zip(result["one"], result["two"], strict=True), 1):
        lines.append(f"| {n} | {one['median_s']:.1f} / {one['max_s']:.1f} | {two['median_s']:.1f} / {two['max_s']:.1f} | "
                     f"×{two['max_s'] / one['max_s']:.2f} | {one['cpu_per_view_s']:.2f} / {two['cpu_per_view_s']:.2f} | "
                     f"{sum(one['cores_by_process']):.2f} / {sum(two['cores_by_process']):.2f} | "
                     f"{one['free_cores']:.2f} / {two['free_cores']:.2f} |")
    return "\n".join(lines)


def postgres_copy(sqlite_url: str, folder: Path, cluster, scale: str) -> str:
    """The same district copied into a database of the throwaway cluster, its typed copy written in the servers'
    local folder (``DEBT_LOCAL_DIR``, as ``Server`` sets it): a second store of the same data."""
    from lib.store.copying import copy_store
    from lib.store.postgres_store import PostgresStore
    from lib.store.sqlite_store import SQLiteStore

    url = cluster.new_database(f"load_{scale}")
    copy_store(SQLiteStore(sqlite_url.removeprefix("sqlite:///")), PostgresStore(url, local_dir=folder / "copying"),
               progress=lambda _: None)
    store = PostgresStore(url, local_dir=folder / "local")
    store.read_all()
    store.typed_copy.wait(600)
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="region", help="people at once on these scales ('' for none)")
    parser.add_argument("--pages-scales", default="", help="cold page and rerun p95 on these scales")
    parser.add_argument("--stores", default="sqlite", help="sqlite and/or postgresql (a throwaway cluster, the same data)")
    parser.add_argument("--people", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reruns", type=int, default=20)
    parser.add_argument("--same-login", type=int, default=0, help="N sessions sign in as one login at once (district scale)")
    args = parser.parse_args()
    kinds = args.stores.split(",")
    cluster = None
    if "postgresql" in kinds:
        from tests.support.postgres import start_cluster

        cluster = start_cluster(fast=False)
    prepared: dict[tuple[str, str], tuple[str, Path]] = {}

    def store(scale: str, kind: str = "sqlite") -> tuple[str, Path]:
        if (scale, "sqlite") not in prepared:
            folder = Path(tempfile.mkdtemp(prefix=f"bench-load-{scale}-"))
            prepared[scale, "sqlite"] = (prepare(scale, folder), folder)
        if (scale, kind) not in prepared:
            url, folder = prepared[scale, "sqlite"]
            prepared[scale, kind] = (postgres_copy(url, folder, cluster, scale), folder)
        return prepared[scale, kind]

    out = []
    try:
        if args.same_login:
            found = asyncio.run(same_login(*store("district"), args.same_login))
            print(json.dumps({"same_login": found}, ensure_ascii=False), flush=True)
        for scale in filter(None, args.scales.split(",")):
            for kind in kinds:
                found = asyncio.run(at_once(*store(scale, kind), args.people, args.repeat, datasets.SCALES[scale]))
                print(json.dumps({"scale": scale, "store": kind, "at_once": found}), flush=True)
                out.append(report(f"{scale}, {kind}", found))
                print(out[-1], file=sys.stderr, flush=True)
        for scale in filter(None, args.pages_scales.split(",")):
            found = asyncio.run(pages({kind: store(scale, kind) for kind in kinds}, args.reruns, args.repeat))
            print(json.dumps({"scale": scale, "pages": found}), flush=True)
            out.append(pages_report(scale, found))
            print(out[-1], file=sys.stderr, flush=True)
    finally:
        if cluster is not None:
            cluster.stop()
    print("\n\n".join(out))


def pages_report(scale: str, found: dict) -> str:
    lines = [f"{scale}: «Свод» cold (fresh process, each repeat) and rerun p50 / p95, s; the server process's peak memory "
             "after the first page and after the reruns, MB",
             "| store | cold | rerun p50 | rerun p95 | ÷ SQLite (cold max, rerun p95) | peak after the first page | peak after the reruns |",
             "|---|---|---|---|---|---|---|"]
    base = found.get("sqlite")
    for kind, r in found.items():
        ratio = f"×{max(r['cold_s']) / max(base['cold_s']):.2f}, ×{r['rerun_p95_s'] / base['rerun_p95_s']:.2f}" if base else "—"
        lines.append(f"| {kind} | {' / '.join(f'{c:.2f}' for c in r['cold_s'])} | {r['rerun_p50_s']:.2f} | {r['rerun_p95_s']:.2f} | {ratio} | "
                     f"{' / '.join(f'{m:.0f}' for m in r['peak_first_mb'])} | {' / '.join(f'{m:.0f}' for m in r['peak_mb'])} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
