"""Command line for the coordinator and the administrator: ``python -m lib.cli --help``."""

from __future__ import annotations

import argparse
import sys

from lib.core import config as cfg
from lib.core import fmt
from lib.store.port import StoreError


def _store(url: str | None, config: cfg.Config):
    from lib.store.factory import open_store

    return open_store(url or config.store_url, config)


class WrongStore(Exception):
    """The command needs the other kind of store (exit code 2)."""


def _store_of(kind, url: str | None, config: cfg.Config, refusal: str):
    store = _store(url, config)
    if not isinstance(store, kind):
        raise WrongStore(refusal)
    return store


def cmd_demo(args, config) -> int:
    from lib.demo import load_demo
    from lib.store.sqlite_store import SQLiteStore

    store = _store_of(SQLiteStore, args.store, config, "Демо-данные пишутся только во встроенную базу SQLite "
                      "(sqlite:///…). Чтобы перенести их в Google Таблицу, используйте copy.")
    load_demo(store, replace=True)
    counts = store.read_all().counts()
    print(f"Демо-данные Ленского района записаны в {store.path}:")
    for table in store.schema:
        records, rows = counts[table.key]
        print(f"  {table.title}: записей {fmt.figure(records, 'integer')}, строк с версиями {fmt.figure(rows, 'integer')}")
    return 0


def cmd_bootstrap(args, config) -> int:
    from lib.store.sheets_store import SheetsStore

    store = _store_of(SheetsStore, args.store, config, "bootstrap-sheet работает с Google Таблицей: укажите "
                      "--store gsheets://КЛЮЧ или задайте DEBT_STORE / [store] url.")
    from lib.domain.settings import read_settings

    # the district's time zone: as asked, else the district's own setting (if the schema has one), else the configuration
    if args.locale_reviewed:
        from lib.store.sheets_setup import locale_reviewed

        for line in locale_reviewed(store):
            print(line)
        return 0
    zone = args.time_zone or read_settings(store.read_all()).values.get("time_zone") or config.time_zone
    for line in store.bootstrap(time_zone=zone):
        print(line)
    print(f"Готово: {store.describe()}")
    return 0


def cmd_copy(args, config) -> int:
    from lib.store.copying import copy_store

    source, target = _store(args.source, config), _store(args.target, config)
    report = copy_store(source, target)
    total = sum(report.copied.values())
    skipped = sum(report.skipped.values())
    print(f"Скопировано строк: {fmt.figure(total, 'integer')}; уже были в получателе: {fmt.figure(skipped, 'integer')}.")
    print("Проверка получателя (строк в источнике = в получателе, контрольная сумма SHA-256):")
    for check in report.checks.values():
        print(f"  {check.title}: {fmt.figure(check.source_rows, 'integer')} = {fmt.figure(check.target_rows, 'integer')}, "
              f"{check.source_sum[:16]} = {check.target_sum[:16]}")
    print("Копия совпадает с источником.")
    return 0


def cmd_check(args, config) -> int:
    """Cells not understood, rows not counted, rows typed by hand, the sheet's own drift, capacity."""
    from lib.store.sheets_store import SheetsStore

    store = _store(args.store, config)
    recorded, unrecorded = 0, ""
    if isinstance(store, SheetsStore):  # a page view never writes; check records what people typed over saved rows
        try:
            recorded = store.record_changes()
        except StoreError as err:  # the list below is printed all the same
            unrecorded = str(err)
    snapshot = store.read_all()
    if unrecorded:
        print(f"Предупреждение. Значения, изменённые в таблице вручную, не записаны в «Журнал изменений»: {unrecorded}")
    failing = False
    if recorded:
        print(f"Значения, изменённые в таблице вручную, записаны в «Журнал изменений»: {fmt.figure(recorded, 'integer')}")
    if snapshot.problems:
        failing = True
        print(f"Нераспознанные ячейки и неучтённые строки: {fmt.figure(len(snapshot.problems), 'integer')} ({store.describe()})")
        for problem in snapshot.problems:
            print(f"  {problem}")
    manual = snapshot.manual_rows()
    if manual:
        print(f"Строки, введённые вручную в таблицу (без «Код сохранения»): {fmt.figure(len(manual), 'integer')}")
        for note in manual:
            print(f"  {note}")
    repeats = [n for n in snapshot.notes if n.kind == "repeat"]
    if repeats:
        print(f"Повторы одного сохранения (учтены один раз): {fmt.figure(len(repeats), 'integer')}")
    if isinstance(store, SheetsStore):
        from lib.store.sheets_setup import drift

        found = drift(store)
        if found:
            failing = True
            print("Настройка таблицы:")
            for line in found:
                print(f"  {line}")
    capacity = store.capacity()
    for line in capacity.lines():
        print(line)
    if capacity.advice():
        failing = True
        print(capacity.advice())
    from lib.store.backup import freshness_warning

    stale = freshness_warning(store, config)
    if stale:  # a warning, not a failure of the data: the exit code stays as the data decide
        print(f"Предупреждение. {stale}")
    if not failing:
        print(f"Проблем с данными не найдено ({store.describe()}).")
    return 1 if failing else 0


