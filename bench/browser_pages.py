"""Pages in a real browser on a generated district, and 12 people at once on one or on two server processes (issue 28,
item 4): ``python -m bench.browser_pages [--scales region] [--people 12]``.

Per scale the district (``bench.datasets``: complete, its users share ``BENCH_PASSWORD``) is loaded into the store, and
a first read writes the typed copy (a server start of a district in use). Servers are real ``streamlit run`` processes
on 127.0.0.1, people are Chromium tabs, each in a browser context of its own (its own session). Wall seconds from the
person's action until the page's script has finished (Streamlit's ``data-test-script-state`` back to «notRunning»):

- **cold page**: the first «Свод» of a server process (its figures computed), then «Ввод данных» of an executor;
- **rerun**: «R» on the page (Streamlit's rerun key): the same figures drawn again;
- **people at once**: ``--people`` tabs, signed in, open «Свод» at the same moment (each clicks its link) on one
  server process, then on two (half of the people on each); each person's wait, median and maximum.

The machine is shared: seconds are for orientation, the comparisons (one process against two) are made in one run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench import datasets

COORDINATOR, EXECUTOR = "bench@x", "u00001@bench"


def prepare(scale: str, folder: Path) -> str:
    """The district in a SQLite file with its typed copy written; returns the store's address."""
    from lib.auth.passwords import hash_password
    from lib.store.sqlite_store import SQLiteStore

    path = folder / "bench.sqlite"
    rows = datasets.all_cells(datasets.frames(datasets.SCALES[scale], password_hash=hash_password(datasets.BENCH_PASSWORD)))
    datasets.load_sqlite(path, rows)
    store = SQLiteStore(path)
    store.read_all()
    store.typed_copy.wait()
    return f"sqlite:///{path}"


class Server:
    """``streamlit run app.py`` on the store, on a free loopback port; stopped by ``stop``."""

    def __init__(self, url: str, folder: Path, name: str):
        from tests.support.browser import free_port, start_app

        self.port = free_port()
        self.log = open(folder / f"{name}.log", "w")
        env = {**os.environ, "DEBT_STORE": url, "DEBT_SIGNING_KEY": datasets.SIGNING_KEY, "DEBT_LOCAL_DIR": str(folder / "local")}
        try:
            self.proc, self.address = start_app(env, self.log, self.port, seconds=120)
        except RuntimeError as err:
            self.log.close()
            raise RuntimeError(f"{err}: {(folder / f'{name}.log').read_text()[-2000:]}") from None

    def stop(self) -> None:
        from tests.support.browser import stop_process

        stop_process(self.proc, timeout=30)
        self.log.close()


def signed_in(browser, server: Server, login: str):
    from tests.support.browser import idle, new_page, open_login, sign_in

    tab = new_page(browser)
    open_login(tab, server.address)
    sign_in(tab, login, datasets.BENCH_PASSWORD)
    tab.get_by_role("link", name="Свод").wait_for(timeout=120000)
    idle(tab)
    return tab


def timed(tab, action) -> float:
    """Seconds from ``action`` until the rerun it caused has finished."""
    from tests.support.browser import rerun_after

    started = time.perf_counter()
    rerun_after(tab, action)
    return time.perf_counter() - started


def open_summary(tab) -> float:
    took = timed(tab, lambda: tab.get_by_role("link", name="Свод").click())
    tab.get_by_role("heading", name="Свод").wait_for(timeout=600000)
    return took


def pages(browser, url: str, folder: Path) -> dict:
    """Cold «Свод» and «Ввод данных», and their reruns, on a freshly started server."""
    server = Server(url, folder, "pages")
    try:
        out = {}
        coordinator = signed_in(browser, server, COORDINATOR)
        out["summary_cold_s"] = open_summary(coordinator)
        out["summary_rerun_s"] = min(timed(coordinator, lambda: coordinator.keyboard.press("r")) for _ in range(3))
        executor = signed_in(browser, server, EXECUTOR)
        out["entry_first_s"] = timed(executor, lambda: executor.get_by_role("link", name="Ввод данных").click())
        executor.get_by_role("heading", name="Ввод данных").wait_for(timeout=600000)
        out["entry_rerun_s"] = min(timed(executor, lambda: executor.keyboard.press("r")) for _ in range(3))
        return out
    finally:
        server.stop()


def at_once(browser, url: str, folder: Path, people: int, processes: int) -> dict:
    """``people`` tabs open «Свод» at the same moment, spread over ``processes`` servers (warmed by one «Свод» each)."""
    servers = [Server(url, folder, f"at-once-{processes}-{i}") for i in range(processes)]
    try:
        for server in servers:  # each process has read the store and computed the figures once, like a server in use
            open_summary(signed_in(browser, server, COORDINATOR))
        # different people (executors of different utilities), each in its own browser
        tabs = [signed_in(browser, servers[i % processes], f"u{i:05d}@bench") for i in range(people)]
        print(f"{people} signed in on {processes} process(es)", file=sys.stderr, flush=True)
        from tests.support.browser import idle, watch_reruns

        for tab in tabs:
            watch_reruns(tab)
        started = time.perf_counter()
        for tab in tabs:  # as close together as one driver can click
            tab.get_by_role("link", name="Свод").click(no_wait_after=True)
        waits = []
        for tab in tabs:
            tab.wait_for_function("window.__reruns > 0", timeout=600000)
            idle(tab)
            tab.get_by_role("heading", name="Свод").wait_for(timeout=600000)
            waits.append(time.perf_counter() - started)
        return {"median_s": statistics.median(waits), "max_s": max(waits)}
    finally:
        for server in servers:
            server.stop()


def run_scale(scale: str, people: int) -> dict:
    from playwright.sync_api import sync_playwright

    from tests.support.browser import launch

    folder = Path(tempfile.mkdtemp(prefix=f"bench-browser-{scale}-"))
    url = prepare(scale, folder)
    result: dict = {"scale": scale, "utilities": datasets.SCALES[scale]}
    with sync_playwright() as p:
        browser = launch(p)
        try:
            result.update(pages(browser, url, folder))
            print(json.dumps(result), flush=True)
            one, two = at_once(browser, url, folder, people, 1), at_once(browser, url, folder, people, 2)
            result.update(people=people, one_median_s=one["median_s"], one_max_s=one["max_s"],
                          two_median_s=two["median_s"], two_max_s=two["max_s"])
        finally:
            browser.close()
    return result


def report(results: list[dict]) -> str:
    lines = ["| scale | «Свод» cold, s | «Свод» rerun, s | «Ввод данных» first, s | rerun, s | people | one process: median / max, s | "
             "two processes: median / max, s | two ÷ one (max) |", "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['scale']} | {r['summary_cold_s']:.2f} | {r['summary_rerun_s']:.2f} | {r['entry_first_s']:.2f} | "
                     f"{r['entry_rerun_s']:.2f} | {r['people']} | {r['one_median_s']:.1f} / {r['one_max_s']:.1f} | "
                     f"{r['two_median_s']:.1f} / {r['two_max_s']:.1f} | ×{r['two_max_s'] / r['one_max_s']:.2f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="region")
    parser.add_argument("--people", type=int, default=12)
    args = parser.parse_args()
    results = []
    for scale in args.scales.split(","):
        results.append(run_scale(scale, args.people))
        print(json.dumps(results[-1]), flush=True)
    print()
    print(report(results))


if __name__ == "__main__":
    main()
