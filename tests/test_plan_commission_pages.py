"""«План мероприятий» and «Комиссия» in-process, per role."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from lib.config import PROJECT_ROOT
from lib.store.sqlite_store import SQLiteStore

APP = str(PROJECT_ROOT / "app.py")
TODAY = dt.date(2024, 12, 20)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    from lib import ui

    monkeypatch.setattr(ui, "today", lambda: TODAY)


def open_page(login: str, page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["user_login"] = login
    at.run()
    at.switch_page(page).run()
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
    source = next(o for o in at.selectbox[-1].options if "Заозерск" in o)
    at.selectbox[-1].set_value(source)
    at.text_input[-1].input("2025")
    at.button(key="FormSubmitter:new_plan-Создать план").click().run()
    assert any("План «2025» создан" in s.value for s in at.success), [e.value for e in at.error]
    plans = store_of(demo_store_url).read_all().current("plan")
    assert len(plans.query("plan_id == '2025'")) == 10


def test_coordinator_retires_a_measure_as_a_new_version(demo_store_url):
    at = open_page("coordinator@lensk.demo", "pages/plan.py")
    at.selectbox(key="plan_edit_measure").set_value("2023/2024-13").run()
    at.checkbox(key="retire-2023/2024-13").check()
    at.button(key="FormSubmitter:edit-2023/2024-13-Сохранить новую версию").click().run()
    assert any("исключено" in s.value for s in at.success), [e.value for e in at.error]
    history = store_of(demo_store_url).read_all().history("plan", measure_id="2023/2024-13")
    assert history.retired.tolist() == [False, True]


@pytest.mark.parametrize("login", ["lptes@lensk.demo", "commission@lensk.demo", "coordinator@lensk.demo"])
def test_commission_page_per_role(demo_store_url, login):
    at = open_page(login, "pages/commission.py")
    meetings = next(d.value for d in at.dataframe if "Кворум" in d.value.columns)
    assert meetings.set_index("Дата").loc["18.07.2024", "Кворум"] == "НЕТ — решения недействительны"
    assert any("Просрочено поручений" in e.value for e in at.error)
    pack_text = " ".join(m.value for m in at.markdown)
    # the materials default to the meeting the latest data (December 2024, due 10.01.2025) is for, not to today
    assert at.date_input(key="pack_date").value == dt.date(2025, 1, 11)
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