def cmd_rollover(args, config) -> int:
    import getpass

    from lib.store.rollover import rollover

    source, target = _store(args.source, config), _store(args.target, config)
    carried = rollover(source, target, months=args.months, user=f"cli:{getpass.getuser()}", progress=print,
                       time_zone=args.time_zone)
    print(f"Открытые данные перенесены в {target.describe()}:")
    for line in carried.lines(target.schema):
        print(f"  {line}")
    print(f"Старая таблица {source.describe()} теперь архив только для чтения. Укажите новый адрес в настройках: "
          f"DEBT_STORE / [store] url = {target.url}")
    return 0


def _server_store(url: str | None, config: cfg.Config):
    """For backup and restore: the SQLite store, or None for Google Sheets (only its secrets file is on the
    server, and copying it needs no access to Google)."""
    url = url or config.store_url
    return _store(url, config) if url.startswith("sqlite") else None


def cmd_backup(args, config) -> int:
    from lib.store.backup import describe, make_backup, read_manifest

    store = _server_store(args.store, config)
    folder = make_backup(store, config, args.to)
    print(f"Резервная копия ({describe(store, config)}) — {folder}:")
    for f in read_manifest(folder)["files"]:
        print(f"  {f['what']}: {f['from']} → {f['name']}")
    print("Храните копии и на другом компьютере: файл секретов больше нигде не хранится.")
    return 0


def cmd_restore(args, config) -> int:
    from lib.store.backup import read_manifest, restore

    store = _server_store(args.store, config)
    manifest = read_manifest(__import__("pathlib").Path(args.folder))
    safety, done = restore(store, config, args.folder)
    print(f"Восстановлено из копии от {manifest['made_at']} ({args.folder}):")
    for line in done:
        print(f"  {line}")
    print(f"Файлы, какими они были до восстановления, сохранены в {safety}. Перезапустите приложение.")
    return 0


def _read_password(args) -> str:
    """From standard input when piped (--password-stdin), otherwise asked twice without echo."""
    import getpass

    if args.password_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Новый пароль: ")
    if getpass.getpass("Повторите пароль: ") != first:
        raise ValueError("Пароли не совпадают.")
    return first


def cmd_user(args, config) -> int:
    import getpass

    from lib.auth import access
    from lib.auth.passwords import PasswordError, hash_password

    store = _store(args.store, config)
    snapshot = store.read_all()
    acting = access.command_line_user(getpass.getuser())
    users = snapshot.current("users")
    login = args.login.strip().lower()
    existing = users[users["login"].str.lower() == login]
    current = existing.iloc[-1].to_dict() if len(existing) else None
    try:
        if args.action == "add":
            if current is not None:
                print(f"Пользователь {login} уже есть; для смены пароля — user passwd.", file=sys.stderr)
                return 1
            if args.role == "executor" and not args.participant:
                print("Для исполнителя укажите --participant (код участника).", file=sys.stderr)
                return 2
            if args.participant and args.participant not in set(snapshot.current("participants")["id"]):
                print(f"Участника с кодом «{args.participant}» нет.", file=sys.stderr)
                return 2
            record = {"login": login, "name": args.name, "role": args.role, "participant_id": args.participant,
                      "password_hash": hash_password(_read_password(args)), "active": True}
            access.write(store, acting, {"users": [record]}, action="создание пользователя", snapshot=snapshot)
            print(f"Пользователь {login} добавлен ({access.ROLE_LABELS[args.role]}).")
            return 0
        if current is None:
            print(f"Пользователя {login} нет.", file=sys.stderr)
            return 1
        record = snapshot.record("users", login=current["login"])
        if args.action == "passwd":
            record["password_hash"] = hash_password(_read_password(args))
            access.write(store, acting, {"users": [record]}, action="смена пароля", snapshot=snapshot)
            print(f"Пароль пользователя {login} изменён.")
        else:
            record["active"] = args.action == "enable"
            action = "включение пользователя" if record["active"] else "отключение пользователя"
            access.write(store, acting, {"users": [record]}, action=action, snapshot=snapshot)
            print(f"Пользователь {login} {'включён' if record['active'] else 'отключён'}.")
        return 0
    except PasswordError as err:
        print(f"Ошибка: {err}", file=sys.stderr)
        return 2


