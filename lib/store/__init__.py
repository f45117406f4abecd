"""Storage: one port (``Store``), two adapters (SQLite, Google Sheets)."""

from lib.store.port import (  # noqa: F401
    SaveReceipt,
    Snapshot,
    Store,
    StoreError,
    StoreUnavailable,
    ValidationError,
)
