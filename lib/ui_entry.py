"""Streamlit rendering of the entry forms (glue only: checks and saves are in lib.entry)."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from lib import entry, fmt, form_input, present, ui
from lib.access import NothingChanged, User
from lib.domain import BUCKET_LABELS, BUCKETS, MONEY_FIELDS, group_labels, resource_labels
from lib.metrics import collection_pct
from lib.parsing import number_text
from lib.periods import shift_month
from lib.store.port import StoreError

STATUS_STYLE = {"not_filed": st.info, "overdue": st.error, "on_time": st.success, "late": st.warning, "returned": st.error,
                "locked": st.error}
# Figures are text cells read on the server (lib.parsing): a number cell or st.number_input reads a
# pasted «23,4» as 234 in any browser language, «12,5» typed into number_input as 125.
TYPED = "Тыс. руб. Вводите как привыкли: 1 234,5 или 1234.5 — что понято, показано ниже до сохранения."
# The grid, «так понято» and last month's figures below it share their columns: the same short titles
# (the full one is the column's tooltip) and the same widths, so each figure has last month's under it
# and all six figures fit beside the keys at 1280 px; at 800 px the keys stay pinned while the figures scroll.
SHORT = {"debt_start": "Долг на начало", "accrued": "Начислено", "paid": "Оплачено", "recovered_enforcement": "Получено по ИП",
         "overdue": "Просрочено", "written_off": "Списано"}
KEY_WIDTHS = {"Поселение": 170, "Группа": 130, "Ресурс": 170, "Пункт": 60, "Период": 130}
FIGURE_WIDTH = 100


def status_banner(status: entry.MonthStatus) -> None:
    STATUS_STYLE[status.code](f"**Статус месяца: {status.label}.** {status.detail}")


def show_findings(checked: entry.Checked) -> None:
    empty = [f for f in checked.errors if f.message == "обязательное поле не заполнено"]
    if empty:
        cells = "; ".join(f"{f.row} — «{f.field}»" if f.row else f"«{f.field}»" for f in empty[:6])
        more = f" и ещё {len(empty) - 6}" if len(empty) > 6 else ""
        st.info(f"Осталось заполнить ячеек: {len(empty)} ({cells}{more}).", icon=":material/edit:")
    for f in checked.errors:
        if f not in empty:
            st.error(str(f), icon=":material/block:")
    for f in checked.warnings:
        st.warning(str(f), icon=":material/warning:")


def confirmation(checked, key: str) -> list[str]:
    """Values ≥ ×20 / ≤ ÷20 of the usual are listed with a checkbox; it confirms exactly these values
    (its key is built from them, so changing a value shows a fresh, unticked box)."""
    if not checked.confirm:
        return []
    for f in checked.confirm:
        st.warning(str(f), icon=":material/priority_high:")
    digest = hashlib.sha1("|".join(sorted(f.token for f in checked.confirm)).encode()).hexdigest()[:12]
    ticked = st.checkbox(f"Проверил(а): эти значения ({len(checked.confirm)}) верны — сохранить их", key=f"{key}-confirm-{digest}")
    return [f.token for f in checked.confirm] if ticked else []


def save_button(label: str, key: str, user: User, tab: str, checked: entry.Checked, snap, disabled: bool, note: str = "") -> None:
    confirmed = confirmation(checked, key)
    waiting = bool(checked.confirm) and not confirmed
    hint = "Сначала исправьте ошибки, отмеченные красным" if checked.errors else \
        "Сначала подтвердите необычные значения или исправьте их" if waiting else None
    shown_before = st.session_state.get(f"{key}-shown")
    st.session_state[f"{key}-shown"] = form_input.digest(checked.records)  # what this run shows above the button
    clicked = st.button(label, key=key, type="primary", disabled=disabled or bool(checked.errors) or waiting, help=hint)
    if note:
        st.caption(note)
    if clicked:
        if shown_before != st.session_state[f"{key}-shown"]:
            st.warning("Значения изменились в момент нажатия: проверьте выше, как они поняты, и нажмите "
                       f"«{label}» ещё раз.", icon=":material/visibility:")
            return
        try:
            entry.save_checked(ui.store(), user, tab, checked, snap, confirmed)
        except NothingChanged as err:
            st.info(f"{err} Сохранённые цифры совпадают с тем, что на экране.", icon=":material/info:")
            return
        except StoreError as err:
            st.error(f"{err} Введённые данные остались на экране — исправьте и сохраните снова.")
            return
        ui.saved("Сохранено." + (" Предупреждения записаны вместе с отчётом." if checked.warnings else ""))


def text_columns(titles: dict[str, str], helps: dict[str, str] | None = None) -> dict:
    config = {k: st.column_config.TextColumn(t, help=(helps or {}).get(k) or TYPED, alignment="right", width=FIGURE_WIDTH)
              for k, t in titles.items()}
    return {**key_columns(), **config}


def key_columns() -> dict:
    """The key columns of every entry table: pinned, of one width everywhere."""
    return {title: st.column_config.TextColumn(title, width=width, pinned=True) for title, width in KEY_WIDTHS.items()}


def figure_columns(titles) -> dict:
    return {title: st.column_config.Column(title, width=FIGURE_WIDTH, alignment="right") for title in titles}


def grid(key: str, form: pd.DataFrame, shown: pd.DataFrame, editable: tuple[str, ...], config: dict, locked: bool) -> pd.DataFrame:
    """An entry grid whose figures are text cells; returns the server's own ``form`` with the edits
    of ``editable`` columns taken from the editor's state (keys and rows never from the browser)."""
    read_only = [c for c in shown.columns if c not in editable]
    st.data_editor(shown, key=key, hide_index=True, num_rows="fixed", disabled=True if locked else read_only,
                   column_config=config, width="stretch")
    return form_input.apply_edits(form, st.session_state.get(key), () if locked else editable)


