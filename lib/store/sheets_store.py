"""Google Sheets store: one spreadsheet, one tab per schema table.

Requests, by design:
- opening: one ``spreadsheets.get`` (tab list), once per process;
- reading everything: one ``values:batchGet`` for all tabs, cached for a short TTL;
- a save: one ``values:append`` (RAW, INSERT_ROWS) for one tab, or one
  ``spreadsheets:batchUpdate`` of ``appendCells`` when a save spans tabs; both
  are atomic on Google's side.
A save that fails ambiguously is retried only after checking, by its
``save_id``, that it did not land: a retry never duplicates rows.
"""

from __future__ import annotations

import threading
import time

from gspread.exceptions import APIError

from lib.frames import CellProblem, cells_to_frame, empty_frame, map_header, record_cells
from lib.schema import Schema, Table
from lib.store.port import Snapshot, Store, StoreError, StoreUnavailable
from lib.store.sheets_http import (
    RetryPolicy,
    call_with_retry,
    describe_failure,
    is_transient,
    store_error,
    was_refused,
)

READ_PARAMS = {
    # numbers as numbers, but dates a person typed as the text they see
    "valueRenderOption": "UNFORMATTED_VALUE",
    "dateTimeRenderOption": "FORMATTED_STRING",
    "majorDimension": "ROWS",
}


