"""The offline round trip and the Annex 4 importer."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from openpyxl import load_workbook

from lib.core.config import PROJECT_ROOT
from lib.files.excel_forms import build_workbook, check_upload, read_upload
from tests.support.entry import MONTH, TODAY, copy_demo, settings, valid_monthly, valid_structure
from tests.support.excel_files import annex4_file, fill


@pytest.fixture
def store(demo_db, tmp_path):
    return copy_demo(demo_db, tmp_path)


def test_the_blank_is_prefilled_and_only_input_cells_are_unlocked(store):
    snap = store.read_all()
    wb = load_workbook(io.BytesIO(build_workbook(snap, "ves", MONTH)))
    assert wb.sheetnames == ["Отчёт", "Структура", "Претензионная работа", "_параметры"]
    assert wb["_параметры"].sheet_state == "hidden"
    ws = wb["Отчёт"]
    assert ws.protection.sheet
    assert ws["A7"].value == "МО «Поселок Витим»" and ws["A7"].protection.locked
    assert ws["D6"].value == "Задолженность на начало месяца" and ws["D6"].protection.locked
    assert not ws["E7"].protection.locked  # accrued: to be typed
    expected = valid_monthly(snap).debt_start.iloc[0]
    assert ws["D7"].value == pytest.approx(expected)  # last month's closing balance


def test_round_trip_download_fill_offline_upload(store):
    snap = store.read_all()
    monthly = valid_monthly(snap)
    data = fill(snap, build_workbook(snap, "ves", MONTH), monthly, valid_structure(snap, monthly))
    upload = read_upload(data, snap, "ves", MONTH)
    result = check_upload(snap, "ves", MONTH, upload, TODAY, settings(snap))
    assert not result.errors, result.errors
    assert set(result.changes) == {"monthly_reports", "debt_structure"}  # claims left empty: not written
    assert result.changes["monthly_reports"][0]["accrued"] == 1000.0


def test_an_upload_for_another_month_is_refused(store):
    from lib.files.excel_forms import UploadRejected

    snap = store.read_all()
    with pytest.raises(UploadRejected, match="подготовлен для"):
        read_upload(build_workbook(snap, "ves", MONTH), snap, "ves", "2024-11")


def test_cli_imports_an_annex_4_report(store, tmp_path):
    snap = store.read_all()
    start = valid_monthly(snap).set_index(["settlement_id", "consumer_group"]).debt_start
    path = tmp_path / "ves-dec.xlsx"
    path.write_bytes(annex4_file({
        "население": ["", f"{start[('vitim', 'population')]:.3f}".replace(".", ","), "1 000,5", "950,25", "95", "12", "2 000"],
        "прочие  потребители": ["", start[("vitim", "other")], 300, 310.5, "", "0,5", 100],
    }))
    env = {**os.environ}
    result = subprocess.run([sys.executable, "-m", "lib.cli", "import", str(path), "--participant", "ves", "--month", MONTH,
                             "--settlement", "vitim", "--store", f"sqlite:///{store.path}"],
                            cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "форма приложения 4" in result.stdout
    saved = store.read_all().current("monthly_reports").query("participant_id == 'ves' and month == @MONTH")
    pop = saved[saved.consumer_group == "population"].iloc[0]
    assert (pop.accrued, pop.paid, pop.recovered_enforcement, pop.overdue) == (1000.5, 950.25, 12.0, 2000.0)
    assert saved.iloc[-1].saved_by.startswith("cli:")


def test_cli_import_lists_every_bad_cell_and_writes_nothing(store, tmp_path):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(annex4_file({"население": ["", "abc", "100", "=F10*2", "", "1", "-3"]}))
    result = subprocess.run([sys.executable, "-m", "lib.cli", "import", str(path), "--participant", "ves", "--month", MONTH,
                             "--settlement", "vitim", "--store", f"sqlite:///{store.path}"],
                            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "строка 10, столбец D «гр. 4»: «abc» — не число" in result.stderr
    assert "строка 10, столбец F «гр. 6»: в ячейке формула" in result.stderr
    assert "строка 10, столбец I «гр. 9»: не может быть отрицательным" in result.stderr
    assert store.read_all().current("monthly_reports").query("participant_id == 'ves' and month == @MONTH").empty
