"""Vega-Lite chart specs (plain dicts) from metric tables: Russian titles, axis labels and tooltips; one fixed
colour per aging bucket everywhere. Data arrives aggregated (a few dozen rows), never raw rows.

The specs are written here as Vega-Lite JSON, without Altair: Altair with its schema is ≈ 40 MB of a server process
and checks every spec against the schema at each conversion; the page only needs the spec. The tests check every
chart's spec against the Vega-Lite schema with Altair (only the tests use it).

Every chart leaves here through ``_russian``: one Vega locale («1 234,5» with U+00A0, a decimal comma, a true minus,
Russian month names) for its axes and tooltips, so figures are numbers in the spec and read as in the tables. Sizes
are chosen so that nothing is cut at 1280 px in the dashboard's two columns: a bar chart with a category axis grows
with its categories (a height ``step``, not a fixed height that Streamlit's «fit» squeezes its axes into), labels and
legends have no length limit and legends wrap into columns, long titles go on two lines.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math

import pandas as pd

from lib.core import fmt
from lib.domain.categories import BUCKET_LABELS, BUCKETS

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
# the Vega-Lite version of the specs: the one the tests check them against (Altair's ``SCHEMA_URL``)
SCHEMA = "https://vega.github.io/schema/vega-lite/v6.4.1.json"
TYPES = {"N": "nominal", "Q": "quantitative", "O": "ordinal", "T": "temporal"}

# Vega-Lite ``config.locale``: d3-format and d3-time-format locale objects
LOCALE = {
    "number": {"currency": ["", f"{fmt.NBSP}₽"], "decimal": ",", "grouping": [3], "thousands": fmt.NBSP, "minus": fmt.MINUS,
               "percent": f"{fmt.NBSP}%"},
    "time": {"date": "%d.%m.%Y", "dateTime": "%A, %e %B %Y г. %X",
             "days": ["воскресенье", "понедельник", "вторник", "среда", "четверг", "пятница", "суббота"],
             "months": list(fmt.MONTH_CASES["gen"]), "periods": ["", ""], "shortDays": ["вс", "пн", "вт", "ср", "чт", "пт", "сб"],
             "shortMonths": list(SHORT_MONTHS), "time": "%H:%M:%S"},
}


def _field(shorthand: str, **options) -> dict:
    """An encoding channel: ``"Месяц:N"`` is the field «Месяц», nominal."""
    name, kind = shorthand.rsplit(":", 1)
    return {"field": name, "type": TYPES[kind], **options}


def _values(frame: pd.DataFrame) -> list[dict]:
    """A frame's rows as JSON values: numbers as numbers, a missing value (NaN, infinity, NA) as null."""
    columns = {}
    for name, column in frame.items():
        values = column.astype(object).tolist()
        columns[name] = [None if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and not math.isfinite(v))
                         else v.item() if hasattr(v, "item") else v for v in values]
    return [dict(zip(columns, row)) for row in zip(*columns.values())]


def _data(frame: pd.DataFrame, datasets: dict) -> dict:
    """The frame's rows kept once in the spec's ``datasets`` under a name made from them; the view names them."""
    values = _values(frame)
    name = "data-" + hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()[:32]
    datasets[name] = values
    return {"name": name}


def _axis() -> dict:
    return {"format": WHOLE, "labelLimit": 0}


# Streamlit sizes a chart with Vega's autosize «fit» (streamlit/elements/vega_charts.py): the whole chart,
# title, legend and rotated month labels included, is squeezed into ``height`` — at 1280 px the aging and
# debt charts kept a plot 40–90 px tall under a two-line title and a two-column legend. «fit-x» fits the
# width only: the plot keeps its own height and the title and legend add to it
# (https://vega.github.io/vega-lite/docs/size.html#autosize).
AUTOSIZE = {"type": "fit-x", "contains": "padding"}


def _russian(chart: dict, datasets: dict) -> dict:
    """The one place every chart passes: the Russian locale, titles never cut, the plot's height its own."""
    return {**chart, "autosize": dict(AUTOSIZE), "$schema": SCHEMA, "datasets": datasets,
            "config": {"view": {"continuousWidth": 300, "continuousHeight": 300}, "axis": {"labelLimit": 0, "titleLimit": 0},
                       "legend": {"labelLimit": 0, "titleLimit": 0}, "locale": copy.deepcopy(LOCALE), "title": {"anchor": "start", "limit": 0}}}


def month_short(month: str) -> str:
    return f"{SHORT_MONTHS[int(month[5:7]) - 1]} {month[2:4]}"


