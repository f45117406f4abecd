"""The bad-input corpus of issue 10 over every input path: each typed or pasted value is either stored
exactly or refused with a Russian message — no partial write, no traceback. Also: the table of docs/data-entry.md
«Ввод чисел: что набрано → что сохранено» says what the parser does."""

from __future__ import annotations

import datetime as dt
import io
import re
from contextlib import redirect_stderr, redirect_stdout

import pytest
from openpyxl import load_workbook

from lib.core.config import PROJECT_ROOT
from lib.core.parsing import ParseError, number_text, parse_value
from lib.core.schema import Column, schema
from lib.domain import monthly
from lib.files.excel_forms import UploadRejected, build_workbook, check_upload, read_upload
from lib.saving import form_input, service
from tests.support.entry import MONTH, VES, copy_demo, settings, valid_monthly

TODAY = dt.date(2026, 11, 22)
REFUSED = "refused"
CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)

# typed or pasted -> the stored value, or a fragment of the Russian reason
CORPUS = [
    ("1 234,5", 1234.5), ("1\u00a0234,5", 1234.5), ("1\u202f234,5", 1234.5), ("1\u2009234,5", 1234.5), ("1234,5", 1234.5),
    ("1234.5", 1234.5), ("15226,84", 15226.84), ("15 226,84", 15226.84), ("23,4", 23.4), ("0", 0.0), ("0,001", 0.001),
    ("1,234", 1.234), ("1 234,567", 1234.567), ("1.234,56", 1234.56), ("1,234.56", 1234.56), ("1.234.567", 1234567.0),
    ("1 234,5000", 1234.5), (",5", 0.5), ("+12,5", 12.5), ("  12,5\n", 12.5), ("100 000 000", 100_000_000.0),
    ("-5", "отрицательным"), ("\u22125", "отрицательным"), ("\u20135", "отрицательным"), ("-0,5", "отрицательным"),
    ("1 23,5", "разряды"), ("1,234,5", "разряды"), ("12 34", "разряды"), ("1 234.567,8", "по-разному"), ("12.345", "двояко"),
    ("1.500", "двояко"), ("1,2.3,4", "несколько"), ("1e5", "порядком"), ("1,5E+05", "порядком"), ("1e308", "порядком"),
    ("NaN", "NaN"), ("inf", "NaN"), ("-inf", "NaN"), ("∞", "NaN"), ("1" * 100_000, "слишком много цифр"),
    ("12345678901234567,5", "значащих"), ("100 000 000,5", "больше 100"), ("12,3456", "3 знаков"), ("12 тыс", "без единиц"),
    ("1 234,5 руб.", "без единиц"), ("5%", "не число"), ("(5)", "не число"), ("5-", "не число"), ("abc", "не число"),
    ("да", "не число"), ("12\t345", "не число"), ("12\n345", "не число"), ("0x10", "не число"), ("١٢٣", "не число"),
    ("1 234,5 2 345,6", "по-разному"), (",", "не число"), ("-", "не число"), ("=1+1", "не число"),
]
NOT_FOR_NUMBERS = {"12,3456", "1 234,567", "100 000 000,5"}  # money rules (3 decimals, the bound): an indicator has neither
# A file is read cell by cell by the same parser: each accepted format and one case of each kind of refusal
# (a file round trip is slow); the command line reads the same files, so it gets a few of each.
IN_FILES = {"1 234,5", "1\u00a0234,5", "1\u202f234,5", "1234,5", "1234.5", "1,234", "-5", "1 23,5", "12.345", "1e5", "NaN",
            "1" * 100_000, "12345678901234567,5", "12,3456", "12 тыс", "12\t345", "=1+1"}
IN_CLI = {"1\u00a0234,5", "1234.5", "-5", "1 23,5", "12.345", "1e5", "=1+1"}


def outcome_ok(expected, stored, message: str | None) -> str | None:
    """None when the case behaved; otherwise what went wrong."""
    if isinstance(expected, float):
        if message is not None:
            return f"refused ({message[:120]}), expected {expected}"
        return None if stored == expected else f"stored {stored!r}, expected {expected}"
    if message is None:
        return f"stored {stored!r}, expected a refusal with «{expected}»"
    if not CYRILLIC.search(message) or "Traceback" in message:
        return f"the message is not a Russian sentence: {message[:120]}"
    if expected not in message and not (expected == "не число" and "формула" in message):
        return f"refused with «{message[:160]}», expected «{expected}»"
    return None


