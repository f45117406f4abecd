"""When plan measures are due and which reports are overdue (measure × executor × period)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from lib.periods import quarter_months, shift_month

STATUS_LABELS = {"done": "выполнено", "in_progress": "выполняется", "not_done": "не выполнено",
                 "not_required": "не требуется", "overdue": "просрочено", "pending": "срок не наступил"}
REPORT_DAY = 10  # quarterly reports on the plan: by the 10th of the month after the quarter


def quarter_report_due(quarter: str) -> dt.date:
    nxt = shift_month(quarter_months(quarter)[-1], 1)
    return dt.date(int(nxt[:4]), int(nxt[5:7]), REPORT_DAY)


def executors(snapshot, measure: dict) -> list[str]:
    """Participants of the kinds the measure names (e.g. every utility), active ones only."""
    pairs = _executor_pairs(snapshot, pd.DataFrame([measure]))
    return pairs.participant_id.tolist()


def _executor_pairs(snapshot, plan: pd.DataFrame) -> pd.DataFrame:
    """measure_id × participant_id for every active participant of a kind the measure names."""
    p = snapshot.current("participants")
    p = p[p.active.fillna(True) == True][["id", "kind"]]  # noqa: E712 - nullable boolean
    kinds = plan[["measure_id", "executor_kinds"]].assign(kind=plan.executor_kinds.fillna("").str.split(";")).explode("kind")
    pairs = kinds.merge(p, on="kind")[["measure_id", "id"]].rename(columns={"id": "participant_id"})
    return pairs.drop_duplicates()


def execution_matrix(snapshot, quarters: list[str], today: dt.date, participants: list[str] | None = None) -> pd.DataFrame:
    """Long table: measure_id, participant_id, period, status (incl. overdue / pending), indicator, done_text.

    A report not filed by its due date is «просрочено», except for measures done only as needed,
    which then count as «не требуется»; a one-off measure is due in the quarter of its date only.
    """
    columns = ["measure_id", "item_no", "measure", "participant_id", "period", "status", "indicator_value", "done_text"]
    plan = snapshot.current("plan")
    plan = plan[plan.retired.fillna(False) == False]  # noqa: E712 - nullable boolean
    if plan.empty or not quarters:
        return pd.DataFrame(columns=columns)
    pairs = _executor_pairs(snapshot, plan)
    if participants is not None:
        pairs = pairs[pairs.participant_id.isin(participants)]
    grid = pairs.merge(pd.DataFrame({"period": quarters}), how="cross")
    grid = grid.merge(plan[["measure_id", "item_no", "measure", "periodicity", "due_date"]], on="measure_id")
    once_quarter = grid.due_date.dt.to_period("Q").astype(str).str.replace("Q", "-Q", regex=False)
    grid = grid[(grid.periodicity != "once") | grid.due_date.isna() | (grid.period <= once_quarter)]
    progress = snapshot.current("plan_progress")[["measure_id", "participant_id", "period", "status", "indicator_value", "done_text"]]
    grid = grid.merge(progress, on=["measure_id", "participant_id", "period"], how="left")
    due = grid.period.map({q: quarter_report_due(q) for q in quarters})
    missing = grid.status.isna()
    late = missing & (due < today)
    grid.loc[missing, "status"] = "pending"
    grid.loc[late, "status"] = "overdue"
    grid.loc[late & (grid.periodicity == "as_needed"), "status"] = "not_required"
    return grid[columns].sort_values(["measure_id", "participant_id", "period"]).reset_index(drop=True)


def execution_summary(matrix: pd.DataFrame) -> dict[str, int]:
    counts = matrix.status.value_counts()
    return {k: int(counts.get(k, 0)) for k in STATUS_LABELS}
