"""A sample record of any tab, built from the schema (every type, the enums in turn): for the store's contract tests."""

from __future__ import annotations

import datetime as dt

SAMPLE = {
    "text": "Текст «в кавычках» — с ё и тире",
    "integer": 7,
    "number": 12.5,
    "money": 1234.567,
    "percent": 5.5,
    "date": dt.date(2024, 4, 5),
    "month": "2024-03",
    "period": "2024-Q1",
    "ref": "lensk",
    "refs": "lensk;vitim",
    "bool": True,
}


def sample_record(table, n: int = 0) -> dict:
    record = {}
    for c in table.data_columns:
        value = c.values[n % len(c.values)].key if c.type == "enum" else SAMPLE[c.type]
        if c.max is not None and isinstance(value, (int, float)) and value > c.max:
            value = c.max
        if c.key in table.record_key and c.type in ("text", "ref"):
            value = f"{c.key}-{n}"
        if c.max_length and isinstance(value, str):
            value = value[: c.max_length]
        record[c.key] = value
    return record
