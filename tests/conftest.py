"""Shared fixtures: both store adapters, the in-process Sheets API, the demo store."""

from __future__ import annotations

import os

import gspread
import pytest

from lib.store.sheets_http import RetryingHTTPClient, RetryPolicy
from lib.store.sheets_store import SheetsStore
from lib.store.sqlite_store import SQLiteStore
from tests.support.fake_sheets import FakeSheetsAPI

STORE_KINDS = ["sqlite", "gsheets"]


class RecordingSleep:
    """Stands in for time.sleep: the retry policy's waits are recorded, not slept."""

    def __init__(self):
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def sheets_client(api: FakeSheetsAPI, policy: RetryPolicy | None = None) -> gspread.Client:
    client = gspread.Client(auth=None, session=api.session(), http_client=RetryingHTTPClient)
    client.http_client.policy = policy or RetryPolicy(sleep=RecordingSleep())
    client.set_timeout((10, 60))
    return client


def make_sheets_store(api: FakeSheetsAPI, policy: RetryPolicy | None = None, **kw) -> SheetsStore:
    key = api.create()
    policy = policy or RetryPolicy(sleep=RecordingSleep())
    store = SheetsStore(key, sheets_client(api, policy), policy=policy, **kw)
    store.bootstrap()
    return store


@pytest.fixture
def fake_api() -> FakeSheetsAPI:
    return FakeSheetsAPI()


@pytest.fixture
def sqlite_store(tmp_path) -> SQLiteStore:
    return SQLiteStore(tmp_path / "debt.sqlite")


@pytest.fixture
def sheets_store(fake_api) -> SheetsStore:
    return make_sheets_store(fake_api)


@pytest.fixture(params=STORE_KINDS)
def store(request, tmp_path):
    """Each contract test runs once per adapter."""
    if request.param == "sqlite":
        return SQLiteStore(tmp_path / "debt.sqlite")
    return make_sheets_store(FakeSheetsAPI())


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> str:
    """A demo SQLite file built once per test session; tests copy it before writing."""
    from lib.demo import load_demo

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    load_demo(SQLiteStore(path))
    return str(path)


@pytest.fixture
def demo_store_url(demo_db, tmp_path, monkeypatch) -> str:
    """A private copy of the demo database, configured through DEBT_STORE like a user would."""
    import shutil

    target = tmp_path / "demo.sqlite"
    shutil.copy(demo_db, target)
    url = f"sqlite:///{target}"
    monkeypatch.setenv("DEBT_STORE", url)
    return url


@pytest.fixture(autouse=True)
def no_unexpected_page_error(request, caplog):
    """The app turns any unforeseen page error into a Russian message (app.py), so AppTest no longer
    sees it as ``at.exception``: the error is logged instead, and a logged one fails the test."""
    yield
    if request.node.get_closest_marker("page_error_expected"):
        return
    logged = [r for r in caplog.records if r.name == "lib.ui" and r.getMessage().startswith("unexpected page error")]
    assert not logged, "a page failed: " + "\n".join(caplog.text.splitlines()[-30:])


def pytest_configure(config):
    os.environ.setdefault("TZ", "UTC")
