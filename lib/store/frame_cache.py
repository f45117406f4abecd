"""A typed, columnar copy of the embedded store next to its file: a server starts without re-typing.

Reading a SQLite store from scratch means fetching every cell and typing it (``lib.core.frames``): at
region scale seconds, at large scale tens of seconds, on the first page after every server start.
The typed frames of each tab are therefore kept in Arrow IPC files («feather», pyarrow ships with
Streamlit) in ``.<file>.typed/`` beside the database, with a manifest of what they hold: a hidden
folder, the server's own — nothing to back up (the database is the data; the copy is rebuilt from it).

A copy is used only while it provably holds a prefix of the store as it is now:

- the database's **change stamp** is the one the copy was made under — a generation drawn when the
  database is created or reset, a counter of rows updated or deleted (SQLite triggers on every tab,
  so the ``sqlite3`` shell counts too) and SQLite's own schema version;
- the **code and schema** that typed it are the same (a fingerprint of the typing modules and of
  each tab's schema), as are pandas and pyarrow;
- the **file is intact**: its size and CRC-32 are those the manifest recorded;
- per tab, the rows it holds are still the first rows of the tab (their count, last row id and the
  last row's save id, checked by the reader as for an in-process re-read); rows added since are
  read from SQLite and typed as usual.

Anything else — no copy, another stamp, a damaged or unreadable file — means the real read, and the
copy is written again. Writing happens on a background thread, one file per tab that changed, each
file under a new name and the manifest replaced last (``os.replace``), so a reader in another
process sees either the old copy or the new one, never half of one. A failure to write is logged and
only costs the next start its speed.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import logging
import os
import threading
import time
import uuid
import weakref
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa

from lib.core import heap
from lib.core.frames import CellProblem, RowNote
from lib.core.schema import Table

log = logging.getLogger(__name__)
FORMAT = 3  # 2: the last row's save id in the manifest, the typed rows read on demand; 3: LZ4 bodies
MANIFEST = "manifest.json"
STALE_FILE_SECONDS = 120
# the modules whose code decides what a cell becomes in a frame: a change to any of them retypes
_TYPING_SOURCES = ("core/frames.py", "core/parsing.py", "core/schema.py", "store/frame_cache.py", "store/database.py",
                   "store/sqlite_store.py", "store/postgres_store.py")


@dataclass
class CachedTab:
    """One tab as read: typed rows, their count and last row id, and the versions built from them.

    ``rows`` is the typed frame, or — taken from the copy when the versions are not the typed rows in
    place — a function that reads it: the typed rows are needed only when rows are appended, and reading
    them at every start would cost a second frame of the tab in memory (issue 16, item 4)."""

    rows: pd.DataFrame | Callable[[], pd.DataFrame]
    count: int
    last: int
    problems: list  # CellProblem of the typed rows
    versions: pd.DataFrame
    version_problems: list
    notes: list
    last_save_id: str | None = None  # of the last row (the reader checks it is still there)

    @property
    def typed(self) -> pd.DataFrame:
        if callable(self.rows):
            self.rows = self.rows()
        return self.rows


def code_fingerprint() -> str:
    """What typed the frames: this project's typing code, pandas and pyarrow."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(f"{FORMAT}|{pd.__version__}|{pa.__version__}".encode())
    for name in _TYPING_SOURCES:
        digest.update((root / name).read_bytes())
    return digest.hexdigest()


def table_fingerprint(table: Table) -> str:
    return hashlib.sha256(repr(table).encode()).hexdigest()[:32]


# Compressed bodies: an uncompressed file is read zero-copy, so a text column kept by a frame pins the whole
# file's bytes (the whole file stayed in memory with the frames, docs/performance.md); decompressing gives each column buffers of its own,
# the file is freed after the read, and there are a third as many bytes to read and check (issue 16, item 4).
_WRITE = pa.ipc.IpcWriteOptions(compression="lz4")


def _to_arrow(frame: pd.DataFrame) -> bytes:
    sink = pa.BufferOutputStream()
    # one thread: pyarrow's thread pool is refused once the interpreter is shutting down (the exit waits for
    # the writer, see _finish_writing), and a background writer should not take every core from the pages
    table = pa.Table.from_pandas(frame, preserve_index=False, nthreads=1)
    with pa.ipc.new_file(sink, table.schema, options=_WRITE) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


