"""An independent recomputation on a generated district with planted faults.

The district is generated here (not from lib/demo): four utilities, four settlements, two consumer
groups, January–September 2024, with a missing report for two months, a late one, a returned one, a
corrected one (version 2), a continuity break in the first month of a quarter, a ×6 jump and a
structure by two resources, and a report filed without one of its lines (uc, s4, «other», August).
Every figure is recomputed below with plain Python loops over the rows
written — no lib.domain.metrics, no pandas — and compared with ``lib.domain.summary.execute`` and with the
quarterly workbook to 0,1 thousand rubles; every planted inconsistency must be reported.
"""

from __future__ import annotations

import datetime as dt
import io
import random

import pytest
from openpyxl import load_workbook

from lib.domain.settings import read_settings
from lib.domain.summary import Filters, execute
from lib.files import workbook
from tests.support.district import build, participant, settings, stamp

MONTHS = [f"2024-{m:02d}" for m in range(1, 10)]
TODAY = dt.date(2024, 10, 20)
SERVES = {"ua": ["s1", "s2"], "ub": ["s2", "s3"], "uc": ["s3", "s4"], "ud": ["s1", "s4"]}
GROUPS = ("population", "other")
MISSING = {("ub", "2024-08"), ("ub", "2024-09")}
LATE = {("uc", "2024-05"): "2024-06-14T03:00:00"}
RETURNED = ("ua", "2024-09")
CORRECTED = ("ud", "2024-06")
BREAK = ("uc", "s3", "population", "2024-04", 30.0)  # debt at the start of April is 30 above March's closing debt
JUMP = ("ua", "s1", "population", "2024-07")  # accrued six times the usual
PARTIAL = ("uc", "s4", "other", "2024-08")  # uc files August without this line: carried from July, an estimate
TOL = 0.05  # thousand rubles: «every figure equal to 0,1 thousand»


def next_month(month: str) -> str:
    y, m = int(month[:4]), int(month[5:7])
    return f"{y + (m == 12)}-{m % 12 + 1:02d}"


def generate():
    rng = random.Random(11)
    monthly, structure, claims = [], [], []
    for pid, settlements in SERVES.items():
        for settlement in settlements:
            for group in GROUPS:
                debt = round(rng.uniform(800, 3000), 3)
                usual = round(rng.uniform(150, 400), 3)
                for month in MONTHS:
                    key = (pid, settlement, group, month)
                    if (pid, settlement, group, month) == BREAK[:4]:
                        debt = round(debt + BREAK[4], 3)
                    accrued = round(usual * (6 if key == JUMP else rng.uniform(0.9, 1.1)), 3)
                    paid = round(accrued * rng.uniform(0.85, 1.05), 3)
                    recovered = round(paid * 0.05, 3)
                    overdue = round(debt * 0.6, 3)
                    if (pid, month) not in MISSING and key != PARTIAL:
                        when = LATE.get((pid, month), f"{next_month(month)}-05T03:00:00")
                        row = {"participant_id": pid, "settlement_id": settlement, "month": month, "consumer_group": group,
                               "debt_start": debt, "accrued": accrued, "paid": paid, "recovered_enforcement": recovered,
                               "overdue": overdue, "written_off": None, **stamp(when, f"{pid}-{month}-v1")}
                        if (pid, month) == CORRECTED:
                            monthly.append({**row, "paid": round(paid * 0.5, 3)})  # a typo, corrected two days later
                            row = {**row, **stamp(f"{next_month(month)}-07T03:00:00", f"{pid}-{month}-v2")}
                        monthly.append(row)
                        heat = round(overdue * 0.7, 3)
                        for resource, amount in (("heating", heat), ("hot_water", round(overdue - heat, 3))):
                            a = round(amount * 0.4, 3)
                            structure.append({"participant_id": pid, "settlement_id": settlement, "month": month, "consumer_group": group,
                                              "resource": resource, "age_1_3": a, "age_3_12": round(amount - a, 3), "age_12_24": 0.0,
                                              "age_24_36": 0.0, "age_over_36": 0.0, **stamp(when, f"{pid}-{month}-v1")})
                    debt = round(debt + accrued - paid, 3)
        for month in MONTHS:
            if (pid, month) not in MISSING:
                claims.append({"participant_id": pid, "month": month, "debtors_over_threshold": rng.randint(50, 90),
                               "notices_sent": rng.randint(5, 20), "court_applications": rng.randint(1, 6), "court_applications_sum": 10.0,
                               "court_decisions": 1, "court_decisions_sum": 5.0, "writs_sent": 1, "writs_sent_sum": 3.0,
                               **stamp(LATE.get((pid, month), f"{next_month(month)}-05T03:00:00"), f"{pid}-{month}-v1")})
    return monthly, structure, claims


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    monthly, structure, claims = generate()
    people = [participant(s, "settlement") for s in ("s1", "s2", "s3", "s4")]
    people += [participant(p, serves=";".join(s)) for p, s in SERVES.items()]
    back = {"participant_id": RETURNED[0], "month": RETURNED[1], "reason": "сверка", "active": True,
            **stamp("2024-10-12T00:00:00", "ret")}
    store = build(tmp_path_factory.mktemp("district") / "d.sqlite", participants=people, monthly=monthly, structure=structure,
                  claims=claims, returns=[back], settings_rows=settings(baseline_month="2024-01", plan_end="2024-09"))
    snap = store.read_all()
    return snap, read_settings(snap), monthly, claims


