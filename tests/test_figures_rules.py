"""Issue 11, item by item, on literal tables in a real SQLite file; every expected value computed by hand.

District A: settlements s1, s2; u1 serves s1, u2 serves s2, u3 serves s1 and never filed.
    u1/s1  Jan 1000 + 100 − 80 = 1020;  Feb 1020 + 100 − 90 = 1030;  Mar 1030 + 100 − 150 = 980
    u2/s2  Jan  500 +  50 − 40 =  510;  Feb  510 +  50 − 20 =  540;  Mar — not filed
Baseline January 1 530, target −5 % = 1 453,5, plan ends in March.
"""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from lib.core import fmt
from lib.domain import summary_views as views
from lib.domain.filing import filing_matrix
from lib.domain.monthly import month_status
from lib.domain.monthly import names as participant_names
from lib.domain.plan_rules import execution_matrix, item_order
from lib.domain.plan_views import matrix_table, plan_table
from lib.domain.quality import quality_warnings
from lib.domain.settings import read_settings
from lib.domain.summary import Filters, execute
from lib.files import meeting_pack, workbook
from lib.ui import charts
from tests.support.district import build, line, participant, settings, stamp
from tests.support.vega import checked

TODAY = dt.date(2024, 4, 20)
PEOPLE = [participant("s1", "settlement"), participant("s2", "settlement"), participant("u1", serves="s1"),
          participant("u2", serves="s2"), participant("u3", serves="s1")]
U1 = [line("u1", "s1", "2024-01", 1000, 100, 80, recovered=10, overdue=500),
      line("u1", "s1", "2024-02", 1020, 100, 90, recovered=20, overdue=510),
      line("u1", "s1", "2024-03", 1030, 100, 150, recovered=30, overdue=515)]
U2 = [line("u2", "s2", "2024-01", 500, 50, 40, recovered=1, overdue=250),
      line("u2", "s2", "2024-02", 510, 50, 20, recovered=2, overdue=255)]
U2_MARCH = line("u2", "s2", "2024-03", 540, 50, 30, recovered=3, overdue=270)
CLAIMS = [{"participant_id": p, "month": m, "debtors_over_threshold": d, "notices_sent": 5, "court_applications": a,
           "court_applications_sum": 10.0, "court_decisions": 2, "court_decisions_sum": 5.0, "writs_sent": 1, "writs_sent_sum": 2.0,
           **stamp(f"{m}-28T00:00:00", f"c-{p}-{m}")}
          for p, m, d, a in (("u1", "2024-01", 100, 10), ("u1", "2024-02", 110, 10), ("u1", "2024-03", 120, 10),
                             ("u2", "2024-01", 50, 5), ("u2", "2024-02", 60, 5))]
Q1 = Filters("2024-01", "2024-03")


@pytest.fixture(autouse=True)
def district_zone_restored():
    """Reading a district's settings sets the zone of displayed moments; leave the default for other tests."""
    yield
    fmt.use_zone(fmt.DEFAULT_ZONE)


def district(tmp_path, monthly=None, **kw):
    store = build(tmp_path / "a.sqlite", participants=PEOPLE, monthly=monthly if monthly is not None else U1 + U2,
                  claims=kw.pop("claims", CLAIMS), settings_rows=kw.pop("settings_rows", settings(plan_end="2024-03")), **kw)
    snap = store.read_all()
    return snap, read_settings(snap), participant_names(snap)


# ---- 1. a missing report is carried, comparisons are like for like, the verdict waits ---------------------------