def understood(title: str, checked: entry.Checked, keys: dict[str, list[str]], columns: dict[str, str]) -> None:
    """«Что будет сохранено»: each figure as the server read it, in Russian format, before the save."""
    st.markdown(f"**{title}** — так введённое понято и будет сохранено:")
    st.dataframe(present.table(form_input.preview(checked.records, columns, keys, checked.bad)), hide_index=True, width="stretch",
                 column_config={**key_columns(), **figure_columns(columns.values())})


def labelled(frame: pd.DataFrame, snap) -> pd.DataFrame:
    who = entry.names(snap)
    groups = group_labels()
    out = frame.copy()
    out.insert(0, "Поселение", [who.get(s, s) for s in frame.settlement_id])
    out.insert(1, "Группа", [groups[g] for g in frame.consumer_group])
    return out


def monthly_editor(snap, pid: str, month: str, locked: bool) -> pd.DataFrame:
    table = snap.schema["monthly_reports"]
    form = entry.monthly_form(snap, pid, month)
    shown = labelled(form_input.as_text(form, MONEY_FIELDS), snap)
    config = text_columns(SHORT, {k: f"{table.column(k).title}. {table.column(k).description} {TYPED}" for k in MONEY_FIELDS})
    config.update(settlement_id=None, consumer_group=None)
    return grid(f"monthly-{pid}-{month}", form, shown, MONEY_FIELDS, config, locked)


def monthly_understood(snap, checked: entry.Checked) -> None:
    understood("Ежемесячный отчёт", checked, line_keys(snap, checked.records), SHORT)


def line_keys(snap, records: list[dict], resource: bool = False) -> dict[str, list[str]]:
    who, groups, resources = entry.names(snap), group_labels(), resource_labels()
    keys = {"Поселение": [who.get(r["settlement_id"], r["settlement_id"]) for r in records],
            "Группа": [groups.get(r["consumer_group"], r["consumer_group"]) for r in records]}
    if resource:
        keys["Ресурс"] = [resources.get(r["resource"], r["resource"]) for r in records]
    return keys


def comparison(snap, pid: str, month: str, form: pd.DataFrame) -> pd.DataFrame:
    """Last month in the grid's own columns (each figure under this month's), and collection % — this
    month's computed live from what is typed, and last month's."""
    prev = entry.previous_values(snap, pid, month).set_index(["settlement_id", "consumer_group"])
    rows = []
    for r in labelled(form, snap).to_dict("records"):
        key = (r["settlement_id"], r["consumer_group"])
        p = prev.loc[key] if key in prev.index else None
        row = {"Поселение": r["Поселение"], "Группа": r["Группа"]}
        row.update({SHORT[k]: p[k] if p is not None else float("nan") for k in MONEY_FIELDS})
        row["Собираемость, %"] = collection_pct(r["paid"], r["accrued"])
        row["Собираемость в прошлом месяце, %"] = collection_pct(p.paid, p.accrued) if p is not None else float("nan")
        rows.append(row)
    return pd.DataFrame(rows, columns=["Поселение", "Группа", *SHORT.values(), "Собираемость, %", "Собираемость в прошлом месяце, %"])


def comparison_table(snap, pid: str, month: str, form: pd.DataFrame) -> None:
    table = comparison(snap, pid, month, form)
    st.markdown(f"**Для сравнения — {fmt.month_label(shift_month(month, -1))}**, тыс. руб.; собираемость этого месяца "
                "считается по введённому:")
    st.dataframe(present.table(table, decimals=dict.fromkeys(SHORT.values(), 3)), hide_index=True, width="stretch",
                 column_config={**key_columns(), **figure_columns(table.columns[2:])})


