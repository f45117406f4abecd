"""What a Google Sheets deployment keeps on the server, never in the shared spreadsheet.

Everyone the spreadsheet is shared with can read it, so two things live in a local SQLite
file next to the app instead (``DEBT_SECRETS_FILE`` / ``[store] secrets_file``, by default
``data/server-secrets.sqlite``; back it up with the server):

- **password hashes** (argon2id) of the built-in sign-in, one row per save that set one and
  keyed by that save's id, so a hash counts only once the «Пользователи» row of the same save
  is in the sheet (a save that failed leaves an unused row, never a changed password);
- **the signing key** of the rows of the system tabs (``lib.store.signing``), generated on first
  use unless ``DEBT_SIGNING_KEY`` / ``[store] signing_key`` sets it (several servers must share it);
- **a ledger** of the latest version this server wrote of each record of those tabs, so a row
  deleted from the sheet (which a signature cannot show) is noticed: the record is then held in
  the state that grants nothing until it is saved again;
- **the turn to save** (``turn``): a lock file beside it, so the server's processes save one at a time
  and each knows whether another saved since it last read (the sheet offers no transaction);
- the sign-in throttle (``lib/passwords.LoginThrottle``, its own tables in the same file).

Single sign-on (SSO) needs no hashes at all and is the recommended sign-in for a shared sheet.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from lib.store.port import StoreError, StoreUnavailable

try:
    import fcntl
except ImportError:  # not on Linux: the processes of one server are not serialised, only the threads of each
    fcntl = None

TURN_WAIT = 100.0  # seconds, by default (a command); a save waits at most what its own 90 s budget leaves (SheetsStore)


@dataclass
class Turn:
    """This process's turn to save. ``seen``: the stamp of the latest save of any process of the server when
    the turn began; set ``stamp`` to this save's id once written."""

    seen: str
    stamp: str


