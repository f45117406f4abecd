"""Making a shared Google Sheet safe for the app and for the people in it: ``bootstrap-sheet``, drift.

``bootstrap`` is idempotent, on a new sheet and on one that already holds data:

1. tabs the schema has and the sheet lacks are created (2 rows, as many columns as needed: the
   10-million-cell limit counts empty cells too), each marked with developer metadata
   (``DeveloperMetadata``, key ``debt.tab``) so a renamed tab is still found; the header row frozen;
2. missing columns are added at the end of the header; data and the person's own columns are kept;
3. the spreadsheet locale becomes ru_RU and its time zone the district's
   (``SpreadsheetProperties.locale`` decides how Google reads what people type: 05.04.2024, 12,5);
4. number formats (``repeatCell`` of ``userEnteredFormat.numberFormat``): money ``# ##0,0##``, counts
   ``0``, dates ``ДД.ММ.ГГГГ``, everything else plain text, so a typed ``007`` keeps its zeros and
   ``03.2024`` stays a month; dropdowns (``DataValidationRule`` ``ONE_OF_LIST`` / ``ONE_OF_RANGE``)
   from the schema's enum, yes/no and reference columns;
5. protection (``ProtectedRange``, editors: the service account only): the system tabs whole, and
   the system columns of the data tabs, so people can type data but not «Код сохранения»;
6. migrations of older sheets: password hashes move out of «Пользователи» into the server's
   secrets file and the column is deleted; rows of signed tabs present before «Подпись» existed
   are signed once (listed in the report: check them);
7. rows of the data tabs the app wrote before «Печать» existed are sealed once, as they are (counted
   in the report); rows typed by people are left unsealed (the rule «введено вручную»).

``drift`` reports what has changed since: protection removed or widened, locale changed, header
row no longer frozen, a tab not marked — ``check`` prints it with the header and cell problems.
"""

from __future__ import annotations

import json

import pandas as pd

from lib.core import fmt
from lib.core.frames import cells_to_frame, column_letter, frame_records, header_positions
from lib.core.schema import Column, Table
from lib.store import signing
from lib.store.port import StoreError, StoreUnavailable
from lib.store.sheets_http import call_with_retry, describe_failure, is_google_failure, is_transient, store_error
from lib.store.sheets_names import ARCHIVED_METADATA, TAB_METADATA, a1_tab

TAG = "debt:"
LOCALE_REVIEW_METADATA = "debt.locale_review"  # on the spreadsheet: rows typed under the locale bootstrap replaced
REVIEW_LIMIT = 200  # rows kept in that list (developer metadata is limited in size); the rest are counted
IMPLICIT_METADATA = "debt.protection_editors"  # on the spreadsheet: editors Google keeps on every protected range (the owner)
LOCALE = "ru_RU"
DEFAULT_TIME_ZONE = "Asia/Yakutsk"  # the demo district (Lensk); set yours with --time-zone

FORMATS = {
    "money": {"type": "NUMBER", "pattern": "#,##0.0##"},
    "number": {"type": "NUMBER", "pattern": "#,##0.###"},
    "percent": {"type": "NUMBER", "pattern": "#,##0.###"},  # 5 means 5 %: not a PERCENT format (500 %)
    "integer": {"type": "NUMBER", "pattern": "0"},
    "date": {"type": "DATE", "pattern": "dd.mm.yyyy"},
}
TEXT = {"type": "TEXT", "pattern": "@"}


def sheet_columns(table: Table) -> list[Column]:
    """The columns a shared sheet has: all but the secret ones (they stay on the server)."""
    return [c for c in table.columns if not c.secret]


def _grid(sheet_id: int, start: int | None = None, end: int | None = None, from_row: int | None = None) -> dict:
    grid = {"sheetId": sheet_id}
    if from_row is not None:
        grid["startRowIndex"] = from_row
    if start is not None:
        grid["startColumnIndex"], grid["endColumnIndex"] = start, end
    return grid


def _runs(positions: list[int]) -> list[tuple[int, int]]:
    """[3, 4, 5, 9] -> [(3, 6), (9, 10)]"""
    runs: list[tuple[int, int]] = []
    for p in sorted(positions):
        if runs and runs[-1][1] == p:
            runs[-1] = (runs[-1][0], p + 1)
        else:
            runs.append((p, p + 1))
    return runs


