"""Entry point: ``streamlit run app.py``. Sign-in, navigation by role and common chrome only.

The same file is two things. Streamlit runs it as ``__main__`` for every session: that is the app.
``streamlit run`` first imports it to look for an ``st.App`` (Streamlit 1.67, app_discovery.py) and,
finding ``app``, serves this script with two more routes, which set and delete the sign-in cookie
(lib/ui/web_session.py).
"""

import streamlit as st

from lib.auth.page_rights import PAGES, pages_for, registered
from lib.ui import shell


def main() -> None:
    st.set_page_config(page_title="Задолженность за ЖКУ", page_icon=":material/account_balance:", layout="wide")

    store = shell.store()
    snapshot = shell.snapshot()
    user = shell.user(snapshot)
    shell.chrome(store, snapshot, user)
    shell.russian_chrome()

    visible = pages_for(user.role if user else None)
    pages = {
        p: st.Page(p.path, title=p.title, icon=p.icon, default=p == PAGES[0], visibility="visible" if p in visible else "hidden")
        for p in registered()
    }
    navigation = st.navigation(list(pages.values()))
    shell.gate(user, navigation.url_path, on_login_page=navigation is pages[pages_for(None)[0]])
    try:
        navigation.run()
    finally:  # after the page, which may have just begun or ended a draft (also when it stops early)
        shell.unsaved_notice()


if __name__ == "__main__":
    try:
        main()
    except Exception as err:  # st.stop / st.rerun / switch_page are BaseExceptions and pass through untouched
        shell.unexpected_error(err)
else:
    import threading

    from starlette.middleware import Middleware
    from streamlit.runtime.pages_manager import PagesManager

    from lib.ui import sso_routes, web_session
    from lib.ui.html_lang import RussianPage

    # Pages are chosen by st.navigation in main(), and pages/ is only where their files live. Without
    # this, the first visit after a start that asks for a page (/admin) runs pages/admin.py on its own,
    # Streamlit's old pages-folder mode, and skips main() (the check is made once, at the first session).
    PagesManager.uses_pages_directory = False
    # the sign-in cookie's routes, and the single sign-on round trip in place of Streamlit's own (lib/ui/sso_routes.py)
    app = st.App(__file__, routes=[*web_session.routes(), *sso_routes.routes()], middleware=[Middleware(RussianPage)])
    # single sign-on: the provider's metadata read once at start, what is missing said in the server log (in Russian)
    threading.Thread(target=sso_routes.check_provider, name="sso-metadata-check", daemon=True).start()
