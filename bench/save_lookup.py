"""What a save costs before it writes: ``python -m bench.save_lookup DB [--repeat 5]``.

``access.write`` decides a save on the snapshot the store hands to ``Store.transact``: the rules,
the version the edit was based on (``expect``), the audit's «было». This times that decision —
``build(snapshot)`` of one save of one monthly report, with its expectation — on a region data set
(``python -m bench.summary_page --prepare region DB`` builds one), the snapshot already read and its
current versions known (the store's read is measured by ``bench.summary_page``). Nothing is written.
CPU seconds of this process, best of ``--repeat``.
"""

from __future__ import annotations

import argparse
import json
import time

from lib.auth import access
from lib.store.sqlite_store import SQLiteStore


class Decided(Exception):
    """Raised in place of the write: the decision is made, nothing is stored."""


def decide_once(store: SQLiteStore, snapshot, changes, expect) -> float:
    spent = {}

    def transact(user, build, *, tabs=None):
        start = time.process_time()
        rows = build(snapshot)
        spent["cpu"] = time.process_time() - start
        raise Decided(len(rows["audit"]))

    store.transact = transact
    try:
        access.write(store, access.command_line_user("bench"), changes, expect=expect)
    except Decided:
        return spent["cpu"]
    raise AssertionError("the save was not decided")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    store = SQLiteStore(args.db)
    snapshot = store.read_all()
    table = snapshot.schema["monthly_reports"]
    current = snapshot.current("monthly_reports")
    row = current.iloc[len(current) // 2]
    record = snapshot.record("monthly_reports", **{k: row[k] for k in table.record_key})
    record["paid"] = (record["paid"] or 0) + 1
    key = tuple(record[k] for k in table.record_key)
    changes = {"monthly_reports": [record]}
    expect = {"monthly_reports": {key: row["save_id"]}}
    times = [decide_once(store, snapshot, changes, expect) for _ in range(args.repeat)]
    print(json.dumps({"records": len(current), "rows": len(snapshot.all_versions("monthly_reports")),
                      "decide_cpu_s": round(min(times), 4)}))


if __name__ == "__main__":
    main()
