"""One server process editing one decision again and again (tests/test_edit_conflicts.py runs six).

``python -m tests.support.writers <store> <name> <edits> <decision_id>`` where ``<store>`` is
``sqlite:<path>`` or ``gsheets:<bridge address>|<spreadsheet key>|<secrets file>``. Each edit reads the
record, appends a token to its comment and saves with ``expect`` = the version it read (what a page
does); a ``Conflict`` means someone saved in between: read again and redo the edit. Prints one JSON
line per saved edit: the token, the version it was based on and the save it made.
"""

from __future__ import annotations

import json
import sys

from lib.auth.access import command_line_user, write
from lib.store.port import Conflict


def open_store(spec: str):
    kind, _, where = spec.partition(":")
    if kind == "sqlite":
        from lib.store.sqlite_store import SQLiteStore

        return SQLiteStore(where)
    import gspread

    from lib.store.server_secrets import ServerSecrets
    from lib.store.sheets_http import RetryingHTTPClient, RetryPolicy
    from lib.store.sheets_store import SheetsStore
    from tests.support.fake_sheets import SERVICE_ACCOUNT
    from tests.support.fake_sheets_server import RemoteSession

    address, key, secrets = where.split("|")
    client = gspread.Client(auth=None, session=RemoteSession(address, SERVICE_ACCOUNT), http_client=RetryingHTTPClient)
    client.http_client.policy = RetryPolicy()
    client.set_timeout((10, 60))
    return SheetsStore(key, client, account_email=SERVICE_ACCOUNT, secrets=ServerSecrets(secrets, "test-signing-key"))


def main(spec: str, name: str, edits: int, decision_id: str) -> None:
    store, me = open_store(spec), command_line_user(name)
    for n in range(edits):
        token = f"{name}-{n}"
        while True:
            snap = store.read_all()
            base = snap.current("decisions").set_index("decision_id").loc[decision_id, "save_id"]
            record = snap.record("decisions", decision_id=decision_id)
            record["comment"] = f"{record['comment'] or ''} {token}".strip()
            try:
                receipt = write(store, me, {"decisions": [record]}, action="правка", expect={"decisions": {(decision_id,): base}})
            except Conflict:
                continue  # the transaction's fresh read is the store's cache now: the next read sees the latest
            print(json.dumps({"token": token, "base": base, "save_id": receipt.save_id}), flush=True)
            break


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4])
