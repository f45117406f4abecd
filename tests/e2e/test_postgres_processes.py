"""Several app processes on one PostgreSQL server (issue 28): what one saves, the others see; a record saved by
two processes at once is written once, and the other process is told it changed."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from lib.auth.access import User, write
from lib.core.config import PROJECT_ROOT

CLI = User("coordinator@lensk.demo", "Беляев И.А.", "coordinator", "upr")
ROUNDS = 15


def _line(proc: subprocess.Popen) -> dict:
    text = proc.stdout.readline()
    assert text, f"the saving process ended: {proc.stderr.read()}"
    return json.loads(text)


def test_two_processes_saving_one_record_write_it_once_and_the_second_sees_a_conflict(demo_postgres, tmp_path):
    store = demo_postgres
    write(store, CLI, {"meetings": [{"meeting_id": "race", "number": "0", "date": dt.date(2024, 12, 27)}]},
          expect={"meetings": {("race",): None}})
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-m", "tests.support.pg_saver", store.url, str(go), str(ROUNDS), who],
                              cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for who in ("a", "b")]
    winners = []
    try:
        for n in range(ROUNDS):
            assert [_line(p) for p in procs] == [{"round": n, "ready": True}] * 2
            Path(f"{go}.{n}").touch()  # both go at once
            results = [_line(p) for p in procs]
            saved = [r for r in results if "saved" in r]
            refused = [r for r in results if "conflict" in r]
            assert len(saved) == 1 and len(refused) == 1, results
            winner = "ab"[results.index(saved[0])]
            winners.append(f"{winner}-{n}")
            assert "изменена после того, как вы её открыли" in refused[0]["conflict"]
            assert refused[0]["current"] == f"{winner}-{n}"  # the refused process is shown what was saved instead
    finally:
        for p in procs:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:  # a failed round leaves it waiting for the next start
                p.kill()
                p.wait()
    versions = store.read_all().history("meetings", meeting_id="race")
    assert versions.number.tolist() == ["0", *winners]  # every round's one save, exactly once, in order
    audit = store.read_all().all_versions("audit")
    assert Counter(audit[audit.record_key == "race"].save_id)  == Counter(versions.save_id)  # one audit row per save
