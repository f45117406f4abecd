"""Signatures of the rows of the system tabs on a shared Google Sheet.

Protection stops people with edit rights from changing «Пользователи», «Закрытые кварталы»
and the other system tabs, but not the spreadsheet's owner, and it can be switched off. So each
row the app writes to a signed tab carries «Подпись»: an HMAC-SHA256 of the tab and of every
value of the row, with a key only the server has (``ServerSecrets.signing_key``). The app reads
a row of a signed tab only if its signature matches; a row typed, pasted or edited by hand is
ignored and reported. A typed row therefore cannot grant a role, enable a user or open a quarter.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Mapping

from lib.schema import Table

VERSION = "v1"


def _canonical_value(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def canonical(table: Table, record: Mapping) -> bytes:
    # secret columns (password hashes) never reach the shared sheet, so they are not signed either
    parts = [table.key] + [f"{c.key}={_canonical_value(record.get(c.key))}" for c in table.columns
                           if c.key != "signature" and not c.secret]
    return "\x1f".join(parts).encode()


def sign(key: bytes, table: Table, record: Mapping) -> str:
    return f"{VERSION}:{hmac.new(key, canonical(table, record), hashlib.sha256).hexdigest()[:40]}"


def verify(key: bytes, table: Table, record: Mapping) -> bool:
    given = record.get("signature")
    return isinstance(given, str) and hmac.compare_digest(given, sign(key, table, record))
