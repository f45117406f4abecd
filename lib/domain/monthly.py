"""Monthly entry for one participant: which month is due, its status, the forms pre-filled,
and the checks of each form (saved through lib.saving.service: one storage call per form).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lib.auth import access
from lib.core import fmt, memo
from lib.core.parsing import ParseError, is_empty, parse_value
from lib.domain.categories import BUCKETS, MONEY_FIELDS, group_labels, resource_labels
from lib.domain.filing import corrections
from lib.domain.metrics import closing_debt
from lib.domain.periods import closed_quarters, lock_message, open_return, quarter_label, quarter_of, shift_month
from lib.domain.registry import Registry, duplicates, split_refs
from lib.domain.rules import (
    MAGNITUDE_FLOOR,
    REASON_MARK,
    Finding,
    ToConfirm,
    check_month,
    identity_findings,
    magnitude_findings,
    monthly_errors,
    monthly_warnings,
    structure_errors,
)
from lib.store.port import Snapshot, StoreError, not_saved

STATUS_LABELS = {
    "not_filed": "не подан",
    "overdue": "не подан, срок прошёл",
    "on_time": "подан в срок",
    "late": "подан с опозданием",
    "returned": "возвращён на доработку",
    "locked": "закрыт",
}
CLAIMS_FIELDS = (
    "debtors_over_threshold", "notices_sent", "supply_restricted", "court_applications", "court_applications_sum",
    "court_decisions", "court_decisions_sum", "writs_sent", "writs_sent_sum", "writs_returned", "restructuring",
    "restructuring_sum", "bad_debt_written_off", "penalties_waived", "eviction_suits",
)


class EntryRejected(StoreError):
    """Hard errors: nothing was saved. ``findings`` name form, row and field in Russian."""

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        super().__init__(not_saved(findings))


# ---- months -----------------------------------------------------------------


def month_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def last_fileable_month(today: dt.date) -> str:
    """Month M can be filed from the 1st of M+1: on any day, the previous month is the latest."""
    return shift_month(month_of(today), -1)


def selectable_months(today: dt.date, settings) -> list[str]:
    """Months a participant may open, newest first: from the plan's start to the latest fileable."""
    last = min(last_fileable_month(today), settings["plan_end"])
    first = settings["plan_start"]
    months, m = [], last
    while m >= first:
        months.append(m)
        m = shift_month(m, -1)
    return months


def due_month(today: dt.date, settings) -> str:
    """The month now due (the picker's default): the latest fileable one within the plan."""
    months = selectable_months(today, settings)
    return months[0] if months else settings["plan_start"]


def deadline(month: str, due_day: int) -> dt.date:
    nxt = shift_month(month, 1)
    return dt.date(int(nxt[:4]), int(nxt[5:7]), due_day)


# ---- status -----------------------------------------------------------------


@dataclass(frozen=True)
class MonthStatus:
    code: str
    detail: str = ""

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.code]


def filed_at(snapshot: Snapshot, participant_id: str, month: str) -> str | None:
    """When the month was first filed (corrections later do not make it late)."""
    mine = _rows(snapshot, "monthly_reports", participant_id, month, every=True)
    return mine["saved_at"].min() if len(mine) else None


def local_date(iso: str, zone=None) -> dt.date:
    """The date of a stored UTC moment in the district's time zone (setting «time_zone»)."""
    return fmt.local_moment(iso, zone).date()


def month_status(snapshot: Snapshot, participant_id: str, month: str, settings, today: dt.date | None = None) -> MonthStatus:
    """``today`` (the district's date) tells a month not filed yet from one past its deadline."""
    return _memo(snapshot, "month_status", (participant_id, month, _settings_key(settings), today, fmt.district_zone()),
                 lambda: _month_status(snapshot, participant_id, month, settings, today))


