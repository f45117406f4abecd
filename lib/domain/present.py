"""Tables as people read them — on the page and in every file: one way, for every table of the product.

A table stays a table of numbers and dates (it sorts as numbers, and a download gets numbers); how
each cell reads is decided here, once, from ``lib.core.fmt``: ``1 234,5`` (U+00A0 between thousands, a
decimal comma, a true minus U+2212), one decimal for thousands of rubles unless a column needs three
(a form's figures, a record as stored), whole numbers for counts, dates ``ДД.ММ.ГГГГ``, moments
``ДД.ММ.ГГГГ ЧЧ:ММ`` in the district's time, «да»/«нет», and «—» in an empty cell on the screen (never «None»;
a file keeps an empty cell empty).

- ``table(frame)``: a pandas Styler for ``st.dataframe`` — the frame's values, Russian display text (``prepare`` the
  text once and ``styled`` it on every rerun where the same table is drawn again);
- ``texts(frame)``: the same text as a frame of strings (search «as shown»);
- ``csv_bytes(frame)``: CSV for Russian Excel; ``lib.files.xlsx_tables`` writes the same tables to .xlsx;
- ``neutral(text)``: a text cell that a spreadsheet would run as a formula, made inert (OWASP);
- ``for_display(table, frame, labels)``: a stored tab as people read it (names, not codes).

How a column reads is inferred from its dtype (float: 1 decimal; integer: 0; datetime: a date);
``decimals`` and ``moments`` say where a column needs more, and ride along in ``frame.attrs`` so
that a frame built by ``for_display`` is shown, searched and downloaded the same way everywhere.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd
from pandas.io.formats.style import Styler

from lib.core import fmt
from lib.core.schema import Table

DERIVED_TITLES = {"version": "Версия", "row": "Строка"}
EXACT = None  # ``decimals`` value: every stored digit (a number typed by a person, shown as stored)

# Streamlit refuses a Styler over more cells than this pandas option (262 144 by default); the
# tables here are rendered column by column (``_translate``), so the cap only gets in the way.
pd.set_option("styler.render.max_elements", 50_000_000)


# ---- how each cell reads ----------------------------------------------------------------------


def _is_dates(col: pd.Series) -> bool:
    if pd.api.types.is_datetime64_any_dtype(col):
        return True
    if col.dtype != object:
        return False
    present = col.dropna()
    return len(present) > 0 and all(isinstance(v, dt.date) for v in present.iloc[:50])


def _exact(values: pd.Series) -> list[str]:
    return [fmt.figure(v) if pd.notna(v) else "—" for v in values]


def column_text(col: pd.Series, decimals: int | None = 1, moment: bool = False) -> list[str] | None:
    """The display text of one column, or None for a text column (shown as it is)."""
    if pd.api.types.is_bool_dtype(col):
        return ["да" if v is True else "нет" if v is False else "" for v in col.astype(object)]
    if pd.api.types.is_numeric_dtype(col):
        if pd.api.types.is_integer_dtype(col):
            return fmt.numbers(col.astype("float64"), 0)
        return _exact(col) if decimals is EXACT else fmt.numbers(col, decimals)
    if _is_dates(col):
        stamps = pd.to_datetime(col, errors="coerce")
        pattern = "%d.%m.%Y %H:%M" if moment else "%d.%m.%Y"
        return stamps.dt.strftime(pattern).fillna("").tolist()
    return None


def spec(frame: pd.DataFrame, decimals: Mapping[str, int | None] | None, moments: Iterable[str]) -> tuple[dict, set]:
    merged = {**frame.attrs.get("decimals", {}), **(decimals or {})}
    return merged, set(frame.attrs.get("moments", ())) | set(moments)


EMPTY = "—"  # an empty cell on the screen, in every column (issue 27): never «None», «nan», «<NA>» or a blank


def row_text(table_or_frame, position: int) -> list[tuple[str, str]]:
    """One row as (column, text) pairs, each text as ``table`` shows it («—» for nothing): a row read whole under its
    table when a cell is too narrow for its text (``lib.ui.shell.table``, ``whole=``). A Styler of ``table`` gives its
    own texts (its ``decimals`` included); a frame is shown as ``table(frame)`` would show it."""
    shown = getattr(table_or_frame, "shown", None)
    if shown is None:
        table_or_frame = table(getattr(table_or_frame, "data", table_or_frame))
        shown = table_or_frame.shown
    data = table_or_frame.data
    return [(str(name), (shown[j][position] if j in shown else str(data.iloc[position, j])).strip() or EMPTY)
            for j, name in enumerate(data.columns)]


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns with nothing in a cell hold "" (not «None», «nan» or «<NA>»; ``table`` shows it as «—»)."""
    out = frame.copy()
    for name in out.columns:
        col = out[name]
        if isinstance(col.dtype, pd.StringDtype):  # text kept as text (Arrow), not as Python objects: a fifth of the memory
            out[name] = col.fillna("")
        elif not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col) or _is_dates(col)):
            out[name] = col.astype(object).where(col.notna(), "")
    return out


