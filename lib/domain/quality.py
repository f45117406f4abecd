"""The data-quality panel: every warning of DESIGN §3 over all filed months, vectorised.

Each row: participant, settlement, month, the field (Russian title) and what is wrong.
Entry shows the same warnings one month at a time (lib/domain/rules.py); here they are computed for
the whole history at once so the commission sees what is still open.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.core import fmt
from lib.domain.categories import BUCKETS
from lib.domain.metrics import closing_debt, collection_pct
from lib.domain.rules import AGING_TOLERANCE, COLLECTION_HIGH, COLLECTION_LOW, CONTINUITY_ABS, CONTINUITY_PCT, JUMP_FACTOR, REASON_MARK

COLUMNS = ["participant_id", "settlement_id", "consumer_group", "month", "field", "message"]


def _jump(value, usual) -> str:
    shown, median = fmt.apart(value, usual)
    return f"{shown} — отличается больше чем в {fmt.number(JUMP_FACTOR, 0)} раз от обычного ({median})"


def _rows(frame: pd.DataFrame, mask, field: str, message) -> pd.DataFrame:
    hit = frame[mask]
    if hit.empty:
        return pd.DataFrame(columns=COLUMNS)
    texts = [message(r) for r in hit.itertuples()]
    return pd.DataFrame({"participant_id": hit.participant_id.to_numpy(), "settlement_id": hit.settlement_id.to_numpy(),
                         "consumer_group": hit.consumer_group.to_numpy(), "month": hit.month.to_numpy(), "field": field,
                         "message": texts})


def _reason(warnings) -> str:
    """«; подтверждено, причина: …» from a line's stored «Предупреждения» (``monthly.with_reasons``), else «; не подтверждено»."""
    if isinstance(warnings, str) and REASON_MARK in warnings:
        return "; подтверждено, причина: " + warnings.rsplit("причина: ", 1)[-1]
    return "; причина не указана"


def _aging_rows(m: pd.DataFrame, structure: pd.DataFrame) -> pd.DataFrame:
    """«Структура задолженности»: the sum of the aging buckets over every resource of a line-month ≠ its overdue debt."""
    if not len(structure):
        return pd.DataFrame(columns=COLUMNS)
    line = ["participant_id", "settlement_id", "month", "consumer_group"]
    s = structure[list(BUCKETS)].sum(axis=1).groupby([structure[c] for c in line], sort=False).sum()
    joined = m[[*line, "overdue"]].set_index(line).join(s.rename("buckets"), how="inner").reset_index()  # only what it reads
    del s
    off = (joined.buckets - joined.overdue).abs() > AGING_TOLERANCE
    return _rows(joined, off, "Структура задолженности",
                 lambda r: "сумма по срокам {} ≠ просроченной {}".format(*fmt.apart(r.buckets, r.overdue)))


ORGANISATIONS_AT_ONCE = 500  # the checks run over this many organisations' lines at a time


def quality_warnings(monthly: pd.DataFrame, structure: pd.DataFrame) -> pd.DataFrame:
    if monthly.empty:
        return pd.DataFrame(columns=COLUMNS)
    # Every check reads one line's rows (an organisation, settlement and consumer group): they run over a few hundred
    # organisations at a time, so their sorted copy, its columns and the join with the structure are that part's, not
    # a whole large district's (≈ 100 MB while they ran at large scale). The findings are the same rows in the same
    # order: an organisation's findings come from one part, and the final sort keeps the order of equal keys.
    # A line without one of its keys (never stored) is checked with all the others at once, as before.
    codes = pd.factorize(monthly.participant_id)[0]
    whole = monthly[["participant_id", "settlement_id", "consumer_group"]].isna().to_numpy().any()
    parts = []
    for first in range(0, 1 if whole else int(codes.max()) + 1, ORGANISATIONS_AT_ONCE):
        part = monthly if whole else monthly[(codes >= first) & (codes < first + ORGANISATIONS_AT_ONCE)]
        theirs = structure if whole or not len(structure) else structure[structure.participant_id.isin(part.participant_id.unique())]
        parts += _checks(part, theirs)
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(parts, ignore_index=True).sort_values(["month", "participant_id"], ascending=[False, True]).reset_index(drop=True)


