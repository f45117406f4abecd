"""Command line for the coordinator and the administrator: ``python -m lib.cli --help``."""

from __future__ import annotations

import argparse
import sys

from lib import config as cfg
from lib.store.port import StoreError


def _store(url: str | None, config: cfg.Config):
    from lib.store.factory import open_store

    return open_store(url or config.store_url, config)


def cmd_demo(args, config) -> int:
    from lib.demo import load_demo
    from lib.store.sqlite_store import SQLiteStore

    store = _store(args.store, config)
    if not isinstance(store, SQLiteStore):
        print("Демо-данные пишутся только во встроенную базу SQLite (sqlite:///…). "
              "Чтобы перенести их в Google Таблицу, используйте copy.", file=sys.stderr)
        return 2
    load_demo(store, replace=True)
    counts = store.read_all().counts()
    print(f"Демо-данные Ленского района записаны в {store.path}:")
    for table in store.schema:
        records, rows = counts[table.key]
        print(f"  {table.title}: записей {records}, строк с версиями {rows}")
    return 0


def cmd_bootstrap(args, config) -> int:
    from lib.store.sheets_store import SheetsStore

    store = _store(args.store, config)
    if not isinstance(store, SheetsStore):
        print("bootstrap-sheet работает с Google Таблицей: укажите --store gsheets://КЛЮЧ "
              "или задайте DEBT_STORE / [store] url.", file=sys.stderr)
        return 2
    for line in store.bootstrap():
        print(line)
    print(f"Готово: {store.describe()}")
    return 0


def cmd_copy(args, config) -> int:
    from lib.copying import copy_store

    source, target = _store(args.source, config), _store(args.target, config)
    report = copy_store(source, target)
    total = sum(report.copied.values())
    skipped = sum(report.skipped.values())
    print(f"Скопировано строк: {total}; уже были в получателе: {skipped}.")
    return 0


def cmd_check(args, config) -> int:
    store = _store(args.store, config)
    snapshot = store.read_all()
    if not snapshot.problems:
        print(f"Проблем не найдено ({store.describe()}).")
        return 0
    print(f"Нераспознанных ячеек: {len(snapshot.problems)} ({store.describe()})")
    for problem in snapshot.problems:
        print(f"  {problem}")
    return 1


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m lib.cli", description="Управление данными комиссии по задолженности за ЖКУ.")
    sub = p.add_subparsers(dest="command", required=True, metavar="КОМАНДА")
    store_help = "адрес хранилища: sqlite:///путь или gsheets://ключ (по умолчанию из DEBT_STORE или secrets.toml)"
    d = sub.add_parser("demo", help="создать или пересоздать встроенную базу с демо-данными Ленского района")
    d.add_argument("--store", help=store_help)
    d.set_defaults(run=cmd_demo)
    b = sub.add_parser("bootstrap-sheet", help="создать в Google Таблице недостающие листы и заголовки (можно запускать повторно)")
    b.add_argument("--store", help=store_help)
    b.set_defaults(run=cmd_bootstrap)
    c = sub.add_parser("copy", help="скопировать все листы со всеми версиями из одного хранилища в другое")
    c.add_argument("--from", dest="source", required=True, help="откуда: sqlite:///… или gsheets://…")
    c.add_argument("--to", dest="target", required=True, help="куда: sqlite:///… или gsheets://…")
    c.set_defaults(run=cmd_copy)
    k = sub.add_parser("check", help="проверить данные и перечислить нераспознанные ячейки")
    k.add_argument("--store", help=store_help)
    k.set_defaults(run=cmd_check)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        config = cfg.resolve()
        return args.run(args, config)
    except (StoreError, cfg.ConfigError, ValueError) as err:
        print(f"Ошибка: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