def _fail(store, exc: Exception) -> Exception:
    """A failure during set-up, for a person (bootstrap-sheet may simply be run again)."""
    if isinstance(exc, StoreError):
        return exc
    if is_transient(exc):
        return StoreUnavailable(f"Google Таблица не ответила во время настройки ({describe_failure(exc)}). "
                                "Запустите bootstrap-sheet ещё раз: он продолжит с того же места.")
    if is_google_failure(exc):
        return store_error(exc, store.key, store.account)
    return exc


def _batch(store, requests: list[dict]) -> None:
    if requests:
        try:
            store.http.batch_update(store.key, {"requests": requests})
        except Exception as exc:
            raise _fail(store, exc) from exc


def _headers(store, titles: dict[str, str]) -> dict[str, list]:
    tabs = [t for t in store.schema.tables if t in titles]
    try:
        answer = call_with_retry(
            lambda: store.http.values_batch_get(store.key, [f"{a1_tab(titles[t])}!1:1" for t in tabs],
                                                params={"valueRenderOption": "UNFORMATTED_VALUE"}),
            store.policy, "заголовки")
    except Exception as exc:
        raise _fail(store, exc) from exc
    return {t: ((vr.get("values") or [[]])[0]) for t, vr in zip(tabs, answer.get("valueRanges", []))}


def desired_protection(store, table: Table, sheet_id: int, header: list) -> list[dict]:
    editors = {"users": [store.account]}
    if table.system_tab:
        return [{"range": _grid(sheet_id), "description": f"{TAG} системный лист «{table.title}»: изменяет только приложение",
                 "warningOnly": False, "editors": editors}]
    positions = header_positions(table, header)
    system = [i for c in table.columns if c.system for i in positions.get(c.key, [])]
    return [{"range": _grid(sheet_id, a, b), "description": f"{TAG} служебные столбцы листа «{table.title}»",
             "warningOnly": False, "editors": editors} for a, b in _runs(system)]


def grid_range(grid: dict | None) -> dict:
    """A ``GridRange`` as it means: Google's answers leave out fields at their default (proto3 JSON), so a
    range on the sheet with id 0 comes back without ``sheetId`` — compared with ``sheetId: 0`` it is the same."""
    return {"sheetId": 0, **(grid or {})}


def implicit_editors(store, meta: dict) -> set[str]:
    """Editors Google keeps on every protected range besides the service account: the spreadsheet's owner
    ("owners of a file can always edit protected ranges"; the owner cannot be removed). Recorded by
    ``bootstrap`` from what Google answered for the ranges it created (spreadsheet developer metadata)."""
    for m in meta.get("developerMetadata", []) or []:
        if m.get("metadataKey") == IMPLICIT_METADATA:
            return {u for u in str(m.get("metadataValue", "")).split(",") if u} - {store.account}
    return set()


def _editors(existing: dict) -> set[str]:
    return set((existing.get("editors") or {}).get("users", []))


def _same(existing: dict, wanted: dict, implicit: set[str]) -> bool:
    return (grid_range(existing.get("range")) == grid_range(wanted["range"]) and not existing.get("warningOnly")
            and _editors(existing) - implicit == set(wanted["editors"]["users"]))


def _record_implicit(store, created: list[str]) -> None:
    """After bootstrap created protected ranges: the editors Google added to them (the owner) are recorded,
    so the next bootstrap and ``check`` accept them and report only editors a person added."""
    meta = store.metadata(refresh=True)
    found = [_editors(p) - {store.account} for s in meta.get("sheets", []) for p in s.get("protectedRanges", []) or []
             if str(p.get("description", "")) in created]
    if not found:
        return
    implicit = set.intersection(*found)
    if any(m.get("metadataKey") == IMPLICIT_METADATA and m.get("metadataValue") == ",".join(sorted(implicit))
           for m in meta.get("developerMetadata", []) or []):
        return
    _batch(store, [{"deleteDeveloperMetadata": {"dataFilter": {"developerMetadataLookup": {"metadataKey": IMPLICIT_METADATA}}}}]
           * any(m.get("metadataKey") == IMPLICIT_METADATA for m in meta.get("developerMetadata", []) or [])
           + [{"createDeveloperMetadata": {"developerMetadata": {
               "metadataKey": IMPLICIT_METADATA, "metadataValue": ",".join(sorted(implicit)), "visibility": "DOCUMENT",
               "location": {"spreadsheet": True}}}}])


