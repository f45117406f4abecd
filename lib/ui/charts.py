"""Altair chart specs from metric tables: Russian titles, axis labels and tooltips; one fixed
colour per aging bucket everywhere. Data arrives aggregated (a few dozen rows), never raw rows.

Every chart leaves here through ``_russian``: one Vega locale (``alt.Locale``: «1 234,5» with U+00A0,
a decimal comma, a true minus, Russian month names) for its axes and tooltips, so figures are numbers
in the spec and read as in the tables. Sizes are chosen so that nothing is cut at 1280 px in the
dashboard's two columns: a bar chart with a category axis grows with its categories (``alt.Step``,
not a fixed height that Streamlit's «fit» squeezes its axes into), labels and legends have no length
limit and legends wrap into columns, long titles go on two lines.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import pandas as pd

from lib.core import fmt
from lib.domain.categories import BUCKET_LABELS, BUCKETS

if TYPE_CHECKING:
    import altair as alt

BUCKET_COLORS = {"age_1_3": "#9ecae1", "age_3_12": "#4292c6", "age_12_24": "#fdae6b", "age_24_36": "#e6550d",
                 "age_over_36": "#a50f15"}
SHORT_MONTHS = ("янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек")
HEIGHT = 260
BAR_STEP = 30  # px per category of a bar chart: room for one line of label
# how a month with a carried estimate is drawn on the debt chart (shape, colour), against a month as filed
ESTIMATE_STYLE = {"по сданным отчётам": ("circle", "#1f5f99"), "оценка: сданы не все отчёты или строки": ("diamond", "#e6550d")}

MONEY = ",.1f"  # tooltips: thousands of rubles, one decimal
WHOLE = ",.0f"  # axes and counts
LEGEND = {"orient": "bottom", "labelLimit": 0, "titleLimit": 0}


@functools.cache
def _altair():
    """Altair, imported at the first chart, not with the page: with its schema it is ≈ 40 MB of a process, which the
    first «Свод» of a large district then does not hold while it computes its figures (the charts come after them)."""
    import altair

    return altair


def _locale():
    """d3-format / d3-time-format locale objects (Vega-Lite ``config.locale``)."""
    alt = _altair()
    return alt.Locale(
        number=alt.NumberLocale(decimal=",", thousands=fmt.NBSP, grouping=[3], currency=["", f"{fmt.NBSP}₽"], minus=fmt.MINUS,
                                percent=f"{fmt.NBSP}%"),
        time=alt.TimeLocale(
            dateTime="%A, %e %B %Y г. %X", date="%d.%m.%Y", time="%H:%M:%S", periods=["", ""],
            days=["воскресенье", "понедельник", "вторник", "среда", "четверг", "пятница", "суббота"],
            shortDays=["вс", "пн", "вт", "ср", "чт", "пт", "сб"],
            months=list(fmt.MONTH_CASES["gen"]), shortMonths=list(SHORT_MONTHS)),
    )


def _axis():
    return _altair().Axis(format=WHOLE, labelLimit=0)


# Streamlit sizes a chart with Vega's autosize «fit» (streamlit/elements/vega_charts.py): the whole chart,
# title, legend and rotated month labels included, is squeezed into ``height`` — at 1280 px the aging and
# debt charts kept a plot 40–90 px tall under a two-line title and a two-column legend. «fit-x» fits the
# width only: the plot keeps its own height and the title and legend add to it
# (https://vega.github.io/vega-lite/docs/size.html#autosize).
AUTOSIZE = {"type": "fit-x", "contains": "padding"}


def _russian(chart) -> alt.TopLevelMixin:
    """The one place every chart passes: the Russian locale, titles never cut, the plot's height its own."""
    chart = chart.properties(autosize=_altair().AutoSizeParams(**AUTOSIZE))
    return chart.configure(locale=_locale()).configure_title(limit=0, anchor="start").configure_axis(labelLimit=0, titleLimit=0) \
        .configure_legend(labelLimit=0, titleLimit=0)


def month_short(month: str) -> str:
    return f"{SHORT_MONTHS[int(month[5:7]) - 1]} {month[2:4]}"


