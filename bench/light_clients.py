"""A light client of a ``streamlit run`` server: Streamlit's own protocol over its websocket, no browser.

Why: a Chromium tab per person on the server's machine measures the browsers as much as the server (12
renderers on 2 cores). In production the browsers run on people's own computers; what one server process
can serve is measured by clients that cost the machine almost nothing. Each client does what Streamlit's
frontend does (frontend/connection/src/WebsocketConnection.tsx and frontend/app/src/App.tsx of
streamlit/streamlit):

- ``GET /_stcore/health`` — the server sets its XSRF cookie (``_streamlit_xsrf``) there, as for the page;
- the websocket ``/_stcore/stream`` with subprotocols ``["streamlit", <xsrf cookie>]``, the cookies and an
  ``Origin`` header (Streamlit reads its own cookies only when the XSRF token matches);
- one ``BackMsg.rerun_script`` (``ClientState``: the page's ``page_name`` / ``page_script_hash``, query string,
  widget states) per run, then ``ForwardMsg``s until ``script_finished``.

Sign-in goes through the app's own form and route, as a person's does (``lib/ui/web_session.py``): the login
page's two text inputs and its submit button are found in the page's deltas by their labels, their values
sent as widget states; the page answers with ``auth_redirect`` to ``/_session/start?ticket=…``, and that route
sets the ``debt_session`` cookie on the HTTP response. Nothing is forged: the cookie is the app's.

The client sends no ``cached_message_hashes``: a browser that has an element's message cached gets a short reference
instead of it, but the server builds and hashes the message either way, so its work per run is the same.

A run counts only if the page drew: the caller says which texts its deltas must contain (``expect``); an error
page or a login page instead of «Свод» raises ``NotDrawn``.
"""

from __future__ import annotations

import asyncio
import time
import urllib.request
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

XSRF = "_streamlit_xsrf"
SESSION_COOKIE = "debt_session"  # lib/auth/session_cookie.py COOKIE


class NotDrawn(RuntimeError):
    """The run finished, but not with the page asked for (an error, the login page, a refusal)."""


@dataclass
class Run:
    seconds: float
    texts: list[str]  # every text the run's deltas carried (titles, markdown, metric labels and values, …)
    widgets: dict[str, tuple[str, str]]  # label -> (widget id, element kind)
    redirect: str | None  # an ``auth_redirect`` url, if the run sent one
    pages: dict[str, str]  # url path -> page_script_hash (from the ``navigation`` message)
    status: str  # how the script finished (ScriptFinishedStatus name)


def _strings(message, out: list[str]) -> None:
    """Every non-empty string field in a protobuf message, depth first (a cheap «what did the page draw»)."""
    for fd, value in message.ListFields():
        if fd.type == fd.TYPE_MESSAGE:
            for item in (value if fd.is_repeated else [value]):
                _strings(item, out)
        elif fd.type == fd.TYPE_STRING:
            for item in (value if fd.is_repeated else [value]):
                if item:
                    out.append(item)


def _widget(element) -> tuple[str, str, str] | None:
    kind = element.WhichOneof("type")
    inner = getattr(element, kind) if kind else None
    if inner is not None and hasattr(inner, "id") and hasattr(inner, "label") and inner.id:
        return inner.label, inner.id, kind
    return None


@dataclass
class Client:
    """One person: one browser's cookies, one websocket session at a time."""

    address: str  # http://127.0.0.1:port
    cookies: dict[str, str] = field(default_factory=dict)
    ws: object = None
    pages: dict[str, str] = field(default_factory=dict)

    def _http(self, path: str) -> urllib.request.addinfourl:
        """A GET that keeps cookies and does not follow redirects (the caller follows what it needs)."""

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        request = urllib.request.Request(self.address + path, headers={"Cookie": self._cookie_header()})
        opener = urllib.request.build_opener(NoRedirect)
        try:
            response = opener.open(request, timeout=120)
        except urllib.error.HTTPError as err:  # a 303 arrives here with no redirect handler
            response = err
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response

    def _cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    async def connect(self) -> None:
        import websockets

        await self.close()
        if XSRF not in self.cookies:
            await asyncio.to_thread(lambda: self._http("/_stcore/health").read())
        ws_address = "ws" + self.address[len("http"):] + "/_stcore/stream"
        self.ws = await websockets.connect(
            ws_address, subprotocols=["streamlit", self.cookies[XSRF]],
            additional_headers={"Cookie": self._cookie_header(), "Origin": self.address},
            max_size=None, open_timeout=120, ping_interval=None)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            self.ws = None

    async def run(self, path: str, widgets: list | None = None, expect: tuple[str, ...] = (), timeout: float = 600) -> Run:
        """Ask for one run of the page at ``path`` (``/dashboard?x=1``) and wait for its ``script_finished``."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        parts = urlsplit(path)
        page_name = parts.path.strip("/")
        back = BackMsg()
        state = back.rerun_script
        state.query_string = parts.query
        state.page_name = page_name
        if page_name in self.pages:
            state.page_script_hash = self.pages[page_name]
        for widget in widgets or []:
            state.widget_states.widgets.append(widget)
        state.context_info.timezone = "Europe/Moscow"
        state.context_info.locale = "ru-RU"
        state.context_info.url = self.address + path
        started = time.perf_counter()
        await self.ws.send(back.SerializeToString())
        texts: list[str] = []
        found: dict[str, tuple[str, str]] = {}
        redirect = None
        while True:
            data = await asyncio.wait_for(self.ws.recv(), timeout)
            message = ForwardMsg()
            message.ParseFromString(data)
            kind = message.WhichOneof("type")
            if kind == "delta":
                delta = message.delta
                if delta.WhichOneof("type") == "new_element":
                    element = delta.new_element
                    _strings(element, texts)
                    if (w := _widget(element)) is not None:
                        found[w[0]] = (w[1], w[2])
            elif kind == "navigation":
                for page in message.navigation.app_pages:
                    self.pages[page.url_pathname] = page.page_script_hash
            elif kind == "auth_redirect":
                redirect = message.auth_redirect.url
            elif kind == "script_finished":
                seconds = time.perf_counter() - started
                status = ForwardMsg.ScriptFinishedStatus.Name(message.script_finished)
                if status == "FINISHED_EARLY_FOR_RERUN":  # st.switch_page / st.rerun: the next run follows
                    continue
                run = Run(seconds, texts, found, redirect, dict(self.pages), status)
                missing = [t for t in expect if not any(t in s for s in texts)]
                if missing:
                    raise NotDrawn(f"{path}: not drawn ({status}), missing {missing}; drawn: {texts[:40]}")
                return run

    async def sign_in(self, login: str, password: str) -> None:
        """The login form, then the app's own cookie route; afterwards a fresh websocket carries the cookie."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        await self.connect()
        page = await self.run("/login", expect=("Вход",))
        values = {"Логин (e-mail)": login, "Пароль": password}
        states = []
        for label, value in values.items():
            wid, _ = page.widgets[label]
            states.append(WidgetState(id=wid, string_value=value))
        submit, _ = page.widgets["Войти"]
        states.append(WidgetState(id=submit, trigger_value=True))
        answer = await self.run("/login", widgets=states)
        if not answer.redirect:
            raise NotDrawn(f"sign-in of {login} gave no cookie link: {answer.texts[-6:]}")
        target = urlsplit(answer.redirect)
        response = await asyncio.to_thread(self._http, target.path + "?" + target.query)
        if SESSION_COOKIE not in self.cookies:
            raise NotDrawn(f"sign-in of {login}: the cookie route answered {response.status} without a cookie")
        await self.close()
        await self.connect()
