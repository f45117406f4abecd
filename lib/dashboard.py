"""The consolidated dashboard as a report: ``Filters`` in, every figure out (``execute``).

The quarterly export calls the same ``select`` and metric functions, so for the same filters
the dashboard and the workbook cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from lib import metrics
from lib.commission import decisions
from lib.filing import filing_matrix, filing_summary
from lib.periods import months_range
from lib.plan_rules import execution_matrix, execution_summary
from lib.quality import quality_warnings
from lib.settings import Settings


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
    monthly: pd.DataFrame
    structure: pd.DataFrame
    claims: pd.DataFrame


def select(snapshot, filters: Filters, *, whole_history: bool = False) -> Selection:
    """Current versions filtered by who and what; by period too unless ``whole_history``
    (the trend and the baseline need months outside the chosen period)."""
    monthly = snapshot.current("monthly_reports")
    structure = snapshot.current("debt_structure")
    claims = snapshot.current("claims_work")

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

    return Selection(keep(monthly), keep(structure, resource=True), keep(claims, settlement=False, group=False))


@dataclass
class DashboardResult:
    filters: Filters
    month: str
    totals: pd.DataFrame  # per month, whole history under the filters
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


def filers(snapshot, filters: Filters) -> list[str]:
    p = snapshot.current("participants")
    p = p[p.files_monthly.fillna(False) == True]  # noqa: E712 - nullable boolean
    if filters.utilities:
        p = p[p.id.isin(filters.utilities)]
    return p.id.tolist()


def execute(snapshot, filters: Filters, settings: Settings, today: dt.date) -> DashboardResult:
    """Every figure of the dashboard for the filters; ``filters.month_to`` is the month shown in the tiles."""
    period = select(snapshot, filters)
    history = select(snapshot, filters, whole_history=True)
    month = filters.month_to
    totals = metrics.monthly_totals(history.monthly)
    target = metrics.target_progress(totals, month, settings["baseline_month"], settings["target_reduction_pct"], settings["plan_end"])
    who = filers(snapshot, filters)
    filing = filing_matrix(snapshot, who, filters.months, settings["report_due_day"], today)
    participants = snapshot.current("participants")
    plan_who = None
    if filters.kinds or filters.utilities or filters.settlements:
        chosen = participants
        if filters.kinds:
            chosen = chosen[chosen.kind.isin(filters.kinds)]
        if filters.utilities or filters.settlements:
            chosen = chosen[chosen.id.isin(set(filters.utilities) | set(filters.settlements))]
        plan_who = chosen.id.tolist()
    plan = execution_matrix(snapshot, filters.months, today, plan_who)
    quality = quality_warnings(period.monthly, period.structure)
    return DashboardResult(
        filters=filters,
        month=month,
        totals=totals,
        target=target,
        collection=metrics.collection(history.monthly, month),
        collection_by_month=metrics.collection_by_month(period.monthly),
        aging=metrics.aging(period.structure),
        older_than_12_pct=metrics.share_older_than_12(period.structure, month),
        resources=metrics.by_resource(period.structure, month),
        settlements=metrics.ranking(history.monthly, month, filters.month_from, "settlement_id"),
        utilities=metrics.ranking(history.monthly, month, filters.month_from, "participant_id"),
        enforcement=metrics.enforcement(period.monthly, settings["enforcement_monthly_target"]),
        funnel=metrics.claims_funnel(period.claims, period.monthly, filters.months),
        limitation=metrics.limitation_risk(history.structure, history.claims, month),
        filing=filing,
        filing_summary=filing_summary(filing, month),
        plan=plan,
        plan_summary=execution_summary(plan),
        quality=quality,
        decisions=decisions(snapshot, today),
        problems=list(snapshot.problems),
    )
