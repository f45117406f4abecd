"""Passwords: argon2id hashes only, constant-time checks, a throttle on repeated failures.

The plaintext password lives only in the local variables of these functions:
it is never stored, logged or put into an exception message.
"""

from __future__ import annotations

import threading
import time
from functools import cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

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


def verify_password(stored_hash: str | None, password: str) -> bool:
    """argon2 compares in constant time; an unknown user costs the same as a wrong password."""
    if not stored_hash:
        try:
            _hasher.verify(_dummy_hash(), password)
        except VerificationError:
            pass
        return False
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError, ValueError):
        # ValueError covers UnicodeEncodeError: a hash cell someone typed over in the sheet
        return False


class LoginThrottle:
    """After ``max_failures`` failed attempts within ``window`` seconds a login waits ``lockout`` seconds."""

    def __init__(self, max_failures: int = 5, window: float = 900, lockout: float = 300, clock=time.monotonic):
        self.max_failures, self.window, self.lockout, self.clock = max_failures, window, lockout, clock
        self._failures: dict[str, list[float]] = {}
        self._locked_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait_seconds(self, login: str) -> float:
        with self._lock:
            return max(0.0, self._locked_until.get(login, 0.0) - self.clock())

    def failed(self, login: str) -> None:
        now = self.clock()
        with self._lock:
            recent = [t for t in self._failures.get(login, []) if now - t < self.window] + [now]
            self._failures[login] = recent
            if len(recent) >= self.max_failures:
                self._locked_until[login] = now + self.lockout
                self._failures[login] = []

    def succeeded(self, login: str) -> None:
        with self._lock:
            self._failures.pop(login, None)
            self._locked_until.pop(login, None)
