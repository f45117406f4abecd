"""The fake Sheets API is strict where the real one is, or the adapter's tests would prove nothing.

Requests go over the fake's HTTP session as the adapter's would; what a person does goes through
``tests/support/people.py``. Each case is what Google's reference or usage-limits page says.
"""

from __future__ import annotations

import threading

import pytest

from tests.support.fake_sheets import CELL_LIMIT, OWNER, FakeSheetsAPI, Faults, Quota
from tests.support.people import EDITOR, INVALID, Person, Refused

BASE = "https://sheets.googleapis.com/v4/spreadsheets"


@pytest.fixture
def api():
    return FakeSheetsAPI()


def book_with_sheet(api: FakeSheetsAPI, locale: str = "ru_RU", rows=None) -> tuple[str, object]:
    key = api.create(locale=locale)
    sheet = api.spreadsheets[key].add_sheet("Лист", row_count=20, column_count=12)
    sheet.rows = [list(r) for r in rows or [["Код", "Значение"]]]
    return key, api.session()


def batch(session, key: str, *requests):
    return session.request("POST", f"{BASE}/{key}:batchUpdate", json={"requests": list(requests)})


def error(response) -> str:
    return response.json()["error"]["message"]


# ---- the discovery document decides what a request may contain ----------------------------


def test_bodies_enums_types_and_field_masks_are_checked_against_the_discovery_document(api):
    key, s = book_with_sheet(api)
    unknown = batch(s, key, {"addSheet": {"properties": {"title": "Б", "colour": "red"}}})
    assert unknown.status_code == 400 and 'Unknown name "colour"' in error(unknown)
    two_kinds = batch(s, key, {"addSheet": {"properties": {"title": "Б"}}, "deleteSheet": {"sheetId": 0}})
    assert two_kinds.status_code == 400 and "oneof field 'kind'" in error(two_kinds)
    bad_enum = batch(s, key, {"appendDimension": {"sheetId": 0, "dimension": "ROW", "length": 1}})
    assert bad_enum.status_code == 400 and '"ROW"' in error(bad_enum)
    bad_type = batch(s, key, {"appendDimension": {"sheetId": "первый", "dimension": "ROWS", "length": 1}})
    assert bad_type.status_code == 400 and "TYPE_INT32" in error(bad_type)
    bad_mask = batch(s, key, {"updateSheetProperties": {"properties": {"sheetId": 0, "gridProperties": {"frozenRowCount": 1}},
                                                        "fields": "gridProperties.frozenRowCunt"}})
    assert bad_mask.status_code == 400 and "Invalid field mask path" in error(bad_mask)
    bad_query = s.request("PUT", f"{BASE}/{key}/values/'Лист'!A1", params={"valueInputOption": "TYPED"}, json={"values": [["x"]]})
    assert bad_query.status_code == 400 and "value_input_option" in error(bad_query)
    assert api.spreadsheets[key].by_title("Б") is None  # nothing refused was applied
    masked = s.request("GET", f"{BASE}/{key}", params={"fields": "sheets.properties.title"})
    assert masked.json() == {"sheets": [{"properties": {"title": "Лист"}}]}


def test_a_batch_update_is_all_or_nothing(api):
    key, s = book_with_sheet(api)
    answer = batch(s, key, {"addSheet": {"properties": {"title": "Новый"}}}, {"appendDimension": {"sheetId": 99, "dimension": "ROWS", "length": 1}})
    assert answer.status_code == 400 and "No grid with id: 99" in error(answer)
    assert api.spreadsheets[key].by_title("Новый") is None


# ---- locale: what typed text becomes, and how it comes back ---------------------------------

