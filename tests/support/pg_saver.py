"""One app process's save, run as its own interpreter (``python -m tests.support.pg_saver``) by the multi-process
PostgreSQL tests: read the record, wait for the starting signal (a file), save it through the app's write path
with the version it read as the base, and print what happened as one JSON line."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from lib.auth.access import User, write
from lib.store.port import Conflict
from lib.store.postgres_store import PostgresStore

CLI = User("coordinator@lensk.demo", "Беляев И.А.", "coordinator", "upr")


def main(url: str, go: str, rounds: int, who: str) -> None:
    store = PostgresStore(url, local_dir=Path(go).parent / f"local-{who}")
    for n in range(rounds):
        seen = store.read_all()
        record = seen.record("meetings", meeting_id="race")
        base = seen.current("meetings").set_index("meeting_id").loc["race", "save_id"]
        flag = Path(f"{go}.{n}")
        print(json.dumps({"round": n, "ready": True}), flush=True)
        while not flag.exists():
            time.sleep(0.001)
        try:
            receipt = write(store, CLI, {"meetings": [{**record, "number": f"{who}-{n}"}]},
                            expect={"meetings": {("race",): base}})
            print(json.dumps({"round": n, "saved": receipt.save_id}), flush=True)
        except Conflict as err:
            print(json.dumps({"round": n, "conflict": str(err), "current": (err.current or {}).get("number")},
                             ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4])
