"""E-mail reminders through a real SMTP server on loopback (aiosmtpd, a thread of this process), on both stores:
what arrives, to whom, once; a failing server; a refused address; a rerun; two runs at once; a crash between
sending and confirming; the command line."""

import datetime as dt
import threading

import pytest

from lib import cli
from lib.auth import access
from lib.domain.reminders import wants_reminders
from lib.mail import outbox
from lib.mail.smtp import MailServer
from lib.store.port import StoreUnavailable
from lib.store.sqlite_store import SQLiteStore
from tests.conftest import make_sheets_store
from tests.support.reminder_district import COORDINATOR, LPT, VES, seed
from tests.support.smtp_server import MailCatcher, SMTPServer, free_port, self_signed

LATE = dt.date(2024, 12, 11)
CLI_USER = access.command_line_user("cron")


@pytest.fixture
def smtp():
    server = SMTPServer()
    yield server
    server.stop()


def log(store) -> dict[str, dict]:
    return {r["message_key"]: r for r in store.read_all().current("reminders").to_dict("records")}


def test_what_arrives_to_whom_once_and_a_rerun_sends_nothing(store, smtp):
    seed(store, smtp.port)
    run = outbox.remind(store, CLI_USER, LATE)
    assert run.summary() == "Напоминания: отправлено: 3."
    got = smtp.catcher.received
    assert sorted(r.to[0] for r in got) == sorted([*VES, COORDINATOR])
    assert all(r.sender == "dolg@lensk.ru" and r.message["From"] == "dolg@lensk.ru" for r in got)
    to_ves = smtp.catcher.to(VES[0])[0]
    assert to_ves.subject == "Срок прошёл: отчёт за ноябрь 2024 не сдан"
    assert "Здравствуйте, Иванова А.П.!" in to_ves.body
    assert "Открыть отчёт: https://dolg.lensk.ru/entry?participant=ves&month=2024-11" in to_ves.body
    digest = smtp.catcher.to(COORDINATOR)[0]
    assert digest.subject == "Сводка: не сданы отчёты за ноябрь 2024 — 1, просрочено поручений — 0"
    assert "не сдали: 1.\n— ООО «Витимэнергосбыт»" in digest.body
    assert smtp.catcher.to(LPT) == []  # ЛПТЭС filed November
    logged = log(store)
    assert {k: (r["state"], r["attempts"]) for k, r in logged.items()} == {
        "late:2024-11:ves@lensk.ru": ("sent", 1), "late:2024-11:ves2@lensk.ru": ("sent", 1), "digest:2024-11:coord@lensk.ru": ("sent", 1)}
    again = outbox.remind(store, CLI_USER, LATE)
    assert again.outcomes == [] and again.summary() == "Отправлять нечего: все напоминания на сегодня уже отправлены."
    assert outbox.remind(store, CLI_USER, dt.date(2024, 12, 20)).outcomes == []  # the same month, days later: nothing new
    assert len(smtp.catcher.received) == 3


def test_before_the_deadline_only_those_who_have_not_filed(store, smtp):
    seed(store, smtp.port, reminder_days_before="2")
    assert outbox.remind(store, CLI_USER, dt.date(2024, 12, 7)).outcomes == []  # three days before: not yet with 2
    outbox.remind(store, CLI_USER, dt.date(2024, 12, 8))
    assert sorted(r.to[0] for r in smtp.catcher.received) == sorted(VES)
    assert smtp.catcher.received[0].subject == "Напоминание: отчёт за ноябрь 2024 — срок до 10.12.2024"


def test_a_failing_server_is_recorded_and_the_next_run_sends(store):
    port = free_port()  # nothing listens there yet
    seed(store, port)
    run = outbox.remind(store, CLI_USER, LATE)
    assert run.failed and run.count("failed") == 3
    assert all(o.detail == "почтовый сервер не принимает соединения (в соединении отказано)" for o in run.outcomes)
    assert {(r["state"], r["attempts"], r["detail"]) for r in log(store).values()} == {
        ("failed", 1, "почтовый сервер не принимает соединения (в соединении отказано)")}
    with SMTPServer(port=port) as server:
        run = outbox.remind(store, CLI_USER, LATE)
        assert run.count("sent") == 3 and not run.failed
        assert len(server.catcher.received) == 3
    assert {(r["state"], r["attempts"]) for r in log(store).values()} == {("sent", 2)}


def test_a_refused_address_is_shown_and_not_retried_the_others_go(store):
    with SMTPServer(MailCatcher(refuse={VES[1]})) as server:
        seed(store, server.port)
        run = outbox.remind(store, CLI_USER, LATE)
        assert [o.state for o in run.outcomes if o.message.login == VES[1]] == ["bounced"]
        assert run.count("sent") == 2
        logged = log(store)[f"late:2024-11:{VES[1]}"]
        assert logged["state"] == "bounced"
        assert logged["detail"] == "почтовый сервер отклонил адрес: ves2@lensk.ru: 550 5.1.1 Mailbox does not exist"
        assert outbox.remind(store, CLI_USER, LATE).outcomes == []
        assert sorted(r.to[0] for r in server.catcher.received) == sorted([VES[0], COORDINATOR])


