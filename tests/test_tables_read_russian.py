"""Every table of every page, as each role opens it (AppTest): numbers are numbers shown in Russian
(«1 234,5», a decimal comma, a true minus), nothing reads «None» or «nan», and no code stands where a
name exists (participants, logins, measures, meetings, enum keys, «2024-Q4», «2024-12»)."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from lib.auth.access import User, write
from lib.store.sqlite_store import SQLiteStore
from tests.support.demo_file import copy_demo_file, reading_copy
from tests.support.shown import cells, opened, styled

RUSSIAN_NUMBER = re.compile(r"(\u2212?\d{1,3}(\u00a0\d{3})*(,\d+)?|—|)")
RAW_NUMBER = re.compile(r"-?\d+\.\d+|-?\d{5,}|-\d+(,\d+)?")  # 268558, -11232.6, 22719.5 as a whole cell
NOT_A_VALUE = {"None", "nan", "NaN", "<NA>", "NaT", "none"}
QUARTER_CODE = re.compile(r"\b\d{4}-Q[1-4]\b")
MONTH_CODE = re.compile(r"\d{4}-\d{2}")
# columns whose content is a code by nature: a record's own code, a login as the account's name, a file
CODE_COLUMNS = ("Код", "Логин", "Файл", "SHA-256", "Параметр")


@pytest.fixture(scope="module")
def district_file(demo_db, tmp_path_factory):
    """The demo district after a few saves, so the audit log has entries of several tabs: made once (per pytest
    worker); the tests read one copy of it (``district``)."""
    path = copy_demo_file(demo_db, tmp_path_factory.mktemp("district") / "district.sqlite")
    store = SQLiteStore(path)
    coordinator = User("coordinator@lensk.demo", "Беляев И.А.", "coordinator", None)
    snap = store.read_all()
    meeting = snap.current("meetings").iloc[-1].meeting_id
    write(store, coordinator, {"decisions": [{"decision_id": "dec-t15", "meeting_id": meeting, "text": "Провести сверку",
                                              "responsible_id": "ves", "due_date": pd.Timestamp("2025-01-31").date(), "status": "open"}]})
    write(store, User("ves@lensk.demo", "ВЭС", "executor", "ves"),
          {"plan_progress": [{"measure_id": "2023/2024-3", "participant_id": "ves", "period": "2024-Q4", "status": "done",
                              "done_text": "Проведены сходы граждан", "indicator_value": 1234.5}]})
    write(store, coordinator, {"returns": [{"participant_id": "lptes", "month": "2024-12", "reason": "Проверьте оплату", "active": True}]})
    write(store, coordinator, {"exports": [{"export_id": "2024-Q4-t15", "period": "2024-Q4", "mode": "quarter",
                                            "file_name": "Ленский район — задолженность ЖКУ — 4 квартал 2024.xlsx", "checksum": "ab" * 32}]})
    store.read_all()
    store.typed_copy.wait()  # the copies take the typed frames along
    return path


@pytest.fixture(scope="module")
def shared_district(district_file, tmp_path_factory):
    """The tests of this module only open pages and read their tables: one copy of the district for all of them."""
    with reading_copy(district_file, tmp_path_factory.mktemp("reading")) as path:
        yield path


@pytest.fixture
def district(shared_district, monkeypatch):
    """The module's copy of the district, configured through DEBT_STORE like a user would."""
    monkeypatch.setenv("DEBT_STORE", f"sqlite:///{shared_district}")
    return SQLiteStore(shared_district)


def codes(snap) -> set[str]:
    found = set(snap.current("participants").id) | set(snap.current("users").login) | set(snap.current("plan").measure_id)
    found |= set(snap.current("meetings").meeting_id) | set(snap.current("decisions").decision_id)
    found |= set(snap.current("commission_members").member_id) | {t.key for t in snap.schema}
    for table in snap.schema:
        for column in table.columns:
            found |= {v.key for v in column.values if v.key != v.label}
    return {c for c in found if isinstance(c, str) and c}


def check_tables(at: AppTest, known: set[str], where: str) -> int:
    """Every dataframe on the page; returns how many were checked."""
    assert not at.exception, [e.value for e in at.exception]
    for n, element in enumerate(at.dataframe):
        if element.editing_mode != "read_only":
            continue  # entry grids: text cells the person types into (issue 10); their preview is a table
        value, shown = element.value, cells(element)
        label = f"{where}, таблица {n + 1} ({', '.join(map(str, value.columns[:3]))}…)"
        assert len(value), f"{label}: an empty table — Streamlit draws an English «empty» on it (issue 27: say it in words)"
        numeric = [c for c in value.columns if pd.api.types.is_numeric_dtype(value[c]) and not pd.api.types.is_bool_dtype(value[c])]
        if numeric:
            assert styled(element), f"{label}: numbers without Russian display text"
        for column in value.columns:
            texts = shown[column].tolist()
            if column in numeric:
                bad = [t for t in texts if not RUSSIAN_NUMBER.fullmatch(t.removesuffix("\u00a0%"))]
                assert not bad, f"{label}, «{column}»: {bad[:3]}"
                continue
            assert not [t for t in texts if t.strip() in NOT_A_VALUE], f"{label}, «{column}»: «None»"
            if any(mark in str(column) for mark in CODE_COLUMNS):
                continue
            assert not [t for t in texts if RAW_NUMBER.fullmatch(t.strip())], f"{label}, «{column}»: a number as raw text"
            for text in texts:
                parts = {p.strip() for p in re.split(r" · |, |; | → |: | = ", text)}
                assert not parts & known, f"{label}, «{column}»: code {sorted(parts & known)} in «{text}»"
                assert not QUARTER_CODE.search(text) and not MONTH_CODE.fullmatch(text.strip()), f"{label}, «{column}»: «{text}»"
    return len(at.dataframe)


