"""``python -m lib.cli``: run as a user would, in a subprocess, plus the Sheets paths in-process."""

from __future__ import annotations

import os
import subprocess
import sys

from lib.core import fmt
from lib.core.config import PROJECT_ROOT
from lib.store.sqlite_store import SQLiteStore
from tests.conftest import make_sheets_store


def cli(*args, env=None):
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "lib.cli", *args], cwd=PROJECT_ROOT, env=full_env,
                          capture_output=True, text=True, timeout=120)


def test_demo_creates_and_resets_the_store(tmp_path):
    url = f"sqlite:///{tmp_path}/d.sqlite"
    first = cli("demo", "--store", url)
    assert first.returncode == 0, first.stderr
    assert "Ежемесячный отчёт: записей 1\u00a0100" in first.stdout  # a count as the pages show it
    store = SQLiteStore(tmp_path / "d.sqlite")
    store.save({"audit": [{"event_id": "x", "entity": "e", "record_key": "k", "action": "a"}]}, "u@x")
    assert cli("demo", "--store", url).returncode == 0  # reset: the extra row is gone
    assert SQLiteStore(tmp_path / "d.sqlite").read_all().current("audit").empty


def test_check_exits_non_zero_and_lists_cells_it_cannot_read(tmp_path, demo_db):
    import sqlite3

    from tests.support.demo_file import copy_demo_file

    copy_demo_file(demo_db, tmp_path / "d.sqlite")
    url = f"sqlite:///{tmp_path}/d.sqlite"
    assert cli("check", "--store", url).returncode == 0
    with sqlite3.connect(tmp_path / "d.sqlite") as con:
        con.execute("UPDATE monthly_reports SET paid = '12 тыс' WHERE _seq = 5")
    result = cli("check", "--store", url)
    assert result.returncode == 1
    assert "лист «Ежемесячный отчёт», строка 6, столбец «Оплачено»" in result.stdout


def test_copy_between_sqlite_files_is_complete_and_rerunnable(tmp_path, demo_db):
    target = f"sqlite:///{tmp_path}/copy.sqlite"
    total = sum(rows for _, rows in SQLiteStore(demo_db).read_all().counts().values())
    first = cli("copy", "--from", f"sqlite:///{demo_db}", "--to", target)
    assert first.returncode == 0, first.stderr
    assert f"Скопировано строк: {fmt.figure(total, 'integer')};" in first.stdout
    again = cli("copy", "--from", f"sqlite:///{demo_db}", "--to", target)
    assert f"Скопировано строк: 0; уже были в получателе: {fmt.figure(total, 'integer')}" in again.stdout
    source, copy = SQLiteStore(demo_db).read_all(), SQLiteStore(tmp_path / "copy.sqlite").read_all()
    for tab in source.schema.tables:
        assert source.all_versions(tab).drop(columns="row").equals(copy.all_versions(tab).drop(columns="row"))


def test_copy_demo_to_a_google_sheet_and_back(tmp_path, demo_db, fake_api):
    from lib.store.copying import copy_store

    sheet = make_sheets_store(fake_api)
    copy_store(SQLiteStore(demo_db), sheet, progress=lambda _: None)
    back = SQLiteStore(tmp_path / "back.sqlite")
    copy_store(sheet, back, progress=lambda _: None)
    source = SQLiteStore(demo_db).read_all()
    for tab in source.schema.tables:
        assert source.all_versions(tab).drop(columns="row").equals(back.read_all().all_versions(tab).drop(columns="row")), tab


def test_copy_refuses_a_source_with_unreadable_cells(tmp_path, fake_api):
    import pytest

    from lib.store.copying import copy_store
    from lib.store.port import StoreError

    sheet = make_sheets_store(fake_api)
    title = sheet.schema["audit"].title
    sheet.http.values_append(sheet.key, f"'{title}'!A1", params={"valueInputOption": "RAW"},
                             body={"values": [["e1", "", "k", "a", "", "не дата", "u", "s"]]})
    sheet.invalidate()
    with pytest.raises(StoreError, match="копирование остановлено"):
        copy_store(sheet, SQLiteStore(tmp_path / "x.sqlite"), progress=lambda _: None)


