"""Logging in: the built-in form (login + password) and single sign-on matched by e-mail."""

from __future__ import annotations

import math
import threading

from lib.auth.access import User
from lib.auth.passwords import LoginThrottle, verify_password

WRONG = "Неверный логин или пароль."
_throttles: dict[str, LoginThrottle] = {}
_lock = threading.Lock()


class LoginError(Exception):
    """Shown to the person as is (Russian); never contains the password."""


def _find(snapshot, login: str) -> dict | None:
    users = snapshot.current("users")
    match = users[users["login"].str.lower() == login]
    return match.iloc[-1].to_dict() if len(match) else None


def throttle_for(store) -> LoginThrottle:
    """The sign-in throttle of this store's server, kept in its ``server_file`` so that every process of the
    server and a restart see the same failures; one object per file in the process."""
    path = store.server_file()
    where = str(path) if path else f"memory:{id(store)}"
    with _lock:
        if where not in _throttles:
            _throttles[where] = LoginThrottle(path=path)
        return _throttles[where]


def authenticate(snapshot, login: str, password: str, throttle: LoginThrottle) -> User:
    """The user of this login and password, or ``LoginError``.

    An unknown login, a wrong password and a disabled account get the same answer after the same work (one
    argon2 verification at our parameters, see ``verify_password``), so neither the words nor the time tell
    which it was — «Учётная запись отключена» would confirm the password. Every attempt is checked only when the
    throttle admits it (see ``LoginThrottle``) and counts as a failure unless it succeeds.
    """
    key = (login or "").strip().lower()
    if not key or not password:
        raise LoginError("Введите логин и пароль.")
    wait = throttle.admit(key)
    if wait > 0:
        raise LoginError(f"Слишком много неудачных попыток входа. Повторите через {math.ceil(wait / 60)} мин.")
    try:
        row = _find(snapshot, key)
        stored = row.get("password_hash") if row else None
        matched = verify_password(stored if isinstance(stored, str) else None, password)
    except BaseException:
        throttle.rejected(key)
        raise
    if not matched or row.get("active") is False:
        throttle.rejected(key)
        raise LoginError(WRONG)
    throttle.succeeded(key)
    return User.from_row(row)


def user_by_email(snapshot, email: str | None) -> User:
    """Single sign-on: the e-mail from the identity provider must be a user of this district."""
    key = (email or "").strip().lower()
    row = _find(snapshot, key) if key else None
    if row is None:
        raise LoginError(
            f"Адрес {email or '(не передан)'} не зарегистрирован в системе. Обратитесь к координатору, "
            "чтобы вас добавили."
        )
    if row.get("active") is False:
        raise LoginError("Учётная запись отключена. Обратитесь к координатору.")
    return User.from_row(row)


def user_row(snapshot, login: str | None) -> dict | None:
    """The current users record of a login (any case), or None: what a sign-in cookie is checked against."""
    key = (login or "").strip().lower()
    return _find(snapshot, key) if key else None


def user_versions(snapshot, login: str | None) -> list[dict]:
    """Every stored version of a login's users record, oldest first: what a sign-in is held to."""
    key = (login or "").strip().lower()
    users = snapshot.all_versions("users")
    if not key or users.empty:
        return []
    return users[users["login"].astype(str).str.strip().str.lower() == key].to_dict("records")


def current_user(snapshot, login: str | None) -> User | None:
    """Re-read the user on every page run: a user disabled meanwhile is logged out at once."""
    if not login:
        return None
    row = _find(snapshot, login.lower())
    if row is None or row.get("active") is False:
        return None
    return User.from_row(row)
