"""Signatures of the rows of the system tabs on a shared Google Sheet.

Protection stops people with edit rights from changing «Пользователи», «Закрытые кварталы»
and the other system tabs, but not the spreadsheet's owner, and it can be switched off. So each
row the app writes to a signed tab carries «Подпись»: an HMAC-SHA256 of the tab and of every
value of the row, with a key only the server has (``ServerSecrets.signing_key``). The app reads
a row of a signed tab only if its signature matches; a row typed, pasted or edited by hand is
ignored and reported. A typed row therefore cannot grant a role, enable a user or open a quarter.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
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


def ledger_entries(table: Table, records: list[Mapping]) -> dict[str, int]:
    """What the server's ledger keeps of rows just written to a signed tab: each record's latest place in time.

    By «Номер сохранения», or — a row copied in from another store (``lib.cli copy``, a migration, a rollover)
    saved before that column existed — by «Сохранено», the order ``quarantined`` compares with: so a quarter
    closed in any store the rows came from stays closed when its row is deleted from the sheet."""
    out: dict[str, int] = {}
    for r in records:
        order = _order(r)
        if order != float("inf"):
            k = record_text(table, r)
            out[k] = max(out.get(k, 0), int(order))
    return out


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


# ---- seals of the rows of the data tabs ----------------------------------------------------

# Every row the app writes to a tab people edit (every tab but the signed ones) carries «Печать», in a
# protected system column: ``p2:<MAC>:<the row's data cells>``. The MAC (HMAC-SHA256 with the server key,
# truncated to 96 bits, base64url: 16 characters) covers the tab, the data cells and the row's system cells,
# so a read can tell the values the app wrote from what someone typed over them afterwards — and the seal
# still has the written values, to keep them as current (the rule of lib/store/sheets_store.py «Печать
# строк»). A person cannot make a seal: the key stays on the server, and without it a guess of 96 bits
# holds with probability 2⁻⁹⁶ per attempt, each attempt written into the sheet where a wrong one is listed.
#
# The cells are written compactly, ``|`` between them: a number as its value (``5``, ``24338.351``), a text
# after ``~`` (``~население``; ``\`` and ``|`` in it escaped with ``\``), a yes/no as ``!1`` / ``!0``, an
# empty cell as nothing. JSON would quote every text, and Google's answer escapes each quote again (``\"``).
# ``p1`` seals (32 hex digits of MAC, the cells as JSON), written before, are still read.

SEAL_VERSION = "p2"
OLD_SEAL_VERSION = "p1"
SEPARATOR = "|"


def _seal_text(value) -> str:
    """A cell as the seal sees it: a number by its value (5 and 5.0 alike), text as it is."""
    kind = type(value)
    if kind is str:
        return value  # most cells (and ``str`` of a text is itself)
    if kind is float and value == value:
        return str(int(value)) if value.is_integer() else repr(value)  # the general case below, for a float
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        f = float(value)
        return str(int(f)) if f.is_integer() else repr(f)
    return str(value)


def sealed_columns(table: Table) -> tuple[list[str], list[str]]:
    """(data columns whose cells the seal carries, system columns it covers), by key."""
    data = [c.key for c in table.columns if not c.system and not c.secret]
    system = [c.key for c in table.columns if c.system and c.key not in ("seal", "signature")]
    return data, system


def _seal_digest(key: bytes, table: Table, data: list, system: list) -> bytes:
    text = "\x1f".join([table.key, *(_seal_text(v) for v in data), "\x1e", *(_seal_text(v) for v in system)])
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def _seal_mac(key: bytes, table: Table, data: list, system: list) -> str:
    """The MAC of a ``p2`` seal: 96 bits of the HMAC, base64url (16 characters)."""
    return base64.urlsafe_b64encode(_seal_digest(key, table, data, system)[:12]).decode()


def _old_seal_mac(key: bytes, table: Table, data: list, system: list) -> str:
    """The MAC of a ``p1`` seal: 128 bits, hex."""
    return _seal_digest(key, table, data, system).hex()[:32]


def _token(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool):
        return "!1" if value else "!0"
    if isinstance(value, (int, float)):
        return _seal_text(value)
    return "~" + str(value).replace("\\", "\\\\").replace(SEPARATOR, "\\" + SEPARATOR)


def _cells_text(data: list) -> str:
    return SEPARATOR.join(_token(v) for v in data)


def _split(text: str) -> list[str]:
    """Tokens of ``_cells_text``, the escapes undone inside them (a leading ``~`` kept)."""
    if "\\" not in text:
        return text.split(SEPARATOR)  # no escape: every separator ends a token
    out, token, escaped = [], [], False
    for ch in text:
        if escaped:
            token.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == SEPARATOR:
            out.append("".join(token))
            token = []
        else:
            token.append(ch)
    if escaped:
        raise ValueError("a seal ends inside an escape")
    out.append("".join(token))
    return out


def _value(token: str):
    if token == "":
        return None
    if token[0] == "~":
        return token[1:]
    if token in ("!1", "!0"):
        return token == "!1"
    number = float(token)  # ValueError for anything else: not a seal the app wrote
    return int(number) if number.is_integer() and not any(c in token for c in ".eE") else number


def seal(key: bytes, table: Table, cells: Mapping[str, object]) -> str:
    """The seal of a row about to be written (``cells``: column key -> the cell as written, ``to_cell``)."""
    data_keys, system_keys = sealed_columns(table)
    data = [cells.get(k) for k in data_keys]
    mac = _seal_mac(key, table, data, [cells.get(k) for k in system_keys])
    return f"{SEAL_VERSION}:{mac}:{_cells_text(data)}"


def unseal(key: bytes, table: Table, text, system: Mapping[str, object],
           columns: tuple[list[str], list[str]] | None = None) -> dict[str, object] | None:
    """The data cells a seal carries (column key -> cell), or None if the seal is not the app's for this row
    (forged, garbled, moved to another row, or the system cells were changed). ``columns``: ``sealed_columns(table)``,
    when the caller unseals many rows of one tab."""
    if not isinstance(text, str):
        return None
    version, _, rest = text.partition(":")
    mac, _, payload = rest.partition(":")
    try:
        if version == SEAL_VERSION:
            data, check = [_value(t) for t in _split(payload)], _seal_mac
        elif version == OLD_SEAL_VERSION:
            data, check = json.loads(payload), _old_seal_mac
        else:
            return None
    except ValueError:
        return None
    data_keys, system_keys = columns or sealed_columns(table)
    if not isinstance(data, list) or len(data) != len(data_keys):
        return None
    if not hmac.compare_digest(mac, check(key, table, data, [system.get(k) for k in system_keys])):
        return None
    return dict(zip(data_keys, data))


def same_cell(a, b) -> bool:
    if type(a) is str and type(b) is str:
        return a == b  # texts are their own seal text
    if type(a) is float and type(b) is float and a == b:
        return True  # equal floats have one seal text (0.0 and -0.0 too)
    return _seal_text(a) == _seal_text(b)