def structure_editor(snap, pid: str, month: str, locked: bool) -> pd.DataFrame:
    resources = resource_labels()
    form = entry.structure_form(snap, pid, month)
    shown = labelled(form_input.as_text(form, BUCKETS), snap)
    shown.insert(2, "Ресурс", [resources[r] for r in shown.resource])
    config = text_columns({b: BUCKET_LABELS[b] for b in BUCKETS})
    config.update(settlement_id=None, consumer_group=None, resource=None)
    return grid(f"structure-{pid}-{month}", form, shown, BUCKETS, config, locked)


def structure_understood(snap, checked: entry.Checked) -> None:
    understood("Структура задолженности", checked, line_keys(snap, checked.records, resource=True), dict(BUCKET_LABELS))


def claims_inputs(snap, pid: str, month: str, locked: bool) -> tuple[dict, dict]:
    """Text inputs (a count «2,5» or a sum «1 379,4» is read by the server, not by the browser);
    returns what was typed and a placeholder under each field for what was understood."""
    table = snap.schema["claims_work"]
    current = entry.claims_form(snap, pid, month)
    st.caption("Количества — целыми числами, суммы — в тыс. руб. (1 234,5 или 1234.5). Значение поля принимается, когда вы "
               "переходите к следующему (Tab) или нажимаете Enter; под полем показано, как оно понято.")
    values, slots, columns = {}, {}, st.columns(3)
    for i, k in enumerate(entry.CLAIMS_FIELDS):
        c = table.column(k)
        unit = "шт." if c.type == "integer" else "тыс. руб."
        with columns[i % 3]:
            values[k] = st.text_input(f"{c.title}, {unit}", value=number_text(current[k]), key=f"claims-{pid}-{month}-{k}",
                                      help=f"{c.description} Целое число." if c.type == "integer" else f"{c.description} {TYPED}",
                                      disabled=locked, placeholder="не заполнено")
            slots[k] = st.empty()
    return values, slots


def claims_understood(checked: entry.Checked, slots: dict) -> None:
    record = checked.records[0]
    for k, slot in slots.items():
        if (0, k) in checked.bad:
            slot.caption(":red[не распознано — см. ниже]")
        else:
            slot.caption(f"понято: **{form_input.shown_value(record.get(k))}**")


def plan_editor(snap, pid: str, month: str, locked: bool) -> pd.DataFrame:
    form = entry.plan_form(snap, pid, month)
    status_labels = snap.schema["plan_progress"].column("status").labels
    indicator = snap.schema["plan_progress"].column("indicator_value")
    config = {
        "measure_id": None,
        "period": None,
        **key_columns(),
        "Мероприятие": st.column_config.TextColumn(width="large"),
        # an empty cell reads «—», not Streamlit's grey «None»: "" is the not-yet-reported choice
        "status": st.column_config.SelectboxColumn("Статус", options=["", *status_labels], format_func=lambda k: status_labels.get(k, "—")),
        "indicator_value": st.column_config.TextColumn(indicator.title, help=f"{indicator.description} Число, например 12 или 1 234,5.",
                                                       alignment="right"),
        "done_text": st.column_config.TextColumn("Что сделано", max_chars=2000, width="large"),
    }
    shown = form_input.as_text(form, ("indicator_value",))
    shown["status"] = shown["status"].astype(object).where(shown["status"].notna(), "")
    shown["done_text"] = shown["done_text"].astype(object).where(shown["done_text"].notna(), "")
    return grid(f"plan-{pid}-{month}", form, shown, entry.PLAN_EDITABLE, config, locked)


def plan_understood(snap, checked: entry.Checked, form: pd.DataFrame) -> None:
    if not checked.records:
        return
    filed = entry.filed_rows(form)
    labels = snap.schema["plan_progress"].column("status").labels
    understood("Исполнение плана", checked, {"Пункт": filed["Пункт"].tolist(), "Период": filed["Период"].tolist(),
                                            "Статус": [labels.get(r["status"], "—") for r in checked.records]},
               {"indicator_value": "Значение индикатора"})


def save_file(user: User, result, confirmed: list[str]) -> None:
    """Write a checked upload; on any refusal say why (the file is not written)."""
    from lib.excel_forms import save_upload

    try:
        save_upload(ui.store(), user, result, confirmed)
    except StoreError as err:
        st.error(f"{err} Файл не записан — исправьте и загрузите снова.")
        return
    ui.saved("Файл загружен и сохранён.")


def territory_table(snap, territory: pd.DataFrame) -> pd.DataFrame:
    who = entry.names(snap)
    groups = group_labels()
    return pd.DataFrame({
        "Организация": [who.get(p, p) for p in territory.participant_id],
        "Группа": [groups[g] for g in territory.consumer_group],
        "Долг на начало": territory.debt_start.to_numpy(),
        "Начислено": territory.accrued.to_numpy(),
        "Оплачено": territory.paid.to_numpy(),
        "Собираемость, %": collection_pct(territory.paid, territory.accrued).to_numpy(),
        "Просрочено": territory.overdue.to_numpy(),
    })