# ---- the recomputation: plain loops over the rows written --------------------------------------------------------


def current(rows, key):
    latest = {}
    for r in rows:  # storage order: a later version of the same record replaces the earlier one
        latest[tuple(r[k] for k in key)] = r
    return list(latest.values())


def carried_lines(monthly):
    """Each line (utility × settlement × consumer group) × month from its first: as filed, or the line of its last
    filed month with stocks kept, flows zero — whether the whole report or only the line is missing."""
    rows = current(monthly, ("participant_id", "settlement_id", "consumer_group", "month"))
    out = []
    for key in sorted({(r["participant_id"], r["settlement_id"], r["consumer_group"]) for r in rows}):
        last = None
        for month in MONTHS:
            mine = [r for r in rows if (r["participant_id"], r["settlement_id"], r["consumer_group"]) == key and r["month"] == month]
            if mine:
                last = mine[-1]
                out.append(dict(last, estimated=False))
            elif last:
                end = last["debt_start"] + last["accrued"] - last["paid"] - (last["written_off"] or 0)
                out.append(dict(last, month=month, debt_start=end, accrued=0.0, paid=0.0, recovered_enforcement=0.0,
                                written_off=0.0, estimated=True))
    return out


def end_of(r):
    return r["debt_start"] + r["accrued"] - r["paid"] - (r["written_off"] or 0)


def total(lines, month, field=None, who=None):
    s = 0.0
    for r in lines:
        if r["month"] == month and (who is None or r["participant_id"] == who):
            s += end_of(r) if field is None else r[field]
    return s


def test_tiles_and_target_equal_the_recomputation(district):
    snap, s, monthly, _ = district
    lines = carried_lines(monthly)
    r = execute(snap, Filters("2024-07", "2024-09"), s, TODAY)
    sep, aug, jan = (total(lines, m) for m in ("2024-09", "2024-08", "2024-01"))
    assert r.target["debt"] == pytest.approx(sep, abs=TOL)
    assert r.target["change_month"] == pytest.approx(sep - aug, abs=TOL)
    assert r.target["baseline"] == pytest.approx(jan, abs=TOL)
    assert r.target["change_pct"] == pytest.approx((sep - jan) / jan * 100, abs=0.05)
    paid = sum(x["paid"] for x in lines if x["month"] == "2024-09")
    accrued = sum(x["accrued"] for x in lines if x["month"] == "2024-09")
    collection = r.collection.set_index("consumer_group").loc["total"]
    assert collection.pct == pytest.approx(paid / accrued * 100, abs=0.05)
    totals = r.totals.set_index("month")
    for m in MONTHS:
        assert totals.loc[m, "debt_end"] == pytest.approx(total(lines, m), abs=TOL), m
        assert bool(totals.loc[m, "estimated"]) == any(x["estimated"] for x in lines if x["month"] == m), m
    enf = r.enforcement.set_index("month").recovered
    assert enf["2024-09"] == pytest.approx(total(lines, "2024-09", "recovered_enforcement"), abs=TOL)
    carried = {(n.participant_id, n.month) for n in r.period_notes if n.kind == "carried"}
    assert carried == MISSING and {(n.participant_id, n.month) for n in r.notes if n.kind == "returned"} == {RETURNED}
    partial = [(n.participant_id, n.month, n.lines) for n in r.period_notes if n.kind == "partial"]
    assert partial == [(PARTIAL[0], PARTIAL[3], ((PARTIAL[1], PARTIAL[2]),))]


def test_rankings_and_funnel_equal_the_recomputation(district):
    snap, s, monthly, claims = district
    lines = carried_lines(monthly)
    r = execute(snap, Filters("2024-07", "2024-09"), s, TODAY)
    utilities = r.utilities.set_index("id")
    for pid in SERVES:
        end = total(lines, "2024-09", who=pid)
        start = sum(x["debt_start"] for x in lines if x["month"] == "2024-07" and x["participant_id"] == pid)
        assert utilities.loc[pid, "debt"] == pytest.approx(end, abs=TOL)
        assert utilities.loc[pid, "growth"] == pytest.approx(end - start, abs=TOL), pid
    settlements = r.settlements.set_index("id")
    for settlement in ("s1", "s2", "s3", "s4"):
        end = sum(end_of(x) for x in lines if x["month"] == "2024-09" and x["settlement_id"] == settlement)
        start = sum(x["debt_start"] for x in lines if x["month"] == "2024-07" and x["settlement_id"] == settlement)
        assert settlements.loc[settlement, "growth"] == pytest.approx(end - start, abs=TOL), settlement
    # debtors at the end of September (ub carried from July); applications summed over the quarter
    last = {}
    for c in claims:
        if c["month"] <= "2024-09":
            last[c["participant_id"]] = c
    debtors = sum(c["debtors_over_threshold"] for c in last.values())
    applications = sum(c["court_applications"] for c in claims if "2024-07" <= c["month"] <= "2024-09")
    assert r.funnel["stages"]["count"].iloc[0] == debtors
    assert r.funnel["applications_per_debtor"] == pytest.approx(applications / debtors)


