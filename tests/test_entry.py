"""Monthly entry in lib/: due month, status, pre-fill, rules; and every bad input of the issue,
each refused with a Russian message that names the field, writing nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from lib.auth.access import Denied
from lib.domain import monthly as entry
from lib.files.excel_forms import UploadRejected, build_workbook, check_upload, read_upload
from lib.saving import service
from tests.support.entry import LPTES, MONTH, TODAY, VES, copy_demo, settings, valid_claims, valid_monthly, valid_structure


@pytest.fixture
def store(demo_db, tmp_path):
    return copy_demo(demo_db, tmp_path)


def test_the_month_due_and_the_months_offered():
    s = {"plan_start": "2023-01", "plan_end": "2024-12"}
    assert entry.last_fileable_month(dt.date(2024, 3, 1)) == "2024-02"
    assert entry.due_month(dt.date(2024, 3, 15), s) == "2024-02"
    assert entry.due_month(TODAY, s) == "2024-12"  # the plan has ended: its last month
    assert entry.selectable_months(dt.date(2023, 3, 5), s) == ["2023-02", "2023-01"]


def test_status_of_a_month(store):
    snap = store.read_all()
    st = settings(snap)
    assert entry.month_status(snap, "ves", "2024-12", st).label == "не подан"
    assert entry.month_status(snap, "lptes", "2024-12", st).code in ("on_time", "late")
    assert entry.month_status(snap, "tsk", "2024-10", st).label == "подан с опозданием"
    returned = entry.month_status(snap, "tsk", "2024-11", st)
    assert returned.label == "возвращён на доработку" and "Толонскому" in returned.detail
    assert entry.month_status(snap, "lptes", "2024-03", st).label == "закрыт"


def test_debt_at_start_is_carried_over_from_last_month(store):
    snap = store.read_all()
    form = entry.monthly_form(snap, "ves", "2024-12")
    prev = snap.current("monthly_reports")
    prev = prev[(prev.participant_id == "ves") & (prev.month == "2024-11")].set_index(["settlement_id", "consumer_group"])
    for r in form.itertuples():
        p = prev.loc[(r.settlement_id, r.consumer_group)]
        assert r.debt_start == pytest.approx(p.debt_start + p.accrued - p.paid - (p.written_off or 0), abs=0.0005)
    assert form["accrued"].isna().all()


def test_a_valid_month_is_saved_in_one_write_with_warnings_and_audit(store):
    snap = store.read_all()
    form = valid_monthly(snap)
    form.loc[0, "debt_start"] += 50  # breaks continuity: a warning, not an error
    checked = entry.check_monthly(snap, "ves", MONTH, form, TODAY, settings(snap))
    assert not checked.errors
    assert any("не равна остатку прошлого месяца" in str(w) for w in checked.warnings)
    receipt = service.save_checked(store, VES, "monthly_reports", checked)
    after = store.read_all()
    saved = after.current("monthly_reports")
    saved = saved[(saved.participant_id == "ves") & (saved.month == MONTH)]
    assert len(saved) == 4 and set(saved.save_id) == {receipt.save_id}
    assert "остатку прошлого месяца" in saved.iloc[0]["warnings"]
    assert entry.month_status(after, "ves", MONTH, settings(after)).code == "late"  # filed in 2026 for Dec 2024
    assert (after.all_versions("audit").save_id == receipt.save_id).sum() == 4


def test_structure_and_claims_save(store):
    snap = store.read_all()
    monthly = valid_monthly(snap)
    service.save_checked(store, VES, "monthly_reports", entry.check_monthly(snap, "ves", MONTH, monthly, TODAY, settings(snap)))
    snap = store.read_all()
    s = entry.check_structure(snap, "ves", MONTH, valid_structure(snap, monthly), None, TODAY, settings(snap))
    assert not s.errors, [str(e) for e in s.errors]
    service.save_checked(store, VES, "debt_structure", s)
    c = entry.check_claims(snap, "ves", MONTH, valid_claims(snap), TODAY, settings(snap))
    service.save_checked(store, VES, "claims_work", c)
    after = store.read_all()
    assert len(after.current("debt_structure").query("participant_id == 'ves' and month == @MONTH")) == 4
    saved = after.current("claims_work").query("participant_id == 'ves' and month == @MONTH")
    assert saved.court_applications.iloc[0] == c.records[0]["court_applications"]


# ---- bad input: each refused, named in Russian, nothing written ---------------------------


def rows_written(store) -> int:
    snap = store.read_all()
    return sum(len(snap.all_versions(t)) for t in ("monthly_reports", "debt_structure", "claims_work"))


def monthly_with(snap, **cell):
    form = valid_monthly(snap)
    for k, v in cell.items():
        form[k] = form[k].astype(object)
        form.loc[0, k] = v
    return form


def refuse_monthly(store, form, month=MONTH, user=VES, pid="ves"):
    snap = store.read_all()
    checked = entry.check_monthly(snap, pid, month, form, TODAY, settings(snap))
    service.save_checked(store, user, "monthly_reports", checked)


def upload(store, data, pid="ves", month=MONTH):
    snap = store.read_all()
    parsed = read_upload(data, snap, pid, month)
    result = check_upload(snap, pid, month, parsed, TODAY, settings(snap))
    if result.errors:
        raise entry.EntryRejected([])  # the list is checked separately below
    return result


def filled_workbook(store, **cells) -> bytes:
    snap = store.read_all()
    wb = load_workbook(io.BytesIO(build_workbook(snap, "ves", MONTH)))
    ws = wb["Отчёт"]
    form = valid_monthly(snap)
    for i, r in enumerate(form.itertuples()):
        for j, k in enumerate(("debt_start", "accrued", "paid", "recovered_enforcement", "overdue", "written_off"), start=4):
            ws.cell(7 + i, j).value = getattr(r, k)
    for ref, value in cells.items():
        ws[ref].value = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


BAD_INPUTS = {
    "negative amount": (lambda st: refuse_monthly(st, monthly_with(st.read_all(), paid=-5.0)), "«Оплачено»: не может быть отрицательным"),
    "text in a number": (lambda st: refuse_monthly(st, monthly_with(st.read_all(), accrued="сто")), "«Начислено»: «сто» — не число"),
    "NaN typed": (lambda st: refuse_monthly(st, monthly_with(st.read_all(), accrued="NaN")), "NaN и бесконечность не допускаются"),
    "infinity": (lambda st: refuse_monthly(st, monthly_with(st.read_all(), paid=float("inf"))), "NaN и бесконечность не допускаются"),
    "more than 3 decimals": (lambda st: refuse_monthly(st, monthly_with(st.read_all(), accrued=12.34567)), "не больше 3 знаков"),
    "a count with decimals": (lambda st: service.save_checked(st, VES, "claims_work", entry.check_claims(
        st.read_all(), "ves", MONTH, {**valid_claims(st.read_all()), "court_applications": 2.5}, TODAY, settings(st.read_all()))),
        "«Подано заявлений в суд»: количество должно быть целым"),
    "1e15": (lambda st: refuse_monthly(st, monthly_with(st.read_all(), accrued=1e15)), "больше 100 000 000"),
    "a future month": (lambda st: refuse_monthly(st, valid_monthly(st.read_all()), month="2026-11"), "можно подать только после окончания месяца"),
    "a month before the plan": (lambda st: refuse_monthly(st, valid_monthly(st.read_all()), month="2022-12"), "раньше начала плана"),
    "recovered above paid": (lambda st: refuse_monthly(st, monthly_with(st.read_all(), recovered_enforcement=2000.0)),
                             "«Получено по исполнительным производствам»: 2 000 больше оплаты 950,5:"),
    "aging not summing to overdue": (lambda st: service.save_checked(st, VES, "debt_structure", entry.check_structure(
        st.read_all(), "ves", MONTH, valid_structure(st.read_all(), valid_monthly(st.read_all())).assign(age_1_3=lambda f: f.age_1_3 + 1),
        valid_monthly(st.read_all()), TODAY, settings(st.read_all()))), "сумма по срокам"),
    "another participant's report": (lambda st: refuse_monthly(st, valid_monthly(st.read_all()), user=LPTES), "только за своего участника"),
    "a closed quarter": (lambda st: refuse_monthly(st, valid_monthly(st.read_all(), "lptes", "2024-03"), "2024-03", LPTES, "lptes"),
                         "1 квартал 2024 г. закрыт"),
    "upload with a wrong layout": (lambda st: upload(st, _wrong_layout()), "Не удалось узнать формат файла"),
    "empty upload": (lambda st: upload(st, b""), "Файл пустой"),
    "non-Excel renamed .xlsx": (lambda st: upload(st, b"%PDF-1.4 this is not a workbook" * 10), "не является книгой Excel"),
    "a 50 MB file": (lambda st: upload(st, b"PK\x03\x04" + b"\0" * (50 * 1024 * 1024)), "больше допустимых 5 МБ"),
    "a formula in a cell": (lambda st: upload(st, filled_workbook(st, E7="=1000+1")), None),
}


def _wrong_layout() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active["A1"] = "Какая-то таблица"
    wb.active["B3"] = 123
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_refused_clearly_and_writes_nothing(store, case):
    action, message = BAD_INPUTS[case]
    before = rows_written(store)
    with pytest.raises((entry.EntryRejected, Denied, UploadRejected)) as err:
        action(store)
    if message:
        assert message in str(err.value).replace("\u00a0", " "), str(err.value)
    assert rows_written(store) == before


def test_a_formula_in_an_uploaded_cell_is_named_by_sheet_row_and_column(store):
    snap = store.read_all()
    parsed = read_upload(filled_workbook(store, E7="=1000+1"), snap, "ves", MONTH)
    result = check_upload(snap, "ves", MONTH, parsed, TODAY, settings(snap))
    assert "лист «Отчёт», строка 7, столбец E «Начислено»: в ячейке формула — впишите само число" in result.errors


def test_missing_data_in_a_locked_or_other_context_names_the_field():
    checked = entry.Checked([], [entry.Finding("Ежемесячный отчёт", "МО «Поселок Витим», население", "Оплачено", "x")], [])
    assert str(entry.EntryRejected(checked.errors)).endswith("МО «Поселок Витим», население, «Оплачено»: x")


def test_the_history_of_a_month_shows_every_save_with_its_changes(store):
    snap = store.read_all()
    demo_history = entry.month_history(snap, "lpzhkh", "2024-05")
    assert len(demo_history) == 2 and demo_history["Кто"].tolist() == ["Исполнитель ООО «ЛПЖХ»"] * 2  # filed, then corrected; a name, not a login
    form = valid_monthly(snap)
    service.save_checked(store, VES, "monthly_reports", entry.check_monthly(snap, "ves", MONTH, form, TODAY, settings(snap)))
    snap = store.read_all()
    form.loc[0, "paid"] = 900.0
    service.save_checked(store, VES, "monthly_reports", entry.check_monthly(snap, "ves", MONTH, form, TODAY, settings(snap)))
    history = entry.month_history(store.read_all(), "ves", MONTH)
    assert len(history) == 2 and "Оплачено: 950,5 → 900" in history["Изменения"].iloc[1]
