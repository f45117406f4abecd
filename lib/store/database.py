"""What the two database stores (SQLite, PostgreSQL) share: a save and a load of the demo as one transaction on
one connection, the read the save is decided on inside it.

A subclass gives ``_transaction(work)`` (open a connection, begin, run ``work(con)``, commit or roll back),
``_insert(con, rows)``, ``_read_for_save(con, tabs)`` and ``_clear(con, replace, only_if_empty)``."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence

from lib.store.port import SaveReceipt, Snapshot, Store, ValidationError, now_utc, prepare_records


class DatabaseStore(Store):
    def _write(self, rows: dict[str, list[dict]], save_id: str) -> None:
        con = getattr(self._local, "con", None)
        if con is not None:  # inside ``transact``: the same transaction as the read the rows were decided on
            self._insert(con, rows)
            return
        try:
            self._transaction(lambda own: self._insert(own, rows))
        finally:
            self.invalidate()

    def transact(
        self,
        user: str,
        build: Callable[[Snapshot], Mapping[str, Sequence[Mapping]]],
        *,
        tabs: Collection[str] | None = None,
    ) -> SaveReceipt:
        """The fresh read (of ``tabs``; None: all), ``build`` and the write in one transaction on one connection that
        holds the store's write lock: other writers wait, so nothing changes in between."""

        def work(con) -> SaveReceipt:
            self._local.con = con
            try:
                snapshot = self._read_for_save(con, tabs)
                return self.commit(build(snapshot), user, floor=snapshot.max_seq())
            finally:
                self._local.con = None

        try:
            return self._transaction(work)
        finally:
            self.invalidate()

    def fill(self, changes: Mapping[str, Sequence[Mapping]], user: str, *, only_if_empty: bool = False,
             replace: bool = False) -> bool:
        """Load a whole data set (the demo) in one transaction.

        ``only_if_empty``: write nothing if any tab has rows (two sessions that start the app at once must not both
        seed it). ``replace``: empty every tab first, in the same transaction (``cli demo`` resets the store).
        Returns whether anything was written."""
        prepared, problems = {}, []
        for tab, records in changes.items():
            keep = bool(records) and "save_id" in records[0]
            rows, found = prepare_records(self.schema[tab], records, user, "demo", now_utc(), keep)
            prepared[tab], problems = rows, problems + found
        if problems:
            raise ValidationError(problems)

        def work(con) -> bool:
            if replace:
                self._clear(con)
            elif only_if_empty and not self._empty(con):
                return False
            self._insert(con, prepared)
            return True

        try:
            return bool(self._transaction(work))
        finally:
            self.invalidate()
