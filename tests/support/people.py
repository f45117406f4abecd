"""What a person does to the shared sheet in the browser, applied to the fake API's spreadsheet.

Each helper acts as one person (the sheet's owner, who can always edit protected ranges, or a
district employee with edit access) and goes through the same rules Google's UI applies: a
protected cell or sheet refuses a non-editor with Google's message; a strict dropdown refuses a
value not on its list; what is typed is read under the spreadsheet's locale and the column's
number format, exactly as ``USER_ENTERED`` input (``fake_locale``).
"""

from __future__ import annotations

from tests.support.fake_locale import render, user_entered
from tests.support.fake_sheets import OWNER, PROTECTED, FakeSheetsAPI, Sheet, Spreadsheet, empty

EDITOR = "head@nyuya.lensk.ru"  # a settlement head with edit access to the sheet


class Refused(Exception):
    """The browser refused the edit; ``str`` is what Google shows the person."""


INVALID = "Введённые данные нарушают правила проверки, установленные для этой ячейки"


class Person:
    """``think``: seconds of the fake clock each action takes (a person is not faster than that)."""

    def __init__(self, api: FakeSheetsAPI, key: str, email: str = OWNER, think: float = 3.0):
        self.api, self.book, self.email, self.think = api, api.spreadsheets[key], email, think
        if email != self.book.owner:
            self.book.editors.add(email)  # the sheet is shared with this person as "Editor"

    def _act(self) -> None:
        self.api.clock.advance(self.think)

    # ---- helpers ----

    def _sheet(self, title: str) -> Sheet:
        sheet = self.book.by_title(title)
        if sheet is None:
            raise Refused(f"нет листа «{title}»")
        return sheet

    def _may(self, sheet: Sheet, cells) -> None:
        for r, c in cells:
            if not self.book.can_edit(self.email, sheet, r, c):
                raise Refused(PROTECTED)

    def _whole_sheet_protected(self, sheet: Sheet) -> bool:
        return self.email != self.book.owner and any(
            p.sheet_id == sheet.sheet_id and p.start_col is None and p.start_row is None and not p.warning_only
            and self.email not in p.editors for p in self.book.protections)

    def column(self, title: str, header: str) -> int:
        sheet = self._sheet(title)
        row = sheet.rows[0] if sheet.rows else []
        return next(i for i, v in enumerate(row) if v == header)

    def _valid(self, sheet: Sheet, r: int, c: int, typed) -> None:
        rule = sheet.rule_of(r, c)
        if not rule or not rule.get("strict") or empty(typed):
            return
        condition = rule.get("condition", {})
        if condition.get("type") == "ONE_OF_LIST":
            allowed = [v.get("userEnteredValue", "") for v in condition.get("values", [])]
        elif condition.get("type") == "ONE_OF_RANGE":
            target, r1, _, c1, _ = self.book.parse_range(condition["values"][0]["userEnteredValue"].lstrip("=").replace("$", ""))
            allowed = [str(row[c1]) for row in target.rows[r1:] if c1 < len(row) and not empty(row[c1])]
        else:
            return
        if str(typed).strip().lower() not in {a.lower() for a in allowed}:
            raise Refused(INVALID)

    # ---- what people do ----

    def type_cell(self, title: str, row: int, col: int, text) -> None:
        """Type into one cell (``row`` as the sheet shows it, from 1; ``col`` from 0)."""
        self._act()
        self._type_cell(title, row, col, text)

    def _type_cell(self, title: str, row: int, col: int, text) -> None:
        with self.book.lock:
            sheet = self._sheet(title)
            self._may(sheet, [(row - 1, col)])
            self._valid(sheet, row - 1, col, text)
            self.book.grow(sheet, rows=row - sheet.row_count, cols=col + 1 - sheet.column_count)
            sheet.put(row - 1, col, user_entered(text, self.book.locale, sheet.format_of(row - 1, col)) if text != "" else None)

    def type_row(self, title: str, cells: list, row: int | None = None) -> int:
        """Type a row from column A, by default in the first empty row under the data; returns its number."""
        self._act()
        return self._type_row(title, cells, row)

    def _type_row(self, title: str, cells: list, row: int | None = None) -> int:
        with self.book.lock:
            sheet = self._sheet(title)
            row = row or sheet.last_data_row() + 1
            targets = [(row - 1, j) for j, v in enumerate(cells) if not empty(v)]
            self._may(sheet, targets)
            for r, c in targets:
                self._valid(sheet, r, c, cells[c])
            for r, c in targets:
                self._type_cell(title, r + 1, c, cells[c])
            return row

    def type_record(self, title: str, values: dict[str, object], row: int | None = None) -> int:
        """Type a row by column titles, wherever those columns are now."""
        self._act()
        sheet = self._sheet(title)
        header = sheet.rows[0]
        cells = [""] * len(header)
        for name, value in values.items():
            cells[header.index(name)] = value
        return self._type_row(title, cells, row)

    def sort(self, title: str, header: str, descending: bool = False) -> None:
        """Data → Sort sheet by a column (the frozen header stays on top)."""
        self._act()
        with self.book.lock:
            sheet = self._sheet(title)
            col = self.column(title, header)
            top, last = max(sheet.frozen_rows, 1), sheet.last_data_row()
            body = sheet.rows[top:last]

            def key(row):
                v = row[col] if col < len(row) else None
                shown = render(v, "UNFORMATTED_VALUE", "SERIAL_NUMBER", self.book.locale, None)
                blank = empty(v)
                return (blank, isinstance(shown, str), shown if not blank else "")

            ordered = sorted(body, key=key, reverse=descending)
            if descending:  # blanks stay last either way
                ordered = [r for r in ordered if not key(r)[0]] + [r for r in ordered if key(r)[0]]
            moved = [(top + i, c) for i, (a, b) in enumerate(zip(body, ordered)) if a is not b for c in range(sheet.column_count)]
            self._may(sheet, moved)
            sheet.rows[top:last] = ordered

    def insert_column(self, title: str, before: int, header: str | None = None) -> None:
        """Insert an empty column before column ``before`` (from 0), optionally titled."""
        self._act()
        with self.book.lock:
            sheet = self._sheet(title)
            if self._whole_sheet_protected(sheet) or any(
                    p.sheet_id == sheet.sheet_id and p.start_col is not None and p.start_col < before < p.end_col
                    and self.email not in p.editors and self.email != self.book.owner for p in self.book.protections):
                raise Refused(PROTECTED)
            self.book.insert_columns(sheet, before)
            if header is not None:
                sheet.put(0, before, header)

    def move_column(self, title: str, header: str, to: int) -> None:
        """Drag a column so that it lands before column ``to`` (indices as before the move)."""
        self._act()
        with self.book.lock:
            sheet = self._sheet(title)
            col = self.column(title, header)
            self._may(sheet, [(r, col) for r in range(max(len(sheet.rows), 1))])
            if self._whole_sheet_protected(sheet):
                raise Refused(PROTECTED)
            self.book.move_columns(sheet, col, col + 1, to)

    def insert_row(self, title: str, before: int) -> None:
        """Insert an empty row before row ``before`` (as the sheet numbers rows)."""
        self._act()
        with self.book.lock:
            sheet = self._sheet(title)
            if self._whole_sheet_protected(sheet):
                raise Refused(PROTECTED)
            self.book.insert_rows(sheet, before - 1)

    def delete_row(self, title: str, row: int) -> None:
        self._act()
        with self.book.lock:
            sheet = self._sheet(title)
            self._may(sheet, [(row - 1, c) for c in range(sheet.column_count)])
            self.book.delete_rows(sheet, row - 1, row)

    def rename_tab(self, title: str, new_title: str) -> None:
        self._act()
        with self.book.lock:
            sheet = self._sheet(title)
            if self._whole_sheet_protected(sheet):
                raise Refused(PROTECTED)
            if self.book.by_title(new_title):
                raise Refused(f"Лист с названием «{new_title}» уже существует")
            sheet.title = new_title

    def delete_tab(self, title: str) -> None:
        self._act()
        with self.book.lock:
            sheet = self._sheet(title)
            if self._whole_sheet_protected(sheet):
                raise Refused(PROTECTED)
            self.book.sheets.remove(sheet)
            self.book.protections = [p for p in self.book.protections if p.sheet_id != sheet.sheet_id]

    def duplicate_header(self, title: str, header: str, values: list | None = None) -> int:
        """Add a column at the end with the same title as an existing one (and, maybe, values under it)."""
        self._act()
        with self.book.lock:
            sheet = self._sheet(title)
            at = max(len(r) for r in sheet.rows[:1] or [[]])
            self.book.grow(sheet, cols=at + 1 - sheet.column_count)
            sheet.put(0, at, header)
            for i, v in enumerate(values or []):
                sheet.put(i + 1, at, user_entered(v, self.book.locale, None))
            return at

    def copy_row(self, title: str, row: int) -> int:
        """Copy a whole row (system columns too) and paste it under the data; returns the new row."""
        self._act()
        with self.book.lock:
            sheet = self._sheet(title)
            target = sheet.last_data_row() + 1
            source = list(sheet.rows[row - 1])
            self._may(sheet, [(target - 1, c) for c, v in enumerate(source) if not empty(v)])
            self.book.grow(sheet, rows=target - sheet.row_count)
            for c, v in enumerate(source):
                sheet.put(target - 1, c, v)
            return target

    def remove_protection(self, title: str) -> None:
        """The owner switches off the protection of a tab (Data → Protect sheets and ranges)."""
        self._act()
        with self.book.lock:
            sheet = self._sheet(title)
            if self.email != self.book.owner:
                raise Refused(PROTECTED)
            self.book.protections = [p for p in self.book.protections if p.sheet_id != sheet.sheet_id]

    def share_protection(self, title: str, email: str) -> None:
        """The owner adds an editor to the protection of a tab (Data → Protect sheets and ranges → permissions)."""
        self._act()
        with self.book.lock:
            sheet = self._sheet(title)
            if self.email != self.book.owner:
                raise Refused(PROTECTED)
            for p in self.book.protections:
                if p.sheet_id == sheet.sheet_id:
                    p.editors.add(email)

    def set_locale(self, locale: str) -> None:
        """File → Settings → Locale."""
        self._act()
        with self.book.lock:
            self.book.locale = locale


def book(api: FakeSheetsAPI, key: str) -> Spreadsheet:
    return api.spreadsheets[key]
