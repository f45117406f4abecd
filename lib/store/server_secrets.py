"""What a Google Sheets deployment keeps on the server, never in the shared spreadsheet.

Everyone the spreadsheet is shared with can read it, so two things live in a local SQLite
file next to the app instead (``DEBT_SECRETS_FILE`` / ``[store] secrets_file``, by default
``data/server-secrets.sqlite``; back it up with the server):

- **password hashes** (argon2id) of the built-in sign-in, one row per save that set one and
  keyed by that save's id, so a hash counts only once the «Пользователи» row of the same save
  is in the sheet (a save that failed leaves an unused row, never a changed password);
- **the signing key** of the rows of the system tabs (``lib.store.signing``), generated on first
  use unless ``DEBT_SIGNING_KEY`` / ``[store] signing_key`` sets it (several servers must share it).

Single sign-on (SSO) needs no hashes at all and is the recommended sign-in for a shared sheet.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path

from lib.store.port import StoreError


class ServerSecrets:
    def __init__(self, path: str | Path | None, signing_key: str | None = None):
        """``path`` None keeps everything in memory (tests, a throw-away store)."""
        self.path = Path(path) if path else None
        self._memory: dict | None = None if path else {"hashes": [], "key": None}
        self._lock = threading.Lock()
        self._configured_key = signing_key.encode() if signing_key else None
        if self.path:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(self._connect()) as con:
                con.execute("CREATE TABLE IF NOT EXISTS password_hashes (n INTEGER PRIMARY KEY AUTOINCREMENT, "
                            "login TEXT NOT NULL, save_id TEXT NOT NULL, hash TEXT NOT NULL)")
                con.execute("CREATE TABLE IF NOT EXISTS signing_key (id INTEGER PRIMARY KEY CHECK (id = 1), key BLOB NOT NULL)")
                con.commit()

    def describe(self) -> str:
        return str(self.path) if self.path else "в памяти процесса"

    def _connect(self) -> sqlite3.Connection:
        try:
            return sqlite3.connect(self.path, timeout=30)
        except sqlite3.Error as err:
            raise StoreError(f"Не удалось открыть файл секретов сервера {self.path}: {err}") from err

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
