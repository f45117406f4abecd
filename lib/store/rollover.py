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
  closed quarters (all of them: a quarter stays closed whatever its source).

The journal of changes and of exports stays in the archive. The old sheet gets whole-tab
protection (only the service account) and a mark (developer metadata ``debt.archived_to``) so the
app refuses to save there and points to the new one.

- **Resumable**: the new sheet is marked at the start (developer metadata ``debt.rollover_from``); run again
  after a failure, the rollover continues into it and writes only what is not there yet.
- **Listed problems go along**: rows the app could not read or count (unreadable cells, rows typed by hand
  that clash) are copied as they are into the same tab of the new sheet, so the same list of problems
  continues there and nothing waits forgotten in the archive; the report names each.
- **The district's time zone**: the new sheet gets the old sheet's time zone (set there by bootstrap-sheet),
  or the one given.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

import pandas as pd

from lib.core.frames import frame_records
from lib.domain.periods import months_range, open_returns, quarter_months, shift_month
from lib.domain.settings import read_settings
from lib.store.copying import not_there, write_records
from lib.store.port import Snapshot, Store, StoreError
from lib.store.signing import QUARANTINE_ID

ROLLOVER_METADATA = "debt.rollover_from"  # on the new spreadsheet: the key of the sheet rolled over into it
REFERENCE_TABS = ("participants", "users", "plan", "commission_members", "settings")
MONTHLY_TABS = ("monthly_reports", "debt_structure", "claims_work")


@dataclass
class Carried:
    records: dict[str, list[dict]]
    months: list[str]
    problems: list[str] = field(default_factory=list)  # problems of the old sheet whose rows went along
    resumed: bool = False

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
        if self.problems:
            out.append(f"  строки с проблемами перенесены как есть, список продолжается в новой таблице ({len(self.problems)}):")
            out += [f"    {p}" for p in self.problems]
        if self.resumed:
            out.append("  перенос продолжен после прерванного запуска: уже перенесённое не повторялось")
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
    # every closed quarter, not only those of the carried months: a quarter stays closed whatever its source,
    # and the server's record of the closed quarters (its secrets file) finds each of them in the new sheet
    # (a quarter the server holds closed is not a row of the sheet: it is held closed in the new one too)
    picked["locks"] = locks[locks["locked"].fillna(False).astype(bool) & (locks["save_id"] != QUARANTINE_ID)]
    records = {t: frame_records(schema[t], picked[t]) for t in schema.tables if t in picked}
    return Carried(records, sorted(carried_months))


def rollover(source: Store, target: Store, *, months: int = 12, user: str = "cli", progress=print,
             time_zone: str | None = None) -> Carried:
    """Carry the open data into ``target`` (empty, or this rollover's own partial run) and make ``source`` a
    read-only archive. ``progress`` gets a Russian line per step."""
    from lib.store.sheets_setup import DEFAULT_TIME_ZONE, archive
    from lib.store.sheets_store import SheetsStore

    if not isinstance(source, SheetsStore):
        raise StoreError("rollover переводит Google Таблицу на новую: укажите источник gsheets://… (--from).")
    if source.archived_to():
        raise StoreError(f"Таблица {source.key} уже архив: данные перенесены в {source.archived_to()}.")
    zone = time_zone or source.metadata().get("properties", {}).get("timeZone") or DEFAULT_TIME_ZONE
    started = None
    if isinstance(target, SheetsStore):
        for line in target.bootstrap(time_zone=zone):
            progress(f"новая таблица: {line}")
        started = _started_from(target)
    existing = target.read_all()
    if any((existing.all_versions(t.key)["save_id"] != QUARANTINE_ID).any() for t in target.schema) and started != source.key:
        # (rows the server adds itself — a closed quarter it remembers, held closed — are not the sheet's data)
        raise StoreError("Новая таблица не пуста: rollover переносит данные только в пустую таблицу "
                         "(или продолжает свой прерванный перенос в ту же таблицу).")
    if isinstance(target, SheetsStore) and started is None:
        _mark_started(target, source.key)
    resumed = started == source.key
    if resumed:
        progress("продолжаю прерванный перенос: записи, которые уже есть в новой таблице, пропускаются")
    snapshot = source.read_all()
    carried = open_data(snapshot, months)
    carried.resumed = resumed
    tabs = [t for t, r in carried.records.items() if r]
    for i, tab in enumerate(tabs, 1):
        table = target.schema[tab]
        todo = not_there(existing, table, carried.records[tab])
        write_records(target, table, todo)
        progress(f"[{i}/{len(tabs)}] «{table.title}»: перенесено записей {len(todo)}"
                 + (f" (уже были: {len(carried.records[tab]) - len(todo)})" if len(todo) < len(carried.records[tab]) else ""))
    if snapshot.problems:
        carried.problems = [str(p) for p in snapshot.problems]
        if isinstance(target, SheetsStore):
            moved = _carry_problem_rows(source, target, snapshot)
            progress(f"строки с проблемами перенесены как есть: {moved} (список — «python -m lib.cli check» в новой таблице)")
    moved = sum(len(r) for r in carried.records.values())
    target.save({"audit": [{"event_id": uuid.uuid4().hex, "entity": "rollover", "record_key": source.key,
                            "action": "перенос в новую таблицу",
                            "changes": f"из таблицы {source.key} {dt.date.today().isoformat()}: записей {moved}, "
                                       f"месяцы {', '.join(carried.months[:1] + carried.months[-1:])}"
                                       + (f", строк с проблемами {len(carried.problems)}" if carried.problems else "")}]}, user)
    archive(source, getattr(target, "key", target.url))
    progress(f"старая таблица {source.key} — архив только для чтения")
    return carried


