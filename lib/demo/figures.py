"""Deterministic monthly figures for a set of utilities (demo district and benchmark).

Money is computed in whole rubles (int64) so the identities the product checks
hold exactly: next month's debt at start = this month's start + accrued − paid
− written off; aging buckets over all resources sum to the overdue debt;
recovered through enforcement ≤ paid. Only at the end are rubles turned into
thousand rubles with three decimals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.domain.categories import BUCKETS

BUCKET_PROFILE = np.array([0.17, 0.29, 0.22, 0.14, 0.18])
SEASONAL = {"heating": 0.5, "hot_water": 0.25, "electricity": 0.2}  # winter peak amplitude


@dataclass(frozen=True)
class Series:
    """One monthly-report line: utility × settlement × consumer group."""

    participant_id: str
    settlement_id: str
    consumer_group: str  # population | other
    resources: tuple[str, ...]
    debt_start: float  # thousand rubles at the first month
    months_of_debt: float  # initial debt expressed in months of accruals


def months_between(first: str, last: str) -> list[str]:
    return [str(p) for p in pd.period_range(first, last, freq="M")]


def _allocate(total: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Split integer totals (n,) by weights (n, k) into integers that sum exactly (largest remainder)."""
    weights = weights / weights.sum(axis=1, keepdims=True)
    raw = total[:, None] * weights
    base = np.floor(raw).astype(np.int64)
    short = total - base.sum(axis=1)
    order = np.argsort(-(raw - base), axis=1, kind="stable")
    ranks = np.argsort(order, axis=1, kind="stable")
    base += (ranks < short[:, None]).astype(np.int64)
    return base


def generate(series: list[Series], months: list[str], seed: int) -> dict[str, pd.DataFrame]:
    """monthly_reports, debt_structure and claims_work frames (canonical values, thousand rubles)."""
    rng = np.random.default_rng(seed)
    n, m = len(series), len(months)
    month_no = np.array([int(x[5:7]) for x in months])
    year_ix = np.array([int(x[:4]) for x in months]) - int(months[0][:4])
    pop = np.array([s.consumer_group == "population" for s in series])

    start0 = np.array([s.debt_start * 1000 for s in series])  # rubles
    base_accrual = start0 / np.array([s.months_of_debt for s in series])
    amplitude = np.array([np.mean([SEASONAL.get(r, 0.03) for r in s.resources]) for s in series])
    season = 1 + amplitude[:, None] * np.cos(2 * np.pi * (month_no[None, :] - 1) / 12)
    accrued = np.round(base_accrual[:, None] * season * rng.uniform(0.97, 1.03, (n, m))).astype(np.int64)

    # People pay a steadier amount than they are billed: collection is high in summer, low in winter.
    level = np.where(pop, 0.955, 0.985)[:, None] + 0.035 * year_ix[None, :]
    rate = level * rng.normal(1.0, 0.03, (n, m))
    paid_target = rate * (0.6 * accrued + 0.4 * base_accrual[:, None])

    debt = np.zeros((n, m), np.int64)
    paid = np.zeros((n, m), np.int64)
    written = np.zeros((n, m), np.int64)
    debt[:, 0] = np.round(start0).astype(np.int64)
    quarter_end = np.isin(month_no, (3, 6, 9, 12))
    write_draw = rng.uniform(0, 1, (n, m))
    for j in range(m):
        available = debt[:, j] + accrued[:, j]
        paid[:, j] = np.minimum(np.round(paid_target[:, j]).astype(np.int64), available)
        if quarter_end[j]:
            w = np.where(pop & (write_draw[:, j] < 0.35), np.round(debt[:, j] * 0.003), 0).astype(np.int64)
            written[:, j] = np.minimum(w, available - paid[:, j])
        if j + 1 < m:
            debt[:, j + 1] = available - paid[:, j] - written[:, j]
    end = debt + accrued - paid - written
    recovered = np.round(paid * np.where(pop, rng.uniform(0.008, 0.022, (n, m)).T, rng.uniform(0.0, 0.006, (n, m)).T).T).astype(np.int64)
    recovered = np.minimum(recovered, paid)
    overdue = np.clip(np.round((end - accrued) * rng.uniform(0.9, 0.98, (n, m))), 0, None).astype(np.int64)
    overdue = np.minimum(overdue, end)

    def k(x: np.ndarray) -> np.ndarray:
        return x.astype(np.float64) / 1000.0

    idx = pd.MultiIndex.from_product([range(n), range(m)], names=["s", "j"])
    s_ix, j_ix = idx.get_level_values("s").to_numpy(), idx.get_level_values("j").to_numpy()
    part = np.array([s.participant_id for s in series], dtype=object)
    sett = np.array([s.settlement_id for s in series], dtype=object)
    group = np.array([s.consumer_group for s in series], dtype=object)
    month_arr = np.array(months, dtype=object)
    monthly = pd.DataFrame({
        "participant_id": part[s_ix], "settlement_id": sett[s_ix], "month": month_arr[j_ix],
        "consumer_group": group[s_ix],
        "debt_start": k(debt.ravel()), "accrued": k(accrued.ravel()), "paid": k(paid.ravel()),
        "recovered_enforcement": k(recovered.ravel()), "overdue": k(overdue.ravel()),
        "written_off": k(written.ravel()),
    })

    # Structure: overdue split over the utility's resources × 5 aging buckets, exactly.
    rows = []
    n_res = np.array([len(s.resources) for s in series])
    for r_count in np.unique(n_res):
        which = np.flatnonzero(n_res == r_count)
        sel = np.isin(s_ix, which)
        total = overdue.ravel()[sel]
        res_w = rng.uniform(0.6, 1.4, (len(total), r_count))
        ageing = BUCKET_PROFILE[None, :] * rng.uniform(0.75, 1.25, (len(total), 5))
        weights = (res_w[:, :, None] * ageing[:, None, :]).reshape(len(total), r_count * 5)
        cells = _allocate(total, weights).reshape(len(total), r_count, 5)
        res_names = np.array([series[i].resources for i in which], dtype=object)
        res_of = dict(zip(which, range(len(which))))
        srows = s_ix[sel]
        for r in range(r_count):
            frame = pd.DataFrame({
                "participant_id": part[srows], "settlement_id": sett[srows], "month": month_arr[j_ix[sel]],
                "consumer_group": group[srows],
                "resource": [res_names[res_of[i]][r] for i in srows],
            })
            for b, name in enumerate(BUCKETS):
                frame[name] = k(cells[:, r, b])
            rows.append(frame)
    structure = pd.concat(rows, ignore_index=True).sort_values(
        ["participant_id", "month", "settlement_id", "consumer_group", "resource"], kind="stable"
    ).reset_index(drop=True)

    claims = _claims(monthly, rng)
    return {"monthly_reports": monthly, "debt_structure": structure, "claims_work": claims}


