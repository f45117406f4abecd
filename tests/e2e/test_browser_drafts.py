"""Issue 13 (items 2 and 3) as a person lives it in Debian Chromium: a link to a report opened before
signing in, an unsaved edit carried through a month switch and a page switch, «Отменить», the
browser's «leave page?» while an edit is unsaved, and «к отчёту» under «Качество данных» in one click.

One page for all of it, on the server the reading tests share (the machine is small); never skipped.
"""

from __future__ import annotations

import re

from tests.support.browser import ARTIFACTS, idle, rerun_after, sign_in, type_cell, wait_for_tables

MONTH_BOX = '[data-testid="stSelectbox"]'


def choose_month(tab, label: str) -> None:
    rerun_after(tab, lambda: (tab.locator(MONTH_BOX).filter(has_text="Отчётный месяц").first.click(),
                              tab.keyboard.type(label), tab.keyboard.press("Enter")))


def test_a_link_drafts_across_months_and_pages_cancel_leave_prompt_and_the_report_link(reading_server, page):
    """Nothing is saved (every draft typed is cancelled again): the server the reading tests share."""
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        walk_through(reading_server, page)
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "failed-drafts.png"), full_page=True)
        raise


def walk_through(url: str, tab) -> None:
    # a colleague's link to ВЭС's November report, opened before signing in: after signing in, that report
    tab.goto(f"{url}/entry?participant=ves&month=2024-11")
    tab.get_by_role("heading", name="Вход").wait_for(timeout=30000)
    sign_in(tab, "coordinator@lensk.demo", "demo-coordinator")
    tab.get_by_role("heading", name="Ввод данных — ООО «Восточные энергетические сети»").wait_for(timeout=30000)
    tab.get_by_text("Статус месяца: подан в срок. подан 05.12.2024").wait_for(timeout=30000)  # ВЭС's November
    assert re.search(r"/entry\?(participant=ves&month=2024-11|month=2024-11&participant=ves)$", tab.url), tab.url
    wait_for_tables(tab, 1)
    idle(tab)

    # December is not filed: one figure typed is an unsaved change, and the address follows the month
    choose_month(tab, "декабрь 2024")
    tab.get_by_text("Осталось заполнить ячеек: 16").first.wait_for(timeout=30000)
    assert "month=2024-12" in tab.url
    wait_for_tables(tab, 1)
    type_cell(tab, 0, 3, "1 234,5")
    tab.get_by_text("Осталось заполнить ячеек: 15").first.wait_for(timeout=30000)
    tab.get_by_text("Есть несохранённые изменения").first.wait_for(timeout=30000)
    tab.screenshot(path=str(ARTIFACTS / "draft-shown.png"), full_page=True)

    # another month: the draft is kept and named; back: it is on the grid again
    choose_month(tab, "ноябрь 2024")
    tab.get_by_text("Несохранённые изменения остались: ООО «Восточные энергетические сети», декабрь 2024").wait_for(timeout=30000)
    choose_month(tab, "декабрь 2024")
    tab.get_by_text("Осталось заполнить ячеек: 15").first.wait_for(timeout=30000)

    # another tab: the sidebar lists the draft; its link, and the menu, bring the form back with the edit
    tab.get_by_role("link", name="Свод").click()
    tab.get_by_text("Показатели за").first.wait_for(timeout=60000)
    back = tab.get_by_role("link", name="ООО «Восточные энергетические сети», декабрь 2024: Ежемесячный отчёт")
    back.wait_for(timeout=30000)
    back.click()
    tab.get_by_text("Осталось заполнить ячеек: 15").first.wait_for(timeout=30000)
    tab.get_by_role("link", name="Обзор").click()
    tab.get_by_text("Все ячейки распознаны").wait_for(timeout=30000)
    tab.get_by_role("link", name="Ввод данных").click()
    tab.get_by_text("Осталось заполнить ячеек: 15").first.wait_for(timeout=30000)
    idle(tab)

    # «Отменить изменения»: the stored (empty) figures, no draft, no prompt to leave
    rerun_after(tab, tab.get_by_role("button", name="Отменить изменения").click)
    tab.get_by_text("Осталось заполнить ячеек: 16").first.wait_for(timeout=30000)
    assert tab.get_by_text("Есть несохранённые изменения").count() == 0
    tab.locator("[data-testid='unsaved-false']").wait_for(state="attached", timeout=30000)

    # «к отчёту» under «Качество данных»: one click, this tab, still signed in
    tab.get_by_role("link", name="Свод").click()
    report = tab.get_by_role("link", name="ООО «Теплостройкомплекс», ноябрь 2024 — к отчёту (замечаний: 1)")
    report.wait_for(timeout=60000)
    report.click()
    tab.get_by_role("heading", name="Ввод данных — ООО «Теплостройкомплекс»").wait_for(timeout=30000)
    tab.get_by_text("возвращён на доработку").first.wait_for(timeout=30000)
    assert len(tab.context.pages) == 1 and tab.get_by_role("heading", name="Вход").count() == 0
    assert re.search(r"participant=tsk", tab.url) and "month=2024-11" in tab.url, tab.url
    wait_for_tables(tab, 1)
    idle(tab)

    # an unsaved edit, then the tab is closed: the browser asks first (a field being typed in is not yet sent)
    type_cell(tab, 0, 3, "5")
    tab.locator("[data-testid='unsaved-true']").wait_for(state="attached", timeout=30000)
    assert not tab.errors, tab.errors
    with tab.expect_event("dialog", timeout=10000) as asked:
        tab.close(run_before_unload=True)
    assert asked.value.type == "beforeunload"
    asked.value.dismiss()  # «stay on the tab»: the draft is still there
    tab.get_by_text("Есть несохранённые изменения").first.wait_for(timeout=30000)
    # the draft is kept on the server for this person too: cancelled, the other reading tests signed in as the
    # coordinator find none
    idle(tab)
    rerun_after(tab, tab.get_by_role("button", name="Отменить изменения").click)
    tab.locator("[data-testid='unsaved-false']").wait_for(state="attached", timeout=30000)
