"""Store URLs -> store objects; one store (and one Google client) per process."""

from __future__ import annotations

import re
import threading
from pathlib import Path

from lib.core.config import PROJECT_ROOT, Config, ConfigError
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


def _key_problem(err: Exception) -> str:
    text = str(err)
    if "missing fields" in text:
        return "в ключе нет полей " + text.split("missing fields", 1)[1].strip(" .")
    if "private key" in text.lower() or "deserialize" in text.lower() or "PEM" in text:
        return "закрытый ключ (private_key) не читается"
    if isinstance(err, OSError):
        return f"файл не читается ({err.strerror or err})"
    return "ключ не в формате JSON-ключа сервисного аккаунта"


def credentials_for(config: Config):
    """Service-account credentials; a missing or malformed key is a Russian ``ConfigError``."""
    from google.auth.exceptions import GoogleAuthError
    from google.oauth2.service_account import Credentials

    if config.service_account:
        where, load = "раздел [gcp_service_account] в .streamlit/secrets.toml", lambda: Credentials.from_service_account_info(
            dict(config.service_account), scopes=SCOPES)
    elif config.credentials_file:
        where, load = f"файл {config.credentials_file} (GOOGLE_APPLICATION_CREDENTIALS)", lambda: Credentials.from_service_account_file(
            config.credentials_file, scopes=SCOPES)
    else:
        raise ConfigError(
            "Для Google Таблицы нужен сервисный аккаунт: раздел [gcp_service_account] в "
            ".streamlit/secrets.toml или переменная GOOGLE_APPLICATION_CREDENTIALS (см. README)."
        )
    try:
        return load()
    except (OSError, ValueError, TypeError, KeyError, GoogleAuthError) as err:
        raise ConfigError(
            f"Ключ сервисного аккаунта не подходит ({where}): {_key_problem(err)}. Скачайте ключ заново: Google Cloud "
            "Console → IAM → Сервисные аккаунты → «Ключи» → «Добавить ключ» → JSON (см. README)."
        ) from None


def google_client(config: Config, session=None):
    """A gspread client with bounded retries and explicit timeouts."""
    import gspread

    from lib.store.sheets_http import RetryingHTTPClient, RetryPolicy

    credentials = None if session is not None else credentials_for(config)
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
        from lib.store.server_secrets import ServerSecrets
        from lib.store.sheets_store import SheetsStore

        client = google_client(config, session)
        account = getattr(client.http_client, "auth", None)
        email = getattr(account, "service_account_email", None) or (config.service_account or {}).get("client_email")
        return SheetsStore(
            sheet_key(url), client, cache_ttl=config.cache_ttl, account_email=email,
            secrets=ServerSecrets(config.secrets_path, config.signing_key), write_freshness=config.write_freshness,
            save_window=config.save_window,
        )
    if url.startswith(("postgresql://", "postgres://")):
        from lib.store.postgres_store import PostgresStore

        return PostgresStore(url, local_dir=config.local_path)
    raise ConfigError(f"Неизвестный адрес хранилища «{url}»: ожидается sqlite:///путь, gsheets://ключ "
                      "или postgresql://пользователь@сервер/база")


def shared_store(config: Config) -> Store:
    """The process-wide store for the configured URL: the client is created once."""
    with _lock:
        if config.store_url not in _shared:
            _shared[config.store_url] = open_store(config.store_url, config)
        return _shared[config.store_url]
