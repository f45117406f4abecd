"""Export benchmark: ``python -m bench.workbook_export [--scales district,region,large] [--before]``.

The quarterly workbook (2024-Q4) built from loaded tables, each scale in its own process, CPU time
(the machine is shared; best of 3, the variants run in turn):
- page: the «Выгрузка» page's own figures when it opens (``lib.files.workbook.readiness``: what the workbook will
  list, by the dashboard's ``execute`` for the period) in a fresh process;
- export: ``lib.files.workbook.build`` as the click on «Сформировать» calls it — the first click after the page
  opened, and again; «cold»: the build in another fresh process with no page before it (what a script
  calling ``build`` alone would wait);
- figures: the same build with a writer that only records what it is asked to write;
- writer: those recorded calls written by ``lib.files.workbook.Book`` (xlsxwriter);
- floor: the same cells with the same formats, widths, heights, merges, panes and print setup
  written by xlsxwriter directly, with nothing computed — what a styled xlsxwriter write costs (the
  writer and the floor both without the cyclic collector, as ``build`` writes);
- writer ÷ floor: the writer's own overhead (target, issue 16: ≤ ×2); ``--before``: also the former
  openpyxl writer (tests/support/openpyxl_export.py) on the same calls, for comparison.
Targets (issue 16): region export ≤ 2 s, large ≤ 12 s (the click; the page's opening is reported beside it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TODAY = dt.date(2025, 1, 20)
TARGETS = {"region": 2.0, "large": 12.0}
REPEAT = 3


class Recording:
    """A writer with ``lib.files.workbook.Book``'s interface that keeps the calls, to replay them into a real one."""

    def __init__(self):
        self.sheets: list[_RecordedSheet] = []

    def sheet(self, *args, **kwargs) -> _RecordedSheet:
        self.sheets.append(_RecordedSheet(args, kwargs))
        return self.sheets[-1]

    def bytes(self) -> bytes:
        return b""

    def replay(self, book) -> bytes:
        for sheet in self.sheets:
            writer = book.sheet(*sheet.args, **sheet.kwargs)
            for name, args, kwargs in sheet.calls:
                getattr(writer, name)(*args, **kwargs)
        return book.bytes()


class _RecordedSheet:
    def __init__(self, args, kwargs):
        self.args, self.kwargs, self.calls = args, kwargs, []

    def __getattr__(self, name):
        return lambda *args, **kwargs: self.calls.append((name, args, kwargs))


def layout(data: bytes) -> list[dict]:
    """What the workbook holds, read back with openpyxl: per sheet its cells as (row, column, value,
    format), and its widths, heights, merges, frozen rows and repeated rows (0-based, as xlsxwriter)."""
    from openpyxl import load_workbook

    from lib.files.xlsx_tables import cell_format

    sheets = []
    for ws in load_workbook(io.BytesIO(data)).worksheets:
        formats, cells = {}, []
        for row in ws.iter_rows():
            for c in row:
                if not c.has_style and c.value is None:
                    continue
                f, a = c.font, c.alignment
                align = {k: v for k, v in (("text_wrap", a.wrap_text), ("valign", {"center": "vcenter"}.get(a.vertical, a.vertical)),
                                           ("align", a.horizontal)) if v}
                key = (c.number_format, bool(f.bold), bool(f.italic), f.size, bool(c.border.left and c.border.left.style), bool(c.quotePrefix),
                       tuple(sorted(align.items())))
                formats.setdefault(key, cell_format(*key[:6], **align))
                cells.append((c.row - 1, c.column - 1, c.value, key))
        sheets.append({"title": ws.title, "cells": cells, "formats": formats,
                       "widths": {d.min - 1: d.width for d in ws.column_dimensions.values() if d.customWidth},
                       "heights": {r - 1: d.height for r, d in ws.row_dimensions.items() if d.height is not None},
                       "merged": [(r.min_row - 1, r.min_col - 1, r.max_row - 1, r.max_col - 1) for r in ws.merged_cells.ranges],
                       "frozen": ws.freeze_panes, "titles": ws.print_title_rows})
    return sheets


def floor_write(sheets: list[dict]) -> bytes:
    """The same workbook by xlsxwriter alone: a format per distinct style, each cell by its type."""
    import xlsxwriter
    from openpyxl.utils.cell import coordinate_to_tuple

    from lib.files.xlsx_tables import column_width, print_setup_xlsxwriter

    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    for sheet in sheets:
        ws = wb.add_worksheet(sheet["title"])
        formats = {key: wb.add_format(props) for key, props in sheet["formats"].items()}
        for col, width in sheet["widths"].items():
            ws.set_column(col, col, column_width(width))
        if sheet["frozen"]:
            ws.freeze_panes(coordinate_to_tuple(sheet["frozen"])[0] - 1, 0)
        first, last = (int(r) - 1 for r in sheet["titles"].replace("$", "").split(":"))
        print_setup_xlsxwriter(ws, (first, last))
        for r1, c1, r2, c2 in sheet["merged"]:  # first: a merge writes its first cell
            ws.merge_range(r1, c1, r2, c2, "", None)
        for r, c, value, key in sheet["cells"]:
            if isinstance(value, str):
                ws.write_string(r, c, value, formats[key])
            elif value is None:
                ws.write_blank(r, c, None, formats[key])
            elif isinstance(value, dt.datetime):
                ws.write_datetime(r, c, value, formats[key])
            else:
                ws.write_number(r, c, value, formats[key])
        for r, height in sheet["heights"].items():
            ws.set_row(r, height)
    wb.close()
    return out.getvalue()


