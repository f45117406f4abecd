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


# ---- backup and restore of what lives only on the server ------------------------------------------


def _audit_pair(n: int) -> list[dict]:
    return [{"event_id": f"b{n}-{i}", "entity": "проверка", "record_key": str(n), "action": "a"} for i in (1, 2)]


def test_backup_while_the_app_writes_is_a_consistent_copy_and_restore_brings_it_back(tmp_path, demo_db):
    import shutil
    import threading

    from lib.store.sqlite_store import SQLiteStore

    shutil.copy(demo_db, tmp_path / "d.sqlite")
    url, env = f"sqlite:///{tmp_path}/d.sqlite", {"DEBT_BACKUP_DIR": str(tmp_path / "копии")}
    live = SQLiteStore(tmp_path / "d.sqlite")
    before = len(live.read_all().all_versions("audit"))
    stop, saved = threading.Event(), []

    def app_saves():  # the app keeps saving two audit rows in one transaction while the copy is made
        n = 0
        while not stop.is_set():
            live.save({"audit": _audit_pair(n)}, "u@x")
            saved.append(n)
            n += 1

    writer = threading.Thread(target=app_saves)
    writer.start()
    try:
        while len(saved) < 3:
            threading.Event().wait(0.01)
        made = cli("backup", "--store", url, env=env)
    finally:
        stop.set()
        writer.join()
    assert made.returncode == 0, made.stderr
    folder = next((tmp_path / "копии").iterdir())
    assert "встроенная база SQLite" in made.stdout and str(folder) in made.stdout
    copy = SQLiteStore(folder / "store.sqlite").read_all().all_versions("audit")
    assert (len(copy) - before) % 2 == 0 and len(copy) > before  # whole saves only
    assert len(live.read_all().all_versions("audit")) > len(copy)  # the app went on after the copy
    restored = cli("restore", str(folder), "--store", url, env=env)
    assert restored.returncode == 0, restored.stderr
    assert len(SQLiteStore(tmp_path / "d.sqlite").read_all().all_versions("audit")) == len(copy)
    safety = [p for p in (tmp_path / "копии").iterdir() if p.name.endswith("перед-восстановлением")]
    assert len(safety) == 1 and str(safety[0]) in restored.stdout  # what was there before the restore is kept
    assert len(SQLiteStore(safety[0] / "store.sqlite").read_all().all_versions("audit")) == before + 2 * len(saved)


def test_the_secrets_file_of_a_sheets_server_is_backed_up_without_google_and_restored(tmp_path):
    from lib.store.server_secrets import ServerSecrets

    env = {"DEBT_SECRETS_FILE": str(tmp_path / "secrets.sqlite"), "DEBT_BACKUP_DIR": str(tmp_path / "копии"),
           "GOOGLE_APPLICATION_CREDENTIALS": ""}
    secrets = ServerSecrets(tmp_path / "secrets.sqlite")
    secrets.put_hashes([("c@x", "s-1", "$argon2id$hash")])
    key = secrets.signing_key()
    made = cli("backup", "--store", "gsheets://1AbCdEfGhIjKlMnOpQr", env=env)
    assert made.returncode == 0, made.stderr
    assert "файл секретов сервера" in made.stdout
    (tmp_path / "secrets.sqlite").unlink()  # the disk is lost
    folder = next((tmp_path / "копии").iterdir())
    restored = cli("restore", str(folder), "--store", "gsheets://1AbCdEfGhIjKlMnOpQr", env=env)
    assert restored.returncode == 0, restored.stderr
    back = ServerSecrets(tmp_path / "secrets.sqlite")
    assert back.signing_key() == key and back.hashes() == {("c@x", "s-1"): "$argon2id$hash"}
    (folder / "server-secrets.sqlite").write_bytes(b"broken")
    refused = cli("restore", str(folder), "--store", "gsheets://1AbCdEfGhIjKlMnOpQr", env=env)
    assert refused.returncode == 1 and "контрольная сумма" in refused.stderr
    assert ServerSecrets(tmp_path / "secrets.sqlite").signing_key() == key  # nothing changed


def test_check_warns_when_no_backup_is_newer_than_seven_days(tmp_path, demo_db, monkeypatch):
    import datetime as dt
    import shutil

    from lib.core import config as cfg
    from lib.store.backup import freshness_warning, make_backup

    shutil.copy(demo_db, tmp_path / "d.sqlite")
    url, env = f"sqlite:///{tmp_path}/d.sqlite", {"DEBT_BACKUP_DIR": str(tmp_path / "копии")}
    none = cli("check", "--store", url, env=env)
    assert none.returncode == 0 and "Резервных копий нет" in none.stdout
    monkeypatch.setenv("DEBT_BACKUP_DIR", str(tmp_path / "копии"))
    store, config = SQLiteStore(tmp_path / "d.sqlite"), cfg.resolve(env={"DEBT_STORE": url})
    now = dt.datetime(2024, 12, 27, 3, 0, tzinfo=dt.UTC)
    make_backup(store, config, now=now - dt.timedelta(days=8))
    assert "Последней резервной копии 8 дн. (сделана 19.12.2024" in freshness_warning(store, config, now=now)
    make_backup(store, config, now=now - dt.timedelta(days=6, hours=23))
    assert freshness_warning(store, config, now=now) is None
    assert "Последней резервной копии" in freshness_warning(store, config)  # those copies are old today
    assert cli("backup", "--store", url, env=env).returncode == 0
    assert freshness_warning(store, config) is None
