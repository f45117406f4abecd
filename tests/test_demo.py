"""The demo district: the right participants, plausible and internally consistent figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib.demo.lensk import build
from lib.store.sqlite_store import SQLiteStore


@pytest.fixture(scope="module")
def demo(demo_db):
    return SQLiteStore(demo_db).read_all()


def test_participants_of_seed_004(demo):
    p = demo.current("participants")
    assert (p.kind == "settlement").sum() == 11
    assert (p.kind == "utility").sum() == 7
    assert {"ООО «ЛПТЭС»", "ООО «ЛПЖХ»", "ООО «Восточные энергетические сети»"} <= set(p.name)
    assert len(demo.current("commission_members")) == 26  # 3 officers + 23 members of Annex 1
    assert len(demo.current("plan")) == 15  # items 1–14 and the unnumbered one
    assert set(demo.current("users").role) == {"executor", "commission", "coordinator"}


def test_it_is_marked_as_demo_and_reads_without_problems(demo):
    from lib.domain.settings import read_settings

    assert read_settings(demo)["demo"] is True
    assert not demo.problems


def test_debt_continuity_holds_exactly_for_every_line(demo):
    m = demo.current("monthly_reports").sort_values(["participant_id", "settlement_id", "consumer_group", "month"])
    key = ["participant_id", "settlement_id", "consumer_group"]
    nxt = m.groupby(key)["debt_start"].shift(-1)
    months = pd.PeriodIndex(m["month"], freq="M")
    follows = (pd.PeriodIndex(m.groupby(key)["month"].shift(-1).fillna("1900-01"), freq="M") == months + 1)
    end = m.debt_start + m.accrued - m.paid - m.written_off.fillna(0)
    diff = (nxt - end)[follows & nxt.notna()]
    assert len(diff) > 900
    broken = m.loc[diff[np.abs(diff) >= 0.0005].index, ["participant_id", "settlement_id", "month"]]
    # the one discrepancy the demo carries on purpose (its month was returned for correction)
    assert broken.values.tolist() == [["tsk", "tolon", "2024-10"], ["tsk", "tolon", "2024-11"]]
    assert np.abs(diff[np.abs(diff) >= 0.0005]).round(3).tolist() == [150.0, 150.0]


def test_aging_buckets_sum_to_overdue_debt(demo):
    s = demo.current("debt_structure")
    buckets = ["age_1_3", "age_3_12", "age_12_24", "age_24_36", "age_over_36"]
    key = ["participant_id", "settlement_id", "month", "consumer_group"]
    total = s.assign(t=s[buckets].sum(axis=1)).groupby(key)["t"].sum()
    overdue = demo.current("monthly_reports").set_index(key)["overdue"]
    joined = pd.concat([total, overdue], axis=1, join="inner")
    assert len(joined) == len(overdue)
    assert np.abs(joined["t"] - joined["overdue"]).max() < 0.0005


def test_figures_are_plausible(demo):
    m = demo.current("monthly_reports")
    assert (m.recovered_enforcement <= m.paid).all()
    assert (m.overdue <= m.debt_start + m.accrued - m.paid).all()
    pop = m[(m.consumer_group == "population") & (m.month == "2023-01")].debt_start.sum()
    assert 100_000 <= pop <= 900_000  # hundreds of millions of rubles, in thousands
    by_year = m.assign(year=m.month.str[:4]).groupby("year")[["paid", "accrued"]].sum()
    collection = by_year.paid / by_year.accrued * 100
    assert ((collection > 85) & (collection < 105)).all()
    heat = m[m.participant_id == "lptes"].groupby(m.month.str[5:7]).accrued.sum()
    assert heat["01"] > 1.5 * heat["07"]  # heating is billed mostly in winter


def test_filing_history_has_late_missing_and_corrected_reports(demo):
    m = demo.all_versions("monthly_reports")
    assert not ((m.participant_id == "ves") & (m.month == "2024-12")).any()
    assert (m.version == 2).sum() == 3
    late = m[(m.participant_id == "tsk") & (m.month == "2024-10")].saved_at.iloc[0]
    assert late.startswith("2024-11-2")


def test_generation_is_deterministic():
    a, b = build(), build()
    assert a["monthly_reports"] == b["monthly_reports"]
    assert a["plan_progress"] == b["plan_progress"]


def test_a_write_into_the_copy_shared_by_reading_tests_fails_them(demo_db, tmp_path):
    """``demo_reading_url``: tests that only read share one copy of the demo; one that writes into it is caught."""
    from lib.auth.access import command_line_user, write
    from tests.support.demo_file import reading_copy

    with reading_copy(demo_db, tmp_path / "quiet") as path:
        SQLiteStore(path).read_all()  # reading is fine
    with pytest.raises(AssertionError, match="wrote into the shared copy"):
        with reading_copy(demo_db, tmp_path / "written") as path:
            store = SQLiteStore(path)
            row = store.read_all().record("monthly_reports", participant_id="lptes", settlement_id="lensk", month="2024-12",
                                          consumer_group="population")
            write(store, command_line_user("test"), {"monthly_reports": [{**row, "paid": float(row["paid"]) + 1}]})
