"""A small district on a real SQLite file, from literal rows: who filed what, when (UTC), what was returned.

Every figure a test asserts is computed by hand from the rows the test itself writes here.
"""

from __future__ import annotations

import datetime as dt

from lib.store.sqlite_store import SQLiteStore

GROUP = "population"


def stamp(moment: str, save_id: str, user: str = "tester") -> dict:
    """``moment`` in UTC, e.g. '2024-02-05T03:00:00'."""
    return {"saved_at": dt.datetime.fromisoformat(moment).replace(tzinfo=dt.UTC).isoformat(timespec="seconds"),
            "saved_by": user, "save_id": save_id}


def participant(pid: str, kind: str = "utility", serves: str | None = None, files: bool = True) -> dict:
    return {"id": pid, "name": f"Организация {pid}" if kind == "utility" else f"Поселение {pid}", "kind": kind,
            "files_monthly": files if kind == "utility" else False, "serves": serves, "active": True}


def line(pid, settlement, month, start, accrued, paid, recovered=0.0, overdue=None, written_off=None, group=GROUP, filed=None,
         version="v1") -> dict:
    """One monthly report line; filed on the 5th of the next month at 03:00 UTC unless ``filed`` says when."""
    y, m = int(month[:4]), int(month[5:7])
    nxt = dt.date(y + (m == 12), m % 12 + 1, 5)
    when = filed or f"{nxt.isoformat()}T03:00:00"
    return {"participant_id": pid, "settlement_id": settlement, "month": month, "consumer_group": group, "debt_start": start,
            "accrued": accrued, "paid": paid, "recovered_enforcement": recovered,
            "overdue": overdue if overdue is not None else round(start * 0.5, 3), "written_off": written_off,
            **stamp(when, f"{pid}-{month}-{version}")}


def settings(**values) -> list[dict]:
    base = {"district_name": "Тестовый район", "baseline_month": "2024-01", "plan_start": "2024-01", "plan_end": "2024-12",
            "report_due_day": "10", "target_reduction_pct": "5", "enforcement_monthly_target": "700", "time_zone": "Asia/Yakutsk"}
    base.update(values)
    return [{"key": k, "value": v} for k, v in base.items()]


def build(path, *, participants: list[dict], monthly: list[dict], structure=(), claims=(), returns=(), plan=(), progress=(),
          meetings=(), settings_rows=None) -> SQLiteStore:
    store = SQLiteStore(path)
    setup = stamp("2023-12-01T00:00:00", "setup")
    data = {
        "participants": [{**p, **setup} for p in participants],
        "settings": [{**s, **setup} for s in (settings_rows or settings())],
        "monthly_reports": list(monthly),
        "debt_structure": list(structure),
        "claims_work": list(claims),
        "returns": list(returns),
        "plan": [{**p, **setup} for p in plan],
        "plan_progress": list(progress),
        "meetings": list(meetings),
    }
    store.fill({k: v for k, v in data.items() if v}, "tester")
    return store