def test_bootstrap_needs_a_google_sheet_and_errors_are_russian(tmp_path):
    result = cli("bootstrap-sheet", "--store", f"sqlite:///{tmp_path}/x.sqlite")
    assert result.returncode == 2 and "Google Таблиц" in result.stderr
    result = cli("check", "--store", "gsheets://1AbCdEfGhIjKlMnOpQr", env={"GOOGLE_APPLICATION_CREDENTIALS": ""})
    assert result.returncode == 1 and "сервисный аккаунт" in result.stderr


def test_help_is_in_russian():
    result = cli("--help")
    assert result.returncode == 0 and "скопировать все листы" in result.stdout


def test_copy_between_sqlite_postgresql_and_a_google_sheet_checks_counts_and_checksums(tmp_path, demo_db, fake_api,
                                                                                        postgres_cluster):
    """SQLite → PostgreSQL and PostgreSQL → SQLite by the command line; PostgreSQL → Google Sheet → PostgreSQL in
    process (the sheet is the fake Sheets API): every hop keeps every version, and says it checked."""
    from lib.store.copying import copy_store
    from lib.store.postgres_store import PostgresStore

    first_pg, second_pg = postgres_cluster.new_database(), postgres_cluster.new_database()
    here = {"DEBT_LOCAL_DIR": str(tmp_path / "local")}  # this machine's typed copy of the server's data
    done = cli("copy", "--from", f"sqlite:///{demo_db}", "--to", first_pg, env=here)
    assert done.returncode == 0, done.stderr
    rows = SQLiteStore(demo_db).read_all().counts()["monthly_reports"][1]
    assert f"Ежемесячный отчёт: {fmt.figure(rows, 'integer')} = {fmt.figure(rows, 'integer')}, " in done.stdout
    assert "Копия совпадает с источником." in done.stdout
    sheet = make_sheets_store(fake_api)
    report = copy_store(PostgresStore(first_pg, local_dir=tmp_path / "local"), sheet, progress=lambda _: None)
    assert all(check.ok for check in report.checks.values()) and report.checks["monthly_reports"].target_rows == rows
    copy_store(sheet, PostgresStore(second_pg, local_dir=tmp_path / "local"), progress=lambda _: None)
    back = cli("copy", "--from", second_pg, "--to", f"sqlite:///{tmp_path}/back.sqlite", env=here)
    assert back.returncode == 0, back.stderr
    source, copy = SQLiteStore(demo_db).read_all(), SQLiteStore(tmp_path / "back.sqlite").read_all()
    for tab in source.schema.tables:
        assert source.all_versions(tab).drop(columns="row").equals(copy.all_versions(tab).drop(columns="row")), tab


def test_a_copy_that_does_not_match_the_source_is_reported(demo_db, postgres_cluster, tmp_path):
    """A row removed from the destination by hand (its save is still there, so the copy skips it): the check after
    the copy finds one row fewer and says which tab, instead of «done»."""
    import psycopg

    url, here = postgres_cluster.new_database(), {"DEBT_LOCAL_DIR": str(tmp_path)}
    assert cli("copy", "--from", f"sqlite:///{demo_db}", "--to", url, env=here).returncode == 0
    with psycopg.connect(url, autocommit=True) as con:
        con.execute("DELETE FROM debt_structure WHERE _seq = (SELECT max(_seq) FROM debt_structure)")
    again = cli("copy", "--from", f"sqlite:///{demo_db}", "--to", url, env=here)
    assert again.returncode != 0
    rows = SQLiteStore(demo_db).read_all().counts()["debt_structure"][1]
    assert f"«Структура задолженности»: строк в источнике {rows}, в получателе {rows - 1}" in again.stderr
    assert "Копия совпадает" not in again.stdout