def bootstrap(store, time_zone: str | None = None) -> list[str]:
    """Set the spreadsheet up as the schema says, changing only what differs (run again, it changes nothing): tabs,
    their marks and frozen header, locale and time zone; columns; number formats, dropdowns and protection."""
    meta = store.metadata(refresh=True)
    if store.archived_to():
        raise StoreError(f"Эта Google Таблица — архив: данные перенесены в {store.archived_to()}. Её не меняют.")
    report = _tabs_and_locale(store, meta, time_zone or DEFAULT_TIME_ZONE)
    meta = store.metadata(refresh=True)
    titles = store._titles_of(meta)
    sheets = {s["properties"]["title"]: s for s in meta.get("sheets", [])}
    _marks(store, titles, sheets)
    sheets, headers = _columns(store, titles, sheets, report)
    report += _seal_existing(store, titles, headers)
    _formats_and_protection(store, meta, titles, sheets, headers, report)
    if store.account is None:
        report.append("e-mail сервисного аккаунта неизвестен (нет client_email в ключе): защита листов не настроена")
    store.metadata(refresh=True)
    store.invalidate()
    return report or ["все листы, столбцы и защита уже на месте"]


def _tabs_and_locale(store, meta: dict, zone: str) -> list[str]:
    """1. The tabs the sheet lacks; 3. locale and time zone (cells typed under the old locale listed for review)."""
    report: list[str] = []
    titles = store._titles_of(meta)
    first: list[dict] = []
    for t in store.schema:
        if t.key not in titles:
            first.append({"addSheet": {"properties": {"title": t.title, "gridProperties": {
                "rowCount": 2, "columnCount": len(sheet_columns(t)), "frozenRowCount": 1}}}})
            report.append(f"создан лист «{t.title}»")
    props = meta.get("properties", {})
    changed = [f"локаль {LOCALE} (была {props.get('locale')})"] if props.get("locale") != LOCALE else []
    changed += [f"часовой пояс {zone} (был {props.get('timeZone')})"] if props.get("timeZone") != zone else []
    if changed:
        first.append({"updateSpreadsheetProperties": {"properties": {"locale": LOCALE, "timeZone": zone},
                                                      "fields": "locale,timeZone"}})
        report.append(f"таблица: {', '.join(changed)}")
    if props.get("locale") not in (None, LOCALE) and titles:
        review = _typed_under(store, props["locale"])
        if review:
            first += _review_requests(meta, review)
            report += [f"набрано вручную при локали {props['locale']} — проверьте (список остаётся в «check» и на «Обзоре», "
                       "пока не выполнена «bootstrap-sheet --locale-reviewed»):", *review_lines(review)]
    _batch(store, first)
    return report


def _marks(store, titles: dict, sheets: dict) -> None:
    """Each tab's mark (developer metadata: a renamed tab is still found) and its frozen header row."""
    marks: list[dict] = []
    for t in store.schema:
        sheet = sheets[titles[t.key]]
        sheet_id = sheet["properties"]["sheetId"]
        if not any(m.get("metadataKey") == TAB_METADATA for m in sheet.get("developerMetadata", []) or []):
            marks.append({"createDeveloperMetadata": {"developerMetadata": {
                "metadataKey": TAB_METADATA, "metadataValue": t.key, "visibility": "DOCUMENT",
                "location": {"sheetId": sheet_id}}}})
        if sheet["properties"].get("gridProperties", {}).get("frozenRowCount", 0) != 1:
            marks.append({"updateSheetProperties": {"properties": {"sheetId": sheet_id, "gridProperties": {"frozenRowCount": 1}},
                                                    "fields": "gridProperties.frozenRowCount"}})
    _batch(store, marks)


