"""Figures computed from the tables: one function per figure, used by every page and export.

Each takes plain frames and returns numbers or frames, so it can be tested against
hand-computed values on small literal tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.domain.categories import BUCKETS
from lib.domain.periods import shift_month


def collection_pct(paid, accrued):
    """Collection, % = paid / accrued × 100; undefined (NaN) when nothing was accrued.

    Works on scalars and on aligned Series alike.
    """
    paid_a = np.asarray(paid, dtype="float64")
    accrued_a = np.asarray(accrued, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(accrued_a > 0, paid_a / accrued_a * 100.0, np.nan)
    if isinstance(paid, pd.Series):
        return pd.Series(pct, index=paid.index)
    return float(pct) if pct.ndim == 0 else pct


def closing_debt(debt_start, accrued, paid, written_off=0.0):
    """Debt at the end of the month = start + accrued − paid − written off (missing write-off = 0)."""
    written = written_off.fillna(0.0) if isinstance(written_off, pd.Series) else (written_off or 0.0)
    return debt_start + accrued - paid - written


# ---- debt and the target ---------------------------------------------------------------

MONTHLY_SUMS = ["debt_start", "accrued", "paid", "recovered_enforcement", "overdue", "written_off"]


def totals_by(monthly: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Per ``by`` × month: the sums of the report columns and the debt at the end of the month.

    ``monthly_totals`` is this with no grouping; the export uses it per organisation, settlement
    and consumer group in one pass, so its figures are the dashboard's arithmetic exactly.
    ``estimated`` says a carried line (``lib.domain.estimates``) is in the sum; ``all_estimated`` that
    every line of it is carried (nothing of it was filed).
    """
    keys = [*by, "month"]
    if monthly.empty:
        return pd.DataFrame(columns=[*keys, *MONTHLY_SUMS, "debt_end", "estimated", "all_estimated"])
    grouped = monthly.groupby(keys, sort=True, observed=True)
    totals = grouped[MONTHLY_SUMS].sum(min_count=1)
    totals["estimated"] = grouped["estimated"].any() if "estimated" in monthly else False
    totals["all_estimated"] = grouped["estimated"].all() if "estimated" in monthly else False
    totals = totals.reset_index()
    totals["written_off"] = totals["written_off"].fillna(0.0)
    totals["debt_end"] = closing_debt(totals.debt_start, totals.accrued, totals.paid, totals.written_off)
    return totals


def monthly_totals(monthly: pd.DataFrame) -> pd.DataFrame:
    """Per month: the sums of the report columns and the debt at the end of the month."""
    return totals_by(monthly, [])