TYPED = ["05.04.2024", "5%", "12,5", "1 234,5", "1,234.5", "007", "=1+1", "ИСТИНА", "TRUE"]
# locale -> (UNFORMATTED_VALUE + SERIAL_NUMBER, UNFORMATTED_VALUE + FORMATTED_STRING, FORMATTED_VALUE, FORMULA)
EXPECTED = {
    "ru_RU": (
        [45387, 0.05, 12.5, 1234.5, "1,234.5", 7, "#ERROR!", True, "TRUE"],
        ["05.04.2024", 0.05, 12.5, 1234.5, "1,234.5", 7, "#ERROR!", True, "TRUE"],
        ["05.04.2024", "5%", "12,5", "1234,5", "1,234.5", "7", "#ERROR!", "ИСТИНА", "TRUE"],
        [45387, 0.05, 12.5, 1234.5, "1,234.5", 7, "=1+1", True, "TRUE"],
    ),
    "en_US": (
        [45416, 0.05, "12,5", "1 234,5", 1234.5, 7, "#ERROR!", "ИСТИНА", True],  # 05.04.2024 is 4 May
        ["5/4/2024", 0.05, "12,5", "1 234,5", 1234.5, 7, "#ERROR!", "ИСТИНА", True],
        ["5/4/2024", "5%", "12,5", "1 234,5", "1234.5", "7", "#ERROR!", "ИСТИНА", "TRUE"],
        [45416, 0.05, "12,5", "1 234,5", 1234.5, 7, "=1+1", "ИСТИНА", True],
    ),
}


@pytest.mark.parametrize("locale", ["ru_RU", "en_US"])
def test_typed_input_follows_the_spreadsheet_locale_under_each_render_option(api, locale):
    key, s = book_with_sheet(api, locale)
    put = s.request("PUT", f"{BASE}/{key}/values/'Лист'!A2", params={"valueInputOption": "USER_ENTERED"}, json={"values": [TYPED]})
    assert put.status_code == 200

    def read(**params):
        return s.request("GET", f"{BASE}/{key}/values/'Лист'!A2:I2", params=params).json()["values"][0]

    serial, formatted_string, formatted, formula = EXPECTED[locale]
    assert read(valueRenderOption="UNFORMATTED_VALUE", dateTimeRenderOption="SERIAL_NUMBER") == serial
    assert read(valueRenderOption="UNFORMATTED_VALUE", dateTimeRenderOption="FORMATTED_STRING") == formatted_string
    assert read(valueRenderOption="FORMATTED_VALUE") == formatted
    assert read(valueRenderOption="FORMULA") == formula
    raw = s.request("PUT", f"{BASE}/{key}/values/'Лист'!A3", params={"valueInputOption": "RAW"}, json={"values": [TYPED]})
    assert raw.status_code == 200
    assert s.request("GET", f"{BASE}/{key}/values/'Лист'!A3:I3", params={"valueRenderOption": "FORMULA"}).json()["values"][0] == TYPED


def test_a_text_format_keeps_what_a_person_types(api):
    key, s = book_with_sheet(api)
    fmt = batch(s, key, {"repeatCell": {"range": {"sheetId": 0, "startRowIndex": 1, "startColumnIndex": 0, "endColumnIndex": 1},
                                        "cell": {"userEnteredFormat": {"numberFormat": {"type": "TEXT", "pattern": "@"}}},
                                        "fields": "userEnteredFormat.numberFormat"}})
    assert fmt.status_code == 200
    person = Person(api, key)
    person.type_row("Лист", ["007", "007"])
    person.type_row("Лист", ["03.2024", "03.2024"])
    assert api.rows(key, "Лист")[1:] == [["007", 7.0], ["03.2024", 45352.0]]  # formatted column kept the text


# ---- protection and validation -----------------------------------------------------------------


