"""A PostgreSQL server as the store (``DEBT_STORE=postgresql://…``): one table per tab, rows only appended.

Cells are stored as the other adapters store them (``lib.core.parsing.to_cell``: enum labels, ``да``,
ISO dates; integers as ``bigint``, numbers and money as ``double precision``, which gives back exactly the
float that was written) and typed by the same parser, so a copy between stores changes nothing.

**Writes.** Every statement that changes a tab — the app's, or an administrator's in ``psql`` — first
passes a statement trigger that updates the one row of ``_stamp``: the count of changes, and of rows
updated or deleted. That row lock orders all writers, so rows get their ``_seq`` (an identity) in the
order their transactions commit, and a reader that has seen row N never later finds a row below N.
``transact`` runs ``SERIALIZABLE`` and begins with ``LOCK TABLE _stamp IN EXCLUSIVE MODE`` (before its
snapshot is taken): the fresh read of the tabs, the checks of ``build`` (closed quarters, the version an
edit was based on, ids that must be new) and the insert happen with no other writer in between, in any
process on any machine; the server refuses a transaction it cannot serialize (``40001``) or a deadlock
(``40P01``), and the save is then decided again from the new state — so of two saves of one record based
on one version, one is written and the other sees ``Conflict``.

**Reads.** ``read_all`` asks the server one row (``_stamp``: generation, changes, mutations) and hands out
the snapshot it already has while that row is unchanged — no table is polled. After a change it fetches
only the rows appended since (``_seq`` above the last one read, by index) and types only those; a changed
generation (the store was reset) or mutation count (a row updated or deleted by hand) means a full read.

**Typed copy.** As for SQLite (``lib.store.frame_cache``), the typed frames are kept on this machine
(``data/.postgresql-<digest>.typed/``, the digest of the address without its password) under the
stamp's generation and mutation count, so a server started again, or a second process of this machine,
types only the rows appended since; each tab's last row must still be on the server with its save id.
"""

from __future__ import annotations

import hashlib
import logging
import queue
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from lib.core.config import PROJECT_ROOT, ConfigError
from lib.core.frames import record_cells
from lib.core.schema import Schema
from lib.store.database import CHUNK_ROWS, SEQ, STAMP, DatabaseStore
from lib.store.database import quote as _q
from lib.store.port import Snapshot, StoreError, StoreUnavailable

log = logging.getLogger(__name__)
RETRIES = 8  # serialization failures / deadlocks retried before the save is reported as failed
POOL_SIZE = 8
LOCK_TIMEOUT = "60s"  # a save waits at most this long for the others before it is refused (nothing written)
NUMERIC = {"integer": "bigint", "number": "double precision", "money": "double precision", "percent": "double precision"}


