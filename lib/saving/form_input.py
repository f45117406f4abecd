"""What a person typed into an entry grid, taken the safe way (no Streamlit here).

Figures are typed into text cells and read on the server by ``lib.core.parsing`` — Streamlit's number
cells read a pasted «23,4» as 234 whatever the browser's language. The browser is trusted with
nothing else: the server builds the form (keys and row order) itself and takes from the editor's
state only the cells of columns the person may edit, by row position; rows the state claims were
added to or deleted from a fixed grid, and edits of hidden or read-only columns, are ignored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

import pandas as pd

from lib.core.parsing import is_empty, number_text

# «Nothing chosen» in a choice cell of a grid: Streamlit draws an empty choice ("" or None) as a grey English
# «None», so the grid shows this option instead, and reading the grid turns it back into «empty».
NOT_CHOSEN = "—"


def as_text(form: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """The form with these number columns as the text a person edits: «1 234,5», every stored digit kept;
    an empty cell is "" (a missing value would show as a grey English «None»)."""
    out = form.copy()
    for c in columns:
        out[c] = pd.Series([number_text(v) for v in form[c]], index=form.index, dtype=object)
    return out


def as_choices(values) -> list:
    """A choice column as the grid shows it: an empty cell is the «nothing chosen» option."""
    return [NOT_CHOSEN if is_empty(v) else v for v in values]


def apply_edits(form: pd.DataFrame, state: Mapping | None, editable: Sequence[str], choices: Sequence[str] = ()) -> pd.DataFrame:
    """The server's ``form`` with the edits of ``st.data_editor``'s state applied to ``editable`` columns only.

    ``state`` is ``{"edited_rows": {position: {column: value}}, "added_rows": [...], "deleted_rows": [...]}``
    as the browser sent it; values stay as typed (text) for the parser to judge. In ``choices`` columns the
    «nothing chosen» option is an empty cell (it is only how the grid shows one); a typed text cell is never changed.
    """
    out = form.copy()
    for c in editable:
        out[c] = out[c].astype(object)
    edited = (state or {}).get("edited_rows") if isinstance(state, Mapping) else None
    if not isinstance(edited, Mapping):
        return out
    positions = {c: out.columns.get_loc(c) for c in editable}
    for row, changes in edited.items():
        try:
            i = int(row)
        except (TypeError, ValueError):
            continue
        if not 0 <= i < len(out) or not isinstance(changes, Mapping):
            continue
        for column, value in changes.items():
            if column in positions:
                out.iat[i, positions[column]] = None if column in choices and value == NOT_CHOSEN else value
    return out


def shown_value(value) -> str:
    """A parsed figure as the preview shows it: exact, Russian; empty -> «—»."""
    return number_text(value) or "—"


def preview(records: Sequence[dict], columns: Mapping[str, str], keys: Mapping[str, list[str]], bad: set[tuple[int, str]]) -> pd.DataFrame:
    """«Что будет сохранено»: the rows' key columns as shown, then each figure as understood;
    a cell the parser refused shows «не распознано» (its reason is listed under the table)."""
    data = {title: values for title, values in keys.items()}
    for key, title in columns.items():
        data[title] = ["не распознано" if (i, key) in bad else shown_value(r.get(key)) for i, r in enumerate(records)]
    return pd.DataFrame(data)


def digest(records: Sequence[Mapping]) -> str:
    """A fingerprint of what a save would write: the page saves only what it showed the person on the
    previous run (an edit that reaches the server together with the click on «Сохранить» is shown first)."""
    return hashlib.sha1(repr([sorted(r.items()) for r in records]).encode()).hexdigest()