def _columns(store, titles: dict, sheets: dict, report: list[str]) -> tuple[dict, dict]:
    """2. The columns each tab lacks, at its end (6. the hash column leaves the shared sheet first); rows of system
    tabs that were there before signatures are signed. Returns the sheets and headers as they are now."""
    headers = _headers(store, titles)
    moved = _move_hashes(store, titles, sheets, headers)
    if moved:  # a column was deleted: grids and headers changed
        report += moved
        sheets = {s["properties"]["title"]: s for s in store.metadata(refresh=True).get("sheets", [])}
        headers = _headers(store, titles)
    data, grow, newly_signed = [], [], []
    for t in store.schema:
        header = headers.get(t.key, [])
        positions = header_positions(t, header)
        missing = [c.title for c in sheet_columns(t) if c.key not in positions]
        if not missing:
            continue
        start = len(header)
        data.append({"range": f"{a1_tab(titles[t.key])}!{column_letter(start)}1", "values": [missing]})
        if header:
            report.append(f"лист «{t.title}»: добавлены столбцы {', '.join(missing)}")
        if t.signed and "signature" not in positions and header:
            newly_signed.append(t.key)
        grid = sheets[titles[t.key]]["properties"].get("gridProperties", {})
        if grid.get("columnCount", 26) < start + len(missing):
            grow.append({"appendDimension": {"sheetId": sheets[titles[t.key]]["properties"]["sheetId"],
                                             "dimension": "COLUMNS", "length": start + len(missing) - grid.get("columnCount", 26)}})
    _batch(store, grow)
    if data:
        try:
            store.http.values_batch_update(store.key, {"valueInputOption": "RAW", "data": data})
        except Exception as exc:
            raise _fail(store, exc) from exc
    headers = _headers(store, titles)
    report += _sign_existing(store, titles, headers, newly_signed)
    return sheets, headers


def _formats_and_protection(store, meta: dict, titles: dict, sheets: dict, headers: dict, report: list[str]) -> None:
    """4. Number formats and dropdowns on whole columns (rows added later included); 5. protection of the system
    tabs and columns, changed only where it differs from what the schema wants (the owner counted as Google adds it)."""
    setup: list[dict] = []
    protection: list[dict] = []
    created: list[str] = []
    implicit = implicit_editors(store, meta)
    for t in store.schema:
        sheet = sheets[titles[t.key]]
        sheet_id = sheet["properties"]["sheetId"]
        header = headers.get(t.key, [])
        positions = header_positions(t, header)
        for c in sheet_columns(t):
            for i in positions.get(c.key, []):
                setup.append({"repeatCell": {"range": _grid(sheet_id, i, i + 1, from_row=1),
                                             "cell": {"userEnteredFormat": {"numberFormat": FORMATS.get(c.type, TEXT)}},
                                             "fields": "userEnteredFormat.numberFormat"}})
                rule = _rule(store, c, titles, headers)
                if rule:
                    setup.append({"setDataValidation": {"range": _grid(sheet_id, i, i + 1, from_row=1), "rule": rule}})
        if store.account is None:
            continue
        wanted = desired_protection(store, t, sheet_id, header)
        ours = [p for p in sheet.get("protectedRanges", []) or [] if str(p.get("description", "")).startswith(TAG)]
        if len(ours) == len(wanted) and all(any(_same(p, w, implicit) for p in ours) for w in wanted):
            continue
        protection += [{"deleteProtectedRange": {"protectedRangeId": p["protectedRangeId"]}} for p in ours]
        protection += [{"addProtectedRange": {"protectedRange": w}} for w in wanted]
        created += [w["description"] for w in wanted]
        report.append(f"лист «{t.title}»: {'защищён целиком' if t.system_tab else 'защищены служебные столбцы'} "
                      f"(изменять может только {store.account})")
    _batch(store, setup + protection)
    if created:
        _record_implicit(store, created)


def _typed_under(store, old_locale: str) -> dict:
    """Before the locale changes: rows people typed by hand (no «Код сохранения») — Google read them under
    ``old_locale`` (05.04.2024 became 4 May under en_US) and keeps what it read after the switch. Their dates
    and numbers as the app reads them now, for a person to compare with what was meant."""
    store.invalidate()
    snapshot = store.read_all()
    by_title = {t.title: t for t in store.schema}
    rows = []
    for note in snapshot.manual_rows():
        table = by_title.get(note.tab)
        if table is None:
            continue
        frame = snapshot.all_versions(table.key)
        match = frame[frame["row"] == note.row]
        values = {}
        for c in table.data_columns:
            if c.type in ("date", "money", "number", "integer", "percent") and len(match) and not pd.isna(match.iloc[0][c.key]):
                v = match.iloc[0][c.key]
                values[c.title] = v.strftime("%d.%m.%Y") if c.type == "date" else fmt.figure(v, c.type)
        rows.append({"tab": note.tab, "row": note.row, "record": note.record, "values": values})
    return {"from": old_locale, "rows": rows[:REVIEW_LIMIT], "more": max(0, len(rows) - REVIEW_LIMIT)} if rows else {}


