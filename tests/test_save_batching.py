"""Saves of different sessions of one server process, arriving together, go to Google as one (issue 16, item 5):
one fresh read and one ``spreadsheets:batchUpdate`` for the batch, each save decided in turn on that read with
the earlier saves of the batch applied, a save refused by its own checks alone, a failed write failing every
save of the batch with nothing half-written.

Real adapter, real gspread client, the in-process Sheets API with the demo district; sessions are threads of
this process (as Streamlit runs them), the batch's gathering window is wall time (``save_window``), freshness
and Google's delays are the fake's clock.
"""

from __future__ import annotations

import random
import threading
import time

import pytest

from lib.auth.access import Denied, NothingChanged, User, command_line_user, write
from lib.store.port import Conflict, StoreUnavailable
from tests.conftest import fake_policy, make_sheets_store
from tests.support.fake_sheets import Faults

CLI = command_line_user("test")
TAB = "monthly_reports"
WRITE = frozenset({"spreadsheets.batchUpdate"})
WINDOW = 1.5  # wall seconds: every session of a test is queued well within it, even on a loaded machine


@pytest.fixture
def sheet(demo_sheets):
    api, store = demo_sheets
    store.save_window = WINDOW
    store.read_all()
    return api, store


def records(store, n: int, participant: str | None = None) -> list[dict]:
    """n different monthly reports (of one participant if given), as a form holds them."""
    frame = store.read_all().current(TAB)
    if participant:
        frame = frame[frame["participant_id"] == participant]
    keys = list(store.schema[TAB].record_key)
    picked = frame.drop_duplicates(keys).head(n).to_dict("records")
    assert len(picked) == n
    return [store.read_all().record(TAB, **{k: r[k] for k in keys}) for r in picked]


def key_of(store, row: dict) -> tuple:
    return tuple(row[k] for k in store.schema[TAB].record_key)


def in_turn(store, jobs: list) -> list:
    """Each job in its own session (thread), queued in this order within one gathering window; what each got
    back (a receipt or the exception it raised)."""
    got: list = [None] * len(jobs)

    def run(i, job):
        try:
            got[i] = job()
        except Exception as exc:  # the session's outcome is what the test checks
            got[i] = exc

    threads = []
    for i, job in enumerate(jobs):
        threads.append(threading.Thread(target=run, args=(i, job)))
        threads[-1].start()
        deadline = time.monotonic() + WINDOW / 2
        while len(store._queue) < i + 1 and not any(got) and time.monotonic() < deadline:
            time.sleep(0.005)  # queued before the next session asks: the order of the batch is known
        assert len(store._queue) == i + 1, "the sessions did not queue within the gathering window"
    for t in threads:
        t.join(120)
    return got


def truth(api, store):
    """The spreadsheet as a server that has never read it sees it."""
    return make_sheets_store(api, key=store.key, bootstrap=False, secrets=store.secrets).read_all()


def sheet_rows(api, store) -> dict[str, int]:
    return {s.title: s.last_data_row() for s in api.spreadsheets[store.key].sheets}


def test_sessions_saving_at_once_cost_one_read_and_one_write(sheet):
    api, store = sheet
    rows = records(store, 6)
    api.clock.advance(store.write_freshness + 1)  # the cached read is too old to decide on: a fresh one is needed
    api.log.clear()
    got = in_turn(store, [lambda r=r, i=i: write(store, CLI, {TAB: [{**r, "paid": 1000.0 + i}]}) for i, r in enumerate(rows)])
    assert api.requests_made("spreadsheets.values.batchGet") == 1
    assert api.requests_made("spreadsheets.batchUpdate") == 1
    assert api.requests_made() == 2
    assert len({g.save_id for g in got}) == 6  # each session its own save: its own id, version and audit row
    seen = truth(api, store)
    for i, (r, receipt) in enumerate(zip(rows, got)):
        latest = seen.history(TAB, **dict(zip(store.schema[TAB].record_key, key_of(store, r)))).iloc[-1]
        assert (latest["paid"], latest["save_id"]) == (1000.0 + i, receipt.save_id)
        audit = seen.all_versions("audit")
        assert (audit["save_id"] == receipt.save_id).sum() == 1
    assert store.read_all().current(TAB).equals(seen.current(TAB))  # the cache holds what was written


