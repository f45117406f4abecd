"""Behaviour specific to the Google Sheets adapter, through a real gspread client."""

from __future__ import annotations

import pytest
import requests

from lib.store.port import StoreError
from lib.store.sheets_store import SheetsStore
from tests.conftest import make_sheets_store, sheets_client
from tests.support.fake_sheets import FakeSheetsAPI
from tests.test_store_contract import sample_record


def test_a_full_read_is_one_batchget_of_every_tab(sheets_store, fake_api):
    fake_api.log.clear()
    sheets_store.invalidate()
    snap = sheets_store.read_all()
    assert [r["method"] for r in fake_api.log] == ["spreadsheets.values.batchGet"]
    assert len(fake_api.log[0]["query"]["ranges"]) == len(sheets_store.schema.tables)
    assert fake_api.log[0]["query"]["valueRenderOption"] == ["UNFORMATTED_VALUE"]
    assert not snap.problems


def test_a_save_is_one_raw_insert_rows_append(sheets_store, fake_api):
    sheets_store.read_all()
    fake_api.log.clear()
    sheets_store.save({"monthly_reports": [sample_record(sheets_store.schema["monthly_reports"])]}, "a@x")
    assert [r["method"] for r in fake_api.log] == ["spreadsheets.values.append"]
    query = fake_api.log[0]["query"]
    assert query["valueInputOption"] == ["RAW"] and query["insertDataOption"] == ["INSERT_ROWS"]


def test_a_save_across_tabs_is_one_batch_update(sheets_store, fake_api):
    sheets_store.read_all()
    fake_api.log.clear()
    sheets_store.save({"participants": [sample_record(sheets_store.schema["participants"])],
                       "audit": [sample_record(sheets_store.schema["audit"])]}, "a@x")
    assert [r["method"] for r in fake_api.log] == ["spreadsheets.batchUpdate"]


def test_every_request_carries_an_explicit_timeout(fake_api):
    client = sheets_client(fake_api)
    store = SheetsStore(fake_api.create(), client)
    store.bootstrap()
    store.read_all()
    assert client.http_client.session.timeouts and set(client.http_client.session.timeouts) == {(10, 60)}


def test_reads_are_cached_for_the_ttl_and_dropped_after_a_save(fake_api):
    now = [0.0]
    store = make_sheets_store(fake_api, cache_ttl=30, clock=lambda: now[0])
    store.read_all()
    fake_api.log.clear()
    store.read_all()
    assert fake_api.requests_made() == 0
    now[0] = 31
    store.read_all()
    assert fake_api.requests_made() == 1
    store.save({"audit": [sample_record(store.schema["audit"])]}, "a@x")
    fake_api.log.clear()
    assert len(store.read_all().current("audit")) == 1
    assert fake_api.requests_made("spreadsheets.values.batchGet") == 1


def type_into_sheet(store: SheetsStore, title: str, rows: list[list]) -> None:
    """What a settlement head does: types rows straight into the Google Sheet."""
    store.http.values_append(store.key, f"'{title}'!A1", params={"valueInputOption": "USER_ENTERED",
                             "insertDataOption": "INSERT_ROWS"}, body={"values": rows})
    store.invalidate()


def test_cells_typed_by_hand_are_parsed_leniently_and_problems_located(sheets_store):
    title = sheets_store.schema["monthly_reports"].title
    stamp = ["2024-04-05T10:00:00+00:00", "head@x", "hand-1"]
    type_into_sheet(sheets_store, title, [
        ["lptes", "lensk", "03.2024", "Население", "1\xa0234,5", "100", "90,25", "1", "500", "", "", *stamp],
        [],
        ["lptes", "vitim", "март 2024", "население", "двести", "100", "90", "1", "500", "", "", *stamp],
    ])
    snap = sheets_store.read_all()
    frame = snap.all_versions("monthly_reports")
    assert frame["debt_start"].iloc[0] == 1234.5 and frame["paid"].iloc[0] == 90.25
    assert frame["month"].tolist() == ["2024-03", "2024-03"]
    assert frame["debt_start"].isna().iloc[1]  # reported, never zeroed
    (problem,) = snap.problems
    assert (problem.tab, problem.row, problem.column, problem.value) == (title, 4, "Задолженность на начало месяца", "двести")


def test_columns_reordered_by_a_person_are_respected_when_writing(fake_api):
    key = fake_api.create()
    client = sheets_client(fake_api)
    store = SheetsStore(key, client)
    store.bootstrap()
    table = store.schema["participants"]
    title = table.title
    # the coordinator drags the columns around: write the header back reversed
    client.http_client.values_update(key, f"'{title}'!A1", params={"valueInputOption": "RAW"},
                                     body={"values": [list(reversed(table.titles))]})
    store.invalidate()
    store._layouts.clear()
    record = sample_record(table)
    store.save({"participants": [record]}, "c@x")
    raw = fake_api.rows(key, title)
    assert raw[1][-1] == record["id"]  # "Код" is now the last column
    assert store.read_all().current("participants")["name"].iloc[0] == record["name"]


def test_a_missing_tab_is_reported_not_a_crash(fake_api):
    key = fake_api.create()
    store = SheetsStore(key, sheets_client(fake_api))
    snap = store.read_all()
    assert snap.current("participants").empty
    assert any("bootstrap-sheet" in p.reason for p in snap.problems)
    with pytest.raises(StoreError, match="bootstrap-sheet"):
        store.save({"participants": [sample_record(store.schema["participants"])]}, "c@x")


def test_bootstrap_adds_missing_columns_keeps_data_and_is_idempotent(fake_api):
    key = fake_api.create()
    client = sheets_client(fake_api)
    book = fake_api.spreadsheets[key]
    table = SheetsStore(key, client).schema["participants"]
    sheet = book.add_sheet(table.title)
    sheet.rows = [table.titles[:3], ["lensk", "Город Ленск", "поселение"]]  # an old, shorter layout
    store = SheetsStore(key, client)
    with pytest.raises(StoreError, match="нет столбцов"):
        store.save({"participants": [sample_record(table)]}, "c@x")
    first = store.bootstrap()
    assert any("добавлены столбцы" in line for line in first)
    assert fake_api.rows(key, table.title)[0] == table.titles
    assert fake_api.rows(key, table.title)[1][:3] == ["lensk", "Город Ленск", "поселение"]
    assert all(s.frozen_rows == 1 for s in book.sheets)
    assert store.bootstrap() == ["все листы и столбцы уже на месте"]
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


def test_a_bad_range_surfaces_as_a_clear_store_error(sheets_store):
    from gspread.exceptions import APIError

    with pytest.raises(APIError):
        sheets_store.http.values_get(sheets_store.key, "'Нет такого'!A:A")


def test_factory_builds_a_bounded_retry_client_not_gspread_backoff(fake_api):
    from gspread.http_client import BackOffHTTPClient

    from lib.config import Config
    from lib.store.factory import open_store

    key = fake_api.create()
    store = open_store(f"gsheets://{key}", Config(store_url=f"gsheets://{key}"), session=fake_api.session())
    assert not isinstance(store.http, BackOffHTTPClient)
    assert store.http.timeout == (10, 60)
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