def test_a_missing_report_is_carried_and_the_verdict_waits_for_it(tmp_path):
    snap, s, names = district(tmp_path)
    r = execute(snap, Q1, s, TODAY)
    t = r.target
    assert t["debt"] == pytest.approx(980 + 540)  # u2 carried at February's closing debt
    assert t["change_month"] == pytest.approx(-50)  # like for like: u1 980 − 1030, u2 540 − 540 (not 980 − 1570)
    assert t["baseline"] == pytest.approx(1530) and t["change_pct"] == pytest.approx((1520 - 1530) / 1530 * 100)
    assert t["target"] == pytest.approx(1453.5) and t["estimated_part"] == pytest.approx(540)
    tiles = {x.label.split(" ·")[0]: x for x in views.tiles(r, names, s)}
    debt = tiles["Задолженность"]
    assert views.tiles(r, names, s)[0].label == "Задолженность · оценка" and debt.value == fmt.money(1520)
    assert debt.delta == fmt.delta(-50, unit=" за месяц")
    assert "Оценка: нет отчёта за март 2024 — Организация u2 (учтено по отчёту за февраль 2024)" in debt.help
    assert "Нет ни одного отчёта: Организация u3" in debt.help
    assert tiles["Собираемость"].value == fmt.percent(150 / 100 * 100)  # March, u1 only: u2's flows are not invented
    assert tiles["Отчёты сданы"].value == "1 из 3" and tiles["Отчёты сданы"].delta == "не сдали: 2"
    sentence = views.forecast_sentence(r, s, names)
    # 980 from the filed report alone is under the target: the estimate decides, so no verdict yet
    assert "достигнута" not in sentence
    assert f"всего {fmt.money(1520)} тыс. руб. (по сданным отчётам {fmt.money(980)}; оценка {fmt.money(540)} тыс. руб.)" in sentence
    assert "не сдали: Организация u2 (оценка по отчёту за февраль 2024)" in sentence
    assert sentence.endswith("Вывод о цели — после их отчётов.")


def test_after_the_report_comes_the_figures_and_verdict_are_plain(tmp_path):
    snap, s, names = district(tmp_path, U1 + U2 + [U2_MARCH])
    r = execute(snap, Q1, s, TODAY)
    assert r.target["debt"] == pytest.approx(980 + 560) and r.target["change_month"] == pytest.approx(1540 - 1570)
    assert not [n for n in r.notes if n.kind == "carried"]
    assert views.tiles(r, names, s)[0].label == "Задолженность"
    assert views.forecast_sentence(r, s, names).startswith("Цель снижения на 5 % к концу плана (март 2024) не достигнута: 1")


def test_a_forecast_that_an_estimate_enters_waits_for_the_report(tmp_path):
    snap, s, names = district(tmp_path, settings_rows=settings(plan_end="2024-12"))
    r = execute(snap, Q1, s, TODAY)
    # like for like: both utilities every month, u2's March carried — 1 530, 1 570, 1 520: slope −5 a month
    assert r.target["trend_per_month"] == pytest.approx(-5) and r.target["forecast"] == pytest.approx(1520 - 5 * 9)
    sentence = views.forecast_sentence(r, s, names)
    assert sentence.startswith(f"Сейчас {fmt.money(1520)} тыс. руб. (по сданным отчётам {fmt.money(980)}; оценка {fmt.money(540)} тыс. руб.); "
                               f"при нынешнем тренде ({fmt.money(-5)} тыс. руб. в месяц) к декабрю 2024 "
                               f"задолженность составит {fmt.money(1475)} тыс. руб. — выше цели {fmt.money(1453.5)}; не сдали: Организация u2")
    assert "достигнута" not in sentence


def test_a_target_missed_even_without_the_estimate_is_said_plainly(tmp_path):
    grown = [*U1[:2], line("u1", "s1", "2024-03", 1030, 600, 50, overdue=515)]  # u1 alone ends at 1 580 > 1 453,5
    snap, s, names = district(tmp_path, grown + U2)
    sentence = views.forecast_sentence(execute(snap, Q1, s, TODAY), s, names)
    assert sentence.startswith("Цель снижения на 5 % к концу плана (март 2024) не достигнута: даже без оценки задолженность по сданным отчётам 1")


def test_a_returned_month_stays_in_the_total_marked_as_under_correction(tmp_path):
    back = {"participant_id": "u1", "month": "2024-03", "reason": "сверить", "active": True, **stamp("2024-04-12T00:00:00", "ret")}
    snap, s, names = district(tmp_path, U1 + U2 + [U2_MARCH], returns=[back])
    r = execute(snap, Q1, s, TODAY)
    assert r.target["debt"] == pytest.approx(980 + 560)  # the returned figures are in the total, as filed
    assert [(n.participant_id, n.kind) for n in r.notes] == [("u1", "returned")]
    reports = next(x for x in views.tiles(r, names, s) if x.label == "Отчёты сданы")
    assert (reports.value, reports.delta) == ("2 из 3", "не сдали: 1; на доработке: 1")
    assert "На доработке: отчёт за март 2024 — Организация u1 (цифры могут измениться)" in views.tiles(r, names, s)[0].help
    sentence = views.forecast_sentence(r, s, names)
    assert "на доработке: Организация u1 (март 2024)" in sentence and "достигнута" not in sentence
    assert r.filing.set_index(["participant_id", "month"]).status[("u1", "2024-03")] == "returned"


