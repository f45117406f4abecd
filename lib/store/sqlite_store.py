"""Embedded store: one SQLite file, one table per tab, rows only appended.

Cells are stored exactly as they would be in the sheet (enum labels, ``да``,
ISO dates) and read back through the same parser as the Google Sheets payload,
so both adapters share one definition of what a cell means.

``transact`` reads and writes inside one ``BEGIN IMMEDIATE`` transaction on one
connection: no other writer, in this process or another, can change anything
between the checks and the write.

Rows are only appended, so a read after the first fetches and types only the rows added since
(by row id). What makes that safe is the database's **change stamp** (``_stamp``): a generation
drawn when the file is created or reset and a count of rows ever updated or deleted, kept by
triggers on every tab (so edits made with the ``sqlite3`` shell count too), plus SQLite's schema
version. Typed rows are reused only under the stamp they were read under; the typed copy next to
the file (``lib.store.frame_cache``) follows the same rule, so a server starts without re-typing.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from contextlib import closing
from pathlib import Path

from lib.core.frames import cells_to_frame, concat_rows, empty_frame, record_cells, versioned
from lib.core.schema import Schema
from lib.store.database import DatabaseStore
from lib.store.frame_cache import CachedTab, FrameCache
from lib.store.port import Snapshot, StoreError

log = logging.getLogger(__name__)
SEQ = "_seq"
STAMP = "_stamp"
CHUNK_ROWS = 50_000


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class SQLiteStore(DatabaseStore):
    kind = "sqlite"

    def __init__(self, path: str | Path, schema: Schema | None = None, url: str | None = None):
        self.path = Path(path)
        super().__init__(url or f"sqlite:///{self.path}", schema)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._cache: tuple[tuple, Snapshot] | None = None
        self._cache_lock = threading.Lock()
        self._local = threading.local()  # the connection of the transaction in progress on this thread
        self._read_lock = threading.Lock()  # one read in flight: concurrent page loads wait for it
        self._tabs_lock = threading.Lock()  # the typed state below
        # Append-only storage: per tab, the typed rows read so far, their count and last _seq, the
        # problems found in them, and their versions, so a later read only fetches and types the rows
        # added since, and re-orders versions only of tabs that grew; valid under ``_tabs_stamp``.
        self._tabs: dict[str, CachedTab] = {}
        self._tabs_stamp: tuple | None = None
        self._last: Snapshot | None = None  # handed out again while nothing changed (per-snapshot results stay)
        self.typed_copy = FrameCache(self.path)
        with closing(self._connect()) as con:
            con.execute("PRAGMA journal_mode=WAL")
            self._ensure_tables(con)

    def describe(self) -> str:
        return f"встроенная база SQLite: {self.path}"

    def display_name(self) -> str:
        return f"встроенная база «{self.path.stem}»"

    def server_file(self) -> Path:
        # beside the database, not in it: a write there would change the file every snapshot is checked against
        return self.path.with_suffix(".server.sqlite")

    def _connect(self) -> sqlite3.Connection:
        # autocommit mode: transactions are opened explicitly with BEGIN IMMEDIATE,
        # so a save is one transaction and concurrent writers queue on the lock.
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        con.execute("PRAGMA synchronous=NORMAL")
        con.execute("PRAGMA busy_timeout=30000")
        return con

    def _ensure_tables(self, con: sqlite3.Connection) -> None:
        """Create missing tables and add columns the schema gained since."""
        con.execute("BEGIN IMMEDIATE")
        try:
            con.execute(f"CREATE TABLE IF NOT EXISTS {STAMP} (id INTEGER PRIMARY KEY CHECK (id = 1), "
                        "generation TEXT NOT NULL, mutations INTEGER NOT NULL)")
            con.execute(f"INSERT OR IGNORE INTO {STAMP} VALUES (1, lower(hex(randomblob(16))), 0)")
            for table in self.schema:
                cols = ", ".join(_q(k) for k in table.keys)  # no declared type: cells keep their own
                con.execute(f"CREATE TABLE IF NOT EXISTS {_q(table.key)} ({SEQ} INTEGER PRIMARY KEY AUTOINCREMENT, {cols})")
                have = {r[1] for r in con.execute(f"PRAGMA table_info({_q(table.key)})")}
                for k in table.keys:
                    if k not in have:
                        con.execute(f"ALTER TABLE {_q(table.key)} ADD COLUMN {_q(k)}")
                con.execute(f"CREATE INDEX IF NOT EXISTS {_q('ix_' + table.key + '_save')} ON {_q(table.key)} (save_id)")
                for change in ("UPDATE", "DELETE"):  # rows are only appended: anything else is counted
                    con.execute(f"CREATE TRIGGER IF NOT EXISTS {_q('_' + change.lower() + '_' + table.key)} AFTER {change} "
                                f"ON {_q(table.key)} BEGIN UPDATE {STAMP} SET mutations = mutations + 1; END")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    def _change_stamp(self) -> tuple:
        """Changes with every commit (the WAL file is written), from any process."""
        stamp = []
        for suffix in ("", "-wal"):
            try:
                st = os.stat(f"{self.path}{suffix}")
                stamp += [st.st_mtime_ns, st.st_size, st.st_ino]
            except FileNotFoundError:
                stamp += [0, 0, 0]
        return tuple(stamp)

    def invalidate(self) -> None:
        with self._cache_lock:
            self._cache = None  # the typed rows stay: the next read fetches only what is new

    def read_all(self) -> Snapshot:
        """Typed snapshot; re-read only when the file changed (pages read it several times per run)."""
        stamp = self._change_stamp()
        with self._cache_lock:
            if self._cache and self._cache[0] == stamp:
                return self._cache[1]
        with self._read_lock:
            stamp = self._change_stamp()  # another thread may have read while this one waited
            with self._cache_lock:
                if self._cache and self._cache[0] == stamp:
                    return self._cache[1]
            snapshot = self._read()
            with self._cache_lock:
                self._cache = (stamp, snapshot)
            return snapshot

    def _read(self, con: sqlite3.Connection | None = None) -> Snapshot:
        if con is None:
            try:
                with closing(self._connect()) as own:
                    own.execute("BEGIN")  # one read transaction: a consistent view of every tab
                    snapshot = self._read(own)
                    own.execute("COMMIT")
                    return snapshot
            except sqlite3.Error as err:
                raise StoreError(f"Не удалось прочитать базу {self.path}: {err}") from err
        stamp = self._stamp(con)
        with self._tabs_lock:
            if stamp != self._tabs_stamp:  # reset, edited in place or re-shaped: nothing read before holds
                self._tabs, self._last = {}, None
            if not self._tabs:  # the first read of this process, or the first since a reset
                self._tabs = self.typed_copy.load(stamp, list(self.schema))
            self._tabs_stamp = stamp
            tables, problems, notes, changed = {}, [], [], False
            for table in self.schema:
                tab, grew = self._read_table(con, table)
                changed |= grew
                tables[table.key] = tab.versions
                problems += tab.problems + tab.version_problems
                notes += tab.notes
            if self.typed_copy.needs_write(stamp, self._tabs):
                self.typed_copy.write_later(stamp, self._tabs, {t.key: t for t in self.schema})
            if not changed and self._last is not None:
                return self._last  # the same object: results computed per snapshot (lib.core.memo) stay valid
            self._last = Snapshot(tables, problems, self.schema, notes)
            return self._last

    @staticmethod
    def _stamp(con: sqlite3.Connection) -> tuple:
        generation, mutations = con.execute(f"SELECT generation, mutations FROM {STAMP}").fetchone()
        return generation, mutations, con.execute("PRAGMA schema_version").fetchone()[0]

    def _read_table(self, con: sqlite3.Connection, table) -> tuple[CachedTab, bool]:
        """Versions of one tab from its typed rows: those read before plus the ones appended since (by _seq);
        and whether any row had to be read.

        Rows are streamed in chunks and typed chunk by chunk, so a large tab never sits in memory
        as millions of Python objects. If rows were removed without the stamp noticing, the count
        no longer adds up and the tab is read again from the start.
        """
        count, last = con.execute(f"SELECT count(*), coalesce(max({SEQ}), 0) FROM {_q(table.key)}").fetchone()
        known = self._tabs.get(table.key)
        if known and known.count == count and known.last == last and self._same_row(con, table, known):
            return known, False  # nothing new: the versions stand
        if not (known and known.count <= count and known.last <= last and self._same_row(con, table, known)):
            known = None
        if known is not None:
            try:
                known.typed  # noqa: B018 - the copy's typed rows, read now that rows are appended
            except Exception as err:  # gone or damaged since the start: the tab is read from the store
                log.warning("typed copy of %s not used (%s); reading it from the store", table.key, err)
                known = None
        cols = ", ".join(_q(k) for k in table.keys)
        old_last = known.last if known else 0
        cursor = con.execute(f"SELECT {cols}, {SEQ} FROM {_q(table.key)} WHERE {SEQ} > ? ORDER BY {SEQ}", (old_last,))
        frames = [known.typed] if known else []
        problems, seen, new_last = list(known.problems) if known else [], known.count if known else 0, old_last
        while rows := cursor.fetchmany(CHUNK_ROWS):
            new_last = rows[-1][-1]
            frame, found = cells_to_frame(table, table.keys, [r[:-1] for r in rows], first_row=2 + seen, machine_rows=True)
            frames.append(frame)
            problems += found
            seen += len(rows)
        if seen != count:  # something other than appends happened: start over
            self._tabs.pop(table.key, None)
            return self._read_table(con, table)
        if not frames:
            typed = empty_frame(table).drop(columns="version")
        else:
            typed = concat_rows(frames)
        versions, version_problems, notes = versioned(table, typed)
        tab = CachedTab(typed, count, new_last, problems, versions, version_problems, notes,
                        str(typed["save_id"].iloc[-1]) if len(typed) else None)
        self._tabs[table.key] = tab
        return tab, True

    @staticmethod
    def _same_row(con: sqlite3.Connection, table, known: CachedTab) -> bool:
        """The last row read before is still there, unchanged (not a store reset and refilled)."""
        if known.count == 0:
            return True
        row = con.execute(f"SELECT save_id FROM {_q(table.key)} WHERE {SEQ} = ?", (known.last,)).fetchone()
        return row is not None and row[0] == known.last_save_id

    def _insert(self, con: sqlite3.Connection, rows: dict[str, list[dict]]) -> None:
        for tab, records in rows.items():
            table = self.schema[tab]
            cols = ", ".join(_q(k) for k in table.keys)
            marks = ", ".join("?" for _ in table.keys)
            con.executemany(
                f"INSERT INTO {_q(tab)} ({cols}) VALUES ({marks})",
                [record_cells(table, r) for r in records],
            )

    def _transaction(self, work) -> object:
        try:
            with closing(self._connect()) as con:
                con.execute("BEGIN IMMEDIATE")
                try:
                    result = work(con)
                    con.execute("COMMIT")
                    return result
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
        except sqlite3.Error as err:
            raise StoreError(f"Не удалось записать в базу {self.path}: {err}. Данные не сохранены.") from err

    def _read_for_save(self, con: sqlite3.Connection, tabs) -> Snapshot:
        return self._read(con)

    def _clear(self, con: sqlite3.Connection) -> None:
        for table in self.schema:
            con.execute(f"DELETE FROM {_q(table.key)}")
        con.execute("DELETE FROM sqlite_sequence")
        con.execute(f"UPDATE {STAMP} SET generation = lower(hex(randomblob(16)))")  # another store now

    def _empty(self, con: sqlite3.Connection) -> bool:
        return not any(con.execute(f"SELECT 1 FROM {_q(t.key)} LIMIT 1").fetchone() for t in self.schema)

    def is_empty(self) -> bool:
        with closing(self._connect()) as con:
            return not any(
                con.execute(f"SELECT 1 FROM {_q(t.key)} LIMIT 1").fetchone() for t in self.schema
            )