def test_two_sessions_editing_one_record_from_one_base_the_second_gets_a_conflict_showing_the_first(sheet):
    api, store = sheet
    row = records(store, 1)[0]
    key = key_of(store, row)
    base = {TAB: {key: row_save_id(store, row)}}
    before = len(truth(api, store).all_versions(TAB))
    api.log.clear()
    first, second = in_turn(store, [lambda: write(store, CLI, {TAB: [{**row, "paid": 111.0}]}, expect=base),
                                    lambda: write(store, CLI, {TAB: [{**row, "paid": 222.0}]}, expect=base)])
    assert not isinstance(first, Exception)
    assert isinstance(second, Conflict)
    assert second.current["paid"] == 111.0 and second.current["save_id"] == first.save_id  # the first's version, shown
    assert "изменена после того, как вы её открыли" in str(second)
    seen = truth(api, store)
    assert len(seen.all_versions(TAB)) == before + 1  # never an overwrite: the second was not written
    assert seen.history(TAB, **dict(zip(store.schema[TAB].record_key, key))).iloc[-1]["paid"] == 111.0
    assert api.requests_made("spreadsheets.batchUpdate") == 1  # one batch: the first's write alone


def row_save_id(store, row: dict) -> str:
    return store.read_all().history(TAB, **dict(zip(store.schema[TAB].record_key, key_of(store, row)))).iloc[-1]["save_id"]


def test_saves_refused_by_their_own_checks_do_not_stop_the_others(sheet):
    api, store = sheet
    own, good = records(store, 1, "lptes")[0], records(store, 2, "ves")
    users = store.read_all().current("users")
    login = users[users["participant_id"] == "lptes"].iloc[0]["login"]
    executor = User(login, "Исполнитель", "executor", "lptes")
    account = store.read_all().record("users", login=login)
    api.log.clear()
    got = in_turn(store, [
        lambda: write(store, CLI, {TAB: [{**good[0], "paid": 5.0}]}),
        lambda: write(store, executor, {TAB: [{**good[1], "paid": 6.0}]}),  # not its own organisation
        lambda: write(store, CLI, {"users": [{**account, "active": False}]}),  # the coordinator disables it...
        lambda: write(store, executor, {TAB: [{**own, "paid": 7.0}]}),  # ...so its save after that is refused too
        lambda: write(store, CLI, {TAB: [dict(good[1])]}),  # the same values as stored: nothing to save
        lambda: write(store, CLI, {TAB: [{**good[1], "paid": 8.0}]}),
    ])
    saved, other_org, disabled, after_disabled, unchanged, last = got
    assert isinstance(other_org, Denied) and isinstance(after_disabled, Denied) and isinstance(unchanged, NothingChanged)
    assert "отключена" in str(after_disabled)
    assert api.requests_made("spreadsheets.batchUpdate") == 1  # the three that passed: one write
    seen = truth(api, store)
    assert row_of(seen, store, good[0])["save_id"] == saved.save_id
    assert row_of(seen, store, good[1])[["paid", "save_id"]].tolist() == [8.0, last.save_id]
    assert row_of(seen, store, own)["paid"] == own["paid"]
    assert seen.current("users").set_index("login").loc[login, "active"] == False  # noqa: E712 - a stored bool
    assert set(seen.all_versions("audit")["save_id"]) >= {saved.save_id, disabled.save_id, last.save_id}


def row_of(snapshot, store, row: dict):
    return snapshot.history(TAB, **dict(zip(store.schema[TAB].record_key, key_of(store, row)))).iloc[-1]


