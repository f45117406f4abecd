"""When plan measures are due and which reports are overdue (measure × executor × period)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from lib.schedule import report_due, report_frequency, report_periods, rule_of

STATUS_LABELS = {"done": "выполнено", "in_progress": "выполняется", "not_done": "не выполнено",
                 "not_required": "не требуется", "overdue": "просрочено", "pending": "срок не наступил"}
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


def _slots(plan: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """measure_id × report period with its due date, by each measure's own schedule."""
    rows = []
    for m in plan.to_dict("records"):
        year = int(str(m.get("plan_id") or months[0])[:4]) if str(m.get("plan_id") or "")[:4].isdigit() else int(months[0][:4])
        rule = rule_of(m, year)
        frequency = report_frequency(m.get("report_deadline"), rule)
        for period in report_periods(rule, frequency, months):
            rows.append({"measure_id": m["measure_id"], "period": period, "due": report_due(rule, frequency, period),
                         "as_needed": rule.periodicity == "as_needed" or frequency == "none"})
    return pd.DataFrame(rows, columns=["measure_id", "period", "due", "as_needed"])


def execution_matrix(snapshot, months: list[str], today: dt.date, participants: list[str] | None = None) -> pd.DataFrame:
    """Long table: measure_id, participant_id, period, due, status (incl. overdue / pending), indicator, done_text.

    Periods follow each measure's report frequency (monthly or quarterly); a report not filed
    by its due date is «просрочено», except for measures done only as needed («не требуется»).
    """
    columns = ["measure_id", "item_no", "measure", "participant_id", "period", "due", "status", "indicator_value", "done_text"]
    plan = snapshot.current("plan")
    plan = plan[plan.retired.fillna(False) == False]  # noqa: E712 - nullable boolean
    if plan.empty or not months:
        return pd.DataFrame(columns=columns)
    pairs = _executor_pairs(snapshot, plan)
    if participants is not None:
        pairs = pairs[pairs.participant_id.isin(participants)]
    grid = pairs.merge(_slots(plan, months), on="measure_id").merge(plan[["measure_id", "item_no", "measure"]], on="measure_id")
    progress = snapshot.current("plan_progress")[["measure_id", "participant_id", "period", "status", "indicator_value", "done_text"]]
    grid = grid.merge(progress, on=["measure_id", "participant_id", "period"], how="left")
    missing = grid.status.isna()
    late = missing & (grid.due < today)
    grid.loc[missing, "status"] = "pending"
    grid.loc[late, "status"] = "overdue"
    grid.loc[late & grid.as_needed, "status"] = "not_required"
    return grid[columns].sort_values(["measure_id", "participant_id", "period"]).reset_index(drop=True)


def execution_summary(matrix: pd.DataFrame) -> dict[str, int]:
    counts = matrix.status.value_counts()
    return {k: int(counts.get(k, 0)) for k in STATUS_LABELS}
