"""Issue 13, item 5: an edit is checked against the version it was based on, on both stores and across
server processes; nothing a person saved is silently reverted, and the audit's «было» is the version
that was actually replaced.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from itertools import pairwise

from lib.access import command_line_user, describe_change, write
from lib.config import PROJECT_ROOT
from lib.frames import frame_records
from lib.store.server_secrets import ServerSecrets
from lib.store.sqlite_store import SQLiteStore
from tests.conftest import make_sheets_store
from tests.support.fake_sheets import FakeSheetsAPI
from tests.support.fake_sheets_server import serve

CLI = command_line_user("test")
DECISION = "dec-test"
PROCESSES, EDITS = 6, 5


def seed(store) -> None:
    write(store, CLI, {"meetings": [{"meeting_id": "meet-1", "number": "1", "date": dt.date(2024, 12, 5)}],
                       "decisions": [{"decision_id": DECISION, "meeting_id": "meet-1", "text": "Представить график погашения",
                                      "responsible_id": "lptes", "due_date": dt.date(2025, 1, 31), "status": "open"}]})


def run_writers(spec: str) -> list[dict]:
    """Six server processes, started together, each making EDITS edits of the one decision."""
    procs = [subprocess.Popen([sys.executable, "-m", "tests.support.writers", spec, f"p{i}", str(EDITS), DECISION],
                              cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in range(PROCESSES)]
    saved = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-3000:]
        saved += [json.loads(line) for line in out.splitlines()]
    return saved


def check_nothing_reverted(store, saved: list[dict]) -> None:
    store.invalidate()
    snap = store.read_all()
    assert len(saved) == PROCESSES * EDITS
    # 0 reverted edits: every saved token is in the current comment, in the order the saves were made
    versions = snap.history("decisions", decision_id=DECISION)
    assert sorted(snap.record("decisions", decision_id=DECISION)["comment"].split()) == sorted(s["token"] for s in saved)
    # each save was based on the version right before it: no two saves on one version
    order = versions.save_id.tolist()
    for s in saved:
        assert order.index(s["base"]) == order.index(s["save_id"]) - 1, s
    # the audit's «было» of every save is the version it replaced
    table = snap.schema["decisions"]
    audit = snap.all_versions("audit").set_index("save_id")
    rows = frame_records(table, versions)
    for before, after in pairwise(rows):
        entry = audit.loc[after["save_id"]]
        assert entry["changes"] == describe_change(table, before, after), (entry["changes"], before["comment"])
        assert entry["changes"].startswith(f"Комментарий: {before['comment'] or '—'} → ")
    assert len(audit[audit.entity == "decisions"]) == len(rows)


def test_six_processes_editing_one_record_on_sqlite_revert_nothing(tmp_path):
    store = SQLiteStore(tmp_path / "d.sqlite")
    seed(store)
    check_nothing_reverted(store, run_writers(f"sqlite:{tmp_path / 'd.sqlite'}"))


def test_six_processes_editing_one_record_on_google_sheets_revert_nothing(tmp_path):
    """Six server processes of one server (one secrets file) on one spreadsheet: real processes, real gspread
    clients, the fake reached through tests/support/fake_sheets_server.py. Before: 48 of 60 edits reverted."""
    api = FakeSheetsAPI()
    secrets = tmp_path / "server-secrets.sqlite"
    store = make_sheets_store(api, secrets=ServerSecrets(secrets, "test-signing-key"))
    seed(store)
    with serve(api) as address:
        saved = run_writers(f"gsheets:{address}|{store.key}|{secrets}")
    check_nothing_reverted(store, saved)
