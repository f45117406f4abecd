"""Memory of big computations: freed pages back to the system, no cyclic collection during a build.

Why: the server works with the system allocator (glibc malloc). After the first big buffer is freed
glibc raises its mmap threshold, so later big buffers — a tab's Arrow bytes, a computation's temporary
columns — come from the heap, and freed heap pages stay with the process: its resident memory then
holds every temporary it ever had at once. ``malloc_trim`` returns the free pages; called after the
typed copy's read of each tab and after each per-snapshot computation it keeps a large district's page
at about its live data (issue 16, item 4: with the compressed copy, 728 → 641–646 MB). Elsewhere than glibc it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import threading
from contextlib import contextmanager


def _malloc_trim():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # another C library (macOS, musl): it keeps its own ways
        return None


_TRIM = _malloc_trim()


def _arrow_on_the_system_allocator() -> None:
    """pandas keeps text in Arrow arrays, so grouping, sorting and comparing text allocate through Arrow's default
    pool — jemalloc or mimalloc, which keep freed memory for themselves, out of ``trim``'s reach: at large scale the
    first «Свод» ended ≈ 30 MB higher with them. On the system allocator those buffers are freed like the rest (the
    typed copy is read on it already, ``lib.store.frame_cache``)."""
    try:
        import pyarrow as pa
    except ImportError:  # pyarrow comes with Streamlit; without it there is nothing to move
        return
    pa.set_memory_pool(pa.system_memory_pool())


_arrow_on_the_system_allocator()


def trim() -> None:
    """Free heap pages back to the system (a few milliseconds)."""
    if _TRIM is not None:
        _TRIM(0)


_PAUSE_LOCK = threading.Lock()
_paused = {"blocks": 0, "was_enabled": True}  # blocks inside cyclic_gc_paused, and the state before the first


@contextmanager
def cyclic_gc_paused():
    """No cyclic garbage collection inside the block (reference counting frees as usual).

    Why: building a large workbook creates about a million small objects that live until its end (a tuple
    per cell in xlsxwriter, a record per line); each full collection walks all of them again, and as they
    pile up Python runs them more and more often — ≈ 7,5 % of a build in the region and at large scale
    (counted with ``gc.callbacks``). Nothing in a build
    needs a cycle collected before it ends. Other threads of the server are paused too for those seconds;
    collection resumes when the last paused block ends."""
    with _PAUSE_LOCK:
        if _paused["blocks"] == 0:
            _paused["was_enabled"] = gc.isenabled()
            gc.disable()
        _paused["blocks"] += 1
    try:
        yield
    finally:
        with _PAUSE_LOCK:
            _paused["blocks"] -= 1
            if _paused["blocks"] == 0 and _paused["was_enabled"]:
                gc.enable()