def theil_sen(x, y) -> tuple[float, float]:
    """The Theil–Sen line through the points: slope = the median of the slopes of every pair of points,
    intercept = the median of y − slope·x. Up to about 29 % of wrong points do not move it (least squares
    follows a single one)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    i, j = np.triu_indices(len(x), k=1)
    keep = x[j] != x[i]
    slope = float(np.median((y[j] - y[i])[keep] / (x[j] - x[i])[keep]))
    return slope, float(np.median(y - slope * x))


def _months_between(first: str, last: str) -> int:
    return (int(last[:4]) - int(first[:4])) * 12 + int(last[5:7]) - int(first[5:7])


def target_progress(per: pd.DataFrame, month: str, baseline_month: str, target_pct: float, plan_end: str,
                    trend_months: int = 12) -> dict:
    """Debt at the end of ``month`` against the baseline and the target, and a forecast to the plan's end.

    ``per`` is ``totals_by(lines, ["participant_id"])``. Like for like: the change against the baseline,
    the target, the trend and the forecast use only participants with a figure in the month *and* in the
    baseline (``compared``; ``left_out`` have no baseline figure); the change over the month uses those
    with a figure in both months. ``debt`` is every participant's figure for the month.
    The forecast extends the trend of the debt at month end over the last ``trend_months`` months (a
    whole year, so the heating season does not pass for a trend), fitted by Theil–Sen (``theil_sen``):
    one wrong month — an accrual typed ×1000 — moves neither the slope nor the line's level.
    """
    wide = per.pivot_table(index="month", columns="participant_id", values="debt_end", aggfunc="sum") if len(per) else pd.DataFrame()
    row = lambda m: wide.loc[m].dropna() if m in wide.index else pd.Series(dtype=float)
    now, base, prev = row(month), row(baseline_month), row(shift_month(month, -1))
    compared = list(now.index[now.index.isin(base.index)]) if len(base) else list(now.index)
    current = float(now.sum()) if len(now) else np.nan
    same_now = float(now[compared].sum()) if compared else np.nan
    baseline = float(base[compared].sum()) if compared and len(base) else np.nan
    month_pair = list(now.index[now.index.isin(prev.index)])
    change_month = float(now[month_pair].sum() - prev[month_pair].sum()) if month_pair else np.nan
    target = baseline * (1 - target_pct / 100) if pd.notna(baseline) else np.nan
    series = wide.loc[wide.index <= month, compared].dropna() if compared else pd.DataFrame()
    window = series.sum(axis=1).tail(trend_months) if len(series) else pd.Series(dtype=float)
    slope = level = np.nan
    if len(window) >= 3:
        x = np.array([_months_between(window.index[0], m) for m in window.index], dtype=float)
        slope, intercept = theil_sen(x, window.to_numpy(dtype=float))
        level = intercept + slope * _months_between(window.index[0], month)
    left = max(_months_between(month, plan_end), 0)
    forecast = (same_now if left == 0 else level + slope * left) if pd.notna(slope) and pd.notna(same_now) else np.nan
    needed = (same_now - target) / left if left > 0 and pd.notna(target) and pd.notna(same_now) else np.nan
    return {
        "month": month,
        "debt": current,
        "debt_compared": same_now,
        "compared": compared,
        "left_out": list(now.index[~now.index.isin(compared)]),
        "change_month": change_month,
        "baseline": baseline,
        "change": same_now - baseline,
        "change_pct": (same_now - baseline) / baseline * 100 if pd.notna(baseline) and baseline else np.nan,
        "target": target,
        "gap": same_now - target,
        "trend_per_month": slope,
        "months_left": left,
        "forecast": forecast,
        "will_meet": bool(forecast <= target) if pd.notna(forecast) and pd.notna(target) else None,
        "reduction_needed_per_month": max(needed, 0.0) if pd.notna(needed) else np.nan,
    }


def collection(monthly: pd.DataFrame, month: str) -> pd.DataFrame:
    """Collection % for the month and cumulative from January, by consumer group and in total."""
    rows = []
    year_start = f"{month[:4]}-01"
    # the year so far is cut once from the whole history, then split by group (the same lines, in the same order)
    in_year = monthly[(monthly.month >= year_start) & (monthly.month <= month)]
    groups = monthly.groupby("consumer_group").size().index
    for group, whole in [*((g, in_year[in_year.consumer_group == g]) for g in groups), ("total", in_year)]:
        ytd = whole
        this = whole[whole.month == month]
        rows.append({
            "consumer_group": group,
            "paid": this.paid.sum(), "accrued": this.accrued.sum(),
            "pct": collection_pct(this.paid.sum(), this.accrued.sum()),
            "paid_ytd": ytd.paid.sum(), "accrued_ytd": ytd.accrued.sum(),
            "pct_ytd": collection_pct(ytd.paid.sum(), ytd.accrued.sum()),
        })
    return pd.DataFrame(rows)


def collection_by_month(monthly: pd.DataFrame) -> pd.DataFrame:
    """Per month and consumer group: collection % (for the chart)."""
    if monthly.empty:
        return pd.DataFrame(columns=["month", "consumer_group", "paid", "accrued", "pct"])
    g = monthly.groupby(["month", "consumer_group"], sort=True)[["paid", "accrued"]].sum().reset_index()
    g["pct"] = collection_pct(g.paid, g.accrued)
    return g


# ---- structure ---------------------------------------------------------------------------

OLDER_THAN_12 = ("age_12_24", "age_24_36", "age_over_36")


def aging(structure: pd.DataFrame) -> pd.DataFrame:
    """Per month × bucket: overdue debt and its share of the month's total (long format)."""
    if structure.empty:
        return pd.DataFrame(columns=["month", "bucket", "amount", "share"])
    wide = structure.groupby("month", sort=True)[list(BUCKETS)].sum()
    total = wide.sum(axis=1)
    long = wide.reset_index().melt(id_vars="month", var_name="bucket", value_name="amount")
    long["share"] = long.amount / long.month.map(total).replace(0, np.nan) * 100
    long["bucket"] = pd.Categorical(long.bucket, categories=BUCKETS, ordered=True)
    return long.sort_values(["month", "bucket"]).reset_index(drop=True)


