"""Streamlit side of the sign-in cookie (``lib/auth/session_cookie.py``): the two server routes that set and
delete it, and what a page needs to send the browser there and to read the cookie back.

The routes are mounted by ``app.py`` through ``st.App(routes=…)`` (Streamlit 1.67, experimental; see
``streamlit/web/server/starlette/starlette_app.py``): an HttpOnly cookie can only come with an HTTP
response, never over the page's websocket. A page reads it back from ``st.context.cookies``, which
holds the cookies the browser sent when the session opened (HttpOnly ones included).
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Mapping
from urllib.parse import urlencode

import streamlit as st

from lib.auth.session_cookie import COOKIE, Claim, Sessions, safe_next, settings_from

START = "/_session/start"  # ?ticket=…&next=/page?…  → sets the cookie, then opens `next`
END = "/_session/end"  # [?sso=1]  → deletes it, then the start page (or Streamlit's SSO sign-out)
XSRF_COOKIE = "_streamlit_xsrf"  # streamlit/web/server/starlette/starlette_server_config.py

_mounted = False
_cache: dict[tuple[str, float], Sessions] = {}
_landings: dict[str, tuple[str, float]] = {}  # browser -> (where to, until when), across the SSO round trip
LANDING_SECONDS = 600
_lock = threading.Lock()


def sessions(secrets: Mapping) -> Sessions:
    """One ``Sessions`` per secret in the process, so a used ticket is remembered across requests."""
    secret, hours = settings_from(os.environ, secrets)
    with _lock:
        return _cache.setdefault((secret, hours), Sessions(secret, hours))


def browser_of(cookies: Mapping[str, str]) -> str:
    """Something only this browser has, to tie a ticket to it: Streamlit's XSRF token (the bytes
    inside its cookie, which stay the same while the cookie is re-masked). Empty when XSRF
    protection is off — then a ticket is tied to nothing but its minute and its single use."""
    from streamlit.web.server.starlette.starlette_app_utils import decode_xsrf_token_string

    token, _ = decode_xsrf_token_string(cookies.get(XSRF_COOKIE) or "")
    return hashlib.sha256(token).hexdigest()[:32] if token else ""


def _base() -> str:
    base = (st.config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def url(path: str) -> str:
    """A path of this app (``/data?x=1``) as the browser must request it, under server.baseUrlPath."""
    return _base() + path


# ---- the server routes (run in the web server, outside any page) ------------------------------


def routes() -> list:
    """The Starlette routes of the session cookie for ``st.App(routes=…)`` (app.py adds single sign-on's, from
    ``lib.ui.sso_routes``, which uses this module: not imported here, so no import cycle)."""
    from starlette.routing import Route

    global _mounted
    _mounted = True
    return [Route(START, _start, methods=["GET"]), Route(END, _end, methods=["GET"])]


def mounted() -> bool:
    """Whether this server has the routes: ``streamlit run app.py`` does; AppTest and a bare script
    run do not, and then a sign-in lasts for the session only (see ``lib/ui/shell.py``)."""
    return _mounted


def _redirect(to: str):
    from starlette.responses import RedirectResponse

    response = RedirectResponse(to, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    return response


def _secure(request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "").lower() == "https"


async def _start(request):
    target = safe_next(request.query_params.get("next"))
    current = sessions(st.secrets.to_dict() if st.secrets.load_if_toml_exists() else {})
    claim = current.redeem(request.query_params.get("ticket"), browser_of(request.cookies))
    if claim is None:  # old, used, forged or from another browser: sign in again, then go on
        return _redirect(url("/login?" + urlencode({"next": target, "failed": "1"})))
    response = _redirect(url(target))
    response.set_cookie(COOKIE, current.cookie(claim), max_age=current.max_age, path=url("/") if _base() else "/",
                        httponly=True, samesite="lax", secure=_secure(request))
    return response


async def _end(request):
    response = _redirect(url("/auth/logout") if request.query_params.get("sso") else url("/"))
    response.delete_cookie(COOKIE, path=url("/") if _base() else "/", httponly=True, samesite="lax")
    return response


# ---- what a page uses ---------------------------------------------------------------------------


def navigate(to: str) -> None:
    """Send the browser to ``to`` (a full page load), the way ``st.login`` and ``st.logout`` do it:
    Streamlit's ``auth_redirect`` message sets ``window.location`` (streamlit/user_info.py)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is not None:
        message = ForwardMsg()
        message.auth_redirect.url = to
        ctx.enqueue(message)


def claim_in_browser(current: Sessions) -> Claim | None:
    """The claim of the sign-in cookie this browser sent, if it is genuine and not expired."""
    return current.read_cookie(st.context.cookies.get(COOKIE))


def start_url(current: Sessions, claim: Claim, target: str) -> str:
    ticket = current.ticket(claim, browser_of(st.context.cookies))
    return url(f"{START}?{urlencode({'ticket': ticket, 'next': safe_next(target)})}")


def end_url(sso: bool) -> str:
    return url(END + ("?sso=1" if sso else ""))


def remember_next(target: str) -> None:
    """Single sign-on ends on the start page (Streamlit's /oauth2callback redirects there): keep, for
    this browser and ten minutes, the page the person was going to. In this server process only: a
    miss means landing on «Обзор», never anywhere else."""
    browser, target = browser_of(st.context.cookies), safe_next(target)
    if browser and target != "/":
        with _lock:
            now = time.time()
            for stale in [b for b, (_, until) in _landings.items() if until < now]:
                del _landings[stale]
            _landings[browser] = (target, now + LANDING_SECONDS)


def take_next() -> str | None:
    browser = browser_of(st.context.cookies)
    with _lock:
        target, until = _landings.pop(browser, (None, 0.0)) if browser else (None, 0.0)
    return target if until >= time.time() else None

