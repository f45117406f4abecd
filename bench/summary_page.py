"""Dashboard benchmark: ``python -m bench.summary_page [--scales district,region,large] [--repeat 3]``.

Per scale (N utilities × 36 months) the data set is generated and loaded into SQLite by one process;
every figure is then measured in processes of its own, because a server start is a new process and
a memory figure must be the page's alone (the benchmark's own copies of the data would count):

- **store read**: a server start reading the store through its typed copy (``lib.store.frame_cache``)
  against the floor, a bare ``pandas.read_feather`` of the same typed frames; and the read that types
  every cell (no copy yet: the first start on a new file);
- **first page after a server start** (AppTest of «Свод» in a fresh process): with the typed copy,
  against the floor — the same page with the store read replaced by the bare feather read — and
  without the copy;
- **rerun** of the page against the floor — the page drawn from figures computed before (the download
  workbooks are built on click since issue 16, item 2; the figures of the same filters on the same
  snapshot are reused, ``lib.core.memo.recent``);
- **all metrics** (``lib.domain.summary.execute`` on a loaded snapshot, best of 3) and the frames' memory;
- **peak RSS** of a process that only runs the page, against the floor — a process that imports the
  same modules and only reads the store.

Times are CPU seconds of the measuring process (best of ``--repeat`` runs, variants run in turn);
wall seconds are kept in the JSON lines. Targets (issue 16): region first page ≤ 2 s, large ≤ 5 s;
region rerun ≤ 0.6 s, large ≤ 2 s; large page peak ≤ 650 MB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import datasets
from bench.processes import clock, in_turn, measure, peak_mb, ratio

TODAY = dt.date(2025, 1, 20)
APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGE = "pages/dashboard.py"


def prepare(scale: str, path: Path) -> int:
    """Generate and load the data set (in its own process: generating costs memory the app does not)."""
    rows = datasets.all_cells(datasets.frames(datasets.SCALES[scale]))
    datasets.load_sqlite(path, rows)
    return len(rows["monthly_reports"])


def bare_dir(path: Path) -> Path:
    return path.parent / "bare-feather"


def no_copy() -> None:
    """This process neither reads nor writes the typed copy (the first start on a new file)."""
    from lib.store.frame_cache import FrameCache

    FrameCache.load = lambda self, *a: {}
    FrameCache.write_later = lambda self, *a: None


def bare_snapshot(path: Path):
    """The floor of a store read: the typed frames from plain feather files, nothing checked."""
    import pandas as pd

    from lib.core.schema import schema
    from lib.store.port import Snapshot

    tables = {f.stem: pd.read_feather(f) for f in bare_dir(path).glob("*.feather")}
    return Snapshot(tables, [], schema(), [])


def warm(scale: str, path: Path) -> dict:
    """The first start on the file (types every cell, writes the typed copy), the bare copy for the
    floors, then store reads and the metrics in this process."""
    from lib.domain import estimates
    from lib.domain.settings import read_settings
    from lib.domain.summary import Filters, _execute
    from lib.store.sqlite_store import SQLiteStore

    out: dict = {}
    store = SQLiteStore(path)
    with clock(out, "read_typing_s"):
        snap = store.read_all()
    store.typed_copy.wait()
    folder = bare_dir(path)
    folder.mkdir(exist_ok=True)
    for tab, frame in snap.tables.items():
        frame.to_feather(folder / f"{tab}.feather")
    out["frames_mb"] = sum(f.memory_usage(deep=True).sum() for f in snap.tables.values()) / 1e6

    def copy_read():
        one = {}
        with clock(one, "s"):
            fresh = SQLiteStore(path)
            fresh.read_all()
        assert fresh.typed_copy.loaded, "the typed copy was not used"
        return one

    def bare_read():
        one = {}
        with clock(one, "s"):
            bare_snapshot(path)
        return one

    found = in_turn({"copy": copy_read, "bare": bare_read}, 3)
    out["read_copy_s"], out["read_bare_s"] = found["copy"]["s"], found["bare"]["s"]
    settings = read_settings(snap)
    filters = Filters("2024-01", "2024-12")
    best = float("inf")
    for _ in range(3):
        one: dict = {}
        with clock(one, "s"):  # the figures themselves, not the page's reuse of them (lib.core.memo.recent)
            result = _execute(snap, filters, settings, TODAY, estimates.lines(snap))
        best = min(best, one["s"])
    assert result.filing_summary["on_time"] == datasets.SCALES[scale]
    out["metrics_s"] = best
    return out


def page(scale: str, path: Path, variant: str) -> dict:
    """«Свод» in AppTest, in this fresh process: the first run (the server start) and reruns."""
    os.environ["DEBT_STORE"] = f"sqlite:///{path}"
    if variant == "nocopy":
        no_copy()
    if variant == "floor_read":
        from lib.store.sqlite_store import SQLiteStore

        held: dict = {}

        def bare_read_all(self):
            if "snap" not in held:
                held["snap"] = bare_snapshot(path)
            return held["snap"]

        SQLiteStore.read_all = bare_read_all
    if variant == "floor_rerun":
        from lib.domain import estimates, summary

        drawn: dict = {}  # the page drawn from figures computed before: what a rerun cannot go below

        def given(snap, filters, settings, today, lines=None):
            key = (id(snap), filters, today)
            if key not in drawn:
                drawn[key] = summary._execute(snap, filters, settings, today, estimates.lines(snap))
            return drawn[key]

        summary.execute = given
    from streamlit.testing.v1 import AppTest

    from lib.ui import shell

    shell.today = lambda: TODAY
    at = AppTest.from_file(APP, default_timeout=900)
    at.session_state["user_login"] = "bench@x"
    at.switch_page(PAGE)
    out: dict = {}
    with clock(out, "first_s"):
        at.run()
    assert not at.exception and [t.value for t in at.title] == ["Свод"], [e.value for e in at.exception]
    reruns = []
    for _ in range(3):
        one: dict = {}
        with clock(one, "s"):
            at.run()
        reruns.append(one)
    out["rerun_s"] = min(r["s"] for r in reruns)
    out["rerun_s_wall"] = min(r["s_wall"] for r in reruns)
    out["peak_mb"] = peak_mb()
    return out


def memory_floor(scale: str, path: Path) -> dict:
    """The modules the page imports and the store read, nothing else: what the page cannot go below."""
    import streamlit  # noqa: F401
    from streamlit.testing.v1 import AppTest  # noqa: F401

    from lib.domain import summary, summary_views  # noqa: F401
    from lib.store.sqlite_store import SQLiteStore

    SQLiteStore(path).read_all()
    return {"peak_mb": peak_mb()}


def one(mode: str, scale: str, path: Path) -> dict:
    if mode == "warm":
        return warm(scale, path)
    if mode == "memfloor":
        return memory_floor(scale, path)
    return page(scale, path, mode)


def run_scale(scale: str, repeat: int) -> dict:
    path = Path(tempfile.mkdtemp()) / "bench.sqlite"
    made = subprocess.run([sys.executable, "-m", "bench.summary_page", "--prepare", scale, str(path)],
                          capture_output=True, text=True, check=True)
    result = {"scale": scale, "utilities": datasets.SCALES[scale], "monthly_rows": int(made.stdout.strip().splitlines()[-1])}
    result.update(measure("bench.summary_page", "warm", scale, str(path)))
    run = lambda variant: (lambda: measure("bench.summary_page", variant, scale, str(path)))
    pages = in_turn({v: run(v) for v in ("project", "floor_read", "floor_rerun", "memfloor")}, repeat)
    pages["nocopy"] = in_turn({"nocopy": run("nocopy")}, 1)["nocopy"]
    result.update(
        first_s=pages["project"]["first_s"], first_floor_s=pages["floor_read"]["first_s"],
        first_nocopy_s=pages["nocopy"]["first_s"], rerun_s=pages["project"]["rerun_s"],
        rerun_floor_s=pages["floor_rerun"]["rerun_s"], peak_mb=pages["project"]["peak_mb"],
        peak_floor_mb=pages["memfloor"]["peak_mb"], peak_nocopy_mb=pages["nocopy"]["peak_mb"],
        first_wall_s=pages["project"]["first_s_wall"], rerun_wall_s=pages["project"]["rerun_s_wall"],
    )
    return result


def report(results: list[dict]) -> str:
    lines = [
        "| scale | utilities | monthly rows | store read: typed copy / floor (bare feather) | ÷ floor | store read typing every cell | "
        "first page after a start / floor | ÷ floor | first page without the copy | rerun / floor (figures given) | ÷ floor | "
        "all metrics | frames, MB | page peak RSS / floor (modules + store read), MB | ÷ floor |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['scale']} | {r['utilities']} | {r['monthly_rows']:,} | {r['read_copy_s']:.2f} / {r['read_bare_s']:.2f} | "
            f"{ratio(r['read_copy_s'], r['read_bare_s'])} | {r['read_typing_s']:.2f} | "
            f"{r['first_s']:.2f} / {r['first_floor_s']:.2f} | {ratio(r['first_s'], r['first_floor_s'])} | {r['first_nocopy_s']:.2f} | "
            f"{r['rerun_s']:.2f} / {r['rerun_floor_s']:.2f} | {ratio(r['rerun_s'], r['rerun_floor_s'])} | {r['metrics_s']:.3f} | "
            f"{r['frames_mb']:.0f} | {r['peak_mb']:.0f} / {r['peak_floor_mb']:.0f} | {ratio(r['peak_mb'], r['peak_floor_mb'])} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default=",".join(datasets.SCALES))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--prepare", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        print(prepare(args.prepare[0], Path(args.prepare[1])))
        return
    if args.one:
        print(json.dumps(one(args.one[0], args.one[1], Path(args.one[2]))))
        return
    results = []
    for scale in args.scales.split(","):
        results.append(run_scale(scale, args.repeat))
        print(json.dumps(results[-1]), flush=True)
    print()
    print("CPU seconds, best of", args.repeat, "(variants in turn); peak RSS of the page's own process")
    print(report(results))


if __name__ == "__main__":
    main()
