"""The shared sheet under people and faults: ``python -m bench.sheets_safety [--rounds 60] [--saves 300]``.

Two runs on the in-process Sheets API (``tests/support/fake_sheets.py``), demo district in the sheet:

1. **people**: rounds of app saves (corrections of random records, through ``lib.auth.access.write``)
   mixed with what people do in the browser — the owner sorts a tab by a random column, moves or
   inserts a column, renames a tab and back, a settlement head types a row by hand, someone adds a
   second column with an existing title (and removes it later). After each save the row in the
   sheet is read back by its headers (a *garbled save* is one whose cells are not under the right
   titles); at the end every record's current version is compared with what was last saved
   (*wrong current values*). A save refused with a clear message (a duplicated header) is counted
   apart: refused, not garbled.
2. **faults**: saves while 30 % of requests fail (quota, 5xx before or after applying, time-outs
   whose writes Google applies up to 180 s later, or never). After Google's window has passed:
   *duplicates* (a save counted more than once), *silent losses* (a save reported as saved that is
   not there), and the worst wall-clock time of one save (the fake's clock: requests, time-outs
   and waits included).

Also the cost of the fresh pre-write read: requests per save when saves are far apart and when
they come in bursts (sharing one read within ``write_freshness``).
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
from collections import Counter
from pathlib import Path

from lib.auth.access import command_line_user, write
from lib.demo import load_demo
from lib.store.copying import copy_store
from lib.store.port import StoreError, StoreUnavailable
from lib.store.server_secrets import ServerSecrets
from lib.store.sqlite_store import SQLiteStore
from tests.conftest import fake_policy, make_sheets_store
from tests.support.fake_sheets import FakeSheetsAPI, Faults
from tests.support.people import EDITOR, Person

CLI = command_line_user("bench")
TAB = "monthly_reports"


def demo_sheet(seed: int):
    tmp = Path(tempfile.mkdtemp())
    source = SQLiteStore(tmp / "demo.sqlite")
    load_demo(source)
    api = FakeSheetsAPI()
    store = make_sheets_store(api, fake_policy(api, rng=random.Random(seed)), secrets=ServerSecrets(None, "bench"))
    copy_store(source, store, progress=lambda _: None)
    shutil.rmtree(tmp)
    return api, store


def landed_right(api, store, receipt, sent: dict) -> bool:
    title = next(s.title for s in api.spreadsheets[store.key].sheets
                 if any(m.get("metadataValue") == TAB for m in s.metadata))
    rows = api.rows(store.key, title)
    header = rows[0]
    mine = [dict(zip(header, r)) for r in rows[1:] if receipt.save_id in r]
    table = store.schema[TAB]
    return len(mine) == 1 and all(mine[0].get(table.column(k).title) == v for k, v in sent.items() if k in ("paid", "accrued"))


def people_run(rounds: int, seed: int) -> dict:
    rng = random.Random(seed)
    api, store = demo_sheet(seed)
    owner, head = Person(api, store.key), Person(api, store.key, EDITOR)
    title = store.schema[TAB].title
    columns = ["Оплачено", "Начислено", "Сохранено", "Номер сохранения", "Организация", "Отчётный месяц"]
    expected: dict[tuple, tuple] = {}
    saves = garbled = refused = 0
    edits = Counter()
    duplicate_at = None
    for n in range(rounds):
        action = rng.choice(["sort", "move", "insert", "rename", "type", "duplicate"])
        try:
            if action == "sort":
                owner.sort(title, rng.choice(columns), rng.random() < 0.5)
            elif action == "move":
                header = api.rows(store.key, title)[0]
                owner.move_column(title, rng.choice([h for h in header if h]), rng.randrange(len(header)))
            elif action == "insert":
                owner.insert_column(title, rng.randrange(len(api.rows(store.key, title)[0])))
            elif action == "rename":
                owner.rename_tab(title, title + " (копия)")
                title = title + " (копия)"
            elif action == "type":
                head.type_record(title, {"Организация": "ves", "Поселение": "vitim", "Отчётный месяц": f"{1 + n % 12:02d}.2022",
                                         "Группа потребителей": "прочие потребители", "Задолженность на начало месяца": "1 234,5",
                                         "Начислено": "10", "Оплачено": "5", "Получено по исполнительным производствам": "0",
                                         "Просроченная задолженность": "7"})
            elif action == "duplicate" and duplicate_at is None:
                duplicate_at = owner.duplicate_header(title, "Начислено")
            edits[action] += 1
        except Exception as err:  # a refused edit is what a person would see; the bench goes on
            edits[f"{action} refused: {err}"[:60]] += 1
        snap = store.read_all()
        current = snap.current(TAB)
        pick = current.iloc[rng.randrange(len(current))]
        key = tuple(pick[k] for k in store.schema[TAB].record_key)
        record = snap.record(TAB, **dict(zip(store.schema[TAB].record_key, key)))
        record["paid"] = round(rng.uniform(0, 1000), 3)
        record["accrued"] = round(rng.uniform(0, 1000), 3)
        try:
            receipt = write(store, CLI, {TAB: [record]})
        except StoreError as err:
            refused += 1
            assert "несколько столбцов" in str(err), err
            sheet = api.spreadsheets[store.key].by_title(title)  # told so, the owner deletes the extra column
            api.spreadsheets[store.key].delete_columns(sheet, duplicate_at, duplicate_at + 1)
            duplicate_at = None
            continue
        saves += 1
        expected[key] = (record["paid"], record["accrued"])
        if not landed_right(api, store, receipt, record):
            garbled += 1
        api.clock.advance(rng.uniform(1, 20))
    if title != store.schema[TAB].title:
        owner.rename_tab(title, store.schema[TAB].title)
    store.invalidate()
    current = store.read_all().current(TAB).set_index(list(store.schema[TAB].record_key))
    wrong = sum(1 for k, v in expected.items() if (current.loc[k, "paid"], current.loc[k, "accrued"]) != v)
    return {"rounds": rounds, "edits": dict(edits), "saves": saves, "refused": refused, "garbled": garbled,
            "wrong_current": wrong, "records_checked": len(expected)}


def faults_run(saves: int, seed: int) -> dict:
    api, store = demo_sheet(seed)
    api.faults = Faults(rate_429=0.08, rate_500_before=0.06, rate_500_after=0.06, rate_timeout_after=0.06,
                        rate_timeout_lost=0.04, late_apply=(0.0, 180.0), seed=seed)
    table = store.schema[TAB]
    landed, unconfirmed, refused, times = {}, 0, 0, []
    for i in range(saves):
        rows = [{"participant_id": f"b{i}", "settlement_id": "lensk", "month": "2024-12", "consumer_group": g,
                 "debt_start": 10.0, "accrued": 5.0, "paid": 4.0, "recovered_enforcement": 0.0, "overdue": 6.0}
                for g in ("population", "other")]
        started = api.clock.now()
        try:
            landed[store.save({TAB: rows}, "bench@x").save_id] = len(rows)
        except StoreUnavailable as err:
            if "проверьте, есть ли запись" in str(err):
                unconfirmed += 1
            else:
                refused += 1
        times.append(api.clock.now() - started)
        api.clock.advance(3)
    api.faults = Faults()
    api.settle()
    store.invalidate()
    versions = store.read_all().all_versions(TAB)
    counts = Counter(versions[versions["participant_id"].str.startswith("b")]["save_id"])
    raw = Counter(r[table.keys.index("save_id")] for r in api.rows(store.key, table.title)[1:] if str(r[0]).startswith("b"))
    return {"saves": saves, "reported_saved": len(landed), "unconfirmed": unconfirmed, "refused": refused,
            "duplicates": sum(1 for s, n in counts.items() if n > 2),
            "silent_losses": sum(1 for s, n in landed.items() if counts.get(s, 0) != n),
            "landed_twice_counted_once": sum(1 for s, n in raw.items() if n > 2 and counts.get(s) == 2),
            "unconfirmed_that_landed": sum(1 for s in counts if s not in landed),
            "worst_s": max(times), "requests": api.requests_made()}


def read_cost(seed: int) -> dict:
    """Requests per save (write + fresh read) and the wall time of one save, demo district (4 500 rows)."""
    import time

    api, store = demo_sheet(seed)
    store.read_all()
    out = {}
    for name, gap in (("apart", 10.0), ("bursts", 0.5)):
        api.log.clear()
        started = time.perf_counter()
        for n in range(20):
            write(store, CLI, {"monthly_reports": [{"participant_id": "lptes", "settlement_id": "lensk", "month": "2024-12",
                                                    "consumer_group": "population", "debt_start": 10.0, "accrued": 5.0,
                                                    "paid": float(n), "recovered_enforcement": 0.0, "overdue": 6.0}]})
            api.clock.advance(gap)
        out[name] = api.requests_made() / 20
        out[f"{name}_s"] = (time.perf_counter() - started) / 20
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--saves", type=int, default=300)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    people = people_run(args.rounds, args.seed)
    print("people:", people, flush=True)
    faults = faults_run(args.saves, args.seed)
    print("faults:", faults, flush=True)
    cost = read_cost(args.seed)
    print("requests per save:", cost)
    print()
    print("| run | saves | result |")
    print("|---|---|---|")
    print(f"| people's edits ({people['rounds']} rounds: {', '.join(f'{k} {v}' for k, v in people['edits'].items())}) | "
          f"{people['saves']} (+{people['refused']} refused: duplicated header) | wrong current values "
          f"{people['wrong_current']} of {people['records_checked']}, garbled saves {people['garbled']} |")
    print(f"| faults (30 %, late writes up to 180 s) | {faults['saves']} | reported saved {faults['reported_saved']}, "
          f"duplicates {faults['duplicates']}, silent losses {faults['silent_losses']}, landed twice and counted once "
          f"{faults['landed_twice_counted_once']}, «check later» {faults['unconfirmed']}, refused {faults['refused']}; "
          f"worst save {faults['worst_s']:.1f} s |")
    print(f"| requests per save (write + fresh read) | 20 + 20 | 10 s apart: {cost['apart']:.2f} ({cost['apart_s']:.2f} s each), "
          f"0,5 s apart: {cost['bursts']:.2f} ({cost['bursts_s']:.2f} s each) |")


if __name__ == "__main__":
    main()
