"""Who may write what, and the audit trail. Every write the app makes goes through ``write``.

Rules come from ``[tab.access]`` in the schema files:
- a role not listed in ``writers`` may not write the tab at all (commission members write nothing;
  the audit tab is written only here, alongside the change it records);
- an executor writes only rows whose ``owner`` field is its own participant, and where
  ``executor_may_change`` is set, changes only those fields of an existing record;
- where ``person`` is set (a login field), anyone but the coordinator writes only the row of their own login;
- a row whose ``period`` falls in a closed quarter is refused to everyone but the coordinator.
The check runs on the values as they will be stored, so a disguised value (``ЛПТЭС `` with a
space, ``03.2024``) cannot slip past it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from lib.core import fmt
from lib.core.frames import frame_records
from lib.core.parsing import is_empty
from lib.core.record_keys import repeated
from lib.core.schema import TYPES, Table
from lib.domain.periods import closed_quarters, lock_message, quarter_of
from lib.store.port import Conflict, FieldProblem, Prepared, SaveReceipt, Snapshot, Store, StoreError, ValidationError, prepare_records

ROLE_LABELS = {"executor": "исполнитель", "commission": "член комиссии", "coordinator": "координатор"}
MAX_AUDIT_TEXT = 20000


class Denied(StoreError):
    """The acting user may not make this change; the message says why, in Russian."""


class Rejected(StoreError):
    """A form asks for something the domain does not allow (a duplicate meeting, a decision with no
    one responsible); the message says what to change, in Russian. Nothing was written."""


class _AlreadySaved(Exception):
    """The submission's token is the id of a save already stored: nothing is written again."""

    def __init__(self, saved_at: str, rows: dict[str, int]):
        self.saved_at, self.rows = saved_at, rows
        super().__init__("already saved")


class NothingChanged(StoreError):
    """Every record of the save equals its current version: nothing was written (no empty versions)."""

    def __init__(self):
        super().__init__("Изменений нет: сохранять нечего.")


@dataclass(frozen=True)
class User:
    login: str
    name: str
    role: str  # executor | commission | coordinator
    participant_id: str | None = None
    active: bool = True

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    @classmethod
    def from_row(cls, row: Mapping) -> User:
        participant = row.get("participant_id")
        return cls(
            login=row["login"],
            name=row.get("name") or row["login"],
            role=row["role"],
            participant_id=participant if isinstance(participant, str) and participant else None,
            active=row.get("active") is not False,
        )


def command_line_user(os_user: str) -> User:
    """The coordinator acting through ``python -m lib.cli``; audited under this name."""
    return User(login=f"cli:{os_user}", name="Командная строка", role="coordinator")


def _key_of(table: Table, record: Mapping) -> tuple:
    return tuple(record.get(k) for k in table.record_key)


def key_text(table: Table, record: Mapping) -> str:
    return " · ".join(str(v) for v in _key_of(table, record))


# key columns whose stored value is the record's value as it is (``frame_records`` changes only dates,
# counts and yes/no): a row can hold the text ``s`` as its key only if the frame's cell equals ``s``
_AS_STORED = frozenset(TYPES) - {"date", "integer", "bool"}


def _current_by_key(snapshot: Snapshot, table: Table, keys: Iterable[tuple] | None = None) -> dict[tuple, dict]:
    """The current versions of the records ``keys`` names (record-key tuples; None: every record), as plain
    values, by key; a key with no record is absent.

    A save names a few records of a tab that holds tens of thousands: turning the whole current tab into
    dicts was the cost of a save at region scale (``bench.save_lookup``, docs/performance.md). The key columns narrow
    the rows first (``isin`` on a column where every key asked for is a text), then the same
    ``frame_records`` and the same key comparison as on the whole tab decide: the result is what the
    whole tab gives for those keys (the last of equal keys wins, as in a dict built over all rows)."""
    frame = snapshot.current(table.key)
    wanted = None if keys is None else {tuple(k) for k in keys}
    if wanted is not None:
        sized = [key for key in wanted if len(key) == len(table.record_key)]  # another length never matches
        if not sized:
            return {}
        mask = None
        for i, k in enumerate(table.record_key):
            values = {key[i] for key in sized}
            if table.column(k).type not in _AS_STORED or not all(type(v) is str and not is_empty(v) for v in values):
                continue  # not narrowed on this column: the exact comparison below decides
            hit = frame[k].isin(values).to_numpy(dtype=bool)
            mask = hit if mask is None else mask & hit
        if mask is not None:
            frame = frame[mask]
    found = {}
    for record in frame_records(table, frame):
        key = _key_of(table, record)
        if wanted is None or key in wanted:
            found[key] = record
    return found


