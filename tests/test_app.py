"""The app in-process with AppTest: every linked page renders, in Russian, on each kind of store."""

from __future__ import annotations

import re
import sqlite3

import pytest
from streamlit.testing.v1 import AppTest

from lib.core.config import PROJECT_ROOT
from lib.core.schema import load_schema
from tests.support.apptest import COORDINATOR, run_app
from tests.support.shown import cells

APP = str(PROJECT_ROOT / "app.py")


def test_overview_on_demo_data(demo_store_url):
    at = run_app()
    assert at.title[0].value == "Комиссия по задолженности за ЖКУ — Ленский район"
    assert any("Демонстрационные данные" in w.value for w in at.warning)
    assert any("Данные: встроенная база «" in c.value for c in at.sidebar.caption)
    assert [m.label for m in at.metric] == ["Участников", "Мероприятий плана", "Последний отчётный месяц"]
    assert at.metric[2].value == "декабрь 2024"
    inventory = at.dataframe[0].value
    assert len(inventory) == len(load_schema().tables) and "Ежемесячный отчёт" in inventory["Лист"].tolist()
    assert any("Все ячейки распознаны" in s.value for s in at.success)


def test_overview_lists_cells_it_could_not_read(demo_store_url):
    path = demo_store_url[len("sqlite:///"):]
    with sqlite3.connect(path) as con:
        con.execute("UPDATE monthly_reports SET accrued = 'сто' WHERE _seq = 3")
    at = run_app()
    assert any("Не распознано ячеек: 1" in e.value for e in at.error)
    problems = at.dataframe[1].value
    assert problems.iloc[0].to_dict() == {"Лист": "Ежемесячный отчёт", "Строка": 4, "Столбец": "Начислено",
                                          "Значение": "сто", "Причина": "«сто» — не число"}


def test_data_page_shows_a_corrected_record_with_its_history(demo_store_url):
    at = run_app("pages/data.py")
    at.selectbox(key="data_tab").select("Ежемесячный отчёт").run()
    at.text_input(key="data_query").input("ЛПЖХ").run()  # the name shown, not the code lpzhkh
    at.toggle(key="data_all_versions").set_value(True).run()
    records = [o for o in at.selectbox(key="data_record").options if "май 2024" in o and "население" in o]
    assert records and all(o.startswith("ООО «ЛПЖХ» · ") for o in records)
    at.selectbox(key="data_record").select(records[0]).run()
    assert not at.exception
    history = at.dataframe[-1].value
    assert history["Версия"].tolist() == [1, 2]
    assert history["Кем сохранено"].tolist() == ["Исполнитель ООО «ЛПЖХ»"] * 2  # a person, not a login
    assert history["Группа потребителей"].tolist() == ["население"] * 2
    assert history["Оплачено"].dtype == "float64"  # a number: it sorts as one
    assert re.fullmatch(r"\d{1,3}(\u00a0\d{3})*,\d{3}", cells(at.dataframe[-1])["Оплачено"].iloc[0])  # and reads «1 234,567»


def test_an_empty_store_that_is_not_the_default_gets_no_demo(tmp_path, monkeypatch):
    from lib.auth.access import command_line_user, write
    from lib.store.sqlite_store import SQLiteStore

    monkeypatch.setenv("DEBT_STORE", f"sqlite:///{tmp_path}/empty.sqlite")
    at = run_app(login=None)
    assert not any("Демонстрационные данные" in w.value for w in at.warning)
    assert at.title[0].value == "Вход"
    store = SQLiteStore(tmp_path / "empty.sqlite")
    write(store, command_line_user("test"), {"users": [{"login": "first@x", "name": "Первый", "role": "coordinator"}]})
    at = run_app(login="first@x")
    assert at.metric[2].value == "нет отчётов"
    run_app("pages/data.py", login="first@x")


def test_a_wrong_store_address_is_explained_not_a_crash(monkeypatch, caplog):
    monkeypatch.setenv("DEBT_STORE", "mysql://somewhere")
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    # a visitor learns nothing about the server; the details are in the server's log ...
    assert [e.value for e in at.error] == ["Хранилище данных недоступно. Подробности — в журнале сервера; сообщите координатору."]
    assert "mysql://somewhere" in caplog.text
    # ... and for someone already signed in, on the page
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["user_login"] = COORDINATOR
    at.run()
    assert any("Неизвестный адрес хранилища «mysql://somewhere»" in e.value for e in at.error)


def test_first_start_on_the_default_store_fills_the_demo_once(tmp_path):
    from lib.core.config import DEFAULT_STORE_URL, Config
    from lib.demo import ensure_demo
    from lib.store.sqlite_store import SQLiteStore

    store = SQLiteStore(tmp_path / "debt.sqlite")
    assert ensure_demo(store, Config(store_url="sqlite:///elsewhere.sqlite")) is False
    assert ensure_demo(store, Config(store_url=DEFAULT_STORE_URL)) is True
    assert ensure_demo(store, Config(store_url=DEFAULT_STORE_URL)) is False
    assert len(store.read_all().current("participants")) == 27


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/data.py", "pages/admin.py"])
def test_every_linked_page_renders(demo_store_url, page):
    at = run_app(page)
    assert at.title
