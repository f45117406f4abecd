"""A prepared table is turned into Streamlit's bytes once (lib.ui.table_bytes): a rerun sends the same bytes Streamlit
itself would make, without making them again."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from streamlit import dataframe_util
from streamlit.elements import arrow
from streamlit.elements.lib import pandas_styler_utils as styler_utils
from streamlit.proto.Dataframe_pb2 import Dataframe as DataframeProto

from lib.domain import present
from lib.ui import table_bytes
from tests.support.apptest import open_page
from tests.support.shown import cells

TODAY = dt.date(2026, 11, 22)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    from lib.ui import shell

    monkeypatch.setattr(shell, "today", lambda: TODAY)


def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "Организация": ["ООО «Тепло»", None, "МУП «Вода»", ""],
        "Долг, тыс. руб.": [1234.5, -2.0, np.nan, 0.25],
        "Договоров": pd.array([3, None, 0, 12], dtype="Int64"),
        "Срок": pd.to_datetime(["2024-03-01", None, "2024-12-31", "2025-01-20"]),
        "Сдан": [True, False, True, False],
    })


def streamlit_own(styler) -> DataframeProto:
    """What Streamlit 1.67 itself sends for a Styler: its own marshalling and serializer, no kept bytes."""
    proto = DataframeProto()
    table_bytes._streamlit_marshall_styler(proto.arrow_data, styler, "7")
    proto.arrow_data.data = table_bytes._streamlit_frame_bytes(dataframe_util.convert_anything_to_pandas_df(styler, ensure_copy=False))
    return proto


def hooked(styler) -> DataframeProto:
    """What ``st.dataframe`` sends with the hooks installed (the same calls, in the same order, as ``arrow.dataframe``)."""
    proto = DataframeProto()
    arrow.marshall_styler(proto.arrow_data, styler, "7")
    proto.arrow_data.data = dataframe_util.convert_pandas_df_to_arrow_bytes(dataframe_util.convert_anything_to_pandas_df(styler, ensure_copy=False))
    return proto


def styled(shown: present.Shown):
    return present.styled(shown).set_uuid("u")  # pandas gives each Styler a random name; the two paths compared get one


def test_a_prepared_table_sends_the_bytes_streamlit_makes_at_the_first_drawing_and_at_every_rerun():
    shown = present.prepare(frame(), moments=["Срок"], reused=True)
    for _ in range(3):  # the first drawing makes and keeps the bytes, the next ones hand them out
        assert hooked(styled(shown)).SerializeToString() == streamlit_own(styled(shown)).SerializeToString()
    assert {"values", "display"} <= set(shown.drawn)
    # a table made anew on every run (``present.table``) sends the same and keeps no bytes with it
    once = present.prepare(frame(), moments=["Срок"])
    assert hooked(styled(once)).SerializeToString() == streamlit_own(styled(once)).SerializeToString()
    assert not {"values", "display"} & set(once.drawn)
    # this run's own cell styles (``.apply``) still reach the browser; another Styler of the same table has none
    red = lambda r: ["background-color: #fde7e9"] * len(r)
    coloured = hooked(styled(shown).apply(red, axis=1))
    assert coloured.SerializeToString() == streamlit_own(styled(shown).apply(red, axis=1)).SerializeToString()
    assert "background-color: #fde7e9" in coloured.arrow_data.styler.styles
    assert not hooked(styled(shown)).arrow_data.styler.styles


def test_a_table_whose_cells_read_as_their_values_goes_without_sending_its_text_twice():
    """Text only, no empty cell, nothing styled: the display text Streamlit would send is the values again."""
    words = pd.DataFrame({"Участник": ["ООО «Тепло»", "МУП «Вода»"], "январь 2024": ["в срок", "не сдан"]})
    shown = present.prepare(words, reused=True)
    for _ in range(2):
        sent, own = hooked(styled(shown)), streamlit_own(styled(shown))
        assert not sent.arrow_data.HasField("styler") and sent.arrow_data.data == own.arrow_data.data
        assert cells(Element(sent)).equals(cells(Element(own)))
    # styled by this run, or with an empty cell («—» on the screen), or a number: the display text goes as before
    red = lambda r: ["background-color: #fde7e9"] * len(r)
    assert hooked(styled(shown).apply(red, axis=1)).arrow_data.styler.display_values
    for other in (words.assign(Участник=["ООО «Тепло»", None]), words.assign(Отчётов=[1, 2])):
        again = present.prepare(other)
        assert hooked(styled(again)).SerializeToString() == streamlit_own(styled(again)).SerializeToString()


class Element:
    """What ``tests.support.shown.cells`` reads of an AppTest dataframe element."""

    def __init__(self, proto: DataframeProto):
        self.proto = proto
        self.value = dataframe_util.convert_arrow_bytes_to_pandas_df(proto.arrow_data.data)


def test_a_styler_not_over_a_prepared_table_goes_streamlits_own_way():
    own = streamlit_own(frame().style.format(precision=3).set_uuid("u"))
    assert hooked(frame().style.format(precision=3).set_uuid("u")).SerializeToString() == own.SerializeToString()


def test_a_rerun_of_the_dashboard_sends_the_same_tables_without_making_their_text_again(demo_reading_url, monkeypatch):
    """Before: every rerun turned every table into text cell by cell (``_use_display_values``) and serialized it."""
    def tables(at):  # the values, the text and the cell styles (under the Styler's name, which pandas makes at random)
        return [(e.proto.arrow_data.data, e.proto.arrow_data.styler.display_values,
                 e.proto.arrow_data.styler.styles.replace(e.proto.arrow_data.styler.uuid, "")) for e in at.dataframe]

    at = open_page("coordinator@lensk.demo", "pages/dashboard.py")
    first = tables(at)
    assert len(first) >= 5 and any(styles for _, _, styles in first)
    shown = [cells(e) for e in at.dataframe]
    made = []
    own = styler_utils._use_display_values
    monkeypatch.setattr(styler_utils, "_use_display_values", lambda *a: made.append(1) or own(*a))
    at.run()
    assert not at.exception
    assert tables(at) == first
    assert made == []
    # and the bytes are the ones Streamlit makes without the hooks
    monkeypatch.setattr(arrow, "marshall_styler", table_bytes._streamlit_marshall_styler)
    monkeypatch.setattr(dataframe_util, "convert_pandas_df_to_arrow_bytes", table_bytes._streamlit_frame_bytes)
    at.run()
    assert not at.exception
    assert all(a.equals(b) for a, b in zip((cells(e) for e in at.dataframe), shown, strict=True))  # every cell reads the same
    assert [values for values, _, _ in tables(at)] == [values for values, _, _ in first]
    assert all(display == own for (_, display, _), (_, own, _) in zip(first, tables(at), strict=True) if display)
    assert len(made) == len(first)


def test_the_text_of_a_shown_table_stays_arrow_text_with_empty_cells_as_empty_text():
    """Before: every text column of a shown table became a column of Python objects (4× the memory of «Кто сдал отчёт»)."""
    shown = present.prepare(frame())
    column = shown.data["Организация"]
    assert isinstance(column.dtype, pd.StringDtype) and column.tolist() == ["ООО «Тепло»", "", "МУП «Вода»", ""]
    assert shown.display[0] == ["ООО «Тепло»", "—", "МУП «Вода»", "—"]
    assert shown.frame["Организация"].isna().tolist() == [False, True, False, False]  # the download keeps the frame as given
