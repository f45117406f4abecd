"""Starting a new year in a new spreadsheet when the old one fills up (``python -m lib.cli rollover``).

A Google spreadsheet holds at most 10 million cells; at region scale the data and its audit meet
that in a few years. The coordinator creates an empty spreadsheet, shares it with the service
account, and ``rollover`` carries the **open data** over and leaves the old sheet as a read-only
archive. Carried, as current versions with their own who/when/save id (history stays in the archive):

- every record of the reference tabs: participants, users, the plan, the commission, settings;
- the monthly report, debt structure and claims work of the last ``months`` months (12 by default:
  the previous month beside a new one, continuity of the debt, year-on-year figures) and of the
  baseline month of the target, so every figure on the dashboard stays the same;
- plan execution for those months and quarters; decisions still open, or due or done within
  those months, with their meetings and the meetings held then; returns still waiting; the
  closed quarters among those months.

The journal of changes and of exports stays in the archive. The old sheet gets whole-tab
protection (only the service account) and a mark (developer metadata ``debt.archived_to``) so the
app refuses to save there and points to the new one.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import pandas as pd

from lib.core.frames import frame_records
from lib.domain.periods import months_range, open_returns, quarter_months, shift_month
from lib.domain.settings import read_settings
from lib.store.copying import write_records
from lib.store.port import Snapshot, Store, StoreError

REFERENCE_TABS = ("participants", "users", "plan", "commission_members", "settings")
MONTHLY_TABS = ("monthly_reports", "debt_structure", "claims_work")


@dataclass
class Carried:
    records: dict[str, list[dict]]
    months: list[str]

    def lines(self, schema) -> list[str]:
        months = self.months
        if not months:
            span = "нет отчётных месяцев"
        elif len(months) > 1 and months[1] != shift_month(months[0], 1):  # the baseline month stands apart
            span = f"{months[1]} … {months[-1]} и базовый месяц {months[0]}"
        else:
            span = f"{months[0]} … {months[-1]}"
        out = [f"месяцы отчётов: {span}"]
        out += [f"  «{schema[t].title}»: записей {len(r)}" for t, r in self.records.items() if r]
        out.append("  журнал изменений и выгрузок остаётся в архиве")
        return out


def _period_months(period: str) -> list[str]:
    return quarter_months(period) if "-Q" in period else [period]


def open_data(snapshot: Snapshot, months: int = 12) -> Carried:
    """What goes to the new spreadsheet (pure: from a snapshot to records per tab)."""
    schema = snapshot.schema
    reported = sorted(set().union(*(set(snapshot.current(t)["month"].dropna()) for t in MONTHLY_TABS)))
    window = months_range(shift_month(reported[-1], -(months - 1)), reported[-1]) if reported else []
    baseline = read_settings(snapshot)["baseline_month"]
    carried_months = set(window) | ({baseline} if baseline in reported else set())
    first_day = pd.Timestamp(f"{window[0]}-01") if window else pd.Timestamp.max

    def current(tab: str) -> pd.DataFrame:
        return snapshot.current(tab)

    picked: dict[str, pd.DataFrame] = {t: current(t) for t in REFERENCE_TABS}
    for tab in MONTHLY_TABS:
        frame = current(tab)
        picked[tab] = frame[frame["month"].isin(carried_months)]
    progress = current("plan_progress")
    picked["plan_progress"] = progress[[any(m in carried_months for m in _period_months(p)) for p in progress["period"]]]
    decisions = current("decisions")
    in_window = (decisions["due_date"] >= first_day) | (decisions["done_date"] >= first_day)
    picked["decisions"] = decisions[(decisions["status"] == "open") | in_window.fillna(False)]
    meetings = current("meetings")
    picked["meetings"] = meetings[(meetings["date"] >= first_day).fillna(False)
                                  | meetings["meeting_id"].isin(set(picked["decisions"]["meeting_id"]))]
    picked["returns"] = open_returns(snapshot)
    locks = current("locks")
    picked["locks"] = locks[[bool(r) and any(m in carried_months for m in quarter_months(q))
                             for q, r in zip(locks["quarter"], locks["locked"].fillna(False))]]
    records = {t: frame_records(schema[t], picked[t]) for t in schema.tables if t in picked}
    return Carried(records, sorted(carried_months))


def rollover(source: Store, target: Store, *, months: int = 12, user: str = "cli", progress=print) -> Carried:
    """Carry the open data into an empty ``target`` and make ``source`` a read-only archive."""
    from lib.store.sheets_setup import archive
    from lib.store.sheets_store import SheetsStore

    if not isinstance(source, SheetsStore):
        raise StoreError("rollover переводит Google Таблицу на новую: укажите источник gsheets://… (--from).")
    if source.archived_to():
        raise StoreError(f"Таблица {source.key} уже архив: данные перенесены в {source.archived_to()}.")
    if isinstance(target, SheetsStore):
        for line in target.bootstrap():
            progress(f"новая таблица: {line}")
    existing = target.read_all()
    if any(len(existing.all_versions(t.key)) for t in target.schema):
        raise StoreError("Новая таблица не пуста: rollover переносит данные только в пустую таблицу.")
    snapshot = source.read_all()
    if snapshot.problems:
        raise StoreError(f"В старой таблице {len(snapshot.problems)} нераспознанных ячеек или неучтённых строк — "
                         "перенос остановлен, чтобы ничего не потерять. Исправьте их (python -m lib.cli check).")
    carried = open_data(snapshot, months)
    for tab, records in carried.records.items():
        write_records(target, target.schema[tab], records)
    moved = sum(len(r) for r in carried.records.values())
    target.save({"audit": [{"event_id": uuid.uuid4().hex, "entity": "rollover", "record_key": source.key,
                            "action": "перенос в новую таблицу",
                            "changes": f"из таблицы {source.key} {dt.date.today().isoformat()}: записей {moved}, "
                                       f"месяцы {', '.join(carried.months[:1] + carried.months[-1:])}"}]}, user)
    archive(source, getattr(target, "key", target.url))
    return carried

