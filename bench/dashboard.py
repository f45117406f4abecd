"""Dashboard benchmark: ``python -m bench.dashboard [--scales district,region,large]``.

For each scale the data set is generated and loaded into SQLite by one process, and measured by a
fresh one (so peak memory is the app's, not the generator's). It prints:
time to compute every dashboard figure from loaded tables (``lib.dashboard.execute``, best of 3),
the time of a full AppTest run of the «Свод» page (first run, which reads the store, and a
second one), the store read time, and the process's peak memory.
Targets (issue 5): region metrics ≤ 0.3 s and page ≤ 3 s; large page ≤ 10 s; large peak ≤ 1 GB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import datasets

TODAY = dt.date(2025, 1, 20)


def prepare(scale: str, path: Path) -> int:
    """Generate and load the data set (in its own process: generating costs memory the app does not)."""
    rows = datasets.all_cells(datasets.frames(datasets.SCALES[scale]))
    datasets.load_sqlite(path, rows)
    return len(rows["monthly_reports"])


def one(scale: str, path: Path, monthly_rows: int) -> dict:
    from lib.dashboard import Filters, execute
    from lib.settings import read_settings
    from lib.store.sqlite_store import SQLiteStore

    tmp = path.parent
    store = SQLiteStore(path)
    start = time.perf_counter()
    snap = store.read_all()
    read_s = time.perf_counter() - start
    settings = read_settings(snap)
    filters = Filters("2024-01", "2024-12")
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        result = execute(snap, filters, settings, TODAY)
        best = min(best, time.perf_counter() - start)
    assert result.filing_summary["on_time"] == datasets.SCALES[scale]

    os.environ["DEBT_STORE"] = f"sqlite:///{tmp / 'bench.sqlite'}"
    from streamlit.testing.v1 import AppTest

    from lib import ui

    ui.today = lambda: TODAY
    app = str(Path(__file__).resolve().parent.parent / "app.py")
    at = AppTest.from_file(app, default_timeout=600)
    at.session_state["user_login"] = "bench@x"
    start = time.perf_counter()
    at.run()
    at.switch_page("pages/dashboard.py").run()
    first = time.perf_counter() - start
    assert not at.exception, [e.value for e in at.exception]
    start = time.perf_counter()
    at.run()
    second = time.perf_counter() - start
    return {"scale": scale, "utilities": datasets.SCALES[scale], "monthly_rows": monthly_rows,
            "read_s": read_s, "metrics_s": best, "page_first_s": first, "page_again_s": second,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default=",".join(datasets.SCALES))
    parser.add_argument("--prepare", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        print(prepare(args.prepare[0], Path(args.prepare[1])))
        return
    if args.one:
        print(json.dumps(one(args.one[0], Path(args.one[1]), int(args.one[2]))))
        return
    results = []
    for scale in args.scales.split(","):
        path = Path(tempfile.mkdtemp()) / "bench.sqlite"
        made = subprocess.run([sys.executable, "-m", "bench.dashboard", "--prepare", scale, str(path)],
                              capture_output=True, text=True, check=True)
        rows = made.stdout.strip().splitlines()[-1]
        out = subprocess.run([sys.executable, "-m", "bench.dashboard", "--one", scale, str(path), rows],
                             capture_output=True, text=True, check=True)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(results[-1], flush=True)
    print()
    print("| scale | utilities | monthly rows | store read, s | all metrics, s | page, first run, s | page, again, s | peak RSS, MB |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['scale']} | {r['utilities']} | {r['monthly_rows']:,} | {r['read_s']:.2f} | {r['metrics_s']:.3f} | "
              f"{r['page_first_s']:.2f} | {r['page_again_s']:.2f} | {r['peak_mb']:.0f} |")


if __name__ == "__main__":
    main()
