"""The typed copy of the embedded store (issue 16, item 1): a server starts without re-typing the store,
and the copy is never trusted when it is stale or damaged.

Each test works on a real SQLite file (a copy of the demo district: corrections, returns, several
versions) and its copy in ``.<file>.typed/``; "a server start" is a new ``SQLiteStore`` on the same file.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from lib.auth.access import command_line_user, write
from lib.store import database, frame_cache
from lib.store.sqlite_store import SQLiteStore

CLI = command_line_user("test")


@pytest.fixture
def db(demo_db, tmp_path) -> Path:
    path = tmp_path / "debt.sqlite"
    shutil.copy(demo_db, path)
    return path


@pytest.fixture
def typed_rows(monkeypatch) -> list[int]:
    """How many rows the store typed from SQLite cells (``lib.core.frames.cells_to_frame``), per call."""
    calls: list[int] = []
    real = database.cells_to_frame

    def counting(table, header, rows, *args, **kw):
        calls.append(len(rows))
        return real(table, header, rows, *args, **kw)

    monkeypatch.setattr(database, "cells_to_frame", counting)  # the shared read of both database stores
    return calls


def started(path: Path) -> SQLiteStore:
    """A server process starting on the file, that has written its copy once it has read."""
    return SQLiteStore(path)


def read_and_keep(path: Path):
    store = started(path)
    snap = store.read_all()
    store.typed_copy.wait()
    return store, snap


def real_read(path: Path):
    """What the store holds, typed from its cells with no copy involved."""
    store = SQLiteStore(path)
    store.typed_copy.load = lambda *a: {}
    store.typed_copy.write_later = lambda *a: None
    return store.read_all()


def assert_same(snap, reference) -> None:
    for tab in reference.schema.tables:
        mine, theirs = snap.all_versions(tab), reference.all_versions(tab)
        pd.testing.assert_frame_equal(mine, theirs, check_dtype=True)
        assert [str(t) for t in mine.dtypes] == [str(t) for t in theirs.dtypes], tab
        pd.testing.assert_frame_equal(snap.current(tab), reference.current(tab), check_dtype=True)
    assert snap.problems == reference.problems and snap.notes == reference.notes


def test_a_server_start_takes_the_typed_frames_from_the_copy_and_types_no_cell(db, typed_rows):
    read_and_keep(db)  # the first server wrote the copy
    assert (db.parent / ".debt.sqlite.typed" / "manifest.json").exists()
    typed_rows.clear()
    store = started(db)
    snap = store.read_all()
    assert typed_rows == []
    assert set(store.typed_copy.loaded) == {t for t in store.schema.tables if len(snap.all_versions(t))}
    assert_same(snap, real_read(db))


def test_rows_saved_after_the_copy_are_read_and_typed_alone(db, typed_rows):
    read_and_keep(db)
    other = SQLiteStore(db)  # another process saves after the copy was written
    row = other.read_all().record("monthly_reports", participant_id="lptes", settlement_id="lensk", month="2024-11",
                                  consumer_group="population")
    write(other, CLI, {"monthly_reports": [{**row, "paid": 123.456}]})
    typed_rows.clear()
    snap = started(db).read_all()
    assert sorted(typed_rows) == [1, 1]  # the correction and its audit row, nothing else
    assert snap.record("monthly_reports", participant_id="lptes", settlement_id="lensk", month="2024-11",
                       consumer_group="population")["paid"] == 123.456
    assert_same(snap, real_read(db))


def test_the_copy_is_brought_up_to_date_for_the_next_start(db, typed_rows):
    store, _ = read_and_keep(db)
    row = store.read_all().record("claims_work", participant_id="lptes", month="2024-11")
    write(store, CLI, {"claims_work": [{**row, "notices_sent": 77}]})
    store.read_all()
    store.typed_copy.wait()
    typed_rows.clear()
    snap = started(db).read_all()
    assert typed_rows == []
    assert snap.record("claims_work", participant_id="lptes", month="2024-11")["notices_sent"] == 77


def edit_in_shell(db: Path, sql: str) -> None:
    """What someone does with the ``sqlite3`` shell, outside the app."""
    with closing(sqlite3.connect(db)) as con:
        con.execute(sql)
        con.commit()


@pytest.mark.parametrize("sql", [
    "UPDATE monthly_reports SET paid = 1 WHERE _seq = 5",
    "DELETE FROM monthly_reports WHERE _seq = (SELECT max(_seq) FROM monthly_reports)",
    "DELETE FROM monthly_reports WHERE _seq = 3",
])
def test_a_row_changed_or_deleted_outside_the_app_makes_the_copy_stale(db, sql):
    read_and_keep(db)
    edit_in_shell(db, sql)
    store = started(db)
    snap = store.read_all()
    assert store.typed_copy.loaded == []  # not one tab trusted
    assert_same(snap, real_read(db))
    store.typed_copy.wait()
    again = started(db)
    again.read_all()
    assert "monthly_reports" in again.typed_copy.loaded  # written again under the new stamp


def test_a_change_made_outside_the_app_is_seen_by_a_running_server_too(db):
    store = started(db)
    before = store.read_all()
    edit_in_shell(db, "UPDATE monthly_reports SET paid = 1.5 WHERE _seq = 5")
    after = store.read_all()
    assert after is not before
    assert_same(after, real_read(db))


def test_a_store_reset_is_another_store_for_the_copy(db):
    from lib.demo import load_demo

    read_and_keep(db)
    store = SQLiteStore(db)
    store.save({"audit": [{"event_id": "e-x", "entity": "x", "record_key": "k", "action": "a"}]}, "a@x")
    load_demo(store, replace=True)  # ``cli demo``: same rows, same save ids, a new store
    fresh = started(db)
    snap = fresh.read_all()
    assert fresh.typed_copy.loaded == []
    assert not (snap.current("audit").event_id == "e-x").any()
    assert_same(snap, real_read(db))


def damage(path: Path, how: str) -> None:
    data = bytearray(path.read_bytes())
    if how == "truncated":
        path.write_bytes(bytes(data[: len(data) // 2]))
    elif how == "flipped":  # one bit in the middle of the data: the Arrow structure is still valid
        data[len(data) // 2] ^= 0x01
        path.write_bytes(bytes(data))
    else:
        path.write_bytes(b"not an arrow file")


@pytest.mark.parametrize("how", ["truncated", "flipped", "garbage"])
def test_a_damaged_file_is_never_trusted_and_is_written_again(db, how, caplog):
    read_and_keep(db)
    folder = db.parent / ".debt.sqlite.typed"
    target = max(folder.glob("monthly_reports.*.arrow"), key=lambda p: p.stat().st_size)
    damage(target, how)
    caplog.set_level(logging.WARNING, logger=frame_cache.__name__)
    store = started(db)
    snap = store.read_all()
    assert "monthly_reports" not in store.typed_copy.loaded
    assert "не используется" in caplog.text or "not used" in caplog.text
    assert_same(snap, real_read(db))
    store.typed_copy.wait()
    again = started(db)
    again.read_all()
    assert "monthly_reports" in again.typed_copy.loaded


@pytest.mark.parametrize("manifest", ["{", '{"format": 999}', ""])
def test_a_damaged_or_foreign_manifest_means_the_real_read(db, manifest):
    read_and_keep(db)
    (db.parent / ".debt.sqlite.typed" / "manifest.json").write_text(manifest)
    store = started(db)
    assert_same(store.read_all(), real_read(db))
    assert store.typed_copy.loaded == []


def test_other_typing_code_or_another_schema_retypes(db, monkeypatch, typed_rows):
    read_and_keep(db)
    monkeypatch.setattr(frame_cache, "code_fingerprint", lambda: "другой код")
    typed_rows.clear()
    store = started(db)
    store.read_all()
    assert store.typed_copy.loaded == [] and sum(typed_rows) > 0
    monkeypatch.undo()
    store.typed_copy.wait()  # rewritten by the "other code": the real one does not take it either
    fresh = started(db)
    fresh.read_all()
    assert fresh.typed_copy.loaded == []


def test_a_column_added_to_the_schema_retypes_that_tab(db, monkeypatch):
    from dataclasses import replace

    from lib.core.schema import schema

    read_and_keep(db)
    base = schema()
    table = base["claims_work"]
    extra = replace(table.columns[-1], key="extra_note", title="Примечание к работе", type="text", required=False,
                    system=False, hidden=False)
    wider = replace(table, columns=(*table.columns, extra))
    changed = replace(base, tables={**base.tables, "claims_work": wider})
    store = SQLiteStore(db, schema=changed)  # the app after an upgrade: the column is added to the table
    snap = store.read_all()
    assert "claims_work" not in store.typed_copy.loaded
    assert "extra_note" in snap.all_versions("claims_work").columns


def test_a_copy_that_cannot_be_written_costs_only_speed(db, monkeypatch, caplog):
    def refuse(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(frame_cache.FrameCache, "_put", refuse)
    caplog.set_level(logging.WARNING, logger=frame_cache.__name__)
    _, snap = read_and_keep(db)
    assert_same(snap, real_read(db))
    assert "not written" in caplog.text


def test_a_rerun_with_nothing_changed_hands_out_the_same_snapshot(db, typed_rows):
    store = started(db)
    first = store.read_all()
    with closing(sqlite3.connect(db)) as other:  # another process has the file open: the WAL stays
        other.execute("SELECT 1 FROM users").fetchall()
        row = first.record("claims_work", participant_id="lptes", month="2024-11")
        write(store, CLI, {"claims_work": [{**row, "notices_sent": 78}]})
        after_save = store.read_all()
        typed_rows.clear()
        other.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the file changes, the data does not
        assert store.read_all() is after_save  # per-snapshot results (lib.core.memo) stay computed
    assert store.read_all() is after_save
    assert typed_rows == [] and after_save is not first


def typed_files(path: Path) -> list[Path]:
    return sorted((path.parent / ".debt.sqlite.typed").glob("*.typed.*.arrow"))


def test_typed_rows_kept_apart_from_the_versions_are_read_only_when_rows_are_appended(db, monkeypatch):
    """A tab whose versions are not its typed rows in place (corrections reorder them) has a second
    file; a start checks it but does not hold it in memory until a save appends rows to the tab."""
    read_and_keep(db)
    assert typed_files(db), "the demo has corrected reports: some tab keeps its typed rows apart"
    parsed: list[str] = []
    real = frame_cache._from_arrow
    monkeypatch.setattr(frame_cache, "_from_arrow", lambda data: parsed.append(len(data)) or real(data))
    store = started(db)
    snap = store.read_all()
    assert len(parsed) == len(list((db.parent / ".debt.sqlite.typed").glob("*.versions.*.arrow")))  # the versions only
    assert_same(snap, real_read(db))
    row = snap.record("monthly_reports", participant_id="lptes", settlement_id="lensk", month="2024-11", consumer_group="population")
    write(store, CLI, {"monthly_reports": [{**row, "paid": 123.456}]})
    after = store.read_all()
    assert len(parsed) > len(list((db.parent / ".debt.sqlite.typed").glob("*.versions.*.arrow")))  # now the typed rows
    assert_same(after, real_read(db))


def test_typed_rows_gone_before_an_append_mean_the_tab_is_read_from_the_store(db, caplog):
    read_and_keep(db)
    store = started(db)
    store.read_all()
    for path in typed_files(db):  # another server's writer collected them (or a person cleaned the folder)
        path.unlink()
    row = store.read_all().record("monthly_reports", participant_id="lptes", settlement_id="lensk", month="2024-11",
                                  consumer_group="population")
    caplog.set_level(logging.WARNING)
    write(store, CLI, {"monthly_reports": [{**row, "paid": 123.456}]})
    after = store.read_all()
    assert "not used" in caplog.text
    assert after.record("monthly_reports", participant_id="lptes", settlement_id="lensk", month="2024-11",
                        consumer_group="population")["paid"] == 123.456
    assert_same(after, real_read(db))


def test_a_frame_read_from_the_copy_does_not_hold_the_whole_file_in_memory():
    """Issue 16, item 4: an uncompressed copy is read zero-copy — numbers and text of a frame pointed into
    the file's bytes, which stayed in memory as long as the frame (≈ 80 MB more at large scale). Written
    compressed, every column owns its buffers and the file is freed after the read."""
    frame = pd.DataFrame({"month": ["2024-01", "2024-02"] * 500, "debt": [1234.5, 0.0] * 500, "note": ["Долг «ЖКХ»"] * 1000})
    data = frame_cache._to_arrow(frame)
    file = pa.py_buffer(data)
    inside = range(file.address, file.address + file.size)
    back = frame_cache._from_arrow(data)
    pd.testing.assert_frame_equal(back, frame)
    for column in back.columns:
        values = back[column].array
        if isinstance(values, pd.arrays.ArrowStringArray):
            addresses = [b.address for chunk in pa.chunked_array(values).chunks for b in chunk.buffers() if b is not None]
        else:
            addresses = [back[column].to_numpy(copy=False).__array_interface__["data"][0]]
        assert addresses and not any(a in inside for a in addresses), column


def test_a_command_that_reads_and_exits_at_once_leaves_the_copy_written(db):
    """The writer runs in the background; a process that exits right after reading (``lib.cli check``) waited
    for nothing, and a daemon thread stopped inside Arrow's C++ code at shutdown aborted the process (SIGABRT)."""
    import subprocess
    import sys

    from lib.core.config import PROJECT_ROOT

    code = ("import sys; from lib.store.sqlite_store import SQLiteStore; "
            "SQLiteStore(sys.argv[1]).read_all(); print('read')")  # no wait(): exits while the copy is being written
    done = subprocess.run([sys.executable, "-c", code, str(db)], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "read", done.stderr
    assert (db.with_name(f".{db.name}.typed") / frame_cache.MANIFEST).exists()
    store = SQLiteStore(db)
    store.read_all()
    assert store.typed_copy.loaded  # the next start uses it
