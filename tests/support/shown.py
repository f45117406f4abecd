"""What a person sees in an ``st.dataframe`` of an AppTest run: the Styler's display text when the page
gave one (``lib.domain.present.table``), else the raw values as Streamlit would print them."""

from __future__ import annotations

import pandas as pd
from streamlit import dataframe_util


def cells(element) -> pd.DataFrame:
    """Every cell of a dataframe element as the text on screen."""
    proto = element.proto.arrow_data
    if proto.HasField("styler") and proto.styler.display_values:
        return dataframe_util.convert_arrow_bytes_to_pandas_df(proto.styler.display_values).astype(str)
    return element.value.astype(str)


def styled(element) -> bool:
    proto = element.proto.arrow_data
    return proto.HasField("styler") and bool(proto.styler.display_values)


def opened(login: str, page: str, state: dict | None = None, timeout: float = 120):
    """A page of the app as ``login`` opens it (AppTest), with ``state`` set in the session first."""
    from tests.support.apptest import open_page

    return open_page(login, page, state, timeout=timeout, check=False)