def month_argument(text: str) -> str:
    """``--month`` as typed: 2024-12, 12.2024, «декабрь 2024»; anything else is a Russian refusal."""
    from lib.core.parsing import ParseError, parse_month

    try:
        month = parse_month(text)
    except ParseError as err:
        raise ValueError(f"--month: {err}; укажите месяц как ГГГГ-ММ, например 2024-12.") from None
    if month is None:
        raise ValueError("--month: не указан месяц; укажите его как ГГГГ-ММ, например 2024-12.")
    return month


def cmd_import(args, config) -> int:
    import datetime as dt
    import getpass
    from pathlib import Path

    from lib.auth import access
    from lib.domain.monthly import EntryRejected, participant
    from lib.domain.rules import MAGNITUDE_FACTOR
    from lib.domain.settings import read_settings
    from lib.files.excel_forms import UploadRejected, check_upload, read_upload
    from lib.saving.service import save_upload

    month = month_argument(args.month)
    store = _store(args.store, config)
    snapshot = store.read_all()
    participant(snapshot, args.participant)  # an unknown code is a Russian StoreError, before the file is read
    try:
        data = Path(args.file).read_bytes()
    except OSError as err:
        print(f"Не удалось прочитать {args.file}: {err.strerror}", file=sys.stderr)
        return 1
    try:
        upload = read_upload(data, snapshot, args.participant, month, args.settlement)
    except UploadRejected as err:
        print(f"Файл не принят: {err}", file=sys.stderr)
        return 1
    result = check_upload(snapshot, args.participant, month, upload, dt.date.today(), read_settings(snapshot))
    if result.errors:
        print(f"Ничего не записано, исправьте ({len(result.errors)}):", file=sys.stderr)
        for line in result.errors:
            print(f"  {line}", file=sys.stderr)
        return 1
    if result.confirm and not args.confirm:
        print(f"Ничего не записано: значения, отличающиеся от обычных в {MAGNITUDE_FACTOR:.0f} и более раз, нужно подтвердить "
              f"({len(result.confirm)}):", file=sys.stderr)
        for finding in result.confirm:
            print(f"  {finding}", file=sys.stderr)
        print("Проверьте их в файле; если всё верно, запустите команду ещё раз с --confirm (и с --reason «причина», "
              "если нарушено бухгалтерское равенство).", file=sys.stderr)
        return 1
    try:
        save_upload(store, access.command_line_user(getpass.getuser()), result, [f.token for f in result.confirm], reason=args.reason)
    except EntryRejected as err:
        print(str(err), file=sys.stderr)
        return 1
    counts = ", ".join(f"{snapshot.schema[t].title}: {len(r)}" for t, r in result.changes.items())
    print(f"Загружено ({'бланк приложения' if upload.layout == 'template' else 'форма приложения 4'}) — {counts}.")
    for finding in result.confirm:
        print(f"  подтверждено: {finding}")
    for line in result.warnings:
        print(f"  предупреждение: {line}")
    return 0