def test_the_debt_chart_draws_an_estimated_month_differently_and_keeps_to_the_period(tmp_path):
    snap, s, _ = district(tmp_path)
    r = execute(snap, Filters("2024-02", "2024-03"), s, TODAY)
    spec = checked(charts.debt_chart(r.totals, r.target, r.filters.months))
    rows = next(iter(spec["datasets"].values()))
    assert [(x["month"], x["Данные"]) for x in rows] == [("2024-02", "по сданным отчётам"),
                                                          ("2024-03", "оценка: сданы не все отчёты или строки")]


def test_the_export_blocks_carry_the_estimate_and_a_footnote(tmp_path):
    snap, s, _ = district(tmp_path)
    ws = load_workbook(io.BytesIO(workbook.build(snap, workbook.parse_period("2024-Q1"), s, TODAY)))["Сводная форма"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]

    def block(who, label):
        start = next(i for i, r in enumerate(rows) if r[0] == who)
        head = next(i for i in range(start, len(rows)) if rows[i][0] == f"   {label}")
        end = next((i for i in range(head + 1, len(rows)) if rows[i][0] and str(rows[i][0]).startswith("   ")), len(rows))
        return rows[head + 1:end]

    march = block("Всего по району", "Март 2024")
    total = next(r for r in march if r[1] == "Итого")
    # start 1 030 + 540 (u2 carried: February's closing debt); accrued and paid u1 only; overdue 515 + 255 (carried)
    assert total[3:9] == pytest.approx([1570, 100, 150, 150, 30, 770]) and total[2] == pytest.approx(1500)
    assert any(isinstance(r[0], str) and r[0].startswith("* Оценка: нет отчёта за март 2024 — Организация u2") for r in march)
    own = next(r for r in block("Организация u2", "Март 2024") if r[1] == "Итого")
    assert own[3] == pytest.approx(540) and own[4:8] == [None, None, None, None] and own[8] == pytest.approx(255)
    january = block("Всего по району", "Январь 2024")
    assert not any(r[0] and str(r[0]).startswith("*") for r in january)


# ---- 2–5. checks over the whole history, the resource filter, debtors at period end, growth --------------------


def chain(pid, settlement, months, start=1000.0, accrued=100.0, paid=100.0, breaks=None, jumps=None):
    rows, debt = [], start
    for m in months:
        debt = (breaks or {}).get(m, debt)
        acc = (jumps or {}).get(m, accrued)
        rows.append(line(pid, settlement, m, debt, acc, paid, overdue=debt * 0.5))
        debt = debt + acc - paid
    return rows


def test_checks_see_the_previous_month_and_the_whole_history(tmp_path):
    months = [f"2024-{m:02d}" for m in range(1, 7)]
    rows = chain("u1", "s1", months, breaks={"2024-04": 1200.0}, jumps={"2024-06": 600.0})  # April ≠ March's 1 000
    snap, s, _ = district(tmp_path, rows, claims=[])
    q2 = execute(snap, Filters("2024-04", "2024-06"), s, dt.date(2024, 7, 20)).quality
    assert ("2024-04", "Задолженность на начало месяца") in set(zip(q2.month, q2.field))
    june = execute(snap, Filters("2024-06", "2024-06"), s, dt.date(2024, 7, 20)).quality
    assert ("2024-06", "Начислено") in set(zip(june.month, june.field))  # 600 against a median of 100 over six months
    assert set(june.month) == {"2024-06"}  # the window chooses which findings to show
    wb = load_workbook(io.BytesIO(workbook.build(snap, workbook.parse_period("2024-Q2"), s, dt.date(2024, 7, 20))))
    found = [(r[2], r[3]) for r in wb["Качество данных"].iter_rows(values_only=True)]
    assert ("апрель 2024", "Задолженность на начало месяца") in found


