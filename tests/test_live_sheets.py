"""Against a real Google spreadsheet. Not collected by default (``-m 'not live'`` in pyproject);
run on purpose with ``pytest -m live``. It fails, never skips, when access is missing.

``DEBT_LIVE_SHEET`` is the key of a test spreadsheet shared with the service account as "Editor"
(it may already hold data from earlier runs: bootstrap must cope with that).
"""

from __future__ import annotations

import os
import uuid

import pytest

from lib.auth.access import command_line_user, write
from lib.core.config import resolve
from lib.store.factory import open_store
from lib.store.sheets_setup import drift
from tests.support.records import sample_record

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    key = os.environ.get("DEBT_LIVE_SHEET")
    assert key, "set DEBT_LIVE_SHEET to the key of a test spreadsheet shared with the service account"
    config = resolve()
    assert config.service_account or config.credentials_file, "set GOOGLE_APPLICATION_CREDENTIALS or [gcp_service_account]"
    secrets = os.environ.get("DEBT_SECRETS_FILE") or str(tmp_path_factory.mktemp("live") / "secrets.sqlite")
    config = type(config)(**{**config.__dict__, "secrets_file": secrets})
    return open_store(f"gsheets://{key}", config)


def test_bootstrap_on_a_sheet_that_already_has_data_keeps_it_and_is_idempotent(live):
    live.bootstrap()  # the sheet may hold rows from earlier runs, written by older versions too
    before = {t: len(live.read_all().all_versions(t)) for t in live.schema.tables}
    live.bootstrap()
    live.invalidate()
    after = live.read_all()
    assert {t: len(after.all_versions(t)) for t in live.schema.tables} == before
    assert live.bootstrap() == ["все листы, столбцы и защита уже на месте"]
    assert not drift(live), drift(live)
    assert live.metadata()["properties"]["locale"] == "ru_RU"


def test_round_trip_on_a_real_spreadsheet(live):
    record = dict(sample_record(live.schema["audit"]), event_id=f"live-{uuid.uuid4().hex[:8]}", record_key='=HYPERLINK("x")')
    receipt = live.save({"audit": [record]}, "live-test")
    live.invalidate()
    rows = live.read_all().all_versions("audit")
    mine = rows[rows.save_id == receipt.save_id]
    assert len(mine) == 1 and mine.iloc[0]["record_key"] == '=HYPERLINK("x")'


def test_the_apps_own_multi_tab_save_path_lands_atomically_and_is_read_back(live):
    meeting = f"live-{uuid.uuid4().hex[:8]}"
    receipt = write(live, command_line_user("live"), {"meetings": [{"meeting_id": meeting, "number": "1", "date": "2024-12-27"}]},
                    expect={"meetings": {(meeting,): None}})
    assert receipt.rows == {"meetings": 1, "audit": 1}
    live.invalidate()
    snap = live.read_all()
    assert snap.record("meetings", meeting_id=meeting)["number"] == "1"
    audit = snap.all_versions("audit")
    assert (audit["save_id"] == receipt.save_id).sum() == 1
    locks = live.read_all().current("locks")
    write(live, command_line_user("live"), {"locks": [{"quarter": "2099-Q1", "locked": True, "comment": "проверка"}]})
    live.invalidate()
    assert live.read_all().current("locks").set_index("quarter").loc["2099-Q1", "locked"] == True  # noqa: E712
    assert len(live.read_all().current("locks")) >= len(locks)


def test_google_keeps_the_owner_among_the_editors_and_bootstrap_leaves_protection_alone(live):
    from lib.store.sheets_setup import TAG, implicit_editors

    live.bootstrap()
    meta = live.metadata(refresh=True)
    ours = [p for s in meta["sheets"] for p in s.get("protectedRanges", []) if str(p.get("description", "")).startswith(TAG)]
    assert ours and all(live.account in p["editors"]["users"] for p in ours)
    implicit = implicit_editors(live, meta)
    assert all(set(p["editors"]["users"]) - {live.account} == implicit for p in ours)  # the owner, recorded once
    ids = sorted(p["protectedRangeId"] for p in ours)
    assert live.bootstrap() == ["все листы, столбцы и защита уже на месте"]
    again = live.metadata(refresh=True)
    assert sorted(p["protectedRangeId"] for s in again["sheets"] for p in s.get("protectedRanges", [])
                  if str(p.get("description", "")).startswith(TAG)) == ids  # not deleted and re-added
    assert not drift(live), drift(live)


def test_number_formats_hold_on_rows_appended_after_bootstrap(live):
    from lib.core.frames import column_letter, header_positions
    from lib.store.sheets_store import a1_tab

    live.bootstrap()
    table = live.schema["audit"]
    receipt = live.save({"audit": [dict(sample_record(table), event_id=f"live-{uuid.uuid4().hex[:8]}", record_key="007")]}, "live-test")
    live.invalidate()
    rows = live.read_all().all_versions("audit")
    row = int(rows[rows.save_id == receipt.save_id].iloc[0]["row"])
    title = live.titles()["audit"]
    header = live.http.values_get(live.key, f"{a1_tab(title)}!1:1")["values"][0]
    column = header_positions(table, header)["record_key"][0]
    answer = live.http.fetch_sheet_metadata(live.key, params={
        "includeGridData": "true", "ranges": f"{a1_tab(title)}!{column_letter(column)}{row}",
        "fields": "sheets.data.rowData.values(userEnteredFormat.numberFormat,formattedValue)"})
    cell = answer["sheets"][0]["data"][0]["rowData"][0]["values"][0]
    assert cell["userEnteredFormat"]["numberFormat"]["type"] == "TEXT" and cell["formattedValue"] == "007", (row, cell)


def test_a_value_typed_over_a_sealed_row_keeps_the_saved_one_and_is_listed(live):
    """Issue 24: «Печать» through real Google — the write's own answer carries the header (includeSpreadsheetInResponse
    + responseRanges, masked by ``fields``), the seal survives Google's round trip of the cells, and a cell changed
    afterwards (here by the service account, as a person would type it) is read as the sealed value and listed."""
    from lib.core.frames import column_letter
    from lib.store.sheets_store import a1_tab

    meeting = f"live-{uuid.uuid4().hex[:8]}"
    receipt = write(live, command_line_user("live"), {"meetings": [{"meeting_id": meeting, "number": "7", "date": "2024-12-27"}]})
    live.invalidate()
    snap = live.read_all()
    assert not [c for c in snap.changes if c.save_id == receipt.save_id]  # the seal matches what Google stored
    title = live.titles()["meetings"]
    values = live.http.values_get(live.key, a1_tab(title), params={"valueRenderOption": "UNFORMATTED_VALUE"})["values"]
    header = values[0]
    row = next(i for i, r in enumerate(values, 1) if receipt.save_id in r)
    column = header.index(live.schema["meetings"].column("number").title)
    cell = f"{a1_tab(title)}!{column_letter(column)}{row}"
    live.http.values_update(live.key, cell, params={"valueInputOption": "USER_ENTERED"}, body={"values": [["99"]]})
    snap = live.refresh()
    assert snap.record("meetings", meeting_id=meeting)["number"] == "7"
    assert [(c.field, c.was, c.now) for c in snap.open_changes() if c.save_id == receipt.save_id] == [("number", "7", "99")]


def test_the_drive_version_check_answers(live):
    assert live._file_version(), f"Drive files.get gave no version ({live._drive_off}): enable the Google Drive API"
