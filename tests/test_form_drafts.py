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


# ---- drafts survive a reload (a new session): kept on the server per person ------------------------------------------


def test_a_draft_comes_back_in_a_new_session_of_the_same_person_and_never_in_anothers(demo_store_url):
    at = open_page(COORDINATOR, "pages/commission.py")
    at.text_area(key="new_meeting:agenda").input("О задолженности ООО «ЛПТЭС»")
    at.run()
    assert "new_meeting" in at.session_state["drafts"]
    # F5: a new session of the same person (the sign-in comes back from the cookie; here, as the login page sets it)
    again = open_page(COORDINATOR, "pages/commission.py")
    assert again.text_area(key="new_meeting:agenda").value == "О задолженности ООО «ЛПТЭС»"
    assert "new_meeting" in again.session_state["drafts"]
    # another person signed in on the server never sees it
    other = open_page("commission@lensk.demo", "pages/commission.py")
    assert "new_meeting" not in (other.session_state["drafts"] if "drafts" in other.session_state else {})
    # saved: gone from the server too, the next reload starts empty
    again.text_input(key="new_meeting:number").input("17").run()
    next(b for b in again.button if b.label == "Сохранить заседание").click().run()
    assert any("Заседание № 17" in s.value for s in again.success), [e.value for e in again.error]
    fresh = open_page(COORDINATOR, "pages/commission.py")
    assert fresh.text_area(key="new_meeting:agenda").value == ""
    assert "new_meeting" not in fresh.session_state["drafts"]


def test_a_cancelled_grid_draft_is_gone_from_the_server_and_an_edit_comes_back_on_the_version_it_began_on(demo_store_url):
    at = open_page("ves@lensk.demo", "pages/entry.py")
    grid = next(d for d in at.dataframe if str(d.key).startswith("monthly-ves-"))
    at.session_state[grid.key] = {"edited_rows": {0: {"accrued": "1 300"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert grid.key in at.session_state["drafts"]
    again = open_page("ves@lensk.demo", "pages/entry.py")
    shown = next(d for d in again.dataframe if str(d.key).startswith(grid.key)).value
    assert shown.iloc[0]["accrued"] == "1 300"  # the typed value, back after the reload
    assert again.session_state["edit_bases"][grid.key] == at.session_state["edit_bases"][grid.key]
    next(b for b in again.button if b.label.startswith("Отменить")).click().run()
    assert grid.key not in again.session_state["drafts"]
    fresh = open_page("ves@lensk.demo", "pages/entry.py")
    assert grid.key not in fresh.session_state["drafts"]


def test_the_server_keeps_a_draft_thirty_days_per_person_and_form(tmp_path):
    from lib.saving.draft_store import DraftStore

    now = [1_000_000.0]
    kept = DraftStore(tmp_path / "server.sqlite", clock=lambda: now[0])
    draft = {"changes": {("ves", "2024-12", "population"): {"accrued": "1 300"}}, "title": "Ежемесячный отчёт",
             "base": {("ves", "2024-12", "population"): "save-1"}, "kinds": ["utility"], "date": dt.date(2024, 12, 20)}
    kept.put("Ves@Lensk.demo", "monthly-ves-2024-12", draft)
    assert kept.load("ves@lensk.demo") == {"monthly-ves-2024-12": draft}
    assert kept.load("lptes@lensk.demo") == {}
    other_process = DraftStore(tmp_path / "server.sqlite", clock=lambda: now[0])
    assert other_process.load("ves@lensk.demo") == {"monthly-ves-2024-12": draft}
    now[0] += 29 * 86400
    assert kept.load("ves@lensk.demo")
    now[0] += 2 * 86400
    assert kept.load("ves@lensk.demo") == {}
