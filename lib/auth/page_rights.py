"""Which pages each role sees. Pure data so it can be tested without Streamlit."""

from __future__ import annotations

from dataclasses import dataclass

ALL_ROLES = ("executor", "commission", "coordinator")


@dataclass(frozen=True)
class PageSpec:
    path: str
    title: str
    icon: str
    roles: tuple[str, ...] = ALL_ROLES


PAGES = (
    PageSpec("pages/overview.py", "Обзор", ":material/home:"),
    PageSpec("pages/dashboard.py", "Свод", ":material/monitoring:"),
    PageSpec("pages/entry.py", "Ввод данных", ":material/edit_note:", ("executor", "coordinator")),
    PageSpec("pages/plan.py", "План мероприятий", ":material/checklist:"),
    PageSpec("pages/commission.py", "Комиссия", ":material/groups:"),
    PageSpec("pages/data.py", "Данные и история", ":material/table_view:"),
    PageSpec("pages/export.py", "Выгрузка", ":material/download:", ("coordinator",)),
    PageSpec("pages/admin.py", "Администрирование", ":material/admin_panel_settings:", ("coordinator",)),
)
LOGIN = PageSpec("pages/login.py", "Вход", ":material/login:")


def registered() -> list[PageSpec]:
    """Every page is always registered (hidden when not the role's), so a page never vanishes
    under a session when it signs in or out; each page still checks who may use it."""
    return [LOGIN, *PAGES]


def pages_for(role: str | None) -> list[PageSpec]:
    """A signed-out visitor sees only the login page; nobody is linked to a page they may not use."""
    if role is None:
        return [LOGIN]
    return [p for p in PAGES if role in p.roles]


def page_at(path: str) -> PageSpec:
    """The page a path of the app names (``/data``, ``admin``); the root and anything unknown is «Обзор»,
    the start page."""
    name = path.strip("/")
    return next((p for p in registered() if p.path.removeprefix("pages/").removesuffix(".py") == name), PAGES[0])


def openable_reports(signed_in, quality, months: list[str]):
    """The reports named by data-quality findings that this person can open on «Ввод данных» (the coordinator
    any, an executor its own; a member of the commission none) for a month that can be opened, with how
    many findings each has («замечаний: 3»)."""
    import pandas as pd

    if signed_in.role not in ("coordinator", "executor") or quality.empty:
        return pd.DataFrame(columns=["participant_id", "month", "findings"])
    rows = quality[quality.month.isin(months)]
    if signed_in.role == "executor":
        rows = rows[rows.participant_id == signed_in.participant_id]
    counts = rows.groupby(["participant_id", "month"], sort=False).size().reset_index(name="n")
    counts["findings"] = [f"замечаний: {n}" for n in counts.n]
    return counts.drop(columns="n")
