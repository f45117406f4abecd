"""Bytes a Google Sheets deployment moves: ``python -m bench.sheets_traffic [--scales district region]``.

The answers' bodies (JSON, as the Sheets and Drive APIs send them; HTTP headers and TLS left out), built from
the cells the adapter writes (``lib.core.frames.record_cells``, with «Печать» where the tab has it) for a
generated district (``bench.datasets``: 20 utilities, 36 months) and region (700):

- an idle viewer-minute — a server whose pages are open and nobody saves: before, the TTL's whole read
  (every 30 s) of the whole spreadsheet; after, a Drive ``files.get`` of the version every 30 s and a whole
  read at most every ``full_every`` (1 h) — a change read whole once when it happens;
- a save of one monthly report (2 rows): its fresh read of the tab (header, «Код сохранения» of the rows read
  before — the check that nobody moved rows —, the new rows), the write and, after, the header row in the
  write's answer (the header check of issue 24, ``fields``-masked to the texts). After: when only the server's
  own saves changed the sheet since its latest one (the Drive version recorded after that write is the version
  now: two Drive ``files.get`` per save, before the read and after the write), the check covers the last
  ``TAIL_EDGE`` rows read (``tail_check_first``); after a person's edit, every row read, as before.
"""

from __future__ import annotations

import argparse
import json

from bench.datasets import SCALES, frames
from lib.core.frames import frame_records, record_cells
from lib.core.schema import schema
from lib.store import signing
from lib.store.port import next_seq, now_utc
from lib.store.sheets_store import QUICK_MIN_ROWS, _cell_data, tail_check_first

KEY = b"bench-seal-key"
TTL, FULL_EVERY = 30.0, 3600.0
DRIVE_ANSWER = {"version": "1234567"}


def _size(value) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


def _rows(participants: int, sealed: bool) -> dict[str, list[list]]:
    s = schema()
    out = {}
    for tab, frame in frames(participants).items():
        table = s[tab]
        rows = []
        for r in frame_records(table, frame.assign(saved_at=now_utc(), saved_by="bench@x", save_id="0" * 32, save_seq=next_seq()),
                               with_system=True) if len(frame) else []:
            cells = dict(zip(table.keys, record_cells(table, r)))
            if sealed and table.sealed:
                cells["seal"] = signing.seal(KEY, table, cells)
            rows.append([cells.get(k) for k in table.keys if not (k == "seal" and not sealed)])
        out[tab] = [[c.title for c in table.columns if not (c.key == "seal" and not sealed)], *rows]
    return out


def _fresh_read(reports: list[list], quiet: bool) -> int:
    """A save's read of the tab: the header, «Код сохранения» of the rows read before (rows 2 … all but the last
    two; ``quiet``: the last ``TAIL_EDGE`` of them) and the two rows added since."""
    header, ids_at = reports[0], reports[0].index("Код сохранения")
    checked = reports[tail_check_first(len(reports) - 2, quiet) - 1:-2]
    return _size({"valueRanges": [{"values": [header]}, {"values": [[r[ids_at]] for r in checked]}, {"values": reports[-2:]}]})


def measure(participants: int) -> dict:
    result = {"participants": participants}
    for label, sealed in (("before", False), ("after", True)):
        rows = _rows(participants, sealed)
        whole = _size({"valueRanges": [{"range": f"'{t}'", "majorDimension": "ROWS", "values": v} for t, v in rows.items()]})
        reports = rows["monthly_reports"]
        header = reports[0]
        quiet = sealed and len(reports) - 2 >= QUICK_MIN_ROWS  # after: Drive's version asked before the read and after the write
        fresh = _fresh_read(reports, quiet=quiet) + (2 * _size(DRIVE_ANSWER) if quiet else 0)
        write = _size({"requests": [{"appendCells": {"sheetId": 1, "fields": "userEnteredValue",
                                                     "rows": [{"values": [_cell_data(v) for v in r]} for r in reports[-2:]]}}]})
        check = _size({"spreadsheetId": "x" * 44, "updatedSpreadsheet": {"sheets": [{"properties": {"sheetId": 1}, "data": [
            {"rowData": [{"values": [{"formattedValue": h} for h in header]}]}]}]}}) if sealed else 0
        idle = 60 / TTL * whole if not sealed else 60 / TTL * _size(DRIVE_ANSWER) + 60 / FULL_EVERY * whole
        result[label] = {"whole_read_bytes": whole, "idle_viewer_minute_bytes": round(idle), "save_read_bytes": fresh,
                         "save_write_bytes": write, "save_header_check_bytes": check,
                         "save_total_bytes": fresh + write + check,
                         "save_total_after_a_persons_edit_bytes": _fresh_read(reports, quiet=False) + write + check}
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", nargs="*", default=["district", "region"])
    args = parser.parse_args()
    for scale in args.scales:
        print(json.dumps({"scale": scale, **measure(SCALES[scale])}, ensure_ascii=False))


if __name__ == "__main__":
    main()
