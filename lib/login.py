"""Logging in: the built-in form (login + password) and single sign-on matched by e-mail."""

from __future__ import annotations

import math

from lib.access import User
from lib.passwords import LoginThrottle, verify_password

THROTTLE = LoginThrottle()  # per process: every session of this server shares it


class LoginError(Exception):
    """Shown to the person as is (Russian); never contains the password."""


def _find(snapshot, login: str) -> dict | None:
    users = snapshot.current("users")
    match = users[users["login"].str.lower() == login]
    return match.iloc[-1].to_dict() if len(match) else None


def authenticate(snapshot, login: str, password: str, throttle: LoginThrottle = THROTTLE) -> User:
    key = (login or "").strip().lower()
    if not key or not password:
        raise LoginError("Введите логин и пароль.")
    wait = throttle.wait_seconds(key)
    if wait > 0:
        raise LoginError(f"Слишком много неудачных попыток входа. Повторите через {math.ceil(wait / 60)} мин.")
    row = _find(snapshot, key)
    stored = row.get("password_hash") if row else None
    if not verify_password(stored if isinstance(stored, str) else None, password):
        throttle.failed(key)
        raise LoginError("Неверный логин или пароль.")
    if row.get("active") is False:
        raise LoginError("Учётная запись отключена. Обратитесь к координатору.")
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


def current_user(snapshot, login: str | None) -> User | None:
    """Re-read the user on every page run: a user disabled meanwhile is logged out at once."""
    if not login:
        return None
    row = _find(snapshot, login.lower())
    if row is None or row.get("active") is False:
        return None
    return User.from_row(row)