# Arrow's default pool (jemalloc) made reading the copy twice as slow in CPU time as the system allocator,
# for the same memory (docs/performance.md): the copy's frames are read with the system's.
_POOL = pa.system_memory_pool()


def _from_arrow(data: bytes) -> pd.DataFrame:
    table = pa.ipc.open_file(pa.py_buffer(data), memory_pool=_POOL).read_all()
    return table.to_pandas(split_blocks=True, memory_pool=_POOL)


class FrameCache:
    """The typed copy of one SQLite file (see the module docstring)."""

    def __init__(self, db_path: Path):
        self.dir = db_path.with_name(f".{db_path.name}.typed")
        self._code = code_fingerprint()
        self._lock = threading.Lock()  # the state below
        self._pending: tuple | None = None  # the latest state waiting to be written
        self._writer: threading.Thread | None = None
        self._written: dict[str, dict] = {}  # tab -> manifest entry of the files on disk
        self._written_stamp: list | None = None
        self.loaded: list[str] = []  # tabs the last load took from the copy (for tests and benchmarks)

    # ---- reading -----------------------------------------------------------------------------

    def load(self, stamp: tuple, tables: list[Table]) -> dict[str, CachedTab]:
        """The tabs of the copy made under ``stamp`` that are intact; nothing if the copy is not usable."""
        self.loaded = []
        try:
            manifest = json.loads((self.dir / MANIFEST).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as err:
            log.warning("typed copy %s: manifest unreadable (%s); reading the store", self.dir, err)
            return {}
        if (manifest.get("format") != FORMAT or manifest.get("code") != self._code
                or manifest.get("stamp") != list(stamp)):
            return {}
        out = {}
        for table in tables:
            entry = manifest.get("tabs", {}).get(table.key)
            if not entry or entry.get("schema") != table_fingerprint(table):
                continue
            try:
                out[table.key] = self._load_tab(table, entry)
                heap.trim()  # the tab's file and Arrow buffers back to the system (lib.core.heap)
            except Exception as err:  # a damaged copy is never trusted, whatever pyarrow makes of it
                log.warning("typed copy of %s in %s not used (%s); reading it from the store", table.key, self.dir, err)
        with self._lock:
            self._written = {k: v for k, v in manifest.get("tabs", {}).items() if k in out}
            self._written_stamp = list(stamp)
        self.loaded = sorted(out)
        return out

    def _intact(self, name: str, size: int, crc: int) -> bytes:
        data = (self.dir / name).read_bytes()
        if len(data) != size or zlib.crc32(data) != crc:
            raise ValueError(f"{name}: размер или контрольная сумма не совпадают")
        return data

    def _read_file(self, name: str, size: int, crc: int) -> pd.DataFrame:
        return _from_arrow(self._intact(name, size, crc))

    def _load_tab(self, table: Table, entry: dict) -> CachedTab:
        versions = self._read_file(entry["versions"], entry["versions_size"], entry["versions_crc"])
        if entry.get("typed"):
            # checked now (a damaged copy is not trusted at all), read when rows are appended to the tab
            self._intact(entry["typed"], entry["typed_size"], entry["typed_crc"])
            count = entry["count"]

            def rows() -> pd.DataFrame:
                typed = self._read_file(entry["typed"], entry["typed_size"], entry["typed_crc"])
                if len(typed) != count:
                    raise ValueError("число строк не совпадает с оглавлением")
                return typed
        else:  # the versions are the typed rows in place, numbered
            rows = versions.drop(columns="version")
            if len(rows) != entry["count"]:
                raise ValueError("число строк не совпадает с оглавлением")
        return CachedTab(
            rows, entry["count"], entry["last"], [CellProblem(**p) for p in entry["problems"]],
            versions, [CellProblem(**p) for p in entry["version_problems"]], [RowNote(**n) for n in entry["notes"]],
            entry["last_save_id"],
        )

    # ---- writing -----------------------------------------------------------------------------

    def needs_write(self, stamp: tuple, tabs: dict[str, CachedTab]) -> bool:
        """Whether the files on disk hold less than ``tabs`` (or another stamp)."""
        with self._lock:
            if self._written_stamp != list(stamp):
                return True
            return any((t.count, t.last) != _mark(self._written.get(k)) for k, t in tabs.items())

    def write_later(self, stamp: tuple, tabs: dict[str, CachedTab], tables: dict[str, Table]) -> None:
        """Write the state on the background thread (a newer state replaces one not yet written)."""
        with self._lock:
            self._pending = (tuple(stamp), dict(tabs), tables)
            if self._writer is not None and self._writer.is_alive():
                return
            self._writer = threading.Thread(target=self._drain, name="typed-copy-writer", daemon=True)
            self._writer.start()
            _WRITING.add(self)

    def wait(self, timeout: float | None = None) -> None:
        """Until the pending state is on disk (tests, benchmarks, a command that exits)."""
        writer = self._writer
        if writer is not None:
            writer.join(timeout)

    def _drain(self) -> None:
        while True:
            with self._lock:
                job, self._pending = self._pending, None
                if job is None:
                    return
            try:
                self._write(*job)
            except Exception as err:
                log.warning("typed copy %s not written (%s): the next start reads the store", self.dir, err)

    def _write(self, stamp: tuple, tabs: dict[str, CachedTab], tables: dict[str, Table]) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        with self._lock:
            same_stamp = self._written_stamp == list(stamp)
            entries = dict(self._written) if same_stamp else {}
        for key, tab in tabs.items():
            if _mark(entries.get(key)) == (tab.count, tab.last):
                continue
            if tab.count == 0:  # an empty tab needs no file: the reader finds no rows and builds it
                entries.pop(key, None)
                continue
            entries[key] = self._write_tab(key, tab, tables[key])
        manifest = {"format": FORMAT, "code": self._code, "stamp": list(stamp), "tabs": entries}
        temporary = self.dir / f".{MANIFEST}.{uuid.uuid4().hex}.tmp"
        temporary.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, self.dir / MANIFEST)
        with self._lock:
            self._written, self._written_stamp = entries, list(stamp)
        self._collect(entries)

    def _put(self, key: str, what: str, frame: pd.DataFrame) -> tuple[str, int, int]:
        data = _to_arrow(frame)
        crc = zlib.crc32(data)
        name = f"{key}.{what}.{len(data)}-{crc:08x}.arrow"
        temporary = self.dir / f".{name}.{uuid.uuid4().hex}.tmp"
        temporary.write_bytes(data)
        os.replace(temporary, self.dir / name)
        return name, len(data), crc

    def _write_tab(self, key: str, tab: CachedTab, table: Table) -> dict:
        entry = {"schema": table_fingerprint(table), "count": tab.count, "last": tab.last, "last_save_id": tab.last_save_id,
                 "problems": [asdict(p) for p in tab.problems],
                 "version_problems": [asdict(p) for p in tab.version_problems], "notes": [asdict(n) for n in tab.notes]}
        entry["versions"], entry["versions_size"], entry["versions_crc"] = self._put(key, "versions", tab.versions)
        if not _in_place(tab.typed, tab.versions):
            entry["typed"], entry["typed_size"], entry["typed_crc"] = self._put(key, "typed", tab.typed)
        return entry

    def _collect(self, entries: dict[str, dict]) -> None:
        """Files no manifest names any more, and temporaries a killed writer left; only old ones, so a
        reader or writer in another process that is using one right now is not pulled from under it."""
        keep = {MANIFEST} | {e[f] for e in entries.values() for f in ("versions", "typed") if e.get(f)}
        now = time.time()
        for path in self.dir.iterdir():
            if path.name in keep or path.suffix not in (".arrow", ".tmp"):
                continue
            try:
                if now - path.stat().st_mtime > STALE_FILE_SECONDS:
                    path.unlink()
            except OSError:
                pass


# Caches whose writer may still run when the process exits. A daemon thread stopped in the middle of Arrow's
# C++ code by the interpreter's shutdown aborts the whole process (SIGABRT, seen with `lib.cli check` on a
# busy machine), and the copy would be lost anyway: the exit waits for the writers, a bounded time.
_WRITING: weakref.WeakSet = weakref.WeakSet()
EXIT_WAIT_SECONDS = 60


@atexit.register
def _finish_writing() -> None:
    for cache in list(_WRITING):
        cache.wait(EXIT_WAIT_SECONDS)


def _mark(entry: dict | None) -> tuple[int, int]:
    return (entry["count"], entry["last"]) if entry else (0, 0)


def _in_place(typed: pd.DataFrame, versions: pd.DataFrame) -> bool:
    """The versions are the typed rows, in the same order, plus the version number (the usual case)."""
    return (len(typed) == len(versions) and list(versions.columns) == [*typed.columns, "version"]
            and bool((typed["row"].to_numpy() == versions["row"].to_numpy()).all()))
