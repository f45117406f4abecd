"""Flaky network and quota: saves land exactly once or fail clearly, within a bounded time."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from lib.store.port import StoreError, StoreUnavailable
from lib.store.sheets_http import RetryPolicy
from tests.conftest import RecordingSleep, make_sheets_store
from tests.support.fake_sheets import FakeSheetsAPI, Faults
from tests.test_store_contract import sample_record


def test_delays_are_jittered_capped_and_bounded():
    policy = RetryPolicy(attempts=6, base=0.5, cap=4.0, deadline=6.0, rng=random.Random(3))
    for _ in range(200):
        delays = list(policy.delays())
        assert len(delays) <= 5
        assert all(0 <= d <= 4.0 for d in delays)
        assert sum(delays) <= 6.0
    a = list(RetryPolicy(rng=random.Random(1)).delays())
    b = list(RetryPolicy(rng=random.Random(2)).delays())
    assert a != b  # jitter: two clients do not retry in lockstep


def test_a_read_that_keeps_failing_gives_a_russian_error_after_a_bounded_number_of_tries():
    api = FakeSheetsAPI()
    sleep = RecordingSleep()
    store = make_sheets_store(api, RetryPolicy(attempts=4, sleep=sleep, rng=random.Random(0)))
    api.faults = Faults(rate_500_before=1.0)
    api.log.clear()
    store.invalidate()
    with pytest.raises(StoreUnavailable, match="не ответила"):
        store.read_all()
    assert api.requests_made() == 4 and len(sleep.calls) == 3


def test_a_save_refused_by_quota_every_time_writes_nothing_and_says_so():
    api = FakeSheetsAPI()
    store = make_sheets_store(api, RetryPolicy(attempts=3, sleep=RecordingSleep(), rng=random.Random(0)))
    store.read_all()
    api.faults = Faults(rate_429=1.0, methods=frozenset({"spreadsheets.values.append"}))
    with pytest.raises(StoreUnavailable, match="квота") as err:
        store.save({"audit": [sample_record(store.schema["audit"])]}, "a@x")
    assert "введённое осталось на экране" in str(err.value)
    api.faults = Faults()
    assert store.read_all().current("audit").empty
    assert api.requests_made("spreadsheets.values.get") == 0  # 429 never landed: no need to check


def test_an_answer_lost_after_the_write_is_not_written_twice():
    api = FakeSheetsAPI()
    store = make_sheets_store(api)
    store.read_all()
    api.faults = Faults(rate_500_after=1.0, methods=frozenset({"spreadsheets.values.append"}))
    store.save({"audit": [sample_record(store.schema["audit"])]}, "a@x")  # succeeds via the check
    api.faults = Faults()
    assert len(store.read_all().all_versions("audit")) == 1
    assert api.requests_made("spreadsheets.values.append") == 1


def test_a_client_timeout_after_the_write_is_not_written_twice():
    api = FakeSheetsAPI()
    store = make_sheets_store(api)
    store.read_all()
    api.faults = Faults(rate_timeout_after=1.0, methods=frozenset({"spreadsheets.batchUpdate"}))
    store.save({"participants": [sample_record(store.schema["participants"])],
                "audit": [sample_record(store.schema["audit"])]}, "a@x")
    api.faults = Faults()
    snap = store.read_all()
    assert len(snap.all_versions("participants")) == 1 and len(snap.all_versions("audit")) == 1


def test_thirty_percent_failures_every_save_lands_once_or_fails_clearly():
    api = FakeSheetsAPI()
    sleeps = RecordingSleep()
    policy = RetryPolicy(attempts=5, base=0.5, cap=8.0, deadline=45.0, sleep=sleeps, rng=random.Random(7))
    store = make_sheets_store(api, policy)
    store.read_all()
    api.faults = Faults(rate_429=0.10, rate_500_before=0.08, rate_500_after=0.07, rate_timeout_after=0.05, seed=11)
    table = store.schema["monthly_reports"]
    landed, failed = {}, {}
    for i in range(200):
        rows = [dict(sample_record(table), participant_id=f"u{i}", consumer_group=g) for g in ("population", "other")]
        before = len(sleeps.calls)
        try:
            receipt = store.save({"monthly_reports": rows}, "a@x")
            landed[receipt.save_id] = 2
        except StoreUnavailable as err:
            assert "Google Таблиц" in str(err)
            failed[i] = str(err)
        except StoreError as err:  # pragma: no cover - any other error is a bug
            pytest.fail(f"unexpected error: {err}")
        assert sum(sleeps.calls[before:]) <= 2 * policy.deadline  # save + its landed-check reads
    api.faults = Faults()
    store.invalidate()
    stored = Counter(store.read_all().all_versions("monthly_reports")["save_id"])
    assert len(landed) > 150  # most saves get through a 30 % failure rate
    for save_id, rows in landed.items():
        assert stored[save_id] == rows, "a successful save must be present exactly once"
    assert all(count == 2 for count in stored.values()), "no save is ever duplicated or half-written"
    # a save that raised may still have landed (its check could not reach Google): never twice
    assert len(set(stored) - set(landed)) <= len(failed)
    assert api.requests_made() > 260  # the faults really happened: retries and landed-checks were needed
