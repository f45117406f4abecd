"""Issue 10: only what a person may edit is taken from a form; every id is checked against the
registry; a duplicate line is named; a ×20 / ÷20 figure waits for confirmation; no crash reaches a
person. Each case the issue lists is its own test (lib, the page in AppTest, the blank, Annex 4, the CLI)."""

from __future__ import annotations

import datetime as dt
import io
import time
import zipfile

import pytest
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from lib.auth.access import ValidationError, command_line_user, write
from lib.core.config import PROJECT_ROOT
from lib.core.parsing import number_text
from lib.domain import monthly as entry
from lib.files.excel_forms import UploadRejected, build_workbook, check_upload, read_upload
from lib.saving import form_input, service
from lib.store.sqlite_store import SQLiteStore
from tests.support.apptest import open_entry
from tests.support.entry import MONTH, VES, copy_demo, settings, valid_monthly, valid_structure
from tests.support.excel_files import annex4_file, fill

TODAY = dt.date(2026, 11, 22)
APP = str(PROJECT_ROOT / "app.py")
COORDINATOR = command_line_user("test")


@pytest.fixture
def store(demo_db, tmp_path):
    return copy_demo(demo_db, tmp_path)


def saved_rows(store, tab="monthly_reports", pid="ves", month=MONTH):
    rows = store.read_all().current(tab)
    return rows[(rows.participant_id == pid) & (rows.month == month)]


def total_rows(store) -> int:
    snap = store.read_all()
    return sum(len(snap.all_versions(t)) for t in snap.schema.tables)


def messages(checked) -> str:
    return " | ".join(str(f) for f in checked.errors).replace("\u00a0", " ")


# ---- item 3: the server takes only what the form lets a person edit ------------------------------


def test_editor_state_naming_a_hidden_settlement_is_ignored(store):
    """A utility's rows re-filed under another settlement by naming ``settlement_id`` in the editor state."""
    snap = store.read_all()
    form = entry.monthly_form(snap, "ves", MONTH)
    typed = valid_monthly(snap)
    state = {"edited_rows": {i: {"settlement_id": "lensk", "consumer_group": "population",
                                 **{k: number_text(typed.iloc[i][k]) for k in ("accrued", "paid", "recovered_enforcement", "overdue", "written_off")}}
                             for i in range(len(form))}, "added_rows": [], "deleted_rows": []}
    edited = form_input.apply_edits(form, state, entry.MONEY_FIELDS)
    assert edited[["settlement_id", "consumer_group"]].equals(form[["settlement_id", "consumer_group"]])
    checked = entry.check_monthly(snap, "ves", MONTH, edited, TODAY, settings(snap))
    assert not checked.errors, messages(checked)
    service.save_checked(store, VES, "monthly_reports", checked, [f.token for f in checked.confirm])
    saved = saved_rows(store)
    assert sorted(zip(saved.settlement_id, saved.consumer_group)) == sorted(zip(form.settlement_id, form.consumer_group))


def test_a_filed_month_shown_for_editing_saves_back_exactly_what_is_stored(store):
    """Pre-filled cells are the stored values in Russian format with every digit: sent back as shown (a person
    copying a cell onto itself, or any cell left as it is), they parse to the identical stored numbers."""
    snap = store.read_all()
    form = entry.monthly_form(snap, "lptes", "2024-11")  # filed in the demo
    shown = form_input.as_text(form, entry.MONEY_FIELDS)
    assert shown.debt_start.iloc[0] == number_text(form.debt_start.iloc[0]) and "," in "".join(shown.debt_start)
    state = {"edited_rows": {i: {k: shown.iloc[i][k] for k in entry.MONEY_FIELDS} for i in range(len(shown))}}
    checked = entry.check_monthly(snap, "lptes", "2024-11", form_input.apply_edits(form, state, entry.MONEY_FIELDS), TODAY,
                                  settings(snap))
    assert not checked.errors and not checked.confirm
    stored = snap.current("monthly_reports").query("participant_id == 'lptes' and month == '2024-11'")
    for k in entry.MONEY_FIELDS:
        assert [r[k] for r in checked.records] == [None if v != v else v for v in stored[k]], k


