"""Requests a minute against the service account's quota at the deadline: ``python -m bench.sheets_quota
[--people 5,10,20,30] [--minutes 6] [--freshness 2] [--ttl 30] [--window 0,1]``.

A model, but of the real adapter: one server process (one ``SheetsStore``, as ``factory.shared_store``
gives every session of a process), the demo district in the in-process Sheets API (a real gspread
client), and N people on its fake clock. Each person saves a correction once a minute (at a random
second of it, through ``lib.auth.access.write``), sees the page after the save (``read_all``) and, between
saves, reruns a page every ``--view`` seconds (``read_all``: each click of a Streamlit page is one).
Requests are counted per minute of the fake clock, the first minute (the cold start) left out; reads
and writes apart, as Google has a quota for each (60 a minute per user — a service account is one
user: https://developers.google.com/workspace/sheets/api/limits), and in total (the issue's target:
≤ 30 a minute with 20 people saving once a minute).

Saves of one process go to Google in batches (``SheetsStore._transact``): a save waits ``--window``
seconds (``save_window``) for others, and one arriving while a batch is read or written joins the
next; each batch is one fresh read and one ``spreadsheets:batchUpdate``. The model keeps that queue's
rule on the fake clock — a batch starts ``window`` after its first save arrived, never before the
previous batch ended, and takes every save that arrived by then — and runs each batch through the
adapter's own ``_run_batch`` (the saves' checks, ``lib.auth.access.write``'s, are decided there in turn).
Each person's wait is counted from the click to the end of its batch.

The floor (without batching) was one write a save; the rest are reads: the fresh read before a
batch (shared by batches within ``write_freshness``), the whole read at the cache's TTL (folded into
a save's read when one comes first) and metadata.
"""

from __future__ import annotations

import argparse
import heapq
import random
from collections import Counter

from bench.sheets_safety import CLI, TAB, demo_sheet
from lib.auth.access import write
from lib.store.sheets_store import PendingSave
from tests.support.fake_sheets import READ_METHODS


class Asked:
    """Stands in for the store in ``lib.auth.access.write``: keeps the save it hands to ``transact`` (queued, its
    checks decided later in its batch) instead of sending it."""

    def __init__(self, store):
        self.schema = store.schema
        self.save: PendingSave | None = None

    def transact(self, user, build, *, tabs=None):
        self.save = PendingSave(user, build, None if tabs is None else frozenset(tabs))


