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


def record_label(table: Table, row) -> str:
    return " · ".join(str(row[k]) for k in table.record_key)
