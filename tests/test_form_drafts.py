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
    at.toggle(key="mail_settings:reminders_enabled").set_value(True)
    at.button(key="mail_settings-save").click().run()
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


# ---- drafts on the edit and administration forms: kept across a page switch, listed, the reason when stale ----------


def _away_and_back(at, page: str):
    at.switch_page("pages/dashboard.py").run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_an_edit_of_a_meeting_and_of_a_decision_survives_a_page_switch_and_saves(demo_store_url):
    at = open_page(COORDINATOR, "pages/commission.py")
    meeting = at.selectbox(key="edit_meeting_id").value
    decision = at.selectbox(key="edit_decision_id").value
    at.text_area(key=f"edit_meeting-{meeting}:agenda").input("Повестка исправлена")
    at.text_area(key=f"edit_decision-{decision}:comment").input("Сверка проведена частично")
    at.run()
    assert {f"edit_meeting-{meeting}", f"edit_decision-{decision}"} <= set(at.session_state["drafts"])
    _away_and_back(at, "pages/commission.py")
    assert at.selectbox(key="edit_meeting_id").value == meeting and at.selectbox(key="edit_decision_id").value == decision
    assert at.text_area(key=f"edit_meeting-{meeting}:agenda").value == "Повестка исправлена"
    assert at.text_area(key=f"edit_decision-{decision}:comment").value == "Сверка проведена частично"
    next(b for b in at.button if b.key == f"edit_meeting-{meeting}-save").click().run()
    assert any("исправлено" in s.value for s in at.success), [e.value for e in at.error]
    assert f"edit_meeting-{meeting}" not in at.session_state["drafts"]
    assert store_of(demo_store_url).read_all().record("meetings", meeting_id=meeting)["agenda"] == "Повестка исправлена"


def test_an_edit_of_a_record_saved_meanwhile_by_someone_else_stays_with_the_reason(demo_store_url):
    from lib.auth.access import User, write

    at = open_page(COORDINATOR, "pages/commission.py")
    decision = at.selectbox(key="edit_decision_id").value
    form = f"edit_decision-{decision}"
    at.text_area(key=f"{form}:comment").input("Моя правка")
    at.run()
    store = store_of(demo_store_url)
    other = {**store.read_all().record("decisions", decision_id=decision), "text": "Правка другого координатора"}
    write(store, User(COORDINATOR, "Беляев И.А.", "coordinator", "upr"), {"decisions": [other]})
    at.run()
    assert at.text_area(key=f"{form}:comment").value == "Моя правка"  # kept in the form
    said = [e.value for e in at.error if "сохранить нельзя" in e.value]
    assert said and "запись изменена после того, как вы начали правку" in said[0] and "Что делать" in said[0], [e.value for e in at.error]
    assert form in at.session_state["drafts"]
    at.button(key=f"{form}-cancel-stale").click().run()
    assert form not in at.session_state["drafts"]
    assert at.text_area(key=f"{form}:text").value == "Правка другого координатора"  # the version stored now


def test_an_unedited_form_follows_the_record_saved_by_someone_else(demo_store_url):
    from lib.auth.access import User, write

    at = open_page(COORDINATOR, "pages/commission.py")
    decision = at.selectbox(key="edit_decision_id").value
    store = store_of(demo_store_url)
    other = {**store.read_all().record("decisions", decision_id=decision), "text": "Правка другого координатора"}
    write(store, User(COORDINATOR, "Беляев И.А.", "coordinator", "upr"), {"decisions": [other]})
    at.run()
    assert at.text_area(key=f"edit_decision-{decision}:text").value == "Правка другого координатора"
    assert not [e.value for e in at.error if "сохранить нельзя" in e.value]


def test_an_edit_of_a_plan_measure_survives_a_page_switch_and_a_retired_measures_draft_says_why(demo_store_url):
    from lib.auth.access import User, write

    at = open_page(COORDINATOR, "pages/plan.py")
    measure = at.selectbox(key="plan_edit_measure").value
    form = f"edit-{measure}"
    at.text_input(key=f"{form}:curator").input("Первый заместитель главы")
    at.text_input(key="new_plan:plan").input("2025/2026")
    at.run()
    assert {form, "new_plan"} <= set(at.session_state["drafts"])
    _away_and_back(at, "pages/plan.py")
    assert at.text_input(key=f"{form}:curator").value == "Первый заместитель главы"
    assert at.text_input(key="new_plan:plan").value == "2025/2026"
    store = store_of(demo_store_url)
    write(store, User(COORDINATOR, "Беляев И.А.", "coordinator", "upr"),
          {"plan": [{**store.read_all().record("plan", measure_id=measure), "retired": True}]})
    at.run()
    said = [e.value for e in at.error if "сохранить нельзя" in e.value]
    assert said and "исключено из плана" in said[0] and "Первый заместитель главы" in said[0], [e.value for e in at.error]
    at.button(key=f"{form}-cancel-lost").click().run()
    assert form not in at.session_state["drafts"]