def cmd_export(args, config) -> int:
    import datetime as dt
    import getpass
    from pathlib import Path

    from lib.auth import access
    from lib.domain.settings import read_settings
    from lib.files import workbook

    period = workbook.parse_period(args.quarter, args.year, args.cumulative)
    store = _store(args.store, config)
    snapshot = store.read_all()
    data = workbook.build(snapshot, period, read_settings(snapshot), dt.date.today(),
                        progress=lambda f, text: print(f"  {int(f * 100):3d} % {text}", file=sys.stderr))
    out = Path(args.out)
    out.write_bytes(data)
    access.write(store, access.command_line_user(getpass.getuser()), {"exports": [workbook.record(period, data, out.name)]},
                 action="выгрузка в министерство", snapshot=snapshot)
    print(f"Выгрузка за {period.label} сохранена в {out} (SHA-256 {workbook.checksum(data)}).")
    return 0


def cmd_remind(args, config) -> int:
    """Daily run (cron / systemd timer): e-mail reminders due today, each once (docs/reminders.md)."""
    import datetime as dt
    import getpass

    from lib.auth import access
    from lib.core.parsing import ParseError, parse_date
    from lib.domain import reminders
    from lib.domain.settings import read_settings
    from lib.mail import outbox

    store = _store(args.store, config)
    try:
        today = parse_date(args.today) if args.today else dt.datetime.now(read_settings(store.read_all()).zone).date()
    except ParseError as err:
        raise ValueError(f"--today: {err}; укажите дату как ДД.ММ.ГГГГ или ГГГГ-ММ-ДД.") from None
    reasons = args.reason or None
    if args.dry_run:
        plan = outbox.preview(store.read_all(), today, reasons)
        print(f"Напоминаний к отправке на {fmt.date_ru(today)}: {len(plan.send)} (ничего не отправлено: --dry-run).")
        for m in plan.send:
            print(f"  {m.login} — {reminders.REASON_LABELS[m.reason]}: {m.subject}")
        for m in plan.quiet:
            print(f"  {m.login} — {reminders.REASON_LABELS[m.reason]}: не отправляется, напоминания отключены")
        return 0
    run = outbox.remind(store, access.command_line_user(getpass.getuser()), today, reasons=reasons)
    for outcome in run.outcomes:
        print(f"  {outcome.line()}")
    print(run.summary(), file=sys.stderr if run.failed else sys.stdout)
    return 1 if run.failed else 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m lib.cli", description="Управление данными комиссии по задолженности за ЖКУ.")
    sub = p.add_subparsers(dest="command", required=True, metavar="КОМАНДА")
    store_help = "адрес хранилища: sqlite:///путь, gsheets://ключ или postgresql://… (по умолчанию из DEBT_STORE или secrets.toml)"
    d = sub.add_parser("demo", help="создать или пересоздать встроенную базу с демо-данными Ленского района")
    d.add_argument("--store", help=store_help)
    d.set_defaults(run=cmd_demo)
    b = sub.add_parser("bootstrap-sheet", help="подготовить Google Таблицу: листы, заголовки, защита, списки, форматы, "
                       "локаль ru_RU (можно запускать повторно)")
    b.add_argument("--store", help=store_help)
    b.add_argument("--time-zone", help="часовой пояс района, например Asia/Yakutsk (по умолчанию DEBT_TIME_ZONE)")
    b.add_argument("--locale-reviewed", action="store_true", help="строки, набранные при прежней локали, проверены: "
                   "снять их список (ничего больше не меняет)")
    b.set_defaults(run=cmd_bootstrap)
    c = sub.add_parser("copy", help="скопировать все листы со всеми версиями из одного хранилища в другое")
    c.add_argument("--from", dest="source", required=True, help="откуда: sqlite:///…, gsheets://… или postgresql://…")
    c.add_argument("--to", dest="target", required=True, help="куда: sqlite:///…, gsheets://… или postgresql://…")
    c.set_defaults(run=cmd_copy)
    u = sub.add_parser("user", help="пользователи: add, passwd, disable, enable (пароль спрашивается, в командной строке не пишется)")
    u.add_argument("action", choices=["add", "passwd", "disable", "enable"], metavar="add|passwd|disable|enable")
    u.add_argument("--login", required=True, help="e-mail пользователя")
    u.add_argument("--name", help="ФИО (для add)")
    u.add_argument("--role", choices=["executor", "commission", "coordinator"], help="роль (для add)")
    u.add_argument("--participant", help="код участника (для исполнителя)")
    u.add_argument("--password-stdin", action="store_true", help="прочитать пароль из стандартного ввода")
    u.add_argument("--store", help=store_help)
    u.set_defaults(run=cmd_user)
    i = sub.add_parser("import", help="загрузить отчёт из Excel: бланк приложения или форму приложения 4")
    i.add_argument("file", help="файл .xlsx")
    i.add_argument("--participant", required=True, help="код организации ЖКК")
    i.add_argument("--month", required=True, help="отчётный месяц ГГГГ-ММ")
    i.add_argument("--settlement", help="код поселения (для формы приложения 4, если организация обслуживает несколько)")
    i.add_argument("--confirm", action="store_true",
                   help="подтвердить значения, которые в 20 и более раз больше или меньше обычных (без флага они только выводятся)")
    i.add_argument("--reason", default="",
                   help="причина, по которой нарушено бухгалтерское равенство (долг на конец месяца меньше нуля, оплата больше "
                        "долга и начисленного, списание больше долга); сохраняется вместе со значением")
    i.add_argument("--store", help=store_help)
    i.set_defaults(run=cmd_import)
    e = sub.add_parser("export", help="квартальная (или годовая) выгрузка в Excel для министерства")
    which = e.add_mutually_exclusive_group(required=True)
    which.add_argument("--quarter", help="квартал ГГГГ-Qn, например 2024-Q1")
    which.add_argument("--year", type=int, help="год, например 2024")
    e.add_argument("--cumulative", action="store_true", help="нарастающим итогом с января (как в форме 22-ЖКХ)")
    e.add_argument("--out", required=True, help="файл .xlsx")
    e.add_argument("--store", help=store_help)
    e.set_defaults(run=cmd_export)
    k = sub.add_parser("check", help="проверить данные и таблицу: нераспознанные ячейки, строки, введённые вручную, "
                       "защита и локаль, заполненность")
    k.add_argument("--store", help=store_help)
    k.set_defaults(run=cmd_check)
    r = sub.add_parser("rollover", help="начать новый год в новой Google Таблице: перенести открытые данные, старую "
                       "сделать архивом")
    r.add_argument("--to", dest="target", required=True, help="новая пустая таблица: gsheets://КЛЮЧ (после сбоя — та же: "
                   "перенос продолжится)")
    r.add_argument("--from", dest="source", help="старая таблица (по умолчанию из DEBT_STORE или secrets.toml)")
    r.add_argument("--months", type=int, default=12, help="сколько последних месяцев отчётов перенести (по умолчанию 12)")
    r.add_argument("--time-zone", help="часовой пояс новой таблицы (по умолчанию — как у старой)")
    r.set_defaults(run=cmd_rollover)
    m = sub.add_parser("remind", help="разослать напоминания по e-mail, которые положены сегодня (для ежедневного запуска "
                       "по расписанию; каждое письмо отправляется один раз)")
    m.add_argument("--dry-run", action="store_true", help="только показать, кому что будет отправлено")
    m.add_argument("--reason", action="append", choices=["before", "late", "returned", "digest"],
                   help="только эта причина (можно повторить): before, late, returned, digest")
    m.add_argument("--today", help="считать сегодняшней эту дату (ДД.ММ.ГГГГ; по умолчанию — сегодня в часовом поясе района)")
    m.add_argument("--store", help=store_help)
    m.set_defaults(run=cmd_remind)
    bk = sub.add_parser("backup", help="резервная копия файлов сервера: файла секретов (хеши паролей, ключ подписи) "
                        "и встроенной базы SQLite; можно во время работы приложения")
    bk.add_argument("--to", help="папка для копий (по умолчанию DEBT_BACKUP_DIR или data/backups)")
    bk.add_argument("--store", help=store_help)
    bk.set_defaults(run=cmd_backup)
    rs = sub.add_parser("restore", help="восстановить файлы сервера из резервной копии (текущие сначала копируются)")
    rs.add_argument("folder", help="папка копии, например data/backups/20241227-030000")
    rs.add_argument("--store", help=store_help)
    rs.set_defaults(run=cmd_restore)
    return p


def main(argv: list[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    if getattr(args, "action", None) == "add" and not (args.name and args.role):
        p.error("для user add нужны --name и --role")
    try:
        config = cfg.resolve()
        return args.run(args, config)
    except WrongStore as err:
        print(str(err), file=sys.stderr)
        return 2
    except (StoreError, cfg.ConfigError, ValueError) as err:
        print(f"Ошибка: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