def _month_status(snapshot: Snapshot, participant_id: str, month: str, settings, today: dt.date | None) -> MonthStatus:
    closed = closed_quarters(snapshot)
    if quarter_of(month) in closed:
        return MonthStatus("locked", lock_message(quarter_of(month), closed[quarter_of(month)]))
    returned = open_return(snapshot, participant_id, month)
    if returned:
        return MonthStatus("returned", f"Причина: {returned['reason']}")
    first = filed_at(snapshot, participant_id, month)
    if first is None:
        due = deadline(month, settings["report_due_day"])
        if today is not None and today > due:
            late = (today - due).days
            return MonthStatus("overdue", f"срок был до {fmt.date_ru(due)} включительно — просрочено на {late} {days_word(late)}. "
                                          "Подайте отчёт как можно скорее.")
        return MonthStatus("not_filed", f"срок — до {fmt.date_ru(due)} включительно")
    when = local_date(first, getattr(settings, "zone", None))
    due = deadline(month, settings["report_due_day"])
    code = "on_time" if when <= due else "late"  # judged on the first filing (lib.domain.filing)
    text = f"подан {fmt.date_ru(when)}, срок — {fmt.date_ru(due)}"
    fixed = corrections(snapshot, getattr(settings, "zone", None))
    fixed = fixed[(fixed.participant_id == participant_id) & (fixed.month == month) & fixed.corrected_on.notna()]
    if len(fixed):
        r = fixed.iloc[0]
        text += (f" · исправлен после возврата {fmt.date_ru(r.corrected_on)} (возвращён {fmt.date_ru(r.returned_on)}, "
                 f"причина: {r.return_reason})")
    return MonthStatus(code, text)


def days_word(n: int) -> str:
    """1 день, 2 дня, 5 дней, 11 дней, 21 день."""
    if n % 10 == 1 and n % 100 != 11:
        return "день"
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return "дня"
    return "дней"


# ---- forms ------------------------------------------------------------------


def participant(snapshot: Snapshot, participant_id: str) -> dict:
    return dict(_memo(snapshot, "participant", participant_id, lambda: _participant(snapshot, participant_id)))


def _participant(snapshot: Snapshot, participant_id: str) -> dict:
    rows = snapshot.current("participants")
    match = rows[rows.id == participant_id]
    if match.empty:
        raise StoreError(f"Участник «{participant_id}» не найден в справочнике.")
    return match.iloc[0].to_dict()


def names(snapshot: Snapshot) -> dict[str, str]:
    def build():
        p = snapshot.current("participants")
        return dict(zip(p["id"], p["name"]))

    return dict(memo.per_snapshot(snapshot, "monthly.names", build))


# ---- once per snapshot --------------------------------------------------------
# A page reruns on every click and keystroke over the same snapshot (lib.core.memo): what depends on the stored data
# only — a participant's month's rows, the month's status, history and forms, the references of the ×20 rule — is
# computed once per snapshot; what the person typed is checked on every run. Frames and dicts are handed out as
# copies (a caller may change its own).


def _settings_key(settings) -> tuple:
    """The settings as a key (``Settings``, or a plain mapping of them)."""
    values = settings.values if isinstance(getattr(settings, "values", None), dict) else settings
    return tuple(sorted((k, repr(v)) for k, v in values.items()))


def _memo(snapshot: Snapshot, name: str, key, build):
    """``build()`` once per snapshot and key (every participant and month a session opens is kept with the snapshot)."""
    return memo.recent(snapshot, f"monthly.{name}", key, build, keep=256)


def _rows(snapshot: Snapshot, tab: str, participant_id: str, month: str, every: bool = False) -> pd.DataFrame:
    """The rows of one participant's month: its current versions, or ``every`` version, oldest first. The positions
    of each (participant, month) are found once per snapshot (a filter over the whole tab took ≈ 3 ms a call)."""
    def build():
        frame = snapshot.all_versions(tab) if every else snapshot.current(tab)
        return frame, frame.groupby(["participant_id", "month"], sort=False, observed=True).indices

    frame, where = memo.per_snapshot(snapshot, f"monthly.rows:{tab}:{every}", build)
    found = where.get((participant_id, month))
    return frame.iloc[found] if found is not None else frame.iloc[:0]


def _current(snapshot: Snapshot, tab: str, participant_id: str, month: str) -> pd.DataFrame:
    return _rows(snapshot, tab, participant_id, month)


def _earlier(snapshot: Snapshot, tab: str, participant_id: str, month: str) -> pd.DataFrame:
    """The current rows of the participant's earlier months (read only: the month's checks compare with them)."""
    def build():
        frame = snapshot.current(tab)
        return frame[(frame.participant_id == participant_id) & (frame.month < month)]

    return _memo(snapshot, "earlier", (tab, participant_id, month), build)


