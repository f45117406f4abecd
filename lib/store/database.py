"""What the two database stores (SQLite, PostgreSQL) share: a save and a load of the demo as one transaction on
one connection, the read the save is decided on inside it, and the read of the tabs — rows only appended, so a
read after the first fetches and types only the rows added since (by ``_seq``), under the store's change stamp.

A subclass gives the dialect: ``_connection()`` (a connection to read on), ``_stamp(con)`` (the change stamp),
``_kept(stamp)`` (the part of it under which rows read before stay valid), ``_chunks(con, sql, params, whole)``
(rows of a query, a chunk at a time), ``mark`` (the driver's parameter mark), ``_transaction(work)`` (open a
connection, begin, run ``work(con)``, commit or roll back), ``_insert(con, rows)``, ``_read_for_save(con, tabs)``
and ``_clear(con)``; optionally ``_check_tab(con, table, known)`` (what to trust before fetching)."""

from __future__ import annotations

import logging
import threading
from abc import abstractmethod
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path

from lib.core.frames import cells_to_frame, concat_rows, empty_frame, versioned
from lib.core.schema import Schema, Table
from lib.store.frame_cache import CachedTab, FrameCache
from lib.store.port import SaveReceipt, Snapshot, Store, ValidationError, now_utc, prepare_records

log = logging.getLogger(__name__)
SEQ = "_seq"  # each table's row id: rows are only appended, in the order of their ids
STAMP = "_stamp"  # the one-row table of the change stamp
CHUNK_ROWS = 50_000


def quote(name: str) -> str:
    """An SQL identifier (a tab's or a column's key), quoted the same way in both dialects."""
    return '"' + name.replace('"', '""') + '"'


