"""Copy every tab, every version, from one store to another.

Rows keep their own who/when/save id. Rows whose save id is already in the
destination are skipped (rows typed by hand, which have none, when the same row is
there), so an interrupted copy can simply be run again and a backup can be refreshed.
Chunks never split one save, so a chunk that fails ambiguously can be checked by its
last save id.

After the copy the destination is read back and checked, tab by tab: the rows of the source (by save id;
rows typed by hand by their values) must be there as many times as in the source, with the same cells —
a count and a checksum (SHA-256 of the rows' canonical cells, sorted) of each side, computed from each
store's own rows. The row's signature and seal are left out: each Google Sheet signs and seals with its own server key.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field

from lib.core.frames import frame_records, record_cells
from lib.store.port import Store, StoreError

CHUNK_ROWS = 5000


@dataclass(frozen=True)
class TabCheck:
    """One tab after the copy: the source's rows and those found in the destination, counted and summed."""

    title: str
    source_rows: int
    target_rows: int
    source_sum: str
    target_sum: str

    @property
    def ok(self) -> bool:
        return self.source_rows == self.target_rows and self.source_sum == self.target_sum


@dataclass
class CopyReport:
    copied: dict[str, int]
    skipped: dict[str, int]
    checks: dict[str, TabCheck] = field(default_factory=dict)


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
        # a seal is the sealing sheet's own (its server key): the destination seals for itself, or holds none
        todo = [{**r, "seal": None} if r.get("seal") else r for r in not_there(existing, table, records)]
        report.skipped[table.key] = len(records) - len(todo)
        report.copied[table.key] = len(todo)
        write_records(target, table, todo, chunk_rows)
        if todo:
            progress(f"«{table.title}»: скопировано строк {len(todo)}")
    target.invalidate()
    report.checks = verify_copy(snapshot, target.read_all())
    wrong = [c for c in report.checks.values() if not c.ok]
    if wrong:
        lines = "\n".join(f"  «{c.title}»: строк в источнике {c.source_rows}, в получателе {c.target_rows}"
                           f"{'' if c.source_sum == c.target_sum else ', содержимое отличается'}" for c in wrong)
        raise StoreError("Копия не совпадает с источником (проверка по числу строк и контрольным суммам):\n"
                         f"{lines}\nНичего не удалено; проверьте получатель (python -m lib.cli check) и запустите copy снова.")
    return report


def _checked_columns(table) -> list[str]:
    return [c.key for c in table.columns if c.key not in ("signature", "seal")]  # made anew by the store written to


def _lines(table, records: list[dict]) -> list[str]:
    layout = _checked_columns(table)
    return [json.dumps(record_cells(table, r, layout), ensure_ascii=False, default=str) for r in records]


def _checksum(lines: list[str]) -> str:
    digest = hashlib.sha256()
    for line in sorted(lines):
        digest.update(line.encode("utf-8") + b"\n")
    return digest.hexdigest()


def verify_copy(source, target) -> dict[str, TabCheck]:
    """Per tab: the source's rows against the destination's rows of the same saves (rows typed by hand: of the
    same values), each side counted and summed from its own store."""
    checks = {}
    for table in source.schema:
        mine = frame_records(table, source.all_versions(table.key))
        theirs = frame_records(table, target.all_versions(table.key))
        saves = {r["save_id"] for r in mine if r["save_id"]}
        by_hand = Counter(_values(table, r) for r in mine if not r["save_id"])
        matching = [r for r in theirs if (r["save_id"] in saves if r["save_id"] else by_hand[_values(table, r)] > 0)]
        a, b = _lines(table, mine), _lines(table, matching)
        checks[table.key] = TabCheck(table.title, len(a), len(b), _checksum(a), _checksum(b))
    return checks


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
