"""What is particular to the PostgreSQL store (the shared contract is tests/test_store_contract.py): reads after
the first fetch only what other processes appended and still equal a fresh read; rows changed in ``psql`` are
noticed; the typed copy is shared by the processes of one machine; a server that does not answer is a Russian
message without the password."""

from __future__ import annotations

import pandas as pd
import psycopg
import pytest

from lib.store.port import StoreError, StoreUnavailable
from lib.store.postgres_store import PostgresStore
from tests.support.records import sample_record


def same_as_fresh(app: PostgresStore, tmp_path) -> None:
    mine, fresh = app.read_all(), PostgresStore(app.url, local_dir=tmp_path / "fresh").read_all()
    for tab in app.schema.tables:
        pd.testing.assert_frame_equal(mine.all_versions(tab), fresh.all_versions(tab), check_dtype=False)
    assert [str(p) for p in mine.problems] == [str(p) for p in fresh.problems]
    assert mine.notes == fresh.notes


def test_reads_only_what_others_appended_yet_equals_a_fresh_read(postgres_store, tmp_path):
    from lib.demo import load_demo

    app = postgres_store
    table = app.schema["monthly_reports"]
    with psycopg.connect(app.url) as con:  # the app's role is no superuser: owner of its database, nothing more
        assert con.execute("SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user"
                           ).fetchone() == (False, False, False)
    same_as_fresh(app, tmp_path)
    app.save({"monthly_reports": [sample_record(table)]}, "a@x")
    first = app.read_all()
    assert app.read_all() is first  # nothing changed: the same snapshot, after asking the server one row
    other = PostgresStore(app.url, local_dir=tmp_path / "other")  # another process saves
    other.save({"monthly_reports": [dict(sample_record(table), paid=1.5)]}, "b@x")
    assert app.read_all().current("monthly_reports")["paid"].tolist() == [1.5]
    same_as_fresh(app, tmp_path)
    load_demo(other, replace=True)  # another process resets the store: rows removed, numbering restarted
    same_as_fresh(app, tmp_path)
    assert len(app.read_all().current("participants")) == 27


def test_rows_changed_or_typed_in_psql_are_noticed(demo_postgres, tmp_path):
    """An administrator's UPDATE in psql (counted by the tabs' triggers) means a full read; a row INSERTed by hand,
    without a save id, is read as typed by hand («введено вручную»)."""
    app = demo_postgres
    before = app.read_all()
    row = before.all_versions("meetings").iloc[0]
    with psycopg.connect(app.url, autocommit=True) as con:
        con.execute("UPDATE meetings SET number = 'правка' WHERE save_id = %s", (row.save_id,))
        con.execute("INSERT INTO meetings (meeting_id, number, date) VALUES ('m-hand', '99', '2024-12-30')")
    after = app.read_all()
    assert "правка" in after.all_versions("meetings").number.tolist()
    assert [n.kind for n in after.manual_rows()] == ["manual"] and "m-hand" in after.current("meetings").meeting_id.tolist()
    same_as_fresh(app, tmp_path)


def test_a_second_process_of_the_machine_starts_from_the_typed_copy(demo_postgres, tmp_path):
    app = demo_postgres
    app.read_all()
    app.typed_copy.wait(60)
    table = app.schema["audit"]
    PostgresStore(app.url, local_dir=tmp_path / "elsewhere").save({"audit": [sample_record(table)]}, "b@x")  # appended since
    second = PostgresStore(app.url, local_dir=app.local_dir)
    snapshot = second.read_all()
    assert "monthly_reports" in second.typed_copy.loaded
    assert len(snapshot.all_versions("audit")) == len(app.read_all().all_versions("audit"))
    same_as_fresh(second, tmp_path)


def test_a_server_that_does_not_answer_is_a_russian_message_without_the_password(postgres_cluster, tmp_path):
    with pytest.raises(StoreUnavailable) as err:
        PostgresStore(f"postgresql://debt_app:very-secret@127.0.0.1:{postgres_cluster.port}/no_such_base",
                      local_dir=tmp_path)
    assert "Сервер PostgreSQL не отвечает или отказал во входе" in str(err.value)
    assert "very-secret" not in str(err.value) and "debt_app:***@" in str(err.value)


def test_an_existing_database_with_a_schema_for_the_app_and_the_rights_docs_ask_for(postgres_cluster, tmp_path):
    """docs/postgresql.md, «Существующий сервер»: a database the app does not own, a schema it owns, CONNECT — no
    more. The app creates its tables there on the first start and works; a second start changes nothing."""
    name = f"region_{tmp_path.name[-12:].replace('-', '_')}"
    postgres_cluster.admin(f'CREATE DATABASE "{name}"')  # owned by the administrator, not by the app
    for sql in ("CREATE SCHEMA debt AUTHORIZATION debt_app", f'REVOKE ALL ON DATABASE "{name}" FROM PUBLIC',
                f'GRANT CONNECT ON DATABASE "{name}" TO debt_app'):
        postgres_cluster.admin(sql, database=name)
    url = postgres_cluster.url(name) + "?options=-csearch_path%3Ddebt"
    store = PostgresStore(url, local_dir=tmp_path)
    store.save({"participants": [sample_record(store.schema["participants"])]}, "c@x")
    again = PostgresStore(url, local_dir=tmp_path / "again")
    assert len(again.read_all().current("participants")) == 1
    tables = postgres_cluster.admin("SELECT schemaname, count(*) FROM pg_tables WHERE tableowner = 'debt_app' GROUP BY 1",
                                    database=name)
    assert tables == [("debt", len(store.schema.tables) + 1)]  # every tab and the change stamp, in its own schema


def test_a_quarter_closed_by_another_process_refuses_a_save_decided_there(demo_postgres, tmp_path):
    """Process A has read the district (and caches it); process B closes the fourth quarter; A's save of a December
    report is decided on the server's state under the write lock, so it is refused and nothing is written."""
    from lib.auth.access import Denied, User, write

    a = demo_postgres
    b = PostgresStore(a.url, local_dir=tmp_path / "b")
    lptes = User("lptes@lensk.demo", "Исполнитель ЛПТЭС", "executor", "lptes")
    coordinator = User("coordinator@lensk.demo", "Беляев И.А.", "coordinator", "upr")
    report = {"participant_id": "lptes", "settlement_id": "lensk", "month": "2024-12", "consumer_group": "population",
              "debt_start": 100.0, "accrued": 50.0, "paid": 40.0, "recovered_enforcement": 1.0, "overdue": 60.0}
    before = len(a.read_all().all_versions("monthly_reports"))
    write(b, coordinator, {"locks": [{"quarter": "2024-Q4", "locked": True, "comment": "Отчёт направлен"}]})
    with pytest.raises(Denied, match="закрыт"):
        write(a, lptes, {"monthly_reports": [report]})
    assert len(b.read_all().all_versions("monthly_reports")) == before


def test_a_role_without_the_rights_is_told_which_rights_it_needs(postgres_cluster, tmp_path):
    name = f"norights_{tmp_path.name[-12:].replace('-', '_')}"
    postgres_cluster.admin(f'CREATE DATABASE "{name}"')  # the app's role may connect, but owns nothing there
    with pytest.raises(StoreError) as err:
        PostgresStore(postgres_cluster.url(name), local_dir=tmp_path)
    assert "Не удалось подготовить таблицы на сервере PostgreSQL" in str(err.value)
    assert "«Какие права нужны роли»" in str(err.value)
