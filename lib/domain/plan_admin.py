"""Keeping the plan: start a plan from a template, edit and retire measures (always a new version)."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from lib.domain.schedule import parse_deadline

TEMPLATES_DIR = Path(__file__).resolve().parent / "plan_templates"


@cache
def templates() -> dict[str, dict]:
    """Shipped templates by title: the Zaozersk 2022 plan (seed 001); the current plans are offered too."""
    out = {}
    for path in sorted(TEMPLATES_DIR.glob("*.toml")):
        with open(path, "rb") as f:
            data = tomllib.load(f)
        out[data["title"]] = data
    return out


def from_template(template: dict, plan_id: str, year: int) -> list[dict]:
    """Plan records for a new plan: codes prefixed by the new plan id, schedules read from the printed deadlines."""
    rows = []
    for item in template["plan"]:
        rule = parse_deadline(item.get("deadline"), year)
        rows.append({
            "measure_id": f"{plan_id}-{item['code']}",
            "plan_id": plan_id,
            "item_no": item.get("item_no"),
            "section": item.get("section") or None,
            "measure": item["measure"],
            "executor": item.get("executor") or None,
            "executor_kinds": ";".join(item.get("executor_kinds", [])) or None,
            "curator": item.get("curator") or None,
            "deadline": item.get("deadline") or None,
            "periodicity": rule.periodicity,
            "due_day": rule.due_day,
            "due_date": rule.due_date,
            "report_deadline": item.get("report_deadline") or None,
            "expected_result": item.get("expected_result") or None,
            "mechanism": item.get("mechanism") or None,
            "indicator": item.get("indicator") or None,
            "retired": False,
        })
    return rows


def copy_plan(snapshot, source_plan: str, plan_id: str) -> list[dict]:
    """A new plan as a copy of an existing one (the usual way to start next year's plan)."""
    plan = snapshot.current("plan")
    chosen = plan[(plan.plan_id == source_plan) & (plan.retired.fillna(False) == False)]  # noqa: E712 - nullable
    rows = []
    for measure_id in chosen.measure_id:
        row = snapshot.record("plan", measure_id=measure_id)
        code = measure_id.split("-", 1)[1] if "-" in measure_id else measure_id
        rows.append({**row, "measure_id": f"{plan_id}-{code}", "plan_id": plan_id, "retired": False})
    return rows


def measure_record(snapshot, measure_id: str) -> dict:
    """The current version of a measure as an editable record."""
    return snapshot.record("plan", measure_id=measure_id)


NO_DEADLINE = "без срока"


def check_measure(record: dict) -> None:
    """What a measure of a plan cannot be without (issue 27): its text, an executor and a deadline — or the stated
    «без срока» (the deadline rules read it as a standing measure). Raises ``Rejected`` naming the field."""
    from lib.auth.access import Rejected

    blank = lambda field: not (record.get(field) if isinstance(record.get(field), str) else "").strip()
    missing = [title for field, title in (("measure", "«Мероприятие»"), ("executor", "«Исполнитель»"),
                                           ("deadline", "«Сроки исполнения»")) if blank(field)]
    if missing:
        raise Rejected("Не заполнено: " + ", ".join(missing) + "."
                       + (f" Если у мероприятия нет срока, впишите в «Сроки исполнения» «{NO_DEADLINE}»." if blank("deadline") else ""))


def new_measure(snapshot, plan_id: str, *, item_no: str | None, measure: str, executor: str | None,
                executor_kinds: list[str], deadline: str | None, report_deadline: str | None,
                expected_result: str | None) -> dict:
    """A measure added to a plan: a generated id (never derived from the typed number, which may be
    empty or repeat a retired item's), and a number not already used by a measure in force."""
    from lib.auth.access import Rejected
    from lib.core.ids import new_id

    check_measure({"measure": measure, "executor": executor, "deadline": deadline})
    if not executor_kinds:
        raise Rejected("Укажите, кто отчитывается по мероприятию.")
    number = (item_no or "").strip().rstrip(".") or None
    plan = snapshot.current("plan")
    in_force = plan[(plan.plan_id == plan_id) & (plan.retired.fillna(False) == False)]  # noqa: E712 - nullable
    if number and number in set(in_force.item_no.dropna().str.strip().str.rstrip(".")):
        raise Rejected(f"В плане {plan_id} уже есть пункт {number}. Чтобы изменить его, выберите его на вкладке "
                       "«Изменить или исключить мероприятие»; для нового мероприятия укажите другой номер.")
    return {"measure_id": f"{plan_id}-{new_id('m')}", "plan_id": plan_id, "item_no": number, "measure": measure.strip(),
            "executor": executor or None, "executor_kinds": ";".join(executor_kinds), "deadline": deadline or None,
            **schedule_of(deadline, plan_id),
            "report_deadline": report_deadline or None, "expected_result": expected_result or None, "retired": False}


def schedule_of(deadline: str | None, plan_id: str) -> dict:
    """A measure's schedule read from its «Сроки исполнения» (lib/domain/schedule.parse_deadline): periodicity, report
    day, due date; a one-off date without a year takes the plan's (its name begins with the year)."""
    rule = parse_deadline(deadline, int(plan_id[:4]) if plan_id[:4].isdigit() else 2000)
    return {"periodicity": rule.periodicity, "due_day": rule.due_day, "due_date": rule.due_date}


def _text(value) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def edited_measure(current: dict, typed: dict) -> dict:
    """The new version of a measure: ``current`` with the fields the coordinator typed. A changed «Сроки исполнения» is
    read again as for a new measure (``schedule_of``); an unchanged one keeps the schedule, also one set by hand."""
    record = {**current, **typed}
    if _text(typed.get("deadline", current.get("deadline"))) != _text(current.get("deadline")):
        record.update(schedule_of(record.get("deadline"), str(record.get("plan_id") or "")))
    return record
