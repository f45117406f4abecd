"""«Свод»: the commission's one-screen view. Figures from lib.domain.summary.execute, charts from lib.ui.charts."""

import streamlit as st

from lib.auth.page_rights import openable_reports
from lib.core import fmt, memo
from lib.domain import present
from lib.domain import summary_views as views
from lib.domain.categories import group_labels, resource_labels
from lib.domain.monthly import names as participant_names
from lib.domain.monthly import selectable_months as entry_months
from lib.domain.settings import read_settings
from lib.domain.summary import Filters, execute
from lib.ui import charts, reminder_forms, shell

user = shell.require_user()
snap = shell.snapshot()
settings = read_settings(snap)
names = participant_names(snap)
participants = snap.current("participants")
months = sorted(snap.current("monthly_reports").month.dropna().unique())
st.title("Свод")
if not months:
    st.info("Отчётов пока нет: свод появится, когда организации ЖКК сдадут первый месяц.")
    st.stop()

with st.expander("Фильтры", expanded=False, icon=":material/filter_alt:"):
    c1, c2, c3 = st.columns(3)
    period = c1.select_slider("Период", months, value=(months[max(0, len(months) - 12)], months[-1]),
                              format_func=fmt.month_label, key="dash_period", persist_state="session")
    utilities = participants[participants.kind == "utility"].id.tolist()
    chosen_utilities = c2.multiselect("Организации ЖКК", utilities, format_func=names.get, key="dash_utilities", placeholder="все",
                                  persist_state="session", select_all=False)
    settlements = participants[participants.kind == "settlement"].id.tolist()
    chosen_settlements = c3.multiselect("Поселения", settlements, format_func=names.get, key="dash_settlements", placeholder="все",
                                    persist_state="session", select_all=False)
    groups = group_labels()
    resources = resource_labels()
    kinds = snap.schema["participants"].column("kind").labels
    chosen_groups = c1.multiselect("Группа потребителей", list(groups), format_func=groups.get, key="dash_groups", placeholder="все",
                                   persist_state="session", select_all=False)
    chosen_resources = c2.multiselect("Ресурс", list(resources), format_func=resources.get, key="dash_resources", placeholder="все",
                                      persist_state="session", select_all=False)
    chosen_kinds = c3.multiselect("Вид участника (для плана)", list(kinds), format_func=kinds.get, key="dash_kinds", placeholder="все",
                                  persist_state="session", select_all=False)
    shell.caption_multiselect()
drill = st.selectbox("Подробно по организации", [None, *utilities], format_func=lambda p: "все организации" if p is None else names[p],
                     key="dash_drill", persist_state="session")
filters = Filters(period[0], period[1], tuple(chosen_settlements), (drill,) if drill else tuple(chosen_utilities),
                  tuple(chosen_kinds), tuple(chosen_groups), tuple(chosen_resources))
result = execute(snap, filters, settings, shell.today())

st.caption(views.tiles_caption(result))
with st.container(horizontal=True, key="dash_tiles"):  # tiles wrap onto the next row when the screen is narrow
    for tile in views.tiles(result, names, settings):
        st.metric(tile.label, tile.value, tile.delta, delta_color=tile.color, help=tile.help, border=True, delta_arrow=tile.arrow)
say = shell.once()  # a filter that a figure cannot honour is explained once, where it first applies
if result.no_data:
    say(result.no_data, kind="warning", icon=":material/filter_alt_off:")
say(views.forecast_sentence(result, settings, names), icon=":material/trending_down:")
if views.notes_caption(result, names):
    st.caption(views.notes_caption(result, names))
limits = result.limits


def workbook(frame, title: str) -> bytes:
    from lib.files.xlsx_tables import table_xlsx  # openpyxl is imported at the first download, not at every server start

    return table_xlsx(frame, title)


