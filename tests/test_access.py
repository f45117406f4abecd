"""Who may write what, enforced in lib/: every role against every kind of write (table-driven).
Allowed writes land with an audit entry; refused ones raise ``Denied`` and write nothing."""

from __future__ import annotations

import re

import pytest

from lib.auth.access import Denied, User, audit_for, write
from lib.store.port import ValidationError
from lib.store.sqlite_store import SQLiteStore
from tests.support.demo_file import copy_demo_file

COORDINATOR = User("coordinator@lensk.demo", "Беляев И.А.", "coordinator", "upr")
COMMISSION = User("commission@lensk.demo", "Член комиссии", "commission")
LPTES = User("lptes@lensk.demo", "Исполнитель ЛПТЭС", "executor", "lptes")
NYUYA = User("nyuya@lensk.demo", "Глава наслега", "executor", "nyuya")
DISABLED = User("tsk@lensk.demo", "Отключённый", "executor", "tsk", active=False)
USERS = {"coordinator": COORDINATOR, "commission": COMMISSION, "lptes": LPTES, "nyuya": NYUYA, "disabled": DISABLED}


@pytest.fixture
def store(demo_db, tmp_path):
    copy_demo_file(demo_db, tmp_path / "d.sqlite")
    return SQLiteStore(tmp_path / "d.sqlite")


def report(participant="lptes", month="2024-12", **changes):
    row = {"participant_id": participant, "settlement_id": "lensk", "month": month, "consumer_group": "population",
           "debt_start": 100.0, "accrued": 50.0, "paid": 40.0, "recovered_enforcement": 1.0, "overdue": 60.0}
    return {"monthly_reports": [{**row, **changes}]}


def decision(snapshot, **changes):
    row = snapshot.current("decisions")
    current = row[row.responsible_id == "lptes"].sort_values("decision_id").iloc[0].to_dict()
    keep = {k: current[k] for k in ("decision_id", "meeting_id", "text", "responsible_id", "status", "comment")}
    keep["due_date"] = current["due_date"].date()
    keep["done_date"] = None if current["done_date"] != current["done_date"] else current["done_date"].date()
    if keep["comment"] != keep["comment"]:
        keep["comment"] = None
    return {"decisions": [{**keep, **changes}]}


WRITES = {
    "own monthly report": lambda s: report(),
    "own report, id with spaces": lambda s: report(participant=" lptes "),
    "another utility's report": lambda s: report(participant="tes"),
    "report in a closed quarter": lambda s: report(month="2024-03"),
    "report in a closed quarter, typed 03.2024": lambda s: report(month="03.2024"),
    "own plan progress": lambda s: {"plan_progress": [{"measure_id": "2023/2024-3", "participant_id": "lptes",
                                                       "period": "2024-Q4", "status": "done"}]},
    "settlement plan progress": lambda s: {"plan_progress": [{"measure_id": "2023/2024-4", "participant_id": "nyuya",
                                                              "period": "2024-Q4", "status": "in_progress"}]},
    "plan measure": lambda s: {"plan": [{"measure_id": "2023/2024-99", "plan_id": "2023/2024", "measure": "Новое"}]},
    "participant": lambda s: {"participants": [{"id": "new", "name": "ООО «Новая»", "kind": "utility"}]},
    "user": lambda s: {"users": [{"login": "x@x", "name": "Икс", "role": "coordinator"}]},
    "audit entry": lambda s: {"audit": [{"event_id": "forged", "entity": "plan", "record_key": "1", "action": "подлог"}]},
    "close a quarter": lambda s: {"locks": [{"quarter": "2024-Q4", "locked": True}]},
    "own assignment reported done": lambda s: decision(s, status="done", comment="Исполнено, письмо № 12"),
    "own assignment with its wording changed": lambda s: decision(s, text="Иной текст"),
    "settings": lambda s: {"settings": [{"key": "report_due_day", "value": "15"}]},
}

ALLOWED = {
    "coordinator": set(WRITES) - {"audit entry"},
    "commission": set(),
    "lptes": {"own monthly report", "own report, id with spaces", "own plan progress", "own assignment reported done"},
    "nyuya": {"settlement plan progress"},
    "disabled": set(),
}


@pytest.mark.parametrize("who", list(USERS))
@pytest.mark.parametrize("what", list(WRITES))
def test_role_against_write(store, who, what):
    snapshot = store.read_all()
    changes = WRITES[what](snapshot)
    before = {tab: len(snapshot.all_versions(tab)) for tab in [*changes, "audit"]}
    if what in ALLOWED[who]:
        receipt = write(store, USERS[who], changes)
        after = store.read_all()
        for tab, records in changes.items():
            assert len(after.all_versions(tab)) == before[tab] + len(records)
        audit = after.all_versions("audit")
        assert len(audit) == before["audit"] + sum(len(r) for r in changes.values())
        assert (audit[audit.save_id == receipt.save_id].saved_by == USERS[who].login).all()
    else:
        with pytest.raises(Denied) as err:
            write(store, USERS[who], changes)
        assert any("а" <= ch <= "я" for ch in str(err.value))  # a Russian reason
        after = store.read_all()
        for tab in before:
            assert len(after.all_versions(tab)) == before[tab], f"{tab} was written"


