"""The dashboard's figures as people read them: KPI tiles and tables with Russian labels.

Values stay numbers in the tables (for sorting and Excel) except where a label is the point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.core import fmt
from lib.domain import estimates, quality
from lib.domain.filing import status_text
from lib.domain.periods import period_label
from lib.domain.plan_rules import ATTENTION, ATTENTION_LABEL, needs_attention
from lib.domain.plan_rules import STATUS_LABELS as PLAN_LABELS
from lib.domain.summary import DashboardResult


@dataclass(frozen=True)
class Tile:
    """A KPI tile. Its arrow and colour are stated, not left to Streamlit, which reads the direction only
    from an ASCII «-» at the start of the delta — and the delta is written with a true minus."""

    label: str
    value: str
    delta: str | None = None
    good: str | None = None  # for a change: the direction that is good ("down" for debt); None: a note
    help: str | None = None
    change: float | None = None  # the signed change the delta states (its sign points the arrow)
    tone: str = "gray"  # a note's colour: "red" when it reports something to act on

    @property
    def arrow(self) -> str:
        return fmt.direction(self.change) if self.good and self.change is not None else "off"

    @property
    def color(self) -> str:
        if self.good is None:
            return self.tone
        return "gray" if self.arrow == "off" else "green" if self.arrow == self.good else "red"


def _names(ids, names: dict[str, str]) -> str:
    return ", ".join(names.get(p, p) for p in ids)


def _with(*parts: str | None) -> str | None:
    return " ".join(p for p in parts if p) or None


def tiles(r: DashboardResult, names: dict[str, str], settings) -> list[Tile]:
    t = r.target
    limits = r.limits
    total = r.collection[r.collection.consumer_group == "total"].iloc[0]
    recovered = r.enforcement.set_index("month").recovered.get(r.month, np.nan) if len(r.enforcement) else np.nan
    target_enf = settings["enforcement_monthly_target"]
    month_rows = r.filing[r.filing.month == r.month]
    missing = month_rows[month_rows.status == "missing"]
    returned = month_rows[month_rows.status == "returned"]
    filed = int(month_rows.status.isin(["on_time", "late", "returned"]).sum())
    expected = len(month_rows)
    estimate = estimates.footnote(r.notes, names)
    carried = any(n.estimate for n in r.notes)
    partial = [n for n in r.notes if n.kind == "partial"]
    warned = {k: quality.warning_text(v, names) for k, v in r.warnings.items()}
    in_base = estimates.footnote(r.baseline_notes, names)
    in_base = f"В базовом месяце ({fmt.month_label(settings['baseline_month'])}): {in_base[0].lower()}{in_base[1:]}" if in_base else None
    never = f"Нет ни одного отчёта: {_names(r.never_filed, names)} — в суммы не вошли." if r.never_filed else None
    left_out = (f"К базовому месяцу сравниваются только организации, у которых есть данные за оба месяца; без: "
                f"{_names(t['left_out'], names)}." if t.get("left_out") else None)
    na = lambda key: limits.get(key) or r.no_data

    debt = Tile("Задолженность" + (" · оценка" if carried else "") + (" · замечание" if warned.get("debt") else ""), fmt.money(t["debt"]),
                None if pd.isna(t["change_month"]) else fmt.delta(t["change_month"], unit=" за месяц"), "down",
                _with("Начало месяца + начислено − оплачено − списано, по отчётам с учётом фильтров; изменение за месяц — "
                      "по тем же строкам отчётов в обоих месяцах.", _composition(t), estimate, never, warned.get("debt")),
                change=t["change_month"])
    base_label = (f"К базовому ({fmt.month_label(settings['baseline_month'])})" + (" · оценка" if carried or r.baseline_notes else "")
                  + (" · замечание" if warned.get("baseline") else ""))
    if no_debt(t):
        base = Tile(base_label, "долга нет", None, None, NO_DEBT.format(month=fmt.month_label(r.month, "gen"),
                                                                        base=fmt.month_label(settings["baseline_month"])))
    elif no_baseline_debt(t):
        base = Tile(base_label, "—", None, None, NO_BASELINE_DEBT.format(base=fmt.month_label(settings["baseline_month"]),
                                                                         debt=fmt.money(t["debt_compared"])))
    else:
        base = Tile(base_label, fmt.percent(t["change_pct"]), f"цель −{fmt.number(settings['target_reduction_pct'], 0)}{fmt.NBSP}%", None,
                    _with(f"Базовая задолженность {fmt.money(t['baseline'])}, цель {fmt.money(t['target'])} тыс. руб.", left_out, estimate,
                          in_base, warned.get("baseline")))
    collection = Tile("Собираемость" + (" · замечание" if warned.get("collection") else ""), fmt.percent(total.pct),
                      f"с начала года {fmt.percent(total.pct_ytd)}", None,
                      _with("Оплачено / начислено × 100, по сданным отчётам (отчёты на доработке — как поданы).",
                            f"Без отчёта за {fmt.month_label(r.month)}: {_names(missing.participant_id, names)} — их оплата и "
                            "начисления не учтены." if len(missing) else None,
                            f"Без части строк за {fmt.month_label(r.month)}: {_names([n.participant_id for n in partial], names)} — "
                            "оплата и начисления по недостающим строкам не учтены." if partial else None, warned.get("collection")))
    if "enforcement_target" in limits or pd.isna(recovered):
        enf = Tile("Взыскано по ИП", fmt.money(recovered), None, None, limits.get("enforcement_target"))
    else:
        enf = Tile("Взыскано по ИП", fmt.money(recovered), fmt.delta(recovered - target_enf, unit=f" к цели {fmt.money(target_enf, 0)}"),
                   "up", "По сданным отчётам." + (f" Без отчёта: {_names(missing.participant_id, names)}." if len(missing) else ""),
                   change=recovered - target_enf)
    if expected:
        parts = [f"не сдали: {len(missing)}" if len(missing) else "", f"не все строки: {len(partial)}" if partial else "",
                 f"на доработке: {len(returned)}" if len(returned) else ""]
        status = "; ".join(p for p in parts if p) or "все сдали"
        reports = Tile("Отчёты сданы", f"{filed} из {expected}", status, None,
                       _with(f"Не сдали: {_names(missing.participant_id, names)}." if len(missing) else None,
                             f"Недостающие строки учтены оценкой — {estimates.pending_text(partial, names)}." if partial else None,
                             f"На доработке (цифры в сумме, могут измениться): {_names(returned.participant_id, names)}."
                             if len(returned) else None), tone="red" if len(missing) or len(returned) or partial else "gray")
    else:
        reports = Tile("Отчёты сданы", "—", None, None, r.no_data or "Выбранным фильтрам не соответствует ни одна организация, "
                       "сдающая ежемесячный отчёт.")
    s = r.plan_summary
    plan = Tile(ATTENTION_LABEL, fmt.number(sum(s.get(k, 0) for k in ATTENTION), 0), None, None,
                f"Не выполнено (так сообщил исполнитель): {s.get('not_done', 0)}; просрочено (отчёт не подан после срока): "
                f"{s.get('overdue', 0)}.")
    risk = Tile("Риск давности", fmt.money(r.limitation.at_risk.sum()), None, None,
                "Долг сроком 24–36 мес., не покрытый заявлениями в суд за последние 12 мес.: его съест трёхлетний срок давности.")
    older = Tile("Старше 12 мес.", fmt.percent(r.older_than_12_pct), None, None, estimate)
    if na("debt"):
        debt = Tile("Задолженность", "—", None, None, na("debt"))
        base = Tile(base.label, "—", None, None, na("debt"))
    if na("collection"):
        collection = Tile("Собираемость", "—", None, None, na("collection"))
    if na("enforcement"):
        enf = Tile("Взыскано по ИП", "—", None, None, na("enforcement"))
    if na("claims"):
        risk = Tile("Риск давности", "—", None, None, na("claims"))
    if r.no_data:
        older = Tile("Старше 12 мес.", "—", None, None, r.no_data)
    return [debt, base, collection, enf, reports, plan, risk, older]


def tiles_caption(r: DashboardResult) -> str:
    return f"Показатели за {fmt.month_label(r.month)}; суммы — в тысячах рублей."


def notes_caption(r: DashboardResult, names: dict[str, str]) -> str | None:
    """Under the tiles and charts: every estimate and returned month of the period, by the one rule."""
    return estimates.footnote(r.period_notes, names)


NO_DEBT = "Долга нет: задолженность на конец {month} — 0,0 тыс. руб., в базовом месяце ({base}) — тоже 0,0; цель снижения не применяется."
NO_BASELINE_DEBT = ("В базовом месяце ({base}) долга не было: цель снижения в процентах к нулю не ставится. "
                    "Сейчас задолженность {debt} тыс. руб.")
ZERO = 0.0005  # thousand rubles: below half a ruble is no debt (the figures are kept to the ruble)


def no_debt(t: dict) -> bool:
    """No debt now and none in the baseline month under the filters: there is nothing to reduce."""
    return bool(pd.notna(t["baseline"]) and abs(t["baseline"]) < ZERO and pd.notna(t["debt_compared"]) and abs(t["debt_compared"]) < ZERO)


def no_baseline_debt(t: dict) -> bool:
    return bool(pd.notna(t["baseline"]) and abs(t["baseline"]) < ZERO) and not no_debt(t)


def _composition(t: dict) -> str | None:
    text = made_of(t)
    return text and f"Состав: {text}{'' if text.endswith('.') else '.'}"


def made_of(t: dict) -> str | None:
    """What the month's compared debt is made of, when not all of it is as filed:
    «по сданным отчётам 28 000,0; оценка 3 568,1; на доработке 1 245,0 тыс. руб.»."""
    filed, est, back = t.get("filed_part", 0.0), t.get("estimated_part", 0.0), t.get("returned_part", 0.0)
    if abs(est) < ZERO and abs(back) < ZERO:
        return None
    if abs(filed) < ZERO and abs(back) < ZERO:
        return "вся сумма — оценка, сданных отчётов за месяц нет"
    parts = [f"по сданным отчётам {fmt.money(filed)}", f"оценка {fmt.money(est)}" if abs(est) >= ZERO else None,
             f"на доработке {fmt.money(back)}" if abs(back) >= ZERO else None]
    return f"{'; '.join(p for p in parts if p)} тыс. руб."


def forecast_sentence(r: DashboardResult, settings, names: dict[str, str] | None = None) -> str:
    names = names or {}
    if r.limits.get("debt") or r.no_data:
        return r.limits.get("debt") or r.no_data
    t = r.target
    if no_debt(t):
        return NO_DEBT.format(month=fmt.month_label(r.month, "gen"), base=fmt.month_label(settings["baseline_month"]))
    if no_baseline_debt(t):
        return NO_BASELINE_DEBT.format(base=fmt.month_label(settings["baseline_month"]), debt=fmt.money(t["debt_compared"]))
    if t["will_meet"] is None:
        return "Недостаточно данных для прогноза."
    sentence = _verdict(t, settings, list(r.notes), names)
    base = estimates.pending_text(r.baseline_notes, names)
    if base:
        sentence += f" Базовый месяц ({fmt.month_label(settings['baseline_month'])}) посчитан с оценкой — {base}."
    warned = quality.warning_text(r.warnings.get("forecast", pd.DataFrame()), names)
    if warned and t["months_left"] > 0:
        sentence += (" Тренд — медиана наклонов по всем парам месяцев (метод Тейла — Сена): одно ошибочное значение его не сдвигает. "
                     + warned)
    elif warned:
        sentence += " " + warned
    return sentence


def _verdict(t: dict, settings, pending: list, names: dict[str, str]) -> str:
    """The target verdict: only what holds. While an estimate or a report under correction is in the
    month's total (``pending``), the target is never stated as reached: the sentence says what the sum
    is made of and who is still to file — unless the target is missed even with the estimates left out.
    Otherwise: reached (or missed) at the plan's end; before it, already below the target, on track, or
    the monthly reduction still needed."""
    goal = f"Цель снижения на {fmt.number(settings['target_reduction_pct'], 0)} % к концу плана ({fmt.month_label(settings['plan_end'])})"
    wait = f"; {estimates.pending_text(pending, names)}. Вывод о цели — после их отчётов."
    debt, target = t["debt_compared"], t["target"]
    parts = made_of(t)
    of = f" ({parts})" if parts else ""
    if t["months_left"] == 0:
        if not pending:
            return f"{goal} {'достигнута' if debt <= target else 'не достигнута'}: {fmt.money(debt)} при цели {fmt.money(target)} тыс. руб."
        filed_only = debt - t.get("estimated_part", 0.0)
        if filed_only > target and all(n.estimate for n in pending):
            return (f"{goal} не достигнута: даже без оценки задолженность по сданным отчётам {fmt.money(filed_only)} больше цели "
                    f"{fmt.money(target)} тыс. руб.; {estimates.pending_text(pending, names)}.")
        return (f"{goal}: всего {fmt.money(debt)} тыс. руб.{of} — {'ниже' if debt <= target else 'выше'} цели "
                f"{fmt.money(target)} на {fmt.money(abs(t['gap']))}{wait}")
    trend = (f"при нынешнем тренде ({fmt.money(t['trend_per_month'])} тыс. руб. в месяц) к {fmt.month_label(settings['plan_end'], 'dat')} "
             f"задолженность составит {fmt.money(t['forecast'])} тыс. руб.")
    if pending:
        return (f"Сейчас {fmt.money(debt)} тыс. руб.{of}; {trend} — {'ниже' if t['will_meet'] else 'выше'} цели "
                f"{fmt.money(target)}{wait}")
    left = t["months_left"]
    if debt <= target:
        if t["will_meet"]:
            return (f"Цель уже достигнута: {fmt.money(debt)} при цели {fmt.money(target)} тыс. руб.; {trend} — тоже не выше цели.")
        room = (target - debt) / left
        return (f"Цель пока достигнута: {fmt.money(debt)} при цели {fmt.money(target)} тыс. руб., но {trend} — выше цели. "
                f"Чтобы её удержать, долг может расти не больше чем на {fmt.money(room)} тыс. руб. в месяц.")
    needed = t["reduction_needed_per_month"]
    if t["will_meet"]:
        return (f"{trend[0].upper()}{trend[1:]} — не выше цели {fmt.money(target)}: при таком снижении цель будет достигнута "
                f"(нужно не меньше {fmt.money(needed)} тыс. руб. в месяц).")
    return (f"{trend[0].upper()}{trend[1:]} — цель {fmt.money(target)} не будет достигнута. "
            f"Нужно снижать на {fmt.money(needed)} тыс. руб. в месяц.")


def ranking_table(frame: pd.DataFrame, names: dict[str, str], since: str) -> pd.DataFrame:
    return pd.DataFrame({
        "Место по долгу": frame.rank_level, "Участник": [names.get(i, i) for i in frame["id"]],
        "Долг на конец, тыс. руб.": frame.debt,
        f"Рост с начала {fmt.month_label(since, 'gen')}, тыс. руб.": frame.growth,
        "Рост, %": frame.growth_pct, "Место по росту": frame.rank_growth,
        "Примечание": ["оценка: есть организации без отчёта" if e else "" for e in frame.estimated],
    })


def filing_table(matrix: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    shown = matrix.assign(text=[status_text(r.status, getattr(r, "corrected_on", None), getattr(r, "missing_lines", None))
                                for r in matrix.itertuples()])
    wide = shown.pivot(index="participant_id", columns="month", values="text")
    wide.columns = [fmt.month_label(m) for m in wide.columns]
    wide.index = [names.get(p, p) for p in wide.index]
    return wide.rename_axis("Участник").reset_index()


def plan_overdue_table(plan: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """The measures the «не выполнено или просрочено» tile counts, in the plan's item order."""
    late = needs_attention(plan)
    return pd.DataFrame({
        "Пункт": late.item_no.fillna(""), "Мероприятие": late.measure, "Исполнитель": [names.get(p, p) for p in late.participant_id],
        "Период": late.period.map(period_label), "Состояние": late.status.map(PLAN_LABELS),
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
        "Срок": od.due_date, "Заседание": od.meeting_date,
    })


def limitation_table(frame: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({
        "Организация": [names.get(p, p) for p in frame.participant_id], "Долг 24–36 мес., тыс. руб.": frame.old_debt,
        "Подано в суд за 12 мес., тыс. руб.": frame.sued, "Под угрозой, тыс. руб.": frame.at_risk,
    })
