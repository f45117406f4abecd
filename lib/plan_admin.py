"""Keeping the plan: start a plan from a template, edit and retire measures (always a new version)."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from lib.schedule import parse_deadline

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
    rows = []
    fields = [c.key for c in snapshot.schema["plan"].data_columns]
    for m in plan[(plan.plan_id == source_plan) & (plan.retired.fillna(False) == False)].to_dict("records"):  # noqa: E712
        row = {k: (None if not isinstance(m[k], (str, bool, int, float)) or m[k] != m[k] else m[k]) for k in fields}
        row["due_date"] = m["due_date"].date() if hasattr(m["due_date"], "date") and m["due_date"] == m["due_date"] else None
        code = m["measure_id"].split("-", 1)[1] if "-" in m["measure_id"] else m["measure_id"]
        row.update(measure_id=f"{plan_id}-{code}", plan_id=plan_id, retired=False)
        rows.append(row)
    return rows


def measure_record(snapshot, measure_id: str) -> dict:
    """The current version of a measure as an editable record."""
    plan = snapshot.current("plan")
    m = plan[plan.measure_id == measure_id].iloc[0].to_dict()
    fields = [c.key for c in snapshot.schema["plan"].data_columns]
    row = {}
    for k in fields:
        v = m.get(k)
        if hasattr(v, "date") and v == v:
            v = v.date()
        elif v is None or (isinstance(v, float) and v != v) or v is __import__("pandas").NA:
            v = None
        row[k] = v
    return row
