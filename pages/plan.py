"""«План мероприятий»: the plan as approved, its execution matrix, and the coordinator's tools."""

import streamlit as st

from lib import fmt, plan_admin, ui
from lib import plan_views as views
from lib.entry import names as participant_names
from lib.periods import months_range
from lib.plan_rules import execution_matrix, execution_summary

user = ui.require_user()
snap = ui.snapshot()
names = participant_names(snap)
plan_all = snap.current("plan")
plans = sorted(plan_all.plan_id.dropna().unique(), reverse=True)
st.title("План мероприятий")
if not plans:
    st.info("План ещё не заведён. Координатор может создать его из образца ниже.")
plan_id = st.selectbox("План", plans, key="plan_id") if plans else None
plan = plan_all[(plan_all.plan_id == plan_id) & (plan_all.retired.fillna(False) == False)]  # noqa: E712

if plan_id:
    st.subheader("Утверждённый план")
    st.dataframe(views.plan_table(plan), hide_index=True, width="stretch",
                 column_config={"Мероприятие": st.column_config.TextColumn(width="large")})

    st.subheader("Исполнение")
    months = months_range("2023-01", ui.today().strftime("%Y-%m"))
    reported = sorted(set(snap.current("monthly_reports").month.dropna())) or months
    first, last = st.select_slider("Период", months, value=(max(months[0], reported[-1][:4] + "-01"), min(months[-1], reported[-1])),
                                   format_func=fmt.month_label, key="plan_period")
    matrix = execution_matrix(snap, months_range(first, last), ui.today())
    matrix = matrix[matrix.measure_id.isin(plan.measure_id)]
    counts = execution_summary(matrix)
    cols = st.columns(len(counts))
    for col, (status, n) in zip(cols, counts.items()):
        col.metric(views.STATUS_LABELS[status], n, border=True)
    periods = sorted(matrix.period.unique())
    if periods:
        period = st.selectbox("Отчётный период для матрицы", periods, index=len(periods) - 1, format_func=views.period_label,
                              key="plan_matrix_period")
        table = views.matrix_table(matrix[matrix.period == period], names)
        st.dataframe(table.style.map(views.color_status, subset=table.columns[1:]), hide_index=True, width="stretch")
        with st.expander("Подробно: значения индикаторов и что сделано"):
            st.dataframe(views.detail_table(matrix[matrix.period == period], names), hide_index=True, width="stretch")

if user.role == "coordinator":
    st.subheader("Ведение плана")
    edit, add, new = st.tabs(["Изменить или исключить мероприятие", "Добавить мероприятие", "Новый план из образца"])
    with edit:
        if plan_id and len(plan):
            by_id = plan.set_index("measure_id")
            chosen = st.selectbox("Мероприятие", plan.measure_id.tolist(), key="plan_edit_measure",
                                  format_func=lambda m: f"{by_id.item_no.get(m) or '—'}. {by_id.measure[m][:90]}")
            record = plan_admin.measure_record(snap, chosen)
            with st.form(f"edit-{chosen}"):
                record["measure"] = st.text_area("Мероприятие", record["measure"])
                record["executor"] = st.text_input("Исполнитель", record["executor"] or "")
                record["curator"] = st.text_input("Куратор", record["curator"] or "")
                record["deadline"] = st.text_input("Сроки исполнения", record["deadline"] or "")
                record["report_deadline"] = st.text_input("Срок предоставления отчёта", record["report_deadline"] or "")
                record["expected_result"] = st.text_input("Результат", record["expected_result"] or "")
                retire = st.checkbox("Исключить из плана (запись остаётся в истории)", key=f"retire-{chosen}")
                if st.form_submit_button("Сохранить новую версию", type="primary"):
                    record["retired"] = retire
                    ui.submit(user, {"plan": [record]}, action="исключение мероприятия" if retire else "изменение мероприятия",
                              success="Мероприятие исключено." if retire else "Мероприятие сохранено новой версией.")
    with add:
        with st.form("add_measure"):
            item_no = st.text_input("№ п/п (как в документе; можно оставить пустым)")
            measure = st.text_area("Мероприятие")
            executor = st.text_input("Исполнитель")
            kinds = snap.schema["participants"].column("kind").labels
            executor_kinds = st.multiselect("Кто отчитывается", list(kinds), format_func=kinds.get, default=["utility"], placeholder="выберите…")
            deadline = st.text_input("Сроки исполнения", placeholder="например, ежемесячно до 05 числа")
            report = st.text_input("Срок предоставления отчёта", value="Ежеквартально")
            result = st.text_input("Результат")
            if st.form_submit_button("Добавить", type="primary", disabled=not plan_id):
                code = item_no.strip().rstrip(".") or f"доп{len(plan) + 1}"
                ui.submit(user, {"plan": [{"measure_id": f"{plan_id}-{code}", "plan_id": plan_id, "item_no": item_no or None,
                                           "measure": measure, "executor": executor or None, "executor_kinds": ";".join(executor_kinds) or None,
                                           "deadline": deadline or None, "report_deadline": report or None,
                                           "expected_result": result or None, "retired": False}]},
                          action="добавление мероприятия", success="Мероприятие добавлено.")
    with new:
        sources = {**{f"Копия плана {p}": ("copy", p) for p in plans},
                   **{f"Образец: {t}": ("template", t) for t in plan_admin.templates()}}
        with st.form("new_plan"):
            source = st.selectbox("Основа", list(sources))
            new_id = st.text_input("Обозначение нового плана", placeholder="например, 2025/2026")
            if st.form_submit_button("Создать план", type="primary"):
                kind, ref = sources[source]
                if not new_id.strip():
                    st.error("Укажите обозначение нового плана.")
                elif new_id.strip() in plans:
                    st.error(f"План «{new_id.strip()}» уже есть.")
                else:
                    year = int(new_id.strip()[:4]) if new_id.strip()[:4].isdigit() else ui.today().year
                    rows = plan_admin.copy_plan(snap, ref, new_id.strip()) if kind == "copy" else \
                        plan_admin.from_template(plan_admin.templates()[ref], new_id.strip(), year)
                    ui.submit(user, {"plan": rows}, action="создание плана", success=f"План «{new_id.strip()}» создан: мероприятий {len(rows)}.")