def _months(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out["Месяц"] = out["month"].map(month_short)
    out["Месяц (полностью)"] = out["month"].map(fmt.month_label)
    return out


def _x(order: list[str]) -> alt.X:
    alt = _altair()
    return alt.X("Месяц:N", sort=order, title=None, axis=alt.Axis(labelAngle=-45))


def _month_tip() -> alt.Tooltip:
    alt = _altair()
    return alt.Tooltip("Месяц (полностью):N", title="Месяц")


def _title(text: str, subtitle: str | None = None) -> alt.TitleParams:
    alt = _altair()
    return alt.TitleParams(text, subtitle=subtitle or alt.Undefined, anchor="start", limit=0)


def debt_chart(totals: pd.DataFrame, target: dict, months: list[str] | None = None):
    """The debt at month end over the chosen ``months`` and the target. A month whose total carries an
    estimate (a utility without a report, ``lib.domain.estimates``) is drawn as an orange diamond and says so."""
    alt = _altair()
    shown = totals if months is None else totals[totals.month.isin(months)]
    data = _months(shown[["month", "debt_end", "estimated"]] if "estimated" in shown else shown[["month", "debt_end"]].assign(estimated=False))
    data["Данные"] = data.estimated.map({True: "оценка: сданы не все отчёты или строки", False: "по сданным отчётам"})
    order = data["Месяц"].tolist()
    x = _x(order)
    y = alt.Y("debt_end:Q", title="тыс. руб.", scale=alt.Scale(zero=False), axis=_axis())
    tooltip = [_month_tip(), alt.Tooltip("debt_end:Q", title="Задолженность, тыс. руб.", format=MONEY), alt.Tooltip("Данные:N")]
    style = alt.Scale(domain=list(ESTIMATE_STYLE), range=[v[0] for v in ESTIMATE_STYLE.values()])
    colours = alt.Scale(domain=list(ESTIMATE_STYLE), range=[v[1] for v in ESTIMATE_STYLE.values()])
    line = alt.Chart(data).mark_line(color="#1f5f99").encode(x=x, y=y)
    points = alt.Chart(data).mark_point(size=60, filled=True).encode(
        x=x, y=y, tooltip=tooltip,
        shape=alt.Shape("Данные:N", scale=style, legend=alt.Legend(title=None, columns=1, **LEGEND)),
        color=alt.Color("Данные:N", scale=colours, legend=alt.Legend(title=None, columns=1, **LEGEND)),
    )
    layers = [line, points]
    if pd.notna(target.get("target")):
        goal = pd.DataFrame({"target": [target["target"]]})
        layers.append(alt.Chart(goal).mark_rule(color="#2e7d32", strokeDash=[6, 4]).encode(
            y="target:Q", tooltip=[alt.Tooltip("target:Q", title="Цель, тыс. руб.", format=MONEY)]))
    subtitle = f"цель {fmt.money(target['target'])} тыс. руб. — зелёная линия" if pd.notna(target.get("target")) else None
    return _russian(alt.layer(*layers).properties(title=_title("Задолженность на конец месяца", subtitle), height=HEIGHT))


def collection_chart(by_month: pd.DataFrame, groups: dict[str, str]):
    alt = _altair()
    data = _months(by_month)
    data["Группа"] = data.consumer_group.map(groups)
    order = list(dict.fromkeys(data["Месяц"]))
    lines = alt.Chart(data).mark_line(point=True).encode(
        x=_x(order), y=alt.Y("pct:Q", title="%", scale=alt.Scale(zero=False), axis=_axis()),
        color=alt.Color("Группа:N", title="Группа потребителей", legend=alt.Legend(columns=2, **LEGEND)),
        tooltip=[_month_tip(), "Группа:N", alt.Tooltip("pct:Q", title="Собираемость, %", format=",.1f")],
    )
    hundred = alt.Chart(pd.DataFrame({"y": [100]})).mark_rule(color="#888", strokeDash=[3, 3]).encode(y="y:Q")
    return _russian(alt.layer(lines, hundred).properties(title=_title("Собираемость платежей по месяцам, %", "оплачено / начислено × 100"),
                                                        height=HEIGHT))


def aging_chart(aging: pd.DataFrame):
    alt = _altair()
    data = _months(aging.assign(bucket=aging.bucket.astype(str)))
    data["Срок"] = data.bucket.map(BUCKET_LABELS)
    order = list(dict.fromkeys(data["Месяц"]))
    labels = [BUCKET_LABELS[b] for b in BUCKETS]
    return _russian(alt.Chart(data).mark_bar().encode(
        x=_x(order), y=alt.Y("amount:Q", stack="zero", title="тыс. руб.", axis=_axis()),
        color=alt.Color("Срок:N", sort=labels, title="Срок просрочки",
                        scale=alt.Scale(domain=labels, range=[BUCKET_COLORS[b] for b in BUCKETS]), legend=alt.Legend(columns=2, **LEGEND)),
        order=alt.Order("bucket_order:Q"),
        tooltip=[_month_tip(), "Срок:N", alt.Tooltip("amount:Q", title="Сумма, тыс. руб.", format=MONEY),
                 alt.Tooltip("share:Q", title="Доля, %", format=",.1f")],
    ).transform_calculate(bucket_order=f"indexof({labels!r}, datum['Срок'])").properties(
        title=_title("Просроченная задолженность по срокам"), height=HEIGHT))


def bars(frame: pd.DataFrame, label: str, value: str, title: str, subtitle: str | None = None, color: str = "#1f5f99"):
    """Horizontal bars, largest first, one row per category whatever the number of categories."""
    alt = _altair()
    return _russian(alt.Chart(frame).mark_bar(color=color).encode(
        y=alt.Y(f"{label}:N", sort="-x", title=None, axis=alt.Axis(labelLimit=0)),
        x=alt.X(f"{value}:Q", title="тыс. руб.", axis=_axis()),
        tooltip=[alt.Tooltip(f"{label}:N"), alt.Tooltip(f"{value}:Q", title="Сумма, тыс. руб.", format=MONEY)],
    ).properties(title=_title(title, subtitle), height=alt.Step(BAR_STEP)))


def enforcement_chart(frame: pd.DataFrame, target: float | None):
    """Recovered per month; against the monthly target only when it applies (``None``: the district's
    target does not apply to the chosen part, see ``lib.domain.summary.limits``)."""
    alt = _altair()
    data = _months(frame)
    order = data["Месяц"].tolist()
    tooltip = [_month_tip(), alt.Tooltip("recovered:Q", title="Взыскано, тыс. руб.", format=MONEY)]
    y = alt.Y("recovered:Q", title="тыс. руб.", axis=_axis())
    heading = "Взыскано по исполнительным производствам"
    if target is None:
        bars_ = alt.Chart(data).mark_bar(color="#1f5f99").encode(x=_x(order), y=y, tooltip=tooltip)
        return _russian(bars_.properties(title=_title(heading), height=HEIGHT))
    data["Цель выполнена"] = data.met.map({True: "да", False: "нет"})
    bars_ = alt.Chart(data).mark_bar().encode(
        x=_x(order), y=y,
        color=alt.Color("Цель выполнена:N", scale=alt.Scale(domain=["да", "нет"], range=["#2e7d32", "#c62828"]),
                        legend=alt.Legend(columns=2, **LEGEND)),
        tooltip=[*tooltip, "Цель выполнена:N"],
    )
    rule = alt.Chart(pd.DataFrame({"y": [target]})).mark_rule(color="#333", strokeDash=[6, 4]).encode(y="y:Q")
    return _russian(alt.layer(bars_, rule).properties(
        title=_title(heading, f"цель — {fmt.money(target, 0)} тыс. руб. в месяц (пунктир)"), height=HEIGHT))


def funnel_chart(stages: pd.DataFrame):
    """Claims work from debtors to writs. The stages differ by two orders of magnitude (≈50 000
    debtors beside ≈1 000 applications), so the scale is logarithmic — said under the title — and
    every bar carries its count: the lower stages are as readable as the first."""
    alt = _altair()
    data = stages.assign(shown=stages["count"].clip(lower=1))  # a log scale has no zero: an empty stage is drawn at 1
    y = alt.Y("label:N", sort=list(data.label), title=None, axis=alt.Axis(labelLimit=0))
    x = alt.X("shown:Q", title="количество", scale=alt.Scale(type="log", domainMin=1), axis=_axis())
    tooltip = [alt.Tooltip("label:N", title="Этап"), alt.Tooltip("count:Q", title="Количество", format=WHOLE)]
    bars_ = alt.Chart(data).mark_bar(color="#6a51a3").encode(y=y, x=x, x2=alt.datum(1), tooltip=tooltip)  # bars start at 1
    counts = alt.Chart(data).mark_text(align="left", dx=4, color="#222").encode(y=y, x=x, text=alt.Text("count:Q", format=WHOLE))
    return _russian(alt.layer(bars_, counts).properties(
        title=_title("Претензионно-исковая работа", "логарифмическая шкала: каждое деление — в 10 раз больше"),
        height=alt.Step(BAR_STEP)))
