"""«Выгрузка»: the quarterly (or annual) workbook for the ministry, its journal, and closing the quarter."""

import pandas as pd
import streamlit as st

from lib.core import fmt
from lib.domain import present
from lib.domain.periods import closed_quarters, quarter_label, quarter_of
from lib.domain.settings import read_settings
from lib.files import workbook
from lib.ui import shell

user = shell.require_user()
if user.role != "coordinator":
    st.error("Выгрузку в министерство готовит координатор.")
    st.stop()
snap = shell.snapshot()
settings = read_settings(snap)
st.title("Выгрузка в министерство")
months = sorted(set(snap.current("monthly_reports").month.dropna()))
quarters = sorted({quarter_of(m) for m in months}, reverse=True) or [quarter_of(shell.today().strftime("%Y-%m"))]
years = sorted({int(q[:4]) for q in quarters}, reverse=True)

c1, c2, c3 = st.columns(3)
kind = c1.radio("Что выгрузить", ["квартал", "год"], horizontal=True, key="export_kind")
if kind == "квартал":
    quarter = c2.selectbox("Квартал", quarters, format_func=quarter_label, key="export_quarter")
    cumulative = c3.radio("Суммы", ["за квартал", "нарастающим итогом с января"], key="export_mode",
                          help="Нарастающим итогом — как в форме 22-ЖКХ.") != "за квартал"
    period = workbook.parse_period(quarter, cumulative=cumulative)
else:
    period = workbook.parse_period(year=c2.selectbox("Год", years, key="export_year"))
st.caption("Листы: сводная форма (приложение 4, графы 1–9) по организациям и в целом, по поселениям, по срокам, по ресурсам, "
           "претензионная работа, исполнение плана, сдача отчётов, замечания к данным. " + fmt.sentence(f"Период: {period.label}"))
# what the workbook will list, before it is made; the click on «Сформировать» then reuses these figures
ready_state = workbook.readiness(snap, period, settings, shell.today())
(st.success if ready_state == workbook.Readiness(0, 0, 0, 0) else st.warning)(ready_state.text(period), icon=":material/fact_check:")

shell.flash("export")  # the last export recorded in the journal, until the next one
if st.button("Сформировать", type="primary", icon=":material/description:", key="export_build"):
    bar = st.progress(0.0, text="Начинаю…")
    try:
        data = workbook.build(snap, period, settings, shell.today(), progress=lambda f, text: bar.progress(f, text=text))
    except ValueError as err:  # a text no Excel cell can hold: refused whole, never cut
        bar.empty()
        st.error(f"Выгрузка не сформирована: {err}", icon=":material/error:")
    else:
        name = workbook.file_name(period, settings["district_name"])
        st.session_state["export_file"] = (period.key, name, data)  # kept across the rerun that follows the journal entry
        shell.submit(user, {"exports": [workbook.record(period, data, name)]}, action="выгрузка в министерство",
                     success=f"Выгрузка за {period.label} сформирована и записана в журнал.", slot="export")

ready = st.session_state.get("export_file")
if ready and ready[0] == period.key:
    _, name, data = ready
    # the file was built by «Сформировать» (the journal records its checksum): the click hands over these very
    # bytes, and a rerun does not register a copy of them with the media manager again (download_button(data=callable))
    st.download_button("Скачать выгрузку", lambda: data, file_name=name, icon=":material/download:", type="primary",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="export_download")
    st.caption(f"Контрольная сумма SHA-256: `{workbook.checksum(data)}`")
    if period.quarter and period.key not in closed_quarters(snap):
        st.info(f"После отправки в министерство закройте {quarter_label(period.key)}: исполнители больше не смогут менять его данные.")
        shell.quarter_lock_control(user, snap, period.key, key="export", comment=f"Выгрузка в министерство {fmt.date_ru(shell.today())}")

st.subheader("Журнал выгрузок")
log = snap.current("exports").iloc[::-1]
if log.empty:
    st.caption("Выгрузок ещё не было.")
else:
    modes = snap.schema["exports"].column("mode").labels
    names = present.labels(snap)
    journal = pd.DataFrame({"Когда": present.local_moments(log.saved_at).tolist(), "Кто": [names.user(u) for u in log.saved_by],
                            "Период": [present.export_period(p) for p in log.period],
                            "Порядок": [modes.get(m, m) for m in log["mode"]], "Файл": log.file_name.tolist(),
                            "SHA-256": log.checksum.tolist()})
    shell.table(present.table(journal, moments=["Когда"]), hide_index=True, width="stretch")
