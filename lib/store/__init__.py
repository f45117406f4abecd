"""Storage: one port (``Store``), two adapters (SQLite, Google Sheets)."""

from lib.store.port import (  # noqa: F401
    Conflict,
    SaveReceipt,
    Snapshot,
    Store,
    StoreError,
    StoreUnavailable,
    ValidationError,
)