def monthly_form(snapshot: Snapshot, participant_id: str, month: str) -> pd.DataFrame:
    """One row per settlement served × consumer group; filed values, or the debt at start carried
    over from last month's closing balance when the month is new."""
    return _memo(snapshot, "monthly_form", (participant_id, month), lambda: _monthly_form(snapshot, participant_id, month)).copy()


def _monthly_form(snapshot: Snapshot, participant_id: str, month: str) -> pd.DataFrame:
    who = participant(snapshot, participant_id)
    settlements = split_refs(who.get("serves"))
    filed = _current(snapshot, "monthly_reports", participant_id, month).set_index(["settlement_id", "consumer_group"])
    prev = _current(snapshot, "monthly_reports", participant_id, shift_month(month, -1)).set_index(["settlement_id", "consumer_group"])
    rows = []
    for settlement in settlements:
        for group in ("population", "other"):
            row = {"settlement_id": settlement, "consumer_group": group}
            if (settlement, group) in filed.index:
                f = filed.loc[(settlement, group)]
                row.update({k: f[k] for k in MONEY_FIELDS})
            else:
                row.update(dict.fromkeys(MONEY_FIELDS, np.nan))
                if (settlement, group) in prev.index:
                    p = prev.loc[(settlement, group)]
                    row["debt_start"] = round(closing_debt(p.debt_start, p.accrued, p.paid,
                                                           p.written_off if pd.notna(p.written_off) else 0.0), 3)
            rows.append(row)
    return pd.DataFrame(rows, columns=["settlement_id", "consumer_group", *MONEY_FIELDS]).astype(
        {k: "float64" for k in MONEY_FIELDS})


def previous_values(snapshot: Snapshot, participant_id: str, month: str) -> pd.DataFrame:
    return _current(snapshot, "monthly_reports", participant_id, shift_month(month, -1))


def resources_of(snapshot: Snapshot, participant_id: str) -> list[str]:
    who = participant(snapshot, participant_id)
    listed = split_refs(who.get("resources"))
    if listed:
        return listed
    used = snapshot.current("debt_structure")
    return sorted(set(used[used.participant_id == participant_id]["resource"])) or ["heating"]


def structure_form(snapshot: Snapshot, participant_id: str, month: str) -> pd.DataFrame:
    return _memo(snapshot, "structure_form", (participant_id, month), lambda: _structure_form(snapshot, participant_id, month)).copy()


def _structure_form(snapshot: Snapshot, participant_id: str, month: str) -> pd.DataFrame:
    who = participant(snapshot, participant_id)
    filed = _current(snapshot, "debt_structure", participant_id, month).set_index(["settlement_id", "consumer_group", "resource"])
    rows = []
    for settlement in split_refs(who.get("serves")):
        for group in ("population", "other"):
            for resource in resources_of(snapshot, participant_id):
                row = {"settlement_id": settlement, "consumer_group": group, "resource": resource}
                key = (settlement, group, resource)
                row.update({b: filed.loc[key, b] if key in filed.index else np.nan for b in BUCKETS})
                rows.append(row)
    return pd.DataFrame(rows, columns=["settlement_id", "consumer_group", "resource", *BUCKETS]).astype(
        {b: "float64" for b in BUCKETS})


def claims_form(snapshot: Snapshot, participant_id: str, month: str) -> dict:
    return dict(_memo(snapshot, "claims_form", (participant_id, month), lambda: _claims_form(snapshot, participant_id, month)))


def _claims_form(snapshot: Snapshot, participant_id: str, month: str) -> dict:
    filed = _current(snapshot, "claims_work", participant_id, month)
    if filed.empty:
        return dict.fromkeys(CLAIMS_FIELDS)
    row = filed.iloc[0]
    return {k: (None if pd.isna(row[k]) else row[k]) for k in CLAIMS_FIELDS}


# ---- checks and saves -------------------------------------------------------


def _row_label(snapshot: Snapshot):
    who = names(snapshot)
    groups = group_labels()

    def label(settlement, group=None):
        if group is None:  # called with a row
            settlement, group = settlement.settlement_id, settlement.consumer_group
        return f"{who.get(settlement, settlement)}, {groups.get(group, group)}"

    return label


