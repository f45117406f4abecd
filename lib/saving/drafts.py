"""Edits in progress and the versions they were based on (no Streamlit here).

A form on «Ввод данных» is the stored record(s) with the person's changes on top. The changes — a
*draft* — are kept apart from what is stored, per form and by record key (never by row position), so
they can be put back on the form after a month switch or a page switch, and survive someone else
saving other cells meanwhile. A cell is changed when what it holds now *means* something else than
what is stored: «1234,5» typed over a stored 1 234,5 is no change; «12,3456» (which the parser will
refuse) is one, kept as typed.

An edit is based on the versions (``save_id``) the person saw when they began it. If one of them is
no longer current when the form is shown or saved, the form is *stale*: nothing may be written until
the person has seen both versions (``comparison``) and chosen.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pandas as pd

from lib.auth.access import user_name
from lib.core import fmt, memo
from lib.core.fmt import shown
from lib.core.frames import frame_records
from lib.core.parsing import ParseError, is_empty, parse_number_text
from lib.store.port import Snapshot

Key = tuple
Versions = dict[Key, str | None]  # record key -> save_id of its current version (None: not stored yet)


def same_value(stored, typed, numeric: bool) -> bool:
    """Does ``typed`` (text from the browser, or a stored value) mean what ``stored`` means?"""
    if is_empty(stored) or is_empty(typed):
        return is_empty(stored) and is_empty(typed)
    if numeric:
        if isinstance(typed, str):
            try:
                typed = parse_number_text(typed)[0]
            except ParseError:
                return False
        try:
            return float(typed) == float(stored)
        except (TypeError, ValueError):
            return False
    return str(typed) == str(stored)


def grid_changes(stored: pd.DataFrame, edited: pd.DataFrame, keys: Sequence[str], editable: Sequence[str],
                 numeric: Sequence[str]) -> dict[Key, dict]:
    """The cells of ``edited`` (same rows as ``stored``) that mean something else than stored, by row key."""
    out: dict[Key, dict] = {}
    for before, after in zip(stored.to_dict("records"), edited.to_dict("records")):
        changed = {c: after[c] for c in editable if not same_value(before[c], after[c], c in numeric)}
        if changed:
            out[tuple(before[k] for k in keys)] = changed
    return out


def with_changes(frame: pd.DataFrame, changes: Mapping[Key, Mapping], keys: Sequence[str]) -> pd.DataFrame:
    """``frame`` with a draft's cells put back (rows the form no longer has are left out)."""
    if not changes:
        return frame
    out = frame.copy()
    for c in {c for cells in changes.values() for c in cells}:
        if not (pd.api.types.is_object_dtype(out[c]) or pd.api.types.is_string_dtype(out[c])):
            out[c] = out[c].astype(object)  # a number column takes the text as typed; a text column keeps its type
    for i, row in enumerate(frame[list(keys)].itertuples(index=False, name=None)):
        for c, value in changes.get(tuple(row), {}).items():
            out.iat[i, out.columns.get_loc(c)] = value
    return out


def field_changes(stored: Mapping, typed: Mapping, numeric: Sequence[str]) -> dict:
    """The fields of one record form (``typed``, as entered) that mean something else than ``stored``."""
    return {k: v for k, v in typed.items() if not same_value(stored.get(k), v, k in numeric)}


def versions(snapshot: Snapshot, tab: str, records: Sequence[Mapping]) -> Versions:
    """The current version of each record a form shows (``records`` carry the tab's record-key fields)."""
    table = snapshot.schema[tab]
    keys = [tuple(r[k] for k in table.record_key) for r in records]
    # every form of a page asks on every rerun: once per snapshot and set of records (lib.core.memo)
    index = memo.recent(snapshot, f"drafts.versions:{tab}", tuple(keys), lambda: _save_ids(snapshot, tab, keys), keep=64)
    return {key: index.get(key) for key in keys}


def _save_ids(snapshot: Snapshot, tab: str, keys: Sequence[Key]) -> dict[Key, str]:
    """Record key -> the save id of its current version, for these keys."""
    current = _current_of(snapshot, tab, keys)
    found = current[list(snapshot.schema[tab].record_key)].itertuples(index=False, name=None)
    return {tuple(r): s for r, s in zip(found, current.save_id)}


def _current_of(snapshot: Snapshot, tab: str, keys: Sequence[Key]) -> pd.DataFrame:
    """The current versions that can be those of ``keys``: a participant's, a month's (vectorised, not a loop
    over the whole tab)."""
    current = snapshot.current(tab)
    for i, k in enumerate(snapshot.schema[tab].record_key):
        current = current[current[k].isin({key[i] for key in keys})]
    return current


def stale(base: Versions, now: Versions) -> list[Key]:
    """Records whose current version is not the one the edit was based on."""
    return [k for k, v in base.items() if now.get(k, v) != v]


def version_of(snapshot: Snapshot, tab: str, save_id: str | None, key: Key) -> dict | None:
    """One version of one record (``save_id`` of it), as plain values; None if there is none."""
    table = snapshot.schema[tab]
    if save_id is None:
        return None
    rows = snapshot.all_versions(table.key)
    match = rows[rows.save_id == save_id]
    for record in frame_records(table, match):
        if tuple(record.get(k) for k in table.record_key) == key:
            return record
    return None


def saved_by(snapshot: Snapshot, tab: str, keys: Sequence[Key]) -> str:
    """«Иванов И.И., 22.11.2026 10:15» for the latest of the current versions of ``keys``."""
    table = snapshot.schema[tab]
    current = {tuple(r.get(k) for k in table.record_key): r for r in frame_records(table, _current_of(snapshot, tab, keys))}
    found = [current[k] for k in keys if k in current]
    if not found:
        return "запись удалена из таблицы"
    latest = max(found, key=lambda r: r.get("saved_at") or "")
    return f"{user_name(snapshot, latest.get('saved_by'))}, {fmt.moment_ru(latest.get('saved_at'))}"


def comparison(snapshot: Snapshot, tab: str, base: Versions, mine: Mapping[Key, Mapping], fields: Sequence[str],
               label: Callable[[Key], str]) -> pd.DataFrame:
    """Both versions of every changed record, field by field: as it was when the person began, as stored
    now (someone else's save), and theirs — only the fields where these differ."""
    table = snapshot.schema[tab]
    now = versions(snapshot, tab, [dict(zip(table.record_key, k)) for k in base])
    rows = []
    for key in stale(base, now):
        was = version_of(snapshot, tab, base[key], key)
        stored = version_of(snapshot, tab, now[key], key)
        yours = mine.get(key)
        for f in fields:
            column = table.column(f)
            values = [None if r is None else r.get(f) for r in (was, stored, yours)]
            if all(shown(column, v) == shown(column, values[0]) for v in values):
                continue
            rows.append({"Запись": label(key), "Поле": column.title, "Когда вы начали": shown(column, values[0]),
                         "Сохранено сейчас": shown(column, values[1]),
                         "Ваше": "—" if yours is None else shown(column, values[2])})
    return pd.DataFrame(rows, columns=["Запись", "Поле", "Когда вы начали", "Сохранено сейчас", "Ваше"])
