"""Results computed once per snapshot.

Stores hand the same ``Snapshot`` object to every rerun of a page until something is saved, so a
figure that depends on the whole district (the carried estimates, the data-quality checks) is
computed once and filtered per request. Keyed by the snapshot's identity and dropped with it.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import TypeVar

from lib.core import heap

T = TypeVar("T")
_CACHE: dict[tuple[int, str], tuple[weakref.ref, object]] = {}
_RECENT_LOCK = threading.Lock()


def per_snapshot(snapshot, name: str, build: Callable[[], T]) -> T:
    key = (id(snapshot), name)
    hit = _CACHE.get(key)
    if hit is not None and hit[0]() is snapshot:
        return hit[1]  # type: ignore[return-value]
    value = build()
    heap.trim()  # its temporaries back to the system before the next computation (lib.core.heap)
    # the dict is bound to the callback: at interpreter exit the module's globals may be gone before it runs
    _CACHE[key] = (weakref.ref(snapshot, lambda _ref, k=key, cache=_CACHE: cache.pop(k, None)), value)
    return value


def recent(snapshot, name: str, key, build: Callable[[], T], keep: int = 4) -> T:
    """``build()`` for ``key`` (e.g. the filters of a page) on this snapshot, the last ``keep`` keys kept:
    a rerun with the same filters reuses the figures; a person trying filter after filter does not make
    the process hold a result per combination."""
    found: dict = per_snapshot(snapshot, f"recent:{name}", dict)
    with _RECENT_LOCK:  # sessions of one server rerun in threads on the same snapshot
        if key in found:
            found[key] = found.pop(key)  # the most recently used goes last
            return found[key]
    value = build()  # outside the lock: another session's page does not wait for these figures
    heap.trim()
    with _RECENT_LOCK:
        found[key] = value
        while len(found) > keep:
            found.pop(next(iter(found)))
    return value
