"""Several people doing the same thing at the same moment, as threads of one server process."""

from __future__ import annotations

import threading
from collections.abc import Callable


def at_once(action: Callable[[], object], people: int) -> list:
    """Run ``action`` in ``people`` threads released together; return what each got (in the order they finished)."""
    start, got = threading.Barrier(people), []

    def one() -> None:
        start.wait()
        got.append(action())

    threads = [threading.Thread(target=one) for _ in range(people)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return got
