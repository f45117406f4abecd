"""HTTP layer for the Sheets adapter: bounded, jittered retries and clear errors.

gspread 6.2.1's own ``BackOffHTTPClient`` never stops retrying, so we bring
our own policy. Only reads are retried here. A write that fails ambiguously
(5xx, timeout) may have landed, so its retry belongs to the store, which first
checks whether the save is already in the sheet (see ``SheetsStore._write``).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import requests
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient

from lib.store.port import StoreError, StoreUnavailable

TRANSIENT_STATUS = frozenset({408, 429, 500, 502, 503, 504})


@dataclass
class RetryPolicy:
    """Full-jitter exponential backoff with a cap on attempts and on total wait."""

    attempts: int = 5
    base: float = 0.5
    cap: float = 8.0
    deadline: float = 45.0  # total seconds of waiting between attempts, at most
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def delays(self) -> Iterator[float]:
        """Waits before attempt 2, 3, …; stops early when the deadline would pass."""
        waited = 0.0
        for attempt in range(self.attempts - 1):
            delay = self.rng.uniform(0, min(self.cap, self.base * 2**attempt))
            if waited + delay > self.deadline:
                return
            waited += delay
            yield delay


def status_of(exc: BaseException) -> int | None:
    if isinstance(exc, APIError):
        return exc.response.status_code
    return None


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, (requests.Timeout, requests.ConnectionError)):
        return True
    return status_of(exc) in TRANSIENT_STATUS


def was_refused(exc: BaseException) -> bool:
    """429: quota refused the request before it did anything, so it certainly did not land."""
    return status_of(exc) == 429


def describe_failure(exc: BaseException) -> str:
    if isinstance(exc, requests.Timeout):
        return "нет ответа (истекло время ожидания)"
    if isinstance(exc, requests.ConnectionError):
        return "нет соединения"
    status = status_of(exc)
    if status == 429:
        return "превышена квота запросов Google (HTTP 429)"
    if isinstance(exc, APIError):
        message = exc.error.get("message", "") if isinstance(exc.error, dict) else ""
        return f"HTTP {status}: {message}".strip(": ")
    return str(exc)


def store_error(exc: BaseException, key: str) -> StoreError:
    """A non-transient API error, worded for a person."""
    status = status_of(exc)
    if status == 403:
        return StoreError(
            "Нет доступа к Google Таблице: откройте её (кнопка «Настройки доступа») для e-mail "
            "сервисного аккаунта с правом «Редактор»."
        )
    if status == 404:
        return StoreError(f"Google Таблица с ключом «{key}» не найдена: проверьте ключ в настройках.")
    return StoreError(f"Google Таблица отклонила запрос ({describe_failure(exc)}).")


def call_with_retry(call: Callable[[], object], policy: RetryPolicy, what: str) -> object:
    delays = policy.delays()
    while True:
        try:
            return call()
        except Exception as exc:
            if not is_transient(exc):
                raise
            delay = next(delays, None)
            if delay is None:
                raise StoreUnavailable(
                    f"Google Таблица не ответила ({what}): {describe_failure(exc)} после "
                    f"{policy.attempts} попыток. Попробуйте ещё раз через минуту."
                ) from exc
            policy.sleep(delay)


class RetryingHTTPClient(HTTPClient):
    """gspread's HTTP client with bounded retries for GET requests."""

    policy: RetryPolicy = RetryPolicy()

    def request(self, method, endpoint, params=None, data=None, json=None, files=None, headers=None):
        send = lambda: super(RetryingHTTPClient, self).request(
            method, endpoint, params=params, data=data, json=json, files=files, headers=headers
        )
        if method.upper() != "GET":
            return send()
        return call_with_retry(send, self.policy, "чтение")
