"""The audit log's figures read as the forms show them: «40 000 → 45 500,5», never «40,000» (which a Russian
reader takes for forty) and never a number rounded away («0,125» is not «0,13»). One function (``fmt.figure``)
shows a stored figure everywhere — the audit's «было → стало», the edit-conflict table, the data grid — and
entries written before it are read in the same form on the page without changing what is stored.
"""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from lib.auth.access import command_line_user, describe_change, write
from lib.core import fmt
from lib.core.config import PROJECT_ROOT
from lib.core.fmt import shown
from lib.core.schema import Column, EnumValue, schema
from lib.domain import present
from lib.store.sqlite_store import SQLiteStore

NB, MINUS = "\u00a0", "\u2212"
MONEY = Column("paid", "Оплачено", "money")
COUNT = Column("claims", "Исков", "integer")
NUMBER = Column("value", "Значение индикатора", "number")
PERCENT = Column("rate", "Доля", "percent")
TEXT = Column("comment", "Комментарий", "text")
DATE = Column("due_date", "Срок", "date")


@pytest.mark.parametrize(("column", "value", "text"), [
    (MONEY, 40000, f"40{NB}000"),
    (MONEY, 40000.0, f"40{NB}000"),
    (MONEY, 45500.5, f"45{NB}500,5"),
    (MONEY, 0.125, "0,125"),  # the ruble: money's three decimals are its precision
    (MONEY, 1234567.891, f"1{NB}234{NB}567,891"),
    (MONEY, -1234.5, f"{MINUS}1{NB}234,5"),
    (MONEY, 0.1 + 0.2, "0,3"),  # a computed sum's binary noise is not a fourth decimal
    (MONEY, 0, "0"),
    (MONEY, None, "—"),
    (MONEY, float("nan"), "—"),
    (MONEY, "1 234,5 тыс", "1 234,5 тыс"),  # what was typed and not understood, as typed
    (COUNT, 1234, f"1{NB}234"),
    (COUNT, 7, "7"),
    (NUMBER, 0.125, "0,125"),  # every stored digit: was «0,13»
    (NUMBER, 12345.0, f"12{NB}345"),
    (PERCENT, 0.125, "0,125"),
    (PERCENT, 95.3, "95,3"),
    (TEXT, "Письмо № 12 от 05.04.2024: 40,000", "Письмо № 12 от 05.04.2024: 40,000"),  # a text is never reformatted
    (TEXT, None, "—"),
    (DATE, dt.date(2024, 4, 5), "05.04.2024"),
    (DATE, None, "—"),
])
def test_a_stored_value_is_shown_as_the_forms_show_it(column, value, text):
    assert shown(column, value) == text


def test_labels_yes_no_and_secrets_are_unchanged():
    kind = Column("consumer_group", "Группа", "enum", values=(EnumValue("population", "население"),))
    assert shown(kind, "population") == "население"
    assert shown(Column("active", "Активен", "bool"), False) == "нет"
    assert shown(Column("password_hash", "Пароль", "text", secret=True), "argon2...") == "•••"


def test_the_grid_and_the_audit_show_a_figure_alike():
    import pandas as pd

    values = [0.125, 12345.0, -1234.5, None]
    assert present.column_text(pd.Series(values, dtype="float64"), present.EXACT) == [shown(NUMBER, v) for v in values]


def test_a_correction_reads_in_russian_figures():
    table = schema()["monthly_reports"]
    old = {"paid": 40000.0, "accrued": 0.125, "overdue": None, "warnings": "проверено 05.04.2024"}
    new = {"paid": 45500.5, "accrued": 0.125, "overdue": 60.0, "warnings": "проверено 05.04.2024"}
    assert describe_change(table, old, new) == f"Оплачено: 40{NB}000 → 45{NB}500,5; Просроченная задолженность: — → 60"
    assert describe_change(table, None, {"paid": 40000.0, "debt_start": 0.125}) == f"Задолженность на начало месяца = 0,125; Оплачено = 40{NB}000"


def test_entries_written_before_are_read_in_the_same_form():
    table = schema()["monthly_reports"]
    stored = f"Оплачено: 40{NB}000,000 → 45{NB}500,500; Начислено = 0,125; Просроченная задолженность: — → 60,000"
    assert present._changes_label(table, stored, present.Labels()) == \
        f"Оплачено: 40{NB}000 → 45{NB}500,5; Начислено = 0,125; Просроченная задолженность: — → 60"
    claims = schema()["claims_work"]
    count = next(c for c in claims.data_columns if c.type == "integer")
    assert present._changes_label(claims, f"{count.title}: 1234 → 1235", present.Labels()) == f"{count.title}: 1{NB}234 → 1{NB}235"


def test_the_log_page_shows_the_new_form(demo_store_url):
    store = SQLiteStore(demo_store_url[len("sqlite:///"):])
    key = {"participant_id": "lptes", "settlement_id": "lensk", "month": "2024-12", "consumer_group": "population"}
    record = store.read_all().record("monthly_reports", **key)
    cli = command_line_user("test")
    write(store, cli, {"monthly_reports": [{**record, "paid": 40000.0}]})
    write(store, cli, {"monthly_reports": [{**record, "paid": 45500.5}]})
    # an entry as the audit wrote it before: the page reads it in the same form, the stored text stays
    store.save({"audit": [{"event_id": "old-entry", "entity": "monthly_reports", "record_key": "lptes · lensk · 2024-11 · population",
                           "action": "исправление", "changes": f"Оплачено: 1{NB}000,000 → 1{NB}250,500"}]}, "old@lensk.demo")

    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / "admin.py"), default_timeout=60)
    at.session_state["user_login"] = "coordinator@lensk.demo"
    at.session_state["admin_tab"] = "Журнал изменений"
    at.run()
    at.selectbox(key="audit_entity").set_value("monthly_reports").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    log = next(d.value for d in at.dataframe if "Изменения" in d.value.columns)
    changes = log["Изменения"].tolist()
    assert changes[0] == f"Оплачено: 1{NB}000 → 1{NB}250,5"
    assert changes[1] == f"Оплачено: 40{NB}000 → 45{NB}500,5"
    assert not any(",000" in c or ",500" in c for c in changes), [c for c in changes if ",000" in c or ",500" in c]
    count = len(store.read_all().all_versions("audit").query("entity == 'monthly_reports'"))
    assert any(c.value.startswith(f"Записей в журнале: {fmt.figure(count, 'integer')}.") for c in at.caption)
    assert store.read_all().all_versions("audit").query("event_id == 'old-entry'").changes.iloc[0].endswith("1\u00a0250,500")
