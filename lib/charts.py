"""Altair chart specs from metric tables: Russian titles, axis labels and tooltips; one fixed
colour per aging bucket everywhere. Data arrives aggregated (a few dozen rows), never raw rows."""

from __future__ import annotations

import altair as alt
import pandas as pd

from lib import fmt
from lib.domain import BUCKET_LABELS, BUCKETS

BUCKET_COLORS = {"age_1_3": "#9ecae1", "age_3_12": "#4292c6", "age_12_24": "#fdae6b", "age_24_36": "#e6550d",
                 "age_over_36": "#a50f15"}
SHORT_MONTHS = ("янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек")
# Vega formats numbers the English way; swap the separators to the Russian ones on axes.
RU_AXIS = "replace(replace(replace(format(datum.value, ',.0f'), /,/g, ' '), /\\./g, ','), /-/g, '−')"
HEIGHT = 260
# how a month with a carried estimate is drawn on the debt chart (shape, colour), against a month as filed
ESTIMATE_STYLE = {"по сданным отчётам": ("circle", "#1f5f99"), "оценка: не все организации сдали отчёт": ("diamond", "#e6550d")}


def month_short(month: str) -> str:
    return f"{SHORT_MONTHS[int(month[5:7]) - 1]} {month[2:4]}"


