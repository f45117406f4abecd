"""«Ввод данных» in-process: every form and role. AppTest cannot type into st.data_editor, so its
edit state is set through session_state, the way the browser sends it."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from lib.core.config import PROJECT_ROOT
from lib.store.sqlite_store import SQLiteStore
from tests.support.apptest import open_entry, open_page
from tests.support.entry import MONTH, valid_monthly, valid_structure
from tests.support.shown import cells


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    from lib.ui import shell

    monkeypatch.setattr(shell, "today", lambda: dt.date(2026, 11, 22))


def editor_state(frame, columns) -> dict:
    return {"edited_rows": {i: {c: float(frame.iloc[i][c]) for c in columns} for i in range(len(frame))},
            "added_rows": [], "deleted_rows": []}


def table_with(at: AppTest, column: str):
    """The displayed table that has this column (data editors are listed among tables too)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def store_of(url: str) -> SQLiteStore:
    return SQLiteStore(url[len("sqlite:///"):])


def test_a_utility_sees_its_status_and_a_prefilled_form(demo_store_url):
    at = open_entry("ves@lensk.demo")
    assert at.title[0].value == "Ввод данных — ООО «Восточные энергетические сети»"
    assert at.selectbox(key="entry_month").value == MONTH  # the month now due
    # «today» is 22.11.2026 here: December 2024 is long overdue, and says so in red
    assert any("Статус месяца: не подан, срок прошёл" in e.value for e in at.error)
    assert any("Осталось заполнить ячеек: 16" in i.value for i in at.info)
    assert at.button(key="save_monthly").disabled


def test_a_utility_files_its_monthly_report(demo_store_url):
    snap = store_of(demo_store_url).read_all()
    form = valid_monthly(snap)
    typed = editor_state(form, ["accrued", "paid", "recovered_enforcement", "overdue", "written_off"])
    at = open_entry("ves@lensk.demo", {f"monthly-ves-{MONTH}": typed})
    collection = next(d for d in at.dataframe if "Собираемость, %" in d.value.columns)
    assert cells(collection)["Собираемость, %"].iloc[0] == "95,1"  # 950,5 / 1 000 — computed, never typed
    assert not at.button(key="save_monthly").disabled
    at.button(key="save_monthly").click().run()
    assert any(s.value.startswith("Сохранено") for s in at.success), [e.value for e in at.error]
    saved = store_of(demo_store_url).read_all().current("monthly_reports").query("participant_id == 'ves' and month == @MONTH")
    assert len(saved) == 4 and saved.accrued.tolist() == [1000.0] * 4


def test_errors_block_the_save_and_name_the_field(demo_store_url):
    snap = store_of(demo_store_url).read_all()
    form = valid_monthly(snap)
    form.loc[1, "recovered_enforcement"] = 5000.0
    at = open_entry("ves@lensk.demo", {f"monthly-ves-{MONTH}": editor_state(form, ["accrued", "paid", "recovered_enforcement", "overdue"])})
    assert any("«Получено по исполнительным производствам»" in e.value and "больше оплаты" in e.value for e in at.error)
    assert at.button(key="save_monthly").disabled


def test_a_failed_save_keeps_what_was_typed(demo_store_url, monkeypatch):
    from lib.store.port import StoreUnavailable
    from lib.store.sqlite_store import SQLiteStore as Store

    snap = store_of(demo_store_url).read_all()
    form = valid_monthly(snap)
    state = editor_state(form, ["accrued", "paid", "recovered_enforcement", "overdue"])
    at = open_entry("ves@lensk.demo", {f"monthly-ves-{MONTH}": state})

    def offline(self, rows, save_id):
        raise StoreUnavailable("Google Таблица не ответила.")

    with monkeypatch.context() as patched:  # only this: undoing every patch would also drop the test's own store
        patched.setattr(Store, "_write", offline)
        at.button(key="save_monthly").click().run()
    assert any("Введённые данные остались на экране" in e.value for e in at.error)
    assert at.session_state[f"monthly-ves-{MONTH}"]["edited_rows"][0]["accrued"] == 1000.0
    at.button(key="save_monthly").click().run()  # the network is back: the same data saves
    assert any(s.value.startswith("Сохранено") for s in at.success), [e.value for e in at.error]


