"""Where the data lives and with which credentials.

Order of precedence: environment variables, then ``.streamlit/secrets.toml``
(or the mapping Streamlit hands us as ``st.secrets``), then defaults. Having
no secrets file at all is the normal case for a newcomer: the app then runs
on the embedded SQLite store with demo data.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SECRETS_FILE = PROJECT_ROOT / ".streamlit" / "secrets.toml"
DEFAULT_STORE_URL = "sqlite:///data/debt.sqlite"
DEFAULT_SECRETS_FILE = "data/server-secrets.sqlite"
DEFAULT_TIME_ZONE = "Asia/Yakutsk"


class ConfigError(Exception):
    """Configuration is present but wrong; the message says what to fix (Russian)."""


@dataclass(frozen=True)
class Config:
    store_url: str
    service_account: Mapping | None = None  # the [gcp_service_account] table
    credentials_file: str | None = None  # GOOGLE_APPLICATION_CREDENTIALS
    cache_ttl: float = 30.0
    # Google Sheets deployments: where password hashes and the row-signing key live (never in the
    # shared sheet), the key itself if several servers share one sheet, how old a read a save may
    # reuse, and the district's time zone set on the spreadsheet by bootstrap-sheet
    secrets_file: str = DEFAULT_SECRETS_FILE
    signing_key: str | None = None
    write_freshness: float = 2.0
    save_window: float = 1.0  # seconds a save waits for other sessions' saves to go with it (README «Запросы в минуту у дедлайна»)
    time_zone: str = DEFAULT_TIME_ZONE
    # a PostgreSQL store: this machine's folder for the sign-in throttle and the typed copy (docs/postgresql.md)
    local_dir: str = "data"

    @property
    def is_default_store(self) -> bool:
        return self.store_url == DEFAULT_STORE_URL

    @property
    def local_path(self) -> Path:
        path = Path(self.local_dir)
        return path if path.is_absolute() else PROJECT_ROOT / path

    @property
    def secrets_path(self) -> Path:
        path = Path(self.secrets_file)
        return path if path.is_absolute() else PROJECT_ROOT / path


def read_secrets_file(path: Path = SECRETS_FILE) -> dict:
    if not path.exists():
        return {}
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"Файл {path} повреждён: {err}") from err


def resolve(env: Mapping[str, str] | None = None, secrets: Mapping | None = None) -> Config:
    env = os.environ if env is None else env
    secrets = read_secrets_file() if secrets is None else secrets
    store = secrets.get("store", {}) or {}
    url = (env.get("DEBT_STORE") or store.get("url") or DEFAULT_STORE_URL).strip()
    account = secrets.get("gcp_service_account")
    return Config(
        store_url=url,
        service_account=dict(account) if account else None,
        credentials_file=env.get("GOOGLE_APPLICATION_CREDENTIALS") or None,
        cache_ttl=_seconds(env, store, "DEBT_CACHE_TTL", "cache_ttl", 30),
        secrets_file=env.get("DEBT_SECRETS_FILE") or store.get("secrets_file") or DEFAULT_SECRETS_FILE,
        signing_key=env.get("DEBT_SIGNING_KEY") or store.get("signing_key") or None,
        write_freshness=_seconds(env, store, "DEBT_WRITE_FRESHNESS", "write_freshness", 2),
        save_window=_seconds(env, store, "DEBT_SAVE_WINDOW", "save_window", 1),
        time_zone=env.get("DEBT_TIME_ZONE") or store.get("time_zone") or DEFAULT_TIME_ZONE,
        local_dir=env.get("DEBT_LOCAL_DIR") or store.get("local_dir") or "data",
    )


def _seconds(env: Mapping[str, str], store: Mapping, variable: str, key: str, default: float) -> float:
    text = env.get(variable) or store.get(key)
    if text is None or text == "":  # not `or`: a 0 in secrets.toml means 0, not the default
        text = default
    try:
        return float(text)
    except (TypeError, ValueError):
        raise ConfigError(f"{variable} / [store] {key}: «{text}» — не число секунд") from None