def texts(frame: pd.DataFrame, decimals: Mapping[str, int | None] | None = None, moments: Iterable[str] = ()) -> pd.DataFrame:
    """Every cell as ``table`` shows it, as text."""
    decimals, moments = spec(frame, decimals, moments)
    out = {}
    for j, name in enumerate(frame.columns):
        col = frame.iloc[:, j]
        shown = column_text(col, decimals.get(name, 1), name in moments)
        out[j] = shown if shown is not None else col.astype(object).where(col.notna(), "").astype(str).tolist()
    result = pd.DataFrame(out, index=frame.index)
    result.columns = frame.columns
    return result


_CELL_IDS: dict[int, list[str]] = {}  # column -> «row0_col3», «row1_col3»…: the cell names Streamlit reads, made once
CELL_IDS_KEPT = 10_000  # rows whose names are kept (≈ 60 bytes a name); a longer table names the rest each time


def _cell_ids(j: int, rows: int) -> list[str]:
    """The names of column ``j``'s first ``rows`` cells. Why: a rerun of «Свод» at large scale draws ≈ 75 000 cells, and
    formatting their names anew was a tenth of the rerun; the names are the same for every table and every session."""
    kept = _CELL_IDS.get(j, [])
    wanted = min(rows, CELL_IDS_KEPT)
    if len(kept) < wanted:
        kept = [f"row{i}_col{j}" for i in range(wanted)]
        _CELL_IDS[j] = kept  # one assignment: a session reading the old list at the same time still gets a whole list
    return kept if rows <= len(kept) else kept + [f"row{i}_col{j}" for i in range(len(kept), rows)]


def _translate(styler: Styler, display: dict[int, list[str]]):
    """What ``st.dataframe`` reads from a Styler, and only that.

    Streamlit 1.67 (``streamlit/elements/lib/pandas_styler_utils.py``) calls ``_compute()``, then
    ``_translate(False, False)`` and takes "body" (each cell's display value), "cellstyle" and
    "table_styles". pandas' own ``_translate`` also builds the HTML attributes of every cell, ~40 µs
    a cell: 6 s for a 10 000-row table. This one, bound to the Styler ``table`` returns (Streamlit
    accepts only the Styler class itself, not a subclass), gives the same three parts; row and cell
    styles (``.apply``, ``.map``) work as usual.
    """

    def translate(sparse_index: bool, sparse_cols: bool, max_rows=None, max_cols=None, blank: str = "&nbsp;", with_body: bool = True):
        # ``with_body=False``: the cell text is already drawn once and kept (``lib.ui.table_bytes``), only the styles are asked
        body = [[{"id": cell, "display_value": text} for cell, text in zip(_cell_ids(j, len(values)), values)]
                for j, values in display.items()] if with_body else []
        styles: dict[tuple, list[str]] = {}
        for (i, j), props in styler.ctx.items():
            if props:
                styles.setdefault(tuple(props), []).append(f"row{i}_col{j}")
        return {"body": body, "table_styles": list(styler.table_styles or []),
                "cellstyle": [{"props": list(props), "selectors": cells} for props, cells in styles.items()]}

    return translate


