"""What people see of the shared sheet's state: ``check`` and «Обзор» list rows typed by hand
(«введено вручную»), the sheet's drift (protection, locale, headers) and how full it is."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from lib import cli
from lib.core.config import PROJECT_ROOT
from lib.store.sheets_setup import drift
from tests.conftest import app_on_sheet, make_sheets_store
from tests.support.fake_sheets import OWNER
from tests.support.people import EDITOR, Person, Refused


@pytest.fixture
def typed_sheet(demo_sheets):
    api, store = demo_sheets
    head = Person(api, store.key, EDITOR)
    head.type_record(store.schema["plan_progress"].title, {"Код мероприятия": "2023/2024-1", "Участник": "nyuya", "Период": "2024-12",
                                                            "Статус": "выполнено", "Что сделано": "набрано в таблице"})
    return api, store


def test_check_lists_rows_typed_by_hand_drift_and_capacity(typed_sheet, monkeypatch, capsys):
    api, store = typed_sheet
    monkeypatch.setattr(cli, "_store", lambda url, config: store)
    store.invalidate()
    assert cli.main(["check"]) == 0
    out = capsys.readouterr().out
    assert "введённые вручную" in out and "учтена как единственная версия" in out
    assert "Заполнено ячеек:" in out and "из 10\u00a0000\u00a0000" in out
    owner = Person(api, store.key)
    owner.remove_protection(store.schema["locks"].title)
    owner.set_locale("en_US")
    owner.duplicate_header(store.schema["claims_work"].title, "Отчётный месяц")
    store.invalidate()
    assert cli.main(["check"]) == 1
    out = capsys.readouterr().out
    assert "лист «Закрытые кварталы»: защита снята" in out
    assert "локали «en_US»" in out
    assert "столбцах" in out and "«Отчётный месяц»" in out


def test_overview_shows_typed_rows_setup_problems_and_the_capacity_advice_to_the_coordinator(typed_sheet, monkeypatch):
    api, store = typed_sheet
    book = api.spreadsheets[store.key]
    audit = book.by_title(store.schema["audit"].title)
    audit.row_count = 8_500_000 // audit.column_count  # the sheet is 85 % full
    api.clock.advance(601)
    Person(api, store.key).set_locale("en_US")
    store.invalidate()
    at = app_on_sheet(store, monkeypatch)
    assert not at.exception, [e.value for e in at.exception]
    assert any("en_US" in w.value for w in at.warning)
    manual = at.dataframe[-1].value
    assert manual.iloc[0].to_dict()["Учтена"] == "да" and "введено вручную" in manual.iloc[0].to_dict()["Пояснение"]
    assert any("заполнена на 8" in w.value and "rollover" in w.value for w in at.warning)
    assert any("Заполнено ячеек:" in m.value for m in at.markdown)
    executor = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60)
    executor.session_state["user_login"] = "lptes@lensk.demo"
    executor.run()
    assert not any("rollover" in w.value for w in executor.warning)  # the advice is the coordinator's


def test_the_rollover_command_names_the_new_sheet_and_says_what_was_carried(demo_sheets, monkeypatch, capsys):
    from tests.conftest import make_sheets_store

    api, old = demo_sheets
    new = make_sheets_store(api, secrets=old.secrets)
    stores = {f"gsheets://{old.key}": old, f"gsheets://{new.key}": new}
    monkeypatch.setattr(cli, "_store", lambda url, config: stores[url])
    assert cli.main(["rollover", "--from", f"gsheets://{old.key}", "--to", f"gsheets://{new.key}"]) == 0
    out = capsys.readouterr().out
    assert "месяцы отчётов: 2023-12 … 2024-12" in out and "«Ежемесячный отчёт»: записей" in out
    assert f"[store] url = gsheets://{new.key}" in out and "архив только для чтения" in out
    assert cli.main(["rollover", "--from", f"gsheets://{old.key}", "--to", f"gsheets://{new.key}"]) == 1
    assert "уже архив" in capsys.readouterr().err


def test_bootstrap_is_idempotent_and_check_silent_on_a_sheet_with_an_owner_and_a_schema_tab_at_sheet_0(fake_api, monkeypatch, capsys):
    """Google keeps the owner among the editors of every protected range and leaves ``sheetId`` 0 out of its
    answers: neither is drift. The district's spreadsheet starts with Google's own first tab (sheetId 0), which a
    person renamed to a schema tab."""
    key = fake_api.create(first_sheet="Лист1")
    store = make_sheets_store(fake_api, key=key, bootstrap=False)
    Person(fake_api, key).rename_tab("Лист1", store.schema["participants"].title)
    store.bootstrap()
    book = fake_api.spreadsheets[key]
    assert book.by_title(store.schema["participants"].title).sheet_id == 0
    assert book.protections and all(OWNER in p.editors for p in book.protections)
    start = len(fake_api.log)
    assert store.bootstrap() == ["все листы, столбцы и защита уже на месте"]
    again = [q for r in fake_api.log[start:] if r["method"] == "spreadsheets.batchUpdate" for q in r["body"]["requests"]]
    assert not [q for q in again if {"addProtectedRange", "deleteProtectedRange"} & set(q)]  # protection untouched
    assert drift(store) == []
    monkeypatch.setattr(cli, "_store", lambda url, config: store)
    store.invalidate()
    assert cli.main(["check"]) == 0
    assert "Настройка таблицы" not in capsys.readouterr().out
    Person(fake_api, key).share_protection(store.schema["locks"].title, EDITOR)  # an editor a person added is drift
    found = drift(store)
    assert found == [f"лист «Закрытые кварталы»: в защиту добавлены редакторы {EDITOR}; выполните bootstrap-sheet"]
    store.bootstrap()
    assert drift(store) == [] and all(EDITOR not in p.editors for p in book.protections)


def test_rollover_resumes_a_partial_run_in_the_districts_time_zone_and_leaves_the_old_sheet_read_only(demo_sheets, monkeypatch):
    from lib.store.port import StoreError, StoreUnavailable
    from lib.store.rollover import open_data, rollover

    api, old = demo_sheets
    api.spreadsheets[old.key].time_zone = "Asia/Magadan"  # the district's zone, set on its sheet by bootstrap-sheet
    new_key = api.create(time_zone="Europe/Moscow")  # Google's default for the coordinator's new spreadsheet
    new = make_sheets_store(api, key=new_key, bootstrap=False, secrets=old.secrets)
    save, calls = new.save, []

    def failing(*args, **kw):  # the connection drops after three chunks
        calls.append(1)
        if len(calls) == 4:
            raise StoreUnavailable("Google Таблица не ответила")
        return save(*args, **kw)

    monkeypatch.setattr(new, "save", failing)
    with pytest.raises(StoreUnavailable):
        rollover(old, new, progress=lambda _: None)
    assert not old.archived_to()
    monkeypatch.setattr(new, "save", save)
    lines: list[str] = []
    carried = rollover(old, new, progress=lines.append)
    assert carried.resumed and any("продолжаю прерванный перенос" in line for line in lines)
    assert any(line.startswith("[1/") and "«Участники»: перенесено записей 0 (уже были:" in line for line in lines)
    new.invalidate()
    snap = new.read_all()
    expected = open_data(old.read_all())
    for tab, records in expected.records.items():
        assert len(snap.all_versions(tab)) == len(records), tab  # each once: nothing lost, nothing twice
    assert api.spreadsheets[new_key].time_zone == "Asia/Magadan"
    with pytest.raises(Refused, match="protected"):  # the old sheet is read-only for people
        Person(api, old.key, EDITOR).type_cell(old.schema["monthly_reports"].title, 2, 3, "1")
    with pytest.raises(StoreError, match="архив"):
        old.save({"audit": [{"event_id": "x", "entity": "e", "record_key": "k", "action": "a"}]}, "u@x")


def test_rollover_carries_the_listed_problems_over_with_their_list(demo_sheets):
    from lib.store.rollover import rollover

    api, old = demo_sheets
    head = Person(api, old.key, EDITOR)
    reports = old.schema["monthly_reports"].title
    head.type_record(reports, {"Организация": "lptes", "Поселение": "lensk", "Отчётный месяц": "2024-12",
                               "Группа потребителей": "население", "Оплачено": "12 тыс"})
    old.invalidate()
    before = [p for p in old.read_all().problems if p.tab == reports]
    assert before and any(p.value == "12 тыс" for p in before)
    new = make_sheets_store(api, secrets=old.secrets)
    carried = rollover(old, new, progress=lambda _: None)
    assert any("12 тыс" in line for line in carried.lines(new.schema))
    new.invalidate()
    after = [p for p in new.read_all().problems if p.tab == reports]
    assert [(p.column, p.value, p.reason) for p in after] == [(p.column, p.value, p.reason) for p in before]


def test_the_coordinator_starts_the_rollover_from_administration_and_sees_its_progress(demo_sheets, monkeypatch):
    from lib.store import factory
    from lib.ui.rollover_panel import target_url

    api, old = demo_sheets
    new_key = api.create()
    new = make_sheets_store(api, key=new_key, bootstrap=False, secrets=old.secrets)
    monkeypatch.setitem(factory._shared, f"gsheets://{new_key}", new)
    assert target_url(f"https://docs.google.com/spreadsheets/d/{new_key}/edit#gid=0") == f"gsheets://{new_key}"
    at = app_on_sheet(old, monkeypatch)
    at.switch_page("pages/admin.py")
    at.session_state["admin_tab"] = "Новый год"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.button(key="rollover_start").disabled  # no address, no confirmation yet
    at.text_input(key="rollover_target").input(f"https://docs.google.com/spreadsheets/d/{new_key}/edit").run()
    at.checkbox(key="rollover_confirm").check().run()
    at.button(key="rollover_start").click().run()
    assert not at.exception, [e.value for e in at.exception]
    shown = [m.value for m in at.markdown]
    assert any("«Участники»: перенесено записей" in m for m in shown) and any("архив только для чтения" in m for m in shown)
    assert any(f"DEBT_STORE / [store] url = gsheets://{new_key}" in s.value for s in at.success), [e.value for e in at.error]
    assert old.archived_to() == new_key
    assert any(r["entity"] == "rollover" and r["saved_by"] == "coordinator@lensk.demo" for r in new.read_all().current("audit").to_dict("records"))
