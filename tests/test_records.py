"""Records the coordinator and the commission keep never overwrite each other (issue 14):
generated ids that must be new, explicit edits against the version they were based on, exclusive
attendance, the last coordinator, closing a quarter with open items, one confirmation in place."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from streamlit.testing.v1 import AppTest

from lib.auth.access import Denied, NothingChanged, Rejected, User, write
from lib.core.config import PROJECT_ROOT
from lib.domain import plan_admin, proceedings
from lib.domain.closing import quarter_open_items
from lib.domain.settings import read_settings
from lib.store.port import Conflict
from lib.store.sqlite_store import SQLiteStore
from tests.support.apptest import open_page
from tests.support.entry import copy_demo
from tests.support.shown import opened

APP = str(PROJECT_ROOT / "app.py")
TODAY = dt.date(2024, 12, 20)
COORDINATOR = User("coordinator@lensk.demo", "Беляев И.А.", "coordinator", "upr")
DAY = dt.date(2024, 12, 27)


@pytest.fixture
def store(demo_db, tmp_path):
    return copy_demo(demo_db, tmp_path)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    from lib.ui import shell

    monkeypatch.setattr(shell, "today", lambda: TODAY)


def record_meeting(store, number: str, attendance: dict, day: dt.date = DAY) -> dict:
    record = proceedings.meeting_record(store.read_all(), number=number, date=day, attendance=attendance, agenda=None)
    write(store, COORDINATOR, {"meetings": [record]}, action="запись заседания", expect={"meetings": {(record["meeting_id"],): None}})
    return record


def quorum_of(store, meeting_id: str) -> bool:
    m = proceedings.meetings(store.read_all()).set_index("meeting_id")
    return bool(m.loc[meeting_id, "has_quorum"])


# ---- ids that cannot collide -------------------------------------------------------------


def test_a_second_meeting_on_the_same_date_is_a_meeting_of_its_own(store):
    everyone = {m: "present" for m in store.read_all().current("commission_members").member_id}
    regular = record_meeting(store, "14", everyone)
    extraordinary = record_meeting(store, "15", {"m01": "present"})
    snap = store.read_all()
    ours = snap.current("meetings").query("date == @DAY")
    assert sorted(ours.number) == ["14", "15"] and ours.meeting_id.nunique() == 2
    assert quorum_of(store, regular["meeting_id"]) and not quorum_of(store, extraordinary["meeting_id"])
    decision = proceedings.decision_record(snap, meeting_id=regular["meeting_id"], text="Провести сверку", responsible_id="lptes",
                                          due_date=dt.date(2025, 1, 31))
    write(store, COORDINATOR, {"decisions": [decision]}, expect={"decisions": {(decision["decision_id"],): None}})
    record_meeting(store, "16", {}, day=DAY)  # a third one the same day still replaces nothing
    d = proceedings.decisions(store.read_all(), TODAY).set_index("decision_id")
    assert d.loc[decision["decision_id"], "valid"]  # the regular meeting kept its quorum, so its decisions stand


def test_the_same_protocol_number_on_the_same_date_is_refused(store):
    record_meeting(store, "14", {})
    with pytest.raises(Rejected, match=r"Заседание № 14 от 27\.12\.2024 уже записано"):
        proceedings.meeting_record(store.read_all(), number=" 14 ", date=DAY, attendance={}, agenda=None)
    with pytest.raises(Rejected, match="номер протокола"):
        proceedings.meeting_record(store.read_all(), number="", date=DAY, attendance={}, agenda=None)


def test_a_new_id_written_twice_is_refused_and_nothing_is_replaced(store):
    record = record_meeting(store, "14", {})
    again = {**record, "number": "99"}
    with pytest.raises(Conflict, match="уже есть"):
        write(store, COORDINATOR, {"meetings": [again]}, expect={"meetings": {(record["meeting_id"],): None}})
    assert store.read_all().current("meetings").set_index("meeting_id").loc[record["meeting_id"], "number"] == "14"


def test_a_measure_added_with_a_number_in_force_is_refused_and_unnumbered_ones_never_collide(store):
    snap = store.read_all()
    fields = dict(executor="ООО", executor_kinds=["utility"], deadline="ежемесячно", report_deadline="Ежеквартально", expected_result=None)
    with pytest.raises(Rejected, match="уже есть пункт 3"):
        plan_admin.new_measure(snap, "2023/2024", item_no="3.", measure="Дубль", **fields)
    retire = {**snap.record("plan", measure_id="2023/2024-13"), "retired": True}
    write(store, COORDINATOR, {"plan": [retire]})
    first = plan_admin.new_measure(store.read_all(), "2023/2024", item_no="", measure="Первое без номера", **fields)
    write(store, COORDINATOR, {"plan": [first]}, expect={"plan": {(first["measure_id"],): None}})
    second = plan_admin.new_measure(store.read_all(), "2023/2024", item_no=None, measure="Второе без номера", **fields)
    write(store, COORDINATOR, {"plan": [second]}, expect={"plan": {(second["measure_id"],): None}})
    plan = store.read_all().current("plan").set_index("measure_id")
    assert first["measure_id"] != second["measure_id"]
    assert plan.loc[first["measure_id"], "measure"] == "Первое без номера" and plan.loc[second["measure_id"], "measure"] == "Второе без номера"
    assert plan.loc["2023/2024-13", "retired"]  # the retired one is untouched


def test_two_decisions_saved_from_pages_opened_at_the_same_time_are_both_kept(demo_store_url):
    pages = [open_commission(), open_commission()]  # both read the same store state
    for at, text in zip(pages, ["Первое поручение", "Второе поручение"]):
        fill_new_decision(at, text, "lptes")
        submit_new_decision(at)
        assert any("Решение записано" in s.value for s in at.success), [e.value for e in at.error]
    decisions = store_of(demo_store_url).read_all().current("decisions")
    assert {"Первое поручение", "Второе поручение"} <= set(decisions.text)
    assert decisions.decision_id.is_unique


# ---- decisions: no default responsible, clear after save, edit and cancel -----------------


def store_of(url: str) -> SQLiteStore:
    return SQLiteStore(url[len("sqlite:///"):])


def open_commission(tab: str | None = None) -> AppTest:
    return open_page("coordinator@lensk.demo", "pages/commission.py", {"commission_tab": tab} if tab else None)


def fill_new_decision(at: AppTest, text: str, responsible: str | None) -> None:
    at.text_area(key="new_decision:text").input(text)
    if responsible:
        at.selectbox(key="new_decision:responsible").set_value(responsible)


def submit_new_decision(at: AppTest) -> None:
    next(b for b in at.button if b.label == "Сохранить решение").click().run()


def test_a_new_decision_names_nobody_by_default_and_the_form_clears_after_a_save(demo_store_url):
    at = open_commission("Решения и поручения")
    assert at.selectbox(key="new_decision:responsible").value is None
    fill_new_decision(at, "Поручение без ответственного", None)
    submit_new_decision(at)
    assert any("Выберите ответственного" in e.value for e in at.error)
    before = len(store_of(demo_store_url).read_all().all_versions("decisions"))
    at.selectbox(key="new_decision:responsible").set_value("esk")
    submit_new_decision(at)
    confirmations = [s.value for s in at.success if "Решение записано" in s.value]
    # one confirmation, not two: what was saved, when and which version (issue 23, item 4)
    assert len(confirmations) == 1 and not at.toast
    assert re.fullmatch(r"Решение записано\. Сохранено \d\d\.\d\d\.\d{4} \d\d:\d\d · версия 1", confirmations[0]), confirmations
    assert at.session_state["commission_tab"] == "Решения и поручения"  # the page stays on the tab
    assert at.text_area(key="new_decision:text").value == ""  # a fresh form: a second click cannot repeat it
    after = store_of(demo_store_url).read_all().all_versions("decisions")
    assert len(after) == before + 1 and after.iloc[-1].responsible_id == "esk"


def test_a_decision_is_edited_and_cancelled_with_history_and_an_unchanged_save_writes_nothing(demo_store_url):
    at = open_commission("Решения и поручения")
    chosen = at.selectbox(key="edit_decision_id").value
    form = f"edit_decision-{chosen}"
    at.text_area(key=f"{form}:text").input("Уточнённая формулировка поручения")
    next(b for b in at.button if b.label == "Сохранить новую версию").click().run()
    assert any("сохранено новой версией" in s.value for s in at.success), [e.value for e in at.error]
    next(b for b in at.button if b.label == "Сохранить новую версию").click().run()
    assert any(i.value == "Изменений нет: сохранять нечего." for i in at.info)
    at.radio(key=f"{form}:status").set_value("cancelled")
    at.text_area(key=f"{form}:comment").input("Снято: вопрос решён на уровне района")
    next(b for b in at.button if b.label == "Сохранить новую версию").click().run()
    snap = store_of(demo_store_url).read_all()
    history = snap.history("decisions", decision_id=chosen)
    assert history.text.iloc[-1] == "Уточнённая формулировка поручения" and history.status.tolist()[-2:] == ["open", "cancelled"]
    actions = snap.all_versions("audit").query("entity == 'decisions'").action.tolist()[-2:]
    assert actions == ["изменение решения", "снятие решения с контроля"]


def test_an_edit_based_on_an_older_version_is_refused_and_shows_what_is_stored(demo_store_url):
    at = open_commission("Решения и поручения")
    chosen = at.selectbox(key="edit_decision_id").value
    form = f"edit_decision-{chosen}"
    store = store_of(demo_store_url)
    snap = store.read_all()
    # meanwhile someone else changes the decision
    other = {**snap.record("decisions", decision_id=chosen), "text": "Правка другого координатора"}
    write(store, COORDINATOR, {"decisions": [other]})
    at.text_area(key=f"{form}:text").input("Моя правка")
    next(b for b in at.button if b.label == "Сохранить новую версию").click().run()
    assert any("изменена после того, как вы её открыли" in e.value for e in at.error)
    shown = next(d.value for d in at.dataframe if "Сохранено сейчас" in d.value.columns)
    assert "Правка другого координатора" in shown["Сохранено сейчас"].tolist()
    assert store.read_all().current("decisions").set_index("decision_id").loc[chosen, "text"] == "Правка другого координатора"
    at.button(key=f"reload-{form}").click().run()
    assert at.text_area(key=f"{form}:text").value == "Правка другого координатора"


def test_writing_a_record_unchanged_writes_nothing(store):
    snap = store.read_all()
    decision_id = snap.current("decisions").decision_id.iloc[0]
    rows = len(snap.all_versions("decisions")), len(snap.all_versions("audit"))
    with pytest.raises(NothingChanged):
        write(store, COORDINATOR, {"decisions": [snap.record("decisions", decision_id=decision_id)]})
    after = store.read_all()
    assert (len(after.all_versions("decisions")), len(after.all_versions("audit"))) == rows


# ---- attendance ----------------------------------------------------------------------------


def test_attendance_is_one_choice_per_member_and_the_quorum_reads_the_stored_state(store):
    record = record_meeting(store, "14", {"m01": "present", "m02": "represented"})
    assert (record["present"], record["represented"]) == ("m01", "m02")
    # a person types m01 into both columns of the sheet: counted once, as present
    typed = {**record, "present": "m01;m03", "represented": "m01;m02"}
    write(store, COORDINATOR, {"meetings": [typed]})
    m = proceedings.meetings(store.read_all()).set_index("meeting_id").loc[record["meeting_id"]]
    assert (m.present_count, m.represented_count, m.counted) == (2, 1, 3)
    assert proceedings.attendance_of(typed) == {"m01": "present", "m02": "represented", "m03": "present"}


def test_the_meeting_form_offers_one_choice_per_member(demo_store_url):
    at = open_commission()
    radio = at.radio(key="new_meeting:attend-m01")
    assert radio.options == ["лично", "представитель", "отсутствовал"] and radio.value == "absent"


# ---- the last coordinator --------------------------------------------------------------------


def test_the_last_active_coordinator_cannot_be_disabled_or_demoted(store):
    snap = store.read_all()
    me = snap.record("users", login="coordinator@lensk.demo")
    with pytest.raises(Denied, match="последнего координатора"):
        write(store, COORDINATOR, {"users": [{**me, "active": False}]})
    with pytest.raises(Denied, match="последнего координатора"):
        write(store, COORDINATOR, {"users": [{**me, "role": "commission"}]})
    second = {**snap.record("users", login="commission@lensk.demo"), "role": "coordinator"}
    write(store, COORDINATOR, {"users": [second]})
    write(store, COORDINATOR, {"users": [{**me, "active": False}]})  # with another coordinator, allowed
    assert store.read_all().current("users").set_index("login").loc["coordinator@lensk.demo", "active"] == False  # noqa: E712


def test_disabling_a_user_on_the_admin_page_asks_first(demo_store_url):
    at = opened("coordinator@lensk.demo", "pages/admin.py")
    at.selectbox(key="edit_login").set_value("lptes@lensk.demo").run()
    form = "edit_user-lptes@lensk.demo"
    at.toggle(key=f"{form}:active").set_value(False).run()
    assert at.button(key=f"{form}:save").disabled
    at.checkbox(key=f"{form}:confirm").check().run()
    at.button(key=f"{form}:save").click().run()
    assert any("изменения сохранены" in s.value for s in at.success), [e.value for e in at.error]
    assert store_of(demo_store_url).read_all().current("users").set_index("login").loc["lptes@lensk.demo", "active"] == False  # noqa: E712
    # the only coordinator tries to switch themselves off: refused with the reason, nothing written
    at.selectbox(key="edit_login").set_value("coordinator@lensk.demo").run()
    form = "edit_user-coordinator@lensk.demo"
    at.toggle(key=f"{form}:active").set_value(False).run()
    at.checkbox(key=f"{form}:confirm").check().run()
    at.button(key=f"{form}:save").click().run()
    assert any("последнего координатора" in e.value for e in at.error)
    assert store_of(demo_store_url).read_all().current("users").set_index("login").loc["coordinator@lensk.demo", "active"]


# ---- closing a quarter -----------------------------------------------------------------------


def test_what_is_still_open_in_a_quarter_is_listed_before_it_is_closed(store):
    snap = store.read_all()
    items = quarter_open_items(snap, "2024-Q4", read_settings(snap), dt.date(2025, 1, 20))
    assert items[0] == "на доработке: ООО «Теплостройкомплекс», ноябрь 2024"
    assert "не подан отчёт: ООО «Восточные энергетические сети», декабрь 2024" in items
    assert any(line.startswith("просрочено отчётов об исполнении плана") for line in items)
    # before December has ended, December cannot be missing yet
    early = quarter_open_items(snap, "2024-Q4", read_settings(snap), dt.date(2024, 12, 20))
    assert not any("декабрь 2024" in line for line in early)


def test_a_returned_month_in_a_closed_quarter_says_closed_on_the_overview(demo_store_url):
    store = store_of(demo_store_url)
    write(store, COORDINATOR, {"locks": [{"quarter": "2024-Q4", "locked": True, "comment": "Отчёт направлен"}]})
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["user_login"] = "tsk@lensk.demo"
    at.run()
    text = " ".join(e.value for e in at.error)
    assert "возвращён на доработку" in text and "закрыт" in text and "Беляев И.А." in text
    assert "Подайте исправленный отчёт" not in text


def test_a_decision_recorded_after_a_new_meeting_defaults_to_that_meeting(demo_store_url):
    at = open_commission()
    at.text_input(key="new_meeting:number").input("14")
    next(b for b in at.button if b.label == "Сохранить заседание").click().run()
    newest = proceedings.meetings(store_of(demo_store_url).read_all()).iloc[0]
    assert newest.number == "14"
    chosen = next(s for s in at.selectbox if str(s.key).startswith("new_decision:meeting"))
    assert chosen.value == newest.meeting_id


def test_the_command_line_cannot_disable_the_last_coordinator_either(demo_store_url, capsys):
    from lib.cli import main

    assert main(["user", "disable", "--login", "coordinator@lensk.demo", "--store", demo_store_url]) == 1
    assert "последнего координатора" in capsys.readouterr().err
    assert store_of(demo_store_url).read_all().current("users").set_index("login").loc["coordinator@lensk.demo", "active"]


# ---- «Ввод данных»: an overdue month, a closed quarter for a settlement, an unchanged save -------------


def test_a_month_past_its_deadline_and_not_filed_is_overdue_with_the_days_late(store):
    from lib.domain import monthly

    snap = store.read_all()
    settings = read_settings(snap)
    assert monthly.month_status(snap, "ves", "2024-12", settings, dt.date(2025, 1, 10)).code == "not_filed"  # the 10th is still on time
    late = monthly.month_status(snap, "ves", "2024-12", settings, dt.date(2025, 1, 31))
    assert late.code == "overdue" and late.label == "не подан, срок прошёл"
    assert "срок был до 10.01.2025 включительно — просрочено на 21 день" in late.detail
    assert [monthly.days_word(n) for n in (1, 2, 5, 11, 12, 21, 22, 25, 101, 111)] == \
        ["день", "дня", "дней", "дней", "дней", "день", "дня", "дней", "день", "дней"]


def open_entry_page(login: str, today: dt.date, monkeypatch, month: str | None = None) -> AppTest:
    from lib.ui import shell

    monkeypatch.setattr(shell, "today", lambda: today)
    at = open_page(login, "pages/entry.py", check=False)
    if month:
        at.selectbox(key="entry_month").set_value(month).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_entry_page_shows_an_overdue_month_in_red(demo_store_url, monkeypatch):
    at = open_entry_page("ves@lensk.demo", dt.date(2025, 1, 31), monkeypatch)
    assert any("Статус месяца: не подан, срок прошёл" in e.value and "просрочено на 21 день" in e.value for e in at.error)


def test_a_settlement_head_in_a_closed_quarter_is_told_why(demo_store_url, monkeypatch):
    at = open_entry_page("nyuya@lensk.demo", dt.date(2024, 12, 20), monkeypatch, month="2024-09")
    assert any("3 квартал 2024 г. закрыт" in e.value and "Беляев И.А." in e.value for e in at.error)


def test_saving_an_unchanged_filed_report_writes_nothing_and_says_so(demo_store_url, monkeypatch):
    at = open_entry_page("lptes@lensk.demo", dt.date(2024, 12, 20), monkeypatch, month="2024-11")
    before = len(store_of(demo_store_url).read_all().all_versions("monthly_reports"))
    at.button(key="save_monthly").click().run()
    assert any("Изменений нет" in i.value for i in at.info), [e.value for e in at.error]
    assert not any("Изменений нет" in e.value for e in at.error)
    assert len(store_of(demo_store_url).read_all().all_versions("monthly_reports")) == before