def _same(a, b) -> bool:
    empty_a = a is None or (isinstance(a, float) and a != a)
    empty_b = b is None or (isinstance(b, float) and b != b)
    if empty_a or empty_b:
        return empty_a and empty_b
    return a == b


def _unchanged(table: Table, old: Mapping | None, new: Mapping) -> bool:
    return old is not None and all(_same(old.get(c.key), new.get(c.key)) for c in table.data_columns)


def describe_change(table: Table, old: Mapping | None, new: Mapping) -> str:
    parts = []
    for c in table.data_columns:
        before = None if old is None else old.get(c.key)
        after = new.get(c.key)
        if old is None and after is None:
            continue
        if old is not None and _same(before, after):
            continue
        if c.secret:
            parts.append(f"{c.title}: {'задан' if old is None else 'изменён'}")
        elif old is None:
            parts.append(f"{c.title} = {fmt.shown(c, after)}")
        else:
            parts.append(f"{c.title}: {fmt.shown(c, before)} → {fmt.shown(c, after)}")
    text = "; ".join(parts) or "без изменений"
    return text if len(text) <= MAX_AUDIT_TEXT else text[: MAX_AUDIT_TEXT - 1] + "…"


def _keep_a_coordinator(table: Table, records: Sequence[Mapping], snapshot: Snapshot) -> None:
    """Nobody — the coordinator included — may disable or demote the last active coordinator: the way
    back would be the server's command line, which the people running the district do not have."""
    users = _current_by_key(snapshot, table)
    before = {k for k, u in users.items() if u.get("role") == "coordinator" and u.get("active") is not False}
    for r in records:
        users[_key_of(table, r)] = dict(r)
    after = {k for k, u in users.items() if u.get("role") == "coordinator" and u.get("active") is not False}
    if before and not after:
        raise Denied("Нельзя отключить последнего координатора или сменить ему роль: тогда вести план, пользователей "
                     "и выгрузку станет некому. Сначала назначьте координатором другого пользователя.")


def check(user: User, table: Table, records: Sequence[Mapping], snapshot: Snapshot) -> None:
    """Raise ``Denied`` unless ``user`` may write ``records`` (already parsed) to ``table``."""
    access = table.access
    if not user.active:
        raise Denied("Учётная запись отключена: изменения не принимаются.")
    if user.role not in access.writers:
        if table.key == "audit":
            raise Denied("Журнал изменений ведётся автоматически и не редактируется.")
        if user.role == "commission":
            raise Denied("Член комиссии может только просматривать данные, изменять их нельзя.")
        raise Denied(f"Изменять лист «{table.title}» может только координатор.")
    if access.person and user.role != "coordinator":
        for r in records:
            if str(r.get(access.person) or "").strip().lower() != user.login.strip().lower():
                raise Denied(f"В листе «{table.title}» можно изменить только свою запись ({user.login}); "
                             f"в записи «{key_text(table, r)}» указан другой человек.")
    if user.role == "executor" and not access.person:
        if not user.participant_id:
            raise Denied("Исполнитель не привязан к участнику: обратитесь к координатору.")
        for r in records:
            if access.owner and r.get(access.owner) != user.participant_id:
                raise Denied(
                    f"Можно вносить данные только за своего участника ({user.participant_id}); "
                    f"в записи «{key_text(table, r)}» указан «{r.get(access.owner)}»."
                )
        if access.executor_may_change is not None:
            current = _current_by_key(snapshot, table, [_key_of(table, r) for r in records])
            allowed = set(access.executor_may_change)
            for r in records:
                old = current.get(_key_of(table, r))
                if old is None:
                    raise Denied(f"Новые записи в листе «{table.title}» создаёт координатор.")
                for c in table.data_columns:
                    if c.key not in allowed and not _same(old.get(c.key), r.get(c.key)):
                        titles = ", ".join(f"«{table.column(k).title}»" for k in access.executor_may_change)
                        raise Denied(f"Исполнитель может изменить только {titles}; поле «{c.title}» менять нельзя.")
    if table.key == "users":
        _keep_a_coordinator(table, records, snapshot)
    if access.period and user.role != "coordinator":
        closed = closed_quarters(snapshot)
        for r in records:
            period = r.get(access.period)
            if period and quarter_of(period) in closed:
                raise Denied(lock_message(quarter_of(period), closed[quarter_of(period)]))


