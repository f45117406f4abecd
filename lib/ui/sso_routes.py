"""The single sign-on round trip, served in place of Streamlit's own ``/auth/login``, ``/oauth2callback`` and
``/auth/logout`` (user routes of ``st.App`` come before Streamlit's, streamlit/web/server/starlette/starlette_app.py).

They reuse Streamlit's pieces (its Authlib client, its signed identity cookie, which ``st.user`` reads) and
change what Streamlit 1.67 gets wrong for a standard provider (issue 25; the rules are in ``lib/auth/sso.py``):

- ``prompt=select_account`` only where the provider lists it; a configured ``client_kwargs.prompt`` as is;
- the e-mail from the userinfo endpoint when the ID token has none; only a verified e-mail signs in;
- every failure — provider down, an ``error`` sent back, a stale or replayed callback, a failed token exchange
  or ID-token check, a missing e-mail — ends on «Вход» with ``?sso=<code>`` (a Russian sentence there), the
  details in the server log; never Streamlit's bare English «Authentication error» page;
- «Выйти» sends the person to the provider's end_session_endpoint only when the provider accepts the app's
  return address (asked server-side first); otherwise says so on «Вход»;
- the identity cookie carries a sign-in id (``sid``), so «Выйти» ends it on the server (lib/ui/shell.py).
"""

from __future__ import annotations

import logging
import secrets as random
import time
from urllib.parse import urlencode

import streamlit as st

from lib.auth import sso

log = logging.getLogger(__name__)
LOGIN = "/auth/login"
CALLBACK = "/oauth2callback"
LOGOUT = "/auth/logout"


def _url(path: str) -> str:
    from lib.ui.web_session import url

    return url(path)


def _to_login(code: str):
    from starlette.responses import RedirectResponse

    response = RedirectResponse(_url("/login?" + urlencode({"sso": code})), status_code=302)
    response.headers["Cache-Control"] = "no-store"
    return response


def _secrets() -> dict:
    try:
        return st.secrets.to_dict() if st.secrets.load_if_toml_exists() else {}
    except Exception:
        return {}


def _configured_prompt(provider: str) -> str | None:
    auth = _secrets().get("auth") or {}
    section = auth.get(provider) if isinstance(auth.get(provider), dict) else auth
    return ((section or {}).get("client_kwargs") or {}).get("prompt")


def _accept_unverified() -> list:
    value = (_secrets().get("sso") or {}).get("accept_unverified_email") or []
    return [value] if isinstance(value, str) else list(value)


async def _client(provider: str):
    """Streamlit's Authlib client for ``provider``, its metadata loaded (raises when the provider is not
    reachable), with the ``prompt`` a standard provider accepts."""
    from streamlit.web.server.starlette import starlette_auth_routes as streamlit_auth

    client, redirect_uri = streamlit_auth._create_oauth_client(provider)
    metadata = await client.load_server_metadata()
    prompt = sso.prompt_for(_configured_prompt(provider), metadata)
    if prompt:
        client.client_kwargs["prompt"] = prompt
    else:
        client.client_kwargs.pop("prompt", None)
    return client, redirect_uri


async def _login(request):
    from streamlit.web.server.starlette import starlette_auth_routes as streamlit_auth

    provider = streamlit_auth._parse_provider_token(request.query_params.get("provider"))
    if provider is None:
        log.warning("Единый вход: ссылка входа без действительного поставщика (устарела или подделана)")
        return _to_login("state")
    try:
        client, redirect_uri = await _client(provider)
        response = await client.authorize_redirect(request, redirect_uri)
    except Exception as err:
        log.warning("Единый вход: служба входа «%s» недоступна, вход не начат: %s", provider, err,
                    exc_info=not _is_connection_error(err))  # a provider down needs no traceback, only the words
        return _to_login("down")
    streamlit_auth._clear_invalid_auth_cookies(response, request)
    return response


async def _callback(request):
    from streamlit.web.server.starlette import starlette_auth_routes as streamlit_auth

    query = request.query_params
    state, error, code = query.get("state"), query.get("error"), query.get("code")
    if streamlit_auth._get_origin_from_secrets() is None:
        log.error("Единый вход: в [auth] нет правильного redirect_uri")
        return _to_login("config")
    if error:
        description = (query.get("error_description") or "").replace("\n", " ").replace("\r", " ")
        log.warning("Единый вход: служба входа вернула ошибку %s: %s", error.replace("\n", " ")[:200], description[:500])
        return _clear(_to_login(sso.error_code(error, description)), request)
    if not code and not state:  # back from the provider's sign-out (the callback is the post-logout address)
        return _clear(_to_login(sso.SIGNED_OUT), request)
    provider = streamlit_auth._get_provider_by_state(request, state)
    if provider is None:
        log.warning("Единый вход: ответ службы входа с неизвестным state (устарел, повторён или подделан)")
        return _clear(_to_login("state"), request)
    try:
        client, _ = await _client(provider)
        token = await client.authorize_access_token(request)
    except Exception as err:
        down = _is_connection_error(err)
        log.warning("Единый вход: %s для «%s»: %s", "служба входа недоступна" if down else "обмен кода на токены не прошёл проверку",
                    provider, err, exc_info=True)
        return _clear(_to_login("down" if down else "token"), request)
    claims = dict(token.get("userinfo") or {})
    if not claims.get("email"):
        try:
            claims = sso.identity(claims, dict(await client.userinfo(token=token)))
        except Exception as err:
            log.warning("Единый вход: адрес почты не получен из userinfo службы «%s»: %s", provider, err, exc_info=True)
    refused = sso.refusal(claims, provider, _accept_unverified())
    if refused:
        log.warning("Единый вход отклонён (%s): e-mail %r, email_verified=%r, служба «%s»", refused,
                    claims.get("email"), claims.get("email_verified"), provider)
        return _clear(_to_login(refused), request)
    origin = streamlit_auth._get_origin_from_secrets()
    response = await streamlit_auth._redirect_to_base_clearing_invalid_cookies(request, st.config.get_option("server.baseUrlPath") or "")
    kept = {k: claims[k] for k in ("sub", "email", "email_verified", "name", "iss") if k in claims}
    tokens = {k: token[k] for k in ("id_token",) if k in token}  # the hint for the provider's sign-out
    await streamlit_auth._set_auth_cookie(response, dict(kept, origin=origin, is_logged_in=True, provider=provider,
                                                         sid=random.token_urlsafe(16)), tokens)
    return response


