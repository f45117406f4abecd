"""The storage port: what the app needs from a store, whichever it is.

A store holds one tab per schema table. Rows are only ever appended: a
correction is a new row with the same record key, so the latest version is the
current one and the earlier ones are its history. Every row carries who saved
it, when, the id of the save it belongs to and the save's sequence number, which
orders the versions (never the row's position: people sort shared sheets).

Adapters implement ``read_all`` (every tab in one go), ``_write`` (one atomic
write of already validated rows) and, where the storage allows better than the
default, ``transact``; validation, stamping and the snapshot helpers live here so
both adapters behave the same.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from lib.core.frames import CellProblem, RowNote, current_versions, empty_frame, frame_records
from lib.core.parsing import ParseError, parse_value
from lib.core.schema import Schema, Table
from lib.core.schema import schema as project_schema

_progress = threading.local()


@contextmanager
def save_progress(listener: Callable[[str], None]):
    """While a save runs in this thread, ``listener`` is told (Russian text) each time it waits and why:
    behind another save, for the server's lock, for Google's per-minute quota (the page shows it)."""
    outer = getattr(_progress, "listener", None)
    _progress.listener = listener
    try:
        yield
    finally:
        _progress.listener = outer


def report_progress(message: str) -> None:
    """Tell this thread's save listener (``save_progress``), if any, why the save waits."""
    listener = getattr(_progress, "listener", None)
    if listener is not None:
        listener(message)


class StoreError(Exception):
    """A storage failure whose message (Russian) can be shown to the user as is."""


class StoreUnavailable(StoreError):
    """The store did not answer in time or refused for quota; nothing may have been written."""


@dataclass(frozen=True)
class FieldProblem:
    tab: str  # Russian title
    index: int  # 1-based position of the record in the save
    column: str  # Russian column title
    reason: str

    def __str__(self) -> str:
        return f"«{self.tab}», запись {self.index}, поле «{self.column}»: {self.reason}"


def not_saved(problems: list, shown: int = 5) -> str:
    """«Не сохранено, исправьте: …» with the first few problems and how many more there are."""
    lines = "; ".join(str(p) for p in problems[:shown])
    more = f" и ещё {len(problems) - shown}" if len(problems) > shown else ""
    return f"Не сохранено, исправьте: {lines}{more}"


class Conflict(StoreError):
    """The write was based on a state of the store that no longer holds: a record changed since the
    form was read, or an id that must be new is taken. Nothing was written.

    ``current`` is the record as it is now (canonical values), or None when it does not exist.
    """

    def __init__(self, message: str, *, tab: str, key: tuple, current: dict | None = None):
        self.tab, self.key, self.current = tab, key, current
        super().__init__(message)


class ValidationError(StoreError):
    def __init__(self, problems: list[FieldProblem]):
        self.problems = problems
        super().__init__(not_saved(problems))


@dataclass(frozen=True)
class SaveReceipt:
    save_id: str
    saved_at: str
    rows: dict[str, int]
    repeated: bool = False  # the same submission was stored before (its token): nothing was written now


class Prepared(dict):
    """What ``Store.transact``'s ``build`` hands back when the records of ``parsed`` tabs are already parsed
    (``prepare_records``): the store stamps them and does not parse them a second time. ``save_id``: the
    submission's token, stored as the save's id, so a repeated submission is recognised by every server
    process (``lib.saving.service``); None: a fresh id."""

    def __init__(self, changes: Mapping[str, Sequence[Mapping]], *, parsed: Collection[str] = (), save_id: str | None = None):
        super().__init__(changes)
        self.parsed = frozenset(parsed)
        self.save_id = save_id


@dataclass(frozen=True)
class ManualChange:
    """A value typed in the shared sheet over a row the app saved (its «Печать» says what was saved).

    The saved value stays current; the change is listed in «Проблемы» and in the audit log, and the
    coordinator may accept it (``lib.auth.access.accept_manual_change``): then it is saved as a new version."""

    tab: str  # table key
    row: int  # the sheet row
    save_id: str  # the save that wrote the row
    key: tuple  # the record key's values (canonical, as in the frames)
    record: str  # the record key as text
    field: str  # column key
    column: str  # column title
    was: str  # the saved value, as shown
    now: str  # the typed value, as shown
    cell: object  # the typed cell as Google sent it (accepting parses it like any typed value)
    current: bool = True  # the row is its record's current version (else the change touches history only)

    def __str__(self) -> str:
        return f"«{self.column}», было {self.was} → стало {self.now}"