def test_the_resource_filter_invents_no_aging_warning(tmp_path):
    rows = [line("u1", "s1", "2024-03", 1000, 100, 100, overdue=500)]
    buckets = lambda resource, a: {"participant_id": "u1", "settlement_id": "s1", "month": "2024-03", "consumer_group": "population",
                                   "resource": resource, "age_1_3": a, "age_3_12": a, "age_12_24": 0.0, "age_24_36": 0.0,
                                   "age_over_36": 0.0, **stamp("2024-04-05T03:00:00", "u1-2024-03-v1")}
    snap, s, _ = district(tmp_path, rows, claims=[], structure=[buckets("heating", 150.0), buckets("hot_water", 100.0)])
    for resources in ((), ("heating",)):  # 150·2 + 100·2 = 500 = overdue: nothing to warn about under any filter
        q = execute(snap, Filters("2024-03", "2024-03", resources=resources), s, TODAY).quality
        assert "Структура задолженности" not in set(q.field)
    assert quality_warnings(snap.current("monthly_reports"), snap.current("debt_structure").query("resource == 'heating'")).field.tolist() \
        == ["Структура задолженности"]  # what the old code compared: one resource against the whole line


def test_debtors_over_the_threshold_are_counted_at_the_period_end(tmp_path):
    snap, s, _ = district(tmp_path)
    f = execute(snap, Q1, s, TODAY).funnel
    # March: u1 120 + u2 60 (carried from February) = 180, not 100+110+120+50+60 = 440
    assert f["stages"]["count"].iloc[0] == 180
    assert f["applications_per_debtor"] == pytest.approx((10 + 10 + 10 + 5 + 5) / 180)
    wb = load_workbook(io.BytesIO(workbook.build(snap, workbook.parse_period("2024-Q1"), s, TODAY)))
    claims = [r for r in wb["Претензионная работа"].iter_rows(values_only=True)]
    assert claims[4][1] == "Должников свыше порога на конец марта 2024"
    assert next(r for r in claims if r[0] == "Итого")[1] == 180


def test_growth_over_one_month_is_that_months_change(tmp_path):
    snap, s, names = district(tmp_path)
    r = execute(snap, Filters("2024-03", "2024-03"), s, TODAY)
    u = r.utilities.set_index("id")
    assert u.loc["u1", "growth"] == pytest.approx(980 - 1030) and u.loc["u2", "growth"] == pytest.approx(0)
    assert (u.loc["u2", "rank_growth"], u.loc["u1", "rank_growth"]) == (1, 2) and bool(u.loc["u2", "estimated"])
    table = views.ranking_table(r.utilities, names, "2024-03")
    assert "Рост с начала марта 2024, тыс. руб." in table.columns
    assert table.set_index("Участник").loc["Организация u2", "Примечание"].startswith("оценка")


# ---- 6. filters a figure cannot honour ---------------------------------------------------------------------


def test_a_settlement_filter_lists_only_its_utilities_and_hides_district_claims(tmp_path):
    snap, s, names = district(tmp_path)
    r = execute(snap, Filters("2024-01", "2024-03", settlements=("s1",)), s, TODAY)
    assert sorted(r.filing.participant_id.unique()) == ["u1", "u3"]  # u2 does not serve s1
    tiles = {x.label: x for x in views.tiles(r, names, s)}
    assert tiles["Отчёты сданы"].value == "1 из 2"
    assert "claims" in r.limits and tiles["Риск давности"].value == "—"
    assert tiles["Взыскано по ИП"].delta is None and "для района в целом" in tiles["Взыскано по ИП"].help


def test_a_combination_with_no_data_shows_no_figures(tmp_path):
    snap, s, names = district(tmp_path)
    r = execute(snap, Filters("2024-01", "2024-03", settlements=("s1",), utilities=("u2",)), s, TODAY)
    assert r.no_data and "не обслуживают" in r.no_data
    values = {x.label: x.value for x in views.tiles(r, names, s)}
    assert values["Задолженность"] == values["Отчёты сданы"] == values["Риск давности"] == "—"
    assert views.forecast_sentence(r, s, names) == r.no_data


def test_a_resource_filter_does_not_show_unfiltered_debt(tmp_path):
    snap, s, names = district(tmp_path)
    r = execute(snap, Filters("2024-01", "2024-03", resources=("heating",)), s, TODAY)
    values = {x.label: x.value for x in views.tiles(r, names, s)}
    assert values["Задолженность"] == values["Собираемость"] == values["Взыскано по ИП"] == "—"
    assert "не делится по ресурсам" in views.forecast_sentence(r, s, names)


# ---- 7, 9, 11. the plan: one definition of overdue, items by number, only periods within the plan ---------------

ITEMS = ["1", "2", "10", "11", "12", "12а", None, "13"]


