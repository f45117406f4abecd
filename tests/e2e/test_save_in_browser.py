"""Issue 23 in Debian Chromium, as the coordinator does it: a double click on «Сохранить заседание» stores one
meeting and says it was saved (never «запись meet-… уже есть»), the next meeting is stored too; a meeting typed
and not saved survives a trip to «Свод» and back (the sidebar's link), and closing the tab asks first."""

from __future__ import annotations

import re
from pathlib import Path

from lib.store.sqlite_store import SQLiteStore
from tests.support.browser import idle, screenshot_on_failure, sign_in_demo, type_text


def open_commission(page) -> None:
    page.get_by_role("link", name="Комиссия").click()
    page.get_by_role("heading", name="Комиссия").wait_for(timeout=30000)
    page.get_by_label("Номер протокола").first.wait_for(timeout=30000)
    idle(page)


def test_a_double_click_stores_one_meeting_and_a_typed_meeting_survives_a_page_switch(server, page, tmp_path):
    with screenshot_on_failure(page, "failed-save-service.png"):
        walk_through(server, page, Path(tmp_path.joinpath("db-path").read_text()))


def walk_through(server: str, page, db: Path) -> None:
    sign_in_demo(page, server, "coordinator@lensk.demo")
    open_commission(page)

    # item 3: a double click on «Сохранить заседание»
    type_text(page, page.get_by_label("Номер протокола").first, "14")  # field by field, each one's rerun waited for
    type_text(page, page.get_by_label("Повестка").first, "О задолженности за декабрь")
    page.get_by_role("button", name="Сохранить заседание").dblclick()
    page.get_by_text(re.compile(r"Заседание № 14 от .* записано\. Сохранено .* · версия 1")).wait_for(timeout=60000)
    idle(page)
    assert page.get_by_text("уже есть").count() == 0 and page.get_by_text(re.compile("meet-[0-9a-f]")).count() == 0
    meetings = SQLiteStore(db).read_all().current("meetings")
    assert (meetings.number == "14").sum() == 1
    # the next meeting is stored (it failed with the same message before)
    type_text(page, page.get_by_label("Номер протокола").first, "18")
    page.get_by_role("button", name="Сохранить заседание").click()
    page.get_by_text(re.compile(r"Заседание № 18 от .* записано")).wait_for(timeout=60000)
    assert (SQLiteStore(db).read_all().current("meetings").number == "18").sum() == 1

    # item 2: typed, not saved, «Свод» and back through the sidebar's link: still there
    idle(page)  # typed once the page has stopped running
    type_text(page, page.get_by_label("Номер протокола").first, "19")
    type_text(page, page.get_by_label("Повестка").first, "Повестка, которую не сохранили")
    page.get_by_text("Есть несохранённые изменения").first.wait_for(timeout=30000)
    page.get_by_role("link", name="Свод").click()
    page.get_by_text("Показатели за").first.wait_for(timeout=60000)
    back = page.get_by_role("link", name="Комиссия: Новое заседание")
    back.wait_for(timeout=30000)
    back.click()
    page.get_by_role("heading", name="Комиссия").wait_for(timeout=30000)
    page.wait_for_function("[...document.querySelectorAll('textarea')].some(t => t.value === 'Повестка, которую не сохранили')",
                           timeout=30000)
    assert page.get_by_label("Номер протокола").first.input_value() == "19"
    page.locator("[data-testid='unsaved-true']").wait_for(state="attached", timeout=30000)
    assert not page.errors, page.errors
    with page.expect_event("dialog", timeout=10000) as asked:  # F5 or closing the tab: the browser asks first
        page.close(run_before_unload=True)
    assert asked.value.type == "beforeunload"
    asked.value.dismiss()  # «stay on the page»: the draft is still there
    page.get_by_text("Есть несохранённые изменения").first.wait_for(timeout=30000)
