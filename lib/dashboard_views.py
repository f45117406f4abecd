"""The dashboard's figures as people read them: KPI tiles and tables with Russian labels.

Values stay numbers in the tables (for sorting and Excel) except where a label is the point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib import fmt
from lib.dashboard import DashboardResult
from lib.filing import STATUS_LABELS as FILING_LABELS
from lib.periods import quarter_label, shift_month
from lib.plan_rules import STATUS_LABELS as PLAN_LABELS


@dataclass(frozen=True)
class Tile:
    label: str
    value: str
    delta: str | None = None
    delta_color: str = "normal"  # "inverse": a decrease is good (debt)
    help: str | None = None
    arrow: str = "auto"  # "off" for a note that is not a change


def tiles(r: DashboardResult, names: dict[str, str], settings) -> list[Tile]:
    t = r.target
    totals = r.totals.set_index("month")
    prev = shift_month(r.month, -1)
    debt_delta = t["debt"] - totals.debt_end.get(prev, np.nan) if prev in totals.index else np.nan
    total = r.collection[r.collection.consumer_group == "total"].iloc[0]
    recovered = r.enforcement.set_index("month").recovered.get(r.month, np.nan) if len(r.enforcement) else np.nan
    target_enf = settings["enforcement_monthly_target"]
    missing = r.filing[(r.filing.month == r.month) & r.filing.status.isin(["missing", "returned"])]
    filed = int((r.filing[r.filing.month == r.month].status.isin(["on_time", "late"])).sum())
    expected = int((r.filing.month == r.month).sum())
    return [
        Tile("Задолженность", fmt.money(t["debt"]),
             None if np.isnan(debt_delta) else fmt.delta(debt_delta, unit=" за месяц"), "inverse",
             "Начало месяца + начислено − оплачено − списано, по всем отчётам с учётом фильтров."
             + (f" Нет данных: {', '.join(names.get(p, p) for p in missing.participant_id)}." if len(missing) else "")),
        Tile(f"К базовому ({fmt.month_label(settings['baseline_month'])})", fmt.percent(t["change_pct"]),
             f"цель −{fmt.number(settings['target_reduction_pct'], 0)} %", "off",
             f"Базовая задолженность {fmt.money(t['baseline'])}, цель {fmt.money(t['target'])} тыс. руб.", "off"),
        Tile("Собираемость", fmt.percent(total.pct), f"с начала года {fmt.percent(total.pct_ytd)}", "off",
             "Оплачено / начислено × 100.", "off"),
        Tile("Взыскано по ИП", fmt.money(recovered),
             None if np.isnan(recovered) else fmt.delta(recovered - target_enf, unit=f" к цели {fmt.money(target_enf, 0)}"), "normal"),
        Tile("Отчёты сданы", f"{filed} из {expected}",
             f"не сдали: {len(missing)}" if len(missing) else "все сдали", "inverse" if len(missing) else "off",
             None, "off"),
        Tile("Просрочено в плане", str(r.plan_summary.get("overdue", 0) + r.plan_summary.get("not_done", 0)),
             None, "off", "Отчёт не подан после срока или мероприятие не выполнено."),
        Tile("Риск давности", fmt.money(r.limitation.at_risk.sum()), None, "off",
             "Долг сроком 24–36 мес., не покрытый заявлениями в суд за последние 12 мес.: его съест трёхлетний срок давности."),
        Tile("Старше 12 мес.", fmt.percent(r.older_than_12_pct), None, "off"),
    ]


def tiles_caption(r: DashboardResult) -> str:
    return f"Показатели за {fmt.month_label(r.month)}; суммы — в тысячах рублей."


def forecast_sentence(r: DashboardResult, settings, names: dict[str, str] | None = None) -> str:
    t = r.target
    if t["will_meet"] is None:
        return "Недостаточно данных для прогноза."
    missing = r.filing[(r.filing.month == r.month) & r.filing.status.isin(["missing", "returned"])].participant_id
    caveat = (f" Без отчёта за {fmt.month_label(r.month)}: {', '.join((names or {}).get(p, p) for p in missing)} — "
              "их задолженность в эту сумму не вошла." if len(missing) else "")
    return _forecast(t, settings) + caveat


def _forecast(t: dict, settings) -> str:
    end = fmt.month_label(settings["plan_end"])
    if t["months_left"] == 0:
        verdict = "достигнута" if t["will_meet"] else "не достигнута"
        return (f"Цель снижения на {fmt.number(settings['target_reduction_pct'], 0)} % к концу плана ({end}) {verdict}: "
                f"{fmt.money(t['debt'])} при цели {fmt.money(t['target'])} тыс. руб.")
    verdict = "будет достигнута" if t["will_meet"] else "не будет достигнута"
    return (f"При нынешнем тренде ({fmt.money(t['trend_per_month'])} тыс. руб. в месяц) к {end} задолженность составит "
            f"{fmt.money(t['forecast'])} тыс. руб. — цель {fmt.money(t['target'])} {verdict}. "
            f"Нужно снижать на {fmt.money(t['reduction_needed_per_month'])} тыс. руб. в месяц.")


def ranking_table(frame: pd.DataFrame, names: dict[str, str], since: str) -> pd.DataFrame:
    return pd.DataFrame({
        "Место по долгу": frame.rank_level, "Участник": [names.get(i, i) for i in frame["id"]],
        "Долг на конец, тыс. руб.": frame.debt.round(1),
        f"Рост с {fmt.month_label(since)}, тыс. руб.": frame.growth.round(1),
        "Рост, %": frame.growth_pct.round(1), "Место по росту": frame.rank_growth,
    })


def filing_table(matrix: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    wide = matrix.pivot(index="participant_id", columns="month", values="status")
    wide = wide.map(lambda s: FILING_LABELS.get(s, s))
    wide.columns = [fmt.month_label(m) for m in wide.columns]
    wide.index = [names.get(p, p) for p in wide.index]
    return wide.rename_axis("Участник").reset_index()


def plan_overdue_table(plan: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    late = plan[plan.status.isin(["overdue", "not_done"])]
    return pd.DataFrame({
        "Пункт": late.item_no.fillna(""), "Мероприятие": late.measure, "Исполнитель": [names.get(p, p) for p in late.participant_id],
        "Период": late.period.map(quarter_label), "Состояние": late.status.map(PLAN_LABELS),
    })


def plan_status_table(summary: dict) -> pd.DataFrame:
    return pd.DataFrame({"Состояние": [PLAN_LABELS[k] for k in summary], "Отчётов": list(summary.values())})


def quality_table(quality: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({
        "Участник": [names.get(p, p) for p in quality.participant_id],
        "Поселение": [names.get(s, s) for s in quality.settlement_id],
        "Месяц": quality.month.map(fmt.month_label), "Поле": quality.field, "Что не так": quality.message,
        "Открыть": [f"/entry?participant={p}&month={m}" for p, m in zip(quality.participant_id, quality.month)],
    })


def overdue_decisions_table(decisions: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    od = decisions[decisions.overdue]
    return pd.DataFrame({
        "Поручение": od.text, "Ответственный": od.responsible_id.map(lambda p: names.get(p, p)),
        "Срок": od.due_date.map(fmt.date_ru), "Заседание": od.meeting_date.map(fmt.date_ru),
    })


def limitation_table(frame: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({
        "Организация": [names.get(p, p) for p in frame.participant_id], "Долг 24–36 мес., тыс. руб.": frame.old_debt.round(1),
        "Подано в суд за 12 мес., тыс. руб.": frame.sued.round(1), "Под угрозой, тыс. руб.": frame.at_risk.round(1),
    })
