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
from lib.domain.categories import group_labels, resource_labels
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


LINE_KEYS = {"monthly": ("participant_id", "settlement_id", "consumer_group"),
             "structure": ("participant_id", "settlement_id", "consumer_group", "resource"),
             "claims": ("participant_id",)}


def _no_lines(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.iloc[0:0].assign(estimated=pd.Series(dtype=bool), source_month=pd.Series(dtype=object))


def _carry(frame: pd.DataFrame, keys: tuple[str, ...], filers: list[str], last: int, stocks: dict, flows: tuple[str, ...],
           only: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per line (``keys``): every month from the line's first filed month to the district's latest (``last``)
    in which a monthly filer did not file the line gets the line of its latest filed month, stocks kept and
    flows zero. A whole missing report is every line of the participant missing; a partial filing is some
    of them. ``only`` (participant_id, month) limits the carried months (claims: whole missing reports only)."""
    if frame.empty:
        return _no_lines(frame)
    # a line's number from its keys' codes (a missing key is a value of its own): cheaper than a grouping by 3–4 keys
    factors = [pd.factorize(frame[k], use_na_sentinel=False) for k in keys]
    codes = [c for c, _ in factors]
    mine = pd.Index(factors[0][1]).isin(filers)[codes[0]]  # participant_id first: only monthly filers are carried
    part = frame
    if not mine.all():  # no copy of a region's lines when everyone files
        part, codes = frame[mine], [c[mine] for c in codes]
        if part.empty:
            return _no_lines(frame)
    idx = _month_index(part.month).to_numpy()
    line = np.ravel_multi_index(codes, [int(c.max()) + 1 for c in codes]) if len(keys) > 1 else codes[0]
    del factors, codes, mine  # each array is a column's length: at large scale the keys' codes alone are ≈ 20 MB
    # each filed line-month, by line and month; a gap after it (to the line's next filed month, or to the district's
    # latest month) is filled with it — work in proportion to the filed lines plus the carried ones
    order = np.lexsort((idx, line))
    line_a, i_a, row_a = line[order], idx[order], order
    del line, idx
    keep = np.r_[(line_a[1:] != line_a[:-1]) | (i_a[1:] != i_a[:-1]), True]  # one version a line-month (the last)
    line_a, i_a, row_a = line_a[keep], i_a[keep], row_a[keep]
    same_next = np.r_[line_a[1:] == line_a[:-1], False]
    following = np.where(same_next, np.r_[i_a[1:], 0], last + 1)
    gap = following - i_a - 1
    has = gap > 0
    if not has.any():
        return _no_lines(frame)
    g = gap[has]
    src_rows = np.repeat(row_a[has], g)
    months_i = np.repeat(i_a[has], g) + np.arange(g.sum()) - np.repeat(np.cumsum(g) - g, g) + 1
    out = part.take(src_rows).reset_index(drop=True)
    out["source_month"] = out.month.astype(object)
    out["month"] = np.asarray(_month_labels(months_i.astype(np.int64)), dtype=object)
    if only is not None:
        allowed = only[["participant_id", "month"]].astype(str).assign(_ok=True)
        hit = out[["participant_id", "month"]].astype(str).merge(allowed, how="left")["_ok"].fillna(False).astype(bool).to_numpy()
        out = out[hit].reset_index(drop=True)
        if out.empty:
            return _no_lines(frame)
    closing = {field: value(out) for field, value in stocks.items() if callable(value)}
    for field, value in closing.items():
        out[field] = value
    for field in flows:
        if field in out:
            out[field] = 0
    return out.assign(estimated=True)


def lines(snapshot) -> Lines:
    """Current report lines of the district with every missing month carried (see the module's rule);
    computed once per snapshot."""
    return memo.per_snapshot(snapshot, "estimates.lines", lambda: _lines(snapshot))


# Columns of a stored row that are not figures: who saved it, when, in which save, its seal, its row and version.
NOT_FIGURES = ("row", "version")


def figures_only(table, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` without the columns that say how a row was stored (the schema's system columns, ``NOT_FIGURES``).

    Why: every figure filters and sorts the lines, and each filtered copy of a line carried those columns — at large
    scale half of each copy (the «Сохранено» text alone is a fifth), copies made per period and per computation."""
    drop = [c.key for c in table.columns if c.system and c.key in frame] + [c for c in NOT_FIGURES if c in frame]
    return frame.drop(columns=drop)  # the kept columns are not copied (pandas copy-on-write)


def _lines(snapshot) -> Lines:
    tab = lambda key: figures_only(snapshot.schema[key], snapshot.current(key))
    monthly, structure, claims = tab("monthly_reports"), tab("debt_structure"), tab("claims_work")
    filers = monthly_filers(snapshot)
    cov = coverage(snapshot, monthly, filers)
    carried = cov[cov.status == "carried"]
    last = int(_month_index(pd.Series([monthly.month.max()])).iloc[0]) if len(monthly) else 0
    end = lambda f: closing_debt(f.debt_start, f.accrued, f.paid, f.written_off)
    monthly_stocks = {"debt_start": end}
    claim_flows = tuple(c for c in claims.columns if c not in ("participant_id", "month", *CLAIMS_STOCKS)
                        and pd.api.types.is_numeric_dtype(claims[c]))
    parts = {}
    for name, frame, stocks, flows, only in (("monthly", monthly, monthly_stocks, MONTHLY_FLOWS, None),
                                             ("structure", structure, {}, (), None),
                                             ("claims", claims, {}, claim_flows, carried)):
        extra = _carry(frame, LINE_KEYS[name], filers, last, stocks, flows, only) if len(cov) else _no_lines(frame)
        base = frame.assign(estimated=False, source_month=None)
        parts[name] = base if extra.empty else concat_rows([base, extra[base.columns]])
    filed = set(monthly.participant_id.unique())  # the distinct ids, not every line's
    return Lines(parts["monthly"], parts["structure"], parts["claims"], cov, filers, [p for p in filers if p not in filed])


# ---- what a total says about itself -----------------------------------------------------------


@dataclass(frozen=True)
class Note:
    """One participant-month that entered a total not as a plain filed report."""

    participant_id: str
    month: str
    kind: str  # carried (no report) | partial (a report without some of its lines) | returned
    source_month: str | None = None
    lines: tuple = ()  # partial: the missing lines, (settlement_id, consumer_group[, resource]) each

    @property
    def estimate(self) -> bool:
        return self.kind in ESTIMATES


ESTIMATES = ("carried", "partial")


def notes(frame: pd.DataFrame, coverage_: pd.DataFrame, months: list[str] | None = None) -> list[Note]:
    """The estimates and returned months among ``frame``'s lines (optionally only in ``months``).

    A participant-month without a report is «carried»; one whose report lacks lines it had before is
    «partial» (its carried lines are named); a report returned for correction is «returned»."""
    if frame.empty:
        return []
    part = frame if months is None else frame[frame.month.isin(months)]
    out = []
    est = part[part.estimated.fillna(False).astype(bool)] if "estimated" in part else part.iloc[0:0]
    if len(est):
        whole = coverage_[coverage_.status == "carried"]
        missing = set(zip(whole.participant_id.astype(str), whole.month.astype(str)))
        detail = [c for c in ("settlement_id", "consumer_group", "resource") if c in est]
        for (p, m), rows in est.groupby(["participant_id", "month"], sort=True, observed=True):
            src = min(str(x) for x in rows.source_month.dropna()) if rows.source_month.notna().any() else None
            if (str(p), str(m)) in missing or not detail:
                out.append(Note(p, m, "carried", src))
            else:
                found = tuple(sorted(set(rows[detail].astype(str).itertuples(index=False, name=None))))
                out.append(Note(p, m, "partial", src, found))
    back = coverage_[coverage_.status == "returned"]
    present = set(part[["participant_id", "month"]].drop_duplicates().itertuples(index=False, name=None)) if len(back) else set()
    for r in back.itertuples():
        if (r.participant_id, r.month) in present:
            out.append(Note(r.participant_id, r.month, "returned"))
    return sorted(out, key=lambda n: (n.month, n.participant_id, n.kind))


def line_text(line: tuple, names: dict[str, str]) -> str:
    """(settlement, group[, resource]) → «Поселение s2, население[, отопление]»."""
    groups, resources = group_labels(), resource_labels()
    settlement, *rest = line
    words = [names.get(settlement, settlement)]
    if rest:
        words.append(groups.get(rest[0], rest[0]))
    if len(rest) > 1:
        words.append(resources.get(rest[1], rest[1]))
    return ", ".join(words)


def note_text(note: Note, names: dict[str, str]) -> str:
    who = names.get(note.participant_id, note.participant_id)
    if note.kind == "carried":
        return f"оценка: нет отчёта за {fmt.month_label(note.month)} — {who} (учтено по отчёту за {fmt.month_label(note.source_month)})"
    if note.kind == "partial":
        what = "; ".join(line_text(x, names) for x in note.lines)
        return (f"оценка: в отчёте за {fmt.month_label(note.month)} нет строк — {who}: {what} "
                f"(учтено по отчёту за {fmt.month_label(note.source_month)})")
    return f"на доработке: отчёт за {fmt.month_label(note.month)} — {who} (цифры могут измениться)"


def footnote(found: list[Note], names: dict[str, str]) -> str | None:
    """One sentence under a block or beside a tile; None when every figure is as filed."""
    if not found:
        return None
    text = "; ".join(note_text(n, names) for n in found)
    tail = (" Долг и просроченная задолженность по отчёту, которого нет (или строке, которой нет в отчёте), — по последнему "
            "сданному; начислено, оплачено и взыскано за такой месяц не учтены." if any(n.estimate for n in found) else "")
    return f"{text[0].upper()}{text[1:]}.{tail}"


def pending_text(found: list[Note], names: dict[str, str]) -> str:
    """«не сдали: X (оценка по отчёту за …); не все строки: Z (…); на доработке: Y (ноябрь 2024)» — for a verdict that waits for them."""
    who = lambda n: names.get(n.participant_id, n.participant_id)
    carried = [f"{who(n)} (оценка по отчёту за {fmt.month_label(n.source_month)})" for n in found if n.kind == "carried"]
    partial = [f"{who(n)} (нет строк: {'; '.join(line_text(x, names) for x in n.lines)} — оценка по отчёту за "
               f"{fmt.month_label(n.source_month)})" for n in found if n.kind == "partial"]
    returned = [f"{who(n)} ({fmt.month_label(n.month)})" for n in found if n.kind == "returned"]
    return "; ".join(([f"не сдали: {', '.join(carried)}"] if carried else [])
                     + ([f"сдали не все строки: {', '.join(partial)}"] if partial else [])
                     + ([f"на доработке: {', '.join(returned)}"] if returned else []))


def composition(frame: pd.DataFrame, coverage_: pd.DataFrame, month: str, who=None) -> dict[str, float]:
    """The debt at the end of ``month`` split by where it comes from: ``filed`` (reports as filed),
    ``estimated`` (carried lines: no report, or a line missing from one) and ``returned`` (reports on
    return for correction). ``who`` limits the participants (the like-for-like set of the target)."""
    part = frame[frame.month == month]
    if who is not None:
        part = part[part.participant_id.isin(list(who))]
    debt = closing_debt(part.debt_start, part.accrued, part.paid, part.written_off)
    est = part.estimated.fillna(False).astype(bool).to_numpy() if "estimated" in part else np.zeros(len(part), dtype=bool)
    back = coverage_[(coverage_.status == "returned") & (coverage_.month == month)]
    on_return = part.participant_id.isin(set(back.participant_id)).to_numpy() & ~est
    return {"filed": float(debt[~est & ~on_return].sum()), "estimated": float(debt[est].sum()), "returned": float(debt[on_return].sum())}
