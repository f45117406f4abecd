"""People at once on one or two ``streamlit run`` processes, with light clients instead of browsers (issue 28,
item 4): ``python -m bench.server_load [--scales region] [--people 12] [--repeat 3] [--pages-scales region,large]``.

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
  reruns of it (p50 / p95), ``--repeat`` fresh processes.

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
DRAWN = ("Свод", "Качество данных")  # the title and the last section: the page ran to its end
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def person(server: Server, login: str) -> Client:
    client = Client(server.address)
    await client.sign_in(login, datasets.BENCH_PASSWORD)
    await client.run("/", expect=("Обзор",))
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
            await client.run("/", expect=("Обзор",))
    before = {server.proc.pid: cpu_seconds(server.proc.pid) for server, _ in groups}
    runs = await asyncio.gather(*(client.run(SUMMARY, expect=DRAWN) for _, clients in groups for client in clients))
    waits = [r.seconds for r in runs]
    cpu = {pid: cpu_seconds(pid) - at for pid, at in before.items()}
    views = sum(len(clients) for _, clients in groups)
    return {"median_s": statistics.median(waits), "max_s": max(waits), "waits": [round(w, 2) for w in waits],
            "cpu_per_view_s": sum(cpu.values()) / views, "cpu_by_process_s": [round(c, 2) for c in cpu.values()]}


async def at_once(url: str, folder: Path, people: int, repeat: int) -> dict:
    servers = [Server(url, folder, name) for name in ("one", "two-b", "two-c")]
    clients: list[Client] = []
    try:
        warmed = [await warm(server) for server in servers]
        one = [await person(servers[0], f"u{i:05d}@bench") for i in range(people)]
        two = [await person(servers[1 + i % 2], f"u{people + i:05d}@bench") for i in range(people)]
        clients = one + two
        print(f"{people} signed in on each side; warm «Свод»: {[round(w, 2) for w in warmed]}", file=sys.stderr, flush=True)
        waves = {"one": [], "two": []}
        for n in range(repeat):
            waves["one"].append(await wave([(servers[0], one)]))
            waves["two"].append(await wave([(servers[1], two[0::2]), (servers[2], two[1::2])]))
            print(f"repeat {n + 1}: one {json.dumps(waves['one'][-1])}\n          two {json.dumps(waves['two'][-1])}",
                  file=sys.stderr, flush=True)
        return {"people": people, "warm_summary_s": warmed, **waves}
    finally:
        for client in clients:
            await client.close()
        for server in servers:
            server.stop()


async def pages(url: str, folder: Path, reruns: int, repeat: int) -> dict:
    cold, again = [], []
    for n in range(repeat):
        server = Server(url, folder, f"pages-{n}")
        try:
            client = await person(server, COORDINATOR)
            cold.append((await client.run(SUMMARY, expect=DRAWN)).seconds)
            for _ in range(reruns):
                again.append((await client.run(SUMMARY, expect=DRAWN)).seconds)
            await client.close()
        finally:
            server.stop()
    return {"cold_s": cold, "rerun_p50_s": statistics.median(again), "rerun_p95_s": p95(again), "reruns": len(again)}


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
    lines = [f"{scale}, {result['people']} people: wait median / max, s; server CPU s per page view",
             "| repeat | one process | two processes | two ÷ one (max) | CPU per view: one / two |", "|---|---|---|---|---|"]
    for n, (one, two) in enumerate(zip(result["one"], result["two"], strict=True), 1):
        lines.append(f"| {n} | {one['median_s']:.1f} / {one['max_s']:.1f} | {two['median_s']:.1f} / {two['max_s']:.1f} | "
                     f"×{two['max_s'] / one['max_s']:.2f} | {one['cpu_per_view_s']:.2f} / {two['cpu_per_view_s']:.2f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="region", help="people at once on these scales ('' for none)")
    parser.add_argument("--pages-scales", default="", help="cold page and rerun p95 on these scales")
    parser.add_argument("--people", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reruns", type=int, default=20)
    parser.add_argument("--same-login", type=int, default=0, help="N sessions sign in as one login at once (district scale)")
    args = parser.parse_args()
    prepared: dict[str, tuple[str, Path]] = {}

    def store(scale: str) -> tuple[str, Path]:
        if scale not in prepared:
            folder = Path(tempfile.mkdtemp(prefix=f"bench-load-{scale}-"))
            prepared[scale] = (prepare(scale, folder), folder)
        return prepared[scale]

    out = []
    if args.same_login:
        found = asyncio.run(same_login(*store("district"), args.same_login))
        print(json.dumps({"same_login": found}, ensure_ascii=False), flush=True)
    for scale in filter(None, args.pages_scales.split(",")):
        found = asyncio.run(pages(*store(scale), args.reruns, args.repeat))
        print(json.dumps({"scale": scale, "pages": found}), flush=True)
    for scale in filter(None, args.scales.split(",")):
        found = asyncio.run(at_once(*store(scale), args.people, args.repeat))
        print(json.dumps({"scale": scale, "at_once": found}), flush=True)
        out.append(report(scale, found))
    print("\n\n".join(out))


if __name__ == "__main__":
    main()
