"""Single sign-on against an independent, certified OpenID Connect provider (panva's oidc-provider from npm, run
with this machine's node on 127.0.0.1, tests/support/real_oidc.py), walked in Chromium as a person does, with the
settings docs/sign-in.md gives — and nothing more (no ``prompt``, no claim mapping).

The provider keeps its own defaults: no ``select_account`` prompt, the e-mail only from its userinfo endpoint,
its own login and sign-out pages. Issue 25: each case of «Why» is a test here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.browser import ARTIFACTS, free_port, serve
from tests.support.real_oidc import RealOIDC

SESSION_SECRET = "e2e-session-secret-" + "s" * 32
CLIENT_SECRET = "e2e-client-secret-" + "c" * 20
ACCOUNTS = {
    "coordinator": {"email": "coordinator@lensk.demo", "email_verified": True},
    # someone who typed the coordinator's address into their own provider account, never confirmed
    "impostor": {"email": "coordinator@lensk.demo", "email_verified": False},
    "stranger": {"email": "stranger@gmail.com", "email_verified": True},  # verified, not a user of the district
}


@dataclass
class Served:
    url: str
    folder: Path
    provider: RealOIDC

    def client(self, post_logout: bool = True) -> dict:
        callback = f"{self.url}/oauth2callback"
        return {"client_id": "debt-app", "client_secret": CLIENT_SECRET, "redirect_uris": [callback],
                "post_logout_redirect_uris": [callback] if post_logout else []}


@pytest.fixture(scope="module")
def served(demo_db, tmp_path_factory):
    folder = tmp_path_factory.mktemp("sso-provider")
    port = free_port()
    app = f"http://127.0.0.1:{port}"
    callback = f"{app}/oauth2callback"
    client = {"client_id": "debt-app", "client_secret": CLIENT_SECRET, "redirect_uris": [callback],
              "post_logout_redirect_uris": [callback]}
    with RealOIDC(free_port(), folder, client, ACCOUNTS) as provider:
        folder.joinpath("secrets.toml").write_text(  # docs/sign-in.md, step 3, as written there
            "[auth]\n"
            f'redirect_uri = "{callback}"\n'
            f'cookie_secret = "{"k" * 40}"\n'
            f'client_id = "debt-app"\nclient_secret = "{CLIENT_SECRET}"\n'
            f'server_metadata_url = "{provider.metadata_url}"\n'
            "\n[session]\n"
            f'cookie_secret = "{SESSION_SECRET}"\n')
        for url in serve(demo_db, folder, port=port, args=(f"--secrets.files={folder / 'secrets.toml'}",)):
            yield Served(url, folder, provider)


def on_login_page(tab) -> None:
    tab.get_by_role("heading", name="Вход").wait_for(timeout=30000)


def sso(tab) -> None:
    tab.get_by_role("button", name="Войти через единый вход (SSO)").click()


def at_provider_sign_in(tab, login: str) -> None:
    """The provider's own login page (its development interactions): any password."""
    tab.locator("input[name=login]").wait_for(timeout=30000)
    tab.fill("input[name=login]", login)
    tab.fill("input[name=password]", "anything")
    tab.locator("button[type=submit]").click()