# tab -> record key (values in record_key order) -> the save_id of the version an edit was based on,
# or None when the record must not exist yet (a new id)
Expect = Mapping[str, Mapping[tuple, str | None]]


def user_name(snapshot: Snapshot, login: str | None) -> str:
    """The name people know a user by (the login when the user is not in the users tab, e.g. the CLI)."""
    users = snapshot.current("users")
    match = users[users["login"].str.lower() == (login or "").lower()]
    return str(match["name"].iloc[-1]) if len(match) else (login or "")


def check_expected(snapshot: Snapshot, expect: Expect) -> None:
    """Raise ``Conflict`` unless every record is still at the version the edit was based on."""
    for tab, wanted in expect.items():
        table = snapshot.schema[tab]
        current = _current_by_key(snapshot, table, wanted)
        for key, base in wanted.items():
            now = current.get(tuple(key))
            shown_key = " · ".join(str(v) for v in key)
            if base is None and now is not None:  # a generated id is a code, not something a person knows: not named
                named = "" if table.column(table.record_key[0]).key.endswith("_id") else f" «{shown_key}»"
                raise Conflict(f"Такая запись{named} в листе «{table.title}» уже есть (её сохранили раньше — возможно, "
                               "повторным нажатием): новая запись не создана, существующая не изменена.",
                               tab=tab, key=tuple(key), current=now)
            if base is not None and (now is None or now.get("save_id") != base):
                who = f" ({user_name(snapshot, now.get('saved_by'))}, {fmt.moment_ru(now.get('saved_at'))})" if now else ""
                raise Conflict(f"Запись «{shown_key}» в листе «{table.title}» изменена после того, как вы её открыли{who}: "
                               "ваши изменения не записаны.", tab=tab, key=tuple(key), current=now)


def write(
    store: Store,
    user: User,
    changes: Mapping[str, Sequence[Mapping]],
    *,
    action: str | None = None,
    snapshot: Snapshot | None = None,
    expect: Expect | None = None,
    token: str | None = None,
    verify: Callable[[Snapshot, Mapping[str, list[dict]]], None] | None = None,
) -> SaveReceipt:
    """Check, then save ``changes`` and their audit rows in one atomic write.

    The rules, ``expect`` and the audit's "old" values are evaluated on the snapshot the store
    hands to ``Store.transact`` at the moment of writing, not on what a page read earlier
    (``snapshot`` is accepted for callers that have one, and no longer decides anything).
    Raises ``ValidationError`` (a field is wrong), ``Denied`` (not allowed), ``Conflict`` (the
    record changed meanwhile, or a new id is taken) or a storage error; in every case nothing
    is written and the caller still has what was typed.

    The records are parsed here, once; the store only stamps them (``Prepared``). ``token``: the
    submission's id (``lib.saving.service``), stored as the save's id — a save with that id already in
    the store is not written again and its receipt comes back (``repeated``), whichever server process
    made it. ``verify(fresh, parsed)``: a domain check on the store as it is at the moment of writing
    (a meeting's number and date taken meanwhile); it raises ``Rejected``.
    """
    del snapshot
    parsed, problems = {}, []
    for tab, records in changes.items():
        if not records:
            continue
        rows, found = prepare_records(store.schema[tab], records, user.login, "", "", keep_system=False)
        table = store.schema[tab]
        key_titles = " · ".join(table.column(k).title for k in table.record_key)
        found += [FieldProblem(table.title, j + 1, key_titles, f"та же запись, что и запись {i + 1} ({key_text(table, rows[j])}): "
                                                               "одна запись — один раз за сохранение")
                  for i, j in repeated(rows, table.record_key)]
        for row in rows:
            for k in ("saved_at", "saved_by", "save_id"):
                row.pop(k, None)
        parsed[tab], problems = rows, problems + found
    if problems:
        raise ValidationError(problems)
    if not parsed:
        raise ValueError("нечего сохранять")

    def build(fresh: Snapshot) -> dict[str, list[dict]]:
        if token:
            _already_saved(fresh, token, parsed)
        acting = fresh_user(fresh, user)
        check_expected(fresh, expect or {})
        if verify is not None:
            verify(fresh, parsed)
        audit, changed = [], {}
        for tab, rows in parsed.items():
            table = store.schema[tab]
            check(acting, table, rows, fresh)
            current = _current_by_key(fresh, table, [_key_of(table, r) for r in rows])
            # a record equal to its current version is not written again: no empty versions, no
            # "без изменений" lines in the audit, and an unchanged form says so instead of «Сохранено»
            rows = [r for r in rows if not _unchanged(table, current.get(_key_of(table, r)), r)]
            if rows:
                changed[tab] = rows
            for row in rows:
                old = current.get(_key_of(table, row))
                audit.append({
                    "event_id": uuid.uuid4().hex,
                    "entity": tab,
                    "record_key": key_text(table, row),
                    "action": action or ("создание" if old is None else "исправление"),
                    "changes": describe_change(table, old, row),
                })
        if not changed:
            raise NothingChanged()
        return Prepared({**changed, "audit": audit}, parsed=changed, save_id=token)

    # what build reads: the target tabs (expected versions, the audit's "old"), users and locks
    try:
        return store.transact(user.login, build, tabs={*parsed, "users", "locks", "returns"})
    except _AlreadySaved as done:
        return SaveReceipt(token, done.saved_at, done.rows, repeated=True)