def test_a_protected_range_refuses_everyone_not_among_its_editors_with_googles_message(api):
    key, _ = book_with_sheet(api)
    owner = api.session(OWNER)  # the owner protects column A for herself only
    api.spreadsheets[key].editors.add(OWNER)
    added = batch(owner, key, {"addProtectedRange": {"protectedRange": {
        "range": {"sheetId": 0, "startColumnIndex": 0, "endColumnIndex": 1}, "editors": {"users": [OWNER]}}}})
    assert added.status_code == 200
    service = api.session()
    refused = service.request("PUT", f"{BASE}/{key}/values/'Лист'!A2", params={"valueInputOption": "RAW"}, json={"values": [["x"]]})
    assert refused.status_code == 403 and "protected cell or object" in error(refused)
    assert service.request("PUT", f"{BASE}/{key}/values/'Лист'!B2", params={"valueInputOption": "RAW"},
                           json={"values": [["y"]]}).status_code == 200
    with pytest.raises(Refused, match="protected"):
        Person(api, key, EDITOR).type_cell("Лист", 2, 0, "z")
    Person(api, key).type_cell("Лист", 2, 0, "владелец может")  # the owner can always edit
    assert api.rows(key, "Лист")[1] == ["владелец может", "y"]


def test_the_owner_stays_an_editor_of_every_protected_range_and_answers_leave_out_default_fields(api):
    """Google keeps the spreadsheet's owner (and the requester) among the editors of a protected range, and its
    proto3 JSON leaves out fields at their default: ``sheetId`` 0 of a GridRange, ``warningOnly`` false, an empty
    description, ``frozenRowCount`` 0, empty lists (gspread's recordings, tests/fixtures/gspread_cassettes)."""
    key, s = book_with_sheet(api)
    bare = s.request("GET", f"{BASE}/{key}").json()["sheets"][0]
    assert bare["properties"]["sheetId"] == 0 and "frozenRowCount" not in bare["properties"]["gridProperties"]
    assert "protectedRanges" not in bare and "developerMetadata" not in bare
    added = batch(s, key, {"addProtectedRange": {"protectedRange": {
        "range": {"sheetId": 0, "startColumnIndex": 0, "endColumnIndex": 1}, "warningOnly": False, "editors": {"users": []}}}})
    reply = added.json()["replies"][0]["addProtectedRange"]["protectedRange"]
    assert reply["range"] == {"startColumnIndex": 0, "endColumnIndex": 1} and "warningOnly" not in reply and "description" not in reply
    listed = s.request("GET", f"{BASE}/{key}").json()["sheets"][0]["protectedRanges"][0]
    assert listed["editors"] == {"users": sorted([OWNER, api.service_account])} and listed["range"] == reply["range"]
    Person(api, key).type_cell("Лист", 2, 0, "владелец может")  # and the owner can edit it


def test_a_json_null_leaves_the_cell_as_it_was_and_an_empty_string_clears_it(api):
    """"Null values will be skipped. To set a cell to an empty value, set the string value to an empty string."
    (ValueRange.values)."""
    key, s = book_with_sheet(api, rows=[["Код", "Значение", "Примечание"], ["a", 1, "было"]])
    put = s.request("PUT", f"{BASE}/{key}/values/'Лист'!A2:C2", params={"valueInputOption": "RAW"}, json={"values": [[None, 2, ""]]})
    assert put.status_code == 200
    assert api.rows(key, "Лист")[1] == ["a", 2, None]  # "было" cleared by "", "a" kept under null
    many = s.request("POST", f"{BASE}/{key}/values:batchUpdate",
                     json={"valueInputOption": "USER_ENTERED", "data": [{"range": "'Лист'!A2:C2", "values": [["b", None, "x"]]}]})
    assert many.status_code == 200 and api.rows(key, "Лист")[1] == ["b", 2.0, "x"]