def plan_rows(plan_id="2024"):
    return [{"measure_id": f"p-{i}", "plan_id": plan_id, "item_no": no, "measure": f"Мероприятие {no or 'без номера'}",
             "executor_kinds": "utility", "deadline": "ежемесячно до 05 числа", "report_deadline": "ежемесячно", "retired": False}
            for i, no in enumerate(ITEMS)]


def test_plan_items_sort_by_their_number_everywhere(tmp_path):
    snap, s, names = district(tmp_path, plan=plan_rows())
    order = item_order(snap.current("plan"))
    assert [ITEMS[int(m[2:])] for m in order.index] == ITEMS  # 1, 2, 10, 11, 12, 12а, (unnumbered), 13 — not 1, 10, 11, …, 2
    assert plan_table(snap.current("plan"))["№ п/п"].tolist() == [x or "" for x in ITEMS]
    matrix = execution_matrix(snap, ["2024-01"], TODAY)
    assert list(dict.fromkeys(matrix.item_no.fillna(""))) == [x or "" for x in ITEMS]
    assert matrix_table(matrix, names)["Мероприятие"].str.split(" ").str[0].tolist()[:3] == ["1", "2", "10"]
    wb = load_workbook(io.BytesIO(workbook.build(snap, workbook.parse_period("2024-Q1"), s, TODAY)))
    printed = [r[0] for r in wb["Исполнение плана"].iter_rows(min_row=6, values_only=True) if r[2] == "Организация u1" and r[3] == "январь 2024"]
    assert printed == [int(x) if x and x.isdigit() else x or None for x in ITEMS]  # «№ п/п» a number where it is one


def test_not_done_and_overdue_are_one_figure_with_one_label(tmp_path):
    progress = [{"measure_id": "p-0", "participant_id": "u1", "period": "2024-01", "status": "not_done", **stamp("2024-02-03T00:00:00", "pp1")},
                {"measure_id": "p-0", "participant_id": "u2", "period": "2024-01", "status": "done", **stamp("2024-02-03T00:00:00", "pp2")}]
    snap, s, names = district(tmp_path, plan=plan_rows()[:1], progress=progress)
    r = execute(snap, Filters("2024-01", "2024-01"), s, TODAY)
    tile = next(x for x in views.tiles(r, names, s) if x.label == "Не выполнено или просрочено")
    table = views.plan_overdue_table(r.plan, names)
    # u1 reported «не выполнено»; u3 filed nothing by 05.02 → просрочено; u2 done
    assert tile.value == str(len(table)) == "2" and sorted(table["Состояние"]) == ["не выполнено", "просрочено"]
    assert "не выполнено (так сообщил исполнитель): 1; просрочено (отчёт не подан после срока): 1" in tile.help.lower()


def test_the_meeting_pack_defaults_to_the_meeting_after_the_latest_data_and_stays_within_the_plan(tmp_path):
    meetings = [{"meeting_id": f"m-{d}", "date": dt.date.fromisoformat(d), **stamp(f"{d}T00:00:00", f"m-{d}")}
                for d in ("2024-03-20", "2024-04-18", "2024-05-16")]
    snap, s, _ = district(tmp_path, plan=plan_rows(), meetings=meetings)
    assert meeting_pack.default_date(snap, s, dt.date(2026, 11, 22)) == dt.date(2024, 4, 18)  # March's reports due 10.04.2024
    no_meetings, s2, _ = district(tmp_path / "b", plan=plan_rows())
    assert meeting_pack.default_date(no_meetings, s2, dt.date(2026, 11, 22)) == dt.date(2024, 4, 11)
    late = meeting_pack.build(snap, dt.date(2026, 11, 22), s)  # reports of 2026-09…10: after the plan «2024» ended
    assert late.overdue_measures.empty and "(не выполнено или просрочено: 0)" in late.agenda[2]
    assert execution_matrix(snap, ["2025-01", "2025-02"], dt.date(2026, 11, 22)).empty


# ---- 10. the district's time zone -------------------------------------------------------------------------


@pytest.mark.parametrize("zone,status,shown", [("Asia/Yakutsk", "late", "11.02.2024 05:30"), ("Europe/Moscow", "on_time", "10.02.2024 23:30"),
                                               ("Asia/Yekaterinburg", "late", "11.02.2024 01:30")])
