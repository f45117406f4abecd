"""Whole tabs <-> typed pandas DataFrames.

``cells_to_frame`` turns the cells of one tab (a header row as found in the
sheet, then data rows) into a DataFrame with one dtype per schema type and a
list of ``CellProblem`` for every cell it could not understand. It is
vectorised because a region-scale tab holds hundreds of thousands of rows:
numbers go through ``pd.to_numeric`` and only the cells that fail it (typed by
hand as ``1 234,5``) reach the per-cell lenient parser; other types are parsed
once per distinct value.

Text that repeats on every row of the large tabs — the participant, settlement, consumer group and
resource of a report's record key, who saved it and the save's id — is held as a pandas category
(``categorical``): a small integer per row and each distinct text once. At large scale that halves
the frames' memory, and filtering and grouping them, which every figure does, moves integers instead
of strings. Such columns are only compared for equality, grouped, joined and shown; ``concat_rows``
keeps them categories (with the categories sorted, so an order by them is the order of the text).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import zip_longest

import numpy as np
import pandas as pd

from lib.core.parsing import ParseError, is_empty, parse_value, to_cell
from lib.core.schema import MONEY_DECIMALS, Column, Table

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
        where = f"лист «{self.tab}»" + (f", строка {self.row}" if self.row else "")
        if self.column:
            where += f", столбец «{self.column}»"
        shown = f" (значение «{self.value}»)" if self.value else ""
        return f"{where}: {self.reason}{shown}"


def _norm_title(title: object) -> str:
    return " ".join(str(title or "").replace("ё", "е").lower().split())


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA (for messages people can find in the sheet)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def header_positions(table: Table, header: list) -> dict[str, list[int]]:
    """Column key -> every position in the sheet's own header row with its title (humans
    reorder columns, and sometimes give two columns the same title)."""
    found: dict[str, list[int]] = {}
    for i, t in enumerate(header):
        if not is_empty(t):
            found.setdefault(_norm_title(t), []).append(i)
    positions = {}
    for c in table.columns:
        at = found.get(_norm_title(c.title)) or found.get(_norm_title(c.key))
        if at:
            positions[c.key] = at
    return positions


def header_problems(table: Table, positions: dict[str, list[int]]) -> list[CellProblem]:
    """The header row's own problems: a required column missing, a title that appears twice."""
    missing = [CellProblem(table.title, 1, c.title, "", "в строке заголовков нет обязательного столбца")
               for c in table.columns if c.required and c.key not in positions]
    twice = [CellProblem(table.title, 1, table.column(k).title, "",
                         f"заголовок повторяется в столбцах {', '.join(column_letter(i) for i in at)}: оставьте один "
                         "(значения из них сведены, расхождения перечислены ниже; сохранения в этот лист не принимаются)")
             for k, at in positions.items() if len(at) > 1]
    return missing + twice


def categorical(table: Table, column: Column) -> bool:
    """Held as a category (see the module docstring): a reference or a choice that is part of the record
    key, and who saved a row and in which save."""
    return (column.type in ("ref", "enum") and column.key in table.record_key) or column.key in ("saved_by", "save_id")


def _dtype(table: Table, column: Column):
    if categorical(table, column):
        return pd.CategoricalDtype(pd.Index([], dtype="str"))
    return DTYPES.get(column.type, "str")