def test_every_planted_inconsistency_is_reported(district):
    snap, s, _, _ = district
    q2 = execute(snap, Filters("2024-04", "2024-06"), s, TODAY)
    found = {(r.participant_id, r.settlement_id, r.month, r.field) for r in q2.quality.itertuples()}
    assert (BREAK[0], BREAK[1], BREAK[3], "Задолженность на начало месяца") in found  # first month of the quarter
    july = execute(snap, Filters("2024-07", "2024-07"), s, TODAY)  # a one-month window still flags the jump
    assert (JUMP[0], JUMP[1], JUMP[3], "Начислено") in {(r.participant_id, r.settlement_id, r.month, r.field) for r in july.quality.itertuples()}
    heating = execute(snap, Filters("2024-01", "2024-09", resources=("heating",)), s, TODAY)
    assert "Структура задолженности" not in set(heating.quality.field)  # buckets of all resources = overdue, no false alarm
    filing = execute(snap, Filters("2024-01", "2024-09"), s, TODAY).filing.set_index(["participant_id", "month"]).status
    assert filing[("uc", "2024-05")] == "late" and filing[RETURNED] == "returned"
    assert {k for k, v in filing.items() if v == "missing"} == MISSING
    assert filing[CORRECTED] == "on_time"  # the correction two days later does not make it late
    wb = load_workbook(io.BytesIO(workbook.build(snap, workbook.parse_period("2024-Q2"), s, TODAY)))
    sheet = [(r[0], r[2], r[3]) for r in wb["Качество данных"].iter_rows(values_only=True)]
    assert ("Организация uc", "апрель 2024", "Задолженность на начало месяца") in sheet
    late = [(r[0], r[1], r[2]) for r in wb["Сдача отчётов"].iter_rows(values_only=True)]
    assert ("Организация uc", "май 2024", "с опозданием") in late


def test_the_workbook_equals_the_recomputation(district):
    snap, s, monthly, _ = district
    lines = carried_lines(monthly)
    ws = load_workbook(io.BytesIO(workbook.build(snap, workbook.parse_period("2024-Q3"), s, TODAY)))["Сводная форма"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    blocks = {"Июль 2024": ["2024-07"], "Август 2024": ["2024-08"], "Сентябрь 2024": ["2024-09"],
              "Итого за 3 квартал 2024 г.": ["2024-07", "2024-08", "2024-09"]}
    checked = 0
    who_row = None
    for i, row in enumerate(rows):
        if row[0] and row[1] is None and not str(row[0]).startswith(("   ", "*")) and i > 5:
            who_row = row[0]
            continue
        if row[0] and str(row[0]).startswith("   ") and str(row[0]).strip() in blocks:
            months = blocks[str(row[0]).strip()]
            who = None if who_row == "Всего по району" else who_row.replace("Организация ", "")
            part = [x for x in lines if who is None or x["participant_id"] == who]
            for offset, group in ((1, "population"), (2, "other"), (3, None)):
                line = rows[i + offset]
                mine = [x for x in part if group is None or x["consumer_group"] == group]
                year_start = sum(x["debt_start"] for x in mine if x["month"] == "2024-01")
                start = sum(x["debt_start"] for x in mine if x["month"] == months[0])
                filed = [x for x in mine if x["month"] in months and not x["estimated"]]
                accrued, paid = sum(x["accrued"] for x in filed), sum(x["paid"] for x in filed)
                overdue = sum(x["overdue"] for x in mine if x["month"] == months[-1])
                assert line[2] == pytest.approx(year_start, abs=TOL) and line[3] == pytest.approx(start, abs=TOL)
                if filed:
                    assert line[4] == pytest.approx(accrued, abs=TOL) and line[5] == pytest.approx(paid, abs=TOL)
                    assert line[6] == pytest.approx(paid / accrued * 100, abs=0.05)
                    assert line[7] == pytest.approx(sum(x["recovered_enforcement"] for x in filed), abs=TOL)
                else:  # a block without a single report of this organisation: flows unknown, not zero
                    assert line[4:8] == [None, None, None, None]
                assert line[8] == pytest.approx(overdue, abs=TOL)
                checked += 1
            estimated = any(x["estimated"] for x in part if x["month"] in months)
            following = [str(r[0]) for r in rows[i + 4:i + 6] if r[0]]
            assert any(f.startswith("* ") and "оценка: " in f.lower() for f in following) == estimated, (who_row, row[0])
    assert checked == (len(SERVES) + 1) * len(blocks) * 3
