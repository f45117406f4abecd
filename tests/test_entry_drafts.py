"""Issue 13, items 2, 3 and 5 on «Ввод данных», in-process: a link names the report, an edit in progress
survives a month switch, a page switch and a rerun until it is saved or cancelled, and an edit that
someone else's save overtook shows both versions and waits for the person's choice.

AppTest cannot type into ``st.data_editor``: its edit state is set through ``session_state``, as the
browser sends it; and after ``at.switch_page`` it runs the page without app.py, so the sidebar's list of
drafts and the browser's «leave page?» are tested in tests/e2e/test_browser_drafts.py, in a real grid."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from lib.auth.access import User, write
from lib.store.sqlite_store import SQLiteStore
from tests.support.apptest import open_page
from tests.support.entry import MONTH

FORM = f"monthly-ves-{MONTH}"


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    from lib.ui import shell

    monkeypatch.setattr(shell, "today", lambda: dt.date(2026, 11, 22))


def store_of(url: str) -> SQLiteStore:
    return SQLiteStore(url[len("sqlite:///"):])


def open_entry(login: str, params: dict | None = None) -> AppTest:
    return open_page(login, "pages/entry.py", params=params)


def typed(edits: dict[int, dict]) -> dict:
    return {"edited_rows": edits, "added_rows": [], "deleted_rows": []}


def preview(at: AppTest):
    """«так введённое понято и будет сохранено» of the monthly report."""
    return next(d.value for d in at.dataframe if "Начислено" in d.value.columns and "Поселение" in d.value.columns
                and "Собираемость, %" not in d.value.columns and "accrued" not in d.value.columns)


def messages(at: AppTest) -> str:
    return " | ".join(m.value for m in [*at.info, *at.warning, *at.error, *at.success])


# ---- 2. links ---------------------------------------------------------------------------------


def test_a_link_opens_the_report_it_names_and_the_address_follows_the_choice(demo_store_url):
    at = open_entry("coordinator@lensk.demo", {"participant": "tsk", "month": "2024-11"})
    assert at.title[0].value == "Ввод данных — ООО «Теплостройкомплекс»"
    assert at.selectbox(key="entry_participant").value == "tsk" and at.selectbox(key="entry_month").value == "2024-11"
    assert "возвращён на доработку" in messages(at)
    at.selectbox(key="entry_month").set_value("2024-10").run()
    assert (at.query_params["month"], at.query_params["participant"]) == ("2024-10", "tsk")


def test_a_link_to_another_participants_report_is_refused_to_an_executor(demo_store_url):
    at = open_entry("lptes@lensk.demo", {"participant": "ves", "month": MONTH})
    assert [e.value for e in at.error] == [
        "Ссылка ведёт к отчёту участника «ООО «Восточные энергетические сети»». Вы вводите данные только за «ООО «ЛПТЭС»»: "
        "чужие отчёты открывают их исполнители и координатор."]
    assert not at.title and not [d for d in at.dataframe if "accrued" in d.value.columns]  # not someone else's form
    own = open_entry("ves@lensk.demo", {"participant": "ves", "month": "2024-11"})
    assert own.selectbox(key="entry_month").value == "2024-11" and not own.error


def test_a_link_naming_a_month_or_participant_that_cannot_be_opened_says_so(demo_store_url):
    at = open_entry("coordinator@lensk.demo", {"participant": "nobody", "month": "2031-01"})
    errors = " | ".join(e.value for e in at.error)
    assert "В ссылке указан участник «nobody»" in errors and "В ссылке указан месяц «2031-01»" in errors


# ---- 3. drafts ---------------------------------------------------------------------------------


def test_an_unsaved_edit_survives_a_month_switch_a_page_switch_and_a_rerun_and_can_be_cancelled(demo_store_url):
    at = open_entry("ves@lensk.demo")
    at.session_state[FORM] = typed({0: {"accrued": "1 234,5"}, 2: {"paid": "12,5"}})
    at.run()
    assert preview(at)["Начислено"].iloc[0] == "1\u00a0234,5" and preview(at)["Оплачено"].iloc[2] == "12,5"
    assert "Есть несохранённые изменения" in messages(at)

    at.selectbox(key="entry_month").set_value("2024-11").run()  # another month: the draft is kept and named
    assert "Несохранённые изменения остались: ООО «Восточные энергетические сети», декабрь 2024 — «Ежемесячный отчёт»" in messages(at)
    at.selectbox(key="entry_month").set_value(MONTH).run()
    assert preview(at)["Начислено"].iloc[0] == "1\u00a0234,5" and preview(at)["Оплачено"].iloc[2] == "12,5"

    at.switch_page("pages/dashboard.py").run()  # another page, and back by the menu (no address)
    at.switch_page("pages/entry.py").run()
    assert at.selectbox(key="entry_month").value == MONTH
    assert preview(at)["Начислено"].iloc[0] == "1\u00a0234,5" and preview(at)["Оплачено"].iloc[2] == "12,5"
    at.run()  # a rerun
    assert preview(at)["Начислено"].iloc[0] == "1\u00a0234,5"

    at.button(key="save_monthly-cancel").click().run()  # «Отменить»: the stored figures again
    assert preview(at)["Начислено"].iloc[0] == "—" and "Есть несохранённые изменения" not in messages(at)
    assert "drafts" not in at.session_state or not at.session_state["drafts"]
    at.switch_page("pages/dashboard.py").run()
    at.switch_page("pages/entry.py").run()
    assert preview(at)["Начислено"].iloc[0] == "—"  # the draft is gone, not hidden


def test_typing_what_is_stored_is_no_change(demo_store_url):
    at = open_entry("tsk@lensk.demo", {"month": "2024-11"})
    stored = store_of(demo_store_url).read_all().current("monthly_reports").query("participant_id == 'tsk' and month == '2024-11'")
    same = f"{stored.accrued.iloc[0]:.3f}".rstrip("0").rstrip(".").replace(".", ",")  # 1234,5 over a stored 1 234,5
    at.session_state["monthly-tsk-2024-11"] = typed({0: {"accrued": same}})
    at.run()
    assert "Есть несохранённые изменения" not in messages(at) and not at.session_state["drafts"]


def test_a_claims_draft_survives_a_month_switch_and_a_save_ends_it(demo_store_url):
    at = open_entry("ves@lensk.demo")
    field = f"claims-ves-{MONTH}-notices_sent"
    at.text_input(key=field).input("17").run()
    at.selectbox(key="entry_month").set_value("2024-11").run()
    assert "«Претензионная работа»" in messages(at)
    at.selectbox(key="entry_month").set_value(MONTH).run()
    assert at.text_input(key=field).value == "17"
    at.button(key="save_claims-cancel").click().run()
    assert at.text_input(key=f"claims-ves-{MONTH}~1-notices_sent").value == ""  # the stored (empty) value


# ---- 5. conflicts on the entry forms ----------------------------------------------------------


def test_a_report_saved_by_someone_else_meanwhile_shows_both_versions_and_waits_for_a_choice(demo_store_url):
    from tests.support.entry import valid_monthly

    store = store_of(demo_store_url)
    at = open_entry("ves@lensk.demo")
    at.session_state[FORM] = typed({0: {"accrued": "1 111"}})
    at.run()
    # meanwhile a colleague of the same organisation files the whole month from another browser
    form = valid_monthly(store.read_all())
    records = [{"participant_id": "ves", "month": MONTH, **r} for r in form.to_dict("records")]
    write(store, User("ves@lensk.demo", "ВЭС", "executor", "ves"), {"monthly_reports": records})
    at.run()
    assert any("сохранили после того, как вы начали вводить" in e.value for e in at.error)
    both = next(d.value for d in at.dataframe if "Сохранено сейчас" in d.value.columns)
    first = both[(both["Поле"] == "Начислено") & both["Запись"].str.startswith(both["Запись"].iloc[0])].iloc[0]
    assert (first["Когда вы начали"], first["Сохранено сейчас"], first["Ваше"]) == ("—", "1\u00a0000", "1\u00a0111")
    assert at.button(key="save_monthly").disabled
    before = len(store.read_all().all_versions("monthly_reports"))

    at.button(key=f"{FORM}-keep-mine").click().run()  # mine over theirs: 1 111 where I typed, their figures elsewhere
    assert any("Ваши изменения оставлены поверх версии, сохранённой сейчас" in i.value for i in at.info)
    assert not at.button(key="save_monthly").disabled
    assert preview(at)["Начислено"].tolist()[:2] == ["1\u00a0111", "1\u00a0000"]
    at.button(key="save_monthly").click().run()
    assert any(s.value.startswith("Сохранено") for s in at.success), messages(at)
    snap = store.read_all()
    saved = snap.current("monthly_reports").query("participant_id == 'ves' and month == @MONTH")
    assert saved.accrued.tolist() == [1111.0, 1000.0, 1000.0, 1000.0] and saved.paid.tolist() == [950.5] * 4
    assert len(snap.all_versions("monthly_reports")) == before + 1  # only the changed line is a new version
    assert snap.all_versions("audit").changes.iloc[-1] == "Начислено: 1\u00a0000 → 1\u00a0111"  # «было»: their version


def test_taking_the_saved_version_drops_the_draft(demo_store_url):
    store = store_of(demo_store_url)
    at = open_entry("tsk@lensk.demo", {"month": "2024-11"})
    at.session_state["monthly-tsk-2024-11"] = typed({0: {"accrued": "5"}})
    at.run()
    snap = store.read_all()
    line = snap.current("monthly_reports").query("participant_id == 'tsk' and month == '2024-11'").iloc[1]
    record = snap.record("monthly_reports", participant_id="tsk", month="2024-11", settlement_id=line.settlement_id,
                         consumer_group=line.consumer_group)
    write(store, User("tsk@lensk.demo", "ТСК", "executor", "tsk"), {"monthly_reports": [{**record, "paid": record["paid"] + 1}]})
    at.run()
    assert at.button(key="save_monthly").disabled
    at.button(key="monthly-tsk-2024-11-take-theirs").click().run()
    assert not at.button(key="save_monthly").disabled and "Есть несохранённые изменения" not in messages(at)
    assert not any("сохранили после того" in e.value for e in at.error)


# ---- lib.saving.drafts on literal tables -----------------------------------------------------------------


def test_a_change_is_what_means_something_else_than_stored():
    import numpy as np
    import pandas as pd

    from lib.saving import drafts

    assert drafts.same_value(1234.5, "1 234,5", True) and drafts.same_value(1234.5, "1234.50", True)
    assert drafts.same_value(np.nan, "", True) and drafts.same_value(None, None, False)
    assert not drafts.same_value(1234.5, "1 234,6", True) and not drafts.same_value(np.nan, "0", True)
    assert not drafts.same_value(5.0, "12,3456", True)  # refused by the parser later: still a change, kept as typed
    assert not drafts.same_value("done", "in_progress", False) and drafts.same_value("done", "done", False)
    stored = pd.DataFrame({"s": ["a", "b"], "g": ["x", "x"], "v": [1.0, np.nan], "w": [2.0, 3.0]})
    edited = stored.astype(object).assign(v=["1,0", "7"], w=[2.0, "3,5"])
    changes = drafts.grid_changes(stored, edited, ("s", "g"), ("v", "w"), ("v", "w"))
    assert changes == {("b", "x"): {"v": "7", "w": "3,5"}}
    # put back by key, whatever the row order now
    again = drafts.with_changes(stored.iloc[::-1].reset_index(drop=True), changes, ("s", "g"))
    assert again.v.tolist()[0] == "7" and again.w.tolist()[0] == "3,5" and again.v.tolist()[1] == 1.0