def _structure_label(snapshot: Snapshot):
    line = _row_label(snapshot)
    resources = resource_labels()
    return lambda r: f"{line(r['settlement_id'], r['consumer_group'])}, {resources.get(r['resource'], r['resource'])}"


def _raw(value):
    """A cell as the browser or the file sent it; pandas' missing markers become None."""
    return None if is_empty(value) else value


def _typed(snapshot: Snapshot, tab: str, records: list[dict], label) -> tuple[list[dict], list[Finding], set]:
    """Parse each field with the schema's rules; a bad cell becomes a finding naming its row and field.

    Returns the typed records, the findings and the (record position, field) of each cell typed but refused."""
    table = snapshot.schema[tab]
    typed, found, bad = [], [], set()
    for i, record in enumerate(records):
        row = {}
        for c in table.data_columns:
            try:
                row[c.key] = parse_value(record.get(c.key), c)
            except ParseError as err:
                row[c.key] = None
                if not is_empty(record.get(c.key)):  # typed but refused (an empty required cell is just «to fill»)
                    bad.add((i, c.key))
                found.append(Finding(table.title, label(record), c.title, str(err)))
        typed.append(row)
    return typed, found, bad


@dataclass
class Checked:
    records: list[dict]  # typed, as they will be stored
    errors: list[Finding]
    warnings: list[Finding]
    confirm: list[ToConfirm] = field(default_factory=list)  # saved only once confirmed (×20 / ÷20)
    bad: set = field(default_factory=set)  # (record position, field) the parser refused
    columns: tuple[str, ...] = ()  # the frame's columns when there are no records

    def frame(self, numbers: tuple[str, ...]) -> pd.DataFrame:
        """The typed records as a frame; refused or empty figures are NaN."""
        frame = pd.DataFrame(self.records) if self.records else pd.DataFrame(columns=list(self.columns))
        return frame.astype({k: "float64" for k in numbers if k in frame})


class NeedsConfirmation(EntryRejected):
    """Values ≥ ×20 / ≤ ÷20 of the usual that the person has not confirmed: nothing was saved."""

    def __init__(self, findings: list[ToConfirm]):
        self.findings = findings
        StoreError.__init__(self, "Не сохранено: подтвердите необычные значения — " + "; ".join(str(f) for f in findings[:5])
                            + (f" и ещё {len(findings) - 5}" if len(findings) > 5 else ""))


def _filer_errors(snapshot: Snapshot, participant_id: str, tab: str) -> list[Finding]:
    problem = Registry(snapshot).filer_problem(participant_id, tab)
    return [Finding(snapshot.schema[tab].title, "", "", problem)] if problem else []


def _line_errors(snapshot: Snapshot, tab: str, participant_id: str, typed: list[dict], label, resources=False) -> list[Finding]:
    """Settlements served, resources supplied, and no line twice (keys the form itself did not build)."""
    registry = Registry(snapshot)
    title = snapshot.schema[tab].title
    supplied = resources_of(snapshot, participant_id) if resources else ()
    out = []
    for r in typed:
        if r.get("settlement_id") is None or (resources and r.get("resource") is None):
            continue  # the missing key is already a parse finding
        problem = registry.line_problem(participant_id, r["settlement_id"], r["resource"] if resources else None, supplied)
        if problem:
            out.append(Finding(title, label(r), "", problem))
    key = [k for k in snapshot.schema[tab].record_key]
    return out + duplicates(typed, key, title, label)


def _references(snapshot: Snapshot, tab: str, participant_id: str, month: str, line: tuple[str, ...]):
    """For the ×20 rule: the same line last month, else the line's median over earlier months."""
    return _memo(snapshot, "references", (tab, participant_id, month, line), lambda: _reference_of(snapshot, tab, participant_id, month, line))


