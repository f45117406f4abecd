"""Copy every tab, every version, from one store to another.

Rows keep their own who/when/save id. Rows whose save id is already in the
destination are skipped (rows typed by hand, which have none, when the same row is
there), so an interrupted copy can simply be run again and a backup can be refreshed.
Chunks never split one save, so a chunk that fails ambiguously can be checked by its
last save id.
"""

from __future__ import annotations

from dataclasses import dataclass

from lib.core.frames import frame_records
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
        records = frame_records(table, snapshot.all_versions(table.key))
        todo = not_there(existing, table, records)
        report.skipped[table.key] = len(records) - len(todo)
        report.copied[table.key] = len(todo)
        write_records(target, table, todo, chunk_rows)
        if todo:
            progress(f"«{table.title}»: скопировано строк {len(todo)}")
    return report


def not_there(existing, table, records: list[dict]) -> list[dict]:
    """The records whose row is not in ``existing`` yet: by save id, or by value for rows typed by hand (so an
    interrupted copy or rollover simply runs again)."""
    there = existing.all_versions(table.key)
    have = set(there["save_id"].dropna())
    by_hand = there[there["save_id"].isna()]  # rows typed without a save id: compared by their values
    typed_by_hand = {_values(table, r) for r in frame_records(table, by_hand)}
    return [r for r in records if (r["save_id"] not in have if r["save_id"] else _values(table, r) not in typed_by_hand)]


def _values(table, record: dict) -> tuple:
    return tuple(str(record.get(c.key)) for c in table.data_columns)


def write_records(target: Store, table, records: list[dict], chunk_rows: int = CHUNK_ROWS) -> None:
    """Rows with their own who/when/save id, in chunks that never split one save."""
    chunk: list[dict] = []
    for i, record in enumerate(records):
        chunk.append(record)
        boundary = i + 1 == len(records) or records[i + 1]["save_id"] != record["save_id"]
        if (boundary and len(chunk) >= chunk_rows) or i + 1 == len(records):
            target.save({table.key: chunk}, "", keep_system=True)
            chunk = []
