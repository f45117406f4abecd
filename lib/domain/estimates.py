"""Missing and returned reports in totals: the one rule every figure follows.

Tiles, the forecast, charts, rankings, the meeting pack and the export all read their lines through
``lines(snapshot)``, so a utility that has not filed is treated the same way everywhere:

- **filed**: the month's current figures enter the totals as they are;
- **returned for correction** (and not filed again since): its filed figures still enter the totals —
  a person filed them, and replacing them would be a guess too — marked «на доработке: цифры могут
  измениться» wherever they do;
- **not filed** (by a participant that files monthly, from its first report on): it is carried at its
  last filed figures. Stocks — debt (the month starts and ends at the last filed closing debt),
  overdue debt, the aging structure by resource, debtors over the threshold — stay as last reported;
  flows — accrued, paid, recovered, written off, claims actions — are not invented (zero). Each such
  line has ``estimated=True`` and ``source_month``; every total it enters says «оценка: нет отчёта за …»;
- **never filed**: there is nothing to carry; the participant is listed as «нет ни одного отчёта».

Because a missing month is carried, month-over-month changes compare the same participants; against
the baseline and over the trend, ``lib.domain.metrics.target_progress`` keeps only participants with a figure
on both sides. Estimates are carried up to the district's latest reported month, never beyond.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.core import fmt, memo
from lib.core.frames import concat_rows
from lib.domain.categories import BUCKETS
from lib.domain.metrics import closing_debt
from lib.domain.periods import open_returns

MONTHLY_FLOWS = ("accrued", "paid", "recovered_enforcement", "written_off")
CLAIMS_STOCKS = ("debtors_over_threshold",)


@dataclass
class Lines:
    """Current versions of the three report tabs plus the carried lines (``estimated``, ``source_month``)."""

    monthly: pd.DataFrame
    structure: pd.DataFrame
    claims: pd.DataFrame
    coverage: pd.DataFrame  # participant_id, month, status (filed | returned | carried), source_month
    filers: list[str]  # active participants that file the monthly report
    never_filed: list[str]


def monthly_filers(snapshot) -> list[str]:
    p = snapshot.current("participants")
    keep = (p.files_monthly.fillna(False) == True) & (p.active.fillna(True) == True)  # noqa: E712 - nullable booleans
    return p[keep].id.tolist()


def _month_index(months: pd.Series) -> pd.Series:
    """«2024-03» → 2024·12 + 3, so months subtract; computed once per distinct month (a district has
    dozens of months over hundreds of thousands of lines)."""
    codes, distinct = pd.factorize(months)
    if (codes < 0).any():
        raise ValueError("строка отчёта без месяца")
    index = np.array([int(m[:4]) * 12 + int(m[5:7]) for m in distinct], dtype=np.int64)
    return pd.Series(index[codes], index=months.index)


def _month_labels(index: np.ndarray):
    """The inverse of ``_month_index``: 2024·12 + 3 → «2024-03», again once per distinct month."""
    distinct, at = np.unique(index, return_inverse=True)
    return pd.array([f"{(i - 1) // 12:04d}-{(i - 1) % 12 + 1:02d}" for i in distinct], dtype="str").take(at)


def coverage(snapshot, monthly: pd.DataFrame, filers: list[str]) -> pd.DataFrame:
    """Per filer × month from its first report to the district's latest month: filed, returned or carried."""
    columns = ["participant_id", "month", "status", "source_month"]
    filed = monthly[monthly.participant_id.isin(filers)][["participant_id", "month"]].drop_duplicates()
    if filed.empty:
        return pd.DataFrame(columns=columns)
    index = _month_index(filed.month)
    first = index.groupby(filed.participant_id.to_numpy()).min()
    last = int(_month_index(pd.Series([monthly.month.max()])).iloc[0])
    spans = (last - first + 1).to_numpy()
    months = np.concatenate([np.arange(f, last + 1) for f in first.to_numpy()])
    grid = pd.DataFrame({"participant_id": np.repeat(first.index.to_numpy(), spans),
                         "month": _month_labels(months)})
    grid = grid.merge(filed.assign(filed=True), on=["participant_id", "month"], how="left")
    grid["filed"] = grid["filed"].fillna(False).astype(bool)
    grid = grid.sort_values(["participant_id", "month"]).reset_index(drop=True)
    # the last filed month at or before each month, per participant
    grid["source_month"] = grid.month.where(grid.filed)
    grid["source_month"] = grid.groupby("participant_id").source_month.ffill()
    grid["status"] = np.where(grid.filed, "filed", "carried")
    waiting = open_returns(snapshot)
    if len(waiting):
        back = waiting[["participant_id", "month"]].drop_duplicates().assign(_back=True)
        hit = grid[["participant_id", "month"]].merge(back, how="left")["_back"].fillna(False).astype(bool).to_numpy()
        grid.loc[grid.filed.to_numpy() & hit, "status"] = "returned"
    grid.loc[grid.status != "carried", "source_month"] = None
    return grid[columns]


