"""The pictures of the role guides (docs/roles/) are taken here, by a real browser on the demo district, so they show
the product as it is: each role signs in, opens its pages, and the page it shows is saved to docs/img/.

The test fails when a page does not show what its guide says it shows; the pictures it writes are committed with
the guides (a changed picture in ``git status`` after a run means the guide's picture should be looked at)."""

from __future__ import annotations

import pytest

from lib.core.config import PROJECT_ROOT
from tests.support.browser import idle_and_drawn, new_page, open_login, sign_in

IMAGES = PROJECT_ROOT / "docs" / "img"
SCREEN = {"width": 1280, "height": 860}

# (login, page link or None for the first page, the text (or «heading:» and a heading) the page must show, picture)
SHOTS = {
    "executor": [("lptes@lensk.demo", None, "Обзор", "executor-overview.png"),
                 ("lptes@lensk.demo", "Ввод данных", "Статус месяца", "executor-entry.png")],
    "commission": [("commission@lensk.demo", "Свод", "Показатели за", "commission-dashboard.png")],
    "coordinator": [("coordinator@lensk.demo", "Комиссия", "heading:Комиссия", "coordinator-commission.png"),
                    ("coordinator@lensk.demo", "Выгрузка", "heading:Выгрузка в министерство", "coordinator-export.png"),
                    ("coordinator@lensk.demo", "Администрирование", "heading:Администрирование", "coordinator-admin.png")],
}


@pytest.mark.parametrize("role", sorted(SHOTS))
def test_the_role_guides_pictures_show_each_page_as_it_is(reading_server, chromium, role):
    IMAGES.mkdir(parents=True, exist_ok=True)
    tab = new_page(chromium, viewport=SCREEN)
    try:
        signed_in_as = None
        for login, link, shows, picture in SHOTS[role]:
            if signed_in_as != login:
                open_login(tab, reading_server)
                sign_in(tab, login, "demo-" + login.split("@")[0])
                tab.get_by_role("button", name="Выйти").wait_for(timeout=30000)
                signed_in_as = login
            if link:
                tab.get_by_test_id("stSidebarNavItems").get_by_role("link", name=link).click()
            if shows.startswith("heading:"):
                tab.get_by_role("heading", name=shows.removeprefix("heading:")).wait_for(timeout=60000)
            else:
                tab.get_by_text(shows).first.wait_for(timeout=60000)
            idle_and_drawn(tab, timeout=60000, quiet=800)  # charts and grids draw after the script has finished
            tab.screenshot(path=str(IMAGES / picture))
            assert (IMAGES / picture).stat().st_size > 10_000, f"{picture}: an empty page"
        assert not tab.errors, tab.errors
    finally:
        tab.context.close()
