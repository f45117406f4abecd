"""«План мероприятий» and «Комиссия» in-process, per role."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from lib.core.config import PROJECT_ROOT
from lib.store.sqlite_store import SQLiteStore
from tests.support.apptest import open_page

APP = str(PROJECT_ROOT / "app.py")
TODAY = dt.date(2024, 12, 20)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    from lib.ui import shell

    monkeypatch.setattr(shell, "today", lambda: TODAY)


def open_tab(at: AppTest, key: str, label: str) -> AppTest:
    """What a click on a tab does: the tabs' state changes and the page reruns."""
    at.session_state[key] = label
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def store_of(url: str) -> SQLiteStore:
    return SQLiteStore(url[len("sqlite:///"):])


@pytest.mark.parametrize("login", ["lptes@lensk.demo", "commission@lensk.demo", "coordinator@lensk.demo"])
def test_plan_page_per_role(demo_store_url, login):
    at = open_page(login, "pages/plan.py")
    plan = at.dataframe[0].value
    assert len(plan) == 15 and plan["№ п/п"].tolist()[:2] == ["1", "2"] and "" in plan["№ п/п"].tolist()
    matrix = at.dataframe[1].value
    assert "ООО «ЛПТЭС»" in matrix.columns
    assert {m.label for m in at.metric} >= {"выполнено", "просрочено"}
    tools = any(s.value == "Ведение плана" for s in at.subheader)
    assert tools == (login.startswith("coordinator"))


def test_coordinator_starts_a_plan_from_the_zaozersk_template(demo_store_url):
    at = open_page("coordinator@lensk.demo", "pages/plan.py")
    source = next(o for o in at.selectbox(key="new_plan:source").options if "Заозерск" in o)
    at.selectbox(key="new_plan:source").set_value(source)
    at.text_input(key="new_plan:plan").input("2025")
    at.button(key="new_plan-save").click().run()
    assert any("План «2025» создан" in s.value for s in at.success), [e.value for e in at.error]
    plans = store_of(demo_store_url).read_all().current("plan")
    assert len(plans.query("plan_id == '2025'")) == 10


def test_coordinator_retires_a_measure_as_a_new_version(demo_store_url):
    at = open_page("coordinator@lensk.demo", "pages/plan.py")
    at.selectbox(key="plan_edit_measure").set_value("2023/2024-13").run()
    at.checkbox(key="edit-2023/2024-13:retired").check()
    at.button(key="edit-2023/2024-13-save").click().run()
    assert any("исключено" in s.value for s in at.success), [e.value for e in at.error]
    history = store_of(demo_store_url).read_all().history("plan", measure_id="2023/2024-13")
    assert history.retired.tolist() == [False, True]


SCHEDULE = ["periodicity", "due_day", "due_date"]


def schedule(record: dict) -> dict:
    return {k: (None if record.get(k) is None or record.get(k) != record.get(k) else record[k]) for k in SCHEDULE}


@pytest.mark.parametrize("deadline, expected", [
    ("ежемесячно до 05 числа месяца, следующего за отчетным", {"periodicity": "monthly", "due_day": 5, "due_date": None}),
    ("до 01.03.2024", {"periodicity": "once", "due_day": None, "due_date": dt.date(2024, 3, 1)}),
    ("ежеквартально, до 10 числа первого месяца очередного квартала", {"periodicity": "quarterly", "due_day": 10, "due_date": None}),
])
def test_a_changed_deadline_re_derives_the_schedule_as_a_new_measure_would(demo_store_url, deadline, expected):
    """Issue 27: the coordinator changes a measure's «Сроки исполнения»; its periodicity, report day and due date follow
    the new text, exactly as for a measure added with that text (before, the old schedule stayed and the matrix kept
    asking for reports by it)."""
    from lib.domain import plan_admin

    measure = "2023/2024-13"
    before = schedule(store_of(demo_store_url).read_all().record("plan", measure_id=measure))
    assert before != expected  # the change is a real one
    at = open_page("coordinator@lensk.demo", "pages/plan.py")
    at.selectbox(key="plan_edit_measure").set_value(measure).run()
    field = next(t for t in at.text_input if t.label == "Сроки исполнения")
    field.input(deadline)
    at.button(key=f"edit-{measure}-save").click().run()
    assert any("новой версией" in s.value for s in at.success), [e.value for e in at.error]
    snap = store_of(demo_store_url).read_all()
    saved = snap.record("plan", measure_id=measure)
    assert saved["deadline"] == deadline
    assert schedule(saved) == expected
    added = plan_admin.new_measure(snap, "2023/2024", item_no="", measure="То же с новым сроком", executor="ООО «ВЭС»",
                                   executor_kinds=["utility"], deadline=deadline, report_deadline=None, expected_result=None)
    assert schedule(added) == expected