@dataclass(frozen=True)
class Shown:
    """A table ready for the screen: ``frame`` as given (downloads take it), ``data`` its values with empty text
    cells as "", ``display`` column -> the Russian text of every cell. Built once (``prepare``) and drawn on every
    rerun (``styled``): the text of a 5 000-row table is most of what drawing it costs. Shared by the sessions that
    show the same figures: read only (``styled`` gives each its own Styler)."""

    frame: pd.DataFrame
    data: pd.DataFrame
    display: dict[int, list[str]]
    # kept across reruns (``prepare(…, reused=True)``, e.g. once per result): then the screen layer keeps what it made
    # of the table in ``drawn`` and hands it out again (``lib.ui.table_bytes``: the Arrow bytes of the values and of
    # the display text); a table made anew on every run keeps nothing there; nothing else writes ``drawn``
    reused: bool = False
    drawn: dict = field(default_factory=dict, compare=False, repr=False)


def prepare(frame: pd.DataFrame, decimals: Mapping[str, int | None] | None = None, moments: Iterable[str] = (),
            reused: bool = False) -> Shown:
    """``frame``'s values and the text ``table`` shows for them (arguments as for ``table``); ``reused``: the caller
    keeps this table and draws it again on later runs (``Shown.reused``)."""
    decimals, moments = spec(frame, decimals, moments)
    data = _plain(frame)
    display = {}
    for j, name in enumerate(data.columns):
        col = data.iloc[:, j]
        shown = column_text(col, decimals.get(name, 1), name in moments)
        if shown is None and (blank := col.astype(str).str.strip() == "").any():  # a text column with empty cells
            shown = [EMPTY if b else v for b, v in zip(blank, col.astype(str))]
        if shown is not None:
            display[j] = [t or EMPTY for t in shown]  # an empty date or yes/no cell too
    return Shown(frame, data, display, reused)


def styled(shown: Shown) -> Styler:
    """A new Styler over a prepared table (its styles — ``.apply``, ``.map`` — are this Styler's alone)."""
    styler = Styler(shown.data)
    styler._translate = _translate(styler, shown.display)
    styler.shown = shown.display  # what ``row_text`` reads: a row as the grid shows it
    styler.prepared = shown  # what ``lib.ui.table_bytes`` reads: the table's bytes, made once
    return styler


def table(frame: pd.DataFrame, decimals: Mapping[str, int | None] | None = None, moments: Iterable[str] = ()) -> Styler:
    """``frame`` for ``st.dataframe``: numbers stay numbers, every cell reads in Russian.

    ``decimals``: column -> decimals where a float column needs other than one (3 for a form's
    figures, 0 for a count stored as float, ``EXACT`` for every stored digit); ``moments``: date
    columns shown with the time.
    """
    return styled(prepare(frame, decimals, moments))


# ---- files -------------------------------------------------------------------------------------

# OWASP, «CSV Injection» (https://owasp.org/www-community/attacks/CSV_Injection): a spreadsheet runs
# a cell that begins with = + - @, TAB (0x09) or CR (0x0D) as a formula — Excel trims a leading TAB
# or CR and then sees «=1+1». The guidance: prefix such a cell with a single quote and quote every
# field (ASVS 5.0, 1.2.10, asks the same of .xlsx). In a workbook the quote is the cell's «quotePrefix»
# (``lib.files.xlsx_tables.text_cell``): the text itself stays exactly as typed.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def dangerous(text: str) -> bool:
    return isinstance(text, str) and text.startswith(FORMULA_STARTS)


def neutral(text: str) -> str:
    """A text cell for a CSV file: one that would be a formula gets a leading «'», nothing else changes."""
    return "'" + text if dangerous(text) else text