PAGES = [  # (who, page, open tab)
    ("coordinator@lensk.demo", "pages/overview.py", {}),
    ("tsk@lensk.demo", "pages/overview.py", {}),
    ("nyuya@lensk.demo", "pages/overview.py", {}),
    ("commission@lensk.demo", "pages/dashboard.py", {}),
    ("commission@lensk.demo", "pages/dashboard.py", {"dash_drill": "lptes"}),
    ("coordinator@lensk.demo", "pages/plan.py", {}),
    *[("coordinator@lensk.demo", "pages/commission.py", {"commission_tab": tab})
      for tab in ("Заседания", "Решения и поручения", "Материалы к заседанию", "Состав")],
    ("coordinator@lensk.demo", "pages/export.py", {}),
    *[("coordinator@lensk.demo", "pages/admin.py", {"admin_tab": tab})
      for tab in ("Пользователи", "Закрытие кварталов", "Возврат на доработку", "Рассылка", "Журнал изменений")],
    ("ves@lensk.demo", "pages/entry.py", {}),  # every tab runs (tabs without a key): all its tables at once
    ("nyuya@lensk.demo", "pages/entry.py", {}),
]


@pytest.mark.parametrize("login,page,state", PAGES, ids=[f"{p[1][6:-3]}-{p[0].split('@')[0]}-{'-'.join(map(str, p[2].values()))}"
                                                          for p in PAGES])
def test_every_table_of_every_page_reads_in_russian(district, login, page, state):
    known = codes(district.read_all())
    at = opened(login, page, state, timeout=90)
    assert check_tables(at, known, f"{page} ({login})") >= 1


def test_every_tab_of_the_data_page_reads_in_russian_with_its_history(district):
    snap = district.read_all()
    known = codes(snap)
    at = opened("coordinator@lensk.demo", "pages/data.py", {"data_all_versions": True}, timeout=90)
    for table in snap.schema:
        at.selectbox(key="data_tab").select(table.title).run()
        check_tables(at, known, f"«Данные и история», {table.title}")
    at.selectbox(key="data_tab").select("Журнал изменений").run()
    shown = cells(at.dataframe[0])
    assert "Исполнение плана" in set(shown["Лист"]) and "Решения комиссии" in set(shown["Лист"]) | {"Решения комиссии"}
    record = shown[shown["Лист"] == "Исполнение плана"]["Запись"].iloc[0]
    assert record.startswith("3. ") and "ООО «Восточные энергетические сети» · 4 квартал 2024 г." in record, record


def test_the_checker_catches_what_the_issue_found():
    """The checks above fail on the tables as they were (a raw float, a code, «None», «2024-Q4»)."""
    known = {"lptes", "upr"}
    for text in ("268558", "-11232.6", "22719.5"):
        assert RAW_NUMBER.fullmatch(text)
    assert not RUSSIAN_NUMBER.fullmatch("-16.7") and RUSSIAN_NUMBER.fullmatch("\u221216,7")
    assert {p.strip() for p in re.split(r" · |, |; | → |: | = ", "ves · peleduy · lptes")} & known
    assert QUARTER_CODE.search("выгрузка 2024-Q4") and MONTH_CODE.fullmatch("2024-12")


def test_every_cell_of_a_table_longer_than_the_kept_cell_names_reads_in_russian(monkeypatch):
    """The names of a table's cells are made once and kept for a number of rows (a rerun does not format them again);
    the rows beyond, and a table drawn after a shorter one, still get each its own name and its own text."""
    from lib.domain import present

    monkeypatch.setattr(present, "_CELL_IDS", {})
    monkeypatch.setattr(present, "CELL_IDS_KEPT", 3)
    short = present.table(pd.DataFrame({"Сумма, тыс. руб.": [1234.5, -2.0]}))._translate(False, False)["body"]
    long = present.table(pd.DataFrame({"Сумма, тыс. руб.": [1234.5, -2.0, 0.25, 1e6, 7.0]}))._translate(False, False)["body"]
    assert [(c["id"], c["display_value"]) for c in short[0]] == [("row0_col0", "1\xa0234,5"), ("row1_col0", "−2,0")]
    assert [(c["id"], c["display_value"]) for c in long[0]] == [
        ("row0_col0", "1\xa0234,5"), ("row1_col0", "−2,0"), ("row2_col0", "0,3"), ("row3_col0", "1\xa0000\xa0000,0"), ("row4_col0", "7,0")]
