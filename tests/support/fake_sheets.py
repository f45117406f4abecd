"""An in-process fake of the Google Sheets v4 REST API.

It is mounted as the HTTP session of a real ``gspread.Client``
(``gspread.Client(auth=None, session=api.session())``), so the adapter's real
gspread calls are exercised without a network. Routes are taken from Google's
own discovery document for Sheets v4 (shipped in google-api-python-client): a
request whose method, path or query parameter the real API does not have is
answered 404/400, so the adapter cannot drift into calls Google would refuse.

Answers follow the real API where the adapter depends on them: A1 ranges with
quoted titles, trimmed trailing empty cells, ``updates`` of appends, 400
"Unable to parse range" for a tab that does not exist, RAW vs USER_ENTERED.
Faults (429, 500 before or after applying, timeouts) are injected with a seeded
random generator so a failing run can be repeated.
"""

from __future__ import annotations

import json
import random
import re
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import requests

ROOT = "https://sheets.googleapis.com/"


def discovery_document() -> dict:
    import googleapiclient

    path = Path(googleapiclient.__file__).parent / "discovery_cache/documents/sheets.v4.json"
    return json.loads(path.read_text())


def _routes(doc: dict) -> list[tuple[str, str, re.Pattern, dict]]:
    routes = []

    def walk(resources: dict, prefix: str) -> None:
        for name, res in resources.items():
            for method_name, m in res.get("methods", {}).items():
                pattern = re.escape(m["flatPath"])
                pattern = re.sub(r"\\\{(\w+)\\\}", lambda g: f"(?P<{g[1]}>[^/]+?)", pattern)
                routes.append((f"{prefix}{name}.{method_name}", m["httpMethod"], re.compile(pattern + "$"), m.get("parameters", {})))
            walk(res.get("resources", {}), f"{prefix}{name}.")

    walk(doc["resources"], "")
    return routes


class Formula(str):
    """A cell that the API would treat as a formula (only via USER_ENTERED)."""


@dataclass
class Sheet:
    sheet_id: int
    title: str
    index: int
    rows: list[list] = field(default_factory=list)
    row_count: int = 1000
    column_count: int = 26
    frozen_rows: int = 0

    def properties(self) -> dict:
        return {
            "sheetId": self.sheet_id, "title": self.title, "index": self.index, "sheetType": "GRID",
            "gridProperties": {"rowCount": self.row_count, "columnCount": self.column_count, "frozenRowCount": self.frozen_rows},
        }

    def last_data_row(self) -> int:
        for i in range(len(self.rows) - 1, -1, -1):
            if any(v not in (None, "") for v in self.rows[i]):
                return i + 1
        return 0


@dataclass
class Faults:
    """Probabilities per request; ``methods`` limits which API methods may fail."""

    rate_429: float = 0.0
    rate_500_before: float = 0.0  # refused before doing anything
    rate_500_after: float = 0.0  # applied, but the answer is lost (the ambiguous case)
    rate_timeout_after: float = 0.0  # applied, then the client times out
    methods: frozenset | None = None
    seed: int = 0

    def __post_init__(self):
        self.rng = random.Random(self.seed)


class ApiError(Exception):
    def __init__(self, code: int, message: str, status: str):
        self.code, self.message, self.status = code, message, status


def bad_request(message: str) -> ApiError:
    return ApiError(400, message, "INVALID_ARGUMENT")


def col_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def col_letters(index: int) -> str:
    s, index = "", index + 1
    while index:
        index, r = divmod(index - 1, 26)
        s = chr(65 + r) + s
    return s


@dataclass
class Spreadsheet:
    spreadsheet_id: str
    title: str
    sheets: list[Sheet] = field(default_factory=list)
    next_id: int = 0

    def add_sheet(self, title: str, **grid) -> Sheet:
        if any(s.title == title for s in self.sheets):
            raise bad_request(f'Invalid requests[0].addSheet: A sheet with the name "{title}" already exists. Please enter another name.')
        sheet = Sheet(self.next_id, title, len(self.sheets), **grid)
        self.next_id += 1
        self.sheets.append(sheet)
        return sheet

    def by_title(self, title: str) -> Sheet | None:
        return next((s for s in self.sheets if s.title == title), None)

    def by_id(self, sheet_id: int) -> Sheet:
        for s in self.sheets:
            if s.sheet_id == sheet_id:
                return s
        raise bad_request(f"No grid with id: {sheet_id}")

    def parse_range(self, a1: str) -> tuple[Sheet, int, int | None, int, int | None]:
        """A1 -> sheet, first row, last row (None = open), first col, last col (None = open); 0-based."""
        m = re.fullmatch(r"(?:'((?:[^']|'')+)'|([^!':]+))(?:!(.+))?", a1)
        if not m:
            raise bad_request(f"Unable to parse range: {a1}")
        title = (m[1] or "").replace("''", "'") or m[2]
        cells = m[3]
        sheet = self.by_title(title)
        if sheet is None:
            raise bad_request(f"Unable to parse range: {a1}")
        if not cells:
            return sheet, 0, None, 0, None
        cm = re.fullmatch(r"([A-Za-z]*)(\d*)(?::([A-Za-z]*)(\d*))?", cells)
        if not cm or not (cm[1] or cm[2]):
            raise bad_request(f"Unable to parse range: {a1}")
        c1 = col_index(cm[1]) if cm[1] else 0
        r1 = int(cm[2]) - 1 if cm[2] else 0
        if cm.group(3) is None and cm.group(4) is None:
            return sheet, r1, (r1 if cm[2] else None), c1, (c1 if cm[1] else None)
        c2 = col_index(cm[3]) if cm[3] else None
        r2 = int(cm[4]) - 1 if cm[4] else None
        return sheet, r1, r2, c1, c2


