"""Each signed-in person's unsaved drafts, kept on the server so that a reload (F5), which starts a new session, finds
them again (no Streamlit here).

They live in the store's ``server_file`` — the small SQLite file of the server beside the district's data, where the
sign-in throttle and the ended sessions are (``lib/core/transaction.py``) — in a table of their own: one row per
person and form, the draft as JSON. Every process of the server sees the same rows; a row is kept ``days`` after its
last change, then forgotten. Without a file (a store that has none) they are kept in this process's memory.

A draft is what a person typed: it is never written to a log, and it is read only for the login it was written for.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sqlite3
import threading
import time
from pathlib import Path

from lib.core.transaction import immediate

KEEP_DAYS = 30


def encode(value):
    """A draft's value as JSON: record keys are tuples (a JSON object's keys are text), typed values text, numbers,
    lists, dates, booleans or empty."""
    if isinstance(value, dict):
        return {"__map": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, tuple):
        return {"__tuple": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dt.datetime):
        return {"__datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"__date": value.isoformat()}
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if hasattr(value, "item"):  # a numpy scalar from a grid
        return encode(value.item())
    if hasattr(value, "isoformat"):  # a pandas Timestamp
        return {"__datetime": value.isoformat()}
    return str(value)


def decode(value):
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        if "__map" in value:
            return {_hashable(decode(k)): decode(v) for k, v in value["__map"]}
        if "__tuple" in value:
            return tuple(decode(v) for v in value["__tuple"])
        if "__date" in value:
            return dt.date.fromisoformat(value["__date"])
        if "__datetime" in value:
            return dt.datetime.fromisoformat(value["__datetime"])
        return {k: decode(v) for k, v in value.items()}
    return value


def _hashable(key):
    return tuple(_hashable(k) for k in key) if isinstance(key, (list, tuple)) else key


class DraftStore:
    """The drafts of every person, by login and form (``path``: the server's file; None: this process's memory)."""

    def __init__(self, path: str | Path | None = None, days: float = KEEP_DAYS, clock=time.time):
        self.path, self.keep, self.clock = (Path(path) if path else None), days * 86400, clock
        self._lock = threading.Lock()
        self._memory = None if self.path else sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        with self._connection() as con:
            con.execute("CREATE TABLE IF NOT EXISTS drafts (login TEXT NOT NULL, form TEXT NOT NULL, body TEXT NOT NULL, "
                        "until REAL NOT NULL, PRIMARY KEY (login, form))")

    def _connection(self):
        return immediate(self._lock, self._memory, lambda: sqlite3.connect(str(self.path), timeout=30, isolation_level=None))

    def put(self, login: str, form: str, draft: dict) -> None:
        """The draft of ``form`` as it is now (replacing the one kept before)."""
        body = json.dumps(encode(draft), ensure_ascii=False)
        now = self.clock()
        with self._connection() as con:
            con.execute("DELETE FROM drafts WHERE until <= ?", (now,))
            con.execute("INSERT OR REPLACE INTO drafts (login, form, body, until) VALUES (?, ?, ?, ?)",
                        (_who(login), form, body, now + self.keep))

    def delete(self, login: str, form: str) -> None:
        """Saved or cancelled: the draft is gone."""
        with self._connection() as con:
            con.execute("DELETE FROM drafts WHERE login = ? AND form = ?", (_who(login), form))

    def drop_all(self, login: str) -> None:
        with self._connection() as con:
            con.execute("DELETE FROM drafts WHERE login = ?", (_who(login),))

    def load(self, login: str) -> dict[str, dict]:
        """Every draft of ``login`` not yet expired, by form (another person's are never read)."""
        with self._connection() as con:
            rows = con.execute("SELECT form, body FROM drafts WHERE login = ? AND until > ?", (_who(login), self.clock())).fetchall()
        out = {}
        for form, body in rows:
            try:
                out[form] = decode(json.loads(body))
            except (ValueError, TypeError, KeyError):
                continue  # a row this version cannot read: left for the expiry, never shown half-read
        return out


def _who(login: str) -> str:
    return str(login).strip().lower()


_stores: dict[str, DraftStore] = {}
_stores_lock = threading.Lock()


def drafts_for(path: Path | None, key: str = "") -> DraftStore:
    """One draft store per file in the process (``key`` names an in-memory one)."""
    where = str(path) if path else f"memory:{key}"
    with _stores_lock:
        if where not in _stores:
            _stores[where] = DraftStore(path)
        return _stores[where]