def test_an_edit_that_keeps_the_deadline_keeps_the_schedule(demo_store_url):
    """Only a changed deadline is read again: a schedule set in the sheet by hand stays when another field is edited."""
    measure = "2023/2024-13"
    before = schedule(store_of(demo_store_url).read_all().record("plan", measure_id=measure))
    at = open_page("coordinator@lensk.demo", "pages/plan.py")
    at.selectbox(key="plan_edit_measure").set_value(measure).run()
    next(t for t in at.text_input if t.label == "Результат").input("Сверка проведена")
    at.button(key=f"edit-{measure}-save").click().run()
    assert any("новой версией" in s.value for s in at.success), [e.value for e in at.error]
    saved = store_of(demo_store_url).read_all().record("plan", measure_id=measure)
    assert saved["expected_result"] == "Сверка проведена" and schedule(saved) == before


@pytest.mark.parametrize("login", ["lptes@lensk.demo", "commission@lensk.demo", "coordinator@lensk.demo"])
def test_commission_page_per_role(demo_store_url, login):
    at = open_page(login, "pages/commission.py")
    meetings = next(d.value for d in at.dataframe if "Кворум" in d.value.columns)
    assert meetings.set_index("Дата").loc["18.07.2024", "Кворум"] == "НЕТ — решения недействительны"
    open_tab(at, "commission_tab", "Решения и поручения")
    assert any("Просрочено поручений" in e.value for e in at.error)
    open_tab(at, "commission_tab", "Материалы к заседанию")
    pack_text = " ".join(m.value for m in at.markdown)
    # the materials default to the meeting the latest data (December 2024, due 10.01.2025) is for, not to today
    assert at.text_input(key="pack_date").value == "11.01.2025"
    assert "Проект повестки" in pack_text and "О сдаче отчётов за декабрь 2024 (не сдали: 1)" in pack_text
    forms = [b for b in at.button if b.label.startswith("Сохранить")]
    assert bool(forms) == login.startswith("coordinator")


def test_coordinator_records_a_meeting_without_quorum(demo_store_url):
    at = open_page("coordinator@lensk.demo", "pages/commission.py")
    assert at.text_input(key="new_meeting:number").value == "14"  # the next protocol number is suggested
    for member in ("m01", "m02", "m03"):
        at.radio(key=f"new_meeting:attend-{member}").set_value("present")
    save = next(b for b in at.button if b.label == "Сохранить заседание")
    save.click().run()
    assert any("Заседание № 14" in s.value and "записано" in s.value for s in at.success), [e.value for e in at.error]
    meetings = next(d.value for d in at.dataframe if "Кворум" in d.value.columns)
    assert meetings.iloc[0]["Кворум"].startswith("НЕТ") and meetings.iloc[0]["Учтено"] == 3