@pytest.mark.parametrize("fault", ["500", "429"])
def test_a_failed_write_fails_every_save_of_the_batch_and_writes_nothing(demo_sheets, fault):
    api, store0 = demo_sheets
    store = make_sheets_store(api, fake_policy(api, attempts=3, rng=random.Random(0)), key=store0.key, bootstrap=False,
                              secrets=store0.secrets, save_window=WINDOW)
    rows = records(store, 3)
    before = sheet_rows(api, store)
    api.faults = Faults(rate_500_before=1.0, methods=WRITE) if fault == "500" else Faults(rate_429=1.0, methods=WRITE)
    got = in_turn(store, [lambda r=r: write(store, CLI, {TAB: [{**r, "paid": 9.0}]}) for r in rows])
    assert all(isinstance(g, StoreUnavailable) for g in got)
    assert all("осталось на экране" in str(g) for g in got)  # the person keeps what was typed, and is told so
    if fault == "429":
        assert all("квота" in str(g) for g in got)
    api.faults = Faults()
    api.settle()
    assert sheet_rows(api, store) == before  # nothing half-written: no report, no audit row
    assert store.read_all().current(TAB).equals(truth(api, store).current(TAB))  # the cache holds nothing unwritten


@pytest.mark.parametrize("late", [70.0, 150.0], ids=["found-by-looking", "after-giving-up"])
def test_a_batch_applied_late_lands_once_for_every_save(demo_sheets, late):
    """Google applies the batch after the client timed out (60 s): 10 s later it is found by its «Код
    сохранения», sent once, and every session gets its receipt; 90 s later the budget is spent and every
    session is told the write may still land — it lands (the resend with the same save ids may land too),
    and every save counts once."""
    api, store = demo_sheets
    store.save_window = WINDOW
    rows = records(store, 3)
    api.faults = Faults(rate_timeout_after=1.0, late_apply=(late, late), methods=WRITE)
    api.log.clear()
    got = in_turn(store, [lambda r=r, i=i: write(store, CLI, {TAB: [{**r, "paid": 20.0 + i}]}) for i, r in enumerate(rows)])
    api.faults = Faults()
    api.settle()
    seen = truth(api, store)
    for i, r in enumerate(rows):
        assert row_of(seen, store, r)["paid"] == 20.0 + i
    if late == 70.0:
        assert all(not isinstance(g, Exception) for g in got)
        ids = {g.save_id for g in got}
        assert api.requests_made("spreadsheets.batchUpdate") == 1  # found by looking, never sent again
        written = [row for row in api.rows(store.key, store.schema[TAB].title) if set(row) & ids]
        assert len(written) == 3  # each save's row once in the sheet
    else:
        assert all(isinstance(g, StoreUnavailable) and "Google может применить её" in str(g) for g in got)
        ids = {row_of(seen, store, r)["save_id"] for r in rows}
    assert len(ids) == 3
    for tab in (TAB, "audit"):  # no duplicates: each save once, however often its rows landed
        versions = seen.all_versions(tab)
        assert [int((versions["save_id"] == i).sum()) for i in sorted(ids)] == [1, 1, 1]


def test_a_lone_save_waits_at_most_the_window(sheet):
    _, store = sheet
    row = records(store, 1)[0]
    started = time.monotonic()
    write(store, CLI, {TAB: [{**row, "paid": 3.0}]})
    waited = time.monotonic() - started
    assert WINDOW <= waited < WINDOW + 5  # the window, then the save itself (the fake answers at once)
    store.save_window = 0
    started = time.monotonic()
    write(store, CLI, {TAB: [{**row, "paid": 4.0}]})
    assert time.monotonic() - started < WINDOW  # no window: no wait


