"""«План мероприятий»: the plan as approved, its execution matrix, and the coordinator's tools."""

import streamlit as st

from lib.auth.access import Rejected
from lib.core import fmt
from lib.domain import plan_admin, present
from lib.domain import plan_views as views
from lib.domain.monthly import names as participant_names
from lib.domain.periods import months_range
from lib.domain.plan_rules import execution_matrix, execution_summary
from lib.saving.drafts import saved_by
from lib.ui import shell

user = shell.require_user()
snap = shell.snapshot()
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
    shell.table(present.table(views.plan_table(plan)), hide_index=True, width="stretch", whole="plan_row",
                column_config={"Мероприятие": st.column_config.TextColumn(width="large")})

    st.subheader("Исполнение")
    months = months_range("2023-01", shell.today().strftime("%Y-%m"))
    reported = sorted(set(snap.current("monthly_reports").month.dropna())) or months
    first, last = st.select_slider("Период", months, value=(max(months[0], reported[-1][:4] + "-01"), min(months[-1], reported[-1])),
                                   format_func=fmt.month_label, key="plan_period")
    matrix = execution_matrix(snap, months_range(first, last), shell.today())
    matrix = matrix[matrix.measure_id.isin(plan.measure_id)]
    counts = execution_summary(matrix)
    with st.container(horizontal=True):  # the tiles wrap on a narrow screen
        for status, n in counts.items():
            st.metric(views.STATUS_LABELS[status], fmt.number(n, 0), border=True)
    periods = sorted(matrix.period.unique())
    if periods:
        period = st.selectbox("Отчётный период для матрицы", periods, index=len(periods) - 1, format_func=views.period_label,
                              key="plan_matrix_period")
        table = views.matrix_table(matrix[matrix.period == period], names)
        shell.table(present.table(table).map(views.color_status, subset=table.columns[1:]), hide_index=True, width="stretch")
        with st.expander("Подробно: значения индикаторов и что сделано"):
            detail = views.detail_table(matrix[matrix.period == period], names)
            shell.table(present.table(detail, decimals={"Значение индикатора": present.EXACT}), hide_index=True, width="stretch",
                        whole="plan_detail_row")

