"""The rules of DESIGN §3: hard errors block a save, warnings are shown and saved with it.

Every finding names the form, the row (as the person sees it) and the field in Russian.
Field-level rules (numbers ≥ 0, three decimals, whole counts, bounds) come from the schema
through the parser; this module adds the rules that need several fields or other months.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.core import fmt
from lib.core.parsing import number_text
from lib.domain.categories import BUCKETS
from lib.domain.metrics import closing_debt, collection_pct

AGING_TOLERANCE = 0.5  # thousand rubles: buckets may differ from the overdue debt by rounding only
CONTINUITY_PCT, CONTINUITY_ABS = 0.5, 1.0  # % and thousand rubles
COLLECTION_HIGH, COLLECTION_LOW = 150.0, 30.0
JUMP_FACTOR = 5.0
MAGNITUDE_FACTOR = 20.0  # ×20 or ÷20: a digit lost or added, a comma in the wrong place
# ...but not over small sums, which swing by nature (enforcement receipts of 0,4 then 12 thousand):
# a difference below this is not asked about (thousand rubles; pieces for counts)
MAGNITUDE_FLOOR = {"money": 50.0, "integer": 20.0}


@dataclass(frozen=True)
class Finding:
    form: str  # «Ежемесячный отчёт», «Структура задолженности», …
    row: str  # what the person sees: «Город Ленск, население»
    field: str  # Russian column title, or "" for the whole row
    message: str

    def __str__(self) -> str:
        where = f"{self.form}, {self.row}" if self.row else self.form
        return f"{where}{', «' + self.field + '»' if self.field else ''}: {self.message}"


@dataclass(frozen=True)
class ToConfirm(Finding):
    """A value so far from the same line's usual one that it is saved only once the person confirms
    exactly this value (``token`` names the record, the field and the value; a changed value is a
    new token, so an earlier confirmation no longer covers it)."""

    token: str = ""
    reason: bool = False  # an accounting identity broken: confirmed only with a stated reason, stored with the value


REASON_MARK = "подтверждено с причиной"


def identity_findings(rows: list[dict], label, token_of) -> list[ToConfirm]:
    """The accounting identities of a monthly line (DESIGN §3): the debt at the end of the month is not below zero,
    payments are not above the debt plus accruals, a write-off is not above the debt. A line that breaks one is
    saved only when the person confirms it with a reason (a court decision, a recalculation), which is stored
    with the value. ``token_of(row, what, values)`` names the line and the values confirmed."""
    out = []
    for r in rows:
        start, accrued, paid, written = (r.get(k) for k in ("debt_start", "accrued", "paid", "written_off"))
        if any(v is None or pd.isna(v) for v in (start, accrued, paid)):
            continue
        written = 0.0 if written is None or pd.isna(written) else written
        end = closing_debt(start, accrued, paid, written)
        values = (start, accrued, paid, written)
        broken = []
        if written > start + 1e-9:
            broken.append(("Списано", f"{number_text(written)} больше задолженности на начало месяца {number_text(start)}"))
        if paid > start + accrued + 1e-9:
            broken.append(("Оплачено", f"{number_text(paid)} больше задолженности на начало месяца и начисленного "
                                       f"({number_text(round(start + accrued, 3))})"))
        if end < -1e-9 and not broken:
            broken.append(("Задолженность на конец месяца", f"получается {fmt.exact(round(end, 3))} — меньше нуля"))
        for field, what in broken:
            out.append(ToConfirm("Ежемесячный отчёт", label(r), field,
                                 f"{what} (задолженность на конец месяца {fmt.exact(round(end, 3))}). Если это верно, подтвердите "
                                 "и укажите причину — она сохранится вместе со значением", token_of(r, field, values), reason=True))
    return out


def magnitude_findings(form: str, rows: list[dict], fields: dict[str, tuple[str, float]], reference, label,
                       token_of) -> list[ToConfirm]:
    """Values ≥ ×20 or ≤ ÷20 of the same line's reference (last month, else its median so far).

    ``fields``: key -> (Russian title, the smallest difference worth asking about);
    ``reference(row, field)`` -> (value, "в прошлом месяце") or None; zeros on either side are not
    compared (a zero is typed on purpose, not a lost digit).
    """
    out = []
    for r in rows:
        for field, (title, floor) in fields.items():
            value = r.get(field)
            if value is None or pd.isna(value) or value <= 0:
                continue
            found = reference(r, field)
            if found is None or pd.isna(found[0]) or found[0] <= 0:
                continue
            base, basis = found
            if abs(value - base) < floor:
                continue
            ratio = value / base
            if ratio >= MAGNITUDE_FACTOR:
                how = f"в {fmt.number(ratio, 0)} раз больше, чем {basis} ({fmt.exact(base)}): нет ли лишней цифры или запятой не на месте?"
            elif ratio * MAGNITUDE_FACTOR <= 1:
                how = f"в {fmt.number(1 / ratio, 0)} раз меньше, чем {basis} ({fmt.exact(base)}): не потеряна ли цифра?"
            else:
                continue
            out.append(ToConfirm(form, label(r), title, f"{number_text(value)} — {how} Если значение верно, подтвердите его",
                                 token_of(r, field, value)))
    return out


def unconfirmed(findings: list[ToConfirm], confirmed) -> list[ToConfirm]:
    """The findings whose exact value the person has not confirmed."""
    confirmed = set(confirmed or ())
    return [f for f in findings if f.token not in confirmed]


def check_month(month: str, plan_start: str, last_fileable: str) -> list[Finding]:
    """A report for month M can be filed from the 1st of M+1 and not for months before the plan."""
    if month > last_fileable:
        return [Finding("Отчётный месяц", "", "", f"отчёт за {fmt.month_label(month)} можно подать только после окончания месяца")]
    if month < plan_start:
        return [Finding("Отчётный месяц", "", "", f"{fmt.month_label(month)} — раньше начала плана ({fmt.month_label(plan_start)})")]
    return []


def monthly_errors(rows: pd.DataFrame, label) -> list[Finding]:
    """Hard errors across fields of the monthly report (rows already typed by the schema)."""
    out = []
    for _, r in rows.iterrows():
        if pd.notna(r.recovered_enforcement) and pd.notna(r.paid) and r.recovered_enforcement > r.paid + 1e-9:
            out.append(Finding("Ежемесячный отчёт", label(r), "Получено по исполнительным производствам",
                               f"{fmt.exact(r.recovered_enforcement)} больше оплаты {fmt.exact(r.paid)}: "
                               "взысканное по исполнительным производствам входит в оплату"))
    return out


def monthly_warnings(rows: pd.DataFrame, previous: pd.DataFrame, history: pd.DataFrame, label) -> list[Finding]:
    """Warnings: continuity with last month, overdue above the debt, odd collection, jumps against own median.

    ``previous``: last month's current rows of the same participant; ``history``: all its earlier months.
    """
    out = []
    key = ["settlement_id", "consumer_group"]
    prev = previous.set_index(key) if len(previous) else None
    for _, r in rows.iterrows():
        where = label(r)
        if prev is not None and (r.settlement_id, r.consumer_group) in prev.index:
            p = prev.loc[(r.settlement_id, r.consumer_group)]
            expected = closing_debt(p.debt_start, p.accrued, p.paid, p.written_off if pd.notna(p.written_off) else 0.0)
            tolerance = max(CONTINUITY_ABS, abs(expected) * CONTINUITY_PCT / 100)
            if pd.notna(r.debt_start) and abs(r.debt_start - expected) > tolerance:
                out.append(Finding("Ежемесячный отчёт", where, "Задолженность на начало месяца",
                                   f"{fmt.exact(r.debt_start)} не равна остатку прошлого месяца {fmt.exact(expected)} "
                                   "(начало + начислено − оплачено − списано)"))
        end = closing_debt(r.debt_start, r.accrued, r.paid, r.written_off if pd.notna(r.written_off) else 0.0)
        if pd.notna(r.overdue) and pd.notna(end) and r.overdue > end + 1e-9:
            out.append(Finding("Ежемесячный отчёт", where, "Просроченная задолженность",
                               f"{fmt.exact(r.overdue)} больше задолженности на конец месяца {fmt.exact(end)}"))
        pct = collection_pct(r.paid, r.accrued)
        if not np.isnan(pct) and (pct > COLLECTION_HIGH or pct < COLLECTION_LOW):
            out.append(Finding("Ежемесячный отчёт", where, "Оплачено",
                               f"собираемость {fmt.percent(pct)} — вне обычных {fmt.number(COLLECTION_LOW, 0)}–{fmt.number(COLLECTION_HIGH, 0)} %"))
        if len(history):
            own = history[(history.settlement_id == r.settlement_id) & (history.consumer_group == r.consumer_group)]
            for field, title in (("accrued", "Начислено"), ("paid", "Оплачено"), ("debt_start", "Задолженность на начало месяца")):
                median = own[field].median()
                value = r[field]
                if pd.notna(median) and median > 0 and pd.notna(value) and (value > JUMP_FACTOR * median or value * JUMP_FACTOR < median):
                    out.append(Finding("Ежемесячный отчёт", where, title,
                                       f"{fmt.exact(value)} отличается больше чем в {fmt.number(JUMP_FACTOR, 0)} раз "
                                       f"от обычного для организации ({fmt.exact(median)}) — проверьте единицы (тыс. руб.)"))
    return out


def structure_errors(structure: pd.DataFrame, monthly: pd.DataFrame, label) -> list[Finding]:
    """The aging buckets over all resources must equal the overdue debt of the same line (±0.5)."""
    out = []
    if structure.empty:
        return out
    totals = structure.assign(_t=structure[list(BUCKETS)].fillna(0).sum(axis=1)).groupby(
        ["settlement_id", "consumer_group"], sort=False)["_t"].sum()
    overdue = monthly.set_index(["settlement_id", "consumer_group"])["overdue"] if len(monthly) else pd.Series(dtype=float)
    for (settlement, group), total in totals.items():
        expected = overdue.get((settlement, group))
        if expected is None or pd.isna(expected):
            out.append(Finding("Структура задолженности", label(settlement, group), "",
                               "нет просроченной задолженности в ежемесячном отчёте за этот месяц — сначала сохраните отчёт"))
        elif abs(total - expected) > AGING_TOLERANCE:
            out.append(Finding("Структура задолженности", label(settlement, group), "",
                               f"сумма по срокам {fmt.exact(total)} не равна просроченной задолженности "
                               f"{fmt.exact(expected)} (разница {fmt.exact(total - expected)})"))
    return out