def _review_requests(meta: dict, review: dict) -> list[dict]:
    requests = [{"deleteDeveloperMetadata": {"dataFilter": {"developerMetadataLookup": {"metadataKey": LOCALE_REVIEW_METADATA}}}}] \
        if locale_review(meta) else []
    return [*requests, {"createDeveloperMetadata": {"developerMetadata": {
        "metadataKey": LOCALE_REVIEW_METADATA, "metadataValue": json.dumps(review, ensure_ascii=False), "visibility": "DOCUMENT",
        "location": {"spreadsheet": True}}}}]


def locale_review(meta: dict) -> dict:
    """The rows listed for review when bootstrap changed the locale ({} when none or reviewed)."""
    for m in meta.get("developerMetadata", []) or []:
        if m.get("metadataKey") == LOCALE_REVIEW_METADATA:
            try:
                return json.loads(m.get("metadataValue") or "{}")
            except ValueError:
                return {}
    return {}


def review_lines(review: dict) -> list[str]:
    """Russian lines, one per row typed under the old locale (for «Обзор», ``check`` and bootstrap's report)."""
    if not review:
        return []
    out = []
    for r in review.get("rows", []):
        shown = "; ".join(f"{k} = {v}" for k, v in r.get("values", {}).items())
        out.append(f"лист «{r['tab']}», строка {r['row']} («{r['record']}»): набрано при локали {review['from']}, до перехода на "
                   f"ru_RU — проверьте даты и числа{': ' + shown if shown else ''}")
    if review.get("more"):
        out.append(f"и ещё строк: {review['more']} (все строки без «Код сохранения» — «python -m lib.cli check»)")
    return out


def locale_reviewed(store) -> list[str]:
    """``bootstrap-sheet --locale-reviewed``: the coordinator has checked the listed rows; the list is removed."""
    review = locale_review(store.metadata(refresh=True))
    if not review:
        return ["списка строк для проверки после смены локали нет"]
    _batch(store, [{"deleteDeveloperMetadata": {"dataFilter": {"developerMetadataLookup": {"metadataKey": LOCALE_REVIEW_METADATA}}}}])
    store.metadata(refresh=True)
    store.invalidate()
    return [f"список строк, набранных при локали {review['from']}, снят (проверено строк: {len(review.get('rows', [])) + review.get('more', 0)})"]


def _rule(store, column: Column, titles: dict[str, str], headers: dict[str, list]) -> dict | None:
    message = column.description[:200] if column.description else None

    def rule(condition: dict, strict: bool = True) -> dict:
        out = {"condition": condition, "strict": strict, "showCustomUi": True}
        if message:
            out["inputMessage"] = message
        return out

    if column.system:
        return None
    if column.type == "enum":
        return rule({"type": "ONE_OF_LIST", "values": [{"userEnteredValue": v.label} for v in column.values]})
    if column.type == "bool":
        return rule({"type": "ONE_OF_LIST", "values": [{"userEnteredValue": "да"}, {"userEnteredValue": "нет"}]})
    if column.type == "ref" and column.ref in titles:
        target = store.schema[column.ref]
        id_key = target.record_key[0]
        at = header_positions(target, headers.get(column.ref, [])).get(id_key)
        if at:
            letter = column_letter(at[0])
            return rule({"type": "ONE_OF_RANGE", "values": [
                {"userEnteredValue": f"={a1_tab(titles[column.ref])}!${letter}$2:${letter}"}]})
    if column.type == "money":
        return rule({"type": "NUMBER_GREATER_THAN_EQ", "values": [{"userEnteredValue": "0"}]}, strict=False)
    return None


