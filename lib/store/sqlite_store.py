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

import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

from lib.core.frames import record_cells
from lib.core.schema import Schema
from lib.store.database import CHUNK_ROWS, SEQ, STAMP, DatabaseStore
from lib.store.database import quote as _q
from lib.store.frame_cache import CachedTab
from lib.store.port import Snapshot, StoreError


class SQLiteStore(DatabaseStore):
    kind = "sqlite"

    def __init__(self, path: str | Path, schema: Schema | None = None, url: str | None = None):
        self.path = Path(path)
        super().__init__(url or f"sqlite:///{self.path}", schema, self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
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

    def _connection(self):
        return closing(self._connect())

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
            snapshot = self._read_own()
            with self._cache_lock:
                self._cache = (stamp, snapshot)
            return snapshot

    def _read_own(self) -> Snapshot:
        """Every tab in one read transaction of its own: a consistent view of every tab."""
        try:
            with closing(self._connect()) as con:
                con.execute("BEGIN")
                snapshot = self._read(con, self._stamp(con))
                con.execute("COMMIT")
                return snapshot
        except sqlite3.Error as err:
            raise StoreError(f"Не удалось прочитать базу {self.path}: {err}") from err

    def _stamp(self, con: sqlite3.Connection) -> tuple:
        generation, mutations = con.execute(f"SELECT generation, mutations FROM {STAMP}").fetchone()
        return generation, mutations, con.execute("PRAGMA schema_version").fetchone()[0]

    def _check_tab(self, con: sqlite3.Connection, table, known: CachedTab | None) -> tuple[CachedTab | None, int | None, bool]:
        """Rows are also counted: the rows read before are kept only while they are still the first rows of the tab
        (count and last _seq no smaller, the last row unchanged), and the read must come to the count."""
        count, last = con.execute(f"SELECT count(*), coalesce(max({SEQ}), 0) FROM {_q(table.key)}").fetchone()
        if known and known.count == count and known.last == last and self._same_row(con, table, known):
            return known, count, True
        if not (known and known.count <= count and known.last <= last and self._same_row(con, table, known)):
            known = None
        return known, count, False

    def _chunks(self, con: sqlite3.Connection, sql: str, params: tuple, whole: bool) -> Iterator[list[tuple]]:
        cursor = con.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK_ROWS):
            yield rows

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
        return self._read(con, self._stamp(con))  # every tab

    def _clear(self, con: sqlite3.Connection) -> None:
        for table in self.schema:
            con.execute(f"DELETE FROM {_q(table.key)}")
        con.execute("DELETE FROM sqlite_sequence")
        con.execute(f"UPDATE {STAMP} SET generation = lower(hex(randomblob(16)))")  # another store now
