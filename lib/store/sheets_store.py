"""Google Sheets store: one spreadsheet, one tab per schema table, shared with people.

Requests, by design:
- metadata (tab ids and titles, locale, protection): one ``spreadsheets.get`` per process, again
  after Google says a range or a grid no longer exists (a tab renamed or deleted) and for capacity;
- reading everything: one ``values:batchGet`` of all tabs, cached for ``cache_ttl`` seconds (then
  read whole again, so people's edits of earlier rows are seen; ``refresh`` reads whole on demand);
  a tab whose cells are the same as at its last whole read is not typed again, and a snapshot with
  nothing changed is the same object (results kept per snapshot, ``lib.core.memo``, stay);
- saves (``transact``) of the process's sessions go in **batches**: a save waits ``save_window``
  seconds for others (one arriving while a batch is read or written joins the next), then the batch
  is decided in turn on one read and written in one request, as follows (``_run_batch``);
- a batch of saves: under a process-wide write lock, **one** fresh ``values:batchGet`` — of the
  tabs the decision reads (the target tabs, «Пользователи», «Закрытые кварталы», «Возвраты») only
  what changed since this process read them: the header row, the «Код сохранения» of the rows read
  before (checked unchanged — nobody sorted, inserted, deleted or cleared rows, moved a column; only
  the last ``TAIL_EDGE`` of them when nobody but this server changed the spreadsheet since its latest
  save, by the Drive version recorded after that write: ``_quiet``) and the rows after them; a signed
  tab, or one that fails the check, whole; every other tab's header row — then **one**
  ``spreadsheets:batchUpdate`` of ``appendCells`` (atomic on Google's side),
  written under the headers as they are in that read. What was read plus what was written becomes
  the cached snapshot, so the page shown after a save needs no new request; saves within
  ``write_freshness`` seconds of a fresh read (2 s) share it, and so does a save that waited for a
  read in flight. One read in flight per process: page loads that miss the cache wait for it.

Why ``appendCells`` and not ``values:append``: values:append writes "starting with the first column
of the table" it detects, so a person clearing or inserting an empty first column shifts every
appended row one column; appendCells always starts at column A, where the header positions are.

A save whose answer is lost (5xx, time-out) is looked for by its «Код сохранения» for up to
``confirm_window`` seconds before the same rows, with the same save id, are sent again; rows of one
save that land twice count once (``lib.core.frames.versioned``), so a late-applied first attempt is
harmless. Everything runs inside the policy's wall-clock budget (90 s), counted from the click: the wait
behind other saves of the process (its queue) and of the server (the lock) is inside it, and so is a
429's wait for Google's per-minute quota. While a save waits its page is told why (``port.save_progress``).

Saves of one server are serialised across its processes (``ServerSecrets.turn``: a lock file beside the
secrets file, holding the id of the latest save); a process that finds another's save there re-reads
before deciding, so no save checks a record against a version already replaced, and the audit's «было»
is the version written over. The residual window: a *person* (or a server on another machine, with its
own secrets file) can change a lock, a user or a column between the fresh read and the write — under a
second, plus ``write_freshness`` when a recent read is reused. SQLite has no such window.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import threading
import time
import weakref
import zoneinfo
from collections.abc import Callable, Collection, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from gspread.urls import SPREADSHEET_BATCH_UPDATE_URL

from lib.core import fmt
from lib.core.frames import (
    CellProblem,
    cells_to_frame,
    column_letter,
    concat_rows,
    current_versions,
    empty_frame,
    frame_records,
    header_positions,
    record_cells,
    versioned,
)
from lib.core.schema import Schema, Table
from lib.store import signing
from lib.store.port import (
    ManualChange,
    SaveReceipt,
    Snapshot,
    Store,
    StoreError,
    StoreUnavailable,
    now_utc,
    report_progress,
)
from lib.store.server_secrets import ServerSecrets
from lib.store.sheets_http import (
    Budget,
    LayoutChanged,
    RetryPolicy,
    call_with_retry,
    describe_failure,
    is_google_failure,
    is_transient,
    store_error,
    waiting_reason,
    was_refused,
)
from lib.store.sheets_names import ARCHIVED_METADATA, TAB_METADATA, a1_tab

READ_PARAMS = {
    # numbers as numbers and dates as serial numbers: what Google stored, whatever the locale shows
    "valueRenderOption": "UNFORMATTED_VALUE",
    "dateTimeRenderOption": "SERIAL_NUMBER",
    "majorDimension": "ROWS",
}
CELL_LIMIT = 10_000_000
TTL_FOLD = 1 / 6  # a save's read takes the TTL's whole read due in the next sixth of the TTL (5 s of 30): else a
# page's rerun, far more frequent than saves, meets the expired TTL first and reads on its own (bench.sheets_quota)
MIN_SAVE_TIME = 10.0  # seconds of its budget a save needs for its own read and write: less left after the queue and
# the server's lock, and it is refused at once (saying so) rather than started and cut off
DRIVE_FILE = "https://www.googleapis.com/drive/v3/files/%s"  # files.get: the version, before a whole re-read
HEADER_MASK = "spreadsheetId,updatedSpreadsheet.sheets(properties.sheetId,data.rowData.values.formattedValue)"
REPAIRS = 2  # times rows written under a header that changed meanwhile are moved under the new one before giving up
TAIL_MIN_ROWS = 500  # a smaller tab is read whole: it costs little more than a tail, and shows every edit at once
TAIL_EDGE = 20  # rows before a tail whose «Код сохранения» a save checks when only the app changed the sheet (``_quiet``)
QUICK_MIN_ROWS = 1000  # a tab this long makes a save ask Drive's version (two small requests) to check only TAIL_EDGE rows:
# below it, its «Код сохранения» column (≈ 40 bytes a row) costs less than the two round trips
SHEETS_EPOCH = dt.datetime(1899, 12, 30)
UNSIGNED = ("строка не подписана приложением (набрана, вставлена или изменена в таблице вручную) — не учтена: "
            "права, роли, блокировки, возвраты и настройки меняются только через приложение")


MANUAL_CHANGE = "изменено в таблице вручную"
AUDIT_USER = "приложение"  # who the audit log names for what the app itself noticed
SEAL_BROKEN = ("«Печать» строки не подтверждается ключом сервера (строка или её печать изменены вручную, или у серверов "
               "разные ключи подписи) — строка учтена как есть; проверьте её и сохраните заново через приложение")


def _quarter(period) -> str | None:
    """'2024-03' or '2024-Q1' -> '2024-Q1'; anything else -> None (lib.domain.periods.quarter_of, for the store)."""
    text = "" if period is None or (isinstance(period, float) and period != period) else str(period)
    if len(text) == 7 and text[4:6] == "-Q":
        return text
    if len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit() and 1 <= int(text[5:]) <= 12:
        return f"{text[:4]}-Q{(int(text[5:]) - 1) // 3 + 1}"
    return None


def _latest(frame: pd.DataFrame) -> int:
    """The latest save among these rows, as a sequence number (``Snapshot.max_seq`` for one tab)."""
    return Snapshot({"t": frame}, schema=None).max_seq() if len(frame) else 0


def _cell(value) -> str:
    return "" if value is None else str(value)


def _column(rows: list[list], at: list[int] | None) -> list[str]:
    """One column of rows as text ("" where blank): the «Код сохранения» a tail read checks."""
    if not at:
        return [""] * len(rows)
    i = at[0]
    return [_cell(r[i]) if i < len(r) else "" for r in rows]


def tail_check_first(last_row: int, quiet: bool) -> int:
    """The first sheet row whose «Код сохранения» a tail read checks (through ``last_row``, the last row read
    before): all of them (row 2), or when only this server's saves — which append — changed the spreadsheet since
    its latest one (``quiet``), the last ``TAIL_EDGE``: a row inserted or deleted above shifts them."""
    return max(2, last_row - TAIL_EDGE + 1) if quiet else 2


def _digest(values: list[list]) -> bytes:
    """Of a tab's cells as Google sent them (``true`` and ``1`` differ, as they should)."""
    return hashlib.blake2b(json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode(), digest_size=16).digest()


def _cell_data(value) -> dict:
    """A value for appendCells: typed, never a formula (like RAW input)."""
    if value is None:
        return {}
    if isinstance(value, bool):
        return {"userEnteredValue": {"boolValue": value}}
    if isinstance(value, (int, float)):
        return {"userEnteredValue": {"numberValue": value}}
    return {"userEnteredValue": {"stringValue": str(value)}}


class _Parsed:
    """What a whole read made of one tab's cells: typed rows, problems, cells typed over saved rows, rows of a signed tab
    without the app's signature, «Код сохранения» of the rows. It depends only on the cells, the schema, the signing key
    and the sheet's time zone, so a second store of this process that reads the very same cells (the command line's
    check beside a server's store, a store made again after a reset, a test's new reader) takes it instead of typing and
    checking every cell again. Kept only while a store holds it (``_PARSED`` holds no reference of its own): a tab read
    again after a change lets the old one go."""

    __slots__ = ("__weakref__", "bad_rows", "changes", "max_seq", "problems", "save_ids", "typed")

    def __init__(self, typed: pd.DataFrame, problems: tuple, changes: tuple, bad_rows: tuple, save_ids: tuple, max_seq: int):
        self.typed, self.problems, self.changes, self.bad_rows, self.save_ids = typed, problems, changes, bad_rows, save_ids
        self.max_seq = max_seq