@dataclass
class Snapshot:
    """Every tab as a typed frame of all versions, oldest first (``lib.core.frames.versioned``).

    ``problems``: cells and rows that were not understood or not counted; ``notes``: rows
    typed by hand and repeats of one save, listed for people («введено вручную»);
    ``setup``: what is wrong with the store itself (locale, protection, headers), Russian.
    Stores cache and share snapshots between callers: treat the frames as
    read-only (copy before changing one).
    """

    tables: dict[str, pd.DataFrame]
    problems: list[CellProblem] = field(default_factory=list)
    schema: Schema = field(default_factory=project_schema)
    notes: list[RowNote] = field(default_factory=list)
    setup: list[str] = field(default_factory=list)
    changes: list[ManualChange] = field(default_factory=list)  # values typed over saved rows (shared sheet): ``open_changes``
    _current: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    def all_versions(self, tab: str) -> pd.DataFrame:
        frame = self.tables.get(tab)
        return frame if frame is not None else empty_frame(self.schema[tab])  # not built on every call

    def current(self, tab: str) -> pd.DataFrame:
        if tab not in self._current:
            self._current[tab] = current_versions(self.schema[tab], self.all_versions(tab))
        return self._current[tab]

    def history(self, tab: str, **key) -> pd.DataFrame:
        """All versions of one record, oldest first (``key`` = its record key fields)."""
        table = self.schema[tab]
        missing = set(table.record_key) - set(key)
        if missing:
            raise KeyError(f"не заданы поля ключа {sorted(missing)}")
        frame = self.all_versions(tab)
        mask = pd.Series(True, index=frame.index)
        for k in table.record_key:
            mask &= frame[k] == key[k]
        return frame[mask.fillna(False)].reset_index(drop=True)

    def record(self, tab: str, **key) -> dict:
        """The current version of one record as plain values (dates, ints, None), ready to edit and save again."""
        latest = self.history(tab, **key).tail(1)
        if latest.empty:
            raise KeyError(f"{tab}: записи {key} нет")
        return frame_records(self.schema[tab], latest, with_system=False)[0]

    def counts(self) -> dict[str, tuple[int, int]]:
        """tab -> (records, rows including earlier versions)."""
        return {t: (len(self.current(t)), len(self.all_versions(t))) for t in self.schema.tables}

    def open_changes(self) -> list[ManualChange]:
        """Values typed over the current version of a saved row: listed, and the coordinator may accept them."""
        return [c for c in self.changes if c.current]

    def manual_rows(self) -> list[RowNote]:
        return [n for n in self.notes if n.kind == "manual"]

    def max_seq(self) -> int:
        """The latest save this snapshot has seen, as a sequence number (0 if none)."""
        latest = 0
        for frame in self.tables.values():
            if frame.empty:
                continue
            seq = frame["save_seq"].max() if "save_seq" in frame else None
            if seq is not None and not pd.isna(seq):
                latest = max(latest, int(seq))
            at = frame["saved_at"].dropna()
            if len(at):
                latest = max(latest, seq_of(at.max()))
        return latest


def seq_of(saved_at: str) -> int:
    """«Сохранено» (ISO 8601) as a sequence number: microseconds since 1970, UTC."""
    return int(dt.datetime.fromisoformat(saved_at).timestamp()) * 1_000_000


_seq_lock = threading.Lock()
_last_seq = 0