def _checks(monthly: pd.DataFrame, structure: pd.DataFrame) -> list[pd.DataFrame]:
    """The findings of every check over these lines, check by check (``quality_warnings``)."""
    # only the columns the checks read are sorted (a copy of every column of a region's history is not needed)
    used = ["participant_id", "settlement_id", "consumer_group", "month", "debt_start", "accrued", "paid", "written_off", "overdue"]
    m = monthly[used + (["warnings"] if "warnings" in monthly else [])].sort_values(used[:4]).reset_index(drop=True)
    if "warnings" not in m:
        m["warnings"] = None
    aging = _aging_rows(m, structure)  # first, while ``m`` has no columns of its own yet (its rows go last)
    written = m.written_off.fillna(0.0)
    m["end"] = closing_debt(m.debt_start, m.accrued, m.paid, written)
    key = ["participant_id", "settlement_id", "consumer_group"]
    # m is sorted by line and month: a line's rows are contiguous, so "the line's previous row" is the row
    # above when it belongs to the same line — one pass instead of a grouping by three keys per column
    line = m.groupby(key, sort=False, observed=True).ngroup().to_numpy()
    same = np.r_[False, line[1:] == line[:-1]]
    prev_end = m["end"].shift(1).where(same)
    # months as numbers (year·12 + month, once per distinct month): the row above is the previous month when its number is
    # one less — no text column of the previous months (at large scale ≈ 20 MB of strings while the checks run)
    codes, distinct = pd.factorize(m["month"])
    number = np.append(np.array([int(x[:4]) * 12 + int(x[5:7]) for x in distinct], dtype=float), np.nan)[codes]
    follows = pd.Series(same & (np.r_[np.nan, number[:-1]] == number - 1), index=m.index)
    tolerance = np.maximum(CONTINUITY_ABS, prev_end.abs() * CONTINUITY_PCT / 100)
    broken = follows & ((m.debt_start - prev_end).abs() > tolerance)
    m["prev_end"] = prev_end
    parts = [
        _rows(m, broken, "Задолженность на начало месяца",
              lambda r: "{} ≠ остатку прошлого месяца {}".format(*fmt.apart(r.debt_start, r.prev_end))),
        _rows(m, m.overdue > m.end + 1e-9, "Просроченная задолженность",
              lambda r: "{} больше задолженности на конец месяца {}".format(*fmt.apart(r.overdue, r.end))),
    ]
    # accounting identities: saved only when confirmed with a reason, which is shown here (issue 23, item 5)
    m["written"] = written
    parts += [
        _rows(m, written > m.debt_start + 1e-9, "Списано",
              lambda r: "{} больше задолженности на начало месяца {}".format(*fmt.apart(r.written, r.debt_start)) + _reason(r.warnings)),
        _rows(m, m.paid > m.debt_start + m.accrued + 1e-9, "Оплачено",
              lambda r: "{} больше задолженности на начало месяца и начисленного {}".format(
                  *fmt.apart(r.paid, r.debt_start + r.accrued)) + _reason(r.warnings)),
        _rows(m, (m.end < -1e-9) & ~(written > m.debt_start + 1e-9) & ~(m.paid > m.debt_start + m.accrued + 1e-9),
              "Задолженность на конец месяца", lambda r: f"{fmt.exact(round(r.end, 3))} — меньше нуля" + _reason(r.warnings)),
    ]
    pct = collection_pct(m.paid, m.accrued)
    m["pct"] = pct
    parts.append(_rows(m, pct.notna() & ((pct > COLLECTION_HIGH) | (pct < COLLECTION_LOW)), "Оплачено",
                       lambda r: f"собираемость {fmt.percent(r.pct)} вне {fmt.number(COLLECTION_LOW, 0)}–{fmt.number(COLLECTION_HIGH, 0)} %"))
    for field, title in (("accrued", "Начислено"), ("paid", "Оплачено"), ("debt_start", "Задолженность на начало месяца")):
        median = m[field].groupby(line).transform("median")
        jump = (median > 0) & ((m[field] > JUMP_FACTOR * median) | (m[field] * JUMP_FACTOR < median))
        m["median"] = median
        parts.append(_rows(m, jump, title, lambda r, f=field: _jump(getattr(r, f), r.median)))
    parts.append(aging)
    return parts


# ---- which figure contains a value under an open warning --------------------------------------------------

DEBT_FIELDS = ("Задолженность на начало месяца", "Начислено", "Оплачено")  # the fields the debt at month end is made of
FLOW_FIELDS = ("Начислено", "Оплачено")  # collection


def within(found: pd.DataFrame, months, fields=DEBT_FIELDS) -> pd.DataFrame:
    """The open warnings (``quality_warnings`` under the figure's filters) on values a figure of ``months`` sums."""
    if found.empty:
        return found
    return found[found.month.isin(list(months)) & found.field.isin(fields)].reset_index(drop=True)


def warning_text(found: pd.DataFrame, names: dict[str, str], shown: int = 3, where: str = "таблица «Качество данных»") -> str | None:
    """«Содержит значение под открытым замечанием: Организация u1, Поселение s1, март 2024 — Начислено: …» —
    beside a figure, so the reader knows it may be wrong and the coordinator knows which warning to resolve."""
    if found.empty:
        return None
    rows = found.sort_values(["month", "participant_id", "field"])
    items = [f"{names.get(r.participant_id, r.participant_id)}, {names.get(r.settlement_id, r.settlement_id)}, "
             f"{fmt.month_label(r.month)} — {r.field}: {r.message}" for r in rows.head(shown).itertuples()]
    more = f" и ещё {len(rows) - shown}" if len(rows) > shown else ""
    head = "Содержит значение под открытым замечанием" if len(rows) == 1 else f"Содержит значения под открытыми замечаниями ({len(rows)})"
    return f"{head}: {'; '.join(items)}{more}. Проверьте и исправьте отчёт или подтвердите значение ({where})."
