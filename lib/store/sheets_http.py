"""HTTP layer for the Sheets adapter: a wall-clock budget, bounded jittered retries, Russian errors.

gspread 6.2.1's own ``BackOffHTTPClient`` never stops retrying, so we bring our own policy.
Every operation (a read, a save with its checks and resends) runs under a ``Budget`` of wall
time (``RetryPolicy.budget``, 90 s): each request's time-out is cut to what is left of it and no
wait outlasts it, so the worst case is bounded by the clock, not by a count of sleeps.

A 429 (quota) is not retried by count: Google's quotas "are refilled every minute … After 1 minute,
you can execute requests again" (https://developers.google.com/sheets/api/limits), so a request
refused for quota is tried again every ``quota_wait`` seconds for as long as the budget allows —
with the 90 s budget that always spans a refill. Each wait is told to the person (``port.report_progress``).

Only reads are retried here. A write that fails ambiguously (5xx, time-out) may have landed,
or may still land — Google can apply a request up to 180 s after the client gave up — so its
retry belongs to the store, which first looks for the save in the sheet (``SheetsStore._send``).

Every failure of Google, of google-auth (token refresh, a revoked key) and of the network
becomes a ``StoreError`` with a Russian message saying what to do; a 403 is told apart by
Google's error body: the sheet not shared with the service account (its e-mail is named), the
Sheets API not enabled in its project, or a protected range.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import requests
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient

from lib.store.port import StoreError, StoreUnavailable, report_progress

TRANSIENT_STATUS = frozenset({408, 429, 500, 502, 503, 504})


class LayoutChanged(StoreError):
    """A tab was renamed or deleted since the metadata was read ("Unable to parse range",
    "No grid with id"): the store refreshes its metadata and says which tab."""


@dataclass
class RetryPolicy:
    """Full-jitter exponential backoff inside a wall-clock budget."""

    attempts: int = 6
    base: float = 0.5
    cap: float = 8.0
    budget: float = 90.0  # wall-clock seconds one operation may take, requests and waits included
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    confirm_window: float = 30.0  # after a lost answer: how long to look for the save before resending
    quota_wait: float = 15.0  # after a 429: the wait before the next try (jittered 75–100 %), tried until the budget ends
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    rng: random.Random = field(default_factory=random.Random)

    def delays(self) -> Iterator[float]:
        """Waits before attempt 2, 3, … (the budget may stop them earlier)."""
        for attempt in range(self.attempts - 1):
            yield self.rng.uniform(0, min(self.cap, self.base * 2**attempt))

    def next_delay(self, exc: BaseException, delays: Iterator[float]) -> float | None:
        """The wait before trying again after ``exc`` (a transient failure), or None: give up. A 429 waits
        for the quota's minute (bounded by the budget, not by ``attempts``); the rest follow ``delays``."""
        if status_of(exc) == 429:
            return self.quota_wait * self.rng.uniform(0.75, 1.0)
        return next(delays, None)


class Budget:
    """The wall time left to one operation; requests made under it get their time-outs cut to it."""

    _local = threading.local()

    def __init__(self, policy: RetryPolicy, started: float | None = None, on_wait: Callable[[str], None] | None = None):
        """``started``: when the operation began on ``policy.clock`` (a save: the click, so its queue and
        the lock count too); ``on_wait``: told, in Russian, each time the operation waits and why."""
        self.policy = policy
        self.started = policy.clock() if started is None else started
        self.on_wait = on_wait

    def elapsed(self) -> float:
        return self.policy.clock() - self.started

    def left(self) -> float:
        return self.policy.budget - self.elapsed()

    MARGIN = 1.0  # seconds kept back for the answer's handling after the last request

    def timeout(self) -> tuple[float, float]:
        left = max(self.left() - self.MARGIN, 0.1)
        return min(self.policy.connect_timeout, left), min(self.policy.read_timeout, left)

    def wait(self, seconds: float, why: str | None = None) -> bool:
        """Sleep if the budget allows a request after the wait; False when it does not. ``why`` (Russian)
        is told to the person waiting (``on_wait``, else ``port.report_progress``)."""
        if seconds + 2 * self.MARGIN >= self.left():
            return False
        if why:
            self.tell(f"{why}: повтор через {seconds:.0f} с (прошло {self.elapsed():.0f} с из {self.policy.budget:.0f}).")
        self.policy.sleep(seconds)
        return True

    def tell(self, message: str) -> None:
        if self.on_wait is not None:
            self.on_wait(message)
        else:
            report_progress(message)

    def __enter__(self) -> Budget:
        self._outer = getattr(Budget._local, "current", None)
        if self._outer is None:  # an operation inside another one shares the outer budget
            Budget._local.current = self
            return self
        return self._outer

    def __exit__(self, *exc) -> None:
        if self._outer is None:
            Budget._local.current = None

    @classmethod
    def current(cls) -> Budget | None:
        return getattr(cls._local, "current", None)


def status_of(exc: BaseException) -> int | None:
    if isinstance(exc, APIError):
        return exc.response.status_code
    return None


