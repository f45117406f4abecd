"""Embedded store: one SQLite file, one table per tab, rows only appended.

Cells are stored exactly as they would be in the sheet (enum labels, ``да``,
ISO dates) and read back through the same parser as the Google Sheets payload,
so both adapters share one definition of what a cell means.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Mapping, Sequence
from contextlib import closing
from pathlib import Path

from lib.frames import cells_to_frame, record_cells
from lib.schema import Schema
from lib.store.port import Snapshot, Store, StoreError, ValidationError, now_utc, prepare_records

SEQ = "_seq"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class SQLiteStore(Store):
    kind = "sqlite"

    def __init__(self, path: str | Path, schema: Schema | None = None, url: str | None = None):
        self.path = Path(path)
        super().__init__(url or f"sqlite:///{self.path}", schema)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._cache: tuple[tuple, Snapshot] | None = None
        self._cache_lock = threading.Lock()
        with closing(self._connect()) as con:
            con.execute("PRAGMA journal_mode=WAL")
            self._ensure_tables(con)

    def describe(self) -> str:
        return f"встроенная база SQLite: {self.path}"

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
            for table in self.schema:
                cols = ", ".join(_q(k) for k in table.keys)  # no declared type: cells keep their own
                con.execute(f"CREATE TABLE IF NOT EXISTS {_q(table.key)} ({SEQ} INTEGER PRIMARY KEY AUTOINCREMENT, {cols})")
                have = {r[1] for r in con.execute(f"PRAGMA table_info({_q(table.key)})")}
                for k in table.keys:
                    if k not in have:
                        con.execute(f"ALTER TABLE {_q(table.key)} ADD COLUMN {_q(k)}")
                con.execute(f"CREATE INDEX IF NOT EXISTS {_q('ix_' + table.key + '_save')} ON {_q(table.key)} (save_id)")
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
            self._cache = None

    def read_all(self) -> Snapshot:
        """Typed snapshot; re-read only when the file changed (pages read it several times per run)."""
        stamp = self._change_stamp()
        with self._cache_lock:
            if self._cache and self._cache[0] == stamp:
                return self._cache[1]
        snapshot = self._read()
        with self._cache_lock:
            self._cache = (stamp, snapshot)
        return snapshot

    def _read(self) -> Snapshot:
        tables, problems = {}, []
        try:
            with closing(self._connect()) as con:
                con.execute("BEGIN")  # one read transaction: a consistent view of every tab
                for table in self.schema:
                    cols = ", ".join(_q(k) for k in table.keys)
                    rows = con.execute(f"SELECT {cols} FROM {_q(table.key)} ORDER BY {SEQ}").fetchall()
                    frame, found = cells_to_frame(table, table.keys, rows, machine_rows=True)
                    tables[table.key] = frame
                    problems += found
                con.execute("COMMIT")
        except sqlite3.Error as err:
            raise StoreError(f"Не удалось прочитать базу {self.path}: {err}") from err
        return Snapshot(tables, problems, self.schema)

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

    def _write(self, rows: dict[str, list[dict]], save_id: str) -> None:
        try:
            self._transaction(lambda con: self._insert(con, rows))
        finally:
            self.invalidate()

    def fill(
        self,
        changes: Mapping[str, Sequence[Mapping]],
        user: str,
        *,
        only_if_empty: bool = False,
        replace: bool = False,
    ) -> bool:
        """Load a whole data set (the demo) in one transaction.

        ``only_if_empty``: write nothing if any tab has rows (two sessions that
        start the app at once must not both seed it). ``replace``: empty every
        tab first, in the same transaction (``cli demo`` resets the store).
        Returns whether anything was written.
        """
        prepared, problems = {}, []
        for tab, records in changes.items():
            keep = bool(records) and "save_id" in records[0]
            rows, found = prepare_records(self.schema[tab], records, user, "demo", now_utc(), keep)
            prepared[tab], problems = rows, problems + found
        if problems:
            raise ValidationError(problems)

        def work(con: sqlite3.Connection) -> bool:
            if replace:
                for table in self.schema:
                    con.execute(f"DELETE FROM {_q(table.key)}")
                con.execute("DELETE FROM sqlite_sequence")
            elif only_if_empty:
                for table in self.schema:
                    if con.execute(f"SELECT 1 FROM {_q(table.key)} LIMIT 1").fetchone():
                        return False
            self._insert(con, prepared)
            return True

        try:
            return bool(self._transaction(work))
        finally:
            self.invalidate()

    def is_empty(self) -> bool:
        with closing(self._connect()) as con:
            return not any(
                con.execute(f"SELECT 1 FROM {_q(t.key)} LIMIT 1").fetchone() for t in self.schema
            )