def test_executor_reports_an_assignment_done_on_its_entry_page(demo_store_url):
    at = open_page("lptes@lensk.demo", "pages/entry.py")
    form_key = next(b.key for b in at.button if str(b.key).startswith("FormSubmitter:done-"))
    decision = form_key.split(":", 1)[1].rsplit("-Сообщить", 1)[0][len("done-"):]
    at.text_area(key=f"done-comment-{decision}").input("Сверка с ФССП проведена, акт от 19.12.2024")
    at.button(key=form_key).click().run()
    assert any("Исполнение поручения отмечено" in s.value for s in at.success), [e.value for e in at.error]
    after = store_of(demo_store_url).read_all().current("decisions").set_index("decision_id").loc[decision]
    assert after.status == "done" and after.comment == "Сверка с ФССП проведена, акт от 19.12.2024"


# ---- only the open tab runs (issue 16, item 2) -----------------------------------------------


def counted(monkeypatch, module, name: str) -> list:
    """Calls of ``module.name`` made by the page from now on."""
    calls, real = [], getattr(module, name)

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counting)
    return calls


def keyed(widgets, key: str) -> list:
    return [w for w in widgets if w.key == key]


def test_only_the_open_tab_of_the_commission_page_runs_and_the_pack_is_built_only_on_its_tab(demo_store_url, monkeypatch):
    from lib.domain import proceedings
    from lib.files import meeting_pack

    packs = counted(monkeypatch, meeting_pack, "build")
    decisions = counted(monkeypatch, proceedings, "decisions")
    at = open_page("commission@lensk.demo", "pages/commission.py")
    # «Заседания» is open: its table is drawn; nothing of the closed tabs is computed or drawn
    assert any("Кворум" in d.value.columns for d in at.dataframe)
    assert packs == [] and decisions == [] and not keyed(at.text_input, "pack_date")
    assert not any("Проект повестки" in m.value for m in at.markdown)
    assert not any("Входит в состав" in d.value.columns for d in at.dataframe)
    open_tab(at, "commission_tab", "Материалы к заседанию")
    assert len(packs) == 1 and any("Проект повестки" in m.value for m in at.markdown)
    assert not any("Кворум" in d.value.columns for d in at.dataframe)
    open_tab(at, "commission_tab", "Состав")
    assert len(packs) == 1 and any("Входит в состав" in d.value.columns for d in at.dataframe)
    assert not keyed(at.text_input, "pack_date") and not any("Проект повестки" in m.value for m in at.markdown)
    open_tab(at, "commission_tab", "Решения и поручения")
    assert any("Просрочено поручений" in e.value for e in at.error) and len(packs) == 1


def test_the_coordinators_forms_stay_on_closed_tabs_and_the_open_tab_and_pack_date_are_kept(demo_store_url, monkeypatch):
    from lib.files import meeting_pack

    packs = counted(monkeypatch, meeting_pack, "build")
    at = open_page("coordinator@lensk.demo", "pages/commission.py")
    assert packs == []
    open_tab(at, "commission_tab", "Материалы к заседанию")
    assert len(packs) == 1
    # the coordinator's forms are drawn while their tabs are closed: what is typed into a form stays in the browser
    # only until it is sent, and a form not drawn takes it away (checked in a browser: test_browser_tabs_keep_typing)
    assert keyed(at.text_input, "new_meeting:number") and keyed(at.text_area, "new_decision:text")
    # a date chosen for the pack is kept while other tabs and pages are open
    at.text_input(key="pack_date").input("14.02.2025").run()
    assert packs[-1][1] == dt.date(2025, 2, 14)
    open_tab(at, "commission_tab", "Состав")
    open_tab(at, "commission_tab", "Материалы к заседанию")
    assert at.text_input(key="pack_date").value == "14.02.2025"
    at.switch_page("pages/plan.py").run()
    at.switch_page("pages/commission.py").run()
    assert at.session_state["commission_tab"] == "Материалы к заседанию"  # back on the page: the tab that was open
    assert at.text_input(key="pack_date").value == "14.02.2025" and packs[-1][1] == dt.date(2025, 2, 14)