_PARSED: weakref.WeakValueDictionary[tuple, _Parsed] = weakref.WeakValueDictionary()
_PARSED_LOCK = threading.Lock()


@dataclass
class TabRead:
    """One tab as last read: its typed rows (before versioning), versions, problems and layout.

    ``typed`` holds the rows read from the sheet, rows 2 … ``last_row`` (a whole read, then the rows
    read after it); ``pending`` the rows this process wrote that no read has returned yet. The versions
    are built from both (``dirty``: not yet). ``data_at``: when the rows were last brought up to date
    (the freshness a save's decision needs); ``full_at``: when the tab was last read whole (people's
    edits of earlier rows are seen then: the cache's TTL).
    """

    data_at: float | None = None  # None: only the header was read
    full_at: float | None = None
    layout_at: float | None = None
    typed: pd.DataFrame | None = None
    versions: pd.DataFrame | None = None
    cell_problems: list = field(default_factory=list)  # cells not understood, rows not signed
    version_problems: list = field(default_factory=list)  # rows not counted (lib.core.frames.versioned)
    notes: list = field(default_factory=list)
    layout: list[str | None] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    last_row: int = 1
    save_ids: list = field(default_factory=list)  # «Код сохранения» of rows 2 … last_row, as read
    digest: bytes | None = None  # of the cells of the last whole read: an unchanged tab is not typed again
    missing: str | None = None  # why the tab is not there
    pending: list[tuple[float, dict]] = field(default_factory=list)  # (when written, row): not yet returned by a read
    dirty: bool = False  # typed or pending changed since the versions were built
    bad_rows: list[dict] = field(default_factory=list)  # rows of a signed tab without the app's signature
    changes: list[ManualChange] = field(default_factory=list)  # values typed over saved rows (their seals say so)
    parsed: _Parsed | None = None  # what the last whole read made of the cells (shared: ``_Parsed``)


@dataclass
class PendingSave:
    """One session's save waiting in the process's queue (``SheetsStore._transact``) until its batch is written."""

    user: str
    build: Callable[[Snapshot], Mapping[str, Sequence[Mapping]]] | None
    tabs: frozenset[str] | None  # what build reads (None: every tab)
    keep_system: bool = False
    changes: Mapping[str, Sequence[Mapping]] | None = None  # a plain save: the rows as given
    arrived: float = 0.0  # time.monotonic() when the session asked
    clicked: float | None = None  # the same moment on the retry policy's clock: the save's 90 s budget starts there
    status: str = ""  # why the save waits now (Russian), told to its session while it waits
    receipt: SaveReceipt | None = None
    error: BaseException | None = None
    finished: threading.Event = field(default_factory=threading.Event)

    @property
    def done(self) -> bool:
        return self.finished.is_set()

    def succeed(self, receipt: SaveReceipt) -> None:
        self.receipt = receipt
        self.finished.set()

    def fail(self, error: BaseException) -> None:
        self.error = error
        self.finished.set()

    def outcome(self) -> SaveReceipt:
        if self.error is not None:
            raise self.error  # one instance for every save a failed write fails, as concurrent.futures does
        return self.receipt


