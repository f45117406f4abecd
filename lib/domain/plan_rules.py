"""When plan measures are due and which reports are overdue (measure × executor × period)."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from lib.domain.schedule import report_due, report_frequency, report_periods, rule_of

STATUS_LABELS = {"done": "выполнено", "in_progress": "выполняется", "not_done": "не выполнено",
                 "not_required": "не требуется", "overdue": "просрочено", "pending": "срок не наступил"}
# One definition of what the commission must act on, with one label, everywhere (tile, tables, meeting pack):
# the executor reported «не выполнено», or no report came by its due date («просрочено»).
ATTENTION = ("not_done", "overdue")
ATTENTION_LABEL = "Не выполнено или просрочено"


def needs_attention(matrix: pd.DataFrame) -> pd.DataFrame:
    return matrix[matrix.status.isin(ATTENTION)]


def _item_key(item_no) -> tuple | None:
    """'12а' -> ((12,), 'а'); '1.2' -> ((1, 2), ''); blank or not a number -> None."""
    text = item_no.strip().rstrip(".") if isinstance(item_no, str) else ""
    match = re.match(r"^(\d+(?:\.\d+)*)\s*(.*)$", text)
    return (tuple(int(x) for x in match[1].split(".")), match[2].lower()) if match else None


def item_order(plan: pd.DataFrame) -> pd.Series:
    """measure_id -> position: by the printed item number as a number (2 before 10, 12 before 12а before
    13); an unnumbered item stays right after the item it follows in the plan as approved (storage order)."""
    keys, previous, seq = {}, ((), ""), 0
    for plan_id, measure_id, item_no in zip(plan.plan_id.astype(object), plan.measure_id, plan.item_no):
        key = _item_key(item_no)
        if key is None:
            seq += 1
            keys[measure_id] = (str(plan_id), *previous, seq)
        else:
            previous, seq = key, 0
            keys[measure_id] = (str(plan_id), *key, 0)
    ordered = sorted(keys, key=keys.get)
    return pd.Series(range(len(ordered)), index=ordered, dtype="int64")


def sort_items(frame: pd.DataFrame, plan: pd.DataFrame, then: list[str] | None = None) -> pd.DataFrame:
    """Rows with a ``measure_id`` in the plan's item order (then by ``then``)."""
    order = item_order(plan)
    out = frame.assign(_order=frame.measure_id.map(order).fillna(len(order)))
    return out.sort_values(["_order", *(then or [])], kind="stable").drop(columns="_order").reset_index(drop=True)


def plan_months(plan_id) -> tuple[str, str] | None:
    """The months a plan covers by its own name: '2023/2024' -> 2023-01…2024-12; None if it names no year."""
    years = [int(y) for y in re.findall(r"(?<!\d)(\d{4})(?!\d)", str(plan_id or ""))]
    return (f"{min(years)}-01", f"{max(years)}-12") if years else None


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


def _slots(plan: pd.DataFrame, months: list[str], span: tuple[str, str] | None = None) -> pd.DataFrame:
    """measure_id × report period with its due date, by each measure's own schedule, within its plan's
    months (the plan's name, else ``span``): a period outside the plan is never due."""
    rows = []
    for m in plan.to_dict("records"):
        within = plan_months(m.get("plan_id")) or span
        chosen = [x for x in months if within is None or within[0] <= x <= within[1]]
        if not chosen:
            continue
        year = int(str(m.get("plan_id") or chosen[0])[:4]) if str(m.get("plan_id") or "")[:4].isdigit() else int(chosen[0][:4])
        rule = rule_of(m, year)
        frequency = report_frequency(m.get("report_deadline"), rule)
        for period in report_periods(rule, frequency, chosen):
            rows.append({"measure_id": m["measure_id"], "period": period, "due": report_due(rule, frequency, period),
                         "as_needed": rule.periodicity == "as_needed" or frequency == "none"})
    return pd.DataFrame(rows, columns=["measure_id", "period", "due", "as_needed"])


def execution_matrix(snapshot, months: list[str], today: dt.date, participants: list[str] | None = None,
                     span: tuple[str, str] | None = None) -> pd.DataFrame:
    """Long table: measure_id, participant_id, period, due, status (incl. overdue / pending), indicator, done_text.

    Periods follow each measure's report frequency (monthly or quarterly) and stay within the plan
    (``plan_months`` of its name, else ``span`` — the settings' plan_start…plan_end); a report not filed
    by its due date is «просрочено», except for measures done only as needed («не требуется»).
    Rows come in the plan's item order (``item_order``).
    """
    columns = ["measure_id", "item_no", "measure", "participant_id", "period", "due", "status", "indicator_value", "done_text"]
    plan = snapshot.current("plan")
    plan = plan[plan.retired.fillna(False) == False]  # noqa: E712 - nullable boolean
    if plan.empty or not months:
        return pd.DataFrame(columns=columns)
    pairs = _executor_pairs(snapshot, plan)
    if participants is not None:
        pairs = pairs[pairs.participant_id.isin(participants)]
    grid = pairs.merge(_slots(plan, months, span), on="measure_id").merge(plan[["measure_id", "item_no", "measure"]], on="measure_id")
    progress = snapshot.current("plan_progress")[["measure_id", "participant_id", "period", "status", "indicator_value", "done_text"]]
    grid = grid.merge(progress, on=["measure_id", "participant_id", "period"], how="left")
    missing = grid.status.isna()
    late = missing & (grid.due < today)
    grid.loc[missing, "status"] = "pending"
    grid.loc[late, "status"] = "overdue"
    grid.loc[late & grid.as_needed, "status"] = "not_required"
    return sort_items(grid[columns], plan, ["participant_id", "period"])


def execution_summary(matrix: pd.DataFrame) -> dict[str, int]:
    counts = matrix.status.value_counts()
    return {k: int(counts.get(k, 0)) for k in STATUS_LABELS}
