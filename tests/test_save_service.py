"""One save for every form (issue 23): parse once, check on the store as it is at save time, one submit token per
form state (a repeated click stores once and answers with the first save's result), a result that says what was
saved, and the same through the pages."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from lib.auth.access import Rejected, User
from lib.domain import monthly, proceedings
from lib.saving import service
from lib.store.sqlite_store import SQLiteStore
from tests.support.apptest import open_page
from tests.support.entry import MONTH, VES, copy_demo, settings, valid_monthly

TODAY = dt.date(2024, 12, 20)
COORDINATOR = User("coordinator@lensk.demo", "Беляев И.А.", "coordinator", "upr")
DAY = dt.date(2025, 1, 20)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    from lib.ui import shell

    monkeypatch.setattr(shell, "today", lambda: TODAY)


def meeting(snap, number: str) -> service.Submission:
    record = proceedings.meeting_record(snap, number=number, date=DAY, attendance={"m01": "present"}, agenda="Сверка")
    return service.Submission({"meetings": [record]}, action="запись заседания", expect={"meetings": {(record["meeting_id"],): None}},
                              verify=proceedings.verify_meeting)


def test_a_repeated_submission_stores_once_and_answers_with_the_first_result_in_every_process(demo_db, tmp_path):
    store = copy_demo(demo_db, tmp_path)
    other_process = SQLiteStore(store.path)  # a second server process on the same data
    submission = meeting(store.read_all(), "14")
    first = service.save(store, COORDINATOR, submission, token="tok-1")
    again = service.save(other_process, COORDINATOR, submission, token="tok-1")
    assert not first.repeated and again.repeated
    assert (again.saved_at, again.version, again.save_id) == (first.saved_at, 1, "tok-1")
    stored = store.read_all().current("meetings")
    assert (stored.number == "14").sum() == 1
    # the next meeting, a new form state, is stored (issue 23, item 3: № 18 was refused after a double click)
    assert not service.save(store, COORDINATOR, meeting(store.read_all(), "15"), token="tok-2").repeated
    assert {"14", "15"} <= set(store.read_all().current("meetings").number)


def test_a_repeated_submission_stores_once_on_a_google_sheet(demo_sheets):
    _, store = demo_sheets
    submission = meeting(store.read_all(), "14")
    service.save(store, COORDINATOR, submission, token="tok-sheet")
    assert service.save(store, COORDINATOR, submission, token="tok-sheet").repeated
    store.invalidate()
    assert (store.read_all().current("meetings").number == "14").sum() == 1


def test_two_pages_opened_before_either_saves_do_not_both_store_one_protocol(demo_db, tmp_path):
    store = copy_demo(demo_db, tmp_path)
    seen_by_both = store.read_all()  # both pages read before either saved
    first, second = meeting(seen_by_both, "14"), meeting(seen_by_both, "14")
    service.save(store, COORDINATOR, first, token="a")
    with pytest.raises(Rejected, match=r"Заседание № 14 от 20\.01\.2025 уже записано"):
        service.save(store, COORDINATOR, second, token="b")
    assert (store.read_all().current("meetings").number == "14").sum() == 1


def test_records_are_parsed_once_on_the_way_to_the_store(demo_db, tmp_path, monkeypatch):
    import lib.store.port as port

    store = copy_demo(demo_db, tmp_path)
    snap = store.read_all()
    checked = monthly.check_monthly(snap, "ves", MONTH, valid_monthly(snap), dt.date(2025, 1, 20), settings(snap))
    assert not checked.errors
    reports = snap.schema["monthly_reports"]
    calls = []
    real = port.parse_value
    monkeypatch.setattr(port, "parse_value", lambda v, c: (calls.append(c.key) if c in reports.data_columns else None, real(v, c))[1])
    service.save_checked(store, VES, "monthly_reports", checked, [f.token for f in checked.confirm])
    assert len(calls) == len(checked.records) * len(reports.data_columns)  # once per field, not twice


def test_the_result_says_when_which_version_and_what_changed(demo_db, tmp_path):
    store = copy_demo(demo_db, tmp_path)
    snap = store.read_all()
    form = valid_monthly(snap)
    today = dt.date(2025, 1, 20)
    checked = monthly.check_monthly(snap, "ves", MONTH, form, today, settings(snap))
    service.save_checked(store, VES, "monthly_reports", checked, [f.token for f in checked.confirm])
    snap = store.read_all()
    form.loc[0, "paid"] = 980
    checked = monthly.check_monthly(snap, "ves", MONTH, form, today, settings(snap))
    result = service.save_checked(store, VES, "monthly_reports", checked, [f.token for f in checked.confirm],
                                  token="second")
    message = result.message()
    assert re.fullmatch(r"Сохранено \d\d\.\d\d\.\d{4} \d\d:\d\d · версия 2 · изменено: Оплачено 950,5 → 980", message), message


def test_a_saved_meeting_says_what_was_saved_and_the_message_stays_on_later_reruns(demo_store_url):
    at = open_page("coordinator@lensk.demo", "pages/commission.py", check=False)
    next(b for b in at.button if b.label == "Сохранить заседание").click().run()
    said = [s.value for s in at.success if "записано" in s.value]
    assert len(said) == 1 and re.fullmatch(r"Заседание № 14 от \d\d\.\d\d\.\d{4} записано\. Сохранено .+ · версия 1", said[0]), said
    at.run()  # any later run (a widget elsewhere, the page's own refresh): the result is still shown (item 6)
    at.run()
    assert [s.value for s in at.success if "записано" in s.value] == said