def test_rows_added_or_deleted_in_the_state_of_a_fixed_grid_are_ignored():
    import pandas as pd

    form = pd.DataFrame({"settlement_id": ["a", "b"], "consumer_group": ["population", "other"], "paid": [1.0, 2.0]})
    state = {"edited_rows": {"1": {"paid": "5,5"}, 7: {"paid": "9"}, "x": {"paid": "9"}, 0: "junk"},
             "added_rows": [{"settlement_id": "c", "paid": "3"}], "deleted_rows": [0]}
    edited = form_input.apply_edits(form, state, ("paid",))
    assert edited.settlement_id.tolist() == ["a", "b"] and edited.paid.tolist() == [1.0, "5,5"]
    assert form_input.apply_edits(form, None, ("paid",)).paid.tolist() == [1.0, 2.0]


def test_a_changed_consumer_group_cannot_collide_with_another_row_on_the_page(demo_store_url, fixed_today):
    """Naming ``consumer_group`` used to make two rows one (a row silently lost): now 4 rows are stored."""
    snap = store_of(demo_store_url).read_all()
    typed = valid_monthly(snap)
    edits = {i: {**{k: number_text(typed.iloc[i][k]) for k in ("accrued", "paid", "recovered_enforcement", "overdue", "written_off")},
                 "consumer_group": "population"} for i in range(len(typed))}
    at = open_entry("ves@lensk.demo", {f"monthly-ves-{MONTH}": {"edited_rows": edits, "added_rows": [], "deleted_rows": []}})
    tick_confirmations(at)
    at.button(key="save_monthly").click().run()
    assert any(s.value.startswith("Сохранено") for s in at.success), [e.value for e in at.error]
    saved = saved_rows(store_of(demo_store_url))
    assert len(saved) == 4 and sorted(saved.consumer_group) == ["other", "other", "population", "population"]


def test_plan_progress_for_a_far_period_or_an_unknown_measure_is_refused(store):
    snap = store.read_all()
    form = entry.plan_form(snap, "lptes", MONTH)
    state = {"edited_rows": {0: {"status": "done", "period": "2031-Q1", "measure_id": "нет-такого"}}}
    edited = form_input.apply_edits(form, state, entry.PLAN_EDITABLE)
    assert (edited.measure_id.iloc[0], edited.period.iloc[0]) == (form.measure_id.iloc[0], form.period.iloc[0])
    assert not entry.check_plan(snap, "lptes", edited, TODAY).errors
    for column, value, reason in (("period", "2031-Q1", "ещё не наступил"), ("measure_id", "нет-такого", "нет в плане"),
                                  ("period", "2024-10", "не за период")):
        forged = edited.copy()
        forged.loc[0, column] = value
        checked = entry.check_plan(snap, "lptes", forged, TODAY)
        assert reason in messages(checked), messages(checked)


def test_plan_progress_of_a_retired_measure_is_refused(store):
    snap = store.read_all()
    form = entry.plan_form(snap, "lptes", MONTH).head(1).assign(status="done")
    record = snap.record("plan", measure_id=form.measure_id.iloc[0])
    write(store, COORDINATOR, {"plan": [{**record, "retired": True}]})
    assert "исключено из плана" in messages(entry.check_plan(store.read_all(), "lptes", form, TODAY))


def test_plan_progress_of_a_measure_for_another_kind_of_participant_is_refused(store):
    snap = store.read_all()
    plan = snap.current("plan")
    utility_only = plan[plan.executor_kinds == "utility"].measure_id.iloc[0]
    form = entry.plan_form(snap, "nyuya", MONTH).head(1).assign(measure_id=utility_only, status="done")
    assert "отчитываются другие участники" in messages(entry.check_plan(snap, "nyuya", form, TODAY))


@pytest.mark.parametrize("settlement,reason", [("atlantis", "нет в справочнике"), ("lensk", "не обслуживает"),
                                               ("lptes", "не поселение")])
def test_a_settlement_not_served_or_unknown_is_refused(store, settlement, reason):
    snap = store.read_all()
    form = valid_monthly(snap)
    form.loc[0, "settlement_id"] = settlement
    checked = entry.check_monthly(snap, "ves", MONTH, form, TODAY, settings(snap))
    assert reason in messages(checked), messages(checked)
    with pytest.raises(entry.EntryRejected):
        service.save_checked(store, VES, "monthly_reports", checked)
    assert saved_rows(store).empty


