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
