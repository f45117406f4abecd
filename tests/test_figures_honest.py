"""Issue 26, Why 1–6, on literal rows in a real SQLite file; every expected value computed by hand here.

District P (partial filing): settlements s1, s2; u1 serves s1 and s2, u2 serves s2; baseline January 2024.
    u1/s1  Jan 1000 + 100 − 100 = 1000;  Feb 1000 + 100 − 100 = 1000;  Mar 1000 + 100 − 110 = 990;  Apr 990 + 100 − 100 = 990
    u1/s2  Jan  400 +  40 −  40 =  400;  Feb  400 +  40 −  40 =  400;  Mar — line not filed;       Apr 400 +  40 −  50 = 390
    u2/s2  Jan  600 +  60 −  60 =  600;  Feb  600 +  60 −  60 =  600;  Mar 600 +  60 −  70 = 590;  Apr 590 +  60 −  60 = 590
Baseline 2 000, target −5 % = 1 900. March: u1 filed s1 only, so u1/s2 is carried at 400 (February's closing debt):
1 980, −20 for the month, −1,0 % to the baseline (without the carry: 1 580, −420, −21,0 % — the target «met»).
April: 1 970, −10 for the month (without the carry in March: +390).
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from lib.core import fmt
from lib.domain import metrics
from lib.domain import summary_views as views
from lib.domain.estimates import Note
from lib.domain.monthly import names as participant_names
from lib.domain.settings import read_settings
from lib.domain.summary import Filters, execute
from lib.files import meeting_pack, workbook
from lib.ui import charts
from tests.support.district import build, line, participant, settings, stamp
from tests.support.vega import checked

PEOPLE = [participant("s1", "settlement"), participant("s2", "settlement"), participant("s3", "settlement"),
          participant("u1", serves="s1;s2"), participant("u2", serves="s2"), participant("u3", serves="s3")]
PARTIAL = [line("u1", "s1", "2024-01", 1000, 100, 100), line("u1", "s1", "2024-02", 1000, 100, 100),
           line("u1", "s1", "2024-03", 1000, 100, 110), line("u1", "s1", "2024-04", 990, 100, 100),
           line("u1", "s2", "2024-01", 400, 40, 40), line("u1", "s2", "2024-02", 400, 40, 40),
           line("u1", "s2", "2024-04", 400, 40, 50),
           line("u2", "s2", "2024-01", 600, 60, 60), line("u2", "s2", "2024-02", 600, 60, 60),
           line("u2", "s2", "2024-03", 600, 60, 70), line("u2", "s2", "2024-04", 590, 60, 60)]
TODAY = dt.date(2024, 5, 20)


@pytest.fixture(autouse=True)
def district_zone_restored():
    yield
    fmt.use_zone(fmt.DEFAULT_ZONE)


def district(tmp_path, monthly, plan_end="2024-12", **kw):
    store = build(tmp_path / "p.sqlite", participants=PEOPLE, monthly=monthly, settings_rows=settings(plan_end=plan_end), **kw)
    snap = store.read_all()
    return snap, read_settings(snap), participant_names(snap)


def tiles(r, names, s) -> dict:
    return {x.label.split(" ·")[0].split(" (")[0]: x for x in views.tiles(r, names, s)}


# ---- 1. a partial filing is carried per line and marked like a missing report ---------------------------------


def test_a_line_missing_from_a_filed_report_is_carried_and_marked(tmp_path):
    snap, s, names = district(tmp_path, PARTIAL)
    r = execute(snap, Filters("2024-01", "2024-03"), s, TODAY)
    t = r.target
    assert t["debt"] == pytest.approx(1980) and t["change_month"] == pytest.approx(-20)
    assert t["change_pct"] == pytest.approx(-1.0) and t["target"] == pytest.approx(1900)
    assert (t["filed_part"], t["estimated_part"], t["returned_part"]) == pytest.approx((1580, 400, 0))
    assert r.notes == [Note("u1", "2024-03", "partial", "2024-02", (("s2", "population"),))]
    shown = tiles(r, names, s)
    debt = shown["Задолженность"]
    assert views.tiles(r, names, s)[0].label == "Задолженность · оценка" and debt.value == fmt.money(1980)
    assert debt.delta == fmt.delta(-20, unit=" за месяц")
    assert ("Оценка: в отчёте за март 2024 нет строк — Организация u1: Поселение s2, население (учтено по отчёту за февраль 2024)"
            in debt.help)
    assert shown["К базовому"].value == fmt.percent(-1.0)
    assert shown["Отчёты сданы"].delta == "не сдали: 1; не все строки: 1"  # u3 never filed
    sentence = views.forecast_sentence(r, s, names)
    assert "сдали не все строки: Организация u1 (нет строк: Поселение s2, население — оценка по отчёту за февраль 2024)" in sentence
    settlements = r.settlements.set_index("id")
    assert settlements.loc["s2", "debt"] == pytest.approx(990) and bool(settlements.loc["s2", "estimated"])
    assert not bool(settlements.loc["s1", "estimated"])
    spec = checked(charts.debt_chart(r.totals, r.target, r.filters.months))
    drawn = next(iter(spec["datasets"].values()))
    assert [(x["month"], x["Данные"]) for x in drawn][-2:] == [("2024-02", "по сданным отчётам"),
                                                              ("2024-03", "оценка: сданы не все отчёты или строки")]


def test_when_the_line_comes_back_the_month_compares_the_same_lines(tmp_path):
    snap, s, names = district(tmp_path, PARTIAL)
    r = execute(snap, Filters("2024-04", "2024-04"), s, TODAY)
    assert r.target["debt"] == pytest.approx(1970) and r.target["change_month"] == pytest.approx(1970 - 1980)
    assert tiles(r, names, s)["Задолженность"].delta == fmt.delta(-10, unit=" за месяц")
    assert r.notes == []


def test_a_missing_resource_line_of_the_structure_is_carried(tmp_path):
    def bucket(month, resource, amount):
        return {"participant_id": "u1", "settlement_id": "s1", "month": month, "consumer_group": "population", "resource": resource,
                "age_1_3": amount, "age_3_12": 0.0, "age_12_24": 0.0, "age_24_36": 0.0, "age_over_36": 0.0,
                **stamp(f"{month[:5]}{int(month[5:]) + 1:02d}-05T03:00:00", f"u1-{month}-v1")}
    structure = [bucket("2024-02", "heating", 300.0), bucket("2024-02", "hot_water", 200.0), bucket("2024-03", "heating", 310.0)]
    snap, s, _ = district(tmp_path, PARTIAL, structure=structure)
    r = execute(snap, Filters("2024-03", "2024-03"), s, TODAY)
    assert dict(zip(r.resources.resource, r.resources.amount)) == pytest.approx({"heating": 310.0, "hot_water": 200.0})
    assert r.older_than_12_pct == pytest.approx(0.0)
    wb = load_workbook(io.BytesIO(workbook.build(snap, workbook.parse_period("2024-Q1"), s, TODAY)))
    rows = [r for r in wb["По ресурсам"].iter_rows(values_only=True)]
    assert next(r for r in rows if r[0] == "Итого")[1] == pytest.approx(510)
    assert any(isinstance(r[0], str) and "в отчёте за март 2024 нет строк — Организация u1: Поселение s1, население, "
               "горячее водоснабжение" in r[0] for r in rows)


def test_the_export_and_the_meeting_pack_carry_the_missing_line(tmp_path):
    snap, s, _ = district(tmp_path, PARTIAL)
    ws = load_workbook(io.BytesIO(workbook.build(snap, workbook.parse_period("2024-Q1"), s, TODAY)))["Сводная форма"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    start = next(i for i, r in enumerate(rows) if r[0] == "Всего по району")
    head = next(i for i in range(start, len(rows)) if rows[i][0] == "   Март 2024")
    march = rows[head + 1:head + 6]
    total = next(r for r in march if r[1] == "Итого")
    # start 1 000 + 400 (carried) + 600; accrued 100 + 60 and paid 110 + 70 as filed; overdue 500 + 200 (carried) + 300
    assert total[3:9] == pytest.approx([2000, 160, 180, 180 / 160 * 100, 0, 1000])
    assert any(isinstance(r[0], str) and r[0].startswith("* Оценка: в отчёте за март 2024 нет строк — Организация u1: Поселение s2")
               for r in march)
    pack = meeting_pack.build(snap, dt.date(2024, 4, 15), s)
    assert pack.month == "2024-03"
    assert pack.not_filed.to_dict("records") == [{"Участник": "Организация u3", "Состояние": "не подан"},
                                                 {"Участник": "Организация u1", "Состояние": "подан не полностью: нет строк — "
                                                  "Поселение s2, население"}]
    assert pack.notes and pack.notes[0].startswith("Оценка: в отчёте за март 2024 нет строк — Организация u1")
    assert "(не сдали или не полностью: 2)" in pack.agenda[0]


# ---- 2. an estimate in the baseline month is named ---------------------------------------------------------------


def test_an_estimate_in_the_baseline_is_named_beside_the_baseline_figures(tmp_path):
    rows = [line("u1", "s1", m, 1000, 100, 100) for m in ("2023-12", "2024-02", "2024-03")]  # no report for January, the baseline
    rows += [line("u2", "s2", m, 600, 60, 60) for m in ("2023-12", "2024-01", "2024-02", "2024-03")]
    snap, s, names = district(tmp_path, rows)
    r = execute(snap, Filters("2024-02", "2024-03"), s, TODAY)
    assert r.target["baseline"] == pytest.approx(1600)  # u1 carried at December's 1 000
    assert r.notes == [] and r.baseline_notes == [Note("u1", "2024-01", "carried", "2023-12")]
    base = views.tiles(r, names, s)[1]
    assert base.label == "К базовому (январь 2024) · оценка"
    assert ("В базовом месяце (январь 2024): оценка: нет отчёта за январь 2024 — Организация u1 (учтено по отчёту за декабрь 2023)"
            in base.help)
    assert ("Базовый месяц (январь 2024) посчитан с оценкой — не сдали: Организация u1 (оценка по отчёту за декабрь 2023)."
            in views.forecast_sentence(r, s, names))


# ---- 3. the wording separates filed, estimated and on return -----------------------------------------------------


def test_the_verdict_says_what_its_sum_is_made_of(tmp_path):
    back = {"participant_id": "u2", "month": "2024-03", "reason": "сверить", "active": True, **stamp("2024-04-12T00:00:00", "ret")}
    snap, s, names = district(tmp_path, PARTIAL, plan_end="2024-03", returns=[back])
    r = execute(snap, Filters("2024-01", "2024-03"), s, dt.date(2024, 4, 20))
    assert (r.target["filed_part"], r.target["estimated_part"], r.target["returned_part"]) == pytest.approx((990, 400, 590))
    sentence = views.forecast_sentence(r, s, names)
    assert sentence.startswith(f"Цель снижения на 5 % к концу плана (март 2024): всего {fmt.money(1980)} тыс. руб. (по сданным "
                               f"отчётам {fmt.money(990)}; оценка {fmt.money(400)}; на доработке {fmt.money(590)} тыс. руб.) — выше "
                               f"цели {fmt.money(1900)} на {fmt.money(80)}; ")
    assert "по сданным отчётам 1" not in sentence
    assert f"Состав: по сданным отчётам {fmt.money(990)}; оценка {fmt.money(400)}; на доработке {fmt.money(590)} тыс. руб." \
        in views.tiles(r, names, s)[0].help


def test_under_a_filter_to_a_utility_without_a_report_the_sum_is_called_an_estimate(tmp_path):
    rows = [line("u2", "s2", m, 600, 60, 60) for m in ("2024-01", "2024-02")] + [line("u1", "s1", m, 1000, 100, 100) for m in
                                                                                 ("2024-01", "2024-02", "2024-03")]
    snap, s, names = district(tmp_path, rows, plan_end="2024-03")
    r = execute(snap, Filters("2024-01", "2024-03", utilities=("u2",)), s, dt.date(2024, 4, 20))
    sentence = views.forecast_sentence(r, s, names)
    assert f"всего {fmt.money(600)} тыс. руб. (вся сумма — оценка, сданных отчётов за месяц нет)" in sentence
    assert "по сданным отчётам" not in sentence
    assert "Состав: вся сумма — оценка, сданных отчётов за месяц нет." in views.tiles(r, names, s)[0].help


# ---- 4. a value under an open warning: named beside the figure; the trend resists it ---------------------------

OUTLIER_MONTHS = [f"2024-{m:02d}" for m in range(1, 12)]


def falling_with_outlier():
    """u1/s1 falls by 10 a month from 1 200 (Jan ends 1 190 … Oct ends 1 100); November's accrual typed ×1000:
    100 000 instead of 100, so November ends at 1 100 + 100 000 − 110 = 100 990."""
    rows, debt = [], 1200.0
    for m in OUTLIER_MONTHS:
        accrued = 100_000.0 if m == "2024-11" else 100.0
        rows.append(line("u1", "s1", m, debt, accrued, 110))
        debt = debt + accrued - 110
    return rows


def test_the_trend_resists_a_single_outlier_theil_sen():
    x = list(range(11))
    y = [1190 - 10 * i for i in range(10)] + [100_990]
    # 55 pairs: the 45 without November have slope −10, the 10 with it are huge — the median is −10;
    # the intercept is the median of y + 10·x: 1 190 ten times
    assert metrics.theil_sen(x, y) == pytest.approx((-10.0, 1190.0))


def test_a_figure_with_a_value_under_an_open_warning_says_so(tmp_path):
    snap, s, names = district(tmp_path, falling_with_outlier(), plan_end="2025-06")
    r = execute(snap, Filters("2024-01", "2024-11"), s, dt.date(2024, 12, 20))
    t = r.target
    assert t["debt"] == pytest.approx(100_990) and t["baseline"] == pytest.approx(1190)
    # Theil–Sen: slope −10, the line at November 1 190 − 100 = 1 090, in June 2025 (7 months on) 1 020
    assert t["trend_per_month"] == pytest.approx(-10) and t["forecast"] == pytest.approx(1020)
    shown = tiles(r, names, s)
    for name in ("Задолженность", "К базовому", "Собираемость"):
        assert "замечание" in next(x.label for x in views.tiles(r, names, s) if x.label.startswith(name))
        assert "Организация u1, Поселение s1, ноябрь 2024 — Начислено: " in shown[name].help
    sentence = views.forecast_sentence(r, s, names)
    assert f"ри нынешнем тренде ({fmt.money(-10)} тыс. руб. в месяц) к июню 2025 задолженность составит {fmt.money(1020)}" in sentence
    assert "Тейла — Сена" in sentence and "ноябрь 2024 — Начислено: " in sentence and "«Качество данных»" in sentence
    # the workbook's November block and the meeting pack say the same beside their figures
    rows = [r[0] for r in load_workbook(io.BytesIO(workbook.build(snap, workbook.parse_period("2024-Q4"), s, dt.date(2024, 12, 20))))[
        "Сводная форма"].iter_rows(values_only=True)]
    november = rows[rows.index("   Ноябрь 2024", rows.index("Всего по району")):]
    assert any(isinstance(x, str) and x.startswith("* Содержит значения под открытыми замечаниями (2): Организация u1, Поселение s1, "
                                                   "ноябрь 2024 — Начислено: ") for x in november[:6])
    pack = meeting_pack.build(snap, dt.date(2024, 12, 20), s)
    assert pack.month == "2024-11" and any("ноябрь 2024 — Начислено: " in n for n in pack.notes)


# ---- 5. the forecast says only what holds ------------------------------------------------------------------------


def rising_below_target():
    """u1/s1 ends Jan 1 000 (baseline; target 950), Feb 800 (200 written off), then +30 a month: Mar 830, Apr 860, May 890."""
    return [line("u1", "s1", "2024-01", 1000, 100, 100), line("u1", "s1", "2024-02", 1000, 100, 100, written_off=200),
            line("u1", "s1", "2024-03", 800, 100, 70), line("u1", "s1", "2024-04", 830, 100, 70), line("u1", "s1", "2024-05", 860, 100, 70)]


def test_below_the_target_and_rising_is_not_called_a_miss_with_zero_to_reduce(tmp_path):
    snap, s, names = district(tmp_path, rising_below_target())
    r = execute(snap, Filters("2024-01", "2024-05"), s, dt.date(2024, 6, 20))
    # slopes from January −200, −85, −46,7, −27,5; the six others +30: median +30; intercept median(1000, 770×4) = 770;
    # the line at May 770 + 4·30 = 890; December (7 months on) 890 + 210 = 1 100 > 950
    assert r.target["trend_per_month"] == pytest.approx(30) and r.target["forecast"] == pytest.approx(1100)
    sentence = views.forecast_sentence(r, s, names)
    assert sentence == (f"Цель пока достигнута: {fmt.money(890)} при цели {fmt.money(950)} тыс. руб., но при нынешнем тренде "
                        f"({fmt.money(30)} тыс. руб. в месяц) к декабрю 2024 задолженность составит {fmt.money(1100)} тыс. руб. — "
                        f"выше цели. Чтобы её удержать, долг может расти не больше чем на {fmt.money(60 / 7)} тыс. руб. в месяц.")


def test_above_the_target_and_falling_fast_enough_is_on_track(tmp_path):
    rows = [line("u1", "s1", "2024-01", 1000, 100, 100)] + [line("u1", "s1", f"2024-{m:02d}", 1000 - 10 * (m - 2), 100, 110)
                                                            for m in range(2, 6)]
    snap, s, names = district(tmp_path, rows)  # ends 1 000, 990, 980, 970, 960 (> 950): −10 a month, December 960 − 70 = 890 ≤ 950
    r = execute(snap, Filters("2024-01", "2024-05"), s, dt.date(2024, 6, 20))
    sentence = views.forecast_sentence(r, s, names)
    assert sentence == (f"При нынешнем тренде ({fmt.money(-10)} тыс. руб. в месяц) к декабрю 2024 задолженность составит "
                        f"{fmt.money(890)} тыс. руб. — не выше цели {fmt.money(950)}: при таком снижении цель будет достигнута "
                        f"(нужно не меньше {fmt.money(10 / 7)} тыс. руб. в месяц).")


def test_above_the_target_and_not_falling_fast_enough_states_the_reduction_needed(tmp_path):
    rows = [line("u1", "s1", f"2024-{m:02d}", 1000, 100, 100) for m in range(1, 6)]  # flat at 1 000
    snap, s, names = district(tmp_path, rows)
    sentence = views.forecast_sentence(execute(snap, Filters("2024-01", "2024-05"), s, dt.date(2024, 6, 20)), s, names)
    assert sentence.endswith(f"цель {fmt.money(950)} не будет достигнута. Нужно снижать на {fmt.money(50 / 7)} тыс. руб. в месяц.")


# ---- 6. a filter with no debt -------------------------------------------------------------------------------------


def test_a_settlement_without_debt_says_there_is_none(tmp_path):
    rows = PARTIAL + [line("u3", "s3", m, 0, 50, 50, overdue=0) for m in ("2024-01", "2024-02", "2024-03")]
    back = {"participant_id": "u3", "month": "2024-03", "reason": "сверить", "active": True, **stamp("2024-04-12T00:00:00", "ret")}
    snap, s, names = district(tmp_path, rows, plan_end="2024-03", returns=[back])
    r = execute(snap, Filters("2024-01", "2024-03", settlements=("s3",)), s, dt.date(2024, 4, 20))
    sentence = views.forecast_sentence(r, s, names)
    assert sentence == ("Долга нет: задолженность на конец марта 2024 — 0,0 тыс. руб., в базовом месяце (январь 2024) — тоже 0,0; "
                        "цель снижения не применяется.")
    base = views.tiles(r, names, s)[1]
    assert base.value == "долга нет" and base.delta is None


# ---- issue 23, item 5: a report corrected after a return says so, with the return's date and reason ---------------

RETURN = {"participant_id": "u2", "month": "2024-03", "reason": "сверить с актом", "active": True,
          **stamp("2024-04-12T00:00:00", "ret")}  # 12.04.2024 09:00 in Yakutsk
U2_MARCH_FIXED = line("u2", "s2", "2024-03", 600, 60, 65, filed="2024-04-13T03:00:00", version="v2")  # 13.04.2024 12:00 in Yakutsk


def test_a_report_corrected_after_a_return_shows_the_correction_everywhere(tmp_path):
    from lib.domain.monthly import month_status

    snap, s, names = district(tmp_path, [*PARTIAL, U2_MARCH_FIXED], returns=[RETURN])
    status = month_status(snap, "u2", "2024-03", s)
    # «в срок» is judged on the first filing (05.04.2024); the correction and the return stay visible
    assert status.code == "on_time"
    assert status.detail == ("подан 05.04.2024, срок — 10.04.2024 · исправлен после возврата 13.04.2024 (возвращён 12.04.2024, "
                             "причина: сверить с актом)")
    r = execute(snap, Filters("2024-03", "2024-03"), s, dt.date(2024, 4, 20))
    row = r.filing.set_index(["participant_id", "month"]).loc[("u2", "2024-03")]
    assert (row.status, row.corrected_on, row.returned_on) == ("on_time", dt.date(2024, 4, 13), dt.date(2024, 4, 12))
    table = views.filing_table(r.filing, names).set_index("Участник")
    assert table.loc["Организация u2", "март 2024"] == "в срок · исправлен после возврата 13.04.2024"
    assert table.loc["Организация u1", "март 2024"] == "в срок · не все строки (Поселение s2, население)"
    wb = load_workbook(io.BytesIO(workbook.build(snap, workbook.parse_period("2024-Q1"), s, dt.date(2024, 4, 20))))
    rows = [r for r in wb["Сдача отчётов"].iter_rows(values_only=True)]
    assert ("Организация u2", "март 2024", "в срок · исправлен после возврата 13.04.2024 (возвращён 12.04.2024: сверить с актом)") \
        in [r[:3] for r in rows]
    assert any(isinstance(r[0], str) and r[0].startswith("* «В срок» и «с опозданием» — по первой подаче") for r in rows)
    pack = meeting_pack.build(snap, dt.date(2024, 4, 20), s)
    assert pack.corrected.to_dict("records") == [{"Участник": "Организация u2", "Состояние": "в срок · исправлен после возврата 13.04.2024",
                                                  "Возвращён": "12.04.2024", "Причина возврата": "сверить с актом"}]
    assert "исправлен после возврата на доработку" in meeting_pack.to_html(pack, "Тестовый район")


def test_a_report_still_on_return_shows_the_return_and_its_reason(tmp_path):
    snap, s, _ = district(tmp_path, PARTIAL, returns=[RETURN])
    r = execute(snap, Filters("2024-03", "2024-03"), s, dt.date(2024, 4, 20))
    row = r.filing.set_index(["participant_id", "month"]).loc[("u2", "2024-03")]
    assert (row.status, row.corrected_on, row.return_reason) == ("returned", None, "сверить с актом")
    wb = load_workbook(io.BytesIO(workbook.build(snap, workbook.parse_period("2024-Q1"), s, dt.date(2024, 4, 20))))
    states = [r[2] for r in wb["Сдача отчётов"].iter_rows(values_only=True) if r[0] == "Организация u2"]
    assert states == ["на доработке (возвращён 12.04.2024: сверить с актом)"]
