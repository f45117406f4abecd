"""The cost of a save: ``lib.auth.access`` looks up only the records a save names, not the whole tab, and decides
exactly as it did when it turned every current record of the tab into a dict.

The store is a real SQLite file: the demo district plus two thousand monthly reports, corrections (a key
with several versions), a correction removed from the file with the ``sqlite3`` shell (the earlier version
is current again), a row typed into the file by hand and a key padded with spaces. Every save below is
decided twice on the same snapshot — with the lookup before this change (``whole_tab``) and with the
lookup as it is — and the outcomes must be the same: the same refusal with the same words, or the same
rows and the same audit «было → стало».
"""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from lib.auth import access
from lib.auth.access import Conflict, Denied, NothingChanged, User, command_line_user, write
from lib.core.frames import frame_records
from lib.store.sqlite_store import SQLiteStore
from tests.support.demo_file import copy_demo_file

CLI = command_line_user("test")
LPTES = User("lptes@lensk.demo", "Исполнитель ЛПТЭС", "executor", "lptes")
PAIRS = [("esk", "yaroslavsky"), ("esk", "bechencha"), ("tes", "vitim"), ("lptes", "lensk"), ("tsk", "tolon"),
         ("ves", "peleduy"), ("yakutskenergo", "nyuya"), ("lpzhkh", "lensk"), ("yakutskenergo", "natora"), ("tsk", "saldykel"),
         ("esk", "murbay")]
MONTHS = [f"{y}-{m:02d}" for y in range(2014, 2023) for m in range(1, 13)]  # before the demo's own months
CORRECTED = ("lptes", "lensk", "2020-06", "population")  # three versions
UNDONE = ("tes", "vitim", "2021-03", "other")  # corrected twice, the last correction deleted from the file: the one before is current
BY_HAND = ("ves", "peleduy", "2013-12", "population")  # a row typed into the file, never saved by the app
MISSING = ("esk", "murbay", "2013-11", "population")  # no such record


def whole_tab(snapshot, table, keys=None):
    """The lookup before this change: every current record of the tab as a dict, by key (``keys`` ignored)."""
    rows = frame_records(table, snapshot.current(table.key))
    return {access._key_of(table, r): r for r in rows}


def report(key, **values):
    participant, settlement, month, group = key
    row = {"participant_id": participant, "settlement_id": settlement, "month": month, "consumer_group": group,
           "debt_start": 100.0, "accrued": 50.0, "paid": 40.0, "recovered_enforcement": 1.0, "overdue": 60.0}
    return {**row, **values}


@pytest.fixture(scope="module")
def large(demo_db, tmp_path_factory):
    """The demo district with a monthly-reports tab of ≈ 3 500 records and every kind of history."""
    path = tmp_path_factory.mktemp("lookup") / "large.sqlite"
    copy_demo_file(demo_db, path)
    store = SQLiteStore(path)
    rows = [report((p, s, month, group), paid=float(i % 97))
            for i, (month, (p, s), group) in enumerate((m, ps, g) for m in MONTHS for ps in PAIRS for g in ("population", "other"))]
    store.save({"monthly_reports": rows}, "bench@test")
    store.save({"monthly_reports": [report(CORRECTED, paid=41.0), report(UNDONE, paid=77.0)]}, "bench@test")
    store.save({"monthly_reports": [report(CORRECTED, paid=42.5)]}, "bench@test")
    store.save({"monthly_reports": [report(UNDONE, paid=78.0)]}, "bench@test")
    with sqlite3.connect(path) as db:  # a person removes the last correction of UNDONE and types a row
        db.execute("DELETE FROM monthly_reports WHERE participant_id = 'tes' AND month = '2021-03' AND consumer_group = 'прочие потребители' "
                   "AND paid = 78.0")
        db.execute("INSERT INTO monthly_reports (participant_id, settlement_id, month, consumer_group, debt_start, accrued, paid, "
                   "recovered_enforcement, overdue) VALUES ('ves', 'peleduy', '2013-12', 'население', 10, 5, 4, 0, 6)")
    store = SQLiteStore(path)
    snapshot = store.read_all()
    assert len(snapshot.current("monthly_reports")) > 3000
    assert len(snapshot.history("monthly_reports", **dict(zip(("participant_id", "settlement_id", "month", "consumer_group"), CORRECTED)))) == 3
    assert len(snapshot.history("monthly_reports", **dict(zip(("participant_id", "settlement_id", "month", "consumer_group"), UNDONE)))) == 2
    return store, snapshot


def save_ids(snapshot, key):
    history = snapshot.history("monthly_reports", **dict(zip(("participant_id", "settlement_id", "month", "consumer_group"), key)))
    return history["save_id"].tolist()


class Decided(Exception):
    def __init__(self, rows):
        super().__init__("decided")
        self.rows = rows


def decide(store, snapshot, user, changes, expect):
    """What ``access.write`` decides on ``snapshot``: the rows it would write, or the refusal (nothing is written)."""

    def transact(login, build, *, tabs=None):
        raise Decided(build(snapshot))

    store.transact = transact
    try:
        write(store, user, changes, expect=expect)
    except Decided as done:
        return {tab: [{k: v for k, v in r.items() if k != "event_id"} for r in rows] for tab, rows in done.rows.items()}
    except (Conflict, Denied, NothingChanged) as err:
        return (type(err).__name__, str(err), getattr(err, "current", None))
    finally:
        del store.transact
    raise AssertionError("write returned without deciding")


def decision_of(snapshot, **changes):
    current = snapshot.record("decisions", decision_id=sorted(snapshot.current("decisions").query("responsible_id == 'lptes'").decision_id)[0])
    return {"decisions": [{**current, **changes}]}


