"""Handing freed memory back to the system after a big computation.

Why: the server works with the system allocator (glibc malloc). After the first big buffer is freed
glibc raises its mmap threshold, so later big buffers — a tab's Arrow bytes, a computation's temporary
columns — come from the heap, and freed heap pages stay with the process: its resident memory then
holds every temporary it ever had at once. ``malloc_trim`` returns the free pages; called after the
typed copy's read of each tab and after each per-snapshot computation it keeps a large district's page
at about its live data (issue 16, item 4: 728 → ≈ 600 MB). Elsewhere than glibc it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util


def _malloc_trim():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # another C library (macOS, musl): it keeps its own ways
        return None


_TRIM = _malloc_trim()


def trim() -> None:
    """Free heap pages back to the system (a few milliseconds)."""
    if _TRIM is not None:
        _TRIM(0)