def _move_hashes(store, titles: dict[str, str], sheets: dict, headers: dict[str, list]) -> list[str]:
    """An older sheet kept argon2 hashes in «Пользователи»: they move to the server, the column goes."""
    table = store.schema["users"]
    at = header_positions(table, headers.get("users", [])).get("password_hash")
    if not at or "users" not in titles:
        return []
    try:
        answer = store.http.values_get(store.key, a1_tab(titles["users"]), params={"valueRenderOption": "UNFORMATTED_VALUE"})
    except Exception as exc:
        raise _fail(store, exc) from exc
    values = answer.get("values", [])
    positions = header_positions(table, values[0] if values else [])
    login_at, save_at, hash_at = positions.get("login", [None])[0], positions.get("save_id", [None])[0], at[0]
    moved = []
    for row in values[1:]:
        cell = row[hash_at] if hash_at < len(row) else ""
        if cell and login_at is not None and save_at is not None and save_at < len(row) and row[save_at]:
            moved.append((str(row[login_at]), str(row[save_at]), str(cell)))
    store.secrets.put_hashes(moved)
    sheet_id = sheets[titles["users"]]["properties"]["sheetId"]
    _batch(store, [{"deleteDimension": {"range": {"sheetId": sheet_id, "dimension": "COLUMNS",
                                                  "startIndex": i, "endIndex": i + 1}}} for i in sorted(at, reverse=True)])
    return [f"хеши паролей ({len(moved)}) перенесены из листа «{table.title}» в файл секретов сервера "
            f"({store.secrets.describe()}); столбец «{table.column('password_hash').title}» удалён из общей таблицы"]


def _sign_existing(store, titles: dict[str, str], headers: dict[str, list], tabs: list[str]) -> list[str]:
    """Rows of a signed tab written before «Подпись» existed are adopted once, at this bootstrap."""
    report = []
    key = store.secrets.signing_key()
    for tab in tabs:
        table = store.schema[tab]
        try:
            answer = store.http.values_get(store.key, a1_tab(titles[tab]),
                                           params={"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER"})
        except Exception as exc:
            raise _fail(store, exc) from exc
        values = answer.get("values", [])
        if len(values) < 2:
            continue
        typed, _ = cells_to_frame(table, values[0], values[1:])
        at = header_positions(table, values[0])["signature"][0]
        data = [{"range": f"{a1_tab(titles[tab])}!{column_letter(at)}{int(row)}", "values": [[signing.sign(key, table, record)]]}
                for row, record in zip(typed["row"], frame_records(table, typed))]
        if data:
            try:
                store.http.values_batch_update(store.key, {"valueInputOption": "RAW", "data": data})
            except Exception as exc:
                raise _fail(store, exc) from exc
            report.append(f"лист «{table.title}»: подписаны строки, бывшие в нём до защиты ({len(data)}) — "
                          "проверьте их: дальше приложение учитывает только строки, записанные им самим")
    return report


SEAL_CHUNK = 5_000  # seal cells per values.batchUpdate: a region's tab is sealed in a few requests of bounded size


def _seal_existing(store, titles: dict[str, str], headers: dict[str, list]) -> list[str]:
    """7. Rows the app wrote before «Печать» existed — a «Код сохранения» and no seal — are sealed once, with their
    cells as they are now (so from now on a value typed over them is noticed and the saved one stays current). Rows
    typed by people (no «Код сохранения») stay unsealed: the rule «введено вручную» applies to them. Run again, it
    reads only the two columns of each tab and writes nothing."""
    key = store.secrets.signing_key()
    tz = store._time_zone()
    wanted = []
    for table in store.schema:
        positions = header_positions(table, headers.get(table.key, []))
        if table.sealed and table.key in titles and positions.get("seal") and positions.get("save_id"):
            wanted.append((table, positions))
    if not wanted:
        return []
    ranges = []
    for table, positions in wanted:
        for k in ("seal", "save_id"):
            letter = column_letter(positions[k][0])
            ranges.append(f"{a1_tab(titles[table.key])}!{letter}2:{letter}")
    try:
        answer = store.http.values_batch_get(store.key, ranges, params={"majorDimension": "COLUMNS", "valueRenderOption": "UNFORMATTED_VALUE"})
    except Exception as exc:
        raise _fail(store, exc) from exc
    columns = [((vr.get("values") or [[]])[0]) for vr in answer.get("valueRanges", [])]
    report = []
    for n, (table, positions) in enumerate(wanted):
        seals, ids = columns[2 * n], columns[2 * n + 1]
        todo = [i + 2 for i, save_id in enumerate(ids) if save_id not in ("", None) and (i >= len(seals) or seals[i] in ("", None))]
        if not todo:
            continue
        try:
            values = store.http.values_get(store.key, a1_tab(titles[table.key]),
                                           params={"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER"})
        except Exception as exc:
            raise _fail(store, exc) from exc
        rows = values.get("values", [])[1:]
        store._serials_to_text(table, positions, rows, tz)  # as a read sees them (``SheetsStore._unsealed``)
        data_keys, system_keys = signing.sealed_columns(table)
        letter = column_letter(positions["seal"][0])
        made = {}
        for at in todo:
            row = rows[at - 2] if at - 2 < len(rows) else []
            cells = {k: row[positions[k][0]] if positions.get(k) and positions[k][0] < len(row) else None for k in data_keys + system_keys}
            made[at] = signing.seal(key, table, cells)
        for start in range(0, len(todo), SEAL_CHUNK):
            chunk = todo[start:start + SEAL_CHUNK]
            data = [{"range": f"{a1_tab(titles[table.key])}!{letter}{first}:{letter}{end - 1}",
                     "values": [[made[at]] for at in range(first, end)]} for first, end in _runs(chunk)]
            try:
                store.http.values_batch_update(store.key, {"valueInputOption": "RAW", "data": data})
            except Exception as exc:
                raise _fail(store, exc) from exc
        report.append(f"лист «{table.title}»: запечатаны строки, записанные приложением до появления «Печати» "
                      f"({fmt.figure(len(todo), 'integer')}) — их значения, какие они сейчас, считаются сохранёнными "
                      "приложением; набранное поверх них дальше замечается")
    return report


