"""Quorum, decisions, the meeting pack (its figures equal the dashboard's), plan templates and edits."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from lib.auth.access import Denied, User, write
from lib.domain import plan_admin, proceedings
from lib.domain.settings import read_settings
from lib.domain.summary import Filters, execute
from lib.files import meeting_pack
from tests.support.entry import copy_demo

COORDINATOR = User("coordinator@lensk.demo", "Беляев", "coordinator", "upr")
LPTES = User("lptes@lensk.demo", "ЛПТЭС", "executor", "lptes")


@pytest.mark.parametrize("total,present,represented,has", [
    (26, 13, 0, True),    # exactly half
    (26, 12, 0, False),   # one short
    (26, 12, 1, True),    # a representative counts
    (26, 12, 12, False),  # the same 12 members listed twice still count once
    (25, 12, 0, False),   # half of 25 is 12,5: 12 is not enough
    (25, 13, 0, True),
    (0, 0, 0, False),     # no members: no quorum
])
def test_quorum_edge_cases(total, present, represented, has):
    members_present = {f"m{i}" for i in range(present)}
    members_repr = {f"m{i}" for i in range(12 - represented, 12)} if represented == 12 else {f"r{i}" for i in range(represented)}
    q = proceedings.quorum(total, members_present, members_repr)
    assert q["has_quorum"] is has


@pytest.fixture
def store(demo_db, tmp_path):
    return copy_demo(demo_db, tmp_path)


def test_a_meeting_without_quorum_makes_its_decisions_invalid(store):
    snap = store.read_all()
    m = proceedings.meetings(snap).set_index("date")
    assert not m.loc["2024-07-18", "has_quorum"] and m.loc["2024-07-18", "counted"] == 12 and m.loc["2024-07-18", "total"] == 26
    d = proceedings.decisions(snap, dt.date(2025, 3, 1))
    july = d[d.meeting_id == "meet-2024-07-18"]
    assert len(july) == 2 and not july.valid.any() and not july.overdue.any()


def test_overdue_decisions_and_an_executor_reporting_one_done(store):
    today = dt.date(2024, 12, 20)
    snap = store.read_all()
    d = proceedings.decisions(snap, today)
    mine = proceedings.assignments_of(snap, "lptes", today)
    assert len(mine) and (d.overdue == ((d.status == "open") & (d.due_date < "2024-12-20") & d.valid)).all()
    decision_id = mine.iloc[0].decision_id
    write(store, LPTES, {"decisions": [proceedings.done_record(snap, decision_id, "Сверка проведена, акт № 5", today)]})
    after = store.read_all().current("decisions").set_index("decision_id").loc[decision_id]
    assert (after.status, after.comment, after.done_date.date()) == ("done", "Сверка проведена, акт № 5", today)
    other = proceedings.decisions(store.read_all(), today)
    other = other[(other.responsible_id != "lptes") & (other.status == "open")].iloc[0].decision_id
    with pytest.raises(Denied):
        write(store, LPTES, {"decisions": [proceedings.done_record(store.read_all(), other, "не моё", today)]})


def test_the_pack_figures_equal_the_dashboard(store):
    snap = store.read_all()
    settings = read_settings(snap)
    pack = meeting_pack.build(snap, dt.date(2024, 12, 18), settings)
    assert pack.month == "2024-11"  # November's reports were due on December 10th
    board = execute(snap, Filters("2024-10", "2024-11"), settings, dt.date(2024, 12, 18))
    # growth over the reporting month, as «Свод» shows it for the period November–November
    month = execute(snap, Filters("2024-11", "2024-11"), settings, dt.date(2024, 12, 18))
    ranked = month.settlements.dropna(subset=["growth"]).sort_values("growth", ascending=False)
    top = ranked[ranked.growth > 0].head(5)
    assert pack.growth_settlements.iloc[:, 2].tolist() == pytest.approx(top.growth.tolist())  # numbers, shown to one decimal
    assert len(pack.overdue_measures) == int(board.plan.status.isin(["overdue", "not_done"]).sum())
    missing = board.filing[(board.filing.month == "2024-11") & board.filing.status.isin(["missing", "returned"])]
    assert len(pack.not_filed) == len(missing) == 1  # tsk: returned for correction
    assert pack.protocol is not None and len(pack.protocol) == 2  # a meeting was held that day


def test_the_pack_as_excel_and_as_a_print_view(store):
    snap = store.read_all()
    pack = meeting_pack.build(snap, dt.date(2024, 12, 18), read_settings(snap))
    wb = load_workbook(io.BytesIO(meeting_pack.to_xlsx(pack, "Ленский район")))
    text = "\n".join(str(c.value) for row in wb.active.iter_rows() for c in row if c.value is not None)
    for heading, _ in meeting_pack.sections(pack):
        assert heading in text
    assert "1. О сдаче отчётов за ноябрь 2024" in text
    page = meeting_pack.to_html(pack, "Ленский район")
    assert page.startswith("<!doctype html>") and "Проект повестки" in page and "@page{size:A4 landscape" in page


def test_the_zaozersk_template_has_its_tasks_and_indicators():
    template = next(t for t in plan_admin.templates().values() if t["plan_id"] == "Заозерск-2022")
    items = template["plan"]
    assert {i["section"].split(".")[0] for i in items} == {"Задача 1", "Задача 2", "Задача 3"}
    assert [i["item_no"] for i in items].count("6.") == 2  # printed twice in the source
    assert items[0]["indicator"] == "Объем задолженности за жилищно-коммунальные услуги"
    rows = plan_admin.from_template(template, "2025", 2025)
    by = {r["measure_id"]: r for r in rows}
    assert by["2025-1"]["periodicity"] == "quarterly" and by["2025-1"]["due_day"] == 10
    assert by["2025-3"]["periodicity"] == "once" and by["2025-3"]["due_date"] == dt.date(2022, 3, 31)
    assert len(set(by)) == len(rows)


def test_a_new_plan_from_a_template_and_edits_are_versions_with_audit(store):
    template = next(iter(plan_admin.templates().values()))
    write(store, COORDINATOR, {"plan": plan_admin.from_template(template, "2025", 2025)}, action="создание плана")
    snap = store.read_all()
    record = plan_admin.measure_record(snap, "2025-1")
    write(store, COORDINATOR, {"plan": [dict(record, executor="Управление ЖКХ")]}, action="изменение мероприятия")
    write(store, COORDINATOR, {"plan": [dict(record, executor="Управление ЖКХ", retired=True)]}, action="исключение мероприятия")
    after = store.read_all()
    history = after.history("plan", measure_id="2025-1")
    assert history.version.tolist() == [1, 2, 3] and history.retired.tolist() == [False, False, True]
    actions = after.all_versions("audit").query("entity == 'plan' and record_key == '2025-1'").action.tolist()
    assert actions == ["создание плана", "изменение мероприятия", "исключение мероприятия"]
    with pytest.raises(Denied):
        write(store, LPTES, {"plan": [record]})


def test_copy_of_a_plan_keeps_its_measures(store):
    rows = plan_admin.copy_plan(store.read_all(), "2023/2024", "2025/2026")
    assert len(rows) == 15 and rows[0]["measure_id"] == "2025/2026-1" and rows[0]["periodicity"] == "once"
    write(store, COORDINATOR, {"plan": rows})
    assert len(store.read_all().current("plan").query("plan_id == '2025/2026'")) == 15
