"""Demo data of the Lensk district."""

from __future__ import annotations


def load_demo(store, *, replace: bool = False, only_if_empty: bool = False) -> bool:
    """Write the demo district into a store; returns whether anything was written."""
    from lib.demo.lensk import build

    data = build()
    if hasattr(store, "fill"):  # a database (SQLite, PostgreSQL): one transaction
        return store.fill(data, "demo", replace=replace, only_if_empty=only_if_empty)
    snapshot = store.read_all()
    if any(len(snapshot.all_versions(t.key)) for t in store.schema):
        if only_if_empty:
            return False
        raise ValueError("Google Таблица не пуста: демо-данные записываются только в пустую таблицу.")
    for tab, records in data.items():
        if records:
            store.save({tab: records}, "", keep_system=True)
    return True


def ensure_demo(store, config) -> bool:
    """On the default embedded store only: fill the demo district on first start.

    A store configured explicitly (another SQLite file, a Google Sheet) is never
    filled behind the user's back.
    """
    from lib.store.sqlite_store import SQLiteStore

    if not (config.is_default_store and isinstance(store, SQLiteStore)):
        return False
    if not store.is_empty():
        return False
    return load_demo(store, only_if_empty=True)
