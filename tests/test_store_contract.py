"""One contract, both adapters: every test here runs against SQLite and against Google Sheets
(a real gspread client over the in-process Sheets API)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from lib.core.frames import frame_records
from lib.core.schema import schema
from lib.store.port import ValidationError
from tests.support.records import sample_record


def comparable(value):
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


@pytest.mark.parametrize("tab", [t.key for t in schema()])
def test_every_tab_round_trips_every_type(store, tab):
    table = store.schema[tab]
    record = sample_record(table)
    receipt = store.save({tab: [record]}, "executor@lensk.demo")
    current = store.read_all().current(tab)
    assert len(current) == 1
    row = current.iloc[0]
    for key, value in record.items():
        assert comparable(row[key]) == value, key
    assert row["saved_by"] == "executor@lensk.demo"
    assert row["save_id"] == receipt.save_id
    assert row["version"] == 1
    assert dt.datetime.fromisoformat(row["saved_at"]).tzinfo is not None


def test_a_correction_is_a_new_version_and_history_keeps_both(store):
    table = store.schema["monthly_reports"]
    first = sample_record(table)
    store.save({"monthly_reports": [first]}, "a@x")
    store.save({"monthly_reports": [dict(first, paid=999.5)]}, "b@x")
    snap = store.read_all()
    assert len(snap.all_versions("monthly_reports")) == 2
    current = snap.current("monthly_reports")
    assert current["paid"].tolist() == [999.5] and current["version"].tolist() == [2]
    key = {k: first[k] for k in table.record_key}
    history = snap.history("monthly_reports", **key)
    assert history["paid"].tolist() == [first["paid"], 999.5]
    assert history["saved_by"].tolist() == ["a@x", "b@x"]
    assert history["version"].tolist() == [1, 2]


def test_formula_looking_text_is_stored_as_literal_text(store):
    texts = ['=HYPERLINK("http://evil","x")', "+1", "@SUM(A1)", "-2+3", "=1+1"]
    rows = [dict(sample_record(store.schema["participants"], i), name=t) for i, t in enumerate(texts)]
    store.save({"participants": rows}, "coordinator@x")
    assert store.read_all().current("participants")["name"].tolist() == texts


def test_empty_tabs_read_as_typed_empty_frames(store):
    snap = store.read_all()
    for table in store.schema:
        frame = snap.current(table.key)
        assert frame.empty
        assert list(frame.columns) == [*table.keys, "row", "version"]
    assert str(snap.current("monthly_reports")["accrued"].dtype) == "float64"
    assert str(snap.current("claims_work")["court_applications"].dtype) == "Int64"


def test_a_large_tab_round_trips(store):
    table = store.schema["monthly_reports"]
    rows = []
    for i in range(5000):
        r = sample_record(table)
        r["participant_id"] = f"u{i % 50}"
        r["settlement_id"] = f"s{i // 50}"
        r["accrued"] = round(i * 1.001, 3)
        rows.append(r)
    store.save({"monthly_reports": rows}, "bulk@x")
    frame = store.read_all().current("monthly_reports")
    assert len(frame) == 5000
    assert frame["accrued"].sum() == pytest.approx(sum(r["accrued"] for r in rows), abs=1e-6)


def test_a_save_across_tabs_is_one_atomic_write(store):
    store.save(
        {"participants": [sample_record(store.schema["participants"])],
         "audit": [sample_record(store.schema["audit"])]},
        "coordinator@x",
    )
    snap = store.read_all()
    assert snap.current("participants")["save_id"].iloc[0] == snap.current("audit")["save_id"].iloc[0]


def test_invalid_input_names_the_field_in_russian_and_writes_nothing(store):
    good = sample_record(store.schema["monthly_reports"])
    bad = dict(good, settlement_id="other", paid="много", overdue=-1)
    with pytest.raises(ValidationError) as err:
        store.save({"monthly_reports": [good, bad]}, "a@x")
    message = str(err.value)
    assert "«Оплачено»" in message and "не число" in message
    assert "«Просроченная задолженность»" in message and "отрицательным" in message
    assert "запись 2" in message
    assert store.read_all().current("monthly_reports").empty


def test_copy_keeps_every_version_and_who_and_when(store, tmp_path):
    from lib.store.copying import copy_store
    from lib.store.sqlite_store import SQLiteStore

    first = sample_record(store.schema["monthly_reports"])
    store.save({"monthly_reports": [first]}, "a@x")
    store.save({"monthly_reports": [dict(first, paid=5.0)]}, "b@x")
    target = SQLiteStore(tmp_path / "copy.sqlite")
    copy_store(store, target, progress=lambda _: None)
    copy_store(store, target, progress=lambda _: None)  # a second run copies nothing twice
    source_rows = frame_records(store.schema["monthly_reports"], store.read_all().all_versions("monthly_reports"))
    target_rows = frame_records(store.schema["monthly_reports"], target.read_all().all_versions("monthly_reports"))
    # the seal is the sealing sheet's own (its server key): a copy leaves it to the store written to
    assert [dict(r, seal=None) for r in target_rows] == [dict(r, seal=None) for r in source_rows]
    assert all(r["seal"] is None for r in target_rows)


def test_a_corrected_record_keeps_its_place_among_current_versions(store):
    table = store.schema["participants"]
    a, b = sample_record(table, 0), sample_record(table, 1)
    store.save({"participants": [a, b]}, "c@x")
    store.save({"participants": [dict(a, name="исправлено")]}, "c@x")
    current = store.read_all().current("participants")
    assert current["id"].tolist() == [a["id"], b["id"]]
    assert current["name"].tolist() == ["исправлено", b["name"]]


def test_sqlite_reads_only_new_rows_yet_equals_a_full_read(tmp_path):
    """The embedded store re-reads only appended rows; whatever happened, it must equal a fresh read."""
    from lib.demo import load_demo
    from lib.store.sqlite_store import SQLiteStore

    path = tmp_path / "d.sqlite"
    app = SQLiteStore(path)
    table = app.schema["monthly_reports"]

    def same_as_fresh():
        mine, fresh = app.read_all(), SQLiteStore(path).read_all()
        for tab in app.schema.tables:
            pd.testing.assert_frame_equal(mine.all_versions(tab), fresh.all_versions(tab), check_dtype=False)

    same_as_fresh()
    app.save({"monthly_reports": [sample_record(table)]}, "a@x")
    same_as_fresh()
    other = SQLiteStore(path)  # another process saves
    other.save({"monthly_reports": [dict(sample_record(table), paid=1.5)]}, "b@x")
    assert app.read_all().current("monthly_reports")["paid"].tolist() == [1.5]
    same_as_fresh()
    load_demo(other, replace=True)  # another process resets the store: rows removed, sequence restarted
    same_as_fresh()
    assert len(app.read_all().current("participants")) == 27


# ---- writes decided on the store's own state (Store.transact, access.write(expect=...)) ----------


def test_expectations_refuse_a_taken_new_id_and_a_stale_base_version(store):
    from lib.auth.access import User, write
    from lib.store.port import Conflict

    coordinator = User("c@x", "К", "coordinator")
    store.save({"users": [{"login": "c@x", "name": "К", "role": "coordinator", "active": True}]}, "admin")
    meeting = {"meeting_id": "m-1", "number": "1", "date": dt.date(2024, 12, 27)}
    first = write(store, coordinator, {"meetings": [meeting]}, expect={"meetings": {("m-1",): None}})
    with pytest.raises(Conflict) as taken:
        write(store, coordinator, {"meetings": [{**meeting, "number": "2"}]}, expect={"meetings": {("m-1",): None}})
    assert taken.value.current["number"] == "1"
    write(store, coordinator, {"meetings": [{**meeting, "number": "1а"}]}, expect={"meetings": {("m-1",): first.save_id}})
    with pytest.raises(Conflict, match="изменена после того, как вы её открыли"):
        write(store, coordinator, {"meetings": [{**meeting, "number": "3"}]}, expect={"meetings": {("m-1",): first.save_id}})
    rows = store.read_all().all_versions("meetings")
    assert rows.number.tolist() == ["1", "1а"]  # refused writes left nothing behind
    assert len(store.read_all().all_versions("audit")) == 2


def test_a_write_checks_the_acting_user_as_the_store_has_them_now(store):
    """Disabled after signing in: refused at write time, whatever the page's session still holds."""
    from lib.auth.access import Denied, User, write

    executor = User("e@x", "Е", "executor", "lptes")
    row = {"login": "e@x", "name": "Е", "role": "executor", "participant_id": "lptes", "active": True}
    store.save({"users": [row]}, "admin")
    record = dict(sample_record(store.schema["claims_work"]), participant_id="lptes")
    write(store, executor, {"claims_work": [record]})
    store.save({"users": [dict(row, active=False)]}, "admin")
    with pytest.raises(Denied, match="отключена"):
        write(store, executor, {"claims_work": [dict(record, notices_sent=9)]})
    assert len(store.read_all().all_versions("claims_work")) == 1
