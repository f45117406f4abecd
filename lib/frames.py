"""Whole tabs <-> typed pandas DataFrames.

``cells_to_frame`` turns the cells of one tab (a header row as found in the
sheet, then data rows) into a DataFrame with one dtype per schema type and a
list of ``CellProblem`` for every cell it could not understand. It is
vectorised because a region-scale tab holds hundreds of thousands of rows:
numbers go through ``pd.to_numeric`` and only the cells that fail it (typed by
hand as ``1 234,5``) reach the per-cell lenient parser; other types are parsed
once per distinct value.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import zip_longest

import numpy as np
import pandas as pd

from lib.parsing import ParseError, is_empty, parse_value, to_cell
from lib.schema import MONEY_DECIMALS, Column, Table

DTYPES = {
    "integer": "Int64",
    "number": "float64",
    "money": "float64",
    "percent": "float64",
    "date": "datetime64[s]",
    "bool": "boolean",
}


@dataclass(frozen=True)
class CellProblem:
    tab: str  # Russian title of the tab
    row: int  # row number as the user sees it in the sheet (header is row 1)
    column: str  # Russian column title
    value: str  # the raw cell, as text
    reason: str

    def __str__(self) -> str:
        where = f"лист «{self.tab}», строка {self.row}"
        if self.column:
            where += f", столбец «{self.column}»"
        shown = f" (значение «{self.value}»)" if self.value else ""
        return f"{where}: {self.reason}{shown}"


def _norm_title(title: object) -> str:
    return " ".join(str(title or "").replace("ё", "е").lower().split())


def map_header(table: Table, header: list) -> tuple[dict[str, int], list[CellProblem]]:
    """Column key -> position in the sheet's own header row (humans reorder columns)."""
    found = {_norm_title(t): i for i, t in enumerate(header) if not is_empty(t)}
    positions, problems = {}, []
    for c in table.columns:
        i = found.get(_norm_title(c.title))
        if i is None:
            i = found.get(_norm_title(c.key))
        if i is None:
            if c.required:
                problems.append(CellProblem(table.title, 1, c.title, "", "в строке заголовков нет обязательного столбца"))
            continue
        positions[c.key] = i
    return positions, problems


def empty_frame(table: Table) -> pd.DataFrame:
    data = {c.key: pd.Series([], dtype=DTYPES.get(c.type, "str")) for c in table.columns}
    data["row"] = pd.Series([], dtype="int64")
    data["version"] = pd.Series([], dtype="int64")
    return pd.DataFrame(data)


def _plain_text(values: list, column: Column):
    """Fast path for a text column of strings only (what the app itself writes): strip, check lengths."""
    if column.type not in ("text", "ref"):
        return None
    series = pd.Series(values, dtype=object)
    if pd.api.types.infer_dtype(series, skipna=False) != "string":
        return None  # numbers, blanks or None among them: the careful path words each problem
    text = series.astype("str").str.strip()
    if (text == "").any() or (column.max_length and (text.str.len() > column.max_length).any()):
        return None
    return text.to_numpy(dtype=object).tolist()


def _parse_cells(values: list, column: Column, rows: np.ndarray, table: Table, problems: list) -> list:
    """Parse each distinct value once (factorize is C speed) and map the results back."""
    fast = _plain_text(values, column)
    if fast is not None:
        return fast
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    parsed: list = []
    reasons: dict[int, str] = {}
    for k, raw in enumerate(uniques):
        try:
            parsed.append(parse_value(raw, column))
        except ParseError as err:
            parsed.append(None)
            reasons[k] = str(err)
    try:  # the missing cells (code -1) all share one outcome
        parsed.append(parse_value(None, column))
    except ParseError as err:
        parsed.append(None)
        reasons[-1] = str(err)
    for k, reason in reasons.items():
        for i in np.flatnonzero(codes == k):
            problems.append(CellProblem(table.title, int(rows[i]), column.title, _shown(values[i]), reason))
    lookup = np.empty(len(parsed), dtype=object)
    lookup[:] = parsed
    return lookup[codes].tolist()  # code -1 picks the last entry: the missing-cell outcome