def _started_from(target) -> str | None:
    for m in target.metadata(refresh=True).get("developerMetadata", []) or []:
        if m.get("metadataKey") == ROLLOVER_METADATA:
            return m.get("metadataValue")
    return None


def _mark_started(target, source_key: str) -> None:
    target.http.batch_update(target.key, {"requests": [{"createDeveloperMetadata": {"developerMetadata": {
        "metadataKey": ROLLOVER_METADATA, "metadataValue": source_key, "visibility": "DOCUMENT",
        "location": {"spreadsheet": True}}}}]})
    target.metadata(refresh=True)


def _carry_problem_rows(source, target, snapshot: Snapshot) -> int:
    """The rows behind the old sheet's problems, copied cell by cell (as Google holds them: dates as serial
    numbers, text as text) under the same headers of the new sheet; rows already there are not repeated."""
    from lib.core.frames import header_positions
    from lib.store.sheets_store import _cell_data, a1_tab

    by_title = {t.title: t for t in source.schema}
    rows_of: dict[str, set[int]] = {}
    for p in snapshot.problems:
        if p.tab in by_title and p.row and p.row > 1:
            rows_of.setdefault(by_title[p.tab].key, set()).add(int(p.row))
    old_titles, new_titles, new_ids = source.titles(), target.titles(), target.sheet_ids(refresh=True)
    requests, count = [], 0
    for tab, rows in rows_of.items():
        table = source.schema[tab]
        old = source.http.values_get(source.key, a1_tab(old_titles[tab]),
                                     params={"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER"})
        new = target.http.values_get(target.key, a1_tab(new_titles[tab]),
                                     params={"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER"})
        old_values, new_values = old.get("values", []), new.get("values", [])
        old_at = header_positions(table, old_values[0] if old_values else [])
        new_at = header_positions(table, new_values[0] if new_values else [])
        width = max((i for at in new_at.values() for i in at), default=-1) + 1
        there = {tuple(r) for r in new_values[1:]}
        out = []
        for r in sorted(rows):
            source_row = old_values[r - 1] if r - 1 < len(old_values) else []
            cells: list = [""] * width
            for key, at in old_at.items():
                if key in new_at and at[0] < len(source_row):
                    cells[new_at[key][0]] = source_row[at[0]]
            while cells and cells[-1] in ("", None):
                cells.pop()
            if cells and tuple(cells) not in there:
                out.append({"values": [_cell_data(v if v != "" else None) for v in cells]})
        if out:
            requests.append({"appendCells": {"sheetId": new_ids[new_titles[tab]], "rows": out, "fields": "userEnteredValue"}})
            count += len(out)
    if requests:
        target.http.batch_update(target.key, {"requests": requests})
        target.invalidate()
    return count