def test_two_runs_at_once_send_each_message_once(tmp_path, smtp):
    seed(SQLiteStore(tmp_path / "debt.sqlite"), smtp.port)
    runs = []

    def one():
        runs.append(outbox.remind(SQLiteStore(tmp_path / "debt.sqlite"), CLI_USER, LATE))  # two servers on one file

    threads = [threading.Thread(target=one) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.to[0] for r in smtp.catcher.received) == sorted([*VES, COORDINATOR])
    assert sum(r.count("sent") for r in runs) == 3


def test_a_crash_between_sending_and_confirming_never_sends_twice(store, smtp, monkeypatch):
    seed(store, smtp.port)
    real = access.write

    def store_gone_after_sending(target, user, changes, **kw):
        if changes["reminders"][0]["state"] != "reserved":
            raise StoreUnavailable("Хранилище не ответило.")
        return real(target, user, changes, **kw)

    monkeypatch.setattr(access, "write", store_gone_after_sending)
    run = outbox.remind(store, CLI_USER, LATE)
    assert run.count("unconfirmed") == 3 and run.failed
    monkeypatch.setattr(access, "write", real)
    assert {r["state"] for r in log(store).values()} == {"reserved"}
    assert outbox.remind(store, CLI_USER, LATE).outcomes == []  # the rerun: «отправляется» is never sent by itself
    assert len(smtp.catcher.received) == 3
    outbox.retry(store, CLI_USER, f"late:2024-11:{VES[0]}")  # the coordinator checked: it did not arrive
    assert outbox.remind(store, CLI_USER, LATE).count("sent") == 1
    assert len(smtp.catcher.to(VES[0])) == 2


def test_a_person_turns_reminders_off_for_themselves_only(store, smtp):
    seed(store, smtp.port)
    me = access.User(VES[1], "Петров В.В.", "executor", "ves")
    access.write(store, me, {"mail_preferences": [{"login": VES[1], "reminders": False}]})
    with pytest.raises(access.Denied, match="можно изменить только свою запись"):
        access.write(store, me, {"mail_preferences": [{"login": VES[0], "reminders": False}]})
    member = access.User("member@lensk.ru", "Член комиссии", "commission")
    access.write(store, member, {"mail_preferences": [{"login": "Member@lensk.ru", "reminders": False}]})  # their own, in any case
    with pytest.raises(access.Denied, match="можно изменить только свою запись"):
        access.write(store, member, {"mail_preferences": [{"login": VES[1], "reminders": True}]})
    snapshot = store.read_all()
    assert not wants_reminders(snapshot, VES[1]) and wants_reminders(snapshot, VES[0])
    preview = outbox.preview(snapshot, LATE)
    assert [m.login for m in preview.quiet] == [VES[1]]
    outbox.remind(store, CLI_USER, LATE)
    assert sorted(r.to[0] for r in smtp.catcher.received) == sorted([VES[0], COORDINATOR])


def test_a_disabled_account_gets_nothing(store, smtp):
    seed(store, smtp.port)
    access.write(store, CLI_USER, {"users": [{**store.read_all().record("users", login=VES[0]), "active": False}]})
    outbox.remind(store, CLI_USER, LATE)
    assert sorted(r.to[0] for r in smtp.catcher.received) == sorted([VES[1], COORDINATOR])


def test_a_returned_report_is_mailed_at_once_with_the_reason(store, smtp):
    seed(store, smtp.port)
    coordinator = access.User(COORDINATOR, "Беляев И.А.", "coordinator")
    access.write(store, coordinator, {"returns": [{"participant_id": "lpt", "month": "2024-11", "reason": "Нет оплаты за октябрь.",
                                                   "active": True}]})
    run = outbox.remind(store, coordinator, dt.date(2024, 12, 5), reasons={"returned"})
    assert run.count("sent") == 1
    [mail] = smtp.catcher.received
    assert mail.to == [LPT] and mail.subject == "Отчёт за ноябрь 2024 возвращён на доработку"
    assert "Причина: Нет оплаты за октябрь." in mail.body


def test_switched_off_or_not_set_up_nothing_is_sent_and_it_says_why(store, smtp):
    seed(store, smtp.port, reminders_enabled="нет")
    run = outbox.remind(store, CLI_USER, LATE)
    assert not run.failed and "Напоминания выключены в настройках" in run.summary()  # turned off on purpose: no failure
    seed(store, smtp.port, smtp_host="", smtp_login="robot")
    run = outbox.remind(store, CLI_USER, LATE)
    assert run.failed and run.summary() == ("Письма не отправлены: не указан почтовый сервер (настройка «smtp_host»); указан логин почтового "
                             "сервера, но пароль не задан: добавьте [smtp] password в .streamlit/secrets.toml или переменную "
                             "окружения DEBT_SMTP_PASSWORD.")
    assert smtp.catcher.received == [] and log(store) == {}