def _csv_numbers(col: pd.Series, decimals: int | None) -> list[str]:
    """Numbers as Russian Excel reads a number from a CSV: «-1234,5» (ASCII minus, no thousands gaps)."""
    if decimals is EXACT:
        from lib.core.parsing import number_text

        return [number_text(v).replace("\u00a0", "") if pd.notna(v) else "" for v in col]
    return [t.replace("\u00a0", "").replace(fmt.MINUS, "-") if t != "—" else "" for t in fmt.numbers(col, decimals)]


def _quoted(text: str) -> str:
    return '"' + neutral(text).replace('"', '""') + '"'


def csv_bytes(frame: pd.DataFrame, decimals: Mapping[str, int | None] | None = None, moments: Iterable[str] = ()) -> bytes:
    """A table as Russian Excel opens it with a double click: «;» between fields, a decimal comma,
    UTF-8 with a byte-order mark (Cyrillic reads right), numbers bare (Excel reads them as numbers),
    every text field quoted and made inert (OWASP, above)."""
    decimals, moments = spec(frame, decimals, moments)
    columns = []
    for j, name in enumerate(frame.columns):
        col = frame.iloc[:, j]
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            columns.append(_csv_numbers(col.astype("float64"), 0 if pd.api.types.is_integer_dtype(col) else decimals.get(name, 1)))
        else:
            shown = column_text(col, decimals.get(name, 1), name in moments)
            values = shown if shown is not None else col.astype(object).where(col.notna(), "").astype(str).tolist()
            columns.append([_quoted(v) for v in values])
    lines = [";".join(_quoted(str(c)) for c in frame.columns)] + [";".join(row) for row in zip(*columns)]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


_NOT_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def file_name(title: str, period: str | None, extension: str) -> str:
    """The name a download is saved under, as a person names a file: the table's Russian title and its period
    («Ежемесячный отчёт 2024-12.csv», «Поселения — долг и рост 2024-01–2024-12.xlsx»). What Windows refuses in a
    name (``\\ / : * ? " < > |``) becomes a space; a title with a colon reads «Поселения: долг» -> «Поселения — долг»."""
    text = f"{title} {period}" if period else title
    text = re.sub(r"\s*:\s*", " — ", text)
    text = " ".join(_NOT_IN_FILE_NAMES.sub(" ", text).split()).strip(" .")
    return f"{text}.{extension.lstrip('.')}"


def period_of(months: Iterable[str]) -> str | None:
    """The months a table covers, for a file name: «2024-12», or «2023-01–2024-12»; None without months."""
    found = sorted({m for m in months if isinstance(m, str) and m})
    if not found:
        return None
    return found[0] if found[0] == found[-1] else f"{found[0]}–{found[-1]}"


# ---- stored tabs as people read them -----------------------------------------------------------


@dataclass(frozen=True)
class Labels:
    """How people know what the tabs refer to by code: participants, users, meetings, members, measures
    (by the tab a reference points to), resources and kinds of participant (by the field listing them),
    the tabs themselves (for the audit log)."""

    by_tab: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    users: Mapping[str, str] = field(default_factory=dict)  # login (lower case) -> name
    tables: Mapping[str, Table] = field(default_factory=dict)

    def of(self, tab: str | None, code) -> str:
        if not isinstance(code, str):
            return ""
        return self.by_tab.get(tab or "", {}).get(code, code)

    def user(self, login) -> str:
        if not isinstance(login, str):
            return ""
        return self.users.get(login.strip().lower(), login)