def test_the_window_is_configured_like_the_other_store_settings_and_zero_means_zero(fake_api):
    from lib.core.config import resolve
    from lib.store.factory import open_store

    assert resolve(env={}, secrets={}).save_window == 1.0
    assert resolve(env={"DEBT_SAVE_WINDOW": "0.5"}, secrets={}).save_window == 0.5
    assert resolve(env={}, secrets={"store": {"save_window": 0}}).save_window == 0.0  # was the default: a silent change
    assert resolve(env={}, secrets={"store": {"write_freshness": 0}}).write_freshness == 0.0
    url = f"gsheets://{fake_api.create()}"
    config = resolve(env={"DEBT_STORE": url, "DEBT_SAVE_WINDOW": "0.25"}, secrets={})
    assert open_store(url, config, session=fake_api.session()).save_window == 0.25  # the app's store gets it


def test_twenty_people_saving_once_a_minute_cost_at_most_thirty_requests_a_minute(demo_sheets):
    """The quota model of README «Запросы в минуту у дедлайна» (``bench.sheets_quota``), shortened to two
    counted minutes on a tab of 200 rows (a read or a write is one request whatever its size): with the
    app's window (1 s) and Google answering in 0,5 s, every minute stays ≤ 30 requests (without batching:
    34,4 on average, 36 at worst, in the full bench)."""
    from bench.sheets_quota import simulate
    from lib.core.config import Config

    window = Config(store_url="").save_window
    api, store = demo_sheets
    for sheet in api.spreadsheets[store.key].sheets:  # fewer rows, the same requests (each read is one batchGet)
        if sheet.title == store.schema[TAB].title:
            sheet.rows = sheet.rows[:200]
    got = simulate(20, 3, 7, freshness=2.0, ttl=30.0, view=10.0, latency=0.5, window=window, sheet=demo_sheets)
    assert got["saves"] == 60 and got["refused"] == 0
    assert got["worst_min"] <= 30
    assert got["batches"] < got["saves"]
    assert got["wait_max_s"] <= window + 2 * 0.5 + 0.5  # the window, the batch's read and write, a page's read


def test_a_copy_writing_chunk_after_chunk_does_not_wait_the_window(sheet):
    from tests.support.records import sample_record

    _, store = sheet
    started = time.monotonic()
    for _ in range(3):  # lib.store.copying writes a table in chunks, one plain save each
        store.save({"audit": [sample_record(store.schema["audit"])]}, "a@x")
    assert time.monotonic() - started < WINDOW


def test_a_batch_whose_decisions_outlast_write_freshness_is_decided_again_on_a_fresh_read(sheet):
    """Deciding a large batch takes time (each save's checks over the whole tab): if it outlasts
    ``write_freshness``, the read it was decided on is too old to write on — another server's correction
    made meanwhile must be seen. The batch reads again (only what changed) and decides again."""
    api, store = sheet
    mine, theirs = records(store, 2)
    elsewhere = make_sheets_store(api, key=store.key, bootstrap=False, secrets=store.secrets.copy())  # another machine
    base = {TAB: {key_of(store, theirs): row_save_id(store, theirs)}}
    slow = []

    def first_decision_is_slow():
        receipt_box = []

        def deciding(fresh):
            if not slow:  # while this session's checks run, another server corrects the other record
                slow.append(1)
                receipt_box.append(write(elsewhere, CLI, {TAB: [{**theirs, "paid": 555.0}]}))
                api.clock.advance(store.write_freshness + 1)
            return fresh

        real = store._view
        store._view = lambda rows: deciding(real(rows))
        try:
            return write(store, CLI, {TAB: [{**mine, "paid": 1.0}]})
        finally:
            del store._view

    api.clock.advance(store.write_freshness + 1)
    api.log.clear()
    first, second = in_turn(store, [first_decision_is_slow,
                                    lambda: write(store, CLI, {TAB: [{**theirs, "paid": 2.0}]}, expect=base)])
    assert not isinstance(first, Exception)
    assert isinstance(second, Conflict) and second.current["paid"] == 555.0  # seen on the second read: not overwritten
    mine_reads = [e for e in api.log if e["method"] == "spreadsheets.values.batchGet" and e["user"] == api.service_account]
    assert len(mine_reads) >= 3  # this batch's two reads (the other server's own read besides)
    assert row_of(truth(api, store), store, theirs)["paid"] == 555.0