if user.role == "coordinator":
    st.subheader("Ведение плана")
    # every tab here is a form, drawn while closed too: a form's typed, unsubmitted text lives only in the browser
    # and would be lost with the form (see ui.page_tabs); the open tab is still kept for the session and the address
    edit, add, new = shell.page_tabs(["Изменить или исключить мероприятие", "Добавить мероприятие", "Новый план из образца"],
                                  key="plan_tools_tab")
    with edit:
        # drafts of measures taken out of the plan since: said here, where the sidebar's note leads
        shell.lost_drafts("edit-", {f"edit-{m}" for m in plan_all[plan_all.retired.fillna(False) == False].measure_id},  # noqa: E712
                          "мероприятие исключено из плана после того, как вы начали правку")
        if plan_id and len(plan):
            by_id = plan.set_index("measure_id")
            chosen, _ = shell.address_choice("Мероприятие", plan.measure_id.tolist(), key="plan_edit_measure", param="measure",
                                             format_func=lambda m: f"{by_id.item_no.get(m) or '—'}. {by_id.measure[m][:90]}")
            record = plan_admin.measure_record(snap, chosen)
            form = f"edit-{chosen}"
            fields = ("measure", "executor", "curator", "deadline", "report_deadline", "expected_result")
            shell.flash("plan_edit")
            read, base = shell.record_draft(form, {**{f: record[f] or "" for f in fields}, "retired": False}, by_id.save_id[chosen],
                                            title=f"Мероприятие {by_id.item_no.get(chosen) or ''}".strip(), where="План мероприятий",
                                            page="pages/plan.py", params={"plan_tools_tab": "Изменить или исключить мероприятие",
                                                                          "measure": chosen},
                                            who=saved_by(snap, "plan", [(chosen,)]))
            with st.container(border=True):
                shell.kept(st.text_area, "Мероприятие", key=f"{form}:measure")
                shell.kept(st.text_input, "Исполнитель", key=f"{form}:executor")
                shell.kept(st.text_input, "Куратор", key=f"{form}:curator")
                shell.kept(st.text_input, "Сроки исполнения", key=f"{form}:deadline",
                           placeholder=f"например, ежемесячно до 05 числа; или «{plan_admin.NO_DEADLINE}»")
                shell.kept(st.text_input, "Срок предоставления отчёта", key=f"{form}:report_deadline")
                shell.kept(st.text_input, "Результат", key=f"{form}:expected_result")
                shell.kept(st.checkbox, "Исключить из плана (запись остаётся в истории)", key=f"{form}:retired")
                typed = read()
                clicked = st.button("Сохранить новую версию", type="primary", key=f"{form}-save")
            if clicked:
                # a changed deadline re-derives the schedule, as for a new measure (issue 27)
                record = plan_admin.edited_measure(record, {f: typed[f] for f in fields})
                retire = record["retired"] = bool(typed["retired"])
                try:
                    if not retire:  # an item taken out of the plan keeps what it had
                        plan_admin.check_measure(record)
                except Rejected as err:
                    st.error(f"{err} Введённое осталось в форме.")
                else:
                    shell.submit(user, {"plan": [record]}, action="исключение мероприятия" if retire else "изменение мероприятия",
                                 expect={"plan": {(chosen,): base}}, slot="plan_edit", form=form, draft=form,
                                 success="Мероприятие исключено." if retire else "Мероприятие сохранено новой версией.")
    with add:
        shell.flash("plan_add")
        form = "add_measure"
        # separate fields, kept as a draft across tabs and pages (the sidebar's note, the browser's «leave page?»)
        read = shell.field_draft(form, {"item_no": "", "measure": "", "executor": "", "kinds": ["utility"], "deadline": "",
                                        "report": "Ежеквартально", "result": ""},
                                 title="Новое мероприятие", where="План мероприятий", page="pages/plan.py",
                                 params={"plan_tools_tab": "Добавить мероприятие"})
        with st.container(border=True):
            shell.kept(st.text_input, "№ п/п (как в документе; можно оставить пустым)", key=f"{form}:item_no")
            shell.kept(st.text_area, "Мероприятие", key=f"{form}:measure")
            shell.kept(st.text_input, "Исполнитель", key=f"{form}:executor")
            kinds = snap.schema["participants"].column("kind").labels
            shell.kept(st.multiselect, "Кто отчитывается", list(kinds), key=f"{form}:kinds", format_func=kinds.get, placeholder="выберите…",
                       select_all=False)
            shell.kept(st.text_input, "Сроки исполнения", key=f"{form}:deadline",
                       placeholder=f"например, ежемесячно до 05 числа; или «{plan_admin.NO_DEADLINE}»")
            shell.kept(st.text_input, "Срок предоставления отчёта", key=f"{form}:report")
            shell.kept(st.text_input, "Результат", key=f"{form}:result")
            typed = read()
            clicked = st.button("Добавить", type="primary", disabled=not plan_id, key=f"{form}-save")
        item_no, measure, executor, executor_kinds, deadline, report, result = (
            typed[k] for k in ("item_no", "measure", "executor", "kinds", "deadline", "report", "result"))
        if clicked:
            try:
                record = plan_admin.new_measure(snap, plan_id, item_no=item_no, measure=measure, executor=executor,
                                                executor_kinds=executor_kinds, deadline=deadline, report_deadline=report,
                                                expected_result=result)
            except Rejected as err:
                st.error(str(err))
            else:
                shell.submit(user, {"plan": [record]}, action="добавление мероприятия", expect={"plan": {(record["measure_id"],): None}},
                             success="Мероприятие добавлено.", slot="plan_add", form=form, draft=form)
    with new:
        shell.flash("plan_new")
        sources = {**{f"Копия плана {p}": ("copy", p) for p in plans},
                   **{f"Образец: {t}": ("template", t) for t in plan_admin.templates()}}
        form = "new_plan"
        read = shell.field_draft(form, {"source": next(iter(sources), None), "plan": ""}, title="Новый план", where="План мероприятий",
                                 page="pages/plan.py", params={"plan_tools_tab": "Новый план из образца"})
        with st.container(border=True):
            shell.kept(st.selectbox, "Основа", list(sources), key=f"{form}:source")
            shell.kept(st.text_input, "Обозначение нового плана", key=f"{form}:plan", placeholder="например, 2025/2026")
            typed = read()
            clicked = st.button("Создать план", type="primary", key=f"{form}-save")
        if clicked:
            source, new_id = typed["source"], (typed["plan"] or "").strip()
            if not new_id:
                st.error("Укажите обозначение нового плана.")
            elif new_id in plans:
                st.error(f"План «{new_id}» уже есть.")
            else:
                kind, ref = sources[source]
                year = int(new_id[:4]) if new_id[:4].isdigit() else shell.today().year
                rows = plan_admin.copy_plan(snap, ref, new_id) if kind == "copy" else \
                    plan_admin.from_template(plan_admin.templates()[ref], new_id, year)
                shell.submit(user, {"plan": rows}, action="создание плана", expect={"plan": {(r["measure_id"],): None for r in rows}},
                             success=f"План «{new_id}» создан: мероприятий {len(rows)}.", slot="plan_new", form=form, draft=form)
