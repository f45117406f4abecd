"""The plan and the commission as people read them (tables with Russian labels)."""

from __future__ import annotations

import pandas as pd

from lib.domain.periods import period_label
from lib.domain.plan_rules import STATUS_LABELS, item_order


def plan_table(plan: pd.DataFrame) -> pd.DataFrame:
    """The plan exactly as approved: item number as printed, measure, executor, curator, deadlines, result;
    items in the order of their numbers (2 before 10, 12а after 12, an unnumbered item where the plan has it)."""
    plan = plan.iloc[plan.measure_id.map(item_order(plan)).argsort(kind="stable")]
    table = pd.DataFrame({
        "№ п/п": plan.item_no.fillna(""), "Мероприятие": plan.measure, "Исполнитель": plan.executor.fillna(""),
        "Куратор": plan.curator.fillna(""), "Сроки исполнения": plan.deadline.fillna(""),
        "Срок предоставления отчёта": plan.report_deadline.fillna(""), "Результат": plan.expected_result.fillna(""),
    })
    if plan.indicator.notna().any():
        table["Индикатор"] = plan.indicator.fillna("")
    if plan.section.nunique() > 1:
        table.insert(0, "Раздел", plan.section.fillna(""))
    return table.reset_index(drop=True)


def matrix_table(matrix: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """measure × executor for one period: the status of each cell, measures in the matrix's (plan's) order."""
    if matrix.empty:
        return pd.DataFrame()
    m = matrix.assign(label=matrix.status.map(STATUS_LABELS), who=matrix.participant_id.map(lambda p: names.get(p, p)),
                      item=(matrix.item_no.fillna("") + " " + matrix.measure.str.slice(0, 60)).str.strip())
    wide = m.pivot_table(index="item", columns="who", values="label", aggfunc="first").fillna("—")
    wide = wide.reindex(list(dict.fromkeys(m["item"])))  # pivot_table sorts as text (10 before 2): keep the plan's order
    return wide.rename_axis("Мероприятие").reset_index()


def detail_table(matrix: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({
        "Пункт": matrix.item_no.fillna(""), "Мероприятие": matrix.measure, "Исполнитель": matrix.participant_id.map(lambda p: names.get(p, p)),
        "Период": matrix.period.map(period_label), "Срок отчёта": pd.to_datetime(matrix.due),
        "Состояние": matrix.status.map(STATUS_LABELS), "Значение индикатора": matrix.indicator_value,
        "Что сделано": matrix.done_text.fillna(""),
    })


STATUS_COLORS = {"выполнено": "#e6f4ea", "выполняется": "#fff8e1", "не выполнено": "#fde7e9", "просрочено": "#f8c9cd",
                 "не требуется": "#f1f3f4", "срок не наступил": "#ffffff"}


def color_status(value: str) -> str:
    return f"background-color: {STATUS_COLORS.get(value, '#ffffff')}"
