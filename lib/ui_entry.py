"""Streamlit rendering of the entry forms (glue only: checks and saves are in lib.entry)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib import entry, fmt, ui
from lib.access import User
from lib.domain import BUCKET_LABELS, BUCKETS, MONEY_FIELDS, group_labels, resource_labels
from lib.metrics import collection_pct
from lib.store.port import StoreError

STATUS_STYLE = {"not_filed": st.info, "on_time": st.success, "late": st.warning, "returned": st.error, "locked": st.error}
MONEY = {"min_value": 0.0, "max_value": 100_000_000.0, "step": 0.001, "format": "%.3f"}


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


def save_button(label: str, key: str, user: User, tab: str, checked: entry.Checked, snap, disabled: bool) -> None:
    if st.button(label, key=key, type="primary", disabled=disabled or bool(checked.errors),
                 help="Сначала исправьте ошибки, отмеченные красным" if checked.errors else None):
        try:
            entry.save_checked(ui.store(), user, tab, checked, snap)
        except StoreError as err:
            st.error(f"{err} Введённые данные остались на экране — исправьте и сохраните снова.")
            return
        ui.saved("Сохранено." + (" Предупреждения записаны вместе с отчётом." if checked.warnings else ""))


def labelled(frame: pd.DataFrame, snap) -> pd.DataFrame:
    who = entry.names(snap)
    groups = group_labels()
    out = frame.copy()
    out.insert(0, "Поселение", [who.get(s, s) for s in frame.settlement_id])
    out.insert(1, "Группа", [groups[g] for g in frame.consumer_group])
    return out


def monthly_editor(snap, pid: str, month: str, locked: bool) -> pd.DataFrame:
    table = snap.schema["monthly_reports"]
    base = labelled(entry.monthly_form(snap, pid, month), snap)
    config = {k: st.column_config.NumberColumn(table.column(k).title, help=table.column(k).description, **MONEY)
              for k in MONEY_FIELDS}
    config.update(settlement_id=None, consumer_group=None)
    edited = st.data_editor(base, key=f"monthly-{pid}-{month}", hide_index=True, num_rows="fixed",
                            disabled=["Поселение", "Группа"] if not locked else True, column_config=config, width="stretch")
    return edited[["settlement_id", "consumer_group", *MONEY_FIELDS]]


def comparison(snap, pid: str, month: str, form: pd.DataFrame) -> pd.DataFrame:
    """Collection % computed live, and last month beside this one."""
    prev = entry.previous_values(snap, pid, month).set_index(["settlement_id", "consumer_group"])
    rows = []
    for r in labelled(form, snap).to_dict("records"):
        key = (r["settlement_id"], r["consumer_group"])
        p = prev.loc[key] if key in prev.index else None
        pct = collection_pct(r["paid"], r["accrued"])
        prev_pct = collection_pct(p.paid, p.accrued) if p is not None else float("nan")
        rows.append({
            "Поселение": r["Поселение"], "Группа": r["Группа"],
            "Собираемость, %": fmt.number(pct), "Было, %": fmt.number(prev_pct),
            "Начислено: было": fmt.money(p.accrued, 3) if p is not None else "—",
            "Изменение начислений": fmt.money(r["accrued"] - p.accrued, 3) if p is not None and pd.notna(r["accrued"]) else "—",
            "Оплачено: было": fmt.money(p.paid, 3) if p is not None else "—",
            "Изменение оплаты": fmt.money(r["paid"] - p.paid, 3) if p is not None and pd.notna(r["paid"]) else "—",
        })
    return pd.DataFrame(rows)


def structure_editor(snap, pid: str, month: str, locked: bool) -> pd.DataFrame:
    resources = resource_labels()
    base = labelled(entry.structure_form(snap, pid, month), snap)
    base.insert(2, "Ресурс", [resources[r] for r in base.resource])
    config = {b: st.column_config.NumberColumn(BUCKET_LABELS[b], **MONEY) for b in BUCKETS}
    config.update(settlement_id=None, consumer_group=None, resource=None)
    edited = st.data_editor(base, key=f"structure-{pid}-{month}", hide_index=True, num_rows="fixed",
                            disabled=["Поселение", "Группа", "Ресурс"] if not locked else True, column_config=config, width="stretch")
    return edited[["settlement_id", "consumer_group", "resource", *BUCKETS]]


def claims_inputs(snap, pid: str, month: str, locked: bool) -> dict:
    table = snap.schema["claims_work"]
    current = entry.claims_form(snap, pid, month)
    values, columns = {}, st.columns(3)
    for i, k in enumerate(entry.CLAIMS_FIELDS):
        c = table.column(k)
        with columns[i % 3]:
            if c.type == "integer":
                values[k] = st.number_input(c.title, min_value=0, step=1, value=None if current[k] is None else int(current[k]),
                                            key=f"claims-{pid}-{month}-{k}", help=c.description, disabled=locked)
            else:
                values[k] = st.number_input(c.title, value=current[k], key=f"claims-{pid}-{month}-{k}", help=c.description,
                                            disabled=locked, **MONEY)
    return values


def territory_table(snap, territory: pd.DataFrame) -> pd.DataFrame:
    who = entry.names(snap)
    groups = group_labels()
    return pd.DataFrame({
        "Организация": [who.get(p, p) for p in territory.participant_id],
        "Группа": [groups[g] for g in territory.consumer_group],
        "Долг на начало": [fmt.money(v) for v in territory.debt_start],
        "Начислено": [fmt.money(v) for v in territory.accrued],
        "Оплачено": [fmt.money(v) for v in territory.paid],
        "Собираемость, %": [fmt.number(v) for v in collection_pct(territory.paid, territory.accrued)],
        "Просрочено": [fmt.money(v) for v in territory.overdue],
    })
