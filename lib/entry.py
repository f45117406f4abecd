"""Monthly entry for one participant: which month is due, its status, the forms pre-filled,
and the checks and save of each form (one storage call per form, through lib.access).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib import access, fmt
from lib.domain import BUCKETS, MONEY_FIELDS, group_labels
from lib.metrics import closing_debt
from lib.parsing import ParseError, parse_value
from lib.periods import closed_quarters, lock_message, open_return, quarter_label, quarter_of, shift_month
from lib.rules import Finding, check_month, monthly_errors, monthly_warnings, structure_errors
from lib.store.port import Snapshot, Store, StoreError, not_saved

STATUS_LABELS = {
    "not_filed": "не подан",
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
    reports = snapshot.all_versions("monthly_reports")
    mine = reports[(reports.participant_id == participant_id) & (reports.month == month)]
    return mine["saved_at"].min() if len(mine) else None


def local_date(iso: str, zone=None) -> dt.date:
    """The date of a stored UTC moment in the district's time zone (setting «time_zone»)."""
    return fmt.local_moment(iso, zone).date()


def month_status(snapshot: Snapshot, participant_id: str, month: str, settings) -> MonthStatus:
    closed = closed_quarters(snapshot)
    if quarter_of(month) in closed:
        return MonthStatus("locked", lock_message(quarter_of(month), closed[quarter_of(month)]))
    returned = open_return(snapshot, participant_id, month)
    if returned:
        return MonthStatus("returned", f"Причина: {returned['reason']}")
    first = filed_at(snapshot, participant_id, month)
    if first is None:
        due = deadline(month, settings["report_due_day"])
        return MonthStatus("not_filed", f"срок — до {fmt.date_ru(due)} включительно")
    when = local_date(first, getattr(settings, "zone", None))
    due = deadline(month, settings["report_due_day"])
    code = "on_time" if when <= due else "late"
    return MonthStatus(code, f"подан {fmt.date_ru(when)}, срок — {fmt.date_ru(due)}")


# ---- forms ------------------------------------------------------------------


def participant(snapshot: Snapshot, participant_id: str) -> dict:
    rows = snapshot.current("participants")
    match = rows[rows.id == participant_id]
    if match.empty:
        raise StoreError(f"Участник «{participant_id}» не найден в справочнике.")
    return match.iloc[0].to_dict()


def _split(refs) -> list[str]:
    return [x for x in refs.split(";") if x] if isinstance(refs, str) else []


def names(snapshot: Snapshot) -> dict[str, str]:
    p = snapshot.current("participants")
    return dict(zip(p["id"], p["name"]))


def _current(snapshot: Snapshot, tab: str, participant_id: str, month: str) -> pd.DataFrame:
    frame = snapshot.current(tab)
    return frame[(frame.participant_id == participant_id) & (frame.month == month)]


def monthly_form(snapshot: Snapshot, participant_id: str, month: str) -> pd.DataFrame:
    """One row per settlement served × consumer group; filed values, or the debt at start carried
    over from last month's closing balance when the month is new."""
    who = participant(snapshot, participant_id)
    settlements = _split(who.get("serves"))
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
    listed = _split(who.get("resources"))
    if listed:
        return listed
    used = snapshot.current("debt_structure")
    return sorted(set(used[used.participant_id == participant_id]["resource"])) or ["heating"]


def structure_form(snapshot: Snapshot, participant_id: str, month: str) -> pd.DataFrame:
    who = participant(snapshot, participant_id)
    filed = _current(snapshot, "debt_structure", participant_id, month).set_index(["settlement_id", "consumer_group", "resource"])
    rows = []
    for settlement in _split(who.get("serves")):
        for group in ("population", "other"):
            for resource in resources_of(snapshot, participant_id):
                row = {"settlement_id": settlement, "consumer_group": group, "resource": resource}
                key = (settlement, group, resource)
                row.update({b: filed.loc[key, b] if key in filed.index else np.nan for b in BUCKETS})
                rows.append(row)
    return pd.DataFrame(rows, columns=["settlement_id", "consumer_group", "resource", *BUCKETS]).astype(
        {b: "float64" for b in BUCKETS})


def claims_form(snapshot: Snapshot, participant_id: str, month: str) -> dict:
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


def _typed(snapshot: Snapshot, tab: str, records: list[dict], label) -> tuple[list[dict], list[Finding]]:
    """Parse each field with the schema's rules; a bad cell becomes a finding naming its row and field."""
    table = snapshot.schema[tab]
    typed, found = [], []
    for record in records:
        row = {}
        for c in table.data_columns:
            try:
                row[c.key] = parse_value(record.get(c.key), c)
            except ParseError as err:
                row[c.key] = None
                found.append(Finding(table.title, label(record["settlement_id"], record["consumer_group"])
                                     if "settlement_id" in record else "", c.title, str(err)))
        typed.append(row)
    return typed, found


@dataclass
class Checked:
    records: list[dict]
    errors: list[Finding]
    warnings: list[Finding]