def safe_url(url: str) -> str:
    """The URL without its password (for the sidebar, logs and messages)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


def _sql_type(column) -> str:
    return NUMERIC.get(column.type, "text")


class PostgresStore(DatabaseStore):
    kind = "postgresql"
    mark = "%s"

    def __init__(self, url: str, schema: Schema | None = None, *, connect_timeout: int = 10,
                 local_dir: str | Path | None = None):
        """``local_dir``: this machine's folder for the sign-in throttle and the typed copy (default ``data/``)."""
        self.local_dir = Path(local_dir) if local_dir else PROJECT_ROOT / "data"
        self._local_name = "postgresql-" + hashlib.sha256(safe_url(url).encode()).hexdigest()[:16]
        super().__init__(url, schema, self.local_dir / self._local_name)
        try:
            import psycopg  # imported here: the other stores do not need it installed
        except ImportError:
            raise ConfigError("Для хранилища PostgreSQL нужен пакет psycopg: pip install -r requirements.txt") from None
        self._psycopg = psycopg
        self._connect_timeout = connect_timeout
        self._idle: queue.LifoQueue = queue.LifoQueue()
        try:
            with self._connection() as con:
                self._ensure_tables(con)
        except psycopg.Error as err:
            raise StoreError(
                f"Не удалось подготовить таблицы на сервере PostgreSQL ({safe_url(url)}): {_reason(err)}. Роли приложения "
                "нужны права владельца схемы (или USAGE и CREATE на неё) — см. docs/postgresql.md, «Какие права нужны роли»."
            ) from err

    # ---- connections ---------------------------------------------------

    def describe(self) -> str:
        return f"сервер PostgreSQL: {safe_url(self.url)}"

    def display_name(self) -> str:
        """For the sidebar: the database's name, not the server's address."""
        name = urlsplit(self.url).path.strip("/") or "по умолчанию"
        return f"сервер PostgreSQL, база «{name}»"

    def server_file(self) -> Path:
        """The sign-in throttle's file (``lib/auth/signin.py``): shared by every process on this machine that
        uses this database (the name is a digest of the address without the password)."""
        self.local_dir.mkdir(parents=True, exist_ok=True)
        return self.local_dir / f"{self._local_name}.server.sqlite"

    def _open(self):
        try:
            con = self._psycopg.connect(self.url, autocommit=True, connect_timeout=self._connect_timeout,
                                        application_name="debt-workspace")
        except self._psycopg.Error as err:
            raise StoreUnavailable(
                f"Сервер PostgreSQL не отвечает или отказал во входе ({safe_url(self.url)}): {_reason(err)}. "
                "Повторите позже или обратитесь к администратору."
            ) from err
        return con

    @contextmanager
    def _connection(self):
        """A connection from the pool (autocommit; transactions are opened explicitly)."""
        try:
            con = self._idle.get_nowait()
        except queue.Empty:
            con = self._open()
        ok = False
        try:
            yield con
            ok = True
        finally:
            if ok and not con.closed and con.info.transaction_status == self._psycopg.pq.TransactionStatus.IDLE \
                    and self._idle.qsize() < POOL_SIZE:
                self._idle.put(con)
            else:
                con.close()

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return

    # ---- tables --------------------------------------------------------

    def _ensure_tables(self, con) -> None:
        """Create the change stamp, the tabs and their triggers; add columns the schema gained since."""
        with con.transaction():
            con.execute("SELECT pg_advisory_xact_lock(hashtext('debt-workspace-schema'))")  # two servers starting at once
            con.execute(f"CREATE TABLE IF NOT EXISTS {STAMP} (id integer PRIMARY KEY CHECK (id = 1), "
                        "generation text NOT NULL, changes bigint NOT NULL, mutations bigint NOT NULL)")
            con.execute(f"INSERT INTO {STAMP} VALUES (1, md5(random()::text || clock_timestamp()::text), 0, 0) "
                        "ON CONFLICT (id) DO NOTHING")
            con.execute(f"""CREATE OR REPLACE FUNCTION {STAMP}_count() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  UPDATE {STAMP} SET changes = changes + 1,
                    mutations = mutations + CASE WHEN TG_OP = 'INSERT' THEN 0 ELSE 1 END;
                  RETURN NULL;
                END $$""")
            added = False
            for table in self.schema:
                name = _q(table.key)
                cols = ", ".join(f"{_q(c.key)} {_sql_type(c)}" for c in table.columns)
                con.execute(f"CREATE TABLE IF NOT EXISTS {name} ({SEQ} bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, {cols})")
                have = {r[0] for r in con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = %s",
                    (table.key,))}
                for c in table.columns:
                    if c.key not in have:
                        con.execute(f"ALTER TABLE {name} ADD COLUMN {_q(c.key)} {_sql_type(c)}")
                        added = True
                con.execute(f"CREATE INDEX IF NOT EXISTS {_q('ix_' + table.key + '_save')} ON {name} (save_id)")
                trigger = _q("_count_" + table.key)
                exists = con.execute("SELECT 1 FROM pg_trigger WHERE tgname = %s AND tgrelid = %s::regclass",
                                     ("_count_" + table.key, name)).fetchone()
                if not exists:
                    # BEFORE the statement: the stamp's row lock is taken before any row gets its _seq
                    con.execute(f"CREATE TRIGGER {trigger} BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON {name} "
                                f"FOR EACH STATEMENT EXECUTE FUNCTION {STAMP}_count()")
            if added:
                con.execute(f"UPDATE {STAMP} SET mutations = mutations + 1")

    # ---- reads ---------------------------------------------------------

    def _stamp(self, con) -> tuple:
        return tuple(con.execute(f"SELECT generation, changes, mutations FROM {STAMP}").fetchone())

    def _kept(self, stamp: tuple) -> tuple:
        return stamp[0], stamp[2]  # generation and mutations: while they stand, rows were only appended

    def _chunks(self, con, sql: str, params: tuple, whole: bool) -> Iterator[list[tuple]]:
        with con.cursor(name="read_tab") if whole else con.cursor() as cursor:  # server-side for a whole tab
            cursor.execute(sql, params)
            while rows := cursor.fetchmany(CHUNK_ROWS):
                yield rows

    def read_all(self) -> Snapshot:
        """The snapshot as of the server's change stamp now: one row asked while nothing changed."""
        try:
            with self._connection() as con:
                stamp = self._stamp(con)
                with self._cache_lock:
                    if self._cache and self._cache[0] == stamp:
                        return self._cache[1]
                with self._read_lock:
                    with self._cache_lock:
                        if self._cache and self._cache[0] == stamp:
                            return self._cache[1]
                    with con.transaction():
                        con.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                        stamp = self._stamp(con)
                        snapshot = self._read(con, stamp)
                    with self._cache_lock:
                        self._cache = (stamp, snapshot)
                    return snapshot
        except self._psycopg.Error as err:
            raise StoreUnavailable(f"Не удалось прочитать данные с сервера PostgreSQL ({safe_url(self.url)}): "
                                   f"{_reason(err)}") from err

    # ---- writes --------------------------------------------------------

    def _insert(self, con, rows: dict[str, list[dict]]) -> None:
        for tab, records in rows.items():
            table = self.schema[tab]
            cols = ", ".join(_q(k) for k in table.keys)
            with con.cursor().copy(f"COPY {_q(tab)} ({cols}) FROM STDIN") as copy:
                for r in records:
                    copy.write_row(record_cells(table, r))

    def _transaction(self, work: Callable) -> object:
        """``work(con)`` in one SERIALIZABLE transaction that holds the write lock; retried when the server
        could not serialize it. Any other failure: nothing written, a Russian ``StoreError``."""
        errors = self._psycopg.errors
        delay = 0.05
        for attempt in range(RETRIES):
            try:
                with self._connection() as con:
                    with con.transaction():
                        con.execute("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
                        con.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                        con.execute(f"LOCK TABLE {STAMP} IN EXCLUSIVE MODE")  # before the snapshot: no writer in between
                        return work(con)
            except (errors.SerializationFailure, errors.DeadlockDetected) as err:
                log.info("save retried after %s (attempt %d)", type(err).__name__, attempt + 1)
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
            except StoreUnavailable as err:  # no connection: nothing was sent
                raise StoreUnavailable(f"{err} Данные не сохранены.") from err
            except errors.LockNotAvailable as err:
                raise StoreUnavailable("Сервер PostgreSQL занят другими сохранениями дольше минуты. Данные не "
                                       "сохранены; повторите через минуту.") from err
            except self._psycopg.Error as err:
                raise StoreError(f"Не удалось записать на сервер PostgreSQL ({safe_url(self.url)}): {_reason(err)}. "
                                 "Данные не сохранены.") from err
        raise StoreUnavailable("Сервер PostgreSQL не смог упорядочить одновременные сохранения. Данные не сохранены; "
                               "повторите.")

    def _read_for_save(self, con, tabs) -> Snapshot:
        return self._read(con, self._stamp(con), only=None if tabs is None else set(tabs))

    def _clear(self, con) -> None:
        con.execute("TRUNCATE " + ", ".join(_q(t.key) for t in self.schema) + " RESTART IDENTITY")
        con.execute(f"UPDATE {STAMP} SET generation = md5(random()::text || clock_timestamp()::text)")


def _reason(err: Exception) -> str:
    """The server's own words, one line, without the address's password."""
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return re.sub(r"password=\S+", "password=***", text)