def _reference_of(snapshot: Snapshot, tab: str, participant_id: str, month: str, line: tuple[str, ...]):
    history = _earlier(snapshot, tab, participant_id, month)
    last = shift_month(month, -1)
    groups = dict(iter(history.groupby(list(line), sort=False))) if line else {(): history}
    found: dict[tuple, tuple | None] = {}

    def reference(row: dict, field_key: str):
        key = (tuple(row[k] for k in line), field_key)
        if key not in found:
            own = groups.get(key[0])
            values = own[field_key].dropna() if own is not None else pd.Series(dtype=float)
            previous = values[own.loc[values.index, "month"] == last] if len(values) else values
            found[key] = ((float(previous.iloc[-1]), f"в прошлом месяце ({fmt.month_label(last)})") if len(previous) else
                          (float(values.median()), "обычно (медиана прошлых месяцев)") if len(values) else None)
        return found[key]

    return reference


def _confirmations(snapshot: Snapshot, tab: str, participant_id: str, month: str, typed: list[dict], fields, label) -> list[ToConfirm]:
    table = snapshot.schema[tab]
    line = tuple(k for k in table.record_key if k not in ("participant_id", "month"))
    titles = {k: (table.column(k).title, MAGNITUDE_FLOOR.get(table.column(k).type, 0.0)) for k in fields}

    def token(r, field_key, value):
        return f"{tab}|{'·'.join(str(r.get(k)) for k in table.record_key)}|{field_key}|{value!r}"

    # a confirmation belongs to the stored value: a value saved before (so confirmed then) is not asked about
    # again while it is unchanged (issue 23, item 8: «0,789 — в 66 раз меньше» was asked on every save of the month)
    stored = {tuple(r[k] for k in table.record_key): r for r in _current(snapshot, tab, participant_id, month).to_dict("records")}
    asked = []
    for r in typed:
        before = stored.get(tuple(r.get(k) for k in table.record_key))
        asked.append(r if before is None else {**r, **{k: None for k in fields if _stored_same(before.get(k), r.get(k))}})
    return magnitude_findings(table.title, asked, titles, _references(snapshot, tab, participant_id, month, line), label, token)


IDENTITY_FIELDS = ("debt_start", "accrued", "paid", "written_off")


def _identities(snapshot: Snapshot, participant_id: str, month: str, typed: list[dict], label) -> list[ToConfirm]:
    """Accounting identities broken (``rules.identity_findings``); a line stored with the same figures was
    confirmed when it was saved and is not asked about again."""
    table = snapshot.schema["monthly_reports"]
    stored = {tuple(r[k] for k in table.record_key): r for r in _current(snapshot, "monthly_reports", participant_id, month).to_dict("records")}

    def token(r, field_key, values):
        return f"monthly_reports|{'·'.join(str(r.get(k)) for k in table.record_key)}|identity:{field_key}|{values!r}"

    asked = []
    for r in typed:
        before = stored.get(tuple(r.get(k) for k in table.record_key))
        if before is None or not all(_stored_same(before.get(k), r.get(k)) or (is_empty(before.get(k)) and is_empty(r.get(k)))
                                     for k in IDENTITY_FIELDS):
            asked.append(r)
    return identity_findings(asked, label, token)


def with_reasons(records: list[dict], findings: list[ToConfirm], reason: str) -> list[dict]:
    """The records with each confirmed identity and its reason added to their «Предупреждения» (stored with the
    value; the quality panel shows it)."""
    if not reason:
        return records
    out = []
    for r in records:
        mine = [f for f in findings if f.reason and f.token.split("|")[1] == _key_text(r)]
        if mine:
            note = "; ".join(f"{REASON_MARK}: {f.field} — {f.message.split(' (задолженность')[0]}; причина: {reason}" for f in mine)
            r = {**r, "warnings": "; ".join(x for x in (r.get("warnings"), note) if x)[:2000]}
        out.append(r)
    return out


def _key_text(r: dict) -> str:
    return "·".join(str(r.get(k)) for k in ("participant_id", "settlement_id", "month", "consumer_group"))


def _stored_same(stored, value) -> bool:
    if is_empty(stored) or is_empty(value):
        return False
    try:
        return float(stored) == float(value)
    except (TypeError, ValueError):
        return False


