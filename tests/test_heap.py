"""lib.core.heap: the cyclic collector paused for a build and given back as it was, even after an error."""

from __future__ import annotations

import gc
import threading

import pytest

from lib.core import heap
from lib.core.config import PROJECT_ROOT


def test_collection_is_paused_inside_and_resumes_after_the_last_block():
    assert gc.isenabled()
    with heap.cyclic_gc_paused():
        assert not gc.isenabled()
        with heap.cyclic_gc_paused():  # a second build of another session, at the same time
            assert not gc.isenabled()
        assert not gc.isenabled()  # the first is still running
    assert gc.isenabled()


def test_an_error_inside_gives_collection_back():
    with pytest.raises(ValueError), heap.cyclic_gc_paused():
        raise ValueError("текст длиннее 32 767 знаков")
    assert gc.isenabled()


def test_a_process_that_had_collection_off_keeps_it_off():
    gc.disable()
    try:
        with heap.cyclic_gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_blocks_of_several_threads_overlapping():
    inside, go = threading.Barrier(4), threading.Event()

    def build():
        with heap.cyclic_gc_paused():
            inside.wait()
            go.wait()

    threads = [threading.Thread(target=build) for _ in range(3)]
    for t in threads:
        t.start()
    inside.wait()
    assert not gc.isenabled()
    go.set()
    for t in threads:
        t.join()
    assert gc.isenabled()


def test_trim_runs_here():
    heap.trim()  # glibc here (CI too): returns; elsewhere a no-op
    assert heap._TRIM is not None


def test_text_work_of_pandas_allocates_where_trim_returns_it():
    """Issue 28, item 5: pandas keeps text in Arrow arrays; grouping and sorting text allocate through Arrow's default
    pool. The app's processes use the system allocator for it (lib.core.heap, imported with every figure), so
    ``trim`` returns those buffers too — jemalloc or mimalloc would keep them."""
    import subprocess
    import sys

    code = ("import lib.domain.summary, pyarrow as pa, pandas as pd; s = pd.Series(['б', 'а'] * 1000, dtype='str'); "
            "before = pa.system_memory_pool().bytes_allocated(); t = s.str.upper().sort_values(); "
            "print(pa.default_memory_pool().backend_name, pa.system_memory_pool().bytes_allocated() > before)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=str(PROJECT_ROOT))
    assert out.stdout.split() == ["system", "True"]