def _months(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out["Месяц"] = out["month"].map(month_short)
    out["Месяц (полностью)"] = out["month"].map(fmt.month_label)
    return out


def _x(order: list[str]) -> dict:
    return _field("Месяц:N", sort=order, title=None, axis={"labelAngle": -45})


def _month_tip() -> dict:
    return _field("Месяц (полностью):N", title="Месяц")


def _title(text: str, subtitle: str | None = None) -> dict:
    return {"text": text, "anchor": "start", "limit": 0, **({"subtitle": subtitle} if subtitle else {})}


def debt_chart(totals: pd.DataFrame, target: dict, months: list[str] | None = None) -> dict:
    """The debt at month end over the chosen ``months`` and the target. A month whose total carries an
    estimate (a utility without a report, ``lib.domain.estimates``) is drawn as an orange diamond and says so."""
    shown = totals if months is None else totals[totals.month.isin(months)]
    data = _months(shown[["month", "debt_end", "estimated"]] if "estimated" in shown else shown[["month", "debt_end"]].assign(estimated=False))
    data["Данные"] = data.estimated.map({True: "оценка: сданы не все отчёты или строки", False: "по сданным отчётам"})
    datasets: dict = {}
    rows = _data(data, datasets)
    order = data["Месяц"].tolist()
    x = _x(order)
    y = _field("debt_end:Q", title="тыс. руб.", scale={"zero": False}, axis=_axis())
    tooltip = [_month_tip(), _field("debt_end:Q", title="Задолженность, тыс. руб.", format=MONEY), _field("Данные:N")]
    style = {"domain": list(ESTIMATE_STYLE), "range": [v[0] for v in ESTIMATE_STYLE.values()]}
    colours = {"domain": list(ESTIMATE_STYLE), "range": [v[1] for v in ESTIMATE_STYLE.values()]}
    legend = {"title": None, "columns": 1, **LEGEND}
    layers = [{"data": rows, "mark": {"type": "line", "color": "#1f5f99"}, "encoding": {"x": x, "y": y}},
              {"data": rows, "mark": {"type": "point", "size": 60, "filled": True},
               "encoding": {"x": x, "y": y, "tooltip": tooltip, "shape": _field("Данные:N", scale=style, legend=legend),
                            "color": _field("Данные:N", scale=colours, legend=legend)}}]
    if pd.notna(target.get("target")):
        goal = _data(pd.DataFrame({"target": [target["target"]]}), datasets)
        layers.append({"data": goal, "mark": {"type": "rule", "color": "#2e7d32", "strokeDash": [6, 4]},
                       "encoding": {"y": _field("target:Q"), "tooltip": [_field("target:Q", title="Цель, тыс. руб.", format=MONEY)]}})
    subtitle = f"цель {fmt.money(target['target'])} тыс. руб. — зелёная линия" if pd.notna(target.get("target")) else None
    chart = {"layer": layers, "title": _title("Задолженность на конец месяца", subtitle), "height": HEIGHT}
    if len(layers) == 2:  # one data set for every layer: named once, for the whole chart
        chart = {"data": rows, **chart, "layer": [{k: v for k, v in layer.items() if k != "data"} for layer in layers]}
    return _russian(chart, datasets)


def collection_chart(by_month: pd.DataFrame, groups: dict[str, str]) -> dict:
    data = _months(by_month)
    data["Группа"] = data.consumer_group.map(groups)
    order = list(dict.fromkeys(data["Месяц"]))
    datasets: dict = {}
    lines = {"data": _data(data, datasets), "mark": {"type": "line", "point": True}, "encoding": {
        "x": _x(order), "y": _field("pct:Q", title="%", scale={"zero": False}, axis=_axis()),
        "color": _field("Группа:N", title="Группа потребителей", legend={"columns": 2, **LEGEND}),
        "tooltip": [_month_tip(), _field("Группа:N"), _field("pct:Q", title="Собираемость, %", format=",.1f")]}}
    hundred = {"data": _data(pd.DataFrame({"y": [100]}), datasets), "mark": {"type": "rule", "color": "#888", "strokeDash": [3, 3]},
               "encoding": {"y": _field("y:Q")}}
    return _russian({"layer": [lines, hundred], "title": _title("Собираемость платежей по месяцам, %", "оплачено / начислено × 100"),
                     "height": HEIGHT}, datasets)


def aging_chart(aging: pd.DataFrame) -> dict:
    data = _months(aging.assign(bucket=aging.bucket.astype(str)))
    data["Срок"] = data.bucket.map(BUCKET_LABELS)
    order = list(dict.fromkeys(data["Месяц"]))
    labels = [BUCKET_LABELS[b] for b in BUCKETS]
    datasets: dict = {}
    return _russian({"data": _data(data, datasets), "mark": {"type": "bar"}, "encoding": {
        "x": _x(order), "y": _field("amount:Q", stack="zero", title="тыс. руб.", axis=_axis()),
        "color": _field("Срок:N", sort=labels, title="Срок просрочки", scale={"domain": labels, "range": [BUCKET_COLORS[b] for b in BUCKETS]},
                        legend={"columns": 2, **LEGEND}),
        "order": _field("bucket_order:Q"),
        "tooltip": [_month_tip(), _field("Срок:N"), _field("amount:Q", title="Сумма, тыс. руб.", format=MONEY),
                    _field("share:Q", title="Доля, %", format=",.1f")]},
        "transform": [{"calculate": f"indexof({labels!r}, datum['Срок'])", "as": "bucket_order"}],
        "title": _title("Просроченная задолженность по срокам"), "height": HEIGHT}, datasets)


def bars(frame: pd.DataFrame, label: str, value: str, title: str, subtitle: str | None = None, color: str = "#1f5f99") -> dict:
    """Horizontal bars, largest first, one row per category whatever the number of categories."""
    datasets: dict = {}
    return _russian({"data": _data(frame, datasets), "mark": {"type": "bar", "color": color}, "encoding": {
        "y": _field(f"{label}:N", sort="-x", title=None, axis={"labelLimit": 0}),
        "x": _field(f"{value}:Q", title="тыс. руб.", axis=_axis()),
        "tooltip": [_field(f"{label}:N"), _field(f"{value}:Q", title="Сумма, тыс. руб.", format=MONEY)]},
        "title": _title(title, subtitle), "height": {"step": BAR_STEP}}, datasets)


def enforcement_chart(frame: pd.DataFrame, target: float | None) -> dict:
    """Recovered per month; against the monthly target only when it applies (``None``: the district's
    target does not apply to the chosen part, see ``lib.domain.summary.limits``)."""
    data = _months(frame)
    order = data["Месяц"].tolist()
    tooltip = [_month_tip(), _field("recovered:Q", title="Взыскано, тыс. руб.", format=MONEY)]
    y = _field("recovered:Q", title="тыс. руб.", axis=_axis())
    heading = "Взыскано по исполнительным производствам"
    datasets: dict = {}
    if target is None:
        return _russian({"data": _data(data, datasets), "mark": {"type": "bar", "color": "#1f5f99"},
                         "encoding": {"x": _x(order), "y": y, "tooltip": tooltip}, "title": _title(heading), "height": HEIGHT}, datasets)
    data["Цель выполнена"] = data.met.map({True: "да", False: "нет"})
    bars_ = {"data": _data(data, datasets), "mark": {"type": "bar"}, "encoding": {
        "x": _x(order), "y": y,
        "color": _field("Цель выполнена:N", scale={"domain": ["да", "нет"], "range": ["#2e7d32", "#c62828"]}, legend={"columns": 2, **LEGEND}),
        "tooltip": [*tooltip, _field("Цель выполнена:N")]}}
    rule = {"data": _data(pd.DataFrame({"y": [target]}), datasets), "mark": {"type": "rule", "color": "#333", "strokeDash": [6, 4]},
            "encoding": {"y": _field("y:Q")}}
    return _russian({"layer": [bars_, rule], "title": _title(heading, f"цель — {fmt.money(target, 0)} тыс. руб. в месяц (пунктир)"),
                     "height": HEIGHT}, datasets)


def funnel_chart(stages: pd.DataFrame) -> dict:
    """Claims work from debtors to writs. The stages differ by two orders of magnitude (≈50 000
    debtors beside ≈1 000 applications), so the scale is logarithmic — said under the title — and
    every bar carries its count: the lower stages are as readable as the first."""
    data = stages.assign(shown=stages["count"].clip(lower=1))  # a log scale has no zero: an empty stage is drawn at 1
    y = _field("label:N", sort=list(data.label), title=None, axis={"labelLimit": 0})
    x = _field("shown:Q", title="количество", scale={"type": "log", "domainMin": 1}, axis=_axis())
    tooltip = [_field("label:N", title="Этап"), _field("count:Q", title="Количество", format=WHOLE)]
    bars_ = {"mark": {"type": "bar", "color": "#6a51a3"}, "encoding": {"y": y, "x": x, "x2": {"datum": 1}, "tooltip": tooltip}}  # bars start at 1
    counts = {"mark": {"type": "text", "align": "left", "dx": 4, "color": "#222"},
              "encoding": {"y": y, "x": x, "text": _field("count:Q", format=WHOLE)}}
    datasets: dict = {}
    return _russian({"data": _data(data, datasets), "layer": [bars_, counts],
                     "title": _title("Претензионно-исковая работа", "логарифмическая шкала: каждое деление — в 10 раз больше"),
                     "height": {"step": BAR_STEP}}, datasets)
