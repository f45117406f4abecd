"""Capacity: cells used of Google's 10 million, months left at the current rate, the 80 % advice,
a full spreadsheet's refusal in Russian — and ``rollover`` to a new spreadsheet."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from lib.auth.access import command_line_user, write
from lib.core.frames import frame_records
from lib.store.capacity import Capacity, measure
from lib.store.port import Snapshot, StoreError
from lib.store.rollover import open_data, rollover
from lib.store.sqlite_store import SQLiteStore
from tests.conftest import make_sheets_store
from tests.support.records import sample_record

TODAY = dt.date(2025, 3, 31)


def snapshot_with(rows_by_tab: dict[str, list[str]]) -> Snapshot:
    """Tabs whose rows were saved at the given ISO times (the other columns do not matter here)."""
    from lib.core.frames import empty_frame
    from lib.core.schema import schema

    tables = {}
    for table in schema():
        frame = empty_frame(table)
        stamps = rows_by_tab.get(table.key, [])
        if stamps:
            frame = pd.DataFrame({c: [None] * len(stamps) for c in frame.columns})
            frame["saved_at"] = stamps
        tables[table.key] = frame
    return Snapshot(tables)


def test_cells_and_rate_are_counted_as_hand_computed():
    recent, old = "2025-03-01T10:00:00+00:00", "2024-06-01T10:00:00+00:00"
    snap = snapshot_with({"audit": [recent] * 6 + [old] * 4, "locks": [recent] * 2})
    widths = {"audit": 10, "locks": 8}
    cap = measure(snap, limit=10_000_000, used=8_100_000, widths=widths, today=TODAY)
    # in the last 91 days: 6 audit rows × 10 columns + 2 lock rows × 8 = 76 cells; per month: 76 × 30.4375 / 91
    assert cap.per_month == pytest.approx(76 * 30.4375 / 91)
    assert cap.months_left == pytest.approx(1_900_000 / cap.per_month)
    assert cap.share == 0.81 and cap.warning
    assert "rollover" in cap.advice() and "81 %" in cap.advice()
    assert "8\u00a0100\u00a0000 из 10\u00a0000\u00a0000 (81 %)" in cap.lines()[0]


def test_without_a_given_grid_every_row_and_header_counts_and_there_may_be_no_limit():
    snap = snapshot_with({"audit": ["2025-03-01T10:00:00+00:00"] * 3})
    cap = measure(snap, limit=None, today=TODAY)
    from lib.core.schema import schema

    assert cap.used == sum(len(t.columns) for t in schema()) + 3 * len(schema()["audit"].columns)
    assert cap.limit is None and not cap.warning and cap.advice() is None and "ограничения нет" in cap.lines()[0]
    assert Capacity(10, 100, None).lines()[0].endswith("скорость роста не измерена.")


def test_a_sheets_store_counts_its_grid_and_tells_the_coordinator_at_80_percent(fake_api):
    store = make_sheets_store(fake_api)
    book = fake_api.spreadsheets[store.key]
    grid = sum(s.row_count * s.column_count for s in book.sheets)
    assert store.capacity().used == grid
    book.by_title(store.schema["audit"].title).row_count = 8_200_000 // book.by_title(store.schema["audit"].title).column_count
    fake_api.clock.advance(601)  # the grid is looked up again at most every 10 minutes
    cap = store.capacity()
    assert cap.warning and cap.used > 8_000_000


def test_a_full_spreadsheet_refuses_the_save_in_russian_and_writes_nothing(fake_api):
    store = make_sheets_store(fake_api)
    book = fake_api.spreadsheets[store.key]
    audit = book.by_title(store.schema["audit"].title)
    audit.row_count = 1  # the header only: the next row needs a new grid row
    for other in sorted((s for s in book.sheets if s is not audit), key=lambda s: -s.column_count):
        other.row_count += (10_000_000 - book.cells()) // other.column_count  # the rest of the 10 million, widest tabs first
    assert 10_000_000 - book.cells() < audit.column_count  # not even one audit row is left (whatever the tabs' widths)
    with pytest.raises(StoreError, match=r"10 млн ячеек.*rollover"):
        store.save({"audit": [sample_record(store.schema["audit"])]}, "a@x")
    assert fake_api.rows(store.key, audit.title)[1:] == []


# ---- rollover ------------------------------------------------------------------------------------


def literal_store(tmp_path) -> SQLiteStore:
    store = SQLiteStore(tmp_path / "old.sqlite")
    cli = command_line_user("t")
    report = {"participant_id": "lptes", "settlement_id": "lensk", "consumer_group": "population", "debt_start": 10.0,
              "accrued": 5.0, "paid": 4.0, "recovered_enforcement": 0.0, "overdue": 6.0}
    write(store, cli, {"participants": [{"id": "lptes", "name": "ЛПТЭС", "kind": "utility"},
                                        {"id": "lensk", "name": "Ленск", "kind": "settlement"}]})
    write(store, cli, {"settings": [{"key": "baseline_month", "value": "2023-01"}]})
    write(store, cli, {"monthly_reports": [dict(report, month=m) for m in ("2023-01", "2023-06", "2024-01", "2024-12")]})
    write(store, cli, {"monthly_reports": [dict(report, month="2024-12", paid=4.5)]})  # a correction: only the current goes
    write(store, cli, {"locks": [{"quarter": "2023-Q2", "locked": True}, {"quarter": "2024-Q4", "locked": True}]})
    write(store, cli, {"meetings": [{"meeting_id": "m1", "number": "1", "date": dt.date(2023, 3, 1)},
                                    {"meeting_id": "m2", "number": "2", "date": dt.date(2024, 6, 1)}]})
    write(store, cli, {"decisions": [
        {"decision_id": "d-open", "meeting_id": "m1", "text": "т", "responsible_id": "lptes", "due_date": dt.date(2023, 4, 1), "status": "open"},
        {"decision_id": "d-old", "meeting_id": "m1", "text": "т", "responsible_id": "lptes", "due_date": dt.date(2023, 4, 1),
         "status": "done", "done_date": dt.date(2023, 4, 1)}]})
    return store


def test_open_data_is_the_last_twelve_months_the_baseline_and_what_is_still_open(tmp_path):
    carried = open_data(literal_store(tmp_path).read_all(), months=12)
    months = sorted(r["month"] for r in carried.records["monthly_reports"])
    assert months == ["2023-01", "2024-01", "2024-12"]  # 2023-06 is history: it stays in the archive
    assert [r["paid"] for r in carried.records["monthly_reports"] if r["month"] == "2024-12"] == [4.5]
    assert [r["quarter"] for r in carried.records["locks"]] == ["2023-Q2", "2024-Q4"]  # every closed quarter stays closed
    assert [r["decision_id"] for r in carried.records["decisions"]] == ["d-open"]
    assert sorted(r["meeting_id"] for r in carried.records["meetings"]) == ["m1", "m2"]  # m1: its decision is open
    assert len(carried.records["participants"]) == 2 and "audit" not in carried.records


def test_rollover_carries_open_data_to_a_new_sheet_and_leaves_the_old_one_read_only(demo_sheets):
    api, old = demo_sheets
    new = make_sheets_store(api, secrets=old.secrets)
    before = old.read_all()
    carried = rollover(old, new, months=12, progress=lambda _: None)
    snap = new.read_all()
    assert not snap.problems
    def by_key(tab, records):
        return sorted(records, key=lambda r: tuple(str(r[k]) for k in new.schema[tab].record_key))

    for tab, records in carried.records.items():
        assert by_key(tab, frame_records(new.schema[tab], snap.current(tab))) == by_key(tab, records), tab
    assert snap.current("audit")["action"].tolist() == ["перенос в новую таблицу"]
    last_year = before.current("monthly_reports")
    assert len(snap.current("monthly_reports")) == int(last_year["month"].between("2024-01", "2024-12").sum()
                                                       + (last_year["month"] == "2023-01").sum())
    with pytest.raises(StoreError, match=f"архив.*{new.key}"):
        old.save({"audit": [sample_record(old.schema["audit"])]}, "a@x")
    book = api.spreadsheets[old.key]
    assert all(any(p.sheet_id == s.sheet_id and p.start_col is None for p in book.protections) for s in book.sheets)
    assert any("архив" in line for line in old.read_all().setup)
    with pytest.raises(StoreError, match="не пуста"):
        rollover(make_sheets_store(api, key=new.key, bootstrap=False, secrets=old.secrets), new)