def check_monthly(snapshot: Snapshot, participant_id: str, month: str, form: pd.DataFrame,
                  today: dt.date, settings) -> Checked:
    """``form``: one row per line with the keys the server built and the figures as typed (text or numbers)."""
    label = _row_label(snapshot)
    line_label = lambda r: label(r.get("settlement_id"), r.get("consumer_group"))
    filer = _filer_errors(snapshot, participant_id, "monthly_reports")
    errors = check_month(month, settings["plan_start"], last_fileable_month(today)) + filer
    records = [
        {"participant_id": participant_id, "month": month, "settlement_id": _raw(r.get("settlement_id")),
         "consumer_group": _raw(r.get("consumer_group")), **{k: _raw(r.get(k)) for k in MONEY_FIELDS}}
        for r in form.to_dict("records")
    ]
    typed, found, bad = _typed(snapshot, "monthly_reports", records, line_label)
    errors += found
    keyed = _line_errors(snapshot, "monthly_reports", participant_id, typed, line_label) if not filer else []
    checked = Checked(typed, errors + keyed, [], bad=bad, columns=("settlement_id", "consumer_group", *MONEY_FIELDS))
    if filer:
        return checked
    if keyed or not typed:
        return checked  # the cross-field rules need each line once, and known
    frame = checked.frame(MONEY_FIELDS)
    checked.errors += monthly_errors(frame, label)
    checked.confirm = _confirmations(snapshot, "monthly_reports", participant_id, month, typed, MONEY_FIELDS, line_label)
    checked.confirm += _identities(snapshot, participant_id, month, typed, line_label)
    history = _earlier(snapshot, "monthly_reports", participant_id, month)
    asked = {(f.row, f.field) for f in checked.confirm}
    warnings = [w for w in monthly_warnings(frame, previous_values(snapshot, participant_id, month), history, label)
                if (w.row, w.field) not in asked]  # the ×5 warning is covered by the ×20 confirmation
    saved_structure = _current(snapshot, "debt_structure", participant_id, month)
    if len(saved_structure):
        warnings += [Finding(f.form, f.row, f.field, f.message + " — обновите структуру задолженности")
                     for f in structure_errors(saved_structure, frame, label)]
    for record in typed:
        mine = [f.message if not f.field else f"{f.field}: {f.message}" for f in warnings if f.row == line_label(record)]
        record["warnings"] = "; ".join(mine) or None
    checked.warnings = warnings
    return checked


def check_structure(snapshot: Snapshot, participant_id: str, month: str, form: pd.DataFrame,
                    monthly: pd.DataFrame | None, today: dt.date, settings) -> Checked:
    """``monthly``: the monthly report on screen (else the saved one) — buckets must sum to its overdue."""
    label = _row_label(snapshot)
    line_label = _structure_label(snapshot)
    filer = _filer_errors(snapshot, participant_id, "debt_structure")
    errors = check_month(month, settings["plan_start"], last_fileable_month(today)) + filer
    records = [
        {"participant_id": participant_id, "month": month, "settlement_id": _raw(r.get("settlement_id")),
         "consumer_group": _raw(r.get("consumer_group")), "resource": _raw(r.get("resource")),
         **{b: _raw(r.get(b)) for b in BUCKETS}}
        for r in form.to_dict("records")
    ]
    typed, found, bad = _typed(snapshot, "debt_structure", records, line_label)
    errors += found
    keyed = _line_errors(snapshot, "debt_structure", participant_id, typed, line_label, resources=True) if not filer else []
    checked = Checked(typed, errors + keyed, [], bad=bad)
    if filer or keyed or found or not typed:
        return checked
    against = monthly if monthly is not None else _current(snapshot, "monthly_reports", participant_id, month)
    if against is not None and len(against) and against.duplicated(["settlement_id", "consumer_group"]).any():
        return checked  # the monthly report itself repeats a line: that is reported there
    checked.errors += structure_errors(pd.DataFrame(typed), against, label)
    checked.confirm = _confirmations(snapshot, "debt_structure", participant_id, month, typed, BUCKETS, line_label)
    return checked


def check_claims(snapshot: Snapshot, participant_id: str, month: str, values: dict, today: dt.date, settings) -> Checked:
    errors = check_month(month, settings["plan_start"], last_fileable_month(today)) + _filer_errors(snapshot, participant_id, "claims_work")
    record = {"participant_id": participant_id, "month": month, **{k: _raw(values.get(k)) for k in CLAIMS_FIELDS}}
    typed, found, bad = _typed(snapshot, "claims_work", [record], lambda r: "")
    checked = Checked(typed, errors + found, [], bad=bad)
    if not found:
        checked.confirm = _confirmations(snapshot, "claims_work", participant_id, month, typed, CLAIMS_FIELDS, lambda r: "")
    return checked


