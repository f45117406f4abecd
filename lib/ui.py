"""The thin glue between Streamlit and lib/: configuration, the shared store, common chrome.

Everything Streamlit-specific that several pages need lives here so pages stay
a few lines of layout; nothing here computes a figure.
"""

from __future__ import annotations

import streamlit as st

from lib import config as cfg
from lib.demo import ensure_demo
from lib.settings import read_settings
from lib.store.factory import shared_store
from lib.store.port import Snapshot, Store, StoreError


def secrets_mapping() -> dict:
    """``st.secrets`` as a dict; no secrets file is the normal first-run case."""
    try:
        return st.secrets.to_dict()
    except Exception:  # StreamlitSecretNotFoundError (or a malformed file, reported by resolve)
        return {}


def store() -> Store:
    """The configured store; on the default embedded store, demo data on first start."""
    try:
        config = cfg.resolve(secrets=secrets_mapping())
        current = shared_store(config)
        ensure_demo(current, config)
        return current
    except (cfg.ConfigError, StoreError) as err:
        st.error(f"Хранилище данных недоступно: {err}")
        st.stop()


def snapshot() -> Snapshot:
    try:
        return store().read_all()
    except StoreError as err:
        st.error(f"Не удалось прочитать данные: {err}")
        st.stop()


def chrome(current: Store, snap: Snapshot) -> None:
    """Sidebar store line and the demo banner, on every page."""
    settings = read_settings(snap)
    with st.sidebar:
        st.caption(f"Район: **{settings['district_name']}**")
        st.caption(f"Данные: {current.describe()}")
    if settings["demo"]:
        st.warning(
            "Демонстрационные данные: Ленский район, 2023–2024 годы. Цифры сгенерированы и не являются "
            "отчётностью. Чтобы работать с настоящими данными, подключите Google Таблицу (см. README).",
            icon="⚠️",
        )