def download(frame, title: str, key: str) -> None:
    # «Поселения — долг и рост 2024-01–2024-12.xlsx»: the table's title and the period chosen
    name = present.file_name(title, present.period_of([filters.month_from, filters.month_to]), "xlsx")
    shell.table_download("Скачать в Excel", lambda: workbook(frame, title), frame, file_name=name, key=f"xlsx-{key}",
                         mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def chart(where, key: str, build, name: str | None = None) -> None:
    """A chart, or why the filters do not apply to it (never district figures beside filtered ones).
    Its Vega-Lite spec (a dict, lib/ui/charts.py, no Altair) is built once per result, not validated on the page (the
    tests validate every chart's spec): a rerun with the same figures draws the same spec."""
    if key in limits or result.no_data:
        say(limits.get(key) or result.no_data, where)
    else:
        spec = memo.recent(result, "charts", name or key, build, keep=8)
        where.vega_lite_chart(spec, width="stretch")


def shown(key: str, build) -> present.Shown:
    """A table of the page and its Russian text, built once per result like the charts: a rerun with the same
    figures draws the same prepared table (``present.styled`` gives this run its own Styler)."""
    return memo.recent(result, "tables", key, lambda: present.prepare(build(), reused=True), keep=16)


# month-by-month charts two to a row; the bar charts with long category names get the whole width
left, right = st.columns(2)
chart(left, "debt", lambda: charts.debt_chart(result.totals, result.target, filters.months))
chart(right, "collection", lambda: charts.collection_chart(result.collection_by_month, groups))
left, right = st.columns(2)
chart(left, "structure", lambda: charts.aging_chart(result.aging), name="aging")
enforcement_target = None if "enforcement_target" in limits else settings["enforcement_monthly_target"]
chart(right, "enforcement", lambda: charts.enforcement_chart(result.enforcement, enforcement_target))
if "enforcement_target" in limits and "enforcement" not in limits:
    right.caption(limits["enforcement_target"])
chart(st, "structure", lambda: charts.bars(result.resources.assign(Ресурс=result.resources.resource.map(resources)), "Ресурс", "amount",
                                           "Просроченная задолженность по ресурсам", f"на конец {fmt.month_label(result.month, 'gen')}"),
      name="resources")
chart(st, "claims", lambda: charts.funnel_chart(result.funnel["stages"]))
if "claims" not in limits:
    st.caption(f"Должники свыше порога — на конец периода. Заявлений на одного должника: "
               f"{fmt.number(result.funnel['applications_per_debtor'], 3)}; исполнительных документов на одно решение: "
               f"{fmt.number(result.funnel['writs_per_decision'], 2)}; "
               f"взыскано по ИП за период: {fmt.money(result.funnel['recovered'])} тыс. руб.")

rankings = (("Поселения: долг и рост", "settlements", result.settlements), ("Организации ЖКК: долг и рост", "utilities", result.utilities))
for title, key, frame in rankings:
    if "debt" in limits:  # said above, at the charts: the ranking is left out
        say(limits["debt"])
        continue
    st.subheader(title)
    table = shown(key, lambda frame=frame: views.ranking_table(frame, names, filters.month_from))
    shell.table(present.styled(table), hide_index=True, width="stretch")
    download(table.frame, title, key)

st.subheader(f"Кто сдал отчёт (срок — до {settings['report_due_day']} числа)")
filing = shown("filing", lambda: views.filing_table(result.filing, names))
shell.table(present.styled(filing), hide_index=True, width="stretch")
download(filing.frame, "Сдача отчётов", "filing")
reminder_forms.remind_panel(user, snap, shell.today())  # «Напомнить»: the coordinator's preview and sending

st.subheader("Исполнение плана")
p1, p2 = st.columns([1, 3])
shell.table(present.styled(shown("plan-status", lambda: views.plan_status_table(result.plan_summary))), where=p1, hide_index=True, width="stretch")
overdue = shown("plan-overdue", lambda: views.plan_overdue_table(result.plan, names))
p2.markdown(f"**{views.ATTENTION_LABEL}: {len(overdue.frame)}**")
shell.table(present.styled(overdue), where=p2, hide_index=True, width="stretch")
download(overdue.frame, views.ATTENTION_LABEL, "plan-overdue")

late_orders = shown("decisions-overdue", lambda: views.overdue_decisions_table(result.decisions, names))
st.subheader(f"Просроченные поручения комиссии: {len(late_orders.frame)}")
if len(late_orders.frame):
    shell.table(present.styled(late_orders).apply(lambda r: ["background-color: #fde7e9"] * len(r), axis=1), hide_index=True, width="stretch")
    download(late_orders.frame, "Просроченные поручения комиссии", "decisions-overdue")

st.subheader("Риск исковой давности")
if "claims" in limits:
    if not say(limits["claims"]):
        st.caption("Не показывается при выбранных фильтрах — пояснение выше.")
else:
    risk = shown("limitation", lambda: views.limitation_table(result.limitation, names))
    shell.table(present.styled(risk), hide_index=True, width="stretch")
    download(risk.frame, "Риск исковой давности", "limitation")

st.subheader("Качество данных")
quality = shown("quality", lambda: views.quality_table(result.quality, names).drop(columns="Открыть"))
if quality.frame.empty and not result.problems:
    st.success("Замечаний нет.")
else:
    shell.table(present.styled(quality), hide_index=True, width="stretch")
    download(quality.frame, "Качество данных", "quality")
    # «к отчёту»: a link of this app, in this tab and this session (a link column opens a new tab)
    reports = openable_reports(user, result.quality, entry_months(shell.today(), settings))
    if len(reports):
        links = st.container(horizontal=True)
        for r in reports.to_dict("records"):
            links.page_link("pages/entry.py", label=f"{names.get(r['participant_id'], r['participant_id'])}, "
                            f"{fmt.month_label(r['month'])} — к отчёту ({r['findings']})", icon=":material/edit_note:",
                            query_params={"participant": r["participant_id"], "month": r["month"]})
    for problem in result.problems:
        st.warning(str(problem))