def test_a_closed_quarter_names_the_lock(store):
    with pytest.raises(Denied, match=re.escape("(закрыл координатор Беляев И.А.")):
        write(store, LPTES, report(month="2024-03"))


def test_the_coordinator_may_correct_a_closed_quarter_and_it_is_audited(store):
    write(store, COORDINATOR, report(month="2024-03"))
    audit = store.read_all().all_versions("audit")
    assert audit.iloc[-1]["record_key"] == "lptes · lensk · 2024-03 · population"


def test_audit_records_old_and_new_values_of_a_correction(store):
    write(store, LPTES, report(paid=40.0))
    write(store, LPTES, report(paid=45.5))
    snapshot = store.read_all()
    entries = audit_for(snapshot, "monthly_reports", {"participant_id": "lptes", "settlement_id": "lensk",
                                                      "month": "2024-12", "consumer_group": "population"})
    assert entries["action"].tolist()[-2:] == ["исправление", "исправление"]
    assert entries["changes"].iloc[-1] == "Оплачено: 40 → 45,5"  # thousand rubles as the form shows them, not «40,000»
    assert entries["saved_by"].iloc[-1] == "lptes@lensk.demo"


def test_unlocking_is_audited(store):
    write(store, COORDINATOR, {"locks": [{"quarter": "2024-Q3", "locked": False, "comment": "исправление по запросу МЖКХ"}]},
          action="снятие блокировки")
    entry = store.read_all().all_versions("audit").iloc[-1]
    assert entry["action"] == "снятие блокировки"
    assert entry["changes"] == "Закрыт: да → нет; Основание: Отчёт направлен в МЖКХ РС(Я) → исправление по запросу МЖКХ"
    write(store, LPTES, report(month="2024-09"))  # the quarter is open again


def test_bad_values_are_refused_before_permissions_and_write_nothing(store):
    before = len(store.read_all().all_versions("monthly_reports"))
    with pytest.raises(ValidationError, match="«Оплачено»"):
        write(store, LPTES, report(paid="сорок"))
    assert len(store.read_all().all_versions("monthly_reports")) == before


def test_password_hashes_never_reach_the_audit(store):
    from lib.auth.passwords import hash_password

    write(store, COORDINATOR, {"users": [{"login": "n@x", "name": "Н", "role": "commission", "password_hash": hash_password("очень-секретный")}]})
    entry = store.read_all().all_versions("audit").iloc[-1]["changes"]
    assert "argon2" not in entry and "Хеш пароля: задан" in entry


FORMULAS = ['=HYPERLINK("http://evil.example","нажми")', "+1", "@SUM(A1:A9)", "-1+2", "=1+1"]


@pytest.mark.parametrize("kind", ["sqlite", "gsheets", "postgresql"])
def test_formula_looking_text_stays_literal_through_the_app_write_path(kind, demo_db, tmp_path, fake_api, request):
    from lib.store.copying import copy_store
    from tests.conftest import make_sheets_store

    copy_demo_file(demo_db, tmp_path / "d.sqlite")
    target = SQLiteStore(tmp_path / "d.sqlite")
    if kind == "gsheets":
        sheet = make_sheets_store(fake_api)
        copy_store(target, sheet, progress=lambda _: None)
        target = sheet
    if kind == "postgresql":
        target = request.getfixturevalue("demo_postgres")
    snapshot = target.read_all()
    slots = [("2023/2024-3", "2024-10"), ("2023/2024-3", "2024-11"), ("2023/2024-3", "2024-12"),
             ("2023/2024-5", "2024-10"), ("2023/2024-5", "2024-11")]  # open (fourth) quarter
    for (measure, period), text in zip(slots, FORMULAS):
        write(target, LPTES, decision(target.read_all(), comment=text, status="done"))
        write(target, LPTES, {"plan_progress": [{"measure_id": measure, "participant_id": "lptes",
                                                 "period": period, "status": "done", "done_text": text}]})
    after = target.read_all()
    progress = after.current("plan_progress").set_index(["measure_id", "period"])
    assert [progress.loc[slot, "done_text"] for slot in slots] == FORMULAS
    assert after.current("decisions").set_index("decision_id").loc[decision(after)["decisions"][0]["decision_id"], "comment"] == FORMULAS[-1]
    assert len(after.all_versions("audit")) > len(snapshot.all_versions("audit"))
    if kind == "gsheets":
        raw = fake_api.rows(target.key, target.schema["plan_progress"].title)
        assert [r[5] for r in raw[-5:]] == FORMULAS  # stored as plain strings, not formulas
        assert all(type(r[5]) is str for r in raw[-5:])
    if kind == "postgresql":
        with target._connection() as con:  # a text column: the server holds the very characters typed
            raw = con.execute('SELECT done_text FROM plan_progress ORDER BY _seq DESC LIMIT 5').fetchall()
        assert [r[0] for r in reversed(raw)] == FORMULAS