def _already_saved(fresh: Snapshot, token: str, tabs) -> None:
    """Raise ``_AlreadySaved`` when rows of the save ``token`` are in the store already."""
    rows, at = {}, None
    for tab in tabs:
        frame = fresh.all_versions(tab)
        mine = frame[frame["save_id"] == token] if len(frame) else frame
        if len(mine):
            rows[tab] = len(mine)
            at = mine["saved_at"].iloc[0]
    if rows:
        raise _AlreadySaved(at, rows)


def fresh_user(snapshot: Snapshot, user: User) -> User:
    """The acting user as the store has them now: disabled since signing in -> refused; a changed
    role or participant counts at once. The command line acts for the server, not as a user."""
    if user.login.startswith("cli:"):
        return user
    users = snapshot.current("users")
    match = users[users["login"].str.lower() == user.login.lower()]
    if match.empty or match.iloc[-1].get("active") is False:
        raise Denied("Учётная запись отключена или удалена: изменения не принимаются. Обратитесь к координатору.")
    return User.from_row(match.iloc[-1].to_dict())


def audit_for(snapshot: Snapshot, tab: str, record: Mapping) -> pd.DataFrame:
    """The audit entries of one record, oldest first."""
    table = snapshot.schema[tab]
    audit = snapshot.all_versions("audit")
    return audit[(audit["entity"] == tab) & (audit["record_key"] == key_text(table, record))].reset_index(drop=True)


ACCEPTED_CHANGE = "принято изменение из таблицы"


def accept_manual_change(store: Store, user: User, change) -> SaveReceipt:
    """The coordinator takes a value typed in the shared sheet over a saved row (``port.ManualChange``): it is
    saved as a new version through ``write`` — the rules, the audit log («принято изменение из таблицы»),
    a closed quarter's lock (which only the coordinator passes) — and counts from then on. Until then the
    value the app saved stays current. Refused if the record was saved again since the value was typed."""
    from lib.core.parsing import ParseError, parse_value

    if user.role != "coordinator":
        raise Denied("Принять изменение, набранное в таблице вручную, может только координатор.")
    table = store.schema[change.tab]
    key = dict(zip(table.record_key, change.key))
    history = store.read_all().history(change.tab, **key)
    if history.empty or history["save_id"].iloc[-1] != change.save_id:
        raise StoreError(f"Запись «{change.record}» сохранена заново после того, как в таблице набрали «{change.column}» = "
                         f"{change.now}: изменение относится к прежней версии и не принято. Обновите страницу.")
    record = frame_records(table, history.tail(1), with_system=False)[0]
    try:
        record[change.field] = None if is_empty(change.cell) else parse_value(change.cell, table.column(change.field))
    except ParseError as err:
        raise ValidationError([FieldProblem(table.title, 1, change.column, f"набранное в таблице «{change.now}» не "
                                                                           f"понято: {err}")]) from err
    return write(store, user, {change.tab: [record]}, action=ACCEPTED_CHANGE)
