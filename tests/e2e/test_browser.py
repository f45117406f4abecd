"""A real browser (Debian chromium via Playwright) against ``streamlit run``.

Fails, never skips, when chromium is missing: CI installs it (.ci/run).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.browser import (
    ARTIFACTS,
    VIEWPORT,
    confirm_and_save,
    field,
    idle,
    open_login,
    open_tab,
    paste,
    paste_cells,
    rerun_after,
    sign_in,
    type_cell,
    wait_for_tables,
)

# the fixtures are in tests/conftest.py: «page» (a ru-RU tab in a context of its own on the one Chromium of this
# pytest process), «server» (streamlit on a private copy of the demo, for a test that saves) and «reading_server»
# (one streamlit for every test that only reads)


def test_a_newcomer_signs_in_sees_the_demo_district_and_browses_history(reading_server, page):
    server = reading_server
    open_login(page, server)
    sign_in(page, "coordinator@lensk.demo", "не-тот")
    page.get_by_text("Неверный логин или пароль.").wait_for(timeout=30000)
    page.screenshot(path=str(ARTIFACTS / "login-error.png"), full_page=True)
    sign_in(page, "coordinator@lensk.demo", "demo-coordinator")
    page.get_by_text("Комиссия по задолженности за ЖКУ — Ленский район").wait_for(timeout=30000)
    page.get_by_text("Беляев И.А.").wait_for(timeout=30000)
    assert page.get_by_role("link", name="Администрирование").is_visible()
    assert not page.get_by_text("Page not found").count() and not page.get_by_text("не найдена").count()
    assert page.get_by_text("Демонстрационные данные").first.is_visible()
    page.get_by_text("Все ячейки распознаны").wait_for(timeout=30000)
    wait_for_tables(page, 1)
    page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)
    page.get_by_role("link", name="Данные и история").click()
    page.get_by_text("Данные и история изменений").wait_for(timeout=30000)
    page.get_by_text("История записи").wait_for(timeout=30000)
    wait_for_tables(page, 2)
    page.screenshot(path=str(ARTIFACTS / "data.png"), full_page=True)
    page.get_by_role("button", name="Выйти").click()
    page.get_by_role("heading", name="Вход").wait_for(timeout=30000)
    assert not page.errors, page.errors


def test_an_executor_sees_only_its_pages_and_a_returned_month(reading_server, page):
    open_login(page, reading_server)
    sign_in(page, "tsk@lensk.demo", "demo-tsk")
    page.get_by_text("возвращён на доработку").wait_for(timeout=30000)
    assert page.get_by_role("link", name="Администрирование").count() == 0
    page.screenshot(path=str(ARTIFACTS / "executor-home.png"), full_page=True)
    assert not page.errors, page.errors


def test_a_page_opened_by_address_without_signing_in_asks_to_sign_in(reading_server, page):
    page.goto(f"{reading_server}/admin")
    page.get_by_role("heading", name="Вход").wait_for(timeout=30000)
    assert page.get_by_text("Закрытие кварталов").count() == 0


def test_the_dashboard_draws_its_charts_without_browser_errors(reading_server, page):
    open_login(page, reading_server)
    sign_in(page, "commission@lensk.demo", "demo-commission")
    page.get_by_role("link", name="Свод").click()
    page.get_by_text("Показатели за декабрь 2024").wait_for(timeout=30000)
    page.wait_for_function("document.querySelectorAll('[data-testid=\"stVegaLiteChart\"] canvas, "
                           "[data-testid=\"stVegaLiteChart\"] svg').length >= 6", timeout=60000)
    wait_for_tables(page, 3)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
    assert not page.errors, page.errors


def test_a_utility_files_a_month_and_the_dashboard_counts_it(server, page, tmp_path):
    from lib.files.excel_forms import build_workbook
    from lib.store.sqlite_store import SQLiteStore
    from tests.support.entry import MONTH, valid_monthly, valid_structure
    from tests.support.excel_files import fill

    db = Path(tmp_path.joinpath("db-path").read_text())
    snap = SQLiteStore(db).read_all()
    monthly = valid_monthly(snap)
    filled = tmp_path / "отчёт-декабрь.xlsx"
    filled.write_bytes(fill(snap, build_workbook(snap, "ves", MONTH), monthly, valid_structure(snap, monthly)))

    open_login(page, server)
    sign_in(page, "ves@lensk.demo", "demo-ves")
    page.get_by_role("link", name="Свод").click()
    page.get_by_text("6 из 7").wait_for(timeout=30000)
    page.get_by_role("link", name="Ввод данных").click()
    page.get_by_text("Статус месяца: не подан").wait_for(timeout=30000)
    page.get_by_role("tab", name="Excel без интернета").click()
    page.locator("input[type=file]").set_input_files(str(filled))
    page.get_by_role("button", name="Сохранить загруженное").click()
    page.get_by_text("Файл загружен и сохранён").first.wait_for(timeout=30000)
    page.get_by_text("Статус месяца: подан").wait_for(timeout=30000)
    page.screenshot(path=str(ARTIFACTS / "entry-filed.png"), full_page=True)
    page.get_by_role("link", name="Свод").click()
    page.get_by_text("7 из 7").wait_for(timeout=30000)
    assert not page.errors, page.errors


def test_the_coordinator_keeps_two_meetings_of_one_day_edits_a_decision_and_closes_a_quarter_knowingly(server, page, tmp_path):
    import re

    from lib.store.sqlite_store import SQLiteStore

    open_login(page, server)
    sign_in(page, "coordinator@lensk.demo", "demo-coordinator")
    page.get_by_role("link", name="Комиссия").click()
    page.get_by_role("heading", name="Комиссия").wait_for(timeout=30000)
    for number in ("14", "15"):  # the regular meeting and an extraordinary one the same day
        page.get_by_label("Номер протокола").first.fill(number)
        page.get_by_role("button", name="Сохранить заседание").click()
        page.get_by_text(re.compile(f"Заседание № {number} от .* записано")).wait_for(timeout=30000)

    page.get_by_role("tab", name="Решения и поручения").click()
    page.get_by_label("Текст решения").first.fill("Представить график погашения задолженности")
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Ответственный").first.click()
    page.keyboard.type("ЛПТЭС")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Сохранить решение").click()
    page.get_by_text("Решение записано.").wait_for(timeout=30000)
    assert page.get_by_role("tab", name="Решения и поручения").get_attribute("aria-selected") == "true"
    assert page.get_by_text("Решение записано.").count() == 1  # said once, where the form is
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Решение").first.click()
    page.keyboard.type("Представить график")
    page.keyboard.press("Enter")
    page.get_by_label("Текст решения").nth(1).wait_for(timeout=30000)
    page.wait_for_function("[...document.querySelectorAll('textarea')].some(t => t.value === 'Представить график погашения задолженности')")
    idle(page)  # the run that drew the form is over: the form of the decision shown before is gone, not just stale
    page.get_by_label("Текст решения").nth(1).fill("Представить график погашения задолженности до 31 января")
    page.get_by_label("Текст решения").nth(1).press("Tab")  # separate fields (a draft), not an st.form: sent on leaving the field
    idle(page)
    page.get_by_role("button", name="Сохранить новую версию").click()
    page.get_by_text("Решение сохранено новой версией.").wait_for(timeout=30000)
    page.screenshot(path=str(ARTIFACTS / "commission-decisions.png"), full_page=True)

    page.get_by_role("link", name="Администрирование").click()
    page.get_by_role("tab", name="Закрытие кварталов").click()
    page.get_by_text("на доработке: ООО «Теплостройкомплекс», ноябрь 2024").wait_for(timeout=30000)
    close = page.get_by_role("button", name="Закрыть 4 квартал 2024 г.")
    assert close.is_disabled()
    page.get_by_text("Всё равно закрыть квартал").click()
    close.click()
    page.get_by_text("4 квартал 2024 г.: закрыт.").wait_for(timeout=30000)
    page.screenshot(path=str(ARTIFACTS / "admin-quarter-closed.png"), full_page=True)
    assert not page.errors, page.errors

    snap = SQLiteStore(Path(tmp_path.joinpath("db-path").read_text())).read_all()
    meetings = snap.current("meetings")
    ours = meetings[meetings.number.isin(["14", "15"])]
    assert len(ours) == 2 and ours.date.nunique() == 1
    decision = snap.current("decisions").iloc[-1]
    assert decision.text.endswith("до 31 января") and decision.responsible_id == "lptes" and decision.meeting_id in set(ours.meeting_id)
    assert len(snap.history("decisions", decision_id=decision.decision_id)) == 2
    assert snap.current("locks").set_index("quarter").loc["2024-Q4", "locked"]


# ---- issue 10: what a person types or pastes is what is stored, in a Russian and an English browser ----

FORMATS = {  # each input of the issue, for the figure 1 234,5 (ru-RU) and 2 345,6 (en-US)
    "ru-RU": (1234.5, ["1 234,5", "1\u00a0234,5", "1\u202f234,5", "1234,5", "1234.5"]),
    "en-US": (2345.6, ["2 345,6", "2\u00a0345,6", "2\u202f345,6", "2345,6", "2345.6"]),
}


@pytest.mark.timeout(600)  # ≈1.5 min on a quiet machine, 5.5 min measured at load 15–19 on a shared one (pytest's 300 s)
def test_typed_and_pasted_russian_numbers_are_stored_exactly_in_ru_and_en_browsers(server, chromium, tmp_path):
    """Each input of issue 10 typed and pasted into the monthly report, the debt structure, the plan indicator and the
    claims form, saved, and read back from the store — in a ru-RU and then an en-US Chromium (Streamlit's number cells
    read a pasted «15226,84» as 1 522 684 and a typed «1234,5» in en-US as 12345)."""
    from lib.store.sqlite_store import SQLiteStore

    db = Path(tmp_path.joinpath("db-path").read_text())
    for locale, (figure, typed) in FORMATS.items():
        context = chromium.new_context(viewport=VIEWPORT, locale=locale)
        try:
            context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
            try:
                fill_every_form(page, server, typed, locale)
            except Exception:
                page.screenshot(path=str(ARTIFACTS / f"failed-{locale}.png"), full_page=True)
                print("alerts on the page:", page.locator("[data-testid='stAlert']").all_inner_texts())
                raise
            assert not errors, errors
        finally:
            context.close()
        check_stored(SQLiteStore(db).read_all(), figure, locale)


def fill_every_form(page, server: str, typed: list[str], locale: str) -> None:
    open_login(page, server)
    sign_in(page, "ves@lensk.demo", "demo-ves")
    page.get_by_role("link", name="Ввод данных").click()
    page.get_by_text("Статус месяца").wait_for(timeout=30000)
    wait_for_tables(page, 1)
    idle(page)

    # monthly report: columns Поселение, Группа, debt at start (2), accrued (3), paid, recovered, overdue (6), written off
    for row in range(4):
        type_cell(page, row, 3, typed[row])  # accrued: space, U+00A0, U+202F, no separator
    type_cell(page, 0, 2, typed[4])  # debt at start: a decimal dot
    paste_cells(page, 0, 4, [[typed[(row + k) % 5] for k in range(3)] for row in range(4)])  # paid…overdue from Excel
    type_cell(page, 0, 7, "-5")
    page.get_by_text("не может быть отрицательным").first.wait_for(timeout=30000)
    assert page.get_by_role("button", name="Сохранить отчёт").is_disabled()
    type_cell(page, 0, 7, "0")
    confirm_and_save(page, "Сохранить отчёт")
    page.screenshot(path=str(ARTIFACTS / f"entry-typed-{locale}.png"), full_page=True)

    # debt structure: Поселение, Группа, Ресурс, then the five aging buckets (3…7); each line sums to its overdue
    open_tab(page, "Структура задолженности")
    paste_cells(page, 0, 3, [[typed[row], "0", "0", "0", "0"] for row in range(4)])
    type_cell(page, 3, 3, typed[4])
    confirm_and_save(page, "Сохранить структуру")

    # plan: Пункт, Мероприятие, Период, Статус, indicator (4), what was done; rows 0 and 2 are already «выполнено»
    open_tab(page, "Исполнение плана")
    type_cell(page, 0, 4, typed[0])
    paste_cells(page, 2, 4, [[typed[1]]])
    confirm_and_save(page, "Сохранить исполнение плана")

    # claims: text fields, a value taken on Tab; a sum typed or pasted in each format, a negative count refused
    open_tab(page, "Претензионная работа")
    sums = ["Сумма заявлений в суд, тыс. руб.", "Сумма решений, тыс. руб.", "Сумма ИД приставам, тыс. руб.",
            "Сумма реструктуризации, тыс. руб.", "Списано пеней, тыс. руб."]
    for i, label in enumerate(sums):
        field(page, label).click()
        field(page, label).press("Control+a")
        if i % 2:
            paste(page, typed[i])
        else:
            page.keyboard.type(typed[i], delay=20)
        rerun_after(page, lambda: page.keyboard.press("Tab"))
    for label, value in (("Должников свыше порога, шт.", "-5"), ("Подано заявлений в суд, шт.", "3"),
                         ("Получено решений (приказов), шт.", "3"), ("Направлено ИД приставам, шт.", "2")):
        if field(page, label).input_value() != value:  # the second pass finds the counts saved by the first
            field(page, label).fill(value)
            rerun_after(page, lambda: page.keyboard.press("Tab"))
    page.get_by_text("не может быть отрицательным").first.wait_for(timeout=30000)
    assert page.get_by_role("button", name="Сохранить претензионную работу").is_disabled()
    field(page, "Должников свыше порога, шт.").fill("125")
    rerun_after(page, lambda: page.keyboard.press("Tab"))
    confirm_and_save(page, "Сохранить претензионную работу")


def check_stored(snap, figure: float, locale: str) -> None:
    def dec(tab, snap=snap):
        rows = snap.current(tab)
        return rows[(rows.participant_id == "ves") & (rows.month == "2024-12")]

    monthly = dec("monthly_reports")
    assert len(monthly) == 4
    for k in ("accrued", "paid", "recovered_enforcement", "overdue"):
        assert monthly[k].tolist() == [figure] * 4, (locale, k, monthly[k].tolist())
    assert monthly.debt_start.iloc[0] == figure and monthly.written_off.iloc[0] == 0, (locale, monthly.debt_start.tolist())
    structure = dec("debt_structure")
    assert structure.age_1_3.tolist() == [figure] * 4 and (structure.age_over_36 == 0).all()
    progress = snap.current("plan_progress").query("participant_id == 'ves' and period == '2024-Q4'")
    assert progress.set_index("measure_id").loc[["2023/2024-2", "2023/2024-4"], "indicator_value"].tolist() == [figure] * 2
    claims = dec("claims_work").iloc[0]
    assert [claims[k] for k in ("court_applications_sum", "court_decisions_sum", "writs_sent_sum", "restructuring_sum",
                                "penalties_waived")] == [figure] * 5
    assert (claims.debtors_over_threshold, claims.court_applications, claims.writs_sent) == (125, 3, 2)
