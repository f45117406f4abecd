"""Every widget of a draft form is drawn through ``shell.kept`` (review of issue 22): a widget given its kept value
by hand (``value=shell.held(key)``) at each of ~36 places is one a new form can forget — and a widget drawn without
it falls back to Streamlit's default when the browser draws it again, a draft nobody typed (docs/saving.md).

Read from the code (``ast``): a widget that holds a value, keyed ``f"{form}:…"`` (the keys of ``field_draft`` and
``record_draft``), must be the first argument of ``shell.kept`` (or ``kept`` inside lib/ui/shell.py), not called."""

import ast
from pathlib import Path

import pytest
import streamlit as st

from lib.core.config import PROJECT_ROOT
from lib.ui import shell

WIDGETS = set(shell._KEPT_AS)
SOURCES = sorted([*(PROJECT_ROOT / "pages").glob("*.py"), *(PROJECT_ROOT / "lib" / "ui").glob("*.py"), PROJECT_ROOT / "app.py"])


def _form_key(call: ast.Call) -> bool:
    """``key=f"{form}:…"``: a field of a draft form."""
    key = next((k.value for k in call.keywords if k.arg == "key"), None)
    return (isinstance(key, ast.JoinedStr) and len(key.values) >= 2 and isinstance(key.values[0], ast.FormattedValue)
            and isinstance(key.values[0].value, ast.Name) and key.values[0].value.id == "form"
            and isinstance(key.values[1], ast.Constant) and str(key.values[1].value).startswith(":"))


def drawn_by_hand(path: Path) -> list[str]:
    """The draft widgets of a file called directly (``st.text_input(…, key=f"{form}:…")``), as «file:line widget»."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WIDGETS
                and _form_key(node)):
            found.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno} {node.func.attr}")
    return found


def test_every_draft_widget_is_drawn_through_shell_kept():
    by_hand = [hit for path in SOURCES for hit in drawn_by_hand(path)]
    assert not by_hand, "draw these with shell.kept(widget, label, …, key=…): " + "; ".join(by_hand)
    kept = sum(1 for path in SOURCES for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
               if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "kept")
    assert kept >= 40  # the scan sees the forms (admin, reminders, commission, entry, plan): not a pass on nothing


def test_a_widget_kept_has_no_rule_for_is_refused_not_drawn_without_its_value():
    with pytest.raises(TypeError, match="no rule for a slider widget"):
        shell.kept(st.slider, "Доля", key="form:share")
