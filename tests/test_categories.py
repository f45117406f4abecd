"""Text that repeats on every row of the large tabs is read as pandas categories (issue 16, item 4), and
every figure, table and file is the same as from plain text: each result is computed twice — on the
snapshot as the store reads it and on the same snapshot with those columns turned back into text —
and compared value by value, in order.
"""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from lib.core.frames import categorical
from lib.domain.settings import read_settings
from lib.domain.summary import Filters, execute
from lib.files import meeting_pack, workbook
from lib.store.port import Snapshot
from lib.store.sqlite_store import SQLiteStore

TODAY = dt.date(2025, 1, 20)
REPORT_TABS = ("monthly_reports", "debt_structure", "claims_work")


@pytest.fixture(scope="module")
def snap(demo_db):
    return SQLiteStore(demo_db).read_all()


def as_text(snap: Snapshot) -> Snapshot:
    """The same snapshot with every category column as plain text (what the store read before)."""
    tables = {}
    for tab, frame in snap.tables.items():
        cats = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
        tables[tab] = frame.astype({c: "str" for c in cats}) if cats else frame
    return Snapshot(tables, list(snap.problems), snap.schema, list(snap.notes), list(snap.setup))


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for c in out.columns:
        if isinstance(out[c].dtype, pd.CategoricalDtype) or out[c].dtype == "str":
            out[c] = out[c].astype(object).where(out[c].notna(), None)
    if isinstance(out.index, pd.CategoricalIndex) or out.index.dtype == "str":
        out.index = pd.Index(out.index.astype(object), name=out.index.name)
    return out


def same(a, b, where: str = "") -> None:
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(plain(a), plain(b), check_dtype=False, check_index_type=False,
                                      check_column_type=False, obj=where)
    elif isinstance(a, pd.Series):
        same(a.to_frame(), b.to_frame(), where)
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and pd.isna(a):
        assert pd.isna(b), where
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def test_the_key_columns_of_the_report_tabs_are_categories_and_stay_so_in_the_lines(snap):
    from lib.domain.estimates import lines

    for tab in REPORT_TABS:
        table = snap.schema[tab]
        for column in ("participant_id", "save_id", "saved_by"):
            assert isinstance(snap.all_versions(tab)[column].dtype, pd.CategoricalDtype), (tab, column)
        assert snap.all_versions(tab)["month"].dtype == "str"  # months are compared as text: never categories
        assert categorical(table, table.column("participant_id"))
    held = lines(snap)
    assert isinstance(held.monthly.participant_id.dtype, pd.CategoricalDtype)
    assert held.monthly.participant_id.cat.categories.is_monotonic_increasing


FILTERS = [
    Filters("2024-01", "2024-12"),
    Filters("2024-12", "2024-12"),
    Filters("2023-01", "2024-12", settlements=("lensk", "vitim")),
    Filters("2024-01", "2024-12", utilities=("lptes", "ves")),
    Filters("2024-07", "2024-12", groups=("population",)),
    Filters("2024-01", "2024-12", resources=("heating",)),
    Filters("2024-01", "2024-06", kinds=("settlement",)),
]


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: repr(f)[8:60])
def test_every_dashboard_figure_is_the_same_as_from_text(snap, filters):
    settings = read_settings(snap)
    ours, theirs = execute(snap, filters, settings, TODAY), execute(as_text(snap), filters, settings, TODAY)
    for name in ours.__dataclass_fields__:
        same(getattr(ours, name), getattr(theirs, name), name)


def cells(data: bytes) -> dict:
    book = load_workbook(io.BytesIO(data))
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in book.worksheets}


@pytest.mark.parametrize("quarter", ["2024-Q4", "2024-Q2"])
def test_the_quarterly_workbook_is_the_same_as_from_text(snap, quarter):
    settings = read_settings(snap)
    period = workbook.parse_period(quarter)
    assert cells(workbook.build(snap, period, settings, TODAY)) == cells(workbook.build(as_text(snap), period, settings, TODAY))


def test_the_meeting_pack_is_the_same_as_from_text(snap):
    settings = read_settings(snap)
    day = dt.date(2025, 1, 16)
    same(meeting_pack.sections(meeting_pack.build(snap, day, settings)),
         meeting_pack.sections(meeting_pack.build(as_text(snap), day, settings)), "pack")