# ---- plan progress and a settlement's territory ------------------------------


def plan_form(snapshot: Snapshot, participant_id: str, month: str) -> pd.DataFrame:
    """The plan measures this participant reports on (by its kind) for the chosen month: each in its
    own report period (the month for monthly reports, else the month's quarter), with what was filed."""
    return _memo(snapshot, "plan_form", (participant_id, month), lambda: _plan_form(snapshot, participant_id, month)).copy()


def _plan_form(snapshot: Snapshot, participant_id: str, month: str) -> pd.DataFrame:
    from lib.domain.schedule import report_frequency, report_periods, rule_of

    kind = participant(snapshot, participant_id)["kind"]
    plan = snapshot.current("plan")
    plan = plan[plan["retired"].fillna(False) == False]  # noqa: E712 - nullable boolean
    mine = plan[[kind in split_refs(k) for k in plan["executor_kinds"]]]
    progress = snapshot.current("plan_progress")
    progress = progress[progress.participant_id == participant_id].set_index(["measure_id", "period"])
    rows = []
    for m in mine.to_dict("records"):
        rule = rule_of(m, int(month[:4]))
        periods = report_periods(rule, report_frequency(m.get("report_deadline"), rule), [month])
        if not periods:
            continue  # a one-off measure of another month
        period = periods[0]
        filed = progress.loc[(m["measure_id"], period)] if (m["measure_id"], period) in progress.index else None
        rows.append({
            "measure_id": m["measure_id"],
            "period": period,
            "Пункт": m["item_no"] if isinstance(m["item_no"], str) else "",
            "Мероприятие": m["measure"],
            "Период": quarter_label(period) if "-Q" in period else fmt.month_label(period),
            "status": filed["status"] if filed is not None else None,
            "indicator_value": filed["indicator_value"] if filed is not None else float("nan"),
            "done_text": filed["done_text"] if filed is not None and isinstance(filed["done_text"], str) else None,
        })
    return pd.DataFrame(rows, columns=["measure_id", "period", "Пункт", "Мероприятие", "Период", "status", "indicator_value", "done_text"])


PLAN_EDITABLE = ("status", "indicator_value", "done_text")


def filed_rows(form: pd.DataFrame) -> pd.DataFrame:
    """The rows of the plan form that are being filed: those with a status, and those where anything was typed
    without one (checked too: such a row is refused with a message naming it, never silently left out)."""
    if not len(form):
        return form
    return form[[any(not is_empty(r.get(k)) for k in PLAN_EDITABLE) for r in form.to_dict("records")]]


def check_plan(snapshot: Snapshot, participant_id: str, form: pd.DataFrame, today: dt.date | None = None) -> Checked:
    """Rows with a status are filed; a row without one and with nothing typed is simply not reported yet, a row
    with values and no status is refused (issue 23, item 1: it was left out without a word). ``form``: the
    server's ``plan_form`` with the person's edits of ``PLAN_EDITABLE`` applied."""
    table = snapshot.schema["plan_progress"]
    registry = Registry(snapshot)
    last = last_fileable_month(today or dt.date.today())
    label = lambda r: f"п. {r.get('Пункт') or r.get('measure_id')}"
    filer = registry.filer_problem(participant_id, "plan_progress")
    errors = [Finding(table.title, "", "", filer)] if filer else []
    rows = filed_rows(form).to_dict("records")
    records = [{"measure_id": _raw(r.get("measure_id")), "participant_id": participant_id, "period": _raw(r.get("period")),
                "status": _raw(r.get("status")), "indicator_value": _raw(r.get("indicator_value")),
                "done_text": _raw(r.get("done_text"))} for r in rows]
    typed, found, bad = _typed(snapshot, "plan_progress", [{**rec, "Пункт": r.get("Пункт")} for rec, r in zip(records, rows)], label)
    status = table.column("status").title
    errors += [f for f in found if f.field != status]  # a missing status is said below, with what was typed
    for r, t in zip(rows, typed):
        problem = registry.measure_problem(participant_id, t["measure_id"], t["period"], last) if t["measure_id"] else None
        if problem:
            errors.append(Finding(table.title, label(r), "", problem))
    for r in rows:
        if is_empty(r.get("status")):
            typed_in = [f"«{table.column(k).title}»" for k in PLAN_EDITABLE if k != "status" and not is_empty(r.get(k))]
            errors.append(Finding(table.title, label(r), table.column("status").title,
                                  f"выберите статус: в строке введено {', '.join(typed_in)}, а без статуса она не сохраняется "
                                  "(или очистите введённое)"))
    errors += duplicates([{**t, "Пункт": r.get("Пункт")} for r, t in zip(rows, typed)], table.record_key, table.title, label)
    if not typed:
        errors.append(Finding(table.title, "", "Статус", "отметьте статус хотя бы одного мероприятия"))
    return Checked(typed, errors, [], bad=bad)


