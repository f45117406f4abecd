"""Issue 23, the remaining gaps (AppTest): drafts on the edit and administration forms, the reason asked for an
accounting identity, the settings' audit naming the setting."""

from __future__ import annotations

import datetime as dt

import pytest

from lib.store.sqlite_store import SQLiteStore
from tests.support.apptest import open_page

TODAY = dt.date(2024, 12, 20)
COORDINATOR = "coordinator@lensk.demo"


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    from lib.ui import shell

    monkeypatch.setattr(shell, "today", lambda: TODAY)


def store_of(url: str) -> SQLiteStore:
    return SQLiteStore(url[len("sqlite:///"):])


# ---- the settings' audit names the setting --------------------------------------------------------------------------


def test_the_audit_of_a_changed_setting_names_the_setting_in_russian(demo_store_url):
    at = open_page(COORDINATOR, "pages/admin.py")
    at.toggle(key="mail_enabled").set_value(True)
    next(b for b in at.button if b.label == "Сохранить" and "mail" in str(b.form_id or b.key or "")).click().run()
    assert any(s.value.startswith("Настройки рассылки сохранены.") for s in at.success), [e.value for e in at.error]
    at.query_params["admin_tab"] = "Журнал изменений"
    at.run()
    log = next(d for d in at.dataframe if "Изменения" in d.value.columns).value
    mine = log[log["Лист"] == "Настройки"].iloc[0]
    assert mine["Запись"] == "Отправлять напоминания"
    assert mine["Изменения"].startswith("Отправлять напоминания: нет → да"), mine["Изменения"]
