"""The one way a form saves (no Streamlit here): every form of the app — the monthly report, the debt
structure, claims work, plan execution, an Excel upload, assignments, the plan, meetings, attendance,
decisions, users, participants, settings, closing quarters, returns — hands a ``Submission`` to ``save``.

- **Parse once, check once, at save time.** The records are parsed once (``access.write``) and the store only
  stamps them; the rules (who may write what, closed quarters, the versions an edit was based on, ids that must
  be new) and the form's own domain check (``verify``: a meeting number and date taken meanwhile) run on the
  store as it is at the moment of writing, never on what the page read earlier.
- **One submit token per form state.** The page gives every state of a form one token (``FormTokens``); the
  token is stored as the save's id, so a repeated click, a rerun or a second server process submitting the same
  state stores nothing new and answers with the first save's result (``SaveResult.repeated``).
- **Refusals before anything is written**: hard errors (``EntryRejected``), values to confirm
  (``NeedsConfirmation``; a rule the person may not have the right to break is said first), then the write.
- **A result that says what was saved**: when, which version, what changed (``SaveResult.message``).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

from lib.auth import access
from lib.core import fmt
from lib.core.frames import frame_records
from lib.domain.monthly import Checked, EntryRejected, NeedsConfirmation, with_reasons
from lib.domain.rules import ToConfirm, unconfirmed
from lib.store.port import SaveReceipt, Snapshot, Store

MAX_CHANGES_SHOWN = 4


@dataclass
class Submission:
    """What one form asks to save."""

    changes: Mapping[str, Sequence[Mapping]]
    action: str | None = None
    expect: access.Expect | None = None
    errors: Sequence = ()  # findings or sentences: nothing is saved while there are any
    confirm: Sequence[ToConfirm] = ()  # unusual values: saved only when each is among ``confirmed``
    confirmed: Collection[str] = ()
    reason: str = ""  # why an accounting identity confirmed is broken: stored with the value (its «Предупреждения»)
    verify: Callable[[Snapshot, Mapping[str, list[dict]]], None] | None = None  # a domain check at save time


@dataclass(frozen=True)
class SaveResult:
    saved_at: str  # ISO, UTC
    version: int  # the version of the record(s) written (the highest, for a form of several records)
    changes: tuple[str, ...]  # «Оплачено 24 338,4 → 25 000»
    repeated: bool = False  # the same submission had been stored already: nothing was written again
    save_id: str = ""

    def message(self, zone=None) -> str:
        """«Сохранено 07.12.2026 14:05 · версия 3 · изменено: Оплачено 24 338,4 → 25 000»."""
        parts = [f"Сохранено {fmt.moment_ru(self.saved_at, zone)}"]
        if self.version:
            parts.append(f"версия {self.version}")
        if self.changes:
            shown = "; ".join(self.changes[:MAX_CHANGES_SHOWN])
            more = f" и ещё {len(self.changes) - MAX_CHANGES_SHOWN}" if len(self.changes) > MAX_CHANGES_SHOWN else ""
            parts.append(f"изменено: {shown}{more}")
        return " · ".join(parts)


def save(store: Store, user: access.User, submission: Submission, *, token: str | None = None) -> SaveResult:
    """Save one form. Raises ``EntryRejected`` / ``NeedsConfirmation`` / ``Denied`` / ``Rejected`` / ``Conflict`` /
    ``NothingChanged`` / a storage error; in every case nothing was written and the form keeps what was typed."""
    if submission.errors:
        raise EntryRejected(list(submission.errors))
    missing = unconfirmed(list(submission.confirm), submission.confirmed)
    if not missing and not submission.reason.strip():
        missing = [f for f in submission.confirm if f.reason]  # confirmed, but the reason is not stated
    if missing:
        snap = store.read_all()  # «not yours / quarter closed» is said before «please confirm»
        acting = access.fresh_user(snap, user)
        for tab, records in submission.changes.items():
            if records:
                access.check(acting, snap.schema[tab], _parsed(snap, tab, records), snap)
        raise NeedsConfirmation(missing)
    changes = dict(submission.changes)
    if any(f.reason for f in submission.confirm) and changes.get("monthly_reports"):
        changes["monthly_reports"] = with_reasons(list(changes["monthly_reports"]), list(submission.confirm), submission.reason.strip())
    receipt = access.write(store, user, changes, action=submission.action, expect=submission.expect, token=token,
                           verify=submission.verify)
    return result_of(store.read_all(), receipt)


def _parsed(snap: Snapshot, tab: str, records) -> list[dict]:
    from lib.store.port import prepare_records

    rows, _ = prepare_records(snap.schema[tab], records, "", "", "", keep_system=False)
    return rows


def result_of(snapshot: Snapshot, receipt: SaveReceipt) -> SaveResult:
    """The result of the save ``receipt`` as the store holds it: the version written and, for a record that had
    one before, what changed (fields as people read them; codes and ids are never shown)."""
    version, changes = 0, []
    for tab in receipt.rows:
        if tab == "audit":
            continue
        table = snapshot.schema[tab]
        frame = snapshot.all_versions(tab)
        if not len(frame) or "version" not in frame:
            continue
        mine = frame[frame["save_id"] == receipt.save_id]
        if not len(mine):
            continue
        version = max(version, int(mine["version"].max()))
        shown_fields = [c for c in table.data_columns if c.key not in table.record_key and not c.key.endswith("_id")
                        and c.key != "warnings"]
        for i, record in enumerate(frame_records(table, mine)):
            row = mine.iloc[i]
            if int(row["version"]) <= 1:
                continue
            mask = frame["version"] == int(row["version"]) - 1
            for k in table.record_key:
                mask &= frame[k] == row[k]
            before = frame_records(table, frame[mask.fillna(False)])
            if not before:
                continue
            for c in shown_fields:
                old, new = before[0].get(c.key), record.get(c.key)
                if fmt.shown(c, old) != fmt.shown(c, new):
                    changes.append(f"{c.title} {fmt.shown(c, old)} → {fmt.shown(c, new)}")
    return SaveResult(receipt.saved_at, version, tuple(changes), receipt.repeated, receipt.save_id)


# ---- forms of «Ввод данных» ---------------------------------------------------------------------


def checked_form(tab: str, checked: Checked, *, confirmed=(), base: Mapping | None = None, schema=None,
                 action: str | None = None, reason: str = "") -> Submission:
    """A checked entry form (``lib.domain.monthly.check_*``); ``base``: record key -> the version the person's edit
    was based on (None: not stored), every record written only while it is still at that version."""
    from lib.core.schema import schema as project_schema

    keys = (schema or project_schema())[tab].record_key
    expect = None if base is None else {tab: {k: base[k] for k in (tuple(r[f] for f in keys) for r in checked.records) if k in base}}
    return Submission({tab: checked.records}, action=action, expect=expect, errors=list(checked.errors), confirm=list(checked.confirm),
                      confirmed=tuple(confirmed), reason=reason)


def upload_form(result, confirmed=(), reason: str = "") -> Submission:
    """A checked Excel file (``lib.files.excel_forms.check_upload``): everything in it in one save."""
    return Submission(result.changes, action="загрузка из Excel", errors=list(result.errors), confirm=list(result.confirm),
                      confirmed=tuple(confirmed), reason=reason)


def save_checked(store: Store, user: access.User, tab: str, checked: Checked, confirmed=(), base: Mapping | None = None,
                 token: str | None = None, reason: str = "") -> SaveResult:
    return save(store, user, checked_form(tab, checked, confirmed=confirmed, base=base, schema=store.schema, reason=reason), token=token)


def save_upload(store: Store, user: access.User, result, confirmed=(), token: str | None = None, reason: str = "") -> SaveResult:
    return save(store, user, upload_form(result, confirmed, reason), token=token)


# ---- one token per form state -----------------------------------------------------------------------


def state_digest(*parts) -> str:
    """A fingerprint of a form's state (what it would save, on which versions)."""
    return hashlib.sha1(repr(parts).encode()).hexdigest()


@dataclass
class FormTokens:
    """form -> (state digest, token): the same state keeps its token (a repeated click, a rerun), a changed one gets
    a new token. Kept where the form's session keeps its state (the page's session)."""

    tokens: dict[str, tuple[str, str]] = field(default_factory=dict)

    def token(self, form: str, digest: str) -> str:
        known = self.tokens.get(form)
        if known is None or known[0] != digest:
            known = self.tokens[form] = (digest, uuid.uuid4().hex)
        return known[1]