def test_on_time_or_late_is_judged_in_the_districts_time_zone(tmp_path, zone, status, shown):
    filed = "2024-02-10T20:30:00"  # UTC: still the 10th in Moscow, already the 11th in Yakutsk and Yekaterinburg
    rows = [line("u1", "s1", "2024-01", 1000, 100, 80, filed=filed)]
    snap, s, _ = district(tmp_path, rows, claims=[], settings_rows=settings(time_zone=zone))
    assert s["time_zone"] == zone and not s.problems
    assert filing_matrix(snap, ["u1"], ["2024-01"], 10, TODAY, zone=s.zone).status.tolist() == [status]
    assert execute(snap, Filters("2024-01", "2024-01"), s, TODAY).filing.status.tolist()[0] == status
    assert month_status(snap, "u1", "2024-01", s).code == status
    assert fmt.moment_ru(snap.current("monthly_reports").saved_at.iloc[0]) == shown  # displays follow the district


def test_an_unknown_time_zone_is_reported_and_the_default_used(tmp_path):
    _, s, _ = district(tmp_path, settings_rows=settings(time_zone="Якутск"))
    assert s["time_zone"] == "Asia/Yakutsk" and any("time_zone" in p and "IANA" in p for p in s.problems)


# ---- 8. Russian month names in every case the product uses ---------------------------------------------------


def test_phrases_use_the_right_case(tmp_path):
    snap, s, names = district(tmp_path, U1 + U2 + [U2_MARCH], settings_rows=settings(plan_end="2024-12"))
    r = execute(snap, Filters("2024-01", "2024-03"), s, TODAY)
    assert "Рост с начала января 2024, тыс. руб." in views.ranking_table(r.utilities, names, "2024-01").columns
    assert " к декабрю 2024 задолженность составит " in views.forecast_sentence(r, s, names)
    wb = load_workbook(io.BytesIO(workbook.build(snap, workbook.parse_period("2024-Q1"), s, TODAY)))
    assert wb["Структура по срокам"]["A1"].value == "Просроченная задолженность по срокам на конец марта 2024"
    assert wb["По ресурсам"]["A1"].value == "Просроченная задолженность по ресурсам на конец марта 2024"
    assert fmt.sentence(f"Период: {workbook.parse_period('2024-Q4').label}") == "Период: 4 квартал 2024 г."
    texts = [str(c.value) for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not [t for t in texts if "г.." in t or " с январь" in t or " к декабрь " in t or "конец декабрь" in t]


def test_the_dashboard_table_and_chart_frames_are_numbers(tmp_path):
    """Issue 15 styles every table: the columns added here stay numeric or plain text."""
    snap, s, names = district(tmp_path)
    table = views.ranking_table(execute(snap, Q1, s, TODAY).utilities, names, "2024-01")
    assert all(pd.api.types.is_numeric_dtype(table[c]) for c in table.columns if c not in ("Участник", "Примечание"))


def test_report_lines_carry_figures_not_how_each_row_was_stored_and_the_figures_are_the_same(tmp_path):
    """Issue 28, item 5: the lines every figure filters and sorts hold the reports' own columns only — who saved a row,
    when, in which save, its seal, its row and version are not figures, and at large scale they were half of every
    filtered copy. The figures and the filing verdicts (judged on the first save, from the stored rows) stay the same."""
    from lib.domain import estimates

    corrected = {**U2[1], "paid": 25, **stamp("2024-03-20T03:00:00", "fix-u2")}  # February saved again, late
    snap, s, _ = district(tmp_path, U1 + U2 + [corrected])
    lines = estimates.lines(snap)
    stored = {"saved_at", "saved_by", "save_id", "save_seq", "row", "version"}
    for frame in (lines.monthly, lines.structure, lines.claims):
        assert not stored & set(frame.columns)
    assert {"participant_id", "settlement_id", "month", "debt_start", "paid", "warnings", "estimated"} <= set(lines.monthly.columns)
    r = execute(snap, Q1, s, TODAY)
    feb = lines.monthly[(lines.monthly.participant_id == "u2") & (lines.monthly.month == "2024-02")]
    assert feb.paid.tolist() == [25]  # the corrected version counts
    filing = r.filing.set_index(["participant_id", "month"]).status
    assert filing[("u2", "2024-02")] == "on_time"  # the first save (5 March) decides, not the correction of 20 March
    assert r.filing.set_index(["participant_id", "month"]).filed_on[("u2", "2024-02")] == dt.date(2024, 3, 5)