def simulate(people: int, minutes: int, seed: int, *, freshness: float, ttl: float, view: float, latency: float,
             window: float = 0.0, sheet=None) -> dict:
    """One run; ``sheet``: an (api, store) pair with the demo district already in it (tests), else one is made."""
    rng = random.Random(seed)
    api, store = sheet or demo_sheet(seed)
    api.latency = latency  # each request's time on the fake clock: a save that comes while another is under way waits
    store.write_freshness, store.cache_ttl = freshness, ttl
    records = store.read_all().current(TAB).sample(people, random_state=seed)
    keys = list(store.schema[TAB].record_key)
    mine = [{k: r[k] for k in keys} for r in records.to_dict("records")]
    start = api.clock.now() + 1
    events: list[tuple[float, int, str, int]] = []  # (when, order, what, person)
    order = 0
    for p in range(people):
        for m in range(minutes):
            events.append((start + 60 * m + rng.uniform(0, 60), order, "save", p))
            order += 1
        t = start + rng.uniform(0, view)
        while t < start + 60 * minutes:
            events.append((t, order, "view", p))
            order += 1
            t += view
    heapq.heapify(events)
    api.log.clear()
    saves = batches = refused = 0
    waits: list[float] = []
    queue: list[tuple[float, PendingSave]] = []  # (when asked, the save)
    ended = float("-inf")  # when the last batch was written
    while events or queue:
        if queue:
            begins = max(queue[0][0] + window, ended)
            if not events or events[0][0] > begins:  # nothing else happens before the batch is taken
                if begins > api.clock.now():
                    api.clock.advance(begins - api.clock.now())
                batch, queue = queue, []
                store._run_batch([s for _, s in batch])
                ended = api.clock.now()
                batches += 1
                for asked_at, save in batch:
                    saves += 1
                    refused += save.error is not None
                    waits.append(ended - asked_at)
                    store.read_all()  # the page shown after the save
                continue
        when, _, what, p = heapq.heappop(events)
        if when > api.clock.now():
            api.clock.advance(when - api.clock.now())
        if what == "view":
            store.read_all()
            continue
        row = store.read_all().record(TAB, **mine[p])
        asked = Asked(store)
        write(asked, CLI, {TAB: [{**row, "paid": round(rng.uniform(0, 1000), 2)}]})
        queue.append((when, asked.save))
    per_minute: dict[str, Counter] = {"reads": Counter(), "writes": Counter()}
    for entry in api.log:
        minute = int((entry["at"] - start) // 60)
        if 1 <= minute < minutes:
            per_minute["reads" if entry["method"] in READ_METHODS else "writes"][minute] += 1
    steady = range(1, minutes)
    totals = [per_minute["reads"][m] + per_minute["writes"][m] for m in steady]
    return {
        "people": people, "saves": saves, "refused": refused, "batches": batches, "window_s": window,
        "freshness_s": freshness, "ttl_s": ttl, "latency_s": latency,
        "wait_mean_s": sum(waits) / len(waits), "wait_max_s": max(waits),
        "reads_per_min": sum(per_minute["reads"][m] for m in steady) / len(steady),
        "writes_per_min": sum(per_minute["writes"][m] for m in steady) / len(steady),
        "total_per_min": sum(totals) / len(steady), "worst_min": max(totals),
    }


def report(results: list[dict]) -> str:
    lines = ["| люди (сохраняют раз в минуту) | окно сбора, с | write_freshness, с | TTL кэша, с | ответ Google, с | "
             "сохранений в записи | чтения в минуту | записи в минуту | всего в минуту (худшая минута) | "
             "ожидание сохранения, с: среднее / худшее | цель ≤ 30 при 20 людях |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        met = "—" if r["people"] != 20 else ("да" if r["worst_min"] <= 30 else "нет")
        lines.append(f"| {r['people']} | {r['window_s']:g} | {r['freshness_s']:g} | {r['ttl_s']:g} | {r['latency_s']:g} | "
                     f"{r['saves'] / r['batches']:.2f} | {r['reads_per_min']:.1f} | {r['writes_per_min']:.1f} | "
                     f"{r['total_per_min']:.1f} ({r['worst_min']}) | {r['wait_mean_s']:.2f} / {r['wait_max_s']:.2f} | {met} |")
    return "\n".join(lines).replace(".", ",")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", default="5,10,20,30")
    parser.add_argument("--minutes", type=int, default=6)
    parser.add_argument("--freshness", default="2", help="write_freshness values, comma-separated")
    parser.add_argument("--ttl", type=float, default=30.0)
    parser.add_argument("--view", type=float, default=10.0, help="seconds between a person's page reruns")
    parser.add_argument("--latency", default="0.01,0.5", help="seconds a request takes, comma-separated")
    parser.add_argument("--window", default="0,1", help="seconds a save waits for others (save_window), comma-separated")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    results = []
    for latency in (float(x) for x in args.latency.split(",")):
        for freshness in (float(f) for f in args.freshness.split(",")):
            for window in (float(w) for w in args.window.split(",")):
                for n in (int(x) for x in args.people.split(",")):
                    results.append(simulate(n, args.minutes, args.seed, freshness=freshness, ttl=args.ttl, view=args.view,
                                            latency=latency, window=window))
                    print(results[-1], flush=True)
    print()
    print(report(results))


if __name__ == "__main__":
    main()
