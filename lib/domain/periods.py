"""Reporting periods: quarters, closed quarters, months returned for correction."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from lib.core import fmt


def shift_month(month: str, delta: int) -> str:
    """'2024-01' shifted by -1 -> '2023-12'."""
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_range(first: str, last: str) -> list[str]:
    months, m = [], first
    while m <= last:
        months.append(m)
        m = shift_month(m, 1)
    return months


def quarter_of(period: str) -> str:
    """'2024-03' -> '2024-Q1'; a quarter is returned as is."""
    if "-Q" in period:
        return period
    return f"{period[:4]}-Q{(int(period[5:7]) - 1) // 3 + 1}"


QUARTER_CASES = {"nom": "квартал", "acc": "квартал", "gen": "квартала", "dat": "кварталу", "ins": "кварталом", "prep": "квартале"}


def quarter_label(quarter: str, case: str = "nom") -> str:
    """'2024-Q4' -> '4 квартал 2024 г.' (it ends with a full stop: end a sentence with ``fmt.sentence``)."""
    return f"{quarter[-1]} {QUARTER_CASES[case]} {quarter[:4]} г."


def period_label(period: str, case: str = "nom") -> str:
    """A month ('март 2024') or a quarter ('1 квартал 2024 г.') as people write it."""
    return quarter_label(period, case) if "-Q" in period else fmt.month_label(period, case)


def quarter_months(quarter: str) -> list[str]:
    first = (int(quarter[-1]) - 1) * 3 + 1
    return [f"{quarter[:4]}-{m:02d}" for m in range(first, first + 3)]


def closed_quarters(snapshot) -> dict[str, dict]:
    """quarter -> its current lock row, for quarters that are closed now; ``closed_by`` is the name
    of whoever closed it (people read names, not logins)."""
    locks = snapshot.current("locks")
    users = snapshot.current("users")
    names = dict(zip(users["login"].str.lower(), users["name"])) if len(users) else {}
    out = {}
    for r in locks.to_dict("records"):
        if r["locked"] is True:
            login = r.get("saved_by") or ""
            out[r["quarter"]] = {**r, "closed_by": names.get(login.lower(), login)}
    return out


def lock_note(quarter: str, row: dict) -> str:
    """«4 квартал 2024 г. закрыт 15.01.2025 (закрыл координатор Беляев И.А.; основание: …).»"""
    when = fmt.moment_ru(row.get("saved_at"))[:10]
    why = f"; основание: {row['comment']}" if isinstance(row.get("comment"), str) and row["comment"] else ""
    who = row.get("closed_by") or row.get("saved_by")
    return f"{quarter_label(quarter)} закрыт {when} (закрыл координатор {who}{why})."


def lock_message(quarter: str, row: dict) -> str:
    return lock_note(quarter, row) + " Изменения за этот период не принимаются; если нужно исправление — обратитесь к координатору."


def quarter_open_items(snapshot, quarter: str, settings, today: dt.date) -> list[str]:
    """What is still open in a quarter the coordinator is about to close, in Russian, one line each:
    months returned for correction, monthly reports not filed, plan reports overdue."""
    from lib.domain.plan_rules import execution_matrix

    months = quarter_months(quarter)
    names = dict(zip(snapshot.current("participants").id, snapshot.current("participants").name))
    lines = []
    waiting = open_returns(snapshot)
    for r in waiting[waiting.month.isin(months)].sort_values(["month", "participant_id"]).to_dict("records"):
        lines.append(f"на доработке: {names.get(r['participant_id'], r['participant_id'])}, {fmt.month_label(r['month'])}")
    participants = snapshot.current("participants")
    filers = participants[participants.files_monthly.fillna(False).astype(bool) & (participants.active.fillna(True) != False)]  # noqa: E712
    filed = snapshot.current("monthly_reports")
    filed = set(zip(filed.participant_id, filed.month))
    for month in months:
        if month > shift_month(f"{today.year:04d}-{today.month:02d}", -1):
            continue  # a month that has not ended cannot be filed yet
        for pid in sorted(filers.id, key=lambda p: names.get(p, p)):
            if (pid, month) not in filed:
                lines.append(f"не подан отчёт: {names.get(pid, pid)}, {fmt.month_label(month)}")
    plan = execution_matrix(snapshot, months, today)
    late = plan[plan.status == "overdue"]
    if len(late):
        who = sorted({names.get(p, p) for p in late.participant_id})
        more = f" и ещё {len(who) - 5}" if len(who) > 5 else ""
        lines.append(f"просрочено отчётов об исполнении плана: {len(late)} ({', '.join(who[:5])}{more})")
    return lines


def open_returns(snapshot) -> pd.DataFrame:
    """Returns for correction still waiting: active, and no report filed for that month since."""
    returns = snapshot.current("returns")
    returns = returns[returns["active"].fillna(False).astype(bool)]
    if returns.empty:
        return returns
    reports = snapshot.all_versions("monthly_reports")
    last_filed = reports.groupby(["participant_id", "month"])["saved_at"].max()
    filed = [last_filed.get((r.participant_id, r.month)) for r in returns.itertuples()]
    waiting = [f is None or f <= r for f, r in zip(filed, returns["saved_at"])]
    return returns[waiting].reset_index(drop=True)


def open_return(snapshot, participant_id: str, month: str) -> dict | None:
    waiting = open_returns(snapshot)
    match = waiting[(waiting["participant_id"] == participant_id) & (waiting["month"] == month)]
    return match.iloc[0].to_dict() if len(match) else None
