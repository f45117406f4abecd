"""One transaction on a small SQLite file of the server (the sign-in throttle, the ended sessions) that its other
processes wait for."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def immediate(lock: threading.Lock, memory: sqlite3.Connection | None,
              connect: Callable[[], sqlite3.Connection]) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` on any error) under this process's ``lock``. ``memory``: a connection
    kept open (an in-memory file), else ``connect()`` opens one that is closed after."""
    with lock:
        con = memory or connect()
        try:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        finally:
            if con is not memory:
                con.close()
