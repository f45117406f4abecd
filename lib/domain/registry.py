"""Every id a form or a file names, checked against the registry («Участники», «План мероприятий»).

The keys of a save (participant, settlement, consumer group, resource, measure, period) come from
the server's own form, never from the browser; these checks are the second line, run on every path
the same way — the app's forms, the Excel blank, an Annex 4 form and the command line: the
participant exists, is active and is of the kind that files this form; a settlement is one it
serves; a resource is one it supplies; a plan measure exists, applies to it and reports for that
period. Each problem is a ``Finding`` naming the row as the person sees it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from lib.core import memo
from lib.core.record_keys import repeated
from lib.domain.rules import Finding
from lib.store.port import Snapshot

REPORT_TABS = ("monthly_reports", "debt_structure", "claims_work")  # filed by utilities only
NO_SETTLEMENTS = ("за организацией не закреплено ни одного поселения, поэтому отчёт по поселениям подать нельзя. "
                  "Попросите координатора указать обслуживаемые поселения в справочнике «Участники»")


def split_refs(refs) -> list[str]:
    """«lensk;vitim» -> ['lensk', 'vitim']; an empty cell (None, NaN) -> []."""
    return [x for x in refs.split(";") if x] if isinstance(refs, str) else []


class Registry:
    """The participants and the plan of one snapshot, looked up by id (built once per snapshot: a page checks every
    form on every rerun; the lookups are read-only)."""

    def __init__(self, snapshot: Snapshot):
        self.snapshot = snapshot
        self.participants = memo.per_snapshot(
            snapshot, "registry.participants", lambda: {r["id"]: r for r in snapshot.current("participants").to_dict("records")})

    def measure(self, measure_id) -> dict | None:
        plan = memo.per_snapshot(self.snapshot, "registry.plan",
                                 lambda: {m["measure_id"]: m for m in self.snapshot.current("plan").to_dict("records")})
        return plan.get(measure_id)

    def name(self, pid) -> str:
        row = self.participants.get(pid)
        return row["name"] if row and isinstance(row.get("name"), str) else f"«{pid}»"

    def served(self, participant_id) -> list[str]:
        return split_refs(self.participants.get(participant_id, {}).get("serves"))

    def filer_problem(self, participant_id, tab: str) -> str | None:
        """Why this participant may not file this form at all, or None."""
        who = self.participants.get(participant_id)
        if who is None:
            return f"участника с кодом «{participant_id}» нет в справочнике «Участники»"
        if who.get("active") is False:
            return f"{self.name(participant_id)} отключён в справочнике (не действует): данные от него не принимаются"
        kind = who.get("kind")
        if tab in REPORT_TABS:
            if kind != "utility":
                kinds = self.snapshot.schema["participants"].column("kind").labels
                return (f"{self.name(participant_id)} — {kinds.get(kind, kind)}, а ежемесячный отчёт, структуру задолженности "
                        "и претензионную работу сдают организации ЖКК")
            if tab != "claims_work" and not self.served(participant_id):
                return NO_SETTLEMENTS
        return None

    def line_problem(self, participant_id, settlement_id, resource=None, supplied: Sequence[str] = ()) -> str | None:
        """Why a line of the monthly report or the debt structure names a settlement or resource it may not."""
        place = self.participants.get(settlement_id)
        if place is None:
            return f"поселения с кодом «{settlement_id}» нет в справочнике «Участники»"
        if place.get("kind") != "settlement":
            return f"{self.name(settlement_id)} — не поселение"
        if settlement_id not in self.served(participant_id):
            return (f"{self.name(participant_id)} не обслуживает {self.name(settlement_id)} (по справочнику «Участники»); "
                    "если это изменилось, попросите координатора добавить поселение")
        if resource is not None and resource not in supplied:
            labels = self.snapshot.schema["debt_structure"].column("resource").labels
            return (f"{self.name(participant_id)} не поставляет ресурс «{labels.get(resource, resource)}» (по справочнику "
                    "«Участники»); если это изменилось, попросите координатора добавить ресурс")
        return None

    def measure_problem(self, participant_id, measure_id, period, last_fileable: str) -> str | None:
        """Why plan progress for this measure and period may not be filed by this participant."""
        from lib.domain.periods import quarter_months
        from lib.domain.schedule import report_frequency, report_periods, rule_of

        measure = self.measure(measure_id)
        if measure is None:
            return f"мероприятия с кодом «{measure_id}» нет в плане"
        if measure.get("retired") is True:
            return f"мероприятие «{measure_id}» исключено из плана"
        kind = self.participants.get(participant_id, {}).get("kind")
        if kind not in split_refs(measure.get("executor_kinds")):
            return f"по мероприятию «{measure_id}» отчитываются другие участники, не {self.name(participant_id)}"
        if not isinstance(period, str) or not period:
            return "не указан отчётный период"
        months = quarter_months(period) if "-Q" in period else [period]
        if months[0] > last_fileable:
            return f"период {period} ещё не наступил: отчитаться за него можно после его начала"
        rule = rule_of(measure, int(period[:4]))
        if period not in report_periods(rule, report_frequency(measure.get("report_deadline"), rule), months):
            return f"по мероприятию «{measure_id}» отчитываются не за период {period}"
        return None


def served_settlements(snapshot: Snapshot, participant_id: str) -> list[str]:
    return Registry(snapshot).served(participant_id)


def duplicates(records: Sequence[dict], key: Sequence[str], form: str, label: Callable[[dict], str],
               where: Callable[[int], str] = lambda i: f"строка {i + 1}") -> list[Finding]:
    """A record key that occurs twice in one save: one finding naming both rows (nothing «last one wins»)."""
    return [Finding(form, label(records[j]), "", f"повторяется: {where(i)} и {where(j)} — одна и та же строка; оставьте одну")
            for i, j in repeated(records, key)]