def labels(snapshot) -> Labels:
    from lib.domain.proceedings import meeting_label

    participants = snapshot.current("participants")
    users = snapshot.current("users")
    meetings = snapshot.current("meetings")
    members = snapshot.current("commission_members")
    plan = snapshot.current("plan")
    decisions = snapshot.current("decisions")
    exports = snapshot.current("exports")
    member = {m.member_id: (m.position if isinstance(m.position, str) else "") + (f" ({m.person})" if isinstance(m.person, str) and m.person else "")
              for m in members.itertuples()}
    measure = {m.measure_id: (f"{m.item_no}. " if isinstance(m.item_no, str) and m.item_no else "")
               + (m.measure if isinstance(m.measure, str) else "") for m in plan.itertuples()}
    schema = snapshot.schema
    return Labels(
        {"participants": dict(zip(participants["id"], participants["name"])),
         "meetings": {r["meeting_id"]: meeting_label(r) for r in meetings.to_dict("records")},
         "commission_members": member, "plan": measure,
         "decisions": {d.decision_id: _decision_label(d, meeting_label) for d in decisions.merge(
             meetings[["meeting_id", "number", "date"]], on="meeting_id", how="left").itertuples()},
         "exports": dict(zip(exports.export_id, exports.file_name)),
         "settings": {s.key: s.title for s in schema["settings"].settings if s.title},
         # lists of codes without a tab of their own: the vocabulary they come from
         "resources": schema["debt_structure"].column("resource").labels, "executor_kinds": schema["participants"].column("kind").labels},
        {str(login).lower(): name for login, name in zip(users["login"], users["name"]) if isinstance(name, str) and name},
        {t.key: t for t in schema},
    )


def _decision_label(d, meeting_label) -> str:
    text = d.text if isinstance(d.text, str) else ""
    short = text if len(text) <= 80 else text[:79] + "…"
    return f"решение {meeting_label({'number': d.number, 'date': d.date})}: {short}" if pd.notna(d.date) else short


def _label_of(c, value, names: Labels) -> str:
    from lib.domain.periods import period_label

    if not isinstance(value, str) or not value:
        return ""
    if c.type == "ref":
        return names.of(c.ref, value)
    if c.type == "refs":
        return ", ".join(names.of(c.ref or c.key, v) for v in value.split(";") if v)
    if c.type == "enum":
        return c.labels.get(value, value)
    if c.type in ("month", "period"):
        try:
            return period_label(value)
        except (ValueError, IndexError):
            return value
    return value


def for_display(table: Table, frame: pd.DataFrame, names: Labels | None = None, *, system: bool = True) -> pd.DataFrame:
    """A stored tab as people read it: Russian titles; names for codes (participants, users, meetings,
    measures), labels for enums, «март 2024» for a month; money and numbers stay numbers, shown with
    every stored digit (three decimals for money); dates stay dates. How each column reads is kept in
    ``attrs`` for ``table``, ``texts`` and ``csv_bytes``."""
    names = names or Labels()
    out, decimals, moments = {}, {}, []
    for c in table.columns:
        if (c.system and not system) or c.secret or c.hidden:
            continue
        col = frame[c.key]
        if table.key == "audit" and c.key in AUDIT_READ:  # the log's own codes: which tab, which record, what changed
            out[c.title] = AUDIT_READ[c.key](frame, names)
        elif c.type in ("ref", "refs", "enum", "month", "period"):
            out[c.title] = [_label_of(c, v, names) for v in col]
        elif c.type == "bool":
            out[c.title] = col.astype("boolean")
        elif c.type in ("money", "number", "percent", "integer"):
            out[c.title] = col
            decimals[c.title] = 3 if c.type == "money" else EXACT
        elif c.type == "date":
            out[c.title] = pd.to_datetime(col, errors="coerce")
        elif c.type == "datetime":
            out[c.title] = local_moments(col)
            moments.append(c.title)
        elif c.key == "saved_by":
            out[c.title] = [names.user(v) for v in col]
        elif table.key == "settings" and c.key == "value":  # stored as text, read by the setting's own type
            kinds = {s.key: s.type for s in table.settings}
            out[c.title] = [_setting_text(kinds.get(k), v) for k, v in zip(frame["key"], col)]
        elif (table.key, c.key) in READ_AS:
            out[c.title] = [READ_AS[table.key, c.key](v) for v in col]
        else:
            out[c.title] = col.astype(object).where(col.notna(), "")
    for k, title in DERIVED_TITLES.items():
        if system and k in frame:
            out[title] = frame[k].to_numpy()
    shown = pd.DataFrame(out, index=frame.index)
    shown.attrs.update(decimals=decimals, moments=moments)
    return shown


def _audit_tabs(frame: pd.DataFrame, names: Labels) -> list[str]:
    return [names.tables[e].title if e in names.tables else str(e) for e in frame["entity"]]


