"""«Обзор» for an executor: what their organisation or settlement has to do — months to file and their
deadlines, plan reports due or overdue, the commission's open assignments. Tables as people read them
(shown with ``lib.domain.present.table``); no Streamlit here."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from lib.core import fmt
from lib.domain import monthly
from lib.domain.periods import period_label
from lib.domain.plan_rules import STATUS_LABELS as PLAN_LABELS
from lib.domain.plan_rules import execution_matrix
from lib.domain.proceedings import assignments_of

RECENT_MONTHS = 6
PLAN_DUE = ("overdue", "not_done", "pending")  # what still asks for a report or for work


def months_due(snapshot, participant_id: str, settings, today: dt.date, count: int = RECENT_MONTHS) -> pd.DataFrame:
    """The latest months this participant files, newest first: deadline and state (as «Ввод данных» shows it)."""
    rows = []
    for month in monthly.selectable_months(today, settings)[:count]:
        status = monthly.month_status(snapshot, participant_id, month, settings, today)
        rows.append({"Месяц": fmt.month_label(month), "Срок сдачи": pd.Timestamp(monthly.deadline(month, settings["report_due_day"])),
                     "Состояние": status.label, "Подробно": status.detail})
    return pd.DataFrame(rows, columns=["Месяц", "Срок сдачи", "Состояние", "Подробно"])


def to_do(rows: pd.DataFrame) -> int:
    """How many of ``months_due`` still wait for a report (not filed, past due, returned)."""
    waiting = {monthly.STATUS_LABELS[c] for c in ("not_filed", "overdue", "returned")}
    return int(rows["Состояние"].isin(waiting).sum()) if len(rows) else 0


def plan_due(snapshot, participant_id: str, settings, today: dt.date) -> pd.DataFrame:
    """Plan reports of the current and previous periods that are overdue, not done or coming due."""
    months = monthly.selectable_months(today, settings)[:3] or [monthly.month_of(today)]
    matrix = execution_matrix(snapshot, sorted({monthly.month_of(today), *months}), today, participants=[participant_id],
                              span=(settings["plan_start"], settings["plan_end"]))
    matrix = matrix[matrix.status.isin(PLAN_DUE)].sort_values("due", kind="stable")
    return pd.DataFrame({"Пункт": matrix.item_no.fillna("").tolist(), "Мероприятие": matrix.measure.tolist(),
                         "Период": [period_label(p) for p in matrix.period], "Срок отчёта": pd.to_datetime(matrix.due).tolist(),
                         "Состояние": [PLAN_LABELS[s] for s in matrix.status]},
                        columns=["Пункт", "Мероприятие", "Период", "Срок отчёта", "Состояние"])


def assignments(snapshot, participant_id: str, today: dt.date) -> pd.DataFrame:
    """The commission's open assignments to this participant, nearest deadline first."""
    mine = assignments_of(snapshot, participant_id, today)
    return pd.DataFrame({"Поручение": mine.text.tolist(), "Срок": mine.due_date.tolist(),
                         "Просрочено": ["да" if o else "" for o in mine.overdue]}, columns=["Поручение", "Срок", "Просрочено"])
