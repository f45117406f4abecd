"""Entry point: ``streamlit run app.py``. Navigation and common chrome only."""

import streamlit as st

from lib import ui

st.set_page_config(page_title="Задолженность за ЖКУ", page_icon=":material/account_balance:", layout="wide")

store = ui.store()
ui.chrome(store, ui.snapshot())

navigation = st.navigation(
    [
        st.Page("pages/overview.py", title="Обзор", icon=":material/home:", default=True),
        st.Page("pages/data.py", title="Данные и история", icon=":material/table_view:"),
    ]
)
navigation.run()