def cpu(fn) -> tuple[float, object]:
    start = time.process_time()
    result = fn()
    return time.process_time() - start, result


def paused(write):
    """A write as ``export.build`` makes it: without the cyclic collector (``lib.core.heap``) — the writer and the
    floor alike, so that their ratio compares the writing, not the collector."""
    from lib.core import heap

    with heap.cyclic_gc_paused():
        return write()


def cold(path: Path) -> dict:
    """The build in a fresh process with nothing computed before it."""
    from lib.domain.settings import read_settings
    from lib.files import workbook
    from lib.store.sqlite_store import SQLiteStore

    snap = SQLiteStore(path).read_all()
    settings = read_settings(snap)
    return {"export_cold_s": cpu(lambda: workbook.build(snap, workbook.parse_period("2024-Q4"), settings, TODAY))[0]}


def one(scale: str, path: Path, before: bool) -> dict:
    from lib.domain.settings import read_settings
    from lib.files import workbook
    from lib.store.sqlite_store import SQLiteStore

    snap = SQLiteStore(path).read_all()
    settings = read_settings(snap)
    period = workbook.parse_period("2024-Q4")
    page, _ = cpu(lambda: workbook.readiness(snap, period, settings, TODAY))  # the page opens
    first, data = cpu(lambda: workbook.build(snap, period, settings, TODAY))  # the first click
    sheets = layout(data)
    cells = sum(len(s["cells"]) for s in sheets)
    best = {"export": float("inf"), "figures": float("inf"), "writer": float("inf"), "floor": float("inf")}
    recorded = Recording()
    runs = {"export": lambda: workbook.build(snap, period, settings, TODAY),
            "figures": lambda: workbook.build(snap, period, settings, TODAY, book=lambda: recorded),
            "writer": lambda: paused(lambda: recorded.replay(workbook.Book())), "floor": lambda: paused(lambda: floor_write(sheets))}
    for _ in range(REPEAT):  # the variants in turn, so that a busy moment of the machine hits them alike
        for name, run in runs.items():
            if name == "figures":
                recorded = Recording()
            best[name] = min(best[name], cpu(run)[0])
    out = {"scale": scale, "cells": cells, "page_s": page, "export_first_s": first, **{f"{k}_s": v for k, v in best.items()}}
    if before:
        from tests.support.openpyxl_export import OpenpyxlBook

        out["openpyxl_s"] = cpu(lambda: recorded.replay(OpenpyxlBook()))[0]
    return out


def report(results: list[dict]) -> str:
    lines = ["| scale | cells | page opens (its figures), s | export: first click / again, s | target | cold build, no page, s | "
             "figures, s | writer, s | floor: xlsxwriter alone, s | writer ÷ floor | openpyxl writer (before), s |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        target = TARGETS.get(r["scale"])
        verdict = (f"≤ {target:g} s: first {'yes' if r['export_first_s'] <= target else 'NO'}, "
                   f"again {'yes' if r['export_s'] <= target else 'NO'}") if target else "—"
        before = f"{r['openpyxl_s']:.2f}" if "openpyxl_s" in r else "—"
        lines.append(f"| {r['scale']} | {r['cells']:,} | {r['page_s']:.2f} | {r['export_first_s']:.2f} / {r['export_s']:.2f} | {verdict} | "
                     f"{r['export_cold_s']:.2f} | "
                     f"{r['figures_s']:.2f} | {r['writer_s']:.2f} | {r['floor_s']:.2f} | ×{r['writer_s'] / r['floor_s']:.2f} | {before} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="district,region,large")
    parser.add_argument("--before", action="store_true", help="also time the former openpyxl writer")
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--cold", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one[0], Path(args.one[1]), args.before)))
        return
    if args.cold:
        print(json.dumps(cold(Path(args.cold))))
        return
    results = []
    for scale in args.scales.split(","):
        path = Path(tempfile.mkdtemp()) / "bench.sqlite"
        subprocess.run([sys.executable, "-m", "bench.summary_page", "--prepare", scale, str(path)], check=True, capture_output=True)
        out = subprocess.run([sys.executable, "-m", "bench.workbook_export", "--one", scale, str(path), *(["--before"] if args.before else [])],
                             check=True, capture_output=True, text=True)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        out = subprocess.run([sys.executable, "-m", "bench.workbook_export", "--cold", str(path)], check=True, capture_output=True, text=True)
        results[-1].update(json.loads(out.stdout.strip().splitlines()[-1]))
        print(results[-1], flush=True)
    print()
    print(report(results))


if __name__ == "__main__":
    main()