def territory_debt(snapshot: Snapshot, settlement_id: str, month: str) -> pd.DataFrame:
    """A settlement's read-only view: what every utility reported for its territory that month."""
    reports = snapshot.current("monthly_reports")
    return reports[(reports.settlement_id == settlement_id) & (reports.month == month)]


def saved_note(snapshot: Snapshot, tab: str, participant_id: str, month: str, periods=None) -> str:
    """Under each save button, what the store holds for this form: when it was last saved, by whom, how
    many times — it stays on the page (a «Сохранено.» message is gone with the next action)."""
    key = (tab, participant_id, month, None if periods is None else frozenset(periods), fmt.district_zone())  # moments shown in it
    return _memo(snapshot, "saved_note", key, lambda: _saved_note(snapshot, tab, participant_id, month, periods))


def _saved_note(snapshot: Snapshot, tab: str, participant_id: str, month: str, periods) -> str:
    if periods is None:
        rows = _rows(snapshot, tab, participant_id, month, every=True)
    else:
        rows = snapshot.all_versions(tab)
        rows = rows[(rows.participant_id == participant_id) & rows.period.isin(list(periods))]
    if rows.empty:
        return "В базе: ещё не сохранялось."
    last = rows.loc[rows.saved_at.idxmax()]
    who = access.user_name(snapshot, last.saved_by)
    return f"В базе: последнее сохранение {fmt.moment_ru(last.saved_at)}, {who}; сохранений — {rows.save_id.nunique()}."


def month_history(snapshot: Snapshot, participant_id: str, month: str) -> pd.DataFrame:
    """Every save of this participant's month, oldest first: when, who, which forms, what changed."""
    key = (participant_id, month, fmt.district_zone())  # moments shown in it
    return _memo(snapshot, "month_history", key, lambda: _month_history(snapshot, participant_id, month)).copy()


def _month_history(snapshot: Snapshot, participant_id: str, month: str) -> pd.DataFrame:
    tabs = ("monthly_reports", "debt_structure", "claims_work")
    parts = []
    for tab in tabs:
        rows = _rows(snapshot, tab, participant_id, month, every=True)
        parts.append(rows[["save_id", "saved_at", "saved_by"]].assign(form=snapshot.schema[tab].title))
    saves = pd.concat(parts, ignore_index=True)
    if saves.empty:
        return pd.DataFrame(columns=["Когда", "Кто", "Формы", "Изменения"])
    audit = snapshot.all_versions("audit")
    audit = audit[audit.save_id.isin(set(saves.save_id)) & (audit.entity.isin(tabs))]
    changes = audit.groupby("save_id")["changes"].apply(lambda c: " | ".join(x for x in c if isinstance(x, str)))
    grouped = saves.groupby("save_id", sort=False).agg(saved_at=("saved_at", "min"), saved_by=("saved_by", "first"),
                                                       forms=("form", lambda f: ", ".join(dict.fromkeys(f))))
    grouped = grouped.sort_values("saved_at")
    return pd.DataFrame({
        "Когда": [fmt.moment_ru(t) for t in grouped.saved_at], "Кто": [access.user_name(snapshot, u) for u in grouped.saved_by],
        "Формы": grouped.forms.tolist(),
        "Изменения": [changes.get(sid, "") for sid in grouped.index],
    })