def _carry(frame: pd.DataFrame, carried: pd.DataFrame, stocks: dict, flows: tuple[str, ...]) -> pd.DataFrame:
    """Lines of each participant's source month copied into the carried month: stocks kept, flows zero."""
    if carried.empty or frame.empty:
        return frame.iloc[0:0].assign(estimated=pd.Series(dtype=bool), source_month=pd.Series(dtype=object))
    # each tab carries from its own latest month before the carried one (a tab may have been skipped)
    # merge_asof wants its ``by`` key of one dtype on both sides (the snapshot's is a category: lib.core.frames)
    key = {"participant_id": "str"}
    own = (frame[["participant_id", "month"]].drop_duplicates().astype(key)
           .assign(_i=lambda f: _month_index(f.month)).sort_values("_i"))
    want = carried[["participant_id", "month"]].astype(key).assign(_i=lambda f: _month_index(f.month)).sort_values("_i")
    src = pd.merge_asof(want, own.rename(columns={"month": "source_month"}), on="_i", by="participant_id",
                        allow_exact_matches=False, direction="backward").dropna(subset=["source_month"])
    copied = frame.merge(src[["participant_id", "month", "source_month"]].rename(columns={"month": "_to"}),
                         left_on=["participant_id", "month"], right_on=["participant_id", "source_month"])
    if copied.empty:
        return frame.iloc[0:0].assign(estimated=pd.Series(dtype=bool), source_month=pd.Series(dtype=object))
    out = copied
    for field, value in stocks.items():
        out[field] = value(copied) if callable(value) else copied[value]
    for field in flows:
        if field in out:
            out[field] = 0
    out["month"] = out.pop("_to")
    return out.assign(estimated=True)


def lines(snapshot) -> Lines:
    """Current report lines of the district with every missing month carried (see the module's rule);
    computed once per snapshot."""
    return memo.per_snapshot(snapshot, "estimates.lines", lambda: _lines(snapshot))


def _lines(snapshot) -> Lines:
    monthly = snapshot.current("monthly_reports")
    structure = snapshot.current("debt_structure")
    claims = snapshot.current("claims_work")
    filers = monthly_filers(snapshot)
    cov = coverage(snapshot, monthly, filers)
    carried = cov[cov.status == "carried"]
    end = lambda f: closing_debt(f.debt_start, f.accrued, f.paid, f.written_off)
    monthly_stocks = {"debt_start": end, "overdue": "overdue"}
    claim_flows = tuple(c for c in claims.columns if c not in ("participant_id", "month", *CLAIMS_STOCKS)
                        and pd.api.types.is_numeric_dtype(claims[c]))
    parts = {}
    for name, frame, stocks, flows in (("monthly", monthly, monthly_stocks, MONTHLY_FLOWS),
                                       ("structure", structure, {b: b for b in BUCKETS}, ()),
                                       ("claims", claims, {c: c for c in CLAIMS_STOCKS}, claim_flows)):
        extra = _carry(frame, carried, stocks, flows)
        base = frame.assign(estimated=False, source_month=None)
        parts[name] = base if extra.empty else concat_rows([base, extra[base.columns]])
    filed = set(monthly.participant_id)
    return Lines(parts["monthly"], parts["structure"], parts["claims"], cov, filers, [p for p in filers if p not in filed])


# ---- what a total says about itself -----------------------------------------------------------


@dataclass(frozen=True)
class Note:
    """One participant-month that entered a total not as a plain filed report."""

    participant_id: str
    month: str
    kind: str  # carried | returned
    source_month: str | None = None


def notes(frame: pd.DataFrame, coverage_: pd.DataFrame, months: list[str] | None = None) -> list[Note]:
    """The estimates and returned months among ``frame``'s lines (optionally only in ``months``)."""
    if frame.empty:
        return []
    part = frame if months is None else frame[frame.month.isin(months)]
    out = []
    est = part[part.estimated.fillna(False).astype(bool)] if "estimated" in part else part.iloc[0:0]
    for (p, m), src in est.groupby(["participant_id", "month"], sort=True).source_month.first().items():
        out.append(Note(p, m, "carried", src))
    back = coverage_[coverage_.status == "returned"]
    present = set(part[["participant_id", "month"]].drop_duplicates().itertuples(index=False, name=None)) if len(back) else set()
    for r in back.itertuples():
        if (r.participant_id, r.month) in present:
            out.append(Note(r.participant_id, r.month, "returned"))
    return sorted(out, key=lambda n: (n.month, n.participant_id, n.kind))


def note_text(note: Note, names: dict[str, str]) -> str:
    who = names.get(note.participant_id, note.participant_id)
    if note.kind == "carried":
        return f"оценка: нет отчёта за {fmt.month_label(note.month)} — {who} (учтено по отчёту за {fmt.month_label(note.source_month)})"
    return f"на доработке: отчёт за {fmt.month_label(note.month)} — {who} (цифры могут измениться)"


def footnote(found: list[Note], names: dict[str, str]) -> str | None:
    """One sentence under a block or beside a tile; None when every figure is as filed."""
    if not found:
        return None
    text = "; ".join(note_text(n, names) for n in found)
    tail = (" Долг и просроченная задолженность не сдавших — по их последнему отчёту; начислено, оплачено и взыскано "
            "за месяц без отчёта не учтены." if any(n.kind == "carried" for n in found) else "")
    return f"{text[0].upper()}{text[1:]}.{tail}"


def pending_text(found: list[Note], names: dict[str, str]) -> str:
    """«не сдали: X (оценка по отчёту за …); на доработке: Y (ноябрь 2024)» — for a verdict that waits for them."""
    carried = [f"{names.get(n.participant_id, n.participant_id)} (оценка по отчёту за {fmt.month_label(n.source_month)})"
               for n in found if n.kind == "carried"]
    returned = [f"{names.get(n.participant_id, n.participant_id)} ({fmt.month_label(n.month)})" for n in found if n.kind == "returned"]
    return "; ".join(([f"не сдали: {', '.join(carried)}"] if carried else []) + ([f"на доработке: {', '.join(returned)}"] if returned else []))
