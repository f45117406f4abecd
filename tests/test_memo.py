"""Results kept per snapshot (lib.core.memo): reused while the snapshot lives, bounded, dropped with it."""

from __future__ import annotations

import datetime as dt
import gc

from lib.core import memo
from lib.domain.settings import read_settings
from lib.domain.summary import Filters, execute
from lib.store.sqlite_store import SQLiteStore


class Snap:  # any object a store hands out as its snapshot
    pass


def test_recent_reuses_a_key_keeps_the_last_few_and_forgets_with_the_snapshot():
    snap, built = Snap(), []
    build = lambda k: (lambda: built.append(k) or [k])
    first = memo.recent(snap, "t", "a", build("a"), keep=2)
    assert memo.recent(snap, "t", "a", build("a"), keep=2) is first and built == ["a"]
    memo.recent(snap, "t", "b", build("b"), keep=2)
    memo.recent(snap, "t", "a", build("a"), keep=2)  # used again: now the most recent
    memo.recent(snap, "t", "c", build("c"), keep=2)  # "b" is the oldest: dropped
    memo.recent(snap, "t", "b", build("b"), keep=2)
    assert built == ["a", "b", "c", "b"]
    other = Snap()
    memo.recent(other, "t", "a", build("a"), keep=2)
    assert built[-1] == "a"  # another snapshot computes its own
    n = len(memo._CACHE)
    del other
    gc.collect()
    assert len(memo._CACHE) < n


def test_the_dashboard_reuses_its_figures_on_a_rerun_and_computes_them_again_after_a_save(demo_db, tmp_path):
    from tests.support.demo_file import copy_demo_file

    path = tmp_path / "d.sqlite"
    copy_demo_file(demo_db, path)
    store = SQLiteStore(path)
    snap = store.read_all()
    settings, today = read_settings(snap), dt.date(2025, 1, 20)
    f = Filters("2024-01", "2024-12")
    first = execute(snap, f, settings, today)
    assert execute(store.read_all(), f, settings, today) is first  # a rerun: the same snapshot, the same figures
    assert execute(snap, Filters("2024-06", "2024-12"), settings, today) is not first
    assert execute(snap, f, settings, today + dt.timedelta(days=1)) is not first  # another day: deadlines move
    row = snap.record("monthly_reports", participant_id="lptes", settlement_id="lensk", month="2024-12", consumer_group="population")
    from lib.auth.access import command_line_user, write

    write(store, command_line_user("test"), {"monthly_reports": [{**row, "paid": float(row["paid"]) + 1000}]})
    again = execute(store.read_all(), f, settings, today)
    assert again is not first
    total = lambda r: float(r.collection.set_index("consumer_group").paid["total"])
    assert round(total(again) - total(first), 6) == 1000


def test_recent_holds_when_sessions_of_one_server_ask_at_once():
    import threading

    snap, errors = Snap(), []

    def session(n):
        try:
            for i in range(2000):
                memo.recent(snap, "t", (n + i) % 6, lambda: object(), keep=4)
        except Exception as err:  # a KeyError from two threads moving one key
            errors.append(err)

    threads = [threading.Thread(target=session, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
