"""Who gets which reminder (lib/domain/reminders.py): literal rows, fixed dates, whole texts checked."""

import datetime as dt

from lib.domain.reminders import Situation, late_month, link, plan

PEOPLE = [
    {"login": "coord@lensk.ru", "name": "Беляев И.А.", "role": "coordinator", "participant_id": "upr", "active": True},
    {"login": "old-coord@lensk.ru", "name": "Бывший координатор", "role": "coordinator", "participant_id": None, "active": False},
    {"login": "ves@lensk.ru", "name": "Иванова А.П.", "role": "executor", "participant_id": "ves", "active": True},
    {"login": "Ves2@Lensk.ru", "name": "Петров В.В.", "role": "executor", "participant_id": "ves", "active": True},
    {"login": "lpt@lensk.ru", "name": "Сидорова Е.К.", "role": "executor", "participant_id": "lpt", "active": True},
    {"login": "member@lensk.ru", "name": "Член комиссии", "role": "commission", "participant_id": None, "active": True},
]
NAMES = {"ves": "ООО «Витимэнергосбыт»", "lpt": "ЛПТЭС", "upr": "Управление"}


def situation(today, status, **kw) -> Situation:
    base = dict(today=today, due_day=10, days_before=3, people=PEOPLE, names=NAMES, filers=["ves", "lpt"], status=status,
                base_url="https://dolg.lensk.ru/", district="Ленский район", span=("2024-01", "2025-12"))
    return Situation(**{**base, **kw})


def keys(found) -> list[str]:
    return [m.key for m in found]


def test_before_the_deadline_the_executors_who_have_not_filed_are_reminded_from_three_days_before():
    status = {("ves", "2024-11"): "not_due", ("lpt", "2024-11"): "on_time", ("ves", "2024-10"): "on_time", ("lpt", "2024-10"): "on_time"}
    assert plan(situation(dt.date(2024, 12, 6), status)).send == []  # four days before: not yet
    found = plan(situation(dt.date(2024, 12, 7), status)).send
    assert keys(found) == ["before:2024-11:ves@lensk.ru", "before:2024-11:ves2@lensk.ru"]
    m = found[0]
    assert (m.reason, m.period, m.login, m.participant_id) == ("before", "2024-11", "ves@lensk.ru", "ves")
    assert m.subject == "Напоминание: отчёт за ноябрь 2024 — срок до 10.12.2024"
    assert m.body == (
        "Здравствуйте, Иванова А.П.!\n\n"
        "Ежемесячный отчёт «ООО «Витимэнергосбыт»» за ноябрь 2024 ещё не сдан. Срок сдачи — до 10.12.2024 включительно "
        "(осталось 3 дня).\n\n"
        "Открыть отчёт: https://dolg.lensk.ru/entry?participant=ves&month=2024-11\n\n"
        "Это письмо отправлено автоматически рабочим местом комиссии по задолженности за ЖКУ (Ленский район). Отключить "
        "напоминания можно на странице «Обзор» приложения.\n")
    last = plan(situation(dt.date(2024, 12, 10), status)).send[0]
    assert "(сегодня последний день)" in last.body
    assert "(осталось 1 день)" in plan(situation(dt.date(2024, 12, 9), status)).send[0].body
    assert plan(situation(dt.date(2024, 12, 7), status, days_before=0)).send == []  # 0: no reminder before the deadline