class SheetsStore(Store):
    kind = "gsheets"

    def __init__(
        self,
        key: str,
        client,
        schema: Schema | None = None,
        *,
        cache_ttl: float = 30.0,
        policy: RetryPolicy | None = None,
        clock=time.monotonic,
        account_email: str | None = None,
        secrets: ServerSecrets | None = None,
        write_freshness: float = 2.0,
        save_window: float = 0.0,
        change_check: bool = True,
        full_every: float = 3600.0,
    ):
        super().__init__(f"gsheets://{key}", schema)
        self.key = key
        self.http = client.http_client
        self.policy = policy or getattr(self.http, "policy", None) or RetryPolicy()
        self.http.policy = self.policy
        self.cache_ttl = cache_ttl
        self.write_freshness = write_freshness
        self.save_window = save_window  # wall seconds a save waits for others to join its batch (``_gather``)
        self.account = account_email
        self.secrets = secrets or ServerSecrets(None)
        self._clock = clock
        self._lock = threading.RLock()  # state
        self._read_lock = threading.Lock()  # one read in flight: concurrent page loads wait for it
        self._write_lock = threading.Lock()  # this process's batches of saves, one at a time
        self._queue_ready = threading.Condition()  # the saves waiting for the next batch, and who leads it
        self._queue: list[PendingSave] = []
        self._leading = False  # a save is gathering, reading or writing a batch
        self._meta: dict | None = None
        self._meta_at = 0.0
        self._renamed: dict[str, str] = {}  # old title -> new title, as seen between two metadata reads
        self._tabs: dict[str, TabRead] = {}
        self._snapshot: Snapshot | None = None
        self._previous: Snapshot | None = None  # the last snapshot built: unchanged tabs reuse its current versions
        self._max_seq = 0
        self._turn_seen = ""  # the latest save of the server's processes that this one has taken into account
        self._behind: set[str] = set()  # tabs read before another process's save: read again before deciding a save
        self._behind_since = 0.0  # when that save was seen: only a read sent after it clears a tab
        self._closed_cache: dict[str, tuple] = {}  # tab -> (frame, closed quarters, frame without hand-typed rows in them)
        self._logged: set[str] = set()  # audit events of changes typed in the sheet, written (or being written) by this process
        self.change_check = change_check  # a Drive version check before the TTL's whole re-read (``_file_version``)
        self.full_every = full_every  # seconds: the whole spreadsheet is read at least this often, version or not
        self._drive_off: str | None = None  # why the check does not work here (Drive API off, no scope)
        self._version: str | None = None  # the Drive version every tab was read whole under
        self._version_at: float | None = None

    # ---- metadata ------------------------------------------------------

    def server_file(self):
        return self.secrets.path  # the server's secrets file (None: in memory)

    def describe(self) -> str:
        title = (self._meta or {}).get("properties", {}).get("title", "")
        archived = " — архив" if self.archived_to() else ""
        return f"Google Таблица «{title}» ({self.key}){archived}" if title else f"Google Таблица {self.key}"

    def display_name(self) -> str:
        title = (self._meta or {}).get("properties", {}).get("title", "")
        return f"Google Таблица «{title}»" + (" — архив" if self.archived_to() else "") if title else "Google Таблица"

    def metadata(self, refresh: bool = False) -> dict:
        with self._lock:
            if self._meta is not None and not refresh:
                return self._meta
        try:
            meta = call_with_retry(lambda: self.http.fetch_sheet_metadata(self.key), self.policy, "описание таблицы")
        except Exception as exc:
            if is_google_failure(exc):
                raise store_error(exc, self.key, self.account) from exc
            raise
        with self._lock:
            before = {s["properties"]["sheetId"]: s["properties"]["title"] for s in (self._meta or {}).get("sheets", [])}
            for s in meta.get("sheets", []):  # the same sheet under another title: renamed by a person
                was = before.get(s["properties"]["sheetId"])
                if was and was != s["properties"]["title"]:
                    self._renamed[was] = s["properties"]["title"]
            self._meta, self._meta_at = meta, self._clock()
            return meta

    def _titles_of(self, meta: dict) -> dict[str, str]:
        """table key -> the title of its sheet: by our developer metadata, else by the schema title."""
        found: dict[str, str] = {}
        titles = {s["properties"]["title"] for s in meta.get("sheets", [])}
        for s in meta.get("sheets", []):
            for m in s.get("developerMetadata", []) or []:
                if m.get("metadataKey") == TAB_METADATA and m.get("metadataValue") in self.schema.tables:
                    found.setdefault(m["metadataValue"], s["properties"]["title"])
        for t in self.schema:
            if t.key not in found and t.title in titles:
                found[t.key] = t.title
        return found

    def titles(self) -> dict[str, str]:
        return self._titles_of(self.metadata())

    def sheet_ids(self, refresh: bool = False) -> dict[str, int]:
        return {s["properties"]["title"]: s["properties"]["sheetId"] for s in self.metadata(refresh).get("sheets", [])}

    def archived_to(self) -> str | None:
        for m in (self._meta or {}).get("developerMetadata", []) or []:
            if m.get("metadataKey") == ARCHIVED_METADATA:
                return m.get("metadataValue")
        return None

    def setup_problems(self) -> list[str]:
        """What is wrong with the spreadsheet itself, in Russian (shown on «Обзор» and by ``check``)."""
        meta = self._meta or {}
        out = []
        locale = meta.get("properties", {}).get("locale", "ru_RU")
        if locale != "ru_RU":
            out.append(
                f"Таблица в локали «{locale}», а не ru_RU (русская): Google по-другому понимает набранное вручную — "
                "05.04.2024 становится 4 мая, «12,5» остаётся текстом. Выполните «python -m lib.cli bootstrap-sheet» "
                "(установит ru_RU) и проверьте даты, введённые в таблицу раньше."
            )
        from lib.store.sheets_setup import locale_review, review_lines

        out += review_lines(locale_review(meta))  # typed under the locale bootstrap-sheet replaced: listed until reviewed
        titles = self._titles_of(meta) if meta else {}
        for tab, title in titles.items():
            if title != self.schema[tab].title:
                out.append(f"Лист «{self.schema[tab].title}» переименован в «{title}»: приложение продолжает с ним "
                           f"работать, но верните название «{self.schema[tab].title}», чтобы таблицу понимали и люди.")
        for tab, read in self._tabs.items():
            table = self.schema[tab]
            lacking = [c.title for c in table.columns if read.layout_at and not read.missing and not c.secret
                       and c.key not in read.layout]
            if lacking and read.layout:
                out.append(f"В листе «{table.title}» нет столбцов {', '.join('«' + m + '»' for m in lacking)}: выполните "
                           "«python -m lib.cli bootstrap-sheet» (после обновления приложения — обязательно).")
        if self._drive_off:
            out.append(f"Проверка изменений таблицы через Google Drive API не работает ({self._drive_off}): таблица "
                       f"перечитывается целиком каждые {self.cache_ttl:.0f} с, даже если в ней ничего не менялось. Включите "
                       "Google Drive API в проекте сервисного аккаунта (Google Cloud Console → «API и сервисы»).")
        if self.archived_to():
            out.append(f"Эта таблица — архив прошлого года (только чтение): данные продолжаются в таблице "
                       f"{self.archived_to()}. Укажите её адрес в настройках (DEBT_STORE / [store] url).")
        return out

    # ---- reading -------------------------------------------------------

    def invalidate(self) -> None:
        with self._lock:
            self._tabs = {}
            self._snapshot = None

    def refresh(self) -> Snapshot:
        """Read the whole spreadsheet now (on demand: a person's edits seen before the TTL is up)."""
        with self._read_lock:
            self._read_everything(self._file_version())
        with self._lock:
            return self._snapshot_now()

    # ---- the cheap check before a whole re-read ----------------------------------------------------

    def _file_version(self) -> str | None:
        """The spreadsheet's Drive ``version`` ("A monotonically increasing version number for the file. This
        reflects every change made to the file on the server, even those not visible to the user":
        https://developers.google.com/drive/api/reference/rest/v3/files), one small GET with the
        ``drive.metadata.readonly`` scope; None when the check is off or Google did not answer it (then the
        whole spreadsheet is read, as before). Drive API not enabled, or no scope: off for this process, said
        on «Обзор» and by ``check``."""
        if not self.change_check or self._drive_off:
            return None
        try:
            answer = self.http.request("get", DRIVE_FILE % self.key, params={"fields": "version", "supportsAllDrives": "true"})
            return str(answer.json().get("version") or "") or None
        except Exception as exc:
            if not is_google_failure(exc):
                raise
            if not is_transient(exc):
                self._drive_off = describe_failure(exc)
            return None

    def _read_everything(self, version: str | None) -> None:
        """Every tab whole (one batchGet); ``version`` — fetched before it — then describes the cache."""
        self._read(full=set(self.schema.tables))
        with self._lock:
            self._version, self._version_at = version, self._clock()

    def _unchanged(self, version: str | None, now: float) -> bool:
        """Nothing changed since every tab was last read whole (the same Drive version), and that was within
        ``full_every`` seconds (a bound in case Drive's version lags behind an edit)."""
        return (version is not None and version == self._version and self._version_at is not None
                and now - self._version_at <= self.full_every)

    def _manual_change_rows(self, snapshot: Snapshot) -> list[dict]:
        """Audit rows of the values typed over saved rows that the audit log does not hold yet (pure: nothing is
        written). Each finding has a fixed event id — its tab, row's save, record, field and the typed cell, as
        stored rather than as shown (so a change of how values are shown logs nothing again) —
        so the same finding is never logged twice, whichever save or ``check`` records it."""
        if not snapshot.changes or self.archived_to() or snapshot.tables.get("audit") is None:
            return []
        logged = set(snapshot.current("audit")["event_id"].astype(str)) | self._logged
        rows = []
        for c in snapshot.changes:
            found = "|".join([c.tab, c.save_id, *map(str, c.key), c.field, _cell(c.cell)])  # as stored, not as shown
            event = "manual-" + hashlib.blake2b(found.encode(), digest_size=10).hexdigest()
            if event not in logged:
                logged.add(event)
                rows.append({"event_id": event, "entity": c.tab, "record_key": c.record, "action": MANUAL_CHANGE,
                             "changes": f"«{c.column}»: {c.was} → {c.now} (строка {c.row} листа «{self.schema[c.tab].title}»; "
                                        "учтено значение, сохранённое приложением)"})
        return rows

    def record_changes(self) -> int:
        """Write to the audit log the values typed over saved rows that it does not hold yet, as one save of the
        app (``lib.cli check``); how many. A read never writes: a page view stays a read, and page loads at
        once do not race to log one finding. Every save records them too, in its own write (``_decide_and_write``)."""
        with self._read_lock:
            self._read_everything(self._file_version())  # whole: every finding, and the audit log as it is now
        with self._lock:
            rows = self._manual_change_rows(self._snapshot_now())
        if not rows:
            return 0
        self._transact(AUDIT_USER, None, tabs={"audit"}, changes={})  # a save of nothing: its write carries them (``_noting``)
        return len(rows)

    def read_all(self) -> Snapshot:
        """The cached snapshot while every tab was read whole within ``cache_ttl``; else one batchGet of the
        tabs that were not. One read in flight per process: page loads that miss the cache together wait
        for the one read (``_read_lock``), and so does a save's fresh read."""
        with self._lock:
            if self._all_fresh(self._clock(), self.cache_ttl):
                return self._snapshot_now()
        with self._read_lock:
            with self._lock:  # another thread may have read while we waited
                now = self._clock()
                if self._all_fresh(now, self.cache_ttl):
                    return self._snapshot_now()
                stale = self._ttl_due(now)
                known = all(self._tabs.get(t) is not None and self._tabs[t].typed is not None for t in self.schema.tables)
            version = self._file_version() if known or self._version is None else None
            if known and self._unchanged(version, now):
                with self._lock:  # the TTL's whole read is not needed: nothing changed since (one small request)
                    for t in self.schema.tables:
                        self._tabs[t].full_at = now
                    snapshot = self._snapshot_now()
            elif version is not None:
                self._read_everything(version)  # changed: every tab whole, so the version describes the cache
                with self._lock:
                    snapshot = self._snapshot_now()
            else:
                self._read(full=stale)
                with self._lock:
                    snapshot = self._snapshot_now()
        return snapshot

    def _all_fresh(self, now: float, ttl: float) -> bool:
        return all(self._fresh(t, now, "whole", within=ttl) for t in self.schema.tables)

    def _ttl_due(self, now: float, ahead: float = 0.0) -> set[str]:
        """The tabs to read whole for the cache's TTL: none while every tab was read whole within it (less
        ``ahead`` seconds); else also those read whole more than half a TTL ago. A save reads some tabs whole
        (signed, small) and others by their tails, so the tabs' TTLs drift apart; reading the nearly-due ones
        together keeps one request per TTL instead of one more each time another tab expires."""
        if self._all_fresh(now, self.cache_ttl - ahead):
            return set()
        return {t for t in self.schema.tables if not self._fresh(t, now, "whole", within=self.cache_ttl / 2)}

    def _read(self, full: set[str], tails: frozenset[str] | set[str] = frozenset(), headers: set[str] = frozenset(),
              quiet: bool = False) -> None:
        """One batchGet: ``full`` tabs whole; ``tails`` tabs only what changed since they were read — the
        header row, the «Код сохранения» of the rows read before (checked unchanged: nobody sorted, moved,
        inserted or deleted rows) and the rows after them; ``headers`` tabs' header rows. A tail whose check
        fails is read whole in a second request. Metadata refreshed once if Google says a range no longer
        parses (a tab renamed or deleted). ``quiet``: only this server's saves changed the spreadsheet since its
        latest one (``_quiet``): they only append, so a tail checks the «Код сохранения» of its last ``TAIL_EDGE``
        rows read before, not of all of them."""
        again = self._read_once(full, set(tails), set(headers), quiet)
        if again:
            self._read_once(again, set(), set())

    def _tail_ranges(self, tab: str, title: str, quiet: bool = False) -> list[str] | None:
        """The three ranges of a tail read — the header row, the «Код сохранения» of the rows read before (all of
        them; ``quiet``: the last ``TAIL_EDGE``, ``tail_check_first``) and the rows after them — or None if the tab
        must be read whole."""
        read = self._tabs.get(tab)
        if (read is None or read.typed is None or read.missing or read.duplicated or self.schema[tab].signed
                or "save_id" not in read.layout or read.last_row < TAIL_MIN_ROWS):
            return None
        sheet = a1_tab(title)
        letter = column_letter(read.layout.index("save_id"))
        last = column_letter(len(read.layout) - 1)
        first = tail_check_first(read.last_row, quiet)
        return [f"{sheet}!1:1", f"{sheet}!{letter}{first}:{letter}{read.last_row}", f"{sheet}!A{read.last_row + 1}:{last}"]

    def _read_once(self, full: set[str], tails: set[str], headers: set[str], quiet: bool = False) -> set[str]:
        """One batchGet (see ``_read``); returns the tails to read whole after all."""
        for attempt in (1, 2):
            titles = self.titles() if attempt == 1 else self._titles_of(self.metadata(refresh=True))
            plan: list[tuple[str, str, list[str]]] = []  # (tab, how, ranges)
            for t in self.schema.tables:
                if t not in titles:
                    continue
                tail = self._tail_ranges(t, titles[t], quiet) if t in tails and t not in full else None
                if tail:
                    plan.append((t, "quick" if quiet else "tail", tail))
                elif t in full or t in tails:
                    plan.append((t, "whole", [a1_tab(titles[t])]))
                elif t in headers:
                    plan.append((t, "header", [f"{a1_tab(titles[t])}!1:1"]))
            ranges = [r for _, _, rs in plan for r in rs]
            started = self._clock()
            try:
                payload = call_with_retry(
                    lambda ranges=ranges: self.http.values_batch_get(self.key, ranges, params=dict(READ_PARAMS)),
                    self.policy, "чтение",
                ) if ranges else {"valueRanges": []}
                break
            except Exception as exc:
                if not is_google_failure(exc):
                    raise
                error = store_error(exc, self.key, self.account)
                if isinstance(error, LayoutChanged) and attempt == 1:
                    continue
                raise error from exc
        tz = self._time_zone()
        answers = iter(payload.get("valueRanges", []))
        again = set()
        with self._lock:
            for tab, how, rs in plan:
                values = [next(answers, {}).get("values", []) for _ in rs]
                if how in ("tail", "quick"):
                    if not self._take_tail(tab, *values, started, tz, quick=how == "quick"):
                        again.add(tab)
                else:
                    self._take(tab, values[0], how == "whole", started, tz)
            for tab in full | tails | headers:
                if tab not in titles:
                    self._tabs[tab] = TabRead(data_at=started, full_at=started, layout_at=started,
                                              missing=self._missing_reason(tab))
            self._snapshot = None
        return again

    def parse_payload(self, payload: dict, tables: list[Table]) -> Snapshot:
        """A ``values:batchGet`` answer of whole tabs (``tables`` in its order) -> snapshot (benchmarks)."""
        with self._lock:
            at, tz = self._clock(), self._time_zone()
            for table, value_range in zip(tables, payload.get("valueRanges", [])):
                self._take(table.key, value_range.get("values", []), True, at, tz)
            self._snapshot = None
            return self._snapshot_now()

    def _missing_reason(self, tab: str) -> str:
        title = self.schema[tab].title
        now = self._renamed.get(title)
        if now:
            return f"лист «{title}» переименован в «{now}»: верните название (или выполните «python -m lib.cli bootstrap-sheet»)"
        return f"лист «{title}» не найден (удалён или переименован?) — выполните «python -m lib.cli bootstrap-sheet»"

    def _time_zone(self) -> dt.tzinfo:
        name = (self._meta or {}).get("properties", {}).get("timeZone") or "UTC"
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return dt.UTC

    def _take(self, tab: str, values: list[list], whole: bool, at: float, tz: dt.tzinfo) -> None:
        table = self.schema[tab]
        header = values[0] if values else []
        positions = self._layout_of(table, header)
        read = self._tabs.get(tab) or TabRead()
        read.layout, read.layout_at, read.missing = positions[1], at, None
        read.duplicated = [k for k, where in positions[0].items() if len(where) > 1]
        if whole:
            digest = _digest(values)
            read.data_at = read.full_at = at
            self._caught_up(tab, at)
            if digest == read.digest and read.typed is not None and read.last_row == len(values):
                self._seen(read, read.save_ids, at, grew=False)  # the same cells as the last whole read: nothing to type again
            else:
                parsed = self._parsed(table, values, positions[0], digest, tz)
                self._max_seq = max(self._max_seq, parsed.max_seq)  # claims of unsigned rows too: a fix orders after them
                read.typed, read.cell_problems, read.last_row, read.digest = parsed.typed, list(parsed.problems), len(values), digest
                read.changes, read.bad_rows, read.parsed = list(parsed.changes), list(parsed.bad_rows), parsed
                self._seen(read, list(parsed.save_ids), at, grew=True)
        self._tabs[tab] = read

    def _parsed(self, table: Table, values: list[list], positions: dict, digest: bytes, tz: dt.tzinfo) -> _Parsed:
        """The tab's cells typed and checked (``_Parsed``): taken from another store of this process that holds the very
        same cells, else made here."""
        memo = (id(self.schema), table.key, digest, self.secrets.signing_key(), str(tz))
        with _PARSED_LOCK:
            parsed = _PARSED.get(memo)
        if parsed is not None:
            return parsed
        rows = values[1:]  # changed in place: typed moments become text, cells typed over go back to their seals
        self._serials_to_text(table, positions, rows, tz)
        found, broken = self._unsealed(table, positions, rows, 2)
        typed, problems = cells_to_frame(table, values[0] if values else [], rows)
        changes = self._changes(table, typed, found)
        problems += broken
        max_seq = _latest(typed)
        bad_rows: list[dict] = []
        if table.signed:
            typed, unsigned, bad_rows = self._verified(table, typed)
            problems += unsigned
        parsed = _Parsed(typed, tuple(problems), tuple(changes), tuple(bad_rows), tuple(_column(rows, positions.get("save_id"))),
                         max_seq)
        with _PARSED_LOCK:
            _PARSED[memo] = parsed
        return parsed

    @staticmethod
    def _layout_of(table: Table, header: list) -> tuple[dict, list[str | None]]:
        positions = header_positions(table, header)
        layout: list[str | None] = [None] * len(header)
        for k, where in positions.items():
            for i in where:
                layout[i] = k
        return positions, layout

    def _take_tail(self, tab: str, header: list, ids: list, rows: list, at: float, tz: dt.tzinfo, quick: bool = False) -> bool:
        """The rows after those read before, if those are still where they were: the same header, the same
        «Код сохранения» in every row read before (``quick``: in the last ``TAIL_EDGE`` of them), and no row of
        the tail one that was read before. False: the tab must be read whole."""
        table = self.schema[tab]
        read = self._tabs[tab]
        header = header[0] if header else []
        positions, layout = self._layout_of(table, header)
        if layout != read.layout:
            return False  # a column moved, inserted or renamed: where the ids are is not known
        first = tail_check_first(read.last_row, quick)
        before = [_cell(r[0]) if r else "" for r in ids] + [""] * (read.last_row - first + 1 - len(ids))
        if before != read.save_ids[first - 2:]:
            return False  # rows sorted, inserted, deleted or cleared: the rows read before are not where they were
        known = set(read.save_ids) - {""}
        if known.intersection(_column(rows, positions.get("save_id"))):
            return False  # a row read before is now after them: rows were moved
        read.layout_at = read.data_at = at
        self._caught_up(tab, at)  # another process's save only appends: its rows are in the tail
        if rows:
            self._serials_to_text(table, positions, rows, tz)
            found, broken = self._unsealed(table, positions, rows, read.last_row + 1)
            added, problems = cells_to_frame(table, header, rows, first_row=read.last_row + 1)
            problems = [p for p in problems if p.row != 1]  # the header's own problems were listed by the whole read
            read.changes = read.changes + self._changes(table, added, found)
            problems += broken
            self._max_seq = max(self._max_seq, _latest(added))
            read.typed = concat_rows([read.typed, added]) if len(read.typed) else added
            read.parsed = None  # the whole read's rows are in read.typed now; let them go with it
            read.cell_problems = read.cell_problems + problems
            read.last_row += len(rows)
            read.digest = None  # the whole-read digest no longer describes what is held
            self._seen(read, read.save_ids + _column(rows, positions.get("save_id")), at, grew=True)
        else:
            self._seen(read, read.save_ids, at, grew=False)
        return True

    def _caught_up(self, tab: str, started: float) -> None:
        """The tab's rows were brought up to date by a read sent at ``started``: if that was after another
        process's save was seen, the tab is no longer behind it (a read already under way then is not enough)."""
        if started >= self._behind_since:
            self._behind.discard(tab)

    @staticmethod
    def _seen(read: TabRead, save_ids: list, started: float, *, grew: bool) -> None:
        """The rows read (a read sent at ``started``) have these «Код сохранения». A row this process wrote
        is pending until a read returns it; one written before the read was sent and not in it was removed
        from the sheet (by a person); one written while the read was under way may simply not be in it yet."""
        read.save_ids = save_ids
        if read.pending:
            present = set(save_ids)
            kept = [(at, r) for at, r in read.pending if r.get("save_id") not in present and at >= started]
            grew |= len(kept) != len(read.pending)
            read.pending = kept
        read.dirty |= grew

    @staticmethod
    def _serials_to_text(table: Table, positions: dict, rows: list[list], tz: dt.tzinfo) -> None:
        """A moment a person typed (Google stores a serial number in the sheet's time zone) -> ISO text."""
        for c in table.columns:
            if c.type != "datetime":
                continue
            for i in positions.get(c.key, []):
                for row in rows:
                    if i < len(row) and type(row[i]) in (int, float):
                        local = SHEETS_EPOCH + dt.timedelta(days=row[i])
                        row[i] = local.replace(tzinfo=tz).astimezone(dt.UTC).isoformat(timespec="seconds")

    def _unsealed(self, table: Table, positions: dict, rows: list[list], first_row: int) -> tuple[list[tuple], list[CellProblem]]:
        """Rows whose cells differ from what their «Печать» says the app wrote: the written cell goes back in
        its place (the saved value stays current) and the change is returned as (sheet row, column key, saved
        cell, typed cell, save id). A seal that is not the app's for its row is a problem; that row reads as it is."""
        at = positions.get("seal") if table.sealed else None
        if not at:
            return [], []
        key = self.secrets.signing_key()
        columns = signing.sealed_columns(table)
        data_keys, system_keys = columns
        found, broken = [], []
        seal_at = at[0]
        first = {k: where[0] for k, where in positions.items() if where}  # a column's cell: its first place in the header
        data_at = [(k, first[k], positions[k]) for k in data_keys if k in first]  # a data column not in the sheet: nothing typed over
        system_at = [(k, first.get(k)) for k in system_keys]
        save_id_at = first.get("save_id")
        same_cell, unseal = signing.same_cell, signing.unseal

        def cell(row: list, i: int | None):
            return row[i] if i is not None and i < len(row) else None

        for n, row in enumerate(rows):
            text = row[seal_at] if seal_at < len(row) else None
            if text is None or text == "":
                continue  # not written by the app with a seal: the rule of rows typed by hand (lib.core.frames.versioned)
            sealed = unseal(key, table, text, {k: cell(row, i) for k, i in system_at}, columns)
            if sealed is None:
                broken.append(CellProblem(table.title, first_row + n, table.column("seal").title, "", SEAL_BROKEN))
                continue
            for k, i, where in data_at:
                typed = cell(row, i)
                if same_cell(sealed[k], typed):
                    continue
                found.append((first_row + n, k, sealed[k], typed, cell(row, save_id_at)))
                for j in where:
                    if j >= len(row):
                        row.extend([None] * (j + 1 - len(row)))
                    row[j] = sealed[k]
        return found, broken

    def _changes(self, table: Table, typed: pd.DataFrame, found: list[tuple]) -> list[ManualChange]:
        if not found:
            return []
        by_row = {int(r): i for i, r in enumerate(typed["row"])}
        out = []
        for row, k, was, now, save_id in found:
            i = by_row.get(row)
            values = tuple(None if pd.isna(typed[c].iloc[i]) else typed[c].iloc[i] for c in table.record_key) if i is not None else ()
            record = " · ".join(fmt.shown(table.column(c), v) for c, v in zip(table.record_key, values, strict=False))
            column = table.column(k)
            out.append(ManualChange(table.key, row, _cell(save_id), values, record, k, column.title, fmt.shown_cell(was, column),
                                    fmt.shown_cell(now, column), now))
        return out

    @staticmethod
    def _current_changes(table: Table, read: TabRead) -> list[ManualChange]:
        """The changes, each marked whether its row is still its record's current version: only those are
        listed in «Проблемы» and may be accepted (one typed over an earlier version changes no figure; both
        go to the audit log)."""
        latest = current_versions(table, read.versions)
        current = set(zip(*(latest[k] for k in table.record_key), latest["save_id"]))
        return [replace(c, current=(*c.key, c.save_id) in current) for c in read.changes]

    @staticmethod
    def _change_problem(table: Table, change: ManualChange) -> CellProblem:
        return CellProblem(table.title, change.row, change.column, change.now,
                           f"{MANUAL_CHANGE}: «{change.column}», было {change.was} → стало {change.now} (запись «{change.record}»). "
                           "Учтено значение, сохранённое приложением; принять изменение может координатор на странице «Обзор»")

    def _verified(self, table: Table, typed: pd.DataFrame) -> tuple[pd.DataFrame, list[CellProblem], list[dict]]:
        """Rows of a signed tab that carry the app's signature; the others are reported and set aside."""
        if typed.empty:
            return typed, [], []
        key = self.secrets.signing_key()
        records = frame_records(table, typed)
        good = [signing.verify(key, table, r) for r in records]
        problems = [CellProblem(table.title, int(row), "", "", UNSIGNED) for row, ok in zip(typed["row"], good) if not ok]
        bad = [r for r, ok in zip(records, good) if not ok]
        return typed[np.array(good, dtype=bool)].reset_index(drop=True), problems, bad

    def _versions(self, table: Table, typed: pd.DataFrame, read: TabRead) -> pd.DataFrame:
        """Versions of a tab; on a signed tab, records whose latest row is not the app's are held in the
        state that grants nothing (``signing.SAFE_STATE``) and reported."""
        frame, read.version_problems, read.notes = versioned(table, typed)
        if table.signed:
            good = frame_records(table, frame)
            held = signing.quarantined(table, good, read.bad_rows, self.secrets.ledger(self._ledger_of(table.key)))
            if held:
                keep = np.array([signing.record_text(table, r) not in held for r in good], dtype=bool)
                frame = frame[keep].reset_index(drop=True)
                safe = signing.SAFE_STATE.get(table.key)
                if safe:
                    frame = self._safe_rows(table, frame, held, safe)
                read.version_problems = read.version_problems + [
                    CellProblem(table.title, 0, "", "", signing.quarantine_message(table, k, why)) for k, why in held.items()]
        if table.key == "users":
            frame = self._with_hashes(frame)
        return frame

    def _safe_rows(self, table: Table, frame: pd.DataFrame, held: dict[str, str], safe: dict) -> pd.DataFrame:
        rows = []
        for k in held:
            values = dict(zip(table.record_key, k.split(" · ")))
            rows.append(record_cells(table, {**values, **safe, "saved_at": now_utc(), "saved_by": "приложение",
                                             "save_id": signing.QUARANTINE_ID}))
        added, _ = cells_to_frame(table, table.keys, rows, first_row=0, machine_rows=True)
        added["version"] = [int((frame[table.record_key[0]] == r[0]).sum()) + 1 for r in rows]
        return concat_rows([frame, added])

    def _with_hashes(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Password hashes live on the server (``ServerSecrets``): each version gets the hash set by it
        or by the latest earlier version of the same login."""
        if frame.empty:
            return frame
        hashes = self.secrets.hashes()
        out, latest = [], {}
        for login, save_id in zip(frame["login"], frame["save_id"]):
            k = str(login).lower()
            found = hashes.get((k, save_id))
            if found:
                latest[k] = found
            out.append(latest.get(k))
        frame = frame.copy()
        frame["password_hash"] = pd.array(out, dtype="str")
        return frame

    def _closed_to_hands(self, tables: dict[str, pd.DataFrame], problems: list, notes: list) -> None:
        """In a closed quarter nothing changes without the coordinator: a row typed by hand (no «Код сохранения»)
        whose period falls in a closed quarter is not counted, even where the rule «введено вручную» would count
        it (a record with no version saved by the app), and is listed. The frames are replaced, not changed."""
        locks = tables.get("locks")
        if locks is None or locks.empty:
            return
        latest = current_versions(self.schema["locks"], locks)
        closed = {str(q) for q in latest.loc[latest["locked"].fillna(False).astype(bool).to_numpy(), "quarter"]}
        if not closed:
            return
        for table in self.schema:
            period = table.access.period
            frame = tables.get(table.key)
            if not period or frame is None or frame.empty:
                continue
            typed = frame["save_id"].isna().to_numpy()
            if not typed.any():
                continue
            quarters = [_quarter(v) for v in frame[period]]
            drop = typed & np.array([q in closed for q in quarters], dtype=bool)
            if not drop.any():
                continue
            cached = self._closed_cache.get(table.key)
            if cached is not None and cached[0] is frame and cached[1] == closed:
                tables[table.key] = cached[2]
            else:
                kept = frame[~drop].reset_index(drop=True)
                self._closed_cache[table.key] = (frame, set(closed), kept)
                tables[table.key] = kept
            dropped = {int(r) for r in frame.loc[drop, "row"]}
            notes[:] = [n for n in notes if not (n.tab == table.title and n.row in dropped and n.kind == "manual")]
            for row, q in zip(frame.loc[drop, "row"], np.array(quarters, dtype=object)[drop]):
                problems.append(CellProblem(table.title, int(row), "", "", f"введено вручную в закрытом квартале {q} — не учтено: "
                                            "данные закрытого квартала меняет только координатор через приложение"))

    def _snapshot_now(self) -> Snapshot:
        """The cached snapshot, with the rows this process wrote since the last read (call under the lock)."""
        if self._snapshot is not None:
            return self._snapshot
        previous = self._previous
        for table in self.schema:
            read = self._tabs.get(table.key)
            if read is None or read.typed is None or not (read.dirty or read.versions is None):
                continue
            rows = read.typed
            if read.pending:
                cells = [record_cells(table, r) for _, r in read.pending]
                added, _ = cells_to_frame(table, table.keys, cells, first_row=read.last_row + 1, machine_rows=True)
                rows = concat_rows([rows, added]) if len(rows) else added
            read.versions, read.dirty = self._versions(table, rows, read), False
        tables, problems, notes, changes = {}, [], [], []
        for table in self.schema:
            read = self._tabs.get(table.key)
            if read is not None and read.versions is not None and read.changes:
                found = self._current_changes(table, read)
                changes += found
                problems += [self._change_problem(table, c) for c in found if c.current]
            if read is None or read.versions is None:
                tables[table.key] = empty_frame(table)
                if read is not None and read.missing:
                    problems.append(CellProblem(table.title, 0, "", "", read.missing))
                continue
            tables[table.key] = read.versions
            problems += read.cell_problems + read.version_problems
            notes += read.notes
        self._closed_to_hands(tables, problems, notes)
        setup = self.setup_problems()
        if (previous is not None and all(previous.tables.get(t) is f for t, f in tables.items())
                and previous.problems == problems and previous.notes == notes and previous.setup == setup
                and previous.changes == changes):
            self._snapshot = previous  # nothing changed: the same object, so per-snapshot results (lib.core.memo) stay
            return previous
        snapshot = Snapshot(tables, problems, self.schema, notes, setup, changes)
        if previous is not None:  # tabs that did not change keep their computed current versions
            snapshot._current.update({t: f for t, f in previous._current.items() if previous.tables.get(t) is tables[t]})
        self._snapshot = self._previous = snapshot
        return snapshot

    # ---- writing -------------------------------------------------------

    def save(self, changes: Mapping[str, Sequence[Mapping]], user: str, *, keep_system: bool = False) -> SaveReceipt:
        return self._transact(user, None, tabs=(), keep_system=keep_system, changes=changes)

    def transact(
        self,
        user: str,
        build: Callable[[Snapshot], Mapping[str, Sequence[Mapping]]],
        *,
        tabs: Collection[str] | None = None,
    ) -> SaveReceipt:
        return self._transact(user, build, tabs=tabs)

    def _transact(self, user, build, *, tabs, keep_system: bool = False, changes=None) -> SaveReceipt:
        """Queue the save; the first in the queue gathers the others and writes them all (``_run_batch``)."""
        save = PendingSave(user, build, None if tabs is None else frozenset(tabs), keep_system, changes,
                           arrived=time.monotonic(), clicked=self.policy.clock())
        told = ""
        with self._queue_ready:
            self._queue.append(save)
            if self._leading and not save.done:
                save.status = "Сохранение ждёт: записывается сохранение другого пользователя, это сохранение идёт следующим."
            while not save.done and self._leading:  # a batch is being read or written: this save joins the next
                if save.status != told:
                    told = save.status
                    report_progress(told)  # this session's page says why it waits (the leader's thread waits for it)
                self._queue_ready.wait(0.25)
            if save.done:
                return save.outcome()
            self._leading = True
        try:
            self._gather()
            with self._queue_ready:
                batch, self._queue = self._queue, []
            self._run_batch(batch)
        finally:
            with self._queue_ready:
                self._leading = False
                self._queue_ready.notify_all()
        return save.outcome()

    def _gather(self) -> None:
        """Wait until ``save_window`` seconds after the oldest waiting save arrived (wall time): saves of
        other sessions arriving meanwhile go in the same batch. A save that waited for the previous batch
        has used up its window already, so it never waits twice. A plain ``save`` (a copy's chunks, the
        demo: one command writing in turn, nobody to wait for) does not wait."""
        with self._queue_ready:
            deadline = self._queue[0].arrived + (self.save_window if self._queue[0].build is not None else 0.0)
            while (left := deadline - time.monotonic()) > 0:
                self._queue_ready.wait(left)

    def _run_batch(self, batch: list[PendingSave]) -> None:
        """Near-simultaneous saves as one: one fresh read, each save decided **in turn** on it with the
        earlier saves of the batch applied (two edits of one record with one base: the second is a
        ``Conflict`` showing the first), the saves that pass in **one** ``spreadsheets:batchUpdate``.

        Google applies a batchUpdate atomically: "Each request is validated before being applied. If any
        request is not valid then the entire request will fail and nothing will be applied. … it is
        guaranteed that the updates in the request will be applied together atomically"
        (https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets/batchUpdate).
        So when the write fails every save of the batch gets the error and none is half-written; a save
        refused by its own checks gets its own error and the others go on. Every save is resolved, one
        way or the other, before this returns (nobody waits for ever)."""
        try:
            self._decide_and_write(batch)
        except BaseException as exc:
            for save in batch:
                if not save.done:
                    save.fail(exc)
            if not isinstance(exc, Exception):
                raise
        finally:
            for save in batch:
                if not save.done:  # defensive: a path that resolved nothing must not leave a session waiting
                    save.fail(StoreError("Сохранение прервано. Введённое осталось на экране: сохраните ещё раз."))

    def _decide_and_write(self, batch: list[PendingSave]) -> None:
        wanted: set[str] = set()
        for save in batch:
            wanted |= set(self.schema.tables) if save.tabs is None else save.tabs
        decides = any(save.build is not None for save in batch)
        clicked = [s.clicked for s in batch if s.clicked is not None]
        with Budget(self.policy, started=min(clicked, default=None), on_wait=self._telling(batch)) as budget, \
                self._locked(budget), self.secrets.turn(self._lock_wait(budget), on_wait=budget.tell) as turn:
            if budget.left() < self._min_save_time():
                raise StoreUnavailable(
                    f"Сохранение ждало своей очереди {budget.elapsed():.0f} с и не успело бы за отведённые "
                    f"{self.policy.budget:.0f} с. Данные не сохранены, введённое осталось на экране — сохраните ещё раз.")
            self.metadata()
            if self.archived_to():
                raise StoreError(f"Эта Google Таблица — архив прошлого года: данные ведутся в таблице {self.archived_to()}. "
                                 "Укажите её адрес в настройках (DEBT_STORE / [store] url). Ничего не записано.")
            with self._lock:
                if self._manual_change_rows(self._snapshot_now()):
                    wanted |= {"audit"}  # findings to record with this write: the audit log read fresh, so none twice
            for attempt in (1, 2):
                now = self._clock()
                with self._lock:
                    if turn.seen != self._turn_seen:  # another process of this server saved since: none of our reads will do
                        self._behind, self._behind_since = set(self.schema.tables), now
                    self._turn_seen = turn.seen
                    plan = self._save_reads(wanted, now, decides)
                if any(plan):
                    with self._read_lock:
                        with self._lock:  # a read sent after this save asked (another session's, waited for) is as fresh as its own
                            plan = self._save_reads(wanted, now, decides)
                        if any(plan):
                            self._read(*plan, quiet=self._long(plan[1]) and self._quiet(turn.seen))
                decided = self._decide(batch)
                if attempt == 1 and self._clock() - now > self.write_freshness:
                    continue  # deciding a large batch outlasted write_freshness: decide again on a fresh read
                break
            rows: dict[str, list[dict]] = {}
            accepted: list[tuple[PendingSave, SaveReceipt]] = []
            for save, outcome in decided:
                if isinstance(outcome, Exception):
                    save.fail(outcome)
                elif not outcome[0]:
                    save.succeed(outcome[1])
                else:
                    for tab, records in outcome[0].items():
                        rows.setdefault(tab, []).extend(records)
                    accepted.append((save, outcome[1]))
            noted = self._noting(rows, decided)
            if accepted or noted:
                marker = accepted[-1][1].save_id if accepted else rows["audit"][-1]["save_id"]
                turn.stamp = self._turn_seen = marker  # before the write: a failed one may still land
                # after a lost answer the request is looked for by one save id of it: it lands whole or not at all
                try:
                    self._write(rows, marker)
                except BaseException:
                    self._logged -= noted
                    raise
                after = self._file_version() if self._long(rows) else None  # as this write left it: the next save's ``_quiet``
                if after:
                    turn.stamp = self._turn_seen = f"{marker} {after}"
            for save, receipt in accepted:
                save.succeed(receipt)

    def _long(self, tabs: Collection[str]) -> bool:
        """Is one of these tabs long enough (``QUICK_MIN_ROWS``) for a save to ask Drive's version (``_quiet``)?"""
        with self._lock:
            return any((read := self._tabs.get(t)) is not None and read.last_row >= QUICK_MIN_ROWS for t in tabs)

    def _quiet(self, seen: str) -> bool:
        """Has only this server changed the spreadsheet since its latest save? The stamp of the server's turn
        (``ServerSecrets.turn``) holds that save's id and the Drive ``version`` read right after its write; the
        same version now means nobody — no person, no other server — changed anything since, and this server's
        saves only append rows. Then a save's read checks the last rows read before, not all of them
        (``tail_check_first``). Without the Drive check (not enabled), or after any other change: False."""
        _, _, after = seen.partition(" ")
        if not after:
            return False
        now = self._file_version()
        return now is not None and now == after

    def _noting(self, rows: dict[str, list[dict]], decided: list) -> set[str]:
        """The values typed over saved rows that the audit log does not hold yet join the batch's write (in
        ``rows``, as one more save of the app, after the batch's own): recorded by the next save, in its own
        request, never by a read. Only when some save of the batch went through its checks (a refused batch
        writes nothing). The event ids taken (``_logged``, dropped again if the write fails)."""
        if not any(not isinstance(outcome, Exception) for _, outcome in decided):
            return set()
        with self._lock:
            if not self._snapshot_now().changes:
                return set()  # nothing typed over: the batch's view is not built
        found = self._manual_change_rows(self._view(rows))
        if not found:
            return set()
        floor = max([self._max_seq] + [r["save_seq"] for records in rows.values() for r in records if r.get("save_seq")])
        try:
            prepared, _ = self.prepare({"audit": found}, AUDIT_USER, floor=floor)
        except Exception as exc:  # listed in «Проблемы» all the same; the save itself goes on
            logging.getLogger(__name__).warning("изменения в таблице не записаны в журнал: %s", exc)
            return set()
        rows.setdefault("audit", []).extend(prepared["audit"])
        events = {r["event_id"] for r in found}
        self._logged |= events
        return events

    def _telling(self, batch: list[PendingSave]) -> Callable[[str], None]:
        """Why the batch waits, told to every save of it: the leader's session at once (its thread runs the
        batch), the others when their threads next look (``_transact``)."""
        def tell(message: str) -> None:
            with self._queue_ready:
                for save in batch:
                    save.status = message
                self._queue_ready.notify_all()
            report_progress(message)
        return tell

    def _min_save_time(self) -> float:
        return min(MIN_SAVE_TIME, self.policy.budget / 4)

    def _lock_wait(self, budget: Budget) -> float:
        """How long a save may wait for the server's other processes: what its budget leaves for the save itself."""
        return max(budget.left() - self._min_save_time(), 0.0)

    @contextmanager
    def _locked(self, budget: Budget):
        """This process's write lock, waited for at most what the save's budget leaves (never for ever)."""
        if not self._write_lock.acquire(timeout=self._lock_wait(budget)):
            raise StoreUnavailable("Сохранение не дождалось своей очереди за отведённое время. Данные не сохранены, "
                                   "введённое осталось на экране — сохраните ещё раз.")
        try:
            yield
        finally:
            self._write_lock.release()

    def _decide(self, batch: list[PendingSave]) -> list[tuple[PendingSave, Exception | tuple[dict, SaveReceipt]]]:
        """Each save of the batch decided in turn on the cached snapshot plus the saves accepted before it:
        its validated rows and receipt, or its own refusal (rules, conflict, validation) — the others go on."""
        rows: dict[str, list[dict]] = {}  # the rows of the saves accepted so far, in order
        floor = self._max_seq
        out = []
        for save in batch:
            try:
                changes = save.build(self._view(rows)) if save.build is not None else save.changes
                prepared, receipt = self.prepare(changes, save.user, keep_system=save.keep_system, floor=floor)
            except Exception as exc:
                out.append((save, exc))
                continue
            out.append((save, (prepared, receipt)))
            for tab, records in prepared.items():
                rows.setdefault(tab, []).extend(records)
            floor = max([floor] + [r["save_seq"] for records in prepared.values() for r in records if r.get("save_seq")])
        return out

    def _view(self, rows: dict[str, list[dict]]) -> Snapshot:
        """The cached snapshot as it will be once ``rows`` (earlier saves of this batch) are written; the
        cache itself is not touched (the write may still fail). The rows are appended as the latest
        versions of their records — they are: each save's sequence number is above every one seen — so
        a save is decided on the current versions without typing and versioning the whole tab again."""
        with self._lock:
            base = self._snapshot_now()
        if not rows:
            return base
        tables = dict(base.tables)
        for tab, records in rows.items():
            table, read = self.schema[tab], self._tabs.get(tab)
            if read is None or read.typed is None:
                continue  # not read: no save of the batch decides on it
            secret = dict.fromkeys(c.key for c in table.columns if c.secret)  # a hash never sits in a frame
            added, _ = cells_to_frame(table, table.keys, [record_cells(table, {**r, **secret}) for r in records],
                                      first_row=0, machine_rows=True)
            frame = concat_rows([tables[tab], added]) if len(tables[tab]) else added
            frame["version"] = frame.groupby(list(table.record_key), dropna=False, sort=False).cumcount().astype("int64") + 1
            tables[tab] = frame
        view = Snapshot(tables, base.problems, self.schema, base.notes, base.setup, base.changes)
        view._current.update({t: f for t, f in base._current.items() if tables[t] is base.tables.get(t)})  # unchanged tabs
        return view

    def _save_reads(self, wanted: set[str], now: float, decides: bool) -> tuple[set[str], set[str], set[str]]:
        """What a save asked at ``now`` must read first: (whole tabs, tails, header rows).

        The tabs the decision reads, unless brought up to date within write_freshness: a tab read whole
        before, only what changed since (its tail: rows after those read, which are checked to be where
        they were); a signed tab (users, locks, returns…: small) whole, as its signatures and ledger are
        checked on the whole tab. For a person's save (``decides``), in the same request, every tab the
        cache would re-read anyway or within the next sixth of cache_ttl (``TTL_FOLD``), so the page shown after it needs no
        request. The other tabs' header rows, so every write goes under the headers as they are (a plain
        save — a copy, the demo — reads nothing but headers)."""
        stale = {t for t in wanted if t in self._behind or not self._fresh(t, now, "data")}
        full = {t for t in stale if self.schema[t].signed}
        if decides:
            full |= self._ttl_due(now, ahead=self.cache_ttl * TTL_FOLD)
        tails = stale - full
        heads = {t for t in self.schema.tables if not self._fresh(t, now, "layout")} - full - tails
        return full, tails, heads

    def _fresh(self, tab: str, now: float, what: str, within: float | None = None) -> bool:
        """Was the tab's ``what`` — its rows brought up to date (``data``), it read whole (``whole``), its
        header row (``layout``) — read within ``within`` seconds (default: ``write_freshness``)?"""
        read = self._tabs.get(tab)
        stamp = None if read is None else {"data": read.data_at, "whole": read.full_at, "layout": read.layout_at}[what]
        return stamp is not None and now - stamp <= (self.write_freshness if within is None else within)

    def _layout(self, tab: str) -> list[str | None]:
        read = self._tabs.get(tab)
        table = self.schema[tab]
        if read is None or read.missing:
            raise StoreError(f"В Google Таблице нет листа «{table.title}»: {read.missing if read else ''}. Данные не сохранены.")
        if read.duplicated:
            titles = ", ".join(f"«{table.column(k).title}»" for k in read.duplicated)
            raise StoreError(f"В листе «{table.title}» несколько столбцов с заголовком {titles}: приложение не знает, в "
                             "какой писать. Оставьте один столбец с таким заголовком. Данные не сохранены.")
        missing = [c.title for c in table.columns if c.key not in read.layout and not c.secret]
        if missing:
            raise StoreError(
                f"В листе «{table.title}» нет столбцов {', '.join('«' + m + '»' for m in missing)}: "
                "выполните bootstrap-sheet. Данные не сохранены."
            )
        return read.layout

    def _write(self, rows: dict[str, list[dict]], save_id: str) -> None:
        """Hashes to the server, signatures on system rows, then one appendCells batch."""
        key = self.secrets.signing_key()
        hashes = []
        for tab, records in rows.items():
            table = self.schema[tab]
            for r in records:
                for c in table.columns:
                    if c.secret and r.get(c.key):
                        hashes.append((r["login"], r["save_id"], r[c.key]))
                        r[c.key] = None
                if table.signed:
                    r["signature"] = signing.sign(key, table, r)
                elif table.sealed:
                    r["seal"] = None
                    r["seal"] = signing.seal(key, table, dict(zip(table.keys, record_cells(table, r))))
        layouts = {tab: self._layout(tab) for tab in rows}
        self.secrets.put_hashes(hashes)
        ids = {tab: self._sheet_id(tab) for tab in rows}
        requests = [
            {"appendCells": {"sheetId": ids[tab], "fields": "userEnteredValue",
                             "rows": [{"values": [_cell_data(v) for v in record_cells(self.schema[tab], r, layouts[tab])]}
                                      for r in records]}}
            for tab, records in rows.items()
        ]
        first = next(iter(rows))
        marker = rows[first][-1]["save_id"]
        try:
            answer = self._send(self._with_headers({"requests": requests}, rows), first, marker)
            self._landed_right(rows, layouts, ids, answer)
        except LayoutChanged as exc:
            self.invalidate()
            titles = self._titles_of(self.metadata(refresh=True))
            gone = [f"«{self.schema[t].title}»" for t in rows if t not in titles]
            raise StoreError(f"Лист {', '.join(gone) or ''} удалён или заменён, пока шло сохранение: выполните "
                             "«python -m lib.cli bootstrap-sheet». Данные не сохранены.") from exc
        except BaseException:
            self.invalidate()
            raise
        for tab, records in rows.items():
            if self.schema[tab].signed:
                table = self.schema[tab]
                self.secrets.record_written(self._ledger_of(tab), signing.ledger_entries(table, records))
        self._merge(rows)

    # ---- the header checked in the write's own round trip -------------------------------------------

    def _with_headers(self, body: dict, tabs: Collection[str]) -> dict:
        """A batchUpdate that answers with the header rows of ``tabs`` as they are right after it was applied
        (``includeSpreadsheetInResponse`` + ``responseRanges``, BatchUpdateSpreadsheetRequest:
        https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets/batchUpdate#request-body). The
        batch is applied atomically, so that header is the one the rows landed under: a column a person
        inserted or moved at any moment before is seen, in the same round trip (``_landed_right``)."""
        titles = self.titles()
        return {**body, "includeSpreadsheetInResponse": True, "responseIncludeGridData": True,
                "responseRanges": [f"{a1_tab(titles.get(t, self.schema[t].title))}!1:1" for t in tabs]}

    @staticmethod
    def _headers_in(answer: dict | None) -> dict[int, list]:
        """sheetId -> the header row's texts, from a batchUpdate's ``updatedSpreadsheet`` (GridData)."""
        out = {}
        for sheet in ((answer or {}).get("updatedSpreadsheet") or {}).get("sheets", []) or []:
            data = (sheet.get("data") or [{}])[0]
            row = ((data.get("rowData") or [{}])[0] or {}).get("values", []) or []
            out[sheet.get("properties", {}).get("sheetId", 0)] = [c.get("formattedValue", "") for c in row]
        return out

    def _garbled(self, tab: str, layout: list, header: list) -> list | None:
        """The tab's layout now, if rows written under ``layout`` do not sit under their headers in it; else None."""
        now = self._layout_of(self.schema[tab], header)[1]
        same = all((layout[i] if i < len(layout) else None) == (now[i] if i < len(now) else None) for i in range(len(layout)))
        return None if same else now

    def _landed_right(self, rows: dict[str, list[dict]], layouts: dict[str, list], ids: dict[str, int], answer: dict | None) -> None:
        """Every tab of the write under the headers it was written for; else the rows are moved under the
        headers as they are now (repaired, again checked in the same round trip), at most ``REPAIRS`` times;
        failing that, removed, and the save refused. ``answer`` None (a lost answer, the save found by looking
        for it): the headers are read."""
        for attempt in range(REPAIRS + 1):
            headers = self._headers_in(answer) if answer is not None else self._read_headers(rows)
            wrong = {}
            for tab in rows:
                header = headers.get(ids[tab])
                if header is None:
                    header = self._read_headers([tab])[ids[tab]]
                now = self._garbled(tab, layouts[tab], header)
                if now is not None:
                    wrong[tab] = now
            if not wrong:
                return
            with self._lock:
                self._tabs = {t: r for t, r in self._tabs.items() if t not in wrong}  # their layout is read again
            places = {tab: self._find_rows(tab, rows[tab], layouts[tab]) for tab in wrong}
            if attempt == REPAIRS:
                self._remove_rows(places, ids)
                titles = ", ".join(f"«{self.schema[t].title}»" for t in wrong)
                raise StoreError(f"Пока шло сохранение, в листе {titles} раз за разом вставляли или переносили столбцы; "
                                 "записанные строки убраны. Данные не сохранены, введённое осталось на экране — сохраните ещё раз.")
            requests = []
            for tab, now in wrong.items():
                table = self.schema[tab]
                if any(c.key not in now for c in table.columns if not c.secret):
                    self._remove_rows({tab: places[tab]}, ids)
                    raise StoreError(f"Пока шло сохранение, из листа «{table.title}» удалили или переименовали столбец: "
                                     "записанные строки убраны. Выполните «python -m lib.cli bootstrap-sheet». Данные не сохранены.")
                width = max(len(now), len(layouts[tab]))
                for at, record in zip(places[tab], rows[tab]):
                    cells = record_cells(table, record, now) + [None] * (width - len(now))
                    requests.append({"updateCells": {
                        "range": {"sheetId": ids[tab], "startRowIndex": at, "endRowIndex": at + 1, "startColumnIndex": 0,
                                  "endColumnIndex": width},
                        "rows": [{"values": [_cell_data(v) for v in cells]}], "fields": "userEnteredValue"}})
                layouts[tab] = now
            answer = self._repair(self._with_headers({"requests": requests}, list(wrong)))

    def _batch_update(self, body: dict) -> dict:
        """spreadsheets.batchUpdate; with ``responseRanges``, the answer cut by a field mask to the header texts."""
        if not body.get("responseRanges"):
            return self.http.batch_update(self.key, body)
        return self.http.request("post", SPREADSHEET_BATCH_UPDATE_URL % self.key, json=body, params={"fields": HEADER_MASK}).json()

    def _repair(self, body: dict) -> dict:
        try:
            return call_with_retry(lambda: self._batch_update(body), self.policy, "исправление сохранения")
        except Exception as exc:
            if is_google_failure(exc):
                raise store_error(exc, self.key, self.account) from exc
            raise

    def _read_headers(self, tabs: Collection[str]) -> dict[int, list]:
        titles = self.titles()
        ranges = [f"{a1_tab(titles.get(t, self.schema[t].title))}!1:1" for t in tabs]
        answer = call_with_retry(lambda: self.http.values_batch_get(self.key, ranges, params=dict(READ_PARAMS)), self.policy, "чтение")
        return {self._sheet_id(t): ((vr.get("values") or [[]])[0]) for t, vr in zip(tabs, answer.get("valueRanges", []))}

    def _find_rows(self, tab: str, records: list[dict], layout: list) -> list[int]:
        """The 0-based sheet rows holding ``records`` as written under ``layout`` (looked for from the end: the
        rows were just appended). One whole read of the tab — only after a person changed its columns."""
        title = a1_tab(self.titles().get(tab, self.schema[tab].title))
        answer = call_with_retry(lambda: self.http.values_batch_get(self.key, [title], params=dict(READ_PARAMS)), self.policy, "чтение")
        values = (answer.get("valueRanges") or [{}])[0].get("values", []) or []
        table = self.schema[tab]
        found, taken = [], set()
        for record in records:
            wanted = [signing._seal_text(v) for v in record_cells(table, record, layout)]
            for i in range(len(values) - 1, 0, -1):
                row = [signing._seal_text(values[i][j]) if j < len(values[i]) else "" for j in range(len(wanted))]
                if i not in taken and row == wanted:
                    found.append(i)
                    taken.add(i)
                    break
            else:
                raise StoreError(f"Пока шло сохранение, в листе «{table.title}» переставили столбцы, и записанную строку "
                                 "не удалось найти, чтобы поставить значения под верные заголовки. Проверьте последние строки "
                                 "листа; сохраните ещё раз.")
        return found

    def _remove_rows(self, places: dict[str, list[int]], ids: dict[str, int]) -> None:
        requests = [{"deleteDimension": {"range": {"sheetId": ids[tab], "dimension": "ROWS", "startIndex": at, "endIndex": at + 1}}}
                    for tab, rows in places.items() for at in sorted(rows, reverse=True)]
        if requests:
            self._repair({"requests": requests})

    def _ledger_of(self, tab: str) -> str:
        """The server's ledger of a signed tab, per spreadsheet: one secrets file serves a new year's sheet too
        (rollover), whose records it has not written yet."""
        return f"{self.key}/{tab}"

    def _sheet_id(self, tab: str) -> int:
        title = self.titles().get(tab)
        sheet_id = self.sheet_ids().get(title) if title else None
        if sheet_id is None:
            raise StoreError(f"В Google Таблице нет листа «{self.schema[tab].title}». Данные не сохранены.")
        return sheet_id

    def _send(self, body: dict, first_tab: str, marker: str) -> dict | None:
        """Send once; after a lost answer look for the save before sending the same rows again. The answer,
        or None when the save was found by looking for it."""
        budget = Budget.current()
        delays = self.policy.delays()
        ambiguous = False
        while True:
            try:
                return self._batch_update(body)
            except Exception as exc:
                if not is_transient(exc):
                    if is_google_failure(exc):
                        raise store_error(exc, self.key, self.account) from exc
                    raise
                if not was_refused(exc):
                    ambiguous = True
                    if self._confirm(first_tab, marker, budget):
                        return None
                delay = self.policy.next_delay(exc, delays)
                if delay is None or not budget.wait(delay, waiting_reason(exc)):
                    if ambiguous:
                        raise StoreUnavailable(
                            f"Связь с Google Таблицей прервалась во время сохранения ({describe_failure(exc)}), и за "
                            f"{budget.elapsed():.0f} с подтвердить запись не удалось. Google может применить её в течение "
                            "трёх минут. Введённое осталось на экране: обновите страницу через 3–5 минут и проверьте, есть "
                            "ли запись; если нет — сохраните снова (повтор не создаст дубликат)."
                        ) from exc
                    raise StoreUnavailable(
                        f"Не удалось сохранить в Google Таблицу: {describe_failure(exc)}; пробовали "
                        f"{budget.elapsed():.0f} с. Данные не сохранены, введённое осталось на экране — попробуйте ещё раз "
                        "через минуту."
                    ) from exc

    def _confirm(self, tab: str, save_id: str, budget: Budget) -> bool:
        """Look for the save's id in its tab for up to ``confirm_window`` seconds (Google may still be
        applying the request); False if it did not appear."""
        started = budget.elapsed()
        wait = 1.0
        while True:
            try:
                if self.landed(tab, save_id):
                    return True
            except StoreUnavailable:
                pass
            if budget.elapsed() - started + wait > self.policy.confirm_window or not budget.wait(wait):
                return False
            wait = min(wait * 2, 8.0)

    def landed(self, tab: str, save_id: str) -> bool:
        """Is a row of this save already in the tab? (one read of the save_id column)"""
        letter = column_letter(self._layout(tab).index("save_id"))
        title = a1_tab(self.titles().get(tab, self.schema[tab].title))
        try:
            answer = self.http.values_get(
                self.key, f"{title}!{letter}:{letter}", params={"majorDimension": "COLUMNS", "valueRenderOption": "UNFORMATTED_VALUE"}
            )
        except Exception as exc:
            if is_google_failure(exc) and not is_transient(exc):
                raise store_error(exc, self.key, self.account) from exc
            if is_transient(exc):
                raise StoreUnavailable(describe_failure(exc)) from exc
            raise
        column = (answer.get("values") or [[]])[0]
        return save_id in column

    def _merge(self, rows: dict[str, list[dict]]) -> None:
        """The written rows join the cached tabs: the page after a save needs no new read."""
        with self._lock:
            written = self._clock()
            for tab, records in rows.items():
                read = self._tabs.get(tab)
                if read is not None and read.typed is not None:
                    read.pending += [(written, r) for r in records]
                    read.dirty = True
                self._max_seq = max([self._max_seq] + [r["save_seq"] for r in records if r.get("save_seq")])
            self._snapshot = None

    # ---- capacity --------------------------------------------------------

    def capacity(self):
        """Cells used of Google's 10 million per spreadsheet (the grid counts, empty cells too)."""
        from lib.store.capacity import measure

        if self._clock() - self._meta_at > 600:
            self.metadata(refresh=True)
        grid = {}
        titles = self.titles()
        by_title = {s["properties"]["title"]: s["properties"].get("gridProperties", {}) for s in self.metadata().get("sheets", [])}
        used = sum(g.get("rowCount", 0) * g.get("columnCount", 0) for g in by_title.values())
        for tab, title in titles.items():
            g = by_title.get(title, {})
            grid[tab] = g.get("columnCount", len(self.schema[tab].columns))
        return measure(self.read_all(), limit=CELL_LIMIT, used=used, widths=grid)

    # ---- setting up a spreadsheet -------------------------------------

    def bootstrap(self, time_zone: str | None = None) -> list[str]:
        from lib.store.sheets_setup import bootstrap

        return bootstrap(self, time_zone=time_zone)