class DatabaseStore(Store):
    mark = "?"  # the driver's parameter mark in SQL text

    def __init__(self, url: str, schema: Schema | None, typed_copy: Path):
        """``typed_copy``: the path the typed copy of the tabs is kept beside (``lib.store.frame_cache``)."""
        super().__init__(url, schema)
        self.typed_copy = FrameCache(typed_copy)
        self._local = threading.local()  # the connection of the transaction in progress on this thread
        self._cache: tuple[tuple, Snapshot] | None = None
        self._cache_lock = threading.Lock()
        self._read_lock = threading.Lock()  # one read in flight: concurrent page loads wait for it
        self._tabs_lock = threading.Lock()  # the typed state below
        # Append-only storage: per tab, the typed rows read so far, their count and last _seq, the problems found
        # in them, and their versions, so a later read only fetches and types the rows added since, and re-orders
        # versions only of tabs that grew; valid under ``_kept(_tabs_stamp)``.
        self._tabs: dict[str, CachedTab] = {}
        self._tabs_stamp: tuple | None = None
        self._last: Snapshot | None = None  # handed out again while nothing changed (per-snapshot results stay)

    # ---- the dialect ---------------------------------------------------

    @abstractmethod
    def _connection(self) -> AbstractContextManager:
        """A connection for a read outside a transaction (``is_empty``)."""

    @abstractmethod
    def _stamp(self, con) -> tuple:
        """The change stamp as the connection sees it now."""

    def _kept(self, stamp: tuple) -> tuple:
        """The part of the stamp under which the rows read before (and the typed copy) stay valid."""
        return stamp

    @abstractmethod
    def _chunks(self, con, sql: str, params: tuple, whole: bool) -> Iterator[list[tuple]]:
        """The rows of a query, ``CHUNK_ROWS`` at a time; ``whole``: the whole tab is read."""

    def _check_tab(self, con, table: Table, known: CachedTab | None) -> tuple[CachedTab | None, int | None, bool]:
        """Before the rows appended since are fetched: the typed rows that still hold (None: read the tab whole),
        the row count the read must come to (None: not counted), and whether nothing is new. Here the stamp
        vouches for the rows read before."""
        return known, None, False

    # ---- reads ---------------------------------------------------------

    def invalidate(self) -> None:
        with self._cache_lock:
            self._cache = None  # the typed rows stay: the next read fetches only what is new

    def _read(self, con, stamp: tuple, only: Collection[str] | None = None) -> Snapshot:
        """Every tab, inside the caller's transaction: the rows read before plus those appended since.

        ``only``: the tabs to bring up to date (a save's decision reads those: ``Store.transact``); the others
        are taken as this process last read them, so the write lock is held for as little as possible."""
        kept = self._kept(stamp)
        with self._tabs_lock:
            if self._tabs_stamp is None or kept != self._kept(self._tabs_stamp):
                self._tabs, self._last = {}, None  # reset, edited in place or re-shaped: nothing read before holds
            if not self._tabs:  # the first read of this process, or the first since a reset
                loaded = self.typed_copy.load(kept, list(self.schema))
                self._tabs = {k: t for k, t in loaded.items() if self._same_row(con, self.schema[k], t)}
            self._tabs_stamp = stamp
            tables, problems, notes, changed = {}, [], [], False
            for table in self.schema:
                if only is not None and table.key not in only and table.key in self._tabs:
                    tab, grew = self._tabs[table.key], False
                else:
                    tab, grew = self._read_table(con, table)
                changed |= grew
                tables[table.key] = tab.versions
                problems += tab.problems + tab.version_problems
                notes += tab.notes
            if self.typed_copy.needs_write(kept, self._tabs):
                self.typed_copy.write_later(kept, self._tabs, {t.key: t for t in self.schema})
            if not changed and self._last is not None:
                return self._last  # the same object: results computed per snapshot (lib.core.memo) stay valid
            if only is not None:  # a partial view: not the snapshot pages get, and the next full read builds one
                self._last = None
                return Snapshot(tables, problems, self.schema, notes)
            self._last = Snapshot(tables, problems, self.schema, notes)
            return self._last

    def _same_row(self, con, table: Table, known: CachedTab) -> bool:
        """The last row read before is still there, unchanged (not a store reset, restored or refilled)."""
        if known.count == 0:
            return True
        row = con.execute(f"SELECT save_id FROM {quote(table.key)} WHERE {SEQ} = {self.mark}", (known.last,)).fetchone()
        return row is not None and row[0] == known.last_save_id

    def _read_table(self, con, table: Table) -> tuple[CachedTab, bool]:
        """Versions of one tab from its typed rows: those read before plus the ones appended since (by _seq);
        and whether any row had to be read.

        Rows are fetched in chunks and typed chunk by chunk, so a large tab never sits in memory as millions of
        Python objects. If the read does not come to the count ``_check_tab`` gave (rows were removed without
        the stamp noticing), the tab is read again from the start."""
        known, count, unchanged = self._check_tab(con, table, self._tabs.get(table.key))
        if unchanged:
            return known, False  # nothing new: the versions stand
        if known is not None:
            try:
                known.typed  # noqa: B018 - the copy's typed rows, read now that rows may be appended
            except Exception as err:  # gone or damaged since the start: the tab is read from the store
                log.warning("typed copy of %s not used (%s); reading it from the store", table.key, err)
                known = None
        cols = ", ".join(quote(k) for k in table.keys)
        old_last = known.last if known else 0
        frames = [known.typed] if known else []
        problems = list(known.problems) if known else []
        seen, new_last, grew = (known.count if known else 0), old_last, False
        sql = f"SELECT {cols}, {SEQ} FROM {quote(table.key)} WHERE {SEQ} > {self.mark} ORDER BY {SEQ}"
        for rows in self._chunks(con, sql, (old_last,), known is None):
            grew = True
            new_last = rows[-1][-1]
            frame, found = cells_to_frame(table, table.keys, [r[:-1] for r in rows], first_row=2 + seen, machine_rows=True)
            frames.append(frame)
            problems += found
            seen += len(rows)
        if count is not None and seen != count:  # something other than appends happened: start over
            self._tabs.pop(table.key, None)
            return self._read_table(con, table)
        if known is not None and not grew:
            return known, False
        typed = concat_rows(frames) if frames else empty_frame(table).drop(columns="version")
        versions, version_problems, notes = versioned(table, typed)
        tab = CachedTab(typed, seen, new_last, problems, versions, version_problems, notes,
                        str(typed["save_id"].iloc[-1]) if len(typed) else None)
        self._tabs[table.key] = tab
        return tab, True

    def _empty(self, con) -> bool:
        return not any(con.execute(f"SELECT 1 FROM {quote(t.key)} LIMIT 1").fetchone() for t in self.schema)

    def is_empty(self) -> bool:
        with self._connection() as con:
            return self._empty(con)

    # ---- writes --------------------------------------------------------

    def _write(self, rows: dict[str, list[dict]], save_id: str) -> None:
        con = getattr(self._local, "con", None)
        if con is not None:  # inside ``transact``: the same transaction as the read the rows were decided on
            self._insert(con, rows)
            return
        try:
            self._transaction(lambda own: self._insert(own, rows))
        finally:
            self.invalidate()

    def transact(
        self,
        user: str,
        build: Callable[[Snapshot], Mapping[str, Sequence[Mapping]]],
        *,
        tabs: Collection[str] | None = None,
    ) -> SaveReceipt:
        """The fresh read (of ``tabs``; None: all), ``build`` and the write in one transaction on one connection that
        holds the store's write lock: other writers wait, so nothing changes in between."""

        def work(con) -> SaveReceipt:
            self._local.con = con
            try:
                snapshot = self._read_for_save(con, tabs)
                return self.commit(build(snapshot), user, floor=snapshot.max_seq())
            finally:
                self._local.con = None

        try:
            return self._transaction(work)
        finally:
            self.invalidate()

    def fill(self, changes: Mapping[str, Sequence[Mapping]], user: str, *, only_if_empty: bool = False,
             replace: bool = False) -> bool:
        """Load a whole data set (the demo) in one transaction.

        ``only_if_empty``: write nothing if any tab has rows (two sessions that start the app at once must not both
        seed it). ``replace``: empty every tab first, in the same transaction (``cli demo`` resets the store).
        Returns whether anything was written."""
        prepared, problems = {}, []
        for tab, records in changes.items():
            keep = bool(records) and "save_id" in records[0]
            rows, found = prepare_records(self.schema[tab], records, user, "demo", now_utc(), keep)
            prepared[tab], problems = rows, problems + found
        if problems:
            raise ValidationError(problems)

        def work(con) -> bool:
            if replace:
                self._clear(con)
            elif only_if_empty and not self._empty(con):
                return False
            self._insert(con, prepared)
            return True

        try:
            return bool(self._transaction(work))
        finally:
            self.invalidate()