def test_a_settlement_head_cannot_file_a_utility_report(store):
    snap = store.read_all()
    form = valid_monthly(snap)
    checked = entry.check_monthly(snap, "nyuya", MONTH, form, TODAY, settings(snap))
    assert "сдают организации ЖКК" in messages(checked)
    claims = entry.check_claims(snap, "nyuya", MONTH, {"debtors_over_threshold": "1"}, TODAY, settings(snap))
    assert "сдают организации ЖКК" in messages(claims)


def test_an_unknown_or_disabled_participant_is_refused(store):
    snap = store.read_all()
    assert "нет в справочнике" in messages(entry.check_claims(snap, "никто", MONTH, {}, TODAY, settings(snap)))
    record = snap.record("participants", id="ves")
    write(store, COORDINATOR, {"participants": [{**record, "active": False}]})
    snap = store.read_all()
    assert "отключён" in messages(entry.check_monthly(snap, "ves", MONTH, valid_monthly(snap), TODAY, settings(snap)))


def test_a_resource_the_utility_does_not_supply_is_refused(store):
    snap = store.read_all()
    monthly = valid_monthly(snap)
    structure = valid_structure(snap, monthly)
    structure.loc[0, "resource"] = "gas"
    checked = entry.check_structure(snap, "ves", MONTH, structure, monthly, TODAY, settings(snap))
    assert "не поставляет ресурс «газоснабжение»" in messages(checked)


def test_a_duplicated_row_in_the_entry_form_names_both_rows(store):
    import pandas as pd

    snap = store.read_all()
    form = valid_monthly(snap)
    doubled = pd.concat([form, form.iloc[[1]]], ignore_index=True)
    checked = entry.check_monthly(snap, "ves", MONTH, doubled, TODAY, settings(snap))
    assert "повторяется: строка 2 и строка 5" in messages(checked)


def test_a_duplicate_record_in_one_save_is_refused_for_every_tab(store):
    record = {"participant_id": "lptes", "settlement_id": "lensk", "month": "2024-12", "consumer_group": "population",
              "debt_start": 100.0, "accrued": 50.0, "paid": 40.0, "recovered_enforcement": 1.0, "overdue": 60.0}
    before = total_rows(store)
    with pytest.raises(ValidationError, match=r"запись 2.*та же запись, что и запись 1"):
        write(store, COORDINATOR, {"monthly_reports": [record, {**record, "paid": 45.0}]})
    with pytest.raises(ValidationError, match="та же запись"):
        write(store, COORDINATOR, {"locks": [{"quarter": "2024-Q4", "locked": True}, {"quarter": "2024-Q4", "locked": False}]})
    assert total_rows(store) == before


# ---- the Excel blank, Annex 4 and the command line --------------------------------------------------


