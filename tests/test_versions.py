"""Which row is a record's current version: by save order, never by position (lib.core.frames.versioned).

Literal tables, as a person leaves them in a shared sheet: sorted, with a save that landed twice,
with rows typed by hand without the system columns.
"""

from __future__ import annotations

import pandas as pd

from lib.core.frames import cells_to_frame, versioned
from lib.core.schema import schema

LOCKS = schema()["locks"]
HEADER = ["Квартал", "Закрыт", "Основание", "Сохранено", "Кем сохранено", "Код сохранения", "Номер сохранения"]


def versions(rows: list[list]):
    typed, problems = cells_to_frame(LOCKS, HEADER, rows)
    assert not problems, problems
    return versioned(LOCKS, typed)


def current(frame: pd.DataFrame) -> dict:
    last = frame.groupby("quarter").tail(1)
    return dict(zip(last["quarter"], last["comment"]))


def test_the_current_version_is_the_latest_save_whatever_the_row_order():
    rows = [
        ["2024-Q1", "да", "первая", "2024-04-05T10:00:00+00:00", "c@x", "s1", 1712311200000000],
        ["2024-Q1", "нет", "вторая", "2024-04-05T10:00:00+00:00", "c@x", "s2", 1712311200000001],  # same second, later
        ["2024-Q1", "да", "третья", "2024-04-06T09:00:00+00:00", "c@x", "s3", 1712394000000000],
    ]
    for order in ([0, 1, 2], [2, 1, 0], [1, 2, 0], [2, 0, 1]):  # every way a person may have sorted the tab
        frame, problems, notes = versions([rows[i] for i in order])
        assert frame["comment"].tolist() == ["первая", "вторая", "третья"]
        assert frame["version"].tolist() == [1, 2, 3]
        assert current(frame) == {"2024-Q1": "третья"} and not problems and not notes


def test_rows_saved_before_the_sequence_column_are_ordered_by_their_time():
    old = ["2024-Q2", "да", "старая", "2024-07-01T08:00:00+00:00", "c@x", "a1", ""]
    new = ["2024-Q2", "нет", "новая", "2024-07-01T08:00:05+00:00", "c@x", "a2", 1719820805000000]
    for rows in ([old, new], [new, old]):
        frame, _, _ = versions(rows)
        assert current(frame) == {"2024-Q2": "новая"}


def test_rows_of_one_save_that_landed_twice_count_once():
    row = ["2024-Q1", "да", "закрыт", "2024-04-05T10:00:00+00:00", "c@x", "s1", 1712311200000000]
    frame, problems, notes = versions([row, list(row)])
    assert len(frame) == 1 and frame["version"].tolist() == [1] and not problems
    assert [(n.kind, n.row, n.counted) for n in notes] == [("repeat", 3, False)]


def test_a_copy_of_a_row_changed_by_hand_is_not_counted_and_is_a_problem():
    row = ["2024-Q1", "да", "закрыт", "2024-04-05T10:00:00+00:00", "c@x", "s1", 1712311200000000]
    frame, problems, _ = versions([row, ["2024-Q1", "нет", *row[2:]]])
    assert frame["locked"].tolist() == [True]
    assert len(problems) == 1 and problems[0].row == 3 and "значения отличаются" in problems[0].reason


def test_a_row_typed_by_hand_counts_only_while_its_record_has_no_version_from_the_app():
    app = ["2024-Q1", "да", "из приложения", "2024-04-05T10:00:00+00:00", "c@x", "s1", 1712311200000000]
    typed_over = ["2024-Q1", "нет", "набрано вручную"]
    typed_alone = ["2024-Q3", "да", "набрано вручную"]
    frame, problems, notes = versions([app, typed_over, typed_alone])
    assert current(frame) == {"2024-Q1": "из приложения", "2024-Q3": "набрано вручную"}
    manual = {n.row: n for n in notes if n.kind == "manual"}
    assert set(manual) == {3, 4}  # every typed row is listed as «введено вручную»
    assert manual[4].counted and not manual[3].counted
    assert [p.row for p in problems] == [3] and "введено вручную" in problems[0].reason


def test_two_different_rows_typed_by_hand_for_one_record_neither_counts():
    frame, problems, notes = versions([["2024-Q4", "да", "одна"], ["2024-Q4", "нет", "другая"]])
    assert frame.empty
    assert sorted(p.row for p in problems) == [2, 3] and all("ни одна не учтена" in p.reason for p in problems)
    assert all(not n.counted for n in notes)


def test_the_same_row_typed_twice_counts_once():
    frame, problems, notes = versions([["2024-Q4", "да", "одна"], ["2024-Q4", "да", "одна"]])
    assert len(frame) == 1 and not problems
    assert sorted((n.kind, n.counted) for n in notes) == [("manual", True), ("repeat", False)]
