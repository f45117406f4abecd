"""E-mail reminders on the pages (glue only: who gets what is ``lib.domain.reminders``, sending ``lib.mail.outbox``).

- «Свод»: «Напомнить» — the coordinator sees every message due today (to whom, why, the text) and sends them;
- «Обзор»: everyone turns reminders off or on for themselves; the coordinator sees the log, what failed or was
  refused, and what a crash left «отправляется», and may let one be sent again;
- «Администрирование» → «Рассылка»: the mail server and the reminder settings (the password stays in secrets);
  after a report is returned for rework, its message goes out at once.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from lib.auth.access import Rejected, User
from lib.core import fmt, memo
from lib.domain import present, reminders
from lib.domain.reminders import REASON_LABELS
from lib.domain.settings import read_settings
from lib.mail import outbox
from lib.mail.smtp import MailServer, MailSetupError, failure_text, smtp_password
from lib.store.port import StoreError
from lib.ui import shell

RETURN_PENDING = "reminders:return-pending"
MAIL_SETTINGS = ("reminders_enabled", "reminder_days_before", "app_base_url", "smtp_host", "smtp_port", "smtp_security",
                 "smtp_login", "smtp_sender")
SECURITY_CHOICES = ["STARTTLS", "SSL", "нет"]


def _show_run(run: outbox.Run) -> None:
    if run.stopped:
        (st.warning if run.off else st.error)(run.stopped, icon=":material/mail_lock:")
        return
    (st.error if run.failed else st.success)(run.summary(), icon=":material/mail:")
    for outcome in run.outcomes:
        if outcome.state != "sent":
            st.warning(outcome.line())


def remind_panel(user: User, snap, today: dt.date) -> None:
    """«Напомнить» under the filing matrix (coordinator): the preview, then the sending of exactly what was shown."""
    if user.role != "coordinator":
        return
    with st.expander("Напомнить по e-mail", icon=":material/mail:", expanded=bool(st.session_state.get("remind_open"))):
        settings = read_settings(snap)
        # once per snapshot and day, like the page's figures: a rerun of «Свод» does not plan the reminders again
        plan, table = memo.recent(snap, "reminders.preview", today, lambda: _planned(snap, today))
        if not settings["reminders_enabled"]:
            st.warning("Напоминания выключены: включите их и укажите почтовый сервер на странице «Администрирование», "
                       "вкладка «Рассылка». Ниже — что было бы отправлено сегодня.", icon=":material/mail_lock:")
        if plan.quiet:
            st.caption("Не получат (отключили напоминания): " + ", ".join(f"{m.name} — {REASON_LABELS[m.reason]}" for m in plan.quiet))
        if not plan.send:
            st.info("Сегодня напоминать некому: всё, что положено, уже отправлено или срок ещё не подошёл.", icon=":material/mail:")
            return
        st.markdown(f"**Будет отправлено писем: {len(plan.send)}**")
        st.dataframe(present.styled(table), hide_index=True, width="stretch")
        shown = st.selectbox("Текст письма", range(len(plan.send)), key="remind_preview",
                             format_func=lambda i: f"{plan.send[i].login} — {plan.send[i].subject}")
        st.text(f"Тема: {plan.send[shown].subject}\nКому: {plan.send[shown].login}\n\n{plan.send[shown].body}")
        if st.button(f"Отправить писем: {len(plan.send)}", type="primary", key="remind_send", icon=":material/send:",
                     disabled=not settings["reminders_enabled"]):
            st.session_state["remind_open"] = True
            with st.spinner("Отправка…"):
                run = outbox.remind(shell.store(), user, today, keys={m.key for m in plan.send})
            _show_run(run)


def _planned(snap, today: dt.date) -> tuple[reminders.Plan, present.Shown]:
    plan = outbox.preview(snap, today)
    return plan, present.prepare(reminders.preview_table(plan.send), reused=True)


def my_reminders(user: User, snap) -> None:
    """«Получать напоминания по e-mail»: a person's own switch, saved at once (a member of the commission gets no
    reminders: no switch)."""
    if "@" not in user.login or user.role == "commission":
        return
    wanted = reminders.wants_reminders(snap, user.login)
    on = st.toggle("Получать напоминания по e-mail", value=wanted, key="my_reminders",
                   help=f"Письма на {user.login}: о сроке сдачи отчёта, о возврате на доработку, сводка координатору.")
    if on != wanted:
        shell.submit(user, {"mail_preferences": [{"login": user.login, "reminders": on}]},
                     action="напоминания: включены" if on else "напоминания: отключены",
                     success="Напоминания по e-mail включены." if on else "Напоминания по e-mail отключены: писем больше не будет.")


def reminder_log(user: User, snap) -> None:
    """The coordinator's view of the reminder log: what went wrong first, then the latest messages."""
    if user.role != "coordinator":
        return
    st.subheader("Напоминания по e-mail")
    log = snap.current("reminders")
    if log.empty:
        st.caption("Писем ещё не отправлялось.")
        return
    names = dict(zip(snap.current("participants")["id"], snap.current("participants")["name"]))
    bad = reminders.trouble(log, dt.datetime.now(dt.UTC))
    if len(bad):
        st.error(f"Не доставлено или не подтверждено писем: {len(bad)}. «Ошибка отправки» — почтовый сервер не принял письмо, "
                 "будет повторено при следующей рассылке; «адрес отклонён» — проверьте адрес пользователя; «отправляется» — "
                 "рассылка прервалась после отправки, письмо могло дойти: уточните у адресата.", icon=":material/mail_lock:")
        st.dataframe(present.table(reminders.log_table(bad, names), moments=["Когда"]), hide_index=True, width="stretch")
        again = bad[bad["state"].isin(["reserved", "bounced"])]
        if len(again):
            key = st.selectbox("Отправить снова (при следующей рассылке)", [None, *again["message_key"]], key="remind_retry",
                               format_func=lambda k: "—" if k is None else k)
            if key and st.button("Отправить снова", key="remind_retry_button"):
                try:
                    outbox.retry(shell.store(), user, key)
                except (StoreError, Rejected) as err:
                    st.error(str(err))
                else:
                    shell.saved("Письмо будет отправлено снова при следующей рассылке.")
    st.dataframe(present.table(reminders.log_table(log, names, limit=200), moments=["Когда"]), hide_index=True, width="stretch")