def run_corpus(store, attempt, cases=CORPUS) -> None:
    """``attempt(store, typed)`` -> (stored value or None, refusal message or None)."""
    failures = []
    for typed, expected in cases:
        before = rows(store)
        try:
            stored, message = attempt(store, typed)
        except Exception as err:  # a traceback is a failure, whatever it is
            failures.append(f"{typed[:30]!r}: {type(err).__name__}: {err}"[:300])
            continue
        problem = outcome_ok(expected, stored, message)
        if message is not None and rows(store) != before:
            problem = f"refused but {rows(store) - before} rows were written"
        if problem:
            failures.append(f"{typed[:30]!r}: {problem}")
    assert not failures, "\n".join(failures)


def rows(store) -> int:
    snap = store.read_all()
    return sum(len(snap.all_versions(t)) for t in snap.schema.tables)


@pytest.fixture
def store(demo_db, tmp_path):
    return copy_demo(demo_db, tmp_path)


def current(store, tab, **key):
    frame = store.read_all().current(tab)
    for k, v in key.items():
        frame = frame[frame[k] == v]
    return frame.iloc[0]


UNCHANGED = "Изменений нет"  # a store that writes no unchanged record says so: the value is stored all the same


def save(store, tab, checked):
    """The page's save: every ×20 value confirmed, every accounting identity confirmed with a reason (the corpus is
    about reading numbers, not about those rules)."""
    from lib.store.port import StoreError

    if checked.errors:
        return None, " | ".join(str(f) for f in checked.errors)
    try:
        service.save_checked(store, VES, tab, checked, [f.token for f in checked.confirm], reason="проверка чтения чисел")
    except StoreError as err:
        if UNCHANGED not in str(err):
            raise
    return True, None


def grid_cell(store, typed):
    """The monthly report grid: written off in the first line, as the editor's state sends it."""
    snap = store.read_all()
    form = monthly.monthly_form(snap, "ves", MONTH)
    filled = valid_monthly(snap)
    edits = {i: {k: number_text(filled.iloc[i][k]) for k in ("accrued", "paid", "recovered_enforcement", "overdue")}
             for i in range(len(form))}
    edits[0]["written_off"] = typed
    edited = form_input.apply_edits(form, {"edited_rows": edits}, monthly.MONEY_FIELDS)
    _, message = save(store, "monthly_reports", monthly.check_monthly(snap, "ves", MONTH, edited, TODAY, settings(snap)))
    if message:
        return None, message
    return current(store, "monthly_reports", participant_id="ves", month=MONTH, settlement_id="vitim",
                   consumer_group="population").written_off, None


def claims_field(store, typed):
    snap = store.read_all()
    values = {"debtors_over_threshold": "125", "court_applications": "3", "court_decisions": "3", "writs_sent": "2",
              "court_applications_sum": typed}
    _, message = save(store, "claims_work", monthly.check_claims(snap, "ves", MONTH, values, TODAY, settings(snap)))
    return (None, message) if message else (current(store, "claims_work", participant_id="ves", month=MONTH).court_applications_sum, None)


def plan_indicator(store, typed):
    snap = store.read_all()
    form = monthly.plan_form(snap, "ves", MONTH)
    edited = form_input.apply_edits(form, {"edited_rows": {0: {"indicator_value": typed}}}, monthly.PLAN_EDITABLE)
    _, message = save(store, "plan_progress", monthly.check_plan(snap, "ves", edited, TODAY))
    if message:
        return None, message
    return current(store, "plan_progress", participant_id="ves", measure_id=form.measure_id.iloc[0], period=form.period.iloc[0]).indicator_value, None


def blank_cell(store, typed):
    """The offline Excel blank: «Списано» of the first line typed as text (a person typing into Excel)."""
    snap = store.read_all()
    wb = load_workbook(io.BytesIO(build_workbook(snap, "ves", MONTH)))
    ws = wb["Отчёт"]
    for i, r in enumerate(valid_monthly(snap).itertuples()):
        for j, k in enumerate(("debt_start", "accrued", "paid", "recovered_enforcement", "overdue"), start=4):
            ws.cell(7 + i, j).value = getattr(r, k)
    ws.cell(7, 9).value = typed
    ws.cell(7, 9).data_type = "s"  # as typed, even «=1+1»: the reader must refuse a formula, not crash
    out = io.BytesIO()
    wb.save(out)
    return upload(store, out.getvalue(), None, ("vitim", "population"), "written_off")