def _months(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out["Месяц"] = out["month"].map(month_short)
    out["Месяц (полностью)"] = out["month"].map(fmt.month_label)
    return out


def _x(order: list[str]) -> alt.X:
    return alt.X("Месяц:N", sort=order, title=None, axis=alt.Axis(labelAngle=-45))


def debt_chart(totals: pd.DataFrame, target: dict, months: list[str] | None = None) -> alt.Chart:
    """The debt at month end over the chosen ``months`` and the target. A month whose total carries an
    estimate (a utility without a report, ``lib.estimates``) is drawn as a hollow orange point and says so."""
    shown = totals if months is None else totals[totals.month.isin(months)]
    data = _months(shown[["month", "debt_end", "estimated"]] if "estimated" in shown else shown[["month", "debt_end"]].assign(estimated=False))
    data["Задолженность"] = data.debt_end.map(lambda v: f"{fmt.money(v)} тыс. руб.")
    data["Данные"] = data.estimated.map({True: "оценка: не все организации сдали отчёт", False: "по сданным отчётам"})
    order = data["Месяц"].tolist()
    x = _x(order)
    y = alt.Y("debt_end:Q", title="тыс. руб.", scale=alt.Scale(zero=False), axis=alt.Axis(labelExpr=RU_AXIS))
    tooltip = [alt.Tooltip("Месяц (полностью):N", title="Месяц"), alt.Tooltip("Задолженность:N"), alt.Tooltip("Данные:N")]
    line = alt.Chart(data).mark_line(color="#1f5f99").encode(x=x, y=y)
    points = alt.Chart(data).mark_point(size=60, filled=True).encode(
        x=x, y=y, tooltip=tooltip,
        shape=alt.Shape("Данные:N", scale=alt.Scale(domain=list(ESTIMATE_STYLE), range=[v[0] for v in ESTIMATE_STYLE.values()]),
                        legend=alt.Legend(orient="bottom", title=None)),
        color=alt.Color("Данные:N", scale=alt.Scale(domain=list(ESTIMATE_STYLE), range=[v[1] for v in ESTIMATE_STYLE.values()]),
                        legend=alt.Legend(orient="bottom", title=None)),
    )
    layers = [line, points]
    if pd.notna(target.get("target")):
        goal = pd.DataFrame({"target": [target["target"]], "Цель": [f"Цель: {fmt.money(target['target'])} тыс. руб."]})
        layers.append(alt.Chart(goal).mark_rule(color="#2e7d32", strokeDash=[6, 4]).encode(y="target:Q", tooltip=["Цель:N"]))
    return alt.layer(*layers).properties(title="Задолженность на конец месяца и цель", height=HEIGHT)


def collection_chart(by_month: pd.DataFrame, groups: dict[str, str]) -> alt.Chart:
    data = _months(by_month)
    data["Группа"] = data.consumer_group.map(groups)
    data["Собираемость"] = data.pct.map(fmt.percent)
    order = list(dict.fromkeys(data["Месяц"]))
    lines = alt.Chart(data).mark_line(point=True).encode(
        x=_x(order), y=alt.Y("pct:Q", title="%", scale=alt.Scale(zero=False), axis=alt.Axis(labelExpr=RU_AXIS)),
        color=alt.Color("Группа:N", title="Группа потребителей", legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("Месяц (полностью):N", title="Месяц"), "Группа:N", "Собираемость:N"],
    )
    hundred = alt.Chart(pd.DataFrame({"y": [100]})).mark_rule(color="#888", strokeDash=[3, 3]).encode(y="y:Q")
    return alt.layer(lines, hundred).properties(title="Собираемость платежей по месяцам, %", height=HEIGHT)


def aging_chart(aging: pd.DataFrame) -> alt.Chart:
    data = _months(aging.assign(bucket=aging.bucket.astype(str)))
    data["Срок"] = data.bucket.map(BUCKET_LABELS)
    data["Сумма"] = data.amount.map(lambda v: f"{fmt.money(v)} тыс. руб.")
    data["Доля"] = data.share.map(fmt.percent)
    order = list(dict.fromkeys(data["Месяц"]))
    labels = [BUCKET_LABELS[b] for b in BUCKETS]
    return alt.Chart(data).mark_bar().encode(
        x=_x(order), y=alt.Y("amount:Q", stack="zero", title="тыс. руб.", axis=alt.Axis(labelExpr=RU_AXIS)),
        color=alt.Color("Срок:N", sort=labels, title="Срок просрочки",
                        scale=alt.Scale(domain=labels, range=[BUCKET_COLORS[b] for b in BUCKETS]), legend=alt.Legend(orient="bottom")),
        order=alt.Order("bucket_order:Q"),
        tooltip=[alt.Tooltip("Месяц (полностью):N", title="Месяц"), "Срок:N", "Сумма:N", "Доля:N"],
    ).transform_calculate(bucket_order=f"indexof({labels!r}, datum['Срок'])").properties(
        title="Просроченная задолженность по срокам", height=HEIGHT)


def bars(frame: pd.DataFrame, label: str, value: str, title: str, color: str = "#1f5f99") -> alt.Chart:
    data = frame.copy()
    data["Значение"] = data[value].map(lambda v: f"{fmt.money(v)} тыс. руб.")
    return alt.Chart(data).mark_bar(color=color).encode(
        y=alt.Y(f"{label}:N", sort="-x", title=None),
        x=alt.X(f"{value}:Q", title="тыс. руб.", axis=alt.Axis(labelExpr=RU_AXIS)),
        tooltip=[alt.Tooltip(f"{label}:N"), alt.Tooltip("Значение:N", title="Сумма")],
    ).properties(title=title, height=max(120, 24 * len(data)))


def enforcement_chart(frame: pd.DataFrame, target: float | None) -> alt.Chart:
    """Recovered per month; against the monthly target only when it applies (``None``: the district's
    target does not apply to the chosen part, see ``lib.dashboard.limits``)."""
    data = _months(frame)
    data["Взыскано"] = data.recovered.map(lambda v: f"{fmt.money(v)} тыс. руб.")
    order = data["Месяц"].tolist()
    tooltip = [alt.Tooltip("Месяц (полностью):N", title="Месяц"), "Взыскано:N"]
    if target is None:
        bars_ = alt.Chart(data).mark_bar(color="#1f5f99").encode(
            x=_x(order), y=alt.Y("recovered:Q", title="тыс. руб.", axis=alt.Axis(labelExpr=RU_AXIS)), tooltip=tooltip)
        return bars_.properties(title="Взыскано по исполнительным производствам", height=HEIGHT)
    data["Цель выполнена"] = data.met.map({True: "да", False: "нет"})
    bars_ = alt.Chart(data).mark_bar().encode(
        x=_x(order), y=alt.Y("recovered:Q", title="тыс. руб.", axis=alt.Axis(labelExpr=RU_AXIS)),
        color=alt.Color("Цель выполнена:N", scale=alt.Scale(domain=["да", "нет"], range=["#2e7d32", "#c62828"]),
                        legend=alt.Legend(orient="bottom")),
        tooltip=[*tooltip, "Цель выполнена:N"],
    )
    rule = alt.Chart(pd.DataFrame({"y": [target]})).mark_rule(color="#333", strokeDash=[6, 4]).encode(y="y:Q")
    return alt.layer(bars_, rule).properties(
        title=f"Взыскано по исполнительным производствам (цель {fmt.money(target, 0)} тыс. руб. в месяц)", height=HEIGHT)


def funnel_chart(stages: pd.DataFrame) -> alt.Chart:
    data = stages.copy()
    data["Количество"] = data["count"].map(lambda v: fmt.number(v, 0))
    return alt.Chart(data).mark_bar(color="#6a51a3").encode(
        y=alt.Y("label:N", sort=list(data.label), title=None),
        x=alt.X("count:Q", title="количество", axis=alt.Axis(labelExpr=RU_AXIS)),
        tooltip=[alt.Tooltip("label:N", title="Этап"), "Количество:N"],
    ).properties(title="Претензионно-исковая работа: воронка", height=40 * len(data))