def test_the_documented_setup_signs_in_the_first_time_and_signs_out_at_the_provider_too(served, page):
    """«Why» 1 and 2: Streamlit's prompt=select_account is refused by the provider, and the e-mail is not in the ID
    token; 5: «Выйти» ends the provider's session too and comes back to «Вход»; issue 23 item 8: a copy of the
    identity cookie is refused after «Выйти»."""
    ARTIFACTS.mkdir(exist_ok=True)
    server = served.url
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{server}/admin?tab=users")
    on_login_page(page)
    sso(page)
    at_provider_sign_in(page, "coordinator")
    page.get_by_role("tab", name="Закрытие кварталов").wait_for(timeout=30000)
    assert page.url.startswith(f"{server}/admin?tab=users")  # the link kept (the page adds the user its form shows: &login=)
    page.get_by_text("Беляев И.А.").first.wait_for(timeout=30000)
    asked = next(u for u in requests if u.startswith(f"{served.provider.base}/auth?"))
    assert "prompt" not in parse_qs(urlsplit(asked).query)  # the provider lists no select_account: none is sent
    page.reload()
    page.get_by_role("tab", name="Закрытие кварталов").wait_for(timeout=30000)
    identity = [c for c in page.context.cookies() if c["name"].startswith("_streamlit_user")]
    assert identity

    page.get_by_role("button", name="Выйти").click()
    page.get_by_role("button", name="Yes, sign me out").click()  # the provider's own page: its session ends too
    on_login_page(page)
    page.get_by_text("Вы вышли из системы и из службы единого входа.").wait_for(timeout=30000)
    page.screenshot(path=str(ARTIFACTS / "sso-real-signed-out.png"), full_page=True)

    # a copy of the identity cookie taken before «Выйти» no longer signs anyone in
    thief = page.context.browser.new_context(locale="ru-RU")
    try:
        thief.add_cookies([{"name": c["name"], "value": c["value"], "url": server} for c in identity])
        other = thief.new_page()
        other.goto(f"{server}/admin")
        on_login_page(other)
        other.get_by_text("Вы вышли из системы").wait_for(timeout=30000)
        assert other.get_by_text("Закрытие кварталов").count() == 0

        # the callback the provider sent, replayed: refused, said in Russian
        other.goto(next(u for u in requests if "/oauth2callback?" in u and "code=" in u))
        on_login_page(other)
        other.get_by_text("Ответ службы единого входа устарел или уже был использован").wait_for(timeout=30000)
        assert other.get_by_text("Закрытие кварталов").count() == 0
    finally:
        thief.close()

    # the provider's session is over: signing in again asks for the login at the provider
    sso(page)
    at_provider_sign_in(page, "coordinator")
    page.get_by_text("Беляев И.А.").first.wait_for(timeout=30000)
    log = served.folder.joinpath("streamlit.log").read_text()
    assert "Authentication error" not in log
    assert "в описании службы входа" not in log  # the certified provider's metadata has all the app needs
    assert page.get_by_text("Единый вход может не работать").count() == 0
    assert not page.errors, page.errors


def test_an_unverified_email_is_refused_in_russian(served, page):
    """«Why» 3: a provider account claiming the coordinator's address with email_verified false."""
    page.goto(f"{served.url}/admin")
    on_login_page(page)
    sso(page)
    at_provider_sign_in(page, "impostor")
    on_login_page(page)
    page.get_by_text("Адрес электронной почты не подтверждён в службе единого входа").wait_for(timeout=30000)
    page.goto(f"{served.url}/admin")
    on_login_page(page)
    assert page.get_by_text("Закрытие кварталов").count() == 0
    assert "email_verified=False" in served.folder.joinpath("streamlit.log").read_text()


def test_an_unknown_address_is_refused_as_text_not_a_mailto_link(served, page):
    """«Why» 6: the refused e-mail was shown as a mailto link."""
    page.goto(f"{served.url}/")
    on_login_page(page)
    sso(page)
    at_provider_sign_in(page, "stranger")
    page.get_by_text("Адрес stranger@gmail.com не зарегистрирован в системе").wait_for(timeout=30000)
    assert page.locator("a[href^='mailto:']").count() == 0
    assert page.locator("code", has_text="stranger@gmail.com").count() == 1
    page.get_by_role("button", name="Выйти из единого входа").click()
    page.get_by_role("button", name="Yes, sign me out").click()  # the provider's own page
    on_login_page(page)
    page.get_by_text("Вы вышли из системы и из службы единого входа.").wait_for(timeout=30000)
    assert not any(c["name"].startswith("_streamlit_user") for c in page.context.cookies())