class ServerSecrets:
    def __init__(self, path: str | Path | None, signing_key: str | None = None):
        """``path`` None keeps everything in memory (tests, a throw-away store)."""
        self.path = Path(path) if path else None
        self._memory: dict | None = None if path else {"hashes": [], "key": None, "ledger": {}, "stamp": ""}
        self._lock = threading.Lock()
        self._turn_lock = threading.Lock()  # in memory: the stores sharing this object are the "processes"
        self._configured_key = signing_key.encode() if signing_key else None
        if self.path:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(self._connect()) as con:
                con.execute("CREATE TABLE IF NOT EXISTS password_hashes (n INTEGER PRIMARY KEY AUTOINCREMENT, "
                            "login TEXT NOT NULL, save_id TEXT NOT NULL, hash TEXT NOT NULL)")
                con.execute("CREATE TABLE IF NOT EXISTS signing_key (id INTEGER PRIMARY KEY CHECK (id = 1), key BLOB NOT NULL)")
                con.execute("CREATE TABLE IF NOT EXISTS ledger (tab TEXT NOT NULL, record TEXT NOT NULL, seq INTEGER NOT NULL, "
                            "PRIMARY KEY (tab, record))")
                con.commit()

    def copy(self) -> ServerSecrets:
        """An independent in-memory copy (tests)."""
        import copy

        twin = ServerSecrets(None, self._configured_key.decode() if self._configured_key else None)
        twin._memory = copy.deepcopy(self._memory) if self._memory is not None else twin._memory
        return twin

    def describe(self) -> str:
        return str(self.path) if self.path else "в памяти процесса"

    def _connect(self) -> sqlite3.Connection:
        try:
            return sqlite3.connect(self.path, timeout=30)
        except sqlite3.Error as err:
            raise StoreError(f"Не удалось открыть файл секретов сервера {self.path}: {err}") from err

    # ---- the turn to save ----------------------------------------------------

    @contextmanager
    def turn(self, wait: float = TURN_WAIT, on_wait: Callable[[str], None] | None = None) -> Iterator[Turn]:
        """One save at a time among the server's processes (an exclusive ``flock`` on ``<file>.lock``, which
        also holds the id of the latest save). Google Sheets has no transaction: without this, two processes
        could both check a record against the same version and both write, the second silently reverting the
        first. Several servers on different machines are not covered (see lib/store/sheets_store.py)."""
        busy = ("Сохранение ждёт: на сервере записывается другое сохранение (другой процесс приложения), "
                "это сохранение идёт следующим.")
        refused = StoreUnavailable(f"Другое сохранение на этом сервере не закончилось за {wait:.0f} с. Данные не "
                                   "сохранены, введённое осталось на экране — попробуйте ещё раз.")
        if self.path is None or fcntl is None:
            if not self._turn_lock.acquire(blocking=False):
                if on_wait:
                    on_wait(busy)
                if not self._turn_lock.acquire(timeout=max(wait, 0.0)):
                    raise refused
            try:
                memory = self._memory if self._memory is not None else {}
                turn = Turn(memory.get("stamp", ""), memory.get("stamp", ""))
                yield turn
                memory["stamp"] = turn.stamp
            finally:
                self._turn_lock.release()
            return
        with open(self.path.with_name(self.path.name + ".lock"), "a+", encoding="utf-8") as file:
            deadline = time.monotonic() + wait
            told = False
            while True:
                try:
                    fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise refused from None
                    if on_wait and not told:
                        on_wait(busy)
                        told = True
                    time.sleep(0.02)
            try:
                file.seek(0)
                seen = file.read().strip()
                turn = Turn(seen, seen)
                yield turn
                if turn.stamp != seen:
                    file.seek(0)
                    file.truncate()
                    file.write(turn.stamp)
                    file.flush()
            finally:
                fcntl.flock(file, fcntl.LOCK_UN)

    # ---- signing key -------------------------------------------------------

    def signing_key(self) -> bytes:
        if self._configured_key:
            return self._configured_key
        with self._lock:
            if self._memory is not None:
                self._memory["key"] = self._memory["key"] or secrets.token_bytes(32)
                return self._memory["key"]
            with closing(self._connect()) as con:
                con.execute("INSERT OR IGNORE INTO signing_key (id, key) VALUES (1, ?)", (secrets.token_bytes(32),))
                con.commit()
                return con.execute("SELECT key FROM signing_key WHERE id = 1").fetchone()[0]

    # ---- password hashes ---------------------------------------------------

    def put_hashes(self, entries: Iterable[tuple[str, str, str]]) -> None:
        """(login, save_id, hash) rows, written before the sheet row of that save."""
        entries = [(login.lower(), save_id, h) for login, save_id, h in entries]
        if not entries:
            return
        with self._lock:
            if self._memory is not None:
                self._memory["hashes"] += entries
                return
            with closing(self._connect()) as con:
                con.executemany("INSERT INTO password_hashes (login, save_id, hash) VALUES (?, ?, ?)", entries)
                con.commit()

    def hashes(self) -> dict[tuple[str, str], str]:
        """(login, save_id) -> hash."""
        with self._lock:
            if self._memory is not None:
                rows = list(self._memory["hashes"])
            else:
                with closing(self._connect()) as con:
                    rows = con.execute("SELECT login, save_id, hash FROM password_hashes ORDER BY n").fetchall()
        return {(login, save_id): h for login, save_id, h in rows}

    # ---- ledger of the signed tabs -------------------------------------------

    def record_written(self, tab: str, seqs: Mapping[str, int]) -> None:
        """After a confirmed write: the latest sequence number of each record written to a signed tab."""
        if not seqs:
            return
        with self._lock:
            if self._memory is not None:
                book = self._memory["ledger"].setdefault(tab, {})
                for record, seq in seqs.items():
                    book[record] = max(book.get(record, 0), seq)
                return
            with closing(self._connect()) as con:
                con.executemany("INSERT INTO ledger (tab, record, seq) VALUES (?, ?, ?) ON CONFLICT (tab, record) "
                                "DO UPDATE SET seq = max(seq, excluded.seq)", [(tab, r, s) for r, s in seqs.items()])
                con.commit()

    def ledger(self, tab: str) -> dict[str, int]:
        with self._lock:
            if self._memory is not None:
                return dict(self._memory["ledger"].get(tab, {}))
            with closing(self._connect()) as con:
                return dict(con.execute("SELECT record, seq FROM ledger WHERE tab = ?", (tab,)).fetchall())
