"""Behaviour specific to the Google Sheets adapter, through a real gspread client."""

from __future__ import annotations

import pytest
import requests

from lib.store.port import StoreError
from lib.store.sheets_store import SheetsStore
from tests.conftest import make_sheets_store, sheets_client
from tests.support.fake_sheets import FakeSheetsAPI
from tests.support.people import Person
from tests.support.records import sample_record


def methods(api: FakeSheetsAPI) -> list[str]:
    return [r["method"] for r in api.log]


def test_a_full_read_is_one_batchget_of_every_tab_as_google_stored_it(sheets_store, fake_api):
    fake_api.log.clear()
    sheets_store.invalidate()
    snap = sheets_store.read_all()
    assert methods(fake_api) == ["spreadsheets.values.batchGet"]
    assert len(fake_api.log[0]["query"]["ranges"]) == len(sheets_store.schema.tables)
    assert fake_api.log[0]["query"]["valueRenderOption"] == ["UNFORMATTED_VALUE"]
    assert fake_api.log[0]["query"]["dateTimeRenderOption"] == ["SERIAL_NUMBER"]  # dates unambiguous in any locale
    assert not snap.problems and not snap.setup


def test_a_save_is_one_fresh_read_and_one_atomic_append_and_needs_no_read_after(sheets_store, fake_api):
    from lib.auth.access import command_line_user, write

    table = sheets_store.schema["monthly_reports"]
    fake_api.clock.advance(60)  # the page's read is old: the save reads fresh first
    fake_api.log.clear()
    write(sheets_store, command_line_user("t"), {"monthly_reports": [sample_record(table)]})
    assert methods(fake_api) == ["spreadsheets.values.batchGet", "spreadsheets.batchUpdate"]
    ranges = fake_api.log[0]["query"]["ranges"]
    assert not any(r.endswith("!1:1") for r in ranges)  # everything older than the cache's 30 s: read whole, once
    (*requests,) = fake_api.log[1]["body"]["requests"]
    assert [set(r) for r in requests] == [{"appendCells"}, {"appendCells"}]  # the report and its audit row
    assert requests[0]["appendCells"]["fields"] == "userEnteredValue"
    fake_api.log.clear()
    assert len(sheets_store.read_all().current("monthly_reports")) == 1
    assert fake_api.requests_made() == 0  # what was read plus what was written is the new snapshot
    fake_api.clock.advance(60)
    fake_api.log.clear()
    sheets_store.save({"audit": [sample_record(sheets_store.schema["audit"])]}, "a@x")  # a plain save (a copy)
    assert all(r.endswith("!1:1") for r in fake_api.log[0]["query"]["ranges"])  # reads nothing but the headers


def test_a_save_across_tabs_is_one_batch_update(sheets_store, fake_api):
    sheets_store.read_all()
    fake_api.log.clear()
    sheets_store.save({"participants": [sample_record(sheets_store.schema["participants"])],
                       "audit": [sample_record(sheets_store.schema["audit"])]}, "a@x")
    assert methods(fake_api) == ["spreadsheets.batchUpdate"]  # the read a moment ago is fresh enough (2 s)
    assert [next(iter(r)) for r in fake_api.log[0]["body"]["requests"]] == ["appendCells", "appendCells"]


def test_saves_close_together_share_one_fresh_read_and_later_ones_read_again(fake_api):
    from lib.auth.access import User, write

    store = make_sheets_store(fake_api, write_freshness=2.0)
    store.save({"users": [{"login": "c@x", "name": "К", "role": "coordinator", "active": True}]}, "admin")
    coordinator = User("c@x", "К", "coordinator")
    store.read_all()  # the page was shown: every tab is in the cache, 10 s old when the save comes
    fake_api.clock.advance(10)
    fake_api.log.clear()
    for n in range(3):
        write(store, coordinator, {"meetings": [{"meeting_id": f"m{n}", "number": str(n), "date": "2024-12-27"}]})
    assert methods(fake_api).count("spreadsheets.values.batchGet") == 1
    assert methods(fake_api).count("spreadsheets.batchUpdate") == 3  # every save: one write, never more
    fresh = fake_api.log[0]["query"]["ranges"]
    full = [r for r in fresh if not r.endswith("!1:1")]
    titles = {store.schema[t].title for t in ("meetings", "users", "locks", "returns", "audit")}
    assert {r.strip("'") for r in full} == titles - {store.schema["audit"].title}  # the audit: its header only
    fake_api.clock.advance(3)
    fake_api.log.clear()
    write(store, coordinator, {"meetings": [{"meeting_id": "m9", "number": "9", "date": "2024-12-27"}]})
    assert methods(fake_api) == ["spreadsheets.values.batchGet", "spreadsheets.batchUpdate"]


def test_every_request_carries_an_explicit_timeout(fake_api):
    client = sheets_client(fake_api)
    store = SheetsStore(fake_api.create(), client, account_email=fake_api.service_account)
    store.bootstrap()
    store.read_all()
    assert client.http_client.session.timeouts and set(client.http_client.session.timeouts) == {(10, 60)}


def test_reads_are_cached_for_the_ttl(fake_api):
    store = make_sheets_store(fake_api, cache_ttl=30)
    store.read_all()
    fake_api.log.clear()
    store.read_all()
    assert fake_api.requests_made() == 0
    fake_api.clock.advance(31)
    store.read_all()
    assert fake_api.requests_made() == 1