def drift(store) -> list[str]:
    """What changed in the spreadsheet since bootstrap-sheet (Russian, one line per finding)."""
    meta = store.metadata(refresh=True)
    titles = store._titles_of(meta)
    sheets = {s["properties"]["title"]: s for s in meta.get("sheets", [])}
    headers = _headers(store, titles)
    implicit = implicit_editors(store, meta)
    out = list(store.setup_problems())
    for t in store.schema:
        if t.key not in titles:
            continue
        sheet = sheets[titles[t.key]]
        if sheet["properties"].get("gridProperties", {}).get("frozenRowCount", 0) != 1:
            out.append(f"лист «{t.title}»: строка заголовков не закреплена")
        if not any(m.get("metadataKey") == TAB_METADATA for m in sheet.get("developerMetadata", []) or []):
            out.append(f"лист «{t.title}» не помечен приложением: выполните bootstrap-sheet")
        if store.account is None:
            continue
        ours = [p for p in sheet.get("protectedRanges", []) or [] if str(p.get("description", "")).startswith(TAG)]
        for wanted in desired_protection(store, t, sheet["properties"]["sheetId"], headers.get(t.key, [])):
            match = [p for p in ours if grid_range(p.get("range")) == grid_range(wanted["range"])]
            what = "лист" if t.system_tab else "служебные столбцы листа"
            if not match:
                out.append(f"{what} «{t.title}»: защита снята — люди могут {'его' if t.system_tab else 'их'} менять; "
                           "выполните bootstrap-sheet")
                continue
            p = match[0]
            others = _editors(p) - {store.account} - implicit
            if p.get("warningOnly"):
                out.append(f"{what} «{t.title}»: защита ослаблена до предупреждения; выполните bootstrap-sheet")
            elif others:
                out.append(f"{what} «{t.title}»: в защиту добавлены редакторы {', '.join(sorted(others))}; "
                           "выполните bootstrap-sheet")
    return out


def archive(store, new_key: str) -> None:
    """The year was rolled over: every tab protected whole (only the service account), and the
    spreadsheet marked, so the app refuses to save here and names the new sheet."""
    meta = store.metadata(refresh=True)
    requests: list[dict] = []
    for sheet in meta.get("sheets", []):
        sheet_id = sheet["properties"]["sheetId"]
        requests += [{"deleteProtectedRange": {"protectedRangeId": p["protectedRangeId"]}}
                     for p in sheet.get("protectedRanges", []) or [] if str(p.get("description", "")).startswith(TAG)]
        requests.append({"addProtectedRange": {"protectedRange": {
            "range": _grid(sheet_id), "description": f"{TAG} архив: данные перенесены в {new_key}", "warningOnly": False,
            "editors": {"users": [store.account] if store.account else []}}}})
    requests.append({"createDeveloperMetadata": {"developerMetadata": {
        "metadataKey": ARCHIVED_METADATA, "metadataValue": new_key, "visibility": "DOCUMENT",
        "location": {"spreadsheet": True}}}})
    _batch(store, requests)
    store.metadata(refresh=True)
    store.invalidate()
