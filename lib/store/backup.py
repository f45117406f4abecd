"""Backups of what lives only on the server: ``python -m lib.cli backup`` / ``restore``.

What is copied (each a SQLite file; every copy made with SQLite's online backup API, so it is consistent even
while the app writes — a save is in the copy whole or not at all):

- the **server's secrets file** of a Google Sheets deployment (``DEBT_SECRETS_FILE``): password hashes, the
  signing key of the system tabs, the ledger of what this server wrote (closed quarters included). Lose it and
  nobody signs in with a password and every row of the system tabs reads as not signed until saved again;
- the **embedded SQLite store** (``sqlite:///…``) and the file beside it (sign-in throttle).

The data of a Google Sheets deployment is in the spreadsheet itself (its version history is Google's backup).

A backup is a folder ``<каталог>/ГГГГММДД-ЧЧММСС`` with the copies and ``manifest.json`` (what, from where,
when, SHA-256). The folder is ``--to`` or ``DEBT_BACKUP_DIR``, else ``backups`` beside the secrets file
(``data/backups``). ``check`` warns when none of its backups is newer than 7 days. ``restore`` first backs up
the files as they are now (nothing is lost by a mistaken restore), then copies each file of the backup back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from lib.store.port import StoreError

MANIFEST = "manifest.json"
FRESH_DAYS = 7
STAMP = "%Y%m%d-%H%M%S"


@dataclass(frozen=True)
class Item:
    """One file to back up: ``name`` in the backup folder, ``path`` on the server, ``what`` for a person."""

    name: str
    path: Path
    what: str


def items(store, config) -> list[Item]:
    """The server-side files of this store (those that exist)."""
    from lib.store.sheets_store import SheetsStore
    from lib.store.sqlite_store import SQLiteStore

    out: list[Item] = []
    if isinstance(store, SQLiteStore):
        out.append(Item("store.sqlite", Path(store.path), "встроенная база SQLite (все данные)"))
        out.append(Item("store.server.sqlite", Path(store.server_file()), "служебный файл базы (ограничение попыток входа)"))
    elif isinstance(store, SheetsStore):
        if store.secrets.path is None:
            return []
        out.append(Item("server-secrets.sqlite", Path(store.secrets.path),
                        "файл секретов сервера (хеши паролей, ключ подписи, журнал записанного)"))
    else:
        out.append(Item("server-secrets.sqlite", config.secrets_path, "файл секретов сервера"))
    return [i for i in out if i.path.exists()]


def describe(store, config) -> str:
    return store.describe() if store is not None else f"Google Таблица: файл секретов сервера {config.secrets_path}"


def backup_dir(config, to: str | None = None) -> Path:
    if to:
        return Path(to)
    if os.environ.get("DEBT_BACKUP_DIR"):
        return Path(os.environ["DEBT_BACKUP_DIR"])
    return config.secrets_path.parent / "backups"


def _copy(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy of a database that other connections may be writing."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)) as src, \
                closing(sqlite3.connect(target, timeout=30)) as dst:
            src.backup(dst)
            ok = dst.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.Error as err:
        raise StoreError(f"Не удалось скопировать {source} в {target}: {err}") from err
    if ok != "ok":
        raise StoreError(f"Копия {target} не прошла проверку целостности SQLite: {ok}")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_backup(store, config, to: str | None = None, *, now: dt.datetime | None = None, label: str = "") -> Path:
    """Copy the server's files into a new folder; returns it."""
    found = items(store, config)
    if not found:
        raise StoreError("Копировать нечего: у этого хранилища нет файлов на сервере (секреты в памяти процесса?).")
    now = now or dt.datetime.now(dt.UTC)
    folder = backup_dir(config, to) / (now.strftime(STAMP) + (f"-{label}" if label else ""))
    if folder.exists():
        raise StoreError(f"Папка {folder} уже есть: запустите копирование ещё раз через секунду.")
    files = []
    for item in found:
        _copy(item.path, folder / item.name)
        files.append({"name": item.name, "from": str(item.path), "what": item.what, "sha256": _sha256(folder / item.name)})
    manifest = {"made_at": now.isoformat(timespec="seconds"), "store": describe(store, config), "files": files}
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return folder


def read_manifest(folder: Path) -> dict:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise StoreError(f"{folder} — не папка резервной копии (нет или повреждён {MANIFEST}): {err}") from err


def latest(config, to: str | None = None) -> dt.datetime | None:
    """When the newest complete backup in the folder was made (None: none)."""
    root = backup_dir(config, to)
    best = None
    for folder in root.glob("*/") if root.exists() else []:
        try:
            made = dt.datetime.fromisoformat(read_manifest(folder)["made_at"])
        except (StoreError, KeyError, ValueError):
            continue
        best = made if best is None or made > best else best
    return best


def freshness_warning(store, config, *, now: dt.datetime | None = None) -> str | None:
    """For ``check``: a line when the server has files to back up and no backup is newer than 7 days."""
    if not items(store, config):
        return None
    now = now or dt.datetime.now(dt.UTC)
    made = latest(config)
    where = backup_dir(config)
    if made is None:
        return (f"Резервных копий нет (папка {where}). Файлы сервера, которых нет больше нигде, пропадут вместе с диском: "
                "запускайте «python -m lib.cli backup» каждый день (cron) и храните копии на другом компьютере.")
    if now - made > dt.timedelta(days=FRESH_DAYS):
        return (f"Последней резервной копии {(now - made).days} дн. (сделана {made:%d.%m.%Y}, папка {where}): "
                "запустите «python -m lib.cli backup» и проверьте, что он запускается по расписанию.")
    return None


def restore(store, config, folder: str | Path) -> tuple[Path, list[str]]:
    """Put a backup's files back. The current files are backed up first (returned: that folder)."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    targets = {i.name: i for i in items(store, config)}
    wanted = {i.name: i for i in _expected(store, config)}
    unknown = [f["name"] for f in manifest.get("files", []) if f["name"] not in wanted]
    if unknown:
        raise StoreError(f"Копия {folder} сделана для другого хранилища ({manifest.get('store')}): "
                         f"в ней {', '.join(unknown)}. Укажите --store того хранилища.")
    for f in manifest["files"]:
        if _sha256(folder / f["name"]) != f["sha256"]:
            raise StoreError(f"Файл {folder / f['name']} изменился после копирования (контрольная сумма не совпадает): "
                             "восстановление остановлено, ничего не изменено.")
    safety = make_backup(store, config, str(folder.parent), label="перед-восстановлением") if targets else folder.parent
    done = []
    for f in manifest["files"]:
        target = wanted[f["name"]].path
        _copy(folder / f["name"], target)
        done.append(f"{wanted[f['name']].what}: {target}")
    return safety, done


def _expected(store, config) -> list[Item]:
    """The files this store has on the server, existing or not (a restore onto a new server creates them)."""
    from lib.store.sheets_store import SheetsStore
    from lib.store.sqlite_store import SQLiteStore

    if isinstance(store, SQLiteStore):
        return [Item("store.sqlite", Path(store.path), "встроенная база SQLite (все данные)"),
                Item("store.server.sqlite", Path(store.server_file()), "служебный файл базы (ограничение попыток входа)")]
    path = store.secrets.path if isinstance(store, SheetsStore) else config.secrets_path
    return [Item("server-secrets.sqlite", Path(path), "файл секретов сервера (хеши паролей, ключ подписи, журнал записанного)")] \
        if path else []
