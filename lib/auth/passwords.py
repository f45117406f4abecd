"""Passwords: argon2id hashes only, checks that take the same time whatever the account, a throttle on
repeated failures kept on the server.

The plaintext password lives only in the local variables of these functions:
it is never stored, logged or put into an exception message.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher, Type, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from lib.core.transaction import immediate

MIN_LENGTH = 8
_hasher = PasswordHasher(type=Type.ID)


class PasswordError(ValueError):
    """A new password that does not meet the rules (Russian message, no password in it)."""


def check_new_password(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise PasswordError(f"Пароль должен быть не короче {MIN_LENGTH} символов.")
    if password.strip() != password:
        raise PasswordError("Пароль не должен начинаться или заканчиваться пробелом.")


def hash_password(password: str) -> str:
    check_new_password(password)
    return _hasher.hash(password)


@cache
def _dummy_hash() -> str:
    return _hasher.hash("no-such-user-timing-equaliser")


def _costs_as_ours(stored_hash: str) -> bool:
    """Whether verifying this hash costs what verifying one of ours does (argon2id, our parameters)."""
    try:
        found = extract_parameters(stored_hash)
    except (InvalidHashError, ValueError):
        return False
    ours = extract_parameters(_dummy_hash())
    return (found.type, found.time_cost, found.memory_cost, found.parallelism) == \
        (ours.type, ours.time_cost, ours.memory_cost, ours.parallelism)


def _spend_a_verification(password: str) -> None:
    try:
        _hasher.verify(_dummy_hash(), password)
    except VerificationError:
        pass


def verify_password(stored_hash: str | None, password: str) -> bool:
    """argon2 compares in constant time, and every answer costs one verification at our parameters: an
    unknown user, a hash cell someone typed over (not argon2, or argon2 with other costs) and a wrong
    password take the same time, so the time of the answer says nothing about the account."""
    if not stored_hash or not _costs_as_ours(stored_hash):
        matched = False
        if stored_hash:
            try:  # a valid hash with other parameters still counts; its own cost is added to ours
                matched = _hasher.verify(stored_hash, password)
            except (VerificationError, InvalidHashError, ValueError):
                pass
        _spend_a_verification(password)
        return matched
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError, ValueError):
        # ValueError covers UnicodeEncodeError: a hash cell someone typed over in the sheet
        return False


def _login_key(login: str) -> str:
    """What the throttle keeps of a login: a digest, never the text (a password typed into the login field by
    mistake must not land in a file)."""
    return hashlib.sha256(login.encode("utf-8", "surrogatepass")).hexdigest()


class LoginThrottle:
    """After ``max_failures`` failed attempts within ``window`` seconds a login waits ``lockout`` seconds.

    Kept in a SQLite file on the server (``path``; the store's ``server_file``), so every process of the
    server and a restart see the same count; without a path, in this process's memory. Each attempt is
    counted *before* its password is checked (``admit``): as a check in progress, which ``rejected`` turns into a
    failure and ``succeeded`` forgives with every failure of the login. Failures and checks in progress together
    never exceed ``max_failures``: an attempt beyond waits (a moment: a check takes a fraction of a second) until one
    ends, so six attempts sent at once from six tabs or processes get no more checks than six sent one after
    another, and twelve correct sign-ins of one login at once all get in — a check in progress is not a failure,
    so it never locks the login. A check that has not ended within ``checking`` seconds (its process died) counts
    as a failure. The clock is the wall clock: it means the same in every process and after a restart.
    """

    def __init__(self, max_failures: int = 5, window: float = 900, lockout: float = 300, clock=time.time,
                 path: str | Path | None = None, checking: float = 30):
        self.max_failures, self.window, self.lockout, self.clock = max_failures, window, lockout, clock
        self.checking = checking
        self.path = Path(path) if path else None
        self._lock = threading.Lock()
        self._memory = None if self.path else self._open(":memory:")
        with self._connection() as con:
            con.execute("CREATE TABLE IF NOT EXISTS sign_in_failures (login TEXT NOT NULL, at REAL NOT NULL)")
            con.execute("CREATE INDEX IF NOT EXISTS ix_sign_in_failures ON sign_in_failures (login)")
            con.execute("CREATE TABLE IF NOT EXISTS sign_in_locks (login TEXT PRIMARY KEY, until REAL NOT NULL)")
            con.execute("CREATE TABLE IF NOT EXISTS sign_in_checks (login TEXT NOT NULL, at REAL NOT NULL)")  # in progress

    @staticmethod
    def _open(where: str) -> sqlite3.Connection:
        return sqlite3.connect(where, timeout=30, isolation_level=None, check_same_thread=False)

    def _connection(self):
        """One transaction that other processes wait for (``BEGIN IMMEDIATE``)."""
        return immediate(self._lock, self._memory, lambda: self._open(str(self.path)))

    @staticmethod
    def _locked_for(con: sqlite3.Connection, key: str, now: float) -> float:
        row = con.execute("SELECT until FROM sign_in_locks WHERE login = ?", (key,)).fetchone()
        return max(0.0, row[0] - now) if row else 0.0

    def _count_failure(self, con: sqlite3.Connection, key: str, now: float, count: int = 1) -> None:
        con.execute("DELETE FROM sign_in_failures WHERE at <= ?", (now - self.window,))  # forgotten after the window
        con.execute("DELETE FROM sign_in_locks WHERE until <= ?", (now,))
        con.executemany("INSERT INTO sign_in_failures (login, at) VALUES (?, ?)", [(key, now)] * count)
        (recent,) = con.execute("SELECT count(*) FROM sign_in_failures WHERE login = ?", (key,)).fetchone()
        if recent >= self.max_failures:
            con.execute("INSERT OR REPLACE INTO sign_in_locks (login, until) VALUES (?, ?)", (key, now + self.lockout))
            con.execute("DELETE FROM sign_in_failures WHERE login = ?", (key,))

    def _end_check(self, con: sqlite3.Connection, key: str) -> bool:
        """Ends the oldest check in progress of this login; False if there was none (it had been counted as failed)."""
        return con.execute("DELETE FROM sign_in_checks WHERE rowid = (SELECT rowid FROM sign_in_checks WHERE login = ? "
                           "ORDER BY at LIMIT 1)", (key,)).rowcount > 0

    def _try_admit(self, con: sqlite3.Connection, key: str, now: float, overdue: float) -> float | None:
        """Seconds to wait (locked), 0 (admitted: a check in progress now), or None (full of checks in progress)."""
        stale = con.execute("DELETE FROM sign_in_checks WHERE login = ? AND at <= ?", (key, overdue)).rowcount
        if stale:  # checks that never ended: failures
            self._count_failure(con, key, now, stale)
        if wait := self._locked_for(con, key, now):
            return wait
        con.execute("DELETE FROM sign_in_failures WHERE at <= ?", (now - self.window,))
        (failures,) = con.execute("SELECT count(*) FROM sign_in_failures WHERE login = ?", (key,)).fetchone()
        (checks,) = con.execute("SELECT count(*) FROM sign_in_checks WHERE login = ?", (key,)).fetchone()
        if failures + checks >= self.max_failures:
            return None
        con.execute("INSERT INTO sign_in_checks (login, at) VALUES (?, ?)", (key, now))
        return 0.0

    def admit(self, login: str) -> float:
        """Before checking a password: seconds to wait (the login is locked; nothing is counted), or 0 and the
        attempt is a check in progress until ``rejected`` or ``succeeded``. While failures and checks in progress
        fill the limit, waits for a check to end (at most ``checking`` seconds; then those count as failed)."""
        key = _login_key(login)
        give_up = time.monotonic() + self.checking
        while True:
            now = self.clock()
            overdue = now - self.checking if time.monotonic() < give_up else float("inf")
            with self._connection() as con:
                wait = self._try_admit(con, key, now, overdue)
            if wait is not None:
                return wait
            time.sleep(0.05)

    def rejected(self, login: str) -> None:
        """The password of an admitted attempt was wrong: its check becomes a failure."""
        key = _login_key(login)
        with self._connection() as con:
            if self._end_check(con, key):
                self._count_failure(con, key, self.clock())

    def wait_seconds(self, login: str) -> float:
        with self._connection() as con:
            return self._locked_for(con, _login_key(login), self.clock())

    def failed(self, login: str) -> None:
        """Count a failure (``admit`` already counts each attempt it lets through)."""
        with self._connection() as con:
            self._count_failure(con, _login_key(login), self.clock())

    def succeeded(self, login: str) -> None:
        key = _login_key(login)
        with self._connection() as con:
            self._end_check(con, key)
            con.execute("DELETE FROM sign_in_failures WHERE login = ?", (key,))
            con.execute("DELETE FROM sign_in_locks WHERE login = ?", (key,))
