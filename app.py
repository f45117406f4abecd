"""Entry point: ``streamlit run app.py``. Sign-in, navigation by role and common chrome only."""

import streamlit as st

from lib import ui
from lib.pages import pages_for, registered

st.set_page_config(page_title="Задолженность за ЖКУ", page_icon=":material/account_balance:", layout="wide")


def main() -> None:
    store = ui.store()
    snapshot = ui.snapshot()
    user = ui.user(snapshot)
    ui.chrome(store, snapshot, user)
    ui.hide_english_input_hints()

    visible = pages_for(user.role if user else None)
    navigation = st.navigation(
        [
            st.Page(p.path, title=p.title, icon=p.icon, default=p == visible[0], visibility="visible" if p in visible else "hidden")
            for p in registered()
        ]
    )
    navigation.run()


try:
    main()
except Exception as err:  # st.stop / st.rerun / switch_page are BaseExceptions and pass through untouched
    ui.unexpected_error(err)