def _audit_records(frame: pd.DataFrame, names: Labels) -> list[str]:
    return [key_label(names.tables[e], k, names) if e in names.tables else str(k) for e, k in zip(frame["entity"], frame["record_key"])]


def _audit_changes(frame: pd.DataFrame, names: Labels) -> list[str]:
    return [_setting_change(k, _changes_label(names.tables[e], c, names), names) if e == "settings" and e in names.tables
            else _changes_label(names.tables[e], c, names) if e in names.tables else (c if isinstance(c, str) else "")
            for e, k, c in zip(frame["entity"], frame["record_key"], frame["changes"])]


def _setting_change(key, text: str, names: Labels) -> str:
    """A setting's change names the setting, not the tab's column: «Отправлять напоминания: нет → да», not «Значение: нет → да»."""
    title = names.of("settings", key) if isinstance(key, str) else ""
    value = names.tables["settings"].column("value").title
    if not title or title == key:
        return text
    return "; ".join(title + part[len(value):] if part.startswith((f"{value}: ", f"{value} = ")) else part for part in text.split("; "))


AUDIT_READ = {"entity": _audit_tabs, "record_key": _audit_records, "changes": _audit_changes}


def export_period(value) -> str:
    """The period of an export as written in the journal («2024-Q4», «2024») as people say it."""
    from lib.domain.periods import period_label

    if not isinstance(value, str):
        return ""
    text = value.strip()
    if "-Q" in text:
        return period_label(text)
    return f"{text} год" if text.isdigit() else text


READ_AS = {("exports", "period"): export_period}  # text columns that hold a code of their own kind


def _setting_text(kind: str | None, value) -> str:
    from lib.domain.periods import period_label

    if not isinstance(value, str):
        return ""
    if kind == "month":
        try:
            return period_label(value.strip())
        except (ValueError, IndexError):
            return value
    return value


def local_moments(iso: Iterable) -> pd.Series:
    """Stored UTC ISO moments as the district's wall-clock time (naive datetimes: they sort and read as such)."""
    values = pd.Series(list(iso), dtype=object) if not isinstance(iso, pd.Series) else iso
    stamps = pd.to_datetime(values, errors="coerce", utc=True, format="ISO8601")
    return stamps.dt.tz_convert(fmt.district_zone()).dt.tz_localize(None).set_axis(values.index)


def record_labels(table: Table, shown: pd.DataFrame) -> pd.Series:
    """Each record as the table shows its key (rows of ``for_display``): «ООО «ЛПТЭС» · март 2024 · население»."""
    cells = texts(shown[[table.column(k).title for k in table.record_key]])
    labels_ = cells.iloc[:, 0]
    for j in range(1, cells.shape[1]):
        labels_ = labels_ + " · " + cells.iloc[:, j]
    return labels_


def key_label(table: Table, record_key: str, names: Labels) -> str:
    """A record key as the audit log stores it («ves · peleduy · 2024-12 · other · electricity») as
    people read it («ООО «ВЭС» · МО «Поселок Пеледуй» · декабрь 2024 · прочие потребители · …»)."""
    parts = str(record_key).split(" · ")
    if len(parts) != len(table.record_key):
        return str(record_key)
    shown = []
    for k, part in zip(table.record_key, parts):
        c = table.column(k)
        if part in ("None", ""):
            shown.append("—")
        elif k == "login":
            shown.append(names.user(part))
        elif len(table.record_key) == 1 and c.type == "text":  # a record's own code: what people call it
            shown.append(names.of(table.key, part))
        else:
            shown.append(_label_of(c, part, names))
    return " · ".join(shown)


def _searchable(text: pd.Series) -> pd.Series:
    # a typed space finds the non-breaking one of «1 234,5»; case and ё/е do not matter
    for odd, plain in (("\u00a0", " "), ("\u202f", " "), ("\u2212", "-"), ("ё", "е"), ("Ё", "Е")):
        text = text.str.replace(odd, plain, regex=False)
    return text.str.lower()