def a1_tab(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _cell_data(value) -> dict:
    """A value for appendCells: typed, never a formula (like RAW input)."""
    if value is None:
        return {}
    if isinstance(value, bool):
        return {"userEnteredValue": {"boolValue": value}}
    if isinstance(value, (int, float)):
        return {"userEnteredValue": {"numberValue": value}}
    return {"userEnteredValue": {"stringValue": str(value)}}


def parse_batch(schema: Schema, payload: dict, tables: list[Table]) -> tuple[Snapshot, dict[str, list[str | None]]]:
    """A values:batchGet answer -> typed snapshot, and each tab's column layout (key per sheet column)."""
    frames, problems, layouts = {}, [], {}
    for table, value_range in zip(tables, payload.get("valueRanges", [])):
        values = value_range.get("values", [])
        header = values[0] if values else []
        frame, found = cells_to_frame(table, header, values[1:])
        frames[table.key] = frame
        problems += found
        positions, _ = map_header(table, header)
        layout: list[str | None] = [None] * len(header)
        for k, i in positions.items():
            layout[i] = k
        layouts[table.key] = layout
    for table in schema:
        if table.key not in frames:
            frames[table.key] = empty_frame(table)
            problems.append(CellProblem(table.title, 0, "", "", "лист не найден — выполните «python -m lib.cli bootstrap-sheet»"))
    return Snapshot(frames, problems, schema), layouts


class SheetsStore(Store):
    kind = "gsheets"

    def __init__(
        self,
        key: str,
        client,
        schema: Schema | None = None,
        *,
        cache_ttl: float = 30.0,
        policy: RetryPolicy | None = None,
        clock=time.monotonic,
    ):
        super().__init__(f"gsheets://{key}", schema)
        self.key = key
        self.http = client.http_client
        self.policy = policy or getattr(self.http, "policy", None) or RetryPolicy()
        self.cache_ttl = cache_ttl
        self._clock = clock
        self._lock = threading.RLock()
        self._meta: dict | None = None
        self._cache: tuple[float, Snapshot] | None = None
        self._layouts: dict[str, list[str | None]] = {}

    # ---- metadata ------------------------------------------------------

    def describe(self) -> str:
        title = (self._meta or {}).get("properties", {}).get("title", "")
        return f"Google Таблица «{title}» ({self.key})" if title else f"Google Таблица {self.key}"

    def metadata(self, refresh: bool = False) -> dict:
        with self._lock:
            if self._meta is None or refresh:
                try:
                    self._meta = self.http.fetch_sheet_metadata(self.key)
                except APIError as exc:
                    raise store_error(exc, self.key) from exc
            return self._meta

    def sheet_ids(self, refresh: bool = False) -> dict[str, int]:
        return {s["properties"]["title"]: s["properties"]["sheetId"] for s in self.metadata(refresh).get("sheets", [])}

    # ---- reading -------------------------------------------------------

    def invalidate(self) -> None:
        with self._lock:
            self._cache = None

    def read_all(self) -> Snapshot:
        with self._lock:
            if self._cache and self._clock() - self._cache[0] < self.cache_ttl:
                return self._cache[1]
        present = self.sheet_ids()
        tables = [t for t in self.schema if t.title in present]
        try:
            payload = self.http.values_batch_get(self.key, [a1_tab(t.title) for t in tables], params=dict(READ_PARAMS))
        except APIError as exc:
            raise store_error(exc, self.key) from exc
        snapshot = self.parse_payload(payload, tables)
        with self._lock:
            self._cache = (self._clock(), snapshot)
        return snapshot

    def parse_payload(self, payload: dict, tables: list[Table]) -> Snapshot:
        snapshot, layouts = parse_batch(self.schema, payload, tables)
        with self._lock:
            self._layouts = layouts
        return snapshot

    # ---- writing -------------------------------------------------------

    def _layout(self, tab: str) -> list[str | None]:
        if tab not in self._layouts:
            self.invalidate()
            self.read_all()
        layout = self._layouts.get(tab)
        if not layout:
            raise StoreError(f"В Google Таблице нет листа «{self.schema[tab].title}» с заголовками: выполните bootstrap-sheet.")
        missing = [c.title for c in self.schema[tab].columns if c.key not in layout]
        if missing:
            raise StoreError(
                f"В листе «{self.schema[tab].title}» нет столбцов {', '.join('«' + m + '»' for m in missing)}: "
                "выполните bootstrap-sheet. Данные не сохранены."
            )
        return layout

    def _send(self, rows: dict[str, list[dict]]) -> None:
        cells = {tab: [record_cells(self.schema[tab], r, self._layout(tab)) for r in recs] for tab, recs in rows.items()}
        if len(cells) == 1:
            (tab, values), = cells.items()
            self.http.values_append(
                self.key,
                f"{a1_tab(self.schema[tab].title)}!A1",
                params={"valueInputOption": "RAW", "insertDataOption": "INSERT_ROWS"},
                body={"majorDimension": "ROWS", "values": [["" if v is None else v for v in row] for row in values]},
            )
            return
        ids = self.sheet_ids()
        requests = [
            {
                "appendCells": {
                    "sheetId": ids[self.schema[tab].title],
                    "rows": [{"values": [_cell_data(v) for v in row]} for row in values],
                    "fields": "userEnteredValue",
                }
            }
            for tab, values in cells.items()
        ]
        self.http.batch_update(self.key, {"requests": requests})

    def landed(self, tab: str, save_id: str) -> bool:
        """Is a row of this save already in the tab? (one read of the save_id column)."""
        letter = column_letter(self._layout(tab).index("save_id"))
        title = a1_tab(self.schema[tab].title)
        answer = self.http.values_get(
            self.key, f"{title}!{letter}:{letter}", params={"majorDimension": "COLUMNS", "valueRenderOption": "UNFORMATTED_VALUE"}
        )
        column = (answer.get("values") or [[]])[0]
        return save_id in column

    def _write(self, rows: dict[str, list[dict]], save_id: str) -> None:
        first_tab = next(iter(rows))
        marker = rows[first_tab][-1]["save_id"]  # the whole write is atomic: the last row tells
        delays = self.policy.delays()
        try:
            while True:
                try:
                    self._send(rows)
                    return
                except Exception as exc:
                    if not is_transient(exc):
                        if isinstance(exc, APIError):
                            raise store_error(exc, self.key) from exc
                        raise
                    if not was_refused(exc):
                        try:
                            if self.landed(first_tab, marker):
                                return
                        except StoreUnavailable as check_failed:
                            raise StoreUnavailable(
                                "Связь с Google Таблицей прервалась во время сохранения, и проверить, "
                                "дошли ли данные, не удалось. Введённое осталось на экране: обновите "
                                "страницу позже и проверьте, есть ли запись, прежде чем сохранять снова."
                            ) from check_failed
                    delay = next(delays, None)
                    if delay is None:
                        raise StoreUnavailable(
                            f"Не удалось сохранить в Google Таблицу: {describe_failure(exc)} после "
                            f"{self.policy.attempts} попыток. Данные не сохранены, введённое осталось на "
                            "экране — попробуйте ещё раз через минуту."
                        ) from exc
                    self.policy.sleep(delay)
        finally:
            self.invalidate()

    # ---- setting up a spreadsheet -------------------------------------

    def bootstrap(self) -> list[str]:
        """Create missing tabs with header rows and a frozen first row; add missing columns.

        Safe to run twice: existing tabs, their data and their own extra columns are kept.
        """
        report = []
        ids = self.sheet_ids(refresh=True)
        add = [
            {"addSheet": {"properties": {"title": t.title, "gridProperties": {
                "rowCount": 1000, "columnCount": max(26, len(t.columns)), "frozenRowCount": 1}}}}
            for t in self.schema if t.title not in ids
        ]
        try:
            if add:
                self.http.batch_update(self.key, {"requests": add})
                report += [f"создан лист «{r['addSheet']['properties']['title']}»" for r in add]
                ids = self.sheet_ids(refresh=True)
            headers = call_with_retry(
                lambda: self.http.values_batch_get(self.key, [f"{a1_tab(t.title)}!1:1" for t in self.schema], params=dict(READ_PARAMS)),
                self.policy, "заголовки",
            )
            data, fixes = [], []
            props = {s["properties"]["title"]: s["properties"] for s in self.metadata().get("sheets", [])}
            for t, vr in zip(self.schema, headers.get("valueRanges", [])):
                header = (vr.get("values") or [[]])[0]
                positions, _ = map_header(t, header)
                missing = [c.title for c in t.columns if c.key not in positions]
                if missing:
                    start = len(header)
                    created = not header
                    data.append({"range": f"{a1_tab(t.title)}!{column_letter(start)}1", "values": [missing]})
                    if not created:
                        report.append(f"лист «{t.title}»: добавлены столбцы {', '.join(missing)}")
                    need = start + len(missing)
                    grid = props[t.title].get("gridProperties", {})
                    if grid.get("columnCount", 26) < need:
                        more = need - grid.get("columnCount", 26)
                        fixes.append({"appendDimension": {"sheetId": ids[t.title], "dimension": "COLUMNS", "length": more}})
                if props[t.title].get("gridProperties", {}).get("frozenRowCount", 0) != 1:
                    fixes.append({"updateSheetProperties": {
                        "properties": {"sheetId": ids[t.title], "gridProperties": {"frozenRowCount": 1}},
                        "fields": "gridProperties.frozenRowCount"}})
            if fixes:
                self.http.batch_update(self.key, {"requests": fixes})
            if data:
                self.http.values_batch_update(self.key, {"valueInputOption": "RAW", "data": data})
        except APIError as exc:
            raise store_error(exc, self.key) from exc
        self.metadata(refresh=True)
        self.invalidate()
        self._layouts = {}
        return report or ["все листы и столбцы уже на месте"]
