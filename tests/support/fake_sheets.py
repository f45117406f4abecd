"""An in-process fake of the Google Sheets v4 REST API, strict enough that tests prove something.

It is mounted as the HTTP session of a real ``gspread.Client``
(``gspread.Client(auth=None, session=api.session())``), so the adapter's real gspread calls
are exercised without a network. What it models, each after Google's reference
(https://developers.google.com/sheets/api/reference/rest) and usage-limits page
(https://developers.google.com/sheets/api/limits):

- **routes, parameters, bodies, enums, field masks** — checked against Google's own discovery
  document (``fake_discovery``): what the real API would refuse, the fake refuses with a 400;
- **values**: A1 ranges with quoted titles, trimmed trailing empty cells, RAW vs USER_ENTERED
  typed input under the spreadsheet's **locale** (``fake_locale``: ru_RU, en_US), every
  ``valueRenderOption`` and ``dateTimeRenderOption``, number formats (a TEXT column keeps ``007``);
- **values:append** finds the "table" from the range ("The input range is used to search for
  existing data and find a 'table' within that range. Values will be appended to the next row of
  the table, starting with the first column of the table") — a blank row ends a table, an empty
  first column moves its start; **appendCells** "appends … after the last row with data in a sheet";
- **protected ranges** (``ProtectedRange``: editors, ``warningOnly``; the owner and the requester are
  always editors — https://developers.google.com/apps-script/reference/spreadsheet/protection#removeEditor),
  **number formats and data validation per range exactly as sent** (``GridRange``: "Missing indexes indicate
  the range is unbounded on that side" — an unbounded range covers rows added later, a bounded one does not),
  **developer metadata** on the spreadsheet and on sheets, **spreadsheet properties** (locale, time zone);
- **answers as proto3 JSON**: fields at their default value are left out (``sheetId`` 0 of a ``GridRange``,
  ``frozenRowCount`` 0, ``warningOnly`` false, an empty description, empty lists) — checked against gspread's
  recordings of the real API (``tests/fixtures/gspread_cassettes``, ``tests/test_fake_against_google.py``);
  a JSON ``null`` in ``values`` leaves the cell as it was ("Null values will be skipped. To set a cell to an
  empty value, set the string value to an empty string", ``ValueRange``);
- **limits**: 10 million cells per spreadsheet, counted over the grid ("This action would
  increase the number of cells in the workbook above the limit of 10000000 cells."), 50 000
  characters per cell; **per-minute quotas** (60 reads and 60 writes per minute per user, 300 per
  project, refilled every minute) answered with Google's 429 ``RESOURCE_EXHAUSTED`` body;
- **errors with Google's bodies**: 403 when the spreadsheet is not shared with the caller, when
  the API is not enabled for the project (``SERVICE_DISABLED``), when a protected cell is edited;
  404 for an unknown spreadsheet; "Unable to parse range", "No grid with id";
- **time and faults**: a fake clock (``FakeClock``) that requests and the client's waits advance;
  faults injected with a seeded generator: 429, 500 before or after applying, a client time-out
  after which the write is applied **late** — Google may still apply a request up to 180 s after
  the client gave up ("When Sheets processes a request for more than 180 seconds, the request
  returns a timeout error") — or never;
- **concurrency**: one lock per spreadsheet, held only while a request is applied, so requests to
  different spreadsheets, and the waits around requests, interleave like the real service.

What a *person* does in the browser (sort, insert or move a column, rename a tab, type a row)
lives in ``tests/support/people.py`` and goes through the same protection and validation.

Pages modelled (under https://developers.google.com/sheets/api/reference/rest/v4/): ``spreadsheets.values/append``
(table detection, ``InsertDataOption``), ``spreadsheets/request#AppendCellsRequest``,
``spreadsheets/sheets#ProtectedRange``, ``spreadsheets/cells#DataValidationRule``,
``spreadsheets.developerMetadata#DeveloperMetadata``, ``spreadsheets#SpreadsheetProperties`` (locale, timeZone),
``ValueRenderOption``, ``DateTimeRenderOption``; the limits and behaviour ("All Sheets requests are applied
atomically", the 180 s processing limit, per-minute quotas) from https://developers.google.com/sheets/api/limits.
Error texts as Google words them: 429 ``RESOURCE_EXHAUSTED`` "Quota exceeded for quota metric 'Write requests'
and limit 'Write requests per minute per user' …" with an ``ErrorInfo`` ``RATE_LIMIT_EXCEEDED``; 403
``SERVICE_DISABLED`` "Google Sheets API has not been used in project … before or it is disabled"; "The caller does
not have permission"; "You are trying to edit a protected cell or object …" (reported by clients as 400 or 403:
modelled as 403, and the adapter tells it by its text either way); 400 "This action would increase the number of
cells in the workbook above the limit of 10000000 cells." and "Your input contains more than the maximum of 50000
characters in a single cell."; "Range (…) exceeds grid limits". One assumption, not documented by Google: values
written through the API are not refused by a strict validation rule (people are).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import heapq
import json
import random
import re
import threading
import uuid
from dataclasses import dataclass, field
from typing import ClassVar
from urllib.parse import parse_qs, unquote, urlsplit

import requests

from tests.support.fake_discovery import (
    ApiError,
    apply_mask,
    bad_request,
    check_body,
    check_mask,
    check_query,
    discovery_document,
    routes,
)
from tests.support.fake_locale import Formatted, Formula, render, user_entered

__all__ = ["ApiError", "FakeClock", "FakeSheetsAPI", "Faults", "Formula", "Quota", "bad_request", "discovery_document"]

ROOT = "https://sheets.googleapis.com/"
DRIVE_ROOT = "https://www.googleapis.com/"
CELL_LIMIT = 10_000_000
CHAR_LIMIT = 50_000
LATE_APPLY_LIMIT = 180.0  # seconds: Google's processing time limit for one request
SERVICE_ACCOUNT = "debt-app@lensk-debt.iam.gserviceaccount.com"
OWNER = "owner@lensk.ru"
PROJECT = "123456789012"
PROTECTED = ("You are trying to edit a protected cell or object. Please contact the spreadsheet owner to remove "
             "protection if you need to edit.")
READ_METHODS = frozenset({"spreadsheets.get", "spreadsheets.values.get", "spreadsheets.values.batchGet",
                          "spreadsheets.getByDataFilter", "spreadsheets.values.batchGetByDataFilter",
                          "spreadsheets.developerMetadata.get", "spreadsheets.developerMetadata.search"})


class FakeClock:
    """Seconds of fake time; the client's sleeps and the requests' durations advance it."""

    def __init__(self, start: float = 1_000.0):
        self._now = start
        self._lock = threading.Lock()
        self.listeners: list = []

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += max(0.0, seconds)
        for listener in self.listeners:
            listener()

    sleep = advance


@dataclass
class Faults:
    """Probabilities per request; ``methods`` limits which API methods may fail.

    ``timeout_after``: the client times out, and the write is applied after a delay drawn from
    ``late_apply`` (seconds, within Google's 180 s; (0, 0) = at once); ``timeout_lost``: the client
    times out and the write is never applied.
    """

    rate_429: float = 0.0
    rate_500_before: float = 0.0  # refused before doing anything
    rate_500_after: float = 0.0  # applied, but the answer is lost (the ambiguous case)
    rate_timeout_after: float = 0.0  # applied (at once or late), then the client times out
    rate_timeout_lost: float = 0.0  # never applied, the client times out
    late_apply: tuple[float, float] = (0.0, 0.0)
    methods: frozenset | None = None
    seed: int = 0

    def __post_init__(self):
        self.rng = random.Random(self.seed)
        self.lock = threading.Lock()

    def draw(self, name: str) -> tuple[str | None, float]:
        if self.methods is not None and name not in self.methods:
            return None, 0.0
        with self.lock:
            x = self.rng.random()
            delay = self.rng.uniform(*self.late_apply)
        for kind, p in (("429", self.rate_429), ("500_before", self.rate_500_before),
                        ("500_after", self.rate_500_after), ("timeout_after", self.rate_timeout_after),
                        ("timeout_lost", self.rate_timeout_lost)):
            if x < p:
                return kind, delay
            x -= p
        return None, 0.0


@dataclass
class Quota:
    """Google's per-minute request quotas (usage-limits page), refilled at each fake minute."""

    read_per_user: int = 60
    write_per_user: int = 60
    read_per_project: int = 300
    write_per_project: int = 300

    def __post_init__(self):
        self.window = -1
        self.used: dict[tuple, int] = {}
        self.lock = threading.Lock()

    def take(self, now: float, user: str, write: bool) -> ApiError | None:
        kind = "write" if write else "read"
        with self.lock:
            window = int(now // 60)
            if window != self.window:
                self.window, self.used = window, {}
            for scope, limit in (("user", self.write_per_user if write else self.read_per_user),
                                 ("project", self.write_per_project if write else self.read_per_project)):
                k = (kind, scope, user if scope == "user" else "")
                if self.used.get(k, 0) >= limit:
                    return quota_error(kind, scope, limit)
            for scope in ("user", "project"):
                k = (kind, scope, user if scope == "user" else "")
                self.used[k] = self.used.get(k, 0) + 1
        return None


def quota_error(kind: str, scope: str, limit: int) -> ApiError:
    metric = "Read requests" if kind == "read" else "Write requests"
    limit_name = f"{metric} per minute per {'user' if scope == 'user' else 'project'}"
    code_name = f"{'Read' if kind == 'read' else 'Write'}RequestsPerMinutePer{'User' if scope == 'user' else 'Project'}"
    return ApiError(429, f"Quota exceeded for quota metric '{metric}' and limit '{limit_name}' of service "
                    f"'sheets.googleapis.com' for consumer 'project_number:{PROJECT}'.", "RESOURCE_EXHAUSTED", [
                        {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "RATE_LIMIT_EXCEEDED",
                         "domain": "googleapis.com",
                         "metadata": {"quota_metric": f"sheets.googleapis.com/{kind}_requests", "quota_limit": code_name,
                                      "quota_limit_value": str(limit), "service": "sheets.googleapis.com",
                                      "consumer": f"projects/{PROJECT}", "quota_location": "global"}},
                        {"@type": "type.googleapis.com/google.rpc.Help",
                         "links": [{"description": "Request a higher quota limit.",
                                    "url": "https://cloud.google.com/docs/quotas/help/request_increase"}]},
                    ])


def disabled_error() -> ApiError:
    return ApiError(403, f"Google Sheets API has not been used in project {PROJECT} before or it is disabled. Enable it "
                    f"by visiting https://console.developers.google.com/apis/api/sheets.googleapis.com/overview?project="
                    f"{PROJECT} then retry. If you enabled this API recently, wait a few minutes for the action to "
                    "propagate to our systems and retry.", "PERMISSION_DENIED", [
                        {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "SERVICE_DISABLED",
                         "domain": "googleapis.com",
                         "metadata": {"service": "sheets.googleapis.com", "consumer": f"projects/{PROJECT}"}}])


def protected_error() -> ApiError:
    return ApiError(403, PROTECTED, "PERMISSION_DENIED")


def col_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def col_letters(index: int) -> str:
    s, index = "", index + 1
    while index:
        index, r = divmod(index - 1, 26)
        s = chr(65 + r) + s
    return s


def empty(v) -> bool:
    return v is None or v == ""


# ---- the spreadsheet model -------------------------------------------------------


@dataclass
class Protection:
    """A ``ProtectedRange``: grid indices (None = unbounded) that move with inserted and moved cells."""

    protected_range_id: int
    sheet_id: int
    start_row: int | None = None
    end_row: int | None = None
    start_col: int | None = None
    end_col: int | None = None
    editors: set[str] = field(default_factory=set)
    warning_only: bool = False
    description: str = ""

    def covers(self, r: int, c: int) -> bool:
        return ((self.start_row is None or r >= self.start_row) and (self.end_row is None or r < self.end_row)
                and (self.start_col is None or c >= self.start_col) and (self.end_col is None or c < self.end_col))

    def resource(self) -> dict:
        """As Google answers (proto3 JSON: fields at their default value are left out — ``sheetId`` 0, an empty
        description, ``warningOnly`` false; the editors are listed with warning-only protection too, as recorded
        in gspread's cassettes ``WorksheetTest.test_add_protected_range_normal`` / ``_warning``)."""
        out = {"protectedRangeId": self.protected_range_id, "range": grid_range(self.sheet_id, self)}
        if self.description:
            out["description"] = self.description
        if self.warning_only:
            out["warningOnly"] = True
        out["requestingUserCanEdit"] = True
        out["editors"] = {"users": sorted(self.editors)} if self.editors else {}
        return out


@dataclass
class Box:
    """A GridRange as sent (None = unbounded on that side): number formats and validation rules apply to
    exactly the cells it covers — an unbounded one to rows added later too, a bounded one never beyond it."""

    start_row: int | None = None
    end_row: int | None = None
    start_col: int | None = None
    end_col: int | None = None

    def covers(self, r: int, c: int) -> bool:
        return ((self.start_row is None or r >= self.start_row) and (self.end_row is None or r < self.end_row)
                and (self.start_col is None or c >= self.start_col) and (self.end_col is None or c < self.end_col))


def grid_range(sheet_id: int, box) -> dict:
    """A ``GridRange`` as Google answers it: proto3 JSON leaves out ``sheetId`` 0 and every absent bound."""
    grid = {"sheetId": sheet_id} if sheet_id else {}
    for name, v in (("startRowIndex", box.start_row), ("endRowIndex", box.end_row),
                    ("startColumnIndex", box.start_col), ("endColumnIndex", box.end_col)):
        if v is not None:
            grid[name] = v
    return grid


@dataclass
class Sheet:
    sheet_id: int
    title: str
    index: int
    rows: list[list] = field(default_factory=list)
    row_count: int = 1000
    column_count: int = 26
    frozen_rows: int = 0
    # number formats and validation rules per range exactly as sent (later ones win where they overlap)
    formats: list[tuple[Box, dict | None]] = field(default_factory=list)
    rules: list[tuple[Box, dict | None]] = field(default_factory=list)
    metadata: list[dict] = field(default_factory=list)

    def properties(self) -> dict:
        """``SheetProperties`` as Google answers: ``sheetId`` always (0 too), ``frozenRowCount`` only when not 0
        (gspread cassette ``WorksheetTest.test_freeze``)."""
        grid = {"rowCount": self.row_count, "columnCount": self.column_count}
        if self.frozen_rows:
            grid["frozenRowCount"] = self.frozen_rows
        return {"sheetId": self.sheet_id, "title": self.title, "index": self.index, "sheetType": "GRID", "gridProperties": grid}

    def last_data_row(self) -> int:
        for i in range(len(self.rows) - 1, -1, -1):
            if any(not empty(v) for v in self.rows[i]):
                return i + 1
        return 0

    def cell(self, r: int, c: int):
        return self.rows[r][c] if r < len(self.rows) and c < len(self.rows[r]) else None

    @staticmethod
    def _last(entries: list, r: int, c: int):
        for box, value in reversed(entries):
            if box.covers(r, c):
                return value
        return None

    def format_of(self, r: int, c: int) -> dict | None:
        return self._last(self.formats, r, c)

    def format_finder(self):
        """``format_of`` for the many cells of one request (while the formats do not change): the ranges that cover
        a column are picked out once, on its first cell, so a cell is looked up among its column's ranges only, not
        among every range of the sheet. The same answer as ``format_of`` (``tests/test_fake_sheets.py``)."""
        by_col: dict[int, list] = {}
        formats = self.formats

        def find(r: int, c: int) -> dict | None:
            entries = by_col.get(c)
            if entries is None:
                entries = by_col[c] = [(box.start_row, box.end_row, value) for box, value in reversed(formats)
                                       if (box.start_col is None or c >= box.start_col) and (box.end_col is None or c < box.end_col)]
            for start, end, value in entries:  # the latest first: later ranges win where they overlap
                if (start is None or r >= start) and (end is None or r < end):
                    return value
            return None

        return find

    def rule_of(self, r: int, c: int) -> dict | None:
        return self._last(self.rules, r, c)

    def boxes(self) -> list[Box]:
        return [box for box, _ in self.formats + self.rules]

    def put(self, r: int, c: int, value) -> None:
        while len(self.rows) <= r:
            self.rows.append([])
        row = self.rows[r]
        while len(row) <= c:
            row.append(None)
        row[c] = None if value == "" else value


@dataclass
class Spreadsheet:
    spreadsheet_id: str
    title: str
    locale: str = "ru_RU"
    time_zone: str = "Europe/Moscow"
    owner: str = OWNER
    editors: set[str] = field(default_factory=lambda: {SERVICE_ACCOUNT})
    sheets: list[Sheet] = field(default_factory=list)
    protections: list[Protection] = field(default_factory=list)
    metadata: list[dict] = field(default_factory=list)
    next_id: int = 0
    next_protection: int = 1000
    next_metadata: int = 1
    lock: threading.RLock = field(default_factory=threading.RLock)

    def add_sheet(self, title: str, **grid) -> Sheet:
        if any(s.title == title for s in self.sheets):
            raise bad_request(f'Invalid requests[0].addSheet: A sheet with the name "{title}" already exists. Please enter another name.')
        sheet = Sheet(self.next_id, title, len(self.sheets), **grid)
        self.next_id += 1
        self.sheets.append(sheet)
        return sheet

    def by_title(self, title: str) -> Sheet | None:
        return next((s for s in self.sheets if s.title == title), None)

    def clone(self) -> Spreadsheet:
        """An independent copy (tests build a large spreadsheet once and copy it per test)."""
        import copy

        state = copy.deepcopy({k: v for k, v in self.__dict__.items() if k != "lock"})
        twin = Spreadsheet.__new__(Spreadsheet)
        twin.__dict__.update(state, lock=threading.RLock())
        return twin

    def dumps(self) -> bytes:
        """The spreadsheet as bytes (``loads`` makes it again): built once per test run, read by each pytest process."""
        import pickle

        return pickle.dumps({k: v for k, v in self.__dict__.items() if k != "lock"}, protocol=pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def loads(data: bytes) -> Spreadsheet:
        import pickle

        book = Spreadsheet.__new__(Spreadsheet)
        book.__dict__.update(pickle.loads(data), lock=threading.RLock())
        return book

    def by_id(self, sheet_id: int) -> Sheet:
        for s in self.sheets:
            if s.sheet_id == sheet_id:
                return s
        raise bad_request(f"No grid with id: {sheet_id}")

    def cells(self) -> int:
        return sum(s.row_count * s.column_count for s in self.sheets)

    def grow(self, sheet: Sheet, rows: int = 0, cols: int = 0, where: str = "") -> None:
        """Enlarge a sheet's grid, refusing like Google past 10 million cells."""
        if rows <= 0 and cols <= 0:
            return
        after = self.cells() - sheet.row_count * sheet.column_count + (sheet.row_count + max(rows, 0)) * (sheet.column_count + max(cols, 0))
        if after > CELL_LIMIT:
            raise bad_request(f"{where}This action would increase the number of cells in the workbook above the limit "
                              f"of {CELL_LIMIT} cells.")
        sheet.row_count += max(rows, 0)
        sheet.column_count += max(cols, 0)

    def can_edit(self, who: str, sheet: Sheet, r: int, c: int) -> bool:
        if who == self.owner:
            return True  # the owner can always edit protected ranges
        for p in self.protections:
            if p.sheet_id == sheet.sheet_id and p.covers(r, c) and not p.warning_only and who not in p.editors:
                return False
        return True

    def check_edit(self, who: str, sheet: Sheet, cells) -> None:
        if who == self.owner:
            return
        barring = [p for p in self.protections
                   if p.sheet_id == sheet.sheet_id and not p.warning_only and who not in p.editors]
        for r, c in cells if barring else ():
            if any(p.covers(r, c) for p in barring):
                raise protected_error()

    def parse_range(self, a1: str) -> tuple[Sheet, int, int | None, int, int | None]:
        """A1 -> sheet, first row, last row (None = open), first col, last col (None = open); 0-based."""
        m = re.fullmatch(r"(?:'((?:[^']|'')+)'|([^!':]+))(?:!(.+))?", a1)
        if not m:
            raise bad_request(f"Unable to parse range: {a1}")
        title = (m[1] or "").replace("''", "'") or m[2]
        cells = m[3]
        sheet = self.by_title(title)
        if sheet is None:
            raise bad_request(f"Unable to parse range: {a1}")
        if not cells:
            return sheet, 0, None, 0, None
        cm = re.fullmatch(r"([A-Za-z]*)(\d*)(?::([A-Za-z]*)(\d*))?", cells)
        if not cm or not (cm[1] or cm[2]):
            raise bad_request(f"Unable to parse range: {a1}")
        c1 = col_index(cm[1]) if cm[1] else 0
        r1 = int(cm[2]) - 1 if cm[2] else 0
        if cm.group(3) is None and cm.group(4) is None:
            return sheet, r1, (r1 if cm[2] else None), c1, (c1 if cm[1] else None)
        c2 = col_index(cm[3]) if cm[3] else None
        r2 = int(cm[4]) - 1 if cm[4] else None
        return sheet, r1, r2, c1, c2

    # ---- structural edits (shared by API requests and people) ----

    def _ranged(self, sheet: Sheet) -> list:
        """Everything that holds a range on this sheet and moves with its cells: protections, formats, rules."""
        return [p for p in self.protections if p.sheet_id == sheet.sheet_id] + sheet.boxes()

    def insert_columns(self, sheet: Sheet, at: int, count: int = 1) -> None:
        self.grow(sheet, cols=count)
        for row in sheet.rows:
            if len(row) > at:
                row[at:at] = [None] * count
        self._shift(sheet, "col", at, count)

    def _shift(self, sheet: Sheet, axis: str, at: int, count: int) -> None:
        """Ranges move with the cells when rows or columns are inserted before or inside them."""
        for p in self._ranged(sheet):
            start, end = getattr(p, f"start_{axis}"), getattr(p, f"end_{axis}")
            if start is not None and start >= at:
                setattr(p, f"start_{axis}", start + count)
            if end is not None and end > at:
                setattr(p, f"end_{axis}", end + count)

    def insert_rows(self, sheet: Sheet, at: int, count: int = 1, where: str = "") -> None:
        self.grow(sheet, rows=count, where=where)
        if at < len(sheet.rows):
            sheet.rows[at:at] = [[] for _ in range(count)]
        self._shift(sheet, "row", at, count)

    @staticmethod
    def _cut(boxes: list, axis: str, start: int, end: int) -> list:
        """Rows or columns [start, end) deleted: bounds after them move back; a range inside them goes."""
        n, gone = end - start, []
        for p in boxes:
            s, e = getattr(p, f"start_{axis}"), getattr(p, f"end_{axis}")
            if s is not None and e is not None and start <= s and e <= end:
                gone.append(p)
                continue
            if s is not None and s >= end:
                setattr(p, f"start_{axis}", s - n)
            elif s is not None and s > start:
                setattr(p, f"start_{axis}", start)
            if e is not None and e >= end:
                setattr(p, f"end_{axis}", e - n)
            elif e is not None and e > start:
                setattr(p, f"end_{axis}", start)
        return gone

    def _drop(self, sheet: Sheet, gone: list) -> None:
        ids = {id(p) for p in gone}
        self.protections = [p for p in self.protections if id(p) not in ids]
        sheet.formats = [(b, v) for b, v in sheet.formats if id(b) not in ids]
        sheet.rules = [(b, v) for b, v in sheet.rules if id(b) not in ids]

    def delete_columns(self, sheet: Sheet, start: int, end: int) -> None:
        for row in sheet.rows:
            del row[start:end]
        sheet.column_count -= end - start
        self._drop(sheet, self._cut(self._ranged(sheet), "col", start, end))

    def delete_rows(self, sheet: Sheet, start: int, end: int) -> None:
        del sheet.rows[start:end]
        sheet.row_count -= end - start
        self._drop(sheet, self._cut(self._ranged(sheet), "row", start, end))

    def move_columns(self, sheet: Sheet, start: int, end: int, dest: int) -> None:
        """``moveDimension``: columns [start, end) go before column ``dest`` (indices before the move)."""
        width = max(sheet.column_count, max((len(r) for r in sheet.rows), default=0))
        order = list(range(width))
        block = order[start:end]
        rest = order[:start] + order[end:]
        insert_at = dest if dest <= start else dest - (end - start)
        new_order = rest[:insert_at] + block + rest[insert_at:]
        for i, row in enumerate(sheet.rows):
            padded = row + [None] * (width - len(row))
            moved = [padded[j] for j in new_order]
            while moved and moved[-1] is None:
                moved.pop()
            sheet.rows[i] = moved
        where_now = {old: new for new, old in enumerate(new_order)}
        for name in ("formats", "rules"):  # formats belong to cells: each column's part goes with it
            kept = []
            for box, value in getattr(sheet, name):
                if box.start_col is None or box.end_col is None:
                    kept.append((box, value))
                    continue
                kept += [(Box(box.start_row, box.end_row, where_now[c], where_now[c] + 1), value)
                         for c in range(box.start_col, box.end_col)]
            setattr(sheet, name, kept)
        for p in self.protections:
            if p.sheet_id == sheet.sheet_id and p.start_col is not None and p.end_col is not None:
                cols = sorted(where_now[c] for c in range(p.start_col, p.end_col))
                p.start_col, p.end_col = cols[0], cols[-1] + 1


# ---- the API -------------------------------------------------------------------


class FakeSheetsAPI:
    def __init__(self, faults: Faults | None = None, clock: FakeClock | None = None, latency: float = 0.01):
        self.doc = discovery_document()
        self.routes = routes(self.doc)
        self.spreadsheets: dict[str, Spreadsheet] = {}
        self.faults = faults or Faults()
        self.clock = clock or FakeClock()
        self.clock.listeners.append(self._run_due)
        self.latency = latency
        self.quota: Quota | None = None
        self.enabled = True  # the Sheets API is enabled for the service account's project
        self.service_account = SERVICE_ACCOUNT
        self.log: list[dict] = []
        self.answers: list[dict] = []  # what the client got back: method, code, applied
        self._log_lock = threading.Lock()
        self._due: list[tuple[float, int, object]] = []
        self._due_lock = threading.Lock()
        self._due_seq = 0
        self.before_apply = None  # (method name, body) -> None: a person's edit just before Google applies a request (tests)
        self.drive_enabled = True  # the Drive API is enabled in the service account's project (``drive.files.get``)
        self.drive_log: list[dict] = []
        self._drive_seen: dict[str, tuple[str, int, float]] = {}  # spreadsheet -> (digest of its content, version, when)

    # ---- test helpers --------------------------------------------------

    def create(self, title: str = "Долги ЖКУ", *, locale: str = "ru_RU", time_zone: str = "Europe/Moscow",
               owner: str = OWNER, first_sheet: str | None = None) -> str:
        """A spreadsheet shared with the service account as an editor (``owner``: whose it is). ``first_sheet``:
        the tab Google creates with every spreadsheet (sheetId 0, 1000 × 26), e.g. "Sheet1" or "Лист1"."""
        key = uuid.uuid4().hex[:24]
        book = self.spreadsheets[key] = Spreadsheet(key, title, locale, time_zone, owner=owner)
        if first_sheet:
            book.add_sheet(first_sheet)
        return key

    def session(self, user: str | None = None) -> FakeSession:
        return FakeSession(self, user or self.service_account)

    def requests_made(self, name: str | None = None) -> int:
        """Sheets API requests (of one method); ``drive.files.get``: the Drive API's (a separate quota)."""
        if name == "drive.files.get":
            return len(self.drive_log)
        return sum(1 for r in self.log if name is None or r["method"] == name)

    def rows(self, key: str, title: str) -> list[list]:
        self._run_due()
        sheet = self.spreadsheets[key].by_title(title)
        return [list(r) for r in sheet.rows[: sheet.last_data_row()]]

    def pending(self) -> int:
        """Writes the client gave up on that Google has not applied yet."""
        with self._due_lock:
            return len(self._due)

    def settle(self) -> None:
        """Let Google's 180 s processing window pass: every late write is applied (or dropped)."""
        self.clock.advance(LATE_APPLY_LIMIT + 1)

    # ---- dispatch ------------------------------------------------------

    def _later(self, at: float, work) -> None:
        with self._due_lock:
            self._due_seq += 1
            heapq.heappush(self._due, (at, self._due_seq, work))

    def _run_due(self) -> None:
        now = self.clock.now()
        while True:
            with self._due_lock:
                if not self._due or self._due[0][0] > now:
                    return
                _, _, work = heapq.heappop(self._due)
            try:
                work()
            except ApiError:
                pass  # a late write Google refused while processing: never applied

    def handle(self, method: str, url: str, params, body, user: str, timeout) -> tuple[int, dict]:
        self._run_due()
        parts = urlsplit(url)
        query: dict[str, list[str]] = parse_qs(parts.query, keep_blank_values=True)
        for k, v in (params or {}).items():
            if v is None:
                continue  # requests leaves out parameters set to None
            query.setdefault(k, []).extend(str(x) if not isinstance(x, bool) else str(x).lower()
                                           for x in (v if isinstance(v, (list, tuple)) else [v]))
        if f"{parts.scheme}://{parts.netloc}/" == DRIVE_ROOT and parts.path.startswith("/drive/v3/files/"):
            return self._drive_files_get(method, unquote(parts.path.rsplit("/", 1)[1]), params or {}, user)
        if f"{parts.scheme}://{parts.netloc}/" != ROOT:
            return 404, {"error": {"code": 404, "message": f"unknown host {parts.netloc}", "status": "NOT_FOUND"}}
        path = parts.path.lstrip("/")
        route = self._route(method, path)
        if route is None:
            return 404, {"error": {"code": 404, "message": f"{method} {path} is not a Sheets v4 method", "status": "NOT_FOUND"}}
        name, spec, m = route
        path_params = {k: unquote(v) for k, v in m.groupdict().items()}
        write = name not in READ_METHODS
        entry = {"method": name, "path_params": path_params, "query": query, "body": body, "user": user,
                 "at": self.clock.now()}
        with self._log_lock:
            self.log.append(entry)
        self.clock.advance(self.latency)
        try:
            check_query(spec, query)
            check_body(spec, body)
            if not self.enabled:
                raise disabled_error()
            if self.quota is not None:
                refused = self.quota.take(self.clock.now(), user, write)
                if refused:
                    raise refused
            fault, delay = self.faults.draw(name)
            if fault == "429":
                raise quota_error("write" if write else "read", "user", 60)
            if fault == "500_before":
                raise ApiError(500, "Internal error encountered.", "INTERNAL")
            handler = getattr(self, "_" + name.replace(".", "_"), None)
            if handler is None:
                raise ApiError(501, f"fake does not implement {name}", "UNIMPLEMENTED")
            book = self._book(path_params, user, write)
            if self.before_apply is not None:
                self.before_apply(name, body or {})
            run = lambda: self._apply(book, handler, path_params, query, body or {}, user)
            if fault in ("timeout_after", "timeout_lost"):
                if write and fault == "timeout_after" and delay > 0:
                    self._later(self.clock.now() + min(delay, LATE_APPLY_LIMIT), run)
                elif fault == "timeout_after" or not write:
                    run()
                wait = timeout[1] if isinstance(timeout, tuple) else (timeout or 60)
                self.clock.advance(wait)
                self._answer(name, 0, fault == "timeout_after")
                raise requests.exceptions.ReadTimeout("fake: read timed out")
            result = run()
        except ApiError as err:
            self._answer(name, err.code, False)
            return err.code, err.body()
        if fault == "500_after":
            self._answer(name, 500, True)
            return 500, {"error": {"code": 500, "message": "Internal error encountered.", "status": "INTERNAL"}}
        self._answer(name, 200, True)
        fields = (query.get("fields") or [None])[0]
        return 200, apply_mask(result, fields)

    def _drive_files_get(self, method: str, key: str, params, user: str) -> tuple[int, dict]:
        """Drive API v3 ``files.get`` of a spreadsheet, for its ``version``: "A monotonically increasing version
        number for the file. This reflects every change made to the file on the server, even those not visible
        to the user" (https://developers.google.com/drive/api/reference/rest/v3/files). Here it goes up whenever
        the spreadsheet's content differs from the last look — whoever changed it (the API or a person)."""
        with self._log_lock:  # the Drive API's own log and quota: ``log`` holds the Sheets API's requests
            self.drive_log.append({"method": "drive.files.get", "path_params": {"fileId": key}, "query": dict(params), "body": None,
                             "user": user, "at": self.clock.now()})
        self.clock.advance(self.latency)
        book = self.spreadsheets.get(key)
        if method.upper() != "GET":
            return 405, {"error": {"code": 405, "message": "fake Drive: files.get only", "status": "METHOD_NOT_ALLOWED"}}
        if not self.drive_enabled:
            return 403, {"error": {"code": 403, "message": f"Google Drive API has not been used in project {PROJECT} before or it "
                                   "is disabled.", "status": "PERMISSION_DENIED",
                                   "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "SERVICE_DISABLED"}]}}
        if book is None or (user != book.owner and user not in book.editors):
            return 404, {"error": {"code": 404, "message": f"File not found: {key}.", "status": "NOT_FOUND"}}
        self._run_due()
        with book.lock:
            state = repr([(s.sheet_id, s.title, s.rows, s.row_count, s.column_count) for s in book.sheets]
                         + [book.title, book.locale, book.time_zone, len(book.protections)])
        digest = hashlib.blake2b(state.encode(), digest_size=16).hexdigest()
        seen = self._drive_seen.get(key)
        if seen is None or seen[0] != digest:
            seen = (digest, 1 if seen is None else seen[1] + 1, self.clock.now())
            self._drive_seen[key] = seen
        modified = _dt.datetime(2026, 1, 1, tzinfo=_dt.UTC) + _dt.timedelta(seconds=seen[2])
        answer = {"version": str(seen[1]), "modifiedTime": modified.isoformat(timespec="milliseconds").replace("+00:00", "Z")}
        fields = params.get("fields")
        return 200, {k: v for k, v in answer.items() if not fields or k in str(fields).split(",")}

    def _answer(self, name: str, code: int, applied: bool) -> None:
        with self._log_lock:
            self.answers.append({"method": name, "code": code, "applied": applied})

    @staticmethod
    def _apply(book: Spreadsheet, handler, p, q, body, user):
        with book.lock:  # one spreadsheet at a time; other spreadsheets and all waits interleave
            return handler(book, p, q, body, user)

    def _route(self, method: str, path: str):
        for name, spec, pattern in self.routes:
            m = pattern.fullmatch(path)
            if m and spec["httpMethod"] == method.upper():
                return name, spec, m
        return None

    def _book(self, path_params, user: str, write: bool) -> Spreadsheet:
        book = self.spreadsheets.get(path_params.get("spreadsheetId", ""))
        if book is None:
            raise ApiError(404, "Requested entity was not found.", "NOT_FOUND")
        if user != book.owner and user not in book.editors:
            raise ApiError(403, "The caller does not have permission", "PERMISSION_DENIED")
        return book

    # ---- reading -------------------------------------------------------

    def _spreadsheets_get(self, book: Spreadsheet, p, q, body, user):
        return {
            "spreadsheetId": book.spreadsheet_id,
            "properties": {"title": book.title, "locale": book.locale, "timeZone": book.time_zone, "autoRecalc": "ON_CHANGE"},
            "sheets": [_proto3({"properties": s.properties(),
                                "protectedRanges": [pr.resource() for pr in book.protections if pr.sheet_id == s.sheet_id],
                                "developerMetadata": [dict(m) for m in s.metadata]})
                       for s in book.sheets],
            **_proto3({"developerMetadata": [dict(m) for m in book.metadata]}),
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{book.spreadsheet_id}/edit",
        }

    def _read(self, book: Spreadsheet, a1: str, q) -> dict:
        sheet, r1, r2, c1, c2 = book.parse_range(a1)
        option = (q.get("valueRenderOption") or ["FORMATTED_VALUE"])[0]
        dt_option = (q.get("dateTimeRenderOption") or ["SERIAL_NUMBER"])[0]
        last = sheet.last_data_row() if r2 is None else min(r2 + 1, len(sheet.rows))
        out = []
        format_of, locale = sheet.format_finder(), book.locale
        for r in range(r1, last):
            row = sheet.rows[r]
            end = len(row) if c2 is None else min(c2 + 1, len(row))
            cells = []
            for c in range(c1, end):
                v = row[c]
                if v is None:
                    cells.append("")  # as ``render`` answers an empty cell, whatever its format
                elif type(v) is str:
                    cells.append(v)  # text (not a formula) is answered as it is, whatever the format and option
                else:
                    cells.append(render(v, option, dt_option, locale, format_of(r, c)))
            while cells and cells[-1] == "":
                cells.pop()
            out.append(cells)
        while out and not out[-1]:
            out.pop()
        major = (q.get("majorDimension") or ["ROWS"])[0]
        if major == "COLUMNS":
            width = max((len(r) for r in out), default=0)
            cols = [[r[j] if j < len(r) else "" for r in out] for j in range(width)]
            for col in cols:
                while col and col[-1] == "":
                    col.pop()
            out = cols
        end_col = col_letters(c2 if c2 is not None else max(sheet.column_count - 1, 0))
        result = {"range": f"'{sheet.title}'!{col_letters(c1)}{r1 + 1}:{end_col}{max(last, r1 + 1)}", "majorDimension": major}
        if out:
            result["values"] = out
        return result

    def _spreadsheets_values_get(self, book, p, q, body, user):
        return self._read(book, p["range"], q)

    def _spreadsheets_values_batchGet(self, book, p, q, body, user):
        return {"spreadsheetId": book.spreadsheet_id, "valueRanges": [self._read(book, r, q) for r in q.get("ranges", [])]}

    # ---- writing values ------------------------------------------------

    @staticmethod
    def _input_option(q, body) -> str:
        option = (q.get("valueInputOption") or [body.get("valueInputOption")])[0]
        if option not in ("RAW", "USER_ENTERED"):
            raise bad_request("Invalid valueInputOption: INPUT_VALUE_OPTION_UNSPECIFIED")
        return option

    @staticmethod
    def _check_chars(values) -> None:
        for row in values:
            for v in row:
                if isinstance(v, str) and len(v) > CHAR_LIMIT:
                    raise bad_request(f"Your input contains more than the maximum of {CHAR_LIMIT} characters in a single cell.")

    def _write_block(self, book: Spreadsheet, sheet: Sheet, r1: int, c1: int, values: list[list], option: str, user: str,
                     where: str = "", grow: bool = False) -> None:
        """Write a block of typed values (validated first: a request is all or nothing). Only an append
        enlarges the grid; values.update past it is refused like Google ("exceeds grid limits")."""
        self._check_chars(values)
        # "Null values will be skipped. To set a cell to an empty value, set the string value to an empty string."
        # (reference: ValueRange.values): a JSON null leaves the cell as it was
        cells = [(r1 + i, c1 + j) for i, row in enumerate(values) for j in range(len(row)) if row[j] is not None]
        book.check_edit(user, sheet, cells)
        need_rows = r1 + len(values) - sheet.row_count
        need_cols = c1 + max((len(r) for r in values), default=0) - sheet.column_count
        if not grow and (need_rows > 0 or need_cols > 0):
            last = f"{col_letters(c1 + max((len(r) for r in values), default=1) - 1)}{r1 + len(values)}"
            raise bad_request(f"Range ('{sheet.title}'!{last}) exceeds grid limits. Max rows: {sheet.row_count}, "
                              f"max columns: {sheet.column_count}")
        book.grow(sheet, rows=need_rows, cols=need_cols, where=where)
        format_of = sheet.format_finder()
        for i, row in enumerate(values):
            for j, v in enumerate(row):
                if v is None:
                    continue
                stored = user_entered(v, book.locale, format_of(r1 + i, c1 + j)) if option == "USER_ENTERED" else v
                sheet.put(r1 + i, c1 + j, stored)

    def _find_table(self, sheet: Sheet, r1: int, c1: int, c2: int | None) -> tuple[int, int, int] | None:
        """values:append's "table": the first run of non-blank rows at or below the range's first
        row (a blank row ends it), and the first column with data in it. (first row, last row, first col)"""

        def filled(r: int) -> bool:
            row = sheet.rows[r] if r < len(sheet.rows) else []
            cells = row[c1:] if c2 is None else row[c1 : c2 + 1]
            return any(not empty(v) for v in cells)

        start = next((r for r in range(r1, len(sheet.rows)) if filled(r)), None)
        if start is None:
            return None
        end = start
        while end + 1 < len(sheet.rows) and filled(end + 1):
            end += 1
        first_col = min(
            next(j for j in range(c1, len(sheet.rows[r])) if not empty(sheet.rows[r][j]))
            for r in range(start, end + 1) if filled(r)
        )
        return start, end, first_col

    def _spreadsheets_values_append(self, book: Spreadsheet, p, q, body, user):
        sheet, r1, r2, c1, c2 = book.parse_range(p["range"])
        if (r2, c2) == (r1, c1):  # one cell ("A1"): the table around it, as wide and long as it goes
            c2 = None
        option = self._input_option(q, body)
        values = body.get("values", [])
        table = self._find_table(sheet, r1, c1, c2)
        if table is None:
            start, first_col, table_range = r1, c1, ""
        else:
            top, bottom, first_col = table
            start = bottom + 1
            table_range = f"'{sheet.title}'!{col_letters(first_col)}{top + 1}:{col_letters(max(sheet.column_count, 1) - 1)}{bottom + 1}"
        self._check_chars(values)
        if (q.get("insertDataOption") or ["OVERWRITE"])[0] == "INSERT_ROWS":
            book.insert_rows(sheet, start, len(values))
        self._write_block(book, sheet, start, first_col, values, option, user, grow=True)
        width = max((len(r) for r in values), default=0)
        updated = f"'{sheet.title}'!{col_letters(first_col)}{start + 1}:{col_letters(first_col + max(width, 1) - 1)}{start + len(values)}"
        return {
            "spreadsheetId": book.spreadsheet_id,
            "tableRange": table_range,
            "updates": {"spreadsheetId": book.spreadsheet_id, "updatedRange": updated, "updatedRows": len(values),
                        "updatedColumns": width, "updatedCells": sum(len(r) for r in values)},
        }

    def _spreadsheets_values_update(self, book, p, q, body, user):
        sheet, r1, _, c1, _ = book.parse_range(p["range"])
        values = body.get("values", [])
        self._write_block(book, sheet, r1, c1, values, self._input_option(q, body), user)
        return {"spreadsheetId": book.spreadsheet_id, "updatedRange": p["range"], "updatedRows": len(values),
                "updatedColumns": max((len(r) for r in values), default=0), "updatedCells": sum(len(r) for r in values)}

    def _spreadsheets_values_clear(self, book, p, q, body, user):
        """Values only (formats and validation stay), like Google's ``values.clear``."""
        sheet, r1, r2, c1, c2 = book.parse_range(p["range"])
        last_col = c2 if c2 is not None else sheet.column_count - 1
        cells = [(r, c) for r in range(r1, min(len(sheet.rows), (r2 if r2 is not None else sheet.row_count - 1) + 1))
                 for c in range(c1, min(len(sheet.rows[r]), last_col + 1)) if not empty(sheet.rows[r][c])]
        book.check_edit(user, sheet, cells)
        for r, c in cells:
            sheet.put(r, c, None)
        last_row = r2 if r2 is not None else sheet.row_count - 1
        cleared = f"'{sheet.title}'!{col_letters(c1)}{r1 + 1}:{col_letters(last_col)}{last_row + 1}"
        return {"spreadsheetId": book.spreadsheet_id, "clearedRange": cleared}

    def _spreadsheets_values_batchUpdate(self, book, p, q, body, user):
        option = self._input_option(q, body)
        targets = [(book.parse_range(d["range"]), d.get("values", [])) for d in body.get("data", [])]  # validate all first
        for (sheet, r1, _, c1, _), values in targets:
            self._check_chars(values)
            book.check_edit(user, sheet, [(r1 + i, c1 + j) for i, row in enumerate(values) for j in range(len(row)) if row[j] is not None])
        for (sheet, r1, _, c1, _), values in targets:
            self._write_block(book, sheet, r1, c1, values, option, user)
        return {"spreadsheetId": book.spreadsheet_id, "totalUpdatedRows": sum(len(v) for _, v in targets)}

    # ---- batchUpdate ---------------------------------------------------

    MASKED: ClassVar[dict[str, str]] = {"updateSheetProperties": "SheetProperties", "updateSpreadsheetProperties": "SpreadsheetProperties",
              "repeatCell": "CellData", "appendCells": "CellData", "updateCells": "CellData",
              "updateProtectedRange": "ProtectedRange", "updateDeveloperMetadata": "DeveloperMetadata"}

    def _spreadsheets_batchUpdate(self, book: Spreadsheet, p, q, body, user):
        requests_ = body.get("requests", [])
        for i, r in enumerate(requests_):
            kind, req = next(iter(r.items()))
            if kind in self.MASKED:
                check_mask(req.get("fields", ""), self.MASKED[kind], f"requests[{i}].{kind}")
            if not hasattr(self, f"_req_{kind}"):
                raise ApiError(501, f"fake does not implement requests[{i}].{kind}", "UNIMPLEMENTED")
        # all or nothing ("All Sheets requests are applied atomically"): appends are checked whole
        # before any is applied; other batches run on a copy that is kept only if every request passes
        if requests_ and all("appendCells" in r for r in requests_):
            return self._with_spreadsheet(book, body, {"spreadsheetId": book.spreadsheet_id,
                                                       "replies": self._append_all(book, requests_, user)})
        import copy

        trial = copy.deepcopy({k: v for k, v in book.__dict__.items() if k != "lock"})
        replies = []
        try:
            for i, r in enumerate(requests_):
                kind, req = next(iter(r.items()))
                replies.append(getattr(self, f"_req_{kind}")(book, req, user, f"Invalid requests[{i}].{kind}: ") or {})
        except ApiError:
            book.__dict__.update(trial)
            raise
        return self._with_spreadsheet(book, body, {"spreadsheetId": book.spreadsheet_id, "replies": replies})

    def _with_spreadsheet(self, book: Spreadsheet, body: dict, answer: dict) -> dict:
        """``includeSpreadsheetInResponse``: the spreadsheet as it is right after the batch was applied (the same
        lock: nothing else lands in between), limited to ``responseRanges`` — only the sheets they name, each with
        one ``GridData`` per range (``rowData[].values[]`` CellData: ``userEnteredValue``, ``effectiveValue``,
        ``formattedValue``; an empty cell is ``{}``, trailing ones left out; ``startRow``/``startColumn`` omitted
        when 0, as proto3 JSON does). BatchUpdateSpreadsheetRequest:
        https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets/batchUpdate#request-body"""
        if not body.get("includeSpreadsheetInResponse"):
            return answer
        ranges = body.get("responseRanges") or []
        grid = bool(body.get("responseIncludeGridData")) or bool(ranges)  # a field mask asks for grid data by naming it
        sheets: dict[int, dict] = {}
        for a1 in ranges:
            sheet, r1, r2, c1, c2 = book.parse_range(a1)
            entry = sheets.setdefault(sheet.sheet_id, {"properties": sheet.properties(), "data": []})
            last = sheet.last_data_row() if r2 is None else min(r2 + 1, len(sheet.rows))
            rows = []
            for r in range(r1, last):
                row = sheet.rows[r]
                end = len(row) if c2 is None else min(c2 + 1, len(row))
                cells = [self._cell_data(book, sheet, r, c) for c in range(c1, end)]
                while cells and not cells[-1]:
                    cells.pop()
                rows.append({"values": cells} if cells else {})
            data = {"rowData": rows} if rows else {}
            if r1:
                data["startRow"] = r1
            if c1:
                data["startColumn"] = c1
            if grid:
                entry["data"].append(data)
        if not ranges:
            sheets = {s.sheet_id: {"properties": s.properties()} for s in book.sheets}
        answer["updatedSpreadsheet"] = {
            "spreadsheetId": book.spreadsheet_id,
            "properties": {"title": book.title, "locale": book.locale, "timeZone": book.time_zone},
            "sheets": [e if e.get("data") else {"properties": e["properties"]} for e in sheets.values()],
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{book.spreadsheet_id}/edit",
        }
        return answer

    @staticmethod
    def _cell_data(book: Spreadsheet, sheet: Sheet, r: int, c: int) -> dict:
        value = sheet.cell(r, c)
        if empty(value):
            return {}
        if isinstance(value, bool):
            typed = {"boolValue": value}
        elif isinstance(value, (int, float)):
            typed = {"numberValue": value}
        else:
            typed = {"stringValue": str(value)}
        shown = render(value, "FORMATTED_VALUE", "FORMATTED_STRING", book.locale, sheet.format_of(r, c))
        return {"userEnteredValue": typed, "effectiveValue": typed, "formattedValue": str(shown)}

    def _append_all(self, book: Spreadsheet, requests_: list, user: str) -> list:
        planned, growth = [], {}
        for i, r in enumerate(requests_):
            req = r["appendCells"]
            where = f"Invalid requests[{i}].appendCells: "
            sheet = book.by_id(req["sheetId"])
            if req.get("fields", "") not in ("*", "userEnteredValue"):
                raise ApiError(501, f"fake appends userEnteredValue only, got {req.get('fields')!r}", "UNIMPLEMENTED")
            values = [[_entered(cell.get("userEnteredValue", {})) for cell in row.get("values", [])] for row in req.get("rows", [])]
            self._check_chars(values)
            start = sheet.last_data_row() + growth.get(sheet.sheet_id, 0)
            book.check_edit(user, sheet, [(start + k, j) for k, row in enumerate(values) for j in range(len(row))])
            growth[sheet.sheet_id] = growth.get(sheet.sheet_id, 0) + len(values)
            planned.append((sheet, start, values, where))
        extra = 0
        for sheet in book.sheets:
            if sheet.sheet_id in growth:
                extra += max(0, sheet.last_data_row() + growth[sheet.sheet_id] - sheet.row_count) * sheet.column_count
        if book.cells() + extra > CELL_LIMIT:
            raise bad_request(f"{planned[0][3]}This action would increase the number of cells in the workbook above the "
                              f"limit of {CELL_LIMIT} cells.")
        for sheet, start, values, where in planned:
            book.grow(sheet, rows=start + len(values) - sheet.row_count, where=where)
            for k, row in enumerate(values):
                for j, v in enumerate(row):
                    sheet.put(start + k, j, v)
        return [{} for _ in planned]

    def _req_addSheet(self, book, req, user, where):
        props = req.get("properties", {})
        grid = props.get("gridProperties", {})
        rows, cols = grid.get("rowCount", 1000), grid.get("columnCount", 26)
        if book.cells() + rows * cols > CELL_LIMIT:
            raise bad_request(f"{where}This action would increase the number of cells in the workbook above the limit of {CELL_LIMIT} cells.")
        title = props.get("title") or f"Лист{len(book.sheets) + 1}"
        if book.by_title(title):
            raise bad_request(f'{where}A sheet with the name "{title}" already exists. Please enter another name.')
        sheet = book.add_sheet(title, row_count=rows, column_count=cols, frozen_rows=grid.get("frozenRowCount", 0))
        return {"addSheet": {"properties": sheet.properties()}}

    def _req_deleteSheet(self, book, req, user, where):
        sheet = book.by_id(req["sheetId"])
        book.sheets.remove(sheet)
        book.protections = [p for p in book.protections if p.sheet_id != sheet.sheet_id]

    def _req_updateSheetProperties(self, book, req, user, where):
        props = req.get("properties", {})
        sheet = book.by_id(props.get("sheetId", 0))
        fields = {f.strip().replace("/", ".") for f in req.get("fields", "").split(",")}
        grid = props.get("gridProperties", {})
        if "title" in fields or "*" in fields:
            if book.by_title(props["title"]) not in (None, sheet):
                raise bad_request(f'{where}A sheet with the name "{props["title"]}" already exists. Please enter another name.')
            sheet.title = props["title"]
        if fields & {"gridProperties.frozenRowCount", "gridProperties", "*"}:
            sheet.frozen_rows = grid.get("frozenRowCount", 0)
        if fields & {"gridProperties.rowCount", "gridProperties.columnCount", "gridProperties", "*"}:
            book.grow(sheet, rows=grid.get("rowCount", sheet.row_count) - sheet.row_count,
                      cols=grid.get("columnCount", sheet.column_count) - sheet.column_count, where=where)

    def _req_updateSpreadsheetProperties(self, book, req, user, where):
        props = req.get("properties", {})
        for f in (f.strip() for f in req.get("fields", "").split(",")):
            if f in ("locale", "*") and "locale" in props:
                book.locale = props["locale"]  # any locale is kept; typed input is modelled for ru_RU and en_US only
            if f in ("timeZone", "*") and "timeZone" in props:
                book.time_zone = props["timeZone"]
            if f in ("title", "*") and "title" in props:
                book.title = props["title"]

    def _req_appendDimension(self, book, req, user, where):
        sheet = book.by_id(req["sheetId"])
        if req["dimension"] == "COLUMNS":
            book.grow(sheet, cols=req["length"], where=where)
        else:
            book.grow(sheet, rows=req["length"], where=where)

    def _req_insertDimension(self, book, req, user, where):
        rng = req["range"]
        sheet = book.by_id(rng["sheetId"])
        n = rng["endIndex"] - rng["startIndex"]
        if rng["dimension"] == "COLUMNS":
            book.insert_columns(sheet, rng["startIndex"], n)
        else:
            book.insert_rows(sheet, rng["startIndex"], n, where)

    def _req_deleteDimension(self, book, req, user, where):
        rng = req["range"]
        sheet = book.by_id(rng["sheetId"])
        start, end = rng.get("startIndex", 0), rng.get("endIndex", sheet.column_count if rng["dimension"] == "COLUMNS" else sheet.row_count)
        cells = [(r, c) for r in range(len(sheet.rows)) for c in range(start, end)] if rng["dimension"] == "COLUMNS" \
            else [(r, c) for r in range(start, end) for c in range(sheet.column_count)]
        book.check_edit(user, sheet, cells)
        if rng["dimension"] == "COLUMNS":
            book.delete_columns(sheet, start, end)
        else:
            book.delete_rows(sheet, start, end)

    def _req_updateCells(self, book, req, user, where):
        """UpdateCellsRequest with ``range`` (``fields: userEnteredValue`` only): the rows' cells written from the
        range's first cell; cells of the range the rows do not cover are cleared, as the reference says ("If the
        data in rows does not cover the entire requested range, the fields matching those set in fields will be
        cleared")."""
        if "range" not in req:
            raise ApiError(501, f"{where}fake updates a range only (no start)", "UNIMPLEMENTED")
        if req.get("fields") != "userEnteredValue":
            raise ApiError(501, f"{where}fake updates userEnteredValue only, got {req.get('fields')!r}", "UNIMPLEMENTED")
        sheet = book.by_id(req["range"].get("sheetId", 0))
        box = self._box(req["range"])
        values = [[_entered(cell.get("userEnteredValue", {})) for cell in row.get("values", [])] for row in req.get("rows", [])]
        r1, c1 = box.start_row or 0, box.start_col or 0
        r2 = r1 + len(values) if box.end_row is None else box.end_row
        c2 = c1 + max((len(v) for v in values), default=0) if box.end_col is None else box.end_col
        self._check_chars(values)
        book.check_edit(user, sheet, [(r, c) for r in range(r1, r2) for c in range(c1, c2)])
        if r2 > sheet.row_count or c2 > sheet.column_count:
            raise bad_request(f"{where}Range ('{sheet.title}'!R{r1 + 1}C{c1 + 1}:R{r2}C{c2}) exceeds grid limits. "
                              f"Max rows: {sheet.row_count}, max columns: {sheet.column_count}")
        for r in range(r1, r2):
            row = values[r - r1] if r - r1 < len(values) else []
            for c in range(c1, c2):
                sheet.put(r, c, row[c - c1] if c - c1 < len(row) else None)

    def _req_moveDimension(self, book, req, user, where):
        src = req["source"]
        sheet = book.by_id(src["sheetId"])
        if src["dimension"] != "COLUMNS":
            raise ApiError(501, "fake moves columns only", "UNIMPLEMENTED")
        book.move_columns(sheet, src["startIndex"], src["endIndex"], req["destinationIndex"])

    def _req_appendCells(self, book, req, user, where):
        self._append_all(book, [{"appendCells": req}], user)

    @staticmethod
    def _box(grid: dict) -> Box:
        """The GridRange exactly as sent: a missing end index is unbounded ("Missing indexes indicate the range is
        unbounded on that side", reference: GridRange)."""
        return Box(grid.get("startRowIndex"), grid.get("endRowIndex"), grid.get("startColumnIndex"), grid.get("endColumnIndex"))

    def _req_repeatCell(self, book, req, user, where):
        sheet = book.by_id(req["range"].get("sheetId", 0))
        if req.get("fields") not in ("userEnteredFormat.numberFormat", "userEnteredFormat(numberFormat)"):
            raise ApiError(501, "fake repeats number formats only", "UNIMPLEMENTED")
        sheet.formats.append((self._box(req["range"]), (req.get("cell", {}).get("userEnteredFormat") or {}).get("numberFormat")))

    def _req_setDataValidation(self, book, req, user, where):
        sheet = book.by_id(req["range"].get("sheetId", 0))
        sheet.rules.append((self._box(req["range"]), req.get("rule")))  # no rule: the range's validation is removed

    def _req_addProtectedRange(self, book, req, user, where):
        pr = req["protectedRange"]
        grid = pr.get("range", {})
        book.by_id(grid.get("sheetId", 0))
        asked = set((pr.get("editors") or {}).get("users", []))
        if pr.get("warningOnly") and asked:
            raise bad_request(f"{where}Editors are not supported with warning_only protection.")
        # Google keeps the requester and the spreadsheet's owner editors of every protected range: neither can be
        # removed (Apps Script reference, Protection.removeEditor: "neither the owner of the spreadsheet nor the
        # current user can be removed"); gspread's recorded exchange (WorksheetTest.test_add_protected_range_normal)
        # asks for no editors and reads back the requester
        editors = asked | {user, book.owner}
        p = Protection(book.next_protection, grid.get("sheetId", 0), grid.get("startRowIndex"), grid.get("endRowIndex"),
                       grid.get("startColumnIndex"), grid.get("endColumnIndex"), editors, bool(pr.get("warningOnly")),
                       pr.get("description") or "")
        book.next_protection += 1
        book.protections.append(p)
        # the reply echoes the editors asked for (the recorded reply: none asked, ``"editors": {}``); the effective
        # list, owner included, is what spreadsheets.get answers
        reply = p.resource()
        reply["editors"] = {"users": sorted(asked)} if asked else {}
        return {"addProtectedRange": {"protectedRange": reply}}

    def _req_deleteProtectedRange(self, book, req, user, where):
        found = [p for p in book.protections if p.protected_range_id == req["protectedRangeId"]]
        if not found:
            raise bad_request(f"{where}No protected range with id: {req['protectedRangeId']}")
        book.protections.remove(found[0])

    def _req_createDeveloperMetadata(self, book, req, user, where):
        meta = dict(req["developerMetadata"])
        loc = meta.get("location", {})
        meta.setdefault("metadataId", book.next_metadata)
        book.next_metadata += 1
        if loc.get("spreadsheet"):
            meta["location"] = {"locationType": "SPREADSHEET", "spreadsheet": True}
            book.metadata.append(meta)
        elif "sheetId" in loc:
            meta["location"] = {"locationType": "SHEET", "sheetId": loc["sheetId"]}
            book.by_id(loc["sheetId"]).metadata.append(meta)
        else:
            raise ApiError(501, "fake keeps metadata on the spreadsheet and on sheets only", "UNIMPLEMENTED")
        return {"createDeveloperMetadata": {"developerMetadata": meta}}

    def _req_deleteDeveloperMetadata(self, book, req, user, where):
        lookup = req["dataFilter"].get("developerMetadataLookup", {})
        for owner in [book, *book.sheets]:
            owner.metadata = [m for m in owner.metadata
                              if not (("metadataId" not in lookup or m["metadataId"] == lookup["metadataId"])
                                      and ("metadataKey" not in lookup or m["metadataKey"] == lookup["metadataKey"]))]


class FakeSession(requests.Session):
    """What gspread's HTTPClient calls: ``session.request(method, url, ...)``, as ``user``."""

    def __init__(self, api: FakeSheetsAPI, user: str):
        super().__init__()
        self.api = api
        self.user = user
        self.timeouts: list = []

    def request(self, method, url, params=None, data=None, headers=None, cookies=None, files=None,
                auth=None, timeout=None, allow_redirects=True, proxies=None, hooks=None, stream=None,
                verify=None, cert=None, json=None):
        self.timeouts.append(timeout)
        body = json if json is not None else (_json.loads(data) if data else None)
        # Round-trip the body through JSON like the wire does (no NaN, no Python objects).
        if body is not None:
            body = _json.loads(_json.dumps(body, allow_nan=False))
        code, payload = self.api.handle(method, url, params, body, self.user, timeout)
        response = requests.Response()
        response.status_code = code
        response._content = _json.dumps(payload, ensure_ascii=False).encode()
        response.headers["Content-Type"] = "application/json; charset=UTF-8"
        response.encoding = "utf-8"
        response.url = url
        response.request = requests.Request(method, url).prepare()
        return response


def _proto3(message: dict) -> dict:
    """Repeated fields left empty are not sent (proto3 JSON): a sheet without protection has no ``protectedRanges``."""
    return {k: v for k, v in message.items() if v != []}


def _entered(value: dict):
    """An ExtendedValue of appendCells as a stored cell (stringValue is literal text, like RAW)."""
    if "formulaValue" in value:
        return Formula(value["formulaValue"])
    return value.get("stringValue", value.get("numberValue", value.get("boolValue")))


_json = json
_ = Formatted  # re-exported for tests that build typed cells