def concat_rows(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """``pd.concat`` of frames with the same columns, where a category column of the first frame stays a
    category (pandas turns categories that differ, or a category and text, into text), its categories in
    sorted order."""
    if len(frames) == 1:
        return frames[0]
    frames = list(frames)
    for name in frames[0].columns:
        if not isinstance(frames[0][name].dtype, pd.CategoricalDtype):
            continue
        for i, f in enumerate(frames):  # a category in the first frame is one in the result
            if name in f and not isinstance(f[name].dtype, pd.CategoricalDtype):
                frames[i] = f.assign(**{name: f[name].astype("category")})
        union = sorted(set().union(*(f[name].cat.categories for f in frames if name in f)))
        if all(list(f[name].cat.categories) == union for f in frames if name in f):
            continue
        for i, f in enumerate(frames):
            if name in f:
                frames[i] = f.assign(**{name: f[name].cat.set_categories(union)})
    return pd.concat(frames, ignore_index=True)


def empty_frame(table: Table) -> pd.DataFrame:
    return _empty(table).copy(deep=False)  # building one costs milliseconds; most reads have empty tabs


@lru_cache(maxsize=64)
def _empty_rows(table: Table) -> pd.DataFrame:
    """What ``cells_to_frame`` gives for a tab without rows (no versions numbered yet)."""
    return _empty(table).drop(columns="version")


@lru_cache(maxsize=64)
def _empty(table: Table) -> pd.DataFrame:
    data = {c.key: pd.Series([], dtype=_dtype(table, c)) for c in table.columns}
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


def _merged(columns: list[list], column: Column, rows: np.ndarray, table: Table, problems: list) -> list:
    """One value per row from two or more columns with the same title: blanks give way to
    values; two different values are a problem and the cell is left missing (never a guess)."""
    out = []
    for n, cells in enumerate(zip(*columns)):
        values = [v for v in cells if not is_empty(v)]
        distinct = {str(v).strip() for v in values}
        if len(distinct) > 1:
            shown = " и ".join(f"«{_shown(v)}»" for v in values)
            problems.append(CellProblem(table.title, int(rows[n]), column.title, _shown(values[0]),
                                        f"в столбцах с одинаковым заголовком разные значения: {shown}"))
            out.append(None)
        else:
            out.append(values[0] if values else None)
    return out


def cells_to_frame(
    table: Table, header: list, rows: list, first_row: int = 2, *, machine_rows: bool = False
) -> tuple[pd.DataFrame, list[CellProblem]]:
    """Typed frame of all stored rows plus the problems found; ``versioned`` then orders them.

    ``first_row`` is the sheet row number of ``rows[0]``. Rows that are entirely
    empty are spacer rows a person left in the sheet and are skipped. ``machine_rows``:
    the rows come from a database (full width, never blank), so that scan is skipped.
    """
    positions = header_positions(table, header)
    problems = header_problems(table, positions)
    width = max((max(at) for at in positions.values()), default=-1) + 1
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
        return _empty_rows(table).copy(deep=False), problems
    row_numbers = np.asarray(numbers, dtype="int64")
    data = {}
    # rows -> columns at C speed; a sheet's rows are ragged (trailing blanks trimmed) and get padded
    by_position = list(zip(*kept)) if machine_rows else list(zip_longest(*kept, fillvalue=None))

    def column_values(i: int) -> list:
        return list(by_position[i]) if i < len(by_position) else [None] * len(kept)

    for c in table.columns:
        at = positions.get(c.key)
        if not at:
            values = [None] * len(kept)
        elif len(at) == 1:
            values = column_values(at[0])
        else:
            before = len(problems)
            values = _merged([column_values(i) for i in at], c, row_numbers, table, problems)
            conflicts = {p.row for p in problems[before:]}
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
            elif categorical(table, c):
                data[c.key] = pd.Categorical(pd.array(parsed, dtype="str"))
            else:
                data[c.key] = pd.array(parsed, dtype="str")
        if at and len(at) > 1 and conflicts:  # a conflict is reported once, not again as a missing value
            problems[:] = [p for p in problems if not (p.column == c.title and p.row in conflicts and p.value == "")]
    frame = pd.DataFrame(data)
    frame["row"] = row_numbers
    return frame, without_secrets(table, problems)


SECRET_PROBLEM = ("значение повреждено; содержимое секретного столбца не показывается — задайте пароль заново "
                  "(«Администрирование» или команда user passwd)")


def without_secrets(table: Table, problems: list[CellProblem]) -> list[CellProblem]:
    """A damaged cell of a secret column (a password hash) is reported without any of its characters,
    in its value or in the reason, wherever problems are shown («Обзор», ``check``, logs)."""
    secret = {c.title for c in table.columns if c.secret}
    if not secret:
        return problems
    return [CellProblem(p.tab, p.row, p.column, "", SECRET_PROBLEM) if p.column in secret and p.value else p for p in problems]


@dataclass(frozen=True)
class RowNote:
    """A row worth telling about that is not a cell problem: typed by hand (``manual``), or
    a second copy of the same save (``repeat``, counted once)."""

    tab: str  # Russian title of the tab
    row: int
    kind: str  # "manual" | "repeat"
    record: str  # the record key as text
    counted: bool
    reason: str

    def __str__(self) -> str:
        return f"лист «{self.tab}», строка {self.row} («{self.record}»): {self.reason}"


MANUAL = "введено вручную"


def _save_order(frame: pd.DataFrame) -> np.ndarray:
    """When each row was saved, in microseconds: «Номер сохранения», or «Сохранено» for rows
    written before that column existed (whole seconds); NaN for rows without either."""
    seq = frame["save_seq"].astype("float64").to_numpy(copy=True) if "save_seq" in frame else np.full(len(frame), np.nan)
    missing = np.isnan(seq)
    if missing.any():
        codes, uniques = pd.factorize(frame["saved_at"], use_na_sentinel=True)
        stamps = pd.to_datetime(pd.Series(uniques, dtype=object), utc=True, format="ISO8601")
        micros = (stamps - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(microseconds=1)
        lookup = np.append(micros.astype("float64").to_numpy(), np.nan)  # code -1 -> NaN
        seq[missing] = lookup[codes[missing]]
    return seq


def _key_tuples(frame: pd.DataFrame, key: list[str]) -> list[tuple]:
    columns = [frame[k].astype(object).where(frame[k].notna(), None).tolist() for k in key]
    return list(zip(*columns))


def _same_values(table: Table, a: pd.Series, b: pd.Series) -> bool:
    for c in table.data_columns:
        x, y = a[c.key], b[c.key]
        if not ((pd.isna(x) and pd.isna(y)) or (not pd.isna(x) and not pd.isna(y) and x == y)):
            return False
    return True


def versioned(table: Table, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[CellProblem], list[RowNote]]:
    """Every stored row -> the versions of each record, oldest first, numbered; plus what was
    left out and why. Nothing here depends on where a row sits in the sheet:

    - a row saved by the app (it has «Код сохранения» and «Сохранено») is a version, ordered
      by «Номер сохранения» (then «Сохранено» for older rows, then the save id);
    - rows of one save that landed twice (a resend after a lost answer) count once; a copy
      whose values differ (copied and then changed by hand) is not counted and is a problem;
    - a row typed by hand without those columns is listed as «введено вручную». It counts
      only while its record has no version saved by the app (then it is the record's only
      version); otherwise, or if two different hand-typed rows claim the same record, it is
      not counted and is listed as a problem, so whoever typed it sees that it was not taken.
    """
    if "version" in frame:
        frame = frame.drop(columns="version")
    if frame.empty:
        return empty_frame(table), [], []
    key = list(table.record_key)
    order = _save_order(frame)
    from_app = frame["save_id"].notna().to_numpy() & frame["saved_at"].notna().to_numpy() & ~np.isnan(order)
    problems: list[CellProblem] = []
    notes: list[RowNote] = []
    app_pos = np.flatnonzero(from_app)
    if len(app_pos):
        # ties (two saves in the same second, before «Номер сохранения» existed) go by save id, not by
        # position, so the order is the same in every copy of the store; rows of one save keep theirs
        ids = frame["save_id"].to_numpy(dtype=object)[app_pos]
        save_rank = pd.factorize(ids, sort=True)[0]
        ranked = app_pos[np.lexsort((app_pos, save_rank, order[app_pos]))]
        in_place = len(ranked) == len(frame) and bool((ranked == np.arange(len(frame))).all())
        app = frame if in_place else frame.iloc[ranked]  # most tabs are stored in save order already
        twice = app.duplicated(subset=[*key, "save_id"], keep="first").to_numpy()
        if twice.any():
            firsts = app[~twice].set_index([*key, "save_id"], drop=False)
            for _, row in app[twice].iterrows():
                first = firsts.loc[tuple(row[k] for k in [*key, "save_id"])]
                first = first.iloc[0] if isinstance(first, pd.DataFrame) else first
                shown_key = " · ".join(str(row[k]) for k in key)
                if _same_values(table, row, first):
                    notes.append(RowNote(table.title, int(row["row"]), "repeat", shown_key, False,
                                         f"повтор сохранения из строки {int(first['row'])} (связь прервалась, "
                                         "запрос дошёл дважды) — учтён один раз"))
                else:
                    problems.append(CellProblem(table.title, int(row["row"]), "", "",
                                                f"строка повторяет «Код сохранения» строки {int(first['row'])}, но "
                                                "значения отличаются (скопирована и изменена вручную?) — не учтена; "
                                                "исправления вносите через приложение"))
            app = app[~twice]
    else:
        app = frame.iloc[[]]
    parts = [app]
    manual_pos = np.flatnonzero(~from_app)
    if len(manual_pos):
        manual = frame.iloc[manual_pos]
        app_keys = set(_key_tuples(app, key))
        groups: dict[tuple, list[int]] = {}
        for i, k in zip(range(len(manual)), _key_tuples(manual, key)):
            groups.setdefault(k, []).append(i)
        counted = []
        for k, members in groups.items():
            shown_key = " · ".join("" if v is None else str(v) for v in k)
            rows = [manual.iloc[i] for i in members]
            if k in app_keys:
                reason = (f"{MANUAL}: у записи есть версии, сохранённые приложением, поэтому строка не учтена; "
                          "исправления вносите через приложение (ненужную строку удалите из таблицы)")
            elif all(_same_values(table, rows[0], r) for r in rows[1:]):
                counted.append(members[0])
                notes.append(RowNote(table.title, int(rows[0]["row"]), "manual", shown_key, True,
                                     f"{MANUAL} (без «Код сохранения»): учтена как единственная версия записи"))
                for r in rows[1:]:
                    notes.append(RowNote(table.title, int(r["row"]), "repeat", shown_key, False,
                                         f"{MANUAL}: повторяет строку {int(rows[0]['row'])} — учтена один раз"))
                continue
            else:
                others = ", ".join(str(int(r["row"])) for r in rows)
                reason = (f"{MANUAL}: для одной записи набраны разные строки ({others}) — ни одна не учтена; "
                          "оставьте одну")
            for r in rows:
                notes.append(RowNote(table.title, int(r["row"]), "manual", shown_key, False, reason))
                problems.append(CellProblem(table.title, int(r["row"]), "", "", reason))
        if counted:
            parts.append(manual.iloc[counted])
    result = pd.concat(parts) if len(parts) > 1 else parts[0]
    result = result.reset_index(drop=True) if result is not frame else frame.copy(deep=False)
    result["version"] = result.groupby(key, dropna=False, sort=False).cumcount().astype("int64") + 1
    return result, problems, notes


def current_versions(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """The latest version of every record (``frame`` comes from ``versioned``: oldest first),
    each record kept where it first appeared, so a corrected row does not jump to the end."""
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
