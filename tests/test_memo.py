"""Results kept per snapshot (lib.core.memo): reused while the snapshot lives, bounded, dropped with it."""

from __future__ import annotations

import datetime as dt
import gc

import pandas as pd

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


def test_a_rerun_of_the_entry_page_reads_the_month_once_per_snapshot_and_a_save_is_seen(demo_db, tmp_path):
    """«Ввод данных» reruns on every click over the same snapshot: the month's status, forms, history, notes, the
    references of the ×20 rule, the registry and the assignments are computed once per snapshot (a second run reads
    none of its frames), handed out as copies, and a save (a new snapshot) is seen at once."""
    from lib.auth.access import command_line_user, write
    from lib.domain import monthly, proceedings
    from lib.domain.registry import Registry
    from lib.saving import drafts
    from tests.support.demo_file import copy_demo_file

    store = SQLiteStore(copy_demo_file(demo_db, tmp_path / "d.sqlite"))
    today, pid, month = dt.date(2025, 1, 20), "lptes", "2024-12"
    row = dict(participant_id=pid, settlement_id="lensk", month=month, consumer_group="population")

    def page(snap):  # what the page asks of lib on each run, besides the checks of what was typed
        settings = read_settings(snap)
        form = monthly.monthly_form(snap, pid, month)
        structure = monthly.structure_form(snap, pid, month)
        return {
            "status": monthly.month_status(snap, pid, month, settings, today),
            "participant": monthly.participant(snap, pid), "names": monthly.names(snap),
            "form": form, "structure": structure, "claims": monthly.claims_form(snap, pid, month),
            "plan": monthly.plan_form(snap, pid, month), "history": monthly.month_history(snap, pid, month),
            "note": monthly.saved_note(snap, "monthly_reports", pid, month),
            "previous": monthly.previous_values(snap, pid, month),
            "checked": monthly.check_monthly(snap, pid, month, form, today, settings).errors,
            "structure_checked": monthly.check_structure(snap, pid, month, structure, form, today, settings).errors,
            "filer": Registry(snap).filer_problem(pid, "monthly_reports"),
            "versions": drafts.versions(snap, "monthly_reports", [row]),
            "assignments": proceedings.assignments_of(snap, pid, today),
        }

    snap = store.read_all()
    first = page(snap)
    reads = []
    for name in ("current", "all_versions"):
        method = getattr(snap, name)
        setattr(snap, name, lambda tab, method=method, name=name: reads.append((name, tab)) or method(tab))
    again = page(snap)
    assert [r for r in reads if r != ("current", "settings")] == []  # the settings are read on every run (read_settings)
    for key, value in first.items():
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(again[key], value)
        else:
            assert again[key] == value, key
    again["form"].loc[0, "paid"] = -1.0  # a caller's own copy: the next run does not see it
    assert page(snap)["form"].loc[0, "paid"] == first["form"].loc[0, "paid"]

    stored = store.read_all().record("monthly_reports", **row)
    write(store, command_line_user("test"), {"monthly_reports": [{**stored, "paid": float(stored["paid"]) + 1000}]})
    after = page(store.read_all())
    line = lambda f: f[(f.settlement_id == "lensk") & (f.consumer_group == "population")].paid.iloc[0]
    assert round(line(after["form"]) - line(first["form"]), 6) == 1000
    assert len(after["history"]) == len(first["history"]) + 1 and after["note"] != first["note"]
    assert after["versions"] != first["versions"]


def test_the_month_status_is_kept_per_settings_and_day(demo_db, tmp_path):
    """The month's status is reused only for the same settings and day: another due day or another day is computed
    anew; the settings may be a plain mapping (as the command line and the tests pass them)."""
    from lib.domain import monthly
    from tests.support.demo_file import copy_demo_file

    snap = SQLiteStore(copy_demo_file(demo_db, tmp_path / "d.sqlite")).read_all()
    settings = read_settings(snap)
    day = dt.date(2025, 1, 10)
    assert monthly.month_status(snap, "ves", "2024-12", settings, day).code == "not_filed"
    assert monthly.month_status(snap, "ves", "2024-12", settings, dt.date(2025, 1, 20)).code == "overdue"
    plain = {**settings.values, "report_due_day": 5}
    assert monthly.month_status(snap, "ves", "2024-12", plain, day).code == "overdue"
    assert monthly.month_status(snap, "ves", "2024-12", settings, day).code == "not_filed"
