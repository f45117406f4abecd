"""The demo district's SQLite file, built once per test run and copied for each test that uses it.

Built by the first pytest worker that needs it, in the run's temporary folder the workers share; the others wait on
a lock for it (pytest-xdist's recipe for a session fixture shared by workers). With it is its typed copy
(``lib/store/frame_cache.py``, the hidden folder beside the file): a private copy of the file with that folder opens
as a restarted server opens its own database — the frames are read, no cell of the demo is typed again (≈0.3 s of
CPU per test on a free machine). The copy is checked against the file's change stamp like any other, and a test that
writes changes only its own copy of both.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

NAME = "demo.sqlite"


def once(folder: Path, build: Callable[[Path], None]) -> Path:
    """``folder`` after ``build(folder)`` ran in it once per test run: by the first process to get here, while the
    others wait (a build that died half-way is done again from the start by the next one)."""
    folder.mkdir(parents=True, exist_ok=True)
    ready = folder / "ready"
    with open(folder / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, also if this process dies
        if not ready.exists():
            build(folder)
            ready.touch()
    return folder


def build_once(folder: Path) -> Path:
    """The demo file in ``folder``: built there by the first process to get here, read by the others."""
    from lib.demo import load_demo
    from lib.store.sqlite_store import SQLiteStore

    path = folder / NAME

    def build(folder: Path) -> None:
        for old in (path, folder / f"{NAME}-wal", folder / f"{NAME}-shm"):  # a build that died half-way
            old.unlink(missing_ok=True)
        shutil.rmtree(typed_folder(path), ignore_errors=True)
        load_demo(SQLiteStore(path))
        store = SQLiteStore(path)
        store.read_all()  # writes the typed copy, on a thread of its own: wait for it
        store.typed_copy.wait()

    once(folder, build)
    return path


def run_folder(tmp_path_factory) -> Path:
    """The temporary folder of this test run: under xdist the parent of a worker's folder, common to its workers;
    alone, this session's folder (the parent would be shared with other runs)."""
    root = tmp_path_factory.getbasetemp()
    return root.parent if os.environ.get("PYTEST_XDIST_WORKER") else root


def typed_folder(db: Path) -> Path:
    from lib.store.frame_cache import FrameCache

    return FrameCache(db).dir


def copy_demo_file(demo_db: str | Path, target: Path) -> Path:
    """A private copy of the demo file (or of a file made from it) at ``target``, with its typed copy."""
    shutil.copy(demo_db, target)
    typed = typed_folder(Path(demo_db))
    if typed.is_dir():
        shutil.copytree(typed, typed_folder(target))
    return target


@contextmanager
def reading_copy(source: str | Path, folder: Path) -> Iterator[Path]:
    """One copy of the demo (or of a file made from it) shared by tests that only open pages and read: the app's store
    of it and its snapshot are shared too (figures computed once, ``lib.core.memo``; the store read once, not once per
    test). That none of them wrote is checked when they are done."""
    from lib.store.sqlite_store import SQLiteStore

    folder.mkdir(parents=True, exist_ok=True)
    target = copy_demo_file(source, folder / NAME)
    before = SQLiteStore(target).read_all().counts()
    yield target
    assert SQLiteStore(target).read_all().counts() == before, "a test that only reads wrote into the shared copy of the demo"
