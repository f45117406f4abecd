"""Issue 27, «Russian all the way»: what a person sees in-process (AppTest) and the helpers behind it — download
names in Russian with their period, the store's location only to the coordinator and only as a name, one empty
choice in dropdowns, «—» for an empty value, figures with the digits of the grid, a message once per page, a plan
item with an executor and a deadline. The browser's side (800 and 1280 px, both locales) is tests/e2e/test_russian_layout.py."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from lib.core.config import PROJECT_ROOT
from lib.domain.present import file_name, period_of
from tests.support.downloads import collect
from tests.support.shown import opened

PERIOD = "2024-01–2024-12"  # «Свод» opens on the last twelve months of the demo


def page(login: str, path: str, state: dict | None = None):
    at = opened(login, path, state)
    assert not at.exception, [e.value for e in at.exception]
    return at


# ---- download names ---------------------------------------------------------------------------------


def test_a_file_is_named_by_its_title_and_period_as_windows_accepts_it():
    assert file_name("Ежемесячный отчёт", "2024-12", "csv") == "Ежемесячный отчёт 2024-12.csv"
    assert file_name("Поселения: долг и рост", period_of(["2024-12", "2024-01", None]), ".xlsx") == \
        "Поселения — долг и рост 2024-01–2024-12.xlsx"
    assert file_name('Бланк отчёта ООО "ВЭС" / Ленск?', "2024-12", "xlsx") == "Бланк отчёта ООО ВЭС Ленск 2024-12.xlsx"
    assert file_name("Участники", None, "csv") == "Участники.csv"
    assert period_of([]) is None and period_of(["2024-12", "2024-12"]) == "2024-12"


def test_every_download_is_named_in_russian_with_its_period(demo_reading_url, monkeypatch):
    take = collect(monkeypatch)
    page("commission@lensk.demo", "pages/dashboard.py")
    assert set(take(build=False)) == {f"{t} {PERIOD}.xlsx" for t in (
        "Поселения — долг и рост", "Организации ЖКК — долг и рост", "Сдача отчётов", "Не выполнено или просрочено",
        "Просроченные поручения комиссии", "Риск исковой давности", "Качество данных")}
    at = page("coordinator@lensk.demo", "pages/data.py")
    at.selectbox(key="data_tab").select("Ежемесячный отчёт").run()
    at.selectbox(key="data_tab").select("Участники").run()
    names = set(take(build=False))
    assert "Ежемесячный отчёт 2023-01–2024-12.csv" in names, names
    assert [n for n in names if n.startswith("Участники 20") and n.endswith(".csv")], names  # a tab without months: the day
    page("ves@lensk.demo", "pages/entry.py", {"entry_month": "2024-12"})
    assert set(take(build=False)) == {"Бланк отчёта ООО «Восточные энергетические сети» 2024-12.xlsx"}
    for name in names:
        assert not any("a" <= ch.lower() <= "z" for ch in name.rsplit(".", 1)[0]), f"{name}: Latin letters in a download name"


# ---- where the data lives ---------------------------------------------------------------------------


def start_page(login: str):
    """The page a person lands on after signing in (the sidebar is read there: AppTest's ``switch_page`` run shows an
    empty sidebar)."""
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60)
    at.session_state["user_login"] = login
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("login", ["ves@lensk.demo", "commission@lensk.demo"])
def test_only_the_coordinator_sees_where_the_data_lives(demo_reading_url, login):
    at = start_page(login)
    assert at.sidebar.markdown, "the sidebar was not read: the test could not fail"
    assert not [c.value for c in at.sidebar.caption if "Данные" in c.value or "sqlite" in c.value.lower()]


def test_the_coordinator_sees_the_store_by_name_never_a_server_path(demo_reading_url):
    at = start_page("coordinator@lensk.demo")
    shown = [c.value for c in at.sidebar.caption if c.value.startswith("Данные")]
    assert shown == ["Данные: встроенная база «demo»"], shown
    path = demo_reading_url[len("sqlite:///"):]
    every_text = " ".join(str(e.value) for e in (*at.caption, *at.sidebar.caption, *at.markdown, *at.warning, *at.info))
    assert path not in every_text and "/" + "tmp" not in every_text


def test_a_google_sheet_is_named_by_its_title_without_its_key(demo_sheets):
    _api, store = demo_sheets
    store.metadata(refresh=True)
    assert store.display_name().startswith("Google Таблица «") and store.key not in store.display_name()


# ---- a message once per page ---------------------------------------------------------------------------


@pytest.mark.parametrize("filters", [{"dash_resources": ["heating"]}, {"dash_settlements": ["lensk"], "dash_resources": ["heating"]},
                                     {"dash_settlements": ["vitim"], "dash_utilities": ["lptes"]}, {"dash_groups": ["population"]}],
                         ids=["resource", "settlement-resource", "nothing", "group"])
def test_the_summary_says_each_message_once(demo_reading_url, filters):
    at = page("commission@lensk.demo", "pages/dashboard.py", filters)
    boxes = [e.value for kind in (at.info, at.warning, at.error, at.success) for e in kind]
    assert boxes, "no message at all: the test could not fail"
    repeated = {text for text in boxes if boxes.count(text) > 1}
    assert not repeated, repeated


# ---- a plan item needs an executor and a deadline -----------------------------------------------------


def test_a_plan_item_is_checked_for_its_executor_and_deadline():
    from lib.auth.access import Rejected
    from lib.domain.plan_admin import check_measure

    with pytest.raises(Rejected, match=r"Не заполнено: «Исполнитель», «Сроки исполнения».*«без срока»"):
        check_measure({"measure": "Сверка", "executor": " ", "deadline": None})
    with pytest.raises(Rejected, match=r"Не заполнено: «Исполнитель»\.$"):
        check_measure({"measure": "Сверка", "executor": None, "deadline": "без срока"})
    check_measure({"measure": "Сверка", "executor": "ООО «ВЭС»", "deadline": "без срока"})


def plan_tools(tab: str):
    return page("coordinator@lensk.demo", "pages/plan.py", {"plan_tools_tab": tab})


def test_a_plan_item_with_only_a_name_is_refused_and_kept_as_typed(demo_store_url):
    from lib.store.sqlite_store import SQLiteStore

    store = SQLiteStore(demo_store_url[len("sqlite:///"):])
    before = len(store.read_all().current("plan"))
    at = plan_tools("Добавить мероприятие")
    at.text_area(key="add_measure:measure").input("Провести сверку с УФССП")
    next(b for b in at.button if b.label == "Добавить").click().run()
    assert any("«Исполнитель», «Сроки исполнения»" in e.value and "без срока" in e.value for e in at.error), [e.value for e in at.error]
    assert at.text_area(key="add_measure:measure").value == "Провести сверку с УФССП"
    assert len(store.read_all().current("plan")) == before
    at.text_input(key="add_measure:executor").input("Администрация района")
    at.text_input(key="add_measure:deadline").input("без срока")
    next(b for b in at.button if b.label == "Добавить").click().run()
    assert not at.error, [e.value for e in at.error]
    plan = store.read_all().current("plan")
    added = plan[plan.measure == "Провести сверку с УФССП"].iloc[0]
    assert len(plan) == before + 1 and added.executor == "Администрация района" and added.deadline == "без срока"


def test_a_plan_item_cannot_lose_its_executor_when_edited(demo_store_url):
    from lib.store.sqlite_store import SQLiteStore

    store = SQLiteStore(demo_store_url[len("sqlite:///"):])
    at = plan_tools("Изменить или исключить мероприятие")
    chosen = at.selectbox(key="plan_edit_measure").value
    executor = next(t for t in at.text_input if t.label == "Исполнитель")
    assert executor.value, "the demo measure has an executor: the test could not fail"
    executor.input("")
    next(b for b in at.button if b.label == "Сохранить новую версию").click().run()
    assert any("«Исполнитель»" in e.value for e in at.error), [e.value for e in at.error]
    assert store.read_all().record("plan", measure_id=chosen)["executor"]


# ---- one empty choice, «—» for an empty value, the digits of the grid ---------------------------------


def shown_cells(styler) -> list[list[str]]:
    """What ``st.dataframe`` reads from ``present.table``'s Styler: each column's display text (or the value)."""
    body = styler._translate(False, False)["body"]
    by_column = {int(column[0]["id"].split("col")[1]): [c["display_value"] for c in column] for column in body if column}
    data = styler.data
    return [[by_column[j][i] if j in by_column else str(data.iat[i, j]) for j in range(data.shape[1])] for i in range(len(data))]


def test_an_empty_cell_reads_a_dash_in_every_kind_of_column():
    import datetime as dt

    import pandas as pd

    from lib.domain import present

    frame = pd.DataFrame({"Статус": ["выполнено", None, "  "], "Срок": [dt.date(2024, 12, 5), None, None],
                          "Просрочено": pd.array([True, None, False], dtype="boolean"), "Сумма": [1234.5, None, 0.0],
                          "Номер": ["1", pd.NA, "2"]})
    assert shown_cells(present.table(frame)) == [["выполнено", "05.12.2024", "да", "1\u00a0234,5", "1"],
                                                 ["—", "—", "—", "—", "—"],
                                                 ["—", "—", "нет", "0,0", "2"]]
    assert present.table(frame).data["Статус"].tolist() == ["выполнено", "", "  "]  # the values stay as stored (sorting, files)


def entry_page(login: str = "ves@lensk.demo"):
    return page(login, "pages/entry.py", {"entry_month": "2024-12"})


def test_the_plan_status_dropdown_has_one_empty_choice_and_room_for_its_words(demo_reading_url):
    import json

    at = entry_page()
    configs = [json.loads(d.proto.columns) for d in at.dataframe if d.proto.editing_mode and "status" in json.loads(d.proto.columns)]
    assert len(configs) == 1, "the plan grid is not on the page: the test could not fail"
    status = configs[0]["status"]
    options = status["type_config"]["options"]
    # the «—» option is the only empty one: required keeps Streamlit from adding a blank option of its own beside it
    assert status.get("required") is True and [o for o in options if o["label"] in ("", "—")] == [{"value": "—", "label": "—"}]
    assert status.get("width") in ("medium", "large") or (isinstance(status.get("width"), int) and status["width"] >= 150)


def test_last_months_figures_read_with_the_digits_of_the_grid(demo_reading_url):
    from tests.support.shown import cells

    at = entry_page()
    table = next(cells(d) for d in at.dataframe if "Собираемость в прошлом месяце, %" in d.value.columns)
    figures = table.drop(columns=["Поселение", "Группа", "Собираемость, %", "Собираемость в прошлом месяце, %"])
    texts = [t for column in figures.columns for t in figures[column] if t != "—"]
    assert texts, "no figure of last month: the test could not fail"
    padded = [t for t in texts if "," in t and t.endswith("0")]
    assert not padded, f"figures padded with zeros the grid does not show: {padded[:5]}"


# ---- dates typed as ДД.ММ.ГГГГ, not a calendar in the browser's language ------------------------------


def commission(tab: str):
    return page("coordinator@lensk.demo", "pages/commission.py", {"commission_tab": tab})


def test_no_calendar_in_the_browsers_language_on_any_commission_tab(demo_reading_url):
    for tab in ("Заседания", "Решения и поручения", "Материалы к заседанию"):
        at = commission(tab)
        assert not at.date_input, f"«{tab}»: a calendar that speaks English in an en-US browser"
        dates = [t for t in at.text_input if t.placeholder == "ДД.ММ.ГГГГ"]
        assert dates and all(d.value == "" or len(d.value.split(".")) == 3 for d in dates), [(d.label, d.value) for d in dates]


def test_a_decision_with_a_date_that_does_not_exist_is_refused_and_kept_as_typed(demo_store_url):
    from lib.store.sqlite_store import SQLiteStore

    store = SQLiteStore(demo_store_url[len("sqlite:///"):])
    before = len(store.read_all().current("decisions"))
    at = commission("Решения и поручения")
    at.text_area(key="new_decision:text").input("Провести сверку расчётов с УК")
    at.selectbox(key="new_decision:responsible").set_value("ves")
    at.text_input(key="new_decision:due").input("31.02.2025")
    next(b for b in at.button if b.label == "Сохранить решение").click().run()
    assert any(e.value.startswith("«Срок»: «31.02.2025» — такой даты нет") for e in at.error), [e.value for e in at.error]
    assert at.text_input(key="new_decision:due").value == "31.02.2025" and len(store.read_all().current("decisions")) == before
    at.text_input(key="new_decision:due").input("31.03.2025")
    next(b for b in at.button if b.label == "Сохранить решение").click().run()
    decisions = store.read_all().current("decisions")
    assert len(decisions) == before + 1, [e.value for e in at.error]
    assert decisions[decisions.text == "Провести сверку расчётов с УК"].due_date.iloc[0].date().isoformat() == "2025-03-31"


def test_the_meeting_pack_takes_a_typed_date_and_keeps_the_proposed_one_for_a_wrong_text(demo_reading_url, monkeypatch):
    at = commission("Материалы к заседанию")
    proposed = at.text_input(key="pack_date").value
    at.text_input(key="pack_date").input("14.02.2025").run()
    assert any("данные за" in m.value for m in at.markdown) and not [e for e in at.error if "Дата заседания" in e.value]
    at.text_input(key="pack_date").input("14.13.2025").run()
    assert any(e.value.startswith("«Дата заседания»: «14.13.2025» — такой даты нет") for e in at.error), [e.value for e in at.error]
    assert proposed and any("Проект повестки" in m.value for m in at.markdown)  # the pack of the proposed date, not nothing


# ---- keys of the entry grid whole at 1280 px, pinned ---------------------------------------------------


def test_the_entry_grids_key_columns_are_pinned_and_as_wide_as_their_longest_name(demo_reading_url):
    import json

    at = page("yakutskenergo@lensk.demo", "pages/entry.py", {"entry_month": "2024-12"})  # nine settlements, Орто-Нахара among them
    grid = next(d for d in at.dataframe if d.proto.editing_mode)
    config, shown = json.loads(grid.proto.columns), grid.value
    longest = max(shown["Поселение"], key=len)
    assert len(longest) >= 24, f"«{longest}»: no long settlement name, the test could not fail"
    # ≈7.4 px a letter of the grid's 14 px font: a width below this cuts the name («МО «Беченчинский насле…»)
    assert config["Поселение"]["pinned"] and config["Поселение"]["width"] >= 7.4 * len(longest), config["Поселение"]
    assert config["Группа"]["pinned"] and config["Группа"]["width"] >= 7.4 * len("прочие потребители") + 16, config["Группа"]
    shown_columns = [c for c in shown.columns if not config.get(c, {}).get("hidden")]
    assert shown_columns[:3] == ["Поселение", "Группа", "debt_start"], shown_columns  # the figures right after the two keys
    assert not config["debt_start"].get("disabled"), config["debt_start"]


# ---- a long text read whole (a row chosen under its table) --------------------------------------------------------

def test_a_row_read_whole_as_the_table_shows_it():
    import datetime as dt

    import pandas as pd

    from lib.domain import present
    from lib.domain.present import row_text

    frame = pd.DataFrame({"Решение": ["Короткое", "Провести сверку с УФССП по исполнительным документам, находящимся на исполнении"],
                          "Срок": pd.to_datetime([dt.date(2025, 1, 17), None]), "Сумма": [1234.5, float("nan")],
                          "Действительно": [True, False], "Комментарий": ["", None]})
    assert row_text(frame, 1) == [("Решение", "Провести сверку с УФССП по исполнительным документам, находящимся на исполнении"),
                                  ("Срок", "—"), ("Сумма", "—"), ("Действительно", "нет"), ("Комментарий", "—")]
    assert row_text(frame, 0)[1:4] == [("Срок", "17.01.2025"), ("Сумма", "1\u00a0234,5"), ("Действительно", "да")]
    # a table's own digits: the row reads as its grid does
    indicator = pd.DataFrame({"Значение индикатора": [12.345, 3.0]})
    assert row_text(present.table(indicator, decimals={"Значение индикатора": present.EXACT}), 0) == [("Значение индикатора", "12,345")]
    assert row_text(indicator, 0) == [("Значение индикатора", "12,3")]


def test_a_text_shown_by_markdown_exactly_as_typed():
    from lib.ui.shell import as_typed

    assert as_typed("ООО *Теплосеть* (п. 1.2) #3 $5 a_b") == r"ООО \*Теплосеть\* \(п\. 1\.2\) \#3 \$5 a\_b"
    assert as_typed("-о субсидиях;\n-о приборах учета") == "\\-о субсидиях;  \n\\-о приборах учета"


def test_choosing_a_plan_row_shows_it_whole_under_the_table(demo_store_url):
    at = page("coordinator@lensk.demo", "pages/plan.py")
    assert any("нажмите на строку слева" in c.value for c in at.caption)
    at.session_state["plan_row"] = {"selection": {"rows": [5], "columns": [], "cells": []}}
    at.run()
    shown = " ".join(m.value for m in at.markdown)
    assert "**Мероприятие:** Информирование населения о возможных формах снижения задолженности" in shown
    assert "\\(установка энергосберегающих устройств" in shown  # the whole text, to its last line
    # the execution details below it: what was done, read whole too
    at.session_state["plan_detail_row"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    shown = " ".join(m.value for m in at.markdown)
    assert "**Что сделано:**" in shown and "**Мероприятие:**" in shown
