"""Shared fixtures: both store adapters, the in-process Sheets API, the demo store."""

from __future__ import annotations

import os

import gspread
import pytest

from lib.store.sheets_http import RetryingHTTPClient, RetryPolicy
from lib.store.sheets_store import SheetsStore
from lib.store.sqlite_store import SQLiteStore
from tests.support.fake_sheets import FakeSheetsAPI

STORE_KINDS = ["sqlite", "gsheets", "postgresql"]


def _scan_components_once() -> None:
    """Streamlit scans every installed package for components when its server starts — once per process. AppTest
    does it again for every new AppTest (it reads the metadata of each of the ≈ 150 installed packages); the packages
    do not change during a test run, so a test process scans once too, as a server process does."""
    import functools

    from streamlit.components.v2 import manifest_scanner

    manifest_scanner.scan_component_manifests = functools.cache(manifest_scanner.scan_component_manifests)


_scan_components_once()


class RecordingSleep:
    """Stands in for time.sleep: the retry policy's waits are recorded, and pass on the fake
    API's clock (so Google's late writes and per-minute quotas see the time go by)."""

    def __init__(self, clock=None):
        self.calls: list[float] = []
        self.clock = clock

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        if self.clock is not None:
            self.clock.advance(seconds)


def fake_policy(api: FakeSheetsAPI, **kw) -> RetryPolicy:
    """The adapter's retry policy on the fake's clock: its budget is measured in the fake's time."""
    return RetryPolicy(sleep=RecordingSleep(api.clock), clock=api.clock.now, **kw)


def sheets_client(api: FakeSheetsAPI, policy: RetryPolicy | None = None, user: str | None = None) -> gspread.Client:
    client = gspread.Client(auth=None, session=api.session(user), http_client=RetryingHTTPClient)
    client.http_client.policy = policy or fake_policy(api)
    client.set_timeout((10, 60))
    return client


def make_sheets_store(api: FakeSheetsAPI, policy: RetryPolicy | None = None, *, key: str | None = None,
                      bootstrap: bool = True, **kw) -> SheetsStore:
    """A store on a new (or the given) fake spreadsheet, as the service account, set up by bootstrap-sheet."""
    key = key or api.create()
    policy = policy or fake_policy(api)
    kw.setdefault("account_email", api.service_account)
    kw.setdefault("clock", api.clock.now)
    store = SheetsStore(key, sheets_client(api, policy), policy=policy, **kw)
    if bootstrap:
        store.bootstrap()
    return store


def app_on_sheet(store: SheetsStore, monkeypatch, login: str = "coordinator@lensk.demo"):
    """The app (AppTest, run once) configured on this Sheets store, as a person signed in with ``login``."""
    from streamlit.testing.v1 import AppTest

    from lib.core.config import PROJECT_ROOT
    from lib.store import factory

    url = f"gsheets://{store.key}"
    monkeypatch.setenv("DEBT_STORE", url)
    monkeypatch.setitem(factory._shared, url, store)
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60)
    at.session_state["user_login"] = login
    at.run()
    return at


@pytest.fixture
def fake_api() -> FakeSheetsAPI:
    return FakeSheetsAPI()


@pytest.fixture
def sqlite_store(tmp_path) -> SQLiteStore:
    return SQLiteStore(tmp_path / "debt.sqlite")


@pytest.fixture
def sheets_store(fake_api) -> SheetsStore:
    return make_sheets_store(fake_api)


@pytest.fixture(scope="session")
def postgres_cluster():
    """A real PostgreSQL server for this pytest process: a throwaway cluster on a temporary folder and a loopback
    port (tests/support/postgres.py). It cannot start: the tests that need it fail (never skip)."""
    from tests.support.postgres import start_cluster

    cluster = start_cluster()
    yield cluster
    cluster.stop()


@pytest.fixture
def postgres_store(postgres_cluster, tmp_path):
    """A store on a new empty database of the test cluster, as the app's role."""
    from lib.store.postgres_store import PostgresStore

    store = PostgresStore(postgres_cluster.new_database(), local_dir=tmp_path / "pg-local")
    yield store
    store.close()


@pytest.fixture(scope="session")
def demo_postgres_template(postgres_cluster, demo_db, tmp_path_factory) -> str:
    """The demo district copied into a database of the test cluster once per session: its name."""
    from lib.store.copying import copy_store
    from lib.store.postgres_store import PostgresStore

    url = postgres_cluster.new_database("demo")
    store = PostgresStore(url, local_dir=tmp_path_factory.mktemp("pg-template"))
    copy_store(SQLiteStore(demo_db), store, progress=lambda _: None)
    store.close()  # a template must have no connections
    return url.rsplit("/", 1)[1]


@pytest.fixture
def demo_postgres(postgres_cluster, demo_postgres_template, tmp_path):
    """A private copy of the demo district on the test PostgreSQL server, and a store on it."""
    from lib.store.postgres_store import PostgresStore

    store = PostgresStore(postgres_cluster.new_database(template=demo_postgres_template), local_dir=tmp_path / "pg-local")
    yield store
    store.close()