def expect_return(on: bool = True) -> None:
    """Before the «Вернуть на доработку» save: its message goes out on the run after it (``mail_returned``)."""
    st.session_state[RETURN_PENDING] = on


def mail_returned(user: User, today: dt.date) -> None:
    """On the run after a return was saved: send the «возвращён на доработку» messages now, and say how it went."""
    if not st.session_state.pop(RETURN_PENDING, False):
        return
    store = shell.store()
    if not read_settings(store.read_all())["reminders_enabled"]:
        st.caption("Письмо исполнителю не отправлено: напоминания выключены (вкладка «Рассылка»).")
        return
    _show_run(outbox.remind(store, user, today, reasons={"returned"}))


def mail_settings_form(user: User, snap) -> None:
    """«Рассылка»: the reminder and mail-server settings; the password is only said to be set or not."""
    settings = read_settings(snap)
    table = snap.schema["settings"]
    described = {s.key: s.description for s in table.settings}
    shell.flash("mail")
    form = "mail_settings"
    names = ("reminders_enabled", "reminder_days_before", "app_base_url", "smtp_host", "smtp_port", "smtp_security", "smtp_login",
             "smtp_sender")
    defaults = {"reminders_enabled": bool(settings["reminders_enabled"]), "reminder_days_before": int(settings["reminder_days_before"]),
                "app_base_url": settings["app_base_url"] or "", "smtp_host": settings["smtp_host"] or "",
                "smtp_port": int(settings["smtp_port"]), "smtp_security": SECURITY_CHOICES[_security_index(settings["smtp_security"])],
                "smtp_login": settings["smtp_login"] or "", "smtp_sender": settings["smtp_sender"] or ""}
    # a draft like every form's; the settings as stored now are its version (saved by someone else: the form follows)
    read, _ = shell.record_draft(form, defaults, "|".join(_text(settings[k]) for k in names), title="Настройки рассылки",
                                 where="Администрирование", page="pages/admin.py", params={"admin_tab": "Рассылка"})
    with st.container(border=True):
        shell.kept(st.toggle, "Отправлять напоминания", key=f"{form}:reminders_enabled")
        shell.kept(st.number_input, "За сколько дней до срока напомнить", 0, 27, key=f"{form}:reminder_days_before")
        shell.kept(st.text_input, "Адрес приложения для ссылок в письмах", key=f"{form}:app_base_url", placeholder="https://dolg.lensk.ru")
        shell.kept(st.text_input, "Почтовый сервер (SMTP)", key=f"{form}:smtp_host", placeholder="mail.lensk.ru")
        shell.kept(st.number_input, "Порт", 1, 65535, key=f"{form}:smtp_port")
        shell.kept(st.selectbox, "Шифрование", SECURITY_CHOICES, key=f"{form}:smtp_security")
        shell.kept(st.text_input, "Логин на почтовом сервере (пусто — без входа)", key=f"{form}:smtp_login")
        shell.kept(st.text_input, "Адрес отправителя", key=f"{form}:smtp_sender", placeholder="dolg@lensk.ru")
        values = read()
        st.caption("Пароль почтового сервера здесь не вводится и в таблице не хранится: " + (
            "он задан на сервере приложения." if smtp_password() else
            "он не задан — администратор сервера добавляет [smtp] password в .streamlit/secrets.toml или переменную DEBT_SMTP_PASSWORD."))
        clicked = st.button("Сохранить", type="primary", key=f"{form}-save")
    if clicked:
        changed = [{"key": k, "value": _text(v), "description": described[k]} for k, v in values.items()
                   if _text(v) != _text(settings[k])]
        if not changed:
            st.info("Изменений нет: сохранять нечего.", icon=":material/info:")
            shell.saved_draft(form)
        else:
            shell.submit(user, {"settings": changed}, action="настройки рассылки", success="Настройки рассылки сохранены.",
                         slot="mail", form=form, draft=form)
    if st.button("Отправить пробное письмо себе", key="mail_test", icon=":material/send:", disabled="@" not in user.login):
        try:
            server = MailServer.from_settings(settings, smtp_password())
            connection = server.connect()
            try:
                connection.send_message(server.compose(user.login, "Проверка рассылки напоминаний",
                                                       f"Почтовый сервер {server.describe()} работает: это письмо дошло.\n"))
            finally:
                connection.quit()
        except MailSetupError as err:
            st.error(str(err))
        except OSError as err:  # smtplib's errors are OSErrors too
            st.error(f"Пробное письмо не отправлено: {failure_text(err)}.")
        else:
            st.success(f"Пробное письмо отправлено на {user.login} ({fmt.date_ru(dt.date.today())}).")


def _security_index(value) -> int:
    text = str(value or "").strip().lower()
    return {"ssl": 1, "нет": 2, "none": 2, "no": 2}.get(text, 0)


def _text(value) -> str:
    if isinstance(value, bool):
        return "да" if value else "нет"
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