def test_after_the_deadline_those_late_are_reminded_and_the_coordinator_gets_a_digest():
    status = {("ves", "2024-11"): "missing", ("lpt", "2024-11"): "late"}
    overdue = [{"text": "Провести сверку с ресурсоснабжающими", "responsible_id": "lpt", "due_date": dt.date(2024, 11, 30)}]
    found = plan(situation(dt.date(2024, 12, 11), status, overdue=overdue)).send
    assert keys(found) == ["late:2024-11:ves@lensk.ru", "late:2024-11:ves2@lensk.ru", "digest:2024-11:coord@lensk.ru"]
    late, digest = found[0], found[2]
    assert late.subject == "Срок прошёл: отчёт за ноябрь 2024 не сдан"
    assert ("Ежемесячный отчёт «ООО «Витимэнергосбыт»» за ноябрь 2024 не сдан, срок сдачи был до 10.12.2024 включительно."
            in late.body)
    assert "Открыть отчёт: https://dolg.lensk.ru/entry?participant=ves&month=2024-11" in late.body
    assert digest.subject == "Сводка: не сданы отчёты за ноябрь 2024 — 1, просрочено поручений — 1"
    assert digest.participant_id is None
    assert digest.body == (
        "Здравствуйте, Беляев И.А.!\n\n"
        "Отчёты за ноябрь 2024 (срок был до 10.12.2024) не сдали: 1.\n— ООО «Витимэнергосбыт»\n\n"
        "Просроченные поручения комиссии: 1.\n— Провести сверку с ресурсоснабжающими (ответственный: ЛПТЭС, срок 30.11.2024)\n\n"
        "Свод и матрица сдачи отчётов: https://dolg.lensk.ru/dashboard\n\n"
        "Поручения комиссии: https://dolg.lensk.ru/commission\n\n"
        "Это письмо отправлено автоматически рабочим местом комиссии по задолженности за ЖКУ (Ленский район). Отключить "
        "напоминания можно на странице «Обзор» приложения.\n")


def test_the_late_month_is_the_latest_whose_deadline_has_passed():
    assert late_month(dt.date(2024, 12, 10), 10) == "2024-10"
    assert late_month(dt.date(2024, 12, 11), 10) == "2024-11"
    assert late_month(dt.date(2025, 1, 5), 10) == "2024-11"
    assert late_month(dt.date(2025, 1, 11), 10) == "2024-12"


def test_a_returned_report_is_reported_at_once_with_the_reason_and_once_per_return():
    returns = [{"participant_id": "lpt", "month": "2024-10", "reason": "Оплата больше начислений по группе «население».",
                "save_id": "a1b2"}]
    status = {("ves", "2024-11"): "on_time", ("lpt", "2024-11"): "on_time"}
    found = plan(situation(dt.date(2024, 11, 20), status, returns=returns)).send
    assert keys(found) == ["returned:2024-10:lpt:a1b2:lpt@lensk.ru", "digest:2024-10:coord@lensk.ru"]
    assert "На доработке: 1.\n— ЛПТЭС, октябрь 2024: Оплата больше начислений по группе «население»." in found[1].body
    m = found[0]
    assert m.subject == "Отчёт за октябрь 2024 возвращён на доработку"
    assert ("Координатор вернул отчёт «ЛПТЭС» за октябрь 2024 на доработку.\n\n"
            "Причина: Оплата больше начислений по группе «население».\n\n"
            "Исправьте отчёт и сохраните его снова.\n\n"
            "Открыть отчёт: https://dolg.lensk.ru/entry?participant=lpt&month=2024-10") in m.body
    again = [{**returns[0], "save_id": "c3d4"}]  # the same month returned again after refiling: a new message
    assert keys(plan(situation(dt.date(2024, 11, 20), status, returns=again)).send)[0] == "returned:2024-10:lpt:c3d4:lpt@lensk.ru"


def test_what_the_log_holds_is_not_sent_again_and_a_failure_is_retried_three_times_in_all():
    status = {("ves", "2024-11"): "missing", ("lpt", "2024-11"): "on_time"}
    log = {"late:2024-11:ves@lensk.ru": {"state": "sent", "attempts": 1, "save_id": "s1"},
           "late:2024-11:ves2@lensk.ru": {"state": "failed", "attempts": 1, "save_id": "s2"},
           "digest:2024-11:coord@lensk.ru": {"state": "reserved", "attempts": 1, "save_id": "s3"}}
    found = plan(situation(dt.date(2024, 12, 12), status, log=log)).send
    assert keys(found) == ["late:2024-11:ves2@lensk.ru"]
    assert (found[0].attempts, found[0].retry_of) == (1, "s2")
    log["late:2024-11:ves2@lensk.ru"] = {"state": "failed", "attempts": 3, "save_id": "s4"}
    assert plan(situation(dt.date(2024, 12, 12), status, log=log)).send == []
    log["late:2024-11:ves2@lensk.ru"] = {"state": "bounced", "attempts": 1, "save_id": "s5"}
    assert plan(situation(dt.date(2024, 12, 12), status, log=log)).send == []