def test_cells_typed_by_hand_are_parsed_leniently_and_problems_located(sheets_store, fake_api):
    table = sheets_store.schema["monthly_reports"]
    sheets_store.save({"participants": [dict(sample_record(sheets_store.schema["participants"]), id=i) for i in
                                        ("lptes", "lensk", "vitim")]}, "c@x")
    head = Person(fake_api, sheets_store.key, "head@lensk.ru")
    typed = {"Организация": "lptes", "Поселение": "lensk", "Отчётный месяц": "03.2024", "Группа потребителей": "Население",
             "Задолженность на начало месяца": "1 234,5", "Начислено": "100", "Оплачено": "90,25",
             "Получено по исполнительным производствам": "1", "Просроченная задолженность": "500"}
    head.type_record(table.title, typed)
    head.type_record(table.title, {**typed, "Поселение": "vitim", "Отчётный месяц": "март 2024",
                                   "Задолженность на начало месяца": "двести"}, row=4)  # a blank row 3 left between
    sheets_store.invalidate()
    snap = sheets_store.read_all()
    frame = snap.all_versions("monthly_reports")
    assert frame["debt_start"].iloc[0] == 1234.5 and frame["paid"].iloc[0] == 90.25
    assert frame["month"].tolist() == ["2024-03", "2024-03"]
    assert frame["debt_start"].isna().iloc[1]  # reported, never zeroed
    (problem,) = snap.problems
    assert (problem.tab, problem.row, problem.column, problem.value) == (table.title, 4, "Задолженность на начало месяца", "двести")
    assert [(n.row, n.counted) for n in snap.manual_rows()] == [(2, True), (4, True)]


def test_columns_reordered_by_a_person_are_respected_when_writing(sheets_store, fake_api):
    table = sheets_store.schema["participants"]
    owner = Person(fake_api, sheets_store.key)
    owner.move_column(table.title, "Код", len(table.columns))  # drag «Код» to the end
    owner.insert_column(table.title, 0)  # and an empty column in front of everything
    record = sample_record(table)
    sheets_store.save({"participants": [record]}, "c@x")
    raw = fake_api.rows(sheets_store.key, table.title)
    header = raw[0]
    assert raw[1][header.index("Код")] == record["id"] and raw[1][header.index("Наименование")] == record["name"]
    sheets_store.invalidate()
    assert sheets_store.read_all().current("participants")["name"].iloc[0] == record["name"]


def test_a_missing_tab_is_reported_not_a_crash(fake_api):
    store = make_sheets_store(fake_api, bootstrap=False)
    snap = store.read_all()
    assert snap.current("participants").empty
    assert any("bootstrap-sheet" in p.reason for p in snap.problems)
    with pytest.raises(StoreError, match="bootstrap-sheet"):
        store.save({"participants": [sample_record(store.schema["participants"])]}, "c@x")


def test_bootstrap_adds_missing_columns_keeps_data_and_is_idempotent(fake_api):
    key = fake_api.create()
    book = fake_api.spreadsheets[key]
    store = make_sheets_store(fake_api, key=key, bootstrap=False)
    table = store.schema["participants"]
    sheet = book.add_sheet(table.title)
    sheet.rows = [table.titles[:3], ["lensk", "Город Ленск", "поселение"]]  # an old, shorter layout
    with pytest.raises(StoreError, match="нет столбцов"):
        store.save({"participants": [sample_record(table)]}, "c@x")
    first = store.bootstrap()
    assert any("добавлены столбцы" in line for line in first)
    assert fake_api.rows(key, table.title)[0] == table.titles
    assert fake_api.rows(key, table.title)[1][:3] == ["lensk", "Город Ленск", "поселение"]
    assert all(s.frozen_rows == 1 for s in book.sheets)
    assert store.bootstrap() == ["все листы, столбцы и защита уже на месте"]
    assert len(book.sheets) == len(store.schema.tables)


def test_the_fake_only_answers_what_the_sheets_api_has(fake_api):
    key = fake_api.create()
    session = fake_api.session()
    base = f"https://sheets.googleapis.com/v4/spreadsheets/{key}"
    assert session.request("GET", f"{base}/values:export").status_code == 404
    assert session.request("DELETE", f"{base}").status_code == 404
    assert session.request("GET", f"{base}", params={"bogus": "1"}).status_code == 400
    bad_range = session.request("GET", f"{base}/values/Nope!A1")
    assert bad_range.status_code == 400 and "Unable to parse range" in bad_range.json()["error"]["message"]
    assert session.request("GET", "https://sheets.googleapis.com/v4/spreadsheets/unknown").status_code == 404


def test_factory_builds_a_bounded_retry_client_not_gspread_backoff(fake_api, tmp_path):
    from gspread.http_client import BackOffHTTPClient

    from lib.core.config import Config
    from lib.store.factory import open_store

    key = fake_api.create()
    config = Config(store_url=f"gsheets://{key}", secrets_file=str(tmp_path / "secrets.sqlite"),
                    service_account={"client_email": fake_api.service_account})
    store = open_store(f"gsheets://{key}", config, session=fake_api.session())
    assert not isinstance(store.http, BackOffHTTPClient)
    assert store.http.timeout == (10, 60)
    assert store.account == fake_api.service_account and store.secrets.path == tmp_path / "secrets.sqlite"
    store.bootstrap()
    assert store.read_all().current("participants").empty


def test_a_google_sheets_url_is_accepted_as_the_store_address():
    from lib.store.factory import sheet_key

    assert sheet_key("https://docs.google.com/spreadsheets/d/1AbC_dEf-123456789/edit#gid=0") == "1AbC_dEf-123456789"
    assert sheet_key("gsheets://1AbC_dEf-123456789") == "1AbC_dEf-123456789"


def test_timeout_from_the_network_is_transient():
    from lib.store.sheets_http import is_transient

    assert is_transient(requests.exceptions.ReadTimeout())
    assert is_transient(requests.exceptions.ConnectionError())
    assert not is_transient(ValueError())


def test_fake_api_isolated_per_test():
    assert FakeSheetsAPI().spreadsheets == {}