def _render(value, option: str):
    if isinstance(value, Formula):
        return str(value) if option == "FORMULA" else "#ERROR!"
    if option == "FORMATTED_VALUE":
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)
    return value


def _user_entered(value):
    if isinstance(value, str):
        if value.startswith("="):
            return Formula(value)
        try:
            return float(value.replace(",", ".")) if re.fullmatch(r"-?\d+([.,]\d+)?", value) else value
        except ValueError:
            return value
    return value


class FakeSheetsAPI:
    def __init__(self, faults: Faults | None = None):
        self.routes = _routes(discovery_document())
        self.global_params = set(discovery_document()["parameters"])
        self.spreadsheets: dict[str, Spreadsheet] = {}
        self.faults = faults or Faults()
        self.lock = threading.RLock()
        self.log: list[dict] = []

    # ---- test helpers --------------------------------------------------

    def create(self, title: str = "Долги ЖКУ") -> str:
        key = uuid.uuid4().hex[:20]
        self.spreadsheets[key] = Spreadsheet(key, title)
        return key

    def session(self) -> FakeSession:
        return FakeSession(self)

    def requests_made(self, name: str | None = None) -> int:
        return sum(1 for r in self.log if name is None or r["method"] == name)

    def rows(self, key: str, title: str) -> list[list]:
        sheet = self.spreadsheets[key].by_title(title)
        return [list(r) for r in sheet.rows[: sheet.last_data_row()]]

    # ---- dispatch ------------------------------------------------------

    def handle(self, method: str, url: str, params, body) -> tuple[int, dict]:
        parts = urlsplit(url)
        base = f"{parts.scheme}://{parts.netloc}/"
        query: dict[str, list[str]] = parse_qs(parts.query, keep_blank_values=True)
        for k, v in (params or {}).items():
            query.setdefault(k, []).extend(v if isinstance(v, (list, tuple)) else [v])
        if base != ROOT:
            return 404, {"error": {"code": 404, "message": f"unknown host {base}", "status": "NOT_FOUND"}}
        path = parts.path.lstrip("/")
        route = self._route(method, path)
        if route is None:
            return 404, {"error": {"code": 404, "message": f"{method} {path} is not a Sheets v4 method", "status": "NOT_FOUND"}}
        name, m, declared = route
        for q in query:
            if q not in declared and q not in self.global_params:
                message = f'Invalid JSON payload received. Unknown name "{q}": Cannot bind query parameter.'
                return 400, {"error": {"code": 400, "message": message, "status": "INVALID_ARGUMENT"}}
        path_params = {k: unquote(v) for k, v in m.groupdict().items()}
        entry = {"method": name, "path_params": path_params, "query": query, "body": body}
        with self.lock:
            self.log.append(entry)
            fault = self._fault(name)
            if fault in ("429", "500_before"):
                code = 429 if fault == "429" else 500
                return code, {"error": {"code": code, "message": "Quota exceeded" if code == 429 else "Internal error encountered.",
                                        "status": "RESOURCE_EXHAUSTED" if code == 429 else "INTERNAL"}}
            try:
                handler = getattr(self, "_" + name.replace(".", "_"), None)
                if handler is None:
                    return 501, {"error": {"code": 501, "message": f"fake does not implement {name}", "status": "UNIMPLEMENTED"}}
                result = handler(path_params, query, body or {})
            except ApiError as err:
                return err.code, {"error": {"code": err.code, "message": err.message, "status": err.status}}
            if fault == "500_after":
                return 500, {"error": {"code": 500, "message": "Internal error encountered.", "status": "INTERNAL"}}
            if fault == "timeout_after":
                raise requests.exceptions.ReadTimeout("fake: read timed out")
            return 200, result

    def _route(self, method: str, path: str):
        for name, http_method, pattern, declared in self.routes:
            m = pattern.fullmatch(path)
            if m and http_method == method.upper():
                return name, m, declared
        return None

    def _fault(self, name: str) -> str | None:
        f = self.faults
        if f.methods is not None and name not in f.methods:
            return None
        x = f.rng.random()
        for kind, p in (("429", f.rate_429), ("500_before", f.rate_500_before),
                        ("500_after", f.rate_500_after), ("timeout_after", f.rate_timeout_after)):
            if x < p:
                return kind
            x -= p
        return None

    def _book(self, path_params) -> Spreadsheet:
        book = self.spreadsheets.get(path_params["spreadsheetId"])
        if book is None:
            raise ApiError(404, "Requested entity was not found.", "NOT_FOUND")
        return book

    # ---- methods -------------------------------------------------------

    def _spreadsheets_get(self, p, q, body):
        book = self._book(p)
        return {
            "spreadsheetId": book.spreadsheet_id,
            "properties": {"title": book.title, "locale": "ru_RU", "timeZone": "Asia/Yakutsk"},
            "sheets": [{"properties": s.properties()} for s in book.sheets],
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{book.spreadsheet_id}/edit",
        }

    def _read(self, book: Spreadsheet, a1: str, q) -> dict:
        sheet, r1, r2, c1, c2 = book.parse_range(a1)
        option = (q.get("valueRenderOption") or ["FORMATTED_VALUE"])[0]
        last = sheet.last_data_row() if r2 is None else min(r2 + 1, len(sheet.rows))
        out = []
        for row in sheet.rows[r1:last]:
            cells = row[c1:] if c2 is None else row[c1 : c2 + 1]
            cells = [_render(v, option) if v is not None else "" for v in cells]
            while cells and cells[-1] == "":
                cells.pop()
            out.append(cells)
        while out and not out[-1]:
            out.pop()
        if (q.get("majorDimension") or ["ROWS"])[0] == "COLUMNS":
            width = max((len(r) for r in out), default=0)
            cols = [[r[j] if j < len(r) else "" for r in out] for j in range(width)]
            for col in cols:
                while col and col[-1] == "":
                    col.pop()
            out = cols
        end_col = col_letters(c2 if c2 is not None else max(sheet.column_count - 1, 0))
        result = {"range": f"'{sheet.title}'!{col_letters(c1)}{r1 + 1}:{end_col}{max(last, r1 + 1)}",
                  "majorDimension": (q.get("majorDimension") or ["ROWS"])[0]}
        if out:
            result["values"] = out
        return result

    def _spreadsheets_values_get(self, p, q, body):
        return self._read(self._book(p), p["range"], q)

    def _spreadsheets_values_batchGet(self, p, q, body):
        book = self._book(p)
        ranges = q.get("ranges", [])
        return {"spreadsheetId": book.spreadsheet_id, "valueRanges": [self._read(book, r, q) for r in ranges]}

    @staticmethod
    def _input(q, body) -> str:
        option = (q.get("valueInputOption") or [body.get("valueInputOption")])[0]
        if option not in ("RAW", "USER_ENTERED"):
            raise bad_request("Invalid valueInputOption: INPUT_VALUE_OPTION_UNSPECIFIED")
        return option

    @staticmethod
    def _convert(values, option):
        return [[_user_entered(v) if option == "USER_ENTERED" else v for v in row] for row in values]

    def _put(self, sheet: Sheet, r1: int, c1: int, values: list[list]) -> None:
        for i, row in enumerate(values):
            while len(sheet.rows) <= r1 + i:
                sheet.rows.append([])
            target = sheet.rows[r1 + i]
            for j, v in enumerate(row):
                while len(target) <= c1 + j:
                    target.append(None)
                target[c1 + j] = None if v == "" else v
        sheet.row_count = max(sheet.row_count, len(sheet.rows))
        sheet.column_count = max(sheet.column_count, max((c1 + len(r) for r in values), default=0))

    def _spreadsheets_values_append(self, p, q, body):
        book = self._book(p)
        sheet, r1, _, c1, _ = book.parse_range(p["range"])
        option = self._input(q, body)
        values = self._convert(body.get("values", []), option)
        start = max(sheet.last_data_row(), r1)
        insert = (q.get("insertDataOption") or ["OVERWRITE"])[0]
        if insert == "INSERT_ROWS":
            for i in range(len(values)):
                sheet.rows.insert(start + i, [])
        self._put(sheet, start, c1, values)
        width = max((len(r) for r in values), default=0)
        updated = f"'{sheet.title}'!{col_letters(c1)}{start + 1}:{col_letters(c1 + max(width, 1) - 1)}{start + len(values)}"
        return {
            "spreadsheetId": book.spreadsheet_id,
            "tableRange": f"'{sheet.title}'!A1:{col_letters(max(sheet.column_count, 1) - 1)}{max(start, 1)}",
            "updates": {"spreadsheetId": book.spreadsheet_id, "updatedRange": updated, "updatedRows": len(values),
                        "updatedColumns": width, "updatedCells": sum(len(r) for r in values)},
        }

    def _spreadsheets_values_update(self, p, q, body):
        book = self._book(p)
        sheet, r1, _, c1, _ = book.parse_range(p["range"])
        values = self._convert(body.get("values", []), self._input(q, body))
        self._put(sheet, r1, c1, values)
        return {"spreadsheetId": book.spreadsheet_id, "updatedRange": p["range"], "updatedRows": len(values),
                "updatedColumns": max((len(r) for r in values), default=0), "updatedCells": sum(len(r) for r in values)}

    def _spreadsheets_values_batchUpdate(self, p, q, body):
        book = self._book(p)
        option = self._input(q, body)
        targets = [(book.parse_range(d["range"]), d.get("values", [])) for d in body.get("data", [])]  # validate all first
        for (sheet, r1, _, c1, _), values in targets:
            self._put(sheet, r1, c1, self._convert(values, option))
        return {"spreadsheetId": book.spreadsheet_id, "totalUpdatedRows": sum(len(v) for _, v in targets)}

    def _spreadsheets_batchUpdate(self, p, q, body):
        book = self._book(p)
        requests_ = body.get("requests", [])
        kinds = {"addSheet", "updateSheetProperties", "appendCells", "appendDimension"}
        for i, r in enumerate(requests_):  # batchUpdate is all-or-nothing: validate before applying
            kind = next(iter(r), None)
            if len(r) != 1 or kind not in kinds:
                raise bad_request(f"Invalid requests[{i}]: fake supports {sorted(kinds)}, got {list(r)}")
            if kind == "addSheet" and book.by_title(r[kind]["properties"]["title"]):
                title = r[kind]["properties"]["title"]
                raise bad_request(f'Invalid requests[{i}].addSheet: A sheet with the name "{title}" already exists.')
            if kind in ("appendCells", "appendDimension"):
                book.by_id(r[kind]["sheetId"])
            if kind == "updateSheetProperties":
                book.by_id(r[kind]["properties"]["sheetId"])
        replies = []
        for r in requests_:
            kind, req = next(iter(r.items()))
            if kind == "addSheet":
                grid = req["properties"].get("gridProperties", {})
                sheet = book.add_sheet(req["properties"]["title"], row_count=grid.get("rowCount", 1000),
                                       column_count=grid.get("columnCount", 26), frozen_rows=grid.get("frozenRowCount", 0))
                replies.append({"addSheet": {"properties": sheet.properties()}})
            elif kind == "updateSheetProperties":
                sheet = book.by_id(req["properties"]["sheetId"])
                grid = req["properties"].get("gridProperties", {})
                if "frozenRowCount" in grid:
                    sheet.frozen_rows = grid["frozenRowCount"]
                replies.append({})
            elif kind == "appendDimension":
                sheet = book.by_id(req["sheetId"])
                if req["dimension"] == "COLUMNS":
                    sheet.column_count += req["length"]
                else:
                    sheet.row_count += req["length"]
                replies.append({})
            elif kind == "appendCells":
                sheet = book.by_id(req["sheetId"])
                values = []
                for row in req.get("rows", []):
                    cells = []
                    for cell in row.get("values", []):
                        v = cell.get("userEnteredValue", {})
                        cells.append(v.get("stringValue", v.get("numberValue", v.get("boolValue"))))
                    values.append(cells)
                start = sheet.last_data_row()
                for i in range(len(values)):
                    sheet.rows.insert(start + i, [])
                self._put(sheet, start, 0, values)
                replies.append({})
        return {"spreadsheetId": book.spreadsheet_id, "replies": replies}


class FakeSession(requests.Session):
    """What gspread's HTTPClient calls: ``session.request(method, url, ...)``."""

    def __init__(self, api: FakeSheetsAPI):
        super().__init__()
        self.api = api
        self.timeouts: list = []

    def request(self, method, url, params=None, data=None, headers=None, cookies=None, files=None,
                auth=None, timeout=None, allow_redirects=True, proxies=None, hooks=None, stream=None,
                verify=None, cert=None, json=None):
        self.timeouts.append(timeout)
        body = json if json is not None else (__import__("json").loads(data) if data else None)
        # Round-trip the body through JSON like the wire does (no NaN, no Python objects).
        if body is not None:
            body = __import__("json").loads(__import__("json").dumps(body, allow_nan=False))
        code, payload = self.api.handle(method, url, params, body)
        response = requests.Response()
        response.status_code = code
        response._content = __import__("json").dumps(payload, ensure_ascii=False).encode()
        response.headers["Content-Type"] = "application/json; charset=UTF-8"
        response.encoding = "utf-8"
        response.url = url
        response.request = requests.Request(method, url).prepare()
        return response