def test_a_person_who_turned_reminders_off_gets_none():
    status = {("ves", "2024-11"): "missing", ("lpt", "2024-11"): "missing"}
    found = plan(situation(dt.date(2024, 12, 11), status, quiet=frozenset({"ves2@lensk.ru", "coord@lensk.ru"})))
    assert keys(found.send) == ["late:2024-11:ves@lensk.ru", "late:2024-11:lpt@lensk.ru"]
    assert keys(found.quiet) == ["late:2024-11:ves2@lensk.ru", "digest:2024-11:coord@lensk.ru"]


def test_without_the_base_address_the_message_says_where_to_go_and_months_outside_the_plan_are_not_asked_for():
    status = {("ves", "2024-11"): "missing", ("lpt", "2024-11"): "on_time"}
    m = plan(situation(dt.date(2024, 12, 11), status, base_url="")).send[0]
    assert "Открыть отчёт: войдите в приложение комиссии." in m.body
    assert plan(situation(dt.date(2024, 12, 11), status, span=("2023-01", "2024-10"))).send == []
    assert link("https://x.ru/app/", "entry", participant="a b", month="2024-11") == "https://x.ru/app/entry?participant=a+b&month=2024-11"


def test_the_coordinator_sees_failures_refusals_and_sends_stuck_for_a_quarter_of_an_hour():
    import pandas as pd

    from lib.core import fmt
    from lib.domain.reminders import log_table, preview_table, trouble

    fmt.use_zone("Asia/Yakutsk")
    log = pd.DataFrame({
        "message_key": ["a", "b", "c", "d", "e"], "reason": ["late", "late", "before", "digest", "returned"],
        "period": ["2024-11"] * 5, "login": ["ves@lensk.ru", "ves2@lensk.ru", "lpt@lensk.ru", "coord@lensk.ru", "lpt@lensk.ru"],
        "participant_id": ["ves", "ves", "lpt", None, "lpt"], "state": ["sent", "failed", "reserved", "reserved", "bounced"],
        "attempts": [1, 2, 1, 1, 1], "detail": [None, "почтовый сервер не ответил вовремя", None, None, "почтовый сервер отклонил адрес"],
        "saved_at": ["2024-12-11T00:00:00+00:00", "2024-12-11T00:01:00+00:00", "2024-12-11T00:02:00+00:00",
                     "2024-12-11T00:20:00+00:00", "2024-12-11T00:03:00+00:00"]})
    now = dt.datetime(2024, 12, 11, 0, 30, tzinfo=dt.UTC)  # «c» reserved 28 min ago: stuck; «d» 10 min ago: still sending
    assert trouble(log, now)["message_key"].tolist() == ["b", "c", "e"]
    table = log_table(trouble(log, now), {"ves": "ВЭС", "lpt": "ЛПТЭС"}, limit=2)
    assert table.to_dict("list") == {
        "Когда": [pd.Timestamp("2024-12-11 09:03"), pd.Timestamp("2024-12-11 09:02")], "Кому": ["lpt@lensk.ru", "lpt@lensk.ru"],
        "Причина": ["возврат на доработку", "срок подходит"], "Месяц": ["ноябрь 2024", "ноябрь 2024"], "Участник": ["ЛПТЭС", "ЛПТЭС"],
        "Состояние": ["адрес отклонён", "отправляется"], "Попыток": [1, 1], "Ошибка": ["почтовый сервер отклонил адрес", ""]}
    messages = plan(situation(dt.date(2024, 12, 11), {("ves", "2024-11"): "missing"})).send[:1]
    assert preview_table(messages).to_dict("records") == [
        {"Кому": "Иванова А.П. <ves@lensk.ru>", "Причина": "срок прошёл", "Месяц": "ноябрь 2024",
         "Тема": "Срок прошёл: отчёт за ноябрь 2024 не сдан"}]