def annex4_rows(store, typed) -> bytes:
    from tests.support.excel_files import annex4_file

    start = valid_monthly(store.read_all()).set_index(["settlement_id", "consumer_group"]).debt_start
    return annex4_file({"население": ["", start[("vitim", "population")], "1000", "950", "", "12", typed],
                        "прочие потребители": ["", start[("vitim", "other")], "300", "310,5", "", "0,5", "100"]})


def upload(store, data: bytes, settlement, line, key):
    from lib.store.port import StoreError

    snap = store.read_all()
    try:
        parsed = read_upload(data, snap, "ves", MONTH, settlement)
    except UploadRejected as err:
        return None, str(err)
    result = check_upload(snap, "ves", MONTH, parsed, TODAY, settings(snap))
    if result.errors:
        return None, " | ".join(result.errors)
    try:
        service.save_upload(store, VES, result, [f.token for f in result.confirm], reason="проверка чтения чисел")
    except StoreError as err:
        if UNCHANGED not in str(err):
            raise
    return current(store, "monthly_reports", participant_id="ves", month=MONTH, settlement_id=line[0], consumer_group=line[1])[key], None


def annex4_cell(store, typed):
    """An Annex 4 form: gr. 9 (overdue) of «население» typed as text."""
    return upload(store, annex4_rows(store, typed), "vitim", ("vitim", "population"), "overdue")


def cli_import(store, typed):
    """The same Annex 4 form through ``python -m lib.cli import`` (its main, in this process)."""
    from lib.cli import main

    path = PROJECT_ROOT / "test-artifacts" / "corpus-annex4.xlsx"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(annex4_rows(store, typed))
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["import", str(path), "--participant", "ves", "--month", MONTH, "--settlement", "vitim", "--confirm",
                     "--store", f"sqlite:///{store.path}"])
    if code != 0 and UNCHANGED not in err.getvalue():
        return None, err.getvalue()
    return current(store, "monthly_reports", participant_id="ves", month=MONTH, settlement_id="vitim",
                   consumer_group="population").overdue, None


def without(*typed):
    return [c for c in CORPUS if c[0] not in typed]


FILE_CASES = [c for c in CORPUS if c[0] in IN_FILES]
CLI_CASES = [c for c in CORPUS if c[0] in IN_CLI]


@pytest.mark.parametrize("path,cases", [
    (grid_cell, CORPUS),
    (claims_field, CORPUS),
    (plan_indicator, without(*NOT_FOR_NUMBERS)),
    (blank_cell, FILE_CASES),
    (annex4_cell, FILE_CASES),
    (cli_import, CLI_CASES),
], ids=["grid", "claims", "plan indicator", "Excel blank", "Annex 4", "CLI import"])
def test_every_bad_input_on_every_path_is_refused_in_russian_or_stored_exactly(store, path, cases):
    run_corpus(store, path, cases)


def test_a_plan_indicator_keeps_every_decimal_typed(store):
    run_corpus(store, plan_indicator, [("12,3456", 12.3456), ("1 234,567", 1234.567)])


# ---- the docs' table is true -----------------------------------------------------------------------


def readme_rows() -> list[tuple[str, str, str]]:
    text = (PROJECT_ROOT / "docs" / "data-entry.md").read_text()
    table = text.split("## Ввод чисел: что набрано → что сохранено", 1)[1].split("\n## ", 1)[0]
    out = []
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and "`" in cells[0]:
            out.append(tuple(cells))
    return out


def test_the_docs_number_table_says_what_the_parser_does():
    rows_ = readme_rows()
    assert len(rows_) >= 25, "the table «Ввод чисел» of docs/data-entry.md is missing or was cut"
    money = schema()["monthly_reports"].column("accrued")
    count = schema()["claims_work"].column("court_applications")
    percent = Column("target_reduction_pct", "Цель снижения", "percent", min=0)
    for typed_cell, stored, _why in rows_:
        typed = re.search(r"`([^`]+)`", typed_cell)[1].replace("<Tab>", "\t")
        column = count if "в количестве" in typed_cell else percent if "в процентах" in typed_cell else money
        if stored == "отказ":
            with pytest.raises(ParseError):
                parse_value(typed, column)
        else:
            assert parse_value(typed, column) == float(stored.replace(" ", "").replace(",", ".")), typed_cell
