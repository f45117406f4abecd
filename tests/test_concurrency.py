"""20 threads × 50 saves: every save present exactly once, on both adapters."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from tests.support.records import sample_record

THREADS, SAVES = 20, 50


def test_concurrent_saves_all_land_exactly_once(store):
    table = store.schema["audit"]
    store.read_all()

    def worker(t: int) -> list[str]:
        ids = []
        for n in range(SAVES):
            record = dict(sample_record(table), event_id=f"t{t}-n{n}")
            ids.append(store.save({"audit": [record]}, f"user{t}@x").save_id)
        return ids

    with ThreadPoolExecutor(THREADS) as pool:
        receipts = [sid for ids in pool.map(worker, range(THREADS)) for sid in ids]
    store.invalidate()
    frame = store.read_all().all_versions("audit")
    assert len(receipts) == THREADS * SAVES
    assert Counter(frame["save_id"]) == Counter(receipts)
    assert sorted(frame["event_id"]) == sorted(f"t{t}-n{n}" for t in range(THREADS) for n in range(SAVES))