def test_the_command_line_for_the_daily_timer(tmp_path, smtp, capsys, monkeypatch):
    monkeypatch.delenv("DEBT_SMTP_PASSWORD", raising=False)
    url = f"sqlite:///{tmp_path / 'debt.sqlite'}"
    seed(SQLiteStore(tmp_path / "debt.sqlite"), smtp.port)
    assert cli.main(["remind", "--store", url, "--today", "11.12.2024", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Напоминаний к отправке на 11.12.2024: 3 (ничего не отправлено: --dry-run)." in out
    assert smtp.catcher.received == []
    assert cli.main(["remind", "--store", url, "--today", "11.12.2024"]) == 0
    assert "Напоминания: отправлено: 3." in capsys.readouterr().out
    assert cli.main(["remind", "--store", url, "--today", "11.12.2024"]) == 0
    assert "Отправлять нечего" in capsys.readouterr().out
    assert len(smtp.catcher.received) == 3
    smtp.stop()
    SQLiteStore(tmp_path / "debt.sqlite").save({"returns": [{"participant_id": "ves", "month": "2024-10", "reason": "Пусто.",
                                                             "active": True}]}, "test-setup")
    assert cli.main(["remind", "--store", url, "--today", "11.12.2024"]) == 1
    err = capsys.readouterr()
    assert "ошибка отправки: 2" in err.err and "почтовый сервер не принимает соединения" in err.out


def test_starttls_and_a_login_with_the_password_from_the_environment(tmp_path, monkeypatch):
    certificate = self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate))  # the district's certificate, trusted as the system would
    with SMTPServer(certificate=certificate, accounts={"robot@lensk.ru": "s3cret"}) as server:
        store = SQLiteStore(tmp_path / "debt.sqlite")
        seed(store, server.port, smtp_security="STARTTLS", smtp_login="robot@lensk.ru")
        monkeypatch.setenv("DEBT_SMTP_PASSWORD", "wrong")
        run = outbox.remind(store, CLI_USER, LATE)
        assert run.count("failed") == 3 and run.outcomes[0].detail.startswith("почтовый сервер не принял логин и пароль: 535")
        monkeypatch.setenv("DEBT_SMTP_PASSWORD", "s3cret")
        assert outbox.remind(store, CLI_USER, LATE).count("sent") == 3
        assert sorted(r.to[0] for r in server.catcher.received) == sorted([*VES, COORDINATOR])
    assert "s3cret" not in (tmp_path / "debt.sqlite").read_bytes().decode("utf-8", "replace")  # never in the store


def test_an_untrusted_certificate_is_a_failure_not_a_silent_plain_text_send(tmp_path, monkeypatch):
    with SMTPServer(certificate=self_signed(tmp_path)) as server:  # not trusted: no SSL_CERT_FILE
        store = SQLiteStore(tmp_path / "debt.sqlite")
        seed(store, server.port, smtp_security="STARTTLS")
        run = outbox.remind(store, CLI_USER, LATE)
        assert run.count("failed") == 3 and run.outcomes[0].detail.startswith("ошибка шифрования соединения с почтовым сервером")
        assert server.catcher.received == []


def test_two_processes_of_one_server_on_a_google_sheet_send_each_message_once(fake_api, smtp):
    first = make_sheets_store(fake_api)
    second = make_sheets_store(fake_api, key=first.key, bootstrap=False, secrets=first.secrets)  # its other process
    seed(first, smtp.port)
    runs = []
    threads = [threading.Thread(target=lambda s=s: runs.append(outbox.remind(s, CLI_USER, LATE))) for s in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.to[0] for r in smtp.catcher.received) == sorted([*VES, COORDINATOR])
    assert sum(r.count("sent") for r in runs) == 3 and sum(r.count("taken") for r in runs) == sum(len(r.outcomes) for r in runs) - 3


def test_a_plan_made_before_another_run_sent_is_refused_at_the_reservation(store, smtp):
    seed(store, smtp.port)
    stale = outbox.preview(store.read_all(), LATE).send  # e.g. the coordinator's preview, open while the timer runs
    assert outbox.remind(store, CLI_USER, LATE).count("sent") == 3
    server = SMTPServer()
    try:
        outcomes = outbox.deliver(store, CLI_USER, stale, MailServer("127.0.0.1", server.port, "none", None, "dolg@lensk.ru"))
        assert [o.state for o in outcomes] == ["taken"] * 3
        assert server.catcher.received == []
    finally:
        server.stop()
