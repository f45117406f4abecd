"""Frames as people read them: Russian column titles, labels instead of codes, Russian numbers."""

from __future__ import annotations

import pandas as pd

from lib import fmt
from lib.schema import Table

DERIVED_TITLES = {"version": "Версия", "row": "Строка"}


def for_display(table: Table, frame: pd.DataFrame, *, system: bool = True, money_decimals: int = 3) -> pd.DataFrame:
    out = {}
    for c in table.columns:
        if (c.system and not system) or c.secret or c.hidden:
            continue
        col = frame[c.key]
        if c.type == "enum":
            labels = c.labels
            out[c.title] = [labels.get(v, v) if isinstance(v, str) else "" for v in col]
        elif c.type == "bool":
            out[c.title] = ["да" if v is True else "нет" if v is False else "" for v in col.astype(object)]
        elif c.type == "money":
            out[c.title] = [fmt.money(v, money_decimals) if pd.notna(v) else "" for v in col]
        elif c.type in ("number", "percent"):
            out[c.title] = [fmt.number(v, 1) if pd.notna(v) else "" for v in col]
        elif c.type == "date":
            out[c.title] = [fmt.date_ru(v) if pd.notna(v) else "" for v in col]
        elif c.key == "saved_at":
            out[c.title] = [fmt.moment_ru(v) if isinstance(v, str) else "" for v in col]
        else:
            out[c.title] = col.astype(object).where(col.notna(), "")
    for k, title in DERIVED_TITLES.items():
        if system and k in frame:
            out[title] = frame[k].to_numpy()
    return pd.DataFrame(out, index=frame.index)


def record_labels(table: Table, shown: pd.DataFrame) -> pd.Series:
    """Each record as the table shows its key (rows of ``for_display``): «lptes · 2024-03 · население»."""
    parts = [shown[table.column(k).title].astype("str").fillna("") for k in table.record_key]
    labels = parts[0]
    for part in parts[1:]:
        labels = labels + " · " + part
    return labels


def _searchable(text: pd.Series) -> pd.Series:
    # a typed space finds the non-breaking one of «1 234,5»; case and ё/е do not matter
    for odd, plain in (("\u00a0", " "), ("\u202f", " "), ("ё", "е"), ("Ё", "Е")):
        text = text.str.replace(odd, plain, regex=False)
    return text.str.lower()


def matching_rows(shown: pd.DataFrame, query: str) -> pd.Series:
    """Rows of a displayed table (``for_display``) in which some shown cell contains ``query`` as
    shown: labels («население», not ``population``), dates «05.04.2024», numbers «1 234,5». Only the
    shown columns are searched, so a hidden one (a password hash) cannot be probed through the count."""
    needle = _searchable(pd.Series([query.strip()], dtype="str")).iloc[0].replace("\x1f", "")
    if not needle or shown.empty:
        return pd.Series(True, index=shown.index)
    # one string per row, cells apart (\x1f is never typed), normalised once: a single vectorised search
    rows = None
    for title in shown.columns:
        cells = shown[title].astype("str").fillna("")
        rows = cells if rows is None else rows + "\x1f" + cells
    return _searchable(rows).str.contains(needle, regex=False).astype(bool)
