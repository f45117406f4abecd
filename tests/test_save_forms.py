"""Issue 23 through the pages (AppTest): nothing typed is dropped, the result lasts, drafts on every form."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from lib.core.config import PROJECT_ROOT
from lib.domain import monthly
from lib.store.sqlite_store import SQLiteStore
from tests.support.apptest import open_page

APP = str(PROJECT_ROOT / "app.py")
TODAY = dt.date(2024, 12, 20)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    from lib.ui import shell

    monkeypatch.setattr(shell, "today", lambda: TODAY)


def store_of(url: str) -> SQLiteStore:
    return SQLiteStore(url[len("sqlite:///"):])


def plan_grid(at: AppTest):
    return next(d for d in at.dataframe if str(d.key).startswith("plan-ves-"))


def edits(rows: dict) -> dict:
    return {"edited_rows": rows, "added_rows": [], "deleted_rows": []}


# ---- item 1: a plan row with values and no status -------------------------------------------------------


@pytest.mark.parametrize("value", ["12", "abc", "1e3"])
def test_a_plan_row_typed_without_a_status_is_refused_naming_the_row_and_the_field(demo_store_url, value):
    at = open_page("ves@lensk.demo", "pages/entry.py")
    key = plan_grid(at).key
    month = key[len("plan-ves-"):]
    form = monthly.plan_form(store_of(demo_store_url).read_all(), "ves", month)
    row = next(i for i, s in enumerate(form.status) if pd.isna(s))
    item = form.iloc[row]["Пункт"] or form.iloc[row]["measure_id"]
    before = len(store_of(demo_store_url).read_all().all_versions("plan_progress"))
    at.session_state[key] = edits({row: {"indicator_value": value, "done_text": "Сход граждан проведён"}})
    at.run()
    said = [e.value for e in at.error]
    assert any(f"п. {item}" in e and "«Статус»" in e and "«Значение индикатора»" in e for e in said), said
    if value != "12":  # «abc» and «1e3» are refused, naming the row and the field
        assert any(f"п. {item}" in e and "«Значение индикатора»" in e and f"«{value}»" in e for e in said), said
    assert at.button(key="save_plan").disabled  # nothing is saved while the row is refused
    assert len(store_of(demo_store_url).read_all().all_versions("plan_progress")) == before
    assert key in at.session_state["drafts"]  # and nothing typed is dropped: the draft keeps it


def test_a_plan_row_with_a_status_chosen_saves_and_the_page_says_what_was_saved(demo_store_url):
    at = open_page("ves@lensk.demo", "pages/entry.py")
    key = plan_grid(at).key
    month = key[len("plan-ves-"):]
    form = monthly.plan_form(store_of(demo_store_url).read_all(), "ves", month)
    row = next(i for i, s in enumerate(form.status) if pd.isna(s))
    at.session_state[key] = edits({row: {"status": "in_progress", "indicator_value": "12", "done_text": "Сход граждан проведён"}})
    at.run()
    at.button(key="save_plan").click().run()
    said = [s.value for s in at.success if s.value.startswith("Сохранено")]
    assert len(said) == 1 and re.fullmatch(r"Сохранено \d\d\.\d\d\.\d{4} \d\d:\d\d · версия 1", said[0]), \
        ([s.value for s in at.success], [e.value for e in at.error])
    at.run()  # item 6: the result stays on later runs until the form is edited again
    assert [s.value for s in at.success if s.value.startswith("Сохранено")] == said
    stored = store_of(demo_store_url).read_all().current("plan_progress")
    mine = stored[(stored.participant_id == "ves") & (stored.measure_id == form.iloc[row]["measure_id"])
                  & (stored.period == form.iloc[row]["period"])]
    assert mine.iloc[-1].indicator_value == 12 and mine.iloc[-1].done_text == "Сход граждан проведён"


# ---- item 9: a download of an empty table ------------------------------------------------------------------


def test_a_download_under_an_empty_table_is_disabled_with_the_reason(demo_store_url):
    from lib.ui.shell import EMPTY_TABLE

    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["user_login"] = "commission@lensk.demo"
    at.session_state["dash_settlements"] = ["vitim"]
    at.session_state["dash_utilities"] = ["lptes"]  # Витим is not served by ЛПТЭС: the tables are empty
    at.run()
    at.switch_page("pages/dashboard.py").run()
    assert not at.exception, [e.value for e in at.exception]
    downloads = [b.proto for b in at.get("download_button")]
    empty = [d for d in downloads if d.disabled]
    assert empty and all(d.help == EMPTY_TABLE for d in empty), [(d.label, d.disabled) for d in downloads]
    assert any(c.value == EMPTY_TABLE for c in at.caption)


# ---- item 8: a confirmation belongs to the stored value -----------------------------------------------------


def test_a_stored_unusual_value_is_not_asked_about_again_while_it_is_unchanged(demo_store_url, monkeypatch):
    from lib.domain.settings import read_settings
    from lib.ui import shell

    snap = store_of(demo_store_url).read_all()
    form = monthly.monthly_form(snap, "lptes", "2024-12")  # the demo stored «0,789 — в 66 раз меньше» for it
    today = dt.date(2025, 1, 20)
    assert not monthly.check_monthly(snap, "lptes", "2024-12", form, today, read_settings(snap)).confirm
    row = next(i for i, g in enumerate(form.consumer_group) if g == "other" and form.iloc[i].settlement_id == "lensk")
    form.loc[row, "recovered_enforcement"] = 0.5  # a changed value, as unusual: asked about
    asked = monthly.check_monthly(snap, "lptes", "2024-12", form, today, read_settings(snap)).confirm
    assert len(asked) == 1 and "0,5 — в" in str(asked[0])
    # on the page: the coordinator opens the month and sees no confirmation to tick
    monkeypatch.setattr(shell, "today", lambda: today)
    at = open_page("coordinator@lensk.demo", "pages/entry.py", {"entry_participant": "lptes", "entry_month": "2024-12"})
    assert at.selectbox(key="entry_month").value == "2024-12" and at.selectbox(key="entry_participant").value == "lptes"
    assert not [w.value for w in at.warning if "раз меньше" in w.value or "раз больше" in w.value]
    assert not [c for c in at.checkbox if str(c.key).startswith("save_monthly-confirm")]


# ---- item 5: accounting identities are refused unless confirmed with a reason -----------------------------------


def test_a_write_off_above_the_debt_is_saved_only_with_a_reason_stored_and_shown_in_the_quality_panel(demo_db, tmp_path):
    from lib.domain.quality import quality_warnings
    from lib.domain.settings import read_settings
    from lib.saving import service
    from tests.support.entry import MONTH, VES, copy_demo, valid_monthly

    store = copy_demo(demo_db, tmp_path)
    snap = store.read_all()
    today = dt.date(2025, 1, 20)
    form = valid_monthly(snap)
    form.loc[0, "written_off"] = float(form.loc[0, "debt_start"]) + 1234.5
    checked = monthly.check_monthly(snap, "ves", MONTH, form, today, read_settings(snap))
    asked = [f for f in checked.confirm if f.reason]
    assert len(asked) == 1 and asked[0].field == "Списано" and "меньше нуля" not in asked[0].message
    assert "задолженность на конец месяца −" in asked[0].message  # what it makes of the month's end, a true minus
    tokens = [f.token for f in checked.confirm]
    with pytest.raises(monthly.NeedsConfirmation):
        service.save_checked(store, VES, "monthly_reports", checked)  # a warning only, before: the report saved
    with pytest.raises(monthly.NeedsConfirmation):
        service.save_checked(store, VES, "monthly_reports", checked, tokens)  # confirmed without a reason
    assert store.read_all().current("monthly_reports").query("participant_id == 'ves' and month == @MONTH").empty
    service.save_checked(store, VES, "monthly_reports", checked, tokens, reason="списание по решению суда № 2-123")
    after = store.read_all()
    line = after.current("monthly_reports").query("participant_id == 'ves' and month == @MONTH").iloc[0]
    assert "причина: списание по решению суда № 2-123" in line.warnings
    panel = quality_warnings(after.current("monthly_reports"), after.current("debt_structure"))
    mine = panel[(panel.participant_id == "ves") & (panel.month == MONTH) & (panel.field == "Списано")]
    assert len(mine) == 1 and mine.iloc[0].message.endswith("подтверждено, причина: списание по решению суда № 2-123")
    # the confirmation belongs to the stored value: the same figures are not asked about again
    again = monthly.check_monthly(after, "ves", MONTH, form, today, read_settings(after))
    assert not [f for f in again.confirm if f.reason]


def test_on_the_page_an_identity_asks_for_a_reason_before_the_save_is_possible(demo_store_url):
    at = open_page("ves@lensk.demo", "pages/entry.py")
    grid = next(d for d in at.dataframe if str(d.key).startswith("monthly-ves-"))
    assert grid.value.iloc[0]["debt_start"] not in ("", None)  # the demo filed this month: only «Списано» is typed
    at.session_state[grid.key] = edits({0: {"written_off": "100 000"}})  # above the debt: the month would end below zero
    at.run()
    assert any("Списано" in w.value and "укажите причину" in w.value for w in at.warning), [w.value for w in at.warning]
    box = next(c for c in at.checkbox if str(c.key).startswith("save_monthly-confirm"))
    box.check().run()
    assert at.button(key="save_monthly").disabled  # ticked, but no reason yet
    next(t for t in at.text_input if str(t.key).startswith("save_monthly-reason")).input("перерасчёт по акту сверки").run()
    assert not at.button(key="save_monthly").disabled
    at.button(key="save_monthly").click().run()
    assert any(s.value.startswith("Сохранено") and "изменено: Списано 0 → 100\u00a0000" in s.value for s in at.success), \
        [s.value for s in at.success]
    month = grid.key[len("monthly-ves-"):]
    stored = store_of(demo_store_url).read_all().current("monthly_reports").query(f"participant_id == 'ves' and month == '{month}'")
    assert stored.warnings.str.contains("причина: перерасчёт по акту сверки", regex=False).any()


# ---- item 2 / deliverable 3: drafts on the commission's forms ----------------------------------------------------


def test_a_typed_meeting_and_decision_survive_going_to_another_page_and_back_with_the_unsaved_note(demo_store_url):
    at = open_page("coordinator@lensk.demo", "pages/commission.py")
    at.text_input(key="new_meeting:number").input("17")
    at.text_area(key="new_meeting:agenda").input("О задолженности ООО «ЛПТЭС»")
    at.text_area(key="new_decision:text").input("Провести сверку расчётов")
    at.run()
    # the drafts the sidebar lists and the browser's «leave page?» asks about (app.py draws both from them; after
    # ``switch_page`` AppTest runs a page without app.py — tests/e2e/test_commission_drafts.py sees them in Chromium)
    assert {"new_meeting", "new_decision"} <= set(at.session_state["drafts"])
    at.switch_page("pages/dashboard.py").run()
    at.switch_page("pages/commission.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.text_input(key="new_meeting:number").value == "17"
    assert at.text_area(key="new_meeting:agenda").value == "О задолженности ООО «ЛПТЭС»"
    assert at.text_area(key="new_decision:text").value == "Провести сверку расчётов"
    # saved: the draft is done with, the form starts afresh
    next(b for b in at.button if b.label == "Сохранить заседание").click().run()
    assert any("Заседание № 17" in s.value for s in at.success), [e.value for e in at.error]
    assert "new_meeting" not in at.session_state["drafts"] and "new_decision" in at.session_state["drafts"]
    assert at.text_area(key="new_meeting:agenda").value == ""


# ---- item 7: a draft that can no longer be saved stays visible with the reason ---------------------------------------


def test_a_draft_overtaken_by_a_closed_quarter_stays_on_the_form_with_the_reason_and_what_to_do(demo_store_url):
    from lib.auth.access import User, write

    at = open_page("ves@lensk.demo", "pages/entry.py")
    grid = next(d for d in at.dataframe if str(d.key).startswith("monthly-ves-"))
    month = grid.key[len("monthly-ves-"):]
    at.session_state[grid.key] = edits({0: {"accrued": "1 300"}})
    at.run()
    assert grid.key in at.session_state["drafts"]
    quarter = f"{month[:4]}-Q{(int(month[5:]) - 1) // 3 + 1}"
    write(store_of(demo_store_url), User("coordinator@lensk.demo", "Беляев И.А.", "coordinator", "upr"),
          {"locks": [{"quarter": quarter, "locked": True, "comment": "отчёт направлен в МЖКХ"}]})
    at.run()  # the executor's next action: the quarter is closed now
    assert not at.exception, [e.value for e in at.exception]
    shown = next(d for d in at.dataframe if str(d.key).startswith(grid.key)).value
    assert shown.iloc[0]["accrued"] == "1 300"  # the typed value, not the stored one (it returned to the stored figure)
    said = [e.value for e in at.error if "сохранить нельзя" in e.value]
    assert said and "Что делать" in said[0], [e.value for e in at.error]
    assert grid.key in at.session_state["drafts"]  # the sidebar's note points at a form that shows the draft
    at.button(key="save_monthly-cancel-stuck").click().run()
    assert grid.key not in at.session_state["drafts"]


def test_a_measure_typed_on_the_plan_page_survives_a_page_switch_and_is_added(demo_store_url):
    at = open_page("coordinator@lensk.demo", "pages/plan.py")
    at.text_area(key="add_measure:measure").input("Сверка расчётов с УК")
    at.text_input(key="add_measure:executor").input("ООО «ЛПТЭС»")
    at.text_input(key="add_measure:deadline").input("ежеквартально, до 10 числа")
    at.run()
    assert "add_measure" in at.session_state["drafts"]
    at.switch_page("pages/dashboard.py").run()
    at.switch_page("pages/plan.py").run()
    assert at.text_area(key="add_measure:measure").value == "Сверка расчётов с УК"
    assert at.text_input(key="add_measure:executor").value == "ООО «ЛПТЭС»"
    assert at.text_input(key="add_measure:deadline").value == "ежеквартально, до 10 числа"
    at.button(key="add_measure-save").click().run()
    assert any(s.value.startswith("Мероприятие добавлено. Сохранено") for s in at.success), [e.value for e in at.error]
    assert "add_measure" not in at.session_state["drafts"] and at.text_area(key="add_measure:measure").value == ""
    assert "Сверка расчётов с УК" in set(store_of(demo_store_url).read_all().current("plan").measure)
