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

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SECRETS_FILE = PROJECT_ROOT / ".streamlit" / "secrets.toml"
DEFAULT_STORE_URL = "sqlite:///data/debt.sqlite"


class ConfigError(Exception):
    """Configuration is present but wrong; the message says what to fix (Russian)."""


@dataclass(frozen=True)
class Config:
    store_url: str
    service_account: Mapping | None = None  # the [gcp_service_account] table
    credentials_file: str | None = None  # GOOGLE_APPLICATION_CREDENTIALS
    cache_ttl: float = 30.0

    @property
    def is_default_store(self) -> bool:
        return self.store_url == DEFAULT_STORE_URL


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
    ttl_text = env.get("DEBT_CACHE_TTL") or store.get("cache_ttl") or 30
    try:
        ttl = float(ttl_text)
    except (TypeError, ValueError):
        raise ConfigError(f"DEBT_CACHE_TTL / [store] cache_ttl: «{ttl_text}» — не число секунд") from None
    account = secrets.get("gcp_service_account")
    return Config(
        store_url=url,
        service_account=dict(account) if account else None,
        credentials_file=env.get("GOOGLE_APPLICATION_CREDENTIALS") or None,
        cache_ttl=ttl,
    )
