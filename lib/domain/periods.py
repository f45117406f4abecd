"""Reporting periods: quarters, closed quarters, months returned for correction."""

from __future__ import annotations

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
