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


def defaults_unlike_values(at) -> list[str]:
    """Widgets whose default (what the browser falls back to when it draws the widget again) is not the value the page
    keeps for them."""
    odd = []
    for kind in ("text_input", "text_area", "checkbox", "toggle", "number_input", "selectbox", "radio"):
        for w in getattr(at, kind):
            key = getattr(w, "key", None)
            if not key or key not in at.session_state:
                continue
            value, proto = at.session_state[key], w.proto
            if kind in ("selectbox", "radio"):
                options = list(w.options)
                shown = w.format_func(value) if value is not None else None
                want = [options.index(shown)] if shown in options else []
                got = [proto.default] if proto.HasField("default") else []
            elif kind == "number_input":
                want, got = [float(value)] if value is not None else [], [proto.default] if proto.HasField("default") else []
            elif kind in ("checkbox", "toggle"):
                want, got = [bool(value)], [proto.default]
            else:
                want, got = [value or ""], [proto.default if proto.HasField("default") else ""]
            if want != got:
                odd.append(f"{key}: default {got}, value {want}")
    return odd


@pytest.mark.parametrize("login", [COORDINATOR, "ves@lensk.demo"])
def test_a_rerun_sends_no_value_and_every_kept_widget_is_drawn_with_its_value_as_default(demo_reading_url, login):
    """On a plain rerun (the one a Tab out of a field, a tab switch or a timer causes) no page sends a value to a widget
    (it would replace what the person is typing there), and a draft form's field whose value the page keeps in the
    session has that value as its default too: a field without it fell back to Streamlit's own default (empty, 0, the
    first option, off) when the browser drew it again — and with drafts kept on the server such a fallback became a
    draft nobody typed (the coordinator's own account switched off, the mail port 1)."""
    sent, odd = {}, {}
    for page in PAGES:
        at = open_page(login, page)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        sent[page] = values_sent(at._tree)
        odd[page] = defaults_unlike_values(at)
    assert sent == {page: [] for page in PAGES}
    assert odd == {page: [] for page in PAGES}
