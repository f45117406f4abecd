"""The commission and administration pages in a real browser: typed text survives tab switches, the open tab a reload."""

from __future__ import annotations

from tests.support.browser import idle, open_login, rerun_after, sign_in

# ---- in a browser: what a person typed survives a tab switch; the open tab survives a reload -----------


def test_in_a_browser_typed_text_survives_tab_switches_and_the_open_tab_a_reload(reading_server, page):
    """Nothing is saved (the typed decision and reason are never submitted): the server the reading tests share."""
    from playwright.sync_api import expect

    server = reading_server

    def open_tab(name: str) -> None:
        rerun_after(page, page.get_by_role("tab", name=name).click)  # a tab switch reruns the page

    def selected(name: str):
        return expect(page.get_by_role("tab", name=name)).to_have_attribute("aria-selected", "true", timeout=30000)

    open_login(page, server)
    sign_in(page, "coordinator@lensk.demo", "demo-coordinator")
    page.get_by_role("link", name="Комиссия", exact=True).click()
    page.get_by_role("heading", name="Комиссия").wait_for(timeout=30000)
    open_tab("Решения и поручения")
    idle(page)  # the run that draws the forms is over: «Текст решения» first is the new decision's, not a field being redrawn
    typed = "Поручение набрано, но не сохранено"
    page.get_by_label("Текст решения").first.fill(typed)  # a draft: not saved before «Сохранить решение»
    open_tab("Материалы к заседанию")
    page.get_by_text("Проект повестки").wait_for(timeout=30000)  # the pack, built now that its tab is open
    assert "commission_tab=" in page.url  # the address names the open tab
    open_tab("Решения и поручения")
    assert page.get_by_label("Текст решения").first.input_value() == typed
    page.reload()  # a new session: the address opens the same tab
    selected("Решения и поручения")
    page.get_by_role("link", name="План мероприятий").click()
    page.get_by_role("heading", name="План мероприятий").wait_for(timeout=30000)
    page.get_by_role("link", name="Комиссия", exact=True).click()  # back from another page: the tab that was open
    page.get_by_role("heading", name="Комиссия").wait_for(timeout=30000)
    selected("Решения и поручения")

    # a tab that runs only while open: a reason typed and left by clicking another tab is there on return
    page.get_by_role("link", name="Администрирование").click()
    page.get_by_role("heading", name="Администрирование").wait_for(timeout=30000)
    open_tab("Закрытие кварталов")
    page.get_by_label("Основание").fill("Отчёт направлен в МЖКХ")
    open_tab("Журнал изменений")
    page.get_by_text("Записей в журнале").wait_for(timeout=30000)
    assert not page.get_by_label("Основание").count()  # the closed tab did not run
    open_tab("Закрытие кварталов")
    assert page.get_by_label("Основание").input_value() == "Отчёт направлен в МЖКХ"
    assert not page.errors, page.errors

    # the typed decision is a draft kept on the server for this person (it came back after the reload above): emptied,
    # it is gone, and the other reading tests signed in as the coordinator find no draft of this one
    page.get_by_role("link", name="Комиссия", exact=True).click()
    page.get_by_role("heading", name="Комиссия").wait_for(timeout=30000)
    selected("Решения и поручения")
    page.wait_for_function("v => [...document.querySelectorAll('textarea')].some(t => t.value === v)", arg=typed, timeout=60000)
    idle(page)
    assert page.get_by_label("Текст решения").first.input_value() == typed
    page.get_by_label("Текст решения").first.fill("")
    page.get_by_label("Текст решения").first.press("Tab")
    page.locator("[data-testid='unsaved-false']").wait_for(state="attached", timeout=30000)