def saves(snapshot):
    """Saves touching one or two records of the large tab, each with the expectation a page would send."""
    mr = "monthly_reports"
    corrected, undone = save_ids(snapshot, CORRECTED), save_ids(snapshot, UNDONE)
    first_decision = decision_of(snapshot)["decisions"][0]
    decision_key = (first_decision["decision_id"],)
    decision_base = snapshot.current("decisions").query("decision_id == @decision_key[0]").save_id.iloc[0]
    return {
        "correction on the current version": (CLI, {mr: [report(CORRECTED, paid=43.0)]}, {mr: {CORRECTED: corrected[-1]}}),
        "correction on a superseded version": (CLI, {mr: [report(CORRECTED, paid=43.0)]}, {mr: {CORRECTED: corrected[0]}}),
        "new record where one exists": (CLI, {mr: [report(CORRECTED)]}, {mr: {CORRECTED: None}}),
        "new record": (CLI, {mr: [report(MISSING)]}, {mr: {MISSING: None}}),
        "expected a record that does not exist": (CLI, {mr: [report(MISSING)]}, {mr: {MISSING: corrected[0]}}),
        "correction after the later one was deleted": (CLI, {mr: [report(UNDONE, paid=79.0)]}, {mr: {UNDONE: undone[-1]}}),
        "correction on the deleted version": (CLI, {mr: [report(UNDONE, paid=79.0)]}, {mr: {UNDONE: "no-such-save"}}),
        "row typed by hand corrected": (CLI, {mr: [report(BY_HAND, paid=4.5, debt_start=10, accrued=5, recovered_enforcement=0, overdue=6)]},
                                        None),
        "unchanged record": (CLI, {mr: [report(CORRECTED, paid=42.5)]}, None),
        "two records, one new": (CLI, {mr: [report(CORRECTED, paid=1.0), report(("esk", "murbay", "2013-10", "other"))]}, None),
        "own report, participant typed with spaces": (LPTES, {mr: [report((" lptes ", "lensk", "2016-02", "other"), paid=12.25)]}, None),
        "executor changes what they may": (LPTES, decision_of(snapshot, status="done", done_date=dt.date(2025, 1, 10)),
                                           {"decisions": {decision_key: decision_base}}),
        "executor changes the wording": (LPTES, decision_of(snapshot, text="Другой текст"), None),
        "executor creates a decision": (LPTES, {"decisions": [{**first_decision, "decision_id": "dec-new"}]}, None),
        "expectation with a wrong-length key": (CLI, {mr: [report(CORRECTED, paid=44.0)]}, {mr: {("lptes", "lensk"): None}}),
    }


def test_a_save_of_one_record_decides_as_the_whole_tab_did(large, monkeypatch):
    store, snapshot = large
    cases = saves(snapshot)
    now = {name: decide(store, snapshot, *case) for name, case in cases.items()}
    monkeypatch.setattr(access, "_current_by_key", whole_tab)
    before = {name: decide(store, snapshot, *case) for name, case in cases.items()}
    for name in cases:
        assert now[name] == before[name], name
    # the cases are what their names say (so the comparison covers each kind of decision)
    assert now["correction on the current version"]["audit"][0]["changes"] == "Оплачено: 42,5 → 43"
    assert now["correction on a superseded version"][0] == "Conflict"
    assert now["new record where one exists"][0] == "Conflict"
    assert now["new record"]["audit"][0]["action"] == "создание"
    assert now["expected a record that does not exist"][0] == "Conflict"
    assert now["correction after the later one was deleted"]["audit"][0]["changes"] == "Оплачено: 77 → 79"
    assert now["correction on the deleted version"][0] == "Conflict"
    assert now["row typed by hand corrected"]["audit"][0]["changes"] == "Оплачено: 4 → 4,5"
    assert now["unchanged record"][0] == "NothingChanged"
    assert [a["action"] for a in now["two records, one new"]["audit"]] == ["исправление", "создание"]
    assert now["own report, participant typed with spaces"]["monthly_reports"][0]["participant_id"] == "lptes"
    assert now["executor changes what they may"]["audit"][0]["action"] == "исправление"
    assert now["executor changes the wording"][0] == "Denied"
    assert now["executor creates a decision"][0] == "Denied"
    assert "audit" in now["expectation with a wrong-length key"]  # a key that names no record is not there: nothing to conflict with


def test_the_lookup_gives_each_key_what_the_whole_tab_gives(large):
    _, snapshot = large
    table = snapshot.schema["monthly_reports"]
    everything = whole_tab(snapshot, table)
    probes = [CORRECTED, UNDONE, BY_HAND, MISSING, (" lptes ", "lensk", "2016-02", "other"), ("lptes", None, "2016-02", "other"),
              ("lptes", "lensk"), ("lptes", "lensk", "2016-02", "other")]
    for key in probes:
        assert access._current_by_key(snapshot, table, [key]) == ({key: everything[key]} if key in everything else {}), key
    assert access._current_by_key(snapshot, table, probes) == {k: everything[k] for k in probes if k in everything}
    assert access._current_by_key(snapshot, table, []) == {}
    assert access._current_by_key(snapshot, table) == everything


def test_a_save_of_one_record_reads_only_that_record(large, monkeypatch):
    store, snapshot = large
    turned = []
    real = access.frame_records

    def counting(table, frame, *args, **kwargs):
        if table.key == "monthly_reports":
            turned.append(len(frame))
        return real(table, frame, *args, **kwargs)

    monkeypatch.setattr(access, "frame_records", counting)
    outcome = decide(store, snapshot, *saves(snapshot)["correction on the current version"])
    assert "audit" in outcome
    assert turned and max(turned) == 1, turned  # not the tab's 3 500 records, every time it is asked