def test_structure_and_claims_forms(demo_store_url):
    snap = store_of(demo_store_url).read_all()
    monthly = valid_monthly(snap)
    structure = valid_structure(snap, monthly)
    at = open_entry("ves@lensk.demo", {
        f"monthly-ves-{MONTH}": editor_state(monthly, ["accrued", "paid", "recovered_enforcement", "overdue"]),
        f"structure-ves-{MONTH}": editor_state(structure, ["age_1_3", "age_3_12", "age_12_24", "age_24_36", "age_over_36"]),
    })
    at.button(key="save_structure").click().run()
    assert any(s.value.startswith("Сохранено") for s in at.success), [e.value for e in at.error]
    for k, v in {"debtors_over_threshold": "140", "court_applications": "3", "court_decisions": "2", "writs_sent": "2",
                 "court_applications_sum": "1 379,4"}.items():
        at.text_input(key=f"claims-ves-{MONTH}-{k}").input(v)
    at.run()
    assert any("понято: **1\u00a0379,4**" in c.value for c in at.caption)
    at.button(key="save_claims").click().run()
    assert any(s.value.startswith("Сохранено") for s in at.success), [e.value for e in at.error] + [w.value for w in at.warning]
    after = store_of(demo_store_url).read_all()
    assert len(after.current("debt_structure").query("participant_id == 'ves' and month == @MONTH")) == 4
    claims = after.current("claims_work").query("participant_id == 'ves' and month == @MONTH").iloc[0]
    assert (claims.debtors_over_threshold, claims.court_applications_sum) == (140, 1379.4)


def open_month(login: str, month: str) -> AppTest:
    """The entry page of an executor with a chosen month (the picker's state is kept per participant)."""
    return open_page(login, "pages/entry.py", {"entry_month": month}, check=False)


def test_a_closed_month_cannot_be_edited_by_an_executor(demo_store_url):
    at = open_month("lptes@lensk.demo", "2024-03")
    assert any("Статус месяца: закрыт" in e.value for e in at.error)
    assert at.button(key="save_monthly").disabled


def test_a_returned_month_shows_the_reason(demo_store_url):
    at = open_month("tsk@lensk.demo", "2024-11")
    assert any("возвращён на доработку" in e.value and "Толонскому" in e.value for e in at.error)


def test_a_settlement_reports_plan_progress_and_sees_its_territory(demo_store_url):
    at = open_entry("nyuya@lensk.demo", {"plan-nyuya-2024-12": {
        "edited_rows": {0: {"status": "done", "done_text": "=HYPERLINK(\"x\") проведён сход граждан"}}, "added_rows": [], "deleted_rows": []}})
    assert at.title[0].value == "Ввод данных — МО «Нюйский наслег»"
    territory = table_with(at, "Организация")
    assert set(territory["Организация"]) == {"ЛУ ВФ ОАО «Теплоэнергосервис»", "Ленский РЭС ЗЭС АК «Якутскэнерго»"}
    at.button(key="save_plan").click().run()
    assert any(s.value.startswith("Сохранено") for s in at.success), [e.value for e in at.error]
    progress = store_of(demo_store_url).read_all().current("plan_progress").query("participant_id == 'nyuya' and period == '2024-Q4'")
    assert "=HYPERLINK(\"x\") проведён сход граждан" in progress.done_text.tolist()


def test_the_coordinator_can_enter_for_a_participant_and_the_commission_cannot(demo_store_url):
    at = open_entry("coordinator@lensk.demo")
    assert at.selectbox(key="entry_participant").value == "lptes"
    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / "entry.py"), default_timeout=60)
    at.session_state["user_login"] = "commission@lensk.demo"
    at.run()
    assert any("только просматривают" in e.value for e in at.error)


def test_upload_through_the_page(demo_store_url):
    from lib.files.excel_forms import build_workbook
    from tests.support.excel_files import fill

    snap = store_of(demo_store_url).read_all()
    monthly = valid_monthly(snap)
    data = fill(snap, build_workbook(snap, "ves", MONTH), monthly, valid_structure(snap, monthly))
    at = open_entry("ves@lensk.demo")
    at.file_uploader(key=f"upload-ves-{MONTH}").upload("отчёт.xlsx", data).run()
    assert not at.exception
    at.button(key="save_upload").click().run()
    assert any("Файл загружен и сохранён" in s.value for s in at.success), [e.value for e in at.error]
    saved = store_of(demo_store_url).read_all()
    assert len(saved.current("monthly_reports").query("participant_id == 'ves' and month == @MONTH")) == 4


def test_a_bad_upload_lists_problems_and_writes_nothing(demo_store_url):
    at = open_entry("ves@lensk.demo")
    at.file_uploader(key=f"upload-ves-{MONTH}").upload("отчёт.xlsx", b"not an excel file at all").run()
    assert any("не является книгой Excel" in e.value for e in at.error)
    assert store_of(demo_store_url).read_all().current("monthly_reports").query("participant_id == 'ves' and month == @MONTH").empty