def check_monthly(snapshot: Snapshot, participant_id: str, month: str, form: pd.DataFrame,
                  today: dt.date, settings) -> Checked:
    label = _row_label(snapshot)
    errors = check_month(month, settings["plan_start"], last_fileable_month(today))
    records = [
        {"participant_id": participant_id, "month": month, "settlement_id": r["settlement_id"],
         "consumer_group": r["consumer_group"], **{k: (None if pd.isna(r[k]) else r[k]) for k in MONEY_FIELDS}}
        for r in form.to_dict("records")
    ]
    typed, found = _typed(snapshot, "monthly_reports", records, label)
    errors += found
    frame = pd.DataFrame(typed).astype({k: "float64" for k in MONEY_FIELDS}) if typed else form
    errors += monthly_errors(frame, label)
    history = snapshot.current("monthly_reports")
    history = history[(history.participant_id == participant_id) & (history.month < month)]
    warnings = monthly_warnings(frame, previous_values(snapshot, participant_id, month), history, label)
    saved_structure = _current(snapshot, "debt_structure", participant_id, month)
    if len(saved_structure):
        warnings += [Finding(f.form, f.row, f.field, f.message + " — обновите структуру задолженности")
                     for f in structure_errors(saved_structure, frame, label)]
    for record in records:
        mine = [f.message if not f.field else f"{f.field}: {f.message}" for f in warnings
                if f.row == label(record["settlement_id"], record["consumer_group"])]
        record["warnings"] = "; ".join(mine) or None
    return Checked(records, errors, warnings)


def check_structure(snapshot: Snapshot, participant_id: str, month: str, form: pd.DataFrame,
                    monthly: pd.DataFrame | None, today: dt.date, settings) -> Checked:
    """``monthly``: the monthly report on screen (else the saved one) — buckets must sum to its overdue."""
    label = _row_label(snapshot)
    errors = check_month(month, settings["plan_start"], last_fileable_month(today))
    records = [
        {"participant_id": participant_id, "month": month, "settlement_id": r["settlement_id"],
         "consumer_group": r["consumer_group"], "resource": r["resource"],
         **{b: (None if pd.isna(r[b]) else r[b]) for b in BUCKETS}}
        for r in form.to_dict("records")
    ]
    typed, found = _typed(snapshot, "debt_structure", records, label)
    errors += found
    against = monthly if monthly is not None else _current(snapshot, "monthly_reports", participant_id, month)
    if typed and not found:
        errors += structure_errors(pd.DataFrame(typed), against, label)
    return Checked(records, errors, [])


def check_claims(snapshot: Snapshot, participant_id: str, month: str, values: dict, today: dt.date, settings) -> Checked:
    errors = check_month(month, settings["plan_start"], last_fileable_month(today))
    record = {"participant_id": participant_id, "month": month, **values}
    table = snapshot.schema["claims_work"]
    for c in table.data_columns:
        try:
            parse_value(record.get(c.key), c)
        except ParseError as err:
            errors.append(Finding(table.title, "", c.title, str(err)))
    return Checked([record], errors, [])


def save_checked(store: Store, user: access.User, tab: str, checked: Checked, snapshot: Snapshot):
    """One storage call (the form and its audit rows). Raises EntryRejected/Denied/StoreError; nothing half-written."""
    if checked.errors:
        raise EntryRejected(checked.errors)
    return access.write(store, user, {tab: checked.records}, snapshot=snapshot)


# ---- plan progress and a settlement's territory ------------------------------


def plan_form(snapshot: Snapshot, participant_id: str, month: str) -> pd.DataFrame:
    """The plan measures this participant reports on (by its kind) for the chosen month: each in its
    own report period (the month for monthly reports, else the month's quarter), with what was filed."""
    from lib.schedule import report_frequency, report_periods, rule_of

    kind = participant(snapshot, participant_id)["kind"]
    plan = snapshot.current("plan")
    plan = plan[plan["retired"].fillna(False) == False]  # noqa: E712 - nullable boolean
    mine = plan[[kind in _split(k) for k in plan["executor_kinds"]]]
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


def check_plan(snapshot: Snapshot, participant_id: str, form: pd.DataFrame) -> Checked:
    """Rows with a status are filed; a row without one is simply not reported yet."""
    table = snapshot.schema["plan_progress"]
    records, errors = [], []
    for r in form.to_dict("records"):
        if not isinstance(r.get("status"), str) or not r["status"]:
            continue
        record = {"measure_id": r["measure_id"], "participant_id": participant_id, "period": r["period"], "status": r["status"],
                  "indicator_value": None if pd.isna(r.get("indicator_value")) else r["indicator_value"],
                  "done_text": r.get("done_text") or None}
        for c in table.data_columns:
            try:
                parse_value(record.get(c.key), c)
            except ParseError as err:
                errors.append(Finding(table.title, f"п. {r.get('Пункт') or r['measure_id']}", c.title, str(err)))
        records.append(record)
    if not records:
        errors.append(Finding(table.title, "", "Статус", "отметьте статус хотя бы одного мероприятия"))
    return Checked(records, errors, [])


def territory_debt(snapshot: Snapshot, settlement_id: str, month: str) -> pd.DataFrame:
    """A settlement's read-only view: what every utility reported for its territory that month."""
    reports = snapshot.current("monthly_reports")
    return reports[(reports.settlement_id == settlement_id) & (reports.month == month)]


def month_history(snapshot: Snapshot, participant_id: str, month: str) -> pd.DataFrame:
    """Every save of this participant's month, oldest first: when, who, which forms, what changed."""
    tabs = ("monthly_reports", "debt_structure", "claims_work")
    parts = []
    for tab in tabs:
        rows = snapshot.all_versions(tab)
        rows = rows[(rows.participant_id == participant_id) & (rows.month == month)]
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
        "Когда": [fmt.moment_ru(t) for t in grouped.saved_at], "Кто": grouped.saved_by.tolist(), "Формы": grouped.forms.tolist(),
        "Изменения": [changes.get(sid, "") for sid in grouped.index],
    })
