"""The fake Sheets API answers like Google on what the adapter reads: gspread's exchanges recorded with the
real API (its tests/cassettes, copied into tests/fixtures/gspread_cassettes, see the README there) are replayed
against the fake, and the answers compared field by field.

What is compared is what ``lib/store`` reads: the spreadsheet's locale, time zone and title; each sheet's id,
title, index and grid (rows, columns, frozen rows); each protected range's range, description, warning flag
and editors; the replies of batchUpdate; the cells of values.get / batchGet (with their trailing blanks trimmed
as Google trims them); the status of every answer. Presence counts as much as the value: Google leaves out fields at
their default value (proto3 JSON: ``sheetId`` 0 in a ``GridRange``, ``frozenRowCount`` 0, ``warningOnly``
false, empty lists), and code that reads ``range["sheetId"]`` must not pass against the fake and fail on Google.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.support.fake_sheets import FakeSheetsAPI

CASSETTES = Path(__file__).parent / "fixtures" / "gspread_cassettes"
ACCOUNT = "telegram-budgeter@telegram-budgeter.iam.gserviceaccount.com"  # gspread's recording account: it created each file


def _protected(p: dict) -> dict:
    return {k: p[k] for k in ("range", "description", "warningOnly", "editors") if k in p}


def read_by_the_adapter(method: str, uri: str, answer: dict | None) -> object:
    """The parts of an answer the adapter reads (absent fields stay absent)."""
    if not isinstance(answer, dict):
        return answer
    if "error" in answer:
        return {"error": answer["error"].get("status")}
    if method == "GET" and re.search(r"/spreadsheets/[^/]+\?", uri):
        out: dict = {"properties": {k: answer["properties"][k] for k in ("title", "locale", "timeZone") if k in answer["properties"]},
                     "sheets": []}
        for s in answer.get("sheets", []):
            props = s["properties"]
            sheet = {"properties": {k: props[k] for k in ("sheetId", "title", "index") if k in props}}
            sheet["properties"]["gridProperties"] = {k: v for k, v in props.get("gridProperties", {}).items()
                                                     if k in ("rowCount", "columnCount", "frozenRowCount")}
            if "protectedRanges" in s:
                sheet["protectedRanges"] = [_protected(p) for p in s["protectedRanges"]]
            out["sheets"].append(sheet)
        if "developerMetadata" in answer:
            out["developerMetadata"] = answer["developerMetadata"]
        return out
    if uri.endswith(":batchUpdate"):
        replies = []
        for r in answer.get("replies", []):
            if "addProtectedRange" in r:
                r = {"addProtectedRange": {"protectedRange": _protected(r["addProtectedRange"]["protectedRange"])}}
            if "addSheet" in r:  # Google picks a random id, the fake counts: the id is compared by presence
                props = dict(r["addSheet"]["properties"])
                props["sheetId"] = "sheetId" in props
                r = {"addSheet": {"properties": props}}
            replies.append(r)
        return {"replies": replies}
    if method == "GET" and "/values" in uri:  # values.get and values.batchGet: the cells as sent
        ranges = answer["valueRanges"] if "valueRanges" in answer else [answer]
        return [{k: v for k, v in r.items() if k in ("majorDimension", "values")} for r in ranges]
    return {}  # values.clear, values.update: their answers are not read


def replay(name: str) -> list[tuple[str, object, object]]:
    recorded = json.loads((CASSETTES / f"{name}.json").read_text())["exchanges"]
    first = recorded[0]["response"]
    api = FakeSheetsAPI()
    key = api.create(first["properties"]["title"], locale=first["properties"]["locale"], time_zone=first["properties"]["timeZone"],
                     owner=ACCOUNT, first_sheet=first["sheets"][0]["properties"]["title"])
    session = api.session(ACCOUNT)
    google_key = first["spreadsheetId"]
    compared, ids = [], {}  # Google's protectedRangeId and sheetId -> the fake's
    for ex in recorded:
        uri = ex["uri"].replace(google_key, quote(key))
        body = json.loads(re.sub(r'"(protectedRangeId|sheetId)": (\d+)', lambda m: f'"{m[1]}": {ids.get(int(m[2]), m[2])}',
                                 json.dumps(ex["body"]))) if ex["body"] else None
        answer = session.request(ex["method"], uri, json=body)
        ours = answer.json() if answer.content else None
        for theirs, mine in zip((ex["response"] or {}).get("replies", []), (ours or {}).get("replies", [])):
            if "addSheet" in theirs and "addSheet" in mine:
                ids[theirs["addSheet"]["properties"]["sheetId"]] = mine["addSheet"]["properties"]["sheetId"]
            if "addProtectedRange" in theirs and "addProtectedRange" in mine:
                their_id = theirs["addProtectedRange"]["protectedRange"]["protectedRangeId"]
                ids[their_id] = mine["addProtectedRange"]["protectedRange"]["protectedRangeId"]
        compared.append((f"{ex['method']} {ex['uri'].split(google_key)[-1]}",
                         (ex["status"], read_by_the_adapter(ex["method"], ex["uri"], ex["response"])),
                         (answer.status_code, read_by_the_adapter(ex["method"], ex["uri"], ours))))
    return compared


# Two known differences, neither read by the app: the fake does not compute formulas (it answers "#ERROR!", its
# documented model; the app writes none — RAW values, appendCells stringValue); and a date typed as 2020-01-01 is
# shown by Google in the pattern it detected from the typing, by the fake in the locale's pattern (1/1/2020) — the
# app reads dates only as serial numbers (UNFORMATTED_VALUE + SERIAL_NUMBER), which agree.
FORMULA_CELLS = {"WorksheetTest.test_get_all_values_date_time_render_options": {(0, 0), (1, 0)}}  # =4/2, =3/2
DATE_TEXT_CELLS = {"WorksheetTest.test_get_all_values_date_time_render_options": {(0, 1), (1, 2)}}  # in FORMATTED reads


def _without(answer, cells: set) -> object:
    status, body = answer
    if not isinstance(body, list):
        return answer
    out = []
    for r in body:
        values = [[None if (i, j) in cells else v for j, v in enumerate(row)] for i, row in enumerate(r.get("values", []))]
        out.append({**r, "values": values} if "values" in r else r)
    return status, out


@pytest.mark.parametrize("name", sorted(p.stem for p in CASSETTES.glob("*.json")))
def test_the_fake_answers_like_google_on_what_the_adapter_reads(name):
    compared = replay(name)
    assert compared
    for what, google, fake in compared:
        cells = FORMULA_CELLS.get(name, set()) | (DATE_TEXT_CELLS.get(name, set()) if "FORMATTED" in what else set())
        assert _without(fake, cells) == _without(google, cells), what


def test_the_recordings_show_what_the_fake_must_model():
    """The facts of Google's behaviour the fake follows, read from the recordings themselves."""
    recorded = json.loads((CASSETTES / "WorksheetTest.test_add_protected_range_normal.json").read_text())["exchanges"]
    asked = recorded[3]["body"]["requests"][0]["addProtectedRange"]["protectedRange"]
    assert asked["range"]["sheetId"] == 0 and asked["editors"]["users"] == []
    reply = recorded[3]["response"]["replies"][0]["addProtectedRange"]["protectedRange"]
    assert "sheetId" not in reply["range"] and "warningOnly" not in reply and "description" not in reply
    after = recorded[4]["response"]["sheets"][0]
    assert after["protectedRanges"][0]["editors"] == {"users": [ACCOUNT]}  # the requester (here the owner) is kept
    assert after["properties"]["sheetId"] == 0 and "frozenRowCount" not in after["properties"]["gridProperties"]
    assert "protectedRanges" not in recorded[0]["response"]["sheets"][0]  # no empty list