@pytest.fixture(params=STORE_KINDS)
def store(request, tmp_path):
    """Each contract test runs once per adapter."""
    if request.param == "sqlite":
        return SQLiteStore(tmp_path / "debt.sqlite")
    if request.param == "postgresql":
        return request.getfixturevalue("postgres_store")
    return make_sheets_store(FakeSheetsAPI())


@pytest.fixture(scope="session")
def demo_sheet_template(demo_db, tmp_path_factory):
    """The demo district copied into a fake Google Sheet once per test run, by the first pytest process that needs
    it (the spreadsheet and its server secrets kept in a file of the run's folder, ``tests/support/demo_file.py``
    ``once``); each process reads it from there."""
    import pickle

    from lib.store.copying import copy_store
    from lib.store.server_secrets import ServerSecrets
    from tests.support.demo_file import once, run_folder
    from tests.support.fake_sheets import Spreadsheet

    def build(folder):
        api = FakeSheetsAPI()
        secrets = ServerSecrets(None, signing_key=DEMO_SIGNING_KEY)
        store = make_sheets_store(api, secrets=secrets)
        copy_store(SQLiteStore(demo_db), store, progress=lambda _: None)
        (folder / "sheet.pickle").write_bytes(pickle.dumps((api.spreadsheets[store.key].dumps(), secrets.copy()._memory)))

    saved = once(run_folder(tmp_path_factory) / "demo-sheet", build) / "sheet.pickle"
    book, memory = pickle.loads(saved.read_bytes())
    secrets = ServerSecrets(None, signing_key=DEMO_SIGNING_KEY)
    secrets._memory = memory
    return Spreadsheet.loads(book), secrets


DEMO_SIGNING_KEY = "test-signing-key"


@pytest.fixture
def demo_sheets(demo_sheet_template) -> tuple[FakeSheetsAPI, SheetsStore]:
    """A private copy of the demo district on the fake Sheets API, and a store on it."""
    book, secrets = demo_sheet_template
    api = FakeSheetsAPI()
    api.spreadsheets[book.spreadsheet_id] = book.clone()
    return api, make_sheets_store(api, key=book.spreadsheet_id, bootstrap=False, secrets=secrets.copy())


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> str:
    """A demo SQLite file built once per test run, shared by the pytest workers (tests/support/demo_file.py);
    tests copy it before writing."""
    from tests.support.demo_file import build_once, run_folder

    return str(build_once(run_folder(tmp_path_factory) / "demo-district"))


@pytest.fixture
def demo_store_url(demo_db, tmp_path, monkeypatch) -> str:
    """A private copy of the demo database, configured through DEBT_STORE like a user would."""
    from tests.support.demo_file import copy_demo_file

    target = copy_demo_file(demo_db, tmp_path / "demo.sqlite")
    url = f"sqlite:///{target}"
    monkeypatch.setenv("DEBT_STORE", url)
    return url


@pytest.fixture(scope="module")
def demo_reading_copy(demo_db, tmp_path_factory):
    """One copy of the demo for a module whose tests only open pages and read (``demo_reading_url``); a write into it
    fails the module (tests/support/demo_file.py ``reading_copy``)."""
    from tests.support.demo_file import reading_copy

    with reading_copy(demo_db, tmp_path_factory.mktemp("reading")) as path:
        yield path


@pytest.fixture
def demo_reading_url(demo_reading_copy, monkeypatch) -> str:
    """The module's shared copy of the demo, configured through DEBT_STORE: for tests that write nothing (a test that
    saves uses ``demo_store_url``, a private copy)."""
    url = f"sqlite:///{demo_reading_copy}"
    monkeypatch.setenv("DEBT_STORE", url)
    return url


# ---- browser tests (tests/test_browser*.py): one Chromium per pytest process, a fresh context per test ----

@pytest.fixture(scope="session")
def chromium():
    """Debian chromium, launched once per pytest process: each test gets a context of its own (``page``)."""
    from playwright.sync_api import sync_playwright

    from tests.support.browser import launch

    with sync_playwright() as p:
        browser = launch(p)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    """A ru-RU tab of 1400×1000 px in a browser context of its own (no cookies of another test)."""
    from tests.support.browser import new_page

    tab = new_page(chromium)
    yield tab
    tab.context.close()


@pytest.fixture
def server(demo_db, tmp_path):
    """``streamlit run`` on a private copy of the demo database, for a test that writes (the copy's path is in
    ``tmp_path / "db-path"``)."""
    from tests.support.browser import serve

    yield from serve(demo_db, tmp_path)


@pytest.fixture(scope="session")
def reading_server(demo_db, tmp_path_factory):
    """One ``streamlit run`` on a copy of the demo database for every browser test that only reads (and signs in,
    types unsaved drafts, filters): a server start and its first run are the slow part of such a test. A test that
    saves anything uses ``server``."""
    from tests.support.browser import serve

    yield from serve(demo_db, tmp_path_factory.mktemp("reading-server"))