def test_a_forged_code_and_a_provider_error_end_on_the_login_page_explained(served, page):
    """«Why» 6: a refused or failed callback explained on «Вход», details in the server log."""
    import httpx

    server = served.url
    started: list[str] = []
    page.route(f"{server}/auth/login*", lambda route: (started.append(route.request.url), route.abort()))
    page.goto(f"{server}/")
    on_login_page(page)
    sso(page)
    for _ in range(100):
        if started:
            break
        page.wait_for_timeout(100)
    # the round trip begun by the button, finished with a code the provider never issued (a forged callback)
    with httpx.Client(follow_redirects=False, timeout=30) as http:
        to_provider = http.get(started[0])
        assert to_provider.status_code == 302 and to_provider.headers["location"].startswith(served.provider.base)
        state = parse_qs(urlsplit(to_provider.headers["location"]).query)["state"][0]
        back = http.get(f"{server}/oauth2callback", params={"code": "forged-code", "state": state})
    assert back.status_code == 302 and back.headers["location"] == "/login?sso=token"
    page.unroute(f"{server}/auth/login*")
    page.goto(server + back.headers["location"])
    page.get_by_text("Ответ службы единого входа не прошёл проверку").wait_for(timeout=30000)

    # a provider that refuses the prompt the app sent (the words of oidc-provider's answer)
    with httpx.Client(follow_redirects=False, timeout=30) as http:
        answer = http.get(f"{server}/oauth2callback", params={"error": "invalid_request", "state": "x",
                                                              "error_description": "unsupported prompt value requested"})
    assert answer.status_code == 302 and answer.headers["location"] == "/login?sso=prompt"
    page.goto(server + answer.headers["location"])
    page.get_by_text("Служба единого входа не приняла запрос приложения (параметр prompt)").wait_for(timeout=30000)
    log = served.folder.joinpath("streamlit.log").read_text()
    assert "unsupported prompt value requested" in log and "обмен кода на токены не прошёл проверку" in log


def test_an_unregistered_sign_out_address_is_said_on_the_login_page(served, page):
    """«Why» 5: the provider does not know the app's post-logout address."""
    served.provider.restart(client=served.client(post_logout=False))
    try:
        page.goto(f"{served.url}/")
        on_login_page(page)
        sso(page)
        at_provider_sign_in(page, "coordinator")
        page.get_by_text("Беляев И.А.").first.wait_for(timeout=30000)
        page.get_by_role("button", name="Выйти").click()
        on_login_page(page)
        page.get_by_text("служба единого входа не приняла адрес возврата приложения").wait_for(timeout=30000)
        assert page.url.startswith(served.url)  # never the provider's English error page
        page.reload()
        on_login_page(page)
        assert "post-logout redirect URI" in served.folder.joinpath("streamlit.log").read_text()
    finally:
        served.provider.restart(client=served.client())


def test_the_provider_down_before_sign_in_is_said_on_the_login_page(served, page):
    """«Why» 4: a blank English «Authentication error» page before; now «Вход» says what happened."""
    served.provider.stop()
    try:
        page.goto(f"{served.url}/")
        on_login_page(page)
        sso(page)
        on_login_page(page)
        page.get_by_text("Служба единого входа сейчас не отвечает").wait_for(timeout=30000)
        assert page.get_by_text("Authentication error").count() == 0
        assert "служба входа «default» недоступна" in served.folder.joinpath("streamlit.log").read_text()
    finally:
        served.provider.start()


def test_a_restarted_provider_listens_when_restart_returns(served):
    """The tests above restart the provider and go to it at once: ``restart`` must return only once the new process
    listens. Its log is appended to across restarts, and the «ready» of the process before was taken for the new one's
    (a flake under load: the browser went to a port nobody listened on yet)."""
    import urllib.request

    served.provider.restart(client=served.client())
    with urllib.request.urlopen(served.provider.metadata_url, timeout=10) as answer:
        assert answer.status == 200