def _claims(monthly: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Claims work per utility and month, sized by its population debt; write-offs match the reports."""
    g = monthly.groupby(["participant_id", "month"], sort=True)
    pop_debt = monthly[monthly.consumer_group == "population"].groupby(["participant_id", "month"]).debt_start.sum()
    frame = g.agg(written_off=("written_off", "sum")).reset_index()
    debt = pop_debt.reindex(pd.MultiIndex.from_frame(frame[["participant_id", "month"]])).fillna(0).to_numpy()
    n = len(frame)
    debtors = np.maximum(1, np.round(debt / 95 * rng.uniform(0.9, 1.1, n))).astype(int)  # ~95 thousand per debtor over threshold
    notices = np.round(debtors * rng.uniform(0.15, 0.35, n)).astype(int)
    restricted = np.round(debtors * rng.uniform(0.0, 0.04, n)).astype(int)
    apps = np.round(debtors * rng.uniform(0.01, 0.03, n)).astype(int)  # about a tenth of the debt is sued each year
    decisions = np.round(apps * rng.uniform(0.6, 0.95, n)).astype(int)
    writs = np.round(decisions * rng.uniform(0.5, 0.9, n)).astype(int)
    avg = rng.uniform(25, 45, n)  # thousand rubles per court application
    money = lambda count, f: np.round(count * avg * f, 3)
    frame = frame.assign(
        debtors_over_threshold=debtors,
        notices_sent=notices,
        supply_restricted=restricted,
        court_applications=apps,
        court_applications_sum=money(apps, 1.0),
        court_decisions=decisions,
        court_decisions_sum=money(decisions, 0.97),
        writs_sent=writs,
        writs_sent_sum=money(writs, 0.95),
        writs_returned=np.round(writs * rng.uniform(0.0, 0.15, n)).astype(int),
        restructuring=np.round(debtors * rng.uniform(0.0, 0.01, n)).astype(int),
        restructuring_sum=np.round(debtors * rng.uniform(0.0, 0.01, n) * avg * 0.6, 3),
        bad_debt_written_off=np.round(frame["written_off"].to_numpy(), 3),
        penalties_waived=np.round(rng.uniform(0, 25, n) * (debt > 0), 3),
        eviction_suits=(rng.uniform(0, 1, n) < 0.05).astype(int),
    ).drop(columns="written_off")
    return frame
