"""The consolidated dashboard as a report: ``Filters`` in, every figure out (``execute``).

The quarterly export calls the same ``select`` and metric functions, so for the same filters
the dashboard and the workbook cannot disagree. Reports that are missing or returned enter every
total by one rule (``lib.domain.estimates``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from lib.core import fmt, memo
from lib.domain import estimates, metrics, quality
from lib.domain.filing import filing_matrix, filing_summary
from lib.domain.periods import months_range
from lib.domain.plan_rules import execution_matrix, execution_summary
from lib.domain.proceedings import decisions
from lib.domain.quality import quality_warnings
from lib.domain.settings import Settings


@dataclass(frozen=True)
class Filters:
    month_from: str
    month_to: str
    settlements: tuple[str, ...] = ()
    utilities: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()  # participant kinds for the filing matrix and the plan
    groups: tuple[str, ...] = ()  # consumer groups
    resources: tuple[str, ...] = ()

    @property
    def months(self) -> list[str]:
        return months_range(self.month_from, self.month_to)


@dataclass
class Selection:
    """Report lines under the filters, carried estimates included (``estimated``; see ``lib.domain.estimates``)."""

    monthly: pd.DataFrame
    structure: pd.DataFrame
    claims: pd.DataFrame


def select(snapshot, filters: Filters, *, whole_history: bool = False, lines: estimates.Lines | None = None) -> Selection:
    """Lines filtered by who and what; by period too unless ``whole_history`` (the trend and the
    baseline need months outside the chosen period)."""
    lines = lines or estimates.lines(snapshot)

    def keep(frame: pd.DataFrame, resource: bool = False, settlement: bool = True, group: bool = True) -> pd.DataFrame:
        mask = pd.Series(True, index=frame.index)
        if not whole_history:
            mask &= (frame.month >= filters.month_from) & (frame.month <= filters.month_to)
        if filters.utilities:
            mask &= frame.participant_id.isin(filters.utilities)
        if settlement and filters.settlements:
            mask &= frame.settlement_id.isin(filters.settlements)
        if group and filters.groups:
            mask &= frame.consumer_group.isin(filters.groups)
        if resource and filters.resources:
            mask &= frame.resource.isin(filters.resources)
        return frame if mask.all() else frame[mask]  # no copy when nothing is filtered out

    return Selection(keep(lines.monthly), keep(lines.structure, resource=True), keep(lines.claims, settlement=False, group=False))


def expected_filers(snapshot, filters: Filters, lines: estimates.Lines) -> list[str]:
    """Who owes the monthly report under the filters: active filers, the chosen utilities, and under a
    settlement filter only the utilities that serve a chosen settlement (listed, or ever reported there)."""
    who = list(lines.filers)
    if filters.utilities:
        who = [p for p in who if p in filters.utilities]
    if filters.settlements:
        p = snapshot.current("participants").set_index("id")
        chosen = set(filters.settlements)
        reported = set(lines.monthly[lines.monthly.settlement_id.isin(chosen)].participant_id)
        serves = lambda pid: bool(chosen & {x for x in str(p.serves.get(pid) or "").split(";") if x})
        who = [pid for pid in who if pid in reported or serves(pid)]
    return who


def checks(snapshot, filters: Filters, lines: estimates.Lines) -> pd.DataFrame:
    """Data-quality findings under the filters. The checks run once per snapshot over every filed line
    of the whole history and every resource (a break in April needs March; a jump needs the line's own
    median over all its months; the aging check needs every resource of the line); the period and the
    filters only choose which findings to show. Carried estimates are not checked: nobody filed them."""
    found = open_warnings(snapshot, filters, lines)
    return found[found.month.isin(filters.months)].reset_index(drop=True)


def open_warnings(snapshot, filters: Filters, lines: estimates.Lines) -> pd.DataFrame:
    """Every open data-quality finding of the whole history under the filters other than the period: a
    figure of any month says which of them it contains (``lib.domain.quality.within``)."""
    def build():
        actual = lambda f: f[~f.estimated.astype(bool)] if len(f) else f
        return quality_warnings(actual(lines.monthly), actual(lines.structure))

    found = memo.per_snapshot(snapshot, "dashboard.checks", build)
    mask = pd.Series(True, index=found.index)
    if filters.utilities:
        mask &= found.participant_id.isin(filters.utilities)
    if filters.settlements:
        mask &= found.settlement_id.isin(filters.settlements)
    if filters.groups:
        mask &= found.consumer_group.isin(filters.groups)
    return found[mask].reset_index(drop=True)


# Figures a filter cannot honour say so instead of showing district figures beside filtered ones.
NOT_BY_RESOURCE = ("Ежемесячный отчёт (долг, начислено, оплачено, взыскано по ИП) не делится по ресурсам: "
                   "при отборе по ресурсу эти цифры не показываются.")
CLAIMS_WHOLE = ("Претензионно-исковая работа сдаётся по организации в целом — без поселений, групп потребителей и "
                "ресурсов: при таком отборе её цифры не показываются.")
TARGET_DISTRICT = "Цель взыскания {target} тыс. руб. в месяц установлена для района в целом: с выбранной частью она не сравнивается."


def limits(filters: Filters, settings: Settings) -> dict[str, str]:
    """figure -> why it is not shown (or not compared) under these filters."""
    out = {}
    if filters.resources:
        for key in ("debt", "collection", "enforcement"):
            out[key] = NOT_BY_RESOURCE
    if filters.settlements or filters.groups or filters.resources:
        out["claims"] = CLAIMS_WHOLE
    if filters.settlements or filters.utilities or filters.groups or filters.resources:
        out["enforcement_target"] = TARGET_DISTRICT.format(target=fmt.money(settings["enforcement_monthly_target"], 0))
    return out


@dataclass
class DashboardResult:
    filters: Filters
    month: str
    totals: pd.DataFrame  # per month, whole history under the filters (carried lines included, ``estimated``)
    target: dict
    collection: pd.DataFrame
    collection_by_month: pd.DataFrame
    aging: pd.DataFrame
    older_than_12_pct: float
    resources: pd.DataFrame
    settlements: pd.DataFrame
    utilities: pd.DataFrame
    enforcement: pd.DataFrame
    funnel: dict
    limitation: pd.DataFrame
    filing: pd.DataFrame
    filing_summary: dict
    plan: pd.DataFrame
    plan_summary: dict
    quality: pd.DataFrame
    decisions: pd.DataFrame
    problems: list = field(default_factory=list)
    notes: list = field(default_factory=list)  # estimates.Note of the tile month: carried and returned reports
    period_notes: list = field(default_factory=list)  # the same over the whole period
    never_filed: list = field(default_factory=list)  # expected filers with no report at all
    baseline_notes: list = field(default_factory=list)  # estimates and returned reports inside the baseline month's figure
    warnings: dict = field(default_factory=dict)  # figure -> open quality warnings on values it sums (debt, baseline, collection, forecast)
    limits: dict = field(default_factory=dict)  # figure -> why the filters do not apply to it
    no_data: str | None = None  # the filters leave nothing to show


def execute(snapshot, filters: Filters, settings: Settings, today: dt.date, lines: estimates.Lines | None = None) -> DashboardResult:
    """Every figure of the dashboard for the filters; ``filters.month_to`` is the month shown in the tiles.

    A page rerun on the same snapshot with the same filters (a click elsewhere on the page, a download)
    gets the same result object, computed once (``memo.recent``); the result is only read by the page."""
    if lines is not None:
        return _execute(snapshot, filters, settings, today, lines)
    key = (filters, today, repr(sorted(settings.values.items())))
    return memo.recent(snapshot, "dashboard.execute", key, lambda: _execute(snapshot, filters, settings, today, estimates.lines(snapshot)))


def _execute(snapshot, filters: Filters, settings: Settings, today: dt.date, lines: estimates.Lines) -> DashboardResult:
    month = filters.month_to
    # the figures of the chosen period first: its filtered copies of the lines are let go before the quality checks,
    # the filing matrix and the plan, which are then computed without them
    period = select(snapshot, filters, lines=lines)
    of_period = dict(
        collection_by_month=metrics.collection_by_month(period.monthly),
        aging=metrics.aging(period.structure),
        older_than_12_pct=metrics.share_older_than_12(period.structure, month),
        resources=metrics.by_resource(period.structure, month),
        enforcement=metrics.enforcement(period.monthly, settings["enforcement_monthly_target"]),
        funnel=metrics.claims_funnel(period.claims, period.monthly, filters.months),
        notes=estimates.notes(period.monthly, lines.coverage, [month]),
    )
    period_notes = estimates.notes(period.monthly, lines.coverage)
    nothing_in_period = period.monthly.empty and period.structure.empty
    del period
    history = select(snapshot, filters, whole_history=True, lines=lines)
    totals = metrics.monthly_totals(history.monthly)
    per = metrics.totals_by(history.monthly, ["participant_id"])
    target = metrics.target_progress(per, month, settings["baseline_month"], settings["target_reduction_pct"], settings["plan_end"])
    parts = estimates.composition(history.monthly, lines.coverage, month, target["compared"])
    target["filed_part"], target["estimated_part"], target["returned_part"] = parts["filed"], parts["estimated"], parts["returned"]
    compared = history.monthly[history.monthly.participant_id.isin(target["compared"])]
    baseline_month = settings["baseline_month"]
    found = open_warnings(snapshot, filters, lines)
    trend_months = sorted(m for m in totals.month.unique() if m <= month)[-12:] if len(totals) else []
    year = [m for m in history.monthly.month.unique() if f"{month[:4]}-01" <= m <= month]  # the collection tile's year so far
    who = expected_filers(snapshot, filters, lines)
    filing = filing_matrix(snapshot, who, filters.months, settings["report_due_day"], today, zone=getattr(settings, "zone", None))
    partial = {(n.participant_id, n.month): n for n in period_notes if n.kind == "partial"}
    names = dict(zip(snapshot.current("participants").id, snapshot.current("participants").name)) if partial else {}
    filing["missing_lines"] = [("; ".join(estimates.line_text(x, names) for x in partial[k].lines) if k in partial else None)
                               for k in zip(filing.participant_id, filing.month)]
    participants = snapshot.current("participants")
    plan_who = None
    if filters.kinds or filters.utilities or filters.settlements:
        chosen = participants
        if filters.kinds:
            chosen = chosen[chosen.kind.isin(filters.kinds)]
        if filters.utilities or filters.settlements:
            chosen = chosen[chosen.id.isin(set(filters.utilities) | set(filters.settlements))]
        plan_who = chosen.id.tolist()
    plan = execution_matrix(snapshot, filters.months, today, plan_who, span=(settings["plan_start"], settings["plan_end"]))
    shown_quality = checks(snapshot, filters, lines)
    no_data = None
    if nothing_in_period:
        no_data = ("Для выбранного сочетания фильтров нет ни одного отчёта"
                   + (": выбранные организации не обслуживают выбранные поселения." if filters.settlements and not who else "."))
    return DashboardResult(
        filters=filters,
        month=month,
        totals=totals,
        target=target,
        collection=metrics.collection(history.monthly, month),
        settlements=metrics.ranking(history.monthly, filters.month_from, month, "settlement_id"),
        utilities=metrics.ranking(history.monthly, filters.month_from, month, "participant_id"),
        limitation=metrics.limitation_risk(history.structure, history.claims, month),
        filing=filing,
        filing_summary=filing_summary(filing, month),
        plan=plan,
        plan_summary=execution_summary(plan),
        quality=shown_quality,
        decisions=decisions(snapshot, today),
        problems=list(snapshot.problems),
        baseline_notes=estimates.notes(compared, lines.coverage, [baseline_month]) if baseline_month != month else [],
        warnings={"debt": quality.within(found, [month]), "baseline": quality.within(found, {month, baseline_month}),
                  "collection": quality.within(found, set(year), quality.FLOW_FIELDS),
                  "forecast": quality.within(found, trend_months)},
        period_notes=period_notes,
        never_filed=[p for p in who if p in lines.never_filed],
        limits=limits(filters, settings),
        no_data=no_data,
        **of_period,
    )