def test_formats_and_rules_apply_to_the_range_exactly_as_sent_rows_added_later_included_only_when_unbounded(api):
    """A GridRange "missing indexes indicate the range is unbounded on that side": a text format on B2:B (no
    endRowIndex) keeps a leading zero typed in row 500; one on A2:A2 does not reach row 500."""
    key, s = book_with_sheet(api)
    text = {"userEnteredFormat": {"numberFormat": {"type": "TEXT", "pattern": "@"}}}
    for grid in ({"sheetId": 0, "startRowIndex": 1, "endRowIndex": 2, "startColumnIndex": 0, "endColumnIndex": 1},
                 {"sheetId": 0, "startRowIndex": 1, "startColumnIndex": 1, "endColumnIndex": 2}):
        assert batch(s, key, {"repeatCell": {"range": grid, "cell": text, "fields": "userEnteredFormat.numberFormat"}}).status_code == 200
    rule = {"condition": {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": "да"}]}, "strict": True}
    assert batch(s, key, {"setDataValidation": {"range": {"startRowIndex": 1, "endRowIndex": 3, "startColumnIndex": 2,
                                                          "endColumnIndex": 3}, "rule": rule}}).status_code == 200
    person = Person(api, key, EDITOR)
    person.type_row("Лист", ["007", "007"], row=2)
    person.type_row("Лист", ["007", "007", "нет"], row=500)  # the grid grows; the bounded rule stops at row 3
    assert api.rows(key, "Лист")[1] == ["007", "007"] and api.rows(key, "Лист")[499] == [7.0, "007", "нет"]
    with pytest.raises(Refused, match=INVALID):
        person.type_cell("Лист", 3, 2, "нет")
    person.insert_column("Лист", 0)  # the ranges move with their cells
    assert api.spreadsheets[key].by_title("Лист").format_of(700, 2) == text["userEnteredFormat"]["numberFormat"]
    assert api.spreadsheets[key].by_title("Лист").format_of(700, 1) is None


def test_a_read_answers_each_cell_as_rendered_with_the_format_found_among_every_range_of_the_sheet(api):
    """A read looks a cell's format up among its column's ranges only (``Sheet.format_finder``): on a sheet of
    overlapping, bounded and unbounded format ranges (a later one wins, a ``None`` one clears) every cell's format is
    the one ``format_of`` finds among all the ranges, and every answer under every render option is the one rendering
    each cell with it gives."""
    import random

    from tests.support.fake_locale import Formatted, Formula, render

    key, s = book_with_sheet(api)
    sheet = api.spreadsheets[key].by_title("Лист")
    rng = random.Random(7)
    formats = [{"type": "TEXT", "pattern": "@"}, {"type": "NUMBER", "pattern": "#,##0.00"}, {"type": "DATE", "pattern": "dd.mm.yyyy"},
               {"type": "PERCENT", "pattern": "0.0%"}, None]
    bound = lambda: rng.choice([None, rng.randrange(0, 12)])
    for _ in range(40):
        r, c = sorted([bound() or 0, bound() or 12]), sorted([bound() or 0, bound() or 12])
        grid = {"sheetId": sheet.sheet_id}
        grid.update({k: v for k, v in (("startRowIndex", rng.choice([None, r[0]])), ("endRowIndex", rng.choice([None, r[1] + 1])),
                                       ("startColumnIndex", rng.choice([None, c[0]])), ("endColumnIndex", rng.choice([None, c[1] + 1])))
                     if v is not None})
        fmt = rng.choice(formats)
        cell = {"userEnteredFormat": {"numberFormat": fmt}} if fmt else {"userEnteredFormat": {}}
        assert batch(s, key, {"repeatCell": {"range": grid, "cell": cell, "fields": "userEnteredFormat.numberFormat"}}).status_code == 200
    kinds = [None, "", "текст", "007", Formula("=1+1"), True, False, 5, 0, -3.25, 1234567.891, 45000.5,
             Formatted(45292.0, {"type": "DATE", "pattern": "dd.mm.yyyy"}), Formatted(0.05, {"type": "PERCENT", "pattern": "0%"})]
    sheet.rows = [[rng.choice(kinds) for _ in range(rng.randrange(0, 12))] for _ in range(16)]
    assert sum(1 for box, _ in sheet.formats if box.end_row is None) and sum(1 for box, _ in sheet.formats if box.end_row is not None)

    found = sheet.format_finder()
    assert [[found(r, c) for c in range(14)] for r in range(22)] == [[sheet.format_of(r, c) for c in range(14)] for r in range(22)]
    for option in ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA"):
        for dt_option in ("SERIAL_NUMBER", "FORMATTED_STRING"):
            expected = []
            for r in range(sheet.last_data_row()):
                cells = [render(v, option, dt_option, "ru_RU", sheet.format_of(r, c)) for c, v in enumerate(sheet.rows[r])]
                while cells and cells[-1] == "":
                    cells.pop()
                expected.append(cells)
            while expected and not expected[-1]:
                expected.pop()
            answer = s.request("GET", f"{BASE}/{key}/values/'Лист'", params={"valueRenderOption": option, "dateTimeRenderOption": dt_option})
            assert answer.status_code == 200
            assert answer.json().get("values", []) == expected, (option, dt_option)


def test_a_spreadsheet_saved_to_bytes_and_made_again_answers_as_the_original(api):
    """The demo sheet is built once per test run and read by each pytest process from a file (``Spreadsheet.dumps``,
    ``loads``): values of every kind, formats, rules, protections and metadata come back, and the copy is independent."""
    from tests.support.fake_locale import Formatted, Formula
    from tests.support.fake_sheets import Spreadsheet

    key, s = book_with_sheet(api)
    text = {"userEnteredFormat": {"numberFormat": {"type": "TEXT", "pattern": "@"}}}
    assert batch(s, key, {"repeatCell": {"range": {"startRowIndex": 1, "startColumnIndex": 1, "endColumnIndex": 2}, "cell": text,
                                         "fields": "userEnteredFormat.numberFormat"}},
                 {"addProtectedRange": {"protectedRange": {"range": {"startColumnIndex": 3, "endColumnIndex": 4}, "description": "система"}}},
                 {"createDeveloperMetadata": {"developerMetadata": {"metadataKey": "k", "metadataValue": "v", "visibility": "DOCUMENT",
                                                                    "location": {"spreadsheet": True}}}}).status_code == 200
    book = api.spreadsheets[key]
    book.by_title("Лист").rows += [["007", "007", Formula("=1"), True], [Formatted(45292.0, {"type": "DATE", "pattern": "dd.mm.yyyy"}), 1.5]]
    again = FakeSheetsAPI()
    again.spreadsheets[key] = Spreadsheet.loads(book.dumps())
    for option in ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA"):
        url, params = f"{BASE}/{key}/values/'Лист'", {"valueRenderOption": option}
        assert again.session().request("GET", url, params=params).json() == s.request("GET", url, params=params).json()
    assert again.session().request("GET", f"{BASE}/{key}").json() == s.request("GET", f"{BASE}/{key}").json()
    Person(again, key).type_cell("Лист", 2, 0, "изменено")
    assert api.rows(key, "Лист")[1][0] == "007" and again.rows(key, "Лист")[1][0] == "изменено"


def test_a_strict_dropdown_refuses_what_is_not_on_its_list(api):
    key, s = book_with_sheet(api)
    rule = {"condition": {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": "население"}, {"userEnteredValue": "прочие"}]},
            "strict": True, "showCustomUi": True}
    assert batch(s, key, {"setDataValidation": {"range": {"sheetId": 0, "startRowIndex": 1, "startColumnIndex": 1,
                                                          "endColumnIndex": 2}, "rule": rule}}).status_code == 200
    person = Person(api, key, EDITOR)
    person.type_cell("Лист", 2, 1, "Население")  # the list ignores case
    with pytest.raises(Refused, match=INVALID):
        person.type_cell("Лист", 3, 1, "граждане")


def test_sheet_not_shared_api_not_enabled_and_unknown_sheet_answer_with_googles_bodies(api):
    key, s = book_with_sheet(api)
    api.spreadsheets[key].editors.clear()
    not_shared = s.request("GET", f"{BASE}/{key}")
    assert not_shared.status_code == 403 and error(not_shared) == "The caller does not have permission"
    api.enabled = False
    disabled = s.request("GET", f"{BASE}/{key}")
    assert disabled.status_code == 403 and disabled.json()["error"]["details"][0]["reason"] == "SERVICE_DISABLED"
    api.enabled = True
    assert s.request("GET", f"{BASE}/nosuchsheet00000").status_code == 404


# ---- values:append finds a table; appendCells goes after the last row ----------------------


def test_values_append_writes_after_the_table_it_finds_and_from_its_first_column(api):
    key, s = book_with_sheet(api, rows=[["Код", "Значение"], ["a", 1], [], ["b", 2]])  # a blank row splits the tables

    def append(rng: str, option="INSERT_ROWS"):
        return s.request("POST", f"{BASE}/{key}/values/{rng}:append",
                         params={"valueInputOption": "RAW", "insertDataOption": option}, json={"values": [["new", 9]]}).json()

    answer = append("'Лист'!A1")
    assert answer["tableRange"] == "'Лист'!A1:L2" and answer["updates"]["updatedRange"] == "'Лист'!A3:B3"
    assert api.rows(key, "Лист") == [["Код", "Значение"], ["a", 1], ["new", 9], [], ["b", 2]]  # in the middle, not at the end
    sheet = api.spreadsheets[key].by_title("Лист")
    sheet.rows = [[None, "Код", "Значение"], [None, "a", 1]]  # a person cleared column A
    append("'Лист'!A1")
    assert api.rows(key, "Лист")[-1] == [None, "new", 9]  # starts at the table's first column: one column off
    cells = batch(s, key, {"appendCells": {"sheetId": 0, "fields": "userEnteredValue",
                                           "rows": [{"values": [{"userEnteredValue": {"stringValue": "x"}}]}]}})
    assert cells.status_code == 200 and api.rows(key, "Лист")[-1] == ["x"]  # appendCells starts at column A


# ---- limits ------------------------------------------------------------------------------------


def test_the_ten_million_cell_and_fifty_thousand_character_limits_answer_like_google(api):
    key, s = book_with_sheet(api)
    grow = batch(s, key, {"appendDimension": {"sheetId": 0, "dimension": "ROWS", "length": CELL_LIMIT // 12}})
    assert grow.status_code == 400
    assert error(grow) == ("Invalid requests[0].appendDimension: This action would increase the number of cells in the "
                           "workbook above the limit of 10000000 cells.")
    long = s.request("PUT", f"{BASE}/{key}/values/'Лист'!A2", params={"valueInputOption": "RAW"}, json={"values": [["я" * 50_001]]})
    assert long.status_code == 400 and "maximum of 50000 characters in a single cell" in error(long)
    assert api.rows(key, "Лист") == [["Код", "Значение"]]
    beyond = s.request("PUT", f"{BASE}/{key}/values/'Лист'!M1", params={"valueInputOption": "RAW"}, json={"values": [["x"]]})
    assert beyond.status_code == 400 and "exceeds grid limits" in error(beyond)  # only appends enlarge the grid


# ---- time: quotas per minute, writes applied after the client gave up -------------------------


def test_per_minute_quotas_answer_429_with_googles_body_and_refill_each_minute(api):
    key, s = book_with_sheet(api)
    api.quota = Quota(read_per_user=3, write_per_user=60)
    codes = [s.request("GET", f"{BASE}/{key}").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    body = s.request("GET", f"{BASE}/{key}").json()["error"]
    assert body["status"] == "RESOURCE_EXHAUSTED" and "Read requests per minute per user" in body["message"]
    assert body["details"][0]["reason"] == "RATE_LIMIT_EXCEEDED"
    assert s.request("PUT", f"{BASE}/{key}/values/'Лист'!A2", params={"valueInputOption": "RAW"},
                     json={"values": [["w"]]}).status_code == 200  # writes have their own quota
    api.clock.advance(60)
    assert s.request("GET", f"{BASE}/{key}").status_code == 200


def test_a_write_the_client_gave_up_on_is_applied_later_or_never(api):
    import requests

    key, s = book_with_sheet(api)
    api.faults = Faults(rate_timeout_after=1.0, late_apply=(120.0, 120.0))
    body = {"values": [["late", 1]]}
    with pytest.raises(requests.exceptions.ReadTimeout):
        s.request("POST", f"{BASE}/{key}/values/'Лист'!A1:append", params={"valueInputOption": "RAW"}, json=body, timeout=(10, 60))
    assert api.pending() == 1 and api.rows(key, "Лист") == [["Код", "Значение"]]
    api.faults = Faults()
    api.clock.advance(61)  # 121 s after it was sent
    assert api.rows(key, "Лист")[-1] == ["late", 1] and api.pending() == 0
    api.faults = Faults(rate_timeout_lost=1.0)
    with pytest.raises(requests.exceptions.ReadTimeout):
        s.request("POST", f"{BASE}/{key}/values/'Лист'!A1:append", params={"valueInputOption": "RAW"}, json=body, timeout=(10, 60))
    api.faults = Faults()
    api.settle()
    assert len(api.rows(key, "Лист")) == 2


def test_appends_interleave_without_a_global_lock_and_none_is_lost(api):
    key, _ = book_with_sheet(api)
    other, _ = book_with_sheet(api)
    held = api.spreadsheets[key].lock
    with held:  # a request busy on one spreadsheet does not hold up another one
        done = threading.Event()
        t = threading.Thread(target=lambda: (api.session().request(
            "GET", f"{BASE}/{other}/values/'Лист'!A1"), done.set()))
        t.start()
        assert done.wait(5)
        t.join()

    def writer(n: int) -> None:
        session = api.session()
        for i in range(25):
            session.request("POST", f"{BASE}/{key}/values/'Лист'!A1:append",
                            params={"valueInputOption": "RAW", "insertDataOption": "INSERT_ROWS"}, json={"values": [[f"w{n}", i]]})

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = api.rows(key, "Лист")[1:]
    assert sorted(map(tuple, rows)) == sorted((f"w{n}", i) for n in range(4) for i in range(25))


# ---- what people do -----------------------------------------------------------------------------


def test_people_sort_insert_move_and_rename_and_protection_moves_with_the_cells(api):
    key, s = book_with_sheet(api, rows=[["Код", "Значение", "Служебное"], ["b", 2, "s"], ["a", 1, "s"]])
    api.spreadsheets[key].sheets[0].frozen_rows = 1
    assert batch(s, key, {"addProtectedRange": {"protectedRange": {
        "range": {"sheetId": 0, "startColumnIndex": 2, "endColumnIndex": 3},
        "editors": {"users": [api.service_account]}}}}).status_code == 200
    editor, owner = Person(api, key, EDITOR), Person(api, key)
    with pytest.raises(Refused):
        editor.sort("Лист", "Код")  # sorting moves protected cells
    owner.sort("Лист", "Код")
    assert [r[0] for r in api.rows(key, "Лист")] == ["Код", "a", "b"]  # the frozen header stays on top
    owner.insert_column("Лист", 0, "Новый")
    owner.move_column("Лист", "Значение", 0)
    assert api.rows(key, "Лист")[0] == ["Значение", "Новый", "Код", "Служебное"]
    protection = api.spreadsheets[key].protections[0]
    assert (protection.start_col, protection.end_col) == (3, 4)  # still over «Служебное»
    with pytest.raises(Refused):
        editor.type_cell("Лист", 2, 3, "x")
    editor.type_cell("Лист", 2, 1, "можно")
    owner.rename_tab("Лист", "Переименован")
    assert s.request("GET", f"{BASE}/{key}/values/'Лист'!A1").status_code == 400
