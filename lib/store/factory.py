"""Store URLs -> store objects; one store (and one Google client) per process."""

from __future__ import annotations

import re
import threading
from pathlib import Path

from lib.config import PROJECT_ROOT, Config, ConfigError
from lib.store.port import Store

SCOPES = ["https://www.googleapis.com/auth/spreadsheets"]
_SHEET_URL = re.compile(r"https://docs\.google\.com/spreadsheets/d/([A-Za-z0-9_-]+)")
_shared: dict[str, Store] = {}
_lock = threading.Lock()


def sqlite_path(url: str) -> Path:
    """``sqlite:///data/x.sqlite`` is relative to the project, ``sqlite:////abs/x.sqlite`` absolute."""
    path = Path(url[len("sqlite:///"):])
    return path if path.is_absolute() else PROJECT_ROOT / path


def sheet_key(url: str) -> str:
    found = _SHEET_URL.match(url)
    if found:
        return found[1]
    key = url[len("gsheets://"):].strip("/")
    if not re.fullmatch(r"[A-Za-z0-9_-]{10,}", key):
        raise ConfigError(f"«{url}»: после gsheets:// нужен ключ Google Таблицы (часть её адреса между /d/ и /edit)")
    return key


def google_client(config: Config, session=None):
    """A gspread client with bounded retries and explicit timeouts."""
    import gspread

    from lib.store.sheets_http import RetryingHTTPClient, RetryPolicy

    credentials = None
    if session is None:
        from google.oauth2.service_account import Credentials

        if config.service_account:
            credentials = Credentials.from_service_account_info(dict(config.service_account), scopes=SCOPES)
        elif config.credentials_file:
            try:
                credentials = Credentials.from_service_account_file(config.credentials_file, scopes=SCOPES)
            except (OSError, ValueError) as err:
                raise ConfigError(f"GOOGLE_APPLICATION_CREDENTIALS: не удалось прочитать ключ сервисного аккаунта: {err}") from err
        else:
            raise ConfigError(
                "Для Google Таблицы нужен сервисный аккаунт: раздел [gcp_service_account] в "
                ".streamlit/secrets.toml или переменная GOOGLE_APPLICATION_CREDENTIALS (см. README)."
            )
    client = gspread.Client(auth=credentials, session=session, http_client=RetryingHTTPClient)
    client.http_client.policy = RetryPolicy()
    client.set_timeout((10, 60))  # connect, read: a stuck request must end, never hang a page
    return client


def open_store(url: str, config: Config, session=None) -> Store:
    """A new store object for the URL (use ``shared_store`` in the app)."""
    if url.startswith("sqlite:///"):
        from lib.store.sqlite_store import SQLiteStore

        return SQLiteStore(sqlite_path(url), url=url)
    if url.startswith(("gsheets://", "https://docs.google.com/spreadsheets/")):
        from lib.store.sheets_store import SheetsStore

        return SheetsStore(sheet_key(url), google_client(config, session), cache_ttl=config.cache_ttl)
    raise ConfigError(f"Неизвестный адрес хранилища «{url}»: ожидается sqlite:///путь или gsheets://ключ")


def shared_store(config: Config) -> Store:
    """The process-wide store for the configured URL: the client is created once."""
    with _lock:
        if config.store_url not in _shared:
            _shared[config.store_url] = open_store(config.store_url, config)
        return _shared[config.store_url]