def blank(store, edit) -> bytes:
    snap = store.read_all()
    monthly = valid_monthly(snap)
    wb = load_workbook(io.BytesIO(fill(snap, build_workbook(snap, "ves", MONTH), monthly, valid_structure(snap, monthly))))
    edit(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload_errors(store, data, pid="ves", settlement=None) -> list[str]:
    snap = store.read_all()
    result = check_upload(snap, pid, MONTH, read_upload(data, snap, pid, MONTH, settlement), TODAY, settings(snap))
    return [e.replace("\u00a0", " ") for e in result.errors]


def copy_row(ws, source: int, target: int) -> None:
    for j in range(1, ws.max_column + 1):
        ws.cell(target, j).value = ws.cell(source, j).value


def test_a_copied_row_in_the_blank_with_the_structure_filled_names_both_rows(store):
    """Was «The truth value of a Series is ambiguous» (a traceback) — and, without the structure, last one wins."""
    data = blank(store, lambda wb: copy_row(wb["Отчёт"], 7, 11))
    errors = upload_errors(store, data)
    assert any("строка 11" in e and "повторяет строку 7" in e for e in errors), errors


def test_a_deleted_or_foreign_row_in_the_blank_is_named(store):
    def edit(wb):
        ws = wb["Отчёт"]
        ws["B8"].value = "lensk"  # a settlement this utility does not serve
        for j in range(1, 10):
            ws.cell(10, j).value = None  # a line removed
    errors = upload_errors(store, blank(store, edit))
    assert any("строка 8" in e and "нет в бланке этой организации" in e for e in errors), errors
    assert any("нет строки «МО «Поселок Пеледуй», прочие потребители»" in e for e in errors), errors


def test_a_resource_changed_in_the_blank_is_refused(store):
    errors = upload_errors(store, blank(store, lambda wb: setattr(wb["Структура"]["D7"], "value", "газоснабжение")))
    assert any("строка 7" in e and "нет в бланке" in e for e in errors), errors


def test_two_settlements_rows_in_one_annex_4_form_are_refused_naming_both_rows(store):
    data = annex4_file({"население": ["", "100", "10", "9", "", "0", "50"], "прочие потребители": ["", "50", "5", "5", "", "0", "20"],
                        "Население ": ["", "200", "20", "19", "", "0", "90"]})
    errors = upload_errors(store, data, settlement="vitim")
    assert any("строка 14" in e and "первая — строка 10" in e and "разделите файл по поселениям" in e for e in errors), errors


def cli(*args):
    from contextlib import redirect_stderr, redirect_stdout

    from lib.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def annex4_path(store, tmp_path, **values):
    snap = store.read_all()
    start = valid_monthly(snap).set_index(["settlement_id", "consumer_group"]).debt_start
    cells = {"население": ["", start[("vitim", "population")], "1000", "950", "", "12", values.get("overdue", "2 000")],
             "прочие потребители": ["", start[("vitim", "other")], "300", "310,5", "", "0,5", "100"]}
    path = tmp_path / "annex4.xlsx"
    path.write_bytes(annex4_file(cells))
    return path


@pytest.mark.parametrize("args,reason", [
    (["--participant", "никто", "--settlement", "vitim"], "участник «никто» не найден"),
    (["--participant", "ves", "--settlement", "atlantis"], "нет в справочнике"),
    (["--participant", "ves", "--settlement", "lensk"], "не обслуживает"),
    (["--participant", "nyuya", "--settlement", "nyuya"], "сдают организации ЖКК"),
])
def test_cli_import_checks_every_id_against_the_registry(store, tmp_path, args, reason):
    before = total_rows(store)
    code, _, err = cli("import", str(annex4_path(store, tmp_path)), "--month", MONTH, *args, "--store", f"sqlite:///{store.path}")
    assert code != 0 and reason.lower() in err.lower().replace("\u00a0", " "), err
    assert total_rows(store) == before


@pytest.mark.parametrize("typed,accepted", [("2024-13", None), ("12.2024", "2024-12"), ("декабрь 2024", "2024-12"), ("13.2024", None),
                                            ("2024", None)])
def test_cli_month_argument_is_read_or_refused_in_russian(store, tmp_path, typed, accepted):
    """``--month 2024-13`` / ``12.2024`` ended in an IndexError traceback."""
    code, _, err = cli("import", str(annex4_path(store, tmp_path)), "--participant", "ves", "--settlement", "vitim",
                       "--month", typed, "--store", f"sqlite:///{store.path}")
    if accepted:
        assert code == 0, err
        assert len(saved_rows(store, month=accepted)) == 2
    else:
        assert code == 1 and "--month" in err and "ГГГГ-ММ" in err and "Traceback" not in err, err


# ---- item 2: ×20 / ÷20 waits for an explicit confirmation ------------------------------------------


def test_a_hundredfold_figure_is_saved_only_once_this_very_value_is_confirmed(store):
    """«15226,84» pasted as 1 522 684 — the ×100 error the issue starts with."""
    snap = store.read_all()
    form = valid_monthly(snap)
    form["accrued"] = form["accrued"].astype(object)
    form.loc[0, "accrued"] = "1 522 684"  # last month's accrual is near 1 000
    checked = entry.check_monthly(snap, "ves", MONTH, form, TODAY, settings(snap))
    assert not checked.errors
    asked = [f for f in checked.confirm if f.field == "Начислено"]
    assert len(asked) == 1 and "раз больше, чем в прошлом месяце" in asked[0].message
    before = total_rows(store)
    with pytest.raises(entry.NeedsConfirmation, match="подтвердите"):
        service.save_checked(store, VES, "monthly_reports", checked)
    assert total_rows(store) == before
    tokens = [f.token for f in checked.confirm]
    form.loc[0, "accrued"] = "1 522 685"  # changed after the confirmation: it no longer covers it
    changed = entry.check_monthly(snap, "ves", MONTH, form, TODAY, settings(snap))
    with pytest.raises(entry.NeedsConfirmation):
        service.save_checked(store, VES, "monthly_reports", changed, tokens)
    assert total_rows(store) == before
    service.save_checked(store, VES, "monthly_reports", checked, tokens)
    assert 1522684.0 in saved_rows(store).accrued.tolist()


def test_a_value_twenty_times_smaller_asks_too_and_a_small_swing_does_not(store):
    snap = store.read_all()
    form = valid_monthly(snap)
    form.loc[0, "paid"] = 9.5  # a lost digit: ÷100
    form.loc[1, "recovered_enforcement"] = 0.1  # a small sum swinging: not asked
    checked = entry.check_monthly(snap, "ves", MONTH, form, TODAY, settings(snap))
    assert any(f.field == "Оплачено" and "раз меньше" in f.message for f in checked.confirm)
    assert not any(f.field == "Получено по исполнительным производствам" for f in checked.confirm)


def test_the_excel_blank_and_the_cli_need_the_confirmation_too(store, tmp_path):
    data = blank(store, lambda wb: setattr(wb["Отчёт"]["E8"], "value", "100 050"))
    snap = store.read_all()
    result = check_upload(snap, "ves", MONTH, read_upload(data, snap, "ves", MONTH), TODAY, settings(snap))
    assert not result.errors and result.confirm
    with pytest.raises(entry.NeedsConfirmation):
        service.save_upload(store, VES, result)
    assert saved_rows(store).empty
    path = tmp_path / "blank.xlsx"
    path.write_bytes(data)
    code, _, err = cli("import", str(path), "--participant", "ves", "--month", MONTH, "--store", f"sqlite:///{store.path}")
    assert code == 1 and "--confirm" in err and "Начислено" in err and saved_rows(store).empty, err
    code, out, err = cli("import", str(path), "--participant", "ves", "--month", MONTH, "--confirm", "--store", f"sqlite:///{store.path}")
    assert code == 0 and "подтверждено" in out, err
    assert 100050.0 in saved_rows(store).accrued.tolist()


def test_the_page_asks_to_confirm_a_hundredfold_figure_and_saves_once_ticked(demo_store_url, fixed_today):
    snap = store_of(demo_store_url).read_all()
    typed = valid_monthly(snap)
    edits = {i: {k: number_text(typed.iloc[i][k]) for k in ("accrued", "paid", "recovered_enforcement", "overdue", "written_off")}
             for i in range(len(typed))}
    edits[0]["accrued"] = "1 522 684"  # «15226,84» as Streamlit's number cell read it
    at = open_entry("ves@lensk.demo", {f"monthly-ves-{MONTH}": {"edited_rows": edits, "added_rows": [], "deleted_rows": []}})
    assert any("раз больше, чем в прошлом месяце" in w.value for w in at.warning)
    assert at.button(key="save_monthly").disabled
    understood = next(d.value for d in at.dataframe if "Начислено" in d.value.columns and "Поселение" in d.value.columns)
    assert understood["Начислено"].iloc[0] == "1\u00a0522\u00a0684"
    tick_confirmations(at)
    assert not at.button(key="save_monthly").disabled
    at.button(key="save_monthly").click().run()
    assert any(s.value.startswith("Сохранено") for s in at.success), [e.value for e in at.error]
    assert 1522684.0 in saved_rows(store_of(demo_store_url)).accrued.tolist()


def test_an_edit_arriving_with_the_click_is_shown_before_it_is_saved(demo_store_url, fixed_today):
    """Only what the page showed as understood is saved: an edit sent together with the click waits for a second click."""
    snap = store_of(demo_store_url).read_all()
    typed = valid_monthly(snap)
    edits = {i: {k: number_text(typed.iloc[i][k]) for k in ("accrued", "paid", "recovered_enforcement", "overdue", "written_off")}
             for i in range(len(typed))}
    key = f"monthly-ves-{MONTH}"
    at = open_entry("ves@lensk.demo", {key: {"edited_rows": edits, "added_rows": [], "deleted_rows": []}})
    changed = {i: dict(row) for i, row in edits.items()}
    changed[0]["paid"] = "951,5"
    at.session_state[key] = {"edited_rows": changed, "added_rows": [], "deleted_rows": []}
    at.button(key="save_monthly").click().run()
    assert any("Значения изменились в момент нажатия" in w.value for w in at.warning)
    assert saved_rows(store_of(demo_store_url)).empty
    at.button(key="save_monthly").click().run()
    assert any(s.value.startswith("Сохранено") for s in at.success), [e.value for e in at.error]
    assert 951.5 in saved_rows(store_of(demo_store_url)).paid.tolist()


# ---- item 4: no traceback reaches a person --------------------------------------------------------


def store_of(url: str) -> SQLiteStore:
    return SQLiteStore(url[len("sqlite:///"):])


@pytest.fixture
def fixed_today(monkeypatch):
    from lib.ui import shell

    monkeypatch.setattr(shell, "today", lambda: TODAY)


def tick_confirmations(at: AppTest) -> None:
    for box in at.checkbox:
        if "-confirm-" in (box.key or ""):
            box.check()
    at.run()


def test_a_utility_with_no_served_settlements_opens_the_entry_page(demo_store_url, fixed_today):
    """Was «'float' object has no attribute 'split'»."""
    store = store_of(demo_store_url)
    record = store.read_all().record("participants", id="ves")
    write(store, COORDINATOR, {"participants": [{**record, "serves": None}]})
    at = open_entry("ves@lensk.demo")
    assert any("не закреплено ни одного поселения" in i.value for i in at.info)
    assert any("не закреплено ни одного поселения" in e.value for e in at.error)  # the form says why it cannot be saved
    assert at.button(key="save_monthly").disabled


def test_an_executor_whose_participant_is_not_in_the_registry_is_told_what_to_do(demo_store_url, fixed_today):
    store = store_of(demo_store_url)
    user = store.read_all().record("users", login="ves@lensk.demo")
    write(store, COORDINATOR, {"users": [{**user, "participant_id": "vesx"}]})
    at = open_entry("ves@lensk.demo")
    assert any("«vesx» не найден" in e.value and "Обратитесь к координатору" in e.value for e in at.error)


def test_a_cell_holding_1e308_is_listed_not_a_crash_of_every_page(demo_store_url):
    import sqlite3

    with sqlite3.connect(demo_store_url[len("sqlite:///"):]) as con:
        con.execute("UPDATE monthly_reports SET paid = 1e308 WHERE _seq = 3")
        con.execute("UPDATE monthly_reports SET accrued = ? WHERE _seq = 4", ("1" * 100_000,))
        con.execute("UPDATE monthly_reports SET debt_start = 1 WHERE _seq = 5")
        con.execute("UPDATE monthly_reports SET overdue = 'TRUE' WHERE _seq = 6")
    snap = store_of(demo_store_url).read_all()
    reasons = {p.row: p.reason for p in snap.problems}
    assert "больше 100 000 000" in reasons[4].replace("\u00a0", " ") and "слишком много цифр" in reasons[5]
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["user_login"] = "coordinator@lensk.demo"
    at.run()
    assert not at.exception and any("Не распознано ячеек" in e.value for e in at.error)


def xlsx_with_sheet(sheet_xml: bytes) -> bytes:
    """A minimal, valid .xlsx package around one sheet's XML (openpyxl would open it)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                   'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
                   'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
                   'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
                   'worksheet+xml"/></Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                   'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
                   'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
                   '<sheet name="Лист1" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                   'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return out.getvalue()


def sheet_of_rows(rows: int, cells: str = "") -> bytes:
    body = b"".join(b'<row r="%d">%s</row>' % (n, cells.replace("#", str(n)).encode()) for n in range(1, rows + 1))
    return (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b"<sheetData>" + body + b"</sheetData></worksheet>")


@pytest.mark.parametrize("cells", ['<c r="A#"><v>1</v></c>', ""])  # 4.5 MB unzipping to 44 MB; 940 000 empty rows
def test_a_940_000_row_file_under_5_mb_is_refused_in_under_2_seconds(store, cells):
    data = xlsx_with_sheet(sheet_of_rows(940_000, cells))
    assert len(data) < 5 * 1024 * 1024
    snap = store.read_all()
    started = time.perf_counter()
    with pytest.raises(UploadRejected, match=r"Внутри файла|больше 5\u00a0000 строк") as err:
        read_upload(data, snap, "ves", MONTH)
    assert time.perf_counter() - started < 2, "refused too slowly"
    assert "Traceback" not in str(err.value)


def test_a_small_valid_package_still_opens():
    from lib.files.excel_forms import open_workbook

    assert open_workbook(xlsx_with_sheet(sheet_of_rows(3, '<c r="A#" t="n"><v>1</v></c>'))).active["A3"].value == 1


def damaged(data: bytes, how: str) -> bytes:
    if how == "bad crc":  # one byte of a stored member changed: zipfile says «Bad CRC-32»
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
            for info in src.infolist():
                dst.writestr(info.filename, src.read(info.filename), zipfile.ZIP_STORED)
        raw = bytearray(out.getvalue())
        at = raw.find(b"<sheetData")
        raw[at + 1] = ord("S")
        return bytes(raw)
    out = io.BytesIO()  # a sheet's XML cut short: openpyxl says «no element found»
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            dst.writestr(info.filename, body[: len(body) // 2] if info.filename == "xl/worksheets/sheet1.xml" else body)
    return out.getvalue()


@pytest.mark.parametrize("how", ["bad crc", "cut short"])
def test_a_damaged_file_gets_a_russian_message_saying_what_to_do(store, how):
    snap = store.read_all()
    with pytest.raises(UploadRejected) as err:
        read_upload(damaged(build_workbook(snap, "ves", MONTH), how), snap, "ves", MONTH)
    text = str(err.value)
    assert "повреждён" in text and "сохраните заново" in text
    assert not any(english in text for english in ("CRC", "no element", "Error", "invalid literal"))


def test_a_blank_whose_hidden_month_was_changed_is_refused_in_russian(store):
    """Was «invalid literal for int()»."""
    def edit(wb):
        wb["_параметры"]["B3"].value = "2024-1x"
    with pytest.raises(UploadRejected, match=r"Бланк подготовлен для .* за «2024-1x»"):
        read_upload(blank(store, edit), store.read_all(), "ves", MONTH)


@pytest.mark.parametrize("data,reason", [(b"PK\x05\x06" + b"\0" * 18, "не является книгой Excel"),
                                         ("docx", "документ Word"), ("ods", "LibreOffice")])
def test_other_office_files_are_named(store, data, reason):
    if isinstance(data, str):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            z.writestr("word/document.xml" if data == "docx" else "mimetype", "x")
        data = out.getvalue()
    with pytest.raises(UploadRejected, match=reason):
        read_upload(data, store.read_all(), "ves", MONTH)


def test_a_100_000_digit_number_in_the_blank_is_named_plainly(store):
    errors = upload_errors(store, blank(store, lambda wb: setattr(wb["Отчёт"]["E7"], "value", "9" * 100_000)))
    assert any("строка 7, столбец E «Начислено»" in e and "слишком много цифр" in e for e in errors), errors
    assert not any("NaN" in e for e in errors)


def test_streamlit_is_configured_for_production():
    import tomllib

    from lib.files.excel_forms import MAX_BYTES

    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"
    assert config["server"]["maxUploadSize"] * 1024 * 1024 == MAX_BYTES


@pytest.mark.page_error_expected
def test_an_unforeseen_error_on_a_page_is_a_russian_message_and_logged(demo_store_url, monkeypatch, caplog):
    """app.py wraps the page it runs. (AppTest runs a page picked with ``switch_page`` on its own, without app.py,
    because the project has a ``pages/`` folder; the first run goes through app.py and its default page.)"""
    import lib.domain.periods

    def broken(*args, **kwargs):
        raise KeyError("debt_start")

    monkeypatch.setattr(lib.domain.periods, "open_returns", broken)
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["user_login"] = "ves@lensk.demo"
    at.run()
    assert not at.exception
    shown = [e.value for e in at.error]
    assert any(s.startswith("Непредвиденная ошибка (код ") and "сообщите координатору" in s for s in shown), shown
    assert any(r.name == "lib.ui.shell" and r.exc_info for r in caplog.records)


def test_control_flow_is_not_swallowed_by_the_fallback(demo_store_url):
    """st.stop (a commission member on the entry page) and switch_page (not signed in) still work."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["user_login"] = "commission@lensk.demo"
    at.run()
    at.switch_page("pages/entry.py").run()
    assert any("только просматривают" in e.value for e in at.error)
    assert not any("Непредвиденная ошибка" in e.value for e in at.error)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert at.title[0].value == "Вход" and not at.error