def _auth_errors():
    from google.auth import exceptions

    return exceptions


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, (requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        return True
    auth = _auth_errors()
    if isinstance(exc, auth.TransportError):
        return True
    if isinstance(exc, auth.RefreshError):
        return bool(getattr(exc, "retryable", False))
    return status_of(exc) in TRANSIENT_STATUS


def waiting_reason(exc: BaseException) -> str:
    """Why an operation waits, for the person (shown while a save waits)."""
    if status_of(exc) == 429:
        return "Сохранение ждёт: Google ограничивает число запросов в минуту (HTTP 429), квота восстановится в течение минуты"
    return f"Сохранение ждёт: {describe_failure(exc)}"


def was_refused(exc: BaseException) -> bool:
    """Certainly not applied: refused by quota (429), or never connected."""
    return status_of(exc) == 429 or isinstance(exc, requests.exceptions.ConnectTimeout)


def error_message(exc: BaseException) -> str:
    if isinstance(exc, APIError) and isinstance(exc.error, dict):
        return str(exc.error.get("message", ""))
    return ""


def _reasons(exc: BaseException) -> set[str]:
    if not (isinstance(exc, APIError) and isinstance(exc.error, dict)):
        return set()
    return {d.get("reason", "") for d in exc.error.get("details", []) or [] if isinstance(d, dict)}


def describe_failure(exc: BaseException) -> str:
    if isinstance(exc, requests.Timeout):
        return "нет ответа (истекло время ожидания)"
    if isinstance(exc, (requests.ConnectionError, _auth_errors().TransportError)):
        return "нет соединения с Google"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "ответ Google оборвался"
    status = status_of(exc)
    if status == 429:
        return "превышена квота запросов Google (HTTP 429: не больше 60 запросов в минуту от сервисного аккаунта)"
    if status is not None and status >= 500:
        return f"сбой на стороне Google (HTTP {status})"
    if isinstance(exc, APIError):
        return f"HTTP {status}: {error_message(exc)}".strip(": ")
    return str(exc)


def store_error(exc: BaseException, key: str, account: str | None = None) -> StoreError:
    """A non-transient failure, worded for a person: what happened and what to do."""
    who = f"сервисного аккаунта {account}" if account else "сервисного аккаунта (client_email в ключе JSON)"
    auth = _auth_errors()
    if isinstance(exc, auth.RefreshError):
        return StoreError(
            f"Google не выдал доступ {who}: ключ отозван, сервисный аккаунт удалён или часы сервера сбиты "
            "(«{}»). Проверьте сервисный аккаунт в Google Cloud Console (IAM → Сервисные аккаунты) и при "
            "необходимости создайте новый ключ JSON.".format(str(exc)[:200])
        )
    if isinstance(exc, auth.GoogleAuthError):
        return StoreError(f"Ошибка учётных данных Google для {who}: {str(exc)[:200]}. Проверьте ключ JSON (см. README).")
    message = error_message(exc)
    status = status_of(exc)
    if "protected cell or object" in message:
        return StoreError(
            f"Лист защищён так, что {who} не может в него писать (защиту меняли в таблице). Выполните "
            "«python -m lib.cli bootstrap-sheet»: она восстановит защиту с правом записи для приложения. "
            "Данные не сохранены."
        )
    if status == 403 and ("SERVICE_DISABLED" in _reasons(exc) or "has not been used in project" in message
                          or "is disabled" in message):
        return StoreError(
            f"В проекте Google Cloud {who} не включён Google Sheets API. Откройте Google Cloud Console → "
            "«API и сервисы» → Google Sheets API → «Включить» и повторите через несколько минут."
        )
    if status == 403:
        return StoreError(
            f"Нет доступа к Google Таблице {key}: откройте её (кнопка «Настройки доступа») для {who} с правом «Редактор»."
        )
    if status == 401:
        return StoreError(f"Google не принял учётные данные {who}: проверьте ключ JSON (см. README).")
    if status == 404:
        return StoreError(f"Google Таблица с ключом «{key}» не найдена: проверьте ключ в настройках.")
    if "above the limit of" in message and "cells" in message:
        return StoreError(
            "Google Таблица заполнена: в одной таблице не больше 10 млн ячеек. Данные не сохранены. Начните новый "
            "год в новой таблице: «python -m lib.cli rollover --to gsheets://КЛЮЧ_НОВОЙ_ТАБЛИЦЫ» (README, «Ёмкость таблицы»)."
        )
    if "characters in a single cell" in message:
        return StoreError("В ячейке больше 50 000 символов — Google Таблица такое не принимает. Сократите текст. Данные не сохранены.")
    if "Unable to parse range" in message or "No grid with id" in message:
        return LayoutChanged(f"Лист Google Таблицы переименован или удалён ({message}).")
    return StoreError(f"Google Таблица отклонила запрос ({describe_failure(exc)}).")


def is_google_failure(exc: BaseException) -> bool:
    """An answer or a failure of Google, google-auth or the network (not a bug of ours)."""
    return isinstance(exc, (APIError, requests.RequestException, _auth_errors().GoogleAuthError))


def call_with_retry(call: Callable[[], object], policy: RetryPolicy, what: str) -> object:
    with Budget(policy) as budget:
        delays = policy.delays()
        while True:
            try:
                return call()
            except Exception as exc:
                if not is_transient(exc):
                    raise
                delay = policy.next_delay(exc, delays)
                if delay is None or not budget.wait(delay, waiting_reason(exc) if status_of(exc) == 429 else None):
                    raise StoreUnavailable(
                        f"Google Таблица не ответила ({what}): {describe_failure(exc)}; пробовали "
                        f"{budget.elapsed():.0f} с. Попробуйте ещё раз через минуту."
                    ) from exc


class RetryingHTTPClient(HTTPClient):
    """gspread's HTTP client with bounded retries for GET requests and time-outs cut to the budget."""

    policy: RetryPolicy = RetryPolicy()

    def request(self, method, endpoint, params=None, data=None, json=None, files=None, headers=None):
        def send():
            budget = Budget.current()
            response = self.session.request(
                method=method, url=endpoint, json=json, params=params, data=data, files=files, headers=headers,
                timeout=budget.timeout() if budget else self.timeout,
            )
            if response.ok:
                return response
            raise APIError(response)

        if method.upper() != "GET":
            return send()
        return call_with_retry(send, self.policy, "чтение")
