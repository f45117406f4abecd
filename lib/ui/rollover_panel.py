"""«Администрирование» → «Новый год»: ``rollover`` started by the coordinator, with its progress on screen."""

from __future__ import annotations

import dataclasses
import re

import streamlit as st

from lib.core import config as cfg
from lib.store.factory import shared_store
from lib.store.port import StoreError
from lib.store.rollover import rollover
from lib.store.sheets_store import SheetsStore
from lib.ui import shell

KEY = re.compile(r"(?:https://docs\.google\.com/spreadsheets/d/|gsheets://)?([A-Za-z0-9_-]{20,})")


def target_url(text: str) -> str | None:
    """What a person pastes (the address from the browser, gsheets://…, or the bare key) -> gsheets://KEY."""
    m = KEY.match(text.strip())
    return f"gsheets://{m[1]}" if m else None


def show(user) -> None:
    store = shell.store()
    if not isinstance(store, SheetsStore):
        st.info("Перенос в новую таблицу нужен Google Таблице (в ней не больше 10 млн ячеек). Встроенная база SQLite "
                "такого ограничения не имеет.")
        return
    if store.archived_to():
        st.info(f"Эта таблица — архив: данные продолжаются в таблице {store.archived_to()}. Укажите её адрес в настройках "
                "(DEBT_STORE / [store] url) и перезапустите приложение.")
        return
    st.markdown(
        "Когда таблица заполнится, начните новый год в новой Google Таблице: создайте пустую таблицу, откройте к ней доступ "
        f"сервисному аккаунту **{store.account or '(см. ключ сервисного аккаунта)'}** как редактору и вставьте её адрес ниже. "
        "Перенесутся справочники, последние месяцы отчётов, открытые решения и возвраты, строки с проблемами — как есть; "
        "журнал останется в архиве. Эта таблица станет архивом только для чтения. Если перенос прервётся, нажмите "
        "кнопку ещё раз с тем же адресом — он продолжится.")
    text = st.text_input("Адрес новой Google Таблицы", key="rollover_target", placeholder="https://docs.google.com/spreadsheets/d/…")
    months = st.number_input("Сколько последних месяцев отчётов перенести", min_value=1, max_value=36, value=12, step=1,
                             key="rollover_months")
    url = target_url(text) if text.strip() else None
    if text.strip() and url is None:
        st.error("Не похоже на адрес Google Таблицы: вставьте адрес из браузера (https://docs.google.com/spreadsheets/d/…).")
    if url == f"gsheets://{store.key}":
        st.error("Это адрес текущей таблицы: укажите новую, пустую.")
        url = None
    confirmed = st.checkbox("Да, эта таблица станет архивом только для чтения", key="rollover_confirm")
    if not st.button("Перенести в новую таблицу", key="rollover_start", type="primary", disabled=not (url and confirmed)):
        return
    config = dataclasses.replace(cfg.resolve(secrets=shell.secrets_mapping()), store_url=url)
    with st.status("Перенос в новую таблицу…", expanded=True) as status:
        try:
            target = shared_store(config)
            carried = rollover(store, target, months=int(months), user=user.login, progress=status.write)
        except (StoreError, cfg.ConfigError) as err:
            status.update(label="Перенос прерван", state="error")
            st.error(f"{err} Уже перенесённое сохранено: нажмите «Перенести» ещё раз с тем же адресом — перенос продолжится.")
            return
        status.update(label="Перенос завершён", state="complete")
    store.invalidate()
    st.success("\n".join([f"Открытые данные перенесены в {target.describe()}:", *[f"- {line.strip()}" for line in carried.lines(target.schema)],
                          f"\nЭта таблица теперь архив. Укажите новый адрес в настройках: DEBT_STORE / [store] url = {url} — "
                          "и перезапустите приложение."]))