@pytest.fixture(autouse=True)
def no_unexpected_page_error(request, caplog):
    """The app turns any unforeseen page error into a Russian message (app.py), so AppTest no longer
    sees it as ``at.exception``: the error is logged instead, and a logged one fails the test."""
    yield
    if request.node.get_closest_marker("page_error_expected"):
        return
    logged = [r for r in caplog.records if r.name == "lib.ui.shell" and r.getMessage().startswith("unexpected page error")]
    assert not logged, "a page failed: " + "\n".join(caplog.text.splitlines()[-30:])


def pytest_configure(config):
    os.environ.setdefault("TZ", "UTC")
    from tests.support.apptest import share_compiled_scripts

    share_compiled_scripts()  # AppTest compiles app.py and the page once per process, as a server does


@pytest.hookimpl(tryfirst=True)  # before xdist's own: it reads the xdist_group marks into the node ids (the group)
def pytest_collection_modifyitems(config, items):
    """Tests that drive Chromium against a Streamlit server, or start server processes of their own (marked
    ``server_processes``), run one after another on one xdist worker (``--dist loadgroup``): two of them at once
    on two cores would each wait on the other's rerun, while the rest of the suite shares the cores with them."""
    markexpr = config.getoption("markexpr", "") or ""
    if "e2e" in markexpr and "not e2e" not in markexpr:
        return end_to_end_lanes(items)
    queue, together = [], []
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1]
        marked = any(m.args[:1] == ("browser",) for m in item.iter_markers("xdist_group"))  # a browser test elsewhere
        if end_to_end(item):
            item.add_marker(pytest.mark.e2e)
        if module.startswith("test_browser") or marked or end_to_end(item):
            item.add_marker(pytest.mark.xdist_group("browser"))
            queue.append(item)
        elif module in ONE_WORKER:
            item.add_marker(pytest.mark.xdist_group(module))
            together.append(item)
    # the long pieces first: xdist hands out the work in collection order, and the browser queue is the longest
    # (collected after a hundred other tests, it would start minutes late and end the run alone)
    first = set(map(id, queue + together))
    items[:] = queue + together + [item for item in items if id(item) not in first]


def end_to_end(item) -> bool:
    """The end-to-end set: tests/e2e/, and elsewhere a test marked e2e (LibreOffice) or server_processes."""
    return "e2e" in item.path.parts or bool(item.get_closest_marker("e2e") or item.get_closest_marker("server_processes"))


def end_to_end_lanes(items) -> None:
    """The end-to-end set runs alone (after the default set), so its tests share the workers: a module's tests stay
    on one worker (its module-scoped servers start once), except those of ``SPREAD`` modules, which start a server of
    their own per test and are handed out one by one. Most of a browser test's time is waiting for reruns and
    debounces, so two of them at once take little longer than one. The longest go first."""
    for item in items:
        if not end_to_end(item):
            continue
        item.add_marker(pytest.mark.e2e)
        module = item.module.__name__.rsplit(".", 1)[-1]
        group = item.nodeid if module in SPREAD else module
        item.add_marker(pytest.mark.xdist_group(group))
    items.sort(key=longest_first)


def longest_first(item) -> int:
    """A test's place in the end-to-end queue: its own place in ``LONGEST`` (a long test of a ``SPREAD`` module),
    else its module's; unlisted ones after them, in the order collected (sort is stable)."""
    module = item.module.__name__.rsplit(".", 1)[-1]
    own = f"{module}::{item.originalname}"
    return LONGEST.get(own, LONGEST.get(module, len(LONGEST)))


# the end-to-end modules whose tests each start their own server: one by one over the workers
SPREAD = {"test_browser", "test_russian_layout", "test_docs_screenshots"}
# the longest pieces of the end-to-end set, longest first (measured: docs/testing.md, «Время наборов»): a whole module
# that runs on one worker, or one test of a SPREAD module. xdist hands the groups out in this order, so the run does
# not end with one long test alone on a worker while the others wait
LONGEST = {name: rank for rank, name in enumerate([
    "test_browser::test_typed_and_pasted_russian_numbers_are_stored_exactly_in_ru_and_en_browsers",
    "test_sso_provider", "test_browser_session", "test_session_ends", "test_russian_layout", "test_browser_layout",
    "test_browser::test_the_coordinator_keeps_two_meetings_of_one_day_edits_a_decision_and_closes_a_quarter_knowingly",
    "test_edit_conflicts", "test_long_texts", "test_export", "test_postgres_servers", "test_uploader_russian",
    "test_browser_drafts", "test_browser_commission", "test_print", "test_browser", "test_docs_screenshots",
    "test_save_in_browser", "test_files_are_safe", "test_postgres_processes", "test_drafts_reload", "test_tabs_fit",
    "test_export_writer"])}


# modules whose module-scoped set-up is slow: all their tests on one worker, so that it runs once, not once per
# worker (``loadgroup`` hands out other tests one by one)
ONE_WORKER = {"test_print",  # one LibreOffice run printing both files to PDF (≈15–40 s)
              "test_tables_read_russian"}  # the district with its saves, made once, read by its 20 tests