def next_seq(floor: int = 0) -> int:
    """A save's sequence number: the clock in microseconds, but always above ``floor`` (the latest
    version the save saw) and above any number this process handed out. So a correction is
    ordered after the version it was based on even if this server's clock is behind another's."""
    global _last_seq
    with _seq_lock:
        _last_seq = max(time.time_ns() // 1000, floor + 1, _last_seq + 1)
        return _last_seq


def now_utc() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def prepare_records(
    table: Table, records: Sequence[Mapping], user: str, save_id: str, saved_at: str, keep_system: bool,
    save_seq: int | None = None, parsed: bool = False,
) -> tuple[list[dict], list[FieldProblem]]:
    """Parse every field with the sheet's own rules and stamp who/when/which save (``parsed``: the values
    are already canonical — parsed once on the way in — and are only stamped)."""
    rows, problems = [], []
    columns = table.columns if keep_system else table.data_columns
    known = set(table.keys)
    for n, record in enumerate(records, start=1):
        unknown = set(record) - known
        if unknown:
            raise ValueError(f"{table.key}: неизвестные поля {sorted(unknown)}")
        row = {}
        for c in columns:
            try:
                row[c.key] = record.get(c.key) if parsed else parse_value(record.get(c.key), c)
            except ParseError as err:
                problems.append(FieldProblem(table.title, n, c.title, str(err)))
        if not keep_system:
            row.update(saved_at=saved_at, saved_by=user, save_id=save_id, save_seq=save_seq)
        if table.signed:
            row["signature"] = None  # a signature is one store's: the adapter that needs one signs the row as written
        rows.append(row)
    return rows, problems


class Store(ABC):
    """One store = one district's data. See the module docstring for the rules."""

    kind: str = ""

    def __init__(self, url: str, schema: Schema | None = None):
        self.url = url
        self.schema = schema or project_schema()

    @abstractmethod
    def describe(self) -> str:
        """Where the data lives, in Russian, for the server's administrator (the command line, the log): paths included."""

    def display_name(self) -> str:
        """Where the data lives as the coordinator reads it in the sidebar: a name, never a server path."""
        return self.describe()

    @abstractmethod
    def read_all(self) -> Snapshot:
        """Every tab, all versions, typed; unparseable cells listed in ``problems``."""

    @abstractmethod
    def _write(self, rows: dict[str, list[dict]], save_id: str) -> None:
        """Append validated canonical rows to their tabs atomically, exactly once."""

    def server_file(self) -> Path | None:
        """A file on this server for what is neither the district's data nor for the shared store — the
        sign-in throttle (``lib/auth/signin.py``): every process of the server opens the same one and it outlives
        a restart. None: there is no such file, the state stays in this process's memory."""
        return None

    def invalidate(self) -> None:  # noqa: B027 - a no-op by default: not every adapter caches
        """Drop any cached read (adapters with a cache override this)."""

    def transact(
        self,
        user: str,
        build: Callable[[Snapshot], Mapping[str, Sequence[Mapping]]],
        *,
        tabs: Collection[str] | None = None,
    ) -> SaveReceipt:
        """Decide what to write from the store as it is at the moment of writing, then write it.

        ``build(snapshot)`` returns the changes for ``save``; it may raise (``Denied``, ``Conflict``,
        ``ValidationError``) and then nothing is written. Checks that must see the latest state —
        closed quarters, disabled users, the version an edit was based on, ids that must be new,
        the audit's "old" values — belong in ``build``. ``tabs``: the tabs ``build`` reads (None:
        all); an adapter may read only those fresh. Adapters narrow the window between that read
        and the write as far as their storage allows (see each adapter's override).
        """
        snapshot = self.read_all()
        return self.commit(build(snapshot), user, floor=snapshot.max_seq())

    def save(
        self,
        changes: Mapping[str, Sequence[Mapping]],
        user: str,
        *,
        keep_system: bool = False,
    ) -> SaveReceipt:
        """Validate and append records to one or more tabs in one atomic write.

        Raises ``ValidationError`` (nothing written) when a field does not pass
        the schema, ``StoreUnavailable``/``StoreError`` when the store fails; in
        both cases the caller still holds what the user typed.
        ``keep_system`` keeps the records' own saved_at/saved_by/save_id/save_seq (used
        when copying history between stores).
        """
        return self.commit(changes, user, keep_system=keep_system)

    def prepare(
        self, changes: Mapping[str, Sequence[Mapping]], user: str, *, keep_system: bool = False, floor: int = 0
    ) -> tuple[dict[str, list[dict]], SaveReceipt]:
        """Validated, stamped rows of one save (``ValidationError`` if a field does not pass)."""
        if not user and not keep_system:
            raise ValueError("save() без пользователя")
        save_id = getattr(changes, "save_id", None) or uuid.uuid4().hex
        parsed = getattr(changes, "parsed", frozenset())
        saved_at = now_utc()
        seq = None if keep_system else next_seq(floor)
        prepared, problems = {}, []
        for tab, records in changes.items():
            if not records:
                continue
            rows, found = prepare_records(self.schema[tab], records, user, save_id, saved_at, keep_system, seq, parsed=tab in parsed)
            prepared[tab] = rows
            problems += found
        if problems:
            raise ValidationError(problems)
        return prepared, SaveReceipt(save_id, saved_at, {t: len(r) for t, r in prepared.items()})

    def commit(
        self, changes: Mapping[str, Sequence[Mapping]], user: str, *, keep_system: bool = False, floor: int = 0
    ) -> SaveReceipt:
        prepared, receipt = self.prepare(changes, user, keep_system=keep_system, floor=floor)
        if prepared:
            self._write(prepared, receipt.save_id)
        return receipt

    def capacity(self):
        """How full the store is (``lib.store.capacity.Capacity``); adapters with a limit override this."""
        from lib.store.capacity import measure

        return measure(self.read_all(), limit=None)