def test_the_administration_forms_keep_a_draft_but_never_a_password(demo_store_url):
    at = open_page(COORDINATOR, "pages/admin.py")
    at.text_input(key="add_user:login").input("petrov@lensk.demo")
    at.text_input(key="add_user:name").input("Петров П.П.")
    at.text_input(key="add_user:password").input("секретный-пароль-1")
    chosen = at.selectbox(key="edit_login").value
    at.selectbox(key=f"edit_user-{chosen}:role").set_value("commission")
    at.text_input(key="mail_settings:smtp_host").input("mail.lensk.ru")
    at.text_area(key="return:reason").input("Сверить оплату с актом")
    at.run()
    assert {"add_user", f"edit_user-{chosen}", "mail_settings", "return"} <= set(at.session_state["drafts"])
    assert "секретный-пароль-1" not in repr(at.session_state["drafts"])
    _away_and_back(at, "pages/admin.py")
    assert at.text_input(key="add_user:login").value == "petrov@lensk.demo"
    assert at.text_input(key="add_user:name").value == "Петров П.П."
    assert at.text_input(key="add_user:password").value in ("", None)  # typed again, never kept
    assert at.selectbox(key="edit_login").value == chosen and at.selectbox(key=f"edit_user-{chosen}:role").value == "commission"
    assert at.text_input(key="mail_settings:smtp_host").value == "mail.lensk.ru"
    assert at.text_area(key="return:reason").value == "Сверить оплату с актом"
    import sqlite3

    kept = sqlite3.connect(store_of(demo_store_url).server_file()).execute("SELECT body FROM drafts").fetchall()
    assert kept and not any("секретный-пароль-1" in body for (body,) in kept)
    at.text_input(key="add_user:password").input("секретный-пароль-1")
    at.text_input(key="add_user:password_again").input("секретный-пароль-1")
    at.selectbox(key="add_user:role").set_value("commission")
    at.button(key="add_user-save").click().run()
    assert any("Пользователь petrov@lensk.demo добавлен" in s.value for s in at.success), [e.value for e in at.error]
    assert "add_user" not in at.session_state["drafts"]


# ---- an accounting identity asks for the reason: refused while it is empty, naming the row and the field -----------


def test_a_broken_identity_is_refused_without_a_reason_naming_the_row_and_field_and_the_reason_reaches_the_quality_panel(
        demo_store_url):
    at = open_page("ves@lensk.demo", "pages/entry.py")
    grid = next(d for d in at.dataframe if str(d.key).startswith("monthly-ves-"))
    row = grid.value.iloc[0]
    at.session_state[grid.key] = {"edited_rows": {0: {"written_off": "100 000"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    next(c for c in at.checkbox if str(c.key).startswith("save_monthly-confirm")).check().run()
    refused = [e.value for e in at.error if "не указана причина" in e.value]
    assert refused and "«Списано»" in refused[0] and "Ежемесячный отчёт" in refused[0], [e.value for e in at.error]
    assert at.button(key="save_monthly").disabled
    month = grid.key[len("monthly-ves-"):]
    assert store_of(demo_store_url).read_all().current("monthly_reports").query(
        f"participant_id == 'ves' and month == '{month}' and written_off == 100000").empty
    next(t for t in at.text_input if str(t.key).startswith("save_monthly-reason")).input("перерасчёт по акту сверки").run()
    assert not [e.value for e in at.error if "не указана причина" in e.value]
    at.button(key="save_monthly").click().run()
    assert any(s.value.startswith("Сохранено") for s in at.success), [e.value for e in at.error]
    board = open_page(COORDINATOR, "pages/dashboard.py")
    shown = [d.value for d in board.dataframe if "Замечание" in d.value.columns or any("причина" in str(c) for c in d.value.columns)]
    texts = " ".join(str(v) for frame in (d.value for d in board.dataframe) for v in frame.astype(str).to_numpy().ravel())
    assert "причина: перерасчёт по акту сверки" in texts, (shown, row.to_dict())
