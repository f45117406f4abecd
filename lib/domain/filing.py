"""Who filed what and when: participant × month, on time / late / missing / returned / not yet due.

«В срок» and «с опозданием» are judged on the first filing of the month: a report returned for
correction and filed again keeps the timeliness of its first filing and says when it was corrected
(«в срок · исправлен после возврата 13.04.2024»); the return's date and reason stay with it.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from lib.core import fmt
from lib.domain.periods import open_returns, shift_month

STATUS_LABELS = {"on_time": "в срок", "late": "с опозданием", "missing": "не подан", "returned": "на доработке",
                 "not_due": "срок не наступил"}


def deadline(month: str, due_day: int) -> dt.date:
    nxt = shift_month(month, 1)
    return dt.date(int(nxt[:4]), int(nxt[5:7]), due_day)


def filing_matrix(snapshot, participants: list[str], months: list[str], due_day: int, today: dt.date, zone=None) -> pd.DataFrame:
    """Long table: participant_id, month, status, filed_on (local date of the first filing).

    The deadline is a date in the district's time zone (``zone``, the setting «time_zone»): a report
    saved at 23:30 on the 10th local time is on time wherever the server runs."""
    tz = fmt.zone_of(zone) if isinstance(zone, str) else (zone or fmt.district_zone())
    reports = snapshot.all_versions("monthly_reports")[["participant_id", "month", "saved_at"]]  # not a copy of every column
    reports = reports[reports.participant_id.isin(participants) & reports.month.isin(months)]
    # the earliest save of each participant-month; a sort, not a grouping: grouping by the category column kept ≈ 40 MB
    # of a large district's memory after it returned
    first = reports.sort_values("saved_at", kind="stable").drop_duplicates(["participant_id", "month"]).rename(columns={"saved_at": "first"})
    grid = pd.MultiIndex.from_product([participants, months], names=["participant_id", "month"]).to_frame(index=False)
    grid = grid.merge(first, on=["participant_id", "month"], how="left")
    filed_on = pd.to_datetime(grid["first"], utc=True, format="ISO8601").dt.tz_convert(tz).dt.tz_localize(None).dt.normalize()
    due = pd.to_datetime(grid.month.map({m: deadline(m, due_day) for m in months}))
    status = pd.Series("missing", index=grid.index)
    status[grid["first"].notna() & (filed_on <= due)] = "on_time"
    status[grid["first"].notna() & (filed_on > due)] = "late"
    status[grid["first"].isna() & (due >= pd.Timestamp(today))] = "not_due"
    waiting = open_returns(snapshot)
    returned = set(zip(waiting.participant_id, waiting.month)) if len(waiting) else set()
    if returned:
        status[[k in returned for k in zip(grid.participant_id, grid.month)]] = "returned"
    grid["status"] = status
    grid["filed_on"] = filed_on.dt.date.where(grid["first"].notna(), None)
    fixed = corrections(snapshot, tz)
    grid = grid.drop(columns="first").merge(fixed, on=["participant_id", "month"], how="left")
    for c in ("returned_on", "return_reason", "corrected_on"):
        grid[c] = grid[c].astype(object).where(grid[c].notna(), None)
    return grid


def corrections(snapshot, zone=None) -> pd.DataFrame:
    """Per participant × month, its latest return for correction: ``returned_on`` and ``return_reason``, and
    ``corrected_on`` — the local date of the first report saved after that return (None while it waits)."""
    columns = ["participant_id", "month", "returned_on", "return_reason", "corrected_on"]
    tz = fmt.zone_of(zone) if isinstance(zone, str) else (zone or fmt.district_zone())
    returns = snapshot.all_versions("returns")
    returns = returns[returns["active"].fillna(False).astype(bool)] if len(returns) else returns
    if returns.empty:
        return pd.DataFrame(columns=columns)
    latest = returns.sort_values("saved_at").groupby(["participant_id", "month"], observed=True).tail(1)
    reports = snapshot.all_versions("monthly_reports")
    local = lambda moments: pd.to_datetime(moments, utc=True, format="ISO8601").dt.tz_convert(tz).dt.date
    out = []
    for r in latest.itertuples():
        after = reports[(reports.participant_id == r.participant_id) & (reports.month == r.month) & (reports.saved_at > r.saved_at)]
        out.append({"participant_id": r.participant_id, "month": r.month, "returned_on": local(pd.Series([r.saved_at])).iloc[0],
                    "return_reason": r.reason, "corrected_on": local(after.saved_at).min() if len(after) else None})
    return pd.DataFrame(out, columns=columns).astype({"participant_id": str, "month": str})


def status_text(status: str, corrected_on=None, missing_lines: str | None = None) -> str:
    """«в срок», «с опозданием · исправлен после возврата 13.04.2024», «в срок · не все строки (…)»."""
    text = STATUS_LABELS.get(status, status)
    if isinstance(corrected_on, dt.date) and status in ("on_time", "late"):
        text += f" · исправлен после возврата {fmt.date_ru(corrected_on)}"
    if isinstance(missing_lines, str) and missing_lines:
        text += f" · не все строки ({missing_lines})"
    return text


def filing_summary(matrix: pd.DataFrame, month: str) -> dict[str, int]:
    this = matrix[matrix.month == month].status.value_counts()
    return {k: int(this.get(k, 0)) for k in STATUS_LABELS}