def _shown(raw: object) -> str:
    return "" if raw is None else str(raw)[:60]


def _to_float(values: list, series: pd.Series) -> np.ndarray:
    try:
        return pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64", copy=True)
    except (OverflowError, ValueError, TypeError):  # an integer beyond any float: per cell below
        return np.array([v if type(v) is float else np.nan for v in values], dtype="float64")


def _numeric(values: list, column: Column, rows: np.ndarray, table: Table, problems: list) -> np.ndarray:
    series = pd.Series(values, dtype=object)
    numbers = _to_float(values, series)
    # Cells the fast path did not accept, or accepted with a value our rules may refuse:
    # the per-cell parser decides those and words the reason. Whether any cell is text (typed by
    # hand) or a checkbox (pandas reads TRUE as 1.0) is asked of pandas first (C speed): a column
    # of plain numbers skips the per-cell look.
    kind = pd.api.types.infer_dtype(series, skipna=True)
    if kind in ("floating", "integer", "mixed-integer-float", "empty"):
        typed = np.zeros(len(values), dtype=bool)
    else:
        typed = np.fromiter((type(v) is str or isinstance(v, (bool, np.bool_)) for v in values), bool, len(values))
    empty = series.isna().to_numpy(copy=True)
    for i in np.flatnonzero(typed):
        if type(values[i]) is str and not values[i].strip():
            empty[i] = True
    with np.errstate(over="ignore", invalid="ignore"):  # 1e308 × 1000 is inf here; the parser words it
        suspect = np.isnan(numbers) | np.isinf(numbers)
        if column.min is not None:
            suspect |= numbers < column.min
        if column.max is not None:
            suspect |= numbers > column.max
        if column.type == "integer":
            suspect |= numbers != np.round(numbers)
        elif column.type == "money":
            scaled = numbers * 10**MONEY_DECIMALS
            suspect |= np.abs(scaled - np.round(scaled)) > np.maximum(1e-6, np.abs(scaled) * 4e-15)
    # text is always judged by the one parser (typed decimals, digit groups, «1e5»), a checkbox too
    suspect |= typed
    suspect &= ~empty
    for i in np.flatnonzero(suspect):
        try:
            v = parse_value(values[i], column)
            numbers[i] = np.nan if v is None else v
        except ParseError as err:
            numbers[i] = np.nan
            problems.append(CellProblem(table.title, int(rows[i]), column.title, _shown(values[i]), str(err)))
    if column.required:
        for i in np.flatnonzero(empty):
            problems.append(CellProblem(table.title, int(rows[i]), column.title, "", "обязательное поле не заполнено"))
    if column.type == "money":
        numbers = np.round(numbers, MONEY_DECIMALS)
    return numbers