def share_older_than_12(structure: pd.DataFrame, month: str) -> float:
    this = structure[structure.month == month]
    total = this[list(BUCKETS)].to_numpy().sum()
    return float(this[list(OLDER_THAN_12)].to_numpy().sum() / total * 100) if total > 0 else np.nan


def by_resource(structure: pd.DataFrame, month: str) -> pd.DataFrame:
    this = structure[structure.month == month]
    out = this.assign(amount=this[list(BUCKETS)].sum(axis=1)).groupby("resource")["amount"].sum()
    return out.sort_values(ascending=False).reset_index()


# ---- who: settlements and utilities ----------------------------------------------------------


def ranking(monthly: pd.DataFrame, first_month: str, month: str, by: str) -> pd.DataFrame:
    """Debt at the end of ``month`` by settlement or utility, its growth over the period, ranks.

    Growth over a period = debt at the end of its last month − debt at the start of its first month
    (for a one-month period: that month's own change), like for like: only the organisations of a
    settlement (or the settlements of an organisation) with lines in both months count towards it.
    ``estimated`` marks a row that contains a carried line (``lib.domain.estimates``).
    """
    pair = [by, "participant_id" if by != "participant_id" else "settlement_id"]
    last = monthly[monthly.month == month]
    first = monthly[monthly.month == first_month]
    end = closing_debt(last.debt_start, last.accrued, last.paid, last.written_off).groupby([last[k] for k in pair]).sum()
    start = first.groupby(pair).debt_start.sum()
    both = end.index.intersection(start.index)
    out = pd.DataFrame({"debt": end.groupby(level=0).sum()})
    out["before"] = start[both].groupby(level=0).sum()
    out["growth"] = end[both].groupby(level=0).sum() - out.before
    out["growth_pct"] = np.where(out.before > 0, out.growth / out.before * 100, np.nan)
    if "estimated" in monthly:  # only the two columns the flag needs (not a copy of both months' lines)
        flags = pd.concat([last[[by, "estimated"]], first[[by, "estimated"]]])
        out["estimated"] = flags.groupby(by).estimated.any().reindex(out.index).fillna(False).astype(bool)
    else:
        out["estimated"] = False
    out = out.sort_values("debt", ascending=False)
    out["rank_level"] = np.arange(1, len(out) + 1)
    out["rank_growth"] = out.growth.rank(ascending=False, method="min", na_option="bottom").astype(int)
    return out.rename_axis(by).reset_index().rename(columns={by: "id"})


# ---- enforcement and claims -------------------------------------------------------------


def enforcement(monthly: pd.DataFrame, monthly_target: float) -> pd.DataFrame:
    """Recovered through enforcement per month against the monthly target."""
    if monthly.empty:
        return pd.DataFrame(columns=["month", "recovered", "target", "met"])
    g = monthly.groupby("month", sort=True)["recovered_enforcement"].sum().rename("recovered").reset_index()
    g["target"] = monthly_target
    g["met"] = g.recovered >= monthly_target
    return g


