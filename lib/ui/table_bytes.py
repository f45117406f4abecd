"""A prepared table (``lib.domain.present.Shown``) is turned into Streamlit's bytes once, not on every rerun.

``st.dataframe`` of a pandas Styler (Streamlit 1.67, ``streamlit/elements/arrow.py``) serializes two frames on every
run: the values (``dataframe_util.convert_pandas_df_to_arrow_bytes(styler.data)``) and the display text
(``pandas_styler_utils._marshall_display_values``: the whole frame as ``str``, then every cell's text put in by its
name «rowI_colJ», then to Arrow). For the same prepared table both are the same bytes every time, and on «Свод» at
large scale they were most of a rerun. Here both are made at the first drawing of a ``Shown`` and kept on it
(``Shown.drawn``) when the table is itself kept for later runs (``Shown.reused``: «Свод» prepares its tables once per
result), so a rerun and every session showing the same figures hand Streamlit the kept bytes; the Styler's
own parts — uuid, caption, cell styles of ``.apply`` / ``.map`` — are still made on every run, as Streamlit makes them.

A prepared table whose every cell reads as its value (text only, no empty cell) and which this run styles nothing goes
as its values alone, without the display text: Streamlit would send the same text twice. A Styler that is not over a
prepared table (no ``prepared``) goes Streamlit's own way, unchanged. ``install()`` puts the
two hooks in place once (``lib.ui.shell`` calls it at import); the tests check, table by table, that the bytes sent are
the bytes Streamlit itself makes (``tests/test_table_bytes.py``).
"""

from __future__ import annotations

import threading

import pandas as pd
from streamlit import dataframe_util
from streamlit.elements import arrow
from streamlit.elements.lib import pandas_styler_utils as styler_utils

_streamlit_marshall_styler = styler_utils.marshall_styler
_streamlit_frame_bytes = dataframe_util.convert_pandas_df_to_arrow_bytes
_next = threading.local()  # the values frame whose kept bytes ``st.dataframe`` asks for next, in this script thread


def _kept(shown, name: str, make) -> bytes:
    """``make()``, kept on a table that is drawn again (``Shown.reused``); a table made anew on every run keeps
    nothing (its bytes would only stay in memory with it until the next garbage collection)."""
    if name in shown.drawn:
        return shown.drawn[name]
    made = make()
    if shown.reused:
        shown.drawn[name] = made
    return made


def values_bytes(shown) -> bytes:
    """The Arrow bytes of the table's values, made once."""
    return _kept(shown, "values", lambda: _streamlit_frame_bytes(shown.data))


def display_bytes(shown, styles: dict) -> bytes:
    """The Arrow bytes of the table's display text, made once (by Streamlit's own code, from the Styler's cell text)."""
    return _kept(shown, "display", lambda: _streamlit_frame_bytes(styler_utils._use_display_values(shown.data, styles)))


def as_values(shown, styler) -> bool:
    """Every cell of the table reads as its value (text columns, no empty cell: ``present.prepare`` made no display
    text) and this Styler styles nothing: the display text Streamlit would send is the values again, cell for cell
    («Кто сдал отчёт» at large scale: 1,9 MB more on every run)."""
    if "as values" not in shown.drawn:
        shown.drawn["as values"] = not shown.display and all(pd.api.types.is_string_dtype(shown.data[c]) for c in shown.data.columns)
    return shown.drawn["as values"] and not styler.ctx and not styler.table_styles and styler.caption is None


def marshall_styler(proto, styler, default_uuid: str) -> None:
    """Streamlit's ``marshall_styler``, with the display text of a prepared table taken from what was kept."""
    shown = getattr(styler, "prepared", None)
    if shown is None or styler.data is not shown.data:
        _streamlit_marshall_styler(proto, styler, default_uuid)
        return
    styler._compute()  # the cell styles of ``.apply`` / ``.map``: this Styler's own, made on every run
    _next.frame, _next.shown = shown.data, shown  # the values, serialized next by ``st.dataframe`` itself
    if as_values(shown, styler):
        return  # no display text to send: the table goes as its values alone, as a frame without a Styler would
    styler_utils._marshall_uuid(proto, styler, default_uuid)
    styles = styler._translate(False, False, with_body="display" not in shown.drawn)
    styler_utils._marshall_caption(proto, styler)
    styler_utils._marshall_styles(proto, styler, styles)
    proto.styler.display_values = display_bytes(shown, styles)


def frame_bytes(df, **kwargs) -> bytes:
    """Streamlit's ``convert_pandas_df_to_arrow_bytes``; the values of the prepared table just marshalled — kept bytes."""
    frame, shown = getattr(_next, "frame", None), getattr(_next, "shown", None)
    if frame is not None and df is frame and not kwargs:
        _next.frame = _next.shown = None
        return values_bytes(shown)
    return _streamlit_frame_bytes(df, **kwargs)


def install() -> None:
    """Both hooks, once: ``arrow.dataframe`` calls ``marshall_styler`` by the name it imported and the serializer
    through ``dataframe_util``."""
    arrow.marshall_styler = marshall_styler
    dataframe_util.convert_pandas_df_to_arrow_bytes = frame_bytes
