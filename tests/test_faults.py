"""Flaky network, quota and late writes: saves land exactly once or fail clearly, within 90 s of wall time.

Time is the fake API's clock: a request that hangs costs the client its read time-out (60 s), the
retry policy's waits pass on the same clock, and Google may apply a write the client gave up on
up to 180 s later (``Faults.late_apply``). The budget is measured in that time, not in sleeps.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest

from lib.store.port import StoreError, StoreUnavailable
from lib.store.sheets_http import RetryPolicy
from tests.conftest import RecordingSleep, fake_policy, make_sheets_store
from tests.support.fake_sheets import FakeSheetsAPI, Faults
from tests.support.records import sample_record

WRITE = frozenset({"spreadsheets.batchUpdate"})


def test_delays_are_jittered_and_capped():
    policy = RetryPolicy(attempts=6, base=0.5, cap=4.0, rng=random.Random(3))
    for _ in range(200):
        delays = list(policy.delays())
        assert len(delays) == 5 and all(0 <= d <= 4.0 for d in delays)
    a = list(RetryPolicy(rng=random.Random(1)).delays())
    b = list(RetryPolicy(rng=random.Random(2)).delays())
    assert a != b  # jitter: two clients do not retry in lockstep


def test_a_read_that_keeps_failing_gives_a_russian_error_within_the_budget():
    api = FakeSheetsAPI()
    sleep = RecordingSleep(api.clock)
    store = make_sheets_store(api, RetryPolicy(attempts=4, sleep=sleep, clock=api.clock.now, rng=random.Random(0)))
    api.faults = Faults(rate_500_before=1.0)
    api.log.clear()
    store.invalidate()
    with pytest.raises(StoreUnavailable, match="не ответила"):
        store.read_all()
    assert api.requests_made() == 4 and len(sleep.calls) == 3


def test_a_save_refused_by_quota_every_time_writes_nothing_and_says_so():
    api = FakeSheetsAPI()
    store = make_sheets_store(api, fake_policy(api, attempts=3, rng=random.Random(0)))
    store.read_all()
    api.faults = Faults(rate_429=1.0, methods=WRITE)
    with pytest.raises(StoreUnavailable, match="квота") as err:
        store.save({"audit": [sample_record(store.schema["audit"])]}, "a@x")
    assert "введённое осталось на экране" in str(err.value)
    api.faults = Faults()
    store.invalidate()
    assert store.read_all().current("audit").empty
    assert api.requests_made("spreadsheets.values.get") == 0  # 429 never landed: no need to look for it


def test_an_answer_lost_after_the_write_is_not_written_twice():
    api = FakeSheetsAPI()
    store = make_sheets_store(api)
    store.read_all()
    api.log.clear()
    api.faults = Faults(rate_500_after=1.0, methods=WRITE)
    store.save({"audit": [sample_record(store.schema["audit"])]}, "a@x")  # succeeds: the save is found
    api.faults = Faults()
    store.invalidate()
    assert len(store.read_all().all_versions("audit")) == 1
    assert api.requests_made("spreadsheets.batchUpdate") == 1


def test_a_write_applied_late_is_found_by_looking_for_it_not_sent_again():
    api = FakeSheetsAPI()
    store = make_sheets_store(api)
    store.read_all()
    api.log.clear()
    api.faults = Faults(rate_timeout_after=1.0, late_apply=(70.0, 70.0), methods=WRITE)  # applied 10 s after the time-out
    store.save({"participants": [sample_record(store.schema["participants"])],
                "audit": [sample_record(store.schema["audit"])]}, "a@x")
    api.faults = Faults()
    api.settle()
    store.invalidate()
    snap = store.read_all()
    assert len(snap.all_versions("participants")) == 1 and len(snap.all_versions("audit")) == 1
    assert api.requests_made("spreadsheets.batchUpdate") == 1  # found while looking: no resend
    assert api.requests_made("spreadsheets.values.get") >= 2  # looked more than once before it appeared


class FirstWriteLate(Faults):
    """The first write times out and Google applies it 170 s later; the rest go through."""

    def draw(self, name):
        if name in WRITE and not getattr(self, "done", False):
            self.done = True
            return "timeout_after", 170.0
        return None, 0.0


def test_a_write_applied_after_the_resend_lands_twice_and_counts_once():
    api = FakeSheetsAPI()
    store = make_sheets_store(api, fake_policy(api, confirm_window=10.0))
    api.faults = FirstWriteLate()
    store.read_all()
    receipt = store.save({"audit": [sample_record(store.schema["audit"])]}, "a@x")  # looked for 10 s, sent again
    assert api.pending() == 1  # Google still holds the first attempt
    api.settle()
    rows = api.rows(store.key, store.schema["audit"].title)[1:]
    assert len(rows) == 2  # both attempts landed
    store.invalidate()
    snap = store.read_all()
    assert snap.all_versions("audit")["save_id"].tolist() == [receipt.save_id]  # one version, not two
    assert [n.kind for n in snap.notes] == ["repeat"] and not snap.problems


def test_the_worst_save_ends_within_90_seconds_of_wall_time_and_says_what_to_do():
    api = FakeSheetsAPI()
    store = make_sheets_store(api)
    store.read_all()
    api.faults = Faults(rate_timeout_lost=1.0)  # every request hangs until the client's time-out
    started = api.clock.now()
    with pytest.raises(StoreUnavailable) as err:
        store.save({"audit": [sample_record(store.schema["audit"])]}, "a@x")
    took = api.clock.now() - started
    assert 60 <= took <= 90, took
    assert "проверьте, есть ли запись" in str(err.value) and "не создаст дубликат" in str(err.value)


def test_thirty_percent_failures_with_late_writes_no_duplicates_no_silent_losses_bounded_time():
    api = FakeSheetsAPI()
    policy = fake_policy(api, rng=random.Random(7))
    store = make_sheets_store(api, policy)
    store.read_all()
    api.faults = Faults(rate_429=0.08, rate_500_before=0.06, rate_500_after=0.06, rate_timeout_after=0.06,
                        rate_timeout_lost=0.04, late_apply=(0.0, 180.0), seed=11)
    table = store.schema["monthly_reports"]
    landed, failed, worst = {}, {}, 0.0
    for i in range(120):
        rows = [dict(sample_record(table), participant_id=f"u{i}", consumer_group=g) for g in ("population", "other")]
        started = api.clock.now()
        try:
            receipt = store.save({"monthly_reports": rows}, "a@x")
            landed[receipt.save_id] = 2
        except StoreUnavailable as err:
            assert "Google Таблиц" in str(err)
            failed[i] = str(err)
        except StoreError as err:  # pragma: no cover - any other error is a bug
            pytest.fail(f"unexpected error: {err}")
        worst = max(worst, api.clock.now() - started)
    assert worst <= 90, worst
    api.faults = Faults()
    api.settle()
    store.invalidate()
    versions = store.read_all().all_versions("monthly_reports")
    stored = Counter(versions["save_id"])
    assert len(landed) > 80  # most saves get through
    for save_id, rows in landed.items():
        assert stored[save_id] == rows, "a save reported as saved is there, once (no silent loss, no duplicate)"
    assert all(count == 2 for count in stored.values()), "no save is ever counted twice or half"
    assert len(set(stored) - set(landed)) <= len(failed)  # a save that said "check later" may have landed
    assert api.requests_made() > 200  # the faults really happened: retries and look-ups were needed


def test_a_burst_over_the_per_minute_quota_waits_for_the_minute_and_loses_nothing():
    from tests.support.fake_sheets import Quota

    api = FakeSheetsAPI()
    store = make_sheets_store(api, fake_policy(api, rng=random.Random(3)))
    store.read_all()
    api.quota = Quota(read_per_user=60, write_per_user=60)  # Google's limits for one service account
    table = store.schema["audit"]
    saved, worst = [], 0.0
    for n in range(75):
        started = api.clock.now()
        saved.append(store.save({"audit": [dict(sample_record(table), event_id=f"q{n}")]}, "a@x").save_id)
        worst = max(worst, api.clock.now() - started)
    assert len(saved) == 75 and worst <= 90, worst  # the quota refills each minute: every save waited for it, within 90 s
    api.quota = None
    store.invalidate()
    stored = Counter(store.read_all().all_versions("audit")["save_id"])
    assert all(stored[s] == 1 for s in saved) and sum(stored.values()) == len(saved)
    assert any(a["code"] == 429 for a in api.answers)


def test_a_429_waits_for_the_quotas_minute_within_90_seconds_and_the_person_is_told_why():
    """Issue 24, Why 6: with a write quota of 2 a minute, 2 of 4 saves failed within 18 s (retries stopped after 8–16 s)."""
    from lib.store.port import save_progress
    from tests.support.fake_sheets import Quota

    api = FakeSheetsAPI()
    store = make_sheets_store(api, fake_policy(api, rng=random.Random(5)))
    store.read_all()
    api.quota = Quota(write_per_user=2)
    table = store.schema["audit"]
    told: list[str] = []
    took = []
    with save_progress(told.append):
        for n in range(4):
            started = api.clock.now()
            store.save({"audit": [dict(sample_record(table), event_id=f"w{n}")]}, "a@x")
            took.append(api.clock.now() - started)
    assert max(took) <= 90 and max(took) > 10, took  # the 3rd save waited for the next minute, inside the bound
    assert told and all("HTTP 429" in m and "повтор через" in m and "из 90" in m for m in told), told
    api.quota = None
    store.invalidate()
    assert len(store.read_all().current("audit")) == 4


def test_a_save_waiting_for_the_servers_lock_answers_within_its_budget_from_the_click(tmp_path):
    """Issue 24, Why 5: the 90 s began after the cross-process lock (up to 100 s): over 190 s from the click.
    Real time here: a budget of 4 s, another process holding the lock for 6 s."""
    import threading
    import time

    from lib.store.port import save_progress
    from lib.store.server_secrets import ServerSecrets

    api = FakeSheetsAPI()
    secrets_file = tmp_path / "server-secrets.sqlite"
    policy = RetryPolicy(budget=4.0, rng=random.Random(0))
    store = make_sheets_store(api, policy, secrets=ServerSecrets(secrets_file))
    store.read_all()
    other = ServerSecrets(secrets_file)  # another process of the same server, saving for 6 s
    holding, release = threading.Event(), threading.Event()

    def hold():
        with other.turn():
            holding.set()
            release.wait(6)

    thread = threading.Thread(target=hold)
    thread.start()
    holding.wait(5)
    told: list[str] = []
    started = time.monotonic()
    try:
        with save_progress(told.append), pytest.raises(StoreUnavailable, match="не закончилось") as err:
            store.save({"audit": [sample_record(store.schema["audit"])]}, "a@x")
        took = time.monotonic() - started
    finally:
        release.set()
        thread.join()
    assert took <= 4.0, took
    assert "введённое осталось на экране" in str(err.value)
    assert any("другое сохранение" in m for m in told), told