def _clear(response, request):
    """A failed round trip leaves a sign-in made before as it was (a replayed callback must not sign anyone out);
    only cookies that no longer decode are removed."""
    from streamlit.web.server.starlette import starlette_auth_routes as streamlit_auth

    streamlit_auth._clear_invalid_auth_cookies(response, request)
    return response


def _is_connection_error(err: BaseException) -> bool:
    import httpx

    while err is not None:
        if isinstance(err, (httpx.TransportError, ConnectionError, TimeoutError)):
            return True
        err = err.__cause__ or err.__context__
    return False


async def _provider_accepts(logout_url: str) -> bool:
    """Whether the provider accepts the app's return address, asked server-side on every sign-out (it is rare, and
    a registration changed at the provider counts at once): a GET of the sign-out address without the ID token
    and without following redirects, which ends nothing; a provider that refuses the address answers 4xx."""
    from urllib.parse import parse_qsl, urlsplit

    import httpx

    parts = urlsplit(logout_url)
    params = dict(parse_qsl(parts.query))
    probe = {k: v for k, v in params.items() if k != "id_token_hint"}  # the question, without ending anything
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            answer = await http.get(parts._replace(query="").geturl(), params=probe)
    except httpx.HTTPError as err:
        log.warning("Единый вход: служба входа не ответила на проверку адреса выхода: %s", err)
        return True  # unknown: let the browser try (it will show the provider's own page)
    if answer.status_code >= 400:
        log.error("Единый вход: служба входа не принимает адрес возврата после выхода %s (ответ %s): зарегистрируйте его "
                  "у службы как post-logout redirect URI (docs/sign-in.md)", params.get("post_logout_redirect_uri"),
                  answer.status_code)
        return False
    return True


async def _logout(request):
    from starlette.responses import RedirectResponse
    from streamlit.web.server.starlette import starlette_auth_routes as streamlit_auth

    logout_url = await streamlit_auth._get_provider_logout_url(request)
    if logout_url and await _provider_accepts(logout_url):
        response = RedirectResponse(logout_url, status_code=302)
    elif logout_url:
        response = _to_login("logout_unregistered")
    else:
        response = _to_login(sso.SIGNED_OUT_APP)
    streamlit_auth._clear_auth_cookie(response, request)
    return response


def routes() -> list:
    from starlette.routing import Route

    return [Route(_url(LOGIN), _login, methods=["GET"]), Route(_url(CALLBACK), _callback, methods=["GET"]),
            Route(_url(LOGOUT), _logout, methods=["GET"])]


# ---- the provider's metadata, checked when the server starts -----------------------------------------

_checked: dict[str, tuple[list[str], float]] = {}
RECHECK_SECONDS = 60  # a provider that did not answer is asked again after a minute, not on every page run


def check_provider(secrets: dict | None = None) -> list[str]:
    """Read the provider's discovery document once per process and say in Russian what is missing (also in the
    server log). Returns the problems ([] when none or when single sign-on is not configured)."""
    import httpx

    auth = (secrets if secrets is not None else _secrets()).get("auth") or {}
    url = auth.get("server_metadata_url")
    if not url:
        return []
    if url in _checked and _checked[url][1] > time.time():
        return _checked[url][0]
    try:
        answer = httpx.get(url, timeout=10)
        answer.raise_for_status()
        metadata = answer.json()
        problems = sso.metadata_problems(metadata, configured_prompt=(auth.get("client_kwargs") or {}).get("prompt"))
    except Exception as err:  # a provider down at start: said now, checked again at the next start
        log.error("Единый вход: описание службы входа %s не прочитано (%s) — вход через неё не заработает, пока служба "
                  "не ответит", url, err)
        problems = ["служба входа не ответила: её описание (server_metadata_url) не прочитано"]
        _checked[url] = (problems, time.time() + RECHECK_SECONDS)
        return problems
    for problem in problems:
        log.error("Единый вход: в описании службы входа %s %s", url, problem)
    _checked[url] = (problems, float("inf"))
    return problems
