"""Reminders on the pages, in-process (AppTest) on the demo district with a real loopback SMTP server: «Напомнить»
on «Свод» (preview, then sending), the personal switch and the log on «Обзор», «Рассылка» and the at-once message of
a return on «Администрирование»."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from lib.auth import access
from lib.domain.reminders import wants_reminders
from lib.domain.settings import read_settings
from lib.mail import outbox
from lib.store.sqlite_store import SQLiteStore
from tests.support.apptest import open_page
from tests.support.reminder_district import mail_settings
from tests.support.smtp_server import SMTPServer, free_port

TODAY = dt.date(2025, 1, 11)  # December 2024 is late from today: the demo's ВЭС has not filed it
COORDINATOR = access.User("coordinator@lensk.demo", "Беляев И.А.", "coordinator")


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    from lib.ui import shell

    monkeypatch.setattr(shell, "today", lambda: TODAY)


@pytest.fixture
def smtp():
    server = SMTPServer()
    yield server
    server.stop()


def demo(url: str) -> SQLiteStore:
    return SQLiteStore(url[len("sqlite:///"):])


def switch_on(store, port: int) -> None:
    access.write(store, COORDINATOR, {"settings": mail_settings(port)}, action="настройки рассылки")


def texts(at: AppTest, kind: str) -> list[str]:
    return [e.value for e in at.get(kind)]


def test_the_coordinator_previews_then_sends_from_the_filing_matrix(demo_store_url, smtp):
    store = demo(demo_store_url)
    switch_on(store, smtp.port)
    due = outbox.preview(store.read_all(), TODAY).send
    assert any(m.reason == "late" for m in due) and any(m.reason == "digest" for m in due)
    at = open_page("coordinator@lensk.demo", "pages/dashboard.py")
    assert f"**Будет отправлено писем: {len(due)}**" in texts(at, "markdown")
    assert smtp.catcher.received == []  # the preview sends nothing
    shown = at.get("text")[0].value
    assert shown == f"Тема: {due[0].subject}\nКому: {due[0].login}\n\n{due[0].body}".rstrip()
    at.button(key="remind_send").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert f"Напоминания: отправлено: {len(due)}." in texts(at, "success")
    assert sorted(r.to[0] for r in smtp.catcher.received) == sorted(m.login for m in due)
    at = open_page("coordinator@lensk.demo", "pages/dashboard.py")
    assert "Сегодня напоминать некому: всё, что положено, уже отправлено или срок ещё не подошёл." in texts(at, "info")
    assert len(smtp.catcher.received) == len(due)


@pytest.mark.parametrize("login", ["commission@lensk.demo", "lptes@lensk.demo"])
def test_only_the_coordinator_has_the_remind_button(demo_store_url, login):
    at = open_page(login, "pages/dashboard.py")
    assert not [b for b in at.button if b.key == "remind_send"]
    assert not [e for e in at.expander if e.label == "Напомнить по e-mail"]


def test_switched_off_the_preview_says_so_and_the_button_is_disabled(demo_store_url):
    at = open_page("coordinator@lensk.demo", "pages/dashboard.py")
    assert any(w.startswith("Напоминания выключены") for w in texts(at, "warning"))
    assert at.button(key="remind_send").disabled


def test_a_person_turns_reminders_off_on_the_overview(demo_store_url):
    at = open_page("lptes@lensk.demo", "pages/overview.py")
    assert at.toggle(key="my_reminders").value is True
    at.toggle(key="my_reminders").set_value(False).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(t.startswith("Напоминания по e-mail отключены: писем больше не будет.") for t in texts(at, "success"))
    snapshot = demo(demo_store_url).read_all()
    assert not wants_reminders(snapshot, "lptes@lensk.demo") and wants_reminders(snapshot, "ves@lensk.demo")
    assert at.toggle(key="my_reminders").value is False


def test_the_coordinator_sees_what_failed_on_the_overview(demo_store_url):
    store = demo(demo_store_url)
    switch_on(store, free_port())  # nobody listens: every message fails
    run = outbox.remind(store, COORDINATOR, TODAY)
    assert run.count("failed") == len(run.outcomes) > 0
    at = open_page("coordinator@lensk.demo", "pages/overview.py")
    assert any(e.startswith(f"Не доставлено или не подтверждено писем: {len(run.outcomes)}.") for e in texts(at, "error"))
    log = next(d.value for d in at.dataframe if "Состояние" in d.value.columns)  # the failures, above the whole log
    assert set(log["Состояние"]) == {"ошибка отправки"}
    assert set(log["Ошибка"]) == {"почтовый сервер не принимает соединения (в соединении отказано)"}


def test_mail_settings_are_saved_from_administration_without_a_password(demo_store_url, monkeypatch):
    monkeypatch.delenv("DEBT_SMTP_PASSWORD", raising=False)
    at = open_page("coordinator@lensk.demo", "pages/admin.py")
    assert any("он не задан" in c for c in texts(at, "caption"))
    at.toggle(key="mail_settings:reminders_enabled").set_value(True)
    at.text_input(key="mail_settings:smtp_host").input("mail.lensk.ru")
    at.number_input(key="mail_settings:smtp_port").set_value(465)
    at.selectbox(key="mail_settings:smtp_security").set_value("SSL")
    at.text_input(key="mail_settings:smtp_sender").input("dolg@lensk.ru")
    at.text_input(key="mail_settings:app_base_url").input("https://dolg.lensk.ru")
    at.button(key="mail_settings-save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(t.startswith("Настройки рассылки сохранены.") for t in texts(at, "success"))
    settings = read_settings(demo(demo_store_url).read_all())
    assert (settings["reminders_enabled"], settings["smtp_host"], settings["smtp_port"], settings["smtp_security"],
            settings["smtp_sender"], settings["app_base_url"]) == (True, "mail.lensk.ru", 465, "SSL", "dolg@lensk.ru", "https://dolg.lensk.ru")


def test_a_report_returned_for_rework_is_mailed_at_once(demo_store_url, smtp):
    store = demo(demo_store_url)
    switch_on(store, smtp.port)
    at = open_page("coordinator@lensk.demo", "pages/admin.py")
    at.selectbox(key="return:participant").set_value("lptes")
    at.selectbox(key="return:month").set_value("2024-11")
    at.text_area(key="return:reason").input("Оплата больше начислений.")
    at.button(key="return-save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    returned = smtp.catcher.to("lptes@lensk.demo")  # (the demo's earlier return of ТСК, never mailed, goes out too)
    assert [r.subject for r in returned] == ["Отчёт за ноябрь 2024 возвращён на доработку"]
    assert "Причина: Оплата больше начислений." in returned[0].body
    assert any(s.startswith("Напоминания: отправлено:") for s in texts(at, "success"))


def test_a_member_of_the_commission_gets_no_reminders_and_no_switch(demo_store_url):
    at = open_page("commission@lensk.demo", "pages/overview.py")
    assert not [t for t in at.toggle if t.key == "my_reminders"]
    assert not [s for s in at.subheader if s.value == "Напоминания по e-mail"]  # the log is the coordinator's
