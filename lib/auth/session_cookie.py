"""The sign-in cookie: what it holds, how it is signed, when it stops being valid. No Streamlit here.

After a successful sign-in the server sets one cookie (``debt_session``) on the browser: signed with
a server-side secret (``itsdangerous``, which ships with Streamlit), HttpOnly (JavaScript cannot read
it), SameSite=Lax, with an expiry. It names the user and carries a *fingerprint* of what the sign-in
was granted on: an HMAC of the user's password hash, role, participant and active flag. Changing any
of them — a new password, another role, disabling the account — changes the fingerprint, so every
cookie issued before stops working at once, on either store (the users record is re-read from the
store on every page run); a change of the name or e-mail layout does not sign anyone out.

The cookie holds no secret: the fingerprint is keyed with the server's secret, so it reveals nothing
about the hash and cannot be recomputed elsewhere. The server is the only place that can issue one.

A sign-in also ends on the server, not only in the browser (issue 23, item 8). The cookie carries the id of
its sign-in (``sid``) and the version (``save_id``) of the users record it was granted on:

- «Выйти» writes the sid into ``SessionLedger`` (a table in the store's ``server_file``, which every process
  of the server opens): a copy of the cookie presented afterwards is refused;
- every version of the record saved since that one must have the same fingerprint (``still_valid``): a user
  disabled and enabled again, or given a password and then the old one back, does not get old cookies back;
- a password change of one's own re-issues this sign-in's cookie for the new record; the others stay ended.

Setting an HttpOnly cookie needs an HTTP response, and a Streamlit page talks over a websocket; so
the page hands the browser a *ticket* — signed, valid for a minute, usable once, tied to this
browser — and sends it to the server route that sets the cookie (``lib/ui/web_session.py``).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets as random
import sqlite3
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from lib.core.config import PROJECT_ROOT, ConfigError
from lib.core.transaction import immediate

COOKIE = "debt_session"
DEFAULT_HOURS = 12.0  # a working day: a person signs in once in the morning
TICKET_SECONDS = 60
MIN_SECRET_LENGTH = 32
GENERATED_SECRET = PROJECT_ROOT / "data" / "session-secret"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Claim:
    """What a valid cookie or ticket says: who, and the fingerprint of the account it was issued for."""

    login: str
    fingerprint: str
    sid: str = ""  # this sign-in: «Выйти» ends it on the server (SessionLedger)
    version: str = ""  # save_id of the users record it was granted on (see Sessions.still_valid)


def _generated_secret(path: Path) -> str:
    """A random secret kept in a file next to the embedded database (``data/`` is not in git), made
    on first use, readable by the server's user only. Every process of this installation reads the
    same file, so a restart keeps people signed in. Without a writable folder: one per process."""
    try:
        if existing := _written(path):
            return existing
    except FileNotFoundError:
        pass
    except OSError as err:
        log.warning("Секрет cookie входа не прочитан из %s (%s): действует до перезапуска", path, err)
        return random.token_urlsafe(48)
    value = random.token_urlsafe(48)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it a moment ago: use theirs
        return _written(path) or value
    except OSError as err:
        log.warning("Секрет cookie входа не записан в %s (%s): действует до перезапуска", path, err)
        return value
    with os.fdopen(fd, "w") as f:
        f.write(value)
    return value


def _written(path: Path) -> str:
    """The secret in ``path``; a file another process has created but not yet written reads empty for a
    moment, so wait for it (an empty secret would sign every cookie with nothing)."""
    for _ in range(100):
        text = path.read_text().strip()
        if text:
            return text
        time.sleep(0.02)
    return ""


def settings_from(env: Mapping[str, str], secrets: Mapping, generated: Path = GENERATED_SECRET) -> tuple[str, float]:
    """(secret, lifetime in hours): ``DEBT_COOKIE_SECRET`` / ``[session] cookie_secret``, else the
    generated one; ``DEBT_SESSION_HOURS`` / ``[session] hours``, else 12. A configured secret that is
    too short is refused (it could be guessed), never silently replaced."""
    section = secrets.get("session", {}) or {}
    secret = (env.get("DEBT_COOKIE_SECRET") or str(section.get("cookie_secret") or "")).strip()
    if secret and len(secret) < MIN_SECRET_LENGTH:
        raise ConfigError(f"DEBT_COOKIE_SECRET / [session] cookie_secret: нужно не меньше {MIN_SECRET_LENGTH} "
                          "случайных символов (например, вывод python -c \"import secrets; print(secrets.token_urlsafe(48))\")")
    hours_text = env.get("DEBT_SESSION_HOURS") or section.get("hours") or DEFAULT_HOURS
    try:
        hours = float(hours_text)
    except (TypeError, ValueError):
        hours = -1.0
    if not 0 < hours <= 24 * 90:
        raise ConfigError(f"DEBT_SESSION_HOURS / [session] hours: «{hours_text}» — нужно число часов от 0 до 2160")
    return secret or _generated_secret(generated), hours


class Sessions:
    """Issues and checks cookies and tickets with one secret."""

    def __init__(self, secret: str, hours: float = DEFAULT_HOURS, clock=time.time):
        self.secret, self.max_age, self.clock = secret, int(hours * 3600), clock
        self._cookies = URLSafeTimedSerializer(secret, salt="debt-session")
        self._tickets = URLSafeTimedSerializer(secret, salt="debt-session-ticket")  # never accepted as a cookie
        self._used: dict[str, float] = {}
        self._lock = threading.Lock()

    def fingerprint(self, row: Mapping) -> str:
        """What the sign-in rests on; any change of it ends every cookie issued for the account."""
        active = row.get("active")
        parts = [str(row.get("login") or "").strip().lower(), str(row.get("role") or ""),
                 str(row.get("participant_id") or ""), "off" if active is False else "on",
                 str(row.get("password_hash") or "")]
        return hmac.new(self.secret.encode(), "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()[:32]

    def claim(self, row: Mapping, sid: str | None = None) -> Claim:
        """A sign-in granted on this users record: a new one, or (``sid``) the same sign-in moved to the record
        as saved now (one's own password change)."""
        return Claim(str(row["login"]).strip().lower(), self.fingerprint(row), sid or random.token_urlsafe(16),
                     str(row.get("save_id") or ""))

    def cookie(self, claim: Claim) -> str:
        return self._dumps(self._cookies, {"u": claim.login, "f": claim.fingerprint, "s": claim.sid, "v": claim.version})

    def read_cookie(self, value: str | None) -> Claim | None:
        """The claim of a cookie signed here and not older than the lifetime; None for anything else."""
        data = self._loads(self._cookies, value, self.max_age)
        return _claim(data)

    def ticket(self, claim: Claim, browser: str) -> str:
        """A one-minute, one-time pass to the route that sets the cookie, for this browser only."""
        return self._dumps(self._tickets, {"u": claim.login, "f": claim.fingerprint, "s": claim.sid, "v": claim.version,
                                           "b": browser, "n": random.token_urlsafe(12)})

    def redeem(self, value: str | None, browser: str) -> Claim | None:
        """The ticket's claim, once: a second use, another browser, a forged or old ticket get None."""
        data = self._loads(self._tickets, value, TICKET_SECONDS)
        if not data or not hmac.compare_digest(str(data.get("b", "")), browser):
            return None
        now = self.clock()
        with self._lock:
            self._used = {n: t for n, t in self._used.items() if t > now}
            if data["n"] in self._used:
                return None
            self._used[data["n"]] = now + TICKET_SECONDS + 5
        return _claim(data)

    def valid_for(self, claim: Claim | None, row: Mapping | None) -> bool:
        """The claim still matches the account as stored now (exists, active, same fingerprint)."""
        return bool(claim and row and row.get("active") is not False
                    and hmac.compare_digest(claim.fingerprint, self.fingerprint(row)))

    def still_valid(self, claim: Claim | None, versions: Sequence[Mapping]) -> bool:
        """The claim holds on every version of the account saved since the one it was granted on (``versions``:
        all of them, oldest first). A version in between with another fingerprint — disabled, another password,
        role or participant — ends it for good, even when a later version is as before."""
        if not claim or not claim.version:
            return False
        granted = False
        for row in versions:
            granted = granted or str(row.get("save_id") or "") == claim.version
            if granted and not hmac.compare_digest(claim.fingerprint, self.fingerprint(row)):
                return False
        return granted and versions[-1].get("active") is not False

    def _dumps(self, serializer: URLSafeTimedSerializer, data: dict) -> str:
        # the signer takes the time from our clock, so tests can age a cookie instead of waiting
        signer = serializer.make_signer()
        signer.get_timestamp = lambda: int(self.clock())
        return signer.sign(serializer.dump_payload(data)).decode()

    def _loads(self, serializer: URLSafeTimedSerializer, value: str | None, max_age: int) -> dict | None:
        if not value or len(value) > 4096:
            return None
        signer = serializer.make_signer()
        signer.get_timestamp = lambda: int(self.clock())
        try:
            payload = signer.unsign(value.encode("latin-1", "replace"), max_age=max_age)
            data = serializer.load_payload(payload)
        except (SignatureExpired, BadSignature, UnicodeError, ValueError):
            return None
        return data if isinstance(data, dict) and isinstance(data.get("u"), str) and isinstance(data.get("f"), str) else None


def _claim(data: dict | None) -> Claim | None:
    if not data or not isinstance(data.get("s"), str) or not isinstance(data.get("v"), str) or not data["s"]:
        return None  # a cookie of the version before sign-ins ended on the server: sign in again, once
    return Claim(data["u"], data["f"], data["s"], data["v"])


class SessionLedger:
    """The sign-ins ended with «Выйти», kept in a SQLite file on the server (``path``: the store's
    ``server_file``, the same file the sign-in throttle uses), so every process of the server and a restart
    refuse the cookie of an ended sign-in; without a path, in this process's memory. An entry is kept as long
    as a cookie could live (``hours``), then forgotten."""

    def __init__(self, path: str | Path | None = None, hours: float = DEFAULT_HOURS, clock=time.time):
        self.path, self.keep, self.clock = (Path(path) if path else None), hours * 3600 + 300, clock
        self._lock = threading.Lock()
        self._memory = None if self.path else sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        with self._connection() as con:
            con.execute("CREATE TABLE IF NOT EXISTS sessions_ended (sid TEXT PRIMARY KEY, until REAL NOT NULL)")
            con.execute("CREATE TABLE IF NOT EXISTS sessions_granted (sid TEXT PRIMARY KEY, version TEXT NOT NULL, "
                        "until REAL NOT NULL)")

    def _connection(self):
        return immediate(self._lock, self._memory, lambda: sqlite3.connect(str(self.path), timeout=30, isolation_level=None))

    def end(self, sid: str) -> None:
        """«Выйти»: this sign-in is over on every process of the server."""
        if not sid:
            return
        now = self.clock()
        with self._connection() as con:
            con.execute("DELETE FROM sessions_ended WHERE until <= ?", (now,))
            con.execute("INSERT OR REPLACE INTO sessions_ended (sid, until) VALUES (?, ?)", (sid, now + self.keep))

    def granted(self, sid: str, version: str, keep_hours: float = 24 * 31) -> str:
        """The users version a sign-in of single sign-on (whose cookie Streamlit keeps for 30 days and which
        cannot carry it) was first used on: ``version`` the first time, the stored one afterwards."""
        now = self.clock()
        with self._connection() as con:
            con.execute("DELETE FROM sessions_granted WHERE until <= ?", (now,))
            con.execute("INSERT OR IGNORE INTO sessions_granted (sid, version, until) VALUES (?, ?, ?)",
                        (sid, version, now + keep_hours * 3600))
            return con.execute("SELECT version FROM sessions_granted WHERE sid = ?", (sid,)).fetchone()[0]

    def ended(self, sid: str) -> bool:
        """Asked on every page run: a plain read, no write lock (readers never queue behind each other)."""
        with self._lock:
            if self._memory is not None:
                return self._memory.execute("SELECT 1 FROM sessions_ended WHERE sid = ?", (sid,)).fetchone() is not None
            con = sqlite3.connect(str(self.path), timeout=30)
            try:
                return con.execute("SELECT 1 FROM sessions_ended WHERE sid = ?", (sid,)).fetchone() is not None
            finally:
                con.close()


_ledgers: dict[str, SessionLedger] = {}
_ledgers_lock = threading.Lock()


def ledger_for(path: Path | None, hours: float = DEFAULT_HOURS, key: str = "") -> SessionLedger:
    """One ledger object per file in the process (``key`` names an in-memory one)."""
    where = str(path) if path else f"memory:{key}"
    with _ledgers_lock:
        if where not in _ledgers:
            _ledgers[where] = SessionLedger(path, hours)
        return _ledgers[where]


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a path of this app (``/data?tab=x``), never another site."""
    if not value or not isinstance(value, str) or len(value) > 2000:
        return "/"
    if not value.startswith("/") or value.startswith("//") or "\\" in value or any(ord(ch) < 32 for ch in value):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return "/"
    return value