FUNNEL = (
    ("debtors_over_threshold", "Должники свыше порога (на конец периода)"),
    ("notices_sent", "Уведомления"),
    ("court_applications", "Заявления в суд"),
    ("court_decisions", "Решения (приказы)"),
    ("writs_sent", "ИД направлены приставам"),
)


CLAIM_SUMS = ("court_applications_sum", "court_decisions_sum", "writs_sent_sum")
# A count at a point in time, not a flow: over a period it is the value at the period's end (the
# last month), never a sum over months.
CLAIM_STOCKS = ("debtors_over_threshold",)


def claims_by(claims: pd.DataFrame, months: list[str], by: list[str]) -> pd.DataFrame:
    """Funnel counts and sums per ``by`` (e.g. per organisation) over the months, with the ratios of seed 001.

    Actions (notices, applications, decisions, writs and their sums) are summed over the months;
    debtors over the threshold are taken at the last month of the period.
    """
    part = claims[claims.month.isin(months)]
    flows = [k for k, _ in FUNNEL if k not in CLAIM_STOCKS] + list(CLAIM_SUMS)
    at_end = part[part.month == months[-1]] if months else part.iloc[0:0]
    if by:
        g = part.groupby(by)[flows].sum().astype("float64")
        g = g.join(at_end.groupby(by)[list(CLAIM_STOCKS)].sum().astype("float64"), how="left")
    else:
        g = part[flows].sum().astype("float64").to_frame().T
        for k in CLAIM_STOCKS:
            g[k] = float(at_end[k].sum()) if len(at_end) else np.nan
    g = g[[k for k, _ in FUNNEL] + list(CLAIM_SUMS)]
    g["applications_per_debtor"] = g.court_applications / g.debtors_over_threshold.where(g.debtors_over_threshold > 0)
    g["writs_per_decision"] = g.writs_sent / g.court_decisions.where(g.court_decisions > 0)
    return g


def claims_funnel(claims: pd.DataFrame, monthly: pd.DataFrame, months: list[str]) -> dict:
    """The funnel of seed 001 over the chosen months, with its ratios; recovered money from the reports.

    The first stage (debtors over the threshold) is the count at the end of the period."""
    total = claims_by(claims, months, []).iloc[0]
    stages = pd.DataFrame({"stage": [k for k, _ in FUNNEL], "label": [t for _, t in FUNNEL],
                           "count": [float(total[k]) for k, _ in FUNNEL]})
    return {
        "stages": stages,
        "recovered": float(monthly[monthly.month.isin(months)].recovered_enforcement.sum()),
        "applications_per_debtor": float(total.applications_per_debtor),
        "writs_per_decision": float(total.writs_per_decision),
        "applications_sum": float(total.court_applications_sum),
        "decisions_sum": float(total.court_decisions_sum),
        "writs_sum": float(total.writs_sent_sum),
    }


def limitation_risk(structure: pd.DataFrame, claims: pd.DataFrame, month: str, window: int = 12) -> pd.DataFrame:
    """Per participant: debt 24–36 months old not covered by court applications filed in the last
    ``window`` months — money the three-year limitation period will take if nobody sues."""
    this = structure[structure.month == month]
    old = this.groupby("participant_id")["age_24_36"].sum()
    first = shift_month(month, -window)
    sued = claims[(claims.month > first) & (claims.month <= month)].groupby("participant_id")["court_applications_sum"].sum()
    out = pd.DataFrame({"old_debt": old}).join(pd.DataFrame({"sued": sued}), how="left").fillna({"sued": 0.0})
    out["at_risk"] = (out.old_debt - out.sued).clip(lower=0)
    return out.sort_values("at_risk", ascending=False).reset_index()
