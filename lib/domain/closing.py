"""Closing a quarter: what is still open in it, for the coordinator to see before closing.

Apart from ``periods`` (which the plan's schedule uses) because it needs the plan's execution matrix: kept
there, it made an import cycle periods → plan_rules → schedule → periods."""

from __future__ import annotations

import datetime as dt

from lib.core import fmt
from lib.domain.periods import open_returns, quarter_months, shift_month
from lib.domain.plan_rules import execution_matrix


def quarter_open_items(snapshot, quarter: str, settings, today: dt.date) -> list[str]:
    """What is still open in a quarter the coordinator is about to close, in Russian, one line each:
    months returned for correction, monthly reports not filed, plan reports overdue."""
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
