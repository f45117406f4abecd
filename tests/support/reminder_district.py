"""A small district for the reminder tests, written into a real store: two utilities that file monthly,
their executors, a coordinator, mail settings pointing at a loopback SMTP server, and November 2024 filed
by ЛПТЭС only."""

from __future__ import annotations

COORDINATOR = "coord@lensk.ru"
VES = ("ves@lensk.ru", "ves2@lensk.ru")
LPT = "lpt@lensk.ru"
LATE_DAY = "2024-12-11"

USERS = [
    {"login": COORDINATOR, "name": "Беляев И.А.", "role": "coordinator", "participant_id": None, "active": True},
    {"login": VES[0], "name": "Иванова А.П.", "role": "executor", "participant_id": "ves", "active": True},
    {"login": VES[1], "name": "Петров В.В.", "role": "executor", "participant_id": "ves", "active": True},
    {"login": LPT, "name": "Сидорова Е.К.", "role": "executor", "participant_id": "lpt", "active": True},
    {"login": "member@lensk.ru", "name": "Член комиссии", "role": "commission", "participant_id": None, "active": True},
]


def report(participant: str, month: str) -> dict:
    return {"participant_id": participant, "settlement_id": "lensk", "month": month, "consumer_group": "population",
            "debt_start": 100, "accrued": 50, "paid": 40, "recovered_enforcement": 0, "overdue": 60}


def mail_settings(port: int, **more) -> list[dict]:
    values = {"reminders_enabled": "да", "smtp_host": "127.0.0.1", "smtp_port": str(port), "smtp_security": "нет",
              "smtp_sender": "dolg@lensk.ru", "app_base_url": "https://dolg.lensk.ru", **more}
    return [{"key": k, "value": v, "description": None} for k, v in values.items()]


def seed(store, port: int, **settings) -> None:
    store.save({
        "participants": [
            {"id": "lensk", "name": "г. Ленск", "kind": "settlement", "files_monthly": False, "active": True},
            {"id": "ves", "name": "ООО «Витимэнергосбыт»", "kind": "utility", "files_monthly": True, "active": True},
            {"id": "lpt", "name": "ЛПТЭС", "kind": "utility", "files_monthly": True, "active": True},
        ],
        "users": USERS,
        "settings": mail_settings(port, **settings),
    }, "test-setup")
    store.save({"monthly_reports": [report("lpt", "2024-11"), report("lpt", "2024-10"), report("ves", "2024-10")]}, "test-setup")
