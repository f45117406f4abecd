"""The same record twice in one save: found once here for every tab and every path.

A save that names one record key twice would store both rows and let the later one win silently
(a copied line in the Excel blank, two settlements' rows in one Annex 4 form). Callers turn each
pair into a message that names both rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from lib.core.parsing import is_empty


def repeated(records: Sequence[Mapping], key: Sequence[str]) -> list[tuple[int, int]]:
    """(position of the first, position of the repeat), 0-based, for every record whose key occurred before."""
    first: dict[tuple, int] = {}
    pairs = []
    for i, record in enumerate(records):
        k = tuple(None if is_empty(record.get(f)) else record.get(f) for f in key)
        if k in first:
            pairs.append((first[k], i))
        else:
            first[k] = i
    return pairs
