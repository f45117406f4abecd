"""Against a real Google spreadsheet. Not collected by default (``-m 'not live'`` in pyproject);
run on purpose with ``pytest -m live``. It fails, never skips, when access is missing."""

from __future__ import annotations

import os

import pytest

from lib.config import resolve
from lib.store.factory import open_store
from tests.test_store_contract import sample_record

pytestmark = pytest.mark.live


def test_round_trip_on_a_real_spreadsheet():
    key = os.environ.get("DEBT_LIVE_SHEET")
    assert key, "set DEBT_LIVE_SHEET to the key of an empty test spreadsheet shared with the service account"
    config = resolve()
    assert config.service_account or config.credentials_file, "set GOOGLE_APPLICATION_CREDENTIALS or [gcp_service_account]"
    store = open_store(f"gsheets://{key}", config)
    store.bootstrap()
    record = dict(sample_record(store.schema["audit"]), event_id=f"live-{os.getpid()}", record_key='=HYPERLINK("x")')
    receipt = store.save({"audit": [record]}, "live-test")
    rows = store.read_all().all_versions("audit")
    mine = rows[rows.save_id == receipt.save_id]
    assert len(mine) == 1 and mine.iloc[0]["record_key"] == '=HYPERLINK("x")'
