"""A rerun must not send a value to a widget unless the value changed: Streamlit's browser then replaces what the
person is typing into that field at that moment — a field typed into while the rerun of the previous field's Tab is
still on its way lost its text (the claims form re-set every field on each run; seen in the browser test as a sum
stored empty)."""

from __future__ import annotations

import pytest

from tests.support.apptest import COORDINATOR, open_page

PAGES = ["pages/entry.py", "pages/dashboard.py", "pages/commission.py", "pages/plan.py", "pages/overview.py",
         "pages/admin.py", "pages/export.py", "pages/data.py"]


def values_sent(node) -> list[str]:
    proto = getattr(node, "proto", None)
    found = [getattr(node, "key", None) or proto.id] if proto is not None and getattr(proto, "set_value", False) else []
    children = getattr(node, "children", None)
    for child in (children.values() if isinstance(children, dict) else []):
        found += values_sent(child)
    return found


@pytest.mark.parametrize("login", [COORDINATOR, "ves@lensk.demo"])
def test_a_plain_rerun_of_any_page_sends_no_value_to_the_browser(demo_reading_url, login):
    sent = {}
    for page in PAGES:
        at = open_page(login, page)
        at.run()  # the rerun a Tab out of a field, a tab switch or a timer causes
        assert not at.exception, [e.value for e in at.exception]
        sent[page] = values_sent(at._tree)
    assert sent == {page: [] for page in PAGES}
