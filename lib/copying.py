"""Copy every tab, every version, from one store to another.

Rows keep their own who/when/save id. Rows whose save id is already in the
destination are skipped, so an interrupted copy can simply be run again and a
backup can be refreshed. Chunks never split one save, so a chunk that fails
ambiguously can be checked by its last save id.
"""

from __future__ import annotations

from dataclasses import dataclass

from lib.frames import frame_records
from lib.store.port import Store, StoreError

CHUNK_ROWS = 5000


@dataclass
class CopyReport:
    copied: dict[str, int]
    skipped: dict[str, int]


def copy_store(source: Store, target: Store, chunk_rows: int = CHUNK_ROWS, progress=print) -> CopyReport:
    snapshot = source.read_all()
    if snapshot.problems:
        shown = "\n".join(f"  {p}" for p in snapshot.problems[:20])
        raise StoreError(
            f"В источнике {len(snapshot.problems)} нераспознанных ячеек — копирование остановлено, "
            f"чтобы ничего не потерять. Исправьте их (python -m lib.cli check):\n{shown}"
        )
    existing = target.read_all()
    report = CopyReport({}, {})
    for table in source.schema:
        have = set(existing.all_versions(table.key)["save_id"].dropna())
        records = frame_records(table, snapshot.all_versions(table.key))
        todo = [r for r in records if r["save_id"] not in have]
        report.skipped[table.key] = len(records) - len(todo)
        report.copied[table.key] = len(todo)
        chunk: list[dict] = []
        for i, record in enumerate(todo):
            chunk.append(record)
            boundary = i + 1 == len(todo) or todo[i + 1]["save_id"] != record["save_id"]
            if (boundary and len(chunk) >= chunk_rows) or i + 1 == len(todo):
                target.save({table.key: chunk}, "", keep_system=True)
                chunk = []
        if todo:
            progress(f"«{table.title}»: скопировано строк {len(todo)}")
    return report
