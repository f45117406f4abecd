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

from lib.core.schema import Table

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


# ---- records whose rows fail ------------------------------------------------------------

# What a record of a signed tab becomes while its latest row is not the app's (typed over, pasted,
# or the app's latest version deleted from the sheet): the state that grants nothing. A user, a
# return, a setting or an export log entry is treated as absent (no sign-in, no right, the
# default value); a quarter is treated as closed.
SAFE_STATE = {"locks": {"locked": True, "comment": "строки квартала изменены в таблице вручную — считается закрытым до исправления"}}
QUARANTINE_ID = "quarantine"


def _order(record: Mapping) -> float:
    """A row's claimed place in time; a row without «Код сохранения» claims to be the latest."""
    seq, at = record.get("save_seq"), record.get("saved_at")
    if not record.get("save_id") or (seq is None and at is None):
        return float("inf")
    if seq is not None:
        return float(seq)
    try:
        return dt.datetime.fromisoformat(at).timestamp() * 1_000_000
    except (TypeError, ValueError):
        return float("inf")


def record_text(table: Table, record: Mapping) -> str:
    return " · ".join("" if record.get(k) is None else str(record.get(k)) for k in table.record_key)


STATE_WORDS = {
    "users": "пользователь не может войти и ничего не может изменить",
    "locks": "квартал считается закрытым",
    "returns": "возврат на доработку не действует",
    "settings": "действует значение по умолчанию",
    "exports": "запись журнала выгрузок не показывается",
}


def quarantined(table: Table, good: list[dict], bad: list[dict], ledger: Mapping[str, int]) -> dict[str, str]:
    """Records of a signed tab held in the safe state, with why (Russian).

    A record is quarantined when a row that fails its signature claims to be at least as new as
    its latest good row (a person typed, pasted or edited it: saving the record again through the
    app, which orders after every claim, ends it), or when this server wrote a later version than
    the latest good row in the sheet (that row was deleted: the ledger in ``ServerSecrets``)."""
    latest: dict[str, float] = {}
    for r in good:
        k = record_text(table, r)
        latest[k] = max(latest.get(k, float("-inf")), _order(r))
    held: dict[str, str] = {}
    for r in bad:
        k = record_text(table, r)
        if _order(r) >= latest.get(k, float("-inf")):
            held[k] = "последняя строка записи набрана или изменена в таблице вручную"
    for k, seq in ledger.items():
        if seq > latest.get(k, float("-inf")) and k not in held:
            held[k] = "последняя версия записи, сохранённая приложением, удалена из таблицы"
    return held


def quarantine_message(table: Table, record: str, reason: str) -> str:
    return (f"запись «{record}»: {reason} — пока её не исправят, {STATE_WORDS.get(table.key, 'запись не учитывается')}. "
            "Исправьте: сохраните запись заново через приложение (ошибочно набранную строку удалите из таблицы).")