def test_the_admin_pages_closed_tabs_do_not_run_and_a_typed_reason_survives_a_tab_switch(demo_store_url, monkeypatch):
    from lib.domain import present

    audits = counted(monkeypatch, present, "audit_table")
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["user_login"] = "coordinator@lensk.demo"
    at.run()
    at.switch_page("pages/admin.py").run()
    assert audits == [] and not keyed(at.selectbox, "lock_quarter")
    open_tab(at, "admin_tab", "Закрытие кварталов")
    quarter = at.selectbox(key="lock_quarter").value
    reason = f"admin-lock-comment-{quarter}"
    at.text_input(key=reason).input("Отчёт направлен в МЖКХ").run()  # typed and left (not in a form: sent on leaving the field)
    open_tab(at, "admin_tab", "Журнал изменений")
    assert len(audits) == 1 and not keyed(at.text_input, reason)
    assert keyed(at.text_input, "add_user:login") and keyed(at.text_area, "return:reason")  # the tabs of forms are drawn closed
    open_tab(at, "admin_tab", "Закрытие кварталов")
    assert at.text_input(key=reason).value == "Отчёт направлен в МЖКХ" and len(audits) == 1


def test_an_address_naming_a_tab_opens_it(demo_store_url):
    """A reload or a link: the address holds the open tab (``?commission_tab=Состав``), a new session opens it."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["user_login"] = "commission@lensk.demo"
    at.run()
    at.switch_page("pages/commission.py")
    at.query_params["commission_tab"] = "Состав"
    at.run()
    assert at.session_state["commission_tab"] == "Состав" and any("Входит в состав" in d.value.columns for d in at.dataframe)
    assert not any("Кворум" in d.value.columns for d in at.dataframe)


# ---- the plan grid on the entry page: no English «None» ----------------------------------------


def test_the_plan_grid_shows_a_dash_for_no_status_and_reads_it_back_as_empty(demo_store_url):
    import pandas as pd

    from lib.domain import monthly
    from lib.saving.form_input import NOT_CHOSEN

    def open_grid(edits: dict | None = None):
        at = AppTest.from_file(APP, default_timeout=60)
        at.session_state["user_login"] = "ves@lensk.demo"
        at.run()
        at.switch_page("pages/entry.py")
        if edits:
            at.session_state[key] = {"edited_rows": edits, "added_rows": [], "deleted_rows": []}
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at, next(d for d in at.dataframe if str(d.key).startswith("plan-ves-"))

    at, grid = open_grid()
    key, month = grid.key, grid.key[len("plan-ves-"):]
    stored = monthly.plan_form(store_of(demo_store_url).read_all(), "ves", month).status.tolist()
    shown = grid.value["status"].tolist()
    assert any(pd.isna(s) for s in stored) and any(not pd.isna(s) for s in stored)  # the demo has both
    # every empty status cell is the «—» option (Streamlit draws "" or None as a grey «None»), the others unchanged
    assert shown == [NOT_CHOSEN if pd.isna(s) else s for s in stored]
    # «—» chosen in an empty row is no change: no draft, nothing to save; in a row with a status it empties the cell
    empty, filed = next(i for i, s in enumerate(stored) if pd.isna(s)), next(i for i, s in enumerate(stored) if not pd.isna(s))
    at, grid = open_grid({empty: {"status": NOT_CHOSEN}})
    assert key not in (at.session_state["drafts"] if "drafts" in at.session_state else {})
    assert grid.value["status"].tolist() == shown
    at, grid = open_grid({filed: {"status": NOT_CHOSEN}})
    draft = at.session_state["drafts"][key].changes
    assert list(draft.values()) == [{"status": None}]  # the draft holds an empty status, not the dash
    del at.session_state[key]  # the editor is gone (another month or page in a browser): drawn afresh from the draft
    at.run()
    grid = next(d for d in at.dataframe if d.key == key)
    assert grid.value["status"].tolist() == [NOT_CHOSEN if i == filed else s for i, s in enumerate(shown)]
