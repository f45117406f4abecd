"""Every dashboard figure against values computed by hand on small literal tables."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from lib.domain import metrics
from lib.domain.quality import quality_warnings


def report(rows):
    """rows: (participant, settlement, month, group, start, accrued, paid, recovered, overdue, written_off)."""
    cols = ["participant_id", "settlement_id", "month", "consumer_group", "debt_start", "accrued", "paid",
            "recovered_enforcement", "overdue", "written_off"]
    return pd.DataFrame(rows, columns=cols).astype({c: "float64" for c in cols[4:]})


# u1 in s1: a month with zero accruals (summer, nothing billed) and a falling debt (negative trend);
# u2 in s2: a growing debt (positive trend). u3 never filed and so is absent from the rows.
MONTHLY = report([
    ("u1", "s1", "2024-01", "population", 1000, 200, 150, 10, 800, 0),
    ("u1", "s1", "2024-02", "population", 1050, 100, 160, 5, 820, 0),
    ("u1", "s1", "2024-03", "population", 990, 0, 90, 0, 780, 0),      # zero accruals
    ("u1", "s1", "2024-03", "other", 100, 50, 60, 0, 40, 0),
    ("u2", "s2", "2024-01", "population", 500, 100, 50, 0, 400, 0),
    ("u2", "s2", "2024-02", "population", 550, 100, 40, 0, 450, 10),
    ("u2", "s2", "2024-03", "population", 600, 100, 70, 0, 500, 0),
])


def test_monthly_totals_and_debt_at_end():
    t = metrics.monthly_totals(MONTHLY).set_index("month")
    # March: u1 pop 990+0−90 = 900; u1 other 100+50−60 = 90; u2 600+100−70 = 630 → 1 620
    assert t.loc["2024-03", "debt_end"] == pytest.approx(1620.0)
    # February: u1 1050+100−160 = 990; u2 550+100−40−10 = 600 → 1 590
    assert t.loc["2024-02", "debt_end"] == pytest.approx(1590.0)
    assert t.loc["2024-03", "accrued"] == pytest.approx(150.0)


def test_collection_with_a_zero_accrual_month():
    assert np.isnan(metrics.collection_pct(90.0, 0.0))
    c = metrics.collection(MONTHLY, "2024-03").set_index("consumer_group")
    assert c.loc["total", "pct"] == pytest.approx((90 + 60 + 70) / (0 + 50 + 100) * 100)  # 146,67 %
    assert c.loc["population", "pct"] == pytest.approx(160 / 100 * 100)
    # from January: paid 150+160+90+60+50+40+70 = 620, accrued 200+100+0+50+100+100+100 = 650
    assert c.loc["total", "pct_ytd"] == pytest.approx(620 / 650 * 100)


def test_target_progress_and_forecast_for_falling_and_growing_debt():
    per = metrics.totals_by(MONTHLY, ["participant_id"])
    # totals at end: Jan 1000+200−150 + 500+100−50 = 1 600; Feb 1 590; Mar 1 620
    p = metrics.target_progress(per, "2024-03", "2024-01", 5, "2024-12")
    assert p["baseline"] == pytest.approx(1600) and p["debt"] == pytest.approx(1620)
    assert p["target"] == pytest.approx(1520) and p["change_pct"] == pytest.approx(1.25)
    assert p["trend_per_month"] == pytest.approx(10.0)  # least squares through 1600, 1590, 1620
    assert p["months_left"] == 9 and p["forecast"] == pytest.approx(1710)
    assert p["will_meet"] is False
    assert p["reduction_needed_per_month"] == pytest.approx(100 / 9)
    falling = metrics.totals_by(MONTHLY[MONTHLY.participant_id == "u1"], ["participant_id"])
    q = metrics.target_progress(falling, "2024-03", "2024-01", 5, "2024-12")
    # u1 ends: Jan 1050, Feb 990, Mar 990 ; slope −30; forecast 990 − 270 = 720 ≤ 997,5
    assert q["trend_per_month"] == pytest.approx(-30.0) and q["will_meet"] is True


def test_aging_shares_and_older_than_twelve_months():
    structure = pd.DataFrame({
        "participant_id": ["u1", "u1", "u2"], "settlement_id": ["s1", "s1", "s2"], "month": ["2024-03"] * 3,
        "consumer_group": ["population"] * 3, "resource": ["heating", "hot_water", "electricity"],
        "age_1_3": [100.0, 50, 0], "age_3_12": [200.0, 50, 100], "age_12_24": [100.0, 0, 100],
        "age_24_36": [50.0, 0, 100], "age_over_36": [50.0, 0, 50],
    })
    a = metrics.aging(structure).set_index("bucket")
    # buckets: 150, 350, 200, 150, 100 → 950 in all
    assert a.loc["age_3_12", "amount"] == 350 and a.loc["age_3_12", "share"] == pytest.approx(350 / 950 * 100)
    assert metrics.share_older_than_12(structure, "2024-03") == pytest.approx((200 + 150 + 100) / 950 * 100)
    r = metrics.by_resource(structure, "2024-03")
    assert r.iloc[0].tolist() == ["heating", 500.0] and r.amount.sum() == 950
    claims = pd.DataFrame({"participant_id": ["u1", "u1", "u2"], "month": ["2023-03", "2024-01", "2024-02"],
                           "court_applications_sum": [999.0, 20.0, 500.0]})
    risk = metrics.limitation_risk(structure, claims, "2024-03").set_index("participant_id")
    assert risk.loc["u1", "at_risk"] == 30  # 50 old − 20 sued within 12 months (March 2023 is too old)
    assert risk.loc["u2", "at_risk"] == 0  # 100 old, 500 sued


def test_ranking_by_level_and_by_growth():
    r = metrics.ranking(MONTHLY, "2024-01", "2024-03", "settlement_id").set_index("id")
    assert r.loc["s1", "debt"] == pytest.approx(990) and r.loc["s2", "debt"] == pytest.approx(630)
    # growth over January–March = debt at the end of March − debt at the start of January
    assert r.loc["s1", "growth"] == pytest.approx(990 - 1000) and r.loc["s2", "growth"] == pytest.approx(630 - 500)
    assert (r.loc["s1", "rank_level"], r.loc["s2", "rank_growth"]) == (1, 1)


def test_enforcement_against_the_target_and_the_funnel():
    e = metrics.enforcement(MONTHLY, 12).set_index("month")
    assert e.loc["2024-01", "recovered"] == 10 and not e.loc["2024-01", "met"]
    claims = pd.DataFrame({"participant_id": ["u1", "u2"], "month": ["2024-03", "2024-03"],
                           "debtors_over_threshold": [100, 50], "notices_sent": [40, 10], "court_applications": [10, 5],
                           "court_decisions": [8, 2], "writs_sent": [6, 2], "court_applications_sum": [30.0, 10.0],
                           "court_decisions_sum": [20.0, 5.0], "writs_sent_sum": [15.0, 4.0]})
    f = metrics.claims_funnel(claims, MONTHLY, ["2024-03"])
    assert f["stages"]["count"].tolist() == [150, 50, 15, 10, 8]
    assert f["applications_per_debtor"] == pytest.approx(0.1) and f["writs_per_decision"] == pytest.approx(0.8)
    assert f["recovered"] == 0.0


def test_a_participant_that_never_filed_shows_as_missing(demo_db):
    from lib.domain.filing import filing_matrix
    from lib.store.sqlite_store import SQLiteStore

    snap = SQLiteStore(demo_db).read_all()
    m = filing_matrix(snap, ["lptes", "never"], ["2024-11", "2024-12"], 10, dt.date(2025, 1, 20)).set_index(["participant_id", "month"])
    assert m.loc[("never", "2024-12"), "status"] == "missing"
    assert m.loc[("lptes", "2024-12"), "status"] == "on_time"
    early = filing_matrix(snap, ["never"], ["2024-12"], 10, dt.date(2025, 1, 5))
    assert early.status.tolist() == ["not_due"]


def test_quality_warnings_find_continuity_overdue_collection_and_jumps():
    rows = report([
        ("u1", "s1", "2024-01", "population", 1000, 200, 150, 10, 800, 0),
        ("u1", "s1", "2024-02", "population", 1100, 200, 150, 10, 1300, 0),   # start ≠ 1050; overdue > end 1150
        ("u1", "s1", "2024-03", "population", 1150, 200, 400, 10, 800, 0),    # collection 200 %
        ("u1", "s1", "2024-04", "population", 950, 2000, 180, 10, 800, 0),    # accrued ×10 the median
    ])
    q = quality_warnings(rows, pd.DataFrame())
    found = {(r.month, r.field) for r in q.itertuples()}
    assert ("2024-02", "Задолженность на начало месяца") in found
    assert ("2024-02", "Просроченная задолженность") in found
    assert ("2024-03", "Оплачено") in found
    assert ("2024-04", "Начислено") in found
    assert ("2024-04", "Задолженность на начало месяца") not in found  # 950 = 1150 + 200 − 400


def test_quality_warnings_over_organisations_a_part_at_a_time_are_the_same_rows_in_the_same_order(monkeypatch):
    """The checks run over a few organisations at a time (memory of a large district): a break across a year, a jump
    against the line's own median, an overdue debt against the aging structure — found as when every line is checked at
    once, in the same order (the newest month first, then by organisation, then check by check)."""
    from lib.domain import quality

    rows = report([
        ("u1", "s1", "2023-12", "population", 1000, 200, 150, 10, 800, 0),
        ("u1", "s1", "2024-01", "population", 1100, 200, 150, 10, 1300, 0),   # start ≠ 1050 across the year; overdue > end
        ("u2", "s1", "2024-01", "population", 500, 100, 50, 0, 400, 0),
        ("u2", "s1", "2024-02", "population", 550, 1000, 60, 0, 450, 0),     # accrued ×10 its median; collection 6 %
        ("u2", "s1", "2024-03", "population", 1490, 100, 70, 0, 500, 0),
        ("u3", "s2", "2024-02", "other", 300, 100, 90, 0, 250, 0),
        ("u3", "s2", "2024-03", "other", 300, 100, 100, 0, 250, 0),
    ])
    buckets = dict(age_1_3=100.0, age_3_12=100.0, age_12_24=0.0, age_24_36=0.0, age_over_36=0.0)
    structure = pd.DataFrame([
        dict(participant_id="u2", settlement_id="s1", month="2024-03", consumer_group="population", resource="heating", **buckets),
        dict(participant_id="u2", settlement_id="s1", month="2024-03", consumer_group="population", resource="water", **buckets),
        dict(participant_id="u3", settlement_id="s2", month="2024-03", consumer_group="other", resource="heating", **buckets),
    ])
    expected = [("2024-03", "u2", "Структура задолженности", "сумма по срокам 400,0 ≠ просроченной 500,0"),  # 2 × 200
                ("2024-03", "u3", "Задолженность на начало месяца", "300,0 ≠ остатку прошлого месяца 310,0"),  # 300 + 100 − 90
                ("2024-03", "u3", "Структура задолженности", "сумма по срокам 200,0 ≠ просроченной 250,0"),
                ("2024-02", "u2", "Оплачено", "собираемость 6,0\xa0% вне 30–150 %"),  # 60 / 1 000
                ("2024-02", "u2", "Начислено", "1\xa0000,0 — отличается больше чем в 5 раз от обычного (100,0)"),
                ("2024-01", "u1", "Задолженность на начало месяца", "1\xa0100,0 ≠ остатку прошлого месяца 1\xa0050,0"),
                ("2024-01", "u1", "Просроченная задолженность", "1\xa0300,0 больше задолженности на конец месяца 1\xa0150,0")]
    at_once = quality_warnings(rows, structure)
    monkeypatch.setattr(quality, "ORGANISATIONS_AT_ONCE", 1)
    apart = quality_warnings(rows, structure)
    pd.testing.assert_frame_equal(apart, at_once)
    assert [tuple(r) for r in at_once[["month", "participant_id", "field", "message"]].itertuples(index=False)]== expected