def matching_rows(shown: pd.DataFrame, query: str) -> pd.Series:
    """Rows of a displayed table (``for_display``) in which some shown cell contains ``query`` as
    shown: labels («население», not ``population``), names («Ленск»), dates «05.04.2024», numbers
    «1 234,5». Only the shown columns are searched, so a hidden one (a password hash) cannot be
    probed through the count."""
    needle = _searchable(pd.Series([query.strip()], dtype="str")).iloc[0].replace("\x1f", "")
    if not needle or shown.empty:
        return pd.Series(True, index=shown.index)
    cells = texts(shown)
    # one string per row, cells apart (\x1f is never typed), normalised once: a single vectorised search
    rows = None
    for j in range(cells.shape[1]):
        column = cells.iloc[:, j].astype("str")
        rows = column if rows is None else rows + "\x1f" + column
    return _searchable(rows).str.contains(needle, regex=False).astype(bool)


def _changes_label(table: Table, text, names: Labels) -> str:
    """The audit's «Поле = значение; Поле: было → стало» with names for the codes of reference fields."""
    if not isinstance(text, str):
        return ""
    refs = {c.title: c for c in table.data_columns
            if c.type in ("ref", "refs", "month", "period", *fmt.FIGURES) or (table.key, c.key) in READ_AS}
    own = table.column(table.record_key[0]) if len(table.record_key) == 1 and table.key in names.by_tab else None
    own = own.title if own is not None and own.type == "text" else None  # «Код решения = dec-…»: the record as people know it
    if not refs and own is None:
        return text
    parts = []
    for part in text.split("; "):
        title, sep, rest = part.partition(" = ") if " = " in part else part.partition(": ")
        c = refs.get(title)
        if (c is None and title != own) or not sep:
            parts.append(part)
            continue
        if title == own:
            read = lambda v: names.of(table.key, v)
        elif c.type in fmt.FIGURES:
            read = lambda v, c=c: _figure_text(c, v)
        elif c.type == "text":
            read = READ_AS[table.key, c.key]
        else:
            read = lambda v, c=c: _label_of(c, v, names)
        parts.append(title + sep + " → ".join(read(v) if v != "—" else v for v in rest.split(" → ")))
    return "; ".join(parts)


# how the audit wrote figures before ``fmt.figure``: money always with three decimals, counts without digit groups
_OLD_MONEY = re.compile("(\u2212?[0-9]{1,3}(?:\u00a0[0-9]{3})*),([0-9]{3})")
_OLD_COUNT = re.compile("-?[0-9]{4,}")


def _figure_text(column, text: str) -> str:
    """A figure in an audit entry as the forms show it. Entries written before the audit used ``fmt.figure``
    hold money as «40 000,000» (which a reader takes for forty) and counts as «1234»: they are read in the new
    form; the stored text is not changed. Anything else (an entry already in the new form, «—») is as it is.
    Matched as text, not parsed: the log page reads every entry, tens of thousands at region scale."""
    if column.type == "money" and (old := _OLD_MONEY.fullmatch(text)):
        fraction = old[2].rstrip("0")
        return old[1] + ("," + fraction if fraction else "")
    if column.type == "integer" and _OLD_COUNT.fullmatch(text):
        return fmt.figure(int(text), "integer")
    return text


def audit_table(schema, audit: pd.DataFrame, names: Labels, record: bool = True) -> pd.DataFrame:
    """Audit entries as people read them: when (district time), who (the person), which tab and record
    (names, not codes), what was done and changed."""
    if not names.tables:
        names = Labels(names.by_tab, names.users, {t.key: t for t in schema})
    out = {"Когда": local_moments(audit["saved_at"]), "Кто": [names.user(v) for v in audit["saved_by"]]}
    if record:
        out["Лист"] = _audit_tabs(audit, names)
        out["Запись"] = _audit_records(audit, names)
    out["Действие"] = audit["action"].fillna("").tolist()
    out["Изменения"] = _audit_changes(audit, names)
    shown = pd.DataFrame(out, index=audit.index)
    shown.attrs.update(moments=["Когда"])
    return shown