def cells_to_frame(
    table: Table, header: list, rows: list, first_row: int = 2, *, machine_rows: bool = False
) -> tuple[pd.DataFrame, list[CellProblem]]:
    """Typed frame of all stored rows (every version) plus the problems found.

    ``first_row`` is the sheet row number of ``rows[0]``. Rows that are entirely
    empty are spacer rows a person left in the sheet and are skipped. ``machine_rows``:
    the rows come from a database (full width, never blank), so that scan is skipped, and
    they may be one chunk of a tab: the caller numbers the versions (``with_versions``) after
    joining the chunks.
    """
    positions, problems = map_header(table, header)
    width = max(positions.values(), default=-1) + 1
    if machine_rows:
        kept, numbers = rows, list(range(first_row, first_row + len(rows)))
    else:
        kept, numbers = [], []
        for n, r in enumerate(rows):
            # most rows have a plain value; only all-blank rows (spacers) need the careful check
            if r and (not is_empty(r[0]) or any(not is_empty(v) for v in r[1:width])):
                kept.append(r)
                numbers.append(first_row + n)
    if not kept:
        return empty_frame(table), problems
    row_numbers = np.asarray(numbers, dtype="int64")
    data = {}
    # rows -> columns at C speed; a sheet's rows are ragged (trailing blanks trimmed) and get padded
    by_position = list(zip(*kept)) if machine_rows else list(zip_longest(*kept, fillvalue=None))
    for c in table.columns:
        i = positions.get(c.key)
        values = list(by_position[i]) if i is not None and i < len(by_position) else [None] * len(kept)
        if c.type in ("integer", "number", "money", "percent"):
            arr = _numeric(values, c, row_numbers, table, problems)
            if c.type == "integer":
                data[c.key] = pd.array(np.where(np.isnan(arr), 0, arr).astype("int64"), dtype="Int64")
                data[c.key][np.isnan(arr)] = pd.NA
            else:
                data[c.key] = arr
        else:
            parsed = _parse_cells(values, c, row_numbers, table, problems)
            if c.type == "date":
                data[c.key] = pd.to_datetime(pd.Series(parsed, dtype=object)).astype("datetime64[s]")
            elif c.type == "bool":
                data[c.key] = pd.array(parsed, dtype="boolean")
            else:
                data[c.key] = pd.array(parsed, dtype="str")
    frame = pd.DataFrame(data)
    frame["row"] = row_numbers
    return (frame if machine_rows else with_versions(table, frame)), without_secrets(table, problems)


SECRET_PROBLEM = ("значение повреждено; содержимое секретного столбца не показывается — задайте пароль заново "
                  "(«Администрирование» или команда user passwd)")


def without_secrets(table: Table, problems: list[CellProblem]) -> list[CellProblem]:
    """A damaged cell of a secret column (a password hash) is reported without any of its characters,
    in its value or in the reason, wherever problems are shown («Обзор», ``check``, logs)."""
    secret = {c.title for c in table.columns if c.secret}
    if not secret:
        return problems
    return [CellProblem(p.tab, p.row, p.column, "", SECRET_PROBLEM) if p.column in secret and p.value else p for p in problems]


def with_versions(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """Number the versions of each record in storage order (needs the whole tab at once)."""
    frame["version"] = frame.groupby(list(table.record_key), dropna=False, sort=False).cumcount().astype("int64") + 1
    return frame


def current_versions(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """The latest version of every record (storage order decides, not clocks), each record kept
    where it first appeared, so a corrected row does not jump to the end of a table."""
    if "version" in frame and not (frame["version"] > 1).any():
        return frame  # nothing was ever corrected: every row is current (no copy of a large tab)
    key = list(table.record_key)
    first_seen = frame.groupby(key, sort=False, dropna=False).ngroup()
    latest = frame.assign(_first=first_seen).drop_duplicates(key, keep="last")
    return latest.sort_values("_first", kind="stable").drop(columns="_first").reset_index(drop=True)


def frame_records(table: Table, frame: pd.DataFrame, with_system: bool = True) -> list[dict]:
    """Rows of a frame back to canonical records (for copying between stores)."""
    columns = table.columns if with_system else table.data_columns
    out = []
    for row in frame.to_dict("records"):
        record = {}
        for c in columns:
            v = row.get(c.key)
            if is_empty(v):
                v = None
            elif c.type == "date":
                v = pd.Timestamp(v).date()
            elif c.type == "integer":
                v = int(v)
            elif c.type == "bool":
                v = bool(v)
            record[c.key] = v
        out.append(record)
    return out


def record_cells(table: Table, record: dict, layout: list[str] | None = None) -> list:
    """A canonical record as a row of cells in the given column layout."""
    layout = layout or table.keys
    by_key = {c.key: c for c in table.columns}
    return [to_cell(record.get(k), by_key[k]) if k in by_key else None for k in layout]
