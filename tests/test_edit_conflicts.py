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

import pytest

from lib.auth.access import command_line_user, describe_change, write
from lib.core.config import PROJECT_ROOT
from lib.core.frames import frame_records
from lib.store.server_secrets import ServerSecrets
from lib.store.sqlite_store import SQLiteStore
from tests.conftest import make_sheets_store
from tests.support.apptest import open_page
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


@pytest.mark.server_processes
def test_six_processes_editing_one_record_on_sqlite_revert_nothing(tmp_path):
    store = SQLiteStore(tmp_path / "d.sqlite")
    seed(store)
    check_nothing_reverted(store, run_writers(f"sqlite:{tmp_path / 'd.sqlite'}"))


@pytest.mark.server_processes
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


# ---- two people, one decision: the coordinator edits it, the executor reports it done from an older page ----

ASSIGNMENT = "dec-2024-06-18-1"  # open, lptes responsible


def _app(login: str, page: str):
    return open_page(login, page)


def test_the_coordinators_edit_survives_the_executors_done_from_a_page_read_before(demo_store_url):
    store = SQLiteStore(demo_store_url[len("sqlite:///"):])
    executor = _app("lptes@lensk.demo", "pages/entry.py")  # the executor's page, read before the coordinator's edit
    assert executor.text_area(key=f"done-comment-{ASSIGNMENT}")

    coordinator = _app("coordinator@lensk.demo", "pages/commission.py")
    coordinator.session_state["commission_tab"] = "Решения и поручения"
    coordinator.run()
    coordinator.selectbox(key="edit_decision_id").set_value(ASSIGNMENT).run()
    form = f"edit_decision-{ASSIGNMENT}"
    coordinator.text_area(key=f"{form}:text").input("Представить график погашения с разбивкой по месяцам")
    coordinator.text_input(key=f"{form}:due").input("31.03.2025")
    next(b for b in coordinator.button if b.label == "Сохранить новую версию").click().run()
    assert any("сохранено новой версией" in s.value for s in coordinator.success), [e.value for e in coordinator.error]

    executor.text_area(key=f"done-comment-{ASSIGNMENT}").input("График представлен 20.12.2024")
    executor.button(key=f"FormSubmitter:done-{ASSIGNMENT}-Сообщить об исполнении").click().run()
    assert any("Поручение изменили после того, как вы открыли страницу" in e.value for e in executor.error)
    both = next(d.value for d in executor.dataframe if "Сохранено сейчас" in d.value.columns).set_index("Поле")
    assert both.loc["Текст решения", "Сохранено сейчас"] == "Представить график погашения с разбивкой по месяцам"
    assert both.loc["Срок", "Сохранено сейчас"] == "31.03.2025" and both.loc["Статус", "Ваше"] == "исполнено"
    assert store.read_all().record("decisions", decision_id=ASSIGNMENT)["status"] == "open"  # nothing written yet

    executor.button(key=f"done-{ASSIGNMENT}-keep-mine").click().run()
    assert any("Исполнение поручения отмечено" in s.value for s in executor.success), [e.value for e in executor.error]
    snap = store.read_all()
    now = snap.record("decisions", decision_id=ASSIGNMENT)
    # nothing reverted: the coordinator's text and due date, the executor's status, date and comment
    assert (now["text"], now["due_date"], now["status"], now["comment"]) == (
        "Представить график погашения с разбивкой по месяцам", dt.date(2025, 3, 31), "done", "График представлен 20.12.2024")
    audit = snap.all_versions("audit").query("entity == 'decisions' and record_key == @ASSIGNMENT")
    assert audit.action.tolist()[-2:] == ["изменение решения", "исполнение поручения"]
    assert audit.changes.iloc[-1].startswith("Статус: на исполнении → исполнено")  # «было» is the coordinator's version
    assert "Текст решения" not in audit.changes.iloc[-1] and "Срок:" not in audit.changes.iloc[-1]


@pytest.fixture(params=["sqlite", "gsheets", "postgresql"])
def demo_any(request, demo_db, tmp_path):
    from tests.support.demo_file import copy_demo_file

    if request.param == "sqlite":
        copy_demo_file(demo_db, tmp_path / "d.sqlite")
        return SQLiteStore(tmp_path / "d.sqlite")
    if request.param == "postgresql":
        return request.getfixturevalue("demo_postgres")
    return request.getfixturevalue("demo_sheets")[1]


def test_a_done_mark_based_on_an_older_version_writes_nothing_on_either_store(demo_any):
    """The same in lib on both stores: the executor's write carries the version it was based on."""
    from lib.auth.access import User
    from lib.domain import proceedings
    from lib.store.port import Conflict

    store, lptes = demo_any, User("lptes@lensk.demo", "ЛПТЭС", "executor", "lptes")
    seen = store.read_all()
    base = seen.current("decisions").set_index("decision_id").loc[ASSIGNMENT, "save_id"]
    changed = {**seen.record("decisions", decision_id=ASSIGNMENT), "text": "Новая формулировка", "due_date": dt.date(2025, 3, 31)}
    write(store, CLI, {"decisions": [changed]}, expect={"decisions": {(ASSIGNMENT,): base}})
    done = proceedings.done_record(seen, ASSIGNMENT, "Сделано", dt.date(2024, 12, 20))
    with pytest.raises(Conflict, match="изменена после того, как вы её открыли"):
        write(store, lptes, {"decisions": [done]}, expect={"decisions": {(ASSIGNMENT,): base}})
    assert store.read_all().record("decisions", decision_id=ASSIGNMENT)["text"] == "Новая формулировка"
