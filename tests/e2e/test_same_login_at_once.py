"""Twelve people sign in as one login at the same moment on a real server (a shared office login, or one person's
tabs): all get in — found by ``python -m bench.server_load --same-login 12``, where 5 got in and 7 were told
«Слишком много неудачных попыток входа» for 5 minutes. The clients are the bench's light clients
(``bench/light_clients.py``: Streamlit's websocket protocol, the app's own login form and cookie route)."""

from __future__ import annotations

import asyncio
import concurrent.futures

import pytest

from bench.light_clients import Client, NotDrawn
from tests.support.browser import serve

LOGIN, PASSWORD = "coordinator@lensk.demo", "demo-coordinator"


def run_apart(coroutine):
    """The clients' event loop in a thread of its own: on a worker where a browser test ran before, Playwright's
    synchronous API keeps an event loop running in this thread, and ``asyncio.run`` refuses to start another there."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture
def server(demo_db, tmp_path):
    yield from serve(demo_db, tmp_path)


def test_twelve_sign_ins_of_one_login_at_once_all_get_in_and_see_the_summary(server):
    async def everyone():
        clients = [Client(server) for _ in range(12)]
        try:
            outcomes = await asyncio.gather(*(c.sign_in(LOGIN, PASSWORD) for c in clients), return_exceptions=True)
            refused = [str(o) for o in outcomes if isinstance(o, BaseException)]
            assert not refused, refused
            pages = await asyncio.gather(*(c.run("/dashboard", expect=("Свод", "Качество данных")) for c in clients))
            return [p.status for p in pages]
        finally:
            for c in clients:
                await c.close()

    assert run_apart(everyone()) == ["FINISHED_SUCCESSFULLY"] * 12


def test_a_wrong_password_gets_no_cookie_and_no_page(server):
    async def attempt():
        client = Client(server)
        try:
            with pytest.raises(NotDrawn, match="Неверный логин или пароль"):
                await client.sign_in(LOGIN, "не-тот-пароль")
            assert "debt_session" not in client.cookies
            await client.connect()
            with pytest.raises(NotDrawn):  # without the cookie «Свод» is the login page
                await client.run("/dashboard", expect=("Качество данных",))
        finally:
            await client.close()

    run_apart(attempt())
